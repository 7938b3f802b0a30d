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


def from_torch_builders(dtype_of: Callable[[Any], Any]) -> Builders:
    """torch.nn layer type -> function building the unitorch layer."""
    import torch.nn as tnn
    import torch.nn.functional as TF

    from ...ops.creation import zeros

    def conv(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                             m.dilation, m.groups, m.bias is not None, m.padding_mode,
                             dtype=dtype_of(m))

    def conv_t(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                             m.output_padding, m.groups, m.bias is not None, m.dilation,
                             m.padding_mode, dtype=dtype_of(m))

    def param_like(p: Any) -> Any:
        from ... import dtypes as dt

        if not hasattr(p, "shape") or not hasattr(p, "requires_grad"):
            raise ValueError(f"a {type(p).__name__} entry is not a tensor")
        d = dt.as_dtype(str(p.dtype).rpartition(".")[2])
        return Parameter(zeros(tuple(p.shape), dtype=d), requires_grad=p.requires_grad)

    act_types = (tnn.ReLU, tnn.GELU)

    def encoder_layer(m: Any) -> Any:
        return L.TransformerEncoderLayer(
            m.self_attn.embed_dim, m.self_attn.num_heads, m.linear1.out_features,
            m.dropout.p, _activation_name(m.activation, TF.relu, TF.gelu, act_types),
            m.norm1.eps, m.self_attn.batch_first, m.norm_first, m.linear1.bias is not None,
            dtype=dtype_of(m.linear1))

    def decoder_layer(m: Any) -> Any:
        return L.TransformerDecoderLayer(
            m.self_attn.embed_dim, m.self_attn.num_heads, m.linear1.out_features,
            m.dropout.p, _activation_name(m.activation, TF.relu, TF.gelu, act_types),
            m.norm1.eps, m.self_attn.batch_first, m.norm_first, m.linear1.bias is not None,
            dtype=dtype_of(m.linear1))

    def layer_norm(m: Any) -> Any:
        if m is None:
            return None
        if type(m) is not tnn.LayerNorm:
            raise ValueError(f"a norm of type {type(m).__name__} is not supported")
        return L.LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                           m.bias is not None if m.elementwise_affine else True,
                           dtype=dtype_of(m))

    def stack(m: Any, kind: type, build: Callable[[Any], Any], cls: type) -> Any:
        if type(m) is not kind or not len(m.layers):
            raise ValueError(f"a {type(m).__name__} stack is not supported")
        extra = ((m.enable_nested_tensor, m.mask_check) if kind is tnn.TransformerEncoder
                 else ())
        return cls(build(m.layers[0]), m.num_layers, layer_norm(m.norm), *extra)

    def encoder(m: Any) -> Any:
        return stack(m, tnn.TransformerEncoder, encoder_layer, L.TransformerEncoder)

    def decoder(m: Any) -> Any:
        return stack(m, tnn.TransformerDecoder, decoder_layer, L.TransformerDecoder)

    return {
        tnn.Conv1d: conv(L.Conv1d),
        tnn.Conv3d: conv(L.Conv3d),
        tnn.ConvTranspose1d: conv_t(L.ConvTranspose1d),
        tnn.ConvTranspose2d: conv_t(L.ConvTranspose2d),
        tnn.MaxPool1d: lambda m: L.MaxPool1d(m.kernel_size, m.stride, m.padding, m.dilation,
                                             m.return_indices, m.ceil_mode),
        tnn.AvgPool1d: lambda m: L.AvgPool1d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                             m.count_include_pad),
        tnn.AdaptiveMaxPool2d: lambda m: L.AdaptiveMaxPool2d(m.output_size, m.return_indices),
        tnn.GroupNorm: lambda m: L.GroupNorm(m.num_groups, m.num_channels, m.eps, m.affine,
                                             dtype=dtype_of(m), bias=_has_bias(m)),
        tnn.InstanceNorm2d: lambda m: L.InstanceNorm2d(m.num_features, m.eps, m.momentum,
                                                       m.affine, m.track_running_stats,
                                                       dtype=dtype_of(m), bias=_has_bias(m)),
        tnn.RMSNorm: lambda m: L.RMSNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                                         dtype=dtype_of(m)),
        tnn.Dropout2d: lambda m: L.Dropout2d(m.p, m.inplace),
        tnn.EmbeddingBag: lambda m: L.EmbeddingBag(
            m.num_embeddings, m.embedding_dim, m.max_norm, m.norm_type, m.scale_grad_by_freq,
            m.mode, m.sparse, include_last_offset=m.include_last_offset,
            padding_idx=m.padding_idx, dtype=dtype_of(m)),
        tnn.Bilinear: lambda m: L.Bilinear(m.in1_features, m.in2_features, m.out_features,
                                           m.bias is not None, dtype=dtype_of(m)),
        tnn.ParameterList: lambda m: L.ParameterList([param_like(p) for p in m]),
        tnn.ParameterDict: lambda m: L.ParameterDict(OrderedDict(
            (k, param_like(p)) for k, p in m.items())),
        tnn.LeakyReLU: lambda m: L.LeakyReLU(m.negative_slope, m.inplace),
        tnn.PReLU: lambda m: L.PReLU(m.num_parameters, dtype=dtype_of(m)),
        tnn.ELU: lambda m: L.ELU(m.alpha, m.inplace),
        tnn.SELU: lambda m: L.SELU(m.inplace),
        tnn.CELU: lambda m: L.CELU(m.alpha, m.inplace),
        tnn.Mish: lambda m: L.Mish(m.inplace),
        tnn.Softplus: lambda m: L.Softplus(m.beta, m.threshold),
        tnn.Hardtanh: lambda m: L.Hardtanh(m.min_val, m.max_val, m.inplace),
        tnn.Hardswish: lambda m: L.Hardswish(m.inplace),
        tnn.ReLU6: lambda m: L.ReLU6(m.inplace),
        tnn.Upsample: lambda m: L.Upsample(m.size, m.scale_factor, m.mode, m.align_corners,
                                           m.recompute_scale_factor),
        tnn.PixelShuffle: lambda m: L.PixelShuffle(m.upscale_factor),
        tnn.PixelUnshuffle: lambda m: L.PixelUnshuffle(m.downscale_factor),
        tnn.Unflatten: lambda m: L.Unflatten(m.dim, tuple(m.unflattened_size)),
        tnn.Unfold: lambda m: L.Unfold(m.kernel_size, m.dilation, m.padding, m.stride),
        tnn.Fold: lambda m: L.Fold(m.output_size, m.kernel_size, m.dilation, m.padding,
                                   m.stride),
        tnn.CosineSimilarity: lambda m: L.CosineSimilarity(m.dim, m.eps),
        tnn.PairwiseDistance: lambda m: L.PairwiseDistance(m.norm, m.eps, m.keepdim),
        tnn.MultiheadAttention: lambda m: L.MultiheadAttention(
            m.embed_dim, m.num_heads, m.dropout, m.in_proj_bias is not None,
            m.bias_k is not None, m.add_zero_attn, m.kdim, m.vdim, m.batch_first,
            dtype=dtype_of(m.out_proj)),
        tnn.TransformerEncoderLayer: encoder_layer,
        tnn.TransformerDecoderLayer: decoder_layer,
        tnn.TransformerEncoder: encoder,
        tnn.TransformerDecoder: decoder,
        tnn.Transformer: lambda m: L.Transformer(
            m.d_model, m.nhead, custom_encoder=encoder(m.encoder),
            custom_decoder=decoder(m.decoder), batch_first=m.batch_first),
    }


def to_torch_builders(dtype_of: Callable[[Any], Any]) -> Builders:
    """unitorch layer type -> function building the torch.nn layer."""
    import torch
    import torch.nn as tnn

    def conv(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                             m.dilation, m.groups, m.bias is not None, m.padding_mode,
                             dtype=dtype_of(m))

    def conv_t(cls: type) -> Callable[[Any], Any]:
        return lambda m: cls(m.in_channels, m.out_channels, m.kernel_size, m.stride, m.padding,
                             m.output_padding, m.groups, m.bias is not None, m.dilation,
                             m.padding_mode, dtype=dtype_of(m))

    def param_like(p: Any) -> Any:
        from ...tensor import Tensor

        if not isinstance(p, Tensor):
            raise ValueError(f"a {type(p).__name__} entry is not a tensor")
        return tnn.Parameter(torch.zeros(tuple(p.shape), dtype=getattr(torch, p.dtype.name)),
                             requires_grad=p.requires_grad)

    def act(fn: Any) -> str:
        return _activation_name(fn, UF.relu, UF.gelu, (L.ReLU, L.GELU))

    def encoder_layer(m: Any) -> Any:
        return tnn.TransformerEncoderLayer(
            m.self_attn.embed_dim, m.self_attn.num_heads, m.linear1.out_features, m.dropout.p,
            act(m.activation), m.norm1.eps, m.self_attn.batch_first, m.norm_first,
            m.linear1.bias is not None, dtype=dtype_of(m.linear1))

    def decoder_layer(m: Any) -> Any:
        return tnn.TransformerDecoderLayer(
            m.self_attn.embed_dim, m.self_attn.num_heads, m.linear1.out_features, m.dropout.p,
            act(m.activation), m.norm1.eps, m.self_attn.batch_first, m.norm_first,
            m.linear1.bias is not None, dtype=dtype_of(m.linear1))

    def layer_norm(m: Any) -> Any:
        if m is None:
            return None
        if type(m) is not L.LayerNorm:
            raise ValueError(f"a norm of type {type(m).__name__} is not supported")
        return tnn.LayerNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                             m.bias is not None if m.elementwise_affine else True,
                             dtype=dtype_of(m))

    def encoder(m: Any) -> Any:
        if type(m) is not L.TransformerEncoder:
            raise ValueError(f"an encoder of type {type(m).__name__} is not supported")
        return tnn.TransformerEncoder(encoder_layer(m.layers[0]), m.num_layers,
                                      layer_norm(m.norm), m.enable_nested_tensor,
                                      m.mask_check)

    def decoder(m: Any) -> Any:
        if type(m) is not L.TransformerDecoder:
            raise ValueError(f"a decoder of type {type(m).__name__} is not supported")
        return tnn.TransformerDecoder(decoder_layer(m.layers[0]), m.num_layers,
                                      layer_norm(m.norm))

    return {
        L.Conv1d: conv(tnn.Conv1d),
        L.Conv3d: conv(tnn.Conv3d),
        L.ConvTranspose1d: conv_t(tnn.ConvTranspose1d),
        L.ConvTranspose2d: conv_t(tnn.ConvTranspose2d),
        L.MaxPool1d: lambda m: tnn.MaxPool1d(m.kernel_size, m.stride, m.padding, m.dilation,
                                             m.return_indices, m.ceil_mode),
        L.AvgPool1d: lambda m: tnn.AvgPool1d(m.kernel_size, m.stride, m.padding, m.ceil_mode,
                                             m.count_include_pad),
        L.AdaptiveMaxPool2d: lambda m: tnn.AdaptiveMaxPool2d(m.output_size, m.return_indices),
        L.GroupNorm: lambda m: tnn.GroupNorm(m.num_groups, m.num_channels, m.eps, m.affine,
                                             dtype=dtype_of(m), bias=_has_bias(m)),
        L.InstanceNorm2d: lambda m: tnn.InstanceNorm2d(m.num_features, m.eps, m.momentum,
                                                       m.affine, m.track_running_stats,
                                                       dtype=dtype_of(m), bias=_has_bias(m)),
        L.RMSNorm: lambda m: tnn.RMSNorm(m.normalized_shape, m.eps, m.elementwise_affine,
                                         dtype=dtype_of(m)),
        L.Dropout2d: lambda m: tnn.Dropout2d(m.p, m.inplace),
        L.EmbeddingBag: lambda m: tnn.EmbeddingBag(
            m.num_embeddings, m.embedding_dim, m.max_norm, m.norm_type, m.scale_grad_by_freq,
            m.mode, m.sparse, include_last_offset=m.include_last_offset,
            padding_idx=m.padding_idx, dtype=dtype_of(m)),
        L.Bilinear: lambda m: tnn.Bilinear(m.in1_features, m.in2_features, m.out_features,
                                           m.bias is not None, dtype=dtype_of(m)),
        L.ParameterList: lambda m: tnn.ParameterList([param_like(p) for p in m]),
        L.ParameterDict: lambda m: tnn.ParameterDict(OrderedDict(
            (k, param_like(p)) for k, p in m.items())),
        L.LeakyReLU: lambda m: tnn.LeakyReLU(m.negative_slope, m.inplace),
        L.PReLU: lambda m: tnn.PReLU(m.num_parameters, dtype=dtype_of(m)),
        L.ELU: lambda m: tnn.ELU(m.alpha, m.inplace),
        L.SELU: lambda m: tnn.SELU(m.inplace),
        L.CELU: lambda m: tnn.CELU(m.alpha, m.inplace),
        L.Mish: lambda m: tnn.Mish(m.inplace),
        L.Softplus: lambda m: tnn.Softplus(m.beta, m.threshold),
        L.Hardtanh: lambda m: tnn.Hardtanh(m.min_val, m.max_val, m.inplace),
        L.Hardswish: lambda m: tnn.Hardswish(m.inplace),
        L.ReLU6: lambda m: tnn.ReLU6(m.inplace),
        L.Upsample: lambda m: tnn.Upsample(m.size, m.scale_factor, m.mode, m.align_corners,
                                           m.recompute_scale_factor),
        L.PixelShuffle: lambda m: tnn.PixelShuffle(m.upscale_factor),
        L.PixelUnshuffle: lambda m: tnn.PixelUnshuffle(m.downscale_factor),
        L.Unflatten: lambda m: tnn.Unflatten(m.dim, tuple(m.unflattened_size)),
        L.Unfold: lambda m: tnn.Unfold(m.kernel_size, m.dilation, m.padding, m.stride),
        L.Fold: lambda m: tnn.Fold(m.output_size, m.kernel_size, m.dilation, m.padding,
                                   m.stride),
        L.CosineSimilarity: lambda m: tnn.CosineSimilarity(m.dim, m.eps),
        L.PairwiseDistance: lambda m: tnn.PairwiseDistance(m.norm, m.eps, m.keepdim),
        L.MultiheadAttention: lambda m: tnn.MultiheadAttention(
            m.embed_dim, m.num_heads, m.dropout, m.in_proj_bias is not None,
            m.bias_k is not None, m.add_zero_attn, m.kdim, m.vdim, m.batch_first,
            dtype=dtype_of(m.out_proj)),
        L.TransformerEncoderLayer: encoder_layer,
        L.TransformerDecoderLayer: decoder_layer,
        L.TransformerEncoder: encoder,
        L.TransformerDecoder: decoder,
        L.Transformer: lambda m: tnn.Transformer(
            m.d_model, m.nhead, custom_encoder=encoder(m.encoder),
            custom_decoder=decoder(m.decoder), batch_first=m.batch_first),
    }
