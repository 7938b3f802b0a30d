"""``__array_namespace_info__``: what the active backend can do (Array API inspection)."""

from __future__ import annotations

from typing import Any

from . import dtypes as dt
from .devices import Device

__all__ = ["__array_namespace_info__"]

_KIND_DTYPES = {
    "bool": (dt.bool,),
    "signed integer": (dt.int8, dt.int16, dt.int32, dt.int64),
    "unsigned integer": (dt.uint8, dt.uint16, dt.uint32, dt.uint64),
    "real floating": (dt.float32, dt.float64),
    "complex floating": (dt.complex64, dt.complex128),
}
_KIND_DTYPES["integral"] = _KIND_DTYPES["signed integer"] + _KIND_DTYPES["unsigned integer"]
_KIND_DTYPES["numeric"] = (_KIND_DTYPES["integral"] + _KIND_DTYPES["real floating"]
                           + _KIND_DTYPES["complex floating"])


class __array_namespace_info__:
    """Inspection of the active backend: devices, dtypes and capabilities.

    Example:
        >>> ut.__array_namespace_info__().default_dtypes()["real floating"]
        unitorch.float32
    """

    def capabilities(self) -> dict[str, Any]:
        """``boolean indexing`` and ``data-dependent shapes`` are supported; ``max
        dimensions`` is the active backend's limit on the number of axes (PyTorch: 64
        on the CPU, where its reductions keep axes in a 64-bit set, 25 where CUDA is
        available; TensorFlow: 254).

        Example:
            >>> ut.__array_namespace_info__().capabilities()["boolean indexing"]
            True
        """
        from .backends import current

        return {"boolean indexing": True, "data-dependent shapes": True,
                "max dimensions": current().max_dimensions}

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
