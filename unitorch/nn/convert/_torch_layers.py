"""``torch.nn`` versions of the helper layers of :mod:`unitorch.nn.convert.layers` that
PyTorch lacks (``to_torch`` emits them; ``from_torch`` reads them back).  Imported
only when a conversion to or from PyTorch runs."""

from __future__ import annotations

import torch

__all__ = ["Permute", "RNNOutput"]


class Permute(torch.nn.Module):
    """``x.permute(*dims)`` as a module."""

    def __init__(self, *dims: int) -> None:
        super().__init__()
        self.dims = tuple(int(d) for d in dims)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return input.permute(*self.dims)

    def extra_repr(self) -> str:
        return f"dims={self.dims}"


class RNNOutput(torch.nn.Module):
    """A recurrent layer's ``output`` (``return_sequences``) or its last time step."""

    def __init__(self, return_sequences: bool = False, batch_first: bool = True) -> None:
        super().__init__()
        self.return_sequences = bool(return_sequences)
        self.batch_first = bool(batch_first)

    def forward(self, input: tuple[torch.Tensor, object]) -> torch.Tensor:
        out = input[0]
        if self.return_sequences:
            return out
        return out[:, -1] if self.batch_first else out[-1]

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}, batch_first={self.batch_first}"
