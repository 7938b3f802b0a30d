"""Activation layers, as in ``torch.nn``: ``ReLU``, ``GELU``, ``SiLU``, ``Tanh``,
``Sigmoid``, ``Softmax``, ``LogSoftmax``, ``LeakyReLU``, ``PReLU``, ``ELU``, ``SELU``,
``CELU``, ``Softplus``, ``Mish``, ``Hardtanh``, ``ReLU6`` and ``Hardswish``.  Each calls
the function of the same name in :mod:`unitorch.nn.functional`; only ``PReLU`` has a
parameter."""

from __future__ import annotations

import warnings
from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._common import count, new_parameter

__all__ = ["GELU", "LogSoftmax", "ReLU", "SiLU", "Sigmoid", "Softmax", "Tanh", "LeakyReLU",
           "PReLU", "ELU", "SELU", "CELU", "Softplus", "Mish", "Hardtanh", "ReLU6",
           "Hardswish"]


def _inplace_repr(inplace: bool, head: str = "") -> str:
    return ", ".join(s for s in (head, "inplace=True" if inplace else "") if s)


class _Inplace(Module):
    """An activation whose only argument is PyTorch's ``inplace`` (in the ``repr`` when
    set); a subclass writes ``forward``."""

    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace)


class _AlphaInplace(Module):
    """An activation with PyTorch's ``alpha=1.0`` and ``inplace`` (ELU, CELU); a subclass
    writes ``forward``."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"alpha={self.alpha}")


class _Dim(Module):
    """An activation along ``dim`` (``None``: PyTorch's deprecated implicit choice, see
    ``_implicit_dim``); a subclass writes ``forward``."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class ReLU(_Inplace):
    """``max(x, 0)`` element-wise; ``inplace=True`` also stores the result in the input.

    Example:
        >>> ut.nn.ReLU()(ut.tensor([-1., 2.]))
        tensor([0., 2.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu(input, self.inplace)


class SiLU(_Inplace):
    """``x * sigmoid(x)`` element-wise; ``inplace=True`` also stores the result in the
    input.

    Example:
        >>> ut.nn.SiLU()(ut.tensor([0.]))
        tensor([0.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.silu(input, self.inplace)


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


class Softmax(_Dim):
    """``exp(x) / sum(exp(x))`` along ``dim``.  ``dim=None`` (PyTorch's deprecated
    default) picks axis 0 for 0-, 1- and 3-D input and axis 1 otherwise, with a warning,
    as PyTorch does.

    Example:
        >>> ut.nn.Softmax(dim=-1)(ut.tensor([0., 0.]))
        tensor([0.5, 0.5], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:
            dim = _implicit_dim("softmax", input.ndim)
        return F.softmax(input, dim)


class LogSoftmax(_Dim):
    """``x - log(sum(exp(x)))`` along ``dim`` (``dim=None`` as in :class:`Softmax`).

    Example:
        >>> ut.nn.LogSoftmax(dim=-1)(ut.tensor([0., 0.]))
        tensor([-0.6931472, -0.6931472], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        dim = self.dim
        if dim is None:
            dim = _implicit_dim("log_softmax", input.ndim)
        return F.log_softmax(input, dim)


# ---------------------------------------------------------------------------------------
# the activations of issue 11 (functions in unitorch/nn/_activations.py)


class LeakyReLU(Module):
    """``x`` where ``x > 0``, else ``negative_slope * x``; see
    :func:`unitorch.nn.functional.leaky_relu`.

    Example:
        >>> ut.nn.LeakyReLU(0.2)(ut.tensor([-1., 1.]))
        tensor([-0.2,  1. ], dtype=float32)
    """

    def __init__(self, negative_slope: float = 1e-2, inplace: bool = False) -> None:
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"negative_slope={self.negative_slope}")


class PReLU(Module):
    """``x`` where ``x > 0``, else ``a * x`` with a learned slope ``a``: one shared by
    all channels (``num_parameters=1``) or one per channel (axis 1).  Parameter:
    ``weight`` (num_parameters,), initialised to ``init`` (0.25), as PyTorch's.

    Example:
        >>> act = ut.nn.PReLU()
        >>> act(ut.tensor([-2., 2.]))
        tensor([-0.5,  2. ], dtype=float32)
        >>> [name for name, _ in act.named_parameters()]
        ['weight']
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.num_parameters = count("PReLU", "num_parameters", num_parameters, 1)
        self.init = init
        self.weight = new_parameter((self.num_parameters,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Fill the slopes with ``init``."""
        from .. import init as _init

        _init.constant_(self.weight, self.init)

    def forward(self, input: Tensor) -> Tensor:
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"


class ELU(_AlphaInplace):
    """``x`` where ``x > 0``, else ``alpha * (exp(x) - 1)``; see
    :func:`unitorch.nn.functional.elu`.

    Example:
        >>> ut.nn.ELU()(ut.tensor([0., 1.]))
        tensor([0., 1.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.elu(input, self.alpha, self.inplace)


class SELU(_Inplace):
    """The self-normalizing ``scale * elu(x, alpha)``; see
    :func:`unitorch.nn.functional.selu`.

    Example:
        >>> ut.nn.SELU()(ut.tensor([0.]))
        tensor([0.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.selu(input, self.inplace)


class CELU(_AlphaInplace):
    """``x`` where ``x > 0``, else ``alpha * (exp(x / alpha) - 1)``; see
    :func:`unitorch.nn.functional.celu`.

    Example:
        >>> ut.nn.CELU(alpha=2.0)(ut.tensor([0., 1.]))
        tensor([0., 1.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.celu(input, self.alpha, self.inplace)


class Softplus(Module):
    """``log(1 + exp(beta x)) / beta`` (``x`` beyond ``threshold``); see
    :func:`unitorch.nn.functional.softplus`.

    Example:
        >>> ut.nn.Softplus(beta=2.0)(ut.tensor([0.]))
        tensor([0.3465736], dtype=float32)
    """

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input: Tensor) -> Tensor:
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class Mish(_Inplace):
    """``x * tanh(softplus(x))``; see :func:`unitorch.nn.functional.mish`.

    Example:
        >>> ut.nn.Mish()(ut.tensor([0.]))
        tensor([0.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.mish(input, self.inplace)


class Hardtanh(Module):
    """``x`` clamped to ``[min_val, max_val]``; see
    :func:`unitorch.nn.functional.hardtanh`.  ``max_val`` must exceed ``min_val``
    (``ValueError``; PyTorch asserts).

    Example:
        >>> ut.nn.Hardtanh(-2., 2.)(ut.tensor([-3., 1., 3.]))
        tensor([-2.,  1.,  2.], dtype=float32)
    """

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False
                 ) -> None:
        super().__init__()
        if not max_val > min_val:
            raise ValueError(f"Hardtanh: max_val ({max_val}) must be greater than min_val "
                             f"({min_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self) -> str:
        return _inplace_repr(self.inplace, f"min_val={self.min_val}, max_val={self.max_val}")


class ReLU6(_Inplace):
    """``min(max(x, 0), 6)``; see :func:`unitorch.nn.functional.relu6`.

    Example:
        >>> ut.nn.ReLU6()(ut.tensor([-1., 7.]))
        tensor([0., 6.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.relu6(input, self.inplace)


class Hardswish(_Inplace):
    """``x * relu6(x + 3) / 6``; see :func:`unitorch.nn.functional.hardswish`.  (Its
    ``repr`` omits ``inplace``, as PyTorch's.)

    Example:
        >>> ut.nn.Hardswish()(ut.tensor([-4., 4.]))
        tensor([-0.,  4.], dtype=float32)
    """

    def forward(self, input: Tensor) -> Tensor:
        return F.hardswish(input, self.inplace)

    def extra_repr(self) -> str:
        return ""  # PyTorch's Hardswish repr omits inplace
