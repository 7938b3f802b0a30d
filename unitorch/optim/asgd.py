"""ASGD, as ``torch.optim.ASGD``."""

from __future__ import annotations

from typing import Any, ClassVar

from .. import dtypes as dt
from ..tensor import Tensor
from ._rule import Coefficients, advance, one_minus, read
from .adadelta import _check_implementation
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["ASGD"]


class ASGD(Optimizer):
    """Averaged stochastic gradient descent (Polyak & Juditsky, 1992): PyTorch's
    ``torch.optim.ASGD``, with its defaults and update rule.

    For each parameter ``p`` with gradient ``g``, at its ``t``-th step::

        g = -g                                        if maximize
        g = g + weight_decay * p                      if weight_decay != 0
        p = p * (1 - lambd * eta)                     (eta starts at lr, mu at 1)
        p = p - eta * g
        ax = p if mu == 1 else ax + (p - ax) * mu     (ax, the average, starts at 0)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)

    ``eta`` and ``mu`` are float32 scalars, as PyTorch keeps them.  The averaged
    parameters are ``optimizer.state[p]["ax"]`` (the parameters themselves follow plain
    SGD with the decaying step ``eta``).  State per parameter: ``step``, ``eta``, ``mu``
    and ``ax``.  (Keras has no ASGD.)

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: learning rate (default 1e-2).
        lambd: decay term (default 1e-4).
        alpha: power of the eta update (default 0.75).
        t0: the step from which averaging starts (default 1e6).
        weight_decay: L2 penalty (default 0).
        foreach: accepted for PyTorch compatibility (unitorch chooses its kernels).
        capturable: accepted for PyTorch compatibility.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (:class:`NotImplementedError`).

    Raises:
        ValueError: a negative (or NaN) lr or weight_decay.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.ASGD([w], lr=0.1, lambd=0.0)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # p - lr * g with g = 2 p
        >>> w
        tensor([ 0.8, -1.6], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset({"step", "eta", "mu", "ax"})
    _scalar_state: ClassVar[frozenset[str]] = frozenset({"step", "eta", "mu"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "lambd": ("lambd",), "alpha": ("alpha",), "t0": ("t0",),
        "weight_decay": ("weight_decay",),
    }

    def __init__(self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False) -> None:
        _check_implementation(differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay,
                        maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("eta", float(group["lr"])), ("mu", 1.0), ("ax", 0.0))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, axs, mus, etas, steps = self._natives(
            group, params, "ax", "mu", "eta", "step")
        maximize = group["maximize"]
        if not bk.asgd_update(natives, grads, axs, mus, etas, steps, group.hyper, maximize):
            static = (maximize, group.nonzero["weight_decay"])
            bk.run_update(asgd_rule, static, natives, grads, axs, mus, etas, steps,
                          group.hyper)


def asgd_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
              axs: list[Any], mus: list[Any], etas: list[Any], steps: list[Any],
              hyper: dict[str, Any]) -> None:
    """One step of ASGD on natives, in place: the rule of :class:`ASGD`'s docstring, in
    the order of PyTorch's single-tensor kernel (eta and mu float32 scalars), from the
    contract's primitives (see ``optim/_rule.py``)."""
    maximize, decay = static
    lr, lambd, alpha, t0, wd = read(bk, hyper, "lr", "lambd", "alpha", "t0", "weight_decay")
    coef = Coefficients(bk)
    lambd_lr = bk.multiply(lambd, lr)
    for i, (p, g, ax) in enumerate(zip(params, grads, axs)):
        t = advance(bk, steps[i])
        if maximize:
            g = bk.negative(g)
        if decay:
            g = bk.add(g, bk.multiply(coef(wd, p), p))
        eta = bk.cast(etas[i], dt.float64)
        p = bk.assign(p, bk.multiply(p, coef(one_minus(bk, bk.multiply(lambd, eta)), p)))
        p = bk.assign(p, bk.add(p, bk.multiply(coef(bk.negative(eta), p), g)))
        mu = bk.cast(mus[i], dt.float64)
        averaged = bk.add(ax, bk.multiply(bk.subtract(p, ax), coef(mu, p)))
        plain = bk.to_device(bk.equal(mu, 1.0), bk.device(p))
        bk.assign(ax, bk.where(plain, p, averaged))
        new_eta = bk.divide(lr, bk.pow(bk.add(bk.multiply(lambd_lr, t), 1.0), alpha))
        bk.assign(etas[i], bk.cast(new_eta, dt.float32))
        late = bk.subtract(t, t0)
        late = bk.where(bk.greater(late, 1.0), late, bk.full((), 1.0, dt.float64,
                                                              bk.device(late)))
        new_mu = bk.scalar_kernel(bk.divide, True)(late, 1.0)  # 1 / max(1, t - t0)
        bk.assign(mus[i], bk.cast(new_mu, dt.float32))
