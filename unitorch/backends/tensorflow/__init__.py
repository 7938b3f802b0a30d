"""The TensorFlow backend: the contract in ``backends/contract.py`` implemented with
TensorFlow, one module per section of the contract (``core``, ``creation``,
``elementwise``, ``reductions``, ``linalg``, ``fft``, ``manipulation``, ``indexing``,
``nn``, ``rnn``, ``random``, ``autograd``, ``optim``, ``distributed``, ``compile``), each
a mixin class with that family's primitives and, beside them, the helpers they use.

TensorFlow differs from the contract in many small ways; each fix sits next to the
primitive it concerns and says what TensorFlow does on its own.  ``TF_CPP_MIN_LOG_LEVEL``
is set by ``backends.load`` before TensorFlow is imported (see ``_Spec.environ``).
"""

from __future__ import annotations

import tensorflow as tf

from ..contract import Backend
from .autograd import AutogradOps
from .compile import CompileOps, _exclude_from_autograph
from .core import _DTYPES, _FROM_NATIVE, CoreOps
from .creation import CreationOps
from .distributed import DistributedOps
from .elementwise import ElementwiseOps
from .fft import FftOps
from .indexing import IndexingOps
from .linalg import LinalgOps
from .manipulation import ManipulationOps
from .nn import NNOps
from .optim import OptimOps
from .random import RandomOps
from .reductions import ReductionOps
from .rnn import RnnOps

__all__ = ["BACKEND", "TensorFlowBackend"]


class TensorFlowBackend(CoreOps, CreationOps, ElementwiseOps, ReductionOps, LinalgOps, FftOps,
                        ManipulationOps, IndexingOps, NNOps, RnnOps, RandomOps, AutogradOps,
                        OptimOps, DistributedOps, CompileOps, Backend):
    name = "tensorflow"
    module = tf
    native_types = (tf.Tensor, tf.Variable)
    dtype_to_native = _DTYPES
    dtype_from_native = _FROM_NATIVE
    compile_training = True  # eager TensorFlow is ~10x slower than tf.function on small steps
    slices_share_memory = False  # tf.Tensor is immutable: unitorch/_views.py keeps views
    max_dimensions = 254  # TensorShape's limit ("Too many dimensions" from 255 on)

    def __init__(self) -> None:
        self._device_cache: dict[str, object] = {}


_exclude_from_autograph()
BACKEND = TensorFlowBackend()
