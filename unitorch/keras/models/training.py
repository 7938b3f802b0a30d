"""``compile``, ``fit``, ``evaluate``, ``predict`` and the ``*_on_batch`` methods of
Keras models, on unitorch's trainer (:class:`unitorch.train.Trainer`).

* ``compile(optimizer, loss, metrics)`` takes Keras's names (``"adam"``,
  ``"sparse_categorical_crossentropy"``, ``"accuracy"``...) or objects.
  ``metrics=["accuracy"]`` becomes binary, sparse categorical or categorical accuracy
  from the shapes of the first batch's targets and predictions, as in Keras.
* ``fit`` takes NumPy arrays or tensors (``x``, ``y``, ``batch_size`` default 32,
  shuffled each epoch from unitorch's portable random stream unless
  ``shuffle=False``; ``validation_split`` holds out the *last* fraction of the arrays
  before shuffling, as Keras does), a ``tf.data.Dataset`` (its batches converted to
  tensors of the active backend: it feeds the torch backend too), a
  ``ut.data.DataLoader``, a ``torch.utils.data.DataLoader``, or any re-iterable of
  ``(x, y)`` batches; ``validation_data`` likewise, or an ``(x_val, y_val)`` tuple;
  ``steps_per_epoch`` limits each epoch (continuing through the data).  It returns a
  ``keras.callbacks.History``.
* Each step is unitorch's trainer step (``model(x, training=True)``, the loss, its
  gradient, the optimizer, the metrics), compiled with ``tf.function`` on TensorFlow
  and eager on PyTorch (``compile(run_eagerly=True)`` runs eagerly everywhere;
  ``jit_compile=True`` asks TensorFlow for XLA).  The epoch's ``loss`` is the mean per
  sample over the epoch (Keras's rule); metrics accumulate over the epoch.
* ``verbose``: 1/``"auto"`` a progress bar, 2 one line per epoch, 0 silent.

Not supported (``NotImplementedError``): ``sample_weight``/``class_weight``, several
outputs with several losses, ``validation_freq`` other than 1.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from ...nn.module import Module
from ...tensor import Tensor
from .._core import as_tensor, flatten, map_structure, unsupported

__all__ = ["TrainingMixin"]


def _ut() -> Any:
    import unitorch

    return unitorch


def _framework_dataset(x: Any) -> bool:
    for cls in type(x).__mro__:
        if cls.__module__.partition(".")[0] in ("tensorflow", "torch"):
            return True
    return False


def _is_arrays(x: Any) -> bool:
    if isinstance(x, (np.ndarray, Tensor, list)):
        return True
    if isinstance(x, dict):
        return all(_is_arrays(v) for v in x.values())
    if isinstance(x, tuple):
        return all(_is_arrays(v) for v in x)
    from ...backends import backend_of_native

    try:
        return backend_of_native(x) is not None
    except Exception:
        return False


def _several(x: Any) -> bool:
    """A list or tuple of arrays (a model's several inputs), not one nested list."""
    return isinstance(x, (list, tuple)) and bool(x) and all(
        isinstance(v, (np.ndarray, Tensor)) or _native(v) for v in x)


def _native(x: Any) -> bool:
    from ...backends import backend_of_native

    try:
        return backend_of_native(x) is not None
    except Exception:
        return False


def _host(x: Any) -> Any:
    """Arrays as NumPy (tensors of any backend, native tensors, lists); a model's several
    inputs as a tuple (or dict) of them."""
    if isinstance(x, dict):
        return {k: _host(v) for k, v in x.items()}
    if _several(x):
        return tuple(_host(v) for v in x)
    if isinstance(x, Tensor):
        return x.numpy()
    if isinstance(x, np.ndarray):
        return x
    return np.asarray(x)


def _flat(x: Any) -> tuple[list[np.ndarray], Any]:
    """The arrays of ``x`` (one array, a tuple or a dict of them) and how to rebuild its
    structure from a batch of them."""
    if isinstance(x, dict):
        keys = list(x)
        return [x[k] for k in keys], lambda parts: dict(zip(keys, parts))
    if isinstance(x, tuple):
        return list(x), lambda parts: list(parts)
    return [x], lambda parts: parts[0]


def _num_samples(x: Any) -> int:
    return int(flatten(x)[0].shape[0])


def _take(x: Any, index: slice) -> Any:
    return map_structure(lambda a: a[index], x)


class _Batches:
    """A re-iterable of ``(x, y)`` batches of unitorch tensors over any source
    (``regroup``: how a source batch becomes ``(x, y)``)."""

    def __init__(self, source: Iterable[Any], steps: int | None = None,
                 length: int | None = None, regroup: Any = None) -> None:
        self.source, self.steps = source, steps
        self._iterator: Iterator[Any] | None = None
        self._length = length
        self._split = regroup or _split_batch

    def __len__(self) -> int:
        if self.steps is not None:
            return self.steps
        if self._length is not None:
            return self._length
        return len(self.source)  # type: ignore[arg-type]

    def set_epoch(self, epoch: int) -> None:
        set_epoch = getattr(self.source, "set_epoch", None)
        if callable(set_epoch) and self.steps is None:
            set_epoch(epoch)

    def __iter__(self) -> Iterator[Any]:
        if self.steps is None:
            for batch in self.source:
                yield self._split(batch)
            return
        for _ in range(self.steps):  # continue through the data, restarting at its end
            if self._iterator is None:
                self._iterator = iter(self.source)
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = iter(self.source)
                try:
                    batch = next(self._iterator)
                except StopIteration:
                    return
            yield self._split(batch)


def _split_batch(batch: Any) -> tuple[Any, Any]:
    if isinstance(batch, (tuple, list)):
        if len(batch) == 3 and batch[2] is not None:
            raise unsupported("sample weights in the data ((x, y, sample_weight) batches)")
        if len(batch) in (2, 3):
            return (map_structure(_tensorize, batch[0]), map_structure(_tensorize, batch[1]))
        if len(batch) == 1:
            return map_structure(_tensorize, batch[0]), None
    if isinstance(batch, dict):
        raise unsupported("dict batches", "yield (inputs, targets) pairs")
    return map_structure(_tensorize, batch), None


def _tensorize(x: Any) -> Any:
    if x is None or isinstance(x, (str, bytes)):
        return x
    return x if isinstance(x, Tensor) else as_tensor(x)


class _Adapter(Module):
    """What unitorch's trainer runs: the Keras model called with Keras's ``training``
    flag (the trainer's train/eval mode), without registering it as a child (so the
    state dict keys stay the model's own)."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        object.__setattr__(self, "keras_model", model)

    def forward(self, x: Any) -> Any:
        return self.keras_model(x, training=self.training)

    def parameters(self, recurse: bool = True) -> Any:
        return self.keras_model.parameters(recurse)

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Any:
        return self.keras_model.named_parameters(prefix, recurse)

    def state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return self.keras_model.state_dict(*args, **kwargs)

    def load_state_dict(self, *args: Any, **kwargs: Any) -> Any:
        return self.keras_model.load_state_dict(*args, **kwargs)

    def to(self, *args: Any, **kwargs: Any) -> Any:
        self.keras_model.to(*args, **kwargs)
        return self


def _trainer_callback() -> type:
    from ...train.callbacks import Callback as UtCallback

    class KerasCallbacks(UtCallback):
        """Runs Keras callbacks at the trainer's hooks; a Keras callback stops training
        through ``model.stop_training``."""

        priority = 0

        def __init__(self, callbacks: list[Any], model: Any) -> None:
            from ..callbacks import overrides

            self.keras_callbacks, self.keras_model = callbacks, model

            def wants(cb: Any, *names: str) -> bool:
                return overrides(cb, *names) or any(n in cb.__dict__ for n in names)

            self._batch_begin = [cb for cb in callbacks if wants(
                cb, "on_train_batch_begin", "on_batch_begin")]
            self._batch_end = [cb for cb in callbacks if wants(
                cb, "on_train_batch_end", "on_batch_end")]
            if not self._batch_begin:
                self.on_batch_begin = UtCallback.on_batch_begin.__get__(self)
            if not self._batch_end:
                self.on_batch_end = UtCallback.on_batch_end.__get__(self)

        def _check_stop(self) -> None:
            if self.keras_model.stop_training:
                self.trainer.stop_training = True

        def on_train_begin(self, logs: dict[str, Any]) -> None:
            for cb in self.keras_callbacks:
                cb.on_train_begin(logs)

        def on_train_end(self, logs: dict[str, Any]) -> None:
            for cb in self.keras_callbacks:
                cb.on_train_end(logs)

        def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
            for cb in self.keras_callbacks:
                cb.on_epoch_begin(epoch, logs)
            self._check_stop()

        def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
            logs.pop("lr", None)
            for cb in self.keras_callbacks:
                cb.on_epoch_end(epoch, logs)
            self.trainer.epoch = epoch + 1
            self._check_stop()

        def on_batch_begin(self, batch: int, logs: dict[str, Any]) -> None:
            for cb in self._batch_begin:
                cb.on_train_batch_begin(batch, {})

        def on_batch_end(self, batch: int, logs: Any) -> None:
            values = {k: logs[k] for k in logs}
            for cb in self._batch_end:
                cb.on_train_batch_end(batch, values)
            self._check_stop()

    return KerasCallbacks


# ---------------------------------------------------------------------------------------


class TrainingMixin:
    """``compile``/``fit``/``evaluate``/``predict`` for Keras models (see the module)."""

    def _reset_compile(self) -> None:
        d = self.__dict__
        d["compiled"] = False
        d["optimizer"] = None
        d["loss"] = None
        d["_loss_object"] = None
        d["_metric_specs"] = []
        d["_compiled_metric_objects"] = None
        d["_trainer"] = None
        d["_run_eagerly"] = False
        d["_jit_compile"] = False

    def compile(self, optimizer: Any = "rmsprop", loss: Any = None, loss_weights: Any = None,
                metrics: Any = None, weighted_metrics: Any = None, run_eagerly: bool = False,
                steps_per_execution: int = 1, jit_compile: Any = "auto",
                auto_scale_loss: bool = True) -> None:
        """Configure training: the optimizer, the loss and the metrics (names or objects;
        see the module).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3)])
            >>> model.compile(optimizer="adam",
            ...               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            ...               metrics=["accuracy"])
        """
        from .. import losses as L
        from .. import optimizers as O

        if loss_weights is not None or weighted_metrics:
            raise unsupported("compile(loss_weights=..., weighted_metrics=...)")
        if isinstance(loss, (list, dict)):
            raise unsupported("several losses (one per output)",
                              "return one output, or compute the losses in a custom "
                              "training step")
        if steps_per_execution != 1:
            raise unsupported("compile(steps_per_execution=...)")
        self._reset_compile()
        d = self.__dict__
        d["optimizer"] = O.get(optimizer)
        d["loss"] = loss
        d["_loss_object"] = L.as_loss(loss) if loss is not None else None
        if metrics is None:
            specs: list[Any] = []
        elif isinstance(metrics, dict):
            raise unsupported("metrics per output (a dict)")
        elif isinstance(metrics, (list, tuple)):
            specs = list(metrics)
        else:
            specs = [metrics]
        d["_metric_specs"] = specs
        d["_run_eagerly"] = bool(run_eagerly)
        d["_jit_compile"] = jit_compile is True
        d["compiled"] = True

    @property
    def metrics_names(self) -> list[str]:
        """``"loss"`` then the compiled metrics' names (once resolved by a first batch).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.layers.Dense(1)])
            >>> model.compile(loss="mse")
            >>> model.metrics_names
            ['loss']
        """
        return ["loss", *[m.name for m in self._compiled_metric_objects or []]]

    @property
    def metrics(self) -> list[Any]:
        """The compiled metric objects (after the first batch resolved them).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.layers.Dense(1)])
            >>> model.compile(loss="mse", metrics=["mae"])
            >>> model.metrics
            []
        """
        return list(self._compiled_metric_objects or [])

    # -- data ---------------------------------------------------------------------------------

    def _resolve_metrics(self, y: Any, y_pred: Any) -> None:
        if self._compiled_metric_objects is not None:
            return
        from .. import metrics as M

        out = []
        for spec in self._metric_specs:
            if isinstance(spec, str) and spec.lower() in ("accuracy", "acc"):
                yt = flatten(y)[0]
                yp = flatten(y_pred)[0]
                binary = yp.shape[-1] == 1
                sparse = yt.ndim < yp.ndim or (yt.shape[-1] == 1 and yp.shape[-1] > 1)
                cls = (M.BinaryAccuracy if binary else M.SparseCategoricalAccuracy if sparse
                       else M.CategoricalAccuracy)
                out.append(cls(name=spec))
            elif isinstance(spec, str):
                out.append(M.as_metric(spec, name=spec))
            else:
                out.append(M.as_metric(spec))
        names = [m.name for m in out]
        if len(set(names)) != len(names):
            raise ValueError(f"metric names must be unique, got {names}")
        self.__dict__["_compiled_metric_objects"] = out

    def _data(self, x: Any, y: Any, batch_size: int | None, shuffle: bool,
              steps: int | None, what: str) -> _Batches:
        from ...data import DataLoader

        if x is None:
            raise ValueError(f"{what}: no data (x is None)")
        if _is_arrays(x) and (not isinstance(x, tuple) or _several(x)):
            if y is None and what != "predict":
                raise ValueError(f"{what}: targets y are needed with array inputs")
            x_parts, x_build = _flat(_host(x))
            y_parts, y_build = _flat(_host(y)) if y is not None else ([], None)
            loader = DataLoader(tuple(x_parts + y_parts), batch_size=batch_size or 32,
                                shuffle=shuffle)
            n = len(x_parts)

            def regroup(batch: Any) -> tuple[Any, Any]:
                batch = list(batch) if isinstance(batch, (tuple, list)) else [batch]
                return (x_build(batch[:n]), y_build(batch[n:]) if y_build else None)

            return _Batches(loader, steps, regroup=regroup)
        if y is not None:
            raise ValueError(f"{what}: y must not be given with a dataset (it yields "
                             "(x, y) batches)")
        if batch_size is not None and not isinstance(x, DataLoader):
            raise ValueError(f"{what}: batch_size must not be given with a dataset (it "
                             "batches itself)")
        if isinstance(x, DataLoader):
            return _Batches(x, steps)
        if _framework_dataset(x):
            return _Batches(DataLoader(x), steps)
        if isinstance(x, Iterator) and steps is None:
            raise ValueError(f"{what}: a one-shot iterator (a generator) needs "
                             "steps_per_epoch / steps")
        return _Batches(x, steps)

    def _build_for(self, batches: _Batches) -> None:
        """Build the model (eagerly, in inference mode, on the first batch), resolve the
        metrics and build the optimizer, before any compiled step runs."""
        from ...autograd import no_grad

        x, y = next(iter(_Batches(batches.source, regroup=batches._split)))
        with no_grad():
            y_pred = self(map_structure(lambda t: t[:2] if isinstance(t, Tensor) else t, x),
                          training=False)
        if y is not None:
            self._resolve_metrics(map_structure(lambda t: t[:2], y), y_pred)
        if self.optimizer is not None and not self.optimizer.built:
            self.optimizer.build(self.trainable_variables)

    def _assert_compiled(self) -> None:
        if not self.compiled:
            raise ValueError("You must call `compile()` before using the model.")

    def _get_trainer(self) -> Any:
        from ...train import Trainer

        self._assert_compiled()
        if self._trainer is not None:
            return self._trainer
        loss_object = self._loss_object
        if loss_object is None:
            raise ValueError("No loss to compute. Provide a `loss` argument in `compile()`.")

        def loss_fn(y_pred: Any, y_true: Any) -> Tensor:
            return loss_object(y_true, y_pred)

        if self._run_eagerly:
            compile_option: Any = False
        elif self._jit_compile:
            compile_option = {"tensorflow": {"jit_compile": True}}
        else:
            compile_option = None
        trainer = Trainer(_Adapter(self), loss_fn, self.optimizer,
                          metrics=list(self._compiled_metric_objects or []),
                          compile=compile_option, progress=False)
        self.__dict__["_trainer"] = trainer
        return trainer

    # -- fit ----------------------------------------------------------------------------------

    def fit(self, x: Any = None, y: Any = None, batch_size: int | None = None, epochs: int = 1,
            verbose: Any = "auto", callbacks: list[Any] | None = None,
            validation_split: float = 0.0, validation_data: Any = None, shuffle: bool = True,
            class_weight: Any = None, sample_weight: Any = None, initial_epoch: int = 0,
            steps_per_epoch: int | None = None, validation_steps: int | None = None,
            validation_batch_size: int | None = None, validation_freq: int = 1) -> Any:
        """Train for ``epochs`` epochs (see the module); returns a History.

        Example:
            >>> import unitorch.keras as keras
            >>> x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
            >>> y = (x[:, 0] > 0).astype("int64")
            >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
            >>> model.compile(optimizer="adam",
            ...               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            ...               metrics=["accuracy"])
            >>> history = model.fit(x, y, batch_size=16, epochs=2, verbose=0,
            ...                     validation_split=0.25)
            >>> sorted(history.history)
            ['accuracy', 'loss', 'val_accuracy', 'val_loss']
        """
        from ...train.progress import ProgressBar
        from ..callbacks import CallbackList, History

        self._assert_compiled()
        if class_weight is not None or sample_weight is not None:
            raise unsupported("fit(class_weight=..., sample_weight=...)",
                              "weight the loss in a custom training step")
        if validation_freq != 1:
            raise unsupported("fit(validation_freq=...) other than 1")
        if validation_split and not _is_arrays(x):
            raise ValueError("`validation_split` is only supported for Tensors or NumPy "
                             "arrays.")
        if validation_split and validation_data is not None:
            validation_split = 0.0  # Keras: validation_data takes precedence
        if validation_split:
            xs, ys = _host(x), _host(y)
            n = _num_samples(xs)
            split = math.floor(n * (1.0 - validation_split))
            if split == 0 or split == n:
                raise ValueError(f"Training data contains {n} samples, which is not "
                                 f"sufficient to split it into a validation and training set "
                                 f"as specified by `validation_split={validation_split}`.")
            validation_data = (_take(xs, slice(split, None)), _take(ys, slice(split, None)))
            x, y = _take(xs, slice(None, split)), _take(ys, slice(None, split))
        train = self._data(x, y, batch_size, shuffle, steps_per_epoch, "fit")
        val = None
        if validation_data is not None:
            if isinstance(validation_data, tuple) and len(validation_data) in (2, 3):
                if len(validation_data) == 3 and validation_data[2] is not None:
                    raise unsupported("validation sample weights")
                val = self._data(validation_data[0], validation_data[1],
                                 validation_batch_size or batch_size, False, validation_steps,
                                 "validation_data")
            else:
                val = self._data(validation_data, None, None, False, validation_steps,
                                 "validation_data")
        self._build_for(train)
        trainer = self._get_trainer()
        history = History()
        cbs = list(callbacks or [])
        keras_list = [*cbs, history]
        try:
            steps = len(train)
        except TypeError:
            steps = None
        mode = 1 if verbose == "auto" else int(verbose)
        CallbackList(keras_list, model=self, epochs=epochs, steps=steps, verbose=mode)
        adapter = _trainer_callback()(keras_list, self)
        progress = {0: False, 1: ProgressBar(mode="bar"), 2: ProgressBar(mode="lines")}.get(
            mode, ProgressBar(mode="lines"))
        ut_callbacks: list[Any] = [adapter]
        if progress is not False:
            ut_callbacks.append(progress)
        from ...train.callbacks import CallbackList as UtCallbackList

        trainer.callbacks = UtCallbackList(ut_callbacks, trainer)
        trainer.epoch = int(initial_epoch)
        self.stop_training = False
        from ...train.history import History as UtHistory

        trainer.history = UtHistory()
        trainer.fit(train, epochs=epochs, val_data=val)
        history.set_model(self)
        history.params = {"epochs": epochs, "steps": steps, "verbose": mode}
        history.step_losses = list(trainer.history.steps.get("loss", []))
        self.__dict__["history"] = history
        return history

    # -- evaluate / predict ----------------------------------------------------------------------

    def evaluate(self, x: Any = None, y: Any = None, batch_size: int | None = None,
                 verbose: Any = "auto", sample_weight: Any = None, steps: int | None = None,
                 callbacks: Any = None, return_dict: bool = False, **kwargs: Any) -> Any:
        """The loss and metrics over the data, in inference mode: ``[loss, *metrics]``
        (the loss alone without metrics), or a dict with ``return_dict=True``.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
            >>> model.compile(loss="mse")
            >>> round(model.evaluate(np.zeros((4, 2)), np.zeros((4, 1)), verbose=0), 6)
            0.0
        """
        self._assert_compiled()
        if sample_weight is not None:
            raise unsupported("evaluate(sample_weight=...)")
        data = self._data(x, y, batch_size, False, steps, "evaluate")
        self._build_for(data)
        logs = self._get_trainer().evaluate(data)
        if return_dict:
            return logs
        values = [logs["loss"], *[logs[m.name] for m in self._compiled_metric_objects or []]]
        return values[0] if len(values) == 1 else values

    def predict(self, x: Any, batch_size: int | None = None, verbose: Any = "auto",
                steps: int | None = None, callbacks: Any = None) -> Any:
        """The model's outputs for ``x`` in inference mode, batch by batch (default 32),
        as NumPy arrays.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3)])
            >>> model.predict(np.zeros((5, 2)), verbose=0).shape
            (5, 3)
        """
        from ...autograd import no_grad

        data = self._data(x, None, batch_size, False, steps, "predict")
        outputs = []
        with no_grad():
            for xb, _ in data:
                outputs.append(self(xb, training=False))
        if not outputs:
            raise ValueError("predict: the data yielded no batches")
        ut = _ut()
        first = outputs[0]
        if isinstance(first, Tensor):
            return ut.concat(outputs, axis=0).numpy()
        if isinstance(first, dict):
            return {k: ut.concat([o[k] for o in outputs], axis=0).numpy() for k in first}
        return [ut.concat(list(parts), axis=0).numpy() for parts in zip(*outputs)]

    def train_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                       class_weight: Any = None, return_dict: bool = False) -> Any:
        """One training step on one batch; returns the loss (and metrics over this
        batch) as :meth:`evaluate` does.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
            >>> model.compile(optimizer="sgd", loss="mse")
            >>> isinstance(model.train_on_batch(np.ones((4, 2)), np.ones((4, 1))), float)
            True
        """
        if sample_weight is not None or class_weight is not None:
            raise unsupported("train_on_batch(sample_weight=..., class_weight=...)")
        from ...train.callbacks import CallbackList as UtCallbackList
        from ...train.history import History as UtHistory

        data = _Batches([(x, y)], length=1)
        self._build_for(data)
        trainer = self._get_trainer()
        from ...train.callbacks import Callback as UtCallback

        found: dict[str, Any] = {}

        class LastLogs(UtCallback):
            def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
                found.update(logs)

        trainer.callbacks = UtCallbackList([LastLogs()], trainer)
        trainer.history = UtHistory()
        trainer.epoch = 0
        trainer.fit(data, epochs=1)
        names = ["loss", *[m.name for m in self._compiled_metric_objects or []]]
        logs = {n: found[n] for n in names}
        if return_dict:
            return logs
        out = [logs[n] for n in names]
        return out[0] if len(out) == 1 else out

    def test_on_batch(self, x: Any, y: Any = None, sample_weight: Any = None,
                      return_dict: bool = False) -> Any:
        """The loss (and metrics) on one batch, in inference mode.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)])
            >>> model.compile(loss="mse")
            >>> model.test_on_batch(np.zeros((4, 2)), np.zeros((4, 1)))
            0.0
        """
        return self.evaluate(_Batches([(x, y)], length=1), return_dict=return_dict,
                             verbose=0, sample_weight=sample_weight)

    def predict_on_batch(self, x: Any) -> Any:
        """The model's outputs for one batch, as NumPy.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(3)])
            >>> model.predict_on_batch(np.zeros((5, 2))).shape
            (5, 3)
        """
        from ...autograd import no_grad

        with no_grad():
            out = self(x, training=False)
        return map_structure(lambda t: t.numpy(), out)

