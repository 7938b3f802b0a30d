"""The PyTorch backend: the contract in ``backends/contract.py`` implemented with torch,
one module per section of the contract (``core``, ``creation``, ``elementwise``,
``reductions``, ``linalg``, ``fft``, ``manipulation``, ``indexing``, ``nn``, ``rnn``,
``random``, ``autograd``, ``optim``, ``distributed``, ``compile``), each a mixin class
with that family's primitives and, beside them, the helpers they use.

Most primitives are torch functions bound directly (no wrapper frame on the hot path).
Where torch differs from the contract the difference is handled here, next to the
primitive it concerns, and commented.
"""

from __future__ import annotations

import torch

from ..contract import Backend
from .autograd import AutogradOps
from .compile import CompileOps
from .core import _DTYPES, _FROM_NATIVE, WIDE, CoreOps
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

__all__ = ["BACKEND", "TorchBackend"]


class TorchBackend(CoreOps, CreationOps, ElementwiseOps, ReductionOps, LinalgOps, FftOps,
                   ManipulationOps, IndexingOps, NNOps, RnnOps, RandomOps, AutogradOps,
                   OptimOps, DistributedOps, CompileOps, Backend):
    name = "torch"
    module = torch
    native_types = (torch.Tensor,)
    dtype_to_native = _DTYPES
    dtype_from_native = _FROM_NATIVE
    # reductions keep their axes in a 64-bit set ("bitset set argument out of range"
    # beyond); CUDA kernels stop at 25 axes ("tensor has too many (>25) dims")
    max_dimensions = 25 if torch.cuda.is_available() else 64

    def __init__(self) -> None:
        self._device_cache: dict[torch.device, object] = {}

    def dtype_kernel(self, name, dtype):
        # a primitive wrapped for uint16/32/64 (unsigned.py) checks the dtype on every
        # call: the per-dtype tables of every other dtype get the torch function itself
        found = super().dtype_kernel(name, dtype)
        if _DTYPES[dtype] in WIDE:
            return found
        return getattr(found, "plain", found)


BACKEND = TorchBackend()
