"""``torch.serialization``: loading never unpickles in unitorch, so the allow-lists of
classes that PyTorch's ``weights_only`` loading takes are accepted and have nothing to
allow (``safe_globals``, ``add_safe_globals``).

Example:
    >>> import unitorch.torch as torch
    >>> with torch.serialization.safe_globals([dict]):
    ...     pass
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from ._io import load, save
from ._missing import lookup

__all__ = ["save", "load", "safe_globals", "add_safe_globals", "get_safe_globals"]

_ALLOWED: list[Any] = []


def add_safe_globals(safe_globals: list[Any]) -> None:
    """Record classes PyTorch would allow to be unpickled (unitorch never unpickles, so
    they are only listed by :func:`get_safe_globals`).

    Example:
        >>> add_safe_globals([dict])
    """
    _ALLOWED.extend(safe_globals)


def get_safe_globals() -> list[Any]:
    """The classes recorded by :func:`add_safe_globals`.

    Example:
        >>> isinstance(get_safe_globals(), list)
        True
    """
    return list(_ALLOWED)


@contextlib.contextmanager
def safe_globals(safe_globals: list[Any]) -> Iterator[None]:
    """:func:`add_safe_globals` for a block.

    Example:
        >>> with safe_globals([dict]):
        ...     pass
    """
    before = len(_ALLOWED)
    _ALLOWED.extend(safe_globals)
    try:
        yield
    finally:
        del _ALLOWED[before:]


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
