"""The losses of issue 11 (binary_cross_entropy, smooth_l1_loss, kl_div,
cosine_embedding_loss, margin_ranking_loss, triplet_margin_loss, ctc_loss and their
Modules): against NumPy float64 references written here from PyTorch's documented
formulas, against ``torch.nn.functional`` on the same numbers (values and gradients),
and across backends; the CTC gradient against central finite differences of the
reference (its exact derivative) and, through a log_softmax, against PyTorch's;
errors that read the same on every backend."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
import unitorch.nn.functional as F
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts

from support import check, finite_difference, on_backends, same_error
from torch_reference import compare

FLOATS = st.sampled_from([ut.float32, ut.float64])
REDUCTIONS = st.sampled_from(["mean", "sum", "none"])


def _reduce(per, reduction):
    return per if reduction == "none" else per.sum() if reduction == "sum" else per.mean()


# ---------------------------------------------------------------------------------------
# NumPy references


def ref_bce(x, y, w, reduction):
    per = -(y * np.maximum(np.log(x), -100) + (1 - y) * np.maximum(np.log1p(-x), -100))
    return _reduce(per if w is None else per * w, reduction)


def ref_smooth_l1(x, y, beta, reduction):
    e = np.abs(x - y)
    per = e if beta == 0 else np.where(e < beta, 0.5 * e * e / beta, e - 0.5 * beta)
    return _reduce(per, reduction)


def ref_kl(x, t, reduction, log_target):
    if log_target:
        per = np.exp(t) * (t - x)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(t > 0, t * np.log(np.where(t > 0, t, 1)), 0.0) - t * x
    if reduction == "batchmean":
        return per.sum() / x.shape[0]
    return _reduce(per, reduction)


def ref_cosine_embedding(a, b, y, margin, reduction):
    cos = (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12))
    per = np.where(y == 1, 1 - cos, 0.0) + np.where(y == -1, np.maximum(cos - margin, 0), 0.0)
    return _reduce(per, reduction)


def ref_margin_ranking(a, b, y, margin, reduction):
    return _reduce(np.maximum(-y * (a - b) + margin, 0), reduction)


def ref_triplet(a, p, n, margin, norm, eps, swap, reduction):
    def dist(u, v):
        return (np.abs(u - v + eps) ** norm).sum(-1) ** (1 / norm)

    d_neg = dist(a, n)
    if swap:
        d_neg = np.minimum(d_neg, dist(p, n))
    return _reduce(np.maximum(dist(a, p) - d_neg + margin, 0), reduction)


def ref_ctc(lp, targets, in_len, tg_len, blank, reduction, zero_infinity=False):
    """The alpha recursion in float64, sample by sample (Graves et al., 2006)."""
    losses = []
    for n in range(lp.shape[1]):
        y = list(targets[n][:tg_len[n]])
        ext = [blank]
        for c in y:
            ext += [c, blank]
        t_n = in_len[n]
        alpha = np.full(len(ext), -np.inf)
        if t_n > 0:
            alpha[0] = lp[0, n, blank]
            if len(ext) > 1:
                alpha[1] = lp[0, n, ext[1]]
        for t in range(1, t_n):
            new = np.full(len(ext), -np.inf)
            for s in range(len(ext)):
                terms = [alpha[s]] + ([alpha[s - 1]] if s >= 1 else [])
                if s >= 2 and ext[s] != blank and ext[s] != ext[s - 2]:
                    terms.append(alpha[s - 2])
                new[s] = np.logaddexp.reduce(terms) + lp[t, n, ext[s]]
            alpha = new
        if t_n == 0:
            ll = 0.0 if not y else -np.inf
        else:
            ll = np.logaddexp(alpha[-1], alpha[-2]) if len(ext) > 1 else alpha[-1]
        loss = -ll
        if zero_infinity and np.isinf(loss):
            loss = 0.0
        losses.append(loss)
    per = np.array(losses)
    if reduction == "mean":
        return (per / np.maximum(tg_len, 1)).mean()
    return _reduce(per, reduction)


# ---------------------------------------------------------------------------------------
# values and gradients against NumPy, torch and the other backend


@given(data=st.data(), reduction=REDUCTIONS)
def test_binary_cross_entropy(backends, data, reduction):
    d = data.draw(FLOATS)
    shape = data.draw(uts.shapes(min_dims=1, max_side=4))
    x = data.draw(uts.arrays(d, shape, min_value=0.015625, max_value=0.984375))
    y = data.draw(uts.arrays(d, shape, min_value=0, max_value=1))
    w = data.draw(st.none() | uts.arrays(d, shape[-1:], min_value=0, max_value=2))
    args = [x, y] + ([w] if w is not None else [])
    compare(backends, lambda *a: F.binary_cross_entropy(*a[:2], *a[2:], reduction=reduction),
            lambda *a: TF.binary_cross_entropy(*a[:2], *a[2:], reduction=reduction), args, d,
            "reduction", 8 * (1 + x.size), grad_args=[0],  # (torch: not w.r.t. the rest)
            reference=lambda *a: ref_bce(a[0], a[1], a[2] if len(a) > 2 else None, reduction))


@given(data=st.data(), reduction=REDUCTIONS, beta=st.sampled_from([0.0, 0.5, 1.0, 2.0]))
def test_smooth_l1_loss(backends, data, reduction, beta):
    d = data.draw(FLOATS)
    shape = data.draw(uts.shapes(min_dims=1, max_side=4))
    x = data.draw(uts.arrays(d, shape, min_value=-4, max_value=4))
    y = data.draw(uts.arrays(d, shape, min_value=-4, max_value=4))
    y = np.where(np.abs(np.abs(x - y) - beta) < 1e-3, y + 0.01, y).astype(y.dtype)  # kinks
    y = np.where(np.abs(x - y) < 1e-3, y + 0.01, y).astype(y.dtype)
    compare(backends, lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
            lambda a, b: TF.smooth_l1_loss(a, b, reduction=reduction, beta=beta), [x, y], d,
            "reduction", 8 * (1 + x.size),
            reference=lambda a, b: ref_smooth_l1(a, b, beta, reduction))


@given(data=st.data(), reduction=st.sampled_from(["batchmean", "mean", "sum", "none"]),
       log_target=st.booleans())
def test_kl_div(backends, data, reduction, log_target):
    d = data.draw(FLOATS)
    n, c = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 5))
    rng = np.random.default_rng(n * 10 + c)
    x = np.log(rng.dirichlet(np.ones(c), size=n)).astype(d.numpy)
    p = rng.dirichlet(np.ones(c), size=n)
    p[0, 0] = 0.0  # xlogy(0, 0) = 0
    t = (np.log(p + 0.05) if log_target else p).astype(d.numpy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ("mean" warns, as PyTorch)
        compare(backends, lambda a, b: F.kl_div(a, b, reduction=reduction,
                                                log_target=log_target),
                lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                [x, t], d, "reduction", 8 * (1 + x.size),
                grad_args=[0, 1] if log_target else [0],
                reference=lambda a, b: ref_kl(a, b, reduction, log_target))


@given(data=st.data(), reduction=REDUCTIONS, margin=st.sampled_from([0.0, 0.3, -0.5]))
def test_cosine_embedding_and_margin_ranking(backends, data, reduction, margin):
    d = data.draw(FLOATS)
    n, dim = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    rng = np.random.default_rng(n * 7 + dim)
    a, b = rng.normal(size=(n, dim)).astype(d.numpy), rng.normal(size=(n, dim)).astype(d.numpy)
    y = rng.choice([-1, 1, 0], size=n)
    compare(backends, lambda u, v: F.cosine_embedding_loss(u, v, ut.asarray(y), margin,
                                                           reduction=reduction),
            lambda u, v: TF.cosine_embedding_loss(u, v, torch.tensor(y), margin,
                                                  reduction=reduction), [a, b], d,
            "composite", 8 * (1 + n), reference=lambda u, v: ref_cosine_embedding(
                u, v, y, margin, reduction))
    s = rng.choice([-1.0, 1.0], size=n).astype(d.numpy)
    compare(backends, lambda u, v: F.margin_ranking_loss(u, v, ut.asarray(s), margin,
                                                         reduction=reduction),
            lambda u, v: TF.margin_ranking_loss(u, v, torch.tensor(s), margin,
                                                reduction=reduction), [a[:, 0], b[:, 0]], d,
            "reduction", 8 * (1 + n), reference=lambda u, v: ref_margin_ranking(
                u, v, s, margin, reduction))


@given(data=st.data(), reduction=REDUCTIONS, swap=st.booleans(),
       p=st.sampled_from([1.0, 2.0, 3.0]))
def test_triplet_margin_loss(backends, data, reduction, swap, p):
    d = data.draw(FLOATS)
    n, dim = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    rng = np.random.default_rng(n * 5 + dim)
    a, pos, neg = (rng.normal(size=(n, dim)).astype(d.numpy) for _ in range(3))
    compare(backends, lambda *v: F.triplet_margin_loss(*v, margin=1.5, p=p, swap=swap,
                                                       reduction=reduction),
            lambda *v: TF.triplet_margin_loss(*v, margin=1.5, p=p, swap=swap,
                                              reduction=reduction), [a, pos, neg], d,
            "composite", 8 * (1 + n), reference=lambda *v: ref_triplet(
                *v, 1.5, p, 1e-6, swap, reduction))


def test_half_dtypes_and_modules(backends):
    x = np.array([0.2, 0.7, 0.9], np.float16)
    y = np.array([0.0, 1.0, 1.0], np.float16)
    check(on_backends(backends, F.binary_cross_entropy, x, y),
          ref_bce(x.astype(np.float64), y.astype(np.float64), None, "mean"), ut.float16,
          "composite")
    for module, fn, args in [
        (ut.nn.SmoothL1Loss(beta=0.5), F.smooth_l1_loss, {"beta": 0.5}),
        (ut.nn.KLDivLoss(reduction="batchmean"), F.kl_div, {"reduction": "batchmean"}),
        (ut.nn.BCELoss(reduction="sum"), F.binary_cross_entropy, {"reduction": "sum"}),
    ]:
        a, b = np.array([[0.2, 0.7]]), np.array([[0.5, 0.5]])
        for name in backends:
            with ut.use_backend(name):
                assert_close(module(ut.asarray(a), ut.asarray(b)),
                             fn(ut.asarray(a), ut.asarray(b), **args), 0, 0)
    same_error(backends, ValueError, lambda: ut.nn.TripletMarginLoss(margin=0.0), match="margin")


# ---------------------------------------------------------------------------------------
# CTC


def _ctc_problem(seed, n=3, t=8, c=5, s=4):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(t, n, c))
    tg_len = rng.integers(0, s + 1, n)
    in_len = np.maximum(rng.integers(1, t + 1, n), 2 * tg_len + 1)
    in_len = np.minimum(in_len, t)
    targets = rng.integers(1, c, (n, s))
    if n > 1 and s > 1:
        targets[1, 1] = targets[1, 0]  # a repeated label needs a blank between
    return logits, targets, in_len, tg_len


@pytest.mark.parametrize("reduction", ["none", "sum", "mean"])
@pytest.mark.parametrize("concatenated", [False, True], ids=["padded", "concatenated"])
@given(seed=st.integers(0, 50), dtype=FLOATS)
def test_ctc_loss_matches_numpy_and_torch_through_log_softmax(backends, reduction,
                                                              concatenated, seed, dtype):
    logits, targets, in_len, tg_len = _ctc_problem(seed)
    tg = np.concatenate([targets[i, :tg_len[i]] for i in range(len(tg_len))]) \
        if concatenated else targets

    def ut_fn(x):
        return F.ctc_loss(F.log_softmax(x, dim=2), ut.asarray(tg), ut.asarray(in_len),
                          ut.asarray(tg_len), reduction=reduction, zero_infinity=True)

    def torch_fn(x):
        return TF.ctc_loss(TF.log_softmax(x, 2), torch.tensor(tg), torch.tensor(in_len),
                           torch.tensor(tg_len), reduction=reduction, zero_infinity=True)

    def reference(x):
        lp = x - np.log(np.exp(x).sum(-1, keepdims=True))
        return ref_ctc(lp, targets, in_len, tg_len, 0, reduction, True)

    compare(backends, ut_fn, torch_fn, [logits], dtype, "composite", 64, reference=reference)


def test_ctc_gradient_is_the_exact_derivative(backends):
    """With respect to log_probs themselves the gradient is the derivative of the loss
    (central differences of the NumPy reference); PyTorch's differs there by exp(lp)."""
    logits, targets, in_len, tg_len = _ctc_problem(3, n=2, t=5, c=4, s=2)
    lp = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    fd = finite_difference(lambda v: ref_ctc(v, targets, in_len, tg_len, 0, "sum"), lp)
    tlp = torch.tensor(lp, requires_grad=True)
    TF.ctc_loss(tlp, torch.tensor(targets), torch.tensor(in_len), torch.tensor(tg_len),
                reduction="sum").backward()
    assert_close(tlp.grad.numpy(), fd + np.exp(lp) * (in_len > np.arange(5)[:, None])[..., None],
                 1e-6, 1e-6, msg="torch's gradient is exp(lp) - posterior")
    for b in backends:
        with ut.use_backend(b):
            g = ut.grad(lambda v: F.ctc_loss(v, ut.asarray(targets), ut.asarray(in_len),
                                             ut.asarray(tg_len), reduction="sum"))(
                ut.asarray(lp))
            assert_close(g, fd, 1e-6, 1e-6, msg=f"{b} vs finite differences")


def test_ctc_impossible_alignments_unbatched_and_blank(backends):
    lp = np.log(np.full((3, 2, 4), 0.25))
    targets = np.array([[1, 1, 2], [3, 0, 0]])
    in_len, tg_len = np.array([3, 3]), np.array([3, 1])  # 1 1 2 needs 4 frames
    expected = ref_ctc(lp, targets, in_len, tg_len, 0, "none")
    assert math.isinf(expected[0])
    for b in backends:
        with ut.use_backend(b):
            out = F.ctc_loss(ut.asarray(lp), ut.asarray(targets), ut.asarray(in_len),
                             ut.asarray(tg_len), reduction="none")
            assert math.isinf(out[0].item()) and math.isclose(out[1].item(), expected[1])
            g = ut.grad(lambda v: ut.sum(F.ctc_loss(v, ut.asarray(targets), ut.asarray(in_len),
                                                    ut.asarray(tg_len), reduction="none")[1:]))(
                ut.asarray(lp))
            assert not np.any(np.isnan(g.numpy()))  # (PyTorch's is NaN everywhere here)
            zero = F.ctc_loss(ut.asarray(lp), ut.asarray(targets), ut.asarray(in_len),
                              ut.asarray(tg_len), reduction="none", zero_infinity=True)
            assert zero[0].item() == 0.0
            # unbatched, and another blank index
            single = F.ctc_loss(ut.asarray(lp[:, 1]), ut.asarray(np.array([3])), 3, 1,
                                reduction="none")
            assert single.shape == () and math.isclose(single.item(), expected[1])
    want = TF.ctc_loss(torch.tensor(lp), torch.tensor([[0, 1], [2, 2]]), torch.tensor([3, 3]),
                       torch.tensor([2, 1]), blank=3)
    check(on_backends(backends, lambda *a: ut.nn.CTCLoss(blank=3)(*a), lp,
                      np.array([[0, 1], [2, 2]]), np.array([3, 3]), np.array([2, 1])),
          want.numpy(), ut.float64, "composite", 8)


# ---------------------------------------------------------------------------------------
# errors

ERRORS = [
    (ValueError, lambda: F.binary_cross_entropy(ut.tensor([1.5]), ut.tensor([1.0])),
     "between 0 and 1"),
    (ValueError, lambda: F.binary_cross_entropy(ut.tensor([0.5, 0.5]), ut.tensor([1.0])),
     "Please ensure they have the same size"),
    (ValueError, lambda: F.smooth_l1_loss(ut.ones(2), ut.ones(2), beta=-1.0),
     "negative values for beta"),
    (ut.ShapeError, lambda: F.smooth_l1_loss(ut.ones(2), ut.ones(3)), "input's shape"),
    (ValueError, lambda: F.kl_div(ut.ones(2), ut.ones(2), reduction="avg"), "reduction"),
    (ut.ShapeError, lambda: F.cosine_embedding_loss(ut.ones((2, 3)), ut.ones((2, 3)),
                                                    ut.ones(3)), "does not fit"),
    (ut.ShapeError, lambda: F.margin_ranking_loss(ut.ones(2), ut.ones(2), ut.ones((1, 2))),
     "same dimension"),
    (ut.ShapeError, lambda: F.triplet_margin_loss(ut.ones((2, 3)), ut.ones((2, 3)),
                                                  ut.ones(3)), "same number of dimensions"),
    (ValueError, lambda: F.ctc_loss(ut.zeros((3, 1, 4)), ut.tensor([[1, 0]]), [4], [2]),
     "at most 3"),
    (ValueError, lambda: F.ctc_loss(ut.zeros((3, 1, 4)), ut.tensor([[1, 0]]), [3], [2]),
     "equals the blank"),
    (ut.IndexOutOfRangeError, lambda: F.ctc_loss(ut.zeros((3, 1, 4)), ut.tensor([[1, 7]]),
                                                 [3], [2]), "out of range for 4 classes"),
]


@pytest.mark.parametrize("exc, fn, match", ERRORS, ids=[f"{e[0].__name__}-{i}"
                                                         for i, e in enumerate(ERRORS)])
def test_bad_input_raises_one_message(backends, exc, fn, match):
    same_error(backends, exc, fn, match=match)
