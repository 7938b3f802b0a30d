"""``torch.nn``: :mod:`unitorch.nn`, re-exported wholesale (every layer, loss, container,
``Module``, ``Parameter``...: what ``unitorch.nn`` gains appears here too), with the
submodules ``functional``, ``init``, ``utils`` and ``modules`` under PyTorch's names.

Example:
    >>> import unitorch.torch.nn as nn
    >>> model = nn.Sequential(nn.Linear(3, 2), nn.ReLU())
    >>> model(ut.zeros((4, 3))).shape
    (4, 2)
"""

from __future__ import annotations

import importlib
from typing import Any

from ... import nn as _core
from ...nn import *  # noqa: F403
from .._missing import lookup

# this package's own submodules, not the core ones the star import brought under the
# same names (``from . import utils`` would return the attribute already there)
functional = importlib.import_module(f"{__name__}.functional")
init = importlib.import_module(f"{__name__}.init")
utils = importlib.import_module(f"{__name__}.utils")
modules = importlib.import_module(f"{__name__}.modules")

# (identifiers only: pytest's assertion rewriting adds "@py_builtins" to modules it loads)
__all__ = sorted({n for n in dir(_core)
                  if n.isidentifier() and not n.startswith("_") and n != "annotations"}
                 | {"functional", "init", "utils", "modules"})


def __getattr__(name: str) -> Any:
    found = getattr(_core, name, None)  # a name unitorch.nn gained after this import
    if found is not None:
        return found
    return lookup(__name__, name)
