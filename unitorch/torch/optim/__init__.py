"""``torch.optim``: :mod:`unitorch.optim`, re-exported wholesale (PyTorch's update rules
and defaults), with ``lr_scheduler``.

Example:
    >>> import unitorch.torch as torch
    >>> w = torch.nn.Parameter(torch.ones(2))
    >>> opt = torch.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8, 0.8], dtype=float32)
"""

from __future__ import annotations

import importlib
from typing import Any

from ... import optim as _core
from ...optim import *  # noqa: F403
from .._missing import lookup

# this package's own module, not the core one the star import brought under its name
lr_scheduler = importlib.import_module(f"{__name__}.lr_scheduler")

__all__ = sorted(set(_core.__all__) | {"lr_scheduler"})


def __getattr__(name: str) -> Any:
    found = getattr(_core, name, None)
    if found is not None:
        return found
    return lookup(__name__, name)
