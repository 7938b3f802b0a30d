"""Optimizers and learning-rate schedulers with PyTorch's interface and update rules,
running on each backend's own machinery (PyTorch's functional optimizers on torch, raw
ops on variables on TensorFlow), also inside compiled training steps.

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
