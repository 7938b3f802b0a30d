"""Resampling layers, as in ``torch.nn``: ``Upsample``, ``PixelShuffle``,
``PixelUnshuffle``, ``Unfold`` and ``Fold`` (their functions are in
``unitorch/nn/_sampling.py``)."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import functional as F
from ..module import Module

__all__ = ["Fold", "PixelShuffle", "PixelUnshuffle", "Unfold", "Upsample"]


class Upsample(Module):
    """Resize (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to ``size`` or by
    ``scale_factor``, with ``mode`` ``"nearest"`` (the default), ``"nearest-exact"``,
    ``"linear"``, ``"bilinear"``, ``"trilinear"`` or ``"area"``; see
    :func:`unitorch.nn.functional.interpolate`.  A single ``scale_factor`` is stored as
    a float, as PyTorch does.

    Example:
        >>> up = ut.nn.Upsample(scale_factor=2, mode="bilinear")
        >>> up(ut.ones((1, 3, 4, 4))).shape
        (1, 3, 8, 8)
    """

    def __init__(self, size: Any = None, scale_factor: Any = None, mode: str = "nearest",
                 align_corners: bool | None = None,
                 recompute_scale_factor: bool | None = None) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor: Any = tuple(float(s) for s in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode,
                             self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self) -> str:
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class PixelShuffle(Module):
    """(*, C r^2, H, W) to (*, C, H r, W r); see
    :func:`unitorch.nn.functional.pixel_shuffle`.

    Example:
        >>> ut.nn.PixelShuffle(2)(ut.ones((1, 8, 3, 3))).shape
        (1, 2, 6, 6)
    """

    def __init__(self, upscale_factor: int) -> None:
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self) -> str:
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    """(*, C, H r, W r) to (*, C r^2, H, W); see
    :func:`unitorch.nn.functional.pixel_unshuffle`.

    Example:
        >>> ut.nn.PixelUnshuffle(2)(ut.ones((1, 2, 6, 6))).shape
        (1, 8, 3, 3)
    """

    def __init__(self, downscale_factor: int) -> None:
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self) -> str:
        return f"downscale_factor={self.downscale_factor}"


class Unfold(Module):
    """Extract sliding blocks (im2col); see :func:`unitorch.nn.functional.unfold`.

    Example:
        >>> ut.nn.Unfold(kernel_size=3, padding=1)(ut.ones((2, 4, 5, 5))).shape
        (2, 36, 25)
    """

    def __init__(self, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
                 stride: Any = 1) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")


class Fold(Module):
    """Combine sliding blocks into an image (col2im); see
    :func:`unitorch.nn.functional.fold`.

    Example:
        >>> ut.nn.Fold(output_size=(5, 5), kernel_size=3, padding=1)(ut.ones((2, 36, 25))).shape
        (2, 4, 5, 5)
    """

    def __init__(self, output_size: Any, kernel_size: Any, dilation: Any = 1,
                 padding: Any = 0, stride: Any = 1) -> None:
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input: Tensor) -> Tensor:
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self) -> str:
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")
