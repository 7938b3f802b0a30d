"""Sorting: sort, argsort (the Array API's) and topk (PyTorch's).

One order on every backend, NumPy's:

* NaN sorts above +inf: last in ascending order, first in descending order (and
  :func:`topk` counts NaN as the largest value).  PyTorch orders NaN this way too;
  TensorFlow's ``tf.sort`` leaves NaN wherever its comparisons happen to put it
  (``tf.sort([nan, 1., inf, -1.])`` puts it first, ``tf.sort([1., nan, 0.])`` last).
* -0.0 and 0.0 are equal: a stable sort keeps them in their input order.
* Sorts are always stable, also when ``descending`` (equal elements keep their input
  order, as PyTorch's and TensorFlow's stable sorts do), and :func:`topk` returns the
  lower index first among equal elements (``torch.topk`` does not promise an order for
  ties).  ``stable=False`` is accepted and gives the same, stable, result.
* ``sort`` returns the values only, as the Array API says; ``torch.sort`` returns
  ``(values, indices)``: use :func:`argsort`, or :func:`topk` with ``k = size``.

Inputs are bool or real (complex raises :class:`DTypeError`) with at least one
dimension (a 0-d tensor has no axis -1: :class:`AxisError`, as in NumPy).
"""

from __future__ import annotations

import operator
from typing import Any, NamedTuple

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import normalize_axis
from ..tensor import Tensor, _wrap

__all__ = ["sort", "argsort", "topk", "TopKResult"]


class TopKResult(NamedTuple):
    """What :func:`topk` returns: ``(values, indices)``, like ``torch.topk``.

    Example:
        >>> r = ut.topk(ut.tensor([1., 3., 2.]), 2)
        >>> r.values
        tensor([3., 2.], dtype=float32)
        >>> r.indices
        tensor([1, 2], dtype=int64)
    """

    values: Tensor
    indices: Tensor


def _prepare(op: str, x: Any, axis: int | None, dim: int | None) -> tuple[Tensor, int]:
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}(): give axis= or dim=, not both")
        axis = dim
    x = to_tensor(x, backend_of(op, x))
    check_kind(op, x._d, "biuf")
    return x, normalize_axis(-1 if axis is None else axis, x.ndim)


def sort(x: Tensor, /, *, axis: int | None = None, descending: bool = False,
         stable: bool = True, dim: int | None = None) -> Tensor:
    """A sorted copy of ``x`` along ``axis`` (default -1; ``dim=`` also accepted).

    Same dtype and shape as ``x``.  NaN sorts above +inf; the sort is stable in both
    directions (see the module docstring).  Returns the values only (``torch.sort``
    also returns indices: use :func:`argsort`).

    Example:
        >>> ut.sort(ut.tensor([3., float("nan"), 1., 2.]))
        tensor([ 1.,  2.,  3., nan], dtype=float32)
        >>> ut.sort(ut.tensor([[3, 1], [0, 2]]), axis=0, descending=True)
        tensor([[3, 2],
                [0, 1]], dtype=int64)
    """
    x, ax = _prepare("sort", x, axis, dim)
    return _wrap(type(x), type(x)._bk.sort(x._n, ax, bool(descending), True), x._d)


def argsort(x: Tensor, /, *, axis: int | None = None, descending: bool = False,
            stable: bool = True, dim: int | None = None) -> Tensor:
    """int64 indices that sort ``x`` along ``axis`` (default -1), with the order of
    :func:`sort`: NaN above +inf, stable in both directions (equal elements keep their
    input order; ``torch.argsort`` defaults to ``stable=False``, unitorch is always
    stable).

    Example:
        >>> ut.argsort(ut.tensor([2, 1, 2, 0]))
        tensor([3, 1, 0, 2], dtype=int64)
        >>> ut.argsort(ut.tensor([2, 1, 2, 0]), descending=True)
        tensor([0, 2, 1, 3], dtype=int64)
    """
    x, ax = _prepare("argsort", x, axis, dim)
    return _wrap(type(x), type(x)._bk.argsort(x._n, ax, bool(descending), True), dt.int64)


def topk(x: Tensor, k: int, /, axis: int | None = None, largest: bool = True,
         sorted: bool = True, *, dim: int | None = None) -> TopKResult:
    """The ``k`` largest (``largest=False``: smallest) elements along ``axis`` (default
    -1; ``dim=`` also accepted) and their int64 indices, as ``torch.topk``.

    Returns ``TopKResult(values, indices)``; both have ``x``'s shape with ``k`` elements
    along ``axis``; values keep ``x``'s dtype.  The elements come in sorted order
    (largest first, or smallest first), also with ``sorted=False``; among equal elements
    the lower index comes first, and NaN counts as the largest value.  ``k`` must be an
    int with ``0 <= k <= x.shape[axis]``.

    Example:
        >>> values, indices = ut.topk(ut.tensor([1., 3., 3., 2.]), 2)
        >>> values, indices
        (tensor([3., 3.], dtype=float32), tensor([1, 2], dtype=int64))
        >>> ut.topk(ut.tensor([1., 3., 3., 2.]), 2, largest=False).indices
        tensor([0, 3], dtype=int64)
    """
    x, ax = _prepare("topk", x, axis, dim)
    if isinstance(k, bool) or not hasattr(k, "__index__"):
        raise TypeError(f"topk(): k must be an int, got {type(k).__name__}")
    k = operator.index(k)
    size = x.shape[ax]
    if k < 0 or (size is not None and k > size):
        raise ValueError(f"topk(): k={k} is out of range for axis {ax} of size {size}")
    values, indices = type(x)._bk.topk(x._n, k, ax, bool(largest))
    T = type(x)
    return TopKResult(_wrap(T, values, x._d), _wrap(T, indices, dt.int64))
