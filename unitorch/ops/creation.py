"""Creating tensors, and converting data into and out of them.

Dtype inference for Python data follows the standard: ``bool`` -> ``bool``, ``int`` ->
``int64``, ``float`` -> the default float dtype (``float32``), ``complex`` -> the default
complex dtype; mixed nested data takes the widest kind present (``[1, 2.0]`` is float32).
NumPy data keeps its dtype (a float64 array, or an ``np.float64`` scalar, makes a float64
tensor; every NumPy integer, bool, float and complex dtype has a unitorch dtype, except
``float128``, ``complex256`` and the others no framework has).

Memory sharing (``copy=None``) differs by framework, and is the one place where it may:
a torch tensor shares a writable NumPy array's memory (as ``torch.from_numpy``); a
TensorFlow tensor owns its memory, so NumPy data is copied.  Between backends DLPack
shares the buffer where the target allows: TensorFlow's buffers go to torch without a
copy; torch's go to TensorFlow without a copy when 64-byte aligned (TensorFlow's kernels
require it), and are copied otherwise.  ``copy=False`` never copies silently: it shares,
or raises ``ValueError``.  ``copy=True`` always makes an independent buffer.

New tensors go on the default device: the first GPU the backend sees, else the CPU,
unless :func:`unitorch.set_default_device` chose another; the same on every backend.
"""

from __future__ import annotations

import ctypes
import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._alloc import allocate
from .._dispatch import backend_of, is_scalar, to_tensor
from ..backends import Backend, _loaded, backend_of_native, current, use_backend
from ..devices import Device, as_device, check_available
from ..errors import DTypeError, ShapeError, fmt_shape
from ..tensor import Tensor, _wrap

__all__ = [
    "asarray", "tensor", "from_native", "from_dlpack", "arange", "empty", "empty_like",
    "zeros", "zeros_like", "ones", "ones_like", "full", "full_like", "eye", "linspace",
    "logspace",
    "meshgrid", "tril", "triu", "diag", "astype", "set_default_device", "get_default_device",
]

_default_device: list[Device | None] = [None]


def set_default_device(device: str | Device | None) -> None:
    """Create new tensors on ``device`` on every backend (``None``: the first GPU if the
    backend sees one, else the CPU).

    Example:
        >>> ut.set_default_device("cpu")
        >>> ut.zeros(2).device
        Device('cpu')
        >>> ut.set_default_device(None)  # back to the first GPU if there is one, else the CPU

    A GPU that the active backend (or another loaded one) does not see raises
    :class:`DeviceError`.
    """
    dev = as_device(device)
    if dev is not None and dev.type == "gpu":
        for b in {id(b): b for b in (current(), *_loaded.values())}.values():
            check_available(dev, len(b.devices()) - 1)
    _default_device[0] = dev


def get_default_device(backend: Backend | None = None) -> Device:
    """The device new tensors of ``backend`` (default: the active one) are created on.

    Example:
        >>> ut.zeros(2).device == ut.get_default_device()
        True
        >>> ut.get_default_device() in ("cpu", "gpu:0")
        True
    """
    if _default_device[0] is not None:
        return _default_device[0]
    b = backend or current()
    found = getattr(b, "_default_device", None)
    if found is None:
        devs = b.devices()
        found = devs[1] if len(devs) > 1 else devs[0]
        b._default_device = found
    return found


def _device(backend: Backend, device: Any) -> Device:
    return as_device(device) or get_default_device(backend)


# ---------------------------------------------------------------------------------------
# conversion


_PYTHON_SCALARS = (bool, int, float, complex)


def _python_leaves_only(obj: Any) -> bool:
    """True when ``obj`` is a Python scalar or nested lists/tuples of Python scalars
    (NumPy scalars, even ``np.float64`` which subclasses ``float``, are NumPy data)."""
    if type(obj) in _PYTHON_SCALARS:
        return True
    if isinstance(obj, (list, tuple)):
        return all(_python_leaves_only(o) for o in obj)
    return False


def _numpy_from_data(obj: Any, dtype: dt.DType | None, copy: bool | None) -> np.ndarray:
    if isinstance(obj, (str, bytes)) or obj is None:
        raise TypeError(f"cannot make a tensor from {type(obj).__name__}")
    python_data = isinstance(obj, (list, tuple)) or type(obj) in _PYTHON_SCALARS
    if copy is False and python_data:
        raise ValueError("asarray(): Python data is always copied (copy=False refused)")
    try:
        return _numpy_of(obj, dtype, copy)
    except ValueError as e:
        if python_data and "inhomogeneous" in str(e):
            raise ShapeError("asarray(): nested sequences of different lengths do not make "
                             "a tensor") from None
        raise


def _numpy_of(obj: Any, dtype: dt.DType | None, copy: bool | None) -> np.ndarray:
    if dtype is None and _python_leaves_only(obj):
        try:
            arr = np.asarray(obj)
        except OverflowError:
            raise OverflowError("Python integer out of range for int64") from None
        kind = arr.dtype.kind
        if kind == "f":
            dtype = dt.get_default_dtype()
        elif kind == "c":
            dtype = dt.default_complex()
        elif kind in "iu":
            if arr.dtype == np.uint64 or arr.dtype.kind == "O":
                raise OverflowError("Python integer out of range for int64")
            dtype = dt.int64
        elif kind == "b":
            dtype = dt.bool
        elif kind == "O":  # NumPy keeps integers beyond 64 bits as Python objects
            raise OverflowError("Python integer out of range for int64")
        else:
            raise TypeError(f"cannot make a tensor from {obj!r}")
        return arr.astype(dtype.numpy, copy=False)
    np_dtype = None if dtype is None else dtype.numpy
    if copy is False:
        arr = np.asarray(obj, dtype=np_dtype, copy=False)
    elif copy:
        arr = np.array(obj, dtype=np_dtype, copy=True)
    else:
        arr = np.asarray(obj, dtype=np_dtype)
    if arr.dtype not in dt._BY_NUMPY:
        raise DTypeError(f"cannot make a tensor from data of NumPy dtype {arr.dtype}")
    return arr


def _finish(t: Tensor, dtype: dt.DType | None, device: Device | None, copy: bool | None
            ) -> Tensor:
    """Apply a requested dtype, device and copy to a tensor of the right backend."""
    backend = type(t)._bk
    copied = False
    if dtype is not None and t._d is not dtype:
        if copy is False:
            raise ValueError(f"converting {t._d.name} to {dtype.name} needs a copy (copy=False)")
        t = _wrap(type(t), backend.cast(t._n, dtype), dtype)
        copied = True
    if device is not None and backend.device(t._n) != device:
        if copy is False:
            raise ValueError("moving to another device needs a copy (copy=False)")
        t = _wrap(type(t), backend.to_device(t._n, device), t._d)
        copied = True
    if copy and not copied:
        t = _wrap(type(t), backend.copy(t._n), t._d)
    return t


def asarray_on(backend: Backend, obj: Any, dtype: Any = None, device: Any = None,
               copy: bool | None = None) -> Tensor:
    """:func:`asarray` on a given backend (the engine behind every conversion)."""
    dtype = None if dtype is None else dt.as_dtype(dtype)
    device = as_device(device)
    if isinstance(obj, Tensor):
        if type(obj)._bk is not backend:
            obj = _across(obj, backend, copy)
        return _finish(obj, dtype, device, copy)
    native_backend = backend_of_native(obj)
    if native_backend is not None:
        t = _wrap_native(native_backend, obj)
        if native_backend is not backend:
            t = _across(t, backend, copy)
        return _finish(t, dtype, device, copy)
    if hasattr(obj, "__dlpack__") and not isinstance(obj, np.ndarray):
        t = _wrap_native(backend, backend.from_dlpack(obj))
        if copy is False and not _shares(_host_view_of(obj), _host_view(backend, t._n)):
            raise ValueError(f"asarray(): the {backend.name} backend cannot share the memory "
                             f"of this {type(obj).__name__} (copy=False refused)")
        return _finish(t, dtype, device, copy)
    arr = _numpy_from_data(obj, dtype, copy)
    native = backend.from_numpy(arr, _device(backend, device))
    if copy is False and not _shares(arr, _host_view(backend, native)):
        raise ValueError(f"asarray(): the {backend.name} backend cannot share the memory of "
                         "this array (copy=False refused); pass copy=None to allow a copy")
    return backend.wrap(native)


def _wrap_native(backend: Backend, native: Any) -> Tensor:
    """``backend.wrap(native)``, or :class:`DTypeError` for a dtype unitorch lacks."""
    d = backend.dtype_from_native.get(native.dtype)
    if d is None:
        raise DTypeError(f"unsupported dtype {native.dtype!r}; unitorch dtypes are "
                         + ", ".join(x.name for x in dt.all_dtypes))
    return _wrap(backend.Tensor, native, d)


def _host_view_of(obj: Any) -> np.ndarray | None:
    """A NumPy array on the memory of a host (CPU) buffer, or ``None``."""
    try:
        return np.from_dlpack(obj)
    except Exception:  # not on the host, or a dtype NumPy lacks (bfloat16)
        return None


def _host_view(backend: Backend, native: Any) -> np.ndarray | None:
    """A NumPy array on the memory of a host native tensor where one can be had."""
    found = _host_view_of(_DLPackView(backend, native))
    if found is None:
        try:
            return backend.to_numpy(native)  # a view for torch; a copy for TensorFlow
        except Exception:
            return None
    return found


def _shares(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Whether two host views share memory (vacuously true with nothing to share)."""
    if a is not None and a.size == 0:
        return True
    return a is not None and b is not None and np.may_share_memory(a, b)


def _across(t: Tensor, backend: Backend, copy: bool | None) -> Tensor:
    """Move a tensor to another backend: DLPack without a copy where both frameworks
    can share the buffer, otherwise through NumPy (a copy).  With ``copy=False`` a
    conversion that would copy raises ``ValueError``."""
    source = type(t)._bk
    if copy is not True:
        try:
            out = backend.from_dlpack(_DLPackView(source, t._n))
        except Exception:  # no DLPack route (bfloat16 on some builds, other devices...)
            out = None
        if out is not None and backend.dtype_from_native.get(out.dtype) is t._d:
            if copy is None or _same_memory(source, t._n, backend, out):
                return _wrap(backend.Tensor, out, t._d)
    if copy is False:
        raise ValueError(f"moving this {source.name} tensor to {backend.name} needs a copy "
                         "(copy=False refused)")
    arr = source.to_numpy(t._n)
    return backend.wrap(backend.from_numpy(np.array(arr), source.device(t._n)))


def _same_memory(a_backend: Backend, a: Any, b_backend: Backend, b: Any) -> bool:
    """Whether two native tensors share memory, by the address ranges their DLPack
    exports describe (exact for every dtype, bfloat16 included, which NumPy cannot view);
    through NumPy views where a range cannot be read."""
    spans = [_dlpack_span(_DLPackView(k, n)) for k, n in ((a_backend, a), (b_backend, b))]
    if spans[0] is None or spans[1] is None:
        return _shares(_host_view(a_backend, a), _host_view(b_backend, b))
    (a0, a1), (b0, b1) = spans
    return a0 == a1 or b0 == b1 or (a0 < b1 and b0 < a1)  # empty: nothing to share


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):  # DLPack's DLTensor, the head of a DLManagedTensor
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int),
                ("dtype", _DLDataType), ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)), ("byte_offset", ctypes.c_uint64)]


_capsule_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))
_capsule_valid = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_IsValid", ctypes.pythonapi))


def _dlpack_span(obj: Any) -> tuple[int, int] | None:
    """The ``[start, end)`` byte addresses of the elements an object's (unversioned)
    DLPack capsule describes, or ``None``.  The capsule is read, not consumed: its
    destructor releases the export."""
    try:
        capsule = obj.__dlpack__()
    except Exception:
        return None
    if not _capsule_valid(capsule, b"dltensor"):
        return None
    t = _DLTensor.from_address(_capsule_pointer(capsule, b"dltensor"))
    shape = [t.shape[i] for i in range(t.ndim)]
    start = (t.data or 0) + t.byte_offset
    if 0 in shape:
        return start, start
    itemsize = (t.dtype.bits * t.dtype.lanes + 7) // 8
    if not t.strides:  # compact row-major
        return start, start + math.prod(shape) * itemsize
    steps = [(n - 1) * t.strides[i] for i, n in enumerate(shape)]
    low = sum(s for s in steps if s < 0)
    high = sum(s for s in steps if s > 0)
    return start + low * itemsize, start + (high + 1) * itemsize


class _DLPackView:
    """Adapts a native tensor to the ``__dlpack__`` protocol for another framework."""

    __slots__ = ("_backend", "_native")

    def __init__(self, backend: Backend, native: Any) -> None:
        self._backend, self._native = backend, native

    def __dlpack__(self, stream: Any = None, **_: Any) -> Any:
        return self._backend.to_dlpack(self._native, stream)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._backend.dlpack_device(self._native)


def asarray(obj: Any, /, *, dtype: dt.DTypeLike | None = None,
            device: str | Device | None = None, copy: bool | None = None) -> Tensor:
    """Convert ``obj`` to a Tensor of the active backend.

    ``obj`` may be a Python scalar or nested sequence, a NumPy array, a native torch or
    TensorFlow tensor, a unitorch Tensor (of any backend: converting between backends
    is done only here, explicitly) or an object with ``__dlpack__``.  ``copy=None``
    shares memory where possible, ``True`` always copies, ``False`` never does (and
    raises ``ValueError`` if it would have to).

    Example:
        >>> ut.asarray([[1, 2], [3, 4]]).dtype
        unitorch.int64
    """
    return asarray_on(current(), obj, dtype=dtype, device=device, copy=copy)


def tensor(data: Any, dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
           requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (``torch.tensor``'s spelling of
    :func:`asarray` with ``copy=True``).

    Example:
        >>> ut.tensor([1., 2., 3.])
        tensor([1., 2., 3.], dtype=float32, ...)
    """
    t = asarray(data, dtype=dtype, device=device, copy=True)
    if requires_grad:
        t.requires_grad_(True)
    return t


def from_native(x: Any, /) -> Tensor:
    """Wrap a native ``torch.Tensor``, ``tf.Tensor`` or ``tf.Variable`` without copying.

    The backend is the native tensor's framework, whatever the active backend is.

    Example:
        >>> import torch
        >>> ut.from_native(torch.ones(2)).backend
        'torch'
    """
    backend = backend_of_native(x)
    if backend is None:
        raise TypeError(
            f"from_native() expects a torch.Tensor, tf.Tensor or tf.Variable, "
            f"got {type(x).__name__}"
        )
    return _wrap_native(backend, x)


def from_dlpack(x: Any, /, *, device: str | Device | None = None,
                copy: bool | None = None) -> Tensor:
    """Import an object implementing ``__dlpack__`` (a NumPy array, a torch tensor, a
    unitorch Tensor of either backend...) into the active backend, sharing memory
    where the frameworks allow.

    Example:
        >>> ut.from_dlpack(np.arange(3.0)).dtype
        unitorch.float64
    """
    backend = current()
    if isinstance(x, Tensor) or backend_of_native(x) is not None:
        return asarray_on(backend, x, device=device, copy=copy)
    if not hasattr(x, "__dlpack__"):
        raise TypeError(f"from_dlpack() expects an object with __dlpack__, got "
                        f"{type(x).__name__}")
    t = _wrap_native(backend, backend.from_dlpack(x))
    if copy is False and not _shares(_host_view_of(x), _host_view(backend, t._n)):
        raise ValueError(f"from_dlpack(): the {backend.name} backend cannot share the memory "
                         f"of this {type(x).__name__} (copy=False refused)")
    return _finish(t, None, as_device(device), copy)


def astype(x: Tensor, dtype: dt.DTypeLike, /, *, copy: bool = True,
           device: str | Device | None = None) -> Tensor:
    """``x`` converted to ``dtype``.

    Floating to integer truncates toward zero (out-of-range values are unspecified);
    anything to ``bool`` is ``x != 0``.  Complex to real is refused (take ``real`` or
    ``abs`` explicitly).  With ``copy=False`` the input itself is returned when nothing
    changes.

    Example:
        >>> ut.astype(ut.tensor([1.7, -1.7]), ut.int32)
        tensor([ 1, -1], dtype=int32)
    """
    target = dt.as_dtype(dtype)
    if not isinstance(x, Tensor):
        raise TypeError(f"astype() expects a Tensor, got {type(x).__name__}")
    if x._d.kind == "c" and target.kind != "c":
        raise DTypeError(
            f"astype() cannot convert complex {x._d.name} to {target.name}; "
            "use ut.real(x), ut.imag(x) or ut.abs(x)"
        )
    backend = type(x)._bk
    if x._d is target:
        out = _wrap(type(x), backend.copy(x._n), target) if copy else x
    else:
        out = _wrap(type(x), backend.cast(x._n, target), target)
    if device is not None:
        out = out.to_device(device)
    return out


# ---------------------------------------------------------------------------------------
# creation


def _shape(shape: Any, more: tuple[int, ...], op: str) -> tuple[int, ...]:
    if more:  # torch's ut.zeros(2, 3)
        for m in more:
            if _names_a_dtype(m):  # ut.zeros(3, ut.int64): NumPy's positional dtype
                raise TypeError(f"{op}(): dtype is keyword-only: write {op}(..., "
                                f"dtype={m!r}), not a positional argument after the shape")
        shape = (shape, *more)
    if isinstance(shape, (int, np.integer)):
        shape = (shape,)
    try:
        if isinstance(shape, (str, bytes)):
            raise TypeError
        out = tuple(operator.index(s) for s in shape)
    except TypeError:
        raise TypeError(f"{op}() shape must be an int or a sequence of ints, got {shape!r}"
                        ) from None
    if any(s < 0 for s in out):
        raise ShapeError(f"{op}() shape {out} has a negative dimension")
    return out


def _names_a_dtype(obj: Any) -> bool:
    """Whether ``obj`` (found where a size was expected) is a dtype in any spelling."""
    if isinstance(obj, (int, np.integer)):
        return False
    try:
        dt.as_dtype(obj)
    except (DTypeError, TypeError):
        return False
    return True


def _fill_dtype(value: Any, dtype: Any) -> dt.DType:
    if dtype is not None:
        return dt.as_dtype(dtype)
    if isinstance(value, Tensor):
        return value._d
    return dt.scalar_dtype(value)


def full(shape: int | Sequence[int], fill_value: bool | int | float | complex, *more: int,
         dtype: dt.DTypeLike | None = None, device: str | Device | None = None) -> Tensor:
    """A tensor of ``shape`` filled with ``fill_value``; the dtype defaults to the
    scalar's (bool, int64, the default float or the default complex).

    Example:
        >>> ut.full((2,), 7)
        tensor([7, 7], dtype=int64)
    """
    return _full("full", _shape(shape, more, "full"), fill_value, dtype, device)


def _full(op: str, shape: tuple[int, ...], fill_value: Any, dtype: Any, device: Any
          ) -> Tensor:
    backend = current()
    d = _fill_dtype(fill_value, dtype)
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    value = _fill(fill_value, d, op)
    dev = _device(backend, device)
    return _wrap(backend.Tensor, allocate(backend, op, shape, d, dev,
                                            lambda: backend.full(shape, value, d, dev)), d)


def _fill(value: Any, dtype: dt.DType, op: str) -> bool | int | float | complex:
    """``value`` checked against ``dtype`` and made the Python scalar type of its kind
    (``bool``, ``int``, ``float``, ``complex``), which is what the backends accept."""
    if not is_scalar(value):
        raise TypeError(f"{op}() fill_value must be a Python scalar, got {type(value).__name__}")
    if isinstance(value, np.generic):
        value = value.item()
    kind = dtype.kind
    if isinstance(value, complex) and kind != "c":
        if value.imag != 0 or kind in "biu":
            raise DTypeError(f"{op}() cannot fill {dtype.name} with a complex value")
        value = value.real
    if kind == "b":
        return bool(value)
    if kind in "iu":
        if isinstance(value, float):
            if not value.is_integer():
                raise DTypeError(f"{op}() cannot fill {dtype.name} with {value!r}")
            value = int(value)
        info = dt.iinfo(dtype)
        if not info.min <= value <= info.max:
            raise OverflowError(f"{op}(): {value} is out of range for {dtype.name}")
        return int(value)
    try:
        value = float(value) if kind == "f" else complex(value)
    except OverflowError:  # a huge int: the nearest float is infinite
        value = math.inf if value > 0 else -math.inf
    if dtype.bits < 64 or kind == "c":  # round here: the frameworks refuse what overflows
        with np.errstate(over="ignore"):
            value = np.asarray(value).astype(dtype.numpy).item()
        value = float(value) if kind == "f" else complex(value)
    return value


def zeros(shape: int | Sequence[int], *more: int, dtype: dt.DTypeLike | None = None,
          device: str | Device | None = None) -> Tensor:
    """A tensor of zeros (default float dtype).  ``ut.zeros((2, 3))`` or ``ut.zeros(2, 3)``.

    Example:
        >>> ut.zeros(2, 3).shape
        (2, 3)
    """
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    return _full("zeros", _shape(shape, more, "zeros"), 0, d, device)


def ones(shape: int | Sequence[int], *more: int, dtype: dt.DTypeLike | None = None,
         device: str | Device | None = None) -> Tensor:
    """A tensor of ones (default float dtype).

    Example:
        >>> ut.ones((2,), dtype=ut.int64)
        tensor([1, 1], dtype=int64)
    """
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    return _full("ones", _shape(shape, more, "ones"), 1, d, device)


def empty(shape: int | Sequence[int], *more: int, dtype: dt.DTypeLike | None = None,
          device: str | Device | None = None) -> Tensor:
    """A tensor whose values are unspecified (unitorch fills it with zeros, so results
    never depend on stale memory).

    Example:
        >>> ut.empty(3).shape
        (3,)
    """
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    return _full("empty", _shape(shape, more, "empty"), 0, d, device)


def _like(x: Tensor, fill: Any, dtype: Any, device: Any, op: str) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}() expects a Tensor, got {type(x).__name__}")
    backend = type(x)._bk
    d = x._d if dtype is None else dt.as_dtype(dtype)
    if isinstance(fill, Tensor):
        fill = fill.item()
    fill = _fill(fill, d, op)
    dev = as_device(device) or backend.device(x._n)
    shape = backend.shape(x._n)
    return _wrap(type(x), allocate(backend, op, shape, d, dev,
                                     lambda: backend.full(shape, fill, d, dev)), d)


def zeros_like(x: Tensor, /, *, dtype: dt.DTypeLike | None = None,
               device: str | Device | None = None) -> Tensor:
    """Zeros with the shape (and by default dtype and device) of ``x``.

    Example:
        >>> ut.zeros_like(ut.ones(2))
        tensor([0., 0.], dtype=float32)
    """
    return _like(x, 0, dtype, device, "zeros_like")


def ones_like(x: Tensor, /, *, dtype: dt.DTypeLike | None = None,
              device: str | Device | None = None) -> Tensor:
    """Ones with the shape (and by default dtype and device) of ``x``.

    Example:
        >>> ut.ones_like(ut.zeros(2))
        tensor([1., 1.], dtype=float32)
    """
    return _like(x, 1, dtype, device, "ones_like")


def empty_like(x: Tensor, /, *, dtype: dt.DTypeLike | None = None,
               device: str | Device | None = None) -> Tensor:
    """A tensor like ``x`` with unspecified values (zeros, see :func:`empty`).

    Example:
        >>> ut.empty_like(ut.ones(2)).shape
        (2,)
    """
    return _like(x, 0, dtype, device, "empty_like")


def full_like(x: Tensor, /, fill_value: bool | int | float | complex, *,
              dtype: dt.DTypeLike | None = None, device: str | Device | None = None) -> Tensor:
    """``fill_value`` with the shape (and by default dtype and device) of ``x``.

    Example:
        >>> ut.full_like(ut.ones(2), 5.)
        tensor([5., 5.], dtype=float32)
    """
    return _like(x, fill_value, dtype, device, "full_like")


def arange(start: int | float, /, stop: int | float | None = None, step: int | float = 1, *,
           dtype: dt.DTypeLike | None = None, device: str | Device | None = None) -> Tensor:
    """Values ``start, start + step, ...`` below ``stop`` (above, for a negative step):
    ``ceil((stop - start) / step)`` of them, each computed as ``start + i * step``.

    The dtype is int64 when all arguments are ints, else the default float dtype.

    Example:
        >>> ut.arange(5)
        tensor([0, 1, 2, 3, 4], dtype=int64)
    """
    if stop is None:
        start, stop = 0, start
    values = []
    for name, v in (("start", start), ("stop", stop), ("step", step)):
        if isinstance(v, Tensor):
            v = v.item()
        if isinstance(v, np.generic):
            v = v.item()
        if not isinstance(v, (int, float)) or isinstance(v, bool):
            raise TypeError(f"arange() {name} must be a real number, got {v!r}")
        if isinstance(v, float) and not math.isfinite(v):
            raise ValueError(f"arange() {name} must be finite, got {v!r}")
        values.append(v)
    start, stop, step = values
    if step == 0:
        raise ValueError("arange() step must not be zero")
    all_int = all(isinstance(v, int) for v in values)
    if dtype is None:
        d = dt.int64 if all_int else dt.get_default_dtype()
    else:
        d = dt.as_dtype(dtype)
        if d.kind not in "iuf":
            raise DTypeError(f"arange() dtype must be real numeric, got {d.name}")
    n = max(0, -((start - stop) // step) if all_int else math.ceil((stop - start) / step))
    if d.kind in "iu" and n:
        info = dt.iinfo(d)
        last = start + (n - 1) * step
        if not (info.min <= start <= info.max and info.min <= last <= info.max):
            raise OverflowError(f"arange() values fall outside {d.name}")
    backend = current()
    dev = _device(backend, device)
    native = allocate(backend, "arange", (n,), d, dev,
                        lambda: backend.arange(start, stop, step, d, dev))
    return _wrap(backend.Tensor, native, d)


def eye(n_rows: int, n_cols: int | None = None, /, *, k: int = 0,
        dtype: dt.DTypeLike | None = None, device: str | Device | None = None) -> Tensor:
    """A 2-D tensor with ones on the ``k``-th diagonal and zeros elsewhere.

    Example:
        >>> ut.eye(2)
        tensor([[1., 0.],
                [0., 1.]], dtype=float32)
    """
    n_cols = n_rows if n_cols is None else n_cols
    n_rows, n_cols, k = operator.index(n_rows), operator.index(n_cols), operator.index(k)
    if n_rows < 0 or n_cols < 0:
        raise ShapeError(f"eye() sizes must be non-negative, got {n_rows} and {n_cols}")
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    k = min(max(k, -n_rows), n_cols)  # a diagonal outside the matrix is all zeros anyway
    backend = current()
    dev = _device(backend, device)
    native = allocate(backend, "eye", (n_rows, n_cols), d, dev,
                        lambda: backend.eye(n_rows, n_cols, k, d, dev))
    return _wrap(backend.Tensor, native, d)


def linspace(start: float | complex, stop: float | complex, /, num: int, *,
             dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
             endpoint: bool = True) -> Tensor:
    """``num`` evenly spaced values from ``start`` to ``stop`` (inclusive with
    ``endpoint``), computed in double precision and then rounded to ``dtype``, with the
    same bits on every backend: PyTorch's two-sided formula (the first half counts up from
    ``start``, the second down from ``stop``, so the last value is exactly ``stop``), each
    operation rounded on its own.  Complex bounds: the real and imaginary parts are spaced
    separately.  The default dtype is the default float (complex for complex bounds).

    Example:
        >>> ut.linspace(0, 1, 3)
        tensor([0. , 0.5, 1. ], dtype=float32)
    """
    if num < 0:
        raise ValueError(f"linspace() num must be non-negative, got {num}")
    is_complex = isinstance(start, complex) or isinstance(stop, complex)
    if dtype is None:
        d = dt.default_complex() if is_complex else dt.get_default_dtype()
    else:
        d = dt.as_dtype(dtype)
        if d.kind not in "fc":
            raise DTypeError(f"linspace() dtype must be floating, got {d.name}")
        if is_complex and d.kind != "c":
            raise DTypeError(f"linspace() with complex bounds needs a complex dtype, got {d.name}")
    backend = current()
    dev = _device(backend, device)
    num = operator.index(num)
    if d.kind == "c":  # each part on its own: no infinity or NaN leaks across
        start, stop = complex(start), complex(stop)
        real = dt.float64 if d is dt.complex128 else dt.float32
        re = backend.linspace(start.real, stop.real, num, bool(endpoint), real, dev)
        im = backend.linspace(start.imag, stop.imag, num, bool(endpoint), real, dev)
        native = backend.complex(re, im)
    else:
        native = backend.linspace(float(start), float(stop), num, bool(endpoint), d, dev)
    return _wrap(backend.Tensor, native, d)


def logspace(start: float, stop: float, /, num: int, *, base: float = 10.0,
             dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
             endpoint: bool = True) -> Tensor:
    """``num`` values spaced evenly on a log scale, ``base ** linspace(start, stop,
    num)`` (NumPy's and PyTorch's ``logspace``; outside the Array API standard, SciPy
    calls it), computed in double precision and rounded to ``dtype`` (the default
    float unless given; real floating only).

    Example:
        >>> ut.logspace(0, 2, 3)
        tensor([  1.,  10., 100.], dtype=float32)
    """
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    if d.kind != "f":
        raise DTypeError(f"logspace() dtype must be real floating, got {d.name}")
    from . import elementwise as ew

    exponents = linspace(float(start), float(stop), num, dtype=dt.float64, device=device,
                         endpoint=endpoint)
    return astype(ew.pow(float(base), exponents), d)


def meshgrid(*arrays: Tensor, indexing: str = "xy") -> list[Tensor]:
    """Coordinate grids from 1-D tensors of one dtype (``indexing="xy"``: Cartesian,
    the first two outputs transposed; ``"ij"``: matrix indexing).

    Example:
        >>> xs, ys = ut.meshgrid(ut.arange(3), ut.arange(2))
        >>> xs.shape
        (2, 3)
    """
    from .manipulation import broadcast_to, reshape

    if indexing not in ("xy", "ij"):
        raise ValueError(f"meshgrid() indexing must be 'xy' or 'ij', got {indexing!r}")
    if len(arrays) == 1 and isinstance(arrays[0], (list, tuple)):
        arrays = tuple(arrays[0])
    if not arrays:
        return []
    backend_of("meshgrid", *arrays)
    for a in arrays:
        if a.ndim != 1:
            raise ShapeError(f"meshgrid() needs 1-D tensors, got shape {a.shape}")
        if a.dtype is not arrays[0].dtype:
            raise DTypeError("meshgrid() needs tensors of one dtype")
    sizes = [a.shape[0] for a in arrays]
    if indexing == "xy" and len(arrays) >= 2:
        sizes[0], sizes[1] = sizes[1], sizes[0]
    out = []
    for i, a in enumerate(arrays):
        pos = i
        if indexing == "xy" and len(arrays) >= 2 and i < 2:
            pos = 1 - i
        shape = [1] * len(arrays)
        shape[pos] = a.shape[0]
        out.append(broadcast_to(reshape(a, tuple(shape)), tuple(sizes)))
    return out


def _tri(op: str, x: Tensor, k: int) -> Tensor:
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}() expects a Tensor, got {type(x).__name__}")
    if x.ndim < 2:
        raise ShapeError(f"{op}() needs at least 2 dimensions, got shape {x.shape}")
    backend = type(x)._bk
    return _wrap(type(x), getattr(backend, op)(x._n, int(k)), x._d)


def tril(x: Tensor, /, *, k: int = 0) -> Tensor:
    """``x`` with the elements above the ``k``-th diagonal (of the last two axes) zeroed.

    Example:
        >>> ut.tril(ut.ones((2, 2)))
        tensor([[1., 0.],
                [1., 1.]], dtype=float32)
    """
    return _tri("tril", x, k)


def triu(x: Tensor, /, *, k: int = 0) -> Tensor:
    """``x`` with the elements below the ``k``-th diagonal (of the last two axes) zeroed.

    Example:
        >>> ut.triu(ut.ones((2, 2)))
        tensor([[1., 1.],
                [0., 1.]], dtype=float32)
    """
    return _tri("triu", x, k)


def diag(x: Tensor, /, k: int = 0) -> Tensor:
    """NumPy's and PyTorch's ``diag``: a 1-D ``x`` becomes a square matrix (of size
    ``len(x) + |k|``, ``x``'s dtype) with ``x`` on its ``k``-th diagonal (``k > 0``
    above the main one) and zeros elsewhere; a 2-D ``x`` gives its ``k``-th diagonal
    (:func:`unitorch.linalg.diagonal`).  Outside the Array API standard; SciPy calls it.

    Example:
        >>> ut.diag(ut.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]], dtype=int64)
        >>> ut.diag(ut.tensor([[1, 2], [3, 4]]), 1)
        tensor([2], dtype=int64)
    """
    from .. import linalg
    from . import elementwise as ew
    from . import indexing as ix
    from . import manipulation as mp

    x = to_tensor(x, backend_of("diag", x))
    k = operator.index(k)
    if x.ndim == 2:
        return linalg.diagonal(x, offset=k)
    if x.ndim != 1:
        raise ShapeError(f"diag() needs a 1-D or 2-D tensor, got shape {fmt_shape(x.shape)}")
    n = x.shape[0] + abs(k)
    with use_backend(x.backend):
        mask = eye(n, n, k=k, dtype=dt.bool, device=x.device)
        rows = arange(n, device=x.device)
    if x.shape[0] == 0:
        return zeros((n, n), dtype=x.dtype, device=x.device)
    # row i of the result holds x[i] (k >= 0) or x[i + k] (k < 0) on the diagonal
    index = ew.clip(ew.subtract(rows, max(-k, 0)), 0, x.shape[0] - 1)
    values = mp.expand_dims(ix.take(x, index), axis=1)
    return ew.where(mask, values, zeros_like(values))
