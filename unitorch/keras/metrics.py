"""``keras.metrics``: Keras 3's metrics, on unitorch's metric core
(:class:`unitorch.train.metrics.Metric`).

Each metric has Keras's stateful API, with Keras's argument order ``(y_true,
y_pred)``:

* ``update_state(y_true, y_pred, sample_weight=None)`` (``update_state(values,
  sample_weight=None)`` for :class:`Mean` and :class:`Sum`) adds a batch;
* ``result()`` returns the value as a 0-d float32 tensor; ``reset_state()`` forgets;
* calling the metric updates it and returns the result.

The state lives in backend variables (float64 totals and counts), updated in place, so
a metric updates inside a compiled function (``tf.function``, ``ut.compile``) on every
backend and is read outside it.  The same metrics plug into ``ut.fit``/``Trainer``
(and ``model.fit``) through unitorch's functional metric core
(``initial_state``/``accumulate``/``compute``), which threads the state through the
compiled training step.

The values are Keras's formulas: ``Accuracy`` counts exact matches of ``y_pred`` and
``y_true`` (class ids against class ids: nothing is thresholded or arg-maxed);
``SparseCategoricalAccuracy`` compares the ``argmax`` of scores with integer labels;
``CategoricalAccuracy`` the ``argmax`` of both; ``BinaryAccuracy`` thresholds scores at
``threshold`` (0.5); the mean metrics average per-sample values (the mean over the
last axis of each sample's errors), weighted by ``sample_weight``.  Accumulating in
float64 (Keras uses float32) makes the result the exact ratio; it can differ from
Keras's in the last float32 digit.

Example:
    >>> import unitorch.keras as keras
    >>> m = keras.metrics.SparseCategoricalAccuracy()
    >>> m.update_state([1, 0], [[0.1, 0.9], [0.2, 0.8]])
    >>> m.result()
    tensor(0.5, dtype=float32)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import dtypes as dt
from ..tensor import Tensor
from ..train import metrics as core
from . import losses as L
from ._core import as_tensor, assign, bind_arguments, missing, snake_case, to_dtype

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper", "Accuracy", "BinaryAccuracy",
    "CategoricalAccuracy", "SparseCategoricalAccuracy", "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy", "MeanSquaredError", "MeanAbsoluteError",
    "RootMeanSquaredError", "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy",
    "Precision", "Recall", "accuracy", "binary_accuracy", "categorical_accuracy",
    "sparse_categorical_accuracy", "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy", "get", "serialize", "deserialize",
]


def _ut() -> Any:
    import unitorch

    return unitorch


# ---------------------------------------------------------------------------------------
# per-sample functions (Keras's formulas)


def accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where ``y_true == y_pred`` (after aligning ranks), else 0.0: exact matches,
    e.g. of predicted and true class ids.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.accuracy(ut.tensor([1, 2]), ut.tensor([1, 0]))
        tensor([1., 0.], dtype=float32)
    """
    ut = _ut()
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    y_true, y_pred = L.squeeze_or_expand_to_same_rank(y_true, y_pred)
    return ut.astype(y_true == y_pred, dt.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> Tensor:
    """1.0 where ``(y_pred > threshold)`` equals ``y_true``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.binary_accuracy(ut.tensor([[1.0], [0.0]]), ut.tensor([[0.7], [0.6]]))
        tensor([1., 0.], dtype=float32)
    """
    ut = _ut()
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    y_true, y_pred = L.squeeze_or_expand_to_same_rank(y_true, y_pred)
    predicted = ut.astype(y_pred > threshold, y_true.dtype)
    out = ut.astype(y_true == predicted, dt.float32)
    return ut.mean(out, axis=-1) if out.ndim > 1 else out


def categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the ``argmax`` of ``y_pred`` equals the ``argmax`` of one-hot
    ``y_true``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.categorical_accuracy(ut.tensor([[0.0, 1.0]]), ut.tensor([[0.2, 0.8]]))
        tensor([1.], dtype=float32)
    """
    ut = _ut()
    y_pred = as_tensor(y_pred)
    labels = ut.argmax(as_tensor(y_true), axis=-1)
    return ut.astype(labels == ut.argmax(y_pred, axis=-1), dt.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> Tensor:
    """1.0 where the ``argmax`` of scores ``(..., C)`` equals the integer label
    (``(...)`` or ``(..., 1)``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.sparse_categorical_accuracy(ut.tensor([1, 0]),
        ...                                           ut.tensor([[0.1, 0.9], [0.2, 0.8]]))
        tensor([1., 0.], dtype=float32)
    """
    ut = _ut()
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, y_pred.dtype)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ut.squeeze(y_true, axis=-1)
    predicted = ut.astype(ut.argmax(y_pred, axis=-1), y_true.dtype)
    matches = ut.astype(y_true == predicted, dt.float32)
    if matches.ndim > 1 and matches.shape[-1] == 1:
        matches = ut.squeeze(matches, axis=-1)
    return matches


def _in_top_k(labels: Tensor, scores: Tensor, k: int) -> Tensor:
    """Whether each label's score is among the ``k`` highest (ties count in)."""
    ut = _ut()
    labels = ut.astype(labels, dt.int64)
    target = ut.take_along_axis(scores, ut.expand_dims(labels, axis=-1), axis=-1)
    above = ut.sum(ut.astype(scores > target, dt.int64), axis=-1)
    return above < k


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Tensor:
    """1.0 where the class of one-hot ``y_true`` is among the ``k`` highest scores.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.top_k_categorical_accuracy(
        ...     ut.tensor([[0.0, 0.0, 1.0]]), ut.tensor([[0.5, 0.3, 0.2]]), k=2)
        tensor([0.], dtype=float32)
    """
    ut = _ut()
    y_pred = as_tensor(y_pred)
    labels = ut.argmax(as_tensor(y_true), axis=-1)
    return ut.astype(_in_top_k(labels, y_pred, k), dt.float32)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> Tensor:
    """1.0 where the integer label is among the ``k`` highest scores.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.sparse_top_k_categorical_accuracy(
        ...     ut.tensor([1]), ut.tensor([[0.5, 0.3, 0.2]]), k=2)
        tensor([1.], dtype=float32)
    """
    ut = _ut()
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ut.squeeze(y_true, axis=-1)
    return ut.astype(_in_top_k(y_true, y_pred, k), dt.float32)


# ---------------------------------------------------------------------------------------
# the metric base: a ut.metrics core plus Keras's stateful API on backend variables


class Metric(core.Metric):
    """Base class of Keras metrics: subclasses define :meth:`totals` (what one batch
    adds to the float64 ``(total, count)`` state) and may override :meth:`value` (the
    result from the state).  The state variables are unitorch's metric state
    (:class:`unitorch.train.metrics.Metric`): made at the first update on each backend,
    also inside a compiled function, and updated in place.

    Example:
        >>> import unitorch.keras as keras
        >>> class CountPositives(keras.metrics.Metric):
        ...     def totals(self, y_true, y_pred, sample_weight):
        ...         return ut.sum(ut.astype(y_pred > 0, ut.float64)), 1.0
        ...     def value(self, state):
        ...         return state[0]
        >>> m = CountPositives(name="positives")
        >>> m.update_state(None, ut.tensor([1.0, -1.0, 2.0]))
        >>> m.result()
        tensor(2., dtype=float32)
    """

    _direction = "up"

    def __init__(self, name: str | None = None, dtype: Any = None) -> None:
        super().__init__(name or snake_case(type(self).__name__))
        self._dtype = to_dtype(dtype)

    @property
    def dtype(self) -> str:
        """The result's dtype (``"float32"``)."""
        return self._dtype.name

    # -- Keras's hooks --------------------------------------------------------------------

    def totals(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[Any, ...]:
        """What one batch adds to each state entry (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must define totals()")

    def value(self, state: tuple[Tensor, ...]) -> Tensor:
        """The result from the state: ``total / count`` (0 when the count is 0)."""
        ut = _ut()
        total, count = state
        return ut.where(count == 0, ut.zeros_like(total),
                        total / ut.where(count == 0, ut.ones_like(count), count))

    # -- unitorch's functional core (what ut.fit and model.fit thread through steps) ------

    def accumulate(self, state: tuple[Tensor, ...], y_pred: Any, y_true: Any,
                   loss: Tensor | None = None) -> tuple[Tensor, ...]:
        return _add(state, self.totals(y_true, y_pred, None))

    def compute(self, state: tuple[Tensor, ...]) -> Tensor:
        return self.value(state)

    # -- the stateful API -------------------------------------------------------------------

    def _assign_totals(self, like: Any, totals: tuple[Any, ...]) -> None:
        state = self._variables(like if isinstance(like, Tensor) else None)
        for var, new in zip(state, _add(state, totals)):
            assign(var, new)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        """Add one batch (also inside a compiled function).

        Example:
            >>> import unitorch.keras as keras
            >>> m = keras.metrics.MeanAbsoluteError()
            >>> m.update_state([[1.0], [2.0]], [[1.5], [2.0]])
            >>> m.result()
            tensor(0.25, dtype=float32)
        """
        self._assign_totals(y_pred, self.totals(y_true, y_pred, sample_weight))

    def result(self) -> Tensor:  # type: ignore[override]
        """The value over every batch since the last reset (0-d, float32).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.metrics.Mean().result()
            tensor(0., dtype=float32)
        """
        ut = _ut()
        state = self._state if self._state is not None else self._variables(None)
        return ut.astype(self.value(state), self._dtype)

    def reset_state(self) -> None:
        """Forget every batch (the state goes back to zeros, in place).

        Example:
            >>> import unitorch.keras as keras
            >>> m = keras.metrics.Mean()
            >>> m.update_state(3.0)
            >>> m.reset_state()
            >>> m.result()
            tensor(0., dtype=float32)
        """
        self.reset()

    reset_states = reset_state

    def __call__(self, *args: Any, **kwargs: Any) -> Tensor:
        self.update_state(*args, **kwargs)
        return self.result()

    # the stateful API of ut.metrics, on the same variables
    def update(self, y_pred: Any = None, y_true: Any = None, *, loss: Any = None) -> None:
        self.update_state(y_true, y_pred)

    @property
    def variables(self) -> list[Tensor]:
        """The state variables (of the active backend).

        Example:
            >>> import unitorch.keras as keras
            >>> len(keras.metrics.Mean().variables)
            2
        """
        return list(self._variables(None))

    def get_config(self) -> dict[str, Any]:
        """``name`` and ``dtype`` (and each subclass's arguments)."""
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Metric:
        """A metric from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _add(state: tuple[Tensor, ...], totals: tuple[Any, ...]) -> tuple[Tensor, ...]:
    ut = _ut()
    out = []
    for s, t in zip(state, totals):
        if isinstance(t, Tensor) and t.dtype is not dt.float64:
            t = ut.astype(t, dt.float64)
        out.append(s + t)
    return tuple(out)


def _samplewise(values: Tensor, sample_weight: Any, reduce: str) -> tuple[Any, Any]:
    """Keras's ``reduce_to_samplewise_values`` then ``Mean``'s totals: ``(sum of
    weighted per-sample values, number of samples or sum of weights)``."""
    ut = _ut()
    values = ut.astype(values, dt.float64)
    fn = ut.mean if reduce == "mean" else ut.sum
    if sample_weight is not None:
        w = ut.astype(as_tensor(sample_weight), dt.float64)
        values, w = L.squeeze_or_expand_to_same_rank(values, w)
        if values.ndim > w.ndim:
            values = fn(values, axis=tuple(range(w.ndim, values.ndim)))
        w = ut.broadcast_to(w, values.shape)
        values = values * w
        if w.ndim > 1:
            w = fn(w, axis=tuple(range(1, w.ndim)))
    if values.ndim > 1:
        values = fn(values, axis=tuple(range(1, values.ndim)))
    total = ut.sum(values)
    if sample_weight is not None:
        return total, ut.sum(w)
    if values.ndim >= 1:
        n = values.shape[0]
        return total, float(n) if n is not None else ut.sum(ut.ones_like(values))
    return total, 1.0


class Mean(Metric):
    """The (weighted) mean of the values given: ``update_state(values,
    sample_weight=None)``; each sample's values are first averaged.

    Example:
        >>> import unitorch.keras as keras
        >>> m = keras.metrics.Mean()
        >>> m.update_state([1.0, 3.0])
        >>> m.update_state(5.0)
        >>> m.result()
        tensor(3., dtype=float32)
    """

    _direction = "down"

    def __init__(self, name: str = "mean", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values = as_tensor(values)
        self._assign_totals(values, _samplewise(values, sample_weight, "mean"))

    def accumulate(self, state: tuple[Tensor, ...], y_pred: Any, y_true: Any,
                   loss: Tensor | None = None) -> tuple[Tensor, ...]:
        return _add(state, _samplewise(as_tensor(loss if loss is not None else y_pred), None,
                                       "mean"))

    def update(self, y_pred: Any = None, y_true: Any = None, *, loss: Any = None) -> None:
        self.update_state(loss if loss is not None else y_pred)


class Sum(Metric):
    """The (weighted) sum of the values given: ``update_state(values,
    sample_weight=None)``.

    Example:
        >>> import unitorch.keras as keras
        >>> m = keras.metrics.Sum()
        >>> m.update_state([1.0, 3.0])
        >>> m.result()
        tensor(4., dtype=float32)
    """

    def __init__(self, name: str = "sum", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        values = as_tensor(values)
        self._assign_totals(values, _samplewise(values, sample_weight, "sum"))

    def accumulate(self, state, y_pred, y_true, loss=None):
        return _add(state, _samplewise(as_tensor(loss if loss is not None else y_pred), None,
                                       "sum"))

    def value(self, state: tuple[Tensor, ...]) -> Tensor:
        return state[0]


class MeanMetricWrapper(Metric):
    """The mean over samples of ``fn(y_true, y_pred, **kwargs)`` (per-sample values).

    Example:
        >>> import unitorch.keras as keras
        >>> m = keras.metrics.MeanMetricWrapper(keras.losses.mean_squared_error, name="mse")
        >>> m.update_state([[0.0], [2.0]], [[1.0], [1.0]])
        >>> m.result()
        tensor(1., dtype=float32)
    """

    def __init__(self, fn: Callable[..., Tensor], name: str | None = None, dtype: Any = None,
                 **kwargs: Any) -> None:
        super().__init__(name or getattr(fn, "__name__", None), dtype)
        self._fn, self._fn_kwargs = fn, kwargs
        if getattr(fn, "__module__", "") == L.__name__ or isinstance(fn, L.Loss):
            self._direction = "down"

    def totals(self, y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[Any, ...]:
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        return _samplewise(values, sample_weight, "mean")

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}


def _wrapped(fn: Callable[..., Tensor], default: str, direction: str, doc: str,
             params: tuple[tuple[str, Any], ...] = ()) -> type[MeanMetricWrapper]:
    def __init__(self: Any, *args: Any, name: str = default, dtype: Any = None,
                 **kwargs: Any) -> None:
        if args and isinstance(args[0], str) and "name" not in kwargs and not params:
            name, args = args[0], args[1:]
        values = bind_arguments(self, params, args, kwargs)
        MeanMetricWrapper.__init__(self, fn, name=name, dtype=dtype, **values)
        self._direction = direction
        for key, value in values.items():
            setattr(self, key, value)

    return type("MeanMetric", (MeanMetricWrapper,), {"__init__": __init__, "__doc__": doc,
                                                     "_direction": direction})


Accuracy = _wrapped(accuracy, "accuracy", "up", """The fraction of exact matches between
    ``y_pred`` and ``y_true`` (class ids against class ids; see :func:`accuracy`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.Accuracy()([1, 2, 3], [1, 2, 0])
        tensor(0.6666667, dtype=float32)
    """)
BinaryAccuracy = _wrapped(binary_accuracy, "binary_accuracy", "up", """The fraction of
    thresholded scores (``> threshold``, default 0.5) matching binary labels.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.BinaryAccuracy()([[1.0], [0.0]], [[0.7], [0.6]])
        tensor(0.5, dtype=float32)
    """, (("threshold", 0.5),))
CategoricalAccuracy = _wrapped(categorical_accuracy, "categorical_accuracy", "up", """The
    fraction of samples whose highest score is the class of the one-hot label.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.CategoricalAccuracy()([[0.0, 1.0]], [[0.2, 0.8]])
        tensor(1., dtype=float32)
    """)
SparseCategoricalAccuracy = _wrapped(
    sparse_categorical_accuracy, "sparse_categorical_accuracy", "up", """The fraction of
    samples whose highest score is the integer label.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.SparseCategoricalAccuracy()([1, 0], [[0.1, 0.9], [0.2, 0.8]])
        tensor(0.5, dtype=float32)
    """)
TopKCategoricalAccuracy = _wrapped(
    top_k_categorical_accuracy, "top_k_categorical_accuracy", "up", """The fraction of
    samples whose one-hot class is among the ``k`` (default 5) highest scores.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.TopKCategoricalAccuracy(k=1)([[0.0, 1.0]], [[0.2, 0.8]])
        tensor(1., dtype=float32)
    """, (("k", 5),))
SparseTopKCategoricalAccuracy = _wrapped(
    sparse_top_k_categorical_accuracy, "sparse_top_k_categorical_accuracy", "up", """The
    fraction of samples whose integer label is among the ``k`` (default 5) highest scores.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.SparseTopKCategoricalAccuracy(k=1)([1], [[0.2, 0.8]])
        tensor(1., dtype=float32)
    """, (("k", 5),))
MeanSquaredError = _wrapped(L.mean_squared_error, "mean_squared_error", "down", """The
    mean of squared errors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.MeanSquaredError()([[0.0], [2.0]], [[1.0], [1.0]])
        tensor(1., dtype=float32)
    """)
MeanAbsoluteError = _wrapped(L.mean_absolute_error, "mean_absolute_error", "down", """The
    mean of absolute errors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.MeanAbsoluteError()([[0.0], [2.0]], [[1.0], [1.0]])
        tensor(1., dtype=float32)
    """)
MeanAbsolutePercentageError = _wrapped(
    L.mean_absolute_percentage_error, "mean_absolute_percentage_error", "down", """The
    mean absolute percentage error.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.MeanAbsolutePercentageError()([[2.0]], [[1.0]])
        tensor(50., dtype=float32)
    """)
MeanSquaredLogarithmicError = _wrapped(
    L.mean_squared_logarithmic_error, "mean_squared_logarithmic_error", "down", """The
    mean squared logarithmic error.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.MeanSquaredLogarithmicError()([[1.0]], [[1.0]])
        tensor(0., dtype=float32)
    """)
BinaryCrossentropy = _wrapped(L.binary_crossentropy, "binary_crossentropy", "down", """The
    mean binary cross-entropy (``from_logits``, ``label_smoothing`` as the loss).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.BinaryCrossentropy(from_logits=True)([[1.0]], [[0.0]])
        tensor(0.6931472, dtype=float32)
    """, (("from_logits", False), ("label_smoothing", 0.0)))
CategoricalCrossentropy = _wrapped(
    L.categorical_crossentropy, "categorical_crossentropy", "down", """The mean
    categorical cross-entropy.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.CategoricalCrossentropy()([[0.0, 1.0]], [[0.5, 0.5]])
        tensor(0.6931472, dtype=float32)
    """, (("from_logits", False), ("label_smoothing", 0.0)))
SparseCategoricalCrossentropy = _wrapped(
    L.sparse_categorical_crossentropy, "sparse_categorical_crossentropy", "down", """The
    mean sparse categorical cross-entropy.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.SparseCategoricalCrossentropy()([1], [[0.5, 0.5]])
        tensor(0.6931472, dtype=float32)
    """, (("from_logits", False),))


class RootMeanSquaredError(Metric):
    """The square root of the mean squared error.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.RootMeanSquaredError()([[0.0], [2.0]], [[2.0], [0.0]])
        tensor(2., dtype=float32)
    """

    _direction = "down"

    def __init__(self, name: str = "root_mean_squared_error", dtype: Any = None) -> None:
        super().__init__(name, dtype)

    def totals(self, y_true, y_pred, sample_weight):
        y_pred = as_tensor(y_pred, dt.float32)
        y_true = as_tensor(y_true, dt.float32)
        y_true, y_pred = L.squeeze_or_expand_to_same_rank(y_true, y_pred)
        d = y_pred - y_true
        return _samplewise(d * d, sample_weight, "mean")

    def value(self, state):
        return _ut().sqrt(super().value(state))


class _Confusion(Metric):
    _direction = "up"

    def __init__(self, thresholds: Any = None, top_k: int | None = None,
                 class_id: int | None = None, name: str | None = None, dtype: Any = None
                 ) -> None:
        if thresholds is not None and not isinstance(thresholds, (int, float)):
            from ._core import unsupported

            raise unsupported(f"{type(self).__name__}(thresholds=[...]) (several thresholds)")
        if top_k is not None or class_id is not None:
            from ._core import unsupported

            raise unsupported(f"{type(self).__name__}(top_k=..., class_id=...)")
        super().__init__(name, dtype)
        self.thresholds = 0.5 if thresholds is None else float(thresholds)

    def totals(self, y_true, y_pred, sample_weight):
        ut = _ut()
        y_pred = as_tensor(y_pred, dt.float32)
        y_true = as_tensor(y_true)
        y_true, y_pred = L.squeeze_or_expand_to_same_rank(y_true, y_pred)
        predicted = y_pred > self.thresholds
        positive = ut.astype(y_true, dt.bool)
        w = None if sample_weight is None else ut.astype(as_tensor(sample_weight), dt.float64)

        def count(mask: Tensor) -> Tensor:
            m = ut.astype(mask, dt.float64)
            if w is not None:
                m = m * ut.broadcast_to(ut.reshape(w, w.shape + (1,) * (m.ndim - w.ndim)),
                                        m.shape)
            return ut.sum(m)

        tp = count(predicted & positive)
        return tp, count(self._other(predicted, positive))

    def value(self, state):
        ut = _ut()
        tp, other = state
        total = tp + other
        return ut.where(total == 0, ut.zeros_like(tp), tp / ut.where(
            total == 0, ut.ones_like(total), total))

    def get_config(self):
        return {**super().get_config(), "thresholds": self.thresholds, "top_k": None,
                "class_id": None}


class Precision(_Confusion):
    """``true positives / (true positives + false positives)`` of scores thresholded at
    ``thresholds`` (default 0.5); 0 when nothing is predicted positive.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.Precision()([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.0])
        tensor(0.5, dtype=float32)
    """

    def _other(self, predicted: Tensor, positive: Tensor) -> Tensor:
        return predicted & ~positive


class Recall(_Confusion):
    """``true positives / (true positives + false negatives)`` of scores thresholded at
    ``thresholds`` (default 0.5); 0 when there is no positive label.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.Recall()([0, 1, 1, 1], [1.0, 1.0, 0.0, 0.0])
        tensor(0.33333334, dtype=float32)
    """

    def _other(self, predicted: Tensor, positive: Tensor) -> Tensor:
        return ~predicted & positive


_CLASSES: dict[str, type[Metric]] = {
    "Accuracy": Accuracy, "BinaryAccuracy": BinaryAccuracy,
    "CategoricalAccuracy": CategoricalAccuracy,
    "SparseCategoricalAccuracy": SparseCategoricalAccuracy,
    "TopKCategoricalAccuracy": TopKCategoricalAccuracy,
    "SparseTopKCategoricalAccuracy": SparseTopKCategoricalAccuracy,
    "MeanSquaredError": MeanSquaredError, "MeanAbsoluteError": MeanAbsoluteError,
    "MeanAbsolutePercentageError": MeanAbsolutePercentageError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError,
    "BinaryCrossentropy": BinaryCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
    "RootMeanSquaredError": RootMeanSquaredError, "Precision": Precision, "Recall": Recall,
    "Mean": Mean, "Sum": Sum,
}
for _name, _cls in _CLASSES.items():
    _cls.__name__ = _cls.__qualname__ = _name
    _cls.__module__ = __name__

_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    "accuracy": accuracy, "acc": accuracy, "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": L.mean_squared_error, "mse": L.mean_squared_error,
    "mean_absolute_error": L.mean_absolute_error, "mae": L.mean_absolute_error,
    "mean_absolute_percentage_error": L.mean_absolute_percentage_error,
    "mape": L.mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": L.mean_squared_logarithmic_error,
    "msle": L.mean_squared_logarithmic_error,
    "binary_crossentropy": L.binary_crossentropy,
    "categorical_crossentropy": L.categorical_crossentropy,
    "sparse_categorical_crossentropy": L.sparse_categorical_crossentropy,
}
_UP = {accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
       top_k_categorical_accuracy, sparse_top_k_categorical_accuracy}


def get(identifier: Any) -> Any:
    """A metric from a function name (``"accuracy"``, ``"mae"``...: the function), a class
    name (``"Precision"``: an instance), a config dict, a Metric or a callable
    ``(y_true, y_pred)``.  (``compile(metrics=["accuracy"])`` picks the accuracy variant
    from the targets' and predictions' shapes, as Keras does.)

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.get("mae").__name__
        'mean_absolute_error'
    """
    if identifier is None or isinstance(identifier, core.Metric):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASSES:
            return _CLASSES[identifier]()
        raise ValueError(f"Could not interpret metric identifier: {identifier}; "
                         f"unitorch.keras implements {sorted(set(_FUNCTIONS) | set(_CLASSES))}")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret metric identifier: {identifier}")


def as_metric(identifier: Any, name: str | None = None) -> Metric:
    """A Metric object for ``identifier`` (functions wrapped as the mean over samples)."""
    found = get(identifier)
    if isinstance(found, core.Metric):
        if name is not None:
            found.name = name
        return found
    wrapped = MeanMetricWrapper(found, name=name or getattr(found, "__name__", None))
    wrapped._direction = "up" if found in _UP else "down"
    return wrapped


def serialize(metric: Any) -> Any:
    """A metric as a config entry.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.serialize(keras.metrics.Precision())["class_name"]
        'Precision'
    """
    if isinstance(metric, Metric) and type(metric).__name__ in _CLASSES:
        return {"class_name": type(metric).__name__, "config": metric.get_config()}
    name = getattr(metric, "__name__", None)
    if name in _FUNCTIONS:
        return name
    raise ValueError(f"cannot serialize the metric {metric!r}")


def deserialize(config: Any) -> Any:
    """The metric a :func:`serialize` entry stands for.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.metrics.deserialize({"class_name": "Mean", "config": {"name": "m"}}).name
        'm'
    """
    if isinstance(config, str):
        return get(config)
    cls = _CLASSES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Could not interpret metric identifier: {config}")
    return cls(**dict(config.get("config") or {}))


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.metrics", name,
                  f"implemented: {', '.join(sorted(_CLASSES))}; any callable (y_true, y_pred) "
                  "-> per-sample values works with MeanMetricWrapper")
