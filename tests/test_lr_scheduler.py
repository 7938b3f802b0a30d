"""Learning-rate schedulers against NumPy float64 closed forms of their schedules and
against ``torch.optim.lr_scheduler`` on the same settings; their effect on (compiled)
optimizer steps on every backend; state dicts exchanged with PyTorch; errors."""

from __future__ import annotations

import math
from bisect import bisect_right

import numpy as np
import pytest
import torch
from hypothesis import assume, given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.optim import lr_scheduler as uls
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from optim_support import torch_optimizer, trajectory, ut_optimizer
from support import same_error

# ---------------------------------------------------------------------------------------
# NumPy float64 closed forms: lr (and momentum) at epoch e for initial rate `base`


def step_lr(base, e, step_size, gamma=0.1):
    return base * np.float64(gamma) ** (e // step_size)


def multistep_lr(base, e, milestones, gamma=0.1):
    return base * np.float64(gamma) ** bisect_right(sorted(milestones), e)


def exponential_lr(base, e, gamma):
    return base * np.float64(gamma) ** e


def cosine_lr(base, e, T_max, eta_min=0.0):
    return eta_min + (base - eta_min) * (1 + np.cos(np.pi * e / T_max)) / 2


def one_cycle(max_lr, e, total_steps, pct_start=0.3, anneal_strategy="cos",
              base_momentum=0.85, max_momentum=0.95, div_factor=25.0,
              final_div_factor=1e4, three_phase=False):
    """(lr, momentum) of the 1cycle policy at step e, from its phase table."""
    initial = max_lr / div_factor
    low = initial / final_div_factor
    up = pct_start * total_steps - 1
    if three_phase:
        phases = [(up, initial, max_lr, max_momentum, base_momentum),
                  (2 * pct_start * total_steps - 2, max_lr, initial, base_momentum, max_momentum),
                  (total_steps - 1, initial, low, max_momentum, max_momentum)]
    else:
        phases = [(up, initial, max_lr, max_momentum, base_momentum),
                  (total_steps - 1, max_lr, low, base_momentum, max_momentum)]

    def anneal(a, b, pct):
        if anneal_strategy == "cos":
            return b + (a - b) / 2 * (1 + np.cos(np.pi * pct))
        return a + (b - a) * pct

    start = 0.0
    for i, (end, lr0, lr1, m0, m1) in enumerate(phases):
        if e <= end or i == len(phases) - 1:
            pct = (e - start) / (end - start)
            return anneal(lr0, lr1, pct), anneal(m0, m1, pct)
        start = end
    raise AssertionError


# ---------------------------------------------------------------------------------------
# driving a scheduler on unitorch and on torch


SCHEDULERS = {
    "StepLR": (lambda d: {"step_size": d(st.integers(1, 5)),
                          "gamma": d(st.sampled_from([0.1, 0.5, 0.9]))}, step_lr),
    "MultiStepLR": (lambda d: {"milestones": d(st.lists(st.integers(0, 20), max_size=4)),
                               "gamma": d(st.sampled_from([0.1, 0.5]))}, multistep_lr),
    "ExponentialLR": (lambda d: {"gamma": d(st.sampled_from([0.5, 0.9, 0.99]))},
                      exponential_lr),
    "CosineAnnealingLR": (lambda d: {"T_max": d(st.integers(1, 10)),
                                     "eta_min": d(st.sampled_from([0.0, 1e-4]))}, cosine_lr),
    "LambdaLR": (lambda d: {"lr_lambda": d(st.sampled_from([
        lambda e: 0.95 ** e, lambda e: 1.0 / (1 + e), lambda e: min(1.0, (e + 1) / 5)]))},
        lambda base, e, lr_lambda: base * lr_lambda(e)),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
@given(data=st.data())
def test_schedule_matches_closed_form_and_torch(backends, name, data):
    make_kwargs, closed_form = SCHEDULERS[name]
    kwargs = make_kwargs(data.draw)
    bases = data.draw(st.lists(st.sampled_from([0.1, 0.01, 1.0]), min_size=1, max_size=2))
    epochs = data.draw(st.integers(1, 25))
    topt = torch_optimizer(bases)
    expected_torch, _ = trajectory(getattr(torch.optim.lr_scheduler, name)(topt, **kwargs),
                                   topt, epochs)
    reference = np.array([[closed_form(b, e, **kwargs) for b in bases]
                          for e in range(epochs + 1)])
    rtol, atol = family_tolerance("composite", ut.float64, scale=epochs + 1)
    for b in backends:
        opt = ut_optimizer(b, bases)
        sched = getattr(uls, name)(opt, **kwargs)
        got, _ = trajectory(sched, opt, epochs)
        assert got == expected_torch, f"{b}: differs from torch.optim.lr_scheduler"
        assert_close(np.array(got), reference, rtol, atol * max(bases), msg=f"{b} vs NumPy")
        assert [g["lr"] for g in opt.param_groups] == got[-1]
        assert [g.hyper["lr"].value for g in opt.param_groups] == got[-1]


@given(total_steps=st.integers(2, 30), pct_start=st.sampled_from([0.1, 0.3, 0.5]),
       anneal_strategy=st.sampled_from(["cos", "linear"]), three_phase=st.booleans(),
       opt_name=st.sampled_from(["SGD", "Adam", "RMSprop"]),
       max_lr=st.lists(st.sampled_from([0.1, 1.0]), min_size=1, max_size=2))
def test_one_cycle_matches_closed_form_and_torch(backends, total_steps, pct_start,
                                                 anneal_strategy, three_phase, opt_name,
                                                 max_lr):
    ends = [pct_start * total_steps - 1, total_steps - 1]
    if three_phase:
        ends.insert(1, 2 * pct_start * total_steps - 2)
    assume(all(b != a for a, b in zip([0.0, *ends], ends)))  # (an error: tested below)
    kwargs = dict(max_lr=max_lr, total_steps=total_steps, pct_start=pct_start,
                  anneal_strategy=anneal_strategy, three_phase=three_phase)
    key = "betas" if opt_name == "Adam" else "momentum"
    bases = [0.5] * len(max_lr)
    topt = torch_optimizer(bases, opt_name)
    t_lrs, t_moms = trajectory(torch.optim.lr_scheduler.OneCycleLR(topt, **kwargs), topt,
                               total_steps - 1, key)
    ref = [[one_cycle(m, e, total_steps, pct_start, anneal_strategy,
                      three_phase=three_phase) for m in max_lr] for e in range(total_steps)]
    ref_lr = np.array([[r[0] for r in row] for row in ref])
    ref_mom = np.array([row[0][1] for row in ref])
    rtol, atol = family_tolerance("composite", ut.float64, scale=4)
    for b in backends:
        opt = ut_optimizer(b, bases, opt_name)
        lrs, moms = trajectory(uls.OneCycleLR(opt, **kwargs), opt, total_steps - 1, key)
        assert lrs == t_lrs and moms == t_moms, f"{b}: differs from torch"
        assert_close(np.array(lrs), ref_lr, rtol, atol, msg=f"{b} lr vs NumPy")
        first = np.array([m[0] if key == "betas" else m for m in moms])
        assert_close(first, ref_mom, rtol, atol, msg=f"{b} momentum vs NumPy")
        holder = "beta1" if key == "betas" else "momentum"
        assert opt.param_groups[0].hyper[holder].value == first[-1]
        opt_end = ut_optimizer(b, bases, opt_name)
        sched_end = uls.OneCycleLR(opt_end, **kwargs)
        for _ in range(total_steps):  # one past the schedule is allowed, as in torch
            opt_end.step()
            sched_end.step()
        with pytest.raises(ValueError, match=f"Tried to step {total_steps + 1} times"):
            sched_end.step()


def test_scheduled_rate_reaches_eager_and_compiled_steps(backend):
    """SGD with StepLR: each step moves w by exactly the scheduled lr times the gradient,
    eagerly and in a compiled step (which reads the new lr without recompiling)."""
    for compiled in (False, True):
        w = ut.nn.Parameter(ut.zeros(1, dtype=ut.float64))
        opt = ut.optim.SGD([w], lr=1.0)
        sched = uls.StepLR(opt, step_size=1, gamma=0.5)

        def step(opt=opt, w=w):
            opt.zero_grad()
            ut.sum(w).backward()  # gradient 1
            opt.step()

        run = ut.compile(step, fallback=False, torch={"backend": "aot_eager"}) if compiled \
            else step
        seen = []
        for _ in range(4):
            before = float(w[0])
            run()
            seen.append(before - float(w[0]))
            sched.step()
        assert seen == [1.0, 0.5, 0.25, 0.125], (compiled, seen)


def test_state_dict_exchanges_with_torch(backends):
    """A torch scheduler's state loads into unitorch's (and back) and continues alike."""
    kwargs = dict(max_lr=0.5, total_steps=20)
    topt = torch_optimizer([0.1], "Adam")
    tsched = torch.optim.lr_scheduler.OneCycleLR(topt, **kwargs)
    for _ in range(7):
        topt.step()
        tsched.step()
    tstate, topt_state = tsched.state_dict(), topt.state_dict()
    rest_torch = []
    for _ in range(5):
        topt.step()
        tsched.step()
        rest_torch.append((tsched.get_last_lr(), topt.param_groups[0]["betas"]))
    for b in backends:
        opt = ut_optimizer(b, [0.1], "Adam")
        with ut.use_backend(b):
            opt.load_state_dict(topt_state)
            sched = uls.OneCycleLR(opt, **kwargs)
            sched.load_state_dict(tstate)
        rest = []
        for _ in range(5):
            opt.step()
            sched.step()
            rest.append((sched.get_last_lr(), opt.param_groups[0]["betas"]))
        assert rest == rest_torch, b
        # and back: unitorch's state loads into torch's scheduler
        topt2 = torch_optimizer([0.1], "Adam")
        tsched2 = torch.optim.lr_scheduler.OneCycleLR(topt2, **kwargs)
        tsched2.load_state_dict(sched.state_dict())
        assert tsched2.last_epoch == sched.last_epoch == 12
        assert tsched2.get_last_lr() == sched.get_last_lr()


def test_lambda_state_dict_and_resume(backend):
    class Factor:
        def __init__(self):
            self.k = 0.5

        def __call__(self, e):
            return self.k ** e

    opt = ut_optimizer(backend, [1.0])
    sched = uls.LambdaLR(opt, Factor())
    opt.step()
    sched.step()
    state = sched.state_dict()
    assert state["lr_lambdas"] == [{"k": 0.5}]
    other = ut_optimizer(backend, [1.0])
    other.load_state_dict(opt.state_dict())
    resumed = uls.LambdaLR(other, Factor(), last_epoch=0)
    resumed.load_state_dict(state)
    other.step()
    resumed.step()
    assert resumed.get_last_lr() == [0.25]


def test_step_order_warning(backend):
    opt = ut_optimizer(backend, [0.1])
    sched = uls.ExponentialLR(opt, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        sched.step()


@pytest.mark.parametrize("make, exc, match", [
    (lambda: uls.OneCycleLR(ut_optimizer(ut.get_backend(), [0.1]), max_lr=1.0), ValueError,
     "You must define either total_steps OR"),
    (lambda: uls.OneCycleLR(ut_optimizer(ut.get_backend(), [0.1]), 1.0, total_steps=0),
     ValueError, "Expected positive integer total_steps, but got 0"),
    (lambda: uls.OneCycleLR(ut_optimizer(ut.get_backend(), [0.1]), 1.0, total_steps=5,
                            anneal_strategy="exp"), ValueError, "anneal_strategy must be"),
    (lambda: uls.OneCycleLR(ut_optimizer(ut.get_backend(), [0.1], "Adagrad"), 1.0,
                            total_steps=5), ValueError, "must support momentum or beta1"),
    (lambda: uls.OneCycleLR(ut_optimizer(ut.get_backend(), [0.1, 0.2]), [1.0, 2.0, 3.0],
                            total_steps=5), ValueError, "max_lr must have the same length"),
    (lambda: uls.OneCycleLR(ut_optimizer(ut.get_backend(), [0.1]), 1.0, total_steps=2,
                            pct_start=0.5), ValueError, "gives a phase of no steps"),
    (lambda: uls.LambdaLR(ut_optimizer(ut.get_backend(), [0.1]), [abs, abs]), ValueError,
     "Expected 1 lr_lambdas, but got 2"),
    (lambda: uls.StepLR(torch_optimizer([0.1]), 2), TypeError, "SGD is not an Optimizer"),
    (lambda: uls.StepLR(ut_optimizer(ut.get_backend(), [0.1]), 2, last_epoch=3), KeyError,
     "'initial_lr' is not specified in param_groups\\[0\\]"),
])
def test_errors_are_the_same_on_every_backend(backends, make, exc, match):
    same_error(backends, exc, make, match=match)


def test_cosine_closed_form_jump(backend):
    """step(epoch) uses the closed form, as PyTorch does (deprecated there)."""
    opt = ut_optimizer(backend, [1.0])
    sched = uls.CosineAnnealingLR(opt, T_max=10)
    with pytest.warns(UserWarning):
        sched.step(5)
    assert math.isclose(sched.get_last_lr()[0], 0.5, rel_tol=1e-15)
