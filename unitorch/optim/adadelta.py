"""Adadelta, as ``torch.optim.Adadelta``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance, one_minus, read
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["Adadelta"]


def _check_implementation(differentiable: bool) -> None:
    """torch.optim's implementation switches: ``foreach`` and ``capturable`` are accepted
    (unitorch picks its kernels itself); ``differentiable=True`` (an update autograd can
    differentiate through) is not supported."""
    if differentiable:
        raise NotImplementedError("differentiable=True is not supported: unitorch's updates "
                                  "run outside autograd")


class Adadelta(Optimizer):
    """Adadelta (Zeiler, 2012): PyTorch's ``torch.optim.Adadelta``, with its defaults and
    update rule.

    For each parameter ``p`` with gradient ``g``::

        g = -g                                        if maximize
        g = g + weight_decay * p                      if weight_decay != 0
        v = rho * v + (1 - rho) * g * g               (v, u start at 0)
        delta = sqrt(u + eps) / sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta

    ``eps`` is added inside both square roots, as in PyTorch (Keras's Adadelta adds it
    the same way but defaults to ``learning_rate=1e-3``, ``rho=0.95``, ``epsilon=1e-7``;
    PyTorch's ``lr=1.0`` is the paper's).  State per parameter: ``step``,
    ``square_avg`` (v) and ``acc_delta`` (u).

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: scale of the update (default 1.0).
        rho: decay rate of the running averages (default 0.9).
        eps: added inside the square roots (default 1e-6).
        weight_decay: L2 penalty (default 0).
        foreach: accepted for PyTorch compatibility (unitorch chooses its kernels).
        capturable: accepted for PyTorch compatibility.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (:class:`NotImplementedError`).

    Raises:
        ValueError: a negative (or NaN) lr, eps or weight_decay, or rho outside [0, 1].

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.Adadelta([w])
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # sqrt(eps) / sqrt(0.1 g^2 + eps) * g: about 3.2e-3 * sign(g)
        >>> w
        tensor([ 0.99683774, -1.9968377 ], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset(
        {"step", "square_avg", "acc_delta"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "rho": ("rho",), "eps": ("eps",), "weight_decay": ("weight_decay",),
    }

    def __init__(self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6,
                 weight_decay: float = 0, foreach: bool | None = None, *,
                 capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_implementation(differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                        maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        if "rho" in values and not 0.0 <= self._coerce("rho", values["rho"]) <= 1.0:
            raise ValueError(f"Invalid rho value: {values['rho']}")
        _check_nonnegative(values, "eps", "Invalid epsilon value: {}")
        _check_nonnegative(values, "weight_decay", "Invalid weight_decay value: {}")

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("square_avg", 0.0), ("acc_delta", 0.0))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, squares, deltas, steps = self._natives(
            group, params, "square_avg", "acc_delta", "step")
        maximize = group["maximize"]
        if not bk.adadelta_update(natives, grads, squares, deltas, steps, group.hyper,
                                  maximize):
            static = (maximize, group.nonzero["weight_decay"])
            bk.run_update(adadelta_rule, static, natives, grads, squares, deltas, steps,
                          group.hyper)


def adadelta_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
                  square_avgs: list[Any], acc_deltas: list[Any], steps: list[Any],
                  hyper: dict[str, Any]) -> None:
    """One step of Adadelta on natives, in place: the rule of :class:`Adadelta`'s
    docstring, in the order of PyTorch's single-tensor kernel, from the contract's
    primitives (see ``optim/_rule.py``)."""
    maximize, decay = static
    lr, rho, eps, wd = read(bk, hyper, "lr", "rho", "eps", "weight_decay")
    coef = Coefficients(bk)
    w = one_minus(bk, rho)
    for i, (p, g, v, u) in enumerate(zip(params, grads, square_avgs, acc_deltas)):
        advance(bk, steps[i])
        if maximize:
            g = bk.negative(g)
        if decay:
            g = bk.add(g, bk.multiply(coef(wd, p), p))
        v = bk.assign(v, bk.add(bk.multiply(v, coef(rho, p)),
                                bk.multiply(bk.multiply(coef(w, p), g), g)))
        std = bk.sqrt(bk.add(v, coef(eps, p)))
        delta = bk.multiply(bk.divide(bk.sqrt(bk.add(u, coef(eps, p))), std), g)
        bk.assign(u, bk.add(bk.multiply(u, coef(rho, p)),
                            bk.multiply(bk.multiply(coef(w, p), delta), delta)))
        bk.assign(p, bk.subtract(p, bk.multiply(coef(lr, p), delta)))
