"""The layers of ``torch.nn``, for every backend: same names, signatures, defaults,
parameter names, shapes and registration order (so state-dict keys match PyTorch's),
PyTorch's initialisation formulas (drawn from unitorch's portable stream: one seed, one
model on every backend) and ``repr``."""

from .activation import (
    CELU,
    ELU,
    GELU,
    SELU,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softplus,
    Tanh,
)
from .attention import MultiheadAttention
from .container import ModuleDict, ModuleList, Sequential
from .conv import Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d
from .distance import CosineSimilarity, PairwiseDistance
from .dropout import Dropout, Dropout2d
from .embedding import Embedding, EmbeddingBag
from .flatten import Flatten, Unflatten
from .linear import Bilinear, Identity, Linear
from .normalization import (
    BatchNorm1d,
    BatchNorm2d,
    GroupNorm,
    InstanceNorm2d,
    LayerNorm,
    RMSNorm,
)
from .parameter_containers import ParameterDict, ParameterList
from .pooling import (
    AdaptiveAvgPool2d,
    AdaptiveMaxPool2d,
    AvgPool1d,
    AvgPool2d,
    MaxPool1d,
    MaxPool2d,
)
from .resampling import Fold, PixelShuffle, PixelUnshuffle, Unfold, Upsample
from .transformer import (
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BatchNorm1d", "BatchNorm2d", "Conv2d", "Dropout",
    "Embedding", "Flatten", "GELU", "Identity", "LayerNorm", "Linear", "LogSoftmax",
    "MaxPool2d", "ModuleDict", "ModuleList", "ReLU", "Sequential", "SiLU", "Sigmoid",
    "Softmax", "Tanh", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "Softplus", "Mish",
    "Hardtanh", "ReLU6", "Hardswish", "MaxPool1d", "AvgPool1d", "AdaptiveMaxPool2d",
    "GroupNorm", "InstanceNorm2d", "RMSNorm", "Conv1d", "Conv3d", "ConvTranspose1d",
    "ConvTranspose2d", "Dropout2d", "EmbeddingBag", "Bilinear", "ParameterList", "ParameterDict",
    "Unflatten", "Upsample", "PixelShuffle", "PixelUnshuffle", "Unfold", "Fold",
    "CosineSimilarity", "PairwiseDistance", "MultiheadAttention", "Transformer",
    "TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder",
    "TransformerDecoderLayer",
]
