"""The TensorFlow backend's plumbing: dtypes, devices, conversion, Python scalars, and the
one cache idiom the backend's caches share (:func:`_remembered`).

Every other module of this package imports its shared helpers from here.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf
from tensorflow.python.eager.context import executing_eagerly as _executing_eagerly
from tensorflow.python.framework import override_binary_operator as _override_binary_operator

from ... import dtypes as dt
from ...devices import Device, check_available
from ..contract import Native

raw = tf.raw_ops

_DTYPES = {
    dt.bool: tf.bool, dt.int8: tf.int8, dt.int16: tf.int16, dt.int32: tf.int32,
    dt.int64: tf.int64, dt.uint8: tf.uint8, dt.uint16: tf.uint16, dt.uint32: tf.uint32,
    dt.uint64: tf.uint64, dt.float16: tf.float16,
    dt.bfloat16: tf.bfloat16, dt.float32: tf.float32, dt.float64: tf.float64,
    dt.complex64: tf.complex64, dt.complex128: tf.complex128,
}
_FROM_NATIVE = {v: k for k, v in _DTYPES.items()}
_CPU = Device("cpu")
_REAL_OF = {tf.complex64: tf.float32, tf.complex128: tf.float64}
_INT_OF_FLOAT = {tf.float16: tf.int16, tf.bfloat16: tf.int16, tf.float32: tf.int32,
                 tf.float64: tf.int64}
_SMALL_INTS = (tf.int8, tf.int16, tf.uint8)
_UNSIGNED = (tf.uint8, tf.uint16, tf.uint32, tf.uint64)
_WIDER = {tf.int8: tf.int32, tf.int16: tf.int32, tf.uint8: tf.int32, tf.uint16: tf.int32,
          tf.uint32: tf.int64, tf.uint64: tf.int64}
"""The integer dtypes some TF kernels lack (Pow, MatMul, Tile of uint16...), and the one
each is computed in: wide enough for every value, except uint64, which int64 holds with
the same bits (Cast keeps them), so that sums and products wrap as uint64's do."""


def _int64_bits(value: int) -> int:
    """A Python int in uint64's range as the int64 with the same bits (for ops computed
    in int64 and cast back)."""
    return value - 2**64 if value >= 2**63 else value


_ADOPTED: set[type] = set()


def _convert_unitorch_tensor(value: Any, dtype: Any = None, name: Any = None,
                             as_ref: bool = False) -> Any:
    """TensorFlow's conversion of a unitorch Tensor.  TensorFlow's binary operators
    (``tf_tensor + t``) convert the right operand and, only when that fails with
    ``TypeError``, call its reflected operator (``t.__radd__``): refusing here, inside
    an operator, makes the result a unitorch Tensor, as ``torch_tensor + t`` is.  Any
    other conversion (``tf.constant(t)``, a TensorFlow function given ``t``) goes on to
    TensorFlow's own conversion (``NotImplemented``), through NumPy's protocol."""
    frame = sys._getframe(1)
    for _ in range(24):  # the operator is several frames up (its op, convert_to_tensor)
        if frame is None:
            break
        code = frame.f_code
        if code.co_name == "binary_op_wrapper" and code.co_filename == _OPERATORS_FILE:
            raise TypeError("a unitorch Tensor: use its reflected operator")
        frame = frame.f_back
    return NotImplemented


_OPERATORS_FILE = _override_binary_operator.__file__


def _tf_device(device: Device | None) -> str | None:
    if device is None:
        return None
    if device.type == "cpu":
        return "/CPU:0"
    check_available(device, _gpu_count())  # TF would silently use the CPU instead
    return f"/GPU:{device.index}"


@functools.cache
def _gpu_count() -> int:
    """The GPUs TensorFlow sees (fixed once its runtime is initialized)."""
    return len(tf.config.list_logical_devices("GPU"))


def _const(value: Any, like: Native) -> Native:
    return tf.constant(value, dtype=like.dtype)


def _scalar(value: Any, dtype: Any) -> Native:
    """``tf.constant(value, dtype)`` for a Python scalar, keeping the sign of zero (see
    :func:`_loses_sign`)."""
    if _loses_sign(value):
        value = np.array(value)
    return tf.constant(value, dtype)


def _loses_sign(value: Any) -> bool:
    """Whether TensorFlow could turn Python scalar ``value`` into a zero of the other
    sign.  Eagerly, TensorFlow converts Python numbers (given to ``tf.constant`` or as a
    raw op's input) through a cache keyed by Python equality, where ``0.0 == -0.0``:
    ``raw.Mul(x=x, y=0.0)`` can multiply by a cached ``-0.0`` made earlier (or the
    reverse), and likewise for complex numbers with a zero part.  A 0-d NumPy array is
    never cached, so such values go through one."""
    t = type(value)
    if t is float:
        return value == 0
    return t is complex and (value.real == 0 or value.imag == 0)


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


class _Cache:
    """Values remembered by key (see :func:`_remembered`), bounded by bytes: its keys
    (shapes, slices, lengths) can vary without end, and one entry can be large (an index
    ramp of a long axis).  When a new entry would take the cache past ``budget`` bytes,
    the cache is emptied first; an entry larger than the budget is not kept.  Sizes are
    the bytes of the tensors an entry holds plus :data:`_ENTRY_BYTES` for the rest."""

    __slots__ = ("entries", "nbytes", "budget")

    def __init__(self, budget: int) -> None:
        self.entries: dict[Any, Any] = {}
        self.nbytes = 0
        self.budget = budget

    def clear(self) -> None:
        self.entries.clear()
        self.nbytes = 0


_ENTRY_BYTES = 256  # a key, a dict slot and a small Python object, about


def _nbytes(value: Any) -> int:
    """The bytes an entry of a :class:`_Cache` holds: its tensors' data, and
    :data:`_ENTRY_BYTES` for everything else."""
    if isinstance(value, (tf.Tensor, tf.Variable)):
        n = value.shape.num_elements()
        return _ENTRY_BYTES + (n or 0) * value.dtype.size
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return _ENTRY_BYTES


def _remembered(cache: _Cache, key: Any, make: Callable[[], Any]) -> Any:
    """``cache``'s value for ``key``, made by ``make()`` on a miss (a hit costs one dict
    lookup)."""
    found = cache.entries.get(key)
    if found is None:
        found = make()
        size = _nbytes(found)
        if size > cache.budget:
            return found
        if cache.nbytes + size > cache.budget:
            cache.clear()
        cache.entries[key] = found
        cache.nbytes += size
    return found


_INT_CONSTANTS = _Cache(4 << 20)  # int tuples as int64 tensors (see _ints): tiny, many
_CONSTANTS = _Cache(4 << 20)  # scalars: tiny, few


def _constants(dtype: Any, *values: int) -> tuple[Native, ...]:
    """``values`` as eager scalars of ``dtype``, made once (making a constant costs
    several times a small op) and outside any function being traced."""

    def make() -> tuple[Native, ...]:
        with tf.init_scope():
            return tuple(tf.constant(v, dtype) for v in values)

    return _remembered(_CONSTANTS, (dtype, values), make)


class CoreOps:
    """The contract's ``core`` section."""

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
    def bitcast(x: Native, dtype: dt.DType) -> Native:
        return raw.Bitcast(input=x, type=_DTYPES[dtype])

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
    def assign_add(x: Native, delta: Native) -> Native:
        if isinstance(x, tf.Variable):
            raw.AssignAddVariableOp(resource=x.handle, value=delta)
            return x
        return raw.AddV2(x=x, y=delta)

    @staticmethod
    def assign_sub(x: Native, delta: Native) -> Native:
        if isinstance(x, tf.Variable):
            raw.AssignSubVariableOp(resource=x.handle, value=delta)
            return x
        return raw.Sub(x=x, y=delta)

    # a process forked after TensorFlow ran ops hangs in its first op that uses the
    # intra-op thread pool (a 500x500 matmul did, on TF 2.21): data workers start fresh
    fork_safe = False

    @staticmethod
    def adopt_tensor_type(tensor_type: type) -> None:
        base = tensor_type.__mro__[1]  # unitorch.Tensor: unitorch Tensors of any backend
        if base not in _ADOPTED:
            _ADOPTED.add(base)
            tf.register_tensor_conversion_function(base, _convert_unitorch_tensor, 0)

    @staticmethod
    def out_of_memory(error: BaseException) -> bool:
        return isinstance(error, (tf.errors.ResourceExhaustedError, MemoryError))

    @staticmethod
    def is_compiling() -> bool:
        return not tf.executing_eagerly()

    @staticmethod
    def scalar_operand(value: Any, dtype: dt.DType) -> Any:
        # a signed zero through a NumPy array (see _loses_sign); other scalars as they are
        return _scalar(value, _DTYPES[dtype]) if _loses_sign(value) else value

    @staticmethod
    def scalar_kernel(kernel: Callable[..., Native], reflected: bool
                      ) -> Callable[[Native, Any], Native]:
        # A float zero goes to the kernel as a 0-d tensor of x's dtype (see _loses_sign);
        # every other scalar as it is, which raw ops convert on their C fast path.  (The
        # fast path hands over Python ints and floats only.)  A scalar first is converted
        # while tracing too: a graph op takes the type of its first input, and would make
        # 1.0 a float32 before seeing a float64 x.
        if reflected:
            def swapped(x: Native, s: Any) -> Native:
                if (s == 0 and type(s) is float) or not _executing_eagerly():
                    s = _scalar(s, x.dtype)
                return kernel(s, x)

            return swapped

        def guarded(x: Native, s: Any) -> Native:
            return kernel(x, _scalar(s, x.dtype) if s == 0 and type(s) is float else s)

        return guarded

    @staticmethod
    def set_matmul_precision(precision: str) -> None:
        # TF enables TF32 by default on Ampere and later GPUs; unitorch does not.
        tf.config.experimental.enable_tensor_float_32_execution(precision == "high")


def _register_copy_gradient() -> None:
    """``DeepCopy`` (used by ``copy``) has no registered gradient in TensorFlow; a copy's
    gradient is the identity."""
    try:
        tf.RegisterGradient("DeepCopy")(lambda op, grad: grad)
    except KeyError:  # registered already (by an earlier import or by TensorFlow itself)
        pass



_register_copy_gradient()
