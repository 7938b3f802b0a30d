"""Turning a batch on the host into unitorch tensors of one backend, on one device.

A batch is a nested structure (tuples, lists, named tuples, dicts) whose leaves are
NumPy arrays, unitorch tensors of any backend, native torch / TensorFlow tensors,
Python or NumPy scalars; strings, bytes and ``None`` pass through unchanged.  Each
tensor-like leaf becomes a tensor of the backend given to :class:`Converter`:

* a NumPy array keeps its dtype (float64 stays float64; uint16/uint32 widen to int64, as
  :func:`unitorch.asarray` does) and, on the torch backend's CPU, shares its memory
  (``torch.from_numpy``); on TensorFlow it is copied once (TensorFlow never shares the
  memory of a NumPy array its user may change);
* a tensor of the other framework crosses through DLPack, sharing memory where both
  frameworks can (see :func:`unitorch.asarray`);
* a Python float becomes the default float dtype, an int int64, a bool bool.

Arrays unitorch allocated itself (a shuffled batch gathered from arrays, samples stacked
by the default collate function) are allocated 64-byte aligned with :func:`aligned_empty`
and handed over with :meth:`Converter.fresh`, through DLPack: neither framework copies
them again (TensorFlow imports aligned host buffers without a copy).  Where the
framework's own NumPy import copies anyway (TensorFlow's ``convert_to_tensor``, which
costs ~10x a plain copy), the user's arrays are copied into an aligned buffer here and
handed over the same way: one copy, as before, made faster.  Whether a framework's NumPy
import shares memory is probed once per backend, not looked up by name.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..backends import Backend, backend_of_native
from ..devices import Device
from ..errors import DTypeError
from ..ops.creation import asarray_on
from ..tensor import Tensor, _wrap

__all__ = ["Converter", "aligned_empty"]

_BY_NUMPY = dt._BY_NUMPY
_PASS_THROUGH = (str, bytes, type(None))
_SCALARS = (bool, int, float, complex, np.generic)
_ALIGN = 64  # bytes: what TensorFlow's kernels require of a buffer


def aligned_empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """An uninitialised C-contiguous array whose data starts on a 64-byte boundary."""
    count, item = math.prod(shape), dtype.itemsize
    raw = np.empty(count + _ALIGN // item + 1, dtype)
    offset = ((-raw.ctypes.data) % _ALIGN) // item
    return raw[offset:offset + count].reshape(shape)


_SHARES: dict[str, bool] = {}


def _numpy_import_shares(backend: Backend) -> bool:
    """Whether ``backend.from_numpy`` shares an aligned host array's memory (probed once:
    torch's does, TensorFlow's copies)."""
    found = _SHARES.get(backend.name)
    if found is None:
        probe = aligned_empty((16,), np.dtype(np.float32))
        native = backend.from_numpy(probe, Device("cpu"))
        try:
            found = np.shares_memory(np.from_dlpack(backend.wrap(native)), probe)
        except (BufferError, TypeError, RuntimeError):
            found = False
        _SHARES[backend.name] = found
    return found


class Converter:
    """Converts batches to tensors of ``backend`` on ``device``.

    ``array(a)`` converts one of the user's NumPy arrays (the hot path of array
    sources), ``fresh(a)`` one that unitorch allocated with :func:`aligned_empty` and
    nobody else holds; ``__call__(batch, fresh)`` converts a whole nested batch.
    """

    __slots__ = ("array", "backend", "device", "fresh")

    def __init__(self, backend: Backend, device: Device) -> None:
        self.backend = backend
        self.device = device
        from_numpy, T = backend.from_numpy, backend.Tensor

        def imported(a: np.ndarray, _get: Any = _BY_NUMPY.get) -> Tensor:
            d = _get(a.dtype)
            if d is None:  # uint16, uint32 (widened) or an unsupported dtype (an error)
                return asarray_on(backend, a, device=device)
            return _wrap(T, from_numpy(a, device), d)

        if _numpy_import_shares(backend):
            # the framework's own NumPy import is the cheapest way in (torch.from_numpy
            # costs a third of torch.from_dlpack), and shares memory already
            self.array = self.fresh = imported
            return
        from_dlpack, to_device = backend.from_dlpack, backend.to_device
        on_host = device.type == "cpu"

        def fresh(a: np.ndarray, _get: Any = _BY_NUMPY.get) -> Tensor:
            d = _get(a.dtype)
            if d is None or d is dt.bfloat16:  # DLPack has no bfloat16
                return imported(a)
            native = from_dlpack(a)
            return _wrap(T, native if on_host else to_device(native, device), d)

        def copied(a: np.ndarray, _get: Any = _BY_NUMPY.get) -> Tensor:
            d = _get(a.dtype)
            if d is None or d is dt.bfloat16:
                return imported(a)
            out = aligned_empty(a.shape, a.dtype)
            np.copyto(out, a)
            native = from_dlpack(out)
            return _wrap(T, native if on_host else to_device(native, device), d)

        self.array, self.fresh = copied, fresh

    def __call__(self, batch: Any, fresh: bool = False) -> Any:
        t = type(batch)
        if t is np.ndarray:
            return self.fresh(batch) if fresh else self.array(batch)
        if t is tuple or t is list:
            return t([self(b, fresh) for b in batch])
        if t is dict:
            return {k: self(v, fresh) for k, v in batch.items()}
        if isinstance(batch, Tensor):
            return asarray_on(self.backend, batch, device=self.device)
        if isinstance(batch, _PASS_THROUGH):
            return batch
        if isinstance(batch, _SCALARS):
            return asarray_on(self.backend, batch, device=self.device)
        if isinstance(batch, tuple) and hasattr(batch, "_fields"):  # a named tuple
            return t(*[self(b, fresh) for b in batch])
        if isinstance(batch, (tuple, list)):
            return t(self(b, fresh) for b in batch)
        if isinstance(batch, dict):
            return t((k, self(v, fresh)) for k, v in batch.items())
        if isinstance(batch, np.ndarray):
            return self.array(np.asarray(batch))
        native = backend_of_native(batch)
        if native is not None:
            if batch.dtype not in native.dtype_from_native:
                raise DTypeError(
                    f"DataLoader cannot convert a {native.name} tensor of dtype "
                    f"{batch.dtype} to a unitorch tensor"
                )
            return asarray_on(self.backend, batch, device=self.device)
        if hasattr(batch, "__dlpack__"):
            return asarray_on(self.backend, batch, device=self.device)
        raise TypeError(
            f"DataLoader cannot convert a batch element of type {type(batch).__name__} to a "
            "tensor; a batch may hold NumPy arrays, tensors, Python numbers, strings and "
            "tuples, lists and dicts of them"
        )
