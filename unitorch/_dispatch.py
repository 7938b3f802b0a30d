"""Dispatch: how a public op finds its backend, converts its inputs and checks dtypes.

An internal module of the package (the ``ops`` families, ``nn``, ``linalg`` and ``fft``
all use it); the dtype promotion table itself is :mod:`unitorch.dtypes`.

Every public op goes through these helpers, so the rules live in one place:

* the backend of an op is the backend of its tensor arguments; with none (only Python
  scalars, lists, NumPy arrays) it is the active backend;
* tensors of two backends in one op raise :class:`BackendMismatchError`;
* NumPy arrays, nested lists and native tensors are converted with ``asarray``;
* Python scalars are weak (see :mod:`unitorch.dtypes`).

The functions here are on the hot path; keep them small and measure changes with the
benchmark suite.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import dtypes as dt
from .backends import Backend, backend_of_native, current
from .errors import BackendMismatchError, DTypeError
from .tensor import Tensor

__all__ = [
    "SCALAR_TYPES", "backend_of", "to_tensor", "check_kind", "scalar_for", "KIND_NAMES",
    "native_scalar", "is_scalar", "Scalar", "check_range_compiled",
]

SCALAR_TYPES = (bool, int, float, complex, np.bool_, np.number)
Scalar = bool | int | float | complex
"""A Python scalar operand (NumPy scalars are accepted too)."""

_PLAIN_DATA = (list, tuple, np.ndarray, np.generic, bool, int, float, complex)
"""Data that is never a native tensor (checked before asking which framework owns it)."""

KIND_NAMES = {
    "b": "bool", "i": "signed integer", "u": "unsigned integer", "f": "real floating",
    "c": "complex floating",
}


def _describe(kinds: str) -> str:
    if set(kinds) >= set("iufc"):
        return "numeric"
    if set(kinds) >= set("iuf"):
        return "real numeric"
    if kinds == "fc":
        return "floating"
    if set(kinds) == set("iu"):
        return "integer"
    if set(kinds) == set("biu"):
        return "integer or bool"
    return " or ".join(KIND_NAMES[k] for k in kinds)


def check_kind(op: str, dtype: dt.DType, kinds: str) -> None:
    """Raise :class:`DTypeError` unless ``dtype.kind`` is one of ``kinds``."""
    if dtype.kind not in kinds:
        raise DTypeError(f"{op}() expects {_describe(kinds)} tensors, got {dtype.name}")


def backend_of(op: str, *args: Any) -> Backend:
    """The backend of the tensors among ``args`` (the active one if there are none).

    Tensors of two backends are an error, and so is a native tensor of another
    framework beside them (a ``tf.Tensor`` in an op on unitorch torch tensors): the same
    rule whether the other framework's data comes wrapped or not.  Natives alone (no
    unitorch tensor) are converted to the active backend, as other array-likes are."""
    found: Backend | None = None
    others: list[Any] = []  # possible natives of a framework
    for a in args:
        if isinstance(a, Tensor):
            b = type(a)._bk
        elif isinstance(a, (list, tuple)):
            if not a:
                continue
            b = backend_of(op, *a) if any(isinstance(e, Tensor) for e in a) else None
        else:
            if a is not None and not isinstance(a, _PLAIN_DATA):
                others.append(a)
            continue
        if b is None:
            continue
        if found is None:
            found = b
        elif b is not found:
            raise BackendMismatchError(
                f"{op}() got tensors of two backends ({found.name} and {b.name}); convert "
                "one explicitly, e.g. ut.asarray(x) converts to the active backend"
            )
    for native in others if found is not None else ():
        other = backend_of_native(native)
        if other is not None and other is not found:
            raise BackendMismatchError(
                f"{op}() got a {other.name} native tensor ({type(native).__name__}) with "
                f"{found.name} tensors; convert it explicitly, e.g. ut.asarray(x) converts "
                "to the active backend"
            )
    return found if found is not None else current()


def to_tensor(x: Any, backend: Backend, dtype: dt.DType | None = None) -> Tensor:
    """``x`` as a Tensor of ``backend``: tensors are checked, everything else converted.

    A Tensor of another backend is an error (conversion between backends is explicit).
    """
    if isinstance(x, Tensor):
        if type(x)._bk is not backend:
            raise BackendMismatchError(
                f"a {type(x)._bk.name} tensor cannot be used with {backend.name} tensors; "
                "convert it explicitly, e.g. with ut.asarray(x)"
            )
        return x
    from .ops.creation import asarray_on

    return asarray_on(backend, x, dtype=dtype)


def scalar_for(op: str, value: Any, dtype: dt.DType) -> bool | int | float | complex:
    """A Python scalar ready to combine with a tensor of ``dtype`` (the promoted dtype).

    Booleans become ints for numeric dtypes, and an integer that does not fit ``dtype``
    raises :class:`OverflowError` (frameworks would wrap it silently, or refuse).
    """
    kind = dtype.kind
    if isinstance(value, (bool, np.bool_)):
        return bool(value) if kind == "b" else int(value)
    if isinstance(value, np.generic):
        value = value.item()
    if kind in "iu":
        if isinstance(value, float):
            raise DTypeError(f"{op}() cannot combine a float scalar with {dtype.name} tensors")
        info = dt.iinfo(dtype)
        if not info.min <= value <= info.max:
            raise OverflowError(
                f"{op}(): Python integer {value} is out of range for {dtype.name} "
                f"[{info.min}, {info.max}]"
            )
    return value


def native_scalar(backend: Backend, value: Any, dtype: dt.DType, like: Any = None) -> Any:
    """A 0-d native tensor holding ``value`` in ``dtype`` (on ``like``'s device)."""
    device = backend.device(like) if like is not None else None
    return backend.full((), value, dtype, device)


def is_scalar(x: Any) -> bool:
    """True for Python and NumPy scalars (not 0-d arrays or tensors)."""
    return isinstance(x, SCALAR_TYPES) and not isinstance(x, np.ndarray)



def check_range_compiled(backend: Backend, positions: Any, low: int, high: int,
                         message: str, allowed: int | None = None) -> Any:
    """While compiling, where index values cannot be read: a check compiled into the
    graph that every element of the int64 native ``positions`` lies in ``[low, high)``
    (or equals ``allowed``), raising :class:`IndexOutOfRangeError` with ``message`` when
    the compiled function runs (eagerly, ops read the values and name the index).
    Returns the positions to index with (see ``Backend.check``)."""
    from .errors import IndexOutOfRangeError

    def bound(v: int) -> Any:
        return native_scalar(backend, v, dt.int64, positions)

    ok = backend.logical_and(backend.greater_equal(positions, bound(low)),
                             backend.less(positions, bound(high)))
    if allowed is not None:
        ok = backend.logical_or(ok, backend.equal(positions, bound(allowed)))
    ndim = backend.ndim(ok)
    if ndim:
        ok = backend.all(ok, tuple(range(ndim)), False)
    return backend.check(ok, IndexOutOfRangeError, message + " (found by a check in a "
                         "compiled function, which cannot show the index)", positions)
