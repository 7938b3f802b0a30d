"""The TensorFlow backend's ``optim`` section: fused optimizer updates.

PyTorch's rules (see the contract) as raw ops on the variables, with every scalar
coefficient formed in float64 (from float64 hyperparameter variables) and rounded once to
the parameter's dtype, as PyTorch does with Python floats.  SGD and Adagrad use TF's
fused kernels (ApplyGradientDescent, ApplyMomentum, ApplyAdagradV2), whose arithmetic is
PyTorch's rule.  Adam and RMSprop are composed: ApplyAdam (like Keras) takes beta2 in the
parameter's dtype and forms 1 - beta2 in it (in float32, 1 - 0.999 is off by 1.3e-5
relative, so the second moment drifts from PyTorch's), and ApplyRMSProp adds eps inside
the square root and keeps lr inside the momentum buffer.  Eagerly, an update runs as one
cached tf.function (its ~15 small ops per parameter cost ~10 us each when dispatched one
by one); while tracing, its ops are inlined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf
from tensorflow.python.eager import record as _record

from ..contract import Native
from .autograd import _own_variable
from .core import _DTYPES, _remembered, _tf_device, raw


class OptimOps:
    """The contract's ``optim`` section."""

    @staticmethod
    def hyperparameter(value):
        return _Hyper(float(value))

    @staticmethod
    def set_hyperparameter(holder, value):
        holder.value = float(value)
        holder.var.assign(holder.value)

    def state_variable(self, shape, fill_value, dtype, device):
        nd = _DTYPES[dtype]
        with tf.device(_tf_device(device) or self._default_device_name()):
            return _own_variable(lambda: tf.fill(shape, tf.constant(fill_value, nd)))

    @staticmethod
    def sgd_update(params, grads, momentum_buffers, steps, hyper, nesterov, maximize):
        static = (nesterov and bool(momentum_buffers), maximize,
                  hyper["weight_decay"].value != 0, bool(momentum_buffers),
                  hyper["dampening"].value != 0)
        _run_update(_sgd_ops, static, params, grads, momentum_buffers, steps, _vars(hyper))

    @staticmethod
    def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper,
                    amsgrad, decoupled, maximize):
        static = (amsgrad, decoupled, maximize, hyper["weight_decay"].value != 0)
        _run_update(_adam_ops, static, params, grads, exp_avgs, exp_avg_sqs,
                    max_exp_avg_sqs, steps, _vars(hyper))

    @staticmethod
    def rmsprop_update(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, hyper,
                       centered, maximize):
        static = (centered, maximize, hyper["weight_decay"].value != 0, bool(momentum_buffers))
        _run_update(_rmsprop_ops, static, params, grads, square_avgs, grad_avgs,
                    momentum_buffers, steps, _vars(hyper))

    @staticmethod
    def adagrad_update(params, grads, state_sums, steps, hyper, maximize):
        static = (maximize, hyper["weight_decay"].value != 0)
        _run_update(_adagrad_ops, static, params, grads, state_sums, steps, _vars(hyper))

class _Hyper:
    """An optimizer hyperparameter: its Python value, and a float64 variable that
    compiled functions read when they run."""

    __slots__ = ("value", "var")

    def __init__(self, value: float) -> None:
        self.value = value
        with tf.init_scope():
            self.var = tf.Variable(value, dtype=tf.float64, trainable=False)


def _vars(hyper: dict[str, _Hyper]) -> dict[str, tf.Variable]:
    return {k: h.var for k, h in hyper.items()}


_UPDATES: dict[Any, Any] = {}


def _run_update(ops: Callable[..., None], static: tuple[bool, ...], *args: Any) -> None:
    """``ops(static, *args)`` unrecorded: inlined while tracing, else as a cached
    tf.function (one per rule and structure; TF caches a graph per argument signature)."""
    with _record.stop_recording():
        if not tf.executing_eagerly():
            ops(static, *args)
            return

        def make() -> Callable[..., None]:
            def run(*a: Any) -> None:
                ops(static, *a)

            return tf.function(run, autograph=False)

        fn = _remembered(_UPDATES, (ops, static), make)
        fn(*args)


_F64 = tf.float64


def _read(hyper: dict[str, tf.Variable], *names: str) -> list[Native]:
    return [raw.ReadVariableOp(resource=hyper[n].handle, dtype=_F64) for n in names]


def _advance(steps: list[tf.Variable]) -> Native:
    """Add one to each step counter; the new counts as a float64 vector."""
    new = [s.assign_add(tf.constant(1.0, s.dtype), read_value=True) for s in steps]
    return raw.Cast(x=raw.Pack(values=new, axis=0), DstT=_F64)


class _Coef:
    """A float64 scalar (or a vector with one entry per parameter), rounded once to each
    parameter dtype that asks for it."""

    def __init__(self, value: Native, per_param: bool = False) -> None:
        self.value, self.per_param, self._cast = value, per_param, {}

    def __call__(self, dtype: Any, i: int = 0, n: int = 0) -> Native:
        c = self._cast.get(dtype)
        if c is None:
            c = self.value if dtype == _F64 else raw.Cast(x=self.value, DstT=dtype)
            if self.per_param:
                c = raw.Unpack(value=c, num=n, axis=0)
            self._cast[dtype] = c
        return c[i] if self.per_param else c


def _one() -> Native:
    return tf.constant(1.0, _F64)


def _sgd_ops(static, params, grads, bufs, steps, hyper):
    # TF's fused kernels compute exactly this rule: ApplyGradientDescent is p - lr * g,
    # ApplyMomentum is buf = momentum * buf + g', p = p - lr * buf (Nesterov: p - lr * g'
    # - lr * momentum * buf).  With g' = (1 - dampening) * g after the first step, and g
    # on the first step (the buffer starts at 0), buf follows PyTorch's rule.
    nesterov, maximize, decay, momentum_on, damped = static
    lr, wd, momentum, dampening = _read(hyper, "lr", "weight_decay", "momentum", "dampening")
    lr_c, wd_c = _Coef(lr), _Coef(wd)
    if momentum_on:
        t = _advance(steps)
        mom_c = _Coef(momentum)
        if damped:
            first = raw.Unpack(value=raw.Equal(x=t, y=_one()), num=len(params), axis=0)
            keep_c = _Coef(raw.Sub(x=_one(), y=dampening))
    for i, (p, g) in enumerate(zip(params, grads)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=p.read_value()))
        if not momentum_on:
            raw.ResourceApplyGradientDescent(var=p.handle, alpha=lr_c(d), delta=g)
            continue
        if damped:
            g = raw.SelectV2(condition=first[i], t=g, e=raw.Mul(x=keep_c(d), y=g))
        raw.ResourceApplyMomentum(var=p.handle, accum=bufs[i].handle, lr=lr_c(d), grad=g,
                                  momentum=mom_c(d), use_nesterov=nesterov)


def _adam_ops(static, params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper):
    # The moments and the parameter are updated in place (AssignAdd where the rule is an
    # addition: m + w1 * (g - m) rounds the same either way), as TF's own optimizers do:
    # fewer ops, and no fresh buffer per moment per step.
    amsgrad, decoupled, maximize, decay = static
    lr, beta1, beta2, eps, wd = _read(hyper, "lr", "beta1", "beta2", "eps", "weight_decay")
    n = len(params)
    t = _advance(steps)
    one = _one()
    bc1 = raw.Sub(x=one, y=raw.Pow(x=beta1, y=t))
    neg_step = _Coef(raw.Neg(x=raw.RealDiv(x=lr, y=bc1)), per_param=True)
    bc2_sqrt = _Coef(raw.Sqrt(x=raw.Sub(x=one, y=raw.Pow(x=beta2, y=t))), per_param=True)
    w1, b2, w2, eps_c = (_Coef(raw.Sub(x=one, y=beta1)), _Coef(beta2),
                         _Coef(raw.Sub(x=one, y=beta2)), _Coef(eps))
    if decay:
        wd_c = _Coef(wd)
        shrink = _Coef(raw.Sub(x=one, y=raw.Mul(x=lr, y=wd)))
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            if decoupled:
                p.assign(raw.Mul(x=_value(p), y=shrink(d)))
            else:
                g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=_value(p)))
        raw.AssignAddVariableOp(resource=m.handle,
                                value=raw.Mul(x=w1(d), y=raw.Sub(x=g, y=_value(m))))
        raw.AssignVariableOp(resource=v.handle,
                             value=raw.AddV2(x=raw.Mul(x=_value(v), y=b2(d)),
                                             y=raw.Mul(x=raw.Mul(x=w2(d), y=g), y=g)))
        v1 = _value(v)
        if amsgrad:
            big = max_exp_avg_sqs[i]
            raw.AssignVariableOp(resource=big.handle, value=raw.Maximum(x=_value(big), y=v1))
            v1 = _value(big)
        denom = raw.AddV2(x=raw.RealDiv(x=raw.Sqrt(x=v1), y=bc2_sqrt(d, i, n)), y=eps_c(d))
        raw.AssignAddVariableOp(
            resource=p.handle,
            value=raw.RealDiv(x=raw.Mul(x=neg_step(d, i, n), y=_value(m)), y=denom))


def _value(v: tf.Variable) -> Native:
    """The current value of variable ``v`` (one op; reads are ordered after the writes
    before them, eagerly and in traced functions)."""
    return raw.ReadVariableOp(resource=v.handle, dtype=v.dtype)


def _rmsprop_ops(static, params, grads, square_avgs, grad_avgs, bufs, steps, hyper):
    centered, maximize, decay, momentum_on = static
    lr, alpha, eps, wd, momentum = _read(hyper, "lr", "alpha", "eps", "weight_decay",
                                         "momentum")
    _advance(steps)
    neg_lr, alpha_c, w_c = _Coef(raw.Neg(x=lr)), _Coef(alpha), _Coef(raw.Sub(x=_one(), y=alpha))
    eps_c, wd_c, mom_c = _Coef(eps), _Coef(wd), _Coef(momentum)
    for i, (p, g, s) in enumerate(zip(params, grads, square_avgs)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=p.read_value()))
        s1 = raw.AddV2(x=raw.Mul(x=s.read_value(), y=alpha_c(d)),
                       y=raw.Mul(x=raw.Mul(x=w_c(d), y=g), y=g))
        s.assign(s1)
        if centered:
            a0 = grad_avgs[i].read_value()
            a1 = raw.AddV2(x=a0, y=raw.Mul(x=w_c(d), y=raw.Sub(x=g, y=a0)))
            grad_avgs[i].assign(a1)
            s1 = raw.Sub(x=s1, y=raw.Mul(x=a1, y=a1))
        avg = raw.AddV2(x=raw.Sqrt(x=s1), y=eps_c(d))
        if momentum_on:
            b = raw.AddV2(x=raw.Mul(x=bufs[i].read_value(), y=mom_c(d)),
                          y=raw.RealDiv(x=g, y=avg))
            bufs[i].assign(b)
            p.assign_add(raw.Mul(x=neg_lr(d), y=b))
        else:
            p.assign_add(raw.RealDiv(x=raw.Mul(x=neg_lr(d), y=g), y=avg))


def _adagrad_ops(static, params, grads, state_sums, steps, hyper):
    # TF's ApplyAdagradV2 is this rule: sum += g * g; p -= clr * g / (sqrt(sum) + eps)
    maximize, decay = static
    lr, lr_decay, wd, eps = _read(hyper, "lr", "lr_decay", "weight_decay", "eps")
    n = len(params)
    t = _advance(steps)
    one = _one()
    clr = _Coef(raw.RealDiv(x=lr, y=raw.AddV2(x=one, y=raw.Mul(x=raw.Sub(x=t, y=one),
                                                                y=lr_decay))), per_param=True)
    eps_c, wd_c = _Coef(eps), _Coef(wd)
    for i, (p, g, acc) in enumerate(zip(params, grads, state_sums)):
        d = p.dtype
        if maximize:
            g = raw.Neg(x=g)
        if decay:
            g = raw.AddV2(x=g, y=raw.Mul(x=wd_c(d), y=p.read_value()))
        raw.ResourceApplyAdagradV2(var=p.handle, accum=acc.handle, lr=clr(d, i, n),
                                   epsilon=eps_c(d), grad=g, update_slots=True)

