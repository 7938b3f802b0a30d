"""``from_keras``: a Keras 3 model as the equivalent unitorch model.

The converted model takes the *same input* as the Keras model and returns the same
output; only the layers inside differ where the frameworks' conventions do:

* **Layout.**  Keras images are NHWC (``channels_last``), unitorch's NCHW.  The
  converter tracks the layout layer by layer and inserts a
  :class:`~unitorch.nn.convert.Permute` where it has to change: ``(0, 3, 1, 2)`` before
  the first convolution, pooling or image batch normalization, and ``(0, 2, 3, 1)``
  before a layer that reads the Keras element order (``Flatten``, ``Dense``,
  ``LayerNormalization`` on images, a final image output), so ``Flatten`` orders the
  elements as Keras does and the first ``Dense`` after it needs no reordering of its
  kernel.  ``channels_first`` layers need no permutation.
* **Weights.**  ``Dense`` kernels (in, out) become ``Linear`` weights (out, in);
  ``Conv2D`` kernels HWIO become OIHW; ``BatchNormalization``'s gamma, beta,
  moving mean and variance become weight, bias, running_mean and running_var.
* **BatchNormalization.**  Keras' ``momentum`` weighs the old running value (0.99),
  PyTorch's the new batch statistic: ``momentum = 1 - keras_momentum`` (0.01); epsilon
  is kept (Keras' default 1e-3).  During training the two still differ in one detail:
  Keras folds the biased batch variance into the moving variance, PyTorch (and
  unitorch) the unbiased one.  Inference is identical.
* **Recurrent layers.**  Keras' LSTM gates are ``i, f, c, o``, PyTorch's ``i, f, g, o``:
  the same order (``c`` is PyTorch's ``g``), so kernels are transposed and kept.  Keras
  has one bias, PyTorch two: it goes to ``bias_ih`` and ``bias_hh`` is zero.  Keras'
  GRU gates are ``z, r, h``, PyTorch's ``r, z, n``: blocks are reordered; with
  ``reset_after=True`` (Keras' default) Keras computes PyTorch's formula (the reset
  gate multiplies ``W_hn h + b_hn``) and its bias of shape (2, 3 units) holds
  ``bias_ih`` and ``bias_hh``.  ``reset_after=False`` is another formula and is refused.
  The activations must be Keras' defaults (``tanh``, ``recurrent_activation=
  "sigmoid"``).  The layer runs ``batch_first`` and is followed by an
  :class:`~unitorch.nn.convert.RNNOutput` (``return_sequences``).
* ``padding="same"`` with strides pads TensorFlow's way (the odd pixel at the
  bottom/right): a :class:`~unitorch.nn.convert.ZeroPad2d` before a convolution, the
  pooling layer's own padding or a ``-inf`` :class:`~unitorch.nn.convert.ConstantPad2d`
  before max pooling; average pooling excludes the padding from the mean (Keras').

Anything else, a layer option without an exact equivalent included, raises
:class:`~unitorch.nn.convert.UnsupportedLayerError`: nothing is dropped silently.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ... import dtypes as dt
from .. import layers as L
from .. import recurrent as R
from ..module import Module
from . import layers as H
from .registry import KERAS_ACTIVATIONS, KERAS_LAYERS, UnsupportedLayerError, unsupported

__all__ = ["from_keras"]

_TO_NCHW = (0, 3, 1, 2)
_TO_NHWC = (0, 2, 3, 1)


def _chain(model: Any, op: str = "from_keras") -> list[Any]:
    """The layers of a Sequential or single-path functional model, in call order, nested
    models expanded.  Anything else raises with the reason."""
    import keras

    if not isinstance(model, keras.Model):
        return [model]
    if isinstance(model, keras.Sequential):
        out: list[Any] = []
        for layer in model.layers:
            out.extend(_chain(layer, op) if isinstance(layer, keras.Model) else [layer])
        return out
    try:
        inputs, outputs = model.inputs, model.outputs
    except AttributeError:
        inputs = outputs = None
    if not inputs or not outputs or not hasattr(model, "_operations"):
        raise UnsupportedLayerError(
            f"{op}: {type(model).__name__} is a subclassed keras.Model (its call() is "
            "arbitrary code); only Sequential and functional models can be converted")
    if len(inputs) != 1 or len(outputs) != 1:
        raise UnsupportedLayerError(
            f"{op}: the functional model {model.name!r} has {len(inputs)} inputs and "
            f"{len(outputs)} outputs; only single-input, single-output chains are supported")
    layers: list[Any] = []
    tensor = outputs[0]
    while tensor is not inputs[0]:
        layer, node_index, _ = tensor._keras_history
        node = layer._inbound_nodes[node_index]
        feeds = list(node.input_tensors)
        if len(feeds) != 1:
            raise UnsupportedLayerError(
                f"{op}: layer {layer.name!r} of {model.name!r} takes {len(feeds)} inputs; "
                "only chains (each layer fed by the previous one) are supported")
        layers.append(layer)
        tensor = feeds[0]
    layers.reverse()
    own = [op_ for op_ in model._operations if not isinstance(op_, keras.layers.InputLayer)]
    if len(own) != len(layers) or {id(x) for x in own} != {id(x) for x in layers}:
        raise UnsupportedLayerError(
            f"{op}: the functional model {model.name!r} branches or reuses layers (it has "
            f"{len(own)} layers, {len(layers)} on the path from input to output); only "
            "chains are supported")
    out = []
    for layer in layers:
        out.extend(_chain(layer, op) if isinstance(layer, keras.Model) else [layer])
    return out


def _pairs(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _same_pads(size: int | None, k: int, s: int, d: int, layer: Any) -> tuple[int, int]:
    """TensorFlow's ``padding="same"``: (before, after), the odd pixel after."""
    if size is None:
        raise UnsupportedLayerError(
            f"from_keras: layer {layer.name!r} ({type(layer).__name__}) pads 'same' with "
            "strides, which depends on the image size: give the model a fixed input size")
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


class _Converter:
    """Walks the chain, emitting unitorch modules and their weights."""

    def __init__(self) -> None:
        self.modules: list[Module] = []
        self.state: dict[str, Any] = {}
        # True while the unitorch tensor is NCHW and the Keras one NHWC
        self.permuted = False

    # -- emitting ---------------------------------------------------------------------

    def add(self, module: Module, **weights: Any) -> None:
        index = str(len(self.modules))
        self.modules.append(module)
        for name, value in weights.items():
            self.state[f"{index}.{name}"] = value

    def to_nchw(self) -> None:
        if not self.permuted:
            self.add(H.Permute(*_TO_NCHW))
            self.permuted = True

    def to_keras_layout(self) -> None:
        if self.permuted:
            self.add(H.Permute(*_TO_NHWC))
            self.permuted = False

    def spatial(self, layer: Any) -> None:
        """Arrange the layout a 2-D image layer of Keras' ``data_format`` needs."""
        if getattr(layer, "data_format", "channels_last") == "channels_last":
            self.to_nchw()
        else:
            self.to_keras_layout()

    def unitorch_axis(self, axis: int, rank: int) -> int:
        """A Keras axis of the Keras tensor as an axis of the unitorch tensor."""
        axis = axis % rank
        return _TO_NHWC.index(axis) if self.permuted else axis

    # -- activations ------------------------------------------------------------------

    def activation(self, spec: Any, layer: Any, rank: int) -> None:
        if spec is None or spec == "linear":
            return
        name = spec if isinstance(spec, str) else None
        dim = self.unitorch_axis(-1, rank)
        make: dict[str, Callable[[], Module]] = {
            "relu": L.ReLU, "gelu": lambda: L.GELU("none"), "silu": L.SiLU,
            "swish": L.SiLU, "tanh": L.Tanh, "sigmoid": L.Sigmoid,
            "softmax": lambda: L.Softmax(dim), "log_softmax": lambda: L.LogSoftmax(dim),
            "elu": L.ELU, "selu": L.SELU, "softplus": L.Softplus, "mish": L.Mish,
            "relu6": L.ReLU6, "leaky_relu": lambda: L.LeakyReLU(0.2),  # (Keras' default)
            "hard_silu": L.Hardswish, "hard_swish": L.Hardswish,
        }
        if name not in make:
            raise UnsupportedLayerError(
                f"from_keras: activation {spec!r} of layer {layer.name!r} "
                f"({type(layer).__name__}) is not supported; supported activations: "
                f"{', '.join(KERAS_ACTIVATIONS)}")
        self.add(make[name]())


def _weights_dtype(layer: Any) -> dt.DType | None:
    ws = layer.weights
    return dt.as_dtype(str(np.dtype(ws[0].dtype))) if ws else None


def _np(v: Any) -> np.ndarray:
    return np.asarray(v.numpy() if hasattr(v, "numpy") else v)


def _refuse(layer: Any, why: str) -> UnsupportedLayerError:
    return UnsupportedLayerError(
        f"from_keras: layer {layer.name!r} ({type(layer).__name__}): {why}")


def _rank(layer: Any) -> int:
    return len(layer.input.shape)


# ---------------------------------------------------------------------------------------
# one function per Keras layer type


def _dense(c: _Converter, layer: Any) -> None:
    if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
        raise _refuse(layer, "LoRA and quantized Dense layers are not supported")
    rank = _rank(layer)
    c.to_keras_layout()
    kernel = _np(layer.kernel)
    weights = {"weight": kernel.T}
    if layer.use_bias:
        weights["bias"] = _np(layer.bias)
    c.add(L.Linear(kernel.shape[0], kernel.shape[1], layer.use_bias,
                   dtype=_weights_dtype(layer)), **weights)
    c.activation(layer.get_config()["activation"], layer, rank)


def _conv2d(c: _Converter, layer: Any) -> None:
    if getattr(layer, "lora_enabled", False):
        raise _refuse(layer, "LoRA is not supported")
    c.spatial(layer)
    kernel = _np(layer.kernel)  # (kh, kw, in / groups, out)
    kh, kw, cin, cout = kernel.shape
    strides, dilation = _pairs(layer.strides), _pairs(layer.dilation_rate)
    padding: Any = 0
    if layer.padding == "same":
        if strides == (1, 1):
            padding = "same"
        else:
            shape = layer.input.shape
            h, w = (shape[1], shape[2]) if layer.data_format == "channels_last" else \
                (shape[2], shape[3])
            top, bottom = _same_pads(h, kh, strides[0], dilation[0], layer)
            left, right = _same_pads(w, kw, strides[1], dilation[1], layer)
            if top == bottom and left == right:
                padding = (top, left)
            else:
                c.add(H.ZeroPad2d((left, right, top, bottom)))
    elif layer.padding != "valid":
        raise _refuse(layer, f"padding={layer.padding!r} is not supported")
    weights = {"weight": kernel.transpose(3, 2, 0, 1)}
    if layer.use_bias:
        weights["bias"] = _np(layer.bias)
    c.add(L.Conv2d(cin * layer.groups, cout, (kh, kw), strides, padding, dilation,
                   layer.groups, layer.use_bias, dtype=_weights_dtype(layer)), **weights)
    c.activation(layer.get_config()["activation"], layer, 4)


def _pool(c: _Converter, layer: Any, is_max: bool) -> None:
    c.spatial(layer)
    k, s = _pairs(layer.pool_size), _pairs(layer.strides or layer.pool_size)
    if layer.padding == "valid":
        pads = ((0, 0), (0, 0))
    else:
        shape = layer.input.shape
        h, w = (shape[1], shape[2]) if layer.data_format == "channels_last" else \
            (shape[2], shape[3])
        pads = (_same_pads(h, k[0], s[0], 1, layer), _same_pads(w, k[1], s[1], 1, layer))
    symmetric = all(a == b for a, b in pads)
    padding = (pads[0][0], pads[1][0]) if symmetric else (0, 0)
    if is_max:
        if not symmetric:
            (top, bottom), (left, right) = pads
            c.add(H.ConstantPad2d((left, right, top, bottom), -math.inf))
        c.add(L.MaxPool2d(k, s, padding))
    else:
        if not symmetric:
            raise _refuse(layer, "padding='same' that pads one side more than the other "
                                 "(an odd total) has no AvgPool2d equivalent")
        # Keras' average excludes the padding
        c.add(L.AvgPool2d(k, s, padding, count_include_pad=False))


def _global_avg(c: _Converter, layer: Any) -> None:
    c.spatial(layer)
    c.add(L.AdaptiveAvgPool2d(1))
    if not layer.keepdims:
        c.add(L.Flatten())
        c.permuted = False  # (N, C) in both frameworks


def _batch_norm(c: _Converter, layer: Any) -> None:
    if getattr(layer, "renorm", False) or getattr(layer, "synchronized", False):
        raise _refuse(layer, "renorm and synchronized batch normalization are not supported")
    rank = _rank(layer)
    axis = layer.axis if isinstance(layer.axis, int) else (
        layer.axis[0] if len(layer.axis) == 1 else None)
    if axis is None:
        raise _refuse(layer, f"normalizing over axes {layer.axis} is not supported")
    axis %= rank
    back = False
    if rank == 2 and axis == 1:
        cls: type = L.BatchNorm1d
    elif rank == 3 and axis in (1, 2):
        cls = L.BatchNorm1d
        if axis == 2:
            c.add(H.Permute(0, 2, 1))
            back = True
    elif rank == 4 and axis in (1, 3):
        cls = L.BatchNorm2d
        if axis == 3:
            c.to_nchw()
        else:
            c.to_keras_layout()
    else:
        raise _refuse(layer, f"axis {layer.axis} of a {rank}-D input is not supported")
    mean, var = _np(layer.moving_mean), _np(layer.moving_variance)
    n = mean.shape[0]
    gamma = _np(layer.gamma) if layer.scale else np.ones(n, mean.dtype)
    beta = _np(layer.beta) if layer.center else np.zeros(n, mean.dtype)
    c.add(cls(n, eps=float(layer.epsilon), momentum=round(1.0 - float(layer.momentum), 12),
              dtype=_weights_dtype(layer)),
          weight=gamma, bias=beta, running_mean=mean, running_var=var,
          num_batches_tracked=np.zeros((), np.int64))
    if back:
        c.add(H.Permute(0, 2, 1))


def _layer_norm(c: _Converter, layer: Any) -> None:
    if getattr(layer, "rms_scaling", False):
        raise _refuse(layer, "rms_scaling=True is not supported")
    rank = _rank(layer)
    axes = sorted({a % rank for a in ([layer.axis] if isinstance(layer.axis, int)
                                      else layer.axis)})
    if axes != list(range(rank - len(axes), rank)) or 0 in axes:
        raise _refuse(layer, f"axis={layer.axis} is not the trailing axes of the input")
    c.to_keras_layout()
    shape = tuple(layer.input.shape[a] for a in axes)
    affine = bool(layer.scale or layer.center)
    weights: dict[str, Any] = {}
    d = _weights_dtype(layer)
    if affine:
        npd = (d or dt.float32).numpy
        weights["weight"] = _np(layer.gamma) if layer.scale else np.ones(shape, npd)
        if layer.center:
            weights["bias"] = _np(layer.beta)
    c.add(L.LayerNorm(shape, eps=float(layer.epsilon), elementwise_affine=affine,
                      bias=bool(layer.center), dtype=d), **weights)


def _embedding(c: _Converter, layer: Any) -> None:
    if layer.mask_zero:
        raise _refuse(layer, "mask_zero=True (masking of later layers) is not supported; "
                             "pass lengths= or mask= to the recurrent layer instead")
    if getattr(layer, "lora_enabled", False) or getattr(layer, "quantization_mode", None):
        raise _refuse(layer, "LoRA and quantized embeddings are not supported")
    table = _np(layer.embeddings)
    c.add(L.Embedding(table.shape[0], table.shape[1], dtype=_weights_dtype(layer)),
          weight=table)


def _dropout(c: _Converter, layer: Any) -> None:
    if layer.noise_shape is not None:
        raise _refuse(layer, "noise_shape is not supported")
    c.add(L.Dropout(float(layer.rate)))


def _activation_layer(c: _Converter, layer: Any) -> None:
    c.activation(layer.get_config()["activation"], layer, _rank(layer))


def _relu_layer(c: _Converter, layer: Any) -> None:
    if layer.negative_slope or layer.threshold or layer.max_value not in (None, 6):
        raise _refuse(layer, "negative_slope, threshold and a max_value other than 6 are "
                             "not supported")
    c.add(L.ReLU() if layer.max_value is None else L.ReLU6())


def _spatial_dropout(c: _Converter, layer: Any) -> None:
    c.spatial(layer)  # NCHW: Dropout2d drops axis 1, the channels Keras drops
    c.add(L.Dropout2d(float(layer.rate)))


def _softmax_layer(c: _Converter, layer: Any) -> None:
    if not isinstance(layer.axis, int):
        raise _refuse(layer, f"axis={layer.axis} is not supported (one axis only)")
    c.add(L.Softmax(c.unitorch_axis(layer.axis, _rank(layer))))


def _flatten(c: _Converter, layer: Any) -> None:
    rank = _rank(layer)
    c.to_keras_layout()
    if layer.data_format == "channels_first" and rank > 2:
        c.add(H.Permute(0, *range(2, rank), 1))  # Keras moves channels last first
    c.add(L.Flatten())


def _permute(c: _Converter, layer: Any) -> None:
    c.to_keras_layout()
    c.add(H.Permute(0, *(int(d) for d in layer.dims)))


def _zero_pad(c: _Converter, layer: Any) -> None:
    c.spatial(layer)
    (top, bottom), (left, right) = layer.padding
    c.add(H.ZeroPad2d((left, right, top, bottom)))


def _identity(c: _Converter, layer: Any) -> None:
    c.add(L.Identity())


def _recurrent(kind: str) -> Callable[[_Converter, Any], None]:
    def convert(c: _Converter, layer: Any) -> None:
        cfg = layer.get_config()
        for flag in ("return_state", "go_backwards", "stateful"):
            if cfg.get(flag):
                raise _refuse(layer, f"{flag}=True is not supported")
        if cfg.get("dropout") or cfg.get("recurrent_dropout"):
            raise _refuse(layer, "dropout and recurrent_dropout inside the layer are not "
                                 "supported (Keras draws one mask for all time steps); put "
                                 "a Dropout layer before it instead")
        if _rank(layer) != 3:
            raise _refuse(layer, "only 3-D (batch, time, features) input is supported")
        acts = [cfg.get("activation")]
        if kind != "SimpleRNN":
            acts.append(cfg.get("recurrent_activation"))
            if acts != ["tanh", "sigmoid"]:
                raise _refuse(layer, f"activation={acts[0]!r} and recurrent_activation="
                                     f"{acts[1]!r} are not supported (only tanh/sigmoid, "
                                     "PyTorch's)")
        elif acts[0] not in ("tanh", "relu"):
            raise _refuse(layer, f"activation={acts[0]!r} is not supported (tanh or relu)")
        if kind == "GRU" and not cfg.get("reset_after", True):
            raise _refuse(layer, "reset_after=False is not PyTorch's GRU formula; only "
                                 "reset_after=True (Keras' default) is supported")
        c.to_keras_layout()
        cell = layer.cell
        units = int(cfg["units"])
        kernel, recurrent = _np(cell.kernel), _np(cell.recurrent_kernel)
        use_bias = bool(cfg.get("use_bias", True))
        bias = _np(cell.bias) if use_bias else None
        d = _weights_dtype(layer)
        if kind == "GRU":  # Keras z, r, h -> PyTorch r, z, n
            def order(a: np.ndarray) -> np.ndarray:
                u = units
                return np.concatenate([a[..., u:2 * u], a[..., :u], a[..., 2 * u:]], axis=-1)
            kernel, recurrent = order(kernel), order(recurrent)
            b_ih, b_hh = (order(bias[0]), order(bias[1])) if bias is not None else (None, None)
            module: Module = R.GRU(kernel.shape[0], units, bias=use_bias, batch_first=True,
                                   dtype=d)
        else:
            b_ih = bias
            b_hh = None if bias is None else np.zeros_like(bias)
            if kind == "LSTM":
                module = R.LSTM(kernel.shape[0], units, bias=use_bias, batch_first=True,
                                dtype=d)
            else:
                module = R.RNN(kernel.shape[0], units, nonlinearity=acts[0], bias=use_bias,
                               batch_first=True, dtype=d)
        weights = {"weight_ih_l0": kernel.T, "weight_hh_l0": recurrent.T}
        if use_bias:
            weights.update(bias_ih_l0=b_ih, bias_hh_l0=b_hh)
        c.add(module, **weights)
        c.add(H.RNNOutput(bool(cfg.get("return_sequences")), batch_first=True))
    return convert


def _handlers() -> dict[type, Callable[[_Converter, Any], None]]:
    from keras import layers as K

    return {
        K.InputLayer: lambda c, layer: None,
        K.Dense: _dense,
        K.Conv2D: _conv2d,
        K.MaxPooling2D: lambda c, layer: _pool(c, layer, True),
        K.AveragePooling2D: lambda c, layer: _pool(c, layer, False),
        K.GlobalAveragePooling2D: _global_avg,
        K.BatchNormalization: _batch_norm,
        K.LayerNormalization: _layer_norm,
        K.Embedding: _embedding,
        K.Dropout: _dropout,
        K.Activation: _activation_layer,
        K.ReLU: _relu_layer,
        K.Softmax: _softmax_layer,
        K.Flatten: _flatten,
        K.Permute: _permute,
        K.ZeroPadding2D: _zero_pad,
        K.Identity: _identity,
        K.LeakyReLU: lambda c, layer: c.add(L.LeakyReLU(float(layer.negative_slope))),
        K.ELU: lambda c, layer: c.add(L.ELU(float(layer.alpha))),
        K.SpatialDropout2D: _spatial_dropout,
        K.LSTM: _recurrent("LSTM"),
        K.GRU: _recurrent("GRU"),
        K.SimpleRNN: _recurrent("SimpleRNN"),
    }


def from_keras(model: Any) -> Module:
    """The unitorch equivalent of a Keras 3 model, with a copy of its weights, on the
    *active* backend: a :class:`~unitorch.nn.Sequential` that takes the same input as
    the Keras model (NHWC images stay NHWC) and returns the same output.

    ``model`` is a ``keras.Sequential``, a functional ``keras.Model`` whose layers form
    one chain from its single input to its single output (nested models are expanded),
    or a single layer.  It must be built (give it a ``keras.Input`` or call it once).
    Supported layers: see :data:`unitorch.nn.convert.registry.KERAS_LAYERS` (Dense,
    Conv2D, pooling, BatchNormalization, LayerNormalization, Embedding, Dropout,
    Activation and ``activation=`` arguments, Flatten, LSTM/GRU/SimpleRNN...); the layout
    and weight conventions are described in :mod:`unitorch.nn.convert.from_keras`.  The
    converted model is in eval mode (Keras layers have no mode; call ``.train()`` to
    fine-tune).

    Raises :class:`~unitorch.nn.convert.UnsupportedLayerError` naming the layer and the
    supported types for anything else (a subclassed model, a branching functional
    model, a layer or an option without an exact equivalent).

    Example:
        >>> import keras
        >>> km = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, "relu")])
        >>> ut.nn.from_keras(km)
        Sequential(
          (0): Linear(in_features=4, out_features=3, bias=True)
          (1): ReLU()
        )
    """
    import keras

    if not isinstance(model, keras.layers.Layer):
        raise TypeError(f"from_keras() expects a Keras model or layer, got "
                        f"{type(model).__name__}")
    if not model.built:
        raise ValueError("from_keras(): the Keras model is not built; give it a "
                         "keras.Input(shape) or call it once on data")
    handlers = _handlers()
    c = _Converter()
    for layer in _chain(model):
        handle = handlers.get(type(layer))
        if handle is None:
            raise unsupported("from_keras", layer, layer.name, KERAS_LAYERS)
        if layer.weights and layer.compute_dtype != layer.variable_dtype:
            raise _refuse(layer, f"the mixed-precision policy {layer.dtype_policy.name!r} "
                                 f"(weights {layer.variable_dtype}, computation "
                                 f"{layer.compute_dtype}) is not supported; convert the "
                                 "float32 model and call .half() on the result")
        handle(c, layer)
    c.to_keras_layout()
    out = L.Sequential(*c.modules)
    out.load_state_dict(c.state, strict=True)
    return out.eval()
