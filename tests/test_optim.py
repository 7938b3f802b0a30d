"""Optimizers against NumPy float64 implementations of their update rules, against
``torch.optim`` run on the same values, and across backends; parameter groups, state
dicts (also across backends and from ``torch.optim``), compiled training steps, errors."""

from __future__ import annotations

import contextlib
import types

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.backends import Backend, load
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import family_tolerance

from optim_support import check_params, realistic_gradient
from support import same_error

# ---------------------------------------------------------------------------------------
# NumPy float64 references: the update rules as PyTorch documents them


def _sgd(p, g, s, o):
    lr, mom, damp, wd = o["lr"], o["momentum"], o["dampening"], o["weight_decay"]
    g = -g if o["maximize"] else g
    if wd:
        g = g + wd * p
    if mom:
        s["buf"] = g.copy() if "buf" not in s else mom * s["buf"] + (1 - damp) * g
        g = g + mom * s["buf"] if o["nesterov"] else s["buf"]
    return p - lr * g


def _adam(p, g, s, o):
    lr, (b1, b2), eps, wd = o["lr"], o["betas"], o["eps"], o["weight_decay"]
    t = s["t"] = s.get("t", 0) + 1
    g = -g if o["maximize"] else g
    if wd and o["decoupled_weight_decay"]:
        p = p * (1 - lr * wd)
    elif wd:
        g = g + wd * p
    s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    v = s["v"]
    if o["amsgrad"]:
        v = s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
    return p - lr / (1 - b1 ** t) * s["m"] / (np.sqrt(v) / np.sqrt(1 - b2 ** t) + eps)


def _rmsprop(p, g, s, o):
    lr, alpha, eps, wd, mom = o["lr"], o["alpha"], o["eps"], o["weight_decay"], o["momentum"]
    g = -g if o["maximize"] else g
    if wd:
        g = g + wd * p
    s["sq"] = alpha * s.get("sq", 0.0) + (1 - alpha) * g * g
    if o["centered"]:
        s["avg"] = alpha * s.get("avg", 0.0) + (1 - alpha) * g
        d = np.sqrt(s["sq"] - s["avg"] ** 2) + eps
    else:
        d = np.sqrt(s["sq"]) + eps
    if mom > 0:
        s["buf"] = mom * s.get("buf", 0.0) + g / d
        return p - lr * s["buf"]
    return p - lr * g / d


def _adagrad(p, g, s, o):
    lr, lr_decay, wd, eps = o["lr"], o["lr_decay"], o["weight_decay"], o["eps"]
    t = s["t"] = s.get("t", 0) + 1
    g = -g if o["maximize"] else g
    if wd:
        g = g + wd * p
    s["sum"] = s.get("sum", o["initial_accumulator_value"]) + g * g
    return p - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s["sum"]) + eps)


RULES = {"SGD": _sgd, "Adam": _adam, "AdamW": _adam, "RMSprop": _rmsprop, "Adagrad": _adagrad}
DEFAULTS = {
    "SGD": dict(lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
                maximize=False),
    "Adam": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
                 maximize=False, decoupled_weight_decay=False),
    "AdamW": dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                  maximize=False, decoupled_weight_decay=True),
    "RMSprop": dict(lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                    centered=False, maximize=False),
    "Adagrad": dict(lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0,
                    eps=1e-10, maximize=False),
}


def reference(name, kwargs, groups, params, grad_steps):
    """Parameters after the steps, in float64, and the sum of the update sizes."""
    ps = [p.astype(np.float64) for p in params]
    states = [{} for _ in ps]
    moved = np.zeros(len(ps))
    for grads in grad_steps:
        for indices, overrides in groups:
            o = {**DEFAULTS[name], **kwargs, **overrides}
            for i in indices:
                if grads[i] is not None:
                    new = RULES[name](ps[i], grads[i].astype(np.float64), states[i], o)
                    moved[i] += np.max(np.abs(new - ps[i]), initial=0.0)
                    ps[i] = new
    return ps, moved


# ---------------------------------------------------------------------------------------
# strategies

_lr = st.sampled_from([1e-3, 0.01, 0.1, 0.5])
_wd = st.sampled_from([0.0, 0.01, 0.3])


@st.composite
def configs(draw, name=None):
    name = name or draw(st.sampled_from(sorted(RULES)))
    kw: dict = {"lr": draw(_lr), "weight_decay": draw(_wd), "maximize": draw(st.booleans())}
    if name == "SGD":
        kw["momentum"] = draw(st.sampled_from([0.0, 0.5, 0.9]))
        kw["nesterov"] = kw["momentum"] > 0 and draw(st.booleans())
        kw["dampening"] = 0.0 if kw["nesterov"] else draw(st.sampled_from([0.0, 0.3]))
    elif name in ("Adam", "AdamW"):
        kw["betas"] = (draw(st.sampled_from([0.0, 0.5, 0.9])),
                       draw(st.sampled_from([0.5, 0.99, 0.999])))
        kw["eps"] = draw(st.sampled_from([1e-8, 1e-3]))
        kw["amsgrad"] = draw(st.booleans())
    elif name == "RMSprop":
        kw["alpha"] = draw(st.sampled_from([0.5, 0.9, 0.99]))
        kw["eps"] = draw(st.sampled_from([1e-8, 1e-3]))
        kw["momentum"] = draw(st.sampled_from([0.0, 0.9]))
        kw["centered"] = draw(st.booleans())
    else:
        kw["lr_decay"] = draw(st.sampled_from([0.0, 0.1]))
        kw["initial_accumulator_value"] = draw(st.sampled_from([0.0, 0.5]))
        kw["eps"] = draw(st.sampled_from([1e-10, 1e-3]))
    return name, kw


@st.composite
def problems(draw, name=None):
    """(name, kwargs, groups, params, grad steps)."""
    name, kw = draw(configs(name))
    dtype = draw(st.sampled_from([ut.float32, ut.float64]))
    n = draw(st.integers(1, 3))
    shapes = draw(st.lists(uts.shapes(max_dims=2, max_side=3), min_size=n, max_size=n))
    params = [draw(uts.arrays(dtype, s, min_value=-3, max_value=3)) for s in shapes]
    steps = draw(st.integers(1, 4))
    grad_steps = []
    for _ in range(steps):
        grads = []
        for s in shapes:
            if draw(st.integers(0, 4)) == 0:  # sometimes no gradient: the step skips it
                grads.append(None)
            else:
                grads.append(realistic_gradient(draw(uts.arrays(dtype, s, min_value=-5, max_value=5))))
        grad_steps.append(grads)
    if n > 1 and draw(st.booleans()):  # two groups, the second with its own settings
        second = {"lr": draw(_lr)}
        if draw(st.booleans()):
            second["weight_decay"] = draw(_wd)
        groups = [(list(range(n - 1)), {}), ([n - 1], second)]
    else:
        groups = [(list(range(n)), {})]
    return name, kw, groups, params, grad_steps


# ---------------------------------------------------------------------------------------
# running


def run_unitorch(backend, name, kw, groups, params, grad_steps):
    with ut.use_backend(backend):
        ps = [ut.nn.Parameter(ut.asarray(p.copy())) for p in params]
        spec = [{"params": [ps[i] for i in idx], **o} for idx, o in groups]
        opt = getattr(ut.optim, name)(spec, **kw)
        for grads in grad_steps:
            for p, g in zip(ps, grads):
                p.grad = None if g is None else ut.asarray(g.copy())
            opt.step()
        return [p.numpy() for p in ps], opt


def run_torch(name, kw, groups, params, grad_steps):
    ps = [torch.tensor(p.copy(), requires_grad=True) for p in params]
    spec = [{"params": [ps[i] for i in idx], **o} for idx, o in groups]
    opt = getattr(torch.optim, name)(spec, **kw)
    for grads in grad_steps:
        for p, g in zip(ps, grads):
            p.grad = None if g is None else torch.tensor(g.copy())
        opt.step()
    return [p.detach().numpy() for p in ps], opt


@given(problem=problems())
def test_steps_match_numpy_torch_optim_and_backends(backends, problem):
    name, kw, groups, params, grad_steps = problem
    expected, moved = reference(name, kw, groups, params, grad_steps)
    torch_optim, _ = run_torch(name, kw, groups, params, grad_steps)
    steps = len(grad_steps)
    check_params(torch_optim, expected, moved, params, steps, "torch.optim vs NumPy")
    for b in backends:
        got, _ = run_unitorch(b, name, kw, groups, params, grad_steps)
        check_params(got, expected, moved, params, steps, f"{b} vs NumPy")
        check_params(got, torch_optim, moved, params, steps, f"{b} vs torch.optim")
        if b == "torch":  # the same functions torch.optim calls: identical results
            for g, t in zip(got, torch_optim):
                np.testing.assert_array_equal(g, t)


@contextlib.contextmanager
def _rules_from_primitives(backend: str):
    """The backend without its fused optimizer kernels (the contract's defaults, which
    decline): unitorch.optim runs the rules of optim/<name>.py from the primitives, as
    on a backend that has no optimizer code."""
    bk = load(backend)
    names = ("sgd_update", "adam_update", "rmsprop_update", "adagrad_update")
    for name in names:
        setattr(bk, name, types.MethodType(vars(Backend)[name], bk))
    try:
        yield
    finally:
        for name in names:
            delattr(bk, name)


@given(problem=problems())
def test_the_rules_from_primitives_match_numpy_and_torch_optim(backends, problem):
    """The rules written once in optim/<name>.py, run from the contract's primitives on
    every backend (what a backend without fused kernels runs; TensorFlow always does)."""
    name, kw, groups, params, grad_steps = problem
    expected, moved = reference(name, kw, groups, params, grad_steps)
    torch_optim, _ = run_torch(name, kw, groups, params, grad_steps)
    steps = len(grad_steps)
    for b in backends:
        with _rules_from_primitives(b):
            got, _ = run_unitorch(b, name, kw, groups, params, grad_steps)
        check_params(got, expected, moved, params, steps, f"{b} rule vs NumPy")
        check_params(got, torch_optim, moved, params, steps, f"{b} rule vs torch.optim")


# ---------------------------------------------------------------------------------------
# state dicts


def _state_as_numpy(sd):
    return {i: {k: np.asarray(v.numpy() if isinstance(v, ut.Tensor) else v)
                for k, v in entry.items()} for i, entry in sd["state"].items()}


@given(problem=problems(), split=st.integers(0, 4))
def test_state_dict_round_trips_across_backends(backends, problem, split):
    """k steps on one backend, state_dict, load on the other, the rest there: the same
    parameters as all steps on one backend (and as torch.optim)."""
    name, kw, groups, params, grad_steps = problem
    split = min(split, len(grad_steps))
    full, _ = run_unitorch(backends[0], name, kw, groups, params, grad_steps)
    expected, moved = reference(name, kw, groups, params, grad_steps)
    for first, second in [(backends[0], backends[-1]), (backends[-1], backends[0])]:
        mid, opt = run_unitorch(first, name, kw, groups, params, grad_steps[:split])
        sd = opt.state_dict()
        assert [g["params"] for g in sd["param_groups"]] == [idx for idx, _ in groups]
        for key in ("lr", "weight_decay", "maximize"):
            assert all(key in g for g in sd["param_groups"])
        with ut.use_backend(second):
            ps = [ut.nn.Parameter(ut.asarray(p.copy())) for p in mid]
            fresh = getattr(ut.optim, name)(
                [{"params": [ps[i] for i in idx]} for idx, _ in groups], lr=0.123)
            fresh.load_state_dict(sd)
            assert _state_as_numpy(fresh.state_dict()).keys() == _state_as_numpy(sd).keys()
            for grads in grad_steps[split:]:
                for p, g in zip(ps, grads):
                    p.grad = None if g is None else ut.asarray(g.copy())
                fresh.step()
            got = [p.numpy() for p in ps]
        check_params(got, full, moved, params, len(grad_steps), f"{first} -> {second}")
        check_params(got, expected, moved, params, len(grad_steps), f"{first} -> {second}")


@given(problem=problems(), split=st.integers(1, 3))
def test_loads_torch_optim_state_dict(backends, problem, split):
    name, kw, groups, params, grad_steps = problem
    split = min(split, len(grad_steps))
    full, _ = run_torch(name, kw, groups, params, grad_steps)
    mid, topt = run_torch(name, kw, groups, params, grad_steps[:split])
    sd = topt.state_dict()
    _, moved = reference(name, kw, groups, params, grad_steps)
    for b in backends:
        with ut.use_backend(b):
            ps = [ut.nn.Parameter(ut.asarray(p.copy())) for p in mid]
            opt = getattr(ut.optim, name)(
                [{"params": [ps[i] for i in idx]} for idx, _ in groups])
            opt.load_state_dict(sd)
            for grads in grad_steps[split:]:
                for p, g in zip(ps, grads):
                    p.grad = None if g is None else ut.asarray(g.copy())
                opt.step()
            check_params([p.numpy() for p in ps], full, moved, params, len(grad_steps),
                         f"torch.optim state -> {b}")


def test_state_dict_is_a_snapshot_and_load_copies(backend):
    w = ut.nn.Parameter(ut.asarray(np.array([1.0, 2.0], np.float32)))
    opt = ut.optim.Adam([w], lr=0.1)
    w.grad = ut.ones(2)
    opt.step()
    sd = opt.state_dict()
    before = sd["state"][0]["exp_avg"].numpy().copy()
    opt.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), before)
    other = ut.optim.Adam([ut.nn.Parameter(ut.zeros(2))])
    other.load_state_dict(sd)
    assert other.param_groups[0]["lr"] == 0.1
    other.param_groups[0]["params"][0].grad = ut.ones(2)
    other.step()
    np.testing.assert_array_equal(sd["state"][0]["exp_avg"].numpy(), before)
    assert float(other.state_dict()["state"][0]["step"]) == 2.0


# ---------------------------------------------------------------------------------------
# behaviour


def test_zero_grad_and_closure(backend):
    w = ut.nn.Parameter(ut.asarray(np.array([1.0, -1.0], np.float32)))
    opt = ut.optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = ut.sum(w * w)
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 2.0
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])  # w - 0.5 * 2w
    w.grad = ut.ones(2)
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad.numpy(), [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # no gradient: nothing changes
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])


def test_groups_assignments_reach_the_update(backend):
    a = ut.nn.Parameter(ut.zeros(2))
    b = ut.nn.Parameter(ut.zeros(2))
    opt = ut.optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 1.0})
    assert opt.param_groups[1]["momentum"] == 0.0  # defaults fill the new group
    opt.param_groups[0]["lr"] = 0.5
    a.grad, b.grad = ut.ones(2), ut.ones(2)
    opt.step()
    np.testing.assert_array_equal(a.numpy(), [-0.5, -0.5])
    np.testing.assert_array_equal(b.numpy(), [-1.0, -1.0])
    opt.param_groups[0].update(lr=2.0)
    opt.step()
    np.testing.assert_array_equal(a.numpy(), [-2.5, -2.5])


def test_named_parameters_are_accepted(backend):
    w = ut.nn.Parameter(ut.zeros(2))
    opt = ut.optim.Adam([("w", w)])
    assert opt.param_groups[0]["param_names"] == ["w"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w"]


def _tiny_step(opt, ps, x, y):
    opt.zero_grad()
    h = ut.nn.functional.relu(ut.matmul(x, ut.matrix_transpose(ps[0])) + ps[1])
    loss = ut.mean((ut.matmul(h, ut.matrix_transpose(ps[2])) - y) ** 2)
    loss.backward()
    ut.nn.utils.clip_grad_norm_(ps, 5.0)
    opt.step()
    return loss


# torch.compile's default backend (inductor) generates and compiles C++ for each graph,
# ~40 s per optimizer here; "aot_eager" runs the same capture (Dynamo, guards, AOT
# autograd) without code generation.
_COMPILE = {"torch": {"backend": "aot_eager"}}


@pytest.mark.parametrize("name, kwargs", [
    ("Adam", {"lr": 0.05, "amsgrad": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}),
])
def test_compiled_training_step_matches_eager(backend, name, kwargs):
    """zero_grad / forward / backward / clip / step in ut.compile, with OneCycleLR changing
    lr and momentum (or beta1) between calls: the same parameters as the eager loop."""
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (4,), (1, 4)]]
    x = ut.asarray(rng.standard_normal((8, 3)).astype(np.float32))
    y = ut.asarray(rng.standard_normal((8, 1)).astype(np.float32))
    results, lrs = [], []
    for compiled in (False, True):
        ps = [ut.nn.Parameter(ut.asarray(a.copy())) for a in init]
        opt = getattr(ut.optim, name)(ps, **kwargs)
        sched = ut.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=6)
        def step(x, y, opt=opt, ps=ps):
            return _tiny_step(opt, ps, x, y)

        if compiled:
            step = ut.compile(step, fallback=False, **_COMPILE)
        losses = []
        for _ in range(5):
            losses.append(float(step(x, y)))
            sched.step()
        lrs.append(sched.get_last_lr())
        results.append(([p.numpy() for p in ps], losses,
                         float(opt.state[ps[0]]["step"].numpy())))
    (eager, eager_losses, eager_steps), (comp, comp_losses, comp_steps) = results
    assert lrs[0] == lrs[1]
    assert eager_steps == comp_steps == 5.0
    rtol, atol = family_tolerance("optimizer", ut.float32, scale=5 * 4)
    assert_close(np.array(comp_losses), np.array(eager_losses), rtol, atol)
    for c, e in zip(comp, eager):
        assert_close(c, e, rtol, atol)
    assert not np.allclose(eager[0], init[0])  # it did train


def test_compiled_step_ending_in_zero_grad_matches_eager(backend):
    """The PyTorch-style step that clears the gradients last (``loss.backward();
    opt.step(); opt.zero_grad()``) and a new batch size on the fifth call (a new trace):
    compiled, every step equals the eager one, the function is traced once per shape,
    and the gradients are cleared after each call, as eagerly.  (On TensorFlow the
    optimizer state created during the first trace used to make tf.function trace the
    step again, and the gradients the first trace left behind were added to the second
    trace's: every update from the second on was wrong.)"""
    rng = np.random.default_rng(0)
    init = [rng.standard_normal(s).astype(np.float32) for s in [(4, 3), (4,)]]
    batches = [rng.standard_normal((n, 3)).astype(np.float32) for n in (6, 6, 6, 6, 5, 5)]
    targets = [rng.integers(0, 4, len(x)) for x in batches]
    results, traces = [], []
    for compiled in (False, True):
        ps = [ut.nn.Parameter(ut.asarray(a.copy())) for a in init]
        opt = ut.optim.Adam(ps, lr=0.1)
        count = [0]

        def step(x, y, ps=ps, opt=opt, count=count):
            count[0] += 1
            loss = ut.nn.functional.cross_entropy(ut.matmul(x, ut.matrix_transpose(ps[0]))
                                                  + ps[1], y)
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss

        run = ut.compile(step, fallback=False, **_COMPILE) if compiled else step
        losses = []
        for x, y in zip(batches, targets):
            losses.append(float(run(ut.asarray(x), ut.asarray(y))))
            assert ps[0].grad is None and ps[1].grad is None
        results.append((losses, [p.numpy() for p in ps]))
        traces.append(count[0])
    (eager, w_eager), (comp, w_comp) = results
    rtol, atol = family_tolerance("optimizer", ut.float32, scale=6 * 4)
    assert_close(np.array(comp), np.array(eager), rtol, atol)
    for c, e in zip(w_comp, w_eager):
        assert_close(c, e, rtol, atol)
    if ut.get_backend() == "tensorflow":
        assert traces[1] == 2  # one trace per batch shape


# ---------------------------------------------------------------------------------------
# errors


def _param():
    return ut.nn.Parameter(ut.zeros(2))


@pytest.mark.parametrize("make, exc, match", [
    (lambda: ut.optim.SGD([_param()], lr=-0.1), ValueError, "Invalid learning rate: -0.1"),
    (lambda: ut.optim.SGD([_param()], lr=float("nan")), ValueError, "Invalid learning rate"),
    (lambda: ut.optim.SGD([_param()], momentum=-1), ValueError, "Invalid momentum value: -1"),
    (lambda: ut.optim.SGD([_param()], nesterov=True), ValueError, "Nesterov momentum requires"),
    (lambda: ut.optim.Adam([_param()], betas=(1.0, 0.9)), ValueError,
     "Invalid beta parameter at index 0: 1.0"),
    (lambda: ut.optim.Adam([_param()], betas=(0.9, -0.1)), ValueError,
     "Invalid beta parameter at index 1: -0.1"),
    (lambda: ut.optim.Adam([_param()], betas=(0.9,)), ValueError, "betas must have 2 values"),
    (lambda: ut.optim.Adam([_param()], eps=-1e-8), ValueError, "Invalid epsilon value"),
    (lambda: ut.optim.AdamW([_param()], weight_decay=-1), ValueError,
     "Invalid weight_decay value: -1"),
    (lambda: ut.optim.RMSprop([_param()], alpha=-0.5), ValueError, "Invalid alpha value"),
    (lambda: ut.optim.Adagrad([_param()], lr_decay=-1), ValueError, "Invalid lr_decay value"),
    (lambda: ut.optim.Adagrad([_param()], initial_accumulator_value=-1), ValueError,
     "Invalid initial_accumulator_value value"),
    (lambda: ut.optim.SGD([_param()], lr="big"), TypeError, "lr must be a real number"),
    (lambda: ut.optim.SGD([]), ValueError, "optimizer got an empty parameter list"),
    (lambda: ut.optim.SGD(_param()), TypeError, "should be an iterable of Tensors or dicts"),
    (lambda: ut.optim.SGD([ut.zeros(2)]), TypeError, "ut.nn.Parameter"),
    (lambda: ut.optim.SGD([np.zeros(2)]), TypeError, "one of the params is ndarray"),
    (lambda: ut.optim.SGD({_param()}), TypeError, "ordered collections"),
    (lambda: ut.optim.SGD([{"lr": 0.1}]), KeyError, "'params' entry"),
    (lambda: ut.optim.SGD([{"params": [_param()], "lr": -1.0}]), ValueError,
     "Invalid learning rate: -1.0"),
    (lambda: ut.optim.Adam([{"params": [_param()], "betas": (0.9, 2)}]), ValueError,
     "Invalid beta parameter at index 1: 2"),
    (lambda: ut.optim.SGD([ut.nn.Parameter(ut.zeros(2, dtype=ut.int32), requires_grad=False)]),
     ut.DTypeError,
     "real floating"),
])
def test_errors_are_the_same_on_every_backend(backends, make, exc, match):
    same_error(backends, exc, make, match=match)


def test_group_errors(backends):
    def overlapping():
        w = _param()
        opt = ut.optim.SGD([w])
        opt.add_param_group({"params": [w]})

    same_error(backends, ValueError, overlapping,
               match="some parameters appear in more than one parameter group")

    def bad_load_groups():
        opt = ut.optim.SGD([_param()])
        opt.load_state_dict({"state": {}, "param_groups": [{"params": [0, 1]}]})

    same_error(backends, ValueError, bad_load_groups, match="doesn't match the size")

    def bad_load_shape():
        opt = ut.optim.Adam([_param()])
        sd = {"state": {0: {"step": 1.0, "exp_avg": np.zeros(3, np.float32),
                            "exp_avg_sq": np.zeros(2, np.float32)}},
              "param_groups": [{"params": [0]}]}
        opt.load_state_dict(sd)

    same_error(backends, ut.ShapeError, bad_load_shape, match="'exp_avg' of parameter 0")


def test_parameters_of_two_backends_are_rejected(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    with ut.use_backend(backends[0]):
        a = _param()
    with ut.use_backend(backends[1]):
        b = _param()
    with pytest.raises(ut.BackendMismatchError, match="several backends"):
        ut.optim.SGD([a, b])


# ---------------------------------------------------------------------------------------
# another optimizer's state is refused (issue 14, item 4)


def _stepped(cls, **kw):
    """An optimizer of ``cls`` over one parameter, after one step (so it has state)."""
    w = _param()
    opt = cls([w], **kw)
    w.grad = ut.ones(2)
    opt.step()
    return opt


@pytest.mark.parametrize("saver,loader,match", [
    ((ut.optim.SGD, {"momentum": 0.9}), ut.optim.Adam,
     r"not Adam's: its parameter groups have 'dampening', 'momentum', 'nesterov', which "
     r"Adam does not take; its parameter state has 'momentum_buffer'"),
    ((ut.optim.Adam, {}), ut.optim.SGD,
     r"not SGD's: its parameter groups have 'amsgrad', 'betas', 'decoupled_weight_decay', "
     r"'eps'"),
    ((ut.optim.SGD, {}), ut.optim.RMSprop, r"not RMSprop's: .*'dampening', 'nesterov'"),
    ((ut.optim.Adagrad, {}), ut.optim.Adam, r"not Adam's: .*'initial_accumulator_value'"),
    ((ut.optim.RMSprop, {"momentum": 0.5}), ut.optim.SGD, r"'square_avg'"),
])
def test_another_optimizers_state_is_refused_and_nothing_changes(backends, saver, loader,
                                                                 match):
    """It used to load: Adam took SGD's momentum keys and ran."""
    cls, kw = saver
    for name in backends:
        with ut.use_backend(name):
            target = _stepped(loader)
            before = target.state_dict()
            with pytest.raises(ValueError, match=match):
                target.load_state_dict(_stepped(cls, **kw).state_dict())
            after = target.state_dict()
            assert after["param_groups"] == before["param_groups"]
            assert list(after["state"]) == list(before["state"])
            for i, entry in before["state"].items():
                for key, value in entry.items():
                    np.testing.assert_array_equal(after["state"][i][key].numpy(),
                                                  value.numpy())
    same_error(backends, ValueError,
               lambda: _stepped(loader).load_state_dict(_stepped(cls, **kw).state_dict()),
               match=match)


def test_torch_optim_states_of_another_type_are_refused_too(backends):
    w = torch.nn.Parameter(torch.ones(2))
    sgd = torch.optim.SGD([w], lr=0.1, momentum=0.9)
    w.grad = torch.ones(2)
    sgd.step()
    same_error(backends, ValueError, lambda: _stepped(ut.optim.Adam).load_state_dict(
        sgd.state_dict()), match="not Adam's")
    for name in backends:  # its own type loads, implementation switches included
        with ut.use_backend(name):
            opt = _stepped(ut.optim.SGD, momentum=0.5)
            opt.load_state_dict(sgd.state_dict())
            assert opt.param_groups[0]["momentum"] == 0.9
            np.testing.assert_array_equal(opt.state_dict()["state"][0]["momentum_buffer"]
                                          .numpy(), np.ones(2, np.float32))


def test_compatible_and_malformed_state_dicts(backends):
    for name in backends:
        with ut.use_backend(name):
            adam = _stepped(ut.optim.Adam)  # AdamW is Adam with decoupled decay: it loads
            adam.load_state_dict(_stepped(ut.optim.AdamW).state_dict())
            assert adam.param_groups[0]["decoupled_weight_decay"] is True
            sd = _stepped(ut.optim.SGD).state_dict()  # a scheduler's key, a user's key
            sd["param_groups"][0].update(initial_lr=0.5, name="head")
            _stepped(ut.optim.SGD).load_state_dict(sd)
    same_error(backends, ValueError, lambda: _stepped(ut.optim.SGD).load_state_dict([]),
               match=r"expects an optimizer state dict, .*; got list")
    same_error(backends, ValueError,
               lambda: _stepped(ut.optim.SGD).load_state_dict({"state": {}}),
               match="its 'param_groups' is not a list of groups")
    same_error(backends, ValueError,
               lambda: _stepped(ut.optim.SGD, momentum=0.9).load_state_dict(
                   {"state": {5: {"momentum_buffer": np.zeros(2, np.float32)}},
                    "param_groups": [{"params": [0]}]}),
               match=r"state for parameter\(s\) \[5\], which none of its parameter groups")
