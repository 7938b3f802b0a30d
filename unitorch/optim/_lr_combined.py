"""Schedulers made of schedulers, as in ``torch.optim.lr_scheduler``: ``SequentialLR``
(one after another, switching at milestones) and ``ChainedScheduler`` (all at every
step)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import Any

from ._lr_plateau import ReduceLROnPlateau
from .lr_scheduler import LRScheduler
from .optimizer import Optimizer

__all__ = ["ChainedScheduler", "SequentialLR"]


def _check_members(owner: str, optimizer: Optimizer, schedulers: Sequence[Any],
                   what: str) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{owner} expects at least one scheduler{what}, but got no scheduler.")
    for i, scheduler in enumerate(schedulers):
        if not hasattr(scheduler, "optimizer"):
            raise TypeError(f"{owner} at index {i} should have `optimizer` as its attribute.")
        if isinstance(scheduler, ReduceLROnPlateau):
            raise ValueError(
                f"{owner} does not support `ReduceLROnPlateau` scheduler as it requires "
                "additional kwargs to be specified when calling `step`, but got one at index "
                f"{i} in the given schedulers sequence.")
        if optimizer is not scheduler.optimizer:
            raise ValueError(
                f"{owner} expects all schedulers to belong to the same optimizer, but got "
                f"scheduler {type(scheduler).__name__} at index {i} has another optimizer.")


class _Combined(LRScheduler):
    """State dicts of a scheduler of schedulers: its attributes and each member's."""

    _schedulers: list[LRScheduler]

    def state_dict(self) -> dict[str, Any]:
        """The attributes, with each member scheduler's state dict (PyTorch's layout).

        Example:
            >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
            >>> s = ut.optim.lr_scheduler
            >>> chained = s.ChainedScheduler([s.ConstantLR(opt), s.ExponentialLR(opt, 0.9)])
            >>> len(chained.state_dict()["_schedulers"])
            2
        """
        state = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the attributes and each member's state.

        Example:
            >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
            >>> s = ut.optim.lr_scheduler
            >>> chained = s.ChainedScheduler([s.ConstantLR(opt), s.ExponentialLR(opt, 0.9)])
            >>> chained.load_state_dict(chained.state_dict())
        """
        state = dict(state_dict)
        members = state.pop("_schedulers", None)
        if not isinstance(members, list) or len(members) != len(self._schedulers):
            raise ValueError(f"{type(self).__name__}.load_state_dict(): the state has "
                             f"{'no' if members is None else len(members)} member "
                             f"scheduler state(s), expected {len(self._schedulers)}")
        self.__dict__.update(state)
        for scheduler, saved in zip(self._schedulers, members):
            scheduler.load_state_dict(saved)


class SequentialLR(_Combined):
    """Run ``schedulers`` one after another: the first until epoch ``milestones[0]``,
    the next from there (restarted at its epoch 0) until ``milestones[1]``...; the
    usual warm-up then decay (PyTorch's rules).  ``len(milestones)`` must be
    ``len(schedulers) - 1``.

    Example:
        >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
        >>> s = ut.optim.lr_scheduler
        >>> warmup = s.LinearLR(opt, start_factor=0.25, total_iters=2)
        >>> decay = s.ExponentialLR(opt, gamma=0.5)
        >>> sched = s.SequentialLR(opt, [warmup, decay], milestones=[2])
        >>> lrs = []
        >>> for _ in range(5):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.25, 0.625, 1.0, 0.5, 0.25]
    """

    def __init__(self, optimizer: Optimizer, schedulers: list[LRScheduler],
                 milestones: list[int], last_epoch: int = -1) -> None:
        _check_members(type(self).__name__, optimizer, schedulers, "")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                "Sequential Schedulers expects number of schedulers provided to be one more "
                "than the number of milestone points, but got number of schedulers "
                f"{len(schedulers)} and the number of milestones to be equal to "
                f"{len(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        # the members' constructors each took a first step: undo them, then start the
        # first member afresh
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"]
        self._undo_steps(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_steps(self, scheduler: Any) -> None:
        if hasattr(scheduler, "_schedulers"):
            for member in scheduler._schedulers:
                self._undo_steps(member)
        elif hasattr(scheduler, "last_epoch"):
            scheduler.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """Advance the active member (at a milestone: start the next one at epoch 0).

        Example:
            >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
            >>> s = ut.optim.lr_scheduler
            >>> sched = s.SequentialLR(opt, [s.ConstantLR(opt, 0.5, 1),
            ...                              s.ExponentialLR(opt, 0.9)], [1])
            >>> opt.step(); sched.step(); sched.get_last_lr()
            [1.0]
        """
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        scheduler = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            scheduler._update_lr(0)
        else:
            scheduler.step()
        self._last_lr = scheduler.get_last_lr()


class ChainedScheduler(_Combined):
    """Step every one of ``schedulers`` at each step, in order, so that their factors
    multiply (a warm-up together with a decay).  ``optimizer`` defaults to the members'.

    Example:
        >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
        >>> s = ut.optim.lr_scheduler
        >>> sched = s.ChainedScheduler([s.ConstantLR(opt, factor=0.5, total_iters=2),
        ...                             s.ExponentialLR(opt, gamma=0.5)])
        >>> lrs = []
        >>> for _ in range(4):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.5, 0.25, 0.25, 0.125]
    """

    def __init__(self, schedulers: Sequence[LRScheduler],
                 optimizer: Optimizer | None = None) -> None:
        if len(schedulers) < 1:
            raise ValueError(f"{type(self).__name__} expects at least one scheduler to be "
                             "chained, but got no scheduler.")
        optimizer = optimizer or schedulers[0].optimizer
        _check_members(type(self).__name__, optimizer, schedulers, " to be chained")
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]

    def step(self) -> None:  # type: ignore[override]
        """Step every member, in order.

        Example:
            >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
            >>> s = ut.optim.lr_scheduler
            >>> sched = s.ChainedScheduler([s.ExponentialLR(opt, 0.5)])
            >>> opt.step(); sched.step(); sched.get_last_lr()
            [0.5]
        """
        for scheduler in self._schedulers:
            scheduler.step()
        self._last_lr = [group["lr"] for group in self._schedulers[-1].optimizer.param_groups]
