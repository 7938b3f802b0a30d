"""A word-level LSTM language model, pytorch/examples' ``word_language_model`` (its
``LSTM`` model, smaller vocabulary): embedding of 1000 words to 128, dropout 0.2, a
2-layer LSTM of 128 with dropout 0.2 between the layers, dropout 0.2, a linear decoder
to the 1000 words, cross-entropy over every position; SGD with lr 20 after clipping the
gradient norm to 0.25 (the example's update); sequences of 35 words, batch 32.

TensorFlow runs the same model with ``keras.layers.LSTM`` (what TensorFlow programs use
for an LSTM; its CPU path is a ``tf.while_loop``) and TensorFlow ops for the rest;
Keras 3 as a ``Sequential`` model.  Keras's LSTM has one bias (PyTorch's two, summed)
and the same gate order."""

from __future__ import annotations

from typing import Any

import numpy as np

TITLE = "word-level LSTM LM (2x128, vocab 1000, seq 35, batch 32), SGD + clipping"
VOCAB, EMBED, HIDDEN, LAYERS, STEPS, BATCH = 1000, 128, 128, 2, 35, 32
LR, CLIP, DROPOUT = 20.0, 0.25, 0.2

RANDOM = True  # dropout or sampled noise: also timed in the portable random mode

def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, VOCAB, (STEPS + 1, BATCH))  # time-major, as the example
    return {"x": np.ascontiguousarray(tokens[:-1]), "y": tokens[1:].reshape(-1)}


def weights() -> dict[str, np.ndarray]:
    import unitorch as ut

    ut.manual_seed(0)
    return {k: v.numpy() for k, v in _unitorch_model(ut, 0.0).state_dict().items()}


def _unitorch_model(ut: Any, p: float) -> Any:
    nn = ut.nn

    class RNNModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.drop = nn.Dropout(p)
            self.encoder = nn.Embedding(VOCAB, EMBED)
            self.rnn = nn.LSTM(EMBED, HIDDEN, LAYERS, dropout=p)
            self.decoder = nn.Linear(HIDDEN, VOCAB)

        def forward(self, x: Any) -> Any:
            emb = self.drop(self.encoder(x))
            output, _ = self.rnn(emb)
            return self.decoder(self.drop(output)).reshape(-1, VOCAB)

    return RNNModel()


def unitorch(data: dict[str, Any], weights: dict[str, Any], device: str,
             deterministic: bool) -> Any:
    import unitorch as ut

    dev = "gpu" if device == "gpu" else "cpu"
    model = _unitorch_model(ut, 0.0 if deterministic else DROPOUT)
    model.load_state_dict(weights)
    model.to(dev)
    opt = ut.optim.SGD(model.parameters(), lr=LR)
    x, y = ut.asarray(data["x"], device=dev), ut.asarray(data["y"], device=dev)

    def step() -> Any:
        opt.zero_grad()
        loss = ut.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        ut.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss

    return step


def torch(data: dict[str, Any], weights: dict[str, Any], device: str,
          deterministic: bool) -> Any:
    import torch
    from torch import nn

    p = 0.0 if deterministic else DROPOUT

    class RNNModel(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.drop = nn.Dropout(p)
            self.encoder = nn.Embedding(VOCAB, EMBED)
            self.rnn = nn.LSTM(EMBED, HIDDEN, LAYERS, dropout=p)
            self.decoder = nn.Linear(HIDDEN, VOCAB)

        def forward(self, x: Any) -> Any:
            emb = self.drop(self.encoder(x))
            output, _ = self.rnn(emb)
            return self.decoder(self.drop(output)).view(-1, VOCAB)

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    model = RNNModel()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.to(dev)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x, y = torch.from_numpy(data["x"]).to(dev), torch.from_numpy(data["y"]).to(dev)

    def step() -> Any:
        opt.zero_grad()
        loss = nn.functional.cross_entropy(model(x), y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        opt.step()
        return loss

    return step


def _keras_lstm_weights(weights: dict[str, Any], layer: int) -> list[np.ndarray]:
    sfx = f"_l{layer}"
    return [weights["rnn.weight_ih" + sfx].T, weights["rnn.weight_hh" + sfx].T,
            weights["rnn.bias_ih" + sfx] + weights["rnn.bias_hh" + sfx]]


def tensorflow(data: dict[str, Any], weights: dict[str, Any], device: str,
               deterministic: bool) -> Any:
    import keras
    import tensorflow as tf

    p = 0.0 if deterministic else DROPOUT
    embedding = tf.Variable(weights["encoder.weight"])
    lstms = []
    for layer in range(LAYERS):
        lstm = keras.layers.LSTM(HIDDEN, return_sequences=True)
        lstm.build((BATCH, STEPS, EMBED if layer == 0 else HIDDEN))
        lstm.set_weights(_keras_lstm_weights(weights, layer))
        lstms.append(lstm)
    w_dec = tf.Variable(weights["decoder.weight"].T.copy())
    b_dec = tf.Variable(weights["decoder.bias"])
    variables = [embedding, *[v for lstm in lstms for v in lstm.trainable_variables],
                 w_dec, b_dec]
    x = tf.constant(data["x"].T.copy())  # batch-major for Keras's LSTM
    y = tf.constant(data["y"].reshape(STEPS, BATCH).T.reshape(-1))

    def dropout(h: Any) -> Any:
        return h if p == 0 else tf.nn.dropout(h, p)

    def step() -> Any:
        with tf.GradientTape() as tape:
            h = dropout(tf.gather(embedding, x))
            for i, lstm in enumerate(lstms):
                h = lstm(dropout(h) if i else h)
            logits = tf.matmul(tf.reshape(dropout(h), (-1, HIDDEN)), w_dec) + b_dec
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
                labels=y, logits=logits))
        grads, _ = tf.clip_by_global_norm(tape.gradient(loss, variables), CLIP)
        for v, g in zip(variables, grads):
            v.assign_sub(LR * tf.convert_to_tensor(g))
        return loss

    return step


def keras(data: dict[str, Any], weights: dict[str, Any], deterministic: bool) -> Any:
    import keras
    from keras import layers, ops

    p = 0.0 if deterministic else DROPOUT
    model = keras.Sequential([
        keras.Input((STEPS,), dtype="int64"), layers.Embedding(VOCAB, EMBED),
        layers.Dropout(p), layers.LSTM(HIDDEN, return_sequences=True), layers.Dropout(p),
        layers.LSTM(HIDDEN, return_sequences=True), layers.Dropout(p), layers.Dense(VOCAB),
    ])
    model.set_weights([weights["encoder.weight"], *_keras_lstm_weights(weights, 0),
                       *_keras_lstm_weights(weights, 1), weights["decoder.weight"].T,
                       weights["decoder.bias"]])
    model.compile(optimizer=keras.optimizers.SGD(LR, global_clipnorm=CLIP),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = ops.convert_to_tensor(data["x"].T.copy())
    y = ops.convert_to_tensor(data["y"].reshape(STEPS, BATCH).T.copy())
    return lambda: model.train_on_batch(x, y)
