"""The LSTM layer on its own, the issue's LSTM case: a 2-layer LSTM of 128 on 128 input
features (``torch.nn.LSTM(128, 128, 2)``), sequences of 35 steps, batch 32, forward and
backward of the mean squared error of every output against a fixed target, and one SGD
update (lr 0.1).  Where the word-level language model (``lstm``) times a whole program
around an LSTM, this times the recurrent kernels alone: unitorch's ``nn.LSTM`` against
``torch.nn.LSTM`` on torch, and against two ``keras.layers.LSTM`` in a ``GradientTape``
(eager) and in ``tf.function`` (the compiled Keras LSTM step) on TensorFlow, and the
same stack as a Keras 3 model (``train_on_batch``).  Keras's LSTM has one bias
(PyTorch's two, summed) and the same gate order."""

from __future__ import annotations

from typing import Any

import numpy as np

TITLE = "LSTM layer alone (2x128, input 128, seq 35, batch 32), MSE + SGD"
FEATURES, HIDDEN, LAYERS, STEPS, BATCH = 128, 128, 2, 35, 32
LR = 0.1


def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    # time-major, as torch.nn.LSTM takes it by default
    return {"x": rng.standard_normal((STEPS, BATCH, FEATURES), dtype=np.float32),
            "target": rng.standard_normal((STEPS, BATCH, HIDDEN), dtype=np.float32)}


def weights() -> dict[str, np.ndarray]:
    import unitorch as ut

    ut.manual_seed(0)
    return {k: v.numpy() for k, v in ut.nn.LSTM(FEATURES, HIDDEN, LAYERS).state_dict().items()}


def unitorch(data: dict[str, Any], weights: dict[str, Any], device: str,
             deterministic: bool) -> Any:
    import unitorch as ut

    dev = "gpu" if device == "gpu" else "cpu"
    lstm = ut.nn.LSTM(FEATURES, HIDDEN, LAYERS)
    lstm.load_state_dict(weights)
    lstm.to(dev)
    opt = ut.optim.SGD(lstm.parameters(), lr=LR)
    x = ut.asarray(data["x"], device=dev)
    target = ut.asarray(data["target"], device=dev)

    def step() -> Any:
        opt.zero_grad()
        out, _ = lstm(x)
        loss = ut.nn.functional.mse_loss(out, target)
        loss.backward()
        opt.step()
        return loss

    return step


def torch(data: dict[str, Any], weights: dict[str, Any], device: str,
          deterministic: bool) -> Any:
    import torch

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    lstm = torch.nn.LSTM(FEATURES, HIDDEN, LAYERS)
    lstm.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    lstm.to(dev)
    opt = torch.optim.SGD(lstm.parameters(), lr=LR)
    x = torch.from_numpy(data["x"]).to(dev)
    target = torch.from_numpy(data["target"]).to(dev)

    def step() -> Any:
        opt.zero_grad()
        out, _ = lstm(x)
        loss = torch.nn.functional.mse_loss(out, target)
        loss.backward()
        opt.step()
        return loss

    return step


def _keras_weights(weights: dict[str, Any], layer: int) -> list[np.ndarray]:
    sfx = f"_l{layer}"
    return [weights["weight_ih" + sfx].T, weights["weight_hh" + sfx].T,
            weights["bias_ih" + sfx] + weights["bias_hh" + sfx]]


def _batch_major(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(1, 0, 2))


def tensorflow(data: dict[str, Any], weights: dict[str, Any], device: str,
               deterministic: bool) -> Any:
    import keras
    import tensorflow as tf

    lstms = []
    for layer in range(LAYERS):
        lstm = keras.layers.LSTM(HIDDEN, return_sequences=True)
        lstm.build((BATCH, STEPS, FEATURES if layer == 0 else HIDDEN))
        lstm.set_weights(_keras_weights(weights, layer))
        lstms.append(lstm)
    variables = [v for lstm in lstms for v in lstm.trainable_variables]
    x = tf.constant(_batch_major(data["x"]))  # batch-major for Keras's LSTM
    target = tf.constant(_batch_major(data["target"]))

    def step() -> Any:
        with tf.GradientTape() as tape:
            h = x
            for lstm in lstms:
                h = lstm(h)
            loss = tf.reduce_mean(tf.square(h - target))
        for v, g in zip(variables, tape.gradient(loss, variables)):
            v.assign_sub(LR * tf.convert_to_tensor(g))
        return loss

    return step


def keras(data: dict[str, Any], weights: dict[str, Any], deterministic: bool) -> Any:
    import keras
    from keras import layers, ops

    model = keras.Sequential([keras.Input((STEPS, FEATURES)),
                              layers.LSTM(HIDDEN, return_sequences=True),
                              layers.LSTM(HIDDEN, return_sequences=True)])
    model.set_weights([*_keras_weights(weights, 0), *_keras_weights(weights, 1)])
    model.compile(optimizer=keras.optimizers.SGD(LR), loss=keras.losses.MeanSquaredError())
    x = ops.convert_to_tensor(_batch_major(data["x"]))
    target = ops.convert_to_tensor(_batch_major(data["target"]))
    return lambda: model.train_on_batch(x, target)
