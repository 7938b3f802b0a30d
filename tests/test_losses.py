"""Loss functions (``unitorch.nn.losses``) against NumPy float64 references written here
from PyTorch's documented formulas, against ``torch.nn.functional`` itself on the same
numbers, and across backends; their gradients against central finite differences and
``torch.autograd``; their errors, which must read the same on every backend; and the
Module classes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import unitorch as ut
from unitorch.nn import losses as L
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import family_tolerance

from support import check, finite_difference, on_backends, same_error

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
FLOATS = st.sampled_from([ut.float32, ut.float64])
ALL_FLOATS = st.sampled_from([ut.float32, ut.float64, ut.float16, ut.bfloat16])


def _f64(a):
    return None if a is None else np.asarray(a).astype(np.float64)


def _t(a):
    """A float64 (or int64) torch tensor of the same numbers, for torch's reference."""
    if a is None:
        return None
    a = np.asarray(a)
    return torch.from_numpy(a.astype(np.int64 if a.dtype.kind in "iu" else np.float64))


def _nan_div(a, b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.float64(a) / np.float64(b)


def _reduced(per, reduction, denominator=None):
    if reduction == "none":
        return per
    if reduction == "sum":
        return per.sum()
    return _nan_div(per.sum(), per.size if denominator is None else denominator)


def _tolerance(dtype, n_terms, magnitude):
    """(family, scale) for a loss adding ``n_terms`` values of size up to ``magnitude``:
    the ``reduction`` family scaled by both, as that family's reason says.  float16 and
    bfloat16 are computed in float32 and rounded once, so the final rounding dominates:
    the ``composite`` family, unscaled (its 32 eps of the half dtype exceed the float32
    error, ~n * magnitude * 1e-7, for the sizes drawn here)."""
    if dtype in (ut.float16, ut.bfloat16):
        return "composite", 1.0
    return "reduction", max(1, n_terms) * (1.0 + magnitude)


def _check_torch(reference, torch_out, n_terms):
    """The NumPy reference agrees with PyTorch on the same float64 numbers."""
    rtol, atol = family_tolerance("composite", ut.float64, max(1, n_terms))
    assert_close(np.asarray(reference, np.float64), torch_out.detach().numpy(), rtol, atol,
                 msg="NumPy reference vs torch.nn.functional")


# ---------------------------------------------------------------------------------------
# NumPy float64 references (element by element, from PyTorch's documented formulas)


def ref_log_softmax(x, axis):
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0.0
    z = x - m
    return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))


def _samples(logp):
    """(index of each sample, its class vector) with the class axis 1 (0 if unbatched)."""
    lp = logp[None] if logp.ndim == 1 else logp
    lp = np.moveaxis(lp, 1, -1)
    for idx in np.ndindex(lp.shape[:-1]):
        yield idx, lp[idx]


def ref_nll(logp, y, w, ignore_index, reduction, smoothing=0.0):
    """``l_n = (1 - e) (-w[y] logp[y]) + e / C sum_c (-w[c] logp[c])``, 0 if ignored;
    the mean divides by the weights of the targets not ignored."""
    logp, y = _f64(logp), np.asarray(y).astype(np.int64)
    c = logp.shape[0 if logp.ndim == 1 else 1]
    w = np.ones(c) if w is None else _f64(w)
    per = np.zeros(y.shape if logp.ndim > 1 else (1,))
    flat_y = y.reshape(per.shape)
    total_weight = 0.0
    for idx, vec in _samples(logp):
        k = flat_y[idx]
        if k == ignore_index:
            continue
        per[idx] = (1 - smoothing) * -w[k] * vec[k] + smoothing / c * -np.sum(w * vec)
        total_weight += w[k]
    per = per.reshape(y.shape)
    return _reduced(per, reduction, total_weight)


def ref_ce_probabilities(x, p, w, reduction, smoothing):
    """``l_n = -sum_c w[c] q[c] logp[c]``, ``q = (1 - e) p + e / C``; the mean divides by
    the number of samples."""
    x, p = _f64(x), _f64(p)
    ax = 0 if x.ndim == 1 else 1
    c = x.shape[ax]
    w = np.ones(c) if w is None else _f64(w)
    logp = ref_log_softmax(x, ax)
    q = (1 - smoothing) * p + smoothing / c
    lp, qq = (logp[None], q[None]) if x.ndim == 1 else (logp, q)
    lp, qq = np.moveaxis(lp, 1, -1), np.moveaxis(qq, 1, -1)
    per = -np.sum(lp * qq * w, axis=-1)
    return _reduced(per[0] if x.ndim == 1 else per, reduction)


def ref_mse(x, t, w, reduction):
    per = (_f64(x) - _f64(t)) ** 2
    if w is None:
        return _reduced(per, reduction)
    return _reduced(per * _f64(w), reduction, _f64(w).sum())


def ref_l1(x, t, w, reduction):
    per = np.abs(_f64(x) - _f64(t))
    if w is None:
        return _reduced(per, reduction)
    return _reduced(per * _f64(w), reduction, _f64(w).sum())


def ref_huber(x, t, w, reduction, delta):
    e = np.abs(_f64(x) - _f64(t))
    per = np.where(e < delta, 0.5 * e * e, delta * (e - 0.5 * delta))
    return _reduced(per if w is None else per * _f64(w), reduction)


def ref_bce(x, t, w, pw, reduction):
    """``-w [pw t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))]``."""
    x, t = _f64(x), _f64(t)
    log_sig, log_one_minus = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    pw = 1.0 if pw is None else _f64(pw)
    per = -(pw * t * log_sig + (1 - t) * log_one_minus)
    return _reduced(per if w is None else per * _f64(w), reduction)


# ---------------------------------------------------------------------------------------
# generated problems


@st.composite
def class_problems(draw, dtypes=ALL_FLOATS, max_classes=5):
    """(logits, class-index target, weight, ignore_index, C): shapes (C,), (N, C) or
    (N, C, d1[, d2]), N and d possibly 0, some targets set to ignore_index."""
    d = draw(dtypes, label="dtype")
    c = draw(st.integers(1, max_classes), label="C")
    form = draw(st.sampled_from(["unbatched", "batched", "spatial"]), label="form")
    if form == "unbatched":
        shape, tshape = (c,), ()
    else:
        n = draw(st.integers(0, 4), label="N")
        extra = () if form == "batched" else draw(
            st.lists(st.integers(0, 3), min_size=1, max_size=2).map(tuple), label="d")
        shape, tshape = (n, c, *extra), (n, *extra)
    x = draw(uts.arrays(d, shape, min_value=-10, max_value=10, allow_nan=False,
                        allow_infinity=False), label="x")
    ignore_index = draw(st.sampled_from([-100, -1, c + 2, draw(st.integers(0, c - 1))]),
                        label="ignore_index")
    y = draw(hnp.arrays(np.int64, tshape, elements=st.integers(0, c - 1)), label="y")
    drop = draw(hnp.arrays(np.bool_, tshape), label="ignored")
    y = np.where(drop, ignore_index, y).astype(draw(st.sampled_from([np.int64, np.int32])))
    w = draw(st.none() | uts.arrays(d, (c,), min_value=0, max_value=2), label="weight")
    return x, y, w, ignore_index, c


SMOOTHING = st.just(0.0) | st.floats(0, 1)


@given(problem=class_problems(), reduction=REDUCTIONS, smoothing=SMOOTHING)
def test_cross_entropy_class_indices(backends, problem, reduction, smoothing):
    x, y, w, ignore_index, c = problem
    d = ut.asarray(x).dtype
    results = on_backends(backends, L.cross_entropy, x, y, w, ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=smoothing)
    logp = ref_log_softmax(_f64(x), 0 if x.ndim == 1 else 1)
    expected = ref_nll(logp, y, w, ignore_index, reduction, smoothing)
    family, scale = _tolerance(d, x.size, 10 + math.log(c))
    check(results, expected, d, family, scale=scale, shape=np.shape(expected))
    _check_torch(expected, TF.cross_entropy(_t(x), _t(y), _t(w), ignore_index=ignore_index,
                                            reduction=reduction, label_smoothing=smoothing),
                 x.size)


@given(problem=class_problems(), reduction=REDUCTIONS)
def test_nll_loss(backends, problem, reduction):
    x, y, w, ignore_index, _ = problem  # x used as log-probabilities: any numbers do
    d = ut.asarray(x).dtype
    results = on_backends(backends, L.nll_loss, x, y, w, ignore_index=ignore_index,
                          reduction=reduction)
    expected = ref_nll(x, y, w, ignore_index, reduction)
    family, scale = _tolerance(d, y.size, 10)
    check(results, expected, d, family, scale=scale, shape=np.shape(expected))
    _check_torch(expected, TF.nll_loss(_t(x), _t(y), _t(w), ignore_index=ignore_index,
                                       reduction=reduction), y.size)


@given(problem=class_problems(), reduction=REDUCTIONS, smoothing=SMOOTHING, data=st.data())
def test_cross_entropy_class_probabilities(backends, problem, reduction, smoothing, data):
    x, _, w, _, c = problem
    d = ut.asarray(x).dtype
    p = data.draw(uts.arrays(d, x.shape, min_value=0, max_value=1), label="p")
    results = on_backends(backends, L.cross_entropy, x, p, w, reduction=reduction,
                          label_smoothing=smoothing)
    expected = ref_ce_probabilities(x, p, w, reduction, smoothing)
    family, scale = _tolerance(d, x.size, 10 + math.log(c))
    check(results, expected, d, family, scale=scale, shape=np.shape(expected))
    _check_torch(expected, TF.cross_entropy(_t(x), _t(p), _t(w), reduction=reduction,
                                            label_smoothing=smoothing), x.size)


REGRESSION = {
    "mse_loss": (L.mse_loss, ref_mse, TF.mse_loss),
    "l1_loss": (L.l1_loss, ref_l1, TF.l1_loss),
    "huber_loss": (L.huber_loss, ref_huber, TF.huber_loss),
}


@pytest.mark.parametrize("name", sorted(REGRESSION))
@given(data=st.data(), reduction=REDUCTIONS)
def test_regression_losses(backends, name, data, reduction):
    fn, reference, torch_fn = REGRESSION[name]
    d = data.draw(ALL_FLOATS, label="dtype")
    shape = data.draw(uts.shapes(), label="shape")
    x = data.draw(uts.arrays(d, shape, min_value=-10, max_value=10, allow_nan=False,
                             allow_infinity=False), label="x")
    t = data.draw(uts.arrays(d, shape, min_value=-10, max_value=10, allow_nan=False,
                             allow_infinity=False), label="target")
    w = data.draw(st.none() | uts.arrays(d, shape, min_value=0.125, max_value=2), label="w")
    kwargs = {"reduction": reduction, "weight": w}
    if name == "huber_loss":
        kwargs["delta"] = data.draw(st.floats(0.1, 5), label="delta")
    results = on_backends(backends, fn, x, t, **kwargs)
    expected = reference(x, t, w, reduction, *(
        [kwargs["delta"]] if name == "huber_loss" else []))
    family, scale = _tolerance(d, x.size, 400)  # squared errors up to 20 ** 2
    check(results, expected, d, family, scale=scale, shape=np.shape(expected))
    _check_torch(expected, torch_fn(_t(x), _t(t), **{**kwargs, "weight": _t(w)}), x.size)


@given(data=st.data(), reduction=REDUCTIONS)
def test_binary_cross_entropy_with_logits(backends, data, reduction):
    d = data.draw(ALL_FLOATS, label="dtype")
    shape = data.draw(uts.shapes(min_dims=1), label="shape")
    x = data.draw(uts.arrays(d, shape, min_value=-100, max_value=100, allow_nan=False,
                             allow_infinity=False), label="logits")
    t = data.draw(uts.arrays(d, shape, min_value=0, max_value=1), label="target")
    w = data.draw(st.none() | uts.arrays(d, uts.broadcastable_shapes(shape, max_dims=len(
        shape)).filter(lambda s: np.broadcast_shapes(s, shape) == shape), min_value=0,
        max_value=2), label="weight")
    pw = data.draw(st.none() | uts.arrays(d, shape[-1:], min_value=0.125, max_value=3),
                   label="pos_weight")
    results = on_backends(backends, L.binary_cross_entropy_with_logits, x, t, w,
                          reduction=reduction, pos_weight=pw)
    expected = ref_bce(x, t, w, pw, reduction)
    family, scale = _tolerance(d, x.size, 300)  # up to pw * w * |x| = 3 * 2 * 100 per term
    check(results, expected, d, family, scale=scale, shape=np.shape(expected))
    _check_torch(expected, TF.binary_cross_entropy_with_logits(
        _t(x), _t(t), _t(w), reduction=reduction, pos_weight=_t(pw)), x.size)


# ---------------------------------------------------------------------------------------
# edge cases


def test_all_ignored_or_empty_mean_is_nan_like_torch(backends):
    """reduction="mean" over no counted target is 0 / 0 = NaN, as in PyTorch; "sum" is 0."""
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    y = np.array([-100, -100])
    w = np.array([1.0, 2.0, 3.0])
    for kwargs in ({}, {"weight": w}, {"label_smoothing": 0.3},
                   {"weight": w, "label_smoothing": 0.3}):
        for fn, tfn in ((L.cross_entropy, TF.cross_entropy), (L.nll_loss, TF.nll_loss)):
            if fn is L.nll_loss and "label_smoothing" in kwargs:
                continue
            torch_kwargs = {k: _t(v) if k == "weight" else v for k, v in kwargs.items()}
            assert math.isnan(tfn(_t(x), _t(y), **torch_kwargs).item())
            results = on_backends(backends, fn, x, y, **kwargs)
            check(results, np.nan, ut.float64)
            check(on_backends(backends, fn, x, y, reduction="sum", **kwargs), 0.0, ut.float64)
    empty = np.zeros((0, 3))
    check(on_backends(backends, L.cross_entropy, empty, np.zeros(0, np.int64)), np.nan,
          ut.float64)
    check(on_backends(backends, L.cross_entropy, empty, empty), np.nan, ut.float64)
    check(on_backends(backends, L.mse_loss, np.zeros(0), np.zeros(0)), np.nan, ut.float64)
    assert math.isnan(TF.cross_entropy(_t(empty), _t(empty)).item())


def test_large_logits_are_stable(backends):
    x = np.array([[1e4, -1e4, 0.0], [-3e4, 3e4, 1.0]], np.float32)
    y = np.array([1, 0])
    expected = ref_nll(ref_log_softmax(_f64(x), 1), y, None, -100, "none")
    check(on_backends(backends, L.cross_entropy, x, y, reduction="none"), expected,
          ut.float32, shape=(2,))
    z = np.array([-1e4, 1e4, -90.0, 90.0, 0.0], np.float32)
    t = np.array([1.0, 0.0, 1.0, 0.0, 0.5], np.float32)
    check(on_backends(backends, L.binary_cross_entropy_with_logits, z, t, reduction="none"),
          ref_bce(z, t, None, None, "none"), ut.float32, shape=(5,))


def test_operands_promote_to_one_dtype(backends):
    x32 = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    w64 = np.array([0.5, 1.0, 2.0])
    y = np.array([2, 0])
    out = on_backends(backends, L.cross_entropy, x32, y, w64)
    check(out, ref_nll(ref_log_softmax(_f64(x32), 1), y, w64, -100, "mean"), ut.float64)
    out = on_backends(backends, L.mse_loss, x32, np.array([[1, 2, 3], [4, 5, 6]]))
    check(out, ref_mse(x32, np.arange(1, 7).reshape(2, 3), None, "mean"), ut.float32,
          "reduction", scale=6 * 40)
    out = on_backends(backends, L.binary_cross_entropy_with_logits, x32,
                      np.array([[True, False, True], [False, False, True]]))
    check(out, ref_bce(x32, np.array([[1, 0, 1], [0, 0, 1]]), None, None, "mean"),
          ut.float32, "reduction", scale=6 * 3)


def test_uint8_targets_and_in_range_ignore_index(backends):
    x = np.linspace(-1, 1, 12).reshape(4, 3)
    y = np.array([0, 2, 1, 2], np.uint8)
    for ignore_index in (2, 0):
        expected = ref_nll(ref_log_softmax(x, 1), y, None, ignore_index, "mean", 0.2)
        check(on_backends(backends, L.cross_entropy, x, y, ignore_index=ignore_index,
                          label_smoothing=0.2), expected, ut.float64, "reduction", scale=12)


# ---------------------------------------------------------------------------------------
# gradients


@st.composite
def gradient_cases(draw):
    """(name, x, ut loss of x, NumPy reference of x, torch loss of x): each loss in float64
    with its optional arguments drawn, reduced to a scalar (reduction="none" through a
    random cotangent)."""
    name = draw(st.sampled_from(["cross_entropy", "cross_entropy_probabilities", "nll_loss",
                                 "mse_loss", "l1_loss", "huber_loss", "bce_with_logits"]),
                label="loss")
    reduction = draw(REDUCTIONS, label="reduction")
    if name in ("cross_entropy", "nll_loss", "cross_entropy_probabilities"):
        x, y, w, ignore_index, _ = draw(class_problems(st.just(ut.float64), max_classes=4))
        smoothing = draw(SMOOTHING) if name != "nll_loss" else 0.0
        if name == "cross_entropy_probabilities":
            y = draw(uts.arrays(ut.float64, x.shape, min_value=0, max_value=1), label="p")
            kwargs = {"weight": w, "reduction": reduction, "label_smoothing": smoothing}

            def reference(v):
                return ref_ce_probabilities(v, y, w, reduction, smoothing)
        else:
            kwargs = {"weight": w, "reduction": reduction, "ignore_index": ignore_index}
            if name == "cross_entropy":
                kwargs["label_smoothing"] = smoothing

            def reference(v):
                lp = ref_log_softmax(v, 0 if v.ndim == 1 else 1) if name == "cross_entropy" \
                    else v
                return ref_nll(lp, y, w, ignore_index, reduction, smoothing)
        fn = {"cross_entropy_probabilities": L.cross_entropy, "cross_entropy": L.cross_entropy,
              "nll_loss": L.nll_loss}[name]
        tfn = TF.nll_loss if name == "nll_loss" else TF.cross_entropy
    else:
        shape = draw(uts.shapes(min_dims=1, max_side=3), label="shape")
        x = draw(uts.arrays(ut.float64, shape, min_value=-5, max_value=5, allow_nan=False,
                            allow_infinity=False), label="x")
        y = draw(uts.arrays(ut.float64, shape, min_value=0 if name == "bce_with_logits" else -5,
                            max_value=1 if name == "bce_with_logits" else 5), label="target")
        w = draw(st.none() | uts.arrays(ut.float64, shape, min_value=0.125, max_value=2),
                 label="weight")
        kwargs = {"weight": w, "reduction": reduction}
        if name == "huber_loss":
            kwargs["delta"] = delta = draw(st.floats(0.1, 3), label="delta")
            # keep |x - y| away from the kink at delta, where differences straddle it
            e = x - y
            x = np.where(np.abs(np.abs(e) - delta) < 1e-3, y + np.sign(e) * (delta + 2e-3), x)
        if name == "l1_loss":  # away from the kink at x == y
            x = np.where(np.abs(x - y) < 1e-3, y + 2e-3, x)
        if name == "bce_with_logits":
            kwargs["pos_weight"] = pw = draw(st.none() | uts.arrays(
                ut.float64, shape[-1:], min_value=0.125, max_value=3), label="pos_weight")
        fn = {"mse_loss": L.mse_loss, "l1_loss": L.l1_loss, "huber_loss": L.huber_loss,
              "bce_with_logits": L.binary_cross_entropy_with_logits}[name]
        tfn = {"mse_loss": TF.mse_loss, "l1_loss": TF.l1_loss, "huber_loss": TF.huber_loss,
               "bce_with_logits": TF.binary_cross_entropy_with_logits}[name]

        def reference(v):
            if name == "bce_with_logits":
                return ref_bce(v, y, w, pw, reduction)
            extra = [kwargs["delta"]] if name == "huber_loss" else []
            return {"mse_loss": ref_mse, "l1_loss": ref_l1, "huber_loss": ref_huber}[name](
                v, y, w, reduction, *extra)
    cotangent = draw(uts.arrays(ut.float64, np.shape(reference(x)), min_value=-1,
                                max_value=1), label="cotangent")
    return name, x, y, kwargs, fn, tfn, reference, cotangent


@given(case=gradient_cases())
def test_gradients_match_finite_differences_and_torch(backend, case):
    name, x, y, kwargs, fn, tfn, reference, v = case
    cotangent = ut.asarray(v)
    uk = {k: ut.asarray(a) if isinstance(a, np.ndarray) else a for k, a in kwargs.items()}
    target = ut.asarray(y)
    # (flattened: ut.sum of a 0-d tensor is not differentiable on TensorFlow, see the report)
    got = ut.grad(lambda z: ut.sum(ut.reshape(fn(z, target, **uk) * cotangent, (-1,))))(
        ut.asarray(x))
    assert got.dtype is ut.float64 and got.shape == x.shape
    # central differences with h = 1e-6 in float64: truncation error h^2/6 |f'''| (f'''
    # is O(1) for these losses of O(1)-O(10) inputs) plus rounding eps |f| / h ~ 1e-9 for
    # |f| up to ~10: 1e-6 relative and absolute is ample; the losses are smooth where
    # drawn (the kinks of l1 and huber are avoided).  A NaN loss (mean over no counted
    # target) has no derivative: there only torch is compared (it gives 0, as we do).
    if np.all(np.isfinite(reference(x))):
        expected = finite_difference(lambda z: float(np.sum(reference(z) * v)), x)
        assert_close(got, expected, rtol=1e-6, atol=1e-6, msg=f"{name}: grad vs differences")
    tx = torch.tensor(x, requires_grad=True)
    tk = {k: _t(a) if isinstance(a, np.ndarray) else a for k, a in kwargs.items()}
    torch_loss = tfn(tx, _t(y), **tk)
    (torch_loss * torch.from_numpy(v)).sum().backward()
    rtol, atol = family_tolerance("composite", ut.float64, max(1, x.size))
    assert_close(got, tx.grad.numpy(), rtol, atol, msg=f"{name}: grad vs torch.autograd")


def test_bce_gradient_at_zero_logit(backend):
    """softplus(-x) is split into pieces with kinks at 0 that must cancel: the gradient at
    x = 0 is sigmoid(0) - t exactly, also with pos_weight (torch's formula)."""
    t = ut.tensor([0.0, 1.0, 0.25], dtype=ut.float64)
    pw = ut.tensor([1.0, 3.0, 2.0], dtype=ut.float64)
    g = ut.grad(lambda z: L.binary_cross_entropy_with_logits(z, t, reduction="sum"))(
        ut.zeros(3, dtype=ut.float64))
    assert_close(g, [0.5, -0.5, 0.25], 0, 0)
    g = ut.grad(lambda z: L.binary_cross_entropy_with_logits(z, t, reduction="sum",
                                                             pos_weight=pw))(
        ut.zeros(3, dtype=ut.float64))
    tx = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    TF.binary_cross_entropy_with_logits(tx, _t(t.numpy()), reduction="sum",
                                        pos_weight=_t(pw.numpy())).backward()
    assert_close(g, tx.grad.numpy(), 0, 0)


def test_ignored_targets_get_zero_gradient(backend):
    x = ut.asarray(np.linspace(-1, 1, 12).reshape(4, 3))
    y = ut.tensor([0, -100, 2, -100])
    g = ut.grad(lambda z: L.cross_entropy(z, y, label_smoothing=0.5))(x).numpy()
    assert np.all(g[[1, 3]] == 0) and np.all(g[[0, 2]] != 0)


# torch.compile takes ~25 s on a 2-core CPU even with backend="eager": slow there
@pytest.mark.parametrize("name", [pytest.param("torch", marks=pytest.mark.slow),
                                  "tensorflow"])
def test_compiled_cross_entropy_masks_ignored_targets(backends, name):
    """Inside a compiled function targets cannot be read: the ignore mask is always
    applied; the result and its gradient equal the eager ones."""
    if name not in backends:
        pytest.skip(f"{name} is not among the selected backends")
    with ut.use_backend(name):
        x = ut.asarray(np.linspace(-2, 2, 12).reshape(4, 3))
        y = ut.tensor([0, -100, 2, 1])
        w = ut.tensor([0.5, 1.0, 2.0], dtype=ut.float64)

        def f(x, y):
            return ut.value_and_grad(
                lambda z: L.cross_entropy(z, y, w, label_smoothing=0.1))(x)

        compiled = ut.compile(f, fallback=False, torch={"backend": "eager"})
        (value, grad), (eager_value, eager_grad) = compiled(x, y), f(x, y)
        assert_close(value, eager_value, 1e-15, 1e-15)
        assert_close(grad, eager_grad, 1e-15, 1e-15)


# ---------------------------------------------------------------------------------------
# errors


X23 = np.zeros((2, 3))
Y2 = np.array([0, 1])
ERRORS = [
    # (exception, function, arrays, keywords, pattern)
    (ut.IndexOutOfRangeError, L.cross_entropy, (X23, np.array([0, 3])), {},
     r"target 3 is out of range for 3 classes \(ignore_index=-100\)"),
    (ut.IndexOutOfRangeError, L.cross_entropy, (X23, np.array([-1, 0])), {},
     "target -1 is out of range"),
    (ut.IndexOutOfRangeError, L.nll_loss, (X23, np.array([0, 5])), {"ignore_index": 0},
     "target 5 is out of range"),
    (ut.ShapeError, L.cross_entropy, (X23, np.array([0, 1, 2])), {},
     r"class indices need shape \(2,\)"),
    (ut.ShapeError, L.cross_entropy, (X23, np.zeros((2, 4))), {},
     r"target \(class probabilities\) of shape \(2, 4\) must have the input's shape"),
    (ut.ShapeError, L.cross_entropy, (X23, np.zeros((3, 3))), {},
     r"must have the input's shape \(2, 3\)"),
    (ut.ShapeError, L.cross_entropy, (np.zeros(()), np.array(0)), {},
     "input must have a class axis"),
    (ut.ShapeError, L.cross_entropy, (X23, Y2, np.ones(2)), {},
     r"weight must have shape \(3,\)"),
    (ut.ShapeError, L.mse_loss, (X23, np.zeros(3)), {}, "must have the input's shape"),
    (ut.ShapeError, L.l1_loss, (X23, X23), {"weight": np.ones(3)},
     "weight of shape"),
    (ut.ShapeError, L.binary_cross_entropy_with_logits, (X23, X23, np.ones(2)), {},
     r"weight of shape \(2,\) does not broadcast"),
    (ut.ShapeError, L.binary_cross_entropy_with_logits, (X23, X23), {
        "pos_weight": np.ones((4, 2, 3))}, "pos_weight of shape"),
    (ut.ShapeError, L.binary_cross_entropy_with_logits, (X23, np.zeros(3)), {},
     "target of shape"),
    (ut.DTypeError, L.cross_entropy, (np.zeros((2, 3), np.int64), Y2), {},
     r"input \(logits\) must be a real floating tensor, got int64"),
    (ut.DTypeError, L.cross_entropy, (X23, np.array([0.0, 1.0])), {},
     "class-index targets must be integers, got float64"),
    (ut.DTypeError, L.cross_entropy, (X23, np.array([True, False])), {},
     "integer class indices or floating class probabilities, got bool"),
    (ut.DTypeError, L.nll_loss, (X23, np.array([0.0, 1.0])), {},
     "target .class indices. must be an integer tensor"),
    (ut.DTypeError, L.cross_entropy, (X23, Y2, np.ones(3, np.int64)), {},
     "weight must be a real floating tensor"),
    (ut.DTypeError, L.mse_loss, (np.zeros(3, np.int32), np.zeros(3)), {},
     "input must be a real floating tensor"),
    (ValueError, L.cross_entropy, (X23, Y2), {"reduction": "avg"},
     "reduction must be 'mean', 'sum' or 'none', got 'avg'"),
    (ValueError, L.huber_loss, (X23, X23), {"reduction": None}, "reduction must be"),
    (ValueError, L.cross_entropy, (X23, Y2), {"label_smoothing": 1.5},
     r"label_smoothing must be in \[0, 1\], got 1.5"),
    (ValueError, L.cross_entropy, (X23, Y2), {"label_smoothing": -0.1}, "label_smoothing"),
    (ValueError, L.cross_entropy, (X23, X23), {"ignore_index": 0},
     "ignore_index is not supported with class-probability targets"),
    (ValueError, L.huber_loss, (X23, X23), {"delta": 0.0}, "delta must be positive"),
]


@pytest.mark.parametrize("case", range(len(ERRORS)))
def test_errors_read_the_same_on_every_backend(backends, case):
    exc, fn, arrays, kwargs, pattern = ERRORS[case]
    same_error(backends, exc, fn, *arrays, match=pattern, **kwargs)


def test_ignore_index_outside_the_classes_is_allowed(backends):
    x = np.linspace(-1, 1, 6).reshape(2, 3)
    for ignore_index in (-7, 3, 50):
        y = np.array([ignore_index, 1])
        check(on_backends(backends, L.cross_entropy, x, y, ignore_index=ignore_index),
              ref_nll(ref_log_softmax(x, 1), y, None, ignore_index, "mean"), ut.float64,
              "reduction", scale=6)


# ---------------------------------------------------------------------------------------
# modules


def test_modules_match_the_functions(backends):
    x = np.linspace(-2, 2, 12).reshape(4, 3)
    y = np.array([0, 2, -1, 1])
    t = np.linspace(0, 1, 12).reshape(4, 3)
    w = np.array([0.5, 1.0, 2.0])
    cases = [
        (lambda w: L.CrossEntropyLoss(w, ignore_index=-1, label_smoothing=0.2),
         lambda: ref_nll(ref_log_softmax(x, 1), y, w, -1, "mean", 0.2), (x, y)),
        (lambda w: L.NLLLoss(w, ignore_index=-1, reduction="sum"),
         lambda: ref_nll(x, y, w, -1, "sum"), (x, y)),
        (lambda w: L.MSELoss(reduction="none"), lambda: ref_mse(x, t, None, "none"), (x, t)),
        (lambda w: L.L1Loss(), lambda: ref_l1(x, t, None, "mean"), (x, t)),
        (lambda w: L.HuberLoss(delta=0.5), lambda: ref_huber(x, t, None, "mean", 0.5), (x, t)),
        (lambda w: L.BCEWithLogitsLoss(w, pos_weight=w * 2),
         lambda: ref_bce(x, t, w, w * 2, "mean"), (x, t)),
    ]
    for make, reference, arrays in cases:
        results = on_backends(backends, lambda a, b, make=make: make(ut.asarray(w))(a, b),
                              *arrays)
        check(results, reference(), ut.float64, "reduction", scale=12 * 10)


def test_weights_are_buffers(backend):
    w = ut.tensor([0.5, 1.0, 2.0])
    loss = L.CrossEntropyLoss(weight=w)
    assert [n for n, _ in loss.named_buffers()] == ["weight"]
    assert list(loss.state_dict()) == ["weight"] and not list(loss.parameters())
    loss.to(ut.float64)
    assert loss.weight.dtype is ut.float64
    loss.load_state_dict({"weight": np.array([1.0, 1.0, 1.0])})
    assert_close(loss.weight, [1.0, 1.0, 1.0], 0, 0)
    bce = L.BCEWithLogitsLoss(pos_weight=ut.tensor([2.0]))
    assert list(bce.state_dict()) == ["pos_weight"] and bce.weight is None
    assert L.NLLLoss().weight is None
    assert L.CrossEntropyLoss(weight=[1.0, 2.0]).weight.shape == (2,)


def test_legacy_size_average_and_reduce(backends):
    x, t = np.arange(4.0), np.zeros(4)
    for size_average, reduce, expected in ((False, None, 14.0), (None, False, [0, 1, 4, 9]),
                                           (True, True, 3.5)):
        with pytest.warns(UserWarning, match="size_average and reduce args"):
            results = on_backends(backends, L.mse_loss, x, t, size_average, reduce)
        check(results, expected, ut.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert L.MSELoss(size_average, reduce).reduction == TF._Reduction.legacy_get_string(
                size_average, reduce, emit_warning=False)


def test_module_argument_errors():
    with pytest.raises(ValueError, match="CrossEntropyLoss\\(\\): label_smoothing"):
        L.CrossEntropyLoss(label_smoothing=2.0)
    with pytest.raises(ValueError, match="reduction must be"):
        L.L1Loss(reduction="mean ")
    with pytest.raises(ValueError, match="delta must be positive"):
        L.HuberLoss(delta=-1.0)
    with pytest.raises(TypeError, match="delta must be a float"):
        L.HuberLoss(delta="1")


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_unbatched_input_gradient(backend, reduction):
    """(C,) logits with a 0-d target: a 0-d loss, differentiable on every backend."""
    x = np.array([0.5, -1.0, 2.0])
    for kwargs in ({}, {"weight": ut.tensor([1.0, 2.0, 0.5], dtype=ut.float64),
                        "label_smoothing": 0.2}):
        g = ut.grad(lambda z, kw=kwargs: L.cross_entropy(z, ut.tensor(1), reduction=reduction,
                                                         **kw))(ut.asarray(x))
        tx = torch.tensor(x, requires_grad=True)
        tk = {k: torch.from_numpy(v.numpy()) if k == "weight" else v for k, v in kwargs.items()}
        TF.cross_entropy(tx, torch.tensor(1), reduction=reduction, **tk).backward()
        assert_close(g, tx.grad.numpy(), *family_tolerance("composite", ut.float64))
