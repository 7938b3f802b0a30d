"""``torch.types``: the type aliases annotations use (``torch.types.Number``...).

Example:
    >>> import unitorch.torch as torch
    >>> isinstance(3.0, torch.types.Number)
    True
"""

from __future__ import annotations

from typing import Any

from .._size import Size
from ..devices import Device
from ..tensor import Tensor
from ._missing import lookup

__all__ = ["Number", "Device", "Tensor", "Size"]

Number = (int, float, bool, complex)


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
