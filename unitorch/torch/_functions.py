"""``torch.*`` functions whose PyTorch spelling differs from the neutral function of the
same name: positional ``dim``/``keepdim`` (``torch.sum(x, 1, True)``), ``torch.where``
with one argument, ``meshgrid`` indexing ``"ij"`` by default, ``equal`` returning a
Python bool, ``tril(x, 1)``; and the PyTorch functions the neutral namespace lacks
(``isclose``, ``allclose``, ``unbind``, ``diag``, ``trace``, ``numel``, ``is_tensor``...).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from .. import dtypes as dt
from ..backends import use_backend
from ..errors import ShapeError, fmt_shape
from ..ops import creation as cr
from ..ops import elementwise as ew
from ..ops import indexing as ix
from ..ops import manipulation as mp
from ..ops import sorting as so
from ..ops import statistical as st
from ..ops import unary as un
from ..tensor import Tensor

__all__ = [
    "sum", "mean", "prod", "amax", "amin", "all", "any", "argmax", "argmin", "logsumexp",
    "cumsum", "cumprod", "argsort", "where", "tril", "triu", "meshgrid", "equal",
    "isclose", "allclose", "numel", "is_tensor", "is_floating_point", "is_complex",
    "broadcast_tensors", "unbind", "diag", "trace", "argwhere", "flatten", "squeeze",
    "softmax", "log_softmax", "set_printoptions", "round", "roll", "searchsorted",
    "tensordot",
]


def _dim(dim: Any) -> Any:
    return tuple(dim) if isinstance(dim, list) else dim


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *,
        dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``sum`` (``dim`` and ``keepdim`` may be positional).

    Example:
        >>> ut.torch.sum(ut.tensor([[1, 2], [3, 4]]), 1, True)
        tensor([[3],
                [7]], dtype=int64)
    """
    return st.sum(input, axis=_dim(dim), keepdims=keepdim, dtype=dtype)


def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *,
         dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``mean`` (``dtype`` converts the input first).

    Example:
        >>> ut.torch.mean(ut.tensor([[1., 2.], [3., 4.]]), 0)
        tensor([2., 3.], dtype=float32)
    """
    if dtype is not None:
        input = input.astype(dtype)
    return st.mean(input, axis=_dim(dim), keepdims=keepdim)


def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *,
         dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``prod``.

    Example:
        >>> ut.torch.prod(ut.tensor([1., 2., 3.]))
        tensor(6., dtype=float32)
    """
    return st.prod(input, axis=_dim(dim), keepdims=keepdim, dtype=dtype)


def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """PyTorch's ``amax``: the largest values over ``dim`` (all dims by default).

    Example:
        >>> ut.torch.amax(ut.tensor([[1, 5], [3, 2]]), 0)
        tensor([3, 5], dtype=int64)
    """
    return st.max(input, axis=None if dim == () else _dim(dim), keepdims=keepdim)


def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """PyTorch's ``amin``: the smallest values over ``dim`` (all dims by default).

    Example:
        >>> ut.torch.amin(ut.tensor([[1, 5], [3, 2]]), 1)
        tensor([1, 2], dtype=int64)
    """
    return st.min(input, axis=None if dim == () else _dim(dim), keepdims=keepdim)


def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """PyTorch's ``all``.

    Example:
        >>> ut.torch.all(ut.tensor([[True, False], [True, True]]), 1)
        tensor([False,  True], dtype=bool)
    """
    return st.all(input, axis=_dim(dim), keepdims=keepdim)


def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """PyTorch's ``any``.

    Example:
        >>> ut.torch.any(ut.tensor([0, 1]))
        tensor(True, dtype=bool)
    """
    return st.any(input, axis=_dim(dim), keepdims=keepdim)


def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """PyTorch's ``argmax`` (the first of equal maxima).

    Example:
        >>> ut.torch.argmax(ut.tensor([[1, 5], [3, 2]]), 1, True)
        tensor([[1],
                [0]], dtype=int64)
    """
    return st.argmax(input, axis=dim, keepdims=keepdim)


def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """PyTorch's ``argmin``.

    Example:
        >>> ut.torch.argmin(ut.tensor([3, 1, 2]))
        tensor(1, dtype=int64)
    """
    return st.argmin(input, axis=dim, keepdims=keepdim)


def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """PyTorch's ``logsumexp`` (``dim`` is required).

    Example:
        >>> ut.torch.logsumexp(ut.tensor([0., 0.]), 0)
        tensor(0.6931472, dtype=float32)
    """
    return st.logsumexp(input, axis=_dim(dim), keepdims=keepdim)


def cumsum(input: Tensor, dim: int, *, dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``cumsum`` (``dim`` is required).

    Example:
        >>> ut.torch.cumsum(ut.tensor([1, 2, 3]), 0)
        tensor([1, 3, 6], dtype=int64)
    """
    return st.cumsum(input, axis=dim, dtype=dtype)


def cumprod(input: Tensor, dim: int, *, dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``cumprod`` (``dim`` is required).

    Example:
        >>> ut.torch.cumprod(ut.tensor([1, 2, 3]), 0)
        tensor([1, 2, 6], dtype=int64)
    """
    return st.cumprod(input, axis=dim, dtype=dtype)


def argsort(input: Tensor, dim: int = -1, descending: bool = False, stable: bool = False
            ) -> Tensor:
    """PyTorch's ``argsort`` (``dim`` may be positional; always stable).

    Example:
        >>> ut.torch.argsort(ut.tensor([[3, 1, 2]]), 1)
        tensor([[1, 2, 0]], dtype=int64)
    """
    return so.argsort(input, axis=dim, descending=descending)


def where(condition: Tensor, input: Any = None, other: Any = None) -> Any:
    """PyTorch's ``where``: ``where(condition, input, other)`` picks element-wise;
    ``where(condition)`` is ``nonzero(condition, as_tuple=True)``.

    Example:
        >>> c = ut.tensor([True, False, True])
        >>> ut.torch.where(c, 1.0, 0.0), ut.torch.where(c)
        (tensor([1., 0., 1.], dtype=float32), (tensor([0, 2], dtype=int64),))
    """
    if input is None and other is None:
        return ix.nonzero(condition)
    if input is None or other is None:
        raise TypeError("where() takes a condition alone, or a condition, input and other")
    return ew.where(condition, input, other)


def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """PyTorch's ``tril`` (``diagonal`` may be positional).

    Example:
        >>> ut.torch.tril(ut.ones((2, 2)), 0)
        tensor([[1., 0.],
                [1., 1.]], dtype=float32)
    """
    return cr.tril(input, k=operator.index(diagonal))


def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """PyTorch's ``triu`` (``diagonal`` may be positional).

    Example:
        >>> ut.torch.triu(ut.ones((2, 2)), 1)
        tensor([[0., 1.],
                [0., 0.]], dtype=float32)
    """
    return cr.triu(input, k=operator.index(diagonal))


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """PyTorch's ``meshgrid``: **matrix indexing ("ij") by default** (the neutral
    :func:`unitorch.meshgrid` follows the Array API's "xy").

    Example:
        >>> a, b = ut.torch.meshgrid(ut.arange(2), ut.arange(3))
        >>> a.shape
        (2, 3)
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return tuple(cr.meshgrid(*tensors, indexing=indexing))


def equal(input: Tensor, other: Tensor) -> bool:
    """PyTorch's ``equal``: ``True`` if both have the same shape and elements (a Python
    bool; the element-wise comparison is ``eq``).

    Example:
        >>> ut.torch.equal(ut.tensor([1, 2]), ut.tensor([1, 2])), ut.torch.equal(
        ...     ut.tensor([1, 2]), ut.tensor([1]))
        (True, False)
    """
    if input.shape != other.shape:
        return False
    return bool(st.all(ew.equal(input, other)))


def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> Tensor:
    """PyTorch's ``isclose``: ``|input - other| <= atol + rtol * |other|`` element-wise
    (infinities are close to themselves; NaN to NaN only with ``equal_nan``).

    Example:
        >>> ut.torch.isclose(ut.tensor([1., 2.]), ut.tensor([1. + 1e-7, 2.1]))
        tensor([ True, False], dtype=bool)
    """
    a, b = mp.broadcast_arrays(*_as_tensors(input, other))
    if a.dtype is not b.dtype:
        d = dt.result_type(a.dtype, b.dtype)
        a, b = a.astype(d), b.astype(d)
    same = ew.equal(a, b)
    if a.dtype.kind not in "fc":
        return same
    close = ew.less_equal(un.abs(ew.subtract(a, b)), ew.add(atol, ew.multiply(rtol, un.abs(b))))
    finite = ew.logical_and(un.isfinite(a), un.isfinite(b))
    out = ew.logical_or(same, ew.logical_and(close, finite))
    if equal_nan:
        out = ew.logical_or(out, ew.logical_and(un.isnan(a), un.isnan(b)))
    return out


def _as_tensors(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    ref = a if isinstance(a, Tensor) else b
    with use_backend(ref.backend):
        return cr.asarray(a), cr.asarray(b)


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """PyTorch's ``allclose``: whether :func:`isclose` holds everywhere (a Python bool).

    Example:
        >>> ut.torch.allclose(ut.tensor([1., 2.]), ut.tensor([1., 2. + 1e-6]))
        True
    """
    return bool(st.all(isclose(input, other, rtol, atol, equal_nan)))


def numel(input: Tensor) -> int:
    """The number of elements.

    Example:
        >>> ut.torch.numel(ut.zeros((2, 3)))
        6
    """
    return int(input.size)


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a unitorch Tensor (of any backend).

    Example:
        >>> ut.torch.is_tensor(ut.ones(1)), ut.torch.is_tensor([1])
        (True, False)
    """
    return isinstance(obj, Tensor)


def is_floating_point(input: Tensor) -> bool:
    """Whether ``input``'s dtype is a real floating one.

    Example:
        >>> ut.torch.is_floating_point(ut.ones(1))
        True
    """
    return input.dtype.kind == "f"


def is_complex(input: Tensor) -> bool:
    """Whether ``input``'s dtype is a complex one.

    Example:
        >>> ut.torch.is_complex(ut.ones(1))
        False
    """
    return input.dtype.kind == "c"


def broadcast_tensors(*tensors: Tensor) -> tuple[Tensor, ...]:
    """The tensors broadcast to one shape (:func:`unitorch.broadcast_arrays`).

    Example:
        >>> [t.shape for t in ut.torch.broadcast_tensors(ut.ones((2, 1)), ut.ones(3))]
        [(2, 3), (2, 3)]
    """
    return tuple(mp.broadcast_arrays(*tensors))


def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, as a tuple.

    Example:
        >>> [t.tolist() for t in ut.torch.unbind(ut.tensor([[1, 2], [3, 4]]), 1)]
        [[1, 3], [2, 4]]
    """
    return tuple(mp.unstack(input, axis=operator.index(dim)))


def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """PyTorch's ``diag``: a 1-D tensor becomes a square matrix with it on the
    ``diagonal``-th diagonal; a 2-D tensor gives that diagonal.

    Example:
        >>> ut.torch.diag(ut.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]], dtype=int64)
        >>> ut.torch.diag(ut.tensor([[1, 2], [3, 4]]), 1)
        tensor([2], dtype=int64)
    """
    return cr.diag(input, operator.index(diagonal))


def trace(input: Tensor) -> Tensor:
    """The sum of a matrix's diagonal.

    Example:
        >>> ut.torch.trace(ut.tensor([[1., 2.], [3., 4.]]))
        tensor(5., dtype=float32)
    """
    from .. import linalg

    if input.ndim != 2:
        raise ShapeError(f"trace() needs a 2-D tensor, got shape {fmt_shape(input.shape)}")
    return linalg.trace(input)


def argwhere(input: Tensor) -> Tensor:
    """The indices of the non-zero elements, one row each (``nonzero``).

    Example:
        >>> ut.torch.argwhere(ut.tensor([0, 3, 0, 4]))
        tensor([[1],
                [3]], dtype=int64)
    """
    from ..ops.pytorch.reductions import nonzero

    return nonzero(input)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """PyTorch's ``flatten`` (a 0-d tensor becomes 1-D).

    Example:
        >>> ut.torch.flatten(ut.zeros((2, 3, 4)), 1).shape
        (2, 12)
    """
    if input.ndim == 0:
        return mp.reshape(input, (1,))
    return mp.flatten(input, start_dim, end_dim)


def squeeze(input: Tensor, dim: int | Sequence[int] | None = None) -> Tensor:
    """PyTorch's ``squeeze``: a given ``dim`` whose size is not 1 is left as it is
    (the neutral :func:`unitorch.squeeze` raises).

    Example:
        >>> ut.torch.squeeze(ut.zeros((2, 1)), 0).shape, ut.torch.squeeze(ut.zeros((2, 1))).shape
        ((2, 1), (2,))
    """
    if dim is None:
        return mp.squeeze(input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    keep = tuple(d for d in dims if input.shape[d % max(input.ndim, 1)] == 1) \
        if input.ndim else ()
    return mp.squeeze(input, axis=keep) if keep else input


def softmax(input: Tensor, dim: int, dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``softmax`` (``dim`` is required; ``dtype`` converts the input first).

    Example:
        >>> ut.torch.softmax(ut.tensor([0., 0.]), 0)
        tensor([0.5, 0.5], dtype=float32)
    """
    from ..ops.activations import softmax as _softmax

    return _softmax(input if dtype is None else input.astype(dtype), axis=dim)


def log_softmax(input: Tensor, dim: int, dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's ``log_softmax`` (``dim`` is required).

    Example:
        >>> ut.torch.log_softmax(ut.tensor([0., 0.]), 0)
        tensor([-0.6931472, -0.6931472], dtype=float32)
    """
    from ..ops.activations import log_softmax as _log_softmax

    return _log_softmax(input if dtype is None else input.astype(dtype), axis=dim)


def set_printoptions(precision: int | None = None, threshold: int | None = None,
                     edgeitems: int | None = None, linewidth: int | None = None,
                     profile: str | None = None, sci_mode: bool | None = None) -> None:
    """How tensors print: passed to NumPy's ``set_printoptions`` (tensors print through
    NumPy); ``profile`` ``"default"``, ``"short"`` or ``"full"`` as in PyTorch.

    Example:
        >>> ut.torch.set_printoptions(precision=2)
        >>> ut.tensor([1/3])
        tensor([0.33], dtype=float32)
        >>> ut.torch.set_printoptions(profile="default")
    """
    import numpy as np

    options: dict[str, Any] = {}
    if profile is not None:
        options.update({"default": dict(precision=8, threshold=1000, edgeitems=3,
                                        linewidth=75),
                        "short": dict(precision=2, threshold=1000, edgeitems=2,
                                      linewidth=75),
                        "full": dict(threshold=2**62)}[profile])
    for name, value in (("precision", precision), ("threshold", threshold),
                        ("edgeitems", edgeitems), ("linewidth", linewidth)):
        if value is not None:
            options[name] = value
    if sci_mode is not None:
        options["suppress"] = not sci_mode
    np.set_printoptions(**options)


def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """PyTorch's ``round``: to the nearest integer, halves to even; with ``decimals``,
    ``round(x * 10**decimals) / 10**decimals`` (PyTorch's formula).

    Example:
        >>> ut.torch.round(ut.tensor([0.5, 1.5, 1.2345]), decimals=2)
        tensor([0.5 , 1.5 , 1.23], dtype=float32)
    """
    if decimals == 0:
        return un.round(input)
    scale = 10.0 ** decimals
    return ew.divide(un.round(ew.multiply(input, scale)), scale)


def roll(input: Tensor, shifts: int | Sequence[int], dims: int | Sequence[int] | None = None
         ) -> Tensor:
    """PyTorch's ``roll`` (``shifts`` and ``dims``).

    Example:
        >>> ut.torch.roll(ut.tensor([1, 2, 3]), shifts=1, dims=0)
        tensor([3, 1, 2], dtype=int64)
    """
    return mp.roll(input, shifts, dims)


def searchsorted(sorted_sequence: Tensor, input: Any, *, out_int32: bool = False,
                 right: bool = False, side: str | None = None, sorter: Any = None) -> Tensor:
    """PyTorch's ``searchsorted``: where ``input``'s values would go in the sorted last
    dim of ``sorted_sequence`` (``right``/``side`` as PyTorch).

    Example:
        >>> ut.torch.searchsorted(ut.tensor([1, 3, 5]), ut.tensor([3, 4]), right=True)
        tensor([2, 2], dtype=int64)
    """
    from ..ops.searching import searchsorted as _searchsorted

    side = side or ("right" if right else "left")
    out = _searchsorted(sorted_sequence, input, side=side, sorter=sorter)
    return out.astype(dt.int32) if out_int32 else out


def tensordot(a: Tensor, b: Tensor, dims: Any = 2) -> Tensor:
    """PyTorch's ``tensordot`` (``dims``: a count of trailing/leading dims, or two lists
    of dims).

    Example:
        >>> ut.torch.tensordot(ut.ones((2, 3)), ut.ones((3, 4)), dims=1).shape
        (2, 4)
    """
    from ..ops.products import tensordot as _tensordot

    return _tensordot(a, b, axes=dims)
