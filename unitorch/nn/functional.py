"""``unitorch.nn.functional``: PyTorch's ``torch.nn.functional`` names, signatures and
semantics, computed by either backend's own kernels.

Import it as ``import unitorch.nn.functional as F``.  Everything here is NCHW on every
backend (TensorFlow's kernels are NHWC; its backend transposes around them).

The same on every backend:

* Activations (``relu``, ``gelu``, ``silu``, ``sigmoid``, ``tanh``, ``softmax``,
  ``log_softmax``) keep a real floating dtype; integer and bool input is computed in the
  default float dtype, as :func:`unitorch.sigmoid` does (``relu`` keeps integers, as
  ``torch.relu`` does).  float16 and bfloat16 are computed in float32 and rounded once.
  ``gelu`` is ``0.5 x erfc(-x / sqrt 2)`` (TensorFlow's own ``tf.nn.gelu`` used float32
  constants, 1e-8 off in float64).  ``inplace=True`` stores the result in the input
  Tensor object too (its native is replaced, no buffer is overwritten).
* ``linear`` and ``conv2d`` promote their operands to one dtype (PyTorch requires equal
  dtypes); ``conv2d`` and the pooling and normalization functions accept only real
  floating tensors (:class:`DTypeError` for integers), ``linear`` floating ones.
* ``conv2d``, ``max_pool2d`` and ``avg_pool2d`` take (N, C, H, W) input, or an unbatched
  (C, H, W) one; ``padding="same"`` puts the odd pixel at the bottom/right (PyTorch and
  TensorFlow agree).
* ``max_pool2d`` lets NaN win a window (PyTorch's rule; TensorFlow's kernel skipped NaN).
  Pooling padding may be at most half the kernel (PyTorch's rule), so every window
  holds a real element; ``ceil_mode`` windows must start inside the input or the left
  padding (PyTorch's rule), and in ``avg_pool2d`` the part of a window beyond the right
  padding never counts in the divisor.
* ``batch_norm`` follows PyTorch: in training it normalizes with the *biased* batch
  variance and updates ``running_mean``/``running_var`` in place with
  ``running = (1 - momentum) * running + momentum * batch``, using the *unbiased* batch
  variance (``n / (n - 1)`` times the biased one).  **Keras** writes the momentum the
  other way round (its default 0.99 is PyTorch's 0.01), stores the biased variance and
  defaults to ``epsilon=1e-3`` (PyTorch: 1e-5).  ``layer_norm`` uses the biased variance.
  Both compute float16/bfloat16 input in float32; parameters (weight, bias, running
  statistics) are used in that compute dtype and the result has the input's dtype.
* ``embedding`` raises :class:`IndexOutOfRangeError` for an index outside
  ``[0, num_embeddings)`` (negative ones too, as PyTorch does), on every device (where
  TensorFlow's GPU ``gather`` would return zeros), also inside a compiled function,
  where a check compiled into it raises when it runs.

Errors are raised here, with one message on every backend.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, check_range_compiled, native_scalar, to_tensor
from ..errors import DTypeError, IndexOutOfRangeError, ShapeError, fmt_shape
from ..ops._ufunc import unary
from ..ops.activations import log_softmax, softmax
from ..ops.unary import sigmoid, tanh
from ..tensor import TENSOR_TYPES, Tensor, _wrap

__all__ = [
    "relu", "gelu", "silu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "conv2d",
    "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "layer_norm", "batch_norm",
    "embedding", "dropout",
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy_with_logits",
    "huber_loss",
    # issue 11
    "leaky_relu", "prelu", "elu", "selu", "celu", "softplus", "mish", "hardtanh", "relu6",
    "hardswish", "conv1d", "conv3d", "conv_transpose1d", "conv_transpose2d", "max_pool1d",
    "avg_pool1d", "adaptive_max_pool2d", "group_norm", "instance_norm", "rms_norm", "pad",
    "interpolate", "pixel_shuffle", "pixel_unshuffle", "unfold", "fold", "one_hot",
    "normalize", "pairwise_distance", "cosine_similarity", "gumbel_softmax",
    "embedding_bag", "bilinear", "dropout2d", "binary_cross_entropy", "smooth_l1_loss",
    "kl_div", "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss", "ctc_loss",
    "scaled_dot_product_attention", "multi_head_attention_forward",
]

_new = object.__new__
_HALF = (dt.float16, dt.bfloat16)
IntPair = int | Sequence[int]

# ---------------------------------------------------------------------------------------
# helpers


def _result(x: Tensor, out: Tensor, inplace: bool) -> Tensor:
    """``out``, also stored in ``x`` when ``inplace`` (PyTorch's ``inplace=True``)."""
    if inplace:
        if not isinstance(x, Tensor):
            raise TypeError("inplace=True needs a unitorch Tensor input")
        if x._d is not out._d:
            raise DTypeError(
                f"inplace=True cannot store a {out._d.name} result in a {x._d.name} tensor"
            )
        x._n = out._n
        return x
    return out


def _pair(op: str, name: str, value: Any, minimum: int) -> tuple[int, int]:
    """An int or a pair of ints as a pair, each at least ``minimum``."""
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        if isinstance(value, (int, np.integer)):
            pair = (int(value),) * 2
        else:
            items = list(value)
            if any(isinstance(v, (bool, np.bool_)) for v in items):
                raise TypeError
            pair = tuple(operator.index(v) for v in items)
            if len(pair) == 1:
                pair *= 2
            if len(pair) != 2:
                raise TypeError
    except TypeError:
        raise TypeError(
            f"{op}(): {name} must be an int or a pair of ints, got {value!r}"
        ) from None
    if pair[0] < minimum or pair[1] < minimum:
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}(): {name} must be {what}, got {value!r}")
    return pair


def _promoted(op: str, kinds: str, *xs: Any) -> tuple[Any, list[Tensor | None], dt.DType]:
    """The backend, the tensors (``None`` stays) cast to their promoted dtype, and it."""
    backend = backend_of(op, *xs)
    ts = [None if x is None else to_tensor(x, backend) for x in xs]
    d = ts[0]._d
    for t in ts[1:]:
        if t is not None:
            d = dt.promote_types(d, t._d)
    check_kind(op, d, kinds)
    out = [t if t is None or t._d is d else _wrap(type(t), backend.cast(t._n, d), d)
           for t in ts]
    return backend, out, d


def _float_input(op: str, x: Any) -> Tensor:
    """``x`` as a Tensor of a real floating dtype, or :class:`DTypeError`."""
    x = to_tensor(x, backend_of(op, x))
    check_kind(op, x._d, "f")
    return x


def _spatial(op: str, shape: tuple[int | None, ...]) -> bool:
    """Check a (N, C, H, W) or (C, H, W) input shape; True when unbatched."""
    if len(shape) not in (3, 4):
        raise ShapeError(
            f"{op}() expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got shape "
            f"{fmt_shape(shape)}"
        )
    return len(shape) == 3


def _batched(backend: Any, native: Any, unbatched: bool) -> Any:
    return backend.reshape(native, (1, *backend.shape(native))) if unbatched else native


def _unbatched(backend: Any, native: Any, unbatched: bool) -> Any:
    return backend.reshape(native, backend.shape(native)[1:]) if unbatched else native


def _known(*sizes: int | None) -> bool:
    return all(s is not None for s in sizes)


def _check_param(op: str, name: str, t: Tensor | None, shape: tuple[int | None, ...]) -> None:
    if t is None:
        return
    got = t.shape
    if len(got) != len(shape) or any(
        a is not None and b is not None and a != b for a, b in zip(got, shape)
    ):
        raise ShapeError(f"{op}(): {name} must have shape {fmt_shape(shape)}, got "
                         f"{fmt_shape(got)}")


# ---------------------------------------------------------------------------------------
# activations

@unary("real", primitive="relu")
def _relu(x: Tensor, /) -> Tensor:
    """``max(x, 0)``: the fast element-wise form :func:`relu` calls."""


@unary("real_float", float_only=True, primitive="silu")
def _silu(x: Tensor, /) -> Tensor:
    """``x * sigmoid(x)``: the fast element-wise form :func:`silu` calls."""


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """The rectified linear unit, ``max(x, 0)``, element-wise.

    Accepts real numeric tensors; the result keeps the dtype (integers stay integers, as
    in PyTorch).  NaN stays NaN.  ``inplace=True`` also stores the result in ``input``.

    Example:
        >>> F.relu(ut.tensor([-1., 0., 2.]))
        tensor([0., 0., 2.], dtype=float32)
    """
    return _result(input, _relu(input), inplace) if inplace else _relu(input)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """The sigmoid linear unit (swish), ``x * sigmoid(x)``, element-wise.

    Real floating tensors keep their dtype; integer and bool input is computed in the
    default float dtype.  ``inplace=True`` also stores the result in ``input``.

    Example:
        >>> F.silu(ut.tensor([0., 1.]))
        tensor([0.       , 0.7310586], dtype=float32)
    """
    return _result(input, _silu(input), inplace) if inplace else _silu(input)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit, element-wise.

    ``approximate="none"``: ``x * Phi(x) = 0.5 x erfc(-x / sqrt(2))`` (Phi the standard
    normal CDF).  ``approximate="tanh"``: ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715
    x^3)))``.  Real floating tensors keep their dtype (float16/bfloat16 computed in
    float32); integer and bool input is computed in the default float dtype.

    Example:
        >>> F.gelu(ut.tensor([0., 1.]))
        tensor([0.       , 0.8413447], dtype=float32)
    """
    if approximate == "none":
        tanh_form = False
    elif approximate == "tanh":
        tanh_form = True
    else:
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    t = type(input)
    if t in TENSOR_TYPES and input._d.kind == "f":
        r = _new(t)
        r._n = t._bk.gelu(input._n, tanh_form)
        r._d = input._d
        return r
    x = to_tensor(input, backend_of("gelu", input))
    check_kind("gelu", x._d, "biuf")
    d = x._d if x._d.kind == "f" else dt.get_default_dtype()
    backend = type(x)._bk
    return _wrap(type(x), backend.gelu(backend.cast(x._n, d), tanh_form), d)


# ---------------------------------------------------------------------------------------
# linear and convolution


def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias``: a fully connected layer with PyTorch's weight layout.

    ``input`` has shape (..., in_features) (at least 1-D), ``weight`` (out_features,
    in_features), ``bias`` (out_features,) or ``None``; the result has shape
    (..., out_features).  Operands promote to one floating dtype (real or complex).

    Example:
        >>> F.linear(ut.ones((2, 3)), ut.ones((4, 3)), ut.zeros(4)).shape
        (2, 4)
    """
    t = type(input)
    if (t in TENSOR_TYPES and type(weight) is t and weight._d is input._d
            and input._d.kind in "fc" and (bias is None or (type(bias) is t
                                                             and bias._d is input._d))):
        bk = t._bk
        xs = bk.shape(input._n)
        ws = bk.shape(weight._n)
        if (len(ws) == 2 and xs and xs[-1] == ws[1] and xs[-1] is not None
                and (bias is None or bk.shape(bias._n) == ws[:1])):
            r = _new(t)
            r._n = bk.linear(input._n, weight._n, None if bias is None else bias._n)
            r._d = input._d
            return r
    return _linear_slow(input, weight, bias)


def _linear_slow(input: Any, weight: Any, bias: Any) -> Tensor:
    backend, (x, w, b), d = _promoted("linear", "fc", input, weight, bias)
    xs, ws = x.shape, w.shape
    if len(ws) != 2:
        raise ShapeError(
            f"linear() expects a 2-D weight (out_features, in_features), got shape "
            f"{fmt_shape(ws)}"
        )
    if not xs:
        raise ShapeError("linear() expects an input of at least 1 dimension, got shape ()")
    if _known(xs[-1], ws[1]) and xs[-1] != ws[1]:
        raise ShapeError(
            f"linear(): input shape {fmt_shape(xs)} has {xs[-1]} features but weight shape "
            f"{fmt_shape(ws)} expects {ws[1]}"
        )
    _check_param("linear", "bias", b, ws[:1])
    return _wrap(backend.Tensor, backend.linear(x._n, w._n, None if b is None else b._n), d)


def _conv_padding(padding: Any, kernel: tuple[int, int], dilation: tuple[int, int],
                  stride: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0), (0, 0)
        if padding == "same":
            if stride != (1, 1):
                raise ValueError(
                    f"conv2d(): padding='same' needs stride 1, got stride {stride}"
                )
            out = []
            for k, dil in zip(kernel, dilation):
                total = dil * (k - 1)
                out.append((total // 2, total - total // 2))  # the odd pixel after
            return out[0], out[1]
        raise ValueError(
            f"conv2d(): padding must be 'valid', 'same', an int or a pair of ints, got "
            f"{padding!r}"
        )
    ph, pw = _pair("conv2d", "padding", padding, 0)
    return (ph, ph), (pw, pw)


_CONV_ARGS: dict[tuple[Any, ...], tuple[Any, ...]] = {}
"""Validated conv2d arguments by (shapes, arguments): a training loop validates each layer
once and then pays a dict lookup."""


def _conv_args(xs: tuple[int | None, ...], ws: tuple[int | None, ...],
               bs: tuple[int | None, ...] | None, stride: Any, padding: Any, dilation: Any,
               groups: Any) -> tuple[Any, ...]:
    """Check a conv2d call; return (stride, ((top, bottom), (left, right)), dilation,
    groups, unbatched)."""
    unbatched = _spatial("conv2d", xs)
    if len(ws) != 4:
        raise ShapeError(
            f"conv2d() expects a 4-D weight (C_out, C_in/groups, kH, kW), got shape "
            f"{fmt_shape(ws)}"
        )
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"conv2d(): groups must be a positive int, got {groups!r}")
    c_in, h, wd = xs[-3:]
    c_out, c_per_group, kh, kw = ws
    if c_out is not None and c_out % groups:
        raise ValueError(
            f"conv2d(): {c_out} output channels (weight.shape[0]) are not divisible by "
            f"groups={groups}"
        )
    if c_in is not None and c_in % groups:
        raise ValueError(
            f"conv2d(): {c_in} input channels are not divisible by groups={groups}"
        )
    if _known(c_in, c_per_group) and c_in != c_per_group * groups:
        raise ShapeError(
            f"conv2d(): input shape {fmt_shape(xs)} has {c_in} channels but weight shape "
            f"{fmt_shape(ws)} with groups={groups} expects {c_per_group * groups}"
        )
    if bs is not None and (len(bs) != 1 or (_known(bs[0], c_out) and bs[0] != c_out)):
        raise ShapeError(f"conv2d(): bias must have shape {fmt_shape((c_out,))}, got "
                         f"{fmt_shape(bs)}")
    st = _pair("conv2d", "stride", stride, 1)
    dil = _pair("conv2d", "dilation", dilation, 1)
    pads = _conv_padding(padding, (kh, kw), dil, st)
    for size, k, dl, (p0, p1), axis in ((h, kh, dil[0], pads[0], "height"),
                                        (wd, kw, dil[1], pads[1], "width")):
        if _known(size, k) and size + p0 + p1 < dl * (k - 1) + 1:
            raise ShapeError(
                f"conv2d(): the kernel {axis} {dl * (k - 1) + 1} (dilated) is larger than "
                f"the padded input {axis} {size + p0 + p1}"
            )
    return st, pads, dil, int(groups), unbatched


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntPair = 1,
           padding: str | IntPair = 0, dilation: IntPair = 1, groups: int = 1) -> Tensor:
    """2-D cross-correlation (what deep-learning frameworks call convolution), NCHW.

    ``input`` (N, C_in, H, W) or unbatched (C_in, H, W); ``weight`` (C_out, C_in / groups,
    kH, kW); ``bias`` (C_out,) or ``None``.  ``stride`` and ``dilation`` are positive ints
    or (h, w) pairs; ``padding`` is zeros on both sides, an int or (h, w) pair, or
    ``"valid"`` (none) or ``"same"`` (output size equals input size; stride 1 only; an odd
    total puts the extra row/column at the bottom/right).  ``groups`` splits the channels
    into independent convolutions; it must divide C_in and C_out.

    The result has shape (N, C_out, H', W') with
    ``H' = floor((H + pad_top + pad_bottom - dilation * (kH - 1) - 1) / stride) + 1``
    (likewise W'), and the promoted real floating dtype of the operands.

    Example:
        >>> x = ut.ones((1, 2, 5, 5))
        >>> F.conv2d(x, ut.ones((4, 2, 3, 3)), padding=1).shape
        (1, 4, 5, 5)
    """
    t = type(input)
    if (t in TENSOR_TYPES and type(weight) is t and weight._d is input._d
            and input._d.kind == "f" and (bias is None or (type(bias) is t
                                                           and bias._d is input._d))):
        backend, x, w, b, d = t._bk, input, weight, bias, input._d
    else:
        backend, (x, w, b), d = _promoted("conv2d", "f", input, weight, bias)
    xs = backend.shape(x._n)
    ws = backend.shape(w._n)
    bs = None if b is None else backend.shape(b._n)
    key = (xs, ws, bs, stride, padding, dilation, groups)
    try:
        st, pads, dil, groups, unbatched = _CONV_ARGS[key]
    except (KeyError, TypeError):  # TypeError: an unhashable argument (a list)
        st, pads, dil, groups, unbatched = found = _conv_args(xs, ws, bs, stride, padding,
                                                              dilation, groups)
        try:
            if len(_CONV_ARGS) >= 4096:
                _CONV_ARGS.clear()
            _CONV_ARGS[key] = found
        except TypeError:
            pass
    native = backend.conv2d(_batched(backend, x._n, unbatched), w._n,
                            None if b is None else b._n, st, pads, dil, groups)
    r = _new(backend.Tensor)
    r._n = _unbatched(backend, native, unbatched)
    r._d = d
    return r


# ---------------------------------------------------------------------------------------
# pooling


def _pool_args(op: str, x: Tensor, kernel_size: Any, stride: Any, padding: Any,
               ceil_mode: bool) -> tuple[Any, ...]:
    """Validate a pooling call: the kernel, stride, padding ((t, b), (l, r)) with any
    ceil-mode extra at the bottom/right, the per-axis extras, and whether unbatched."""
    shape = x.shape
    unbatched = _spatial(op, shape)
    k = _pair(op, "kernel_size", kernel_size, 1)
    empty = stride is None or (isinstance(stride, (list, tuple)) and not stride)
    s = k if empty else _pair(op, "stride", stride, 1)  # PyTorch: None or [] means kernel
    p = _pair(op, "padding", padding, 0)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(
            f"{op}(): padding {p} must be at most half the kernel size {k}"
        )
    pads, extras = [], []
    for size, kk, ss, pp, axis in zip(shape[-2:], k, s, p, ("height", "width")):
        if size is None:
            if ceil_mode:
                raise ShapeError(f"{op}(): ceil_mode needs a known input {axis}")
            pads.append((pp, pp))
            extras.append(0)
            continue
        span = size + 2 * pp - kk
        out = (-(-span // ss) if ceil_mode else span // ss) + 1
        if ceil_mode and (out - 1) * ss >= size + pp:  # the last window must start inside
            out -= 1
        if out < 1:
            raise ShapeError(
                f"{op}(): the kernel {axis} {kk} is larger than the padded input {axis} "
                f"{size + 2 * pp}"
            )
        extra = max(0, (out - 1) * ss + kk - (size + 2 * pp))
        pads.append((pp, pp + extra))
        extras.append(extra)
    return k, s, p, (pads[0], pads[1]), extras, unbatched


def max_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, dilation: IntPair = 1, ceil_mode: bool = False,
               return_indices: bool = False) -> Tensor:
    """The maximum over each ``kernel_size`` window of (N, C, H, W) or (C, H, W) input.

    ``stride`` defaults to ``kernel_size``; ``padding`` (at most half the kernel) never
    wins a window.  Output size per axis: ``floor((H + 2 padding - k) / stride) + 1``,
    or with ``ceil_mode`` the ceiling, less one if the last window would start beyond
    the input and left padding.  A NaN in a window wins.  Real floating dtypes only; the
    result keeps the dtype.  ``dilation`` other than 1 and ``return_indices`` are not
    supported (:class:`NotImplementedError`).

    Example:
        >>> F.max_pool2d(ut.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]], dtype=float32)
    """
    if return_indices:
        raise NotImplementedError("max_pool2d(): return_indices=True is not supported")
    if _pair("max_pool2d", "dilation", dilation, 1) != (1, 1):
        raise NotImplementedError("max_pool2d(): dilation other than 1 is not supported")
    x = _float_input("max_pool2d", input)
    k, s, _, pads, _, unbatched = _pool_args("max_pool2d", x, kernel_size, stride, padding,
                                             ceil_mode)
    backend = type(x)._bk
    out = backend.max_pool2d(_batched(backend, x._n, unbatched), k, s, pads)
    return _wrap(type(x), _unbatched(backend, out, unbatched), x._d)


def avg_pool2d(input: Tensor, kernel_size: IntPair, stride: IntPair | None = None,
               padding: IntPair = 0, ceil_mode: bool = False, count_include_pad: bool = True,
               divisor_override: int | None = None) -> Tensor:
    """The mean over each ``kernel_size`` window of (N, C, H, W) or (C, H, W) input.

    Windows, stride, padding and ``ceil_mode`` as in :func:`max_pool2d`.  The divisor is
    the window size counting the zero padding (``count_include_pad=True``, PyTorch's
    default; the part of a ceil-mode window beyond the padding never counts) or only the
    input elements in the window (``False``); ``divisor_override`` replaces it.  Real
    floating dtypes only; the result keeps the dtype.

    Example:
        >>> F.avg_pool2d(ut.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5,  4.5],
                  [10.5, 12.5]]]], dtype=float32)
    """
    x = _float_input("avg_pool2d", input)
    k, s, p, pads, extras, unbatched = _pool_args("avg_pool2d", x, kernel_size, stride,
                                                  padding, ceil_mode)
    if divisor_override is not None:
        if (isinstance(divisor_override, bool)
                or not isinstance(divisor_override, (int, np.integer)) or divisor_override < 1):
            raise ValueError(
                f"avg_pool2d(): divisor_override must be a positive int, got "
                f"{divisor_override!r}"
            )
    backend = type(x)._bk
    native = _batched(backend, x._n, unbatched)
    d = x._d
    if divisor_override is not None:
        # the primitive divides each window sum by kH * kW; rescale to the override
        out = backend.avg_pool2d(native, k, s, pads, True)
        scale = native_scalar(backend, k[0] * k[1] / int(divisor_override), d, native)
        out = backend.multiply(out, scale)
    elif count_include_pad and (extras[0] or extras[1]):
        # ceil mode: the primitive would count the extra bottom/right zeros as padding
        out = backend.avg_pool2d(native, k, s, pads, True)
        shape = backend.shape(out)
        factor = np.outer(_ceil_factors(shape[2], k[0], s[0], p[0], x.shape[-2]),
                          _ceil_factors(shape[3], k[1], s[1], p[1], x.shape[-1]))
        out = backend.multiply(out, backend.from_numpy(factor.astype(d.numpy),
                                                       backend.device(native)))
    else:
        out = backend.avg_pool2d(native, k, s, pads, bool(count_include_pad))
    return _wrap(type(x), _unbatched(backend, out, unbatched), d)


def _ceil_factors(n_out: int, k: int, s: int, p: int, size: int) -> np.ndarray:
    """Per output position along one axis: ``k`` over the window length that lies within
    the input and its padding (less than ``k`` only for a ceil-mode window)."""
    starts = np.arange(n_out) * s - p
    ends = np.minimum(starts + k, size + p)
    return k / (ends - starts)


# ---------------------------------------------------------------------------------------
# normalization


def _compute_dtype(d: dt.DType) -> dt.DType:
    return dt.float32 if d in _HALF else d


def _param(backend: Any, t: Tensor | None, d: dt.DType, shape: tuple[int, ...]) -> Any:
    """A parameter tensor as a native of ``d`` reshaped to ``shape`` (or ``None``)."""
    if t is None:
        return None
    n = t._n if t._d is d else backend.cast(t._n, d)
    return backend.reshape(n, shape) if backend.shape(n) != shape else n


def _as_float_param(op: str, name: str, backend: Any, value: Any) -> Tensor | None:
    if value is None:
        return None
    t = to_tensor(value, backend)
    if t._d.kind != "f":
        raise DTypeError(f"{op}(): {name} must be a real floating tensor, got {t._d.name}")
    return t


def _normalize(backend: Any, xc: Any, var: Any, eps: float, d: dt.DType) -> Any:
    """``xc / sqrt(var + eps)``."""
    return backend.divide(xc, backend.sqrt(backend.add(var, native_scalar(backend, eps, d,
                                                                          xc))))


def layer_norm(input: Tensor, normalized_shape: int | Sequence[int],
               weight: Tensor | None = None, bias: Tensor | None = None,
               eps: float = 1e-5) -> Tensor:
    """Normalize over the last ``len(normalized_shape)`` axes:
    ``(x - mean) / sqrt(var + eps) * weight + bias``, with the biased variance
    (``mean((x - mean)^2)``), as PyTorch.

    ``normalized_shape`` must equal the trailing dimensions of ``input``; ``weight`` and
    ``bias`` (optional) have that shape.  Real floating dtypes only; float16/bfloat16
    are computed in float32; the result has the input's shape and dtype.

    Example:
        >>> F.layer_norm(ut.tensor([[1., 3.]]), (2,))
        tensor([[-0.999995,  0.999995]], dtype=float32)
    """
    x = _float_input("layer_norm", input)
    backend = type(x)._bk
    try:
        ns = (operator.index(normalized_shape),) if not isinstance(
            normalized_shape, Sequence) else tuple(operator.index(n) for n in normalized_shape)
    except TypeError:
        raise TypeError(
            f"layer_norm(): normalized_shape must be an int or a sequence of ints, got "
            f"{normalized_shape!r}"
        ) from None
    xs = x.shape
    k = len(ns)
    if k == 0 or k > len(xs) or any(
        a is not None and a != b for a, b in zip(xs[len(xs) - k:], ns)
    ):
        raise ShapeError(
            f"layer_norm(): normalized_shape {ns} does not match the trailing dimensions "
            f"of input shape {fmt_shape(xs)}"
        )
    w = _as_float_param("layer_norm", "weight", backend, weight)
    b = _as_float_param("layer_norm", "bias", backend, bias)
    _check_param("layer_norm", "weight", w, ns)
    _check_param("layer_norm", "bias", b, ns)
    d = x._d
    cd = _compute_dtype(d)
    xn = x._n if cd is d else backend.cast(x._n, cd)
    y = backend.layer_norm(xn, ns, _param(backend, w, cd, ns), _param(backend, b, cd, ns),
                           float(eps))
    return _wrap(type(x), y if cd is d else backend.cast(y, d), d)


def _assign(t: Tensor, native: Any) -> None:
    """Write ``native`` into ``t`` in place (a ``tf.Tensor`` native is replaced)."""
    out = type(t)._bk.assign(t._n, native)
    if out is not t._n:
        t._n = out


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None,
               training: bool = False, momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Batch normalization over the channel axis 1 of (N, C, ...) input, PyTorch's way.

    ``training=False``: ``(x - running_mean) / sqrt(running_var + eps) * weight + bias``,
    per channel.  ``training=True``: the same with the batch statistics of each channel
    (over N and the spatial axes; the variance biased), and, when given,
    ``running_mean`` and ``running_var`` are updated in place:
    ``running = (1 - momentum) * running + momentum * batch_statistic``, with the
    *unbiased* batch variance (Keras' ``momentum=0.99`` is PyTorch's 0.01, see the module
    docstring).  The update is not recorded for gradients.

    Parameters and statistics have shape (C,).  Real floating dtypes only; float16 and
    bfloat16 are computed in float32, and in training float32 is computed in float64
    (its sums over N and the spatial axes, forward and backward, then agree on every
    backend; the running statistics are updated in float32, as PyTorch does); the
    result has the input's shape and dtype.

    Example:
        >>> x = ut.tensor([[1.], [3.]])
        >>> rm, rv = ut.zeros(1), ut.ones(1)
        >>> F.batch_norm(x, rm, rv, training=True)
        tensor([[-0.999995],
                [ 0.999995]], dtype=float32)
        >>> rm, rv
        (tensor([0.2], dtype=float32), tensor([1.1], dtype=float32))
    """
    x = _float_input("batch_norm", input)
    backend = type(x)._bk
    xs = x.shape
    if len(xs) < 2:
        raise ShapeError(
            f"batch_norm() expects an input of shape (N, C, ...), got {fmt_shape(xs)}"
        )
    if isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.number)):
        raise TypeError(f"batch_norm(): momentum must be a number, got {momentum!r}")
    c = xs[1]
    rm = _as_float_param("batch_norm", "running_mean", backend, running_mean)
    rv = _as_float_param("batch_norm", "running_var", backend, running_var)
    w = _as_float_param("batch_norm", "weight", backend, weight)
    b = _as_float_param("batch_norm", "bias", backend, bias)
    for name, t in (("running_mean", rm), ("running_var", rv), ("weight", w), ("bias", b)):
        _check_param("batch_norm", name, t, (c,))
    if (rm is None) != (rv is None):
        raise ValueError("batch_norm(): give both running_mean and running_var, or neither")
    if not training and rm is None:
        raise ValueError("batch_norm(): running_mean and running_var are needed when not "
                         "training")
    d = x._d
    ud = cd = _compute_dtype(d)  # ud: the dtype of the running statistics' update
    if training and cd is dt.float32:
        # The batch statistics, and in the backward pass the gradients of the
        # per-channel terms, are sums over N*H*W elements.  In float32, TensorFlow's CPU
        # reductions over those axes accumulate element by element: 1e-6 relative error
        # for 2,048 elements per channel, against 2e-7 for torch's cascade sums, and
        # two training runs drifted apart (1.3e-3 in the loss after 60 steps, issue 14).
        # Computed in float64 and rounded once, both backends give the same result.
        cd = dt.float64
    xn = x._n if cd is d else backend.cast(x._n, cd)
    axes = (0, *range(2, len(xs)))
    bshape = (1, c, *(1,) * (len(xs) - 2))
    if training:
        n = 1
        for i in axes:
            n = None if n is None or xs[i] is None else n * xs[i]
        if n is not None and n < 2:
            raise ValueError(
                f"batch_norm(): training needs more than 1 value per channel, got input "
                f"shape {fmt_shape(xs)}"
            )
        mean = backend.mean(xn, axes, True)
        xc = backend.subtract(xn, mean)
        var = backend.mean(backend.square(xc), axes, True)
        if rm is not None:
            _update_running(backend, rm, mean, float(momentum), c, ud)
            if n is None:  # the count is known only to the compiled function
                unbiased = backend.var(xn, axes, 1.0, True)
            else:
                unbiased = backend.multiply(var, native_scalar(backend, n / (n - 1), cd, var))
            _update_running(backend, rv, unbiased, float(momentum), c, ud)
    else:
        xc = backend.subtract(xn, _param(backend, rm, cd, bshape))
        var = _param(backend, rv, cd, bshape)
    y = _normalize(backend, xc, var, float(eps), cd)
    if w is not None:
        y = backend.multiply(y, _param(backend, w, cd, bshape))
    if b is not None:
        y = backend.add(y, _param(backend, b, cd, bshape))
    return _wrap(type(x), y if cd is d else backend.cast(y, d), d)


def _update_running(backend: Any, running: Tensor, stat: Any, momentum: float, c: int,
                    cd: dt.DType) -> None:
    """``running = (1 - momentum) * running + momentum * stat``, in place, unrecorded, in
    ``cd`` (as PyTorch updates float32 statistics in float32)."""
    stat = backend.reshape(backend.detach(stat), (c,))
    if backend.dtype_from_native[stat.dtype] is not cd:
        stat = backend.cast(stat, cd)
    old = running._n if running._d is cd else backend.cast(running._n, cd)
    old = backend.detach(old)
    new = backend.add(
        backend.multiply(old, native_scalar(backend, 1.0 - momentum, cd, old)),
        backend.multiply(stat, native_scalar(backend, momentum, cd, old)),
    )
    _assign(running, new if running._d is cd else backend.cast(new, running._d))


# ---------------------------------------------------------------------------------------
# embedding


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by the integer
    ``input``: the result has shape ``input.shape + (embedding_dim,)`` and
    ``weight``'s dtype.

    An index outside ``[0, num_embeddings)`` raises :class:`IndexOutOfRangeError` (see
    the module docstring for compiled functions).  ``padding_idx`` (negative counts from
    the end) marks a row whose lookups pass no gradient to ``weight``; the values are
    returned unchanged.  ``max_norm``, ``scale_grad_by_freq`` and ``sparse`` are not
    supported (:class:`NotImplementedError`).

    Example:
        >>> F.embedding(ut.tensor([2, 0]), ut.arange(6.).reshape(3, 2))
        tensor([[4., 5.],
                [0., 1.]], dtype=float32)
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError(
            "embedding(): max_norm, scale_grad_by_freq and sparse are not supported"
        )
    backend = backend_of("embedding", input, weight)
    idx = to_tensor(input, backend)
    w = to_tensor(weight, backend)
    if idx._d.kind not in "iu":
        raise DTypeError(f"embedding(): indices must be integers, got {idx._d.name}")
    ws = w.shape
    if len(ws) != 2:
        raise ShapeError(
            f"embedding() expects a 2-D weight (num_embeddings, embedding_dim), got shape "
            f"{fmt_shape(ws)}"
        )
    num = ws[0]
    if padding_idx is not None and num is not None:
        p = operator.index(padding_idx)
        if not -num <= p < num:
            raise ValueError(
                f"embedding(): padding_idx {p} is out of range for {num} embeddings"
            )
        padding_idx = p + num if p < 0 else p
    positions = backend.cast(idx._n, dt.int64)
    if num is not None and backend.is_compiling():
        positions = check_range_compiled(
            backend, positions, 0, num, f"embedding(): an index is out of range for {num} "
            "embeddings")
    elif num is not None:
        arr = backend.to_numpy(positions)
        if arr.size and (arr.min() < 0 or arr.max() >= num):
            bad = arr[(arr < 0) | (arr >= num)].flat[0]
            raise IndexOutOfRangeError(
                f"embedding(): index {bad} is out of range for {num} embeddings"
            )
    out = backend.take(w._n, positions, 0)
    if padding_idx is not None:
        hit = backend.equal(positions, native_scalar(backend, padding_idx, dt.int64,
                                                     positions))
        hit = backend.reshape(hit, (*backend.shape(hit), 1))
        out = backend.where(hit, backend.detach(out), out)
    return _wrap(type(w), out, w._d)


# The loss functions and dropout live in their own modules; PyTorch users find them here.
from ._activations import (  # noqa: E402
    celu,
    elu,
    hardswish,
    hardtanh,
    leaky_relu,
    mish,
    prelu,
    relu6,
    selu,
    softplus,
)
from ._attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: E402
from ._bags import bilinear, dropout2d, embedding_bag  # noqa: E402
from ._convolution import conv1d, conv3d, conv_transpose1d, conv_transpose2d  # noqa: E402
from ._dropout import dropout  # noqa: E402
from ._normalization import group_norm, instance_norm, rms_norm  # noqa: E402
from ._pooling import adaptive_max_pool2d, avg_pool1d, max_pool1d  # noqa: E402
from ._sampling import fold, interpolate, pad, pixel_shuffle, pixel_unshuffle, unfold  # noqa: E402
from ._vectors import (  # noqa: E402
    cosine_similarity,
    gumbel_softmax,
    normalize,
    one_hot,
    pairwise_distance,
)
from .layers.pooling import adaptive_avg_pool2d  # noqa: E402
from .losses import (  # noqa: E402
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    ctc_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
    triplet_margin_loss,
)
