"""Learning-rate schedulers with PyTorch's names, semantics and formulas
(``torch.optim.lr_scheduler``): ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LambdaLR``, ``OneCycleLR``, ``MultiplicativeLR``, ``LinearLR``,
``ConstantLR``, ``PolynomialLR`` (``optim/_lr_factors.py``),
``CosineAnnealingWarmRestarts``, ``CyclicLR`` (``optim/_lr_cyclic.py``),
``ReduceLROnPlateau`` (``optim/_lr_plateau.py``), ``SequentialLR`` and
``ChainedScheduler`` (``optim/_lr_combined.py``).

A scheduler sets ``group["lr"]`` of its optimizer's parameter groups (and, for
``OneCycleLR`` with ``cycle_momentum``, ``group["momentum"]`` or ``group["betas"]``) when
it is created and at each :meth:`LRScheduler.step`, which is called eagerly, after
``optimizer.step()`` (outside a compiled training step).  Those assignments update the
optimizer's backend holders, so compiled steps use the new values.  The values are
computed with Python floats exactly as PyTorch computes them (its recursive forms
included), so a schedule matches ``torch.optim.lr_scheduler``'s to the last bit, and
``state_dict()``/``load_state_dict()`` exchange the same attributes.
"""

from __future__ import annotations

import math
import types
import warnings
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from .optimizer import Optimizer

__all__ = [
    "LRScheduler", "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LambdaLR",
    "OneCycleLR", "MultiplicativeLR", "LinearLR", "ConstantLR", "PolynomialLR",
    "CosineAnnealingWarmRestarts", "CyclicLR", "ReduceLROnPlateau", "SequentialLR",
    "ChainedScheduler",
]


def _per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` for each parameter group (one value, or a list with one per group)."""
    if isinstance(value, (list, tuple)):
        if len(value) != len(optimizer.param_groups):
            raise ValueError(f"{name} must have the same length as optimizer.param_groups. "
                             f"{name} has {len(value)} values, param_groups has "
                             f"{len(optimizer.param_groups)}.")
        return list(value)
    return [value] * len(optimizer.param_groups)


def _lambdas_per_group(optimizer: Optimizer, lr_lambda: Any) -> list[Any]:
    """``lr_lambda`` for each parameter group (one function, or a list with one per
    group), as LambdaLR and MultiplicativeLR take it."""
    if not isinstance(lr_lambda, (list, tuple)):
        return [lr_lambda] * len(optimizer.param_groups)
    if len(lr_lambda) != len(optimizer.param_groups):
        raise ValueError(f"Expected {len(optimizer.param_groups)} lr_lambdas, but got "
                         f"{len(lr_lambda)}")
    return list(lr_lambda)


def _momentum_is_beta1(optimizer: Optimizer) -> bool:
    """Where ``cycle_momentum`` (CyclicLR, OneCycleLR) writes: Adam's ``beta1`` when the
    optimizer has ``betas``, else ``momentum``; a ValueError when it has neither."""
    if "momentum" not in optimizer.defaults and "betas" not in optimizer.defaults:
        raise ValueError("optimizer must support momentum or beta1 with `cycle_momentum` "
                         "option enabled")
    return "betas" in optimizer.defaults


def _set_momentum(group: dict[str, Any], momentum: float, use_beta1: bool) -> None:
    """Write a cycled momentum into ``group`` (see :func:`_momentum_is_beta1`)."""
    if use_beta1:
        group["betas"] = (momentum, *group["betas"][1:])
    else:
        group["momentum"] = momentum


def _start_momentum(optimizer: Optimizer, max_momentums: list[float],
                    base_momentums: list[float], use_beta1: bool) -> None:
    """A fresh cycle's momentum: each group starts at its ``max_momentum`` and records
    ``max_momentum`` and ``base_momentum``, as PyTorch's schedulers do."""
    for m_max, m_base, group in zip(max_momentums, base_momentums, optimizer.param_groups):
        _set_momentum(group, m_max, use_beta1)
        group["max_momentum"] = m_max
        group["base_momentum"] = m_base


class LRScheduler:
    """Base class of schedulers: subclasses implement :meth:`get_lr`, the learning rate of
    each group at ``last_epoch`` (possibly from the current ``group["lr"]``, as PyTorch's
    recursive forms do).

    ``last_epoch=-1`` starts a schedule (recording each group's ``initial_lr``); another
    value resumes one, which needs ``initial_lr`` in the groups (from the optimizer's
    loaded state dict).

    Example:
        >>> sched = ut.optim.lr_scheduler.StepLR(opt, step_size=30)  # doctest: +SKIP
        >>> for epoch in range(100):  # doctest: +SKIP
        ...     train_one_epoch(); sched.step()
    """

    _get_lr_called_within_step: bool = False
    _is_initial: bool = False

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                                   "when resuming a scheduler with last_epoch >= 0; load the "
                                   "optimizer's state dict first")
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        _track_step_calls(optimizer)
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer (PyTorch's layout)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes saved by :meth:`state_dict` (also PyTorch's).

        The state of another type of scheduler (its public attributes differ: a StepLR's
        ``step_size`` for a CosineAnnealingLR), or one with another number of parameter
        groups, raises ``ValueError`` and changes nothing."""
        self._check_loadable(state_dict)
        self.__dict__.update(state_dict)

    def _check_loadable(self, state_dict: Any) -> None:
        name = type(self).__name__
        if not isinstance(state_dict, dict):
            raise ValueError(f"{name}.load_state_dict() expects a dict of attributes, got "
                             f"{type(state_dict).__name__}")
        # public attributes are the schedule's settings; private ones vary with versions
        # (and "verbose" was public in PyTorch before 2.2)
        live = {k for k in self.state_dict() if not k.startswith("_")}
        saved = {k for k in state_dict if isinstance(k, str) and not k.startswith("_")}
        saved.discard("verbose")
        if live != saved:
            extra, missing = sorted(saved - live), sorted(live - saved)
            parts = [f"has {', '.join(map(repr, extra))}" if extra else "",
                     f"lacks {', '.join(map(repr, missing))}" if missing else ""]
            raise ValueError(f"{name}.load_state_dict(): the state "
                             + " and ".join(p for p in parts if p)
                             + f", so it is not {name}'s; load it into the type of scheduler "
                             "that saved it")
        base = state_dict.get("base_lrs")
        groups = len(self.optimizer.param_groups)
        if "base_lrs" not in live:  # (ReduceLROnPlateau has none)
            return
        if not isinstance(base, (list, tuple)) or len(base) != groups:
            raise ValueError(f"{name}.load_state_dict(): the state's base_lrs {base!r} do not "
                             f"match the optimizer's {groups} parameter group(s)")

    def get_last_lr(self) -> list[float]:
        """The learning rates the last :meth:`step` set, one per group."""
        return self._last_lr

    def get_lr(self) -> list[float]:
        """The learning rates for ``last_epoch`` (subclasses)."""
        raise NotImplementedError

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one step (an epoch, or a batch for ``OneCycleLR``) and
        set the groups' learning rates.  Call it after ``optimizer.step()``.  ``epoch``
        (deprecated in PyTorch) jumps to that epoch using the closed form where one
        exists."""
        if self._step_count == 1 and not getattr(self.optimizer, "_opt_called", False):
            warnings.warn(
                "Detected call of `lr_scheduler.step()` before `optimizer.step()`. Call them "
                "in the opposite order: `optimizer.step()` before `lr_scheduler.step()`, or "
                "the first value of the learning rate schedule is skipped.",
                UserWarning, stacklevel=2)
        self._step_count += 1
        if epoch is not None:
            warnings.warn("The epoch parameter in `scheduler.step()` is deprecated (as in "
                          "PyTorch); call `scheduler.step()` without it, once per epoch",
                          UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        """Set the groups' learning rates for the next epoch, or for ``epoch`` (by the
        closed form where there is one): :meth:`step` without its checks."""
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = getattr(self, "_get_closed_form_lr", None)
                values = closed() if closed is not None else self.get_lr()
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]


def _track_step_calls(optimizer: Optimizer) -> None:
    """Make ``optimizer.step`` record that it ran (``optimizer._opt_called``), whatever
    class defines it: the base class's ``step`` records it, but a subclass written the
    PyTorch way overrides ``step``, and without this the scheduler's check would warn that
    ``scheduler.step()`` came first when it did not (PyTorch wraps the method the same
    way)."""
    step = optimizer.step
    if getattr(step, "_records_call", False):
        return

    def recording_step(*args: Any, **kwargs: Any) -> Any:
        optimizer._opt_called = True  # type: ignore[attr-defined]
        return step(*args, **kwargs)

    recording_step._records_call = True  # type: ignore[attr-defined]
    recording_step.__doc__ = step.__doc__
    recording_step.__wrapped__ = step  # type: ignore[attr-defined]
    optimizer.step = recording_step  # type: ignore[method-assign]


class _LambdaScheduler(LRScheduler):
    """A scheduler driven by ``lr_lambdas`` (LambdaLR, MultiplicativeLR): their
    ``state_dict`` and ``load_state_dict``."""

    lr_lambdas: list[Any]

    def state_dict(self) -> dict[str, Any]:
        """The attributes; a lambda that is a callable object is saved as its
        ``__dict__`` (plain functions are not saved), as in PyTorch.

        Example:
            >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
            >>> sched = ut.optim.lr_scheduler.MultiplicativeLR(opt, lambda e: 0.9)
            >>> sched.state_dict()["lr_lambdas"]
            [None]
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        state["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
                               for fn in self.lr_lambdas]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes (and the state of callable-object lambdas).

        Example:
            >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
            >>> sched = ut.optim.lr_scheduler.MultiplicativeLR(opt, lambda e: 0.9)
            >>> sched.load_state_dict(sched.state_dict())
        """
        self._check_loadable(state_dict)
        state = dict(state_dict)
        lambdas = state.pop("lr_lambdas")
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, lambdas):
            if saved is not None:
                fn.__dict__.update(saved)


class LambdaLR(_LambdaScheduler):
    """``lr = initial_lr * lr_lambda(epoch)``, with one function, or a list with one per
    group.

    Example:
        >>> sched = ut.optim.lr_scheduler.LambdaLR(opt, lambda e: 0.95 ** e)  # doctest: +SKIP
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas_per_group(optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every ``step_size`` epochs:
    ``lr = initial_lr * gamma ** (epoch // step_size)``.

    Example:
        >>> sched = ut.optim.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)  # doctest: +SKIP
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` at each milestone epoch:
    ``lr = initial_lr * gamma ** (number of milestones <= epoch)``.

    Example:
        >>> sched = ut.optim.lr_scheduler.MultiStepLR(opt, [30, 80])  # doctest: +SKIP
    """

    def __init__(self, optimizer: Optimizer, milestones: Iterable[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch not in self.milestones:
            return self._current_lrs()
        return [group["lr"] * self.gamma ** self.milestones[self.last_epoch]
                for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the learning rate by ``gamma`` every epoch: ``lr = initial_lr *
    gamma ** epoch``.

    Example:
        >>> sched = ut.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)  # doctest: +SKIP
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from ``initial_lr`` to ``eta_min`` over ``T_max`` epochs
    (without restarts; past ``T_max`` it rises again, as in PyTorch)::

        lr = eta_min + (initial_lr - eta_min) * (1 + cos(pi * epoch / T_max)) / 2

    computed, as PyTorch does, by the equivalent recursion on the current ``lr``.

    Example:
        >>> sched = ut.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=100)  # doctest: +SKIP
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0,
                 last_epoch: int = -1) -> None:
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return self._current_lrs()
        if self._step_count == 1 and self.last_epoch > 0:
            return [self.eta_min + (base - self.eta_min)
                    * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                    for base in self.base_lrs]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [group["lr"] + (base - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for base, group in zip(self.base_lrs, groups)]
        return [(1 + math.cos(math.pi * self.last_epoch / self.T_max))
                / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max))
                * (group["lr"] - self.eta_min) + self.eta_min for group in groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2017): the learning rate rises from
    ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start`` of
    ``total_steps`` (or ``epochs * steps_per_epoch``) steps, then anneals to
    ``initial_lr / final_div_factor``; with ``three_phase`` it first returns to the
    initial rate.  Annealing is ``"cos"`` (``end + (start - end) / 2 * (1 + cos(pi *
    pct))``) or ``"linear"``.  With ``cycle_momentum`` the momentum (SGD, RMSprop) or
    ``beta1`` (Adam) cycles inversely between ``max_momentum`` and ``base_momentum``.
    Step it after every batch.

    Example:
        >>> sched = ut.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=1000)  # doctest: +SKIP
    """

    def __init__(self, optimizer: Optimizer, max_lr: float | list[float],
                 total_steps: int | None = None, epochs: int | None = None,
                 steps_per_epoch: int | None = None, pct_start: float = 0.3,
                 anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.85,
                 max_momentum: float | list[float] = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if total_steps is not None:
            if not isinstance(total_steps, int) or total_steps <= 0:
                raise ValueError(f"Expected positive integer total_steps, but got {total_steps}")
            self.total_steps = total_steps
        elif epochs is not None and steps_per_epoch is not None:
            if not isinstance(epochs, int) or epochs <= 0:
                raise ValueError(f"Expected positive integer epochs, but got {epochs}")
            if not isinstance(steps_per_epoch, int) or steps_per_epoch <= 0:
                raise ValueError("Expected positive integer steps_per_epoch, but got "
                                 f"{steps_per_epoch}")
            self.total_steps = epochs * steps_per_epoch
        else:
            raise ValueError("You must define either total_steps OR (epochs AND steps_per_epoch)")
        if three_phase:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum",
                 "end_momentum": "base_momentum"},
                {"end_step": float(2 * pct_start * self.total_steps) - 2, "start_lr": "max_lr",
                 "end_lr": "initial_lr", "start_momentum": "base_momentum",
                 "end_momentum": "max_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "initial_lr", "end_lr": "min_lr",
                 "start_momentum": "max_momentum", "end_momentum": "max_momentum"},
            ]
        else:
            self._schedule_phases = [
                {"end_step": float(pct_start * self.total_steps) - 1, "start_lr": "initial_lr",
                 "end_lr": "max_lr", "start_momentum": "max_momentum",
                 "end_momentum": "base_momentum"},
                {"end_step": self.total_steps - 1, "start_lr": "max_lr", "end_lr": "min_lr",
                 "start_momentum": "base_momentum", "end_momentum": "max_momentum"},
            ]
        if not isinstance(pct_start, float) or pct_start < 0 or pct_start > 1:
            raise ValueError(f"Expected float between 0 and 1 pct_start, but got {pct_start}")
        start = 0.0
        for phase in self._schedule_phases:  # PyTorch divides by zero here
            if phase["end_step"] == start:
                raise ValueError(f"pct_start={pct_start} with total_steps={self.total_steps} "
                                 "gives a phase of no steps; change either")
            start = phase["end_step"]
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError("anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        self._anneal_func_type = anneal_strategy
        max_lrs = _per_group("max_lr", optimizer, max_lr)
        if last_epoch == -1:
            for lr, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = lr / div_factor
                group["max_lr"] = lr
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _momentum_is_beta1(optimizer)
            max_ms = _per_group("max_momentum", optimizer, max_momentum)
            base_ms = _per_group("base_momentum", optimizer, base_momentum)
            if last_epoch == -1:
                _start_momentum(optimizer, max_ms, base_ms, self.use_beta1)
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _annealing_cos(start: float, end: float, pct: float) -> float:
        return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)

    @staticmethod
    def _annealing_linear(start: float, end: float, pct: float) -> float:
        return (end - start) * pct + start

    def _anneal_func(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return self._annealing_cos(start, end, pct)
        return self._annealing_linear(start, end, pct)

    def get_lr(self) -> list[float]:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise ValueError(f"Tried to step {step_num} times. The specified number of total "
                             f"steps is {self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end_step = phase["end_step"]
                if step_num <= end_step or i == len(self._schedule_phases) - 1:
                    pct = (step_num - start_step) / (end_step - start_step)
                    lr = self._anneal_func(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                    if self.cycle_momentum:
                        momentum = self._anneal_func(group[phase["start_momentum"]],
                                                     group[phase["end_momentum"]], pct)
                    break
                start_step = phase["end_step"]
            lrs.append(lr)
            if self.cycle_momentum:
                _set_momentum(group, momentum, self.use_beta1)
        return lrs


# The schedulers of issue 11 live in their own modules; they are found here, as in PyTorch.
from ._lr_combined import ChainedScheduler, SequentialLR  # noqa: E402
from ._lr_cyclic import CosineAnnealingWarmRestarts, CyclicLR  # noqa: E402
from ._lr_factors import ConstantLR, LinearLR, MultiplicativeLR, PolynomialLR  # noqa: E402
from ._lr_plateau import ReduceLROnPlateau  # noqa: E402
