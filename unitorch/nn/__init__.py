"""Neural-network building blocks: Module, Parameter, layers, losses, init, functional."""

from . import convert, functional, init, utils
from .convert import from_keras, from_torch, to_keras, to_torch
from .layers import *  # noqa: F403
from .losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    CTCLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
    TripletMarginLoss,
)
from .module import IncompatibleKeys, Module
from .parallel import DataParallel, DistributedDataParallel
from .parameter import Buffer, Parameter
from .recurrent import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNCell
