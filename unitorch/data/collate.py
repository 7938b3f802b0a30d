"""Combining a list of samples into one batch (what the loader does for datasets).

:func:`default_collate` follows the structure of the samples: tuples, lists, named
tuples and dicts are collated field by field; NumPy arrays and scalars are stacked with
NumPy; unitorch and native tensors are stacked by their own framework (a torch Dataset
feeding the TensorFlow backend is stacked by torch, then shared with TensorFlow through
DLPack); Python numbers become NumPy arrays, floats in the **default float dtype**
(``ut.get_default_dtype()``), ints int64, bools bool; strings and other objects are kept
as a list.  The loader converts the result to tensors of the active backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..backends import backend_of_native, use_backend
from ..errors import ShapeError, fmt_shape
from ..tensor import Tensor
from .convert import aligned_empty

__all__ = ["default_collate", "collate_aligned"]


def default_collate(samples: Sequence[Any]) -> Any:
    """Stack a list of samples into one batch, field by field.

    Every sample must have the same structure; arrays stacked together must have the
    same shape (:class:`unitorch.ShapeError` otherwise).

    Example:
        >>> b = ut.data.default_collate([(np.zeros(3), 1), (np.ones(3), 2)])
        >>> b[0].shape, b[1].dtype
        ((2, 3), dtype('int64'))
    """
    return _collate(samples, _plain_empty)


def collate_aligned(samples: Sequence[Any]) -> Any:
    """:func:`default_collate` with its arrays allocated 64-byte aligned (what the loader
    uses: such arrays reach either framework without another copy)."""
    return _collate(samples, aligned_empty)


def _plain_empty(shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    return np.empty(shape, dtype)


def _collate(samples: Sequence[Any], empty: Callable[..., np.ndarray],
             floats: Any = None) -> Any:
    """The batch of ``samples``; Python floats become ``floats`` (a NumPy dtype; default:
    unitorch's default float dtype)."""
    first = samples[0]
    t = type(first)
    if t is np.ndarray or isinstance(first, np.generic):
        return _stack_numpy(samples, empty)
    if t in _NUMBER_RANK:
        return _numbers(samples, empty, floats)
    if isinstance(first, dict):
        for s in samples:
            if not isinstance(s, dict) or s.keys() != first.keys():
                raise ValueError(
                    "default_collate: every sample must be a dict with the keys "
                    f"{sorted(map(str, first.keys()))}"
                )
        out = {k: _collate([s[k] for s in samples], empty, floats) for k in first}
        if t is dict:
            return out
        try:
            return t(out)
        except TypeError:  # a mapping type that cannot be built from a dict
            return out
    if isinstance(first, (tuple, list)):
        n = len(first)
        for s in samples:
            if not isinstance(s, (tuple, list)) or len(s) != n:
                raise ValueError(f"default_collate: every sample must be a sequence of {n} "
                                 "elements")
        fields = [_collate(column, empty, floats) for column in zip(*samples)]
        if isinstance(first, tuple) and hasattr(first, "_fields"):  # a named tuple
            return t(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    if isinstance(first, Tensor):
        return _stack_tensors(samples)
    native = backend_of_native(first)
    if native is not None:
        return _stack_tensors([native.wrap(s) for s in samples])
    return list(samples)


_NUMBER_RANK = {bool: 0, int: 1, float: 2, complex: 3}


def _numbers(samples: Sequence[Any], empty: Callable[..., np.ndarray],
             floats: Any = None) -> np.ndarray:
    """Python numbers: the widest kind among them decides (bool < int < float < complex)."""
    rank = 0
    for s in samples:
        r = _NUMBER_RANK.get(type(s))
        if r is None:
            raise TypeError("default_collate: a field holds a Python number in one sample "
                            f"and a {type(s).__name__} in another")
        rank = max(rank, r)
    dtype = (np.bool_, np.int64, dt.get_default_dtype().numpy if floats is None else floats,
             dt.default_complex().numpy)[rank]
    out = empty((len(samples),), np.dtype(dtype))
    try:
        out[:] = samples
    except OverflowError:
        raise OverflowError("default_collate: a Python integer is out of range for int64"
                            ) from None
    return out


def _stack_numpy(samples: Sequence[Any], empty: Callable[..., np.ndarray]) -> np.ndarray:
    arrays = [np.asarray(s) for s in samples]
    first = arrays[0]
    shape, dtype = first.shape, first.dtype
    for a in arrays:
        if a.shape != shape:
            raise ShapeError("default_collate: samples of shapes "
                             f"{fmt_shape(shape)} and {fmt_shape(a.shape)} cannot be stacked")
        if a.dtype != dtype:
            dtype = np.result_type(dtype, a.dtype)
    return np.stack(arrays, out=empty((len(arrays), *shape), dtype))


def _stack_tensors(samples: Sequence[Tensor]) -> Tensor:
    from ..ops.manipulation import stack

    with use_backend(samples[0].backend):
        try:
            return stack(samples)
        except ShapeError:
            raise ShapeError("default_collate: samples of shapes "
                             + ", ".join(sorted({fmt_shape(s.shape) for s in samples}))
                             + " cannot be stacked") from None
