"""Neural-network building blocks: Module, Parameter, layers, losses, init, functional."""

from . import functional, init, utils
from .layers import *  # noqa: F403
from .losses import (
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .module import IncompatibleKeys, Module
from .parameter import Buffer, Parameter
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
from . import convert
from .convert import from_keras, from_torch, to_keras, to_torch
