"""Reductions with PyTorch's defaults and return types.

Where the neutral function of the same name follows the Array API standard, these follow
PyTorch (``docs/differences.md`` has the list):

* ``std``/``var`` are unbiased by default (``correction=1``; the neutral ones use 0);
* ``max``/``min`` with a ``dim`` return ``(values, indices)`` (the neutral ones return the
  values), with a tensor second argument they are ``maximum``/``minimum``;
* ``sort`` returns ``(values, indices)``; ``kthvalue``, ``median`` (the lower median, NaN
  if there is one) and ``mode`` too;
* ``nonzero`` returns one ``(N, ndim)`` int64 tensor (``as_tuple=True``: the standard's
  tuple).

Indices are int64 and point at the first of equal extremes (NaN counts as the extreme,
the first NaN wins), as unitorch's ``argmax`` does.
"""

from __future__ import annotations

import builtins
import operator
from typing import Any

from ... import dtypes as dt
from ...errors import normalize_axis
from ...tensor import Tensor
from .. import elementwise as ew
from .. import indexing as ix
from .. import manipulation as mp
from .. import sorting as so
from .. import statistical as st
from . import return_types as rt

__all__ = ["max", "min", "std", "var", "std_mean", "var_mean", "sort", "kthvalue",
           "median", "mode", "norm", "nonzero"]


def _dim(dim: Any, ndim: int, op: str) -> int:
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{op}(): dim must be an int, got {dim!r}")
    return normalize_axis(operator.index(dim), builtins.max(ndim, 1))


def _extreme(op: str, input: Tensor, dim: Any, keepdim: bool, result: type) -> Any:
    if dim is None:
        return (st.max if op == "max" else st.min)(input)
    if isinstance(dim, Tensor):  # torch.max(a, b): the element-wise maximum
        return (ew.maximum if op == "max" else ew.minimum)(input, dim)
    if input.ndim == 0:  # PyTorch treats a 0-d tensor as one element along dim 0 or -1
        _dim(dim, 1, op)
        return result(input, _index_zero(input))
    axis = _dim(dim, input.ndim, op)
    values = (st.max if op == "max" else st.min)(input, axis=axis, keepdims=keepdim)
    indices = (st.argmax if op == "max" else st.argmin)(input, axis=axis, keepdims=keepdim)
    return result(values, indices)


def max(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> Any:
    """PyTorch's ``max``: ``max(x)`` is the largest element (a 0-d tensor);
    ``max(x, dim, keepdim=False)`` is ``(values, indices)`` along ``dim``
    (:class:`~unitorch.ops.pytorch.return_types.max`); ``max(x, other)`` is the
    element-wise :func:`unitorch.maximum`.  NaN wins; indices are int64, the first of
    equal maxima.

    Example:
        >>> x = ut.tensor([[1., 5.], [3., 2.]])
        >>> x.max()
        tensor(5., dtype=float32)
        >>> values, indices = x.max(1)
        >>> values, indices
        (tensor([5., 3.], dtype=float32), tensor([1, 0], dtype=int64))
    """
    return _extreme("max", input, dim, keepdim, rt.max)


def min(input: Tensor, dim: int | Tensor | None = None, keepdim: bool = False) -> Any:
    """PyTorch's ``min``: as :func:`max`, for the smallest elements.

    Example:
        >>> ut.tensor([[1., 5.], [3., 2.]]).min(0, keepdim=True)
        min(values=tensor([[1., 2.]], dtype=float32), indices=tensor([[0, 1]], dtype=int64))
    """
    return _extreme("min", input, dim, keepdim, rt.min)


def _correction(dim: Any, unbiased: Any, correction: Any) -> tuple[Any, float]:
    if isinstance(dim, bool):  # torch.std(x, True): the old (unbiased) overload
        if unbiased is not None:
            raise TypeError("std()/var(): got unbiased twice")
        dim, unbiased = None, dim
    if unbiased is not None:
        if correction is not None:
            raise TypeError("std()/var(): give correction= or unbiased=, not both")
        return dim, 1.0 if unbiased else 0.0
    return dim, 1.0 if correction is None else correction


def var(input: Tensor, dim: int | tuple[int, ...] | None = None, unbiased: bool | None = None,
        keepdim: bool = False, *, correction: float | None = None) -> Tensor:
    """PyTorch's ``var``: ``sum((x - mean)^2) / (N - correction)`` over ``dim`` (all
    elements when ``None``), **unbiased by default** (``correction=1``; the neutral
    :func:`unitorch.var` uses 0).  ``unbiased=False`` or ``correction=0`` gives the
    population variance.

    Example:
        >>> x = ut.tensor([1., 2., 4.])
        >>> x.var(), x.var(unbiased=False)
        (tensor(2.33333..., dtype=float32), tensor(1.55555..., dtype=float32))
    """
    dim, c = _correction(dim, unbiased, correction)
    return st.var(input, axis=dim, correction=c, keepdims=keepdim)


def std(input: Tensor, dim: int | tuple[int, ...] | None = None, unbiased: bool | None = None,
        keepdim: bool = False, *, correction: float | None = None) -> Tensor:
    """PyTorch's ``std``: the square root of :func:`var`, **unbiased by default**.

    Example:
        >>> ut.tensor([[1., 2., 4.]]).std(1)
        tensor([1.52752...], dtype=float32)
    """
    dim, c = _correction(dim, unbiased, correction)
    return st.std(input, axis=dim, correction=c, keepdims=keepdim)


def var_mean(input: Tensor, dim: int | tuple[int, ...] | None = None,
             unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """PyTorch's ``var_mean``: ``(var(...), mean(...))`` over the same ``dim``.

    Example:
        >>> ut.torch.var_mean(ut.tensor([1., 2., 4.]))
        (tensor(2.33333..., dtype=float32), tensor(2.33333..., dtype=float32))
    """
    v = var(input, dim, unbiased, keepdim, correction=correction)
    dim, _ = _correction(dim, unbiased, correction)
    return v, st.mean(input, axis=dim, keepdims=keepdim)


def std_mean(input: Tensor, dim: int | tuple[int, ...] | None = None,
             unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple[Tensor, Tensor]:
    """PyTorch's ``std_mean``: ``(std(...), mean(...))`` over the same ``dim``.

    Example:
        >>> ut.torch.std_mean(ut.tensor([1., 3.]))
        (tensor(1.4142135, dtype=float32), tensor(2., dtype=float32))
    """
    s = std(input, dim, unbiased, keepdim, correction=correction)
    dim, _ = _correction(dim, unbiased, correction)
    return s, st.mean(input, axis=dim, keepdims=keepdim)


def sort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
         ) -> rt.sort:
    """PyTorch's ``sort``: ``(values, indices)`` along ``dim`` (default -1).  The order is
    unitorch's (NaN above +inf) and always stable, also with ``stable=False``.

    Example:
        >>> values, indices = ut.tensor([3., 1., 2.]).sort(descending=True)
        >>> values, indices
        (tensor([3., 2., 1.], dtype=float32), tensor([0, 2, 1], dtype=int64))
    """
    if input.ndim == 0:
        _dim(dim, 1, "sort")
        return rt.sort(input, _index_zero(input))
    axis = _dim(dim, input.ndim, "sort")
    indices = so.argsort(input, axis=axis, descending=bool(descending))
    return rt.sort(ix.take_along_axis(input, indices, axis=axis), indices)


def _pick(input: Tensor, indices: Tensor, k: Any, axis: int, keepdim: bool,
          result: type) -> Any:
    """Element ``k`` (an int, or an int tensor broadcasting against the other axes)
    of ``indices`` along ``axis``, with the value of ``input`` there."""
    if isinstance(k, int):
        at = mp.expand_dims(ix.take(indices, k, axis=axis), axis=axis)
    else:
        at = ix.take_along_axis(indices, k, axis=axis)
    values = ix.take_along_axis(input, at, axis=axis)
    if not keepdim:
        at, values = mp.squeeze(at, axis=axis), mp.squeeze(values, axis=axis)
    return result(values, at)


def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> rt.kthvalue:
    """PyTorch's ``kthvalue``: the ``k``-th smallest element along ``dim`` (``k`` counts
    from 1) and its index, NaN sorting above +inf.

    Example:
        >>> ut.tensor([[3., 1., 2.]]).kthvalue(1, dim=1)
        kthvalue(values=tensor([1.], dtype=float32), indices=tensor([1], dtype=int64))
    """
    x = mp.reshape(input, (1,)) if input.ndim == 0 else input
    axis = _dim(dim, x.ndim, "kthvalue")
    n = x.shape[axis]
    k = operator.index(k)
    if not 1 <= k <= n:
        raise IndexError(f"kthvalue(): k={k} is out of range for dimension {dim} of size {n}")
    out = _pick(x, so.argsort(x, axis=axis), k - 1, axis, keepdim or input.ndim == 0,
                rt.kthvalue)
    if input.ndim == 0:
        return rt.kthvalue(mp.reshape(out.values, ()), mp.reshape(out.indices, ()))
    return out


def median(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Any:
    """PyTorch's ``median``: the **lower** median (of an even count, the smaller of the
    two middle elements, not their mean); NaN if the elements hold one.  Without
    ``dim``, of all elements (a 0-d tensor); with ``dim``, ``(values, indices)`` (the
    index of the first NaN where there is one).

    Example:
        >>> ut.tensor([3., 1., 4., 2.]).median()
        tensor(2., dtype=float32)
        >>> ut.tensor([[3., 1., 4., 2.]]).median(1).indices
        tensor([3], dtype=int64)
    """
    if dim is None:
        flat = mp.reshape(input, (-1,))
        if flat.shape[0] == 0:
            raise ValueError("median() of an empty tensor")
        return median(flat, 0).values
    x = mp.reshape(input, (1,)) if input.ndim == 0 else input
    axis = _dim(dim, x.ndim, "median")
    n = x.shape[axis]
    order = so.argsort(x, axis=axis)  # NaN last, so the first NaN is the last non-NaN + 1
    k: Any = (n - 1) // 2
    if x.dtype.kind == "f":
        nans = st.sum(ew.not_equal(x, x), axis=axis, keepdims=True)
        k = ew.where(ew.greater(nans, 0), n - nans, k)
    out = _pick(x, order, k, axis, keepdim or input.ndim == 0, rt.median)
    if input.ndim == 0:
        return rt.median(mp.reshape(out.values, ()), mp.reshape(out.indices, ()))
    return out


def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> rt.mode:
    """PyTorch's ``mode``: the most frequent value along ``dim`` (the smallest of equally
    frequent ones) and the index of its last occurrence.

    Example:
        >>> ut.tensor([[1, 2, 2, 3, 3, 1]]).mode(1)
        mode(values=tensor([1], dtype=int64), indices=tensor([5], dtype=int64))
    """
    x = mp.reshape(input, (1,)) if input.ndim == 0 else input
    axis = _dim(dim, x.ndim, "mode")
    xs = mp.moveaxis(x, axis, -1)
    # counts[..., i] = how often xs[..., i] occurs along the axis
    same = ew.equal(mp.expand_dims(xs, axis=-1), mp.expand_dims(xs, axis=-2))
    counts = st.sum(same, axis=-1)
    best = st.max(counts, axis=-1, keepdims=True)
    # among the most frequent, the smallest value; then its last position
    big = ew.where(ew.equal(counts, best), xs, st.max(xs))
    value = st.min(big, axis=-1, keepdims=True)
    n = xs.shape[-1]
    pos = ew.where(ew.equal(xs, value), _arange_like(xs, n), -1)
    index = st.max(pos, axis=-1, keepdims=True)
    value, index = mp.moveaxis(value, -1, axis), mp.moveaxis(index, -1, axis)
    if not keepdim or input.ndim == 0:
        value, index = mp.squeeze(value, axis=axis), mp.squeeze(index, axis=axis)
    if input.ndim == 0:
        value, index = mp.reshape(value, ()), mp.reshape(index, ())
    return rt.mode(value, index)


def _index_zero(x: Tensor) -> Tensor:
    """A 0-d int64 zero on ``x``'s backend and device."""
    from ...backends import use_backend
    from ..creation import zeros

    with use_backend(x.backend):
        return zeros((), dtype=dt.int64, device=x.device)


def _arange_like(x: Tensor, n: int) -> Tensor:
    from ...backends import use_backend
    from ..creation import arange

    with use_backend(x.backend):
        return arange(n, device=x.device)


def norm(input: Tensor, p: float | str | None = "fro", dim: int | tuple[int, ...] | None = None,
         keepdim: bool = False, dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``norm``: the vector ``p``-norm over ``dim`` (all elements when ``None``;
    ``"fro"`` and ``None`` mean 2, also over two dims), ``inf``/``-inf`` the largest/
    smallest ``|x|``, ``0`` the count of non-zeros; ``"nuc"`` the nuclear norm of the
    matrices over ``dim`` (two dims).  ``dtype`` converts the input first.

    Example:
        >>> x = ut.tensor([[3., 4.], [0., 0.]])
        >>> x.norm(), x.norm(dim=1), x.norm(p=1, dim=0)
        (tensor(5., dtype=float32), tensor([5., 0.], dtype=float32), tensor([3., 4.], dtype=float32))
    """
    from ... import linalg

    if dtype is not None:
        input = input.astype(dtype)
    if p == "nuc":
        axes = tuple(dim) if dim is not None else (-2, -1)
        if len(axes) != 2:
            raise ValueError("norm(p='nuc') needs two dims")
        moved = mp.moveaxis(input, axes, (-2, -1))
        out = linalg.matrix_norm(moved, ord="nuc", keepdims=keepdim)
        if keepdim:
            out = mp.moveaxis(out, (-2, -1), tuple(a % input.ndim for a in axes))
        return out
    if p is None or p == "fro":
        p = 2
    if isinstance(p, str):
        raise ValueError(f"norm(): unknown p={p!r}; use a number, 'fro' or 'nuc'")
    axis = tuple(dim) if isinstance(dim, (list, tuple)) else dim
    return linalg.vector_norm(input, axis=axis, keepdims=keepdim, ord=p)


def nonzero(input: Tensor, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
    """PyTorch's ``nonzero``: the indices of the non-zero elements as one ``(N, ndim)``
    int64 tensor, one row per element in row-major order; ``as_tuple=True`` gives one
    1-D tensor per dimension (the neutral :func:`unitorch.nonzero`).

    Example:
        >>> ut.tensor([[0, 1], [1, 0]]).nonzero()
        tensor([[0, 1],
                [1, 0]], dtype=int64)
    """
    if input.ndim == 0:
        x = mp.reshape(input, (1,))
        found = ix.nonzero(x)
        return () if as_tuple else mp.reshape(found[0], (-1, 0))
    found = ix.nonzero(input)
    if as_tuple:
        return found
    return mp.stack(found, axis=1)
