"""The TensorFlow backend's ``nn`` section: softmax, cross-entropy, convolution and
pooling.  TF's CPU kernels are NHWC: the NCHW contract transposes around them, and
:func:`_to_nhwc` skips the transposes it can while tracing."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import tensorflow as tf
from tensorflow.python.util import _pywrap_util_port as _util_port

from ..contract import Backend, Native
from .core import _constants, _ints, raw


class NNOps:
    """The contract's ``nn`` section."""

    # TF's float16/bfloat16 softmax accumulates in the input dtype (softmax([1., 2.]) in
    # bfloat16 is an ulp off); compute in float32 and round once, as torch does.

    @staticmethod
    def softmax(x, axis):
        d = x.dtype  # tf.DType objects are interned: identity is equality, and cheap
        if d is tf.float16 or d is tf.bfloat16:
            x = raw.Cast(x=x, DstT=tf.float32)
        out = (raw.Softmax(logits=x) if axis == x.shape.rank - 1
               else tf.nn.softmax(x, axis=axis))
        if _ONEDNN and out.dtype is not tf.float64:
            out = _nan_over_slices(out, axis)
        return raw.Cast(x=out, DstT=d) if out.dtype is not d else out

    @staticmethod
    def log_softmax(x, axis):
        d = x.dtype
        if d is tf.float16 or d is tf.bfloat16:
            x = raw.Cast(x=x, DstT=tf.float32)
        out = (raw.LogSoftmax(logits=x) if axis == x.shape.rank - 1
               else tf.nn.log_softmax(x, axis=axis))
        return raw.Cast(x=out, DstT=d) if out.dtype is not d else out

    @staticmethod
    def cross_entropy(x, target, ignore_index, reduction):
        # TF's fused kernel; on the CPU it refuses labels outside [0, C), so ignored
        # targets are replaced by 0 and their losses by 0
        keep = None
        if ignore_index is not None:
            keep = raw.NotEqual(x=target, y=tf.constant(ignore_index, tf.int64))
            target = raw.SelectV2(condition=keep, t=target, e=tf.zeros((), tf.int64))
        loss = raw.SparseSoftmaxCrossEntropyWithLogits(features=x, labels=target)[0]
        if keep is not None:
            loss = raw.SelectV2(condition=keep, t=loss, e=tf.zeros((), loss.dtype))
        if reduction == "none":
            return loss
        axis = _ints((0,))
        if reduction == "sum" or keep is None:
            return (raw.Sum if reduction == "sum" else raw.Mean)(input=loss, axis=axis)
        count = raw.Sum(input=raw.Cast(x=keep, DstT=loss.dtype), axis=axis)
        return raw.RealDiv(x=raw.Sum(input=loss, axis=axis), y=count)

    def binary_cross_entropy_with_logits(self, x, target, weight, pos_weight, reduction):
        if pos_weight is not None:  # (TF's weighted form takes abs/relu kinks at 0)
            return Backend.binary_cross_entropy_with_logits(self, x, target, weight,
                                                            pos_weight, reduction)
        # TF's own composite, relu(x) - x y + log1p(exp(-|x|)) with where-selected
        # pieces (the contract's gradient at 0), in fewer graph nodes than the default
        loss = tf.nn.sigmoid_cross_entropy_with_logits(labels=target, logits=x)
        if weight is not None:
            loss = raw.Mul(x=loss, y=weight)
        if reduction == "none" or x.shape.rank == 0:
            return loss
        axes = _ints(tuple(range(x.shape.rank)))
        return (raw.Mean if reduction == "mean" else raw.Sum)(input=loss, axis=axes)

    @staticmethod
    def conv2d(x, weight, bias, stride, padding, dilation, groups):
        nhwc = _to_nhwc(x)
        kernel = raw.Transpose(x=weight, perm=[2, 3, 1, 0])  # OIHW -> HWIO
        if dilation != (1, 1):
            # TF's CPU gradient kernels refuse dilation > 1: convolve with the kernel
            # dilated explicitly (zeros between taps), which is the same computation
            kernel = _dilate_kernel(kernel, dilation)
        pads = _padding_mode(nhwc.shape, kernel.shape, stride, padding)
        if groups > 1:
            # ... and refuse grouped convolutions: convolve group by group and join
            xs = tf.split(nhwc, groups, axis=3)
            ks = tf.split(kernel, groups, axis=3)
            out = tf.concat([tf.nn.conv2d(xg, kg, strides=[1, *stride, 1], padding=pads)
                             for xg, kg in zip(xs, ks)], axis=3)
        else:
            out = tf.nn.conv2d(nhwc, kernel, strides=[1, *stride, 1], padding=pads)
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    # -- convolutions of issue 11 ----------------------------------------------------------

    @staticmethod
    def conv3d(x, weight, bias, stride, padding, dilation, groups):
        ndhwc = raw.Transpose(x=x, perm=[0, 2, 3, 4, 1])
        if any(a or b for a, b in padding):  # Conv3D takes no explicit padding
            ndhwc = tf.pad(ndhwc, [[0, 0], *[list(p) for p in padding], [0, 0]])
        kernel = raw.Transpose(x=weight, perm=[2, 3, 4, 1, 0])  # OIDHW -> DHWIO
        if dilation != (1, 1, 1):  # (CPU gradient kernels refuse dilation > 1, as in 2-D)
            kernel = _dilate_kernel(kernel, dilation)
        strides = [1, *stride, 1]
        if groups > 1:  # (and grouped convolutions)
            out = tf.concat([tf.nn.conv3d(xg, kg, strides, "VALID") for xg, kg in
                             zip(tf.split(ndhwc, groups, axis=4),
                                 tf.split(kernel, groups, axis=4))], axis=4)
        else:
            out = tf.nn.conv3d(ndhwc, kernel, strides, "VALID")
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return raw.Transpose(x=out, perm=[0, 4, 1, 2, 3])

    @staticmethod
    def conv_transpose2d(x, weight, bias, stride, padding, output_padding, dilation, groups):
        nhwc = _to_nhwc(x)
        # (C_in, C_out/groups, kH, kW) -> (kH, kW, C_out/groups, C_in): TF's layout of a
        # transposed convolution's filter
        kernel = raw.Transpose(x=weight, perm=[2, 3, 1, 0])
        if dilation != (1, 1):
            kernel = _dilate_kernel(kernel, dilation)
        size = tf.shape(nhwc)
        k_h, k_w = kernel.shape[0], kernel.shape[1]
        # the full result ("VALID"), then padding cropped and output_padding added
        full_h, full_w = (size[1] - 1) * stride[0] + k_h, (size[2] - 1) * stride[1] + k_w
        c_out = kernel.shape[2]
        parts = []
        for xg, kg in zip(tf.split(nhwc, groups, axis=3) if groups > 1 else [nhwc],
                          tf.split(kernel, groups, axis=3) if groups > 1 else [kernel]):
            parts.append(tf.nn.conv2d_transpose(
                xg, kg, tf.stack([size[0], full_h, full_w, c_out]), [1, *stride, 1],
                "VALID"))
        out = parts[0] if groups == 1 else tf.concat(parts, axis=3)
        (p_h, p_w), (o_h, o_w) = padding, output_padding
        if o_h or o_w:
            out = tf.pad(out, [[0, 0], [0, o_h], [0, o_w], [0, 0]])
        if p_h or p_w:
            out = out[:, p_h:full_h + o_h - p_h, p_w:full_w + o_w - p_w, :]
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    @staticmethod
    def max_pool2d(x, kernel, stride, padding):
        (top, bottom), (left, right) = padding
        nhwc = unpadded = _to_nhwc(x)
        if top or bottom or left or right:
            nhwc = tf.pad(nhwc, [[0, 0], [top, bottom], [left, right], [0, 0]],
                          constant_values=float("-inf"))
        out = tf.nn.max_pool2d(nhwc, kernel, stride, "VALID")
        # TF's MaxPool skips NaN (max(1, nan) is 1) and starts from the lowest finite value
        # (a window of -inf gives -3.4e38).  Inputs without NaN or infinities (a finite
        # sum; padding never wins a window) are right as they are; for others pool a code
        # per element as well, 2 for NaN, 1 for any other value above -inf, 0 for -inf,
        # and fix those windows.
        d = nhwc.dtype

        def fixed():
            code = raw.AddV2(x=raw.Cast(x=raw.NotEqual(x=nhwc, y=tf.constant(-math.inf, d)),
                                        DstT=d),
                             y=raw.Cast(x=raw.IsNan(x=nhwc), DstT=d))
            code = tf.nn.max_pool2d(code, kernel, stride, "VALID")
            y = raw.SelectV2(condition=raw.Less(x=code, y=tf.constant(0.5, d)),
                             t=tf.constant(-math.inf, d), e=out)
            return raw.SelectV2(condition=raw.Greater(x=code, y=tf.constant(1.5, d)),
                                t=tf.constant(math.nan, d), e=y)

        ordinary = raw.IsFinite(x=raw.Sum(input=unpadded, axis=_ints((0, 1, 2, 3))))
        if tf.executing_eagerly():
            out = out if bool(ordinary) else fixed()
        else:
            out = tf.cond(ordinary, lambda: raw.Identity(input=out), fixed)
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

    @staticmethod
    def avg_pool2d(x, kernel, stride, padding, count_include_pad):
        (top, bottom), (left, right) = padding
        pads = [[0, 0], [top, bottom], [left, right], [0, 0]]
        nhwc = tf.pad(_to_nhwc(x), pads)
        out = tf.nn.avg_pool2d(nhwc, kernel, stride, "VALID")
        if not count_include_pad and (top or bottom or left or right):
            ones = tf.pad(tf.ones_like(nhwc[:1, :, :, :1])[:, top:tf.shape(nhwc)[1] - bottom,
                                                               left:tf.shape(nhwc)[2] - right],
                          pads)
            out = out / tf.nn.avg_pool2d(ones, kernel, stride, "VALID")
        return raw.Transpose(x=out, perm=[0, 3, 1, 2])

# Whether TensorFlow runs its oneDNN kernels, read once: TF_ENABLE_ONEDNN_OPTS is read
# when TensorFlow is imported, and its default depends on the CPU.
_ONEDNN = bool(_util_port.IsMklEnabled())


def _nan_over_slices(out: Native, axis: int) -> Native:
    """Softmax ``out`` with NaN over every slice (along ``axis``) that holds a NaN.
    TensorFlow's oneDNN softmax kernel (used for float32 and bfloat16 when oneDNN is on)
    gives 0, not NaN, beside the +inf or NaN of a slice: ``softmax([[inf, 1., -inf]])``
    is ``[nan, 0, 0]`` with oneDNN and ``[nan, nan, nan]`` without (measured with
    TensorFlow 2.21 on an AMD EPYC with AVX-512).  Such a slice always holds a NaN
    (``inf - inf`` or the NaN itself), and every other slice sums to about 1, so adding
    0 times the slice's sum changes nothing else, bit for bit, and passes the gradient
    through unchanged."""
    # (raw ops and a cached zero: tf.zeros and tf.stop_gradient cost tens of
    # microseconds each in Python, several times the softmax itself at 64x64)
    total = raw.Sum(input=out, axis=_ints((axis,)), keep_dims=True)
    zero, = _constants(out.dtype, 0)
    return raw.AddV2(x=out, y=raw.StopGradient(input=raw.Mul(x=total, y=zero)))


# element-wise ops that commute with a transpose, by TF op type: how to apply them again
_LAYOUT_FREE: dict[str, Callable[[Native], Native]] = {
    "Relu": lambda t: raw.Relu(features=t), "Relu6": lambda t: raw.Relu6(features=t),
    "Elu": lambda t: raw.Elu(features=t), "Selu": lambda t: raw.Selu(features=t),
    "Sigmoid": lambda t: raw.Sigmoid(x=t), "Tanh": lambda t: raw.Tanh(x=t),
    "Softplus": lambda t: raw.Softplus(features=t), "Identity": lambda t: raw.Identity(input=t),
}


def _to_nhwc(x: Native) -> Native:
    """NCHW ``x`` in NHWC, TF's CPU layout.  TF's CPU transposes cost about as much as
    a small convolution, so while tracing, when ``x`` is an NHWC result transposed to
    NCHW (by conv2d or a pooling) followed only by element-wise unary ops (ReLU...),
    those ops are applied to the NHWC result instead and no transpose runs (forward or
    backward): conv -> relu -> pool and pool -> conv chains stay in NHWC."""
    if not tf.executing_eagerly():
        try:
            ops, t = [], x
            while t.op.type in _LAYOUT_FREE and len(ops) < 8:
                ops.append(t.op.type)
                t = t.op.inputs[0]
            if t.op.type == "Transpose":
                perm = tf.get_static_value(t.op.inputs[1])
                if perm is not None and list(perm) == [0, 3, 1, 2]:
                    y = t.op.inputs[0]
                    for name in reversed(ops):
                        y = _LAYOUT_FREE[name](y)
                    return y
        except AttributeError:  # not a graph tensor (a variable, a captured value...)
            pass
    return raw.Transpose(x=x, perm=[0, 2, 3, 1])


def _padding_mode(x_shape: Any, k_shape: Any, stride: tuple[int, int],
                  padding: tuple[tuple[int, int], tuple[int, int]]) -> Any:
    """``padding`` as TF's convolutions take it: ``"VALID"`` when there is none,
    ``"SAME"`` when it is the padding SAME adds (for an NHWC input and an HWIO kernel
    of known sizes), else the explicit list.  The oneDNN kernels TensorFlow's CPU build
    swaps in for Conv2D's gradients (2-3 times faster than the Eigen ones here) take
    only VALID and SAME: with explicit padding the gradient runs on the slow kernels."""
    if padding == ((0, 0), (0, 0)):
        return "VALID"
    same = True
    for size, k, s, (before, after) in zip(x_shape[1:3], k_shape[:2], stride, padding):
        if size is None or k is None:
            same = False
            break
        total = max((-(-size // s) - 1) * s + k - size, 0)
        same = same and (before, after) == (total // 2, total - total // 2)
    if same:
        return "SAME"
    (top, bottom), (left, right) = padding
    return [[0, 0], [top, bottom], [left, right], [0, 0]]


def _dilate_kernel(kernel: Native, dilation: tuple[int, ...]) -> Native:
    """A kernel whose leading axes are its spatial ones (HWIO, DHWIO, or HWOI for a
    transposed convolution) with ``dilation - 1`` zeros between its taps along each."""
    for axis, d in enumerate(dilation):
        if d == 1:
            continue
        parts = tf.unstack(kernel, axis=axis)
        zeros = tf.zeros_like(parts[0])
        spaced = []
        for i, part in enumerate(parts):
            spaced.append(part)
            if i < len(parts) - 1:
                spaced.extend([zeros] * (d - 1))
        kernel = tf.stack(spaced, axis=axis)
    return kernel

