"""Adagrad, as ``torch.optim.Adagrad``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance, read
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """Adagrad (Duchi et al., 2011): PyTorch's ``torch.optim.Adagrad``, with its defaults
    and update rule.

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                      if maximize
        g = g + weight_decay * p                    if weight_decay != 0
        clr = lr / (1 + (t - 1) * lr_decay)
        sum = sum + g * g                           (sum starts at initial_accumulator_value)
        p = p - clr * g / (sqrt(sum) + eps)

    ``eps`` is added outside the square root, as in PyTorch (TF's ``ApplyAdagradV2``
    kernel also adds it outside; Keras 3's Adagrad adds it inside, ``sqrt(sum + eps)``,
    and defaults to ``initial_accumulator_value=0.1`` and ``epsilon=1e-7``).  State per
    parameter: ``step`` and ``sum``, created with the optimizer.

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 1e-2).
        lr_decay: learning-rate decay (default 0).
        weight_decay: L2 penalty (default 0).
        initial_accumulator_value: starting value of ``sum`` (default 0).
        eps: added to the denominator (default 1e-10).
        maximize: maximize the objective instead of minimizing it.

    Raises:
        ValueError: a negative (or NaN) lr, lr_decay, weight_decay,
            initial_accumulator_value or eps.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.Adagrad([w], lr=0.1)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # g / sqrt(g^2) = sign(g)
        >>> w
        tensor([ 0.9, -1.9], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset(
        {"step", "sum"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "lr_decay": ("lr_decay",), "weight_decay": ("weight_decay",),
        "eps": ("eps",),
    }

    def __init__(self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0,
                 weight_decay: float = 0, initial_accumulator_value: float = 0,
                 eps: float = 1e-10, *, maximize: bool = False) -> None:
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        maximize=bool(maximize))
        super().__init__(params, defaults)
        for group in self.param_groups:  # torch.optim.Adagrad creates its state here
            keys = self._state_keys(group)
            for p in group["params"]:
                self._state_of(p, keys)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "lr_decay", "Invalid lr_decay value: {}")
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")
        _check_nonnegative(values, "initial_accumulator_value",
                           "Invalid initial_accumulator_value value: {}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("sum", float(group["initial_accumulator_value"])))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, sums, steps = self._natives(group, params, "sum", "step")
        maximize = group["maximize"]
        if not bk.adagrad_update(natives, grads, sums, steps, group.hyper, maximize):
            static = (maximize, group.nonzero["weight_decay"])
            bk.run_update(adagrad_rule, static, natives, grads, sums, steps, group.hyper)


def adagrad_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
                 state_sums: list[Any], steps: list[Any], hyper: dict[str, Any]) -> None:
    """One step of Adagrad on natives, in place: the rule of :class:`Adagrad`'s
    docstring, in the order of PyTorch's kernel, from the contract's primitives (see
    ``optim/_rule.py``)."""
    maximize, decay = static
    lr, lr_decay, wd, eps = read(bk, hyper, "lr", "lr_decay", "weight_decay", "eps")
    coef = Coefficients(bk)
    for i, (p, g, acc) in enumerate(zip(params, grads, state_sums)):
        t = advance(bk, steps[i])
        clr = bk.divide(lr, bk.add(bk.multiply(bk.subtract(t, 1.0), lr_decay), 1.0))
        if maximize:
            g = bk.negative(g)
        if decay:
            g = bk.add(g, bk.multiply(coef(wd, p), p))
        acc = bk.assign(acc, bk.add(acc, bk.multiply(g, g)))
        std = bk.add(bk.sqrt(acc), coef(eps, p))
        bk.assign(p, bk.subtract(p, bk.multiply(coef(clr, p), bk.divide(g, std))))
