"""The PyTorch backend's ``creation`` section."""

from __future__ import annotations

import math

import torch

from .core import _DTYPES, _torch_device, reinterpreted


class CreationOps:
    """The contract's ``creation`` section."""

    def arange(self, start, stop, step, dtype, device):
        # torch.arange raises for an empty range whose bounds disagree with the step's
        # sign (arange(1, 0, 1)) and sizes float ranges its own way: count as the
        # contract says and compute start + i * step.
        if all(isinstance(v, int) for v in (start, stop, step)):
            n = max(0, -((start - stop) // step))
        else:
            n = max(0, math.ceil((stop - start) / step))
        wide = torch.int64 if dtype.kind in "iu" else torch.float64
        i = torch.arange(n, dtype=wide, device=_torch_device(device))
        if dtype.kind in "iu":
            # in int64 with uint64's bits: exact wherever the values fit the dtype
            start, step = (v - 2**64 if v >= 2**63 else v for v in (int(start), int(step)))
        return (i * step + start).to(_DTYPES[dtype])

    def full(self, shape, fill_value, dtype, device):
        return torch.full(shape, fill_value, dtype=_DTYPES[dtype], device=_torch_device(device))

    def eye(self, n_rows, n_cols, k, dtype, device):
        dev = _torch_device(device)
        rows = torch.arange(n_rows, device=dev)[:, None]
        cols = torch.arange(n_cols, device=dev)[None, :]
        return (cols - rows == k).to(_DTYPES[dtype])

    def linspace(self, start, stop, num, endpoint, dtype, device):
        # torch.linspace uses the same two-sided formula, but with fused multiply-adds on
        # CPU (linspace(-1, 1, 7)[3] is 5.6e-17, not 0): spell it out in separate ops.
        steps = num + (0 if endpoint else 1)
        dev = _torch_device(device)
        if steps <= 1:
            out = torch.full((steps,), start, dtype=torch.float64, device=dev)
        else:
            step = (stop - start) / (steps - 1)
            i = torch.arange(steps, dtype=torch.float64, device=dev)
            up = step * i + start
            down = stop - step * ((steps - 1) - i)
            out = torch.where(i < steps // 2, up, down)
        return out[:num].to(_DTYPES[dtype])

    tril = staticmethod(reinterpreted(torch.tril))
    triu = staticmethod(reinterpreted(torch.triu))
