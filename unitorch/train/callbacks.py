"""Callbacks: code that :class:`~unitorch.train.Trainer` runs at fixed points of training.

The protocol (every method optional; ``logs`` is a dict of Python floats):

* ``on_train_begin(logs)`` / ``on_train_end(logs)``: around the whole run
  (``on_train_end`` gets the last epoch's logs; it also runs after an early stop);
* ``on_epoch_begin(epoch, logs)`` / ``on_epoch_end(epoch, logs)``: ``epoch`` counts
  from 0; at the end ``logs`` holds the epoch's ``loss`` and metrics (means over the
  epoch's samples), ``val_loss`` and ``val_<metric>`` with validation data, and ``lr``
  (the first parameter group's learning rate in the epoch's last step).  A callback
  may add entries; they reach the History (if its priority is below 49) and the
  callbacks after it;
* ``on_batch_begin(batch, logs)`` / ``on_batch_end(batch, logs)``: around each training
  step.  At the end ``logs`` is lazy: ``logs["loss"]`` (and each metric) is the running
  mean over the epoch so far and ``logs["batch_loss"]`` the step's own loss; reading
  one copies them all from the device once, so a callback that does not read them costs
  no synchronisation;
* ``close()``: always called when ``fit`` returns or raises (release files, bars);
* ``state_dict()`` / ``load_state_dict(state)``: what a checkpoint saves of the
  callback, so that a resumed run continues exactly.

``self.trainer`` is the Trainer (``self.model``, ``self.optimizer`` for short); a
callback stops training with ``self.trainer.stop_training = True``.  Callbacks run in
order of their ``priority`` (lower first; stable for equal ones): learning-rate
schedulers (-100) first, so everything after sees the next epoch's rate; user callbacks
and :class:`EarlyStopping` (0); :class:`ModelCheckpoint` (50), so the checkpoint holds
the other callbacks' updated state; then TensorBoard (80) and the progress bar (90).

Example:
    >>> class PrintLoss(ut.callbacks.Callback):
    ...     def on_epoch_end(self, epoch, logs):
    ...         print(epoch, round(logs["loss"], 3))
"""

from __future__ import annotations

import math
import os
from collections import Counter, OrderedDict
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from ..optim.lr_scheduler import LRScheduler

if TYPE_CHECKING:
    from .fit import Trainer

__all__ = [
    "Callback", "CallbackList", "EarlyStopping", "ModelCheckpoint", "LearningRateScheduler",
    "ProgressBar", "TensorBoard",
]


class Callback:
    """Base class of callbacks: override the hooks you need (see the module docstring).

    Example:
        >>> class StopAtLoss(ut.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs):
        ...         if logs["loss"] < 0.1:
        ...             self.trainer.stop_training = True
    """

    priority: ClassVar[int] = 0
    trainer: Trainer | None = None

    def set_trainer(self, trainer: Trainer) -> None:
        """Called once by the Trainer that runs this callback."""
        self.trainer = trainer

    @property
    def model(self) -> Any:
        """The trainer's model."""
        return self.trainer.model

    @property
    def optimizer(self) -> Any:
        """The trainer's optimizer."""
        return self.trainer.optimizer

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Before the first epoch of ``fit``."""

    def on_train_end(self, logs: dict[str, Any]) -> None:
        """After the last epoch of ``fit`` (also after an early stop)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        """Before epoch ``epoch`` (from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """After epoch ``epoch``, with its losses and metrics in ``logs``."""

    def on_batch_begin(self, batch: int, logs: dict[str, Any]) -> None:
        """Before training step ``batch`` of the epoch (from 0)."""

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        """After training step ``batch``; ``logs`` is read lazily (see the module)."""

    def close(self) -> None:
        """Release resources; called when ``fit`` returns or raises."""

    def state_dict(self) -> dict[str, Any]:
        """The callback's state for a checkpoint (plain values and tensors)."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""


def _overrides(cb: Callback, name: str) -> bool:
    return getattr(type(cb), name) is not getattr(Callback, name)


class CallbackList:
    """Callbacks in priority order, dispatching each hook; hooks a callback does not
    override are skipped (nothing runs per step unless some callback asks).

    Example:
        >>> class Hello(ut.callbacks.Callback):
        ...     def on_train_begin(self, logs):
        ...         print("training begins")
        >>> callbacks = ut.callbacks.CallbackList([Hello()], trainer=None)
        >>> callbacks.on_train_begin({})
        training begins
    """

    def __init__(self, callbacks: Iterable[Callback], trainer: Trainer) -> None:
        items = list(callbacks)
        for cb in items:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be ut.callbacks.Callback instances, got "
                                f"{type(cb).__name__}")
        self.callbacks = sorted(items, key=lambda cb: cb.priority)
        for cb in self.callbacks:
            cb.set_trainer(trainer)
        self._batch_begin = [cb for cb in self.callbacks if _overrides(cb, "on_batch_begin")]
        self._batch_end = [cb for cb in self.callbacks if _overrides(cb, "on_batch_end")]

    def __iter__(self) -> Any:
        return iter(self.callbacks)

    @property
    def wants_batch_begin(self) -> bool:
        return bool(self._batch_begin)

    @property
    def wants_batch_end(self) -> bool:
        return bool(self._batch_end)

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_train_begin(logs)

    def on_train_end(self, logs: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        for cb in self.callbacks:
            cb.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any]) -> None:
        for cb in self._batch_begin:
            cb.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        for cb in self._batch_end:
            cb.on_batch_end(batch, logs)

    def close(self) -> None:
        errors = []
        for cb in self.callbacks:
            try:
                cb.close()
            except Exception as e:  # close every callback, then report the first failure
                errors.append(e)
        if errors:
            raise errors[0]


# ---------------------------------------------------------------------------------------
# monitoring a value


def _resolve_mode(mode: str, monitor: str, who: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode == "auto":
        return "max" if "acc" in monitor else "min"
    return mode


def _monitored(logs: Mapping[str, Any], monitor: str, who: str) -> float:
    if monitor not in logs:
        hint = " (pass val_data to fit, or monitor a training value)" if (
            monitor.startswith("val_")) else ""
        raise KeyError(f"{who} monitors {monitor!r}, which the epoch's logs lack{hint}; "
                       f"they have {sorted(logs)}")
    return float(logs[monitor])


def _improved(current: float, best: float, mode: str, min_delta: float) -> bool:
    """``current`` beats ``best`` by more than ``min_delta`` (NaN never does)."""
    if math.isnan(current):
        return False
    if mode == "min":
        return current < best - min_delta
    return current > best + min_delta


class EarlyStopping(Callback):
    """Stop training when ``monitor`` has not improved for ``patience`` epochs.

    An epoch improves when its value beats the best so far by more than ``min_delta``
    (lower in mode ``"min"``, higher in ``"max"``; ``"auto"`` is ``"max"`` for names
    containing ``"acc"``, else ``"min"``); NaN never improves.  After ``patience``
    epochs in a row without improvement, training stops at the end of that epoch
    (``patience=0`` acts as 1, as in Keras and Lightning: the first epoch that does not
    improve stops it).  With
    ``restore_best_weights`` the model gets the weights of its best epoch back when
    training ends, whether it stopped early or ran all its epochs.  ``baseline``: epochs
    must also beat it to count as improving (if none does, nothing is restored).

    After training: ``best`` (the best value), ``best_epoch`` and ``stopped_epoch``
    (``None`` if training was not stopped).

    Example:
        >>> stop = ut.callbacks.EarlyStopping("val_loss", patience=3,
        ...                                   restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", patience: int = 0, mode: str = "auto",
                 min_delta: float = 0.0, restore_best_weights: bool = False,
                 baseline: float | None = None) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0, got {patience!r}")
        self.monitor = monitor
        self.patience = patience
        self.mode = _resolve_mode(mode, monitor, "EarlyStopping")
        self.min_delta = abs(float(min_delta))
        self.restore_best_weights = bool(restore_best_weights)
        self.baseline = None if baseline is None else float(baseline)
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.best = math.inf if self.mode == "min" else -math.inf
        if self.baseline is not None:
            self.best = self.baseline
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_weights: OrderedDict[str, Any] | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        current = _monitored(logs, self.monitor, "EarlyStopping")
        if _improved(current, self.best, self.mode, self.min_delta):
            self.best, self.best_epoch, self.wait = current, epoch, 0
            if self.restore_best_weights:
                self.best_weights = OrderedDict(
                    (k, v.clone()) for k, v in self.model.state_dict().items())
            return
        self.wait += 1
        if self.wait >= max(self.patience, 1):
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {"wait": self.wait, "best": self.best, "best_epoch": self.best_epoch,
                "stopped_epoch": self.stopped_epoch,
                "best_weights": None if self.best_weights is None else dict(self.best_weights)}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        # every value is read before any is set: a bad state changes nothing
        wait, best = int(state["wait"]), float(state["best"])
        best_epoch, stopped_epoch = state["best_epoch"], state["stopped_epoch"]
        weights = state.get("best_weights")
        weights = None if weights is None else OrderedDict(weights)
        self.wait, self.best, self.best_epoch = wait, best, best_epoch
        self.stopped_epoch, self.best_weights = stopped_epoch, weights


class ModelCheckpoint(Callback):
    """Save a checkpoint at the end of epochs, with :func:`unitorch.save` (portable
    across backends, written atomically: a crash never leaves a torn file).

    The checkpoint is the whole training state (``Trainer.state_dict()``): the model's
    and the optimizer's state dicts, the schedulers' and callbacks' states, the epoch,
    the History and the random generators' state, so ``fit(..., resume_from=path)``
    continues exactly where it stopped.  With ``save_weights_only`` it is
    ``model.state_dict()`` alone (load it with ``model.load_state_dict(ut.load(path))``).

    ``filepath`` may hold ``str.format`` fields: ``{epoch}`` (from 1) and any value in
    the epoch's logs (``"ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"``).  With
    ``save_best_only`` a checkpoint is written only when ``monitor`` improves on the best
    so far (``mode`` as in :class:`EarlyStopping`).  ``every`` saves every that many
    epochs (the last epoch of ``fit`` is always considered).

    In a distributed run only rank 0 writes (every worker holds the same model, and
    several processes writing one path would race); the file loads in a single process.

    Example:
        >>> ckpt = ut.callbacks.ModelCheckpoint("best.safetensors", save_best_only=True,
        ...                                     monitor="val_accuracy")
    """

    priority = 50

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 save_best_only: bool = False, mode: str = "auto",
                 save_weights_only: bool = False, every: int = 1) -> None:
        if isinstance(every, bool) or not isinstance(every, int) or every < 1:
            raise ValueError(f"ModelCheckpoint: every must be a positive integer, got {every!r}")
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.save_best_only = bool(save_best_only)
        self.mode = _resolve_mode(mode, monitor, "ModelCheckpoint")
        self.save_weights_only = bool(save_weights_only)
        self.every = every
        self.best = math.inf if self.mode == "min" else -math.inf
        self.last_saved: str | None = None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        last = epoch + 1 == self.trainer.epochs
        if (epoch + 1) % self.every and not last:
            return
        if self.save_best_only:
            current = _monitored(logs, self.monitor, "ModelCheckpoint")
            if not _improved(current, self.best, self.mode, 0.0):
                return
            self.best = current
        path = self.filepath.format(epoch=epoch + 1, **logs)
        from ..distributed.group import is_main_process

        if not is_main_process():  # one copy, written by rank 0
            return
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        from ..io import save

        if self.save_weights_only:
            save(self.model.state_dict(), path)
        else:
            save(self.trainer.state_dict(), path)
        self.last_saved = path

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.best = float(state["best"])


_INTERVALS = ("epoch", "batch")


class LearningRateScheduler(Callback):
    """Step a ``ut.optim.lr_scheduler`` scheduler after every epoch (``interval=
    "epoch"``, PyTorch's usual place for ``scheduler.step()``) or after every training
    step (``interval="batch"``, for ``OneCycleLR``).  ``fit(scheduler=s)`` is this with
    ``interval="epoch"``.  Its state (the scheduler's ``state_dict()``) is checkpointed.

    Example:
        >>> sched = ut.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=100)  # doctest: +SKIP
        >>> cb = ut.callbacks.LearningRateScheduler(sched, interval="batch")  # doctest: +SKIP
    """

    priority = -100

    def __init__(self, scheduler: LRScheduler, interval: str = "epoch") -> None:
        if not isinstance(scheduler, LRScheduler):
            raise TypeError("LearningRateScheduler wraps a ut.optim.lr_scheduler scheduler, "
                            f"got {type(scheduler).__name__}")
        if interval not in _INTERVALS:
            raise ValueError(f"LearningRateScheduler: interval must be 'epoch' or 'batch', "
                             f"got {interval!r}")
        self.scheduler = scheduler
        self.interval = interval

    def set_trainer(self, trainer: Trainer) -> None:
        super().set_trainer(trainer)
        if self.scheduler.optimizer is not trainer.optimizer:
            raise ValueError("LearningRateScheduler: the scheduler drives another optimizer "
                             "than the Trainer's")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.interval == "epoch":
            self.scheduler.step()

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        if self.interval == "batch":
            self.scheduler.step()

    def state_dict(self) -> dict[str, Any]:
        return {"scheduler": _plain(self.scheduler.state_dict())}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        # (the scheduler checks the state is its own before changing anything)
        saved = dict(state["scheduler"])
        live = self.scheduler.__dict__
        for key, value in saved.items():  # containers ut.save stores as dicts
            if isinstance(live.get(key), Counter) and isinstance(value, dict):
                saved[key] = Counter(value)
        self.scheduler.load_state_dict(saved)


def _plain(obj: Any) -> Any:
    """``obj`` with dict subclasses (a Counter...) as plain dicts, for ``ut.save``."""
    if isinstance(obj, OrderedDict):
        return OrderedDict((k, _plain(v)) for k, v in obj.items())
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_plain(v) for v in obj]
    if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
        return tuple(_plain(v) for v in obj)
    return obj


# in their own modules (they import tqdm / tensorboard lazily, when used)
from .progress import ProgressBar  # noqa: E402
from .tensorboard import TensorBoard  # noqa: E402
