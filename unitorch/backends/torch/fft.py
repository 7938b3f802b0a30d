"""The PyTorch backend's ``fft`` section."""

from __future__ import annotations

import torch

_COMPLEX_OF_REAL = {torch.float32: torch.complex64, torch.float64: torch.complex128}


class FftOps:
    """The contract's ``fft`` section."""

    # torch's MKL kernels refuse an empty batch ("Intel oneMKL DFTI ERROR: Inconsistent
    # configuration parameters"): an empty x gives an empty result of the right shape.

    @staticmethod
    def fft(x, axes, inverse, norm):
        if x.numel() == 0:
            return x.clone()
        return (torch.fft.ifftn if inverse else torch.fft.fftn)(x, dim=axes, norm=norm)

    @staticmethod
    def rfft(x, axes, norm):
        if x.numel() == 0:
            shape = list(x.shape)
            shape[axes[-1]] = shape[axes[-1]] // 2 + 1
            return x.new_zeros(shape, dtype=_COMPLEX_OF_REAL[x.dtype])
        return torch.fft.rfftn(x, dim=axes, norm=norm)

    @staticmethod
    def irfft(x, axes, n, norm):
        if x.numel() == 0:
            shape = list(x.shape)
            shape[axes[-1]] = n
            return x.new_zeros(shape, dtype=x.real.dtype)
        s = [x.shape[a] for a in axes[:-1]] + [n]
        return torch.fft.irfftn(x, s=s, dim=axes, norm=norm)
