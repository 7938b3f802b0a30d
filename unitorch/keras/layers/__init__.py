"""``keras.layers``: Keras 3's layers on unitorch, with Keras's conventions (lazy input
sizes, ``activation=``, channels-last images, Glorot-uniform kernels and zero biases,
``kernel``/``bias`` weight names).  See :mod:`unitorch.keras.layers.base` for what
every layer shares; a Keras layer unitorch does not implement raises an
``AttributeError`` naming it and the alternative."""

from typing import Any

from .._core import missing
from .base import Layer
from .conv import (
    AveragePooling2D,
    Conv2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    MaxPooling2D,
)
from .core import (
    Activation,
    Dense,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    Lambda,
    LeakyReLU,
    Permute,
    ReLU,
    Rescaling,
    Reshape,
    Softmax,
)
from .input import Input, InputLayer, KerasTensor
from .merging import Add, Average, Concatenate, Maximum, Minimum, Multiply, Subtract
from .normalization import BatchNormalization, LayerNormalization
from .recurrent import GRU, LSTM, SimpleRNN

__all__ = [
    "Layer", "Input", "InputLayer", "KerasTensor", "Dense", "Activation", "Dropout",
    "Flatten", "Reshape", "Permute", "Rescaling", "Embedding", "Identity", "Lambda", "ReLU",
    "LeakyReLU", "Softmax", "Conv2D", "MaxPooling2D", "AveragePooling2D",
    "GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
    "GlobalMaxPooling1D", "BatchNormalization", "LayerNormalization", "Concatenate", "Add",
    "Subtract", "Multiply", "Average", "Maximum", "Minimum", "LSTM", "GRU", "SimpleRNN",
]

# Keras layers unitorch.keras does not implement, with what to use instead
ALTERNATIVES: dict[str, str] = {
    "Conv1D": "use Conv2D on (N, 1, T, C) inputs (Reshape), or ut.nn in a custom Layer",
    "Conv3D": "write a custom Layer over unitorch ops",
    "Conv2DTranspose": "write a custom Layer over unitorch ops",
    "SeparableConv2D": "use Conv2D(groups=channels) followed by a 1x1 Conv2D",
    "DepthwiseConv2D": "use Conv2D(filters=channels, groups=channels)",
    "MaxPooling1D": "use MaxPooling2D on (N, 1, T, C) inputs",
    "AveragePooling1D": "use AveragePooling2D on (N, 1, T, C) inputs",
    "Bidirectional": "run two recurrent layers (one with go_backwards=True) and Concatenate",
    "TimeDistributed": "reshape to merge the batch and time axes around the layer",
    "MultiHeadAttention": "write a custom Layer with ut.softmax and ut.matmul",
    "Attention": "write a custom Layer with ut.softmax and ut.matmul",
    "TextVectorization": "tokenize in the data pipeline (tf.data or NumPy)",
    "StringLookup": "map strings to ids in the data pipeline",
    "IntegerLookup": "map values to ids in the data pipeline",
    "Normalization": "standardize in the data pipeline, or use Rescaling",
    "RandomFlip": "augment in the data pipeline (tf.data or NumPy)",
    "RandomRotation": "augment in the data pipeline (tf.data or NumPy)",
    "RandomZoom": "augment in the data pipeline (tf.data or NumPy)",
    "Resizing": "resize in the data pipeline",
    "ZeroPadding2D": "use Lambda(lambda x: ut.pad(x, ((0, 0), (p, p), (p, p), (0, 0))))",
    "UpSampling2D": "use Lambda with ut.repeat along the spatial axes",
    "Cropping2D": "use Lambda with slicing",
    "SpatialDropout2D": "use Dropout",
    "GaussianNoise": "add ut.random.normal noise in a custom Layer",
    "Masking": "masks are not supported; pad and slice explicitly",
    "GroupNormalization": "use LayerNormalization, or ut.nn layers in a custom Layer",
    "UnitNormalization": "divide by ut.linalg.vector_norm in a Lambda",
    "Dot": "use Lambda with ut.sum(a * b, axis=-1)",
    "RepeatVector": "use Lambda with ut.repeat",
    "ConvLSTM2D": "write a custom Layer over unitorch ops",
}


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.layers", name, ALTERNATIVES.get(name) or
                  "implemented layers: " + ", ".join(__all__))
