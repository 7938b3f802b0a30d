"""RAdam, as ``torch.optim.RAdam``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance, lerp, one_minus, read
from .adadelta import _check_implementation
from .optimizer import Optimizer, ParamsT, _check_betas, _check_nonnegative, _ParamGroup

__all__ = ["RAdam"]


class RAdam(Optimizer):
    """RAdam (Liu et al., 2019: Adam with a rectified adaptive learning rate): PyTorch's
    ``torch.optim.RAdam``, with its defaults and update rule.

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                        if maximize
        p = p * (1 - lr * weight_decay)               if decoupled_weight_decay
        g = g + weight_decay * p                      otherwise (if weight_decay != 0)
        m = lerp(m, g, 1 - beta1)                     (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g * g
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4) (rho_t - 2) rho_inf / ((rho_inf - 4) (rho_inf - 2) rho_t))
            p = p - m / (1 - beta1**t) * lr * sqrt(1 - beta2**t) / (sqrt(v) + eps) * r
        else:
            p = p - m / (1 - beta1**t) * lr

    State per parameter: ``step``, ``exp_avg`` (m) and ``exp_avg_sq`` (v).  (Keras has
    no RAdam.)

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 1e-3).
        betas: decay rates of the moments (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        decoupled_weight_decay: decay the weights directly (RAdamW).
        foreach: accepted for PyTorch compatibility (unitorch chooses its kernels).
        capturable: accepted for PyTorch compatibility.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (:class:`NotImplementedError`).

    Raises:
        ValueError: a negative (or NaN) lr, eps or weight_decay, or a beta outside [0, 1).

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.RAdam([w], lr=0.1)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # rho_t <= 5 in the first steps: p - lr * m / (1 - beta1)
        >>> w
        tensor([ 0.8,  -1.6], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset({"step", "exp_avg", "exp_avg_sq"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "betas": ("beta1", "beta2"), "eps": ("eps",),
        "weight_decay": ("weight_decay",),
    }

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False,
                 capturable: bool = False, differentiable: bool = False) -> None:
        _check_implementation(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        decoupled_weight_decay=bool(decoupled_weight_decay),
                        maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")
        _check_betas(self, values)
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("exp_avg", 0.0), ("exp_avg_sq", 0.0))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, exp_avgs, exp_avg_sqs, steps = self._natives(
            group, params, "exp_avg", "exp_avg_sq", "step")
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        if not bk.radam_update(natives, grads, exp_avgs, exp_avg_sqs, steps, group.hyper,
                               decoupled, maximize):
            static = (decoupled, maximize, group.nonzero["weight_decay"])
            bk.run_update(radam_rule, static, natives, grads, exp_avgs, exp_avg_sqs, steps,
                          group.hyper)


def radam_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
               exp_avgs: list[Any], exp_avg_sqs: list[Any], steps: list[Any],
               hyper: dict[str, Any]) -> None:
    """One step of RAdam on natives, in place: the rule of :class:`RAdam`'s docstring, in
    the order of PyTorch's single-tensor kernel, from the contract's primitives (see
    ``optim/_rule.py``).  Both branches of ``rho_t > 5`` are computed and one kept (the
    step count is a value of the computation, also inside compiled steps)."""
    decoupled, maximize, decay = static
    lr, beta1, beta2, eps, wd = read(bk, hyper, "lr", "beta1", "beta2", "eps",
                                     "weight_decay")
    coef = Coefficients(bk)
    w1, w2 = one_minus(bk, beta1), one_minus(bk, beta2)
    shrink = one_minus(bk, bk.multiply(lr, wd))
    rho_inf = bk.subtract(bk.scalar_kernel(bk.divide, True)(w2, 2.0), 1.0)
    rect_den = bk.multiply(bk.subtract(rho_inf, 4.0), bk.subtract(rho_inf, 2.0))
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        t = advance(bk, steps[i])
        if maximize:
            g = bk.negative(g)
        if decay:
            if decoupled:
                p = bk.assign(p, bk.multiply(p, coef(shrink, p)))
            else:
                g = bk.add(g, bk.multiply(coef(wd, p), p))
        m = bk.assign(m, lerp(bk, m, g, coef(w1, p)))
        v = bk.assign(v, bk.add(bk.multiply(v, coef(beta2, p)),
                                bk.multiply(bk.multiply(coef(w2, p), g), g)))
        bc1 = one_minus(bk, bk.pow(beta1, t))
        beta2_t = bk.pow(beta2, t)
        bc2 = one_minus(bk, beta2_t)
        rho_t = bk.subtract(rho_inf, bk.divide(bk.multiply(bk.multiply(t, 2.0), beta2_t), bc2))
        ratio = bk.divide(bk.multiply(bk.multiply(bk.subtract(rho_t, 4.0),
                                                  bk.subtract(rho_t, 2.0)), rho_inf),
                          bk.multiply(rect_den, rho_t))
        rect = bk.sqrt(ratio)  # (NaN when rho_t <= 4, where it is not used)
        scaled = bk.multiply(bk.divide(m, coef(bc1, p)), coef(lr, p))
        adaptive = bk.divide(coef(bk.sqrt(bc2), p), bk.add(bk.sqrt(v), coef(eps, p)))
        rectified = bk.multiply(bk.multiply(scaled, adaptive), coef(rect, p))
        use_rect = bk.to_device(bk.greater(rho_t, 5.0), bk.device(p))
        update = bk.where(use_rect, rectified, scaled)
        bk.assign(p, bk.subtract(p, update))
