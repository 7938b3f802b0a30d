"""Training-mode behaviour of the layers: Dropout (masks, scaling, portable masks that
match across backends, gradients), BatchNorm's running statistics over several steps
against NumPy (PyTorch's momentum conventions, the cumulative average), train/eval
modes, and both inside ``ut.compile``."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import unitorch as ut
from unitorch.nn._dropout import dropout
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import check, on_backends, same_error

nn = ut.nn

# ---------------------------------------------------------------------------------------
# Dropout


def test_dropout_is_the_identity_in_eval_mode_and_for_p_zero(backend):
    x = ut.random.randn(4, 5)
    drop = nn.Dropout(0.4).eval()
    assert drop(x) is x
    assert dropout(x, 0.0) is x
    assert dropout(x, 0.9, training=False) is x


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeros_a_fraction_p_and_scales_the_rest(backend, p):
    ut.manual_seed(0)
    x = np.random.default_rng(0).uniform(1, 2, 40_000).astype(np.float32)
    out = nn.Dropout(p)(ut.asarray(x)).numpy()
    kept = out != 0
    # kept elements are x / (1 - p), rounded once
    np.testing.assert_array_equal(out[kept], (x[kept] * np.float32(1 / (1 - p))))
    # the dropped fraction is binomial: within 6 standard deviations of p
    sd = math.sqrt(p * (1 - p) / x.size)
    assert abs((~kept).mean() - p) < 6 * sd


def test_dropout_p_one_gives_zeros_and_nan_stays_as_in_torch(backends):
    x = np.array([1.0, -2.0, np.nan, np.inf], np.float32)
    results = on_backends(backends, lambda t: dropout(t, 1.0), x)
    expected = torch.nn.functional.dropout(torch.tensor(x), 1.0).numpy()  # x * 0
    check(results, expected, ut.float32)


def test_portable_dropout_masks_match_across_backends(backends):
    x = np.random.default_rng(1).normal(size=(8, 16)).astype(np.float32)

    def run(t):
        with ut.random.portable(True):
            ut.manual_seed(123)
            drop = nn.Dropout(0.3)
            return drop(t), drop(t)  # two steps: two different masks

    results = on_backends(backends, run, x)
    first = results[backends[0]]
    assert not np.array_equal(first[0].numpy() != 0, first[1].numpy() != 0)
    for b in backends:
        for step in range(2):
            np.testing.assert_array_equal(results[b][step].numpy(), first[step].numpy(),
                                          err_msg=f"{b}, step {step}")


def test_native_dropout_is_reproducible_per_backend(backend):
    x = ut.ones((64,))
    ut.manual_seed(5)
    a, b = dropout(x, 0.5), dropout(x, 0.5)
    ut.manual_seed(5)
    c = dropout(x, 0.5)
    np.testing.assert_array_equal(a.numpy(), c.numpy())
    assert not np.array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("d", [ut.float16, ut.bfloat16, ut.float64])
def test_dropout_keeps_the_dtype(backend, d):
    ut.manual_seed(0)
    x = ut.full((1000,), 3.0, dtype=d)
    out = dropout(x, 0.25)
    assert out.dtype is d
    vals = set(np.unique(out.numpy().astype(np.float64)).tolist())
    assert vals == {0.0, float(np.asarray(4.0, d.numpy))}  # 3 / 0.75, exact


def test_dropout_gradient_is_the_scaled_mask(backend):
    x = np.random.default_rng(2).uniform(1, 2, (6, 7))
    v = np.random.default_rng(3).normal(size=(6, 7))
    with ut.random.portable(True):
        ut.manual_seed(9)
        out = dropout(ut.asarray(x), 0.4).numpy()
        ut.manual_seed(9)  # the same mask again, now differentiated
        g = ut.grad(lambda t: ut.sum(ut.reshape(dropout(t, 0.4) * ut.asarray(v), (-1,))))(
            ut.asarray(x))
    mask = out != 0
    assert_close(g, np.where(mask, v / 0.6, 0.0), *family_tolerance("exact", ut.float64))


def test_dropout_inplace_stores_the_result(backend):
    ut.manual_seed(0)
    x = ut.ones(100)
    out = nn.Dropout(0.5, inplace=True)(x)
    assert out is x and set(np.unique(x.numpy()).tolist()) == {0.0, 2.0}


def test_dropout_errors_read_the_same(backends):
    same_error(backends, ValueError, lambda t: dropout(t, -0.1), np.ones(2, np.float32),
               match="between 0 and 1, but got -0.1")
    same_error(backends, TypeError, lambda t: dropout(t, "0.5"), np.ones(2, np.float32),
               match="must be a number")
    same_error(backends, ut.DTypeError, lambda t: dropout(t, 0.5), np.ones(2, np.int64),
               match="floating")


# ---------------------------------------------------------------------------------------
# BatchNorm running statistics


def numpy_batch_norm_run(xs, momentum, eps=1e-5):
    """Outputs and running statistics of PyTorch's BatchNorm (weight 1, bias 0) in
    training mode over the batches ``xs``: momentum ``m`` blends ``(1 - m) running + m
    batch``; ``None`` keeps the cumulative average (factor ``1 / step``); the running
    variance takes the unbiased batch variance."""
    c = xs[0].shape[1]
    rm, rv = np.zeros(c), np.ones(c)
    outs = []
    for step, x in enumerate(xs, 1):
        x = x.astype(np.float64)
        axes = (0, *range(2, x.ndim))
        shape = (1, c) + (1,) * (x.ndim - 2)
        m, v = x.mean(axes), x.var(axes)
        n = x.size // c
        f = 1 / step if momentum is None else momentum
        rm = (1 - f) * rm + f * m
        rv = (1 - f) * rv + f * v * n / (n - 1)
        outs.append((x - m.reshape(shape)) / np.sqrt(v.reshape(shape) + eps))
    return outs, rm, rv


@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
@pytest.mark.parametrize("kind, shape", [("1d", (6, 3)), ("1d", (4, 3, 5)),
                                         ("2d", (3, 3, 2, 4))])
def test_batch_norm_running_statistics_over_steps(backends, kind, shape, momentum):
    rng = np.random.default_rng(0)
    xs = [rng.normal(loc=i, scale=1 + i, size=shape).astype(np.float32) for i in range(4)]
    outs, rm, rv = numpy_batch_norm_run(xs, momentum)
    layer_type = nn.BatchNorm1d if kind == "1d" else nn.BatchNorm2d

    def run(*ts):
        bn = layer_type(3, momentum=momentum)
        ys = [bn(t) for t in ts]
        return ys, bn

    results = on_backends(backends, run, *xs)
    n = math.prod(shape) // 3
    # normalization of n values and running blends of their statistics (values up to ~10)
    for step in range(4):
        check({b: r[0][step] for b, r in results.items()}, outs[step], ut.float32,
              "composite", scale=4 * n)
    for _, bn in results.values():
        assert int(bn.num_batches_tracked) == 4 and bn.num_batches_tracked.dtype is ut.int64
    check({b: r[1].running_mean for b, r in results.items()}, rm, ut.float32, "composite",
          scale=4 * n)
    check({b: r[1].running_var for b, r in results.items()}, rv, ut.float32, "composite",
          scale=40 * n)


def test_batch_norm_eval_uses_and_keeps_running_statistics(backends):
    rng = np.random.default_rng(1)
    train_x = rng.normal(2.0, 3.0, (8, 2, 3, 3))
    test_x = rng.normal(size=(2, 2, 3, 3))
    _, rm, rv = numpy_batch_norm_run([train_x], 0.1)

    def run(a, b):
        bn = nn.BatchNorm2d(2, dtype=ut.float64)
        bn(a)
        bn.eval()
        out = bn(b)
        return out, bn

    results = on_backends(backends, run, train_x, test_x)
    expected = (test_x - rm.reshape(1, 2, 1, 1)) / np.sqrt(rv.reshape(1, 2, 1, 1) + 1e-5)
    check({b: r[0] for b, r in results.items()}, expected, ut.float64, "composite", scale=72)
    for _, bn in results.values():
        assert int(bn.num_batches_tracked) == 1  # eval does not count or update
        assert_close(bn.running_mean, rm, *family_tolerance("composite", ut.float64, 72))


def test_batch_norm_without_running_statistics(backend):
    bn = nn.BatchNorm1d(2, track_running_stats=False)
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == ["weight", "bias"]
    x = np.random.default_rng(0).normal(3, 2, (5, 2)).astype(np.float32)
    (out,), _, _ = numpy_batch_norm_run([x], 0.1)
    bn.eval()  # still the batch statistics, as PyTorch
    assert_close(bn(ut.asarray(x)), out, *family_tolerance("composite", ut.float32, 20))


def test_batch_norm_momentum_zero_freezes_and_one_replaces(backend):
    x = np.random.default_rng(3).normal(1, 2, (6, 2)).astype(np.float32)
    frozen, replaced = nn.BatchNorm1d(2, momentum=0.0), nn.BatchNorm1d(2, momentum=1.0)
    frozen(ut.asarray(x))
    replaced(ut.asarray(x))
    np.testing.assert_array_equal(frozen.running_mean.numpy(), [0, 0])
    np.testing.assert_array_equal(frozen.running_var.numpy(), [1, 1])
    tol = family_tolerance("composite", ut.float32, 12)
    assert_close(replaced.running_mean, x.astype(np.float64).mean(0), *tol)
    assert_close(replaced.running_var, x.astype(np.float64).var(0, ddof=1), *tol)


def test_batch_norm_half_input_with_float32_buffers(backends):
    x = (np.random.default_rng(4).normal(size=(4, 3, 2, 2)) * 100).astype(np.float16)
    (out,), rm, _ = numpy_batch_norm_run([x], 0.1)

    def run(t):
        bn = nn.BatchNorm2d(3)
        return bn(t), bn.running_mean

    results = on_backends(backends, run, x)
    check({b: r[0] for b, r in results.items()}, out, ut.float16, "composite", scale=4)
    check({b: r[1] for b, r in results.items()}, rm, ut.float32, "composite", scale=64)


def test_reset_running_stats(backend):
    bn = nn.BatchNorm1d(2)
    bn(ut.random.randn(4, 2))
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.numpy(), [0, 0])
    np.testing.assert_array_equal(bn.running_var.numpy(), [1, 1])
    assert int(bn.num_batches_tracked) == 0


# ---------------------------------------------------------------------------------------
# inside ut.compile (tf.function / torch.compile)


def test_batch_norm_and_dropout_inside_compile(backends):
    """One compiled step with two BatchNorms (momentum 0.1 and cumulative) and a portable
    dropout: the buffers advance in place on every run exactly as eagerly, the dropout
    masks are the portable stream's (the same on both backends), and a fresh compiled
    function in eval mode uses the running statistics."""
    rng = np.random.default_rng(0)
    xs = [rng.normal(i, 1 + i, (6, 3)).astype(np.float32) for i in range(3)]
    outs_a, rm_a, rv_a = numpy_batch_norm_run(xs, 0.1)
    outs_b, rm_b, rv_b = numpy_batch_norm_run(xs, None)
    seen = {}
    for b in backends:
        with ut.use_backend(b), ut.random.portable(True):
            bn_a, bn_b = nn.BatchNorm1d(3), nn.BatchNorm1d(3, momentum=None)
            drop = nn.Dropout(0.5)

            def step(x, bn_a=bn_a, bn_b=bn_b, drop=drop):
                return bn_a(x), bn_b(x), drop(ut.ones_like(x))

            compiled = ut.compile(step, fallback=False, torch={"backend": "aot_eager"})
            ut.manual_seed(7)
            results = [compiled(ut.asarray(x)) for x in xs]
            tol = family_tolerance("composite", ut.float32, 64)
            for i, (ya, yb, _) in enumerate(results):
                assert_close(ya, outs_a[i], *tol, msg=f"{b} step {i}")
                assert_close(yb, outs_b[i], *tol, msg=f"{b} step {i}")
            assert int(bn_a.num_batches_tracked) == 3 and int(bn_b.num_batches_tracked) == 3
            for got, want in ((bn_a.running_mean, rm_a), (bn_a.running_var, rv_a),
                              (bn_b.running_mean, rm_b), (bn_b.running_var, rv_b)):
                assert_close(got, want, *family_tolerance("composite", ut.float32, 640))
            masks = [r[2].numpy() for r in results]
            assert not np.array_equal(masks[0], masks[1])  # drawn anew on every run
            ut.manual_seed(7)
            eager = [drop(ut.ones((6, 3))).numpy() for _ in xs]
            for m, e in zip(masks, eager):
                np.testing.assert_array_equal(m, e)
            seen[b] = masks
            bn_a.eval()
            evaluate = ut.compile(lambda x, bn=bn_a: bn(x), fallback=False,
                                  torch={"backend": "aot_eager"})
            probe = rng.normal(size=(2, 3)).astype(np.float32)
            expected = (probe - rm_a) / np.sqrt(rv_a + 1e-5)
            assert_close(evaluate(ut.asarray(probe)), expected, *tol)
            assert int(bn_a.num_batches_tracked) == 3
    for b in backends:
        for m, first in zip(seen[b], seen[backends[0]]):
            np.testing.assert_array_equal(m, first)


def test_conv_net_gradients_inside_compile(backends):
    """A small CNN (convolutions, activations, max and average pooling, flatten, linear)
    gives the same loss and gradients compiled as eagerly, and across backends.  (On
    TensorFlow, traced NCHW layers skip the transposes between TF's NHWC kernels when
    only element-wise activations sit between them.)"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 2, 12, 12))
    y = rng.integers(0, 5, 4)
    seen = {}
    for b in backends:
        with ut.use_backend(b):
            ut.manual_seed(0)
            model = nn.Sequential(
                nn.Conv2d(2, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(4, 6, 3), nn.Tanh(), nn.AvgPool2d(2, padding=1), nn.Sigmoid(),
                nn.Conv2d(6, 3, 1), nn.ReLU(), nn.Flatten(), nn.Linear(27, 5)).double()
            xt, yt = ut.asarray(x), ut.asarray(y)

            def loss_and_grads(x, y, model=model):
                return ut.value_and_grad(
                    lambda m: nn.functional.cross_entropy(m(x), y))(model)

            eager = loss_and_grads(xt, yt)
            compiled = ut.compile(loss_and_grads, fallback=False,
                                  torch={"backend": "aot_eager"})(xt, yt)
            tol = family_tolerance("composite", ut.float64, 64)
            assert_close(compiled[0], eager[0].numpy(), *tol, msg=b)
            assert list(compiled[1]) == list(eager[1]) and len(eager[1]) == 8
            for name, g in eager[1].items():
                assert_close(compiled[1][name], g.numpy(), *tol, msg=f"{b} {name}")
                assert np.abs(g.numpy()).max() > 0
            seen[b] = [float(eager[0])] + [g.numpy() for g in eager[1].values()]
    for b in backends[1:]:
        for got, want in zip(seen[b], seen[backends[0]]):
            assert_close(got, want, *family_tolerance("composite", ut.float64, 64))


def test_max_pool_nan_and_minus_inf_inside_compile(backends):
    """NaN wins its window and an all -inf window gives -inf, compiled as eagerly
    (TensorFlow's MaxPool skips NaN and gives -3.4e38 there)."""
    x = np.arange(32, dtype=np.float32).reshape(1, 2, 4, 4)
    x[0, 0, 0, 0] = np.nan
    x[0, 1, :2, :2] = -np.inf
    expected = np.array([np.nan, 7, 13, 15, -np.inf, 23, 29, 31], np.float32).reshape(
        1, 2, 2, 2)
    results = on_backends(backends, ut.compile(lambda t: nn.functional.max_pool2d(t, 2),
                                               fallback=False,
                                               torch={"backend": "aot_eager"}), x)
    check(results, expected, ut.float32)
