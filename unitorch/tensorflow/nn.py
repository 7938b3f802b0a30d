"""``tf.nn``: the activations and cross-entropies training programs use, with
TensorFlow's argument names and per-example results.  Native TensorFlow tensors go to
TensorFlow itself (see :mod:`unitorch.tensorflow._native`)."""

from __future__ import annotations

from typing import Any

from ..keras import activations as A
from ..keras._core import missing
from ..tensor import Tensor
from ._core import _tensor
from ._native import passthrough

__all__ = [
    "relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "sigmoid", "tanh", "softmax",
    "log_softmax", "softplus", "leaky_relu", "dropout", "l2_loss", "moments",
    "sparse_softmax_cross_entropy_with_logits", "softmax_cross_entropy_with_logits",
    "sigmoid_cross_entropy_with_logits",
]


def _ut() -> Any:
    import unitorch

    return unitorch


@passthrough("nn.relu")
def relu(features: Any, name: str | None = None) -> Tensor:
    """``max(features, 0)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.relu(tf.constant([-1.0, 2.0]))
        tensor([0., 2.], dtype=float32)
    """
    return A.relu(_tensor(features))


@passthrough("nn.relu6")
def relu6(features: Any, name: str | None = None) -> Tensor:
    """``min(max(features, 0), 6)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.relu6(tf.constant([8.0]))
        tensor([6.], dtype=float32)
    """
    return A.relu6(_tensor(features))


@passthrough("nn.elu")
def elu(features: Any, name: str | None = None) -> Tensor:
    """``features`` where positive, ``exp(features) - 1`` elsewhere.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.elu(tf.constant([1.0]))
        tensor([1.], dtype=float32)
    """
    return A.elu(_tensor(features))


@passthrough("nn.selu")
def selu(features: Any, name: str | None = None) -> Tensor:
    """The scaled ELU.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.selu(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """
    return A.selu(_tensor(features))


@passthrough("nn.gelu")
def gelu(features: Any, approximate: bool = False, name: str | None = None) -> Tensor:
    """The Gaussian error linear unit (tanh approximation with ``approximate``).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.gelu(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """
    return A.gelu(_tensor(features), approximate=approximate)


@passthrough("nn.silu")
def silu(features: Any, beta: float = 1.0, name: str | None = None) -> Tensor:
    """``features * sigmoid(beta * features)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.silu(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """
    x = _tensor(features)
    return A.silu(x) if beta == 1.0 else x * _ut().sigmoid(x * beta)


swish = silu


@passthrough("nn.sigmoid")
def sigmoid(x: Any, name: str | None = None) -> Tensor:
    """``1 / (1 + exp(-x))``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.sigmoid(tf.constant([0.0]))
        tensor([0.5], dtype=float32)
    """
    return A.sigmoid(_tensor(x))


@passthrough("nn.tanh")
def tanh(x: Any, name: str | None = None) -> Tensor:
    """The hyperbolic tangent.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.tanh(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """
    return A.tanh(_tensor(x))


@passthrough("nn.softmax")
def softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """``exp(logits) / sum(exp(logits))`` along ``axis`` (the last by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.softmax(tf.constant([1.0, 1.0]))
        tensor([0.5, 0.5], dtype=float32)
    """
    return A.softmax(_tensor(logits), axis=-1 if axis is None else axis)


@passthrough("nn.log_softmax")
def log_softmax(logits: Any, axis: int | None = None, name: str | None = None) -> Tensor:
    """``logits - logsumexp(logits)`` along ``axis`` (the last by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.log_softmax(tf.constant([0.0, 0.0]))
        tensor([-0.6931472, -0.6931472], dtype=float32)
    """
    return A.log_softmax(_tensor(logits), axis=-1 if axis is None else axis)


@passthrough("nn.softplus")
def softplus(features: Any, name: str | None = None) -> Tensor:
    """``log(exp(features) + 1)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.softplus(tf.constant([0.0]))
        tensor([0.6931472], dtype=float32)
    """
    return A.softplus(_tensor(features))


@passthrough("nn.leaky_relu")
def leaky_relu(features: Any, alpha: float = 0.2, name: str | None = None) -> Tensor:
    """``features`` where positive, ``alpha * features`` elsewhere.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.leaky_relu(tf.constant([-1.0]))
        tensor([-0.2], dtype=float32)
    """
    return A.leaky_relu(_tensor(features), alpha)


@passthrough("nn.dropout")
def dropout(x: Any, rate: float, noise_shape: Any = None, seed: int | None = None,
            name: str | None = None) -> Tensor:
    """Zero each element with probability ``rate`` and scale the rest by ``1 / (1 -
    rate)`` (always: ``tf.nn.dropout`` has no inference mode).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.dropout(tf.ones(3), rate=0.0)
        tensor([1., 1., 1.], dtype=float32)
    """
    if noise_shape is not None:
        from ..keras._core import unsupported

        raise unsupported("tf.nn.dropout(noise_shape=...)")
    from ..nn.functional import dropout as _dropout

    return _dropout(_tensor(x), p=float(rate), training=True)


@passthrough("nn.l2_loss")
def l2_loss(t: Any, name: str | None = None) -> Tensor:
    """``sum(t ** 2) / 2``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.l2_loss(tf.constant([1.0, 2.0]))
        tensor(2.5, dtype=float32)
    """
    x = _tensor(t)
    return _ut().sum(x * x) / 2


@passthrough("nn.moments")
def moments(x: Any, axes: Any, shift: Any = None, keepdims: bool = False,
            name: str | None = None) -> tuple[Tensor, Tensor]:
    """``(mean, variance)`` over ``axes`` (the biased variance).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.moments(tf.constant([1.0, 3.0]), axes=[0])
        (tensor(2., dtype=float32), tensor(1., dtype=float32))
    """
    ut = _ut()
    t = _tensor(x)
    axes = tuple(int(a) for a in axes)
    return (ut.mean(t, axis=axes, keepdims=keepdims),
            ut.var(t, axis=axes, keepdims=keepdims, correction=0))


@passthrough("nn.sparse_softmax_cross_entropy_with_logits")
def sparse_softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                             name: str | None = None) -> Tensor:
    """Per-example cross-entropy of integer ``labels`` ``(...)`` and ``logits`` ``(...,
    classes)``: ``-log_softmax(logits)[label]``, shape ``labels.shape``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.sparse_softmax_cross_entropy_with_logits(
        ...     labels=tf.constant([0]), logits=tf.constant([[0.0, 0.0]]))
        tensor([0.6931472], dtype=float32)
    """
    from ..keras.losses import sparse_categorical_crossentropy

    y = _tensor(labels)
    if y.dtype.kind not in "iu":
        raise TypeError(f"labels must be integers, got {y.dtype.name}")
    return sparse_categorical_crossentropy(y, _tensor(logits), from_logits=True)


@passthrough("nn.softmax_cross_entropy_with_logits")
def softmax_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      axis: int = -1, name: str | None = None) -> Tensor:
    """Per-example cross-entropy of probability ``labels`` and ``logits`` along ``axis``:
    ``-sum(labels * log_softmax(logits))``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.softmax_cross_entropy_with_logits(
        ...     labels=tf.constant([[1.0, 0.0]]), logits=tf.constant([[0.0, 0.0]]))
        tensor([0.6931472], dtype=float32)
    """
    ut = _ut()
    x = _tensor(logits)
    return -ut.sum(_tensor(labels, x.dtype) * ut.log_softmax(x, axis=axis), axis=axis)


@passthrough("nn.sigmoid_cross_entropy_with_logits")
def sigmoid_cross_entropy_with_logits(labels: Any = None, logits: Any = None,
                                      name: str | None = None) -> Tensor:
    """Element-wise ``max(x, 0) - x * z + log(1 + exp(-|x|))`` for logits ``x`` and
    labels ``z``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.nn.sigmoid_cross_entropy_with_logits(
        ...     labels=tf.constant([1.0]), logits=tf.constant([0.0]))
        tensor([0.6931472], dtype=float32)
    """
    ut = _ut()
    x = _tensor(logits)
    z = _tensor(labels, x.dtype)
    return ut.maximum(x, ut.zeros_like(x)) - x * z + ut.log1p(ut.exp(-ut.abs(x)))



def __getattr__(name: str) -> Any:
    raise missing("unitorch.tensorflow.nn", name,
                  "implemented: " + ", ".join(__all__) + "; see unitorch.nn.functional")
