"""The PyTorch backend's ``optim`` section: hyperparameter holders, optimizer state, and
fused kernels for the rules of ``unitorch/optim/``.

The fused kernels are PyTorch's own functional optimizers (``torch.optim.<name>.<name>``,
the code ``torch.optim.<Name>.step`` runs, with Python-float hyperparameters), so eager
results are torch.optim's exactly; ``foreach=None`` lets torch choose as torch.optim does
(foreach kernels on CUDA, one tensor at a time on CPU).  While torch.compile traces they
decline (return False) and the rules of ``unitorch/optim/`` run, reading the
hyperparameters from 0-d float64 tensors: torch.compile specialises on Python floats, so
a scheduler changing lr would recompile the step at every new value.  Step counters are
CPU float32 tensors, as torch.optim keeps them when not capturable.
"""

from __future__ import annotations

from typing import Any

import torch
from torch.optim.adadelta import adadelta as _adadelta
from torch.optim.adagrad import adagrad as _adagrad
from torch.optim.adam import adam as _adam
from torch.optim.adamax import adamax as _adamax
from torch.optim.asgd import asgd as _asgd
from torch.optim.nadam import nadam as _nadam
from torch.optim.radam import radam as _radam
from torch.optim.rmsprop import rmsprop as _rmsprop
from torch.optim.rprop import rprop as _rprop
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

    @staticmethod
    def hyperparameter_value(holder):
        return holder.tensor

    @staticmethod
    @_eager_in_traces
    def run_eagerly(fn, *args):
        return fn(*args)

    @staticmethod
    @_eager_in_traces
    def state_variable(shape, fill_value, dtype, device):
        return torch.full(shape, fill_value, dtype=_DTYPES[dtype], device=_torch_device(device))

    @staticmethod
    def sgd_update(params, grads, momentum_buffers, steps, hyper, nesterov, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            lr, wd = hyper["lr"].value, hyper["weight_decay"].value
            if not momentum_buffers:
                _sgd(params, grads, [None] * len(params), weight_decay=wd, momentum=0.0, lr=lr,
                     dampening=0.0, nesterov=nesterov, maximize=maximize)
                return True
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
        return True

    @staticmethod
    def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper,
                    amsgrad, decoupled, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                  decoupled_weight_decay=decoupled, amsgrad=amsgrad,
                  beta1=hyper["beta1"].value, beta2=hyper["beta2"].value,
                  lr=hyper["lr"].value, weight_decay=hyper["weight_decay"].value,
                  eps=hyper["eps"].value, maximize=maximize)
        return True

    @staticmethod
    def rmsprop_update(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, hyper,
                       centered, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                     maximize=maximize, lr=hyper["lr"].value, alpha=hyper["alpha"].value,
                     eps=hyper["eps"].value, weight_decay=hyper["weight_decay"].value,
                     momentum=hyper["momentum"].value if momentum_buffers else 0.0,
                     centered=centered)
        return True

    @staticmethod
    def adagrad_update(params, grads, state_sums, steps, hyper, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _adagrad(params, grads, state_sums, steps, lr=hyper["lr"].value,
                     weight_decay=hyper["weight_decay"].value,
                     lr_decay=hyper["lr_decay"].value, eps=hyper["eps"].value,
                     maximize=maximize)
        return True


    # -- the optimizers of issue 11: torch.optim's functions, as above -------------------

    @staticmethod
    def adadelta_update(params, grads, square_avgs, acc_deltas, steps, hyper, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _adadelta(params, grads, square_avgs, acc_deltas, steps, lr=hyper["lr"].value,
                      rho=hyper["rho"].value, eps=hyper["eps"].value,
                      weight_decay=hyper["weight_decay"].value, maximize=maximize)
        return True

    @staticmethod
    def adamax_update(params, grads, exp_avgs, exp_infs, steps, hyper, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _adamax(params, grads, exp_avgs, exp_infs, steps, maximize=maximize,
                    eps=hyper["eps"].value, beta1=hyper["beta1"].value,
                    beta2=hyper["beta2"].value, lr=hyper["lr"].value,
                    weight_decay=hyper["weight_decay"].value)
        return True

    @staticmethod
    def nadam_update(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps, hyper,
                     decoupled, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _nadam(params, grads, exp_avgs, exp_avg_sqs, mu_products, steps,
                   decoupled_weight_decay=decoupled, maximize=maximize,
                   beta1=hyper["beta1"].value, beta2=hyper["beta2"].value,
                   lr=hyper["lr"].value, weight_decay=hyper["weight_decay"].value,
                   momentum_decay=hyper["momentum_decay"].value, eps=hyper["eps"].value)
        return True

    @staticmethod
    def radam_update(params, grads, exp_avgs, exp_avg_sqs, steps, hyper, decoupled,
                     maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _radam(params, grads, exp_avgs, exp_avg_sqs, steps,
                   decoupled_weight_decay=decoupled, maximize=maximize,
                   beta1=hyper["beta1"].value, beta2=hyper["beta2"].value,
                   lr=hyper["lr"].value, weight_decay=hyper["weight_decay"].value,
                   eps=hyper["eps"].value)
        return True

    @staticmethod
    def asgd_update(params, grads, axs, mus, etas, steps, hyper, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _asgd(params, grads, axs, mus, etas, steps, maximize=maximize,
                  lambd=hyper["lambd"].value, lr=hyper["lr"].value, t0=hyper["t0"].value,
                  alpha=hyper["alpha"].value, weight_decay=hyper["weight_decay"].value)
        return True

    @staticmethod
    def rprop_update(params, grads, prevs, step_sizes, steps, hyper, maximize):
        if torch.compiler.is_compiling():
            return False
        with torch.no_grad():
            _rprop(params, grads, prevs, step_sizes, steps, maximize=maximize,
                   step_size_min=hyper["step_size_min"].value,
                   step_size_max=hyper["step_size_max"].value,
                   etaminus=hyper["etaminus"].value, etaplus=hyper["etaplus"].value)
        return True


class _Hyper:
    """An optimizer hyperparameter: the Python float torch.optim's functions take (eager
    updates), and the same value in a 0-d float64 tensor (read by compiled updates, so a
    new value needs no recompilation)."""

    __slots__ = ("value", "tensor")

    def __init__(self, value: float) -> None:
        self.value = value
        self.tensor = torch.tensor(value, dtype=torch.float64)
