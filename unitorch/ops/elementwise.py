"""Element-wise functions of two inputs (arithmetic, comparisons, logical and bitwise),
``where`` and ``clip``; the one-input functions are in :mod:`unitorch.ops.unary`.

Each function is a plain ``def`` whose decorator (:func:`unitorch.ops._ufunc.binary`,
:func:`~unitorch.ops._ufunc.unary`) states its rules, so they are written once for
every element-wise function:

* inputs promote with unitorch's table (Python scalars weak); the promoted dtype must be
  one of the kinds the function accepts, or :class:`DTypeError` names it;
* the floating-only functions (``sin``, ``exp``, ``divide``...) compute integer and bool
  inputs in the default float dtype, as PyTorch does (``ut.sqrt(ut.tensor(4))`` is
  ``2.0`` in float32);
* shapes broadcast as in NumPy, or :class:`ShapeError` names both shapes;
* integer ``floor_divide`` and ``remainder`` by zero give 0 on every backend (PyTorch
  raises, TensorFlow returns garbage on some devices; NumPy gives 0);
* integers wrap on overflow;
* real ``sign(NaN)`` is NaN (PyTorch alone gives 0);
* complex functions follow the standard's special cases (C99's, with its signed zeros)
  on every backend: ``expm1``, ``log1p``, ``tanh`` and ``sign`` are unitorch's own
  compositions of real primitives for complex input (both frameworks leak infinities and
  NaNs between the parts, or sign zeros wrongly), and the backends fix ``acos``, ``log``,
  ``log2``, ``log10``, ``sqrt`` and ``round`` where one framework is off (see
  :mod:`unitorch.ops._complex` and the backends' ``<name>_complex`` kernels).  Where the
  standard and NumPy disagree the standard wins: ``expm1(inf + 0j)`` is ``inf + 0j``,
  ``tanh(inf + 2j)`` is ``1 + 0j`` (NumPy: ``1 - 0j``), ``sign`` of a number with a NaN
  part is ``NaN + NaN j``.

The fast path (two tensors of one backend and one dtype, or a floating tensor and a
Python ``int`` or ``float`` on either side) costs two type checks, a list lookup and one
native call; see :mod:`unitorch.ops._ufunc`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as dt
from .._dispatch import (
    Scalar,
    backend_of,
    check_kind,
    is_scalar,
    native_scalar,
    scalar_for,
    to_tensor,
)
from ..errors import ShapeError, broadcast_shapes
from ..tensor import Tensor
from ._ufunc import binary, finish

# -- the rules of the functions that have their own: compute(backend, n1, n2, dtype)


def _int_zero_safe(primitive: str) -> Callable[..., Any]:
    """``floor_divide``/``remainder`` with an integer divisor of 0 giving 0."""

    def compute(backend, n1, n2, d):
        fn = getattr(backend, primitive)
        if d.kind not in "iu":
            return fn(n1, n2)
        if not hasattr(n2, "dtype"):  # a Python scalar divisor
            if n2 == 0:
                shape = backend.shape(n1)
                return backend.full(shape, 0, d, backend.device(n1))
            return fn(n1, n2)
        zero = backend.full((), 0, d, backend.device(n2))
        one = backend.full((), 1, d, backend.device(n2))
        is_zero = backend.equal(n2, zero)
        out = fn(n1, backend.where(is_zero, one, n2))
        return backend.where(is_zero, zero, out)

    return compute


_INT_ZERO_SAFE_FLOOR_DIVIDE = _int_zero_safe("floor_divide")


def _floor_divide(backend: Any, n1: Any, n2: Any, d: dt.DType) -> Any:
    """``floor_divide``: integers as :func:`_int_zero_safe`; floats as the backends
    compute them (NumPy's ``divmod``), except where exactly one operand is infinite and
    neither is NaN, where the Array API 2024.12 standard wants ``floor(x1 / x2)``: an
    infinity divided by a finite number stays infinite (NumPy, PyTorch and Python give
    NaN), and a finite number divided by an infinity is a zero of the quotient's sign
    (they give -1.0 for ``-1.0 // inf``)."""
    out = _INT_ZERO_SAFE_FLOOR_DIVIDE(backend, n1, n2, d)
    if d.kind != "f":
        return out
    if not hasattr(n1, "dtype"):
        n1 = native_scalar(backend, n1, d, n2)
    if not hasattr(n2, "dtype"):
        n2 = native_scalar(backend, n2, d, n1)
    one_infinite = backend.not_equal(backend.isinf(n1), backend.isinf(n2))
    return backend.where(one_infinite, backend.divide(n1, n2), out)  # (NaN stays NaN)


def _as_bool(name: str) -> Callable[..., Any]:
    """Logical functions: any input counts as ``x != 0`` (as in NumPy and PyTorch)."""

    def compute(backend, n1, n2, d):
        return getattr(backend, name)(backend.cast(n1, dt.bool), backend.cast(n2, dt.bool))

    return compute


def _pow(backend: Any, n1: Any, n2: Any, d: dt.DType) -> Any:
    """``pow`` refusing integers to negative integer powers, as NumPy does (torch and
    TensorFlow raise their own, different errors).  A tensor exponent is checked on the
    host (one sync), except while compiling, where values are symbolic."""
    if d.kind == "i":
        if not hasattr(n2, "dtype"):
            negative = n2 < 0
        elif backend.is_compiling():
            negative = False
        else:
            negative = bool(backend.to_numpy(n2).min(initial=0) < 0)
        if negative:
            raise ValueError("pow(): integers to negative integer powers are not allowed")
    return backend.pow(n1, n2)


_BITS_OF = {dt.float16: dt.int16, dt.bfloat16: dt.int16, dt.float32: dt.int32,
            dt.float64: dt.int64}


def _nextafter(backend: Any, n1: Any, n2: Any, d: dt.DType) -> Any:
    """``nextafter`` from the bits, in integers only: TensorFlow's CPU kernels flush
    subnormal floats to zero, so float comparisons cannot step through them (and neither
    framework has the kernel for float16 or bfloat16).  The bits of a float map to an
    integer key that orders as the floats do (the contract's ``sort_key`` mapping:
    ``INT_MIN - bits`` for negative floats, so -0.0 and 0.0 share key 0); the answer is
    the float whose key is one step toward ``x2``'s."""
    ib = _BITS_OF[d]
    dev = backend.device(n1)
    lowest = backend.full((), int(dt.iinfo(ib).min), ib, dev)
    zero = backend.full((), 0, ib, dev)
    one = backend.full((), 1, ib, dev)

    def key(bits: Any) -> Any:
        return backend.where(backend.less(bits, zero), backend.subtract(lowest, bits), bits)

    k1, k2 = key(backend.bitcast(n1, ib)), key(backend.bitcast(n2, ib))
    k = backend.where(backend.less(k1, k2), backend.add(k1, one), backend.subtract(k1, one))
    bits = key(k)  # (the key mapping is its own inverse)
    # a step onto zero keeps x1's sign (nextafter(-tiny, 1.0) is -0.0): key 0 is both
    bits = backend.where(backend.logical_and(backend.equal(k, zero), backend.less(k1, zero)),
                         lowest, bits)
    out = backend.bitcast(bits, d)
    out = backend.where(backend.equal(k1, k2), n2, out)  # equal: x2 (C's rule for ±0)
    nan = backend.logical_or(backend.isnan(n1), backend.isnan(n2))
    return backend.where(nan, backend.full((), float("nan"), d, dev), out)


# -- the functions


@binary("numeric", commutative=True)
def add(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 + x2``.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.add(ut.tensor([1, 2]), ut.tensor([0.5, 0.25]))  # int64 with float32: float32
        tensor([1.5 , 2.25], dtype=float32)
    """


@binary("numeric")
def subtract(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 - x2``.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.subtract(ut.tensor([5.0, 3.0]), 1)
        tensor([4., 2.], dtype=float32)
    """


@binary("numeric", commutative=True)
def multiply(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 * x2``.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.multiply(ut.tensor([1.5, 2.0]), ut.tensor([2.0, -3.0]))
        tensor([ 3., -6.], dtype=float32)
    """


@binary("float", float_only=True)
def divide(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """True division ``x1 / x2`` (IEEE 754: ``1 / 0 == inf``).

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.divide(ut.tensor([1, 2]), ut.tensor([2, 0]))
        tensor([0.5, inf], dtype=float32)
    """


@binary("real", compute=_floor_divide, fast_kinds="")
def floor_divide(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``floor(x1 / x2)``; an integer divisor of 0 gives 0.

    Floats follow NumPy (``divmod``'s quotient, so ``x1 == (x1 // x2) * x2 + x1 % x2``
    as far as rounding allows), except with exactly one infinite operand, where the
    Array API 2024.12 standard's ``floor(x1 / x2)`` wins: ``inf // 2.0`` is ``inf`` and
    ``-1.0 // inf`` is ``-0.0`` (NumPy, PyTorch and Python give NaN and -1.0).

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.floor_divide(ut.tensor([7, -7, 7]), ut.tensor([2, 2, 0]))
        tensor([ 3, -4,  0], dtype=int64)
        >>> ut.floor_divide(ut.tensor([float("inf"), -1.0]), ut.tensor([2.0, float("inf")]))
        tensor([inf, -0.], dtype=float32)
    """


@binary("real", compute=_int_zero_safe("remainder"), fast_kinds="f")
def remainder(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 - floor(x1 / x2) * x2``, with the sign of ``x2`` (Python's ``%``); an
    integer divisor of 0 gives 0.

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.remainder(ut.tensor([7, -7, 7]), ut.tensor([2, 2, -2]))
        tensor([ 1,  1, -1], dtype=int64)
    """


@binary("numeric", compute=_pow, fast_kinds="fc")
def pow(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 ** x2``; an integer base with a negative integer exponent raises ValueError
    (as NumPy).

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.pow(ut.tensor([2.0, 3.0]), 2)
        tensor([4., 9.], dtype=float32)
    """


@binary("real", commutative=True, scalar_native=False)
def maximum(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Element-wise maximum; NaN wins.

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.maximum(ut.tensor([1.0, float("nan")]), ut.tensor([2.0, 0.0]))
        tensor([ 2., nan], dtype=float32)
    """


@binary("real", commutative=True, scalar_native=False)
def minimum(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Element-wise minimum; NaN wins.

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.minimum(ut.tensor([1.0, float("nan")]), ut.tensor([2.0, 0.0]))
        tensor([ 1., nan], dtype=float32)
    """


@binary("real_float", float_only=True, scalar_native=False)
def atan2(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """The angle of the point ``(x2, x1)``, quadrant-aware.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.atan2(ut.tensor([1.0, -1.0]), ut.tensor([-1.0, -1.0]))
        tensor([ 2.35619..., -2.35619...], dtype=float32)
    """


@binary("real_float", float_only=True, scalar_native=False)
def hypot(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``sqrt(x1**2 + x2**2)`` without overflow.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.hypot(ut.tensor([3.0, 5.0]), ut.tensor([4.0, 12.0]))
        tensor([ 5., 13.], dtype=float32)
    """


@binary("real_float", float_only=True, scalar_native=False)
def copysign(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``|x1|`` with the sign of ``x2``.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.copysign(ut.tensor([1.0, 2.0]), ut.tensor([-0.0, 3.0]))
        tensor([-1.,  2.], dtype=float32)
    """


@binary("real_float", float_only=True, scalar_native=False, commutative=True)
def logaddexp(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``log(exp(x1) + exp(x2))`` without overflow.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.logaddexp(ut.tensor([0.0, 100.0]), ut.tensor([0.0, 0.0]))
        tensor([  0.69314..., 100.       ], dtype=float32)
    """


@binary("real_float", float_only=True, scalar_native=False, compute=_nextafter,
        fast_kinds="")
def nextafter(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """The next representable floating-point value after ``x1`` toward ``x2`` (``x2``
    itself when they are equal, so ``nextafter(0.0, -0.0)`` is ``-0.0``; NaN if either
    is NaN), as C's ``nextafter``.  Steps through subnormal values on every backend.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.nextafter(ut.tensor([1.0, 1.0]), ut.tensor([2.0, 0.0])).tolist()
        [1.0000001192092896, 0.9999999403953552]
        >>> ut.nextafter(ut.tensor([0.0], dtype=ut.float64), 1.0).item()  # subnormal
        5e-324
    """


@binary("any", result="bool", commutative=True)
def equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 == x2``.

    Accepts any tensors; the result has ``bool``.

    Example:
        >>> ut.equal(ut.tensor([1, 2, 3]), 2)
        tensor([False,  True, False], dtype=bool)
    """


@binary("any", result="bool", commutative=True)
def not_equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 != x2``.

    Accepts any tensors; the result has ``bool``.

    Example:
        >>> ut.not_equal(ut.tensor([1.0, float("nan")]), ut.tensor([1.0, float("nan")]))
        tensor([False,  True], dtype=bool)
    """


@binary("real_any", result="bool")
def less(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 < x2``.

    Accepts bool or real tensors; the result has ``bool``.

    Example:
        >>> ut.less(ut.tensor([1, 2, 3]), 2)
        tensor([ True, False, False], dtype=bool)
    """


@binary("real_any", result="bool")
def less_equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 <= x2``.

    Accepts bool or real tensors; the result has ``bool``.

    Example:
        >>> ut.less_equal(ut.tensor([1, 2, 3]), 2)
        tensor([ True,  True, False], dtype=bool)
    """


@binary("real_any", result="bool")
def greater(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 > x2``.

    Accepts bool or real tensors; the result has ``bool``.

    Example:
        >>> ut.greater(ut.tensor([1, 2, 3]), 2)
        tensor([False, False,  True], dtype=bool)
    """


@binary("real_any", result="bool")
def greater_equal(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 >= x2``.

    Accepts bool or real tensors; the result has ``bool``.

    Example:
        >>> ut.greater_equal(ut.tensor([1, 2, 3]), 2)
        tensor([False,  True,  True], dtype=bool)
    """


@binary("any", result="bool", commutative=True, scalar_native=False,
        compute=_as_bool("logical_and"), fast_kinds="b")
def logical_and(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Logical AND; non-bool inputs count as ``x != 0``.

    Accepts any tensors; the result has ``bool``.

    Example:
        >>> ut.logical_and(ut.tensor([True, True, False]), ut.tensor([1, 0, 1]))
        tensor([ True, False, False], dtype=bool)
    """


@binary("any", result="bool", commutative=True, scalar_native=False, compute=_as_bool("logical_or"),
        fast_kinds="b")
def logical_or(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Logical OR; non-bool inputs count as ``x != 0``.

    Accepts any tensors; the result has ``bool``.

    Example:
        >>> ut.logical_or(ut.tensor([True, True, False]), ut.tensor([1, 0, 1]))
        tensor([ True,  True,  True], dtype=bool)
    """


@binary("any", result="bool", commutative=True, scalar_native=False,
        compute=_as_bool("logical_xor"), fast_kinds="b")
def logical_xor(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Logical XOR; non-bool inputs count as ``x != 0``.

    Accepts any tensors; the result has ``bool``.

    Example:
        >>> ut.logical_xor(ut.tensor([True, True, False]), ut.tensor([1, 0, 1]))
        tensor([False,  True,  True], dtype=bool)
    """


@binary("int_bool", commutative=True)
def bitwise_and(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Bitwise AND, ``x1 & x2``.

    Accepts integer or bool tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.bitwise_and(ut.tensor([12, 10]), ut.tensor([10, 6]))
        tensor([8, 2], dtype=int64)
    """


@binary("int_bool", commutative=True)
def bitwise_or(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Bitwise OR, ``x1 | x2``.

    Accepts integer or bool tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.bitwise_or(ut.tensor([12, 10]), ut.tensor([10, 6]))
        tensor([14, 14], dtype=int64)
    """


@binary("int_bool", commutative=True)
def bitwise_xor(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """Bitwise XOR, ``x1 ^ x2``.

    Accepts integer or bool tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.bitwise_xor(ut.tensor([12, 10]), ut.tensor([10, 6]))
        tensor([ 6, 12], dtype=int64)
    """


@binary("int")
def bitwise_left_shift(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 << x2``; shifting by the bit width or more gives 0.

    Accepts integer tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.bitwise_left_shift(ut.tensor([1, 1], dtype=ut.int32), ut.tensor([3, 40], dtype=ut.int32))
        tensor([8, 0], dtype=int32)
    """


@binary("int")
def bitwise_right_shift(x1: Tensor | Scalar, x2: Tensor | Scalar, /) -> Tensor:
    """``x1 >> x2`` (arithmetic); shifting by the bit width or more gives 0, or -1 for
    negative ``x1``.

    Accepts integer tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.bitwise_right_shift(ut.tensor([16, -16, -16]), ut.tensor([2, 2, 70]))
        tensor([ 4, -4, -1], dtype=int64)
    """


def where(condition: Tensor, x1: Any, x2: Any, /) -> Tensor:
    """Elements of ``x1`` where ``condition`` is true, else of ``x2``.

    ``condition`` must be bool; ``x1`` and ``x2`` (tensors or Python scalars) promote
    as in any binary function, and all three broadcast.

    Example:
        >>> ut.where(ut.tensor([True, False]), ut.tensor([1, 2]), 0)
        tensor([1, 0], dtype=int64)
    """
    backend = backend_of("where", condition, x1, x2)
    c = to_tensor(condition, backend)
    if c._d is not dt.bool:
        raise_dtype("where", "condition must be bool", c._d)
    s1, s2 = is_scalar(x1), is_scalar(x2)
    if s1 and s2:
        d = dt.result_type(x1, x2)
        t1 = t2 = None
    elif s1:
        t2 = to_tensor(x2, backend)
        d, t1 = dt.weak_scalar_dtype(t2._d, x1), None
    elif s2:
        t1 = to_tensor(x1, backend)
        d, t2 = dt.weak_scalar_dtype(t1._d, x2), None
    else:
        t1, t2 = to_tensor(x1, backend), to_tensor(x2, backend)
        d = dt.promote_types(t1._d, t2._d)

    def operand(t, value):
        if t is None:
            return native_scalar(backend, scalar_for("where", value, d), d, c._n)
        return t._n if t._d is d else backend.cast(t._n, d)

    n1, n2 = operand(t1, x1), operand(t2, x2)
    shapes = [backend.shape(c._n), backend.shape(n1), backend.shape(n2)]
    try:
        broadcast_shapes(*shapes)
    except ShapeError as e:
        raise ShapeError(f"where(): {e}") from None
    return finish(backend.Tensor, backend.where(c._n, n1, n2), d)


def raise_dtype(op: str, what: str, dtype: dt.DType) -> None:
    from ..errors import DTypeError

    raise DTypeError(f"{op}(): {what}, got {dtype.name}")


def clip(x: Tensor, /, min: Any = None, max: Any = None) -> Tensor:
    """``x`` limited to ``[min, max]`` (either bound may be ``None``); the result keeps
    ``x``'s dtype.  Bounds are Python scalars or tensors; all three broadcast.  For an
    integer ``x`` a float bound is rounded inward.  NaN in ``x`` stays NaN.

    Example:
        >>> ut.clip(ut.tensor([-2., 0.5, 3.]), 0., 1.)
        tensor([0. , 0.5, 1. ], dtype=float32)
    """
    backend = backend_of("clip", x, min, max)
    x = to_tensor(x, backend)
    d = x._d
    check_kind("clip", d, "iuf")
    lo, hi = _clip_bound(backend, x, d, min, True), _clip_bound(backend, x, d, max, False)
    if lo is None and hi is None:
        return x
    shapes = [backend.shape(n) for n in (x._n, lo, hi) if n is not None]
    try:
        broadcast_shapes(*shapes)
    except ShapeError as e:
        raise ShapeError(f"clip(): {e}") from None
    return finish(type(x), backend.clip(x._n, lo, hi), d)


def _clip_bound(backend, x: Tensor, d: dt.DType, b: Any, is_min: bool) -> Any:
    """A bound of :func:`clip` as a native of ``x``'s dtype (``None``: no bound)."""
    import math

    if b is None:
        return None
    if is_scalar(b):
        if d.kind in "iu":
            info = dt.iinfo(d)
            if isinstance(b, float):
                if math.isnan(b):
                    raise ValueError("clip(): a NaN bound cannot apply to an integer tensor")
                if math.isinf(b):
                    if (b < 0) == is_min:  # -inf below or +inf above bounds nothing
                        return None
                    b = info.max if b > 0 else info.min
                else:
                    b = math.ceil(b) if is_min else math.floor(b)
            b = info.min if b < info.min else info.max if b > info.max else b
        return native_scalar(backend, b, d, x._n)
    t = to_tensor(b, backend)
    check_kind("clip", t._d, "iuf")
    n = t._n
    if d.kind in "iu" and t._d.kind == "f":
        n = backend.ceil(n) if is_min else backend.floor(n)
    return n if t._d is d else backend.cast(n, d)


# PyTorch spellings
sub = subtract
mul = multiply
div = true_divide = divide
clamp = clip
eq, ne, lt, le, gt, ge = equal, not_equal, less, less_equal, greater, greater_equal
arctan2 = atan2

__all__ = [
    "add", "subtract", "multiply", "divide", "floor_divide", "remainder", "pow", "maximum",
    "minimum", "atan2", "hypot", "copysign", "logaddexp", "nextafter", "equal", "not_equal", "less",
    "less_equal", "greater", "greater_equal", "logical_and", "logical_or", "logical_xor",
    "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift", "bitwise_right_shift",
    "where", "clip", "sub", "mul", "div", "true_divide", "clamp", "eq", "ne", "lt", "le",
    "gt", "ge", "arctan2",
]
