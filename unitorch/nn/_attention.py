"""Attention, as in ``torch.nn.functional``: ``scaled_dot_product_attention`` and
``multi_head_attention_forward`` (the computation of ``nn.MultiheadAttention``).

Both are composed once above the backends (matmuls, a softmax, a dropout), so every
backend computes the same expression.  One behaviour where PyTorch has two: a query
whose keys are *all* masked gets zero attention weights (so a zero output, before any
output projection).  That is what PyTorch's ``scaled_dot_product_attention`` gives;
PyTorch's ``MultiheadAttention`` gives NaN there when it returns the weights
(``need_weights=True``, its default) or runs its inference fast path, zeros otherwise.
The gradient through such a row is zero, not NaN.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import ShapeError, fmt_shape
from ..ops import elementwise as _ew
from ..ops.activations import softmax
from ..ops.creation import zeros_like
from ..ops.manipulation import concat, repeat, reshape, swapaxes
from ..ops.products import matmul
from ..ops.statistical import max as _max
from ..ops.statistical import mean as _mean
from ..tensor import Tensor, _wrap

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


def _masked_softmax(scores: Tensor) -> Tensor:
    """``softmax`` along the last axis, with rows that are all ``-inf`` (every key
    masked) giving zeros, and a zero (not NaN) gradient through them."""
    empty = _max(scores, axis=-1, keepdims=True) == -math.inf
    weights = softmax(_ew.where(empty, 0.0, scores), axis=-1)
    return _ew.where(empty, 0.0, weights)


def _bias_of(mask: Tensor | None, like: Tensor, op: str) -> Tensor | None:
    """An attention mask as an additive bias of ``like``'s dtype: a bool mask where
    ``True`` *takes part* (``scaled_dot_product_attention``'s convention) becomes 0 /
    ``-inf``; a floating mask is added as it is."""
    if mask is None:
        return None
    if mask._d is dt.bool:
        return _ew.where(mask, 0.0, -math.inf).astype(like._d)
    check_kind(op, mask._d, "f")
    return mask if mask._d is like._d else mask.astype(like._d)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """Attention ``softmax(q k^T * scale + mask) v`` over the last two axes:
    ``query`` (..., L, E), ``key`` (..., S, E), ``value`` (..., S, Ev), result
    (..., L, Ev); ``scale`` defaults to ``1 / sqrt(E)``.

    ``attn_mask`` broadcasts to (..., L, S): a bool mask where ``True`` means the key
    *takes part* (``False`` positions are set to ``-inf``), or a floating mask added to
    the scores.  ``is_causal`` masks key ``j > i`` for query ``i`` (the top-left-aligned
    lower triangle, PyTorch's; not together with ``attn_mask``).  ``dropout_p`` drops
    attention weights (always, as PyTorch: pass 0 in evaluation).  ``enable_gqa`` lets
    ``query`` have a multiple of the key/value heads (axis -3), each key/value head
    shared by consecutive query heads.  A query whose keys are all masked gets zeros
    (see the module docstring).  Operands promote to one floating dtype.

    Example:
        >>> q = k = v = ut.eye(3)[None]
        >>> F.scaled_dot_product_attention(q, k, v, is_causal=True)[0, 0]
        tensor([1., 0., 0.], dtype=float32)
    """
    op = "scaled_dot_product_attention"
    backend = backend_of(op, query, key, value, attn_mask)
    q, k, v = (to_tensor(t, backend) for t in (query, key, value))
    d = dt.promote_types(dt.promote_types(q._d, k._d), v._d)
    check_kind(op, d, "f")
    q, k, v = (t if t._d is d else t.astype(d) for t in (q, k, v))
    if q.ndim < 2 or k.ndim < 2 or v.ndim < 2:
        raise ShapeError(f"{op}(): query, key and value need at least 2 dimensions (..., L, "
                         f"E), got shapes {fmt_shape(q.shape)}, {fmt_shape(k.shape)}, "
                         f"{fmt_shape(v.shape)}")
    length, e = q.shape[-2], q.shape[-1]
    src = k.shape[-2]
    if k.shape[-1] != e or v.shape[-2] != src:
        raise ShapeError(f"{op}(): query {fmt_shape(q.shape)}, key {fmt_shape(k.shape)} and "
                         f"value {fmt_shape(v.shape)} do not fit: key needs the query's last "
                         f"size and value the key's sequence length")
    if enable_gqa and k.ndim >= 3 and q.ndim >= 3 and q.shape[-3] != k.shape[-3]:
        heads, kv_heads = q.shape[-3], k.shape[-3]
        if kv_heads is None or heads is None or heads % kv_heads:
            raise ShapeError(f"{op}(): with enable_gqa the query heads ({heads}) must be a "
                             f"multiple of the key/value heads ({kv_heads})")
        k = repeat(k, heads // kv_heads, axis=-3)
        v = repeat(v, heads // kv_heads, axis=-3)
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}(): an explicit attn_mask should not be set when "
                         "is_causal=True")
    factor = 1.0 / math.sqrt(e) if scale is None else float(scale)
    scores = matmul(q, swapaxes(k, -2, -1)) * factor
    if is_causal:
        causal = np.tril(np.ones((length, src), bool))
        scores = _ew.where(_wrap(type(q), backend.from_numpy(causal, backend.device(q._n)),
                                 dt.bool), scores, -math.inf)
    bias = _bias_of(None if attn_mask is None else to_tensor(attn_mask, backend), scores, op)
    if bias is not None:
        scores = scores + bias
    weights = _masked_softmax(scores)
    if dropout_p > 0.0:
        from ._dropout import dropout

        weights = dropout(weights, dropout_p, True)
    return matmul(weights, v)


def _padding_bias(mask: Any, like: Tensor, name: str, backend: Any) -> Tensor | None:
    """``MultiheadAttention``'s mask convention: a bool mask where ``True`` is *masked*
    (becomes ``-inf``), or a floating mask added as it is."""
    if mask is None:
        return None
    m = to_tensor(mask, backend)
    if m._d is dt.bool:
        return _ew.where(m, -math.inf, 0.0).astype(like._d)
    if m._d.kind != "f":
        raise ShapeError(f"multi_head_attention_forward(): only bool and floating types of "
                         f"{name} are supported, got {m._d.name}")
    return m if m._d is like._d else m.astype(like._d)


def _append_zero_column(bias: Tensor | None) -> Tensor | None:
    """A mask bias for one more key (appended by bias_k/bias_v or add_zero_attn), which
    every query may attend."""
    if bias is None:
        return None
    return concat([bias, zeros_like(bias[..., :1])], axis=-1)


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention (Vaswani et al., 2017) of sequence-first inputs, as
    ``torch.nn.functional.multi_head_attention_forward`` (what
    ``nn.MultiheadAttention`` computes): ``query`` (L, N, E) or (L, E), ``key`` and
    ``value`` (S, N, E_k/E_v) or unbatched.

    Projections ``q = query W_q^T + b_q`` (likewise k and v; from ``in_proj_weight``
    (3E, E) split in three, or the separate ``q/k/v_proj_weight``), split into
    ``num_heads`` heads of ``E / num_heads``; per head ``softmax(q k^T / sqrt(d) +
    mask) v``, then concatenated and projected by ``out_proj``.  ``bias_k``/``bias_v``
    append a learned key/value, ``add_zero_attn`` a zero one.  Masks, PyTorch's
    convention: ``key_padding_mask`` (N, S) and ``attn_mask`` (L, S) or (N *
    num_heads, L, S), bool ``True`` = *not* attended, or floating (added); both merge.
    ``is_causal`` is a hint that ``attn_mask`` is the causal mask (it needs one, as in
    PyTorch).  Dropout on the weights in ``training`` only.  Returns the output (L, N,
    E) and, with ``need_weights``, the attention weights averaged over the heads (N, L,
    S) (per head (N, heads, L, S) without ``average_attn_weights``), else ``None``.
    ``static_k``/``static_v`` raise :class:`NotImplementedError`.

    Example:
        >>> mha = ut.nn.MultiheadAttention(4, 2)
        >>> x = ut.ones((3, 1, 4))
        >>> out, w = F.multi_head_attention_forward(
        ...     x, x, x, 4, 2, mha.in_proj_weight, mha.in_proj_bias, None, None, False, 0.0,
        ...     mha.out_proj.weight, mha.out_proj.bias)
        >>> out.shape, w.shape
        ((3, 1, 4), (1, 3, 3))
    """
    op = "multi_head_attention_forward"
    if static_k is not None or static_v is not None:
        raise NotImplementedError(f"{op}(): static_k and static_v are not supported")
    backend = backend_of(op, query, key, value, in_proj_weight, q_proj_weight, out_proj_weight)
    q_in, k_in, v_in = (to_tensor(t, backend) for t in (query, key, value))
    batched = q_in.ndim == 3
    if q_in.ndim not in (2, 3) or k_in.ndim != q_in.ndim or v_in.ndim != q_in.ndim:
        raise ShapeError(f"{op}(): query, key and value must all be 3-D (L, N, E) or all "
                         f"2-D (L, E), got shapes {fmt_shape(q_in.shape)}, "
                         f"{fmt_shape(k_in.shape)}, {fmt_shape(v_in.shape)}")
    if not batched:
        q_in, k_in, v_in = (reshape(t, (t.shape[0], 1, t.shape[1])) for t in (q_in, k_in,
                                                                             v_in))
        if key_padding_mask is not None:
            kpm = to_tensor(key_padding_mask, backend)
            key_padding_mask = reshape(kpm, (1, *kpm.shape))
    tgt_len, bsz, embed_dim = q_in.shape
    src_len = k_in.shape[0]
    if embed_dim != embed_dim_to_check:
        raise ShapeError(f"{op}(): was expecting embedding dimension of {embed_dim_to_check}, "
                         f"but got {embed_dim}")
    if embed_dim % num_heads:
        raise ValueError(f"{op}(): embed_dim {embed_dim} not divisible by num_heads "
                         f"{num_heads}")
    if k_in.shape[:2] != v_in.shape[:2] or k_in.shape[1] != bsz:
        raise ShapeError(f"{op}(): key shape {fmt_shape(k_in.shape)} does not match value "
                         f"shape {fmt_shape(v_in.shape)} and the query's batch of {bsz}")
    head_dim = embed_dim // num_heads
    if is_causal and attn_mask is None:
        raise RuntimeError("Need attn_mask if specifying the is_causal hint. You may use the "
                           "Transformer module method `generate_square_subsequent_mask` to "
                           "create this mask.")
    # in-projection
    from .functional import linear

    if use_separate_proj_weight:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError(f"{op}(): use_separate_proj_weight needs q_proj_weight, "
                             "k_proj_weight and v_proj_weight")
        wq, wk, wv = q_proj_weight, k_proj_weight, v_proj_weight
    else:
        if in_proj_weight is None:
            raise ValueError(f"{op}(): in_proj_weight is None (pass "
                             "use_separate_proj_weight=True with q/k/v_proj_weight)")
        wq, wk, wv = (in_proj_weight[i * embed_dim:(i + 1) * embed_dim] for i in range(3))
    bq = bk = bv = None
    if in_proj_bias is not None:
        bq, bk, bv = (in_proj_bias[i * embed_dim:(i + 1) * embed_dim] for i in range(3))
    q, k, v = linear(q_in, wq, bq), linear(k_in, wk, bk), linear(v_in, wv, bv)
    # masks as additive biases: attn_mask (1 or N*heads, L, S), padding (N, S)
    attn_bias = _padding_bias(attn_mask, q, "attn_mask", backend)
    if attn_bias is not None:
        want = ((tgt_len, src_len) if attn_bias.ndim == 2
                else (bsz * num_heads, tgt_len, src_len))
        if attn_bias.ndim not in (2, 3) or tuple(attn_bias.shape) != want:
            raise ShapeError(f"{op}(): The shape of the attn_mask should be "
                             f"{fmt_shape(want)}, but got {fmt_shape(attn_bias.shape)}")
        if attn_bias.ndim == 2:
            attn_bias = reshape(attn_bias, (1, tgt_len, src_len))
    pad_bias = _padding_bias(key_padding_mask, q, "key_padding_mask", backend)
    if pad_bias is not None and tuple(pad_bias.shape) != (bsz, src_len):
        raise ShapeError(f"{op}(): expecting key_padding_mask shape of {(bsz, src_len)}, but "
                         f"got {fmt_shape(pad_bias.shape)}")
    if bias_k is not None and bias_v is not None:
        k = concat([k, _tile_batch(bias_k, bsz)], axis=0)
        v = concat([v, _tile_batch(bias_v, bsz)], axis=0)
        attn_bias, pad_bias = _append_zero_column(attn_bias), _append_zero_column(pad_bias)
    elif (bias_k is None) != (bias_v is None):
        raise ValueError(f"{op}(): give both bias_k and bias_v, or neither")
    # heads: (N * heads, len, head_dim), batch first
    q = swapaxes(reshape(q, (tgt_len, bsz * num_heads, head_dim)), 0, 1)
    k = swapaxes(reshape(k, (k.shape[0], bsz * num_heads, head_dim)), 0, 1)
    v = swapaxes(reshape(v, (v.shape[0], bsz * num_heads, head_dim)), 0, 1)
    if add_zero_attn:
        k = concat([k, zeros_like(k[:, :1])], axis=1)
        v = concat([v, zeros_like(v[:, :1])], axis=1)
        attn_bias, pad_bias = _append_zero_column(attn_bias), _append_zero_column(pad_bias)
    src_len = k.shape[1]
    if pad_bias is not None:
        # each sample's mask for each of its heads: row b * heads + h is sample b's
        pad_bias = repeat(reshape(pad_bias, (bsz, 1, src_len)), num_heads, axis=0)
        attn_bias = pad_bias if attn_bias is None else attn_bias + pad_bias
    scores = matmul(q * math.sqrt(1.0 / head_dim), swapaxes(k, -2, -1))
    if attn_bias is not None:
        scores = scores + attn_bias
    weights = _masked_softmax(scores)
    if training and dropout_p > 0.0:
        from ._dropout import dropout

        weights = dropout(weights, dropout_p, True)
    out = matmul(weights, v)  # (N * heads, L, head_dim)
    out = reshape(swapaxes(out, 0, 1), (tgt_len * bsz, embed_dim))
    out = reshape(linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, -1))
    if not batched:
        out = reshape(out, (tgt_len, out.shape[-1]))
    if not need_weights:
        return out, None
    weights = reshape(weights, (bsz, num_heads, tgt_len, src_len))
    if average_attn_weights:
        weights = _mean(weights, axis=1)
    if not batched:
        weights = reshape(weights, weights.shape[1:])
    return out, weights


def _tile_batch(bias: Tensor, bsz: int) -> Tensor:
    """A (1, 1, E) learned key or value repeated along the batch: (1, N, E)."""
    return repeat(reshape(bias, (1, 1, bias.shape[-1])), bsz, axis=1)
