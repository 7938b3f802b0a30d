"""The TensorFlow backend's ``elementwise`` section: one- and two-input element-wise
primitives, and the Python scalars they take.

Hot primitives call ``tf.raw_ops`` directly: the public ``tf.math`` wrappers spend most
of a small op's time in Python dispatch (``tf.add`` on a 64x64 tensor takes ~42 us here,
``tf.raw_ops.AddV2`` ~15 us).  Raw ops are recorded by ``tf.GradientTape`` and traced by
``tf.function`` like any other op.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from ..contract import Native
from .core import _INT_OF_FLOAT, _REAL_OF, _SMALL_INTS, _UNSIGNED, _WIDER, _const, _scalar, raw


def _by_parts(fn: Callable[[Native], Native], x: Native) -> Native:
    """Apply ``fn`` to the real and imaginary parts of complex ``x`` separately."""
    real_dtype = _REAL_OF[x.dtype]
    re = fn(raw.Real(input=x, Tout=real_dtype))
    im = fn(raw.Imag(input=x, Tout=real_dtype))
    return raw.Complex(real=re, imag=im, Tout=x.dtype)


def _widen_small(fn: Callable[..., Native], wider: Any = _SMALL_INTS
                 ) -> Callable[..., Native]:
    """Run ``fn`` in int32 for int8/int16/uint8 inputs (or, with ``wider=_WIDER``, in the
    wider dtype of each of those dtypes), which some kernels lack, and cast the (wrapping)
    result back (such inputs are always tensors)."""
    into = {d: _WIDER.get(d, tf.int32) for d in wider}

    def wrapper(*xs: Native) -> Native:
        first = xs[0]  # (a Python scalar may come first: 2 ** x)
        d = first.dtype if hasattr(first, "dtype") else xs[1].dtype
        wide = into.get(d)
        if wide is not None:
            out = fn(*(raw.Cast(x=x, DstT=wide) for x in xs))
            return raw.Cast(x=out, DstT=d)
        return fn(*xs)

    return wrapper


class ElementwiseOps:
    """The contract's ``elementwise`` section."""

    # -- one input

    @staticmethod
    def abs(x):
        if x.dtype.is_complex:
            return raw.ComplexAbs(x=x, Tout=_REAL_OF[x.dtype])
        if x.dtype in _UNSIGNED:  # (no Abs kernel; unsigned values are their magnitude)
            return x
        return raw.Abs(x=x)

    @staticmethod
    def negative(x):
        if x.dtype in _UNSIGNED:  # no Neg kernel for unsigned; 0 - x wraps the same way
            return raw.Sub(x=tf.zeros((), x.dtype), y=x)
        return raw.Neg(x=x)

    @staticmethod
    def sign(x):
        if x.dtype in _UNSIGNED:  # no Sign kernel either
            return raw.Cast(x=raw.Greater(x=x, y=tf.zeros((), x.dtype)), DstT=x.dtype)
        return raw.Sign(x=x)

    @staticmethod
    def signbit(x):
        bits = tf.bitcast(x, _INT_OF_FLOAT[x.dtype])
        return raw.Less(x=bits, y=tf.zeros((), bits.dtype))

    sqrt = staticmethod(lambda x: raw.Sqrt(x=x))

    @staticmethod
    def sqrt_complex(x):
        # TF gives sqrt(-inf - 0j) = +inf j; the principal root's imaginary part has the
        # sign of x's (sqrt(conj(x)) == conj(sqrt(x))).
        out = raw.Sqrt(x=x)
        real_dtype = _REAL_OF[x.dtype]
        im = ElementwiseOps.copysign(raw.Imag(input=out, Tout=real_dtype),
                                        raw.Imag(input=x, Tout=real_dtype))
        return raw.Complex(real=raw.Real(input=out, Tout=real_dtype), imag=im, Tout=x.dtype)

    @staticmethod
    def square(x):
        return raw.Mul(x=x, y=x)

    exp = staticmethod(lambda x: raw.Exp(x=x))
    expm1 = staticmethod(lambda x: raw.Expm1(x=x))
    log = staticmethod(lambda x: raw.Log(x=x))
    log1p = staticmethod(lambda x: raw.Log1p(x=x))

    @staticmethod
    def log_complex(x):
        # TF's complex Log computes log(|x|**2) / 2, which overflows to NaN beyond ~1e154
        # and underflows below ~1e-154: log|x| (ComplexAbs is hypot) + atan2(b, a) j.
        real_dtype = _REAL_OF[x.dtype]
        re = raw.Log(x=raw.ComplexAbs(x=x, Tout=real_dtype))
        im = raw.Atan2(y=raw.Imag(input=x, Tout=real_dtype), x=raw.Real(input=x, Tout=real_dtype))
        return raw.Complex(real=re, imag=im, Tout=x.dtype)

    @staticmethod
    def log2(x):  # TF has no log2 kernel
        lx = raw.Log(x=x)
        return raw.Mul(x=lx, y=_const(1 / math.log(2), lx))

    @staticmethod
    def log10(x):  # nor log10
        lx = raw.Log(x=x)
        return raw.Mul(x=lx, y=_const(1 / math.log(10), lx))

    @staticmethod
    def log2_complex(x):  # scale each part: a complex product would make inf * 0 = NaN
        return _by_parts(lambda p: raw.Mul(x=p, y=_const(1 / math.log(2), p)),
                         ElementwiseOps.log_complex(x))

    @staticmethod
    def log10_complex(x):
        return _by_parts(lambda p: raw.Mul(x=p, y=_const(1 / math.log(10), p)),
                         ElementwiseOps.log_complex(x))

    sin = staticmethod(lambda x: raw.Sin(x=x))
    cos = staticmethod(lambda x: raw.Cos(x=x))
    tan = staticmethod(lambda x: raw.Tan(x=x))
    asin = staticmethod(lambda x: raw.Asin(x=x))
    acos = staticmethod(lambda x: raw.Acos(x=x))
    atan = staticmethod(lambda x: raw.Atan(x=x))
    sinh = staticmethod(lambda x: raw.Sinh(x=x))
    cosh = staticmethod(lambda x: raw.Cosh(x=x))
    tanh = staticmethod(lambda x: raw.Tanh(x=x))
    asinh = staticmethod(lambda x: raw.Asinh(x=x))
    acosh = staticmethod(lambda x: raw.Acosh(x=x))
    atanh = staticmethod(lambda x: raw.Atanh(x=x))

    @staticmethod
    def erf(x):
        if x.dtype is tf.float64:
            # TF's float64 Erf gives NaN for +-inf (TF 2.21, with oneDNN on or off; its
            # other dtypes give +-1)
            return raw.SelectV2(condition=raw.IsInf(x=x), t=raw.Sign(x=x), e=raw.Erf(x=x))
        return raw.Erf(x=x)

    @staticmethod
    def floor(x):
        if x.dtype.is_integer:
            return x
        return raw.Floor(x=x)

    @staticmethod
    def ceil(x):
        if x.dtype.is_integer:
            return x
        return raw.Ceil(x=x)

    @staticmethod
    def trunc(x):
        if x.dtype.is_integer:
            return x
        # no trunc kernel; ceil of negatives keeps -0.0 (trunc(-0.5) == -0.0)
        return raw.SelectV2(condition=raw.Less(x=x, y=_const(0, x)), t=raw.Ceil(x=x),
                            e=raw.Floor(x=x))

    @staticmethod
    def round(x):
        if x.dtype.is_integer:
            return x
        if x.dtype.is_complex:
            return _by_parts(lambda p: raw.Round(x=p), x)
        return raw.Round(x=x)  # half to even, as the contract asks

    @staticmethod
    def isnan(x):
        if x.dtype.is_complex:
            return ElementwiseOps._any_part(x, lambda p: raw.IsNan(x=p))
        if not x.dtype.is_floating:
            return tf.zeros_like(x, dtype=tf.bool)
        return raw.IsNan(x=x)

    @staticmethod
    def isinf(x):
        if x.dtype.is_complex:
            return ElementwiseOps._any_part(x, lambda p: raw.IsInf(x=p))
        if not x.dtype.is_floating:
            return tf.zeros_like(x, dtype=tf.bool)
        return raw.IsInf(x=x)

    @staticmethod
    def isfinite(x):
        if x.dtype.is_complex:
            return raw.LogicalNot(
                x=ElementwiseOps._any_part(x, lambda p: raw.LogicalNot(x=raw.IsFinite(x=p)))
            )
        if not x.dtype.is_floating:
            return tf.ones_like(x, dtype=tf.bool)
        return raw.IsFinite(x=x)

    @staticmethod
    def _any_part(x, test):
        real_dtype = _REAL_OF[x.dtype]
        return raw.LogicalOr(x=test(raw.Real(input=x, Tout=real_dtype)),
                             y=test(raw.Imag(input=x, Tout=real_dtype)))

    @staticmethod
    def real(x):
        return raw.Real(input=x, Tout=_REAL_OF[x.dtype])

    @staticmethod
    def imag(x):
        return raw.Imag(input=x, Tout=_REAL_OF[x.dtype])

    conj = staticmethod(lambda x: raw.Conj(input=x))

    @staticmethod
    def complex(real, imag):
        out = tf.complex128 if real.dtype == tf.float64 else tf.complex64
        return raw.Complex(real=real, imag=imag, Tout=out)
    logical_not = staticmethod(lambda x: raw.LogicalNot(x=x))

    @staticmethod
    def bitwise_invert(x):
        if x.dtype == tf.bool:
            return raw.LogicalNot(x=x)
        return raw.Invert(x=x)

    sigmoid = staticmethod(lambda x: raw.Sigmoid(x=x))
    relu = staticmethod(lambda x: raw.Relu(features=x))

    @staticmethod
    def gelu(x, approximate):
        # tf.nn.gelu builds its constants (1/sqrt(2), 0.044715) as float32 tensors and casts
        # them, so in float64 it is off by ~1e-8 relative; in float16/bfloat16 it rounds
        # every intermediate step.  Compute with constants of the input's precision, and
        # half types in float32 rounded once (as PyTorch does).
        d = x.dtype
        if d in (tf.float16, tf.bfloat16):
            wide = ElementwiseOps.gelu(raw.Cast(x=x, DstT=tf.float32), approximate)
            return raw.Cast(x=wide, DstT=d)
        half_x = raw.Mul(x=x, y=tf.constant(0.5, d))
        if approximate:  # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
            cube = raw.Mul(x=raw.Mul(x=x, y=x), y=x)
            inner = raw.AddV2(x=x, y=raw.Mul(x=cube, y=tf.constant(0.044715, d)))
            t = raw.Tanh(x=raw.Mul(x=inner, y=tf.constant(0.7978845608028654, d)))
            return raw.Mul(x=half_x, y=raw.AddV2(x=t, y=tf.constant(1.0, d)))
        # 0.5 x erfc(-x / sqrt(2)): equal to 0.5 x (1 + erf(x / sqrt(2))) and accurate in
        # the negative tail, where 1 + erf cancels.
        scaled = raw.Mul(x=x, y=tf.constant(-0.7071067811865476, d))
        return raw.Mul(x=half_x, y=raw.Erfc(x=scaled))

    @staticmethod
    def silu(x):
        return tf.nn.silu(x)

    # -- two inputs

    add = staticmethod(lambda x1, x2: raw.AddV2(x=x1, y=x2))
    subtract = staticmethod(lambda x1, x2: raw.Sub(x=x1, y=x2))
    multiply = staticmethod(lambda x1, x2: raw.Mul(x=x1, y=x2))
    divide = staticmethod(lambda x1, x2: raw.RealDiv(x=x1, y=x2))

    @staticmethod
    def floor_divide(x1, x2):
        x1, x2 = _tensors(x1, x2)
        if not x1.dtype.is_floating:
            return raw.FloorDiv(x=x1, y=x2)
        # TF computes floor(x1 / x2), which rounds differently from NumPy and torch
        # (floor_divide(1, 0.1) is 10 in TF, 9 in NumPy); this is NumPy's npy_divmod.
        return _divmod_float(x1, x2)[0]

    @staticmethod
    def remainder(x1, x2):
        x1, x2 = _tensors(x1, x2)
        if not x1.dtype.is_floating:
            return raw.FloorMod(x=x1, y=x2)
        return _divmod_float(x1, x2)[1]  # TF's FloorMod gets the sign of zero wrong

    # (no Pow kernel for any unsigned dtype: uint64 in int64 wraps the same)
    # x ** 2 as Square: the same correctly rounded x * x, where TF's Pow kernel runs the
    # general power function (several times slower; torch.pow special-cases 2 itself)
    pow = staticmethod(_widen_small(lambda x1, x2: raw.Square(x=x1) if (
        (type(x2) is int or type(x2) is float) and x2 == 2) else raw.Pow(x=x1, y=x2), _WIDER))
    maximum = staticmethod(_widen_small(lambda x1, x2: raw.Maximum(x=x1, y=x2)))
    minimum = staticmethod(_widen_small(lambda x1, x2: raw.Minimum(x=x1, y=x2)))
    atan2 = staticmethod(lambda x1, x2: raw.Atan2(y=x1, x=x2))

    @staticmethod
    def hypot(x1, x2):  # no kernel: scale by the larger magnitude to avoid overflow
        x1, x2 = _tensors(x1, x2)
        a, b = raw.Abs(x=x1), raw.Abs(x=x2)
        big, small = raw.Maximum(x=a, y=b), raw.Minimum(x=a, y=b)
        zero = tf.zeros((), big.dtype)
        safe = raw.SelectV2(condition=raw.Equal(x=big, y=zero), t=tf.ones((), big.dtype), e=big)
        ratio = raw.RealDiv(x=small, y=safe)
        out = raw.Mul(x=big, y=raw.Sqrt(x=raw.AddV2(x=tf.ones((), big.dtype),
                                                    y=raw.Mul(x=ratio, y=ratio))))
        inf = raw.LogicalOr(x=raw.IsInf(x=a), y=raw.IsInf(x=b))
        return raw.SelectV2(condition=inf, t=tf.constant(np.inf, big.dtype), e=out)

    @staticmethod
    def copysign(x1, x2):
        x1, x2 = _tensors(x1, x2)
        magnitude = raw.Abs(x=x1)
        negative = ElementwiseOps.signbit(tf.broadcast_to(x2, tf.shape(x2)))
        return raw.SelectV2(condition=negative, t=raw.Neg(x=magnitude), e=magnitude)

    @staticmethod
    def logaddexp(x1, x2):
        x1, x2 = _tensors(x1, x2)
        big = raw.Maximum(x=x1, y=x2)
        diff = raw.Neg(x=raw.Abs(x=raw.Sub(x=x1, y=x2)))
        out = raw.AddV2(x=big, y=raw.Log1p(x=raw.Exp(x=diff)))
        # equal infinities make the difference NaN; the answer is that infinity
        same = raw.Equal(x=x1, y=x2)
        return raw.SelectV2(condition=raw.LogicalAnd(x=same, y=raw.IsInf(x=x1)), t=big, e=out)

    equal = staticmethod(lambda x1, x2: raw.Equal(x=x1, y=x2))
    not_equal = staticmethod(lambda x1, x2: raw.NotEqual(x=x1, y=x2))
    less = staticmethod(lambda x1, x2: raw.Less(x=x1, y=x2))
    less_equal = staticmethod(lambda x1, x2: raw.LessEqual(x=x1, y=x2))
    greater = staticmethod(lambda x1, x2: raw.Greater(x=x1, y=x2))
    greater_equal = staticmethod(lambda x1, x2: raw.GreaterEqual(x=x1, y=x2))
    logical_and = staticmethod(lambda x1, x2: raw.LogicalAnd(x=x1, y=x2))
    logical_or = staticmethod(lambda x1, x2: raw.LogicalOr(x=x1, y=x2))
    logical_xor = staticmethod(lambda x1, x2: raw.NotEqual(x=x1, y=x2))

    @staticmethod
    def bitwise_and(x1, x2):
        x1, x2 = _tensors(x1, x2)
        if x1.dtype == tf.bool:
            return raw.LogicalAnd(x=x1, y=x2)
        return raw.BitwiseAnd(x=x1, y=x2)

    @staticmethod
    def bitwise_or(x1, x2):
        x1, x2 = _tensors(x1, x2)
        if x1.dtype == tf.bool:
            return raw.LogicalOr(x=x1, y=x2)
        return raw.BitwiseOr(x=x1, y=x2)

    @staticmethod
    def bitwise_xor(x1, x2):
        x1, x2 = _tensors(x1, x2)
        if x1.dtype == tf.bool:
            return raw.NotEqual(x=x1, y=x2)
        return raw.BitwiseXor(x=x1, y=x2)

    @staticmethod
    def bitwise_left_shift(x1, x2):
        # TF leaves shifts by the bit width or more undefined; the contract says 0.
        x1, x2 = _tensors(x1, x2)
        width = _const(x1.dtype.size * 8, x2)
        too_far = raw.GreaterEqual(x=x2, y=width)
        safe = raw.SelectV2(condition=too_far, t=tf.zeros((), x2.dtype), e=x2)
        shifted = raw.LeftShift(x=x1, y=safe)
        return raw.SelectV2(condition=too_far, t=tf.zeros((), x1.dtype), e=shifted)

    @staticmethod
    def bitwise_right_shift(x1, x2):
        x1, x2 = _tensors(x1, x2)
        bits = x1.dtype.size * 8
        capped = raw.Minimum(x=x2, y=_const(bits - 1, x2))  # arithmetic: sign fills
        out = raw.RightShift(x=x1, y=capped)
        if x1.dtype in _UNSIGNED:  # nothing fills an unsigned value: all bits shift out
            too_far = raw.GreaterEqual(x=x2, y=_const(bits, x2))
            out = raw.SelectV2(condition=too_far, t=tf.zeros((), x1.dtype), e=out)
        return out

    @staticmethod
    def where(condition, x1, x2):
        return raw.SelectV2(condition=condition, t=x1, e=x2)

    @staticmethod
    def clip(x, min, max):
        out = x
        if min is not None:
            out = ElementwiseOps.maximum(out, min)
        if max is not None:
            out = ElementwiseOps.minimum(out, max)
        return out

def _tensors(x1: Any, x2: Any) -> tuple[Native, Native]:
    """Element-wise primitives may get one Python scalar; make it a tensor of the other's
    dtype."""
    if not isinstance(x1, (tf.Tensor, tf.Variable)):
        x1 = _scalar(x1, x2.dtype)
    elif not isinstance(x2, (tf.Tensor, tf.Variable)):
        x2 = _scalar(x2, x1.dtype)
    return x1, x2


def _divmod_float(a: Native, b: Native) -> tuple[Native, Native]:
    """NumPy's ``npy_divmod`` for floating tensors: ``(floor_divide, remainder)``."""
    if a.dtype in (tf.float16, tf.bfloat16):  # no TruncateMod kernel: go through float32
        wide = _divmod_float(raw.Cast(x=a, DstT=tf.float32), raw.Cast(x=b, DstT=tf.float32))
        return tuple(raw.Cast(x=w, DstT=a.dtype) for w in wide)
    zero = tf.zeros((), a.dtype)
    mod = raw.TruncateMod(x=a, y=b)  # C fmod
    div = raw.RealDiv(x=raw.Sub(x=a, y=mod), y=b)
    # (mod may be subnormal: 1.0 % 1.5e-308.  TF's CPU comparisons flush subnormals to
    # zero, so mod == 0 would wrongly hold; test its bits instead.)
    mod_is_zero = _is_zero_bits(mod)
    fix = raw.LogicalAnd(
        x=raw.LogicalNot(x=mod_is_zero),
        y=raw.NotEqual(x=raw.Less(x=b, y=zero), y=ElementwiseOps.signbit(mod)),
    )
    mod = raw.SelectV2(condition=fix, t=raw.AddV2(x=mod, y=b), e=mod)
    div = raw.SelectV2(condition=fix, t=raw.Sub(x=div, y=tf.ones((), a.dtype)), e=div)
    # a zero remainder takes the sign of the divisor
    mod = raw.SelectV2(condition=raw.LogicalAnd(x=mod_is_zero, y=raw.LogicalNot(x=fix)),
                       t=ElementwiseOps.copysign(zero, b), e=mod)
    floordiv = raw.Floor(x=div)
    up = raw.Greater(x=raw.Sub(x=div, y=floordiv), y=tf.constant(0.5, a.dtype))
    floordiv = raw.SelectV2(condition=up, t=raw.AddV2(x=floordiv, y=tf.ones((), a.dtype)),
                            e=floordiv)
    quotient = raw.RealDiv(x=a, y=b)
    floordiv = raw.SelectV2(condition=raw.Equal(x=div, y=zero),
                            t=ElementwiseOps.copysign(zero, quotient), e=floordiv)
    by_zero = raw.Equal(x=b, y=zero)
    floordiv = raw.SelectV2(condition=by_zero, t=quotient, e=floordiv)
    return floordiv, mod


def _is_zero_bits(x: Native) -> Native:
    """``x == 0`` (either sign) for a real floating ``x``, from its bits: true only for
    zeros, never for subnormals, which TF's CPU comparisons flush to zero."""
    bits = tf.bitcast(x, _INT_OF_FLOAT[x.dtype])
    magnitude = raw.BitwiseAnd(x=bits, y=_const(np.iinfo(bits.dtype.as_numpy_dtype).max, bits))
    return raw.Equal(x=magnitude, y=tf.zeros((), bits.dtype))
