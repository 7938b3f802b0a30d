"""Matmul precision: float32 products at full float32 precision unless the user opts in.

TensorFlow enables TF32 by default on Ampere and newer GPUs (10 mantissa bits in float32
matmuls and convolutions); PyTorch disables it for matmuls but not for cuDNN
convolutions.  unitorch runs both at ``"highest"`` precision by default, on every backend,
so the same program gives the same float32 numbers; ``set_matmul_precision("high")``
allows TF32 where the hardware has it.
"""

from __future__ import annotations

from typing import Any

from .backends import on_load

__all__ = ["get_matmul_precision", "set_matmul_precision"]

_PRECISIONS = ("highest", "high")
_current = ["highest"]


def get_matmul_precision() -> str:
    """``"highest"`` (full float32, the default) or ``"high"`` (TF32 allowed).

    Example:
        >>> ut.get_matmul_precision()
        'highest'
    """
    return _current[0]


def set_matmul_precision(precision: str) -> None:
    """Choose float32 matmul/convolution precision for every backend, loaded or not.

    Example:
        >>> ut.set_matmul_precision("high")  # allow TF32 on GPUs that have it
        >>> ut.set_matmul_precision("highest")
    """
    if precision not in _PRECISIONS:
        raise ValueError(f"matmul precision must be one of {_PRECISIONS}, got {precision!r}")
    _current[0] = precision
    from .backends import _loaded

    for backend in _loaded.values():
        backend.set_matmul_precision(precision)


def _apply(backend: Any) -> None:
    """Give a backend being loaded the current precision (see ``backends.on_load``)."""
    backend.set_matmul_precision(_current[0])


on_load(_apply)
