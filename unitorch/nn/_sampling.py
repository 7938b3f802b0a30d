"""Resampling and rearranging, as in ``torch.nn.functional``: ``pad`` (constant,
reflect, replicate, circular), ``interpolate`` (nearest, nearest-exact, linear,
bilinear, trilinear, area), ``pixel_shuffle``/``pixel_unshuffle`` and
``unfold``/``fold`` (im2col and col2im).

All are composed above the backends, once, from gathers (``take``), pads, reshapes and
sums whose positions and weights are computed here on the host with PyTorch's formulas
(so the spatial sizes must be known: not for symbolic sizes while tracing), hence the
same on every backend and differentiable by each framework's autodiff.  Gathers and pads
move values exactly (an ``inf`` or NaN never spreads to a neighbour, as it would through
a convolution with a 0/1 kernel).
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, to_tensor
from ..errors import DTypeError, ShapeError, fmt_shape
from ..ops.manipulation import pad as _pad
from ..ops.manipulation import permute_dims, reshape
from ..tensor import Tensor, _wrap
from ._convolution import ntuple

__all__ = ["pad", "interpolate", "pixel_shuffle", "pixel_unshuffle", "unfold", "fold"]

_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
          "circular": "wrap"}


def _known_shape(op: str, x: Tensor) -> tuple[int, ...]:
    if any(s is None for s in x.shape):
        raise ShapeError(f"{op}() needs known sizes, got shape {fmt_shape(x.shape)}")
    return tuple(x.shape)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------
# pad


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` axes, PyTorch's way: ``pad`` lists ``(before,
    after)`` pairs from the *last* axis backwards, ``(left, right, top, bottom, ...)``.

    ``mode``: ``"constant"`` (``value``, default 0), ``"reflect"`` (mirror without
    repeating the edge; each pad must be smaller than the axis), ``"replicate"`` (the edge
    value) or ``"circular"`` (wrap around; each pad at most the axis size).  A negative
    pad removes elements (first, before padding the other side).  The modes other than
    ``"constant"`` pad 1 to 3 axes of a 2-D to 5-D input with one or two leading axes
    (batch, channels) left alone, as in PyTorch (:class:`NotImplementedError` for other
    combinations).  The dtype is the input's.

    Example:
        >>> F.pad(ut.tensor([[1., 2., 3.]]), (2, 1), mode="reflect")
        tensor([[3., 2., 1., 2., 3., 2.]], dtype=float32)
        >>> F.pad(ut.ones((1, 2, 2)), (1, 1, 0, 1)).shape
        (1, 3, 4)
    """
    x = to_tensor(input, backend_of("pad", input))
    if isinstance(mode, str) and mode not in _MODES:
        raise NotImplementedError(f"pad(): unrecognised padding mode {mode!r}; PyTorch's "
                                  f"modes are {', '.join(map(repr, _MODES))}")
    try:
        widths = [operator.index(p) for p in pad]
    except TypeError:
        raise TypeError(f"pad(): pad must be a sequence of ints, got {pad!r}") from None
    if len(widths) % 2:
        raise ValueError(f"pad(): the padding length must be divisible by 2, got {pad!r}")
    k = len(widths) // 2
    if k > x.ndim:
        raise ValueError(f"pad(): padding length {len(widths)} pads {k} axes but the input "
                         f"has {x.ndim} (shape {fmt_shape(x.shape)})")
    if mode != "constant":
        if value not in (None, 0, 0.0):
            raise ValueError(f"pad(): value is only used in constant mode, got mode {mode!r} "
                             f"and value {value!r}")
        if not 1 <= k <= 3 or x.ndim not in (k + 1, k + 2):
            raise NotImplementedError(
                f"pad(): {mode!r} padding of {k} axes needs a {k + 1}-D or {k + 2}-D input, "
                f"got {x.ndim}-D (shape {fmt_shape(x.shape)}), as in PyTorch")
    pairs = [(widths[2 * i], widths[2 * i + 1]) for i in range(k)][::-1]  # first axis first
    lead = x.ndim - k
    crops = tuple([slice(None)] * lead + [slice(max(-b, 0), None if a >= 0 else a)
                                          for b, a in pairs])
    if any(b < 0 or a < 0 for b, a in pairs):
        x = x[crops]
    grow = [(0, 0)] * lead + [(max(b, 0), max(a, 0)) for b, a in pairs]
    if mode == "constant":
        return _pad(x, grow, value=0 if value is None else value)
    for axis, (b, a) in zip(range(lead, x.ndim), grow[lead:]):
        size = x.shape[axis]
        if size is None:
            continue
        if mode == "reflect" and max(b, a) >= max(size, 1):
            raise ValueError(f"pad(): reflect padding ({b}, {a}) must be less than the size "
                             f"{size} of axis {axis} (input shape {fmt_shape(x.shape)})")
        if mode == "circular" and max(b, a) > size:
            raise ValueError(f"pad(): circular padding ({b}, {a}) wraps around axis {axis} of "
                             f"size {size} more than once (input shape {fmt_shape(x.shape)})")
        if mode == "replicate" and size == 0 and (b or a):
            raise ValueError(f"pad(): cannot replicate-pad axis {axis} of size 0")
    return _pad(x, grow, mode=_MODES[mode])


# ---------------------------------------------------------------------------------------
# interpolate

_LINEAR_MODES = {"linear": 3, "bilinear": 4, "trilinear": 5}


def _output_sizes(op: str, spatial: tuple[int, ...], size: Any, scale_factor: Any,
                  recompute: bool | None) -> tuple[tuple[int, ...], list[float | None]]:
    """The output sizes and the scales the kernels use (PyTorch's ``scale_factors``:
    given ones, unless ``recompute_scale_factor``)."""
    n = len(spatial)
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
        out = ntuple(op, "size", size, n, 0)
        return out, [None] * n
    if scale_factor is None:
        raise ValueError("either size or scale_factor should be defined")
    if isinstance(scale_factor, (list, tuple)):
        if len(scale_factor) != n:
            raise ValueError(f"Input and scale_factor must have the same number of spatial "
                             f"dimensions, but got input with spatial dimensions of {n} and "
                             f"scale_factor of length {len(scale_factor)}")
        scales = [float(s) for s in scale_factor]
    elif isinstance(scale_factor, numbers.Real) and not isinstance(scale_factor, bool):
        scales = [float(scale_factor)] * n
    else:
        raise TypeError(f"{op}(): scale_factor must be a number or a sequence of numbers, "
                        f"got {scale_factor!r}")
    if any(not s > 0 for s in scales):
        raise ValueError(f"{op}(): scale_factor must be positive, got {scale_factor!r}")
    out = tuple(math.floor(float(i) * s) for i, s in zip(spatial, scales))
    return out, [None] * n if recompute else list(scales)


def _nearest_positions(n_in: int, n_out: int, scale: float | None, exact: bool
                       ) -> np.ndarray:
    """PyTorch's source index of each output position (its ``nearest_idx``, in float32
    arithmetic as its kernels compute it)."""
    if not exact and n_out == n_in:
        return np.arange(n_out)
    if not exact and n_out == 2 * n_in:
        return np.arange(n_out) >> 1
    s = np.float32(1.0 / scale) if scale is not None and scale > 0 else (
        np.float32(n_in) / np.float32(n_out))
    dst = np.arange(n_out, dtype=np.float32)
    src = np.floor(((dst + np.float32(0.5)) if exact else dst) * s).astype(np.int64)
    return np.minimum(src, n_in - 1)


def _linear_weights(n_in: int, n_out: int, scale: float | None, align_corners: bool,
                    opmath: type) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """PyTorch's linear interpolation along one axis: the two source positions of each
    output position and their weights, computed in the kernel's precision ``opmath``
    (float32 for float32 and half inputs, float64 for float64)."""
    dst = np.arange(n_out).astype(opmath)
    if align_corners:
        s = opmath((n_in - 1) / (n_out - 1)) if n_out > 1 else opmath(0)
        real = s * dst
    else:
        s = opmath(1.0 / scale) if scale is not None and scale > 0 else (
            opmath(n_in) / opmath(n_out))
        real = np.maximum(s * (dst + opmath(0.5)) - opmath(0.5), opmath(0))
    i0 = real.astype(np.int64)
    i1 = i0 + (i0 < n_in - 1)
    w1 = np.minimum(np.maximum(real - i0.astype(opmath), opmath(0)), opmath(1))
    return i0, i1, w1


def interpolate(input: Tensor, size: Any = None, scale_factor: Any = None,
                mode: str = "nearest", align_corners: bool | None = None,
                recompute_scale_factor: bool | None = None, antialias: bool = False) -> Tensor:
    """Resize the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to
    ``size``, or by ``scale_factor`` (output size ``floor(in * scale_factor)``), with
    PyTorch's source positions and weights.

    Modes: ``"nearest"`` (source index ``floor(dst * in / out)``, or ``floor(dst /
    scale_factor)`` when a scale factor is given and ``recompute_scale_factor`` is not
    set, as in PyTorch; computed in float32 as its kernels do), ``"nearest-exact"``
    (``floor((dst + 0.5) * in / out)``), ``"linear"`` (3-D), ``"bilinear"`` (4-D),
    ``"trilinear"`` (5-D): with ``align_corners=False`` (the default) the source position
    is ``(dst + 0.5) * in / out - 0.5`` (at least 0), with ``True`` ``dst * (in - 1) /
    (out - 1)``, interpolated axis by axis, last axis first (PyTorch's order of
    operations), and ``"area"`` (adaptive average pooling).  ``"bicubic"`` and
    ``antialias=True`` raise :class:`NotImplementedError`; ``align_corners`` with a mode
    other than the linear ones raises ``ValueError``.

    Real floating input keeps its dtype (float16/bfloat16 computed in float32); the
    nearest modes also take integer and bool images (``uint8``...), as PyTorch's do.

    Example:
        >>> F.interpolate(ut.tensor([[[1., 2.]]]), scale_factor=2)
        tensor([[[1., 1., 2., 2.]]], dtype=float32)
        >>> F.interpolate(ut.tensor([[[1., 2.]]]), size=3, mode="linear", align_corners=True)
        tensor([[[1. , 1.5, 2. ]]], dtype=float32)
    """
    x = to_tensor(input, backend_of("interpolate", input))
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported")
    modes = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")
    if mode == "bicubic":
        raise NotImplementedError("interpolate(): mode='bicubic' is not supported; use "
                                  "'bilinear'")
    if mode not in modes:
        raise ValueError(f"interpolate(): mode must be one of {', '.join(map(repr, modes))}, "
                         f"got {mode!r}")
    if x.ndim not in (3, 4, 5):
        raise ShapeError(f"interpolate(): only 3-D, 4-D and 5-D (N, C, ...) inputs are "
                         f"supported, got shape {fmt_shape(x.shape)}")
    if mode in _LINEAR_MODES and x.ndim != _LINEAR_MODES[mode]:
        raise ShapeError(f"interpolate(): got {x.ndim}-D input, but {mode} mode needs "
                         f"{_LINEAR_MODES[mode]}-D input")
    if align_corners is not None and mode not in _LINEAR_MODES:
        raise ValueError("align_corners option can only be set with the interpolating "
                         "modes: linear | bilinear | bicubic | trilinear")
    nearest = mode in ("nearest", "nearest-exact")
    if x._d.kind != "f" and not (nearest and x._d.kind in "biu"):
        raise DTypeError(f"interpolate() expects real floating tensors (or, for the nearest "
                         f"modes, integer or bool ones), got {x._d.name}")
    shape = _known_shape("interpolate", x)
    spatial = shape[2:]
    out, scales = _output_sizes("interpolate", spatial, size, scale_factor,
                                recompute_scale_factor)
    if any(o < 1 for o in out):
        raise ShapeError(f"interpolate(): the output size {out} would be empty (input shape "
                         f"{fmt_shape(shape)})")
    if mode == "area":
        from .layers.pooling import _adaptive_mean

        y = x
        for i, o in enumerate(out):
            y = _adaptive_mean(y, 2 + i, o)
        return y
    d = x._d
    if nearest:  # gathers only: any dtype, computed as it is
        y = x
        for i in reversed(range(len(out))):
            y = _take(y, _nearest_positions(spatial[i], out[i], scales[i],
                                            mode == "nearest-exact"), 2 + i)
        return y
    half = d in (dt.float16, dt.bfloat16)
    y = _wrap(type(x), type(x)._bk.cast(x._n, dt.float32), dt.float32) if half else x
    opmath = np.float64 if d is dt.float64 else np.float32
    for i in reversed(range(len(out))):  # the last axis first, as PyTorch's kernels
        axis = 2 + i
        i0, i1, w1 = _linear_weights(spatial[i], out[i], scales[i], bool(align_corners),
                                     opmath)
        w0 = (opmath(1) - w1)
        shape_w = (out[i],) + (1,) * (y.ndim - axis - 1)
        lam0 = _constant(y, w0.reshape(shape_w))
        lam1 = _constant(y, w1.reshape(shape_w))
        y = lam0 * _take(y, i0, axis) + lam1 * _take(y, i1, axis)
    return _wrap(type(y), type(y)._bk.cast(y._n, d), d) if half else y


def _take(x: Tensor, positions: np.ndarray, axis: int) -> Tensor:
    bk = type(x)._bk
    idx = bk.from_numpy(np.ascontiguousarray(positions, dtype=np.int64), bk.device(x._n))
    return _wrap(type(x), bk.take(x._n, idx, axis), x._d)


def _constant(like: Tensor, values: np.ndarray) -> Tensor:
    bk = type(like)._bk
    return _wrap(type(like), bk.from_numpy(np.ascontiguousarray(values.astype(like._d.numpy)),
                                           bk.device(like._n)), like._d)


# ---------------------------------------------------------------------------------------
# pixel shuffle


def _factor(op: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{op}(): the factor must be a positive int, got {value!r}")
    return int(value)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """Rearrange (*, C r^2, H, W) into (*, C, H r, W r) (Shi et al., 2016): output
    pixel ``(c, h r + i, w r + j)`` is input ``(c r^2 + i r + j, h, w)``, for
    sub-pixel convolution.  The channels must be divisible by ``r^2`` (:class:`ShapeError`).

    Example:
        >>> F.pixel_shuffle(ut.arange(8.).reshape(1, 8, 1, 1), 2)[0]
        tensor([[[0., 1.],
                 [2., 3.]],
        <BLANKLINE>
                [[4., 5.],
                 [6., 7.]]], dtype=float32)
    """
    r = _factor("pixel_shuffle", upscale_factor)
    x = to_tensor(input, backend_of("pixel_shuffle", input))
    if x.ndim < 3:
        raise ShapeError(f"pixel_shuffle() expects at least 3 dimensions (C, H, W), got shape "
                         f"{fmt_shape(x.shape)}")
    *lead, c, h, w = _known_shape("pixel_shuffle", x)
    if c % (r * r):
        raise ShapeError(f"pixel_shuffle(): the {c} channels are not divisible by "
                         f"upscale_factor^2 = {r * r}")
    n = len(lead)
    y = reshape(x, (*lead, c // (r * r), r, r, h, w))
    y = permute_dims(y, (*range(n), n, n + 3, n + 1, n + 4, n + 2))
    return reshape(y, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """The inverse of :func:`pixel_shuffle`: (*, C, H r, W r) into (*, C r^2, H, W).  H
    and W must be divisible by ``r`` (:class:`ShapeError`).

    Example:
        >>> F.pixel_unshuffle(ut.arange(4.).reshape(1, 1, 2, 2), 2).flatten()
        tensor([0., 1., 2., 3.], dtype=float32)
    """
    r = _factor("pixel_unshuffle", downscale_factor)
    x = to_tensor(input, backend_of("pixel_unshuffle", input))
    if x.ndim < 3:
        raise ShapeError(f"pixel_unshuffle() expects at least 3 dimensions (C, H, W), got "
                         f"shape {fmt_shape(x.shape)}")
    *lead, c, h, w = _known_shape("pixel_unshuffle", x)
    if h % r or w % r:
        raise ShapeError(f"pixel_unshuffle(): height {h} and width {w} must be divisible by "
                         f"downscale_factor {r}")
    n = len(lead)
    y = reshape(x, (*lead, c, h // r, r, w // r, r))
    y = permute_dims(y, (*range(n), n, n + 2, n + 4, n + 1, n + 3))
    return reshape(y, (*lead, c * r * r, h // r, w // r))


# ---------------------------------------------------------------------------------------
# unfold and fold


def _blocks(op: str, spatial: tuple[int, int], kernel_size: Any, dilation: Any,
            padding: Any, stride: Any) -> tuple[tuple[int, ...], ...]:
    k = ntuple(op, "kernel_size", kernel_size, 2, 1)
    dil = ntuple(op, "dilation", dilation, 2, 1)
    pad_ = ntuple(op, "padding", padding, 2, 0)
    st = ntuple(op, "stride", stride, 2, 1)
    blocks = tuple((s + 2 * p - d * (kk - 1) - 1) // t + 1
                   for s, p, d, kk, t in zip(spatial, pad_, dil, k, st))
    if any(b < 1 for b in blocks):
        raise ShapeError(f"{op}(): the kernel {k} (dilation {dil}) does not fit the padded "
                         f"spatial size {tuple(s + 2 * p for s, p in zip(spatial, pad_))}")
    return k, dil, pad_, st, blocks


def unfold(input: Tensor, kernel_size: Any, dilation: Any = 1, padding: Any = 0,
           stride: Any = 1) -> Tensor:
    """Extract sliding blocks (im2col): (N, C, H, W) or (C, H, W) input becomes (N, C kH
    kW, L), each column one ``kernel_size`` block (zero ``padding``, ``dilation``,
    ``stride``), rows ordered channel first then kernel row then kernel column, columns
    in row-major order of the ``L`` block positions, as PyTorch's.

    Example:
        >>> F.unfold(ut.arange(9.).reshape(1, 1, 3, 3), 2)
        tensor([[[0., 1., 3., 4.],
                 [1., 2., 4., 5.],
                 [3., 4., 6., 7.],
                 [4., 5., 7., 8.]]], dtype=float32)
    """
    x = to_tensor(input, backend_of("unfold", input))
    if x.ndim not in (3, 4):
        raise ShapeError(f"unfold() expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                         f"shape {fmt_shape(x.shape)}")
    shape = _known_shape("unfold", x)
    unbatched = x.ndim == 3
    n, c, h, w = (1, *shape) if unbatched else shape
    k, dil, pad_, st, blocks = _blocks("unfold", (h, w), kernel_size, dilation, padding, stride)
    padded = _pad(x, [(0, 0)] * (x.ndim - 2) + [(pad_[0], pad_[0]), (pad_[1], pad_[1])])
    wp = w + 2 * pad_[1]
    rows = (np.arange(k[0])[:, None, None, None] * dil[0]
            + np.arange(blocks[0])[None, None, :, None] * st[0])
    cols = (np.arange(k[1])[None, :, None, None] * dil[1]
            + np.arange(blocks[1])[None, None, None, :] * st[1])
    flat_positions = (rows * wp + cols).reshape(-1)  # (kH, kW, bH, bW), row-major
    flat = reshape(padded, (n, c, (h + 2 * pad_[0]) * wp))
    out = reshape(_take(flat, flat_positions, 2),
                  (n, c * k[0] * k[1], blocks[0] * blocks[1]))
    return reshape(out, tuple(out.shape[1:])) if unbatched else out


def fold(input: Tensor, output_size: Any, kernel_size: Any, dilation: Any = 1,
         padding: Any = 0, stride: Any = 1) -> Tensor:
    """Combine sliding blocks into an image (col2im), the adjoint of :func:`unfold`:
    (N, C kH kW, L) or (C kH kW, L) input becomes (N, C, H, W) with ``(H, W) =
    output_size``, each block added at its position (overlaps sum; the zero ``padding``
    is cut off).  ``fold(unfold(x))`` is ``x`` times the number of blocks covering each
    pixel.  Blocks are added one kernel position after the other, PyTorch's order.

    Example:
        >>> x = ut.arange(9.).reshape(1, 1, 3, 3)
        >>> F.fold(F.unfold(x, 2), (3, 3), 2)[0, 0]
        tensor([[ 0.,  2.,  2.],
                [ 6., 16., 10.],
                [ 6., 14.,  8.]], dtype=float32)
    """
    x = to_tensor(input, backend_of("fold", input))
    if x.ndim not in (2, 3):
        raise ShapeError(f"fold() expects a 2-D (C kH kW, L) or 3-D (N, C kH kW, L) input, "
                         f"got shape {fmt_shape(x.shape)}")
    shape = _known_shape("fold", x)
    unbatched = x.ndim == 2
    n, ckk, length = (1, *shape) if unbatched else shape
    h, w = ntuple("fold", "output_size", output_size, 2, 1)
    k, dil, pad_, st, blocks = _blocks("fold", (h, w), kernel_size, dilation, padding, stride)
    if ckk % (k[0] * k[1]):
        raise ShapeError(f"fold(): expected size of input's dimension 1 to be divisible by the "
                         f"product of kernel_size {k}, got {ckk}")
    if length != blocks[0] * blocks[1]:
        raise ShapeError(f"fold(): expected {blocks[0] * blocks[1]} blocks ({blocks[0]} x "
                         f"{blocks[1]}) for output_size {(h, w)}, got input shape "
                         f"{fmt_shape(shape)}")
    c = ckk // (k[0] * k[1])
    hp, wp = h + 2 * pad_[0], w + 2 * pad_[1]
    taps = reshape(x, (n, c, k[0] * k[1], blocks[0], blocks[1]))
    total = None
    span_h, span_w = (blocks[0] - 1) * st[0] + 1, (blocks[1] - 1) * st[1] + 1
    for i in range(k[0]):
        for j in range(k[1]):
            tap = taps[:, :, i * k[1] + j]  # (N, C, bH, bW)
            spread = _spread(tap, st)[:, :, :span_h, :span_w]
            top, left = i * dil[0], j * dil[1]
            placed = _pad(spread, [(0, 0), (0, 0), (top, hp - top - span_h),
                                   (left, wp - left - span_w)])
            total = placed if total is None else total + placed
    out = total[:, :, pad_[0]:pad_[0] + h, pad_[1]:pad_[1] + w]  # type: ignore[index]
    return reshape(out, (c, h, w)) if unbatched else out


def _spread(x: Tensor, stride: tuple[int, ...]) -> Tensor:
    """(N, C, h, w) with ``stride - 1`` zeros after each row and column: (N, C, h s0,
    w s1)."""
    n, c, h, w = x.shape
    if stride == (1, 1):
        return x
    y = reshape(x, (n, c, h, 1, w, 1))
    y = _pad(y, [(0, 0), (0, 0), (0, 0), (0, stride[0] - 1), (0, 0), (0, stride[1] - 1)])
    return reshape(y, (n, c, h * stride[0], w * stride[1]))
