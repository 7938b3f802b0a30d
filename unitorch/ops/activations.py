"""Normalizing activations: softmax and log_softmax along an axis (``unitorch.nn.functional``
uses these too).

The same on every backend:

* real floating input keeps its dtype; bool and integer input is computed in the default
  float dtype (``torch.softmax`` refuses integers, ``tf.nn.softmax`` too); complex raises
  :class:`DTypeError`.  ``dtype=`` (PyTorch's) casts the input first.
* computed as ``exp(x - max)`` / its sum, so large values do not overflow; float16 and
  bfloat16 are computed in float32 and rounded once (TensorFlow's own half-precision
  kernels accumulate in half precision).
* -inf elements get probability 0 (log-probability -inf).  A slice that holds only -inf,
  or any +inf, has no defined distribution and gives NaN throughout, as
  ``torch.softmax``, ``tf.nn.softmax`` and ``scipy.special.softmax`` all do.  NaN in a
  slice makes that slice NaN.
* the axis is required to exist: a 0-d tensor raises :class:`AxisError`.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import normalize_axis
from ..tensor import TENSOR_TYPES, Tensor, _wrap

__all__ = ["softmax", "log_softmax"]

_new = object.__new__


def _slow(op: str, x: Any, axis: int | None, dim: int | None, dtype: Any) -> Tensor:
    if dim is not None:
        if axis is not None and axis != -1:
            raise TypeError(f"{op}(): give axis= or dim=, not both")
        axis = dim
    x = to_tensor(x, backend_of(op, x))
    backend = type(x)._bk
    d = x._d
    native = x._n
    if dtype is not None:
        d = dt.as_dtype(dtype)
        check_kind(op, d, "f")
    check_kind(op, x._d, "biuf")
    if d.kind != "f":  # integers and bool: the default float dtype
        d = dt.get_default_dtype()
    if d is not x._d:
        native = backend.cast(native, d)
    ax = normalize_axis(-1 if axis is None else axis, x.ndim)
    return _wrap(type(x), getattr(backend, op)(native, ax), d)


def softmax(x: Tensor, /, axis: int | None = -1, *, dim: int | None = None,
            dtype: dt.DTypeLike | None = None) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis`` (default -1; ``dim=`` also accepted),
    computed without overflow.  Same shape as ``x``; real floating dtypes kept, integers
    computed in the default float dtype; ``dtype=`` casts first.  A slice of only -inf
    (or holding +inf) gives NaN (see the module docstring).

    Example:
        >>> ut.softmax(ut.tensor([[0., 0.], [0., float("-inf")]]), dim=1)
        tensor([[0.5, 0.5],
                [1. , 0. ]], dtype=float32)
    """
    t = type(x)
    if dtype is None and t in TENSOR_TYPES and x._d.kind == "f":
        # the fast path (dim= for axis=, unless both are given)
        a = axis if dim is None else (dim if axis == -1 else None)
        if type(a) is int:
            ndim = t._bk.ndim(x._n)
            if -ndim <= a < ndim:
                r = _new(t)
                r._n = t._bk.softmax(x._n, a % ndim)
                r._d = x._d
                return r
    return _slow("softmax", x, axis, dim, dtype)


def log_softmax(x: Tensor, /, axis: int | None = -1, *, dim: int | None = None,
                dtype: dt.DTypeLike | None = None) -> Tensor:
    """``x - log(sum(exp(x)))`` along ``axis`` (default -1; ``dim=`` also accepted),
    computed without overflow (more accurate than ``log(softmax(x))``).  Dtypes as
    :func:`softmax`; -inf elements give -inf, a slice of only -inf gives NaN.

    Example:
        >>> ut.log_softmax(ut.tensor([0., 0.]))
        tensor([-0.6931472, -0.6931472], dtype=float32)
    """
    t = type(x)
    if dtype is None and t in TENSOR_TYPES and x._d.kind == "f":
        # the fast path (dim= for axis=, unless both are given)
        a = axis if dim is None else (dim if axis == -1 else None)
        if type(a) is int:
            ndim = t._bk.ndim(x._n)
            if -ndim <= a < ndim:
                r = _new(t)
                r._n = t._bk.log_softmax(x._n, a % ndim)
                r._d = x._d
                return r
    return _slow("log_softmax", x, axis, dim, dtype)
