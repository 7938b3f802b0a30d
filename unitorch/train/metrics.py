"""Metrics for training loops: ``accuracy``, ``top_k_accuracy``, the mean of the loss,
``mae`` and ``mse``, by string name or class.

Every metric has two faces:

* a **functional core**, which training loops compile into their steps:
  :meth:`Metric.initial_state` (a tuple of float64 0-d tensors on the device),
  :meth:`Metric.accumulate` (the state after one batch, computed with unitorch ops, so
  it runs inside ``ut.compile`` and never reads a value on the host) and
  :meth:`Metric.compute` (the value, a 0-d float64 tensor).  ``ut.fit`` threads the
  states through its (compiled) step and reads every metric once per epoch, in one
  transfer, or when the progress bar refreshes;
* a **stateful** API for hand-written loops: ``update(y_pred, y_true)``, ``result()``
  (a Python float: one host read) and ``reset()``.  The state lives in backend state
  variables (a ``tf.Variable``, a torch tensor updated in place), created at the first
  update, also when that update runs inside a compiled function (``ut.compile``: it is
  made eagerly while tracing, from the values of ``initial_state()``, a subclass's own
  included), and written in place by every update, so ``update`` may
  be called inside a compiled training step on every backend and ``result()`` read
  outside it.  ``reset()`` zeroes the variables rather than dropping them (a compiled
  step keeps updating the ones it captured).

Every metric keeps a float64 total and a float64 count, so the result is the exact
ratio whatever the batch sizes: the mean over *samples* (elements, for ``mae`` and
``mse``), not the mean of per-batch means.  Before any update the result is NaN (0/0).

Conventions, the same on every backend:

* ``accuracy`` reads predictions by their dtype:

  - **integer** predictions are class ids, compared for equality with the targets
    (``keras.metrics.Accuracy``'s rule), element by element: ``[1, 2, 0]`` against
    ``[2, 1, 0]`` is 1/3.  They are never thresholded nor argmax-ed; targets of another
    shape with as many elements (``(N, 1)`` for ``(N,)``) are reshaped, and float
    targets compare by value (``2.0 == 2``);
  - **bool** predictions are binary decisions, compared with targets that are positive
    when non-zero (bool and integer targets) or above 0.5 (float targets);
  - **floating** predictions are scores.  Scores ``(..., C)`` with ``C > 1`` compare
    their ``argmax`` (the first maximum, as NumPy and PyTorch) with integer labels
    ``(...)`` or with the ``argmax`` of one-hot / probability targets ``(..., C)``.
    Scores with one value per sample (``(N,)`` or ``(N, 1)``) are binary: predicted
    positive when ``score > threshold`` (default 0.5, for probabilities; pass
    ``threshold=0.0`` for logits), targets positive as for bool predictions.
* ``top_k_accuracy`` counts a sample correct when fewer than ``k`` classes score
  strictly higher than the true class, so classes tied with the true one at the
  boundary count in its favour (``tf.math.in_top_k``'s rule; ``torch.topk`` breaks
  ties by position, which differs between frameworks).  ``k >= C`` is always correct.
* ``mae``/``mse`` average ``|y_pred - y_true|`` / ``(y_pred - y_true) ** 2`` over all
  elements, computed in float64; ``y_true`` is reshaped to ``y_pred``'s shape when both
  have the same number of elements (``(N,)`` targets for ``(N, 1)`` predictions), else
  broadcast.

Example:
    >>> acc = ut.metrics.Accuracy()
    >>> acc.update(ut.tensor([[0.1, 0.9], [0.8, 0.2]]), ut.tensor([1, 1]))
    >>> acc.result()
    0.5
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..errors import ShapeError, fmt_shape
from ..tensor import Tensor

__all__ = [
    "Metric", "Mean", "Accuracy", "TopKAccuracy", "MeanAbsoluteError", "MeanSquaredError",
    "get",
]

State = tuple[Tensor, ...]


def _ops() -> Any:
    import unitorch

    return unitorch


def _count(t: Tensor) -> Any:
    """The number of elements of ``t``: a Python float when the shape is known (always,
    except under a compiler that relaxes shapes), else a float64 tensor."""
    shape = t.shape
    if all(s is not None for s in shape):
        return float(math.prod(shape))
    ut = _ops()
    return ut.sum(ut.ones_like(t, dtype=dt.float64))


def _first_leaf(tree: Any) -> Tensor | None:
    if isinstance(tree, Tensor):
        return tree
    if isinstance(tree, dict):
        tree = list(tree.values())
    if isinstance(tree, (list, tuple)):
        for item in tree:
            leaf = _first_leaf(item)
            if leaf is not None:
                return leaf
    return None


def _batch_size(y_pred: Any) -> Any:
    """Samples in a batch: the first dimension of the (first) prediction."""
    leaf = _first_leaf(y_pred)
    if leaf is None or leaf.ndim == 0:
        return 1.0
    n = leaf.shape[0]
    if n is not None:
        return float(n)
    ut = _ops()
    return ut.sum(ut.ones_like(leaf[(slice(None),) + (0,) * (leaf.ndim - 1)],
                               dtype=dt.float64))


def _as_tensor(x: Any, like: Tensor) -> Tensor:
    if isinstance(x, Tensor):
        return x
    return _ops().asarray(x, device=like.device)


def _aligned(y_true: Tensor, y_pred: Tensor, name: str) -> Tensor:
    """``y_true`` reshaped to ``y_pred``'s shape when the numbers of elements agree."""
    if y_true.shape == y_pred.shape:
        return y_true
    known = all(s is not None for s in (*y_true.shape, *y_pred.shape))
    if known and math.prod(y_true.shape) == math.prod(y_pred.shape):
        return _ops().reshape(y_true, y_pred.shape)
    return y_true


def _labels(y_true: Tensor, y_pred: Tensor, name: str) -> Tensor:
    """Class indices: ``y_true`` itself, or the argmax of one-hot targets (which must
    have the predictions' shape)."""
    if y_true.ndim != y_pred.ndim:
        return y_true
    if y_true.shape != y_pred.shape:
        raise ShapeError(f"{name}: targets of shape {fmt_shape(y_true.shape)} do not "
                         f"match predictions of shape {fmt_shape(y_pred.shape)}")
    return _ops().argmax(y_true, axis=-1)


class Metric:
    """Base class: a float64 ``(total, count)`` state and the value ``total / count``.

    Subclasses implement :meth:`batch_totals`, the sum and the count one batch adds.
    Override :meth:`initial_state`, :meth:`accumulate` and :meth:`compute` for a
    metric of another shape.

    Example:
        >>> class MaxAbsError(ut.metrics.Metric):  # doctest: +SKIP
        ...     ...
    """

    #: the name used when none is given (also the history key)
    default_name = "metric"

    def __init__(self, name: str | None = None) -> None:
        self.name = self.default_name if name is None else str(name)
        #: the stateful API's state: backend state variables, made at the first update
        #: on each backend; ``_state`` is the one the latest update used
        self._states: dict[str, State] = {}
        self._state: State | None = None

    # -- the functional core --------------------------------------------------------------

    def initial_state(self, device: Any = None) -> State:
        """The state before any batch: float64 zeros on ``device``."""
        ut = _ops()
        return (ut.zeros((), dtype=dt.float64, device=device),
                ut.zeros((), dtype=dt.float64, device=device))

    def batch_totals(self, y_pred: Any, y_true: Any, loss: Tensor | None) -> tuple[Any, Any]:
        """``(sum, count)`` that one batch contributes (tensors or Python floats)."""
        raise NotImplementedError(f"{type(self).__name__} must define batch_totals")

    def accumulate(self, state: State, y_pred: Any, y_true: Any,
                   loss: Tensor | None = None) -> State:
        """The state after one more batch (pure: ``state`` is not changed).  Runs inside
        compiled functions."""
        total, count = self.batch_totals(y_pred, y_true, loss)
        ut = _ops()
        if isinstance(total, Tensor) and total.dtype is not dt.float64:
            total = ut.astype(total, dt.float64)
        if isinstance(count, Tensor) and count.dtype is not dt.float64:
            count = ut.astype(count, dt.float64)
        return (state[0] + total, state[1] + count)

    def compute(self, state: State) -> Tensor:
        """The metric's value for ``state``: a 0-d float64 tensor (NaN before any batch)."""
        return state[0] / state[1]

    # -- the stateful API -----------------------------------------------------------------

    def update(self, y_pred: Any = None, y_true: Any = None, *, loss: Tensor | None = None
               ) -> None:
        """Add one batch (also inside a compiled function: see the module docstring).

        Example:
            >>> m = ut.metrics.MeanAbsoluteError()
            >>> m.update(ut.tensor([1.0, 2.0]), ut.tensor([1.5, 2.0]))
            >>> m.result()
            0.25
        """
        from ..autograd import no_grad

        like = _first_leaf((y_pred, loss))
        state = self._variables(like)
        new = self.accumulate(state, y_pred, y_true, loss)
        with no_grad():  # the state is a total, not part of any gradient
            for var, value in zip(state, new):
                if not isinstance(value, Tensor):
                    value = _as_tensor(value, var)
                if value.dtype is not var.dtype:
                    value = _ops().astype(value, var.dtype)
                var._n = type(var)._bk.assign(var._n, value._n)

    def _variables(self, like: Tensor | None) -> State:
        """The state variables of ``like``'s backend, made (eagerly, even while tracing)
        on its device at the first update there."""
        from ..backends import current

        backend = type(like)._bk if like is not None else current()
        state = self._states.get(backend.name)
        if state is None:
            device = None if like is None else like.device
            # eagerly, also inside a compiled function: an initial_state() of one's own
            # is read to fill the variables
            state = self._states[backend.name] = backend.run_eagerly(
                self._new_state, backend, device)
        self._state = state
        return state

    def _new_state(self, backend: Any, device: Any) -> State:
        return tuple(self._new_variable(backend, t) for t in self.initial_state(device))

    def _new_variable(self, backend: Any, initial: Tensor) -> Tensor:
        if type(self).initial_state is Metric.initial_state:  # zeros: no value to read
            fill = 0.0
        else:
            values = np.asarray(initial.numpy())
            if values.size and not (values == values.reshape(-1)[0]).all():
                raise ValueError(f"{self.name}: the stateful API needs an initial_state() "
                                 "whose tensors each hold one value (zeros, -inf...)")
            fill = float(values.reshape(-1)[0]) if values.size else 0.0
        shape = tuple(initial.shape)
        native = backend.state_variable(shape, fill, initial.dtype, initial.device)
        return backend.wrap(native)

    def result(self) -> float:
        """The value over every batch since the last :meth:`reset` (reads the device)."""
        if self._state is None:
            return math.nan
        return float(self.compute(self._state))

    def reset(self) -> None:
        """Forget every batch: the state goes back to its initial value, in place."""
        from ..autograd import no_grad

        with no_grad():
            for state in self._states.values():
                for var, value in zip(state, self.initial_state(state[0].device)):
                    value = _ops().astype(value, var.dtype)
                    var._n = type(var)._bk.assign(var._n, value._n)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"


class Mean(Metric):
    """The mean of the loss over samples: each batch's (mean-reduced) loss weighted by
    its batch size, the first dimension of ``y_pred`` (1 without ``y_pred``).  ``ut.fit``
    tracks its ``"loss"`` with it.

    Example:
        >>> m = ut.metrics.Mean()
        >>> m.update(ut.zeros((3, 2)), loss=ut.tensor(1.0))
        >>> m.update(ut.zeros((1, 2)), loss=ut.tensor(5.0))
        >>> m.result()
        2.0
    """

    default_name = "loss"

    def batch_totals(self, y_pred: Any, y_true: Any, loss: Tensor | None) -> tuple[Any, Any]:
        if loss is None:
            raise ValueError(f"{type(self).__name__} needs the loss: update(..., loss=value)")
        ut = _ops()
        n = _batch_size(y_pred)
        value = ut.astype(loss, dt.float64)
        if value.ndim:
            value = ut.mean(value)
        return value * n, n


class Accuracy(Metric):
    """The fraction of samples whose predicted class is the true one.  Predictions are
    read by their dtype (the module docstring has the rules): integer predictions are
    class ids compared for equality with the targets, bool ones binary decisions, and
    only floating ones are scores (argmax over ``(..., C)``; ``score > threshold`` for
    one score per sample).

    Example:
        >>> m = ut.metrics.Accuracy()
        >>> m.update(ut.tensor([[2.0, 1.0], [0.0, 3.0]]), ut.tensor([0, 0]))
        >>> m.result()
        0.5
        >>> ids = ut.metrics.Accuracy()  # integer predictions: class ids
        >>> ids.update(ut.tensor([1, 2, 0]), ut.tensor([2, 1, 0]))
        >>> round(ids.result(), 4)
        0.3333
    """

    default_name = "accuracy"

    def __init__(self, name: str | None = None, threshold: float = 0.5) -> None:
        super().__init__(name)
        self.threshold = float(threshold)

    def batch_totals(self, y_pred: Any, y_true: Any, loss: Tensor | None) -> tuple[Any, Any]:
        ut = _ops()
        if not isinstance(y_pred, Tensor):
            raise TypeError(f"{self.name}: predictions must be a Tensor, got "
                            f"{type(y_pred).__name__}")
        y_true = _as_tensor(y_true, y_pred)
        kind = y_pred.dtype.kind
        if kind in "iu":  # class ids: equality, never a threshold (keras.metrics.Accuracy)
            predicted = y_pred
            labels = _aligned(y_true, predicted, self.name)
            if labels.shape != predicted.shape:
                raise ShapeError(
                    f"{self.name}: integer predictions are class ids, compared for equality "
                    f"with the targets, but the targets' shape {fmt_shape(y_true.shape)} does "
                    f"not match the predictions' {fmt_shape(y_pred.shape)}; pass floating "
                    "scores (..., C) to compare their argmax")
            if labels.dtype.kind not in "biuf":
                raise TypeError(f"{self.name}: targets must be real numbers, got "
                                f"{labels.dtype.name}")
            correct = predicted == labels
            return ut.sum(correct, dtype=dt.float64), _count(correct)
        if kind not in "bf":
            raise TypeError(f"{self.name}: predictions must be integer class ids, bool "
                            f"decisions or real floating scores, got {y_pred.dtype.name}")
        classes = y_pred.shape[-1] if y_pred.ndim else None
        if kind == "f" and y_pred.ndim >= 2 and classes != 1:
            predicted = ut.argmax(y_pred, axis=-1)
            labels = _labels(y_true, y_pred, self.name)
        else:
            predicted = y_pred if kind == "b" else y_pred > self.threshold
            labels = (ut.astype(y_true, dt.bool) if y_true.dtype.kind in "biu"
                      else y_true > 0.5)
            labels = _aligned(labels, predicted, self.name)
        if labels.shape != predicted.shape:
            raise ShapeError(f"{self.name}: targets of shape {fmt_shape(y_true.shape)} do not "
                             f"match predictions of shape {fmt_shape(y_pred.shape)}")
        if labels.dtype.kind == "f":
            labels = ut.astype(labels, dt.int64)
        correct = predicted == labels
        return ut.sum(correct, dtype=dt.float64), _count(correct)


class TopKAccuracy(Metric):
    """The fraction of samples whose true class is among the ``k`` highest scores (ties
    at the boundary count as in: fewer than ``k`` classes score strictly higher).
    ``y_pred`` is ``(..., C)``; ``y_true`` integer labels ``(...)`` or one-hot ``(..., C)``.

    Example:
        >>> m = ut.metrics.TopKAccuracy(k=2)
        >>> m.update(ut.tensor([[0.5, 0.3, 0.2], [0.5, 0.3, 0.2]]), ut.tensor([1, 2]))
        >>> m.result()
        0.5
    """

    default_name = "top_k_accuracy"

    def __init__(self, k: int = 5, name: str | None = None) -> None:
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"TopKAccuracy needs an integer k >= 1, got {k!r}")
        super().__init__(name if name is not None else f"top_{k}_accuracy")
        self.k = k

    def batch_totals(self, y_pred: Any, y_true: Any, loss: Tensor | None) -> tuple[Any, Any]:
        ut = _ops()
        if not isinstance(y_pred, Tensor) or y_pred.ndim < 1:
            raise ShapeError(f"{self.name}: predictions must be class scores (..., C)")
        y_true = _as_tensor(y_true, y_pred)
        labels = _labels(y_true, y_pred, self.name)
        if labels.shape != y_pred.shape[:-1]:
            raise ShapeError(f"{self.name}: targets of shape {fmt_shape(y_true.shape)} do not "
                             f"match predictions of shape {fmt_shape(y_pred.shape)}")
        labels = ut.expand_dims(ut.astype(labels, dt.int64), axis=-1)
        classes = y_pred.shape[-1]
        if classes is None:
            target = ut.take_along_axis(y_pred, labels, axis=-1)
        else:  # the true class's score: four cheap ops, where a gather costs a dozen
            mask = ut.arange(classes, device=y_pred.device) == labels
            target = ut.max(ut.where(mask, y_pred, -math.inf), axis=-1, keepdims=True)
        above = ut.sum(ut.astype(y_pred > target, dt.int64), axis=-1)
        correct = above < self.k
        return ut.sum(correct, dtype=dt.float64), _count(correct)


class MeanAbsoluteError(Metric):
    """The mean of ``|y_pred - y_true|`` over all elements, in float64.

    Example:
        >>> m = ut.metrics.MeanAbsoluteError()
        >>> m.update(ut.tensor([1.0, 3.0]), ut.tensor([2.0, 2.0]))
        >>> m.result()
        1.0
    """

    default_name = "mae"

    def _error(self, diff: Tensor) -> Tensor:
        return _ops().abs(diff)

    def batch_totals(self, y_pred: Any, y_true: Any, loss: Tensor | None) -> tuple[Any, Any]:
        ut = _ops()
        if not isinstance(y_pred, Tensor):
            raise TypeError(f"{self.name}: predictions must be a Tensor, got "
                            f"{type(y_pred).__name__}")
        y_true = _aligned(_as_tensor(y_true, y_pred), y_pred, self.name)
        try:
            diff = ut.astype(y_pred, dt.float64) - ut.astype(y_true, dt.float64)
        except ShapeError:
            raise ShapeError(f"{self.name}: targets of shape {fmt_shape(y_true.shape)} do not "
                             f"match predictions of shape {fmt_shape(y_pred.shape)}") from None
        err = self._error(diff)
        return ut.sum(err), _count(err)


class MeanSquaredError(MeanAbsoluteError):
    """The mean of ``(y_pred - y_true) ** 2`` over all elements, in float64.

    Example:
        >>> m = ut.metrics.MeanSquaredError()
        >>> m.update(ut.tensor([1.0, 3.0]), ut.tensor([2.0, 2.0]))
        >>> m.result()
        1.0
    """

    default_name = "mse"

    def _error(self, diff: Tensor) -> Tensor:
        return diff * diff


_NAMES: dict[str, Any] = {
    "accuracy": Accuracy, "acc": Accuracy,
    "top_k_accuracy": TopKAccuracy,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mean_loss": Mean,
}
_TOP_K = re.compile(r"top_?(\d+)_accuracy")


def get(metric: str | Metric) -> Metric:
    """A metric from its name (``"accuracy"``/``"acc"``, ``"top_k_accuracy"`` (k=5),
    ``"top3_accuracy"``/``"top_3_accuracy"``, ``"mae"``, ``"mse"``,
    ``"mean_absolute_error"``, ``"mean_squared_error"``, ``"mean_loss"``), named as given;
    a :class:`Metric` is returned as is.

    Example:
        >>> ut.metrics.get("top3_accuracy").k
        3
    """
    if isinstance(metric, Metric):
        return metric
    if not isinstance(metric, str):
        raise TypeError(f"a metric must be a name or a ut.metrics.Metric, got "
                        f"{type(metric).__name__}")
    key = metric.lower()
    found = _TOP_K.fullmatch(key)
    if found:
        return TopKAccuracy(int(found.group(1)), name=metric)
    cls = _NAMES.get(key)
    if cls is None:
        raise ValueError(f"unknown metric {metric!r}; known: {sorted(_NAMES)} and "
                         "'top<k>_accuracy'")
    if cls is TopKAccuracy:
        return TopKAccuracy(5, name=metric)
    return cls(name=metric)
