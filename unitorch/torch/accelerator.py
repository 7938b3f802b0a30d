"""``torch.accelerator``: the active backend's accelerator (its GPUs), if any.

Example:
    >>> import unitorch.torch as torch
    >>> torch.accelerator.is_available() == (torch.accelerator.current_accelerator() is not None)
    True
"""

from __future__ import annotations

from typing import Any

from . import cuda
from ._device import device
from ._missing import lookup

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "synchronize"]


def is_available() -> bool:
    """Whether the active backend has an accelerator (a GPU).

    Example:
        >>> ut.torch.accelerator.is_available() == ut.torch.cuda.is_available()
        True
    """
    return cuda.is_available()


def current_accelerator(check_available: bool = False) -> device | None:
    """``torch.device("cuda")`` where the active backend sees a GPU, else ``None``.

    Example:
        >>> ut.torch.accelerator.current_accelerator() is None or True
        True
    """
    return device("cuda") if cuda.is_available() else None


def device_count() -> int:
    """How many accelerators the active backend sees.

    Example:
        >>> ut.torch.accelerator.device_count() == ut.torch.cuda.device_count()
        True
    """
    return cuda.device_count()


def current_device_index() -> int:
    """The index of the default accelerator (``DeviceError`` without one).

    Example:
        >>> ut.torch.accelerator.current_device_index()  # doctest: +SKIP
        0
    """
    return cuda.current_device()


def synchronize(device: Any = None) -> None:
    """As :func:`unitorch.torch.cuda.synchronize` (returns at once).

    Example:
        >>> ut.torch.accelerator.synchronize()
    """
    cuda.synchronize(device)


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
