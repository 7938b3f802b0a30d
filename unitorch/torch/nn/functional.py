"""``torch.nn.functional``: :mod:`unitorch.nn.functional`, re-exported wholesale.

Example:
    >>> import unitorch.torch.nn.functional as F
    >>> F.relu(ut.tensor([-1., 2.]))
    tensor([0., 2.], dtype=float32)
"""

from __future__ import annotations

from typing import Any

from ...nn import functional as _core
from ...nn.functional import *  # noqa: F403
from .._missing import lookup

__all__ = list(_core.__all__)


def __getattr__(name: str) -> Any:
    found = getattr(_core, name, None)
    if found is not None:
        return found
    return lookup(__name__, name)
