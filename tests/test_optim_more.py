"""The optimizers of issue 11 (Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, LBFGS)
against NumPy float64 implementations of the update rules written here from PyTorch's
documented formulas, against ``torch.optim`` on the same values (bit for bit through the
torch backend's fused kernels), through the rules of ``optim/<name>.py`` run from the
contract's primitives, and across backends; their state dicts (across backends, from
and to ``torch.optim``); compiled steps; ``Optimizer.state`` as PyTorch's defaultdict
and an optimizer written the PyTorch way; errors."""

from __future__ import annotations

import contextlib
import math
import types
import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.backends import Backend, load
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import family_tolerance

from optim_support import check_params, realistic_gradient
from support import same_error

# ---------------------------------------------------------------------------------------
# NumPy float64 references of the rules (PyTorch's documented algorithms)


def _decay(p, g, o):
    g = -g if o["maximize"] else g
    wd = o.get("weight_decay", 0.0)
    if wd and o.get("decoupled_weight_decay"):
        p = p * (1 - o["lr"] * wd)
    elif wd:
        g = g + wd * p
    return p, g


def _adadelta(p, g, s, o):
    p, g = _decay(p, g, o)
    rho, eps = o["rho"], o["eps"]
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    delta = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(s["v"] + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * delta * delta
    return p - o["lr"] * delta


def _adamax(p, g, s, o):
    t = s["t"] = s.get("t", 0) + 1
    p, g = _decay(p, g, o)
    b1, b2 = o["betas"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g) + o["eps"])
    return p - o["lr"] / (1 - b1 ** t) * s["m"] / s["u"]


def _nadam(p, g, s, o):
    t = s["t"] = s.get("t", 0) + 1
    p, g = _decay(p, g, o)
    b1, b2 = o["betas"]
    psi = o["momentum_decay"]
    mu = b1 * (1 - 0.5 * 0.96 ** (t * psi))
    mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
    # PyTorch keeps the product of the mu as a float32 scalar: so does the reference
    s["P"] = np.float32(np.float32(s.get("P", 1.0)) * np.float32(mu))
    P = np.float64(s["P"])
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    d = np.sqrt(s["v"] / (1 - b2 ** t)) + o["eps"]
    p = p - o["lr"] * (1 - mu) / (1 - P) * g / d
    return p - o["lr"] * mu_next / (1 - P * mu_next) * s["m"] / d


def _radam(p, g, s, o):
    t = s["t"] = s.get("t", 0) + 1
    p, g = _decay(p, g, o)
    b1, b2 = o["betas"]
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = s["m"] / (1 - b1 ** t)
    rho_inf = 2 / (1 - b2) - 1
    rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if rho_t > 5:
        r = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2)
                                                             * rho_t))
        return p - m_hat * o["lr"] * math.sqrt(1 - b2 ** t) / (np.sqrt(s["v"]) + o["eps"]) * r
    return p - m_hat * o["lr"]


def _asgd(p, g, s, o):
    t = s["t"] = s.get("t", 0) + 1
    p, g = _decay(p, g, o)
    eta, mu = s.get("eta", np.float32(o["lr"])), s.get("mu", 1.0)
    p = p * (1 - o["lambd"] * eta) - eta * g
    s["ax"] = p.copy() if mu == 1 else s["ax"] + (p - s["ax"]) * mu
    s["eta"] = np.float32(o["lr"] / (1 + o["lambd"] * o["lr"] * t) ** o["alpha"])
    s["mu"] = np.float32(1 / max(1, t - o["t0"]))
    return p


def _rprop(p, g, s, o):
    g = -g if o["maximize"] else g
    minus, plus = o["etas"]
    lo, hi = o["step_sizes"]
    prev = s.get("prev", np.zeros_like(p))
    size = s.get("size", np.full_like(p, o["lr"]))
    sign = np.sign(g * prev)
    factor = np.where(sign > 0, plus, np.where(sign < 0, minus, 1.0))
    s["size"] = np.clip(size * factor, lo, hi)
    g = np.where(sign < 0, 0.0, g)
    s["prev"] = g
    return p - np.sign(g) * s["size"]


RULES = {"Adadelta": _adadelta, "Adamax": _adamax, "NAdam": _nadam, "RAdam": _radam,
         "ASGD": _asgd, "Rprop": _rprop}
DEFAULTS = {
    "Adadelta": dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False),
    "Adamax": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False),
    "NAdam": dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                  momentum_decay=4e-3, decoupled_weight_decay=False, maximize=False),
    "RAdam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                  decoupled_weight_decay=False, maximize=False),
    "ASGD": dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False),
    "Rprop": dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False),
}
STATE_KEYS = {"Adadelta": {"step", "square_avg", "acc_delta"},
              "Adamax": {"step", "exp_avg", "exp_inf"},
              "NAdam": {"step", "mu_product", "exp_avg", "exp_avg_sq"},
              "RAdam": {"step", "exp_avg", "exp_avg_sq"},
              "ASGD": {"step", "eta", "mu", "ax"},
              "Rprop": {"step", "prev", "step_size"}}


def reference(name, kw, params, grad_steps):
    """Parameters after the steps, in float64, and the sum of the update sizes."""
    o = {**DEFAULTS[name], **kw}
    ps = [p.astype(np.float64) for p in params]
    states = [{} for _ in ps]
    moved = np.zeros(len(ps))
    for grads in grad_steps:
        for i, g in enumerate(grads):
            if g is not None:
                new = RULES[name](ps[i], g.astype(np.float64), states[i], o)
                moved[i] += np.max(np.abs(new - ps[i]), initial=0.0)
                ps[i] = new
    return ps, moved


# ---------------------------------------------------------------------------------------
# generated problems

_lr = st.sampled_from([1e-3, 0.01, 0.1, 0.5])
_wd = st.sampled_from([0.0, 0.01, 0.3])
_betas = st.tuples(st.sampled_from([0.0, 0.3, 0.9]), st.sampled_from([0.5, 0.99, 0.999]))


@st.composite
def configs(draw, name=None):
    name = name or draw(st.sampled_from(sorted(RULES)))
    kw: dict = {"lr": draw(_lr), "maximize": draw(st.booleans())}
    if name != "Rprop":
        kw["weight_decay"] = draw(_wd)
    if name == "Adadelta":
        kw["rho"] = draw(st.sampled_from([0.5, 0.9, 0.99]))
        kw["eps"] = draw(st.sampled_from([1e-6, 1e-3]))
    elif name in ("Adamax", "NAdam", "RAdam"):
        kw["betas"] = draw(_betas)
        kw["eps"] = draw(st.sampled_from([1e-8, 1e-3]))
        if name != "Adamax":
            kw["decoupled_weight_decay"] = draw(st.booleans())
        if name == "NAdam":
            kw["momentum_decay"] = draw(st.sampled_from([4e-3, 0.1]))
    elif name == "ASGD":
        kw["lambd"] = draw(st.sampled_from([1e-4, 0.1]))
        kw["alpha"] = draw(st.sampled_from([0.75, 0.5]))
        kw["t0"] = draw(st.sampled_from([1e6, 1.0, 2.0]))  # averaging from the start too
    else:
        kw["etas"] = draw(st.sampled_from([(0.5, 1.2), (0.3, 2.0)]))
        kw["step_sizes"] = draw(st.sampled_from([(1e-6, 50), (0.05, 0.2)]))
    return name, kw


@st.composite
def problems(draw, name=None):
    name, kw = draw(configs(name))
    dtype = draw(st.sampled_from([ut.float32, ut.float64]))
    n = draw(st.integers(1, 3))
    shapes = draw(st.lists(uts.shapes(max_dims=2, max_side=3), min_size=n, max_size=n))
    params = [draw(uts.arrays(dtype, s, min_value=-3, max_value=3)) for s in shapes]
    steps = draw(st.integers(1, 6))  # RAdam's rectified branch starts at step 6 with 0.999
    grad_steps = []
    for _ in range(steps):
        grad_steps.append([None if draw(st.integers(0, 4)) == 0 else
                           realistic_gradient(draw(uts.arrays(dtype, s, min_value=-5, max_value=5)))
                           for s in shapes])
    return name, kw, params, grad_steps


def run_unitorch(backend, name, kw, params, grad_steps):
    with ut.use_backend(backend):
        ps = [ut.nn.Parameter(ut.asarray(p.copy())) for p in params]
        opt = getattr(ut.optim, name)(ps, **kw)
        for grads in grad_steps:
            for p, g in zip(ps, grads):
                p.grad = None if g is None else ut.asarray(g.copy())
            opt.step()
        return [p.numpy() for p in ps], opt


def run_torch(name, kw, params, grad_steps):
    ps = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    opt = getattr(torch.optim, name)(ps, **kw)
    for grads in grad_steps:
        for p, g in zip(ps, grads):
            p.grad = None if g is None else torch.tensor(g.copy())
        opt.step()
    return [p.detach().numpy() for p in ps], opt


@contextlib.contextmanager
def rules_from_primitives(backend):
    """The backend without its fused kernels: the rules of optim/<name>.py run."""
    bk = load(backend)
    names = [f"{n.lower()}_update" for n in RULES]
    for n in names:
        setattr(bk, n, types.MethodType(vars(Backend)[n], bk))
    try:
        yield
    finally:
        for n in names:
            delattr(bk, n)


@given(problem=problems())
def test_steps_match_numpy_torch_optim_and_backends(backends, problem):
    name, kw, params, grad_steps = problem
    expected, moved = reference(name, kw, params, grad_steps)
    torch_optim, _ = run_torch(name, kw, params, grad_steps)
    steps = len(grad_steps)
    check_params(torch_optim, expected, moved, params, steps, "torch.optim vs NumPy")
    for b in backends:
        got, opt = run_unitorch(b, name, kw, params, grad_steps)
        check_params(got, expected, moved, params, steps, f"{b} vs NumPy")
        check_params(got, torch_optim, moved, params, steps, f"{b} vs torch.optim")
        if b == "torch":  # torch.optim's own functions: identical results
            for g, t in zip(got, torch_optim):
                np.testing.assert_array_equal(g, t)
        for st_ in opt.state.values():
            assert set(st_) == STATE_KEYS[name]


@given(problem=problems())
def test_the_rules_from_primitives_match_numpy_and_torch_optim(backends, problem):
    """The rules written once in optim/<name>.py, from the contract's primitives (what
    TensorFlow always runs, and a backend without optimizer code)."""
    name, kw, params, grad_steps = problem
    expected, moved = reference(name, kw, params, grad_steps)
    torch_optim, _ = run_torch(name, kw, params, grad_steps)
    for b in backends:
        with rules_from_primitives(b):
            got, _ = run_unitorch(b, name, kw, params, grad_steps)
        check_params(got, expected, moved, params, len(grad_steps), f"{b} rule vs NumPy")
        check_params(got, torch_optim, moved, params, len(grad_steps),
                     f"{b} rule vs torch.optim")


def test_radam_takes_both_branches_and_asgd_averages(backends):
    """RAdam switches to the rectified update at step 6 (beta2 = 0.999) and ASGD starts
    averaging after t0 steps: long enough runs of both, against torch.optim."""
    rng = np.random.default_rng(4)
    params = [rng.uniform(-2, 2, (3, 2)).astype(np.float32)]
    grad_steps = [[rng.uniform(-1, 1, (3, 2)).astype(np.float32)] for _ in range(9)]
    for name, kw in (("RAdam", {"lr": 0.1}), ("ASGD", {"lr": 0.1, "t0": 3, "lambd": 0.1})):
        expected, moved = reference(name, kw, params, grad_steps)
        want, topt = run_torch(name, kw, params, grad_steps)
        for b in backends:
            for ctx in (contextlib.nullcontext(), rules_from_primitives(b)):
                with ctx:
                    got, opt = run_unitorch(b, name, kw, params, grad_steps)
                check_params(got, want, moved, params, 9, f"{name} on {b}")
                check_params(got, expected, moved, params, 9, f"{name} on {b} vs NumPy")
                if name == "ASGD":  # the average itself
                    ax = next(iter(opt.state.values()))["ax"].numpy()
                    np.testing.assert_allclose(ax, topt.state[topt.param_groups[0]["params"][0]]
                                               ["ax"].numpy(), rtol=1e-6, atol=1e-6)


@given(problem=problems(), split=st.integers(0, 4))
@example(problem=("NAdam", {"lr": 0.001, "maximize": False, "weight_decay": 0.0,
                            "betas": (0.3, 0.5), "eps": 1e-08,
                            "decoupled_weight_decay": False, "momentum_decay": 0.004},
                  [np.array(0.0)], [[np.array(0.0)], [np.array(1.0)]]), split=1)
def test_state_dict_round_trips_across_backends_and_with_torch_optim(backends, problem,
                                                                      split):
    """k steps, state_dict, load into a fresh optimizer (on the other backend, or into
    torch.optim, or from torch.optim), the rest there: the same as all steps at once."""
    name, kw, params, grad_steps = problem
    split = min(split, len(grad_steps))
    expected, moved = reference(name, kw, params, grad_steps)
    n = len(grad_steps)
    # torch.optim resumed from its own state_dict: what it must also do from unitorch's.
    # (Not the reference: load_state_dict casts every state entry but "step" to the
    # parameter's dtype, so NAdam's float32 mu_product continues in float64 there.)
    t_mid, t_opt = run_torch(name, kw, params, grad_steps[:split])
    t_ps = [torch.tensor(p.copy(), requires_grad=True) for p in t_mid]
    t_resumed = getattr(torch.optim, name)(t_ps, lr=0.123)
    t_resumed.load_state_dict(t_opt.state_dict())
    for grads in grad_steps[split:]:
        for p, g in zip(t_ps, grads):
            p.grad = None if g is None else torch.tensor(g.copy())
        t_resumed.step()
    resumed = [p.detach().numpy() for p in t_ps]
    for first, second in [(backends[0], backends[-1]), (backends[-1], backends[0])]:
        mid, opt = run_unitorch(first, name, kw, params, grad_steps[:split])
        sd = opt.state_dict()
        assert all(set(v) == STATE_KEYS[name] for v in sd["state"].values())
        with ut.use_backend(second):
            ps = [ut.nn.Parameter(ut.asarray(p.copy())) for p in mid]
            fresh = getattr(ut.optim, name)(ps, lr=0.123)
            fresh.load_state_dict(sd)
            for grads in grad_steps[split:]:
                for p, g in zip(ps, grads):
                    p.grad = None if g is None else ut.asarray(g.copy())
                fresh.step()
        check_params([p.numpy() for p in ps], expected, moved, params, n,
                     f"{first} -> {second}")
        # into torch.optim: the layout, names and values are PyTorch's
        tps = [torch.tensor(p.copy(), requires_grad=True) for p in mid]
        topt = getattr(torch.optim, name)(tps, lr=0.123)
        topt.load_state_dict(_to_torch(sd))
        for grads in grad_steps[split:]:
            for p, g in zip(tps, grads):
                p.grad = None if g is None else torch.tensor(g.copy())
            topt.step()
        check_params([p.detach().numpy() for p in tps], resumed, moved, params, n,
                     f"{first} -> torch.optim")
    # from torch.optim
    mid, topt = run_torch(name, kw, params, grad_steps[:split])
    for b in backends:
        with ut.use_backend(b):
            ps = [ut.nn.Parameter(ut.asarray(p.copy())) for p in mid]
            opt = getattr(ut.optim, name)(ps)
            opt.load_state_dict(topt.state_dict())
            for grads in grad_steps[split:]:
                for p, g in zip(ps, grads):
                    p.grad = None if g is None else ut.asarray(g.copy())
                opt.step()
        check_params([p.numpy() for p in ps], expected, moved, params, n,
                     f"torch.optim -> {b}")


def _to_torch(sd):
    state = {i: {k: torch.from_numpy(np.array(v.numpy())) for k, v in entry.items()}
             for i, entry in sd["state"].items()}
    return {"state": state, "param_groups": sd["param_groups"]}


@pytest.mark.parametrize("name", ["Adadelta", "Adamax", "NAdam", "RAdam", "ASGD", "Rprop"])
def test_compiled_training_step_matches_eager(backend, name):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 3)).astype(np.float32)
    y = rng.normal(size=(8, 1)).astype(np.float32)
    results = []
    for compiled in (False, True):
        ut.manual_seed(0)
        model = ut.nn.Linear(3, 1)
        opt = getattr(ut.optim, name)(model.parameters(), lr=0.05)
        xs, ys = ut.asarray(x), ut.asarray(y)

        def step(opt=opt, model=model, xs=xs, ys=ys):
            opt.zero_grad()
            loss = ut.mean((model(xs) - ys) ** 2)
            loss.backward()
            opt.step()
            return loss

        run = ut.compile(step) if compiled else step
        losses = [float(run()) for _ in range(7)]
        results.append((losses, model.weight.numpy().copy()))
    (eager_losses, eager_w), (comp_losses, comp_w) = results
    rtol, atol = family_tolerance("training", ut.float32, 7)
    assert_close(np.array(comp_losses), np.array(eager_losses), rtol, atol)
    assert_close(comp_w, eager_w, rtol, atol)


# ---------------------------------------------------------------------------------------
# LBFGS


def _lbfgs_problem(lib, w, dtype):
    """A smooth, non-quadratic least-squares problem: sum((A w - b)^2) + sum(w^4)."""
    rng = np.random.default_rng(11)
    a, b = rng.normal(size=(6, 4)), rng.normal(size=6)
    if lib is torch:
        at, bt = torch.tensor(a, dtype=dtype), torch.tensor(b, dtype=dtype)
        return lambda: ((at @ w - bt) ** 2).sum() + (w ** 4).sum()
    at, bt = ut.asarray(a, dtype=dtype), ut.asarray(b, dtype=dtype)
    return lambda: ut.sum((ut.matmul(at, w) - bt) ** 2) + ut.sum(w ** 4)


def _closure(opt, f):
    """PyTorch's LBFGS closure: clear the gradients, compute the loss, backward."""
    def closure():
        opt.zero_grad()
        loss = f()
        loss.backward()
        return loss
    return closure


def _run_lbfgs_torch(kw, steps, dtype=torch.float64):
    w = torch.zeros(4, dtype=dtype, requires_grad=True)
    opt = torch.optim.LBFGS([w], **kw)
    closure = _closure(opt, _lbfgs_problem(torch, w, dtype))
    losses = [float(opt.step(closure).detach()) for _ in range(steps)]
    return w.detach().numpy(), losses, opt


@pytest.mark.parametrize("kw", [{}, {"lr": 0.5, "history_size": 2, "max_iter": 5},
                                {"line_search_fn": "strong_wolfe"},
                                {"line_search_fn": "strong_wolfe", "history_size": 3,
                                 "max_iter": 6, "max_eval": 7}])
def test_lbfgs_matches_torch_optim(backends, kw):
    """Every iteration, stopping test and line-search decision as torch.optim.LBFGS
    (float64: the decisions near convergence compare values to 1e-9 tolerances, which
    float32 rounding can tip either way)."""
    want, want_losses, topt = _run_lbfgs_torch(kw, 3)
    tstate = topt.state[topt.param_groups[0]["params"][0]]
    for b in backends:
        with ut.use_backend(b):
            w = ut.nn.Parameter(ut.zeros(4, dtype=ut.float64))
            opt = ut.optim.LBFGS([w], **kw)
            closure = _closure(opt, _lbfgs_problem(ut, w, ut.float64))
            losses = [float(opt.step(closure)) for _ in range(3)]
            st_ = opt.state[w]
            assert (st_["func_evals"], st_["n_iter"]) == (tstate["func_evals"],
                                                          tstate["n_iter"]), b
            assert len(st_["old_dirs"]) == len(tstate["old_dirs"])
            assert_close(w.numpy(), want, 1e-9, 1e-9, msg=f"{b} vs torch.optim.LBFGS")
            assert_close(np.array(losses), np.array(want_losses), 1e-9, 1e-9)


def test_lbfgs_float32_and_its_state_dict(backends):
    """float32 steps agree with torch.optim (two steps, before the 1e-9 stopping tests
    can tip), and the state (lists of tensors and numbers, saved by PyTorch's policy)
    round-trips through state_dict, to the other backend and to and from torch.optim."""
    kw = {"history_size": 3, "max_iter": 4, "line_search_fn": "strong_wolfe"}
    want, _, _ = _run_lbfgs_torch(kw, 4, torch.float32)
    half_w, _, half_opt = _run_lbfgs_torch(kw, 2, torch.float32)
    for b in backends:
        for source in ("unitorch", "torch.optim"):
            with ut.use_backend(b):
                if source == "unitorch":
                    w0 = ut.nn.Parameter(ut.zeros(4))
                    opt0 = ut.optim.LBFGS([w0], **kw)
                    closure0 = _closure(opt0, _lbfgs_problem(ut, w0, ut.float32))
                    opt0.step(closure0)
                    opt0.step(closure0)
                    assert_close(w0.numpy(), half_w, 1e-5, 1e-6)
                    sd, start = opt0.state_dict(), w0.numpy()
                    entry = sd["state"][0]
                    assert isinstance(entry["old_dirs"], list) and isinstance(
                        entry["func_evals"], int)
                    # into torch.optim.LBFGS, which continues as it would have
                    tw = torch.tensor(start.copy(), requires_grad=True)
                    topt = torch.optim.LBFGS([tw], **kw)
                    topt.load_state_dict({"state": {0: _torch_tree(entry)},
                                          "param_groups": sd["param_groups"]})
                    tclosure = _closure(topt, _lbfgs_problem(torch, tw, torch.float32))
                    topt.step(tclosure)
                    topt.step(tclosure)
                    assert_close(tw.detach().numpy(), want, 1e-5, 1e-6)
                else:
                    sd, start = half_opt.state_dict(), half_w
                w = ut.nn.Parameter(ut.asarray(start.copy()))
                opt = ut.optim.LBFGS([w], **kw)
                opt.load_state_dict(sd)
                closure = _closure(opt, _lbfgs_problem(ut, w, ut.float32))
                opt.step(closure)
                opt.step(closure)
                assert_close(w.numpy(), want, 1e-5, 1e-6, msg=f"{source} state -> {b}")


def _torch_tree(value):
    """unitorch tensors in (nested lists of) state values as torch tensors."""
    if isinstance(value, ut.Tensor):
        return torch.from_numpy(np.array(value.numpy()))
    if isinstance(value, list):
        return [_torch_tree(v) for v in value]
    if isinstance(value, dict):
        return {k: _torch_tree(v) for k, v in value.items()}
    return value


def test_lbfgs_errors(backends):
    same_error(backends, ValueError, lambda: ut.optim.LBFGS(
        [{"params": [ut.nn.Parameter(ut.zeros(1))]}, {"params": [ut.nn.Parameter(ut.zeros(1))]}]),
        match="per-parameter options")
    same_error(backends, ValueError, lambda: ut.optim.LBFGS(
        [ut.nn.Parameter(ut.zeros(1))], line_search_fn="armijo"), match="strong_wolfe")
    same_error(backends, TypeError, lambda: ut.optim.LBFGS(
        [ut.nn.Parameter(ut.zeros(1))]).step(), match="closure")
    same_error(backends, ut.DTypeError, lambda: ut.optim.LBFGS(
        [ut.nn.Parameter(ut.zeros(1)), ut.nn.Parameter(ut.zeros(1, dtype=ut.float64))]),
        match="one dtype")


# ---------------------------------------------------------------------------------------
# Optimizer.state as PyTorch's, and an optimizer written the PyTorch way


class PlainMomentum(ut.optim.Optimizer):
    """SGD with momentum written as PyTorch users write optimizers: ``self.state[p]``
    filled lazily, updates through the tensors (here: unitorch's functions)."""

    def __init__(self, params, lr=0.1, momentum=0.9):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def step(self, closure=None):
        with ut.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    state = self.state[p]  # a defaultdict: {} the first time
                    if "momentum_buffer" not in state:
                        state["momentum_buffer"] = ut.zeros_like(p)
                        state["count"] = 0
                    buf = state["momentum_buffer"] * group["momentum"] + p.grad
                    state["momentum_buffer"] = buf
                    state["count"] += 1
                    new = p - group["lr"] * buf
                    p._n = type(p)._bk.assign(p._n, new._n)


def test_optimizer_written_the_pytorch_way(backends):
    """A subclass with its own step and lazily filled state: it runs, its state dict has
    PyTorch's layout (numbers kept), round-trips across backends, and a scheduler on it
    does not warn that scheduler.step() came first."""
    rng = np.random.default_rng(2)
    w0 = rng.normal(size=3).astype(np.float32)
    grads = [rng.normal(size=3).astype(np.float32) for _ in range(4)]
    expected, buf = w0.astype(np.float64), np.zeros(3)
    for g in grads:
        buf = buf * 0.9 + g
        expected = expected - 0.1 * buf
    for b in backends:
        with ut.use_backend(b):
            w = ut.nn.Parameter(ut.asarray(w0.copy()))
            opt = PlainMomentum([w])
            sched = ut.optim.lr_scheduler.StepLR(opt, step_size=100)
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # no "lr_scheduler.step() before" warning
                for g in grads[:2]:
                    w.grad = ut.asarray(g)
                    opt.step()
                    sched.step()
            sd = opt.state_dict()
            assert sd["state"][0]["count"] == 2
        other = backends[-1] if b == backends[0] else backends[0]
        with ut.use_backend(other):
            w2 = ut.nn.Parameter(ut.asarray(w.numpy().copy()))
            opt2 = PlainMomentum([w2])
            opt2.load_state_dict(sd)
            for g in grads[2:]:
                w2.grad = ut.asarray(g)
                opt2.step()
            assert opt2.state[w2]["count"] == 4
            rtol, atol = family_tolerance("optimizer", ut.float32, 4 * 3)
            assert_close(w2.numpy(), expected, rtol, atol, msg=f"{b} -> {other}")


def test_state_is_a_defaultdict_whose_key_errors_are_short(backend):
    w = ut.nn.Parameter(ut.zeros((300, 300)))
    opt = ut.optim.SGD([w], lr=0.1)
    assert opt.state[w] == {}  # created on access, as torch.optim's
    assert w in opt.state
    other = ut.nn.Parameter(ut.zeros((300, 300)))
    for op in (lambda: opt.state.pop(other), lambda: opt.state.__delitem__(other)):
        with pytest.raises(KeyError) as info:
            op()
        message = str(info.value)
        assert len(message) < 120 and "(300, 300)" in message and "float32" in message
    assert opt.state.pop(other, None) is None


# ---------------------------------------------------------------------------------------
# errors


ERRORS = [
    (lambda: ut.optim.Adadelta([ut.nn.Parameter(ut.zeros(1))], rho=1.5), ValueError,
     "Invalid rho value: 1.5"),
    (lambda: ut.optim.Adadelta([ut.nn.Parameter(ut.zeros(1))], lr=-1), ValueError,
     "Invalid learning rate: -1"),
    (lambda: ut.optim.Adamax([ut.nn.Parameter(ut.zeros(1))], betas=(0.9, 1.0)), ValueError,
     "Invalid beta parameter at index 1: 1.0"),
    (lambda: ut.optim.NAdam([ut.nn.Parameter(ut.zeros(1))], momentum_decay=-1), ValueError,
     "Invalid momentum_decay value: -1"),
    (lambda: ut.optim.RAdam([ut.nn.Parameter(ut.zeros(1))], eps=-1), ValueError,
     "Invalid epsilon value: -1"),
    (lambda: ut.optim.ASGD([ut.nn.Parameter(ut.zeros(1))], weight_decay=-1), ValueError,
     "Invalid weight_decay value: -1"),
    (lambda: ut.optim.Rprop([ut.nn.Parameter(ut.zeros(1))], etas=(1.5, 2.0)), ValueError,
     "Invalid eta values: 1.5, 2.0"),
    (lambda: ut.optim.NAdam([ut.nn.Parameter(ut.zeros(1))], differentiable=True),
     NotImplementedError, "differentiable=True is not supported"),
]


@pytest.mark.parametrize("make, exc, match", ERRORS, ids=[e[2][:30] for e in ERRORS])
def test_errors_are_the_same_on_every_backend(backends, make, exc, match):
    same_error(backends, exc, make, match=match)


def test_foreach_and_capturable_are_accepted(backend):
    w = ut.nn.Parameter(ut.zeros(2))
    for make in (lambda: ut.optim.Adadelta([w], foreach=True, capturable=False),
                 lambda: ut.optim.Adamax([w], foreach=False),
                 lambda: ut.optim.RAdam([w], foreach=None, capturable=True),
                 lambda: ut.optim.Rprop([w], foreach=True)):
        assert make().param_groups[0]["params"] == [w]
