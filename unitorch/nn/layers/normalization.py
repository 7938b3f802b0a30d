"""Normalization layers, as in ``torch.nn``: ``LayerNorm``, ``BatchNorm1d``,
``BatchNorm2d``, ``GroupNorm``, ``InstanceNorm2d`` and ``RMSNorm``, with PyTorch's
arguments, defaults, parameter and buffer names and initialisation (the functions are in
``unitorch/nn/_normalization.py``).

BatchNorm follows PyTorch's conventions (which Keras writes differently, see
:func:`unitorch.nn.functional.batch_norm`): ``momentum=0.1`` means
``running = 0.9 running + 0.1 batch_statistic``; ``momentum=None`` keeps the cumulative
average ``running = running + (batch_statistic - running) / num_batches_tracked``; the
running variance is the *unbiased* batch variance; normalization in training uses the
biased one; ``eps=1e-5``.  The buffers ``running_mean``, ``running_var`` and
``num_batches_tracked`` (int64) are updated in place in training mode, also inside
``ut.compile`` (they are ``tf.Variable`` objects on TensorFlow).
"""

from __future__ import annotations

import numbers
import operator
import warnings
from collections.abc import Sequence
from typing import Any

from ... import dtypes as dt
from ..._dispatch import native_scalar
from ...errors import ShapeError, fmt_shape
from ...ops.creation import ones, zeros
from ...ops.manipulation import reshape
from ...tensor import Tensor
from .. import functional as F
from .. import init
from .._normalization import _shape_of
from ..module import Module
from ._common import count, new_parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "GroupNorm", "InstanceNorm2d", "LayerNorm", "RMSNorm"]


def _affine(m: Module, affine: bool, bias: bool, shape: tuple[int, ...], dtype: Any,
            device: Any) -> None:
    """Register the ``weight`` and ``bias`` parameters of a norm layer (``bias=False``:
    no bias, as PyTorch's keyword), in PyTorch's order."""
    m.register_parameter("weight", new_parameter(shape, dtype, device) if affine else None)
    m.register_parameter("bias", new_parameter(shape, dtype, device) if affine and bias
                         else None)


def _reset_affine(m: Module) -> None:
    if m.weight is not None:
        init.ones_(m.weight)
    if m.bias is not None:
        init.zeros_(m.bias)


class LayerNorm(Module):
    """Normalize over the trailing ``normalized_shape`` dimensions:
    ``(x - mean) / sqrt(var + eps) * weight + bias`` with the biased variance.

    Parameters (with ``elementwise_affine``, PyTorch's default): ``weight`` (initialised
    to ones) and ``bias`` (zeros; absent with ``bias=False``), both of shape
    ``normalized_shape``.  See :func:`unitorch.nn.functional.layer_norm`.

    Example:
        >>> ln = ut.nn.LayerNorm(4)
        >>> ln(ut.ones((2, 4))).shape
        (2, 4)
    """

    def __init__(self, normalized_shape: int | Sequence[int], eps: float = 1e-5,
                 elementwise_affine: bool = True, bias: bool = True, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__()
        try:
            if isinstance(normalized_shape, numbers.Integral):
                shape = (operator.index(normalized_shape),)
            else:
                shape = tuple(operator.index(n) for n in normalized_shape)
        except TypeError:
            raise TypeError(
                f"LayerNorm: normalized_shape must be an int or a sequence of ints, got "
                f"{normalized_shape!r}"
            ) from None
        if any(n < 0 for n in shape):
            raise ValueError(f"LayerNorm: normalized_shape must be non-negative, got {shape}")
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, elementwise_affine, bias, shape, dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones and ``bias`` to zeros."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")


class _NormBase(Module):
    """What BatchNorm and InstanceNorm share, as PyTorch's ``_NormBase``: the arguments
    (BatchNorm's defaults), the parameters ``weight`` and ``bias`` of shape (C,) and the
    buffers ``running_mean``, ``running_var`` and ``num_batches_tracked``, in PyTorch's
    order."""

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = True, track_running_stats: bool = True, device: Any = None,
                 dtype: Any = None, *, bias: bool = True) -> None:
        super().__init__()
        name = type(self).__name__
        num_features = count(name, "num_features", num_features, 1)
        if momentum is not None and (isinstance(momentum, bool)
                                     or not isinstance(momentum, numbers.Real)):
            raise TypeError(f"{name}: momentum must be a number or None, got {momentum!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine(self, affine, bias, (num_features,), dtype, device)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype,
                                                       device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype,
                                                     device=device))
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

    def extra_repr(self) -> str:
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    _ranks: tuple[int, ...] = ()
    _expected = ""

    def _check_input(self, input: Any) -> None:
        shape = input.shape if isinstance(input, Tensor) else None
        if shape is None or len(shape) not in self._ranks:
            got = f"{len(shape)}D input" if shape is not None else type(input).__name__
            raise ShapeError(f"{type(self).__name__}: expected {self._expected} (got {got})")
        if shape[1] is not None and shape[1] != self.num_features:
            raise ShapeError(
                f"{type(self).__name__}: expected {self.num_features} channels (dimension "
                f"1), got input shape {fmt_shape(shape)}"
            )

    def forward(self, input: Tensor) -> Tensor:
        self._check_input(input)
        training = self.training
        momentum = self.momentum
        if training and self.track_running_stats and self.num_batches_tracked is not None:
            _increment(self.num_batches_tracked)
            if momentum is None:
                return self._cumulative(input)
        use_buffers = not training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if use_buffers else None,
            self.running_var if use_buffers else None,
            self.weight, self.bias,
            training or self.running_mean is None,
            0.0 if momentum is None else momentum,
            self.eps,
        )

    def _cumulative(self, input: Tensor) -> Tensor:
        """Training with ``momentum=None``: normalize with the batch statistics and fold
        them into the running ones with factor ``1 / num_batches_tracked`` (read as a
        tensor, so this also works inside compiled functions)."""
        out = F.batch_norm(input, None, None, self.weight, self.bias, True, 0.0, self.eps)
        backend = type(input)._bk
        cd = dt.float32 if input.dtype in (dt.float16, dt.bfloat16) else input.dtype
        x = backend.detach(input._n)
        x = x if input.dtype is cd else backend.cast(x, cd)
        axes = (0, *range(2, input.ndim))
        c = self.num_features
        stats = (backend.mean(x, axes, False), backend.var(x, axes, 1.0, False))
        steps = backend.cast(backend.detach(self.num_batches_tracked._n), cd)
        factor = backend.divide(native_scalar(backend, 1.0, cd, x), steps)
        keep = backend.subtract(native_scalar(backend, 1.0, cd, x), factor)
        for running, stat in zip((self.running_mean, self.running_var), stats):
            old = backend.detach(running._n)
            old = old if running.dtype is cd else backend.cast(old, cd)
            new = backend.add(backend.multiply(old, keep),
                              backend.multiply(backend.reshape(stat, (c,)), factor))
            _store(running, new if running.dtype is cd else backend.cast(new, running.dtype))
        return out


def _store(t: Tensor, native: Any) -> None:
    """Write ``native`` into buffer ``t`` in place (unrecorded)."""
    out = type(t)._bk.assign(t._n, native)
    if out is not t._n:
        t._n = out


def _increment(counter: Tensor) -> None:
    backend = type(counter)._bk
    n = backend.detach(counter._n)
    _store(counter, backend.add(n, native_scalar(backend, 1, dt.int64, n)))


class BatchNorm1d(_BatchNorm):
    """Batch normalization of (N, C) or (N, C, L) input over N (and L), per channel C.

    Arguments, parameters (``weight`` ones, ``bias`` zeros, both (C,)) and buffers
    (``running_mean`` zeros, ``running_var`` ones, ``num_batches_tracked`` 0) as
    PyTorch's, in its order; momentum conventions in the module docstring.  Training mode
    (the default) normalizes with the batch statistics and updates the buffers; eval mode
    uses the running statistics (or, with ``track_running_stats=False``, the batch ones).

    Example:
        >>> bn = ut.nn.BatchNorm1d(3)
        >>> bn(ut.random.randn(8, 3)).shape
        (8, 3)
        >>> int(bn.num_batches_tracked)
        1
    """

    _ranks = (2, 3)
    _expected = "2D or 3D input"


class BatchNorm2d(_BatchNorm):
    """Batch normalization of (N, C, H, W) input over N, H and W, per channel C.

    Everything else as :class:`BatchNorm1d` (PyTorch's arguments, parameters, buffers,
    momentum conventions and modes).

    Example:
        >>> bn = ut.nn.BatchNorm2d(3)
        >>> bn(ut.random.randn(2, 3, 4, 4)).shape
        (2, 3, 4, 4)
    """

    _ranks = (4,)
    _expected = "4D input"


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
        _affine(self, affine, bias, (num_channels,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """``weight`` to ones and ``bias`` to zeros."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (f"{self.num_groups}, {self.num_channels}, eps={self.eps}, "
                f"affine={self.affine}, bias={self.bias is not None}")


class InstanceNorm2d(_NormBase):
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
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

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
