"""The PyTorch backend's ``random`` section: ``torch.Generator`` streams."""

from __future__ import annotations

import torch

from .core import _DTYPES, _torch_device


class RandomOps:
    """The contract's ``random`` section."""

    @staticmethod
    def rng(seed, device):
        g = torch.Generator(device=_torch_device(device) or "cpu")
        g.manual_seed(seed)
        return g

    @staticmethod
    def reseed(rng, seed):
        rng.manual_seed(seed)

    @staticmethod
    def random_uniform(rng, shape, dtype, device):
        return torch.rand(shape, generator=rng, dtype=_DTYPES[dtype],
                          device=_torch_device(device))

    @staticmethod
    def random_normal(rng, shape, dtype, device):
        return torch.randn(shape, generator=rng, dtype=_DTYPES[dtype],
                           device=_torch_device(device))

    @staticmethod
    def random_integers(rng, low, high, shape, dtype, device):
        return torch.randint(low, high, shape, generator=rng, dtype=_DTYPES[dtype],
                             device=_torch_device(device))

    @staticmethod
    def random_permutation(rng, n, device):
        return torch.randperm(n, generator=rng, device=_torch_device(device))

    @staticmethod
    def dropout(x, u, p):
        # one product recorded for autograd: x * where(u >= p, 1 / (1 - p), 0), which
        # equals (x * mask) * scale bit for bit (x * 1 and x * 0 are exact)
        scale, zero = _factors(p, x.dtype)
        return x * torch.where(u >= p, scale, zero)

    def host_values(self, produce, shape, dtype, device):
        return self.from_numpy(produce(), device)


_FACTORS: dict[tuple[float, torch.dtype], tuple[torch.Tensor, torch.Tensor]] = {}


def _factors(p: float, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """``1 / (1 - p)`` and 0 as 0-d CPU tensors of ``dtype`` (scalars to torch.where on
    any device), made once per ``(p, dtype)``."""
    found = _FACTORS.get((p, dtype))
    if found is None:
        if len(_FACTORS) > 256:
            _FACTORS.clear()
        found = _FACTORS[(p, dtype)] = (torch.tensor(1.0 / (1.0 - p), dtype=dtype),
                                        torch.tensor(0.0, dtype=dtype))
    return found
