"""Activation layers, as in ``torch.nn``: ``ReLU``, ``GELU``, ``SiLU``, ``Tanh``,
``Sigmoid``, ``Softmax``, ``LogSoftmax``.  No parameters; each calls the function of
the same name in :mod:`unitorch.nn.functional`."""

from __future__ import annotations

import warnings

from ...tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["GELU", "LogSoftmax", "ReLU", "SiLU", "Sigmoid", "Softmax", "Tanh"]


class ReLU(Module):
    """``max(x, 0)`` element-wise; ``inplace=True`` also stores the result in the input.

    Example:
        >>> ut.nn.ReLU()(ut.tensor([-1., 2.]))
        tensor([0., 2.], dtype=float32)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class SiLU(Module):
    """``x * sigmoid(x)`` element-wise; ``inplace=True`` also stores the result in the
    input.

    Example:
        >>> ut.nn.SiLU()(ut.tensor([0.]))
        tensor([0.], dtype=float32)
    """

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)

    def extra_repr(self) -> str:
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    """The Gaussian error linear unit, exact (``approximate="none"``) or with the tanh
    approximation (``"tanh"``); see :func:`unitorch.nn.functional.gelu`.

    Example:
        >>> ut.nn.GELU("tanh")(ut.tensor([0.]))
        tensor([0.], dtype=float32)
    """

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input: Tensor) -> Tensor:
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class Tanh(Module):
    """``tanh(x)`` element-wise.

    Example:
        >>> ut.nn.Tanh()(ut.tensor([0.]))
        tensor([0.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.tanh(input)


class Sigmoid(Module):
    """``1 / (1 + exp(-x))`` element-wise.

    Example:
        >>> ut.nn.Sigmoid()(ut.tensor([0.]))
        tensor([0.5], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.sigmoid(input)


def _implicit_dim(name: str, ndim: int) -> int:
    """PyTorch's legacy choice when ``dim=None``: 0 for 0-, 1- and 3-D input, else 1,
    with its deprecation warning."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the "
                  "call to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """``exp(x) / sum(exp(x))`` along ``dim``.  ``dim=None`` (PyTorch's deprecated
    default) picks axis 0 for 0-, 1- and 3-D input and axis 1 otherwise, with a warning,
    as PyTorch does.

    Example:
        >>> ut.nn.Softmax(dim=-1)(ut.tensor([0., 0.]))
        tensor([0.5, 0.5], dtype=float32)
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:
            dim = _implicit_dim("softmax", input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """``x - log(sum(exp(x)))`` along ``dim`` (``dim=None`` as in :class:`Softmax`).

    Example:
        >>> ut.nn.LogSoftmax(dim=-1)(ut.tensor([0., 0.]))
        tensor([-0.6931472, -0.6931472], dtype=float32)
    """

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:
            dim = _implicit_dim("log_softmax", input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"
