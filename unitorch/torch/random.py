"""``torch.random``: seeding and the generators' state (``torch.random.manual_seed``...).

Example:
    >>> import unitorch.torch as torch
    >>> _ = torch.random.manual_seed(1)
    >>> torch.random.initial_seed()
    1
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from .. import random as _random
from ._factories import get_rng_state, initial_seed, manual_seed, seed, set_rng_state
from ._missing import lookup

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "fork_rng"]


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, **options: Any) -> Iterator[None]:
    """Restore the generators' state on leaving the block (draws inside do not change
    what is drawn after it).

    Example:
        >>> import unitorch.torch as torch
        >>> _ = torch.manual_seed(0)
        >>> with torch.random.fork_rng():
        ...     _ = torch.rand(3)
        >>> a = torch.rand(1)
        >>> _ = torch.manual_seed(0)
        >>> bool((a == torch.rand(1)).all())
        True
    """
    if not enabled:
        yield
        return
    state = _random.get_state()
    try:
        yield
    finally:
        _random.set_state(state)


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
