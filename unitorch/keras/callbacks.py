"""``keras.callbacks``: Keras 3's callbacks, with its hooks and rules, for
``model.fit`` (which runs them through unitorch's trainer).

A callback subclasses :class:`Callback` and overrides the hooks it needs
(``on_train_begin``, ``on_epoch_end(epoch, logs)``, ``on_train_batch_end(batch,
logs)``...); ``self.model`` is the Keras model and ``self.params`` holds ``epochs``,
``steps`` and ``verbose``.  Setting ``self.model.stop_training = True`` ends training
after the current step.  Epoch logs hold ``loss``, the compiled metrics and their
``val_`` forms; batch logs hold the running means over the epoch so far.

The built-in callbacks follow Keras's rules exactly (tested against Keras):
``EarlyStopping`` (``patience`` epochs without an improvement larger than
``min_delta``, never before the second epoch; ``restore_best_weights``; ``baseline``;
``start_from_epoch``), ``ReduceLROnPlateau`` (factor 0.1, patience 10, ``min_delta``
1e-4, ``cooldown``, ``min_lr``; adds ``learning_rate`` to the logs),
``ModelCheckpoint`` (``{epoch}``/log-value file names, ``save_best_only``,
``save_weights_only``, ``save_freq``), ``CSVLogger``, ``TensorBoard`` (event files in
Keras's layout, written without TensorFlow), ``LearningRateScheduler``,
``LambdaCallback``, ``TerminateOnNaN`` and ``History`` (what ``fit`` returns).

``mode="auto"`` decides from the monitored name as Keras does: ``loss`` is minimised,
a compiled metric goes the way it improves (accuracies up, errors down), anything
else is an error asking for ``mode``.
"""

from __future__ import annotations

import collections
import csv
import math
import os
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import missing

__all__ = [
    "Callback", "CallbackList", "History", "EarlyStopping", "ReduceLROnPlateau",
    "ModelCheckpoint", "CSVLogger", "TensorBoard", "LearningRateScheduler",
    "LambdaCallback", "TerminateOnNaN", "ProgbarLogger",
]


class Callback:
    """Base class of Keras callbacks (every hook does nothing).

    Example:
        >>> import unitorch.keras as keras
        >>> class PrintLoss(keras.callbacks.Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         print(epoch, round(logs["loss"], 2))
    """

    def __init__(self) -> None:
        self.params: dict[str, Any] | None = None
        self._model: Any = None

    def set_params(self, params: dict[str, Any]) -> None:
        """Receive ``epochs``, ``steps`` and ``verbose`` from ``fit``."""
        self.params = params

    def set_model(self, model: Any) -> None:
        """Receive the model ``fit`` trains."""
        self._model = model

    @property
    def model(self) -> Any:
        """The model being trained."""
        return self._model

    def on_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Alias of :meth:`on_train_batch_begin` (Keras)."""

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Alias of :meth:`on_train_batch_end` (Keras)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Before epoch ``epoch`` (from 0)."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """After epoch ``epoch``, with its values in ``logs``."""

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before training step ``batch`` of the epoch."""
        self.on_batch_begin(batch, logs=logs)

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After training step ``batch``, with the running values in ``logs``."""
        self.on_batch_end(batch, logs=logs)

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before an evaluation batch (not called by unitorch's ``fit``)."""

    def on_test_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After an evaluation batch (not called by unitorch's ``fit``)."""

    def on_predict_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """Before a prediction batch (not called by unitorch)."""

    def on_predict_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        """After a prediction batch (not called by unitorch)."""

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before the first epoch."""

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """After the last epoch (also after an early stop)."""

    def on_test_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before ``evaluate`` (not called by unitorch's ``fit``)."""

    def on_test_end(self, logs: dict[str, Any] | None = None) -> None:
        """After ``evaluate`` (not called by unitorch's ``fit``)."""

    def on_predict_begin(self, logs: dict[str, Any] | None = None) -> None:
        """Before ``predict`` (not called by unitorch)."""

    def on_predict_end(self, logs: dict[str, Any] | None = None) -> None:
        """After ``predict`` (not called by unitorch)."""


def overrides(cb: Callback, *names: str) -> bool:
    """Whether ``cb``'s class overrides any of the hooks ``names``."""
    return any(getattr(type(cb), n) is not getattr(Callback, n) for n in names)


class CallbackList:
    """Several callbacks called in order.

    Example:
        >>> import unitorch.keras as keras
        >>> cbs = keras.callbacks.CallbackList([keras.callbacks.History()])
        >>> len(cbs.callbacks)
        1
    """

    def __init__(self, callbacks: list[Callback] | None = None, model: Any = None,
                 **params: Any) -> None:
        self.callbacks = list(callbacks or [])
        if model is not None:
            for cb in self.callbacks:
                cb.set_model(model)
        if params:
            for cb in self.callbacks:
                cb.set_params(params)

    def __iter__(self) -> Any:
        return iter(self.callbacks)


class History(Callback):
    """Records each epoch's logs: ``history.history["loss"]`` is the list of epoch
    losses, ``history.epoch`` the epoch numbers; ``fit`` returns it.

    Example:
        >>> import unitorch.keras as keras
        >>> h = keras.callbacks.History()
        >>> h.on_train_begin()
        >>> h.on_epoch_end(0, {"loss": 0.5})
        >>> h.history
        {'loss': [0.5]}
    """

    def __init__(self) -> None:
        super().__init__()
        self.history: dict[str, list[Any]] = {}
        self.epoch: list[int] = []

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.epoch = []

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self.epoch.append(epoch)
        for k, v in logs.items():
            self.history.setdefault(k, []).append(v)
        if self.model is not None:
            self.model.history = self


class _Monitor(Callback):
    """Keras's MonitorCallback: which way ``monitor`` improves, and by how much."""

    def __init__(self, monitor: str = "val_loss", mode: str = "auto", baseline: Any = None,
                 min_delta: float = 0) -> None:
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=2)
            mode = "auto"
        self.monitor, self.mode, self.best = monitor, mode, baseline
        self.min_delta = abs(min_delta)
        self.monitor_op: Callable[[Any, Any], bool] | None = None

    def _set_monitor_op(self) -> None:
        less, greater = np.less, np.greater
        if self.mode == "min":
            self.monitor_op = less
        elif self.mode == "max":
            self.monitor_op = greater
        else:
            name = self.monitor.removeprefix("val_")
            if name == "loss":
                self.monitor_op = less
            for m in getattr(self.model, "_compiled_metric_objects", None) or []:
                if m.name == name:
                    self.monitor_op = greater if getattr(m, "_direction", "up") == "up" \
                        else less
            if self.monitor_op is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but "
                    "Keras isn't able to automatically determine whether that metric should "
                    "be maximized or minimized. Pass `mode='max'` in order to monitor based "
                    "on the highest metric value, or pass `mode='min'` in order to use the "
                    "lowest value.")
        if self.monitor_op is less:
            self.min_delta *= -1

    def _is_improvement(self, value: Any, reference: Any) -> bool:
        if reference is None:
            return True
        return bool(self.monitor_op(value - self.min_delta, reference))


class EarlyStopping(_Monitor):
    """Stop training when ``monitor`` stops improving (Keras's rules, see the module).

    Example:
        >>> import unitorch.keras as keras
        >>> stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
        ...                                      restore_best_weights=True)
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0,
                 verbose: int = 0, mode: str = "auto", baseline: float | None = None,
                 restore_best_weights: bool = False, start_from_epoch: int = 0) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience, self.verbose, self.baseline = patience, verbose, baseline
        self.wait, self.stopped_epoch = 0, 0
        self.restore_best_weights = restore_best_weights
        self.best_weights: list[Any] | None = None
        self.start_from_epoch = start_from_epoch
        self.best_epoch = 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self.wait, self.stopped_epoch, self.best = 0, 0, None
        self.best_weights, self.best_epoch = None, 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        current = self.get_monitor_value(logs)
        if current is None or epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best, self.best_epoch = current, epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print("Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)

    def get_monitor_value(self, logs: dict[str, Any] | None) -> Any:
        """The monitored value in ``logs`` (a warning and ``None`` when absent)."""
        value = (logs or {}).get(self.monitor)
        if value is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(list(logs or {}))}",
                          stacklevel=2)
        return value


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs (Keras's rules, see the module).

    Example:
        >>> import unitorch.keras as keras
        >>> reduce = keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3, min_lr=1e-5)
    """

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 verbose: int = 0, mode: str = "auto", min_delta: float = 1e-4,
                 cooldown: int = 0, min_lr: float = 0.0, **kwargs: Any) -> None:
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau does not support a factor >= 1.0. Received "
                             f"factor={factor}")
        self.factor, self.min_lr, self.patience = factor, min_lr, patience
        self.verbose, self.cooldown = verbose, cooldown
        self.cooldown_counter = self.wait = 0

    def _reset(self) -> None:
        self.best, self.cooldown_counter, self.wait = None, 0, 0

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._reset()

    def in_cooldown(self) -> bool:
        """Whether the cooldown after a reduction is running."""
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(np.asarray(optimizer.learning_rate.numpy()))
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          f"which is not available. Available metrics are: "
                          f"{','.join(list(logs.keys()))}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best, self.wait = current, 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience:
                old = float(np.asarray(optimizer.learning_rate.numpy()))
                if old > np.float32(self.min_lr):
                    new = max(old * self.factor, self.min_lr)
                    optimizer.learning_rate = new
                    if self.verbose > 0:
                        print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate "
                              f"to {new}.")
                    self.cooldown_counter, self.wait = self.cooldown, 0


class ModelCheckpoint(_Monitor):
    """Save the model (``model.save``) or its weights (``save_weights_only``) at the end
    of epochs (or every ``save_freq`` batches), under ``filepath`` formatted with
    ``epoch`` (from 1) and the logs; with ``save_best_only`` only when ``monitor``
    improves.  The file is unitorch's safe format (see
    :mod:`unitorch.keras.models.saving`); Keras's extensions are required as in Keras
    (``.keras``, or ``.weights.h5`` with ``save_weights_only``; ``.safetensors`` is
    accepted too).

    Example:
        >>> import unitorch.keras as keras
        >>> ckpt = keras.callbacks.ModelCheckpoint("best.keras", save_best_only=True)
    """

    def __init__(self, filepath: str | os.PathLike[str], monitor: str = "val_loss",
                 verbose: int = 0, save_best_only: bool = False,
                 save_weights_only: bool = False, mode: str = "auto",
                 save_freq: Any = "epoch", initial_value_threshold: float | None = None
                 ) -> None:
        super().__init__(monitor, mode, initial_value_threshold)
        self.verbose = verbose
        self.filepath = os.fspath(filepath)
        self.save_best_only, self.save_weights_only = save_best_only, save_weights_only
        self.save_freq = save_freq
        self._batches_seen_since_last_saving = 0
        self._last_batch_seen: int | None = None
        self._current_epoch = 0
        if save_freq != "epoch" and not isinstance(save_freq, int):
            raise ValueError(f"Unrecognized save_freq: {save_freq}. Expected save_freq are "
                             "'epoch' or integer values")
        if save_weights_only:
            if not self.filepath.endswith((".weights.h5", ".weights.safetensors")):
                raise ValueError(f"When using `save_weights_only=True` in `ModelCheckpoint`, "
                                 f"the filepath provided must end in `.weights.h5` (Keras "
                                 f"weights format). Received: filepath={self.filepath}")
        elif not self.filepath.endswith((".keras", ".h5", ".safetensors")):
            raise ValueError(f"The filepath provided must end in `.keras` (Keras model format). "
                             f"Received: filepath={self.filepath}")

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if self.save_freq == "epoch":
            return
        if self._last_batch_seen is None or batch <= self._last_batch_seen:
            add = batch + 1
        else:
            add = batch - self._last_batch_seen
        self._batches_seen_since_last_saving += add
        self._last_batch_seen = batch
        if self._batches_seen_since_last_saving >= self.save_freq:
            self._batches_seen_since_last_saving = 0
            self._save(self._current_epoch, batch, dict(logs or {}))

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._current_epoch = epoch

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _save(self, epoch: int, batch: int | None, logs: dict[str, Any]) -> None:
        if batch is None or "batch" in logs:
            path = self.filepath.format(epoch=epoch + 1, **logs)
        else:
            path = self.filepath.format(epoch=epoch + 1, batch=batch + 1, **logs)
        if self.save_best_only:
            current = logs.get(self.monitor)
            if current is None:
                warnings.warn(f"Can save best model only with {self.monitor} available.",
                              stacklevel=2)
            elif not self._is_improvement(current, self.best):
                if self.verbose > 0:
                    print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from "
                          f"{self.best:.5f}")
                return
            else:
                if self.verbose > 0:
                    best = "None" if self.best is None else f"{self.best:.5f}"
                    print(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {path}")
                self.best = current
        directory = os.path.dirname(path)
        if directory:
            os.makedirs(directory, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(path, overwrite=True)
        else:
            self.model.save(path, overwrite=True)


class CSVLogger(Callback):
    """Append each epoch's logs to a CSV file (columns ``epoch`` and the sorted log
    keys; ``val_`` columns are added when the first epoch has none, as Keras does).

    Example:
        >>> import unitorch.keras as keras
        >>> logger = keras.callbacks.CSVLogger("training.csv")
    """

    def __init__(self, filename: str | os.PathLike[str], separator: str = ",",
                 append: bool = False) -> None:
        super().__init__()
        self.sep, self.filename, self.append = separator, os.fspath(filename), append
        self.writer: Any = None
        self.keys: list[str] | None = None
        self.append_header = True
        self.csv_file: Any = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.append:
            if os.path.exists(self.filename):
                with open(self.filename) as f:
                    self.append_header = not bool(len(f.readline()))
            mode = "a"
        else:
            mode = "w"
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.csv_file = open(self.filename, mode, newline="")
        self.writer, self.keys = None, None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}

        def handle(k: Any) -> Any:
            if isinstance(k, str):
                return k
            if isinstance(k, collections.abc.Iterable) and not (
                    isinstance(k, np.ndarray) and k.ndim == 0):
                return f'"[{", ".join(map(str, k))}]"'
            return k

        if self.keys is None:
            self.keys = sorted(logs.keys())
            if not any(k.startswith("val_") for k in self.keys) and self.keys:
                self.keys.extend([f"val_{k}" for k in self.keys])
        if not self.writer:
            sep = self.sep

            class Dialect(csv.excel):
                delimiter = sep

            self.writer = csv.DictWriter(self.csv_file, fieldnames=["epoch", *self.keys],
                                         dialect=Dialect)
            if self.append_header:
                self.writer.writeheader()
        row = collections.OrderedDict({"epoch": epoch})
        row.update((key, handle(logs.get(key, "NA"))) for key in self.keys)
        self.writer.writerow(row)
        self.csv_file.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        if self.csv_file and not self.csv_file.closed:
            self.csv_file.close()
        self.writer = None


class TensorBoard(Callback):
    """Write TensorBoard event files in Keras's layout: ``<log_dir>/train`` with
    ``epoch_<name>`` per epoch (and ``batch_<name>`` every ``update_freq`` batches when
    it is an int), ``<log_dir>/validation`` with the ``val_`` values as
    ``epoch_<name>``.  Written without TensorFlow (unitorch's event writer; needs the
    ``tensorboard`` package).  Histograms, images, graphs and profiling are not
    written.

    Example:
        >>> import unitorch.keras as keras
        >>> tb = keras.callbacks.TensorBoard(log_dir="./logs")
    """

    def __init__(self, log_dir: str | os.PathLike[str] = "logs", histogram_freq: int = 0,
                 write_graph: bool = True, write_images: bool = False,
                 write_steps_per_second: bool = False, update_freq: Any = "epoch",
                 profile_batch: Any = 0, embeddings_freq: int = 0,
                 embeddings_metadata: Any = None) -> None:
        super().__init__()
        if histogram_freq or write_images or embeddings_freq:
            from ._core import unsupported

            raise unsupported("TensorBoard(histogram_freq/write_images/embeddings_freq)")
        self.log_dir = os.fspath(log_dir)
        self.update_freq = 1 if update_freq == "batch" else update_freq
        self._writers: dict[str, Any] = {}
        self._step = 0

    def _writer(self, which: str) -> Any:
        if which not in self._writers:
            from ..train.tensorboard import EventFileWriter

            self._writers[which] = EventFileWriter(os.path.join(self.log_dir, which))
        return self._writers[which]

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._step = 0

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self._step += 1
        if isinstance(self.update_freq, int) and self._step % self.update_freq == 0:
            for k, v in (logs or {}).items():
                if isinstance(v, (int, float)):
                    self._writer("train").add_scalar(f"batch_{k}", float(v), self._step)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        for k, v in (logs or {}).items():
            if not isinstance(v, (int, float)):
                continue
            if k.startswith("val_"):
                self._writer("validation").add_scalar(f"epoch_{k[4:]}", float(v), epoch)
            else:
                self._writer("train").add_scalar(f"epoch_{k}", float(v), epoch)
        for w in self._writers.values():
            w.flush()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        for w in self._writers.values():
            w.close()
        self._writers.clear()


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of each epoch to ``schedule(epoch, lr)``
    (``learning_rate`` is added to the epoch's logs).

    Example:
        >>> import unitorch.keras as keras
        >>> cb = keras.callbacks.LearningRateScheduler(lambda epoch, lr: lr * 0.9)
    """

    def __init__(self, schedule: Callable[..., float], verbose: int = 0) -> None:
        super().__init__()
        self.schedule, self.verbose = schedule, verbose

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        optimizer = self.model.optimizer
        lr = float(np.asarray(optimizer.learning_rate.numpy()))
        try:
            new = self.schedule(epoch, lr)
        except TypeError:  # a schedule taking only the epoch
            new = self.schedule(epoch)
        if not isinstance(new, (float, np.float32, np.float64)):
            new = float(np.asarray(new.numpy() if hasattr(new, "numpy") else new))
        if not isinstance(new, (float, np.float32, np.float64)):
            raise ValueError(f'The output of the "schedule" function should be a float. Got: '
                             f"{new}")
        optimizer.learning_rate = float(new)
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to "
                  f"{new}.")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None:
            logs["learning_rate"] = float(np.asarray(self.model.optimizer.learning_rate.numpy()))


class LambdaCallback(Callback):
    """A callback made of functions: ``on_epoch_end=lambda epoch, logs: ...`` and the
    other hooks as keyword arguments.

    Example:
        >>> import unitorch.keras as keras
        >>> cb = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    """

    def __init__(self, on_epoch_begin: Any = None, on_epoch_end: Any = None,
                 on_train_begin: Any = None, on_train_end: Any = None,
                 on_train_batch_begin: Any = None, on_train_batch_end: Any = None,
                 **kwargs: Any) -> None:
        super().__init__()
        hooks = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for name, fn in hooks.items():
            if fn is not None:
                setattr(self, name, fn)

    def _uses(self, name: str) -> bool:
        return name in self.__dict__


class TerminateOnNaN(Callback):
    """Stop training when a batch's loss is NaN or infinite.

    Example:
        >>> import unitorch.keras as keras
        >>> cb = keras.callbacks.TerminateOnNaN()
    """

    def on_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        loss = (logs or {}).get("loss")
        if loss is not None and (math.isnan(loss) or math.isinf(loss)):
            print(f"Batch {batch}: Invalid loss, terminating training")
            self.model.stop_training = True


class ProgbarLogger(Callback):
    """Accepted for compatibility: ``fit(verbose=...)`` shows unitorch's progress bar
    (Keras adds a ProgbarLogger itself); this callback adds nothing.

    Example:
        >>> import unitorch.keras as keras
        >>> cb = keras.callbacks.ProgbarLogger()
    """


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.callbacks", name,
                  f"implemented: {', '.join(sorted(__all__))}; or subclass Callback")
