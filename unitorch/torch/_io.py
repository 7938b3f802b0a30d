"""``torch.save`` / ``torch.load`` in unitorch's safe checkpoint format.

Both go through :func:`unitorch.save` / :func:`unitorch.load`: a safetensors file with a
JSON description of the nest (dicts, lists, tuples, tensors, numbers, strings), written
atomically to a path or into a binary file object, and read back without unpickling,
so loading an untrusted file cannot run code.  That is what ``weights_only=True`` asks
of PyTorch; here it holds always, so ``weights_only`` is accepted with any value.
Files written by PyTorch's own ``torch.save`` (pickles) are refused with a
``ValueError`` that says so; convert them once with PyTorch (load, then save the
tensors with ``safetensors`` or ``ut.save``).
"""

from __future__ import annotations

import os
from typing import Any, BinaryIO

from .. import io as _io
from ..nn.module import Module

__all__ = ["save", "load"]


def save(obj: Any, f: str | os.PathLike[str] | BinaryIO, pickle_module: Any = None,
         pickle_protocol: Any = None, _use_new_zipfile_serialization: bool = True,
         _disable_byteorder_record: bool = False) -> None:
    """Write ``obj`` (a state dict, or a nest of dicts, lists and tuples of tensors and
    plain values) to ``f``, a path or a binary file object, in unitorch's safe format.

    A whole Module is refused (``TypeError``): PyTorch pickles it, code and all, which
    unitorch never does; save ``model.state_dict()`` and rebuild the model with
    ``model.load_state_dict(torch.load(f))``.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> ut.torch.save({"w": ut.ones(2), "step": 3}, buffer)
        >>> _ = buffer.seek(0)
        >>> ut.torch.load(buffer, weights_only=True)["step"]
        3
    """
    if pickle_module is not None:
        raise NotImplementedError("unitorch does not implement torch.save(pickle_module=...): "
                                  "checkpoints are never pickled")
    if isinstance(obj, Module):
        raise TypeError(
            f"torch.save() of a whole {type(obj).__name__} module is not supported: PyTorch "
            "pickles the module (its code too), and unitorch never pickles. Save "
            "model.state_dict() instead, and load it with "
            "model.load_state_dict(torch.load(f))")
    _io.save(obj, f)


def load(f: str | os.PathLike[str] | BinaryIO, map_location: Any = None,
         pickle_module: Any = None, *, weights_only: bool | None = None,
         mmap: bool | None = None, **pickle_load_args: Any) -> Any:
    """Read what :func:`save` wrote (from a path or a binary file object), with its
    tensors on the active backend, on ``map_location`` (a device, its name, or a dict
    mapping every saved location to one device) or the default device.  Nothing is
    unpickled; ``weights_only`` and ``mmap`` are accepted.

    Example:
        >>> import io
        >>> buffer = io.BytesIO()
        >>> ut.torch.save([ut.arange(3)], buffer)
        >>> _ = buffer.seek(0)
        >>> ut.torch.load(buffer, map_location="cpu")
        [tensor([0, 1, 2], dtype=int64)]
    """
    if pickle_module is not None or pickle_load_args:
        raise NotImplementedError("unitorch does not implement torch.load's pickle options: "
                                  "checkpoints are never pickled")
    if isinstance(map_location, dict):
        targets = set(map(str, map_location.values()))
        if len(targets) > 1:
            raise NotImplementedError("torch.load(map_location=dict) with several target "
                                      "devices: unitorch loads every tensor onto one device")
        map_location = targets.pop() if targets else None
    elif callable(map_location):
        raise NotImplementedError("torch.load(map_location=<function>) is not supported; "
                                  "pass a device, such as map_location='cpu'")
    return _io.load(f, map_location=map_location)
