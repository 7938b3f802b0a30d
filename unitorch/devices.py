"""Devices, spelled the same on every backend.

A device is ``"cpu"`` or ``"gpu:N"``; ``"gpu"`` means ``"gpu:0"``, and PyTorch's
``"cuda"``/``"cuda:N"`` and TensorFlow's ``"/GPU:N"``/``"/device:CPU:0"`` are accepted.
The torch backend maps ``gpu:N`` to ``cuda:N``; the TensorFlow backend to ``/GPU:N``.

Default-device policy (identical on both backends): new tensors are created on the
default device, which is the first GPU when the backend sees one and the CPU
otherwise, unless changed with :func:`unitorch.set_default_device`.  Operations run on
the device of their inputs; inputs on two different devices are an error.
"""

from __future__ import annotations

import re

from .errors import DeviceError

__all__ = ["Device", "as_device", "check_available"]

_PATTERN = re.compile(
    r"^/?(?:(?:job:[^/]+/)?(?:replica:\d+/)?(?:task:\d+/)?device:)?"
    r"(?P<type>cpu|gpu|cuda)(?::(?P<index>\d+))?$",
    re.IGNORECASE,
)


class Device:
    """A device: ``type`` is ``"cpu"`` or ``"gpu"``, ``index`` its ordinal.

    Devices compare equal to each other and to any string that names them:
    ``Device("cuda:0") == "gpu"`` is true.

    Example:
        >>> ut.Device("cuda:1")
        Device('gpu:1')
        >>> ut.Device("/GPU:0") == "gpu"
        True
        >>> ut.zeros(2, device="cpu").device
        Device('cpu')
    """

    __slots__ = ("index", "type")

    def __init__(self, spec: str | Device = "cpu") -> None:
        if isinstance(spec, Device):
            self.type, self.index = spec.type, spec.index
            return
        match = _PATTERN.match(str(spec).strip())
        if match is None:
            raise DeviceError(
                f"unknown device {spec!r}; expected 'cpu', 'gpu', 'gpu:N', 'cuda' or 'cuda:N'"
            )
        kind = match["type"].lower()
        self.type = "cpu" if kind == "cpu" else "gpu"
        self.index = int(match["index"] or 0)

    def __repr__(self) -> str:
        return f"Device({str(self)!r})"

    def __str__(self) -> str:
        return "cpu" if self.type == "cpu" else f"gpu:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = Device(other)
            except DeviceError:
                return False
        if isinstance(other, Device):
            return (self.type, self.index) == (other.type, other.index)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self.type, self.index))


def as_device(device: str | Device | None) -> Device | None:
    """``device`` as a :class:`Device`; ``None`` stays ``None`` (meaning the default)."""
    if device is None or isinstance(device, Device):
        return device
    if hasattr(device, "type") and hasattr(device, "index"):  # torch.device
        return Device(f"{device.type}:{device.index or 0}")
    return Device(device)


def check_available(device: Device, gpus: int) -> None:
    """Raise :class:`DeviceError` unless ``device`` is the CPU or one of the ``gpus`` GPUs
    a backend sees (the same message on every backend: frameworks would fail with their
    own error, or silently use the CPU).

    Example:
        >>> check_available(ut.Device("cpu"), gpus=0)
        >>> check_available(ut.Device("cuda:1"), gpus=1)
        Traceback (most recent call last):
        ...
        unitorch.errors.DeviceError: device 'gpu:1' is not available: the backend sees 1 GPU (gpu:0); ...
    """
    if device.type != "gpu" or device.index < gpus:
        return
    seen = ("no GPU" if gpus == 0 else
            f"{gpus} GPU{'s' if gpus > 1 else ''} (gpu:0{f'..gpu:{gpus - 1}' if gpus > 1 else ''})")
    raise DeviceError(f"device '{device}' is not available: the backend sees {seen}; use "
                      "'cpu', or the default device (ut.get_default_device()), which is a "
                      "GPU only where there is one")
