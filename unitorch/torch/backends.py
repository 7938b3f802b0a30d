"""``torch.backends``: the flags scripts set (``torch.backends.cudnn.benchmark = True``,
``torch.backends.cuda.matmul.allow_tf32``...) and the availability checks
(``torch.backends.mps.is_available()``).

The TF32 flags set unitorch's matmul precision (:func:`unitorch.set_matmul_precision`:
``"high"`` allows TF32, ``"highest"`` does not), on either backend.  cuDNN's
``benchmark``, ``deterministic`` and ``enabled`` are kept as set and change nothing
(the frameworks choose their own kernels).

Example:
    >>> import unitorch.torch as torch
    >>> torch.backends.cudnn.benchmark = True
    >>> torch.backends.mps.is_available()
    False
"""

from __future__ import annotations

from typing import Any

from ._missing import lookup

__all__ = ["cudnn", "cuda", "mps", "mkldnn", "openmp"]


def _tf32() -> bool:
    from ..precision import get_matmul_precision

    return get_matmul_precision() != "highest"


def _set_tf32(flag: bool) -> None:
    from ..precision import set_matmul_precision

    set_matmul_precision("high" if flag else "highest")


class _Flags:
    """A namespace of flags; ``allow_tf32`` is unitorch's matmul precision."""

    def __init__(self, name: str, **flags: Any) -> None:
        object.__setattr__(self, "_name", name)
        for k, v in flags.items():
            object.__setattr__(self, k, v)

    @property
    def allow_tf32(self) -> bool:
        return _tf32()

    @allow_tf32.setter
    def allow_tf32(self, flag: bool) -> None:
        _set_tf32(bool(flag))

    def is_available(self) -> bool:
        from . import cuda as _cuda

        return self._name in ("cudnn", "cuda") and _cuda.is_available()

    def __repr__(self) -> str:
        return f"<torch.backends.{self._name}>"


cudnn = _Flags("cudnn", benchmark=False, deterministic=False, enabled=True)
cuda = _Flags("cuda", matmul=_Flags("cuda.matmul"))
mps = _Flags("mps")
mkldnn = _Flags("mkldnn", enabled=True)
openmp = _Flags("openmp")


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
