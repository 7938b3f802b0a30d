"""``Dropout`` and ``Dropout2d``, as in ``torch.nn``."""

from __future__ import annotations

from ...tensor import Tensor
from .._bags import dropout2d
from .._dropout import _check_p, dropout
from ..module import Module

__all__ = ["Dropout", "Dropout2d"]


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the rest by
    ``1 / (1 - p)``; in eval mode, the identity.

    The mask comes from the backend's native generator, or from the portable stream
    under ``ut.random.portable(True)``, which gives the same mask on every backend (see
    :func:`unitorch.nn.functional.dropout`).  ``p`` must lie in ``[0, 1]``.

    Example:
        >>> drop = ut.nn.Dropout(0.5)
        >>> drop.eval()(ut.ones(3))
        tensor([1., 1., 1.], dtype=float32)
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = _check_p(p)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout2d(Module):
    """In training mode, zero whole channels (axis 1) of (N, C, H, W) input, each with
    probability ``p``, and scale the rest by ``1 / (1 - p)``; in eval mode, the
    identity.  A 3-D input is read as (N, C, L), with PyTorch's warning; see
    :func:`unitorch.nn.functional.dropout2d`.

    Example:
        >>> drop = ut.nn.Dropout2d(0.3)
        >>> drop.eval()(ut.ones((1, 2, 2, 2))).shape
        (1, 2, 2, 2)
    """

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        self.p = _check_p(p)
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return dropout2d(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"
