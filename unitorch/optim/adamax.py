"""Adamax, as ``torch.optim.Adamax``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance, lerp, one_minus, read
from .adadelta import _check_implementation
from .optimizer import Optimizer, ParamsT, _check_betas, _check_nonnegative, _ParamGroup

__all__ = ["Adamax"]


class Adamax(Optimizer):
    """Adamax (Kingma & Ba, 2014, section 7.1: Adam with the infinity norm): PyTorch's
    ``torch.optim.Adamax``, with its defaults and update rule.

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                        if maximize
        g = g + weight_decay * p                      if weight_decay != 0
        m = lerp(m, g, 1 - beta1)                     (m, u start at 0)
        u = max(beta2 * u, |g| + eps)
        p = p - lr / (1 - beta1**t) * m / u

    ``eps`` is added to ``|g|`` inside the maximum, as in PyTorch (Keras adds it to
    ``u`` in the denominator, and defaults to ``epsilon=1e-7``, ``learning_rate=1e-3``).
    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_inf`` (u).

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 2e-3).
        betas: decay rates of the first moment and of the infinity norm (default
            (0.9, 0.999)).
        eps: added to ``|g|`` (default 1e-8).
        weight_decay: L2 penalty (default 0).
        foreach: accepted for PyTorch compatibility (unitorch chooses its kernels).
        capturable: accepted for PyTorch compatibility.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (:class:`NotImplementedError`).

    Raises:
        ValueError: a negative (or NaN) lr, eps or weight_decay, or a beta outside
            [0, 1).

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.Adamax([w], lr=0.1)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # the first step moves each weight by about lr
        >>> w
        tensor([ 0.9, -1.9], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset({"step", "exp_avg", "exp_inf"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "betas": ("beta1", "beta2"), "eps": ("eps",),
        "weight_decay": ("weight_decay",),
    }

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 maximize: bool = False, differentiable: bool = False,
                 capturable: bool = False) -> None:
        _check_implementation(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")
        _check_betas(self, values)
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("exp_avg", 0.0), ("exp_inf", 0.0))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, exp_avgs, exp_infs, steps = self._natives(
            group, params, "exp_avg", "exp_inf", "step")
        maximize = group["maximize"]
        if not bk.adamax_update(natives, grads, exp_avgs, exp_infs, steps, group.hyper,
                                maximize):
            static = (maximize, group.nonzero["weight_decay"])
            bk.run_update(adamax_rule, static, natives, grads, exp_avgs, exp_infs, steps,
                          group.hyper)


def adamax_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
                exp_avgs: list[Any], exp_infs: list[Any], steps: list[Any],
                hyper: dict[str, Any]) -> None:
    """One step of Adamax on natives, in place: the rule of :class:`Adamax`'s docstring,
    in the order of PyTorch's single-tensor kernel, from the contract's primitives (see
    ``optim/_rule.py``)."""
    maximize, decay = static
    lr, beta1, beta2, eps, wd = read(bk, hyper, "lr", "beta1", "beta2", "eps",
                                     "weight_decay")
    coef = Coefficients(bk)
    w1 = one_minus(bk, beta1)
    for i, (p, g, m, u) in enumerate(zip(params, grads, exp_avgs, exp_infs)):
        t = advance(bk, steps[i])
        clr = bk.divide(lr, one_minus(bk, bk.pow(beta1, t)))
        if maximize:
            g = bk.negative(g)
        if decay:
            g = bk.add(g, bk.multiply(coef(wd, p), p))
        m = bk.assign(m, lerp(bk, m, g, coef(w1, p)))
        u = bk.assign(u, bk.maximum(bk.multiply(u, coef(beta2, p)),
                                    bk.add(bk.abs(g), coef(eps, p))))
        bk.assign(p, bk.subtract(p, bk.multiply(coef(clr, p), bk.divide(m, u))))
