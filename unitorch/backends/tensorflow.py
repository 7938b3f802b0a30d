"""The TensorFlow backend: the contract in ``contract.py`` implemented with TensorFlow.

Hot primitives call ``tf.raw_ops`` directly: the public ``tf.math`` wrappers spend most
of a small op's time in Python dispatch (``tf.add`` on a 64x64 tensor takes ~42 us here,
``tf.raw_ops.AddV2`` ~15 us).  Raw ops are recorded by ``tf.GradientTape`` and traced
by ``tf.function`` like any other op.

TensorFlow differs from the contract in many small ways; each fix sits next to the
primitive it concerns and says what TensorFlow does on its own.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np

# TensorFlow prints C++ INFO/WARNING lines on import; keep them unless the user chose.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
from tensorflow.python import pywrap_tfe as _pywrap_tfe  # the tapes' on/off switches
from tensorflow.python.eager import record as _record
from tensorflow.python.eager.context import executing_eagerly as _executing_eagerly
from tensorflow.python.ops import resource_variable_ops as _resource_variable_ops

from .. import dtypes as dt
from ..devices import Device
from .contract import Backend, GradTape, Native, Pads

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


def _scalar(value: Any, dtype: Any) -> Native:
    """``tf.constant(value, dtype)`` for a Python scalar, keeping the sign of zero.

    Eagerly, TensorFlow converts Python numbers through a cache keyed by Python
    equality, where ``0.0 == -0.0``: on its own ``tf.constant(-0.0)`` returns the
    cached ``+0.0`` made earlier (or the reverse), and likewise for complex numbers
    with a zero part.  A 0-d NumPy array is never cached.
    """
    if isinstance(value, (float, complex)) and (value.real == 0 or value.imag == 0):
        value = np.array(value)
    return tf.constant(value, dtype)


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
    compile_training = True  # eager TensorFlow is ~10x slower than tf.function on small steps

    def __init__(self) -> None:
        self._device_cache: dict[str, Device] = {}
        from ..precision import get_matmul_precision

        self.set_matmul_precision(get_matmul_precision())

    # -- plumbing ---------------------------------------------------------------------

    @staticmethod
    def shape(x: Native) -> tuple[int | None, ...]:
        # _shape_tuple is the C-level shape of eager, symbolic and variable tensors
        # (half the cost of building a TensorShape); None where the rank is unknown
        found = x._shape_tuple()
        return tuple(x.shape) if found is None else found

    @staticmethod
    def ndim(x: Native) -> int:
        return x.shape.rank

    def device(self, x: Native) -> Device:
        name = x.device
        found = self._device_cache.get(name)
        if found is None:
            # a traced op may carry no device part ('/job:localhost/replica:0/task:0'):
            # it runs on the default device
            found = Device(name.rsplit("device:", 1)[-1]) if "device:" in name else \
                self._fallback_device()
            self._device_cache[name] = found
        return found

    def _fallback_device(self) -> Device:
        return Device(self._default_device_name())

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
        return np.asarray(x.numpy())  # .numpy() of a 0-d tensor is a NumPy scalar

    @staticmethod
    def from_dlpack(obj: Any) -> Native:
        # TensorFlow's kernels assume 64-byte aligned buffers and abort the process
        # ("Check failed: IsAligned()") on a misaligned one, which DLPack happily imports
        # (a torch tensor sharing a NumPy array's memory, a view at an offset...).  Host
        # buffers are checked through NumPy and copied when misaligned.
        if hasattr(obj, "__dlpack_device__") and obj.__dlpack_device__()[0] == 1:  # CPU
            host = np.from_dlpack(obj)
            if host.ctypes.data % 64 or not host.flags.c_contiguous:
                return tf.convert_to_tensor(np.array(host))
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
        if x.dtype is nd:  # tf.DType objects are interned
            return x
        if nd is tf.bool:  # Cast to bool is x != 0 in TF too, but not for every source
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
        if all(isinstance(v, int) for v in (start, stop, step)):
            n = max(0, -((start - stop) // step))
        else:
            n = max(0, math.ceil((stop - start) / step))
        with tf.device(_tf_device(device) or self._default_device_name()):
            # start + i * step (tf.range accumulates, and its limit may overflow int64)
            if dtype.kind in "iu":
                i = tf.range(n, dtype=tf.int64)
                out = i * tf.constant(int(step), tf.int64) + tf.constant(int(start), tf.int64)
            else:
                out = tf.range(n, dtype=tf.float64) * step + start
            return raw.Cast(x=out, DstT=_DTYPES[dtype])

    def full(self, shape, fill_value, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return tf.fill(shape, _scalar(fill_value, _DTYPES[dtype]))

    def eye(self, n_rows, n_cols, k, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            rows = tf.range(n_rows)[:, None]
            cols = tf.range(n_cols)[None, :]
            return raw.Cast(x=tf.equal(cols - rows, k), DstT=_DTYPES[dtype])

    def linspace(self, start, stop, num, endpoint, dtype, device):
        # The contract's two-sided formula (torch.linspace's): the first half counts up from
        # start, the second half down from stop.
        wide = tf.float64
        with tf.device(_tf_device(device) or self._default_device_name()):
            steps = num + (0 if endpoint else 1)
            if steps <= 1:
                out = tf.fill([steps], _scalar(start, wide))
            else:
                step = tf.constant((stop - start) / (steps - 1), wide)
                i = tf.range(steps, dtype=wide)
                up = step * i + _scalar(start, wide)
                down = _scalar(stop, wide) - step * (tf.constant(steps - 1, wide) - i)
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
    def sqrt_complex(x):
        # TF gives sqrt(-inf - 0j) = +inf j; the principal root's imaginary part has the
        # sign of x's (sqrt(conj(x)) == conj(sqrt(x))).
        out = raw.Sqrt(x=x)
        real_dtype = _REAL_OF[x.dtype]
        im = TensorFlowBackend.copysign(raw.Imag(input=out, Tout=real_dtype),
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
                         TensorFlowBackend.log_complex(x))

    @staticmethod
    def log10_complex(x):
        return _by_parts(lambda p: raw.Mul(x=p, y=_const(1 / math.log(10), p)),
                         TensorFlowBackend.log_complex(x))

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
            wide = TensorFlowBackend.gelu(raw.Cast(x=x, DstT=tf.float32), approximate)
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

    # TF's reductions of float16/bfloat16 accumulate in the half dtype (the sum of
    # [60000, 60000, -60000] overflows to inf); the contract, like PyTorch, accumulates
    # in float32 and rounds once: _half_in_f32 runs them in float32.

    @staticmethod
    def sum(x, axes, keepdims, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        if x.dtype == tf.bool:
            return raw.Any(input=x, axis=_ints(axes), keep_dims=keepdims)
        return _half_in_f32(raw.Sum, x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def sum_all(x):
        return _half_in_f32(raw.Sum, x, axis=_ints(_ALL_AXES[x.shape.rank]), keep_dims=False)

    @staticmethod
    def mean_all(x):
        return _half_in_f32(raw.Mean, x, axis=_ints(_ALL_AXES[x.shape.rank]), keep_dims=False)

    @staticmethod
    def prod(x, axes, keepdims, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        return _half_in_f32(raw.Prod, x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def mean(x, axes, keepdims):
        if x.dtype.is_complex:  # TF divides by a complex count: mean([inf, 1]) is inf+nanj
            parts = [raw.Mean(input=p, axis=_ints(axes), keep_dims=keepdims)
                     for p in (raw.Real(input=x, Tout=_REAL_OF[x.dtype]),
                               raw.Imag(input=x, Tout=_REAL_OF[x.dtype]))]
            return raw.Complex(real=parts[0], imag=parts[1], Tout=x.dtype)
        return _half_in_f32(raw.Mean, x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def var(x, axes, correction, keepdims):
        d = x.dtype
        if d in (tf.float16, tf.bfloat16):
            x = raw.Cast(x=x, DstT=tf.float32)
        mean = raw.Mean(input=x, axis=_ints(axes), keep_dims=True)
        centered = raw.Sub(x=x, y=mean)
        squares = raw.Sum(input=raw.Mul(x=centered, y=centered), axis=_ints(axes),
                          keep_dims=keepdims)
        count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), list(axes))), x.dtype)
        # N - correction <= 0 divides by 0 (inf, or NaN for 0/0), as NumPy and torch do
        dof = raw.Maximum(x=raw.Sub(x=count, y=_const(correction, count)),
                          y=tf.zeros((), count.dtype))
        out = raw.RealDiv(x=squares, y=dof)
        return out if out.dtype == d else raw.Cast(x=out, DstT=d)

    @staticmethod
    def max(x, axes, keepdims):
        if x.dtype == tf.bool:
            return raw.Any(input=x, axis=_ints(axes), keep_dims=keepdims)
        return raw.Max(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def min(x, axes, keepdims):
        if x.dtype == tf.bool:
            return raw.All(input=x, axis=_ints(axes), keep_dims=keepdims)
        return raw.Min(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def all(x, axes, keepdims):
        return raw.All(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def any(x, axes, keepdims):
        return raw.Any(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def _arg_extreme(x, axis, keepdims, largest):
        # tf.math.argmax ignores NaN and does not promise the first of equal elements:
        # find the extreme value (NaN wins), then the lowest index holding it.
        if x.dtype is tf.bool:
            x = raw.Cast(x=x, DstT=tf.uint8)
        reduce = raw.Max if largest else raw.Min
        best = reduce(input=x, axis=_ints((axis,)), keep_dims=True)
        hit = raw.Equal(x=x, y=best)
        if x.dtype.is_floating:
            hit = raw.LogicalOr(x=hit, y=raw.LogicalAnd(x=raw.IsNan(x=x), y=raw.IsNan(x=best)))
        ndim = x.shape.rank
        n = x.shape[axis]
        if n is not None and _executing_eagerly():
            # 0, 1, ... n-1 along the axis, made once per (n, ndim, axis, device)
            def ramp() -> Native:
                shape = [1] * ndim
                shape[axis] = n
                with tf.device(x.device):
                    return tf.reshape(tf.range(n, dtype=tf.int64), shape)

            positions = _remembered(_POSITIONS, (n, ndim, axis, x.device), ramp, 1024)
            n = tf.constant(n, tf.int64)
        else:
            n = tf.shape(x, out_type=tf.int64)[axis]
            shape = [1] * ndim
            shape[axis] = -1
            positions = tf.reshape(tf.range(n, dtype=tf.int64), shape)
        candidates = raw.SelectV2(condition=hit, t=positions, e=n)
        return raw.Min(input=candidates, axis=_ints((axis,)), keep_dims=keepdims)

    def argmax(self, x, axis, keepdims):
        return self._arg_extreme(x, axis, keepdims, True)

    def argmin(self, x, axis, keepdims):
        return self._arg_extreme(x, axis, keepdims, False)

    @staticmethod
    def cumsum(x, axis, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        return _half_in_f32(lambda input, axis: raw.Cumsum(x=input, axis=axis), x, axis=axis)

    @staticmethod
    def cumprod(x, axis, dtype):
        x = TensorFlowBackend.cast(x, dtype)
        return _half_in_f32(lambda input, axis: raw.Cumprod(x=input, axis=axis), x,
                            axis=axis)

    @staticmethod
    def logsumexp(x, axes, keepdims):
        return _half_in_f32(lambda input, **kw: tf.reduce_logsumexp(input, **kw), x,
                            axis=_ints(axes), keepdims=keepdims)

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
        if x.shape.rank == 2:  # the common case: one kernel (two with a bias)
            out = raw.MatMul(a=x, b=weight, transpose_b=True)
            return out if bias is None else raw.BiasAdd(value=out, bias=bias)
        shape = tf.shape(x)
        out = raw.MatMul(a=tf.reshape(x, [-1, shape[-1]]), b=weight, transpose_b=True)
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return tf.reshape(out, tf.concat([shape[:-1], tf.shape(weight)[:1]], 0))

    @staticmethod
    def diagonal(x, offset):
        # diag_part refuses an offset outside the matrix; that diagonal is empty
        rows, cols = x.shape[-2], x.shape[-1]
        if rows is not None and cols is not None and (offset >= cols or -offset >= rows):
            return tf.zeros(tf.concat([tf.shape(x)[:-2], [0]], 0), x.dtype)
        return tf.linalg.diag_part(x, k=offset)

    @staticmethod
    def cholesky(x, upper):
        # On failure TF fills the lower triangle with NaN and leaves the upper one
        # uninitialised; the contract makes the whole matrix NaN.
        lower = tf.linalg.cholesky(x)
        failed = raw.Any(input=raw.IsNan(x=_real_part(lower)), axis=[-2, -1], keep_dims=True)
        lower = raw.SelectV2(condition=failed, t=tf.constant(np.nan, lower.dtype), e=lower)
        return tf.linalg.adjoint(lower) if upper else lower

    det = staticmethod(lambda x: tf.linalg.det(x))

    @staticmethod
    def slogdet(x):
        sign, logabsdet = tf.linalg.slogdet(x)
        if logabsdet.dtype.is_complex:  # TF returns it in the complex dtype
            logabsdet = raw.Real(input=logabsdet, Tout=_REAL_OF[logabsdet.dtype])
        return sign, logabsdet

    @staticmethod
    def inv(x):
        try:
            return tf.linalg.inv(x)
        except tf.errors.InvalidArgumentError as e:  # "not invertible": the contract's
            raise np.linalg.LinAlgError(e.message) from None  # neutral signal

    @staticmethod
    def solve(x1, x2):
        batch = tf.broadcast_dynamic_shape(tf.shape(x1)[:-2], tf.shape(x2)[:-2])
        a = tf.broadcast_to(x1, tf.concat([batch, tf.shape(x1)[-2:]], 0))
        b = tf.broadcast_to(x2, tf.concat([batch, tf.shape(x2)[-2:]], 0))
        try:
            return tf.linalg.solve(a, b)
        except tf.errors.InvalidArgumentError as e:
            raise np.linalg.LinAlgError(e.message) from None

    @staticmethod
    def eigh(x):
        w, v = tf.linalg.eigh(x)
        if w.dtype.is_complex:  # TF returns real eigenvalues in the complex dtype
            w = raw.Real(input=w, Tout=_REAL_OF[w.dtype])
        return w, v

    @staticmethod
    def qr(x, mode):
        # TF's Householder QR squares the entries without scaling (LAPACK's norms scale):
        # a column norm above sqrt(max) overflows and gives NaN (complex64 entries of
        # 2e19), and tiny ones underflow.  Factor x / 2**k instead, k from each matrix's
        # largest magnitude, and scale R back: with powers of two both steps are exact.
        scale, inverse = _power_of_two_scale(x)
        q, r = tf.linalg.qr(raw.Mul(x=x, y=inverse), full_matrices=mode == "complete")
        return q, raw.Mul(x=r, y=scale)

    @staticmethod
    def svd(x, full_matrices):
        s, u, v = tf.linalg.svd(x, full_matrices=full_matrices)
        return u, s, tf.linalg.adjoint(v)

    @staticmethod
    def svdvals(x):
        return tf.linalg.svd(x, compute_uv=False)

    # -- fft ----------------------------------------------------------------------------
    # TF's FFT kernels transform only the innermost 1, 2 or 3 axes (_fft_over moves the
    # axes there and back); its forward kernels do not scale and its inverse kernels
    # scale by 1/n, the "backward" norm (_fft_scale applies the others).  RFFT/IRFFT
    # take the precision from their Tcomplex/Treal attributes (float64 <-> complex128).

    @staticmethod
    def fft(x, axes, inverse, norm):
        kernels = _IFFT_KERNELS if inverse else _FFT_KERNELS
        out = _fft_over(x, axes, lambda y, k: kernels[k](input=y))
        return _fft_scale(out, math.prod(x.shape[a] for a in axes), inverse, norm)

    @staticmethod
    def rfft(x, axes, norm):
        inner, outer = axes[-3:], axes[:-3]  # the halved axis last, innermost
        sizes = [x.shape[a] for a in inner]
        cdtype = tf.complex128 if x.dtype == tf.float64 else tf.complex64
        out = _fft_over(x, inner, lambda y, k: _RFFT_KERNELS[k](
            input=y, fft_length=sizes, Tcomplex=cdtype))
        if outer:
            out = _fft_over(out, outer, lambda y, k: _FFT_KERNELS[k](input=y))
        return _fft_scale(out, math.prod(x.shape[a] for a in axes), False, norm)

    @staticmethod
    def irfft(x, axes, n, norm):
        inner, outer = axes[-3:], axes[:-3]
        if outer:  # the complex inverse over the other axes first, as NumPy does
            x = _fft_over(x, outer, lambda y, k: _IFFT_KERNELS[k](input=y))
        sizes = [x.shape[a] for a in inner[:-1]] + [n]
        out = _fft_over(x, inner, lambda y, k: _IRFFT_KERNELS[k](
            input=y, fft_length=sizes, Treal=_REAL_OF[x.dtype]))
        total = n * math.prod(x.shape[a] for a in axes[:-1])
        return _fft_scale(out, total, True, norm)

    # -- manipulation -------------------------------------------------------------------

    @staticmethod
    def reshape(x, shape):
        # only plain ints go through the cache ((2.0, 3) == (2, 3) would hit it)
        if all(type(s) is int for s in shape):
            return raw.Reshape(tensor=x, shape=_ints(tuple(shape)))
        return raw.Reshape(tensor=x, shape=list(shape))

    permute_dims = staticmethod(lambda x, axes: raw.Transpose(x=x, perm=_ints(axes)))

    @staticmethod
    def broadcast_to(x, shape):
        return raw.BroadcastTo(input=x, shape=list(shape))

    @staticmethod
    def concat(xs, axis):
        if len(xs) == 1:  # ConcatV2 needs at least two inputs
            return xs[0]
        return raw.ConcatV2(values=list(xs), axis=axis)

    @staticmethod
    def stack(xs, axis):
        return raw.Pack(values=list(xs), axis=axis)

    @staticmethod
    def flip(x, axes):
        return raw.ReverseV2(tensor=x, axis=_ints(axes))

    @staticmethod
    def roll(x, shifts, axes):
        return raw.Roll(input=x, shift=list(shifts), axis=_ints(axes))

    @staticmethod
    def tile(x, reps):
        return raw.Tile(input=x, multiples=list(reps))

    @staticmethod
    def repeat(x, repeats, axis):
        if x.shape.num_elements() == 0:
            # tf.repeat with per-element counts fails on an empty x (a wrong static
            # shape); the result is empty too, with the repeated axis's size changed.
            shape = tf.shape(x, out_type=tf.int64)
            n = (shape[axis] * repeats if isinstance(repeats, int)
                 else tf.reduce_sum(tf.cast(repeats, tf.int64)))
            return tf.zeros(tf.tensor_scatter_nd_update(shape, [[axis]], [n]), x.dtype)
        return tf.repeat(x, repeats, axis=axis)

    @staticmethod
    def pad(x, pads: Pads, value):
        return raw.PadV2(input=x, paddings=[list(p) for p in pads],
                         constant_values=_scalar(value, x.dtype))

    # -- indexing -----------------------------------------------------------------------

    def getitem(self, x: Native, key: tuple[Any, ...]) -> Native:
        if not any(isinstance(k, (tf.Tensor, tf.Variable)) for k in key):
            return _basic_getitem(x, key)  # a strided slice
        return _advanced_getitem(x, key)

    @staticmethod
    def basic_getitem(x, key):
        # tf.Tensor.__getitem__ builds the strided slice's arguments in Python (~250
        # calls, and converts them to tensors on every call); eagerly, build them once
        # per key and call the kernel.
        if not _executing_eagerly():
            return x[key]
        entries = key if type(key) is tuple else (key,)
        # slices are unhashable before Python 3.12: key the cache on their parts
        cache_key = tuple((k.start, k.stop, k.step) if type(k) is slice else k
                          for k in entries)
        begin, end, strides, masks = _remembered(
            _SLICE_ARGS, cache_key, lambda: _strided_slice_args(entries))
        return raw.StridedSlice(input=x, begin=begin, end=end, strides=strides, **masks)

    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        if len(x.shape) <= _MAX_SLICE_RANK and not any(
                isinstance(k, (tf.Tensor, tf.Variable)) for k in key):
            # basic key: one strided-slice update (tf.Variable: in place)
            region = x[key]
            value = tf.broadcast_to(value, tf.shape(region))
            if isinstance(x, tf.Variable):
                region.assign(value)
                return x
            if not key:
                return value
            begin, end, strides, masks = _strided_slice_args(key)
            return raw.TensorStridedSliceUpdate(input=x, begin=begin, end=end,
                                                strides=strides, value=value, **masks)
        if x.shape.num_elements() == 0:
            return x  # nothing to write (and scatters refuse an empty output)
        # Tensors are immutable: find the flat positions the key selects and scatter
        # into the flattened tensor (TF's scatters take coordinates of at most 7 axes;
        # for 8 they raise "Only indices.shape[-1] values between 1 and 5 are currently
        # supported").
        shape = tf.shape(x, out_type=tf.int64)
        positions = tf.reshape(tf.range(tf.reduce_prod(shape)), shape)
        selected = self.getitem(positions, key)
        flat = tf.reshape(selected, [-1, 1])
        updates = tf.reshape(tf.broadcast_to(value, tf.shape(selected)), [-1])
        if isinstance(x, tf.Variable) and len(x.shape) <= 7:
            # in place: the coordinates of the flat positions (tf.unravel_index refuses
            # an empty selection)
            strides = tf.math.cumprod(shape, exclusive=True, reverse=True)
            coords = raw.FloorMod(x=raw.FloorDiv(x=flat, y=strides[None, :]),
                                  y=shape[None, :])
            x.scatter_nd_update(coords, updates)
            return x
        out = tf.reshape(tf.tensor_scatter_nd_update(tf.reshape(x, [-1]), flat, updates),
                         shape)
        if isinstance(x, tf.Variable):
            x.assign(out)
            return x
        return out

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

    # No TF sort orders NaN: its comparisons leave NaN anywhere (tf.sort([nan, 1., inf,
    # -1.]) puts it first, tf.sort([1., nan, 0.]) last).  Every sort here is TopKV2
    # (stable: "the lower-index element appears first") on the integer key of _sort_key,
    # which orders NaN above +inf, reversed by _order_reversing for ascending order.

    @staticmethod
    def sort(x, axis, descending, stable):
        xt, back = _axis_last(x, axis)
        idx = _stable_top(xt, descending, None)
        last = len(x.shape) - 1
        return back(raw.GatherV2(params=xt, indices=idx, axis=last, batch_dims=last))

    @staticmethod
    def argsort(x, axis, descending, stable):
        xt, back = _axis_last(x, axis)
        return back(_stable_top(xt, descending, None))

    @staticmethod
    def topk(x, k, axis, largest):
        xt, back = _axis_last(x, axis)
        idx = _stable_top(xt, largest, k)
        last = len(x.shape) - 1
        values = raw.GatherV2(params=xt, indices=idx, axis=last, batch_dims=last)
        return back(values), back(idx)

    @staticmethod
    def searchsorted(sorted_sequence, values, right):
        # LowerBound/UpperBound compare floats with <, so NaN (and inf next to NaN) land
        # anywhere; search the integer keys, which order NaN last as NumPy does.
        seq = raw.ExpandDims(input=_sort_key(sorted_sequence), axis=0)
        flat = raw.Reshape(tensor=_sort_key(values), shape=[1, -1])
        bound = raw.UpperBound if right else raw.LowerBound
        out = bound(sorted_inputs=seq, values=flat, out_type=tf.int64)
        return raw.Reshape(tensor=out, shape=tf.shape(values))

    @staticmethod
    def unique(x):
        # tf.unique hashes values, in order of first occurrence; sort instead, stably, so
        # runs of equal values give the first occurrence, and NaN != NaN splits NaNs.
        shape = raw.Shape(input=x, out_type=tf.int64)
        x = raw.Reshape(tensor=x, shape=[-1])
        n = raw.Prod(input=shape, axis=0)
        zero, one = _constants(tf.int64, 0, 1)
        order = _complex_order(x) if x.dtype.is_complex else _stable_top(x, False, None)
        s = raw.GatherV2(params=x, indices=order, axis=0)
        first = raw.Equal(x=raw.Range(start=zero, limit=n, delta=one), y=zero)
        new = raw.LogicalOr(x=raw.NotEqual(x=s, y=raw.Roll(input=s, shift=1, axis=0)),
                            y=first)
        starts = raw.Reshape(tensor=raw.Where(condition=new), shape=[-1])
        ends = raw.ConcatV2(values=[raw.StridedSlice(input=starts, begin=[1], end=[0],
                                                     strides=[1], end_mask=1),
                                    raw.Reshape(tensor=n, shape=[1])], axis=0)
        segment = raw.Sub(x=raw.Cumsum(x=raw.Cast(x=new, DstT=tf.int64), axis=0), y=one)
        inverse = raw.GatherV2(params=segment, indices=raw.InvertPermutation(x=order), axis=0)
        return (raw.GatherV2(params=s, indices=starts, axis=0),
                raw.GatherV2(params=order, indices=starts, axis=0),
                raw.Reshape(tensor=inverse, shape=shape), raw.Sub(x=ends, y=starts))

    # -- neural-network kernels (TF's CPU kernels are NHWC: transpose around them) -------

    # TF's float16/bfloat16 softmax accumulates in the input dtype (softmax([1., 2.]) in
    # bfloat16 is an ulp off); compute in float32 and round once, as torch does.

    @staticmethod
    def softmax(x, axis):
        d = x.dtype  # tf.DType objects are interned: identity is equality, and cheap
        if d is tf.float16 or d is tf.bfloat16:
            x = raw.Cast(x=x, DstT=tf.float32)
        out = (raw.Softmax(logits=x) if axis == x.shape.rank - 1
               else tf.nn.softmax(x, axis=axis))
        return raw.Cast(x=out, DstT=d) if out.dtype is not d else out

    @staticmethod
    def log_softmax(x, axis):
        d = x.dtype
        if d is tf.float16 or d is tf.bfloat16:
            x = raw.Cast(x=x, DstT=tf.float32)
        out = (raw.LogSoftmax(logits=x) if axis == x.shape.rank - 1
               else tf.nn.log_softmax(x, axis=axis))
        return raw.Cast(x=out, DstT=d) if out.dtype is not d else out

    @staticmethod
    def cross_entropy(x, target, ignore_index, reduction):
        # TF's fused kernel; on the CPU it refuses labels outside [0, C), so ignored
        # targets are replaced by 0 and their losses by 0
        keep = None
        if ignore_index is not None:
            keep = raw.NotEqual(x=target, y=tf.constant(ignore_index, tf.int64))
            target = raw.SelectV2(condition=keep, t=target, e=tf.zeros((), tf.int64))
        loss = raw.SparseSoftmaxCrossEntropyWithLogits(features=x, labels=target)[0]
        if keep is not None:
            loss = raw.SelectV2(condition=keep, t=loss, e=tf.zeros((), loss.dtype))
        if reduction == "none":
            return loss
        axis = _ints((0,))
        if reduction == "sum" or keep is None:
            return (raw.Sum if reduction == "sum" else raw.Mean)(input=loss, axis=axis)
        count = raw.Sum(input=raw.Cast(x=keep, DstT=loss.dtype), axis=axis)
        return raw.RealDiv(x=raw.Sum(input=loss, axis=axis), y=count)

    @staticmethod
    def conv2d(x, weight, bias, stride, padding, dilation, groups):
        nhwc = _to_nhwc(x)
        kernel = raw.Transpose(x=weight, perm=[2, 3, 1, 0])  # OIHW -> HWIO
        (top, bottom), (left, right) = padding
        pads = [[0, 0], [top, bottom], [left, right], [0, 0]]
        if dilation != (1, 1):
            # TF's CPU gradient kernels refuse dilation > 1: convolve with the kernel
            # dilated explicitly (zeros between taps), which is the same computation
            kernel = _dilate_kernel(kernel, dilation)
        if groups > 1:
            # ... and refuse grouped convolutions: convolve group by group and join
            xs = tf.split(nhwc, groups, axis=3)
            ks = tf.split(kernel, groups, axis=3)
            out = tf.concat([tf.nn.conv2d(xg, kg, strides=[1, *stride, 1], padding=pads)
                             for xg, kg in zip(xs, ks)], axis=3)
        else:
            out = tf.nn.conv2d(nhwc, kernel, strides=[1, *stride, 1], padding=pads)
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    @staticmethod
    def max_pool2d(x, kernel, stride, padding):
        (top, bottom), (left, right) = padding
        nhwc = unpadded = _to_nhwc(x)
        if top or bottom or left or right:
            nhwc = tf.pad(nhwc, [[0, 0], [top, bottom], [left, right], [0, 0]],
                          constant_values=float("-inf"))
        out = tf.nn.max_pool2d(nhwc, kernel, stride, "VALID")
        # TF's MaxPool skips NaN (max(1, nan) is 1) and starts from the lowest finite value
        # (a window of -inf gives -3.4e38).  Inputs without NaN or infinities (a finite
        # sum; padding never wins a window) are right as they are; for others pool a code
        # per element as well, 2 for NaN, 1 for any other value above -inf, 0 for -inf,
        # and fix those windows.
        d = nhwc.dtype

        def fixed():
            code = raw.AddV2(x=raw.Cast(x=raw.NotEqual(x=nhwc, y=tf.constant(-math.inf, d)),
                                        DstT=d),
                             y=raw.Cast(x=raw.IsNan(x=nhwc), DstT=d))
            code = tf.nn.max_pool2d(code, kernel, stride, "VALID")
            y = raw.SelectV2(condition=raw.Less(x=code, y=tf.constant(0.5, d)),
                             t=tf.constant(-math.inf, d), e=out)
            return raw.SelectV2(condition=raw.Greater(x=code, y=tf.constant(1.5, d)),
                                t=tf.constant(math.nan, d), e=y)

        ordinary = raw.IsFinite(x=raw.Sum(input=unpadded, axis=_ints((0, 1, 2, 3))))
        if tf.executing_eagerly():
            out = out if bool(ordinary) else fixed()
        else:
            out = tf.cond(ordinary, lambda: raw.Identity(input=out), fixed)
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    @staticmethod
    def avg_pool2d(x, kernel, stride, padding, count_include_pad):
        (top, bottom), (left, right) = padding
        pads = [[0, 0], [top, bottom], [left, right], [0, 0]]
        nhwc = tf.pad(_to_nhwc(x), pads)
        out = tf.nn.avg_pool2d(nhwc, kernel, stride, "VALID")
        if not count_include_pad and (top or bottom or left or right):
            ones = tf.pad(tf.ones_like(nhwc[:1, :, :, :1])[:, top:tf.shape(nhwc)[1] - bottom,
                                                               left:tf.shape(nhwc)[2] - right],
                          pads)
            out = out / tf.nn.avg_pool2d(ones, kernel, stride, "VALID")
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    # -- random numbers -------------------------------------------------------------------

    def rng(self, seed, device):
        # init_scope: a generator first needed while tracing is still created eagerly
        with tf.init_scope(), tf.device(_tf_device(device) or self._default_device_name()):
            return tf.random.Generator.from_seed(seed)

    @staticmethod
    def reseed(rng, seed):
        rng.reset_from_seed(seed)  # in place: compiled functions keep using this generator

    def random_uniform(self, rng, shape, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return rng.uniform(shape, dtype=_DTYPES[dtype])

    def random_normal(self, rng, shape, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return rng.normal(shape, dtype=_DTYPES[dtype])

    def random_integers(self, rng, low, high, shape, dtype, device):
        nd = _DTYPES[dtype]
        wide = tf.int64 if nd == tf.int64 else tf.int32  # kernels exist for these two
        with tf.device(_tf_device(device) or self._default_device_name()):
            out = rng.uniform(shape, minval=low, maxval=high, dtype=wide)
            return raw.Cast(x=out, DstT=nd)

    def random_permutation(self, rng, n, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return raw.Cast(x=tf.argsort(rng.uniform([n], dtype=tf.float64)), DstT=tf.int64)

    def host_values(self, produce, shape, dtype, device):
        nd = _DTYPES[dtype]
        if tf.executing_eagerly():
            return self.from_numpy(produce(), device)
        # traced: call back into Python each time the graph runs, not once at trace time
        out = tf.numpy_function(produce, [], nd, stateful=True)
        out.set_shape(shape)
        return out

    # -- autograd -------------------------------------------------------------------------
    # TensorFlow records gradients only inside a GradientTape.  For PyTorch's imperative
    # style (loss.backward()), unitorch keeps one persistent "ambient" tape open in each
    # thread that has created a tensor requiring gradients, and one per traced function.
    # An open tape costs every eager op a few microseconds, so threads without trainable
    # tensors never get one, and unitorch's own tapes pause it (see ``_TFTape``).

    @staticmethod
    def requires_grad(x):
        if isinstance(x, tf.Variable):
            return x.trainable
        return bool(_record.should_record_backprop([x]))

    def set_requires_grad(self, x, flag):
        if isinstance(x, tf.Variable):
            # a variable stays one (parameters must remain assignable); only its
            # trainability changes, which is what tapes look at
            was = x.trainable
            x._trainable = bool(flag)
            if flag:
                _ambient.ensure()
            elif was:
                _ambient.forget_watched()  # an open tape would keep recording it
            return x
        if flag:
            _ambient.ensure()
            return tf.Variable(x, trainable=True)
        return tf.stop_gradient(x)

    def variable(self, x, trainable):
        if trainable:
            _ambient.ensure()
        value = x.read_value() if isinstance(x, tf.Variable) else x
        with tf.init_scope():  # parameters made while tracing are still created eagerly
            return tf.Variable(value, trainable=trainable)

    detach = staticmethod(tf.stop_gradient)
    no_grad = staticmethod(_record.stop_recording)

    @staticmethod
    def enable_grad():
        return _resume_recording()

    @staticmethod
    def tape(persistent, watch_accessed_variables):
        return _TFTape(persistent, watch_accessed_variables)

    @staticmethod
    def backward(target, output_gradient, create_graph, retain_graph):
        _ambient.backward(target, output_gradient, create_graph)
        if not (retain_graph or create_graph):
            # like PyTorch freeing the graph: drop what the eager ambient tape recorded
            # (and the variables it watched), so it never grows without bound
            _ambient.forget_watched()
            if _ambient.ran_backward and not tf.executing_eagerly():
                _ambient.ran_backward[-1].append(True)  # (see compile)

    @staticmethod
    def get_grad(x):
        return _read_grad(x)

    @staticmethod
    def set_grad(x, grad):
        if not isinstance(x, tf.Variable):
            raise TypeError("only leaves that require gradients hold a gradient")
        x._unitorch_grad = grad
        if not tf.executing_eagerly():
            _ambient.set_traced(x, grad)  # (None too: a step ending in zero_grad())

    # -- optimizer updates ------------------------------------------------------------------
    # PyTorch's rules (see the contract) as raw ops on the variables, with every scalar
    # coefficient formed in float64 (from float64 hyperparameter variables) and rounded
    # once to the parameter's dtype, as PyTorch does with Python floats.  SGD and Adagrad
    # use TF's fused kernels (ApplyGradientDescent, ApplyMomentum, ApplyAdagradV2), whose
    # arithmetic is PyTorch's rule.  Adam and RMSprop are composed: ApplyAdam (like Keras)
    # takes beta2 in the parameter's dtype and forms 1 - beta2 in it (in float32, 1 - 0.999
    # is off by 1.3e-5 relative, so the second moment drifts from PyTorch's), and
    # ApplyRMSProp adds eps inside the square root and keeps lr inside the momentum buffer.
    # Eagerly, an update runs as one cached tf.function (its ~15 small ops per parameter
    # cost ~10 us each when dispatched one by one); while tracing, its ops are inlined.

    @staticmethod
    def hyperparameter(value):
        return _Hyper(float(value))

    @staticmethod
    def set_hyperparameter(holder, value):
        holder.value = float(value)
        holder.var.assign(holder.value)

    def state_variable(self, shape, fill_value, dtype, device):
        nd = _DTYPES[dtype]
        with tf.device(_tf_device(device) or self._default_device_name()):
            return _own_variable(lambda: tf.fill(shape, tf.constant(fill_value, nd)))

    @staticmethod
    def sgd_update(params, grads, momentum_buffers, steps, hyper, nesterov, maximize):
        static = (nesterov and bool(momentum_buffers), maximize,
                  hyper["weight_decay"].value != 0, bool(momentum_buffers),
                  hyper["dampening"].value != 0)
        _run_update(_sgd_ops, static, params, grads, momentum_buffers, steps, _vars(hyper))

    @staticmethod
    def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper,
                    amsgrad, decoupled, maximize):
        static = (amsgrad, decoupled, maximize, hyper["weight_decay"].value != 0)
        _run_update(_adam_ops, static, params, grads, exp_avgs, exp_avg_sqs,
                    max_exp_avg_sqs, steps, _vars(hyper))

    @staticmethod
    def rmsprop_update(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, hyper,
                       centered, maximize):
        static = (centered, maximize, hyper["weight_decay"].value != 0, bool(momentum_buffers))
        _run_update(_rmsprop_ops, static, params, grads, square_avgs, grad_avgs,
                    momentum_buffers, steps, _vars(hyper))

    @staticmethod
    def adagrad_update(params, grads, state_sums, steps, hyper, maximize):
        static = (maximize, hyper["weight_decay"].value != 0)
        _run_update(_adagrad_ops, static, params, grads, state_sums, steps, _vars(hyper))

    # -- distributed: tf.distribute's collectives ---------------------------------------
    # MultiWorkerMirroredStrategy joins the cluster: it starts this worker's gRPC server,
    # enables collective ops in the eager context and connects the coordination service
    # (whose heartbeats abort pending collectives when a worker dies).  The collectives
    # are then TF's own CollectiveOps (the kernels the strategy's all-reduce runs), called
    # as raw ops so that they work on plain tensors, eagerly and in tf.function, without
    # the strategy's replica contexts.  Every call takes the next instance key from one
    # counter, so the workers agree as long as they call the same collectives in the same
    # order; a traced function keeps the keys it was traced with (as the strategy's
    # functions do).  The coordination service is configured first so that joining the
    # cluster gives up after ``timeout`` (TensorFlow's default is to wait for an hour).

    dist_errors = (tf.errors.OpError,)

    def dist_init(self, rank, world_size, local_rank, master_addr, master_port, workers,
                  timeout, engine):
        from tensorflow.python.distribute import collective_all_reduce_strategy as mwms
        from tensorflow.python.eager import context

        coordination_config_pb2 = mwms.coordination_config_pb2  # (its location moves)

        if getattr(self, "_dist_group", None) is not None or _DistGroup.joined:
            raise RuntimeError("TensorFlow joins one cluster per process (its runtime keeps "
                               "the first one); start a new process to join another")
        if getattr(context.context(), "_context_handle", None) is not None:
            # (MultiWorkerMirroredStrategy would fail with "Collective ops must be
            # configured at program startup")
            raise RuntimeError("on TensorFlow, call ut.distributed.init() before creating "
                               "any tensor: TensorFlow configures its runtime for the "
                               "cluster when it starts")
        impl = tf.distribute.experimental.CommunicationImplementation
        implementation = {None: impl.AUTO, "auto": impl.AUTO, "ring": impl.RING,
                          "nccl": impl.NCCL}.get(engine)
        if implementation is None:
            raise ValueError(f"unknown TensorFlow collective engine {engine!r}; choose "
                             "'auto', 'ring' or 'nccl'")
        gpus = tf.config.list_physical_devices("GPU")
        if len(gpus) > 1:  # one GPU per worker, as torch.distributed programs use them
            tf.config.set_visible_devices(gpus[local_rank % len(gpus)], "GPU")
        ctx = context.context()
        ctx.configure_coordination_service(
            service_type="standalone", service_leader="/job:worker/replica:0/task:0",
            coordinated_jobs=[coordination_config_pb2.CoordinatedJob(
                name="worker", num_tasks=world_size)],
            cluster_register_timeout_in_ms=max(1, int(timeout * 1000)))
        # registering waits for every worker, up to the timeout above (without the
        # barrier, a worker whose peers never start waits in WaitForAllTasks for ever)
        ctx.coordination_service.cluster_register_with_barrier = True
        resolver = tf.distribute.cluster_resolver.SimpleClusterResolver(
            tf.train.ClusterSpec({"worker": list(workers)}), task_type="worker",
            task_id=rank, rpc_layer="grpc")
        _DistGroup.joined = True
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            resolver, communication_options=tf.distribute.experimental.CommunicationOptions(
                implementation=implementation, timeout_seconds=timeout))
        self._dist_group = _DistGroup(strategy, rank, world_size, timeout)
        return f"tf.distribute/{implementation.name.lower()}"

    def dist_shutdown(self):
        # TensorFlow cannot leave a cluster; collectives are refused from now on.
        self._dist_group = None

    def _dist_args(self, x):
        group = self._dist_group
        if group is None:
            raise RuntimeError("this process has left the TensorFlow cluster")
        return group.args(self.device(x).type)

    def dist_all_reduce(self, x, op):
        merge = {"sum": "Add", "max": "Max", "min": "Min"}[op]
        return raw.CollectiveReduceV2(input=tf.stop_gradient(x), ordering_token=[],
                                      merge_op=merge, final_op="Id", **self._dist_args(x))

    def dist_all_gather(self, x):
        # CollectiveGatherV2 concatenates along the first axis: gather (1, *shape) pieces
        x = raw.ExpandDims(input=tf.stop_gradient(x), axis=0)
        return raw.CollectiveGatherV2(input=x, ordering_token=[], **self._dist_args(x))

    def dist_broadcast(self, x, src):
        args = self._dist_args(x)
        if self._dist_group.rank == src:
            return raw.CollectiveBcastSendV2(input=tf.stop_gradient(x), **args)
        return raw.CollectiveBcastRecvV2(shape=tf.shape(x), T=x.dtype, **args)

    def dist_barrier(self):
        with tf.device("/CPU:0"):
            token = tf.zeros((), tf.int32)
        self.dist_all_reduce(token, "sum")

    # -- compiling ----------------------------------------------------------------------

    @staticmethod
    def compile(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        steps: list[bool] = []  # non-empty once a trace has run backward()

        def traced(*args: Any, **kwargs: Any) -> Any:
            with _ambient.for_trace() as ran_backward:  # loss.backward() inside
                out = fn(*args, **kwargs)
            if ran_backward:
                steps.append(True)
            return out

        # AutoGraph rewrites Python control flow on tensors; unitorch code is plain Python
        # around tensor ops, so tracing it as written is both correct and quiet.
        options.setdefault("autograph", False)
        variadic = tf.function(traced, **options)
        # tf.function binds each call's arguments to the traced function's signature,
        # which costs ~15 us more per call for (*args, **kwargs) than for plain
        # positional parameters: calls with up to 4 positional arguments go to a
        # function of that arity
        fixed = ([] if "input_signature" in options else
                 [tf.function(make(traced), **options) for make in _ARITY])

        def function(*args: Any, **kwargs: Any) -> Any:
            if kwargs or len(args) >= len(fixed):
                return variadic(*args, **kwargs)
            return fixed[len(args)](*args)

        def call(*args: Any, **kwargs: Any) -> Any:
            # A function that runs backward() (a training step) differentiates what it
            # computes, which, as an eager backward() does, frees what the thread's
            # ambient tape has recorded.  So that tape is emptied, and closed during the
            # call: recording a function call makes TensorFlow run a variant of it that
            # keeps what its gradient would need (~2x slower for a small MLP step).
            if not steps or not tf.executing_eagerly():
                out = function(*args, **kwargs)
                if steps:  # this call traced it
                    _ambient.forget_watched()
                return out
            closed = _ambient.close_eager()
            try:
                return function(*args, **kwargs)
            finally:
                if closed:
                    _ambient.stack.insert(0, _ambient._open())

        return call


class _DistGroup:
    """This worker's place in the TensorFlow cluster: the strategy that joined it (kept
    alive: it owns the health checks), the group's size and the collectives' keys."""

    #: whether this process has joined a cluster (TensorFlow allows one per process)
    joined = False
    _GROUP_KEYS: ClassVar[dict[str, int]] = {"cpu": 0x7E57, "gpu": 0x7E58}  # one collective group per device type

    def __init__(self, strategy: Any, rank: int, size: int, timeout: float) -> None:
        self.strategy, self.rank, self.size, self.timeout = strategy, rank, size, timeout
        self._instance = 0
        self._lock = threading.Lock()

    def args(self, device_type: str) -> dict[str, Any]:
        with self._lock:
            self._instance += 1
            instance = self._instance
        return {"group_size": self.size, "group_key": self._GROUP_KEYS[device_type],
                "instance_key": instance, "timeout_seconds": float(self.timeout)}


# ---------------------------------------------------------------------------------------
# helpers


# element-wise ops that commute with a transpose, by TF op type: how to apply them again
_LAYOUT_FREE: dict[str, Callable[[Native], Native]] = {
    "Relu": lambda t: raw.Relu(features=t), "Relu6": lambda t: raw.Relu6(features=t),
    "Elu": lambda t: raw.Elu(features=t), "Selu": lambda t: raw.Selu(features=t),
    "Sigmoid": lambda t: raw.Sigmoid(x=t), "Tanh": lambda t: raw.Tanh(x=t),
    "Softplus": lambda t: raw.Softplus(features=t), "Identity": lambda t: raw.Identity(input=t),
}


def _to_nhwc(x: Native) -> Native:
    """NCHW ``x`` in NHWC, TF's CPU layout.  TF's CPU transposes cost about as much as
    a small convolution, so while tracing, when ``x`` is an NHWC result transposed to
    NCHW (by conv2d or a pooling) followed only by element-wise unary ops (ReLU...),
    those ops are applied to the NHWC result instead and no transpose runs (forward or
    backward): conv -> relu -> pool and pool -> conv chains stay in NHWC."""
    if not tf.executing_eagerly():
        try:
            ops, t = [], x
            while t.op.type in _LAYOUT_FREE and len(ops) < 8:
                ops.append(t.op.type)
                t = t.op.inputs[0]
            if t.op.type == "Transpose":
                perm = tf.get_static_value(t.op.inputs[1])
                if perm is not None and list(perm) == [0, 3, 1, 2]:
                    y = t.op.inputs[0]
                    for name in reversed(ops):
                        y = _LAYOUT_FREE[name](y)
                    return y
        except AttributeError:  # not a graph tensor (a variable, a captured value...)
            pass
    return raw.Transpose(x=x, perm=[0, 2, 3, 1])


def _dilate_kernel(kernel: Native, dilation: tuple[int, int]) -> Native:
    """An HWIO kernel with ``dilation - 1`` zeros between its taps along H and W."""
    for axis, d in ((0, dilation[0]), (1, dilation[1])):
        if d == 1:
            continue
        parts = tf.unstack(kernel, axis=axis)
        zeros = tf.zeros_like(parts[0])
        spaced = []
        for i, part in enumerate(parts):
            spaced.append(part)
            if i < len(parts) - 1:
                spaced.extend([zeros] * (d - 1))
        kernel = tf.stack(spaced, axis=axis)
    return kernel


def _tensors(x1: Any, x2: Any) -> tuple[Native, Native]:
    """Element-wise primitives may get one Python scalar; make it a tensor of the other's
    dtype."""
    if not isinstance(x1, (tf.Tensor, tf.Variable)):
        x1 = _scalar(x1, x2.dtype)
    elif not isinstance(x2, (tf.Tensor, tf.Variable)):
        x2 = _scalar(x2, x1.dtype)
    return x1, x2


def _real_part(x: Native) -> Native:
    return raw.Real(input=x, Tout=_REAL_OF[x.dtype]) if x.dtype.is_complex else x


_INT_CONSTANTS: dict[tuple[int, ...], Native] = {}
_ALL_AXES = tuple(tuple(range(n)) for n in range(255))  # every axis of an n-D tensor
_POSITIONS: dict[tuple[Any, ...], Native] = {}  # argmax/argmin's index ramps


def _ints(values: tuple[int, ...]) -> Any:
    """Python ``values`` (axes, a shape, a permutation) as the int argument of a raw op.

    Eagerly: an int64 tensor made once per distinct tuple and kept (on the CPU, where
    kernels read such arguments).  TensorFlow's C fast path takes a tensor, but converts
    a Python list through its Python fallback, which costs 5-10 times the small op itself
    (measured: ``raw.Sum`` on 64x64 with ``axis=[0, 1]`` vs a ready tensor).  While
    tracing, the list (a graph constant, not a captured eager tensor).
    """
    if _executing_eagerly():
        try:
            return _remembered(_INT_CONSTANTS, values, lambda: _cpu_int64(values))
        except TypeError:  # unhashable entries (tensors): let TensorFlow convert them
            return list(values)
    return list(values)


def _cpu_int64(values: tuple[int, ...]) -> Native:
    with tf.device("/cpu:0"):
        return tf.constant(values, tf.int64)


def _remembered(cache: dict[Any, Any], key: Any, make: Callable[[], Any],
                limit: int = 4096) -> Any:
    """``cache[key]``, made by ``make()`` on a miss.  A cache holding more than ``limit``
    entries is emptied first: its keys (shapes, slices) can vary without end."""
    found = cache.get(key)
    if found is None:
        if len(cache) > limit:
            cache.clear()
        found = cache[key] = make()
    return found


def _half_in_f32(op: Callable[..., Native], x: Native, **kwargs: Any) -> Native:
    """``op(input=x, **kwargs)``, computed in float32 for float16/bfloat16 ``x`` and
    rounded back once (TF accumulates reductions in the half dtype)."""
    d = x.dtype
    if d is tf.float16 or d is tf.bfloat16:
        return raw.Cast(x=op(input=raw.Cast(x=x, DstT=tf.float32), **kwargs), DstT=d)
    return op(input=x, **kwargs)


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
    # ~x is -x - 1 for signed integers and MAX - x for unsigned: order-reversing, exact
    return raw.Invert(x=x)


def _sort_key(x: Native) -> Native:
    """An integer (or ``x`` itself) that orders as ``x`` does in unitorch's sort: NaN
    above +inf with every NaN equal, -0.0 equal to 0.0, False below True."""
    if x.dtype == tf.bool:
        return raw.Cast(x=x, DstT=tf.uint8)
    if not x.dtype.is_floating:
        return x
    int_dtype = _INT_OF_FLOAT[x.dtype]
    lowest, zero, highest = _constants(int_dtype, int_dtype.min, 0, int_dtype.max)
    bits = raw.Bitcast(input=x, type=int_dtype)
    # The bits of non-negative floats order as the floats do.  A negative float's bits
    # are INT_MIN + m for its magnitude m: INT_MIN - bits = -m orders them, and maps
    # -0.0 to 0, the key of 0.0.  Every NaN gets INT_MAX, above +inf's key.
    key = raw.SelectV2(condition=raw.Less(x=bits, y=zero), t=raw.Sub(x=lowest, y=bits),
                       e=bits)
    return raw.SelectV2(condition=raw.IsNan(x=x), t=highest, e=key)


_CONSTANTS: dict[tuple[Any, tuple[int, ...]], tuple[Native, ...]] = {}


def _constants(dtype: Any, *values: int) -> tuple[Native, ...]:
    """``values`` as eager scalars of ``dtype``, made once (making a constant costs
    several times a small op) and outside any function being traced."""
    found = _CONSTANTS.get((dtype, values))
    if found is None:
        with tf.init_scope():
            found = tuple(tf.constant(v, dtype) for v in values)
        _CONSTANTS[dtype, values] = found
    return found


def _stable_top(x: Native, descending: bool, k: int | None) -> Native:
    """int64 indices of the first ``k`` (all with ``None``) elements of a stable sort of
    ``x`` along its last axis."""
    key = _sort_key(x)
    if not descending:
        key = _order_reversing(key)
    n = tf.shape(key)[-1] if k is None else k
    return raw.TopKV2(input=key, k=n, sorted=True, index_type=tf.int64).indices


def _power_of_two_scale(x: Native) -> tuple[Native, Native]:
    """``(2**k, 2**-k)`` in ``x``'s dtype, one per matrix of ``x`` (shape ``(..., 1, 1)``),
    ``k`` the binary exponent of the matrix's largest magnitude clipped to [-100, 100]
    (float32; [-1000, 1000] for float64), 0 for a matrix of zeros, infs or NaNs."""
    real = _REAL_OF.get(x.dtype, x.dtype)
    bits, mantissa, bias, limit = ((tf.int64, 52, 1023, 1000) if real == tf.float64
                                   else (tf.int32, 23, 127, 100))
    largest = raw.Max(input=raw.ComplexAbs(x=x, Tout=real) if x.dtype.is_complex
                      else raw.Abs(x=x), axis=[-2, -1], keep_dims=True)
    exponent = raw.Sub(x=raw.RightShift(x=raw.Bitcast(input=largest, type=bits),
                                        y=tf.constant(mantissa, bits)),
                       y=tf.constant(bias, bits))
    usable = raw.LogicalAnd(x=raw.IsFinite(x=largest),
                            y=raw.Greater(x=largest, y=tf.zeros((), real)))
    k = raw.SelectV2(condition=usable, t=raw.ClipByValue(
        t=exponent, clip_value_min=tf.constant(-limit, bits),
        clip_value_max=tf.constant(limit, bits)), e=tf.zeros((), bits))

    def power(e: Native) -> Native:
        p = raw.Bitcast(input=raw.LeftShift(x=raw.AddV2(x=e, y=tf.constant(bias, bits)),
                                            y=tf.constant(mantissa, bits)), type=real)
        return raw.Cast(x=p, DstT=x.dtype) if x.dtype.is_complex else p

    return power(k), power(raw.Neg(x=k))


def _complex_order(x: Native) -> Native:
    """int64 indices of a stable ascending sort of 1-D complex ``x`` by real part, then
    imaginary part (two stable sorts); a value with a NaN part sorts as NaN (last)."""
    real = _REAL_OF[x.dtype]
    re, im = raw.Real(input=x, Tout=real), raw.Imag(input=x, Tout=real)
    nan = raw.LogicalOr(x=raw.IsNan(x=re), y=raw.IsNan(x=im))
    re = raw.SelectV2(condition=nan, t=tf.constant(math.nan, real), e=re)
    by_imag = _stable_top(raw.SelectV2(condition=nan, t=re, e=im), False, None)
    by_real = _stable_top(raw.GatherV2(params=re, indices=by_imag, axis=0), False, None)
    return raw.GatherV2(params=by_imag, indices=by_real, axis=0)


def _axis_last(x: Native, axis: int) -> tuple[Native, Callable[[Native], Native]]:
    """``x`` with ``axis`` swapped with the last axis, and the function that swaps back."""
    last = len(x.shape) - 1
    if axis == last:
        return x, lambda y: y
    perm = list(range(last + 1))
    perm[axis], perm[last] = last, axis
    return raw.Transpose(x=x, perm=perm), lambda y: raw.Transpose(x=y, perm=perm)


def _strided_slice_args(key: tuple[Any, ...]) -> tuple[Native, Native, Native,
                                                       dict[str, int]]:
    """``StridedSlice`` arguments for a basic key of ints, slices and ``None`` (what
    ``tf.Tensor.__getitem__`` computes, for the ops that take them raw)."""
    begin, end, strides = [], [], []
    masks = dict(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                 shrink_axis_mask=0)
    for i, k in enumerate(key):
        bit = 1 << i
        if k is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif k is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["new_axis_mask"] |= bit
        elif isinstance(k, slice):
            begin.append(0 if k.start is None else k.start)
            end.append(0 if k.stop is None else k.stop)
            strides.append(1 if k.step is None else k.step)
            if k.start is None:
                masks["begin_mask"] |= bit
            if k.stop is None:
                masks["end_mask"] |= bit
        else:  # an int: the kernel reads only begin for a shrunk axis
            begin.append(k)
            end.append(k + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with tf.device("/cpu:0"):
        return (tf.constant(begin, tf.int64), tf.constant(end, tf.int64),
                tf.constant(strides, tf.int64), masks)


_SLICE_ARGS: dict[tuple[Any, ...], tuple[Native, Native, Native, dict[str, int]]] = {}
"""``_strided_slice_args`` per basic key, made once (see ``basic_getitem``)."""


_FFT_KERNELS = {1: raw.FFT, 2: raw.FFT2D, 3: raw.FFT3D}
_IFFT_KERNELS = {1: raw.IFFT, 2: raw.IFFT2D, 3: raw.IFFT3D}
_RFFT_KERNELS = {1: raw.RFFT, 2: raw.RFFT2D, 3: raw.RFFT3D}
_IRFFT_KERNELS = {1: raw.IRFFT, 2: raw.IRFFT2D, 3: raw.IRFFT3D}


def _fft_over(x: Native, axes: tuple[int, ...],
              kernel: Callable[[Native, int], Native]) -> Native:
    """``kernel(y, k)`` (a transform of the innermost ``k <= 3`` axes of ``y``) applied
    over ``axes``, three at a time, each group transposed innermost (in its order) and
    back."""
    ndim = len(x.shape)
    for start in range(0, len(axes), 3):
        group = list(axes[start:start + 3])
        perm = [a for a in range(ndim) if a not in group] + group
        if perm == list(range(ndim)):
            x = kernel(x, len(group))
        else:
            y = kernel(raw.Transpose(x=x, perm=perm), len(group))
            x = raw.Transpose(x=y, perm=np.argsort(perm).tolist())
    return x


def _fft_scale(x: Native, n: int, inverse: bool, norm: str) -> Native:
    """``x`` (the output of TF's kernels: forward unscaled, inverse scaled by ``1/n``)
    scaled as ``norm`` asks, the real and imaginary parts separately."""
    if norm == "backward":
        return x
    if inverse:
        factor = math.sqrt(n) if norm == "ortho" else float(n)
    else:
        factor = 1 / math.sqrt(n) if norm == "ortho" else 1 / n
    if factor == 1:
        return x
    if not x.dtype.is_complex:
        return raw.Mul(x=x, y=tf.constant(factor, x.dtype))
    real = _REAL_OF[x.dtype]
    f = tf.constant(factor, real)
    return raw.Complex(real=raw.Mul(x=raw.Real(input=x, Tout=real), y=f),
                       imag=raw.Mul(x=raw.Imag(input=x, Tout=real), y=f), Tout=x.dtype)


_MAX_SLICE_RANK = 8
"""StridedSlice and its updates handle at most 8 input axes ("Unhandled input
dimensions 9")."""


def _basic_getitem(x: Native, key: tuple[Any, ...]) -> Native:
    """Basic indexing (ints, slices, ``None``): one strided slice, or for a tensor of
    more than 8 axes, one per indexed axis on a 3-D view of ``x`` (the axes before, the
    axis, the axes after), then the new axes."""
    if len(x.shape) <= _MAX_SLICE_RANK:
        return x[key]
    y = x
    axis = 0  # the axis of y the next entry indexes
    out_axis = 0
    new_axes = []
    for k in key:
        if k is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, slice):
            n = y.shape[axis]
            if not (k.start in (None, 0) and k.step in (None, 1)
                    and (k.stop is None or (n is not None and k.stop >= n))):
                y = _index_axis(y, axis, k)
            axis += 1
            out_axis += 1
        else:
            y = _index_axis(y, axis, k)  # an int: the axis goes
    for a in new_axes:
        y = raw.ExpandDims(input=y, axis=a)
    return y


def _index_axis(y: Native, axis: int, k: int | slice) -> Native:
    """``y`` indexed by ``k`` along ``axis`` alone, through a 3-D reshape."""
    static = y.shape.as_list()
    shape = tf.shape(y, out_type=tf.int64)
    inner = raw.Reshape(tensor=y, shape=tf.stack(
        [tf.reduce_prod(shape[:axis]), shape[axis], tf.reduce_prod(shape[axis + 1:])]))
    out = inner[:, k, :]
    if isinstance(k, slice):
        size = tf.shape(out, out_type=tf.int64)[1:2]
        n = static[axis]
        static[axis] = None if n is None else len(range(*k.indices(n)))
        out = raw.Reshape(tensor=out, shape=tf.concat([shape[:axis], size,
                                                       shape[axis + 1:]], 0))
    else:
        del static[axis]
        out = raw.Reshape(tensor=out, shape=tf.concat([shape[:axis], shape[axis + 1:]], 0))
    if not tf.executing_eagerly():
        out.set_shape(static)
    return out


def _advanced_getitem(x: Native, key: tuple[Any, ...]) -> Native:
    """NumPy advanced indexing on TF: basic part first, then one gather_nd."""
    is_adv = [isinstance(k, (tf.Tensor, tf.Variable, int)) and k is not None for k in key]
    # With an index tensor present, NumPy treats integers as 0-d index arrays too.
    basic_key = tuple(slice(None) if adv else k for k, adv in zip(key, is_adv))
    y = _basic_getitem(x, basic_key) if basic_key else x
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
    if y.shape.num_elements() == 0:
        # GatherNd refuses any index into empty params, even where the result is empty
        # too (the indices are in range: an indexed axis of size 0 has no valid index).
        rest_shape = tf.shape(y, out_type=tf.int64)[len(index):]
        out = tf.zeros(tf.concat([bshape, rest_shape], 0), y.dtype)
    else:
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


class _Ambient(threading.local):
    """The per-thread stack of ambient persistent tapes used by ``backward()``."""

    def __init__(self) -> None:
        self.stack: list[tf.GradientTape] = []
        self.paused = 0  # unitorch tapes open in this thread (they pause the ambient ones)
        self.traced_grads: list[dict[int, tuple[Any, Any]]] = []  # per function traced
        self.ran_backward: list[list[bool]] = []  # per function traced

    @staticmethod
    def _open() -> tf.GradientTape:
        tape = tf.GradientTape(persistent=True, watch_accessed_variables=True)
        tape.__enter__()
        return tape

    def forget_watched(self) -> None:
        """Reopen this thread's eager ambient tape, dropping what it recorded and the
        variables it watched (which it would otherwise keep alive and keep recording)."""
        if self.stack and tf.executing_eagerly() and self.paused == 0:
            old = self.stack.pop(0)
            old.__exit__(None, None, None)
            self.stack.insert(0, self._open())

    def close_eager(self) -> bool:
        """Close this thread's eager ambient tape (dropping what it recorded) unless a
        unitorch tape has paused it; whether it was closed (reopen it with ``_open``)."""
        if self.stack and self.paused == 0:
            self.stack.pop(0).__exit__(None, None, None)
            return True
        return False

    def ensure(self) -> None:
        """Open the eager ambient tape of this thread if it has none."""
        if not self.stack and tf.executing_eagerly():
            self.stack.append(self._open())

    @contextlib.contextmanager
    def for_trace(self):
        """An ambient tape for a function being traced; gradients that ``backward()``
        leaves on variables inside it are written, at the end of the function, into
        per-variable gradient variables, so ``p.grad`` still holds them after each call."""
        tape = self._open()
        self.stack.append(tape)
        self.traced_grads.append({})
        ran_backward: list[bool] = []
        self.ran_backward.append(ran_backward)
        try:
            yield ran_backward  # non-empty once the function has run backward()
        finally:
            self.ran_backward.pop()
            self.stack.remove(tape)
            tape.__exit__(None, None, None)
            for v, g in self.traced_grads.pop().values():
                if g is None:  # the function ends with the gradient cleared
                    continue
                store = getattr(v, "_unitorch_grad_store", None)
                if store is None:
                    store = _own_variable(lambda v=v: tf.zeros(v.shape, v.dtype))
                    v._unitorch_grad_store = store
                store.assign(g)
                v._unitorch_grad = store

    def set_traced(self, v, g) -> None:
        if self.traced_grads:
            self.traced_grads[-1][id(v)] = (v, g)

    def backward(self, target, output_gradient, create_graph):
        if not self.stack:
            raise RuntimeError(
                "backward(): nothing was recorded in this thread. On the TensorFlow backend "
                "operations are recorded from the moment a tensor requiring gradients (a "
                "Parameter, or x.requires_grad_()) exists in the thread; create the model "
                "in the thread that trains it, or use ut.grad / ut.GradientTape"
            )
        tape = self.stack[-1]
        sources = [v for v in tape.watched_variables() if v.trainable]
        if not sources:
            raise RuntimeError("backward(): the target does not depend on any tensor that "
                               "requires gradients")
        pause = contextlib.nullcontext() if create_graph else tape.stop_recording()
        with pause:
            grads = tape.gradient(target, sources, output_gradients=output_gradient)
        for v, g in zip(sources, grads):
            if g is None:
                continue
            if isinstance(g, tf.IndexedSlices):  # sparse gradients of gathers
                g = tf.convert_to_tensor(g)
            old = _read_grad(v)
            g = g if old is None else raw.AddV2(x=old, y=g)
            v._unitorch_grad = g
            if not tf.executing_eagerly():
                self.set_traced(v, g)


# makers of a function of each arity 0..4 calling ``f`` (see TensorFlowBackend.compile)
_ARITY: tuple[Callable[[Callable[..., Any]], Callable[..., Any]], ...] = (
    lambda f: lambda: f(), lambda f: lambda a: f(a), lambda f: lambda a, b: f(a, b),
    lambda f: lambda a, b, c: f(a, b, c), lambda f: lambda a, b, c, d: f(a, b, c, d),
)


def _own_variable(initial_value: Callable[[], Any]) -> tf.Variable:
    """A non-trainable variable created eagerly, also while a function is traced, that
    the traced ``tf.function`` does not count as its own.  A ``tf.function`` whose first
    trace creates variables (through ``tf.Variable``, which it intercepts) traces the
    function a second time for its later calls; unitorch's optimizer state and gradient
    stores, created on first use and then reused, need no second trace, and constructing
    ``ResourceVariable`` directly bypasses that interception."""
    with tf.init_scope():
        return _resource_variable_ops.ResourceVariable(initial_value(), trainable=False)


def _read_grad(v: Any) -> Any:
    """The gradient stored on variable ``v``: a tensor, or the value of its gradient
    variable (written by a compiled function), or ``None``."""
    g = getattr(v, "_unitorch_grad", None)
    if isinstance(g, tf.Variable):
        return g.read_value()
    return g


_ambient = _Ambient()


@contextlib.contextmanager
def _resume_recording():
    """``enable_grad``: undo a ``no_grad`` pause of this thread's tapes for a while."""
    stopped = _pywrap_tfe.TFE_Py_TapeSetIsStopped()
    if stopped:
        _pywrap_tfe.TFE_Py_TapeSetRestartOnThread()
    try:
        yield
    finally:
        if stopped:
            _pywrap_tfe.TFE_Py_TapeSetStopOnThread()


class _TFTape(GradTape):
    """``tf.GradientTape``, with the ambient tapes paused while it records."""

    def __init__(self, persistent: bool, watch_accessed_variables: bool) -> None:
        self._tape = tf.GradientTape(persistent=persistent,
                                     watch_accessed_variables=watch_accessed_variables)
        self._pauses: list[Any] = []

    def __enter__(self) -> _TFTape:
        # record once, in this tape, not also in the ambient ones (unless an enclosing
        # unitorch tape has paused them already)
        if _ambient.paused == 0:
            for outer in _ambient.stack:
                pause = outer.stop_recording()
                pause.__enter__()
                self._pauses.append(pause)
        _ambient.paused += 1
        self._tape.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._tape.__exit__(*exc)
        _ambient.paused -= 1
        while self._pauses:
            self._pauses.pop().__exit__(None, None, None)

    def watch(self, x: Native) -> Native:
        self._tape.watch(x)
        return x

    def gradient(self, target, sources, output_gradient, create_graph):
        grads = self._tape.gradient(target, list(sources), output_gradients=output_gradient,
                                    unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                for g in grads]

    def stop_recording(self):
        return self._tape.stop_recording()


# ---------------------------------------------------------------------------------------
# optimizer updates


class _Hyper:
    """An optimizer hyperparameter: its Python value, and a float64 variable that
    compiled functions read when they run."""

    __slots__ = ("value", "var")

    def __init__(self, value: float) -> None:
        self.value = value
        with tf.init_scope():
            self.var = tf.Variable(value, dtype=tf.float64, trainable=False)


def _vars(hyper: dict[str, _Hyper]) -> dict[str, tf.Variable]:
    return {k: h.var for k, h in hyper.items()}


_UPDATES: dict[Any, Any] = {}


def _run_update(ops: Callable[..., None], static: tuple[bool, ...], *args: Any) -> None:
    """``ops(static, *args)`` unrecorded: inlined while tracing, else as a cached
    tf.function (one per rule and structure; TF caches a graph per argument signature)."""
    with _record.stop_recording():
        if not tf.executing_eagerly():
            ops(static, *args)
            return
        fn = _UPDATES.get((ops, static))
        if fn is None:
            def run(*a: Any) -> None:
                ops(static, *a)

            fn = _UPDATES[(ops, static)] = tf.function(run, autograph=False)
        fn(*args)


_F64 = tf.float64


def _read(hyper: dict[str, tf.Variable], *names: str) -> list[Native]:
    return [raw.ReadVariableOp(resource=hyper[n].handle, dtype=_F64) for n in names]


def _advance(steps: list[tf.Variable]) -> Native:
    """Add one to each step counter; the new counts as a float64 vector."""
    new = [s.assign_add(tf.constant(1.0, s.dtype), read_value=True) for s in steps]
    return raw.Cast(x=raw.Pack(values=new, axis=0), DstT=_F64)


class _Coef:
    """A float64 scalar (or a vector with one entry per parameter), rounded once to each
    parameter dtype that asks for it."""

    def __init__(self, value: Native, per_param: bool = False) -> None:
        self.value, self.per_param, self._cast = value, per_param, {}

    def __call__(self, dtype: Any, i: int = 0, n: int = 0) -> Native:
        c = self._cast.get(dtype)
        if c is None:
            c = self.value if dtype == _F64 else raw.Cast(x=self.value, DstT=dtype)
            if self.per_param:
                c = raw.Unpack(value=c, num=n, axis=0)
            self._cast[dtype] = c
        return c[i] if self.per_param else c


def _one() -> Native:
    return tf.constant(1.0, _F64)


def _sgd_ops(static, params, grads, bufs, steps, hyper):
    # TF's fused kernels compute exactly this rule: ApplyGradientDescent is p - lr * g,
    # ApplyMomentum is buf = momentum * buf + g', p = p - lr * buf (Nesterov: p - lr * g'
    # - lr * momentum * buf).  With g' = (1 - dampening) * g after the first step, and g
    # on the first step (the buffer starts at 0), buf follows PyTorch's rule.
    nesterov, maximize, decay, momentum_on, damped = static
    lr, wd, momentum, dampening = _read(hyper, "lr", "weight_decay", "momentum", "dampening")
    lr_c, wd_c = _Coef(lr), _Coef(wd)
    if momentum_on:
        t = _advance(steps)
        mom_c = _Coef(momentum)
        if damped:
            first = raw.Unpack(value=raw.Equal(x=t, y=_one()), num=len(params), axis=0)
            keep_c = _Coef(raw.Sub(x=_one(), y=dampening))
    for i, (p, g) in enumerate(zip(params, grads)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=p.read_value()))
        if not momentum_on:
            raw.ResourceApplyGradientDescent(var=p.handle, alpha=lr_c(d), delta=g)
            continue
        if damped:
            g = raw.SelectV2(condition=first[i], t=g, e=raw.Mul(x=keep_c(d), y=g))
        raw.ResourceApplyMomentum(var=p.handle, accum=bufs[i].handle, lr=lr_c(d), grad=g,
                                  momentum=mom_c(d), use_nesterov=nesterov)


def _adam_ops(static, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper):
    # The moments and the parameter are updated in place (AssignAdd where the rule is an
    # addition: m + w1 * (g - m) rounds the same either way), as TF's own optimizers do:
    # fewer ops, and no fresh buffer per moment per step.
    amsgrad, decoupled, maximize, decay = static
    lr, beta1, beta2, eps, wd = _read(hyper, "lr", "beta1", "beta2", "eps", "weight_decay")
    n = len(params)
    t = _advance(steps)
    one = _one()
    bc1 = raw.Sub(x=one, y=raw.Pow(x=beta1, y=t))
    neg_step = _Coef(raw.Neg(x=raw.RealDiv(x=lr, y=bc1)), per_param=True)
    bc2_sqrt = _Coef(raw.Sqrt(x=raw.Sub(x=one, y=raw.Pow(x=beta2, y=t))), per_param=True)
    w1, b2, w2, eps_c = (_Coef(raw.Sub(x=one, y=beta1)), _Coef(beta2),
                         _Coef(raw.Sub(x=one, y=beta2)), _Coef(eps))
    if decay:
        wd_c = _Coef(wd)
        shrink = _Coef(raw.Sub(x=one, y=raw.Mul(x=lr, y=wd)))
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            if decoupled:
                p.assign(raw.Mul(x=_value(p), y=shrink(d)))
            else:
                g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=_value(p)))
        raw.AssignAddVariableOp(resource=m.handle,
                                value=raw.Mul(x=w1(d), y=raw.Sub(x=g, y=_value(m))))
        raw.AssignVariableOp(resource=v.handle,
                             value=raw.AddV2(x=raw.Mul(x=_value(v), y=b2(d)),
                                             y=raw.Mul(x=raw.Mul(x=w2(d), y=g), y=g)))
        v1 = _value(v)
        if amsgrad:
            big = max_exp_avg_sqs[i]
            raw.AssignVariableOp(resource=big.handle, value=raw.Maximum(x=_value(big), y=v1))
            v1 = _value(big)
        denom = raw.AddV2(x=raw.RealDiv(x=raw.Sqrt(x=v1), y=bc2_sqrt(d, i, n)), y=eps_c(d))
        raw.AssignAddVariableOp(
            resource=p.handle,
            value=raw.RealDiv(x=raw.Mul(x=neg_step(d, i, n), y=_value(m)), y=denom))


def _value(v: tf.Variable) -> Native:
    """The current value of variable ``v`` (one op; reads are ordered after the writes
    before them, eagerly and in traced functions)."""
    return raw.ReadVariableOp(resource=v.handle, dtype=v.dtype)


def _rmsprop_ops(static, params, grads, square_avgs, grad_avgs, bufs, steps, hyper):
    centered, maximize, decay, momentum_on = static
    lr, alpha, eps, wd, momentum = _read(hyper, "lr", "alpha", "eps", "weight_decay",
                                         "momentum")
    _advance(steps)
    neg_lr, alpha_c, w_c = _Coef(raw.Neg(x=lr)), _Coef(alpha), _Coef(raw.Sub(x=_one(), y=alpha))
    eps_c, wd_c, mom_c = _Coef(eps), _Coef(wd), _Coef(momentum)
    for i, (p, g, s) in enumerate(zip(params, grads, square_avgs)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=p.read_value()))
        s1 = raw.AddV2(x=raw.Mul(x=s.read_value(), y=alpha_c(d)),
                       y=raw.Mul(x=raw.Mul(x=w_c(d), y=g), y=g))
        s.assign(s1)
        if centered:
            a0 = grad_avgs[i].read_value()
            a1 = raw.AddV2(x=a0, y=raw.Mul(x=w_c(d), y=raw.Sub(x=g, y=a0)))
            grad_avgs[i].assign(a1)
            s1 = raw.Sub(x=s1, y=raw.Mul(x=a1, y=a1))
        avg = raw.AddV2(x=raw.Sqrt(x=s1), y=eps_c(d))
        if momentum_on:
            b = raw.AddV2(x=raw.Mul(x=bufs[i].read_value(), y=mom_c(d)),
                          y=raw.RealDiv(x=g, y=avg))
            bufs[i].assign(b)
            p.assign_add(raw.Mul(x=neg_lr(d), y=b))
        else:
            p.assign_add(raw.RealDiv(x=raw.Mul(x=neg_lr(d), y=g), y=avg))


def _adagrad_ops(static, params, grads, state_sums, steps, hyper):
    # TF's ApplyAdagradV2 is this rule: sum += g * g; p -= clr * g / (sqrt(sum) + eps)
    maximize, decay = static
    lr, lr_decay, wd, eps = _read(hyper, "lr", "lr_decay", "weight_decay", "eps")
    n = len(params)
    t = _advance(steps)
    one = _one()
    clr = _Coef(raw.RealDiv(x=lr, y=raw.AddV2(x=one, y=raw.Mul(x=raw.Sub(x=t, y=one),
                                                                y=lr_decay))), per_param=True)
    eps_c, wd_c = _Coef(eps), _Coef(wd)
    for i, (p, g, acc) in enumerate(zip(params, grads, state_sums)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=p.read_value()))
        raw.ResourceApplyAdagradV2(var=p.handle, accum=acc.handle, lr=clr(d, i, n),
                                   epsilon=eps_c(d), grad=g, update_slots=True)


def _register_copy_gradient() -> None:
    """``DeepCopy`` (used by ``copy``) has no registered gradient in TensorFlow; a copy's
    gradient is the identity."""
    try:
        tf.RegisterGradient("DeepCopy")(lambda op, grad: grad)
    except KeyError:  # registered already (by an earlier import or by TensorFlow itself)
        pass


def _exclude_from_autograph() -> None:
    """AutoGraph rewrites the Python of functions called while tracing a ``tf.function``
    (with ``autograph=True``, TensorFlow's default).  unitorch's code is library code
    around tensor ops, written to trace as it is, so keep AutoGraph out of it, as
    TensorFlow does for its own modules."""
    from tensorflow.python.autograph.core import config

    if not any(isinstance(r, config.DoNotConvert) and r._prefix == "unitorch"
               for r in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (config.DoNotConvert("unitorch"), *config.CONVERSION_RULES)


_register_copy_gradient()
_exclude_from_autograph()
BACKEND = TensorFlowBackend()
