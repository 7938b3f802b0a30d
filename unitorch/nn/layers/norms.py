"""``GroupNorm``, ``InstanceNorm2d`` and ``RMSNorm``, as in ``torch.nn``: PyTorch's
arguments, defaults, parameter and buffer names and initialisation (the functions are in
``unitorch/nn/_normalization.py``)."""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence
from typing import Any

from ... import dtypes as dt
from ...errors import ShapeError, fmt_shape
from ...ops.creation import ones, zeros
from ...ops.manipulation import reshape
from ...tensor import Tensor
from .. import functional as F
from .. import init
from .._normalization import _shape_of
from ..module import Module
from ._common import count, new_parameter

__all__ = ["GroupNorm", "InstanceNorm2d", "RMSNorm"]


def _affine(m: Module, affine: bool, bias: bool, shape: tuple[int, ...], dtype: Any,
            device: Any) -> tuple[Tensor | None, Tensor | None]:
    """The ``weight`` and ``bias`` parameters of a norm layer (``bias=False``: none, as
    PyTorch's keyword), registered in PyTorch's order."""
    m.register_parameter("weight", new_parameter(shape, dtype, device) if affine else None)
    m.register_parameter("bias", new_parameter(shape, dtype, device) if affine and bias
                         else None)
    return m.weight, m.bias


def _reset_affine(m: Module) -> None:
    if m.weight is not None:
        init.ones_(m.weight)
    if m.bias is not None:
        init.zeros_(m.bias)


class GroupNorm(Module):
    """Group normalization of (N, C, ...) input: ``num_channels`` split into
    ``num_groups`` groups, each normalized per sample; see
    :func:`unitorch.nn.functional.group_norm`.  With ``affine`` (the default), the
    parameters ``weight`` (ones) and ``bias`` (zeros), of shape (C,).

    Example:
        >>> gn = ut.nn.GroupNorm(2, 4)
        >>> gn(ut.random.randn(3, 4, 5)).shape
        (3, 4, 5)
    """

    def __init__(self, num_groups: int, num_channels: int, eps: float = 1e-5,
                 affine: bool = True, device: Any = None, dtype: Any = None, *,
                 bias: bool = True) -> None:
        super().__init__()
        num_groups = count("GroupNorm", "num_groups", num_groups, 1)
        num_channels = count("GroupNorm", "num_channels", num_channels, 1)
        if num_channels % num_groups:
            raise ValueError("num_channels must be divisible by num_groups")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        self.weight, self.bias = _affine(self, affine, bias, (num_channels,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones and ``bias`` to zeros."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class InstanceNorm2d(Module):
    """Instance normalization of (N, C, H, W) or unbatched (C, H, W) input: each channel
    of each image normalized over H and W; see
    :func:`unitorch.nn.functional.instance_norm`.

    PyTorch's defaults: no parameters (``affine=False``) and no running statistics
    (``track_running_stats=False``).  With ``affine``, ``weight`` (ones) and ``bias``
    (zeros); with ``track_running_stats``, the buffers ``running_mean``, ``running_var``
    and ``num_batches_tracked``, updated in training mode and used in eval mode.  A
    channel count other than ``num_features`` raises :class:`ShapeError` with ``affine``
    and warns without, as PyTorch does.

    Example:
        >>> norm = ut.nn.InstanceNorm2d(3)
        >>> norm(ut.random.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = False, track_running_stats: bool = False, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        self.num_features = count("InstanceNorm2d", "num_features", num_features, 1)
        if momentum is not None and (isinstance(momentum, bool)
                                     or not isinstance(momentum, numbers.Real)):
            raise TypeError(f"InstanceNorm2d: momentum must be a number or None, got "
                            f"{momentum!r}")
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        c = self.num_features
        self.weight, self.bias = _affine(self, affine, bias, (c,), dtype, device)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(c, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(c, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", zeros((), dtype=dt.int64,
                                                              device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        """``running_mean`` to zeros, ``running_var`` to ones, ``num_batches_tracked`` to 0."""
        if self.track_running_stats:
            init.zeros_(self.running_mean)
            init.ones_(self.running_var)
            init.zeros_(self.num_batches_tracked)

    def reset_parameters(self) -> None:
        """Reset the running statistics; ``weight`` to ones and ``bias`` to zeros."""
        self.reset_running_stats()
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        shape = input.shape if isinstance(input, Tensor) else None
        if shape is None or len(shape) not in (3, 4):
            got = f"{len(shape)}D input" if shape is not None else type(input).__name__
            raise ShapeError(f"InstanceNorm2d: expected 3D or 4D input (got {got})")
        channels = shape[-3]
        if channels is not None and channels != self.num_features:
            if self.affine:
                raise ShapeError(f"InstanceNorm2d: expected {self.num_features} channels, "
                                 f"got input shape {fmt_shape(shape)}")
            warnings.warn(f"input's size at dim={len(shape) - 3} does not match num_features. "
                          "You can silence this warning by not passing in num_features, "
                          "which is not used because affine=False", UserWarning, stacklevel=2)
        unbatched = len(shape) == 3
        x = reshape(input, (1, *shape)) if unbatched else input
        use_input_stats = self.training or not self.track_running_stats
        out = F.instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                              use_input_stats,
                              self.momentum if self.momentum is not None else 0.0, self.eps)
        return reshape(out, shape) if unbatched else out

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class RMSNorm(Module):
    """Root-mean-square normalization over the trailing ``normalized_shape`` axes; see
    :func:`unitorch.nn.functional.rms_norm`.  ``eps=None`` (the default) is the machine
    epsilon of the input's dtype.  With ``elementwise_affine`` (the default), the
    parameter ``weight`` (ones, of shape ``normalized_shape``).

    Example:
        >>> norm = ut.nn.RMSNorm(4)
        >>> norm(ut.ones((2, 4)))
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]], dtype=float32)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float | None = None,
                 elementwise_affine: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        self.normalized_shape = _shape_of("RMSNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = new_parameter(self.normalized_shape, dtype, device)
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones."""
        if self.weight is not None:
            init.ones_(self.weight)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}")
