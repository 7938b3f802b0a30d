"""The builders of ``from_torch`` and ``to_torch`` for the layers of issue 11 (the table
``_MORE_LAYERS`` of :mod:`unitorch.nn.convert.registry`): each layer is rebuilt with the
same arguments on the other side; the weights follow through the state dict.  Imported
only when a conversion to or from PyTorch runs."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from .. import functional as UF
from .. import layers as L
from ..parameter import Parameter

__all__ = ["from_torch_builders", "to_torch_builders"]

Builders = dict[type, Callable[[Any], Any]]


def _activation_name(fn: Any, relu: Any, gelu: Any, module_types: tuple[type, type]) -> str:
    """A Transformer layer's activation as ``"relu"``/``"gelu"``, or ValueError."""
    relu_module, gelu_module = module_types
    if fn is relu or type(fn) is relu_module:
        return "relu"
    if fn is gelu or (type(fn) is gelu_module and getattr(fn, "approximate", "none") == "none"):
        return "gelu"
    raise ValueError(f"activation {fn!r} is not supported (only relu and gelu)")


def _has_bias(m: Any) -> bool:
    """A norm layer's ``bias`` keyword (True when not affine, its default)."""
    return m.bias is not None if m.affine else True


def _mirrored(src: Any, src_functional: Any, dst: Any, dtype_of: Callable[[Any], Any],
              param_like: Callable[[Any], Any],
              check_stack: Callable[[Any, type], None]) -> Builders:
    """The builders of one direction: ``src`` and ``dst`` are ``torch.nn`` and
    :mod:`unitorch.nn.layers`, one way round or the other, whose layers take the same
    arguments under the same attribute names, so one table serves both.  What differs by
    direction comes in: ``src_functional`` (the source's ``relu``/``gelu``, for a
    Transformer layer's activation), ``param_like`` (a zero parameter of the destination
    like a source one) and ``check_stack`` (which Transformer stacks the direction
    refuses, and with which message)."""

    def conv(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                             m.dilation, m.groups, m.bias is not None, m.padding_mode,
                             dtype=dtype_of(m))

    def conv_t(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                             m.output_padding, m.groups, m.bias is not None, m.dilation,
                             m.padding_mode, dtype=dtype_of(m))

    act_types = (src.ReLU, src.GELU)

    def transformer_layer(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(
            m.self_attn.embed_dim, m.self_attn.num_heads, m.linear1.out_features,
            m.dropout.p, _activation_name(m.activation, src_functional.relu,
                                          src_functional.gelu, act_types),
            m.norm1.eps, m.self_attn.batch_first, m.norm_first, m.linear1.bias is not None,
            dtype=dtype_of(m.linear1))

    encoder_layer = transformer_layer(dst.TransformerEncoderLayer)
    decoder_layer = transformer_layer(dst.TransformerDecoderLayer)

    def layer_norm(m: Any) -> Any:
        if m is None:
            return None
        if type(m) is not src.LayerNorm:
            raise ValueError(f"a norm of type {type(m).__name__} is not supported")
        return dst.LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                             m.bias is not None if m.elementwise_affine else True,
                             dtype=dtype_of(m))

    def encoder(m: Any) -> Any:
        check_stack(m, src.TransformerEncoder)
        return dst.TransformerEncoder(encoder_layer(m.layers[0]), m.num_layers,
                                      layer_norm(m.norm), m.enable_nested_tensor,
                                      m.mask_check)

    def decoder(m: Any) -> Any:
        check_stack(m, src.TransformerDecoder)
        return dst.TransformerDecoder(decoder_layer(m.layers[0]), m.num_layers,
                                      layer_norm(m.norm))

    return {
        src.Conv1d: conv(dst.Conv1d),
        src.Conv3d: conv(dst.Conv3d),
        src.ConvTranspose1d: conv_t(dst.ConvTranspose1d),
        src.ConvTranspose2d: conv_t(dst.ConvTranspose2d),
        src.MaxPool1d: lambda m: dst.MaxPool1d(m.kernel_size, m.stride, m.padding, m.dilation,
                                               m.return_indices, m.ceil_mode),
        src.AvgPool1d: lambda m: dst.AvgPool1d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                               m.count_include_pad),
        src.AdaptiveMaxPool2d: lambda m: dst.AdaptiveMaxPool2d(m.output_size, m.return_indices),
        src.GroupNorm: lambda m: dst.GroupNorm(m.num_groups, m.num_channels, m.eps, m.affine,
                                               dtype=dtype_of(m), bias=_has_bias(m)),
        src.InstanceNorm2d: lambda m: dst.InstanceNorm2d(m.num_features, m.eps, m.momentum,
                                                         m.affine, m.track_running_stats,
                                                         dtype=dtype_of(m), bias=_has_bias(m)),
        src.RMSNorm: lambda m: dst.RMSNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                                           dtype=dtype_of(m)),
        src.Dropout2d: lambda m: dst.Dropout2d(m.p, m.inplace),
        src.EmbeddingBag: lambda m: dst.EmbeddingBag(
            m.num_embeddings, m.embedding_dim, m.max_norm, m.norm_type, m.scale_grad_by_freq,
            m.mode, m.sparse, include_last_offset=m.include_last_offset,
            padding_idx=m.padding_idx, dtype=dtype_of(m)),
        src.Bilinear: lambda m: dst.Bilinear(m.in1_features, m.in2_features, m.out_features,
                                             m.bias is not None, dtype=dtype_of(m)),
        src.ParameterList: lambda m: dst.ParameterList([param_like(p) for p in m]),
        src.ParameterDict: lambda m: dst.ParameterDict(OrderedDict(
            (k, param_like(p)) for k, p in m.items())),
        src.LeakyReLU: lambda m: dst.LeakyReLU(m.negative_slope, m.inplace),
        src.PReLU: lambda m: dst.PReLU(m.num_parameters, dtype=dtype_of(m)),
        src.ELU: lambda m: dst.ELU(m.alpha, m.inplace),
        src.SELU: lambda m: dst.SELU(m.inplace),
        src.CELU: lambda m: dst.CELU(m.alpha, m.inplace),
        src.Mish: lambda m: dst.Mish(m.inplace),
        src.Softplus: lambda m: dst.Softplus(m.beta, m.threshold),
        src.Hardtanh: lambda m: dst.Hardtanh(m.min_val, m.max_val, m.inplace),
        src.Hardswish: lambda m: dst.Hardswish(m.inplace),
        src.ReLU6: lambda m: dst.ReLU6(m.inplace),
        src.Upsample: lambda m: dst.Upsample(m.size, m.scale_factor, m.mode, m.align_corners,
                                             m.recompute_scale_factor),
        src.PixelShuffle: lambda m: dst.PixelShuffle(m.upscale_factor),
        src.PixelUnshuffle: lambda m: dst.PixelUnshuffle(m.downscale_factor),
        src.Unflatten: lambda m: dst.Unflatten(m.dim, tuple(m.unflattened_size)),
        src.Unfold: lambda m: dst.Unfold(m.kernel_size, m.dilation, m.padding, m.stride),
        src.Fold: lambda m: dst.Fold(m.output_size, m.kernel_size, m.dilation, m.padding,
                                     m.stride),
        src.CosineSimilarity: lambda m: dst.CosineSimilarity(m.dim, m.eps),
        src.PairwiseDistance: lambda m: dst.PairwiseDistance(m.norm, m.eps, m.keepdim),
        src.MultiheadAttention: lambda m: dst.MultiheadAttention(
            m.embed_dim, m.num_heads, m.dropout, m.in_proj_bias is not None,
            m.bias_k is not None, m.add_zero_attn, m.kdim, m.vdim, m.batch_first,
            dtype=dtype_of(m.out_proj)),
        src.TransformerEncoderLayer: encoder_layer,
        src.TransformerDecoderLayer: decoder_layer,
        src.TransformerEncoder: encoder,
        src.TransformerDecoder: decoder,
        src.Transformer: lambda m: dst.Transformer(
            m.d_model, m.nhead, custom_encoder=encoder(m.encoder),
            custom_decoder=decoder(m.decoder), batch_first=m.batch_first),
    }


def from_torch_builders(dtype_of: Callable[[Any], Any]) -> Builders:
    """torch.nn layer type -> function building the unitorch layer."""
    import torch.nn as tnn
    import torch.nn.functional as TF

    from ...ops.creation import zeros

    def param_like(p: Any) -> Any:
        from ... import dtypes as dt

        if not hasattr(p, "shape") or not hasattr(p, "requires_grad"):
            raise ValueError(f"a {type(p).__name__} entry is not a tensor")
        d = dt.as_dtype(str(p.dtype).rpartition(".")[2])
        return Parameter(zeros(tuple(p.shape), dtype=d), requires_grad=p.requires_grad)

    def check_stack(m: Any, kind: type) -> None:
        if type(m) is not kind or not len(m.layers):
            raise ValueError(f"a {type(m).__name__} stack is not supported")

    return _mirrored(tnn, TF, L, dtype_of, param_like, check_stack)


def to_torch_builders(dtype_of: Callable[[Any], Any]) -> Builders:
    """unitorch layer type -> function building the torch.nn layer."""
    import torch
    import torch.nn as tnn

    def param_like(p: Any) -> Any:
        from ...tensor import Tensor

        if not isinstance(p, Tensor):
            raise ValueError(f"a {type(p).__name__} entry is not a tensor")
        return tnn.Parameter(torch.zeros(tuple(p.shape), dtype=getattr(torch, p.dtype.name)),
                             requires_grad=p.requires_grad)

    def check_stack(m: Any, kind: type) -> None:
        if type(m) is not kind:
            what = "an encoder" if kind is L.TransformerEncoder else "a decoder"
            raise ValueError(f"{what} of type {type(m).__name__} is not supported")

    return _mirrored(L, UF, tnn, dtype_of, param_like, check_stack)
