"""Optimizers and learning-rate schedulers with PyTorch's interface and update rules,
also inside compiled training steps.

Each optimizer's rule is written once, in its module (``optim/adam.py``: the formula in
the class docstring, then ``adam_rule``), with the backend contract's primitives, so it
runs on any backend (as one cached ``tf.function`` on TensorFlow).  A backend may run a
fused kernel of the same rule instead: the torch backend, eagerly, runs PyTorch's own
functional optimizers, so its results are ``torch.optim``'s bit for bit.

``ut.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``;
``ut.optim.lr_scheduler``: ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LambdaLR``, ``OneCycleLR``.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "lr_scheduler"]
