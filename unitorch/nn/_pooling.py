"""``max_pool1d``, ``avg_pool1d`` and ``adaptive_max_pool2d``, as in
``torch.nn.functional``.

The 1-D poolings run the 2-D ones (the backends' kernels) on a height of 1, after their
own argument checks; ``adaptive_max_pool2d`` is composed of maxima over PyTorch's
adaptive windows, as :func:`~unitorch.nn.functional.adaptive_avg_pool2d` is of means, so
it is the same on every backend and differentiable.
"""

from __future__ import annotations

from typing import Any

from ..errors import DTypeError, ShapeError, fmt_shape
from ..ops.manipulation import concat, reshape
from ..ops.statistical import max as _max
from ..tensor import Tensor
from ._convolution import ntuple

__all__ = ["max_pool1d", "avg_pool1d", "adaptive_max_pool2d"]


def _pool1d_args(op: str, input: Any, kernel_size: Any, stride: Any, padding: Any,
                 ceil_mode: bool) -> tuple[Tensor, int, int, int, bool]:
    from .functional import _float_input

    x = _float_input(op, input)
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op}() expects a 2-D (C, L) or 3-D (N, C, L) input, got shape "
                         f"{fmt_shape(x.shape)}")
    (k,) = ntuple(op, "kernel_size", kernel_size, 1, 1)
    empty = stride is None or (isinstance(stride, (list, tuple)) and not stride)
    (s,) = (k,) if empty else ntuple(op, "stride", stride, 1, 1)
    (p,) = ntuple(op, "padding", padding, 1, 0)
    if p > k // 2:
        raise ValueError(f"{op}(): padding {p} must be at most half the kernel size {k}")
    length = x.shape[-1]
    if length is not None and length + 2 * p < k:
        raise ShapeError(f"{op}(): the kernel size {k} is larger than the padded input "
                         f"length {length + 2 * p}")
    return x, k, s, p, x.ndim == 2


def _as_2d(x: Tensor, unbatched: bool) -> Tensor:
    shape = tuple(-1 if v is None else v for v in x.shape)
    return reshape(x, (1 if unbatched else shape[0], shape[-2], 1, shape[-1]))


def _from_2d(y: Tensor, unbatched: bool) -> Tensor:
    shape = tuple(-1 if v is None else v for v in y.shape)
    return reshape(y, (shape[1], shape[3]) if unbatched else (shape[0], shape[1], shape[3]))


def max_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               dilation: Any = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """The maximum over each ``kernel_size`` window of (N, C, L) or (C, L) input.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the kernel) never
    wins; output length ``floor((L + 2 padding - k) / stride) + 1`` (with ``ceil_mode``
    the ceiling, less one if the last window would start beyond the input and left
    padding).  A NaN in a window wins.  Real floating dtypes; the result keeps the dtype.
    ``dilation`` other than 1 and ``return_indices`` raise :class:`NotImplementedError`.

    Example:
        >>> F.max_pool1d(ut.tensor([[[1., 3., 2., 5., 4.]]]), 2)
        tensor([[[3., 5.]]], dtype=float32)
    """
    from .functional import max_pool2d

    if return_indices:
        raise NotImplementedError("max_pool1d(): return_indices=True is not supported")
    if ntuple("max_pool1d", "dilation", dilation, 1, 1) != (1,):
        raise NotImplementedError("max_pool1d(): dilation other than 1 is not supported")
    x, k, s, p, unbatched = _pool1d_args("max_pool1d", input, kernel_size, stride, padding,
                                         ceil_mode)
    y = max_pool2d(_as_2d(x, unbatched), (1, k), (1, s), (0, p), 1, ceil_mode)
    return _from_2d(y, unbatched)


def avg_pool1d(input: Tensor, kernel_size: Any, stride: Any = None, padding: Any = 0,
               ceil_mode: bool = False, count_include_pad: bool = True) -> Tensor:
    """The mean over each ``kernel_size`` window of (N, C, L) or (C, L) input.

    Windows as :func:`max_pool1d`; the divisor counts the zero padding
    (``count_include_pad=True``, PyTorch's default) or not.  Real floating dtypes; the
    result keeps the dtype.

    Example:
        >>> F.avg_pool1d(ut.tensor([[[1., 3., 2., 5., 4.]]]), 2)
        tensor([[[2. , 3.5]]], dtype=float32)
    """
    from .functional import avg_pool2d

    x, k, s, p, unbatched = _pool1d_args("avg_pool1d", input, kernel_size, stride, padding,
                                         ceil_mode)
    y = avg_pool2d(_as_2d(x, unbatched), (1, k), (1, s), (0, p), ceil_mode,
                   count_include_pad)
    return _from_2d(y, unbatched)


def _adaptive_max(x: Tensor, axis: int, out: int) -> Tensor:
    """The maximum of ``x`` along ``axis`` over PyTorch's adaptive windows: window ``i``
    covers ``[floor(i * n / out), ceil((i + 1) * n / out))``."""
    n = x.shape[axis]
    if out == n:
        return x
    if n % out == 0:  # equal, disjoint windows: one reshape and one maximum
        shape = tuple(-1 if s is None else s for s in x.shape)
        return _max(reshape(x, (*shape[:axis], out, n // out, *shape[axis + 1:])),
                    axis=axis + 1)
    lead = (slice(None),) * axis
    parts = [_max(x[(*lead, slice(i * n // out, -(-(i + 1) * n // out)))], axis=axis,
                  keepdims=True) for i in range(out)]
    return concat(parts, axis=axis)


def adaptive_max_pool2d(input: Tensor, output_size: Any, return_indices: bool = False
                        ) -> Tensor:
    """The maximum of (N, C, H, W) or (C, H, W) input over an ``output_size`` grid of
    windows (an int, a pair, ``None`` keeping that axis' size), PyTorch's windows: output
    row ``i`` covers input rows ``floor(i H / out_h)`` up to (excluding) ``ceil((i + 1) H
    / out_h)``, likewise columns.  A NaN in a window wins.  Real floating dtypes; the
    result keeps the dtype.  ``return_indices=True`` raises
    :class:`NotImplementedError`.

    Example:
        >>> F.adaptive_max_pool2d(ut.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]], dtype=float32)
    """
    from .layers.pooling import _output_size

    if return_indices:
        raise NotImplementedError("adaptive_max_pool2d(): return_indices=True is not "
                                  "supported")
    if not isinstance(input, Tensor):
        raise TypeError(f"adaptive_max_pool2d() expects a Tensor, got {type(input).__name__}")
    shape = input.shape
    if len(shape) not in (3, 4):
        raise ShapeError(f"adaptive_max_pool2d() expects a 3-D (C, H, W) or 4-D (N, C, H, W) "
                         f"input, got shape {fmt_shape(shape)}")
    if input.dtype.kind != "f":
        raise DTypeError(f"adaptive_max_pool2d() expects real floating tensors, got "
                         f"{input.dtype.name}")
    out_h, out_w = _output_size(output_size, "adaptive_max_pool2d")
    h, w = shape[-2:]
    if h is None or w is None or h == 0 or w == 0:
        raise ShapeError(f"adaptive_max_pool2d() needs a known, non-zero height and width, "
                         f"got input shape {fmt_shape(shape)}")
    nd = len(shape)
    x = _adaptive_max(input, nd - 2, h if out_h is None else out_h)
    return _adaptive_max(x, nd - 1, w if out_w is None else out_w)
