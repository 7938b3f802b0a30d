"""RMSprop, as ``torch.optim.RMSprop``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance, one_minus, read
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes; centered version of Graves, 2013): PyTorch's
    ``torch.optim.RMSprop``, with its defaults and update rule.

    For each parameter ``p`` with gradient ``g``::

        g = -g                                      if maximize
        g = g + weight_decay * p                    if weight_decay != 0
        s = alpha * s + (1 - alpha) * g * g         (s, a, buf start at 0)
        if centered:
            a = a + (1 - alpha) * (g - a)
            d = sqrt(s - a * a) + eps
        else:
            d = sqrt(s) + eps
        if momentum > 0:
            buf = momentum * buf + g / d
            p = p - lr * buf
        else:
            p = p - lr * g / d

    ``eps`` is added outside the square root, as in PyTorch (Keras 3's RMSprop and TF's
    ``ApplyRMSProp`` kernel add it inside, ``sqrt(s + eps)``; Keras's defaults are also
    ``rho=0.9``, ``epsilon=1e-7``, ``learning_rate=1e-3``).  State per parameter:
    ``step``, ``square_avg`` (s), ``momentum_buffer`` (with momentum) and ``grad_avg``
    (a, when centered).

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 1e-2).
        alpha: smoothing constant (default 0.99).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum: momentum factor (default 0).
        centered: normalize by an estimate of the gradient's variance.
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: a negative (or NaN) lr, alpha, eps, momentum or weight_decay.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.RMSprop([w], lr=0.01)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # g / sqrt(0.01 g^2) = 10 sign(g)
        >>> w
        tensor([ 0.90000004, -1.9       ], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset(
        {"step", "square_avg", "momentum_buffer", "grad_avg"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "alpha": ("alpha",), "eps": ("eps",),
        "weight_decay": ("weight_decay",), "momentum": ("momentum",),
    }

    def __init__(self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0, momentum: float = 0,
                 centered: bool = False, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=bool(centered), maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")
        _check_nonnegative(values, "momentum", "Invalid momentum value: {}")
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")
        _check_nonnegative(values, "alpha", "Invalid alpha value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        keys: tuple[tuple[str, float], ...] = (("step", 0.0), ("square_avg", 0.0))
        if group.nonzero["momentum"]:
            keys += (("momentum_buffer", 0.0),)
        if group["centered"]:
            keys += (("grad_avg", 0.0),)
        return keys

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        centered, with_momentum = group["centered"], group.nonzero["momentum"]
        keys = self._state_keys(group)
        natives, squares, grad_avgs, bufs, steps = [], [], [], [], []
        for p in params:
            st = self._state_of(p, keys)
            natives.append(p._n)
            squares.append(st["square_avg"]._n)
            steps.append(st["step"]._n)
            if centered:
                grad_avgs.append(st["grad_avg"]._n)
            if with_momentum:
                bufs.append(st["momentum_buffer"]._n)
        maximize = group["maximize"]
        if not bk.rmsprop_update(natives, grads, squares, grad_avgs, bufs, steps, group.hyper,
                                 centered, maximize):
            static = (centered, maximize, group.nonzero["weight_decay"], with_momentum)
            bk.run_update(rmsprop_rule, static, natives, grads, squares, grad_avgs, bufs,
                          steps, group.hyper)


def rmsprop_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
                 square_avgs: list[Any], grad_avgs: list[Any], momentum_buffers: list[Any],
                 steps: list[Any], hyper: dict[str, Any]) -> None:
    """One step of RMSprop on natives, in place: the rule of :class:`RMSprop`'s
    docstring, in the order of PyTorch's kernel, from the contract's primitives (see
    ``optim/_rule.py``).  ``grad_avgs`` is empty unless centered, ``momentum_buffers``
    unless momentum > 0."""
    centered, maximize, decay, with_momentum = static
    lr, alpha, eps, wd, momentum = read(bk, hyper, "lr", "alpha", "eps", "weight_decay",
                                        "momentum")
    coef = Coefficients(bk)
    w = one_minus(bk, alpha)
    for i, (p, g, sq) in enumerate(zip(params, grads, square_avgs)):
        advance(bk, steps[i])
        if maximize:
            g = bk.negative(g)
        if decay:
            g = bk.add(g, bk.multiply(coef(wd, p), p))
        sq = bk.assign(sq, bk.add(bk.multiply(sq, coef(alpha, p)),
                                  bk.multiply(bk.multiply(coef(w, p), g), g)))
        if centered:
            a = grad_avgs[i]
            a = bk.assign(a, bk.add(a, bk.multiply(coef(w, p), bk.subtract(g, a))))
            avg = bk.sqrt(bk.subtract(sq, bk.multiply(a, a)))
        else:
            avg = bk.sqrt(sq)
        avg = bk.add(avg, coef(eps, p))
        if with_momentum:
            buf = momentum_buffers[i]
            buf = bk.assign(buf, bk.add(bk.multiply(buf, coef(momentum, p)), bk.divide(g, avg)))
            bk.assign(p, bk.subtract(p, bk.multiply(coef(lr, p), buf)))
        else:
            bk.assign(p, bk.subtract(p, bk.multiply(coef(lr, p), bk.divide(g, avg))))
