"""``to_torch``: a unitorch model as the equivalent ``torch.nn`` model.

The inverse of :func:`~unitorch.nn.convert.from_torch`: each unitorch layer becomes the
``torch.nn`` layer of the same name with the same arguments, containers keep their
child names, and the weights and buffers are copied in with a strict
``load_state_dict``.  The helper layers ``Permute`` and ``RNNOutput`` become small
``torch.nn.Module`` classes of :mod:`unitorch.nn.convert._torch_layers`.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import layers as L
from .. import recurrent as R
from ..module import Module
from . import layers as H
from .registry import UNITORCH_CONTAINERS, UNITORCH_LAYERS, convert_tree

__all__ = ["to_torch"]

_HINT = ("A custom unitorch Module's forward cannot be converted; export it with "
         "ut.export.saved_model (which runs any unitorch model), or rebuild it with "
         "torch.nn layers and load model.state_dict() (the names are PyTorch's)")


def _torch_dtype(m: Module) -> Any:
    import torch

    for p in m.parameters(recurse=False):
        if p.dtype.kind == "f":
            return getattr(torch, p.dtype.name)
    return None


def _rnn_args(m: Any) -> dict[str, Any]:
    return dict(input_size=m.input_size, hidden_size=m.hidden_size,
                num_layers=m.num_layers, bias=m.bias, batch_first=m.batch_first,
                dropout=m.dropout, bidirectional=m.bidirectional, dtype=_torch_dtype(m))


def _builders() -> dict[type, Callable[[Any], Any]]:
    import torch.nn as tnn

    from . import _torch_layers as T
    from ._torch_more import to_torch_builders

    def bn(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.num_features, m.eps, m.momentum, m.affine,
                             m.track_running_stats, dtype=_torch_dtype(m),
                             bias=m.bias is not None if m.affine else True)

    def pool_stride(m: Any) -> Any:
        return m.stride

    return {
        L.Linear: lambda m: tnn.Linear(m.in_features, m.out_features, m.bias is not None,
                                       dtype=_torch_dtype(m)),
        L.Conv2d: lambda m: tnn.Conv2d(m.in_channels, m.out_channels, m.kernel_size,
                                       m.stride, m.padding, m.dilation, m.groups,
                                       m.bias is not None, m.padding_mode,
                                       dtype=_torch_dtype(m)),
        L.MaxPool2d: lambda m: tnn.MaxPool2d(m.kernel_size, pool_stride(m), m.padding,
                                             m.dilation, m.return_indices, m.ceil_mode),
        L.AvgPool2d: lambda m: tnn.AvgPool2d(m.kernel_size, pool_stride(m), m.padding,
                                             m.ceil_mode, m.count_include_pad,
                                             m.divisor_override),
        L.AdaptiveAvgPool2d: lambda m: tnn.AdaptiveAvgPool2d(m.output_size),
        L.BatchNorm1d: bn(tnn.BatchNorm1d),
        L.BatchNorm2d: bn(tnn.BatchNorm2d),
        L.LayerNorm: lambda m: tnn.LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                                             m.bias is not None if m.elementwise_affine
                                             else True, dtype=_torch_dtype(m)),
        L.Embedding: lambda m: tnn.Embedding(m.num_embeddings, m.embedding_dim, m.padding_idx,
                                             dtype=_torch_dtype(m)),
        L.Dropout: lambda m: tnn.Dropout(m.p, m.inplace),
        L.ReLU: lambda m: tnn.ReLU(m.inplace),
        L.GELU: lambda m: tnn.GELU(m.approximate),
        L.SiLU: lambda m: tnn.SiLU(m.inplace),
        L.Tanh: lambda m: tnn.Tanh(),
        L.Sigmoid: lambda m: tnn.Sigmoid(),
        L.Softmax: lambda m: tnn.Softmax(m.dim),
        L.LogSoftmax: lambda m: tnn.LogSoftmax(m.dim),
        L.Flatten: lambda m: tnn.Flatten(m.start_dim, m.end_dim),
        L.Identity: lambda m: tnn.Identity(),
        R.LSTM: lambda m: tnn.LSTM(**_rnn_args(m)),
        R.GRU: lambda m: tnn.GRU(**_rnn_args(m)),
        R.RNN: lambda m: tnn.RNN(nonlinearity=m.nonlinearity, **_rnn_args(m)),
        H.ZeroPad2d: lambda m: tnn.ZeroPad2d(m.padding),
        H.ConstantPad2d: lambda m: tnn.ConstantPad2d(m.padding, m.value),
        H.Permute: lambda m: T.Permute(*m.dims),
        H.RNNOutput: lambda m: T.RNNOutput(m.return_sequences, m.batch_first),
        **to_torch_builders(_torch_dtype),
    }


def _containers() -> dict[type, Callable[[OrderedDict[str, Any]], Any]]:
    import torch.nn as tnn

    return {L.Sequential: tnn.Sequential, L.ModuleDict: tnn.ModuleDict,
            L.ModuleList: lambda children: tnn.ModuleList(list(children.values()))}


def _set_training(out: Any, training: bool) -> None:
    out.training = training  # this module only (torch's train() would recurse)


def to_torch(model: Module) -> Any:
    """The ``torch.nn`` equivalent of a unitorch model (of either backend), with a copy of
    its weights and buffers: same structure, child and parameter names, arguments,
    training/eval mode and outputs.

    ``model`` is a supported layer (see
    :data:`unitorch.nn.convert.registry.UNITORCH_LAYERS`) or a ``Sequential``,
    ``ModuleList`` or ``ModuleDict`` of them, nested to any depth.  The torch model's
    tensors are on the CPU (or the unitorch model's GPU) with the unitorch dtypes.
    Raises :class:`~unitorch.nn.convert.UnsupportedLayerError` for a custom Module
    subclass (its ``forward`` is arbitrary code), naming its path and type.

    Example:
        >>> model = ut.nn.Sequential(ut.nn.Linear(3, 4), ut.nn.ReLU())
        >>> ut.nn.to_torch(model)
        Sequential(
          (0): Linear(in_features=3, out_features=4, bias=True)
          (1): ReLU()
        )
    """
    import torch

    from ...backends import load
    from ...ops.creation import asarray_on

    if not isinstance(model, Module):
        raise TypeError(f"to_torch() expects a unitorch Module, got {type(model).__name__}")
    out = convert_tree("to_torch", model, _builders(), _containers(),
                       UNITORCH_LAYERS + UNITORCH_CONTAINERS, _HINT, _set_training)
    bk = load("torch")
    state = {k: asarray_on(bk, v, copy=True)._n for k, v in model.state_dict().items()}
    device = next((t.device for t in state.values()), torch.device("cpu"))
    out.to(device)
    out.load_state_dict(state, strict=True)
    return out
