"""The functions of ``unitorch.nn.functional`` added by issue 11 (activations,
convolutions, poolings, normalizations, resampling, vectors): each against ``torch.nn.
functional`` itself on the same numbers (value and gradients, float32 and float64),
against NumPy float64 references written here from PyTorch's documented formulas, and
across backends; gradients at PyTorch's kinks; errors that read the same on every
backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
import unitorch.nn.functional as F
from unitorch.testing import strategies as uts

from support import check, finite_difference, on_backends, same_error
from torch_reference import compare

FLOATS = [ut.float32, ut.float64]
IDS = ["float32", "float64"]


def _rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------
# activations: NumPy references from PyTorch's documented formulas

_SELU_A, _SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.log1p(np.exp(np.minimum(x * beta, threshold)))
                    / beta)


ACTIVATIONS = {
    "leaky_relu": (dict(negative_slope=0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    "elu": (dict(alpha=1.5), lambda x: np.where(x > 0, x, 1.5 * np.expm1(np.minimum(x, 0)))),
    "selu": ({}, lambda x: _SELU_S * np.where(x > 0, x, _SELU_A * np.expm1(np.minimum(x, 0)))),
    "celu": (dict(alpha=2.0), lambda x: np.where(x > 0, x, 2.0 * np.expm1(np.minimum(x, 0)
                                                                          / 2.0))),
    "softplus": (dict(beta=2.0, threshold=3.0), lambda x: _softplus(x, 2.0, 3.0)),
    "mish": ({}, lambda x: x * np.tanh(_softplus(x))),
    "hardtanh": (dict(min_val=-2.0, max_val=1.5), lambda x: np.clip(x, -2.0, 1.5)),
    "relu6": ({}, lambda x: np.clip(x, 0, 6)),
    "hardswish": ({}, lambda x: x * np.clip(x + 3, 0, 6) / 6),
}


@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(data=st.data())
def test_activations_match_numpy_torch_and_backends(backends, name, dtype, data):
    # (no subnormal float32 inputs: TensorFlow's CPU kernels flush them to zero)
    x = data.draw(uts.arrays(dtype, uts.shapes(min_dims=1, max_side=5), min_value=-8,
                             max_value=8, allow_nan=False, allow_infinity=False), label="x")
    kwargs, ref = ACTIVATIONS[name]
    expected = ref(x.astype(np.float64))
    compare(backends, lambda v: getattr(F, name)(v, **kwargs),
            lambda v: getattr(TF, name)(v, **kwargs), [x], dtype, "composite", 4,
            reference=expected)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_activation_gradients_at_the_kinks_are_pytorchs(backends, name):
    """At the points where the formula switches (0, the bounds, -3 and 3, 6) the
    gradient is the one PyTorch's backward gives."""
    kwargs, _ = ACTIVATIONS[name]
    x = np.array([-3.0, -2.0, 0.0, 1.5, 3.0, 6.0, -0.0, 1.0])
    compare(backends, lambda v: getattr(F, name)(v, **kwargs),
            lambda v: getattr(TF, name)(v, **kwargs), [x], ut.float64, "composite", 4)


def test_prelu_and_half_and_integer_inputs(backends):
    rng = _rng(1)
    x, w = rng.normal(size=(2, 3, 4)), rng.uniform(0, 1, 3)
    compare(backends, F.prelu, TF.prelu, [x, w], ut.float64, "exact")
    compare(backends, F.prelu, TF.prelu, [x, w[:1]], ut.float32, "exact")
    # float16 computed in float32 and rounded once; integers in the default float dtype
    h = rng.uniform(-4, 4, 20).astype(np.float16)
    check(on_backends(backends, F.elu, h), np.where(h > 0, h, np.expm1(np.minimum(h, 0))),
          ut.float16, "composite")
    check(on_backends(backends, F.leaky_relu, np.array([-2, 3])), np.array([-0.02, 3.0]),
          ut.float32)
    # hardtanh and relu6 keep integers, as PyTorch's
    check(on_backends(backends, F.relu6, np.array([-1, 3, 9])), np.array([0, 3, 6]), ut.int64)


def test_activations_inplace(backend):
    x = ut.tensor([-1.0, 2.0])
    y = F.leaky_relu(x, 0.5, inplace=True)
    assert y is x and x.tolist() == [-0.5, 2.0]
    ut.testing.assert_close(F.elu(ut.tensor([-1.0]), inplace=True), [math.expm1(-1)])


# ---------------------------------------------------------------------------------------
# convolutions: NumPy references as sums of strided, shifted windows


def ref_conv(x, w, b, stride, pads, dilation, groups):
    """N-d cross-correlation of (N, C, *spatial) by (O, C/groups, *k)."""
    nd = x.ndim - 2
    x = np.pad(x, [(0, 0), (0, 0), *pads])
    c_out, c_group, *k = w.shape
    outs = [(x.shape[2 + i] - dilation[i] * (k[i] - 1) - 1) // stride[i] + 1
            for i in range(nd)]
    out = np.zeros((x.shape[0], c_out, *outs))
    per = c_out // groups
    for g in range(groups):
        xs, ws = x[:, g * c_group:(g + 1) * c_group], w[g * per:(g + 1) * per]
        for tap in np.ndindex(*k):
            sl = tuple(slice(t * d, t * d + s * (o - 1) + 1, s)
                       for t, d, s, o in zip(tap, dilation, stride, outs))
            out[:, g * per:(g + 1) * per] += np.einsum("nc...,oc->no...", xs[(..., *sl)],
                                                       ws[(..., *tap)])
    return out if b is None else out + b.reshape(1, -1, *(1,) * nd)


def ref_conv_transpose(x, w, b, stride, padding, output_padding, dilation, groups):
    """The transposed convolution as its definition: each input element scatters
    ``x * w`` into the full output, then the padding is cropped."""
    nd = x.ndim - 2
    c_in, c_per, *k = w.shape
    full = [(x.shape[2 + i] - 1) * stride[i] + dilation[i] * (k[i] - 1) + 1 + output_padding[i]
            for i in range(nd)]
    out = np.zeros((x.shape[0], c_per * groups, *full))
    in_per = c_in // groups
    for g in range(groups):
        for tap in np.ndindex(*k):
            index = (slice(g * in_per, (g + 1) * in_per), slice(None), *tap)
            contrib = np.einsum("nc...,co->no...", x[:, g * in_per:(g + 1) * in_per], w[index])
            sl = tuple(slice(t * d, t * d + s * (n - 1) + 1, s) for t, d, s, n in
                       zip(tap, dilation, stride, x.shape[2:]))
            out[(slice(None), slice(g * c_per, (g + 1) * c_per), *sl)] += contrib
    crop = tuple(slice(p, f - p) for p, f in zip(padding, full))
    out = out[(..., *crop)]
    return out if b is None else out + b.reshape(1, -1, *(1,) * nd)


@st.composite
def conv_cases(draw, nd, transposed=False):
    groups = draw(st.integers(1, 2))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    d = tuple(draw(st.integers(1, 2)) for _ in range(nd))
    p = tuple(draw(st.integers(0, 1)) for _ in range(nd))
    size = tuple(draw(st.integers(2, 5)) for _ in range(nd))
    op = tuple(draw(st.integers(0, max(a, b) - 1)) for a, b in zip(s, d)) if transposed \
        else (0,) * nd
    if transposed:
        ok = all((n - 1) * ss - 2 * pp + dd * (kk - 1) + o + 1 > 0
                 for n, ss, pp, dd, kk, o in zip(size, s, p, d, k, op))
        w_shape = (c_in, c_out // groups, *k)
    else:
        ok = all(n + 2 * pp >= dd * (kk - 1) + 1 for n, pp, dd, kk in zip(size, p, d, k))
        w_shape = (c_out, c_in // groups, *k)
    if not ok:
        p = tuple(max(x, 0) for x in p)
        size = tuple(n + 8 for n in size)
    bias = draw(st.booleans())
    n = draw(st.integers(1, 2))
    rng = _rng(draw(st.integers(0, 99)))
    x = rng.uniform(-2, 2, (n, c_in, *size))
    w = rng.uniform(-1, 1, w_shape)
    b = rng.uniform(-1, 1, c_out) if bias else None
    return x, w, b, s, p, d, groups, op


@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
@given(case=conv_cases(1))
def test_conv1d(backends, dtype, case):
    x, w, b, s, p, d, g, _ = case
    args = [x, w] + ([b] if b is not None else [])
    k = w.shape[1] * w.shape[2]
    compare(backends, lambda *a: F.conv1d(*a, stride=s, padding=p, dilation=d, groups=g),
            lambda *a: TF.conv1d(*a, stride=s, padding=p, dilation=d, groups=g), args, dtype,
            "matmul", 4 * k, reference=lambda xx, ww, *bb: ref_conv(
                xx, ww, bb[0] if bb else None, s, [(q, q) for q in p], d, g))


@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
@given(case=conv_cases(3))
def test_conv3d(backends, dtype, case):
    x, w, b, s, p, d, g, _ = case
    args = [x, w] + ([b] if b is not None else [])
    k = int(np.prod(w.shape[1:]))
    compare(backends, lambda *a: F.conv3d(*a, stride=s, padding=p, dilation=d, groups=g),
            lambda *a: TF.conv3d(*a, stride=s, padding=p, dilation=d, groups=g), args, dtype,
            "matmul", 4 * k, reference=lambda xx, ww, *bb: ref_conv(
                xx, ww, bb[0] if bb else None, s, [(q, q) for q in p], d, g))


@pytest.mark.parametrize("nd", [1, 2], ids=["1d", "2d"])
@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
@given(data=st.data())
def test_conv_transpose(backends, nd, dtype, data):
    x, w, b, s, p, d, g, op = data.draw(conv_cases(nd, transposed=True))
    args = [x, w] + ([b] if b is not None else [])
    ut_fn, t_fn = ((F.conv_transpose1d, TF.conv_transpose1d) if nd == 1 else
                   (F.conv_transpose2d, TF.conv_transpose2d))
    k = int(np.prod(w.shape[1:])) * 2
    compare(backends, lambda *a: ut_fn(*a, stride=s, padding=p, output_padding=op, groups=g,
                                       dilation=d),
            lambda *a: t_fn(*a, stride=s, padding=p, output_padding=op, groups=g, dilation=d),
            args, dtype, "matmul", 4 * k, reference=lambda xx, ww, *bb: ref_conv_transpose(
                xx, ww, bb[0] if bb else None, s, p, op, d, g))


def test_conv_same_padding_and_unbatched(backends):
    rng = _rng(2)
    x, w = rng.normal(size=(3, 9)), rng.normal(size=(2, 3, 4))
    compare(backends, lambda a, b: F.conv1d(a, b, padding="same", dilation=2),
            lambda a, b: TF.conv1d(a, b, padding="same", dilation=2), [x, w], ut.float64,
            "matmul", 48)
    x3, w3 = rng.normal(size=(1, 2, 4, 3, 5)), rng.normal(size=(2, 2, 2, 3, 2))
    compare(backends, lambda a, b: F.conv3d(a, b, padding="same"),
            lambda a, b: TF.conv3d(a, b, padding="same"), [x3, w3], ut.float64, "matmul", 96)


# ---------------------------------------------------------------------------------------
# pooling


def ref_pool1d(x, k, s, p, kind, count_include_pad=True):
    n = x.shape[-1]
    out = (n + 2 * p - k) // s + 1
    res = np.zeros((*x.shape[:-1], out))
    for i in range(out):
        lo, hi = i * s - p, i * s - p + k
        win = x[..., max(lo, 0):min(hi, n)]
        if kind == "max":
            res[..., i] = win.max(-1)
        else:
            res[..., i] = win.sum(-1) / (k if count_include_pad else win.shape[-1])
    return res


@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
@given(k=st.integers(1, 4), s=st.integers(1, 3), p=st.integers(0, 2), n=st.integers(4, 9),
       count_include_pad=st.booleans(), unbatched=st.booleans())
def test_pool1d(backends, dtype, k, s, p, n, count_include_pad, unbatched):
    p = min(p, k // 2)
    x = _rng(n).uniform(-3, 3, (3, n) if unbatched else (2, 3, n))
    compare(backends, lambda v: F.max_pool1d(v, k, s, p), lambda v: TF.max_pool1d(v, k, s, p),
            [x], dtype, "exact", reference=lambda v: ref_pool1d(v, k, s, p, "max"))
    compare(backends, lambda v: F.avg_pool1d(v, k, s, p, count_include_pad=count_include_pad),
            lambda v: TF.avg_pool1d(v, k, s, p, count_include_pad=count_include_pad), [x],
            dtype, "reduction", 2 * k, reference=lambda v: ref_pool1d(v, k, s, p, "avg",
                                                                      count_include_pad))


@given(h=st.integers(1, 8), w=st.integers(1, 8), oh=st.integers(1, 6),
       ow=st.none() | st.integers(1, 6))
def test_adaptive_max_pool2d(backends, h, w, oh, ow):
    x = _rng(h * 9 + w).uniform(-2, 2, (2, 3, h, w))
    ref = np.zeros((2, 3, oh, ow or w))
    for i in range(oh):
        for j in range(ow or w):
            r0, r1 = math.floor(i * h / oh), math.ceil((i + 1) * h / oh)
            c0, c1 = (math.floor(j * w / ow), math.ceil((j + 1) * w / ow)) if ow else (j, j + 1)
            ref[:, :, i, j] = x[:, :, r0:r1, c0:c1].max(axis=(-2, -1))
    compare(backends, lambda v: F.adaptive_max_pool2d(v, (oh, ow)),
            lambda v: TF.adaptive_max_pool2d(v, (oh, ow)), [x], ut.float64, "exact",
            reference=ref, grad_family="reduction", grad_scale=oh * (ow or 1))


# ---------------------------------------------------------------------------------------
# normalization


def ref_group_norm(x, g, w, b, eps):
    n, c = x.shape[:2]
    y = x.reshape(n, g, -1)
    m, v = y.mean(-1, keepdims=True), y.var(-1, keepdims=True)
    y = ((y - m) / np.sqrt(v + eps)).reshape(x.shape)
    shape = (1, c) + (1,) * (x.ndim - 2)
    return y * w.reshape(shape) + b.reshape(shape)


@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
def test_norms(backends, dtype):
    rng = _rng(3)
    x = rng.normal(size=(2, 6, 3, 4)) * 2 + 1
    w, b = rng.uniform(0.5, 2, 6), rng.uniform(-1, 1, 6)
    compare(backends, lambda *a: F.group_norm(a[0], 3, a[1], a[2]),
            lambda *a: TF.group_norm(a[0], 3, a[1], a[2]), [x, w, b], dtype, "composite", 24,
            reference=lambda *a: ref_group_norm(*a[:1], 3, *a[1:], 1e-5))
    # instance norm = group norm with C groups
    compare(backends, lambda *a: F.instance_norm(a[0], weight=a[1], bias=a[2]),
            lambda *a: TF.instance_norm(a[0], weight=a[1], bias=a[2]), [x, w, b], dtype,
            "composite", 24, reference=lambda *a: ref_group_norm(*a[:1], 6, *a[1:], 1e-5))
    wr = rng.uniform(0.5, 2, (3, 4))
    compare(backends, lambda *a: F.rms_norm(a[0], (3, 4), a[1], eps=1e-6),
            lambda *a: TF.rms_norm(a[0], (3, 4), a[1], eps=1e-6), [x, wr], dtype, "composite",
            24, reference=lambda v, ww: v / np.sqrt((v ** 2).mean(axis=(-2, -1), keepdims=True)
                                                    + 1e-6) * ww)
    # eps=None: the machine epsilon of the input's dtype (torch runs in float64 here)
    eps = float(np.finfo(dtype.numpy).eps)
    compare(backends, lambda a: F.rms_norm(a, (4,)), lambda a: TF.rms_norm(a, (4,), eps=eps),
            [rng.normal(size=(5, 4)) * 1e-3], dtype, "composite", 8)


def test_instance_norm_running_statistics_match_torch(backends):
    rng = _rng(4)
    x = rng.normal(size=(3, 2, 4, 5)) * 3
    rm, rv = torch.zeros(2, dtype=torch.float64), torch.ones(2, dtype=torch.float64)
    for _ in range(2):
        TF.instance_norm(torch.tensor(x), rm, rv, momentum=0.3)
    for b in backends:
        with ut.use_backend(b):
            um, uv = ut.zeros(2, dtype=ut.float64), ut.ones(2, dtype=ut.float64)
            for _ in range(2):
                F.instance_norm(ut.asarray(x), um, uv, momentum=0.3)
            ut.testing.assert_close(um, rm.numpy(), 1e-13, 1e-13)
            ut.testing.assert_close(uv, rv.numpy(), 1e-13, 1e-13)
            evald = F.instance_norm(ut.asarray(x), um, uv, use_input_stats=False)
            want = TF.instance_norm(torch.tensor(x), rm, rv, use_input_stats=False)
            ut.testing.assert_close(evald, want.numpy(), 1e-13, 1e-13)


# ---------------------------------------------------------------------------------------
# pad, interpolate, pixel shuffle, unfold/fold

_NP_MODES = {"constant": "constant", "reflect": "reflect", "replicate": "edge",
             "circular": "wrap"}


@pytest.mark.parametrize("mode", sorted(_NP_MODES))
@given(data=st.data())
def test_pad_modes(backends, mode, data):
    k = data.draw(st.integers(1, 3), label="axes padded")
    lead = data.draw(st.integers(1, 2), label="leading axes")
    shape = tuple(data.draw(st.integers(2, 5)) for _ in range(lead + k))
    x = _rng(sum(shape)).normal(size=shape)
    pads = []
    for size in shape[:lead - 1:-1]:  # last axis first
        # each side either loses one element (a negative pad) or is padded by at most
        # what the mode allows on what remains
        cut = [data.draw(st.booleans()) and size > 3 for _ in range(2)]
        left = size - sum(cut)
        hi = left - 1 if mode == "reflect" else left
        pads += [-1 if c else data.draw(st.integers(0, hi)) for c in cut]
    # NumPy: crop the negative sides, then pad
    crop = [slice(None)] * lead + [slice(max(-pads[2 * i], 0),
                                         shape[-1 - i] - max(-pads[2 * i + 1], 0))
                                   for i in reversed(range(k))]
    widths = [(0, 0)] * lead + [(max(pads[2 * i], 0), max(pads[2 * i + 1], 0))
                                for i in reversed(range(k))]
    value = 1.5 if mode == "constant" else None
    extra = {"constant_values": value} if mode == "constant" else {}
    ref = np.pad(x[tuple(crop)], widths, mode=_NP_MODES[mode], **extra)
    compare(backends, lambda v: F.pad(v, pads, mode=mode, value=value),
            lambda v: TF.pad(v, pads, mode=mode, value=value), [x], ut.float64, "exact",
            reference=ref, grad_family="reduction", grad_scale=8)  # (repeated elements add)


def _ref_nearest(x, out, exact):
    """PyTorch's nearest source index, floor(dst * in / out) (or (dst + 0.5) * in / out)."""
    for axis, o in enumerate(out):
        n = x.shape[2 + axis]
        scale = np.float32(n) / np.float32(o)
        dst = np.arange(o, dtype=np.float32) + (np.float32(0.5) if exact else np.float32(0))
        idx = np.minimum(np.floor(dst * scale).astype(int), n - 1)
        x = np.take(x, idx, axis=2 + axis)
    return x


def _ref_linear(x, out, align_corners):
    for axis, o in enumerate(out):
        n = x.shape[2 + axis]
        dst = np.arange(o, dtype=np.float64)
        if align_corners:
            src = dst * ((n - 1) / (o - 1)) if o > 1 else dst * 0
        else:
            src = np.maximum((dst + 0.5) * n / o - 0.5, 0)
        i0 = np.floor(src).astype(int)
        i1 = np.minimum(i0 + 1, n - 1)
        lam = (src - i0).reshape((-1,) + (1,) * (x.ndim - 3 - axis))
        x = np.take(x, i0, axis=2 + axis) * (1 - lam) + np.take(x, i1, axis=2 + axis) * lam
    return x


@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear", "bilinear",
                                  "trilinear", "area"])
@given(data=st.data())
def test_interpolate(backends, mode, data):
    nd = {"linear": 1, "bilinear": 2, "trilinear": 3}.get(mode, data.draw(st.integers(1, 3)))
    shape = (2, 2, *(data.draw(st.integers(1, 5)) for _ in range(nd)))
    out = tuple(data.draw(st.integers(1, 7)) for _ in range(nd))
    dtype = data.draw(st.sampled_from(FLOATS))
    x = _rng(sum(shape)).uniform(-2, 2, shape)
    align = data.draw(st.booleans()) if mode in ("linear", "bilinear", "trilinear") else None
    kwargs = dict(size=out, mode=mode, align_corners=align)
    if mode.startswith("nearest"):
        def ref(v):
            return _ref_nearest(v, out, mode == "nearest-exact")
    elif mode == "area":
        ref = None  # adaptive average pooling: tests/test_layers.py has its reference
    else:
        def ref(v):
            return _ref_linear(v, out, align)
    # (a gradient adds up the output positions reading an input position: up to 7 per
    # axis here)
    compare(backends, lambda v: F.interpolate(v, **kwargs),
            lambda v: TF.interpolate(v, **kwargs), [x], dtype,
            "exact" if mode.startswith("nearest") else "composite", 8,
            reference=ref, grad_family="reduction", grad_scale=2 * 8 ** nd)


@given(scale=st.sampled_from([0.5, 1.5, 1.7, 2.0, 3.0, 0.3]), recompute=st.booleans(),
       mode=st.sampled_from(["nearest", "bilinear"]))
def test_interpolate_scale_factor(backends, scale, recompute, mode):
    x = _rng(5).uniform(-2, 2, (1, 2, 5, 7))
    if math.floor(5 * scale) < 1:
        return
    kwargs = dict(scale_factor=scale, mode=mode, recompute_scale_factor=recompute)
    compare(backends, lambda v: F.interpolate(v, **kwargs),
            lambda v: TF.interpolate(v, **kwargs), [x], ut.float32,
            "exact" if mode == "nearest" else "composite", 8, grad_family="reduction",
            grad_scale=2 * 16)


def test_interpolate_nearest_keeps_integer_images(backends):
    img = np.arange(12, dtype=np.uint8).reshape(1, 1, 3, 4)
    want = TF.interpolate(torch.tensor(img), size=(5, 6)).numpy()
    check(on_backends(backends, lambda v: F.interpolate(v, size=(5, 6)), img), want, ut.uint8)


def test_pixel_shuffle_unfold_fold(backends):
    rng = _rng(6)
    x = rng.normal(size=(2, 12, 3, 2))
    ref = x.reshape(2, 3, 2, 2, 3, 2).transpose(0, 1, 4, 2, 5, 3).reshape(2, 3, 6, 4)
    compare(backends, lambda v: F.pixel_shuffle(v, 2), lambda v: TF.pixel_shuffle(v, 2), [x],
            ut.float64, "exact", reference=ref)
    compare(backends, lambda v: F.pixel_unshuffle(v, 2), lambda v: TF.pixel_unshuffle(v, 2),
            [ref], ut.float64, "exact", reference=x)
    img = rng.normal(size=(2, 3, 5, 6))
    for kw in (dict(kernel_size=2), dict(kernel_size=(2, 3), dilation=(2, 1), padding=1,
                                         stride=(1, 2))):
        cols = compare(backends, lambda v, kw=kw: F.unfold(v, **kw),
                       lambda v, kw=kw: TF.unfold(v, **kw), [img], ut.float64, "exact")
        n_blocks = next(iter(cols.values())).shape[-1]
        blocks = rng.normal(size=(2, cols[backends[0]].shape[1], n_blocks))
        compare(backends, lambda v, kw=kw: F.fold(v, (5, 6), **kw),
                lambda v, kw=kw: TF.fold(v, (5, 6), **kw), [blocks], ut.float64, "reduction", 8)
    # NaN and inf move without spreading
    special = np.array([[[[np.inf, 1.0], [np.nan, 2.0]]]])
    got = on_backends(backends, lambda v: F.unfold(v, 1), special)
    check(got, special.reshape(1, 1, 4), ut.float64)


# ---------------------------------------------------------------------------------------
# vectors


def test_one_hot(backends):
    y = np.array([[0, 3], [2, 1]])
    check(on_backends(backends, F.one_hot, y), np.eye(4, dtype=np.int64)[y], ut.int64)
    check(on_backends(backends, F.one_hot, y, 6), np.eye(6, dtype=np.int64)[y], ut.int64)
    assert TF.one_hot(torch.tensor(y)).shape == (2, 2, 4)
    same_error(backends, ut.IndexOutOfRangeError, lambda: F.one_hot(ut.tensor([0, 3]), 3),
               match="outside")
    same_error(backends, ValueError, lambda: F.one_hot(ut.zeros(0, dtype=ut.int64)),
               match="empty")


@pytest.mark.parametrize("dtype", FLOATS, ids=IDS)
@given(p=st.sampled_from([1.0, 2.0, 3.0, math.inf]), dim=st.sampled_from([0, 1, -1]))
def test_normalize_pairwise_distance_cosine_similarity(backends, dtype, p, dim):
    rng = _rng(7)
    x, y = rng.normal(size=(3, 4, 2)), rng.normal(size=(3, 4, 2))
    x[0, :, 0] = 0.0  # a zero vector: its gradient is 0, as PyTorch's

    def norm(v, axis, keepdims):
        a = np.abs(v)
        return a.max(axis=axis, keepdims=keepdims) if p == math.inf else \
            (a ** p).sum(axis=axis, keepdims=keepdims) ** (1 / p)

    compare(backends, lambda v: F.normalize(v, p, dim), lambda v: TF.normalize(v, p, dim),
            [x], dtype, "composite", 8,
            reference=lambda v: v / np.maximum(norm(v, dim, True), 1e-12))
    compare(backends, lambda a, b: F.pairwise_distance(a, b, p),
            lambda a, b: TF.pairwise_distance(a, b, p), [x, y], dtype, "composite", 8,
            reference=lambda a, b: norm(a - b + 1e-6, -1, False))

    def cosine(a, b):
        n = np.maximum(np.sqrt((a * a).sum(dim)), 1e-8) * np.maximum(np.sqrt((b * b).sum(dim)),
                                                                     1e-8)
        return (a * b).sum(dim) / n

    compare(backends, lambda a, b: F.cosine_similarity(a, b, dim),
            lambda a, b: TF.cosine_similarity(a, b, dim), [x, y], dtype, "composite", 8,
            reference=cosine)


def test_cosine_similarity_broadcasts_like_torch(backends):
    rng = _rng(8)
    compare(backends, F.cosine_similarity, TF.cosine_similarity,
            [rng.normal(size=(2, 1, 5)), rng.normal(size=(1, 3, 5))], ut.float64, "composite",
            8)


def test_gumbel_softmax(backends, clean_state):
    """A sample sums to 1; hard samples are one-hot with the soft sample's gradient; the
    portable stream gives the same sample on every backend; the sample frequencies
    follow softmax(logits) (Gumbel-max)."""
    logits = np.log(np.array([0.2, 0.3, 0.5]))
    samples = {}
    for b in backends:
        with ut.use_backend(b), ut.random.portable(True):
            ut.manual_seed(3)
            soft = F.gumbel_softmax(ut.asarray(np.tile(logits, (4000, 1))), tau=0.5)
            ut.manual_seed(3)
            hard = F.gumbel_softmax(ut.asarray(np.tile(logits, (4000, 1))), tau=0.5, hard=True)
            samples[b] = soft.numpy()
            ut.testing.assert_close(ut.sum(soft, axis=-1), np.ones(4000), 1e-5, 1e-5)
            h = hard.numpy()
            assert set(np.unique(h)) <= {0.0, 1.0} and np.all(h.sum(-1) == 1)
            np.testing.assert_array_equal(h.argmax(-1), samples[b].argmax(-1))
            freq = np.bincount(h.argmax(-1), minlength=3) / 4000
            assert np.all(np.abs(freq - [0.2, 0.3, 0.5]) < 0.04), freq
            x = ut.asarray(logits[None])
            ut.manual_seed(1)
            g = ut.grad(lambda v: ut.sum(F.gumbel_softmax(v, hard=True) * ut.tensor(
                [[1.0, 2.0, 3.0]], dtype=ut.float64)))(x)
            ut.manual_seed(1)
            s = ut.grad(lambda v: ut.sum(F.gumbel_softmax(v, hard=False) * ut.tensor(
                [[1.0, 2.0, 3.0]], dtype=ut.float64)))(x)
            ut.testing.assert_close(g, s, 1e-12, 1e-12)  # straight-through
    first = samples[backends[0]]
    for b in backends[1:]:
        np.testing.assert_allclose(samples[b], first, rtol=1e-5, atol=1e-6)


def test_embedding_bag_and_bilinear(backends):
    rng = _rng(9)
    w = rng.normal(size=(10, 4))
    idx = np.array([1, 2, 4, 5, 4, 3, 2, 9, 0, 7])
    offsets = np.array([0, 2, 2, 6])
    psw = rng.normal(size=10)
    bags = [idx[0:2], idx[2:2], idx[2:6], idx[6:]]
    for mode in ("sum", "mean", "max"):
        for padding_idx in (None, 4):
            ref = []
            for bag in bags:
                rows = w[[i for i in bag if i != padding_idx]]
                ref.append(np.zeros(4) if not len(rows) else rows.sum(0) if mode == "sum"
                           else rows.mean(0) if mode == "mean" else rows.max(0))
            compare(backends, lambda ww, m=mode, pi=padding_idx: F.embedding_bag(
                ut.asarray(idx), ww, ut.asarray(offsets), mode=m, padding_idx=pi),
                lambda ww, m=mode, pi=padding_idx: TF.embedding_bag(
                    torch.tensor(idx), ww, torch.tensor(offsets), mode=m, padding_idx=pi),
                [w], ut.float64, "reduction", 16, reference=np.array(ref))
    ref = np.array([(w[bag] * psw[s:s + len(bag), None]).sum(0) if len(bag) else np.zeros(4)
                    for bag, s in zip(bags, [0, 2, 2, 6])])
    compare(backends, lambda ww, p: F.embedding_bag(ut.asarray(idx), ww, ut.asarray(offsets),
                                                    mode="sum", per_sample_weights=p),
            lambda ww, p: TF.embedding_bag(torch.tensor(idx), ww, torch.tensor(offsets),
                                           mode="sum", per_sample_weights=p),
            [w, psw], ut.float64, "reduction", 16, reference=ref)
    two = idx.reshape(2, 5)
    compare(backends, lambda ww: F.embedding_bag(ut.asarray(two), ww, mode="mean"),
            lambda ww: TF.embedding_bag(torch.tensor(two), ww, mode="mean"), [w], ut.float64,
            "reduction", 16, reference=w[two].mean(1))
    x1, x2, wb, bb = (rng.normal(size=s) for s in ((3, 2, 4), (3, 2, 5), (6, 4, 5), (6,)))
    compare(backends, F.bilinear, TF.bilinear, [x1, x2, wb, bb], ut.float64, "matmul", 80,
            reference=np.einsum("...i,oij,...j->...o", x1, wb, x2) + bb)


def test_dropout2d_masks_whole_channels(backends, clean_state):
    outs = {}
    for b in backends:
        with ut.use_backend(b), ut.random.portable(True):
            ut.manual_seed(0)
            y = F.dropout2d(ut.ones((8, 16, 3, 3)), p=0.25).numpy()
            per_channel = y.reshape(8, 16, -1)
            assert np.all(per_channel.min(-1) == per_channel.max(-1))
            assert set(np.unique(y)) <= {0.0, np.float32(1 / 0.75)}
            kept = (per_channel[:, :, 0] > 0).mean()
            assert 0.6 < kept < 0.9
            outs[b] = y
            with pytest.warns(UserWarning, match=r"\(N, C, L\)"):
                F.dropout2d(ut.ones((2, 3, 4)))
            assert F.dropout2d(ut.ones((2, 3, 4, 4)), training=False).tolist() == \
                ut.ones((2, 3, 4, 4)).tolist()
    first = outs[backends[0]]
    for y in outs.values():  # the portable stream: one mask on every backend
        np.testing.assert_array_equal(y, first)


def test_fold_gradient_is_unfolds_adjoint_by_finite_differences(backends):
    x = _rng(10).normal(size=(1, 4, 4))  # (C kH kW, L) unbatched: C=1, k=2, 2x2 blocks

    def ref(v):
        return float(np.sum(TF.fold(torch.tensor(v), (3, 3), 2).numpy() ** 2))

    fd = finite_difference(ref, x)
    for b in backends:
        with ut.use_backend(b):
            g = ut.grad(lambda v: ut.sum(F.fold(v, (3, 3), 2) ** 2))(ut.asarray(x[0]))
            ut.testing.assert_close(g, fd[0], 1e-6, 1e-6)


# ---------------------------------------------------------------------------------------
# errors

ERRORS = [
    (ValueError, lambda: F.hardtanh(ut.ones(2), 2.0, 1.0), "min_val cannot be greater"),
    (ValueError, lambda: F.celu(ut.ones(2), alpha=0.0), "alpha cannot be 0"),
    (ut.ShapeError, lambda: F.prelu(ut.ones((2, 3)), ut.ones(2)), "channel size = 3"),
    (ut.ShapeError, lambda: F.conv1d(ut.ones((1, 3, 5)), ut.ones((2, 2, 3))), "3 channels"),
    (ValueError, lambda: F.conv1d(ut.ones((1, 2, 5)), ut.ones((2, 2, 3)), stride=2,
                                  padding="same"), "stride 1"),
    (ut.ShapeError, lambda: F.conv3d(ut.ones((1, 2, 2, 2, 2)), ut.ones((1, 2, 3, 3, 3))),
     "larger than the padded input"),
    (ValueError, lambda: F.conv_transpose2d(ut.ones((1, 2, 3, 3)), ut.ones((2, 1, 3, 3)),
                                            stride=2, output_padding=2),
     "output padding must be smaller"),
    (ValueError, lambda: F.max_pool1d(ut.ones((1, 1, 5)), 2, padding=2), "at most half"),
    (ValueError, lambda: F.group_norm(ut.ones((2, 6, 2)), 4), "not divisible"),
    (ut.ShapeError, lambda: F.rms_norm(ut.ones((2, 3)), (4,)), "normalized_shape"),
    (ValueError, lambda: F.instance_norm(ut.ones((2, 3, 1))), "more than 1 spatial"),
    (ValueError, lambda: F.pad(ut.ones((1, 1, 3)), (3, 0), mode="reflect"),
     "must be less than the size"),
    (ValueError, lambda: F.pad(ut.ones((1, 1, 3)), (4, 0), mode="circular"),
     "more than once"),
    (NotImplementedError, lambda: F.pad(ut.ones(3), (1, 1), mode="reflect"), "3-D"),
    (NotImplementedError, lambda: F.pad(ut.ones((1, 3)), (1, 1), mode="wrap"),
     "unrecognised padding mode"),
    (ValueError, lambda: F.interpolate(ut.ones((1, 1, 4)), 2, 2.0), "only one of"),
    (ValueError, lambda: F.interpolate(ut.ones((1, 1, 4))), "either size or scale_factor"),
    (ValueError, lambda: F.interpolate(ut.ones((1, 1, 4)), 8, align_corners=True),
     "align_corners option can only be set"),
    (ut.ShapeError, lambda: F.interpolate(ut.ones((1, 1, 4)), 8, mode="bilinear"),
     "needs 4-D input"),
    (NotImplementedError, lambda: F.interpolate(ut.ones((1, 1, 4, 4)), 8, mode="bicubic"),
     "bicubic"),
    (ut.ShapeError, lambda: F.pixel_shuffle(ut.ones((1, 6, 2, 2)), 2), "not divisible"),
    (ut.ShapeError, lambda: F.fold(ut.ones((1, 4, 5)), (3, 3), 2), "expected 4 blocks"),
    (ValueError, lambda: F.embedding_bag(ut.tensor([0, 1]), ut.ones((3, 2)),
                                         ut.tensor([1])), "offsets\\[0\\] has to be 0"),
    (NotImplementedError, lambda: F.embedding_bag(ut.tensor([[0, 1]]), ut.ones((3, 2)),
                                                  per_sample_weights=ut.ones((1, 2))),
     "only supported for mode='sum'"),
    (ut.IndexOutOfRangeError, lambda: F.embedding_bag(ut.tensor([[0, 5]]), ut.ones((3, 2))),
     "index 5 is out of range"),
    (ut.ShapeError, lambda: F.bilinear(ut.ones((2, 3)), ut.ones((3, 4)), ut.ones((1, 3, 4))),
     "same leading dimensions"),
    (ValueError, lambda: F.gumbel_softmax(ut.ones(3), tau=0.0), "tau must be a positive number"),
]


@pytest.mark.parametrize("exc, fn, match", ERRORS, ids=[f"{e[0].__name__}-{i}"
                                                         for i, e in enumerate(ERRORS)])
def test_bad_input_raises_one_message(backends, exc, fn, match):
    same_error(backends, exc, fn, match=match)
