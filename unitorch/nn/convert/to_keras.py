"""``to_keras``: a unitorch model as the equivalent Keras 3 model.

The Keras model takes the *same input* as the unitorch model (NCHW images stay NCHW) and
returns the same output.  Keras' convolutions on the CPU only run ``channels_last``, so
the converter does not use ``data_format="channels_first"``: it inserts
``keras.layers.Permute`` layers where the layout has to change, ``(2, 3, 1)`` (NCHW ->
NHWC) before the first convolution or pooling and ``(3, 1, 2)`` before a layer that reads
the element order (``Flatten``, ``Dense``, ``LayerNormalization``, ``Softmax``, the
output), so every layer computes exactly what the unitorch one does.

Weight layouts are converted (Linear (out, in) -> Dense (in, out), Conv2d OIHW ->
Conv2D HWIO, PyTorch's LSTM biases ``bias_ih + bias_hh`` -> Keras' one bias, GRU gates
``r, z, n`` -> Keras' ``z, r, h`` with ``reset_after=True``), and BatchNorm's momentum
becomes Keras' ``1 - momentum``.  Refused, with
:class:`~unitorch.nn.convert.UnsupportedLayerError`: options without an exact Keras
equivalent (``ceil_mode``, max pooling padding other than TensorFlow's ``"same"``,
``divisor_override``, BatchNorm ``momentum=None`` or ``track_running_stats=False``,
bidirectional or time-major recurrent layers, a recurrent layer not followed by
:class:`~unitorch.nn.convert.RNNOutput`...).  ``Embedding``'s ``padding_idx`` only
affects training (its row gets no gradient in PyTorch): the row's values are copied, the
rule is not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ...errors import normalize_axis
from .. import layers as L
from .. import recurrent as R
from ..module import Module
from . import layers as H
from .registry import UNITORCH_LAYERS, UnsupportedLayerError, unsupported

__all__ = ["to_keras"]


def _modules(model: Module, where: str = "") -> list[tuple[str, Module]]:
    """The layers a Sequential runs, nested Sequentials expanded, with their paths."""
    if type(model) is L.Sequential:
        out = []
        for name, child in model.named_children():
            out.extend(_modules(child, f"{where}.{name}" if where else name))
        return out
    return [(where, model)]


def _np(t: Any) -> np.ndarray:
    return np.array(t.numpy())


def _pair(v: Any) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, (int, np.integer)) else (int(v[0]), int(v[1]))


def _same_pads(size: Any, k: int, s: int, d: int = 1) -> tuple[int, int] | None:
    """TensorFlow's ``padding="same"`` (before, after) for a known size, else None."""
    if size is None:
        return None
    out = -(-size // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - size, 0)
    return total // 2, total - total // 2


def _refuse(where: str, m: Module, why: str) -> UnsupportedLayerError:
    place = f" at {where!r}" if where else ""
    return UnsupportedLayerError(f"to_keras: {type(m).__name__}{place}: {why}")


class _Builder:
    """Calls Keras layers on the symbolic tensor, tracking the layout."""

    def __init__(self, x: Any, dtype: str) -> None:
        self.x = x
        self.dtype = dtype
        self.nhwc = False  # True while the Keras tensor is NHWC and unitorch's NCHW

    @property
    def rank(self) -> int:
        return len(self.x.shape)

    def call(self, layer: Any, weights: list[np.ndarray] | None = None) -> None:
        self.x = layer(self.x)
        if weights is not None:
            layer.set_weights(weights)

    def to_nhwc(self) -> None:
        import keras

        if not self.nhwc:
            if self.rank != 4:
                raise UnsupportedLayerError(
                    f"to_keras: a 2-D image layer needs a 4-D (N, C, H, W) input, got "
                    f"{self.rank}-D")
            self.call(keras.layers.Permute((2, 3, 1), dtype=self.dtype))
            self.nhwc = True

    def to_nchw(self) -> None:
        import keras

        if self.nhwc:
            self.call(keras.layers.Permute((3, 1, 2), dtype=self.dtype))
            self.nhwc = False


Handler = Callable[[_Builder, list[tuple[str, Module]], int], int]


def _gelu_tanh(x: Any) -> Any:
    import keras

    return keras.activations.gelu(x, approximate=True)


def _handlers() -> dict[type, Handler]:
    import keras

    K = keras.layers
    gelu_tanh = keras.saving.register_keras_serializable("unitorch", "gelu_tanh")(_gelu_tanh)

    def simple(make: Callable[[_Builder, Module], Any]) -> Handler:
        def handle(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
            b.call(make(b, mods[i][1]))
            return i + 1
        return handle

    def linear(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        m = mods[i][1]
        b.to_nchw()
        w = [_np(m.weight).T] + ([_np(m.bias)] if m.bias is not None else [])
        b.call(K.Dense(m.out_features, use_bias=m.bias is not None, dtype=b.dtype), w)
        return i + 1

    def conv(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        b.to_nhwc()
        padding: Any = m.padding
        if padding == (0, 0):
            padding = "valid"
        elif not isinstance(padding, str):
            b.call(K.ZeroPadding2D(((padding[0],) * 2, (padding[1],) * 2), dtype=b.dtype))
            padding = "valid"
        w = [_np(m.weight).transpose(2, 3, 1, 0)]
        if m.bias is not None:
            w.append(_np(m.bias))
        try:
            layer = K.Conv2D(m.out_channels, m.kernel_size, m.stride, padding,
                             dilation_rate=m.dilation, groups=m.groups,
                             use_bias=m.bias is not None, dtype=b.dtype)
        except ValueError as e:
            raise _refuse(where, m, str(e)) from e
        b.call(layer, w)
        return i + 1

    def same_or_none(b: _Builder, k: tuple[int, int], s: tuple[int, int],
                     pads: tuple[tuple[int, int], tuple[int, int]]) -> bool:
        _, h, w, _ = b.x.shape
        return (_same_pads(h, k[0], s[0]), _same_pads(w, k[1], s[1])) == pads

    def max_pool(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        if m.ceil_mode:
            raise _refuse(where, m, "ceil_mode=True has no Keras equivalent")
        b.to_nhwc()
        k, s, p = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
        padding = "valid"
        if p != (0, 0):
            if not same_or_none(b, k, s, ((p[0], p[0]), (p[1], p[1]))):
                raise _refuse(where, m, f"padding={m.padding} is not TensorFlow's 'same' "
                                        "padding for this input size")
            padding = "same"
        b.call(K.MaxPooling2D(k, s, padding, dtype=b.dtype))
        return i + 1

    def avg_pool(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        if m.ceil_mode or m.divisor_override is not None:
            raise _refuse(where, m, "ceil_mode and divisor_override have no Keras "
                                    "equivalent")
        b.to_nhwc()
        k, s, p = _pair(m.kernel_size), _pair(m.stride), _pair(m.padding)
        padding = "valid"
        if p != (0, 0):
            if m.count_include_pad:  # zeros that count: pad explicitly
                b.call(K.ZeroPadding2D(((p[0], p[0]), (p[1], p[1])), dtype=b.dtype))
            elif same_or_none(b, k, s, ((p[0], p[0]), (p[1], p[1]))):
                padding = "same"  # Keras' average excludes its padding
            else:
                raise _refuse(where, m, f"padding={m.padding} with count_include_pad=False "
                                        "is not TensorFlow's 'same' padding for this input")
        b.call(K.AveragePooling2D(k, s, padding, dtype=b.dtype))
        return i + 1

    def adaptive(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        if _pair(m.output_size) != (1, 1):
            raise _refuse(where, m, f"output_size={m.output_size}: only 1 (global average "
                                    "pooling) is supported")
        b.to_nhwc()
        b.call(K.GlobalAveragePooling2D(keepdims=True, dtype=b.dtype))
        return i + 1

    def batch_norm(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        if m.momentum is None or not m.track_running_stats:
            raise _refuse(where, m, "momentum=None and track_running_stats=False have no "
                                    "Keras equivalent")
        if isinstance(m, L.BatchNorm2d):
            b.to_nhwc()
            axis = -1
        else:
            b.to_nchw()
            axis = -1 if b.rank == 2 else 1
        w = ([_np(m.weight)] if m.weight is not None else []) + \
            ([_np(m.bias)] if m.bias is not None else []) + \
            [_np(m.running_mean), _np(m.running_var)]
        b.call(K.BatchNormalization(axis, momentum=round(1.0 - m.momentum, 12), epsilon=m.eps,
                                    center=m.bias is not None, scale=m.weight is not None,
                                    dtype=b.dtype), w)
        return i + 1

    def layer_norm(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        m = mods[i][1]
        b.to_nchw()
        k = len(m.normalized_shape)
        axis = -1 if k == 1 else list(range(b.rank - k, b.rank))
        w = ([_np(m.weight)] if m.weight is not None else []) + \
            ([_np(m.bias)] if m.bias is not None else [])
        b.call(K.LayerNormalization(axis, epsilon=m.eps, center=m.bias is not None,
                                    scale=m.weight is not None, dtype=b.dtype), w)
        return i + 1

    def softmax(log: bool) -> Handler:
        def handle(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
            where, m = mods[i]
            b.to_nchw()
            dim = m.dim
            if dim is None:  # PyTorch's legacy implicit choice
                dim = 0 if b.rank in (0, 1, 3) else 1
            dim = normalize_axis(dim, b.rank, "dim")
            if not log:
                b.call(K.Softmax(axis=dim, dtype=b.dtype))
            elif dim == b.rank - 1:
                b.call(K.Activation("log_softmax", dtype=b.dtype))
            else:
                raise _refuse(where, m, "only the last axis is supported")
            return i + 1
        return handle

    def flatten(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        b.to_nchw()
        rank = b.rank
        start, end = normalize_axis(m.start_dim, rank), normalize_axis(m.end_dim, rank)
        if start == 0:
            raise _refuse(where, m, "flattening the batch axis is not supported")
        if (start, end) == (1, rank - 1):
            b.call(K.Flatten(dtype=b.dtype))
        elif start <= end:
            shape = list(b.x.shape[1:])
            if any(s is None for s in shape[start - 1:end]):
                raise _refuse(where, m, "flattening axes of unknown size is not supported")
            merged = math.prod(shape[start - 1:end])
            target = [*shape[:start - 1], merged, *shape[end:]]
            b.call(K.Reshape([-1 if s is None else s for s in target], dtype=b.dtype))
        return i + 1

    def permute(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        # a change between NCHW and NHWC only changes which layout the Keras tensor is
        # said to be in (the Keras layers that need NHWC get it without a transpose)
        if b.rank == 4 and m.dims == ((0, 2, 3, 1) if b.nhwc else (0, 3, 1, 2)):
            b.nhwc = not b.nhwc
            return i + 1
        b.to_nchw()
        if m.dims[0] != 0:
            raise _refuse(where, m, "moving the batch axis is not supported")
        b.call(K.Permute(m.dims[1:], dtype=b.dtype))
        return i + 1

    def constant_pad(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        b.to_nhwc()
        left, right, top, bottom = m.padding
        if m.value == 0:
            b.call(K.ZeroPadding2D(((top, bottom), (left, right)), dtype=b.dtype))
            return i + 1
        # -inf padding before a max pool: Keras' MaxPooling2D(padding="same")
        nxt = mods[i + 1][1] if i + 1 < len(mods) else None
        if (m.value == -math.inf and type(nxt) is L.MaxPool2d and not nxt.ceil_mode
                and _pair(nxt.padding) == (0, 0)):
            k, s = _pair(nxt.kernel_size), _pair(nxt.stride)
            if same_or_none(b, k, s, ((top, bottom), (left, right))):
                b.call(K.MaxPooling2D(k, s, "same", dtype=b.dtype))
                return i + 2
        raise _refuse(where, m, f"padding with {m.value} is only supported as -inf before "
                                "a MaxPool2d, where it is TensorFlow's 'same' padding")

    def recurrent(kind: str) -> Handler:
        def handle(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
            where, m = mods[i]
            if not m.batch_first or m.bidirectional:
                raise _refuse(where, m, "only batch_first=True, unidirectional layers are "
                                        "supported (Keras is batch-major)")
            nxt = mods[i + 1][1] if i + 1 < len(mods) else None
            if type(nxt) is not H.RNNOutput or not nxt.batch_first:
                raise _refuse(where, m, "a recurrent layer must be followed by "
                                        "ut.nn.convert.RNNOutput(return_sequences, "
                                        "batch_first=True): Keras layers return one tensor")
            b.to_nchw()
            u = m.hidden_size
            for layer in range(m.num_layers):
                last = layer == m.num_layers - 1
                sfx = f"_l{layer}"
                w_ih, w_hh = _np(getattr(m, "weight_ih" + sfx)), _np(getattr(m, "weight_hh" + sfx))
                b_ih = _np(getattr(m, "bias_ih" + sfx)) if m.bias else None
                b_hh = _np(getattr(m, "bias_hh" + sfx)) if m.bias else None
                seqs = nxt.return_sequences if last else True
                common = dict(return_sequences=seqs, use_bias=m.bias, dtype=b.dtype)
                if kind == "GRU":  # PyTorch r, z, n -> Keras z, r, h
                    def order(a: np.ndarray) -> np.ndarray:
                        return np.concatenate([a[u:2 * u], a[:u], a[2 * u:]], axis=0)
                    w = [order(w_ih).T, order(w_hh).T]
                    if m.bias:
                        w.append(np.stack([order(b_ih), order(b_hh)]))
                    keras_layer = K.GRU(u, reset_after=True, **common)
                else:
                    w = [w_ih.T, w_hh.T] + ([b_ih + b_hh] if m.bias else [])
                    if kind == "LSTM":
                        keras_layer = K.LSTM(u, **common)
                    else:
                        keras_layer = K.SimpleRNN(u, activation=m.nonlinearity, **common)
                b.call(keras_layer, w)
                if not last and m.dropout > 0:
                    b.call(K.Dropout(m.dropout, dtype=b.dtype))
            return i + 2
        return handle

    def embedding(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        m = mods[i][1]
        b.to_nchw()
        b.call(K.Embedding(m.num_embeddings, m.embedding_dim, dtype=b.dtype), [_np(m.weight)])
        return i + 1

    def lone_output(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        raise _refuse(where, m, "RNNOutput must follow a recurrent layer")

    def softplus(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        where, m = mods[i]
        if m.beta != 1.0:
            raise _refuse(where, m, f"beta={m.beta}: Keras' softplus has beta 1")
        b.call(K.Activation("softplus", dtype=b.dtype))  # (exact where PyTorch's is linear)
        return i + 1

    def dropout2d(b: _Builder, mods: list[tuple[str, Module]], i: int) -> int:
        m = mods[i][1]
        b.to_nhwc()  # Keras' SpatialDropout2D drops the channels of NHWC images
        b.call(K.SpatialDropout2D(m.p, dtype=b.dtype))
        return i + 1

    act = lambda name: simple(lambda b, m: K.Activation(name, dtype=b.dtype))  # noqa: E731
    return {
        L.Linear: linear,
        L.Conv2d: conv,
        L.MaxPool2d: max_pool,
        L.AvgPool2d: avg_pool,
        L.AdaptiveAvgPool2d: adaptive,
        L.BatchNorm1d: batch_norm,
        L.BatchNorm2d: batch_norm,
        L.LayerNorm: layer_norm,
        L.Embedding: embedding,
        L.Dropout: simple(lambda b, m: K.Dropout(m.p, dtype=b.dtype)),
        L.ReLU: act("relu"),
        L.SiLU: act("silu"),
        L.Tanh: act("tanh"),
        L.Sigmoid: act("sigmoid"),
        L.GELU: simple(lambda b, m: K.Activation(
            "gelu" if m.approximate == "none" else gelu_tanh, dtype=b.dtype)),
        L.Softmax: softmax(False),
        L.LogSoftmax: softmax(True),
        L.Flatten: flatten,
        L.Identity: simple(lambda b, m: K.Identity(dtype=b.dtype)),
        H.Permute: permute,
        H.ConstantPad2d: constant_pad,
        H.ZeroPad2d: constant_pad,
        R.LSTM: recurrent("LSTM"),
        R.GRU: recurrent("GRU"),
        R.RNN: recurrent("RNN"),
        H.RNNOutput: lone_output,
        # the element-wise activations of issue 11 with a Keras counterpart (the others,
        # and issue 11's convolution, pooling, normalization and attention layers, are
        # refused: their layouts or options differ)
        L.LeakyReLU: simple(lambda b, m: K.LeakyReLU(m.negative_slope, dtype=b.dtype)),
        L.ELU: simple(lambda b, m: K.ELU(m.alpha, dtype=b.dtype)),
        L.ReLU6: simple(lambda b, m: K.ReLU(max_value=6.0, dtype=b.dtype)),
        L.SELU: act("selu"),
        L.Mish: act("mish"),
        L.Hardswish: act("hard_silu"),
        L.Softplus: softplus,
        L.Dropout2d: dropout2d,
    }


def _input_spec(first: Module) -> tuple[tuple[int | None, ...], str]:
    """The per-sample input shape and dtype the first layer implies."""
    if isinstance(first, L.Linear):
        return (first.in_features,), ""
    if isinstance(first, L.Embedding):
        return (None,), "int64"
    if isinstance(first, (R.LSTM, R.GRU, R.RNN)):
        return (None, first.input_size), ""
    if isinstance(first, L.BatchNorm1d):
        return (first.num_features,), ""
    if isinstance(first, L.LayerNorm):
        return tuple(first.normalized_shape), ""
    raise ValueError(f"to_keras(): the input shape cannot be inferred from a first layer "
                     f"{type(first).__name__}; pass input_shape= (per sample, without the "
                     "batch axis, e.g. (3, 32, 32) for NCHW images)")


def to_keras(model: Module, input_shape: tuple[int | None, ...] | None = None,
             input_dtype: Any = None) -> Any:
    """The Keras 3 equivalent of a unitorch model (of either backend), with a copy of its
    weights: a functional ``keras.Model`` taking the same input (NCHW images included)
    and returning the same output.

    ``model`` is a :class:`~unitorch.nn.Sequential` (nested ones are expanded) or a single
    layer, of the types in :data:`unitorch.nn.convert.registry.UNITORCH_LAYERS`; a
    recurrent layer must be ``batch_first`` and followed by
    :class:`~unitorch.nn.convert.RNNOutput`.  ``input_shape`` is the per-sample input
    shape (without the batch axis; ``None`` for a variable axis); it is inferred when
    the first layer is a Linear, Embedding, recurrent or normalization layer, and
    needed for convolutional models.  ``input_dtype`` defaults to the model's floating
    dtype (int64 for an Embedding first); every Keras layer computes in the model's
    dtype.  The layout and weight conventions are described in
    :mod:`unitorch.nn.convert.to_keras`.

    Raises :class:`~unitorch.nn.convert.UnsupportedLayerError` naming the layer for a
    custom Module, a ModuleList/ModuleDict (no forward) or an option without an exact
    Keras equivalent.

    Example:
        >>> model = ut.nn.Sequential(ut.nn.Linear(3, 4), ut.nn.ReLU())
        >>> km = ut.nn.to_keras(model)
        >>> km.output.shape
        (None, 4)
    """
    import keras

    if not isinstance(model, Module):
        raise TypeError(f"to_keras() expects a unitorch Module, got {type(model).__name__}")
    mods = _modules(model)
    handlers = _handlers()
    for where, m in mods:
        if type(m) not in handlers:
            raise unsupported("to_keras", m, where, UNITORCH_LAYERS,
                              "Only Sequential models (nested ones included) of these "
                              "layers can be converted")
    dtype = next((p.dtype.name for p in model.parameters() if p.dtype.kind == "f"),
                 "float32")
    default_dtype = ""
    if input_shape is None:
        input_shape, default_dtype = _input_spec(mods[0][1])
    inp = keras.Input(shape=tuple(input_shape), dtype=input_dtype or default_dtype or dtype)
    b = _Builder(inp, dtype)
    i = 0
    while i < len(mods):
        i = handlers[type(mods[i][1])](b, mods, i)
    b.to_nchw()
    return keras.Model(inp, b.x)
