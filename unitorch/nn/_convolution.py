"""``conv1d``, ``conv3d``, ``conv_transpose1d`` and ``conv_transpose2d``, as in
``torch.nn.functional`` (channels first on every backend).

``conv1d`` and ``conv_transpose1d`` run the backends' 2-D kernels on a height of 1;
``conv3d`` and ``conv_transpose2d`` are primitives of the backend contract (PyTorch's
``F.conv3d``/``F.conv_transpose2d``; TensorFlow's ``Conv3D``/``Conv2DBackpropInput``
kernels).  The arguments are checked here, with one message on every backend.  Operands
promote to one real floating dtype (PyTorch requires equal dtypes).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import ShapeError, fmt_shape
from ..tensor import Tensor, _wrap

__all__ = ["conv1d", "conv3d", "conv_transpose1d", "conv_transpose2d", "ntuple"]

IntOrTuple = int | Sequence[int]


def ntuple(op: str, name: str, value: Any, n: int, minimum: int) -> tuple[int, ...]:
    """An int, or a sequence of ``n`` ints (one is repeated), as an ``n``-tuple of ints
    each at least ``minimum``; ``TypeError``/``ValueError`` otherwise."""
    try:
        if isinstance(value, (bool, np.bool_)):
            raise TypeError
        if isinstance(value, (int, np.integer)):
            out = (int(value),) * n
        else:
            items = list(value)
            if any(isinstance(v, (bool, np.bool_)) for v in items):
                raise TypeError
            out = tuple(operator.index(v) for v in items)
            if len(out) == 1:
                out *= n
            if len(out) != n:
                raise TypeError
    except TypeError:
        raise TypeError(f"{op}(): {name} must be an int or a sequence of {n} ints, got "
                        f"{value!r}") from None
    if any(v < minimum for v in out):
        what = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}(): {name} must be {what}, got {value!r}")
    return out


def _operands(op: str, input: Any, weight: Any, bias: Any) -> tuple[Any, Tensor, Tensor,
                                                                       Tensor | None]:
    backend = backend_of(op, input, weight, bias)
    ts = [None if t is None else to_tensor(t, backend) for t in (input, weight, bias)]
    d = ts[0]._d
    for t in ts[1:]:
        if t is not None:
            d = dt.promote_types(d, t._d)
    check_kind(op, d, "f")
    x, w, b = (t if t is None or t._d is d else _wrap(type(t), backend.cast(t._n, d), d)
               for t in ts)
    return backend, x, w, b


def _check_shapes(op: str, nd: int, x: Tensor, w: Tensor, b: Tensor | None, groups: Any,
                  transposed: bool) -> tuple[bool, int]:
    """Check an N-d (transposed) convolution's operand shapes; (unbatched, groups)."""
    xs, ws = x.shape, w.shape
    if len(xs) not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}() expects a {nd + 1}-D (C, ...) or {nd + 2}-D (N, C, ...) "
                         f"input, got shape {fmt_shape(xs)}")
    if len(ws) != nd + 2:
        layout = "(C_in, C_out/groups, k...)" if transposed else "(C_out, C_in/groups, k...)"
        raise ShapeError(f"{op}() expects a {nd + 2}-D weight {layout}, got shape "
                         f"{fmt_shape(ws)}")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}(): groups must be a positive int, got {groups!r}")
    groups = int(groups)
    c_in = xs[-nd - 1]
    if transposed:
        c_out = None if ws[1] is None else ws[1] * groups
        if ws[0] is not None and c_in is not None and ws[0] != c_in:
            raise ShapeError(f"{op}(): input shape {fmt_shape(xs)} has {c_in} channels but "
                             f"weight shape {fmt_shape(ws)} expects {ws[0]}")
        if ws[0] is not None and ws[0] % groups:
            raise ValueError(f"{op}(): {ws[0]} input channels (weight.shape[0]) are not "
                             f"divisible by groups={groups}")
    else:
        c_out = ws[0]
        if c_out is not None and c_out % groups:
            raise ValueError(f"{op}(): {c_out} output channels (weight.shape[0]) are not "
                             f"divisible by groups={groups}")
        if c_in is not None and c_in % groups:
            raise ValueError(f"{op}(): {c_in} input channels are not divisible by "
                             f"groups={groups}")
        if c_in is not None and ws[1] is not None and c_in != ws[1] * groups:
            raise ShapeError(f"{op}(): input shape {fmt_shape(xs)} has {c_in} channels but "
                             f"weight shape {fmt_shape(ws)} with groups={groups} expects "
                             f"{ws[1] * groups}")
    if b is not None and (b.ndim != 1 or (b.shape[0] is not None and c_out is not None
                                          and b.shape[0] != c_out)):
        raise ShapeError(f"{op}(): bias must have shape ({c_out},), got {fmt_shape(b.shape)}")
    return len(xs) == nd + 1, groups


def _conv_pads(op: str, nd: int, padding: Any, kernel: tuple[int, ...],
               dilation: tuple[int, ...], stride: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * nd
        if padding == "same":
            if any(s != 1 for s in stride):
                raise ValueError(f"{op}(): padding='same' needs stride 1, got stride {stride}")
            totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
            return tuple((t // 2, t - t // 2) for t in totals)  # the odd one after
        raise ValueError(f"{op}(): padding must be 'valid', 'same', an int or a tuple of "
                         f"ints, got {padding!r}")
    return tuple((p, p) for p in ntuple(op, "padding", padding, nd, 0))


def _conv(op: str, nd: int, input: Any, weight: Any, bias: Any, stride: Any, padding: Any,
          dilation: Any, groups: Any) -> Tensor:
    backend, x, w, b = _operands(op, input, weight, bias)
    unbatched, groups = _check_shapes(op, nd, x, w, b, groups, False)
    st = ntuple(op, "stride", stride, nd, 1)
    dil = ntuple(op, "dilation", dilation, nd, 1)
    kernel = w.shape[2:]
    pads = _conv_pads(op, nd, padding, kernel, dil, st)
    for size, k, dl, (p0, p1) in zip(x.shape[-nd:], kernel, dil, pads):
        if size is not None and k is not None and size + p0 + p1 < dl * (k - 1) + 1:
            raise ShapeError(f"{op}(): the kernel size {dl * (k - 1) + 1} (dilated) is larger "
                             f"than the padded input size {size + p0 + p1} (input shape "
                             f"{fmt_shape(x.shape)}, weight shape {fmt_shape(w.shape)})")
    native = x._n
    if unbatched:
        native = backend.reshape(native, (1, *backend.shape(native)))
    bn = None if b is None else b._n
    if nd == 1:  # the 2-D kernel on a height of 1
        n4 = backend.reshape(native, (*backend.shape(native)[:2], 1, backend.shape(native)[2]))
        w4 = backend.reshape(w._n, (*backend.shape(w._n)[:2], 1, kernel[0]))
        out = backend.conv2d(n4, w4, bn, (1, st[0]), ((0, 0), pads[0]), (1, dil[0]), groups)
        out = backend.reshape(out, (*backend.shape(out)[:2], backend.shape(out)[3]))
    else:
        out = backend.conv3d(native, w._n, bn, st, pads, dil, groups)
    if unbatched:
        out = backend.reshape(out, backend.shape(out)[1:])
    return _wrap(type(x), out, x._d)


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: str | IntOrTuple = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """1-D cross-correlation of (N, C_in, L) or unbatched (C_in, L) input with ``weight``
    (C_out, C_in / groups, k) and ``bias`` (C_out,) or ``None``.

    ``stride``, ``padding`` (zeros on both ends; ``"valid"``: none; ``"same"``: the
    output length equals the input's, stride 1 only, an odd total padding puts the extra
    zero at the end) and ``dilation`` as in PyTorch.  The result has shape (N, C_out, L')
    with ``L' = floor((L + 2 padding - dilation (k - 1) - 1) / stride) + 1``, and the
    promoted real floating dtype.

    Example:
        >>> F.conv1d(ut.ones((1, 2, 5)), ut.ones((3, 2, 3)), padding=1)
        tensor([[[4., 6., 6., 6., 4.],
                 [4., 6., 6., 6., 4.],
                 [4., 6., 6., 6., 4.]]], dtype=float32)
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride: IntOrTuple = 1,
           padding: str | IntOrTuple = 0, dilation: IntOrTuple = 1, groups: int = 1) -> Tensor:
    """3-D cross-correlation of (N, C_in, D, H, W) or unbatched (C_in, D, H, W) input with
    ``weight`` (C_out, C_in / groups, kD, kH, kW) and ``bias`` (C_out,) or ``None``.

    Arguments and output size per axis as :func:`conv1d` (per axis: an int or a triple);
    the promoted real floating dtype.

    Example:
        >>> F.conv3d(ut.ones((1, 1, 4, 4, 4)), ut.ones((2, 1, 3, 3, 3))).shape
        (1, 2, 2, 2, 2)
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def _conv_transpose(op: str, nd: int, input: Any, weight: Any, bias: Any, stride: Any,
                    padding: Any, output_padding: Any, groups: Any, dilation: Any) -> Tensor:
    backend, x, w, b = _operands(op, input, weight, bias)
    unbatched, groups = _check_shapes(op, nd, x, w, b, groups, True)
    st = ntuple(op, "stride", stride, nd, 1)
    if isinstance(padding, str):
        raise ValueError(f"{op}(): padding must be an int or a tuple of ints (PyTorch's "
                         f"transposed convolutions take no {padding!r})")
    pad = ntuple(op, "padding", padding, nd, 0)
    out_pad = ntuple(op, "output_padding", output_padding, nd, 0)
    dil = ntuple(op, "dilation", dilation, nd, 1)
    if any(o >= s and o >= d for o, s, d in zip(out_pad, st, dil)):
        raise ValueError(f"{op}(): output padding must be smaller than either stride or "
                         f"dilation, but got output_padding {out_pad}, stride {st}, dilation "
                         f"{dil}")
    kernel = w.shape[2:]
    for size, k, s, p, o, d in zip(x.shape[-nd:], kernel, st, pad, out_pad, dil):
        if size is not None and k is not None and (size - 1) * s - 2 * p + d * (k - 1) + o + 1 < 1:
            raise ShapeError(f"{op}(): the output would be empty: input shape "
                             f"{fmt_shape(x.shape)}, weight shape {fmt_shape(w.shape)}, "
                             f"stride {st}, padding {pad}")
    native = x._n
    if unbatched:
        native = backend.reshape(native, (1, *backend.shape(native)))
    bn = None if b is None else b._n
    if nd == 1:
        n4 = backend.reshape(native, (*backend.shape(native)[:2], 1, backend.shape(native)[2]))
        w4 = backend.reshape(w._n, (*backend.shape(w._n)[:2], 1, kernel[0]))
        out = backend.conv_transpose2d(n4, w4, bn, (1, st[0]), (0, pad[0]), (0, out_pad[0]),
                                       (1, dil[0]), groups)
        out = backend.reshape(out, (*backend.shape(out)[:2], backend.shape(out)[3]))
    else:
        out = backend.conv_transpose2d(native, w._n, bn, st, pad, out_pad, dil, groups)
    if unbatched:
        out = backend.reshape(out, backend.shape(out)[1:])
    return _wrap(type(x), out, x._d)


def conv_transpose1d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """The transposed 1-D convolution (the gradient of :func:`conv1d` with respect to its
    input, a "deconvolution") of (N, C_in, L) or unbatched (C_in, L) input with
    ``weight`` (C_in, C_out / groups, k) and ``bias`` (C_out,) or ``None``.

    The result has length ``(L - 1) stride - 2 padding + dilation (k - 1) +
    output_padding + 1``: ``padding`` removes that many positions from both ends of the
    full result, ``output_padding`` (smaller than ``stride`` or ``dilation``) adds
    positions at the end.  Note PyTorch's argument order: ``groups`` before
    ``dilation``.

    Example:
        >>> F.conv_transpose1d(ut.tensor([[[1., 2.]]]), ut.ones((1, 1, 3)), stride=2)
        tensor([[[1., 1., 3., 2., 2.]]], dtype=float32)
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: Tensor, weight: Tensor, bias: Tensor | None = None,
                     stride: IntOrTuple = 1, padding: IntOrTuple = 0,
                     output_padding: IntOrTuple = 0, groups: int = 1,
                     dilation: IntOrTuple = 1) -> Tensor:
    """The transposed 2-D convolution of (N, C_in, H, W) or unbatched (C_in, H, W) input
    with ``weight`` (C_in, C_out / groups, kH, kW) and ``bias`` (C_out,) or ``None``;
    each argument an int or a pair, sizes per axis as :func:`conv_transpose1d`.  The
    usual upsampling layer of decoders and GANs (stride 2 doubles the size with
    ``kernel 4, padding 1`` or ``kernel 3, padding 1, output_padding 1``).

    Example:
        >>> x = ut.ones((1, 8, 4, 4))
        >>> F.conv_transpose2d(x, ut.ones((8, 3, 4, 4)), stride=2, padding=1).shape
        (1, 3, 8, 8)
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
