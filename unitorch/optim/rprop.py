"""Rprop, as ``torch.optim.Rprop``."""

from __future__ import annotations

from typing import Any, ClassVar

from ..tensor import Tensor
from ._rule import Coefficients, advance, read
from .adadelta import _check_implementation
from .optimizer import Optimizer, ParamsT, _check_nonnegative, _ParamGroup

__all__ = ["Rprop"]


class Rprop(Optimizer):
    """Resilient backpropagation (Riedmiller & Braun, 1993): PyTorch's
    ``torch.optim.Rprop``, with its defaults and update rule.  Each element moves by its
    own step size, in the direction opposite to the sign of its gradient.

    For each parameter ``p`` with gradient ``g``::

        g = -g                                        if maximize
        s = sign(g * prev)                            (prev starts at 0, size at lr)
        f = etaplus if s > 0, etaminus if s < 0, 1 if s == 0
        size = clamp(size * f, step_size_min, step_size_max)
        g = 0 where f == etaminus                     (the sign changed: skip a step)
        p = p - sign(g) * size
        prev = g

    State per parameter: ``step``, ``prev`` and ``step_size`` (which starts at the
    group's ``lr`` when the parameter first has a gradient).  (Keras has no Rprop.)

    Args:
        params: parameters, ``(name, parameter)`` pairs, or parameter groups (dicts).
        lr: the initial step size (default 1e-2).
        etas: ``(etaminus, etaplus)``, the factors that shrink or grow a step size
            (default (0.5, 1.2)).
        step_sizes: ``(min, max)`` step size (default (1e-6, 50)).
        foreach: accepted for PyTorch compatibility (unitorch chooses its kernels).
        capturable: accepted for PyTorch compatibility.
        maximize: maximize the objective instead of minimizing it.
        differentiable: must be False (:class:`NotImplementedError`).

    Raises:
        ValueError: a negative (or NaN) lr, or etas not ``0 < etaminus < 1 < etaplus``.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = ut.optim.Rprop([w], lr=0.1)
        >>> ut.sum(w * w).backward()
        >>> opt.step()  # each element moves by the initial step size, lr
        >>> w
        tensor([ 0.9, -1.9], dtype=float32)
    """

    _state_names: ClassVar[frozenset[str] | None] = frozenset({"step", "prev", "step_size"})
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {
        "lr": ("lr",), "etas": ("etaminus", "etaplus"),
        "step_sizes": ("step_size_min", "step_size_max"),
    }

    def __init__(self, params: ParamsT, lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50), *, capturable: bool = False,
                 foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False) -> None:
        _check_implementation(differentiable)
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, maximize=bool(maximize))
        super().__init__(params, defaults)

    def _validate(self, values: dict[str, Any]) -> None:
        _check_nonnegative(values, "lr", "Invalid learning rate: {}")
        if "etas" in values:
            minus, plus = self._coerce("etas", values["etas"])
            if not 0.0 < minus < 1.0 < plus:
                raise ValueError(f"Invalid eta values: {minus}, {plus}")
        if "step_sizes" in values:
            self._coerce("step_sizes", values["step_sizes"])

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        return (("step", 0.0), ("prev", 0.0), ("step_size", float(group["lr"])))

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]
                ) -> None:
        bk = self._backend
        natives, prevs, sizes, steps = self._natives(
            group, params, "prev", "step_size", "step")
        maximize = group["maximize"]
        if not bk.rprop_update(natives, grads, prevs, sizes, steps, group.hyper, maximize):
            bk.run_update(rprop_rule, (maximize,), natives, grads, prevs, sizes, steps,
                          group.hyper)


def rprop_rule(bk: Any, static: tuple[bool, ...], params: list[Any], grads: list[Any],
               prevs: list[Any], step_sizes: list[Any], steps: list[Any],
               hyper: dict[str, Any]) -> None:
    """One step of Rprop on natives, in place: the rule of :class:`Rprop`'s docstring, in
    the order of PyTorch's single-tensor kernel, from the contract's primitives (see
    ``optim/_rule.py``)."""
    (maximize,) = static
    minus, plus, lo, hi = read(bk, hyper, "etaminus", "etaplus", "step_size_min",
                               "step_size_max")
    coef = Coefficients(bk)
    for i, (p, g, prev, size) in enumerate(zip(params, grads, prevs, step_sizes)):
        advance(bk, steps[i])
        if maximize:
            g = bk.negative(g)
        s = bk.sign(bk.multiply(g, prev))
        d, dev = bk.dtype_from_native[s.dtype], bk.device(s)
        zero, one = bk.full((), 0.0, d, dev), bk.full((), 1.0, d, dev)
        etaminus = coef(minus, p)
        factor = bk.where(bk.equal(s, 0.0), one, s)  # NaN stays NaN, as in PyTorch
        factor = bk.where(bk.less(s, 0.0), etaminus, factor)
        factor = bk.where(bk.greater(s, 0.0), coef(plus, p), factor)
        size = bk.assign(size, bk.clip(bk.multiply(size, factor), coef(lo, p), coef(hi, p)))
        g = bk.where(bk.equal(factor, etaminus), zero, g)
        bk.assign(p, bk.subtract(p, bk.multiply(bk.sign(g), size)))
        bk.assign(prev, g)
