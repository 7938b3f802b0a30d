"""An MNIST-style CNN classifier, pytorch/examples' ``mnist`` at a third of its width:
conv 1->16 3x3, ReLU, conv 16->32 3x3, ReLU, max-pool 2, dropout 0.25, flatten, linear
4608->64, ReLU, dropout 0.5, linear 64->10, log-softmax and NLL loss; Adam, lr 1e-3,
batch 64 of 28x28 images.  TensorFlow and Keras run it channels-last (their CPU
layout), with the weights transposed to match."""

from __future__ import annotations

from typing import Any

import numpy as np

TITLE = "CNN classifier (mnist example, 2 conv + 2 dropout), batch 64, Adam"
BATCH = 64
LR = 1e-3

RANDOM = True  # dropout or sampled noise: also timed in the portable random mode

def data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"x": rng.standard_normal((BATCH, 1, 28, 28), dtype=np.float32),
            "y": rng.integers(0, 10, BATCH)}


def weights() -> dict[str, np.ndarray]:
    import unitorch as ut

    ut.manual_seed(0)
    return {k: v.numpy() for k, v in _unitorch_model(ut, 0.0).state_dict().items()}


def _unitorch_model(ut: Any, p: float) -> Any:
    nn = ut.nn

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, 1)
            self.conv2 = nn.Conv2d(16, 32, 3, 1)
            self.dropout1 = nn.Dropout(0.25 * p)
            self.dropout2 = nn.Dropout(0.5 * p)
            self.fc1 = nn.Linear(4608, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x: Any) -> Any:
            F = ut.nn.functional
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = ut.flatten(self.dropout1(x), 1)
            x = self.dropout2(F.relu(self.fc1(x)))
            return ut.log_softmax(self.fc2(x), axis=1)

    return Net()


def unitorch(data: dict[str, Any], weights: dict[str, Any], device: str,
             deterministic: bool) -> Any:
    import unitorch as ut

    dev = "gpu" if device == "gpu" else "cpu"
    model = _unitorch_model(ut, 0.0 if deterministic else 1.0)
    model.load_state_dict(weights)
    model.to(dev)
    opt = ut.optim.Adam(model.parameters(), lr=LR)
    x, y = ut.asarray(data["x"], device=dev), ut.asarray(data["y"], device=dev)

    def step() -> Any:
        opt.zero_grad()
        loss = ut.nn.functional.nll_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def torch(data: dict[str, Any], weights: dict[str, Any], device: str,
          deterministic: bool) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    p = 0.0 if deterministic else 1.0

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv1 = nn.Conv2d(1, 16, 3, 1)
            self.conv2 = nn.Conv2d(16, 32, 3, 1)
            self.dropout1 = nn.Dropout(0.25 * p)
            self.dropout2 = nn.Dropout(0.5 * p)
            self.fc1 = nn.Linear(4608, 64)
            self.fc2 = nn.Linear(64, 10)

        def forward(self, x: Any) -> Any:
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = torch.flatten(self.dropout1(x), 1)
            x = self.dropout2(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), dim=1)

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    model = Net()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    x, y = torch.from_numpy(data["x"]).to(dev), torch.from_numpy(data["y"]).to(dev)

    def step() -> Any:
        opt.zero_grad()
        loss = F.nll_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    return step


def _channels_last(weights: dict[str, Any]) -> list[np.ndarray]:
    """conv kernels (kh, kw, in, out), dense (in, out), fc1's rows in NHWC flatten order."""
    fc1 = weights["fc1.weight"].reshape(64, 32, 12, 12).transpose(0, 2, 3, 1).reshape(64, -1)
    return [np.ascontiguousarray(a) for a in (
        weights["conv1.weight"].transpose(2, 3, 1, 0), weights["conv1.bias"],
        weights["conv2.weight"].transpose(2, 3, 1, 0), weights["conv2.bias"],
        fc1.T, weights["fc1.bias"], weights["fc2.weight"].T, weights["fc2.bias"])]


def tensorflow(data: dict[str, Any], weights: dict[str, Any], device: str,
               deterministic: bool) -> Any:
    import tensorflow as tf

    from ..train import _TFAdam

    ws = [tf.Variable(w) for w in _channels_last(weights)]
    opt = _TFAdam(ws, lr=LR)
    x = tf.constant(np.ascontiguousarray(data["x"].transpose(0, 2, 3, 1)))
    y = tf.constant(data["y"])

    def dropout(h: Any, rate: float) -> Any:
        return h if deterministic else tf.nn.dropout(h, rate)

    def step() -> Any:
        with tf.GradientTape() as tape:
            h = tf.nn.relu(tf.nn.conv2d(x, ws[0], 1, "VALID") + ws[1])
            h = tf.nn.relu(tf.nn.conv2d(h, ws[2], 1, "VALID") + ws[3])
            h = dropout(tf.nn.max_pool2d(h, 2, 2, "VALID"), 0.25)
            h = tf.reshape(h, (-1, 4608))
            h = dropout(tf.nn.relu(tf.matmul(h, ws[4]) + ws[5]), 0.5)
            logp = tf.nn.log_softmax(tf.matmul(h, ws[6]) + ws[7])
            loss = -tf.reduce_mean(tf.gather(logp, y, axis=1, batch_dims=1))
        opt.apply(tape.gradient(loss, ws))
        return loss

    return step


def keras(data: dict[str, Any], weights: dict[str, Any], deterministic: bool) -> Any:
    import keras
    from keras import layers, ops

    p = 0.0 if deterministic else 1.0
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        layers.Conv2D(16, 3, activation="relu"), layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2), layers.Dropout(0.25 * p), layers.Flatten(),
        layers.Dense(64, activation="relu"), layers.Dropout(0.5 * p), layers.Dense(10),
    ])
    model.set_weights(_channels_last(weights))
    model.compile(optimizer=keras.optimizers.Adam(LR, epsilon=1e-8),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    x = ops.convert_to_tensor(np.ascontiguousarray(data["x"].transpose(0, 2, 3, 1)))
    y = ops.convert_to_tensor(data["y"])
    return lambda: model.train_on_batch(x, y)
