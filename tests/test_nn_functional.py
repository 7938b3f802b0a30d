"""``unitorch.nn.functional`` against NumPy float64 references written here (convolution
by shifted windows, pooling window by window, norms by formula) and across backends,
over generated shapes and parameters; plus its errors, which must read the same on
every backend.  No gradients are tested here."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import unitorch as ut
import unitorch.nn.functional as F
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

FLOATS = st.sampled_from([ut.float32, ut.float64])


def _f64(a):
    return np.asarray(a).astype(np.float64)


def _bounded(d, shape, bound=1.0):
    return uts.arrays(d, shape, min_value=-bound, max_value=bound)


# ---------------------------------------------------------------------------------------
# NumPy float64 references


def ref_conv2d(x, w, b, stride, pads, dilation, groups):
    """Cross-correlation as a sum over kernel taps of strided, shifted input windows."""
    x = np.pad(_f64(x), ((0, 0), (0, 0), pads[0], pads[1]))
    w = _f64(w)
    n, _, h, wd = x.shape
    c_out, c_group, kh, kw = w.shape
    ho = (h - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    wo = (wd - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c_out, ho, wo))
    per_group = c_out // groups
    for g in range(groups):
        xs = x[:, g * c_group:(g + 1) * c_group]
        ws = w[g * per_group:(g + 1) * per_group]
        for i in range(kh):
            for j in range(kw):
                h0, w0 = i * dilation[0], j * dilation[1]
                patch = xs[:, :, h0:h0 + stride[0] * (ho - 1) + 1:stride[0],
                           w0:w0 + stride[1] * (wo - 1) + 1:stride[1]]
                out[:, g * per_group:(g + 1) * per_group] += np.einsum(
                    "nchw,oc->nohw", patch, ws[:, :, i, j])
    if b is not None:
        out += _f64(b)[None, :, None, None]
    return out


def conv_pads(padding, kernel, dilation):
    """((top, bottom), (left, right)) for conv2d's padding argument."""
    if padding == "valid":
        return (0, 0), (0, 0)
    if padding == "same":
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        return tuple((t // 2, t - t // 2) for t in totals)
    p = (padding, padding) if isinstance(padding, int) else padding
    return (p[0], p[0]), (p[1], p[1])


def pool_out(n, k, s, p, ceil_mode):
    """PyTorch's pooling output size (ceil mode: the last window starts inside)."""
    span = n + 2 * p - k
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def ref_pool(x, kind, k, s, p, ceil_mode, count_include_pad=True, divisor_override=None):
    """Window by window: max lets NaN win; avg divides by the window within the padded
    input (count_include_pad), by its real elements, or by divisor_override."""
    x = _f64(x)
    n, c, h, w = x.shape
    ho, wo = pool_out(h, k[0], s[0], p[0], ceil_mode), pool_out(w, k[1], s[1], p[1], ceil_mode)
    out = np.zeros((n, c, ho, wo))
    for i in range(ho):
        for j in range(wo):
            h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
            h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
            a0, b0, a1, b1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            win = x[:, :, a0:a1, b0:b1].reshape(n, c, -1)
            if kind == "max":
                with np.errstate(invalid="ignore"):
                    out[:, :, i, j] = np.where(np.isnan(win).any(-1), np.nan, win.max(-1))
            else:
                if divisor_override:
                    div = divisor_override
                elif count_include_pad:
                    div = (h1 - h0) * (w1 - w0)
                else:
                    div = (a1 - a0) * (b1 - b0)
                out[:, :, i, j] = win.sum(-1) / div
    return out


def ref_layer_norm(x, k, w, b, eps):
    x = _f64(x)
    axes = tuple(range(x.ndim - k, x.ndim))
    m = x.mean(axes, keepdims=True)
    v = ((x - m) ** 2).mean(axes, keepdims=True)
    y = (x - m) / np.sqrt(v + eps)
    if w is not None:
        y = y * _f64(w)
    if b is not None:
        y = y + _f64(b)
    return y, v


def ref_batch_norm(x, rm, rv, w, b, training, momentum, eps):
    """PyTorch's rule: normalize with the biased batch variance, update the running
    variance with the unbiased one."""
    x = _f64(x)
    axes = (0, *range(2, x.ndim))
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    if training:
        m = x.mean(axes)
        v = ((x - m.reshape(shape)) ** 2).mean(axes)
        count = x.size // x.shape[1]
        if rm is not None:
            rm = (1 - momentum) * _f64(rm) + momentum * m
            rv = (1 - momentum) * _f64(rv) + momentum * v * count / (count - 1)
    else:
        m, v = _f64(rm), _f64(rv)
    y = (x - m.reshape(shape)) / np.sqrt(v.reshape(shape) + eps)
    if w is not None:
        y = y * _f64(w).reshape(shape)
    if b is not None:
        y = y + _f64(b).reshape(shape)
    return y, v, rm, rv


_erfc = np.vectorize(math.erfc, otypes=[np.float64])


def ref_gelu(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return 0.5 * x * _erfc(-x / math.sqrt(2))


def ref_gelu_tanh(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def ref_silu(x):
    x = _f64(x)
    with np.errstate(all="ignore"):
        return x / (1 + np.exp(-x))


def ref_relu(x):
    if x.dtype.kind in "iu":
        return np.maximum(x, 0)
    x = _f64(x)
    return np.where(np.isnan(x), np.nan, np.maximum(x, 0))


# ---------------------------------------------------------------------------------------
# activations

ACTIVATIONS = {
    # name -> (function, reference, tolerance family)
    "relu": (F.relu, ref_relu, "exact"),
    "gelu": (F.gelu, ref_gelu, "composite"),
    "gelu_tanh": (lambda x: F.gelu(x, approximate="tanh"), ref_gelu_tanh, "composite"),
    "silu": (F.silu, ref_silu, "composite"),
}


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
@given(data=st.data())
def test_activations_match_numpy_and_backends(backends, name, data):
    fn, reference, family = ACTIVATIONS[name]
    d = data.draw(uts.dtypes("f", half=True), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes()), label="x")
    check(on_backends(backends, fn, x), reference(x), d, family, shape=x.shape)


@given(data=st.data())
def test_relu_keeps_integers(backends, data):
    d = data.draw(uts.dtypes("iu"), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes()), label="x")
    check(on_backends(backends, F.relu, x), np.maximum(x, 0), d, shape=x.shape)


@pytest.mark.parametrize("name", ["gelu", "gelu_tanh", "silu"])
def test_smooth_activations_compute_integers_in_the_default_float(backends, name):
    fn, reference, family = ACTIVATIONS[name]
    x = np.array([-3, 0, 2], np.int64)
    check(on_backends(backends, fn, x), reference(x), ut.float32, family)


def test_inplace_stores_the_result_in_the_input(backends):
    x = np.array([-1.0, 2.0], np.float32)
    for b in backends:
        with ut.use_backend(b):
            for fn, ref in ((F.relu, ref_relu), (F.silu, ref_silu)):
                t = ut.asarray(x)
                out = fn(t, inplace=True)
                assert out is t
                ut.testing.assert_close(t, ref(x).astype(np.float32), msg=b)


def test_reused_activations_are_the_top_level_functions():
    assert F.sigmoid is ut.sigmoid and F.tanh is ut.tanh
    assert F.softmax is ut.softmax and F.log_softmax is ut.log_softmax


def test_softmax_along_a_dim(backends):
    x = np.array([[1.0, 2.0, 3.0], [0.0, -np.inf, 1.0]])
    e = np.exp(x - x.max(1, keepdims=True))
    check(on_backends(backends, lambda t: F.softmax(t, dim=1), x),
          e / e.sum(1, keepdims=True), ut.float64, "composite")
    check(on_backends(backends, lambda t: F.log_softmax(t, 1), x),
          np.log(e / e.sum(1, keepdims=True)), ut.float64, "composite")


# ---------------------------------------------------------------------------------------
# linear


@given(data=st.data())
def test_linear_matches_numpy_and_backends(backends, data):
    d = data.draw(FLOATS, label="dtype")
    lead = data.draw(uts.shapes(max_dims=2, max_side=3), label="leading shape")
    n_in, n_out = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    x = data.draw(_bounded(d, (*lead, n_in)), label="x")
    w = data.draw(_bounded(d, (n_out, n_in)), label="weight")
    b = data.draw(st.none() | _bounded(d, (n_out,)), label="bias")
    ref = _f64(x) @ _f64(w).T + (0 if b is None else _f64(b))
    size = np.abs(_f64(x)) @ np.abs(_f64(w)).T + (0 if b is None else np.abs(_f64(b)))
    results = on_backends(backends, F.linear, x, w, b)
    check(results, ref, d, "matmul", scale=n_in * max(1.0, size.max(initial=0)),
          shape=(*lead, n_out))


def test_linear_promotes_its_operands(backends):
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    w = np.ones((2, 3))
    check(on_backends(backends, F.linear, x, w, np.array([1.0, 2.0], np.float32)),
          _f64(x) @ w.T + [1.0, 2.0], ut.float64, "matmul", scale=3)


def test_linear_accepts_complex(backends):
    x = np.array([[1 + 1j, 2.0]], np.complex64)
    w = np.array([[1j, 1.0], [2.0, -1j]], np.complex64)
    check(on_backends(backends, F.linear, x, w), x @ w.T, ut.complex64, "matmul", scale=2)


# ---------------------------------------------------------------------------------------
# conv2d


@st.composite
def conv_cases(draw):
    d = draw(FLOATS, label="dtype")
    groups = draw(st.integers(1, 2), label="groups")
    c_group = draw(st.integers(1, 4 // groups), label="C_in / groups")
    c_out = groups * draw(st.integers(1, 4 // groups), label="C_out / groups")
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    options = [st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
               st.just("valid")]
    if stride == (1, 1):
        options.append(st.just("same"))
    padding = draw(st.one_of(*options), label="padding")
    pads = conv_pads(padding, kernel, dilation)
    size = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    for i in range(2):
        assume(size[i] + sum(pads[i]) >= dilation[i] * (kernel[i] - 1) + 1)
    n = draw(st.integers(1, 2), label="N")
    x = draw(_bounded(d, (n, groups * c_group, *size)), label="x")
    w = draw(_bounded(d, (c_out, c_group, *kernel)), label="weight")
    b = draw(st.none() | _bounded(d, (c_out,)), label="bias")

    def spell(pair):  # PyTorch accepts an int for equal sides
        return pair[0] if pair[0] == pair[1] and draw(st.booleans()) else pair

    return d, x, w, b, spell(stride), padding, spell(dilation), groups, (stride, pads,
                                                                        dilation)


@given(case=conv_cases())
def test_conv2d_matches_numpy_and_backends(backends, case):
    d, x, w, b, stride, padding, dilation, groups, (st_, pads, dil) = case
    ref = ref_conv2d(x, w, b, st_, pads, dil, groups)
    size = ref_conv2d(np.abs(x), np.abs(w), None if b is None else np.abs(b), st_, pads,
                      dil, groups)
    k = w.shape[1] * w.shape[2] * w.shape[3]
    results = on_backends(backends, F.conv2d, x, w, b, stride, padding, dilation, groups)
    check(results, ref, d, "matmul", scale=k * max(1.0, size.max(initial=0)), shape=ref.shape)


def test_conv2d_unbatched_and_empty_batch(backends):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 5, 4))
    w = rng.uniform(-1, 1, (3, 2, 3, 2))
    ref = ref_conv2d(x[None], w, None, (2, 1), ((1, 1), (0, 0)), (1, 1), 1)[0]
    check(on_backends(backends, lambda a, b: F.conv2d(a, b, stride=(2, 1), padding=(1, 0)),
                      x, w), ref, ut.float64, "matmul", scale=12 * 12, shape=(3, 3, 3))
    empty = np.zeros((0, 2, 5, 4))
    check(on_backends(backends, F.conv2d, empty, w), np.zeros((0, 3, 3, 3)), ut.float64)
    lists = on_backends(backends, lambda a, b: F.conv2d(a, b, stride=[2, 1], padding=[1, 0]),
                        x[None], w)  # lists, unhashable, take the uncached path
    check(lists, ref[None], ut.float64, "matmul", scale=12 * 12)


def test_conv2d_promotes_its_operands(backends):
    x = np.ones((1, 1, 3, 3), np.float32)
    w = np.ones((1, 1, 2, 2))
    check(on_backends(backends, F.conv2d, x, w), np.full((1, 1, 2, 2), 4.0), ut.float64)


# ---------------------------------------------------------------------------------------
# pooling


@st.composite
def pool_cases(draw, kind):
    d = draw(FLOATS, label="dtype")
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.none() | st.tuples(st.integers(1, 3), st.integers(1, 3)), label="stride")
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    ceil_mode = draw(st.booleans(), label="ceil_mode")
    size = (draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    s = kernel if stride is None else stride
    for i in range(2):
        assume(pool_out(size[i], kernel[i], s[i], padding[i], ceil_mode) >= 1)
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 4)), *size)
    if kind == "max":  # NaN and infinities included
        x = draw(uts.arrays(d, shape), label="x")
    else:
        x = draw(uts.arrays(d, shape, min_value=-100, max_value=100), label="x")
    return d, x, kernel, stride, s, padding, ceil_mode


@given(case=pool_cases("max"))
def test_max_pool2d_matches_numpy_and_backends(backends, case):
    d, x, kernel, stride, s, padding, ceil_mode = case
    ref = ref_pool(x, "max", kernel, s, padding, ceil_mode)
    results = on_backends(backends, F.max_pool2d, x, kernel, stride, padding,
                          ceil_mode=ceil_mode)
    check(results, ref, d, "exact", shape=ref.shape)


@given(case=pool_cases("avg"), count_include_pad=st.booleans(),
       divisor_override=st.none() | st.integers(1, 5))
def test_avg_pool2d_matches_numpy_and_backends(backends, case, count_include_pad,
                                               divisor_override):
    d, x, kernel, stride, s, padding, ceil_mode = case
    ref = ref_pool(x, "avg", kernel, s, padding, ceil_mode, count_include_pad,
                   divisor_override)
    results = on_backends(backends, F.avg_pool2d, x, kernel, stride, padding, ceil_mode,
                          count_include_pad, divisor_override)
    window = kernel[0] * kernel[1]
    check(results, ref, d, "reduction",
          scale=window * max(1.0, float(np.abs(_f64(x)).max(initial=0))), shape=ref.shape)


def test_pools_accept_unbatched_input(backends):
    x = np.arange(2 * 5 * 5, dtype=np.float64).reshape(2, 5, 5)
    check(on_backends(backends, lambda t: F.max_pool2d(t, 3, 2, 1), x),
          ref_pool(x[None], "max", (3, 3), (2, 2), (1, 1), False)[0], ut.float64)
    check(on_backends(backends, lambda t: F.avg_pool2d(t, 2, [], ceil_mode=True), x),
          ref_pool(x[None], "avg", (2, 2), (2, 2), (0, 0), True)[0], ut.float64,
          "reduction", scale=4 * 50)


def test_max_pool2d_lets_nan_win(backends):
    x = np.array([[[[1.0, np.nan], [3.0, 2.0]]]], np.float32)
    check(on_backends(backends, F.max_pool2d, x, 2), np.full((1, 1, 1, 1), np.nan),
          ut.float32)


def test_references_agree_with_pytorch():
    """The references above encode PyTorch's rules; check them against PyTorch itself."""
    torch = pytest.importorskip("torch")
    tf_ = torch.nn.functional
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 5, 6))
    for k, s, p, ceil, cip, div in [((3, 2), (2, 2), (1, 1), True, True, None),
                                    ((2, 2), (3, 2), (1, 0), True, False, None),
                                    ((3, 3), (2, 3), (1, 1), True, True, 5),
                                    ((2, 3), (1, 1), (0, 1), False, False, None)]:
        got = tf_.avg_pool2d(torch.tensor(x), k, s, p, ceil, cip, div).numpy()
        np.testing.assert_allclose(ref_pool(x, "avg", k, s, p, ceil, cip, div), got,
                                   rtol=1e-12)
        got = tf_.max_pool2d(torch.tensor(x), k, s, p, ceil_mode=ceil).numpy()
        np.testing.assert_array_equal(ref_pool(x, "max", k, s, p, ceil), got)
    w = rng.standard_normal((4, 1, 2, 3))
    got = tf_.conv2d(torch.tensor(x[:, :2]), torch.tensor(w), None, 1, "same", (2, 1), 2)
    np.testing.assert_allclose(
        ref_conv2d(x[:, :2], w, None, (1, 1), conv_pads("same", (2, 3), (2, 1)), (2, 1), 2),
        got.numpy(), rtol=1e-12, atol=1e-12)
    rm, rv = rng.standard_normal(3), rng.uniform(0.5, 2, 3)
    trm, trv = torch.tensor(rm), torch.tensor(rv)
    got = tf_.batch_norm(torch.tensor(x), trm, trv, None, None, True, 0.3, 1e-3).numpy()
    y, _, rm2, rv2 = ref_batch_norm(x, rm, rv, None, None, True, 0.3, 1e-3)
    np.testing.assert_allclose(y, got, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(rm2, trm.numpy(), rtol=1e-12)
    np.testing.assert_allclose(rv2, trv.numpy(), rtol=1e-12)


# ---------------------------------------------------------------------------------------
# normalization


def _norm_scale(x, v, eps, count, *params):
    """Error budget of a normalization in units of eps: the mean and variance of
    ``count`` elements, magnified by 1 / sqrt(var + eps), times the parameters' size."""
    spread = float(np.abs(_f64(x)).max(initial=0)) / math.sqrt(float(v.min(initial=1)) + eps)
    size = max([1.0] + [float(np.abs(_f64(p)).max()) for p in params if p is not None])
    return count * max(1.0, spread) * size


@given(data=st.data())
def test_layer_norm_matches_numpy_and_backends(backends, data):
    d = data.draw(FLOATS, label="dtype")
    lead = data.draw(uts.shapes(max_dims=2, min_side=1, max_side=3), label="leading shape")
    ns = data.draw(uts.shapes(min_dims=1, max_dims=2, min_side=1, max_side=4),
                   label="normalized_shape")
    x = data.draw(_bounded(d, (*lead, *ns), 10.0), label="x")
    w = data.draw(st.none() | _bounded(d, ns, 2.0), label="weight")
    b = data.draw(st.none() | _bounded(d, ns, 2.0), label="bias")
    eps = data.draw(st.sampled_from([1e-5, 1e-3]), label="eps")
    spelled = ns[0] if len(ns) == 1 and data.draw(st.booleans()) else list(ns)
    ref, v = ref_layer_norm(x, len(ns), w, b, eps)
    results = on_backends(backends, F.layer_norm, x, spelled, w, b, eps)
    check(results, ref, d, "composite", scale=_norm_scale(x, v, eps, math.prod(ns), w, b),
          shape=x.shape)


@st.composite
def batch_norm_cases(draw):
    d = draw(FLOATS, label="dtype")
    c = draw(st.integers(1, 4), label="C")
    spatial = draw(uts.shapes(max_dims=2, min_side=1, max_side=3), label="spatial")
    n = draw(st.integers(1, 3), label="N")
    assume(n * math.prod(spatial) > 1)
    x = draw(_bounded(d, (n, c, *spatial), 10.0), label="x")
    training = draw(st.booleans(), label="training")
    with_stats = not training or draw(st.booleans(), label="running stats")
    rm = draw(_bounded(d, (c,), 5.0)) if with_stats else None
    rv = draw(uts.arrays(d, (c,), min_value=0.125, max_value=5.0)) if with_stats else None
    w = draw(st.none() | _bounded(d, (c,), 2.0), label="weight")
    b = draw(st.none() | _bounded(d, (c,), 2.0), label="bias")
    momentum = draw(st.sampled_from([0.1, 0.5, 1.0, 0.0]), label="momentum")
    eps = draw(st.sampled_from([1e-5, 1e-3]), label="eps")
    return d, x, rm, rv, w, b, training, momentum, eps


@given(case=batch_norm_cases())
def test_batch_norm_matches_numpy_and_backends(backends, case):
    d, x, rm, rv, w, b, training, momentum, eps = case
    ref, v, rm_ref, rv_ref = ref_batch_norm(x, rm, rv, w, b, training, momentum, eps)

    def run(xt, wt, bt):  # fresh running statistics per backend: they are updated in place
        rmt, rvt = (None if a is None else ut.asarray(a.copy()) for a in (rm, rv))
        out = F.batch_norm(xt, rmt, rvt, wt, bt, training, momentum, eps)
        return out, rmt, rvt

    results = on_backends(backends, run, x, w, b)
    count = x.size // x.shape[1]
    scale = _norm_scale(x, v, eps, count, w, b)
    check({k: r[0] for k, r in results.items()}, ref, d, "composite", scale=scale,
          shape=x.shape)
    if rm is not None:
        stat_scale = count * max(1.0, float(np.abs(_f64(x)).max()) ** 2, float(rv.max()))
        check({k: r[1] for k, r in results.items()}, rm_ref, d, "composite", scale=stat_scale)
        check({k: r[2] for k, r in results.items()}, rv_ref, d, "composite", scale=stat_scale)


def test_batch_norm_updates_a_tensorflow_variable_in_place(backends):
    if "tensorflow" not in backends:
        pytest.skip("needs the tensorflow backend")
    import tensorflow as tf

    x = np.array([[1.0, 2.0], [3.0, 6.0]], np.float32)
    with ut.use_backend("tensorflow"):
        mean, var = tf.Variable(np.zeros(2, np.float32)), tf.Variable(np.ones(2, np.float32))
        rm, rv = ut.from_native(mean), ut.from_native(var)
        F.batch_norm(ut.asarray(x), rm, rv, training=True, momentum=0.5)
        assert rm.native is mean and rv.native is var
        np.testing.assert_allclose(mean.numpy(), [1.0, 2.0], rtol=1e-6)
        np.testing.assert_allclose(var.numpy(), [1.5, 4.5], rtol=1e-6)


@pytest.mark.parametrize("d", [ut.float16, ut.bfloat16])
def test_norms_compute_half_precision_in_float32(backends, d):
    """Squares of 300 overflow float16; computed in float32 they do not."""
    x = np.array([[300.0, -200.0, 100.0, 50.0]] * 2).astype(d.numpy)
    ref, _ = ref_layer_norm(x, 1, None, None, 1e-5)
    check(on_backends(backends, lambda t: F.layer_norm(t, 4), x), ref, d, "composite",
          shape=x.shape)
    xb = x.reshape(2, 4, 1)
    rm, rv = np.zeros(4, np.float32), np.ones(4, np.float32)
    ref, _, rm_ref, _ = ref_batch_norm(xb, rm, rv, None, None, True, 0.1, 1e-5)

    def run(t):
        m, s = ut.asarray(rm.copy()), ut.asarray(rv.copy())
        return F.batch_norm(t, m, s, training=True), m

    results = on_backends(backends, run, xb)
    check({k: r[0] for k, r in results.items()}, ref, d, "composite", scale=2)
    check({k: r[1] for k, r in results.items()}, rm_ref, ut.float32, "composite", scale=2)


# ---------------------------------------------------------------------------------------
# embedding


@given(data=st.data())
def test_embedding_matches_numpy_and_backends(backends, data):
    num, dim = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 4))
    di = data.draw(st.sampled_from([ut.int64, ut.int32, ut.int8, ut.uint8]), label="index dtype")
    dw = data.draw(uts.dtypes("f", half=True), label="weight dtype")
    idx = data.draw(uts.arrays(di, uts.shapes(max_dims=2), min_value=0, max_value=num - 1),
                    label="indices")
    w = data.draw(uts.arrays(dw, (num, dim)), label="weight")
    padding_idx = data.draw(st.none() | st.integers(-num, num - 1), label="padding_idx")
    results = on_backends(backends, lambda i, t: F.embedding(i, t, padding_idx), idx, w)
    check(results, _f64(w)[idx.astype(np.int64)], dw, shape=(*idx.shape, dim))


# ---------------------------------------------------------------------------------------
# errors: one message on every backend

F32 = np.float32
IMG = np.zeros((1, 4, 5, 5), F32)
W4 = np.zeros((2, 4, 3, 3), F32)


@pytest.mark.parametrize(
    "exc, fn, arrays, match",
    [
        (ut.ShapeError, F.conv2d, (np.zeros((4, 5), F32), W4), r"3-D \(C, H, W\) or 4-D"),
        (ut.ShapeError, F.conv2d, (np.zeros((1, 1, 4, 5, 5), F32), W4), "got shape"),
        (ut.ShapeError, F.conv2d, (IMG, np.zeros((2, 4, 3), F32)), "4-D weight"),
        (ut.ShapeError, F.conv2d, (IMG, np.zeros((2, 3, 3, 3), F32)), "4 channels"),
        (ut.ShapeError, lambda x, w: F.conv2d(x, w, groups=2), (IMG, W4), "expects 8"),
        (ValueError, lambda x, w: F.conv2d(x, w, groups=3), (IMG, np.zeros((3, 1, 1, 1), F32)),
         "4 input channels are not divisible by groups=3"),
        (ValueError, lambda x, w: F.conv2d(x, w, groups=2), (IMG, np.zeros((3, 2, 1, 1), F32)),
         "3 output channels"),
        (ValueError, lambda x, w: F.conv2d(x, w, groups=0), (IMG, W4), "groups must be"),
        (ut.ShapeError, F.conv2d, (IMG, np.zeros((2, 4, 6, 1), F32)), "kernel height 6"),
        (ut.ShapeError, lambda x, w: F.conv2d(x, w, dilation=3), (IMG, W4), "kernel height 7"),
        (ValueError, lambda x, w: F.conv2d(x, w, padding="full"), (IMG, W4),
         "padding must be 'valid', 'same'"),
        (ValueError, lambda x, w: F.conv2d(x, w, stride=2, padding="same"), (IMG, W4),
         "needs stride 1"),
        (ValueError, lambda x, w: F.conv2d(x, w, padding=-1), (IMG, W4), "non-negative"),
        (ValueError, lambda x, w: F.conv2d(x, w, stride=(1, 0)), (IMG, W4), "positive"),
        (TypeError, lambda x, w: F.conv2d(x, w, stride=(1, 2, 3)), (IMG, W4), "pair of ints"),
        (ut.ShapeError, F.conv2d, (IMG, W4, np.zeros(3, F32)), r"bias must have shape \(2,\)"),
        (ut.DTypeError, F.conv2d, (IMG.astype(np.int64), W4.astype(np.int64)),
         "real floating"),
        (ut.ShapeError, F.max_pool2d, (IMG, 6), "kernel height 6 is larger"),
        (ValueError, lambda x: F.max_pool2d(x, 3, padding=2), (IMG,), "at most half"),
        (ut.DTypeError, F.max_pool2d, (IMG.astype(np.int32), 2), "real floating"),
        (ut.DTypeError, F.avg_pool2d, (IMG.astype(np.int32), 2), "real floating"),
        (NotImplementedError, lambda x: F.max_pool2d(x, 2, dilation=2), (IMG,), "dilation"),
        (NotImplementedError, lambda x: F.max_pool2d(x, 2, return_indices=True), (IMG,),
         "return_indices"),
        (ut.ShapeError, F.avg_pool2d, (np.zeros((5, 5), F32), 2), "got shape"),
        (ValueError, lambda x: F.avg_pool2d(x, 2, divisor_override=0), (IMG,),
         "divisor_override"),
        (ut.ShapeError, F.linear, (np.zeros((2, 3), F32), np.zeros((4, 5), F32)),
         "3 features"),
        (ut.ShapeError, F.linear, (np.zeros((2, 3), F32), np.zeros(3, F32)), "2-D weight"),
        (ut.ShapeError, F.linear, (np.zeros((2, 3), F32), np.zeros((4, 3), F32),
                                   np.zeros(3, F32)), "bias"),
        (ut.DTypeError, F.linear, (np.zeros((2, 3), np.int64), np.zeros((4, 3), np.int64)),
         "floating"),
        (ut.ShapeError, lambda x: F.layer_norm(x, (4, 4)), (IMG,), "normalized_shape"),
        (ut.ShapeError, lambda x, w: F.layer_norm(x, 5, w), (IMG, np.ones(4, F32)),
         "weight must have shape"),
        (ut.DTypeError, lambda x: F.layer_norm(x, 5), (IMG.astype(np.int64),),
         "real floating"),
        (ValueError, lambda x: F.batch_norm(x, None, None), (IMG,), "needed when not"),
        (ValueError, lambda x: F.batch_norm(x, None, None, training=True),
         (np.zeros((1, 4), F32),), "more than 1 value per channel"),
        (ut.ShapeError, F.batch_norm, (IMG, np.zeros(3, F32), np.ones(3, F32)),
         r"running_mean must have shape \(4,\)"),
        (ut.ShapeError, lambda x: F.batch_norm(x, None, None, training=True),
         (np.zeros(4, F32),), r"\(N, C, \.\.\.\)"),
        (ut.DTypeError, lambda x: F.batch_norm(x, None, None, training=True),
         (IMG.astype(np.int32),), "real floating"),
        (ut.IndexOutOfRangeError, F.embedding, (np.array([0, 3]), np.zeros((3, 2), F32)),
         "index 3 is out of range for 3 embeddings"),
        (ut.IndexOutOfRangeError, F.embedding, (np.array([[-1]]), np.zeros((3, 2), F32)),
         "index -1"),
        (ut.DTypeError, F.embedding, (np.array([0.0]), np.zeros((3, 2), F32)), "integers"),
        (ut.ShapeError, F.embedding, (np.array([0]), np.zeros(3, F32)), "2-D weight"),
        (ValueError, lambda i, w: F.embedding(i, w, padding_idx=3),
         (np.array([0]), np.zeros((3, 2), F32)), "padding_idx 3"),
        (ValueError, lambda x: F.gelu(x, approximate="fast"), (IMG,), "approximate"),
    ],
)
def test_bad_arguments_raise_one_message(backends, exc, fn, arrays, match):
    same_error(backends, exc, fn, *arrays, match=match)


# ---------------------------------------------------------------------------------------
# inside a compiled TensorFlow function (shapes known, values symbolic)


def test_functions_trace_inside_tf_function(backends):
    if "tensorflow" not in backends:
        pytest.skip("needs the tensorflow backend")
    import tensorflow as tf

    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 3, 6, 6)).astype(np.float32)
    w = rng.standard_normal((4, 3, 3, 3)).astype(np.float32)
    idx = np.array([[1, 0, 2]])
    table = rng.standard_normal((3, 5)).astype(np.float32)

    def body(xn, wn, mean, var, idn, tn):
        t = ut.from_native(xn)
        y = F.relu(F.conv2d(t, ut.from_native(wn), stride=2, padding="valid"))
        y = F.batch_norm(y, ut.from_native(mean), ut.from_native(var), training=True)
        y = F.avg_pool2d(F.max_pool2d(y, 2, 1, ceil_mode=True), 2, ceil_mode=True)
        e = F.embedding(ut.from_native(idn), ut.from_native(tn))
        return y.native, F.layer_norm(F.gelu(e), 5).native

    with ut.use_backend("tensorflow"):
        eager_vars = tf.Variable(np.zeros(4, np.float32)), tf.Variable(np.ones(4, np.float32))
        graph_vars = tf.Variable(np.zeros(4, np.float32)), tf.Variable(np.ones(4, np.float32))
        args = [tf.constant(a) for a in (x, w)], [tf.constant(a) for a in (idx, table)]
        eager = body(*args[0], *eager_vars, *args[1])
        # autograph off, as ut.compile does (unitorch code is plain Python around ops)
        traced = tf.function(body, autograph=False)(*args[0], *graph_vars, *args[1])
    for a, b in zip(eager, traced):
        np.testing.assert_allclose(np.asarray(a), b.numpy(), rtol=1e-5, atol=1e-6)
    for a, b in zip(eager_vars, graph_vars):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(graph_vars[1].numpy(), 1.0)  # the running variance was updated
