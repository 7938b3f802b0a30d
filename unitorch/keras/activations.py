"""``keras.activations``: Keras 3's activation functions, by name or as functions.

Each function takes a tensor (or anything :func:`unitorch.asarray` takes) and returns a
tensor of the same shape and floating dtype, with Keras's formula and defaults
(``leaky_relu``'s slope 0.2, ``hard_sigmoid`` = ``relu6(x + 3) / 6``, ``gelu`` exact
unless ``approximate=True``).  ``activation=`` arguments of layers accept these
functions, their names, ``None`` (linear), or any callable such as
``unitorch.tensorflow.nn.relu``.

Like Keras on TensorFlow, :func:`softmax` and :func:`sigmoid` remember the logits they
were given: a cross-entropy loss computed from probabilities they produced (``loss=
"categorical_crossentropy"`` after ``Dense(10, activation="softmax")``) uses the logits
instead, which is exact where clipping probabilities to ``[1e-7, 1 - 1e-7]`` would lose
the gradient of confident predictions.  Unlike Keras, this happens eagerly and
compiled, on every backend (Keras does it only in TensorFlow graphs).

Example:
    >>> import unitorch.keras as keras
    >>> keras.activations.relu(ut.tensor([-1.0, 2.0]))
    tensor([0., 2.], dtype=float32)
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from ..tensor import Tensor
from ._core import as_tensor, missing

__all__ = [
    "relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "mish",
    "softplus", "softsign", "sigmoid", "hard_sigmoid", "tanh", "exponential", "linear",
    "softmax", "log_softmax", "get", "serialize", "deserialize",
]

# id(probabilities made by softmax/sigmoid) -> (a weak reference to them, kind, their
# logits), for the losses; keyed by identity (tensors compare element-wise), each entry
# dropped when its tensor is
_LOGITS: dict[int, tuple[Any, str, Tensor]] = {}


def _remember(probabilities: Tensor, kind: str, logits: Tensor) -> None:
    key = id(probabilities)
    _LOGITS[key] = (weakref.ref(probabilities, lambda _, key=key: _LOGITS.pop(key, None)),
                    kind, logits)


def logits_of(probabilities: Any, kind: str) -> Tensor | None:
    """The logits ``probabilities`` came from, if :func:`softmax` (``kind="softmax"``) or
    :func:`sigmoid` (``"sigmoid"``) produced them."""
    found = _LOGITS.get(id(probabilities))
    if found is None or found[0]() is not probabilities or found[1] != kind:
        return None
    return found[2]


def _ut() -> Any:
    import unitorch

    return unitorch


def relu(x: Any, negative_slope: float = 0.0, max_value: float | None = None,
         threshold: float = 0.0) -> Tensor:
    """Keras's thresholded, clipped, leaky ReLU: ``max(x, 0)`` by default; with
    ``threshold``, ``x`` where ``x > threshold`` and 0 elsewhere; then clipped to ``[0,
    max_value]`` when ``max_value`` is given; then, with ``negative_slope``, minus
    ``negative_slope * max(threshold - x, 0)``.  (So, as in Keras, values between a
    negative ``threshold`` and 0 stay negative unless ``max_value`` clips them.)

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.relu(ut.tensor([-2.0, 1.0, 8.0]), negative_slope=0.5, max_value=6.0)
        tensor([-1.,  1.,  6.], dtype=float32)
    """
    from ..nn.functional import relu as _relu

    ut = _ut()
    x = as_tensor(x)
    if negative_slope == 0.0 and max_value is None and threshold == 0.0:
        return _relu(x)
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return leaky_relu(x, negative_slope)
    if threshold != 0.0:
        out = x * ut.astype(x > threshold, x.dtype)
    else:
        out = _relu(x)
    if max_value is not None:
        out = ut.clip(out, 0.0, float(max_value))
    if negative_slope != 0.0:
        out = out - negative_slope * _relu(threshold - x)
    return out


def leaky_relu(x: Any, negative_slope: float = 0.2) -> Tensor:
    """``x`` where positive, ``negative_slope * x`` elsewhere (Keras's default slope 0.2).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.leaky_relu(ut.tensor([-1.0, 1.0]))
        tensor([-0.2,  1. ], dtype=float32)
    """
    x = as_tensor(x)
    return _ut().where(x >= 0, x, x * negative_slope)


def relu6(x: Any) -> Tensor:
    """``min(max(x, 0), 6)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.relu6(ut.tensor([-1.0, 7.0]))
        tensor([0., 6.], dtype=float32)
    """
    x = as_tensor(x)
    return _ut().clip(x, 0.0, 6.0)


def elu(x: Any, alpha: float = 1.0) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.elu(ut.tensor([0.0, 1.0]))
        tensor([0., 1.], dtype=float32)
    """
    ut = _ut()
    x = as_tensor(x)
    return ut.where(x > 0, x, ut.expm1(x) * alpha)


def selu(x: Any) -> Tensor:
    """``scale * elu(x, alpha)`` with Keras's constants (alpha 1.67326..., scale
    1.05070...).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.selu(ut.tensor([1.0]))
        tensor([1.050701], dtype=float32)
    """
    return elu(x, 1.6732632423543772848170429916717) * 1.0507009873554804934193349852946


def gelu(x: Any, approximate: bool = False) -> Tensor:
    """The Gaussian error linear unit, ``x * Phi(x)`` (``approximate=True``: the tanh
    approximation).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.gelu(ut.tensor([0.0]))
        tensor([0.], dtype=float32)
    """
    from ..nn.functional import gelu as _gelu

    return _gelu(as_tensor(x), approximate="tanh" if approximate else "none")


def silu(x: Any) -> Tensor:
    """``x * sigmoid(x)`` (also called swish).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.silu(ut.tensor([0.0]))
        tensor([0.], dtype=float32)
    """
    from ..nn.functional import silu as _silu

    return _silu(as_tensor(x))


swish = silu


def softplus(x: Any) -> Tensor:
    """``log(exp(x) + 1)``, computed without overflow.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.softplus(ut.tensor([0.0]))
        tensor([0.6931472], dtype=float32)
    """
    ut = _ut()
    x = as_tensor(x)
    return ut.logaddexp(x, ut.zeros_like(x))


def mish(x: Any) -> Tensor:
    """``x * tanh(softplus(x))``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.mish(ut.tensor([0.0]))
        tensor([0.], dtype=float32)
    """
    x = as_tensor(x)
    return x * _ut().tanh(softplus(x))


def softsign(x: Any) -> Tensor:
    """``x / (|x| + 1)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.softsign(ut.tensor([1.0]))
        tensor([0.5], dtype=float32)
    """
    x = as_tensor(x)
    return x / (_ut().abs(x) + 1.0)


def sigmoid(x: Any) -> Tensor:
    """``1 / (1 + exp(-x))``; the result remembers ``x`` for the binary cross-entropy
    (see the module docstring).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.sigmoid(ut.tensor([0.0]))
        tensor([0.5], dtype=float32)
    """
    x = as_tensor(x)
    out = _ut().sigmoid(x)
    _remember(out, "sigmoid", x)
    return out


def hard_sigmoid(x: Any) -> Tensor:
    """``relu6(x + 3) / 6``, Keras 3's piecewise-linear sigmoid.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.hard_sigmoid(ut.tensor([-3.0, 0.0, 3.0]))
        tensor([0. , 0.5, 1. ], dtype=float32)
    """
    return relu6(as_tensor(x) + 3.0) / 6.0


def tanh(x: Any) -> Tensor:
    """The hyperbolic tangent.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.tanh(ut.tensor([0.0]))
        tensor([0.], dtype=float32)
    """
    return _ut().tanh(as_tensor(x))


def exponential(x: Any) -> Tensor:
    """``exp(x)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.exponential(ut.tensor([0.0]))
        tensor([1.], dtype=float32)
    """
    return _ut().exp(as_tensor(x))


def linear(x: Any) -> Any:
    """The identity (``activation=None``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.linear(ut.tensor([-1.0]))
        tensor([-1.], dtype=float32)
    """
    return x


def softmax(x: Any, axis: int = -1) -> Tensor:
    """``exp(x) / sum(exp(x))`` along ``axis``; the result remembers ``x`` for the
    categorical cross-entropies (see the module docstring).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.softmax(ut.tensor([[0.0, 0.0]]))
        tensor([[0.5, 0.5]], dtype=float32)
    """
    x = as_tensor(x)
    out = _ut().softmax(x, axis=axis)
    if axis in (-1, x.ndim - 1):
        _remember(out, "softmax", x)
    return out


def log_softmax(x: Any, axis: int = -1) -> Tensor:
    """``x - logsumexp(x)`` along ``axis``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.log_softmax(ut.tensor([[0.0, 0.0]]))
        tensor([[-0.6931472, -0.6931472]], dtype=float32)
    """
    return _ut().log_softmax(as_tensor(x), axis=axis)


_BY_NAME: dict[str, Callable[..., Any]] = {
    fn.__name__: fn for fn in (relu, leaky_relu, relu6, elu, selu, gelu, silu, mish,
                               softplus, softsign, sigmoid, hard_sigmoid, tanh, exponential,
                               linear, softmax, log_softmax)
}
_BY_NAME["swish"] = silu


def get(identifier: Any) -> Callable[..., Any]:
    """An activation function from its name (``"relu"``, ``"softmax"``...), a callable
    (returned as is) or ``None`` (linear).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.get("relu").__name__
        'relu'
    """
    if identifier is None:
        return linear
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(f"Could not interpret activation function identifier: "
                             f"{identifier}; unitorch.keras implements {sorted(_BY_NAME)}")
        return fn
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier}")


def serialize(activation: Callable[..., Any]) -> str:
    """The name of a Keras activation function (what ``get_config`` stores).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.serialize(keras.activations.relu)
        'relu'
    """
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME and _BY_NAME[name] is activation:
        return name
    for key, fn in _BY_NAME.items():  # functions from other namespaces with Keras's names
        if fn is activation:
            return key
    if name in _BY_NAME:
        return name
    raise ValueError(f"cannot serialize the activation {activation!r}: not a Keras "
                     "activation function; save the weights instead")


def deserialize(config: Any) -> Callable[..., Any]:
    """The activation a name (or ``{"class_name": name}``) stands for.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.activations.deserialize("tanh").__name__
        'tanh'
    """
    if isinstance(config, dict):
        config = config.get("config", config.get("class_name"))
    return get(config)


def is_softmax_like(fn: Any) -> bool:
    return fn is softmax or getattr(fn, "__name__", None) == "softmax"


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.activations", name,
                  f"implemented: {', '.join(sorted(_BY_NAME))}; any callable works as an "
                  "activation")

