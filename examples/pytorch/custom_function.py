"""A custom autograd function, PyTorch's way, on unitorch: ``torch.autograd.Function``
with ``ctx.save_for_backward`` / ``ctx.saved_tensors`` and ``apply`` (PyTorch's own
machinery on the torch backend, ``tf.custom_gradient`` on TensorFlow).

    UNITORCH_BACKEND=torch      python examples/pytorch/custom_function.py
    UNITORCH_BACKEND=tensorflow python examples/pytorch/custom_function.py

Fits ``y = a * softsign(b * x + c) + d`` to a noisy step by gradient descent, with
``softsign(z) = z / (1 + |z|)`` defined as a Function whose backward is written by hand
(``1 / (1 + |z|)^2``), leaves updated in place under ``torch.no_grad()``, and the
hand-written gradient checked against autograd's gradient of the same formula.  No
random numbers: both backends print the same lines.
"""

import math

import unitorch.torch as torch


class Softsign(torch.autograd.Function):
    @staticmethod
    def forward(ctx, z):
        ctx.save_for_backward(z)
        return z / (1 + z.abs())

    @staticmethod
    def backward(ctx, grad_output):
        (z,) = ctx.saved_tensors
        return grad_output / (1 + z.abs()) ** 2


def main():
    x = torch.linspace(-3, 3, 200, dtype=torch.float64)
    y = torch.where(x > 0.5, 1.0, -1.0) + 0.1 * torch.sin(7 * x)

    z = torch.linspace(-2, 2, 9, dtype=torch.float64, requires_grad=True)
    Softsign.apply(z).sum().backward()
    custom = z.grad.clone()
    z.grad = None
    (z / (1 + z.abs())).sum().backward()
    print("hand-written gradient matches autograd's:", torch.allclose(custom, z.grad))

    a, b, c, d = (torch.tensor(v, dtype=torch.float64, requires_grad=True)
                  for v in (0.5, 1.0, 0.0, 0.0))
    lr = 0.05
    for step in range(301):
        pred = a * Softsign.apply(b * x + c) + d
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= lr * p.grad
                p.grad = None
        if step % 100 == 0:
            print(f"step {step}: loss {loss.item():.6f}")
    print(f"fit: y = {a.item():.4f} * softsign({b.item():.4f} x + {c.item():.4f}) "
          f"+ {d.item():.4f}, loss {math.sqrt(loss.item()):.4f} rms")


if __name__ == "__main__":
    main()
