"""Attention and the Transformer: ``scaled_dot_product_attention`` against a NumPy
float64 reference and PyTorch's (masks, causal, scale, grouped-query heads, fully masked
rows), ``MultiheadAttention`` and the Transformer layers with PyTorch's weights loaded
against ``torch.nn`` (outputs, returned weights, gradients of inputs and parameters),
and across backends; dropout in training from the portable stream; state-dict layout
and initialisation; errors."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
import unitorch.nn.functional as F
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error
from torch_reference import compare

FLOATS = st.sampled_from([ut.float32, ut.float64])


def ref_sdpa(q, k, v, mask=None, causal=False, scale=None):
    s = q @ np.swapaxes(k, -1, -2) * (1 / math.sqrt(q.shape[-1]) if scale is None else scale)
    if causal:
        s = np.where(np.tril(np.ones((q.shape[-2], k.shape[-2]), bool)), s, -np.inf)
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == bool else s + mask
    top = s.max(-1, keepdims=True)
    empty = top == -np.inf
    e = np.exp(s - np.where(empty, 0, top))
    w = np.where(empty, 0.0, e / np.where(empty, 1, e.sum(-1, keepdims=True)))
    return w @ v


@given(data=st.data(), dtype=FLOATS,
       kind=st.sampled_from(["plain", "causal", "bool", "float", "scale"]))
def test_scaled_dot_product_attention(backends, data, dtype, kind):
    b, h = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    length, src = data.draw(st.integers(1, 5)), data.draw(st.integers(1, 5))
    e, ev = data.draw(st.integers(1, 6)), data.draw(st.integers(1, 4))
    rng = np.random.default_rng(b * 100 + h * 10 + length)
    q, k, v = (rng.normal(size=(b, h, n, m)) for n, m in ((length, e), (src, e), (src, ev)))
    mask = None
    kwargs: dict = {}
    if kind == "causal":
        kwargs["is_causal"] = True
    elif kind == "bool":
        mask = rng.uniform(size=(length, src)) > 0.3
        mask[0] = False  # a query that attends to nothing: zeros, as PyTorch's SDPA
    elif kind == "float":
        mask = rng.normal(size=(1, h, length, src))
    elif kind == "scale":
        kwargs["scale"] = 0.37
    args = [q, k, v] + ([mask] if mask is not None else [])

    def ut_fn(*a):
        return F.scaled_dot_product_attention(*a[:3], attn_mask=a[3] if len(a) > 3 else None,
                                              **kwargs)

    def torch_fn(*a):
        return TF.scaled_dot_product_attention(*a[:3], attn_mask=a[3] if len(a) > 3 else None,
                                               **kwargs)

    compare(backends, ut_fn, torch_fn, args, dtype, "composite", 8 * (e + src),
            grad_args=[0, 1, 2], reference=lambda *a: ref_sdpa(
                *a[:3], a[3] if len(a) > 3 else None, kind == "causal", kwargs.get("scale")))


def test_sdpa_grouped_query_heads_and_no_nan_gradient(backends):
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 4, 3, 5)), rng.normal(size=(2, 2, 6, 5)), \
        rng.normal(size=(2, 2, 6, 3))
    compare(backends, lambda *a: F.scaled_dot_product_attention(*a, enable_gqa=True),
            lambda *a: TF.scaled_dot_product_attention(*a, enable_gqa=True), [q, k, v],
            ut.float64, "composite", 64,
            reference=ref_sdpa(q, np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1)))
    mask = np.ones((3, 6), bool)
    mask[1] = False
    for b in backends:
        with ut.use_backend(b):
            gs = ut.grad(lambda a, c, d: ut.sum(F.scaled_dot_product_attention(
                a, c, d, attn_mask=ut.asarray(mask))), argnums=(0, 1, 2))(
                *(ut.asarray(x[:, :2]) for x in (q, k, v)))
            assert all(not np.isnan(g.numpy()).any() for g in gs)


def test_sdpa_dropout_is_portable_and_scales(backends, clean_state):
    rng = np.random.default_rng(2)
    q, k, v = (rng.normal(size=(2, 2, 5, 4)) for _ in range(3))
    outs = {}
    for b in backends:
        with ut.use_backend(b), ut.random.portable(True):
            ut.manual_seed(4)
            outs[b] = F.scaled_dot_product_attention(*map(ut.asarray, (q, k, v)),
                                                     dropout_p=0.5).numpy()
            assert not np.allclose(outs[b], ref_sdpa(q, k, v))
    first = outs[backends[0]]
    for o in outs.values():
        np.testing.assert_allclose(o, first, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------
# MultiheadAttention


def _load(um, tm):
    um.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


MHA_OPTIONS = [
    {}, {"batch_first": True}, {"kdim": 5, "vdim": 3}, {"bias": False},
    {"add_bias_kv": True, "add_zero_attn": True},
]


@pytest.mark.parametrize("options", MHA_OPTIONS, ids=[",".join(o) or "default"
                                                      for o in MHA_OPTIONS])
@given(masks=st.sampled_from(["none", "padding", "both_float", "bool_attn"]),
       need_weights=st.booleans(), average=st.booleans(), unbatched=st.booleans())
def test_multihead_attention_matches_torch(backends, options, masks, need_weights, average,
                                           unbatched):
    torch.manual_seed(0)
    tm = torch.nn.MultiheadAttention(8, 2, **options).double().eval()
    rng = np.random.default_rng(3)
    bf = options.get("batch_first", False) and not unbatched
    n, length, src = 2, 4, 6

    def shape(seq, dim):
        if unbatched:
            return (seq, dim)
        return (n, seq, dim) if bf else (seq, n, dim)

    q = rng.normal(size=shape(length, 8))
    k = rng.normal(size=shape(src, options.get("kdim", 8)))
    v = rng.normal(size=shape(src, options.get("vdim", 8)))
    kw = {"need_weights": need_weights, "average_attn_weights": average}
    extra = {}
    if masks in ("padding", "both_float"):
        kpm = rng.uniform(size=(src,) if unbatched else (n, src)) > 0.6
        kpm[..., 0] = False  # every query keeps a key (PyTorch gives NaN otherwise)
        extra["key_padding_mask"] = kpm
    if masks == "both_float":
        extra["attn_mask"] = rng.normal(size=(length, src))
    if masks == "bool_attn":
        am = rng.uniform(size=(length, src)) > 0.5
        am[:, 0] = False
        extra["attn_mask"] = am
    to, tw = tm(*(torch.tensor(a) for a in (q, k, v)),
                **{key: torch.tensor(val) for key, val in extra.items()}, **kw)
    for b in backends:
        with ut.use_backend(b):
            um = ut.nn.MultiheadAttention(8, 2, dtype=ut.float64, **options).eval()
            assert list(um.state_dict()) == list(tm.state_dict())
            _load(um, tm)
            uo, uw = um(*(ut.asarray(a) for a in (q, k, v)),
                        **{key: ut.asarray(val) for key, val in extra.items()}, **kw)
            rtol, atol = family_tolerance("matmul", ut.float64, 64)
            assert_close(uo, to.detach().numpy(), rtol, atol, msg=f"{b} output")
            if need_weights:
                assert_close(uw, tw.detach().numpy(), rtol, atol, msg=f"{b} weights")
            else:
                assert uw is None


def test_multihead_attention_gradients_match_torch(backends):
    torch.manual_seed(1)
    tm = torch.nn.MultiheadAttention(8, 4, batch_first=True, add_bias_kv=True).double()
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 5, 8))
    mask = torch.nn.Transformer.generate_square_subsequent_mask(5).double()
    tx = torch.tensor(x, requires_grad=True)
    out = tm(tx, tx, tx, attn_mask=mask, need_weights=False)[0]
    cot = rng.normal(size=out.shape)
    (out * torch.tensor(cot)).sum().backward()
    grads = {name: p.grad.numpy() for name, p in tm.named_parameters()}
    for b in backends:
        with ut.use_backend(b):
            um = ut.nn.MultiheadAttention(8, 4, batch_first=True, add_bias_kv=True,
                                          dtype=ut.float64)
            _load(um, tm)
            ux = ut.asarray(x)
            umask = ut.nn.Transformer.generate_square_subsequent_mask(5, dtype=ut.float64)
            gx = ut.grad(lambda v, um=um, umask=umask: ut.sum(um(
                v, v, v, attn_mask=umask, is_causal=True, need_weights=False)[0]
                * ut.asarray(cot)))(ux)
            rtol, atol = family_tolerance("matmul", ut.float64, 256)
            assert_close(gx, tx.grad.numpy(), rtol, atol, msg=f"{b} input gradient")
            um.zero_grad()
            loss = ut.sum(um(ux, ux, ux, attn_mask=umask)[0] * ut.asarray(cot))
            loss.backward()
            for name, p in um.named_parameters():
                assert_close(p.grad, grads[name], rtol, atol, msg=f"{b} {name}")


def test_fully_masked_queries_give_zeros_not_nan(backends):
    """A query whose keys are all padding: zero attention weights (PyTorch's SDPA
    convention) and an output equal to out_proj's bias, with weights returned or not."""
    ut.manual_seed(0)
    for b in backends:
        with ut.use_backend(b):
            mha = ut.nn.MultiheadAttention(4, 2, batch_first=True)
            x = ut.random.randn(2, 3, 4)
            pad = ut.asarray(np.array([[False, False, True], [True, True, True]]))
            for need in (True, False):
                out, w = mha(x, x, x, key_padding_mask=pad, need_weights=need)
                o = out.numpy()
                assert not np.isnan(o).any()
                np.testing.assert_allclose(o[1], np.broadcast_to(mha.out_proj.bias.numpy(),
                                                                 (3, 4)), atol=1e-7)
                if need:
                    assert np.all(w.numpy()[1] == 0)


# ---------------------------------------------------------------------------------------
# the Transformer family


def _pair(options, d=ut.float64):
    torch.manual_seed(2)
    tm = torch.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                              dim_feedforward=16, dropout=0.0, **options).double()
    um = ut.nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=2,
                           dim_feedforward=16, dropout=0.0, dtype=d, **options)
    return tm, um


@pytest.mark.parametrize("options", [{}, {"norm_first": True, "activation": "gelu",
                                          "batch_first": True}],
                         ids=["post-norm", "pre-norm-gelu-batch-first"])
def test_transformer_matches_torch(backends, options):
    tm, _ = _pair(options)
    rng = np.random.default_rng(5)
    bf = options.get("batch_first", False)
    src = rng.normal(size=(3, 6, 8) if bf else (6, 3, 8))
    tgt = rng.normal(size=(3, 4, 8) if bf else (4, 3, 8))
    kpm = np.zeros((3, 6), bool)
    kpm[1, 4:] = True
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(4).double()
    tsrc = torch.tensor(src, requires_grad=True)
    out = tm(tsrc, torch.tensor(tgt), tgt_mask=tmask, src_key_padding_mask=torch.tensor(kpm),
             memory_key_padding_mask=torch.tensor(kpm), tgt_is_causal=True)
    cot = rng.normal(size=out.shape)
    (out * torch.tensor(cot)).sum().backward()
    grads = {name: p.grad.numpy() for name, p in tm.named_parameters()}
    for b in backends:
        with ut.use_backend(b):
            _, um = _pair(options)
            assert list(um.state_dict()) == list(tm.state_dict())
            _load(um, tm)
            umask = ut.nn.Transformer.generate_square_subsequent_mask(4, dtype=ut.float64)
            np.testing.assert_array_equal(umask.numpy(), tmask.numpy())
            usrc = ut.nn.Parameter(ut.asarray(src))
            uo = um(usrc, ut.asarray(tgt), tgt_mask=umask, src_key_padding_mask=ut.asarray(kpm),
                    memory_key_padding_mask=ut.asarray(kpm), tgt_is_causal=True)
            rtol, atol = family_tolerance("matmul", ut.float64, 512)
            assert_close(uo, out.detach().numpy(), rtol, atol, msg=f"{b} output")
            ut.sum(uo * ut.asarray(cot)).backward()
            assert_close(usrc.grad, tsrc.grad.numpy(), rtol, atol, msg=f"{b} src gradient")
            for name, p in um.named_parameters():
                assert_close(p.grad, grads[name], rtol, atol, msg=f"{b} {name}")


def test_encoder_decoder_layers_unbatched_and_in_training(backends, clean_state):
    """Unbatched inputs; in training mode dropout draws from the portable stream, so one
    seed gives one result on every backend; layers are deep copies of their template."""
    outs = {}
    for b in backends:
        with ut.use_backend(b), ut.random.portable(True):
            ut.manual_seed(7)
            layer = ut.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.3)
            enc = ut.nn.TransformerEncoder(layer, 3, norm=ut.nn.LayerNorm(8))
            w0 = enc.layers[0].linear1.weight.numpy()
            assert all(np.array_equal(w0, lay.linear1.weight.numpy()) for lay in enc.layers)
            assert enc.layers[0].linear1.weight is not enc.layers[1].linear1.weight
            x = ut.random.randn(5, 8)
            y = enc(x)
            assert y.shape == (5, 8)
            dec = ut.nn.TransformerDecoder(ut.nn.TransformerDecoderLayer(8, 2, 16), 2)
            z = dec(ut.random.randn(3, 8), y)
            assert z.shape == (3, 8)
            outs[b] = (y.numpy(), z.numpy())
    first = outs[backends[0]]
    for y, z in outs.values():
        np.testing.assert_allclose(y, first[0], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(z, first[1], rtol=1e-5, atol=1e-5)


def test_transformer_initialisation(backends):
    """Every matrix Xavier-uniform (PyTorch's _reset_parameters): within the bound, and
    the same numbers on every backend for one seed."""
    weights = {}
    for b in backends:
        with ut.use_backend(b):
            ut.manual_seed(3)
            model = ut.nn.Transformer(d_model=16, nhead=4, num_encoder_layers=1,
                                      num_decoder_layers=1, dim_feedforward=32)
            sd = {k: v.numpy() for k, v in model.state_dict().items()}
            weights[b] = sd
            w = sd["encoder.layers.0.linear1.weight"]
            bound = math.sqrt(6 / (16 + 32))
            assert np.abs(w).max() <= bound and np.abs(w).max() > 0.8 * bound
            assert np.all(sd["encoder.layers.0.self_attn.in_proj_bias"] == 0)
    first = weights[backends[0]]
    for sd in weights.values():
        assert list(sd) == list(first)
        for k in sd:
            np.testing.assert_array_equal(sd[k], first[k])


ERRORS = [
    (ValueError, lambda: ut.nn.MultiheadAttention(10, 3), "divisible by num_heads"),
    (ut.ShapeError, lambda: ut.nn.MultiheadAttention(4, 2)(ut.ones((3, 2, 4)),
                                                           ut.ones((3, 2, 4)),
                                                           ut.ones((3, 2, 4)),
                                                           attn_mask=ut.ones((2, 2))),
     "shape of the attn_mask"),
    (RuntimeError, lambda: ut.nn.MultiheadAttention(4, 2)(ut.ones((3, 2, 4)),
                                                          ut.ones((3, 2, 4)),
                                                          ut.ones((3, 2, 4)), is_causal=True),
     "Need attn_mask"),
    (ValueError, lambda: F.scaled_dot_product_attention(
        ut.ones((1, 2, 3)), ut.ones((1, 2, 3)), ut.ones((1, 2, 3)),
        attn_mask=ut.ones((2, 2), dtype=ut.bool), is_causal=True), "should not be set"),
    (ut.ShapeError, lambda: F.scaled_dot_product_attention(
        ut.ones((1, 2, 3)), ut.ones((1, 2, 4)), ut.ones((1, 2, 3))), "do not fit"),
    (RuntimeError, lambda: ut.nn.TransformerEncoderLayer(4, 2, activation="tanh"),
     "relu/gelu"),
    (ut.ShapeError, lambda: ut.nn.Transformer(8, 2, 1, 1, 16)(ut.ones((3, 2, 8)),
                                                              ut.ones((3, 3, 8))),
     "batch number"),
]


@pytest.mark.parametrize("exc, fn, match", ERRORS, ids=[f"{e[0].__name__}-{i}"
                                                         for i, e in enumerate(ERRORS)])
def test_bad_input_raises_one_message(backends, exc, fn, match):
    same_error(backends, exc, fn, match=match)
