"""Stochastic gradient descent with momentum, as ``torch.optim.SGD``."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import dtypes as dt
from ..tensor import Tensor
from ._rule import Coefficients, advance, one_minus, read
from .optimizer import _CPU, Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum: PyTorch's
    ``torch.optim.SGD``, with its defaults and update rule.

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                if maximize
        g = g + weight_decay * p              if weight_decay != 0
        if momentum != 0:
            buf = g                           if t == 1
            buf = momentum * buf + (1 - dampening) * g      otherwise
            g = g + momentum * buf            if nesterov
            g = buf                           otherwise
        p = p - lr * g

    State per parameter (with momentum): ``momentum_buffer`` and ``step`` (a float32
    count; PyTorch keeps only the buffer and marks the first step by its absence).

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 1e-3).
        momentum: momentum factor (default 0).
        dampening: dampening of the momentum (default 0).
        weight_decay: L2 penalty added to the gradient (default 0).
        nesterov: Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: a negative (or NaN) lr, momentum or weight_decay; nesterov without
            momentum or with dampening.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, 2.0]))
        >>> opt = ut.optim.SGD([w], lr=0.1, momentum=0.9)
        >>> ut.sum(w * w).backward()
        >>> opt.step()
        >>> w
        tensor([0.8, 1.6], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset(
        {"momentum_buffer", "step"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "momentum": ("momentum",), "dampening": ("dampening",),
        "weight_decay": ("weight_decay",),
    }

    def __init__(self, params: ParamsT, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=bool(nesterov),
                        maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "momentum", "Invalid momentum value: {}")
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")
        if values.get("nesterov") and (float(values.get("momentum", 0)) <= 0
                                       or float(values.get("dampening", 0)) != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        if group.nonzero["momentum"]:
            return (("momentum_buffer", 0.0), ("step", 0.0))
        return ()

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        keys = self._state_keys(group)
        bufs, steps = [], []
        if keys:
            for p in params:
                st = self._state_of(p, keys)
                bufs.append(st["momentum_buffer"]._n)
                steps.append(st["step"]._n)
        natives, nesterov, maximize = [p._n for p in params], group["nesterov"], group["maximize"]
        if not bk.sgd_update(natives, grads, bufs, steps, group.hyper, nesterov, maximize):
            static = (nesterov and bool(keys), maximize, group.nonzero["weight_decay"],
                      bool(keys), group.nonzero["dampening"])
            bk.run_update(sgd_rule, static, natives, grads, bufs, steps, group.hyper)

    def _complete_loaded(self, values: dict[str, Tensor]) -> None:
        # torch.optim.SGD saves only the buffer, which exists once a step has been made
        if "momentum_buffer" in values and "step" not in values:
            from ..ops.creation import asarray_on

            values["step"] = asarray_on(self._backend, 1.0, dtype=dt.float32, device=_CPU)


def sgd_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
             momentum_buffers: list[Any], steps: list[Any], hyper: dict[str, Any]) -> None:
    """One step of SGD on natives, in place: the rule of :class:`SGD`'s docstring, in the
    order of PyTorch's kernel, from the contract's primitives (see ``optim/_rule.py``).
    ``momentum_buffers`` and ``steps`` are empty without momentum."""
    nesterov, maximize, decay, with_momentum, damped = static
    lr, wd, momentum, dampening = read(bk, hyper, "lr", "weight_decay", "momentum",
                                       "dampening")
    coef = Coefficients(bk)
    keep = one_minus(bk, dampening)
    for i, (p, g) in enumerate(zip(params, grads)):
        if maximize:
            g = bk.negative(g)
        if decay:
            g = bk.add(g, bk.multiply(coef(wd, p), p))
        if with_momentum:
            t = advance(bk, steps[i])
            buf = momentum_buffers[i]
            new = bk.add(bk.multiply(buf, coef(momentum, p)), bk.multiply(coef(keep, p), g))
            if damped:  # the first step copies the gradient (the buffer starts at 0)
                first = bk.to_device(bk.equal(t, 1.0), bk.device(g))
                new = bk.where(first, g, new)
            buf = bk.assign(buf, new)
            g = bk.add(g, bk.multiply(coef(momentum, p), buf)) if nesterov else buf
        bk.assign(p, bk.subtract(p, bk.multiply(coef(lr, p), g)))
