"""``MultiheadAttention``, as in ``torch.nn``: PyTorch's arguments, parameter names,
shapes, registration order (so state dicts load both ways) and initialisation; the
computation is :func:`unitorch.nn.functional.multi_head_attention_forward`."""

from __future__ import annotations

from typing import Any

from ...ops.manipulation import swapaxes
from ...tensor import Tensor
from .. import functional as F
from .. import init
from ..module import Module
from ._common import count, new_parameter
from .linear import Linear

__all__ = ["MultiheadAttention"]


class MultiheadAttention(Module):
    """Multi-head attention (Vaswani et al., 2017): ``embed_dim`` split into
    ``num_heads`` heads; see :func:`unitorch.nn.functional.multi_head_attention_forward`
    for the computation and the masks (``True`` in a bool mask is *not* attended; the
    opposite of :func:`~unitorch.nn.functional.scaled_dot_product_attention`'s).

    Parameters, PyTorch's: ``in_proj_weight`` (3 embed_dim, embed_dim) when ``kdim`` and
    ``vdim`` equal ``embed_dim``, else ``q_proj_weight``, ``k_proj_weight``,
    ``v_proj_weight``; ``in_proj_bias`` (3 embed_dim) with ``bias``; ``bias_k`` and
    ``bias_v`` (1, 1, embed_dim) with ``add_bias_kv``; ``out_proj`` (a Linear).
    Initialisation, PyTorch's: Xavier-uniform projections, zero biases, Xavier-normal
    ``bias_k``/``bias_v``, ``out_proj.weight`` as any Linear's.

    ``forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False)`` takes (L, N, E), or
    (N, L, E) with ``batch_first``, or unbatched (L, E), and returns ``(output,
    weights)`` (``weights`` ``None`` without ``need_weights``).  ``dropout`` applies to
    the attention weights in training mode.

    Example:
        >>> mha = ut.nn.MultiheadAttention(8, 2, batch_first=True)
        >>> x = ut.ones((3, 5, 8))
        >>> out, weights = mha(x, x, x)
        >>> out.shape, weights.shape
        ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0,
                 bias: bool = True, add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        embed_dim = count("MultiheadAttention", "embed_dim", embed_dim, 1)
        num_heads = count("MultiheadAttention", "num_heads", num_heads, 1)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise ValueError("embed_dim must be divisible by num_heads")
        if self._qkv_same_embed_dim:
            self.in_proj_weight = new_parameter((3 * embed_dim, embed_dim), dtype, device)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = new_parameter((embed_dim, embed_dim), dtype, device)
            self.k_proj_weight = new_parameter((embed_dim, self.kdim), dtype, device)
            self.v_proj_weight = new_parameter((embed_dim, self.vdim), dtype, device)
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = new_parameter((3 * embed_dim,), dtype, device)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = new_parameter((1, 1, embed_dim), dtype, device)
            self.bias_v = new_parameter((1, 1, embed_dim), dtype, device)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        batched = query.ndim == 3
        if self.batch_first and batched:
            query, key, value = (swapaxes(t, 0, 1) for t in (query, key, value))
        out, weights = F.multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights,
            attn_mask=attn_mask, use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = swapaxes(out, 0, 1)
        return out, weights
