"""Complex element-wise functions composed from real primitives, where PyTorch and
TensorFlow *both* get the standard's (C99's) special cases wrong: infinities and NaNs in
one part leak into the other, and signed zeros come out with the wrong sign.

Both frameworks wrong, so the fix is composed once, above the backends (the contract's
division of labour); where only one framework is wrong the fix is a ``<name>_complex``
kernel inside that backend instead.  :func:`unitorch.ops._ufunc.kernel` picks these
once per dtype.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

__all__ = ["COMPLEX_COMPOSITES"]


def _parts(b: Any, x: Any) -> tuple[Any, Any, Callable[[float], Any]]:
    """Real part, imaginary part, and a maker of 0-d constants of their dtype."""
    re, im = b.real(x), b.imag(x)
    d, dev = b.dtype_from_native[re.dtype], b.device(x)
    return re, im, lambda v: b.full((), v, d, dev)


def _expm1_complex(b: Any, x: Any) -> Any:
    """``expm1(a + bj) = expm1(a) cos(b) - 2 sin(b/2)**2 + exp(a) sin(b) j`` (no
    cancellation near 0), with the standard's special cases for zeros and infinities."""
    a, y, c = _parts(b, x)
    em1 = b.expm1(a)
    s = b.sin(b.multiply(y, c(0.5)))
    re = b.subtract(b.multiply(em1, b.cos(y)), b.multiply(c(2.0), b.multiply(s, s)))
    im = b.multiply(b.exp(a), b.sin(y))
    real_axis = b.equal(y, c(0.0))  # expm1 of a real number: no NaN from inf * 0
    re = b.where(real_axis, b.add(em1, c(0.0)), re)  # + 0.0 turns -0 into +0
    im = b.where(real_axis, y, im)
    y_nonfinite = b.logical_not(b.isfinite(y))
    neg_inf = b.equal(a, c(-math.inf))  # exp(a) is 0: the result is -1 + 0j
    re = b.where(neg_inf, c(-1.0), re)
    im = b.where(b.logical_and(neg_inf, y_nonfinite), c(0.0), im)
    pos_inf = b.logical_and(b.equal(a, c(math.inf)), y_nonfinite)  # inf + NaN j
    re = b.where(pos_inf, c(math.inf), re)
    return b.complex(re, im)


def _log1p_complex(b: Any, x: Any) -> Any:
    """``log1p(a + bj) = log|1 + z| + atan2(b, 1 + a) j``; for ``|z| < 0.5`` the real part
    is ``log1p(a (2 + a) + b**2) / 2`` (accurate near 0), elsewhere ``log(hypot(1 + a,
    b))`` (no overflow, and exact ``1 + a`` near ``z = -1``, where ``a (2 + a)`` cancels:
    with the first formula up to ``|a| < 1``, SciPy's log-space ``logsumexp`` of nearly
    cancelling terms was 3e-9 (relative) off).  PyTorch's kernel takes the same branch
    at ``|z| < 0.5``.  hypot and atan2 give the standard's special cases."""
    a, y, c = _parts(b, x)
    one = c(1.0)
    ap1 = b.add(a, one)
    far = b.log(b.hypot(ap1, y))
    u = b.add(b.multiply(a, b.add(ap1, one)), b.multiply(y, y))
    near = b.multiply(b.log1p(u), c(0.5))
    small = b.less(b.hypot(a, y), c(0.5))
    return b.complex(b.where(small, near, far), b.atan2(y, ap1))


def _tanh_complex(b: Any, x: Any) -> Any:
    """The framework's tanh, except at an infinite real part ``a``: the standard says
    ``sign(a) + 0j`` with the zero signed as ``b`` (conjugate symmetry); the frameworks,
    like C99 and NumPy, sign it as ``sin(2b)``."""
    out = b.tanh(x)
    a, y, c = _parts(b, x)
    inf = b.isinf(a)
    re = b.where(inf, b.copysign(c(1.0), a), b.real(out))
    im = b.where(inf, b.copysign(c(0.0), y), b.imag(out))
    return b.complex(re, im)


def _sign_complex(b: Any, x: Any) -> Any:
    """``x / |x|`` by real division of each part by the (overflow-free) magnitude;
    ``0 + 0j`` at zero and ``NaN + NaN j`` when either part is NaN, as the standard says
    (TensorFlow gives ``0 + NaN j`` for ``NaN j``).  With one infinite part the result is
    the unit number along it (``sign(inf j) == 1j``, as NumPy; both frameworks give NaN);
    with two, ``NaN + NaN j``."""
    a, y, c = _parts(b, x)
    mag = b.abs(x)
    zero = b.equal(mag, c(0.0))
    safe = b.where(zero, c(1.0), mag)
    nan = b.logical_or(b.isnan(a), b.isnan(y))
    re = b.where(zero, c(0.0), b.divide(a, safe))
    im = b.where(zero, c(0.0), b.divide(y, safe))
    inf_a, inf_y = b.isinf(a), b.isinf(y)
    one_inf = b.logical_xor(inf_a, inf_y)
    re = b.where(one_inf, b.where(inf_a, b.copysign(c(1.0), a), c(0.0)), re)
    im = b.where(one_inf, b.where(inf_y, b.copysign(c(1.0), y), c(0.0)), im)
    re = b.where(nan, c(math.nan), re)
    im = b.where(nan, c(math.nan), im)
    return b.complex(re, im)


COMPLEX_COMPOSITES: dict[str, Callable[..., Any]] = {
    "expm1": _expm1_complex, "log1p": _log1p_complex, "tanh": _tanh_complex,
    "sign": _sign_complex,
}
