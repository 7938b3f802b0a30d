"""Pooling layers, as in ``torch.nn``: ``MaxPool2d``, ``AvgPool2d`` and
``AdaptiveAvgPool2d`` (with its functional form :func:`adaptive_avg_pool2d`), and
``MaxPool1d``, ``AvgPool1d`` and ``AdaptiveMaxPool2d`` (functions in
``unitorch/nn/_pooling.py``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...errors import DTypeError, ShapeError, fmt_shape
from ...ops.manipulation import concat, reshape
from ...ops.statistical import mean
from ...tensor import Tensor
from .. import functional as F
from ..module import Module
from ._common import pair

__all__ = ["AdaptiveAvgPool2d", "AvgPool2d", "MaxPool2d", "adaptive_avg_pool2d", "MaxPool1d",
           "AvgPool1d", "AdaptiveMaxPool2d"]


class MaxPool2d(Module):
    """The maximum over each ``kernel_size`` window of (N, C, H, W) or (C, H, W) input.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the kernel) never
    wins; ``ceil_mode`` rounds the output size up (PyTorch's rule).  A NaN in a window
    wins.  ``dilation`` other than 1 and ``return_indices=True`` raise
    :class:`NotImplementedError`.  No parameters.  See
    :func:`unitorch.nn.functional.max_pool2d`.

    Example:
        >>> ut.nn.MaxPool2d(2)(ut.ones((1, 3, 8, 8))).shape
        (1, 3, 4, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        if return_indices:
            raise NotImplementedError("MaxPool2d: return_indices=True is not supported")
        if pair(dilation) != (1, 1):
            raise NotImplementedError("MaxPool2d: dilation other than 1 is not supported")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, 1,
                            self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


class AvgPool2d(Module):
    """The mean over each ``kernel_size`` window of (N, C, H, W) or (C, H, W) input.

    ``stride`` defaults to ``kernel_size``; the divisor counts the zero padding
    (``count_include_pad=True``, PyTorch's default) or not; ``divisor_override``
    replaces it.  No parameters.  See :func:`unitorch.nn.functional.avg_pool2d`.

    Example:
        >>> ut.nn.AvgPool2d(2)(ut.ones((1, 3, 8, 8))).shape
        (1, 3, 4, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True,
                 divisor_override: int | None = None) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding,
                            self.ceil_mode, self.count_include_pad, self.divisor_override)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


# ---------------------------------------------------------------------------------------
# adaptive average pooling


def _output_size(output_size: Any, op: str = "adaptive_avg_pool2d"
                 ) -> tuple[int | None, int | None]:
    p = pair(output_size)
    ok = isinstance(p, tuple) and len(p) == 2 and all(
        v is None or (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) for v in p)
    if not ok:
        raise TypeError(
            f"{op}(): output_size must be an int, None or a pair of them, "
            f"got {output_size!r}"
        )
    if any(v is not None and v < 1 for v in p):
        raise ValueError(
            f"{op}(): output_size must be positive, got {output_size!r}"
        )
    return tuple(None if v is None else int(v) for v in p)  # type: ignore[return-value]


def _adaptive_mean(x: Tensor, axis: int, out: int) -> Tensor:
    """Average ``x`` along ``axis`` into ``out`` windows, PyTorch's windows: window ``i``
    covers ``[floor(i * n / out), ceil((i + 1) * n / out))``."""
    n = x.shape[axis]
    if out == n:
        return x
    if n % out == 0:  # equal, disjoint windows: one reshape and one mean
        shape = tuple(-1 if s is None else s for s in x.shape)  # batch unknown in a trace
        return mean(reshape(x, (*shape[:axis], out, n // out, *shape[axis + 1:])),
                    axis=axis + 1)
    lead = (slice(None),) * axis
    parts = [mean(x[(*lead, slice(i * n // out, -(-(i + 1) * n // out)))], axis=axis,
                  keepdims=True) for i in range(out)]
    return concat(parts, axis=axis)


def adaptive_avg_pool2d(input: Tensor, output_size: Any) -> Tensor:
    """Average (N, C, H, W) or (C, H, W) input into an ``output_size`` grid (an int, a
    pair, ``None`` keeping that axis' size), with PyTorch's windows: output row ``i``
    averages input rows ``floor(i H / out_h)`` up to (excluding) ``ceil((i + 1) H /
    out_h)``, likewise columns.  Windows may overlap when ``H`` is not a multiple of
    ``out_h``, and ``out_h`` may exceed ``H``.

    Real floating dtypes only; the result keeps the dtype.  Composed of means and slices,
    so it is differentiable and the same on every backend.

    Example:
        >>> F.adaptive_avg_pool2d(ut.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5,  4.5],
                  [10.5, 12.5]]]], dtype=float32)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"adaptive_avg_pool2d() expects a Tensor, got {type(input).__name__}")
    shape = input.shape
    if len(shape) not in (3, 4):
        raise ShapeError(
            f"adaptive_avg_pool2d() expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
            f"shape {fmt_shape(shape)}"
        )
    if input.dtype.kind != "f":
        raise DTypeError(
            f"adaptive_avg_pool2d() expects real floating tensors, got {input.dtype.name}"
        )
    out_h, out_w = _output_size(output_size)
    h, w = shape[-2:]
    if h is None or w is None or h == 0 or w == 0:
        raise ShapeError(
            f"adaptive_avg_pool2d() needs a known, non-zero height and width, got input "
            f"shape {fmt_shape(shape)}"
        )
    nd = len(shape)
    x = _adaptive_mean(input, nd - 2, h if out_h is None else out_h)
    return _adaptive_mean(x, nd - 1, w if out_w is None else out_w)


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` grid whatever the input size (an int,
    a pair, ``None`` keeping that axis): see :func:`adaptive_avg_pool2d` for PyTorch's
    window rule.  No parameters.

    Example:
        >>> ut.nn.AdaptiveAvgPool2d((1, 1))(ut.ones((2, 3, 7, 5))).shape
        (2, 3, 1, 1)
    """

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        _output_size(output_size)
        self.output_size = output_size

    def forward(self, input: Tensor) -> Tensor:
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


# ---------------------------------------------------------------------------------------
# the poolings of issue 11


class MaxPool1d(Module):
    """The maximum over each ``kernel_size`` window of (N, C, L) or (C, L) input; see
    :func:`unitorch.nn.functional.max_pool1d`.  ``dilation`` other than 1 and
    ``return_indices=True`` raise :class:`NotImplementedError`.

    Example:
        >>> ut.nn.MaxPool1d(2)(ut.ones((1, 3, 8))).shape
        (1, 3, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 dilation: Any = 1, return_indices: bool = False,
                 ceil_mode: bool = False) -> None:
        super().__init__()
        if return_indices:
            raise NotImplementedError("MaxPool1d: return_indices=True is not supported")
        if dilation != 1 and tuple(np.atleast_1d(dilation)) != (1,):
            raise NotImplementedError("MaxPool1d: dilation other than 1 is not supported")
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input: Tensor) -> Tensor:
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, 1,
                            self.ceil_mode)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, dilation={self.dilation}, "
                f"ceil_mode={self.ceil_mode}")


def _single(value: Any) -> tuple[int, ...]:
    """PyTorch's ``_single``: an int as a 1-tuple, a sequence as a tuple."""
    return tuple(value) if isinstance(value, (list, tuple)) else (value,)


class AvgPool1d(Module):
    """The mean over each ``kernel_size`` window of (N, C, L) or (C, L) input; see
    :func:`unitorch.nn.functional.avg_pool1d`.  ``kernel_size``, ``stride`` and
    ``padding`` are stored as 1-tuples, as PyTorch stores them.

    Example:
        >>> ut.nn.AvgPool1d(2)(ut.ones((1, 3, 8))).shape
        (1, 3, 4)
    """

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0,
                 ceil_mode: bool = False, count_include_pad: bool = True) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding,
                            self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveMaxPool2d(Module):
    """Maximum pooling to a fixed ``output_size`` grid whatever the input size (an int,
    a pair, ``None`` keeping that axis); see
    :func:`unitorch.nn.functional.adaptive_max_pool2d` for PyTorch's window rule.
    ``return_indices=True`` raises :class:`NotImplementedError`.

    Example:
        >>> ut.nn.AdaptiveMaxPool2d((1, 1))(ut.ones((2, 3, 7, 5))).shape
        (2, 3, 1, 1)
    """

    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__()
        if return_indices:
            raise NotImplementedError("AdaptiveMaxPool2d: return_indices=True is not "
                                      "supported")
        _output_size(output_size, "AdaptiveMaxPool2d")
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_max_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
