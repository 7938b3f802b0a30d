"""The PyTorch backend's ``optim`` section: fused optimizer updates.

Eagerly, PyTorch's own functional optimizers (``torch.optim.<name>.<name>``, the code
``torch.optim.<Name>.step`` runs, with Python-float hyperparameters), so the results are
torch.optim's exactly; ``foreach=None`` lets torch choose as torch.optim does (foreach
kernels on CUDA, one tensor at a time on CPU).  While torch.compile traces, the same
rules written with torch ops instead, reading the hyperparameters from 0-d tensors:
torch.compile specialises on Python floats, so a scheduler changing lr would recompile
the step at every new value.  Step counters are CPU float32 tensors, as torch.optim keeps
them when not capturable.
"""

from __future__ import annotations

import math
from typing import Any

import torch
from torch.optim.adagrad import adagrad as _adagrad
from torch.optim.adam import adam as _adam
from torch.optim.rmsprop import rmsprop as _rmsprop
from torch.optim.sgd import sgd as _sgd

from .core import _DTYPES, _eager_in_traces, _torch_device


class OptimOps:
    """The contract's ``optim`` section."""

    # created eagerly even while torch.compile traces (as tf.init_scope does on TF)
    hyperparameter = staticmethod(_eager_in_traces(lambda value: _Hyper(float(value))))

    @staticmethod
    def set_hyperparameter(holder, value):
        holder.value = float(value)
        holder.tensor.fill_(holder.value)
        holder.nonzero = holder.value != 0

    @staticmethod
    @_eager_in_traces
    def state_variable(shape, fill_value, dtype, device):
        return torch.full(shape, fill_value, dtype=_DTYPES[dtype], device=_torch_device(device))

    @staticmethod
    def sgd_update(params, grads, momentum_buffers, steps, hyper, nesterov, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _sgd_traced(params, grads, momentum_buffers, steps, hyper, nesterov, maximize)
                return
            lr, wd = hyper["lr"].value, hyper["weight_decay"].value
            if not momentum_buffers:
                _sgd(params, grads, [None] * len(params), weight_decay=wd, momentum=0.0, lr=lr,
                     dampening=0.0, nesterov=nesterov, maximize=maximize)
                return
            momentum, dampening = hyper["momentum"].value, hyper["dampening"].value
            # torch starts a buffer as a copy of the first gradient (None in the list); a
            # zero buffer gives the same values when dampening is 0 (0 * m + 1 * g == g)
            bufs: list[Any] = list(momentum_buffers)
            if dampening != 0:
                bufs = [None if s.item() == 0 else b for s, b in zip(steps, bufs)]
            _sgd(params, grads, bufs, weight_decay=wd, momentum=momentum, lr=lr,
                 dampening=dampening, nesterov=nesterov, maximize=maximize)
            for own, new in zip(momentum_buffers, bufs):
                if new is not own:
                    own.copy_(new)
            torch._foreach_add_(steps, 1.0)

    @staticmethod
    def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper,
                    amsgrad, decoupled, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _adam_traced(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                             hyper, amsgrad, decoupled, maximize)
                return
            _adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                  decoupled_weight_decay=decoupled, amsgrad=amsgrad,
                  beta1=hyper["beta1"].value, beta2=hyper["beta2"].value,
                  lr=hyper["lr"].value, weight_decay=hyper["weight_decay"].value,
                  eps=hyper["eps"].value, maximize=maximize)

    @staticmethod
    def rmsprop_update(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, hyper,
                       centered, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _rmsprop_traced(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                                hyper, centered, maximize)
                return
            _rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                     maximize=maximize, lr=hyper["lr"].value, alpha=hyper["alpha"].value,
                     eps=hyper["eps"].value, weight_decay=hyper["weight_decay"].value,
                     momentum=hyper["momentum"].value if momentum_buffers else 0.0,
                     centered=centered)

    @staticmethod
    def adagrad_update(params, grads, state_sums, steps, hyper, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _adagrad_traced(params, grads, state_sums, steps, hyper, maximize)
                return
            _adagrad(params, grads, state_sums, steps, lr=hyper["lr"].value,
                     weight_decay=hyper["weight_decay"].value,
                     lr_decay=hyper["lr_decay"].value, eps=hyper["eps"].value,
                     maximize=maximize)


class _Hyper:
    """An optimizer hyperparameter: the Python float torch.optim's functions take (eager
    updates), the same value in a 0-d float64 tensor (read by compiled updates, so a new
    value needs no recompilation), and whether it is non-zero (what compiled updates
    branch on)."""

    __slots__ = ("value", "tensor", "nonzero")

    def __init__(self, value: float) -> None:
        self.value = value
        self.tensor = torch.tensor(value, dtype=torch.float64)
        self.nonzero = value != 0


# The rules of the contract in torch ops, for torch.compile (which fuses them).  The step
# counters live on the CPU; 0-d CPU tensors combine with tensors on any device.

def _sgd_traced(params, grads, bufs, steps, h, nesterov, maximize):
    lr, wd, momentum = h["lr"].tensor, h["weight_decay"].tensor, h["momentum"].tensor
    keep = 1 - h["dampening"].tensor
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        if h["weight_decay"].nonzero:
            g = g + wd * p
        if bufs:
            s, buf = steps[i], bufs[i]
            s.add_(1)
            buf.copy_(torch.where(s.to(g.device) == 1, g, buf * momentum + keep * g))
            g = g + momentum * buf if nesterov else buf
        p.sub_(lr * g)


@_eager_in_traces
def _adam_scalars(steps, h):
    """Each step counter advanced, and Adam's scalars for this step, formed as
    torch.optim forms them (Python floats) in one float64 tensor: ``1 - beta1, beta2,
    1 - beta2, eps, weight_decay, 1 - lr * weight_decay``, then ``lr / (1 - beta1**t),
    sqrt(1 - beta2**t)`` per parameter.  Run eagerly (a graph break): computed in the
    graph, Inductor would evaluate them (two float64 pows and a sqrt) again for every
    8 elements of every parameter, which costs more than the update itself."""
    lr, b1, b2, eps, wd = (h[k].value for k in ("lr", "beta1", "beta2", "eps",
                                                 "weight_decay"))
    values = [1 - b1, b2, 1 - b2, eps, wd, 1 - lr * wd]
    for s in steps:
        t = s.add_(1).item()
        values += [lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)]
    return torch.tensor(values, dtype=torch.float64)


def _adam_traced(params, grads, exp_avgs, exp_avg_sqs, max_sqs, steps, h, amsgrad, decoupled,
                 maximize):
    c = _adam_scalars(steps, h)
    w1, b2, w2, eps, wd, shrink = c[0], c[1], c[2], c[3], c[4], c[5]
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        g = -g if maximize else g
        if h["weight_decay"].nonzero:
            if decoupled:
                p.mul_(shrink)
            else:
                g = g + wd * p
        m.add_(w1 * (g - m))
        v.mul_(b2).add_(w2 * g * g)
        if amsgrad:
            max_sqs[i].copy_(torch.maximum(max_sqs[i], v))
            v = max_sqs[i]
        p.sub_(c[6 + 2 * i] * (m / (v.sqrt() / c[7 + 2 * i] + eps)))  # (addcdiv's order)


def _rmsprop_traced(params, grads, square_avgs, grad_avgs, bufs, steps, h, centered,
                    maximize):
    lr, alpha, eps, wd, momentum = (h[k].tensor for k in ("lr", "alpha", "eps",
                                                          "weight_decay", "momentum"))
    for i, (p, g, sq, s) in enumerate(zip(params, grads, square_avgs, steps)):
        g = -g if maximize else g
        s.add_(1)
        if h["weight_decay"].nonzero:
            g = g + wd * p
        sq.mul_(alpha).add_((1 - alpha) * g * g)
        if centered:
            a = grad_avgs[i]
            a.add_((1 - alpha) * (g - a))
            avg = (sq - a * a).sqrt() + eps
        else:
            avg = sq.sqrt() + eps
        if bufs:
            bufs[i].mul_(momentum).add_(g / avg)
            p.sub_(lr * bufs[i])
        else:
            p.sub_(lr * g / avg)


def _adagrad_traced(params, grads, state_sums, steps, h, maximize):
    lr, lr_decay, wd, eps = (h[k].tensor for k in ("lr", "lr_decay", "weight_decay", "eps"))
    for p, g, acc, s in zip(params, grads, state_sums, steps):
        g = -g if maximize else g
        s.add_(1)
        if h["weight_decay"].nonzero:
            g = g + wd * p
        clr = lr / (1 + (s - 1) * lr_decay)
        acc.add_(g * g)
        p.sub_(clr * g / (acc.sqrt() + eps))
