"""Reductions, scans and differences: sum, prod, mean, std, var, max, min, all, any,
cumulative sums and products, diff.

Conventions, the same on every backend:

* ``axis`` is an int, a tuple of ints or ``None`` (all axes), and may be given by
  position (``ut.sum(x, 1)``, ``x.sum(1)``); ``dim=`` and ``keepdim=`` (PyTorch's names)
  are accepted too.  ``axis=()`` reduces nothing (the result is a copy, in the result
  dtype).  Negative axes count from the end; a repeated or out-of-range axis raises
  :class:`AxisError`.
* ``sum``/``prod``/``cumulative_sum``/``cumulative_prod`` of signed integers narrower
  than int64, and of bool, accumulate in int64 (the default integer), as in NumPy and
  PyTorch; unsigned integers in uint64 (the standard's rule, and NumPy's; PyTorch uses
  int64); floating and complex inputs keep their dtype.  ``dtype=`` chooses the
  accumulator (the input is cast to it first; integers then wrap as that dtype does).
* float16 and bfloat16 inputs are accumulated in float32 and rounded once at the end,
  on every backend (PyTorch does so for most reductions on its own, TensorFlow sums in
  the half dtype, so ``sum([60000, 60000, -60000])`` overflowed to ``inf`` there).
* ``mean``/``var``/``std``/``logsumexp`` of integer or bool input are computed in the
  default float dtype.  ``mean`` of zero elements is NaN.  The mean of complex input
  averages the real and imaginary parts separately (PyTorch, TensorFlow and NumPy
  divide by a complex count, so ``mean([inf, 1])`` became ``inf+nanj``).
* ``std``/``var`` default to ``correction=0`` (the population statistic), as in the
  Array API standard, NumPy and TensorFlow.  **PyTorch defaults to 1**: pass
  ``correction=1`` (or ``unbiased=True``) for the sample statistic.  When
  ``N - correction <= 0`` the divisor is taken as 0 (``inf``, or NaN for a zero sum of
  squares), as NumPy and PyTorch do.  Complex input is refused (the standard's rule;
  PyTorch accepts it).
* ``max``/``min`` propagate NaN (PyTorch does; ``tf.reduce_max`` skips NaN on some
  kernels) and refuse empty reductions with a ``ValueError`` (NumPy and PyTorch raise,
  TensorFlow returns ``-inf``/``+inf``).  ``ut.max(x, axis)`` returns only the values:
  use ``argmax`` for the indices (``torch.max(x, dim)`` returns both).  Complex input is
  refused.
* ``argmax``/``argmin`` return int64 indices of the *first* extreme element; NaN counts
  as the extreme and the first NaN wins (NumPy's and PyTorch's rule; TensorFlow ignores
  NaN and does not promise the first of ties).  With ``axis=None`` the index is into the
  flattened tensor.
* ``logsumexp`` is ``-inf`` over zero elements, ``+inf`` if an element is ``+inf`` (and
  no NaN), NaN if an element is NaN.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, is_scalar, to_tensor
from ..errors import AxisError, DTypeError, ShapeError, fmt_shape, normalize_axes, normalize_axis
from ..tensor import TENSOR_TYPES, Tensor, _wrap

__all__ = [
    "sum", "prod", "mean", "std", "var", "max", "min", "amax", "amin", "all", "any",
    "cumulative_sum", "cumulative_prod", "cumsum", "cumprod", "logsumexp", "argmax",
    "argmin", "count_nonzero", "diff",
]

Axis = int | Sequence[int] | None

_new = object.__new__


def _axis_arg(op: str, axis: Any, dim: Any) -> Any:
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}(): give axis= or dim=, not both")
        axis = dim
    return axis  # (normalize_axes reads NumPy integers and says what else it got)


def _args(op: str, x: Any, axis: Axis, dim: Axis, keepdims: bool, keepdim: bool | None
          ) -> tuple[Tensor, tuple[int, ...], bool]:
    axis = _axis_arg(op, axis, dim)
    if keepdim is not None:
        keepdims = keepdim
    x = to_tensor(x, backend_of(op, x))
    return x, normalize_axes(axis, x.ndim), bool(keepdims)


def _accumulator(x: Tensor, dtype: Any, op: str) -> dt.DType:
    """The dtype ``op`` accumulates and returns in."""
    if dtype is not None:
        d = dt.as_dtype(dtype)
        check_kind(op, d, "iufc")
        if x._d.kind == "c" and d.kind != "c":
            raise DTypeError(f"{op}() cannot accumulate complex {x._d.name} in {d.name}")
        return d
    if x._d.kind in "bi":
        return dt.int64
    if x._d.kind == "u":  # the unsigned dtype of the default integer's width
        return dt.uint64
    return x._d


def _no_reduction(x: Tensor, d: dt.DType) -> Tensor:
    backend = type(x)._bk
    native = backend.copy(x._n) if x._d is d else backend.cast(x._n, d)
    return _wrap(type(x), native, d)


def sum(x: Tensor, /, axis: Axis = None, *, dtype: dt.DTypeLike | None = None,
        keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Sum over ``axis`` (all axes when ``None``).

    Bool and signed integers accumulate in int64, unsigned ones in uint64; floating and complex
    tensors keep their dtype (float16 and bfloat16 accumulate in float32 and round
    once).  ``dtype`` chooses the accumulator and result dtype.  The sum of zero elements
    is 0.

    Example:
        >>> ut.sum(ut.tensor([[1, 2], [3, 4]]), axis=0)
        tensor([4, 6], dtype=int64)
        >>> ut.sum(ut.tensor([True, True, False]))
        tensor(2, dtype=int64)
    """
    t = type(x)
    if axis is None and dim is None and dtype is None and keepdim is None \
            and keepdims is False and t in TENSOR_TYPES and x._d.kind == "f":
        # the fast path: a floating tensor summed over every axis into its own dtype
        r = _new(t)
        r._n = t._bk.sum_all(x._n)
        r._d = x._d
        return r
    x, axes, keepdims = _args("sum", x, axis, dim, keepdims, keepdim)
    check_kind("sum", x._d, "biufc")
    d = _accumulator(x, dtype, "sum")
    if not axes:
        return _no_reduction(x, d)
    return _wrap(type(x), type(x)._bk.sum(x._n, axes, keepdims, d), d)


def prod(x: Tensor, /, axis: Axis = None, *, dtype: dt.DTypeLike | None = None,
         keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
    """Product over ``axis``, accumulated like :func:`sum`; the product of zero elements
    is 1.  Integer products wrap around in the accumulator dtype.

    Example:
        >>> ut.prod(ut.tensor([1., 2., 3.]))
        tensor(6., dtype=float32)
    """
    x, axes, keepdims = _args("prod", x, axis, dim, keepdims, keepdim)
    check_kind("prod", x._d, "biufc")
    d = _accumulator(x, dtype, "prod")
    if not axes:
        return _no_reduction(x, d)
    return _wrap(type(x), type(x)._bk.prod(x._n, axes, keepdims, d), d)


def _floating(op: str, x: Tensor, kinds: str = "fc") -> Tensor:
    check_kind(op, x._d, "biu" + kinds)
    if x._d.kind in "biu":  # integers are averaged in the default float dtype
        d = dt.get_default_dtype()
        return _wrap(type(x), type(x)._bk.cast(x._n, d), d)
    return x


def mean(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None,
         keepdim: bool | None = None) -> Tensor:
    """Arithmetic mean over ``axis``; NaN over zero elements.

    Floating and complex tensors keep their dtype; integer and bool input is averaged in
    the default float dtype.

    Example:
        >>> ut.mean(ut.tensor([1., 2., 3., 4.]))
        tensor(2.5, dtype=float32)
    """
    t = type(x)
    if axis is None and dim is None and keepdim is None and keepdims is False \
            and t in TENSOR_TYPES and x._d.kind == "f":
        r = _new(t)  # the fast path, as in sum
        r._n = t._bk.mean_all(x._n)
        r._d = x._d
        return r
    x, axes, keepdims = _args("mean", x, axis, dim, keepdims, keepdim)
    x = _floating("mean", x)
    if not axes:
        return _no_reduction(x, x._d)
    return _wrap(type(x), type(x)._bk.mean(x._n, axes, keepdims), x._d)


def _correction(correction: float | None, unbiased: bool | None) -> float:
    if unbiased is not None:
        if correction is not None:
            raise TypeError("give correction= or unbiased=, not both")
        return 1.0 if unbiased else 0.0
    if correction is None:
        return 0.0
    c = float(correction)
    if not c >= 0:
        raise ValueError(f"correction must be non-negative, got {correction!r}")
    return c


def var(x: Tensor, /, axis: Axis = None, *, correction: float | None = None,
        keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None,
        unbiased: bool | None = None) -> Tensor:
    """Variance ``sum((x - mean)^2) / (N - correction)`` over ``axis``.

    ``correction`` defaults to 0 (the Array API's, NumPy's and TensorFlow's default;
    PyTorch's is 1: pass ``correction=1`` or ``unbiased=True`` for the sample variance).
    Real floating tensors keep their dtype; integer and bool input is computed in the
    default float dtype; complex input is refused.  ``N - correction <= 0`` gives
    ``inf`` (NaN where the sum of squares is 0 or NaN).

    Example:
        >>> ut.var(ut.tensor([1., 2., 3., 4.]))
        tensor(1.25, dtype=float32)
        >>> ut.var(ut.tensor([1., 2., 3., 4.]), correction=1)
        tensor(1.6666666, dtype=float32)
    """
    return _var("var", x, axis, correction, keepdims, dim, keepdim, unbiased)


def _var(op: str, x: Any, axis: Axis, correction: float | None, keepdims: bool, dim: Axis,
         keepdim: bool | None, unbiased: bool | None) -> Tensor:
    x, axes, keepdims = _args(op, x, axis, dim, keepdims, keepdim)
    x = _floating(op, x, "f")
    c = _correction(correction, unbiased)
    backend = type(x)._bk
    if not axes:  # every element is its own sample of one
        expanded = backend.reshape(x._n, (*x.shape, 1))
        return _wrap(type(x), backend.var(expanded, (x.ndim,), c, False), x._d)
    return _wrap(type(x), backend.var(x._n, axes, c, keepdims), x._d)


def std(x: Tensor, /, axis: Axis = None, *, correction: float | None = None,
        keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None,
        unbiased: bool | None = None) -> Tensor:
    """Standard deviation, ``sqrt(var(x, correction=...))``; ``correction`` defaults to 0
    (PyTorch's default is 1).  Dtypes as in :func:`var`.

    Example:
        >>> ut.std(ut.tensor([1., 3.]))
        tensor(1., dtype=float32)
    """
    v = _var("std", x, axis, correction, keepdims, dim, keepdim, unbiased)
    return _wrap(type(v), type(v)._bk.sqrt(v._n), v._d)


def _extreme(op: str, x: Any, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None
             ) -> Tensor:
    x, axes, keepdims = _args(op, x, axis, dim, keepdims, keepdim)
    check_kind(op, x._d, "biuf")
    if not axes:
        return _no_reduction(x, x._d)
    shape = x.shape
    for a in axes:
        if shape[a] == 0:
            raise ValueError(
                f"{op}() of an empty axis: axis {a} of shape {fmt_shape(shape)} has no elements"
            )
    primitive = "max" if op in ("max", "amax") else "min"
    return _wrap(type(x), getattr(type(x)._bk, primitive)(x._n, axes, keepdims), x._d)


def max(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None,
        keepdim: bool | None = None) -> Tensor:
    """Maximum over ``axis``, in ``x``'s dtype (real or bool tensors).  NaN wins; a
    reduction over zero elements raises ``ValueError``.  Returns values only
    (``torch.max(x, dim)`` also returns indices: use :func:`argmax`).

    Example:
        >>> ut.max(ut.tensor([[1, 5], [3, 2]]), axis=1)
        tensor([5, 3], dtype=int64)
    """
    return _extreme("max", x, axis, keepdims, dim, keepdim)


def min(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None,
        keepdim: bool | None = None) -> Tensor:
    """Minimum over ``axis``, in ``x``'s dtype.  NaN wins; a reduction over zero
    elements raises ``ValueError``.

    Example:
        >>> ut.min(ut.tensor([3., 1., 2.]))
        tensor(1., dtype=float32)
    """
    return _extreme("min", x, axis, keepdims, dim, keepdim)


amax = max
amin = min


def _logical(op: str, x: Any, axis: Axis, keepdims: bool, dim: Axis, keepdim: bool | None
             ) -> Tensor:
    x, axes, keepdims = _args(op, x, axis, dim, keepdims, keepdim)
    backend = type(x)._bk
    native = backend.cast(x._n, dt.bool)
    if not axes:
        return _wrap(type(x), native if native is not x._n else backend.copy(native), dt.bool)
    return _wrap(type(x), getattr(backend, op)(native, axes, keepdims), dt.bool)


def all(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None,
        keepdim: bool | None = None) -> Tensor:
    """Whether every element along ``axis`` is true (non-zero; NaN counts as true); true
    over zero elements.  Any dtype; the result is bool.

    Example:
        >>> ut.all(ut.tensor([True, False]))
        tensor(False, dtype=bool)
    """
    return _logical("all", x, axis, keepdims, dim, keepdim)


def any(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None,
        keepdim: bool | None = None) -> Tensor:
    """Whether any element along ``axis`` is true (non-zero); false over zero elements.
    Any dtype; the result is bool.

    Example:
        >>> ut.any(ut.tensor([0, 2]))
        tensor(True, dtype=bool)
    """
    return _logical("any", x, axis, keepdims, dim, keepdim)


def count_nonzero(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False,
                  dim: Axis = None) -> Tensor:
    """Number of non-zero elements along ``axis``, as int64 (NaN is non-zero).

    Example:
        >>> ut.count_nonzero(ut.tensor([0, 1, 2]))
        tensor(2, dtype=int64)
    """
    x, axes, keepdims = _args("count_nonzero", x, axis, dim, keepdims, None)
    backend = type(x)._bk
    mask = backend.cast(x._n, dt.bool)
    if not axes:
        return _wrap(type(x), backend.cast(mask, dt.int64), dt.int64)
    return _wrap(type(x), backend.sum(mask, axes, keepdims, dt.int64), dt.int64)


def _scan(op: str, x: Any, axis: Any, dtype: Any, include_initial: bool) -> Tensor:
    x = to_tensor(x, backend_of(op, x))
    check_kind(op, x._d, "biufc")
    if axis is None:
        if x.ndim > 1:
            raise AxisError(f"{op}() needs an axis for tensors of more than one dimension")
        if x.ndim == 0:
            from .manipulation import reshape

            x = reshape(x, (1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    d = _accumulator(x, dtype, op)
    backend = type(x)._bk
    summing = op in ("cumulative_sum", "cumsum")
    out = (backend.cumsum if summing else backend.cumprod)(x._n, ax, d)
    if include_initial:
        pads = tuple((1, 0) if i == ax else (0, 0) for i in range(x.ndim))
        out = backend.pad(out, pads, 0 if summing else 1)
    return _wrap(type(x), out, d)


def cumulative_sum(x: Tensor, /, *, axis: int | None = None, dtype: dt.DTypeLike | None = None,
                   include_initial: bool = False) -> Tensor:
    """Running sum along ``axis`` (required for tensors of more than one dimension; a
    0-d tensor is treated as shape ``(1,)``); with ``include_initial`` a leading 0 is
    added, so that axis grows by one.  Accumulates like :func:`sum`.

    Example:
        >>> ut.cumulative_sum(ut.tensor([1, 2, 3]))
        tensor([1, 3, 6], dtype=int64)
        >>> ut.cumulative_sum(ut.tensor([1, 2, 3]), include_initial=True)
        tensor([0, 1, 3, 6], dtype=int64)
    """
    return _scan("cumulative_sum", x, axis, dtype, include_initial)


def cumulative_prod(x: Tensor, /, *, axis: int | None = None,
                    dtype: dt.DTypeLike | None = None, include_initial: bool = False
                    ) -> Tensor:
    """Running product along ``axis``; with ``include_initial`` a leading 1 is added.
    Accumulates like :func:`prod` (the Array API 2024 function).

    Example:
        >>> ut.cumulative_prod(ut.tensor([1, 2, 3]))
        tensor([1, 2, 6], dtype=int64)
    """
    return _scan("cumulative_prod", x, axis, dtype, include_initial)


def cumsum(x: Tensor, /, axis: int | None = None, *, dim: int | None = None,
           dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's spelling of :func:`cumulative_sum`: ``ut.cumsum(x, dim=1)``.

    Example:
        >>> ut.cumsum(ut.tensor([[1, 2], [3, 4]]), dim=1)
        tensor([[1, 3],
                [3, 7]], dtype=int64)
    """
    return _scan("cumsum", x, _axis_arg("cumsum", axis, dim), dtype, False)


def cumprod(x: Tensor, /, axis: int | None = None, *, dim: int | None = None,
            dtype: dt.DTypeLike | None = None) -> Tensor:
    """PyTorch's spelling of :func:`cumulative_prod`: running product along ``axis``.

    Example:
        >>> ut.cumprod(ut.tensor([1, 2, 3]))
        tensor([1, 2, 6], dtype=int64)
    """
    return _scan("cumprod", x, _axis_arg("cumprod", axis, dim), dtype, False)


def logsumexp(x: Tensor, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None,
              keepdim: bool | None = None) -> Tensor:
    """``log(sum(exp(x)))`` over ``axis``, without overflow.

    Real floating tensors keep their dtype; integer and bool input is computed in the
    default float dtype.  ``-inf`` over zero elements or when every element is ``-inf``;
    ``+inf`` if an element is ``+inf``; NaN if an element is NaN.

    Example:
        >>> ut.logsumexp(ut.tensor([0., 0.]))
        tensor(0.6931472, dtype=float32)
    """
    x, axes, keepdims = _args("logsumexp", x, axis, dim, keepdims, keepdim)
    x = _floating("logsumexp", x, "f")
    if not axes:
        return _no_reduction(x, x._d)
    return _wrap(type(x), type(x)._bk.logsumexp(x._n, axes, keepdims), x._d)


def _arg(op: str, x: Any, axis: Any, keepdims: bool, dim: Any, keepdim: bool | None
         ) -> Tensor:
    axis = _axis_arg(op, axis, dim)
    if keepdim is not None:
        keepdims = keepdim
    keepdims = bool(keepdims)
    x = to_tensor(x, backend_of(op, x))
    check_kind(op, x._d, "biuf")
    backend = type(x)._bk
    if axis is None:
        if x.size == 0:
            raise ValueError(f"{op}() of an empty tensor of shape {fmt_shape(x.shape)}")
        flat = backend.reshape(x._n, (-1,)) if x.ndim != 1 else x._n
        out = getattr(backend, op)(flat, 0, False)
        if keepdims:
            out = backend.reshape(out, (1,) * x.ndim)
        return _wrap(type(x), out, dt.int64)
    if isinstance(axis, (tuple, list)):
        raise TypeError(f"{op}() takes one axis (an int) or None, got {type(axis).__name__}")
    ax = normalize_axis(axis, x.ndim)
    if x.shape[ax] == 0:
        raise ValueError(
            f"{op}() of an empty axis: axis {ax} of shape {fmt_shape(x.shape)} has no elements"
        )
    return _wrap(type(x), getattr(backend, op)(x._n, ax, keepdims), dt.int64)


def argmax(x: Tensor, /, axis: int | None = None, *, keepdims: bool = False,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """int64 index of the maximum along ``axis`` (into the flattened tensor when
    ``None``); the first of equal maxima, and the first NaN if there is one.  An empty
    reduction raises ``ValueError``.

    Example:
        >>> ut.argmax(ut.tensor([1, 3, 3]))
        tensor(1, dtype=int64)
    """
    return _arg("argmax", x, axis, keepdims, dim, keepdim)


def argmin(x: Tensor, /, axis: int | None = None, *, keepdims: bool = False,
           dim: int | None = None, keepdim: bool | None = None) -> Tensor:
    """int64 index of the minimum along ``axis``; the first of equal minima, and the
    first NaN if there is one.

    Example:
        >>> ut.argmin(ut.tensor([2, 1, 1]))
        tensor(1, dtype=int64)
    """
    return _arg("argmin", x, axis, keepdims, dim, keepdim)


def diff(x: Tensor, /, *, axis: int = -1, n: int = 1, prepend: Any = None,
         append: Any = None) -> Tensor:
    """The ``n``-th forward difference along ``axis``: ``out[i] = x[i + 1] - x[i]``,
    applied ``n`` times (the Array API 2024.12 function; NumPy's ``diff``).

    ``prepend`` and ``append`` (tensors, or Python scalars, which stand for a slice of
    size 1 along ``axis``) are joined to ``x`` along ``axis`` first; their shapes must
    match ``x``'s on the other axes, and their dtypes promote with ``x``'s.  The result
    has the promoted dtype and ``x``'s shape with ``axis`` shortened by ``n`` (to no
    less than 0).  Integers wrap; for bool input a difference is ``!=`` (as in NumPy
    and PyTorch).  ``n=0`` returns ``x``; a negative ``n``, a 0-d ``x`` or an ``axis``
    out of range raise.

    Example:
        >>> ut.diff(ut.tensor([1, 4, 9, 16]))
        tensor([3, 5, 7], dtype=int64)
        >>> ut.diff(ut.tensor([1, 4, 9, 16]), prepend=0)
        tensor([1, 3, 5, 7], dtype=int64)
        >>> ut.diff(ut.tensor([1, 4, 9, 16]), n=2)
        tensor([2, 2], dtype=int64)
    """
    from .creation import asarray_on
    from .elementwise import not_equal, subtract
    from .manipulation import broadcast_to, concat

    backend = backend_of("diff", x, prepend, append)
    x = to_tensor(x, backend)
    check_kind("diff", x._d, "biufc")
    if x.ndim == 0:
        raise ShapeError("diff() needs at least 1 dimension, got a 0-d tensor")
    n = operator.index(n)
    if n < 0:
        raise ValueError(f"diff(): the order n must be non-negative, got {n}")
    ax = normalize_axis(operator.index(axis), x.ndim)
    parts = []
    for name, extra in (("prepend", prepend), ("append", append)):
        if extra is None:
            parts.append(None)
            continue
        if is_scalar(extra):
            shape = list(x.shape)
            shape[ax] = 1
            # a weak scalar, as in x + scalar
            value = asarray_on(backend, extra, dtype=dt.weak_scalar_dtype(x._d, extra),
                               device=x.device)
            extra = broadcast_to(value, tuple(shape))
        else:
            extra = to_tensor(extra, backend)
            if extra.ndim != x.ndim:
                raise ShapeError(f"diff(): {name} of shape {fmt_shape(extra.shape)} must have "
                                 f"the rank of x, shape {fmt_shape(x.shape)}")
        parts.append(extra)
    if parts[0] is not None or parts[1] is not None:
        x = concat([p for p in (parts[0], x, parts[1]) if p is not None], axis=ax)
    if n == 0:
        return x
    step = not_equal if x._d.kind == "b" else subtract
    size = x.shape[ax]
    for _ in range(n):
        if size is not None and size <= 0:
            break
        hi = tuple(slice(1, None) if a == ax else slice(None) for a in range(x.ndim))
        lo = tuple(slice(None, -1) if a == ax else slice(None) for a in range(x.ndim))
        x = step(x[hi], x[lo])
        size = None if size is None else size - 1
    return x
