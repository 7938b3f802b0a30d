"""``ut.autograd.Function`` (an operation with a hand-written gradient) against the same
Function written with ``torch.autograd.Function``, against NumPy float64 (values and
central differences) and across backends: the three gradient styles, several outputs,
non-tensor arguments, ``needs_input_grad``, ``None`` gradients, second derivatives,
compiled functions, and errors with one message on every backend."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import finite_difference, on_backends, same_error


class LegendreP3(ut.autograd.Function):
    """The PyTorch tutorial's Legendre polynomial P3 with its hand-written derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 1.5 * (5 * x ** 2 - 1)


class TorchLegendreP3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return 0.5 * (5 * x ** 3 - 3 * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 1.5 * (5 * x ** 2 - 1)


class ScaledPair(ut.autograd.Function):
    """Two outputs (``a * s``, ``a * b``) from two tensors and a Python float; a
    deliberately wrong gradient for ``b`` (2x the true one), so a test can tell that
    ``backward`` is what runs."""

    @staticmethod
    def forward(ctx, a, s, b):
        ctx.s = s
        ctx.save_for_backward(a, b)
        return a * s, a * b

    @staticmethod
    def backward(ctx, g1, g2):
        a, b = ctx.saved_tensors
        ga = g1 * ctx.s + g2 * b if ctx.needs_input_grad[0] else None
        gb = 2.0 * g2 * a if ctx.needs_input_grad[2] else None
        return ga, None, gb


X = np.array([-0.9, -0.2, 0.3, 0.75], np.float64)


def _p3(x):
    return 0.5 * (5 * x ** 3 - 3 * x)


def test_values_and_gradients_match_numpy_torch_and_backends(backends):
    tol = family_tolerance("composite", ut.float64, scale=4)

    def run(x):
        x = ut.tensor(x.numpy(), requires_grad=True)
        y = LegendreP3.apply(x)
        ut.sum(y * y).backward()  # d/dx sum(P3(x)^2) = 2 P3(x) P3'(x)
        return y.numpy(), x.grad.numpy()

    results = on_backends(backends, run, X)
    tx = torch.tensor(X, requires_grad=True)
    ty = TorchLegendreP3.apply(tx)
    (ty * ty).sum().backward()
    expected_grad = finite_difference(lambda v: float(np.sum(_p3(v) ** 2)), X)
    for name, (y, g) in results.items():
        assert_close(y, _p3(X), *tol, msg=f"{name} values vs NumPy")
        assert_close(y, ty.detach().numpy(), *tol, msg=f"{name} values vs torch")
        assert_close(g, tx.grad.numpy(), *tol, msg=f"{name} gradient vs torch")
        assert_close(g, expected_grad, rtol=1e-6, atol=1e-6, msg=f"{name} vs differences")


def test_every_gradient_style_and_second_derivatives(backend):
    x = ut.asarray(X)
    first = ut.grad(lambda v: ut.sum(LegendreP3.apply(v)))(x)
    with ut.GradientTape() as tape:
        tape.watch(x)
        y = ut.sum(LegendreP3.apply(x))
    assert_close(tape.gradient(y, x).numpy(), first.numpy(), 0, 0)
    assert_close(first.numpy(), 1.5 * (5 * X ** 2 - 1), 1e-12, 1e-12)
    # the backward's own operations are differentiated: d/dx 1.5 (5 x^2 - 1) = 15 x
    second = ut.grad(lambda v: ut.sum(ut.grad(lambda w: ut.sum(LegendreP3.apply(w)))(v)))(x)
    assert_close(second.numpy(), 15 * X, 1e-12, 1e-12)


def test_several_outputs_python_arguments_and_none_gradients(backends):
    a_np, b_np = np.array([1.0, -2.0, 3.0]), np.array([0.5, 4.0, -1.0])

    def run(a, b):
        a = ut.tensor(a.numpy(), requires_grad=True)
        b = ut.tensor(b.numpy(), requires_grad=True)
        p, q = ScaledPair.apply(a, 3.0, b)
        ut.sum(p + 2.0 * q).backward()  # only q's use of b: the wrong 2x gradient shows
        c = ut.tensor(a_np)  # needs no gradient: backward returns None for it
        r, _ = ScaledPair.apply(c, 1.0, b)
        return p.numpy(), q.numpy(), a.grad.numpy(), b.grad.numpy(), \
            ut.grad(lambda v: ut.sum(ScaledPair.apply(c, 1.0, v)[1]))(b).numpy(), r.numpy()

    for name, (p, q, ga, gb, gb2, r) in on_backends(backends, run, a_np, b_np).items():
        assert_close(p, 3 * a_np, 0, 0, msg=name)
        assert_close(q, a_np * b_np, 0, 0, msg=name)
        assert_close(ga, 3.0 + 2.0 * b_np, 1e-12, 0, msg=name)
        assert_close(gb, 2.0 * 2.0 * a_np, 1e-12, 0, msg=name)  # backward's 2x, as written
        assert_close(gb2, 2.0 * a_np, 1e-12, 0, msg=name)
        assert_close(r, a_np, 0, 0, msg=name)


def test_unused_outputs_get_zero_gradients_and_ctx_reports_needs(backend):
    seen = {}

    class Probe(ut.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * 2.0, b * 3.0

        @staticmethod
        def backward(ctx, g1, g2):
            seen["grads"] = (g1.numpy(), g2.numpy())
            seen["needs"] = ctx.needs_input_grad
            return g1 * 2.0, g2 * 3.0

    a = ut.tensor([1.0, 2.0], requires_grad=True)
    b = ut.tensor([3.0, 4.0])
    p, _ = Probe.apply(a, b)
    ut.sum(p).backward()
    assert seen["needs"] == (True, False)
    assert_close(seen["grads"][0], np.ones(2), 0, 0)
    assert_close(seen["grads"][1], np.zeros(2), 0, 0)  # an output the loss does not use
    assert_close(a.grad.numpy(), [2.0, 2.0], 0, 0)


def _compiled_matches_eager(torch_options):
    x = ut.asarray(X)

    def f(v):
        return ut.grad(lambda w: ut.sum(LegendreP3.apply(w) * w))(v)

    compiled = ut.compile(f, fallback=False, torch=torch_options)
    assert_close(compiled(x).numpy(), f(x).numpy(), 1e-12, 1e-12)
    assert_close(compiled(x).numpy(), _p3(X) + X * 1.5 * (5 * X ** 2 - 1), 1e-12, 1e-12)


def test_compiled_tensorflow_matches_eager():
    if "tensorflow" not in ut.available_backends():
        pytest.skip("needs TensorFlow")
    with ut.use_backend("tensorflow"):
        _compiled_matches_eager(None)


@pytest.mark.slow  # torch.compile takes tens of seconds on a 2-core CPU
def test_compiled_torch_matches_eager():
    with ut.use_backend("torch"):
        _compiled_matches_eager({"backend": "aot_eager"})


class _TooMany(ut.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x * 2.0

    @staticmethod
    def backward(ctx, g):
        return g, g


class _WrongShape(ut.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return ut.sum(x)

    @staticmethod
    def backward(ctx, g):
        return g  # 0-d, where the input is (3,)


class _NotATensor(ut.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return x.numpy()


def _backward_of(cls):
    def run(x):
        x = ut.tensor(x.numpy(), requires_grad=True)
        ut.sum(cls.apply(x)).backward()

    return run


ERRORS = [
    (RuntimeError, _backward_of(_TooMany),
     r"^function _TooManyBackward returned an incorrect number of gradients \(expected 1, "
     r"got 2\)$"),
    (ut.ShapeError, _backward_of(_WrongShape), r"invalid gradient at index 0: got shape "
     r"\(\) but expected \(3,\)"),
    (TypeError, lambda x: _NotATensor.apply(x), "must return a tensor or a tuple of tensors"),
    (RuntimeError, lambda x: ut.autograd.FunctionCtx(()).saved_tensors,
     "only be read in backward"),
]


@pytest.mark.parametrize("exc, fn, match", ERRORS)
def test_errors_read_the_same_on_every_backend(backends, exc, fn, match):
    same_error(backends, exc, fn, np.array([1.0, 2.0, 3.0]), match=match)
