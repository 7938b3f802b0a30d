"""The schedulers of issue 11 (MultiplicativeLR, ConstantLR, LinearLR, PolynomialLR,
CosineAnnealingWarmRestarts, CyclicLR, ReduceLROnPlateau, SequentialLR,
ChainedScheduler): against NumPy float64 closed forms of their schedules written here,
against ``torch.optim.lr_scheduler`` on the same settings (bit for bit: the same
recursions on Python floats), on every backend; the rates reach the optimizer's update;
state dicts exchanged with PyTorch; no spurious step-order warning; errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.optim import lr_scheduler as uls
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from optim_support import torch_optimizer, trajectory, ut_optimizer
from support import same_error

# ---------------------------------------------------------------------------------------
# NumPy float64 closed forms: lr at epoch e for initial rate `base`


def constant_lr(base, e, factor, total_iters):
    return base * (factor if e < total_iters else 1.0)


def linear_lr(base, e, start_factor, end_factor, total_iters):
    return base * (start_factor + (end_factor - start_factor) * min(e, total_iters)
                   / total_iters)


def polynomial_lr(base, e, total_iters, power):
    return base * (1.0 - min(e, total_iters) / total_iters) ** power


def multiplicative_lr(base, e, factor):
    return base * np.float64(factor) ** e


def warm_restarts_lr(base, e, T_0, T_mult, eta_min):
    t_i, t_cur = T_0, e
    while t_cur >= t_i:
        t_cur -= t_i
        t_i *= T_mult
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * t_cur / t_i)) / 2


def cyclic_lr(base, e, max_lr, step_size_up, step_size_down, mode, gamma):
    """(lr, momentum) of the triangular policy: position x in the cycle, rising for
    step_size_up steps, falling for step_size_down."""
    total = step_size_up + step_size_down
    cycle = math.floor(1 + e / total)
    pos = e - (cycle - 1) * total
    f = pos / step_size_up if pos <= step_size_up else (total - pos) / step_size_down
    scale = {"triangular": 1.0, "triangular2": 1 / 2 ** (cycle - 1),
             "exp_range": gamma ** e}[mode]
    return base + (max_lr - base) * f * scale, 0.9 - 0.1 * f * scale


SCHEDULES = {
    "MultiplicativeLR": (lambda d: {"factor": d(st.sampled_from([0.5, 0.9, 0.99]))},
                         lambda kw: {"lr_lambda": lambda e, f=kw["factor"]: f},
                         multiplicative_lr),
    # (factor 0 divides by zero at total_iters, and total_iters 0 contradicts the closed
    # form, in PyTorch's recursion as in unitorch's)
    "ConstantLR": (lambda d: {"factor": d(st.sampled_from([0.1, 1 / 3, 0.5, 1.0])),
                              "total_iters": d(st.integers(1, 8))}, dict, constant_lr),
    "LinearLR": (lambda d: {"start_factor": d(st.sampled_from([1 / 3, 0.1, 1.0])),
                            "end_factor": d(st.sampled_from([1.0, 0.5, 0.0])),
                            "total_iters": d(st.integers(1, 8))}, dict, linear_lr),
    "PolynomialLR": (lambda d: {"total_iters": d(st.integers(1, 8)),
                                "power": d(st.sampled_from([1.0, 0.5, 2.0]))}, dict,
                     polynomial_lr),
    "CosineAnnealingWarmRestarts": (
        lambda d: {"T_0": d(st.integers(1, 5)), "T_mult": d(st.integers(1, 3)),
                   "eta_min": d(st.sampled_from([0.0, 1e-3]))}, dict, warm_restarts_lr),
}


@pytest.mark.parametrize("name", sorted(SCHEDULES))
@given(data=st.data())
def test_schedule_matches_closed_form_and_torch(backends, name, data):
    make, to_kwargs, closed_form = SCHEDULES[name]
    settings = make(data.draw)
    kwargs = to_kwargs(settings)
    bases = data.draw(st.lists(st.sampled_from([0.1, 0.01, 1.0]), min_size=1, max_size=2))
    epochs = data.draw(st.integers(1, 25))
    topt = torch_optimizer(bases)
    expected_torch, _ = trajectory(getattr(torch.optim.lr_scheduler, name)(topt, **kwargs),
                                   topt, epochs)
    reference = np.array([[closed_form(b, e, **settings) for b in bases]
                          for e in range(epochs + 1)])
    rtol, atol = family_tolerance("composite", ut.float64, scale=epochs + 1)
    for b in backends:
        opt = ut_optimizer(b, bases)
        got, _ = trajectory(getattr(uls, name)(opt, **kwargs), opt, epochs)
        assert got == expected_torch, f"{b}: differs from torch.optim.lr_scheduler"
        assert_close(np.array(got), reference, rtol, atol, msg=f"{b} vs NumPy")
        assert [g.hyper["lr"].value for g in opt.param_groups] == got[-1]


@given(up=st.integers(1, 4), down=st.none() | st.integers(1, 4),
       mode=st.sampled_from(["triangular", "triangular2", "exp_range"]),
       gamma=st.sampled_from([1.0, 0.9]), opt_name=st.sampled_from(["SGD", "Adam"]),
       epochs=st.integers(1, 20))
def test_cyclic_lr_and_momentum_match_closed_form_and_torch(backends, up, down, mode, gamma,
                                                            opt_name, epochs):
    kwargs = dict(base_lr=0.01, max_lr=0.1, step_size_up=up, step_size_down=down, mode=mode,
                  gamma=gamma)
    extra = {"momentum": 0.5} if opt_name == "SGD" else {}
    key = "betas" if opt_name == "Adam" else "momentum"
    topt = torch_optimizer([0.3], opt_name, **extra)
    t_lrs, t_moms = trajectory(torch.optim.lr_scheduler.CyclicLR(topt, **kwargs), topt,
                               epochs, key)
    ref = [cyclic_lr(0.01, e, 0.1, up, down or up, mode, gamma) for e in range(epochs + 1)]
    rtol, atol = family_tolerance("composite", ut.float64, scale=epochs + 1)
    for b in backends:
        opt = ut_optimizer(b, [0.3], opt_name, **extra)
        lrs, moms = trajectory(uls.CyclicLR(opt, **kwargs), opt, epochs, key)
        assert lrs == t_lrs and moms == t_moms, f"{b}: differs from torch"
        assert_close(np.array(lrs)[:, 0], np.array([r[0] for r in ref]), rtol, atol)
        first = np.array([m[0] if key == "betas" else m for m in moms])
        assert_close(first, np.array([r[1] for r in ref]), rtol, atol)


@given(metrics=st.lists(st.sampled_from([1.0, 0.9, 0.5, 0.99999, 2.0]), min_size=1,
                        max_size=25),
       mode=st.sampled_from(["min", "max"]), threshold_mode=st.sampled_from(["rel", "abs"]),
       patience=st.integers(0, 3), cooldown=st.integers(0, 2),
       min_lr=st.sampled_from([0.0, 0.004]))
def test_reduce_on_plateau_matches_torch(backends, metrics, mode, threshold_mode, patience,
                                         cooldown, min_lr):
    kwargs = dict(mode=mode, threshold_mode=threshold_mode, patience=patience,
                  cooldown=cooldown, min_lr=min_lr, factor=0.5)
    topt = torch_optimizer([0.1])
    want, _ = trajectory(torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kwargs), topt,
                         len(metrics), metrics=metrics)
    for b in backends:
        opt = ut_optimizer(b, [0.1])
        sched = uls.ReduceLROnPlateau(opt, **kwargs)
        got, _ = trajectory(sched, opt, len(metrics), metrics=[ut.asarray(m) for m in metrics])
        assert got == want, b
        assert all(lr[0] >= min_lr for lr in got)


@given(epochs=st.integers(1, 20), milestone=st.integers(1, 6))
def test_sequential_and_chained_match_torch(backends, epochs, milestone):
    def make(S, opt):
        return {
            "sequential": S.SequentialLR(opt, [S.LinearLR(opt, 0.25, total_iters=3),
                                               S.CosineAnnealingLR(opt, T_max=7),
                                               S.ExponentialLR(opt, 0.9)],
                                         milestones=[milestone, milestone + 4]),
            "chained": S.ChainedScheduler([S.LinearLR(opt, 0.25, total_iters=3),
                                           S.ExponentialLR(opt, 0.9)]),
        }

    for kind in ("sequential", "chained"):
        topt = torch_optimizer([0.1])
        want, _ = trajectory(make(torch.optim.lr_scheduler, topt)[kind], topt, epochs)
        for b in backends:
            opt = ut_optimizer(b, [0.1])
            got, _ = trajectory(make(uls, opt)[kind], opt, epochs)
            assert got == want, (kind, b)
    # the warm-up then decay, against its closed form
    for b in backends:
        opt = ut_optimizer(b, [1.0])
        sched = uls.SequentialLR(opt, [uls.LinearLR(opt, 0.25, total_iters=3),
                                       uls.ExponentialLR(opt, 0.5)], milestones=[3])
        got, _ = trajectory(sched, opt, 6)
        expected = [linear_lr(1.0, e, 0.25, 1.0, 3) for e in range(3)] + [
            0.5 ** (e - 3) for e in range(3, 7)]
        assert_close(np.array(got)[:, 0], np.array(expected), 1e-15, 1e-15)


def test_warm_restarts_fractional_epochs_match_torch(backends):
    steps = [0.0, 0.5, 1.25, 3.0, 4.5, 7.0, 7.75, 15.0, 2.0]
    topt = torch_optimizer([0.1])
    tsched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(topt, T_0=2, T_mult=2)
    want = []
    for e in steps:
        tsched.step(e)
        want.append(tsched.get_last_lr())
    for b in backends:
        opt = ut_optimizer(b, [0.1])
        sched = uls.CosineAnnealingWarmRestarts(opt, T_0=2, T_mult=2)
        got = []
        for e in steps:
            sched.step(e)
            got.append(sched.get_last_lr())
        assert got == want, b
        assert_close(np.array(got)[3, 0], warm_restarts_lr(0.1, 3, 2, 2, 0.0), 1e-15, 1e-15)


def test_scheduled_rates_reach_the_update(backend):
    """SGD under LinearLR: each step moves w by exactly the scheduled lr times the
    gradient."""
    w = ut.nn.Parameter(ut.zeros(1, dtype=ut.float64))
    opt = ut.optim.SGD([w], lr=1.0)
    sched = uls.LinearLR(opt, start_factor=0.25, total_iters=3)
    seen = []
    for _ in range(5):
        before = float(w[0])
        opt.zero_grad()
        ut.sum(w).backward()
        opt.step()
        sched.step()
        seen.append(before - float(w[0]))
    assert seen == [0.25, 0.5, 0.75, 1.0, 1.0]


def test_state_dicts_exchange_with_torch(backends):
    """Each scheduler's torch state loads into unitorch's and continues alike, and
    unitorch's loads into torch's."""
    def makers(S):
        return {
            "LinearLR": lambda o: S.LinearLR(o, 0.1, total_iters=6),
            "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=8, power=2.0),
            "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2),
            "CyclicLR": lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=3),
            "ReduceLROnPlateau": lambda o: S.ReduceLROnPlateau(o, patience=0),
            "SequentialLR": lambda o: S.SequentialLR(
                o, [S.ConstantLR(o, 0.5, 2), S.ExponentialLR(o, 0.8)], milestones=[3]),
        }

    for name in makers(uls):
        topt = torch_optimizer([0.1], momentum=0.9)
        tsched = makers(torch.optim.lr_scheduler)[name](topt)
        metrics = [1.0, 0.5, 0.7, 0.8, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]
        for e in range(5):
            topt.step()
            tsched.step(metrics[e]) if name == "ReduceLROnPlateau" else tsched.step()
        tstate, topt_state = tsched.state_dict(), topt.state_dict()
        want, _ = trajectory(tsched, topt, 5, metrics=metrics[5:] if name ==
                             "ReduceLROnPlateau" else None)
        for b in backends:
            # resuming as PyTorch's documentation does: build both, then load both
            opt = ut_optimizer(b, [0.1], momentum=0.9)
            sched = makers(uls)[name](opt)
            opt.load_state_dict(topt_state)
            sched.load_state_dict(tstate)
            got, _ = trajectory(sched, opt, 5, metrics=metrics[5:] if name ==
                                "ReduceLROnPlateau" else None)
            assert got == want, (name, b)
            back = makers(torch.optim.lr_scheduler)[name](torch_optimizer([0.1], momentum=0.9))
            back.load_state_dict(sched.state_dict())
            assert back.last_epoch == sched.last_epoch, (name, b)


def test_no_step_order_warning_with_an_overridden_step(backends):
    """A scheduler on an optimizer whose class overrides step() (written the PyTorch
    way) warns only when scheduler.step() really comes first."""
    class Plain(ut.optim.Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.1})

        def step(self, closure=None):
            return None

    for b in backends:
        with ut.use_backend(b):
            opt = Plain([ut.nn.Parameter(ut.zeros(1))])
            sched = uls.LinearLR(opt)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                opt.step()
                sched.step()
            early = uls.ExponentialLR(Plain([ut.nn.Parameter(ut.zeros(1))]), 0.5)
            with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
                early.step()


def _opt():
    return ut_optimizer(ut.get_backend(), [0.1])


ERRORS = [
    (lambda: uls.ConstantLR(_opt(), factor=1.5), ValueError,
     "Constant multiplicative factor expected to be between 0 and 1."),
    (lambda: uls.LinearLR(_opt(), start_factor=0.0), ValueError,
     "Starting multiplicative factor expected to be greater than 0"),
    (lambda: uls.LinearLR(_opt(), end_factor=2.0), ValueError,
     "Ending multiplicative factor expected to be between 0 and 1."),
    (lambda: uls.MultiplicativeLR(_opt(), [abs, abs]), ValueError,
     "Expected 1 lr_lambdas, but got 2"),
    (lambda: uls.MultiplicativeLR(_opt(), 0.5), TypeError,
     "lr_lambda should be a function, but got float"),
    (lambda: uls.CosineAnnealingWarmRestarts(_opt(), T_0=0), ValueError,
     "Expected positive integer T_0, but got 0"),
    (lambda: uls.CosineAnnealingWarmRestarts(_opt(), T_0=2, T_mult=1.5), ValueError,
     "Expected integer T_mult >= 1, but got 1.5"),
    (lambda: uls.CyclicLR(_opt(), 0.1, 1.0, mode="sawtooth"), ValueError,
     "mode is invalid and scale_fn is None"),
    (lambda: uls.CyclicLR(ut_optimizer(ut.get_backend(), [0.1], "Adagrad"), 0.1, 1.0),
     ValueError, "must support momentum or beta1"),
    (lambda: uls.ReduceLROnPlateau(_opt(), factor=1.0), ValueError, "Factor should be < 1.0."),
    (lambda: uls.ReduceLROnPlateau(_opt(), mode="avg"), ValueError, "mode avg is unknown!"),
    (lambda: uls.ReduceLROnPlateau(_opt(), min_lr=[0.1, 0.2]), ValueError,
     "expected 1 min_lrs, got 2"),
    (lambda: uls.SequentialLR(_opt(), [], []), ValueError, "expects at least one scheduler"),
    (lambda: uls.SequentialLR(_opt(), [uls.ConstantLR(_opt())], []), ValueError,
     "expects all schedulers to belong to the same optimizer"),
    (lambda: (lambda o: uls.SequentialLR(o, [uls.ConstantLR(o)], [1]))(_opt()), ValueError,
     "expects number of schedulers provided to be one more than the number of milestone"),
    (lambda: (lambda o: uls.ChainedScheduler([uls.ReduceLROnPlateau(o)]))(_opt()),
     ValueError, "does not support `ReduceLROnPlateau`"),
]


@pytest.mark.parametrize("make, exc, match", ERRORS, ids=[e[2][:30] for e in ERRORS])
def test_errors_are_the_same_on_every_backend(backends, make, exc, match):
    same_error(backends, exc, make, match=match)
