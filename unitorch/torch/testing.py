"""``torch.testing``: :func:`assert_close` (:func:`unitorch.testing.assert_close`, which
takes tensors of either backend, NumPy arrays and numbers).

Example:
    >>> import unitorch.torch as torch
    >>> torch.testing.assert_close(torch.tensor([1.0]), torch.tensor([1.0 + 1e-7]))
"""

from __future__ import annotations

from typing import Any

from ..testing import assert_close
from ._missing import lookup

__all__ = ["assert_close"]


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
