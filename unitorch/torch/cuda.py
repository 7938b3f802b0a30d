"""``torch.cuda``: whether the active backend sees GPUs, how many, and their seeds.

"CUDA" here means the active backend's GPUs (PyTorch's CUDA devices on the torch
backend, TensorFlow's GPUs on TensorFlow), so ``device = "cuda" if
torch.cuda.is_available() else "cpu"`` picks the GPU on either.

Example:
    >>> import unitorch.torch as torch
    >>> torch.cuda.is_available() == (torch.cuda.device_count() > 0)
    True
"""

from __future__ import annotations

from typing import Any

from ..backends import current
from ..errors import DeviceError
from ._missing import lookup

__all__ = ["is_available", "device_count", "current_device", "get_device_name",
           "manual_seed", "manual_seed_all", "seed", "seed_all", "synchronize",
           "empty_cache", "is_bf16_supported"]


def device_count() -> int:
    """The number of GPUs the active backend sees.

    Example:
        >>> ut.torch.cuda.device_count() >= 0
        True
    """
    return sum(1 for d in current().devices() if d.type == "gpu")


def is_available() -> bool:
    """Whether the active backend sees a GPU.

    Example:
        >>> isinstance(ut.torch.cuda.is_available(), bool)
        True
    """
    return device_count() > 0


def current_device() -> int:
    """The index of the default GPU (``DeviceError`` without one).

    Example:
        >>> ut.torch.cuda.current_device()  # doctest: +SKIP
        0
    """
    from ..ops.creation import get_default_device

    if not is_available():
        raise DeviceError("torch.cuda.current_device(): the active backend sees no GPU")
    d = get_default_device()
    return d.index if d.type == "gpu" else 0


def get_device_name(device: Any = None) -> str:
    """A name for the GPU (unitorch's spelling, such as ``"gpu:0"``).

    Example:
        >>> ut.torch.cuda.get_device_name(0)  # doctest: +SKIP
        'gpu:0'
    """
    index = 0 if device is None else int(getattr(device, "index", device) or 0)
    if index >= device_count():
        raise DeviceError(f"torch.cuda.get_device_name(): no GPU {index}")
    return f"gpu:{index}"


def manual_seed(seed: int) -> None:
    """Seed unitorch's generators (``ut.manual_seed``: CPU and GPU streams together,
    where PyTorch seeds the GPU's alone); nothing without a GPU, as in PyTorch.

    Example:
        >>> ut.torch.cuda.manual_seed(0)
    """
    if is_available():
        from ..random import manual_seed as _seed

        _seed(seed)


manual_seed_all = manual_seed


def seed() -> None:
    """Seed unitorch's generators from the operating system (nothing without a GPU).

    Example:
        >>> ut.torch.cuda.seed()
    """
    if is_available():
        from ..random import seed as _seed

        _seed()


seed_all = seed


def synchronize(device: Any = None) -> None:
    """Return once queued GPU work is done.  unitorch reads values through the
    framework, which waits for the device itself (``item()``, ``numpy()``), so there
    is nothing to wait for here: it returns at once.

    Example:
        >>> ut.torch.cuda.synchronize()
    """


def empty_cache() -> None:
    """PyTorch releases its cached GPU memory; the frameworks manage their own caches
    under unitorch, so this returns at once.

    Example:
        >>> ut.torch.cuda.empty_cache()
    """


def is_bf16_supported() -> bool:
    """Whether bfloat16 is usable on the GPU: true with a GPU (unitorch computes
    bfloat16 on every device it supports).

    Example:
        >>> ut.torch.cuda.is_bf16_supported() == ut.torch.cuda.is_available()
        True
    """
    return is_available()


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
