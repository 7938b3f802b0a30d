"""The training loop: :class:`Trainer` and its one-call form :func:`fit`.

Design
------
A :class:`Trainer` holds what a run needs (model, loss function, optimizer, metrics,
callbacks) and its progress (``epoch``: epochs completed, ``global_step``,
``history``).  ``fit`` trains, ``evaluate`` measures, ``predict`` infers; ``ut.fit(...)``
is ``Trainer(...).fit(...)``.

* **One step, written once, PyTorch style**: ``optimizer.zero_grad()``, ``out =
  model(x)``, ``loss = loss_fn(out, y)``, ``loss.backward()``, ``optimizer.step()``,
  then each metric's :meth:`~unitorch.train.metrics.Metric.accumulate`.  The metric
  states (float64 totals and counts) go into the step and come out of it, so the whole
  step, metrics included, is one function for :func:`unitorch.compile`.  Validation
  and prediction steps are compiled the same way.
* **Compilation**: ``compile=None`` (the default) follows the backend
  (``Backend.compile_training``): compiled (``tf.function``) on TensorFlow, whose eager
  mode is an order of magnitude slower for small steps; eager on PyTorch, where
  ``torch.compile`` has a long warm-up.  ``compile=True`` compiles on every backend,
  ``compile=False`` runs eagerly everywhere, and a dict compiles everywhere with
  per-backend options (``compile={"torch": {"backend": "aot_eager"}}``, see
  :func:`unitorch.compile`).  A compiled TensorFlow step is traced once per input shape
  (a smaller last batch adds one trace).
* **No host synchronisation per step**: each step's loss stays on the device; the
  losses (``history.steps["loss"]``) and the metrics are copied to the host once per
  epoch, in one transfer.  A callback reading the lazy batch logs (the progress bar,
  when it refreshes) is the only other reader.
* **Epoch values** are means over samples: each batch's loss is weighted by its batch
  size (the first dimension of the model's output), so the epoch ``loss`` is the mean
  per-sample loss for mean-reduced losses whatever the last batch's size (Keras's
  rule; a plain mean of per-batch losses would over-weight a small last batch).
* **Data**: ``train_data``/``val_data`` are a :class:`unitorch.data.DataLoader` or any
  re-iterable of ``(inputs, targets)`` batches (lists, torch DataLoaders, generators'
  factories...); NumPy leaves are converted to tensors of the active backend.  Each
  epoch calls ``data.set_epoch(epoch)`` when the data has it (``ut.data.DataLoader``,
  whose seeded shuffle then depends only on the seed and the epoch).
* **Resuming**: ``Trainer.state_dict()`` is the whole training state (model, optimizer,
  schedulers and other callbacks, epoch, history, random generators);
  :class:`~unitorch.train.callbacks.ModelCheckpoint` saves it with :func:`unitorch.save`
  and ``fit(..., resume_from=path)`` loads it, so a run stopped after epoch ``k`` and
  resumed continues exactly as if uninterrupted, when its randomness is reproducible:
  a seeded DataLoader (or one drawing from unitorch's portable stream), and dropout in
  portable mode (``ut.random.portable(True)``: native generators restart from their
  seed on resume).
* **Distributed runs**: with a :class:`unitorch.nn.DataParallel` model (and a sharded
  loader, ``shard="auto"``), each step averages the gradients over the workers
  (``model.sync_gradients()``, compiled with the step); at the end of each epoch the
  metric states (totals and counts) are summed and the step losses averaged over the
  workers (one collective each), so every worker logs the same values, computed over all
  the workers' data, and callbacks (``EarlyStopping``...) decide alike everywhere.  Only
  rank 0 shows progress (``progress``), writes TensorBoard logs (``log_dir``) and
  writes :class:`~unitorch.train.callbacks.ModelCheckpoint` files; every worker must run
  ``fit``, ``evaluate`` and the same callbacks.  Pass a ProgressBar or TensorBoard
  callback in ``callbacks`` to log on every worker.
* **``epochs`` is the total**: ``fit`` trains from ``trainer.epoch`` (0 for a new
  trainer, the checkpoint's epoch after ``resume_from``) up to ``epochs``; calling
  ``fit(data, epochs=4)`` again on a trainer that has done 2 trains 2 more.

Example:
    >>> loader = ut.data.DataLoader((x, y), batch_size=32, shuffle=True, seed=0)  # doctest: +SKIP
    >>> history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=5)  # doctest: +SKIP
    >>> history["loss"][-1], history["accuracy"][-1]  # doctest: +SKIP
"""

from __future__ import annotations

import copy
import os
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from ..autograd import compile as ut_compile
from ..autograd import no_grad
from ..backends import current
from ..nn.module import Module
from ..tensor import Tensor
from . import metrics as metrics_mod
from .callbacks import Callback, CallbackList, LearningRateScheduler
from .history import History
from .progress import ProgressBar
from .tensorboard import TensorBoard

__all__ = ["Trainer", "fit"]

_CHECKPOINT_KEY = "unitorch_trainer"
_CHECKPOINT_VERSION = 1


# ---------------------------------------------------------------------------------------
# helpers


def _read(tensors: Sequence[Tensor]) -> list[float]:
    """Python floats of 0-d tensors, copied from the device in one transfer."""
    import unitorch as ut

    if not tensors:
        return []
    stacked = ut.stack([ut.astype(t, ut.float64) for t in tensors])
    return [float(v) for v in np.asarray(stacked.numpy()).reshape(-1)]


def _map(tree: Any, fn: Callable[[Any], Any]) -> Any:
    if isinstance(tree, dict):
        return type(tree)((k, _map(v, fn)) for k, v in tree.items())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(_map(v, fn) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(_map(v, fn) for v in tree)
    return fn(tree)


def _copy_tree(tree: Any) -> Any:
    """``tree`` with its dicts, lists and tuples copied (a snapshot of a callback's state
    that later changes to the live containers do not reach)."""
    if isinstance(tree, dict):
        out = copy.copy(tree)  # (a Counter, a defaultdict stay what they are)
        for k, v in tree.items():
            out[k] = _copy_tree(v)
        return out
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_copy_tree(v) for v in tree)
    return tree


def _default_load(model: Module) -> bool:
    """Whether ``model`` loads its state with unitorch's own ``load_state_dict`` (which
    can be checked before it writes), not an override of its own."""
    from ..nn.parallel import DataParallel

    return type(model).load_state_dict in (Module.load_state_dict,
                                           DataParallel.load_state_dict)


def _detach(tree: Any) -> Any:
    return _map(tree, lambda t: t.detach() if isinstance(t, Tensor) else t)


def _length(data: Any) -> int | None:
    try:
        return len(data)
    except (TypeError, NotImplementedError):
        return None


def _check_reiterable(data: Any, epochs: int, what: str) -> None:
    if data is None:
        return
    if isinstance(data, tuple) and len(data) == 2 and all(
            isinstance(a, (np.ndarray, Tensor)) for a in data):
        raise TypeError(f"{what} is a tuple of arrays; wrap it in a loader: "
                        "ut.data.DataLoader((x, y), batch_size=32, shuffle=True, seed=0)")
    if not isinstance(data, Iterable):
        raise TypeError(f"{what} must be a ut.data.DataLoader or an iterable of (inputs, "
                        f"targets) batches, got {type(data).__name__}")
    if epochs > 1 and isinstance(data, Iterator):  # (never iter(): it may draw a shuffle)
        raise TypeError(f"{what} is a one-shot iterator (a generator?) and fit needs to go "
                        "through it once per epoch; pass a ut.data.DataLoader, a list, or an "
                        "object whose __iter__ starts afresh")


class _BatchLogs(Mapping):
    """The logs of one training step: the running metrics and the step's loss, computed
    and read from the device (once, all together) only when a callback looks at them."""

    __slots__ = ("_loss", "_metrics", "_names", "_states", "_values")

    def __init__(self, names: list[str], metrics: list[Any], states: tuple, loss: Tensor
                 ) -> None:
        self._names, self._metrics, self._states, self._loss = names, metrics, states, loss
        self._values: dict[str, float] | None = None

    def _load(self) -> dict[str, float]:
        if self._values is None:
            tensors = [m.compute(s) for m, s in zip(self._metrics, self._states)]
            self._values = dict(zip(self._names, _read([*tensors, self._loss])))
        return self._values

    def __getitem__(self, key: str) -> float:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


class _RecordHistory(Callback):
    """Appends each epoch's logs to the History and counts the epoch as done; runs
    after user callbacks (which may add entries) and before checkpoints."""

    priority = 49

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.trainer.history.append_epoch(epoch, logs)
        self.trainer.epoch = epoch + 1


# ---------------------------------------------------------------------------------------
# the trainer


class Trainer:
    """Train, evaluate and run a model (see the module docstring for the design).

    Args:
        model: a ``ut.nn.Module``.
        loss_fn: ``loss_fn(outputs, targets)`` -> a scalar tensor (mean-reduced), e.g.
            ``ut.nn.CrossEntropyLoss()``.
        optimizer: a ``ut.optim`` optimizer over the model's parameters.
        metrics: names (``"accuracy"``, ``"top5_accuracy"``, ``"mae"``, ``"mse"``...)
            or :class:`~unitorch.train.metrics.Metric` objects; the loss is always
            tracked as ``"loss"``.
        callbacks: :class:`~unitorch.train.callbacks.Callback` objects.
        scheduler: a ``ut.optim.lr_scheduler`` scheduler stepped after every epoch, or
            a :class:`~unitorch.train.callbacks.LearningRateScheduler` (for per-step
            stepping).
        compile: ``None`` (the backend's default), ``True``, ``False``, or per-backend
            options for :func:`unitorch.compile`.
        progress: ``True`` (a :class:`~unitorch.train.progress.ProgressBar`: a bar on
            terminals, lines in logs), ``"bar"``/``"lines"``, a ProgressBar, or
            ``False`` for silence.  Shown by rank 0 only in a distributed run.
        log_dir: write TensorBoard logs there
            (:class:`~unitorch.train.tensorboard.TensorBoard`); rank 0 only in a
            distributed run.
        device: move the model there and put each batch there (default: where they are).

    Example:
        >>> trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt,  # doctest: +SKIP
        ...                      metrics=["accuracy"], progress=False)
        >>> trainer.fit(train_loader, epochs=3, val_data=val_loader)  # doctest: +SKIP
        >>> trainer.evaluate(test_loader)["accuracy"]  # doctest: +SKIP
    """

    def __init__(self, model: Module, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any,
                 metrics: Iterable[str | metrics_mod.Metric] = ("accuracy",),
                 callbacks: Iterable[Callback] = (), scheduler: Any = None,
                 compile: bool | Mapping[str, Any] | None = None,
                 progress: bool | str | ProgressBar = True,
                 log_dir: str | os.PathLike[str] | None = None, device: Any = None) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"Trainer needs a ut.nn.Module, got {type(model).__name__}")
        if not callable(loss_fn):
            raise TypeError(f"loss_fn must be callable, got {type(loss_fn).__name__}")
        for attr in ("zero_grad", "step", "state_dict", "load_state_dict"):
            if not callable(getattr(optimizer, attr, None)):
                raise TypeError(f"optimizer must be a ut.optim optimizer, got "
                                f"{type(optimizer).__name__}")
        if isinstance(metrics, (str, metrics_mod.Metric)):
            metrics = (metrics,)
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.metrics = [metrics_mod.get(m) for m in metrics]
        self._tracked = [metrics_mod.Mean("loss"), *self.metrics]
        self._names = [m.name for m in self._tracked]
        for name in self._names[1:]:
            if name in ("loss", "lr", "batch_loss") or name.startswith("val_"):
                raise ValueError(f"metric name {name!r} is reserved; name the metric otherwise")
        if len(set(self._names)) != len(self._names):
            raise ValueError(f"metric names must be unique, got {self._names[1:]}")
        if not (compile is None or isinstance(compile, (bool, Mapping))):
            raise TypeError(f"compile must be None, a bool or a dict of per-backend options, "
                            f"got {type(compile).__name__}")
        self.compile = compile
        self.device = device
        cbs = list(callbacks)
        if scheduler is not None:
            cbs.append(scheduler if isinstance(scheduler, LearningRateScheduler)
                       else LearningRateScheduler(scheduler))
        from ..distributed.group import is_main_process
        from ..nn.parallel import DataParallel

        #: a DataParallel model: gradients averaged, epoch values reduced over the workers
        self._data_parallel = isinstance(model, DataParallel)
        main = is_main_process()  # in a distributed run only rank 0 logs (log_dir, progress)
        if not (progress in (False, None, True) or isinstance(progress, (str, ProgressBar))):
            raise TypeError(f"progress must be a bool, 'bar', 'lines' or a ProgressBar, got "
                            f"{progress!r}")
        if log_dir is not None and main:
            cbs.append(TensorBoard(log_dir))
        if isinstance(progress, ProgressBar):
            if main:
                cbs.append(progress)
        elif progress is True:
            if main:
                cbs.append(ProgressBar())
        elif isinstance(progress, str):
            bar = ProgressBar(mode=progress)  # (validates the mode on every worker)
            if main:
                cbs.append(bar)
        cbs.append(_RecordHistory())
        self.callbacks = CallbackList(cbs, self)
        self.history = History()
        #: epochs completed
        self.epoch = 0
        #: training steps completed
        self.global_step = 0
        #: set it (a callback) to end training after the current step
        self.stop_training = False
        #: the epoch ``fit`` trains up to (set by ``fit``)
        self.epochs = 0
        #: batches per epoch, when the training data has a length (set by ``fit``)
        self.steps_per_epoch: int | None = None
        self._functions: dict[tuple[str, str], Callable[..., Any]] = {}

    # -- steps: written once, compiled by ut.compile where chosen ---------------------------

    def _train_step(self, x: Any, y: Any, states: tuple) -> tuple[Tensor, tuple]:
        opt = self.optimizer
        opt.zero_grad()
        out = self.model(x)
        loss = self.loss_fn(out, y)
        loss.backward()
        if self._data_parallel:  # average the gradients over the workers
            self.model.sync_gradients()
        opt.step()
        out, loss = _detach(out), loss.detach()
        return loss, tuple(m.accumulate(s, out, y, loss)
                           for m, s in zip(self._tracked, states))

    def _eval_step(self, x: Any, y: Any, states: tuple) -> tuple:
        with no_grad():
            out = self.model(x)
            loss = self.loss_fn(out, y)
            return tuple(m.accumulate(s, out, y, loss) for m, s in zip(self._tracked, states))

    def _predict_step(self, x: Any) -> Any:
        with no_grad():
            return self.model(x)

    def _function(self, kind: str) -> Callable[..., Any]:
        backend = current()
        key = (kind, backend.name)
        fn = self._functions.get(key)
        if fn is None:
            raw = {"train": self._train_step, "eval": self._eval_step,
                   "predict": self._predict_step}[kind]
            c = self.compile
            if c is None:
                fn = ut_compile(raw) if backend.compile_training else raw
            elif isinstance(c, bool):
                fn = ut_compile(raw) if c else raw
            else:
                fn = ut_compile(raw, **dict(c))
            self._functions[key] = fn
        return fn

    # -- batches --------------------------------------------------------------------------

    def _tensor(self, leaf: Any) -> Any:
        import unitorch as ut

        if isinstance(leaf, Tensor):
            if self.device is not None:
                return leaf.to_device(self.device)
            return leaf
        if isinstance(leaf, (np.ndarray, np.generic)):
            return ut.asarray(leaf, device=self.device)
        return leaf

    def _split(self, batch: Any, what: str) -> tuple[Any, Any]:
        if not (isinstance(batch, (tuple, list)) and len(batch) == 2):
            raise TypeError(f"each batch of {what} must be an (inputs, targets) pair, got "
                            f"{type(batch).__name__}"
                            + (f" of length {len(batch)}" if isinstance(batch, (tuple, list))
                               else ""))
        return _map(batch[0], self._tensor), _map(batch[1], self._tensor)

    def _initial_states(self) -> tuple:
        device = self.device
        if device is None:
            for p in self.model.parameters():
                device = p.device
                break
        return tuple(m.initial_state(device) for m in self._tracked)

    # -- training -------------------------------------------------------------------------

    def fit(self, train_data: Iterable[Any], epochs: int = 1,
            val_data: Iterable[Any] | None = None,
            resume_from: str | os.PathLike[str] | None = None) -> History:
        """Train up to ``epochs`` epochs in total (from ``self.epoch``; after
        ``resume_from``, the checkpoint's epoch), validating on ``val_data`` after each,
        and return the History (every epoch of the run, resumed ones included).

        Example:
            >>> history = trainer.fit(loader, epochs=10, val_data=val_loader)  # doctest: +SKIP
        """
        if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
            raise ValueError(f"epochs must be an integer >= 0, got {epochs!r}")
        if resume_from is not None:
            self.load_checkpoint(resume_from)
        remaining = epochs - self.epoch
        _check_reiterable(train_data, remaining, "train_data")
        _check_reiterable(val_data, remaining, "val_data")
        self.epochs = epochs
        self.steps_per_epoch = _length(train_data)
        if self.device is not None:
            self.model.to(self.device)
        self.stop_training = False
        logs: dict[str, Any] = {}
        try:
            self.callbacks.on_train_begin(logs)
            for epoch in range(self.epoch, epochs):
                logs = self._train_epoch(epoch, train_data, val_data)
                if self.stop_training:
                    break
            self.callbacks.on_train_end(dict(logs))
        finally:
            self.callbacks.close()
        return self.history

    def _train_epoch(self, epoch: int, train_data: Any, val_data: Any) -> dict[str, Any]:
        cbs = self.callbacks
        cbs.on_epoch_begin(epoch, {})
        set_epoch = getattr(train_data, "set_epoch", None)
        if callable(set_epoch):
            set_epoch(epoch)
        self.model.train()
        step = self._function("train")
        states = self._initial_states()
        losses: list[Tensor] = []
        begin, end = cbs.wants_batch_begin, cbs.wants_batch_end
        names = [*self._names, "batch_loss"]
        groups = getattr(self.optimizer, "param_groups", None)
        lr = None
        for i, batch in enumerate(train_data):
            x, y = self._split(batch, "train_data")
            if begin:
                cbs.on_batch_begin(i, {})
            if groups:
                lr = groups[0]["lr"]  # the rate this step uses
            loss, states = step(x, y, states)
            losses.append(loss)
            self.global_step += 1
            if end:
                cbs.on_batch_end(i, _BatchLogs(names, self._tracked, states, loss))
            if self.stop_training:
                break
        if not losses:
            raise ValueError("train_data yielded no batches")
        states = self._over_workers(states)
        self.history.append_steps("loss", _read(self._mean_over_workers(losses)))
        logs: dict[str, Any] = dict(zip(self._names, _read(
            [m.compute(s) for m, s in zip(self._tracked, states)])))
        if val_data is not None:
            set_epoch = getattr(val_data, "set_epoch", None)
            if callable(set_epoch):
                set_epoch(epoch)
            for key, value in self._measure(val_data, "val_data").items():
                logs[f"val_{key}"] = value
        if lr is not None:
            logs["lr"] = float(lr)
        cbs.on_epoch_end(epoch, logs)
        return logs

    def _measure(self, data: Iterable[Any], what: str) -> dict[str, float]:
        was_training = self.model.training
        self.model.eval()
        try:
            step = self._function("eval")
            states = self._initial_states()
            n = 0
            for batch in data:
                x, y = self._split(batch, what)
                states = step(x, y, states)
                n += 1
        finally:
            self.model.train(was_training)
        if n == 0:
            raise ValueError(f"{what} yielded no batches")
        states = self._over_workers(states)
        return dict(zip(self._names, _read([m.compute(s)
                                            for m, s in zip(self._tracked, states)])))

    # -- distributed runs: every worker ends an epoch with the same values ------------------

    def _distributed(self) -> bool:
        return self._data_parallel and getattr(self.model, "_world", 1) > 1

    def _over_workers(self, states: tuple) -> tuple:
        """The metric states summed over the workers (one all_reduce), in a distributed
        run: totals and counts of every worker's shard, so each metric is the value over
        all the data and every worker logs the same (callbacks decide alike)."""
        if not self._distributed():
            return states
        import unitorch as ut

        from ..distributed import all_reduce

        leaves = [leaf for state in states for leaf in state]
        flat = ut.concat([ut.reshape(ut.astype(t, ut.float64), (-1,)) for t in leaves])
        total = all_reduce(flat, op="sum")
        out, start = [], 0
        for t in leaves:
            n = int(np.prod(t.shape, dtype=np.int64))
            out.append(ut.astype(ut.reshape(total[start:start + n], t.shape), t.dtype))
            start += n
        it = iter(out)
        return tuple(tuple(next(it) for _ in state) for state in states)

    def _mean_over_workers(self, losses: list[Tensor]) -> list[Tensor]:
        """Each step's loss averaged over the workers (the loss of the global batch when
        the shards' batches are equal), in a distributed run."""
        if not self._distributed():
            return losses
        import unitorch as ut

        from ..distributed import all_reduce

        mean = all_reduce(ut.stack([ut.astype(t, ut.float64) for t in losses]), op="mean")
        return [mean[i] for i in range(len(losses))]

    def evaluate(self, data: Iterable[Any]) -> dict[str, float]:
        """The loss and metrics over ``data`` (``(inputs, targets)`` batches), in eval
        mode without gradients: means over samples.

        Example:
            >>> trainer.evaluate(test_loader)  # doctest: +SKIP
            {'loss': 0.31, 'accuracy': 0.91}
        """
        _check_reiterable(data, 1, "data")
        if self.device is not None:
            self.model.to(self.device)
        return self._measure(data, "data")

    def predict(self, data: Iterable[Any]) -> Any:
        """The model's outputs over ``data`` in eval mode without gradients, batches
        concatenated along the first axis (a Tensor, or the model's nest of them).
        ``data`` yields inputs, or ``(inputs, targets)`` pairs whose targets are ignored.

        Example:
            >>> logits = trainer.predict(ut.data.DataLoader(x_test, batch_size=256))  # doctest: +SKIP
        """
        import unitorch as ut

        _check_reiterable(data, 1, "data")
        if self.device is not None:
            self.model.to(self.device)
        was_training = self.model.training
        self.model.eval()
        outputs = []
        try:
            step = self._function("predict")
            for batch in data:
                x = batch[0] if isinstance(batch, (tuple, list)) and len(batch) == 2 else batch
                outputs.append(step(_map(x, self._tensor)))
        finally:
            self.model.train(was_training)
        if not outputs:
            raise ValueError("data yielded no batches")
        first = outputs[0]
        if isinstance(first, Tensor):
            return ut.concat(outputs, axis=0)
        if isinstance(first, dict):
            return type(first)((k, ut.concat([o[k] for o in outputs], axis=0)) for k in first)
        if isinstance(first, (list, tuple)):
            return type(first)(ut.concat(list(parts), axis=0) for parts in zip(*outputs))
        raise TypeError(f"predict: the model returned a {type(first).__name__}, not tensors")

    # -- state ----------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The whole training state, storable with :func:`unitorch.save`: model and
        optimizer state dicts, each callback's state (schedulers included), the epoch
        and step counts, the History and the random generators' state."""
        from ..random import get_state

        return {
            _CHECKPOINT_KEY: _CHECKPOINT_VERSION,
            "epoch": self.epoch,
            "global_step": self.global_step,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "callbacks": [{"type": type(cb).__qualname__, "state": cb.state_dict()}
                          for cb in self.callbacks],
            "history": self.history.state_dict(),
            "rng": get_state(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` (from any backend).  Callback states go to this
        trainer's callbacks of the same class, in order; a saved state without such a
        callback, or a stateful callback without a saved state, gives a warning.

        All or nothing: the whole checkpoint is checked first (its layout, the model's
        keys and shapes, the optimizer's type, groups and shapes, the History, the
        counters and the random state), callbacks (schedulers included: a scheduler
        refuses another scheduler's state) are restored next and put back as they were
        if one fails, and only then are the model, the optimizer and the rest written.
        So an exception leaves the trainer, its model and its optimizer unchanged."""
        from ..nn.module import _apply_load
        from ..random import _checked_state, set_state

        self._check_layout(state)
        model, optimizer = self.model, self.optimizer
        # 1. check everything that can be checked without changing anything
        model_plan = (model._load_plan(state["model"], strict=True)[0]
                      if _default_load(model) else None)
        opt_plan = (optimizer._check_loaded(state["optimizer"])
                    if callable(getattr(optimizer, "_check_loaded", None)) else None)
        History().load_state_dict(state["history"])  # a scratch History: it must load
        _checked_state(state["rng"])
        pairs, notes = self._match_callbacks(state["callbacks"])
        # 2. what can fail only while applying (user code), each with its undo
        undo: list[Callable[[], None]] = []
        try:
            for cb, saved in pairs:
                before = _copy_tree(cb.state_dict())
                cb.load_state_dict(saved)
                undo.append(lambda cb=cb, before=before: cb.load_state_dict(before))
            if model_plan is None:  # a model with its own load_state_dict
                before_model = {k: v.clone() for k, v in model.state_dict().items()}
                model.load_state_dict(state["model"])
                undo.append(lambda: model.load_state_dict(before_model))
            if opt_plan is None:  # an optimizer that is not a ut.optim one
                optimizer.load_state_dict(state["optimizer"])
        except BaseException:
            for step in reversed(undo):
                step()
            raise
        # 3. what was checked in step 1
        if model_plan is not None:
            _apply_load(model_plan)
        if opt_plan is not None:
            optimizer._apply_loaded(opt_plan)
        self.history.load_state_dict(state["history"])
        self.epoch = state["epoch"]
        self.global_step = state["global_step"]
        set_state(state["rng"])
        for note in notes:
            warnings.warn(note, RuntimeWarning, stacklevel=3)

    @staticmethod
    def _check_layout(state: Any) -> None:
        if not isinstance(state, Mapping) or state.get(_CHECKPOINT_KEY) != _CHECKPOINT_VERSION:
            raise ValueError("not a unitorch training checkpoint (ModelCheckpoint or "
                             "Trainer.save_checkpoint writes them); a weights-only file loads "
                             "with model.load_state_dict(ut.load(path))")
        missing = [k for k in ("epoch", "global_step", "model", "optimizer", "callbacks",
                               "history", "rng") if k not in state]
        if missing:
            raise ValueError(f"the training checkpoint lacks {missing}: it is damaged or was "
                             "not written by Trainer.state_dict()")
        for key in ("epoch", "global_step"):
            value = state[key]
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"the training checkpoint's {key!r} is {value!r}, not an "
                                 "integer >= 0")
        entries = state["callbacks"]
        if not isinstance(entries, (list, tuple)) or not all(
                isinstance(e, Mapping) and isinstance(e.get("type"), str) and "state" in e
                for e in entries):
            raise ValueError("the training checkpoint's 'callbacks' is not a list of "
                             "{'type': name, 'state': ...} entries")

    def _match_callbacks(self, entries: Sequence[Mapping[str, Any]]
                         ) -> tuple[list[tuple[Callback, Any]], list[str]]:
        """(callback, saved state) pairs, by class name in order, and the warnings."""
        saved: dict[str, list[Any]] = {}
        for entry in entries:
            saved.setdefault(entry["type"], []).append(entry["state"])
        pairs, notes = [], []
        for cb in self.callbacks:
            queue = saved.get(type(cb).__qualname__)
            if queue:
                pairs.append((cb, queue.pop(0)))
            elif cb.state_dict():
                notes.append(f"the checkpoint holds no state for the {type(cb).__name__} "
                             "callback; it starts afresh")
        left = [name for name, queue in saved.items() if any(queue)]
        if left:
            notes.append(f"the checkpoint holds state of callbacks this Trainer lacks "
                         f"({', '.join(left)}); it is ignored")
        return pairs, notes

    def save_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Write :meth:`state_dict` to ``path`` with :func:`unitorch.save` (atomic)."""
        from ..io import save

        save(self.state_dict(), path)

    def load_checkpoint(self, path: str | os.PathLike[str]) -> None:
        """Read a checkpoint written by :meth:`save_checkpoint` or ModelCheckpoint."""
        from ..io import load

        self.load_state_dict(load(path))


def fit(model: Module, loss_fn: Callable[[Any, Any], Tensor], optimizer: Any,
        train_data: Iterable[Any], epochs: int = 1, val_data: Iterable[Any] | None = None,
        metrics: Iterable[str | metrics_mod.Metric] = ("accuracy",),
        callbacks: Iterable[Callback] = (), scheduler: Any = None,
        compile: bool | Mapping[str, Any] | None = None,
        progress: bool | str | ProgressBar = True,
        log_dir: str | os.PathLike[str] | None = None,
        resume_from: str | os.PathLike[str] | None = None, device: Any = None) -> History:
    """Train ``model`` on ``train_data`` for ``epochs`` epochs and return the
    :class:`~unitorch.train.history.History`: ``history["loss"]``,
    ``history["val_accuracy"]``... per epoch and ``history.steps["loss"]`` per step.
    ``Trainer(model, loss_fn, optimizer, ...).fit(train_data, epochs, val_data,
    resume_from)``; see :class:`Trainer` for the arguments and the module for the design.

    Example:
        >>> loader = ut.data.DataLoader((x, y), batch_size=32, shuffle=True, seed=0)  # doctest: +SKIP
        >>> model = ut.nn.Sequential(ut.nn.Linear(4, 16), ut.nn.ReLU(), ut.nn.Linear(16, 3))  # doctest: +SKIP
        >>> opt = ut.optim.Adam(model.parameters(), lr=1e-2)  # doctest: +SKIP
        >>> history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=3)  # doctest: +SKIP
    """
    trainer = Trainer(model, loss_fn, optimizer, metrics=metrics, callbacks=callbacks,
                      scheduler=scheduler, compile=compile, progress=progress, log_dir=log_dir,
                      device=device)
    return trainer.fit(train_data, epochs=epochs, val_data=val_data, resume_from=resume_from)
