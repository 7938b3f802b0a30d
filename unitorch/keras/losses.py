"""``keras.losses``: Keras 3's losses, with its argument order ``loss(y_true, y_pred)``,
``from_logits``, reductions and formulas.

A loss object is called as ``loss(y_true, y_pred, sample_weight=None)``; ``y_true`` and
``y_pred`` are cast to the loss's dtype (float32), the per-sample losses are computed
(the mean over the last axis for the element-wise losses), multiplied by
``sample_weight`` if given, and reduced by ``reduction``:

* ``"sum_over_batch_size"`` (the default): the sum divided by the number of per-sample
  values (the batch size);
* ``"sum"``; ``"mean_with_sample_weight"``: the sum divided by the sum of the weights;
  ``None``/``"none"``: no reduction.

Ranks are aligned as Keras does (a trailing axis of size 1 is squeezed or added, so
``(N,)`` targets pair with ``(N, 1)`` predictions).  The functions
(``keras.losses.mean_squared_error(y_true, y_pred)``...) return the per-sample losses.

Cross-entropies from probabilities (``from_logits=False``) clip them to ``[1e-7, 1 -
1e-7]`` (TensorFlow's Keras formulas: categorical ones renormalise the probabilities
first), unless the probabilities came from ``keras.activations.softmax``/``sigmoid``
(a ``Dense(..., activation="softmax")`` layer): then the logits behind them are used,
as Keras does on TensorFlow (see :mod:`unitorch.keras.activations`).  Sparse labels
must be integers in ``[0, classes)`` (they are checked when the values are on the
host, outside compiled functions).

Example:
    >>> import unitorch.keras as keras
    >>> loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    >>> loss(ut.tensor([0, 1]), ut.tensor([[2.0, 0.0], [0.0, 2.0]]))
    tensor(0.12692805, dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .. import dtypes as dt
from ..tensor import Tensor
from ._core import as_tensor, bind_arguments, missing, snake_case, to_dtype
from .activations import logits_of

__all__ = [
    "Loss", "LossFunctionWrapper", "MeanSquaredError", "MeanAbsoluteError",
    "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Huber", "LogCosh",
    "KLDivergence", "Poisson", "CosineSimilarity", "Hinge", "SquaredHinge",
    "CategoricalHinge", "BinaryCrossentropy", "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy", "mean_squared_error", "mean_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber",
    "log_cosh", "kl_divergence", "poisson", "cosine_similarity", "hinge", "squared_hinge",
    "categorical_hinge", "binary_crossentropy", "categorical_crossentropy",
    "sparse_categorical_crossentropy", "get", "serialize", "deserialize",
]

EPSILON = 1e-7
_REDUCTIONS = ("sum_over_batch_size", "sum", None, "none", "mean", "mean_with_sample_weight")


def _ut() -> Any:
    import unitorch

    return unitorch


def squeeze_or_expand_to_same_rank(x1: Tensor, x2: Tensor, expand_rank_1: bool = True
                                   ) -> tuple[Tensor, Tensor]:
    """Keras's rank alignment: a trailing axis of size 1 is squeezed from the longer
    operand (or added to a rank-1 shorter one)."""
    ut = _ut()
    r1, r2 = x1.ndim, x2.ndim
    if r1 == r2:
        return x1, x2
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = ut.expand_dims(x2, axis=-1)
        else:
            x1 = ut.squeeze(x1, axis=-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = ut.expand_dims(x1, axis=-1)
        else:
            x2 = ut.squeeze(x2, axis=-1)
    return x1, x2


def _numel(t: Tensor) -> Any:
    if all(s is not None for s in t.shape):
        return float(math.prod(t.shape))
    ut = _ut()
    return ut.sum(ut.ones_like(t))


def reduce_weighted_values(values: Tensor, sample_weight: Any, reduction: str | None
                           ) -> Tensor:
    """Keras's ``reduce_weighted_values``: weight, then reduce per ``reduction``."""
    ut = _ut()
    if sample_weight is not None:
        w = as_tensor(sample_weight, values.dtype)
        values, w = squeeze_or_expand_to_same_rank(values, w)
        values = values * w
    else:
        w = None
    if reduction in (None, "none") or values.ndim == 0:
        return values
    total = ut.sum(values)
    if reduction == "sum":
        return total
    if reduction == "mean_with_sample_weight" and w is not None:
        divisor = ut.sum(ut.broadcast_to(w, values.shape))
    else:
        divisor = _numel(values)
    if isinstance(divisor, float):
        return total / divisor if divisor else ut.zeros_like(total)
    return ut.where(divisor == 0, ut.zeros_like(total), total / ut.where(
        divisor == 0, ut.ones_like(divisor), divisor))


class Loss:
    """Base class of losses: subclasses implement ``call(y_true, y_pred)`` returning
    per-sample losses; ``__call__`` weights and reduces them (see the module).

    Example:
        >>> import unitorch.keras as keras
        >>> class Absolute(keras.losses.Loss):
        ...     def call(self, y_true, y_pred):
        ...         return ut.abs(y_true - y_pred)
        >>> Absolute()(ut.tensor([1.0, 2.0]), ut.tensor([2.0, 2.0]))
        tensor(0.5, dtype=float32)
    """

    def __init__(self, name: str | None = None, reduction: str | None = "sum_over_batch_size",
                 dtype: Any = None) -> None:
        if reduction not in _REDUCTIONS:
            raise ValueError(f"Invalid value for argument `reduction`. Expected one of "
                             f"{set(_REDUCTIONS)}. Received: reduction={reduction}")
        self.name = name or snake_case(type(self).__name__)
        self.reduction = reduction
        self._dtype = to_dtype(dtype)

    @property
    def dtype(self) -> str:
        """The dtype losses are computed in (``"float32"``)."""
        return self._dtype.name

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> Tensor:
        y_pred = self._convert(y_pred)
        y_true = self._convert(y_true)
        losses = self.call(y_true, y_pred)
        mask = self._mask(y_true, losses)
        if mask is not None:  # Keras's apply_mask: the mean over the unmasked values
            sample_weight = _masked_weight(sample_weight, mask, self.reduction)
        return reduce_weighted_values(losses, sample_weight, self.reduction)

    def _mask(self, y_true: Tensor, losses: Tensor) -> Tensor | None:
        """Which per-sample losses count (``None``: all)."""
        return None

    def _convert(self, x: Any) -> Tensor:
        return as_tensor(x, self._dtype)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        """The per-sample losses (subclasses)."""
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """``name`` and ``reduction`` (and each subclass's arguments)."""
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Loss:
        """A loss from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _masked_weight(sample_weight: Any, mask: Tensor, reduction: str | None) -> Tensor:
    ut = _ut()
    m = ut.astype(mask, dt.float32)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = ut.sum(m)
        m = m * (_numel(m) / ut.where(valid == 0, ut.ones_like(valid), valid))
    if sample_weight is None:
        return m
    w = as_tensor(sample_weight, dt.float32)
    m, w = squeeze_or_expand_to_same_rank(m, w)
    return w * m


class LossFunctionWrapper(Loss):
    """A per-sample loss function ``fn(y_true, y_pred, **kwargs)`` as a Loss (ranks
    aligned first).

    Example:
        >>> import unitorch.keras as keras
        >>> mse = keras.losses.LossFunctionWrapper(keras.losses.mean_squared_error)
        >>> mse(ut.tensor([[0.0], [2.0]]), ut.tensor([[1.0], [1.0]]))
        tensor(1., dtype=float32)
    """

    def __init__(self, fn: Callable[..., Tensor], reduction: str | None = "sum_over_batch_size",
                 name: str | None = None, dtype: Any = None, **kwargs: Any) -> None:
        super().__init__(name=name or getattr(fn, "__name__", None), reduction=reduction,
                         dtype=dtype)
        self.fn, self._fn_kwargs = fn, kwargs

    def _convert(self, x: Any) -> Tensor:
        # probabilities made by softmax/sigmoid keep their identity (their logits are
        # looked up by it) when they already have the loss's dtype
        if isinstance(x, Tensor) and x.dtype is self._dtype:
            return x
        return super()._convert(x)

    def call(self, y_true: Tensor, y_pred: Tensor) -> Tensor:
        if self.fn not in (sparse_categorical_crossentropy, categorical_crossentropy,
                           binary_crossentropy, kl_divergence, poisson, categorical_hinge,
                           hinge, squared_hinge):
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        elif self.fn is binary_crossentropy:
            y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def _mask(self, y_true: Tensor, losses: Tensor) -> Tensor | None:
        ignore = self._fn_kwargs.get("ignore_class")
        if ignore is None:
            return None
        ut = _ut()
        t = ut.squeeze(y_true, axis=-1) if y_true.ndim == losses.ndim + 1 else y_true
        return ut.reshape(t != float(ignore), losses.shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), **self._fn_kwargs}


def _pair(y_true: Any, y_pred: Any) -> tuple[Tensor, Tensor]:
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = _ut().astype(y_pred, dt.float32)
    y_true = as_tensor(y_true, y_pred.dtype)
    return y_true, y_pred


# ---------------------------------------------------------------------------------------
# per-sample loss functions (Keras's formulas)


def mean_squared_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((y_true - y_pred) ** 2, axis=-1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.mean_squared_error(ut.tensor([[0.0, 2.0]]), ut.tensor([[1.0, 1.0]]))
        tensor([1.], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    d = y_true - y_pred
    return _ut().mean(d * d, axis=-1)


def mean_absolute_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(|y_true - y_pred|, axis=-1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.mean_absolute_error(ut.tensor([[0.0, 2.0]]), ut.tensor([[1.0, 1.0]]))
        tensor([1.], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    return _ut().mean(_ut().abs(y_true - y_pred), axis=-1)


def mean_absolute_percentage_error(y_true: Any, y_pred: Any) -> Tensor:
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, 1e-7)|, axis=-1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.mean_absolute_percentage_error(ut.tensor([[2.0]]), ut.tensor([[1.0]]))
        tensor([50.], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    diff = ut.abs((y_true - y_pred) / ut.maximum(ut.abs(y_true), ut.asarray(
        EPSILON, dtype=y_pred.dtype)))
    return 100.0 * ut.mean(diff, axis=-1)


def mean_squared_logarithmic_error(y_true: Any, y_pred: Any) -> Tensor:
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1)) ** 2, axis=-1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.mean_squared_logarithmic_error(ut.tensor([[0.0]]), ut.tensor([[0.0]]))
        tensor([0.], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    eps = ut.asarray(EPSILON, dtype=y_pred.dtype)
    d = ut.log(ut.maximum(y_pred, eps) + 1.0) - ut.log(ut.maximum(y_true, eps) + 1.0)
    return ut.mean(d * d, axis=-1)


def huber(y_true: Any, y_pred: Any, delta: float = 1.0) -> Tensor:
    """``mean(0.5 e**2 if |e| <= delta else delta |e| - 0.5 delta**2, axis=-1)``,
    ``e = y_pred - y_true``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.huber(ut.tensor([[0.0, 0.0]]), ut.tensor([[0.5, 3.0]]))
        tensor([1.3125], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    e = y_pred - y_true
    a = ut.abs(e)
    return ut.mean(ut.where(a <= delta, 0.5 * e * e, delta * a - 0.5 * delta * delta),
                   axis=-1)


def log_cosh(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(log(cosh(y_pred - y_true)), axis=-1)``, computed as ``x + softplus(-2x) -
    log 2``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.log_cosh(ut.tensor([[0.0]]), ut.tensor([[0.0]]))
        tensor([0.], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    x = y_pred - y_true
    m2 = x * -2.0
    return ut.mean(x + ut.logaddexp(m2, ut.zeros_like(m2)) - math.log(2.0), axis=-1)


def kl_divergence(y_true: Any, y_pred: Any) -> Tensor:
    """``sum(t * log(t / p), axis=-1)`` with both clipped to ``[1e-7, 1]``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.kl_divergence(ut.tensor([[0.5, 0.5]]), ut.tensor([[0.5, 0.5]]))
        tensor([0.], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = _pair(y_true, y_pred)
    t = ut.clip(y_true, EPSILON, 1.0)
    p = ut.clip(y_pred, EPSILON, 1.0)
    return ut.sum(t * ut.log(t / p), axis=-1)


def poisson(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(y_pred - y_true * log(y_pred + 1e-7), axis=-1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.poisson(ut.tensor([[0.0]]), ut.tensor([[1.0]]))
        tensor([1.], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = _pair(y_true, y_pred)
    return ut.mean(y_pred - y_true * ut.log(y_pred + EPSILON), axis=-1)


def _l2_normalize(x: Tensor, axis: int) -> Tensor:
    ut = _ut()
    square_sum = ut.sum(x * x, axis=axis, keepdims=True)
    return x / ut.sqrt(ut.maximum(square_sum, ut.asarray(1e-12, dtype=x.dtype)))


def cosine_similarity(y_true: Any, y_pred: Any, axis: int = -1) -> Tensor:
    """``-sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.cosine_similarity(ut.tensor([[1.0, 0.0]]), ut.tensor([[2.0, 0.0]]))
        tensor([-1.], dtype=float32)
    """
    y_true, y_pred = squeeze_or_expand_to_same_rank(*_pair(y_true, y_pred))
    return -_ut().sum(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis), axis=axis)


def _hinge_labels(y_true: Tensor) -> Tensor:
    """Labels in {0, 1} become {-1, 1} (labels already in {-1, 1} are kept)."""
    ut = _ut()
    binary = ut.all((y_true == 0) | (y_true == 1))
    return ut.where(binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0), axis=-1)``, labels in {-1, 1} (or {0, 1},
    converted).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.hinge(ut.tensor([[1.0]]), ut.tensor([[0.5]]))
        tensor([0.5], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = _pair(y_true, y_pred)
    t = _hinge_labels(y_true)
    return ut.mean(ut.maximum(1.0 - t * y_pred, ut.zeros_like(y_pred)), axis=-1)


def squared_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``mean(max(1 - y_true * y_pred, 0) ** 2, axis=-1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.squared_hinge(ut.tensor([[1.0]]), ut.tensor([[0.5]]))
        tensor([0.25], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = _pair(y_true, y_pred)
    m = ut.maximum(1.0 - _hinge_labels(y_true) * y_pred, ut.zeros_like(y_pred))
    return ut.mean(m * m, axis=-1)


def categorical_hinge(y_true: Any, y_pred: Any) -> Tensor:
    """``max(max((1 - t) * p) - sum(t * p) + 1, 0)`` along the last axis.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.categorical_hinge(ut.tensor([[0.0, 1.0]]), ut.tensor([[0.2, 0.9]]))
        tensor([0.3], dtype=float32)
    """
    ut = _ut()
    y_true, y_pred = _pair(y_true, y_pred)
    pos = ut.sum(y_true * y_pred, axis=-1)
    neg = ut.max((1.0 - y_true) * y_pred, axis=-1)
    return ut.maximum(neg - pos + 1.0, ut.zeros_like(pos))


def binary_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                        label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """The binary cross-entropy, averaged over ``axis``: from logits
    ``max(x, 0) - x * t + log(1 + exp(-|x|))``; from probabilities (clipped to
    ``[1e-7, 1 - 1e-7]``) ``-(t log p + (1 - t) log(1 - p))``.  ``label_smoothing``
    moves targets toward 0.5.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.binary_crossentropy(ut.tensor([[1.0]]), ut.tensor([[0.0]]),
        ...                                  from_logits=True)
        tensor([0.6931472], dtype=float32)
    """
    ut = _ut()
    logits = None if from_logits else logits_of(y_pred, "sigmoid")
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.shape != y_pred.shape and y_true.ndim != y_pred.ndim:
        raise ValueError(f"Arguments `target` and `output` must have the same rank (ndim). "
                         f"Received: target.shape={y_true.shape}, output.shape={y_pred.shape}")
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if logits is not None:
        x, from_logits = logits, True
    else:
        x = y_pred
    if from_logits:
        per = (ut.maximum(x, ut.zeros_like(x)) - x * y_true
               + ut.log1p(ut.exp(-ut.abs(x))))
    else:
        p = ut.clip(x, EPSILON, 1.0 - EPSILON)
        per = -(y_true * ut.log(p) + (1.0 - y_true) * ut.log(1.0 - p))
    return ut.mean(per, axis=axis)


def categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                             label_smoothing: float = 0.0, axis: int = -1) -> Tensor:
    """``-sum(y_true * log_softmax(logits), axis)``, or from probabilities ``-sum(y_true *
    log(clip(p / sum(p), 1e-7, 1 - 1e-7)), axis)``; ``y_true`` one-hot (or
    distributions) of ``y_pred``'s shape.  ``label_smoothing`` mixes the targets with
    the uniform distribution.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.categorical_crossentropy(ut.tensor([[0.0, 1.0]]), ut.tensor([[0.5, 0.5]]))
        tensor([0.6931472], dtype=float32)
    """
    ut = _ut()
    logits = None if from_logits else logits_of(y_pred, "softmax")
    y_true, y_pred = _pair(y_true, y_pred)
    if tuple(y_true.shape) != tuple(y_pred.shape):
        raise ValueError(f"Arguments `target` and `output` must have the same shape. "
                         f"Received: target.shape={y_true.shape}, output.shape={y_pred.shape}")
    if label_smoothing:
        n = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / n
    if logits is not None and axis in (-1, y_pred.ndim - 1):
        return -ut.sum(y_true * ut.log_softmax(logits, axis=-1), axis=-1)
    if from_logits:
        return -ut.sum(y_true * ut.log_softmax(y_pred, axis=axis), axis=axis)
    p = y_pred / ut.sum(y_pred, axis=axis, keepdims=True)
    p = ut.clip(p, EPSILON, 1.0 - EPSILON)
    return -ut.sum(y_true * ut.log(p), axis=axis)


def _check_labels(labels: Tensor, classes: int | None) -> None:
    from ..backends import current

    if classes is None or labels.dtype.kind not in "iu" or current().is_compiling():
        return
    ut = _ut()
    if labels.size and bool(ut.any((labels < 0) | (labels >= classes))):
        bad = labels.numpy()
        bad = bad[(bad < 0) | (bad >= classes)]
        raise ValueError(f"sparse_categorical_crossentropy: labels must be in [0, {classes}), "
                         f"got {bad[:5].tolist()}")


def sparse_categorical_crossentropy(y_true: Any, y_pred: Any, from_logits: bool = False,
                                    ignore_class: int | None = None, axis: int = -1) -> Tensor:
    """The categorical cross-entropy of integer labels ``(...)`` against scores
    ``(..., classes)``: ``-log_softmax(logits)[label]``, or from probabilities (clipped
    to ``[1e-7, 1 - 1e-7]``) ``-log_softmax(log p)[label]`` (TensorFlow's Keras formula).
    Labels of shape ``(..., 1)`` are squeezed; float labels are truncated to integers.
    ``ignore_class`` labels contribute 0.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.sparse_categorical_crossentropy(ut.tensor([1]), ut.tensor([[0.5, 0.5]]))
        tensor([0.6931472], dtype=float32)
    """
    ut = _ut()
    if axis not in (-1, None):
        y_pred_t = as_tensor(y_pred)
        if axis != y_pred_t.ndim - 1:
            raise ValueError(f"Only axis=-1 is currently supported. Received: axis={axis}")
    logits = None if from_logits else logits_of(y_pred, "softmax")
    y_true = as_tensor(y_true)
    y_pred = as_tensor(y_pred)
    if y_pred.dtype.kind != "f":
        y_pred = ut.astype(y_pred, dt.float32)
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = ut.squeeze(y_true, axis=-1)
    if tuple(y_true.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"Arguments `target` and `output` must have the same shape up until "
                         f"the last dimension: target.shape={y_true.shape}, "
                         f"output.shape={y_pred.shape}")
    labels = y_true if y_true.dtype is dt.int64 else ut.astype(y_true, dt.int64)
    if logits is not None:
        x = logits
    elif from_logits:
        x = y_pred
    else:
        x = ut.log(ut.clip(y_pred, EPSILON, 1.0 - EPSILON))
    if x.ndim == 2 and ignore_class is None:
        # the common case: the fused kernel of F.cross_entropy (log_softmax of the
        # logits, or of log(p): TensorFlow's Keras formula), which checks the labels
        from ..nn.functional import cross_entropy

        return cross_entropy(x, labels, reduction="none")
    valid = None
    if ignore_class is not None:
        valid = labels != int(ignore_class)
        labels = ut.where(valid, labels, ut.zeros_like(labels))
    _check_labels(labels, y_pred.shape[-1])
    logp = ut.log_softmax(x, axis=-1)
    picked = ut.take_along_axis(logp, ut.expand_dims(labels, axis=-1), axis=-1)
    result = -ut.squeeze(picked, axis=-1)
    if valid is not None:
        result = ut.where(valid, result, ut.zeros_like(result))
    return result


# ---------------------------------------------------------------------------------------
# loss classes


def _wrapper(fn: Callable[..., Tensor], default_name: str, doc: str,
             params: tuple[tuple[str, Any], ...] = ()) -> type[LossFunctionWrapper]:
    def __init__(self: Any, *args: Any, reduction: str | None = "sum_over_batch_size",
                 name: str = default_name, dtype: Any = None, **kwargs: Any) -> None:
        values = bind_arguments(self, params, args, kwargs)
        LossFunctionWrapper.__init__(self, fn, reduction=reduction, name=name, dtype=dtype,
                                     **values)
        for key, value in values.items():
            setattr(self, key, value)

    cls = type(default_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc})
    return cls


MeanSquaredError = _wrapper(mean_squared_error, "mean_squared_error", """The mean of squared
    errors (see :func:`mean_squared_error`), reduced over the batch.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.MeanSquaredError()(ut.tensor([[0.0], [2.0]]), ut.tensor([[1.0], [1.0]]))
        tensor(1., dtype=float32)
    """)
MeanAbsoluteError = _wrapper(mean_absolute_error, "mean_absolute_error", """The mean of
    absolute errors (see :func:`mean_absolute_error`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.MeanAbsoluteError()(ut.tensor([[0.0], [2.0]]), ut.tensor([[1.0], [1.0]]))
        tensor(1., dtype=float32)
    """)
MeanAbsolutePercentageError = _wrapper(
    mean_absolute_percentage_error, "mean_absolute_percentage_error", """The mean
    absolute percentage error (see :func:`mean_absolute_percentage_error`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.MeanAbsolutePercentageError()(ut.tensor([[2.0]]), ut.tensor([[1.0]]))
        tensor(50., dtype=float32)
    """)
MeanSquaredLogarithmicError = _wrapper(
    mean_squared_logarithmic_error, "mean_squared_logarithmic_error", """The mean squared
    logarithmic error (see :func:`mean_squared_logarithmic_error`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.MeanSquaredLogarithmicError()(ut.tensor([[1.0]]), ut.tensor([[1.0]]))
        tensor(0., dtype=float32)
    """)
Huber = _wrapper(huber, "huber_loss", """The Huber loss with ``delta`` (default 1.0; see
    :func:`huber`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.Huber()(ut.tensor([[0.0, 0.0]]), ut.tensor([[0.5, 3.0]]))
        tensor(1.3125, dtype=float32)
    """, (("delta", 1.0),))
LogCosh = _wrapper(log_cosh, "log_cosh", """The mean of ``log(cosh(error))`` (see
    :func:`log_cosh`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.LogCosh()(ut.tensor([[0.0]]), ut.tensor([[0.0]]))
        tensor(0., dtype=float32)
    """)
KLDivergence = _wrapper(kl_divergence, "kl_divergence", """The Kullback-Leibler divergence
    (see :func:`kl_divergence`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.KLDivergence()(ut.tensor([[0.5, 0.5]]), ut.tensor([[0.5, 0.5]]))
        tensor(0., dtype=float32)
    """)
Poisson = _wrapper(poisson, "poisson", """The Poisson loss (see :func:`poisson`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.Poisson()(ut.tensor([[0.0]]), ut.tensor([[1.0]]))
        tensor(1., dtype=float32)
    """)
CosineSimilarity = _wrapper(cosine_similarity, "cosine_similarity", """The negated cosine
    similarity along ``axis`` (see :func:`cosine_similarity`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.CosineSimilarity()(ut.tensor([[1.0, 0.0]]), ut.tensor([[1.0, 0.0]]))
        tensor(-1., dtype=float32)
    """, (("axis", -1),))
Hinge = _wrapper(hinge, "hinge", """The hinge loss (see :func:`hinge`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.Hinge()(ut.tensor([[1.0]]), ut.tensor([[0.5]]))
        tensor(0.5, dtype=float32)
    """)
SquaredHinge = _wrapper(squared_hinge, "squared_hinge", """The squared hinge loss (see
    :func:`squared_hinge`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.SquaredHinge()(ut.tensor([[1.0]]), ut.tensor([[0.5]]))
        tensor(0.25, dtype=float32)
    """)
CategoricalHinge = _wrapper(categorical_hinge, "categorical_hinge", """The categorical
    hinge loss (see :func:`categorical_hinge`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.CategoricalHinge()(ut.tensor([[0.0, 1.0]]), ut.tensor([[0.2, 0.9]]))
        tensor(0.3, dtype=float32)
    """)
BinaryCrossentropy = _wrapper(binary_crossentropy, "binary_crossentropy", """The binary
    cross-entropy of targets in [0, 1] and probabilities (or logits with
    ``from_logits=True``), averaged over the last axis then over the batch (see
    :func:`binary_crossentropy`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.BinaryCrossentropy(from_logits=True)(ut.tensor([[1.0]]), ut.tensor([[0.0]]))
        tensor(0.6931472, dtype=float32)
    """, (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
CategoricalCrossentropy = _wrapper(categorical_crossentropy, "categorical_crossentropy",
                                   """The cross-entropy of one-hot targets and class
    probabilities (or logits with ``from_logits=True``; see
    :func:`categorical_crossentropy`).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.CategoricalCrossentropy()(ut.tensor([[0.0, 1.0]]), ut.tensor([[0.5, 0.5]]))
        tensor(0.6931472, dtype=float32)
    """, (("from_logits", False), ("label_smoothing", 0.0), ("axis", -1)))
SparseCategoricalCrossentropy = _wrapper(
    sparse_categorical_crossentropy, "sparse_categorical_crossentropy", """The cross-entropy
    of integer labels and class probabilities (or logits with ``from_logits=True``;
    see :func:`sparse_categorical_crossentropy`).

    Example:
        >>> import unitorch.keras as keras
        >>> loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        >>> loss(ut.tensor([1]), ut.tensor([[0.0, 0.0]]))
        tensor(0.6931472, dtype=float32)
    """, (("from_logits", False), ("ignore_class", None), ("axis", -1)))

_CLASS_NAMES = {
    "MeanSquaredError": MeanSquaredError, "MeanAbsoluteError": MeanAbsoluteError,
    "MeanAbsolutePercentageError": MeanAbsolutePercentageError,
    "MeanSquaredLogarithmicError": MeanSquaredLogarithmicError, "Huber": Huber,
    "LogCosh": LogCosh, "KLDivergence": KLDivergence, "Poisson": Poisson,
    "CosineSimilarity": CosineSimilarity, "Hinge": Hinge, "SquaredHinge": SquaredHinge,
    "CategoricalHinge": CategoricalHinge, "BinaryCrossentropy": BinaryCrossentropy,
    "CategoricalCrossentropy": CategoricalCrossentropy,
    "SparseCategoricalCrossentropy": SparseCategoricalCrossentropy,
}
for _name, _cls in _CLASS_NAMES.items():
    _cls.__name__ = _cls.__qualname__ = _name
    _cls.__module__ = __name__

_FUNCTIONS: dict[str, Callable[..., Tensor]] = {
    fn.__name__: fn for fn in (
        mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
        mean_squared_logarithmic_error, huber, log_cosh, kl_divergence, poisson,
        cosine_similarity, hinge, squared_hinge, categorical_hinge, binary_crossentropy,
        categorical_crossentropy, sparse_categorical_crossentropy)
}
_FUNCTIONS.update({"mse": mean_squared_error, "mae": mean_absolute_error,
                   "mape": mean_absolute_percentage_error,
                   "msle": mean_squared_logarithmic_error, "kld": kl_divergence,
                   "kl_divergence": kl_divergence, "logcosh": log_cosh,
                   "huber_loss": huber})


def get(identifier: Any) -> Any:
    """A loss from a function name (``"sparse_categorical_crossentropy"``, ``"mse"``...:
    the function), a class name (``"MeanSquaredError"``: an instance), a config dict, a
    Loss or any callable ``(y_true, y_pred)``; ``None`` stays ``None``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.get("mse").__name__
        'mean_squared_error'
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        if identifier in _FUNCTIONS:
            return _FUNCTIONS[identifier]
        if identifier in _CLASS_NAMES:
            return _CLASS_NAMES[identifier]()
        raise ValueError(f"Could not interpret loss identifier: {identifier}; unitorch.keras "
                         f"implements {sorted(set(_FUNCTIONS) | set(_CLASS_NAMES))}")
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret loss identifier: {identifier}")


def serialize(loss: Any) -> Any:
    """A loss as a config entry: a function's name, or ``{"class_name", "config"}``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.serialize(keras.losses.MeanSquaredError())["class_name"]
        'MeanSquaredError'
    """
    if isinstance(loss, Loss) and type(loss).__name__ in _CLASS_NAMES:
        return {"class_name": type(loss).__name__, "config": loss.get_config()}
    name = getattr(loss, "__name__", None)
    if name in _FUNCTIONS:
        return name
    raise ValueError(f"cannot serialize the loss {loss!r}: not one of Keras's losses")


def deserialize(config: Any) -> Any:
    """The loss a :func:`serialize` entry stands for.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.losses.deserialize("mse").__name__
        'mean_squared_error'
    """
    if isinstance(config, str):
        return get(config)
    cls = _CLASS_NAMES.get(config.get("class_name"))
    if cls is None:
        raise ValueError(f"Could not interpret loss identifier: {config}")
    return cls(**dict(config.get("config") or {}))


def as_loss(identifier: Any) -> Loss:
    """What ``compile(loss=...)`` uses: a Loss (functions are wrapped, reduced over the
    batch)."""
    found = get(identifier)
    if found is None or isinstance(found, Loss):
        return found
    return LossFunctionWrapper(found)


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.losses", name,
                  f"implemented: {', '.join(sorted(_CLASS_NAMES))} and their functions; "
                  "any callable (y_true, y_pred) -> tensor works as a loss")
