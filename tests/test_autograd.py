"""Autograd in its three styles, on each backend's own autodiff, against NumPy and finite
differences, and across backends."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import family_tolerance

from support import finite_difference, same_error


def _mlp_grads_numpy(w, b, x):
    """d/dW, d/db of sum(tanh(x @ W + b) ** 2), by hand in float64."""
    z = x @ w + b
    h = np.tanh(z)
    dz = 2 * h * (1 - h * h)
    return x.T @ dz, dz.sum(axis=0)


def _loss(w, b, x):
    return ut.sum(ut.tanh(x @ w + b) ** 2)


@given(data=st.data())
def test_three_styles_agree_with_numpy_and_across_backends(backends, data):
    n = data.draw(st.integers(1, 4), label="batch")
    i = data.draw(st.integers(1, 4), label="in")
    o = data.draw(st.integers(1, 3), label="out")
    floats = {"min_value": -2, "max_value": 2, "allow_nan": False}
    w = data.draw(uts.arrays(ut.float64, (i, o), **floats), label="w")
    b = data.draw(uts.arrays(ut.float64, (o,), **floats), label="b")
    x = data.draw(uts.arrays(ut.float64, (n, i), **floats), label="x")
    ew, eb = _mlp_grads_numpy(w, b, x)
    rtol, atol = family_tolerance("composite", ut.float64, scale=n * i)
    seen = {}
    for name in backends:
        with ut.use_backend(name):
            xt = ut.asarray(x)
            # 1. functional
            gw, gb = ut.grad(_loss, argnums=(0, 1))(ut.asarray(w), ut.asarray(b), xt)
            # 2. tape
            pw, pb = ut.nn.Parameter(w), ut.nn.Parameter(b)
            with ut.GradientTape() as tape:
                loss = _loss(pw, pb, xt)
            tw, tb = tape.gradient(loss, [pw, pb])
            # 3. imperative
            _loss(pw, pb, xt).backward()
            for got in (gw, tw, pw.grad):
                assert_close(got, ew, rtol, atol, msg=f"{name} dW")
            for got in (gb, tb, pb.grad):
                assert_close(got, eb, rtol, atol, msg=f"{name} db")
            seen[name] = (gw.numpy(), gb.numpy())
    first = next(iter(seen.values()))
    for got in seen.values():
        assert_close(got[0], first[0], rtol, atol)
        assert_close(got[1], first[1], rtol, atol)


# Each entry: a scalar function of x built from unitorch ops, and the input range where it
# is smooth; gradients are checked against central finite differences in float64.
SMOOTH = {
    "exp": (lambda x: ut.sum(ut.exp(x)), (-2, 2)),
    "log": (lambda x: ut.sum(ut.log(x)), (0.5, 3)),
    "sqrt": (lambda x: ut.sum(ut.sqrt(x)), (0.5, 3)),
    "sin_cos": (lambda x: ut.sum(ut.sin(x) * ut.cos(2 * x)), (-3, 3)),
    "tanh_sigmoid": (lambda x: ut.sum(ut.tanh(x) + ut.sigmoid(3 * x)), (-3, 3)),
    "pow_div": (lambda x: ut.sum(x ** 3 / (1 + x * x)), (-2, 2)),
    "matmul": (lambda x: ut.sum((x @ ut.transpose(x)) ** 2), (-1, 1)),
    "mean_var": (lambda x: ut.mean(x) * ut.var(x, correction=1), (-2, 2)),
    "logsumexp": (lambda x: ut.logsumexp(x, axis=-1)[0] + ut.sum(ut.log1p(ut.exp(x))), (-3, 3)),
    "indexing": (lambda x: ut.sum(x[0] * x[-1]) + ut.sum(x[:, ::-1] * x), (-2, 2)),
    "take_concat": (lambda x: ut.sum(ut.take(ut.concat([x, 2 * x], axis=0), ut.tensor([0, -1]),
                                             axis=0) ** 2), (-2, 2)),
    "reshape_permute": (lambda x: ut.sum(ut.permute_dims(ut.reshape(x, (-1, 1)), (1, 0)) ** 2
                                         * ut.arange(x.size, dtype=x.dtype)), (-2, 2)),
    "where_clip": (lambda x: ut.sum(ut.where(x > 0, x * x, -x) + ut.clip(x, -0.5, 0.5)),
                   (-2, 2)),
    "hypot_atan2": (lambda x: ut.sum(ut.hypot(x, 1 + x * x) + ut.atan2(x, 2 + x)), (-1, 1)),
}


@pytest.mark.parametrize("name", sorted(SMOOTH))
@given(data=st.data())
def test_gradients_match_finite_differences(backend, name, data):
    f, (lo, hi) = SMOOTH[name]
    shape = data.draw(uts.shapes(min_dims=2, max_dims=2, min_side=1, max_side=3), label="shape")
    x = data.draw(uts.arrays(ut.float64, shape, min_value=lo, max_value=hi), label="x")
    # keep away from the kinks of where/clip, where finite differences straddle them
    x = np.where(np.abs(x) < 1e-3, 1e-3, x)
    x = np.where(np.abs(np.abs(x) - 0.5) < 1e-3, 0.5 + 2e-3, x)
    got = ut.grad(f)(ut.asarray(x)).numpy()
    expected = finite_difference(lambda v: float(f(ut.asarray(v))), x)
    # central differences with h = 1e-6 have truncation error O(h^2 f''') and rounding
    # error O(eps |f| / h) ~ 1e-10 |f|: 1e-6 relative and absolute is ample for these
    # smooth functions of O(1) inputs.
    assert_close(got, expected, rtol=1e-6, atol=1e-6)


def test_grad_over_nests_and_modules(backend):
    params = {"w": ut.tensor([1.0, 2.0]), "layers": [ut.tensor(3.0), (ut.tensor([4.0]),)]}

    def f(p):
        return ut.sum(p["w"] ** 2) + p["layers"][0] * ut.sum(p["layers"][1][0])

    g = ut.grad(f)(params)
    assert_close(g["w"], [2.0, 4.0])
    assert_close(g["layers"][0], 4.0)
    assert_close(g["layers"][1][0], [3.0])
    assert isinstance(g["layers"][1], tuple)

    class Scale(ut.nn.Module):
        def __init__(self):
            super().__init__()
            self.a = ut.nn.Parameter(ut.tensor([2.0]))
            self.inner = ut.nn.Module()
            self.inner.b = ut.nn.Parameter(ut.tensor([3.0]))

        def forward(self, x):
            return ut.sum(self.a * x + self.inner.b * x * x)

    m = Scale()
    value, grads = ut.value_and_grad(lambda mod, x: mod(x))(m, ut.tensor([1.0, 2.0]))
    assert_close(value, 2 * 3 + 3 * 5)
    assert set(grads) == {"a", "inner.b"}
    assert_close(grads["a"], [3.0])
    assert_close(grads["inner.b"], [5.0])
    assert m.a.grad is None  # the functional style leaves .grad alone


def test_has_aux_and_unconnected_inputs_get_zeros(backend):
    def f(x, y):
        return ut.sum(x * x), {"note": x + 1}

    (gx, gy), aux = ut.grad(f, argnums=(0, 1), has_aux=True)(ut.tensor([3.0]), ut.tensor([5.0]))
    assert_close(gx, [6.0])
    assert_close(gy, [0.0])
    assert_close(aux["note"], [4.0])


def test_higher_order_gradients(backend):
    f = lambda x: x ** 4  # noqa: E731
    x = ut.tensor(1.5, dtype=ut.float64)
    assert_close(ut.grad(f)(x), 4 * 1.5**3)
    assert_close(ut.grad(ut.grad(f))(x), 12 * 1.5**2)
    assert_close(ut.grad(ut.grad(ut.grad(f)))(x), 24 * 1.5)
    with ut.GradientTape() as outer:
        outer.watch(x)
        with ut.GradientTape() as inner:
            inner.watch(x)
            y = f(x)
        dy = inner.gradient(y, x)
    assert_close(outer.gradient(dy, x), 12 * 1.5**2)


def test_non_scalar_outputs_need_an_output_gradient(backend):
    x = ut.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    seed = ut.tensor([1.0, 0.5, 2.0])
    with pytest.raises(ut.ShapeError, match="needs a gradient"):
        y.backward()
    y.backward(seed)
    assert_close(x.grad, [2.0, 2.0, 12.0])
    v = ut.tensor([1.0, 2.0])
    with ut.GradientTape() as tape:
        tape.watch(v)
        out = ut.stack([v * v, v])
    assert_close(tape.gradient(out, v, output_gradients=ut.ones((2, 2))), [3.0, 5.0])


def test_backward_accumulates_and_zero_grad_clears(backend):
    w = ut.nn.Parameter(ut.tensor([1.0, -1.0]))
    for _ in range(3):
        ut.sum(w * ut.tensor([2.0, 3.0])).backward()
    assert_close(w.grad, [6.0, 9.0])
    w.grad = None
    assert w.grad is None
    ut.sum(w * w).backward()
    assert_close(w.grad, [2.0, -2.0])


def test_no_grad_detach_and_requires_grad(backend):
    w = ut.nn.Parameter(ut.tensor([2.0]))
    assert w.requires_grad
    with ut.no_grad():
        y = w * 3
    assert not y.requires_grad
    assert (w * 3).requires_grad
    assert not (w * 3).detach().requires_grad
    with pytest.raises(RuntimeError, match="does not require gradients"):
        ut.sum(y).backward()

    @ut.no_grad()
    def decorated():
        return w * 2

    assert not decorated().requires_grad
    with ut.no_grad(), ut.enable_grad():
        assert (w * 2).requires_grad
    w.requires_grad_(False)
    assert not w.requires_grad
    assert not (w * 2).requires_grad
    w.requires_grad_(True)
    ut.sum(w * 5).backward()
    assert_close(w.grad, [5.0])


def test_errors_are_the_same_on_every_backend(backends):
    same_error(backends, ut.ShapeError, lambda x: ut.grad(lambda v: v * 2)(x),
               np.ones(3, np.float32), match="must return one element")
    same_error(backends, ut.DTypeError, lambda x: ut.grad(lambda v: ut.sum(v))(x),
               np.ones(3, np.int64), match="cannot differentiate with respect to int64")


# torch.compile's default (Inductor) generates and builds C++ for each graph, ~20 s on
# this 2-core machine; "aot_eager" still captures the graph with Dynamo and AOTAutograd,
# which is what these tests exercise, in a fraction of the time.
_FAST_TORCH = {"backend": "aot_eager"}


def _train_eagerly_and_compiled(steps: int):
    """The PyTorch-style loop (backward, manual SGD update under no_grad), eager and inside
    ut.compile; returns both final weights."""
    results = []
    for compiled in (False, True):
        ut.manual_seed(0)
        w = ut.nn.Parameter(ut.random.randn(3, 2, dtype=ut.float64))
        x = ut.asarray(np.linspace(-1, 1, 12).reshape(4, 3))
        y = ut.asarray(np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.5, 0.5]]))

        def step(x, y, w=w):
            w.grad = None
            loss = ut.mean((ut.tanh(x @ w) - y) ** 2)
            loss.backward()
            with ut.no_grad():
                w[...] = w - 0.5 * w.grad
            return loss

        run = ut.compile(step, fallback=False, torch=_FAST_TORCH) if compiled else step
        losses = [float(run(x, y)) for _ in range(steps)]
        results.append((w.numpy().copy(), losses))
    return results


def test_compiled_training_step_matches_eager(backend):
    (w_eager, l_eager), (w_compiled, l_compiled) = _train_eagerly_and_compiled(5)
    assert_close(w_compiled, w_eager, rtol=1e-12, atol=1e-12)
    assert_close(np.array(l_compiled), np.array(l_eager), rtol=1e-12, atol=1e-12)
    assert l_eager[-1] < l_eager[0]


def test_compile_options(backend):
    calls = []

    def f(x):
        calls.append(1)
        return x * 2

    assert ut.compile(f, disable=True) is f
    g = ut.compile(f, torch=_FAST_TORCH)
    assert_close(g(ut.tensor([1.0, 2.0])), [2.0, 4.0])
    with pytest.raises(TypeError, match="unknown backends"):
        ut.compile(f, jax={})

    def bad(x):
        return float(x.item()) * x  # needs a concrete value: not compilable

    h = ut.compile(bad, torch=_FAST_TORCH)
    with pytest.warns(RuntimeWarning, match="could not compile|running it eagerly") if \
            backend == "tensorflow" else _nothing():
        assert_close(h(ut.tensor([3.0])), [9.0])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
