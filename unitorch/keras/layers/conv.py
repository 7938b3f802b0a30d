"""Image layers with Keras's conventions: ``Conv2D``, ``MaxPooling2D``,
``AveragePooling2D``, ``GlobalAveragePooling2D``/``GlobalMaxPooling2D`` (and their 1-D
global forms), channels-last by default.

* ``data_format="channels_last"`` (the default): images are ``(N, H, W, C)``;
  ``"channels_first"``: ``(N, C, H, W)``.  The layout is what the argument says, never
  guessed from the shape.  unitorch's convolution and pooling kernels take NCHW, so
  channels-last images are transposed in and out of them.
* ``Conv2D``'s ``kernel`` has Keras's layout ``(kh, kw, in_channels / groups,
  filters)``, its ``bias`` ``(filters,)``; defaults Glorot uniform and zeros.
* ``padding="valid"`` (none) or ``"same"`` (TensorFlow's rule: output size
  ``ceil(size / stride)``, padding ``max((out - 1) * stride + (k - 1) * dilation + 1 -
  size, 0)`` split with the odd pixel at the bottom/right).  Max pooling pads with
  ``-inf``; average pooling divides by the number of real pixels in each window.
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import activations
from .. import initializers as inits
from .base import Layer
from .core import _data_format, init_config, refuse_extras

__all__ = [
    "Conv2D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D",
    "GlobalMaxPooling2D", "GlobalAveragePooling1D", "GlobalMaxPooling1D",
]

_TO_NCHW = (0, 3, 1, 2)
_TO_NHWC = (0, 2, 3, 1)


def _ut() -> Any:
    import unitorch

    return unitorch


def _pair(name: str, value: Any) -> tuple[int, int]:
    if isinstance(value, int):
        return (value, value)
    value = tuple(int(v) for v in value)
    if len(value) != 2:
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: "
                         f"{name}={value}")
    return value  # type: ignore[return-value]


def _padding(value: str) -> str:
    value = value.lower()
    if value not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be one of 'valid', 'same' (or "
                         f"'causal', not supported). Received: padding={value}")
    return value


def same_pads(size: int | None, k: int, s: int, d: int, who: str) -> tuple[int, int]:
    """TensorFlow's ``padding="same"`` for one axis: (before, after)."""
    if size is None:
        if s != 1:
            raise ValueError(f"{who}: padding='same' with strides needs a known image size")
        total = (k - 1) * d
    else:
        out = -(-size // s)
        total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


class Conv2D(Layer):
    """2-D convolution (cross-correlation), channels-last by default:
    ``activation(conv(inputs, kernel) + bias)``.

    Inputs ``(N, H, W, C)`` (or ``(N, C, H, W)`` with ``data_format="channels_first"``);
    the output has ``filters`` channels and, per spatial axis, size
    ``floor((size + pads - dilation * (k - 1) - 1) / stride) + 1``.

    Example:
        >>> import unitorch.keras as keras
        >>> layer = keras.layers.Conv2D(8, 3, activation="relu")
        >>> layer(np.zeros((2, 28, 28, 1), dtype="float32")).shape
        (2, 26, 26, 8)
        >>> tuple(layer.kernel.shape)
        (3, 3, 1, 8)
        >>> keras.layers.Conv2D(8, 3, strides=2, padding="same")(ut.zeros((1, 5, 5, 1))).shape
        (1, 3, 3, 8)
    """

    def __init__(self, filters: int, kernel_size: Any, strides: Any = (1, 1),
                 padding: str = "valid", data_format: str | None = None,
                 dilation_rate: Any = (1, 1), groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, bias_constraint: Any = None,
                 **kwargs: Any) -> None:
        refuse_extras("Conv2D", kernel_regularizer=kernel_regularizer,
                      bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                      bias_constraint=bias_constraint)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = int(filters)
        self.kernel_size = _pair("kernel_size", kernel_size)
        self.strides = _pair("strides", strides)
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)
        self.dilation_rate = _pair("dilation_rate", dilation_rate)
        self.groups = int(groups)
        if self.filters % self.groups:
            raise ValueError(f"The number of filters must be evenly divisible by the number "
                             f"of groups. Received: groups={groups}, filters={filters}.")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = inits.get(kernel_initializer)
        self.bias_initializer = inits.get(bias_initializer)

    def build(self, input_shape: Any) -> None:
        channels = input_shape[-1 if self.data_format == "channels_last" else 1]
        if channels is None:
            raise ValueError(f"Conv2D layer {self.name!r} needs a known channel axis")
        if channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the "
                             f"number of groups. Received groups={self.groups}, but the input "
                             f"has {channels} channels (full input shape is "
                             f"{tuple(input_shape)}).")
        shape = (*self.kernel_size, channels // self.groups, self.filters)
        self.kernel = self.add_weight(shape=shape, initializer=self.kernel_initializer,
                                      name="kernel")
        self.bias = (self.add_weight(shape=(self.filters,), initializer=self.bias_initializer,
                                     name="bias") if self.use_bias else None)
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        from ...nn.functional import conv2d

        ut = _ut()
        last = self.data_format == "channels_last"
        x = ut.permute_dims(inputs, _TO_NCHW) if last else inputs
        h, w = x.shape[2], x.shape[3]
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        padding: Any = 0
        if self.padding == "same":
            ph = same_pads(h, kh, sh, dh, f"Conv2D {self.name!r}")
            pw = same_pads(w, kw, sw, dw, f"Conv2D {self.name!r}")
            if ph[0] == ph[1] and pw[0] == pw[1]:
                padding = (ph[0], pw[0])
            else:
                x = ut.pad(x, ((0, 0), (0, 0), ph, pw))
        weight = ut.permute_dims(self.kernel, (3, 2, 0, 1))  # HWIO -> OIHW
        y = conv2d(x, weight, self.bias, stride=self.strides, padding=padding,
                   dilation=self.dilation_rate, groups=self.groups)
        if last:
            y = ut.permute_dims(y, _TO_NHWC)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return y

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "filters": self.filters,
                "kernel_size": list(self.kernel_size), "strides": list(self.strides),
                "padding": self.padding, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate), "groups": self.groups,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": init_config(self.kernel_initializer),
                "bias_initializer": init_config(self.bias_initializer)}


class _Pooling2D(Layer):
    _kind = "max"

    def __init__(self, pool_size: Any = (2, 2), strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pool_size = _pair("pool_size", pool_size)
        self.strides = self.pool_size if strides is None else _pair("strides", strides)
        self.padding = _padding(padding)
        self.data_format = _data_format(data_format)

    def call(self, inputs: Tensor) -> Tensor:
        from ...nn.functional import avg_pool2d, max_pool2d

        ut = _ut()
        last = self.data_format == "channels_last"
        x = ut.permute_dims(inputs, _TO_NCHW) if last else inputs
        k, s = self.pool_size, self.strides
        if self.padding == "same":
            who = f"{type(self).__name__} {self.name!r}"
            ph = same_pads(x.shape[2], k[0], s[0], 1, who)
            pw = same_pads(x.shape[3], k[1], s[1], 1, who)
        else:
            ph = pw = (0, 0)
        if ph == (0, 0) and pw == (0, 0):
            y = (max_pool2d(x, k, s) if self._kind == "max" else avg_pool2d(x, k, s))
        elif self._kind == "max":
            y = max_pool2d(ut.pad(x, ((0, 0), (0, 0), ph, pw), constant_values=-float("inf")),
                           k, s)
        else:  # the mean of the real pixels: window sums over window counts
            padded = ut.pad(x, ((0, 0), (0, 0), ph, pw))
            ones = ut.pad(ut.ones((1, 1, x.shape[2], x.shape[3]), dtype=x.dtype),
                          ((0, 0), (0, 0), ph, pw))
            y = avg_pool2d(padded, k, s) / avg_pool2d(ones, k, s)
        return ut.permute_dims(y, _TO_NHWC) if last else y

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "pool_size": list(self.pool_size),
                "padding": self.padding, "strides": list(self.strides),
                "data_format": self.data_format}


class MaxPooling2D(_Pooling2D):
    """The maximum over ``pool_size`` windows (default (2, 2); ``strides`` default to
    ``pool_size``), channels-last by default.

    Example:
        >>> import unitorch.keras as keras
        >>> x = ut.reshape(ut.arange(16.0), (1, 4, 4, 1))
        >>> keras.layers.MaxPooling2D()(x)[0, :, :, 0]
        tensor([[ 5.,  7.],
                [13., 15.]], dtype=float32)
    """

    _kind = "max"


class AveragePooling2D(_Pooling2D):
    """The mean over ``pool_size`` windows (``strides`` default to ``pool_size``);
    with ``padding="same"`` only real pixels count.

    Example:
        >>> import unitorch.keras as keras
        >>> x = ut.reshape(ut.arange(16.0), (1, 4, 4, 1))
        >>> keras.layers.AveragePooling2D(2)(x)[0, :, :, 0]
        tensor([[ 2.5,  4.5],
                [10.5, 12.5]], dtype=float32)
    """

    _kind = "avg"

    def __init__(self, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: str | None = None, **kwargs: Any) -> None:
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling(Layer):
    _kind = "avg"
    _rank = 2

    def __init__(self, data_format: str | None = None, keepdims: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.data_format = _data_format(data_format)
        self.keepdims = bool(keepdims)

    def call(self, inputs: Tensor) -> Tensor:
        ut = _ut()
        n = inputs.ndim
        spatial = tuple(range(1, n - 1)) if self.data_format == "channels_last" else \
            tuple(range(2, n))
        if self._kind == "avg":
            return ut.mean(inputs, axis=spatial, keepdims=self.keepdims)
        return ut.max(inputs, axis=spatial, keepdims=self.keepdims)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}


class GlobalAveragePooling2D(_GlobalPooling):
    """The mean over the spatial axes: ``(N, H, W, C) -> (N, C)`` (``keepdims=True``:
    ``(N, 1, 1, C)``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.GlobalAveragePooling2D()(ut.ones((2, 4, 4, 3))).shape
        (2, 3)
    """


class GlobalMaxPooling2D(_GlobalPooling):
    """The maximum over the spatial axes: ``(N, H, W, C) -> (N, C)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.GlobalMaxPooling2D()(ut.ones((2, 4, 4, 3))).shape
        (2, 3)
    """

    _kind = "max"


class GlobalAveragePooling1D(_GlobalPooling):
    """The mean over the steps: ``(N, T, C) -> (N, C)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.GlobalAveragePooling1D()(ut.ones((2, 5, 3))).shape
        (2, 3)
    """

    def call(self, inputs: Tensor, mask: Any = None) -> Tensor:
        if mask is not None:
            from .._core import unsupported

            raise unsupported("GlobalAveragePooling1D(mask=...)")
        return super().call(inputs)


class GlobalMaxPooling1D(_GlobalPooling):
    """The maximum over the steps: ``(N, T, C) -> (N, C)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.GlobalMaxPooling1D()(ut.ones((2, 5, 3))).shape
        (2, 3)
    """

    _kind = "max"
