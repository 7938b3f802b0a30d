"""The activations of ``torch.nn.functional`` beyond the common ones: ``leaky_relu``,
``prelu``, ``elu``, ``selu``, ``celu``, ``softplus``, ``mish``, ``hardtanh``,
``relu6`` and ``hardswish``, with PyTorch's formulas, defaults and gradients (also at
their kinks), composed once from unitorch's element-wise functions, so every backend
computes the same expression.

Dtypes: real floating tensors keep their dtype (float16 and bfloat16 are computed in
float32 and rounded once); integer and bool tensors are computed in the default float
dtype (PyTorch raises for them), except by ``hardtanh`` and ``relu6``, which keep
integers, as PyTorch's do.  ``inplace=True`` also stores the result in the input
Tensor object (its native is replaced; no buffer is overwritten).
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import DTypeError, ShapeError, fmt_shape
from ..ops import elementwise as _ew
from ..ops import unary as _un
from ..ops.manipulation import reshape
from ..tensor import Tensor, _wrap

__all__ = ["leaky_relu", "prelu", "elu", "selu", "celu", "softplus", "mish", "hardtanh",
           "relu6", "hardswish"]

_HALF = (dt.float16, dt.bfloat16)

# SELU's constants (Klambauer et al., 2017), to the digits PyTorch uses
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _compute(op: str, x: Any, keep_integers: bool = False) -> tuple[Tensor, dt.DType]:
    """``x`` as a Tensor of the dtype it is computed in, and the result dtype."""
    t = to_tensor(x, backend_of(op, x))
    check_kind(op, t._d, "biuf")
    if t._d.kind != "f":
        if keep_integers and t._d.kind in "iu":
            return t, t._d
        d = dt.get_default_dtype()
        return _wrap(type(t), type(t)._bk.cast(t._n, d), d), d
    if t._d in _HALF:
        return _wrap(type(t), type(t)._bk.cast(t._n, dt.float32), dt.float32), t._d
    return t, t._d


def _finish(x: Any, y: Tensor, d: dt.DType, inplace: bool) -> Tensor:
    """``y`` rounded to ``d``; also stored in ``x`` when ``inplace``."""
    if y._d is not d:
        y = _wrap(type(y), type(y)._bk.cast(y._n, d), d)
    if inplace:
        if not isinstance(x, Tensor):
            raise TypeError("inplace=True needs a unitorch Tensor input")
        if x._d is not d:
            raise DTypeError(f"inplace=True cannot store a {d.name} result in a "
                             f"{x._d.name} tensor")
        x._n = y._n
        return x
    return y


def _number(op: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}(): {name} must be a number, got {value!r}")
    return float(value)


def _negative_part(x: Tensor) -> Tensor:
    """``x`` where ``x <= 0``, else 0: the argument of the exponential branches, which
    keeps ``exp`` finite where the other branch is taken (an ``inf`` there would turn
    the unused branch's zero gradient into NaN).  Its gradient at 0 is 1 (PyTorch's
    ``x <= 0`` branch)."""
    return _ew.where(x > 0, 0.0, x)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``negative_slope * x``, element-wise.

    The gradient at 0 is ``negative_slope`` (PyTorch's).  Dtypes: see the module
    docstring.

    Example:
        >>> F.leaky_relu(ut.tensor([-2., 0., 3.]), 0.1)
        tensor([-0.2,  0. ,  3. ], dtype=float32)
    """
    slope = _number("leaky_relu", "negative_slope", negative_slope)
    x, d = _compute("leaky_relu", input)
    return _finish(input, _ew.where(x > 0, x, x * slope), d, inplace)


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``x`` where ``x > 0``, else ``weight * x``, with a learned slope per channel.

    ``weight`` is 1-D with one element (shared by every channel) or one per channel: the
    channels are axis 1 of an input with at least 2 dimensions; a 0-D or 1-D input has
    one channel (:class:`ShapeError` otherwise, as PyTorch).  Input and weight promote to
    one real floating dtype.

    Example:
        >>> F.prelu(ut.tensor([[-1., 2.], [-3., 4.]]), ut.tensor([0.5, 0.25]))
        tensor([[-0.5,  2. ],
                [-1.5,  4. ]], dtype=float32)
    """
    backend = backend_of("prelu", input, weight)
    x, w = to_tensor(input, backend), to_tensor(weight, backend)
    check_kind("prelu", x._d, "f")
    check_kind("prelu", w._d, "f")
    ws = w.shape
    channels = x.shape[1] if x.ndim >= 2 else 1
    count = ws[0] if len(ws) == 1 else None
    if len(ws) != 1 or (count != 1 and count != channels):
        raise ShapeError(
            f"prelu(): Mismatch of parameter numbers and input channel size. Found parameter "
            f"numbers = {math.prod(s or 0 for s in ws)} and channel size = {channels} (weight "
            f"shape {fmt_shape(ws)}, input shape {fmt_shape(x.shape)})")
    d = dt.promote_types(x._d, w._d)
    cd = dt.float32 if d in _HALF else d
    if x._d is not cd:
        x = _wrap(type(x), backend.cast(x._n, cd), cd)
    if w._d is not cd:
        w = _wrap(type(w), backend.cast(w._n, cd), cd)
    if count != 1 and x.ndim > 2:
        w = reshape(w, (-1,) + (1,) * (x.ndim - 2))
    return _finish(None, _ew.where(x > 0, x, w * x), d, False)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)`` (computed with ``expm1``),
    element-wise; PyTorch's gradient (``alpha`` at 0).

    Example:
        >>> F.elu(ut.tensor([-1., 0., 2.]))
        tensor([-0.63212055,  0.        ,  2.        ], dtype=float32)
    """
    a = _number("elu", "alpha", alpha)
    x, d = _compute("elu", input)
    return _finish(input, _ew.where(x > 0, x, _un.expm1(_negative_part(x)) * a), d, inplace)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalizing constants ``alpha =
    1.6732632423543772848...`` and ``scale = 1.0507009873554804934...`` (Klambauer et
    al., 2017; PyTorch's digits).

    Example:
        >>> F.selu(ut.tensor([-1., 0., 1.]))
        tensor([-1.1113307,  0.       ,  1.050701 ], dtype=float32)
    """
    x, d = _compute("selu", input)
    negative = _un.expm1(_negative_part(x)) * (_SELU_ALPHA * _SELU_SCALE)
    return _finish(input, _ew.where(x > 0, x * _SELU_SCALE, negative), d, inplace)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """``x`` where ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``: ELU that is
    continuously differentiable for every ``alpha`` (Barron, 2017).  ``alpha`` must not
    be 0 (``ValueError``; PyTorch raises a ``RuntimeError``).

    Example:
        >>> F.celu(ut.tensor([-1., 2.]), alpha=2.0)
        tensor([-0.78693867,  2.        ], dtype=float32)
    """
    a = _number("celu", "alpha", alpha)
    if a == 0:
        raise ValueError("celu(): alpha cannot be 0 for CELU")
    x, d = _compute("celu", input)
    negative = _un.expm1(_negative_part(x) * (1.0 / a)) * a
    return _finish(input, _ew.where(x > 0, x, negative), d, inplace)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, and ``x`` itself where ``beta * x >
    threshold`` (where the two agree to the dtype's precision), PyTorch's formula.

    Example:
        >>> F.softplus(ut.tensor([0., 1., 30.]))
        tensor([ 0.6931472,  1.3132616, 30.       ], dtype=float32)
    """
    b = _number("softplus", "beta", beta)
    limit = _number("softplus", "threshold", threshold)
    x, d = _compute("softplus", input)
    return _finish(input, _softplus(x, b, limit), d, False)


def _softplus(x: Tensor, beta: float, threshold: float) -> Tensor:
    z = x * beta if beta != 1.0 else x
    linear = z > threshold
    smooth = _un.log1p(_un.exp(_ew.where(linear, 0.0, z)))
    return _ew.where(linear, x, smooth / beta if beta != 1.0 else smooth)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * tanh(softplus(x))`` (Misra, 2019), element-wise.

    Example:
        >>> F.mish(ut.tensor([-1., 0., 1.]))  # (the last digit differs between backends)
        tensor([-0.303401...,  0. ...,  0.86509...], dtype=float32)
    """
    x, d = _compute("mish", input)
    return _finish(input, x * _un.tanh(_softplus(x, 1.0, 20.0)), d, inplace)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """``x`` clamped to ``[min_val, max_val]``, element-wise; the gradient is 0 at and
    beyond the bounds (PyTorch's).  Integer tensors stay integers (the bounds are
    truncated to integers).  ``min_val > max_val`` raises ``ValueError``, as in PyTorch.
    NaN stays NaN.

    Example:
        >>> F.hardtanh(ut.tensor([-2., 0.5, 2.]))
        tensor([-1. ,  0.5,  1. ], dtype=float32)
    """
    lo = _number("hardtanh", "min_val", min_val)
    hi = _number("hardtanh", "max_val", max_val)
    if lo > hi:
        raise ValueError("hardtanh(): min_val cannot be greater than max_val")
    return _hardtanh("hardtanh", input, lo, hi, inplace)


def _hardtanh(op: str, input: Any, lo: float, hi: float, inplace: bool) -> Tensor:
    x, d = _compute(op, input, keep_integers=True)
    low: float | int = int(lo) if d.kind in "iu" else lo
    high: float | int = int(hi) if d.kind in "iu" else hi
    return _finish(input, _ew.where(x <= low, low, _ew.where(x >= high, high, x)), d,
                   inplace)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """``min(max(x, 0), 6)`` element-wise: ``hardtanh(x, 0, 6)`` (gradient 0 at 0 and
    6, as PyTorch's).  Integer tensors stay integers.

    Example:
        >>> F.relu6(ut.tensor([-1., 3., 7.]))
        tensor([0., 3., 6.], dtype=float32)
    """
    return _hardtanh("relu6", input, 0.0, 6.0, inplace)


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """``x * relu6(x + 3) / 6`` (Howard et al., 2019), element-wise, computed in that
    order as PyTorch does (``-0.0`` below -3); the gradient is 0 up to -3, ``x / 3 +
    1/2`` between, 1 from 3 (PyTorch's).

    Example:
        >>> F.hardswish(ut.tensor([-4., 0., 1., 4.]))
        tensor([-0.       ,  0.       ,  0.6666667,  4.       ], dtype=float32)
    """
    x, d = _compute("hardswish", input)
    v = x + 3.0
    gate = _ew.where(v <= 0, 0.0, _ew.where(v >= 6, 6.0, v))
    return _finish(input, x * gate / 6.0, d, inplace)
