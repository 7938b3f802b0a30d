"""``Linear``, ``Identity`` and ``Bilinear``, as in ``torch.nn``."""

from __future__ import annotations

import math
from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._common import count, fan_in_uniform_, new_parameter

__all__ = ["Bilinear", "Identity", "Linear"]


class Identity(Module):
    """Returns its input; accepts and ignores any constructor arguments (PyTorch's
    placeholder layer).

    Example:
        >>> ut.nn.Identity(54, unused="x")(ut.ones(2))
        tensor([1., 1.], dtype=float32)
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``y = x @ weight.T + bias``: a fully connected layer.

    Parameters (PyTorch's names, shapes and order): ``weight`` (out_features,
    in_features) and ``bias`` (out_features,) unless ``bias=False``.  Initialisation,
    PyTorch's: ``weight ~ U(-k, k)`` (``kaiming_uniform_`` with ``a = sqrt(5)``) and
    ``bias ~ U(-k, k)``, ``k = 1 / sqrt(in_features)``, drawn from the portable stream, so
    ``ut.manual_seed`` gives the same weights on every backend.

    Input (..., in_features), output (..., out_features); see
    :func:`unitorch.nn.functional.linear`.

    Example:
        >>> layer = ut.nn.Linear(3, 4)
        >>> layer(ut.ones((2, 3))).shape
        (2, 4)
        >>> [name for name, _ in layer.named_parameters()]
        ['weight', 'bias']
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in_features = count("Linear", "in_features", in_features)
        self.out_features = count("Linear", "out_features", out_features)
        self.weight = new_parameter((self.out_features, self.in_features), dtype, device)
        if bias:
            self.bias = new_parameter((self.out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the parameters again (the formula in the class docstring)."""
        fan_in_uniform_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """``y = x1^T A x2 + b``: a bilinear layer of (..., in1_features) and (...,
    in2_features) inputs giving (..., out_features); see
    :func:`unitorch.nn.functional.bilinear`.

    Parameters (PyTorch's names and order): ``weight`` (out_features, in1_features,
    in2_features) and ``bias`` (out_features,) unless ``bias=False``, both drawn from
    ``U(-k, k)``, ``k = 1 / sqrt(in1_features)`` (PyTorch's initialisation), from the
    portable stream.

    Example:
        >>> layer = ut.nn.Bilinear(3, 4, 2)
        >>> layer(ut.ones((5, 3)), ut.ones((5, 4))).shape
        (5, 2)
    """

    def __init__(self, in1_features: int, in2_features: int, out_features: int,
                 bias: bool = True, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        self.in1_features = count("Bilinear", "in1_features", in1_features)
        self.in2_features = count("Bilinear", "in2_features", in2_features)
        self.out_features = count("Bilinear", "out_features", out_features)
        self.weight = new_parameter((self.out_features, self.in1_features, self.in2_features),
                                    dtype, device)
        if bias:
            self.bias = new_parameter((self.out_features,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` and ``bias`` from ``U(-k, k)``, ``k = 1 / sqrt(in1_features)``."""
        from .. import init

        bound = 1 / math.sqrt(self.in1_features) if self.in1_features else 0.0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
