"""``Conv2d``, as in ``torch.nn`` (NCHW on every backend)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._common import count, fan_in_uniform_, new_parameter, pair

__all__ = ["Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _positive_pair(name: str, value: Any, minimum: int) -> tuple[int, int]:
    p = pair(value)
    if (not isinstance(p, tuple) or len(p) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in p)):
        raise TypeError(f"Conv2d: {name} must be an int or a pair of ints, got {value!r}")
    p = (int(p[0]), int(p[1]))
    if p[0] < minimum or p[1] < minimum:
        what = "positive" if minimum else "non-negative"
        raise ValueError(f"Conv2d: {name} must be {what}, got {value!r}")
    return p


class Conv2d(Module):
    """2-D convolution (cross-correlation) over (N, C_in, H, W) or (C_in, H, W) input.

    Arguments as PyTorch's: ``kernel_size``, ``stride`` (default 1), ``padding`` (an int,
    a pair, ``"valid"`` or ``"same"``; ``"same"`` needs stride 1 and puts an odd extra
    row/column at the bottom/right), ``dilation``, ``groups`` (must divide both channel
    counts), ``bias``.  Only ``padding_mode="zeros"`` is supported: ``"reflect"``,
    ``"replicate"`` and ``"circular"`` raise :class:`NotImplementedError`, anything else
    ``ValueError``.  ``kernel_size``, ``stride`` and ``dilation`` are stored as pairs,
    ``padding`` as a pair or the string.

    Parameters: ``weight`` (out_channels, in_channels / groups, kH, kW) and ``bias``
    (out_channels,).  Initialisation, PyTorch's: ``weight ~ U(-k, k)``
    (``kaiming_uniform_`` with ``a = sqrt(5)``) and ``bias ~ U(-k, k)`` with
    ``k = 1 / sqrt(fan_in)``, ``fan_in = in_channels / groups * kH * kW``, from the
    portable stream (the same numbers on every backend for one seed).

    Output (N, C_out, H', W'), ``H' = floor((H + 2 padding - dilation (kH - 1) - 1) /
    stride) + 1``; see :func:`unitorch.nn.functional.conv2d`.

    Example:
        >>> conv = ut.nn.Conv2d(3, 8, 3, padding="same")
        >>> conv(ut.ones((2, 3, 16, 16))).shape
        (2, 8, 16, 16)
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        groups = count("Conv2d", "groups", groups, 1)
        in_channels = count("Conv2d", "in_channels", in_channels, 0)
        out_channels = count("Conv2d", "out_channels", out_channels, 0)
        if in_channels % groups:
            raise ValueError("Conv2d: in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError("Conv2d: out_channels must be divisible by groups")
        kernel = _positive_pair("kernel_size", kernel_size, 1)
        stride = _positive_pair("stride", stride, 1)
        dilation = _positive_pair("dilation", dilation, 1)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(
                    f"Conv2d: invalid padding string {padding!r}, should be 'same' or 'valid'"
                )
            if padding == "same" and stride != (1, 1):
                raise ValueError(
                    "Conv2d: padding='same' is not supported for strided convolutions"
                )
        else:
            padding = _positive_pair("padding", padding, 0)
        if padding_mode != "zeros":
            if padding_mode in _PADDING_MODES:
                raise NotImplementedError(
                    f"Conv2d: padding_mode={padding_mode!r} is not supported; only 'zeros' "
                    "(pad the input with ut.pad(..., mode=...) and use padding=0)"
                )
            raise ValueError(
                f"Conv2d: padding_mode must be one of {list(_PADDING_MODES)}, but got "
                f"padding_mode={padding_mode!r}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.padding_mode = padding_mode
        self.weight = new_parameter((out_channels, in_channels // groups, *kernel), dtype,
                                    device)
        if bias:
            self.bias = new_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the parameters again (the formula in the class docstring)."""
        fan_in_uniform_(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.conv2d(input, self.weight, self.bias, self.stride, self.padding,
                        self.dilation, self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        return s
