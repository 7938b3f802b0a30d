"""``from_torch``: a ``torch.nn`` model as the equivalent unitorch model.

unitorch's layers have PyTorch's constructor arguments, parameter names, shapes and
registration order, so a conversion is: build the unitorch layer of the same name with
the same arguments, for every module of the tree, then load the torch model's state dict
(strictly: a weight or buffer that does not land somewhere is an error).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from ... import dtypes as dt
from .. import layers as L
from .. import recurrent as R
from ..module import Module
from . import layers as H
from .registry import TORCH_CONTAINERS, TORCH_LAYERS, UnsupportedLayerError, convert_tree

__all__ = ["from_torch"]

_HINT = ("A custom module's forward cannot be converted generically: write the same "
         "architecture with unitorch layers (the parameter names are PyTorch's) and load "
         "the weights with model.load_state_dict(torch_model.state_dict())")


def _dtype(m: Any) -> dt.DType | None:
    """The unitorch dtype of ``m``'s first floating parameter (None: the default)."""
    for p in m.parameters(recurse=False):
        if p.is_floating_point():
            return dt.as_dtype(str(p.dtype).rpartition(".")[2])
    return None


def _rnn_args(m: Any) -> dict[str, Any]:
    if getattr(m, "proj_size", 0):
        raise UnsupportedLayerError(f"from_torch: {type(m).__name__} with proj_size="
                                    f"{m.proj_size} is not supported")
    return dict(input_size=m.input_size, hidden_size=m.hidden_size,
                num_layers=m.num_layers, bias=m.bias, batch_first=m.batch_first,
                dropout=float(m.dropout), bidirectional=m.bidirectional, dtype=_dtype(m))


def _builders() -> dict[type, Callable[[Any], Module]]:
    import torch.nn as tnn

    from . import _torch_layers as T
    from ._torch_more import from_torch_builders

    def bn(cls: type) -> Callable[[Any], Module]:
        return lambda m: cls(m.num_features, m.eps, m.momentum, m.affine,
                             m.track_running_stats, dtype=_dtype(m),
                             bias=m.bias is not None if m.affine else True)

    return {
        tnn.Linear: lambda m: L.Linear(m.in_features, m.out_features, m.bias is not None,
                                       dtype=_dtype(m)),
        tnn.Conv2d: lambda m: L.Conv2d(m.in_channels, m.out_channels, m.kernel_size,
                                       m.stride, m.padding, m.dilation, m.groups,
                                       m.bias is not None, m.padding_mode, dtype=_dtype(m)),
        tnn.MaxPool2d: lambda m: L.MaxPool2d(m.kernel_size, m.stride, m.padding, m.dilation,
                                             m.return_indices, m.ceil_mode),
        tnn.AvgPool2d: lambda m: L.AvgPool2d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                             m.count_include_pad, m.divisor_override),
        tnn.AdaptiveAvgPool2d: lambda m: L.AdaptiveAvgPool2d(m.output_size),
        tnn.BatchNorm1d: bn(L.BatchNorm1d),
        tnn.BatchNorm2d: bn(L.BatchNorm2d),
        tnn.LayerNorm: lambda m: L.LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                                             m.bias is not None if m.elementwise_affine
                                             else True, dtype=_dtype(m)),
        tnn.Embedding: lambda m: L.Embedding(m.num_embeddings, m.embedding_dim, m.padding_idx,
                                             m.max_norm, m.norm_type, m.scale_grad_by_freq,
                                             m.sparse, dtype=_dtype(m)),
        tnn.Dropout: lambda m: L.Dropout(m.p, m.inplace),
        tnn.ReLU: lambda m: L.ReLU(m.inplace),
        tnn.GELU: lambda m: L.GELU(m.approximate),
        tnn.SiLU: lambda m: L.SiLU(m.inplace),
        tnn.Tanh: lambda m: L.Tanh(),
        tnn.Sigmoid: lambda m: L.Sigmoid(),
        tnn.Softmax: lambda m: L.Softmax(m.dim),
        tnn.LogSoftmax: lambda m: L.LogSoftmax(m.dim),
        tnn.Flatten: lambda m: L.Flatten(m.start_dim, m.end_dim),
        tnn.Identity: lambda m: L.Identity(),
        tnn.LSTM: lambda m: R.LSTM(**_rnn_args(m)),
        tnn.GRU: lambda m: R.GRU(**_rnn_args(m)),
        tnn.RNN: lambda m: R.RNN(nonlinearity=m.nonlinearity, **_rnn_args(m)),
        tnn.ZeroPad2d: lambda m: H.ZeroPad2d(m.padding),
        tnn.ConstantPad2d: lambda m: H.ConstantPad2d(m.padding, m.value),
        T.Permute: lambda m: H.Permute(*m.dims),
        T.RNNOutput: lambda m: H.RNNOutput(m.return_sequences, m.batch_first),
        **from_torch_builders(_dtype),
    }


def _containers() -> dict[type, Callable[[OrderedDict[str, Module]], Module]]:
    import torch.nn as tnn

    return {tnn.Sequential: L.Sequential, tnn.ModuleDict: L.ModuleDict,
            tnn.ModuleList: lambda children: L.ModuleList(list(children.values()))}


def _set_training(out: Module, training: bool) -> None:
    object.__setattr__(out, "training", training)  # this module only, not its children


def from_torch(module: Any) -> Module:
    """The unitorch equivalent of a ``torch.nn`` model, with a copy of its weights and
    buffers, on the *active* backend.

    ``module`` is a supported layer (see
    :data:`unitorch.nn.convert.registry.TORCH_LAYERS`: Linear, Conv2d, the pooling,
    normalization, embedding, dropout, activation, Flatten, Identity, LSTM/GRU/RNN
    layers...) or a ``Sequential``, ``ModuleList`` or ``ModuleDict`` of them, nested to
    any depth.  Child names, parameter names and the order of everything are kept, so
    ``state_dict()`` keys are equal; every layer keeps its arguments and its
    training/eval mode.  The dtype of each layer's parameters is kept (float64 stays
    float64); the device is the active backend's default.

    Raises :class:`~unitorch.nn.convert.UnsupportedLayerError` naming the first module
    it cannot convert (its path and type) with the list of supported types: a custom
    ``torch.nn.Module`` subclass (its ``forward`` is arbitrary Python), a subclass of a
    supported layer, or a layer option unitorch lacks (``padding_mode="reflect"``,
    LSTM ``proj_size``...).  Nothing is skipped silently.

    Example:
        >>> import torch
        >>> tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
        >>> um = ut.nn.from_torch(tm)
        >>> [name for name, _ in um.named_parameters()]
        ['0.weight', '0.bias']
    """
    import torch

    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch() expects a torch.nn.Module, got {type(module).__name__}")
    out = convert_tree("from_torch", module, _builders(), _containers(),
                       TORCH_LAYERS + TORCH_CONTAINERS, _HINT, _set_training)
    with torch.no_grad():
        state = {k: v.detach() for k, v in module.state_dict().items()}
    out.load_state_dict(state, strict=True)
    return out
