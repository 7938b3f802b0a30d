"""PyTorch's autograd rules and vocabulary on every backend: in-place operations on
leaves, ``is_leaf``, ``grad_fn``, ``retain_grad``, ``register_hook``, ``.data``,
``detach_``, the grad-mode switches, ``torch.autograd.grad`` and
``torch.autograd.Function``, each compared with PyTorch itself."""

from __future__ import annotations

import numpy as np
import pytest
from torch_compat import front_door, real_torch, same_as_torch, same_error_as_torch

import unitorch as ut

from support import finite_difference

W = np.array([1.0, -2.0, 3.0], dtype=np.float32)


# ---------------------------------------------------------------------------------------
# in-place operations: PyTorch's rule on TensorFlow too


@pytest.mark.parametrize("op", [
    lambda t: t.add_(1), lambda t: t.mul_(2), lambda t: t.zero_(), lambda t: t.fill_(1),
    lambda t: t.copy_(t.detach() * 2), lambda t: t.clamp_(0, 1), lambda t: t.normal_(),
    lambda t: t.uniform_(), lambda t: t.sqrt_(), lambda t: t.__iadd__(1),
    lambda t: t.__isub__(t.detach()), lambda t: t.__imul__(2), lambda t: t.__itruediv__(2),
], ids=["add_", "mul_", "zero_", "fill_", "copy_", "clamp_", "normal_", "uniform_",
        "sqrt_", "+=", "-=", "*=", "/="])
def test_in_place_on_a_leaf_that_requires_grad_raises_as_in_pytorch(backends, op):
    def leaf(torch, w):
        return op(w.requires_grad_())

    message = same_error_as_torch(backends, leaf, W, exc=RuntimeError)
    assert message == "a leaf Variable that requires grad is being used in an in-place " \
                      "operation."


def test_setitem_on_a_leaf_that_requires_grad_raises_as_in_pytorch(backends):
    def assign(torch, w):
        w.requires_grad_()
        w[0] = 5.0

    message = same_error_as_torch(backends, assign, W, exc=RuntimeError)
    assert message.startswith("a view of a leaf Variable that requires grad")


def test_in_place_on_a_parameter_works_under_no_grad_and_on_data(backends):
    def update(torch, w):
        p = torch.nn.Parameter(w)
        (p * p).sum().backward()
        with torch.no_grad():
            p -= 0.1 * p.grad
            p.add_(1.0)
            p[0] = 7.0
        p.data.mul_(2.0)  # .data is outside autograd's rules
        return p.detach().clone(), p.data.requires_grad, p.requires_grad, p.is_leaf

    same_as_torch(backends, update, W, family="composite")


def test_in_place_on_a_non_leaf_is_recorded(backends):
    def chain(torch, w):
        w.requires_grad_()
        y = w * 2
        y.add_(1)
        y.mul_(w)  # gradient through both factors
        y.sum().backward()
        return w.grad

    same_as_torch(backends, chain, W, family="composite")


# ---------------------------------------------------------------------------------------
# leaves, grad_fn, retain_grad, hooks, detach_


def test_leaves_and_grad_fn(backends):
    def leaves(torch, w):
        x = torch.ones(3)
        w.requires_grad_()
        y = w * 2
        return (x.is_leaf, w.is_leaf, y.is_leaf, x.grad_fn is None, w.grad_fn is None,
                y.grad_fn is None, y.detach().is_leaf, y.requires_grad,
                torch.nn.Parameter(x).is_leaf)

    same_as_torch(backends, leaves, W)


def test_retain_grad_keeps_a_non_leaf_gradient(backends):
    def retained(torch, w):
        w.requires_grad_()
        y = w * 3
        y.retain_grad()
        z = (y * y).sum()
        z.backward()
        return y.grad, w.grad

    same_as_torch(backends, retained, W, family="composite")
    same_error_as_torch(backends, lambda torch, w: w.retain_grad(), W, exc=RuntimeError)


def test_hooks_change_gradients_as_in_pytorch(backends):
    def hooked(torch, w):
        w.requires_grad_()
        seen = []
        handle = w.register_hook(lambda g: g * 10)
        (w * w).sum().backward()
        first = w.grad.clone()
        handle.remove()
        w.grad = None
        (w * w).sum().backward()
        second = w.grad.clone()
        w.grad = None
        y = w * 2
        y.register_hook(lambda g: seen.append(g.clone()))  # observing: returns None
        y.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        return first, second, w.grad, seen[0]

    same_as_torch(backends, hooked, W, family="composite")
    same_error_as_torch(backends, lambda torch, w: w.register_hook(lambda g: g), W,
                        exc=RuntimeError)


def test_detach_in_place(backends):
    def detached(torch, w):
        w.requires_grad_()
        y = w * 2
        y.detach_()
        return y.requires_grad, y.is_leaf, y.grad_fn is None, y

    same_as_torch(backends, detached, W)


def test_data_setter_replaces_the_values(backends):
    def replace(torch, w):
        p = torch.nn.Parameter(w)
        p.data = torch.zeros(2)
        q = torch.nn.Parameter(w.clone())
        q.data = q.data * 0 + 5
        return p.detach(), p.requires_grad, p.is_leaf, q.detach()

    same_as_torch(backends, replace, W)


# ---------------------------------------------------------------------------------------
# grad mode


def test_grad_mode_switches(backends):
    def modes(torch, w):
        w.requires_grad_()
        out = [torch.is_grad_enabled()]
        with torch.no_grad():
            out += [torch.is_grad_enabled(), (w * 2).requires_grad]
            with torch.enable_grad():
                out.append((w * 2).requires_grad)
        with torch.set_grad_enabled(False):
            out.append((w * 2).requires_grad)
        out.append((w * 2).requires_grad)
        with torch.inference_mode():
            out.append((w * 2).requires_grad)
        torch.set_grad_enabled(False)
        out += [torch.is_grad_enabled(), (w * 2).requires_grad]
        torch.set_grad_enabled(True)
        out.append((w * 2).requires_grad)

        @torch.no_grad()
        def f(v):
            return (v * 2).requires_grad

        @torch.set_grad_enabled(False)
        def g(v):
            return (v * 2).requires_grad

        out += [f(w), g(w), torch.is_grad_enabled()]
        return tuple(out)

    same_as_torch(backends, modes, W)


# ---------------------------------------------------------------------------------------
# torch.autograd.grad and backward


def test_autograd_grad_as_pytorch(backends):
    def grads(torch, w):
        w.requires_grad_()
        y = (w ** 3).sum()
        (g,) = torch.autograd.grad(y, w, create_graph=True)
        (g2,) = torch.autograd.grad(g.sum(), w)
        u = w * 2
        v = (u * u).sum()
        gu, gw = torch.autograd.grad(v, [u, w], retain_graph=True)
        unused = torch.autograd.grad(v, [w, torch.ones(3, requires_grad=True)],
                                     allow_unused=True)
        weighted = torch.autograd.grad(w * 2, w, grad_outputs=torch.ones(3) * 3)
        return g, g2, gu, gw, unused[0], unused[1] is None, weighted, w.grad is None

    same_as_torch(backends, grads, W, family="composite")
    same_error_as_torch(backends, lambda torch, w: torch.autograd.grad(
        (w.requires_grad_() * 2).sum(), [w, torch.ones(1, requires_grad=True)]), W,
        exc=RuntimeError)


def test_autograd_backward_of_several_tensors(backends):
    def both(torch, w):
        w.requires_grad_()
        torch.autograd.backward([(w * w).sum(), (w * 3).sum()])
        return w.grad

    same_as_torch(backends, both, W, family="composite")


# ---------------------------------------------------------------------------------------
# torch.autograd.Function


def _functions(torch):
    class Legendre3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 0.5 * (5 * x ** 3 - 3 * x)

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * x ** 2 - 1)

    class ScaleAndShift(torch.autograd.Function):
        """Two tensor inputs, a non-tensor one, two outputs, ctx attributes."""

        @staticmethod
        def forward(ctx, x, y, k):
            ctx.k = k
            ctx.save_for_backward(x, y)
            ctx.needs = ctx.needs_input_grad
            return x * k + y, x * y

        @staticmethod
        def backward(ctx, ga, gb):
            x, y = ctx.saved_tensors
            return ga * ctx.k + gb * y, ga + gb * x, None

    return Legendre3, ScaleAndShift


def test_custom_function_forward_and_backward_as_pytorch(backends):
    def run(torch, a, b):
        Legendre3, ScaleAndShift = _functions(torch)
        a.requires_grad_()
        b.requires_grad_()
        out = Legendre3.apply(a * 0.5)
        out.sum().backward()
        ga = a.grad.clone()
        a.grad = None
        p, q = ScaleAndShift.apply(a, b, 3.0)
        (p.sum() + (q * q).sum()).backward()
        plain = Legendre3.apply(a.detach())  # no input requires grad: nothing recorded
        return out, ga, p, q, a.grad, b.grad, plain, plain.requires_grad

    same_as_torch(backends, run, W, W[::-1].copy(), family="composite")


def test_custom_function_gradient_matches_finite_differences(backend):
    torch = front_door()
    Legendre3, _ = _functions(torch)
    x0 = np.array([0.3, -0.7, 0.1], dtype=np.float64)
    x = ut.asarray(x0).requires_grad_()
    Legendre3.apply(x).sum().backward()
    expected = finite_difference(lambda v: float(np.sum(0.5 * (5 * v ** 3 - 3 * v))), x0)
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-6)


def test_custom_function_in_a_model_with_an_optimizer(backends):
    def train(torch, w0):
        Legendre3, _ = _functions(torch)
        w = torch.nn.Parameter(w0 * 0.1)
        opt = torch.optim.SGD([w], lr=0.05)
        losses = []
        for _ in range(5):
            opt.zero_grad()
            loss = (Legendre3.apply(w) - 1).pow(2).sum()
            loss.backward()
            opt.step()
            losses.append(loss.detach())
        return torch.stack(losses), w.detach()

    same_as_torch(backends, train, W, family="training", scale=5)


def test_custom_function_errors(backends):
    def wrong_count(torch, w):
        class Bad(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g  # one gradient for two inputs

        Bad.apply(w.requires_grad_(), 2.0).sum().backward()

    same_error_as_torch(backends, wrong_count, W, exc=RuntimeError)
    torch = front_door()
    with pytest.raises(TypeError, match="save_for_backward"):
        torch.autograd.FunctionCtx().save_for_backward(3)
    real_torch()  # (the comparisons above need PyTorch)


def test_assigning_a_number_to_grad_raises_as_in_pytorch(backends):
    """The current pytorch/tutorials polynomial_autograd.py sets ``a.grad = 0.``, which
    PyTorch refuses: unitorch refuses it the same way."""
    def assign(torch, w):
        w.requires_grad_()
        (w * w).sum().backward()
        w.grad = 0.0

    message = same_error_as_torch(backends, assign, W, exc=TypeError)
    assert message == "assigned grad expected to be a Tensor or None but got grad of type " \
                      "float"
