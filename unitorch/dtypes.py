"""Data types and the one type-promotion table unitorch uses on every backend.

Each dtype is a singleton :class:`DType`; compare with ``==`` or ``is``.  Promotion
follows the Python Array API standard's table, extended where the standard is
silent, in the way PyTorch and JAX extend it:

* ``bool`` with any dtype gives that dtype;
* ``uint64`` with a signed integer dtype has no result (no integer dtype holds both
  ranges; the standard leaves it undefined): :func:`promote_types` raises
  :class:`~unitorch.errors.DTypeError`, as array-api-strict and PyTorch do (NumPy
  would give ``float64``, losing integers above 2**53);
* an integer with a floating dtype gives the floating dtype (NumPy would widen
  ``int64 + float32`` to ``float64``; unitorch, like PyTorch, does not);
* ``float16`` with ``bfloat16`` gives ``float32``;
* a real floating dtype with a complex one gives the complex dtype wide enough
  for both.

Python scalars are *weak*: ``x + 1.5`` keeps ``x.dtype`` when ``x`` is floating,
and takes the default float dtype when ``x`` is integral or bool.  Zero-dimensional
tensors are not weak (PyTorch treats them as weak; unitorch follows the standard).
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any, TypeAlias

import ml_dtypes
import numpy as np

__all__ = [
    "DType", "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
    "uint64", "float16", "bfloat16",
    "float32", "float64", "complex64", "complex128", "all_dtypes", "result_type", "can_cast",
    "finfo", "iinfo", "isdtype", "get_default_dtype", "set_default_dtype", "as_dtype",
    "default_int", "default_complex", "DTypeLike",
]


_ALL: list[DType] = []  # every dtype, in creation order (DType._id)


class DType:
    """A unitorch data type.

    ``kind`` is one of ``"b"`` (bool), ``"i"`` (signed integer), ``"u"``
    (unsigned integer), ``"f"`` (real floating) or ``"c"`` (complex floating);
    ``bits`` is the width of one element.  Instances are singletons, hashable,
    and compare equal to their own name: ``ut.float32 == "float32"``.

    Example:
        >>> ut.float32.kind, ut.float32.bits
        ('f', 32)
        >>> ut.float32 == "float32"
        True
        >>> ut.ones(2, dtype=ut.int8).dtype
        unitorch.int8
    """

    __slots__ = ("name", "kind", "bits", "numpy", "_id", "_rank", "__weakref__")

    def __init__(self, name: str, kind: str, bits: int, numpy_dtype: Any, rank: int) -> None:
        # _id indexes per-dtype tables on the hot path: hashing a DType runs Python code
        # (__hash__), indexing a list does not
        self._id = len(_ALL)
        _ALL.append(self)
        self.name = name
        self.kind = kind
        self.bits = bits
        self.numpy = np.dtype(numpy_dtype)
        self._rank = rank

    def __repr__(self) -> str:
        return f"unitorch.{self.name}"

    __str__ = __repr__

    def __eq__(self, other: object) -> builtins.bool:
        if isinstance(other, DType):
            return self is other
        if isinstance(other, str):
            return other == self.name
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.name)

    def __reduce__(self) -> str:
        return self.name

    @property
    def __numpy_dtype__(self) -> np.dtype:
        """NumPy's dtype protocol (NumPy 2.4+): ``np.dtype(ut.float32)``, and
        ``dtype=ut.float32`` in any NumPy function, mean ``np.float32``."""
        return self.numpy

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return self.bits // 8

    @property
    def is_floating_point(self) -> builtins.bool:
        """True for real floating dtypes (as ``torch.dtype.is_floating_point``)."""
        return self.kind == "f"

    @property
    def is_complex(self) -> builtins.bool:
        return self.kind == "c"


bool = DType("bool", "b", 8, np.bool_, 0)
int8 = DType("int8", "i", 8, np.int8, 1)
int16 = DType("int16", "i", 16, np.int16, 2)
int32 = DType("int32", "i", 32, np.int32, 3)
int64 = DType("int64", "i", 64, np.int64, 4)
uint8 = DType("uint8", "u", 8, np.uint8, 1)
uint16 = DType("uint16", "u", 16, np.uint16, 2)
uint32 = DType("uint32", "u", 32, np.uint32, 3)
uint64 = DType("uint64", "u", 64, np.uint64, 4)
float16 = DType("float16", "f", 16, np.float16, 1)
bfloat16 = DType("bfloat16", "f", 16, ml_dtypes.bfloat16, 1)
float32 = DType("float32", "f", 32, np.float32, 2)
float64 = DType("float64", "f", 64, np.float64, 3)
complex64 = DType("complex64", "c", 64, np.complex64, 2)
complex128 = DType("complex128", "c", 128, np.complex128, 3)

all_dtypes: tuple[DType, ...] = (
    bool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, bfloat16,
    float32, float64, complex64, complex128,
)
_BY_NAME = {d.name: d for d in all_dtypes}
_BY_NUMPY = {d.numpy: d for d in all_dtypes}
_FLOATS_BY_RANK = {1: float16, 2: float32, 3: float64}
_COMPLEX_BY_RANK = {2: complex64, 3: complex128}
_SIGNED_BY_BITS = {8: int8, 16: int16, 32: int32, 64: int64}

DTypeLike: TypeAlias = "DType | str | type | np.dtype | Any"

# ---------------------------------------------------------------------------------------
# defaults


@dataclass
class _Defaults:
    floating: DType = float32


_defaults = _Defaults()
default_int = int64
"""Default integer dtype: what ``ut.tensor([1, 2])`` and ``arange`` produce."""


def get_default_dtype() -> DType:
    """The default floating dtype (``float32`` unless changed with :func:`set_default_dtype`).

    Example:
        >>> ut.get_default_dtype()
        unitorch.float32
        >>> ut.tensor([1.5]).dtype
        unitorch.float32
    """
    return _defaults.floating


def set_default_dtype(dtype: DTypeLike) -> None:
    """Set the default floating dtype, process-wide, for every backend.

    Only ``float16``, ``bfloat16``, ``float32`` and ``float64`` are accepted, as in
    ``torch.set_default_dtype``.  The default complex dtype follows it.

    Example:
        >>> ut.set_default_dtype(ut.float64)
        >>> ut.tensor([1.5]).dtype, ut.tensor([1j]).dtype
        (unitorch.float64, unitorch.complex128)
        >>> ut.set_default_dtype(ut.float32)
    """
    d = as_dtype(dtype)
    if d.kind != "f":
        raise TypeError(f"the default dtype must be a real floating dtype, got {d.name}")
    _defaults.floating = d


def default_complex() -> DType:
    """The complex dtype matching the default float: complex128 for float64, else complex64."""
    return complex128 if _defaults.floating is float64 else complex64


# ---------------------------------------------------------------------------------------
# conversion from the many spellings users bring


def as_dtype(dtype: DTypeLike) -> DType:
    """Return the unitorch dtype for ``dtype``.

    Accepts a :class:`DType`, a name (``"float32"``), a NumPy dtype or scalar type,
    Python's ``bool``/``int``/``float``/``complex`` (mapping to ``bool``, the default
    integer, the default float and the default complex dtype), and native torch or
    TensorFlow dtypes (by name, so neither framework is imported).
    """
    if isinstance(dtype, DType):
        return dtype
    if dtype is None:  # np.dtype(None) would say float64
        pass
    elif isinstance(dtype, str):
        found = _BY_NAME.get(dtype)
        if found is not None:
            return found
    elif dtype is builtins.bool:
        return bool
    elif dtype is int:
        return default_int
    elif dtype is float:
        return _defaults.floating
    elif dtype is complex:
        return default_complex()
    else:
        name = getattr(dtype, "name", None)  # tf.DType and NumPy dtypes
        if name is None and type(dtype).__module__ == "torch":
            name = str(dtype).removeprefix("torch.")
        if isinstance(name, str) and name in _BY_NAME:
            return _BY_NAME[name]
        if not isinstance(dtype, type) and hasattr(dtype, "shape") and hasattr(dtype, "dtype"):
            from .errors import DTypeError

            raise DTypeError(f"expected a dtype, got a {type(dtype).__name__} (an array; "
                             "pass its .dtype)")
        try:
            found = _BY_NUMPY.get(np.dtype(dtype))
        except (TypeError, ValueError):  # ValueError: an object whose .dtype is no dtype
            found = None
        if found is not None:
            return found
    from .errors import DTypeError

    raise DTypeError(
        f"unsupported dtype {dtype!r}; unitorch dtypes are "
        + ", ".join(d.name for d in all_dtypes)
    )


# ---------------------------------------------------------------------------------------
# promotion


def _promote_pair(a: DType, b: DType) -> DType | None:
    """The promoted dtype of ``a`` and ``b``, or ``None`` where there is none."""
    if a is b:
        return a
    ka, kb = a.kind, b.kind
    if ka == "b":
        return b
    if kb == "b":
        return a
    if ka in "iu" and kb in "iu":
        if ka == kb:
            return a if a.bits >= b.bits else b
        signed, unsigned = (a, b) if ka == "i" else (b, a)
        if signed.bits > unsigned.bits:
            return signed
        return _SIGNED_BY_BITS.get(2 * unsigned.bits)  # None for uint64
    if ka in "iu":
        return b
    if kb in "iu":
        return a
    if ka == "f" and kb == "f":
        if a._rank == b._rank:  # float16 with bfloat16
            return float32
        return a if a._rank > b._rank else b
    rank = max(a._rank, b._rank, 2)
    return _COMPLEX_BY_RANK[rank]


# The promotion table, indexed by ``DType._id`` (a list lookup beats hashing a pair);
# ``None`` where two dtypes do not promote (uint64 with a signed integer)
_PROMOTE = [[_promote_pair(a, b) for b in _ALL] for a in _ALL]


def promote_types(a: DType, b: DType) -> DType:
    """The dtype of ``a op b`` for two tensors of dtypes ``a`` and ``b``; raises
    :class:`~unitorch.errors.DTypeError` for ``uint64`` with a signed integer dtype."""
    found = _PROMOTE[a._id][b._id]
    if found is None:
        from .errors import DTypeError

        raise DTypeError(
            f"{a.name} and {b.name} do not promote: no integer dtype holds both ranges "
            "(the Array API standard leaves this undefined); cast one of them explicitly, "
            "e.g. with ut.astype"
        )
    return found


def weak_scalar_dtype(dtype: DType, scalar: builtins.bool | int | float | complex) -> DType:
    """The dtype of ``tensor op scalar`` for a tensor of ``dtype`` and a Python scalar.

    The scalar is weak: it never widens the tensor's dtype within its kind, but an
    integral tensor with a float scalar takes the default float, and a real tensor
    with a complex scalar takes the complex dtype of the same precision.
    """
    kind = dtype.kind
    t = type(scalar)
    if t is builtins.bool:
        return dtype
    if t is int or (isinstance(scalar, (int, np.integer)) and not isinstance(scalar, np.bool_)):
        return default_int if kind == "b" else dtype
    if t is float or isinstance(scalar, (float, np.floating)):
        return _defaults.floating if kind in "biu" else dtype
    if isinstance(scalar, (complex, np.complexfloating)):
        if kind == "c":
            return dtype
        if kind == "f":
            return complex128 if dtype is float64 else complex64
        return default_complex()
    if isinstance(scalar, np.bool_):
        return dtype
    from .errors import DTypeError

    raise DTypeError(f"expected a Python scalar, got {type(scalar).__name__}")


def scalar_dtype(scalar: builtins.bool | int | float | complex) -> DType:
    """The dtype a Python scalar takes on its own (``ut.tensor(scalar)``)."""
    if isinstance(scalar, (builtins.bool, np.bool_)):
        return bool
    if isinstance(scalar, (int, np.integer)):
        return default_int
    if isinstance(scalar, (float, np.floating)):
        return _defaults.floating
    if isinstance(scalar, (complex, np.complexfloating)):
        return default_complex()
    from .errors import DTypeError

    raise DTypeError(f"expected a Python scalar, got {type(scalar).__name__}")


def result_type(*arrays_and_dtypes: Any) -> DType:
    """The dtype that promotion gives for the tensors, dtypes and Python scalars passed.

    Tensors and dtypes promote with :func:`promote_types`; Python scalars are weak
    and applied last.  At least one tensor or dtype must be given.

    Example:
        >>> ut.result_type(ut.int64, ut.float32)
        unitorch.float32
        >>> ut.result_type(ut.float16, ut.bfloat16)
        unitorch.float32
        >>> ut.result_type(ut.ones(2, dtype=ut.float16), 1.5)  # Python scalars are weak
        unitorch.float16
    """
    from .errors import DTypeError

    result: DType | None = None
    scalars = []
    for item in arrays_and_dtypes:
        if isinstance(item, (builtins.bool, int, float, complex)):
            scalars.append(item)
            continue
        d = _dtype_of(item)
        result = d if result is None else promote_types(result, d)
    if result is None:
        if not scalars:
            raise DTypeError("result_type() needs at least one tensor or dtype")
        result = scalar_dtype(scalars.pop(0))
    for s in scalars:
        result = weak_scalar_dtype(result, s)
    return result


def can_cast(from_: Any, to: DTypeLike, /) -> builtins.bool:
    """True when promotion of ``from_`` with ``to`` gives ``to`` (the standard's rule,
    with unitorch's promotion: ``int64 -> float16`` is allowed, ``float -> int`` is not).

    Example:
        >>> ut.can_cast(ut.int64, ut.float16), ut.can_cast(ut.float32, ut.int32)
        (True, False)
    """
    src = _dtype_of(from_)
    dst = as_dtype(to)
    return _PROMOTE[src._id][dst._id] is dst


_KINDS = {
    "bool": "b",
    "signed integer": "i",
    "unsigned integer": "u",
    "integral": "iu",
    "real floating": "f",
    "complex floating": "c",
    "numeric": "iufc",
}


def isdtype(dtype: DTypeLike, kind: DTypeLike | str | tuple[DTypeLike | str, ...]) -> builtins.bool:
    """Whether ``dtype`` is of ``kind``: a dtype, one of the standard's kind names
    (``"bool"``, ``"signed integer"``, ``"unsigned integer"``, ``"integral"``,
    ``"real floating"``, ``"complex floating"``, ``"numeric"``) or a tuple of those.

    ``dtype`` (and a dtype in ``kind``) is a dtype object: a unitorch dtype, a NumPy
    dtype or scalar type (``np.float64``), or a torch or TensorFlow dtype; anything else
    (a name such as ``"float32"`` included, as in the standard) raises
    :class:`DTypeError` naming the argument.

    Example:
        >>> ut.isdtype(ut.float32, "real floating")
        True
        >>> ut.isdtype(ut.int8, ("bool", "unsigned integer"))
        False
        >>> ut.isdtype(np.float64, "integral")  # a NumPy dtype is a dtype too
        False
    """
    from .errors import DTypeError

    d = _dtype_argument("isdtype", "dtype", dtype)
    if isinstance(kind, tuple):
        return any(isdtype(d, k) for k in kind)
    if isinstance(kind, str):
        kinds = _KINDS.get(kind)
        if kinds is None:
            raise DTypeError(f"isdtype(): unknown dtype kind {kind!r}; expected one of "
                             f"{sorted(_KINDS)} or a dtype")
        return d.kind in kinds
    return d is _dtype_argument("isdtype", "kind", kind)


def _dtype_argument(op: str, name: str, value: Any) -> DType:
    """``value`` as a unitorch dtype, or :class:`DTypeError` naming ``op``'s argument."""
    if isinstance(value, DType):
        return value
    from .errors import DTypeError

    # a name ("float32") is not a dtype here, as in the standard (and NumPy's isdtype)
    if value is None or isinstance(value, (str, builtins.bool, int, float, complex)):
        raise DTypeError(f"{op}() argument {name!r} must be a dtype, got {value!r}")
    try:
        return as_dtype(value)
    except DTypeError as e:
        raise DTypeError(f"{op}() argument {name!r}: {e}") from None


# ---------------------------------------------------------------------------------------
# finfo / iinfo


@dataclass(frozen=True)
class finfo_object:
    """Machine limits of a floating dtype (the standard's ``finfo`` object)."""

    bits: int
    eps: float
    max: float
    min: float
    smallest_normal: float
    dtype: DType


@dataclass(frozen=True)
class iinfo_object:
    """Machine limits of an integer dtype (the standard's ``iinfo`` object)."""

    bits: int
    max: int
    min: int
    dtype: DType


def _dtype_of(obj: Any) -> DType:
    """The dtype of a tensor or array, or the dtype a dtype spelling names."""
    if isinstance(obj, DType):
        return obj
    if not isinstance(obj, (type, str)):  # np.float32.dtype is a descriptor, not a dtype
        d = getattr(obj, "dtype", None)
        if d is not None:
            return as_dtype(d)
    return as_dtype(obj)


def finfo(type: Any, /) -> finfo_object:
    """Limits of a floating dtype (real or complex; complex reports its real part).

    Example:
        >>> ut.finfo(ut.float16).max
        65504.0
        >>> ut.finfo(ut.float32).eps
        1.1920928955078125e-07
    """
    from .errors import DTypeError

    d = _dtype_of(type)
    if d.kind not in "fc":
        raise DTypeError(f"finfo() needs a floating dtype, got {d.name}")
    real = {complex64: float32, complex128: float64}.get(d, d)
    info = ml_dtypes.finfo(real.numpy)
    return finfo_object(
        bits=real.bits, eps=float(info.eps), max=float(info.max), min=float(info.min),
        smallest_normal=float(info.smallest_normal), dtype=real,
    )


def iinfo(type: Any, /) -> iinfo_object:
    """Limits of an integer dtype.

    Example:
        >>> ut.iinfo(ut.int8).min, ut.iinfo(ut.int8).max
        (-128, 127)
    """
    from .errors import DTypeError

    d = _dtype_of(type)
    if d.kind not in "iu":
        raise DTypeError(f"iinfo() needs an integer dtype, got {d.name}")
    info = np.iinfo(d.numpy)
    return iinfo_object(bits=d.bits, max=int(info.max), min=int(info.min), dtype=d)
