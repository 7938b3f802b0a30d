"""Core layers: ``Dense``, ``Activation``, ``Dropout``, ``Flatten``, ``Reshape``,
``Permute``, ``Rescaling``, ``Embedding``, ``Identity``, ``Lambda`` and the activation
layers ``ReLU``, ``LeakyReLU``, ``Softmax``, with Keras 3's formulas, defaults, weight
names and configs."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ...tensor import Tensor
from .. import activations
from .. import initializers as inits
from .._core import unsupported
from .base import Layer

__all__ = [
    "Dense", "Activation", "Dropout", "Flatten", "Reshape", "Permute", "Rescaling",
    "Embedding", "Identity", "Lambda", "ReLU", "LeakyReLU", "Softmax",
]


def _ut() -> Any:
    import unitorch

    return unitorch


def init_config(init: Any) -> Any:
    """An initializer as it appears in a config."""
    if isinstance(init, inits.Initializer):
        return inits.serialize(init)
    return init


def refuse_extras(layer: str, **options: Any) -> None:
    """Raise for Keras options this layer does not implement (given non-default)."""
    for name, value in options.items():
        if value not in (None, False, 0, 0.0):
            raise unsupported(f"{layer}({name}=...)")


class Dense(Layer):
    """A densely connected layer: ``activation(inputs @ kernel + bias)``, over the last
    axis of inputs of any rank.

    The ``kernel`` has shape ``(input_dim, units)`` (Keras's layout; built from the
    input on the first call), the ``bias`` ``(units,)``; defaults Glorot uniform and
    zeros.  The output has shape ``inputs.shape[:-1] + (units,)``.

    Example:
        >>> import unitorch.keras as keras
        >>> layer = keras.layers.Dense(4, activation="relu")
        >>> layer(np.ones((2, 3), dtype="float32")).shape
        (2, 4)
        >>> [(name, tuple(w.shape)) for name, w in layer.state_dict().items()]
        [('kernel', (3, 4)), ('bias', (4,))]
    """

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None,
                 activity_regularizer: Any = None, kernel_constraint: Any = None,
                 bias_constraint: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, quantization_config: Any = None,
                 **kwargs: Any) -> None:
        refuse_extras("Dense", kernel_regularizer=kernel_regularizer,
                      bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                      bias_constraint=bias_constraint, lora_rank=lora_rank,
                      quantization_config=quantization_config)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive "
                             f"integer. Received: units={units}")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = inits.get(kernel_initializer)
        self.bias_initializer = inits.get(bias_initializer)

    def build(self, input_shape: Any) -> None:
        n = input_shape[-1]
        if n is None:
            raise ValueError(f"Dense layer {self.name!r} needs a known last input axis, got "
                             f"shape {tuple(input_shape)}")
        self.kernel = self.add_weight(shape=(n, self.units), initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = (self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                     name="bias") if self.use_bias else None)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        x = _ut().matmul(inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        if self.activation is not activations.linear:
            x = self.activation(x)
        return x

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": init_config(self.kernel_initializer),
                "bias_initializer": init_config(self.bias_initializer)}


class Activation(Layer):
    """Applies an activation function (a name such as ``"relu"`` or a callable).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Activation("relu")(ut.tensor([-1.0, 1.0]))
        tensor([0., 1.], dtype=float32)
    """

    def __init__(self, activation: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs: Tensor) -> Tensor:
        return self.activation(inputs)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class ReLU(Layer):
    """``keras.activations.relu`` as a layer (``max_value``, ``negative_slope``,
    ``threshold``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.ReLU(max_value=1.0)(ut.tensor([-1.0, 3.0]))
        tensor([0., 1.], dtype=float32)
    """

    def __init__(self, max_value: float | None = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, \
            threshold

    def call(self, inputs: Tensor) -> Tensor:
        return activations.relu(inputs, self.negative_slope, self.max_value, self.threshold)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_value": self.max_value,
                "negative_slope": self.negative_slope, "threshold": self.threshold}


class LeakyReLU(Layer):
    """``keras.activations.leaky_relu`` as a layer (Keras 3's default slope 0.3 for the
    layer).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.LeakyReLU(negative_slope=0.5)(ut.tensor([-2.0, 2.0]))
        tensor([-1.,  2.], dtype=float32)
    """

    def __init__(self, negative_slope: float = 0.3, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.negative_slope = float(negative_slope)

    def call(self, inputs: Tensor) -> Tensor:
        return activations.leaky_relu(inputs, self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "negative_slope": self.negative_slope}


class Softmax(Layer):
    """``keras.activations.softmax`` along ``axis`` as a layer.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Softmax()(ut.tensor([[1.0, 1.0]]))
        tensor([[0.5, 0.5]], dtype=float32)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = axis

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is not None:
            raise unsupported("Softmax(mask=...)")
        return activations.softmax(inputs, axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class Dropout(Layer):
    """During training, zeros each element with probability ``rate`` and scales the rest
    by ``1 / (1 - rate)``; in inference (the default outside ``fit``) returns the input.

    The mask comes from unitorch's generators (``ut.random.portable(True)`` draws the
    same mask on every backend); ``seed`` is accepted for Keras compatibility and not
    used (seed with ``keras.utils.set_random_seed``).  ``noise_shape`` is not
    supported.

    Example:
        >>> import unitorch.keras as keras
        >>> layer = keras.layers.Dropout(0.5)
        >>> layer(ut.ones(4))  # inference: unchanged
        tensor([1., 1., 1., 1.], dtype=float32)
        >>> sorted(set(layer(ut.ones(100), training=True).tolist())) in ([0.0, 2.0], [2.0])
        True
    """

    def __init__(self, rate: float, noise_shape: Any = None, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not 0 <= float(rate) <= 1:
            raise ValueError(f"Invalid value received for argument `rate`. Expected a float "
                             f"value between 0 and 1. Received: rate={rate}")
        if noise_shape is not None:
            raise unsupported("Dropout(noise_shape=...)")
        self.rate, self.noise_shape, self.seed = float(rate), None, seed

    def call(self, inputs: Tensor, training: bool = False) -> Tensor:
        if training and self.rate > 0:
            from ...nn.functional import dropout

            return dropout(inputs, p=self.rate, training=True)
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rate": self.rate, "seed": self.seed,
                "noise_shape": None}


class Flatten(Layer):
    """Flattens every axis but the batch: ``(N, d1, d2, ...) -> (N, d1 * d2 * ...)``, in
    row-major (channels-last) order; ``data_format="channels_first"`` inputs are first
    moved to channels-last, as Keras does.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Flatten()(ut.zeros((2, 3, 4))).shape
        (2, 12)
    """

    def __init__(self, data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        ut = _ut()
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = ut.permute_dims(x, (0, *range(2, x.ndim), 1))
        rest = x.shape[1:]
        if x.ndim == 1:
            return ut.reshape(x, (-1, 1))
        if all(s is not None for s in rest):
            return ut.reshape(x, (-1, math.prod(rest)))
        return ut.reshape(x, (x.shape[0] if x.shape[0] is not None else -1, -1))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format}


class Reshape(Layer):
    """Reshapes each sample to ``target_shape`` (the batch axis kept; one ``-1`` allowed).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Reshape((3, 2))(ut.zeros((4, 6))).shape
        (4, 3, 2)
    """

    def __init__(self, target_shape: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_shape = tuple(int(s) for s in target_shape)

    def call(self, inputs: Tensor) -> Tensor:
        return _ut().reshape(inputs, (-1, *self.target_shape)) if -1 not in \
            self.target_shape else _ut().reshape(inputs, (inputs.shape[0], *self.target_shape))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Permute(Layer):
    """Permutes the non-batch axes: ``dims`` numbers them from 1.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Permute((2, 1))(ut.zeros((4, 2, 3))).shape
        (4, 3, 2)
    """

    def __init__(self, dims: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Invalid permutation argument `dims` for Permute Layer. The set "
                             f"of indices in `dims` must be `[1, 2, ...]`. Received: "
                             f"dims={dims}")

    def call(self, inputs: Tensor) -> Tensor:
        return _ut().permute_dims(inputs, (0, *self.dims))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "dims": list(self.dims)}


class Rescaling(Layer):
    """``inputs * scale + offset``, in the layer's dtype (float32; integer images are
    converted).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Rescaling(1 / 255)(np.array([0, 255], dtype="uint8"))
        tensor([0., 1.], dtype=float32)
    """

    def __init__(self, scale: float, offset: float = 0.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scale, self.offset = scale, offset

    def call(self, inputs: Tensor) -> Tensor:
        ut = _ut()
        x = inputs if inputs.dtype is self._dtype else ut.astype(inputs, self._dtype)
        out = x * ut.asarray(self.scale, dtype=self._dtype)
        return out + ut.asarray(self.offset, dtype=self._dtype) if self.offset else out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}


class Embedding(Layer):
    """Maps integer ids to rows of ``embeddings`` (``(input_dim, output_dim)``, default
    initializer U(-0.05, 0.05)): ``(...,) -> (..., output_dim)``.  Floating ids are
    cast to integers; ids outside ``[0, input_dim)`` raise.  ``mask_zero`` is not
    supported.

    Example:
        >>> import unitorch.keras as keras
        >>> layer = keras.layers.Embedding(10, 4)
        >>> layer(np.array([[1, 2, 3]])).shape
        (1, 3, 4)
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, embeddings_constraint: Any = None,
                 mask_zero: bool = False, weights: Any = None, lora_rank: int | None = None,
                 lora_alpha: float | None = None, quantization_config: Any = None,
                 **kwargs: Any) -> None:
        refuse_extras("Embedding", embeddings_regularizer=embeddings_regularizer,
                      embeddings_constraint=embeddings_constraint, lora_rank=lora_rank,
                      quantization_config=quantization_config)
        if mask_zero:
            raise unsupported("Embedding(mask_zero=True) (masking)",
                              "pad with zeros and pass sequence lengths, or slice the outputs")
        kwargs.pop("input_length", None)  # Keras 2's argument, ignored by Keras 3 too
        super().__init__(**kwargs)
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = inits.get(embeddings_initializer)
        self.mask_zero = False
        self._initial_weights = weights

    def build(self, input_shape: Any = None) -> None:
        self.embeddings = self.add_weight(shape=(self.input_dim, self.output_dim),
                                          initializer=self.embeddings_initializer,
                                          name="embeddings")
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        from ...nn.functional import embedding

        ut = _ut()
        ids = inputs if inputs.dtype.kind in "iu" else ut.astype(inputs, ut.int64)
        return embedding(ids, self.embeddings)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "input_dim": self.input_dim,
                "output_dim": self.output_dim,
                "embeddings_initializer": init_config(self.embeddings_initializer),
                "mask_zero": False}


class Identity(Layer):
    """Returns its input.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Identity()(ut.ones(2))
        tensor([1., 1.], dtype=float32)
    """

    def call(self, inputs: Any) -> Any:
        return inputs


class Lambda(Layer):
    """Wraps a function of tensors as a layer (no weights; not serializable by
    ``model.save``, whose config cannot hold code).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Lambda(lambda x: x * 2)(ut.ones(2))
        tensor([2., 2.], dtype=float32)
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None,
                 mask: Any = None, arguments: dict[str, Any] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if mask is not None:
            raise unsupported("Lambda(mask=...)")
        self.function, self.arguments = function, dict(arguments or {})

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def get_config(self) -> dict[str, Any]:
        raise NotImplementedError("a Lambda layer holds Python code, which unitorch's model "
                                  "files never store; save the weights (save_weights), or "
                                  "write the layer as a class")


def _data_format(value: str | None) -> str:
    value = "channels_last" if value is None else value
    if value not in ("channels_last", "channels_first"):
        raise ValueError(f"The `data_format` argument must be one of {{'channels_first', "
                         f"'channels_last'}}. Received: data_format={value}")
    return value
