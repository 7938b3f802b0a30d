"""The contract's primitives with a default built from others and a faster framework
kernel on some backend (``split``, ``unstack``, ``norms``, ``scale_all``, ``dropout``,
``binary_cross_entropy_with_logits``, ``layer_norm``, ``assign_add``/``assign_sub``): on
every backend the backend's
version against the contract's default on the same natives, and both against NumPy
float64; their gradients where the public layer differentiates them; and Adam's
per-step scalars, formed as vectors over a group's parameters, against torch.optim
with parameters of two dtypes and step counts that differ."""

from __future__ import annotations

import contextlib
import types

import numpy as np
import pytest
import torch

import unitorch as ut
from unitorch.backends import Backend, current
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance


def _n(a):
    return ut.asarray(a).native


def _np(bk, native):
    return bk.to_numpy(native)


RNG = np.random.default_rng(31)
X = RNG.standard_normal((3, 7))


def test_split_and_unstack_match_the_default_and_numpy(backend):
    bk = current()
    x = _n(X)
    for got, want, ref in (
            (bk.split(x, (2, 0, 5), 1), Backend.split(bk, x, (2, 0, 5), 1),
             np.split(X, [2, 2], axis=1)),
            (bk.unstack(x, 0), Backend.unstack(bk, x, 0), list(X))):
        assert len(got) == len(want) == len(ref)
        for g, w, r in zip(got, want, ref):
            assert_close(_np(bk, g), _np(bk, w), 0, 0)
            assert_close(_np(bk, g), r, 0, 0)


def test_split_gradient_is_a_concatenation(backend):
    """d/dx of sum(a * wa) + sum(c * wc) for (a, b, c) = split(x): wa, 0, wc in place."""
    wa, wc = RNG.standard_normal((3, 2)), RNG.standard_normal((3, 4))

    def loss(x):
        a, _, c = ut.split(x, [2, 1, 4], axis=1)
        return ut.sum(a * ut.asarray(wa)) + ut.sum(c * ut.asarray(wc))

    g = ut.grad(loss)(ut.asarray(X))
    assert_close(g.numpy(), np.concatenate([wa, np.zeros((3, 1)), wc], axis=1), 0, 0)
    rows = ut.grad(lambda x: ut.sum(ut.unstack(x)[1] * 3.0))(ut.asarray(X))
    assert_close(rows.numpy(), np.stack([np.zeros(7), np.full(7, 3.0), np.zeros(7)]), 0, 0)


@pytest.mark.parametrize("ord", [1.0, 2.0, 3.0, float("inf")])
def test_norms_and_scale_all_match_the_default_and_numpy(backend, ord):
    bk = current()
    arrays = [RNG.standard_normal(s) for s in ((4, 3), (5,), (2, 2, 2))]
    xs = [_n(a) for a in arrays]
    got, want = bk.norms(xs, ord), Backend.norms(bk, xs, ord)
    rtol, atol = family_tolerance("reduction", ut.float64, scale=10)
    for g, w, a in zip(got, want, arrays):
        ref = np.linalg.norm(a.reshape(-1), ord)
        assert_close(_np(bk, g), _np(bk, w), rtol, atol)
        assert_close(_np(bk, g), ref, rtol, atol)
    factor = _n(np.array(0.25))
    for g, w, a in zip(bk.scale_all(xs, factor), Backend.scale_all(bk, xs, factor), arrays):
        assert_close(_np(bk, g), _np(bk, w), 0, 0)
        assert_close(_np(bk, g), a * 0.25, 0, 0)


@pytest.mark.parametrize("dtype", [ut.float32, ut.float64])
def test_dropout_primitive_matches_the_default_and_numpy(backend, dtype):
    """Given the same uniform draws: kept where u >= p, scaled by 1 / (1 - p), NaN kept
    NaN; the gradient is the mask times the scale."""
    bk = current()
    x = RNG.standard_normal((4, 5)).astype(dtype.numpy)
    x[0, 0] = np.nan
    u = RNG.random((4, 5), dtype=np.float32)
    u[0, 0] = 0.0  # the NaN is dropped: 0 * NaN stays NaN
    p = 0.3
    got = _np(bk, bk.dropout(_n(x), _n(u), p))
    want = _np(bk, Backend.dropout(bk, _n(x), _n(u), p))
    scale = np.array(1.0 / (1.0 - p), dtype.numpy)
    ref = (x * (u >= p).astype(dtype.numpy)) * scale
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(got, ref)
    with ut.GradientTape() as tape:
        xt = ut.asarray(np.nan_to_num(x))
        tape.watch(xt)
        y = ut.from_native(bk.dropout(xt.native, _n(u), p))
        total = ut.sum(y)
    np.testing.assert_array_equal(tape.gradient(total, xt).numpy(),
                                  (u >= p).astype(dtype.numpy) * scale)


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits_primitive_matches_the_default_and_numpy(backend, reduction,
                                                                  weighted):
    bk = current()
    x = np.array([[-40.0, -1.5, 0.0, 0.7], [3.0, 0.0, -0.2, 45.0]])
    y = np.array([[0.0, 1.0, 0.3, 1.0], [0.5, 0.0, 1.0, 0.0]])
    w = np.array([0.5, 2.0, 1.0, 3.0]) if weighted else None
    pw = np.array([1.5, 0.5, 2.0, 1.0]) if weighted else None
    args = (_n(x), _n(y), None if w is None else _n(w), None if pw is None else _n(pw),
            reduction)
    got = _np(bk, bk.binary_cross_entropy_with_logits(*args))
    want = _np(bk, Backend.binary_cross_entropy_with_logits(bk, *args))
    lw = 1.0 if pw is None else 1 + (pw - 1) * y
    ref = (1 - y) * x + lw * (np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))
    ref = ref * (1.0 if w is None else w)
    ref = {"none": ref, "sum": ref.sum(), "mean": ref.mean()}[reduction]
    rtol, atol = family_tolerance("composite", ut.float64, scale=8)
    assert_close(got, want, rtol, atol)
    assert_close(got, ref, rtol, atol)
    # the gradient in x, also at x = 0: w ((1 + (pw - 1) y) sigmoid(x) - pw y)
    g = ut.grad(lambda v: ut.nn.functional.binary_cross_entropy_with_logits(
        v, ut.asarray(y), None if w is None else ut.asarray(w), reduction="sum",
        pos_weight=None if pw is None else ut.asarray(pw)))(ut.asarray(x))
    pwv = 1.0 if pw is None else pw
    expected = (1.0 if w is None else w) * ((1 + (pwv - 1) * y) / (1 + np.exp(-x)) - pwv * y)
    assert_close(g.numpy(), expected, rtol, atol)


def test_layer_norm_primitive_matches_the_default_and_torch(backend):
    bk = current()
    x = RNG.standard_normal((2, 3, 4))
    w, b = RNG.standard_normal((3, 4)), RNG.standard_normal((3, 4))
    for weight, bias in ((None, None), (w, b)):
        args = (_n(x), (3, 4), None if weight is None else _n(weight),
                None if bias is None else _n(bias), 1e-5)
        got = _np(bk, bk.layer_norm(*args))
        want = _np(bk, Backend.layer_norm(bk, *args))
        ref = torch.layer_norm(torch.from_numpy(x), (3, 4),
                               None if weight is None else torch.from_numpy(weight),
                               None if bias is None else torch.from_numpy(bias), 1e-5)
        rtol, atol = family_tolerance("composite", ut.float64, scale=12)
        assert_close(got, want, rtol, atol)
        assert_close(got, ref.numpy(), rtol, atol)


@contextlib.contextmanager
def _rules_from_primitives(name):
    """The backend without its fused optimizer kernels: unitorch.optim runs the rules of
    optim/<name>.py from the primitives (TensorFlow always does)."""
    from unitorch.backends import load

    bk = load(name)
    saved = vars(bk).get("adam_update")
    bk.adam_update = types.MethodType(vars(Backend)["adam_update"], bk)
    try:
        yield
    finally:
        del bk.adam_update
        if saved is not None:
            bk.adam_update = saved


def test_adam_vectorised_step_scalars_with_two_dtypes_and_uneven_steps(backends):
    """One Adam group holding a float32 and a float64 parameter, one of which misses a
    gradient on some steps (its count falls behind): the rule from primitives (every
    parameter's bias corrections from one vector of counts) against torch.optim."""
    p32 = RNG.standard_normal((3,)).astype(np.float32)
    p64 = RNG.standard_normal((2, 2))
    grads = [(RNG.standard_normal((3,)).astype(np.float32),
              None if i in (1, 2) else RNG.standard_normal((2, 2))) for i in range(5)]
    tp = [torch.tensor(p32.copy(), requires_grad=True),
          torch.tensor(p64.copy(), requires_grad=True)]
    topt = torch.optim.Adam(tp, lr=0.1, betas=(0.8, 0.9))
    for g32, g64 in grads:
        tp[0].grad = torch.tensor(g32)
        tp[1].grad = None if g64 is None else torch.tensor(g64)
        topt.step()
    for name in backends:
        with ut.use_backend(name), _rules_from_primitives(name):
            ps = [ut.nn.Parameter(ut.asarray(p32.copy())),
                  ut.nn.Parameter(ut.asarray(p64.copy()))]
            opt = ut.optim.Adam(ps, lr=0.1, betas=(0.8, 0.9))
            for g32, g64 in grads:
                ps[0].grad = ut.asarray(g32)
                ps[1].grad = None if g64 is None else ut.asarray(g64)
                opt.step()
            assert [float(opt.state[p]["step"]) for p in ps] == [5.0, 3.0]
            for p, t in zip(ps, tp):
                d = p.dtype
                assert_close(p.numpy(), t.detach().numpy(),
                             *family_tolerance("optimizer", d, scale=5), msg=f"{name} {d}")


@pytest.mark.parametrize("dtype", [ut.float32, ut.float64])
def test_assign_add_and_sub_match_the_default_and_numpy(backend, dtype):
    """In place on the backend's mutable state (eagerly, and inside a compiled update
    rule through ``run_update``: TensorFlow's AssignAdd/AssignSubVariableOp), and on an
    immutable native where the backend has them (TensorFlow; torch tensors are all
    mutable, and written): the same bits as the default (``assign`` of the sum) and as
    NumPy's one rounded addition or subtraction."""
    bk = current()
    npd = np.float32 if dtype is ut.float32 else np.float64
    x0, d = RNG.standard_normal((4, 3)).astype(npd), RNG.standard_normal((4, 3)).astype(npd)

    def state():
        s = bk.state_variable((4, 3), 0.0, dtype, bk.device(_n(x0)))
        return bk.assign(s, _n(x0))

    def rule(bk_, static, xs, deltas):
        bk_.assign_add(xs[0], deltas[0])
        bk_.assign_sub(xs[1], deltas[0])

    for name, add, sub in (("backend", bk.assign_add, bk.assign_sub),
                           ("default", lambda x, v: Backend.assign_add(bk, x, v),
                            lambda x, v: Backend.assign_sub(bk, x, v))):
        a, s = state(), state()
        a, s = add(a, _n(d)), sub(s, _n(d))
        assert_close(_np(bk, a), x0 + d, 0, 0, msg=f"{name} add")
        assert_close(_np(bk, s), x0 - d, 0, 0, msg=f"{name} sub")
        fresh = bk.copy(_n(x0))  # (_n may share x0's memory; x0 must stay as it is)
        assert_close(_np(bk, add(fresh, _n(d))), x0 + d, 0, 0, msg=f"{name} immutable")
    a, s = state(), state()
    bk.run_update(rule, (), [a, s], [_n(d)])
    assert_close(_np(bk, a), x0 + d, 0, 0, msg="compiled add")
    assert_close(_np(bk, s), x0 - d, 0, 0, msg="compiled sub")
