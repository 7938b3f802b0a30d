"""The layer types each converter supports, in one place (used by the converters' error
messages and by the documentation), and the error raised for anything else.

Types are matched exactly, not with ``isinstance``: a subclass of ``torch.nn.Linear``
with its own ``forward`` computes something else, so it is refused rather than
converted as a plain Linear.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ...errors import UnitorchError

__all__ = [
    "UnsupportedLayerError", "TORCH_LAYERS", "TORCH_CONTAINERS", "KERAS_LAYERS",
    "KERAS_ACTIVATIONS", "UNITORCH_LAYERS", "UNITORCH_CONTAINERS", "unsupported",
]


class UnsupportedLayerError(UnitorchError, TypeError):
    """A layer (or a layer option) a converter cannot translate exactly.  The message
    names the layer, where it is in the model, and the supported types.

    Example:
        >>> import torch
        >>> ut.nn.from_torch(torch.nn.ConvTranspose3d(2, 2, 1))
        Traceback (most recent call last):
        ...
        unitorch.nn.convert.UnsupportedLayerError: from_torch: cannot convert layer of type torch.nn.modules.conv.ConvTranspose3d; ...
    """


# the torch.nn layers of issue 11, converted both ways (the unitorch layer of the same name)
_MORE_LAYERS: tuple[str, ...] = (
    "Conv1d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "MaxPool1d", "AvgPool1d",
    "AdaptiveMaxPool2d", "GroupNorm", "InstanceNorm2d", "RMSNorm", "Dropout2d", "EmbeddingBag",
    "Bilinear", "ParameterList", "ParameterDict", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU",
    "Mish", "Softplus", "Hardtanh", "Hardswish", "ReLU6", "Upsample", "PixelShuffle",
    "PixelUnshuffle", "Unflatten", "Unfold", "Fold", "CosineSimilarity", "PairwiseDistance",
    "MultiheadAttention", "TransformerEncoderLayer", "TransformerDecoderLayer",
    "TransformerEncoder", "TransformerDecoder", "Transformer",
)

# torch.nn class names from_torch() converts (the unitorch layer of the same name), plus
# the helper layers of unitorch.nn.convert that to_torch() emits
TORCH_LAYERS: tuple[str, ...] = (
    "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d",
    "BatchNorm2d", "LayerNorm", "Embedding", "Dropout", "ReLU", "GELU", "SiLU", "Tanh",
    "Sigmoid", "Softmax", "LogSoftmax", "Flatten", "Identity", "LSTM", "GRU", "RNN",
    "ZeroPad2d", "ConstantPad2d", *_MORE_LAYERS,
)
TORCH_CONTAINERS: tuple[str, ...] = ("Sequential", "ModuleList", "ModuleDict")

# keras.layers class names from_keras() converts
KERAS_LAYERS: tuple[str, ...] = (
    "InputLayer", "Dense", "Conv2D", "MaxPooling2D", "AveragePooling2D",
    "GlobalAveragePooling2D", "BatchNormalization", "LayerNormalization", "Embedding",
    "Dropout", "Activation", "ReLU", "Softmax", "Flatten", "Permute", "ZeroPadding2D",
    "Identity", "LSTM", "GRU", "SimpleRNN", "LeakyReLU", "ELU", "SpatialDropout2D",
)
# values of a Keras layer's activation= (and of Activation layers) from_keras() converts
KERAS_ACTIVATIONS: tuple[str, ...] = (
    "linear", "relu", "gelu", "silu", "swish", "tanh", "sigmoid", "softmax", "log_softmax",
    "elu", "selu", "softplus", "mish", "relu6", "leaky_relu", "hard_silu", "hard_swish",
)

# unitorch layers to_torch() and to_keras() convert (to_keras: see its docstring for the
# options it refuses), with the helper layers of unitorch.nn.convert
UNITORCH_LAYERS: tuple[str, ...] = (
    "Linear", "Conv2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d", "BatchNorm1d",
    "BatchNorm2d", "LayerNorm", "Embedding", "Dropout", "ReLU", "GELU", "SiLU", "Tanh",
    "Sigmoid", "Softmax", "LogSoftmax", "Flatten", "Identity", "LSTM", "GRU", "RNN",
    "Permute", "RNNOutput", "ZeroPad2d", "ConstantPad2d", *_MORE_LAYERS,
)
UNITORCH_CONTAINERS: tuple[str, ...] = ("Sequential", "ModuleList", "ModuleDict")


def unsupported(op: str, layer: object, where: str, supported: tuple[str, ...],
                hint: str = "") -> UnsupportedLayerError:
    """The error for a layer ``op`` cannot convert: its type, its place, the list."""
    kind = type(layer)
    name = f"{kind.__module__}.{kind.__qualname__}"
    place = f" at {where!r}" if where else ""
    text = (f"{op}: cannot convert layer{place} of type {name}; supported layer types: "
            f"{', '.join(supported)}")
    return UnsupportedLayerError(text + (f". {hint}" if hint else ""))


def convert_tree(op: str, m: Any, builders: dict[type, Callable[[Any], Any]],
                 containers: dict[type, Callable[[OrderedDict[str, Any]], Any]],
                 supported: tuple[str, ...], hint: str,
                 set_training: Callable[[Any, bool], None], where: str = "") -> Any:
    """The one walk of ``from_torch`` and ``to_torch`` (``op``): ``m`` converted, with its
    children converted first, under their names, into the container of ``containers``
    for ``m``'s type; any other module by the builder of its type.  A module with
    neither raises :func:`unsupported` naming its path; a builder's error becomes an
    :class:`UnsupportedLayerError` with the path.  Each result gets ``m``'s
    training/eval mode."""
    kind = type(m)
    container = containers.get(kind)
    if container is not None:
        out = container(OrderedDict(
            (name, convert_tree(op, child, builders, containers, supported, hint,
                                set_training, f"{where}.{name}" if where else name))
            for name, child in m.named_children()))
    else:
        build = builders.get(kind)
        if build is None:
            raise unsupported(op, m, where, supported, hint)
        try:
            out = build(m)
        except (NotImplementedError, ValueError, TypeError) as e:
            place = f" at {where!r}" if where else ""
            raise UnsupportedLayerError(
                f"{op}: cannot convert {kind.__name__}{place}: {e}") from e
    set_training(out, bool(m.training))
    return out
