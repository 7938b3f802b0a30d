"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``.

Epsilon placement: unitorch follows PyTorch, which adds ``eps`` to the *bias-corrected*
root of the second moment::

    p = p - lr / (1 - beta1**t) * m / (sqrt(v) / sqrt(1 - beta2**t) + eps)

Keras (``tf.keras.optimizers.Adam``) and TensorFlow's ``ApplyAdam`` kernel add it to the
uncorrected root instead, ``p - lr * sqrt(1 - beta2**t) / (1 - beta1**t) * m /
(sqrt(v) + eps)``, which is PyTorch's rule with ``eps * sqrt(1 - beta2**t)`` in place of
``eps``; the two differ noticeably in the first steps when ``sqrt(v)`` is near ``eps``.
Keras's default ``epsilon`` is also 1e-7 where PyTorch's is 1e-8.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance_all, one_minus, read
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["Adam", "AdamW"]

_HYPER: dict[str, tuple[str, ...]] = {
    "lr": ("lr",), "betas": ("beta1", "beta2"), "eps": ("eps",),
    "weight_decay": ("weight_decay",),
}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014): PyTorch's ``torch.optim.Adam``, with its defaults and
    update rule (``decoupled_weight_decay=True`` makes it AdamW).

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                      if maximize
        p = p * (1 - lr * weight_decay)             if decoupled_weight_decay
        g = g + weight_decay * p                    otherwise (if weight_decay != 0)
        m = m + (1 - beta1) * (g - m)               (m, v start at 0)
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v) if amsgrad else v     (v_hat starts at 0)
        p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    ``eps`` is added after the bias correction of ``sqrt(v)``, as in PyTorch (Keras adds
    it before: see the module docstring).  State per parameter: ``step``, ``exp_avg``
    (m), ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq`` (v_hat).

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 1e-3).
        betas: decay rates of the first and second moments (default (0.9, 0.999)).
        eps: added to the denominator (default 1e-8).
        weight_decay: L2 penalty (default 0).
        amsgrad: use the running maximum of the second moment (AMSGrad).
        maximize: maximize the objective instead of minimizing it.
        decoupled_weight_decay: decay the weights directly (AdamW) instead of adding
            the penalty to the gradient.

    Raises:
        ValueError: a negative (or NaN) lr, eps or weight_decay, or a beta outside
            [0, 1).

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.Adam([w], lr=0.1)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # the first step moves each weight by about lr
        >>> w
        tensor([ 0.90000004, -1.9       ], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset(
        {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = _HYPER

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=bool(amsgrad), maximize=bool(maximize),
                        decoupled_weight_decay=bool(decoupled_weight_decay))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")
        if "betas" in values:
            betas = self._coerce("betas", values["betas"])
            for i, b in enumerate(betas):
                if not 0.0 <= b < 1.0:
                    raise ValueError(f"Invalid beta parameter at index {i}: {values['betas'][i]}")
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        keys = (("step", 0.0), ("exp_avg", 0.0), ("exp_avg_sq", 0.0))
        return (*keys, ("max_exp_avg_sq", 0.0)) if group["amsgrad"] else keys

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        amsgrad = group["amsgrad"]
        keys = self._state_keys(group)
        natives, exp_avgs, exp_avg_sqs, max_sqs, steps = [], [], [], [], []
        for p in params:
            st = self._state_of(p, keys)
            natives.append(p._n)
            exp_avgs.append(st["exp_avg"]._n)
            exp_avg_sqs.append(st["exp_avg_sq"]._n)
            steps.append(st["step"]._n)
            if amsgrad:
                max_sqs.append(st["max_exp_avg_sq"]._n)
        decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
        if not bk.adam_update(natives, grads, exp_avgs, exp_avg_sqs, max_sqs, steps,
                              group.hyper, amsgrad, decoupled, maximize):
            static = (amsgrad, decoupled, maximize, group.nonzero["weight_decay"])
            bk.run_update(adam_rule, static, natives, grads, exp_avgs, exp_avg_sqs, max_sqs,
                          steps, group.hyper)


def adam_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
              exp_avgs: list[Any], exp_avg_sqs: list[Any], max_exp_avg_sqs: list[Any],
              steps: list[Any], hyper: dict[str, Any]) -> None:
    """One step of Adam (AdamW when decoupled) on natives, in place: the rule of
    :class:`Adam`'s docstring, in the order of PyTorch's single-tensor kernel (``lerp``,
    ``addcmul``, ``addcdiv``), from the contract's primitives (see ``optim/_rule.py``)."""
    amsgrad, decoupled, maximize, decay = static
    lr, beta1, beta2, eps, wd = read(bk, hyper, "lr", "beta1", "beta2", "eps",
                                     "weight_decay")
    coef = Coefficients(bk)
    w1, w2 = one_minus(bk, beta1), one_minus(bk, beta2)
    shrink = one_minus(bk, bk.multiply(lr, wd))
    t = advance_all(bk, steps)  # every parameter's count, as one vector
    step_sizes = bk.divide(lr, one_minus(bk, bk.pow(beta1, t)))  # lr / bc1
    bc2_sqrts = bk.sqrt(one_minus(bk, bk.pow(beta2, t)))
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        if maximize:
            g = bk.negative(g)
        if decay:
            if decoupled:
                p = bk.assign(p, bk.multiply(p, coef(shrink, p)))
            else:
                g = bk.add(g, bk.multiply(coef(wd, p), p))
        m = bk.assign_add(m, bk.multiply(coef(w1, p), bk.subtract(g, m)))
        v = bk.assign(v, bk.add(bk.multiply(v, coef(beta2, p)),
                                bk.multiply(bk.multiply(coef(w2, p), g), g)))
        if amsgrad:
            v = bk.assign(max_exp_avg_sqs[i], bk.maximum(max_exp_avg_sqs[i], v))
        denom = bk.add(bk.divide(bk.sqrt(v), coef.entry(bc2_sqrts, i, p)), coef(eps, p))
        bk.assign_sub(p, bk.multiply(coef.entry(step_sizes, i, p), bk.divide(m, denom)))


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, 2017): Adam with decoupled weight decay, PyTorch's
    ``torch.optim.AdamW`` (default ``weight_decay=1e-2``).

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                      if maximize
        p = p * (1 - lr * weight_decay)
        m = m + (1 - beta1) * (g - m)
        v = beta2 * v + (1 - beta2) * g * g
        v_hat = max(v_hat, v) if amsgrad else v
        p = p - lr / (1 - beta1**t) * m / (sqrt(v_hat) / sqrt(1 - beta2**t) + eps)

    Arguments, state and errors as :class:`Adam`.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.AdamW([w], lr=0.1, weight_decay=0.5)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # decay by 1 - 0.1 * 0.5, then the Adam step
        >>> w
        tensor([ 0.85, -1.8 ], dtype=float32)
    """

    def __init__(self, params: ParamsT, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
