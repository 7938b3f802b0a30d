"""How far apart two backends' values are: absolute, relative and ULP distances.

One comparison, :func:`compare_values`, used by :func:`unitorch.ab.compare` (outputs of a
function) and by ``unitorch ab`` (values a script recorded).  The second value is the
*reference* (the first backend's), as in :func:`unitorch.testing.assert_close`:

* **within tolerance**: ``|a - ref| <= atol + rtol * |ref|`` element-wise, NaN equal to NaN,
  an infinity equal only to itself; integer and bool values must be equal.  Without
  ``rtol``/``atol`` the per-dtype defaults of
  :data:`unitorch.testing.tolerances.DEFAULTS` apply.
* **max abs**: the largest ``|a - ref|``; ``inf`` where one side is NaN or infinite and the
  other is not (or the infinities' signs differ).
* **max rel**: the largest ``|a - ref| / max(|a|, |ref|)`` (symmetric, so at most 2 for
  finite values; 0 where both are 0).
* **max ULP** (:func:`ulp_distance`): how many representable numbers of the values' dtype
  lie between them, counted on the integer representation of the floats.

ULP distance, precisely: each float's bits are read as a sign-magnitude integer and mapped
to a signed integer that orders like the floats (``+0`` and ``-0`` both map to 0, so they
are 0 ULPs apart; the smallest subnormals of either sign are 1 ULP from zero and 2 ULPs
from each other).  The distance is the difference of those integers, exact up to 2**53
(it is returned as a float64).  Special values: two NaNs (of any payload or sign) are 0
ULPs apart; a NaN and a number are infinitely far apart (``inf``); equal infinities are 0
apart, and an infinity and anything else (a finite number, however large, or the other
infinity) infinitely far: an overflow is a divergence, not one more ULP.  Complex values:
the larger of the real and imaginary parts' distances.  Integer and bool values: the
absolute difference (one "ULP" is 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import dtypes as dt

__all__ = ["Diff", "compare_values", "ulp_distance", "default_tolerance"]

_INT_OF_WIDTH = {2: np.int16, 4: np.int32, 8: np.int64}


def default_tolerance(dtype: dt.DType) -> tuple[float, float]:
    """``(rtol, atol)`` for ``dtype`` from :data:`unitorch.testing.tolerances.DEFAULTS`;
    ``(0, 0)`` (exact) for integer and bool dtypes."""
    from ..testing.tolerances import DEFAULTS

    return DEFAULTS.get(dtype, (0.0, 0.0))


def _ordered(x: np.ndarray) -> np.ndarray:
    """Float bits as int64 that order like the floats (+0 and -0 both 0)."""
    width = x.dtype.itemsize
    bits = x.view(_INT_OF_WIDTH[width]).astype(np.int64)
    magnitude = bits & np.int64((1 << (8 * width - 1)) - 1)
    return np.where(bits < 0, -magnitude, magnitude)


def ulp_distance(a: Any, b: Any, dtype: dt.DTypeLike | None = None) -> np.ndarray:
    """Element-wise distance between ``a`` and ``b`` in units in the last place of
    ``dtype`` (default: ``a``'s dtype), as float64: exact up to 2**53, ``inf`` for a NaN
    against a number or an infinity against anything but itself (see the module
    docstring for the rule).  Both are first converted to ``dtype`` (exactly, when they
    are values of that dtype).

    Example:
        >>> x = np.float32([1.0, 2.0])
        >>> ut.ab.ulp_distance(x, np.nextafter(x, np.float32(3)))
        array([1., 1.])
    """
    a_np = np.asarray(a)
    d = dt.as_dtype(a_np.dtype if dtype is None else dtype)
    b_np = np.asarray(b)
    if d.kind == "c":
        part = dt.float32 if d is dt.complex64 else dt.float64
        a_np, b_np = a_np.astype(d.numpy), b_np.astype(d.numpy)
        return np.maximum(ulp_distance(a_np.real, b_np.real, part),
                          ulp_distance(a_np.imag, b_np.imag, part))
    if d.kind != "f":
        wide = np.abs(a_np.astype(np.float64) - b_np.astype(np.float64))
        if d.kind in "iu" and d.bits == 64:  # beyond 2**53 float64 is not exact: use ints
            ai, bi = a_np.astype(np.int64), b_np.astype(np.int64)
            ua, ub = ai.view(np.uint64), bi.view(np.uint64)
            wide = np.where(ai >= bi, ua - ub, ub - ua).astype(np.float64)
        return np.asarray(wide, np.float64)
    a_np, b_np = np.broadcast_arrays(a_np.astype(d.numpy), b_np.astype(d.numpy))
    oa, ob = _ordered(np.ascontiguousarray(a_np)), _ordered(np.ascontiguousarray(b_np))
    ua, ub = oa.view(np.uint64), ob.view(np.uint64)
    # modular uint64 arithmetic: the true difference is below 2**64, so this is exact
    dist = np.where(oa >= ob, ua - ub, ub - ua).astype(np.float64)
    af, bf = a_np.astype(np.float64), b_np.astype(np.float64)
    special = ~(np.isfinite(af) & np.isfinite(bf))
    if np.any(special):
        same = (np.isnan(af) & np.isnan(bf)) | (af == bf)
        dist = np.where(special, np.where(same, 0.0, np.inf), dist)
    return dist.reshape(a_np.shape)  # 0-d inputs give a 0-d distance


@dataclass
class Diff:
    """The comparison of one value (a tensor, a scalar, a recorded series) on one backend
    with the reference backend's.  ``problem`` says why the values could not be compared
    element-wise (shapes or dtypes differ), ``None`` when they could.

    Example:
        >>> d = ut.ab.compare_values(np.float64([1.0, 2.0]), np.float64([1.0, 2.5]))
        >>> d.ok, d.max_abs, d.max_rel, d.mismatched, d.size
        (False, 0.5, 0.2, 1, 2)
        >>> ut.ab.compare_values(np.ones(2), np.ones(3)).problem
        'shapes differ: (2,) vs (3,)'
    """

    dtype: str
    shape: tuple[int, ...]
    max_abs: float
    max_rel: float
    max_ulp: float
    rtol: float
    atol: float
    mismatched: int
    size: int
    problem: str | None = None

    @property
    def ok(self) -> bool:
        """Same shape and dtype, and every element within tolerance."""
        return self.problem is None and self.mismatched == 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "dtype": self.dtype, "shape": list(self.shape), "max_abs": self.max_abs,
            "max_rel": self.max_rel, "max_ulp": self.max_ulp, "rtol": self.rtol,
            "atol": self.atol, "mismatched": self.mismatched, "size": self.size,
            "problem": self.problem, "ok": self.ok,
        }


def _widen(x: np.ndarray, d: dt.DType) -> np.ndarray:
    if d.kind == "c":
        return x.astype(np.complex128)
    return x.astype(np.float64)


def compare_values(value: Any, reference: Any, dtype: dt.DTypeLike | None = None,
                   ref_dtype: dt.DTypeLike | None = None, rtol: float | None = None,
                   atol: float | None = None) -> Diff:
    """Compare ``value`` (one backend's) with ``reference`` (the reference backend's).

    ``dtype``/``ref_dtype``: their unitorch dtypes (default: the NumPy arrays' own).
    Values of different shapes or dtypes are not compared element-wise: the
    :class:`Diff` has a ``problem`` and is not ok.  ``rtol``/``atol`` default to the
    dtype's :func:`default_tolerance`.

    Example:
        >>> d = ut.ab.compare_values(np.float32([1.0, 2.0]), np.float32([1.0, 2.0000002]))
        >>> d.ok, d.max_ulp, d.mismatched
        (True, 1.0, 0)
        >>> ut.ab.compare_values(np.float32([1.0]), np.float32([1.1])).ok
        False
    """
    a, e = np.asarray(value), np.asarray(reference)
    d = dt.as_dtype(a.dtype if dtype is None else dtype)
    de = dt.as_dtype(e.dtype if ref_dtype is None else ref_dtype)
    d_rtol, d_atol = default_tolerance(d)
    rtol = d_rtol if rtol is None else float(rtol)
    atol = d_atol if atol is None else float(atol)
    nan = math.nan
    if a.shape != e.shape:
        return Diff(d.name, a.shape, nan, nan, nan, rtol, atol, max(a.size, e.size),
                    max(a.size, e.size), f"shapes differ: {a.shape} vs {e.shape}")
    if d is not de:
        return Diff(d.name, a.shape, nan, nan, nan, rtol, atol, a.size, a.size,
                    f"dtypes differ: {d.name} vs {de.name}")
    if a.size == 0:
        return Diff(d.name, a.shape, 0.0, 0.0, 0.0, rtol, atol, 0, 0)
    ulp = ulp_distance(a, e, d)
    if d.kind not in "fc":
        diff = ulp  # integers and bools: the absolute difference, compared exactly
        with np.errstate(all="ignore"):
            scale = np.maximum(np.abs(a.astype(np.float64)), np.abs(e.astype(np.float64)))
            rel = np.where(diff == 0, 0.0, diff / scale)
        bad = diff > atol + rtol * np.abs(e.astype(np.float64))
    else:
        aw, ew = _widen(a, d), _widen(e, d)
        with np.errstate(all="ignore"):
            diff = np.abs(aw - ew)
            scale = np.maximum(np.abs(aw), np.abs(ew))
            rel = np.where(diff == 0, 0.0, diff / scale)
        an, en = np.isnan(aw), np.isnan(ew)
        ai, ei = np.isinf(aw), np.isinf(ew)
        same_special = (an & en) | ((ai | ei) & (aw == ew))
        other_special = (an | en | ai | ei) & ~same_special
        diff = np.where(same_special, 0.0, np.where(other_special, np.inf, diff))
        rel = np.where(same_special, 0.0, np.where(other_special, np.inf, rel))
        with np.errstate(all="ignore"):
            close = diff <= atol + rtol * np.abs(ew)  # (inf <= inf for infinite ew)
        bad = other_special | ~(same_special | close)
    return Diff(d.name, a.shape, float(np.max(diff)), float(np.max(rel)), float(np.max(ulp)),
                rtol, atol, int(np.sum(bad)), int(a.size))
