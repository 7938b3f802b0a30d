"""A GPT block stack, minGPT's ``gpt-nano``: 3 blocks of 3-head causal self-attention and
a GELU MLP (4x), pre-LayerNorm, width 48, context 64, 65 characters, dropout 0.1 on the
embeddings, the attention weights and both residual branches; cross-entropy on the next
character; AdamW (lr 5e-4, betas (0.9, 0.95), weight decay 0.1 on the matmul weights
only, as minGPT's ``configure_optimizers``), gradient norm clipped to 1; batch 16.

The attention is written out as minGPT writes it (a fused q/k/v projection, masked
scores, softmax, dropout, weighted sum).  TensorFlow writes the same with TensorFlow
ops; Keras 3 with layers built on ``keras.ops``, ``keras.optimizers.AdamW`` excluding
the same variables from the decay, and ``global_clipnorm``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

TITLE = "GPT (minGPT nano: 3 layers, 3 heads, 48 wide, context 64), batch 16, AdamW"
VOCAB, BLOCK, LAYERS, HEADS, EMBED, BATCH = 65, 64, 3, 3, 48, 16
LR, BETAS, DECAY, CLIP, DROPOUT = 5e-4, (0.9, 0.95), 0.1, 1.0, 0.1

RANDOM = True  # dropout or sampled noise: also timed in the portable random mode

def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (BATCH, BLOCK + 1))
    return {"x": np.ascontiguousarray(tokens[:, :-1]), "y": np.ascontiguousarray(tokens[:, 1:])}


def weights() -> dict[str, np.ndarray]:
    import unitorch as ut

    ut.manual_seed(0)
    return {k: v.numpy() for k, v in _unitorch_model(ut, 0.0).state_dict().items()}


def _decayed(name: str) -> bool:
    """minGPT decays the weights of Linear layers only (not biases, LayerNorm, embeddings)."""
    return name.endswith(".weight") and ("attn." in name or "mlp." in name or
                                         name == "lm_head.weight")


def _unitorch_model(ut: Any, p: float) -> Any:
    nn = ut.nn
    F = ut.nn.functional

    class CausalSelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = nn.Linear(EMBED, 3 * EMBED)
            self.c_proj = nn.Linear(EMBED, EMBED)
            self.attn_dropout = nn.Dropout(p)
            self.resid_dropout = nn.Dropout(p)
            self.register_buffer("mask", ut.tril(ut.ones((BLOCK, BLOCK), dtype=ut.bool)),
                                 persistent=False)

        def forward(self, x: Any) -> Any:
            B, T, C = x.shape
            q, k, v = ut.split(self.c_attn(x), EMBED, axis=2)
            q = q.reshape(B, T, HEADS, C // HEADS).transpose(1, 2)
            k = k.reshape(B, T, HEADS, C // HEADS).transpose(1, 2)
            v = v.reshape(B, T, HEADS, C // HEADS).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // HEADS))
            att = ut.where(self.mask[:T, :T], att, -math.inf)
            att = self.attn_dropout(ut.softmax(att, axis=-1))
            y = (att @ v).transpose(1, 2).reshape(B, T, C)
            return self.resid_dropout(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_fc = nn.Linear(EMBED, 4 * EMBED)
            self.c_proj = nn.Linear(4 * EMBED, EMBED)
            self.dropout = nn.Dropout(p)

        def forward(self, x: Any) -> Any:
            return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(EMBED)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(EMBED)
            self.mlp = MLP()

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(VOCAB, EMBED)
            self.wpe = nn.Embedding(BLOCK, EMBED)
            self.drop = nn.Dropout(p)
            self.h = nn.ModuleList([Block() for _ in range(LAYERS)])
            self.ln_f = nn.LayerNorm(EMBED)
            self.lm_head = nn.Linear(EMBED, VOCAB, bias=False)
            self.register_buffer("pos", ut.arange(BLOCK), persistent=False)

        def forward(self, idx: Any) -> Any:
            t = idx.shape[1]
            x = self.drop(self.wte(idx) + self.wpe(self.pos[:t]))
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return GPT()


def unitorch(data: dict[str, Any], weights: dict[str, Any], device: str,
             deterministic: bool) -> Any:
    import unitorch as ut

    dev = "gpu" if device == "gpu" else "cpu"
    model = _unitorch_model(ut, 0.0 if deterministic else DROPOUT)
    model.load_state_dict(weights)
    model.to(dev)
    named = dict(model.named_parameters())
    groups = [{"params": [p for n, p in named.items() if _decayed(n)], "weight_decay": DECAY},
              {"params": [p for n, p in named.items() if not _decayed(n)],
               "weight_decay": 0.0}]
    opt = ut.optim.AdamW(groups, lr=LR, betas=BETAS)
    x, y = ut.asarray(data["x"], device=dev), ut.asarray(data["y"], device=dev)

    def step() -> Any:
        logits = model(x)
        loss = ut.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), y.reshape(-1))
        model.zero_grad()
        loss.backward()
        ut.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss

    return step


def torch(data: dict[str, Any], weights: dict[str, Any], device: str,
          deterministic: bool) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    p = 0.0 if deterministic else DROPOUT

    class CausalSelfAttention(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_attn = nn.Linear(EMBED, 3 * EMBED)
            self.c_proj = nn.Linear(EMBED, EMBED)
            self.attn_dropout = nn.Dropout(p)
            self.resid_dropout = nn.Dropout(p)
            self.register_buffer("mask", torch.tril(torch.ones(BLOCK, BLOCK, dtype=torch.bool)),
                                 persistent=False)

        def forward(self, x: Any) -> Any:
            B, T, C = x.size()
            q, k, v = self.c_attn(x).split(EMBED, dim=2)
            q = q.view(B, T, HEADS, C // HEADS).transpose(1, 2)
            k = k.view(B, T, HEADS, C // HEADS).transpose(1, 2)
            v = v.view(B, T, HEADS, C // HEADS).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
            att = att.masked_fill(~self.mask[:T, :T], float("-inf"))
            att = self.attn_dropout(F.softmax(att, dim=-1))
            y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
            return self.resid_dropout(self.c_proj(y))

    class MLP(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.c_fc = nn.Linear(EMBED, 4 * EMBED)
            self.c_proj = nn.Linear(4 * EMBED, EMBED)
            self.dropout = nn.Dropout(p)

        def forward(self, x: Any) -> Any:
            return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1 = nn.LayerNorm(EMBED)
            self.attn = CausalSelfAttention()
            self.ln_2 = nn.LayerNorm(EMBED)
            self.mlp = MLP()

        def forward(self, x: Any) -> Any:
            x = x + self.attn(self.ln_1(x))
            return x + self.mlp(self.ln_2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte = nn.Embedding(VOCAB, EMBED)
            self.wpe = nn.Embedding(BLOCK, EMBED)
            self.drop = nn.Dropout(p)
            self.h = nn.ModuleList([Block() for _ in range(LAYERS)])
            self.ln_f = nn.LayerNorm(EMBED)
            self.lm_head = nn.Linear(EMBED, VOCAB, bias=False)

        def forward(self, idx: Any) -> Any:
            t = idx.size(1)
            pos = torch.arange(0, t, dtype=torch.long, device=idx.device)
            x = self.drop(self.wte(idx) + self.wpe(pos))
            for block in self.h:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    model = GPT()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.to(dev)
    named = dict(model.named_parameters())
    groups = [{"params": [p for n, p in named.items() if _decayed(n)], "weight_decay": DECAY},
              {"params": [p for n, p in named.items() if not _decayed(n)],
               "weight_decay": 0.0}]
    opt = torch.optim.AdamW(groups, lr=LR, betas=BETAS)
    x, y = torch.from_numpy(data["x"]).to(dev), torch.from_numpy(data["y"]).to(dev)

    def step() -> Any:
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, VOCAB), y.view(-1))
        model.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss

    return step


def tensorflow(data: dict[str, Any], weights: dict[str, Any], device: str,
               deterministic: bool) -> Any:
    import tensorflow as tf

    p = 0.0 if deterministic else DROPOUT
    names = list(weights)
    # Linear weights as (in, out), TensorFlow's matmul layout
    variables = {n: tf.Variable(v.T.copy() if v.ndim == 2 and "wte" not in n and "wpe" not in n
                                else v) for n, v in weights.items()}
    var_list = [variables[n] for n in names]
    opt = _TFAdamW(var_list, [_decayed(n) for n in names])
    x, y = tf.constant(data["x"]), tf.constant(data["y"])
    mask = tf.constant(np.tril(np.ones((BLOCK, BLOCK), bool)))
    hd = EMBED // HEADS

    def dropout(h: Any) -> Any:
        return h if p == 0 else tf.nn.dropout(h, p)

    def linear(h: Any, name: str, bias: bool = True) -> Any:
        out = tf.matmul(h, variables[name + ".weight"])
        return out + variables[name + ".bias"] if bias else out

    def layer_norm(h: Any, name: str) -> Any:
        mean, var = tf.nn.moments(h, axes=[-1], keepdims=True)
        return ((h - mean) * tf.math.rsqrt(var + 1e-5) * variables[name + ".weight"]
                + variables[name + ".bias"])

    def heads(t: Any) -> Any:
        return tf.transpose(tf.reshape(t, (BATCH, BLOCK, HEADS, hd)), (0, 2, 1, 3))

    def block(h: Any, i: int) -> Any:
        pre = f"h.{i}."
        q, k, v = tf.split(linear(layer_norm(h, pre + "ln_1"), pre + "attn.c_attn"), 3, -1)
        att = tf.matmul(heads(q), heads(k), transpose_b=True) * (1.0 / math.sqrt(hd))
        att = dropout(tf.nn.softmax(tf.where(mask, att, -math.inf), axis=-1))
        out = tf.reshape(tf.transpose(tf.matmul(att, heads(v)), (0, 2, 1, 3)),
                         (BATCH, BLOCK, EMBED))
        h = h + dropout(linear(out, pre + "attn.c_proj"))
        m = tf.nn.gelu(linear(layer_norm(h, pre + "ln_2"), pre + "mlp.c_fc"), approximate=True)
        return h + dropout(linear(m, pre + "mlp.c_proj"))

    def step() -> Any:
        with tf.GradientTape() as tape:
            h = dropout(tf.gather(variables["wte.weight"], x) + variables["wpe.weight"])
            for i in range(LAYERS):
                h = block(h, i)
            logits = linear(layer_norm(h, "ln_f"), "lm_head", bias=False)
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=logits))
        grads, _ = tf.clip_by_global_norm(tape.gradient(loss, var_list), CLIP)
        opt.apply([tf.convert_to_tensor(g) for g in grads])
        return loss

    return step


class _TFAdamW:
    """AdamW in TensorFlow ops with PyTorch's rule (decoupled decay ``p *= 1 - lr * wd``
    on the decayed variables, eps after the bias correction)."""

    def __init__(self, variables: list[Any], decayed: list[bool]) -> None:
        import tensorflow as tf

        self.variables, self.decayed = variables, decayed
        self.m = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self.v = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self.t = tf.Variable(0.0, trainable=False)

    def apply(self, grads: list[Any]) -> None:
        import tensorflow as tf

        b1, b2 = BETAS
        t = self.t.assign_add(1.0)
        step_size = LR / (1 - b1 ** t)
        bc2_sqrt = tf.sqrt(1 - b2 ** t)
        for p, g, m, v, d in zip(self.variables, grads, self.m, self.v, self.decayed):
            if d:
                p.assign(p * (1 - LR * DECAY))
            m.assign_add((1 - b1) * (g - m))
            v.assign(b2 * v + (1 - b2) * tf.square(g))
            p.assign_sub(step_size * m / (tf.sqrt(v) / bc2_sqrt + 1e-8))


def keras(data: dict[str, Any], weights: dict[str, Any], deterministic: bool) -> Any:
    import keras
    from keras import layers, ops

    p = 0.0 if deterministic else DROPOUT
    hd = EMBED // HEADS

    class Attention(layers.Layer):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.c_attn = layers.Dense(3 * EMBED, name="c_attn")
            self.c_proj = layers.Dense(EMBED, name="c_proj")
            self.attn_dropout, self.resid_dropout = layers.Dropout(p), layers.Dropout(p)
            self.mask = np.tril(np.ones((BLOCK, BLOCK), bool))

        def call(self, x: Any, training: Any = None) -> Any:
            def heads(t: Any) -> Any:
                return ops.transpose(ops.reshape(t, (-1, BLOCK, HEADS, hd)), (0, 2, 1, 3))

            q, k, v = ops.split(self.c_attn(x), 3, axis=-1)
            att = ops.matmul(heads(q), ops.transpose(heads(k), (0, 1, 3, 2)))
            att = ops.where(self.mask, att * (1.0 / math.sqrt(hd)), -math.inf)
            att = self.attn_dropout(ops.softmax(att, axis=-1), training=training)
            y = ops.reshape(ops.transpose(ops.matmul(att, heads(v)), (0, 2, 1, 3)),
                            (-1, BLOCK, EMBED))
            return self.resid_dropout(self.c_proj(y), training=training)

    class Block(layers.Layer):
        def __init__(self, **kw: Any) -> None:
            super().__init__(**kw)
            self.ln_1 = layers.LayerNormalization(epsilon=1e-5, name="ln_1")
            self.attn = Attention(name="attn")
            self.ln_2 = layers.LayerNormalization(epsilon=1e-5, name="ln_2")
            self.c_fc = layers.Dense(4 * EMBED, name="c_fc")
            self.c_proj = layers.Dense(EMBED, name="c_proj")
            self.dropout = layers.Dropout(p)

        def call(self, x: Any, training: Any = None) -> Any:
            x = x + self.attn(self.ln_1(x), training=training)
            m = ops.gelu(self.c_fc(self.ln_2(x)), approximate=True)
            return x + self.dropout(self.c_proj(m), training=training)

    class Positions(layers.Layer):
        def build(self, shape: Any) -> None:
            self.wpe = self.add_weight(shape=(BLOCK, EMBED), name="wpe")

        def call(self, x: Any) -> Any:
            return x + self.wpe

    idx = keras.Input((BLOCK,), dtype="int64")
    h = layers.Dropout(p)(Positions()(layers.Embedding(VOCAB, EMBED, name="wte")(idx)))
    blocks = [Block(name=f"h{i}") for i in range(LAYERS)]
    for b in blocks:
        h = b(h)
    h = layers.LayerNormalization(epsilon=1e-5, name="ln_f")(h)
    model = keras.Model(idx, layers.Dense(VOCAB, use_bias=False, name="lm_head")(h))

    def t(n: str) -> np.ndarray:
        return weights[n].T

    model.get_layer("wte").set_weights([weights["wte.weight"]])
    model.layers[2].set_weights([weights["wpe.weight"]])
    for i, b in enumerate(blocks):
        pre = f"h.{i}."
        b.ln_1.set_weights([weights[pre + "ln_1.weight"], weights[pre + "ln_1.bias"]])
        b.ln_2.set_weights([weights[pre + "ln_2.weight"], weights[pre + "ln_2.bias"]])
        b.attn.c_attn.set_weights([t(pre + "attn.c_attn.weight"), weights[pre + "attn.c_attn.bias"]])
        b.attn.c_proj.set_weights([t(pre + "attn.c_proj.weight"), weights[pre + "attn.c_proj.bias"]])
        b.c_fc.set_weights([t(pre + "mlp.c_fc.weight"), weights[pre + "mlp.c_fc.bias"]])
        b.c_proj.set_weights([t(pre + "mlp.c_proj.weight"), weights[pre + "mlp.c_proj.bias"]])
    model.get_layer("ln_f").set_weights([weights["ln_f.weight"], weights["ln_f.bias"]])
    model.get_layer("lm_head").set_weights([t("lm_head.weight")])
    optimizer = keras.optimizers.AdamW(LR, weight_decay=DECAY, beta_1=BETAS[0],
                                       beta_2=BETAS[1], epsilon=1e-8, global_clipnorm=CLIP)
    optimizer.exclude_from_weight_decay(
        var_list=[v for v in model.trainable_variables if len(v.shape) == 1
                  or v.path.split("/")[0] in ("wte", "positions")])
    model.compile(optimizer=optimizer,
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x, y = ops.convert_to_tensor(data["x"]), ops.convert_to_tensor(data["y"])
    return lambda: model.train_on_batch(x, y)
