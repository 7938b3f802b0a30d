"""The TensorFlow backend: the contract in ``contract.py`` implemented with TensorFlow.

Hot primitives call ``tf.raw_ops`` directly: the public ``tf.math`` wrappers spend most
of a small op's time in Python dispatch (``tf.add`` on a 64x64 tensor takes ~42 us here,
``tf.raw_ops.AddV2`` ~15 us).  Raw ops are recorded by ``tf.GradientTape`` and traced
by ``tf.function`` like any other op.

TensorFlow differs from the contract in many small ways; each fix sits next to the
primitive it concerns and says what TensorFlow does on its own.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from typing import Any

import numpy as np

# TensorFlow prints C++ INFO/WARNING lines on import; keep them unless the user chose.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf

from .. import dtypes as dt
from ..devices import Device
from .contract import Backend, Native, Pads

raw = tf.raw_ops

_DTYPES = {
    dt.bool: tf.bool, dt.int8: tf.int8, dt.int16: tf.int16, dt.int32: tf.int32,
    dt.int64: tf.int64, dt.uint8: tf.uint8, dt.float16: tf.float16,
    dt.bfloat16: tf.bfloat16, dt.float32: tf.float32, dt.float64: tf.float64,
    dt.complex64: tf.complex64, dt.complex128: tf.complex128,
}
_FROM_NATIVE = {v: k for k, v in _DTYPES.items()}
_CPU = Device("cpu")
_REAL_OF = {tf.complex64: tf.float32, tf.complex128: tf.float64}
_INT_OF_FLOAT = {tf.float16: tf.int16, tf.bfloat16: tf.int16, tf.float32: tf.int32,
                 tf.float64: tf.int64}
_SMALL_INTS = (tf.int8, tf.int16, tf.uint8)


def _tf_device(device: Device | None) -> str | None:
    if device is None:
        return None
    return "/CPU:0" if device.type == "cpu" else f"/GPU:{device.index}"


def _is_float(x: Native) -> bool:
    return x.dtype.is_floating


def _is_int(x: Native) -> bool:
    return x.dtype.is_integer


def _const(value: Any, like: Native) -> Native:
    return tf.constant(value, dtype=like.dtype)


def _by_parts(fn: Callable[[Native], Native], x: Native) -> Native:
    """Apply ``fn`` to the real and imaginary parts of complex ``x`` separately."""
    real_dtype = _REAL_OF[x.dtype]
    re = fn(raw.Real(input=x, Tout=real_dtype))
    im = fn(raw.Imag(input=x, Tout=real_dtype))
    return raw.Complex(real=re, imag=im, Tout=x.dtype)


def _widen_small(fn: Callable[..., Native]) -> Callable[..., Native]:
    """Run ``fn`` in int32 for int8/int16/uint8 inputs, which some kernels lack, and cast
    the (wrapping) result back."""

    def wrapper(*xs: Native) -> Native:
        d = xs[0].dtype
        if d in _SMALL_INTS:
            out = fn(*(raw.Cast(x=x, DstT=tf.int32) for x in xs))
            return raw.Cast(x=out, DstT=d)
        return fn(*xs)

    return wrapper


def _float_only_in_wide(fn: Callable[[Native], Native]) -> Callable[[Native], Native]:
    """Run ``fn`` in float32 for float16/bfloat16 (some CPU kernels lack them)."""

    def wrapper(x: Native) -> Native:
        d = x.dtype
        if d in (tf.float16, tf.bfloat16):
            return raw.Cast(x=fn(raw.Cast(x=x, DstT=tf.float32)), DstT=d)
        return fn(x)

    return wrapper


class TensorFlowBackend(Backend):
    name = "tensorflow"
    module = tf
    native_types = (tf.Tensor, tf.Variable)
    dtype_to_native = _DTYPES
    dtype_from_native = _FROM_NATIVE

    def __init__(self) -> None:
        self._device_cache: dict[str, Device] = {}
        from ..precision import get_matmul_precision

        self.set_matmul_precision(get_matmul_precision())

    # -- plumbing ---------------------------------------------------------------------

    @staticmethod
    def shape(x: Native) -> tuple[int | None, ...]:
        return tuple(x.shape)

    def device(self, x: Native) -> Device:
        name = x.device
        found = self._device_cache.get(name)
        if found is None:
            found = Device(name.rsplit("device:", 1)[-1]) if name else _CPU
            self._device_cache[name] = found
        return found

    def devices(self) -> list[Device]:
        gpus = tf.config.list_logical_devices("GPU")
        return [_CPU] + [Device(f"gpu:{i}") for i in range(len(gpus))]

    def to_device(self, x: Native, device: Device) -> Native:
        if self.device(x) == device:
            return x
        with tf.device(_tf_device(device)):
            return tf.identity(x)

    def from_numpy(self, array: np.ndarray, device: Device | None) -> Native:
        with tf.device(_tf_device(device) or self._default_device_name()):
            return tf.convert_to_tensor(array)

    def _default_device_name(self) -> str:
        return "/GPU:0" if len(self.devices()) > 1 else "/CPU:0"

    @staticmethod
    def to_numpy(x: Native) -> np.ndarray:
        return x.numpy()

    @staticmethod
    def from_dlpack(obj: Any) -> Native:
        capsule = obj.__dlpack__() if hasattr(obj, "__dlpack__") else obj
        return tf.experimental.dlpack.from_dlpack(capsule)

    @staticmethod
    def to_dlpack(x: Native, stream: Any = None) -> Any:
        if isinstance(x, tf.Variable):
            x = x.read_value()
        return tf.experimental.dlpack.to_dlpack(x)

    def dlpack_device(self, x: Native) -> tuple[int, int]:
        d = self.device(x)
        return (1, 0) if d.type == "cpu" else (2, d.index)

    @staticmethod
    def cast(x: Native, dtype: dt.DType) -> Native:
        nd = _DTYPES[dtype]
        if x.dtype == nd:
            return x
        if nd == tf.bool:  # Cast to bool is x != 0 in TF too, but not for every source
            return raw.NotEqual(x=x, y=tf.zeros((), x.dtype))
        return raw.Cast(x=x, DstT=nd)

    @staticmethod
    def copy(x: Native) -> Native:
        # TF tensors are immutable, so a new buffer is only observable through NumPy
        # views; make one by a real computation rather than tf.identity's aliasing.
        if isinstance(x, tf.Variable):
            x = x.read_value()
        return tf.raw_ops.DeepCopy(x=x) if x.shape.is_fully_defined() else tf.identity(x)

    @staticmethod
    def assign(x: Native, value: Native) -> Native:
        if isinstance(x, tf.Variable):
            x.assign(value)
            return x
        return value

    @staticmethod
    def is_compiling() -> bool:
        return not tf.executing_eagerly()

    @staticmethod
    def set_matmul_precision(precision: str) -> None:
        # TF enables TF32 by default on Ampere and later GPUs; unitorch does not.
        tf.config.experimental.enable_tensor_float_32_execution(precision == "high")

    # -- creation ---------------------------------------------------------------------

    def arange(self, start, stop, step, dtype, device):
        n = max(0, math.ceil((stop - start) / step))
        with tf.device(_tf_device(device) or self._default_device_name()):
            if dtype.kind in "iu":
                out = tf.range(int(start), int(start) + n * int(step), int(step), dtype=tf.int64)
            else:  # start + i * step in double, as torch does (tf.range accumulates)
                out = tf.range(n, dtype=tf.float64) * step + start
            return raw.Cast(x=out, DstT=_DTYPES[dtype])

    def full(self, shape, fill_value, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return tf.fill(shape, tf.constant(fill_value, dtype=_DTYPES[dtype]))

    def eye(self, n_rows, n_cols, k, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            rows = tf.range(n_rows)[:, None]
            cols = tf.range(n_cols)[None, :]
            return raw.Cast(x=tf.equal(cols - rows, k), DstT=_DTYPES[dtype])

    def linspace(self, start, stop, num, endpoint, dtype, device):
        # The same two-sided formula as torch.linspace, so both backends agree to the bit:
        # the first half counts up from start, the second half down from stop.
        wide = tf.complex128 if dtype.kind == "c" else tf.float64
        with tf.device(_tf_device(device) or self._default_device_name()):
            steps = num + (0 if endpoint else 1)
            if steps <= 1:
                out = tf.fill([steps], tf.constant(start, wide))
            else:
                start_t, stop_t = tf.constant(start, wide), tf.constant(stop, wide)
                step = (stop_t - start_t) / tf.cast(steps - 1, wide)
                i = tf.cast(tf.range(steps), wide)
                up = start_t + step * i
                down = stop_t - step * (tf.cast(steps - 1, wide) - i)
                out = tf.where(tf.range(steps) < steps // 2, up, down)
            return raw.Cast(x=out[:num], DstT=_DTYPES[dtype])

    @staticmethod
    def _band_mask(x: Native, k: int, lower: bool) -> Native:
        shape = tf.shape(x)
        rows = tf.range(shape[-2])[:, None]
        cols = tf.range(shape[-1])[None, :]
        return (cols - rows <= k) if lower else (cols - rows >= k)

    def tril(self, x, k):
        return raw.SelectV2(condition=self._band_mask(x, k, True), t=x, e=tf.zeros((), x.dtype))

    def triu(self, x, k):
        return raw.SelectV2(condition=self._band_mask(x, k, False), t=x, e=tf.zeros((), x.dtype))

    # -- element-wise, one input ---------------------------------------------------------

    @staticmethod
    def abs(x):
        if x.dtype.is_complex:
            return raw.ComplexAbs(x=x, Tout=_REAL_OF[x.dtype])
        if x.dtype == tf.uint8:
            return x
        return raw.Abs(x=x)

    @staticmethod
    def negative(x):
        if x.dtype == tf.uint8:  # no Neg kernel for uint8; 0 - x wraps the same way
            return raw.Sub(x=tf.zeros((), tf.uint8), y=x)
        return raw.Neg(x=x)

    @staticmethod
    def sign(x):
        if x.dtype == tf.uint8:
            return raw.Cast(x=raw.Greater(x=x, y=tf.zeros((), tf.uint8)), DstT=tf.uint8)
        return raw.Sign(x=x)

    @staticmethod
    def signbit(x):
        bits = tf.bitcast(x, _INT_OF_FLOAT[x.dtype])
        return raw.Less(x=bits, y=tf.zeros((), bits.dtype))

    sqrt = staticmethod(lambda x: raw.Sqrt(x=x))

    @staticmethod
    def square(x):
        return raw.Mul(x=x, y=x)

    exp = staticmethod(lambda x: raw.Exp(x=x))
    expm1 = staticmethod(lambda x: raw.Expm1(x=x))
    log = staticmethod(lambda x: raw.Log(x=x))
    log1p = staticmethod(lambda x: raw.Log1p(x=x))

    @staticmethod
    def log2(x):  # TF has no log2 kernel
        lx = raw.Log(x=x)
        return raw.Mul(x=lx, y=_const(1 / math.log(2), lx))

    @staticmethod
    def log10(x):  # nor log10
        lx = raw.Log(x=x)
        return raw.Mul(x=lx, y=_const(1 / math.log(10), lx))

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
    erf = staticmethod(lambda x: raw.Erf(x=x))

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
            return TensorFlowBackend._any_part(x, lambda p: raw.IsNan(x=p))
        if not x.dtype.is_floating:
            return tf.zeros_like(x, dtype=tf.bool)
        return raw.IsNan(x=x)

    @staticmethod
    def isinf(x):
        if x.dtype.is_complex:
            return TensorFlowBackend._any_part(x, lambda p: raw.IsInf(x=p))
        if not x.dtype.is_floating:
            return tf.zeros_like(x, dtype=tf.bool)
        return raw.IsInf(x=x)

    @staticmethod
    def isfinite(x):
        if x.dtype.is_complex:
            return raw.LogicalNot(
                x=TensorFlowBackend._any_part(x, lambda p: raw.LogicalNot(x=raw.IsFinite(x=p)))
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
        return tf.nn.gelu(x, approximate=approximate)

    @staticmethod
    def silu(x):
        return tf.nn.silu(x)

    # -- element-wise, two inputs ----------------------------------------------------------

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

    pow = staticmethod(_widen_small(lambda x1, x2: raw.Pow(x=x1, y=x2)))
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
        negative = TensorFlowBackend.signbit(tf.broadcast_to(x2, tf.shape(x2)))
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
        return raw.RightShift(x=x1, y=capped)

    @staticmethod
    def where(condition, x1, x2):
        return raw.SelectV2(condition=condition, t=x1, e=x2)

    @staticmethod
    def clip(x, min, max):
        out = x
        if min is not None:
            out = TensorFlowBackend.maximum(out, min)
        if max is not None:
            out = TensorFlowBackend.minimum(out, max)
        return out

    # -- reductions -------------------------------------------------------------------

    @staticmethod
    def sum(x, axes, keepdims, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        if x.dtype == tf.bool:
            return raw.Any(input=x, axis=list(axes), keep_dims=keepdims)
        return raw.Sum(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def prod(x, axes, keepdims, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        return raw.Prod(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def mean(x, axes, keepdims):
        return raw.Mean(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def var(x, axes, correction, keepdims):
        mean = raw.Mean(input=x, axis=list(axes), keep_dims=True)
        centered = raw.Sub(x=x, y=mean)
        squares = raw.Sum(input=raw.Mul(x=centered, y=centered), axis=list(axes),
                          keep_dims=keepdims)
        count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), list(axes))), x.dtype)
        return raw.RealDiv(x=squares, y=raw.Sub(x=count, y=_const(correction, count)))

    @staticmethod
    def max(x, axes, keepdims):
        if x.dtype == tf.bool:
            return raw.Any(input=x, axis=list(axes), keep_dims=keepdims)
        return raw.Max(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def min(x, axes, keepdims):
        if x.dtype == tf.bool:
            return raw.All(input=x, axis=list(axes), keep_dims=keepdims)
        return raw.Min(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def all(x, axes, keepdims):
        return raw.All(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def any(x, axes, keepdims):
        return raw.Any(input=x, axis=list(axes), keep_dims=keepdims)

    @staticmethod
    def _arg_extreme(x, axis, keepdims, largest):
        # tf.math.argmax ignores NaN and does not promise the first of equal elements:
        # find the extreme value (NaN wins), then the lowest index holding it.
        if x.dtype == tf.bool:
            x = raw.Cast(x=x, DstT=tf.uint8)
        reduce = raw.Max if largest else raw.Min
        best = reduce(input=x, axis=[axis], keep_dims=True)
        hit = raw.Equal(x=x, y=best)
        if x.dtype.is_floating:
            hit = raw.LogicalOr(x=hit, y=raw.LogicalAnd(x=raw.IsNan(x=x), y=raw.IsNan(x=best)))
        n = tf.shape(x, out_type=tf.int64)[axis]
        shape = [1] * len(x.shape)
        shape[axis] = -1
        positions = tf.reshape(tf.range(n, dtype=tf.int64), shape)
        candidates = raw.SelectV2(condition=hit, t=positions, e=n)
        return raw.Min(input=candidates, axis=[axis], keep_dims=keepdims)

    def argmax(self, x, axis, keepdims):
        return self._arg_extreme(x, axis, keepdims, True)

    def argmin(self, x, axis, keepdims):
        return self._arg_extreme(x, axis, keepdims, False)

    @staticmethod
    def cumsum(x, axis, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        return raw.Cumsum(x=x, axis=axis)

    @staticmethod
    def cumprod(x, axis, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        return raw.Cumprod(x=x, axis=axis)

    @staticmethod
    def logsumexp(x, axes, keepdims):
        return tf.reduce_logsumexp(x, axis=list(axes), keepdims=keepdims)

    # -- linear algebra -----------------------------------------------------------------

    @staticmethod
    def matmul(x1, x2):
        d = x1.dtype
        if d in _SMALL_INTS:  # no kernels: wrap around in int32 and cast back
            return raw.Cast(x=TensorFlowBackend.matmul(raw.Cast(x=x1, DstT=tf.int32),
                                                       raw.Cast(x=x2, DstT=tf.int32)), DstT=d)
        if d == tf.bool:
            return raw.Cast(x=TensorFlowBackend.matmul(raw.Cast(x=x1, DstT=tf.int32),
                                                       raw.Cast(x=x2, DstT=tf.int32)), DstT=d)
        v1, v2 = len(x1.shape) == 1, len(x2.shape) == 1
        a = x1[None, :] if v1 else x1
        b = x2[:, None] if v2 else x2
        if len(a.shape) == 2 and len(b.shape) == 2:
            out = raw.MatMul(a=a, b=b)
        else:
            out = raw.BatchMatMulV2(x=a, y=b)
        if v1 and v2:
            return tf.reshape(out, ())
        if v1:
            return tf.squeeze(out, -2)
        if v2:
            return tf.squeeze(out, -1)
        return out

    @staticmethod
    def tensordot(x1, x2, axes1, axes2):
        if x1.dtype in _SMALL_INTS:
            out = tf.tensordot(raw.Cast(x=x1, DstT=tf.int32), raw.Cast(x=x2, DstT=tf.int32),
                               axes=[list(axes1), list(axes2)])
            return raw.Cast(x=out, DstT=x1.dtype)
        return tf.tensordot(x1, x2, axes=[list(axes1), list(axes2)])

    @staticmethod
    def einsum(subscripts, *operands):
        d = operands[0].dtype
        if d in _SMALL_INTS or d == tf.bool:
            wide = [raw.Cast(x=o, DstT=tf.int32) for o in operands]
            return raw.Cast(x=tf.einsum(subscripts, *wide), DstT=d)
        return tf.einsum(subscripts, *operands)

    @staticmethod
    def linear(x, weight, bias):
        shape = tf.shape(x)
        flat = tf.reshape(x, [-1, shape[-1]]) if len(x.shape) != 2 else x
        out = raw.MatMul(a=flat, b=weight, transpose_b=True)
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        if len(x.shape) != 2:
            out = tf.reshape(out, tf.concat([shape[:-1], tf.shape(weight)[:1]], 0))
        return out

    @staticmethod
    def diagonal(x, offset):
        return tf.linalg.diag_part(x, k=offset)

    @staticmethod
    def cholesky(x, upper):
        lower = tf.linalg.cholesky(x)
        return tf.linalg.adjoint(lower) if upper else lower

    det = staticmethod(lambda x: tf.linalg.det(x))

    @staticmethod
    def slogdet(x):
        sign, logabsdet = tf.linalg.slogdet(x)
        return sign, logabsdet

    inv = staticmethod(lambda x: tf.linalg.inv(x))

    @staticmethod
    def solve(x1, x2):
        batch = tf.broadcast_dynamic_shape(tf.shape(x1)[:-2], tf.shape(x2)[:-2])
        a = tf.broadcast_to(x1, tf.concat([batch, tf.shape(x1)[-2:]], 0))
        b = tf.broadcast_to(x2, tf.concat([batch, tf.shape(x2)[-2:]], 0))
        return tf.linalg.solve(a, b)

    @staticmethod
    def eigh(x):
        w, v = tf.linalg.eigh(x)
        return w, v

    @staticmethod
    def qr(x, mode):
        q, r = tf.linalg.qr(x, full_matrices=mode == "complete")
        return q, r

    @staticmethod
    def svd(x, full_matrices):
        s, u, v = tf.linalg.svd(x, full_matrices=full_matrices)
        return u, s, tf.linalg.adjoint(v)

    @staticmethod
    def svdvals(x):
        return tf.linalg.svd(x, compute_uv=False)

    # -- manipulation -------------------------------------------------------------------

    reshape = staticmethod(lambda x, shape: raw.Reshape(tensor=x, shape=list(shape)))
    permute_dims = staticmethod(lambda x, axes: raw.Transpose(x=x, perm=list(axes)))

    @staticmethod
    def broadcast_to(x, shape):
        return raw.BroadcastTo(input=x, shape=list(shape))

    @staticmethod
    def concat(xs, axis):
        return raw.ConcatV2(values=list(xs), axis=axis)

    @staticmethod
    def stack(xs, axis):
        return raw.Pack(values=list(xs), axis=axis)

    @staticmethod
    def flip(x, axes):
        return raw.ReverseV2(tensor=x, axis=list(axes))

    @staticmethod
    def roll(x, shifts, axes):
        return raw.Roll(input=x, shift=list(shifts), axis=list(axes))

    @staticmethod
    def tile(x, reps):
        return raw.Tile(input=x, multiples=list(reps))

    @staticmethod
    def repeat(x, repeats, axis):
        return tf.repeat(x, repeats, axis=axis)

    @staticmethod
    def pad(x, pads: Pads, value):
        return raw.PadV2(input=x, paddings=[list(p) for p in pads],
                         constant_values=tf.constant(value, x.dtype))

    # -- indexing -----------------------------------------------------------------------

    def getitem(self, x: Native, key: tuple[Any, ...]) -> Native:
        if not any(isinstance(k, (tf.Tensor, tf.Variable)) for k in key):
            return x[key]  # basic indexing: a strided slice
        return _advanced_getitem(x, key)

    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        basic = not any(isinstance(k, (tf.Tensor, tf.Variable)) for k in key)
        if basic and isinstance(x, tf.Variable):
            x[key].assign(tf.broadcast_to(value, tf.shape(x[key])))
            return x
        # Tensors are immutable: find the flat positions the key selects and scatter.
        shape = tf.shape(x, out_type=tf.int64)
        positions = tf.reshape(tf.range(tf.reduce_prod(shape)), shape)
        selected = self.getitem(positions, key)
        coords = tf.transpose(tf.unravel_index(tf.reshape(selected, [-1]), shape))
        updates = tf.reshape(tf.broadcast_to(value, tf.shape(selected)), [-1])
        if isinstance(x, tf.Variable):
            x.scatter_nd_update(coords, updates)
            return x
        return tf.tensor_scatter_nd_update(x, coords, updates)

    @staticmethod
    def take(x, indices, axis):
        return tf.gather(x, indices, axis=axis)

    @staticmethod
    def take_along_axis(x, indices, axis):
        # Move the axis last, broadcast the other axes, and gather with batch_dims.
        ndim = len(x.shape)
        perm = [a for a in range(ndim) if a != axis] + [axis]
        xt = tf.transpose(x, perm)
        it = tf.transpose(indices, perm)
        batch = tf.broadcast_dynamic_shape(tf.shape(xt)[:-1], tf.shape(it)[:-1])
        xt = tf.broadcast_to(xt, tf.concat([batch, tf.shape(xt)[-1:]], 0))
        it = tf.broadcast_to(it, tf.concat([batch, tf.shape(it)[-1:]], 0))
        out = tf.gather(xt, it, batch_dims=ndim - 1)
        return tf.transpose(out, np.argsort(perm).tolist())

    @staticmethod
    def nonzero(x):
        coords = tf.where(x)
        return tuple(coords[:, i] for i in range(len(x.shape)))

    def sort(self, x, axis, descending, stable):
        return self.take_along_axis(x, self.argsort(x, axis, descending, True), axis)

    @staticmethod
    def argsort(x, axis, descending, stable):
        # tf.argsort negates values for ascending order (wrong for the most negative
        # integer) and does not order NaN; sort a key instead, always descending+stable
        # (top_k keeps the lower index first among equals).
        ndim = len(x.shape)
        perm = [a for a in range(ndim) if a != axis] + [axis]
        xt = tf.transpose(x, perm) if axis != ndim - 1 else x
        if xt.dtype == tf.bool:
            xt = raw.Cast(x=xt, DstT=tf.uint8)
        nan = None
        if xt.dtype.is_floating:
            nan = raw.IsNan(x=xt)
            xt = raw.SelectV2(condition=nan, t=tf.constant(np.inf, xt.dtype), e=xt)
        if not descending:
            xt = _order_reversing(xt)
        n = tf.shape(xt)[-1]
        idx = tf.math.top_k(xt, k=n, sorted=True).indices
        if nan is not None:
            # second stable pass: NaN above +inf (last ascending, first descending)
            nan_key = raw.Cast(x=tf.gather(nan, idx, batch_dims=ndim - 1), DstT=tf.int8)
            if not descending:
                nan_key = raw.Neg(x=nan_key)
            order = tf.math.top_k(nan_key, k=n, sorted=True).indices
            idx = tf.gather(idx, order, batch_dims=ndim - 1)
        idx = raw.Cast(x=idx, DstT=tf.int64)
        return tf.transpose(idx, np.argsort(perm).tolist()) if axis != ndim - 1 else idx

    def topk(self, x, k, axis, largest):
        idx = self.argsort(x, axis, largest, True)
        idx = tf.gather(idx, tf.range(k), axis=axis)
        return self.take_along_axis(x, idx, axis), idx

    @staticmethod
    def searchsorted(sorted_sequence, values, right):
        flat = tf.reshape(values, [1, -1])
        out = tf.searchsorted(sorted_sequence[None, :], flat,
                              side="right" if right else "left", out_type=tf.int64)
        return tf.reshape(out, tf.shape(values))

    def unique(self, x):
        values, idx, counts = tf.unique_with_counts(x, out_idx=tf.int64)
        order = self.argsort(values, 0, False, True)
        rank = tf.math.invert_permutation(order)
        n = tf.shape(x, out_type=tf.int64)[0]
        first = tf.math.unsorted_segment_min(tf.range(n), idx, tf.shape(values)[0])
        return (tf.gather(values, order), tf.gather(first, order), tf.gather(rank, idx),
                raw.Cast(x=tf.gather(counts, order), DstT=tf.int64))

    # -- neural-network kernels (TF's CPU kernels are NHWC: transpose around them) -------

    @staticmethod
    def softmax(x, axis):
        return tf.nn.softmax(x, axis=axis)

    @staticmethod
    def log_softmax(x, axis):
        return tf.nn.log_softmax(x, axis=axis)

    @staticmethod
    def conv2d(x, weight, bias, stride, padding, dilation, groups):
        nhwc = raw.Transpose(x=x, perm=[0, 2, 3, 1])
        kernel = raw.Transpose(x=weight, perm=[2, 3, 1, 0])  # OIHW -> HWIO
        (top, bottom), (left, right) = padding
        out = tf.nn.conv2d(nhwc, kernel, strides=[1, *stride, 1],
                           padding=[[0, 0], [top, bottom], [left, right], [0, 0]],
                           dilations=[1, *dilation, 1])
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    @staticmethod
    def max_pool2d(x, kernel, stride, padding):
        (top, bottom), (left, right) = padding
        nhwc = raw.Transpose(x=x, perm=[0, 2, 3, 1])
        if top or bottom or left or right:
            nhwc = tf.pad(nhwc, [[0, 0], [top, bottom], [left, right], [0, 0]],
                          constant_values=float("-inf"))
        out = tf.nn.max_pool2d(nhwc, kernel, stride, "VALID")
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    @staticmethod
    def avg_pool2d(x, kernel, stride, padding, count_include_pad):
        (top, bottom), (left, right) = padding
        pads = [[0, 0], [top, bottom], [left, right], [0, 0]]
        nhwc = tf.pad(raw.Transpose(x=x, perm=[0, 2, 3, 1]), pads)
        out = tf.nn.avg_pool2d(nhwc, kernel, stride, "VALID")
        if not count_include_pad and (top or bottom or left or right):
            ones = tf.pad(tf.ones_like(nhwc[:1, :, :, :1])[:, top:tf.shape(nhwc)[1] - bottom,
                                                               left:tf.shape(nhwc)[2] - right],
                          pads)
            out = out / tf.nn.avg_pool2d(ones, kernel, stride, "VALID")
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    # -- compiling ----------------------------------------------------------------------

    @staticmethod
    def compile(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        return tf.function(fn, **options)


# ---------------------------------------------------------------------------------------
# helpers


def _tensors(x1: Any, x2: Any) -> tuple[Native, Native]:
    """Element-wise primitives may get one Python scalar; make it a tensor of the other's
    dtype."""
    if not isinstance(x1, (tf.Tensor, tf.Variable)):
        x1 = tf.constant(x1, dtype=x2.dtype)
    elif not isinstance(x2, (tf.Tensor, tf.Variable)):
        x2 = tf.constant(x2, dtype=x1.dtype)
    return x1, x2


def _divmod_float(a: Native, b: Native) -> tuple[Native, Native]:
    """NumPy's ``npy_divmod`` for floating tensors: ``(floor_divide, remainder)``."""
    if a.dtype in (tf.float16, tf.bfloat16):  # no TruncateMod kernel: go through float32
        wide = _divmod_float(raw.Cast(x=a, DstT=tf.float32), raw.Cast(x=b, DstT=tf.float32))
        return tuple(raw.Cast(x=w, DstT=a.dtype) for w in wide)
    zero = tf.zeros((), a.dtype)
    mod = raw.TruncateMod(x=a, y=b)  # C fmod
    div = raw.RealDiv(x=raw.Sub(x=a, y=mod), y=b)
    fix = raw.LogicalAnd(
        x=raw.NotEqual(x=mod, y=zero),
        y=raw.NotEqual(x=raw.Less(x=b, y=zero), y=raw.Less(x=mod, y=zero)),
    )
    mod = raw.SelectV2(condition=fix, t=raw.AddV2(x=mod, y=b), e=mod)
    div = raw.SelectV2(condition=fix, t=raw.Sub(x=div, y=tf.ones((), a.dtype)), e=div)
    # a zero remainder takes the sign of the divisor
    mod = raw.SelectV2(condition=raw.Equal(x=mod, y=zero),
                       t=TensorFlowBackend.copysign(zero, b), e=mod)
    floordiv = raw.Floor(x=div)
    up = raw.Greater(x=raw.Sub(x=div, y=floordiv), y=tf.constant(0.5, a.dtype))
    floordiv = raw.SelectV2(condition=up, t=raw.AddV2(x=floordiv, y=tf.ones((), a.dtype)),
                            e=floordiv)
    quotient = raw.RealDiv(x=a, y=b)
    floordiv = raw.SelectV2(condition=raw.Equal(x=div, y=zero),
                            t=TensorFlowBackend.copysign(zero, quotient), e=floordiv)
    by_zero = raw.Equal(x=b, y=zero)
    floordiv = raw.SelectV2(condition=by_zero, t=quotient, e=floordiv)
    return floordiv, mod


def _order_reversing(x: Native) -> Native:
    """A key whose descending order is ``x``'s ascending order, without overflow."""
    if x.dtype.is_floating:
        return raw.Neg(x=x)
    if x.dtype.is_unsigned:
        return raw.Sub(x=tf.constant(x.dtype.max, x.dtype), y=x)
    return raw.Invert(x=x)  # ~x == -x - 1 for signed integers: order-reversing, no overflow


def _advanced_getitem(x: Native, key: tuple[Any, ...]) -> Native:
    """NumPy advanced indexing on TF: basic part first, then one gather_nd."""
    is_adv = [isinstance(k, (tf.Tensor, tf.Variable, int)) and k is not None for k in key]
    # With an index tensor present, NumPy treats integers as 0-d index arrays too.
    basic_key = tuple(slice(None) if adv else k for k, adv in zip(key, is_adv))
    y = x[basic_key] if basic_key else x
    # axes of y that the advanced entries index, in key order
    adv_axes, axis = [], 0
    for adv in is_adv:
        if adv:
            adv_axes.append(axis)
        axis += 1
    rest = [a for a in range(len(y.shape)) if a not in adv_axes]
    y = tf.transpose(y, adv_axes + rest)
    index = [tf.cast(k, tf.int64) for k, adv in zip(key, is_adv) if adv]
    bshape = tf.shape(index[0], out_type=tf.int64)
    for i in index[1:]:
        bshape = tf.broadcast_dynamic_shape(bshape, tf.shape(i, out_type=tf.int64))
    stacked = tf.stack([tf.broadcast_to(i, bshape) for i in index], axis=-1)
    out = tf.gather_nd(y, stacked)
    positions = [i for i, adv in enumerate(is_adv) if adv]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    if adjacent and positions[0] > 0:
        # the broadcast axes replace the indexed ones in place
        nb = len(out.shape) - len(rest)
        lead = positions[0]  # axes of y before the first advanced entry
        perm = list(range(nb, nb + lead)) + list(range(nb)) + list(range(nb + lead, len(out.shape)))
        out = tf.transpose(out, perm)
    return out


BACKEND = TensorFlowBackend()
