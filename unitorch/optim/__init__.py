"""Optimizers and learning-rate schedulers with PyTorch's interface and update rules,
also inside compiled training steps.

Each optimizer's rule is written once, in its module (``optim/adam.py``: the formula in
the class docstring, then ``adam_rule``), with the backend contract's primitives, so it
runs on any backend (as one cached ``tf.function`` on TensorFlow).  A backend may run a
fused kernel of the same rule instead: the torch backend, eagerly, runs PyTorch's own
functional optimizers, so its results are ``torch.optim``'s bit for bit.

``ut.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``, ``Adadelta``, ``Adamax``,
``NAdam``, ``RAdam``, ``ASGD``, ``Rprop`` and ``LBFGS`` (which runs its own loop over a
closure, reading values on the host, as PyTorch's does); ``ut.optim.lr_scheduler``:
``StepLR``, ``MultiStepLR``, ``ExponentialLR``, ``CosineAnnealingLR``, ``LambdaLR``,
``OneCycleLR``, ``MultiplicativeLR``, ``LinearLR``, ``ConstantLR``, ``PolynomialLR``,
``CosineAnnealingWarmRestarts``, ``CyclicLR``, ``ReduceLROnPlateau``, ``SequentialLR`` and
``ChainedScheduler``.
"""

from . import lr_scheduler
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
           "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS", "lr_scheduler"]
