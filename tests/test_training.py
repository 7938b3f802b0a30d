"""Whole training steps: forward, cross-entropy, backward, optimizer update.

From one seed, the loss, the gradients and the updated parameters are the same on torch
and on TensorFlow and match a NumPy float64 implementation of the same step written here
(forward, hand-derived backward, PyTorch's Adam and SGD-with-momentum rules), over random
depths, widths, batch sizes, learning rates and activations, for several steps in a row.
The same program written in the PyTorch style and in the TensorFlow style agrees too.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close

# activation name -> (unitorch layer, NumPy forward, NumPy derivative given input z)
ACTIVATIONS = {
    "relu": (ut.nn.ReLU, lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
    "tanh": (ut.nn.Tanh, np.tanh, lambda z: 1 - np.tanh(z) ** 2),
    "sigmoid": (ut.nn.Sigmoid, lambda z: 1 / (1 + np.exp(-z)),
                lambda z: (1 / (1 + np.exp(-z))) * (1 - 1 / (1 + np.exp(-z)))),
    "silu": (ut.nn.SiLU, lambda z: z / (1 + np.exp(-z)),
             lambda z: (1 / (1 + np.exp(-z))) * (1 + z * (1 - 1 / (1 + np.exp(-z))))),
}


# ---------------------------------------------------------------------------------------
# the NumPy float64 reference


def np_forward_backward(params, x, y, act):
    """Loss and gradients of mean cross-entropy of an MLP; params = [W0, b0, W1, b1, ...]
    in PyTorch's layout (W: (out, in))."""
    f, df = ACTIVATIONS[act][1:]
    hs, zs = [x], []
    n_layers = len(params) // 2
    for i in range(n_layers):
        w, b = params[2 * i], params[2 * i + 1]
        z = hs[-1] @ w.T + b
        zs.append(z)
        hs.append(f(z) if i < n_layers - 1 else z)
    logits = hs[-1]
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = x.shape[0]
    loss = -logp[np.arange(n), y].mean()
    grad = np.exp(logp)
    grad[np.arange(n), y] -= 1
    grad /= n
    grads = [None] * len(params)
    for i in reversed(range(n_layers)):
        if i < n_layers - 1:
            grad = grad * df(zs[i])
        grads[2 * i] = grad.T @ hs[i]
        grads[2 * i + 1] = grad.sum(axis=0)
        grad = grad @ params[2 * i]
    return loss, grads


def np_adam(params, grads, state, lr, betas=(0.9, 0.999), eps=1e-8):
    """PyTorch's Adam: eps added to the bias-corrected square root of the second moment."""
    b1, b2 = betas
    state["t"] = state.get("t", 0) + 1
    t = state["t"]
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        m = state.setdefault(("m", i), np.zeros_like(p))
        v = state.setdefault(("v", i), np.zeros_like(p))
        m[...] = b1 * m + (1 - b1) * g
        v[...] = b2 * v + (1 - b2) * g * g
        denom = np.sqrt(v) / math.sqrt(1 - b2**t) + eps
        out.append(p - lr / (1 - b1**t) * m / denom)
    return out


def np_sgd(params, grads, state, lr, momentum=0.9, nesterov=False):
    """PyTorch's SGD with momentum (dampening 0): the first buffer is the gradient."""
    out = []
    for i, (p, g) in enumerate(zip(params, grads)):
        buf = state.get(i)
        buf = g.copy() if buf is None else momentum * buf + g
        state[i] = buf
        step = g + momentum * buf if nesterov else buf
        out.append(p - lr * step)
    return out


# ---------------------------------------------------------------------------------------
# the same step in unitorch


def build(sizes, act, dtype):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(ut.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[act][0]())
    return ut.nn.Sequential(*layers).to(dtype)


def make_optimizer(name, model, lr):
    if name == "adam":
        return ut.optim.Adam(model.parameters(), lr=lr)
    return ut.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=name == "nesterov")


def train(backend, sizes, act, opt_name, lr, x, y, steps, dtype, seed=0):
    """Returns (initial params, per-step losses, per-step grads, final params) as NumPy."""
    with ut.use_backend(backend):
        ut.manual_seed(seed)
        model = build(sizes, act, dtype)
        initial = [p.numpy().astype(np.float64) for p in model.parameters()]
        opt = make_optimizer(opt_name, model, lr)
        xt, yt = ut.asarray(x, dtype=dtype), ut.asarray(y)
        losses, grads = [], []
        for _ in range(steps):
            opt.zero_grad()
            loss = ut.nn.functional.cross_entropy(model(xt), yt)
            loss.backward()
            losses.append(float(loss))
            grads.append([p.grad.numpy().astype(np.float64) for p in model.parameters()])
            opt.step()
        final = [p.numpy().astype(np.float64) for p in model.parameters()]
    return initial, losses, grads, final


training_cases = st.fixed_dictionaries({
    "depth": st.integers(1, 3),
    "width": st.integers(1, 6),
    "inputs": st.integers(1, 5),
    "classes": st.integers(2, 4),
    "batch": st.integers(1, 6),
    "lr": st.sampled_from([1e-3, 1e-2, 0.1]),
    "act": st.sampled_from(sorted(ACTIVATIONS)),
    "optimizer": st.sampled_from(["adam", "sgd", "nesterov"]),
    "steps": st.integers(1, 3),
    "seed": st.integers(0, 2**16),
})


@given(case=training_cases, data=st.data())
def test_training_steps_match_numpy_and_across_backends(backends, case, data):
    sizes = [case["inputs"]] + [case["width"]] * (case["depth"] - 1) + [case["classes"]]
    n = case["batch"]
    x = data.draw(st.lists(st.floats(-2, 2), min_size=n * case["inputs"],
                           max_size=n * case["inputs"]), label="x")
    x = np.asarray(x, np.float64).reshape(n, case["inputs"])
    y = np.asarray(data.draw(st.lists(st.integers(0, case["classes"] - 1), min_size=n,
                                      max_size=n), label="y"), np.int64)
    runs = {}
    for b in backends:
        runs[b] = train(b, sizes, case["act"], case["optimizer"], case["lr"], x, y,
                        case["steps"], ut.float64, case["seed"])
    # the NumPy float64 reference, from the very initial parameters unitorch drew
    params = list(next(iter(runs.values()))[0])
    state: dict = {}
    ref_losses, ref_grads = [], []
    for _ in range(case["steps"]):
        loss, grads = np_forward_backward(params, x, y, case["act"])
        ref_losses.append(loss)
        ref_grads.append(grads)
        if case["optimizer"] == "adam":
            params = np_adam(params, grads, state, case["lr"])
        else:
            params = np_sgd(params, grads, state, case["lr"],
                            nesterov=case["optimizer"] == "nesterov")
    # float64 throughout: differences come only from summation order and the libraries'
    # exp/log; 1e-9 relative (1e-12 absolute) bounds them for these O(1) magnitudes.
    # Adam divides by sqrt(v) + eps: where a gradient is ~0, v ~ 0 and that ratio
    # amplifies rounding, so updated parameters get a looser absolute bound.
    for b, (_initial, losses, grads, final) in runs.items():
        assert_close(np.array(losses), np.array(ref_losses), 1e-9, 1e-12, msg=f"{b} loss")
        for step, (g_got, g_ref) in enumerate(zip(grads, ref_grads)):
            for i, (a, e) in enumerate(zip(g_got, g_ref)):
                assert_close(a, e, 1e-9, 1e-12, msg=f"{b} step {step} grad {i}")
        for i, (a, e) in enumerate(zip(final, params)):
            assert_close(a, e, 1e-9, 1e-9, msg=f"{b} param {i}")
    first = next(iter(runs.values()))
    for b, run in runs.items():
        for a, e in zip(run[3], first[3]):
            assert_close(a, e, 1e-9, 1e-9, msg=f"{b} vs first backend")


@pytest.mark.parametrize("opt_name", ["adam", "sgd"])
def test_float32_training_agrees_across_backends(backends, opt_name):
    """In float32 the two frameworks' kernels round differently; after 20 steps the
    parameters still agree to a few float32 ulps of accumulated error."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 10))
    y = rng.integers(0, 4, 32)
    runs = [train(b, [10, 16, 16, 4], "relu", opt_name, 1e-2, x, y, 20, ut.float32)
            for b in backends]
    for run in runs[1:]:
        assert_close(np.array(run[1]), np.array(runs[0][1]), 1e-5, 1e-6)
        for a, e in zip(run[3], runs[0][3]):
            assert_close(a, e, 1e-4, 1e-5)


def _pytorch_style(model, opt, x, y):
    opt.zero_grad()
    loss = ut.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
    return float(loss)


def _tensorflow_style(model, opt, x, y):
    params = list(model.parameters())
    with ut.GradientTape() as tape:
        loss = ut.nn.functional.cross_entropy(model(x), y)
    grads = tape.gradient(loss, params)
    for p, g in zip(params, grads):
        p.grad = g
    opt.step()
    return float(loss)


def _functional_style(model, opt, x, y):
    loss, grads = ut.value_and_grad(
        lambda m: ut.nn.functional.cross_entropy(m(x), y))(model)
    for name, p in model.named_parameters():
        p.grad = grads[name]
    opt.step()
    return float(loss)


def test_the_three_styles_train_identically_on_both_backends(backends):
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal((16, 6))
    y_np = rng.integers(0, 3, 16)
    results = {}
    for b in backends:
        for style in (_pytorch_style, _tensorflow_style, _functional_style):
            with ut.use_backend(b):
                ut.manual_seed(3)
                model = build([6, 8, 3], "tanh", ut.float64)
                opt = ut.optim.Adam(model.parameters(), lr=0.05)
                x, y = ut.asarray(x_np), ut.asarray(y_np)
                losses = [style(model, opt, x, y) for _ in range(5)]
                results[(b, style.__name__)] = (
                    np.array(losses), [p.numpy() for p in model.parameters()])
    first = next(iter(results.values()))
    assert first[0][-1] < first[0][0]
    for key, (losses, params) in results.items():
        assert_close(losses, first[0], 1e-10, 1e-12, msg=str(key))
        for a, e in zip(params, first[1]):
            assert_close(a, e, 1e-10, 1e-12, msg=str(key))
