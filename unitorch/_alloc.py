"""Allocation failures as one unitorch error on every backend.

A shape no machine can hold is refused before the framework sees it: more elements than
an int64 can count is a :class:`ShapeError` (TensorFlow: ``InvalidArgumentError`` or
``ValueError``; PyTorch: ``RuntimeError``), more bytes than a 64-bit address space an
:class:`OutOfMemoryError`.  A framework's own out-of-memory error (PyTorch:
``RuntimeError: ... can't allocate memory`` on the CPU, ``torch.OutOfMemoryError`` on a
GPU; TensorFlow: ``ResourceExhaustedError``) becomes :class:`OutOfMemoryError`, with a
message naming the op, the shape, the dtype, the bytes and the device.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from . import dtypes as dt
from .errors import OutOfMemoryError, ShapeError, fmt_shape

__all__ = ["allocate", "check_size", "memory_error"]

_LIMIT = 2**63 - 1  # the most elements (and bytes) a 64-bit signed count can hold


def allocate(backend: Any, op: str, shape: tuple[int, ...], dtype: dt.DType, device: Any,
             make: Callable[[], Any]) -> Any:
    """``make()``, which makes a new native tensor of ``shape`` and ``dtype`` on ``device``,
    with the failures above raised as unitorch's errors."""
    check_size(op, shape, dtype)
    try:
        return make()
    except Exception as e:
        oom = memory_error(backend, e, op, shape, dtype, device)
        if oom is None:
            raise
        raise oom from None


def check_size(op: str, shape: tuple[int, ...], dtype: dt.DType | None) -> None:
    """Raise unless a tensor of ``shape`` (non-negative ints) and ``dtype`` could exist."""
    n = math.prod(shape)
    if n <= 2**40:  # the common case: far below every limit
        return
    if n > _LIMIT or any(s > _LIMIT for s in shape):
        raise ShapeError(f"{op}(): shape {fmt_shape(shape)} has more elements than an int64 "
                         "can count (2**63 - 1)")
    if dtype is not None and n * (dtype.bits // 8) > _LIMIT:
        raise OutOfMemoryError(f"{op}(): a{_n(dtype.name)} {dtype.name} tensor of shape "
                               f"{fmt_shape(shape)} needs 2**64 bytes or more, more than a "
                               "64-bit machine can address")


def memory_error(backend: Any, error: BaseException, op: str, shape: tuple[int, ...],
                 dtype: dt.DType, device: Any) -> OutOfMemoryError | None:
    """The :class:`OutOfMemoryError` that ``error``, raised by ``backend`` while making a
    tensor of ``shape`` and ``dtype`` on ``device``, stands for; ``None`` for other
    errors."""
    if not backend.out_of_memory(error):
        return None
    nbytes = math.prod(shape) * (dtype.bits // 8)
    return OutOfMemoryError(
        f"{op}(): out of memory: a{_n(dtype.name)} {dtype.name} tensor of shape "
        f"{fmt_shape(shape)} needs {nbytes} bytes ({_human(nbytes)}) on {device}")


def _n(word: str) -> str:
    return "n" if word[0] in "aeiou" else ""


def _human(nbytes: int) -> str:
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        nbytes /= 1024
        if nbytes < 1024:
            return f"{nbytes:.1f} {unit}"
    return f"{nbytes:.1f} PiB"
