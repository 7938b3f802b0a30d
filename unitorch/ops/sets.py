"""Set functions: the Array API's ``unique_*`` (2023.12) and PyTorch's ``unique``.

The same result on every backend:

* ``x`` is flattened (row-major); ``values`` is 1-D and sorted ascending in
  :func:`unitorch.sort`'s order (NaN last).  Complex values are ordered
  lexicographically: by real part, then by imaginary part (NumPy's order), and a
  complex value with a NaN in either part counts as a NaN: distinct, last, in input
  order (NumPy orders those by their parts: ``1+nanj`` before ``nan+0j``).
* Uniqueness is value equality (``==``): each NaN is a distinct value with a count of 1
  (the NaNs come last, in input order), and -0.0 equals 0.0: their common entry in
  ``values`` is whichever occurs first in ``x``.  In general ``values[i]`` is
  ``x.flat[indices[i]]``, the first occurrence.
* ``inverse_indices`` has ``x``'s shape (2023.12) and ``values[inverse_indices]``
  rebuilds ``x`` (up to the sign of zero).  Index and count tensors are int64.

Framework differences removed here: ``tf.unique`` returns values in order of first
occurrence, not sorted, and counts as int32; ``torch.unique`` orders -0.0 and 0.0 (and
the NaNs) as its internal sort happens to, and has no complex kernel (nor has
``torch.sort``); complex input is sorted with two stable sorts, by imaginary part and
then by real part, on both backends.  Every dtype is accepted.  The shapes of the
results depend on the values, so under ``tf.function`` they are unknown while
tracing.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from .. import dtypes as dt
from .._dispatch import backend_of, to_tensor
from ..tensor import Tensor, _wrap

__all__ = [
    "unique_all", "unique_counts", "unique_inverse", "unique_values", "unique",
    "UniqueAllResult", "UniqueCountsResult", "UniqueInverseResult",
]


class UniqueAllResult(NamedTuple):
    """What :func:`unique_all` returns.

    Example:
        >>> values, indices, inverse_indices, counts = ut.unique_all(ut.tensor([3, 1, 3]))
        >>> values, indices, inverse_indices, counts
        (tensor([1, 3], dtype=int64), tensor([1, 0], dtype=int64),
         tensor([1, 0, 1], dtype=int64), tensor([1, 2], dtype=int64))
    """

    values: Tensor
    indices: Tensor
    inverse_indices: Tensor
    counts: Tensor


class UniqueCountsResult(NamedTuple):
    """What :func:`unique_counts` returns.

    Example:
        >>> ut.unique_counts(ut.tensor([3, 1, 3]))
        UniqueCountsResult(values=tensor([1, 3], dtype=int64), counts=tensor([1, 2], dtype=int64))
    """

    values: Tensor
    counts: Tensor


class UniqueInverseResult(NamedTuple):
    """What :func:`unique_inverse` returns.

    Example:
        >>> r = ut.unique_inverse(ut.tensor([3, 1, 3]))
        >>> r.values[r.inverse_indices]
        tensor([3, 1, 3], dtype=int64)
    """

    values: Tensor
    inverse_indices: Tensor


def _unique(op: str, x: Any) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    x = to_tensor(x, backend_of(op, x))
    values, first, inverse, counts = type(x)._bk.unique(x._n)
    T = type(x)
    return (_wrap(T, values, x._d), _wrap(T, first, dt.int64), _wrap(T, inverse, dt.int64),
            _wrap(T, counts, dt.int64))


def unique_all(x: Tensor, /) -> UniqueAllResult:
    """The unique values of ``x`` (flattened), sorted, with the index of each one's first
    occurrence, the indices that rebuild ``x`` from them, and their counts.

    Returns ``UniqueAllResult(values, indices, inverse_indices, counts)``: ``values``
    has ``x``'s dtype; the others are int64; ``inverse_indices`` has ``x``'s shape.
    Each NaN is its own value (see the module docstring).

    Example:
        >>> r = ut.unique_all(ut.tensor([3, 1, 3, 2]))
        >>> r.values, r.indices, r.inverse_indices, r.counts
        (tensor([1, 2, 3], dtype=int64), tensor([1, 3, 0], dtype=int64), tensor([2, 0, 2, 1], dtype=int64), tensor([1, 1, 2], dtype=int64))
    """
    return UniqueAllResult(*_unique("unique_all", x))


def unique_counts(x: Tensor, /) -> UniqueCountsResult:
    """The unique values of ``x`` (flattened), sorted, and how often each occurs (int64).

    Example:
        >>> values, counts = ut.unique_counts(ut.tensor([1., float("nan"), 1., float("nan")]))
        >>> values, counts
        (tensor([ 1., nan, nan], dtype=float32), tensor([2, 1, 1], dtype=int64))
    """
    values, _, _, counts = _unique("unique_counts", x)
    return UniqueCountsResult(values, counts)


def unique_inverse(x: Tensor, /) -> UniqueInverseResult:
    """The unique values of ``x`` (flattened), sorted, and the int64 indices of shape
    ``x.shape`` that rebuild ``x``: ``values[inverse_indices]``.

    Example:
        >>> ut.unique_inverse(ut.tensor([[2, 1], [1, 2]])).inverse_indices
        tensor([[1, 0],
                [0, 1]], dtype=int64)
    """
    values, _, inverse, _ = _unique("unique_inverse", x)
    return UniqueInverseResult(values, inverse)


def unique_values(x: Tensor, /) -> Tensor:
    """The unique values of ``x`` (flattened), sorted ascending, NaNs (each distinct)
    last.

    Example:
        >>> ut.unique_values(ut.tensor([[2, 1], [1, 2]]))
        tensor([1, 2], dtype=int64)
    """
    return _unique("unique_values", x)[0]


def unique(x: Tensor, /, sorted: bool = True, return_inverse: bool = False,
           return_counts: bool = False, dim: int | None = None
           ) -> Tensor | tuple[Tensor, ...]:
    """PyTorch's spelling: the unique values (always sorted), followed by the inverse
    indices (``x``'s shape) and the counts when asked for, as ``torch.unique`` returns
    them.  Same semantics as :func:`unique_all` (each NaN distinct); ``dim=`` is not
    supported.

    Example:
        >>> ut.unique(ut.tensor([2, 1, 2]), return_counts=True)
        (tensor([1, 2], dtype=int64), tensor([1, 2], dtype=int64))
    """
    if dim is not None:
        raise NotImplementedError("unique(): dim= is not supported; unique values of the "
                                  "flattened tensor only")
    values, _, inverse, counts = _unique("unique", x)
    out = (values,) + ((inverse,) if return_inverse else ()) + ((counts,) if return_counts
                                                                 else ())
    return out if len(out) > 1 else values
