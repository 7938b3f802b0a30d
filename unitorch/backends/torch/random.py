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

    def host_values(self, produce, shape, dtype, device):
        return self.from_numpy(produce(), device)
