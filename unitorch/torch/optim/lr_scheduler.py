"""``torch.optim.lr_scheduler``: :mod:`unitorch.optim.lr_scheduler`, re-exported
wholesale.

Example:
    >>> import unitorch.torch as torch
    >>> from unitorch.torch.optim.lr_scheduler import StepLR
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    >>> sched = StepLR(opt, step_size=1, gamma=0.5)
    >>> opt.step(); sched.step()
    >>> sched.get_last_lr()
    [0.5]
"""

from __future__ import annotations

from typing import Any

from ...optim import lr_scheduler as _core
from ...optim.lr_scheduler import *  # noqa: F403
from .._missing import lookup

__all__ = list(_core.__all__)


def __getattr__(name: str) -> Any:
    found = getattr(_core, name, None)
    if found is not None:
        return found
    return lookup(__name__, name)
