"""Schedulers that multiply the learning rate by a factor each epoch, as in
``torch.optim.lr_scheduler``: ``MultiplicativeLR``, ``ConstantLR``, ``LinearLR`` (the
usual warm-up) and ``PolynomialLR``.  Each computes, as PyTorch does, the recursive form
from the current ``group["lr"]`` at each step (so a schedule matches PyTorch's to the
last bit) and has the closed form for ``step(epoch)``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .lr_scheduler import LRScheduler, _lambdas_per_group, _LambdaScheduler
from .optimizer import Optimizer

__all__ = ["ConstantLR", "LinearLR", "MultiplicativeLR", "PolynomialLR"]


class MultiplicativeLR(_LambdaScheduler):
    """Multiply each group's learning rate by ``lr_lambda(epoch)`` at every step (one
    function, or a list with one per group): ``lr_e = lr_{e-1} * lr_lambda(e)``.

    Example:
        >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=1.0)
        >>> sched = ut.optim.lr_scheduler.MultiplicativeLR(opt, lambda epoch: 0.5)
        >>> for _ in range(3):
        ...     opt.step(); sched.step()
        >>> sched.get_last_lr()
        [0.125]
    """

    def __init__(self, optimizer: Optimizer,
                 lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
                 last_epoch: int = -1) -> None:
        self.optimizer = optimizer
        self.lr_lambdas = _lambdas_per_group(optimizer, lr_lambda)
        for fn in self.lr_lambdas:
            if not callable(fn):
                raise TypeError(f"lr_lambda should be a function, but got {type(fn).__name__}")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [group["lr"] * fn(self.last_epoch)
                for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)]


class ConstantLR(LRScheduler):
    """Multiply the learning rate by ``factor`` until epoch ``total_iters``, then use
    the initial rate: ``lr_e = initial_lr * (factor if e < total_iters else 1)``.

    ``factor`` must lie in ``[0, 1]`` (``ValueError``, as PyTorch).

    Example:
        >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=0.3)
        >>> sched = ut.optim.lr_scheduler.ConstantLR(opt, factor=0.5, total_iters=2)
        >>> lrs = []
        >>> for _ in range(4):
        ...     lrs.append(sched.get_last_lr()[0]); opt.step(); sched.step()
        >>> lrs
        [0.15, 0.15, 0.3, 0.3]
    """

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if factor > 1.0 or factor < 0:
            raise ValueError("Constant multiplicative factor expected to be between 0 and 1.")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.factor for group in self.optimizer.param_groups]
        if self.last_epoch != self.total_iters:
            return self._current_lrs()
        return [group["lr"] * (1.0 / self.factor) for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Change the learning rate linearly from ``start_factor * initial_lr`` to
    ``end_factor * initial_lr`` over ``total_iters`` epochs, then keep it:
    ``lr_e = initial_lr * (start + (end - start) * min(e, total_iters) / total_iters)``
    (computed, as PyTorch does, by the equivalent recursion on the current ``lr``).

    ``start_factor`` must lie in ``(0, 1]`` and ``end_factor`` in ``[0, 1]``
    (``ValueError``, as PyTorch).

    Example:
        >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=0.1)
        >>> sched = ut.optim.lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=4)
        >>> lrs = []
        >>> for _ in range(6):
        ...     lrs.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
        >>> lrs
        [0.05, 0.0625, 0.075, 0.0875, 0.1, 0.1]
    """

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3,
                 end_factor: float = 1.0, total_iters: int = 5, last_epoch: int = -1) -> None:
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError("Starting multiplicative factor expected to be greater than 0 and "
                             "less or equal to 1.")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError("Ending multiplicative factor expected to be between 0 and 1.")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in self.optimizer.param_groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        change = self.end_factor - self.start_factor
        ratio = 1.0 + change / (self.total_iters * self.start_factor
                                + (self.last_epoch - 1) * change)
        return [group["lr"] * ratio for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.start_factor + (self.end_factor - self.start_factor)
                        * min(self.total_iters, self.last_epoch) / self.total_iters)
                for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the learning rate polynomially to 0 over ``total_iters`` epochs:
    ``lr_e = initial_lr * (1 - min(e, total_iters) / total_iters) ** power`` (computed,
    as PyTorch does, by the equivalent recursion on the current ``lr``).

    Example:
        >>> opt = ut.optim.SGD([ut.nn.Parameter(ut.zeros(1))], lr=0.1)
        >>> sched = ut.optim.lr_scheduler.PolynomialLR(opt, total_iters=4, power=2.0)
        >>> lrs = []
        >>> for _ in range(5):
        ...     lrs.append(round(sched.get_last_lr()[0], 6)); opt.step(); sched.step()
        >>> lrs
        [0.1, 0.05625, 0.025, 0.00625, 0.0]
    """

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial or self.last_epoch > self.total_iters:
            return self._current_lrs()
        factor = ((1.0 - self.last_epoch / self.total_iters)
                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters)
                ** self.power for base in self.base_lrs]
