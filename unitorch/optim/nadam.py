"""NAdam, as ``torch.optim.NAdam``."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import dtypes as dt
from ..tensor import Tensor
from ._rule import Coefficients, advance, lerp, one_minus, read
from .adadelta import _check_implementation
from .optimizer import Optimizer, ParamsT, _check_betas, _check_nonnegative, _ParamGroup

__all__ = ["NAdam"]


class NAdam(Optimizer):
    """NAdam (Dozat, 2016: Adam with Nesterov momentum): PyTorch's ``torch.optim.NAdam``,
    with its defaults, momentum schedule and update rule.

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                        if maximize
        p = p * (1 - lr * weight_decay)               if decoupled_weight_decay
        g = g + weight_decay * p                      otherwise (if weight_decay != 0)
        mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        P = P * mu_t                                  (P, the product of the mu, starts at 1)
        m = lerp(m, g, 1 - beta1)                     (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g * g
        d = sqrt(v / (1 - beta2**t)) + eps
        p = p - lr * (1 - mu_t) / (1 - P) * g / d
        p = p - lr * mu_next / (1 - P * mu_next) * m / d

    ``P`` (``mu_product``) is kept as a float32 scalar, as PyTorch keeps it, so its
    rounding is PyTorch's.  (Keras's Nadam has no ``momentum_decay`` argument: its
    schedule is this one with ``momentum_decay=0.004``, but it adds ``eps`` outside the
    bias-corrected root the other way and defaults to ``learning_rate=1e-3``,
    ``epsilon=1e-7``.)  State per parameter: ``step``, ``mu_product``, ``exp_avg`` (m)
    and ``exp_avg_sq`` (v).

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 2e-3).
        betas: decay rates of the moments (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        momentum_decay: the ``psi`` of the momentum schedule (default 4e-3).
        decoupled_weight_decay: decay the weights directly (NAdamW).
        foreach: accepted for PyTorch compatibility (unitorch chooses its kernels).
        capturable: accepted for PyTorch compatibility.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (:class:`NotImplementedError`).

    Raises:
        ValueError: a negative (or NaN) lr, eps, weight_decay or momentum_decay, or a
            beta outside [0, 1).

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.NAdam([w], lr=0.1)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # lr * (mu_next / (1 - P mu_next) + (1 - mu) / (1 - P)) * sign(g)
        >>> w
        tensor([ 0.8943548, -1.8943548], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset(
        {"step", "mu_product", "exp_avg", "exp_avg_sq"})
    _scalar_state: ClassVar[frozenset[str]] = frozenset({"step", "mu_product"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "betas": ("beta1", "beta2"), "eps": ("eps",),
        "weight_decay": ("weight_decay",), "momentum_decay": ("momentum_decay",),
    }

    def __init__(self, params: ParamsT, lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, foreach: bool | None = None,
                 maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False) -> None:
        _check_implementation(differentiable)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay,
                        decoupled_weight_decay=bool(decoupled_weight_decay),
                        maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")
        _check_betas(self, values)
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")
        _check_nonnegative(values, "momentum_decay", "Invalid momentum_decay value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("mu_product", 1.0), ("exp_avg", 0.0), ("exp_avg_sq", 0.0))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, exp_avgs, exp_avg_sqs, mu_products, steps = self._natives(
            group, params, "exp_avg", "exp_avg_sq", "mu_product", "step")
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        if not bk.nadam_update(natives, grads, exp_avgs, exp_avg_sqs, mu_products, steps,
                               group.hyper, decoupled, maximize):
            static = (decoupled, maximize, group.nonzero["weight_decay"])
            bk.run_update(nadam_rule, static, natives, grads, exp_avgs, exp_avg_sqs,
                          mu_products, steps, group.hyper)


def nadam_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
               exp_avgs: list[Any], exp_avg_sqs: list[Any], mu_products: list[Any],
               steps: list[Any], hyper: dict[str, Any]) -> None:
    """One step of NAdam on natives, in place: the rule of :class:`NAdam`'s docstring, in
    the order of PyTorch's single-tensor kernel (the mu product rounded to float32 as
    PyTorch keeps it), from the contract's primitives (see ``optim/_rule.py``)."""
    decoupled, maximize, decay = static
    lr, beta1, beta2, eps, wd, psi = read(bk, hyper, "lr", "beta1", "beta2", "eps",
                                          "weight_decay", "momentum_decay")
    coef = Coefficients(bk)
    w1, w2 = one_minus(bk, beta1), one_minus(bk, beta2)
    shrink = one_minus(bk, bk.multiply(lr, wd))
    neg_lr = bk.negative(lr)
    pow_096 = bk.scalar_kernel(bk.pow, True)  # 0.96 ** x
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        t = advance(bk, steps[i])
        bc2 = one_minus(bk, bk.pow(beta2, t))
        if maximize:
            g = bk.negative(g)
        if decay:
            if decoupled:
                p = bk.assign(p, bk.multiply(p, coef(shrink, p)))
            else:
                g = bk.add(g, bk.multiply(coef(wd, p), p))
        mu = bk.multiply(beta1, one_minus(bk, bk.multiply(pow_096(bk.multiply(t, psi), 0.96),
                                                          0.5)))
        mu_next = bk.multiply(beta1, one_minus(bk, bk.multiply(
            pow_096(bk.multiply(bk.add(t, 1.0), psi), 0.96), 0.5)))
        product = bk.assign(mu_products[i], bk.multiply(mu_products[i],
                                                        bk.cast(mu, dt.float32)))
        product = bk.cast(product, dt.float64)
        m = bk.assign(m, lerp(bk, m, g, coef(w1, p)))
        v = bk.assign(v, bk.add(bk.multiply(v, coef(beta2, p)),
                                bk.multiply(bk.multiply(coef(w2, p), g), g)))
        denom = bk.add(bk.sqrt(bk.divide(v, coef(bc2, p))), coef(eps, p))
        c_grad = bk.divide(bk.multiply(neg_lr, one_minus(bk, mu)), one_minus(bk, product))
        c_avg = bk.divide(bk.multiply(neg_lr, mu_next),
                          one_minus(bk, bk.multiply(product, mu_next)))
        p = bk.assign(p, bk.add(p, bk.multiply(coef(c_grad, p), bk.divide(g, denom))))
        bk.assign(p, bk.add(p, bk.multiply(coef(c_avg, p), bk.divide(m, denom))))
