"""A variational autoencoder, pytorch/examples' ``vae``: 784 -> 400 -> (mu, logvar) of 20
-> 400 -> 784, ReLU, the reparameterisation ``z = mu + eps * exp(logvar / 2)`` with
standard normal ``eps``, loss = Bernoulli negative log-likelihood of the input (summed,
computed from the decoder's logits, the numerically stable form of the example's
sigmoid + binary cross-entropy) + the KL divergence to N(0, 1); Adam, lr 1e-3, batch 128
of 28x28 images with values in [0, 1)."""

from __future__ import annotations

from typing import Any

import numpy as np

TITLE = "VAE 784-400-20, batch 128, Adam"
BATCH = 128
LR = 1e-3
LAYERS = (("fc1", 784, 400), ("fc21", 400, 20), ("fc22", 400, 20), ("fc3", 20, 400),
          ("fc4", 400, 784))

RANDOM = True  # dropout or sampled noise: also timed in the portable random mode

def data() -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(0).random((BATCH, 784), dtype=np.float32)}


def weights() -> dict[str, np.ndarray]:
    import unitorch as ut

    ut.manual_seed(0)
    return {k: v.numpy() for k, v in _unitorch_model(ut).state_dict().items()}


def _unitorch_model(ut: Any) -> Any:
    nn = ut.nn

    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for name, i, o in LAYERS:
                setattr(self, name, nn.Linear(i, o))

        def forward(self, x: Any, noise: bool) -> Any:
            h1 = ut.nn.functional.relu(self.fc1(x))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            std = ut.exp(0.5 * logvar)
            eps = ut.random.randn(std.shape, device=std.device) if noise else 0.0 * std
            z = mu + eps * std
            logits = self.fc4(ut.nn.functional.relu(self.fc3(z)))
            return logits, mu, logvar

    return VAE()


def unitorch(data: dict[str, Any], weights: dict[str, Any], device: str,
             deterministic: bool) -> Any:
    import unitorch as ut

    F = ut.nn.functional
    dev = "gpu" if device == "gpu" else "cpu"
    model = _unitorch_model(ut)
    model.load_state_dict(weights)
    model.to(dev)
    opt = ut.optim.Adam(model.parameters(), lr=LR)
    x = ut.asarray(data["x"], device=dev)

    def step() -> Any:
        logits, mu, logvar = model(x, not deterministic)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kld = -0.5 * ut.sum(1 + logvar - mu * mu - ut.exp(logvar))
        loss = bce + kld
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def torch(data: dict[str, Any], weights: dict[str, Any], device: str,
          deterministic: bool) -> Any:
    import torch
    import torch.nn.functional as F
    from torch import nn

    class VAE(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            for name, i, o in LAYERS:
                setattr(self, name, nn.Linear(i, o))

        def forward(self, x: Any) -> Any:
            h1 = F.relu(self.fc1(x))
            mu, logvar = self.fc21(h1), self.fc22(h1)
            std = torch.exp(0.5 * logvar)
            eps = torch.zeros_like(std) if deterministic else torch.randn_like(std)
            z = mu + eps * std
            return self.fc4(F.relu(self.fc3(z))), mu, logvar

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    model = VAE()
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    model.to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    x = torch.from_numpy(data["x"]).to(dev)

    def step() -> Any:
        logits, mu, logvar = model(x)
        bce = F.binary_cross_entropy_with_logits(logits, x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        loss = bce + kld
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def tensorflow(data: dict[str, Any], weights: dict[str, Any], device: str,
               deterministic: bool) -> Any:
    import tensorflow as tf

    from ..train import _TFAdam

    layers = {name: (tf.Variable(weights[f"{name}.weight"].T.copy()),
                     tf.Variable(weights[f"{name}.bias"])) for name, _, _ in LAYERS}
    variables = [v for pair in layers.values() for v in pair]
    opt = _TFAdam(variables, lr=LR)
    x = tf.constant(data["x"])

    def dense(name: str, h: Any) -> Any:
        w, b = layers[name]
        return tf.matmul(h, w) + b

    def step() -> Any:
        with tf.GradientTape() as tape:
            h1 = tf.nn.relu(dense("fc1", x))
            mu, logvar = dense("fc21", h1), dense("fc22", h1)
            std = tf.exp(0.5 * logvar)
            eps = tf.zeros_like(std) if deterministic else tf.random.normal(tf.shape(std))
            logits = dense("fc4", tf.nn.relu(dense("fc3", mu + eps * std)))
            bce = tf.reduce_sum(tf.nn.sigmoid_cross_entropy_with_logits(labels=x,
                                                                        logits=logits))
            kld = -0.5 * tf.reduce_sum(1 + logvar - tf.square(mu) - tf.exp(logvar))
            loss = bce + kld
        opt.apply(tape.gradient(loss, variables))
        return loss

    return step


def keras(data: dict[str, Any], weights: dict[str, Any], deterministic: bool) -> Any:
    import keras
    from keras import layers, ops

    class Sampling(layers.Layer):
        """z from (mu, logvar), adding the KL term to the model's losses."""

        def call(self, inputs: Any) -> Any:
            mu, logvar = inputs
            self.add_loss(-0.5 * ops.sum(1 + logvar - ops.square(mu) - ops.exp(logvar)))
            std = ops.exp(0.5 * logvar)
            eps = ops.zeros_like(std) if deterministic else keras.random.normal(ops.shape(std))
            return mu + eps * std

    inputs = keras.Input((784,))
    h1 = layers.Dense(400, activation="relu", name="fc1")(inputs)
    mu, logvar = layers.Dense(20, name="fc21")(h1), layers.Dense(20, name="fc22")(h1)
    z = Sampling()([mu, logvar])
    h3 = layers.Dense(400, activation="relu", name="fc3")(z)
    model = keras.Model(inputs, layers.Dense(784, name="fc4")(h3))
    for name, _, _ in LAYERS:
        model.get_layer(name).set_weights([weights[f"{name}.weight"].T,
                                           weights[f"{name}.bias"]])

    class SummedBCE(keras.losses.Loss):
        """Binary cross-entropy from logits summed over pixels and the batch."""

        def call(self, x: Any, logits: Any) -> Any:
            return ops.sum(ops.binary_crossentropy(x, logits, from_logits=True), axis=-1)

    model.compile(optimizer=keras.optimizers.Adam(LR, epsilon=1e-8),
                  loss=SummedBCE(reduction="sum"))
    x = ops.convert_to_tensor(data["x"])
    return lambda: model.train_on_batch(x, x)
