"""``__array_namespace_info__``: what the active backend can do (Array API inspection)."""

from __future__ import annotations

from typing import Any

from . import dtypes as dt
from .devices import Device

__all__ = ["__array_namespace_info__"]

_KIND_DTYPES = {
    "bool": (dt.bool,),
    "signed integer": (dt.int8, dt.int16, dt.int32, dt.int64),
    "unsigned integer": (dt.uint8,),
    "integral": (dt.int8, dt.int16, dt.int32, dt.int64, dt.uint8),
    "real floating": (dt.float32, dt.float64),
    "complex floating": (dt.complex64, dt.complex128),
    "numeric": (dt.int8, dt.int16, dt.int32, dt.int64, dt.uint8, dt.float32, dt.float64,
                dt.complex64, dt.complex128),
}


class __array_namespace_info__:
    """Inspection of the active backend: devices, dtypes and capabilities.

    Example:
        >>> ut.__array_namespace_info__().default_dtypes()["real floating"]
        unitorch.float32
    """

    def capabilities(self) -> dict[str, Any]:
        """``boolean indexing`` and ``data-dependent shapes`` are supported; the maximum
        rank is unbounded (``None``)."""
        return {"boolean indexing": True, "data-dependent shapes": True, "max dimensions": None}

    def default_device(self) -> Device:
        from .ops.creation import get_default_device

        return get_default_device()

    def devices(self) -> list[Device]:
        from .backends import current

        return current().devices()

    def default_dtypes(self, *, device: Any = None) -> dict[str, dt.DType]:
        return {
            "real floating": dt.get_default_dtype(), "complex floating": dt.default_complex(),
            "integral": dt.default_int, "indexing": dt.int64,
        }

    def dtypes(self, *, device: Any = None, kind: Any = None) -> dict[str, dt.DType]:
        """The dtypes of ``kind`` (a kind name, a tuple of them, or ``None`` for all
        standard dtypes), by name.  float16 and bfloat16 exist too, outside the standard."""
        if kind is None:
            found = (dt.bool, *_KIND_DTYPES["numeric"])
        else:
            found = tuple(d for k in (kind if isinstance(kind, tuple) else (kind,))
                          for d in _kind_dtypes(k))
        return {d.name: d for d in found}


def _kind_dtypes(kind: Any) -> tuple[dt.DType, ...]:
    found = _KIND_DTYPES.get(kind) if isinstance(kind, str) else None
    if found is None:
        raise ValueError(
            f"unknown dtype kind {kind!r}; expected one of {', '.join(map(repr, _KIND_DTYPES))}"
        )
    return found
