"""The PyTorch backend's ``manipulation`` section."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..contract import Native, Pads
from .core import reinterpreted


class ManipulationOps:
    """The contract's ``manipulation`` section."""

    reshape = staticmethod(torch.reshape)
    permute_dims = staticmethod(torch.permute)
    broadcast_to = staticmethod(torch.broadcast_to)

    @staticmethod
    def concat(xs, axis):
        return torch.cat(list(xs), dim=axis)

    @staticmethod
    def stack(xs, axis):
        return torch.stack(list(xs), dim=axis)

    @staticmethod
    def split(x, sizes, axis):
        return list(torch.split(x, list(sizes), dim=axis))

    @staticmethod
    def unstack(x, axis):
        return list(torch.unbind(x, dim=axis))

    flip = staticmethod(reinterpreted(torch.flip))
    roll = staticmethod(torch.roll)
    tile = staticmethod(torch.tile)

    @staticmethod
    @reinterpreted  # (per-element counts use index_select: no uint16/32/64 kernel)
    def repeat(x, repeats, axis):
        return torch.repeat_interleave(x, repeats, dim=axis)

    @staticmethod
    def pad(x: Native, pads: Pads, value):
        if x.is_complex() or (isinstance(value, int) and abs(value) > 2**53):
            # F.pad takes the value as a float: no complex value, and int64 values beyond
            # 2**53 would be rounded.  Fill a new tensor and copy x into it instead.
            shape = [n + b + a for n, (b, a) in zip(x.shape, pads)]
            out = torch.full(shape, value, dtype=x.dtype, device=x.device)
            out[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, pads))] = x
            return out
        flat: list[int] = []
        for before, after in reversed(pads):  # F.pad lists the last axis first
            flat += [before, after]
        return F.pad(x, flat, mode="constant", value=value)
