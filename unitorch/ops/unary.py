"""Element-wise functions of one input: the Array API's, plus ``sigmoid``.

Each function is a plain ``def`` whose decorator (:func:`unitorch.ops._ufunc.unary`)
states its rules once: the dtype kinds it accepts, the dtype of its result, and whether
integer and bool input is computed in the default float dtype (``sqrt``, ``exp``...; as
PyTorch does: ``ut.sqrt(ut.tensor(4))`` is ``2.0`` in float32).  The rules shared with
the two-input functions are in :mod:`unitorch.ops.elementwise`.

The fast path (a tensor whose dtype the function accepts as it is) costs a type check,
a list lookup and one native call.
"""

from __future__ import annotations

from .. import dtypes as dt
from ..tensor import Tensor
from ._ufunc import REAL_OF, finish, kernel, unary

__all__ = [
    "abs", "negative", "positive", "sign", "signbit", "square", "sqrt", "exp", "expm1",
    "log", "log1p", "log2", "log10", "sin", "cos", "tan", "asin", "acos", "atan", "sinh",
    "cosh", "tanh", "asinh", "acosh", "atanh", "erf", "sigmoid", "floor", "ceil", "trunc",
    "round", "isnan", "isinf", "isfinite", "real", "imag", "conj", "logical_not", "reciprocal",
    "bitwise_invert", "neg", "absolute",
]

# -- the rules of the functions that have their own (no fast path): compute(backend, T,
# native, dtype)


def _real_identity(backend, T, native, d):
    return finish(T, native, d)


def _imag_of(backend, T, native, d):
    if d.kind == "c":
        return finish(T, backend.imag(native), REAL_OF[d])
    return finish(T, backend.full(backend.shape(native), 0, d, backend.device(native)), d)


def _real_of(backend, T, native, d):
    if d.kind == "c":
        return finish(T, backend.real(native), REAL_OF[d])
    return finish(T, native, d)


def _conj_of(backend, T, native, d):
    return finish(T, backend.conj(native) if d.kind == "c" else native, d)


def _signbit_of(backend, T, native, d):
    if d.kind == "f":
        return finish(T, backend.signbit(native), dt.bool)
    if d.kind == "u":
        return finish(T, backend.full(backend.shape(native), False, dt.bool,
                                      backend.device(native)), dt.bool)
    zero = backend.full((), 0, d, backend.device(native))
    return finish(T, backend.less(native, zero), dt.bool)


def _reciprocal_of(backend, T, native, d):
    # 1 / x with the division kernel of the dtype: the same value, special cases and
    # complex handling as ut.divide(1, x), correctly rounded for real dtypes
    one = backend.full((), 1.0 if d.kind == "f" else complex(1.0, 0.0), d,
                       backend.device(native))
    return finish(T, kernel(backend, "divide", d)(one, native), d)


def _logical_not_of(backend, T, native, d):
    return finish(T, backend.logical_not(backend.cast(native, dt.bool)), dt.bool)


# -- the functions


@unary("numeric", result="real")
def abs(x: Tensor, /) -> Tensor:
    """Absolute value, element-wise (``|a + bj|`` for complex).

    Accepts numeric tensors; the result has the input dtype (the real dtype of matching
    precision for complex input).

    Example:
        >>> ut.abs(ut.tensor([-1.5, 2.0]))
        tensor([1.5, 2. ], dtype=float32)
    """


@unary("numeric")
def negative(x: Tensor, /) -> Tensor:
    """Numerical negative, ``-x``.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.negative(ut.tensor([1, -2]))
        tensor([-1,  2], dtype=int64)
    """


@unary("numeric", compute=_real_identity)
def positive(x: Tensor, /) -> Tensor:
    """Numerical positive, ``+x`` (a new tensor, same values).

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.positive(ut.tensor([1.5, -2.0]))
        tensor([ 1.5, -2. ], dtype=float32)
    """


@unary("numeric")
def sign(x: Tensor, /) -> Tensor:
    """-1, 0 or 1 by sign; NaN for NaN; ``x / |x|`` for complex.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.sign(ut.tensor([-2.0, 0.0, 3.0, float("nan")]))
        tensor([-1.,  0.,  1., nan], dtype=float32)
    """


@unary("real", result="bool", compute=_signbit_of)
def signbit(x: Tensor, /) -> Tensor:
    """Whether the sign bit is set (true for -0.0).

    Accepts real numeric tensors; the result has ``bool``.

    Example:
        >>> ut.signbit(ut.tensor([-0.0, 0.0, -1.0]))
        tensor([ True, False,  True], dtype=bool)
    """


@unary("numeric")
def square(x: Tensor, /) -> Tensor:
    """``x * x``.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.square(ut.tensor([-3, 4]))
        tensor([ 9, 16], dtype=int64)
    """


@unary("float", float_only=True)
def sqrt(x: Tensor, /) -> Tensor:
    """Square root.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.sqrt(ut.tensor([4, 9]))  # integers: computed in the default float dtype
        tensor([2., 3.], dtype=float32)
    """


@unary("float", float_only=True)
def exp(x: Tensor, /) -> Tensor:
    """Exponential, ``e ** x``.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.exp(ut.tensor([0.0, 1.0]))
        tensor([1.       , 2.71828...], dtype=float32)
    """


@unary("float", float_only=True)
def expm1(x: Tensor, /) -> Tensor:
    """``exp(x) - 1``, accurate near 0.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.expm1(ut.tensor([0.0, 1e-10]))
        tensor([0.e+00, 1.e-10], dtype=float32)
    """


@unary("float", float_only=True)
def log(x: Tensor, /) -> Tensor:
    """Natural logarithm.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.log(ut.tensor([1.0, 0.0, -1.0]))
        tensor([  0., -inf,  nan], dtype=float32)
    """


@unary("float", float_only=True)
def log1p(x: Tensor, /) -> Tensor:
    """``log(1 + x)``, accurate near 0.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.log1p(ut.tensor([0.0, 1e-10]))
        tensor([0.e+00, 1.e-10], dtype=float32)
    """


@unary("float", float_only=True)
def log2(x: Tensor, /) -> Tensor:
    """Base-2 logarithm.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.log2(ut.tensor([1.0, 8.0, 0.5]))
        tensor([ 0.,  3., -1.], dtype=float32)
    """


@unary("float", float_only=True)
def log10(x: Tensor, /) -> Tensor:
    """Base-10 logarithm.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.log10(ut.tensor([1.0, 100.0]))
        tensor([0., 2.], dtype=float32)
    """


@unary("float", float_only=True)
def sin(x: Tensor, /) -> Tensor:
    """Sine (radians).

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.sin(ut.tensor([0.0, ut.pi / 2]))
        tensor([0., 1.], dtype=float32)
    """


@unary("float", float_only=True)
def cos(x: Tensor, /) -> Tensor:
    """Cosine (radians).

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.cos(ut.tensor([0.0, ut.pi]))
        tensor([ 1., -1.], dtype=float32)
    """


@unary("float", float_only=True)
def tan(x: Tensor, /) -> Tensor:
    """Tangent (radians).

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.tan(ut.tensor([0.0, 1.0]))
        tensor([0.       , 1.55740...], dtype=float32)
    """


@unary("float", float_only=True)
def asin(x: Tensor, /) -> Tensor:
    """Inverse sine.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.asin(ut.tensor([0.0, 1.0]))
        tensor([0.       , 1.57079...], dtype=float32)
    """


@unary("float", float_only=True)
def acos(x: Tensor, /) -> Tensor:
    """Inverse cosine.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.acos(ut.tensor([1.0, 0.0]))
        tensor([0.       , 1.57079...], dtype=float32)
    """


@unary("float", float_only=True)
def atan(x: Tensor, /) -> Tensor:
    """Inverse tangent.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.atan(ut.tensor([0.0, 1.0]))
        tensor([0.       , 0.78539...], dtype=float32)
    """


@unary("float", float_only=True)
def sinh(x: Tensor, /) -> Tensor:
    """Hyperbolic sine.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.sinh(ut.tensor([0.0, 1.0]))
        tensor([0.       , 1.17520...], dtype=float32)
    """


@unary("float", float_only=True)
def cosh(x: Tensor, /) -> Tensor:
    """Hyperbolic cosine.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.cosh(ut.tensor([0.0, 1.0]))
        tensor([1.       , 1.54308...], dtype=float32)
    """


@unary("float", float_only=True)
def tanh(x: Tensor, /) -> Tensor:
    """Hyperbolic tangent.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.tanh(ut.tensor([0.0, 1.0, 20.0]))
        tensor([0.       , 0.76159..., 1.       ], dtype=float32)
    """


@unary("float", float_only=True)
def asinh(x: Tensor, /) -> Tensor:
    """Inverse hyperbolic sine.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.asinh(ut.tensor([0.0, 1.0]))
        tensor([0.       , 0.88137...], dtype=float32)
    """


@unary("float", float_only=True)
def acosh(x: Tensor, /) -> Tensor:
    """Inverse hyperbolic cosine.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.acosh(ut.tensor([1.0, 2.0]))
        tensor([0.      , 1.31695...], dtype=float32)
    """


@unary("float", float_only=True)
def atanh(x: Tensor, /) -> Tensor:
    """Inverse hyperbolic tangent.

    Accepts floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.atanh(ut.tensor([0.0, 0.5, 1.0]))
        tensor([0.        , 0.54930...,        inf], dtype=float32)
    """


@unary("real_float", float_only=True)
def erf(x: Tensor, /) -> Tensor:
    """The Gauss error function.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.erf(ut.tensor([0.0, 1.0]))
        tensor([0.       , 0.84270...], dtype=float32)
    """


@unary("real_float", float_only=True)
def sigmoid(x: Tensor, /) -> Tensor:
    """The logistic function ``1 / (1 + exp(-x))``.

    Accepts real floating tensors; the result has the promoted dtype of the inputs.
    Integer and bool inputs are computed in the default float dtype.

    Example:
        >>> ut.sigmoid(ut.tensor([0.0, 2.0]))
        tensor([0.5     , 0.88079...], dtype=float32)
    """


@unary("real")
def floor(x: Tensor, /) -> Tensor:
    """Round toward -inf (integers unchanged).

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.floor(ut.tensor([-1.5, 1.5]))
        tensor([-2.,  1.], dtype=float32)
    """


@unary("real")
def ceil(x: Tensor, /) -> Tensor:
    """Round toward +inf (integers unchanged).

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.ceil(ut.tensor([-1.5, 1.5]))
        tensor([-1.,  2.], dtype=float32)
    """


@unary("real")
def trunc(x: Tensor, /) -> Tensor:
    """Round toward 0 (integers unchanged).

    Accepts real numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.trunc(ut.tensor([-1.5, 1.5]))
        tensor([-1.,  1.], dtype=float32)
    """


@unary("numeric")
def round(x: Tensor, /) -> Tensor:
    """Round to the nearest integer, halves to even.

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.round(ut.tensor([0.5, 1.5, 2.5, -0.5]))
        tensor([ 0.,  2.,  2., -0.], dtype=float32)
    """


@unary("numeric", result="bool")
def isnan(x: Tensor, /) -> Tensor:
    """Whether each element is NaN.

    Accepts numeric tensors; the result has ``bool``.

    Example:
        >>> ut.isnan(ut.tensor([1.0, float("nan"), float("inf")]))
        tensor([False,  True, False], dtype=bool)
    """


@unary("numeric", result="bool")
def isinf(x: Tensor, /) -> Tensor:
    """Whether each element is +inf or -inf.

    Accepts numeric tensors; the result has ``bool``.

    Example:
        >>> ut.isinf(ut.tensor([1.0, float("nan"), float("-inf")]))
        tensor([False, False,  True], dtype=bool)
    """


@unary("numeric", result="bool")
def isfinite(x: Tensor, /) -> Tensor:
    """Whether each element is finite.

    Accepts numeric tensors; the result has ``bool``.

    Example:
        >>> ut.isfinite(ut.tensor([1.0, float("nan"), float("inf")]))
        tensor([ True, False, False], dtype=bool)
    """


@unary("numeric", result="real", compute=_real_of)
def real(x: Tensor, /) -> Tensor:
    """The real part (the input itself for real tensors).

    Accepts numeric tensors; the result has the input dtype (the real dtype of matching
    precision for complex input).

    Example:
        >>> ut.real(ut.tensor([1 + 2j, 3 - 4j]))
        tensor([1., 3.], dtype=float32)
    """


@unary("numeric", result="real", compute=_imag_of)
def imag(x: Tensor, /) -> Tensor:
    """The imaginary part (zeros for real tensors).

    Accepts numeric tensors; the result has the input dtype (the real dtype of matching
    precision for complex input).

    Example:
        >>> ut.imag(ut.tensor([1 + 2j, 3 - 4j]))
        tensor([ 2., -4.], dtype=float32)
    """


@unary("numeric", compute=_conj_of)
def conj(x: Tensor, /) -> Tensor:
    """Complex conjugate (the input itself for real tensors).

    Accepts numeric tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.conj(ut.tensor([1 + 2j, 3 - 4j]))
        tensor([1.-2.j, 3.+4.j], dtype=complex64)
    """


@unary("float", float_only=True, compute=_reciprocal_of)
def reciprocal(x: Tensor, /) -> Tensor:
    """``1 / x``, element-wise (the Array API 2024.12 function; ``1 / 0`` is ``inf``).

    Accepts floating tensors; the result has the input dtype.  Integer and bool inputs
    are computed in the default float dtype.

    Example:
        >>> ut.reciprocal(ut.tensor([2.0, -0.5, 0.0]))
        tensor([ 0.5, -2. ,  inf], dtype=float32)
    """


@unary("any", result="bool", compute=_logical_not_of)
def logical_not(x: Tensor, /) -> Tensor:
    """Logical NOT; non-bool inputs count as ``x != 0``.

    Accepts any tensors; the result has ``bool``.

    Example:
        >>> ut.logical_not(ut.tensor([0, 1, 2]))
        tensor([ True, False, False], dtype=bool)
    """


@unary("int_bool")
def bitwise_invert(x: Tensor, /) -> Tensor:
    """Bitwise NOT, ``~x``.

    Accepts integer or bool tensors; the result has the promoted dtype of the inputs.

    Example:
        >>> ut.bitwise_invert(ut.tensor([0, 5], dtype=ut.int8))
        tensor([-1, -6], dtype=int8)
    """


# PyTorch and NumPy spellings
neg = negative
absolute = abs
