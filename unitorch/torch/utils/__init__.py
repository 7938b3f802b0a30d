"""``torch.utils``: :mod:`unitorch.torch.utils.data` (``torch.utils.data``).

Example:
    >>> import unitorch.torch.utils.data as data
    >>> len(data.TensorDataset(ut.zeros((3, 2))))
    3
"""

from __future__ import annotations

from typing import Any

from .._missing import lookup
from . import data

__all__ = ["data"]


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
