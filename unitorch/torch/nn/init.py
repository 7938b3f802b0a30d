"""``torch.nn.init``: :mod:`unitorch.nn.init`, re-exported wholesale (PyTorch's formulas;
the numbers come from unitorch's portable stream, the same on both backends).

Example:
    >>> import unitorch.torch.nn as nn
    >>> w = nn.Parameter(ut.zeros((2, 2)))
    >>> nn.init.ones_(w).tolist()
    [[1.0, 1.0], [1.0, 1.0]]
"""

from __future__ import annotations

from typing import Any

from ...nn import init as _core
from ...nn.init import *  # noqa: F403
from .._missing import lookup

__all__ = list(_core.__all__)


def __getattr__(name: str) -> Any:
    found = getattr(_core, name, None)
    if found is not None:
        return found
    return lookup(__name__, name)
