"""``torch.device``: PyTorch's device object, accepted wherever unitorch takes a device."""

from __future__ import annotations

from typing import Any

from ..devices import Device, as_device

__all__ = ["device"]


class device:
    """PyTorch's ``torch.device("cuda:0")`` / ``torch.device("cpu")`` /
    ``torch.device("cuda", 1)``: ``type`` spelled as PyTorch spells it (``"cuda"`` for
    a GPU, whichever backend runs it), ``index`` (``None`` unless given).  It goes
    wherever a device goes (``x.to(device)``, ``device=``, ``model.to(device)``) and
    compares equal to the :class:`unitorch.Device` and the strings naming the same
    device.  As a context manager it sets the default device for a block.

    Example:
        >>> d = ut.torch.device("cuda", 1)
        >>> d.type, d.index, d == "gpu:1", str(ut.torch.device("cpu"))
        ('cuda', 1, True, 'cpu')
    """

    __slots__ = ("index", "type", "_previous")

    def __init__(self, type: Any = "cpu", index: int | None = None) -> None:
        if isinstance(type, (device, Device)):
            parsed, explicit = as_device(type), getattr(type, "index", None)
        else:
            spec = str(type) if index is None else f"{type}:{int(index)}"
            parsed = Device(spec)
            explicit = parsed.index if (index is not None or ":" in str(type)) else None
        self.type = "cpu" if parsed.type == "cpu" else "cuda"
        self.index = explicit if self.type == "cuda" else (
            explicit if index is not None else None)

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __repr__(self) -> str:
        index = "" if self.index is None else f", index={self.index}"
        return f"device(type={self.type!r}{index})"

    def __eq__(self, other: object) -> bool:
        try:
            return as_device(self) == (other if isinstance(other, (str, Device))
                                       else as_device(other))
        except Exception:
            return NotImplemented

    def __hash__(self) -> int:
        return hash(as_device(self))

    def __enter__(self) -> device:
        from ..ops.creation import get_default_device, set_default_device

        self._previous = get_default_device()
        set_default_device(as_device(self))
        return self

    def __exit__(self, *exc: Any) -> None:
        from ..ops.creation import set_default_device

        set_default_device(self._previous)
