"""Gradient clipping (``ut.nn.utils``) against NumPy float64, ``torch.nn.utils`` and
across backends."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import family_tolerance

from support import same_error


def _norm(a: np.ndarray, p: float) -> float:
    a = np.abs(a.astype(np.float64)).ravel()
    if p == np.inf:
        return float(a.max(initial=0.0))
    return float(np.sum(a ** p) ** (1 / p))


def reference(grads, max_norm, p):
    """(total norm, clipped gradients) in float64, as torch.nn.utils.clip_grad_norm_."""
    present = [g for g in grads if g is not None]
    if not present:
        return 0.0, grads
    total = _norm(np.array([_norm(g, p) for g in present]), p)
    coef = min(1.0, max_norm / (total + 1e-6))
    return total, [None if g is None else g.astype(np.float64) * coef for g in grads]


@st.composite
def gradient_sets(draw):
    n = draw(st.integers(1, 3))
    dtypes = draw(st.lists(st.sampled_from([ut.float32, ut.float64]), min_size=n, max_size=n))
    shapes = draw(st.lists(uts.shapes(max_dims=2, max_side=4, min_side=1), min_size=n,
                           max_size=n))
    grads = []
    for d, s in zip(dtypes, shapes):
        has = draw(st.integers(0, 4)) > 0
        grads.append(draw(uts.arrays(d, s, min_value=-10, max_value=10)) if has else None)
    return dtypes, shapes, grads


def _on(backend, dtypes, shapes, grads):
    with ut.use_backend(backend):
        ps = [ut.nn.Parameter(ut.zeros(s, dtype=d)) for d, s in zip(dtypes, shapes)]
        for p, g in zip(ps, grads):
            p.grad = None if g is None else ut.asarray(g.copy())
        return ps


@given(data=gradient_sets(), max_norm=st.sampled_from([0.1, 1.0, 5.0, 1e3]),
       norm_type=st.sampled_from([1.0, 2.0, 3.0, float("inf")]))
def test_clip_grad_norm_matches_numpy_torch_and_backends(backends, data, max_norm, norm_type):
    dtypes, shapes, grads = data
    total, clipped = reference(grads, max_norm, norm_type)
    tp = [torch.zeros(s, dtype=getattr(torch, d.name), requires_grad=True)
          for d, s in zip(dtypes, shapes)]
    for p, g in zip(tp, grads):
        p.grad = None if g is None else torch.tensor(g.copy())
    t_total = float(torch.nn.utils.clip_grad_norm_(tp, max_norm, norm_type))
    n = sum(g.size for g in grads if g is not None) + 4
    present = [d for d, g in zip(dtypes, grads) if g is not None]
    total_dtype = ut.float64 if ut.float64 in present else ut.float32
    least = ut.float32 if ut.float32 in present else ut.float64
    family = "reduction" if norm_type in (1.0, 2.0, float("inf")) else "composite"
    for b in backends:
        ps = _on(b, dtypes, shapes, grads)
        with ut.use_backend(b):
            out = ut.nn.utils.clip_grad_norm_(ps, max_norm, norm_type=norm_type)
        assert out.shape == ()
        if present:
            assert out.dtype is total_dtype
        # each gradient's norm is computed (and rounded) in its own dtype, as in torch
        rtol, atol = family_tolerance(family, least, scale=n)
        assert_close(float(out), total, rtol, atol * total, msg=f"{b} total vs NumPy")
        assert_close(float(out), t_total, rtol, atol * total, msg=f"{b} total vs torch")
        for i, (p, want) in enumerate(zip(ps, clipped)):
            if want is None:
                assert p.grad is None
                continue
            assert p.grad.dtype is dtypes[i]
            rtol, atol = family_tolerance(family, least, scale=n)
            assert_close(p.grad.numpy(), want, rtol, atol * np.abs(want).max(initial=1.0),
                         msg=f"{b} gradient {i} vs NumPy")
            assert_close(p.grad.numpy(), tp[i].grad.numpy(), rtol,
                         atol * np.abs(want).max(initial=1.0), msg=f"{b} gradient {i} vs torch")


@given(data=gradient_sets(), clip=st.sampled_from([0.0, 0.5, 3.0]))
def test_clip_grad_value_matches_numpy(backends, data, clip):
    dtypes, shapes, grads = data
    for b in backends:
        ps = _on(b, dtypes, shapes, grads)
        with ut.use_backend(b):
            assert ut.nn.utils.clip_grad_value_(ps, clip) is None
        for p, g in zip(ps, grads):
            if g is None:
                assert p.grad is None
            else:
                np.testing.assert_array_equal(p.grad.numpy(), np.clip(g, -clip, clip))


def test_nan_and_inf(backends):
    grads = [np.array([np.inf, 1.0], np.float32), np.array([np.nan], np.float32)]
    t = torch.zeros(2, requires_grad=True)
    t.grad = torch.tensor(grads[0])
    torch.nn.utils.clip_grad_norm_([t], 1.0)
    expected = t.grad.numpy()  # inf * 0 is NaN
    assert np.isnan(expected[0]) and expected[1] == 0
    for b in backends:
        ps = _on(b, [ut.float32] * 2, [(2,), (1,)], grads)
        with ut.use_backend(b):
            ut.nn.utils.clip_grad_value_(ps, 2.0)
            np.testing.assert_array_equal(ps[0].grad.numpy(), [2.0, 1.0])
            assert np.isnan(ps[1].grad.numpy()[0])
            ps[0].grad = ut.asarray(grads[0].copy())
            total = ut.nn.utils.clip_grad_norm_(ps[:1], 1.0)  # scaled by 1 / inf = 0
            assert float(total) == np.inf
            np.testing.assert_array_equal(ps[0].grad.numpy(), expected)

    def nonfinite():
        ps = _on(ut.get_backend(), [ut.float32], [(2,)], grads[:1])
        ut.nn.utils.clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)

    same_error(backends, RuntimeError, nonfinite,
               match="The total norm of order 2.0 for gradients from `parameters` is non-finite")


def test_no_gradients_and_single_tensor(backend):
    w = ut.nn.Parameter(ut.ones(3))
    total = ut.nn.utils.clip_grad_norm_(w, 1.0)
    assert float(total) == 0.0 and w.grad is None
    w.grad = ut.asarray(np.array([3.0, 4.0, 0.0], np.float32))
    total = ut.nn.utils.clip_grad_norm_(w, 10.0)  # below max_norm: unchanged (coef 1)
    assert float(total) == 5.0
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 4.0, 0.0])


def test_clip_inside_compiled_step(backend):
    w = ut.nn.Parameter(ut.asarray(np.array([3.0, 4.0], np.float32)))

    def step():
        w.grad = None
        ut.sum(w * w).backward()  # gradient 2w, norm 10
        return ut.nn.utils.clip_grad_norm_([w], 1.0)

    total = ut.compile(step, fallback=False, torch={"backend": "aot_eager"})()
    assert float(total) == 10.0
    assert_close(w.grad.numpy(), np.array([0.6, 0.8]), 1e-6, 1e-6)


@pytest.mark.parametrize("call, exc, match", [
    (lambda p: ut.nn.utils.clip_grad_norm_([p], "big"), TypeError, "max_norm must be a real"),
    (lambda p: ut.nn.utils.clip_grad_value_([p], None), TypeError, "clip_value must be a real"),
    (lambda p: ut.nn.utils.clip_grad_norm_([p, 3], 1.0), TypeError, "expected Tensors"),
])
def test_errors_are_the_same_on_every_backend(backends, call, exc, match):
    def run():
        p = ut.nn.Parameter(ut.ones(2))
        p.grad = ut.ones(2)
        call(p)

    same_error(backends, exc, run, match=match)
