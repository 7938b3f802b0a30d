"""``torch.nn.utils``: :mod:`unitorch.nn.utils` (``clip_grad_norm_``,
``clip_grad_value_``...), re-exported wholesale.

Example:
    >>> import unitorch.torch.nn as nn
    >>> w = nn.Parameter(ut.ones(4))
    >>> (w * 10).sum().backward()
    >>> nn.utils.clip_grad_norm_([w], 1.0)
    tensor(20., dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...nn import utils as _core
from ...nn.utils import *  # noqa: F403
from .._missing import lookup

__all__ = list(_core.__all__)


def __getattr__(name: str) -> Any:
    found = getattr(_core, name, None)
    if found is not None:
        return found
    return lookup(__name__, name)
