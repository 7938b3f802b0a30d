"""Convolution layers, as in ``torch.nn`` (channels first on every backend): ``Conv1d``,
``Conv2d``, ``Conv3d``, ``ConvTranspose1d`` and ``ConvTranspose2d``, with PyTorch's
arguments, stored attributes (tuples), parameter names, shapes, initialisation and
``repr``."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._common import count, fan_in_uniform_, new_parameter

__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _tuple(owner: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    """PyTorch's ``_single``/``_pair``/``_triple``, checked: an int or ``n`` ints."""
    items = (value,) * n if isinstance(value, (int, np.integer)) else value
    if (not isinstance(items, (list, tuple)) or len(items) not in (1, n)
            or any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in items)):
        what = {1: "an int", 2: "an int or a pair of ints", 3: "an int or a triple of ints"}
        raise TypeError(f"{owner}: {name} must be {what[n]}, got {value!r}")
    out = tuple(int(v) for v in items) * (n if len(items) == 1 else 1)
    if any(v < minimum for v in out):
        what = "positive" if minimum else "non-negative"
        raise ValueError(f"{owner}: {name} must be {what}, got {value!r}")
    return out


class _ConvNd(Module):
    """What every convolution layer shares: the checks, the parameters and their
    initialisation, ``repr``.  Subclasses set ``_nd`` and ``_transposed``."""

    _nd = 2
    _transposed = False

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any, stride: Any,
                 padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                 output_padding: Any = 0, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        name, nd = type(self).__name__, self._nd
        groups = count(name, "groups", groups, 1)
        in_channels = count(name, "in_channels", in_channels, 0)
        out_channels = count(name, "out_channels", out_channels, 0)
        if in_channels % groups:
            raise ValueError(f"{name}: in_channels must be divisible by groups")
        if out_channels % groups:
            raise ValueError(f"{name}: out_channels must be divisible by groups")
        kernel = _tuple(name, "kernel_size", kernel_size, nd, 1)
        stride = _tuple(name, "stride", stride, nd, 1)
        dilation = _tuple(name, "dilation", dilation, nd, 1)
        if isinstance(padding, str):
            if self._transposed:
                raise ValueError(f"{name}: padding must be an int or a tuple of ints, got "
                                 f"{padding!r}")
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: invalid padding string {padding!r}, should be one "
                                 "of {'valid', 'same'}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided "
                                 "convolutions")
        else:
            padding = _tuple(name, "padding", padding, nd, 0)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(f"{name}: padding_mode must be one of {list(_PADDING_MODES)}, "
                             f"but got padding_mode={padding_mode!r}")
        if self._transposed and padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {name}')
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.output_padding = _tuple(name, "output_padding", output_padding, nd, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        if isinstance(padding, str):  # the explicit pads of "same", last axis first
            pads: list[int] = []
            for d, k in zip(reversed(dilation), reversed(kernel)):
                total = d * (k - 1) if padding == "same" else 0
                pads += [total // 2, total - total // 2]
        else:
            pads = [p for p in reversed(padding) for _ in range(2)]
        self._reversed_padding_repeated_twice = pads
        shape = ((in_channels, out_channels // groups) if self._transposed
                 else (out_channels, in_channels // groups))
        self.weight = new_parameter((*shape, *kernel), dtype, device)
        if bias:
            self.bias = new_parameter((out_channels,), dtype, device)
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw the parameters again: ``weight ~ U(-k, k)`` (``kaiming_uniform_`` with
        ``a = sqrt(5)``) and ``bias ~ U(-k, k)``, ``k = 1 / sqrt(fan_in)``, ``fan_in``
        computed from ``weight.shape[1]`` times the kernel size (PyTorch's formula, also
        for transposed convolutions), from the portable stream."""
        fan_in_uniform_(self.weight, self.bias)

    def _conv_forward(self, input: Tensor, conv: Any) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return conv(padded, self.weight, self.bias, self.stride, 0, self.dilation,
                        self.groups)
        return conv(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                    self.groups)

    def extra_repr(self) -> str:
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        zeros, ones = (0,) * self._nd, (1,) * self._nd
        if self.padding != zeros:
            s += f", padding={self.padding}"
        if self.dilation != ones:
            s += f", dilation={self.dilation}"
        if self.output_padding != zeros:
            s += f", output_padding={self.output_padding}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s


class _Conv(_ConvNd):
    """A convolution: PyTorch's ``Conv1d``/``Conv2d``/``Conv3d`` arguments and
    defaults."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, dilation: Any = 1, groups: int = 1,
                 bias: bool = True, padding_mode: str = "zeros", device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, device=device, dtype=dtype)


class Conv1d(_Conv):
    """1-D convolution (cross-correlation) over (N, C_in, L) or (C_in, L) input.

    Arguments as PyTorch's: ``kernel_size``, ``stride`` (default 1), ``padding`` (an int,
    ``"valid"`` or ``"same"``, stride 1 only, the odd extra at the end), ``dilation``,
    ``groups`` (must divide both channel counts), ``bias``, ``padding_mode``
    (``"zeros"``, ``"reflect"``, ``"replicate"`` or ``"circular"``: the input is padded
    with :func:`unitorch.nn.functional.pad` first).  Stored as 1-tuples (``padding`` also
    as the string).  Parameters ``weight`` (out_channels, in_channels / groups, k) and
    ``bias`` (out_channels,), initialised as :class:`Conv2d`'s.  See
    :func:`unitorch.nn.functional.conv1d`.

    Example:
        >>> conv = ut.nn.Conv1d(3, 8, 5, padding="same")
        >>> conv(ut.ones((2, 3, 16))).shape
        (2, 8, 16)
    """

    _nd = 1

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, F.conv1d)


class Conv2d(_Conv):
    """2-D convolution (cross-correlation) over (N, C_in, H, W) or (C_in, H, W) input.

    Arguments as PyTorch's: ``kernel_size``, ``stride`` (default 1), ``padding`` (an int,
    a pair, ``"valid"`` or ``"same"``; ``"same"`` needs stride 1 and puts an odd extra
    row/column at the bottom/right), ``dilation``, ``groups`` (must divide both channel
    counts), ``bias``, ``padding_mode`` (``"zeros"``, or ``"reflect"``, ``"replicate"``,
    ``"circular"``: the input is padded with :func:`unitorch.nn.functional.pad` first, as
    PyTorch does).  ``kernel_size``, ``stride`` and ``dilation`` are stored as pairs,
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

    _nd = 2

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, F.conv2d)


class Conv3d(_Conv):
    """3-D convolution (cross-correlation) over (N, C_in, D, H, W) or (C_in, D, H, W)
    input; arguments (each an int or a triple), parameters (``weight`` (out_channels,
    in_channels / groups, kD, kH, kW), ``bias``), initialisation and ``padding_mode`` as
    :class:`Conv2d`.  See :func:`unitorch.nn.functional.conv3d`.

    Example:
        >>> conv = ut.nn.Conv3d(1, 4, 3, stride=2, padding=1)
        >>> conv(ut.ones((2, 1, 8, 8, 8))).shape
        (2, 4, 4, 4, 4)
    """

    _nd = 3

    def forward(self, input: Tensor) -> Tensor:
        return self._conv_forward(input, F.conv3d)


class _ConvTransposeNd(_ConvNd):
    """A transposed convolution: PyTorch's ``ConvTranspose1d``/``ConvTranspose2d``
    arguments (``output_padding``, then ``groups`` before ``dilation``) and defaults."""

    _transposed = True

    def __init__(self, in_channels: int, out_channels: int, kernel_size: Any,
                 stride: Any = 1, padding: Any = 0, output_padding: Any = 0, groups: int = 1,
                 bias: bool = True, dilation: Any = 1, padding_mode: str = "zeros",
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation,
                         groups, bias, padding_mode, output_padding, device, dtype)

    def _output_padding(self, input: Tensor, output_size: Any) -> tuple[int, ...]:
        """``output_padding``, or the one that gives ``output_size`` (PyTorch's rule: the
        size must lie between the smallest output and that plus ``stride - 1``)."""
        if output_size is None:
            return self.output_padding
        nd, name = self._nd, type(self).__name__
        sizes = list(output_size)
        if len(sizes) == nd + 2 or (len(sizes) == nd + 1 and input.ndim == nd + 1):
            sizes = sizes[-nd:]
        if len(sizes) != nd:
            raise ValueError(f"{name}: output_size must have {nd} or {nd + 2} elements (got "
                             f"{len(sizes)})")
        spatial = input.shape[-nd:]
        smallest = [(s - 1) * st - 2 * p + d * (k - 1) + 1 for s, st, p, d, k in zip(
            spatial, self.stride, self.padding, self.dilation, self.kernel_size)]
        largest = [m + st - 1 for m, st in zip(smallest, self.stride)]
        if any(not lo <= want <= hi for want, lo, hi in zip(sizes, smallest, largest)):
            raise ValueError(f"{name}: requested an output size of {tuple(sizes)}, but valid "
                             f"sizes range from {smallest} to {largest} (for an input of "
                             f"{tuple(spatial)})")
        return tuple(int(want) - lo for want, lo in zip(sizes, smallest))


class ConvTranspose1d(_ConvTransposeNd):
    """Transposed 1-D convolution ("deconvolution") over (N, C_in, L) or (C_in, L) input;
    see :func:`unitorch.nn.functional.conv_transpose1d`.

    PyTorch's arguments (note ``output_padding``, then ``groups`` before ``dilation``),
    stored as 1-tuples; only ``padding_mode="zeros"`` (``ValueError`` otherwise, as
    PyTorch).  Parameters ``weight`` (in_channels, out_channels / groups, k) and ``bias``
    (out_channels,), initialised from ``fan_in = out_channels / groups * k`` (PyTorch's
    formula).  ``forward(input, output_size=None)``: an ``output_size`` picks the
    ``output_padding`` that gives it.

    Example:
        >>> up = ut.nn.ConvTranspose1d(4, 2, 4, stride=2, padding=1)
        >>> up(ut.ones((1, 4, 10))).shape
        (1, 2, 20)
    """

    _nd = 1

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)


class ConvTranspose2d(_ConvTransposeNd):
    """Transposed 2-D convolution ("deconvolution") over (N, C_in, H, W) or (C_in, H, W)
    input: the usual upsampling layer of decoders and GANs.  Arguments (each an int or a
    pair), storage, parameters (``weight`` (in_channels, out_channels / groups, kH, kW),
    ``bias``), initialisation and ``forward(input, output_size=None)`` as
    :class:`ConvTranspose1d`; see :func:`unitorch.nn.functional.conv_transpose2d`.

    Example:
        >>> up = ut.nn.ConvTranspose2d(8, 3, 3, stride=2, padding=1, output_padding=1)
        >>> up(ut.ones((1, 8, 7, 7))).shape
        (1, 3, 14, 14)
    """

    _nd = 2

    def forward(self, input: Tensor, output_size: Any = None) -> Tensor:
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding,
                                  self._output_padding(input, output_size), self.groups,
                                  self.dilation)
