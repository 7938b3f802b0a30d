"""A custom ``autograd.Function``: the PyTorch tutorial's Legendre polynomial
``P3(x) = (5x^3 - 3x) / 2`` with a hand-written backward ``1.5 (5x^2 - 1)``, in the model
``y = a + b P3(c + d x)`` fitting ``sin(x)`` on 2000 points of [-pi, pi]: squared error
summed, SGD with lr 5e-6 (pytorch/tutorials, polynomial_custom_function.py).  TensorFlow
writes the function with ``tf.custom_gradient``, Keras 3 with
``keras.ops.custom_gradient`` in a layer."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

TITLE = "custom autograd.Function (Legendre P3 fit, 2000 points), SGD"
LR = 5e-6
INITIAL = {"a": 0.0, "b": -1.0, "c": 0.0, "d": 0.3}  # the tutorial's starting values


def data() -> dict[str, np.ndarray]:
    x = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    return {"x": x, "y": np.sin(x)}


def weights() -> dict[str, np.ndarray]:
    return {k: np.array(v, np.float32) for k, v in INITIAL.items()}


def unitorch(data: dict[str, Any], weights: dict[str, Any], device: str,
             deterministic: bool) -> Any:
    import unitorch as ut

    class LegendrePolynomial3(ut.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dev = "gpu" if device == "gpu" else "cpu"
    x, y = ut.asarray(data["x"], device=dev), ut.asarray(data["y"], device=dev)
    params = {k: ut.nn.Parameter(ut.asarray(v, device=dev)) for k, v in weights.items()}
    a, b, c, d = (params[k] for k in "abcd")
    opt = ut.optim.SGD(list(params.values()), lr=LR)
    P3 = LegendrePolynomial3.apply

    def step() -> Any:
        y_pred = a + b * P3(c + d * x)
        loss = ut.sum((y_pred - y) ** 2)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def torch(data: dict[str, Any], weights: dict[str, Any], device: str,
          deterministic: bool) -> Any:
    import torch

    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            (input,) = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dev = torch.device("cuda" if device == "gpu" else "cpu")
    x, y = torch.from_numpy(data["x"]).to(dev), torch.from_numpy(data["y"]).to(dev)
    params = {k: torch.tensor(v, device=dev, requires_grad=True) for k, v in weights.items()}
    a, b, c, d = (params[k] for k in "abcd")
    opt = torch.optim.SGD(list(params.values()), lr=LR)
    P3 = LegendrePolynomial3.apply

    def step() -> Any:
        y_pred = a + b * P3(c + d * x)
        loss = (y_pred - y).pow(2).sum()
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss

    return step


def tensorflow(data: dict[str, Any], weights: dict[str, Any], device: str,
               deterministic: bool) -> Any:
    import tensorflow as tf

    @tf.custom_gradient
    def legendre_polynomial3(x):
        def grad(dy):
            return dy * 1.5 * (5 * x ** 2 - 1)

        return 0.5 * (5 * x ** 3 - 3 * x), grad

    x, y = tf.constant(data["x"]), tf.constant(data["y"])
    params = [tf.Variable(weights[k]) for k in "abcd"]
    a, b, c, d = params

    def step() -> Any:
        with tf.GradientTape() as tape:
            y_pred = a + b * legendre_polynomial3(c + d * x)
            loss = tf.reduce_sum(tf.square(y_pred - y))
        for p, g in zip(params, tape.gradient(loss, params)):
            p.assign_sub(LR * g)
        return loss

    return step


def keras(data: dict[str, Any], weights: dict[str, Any], deterministic: bool) -> Any:
    import keras
    from keras import ops

    @ops.custom_gradient
    def legendre_polynomial3(x):
        def grad(*args, upstream=None):
            dy = args[0] if upstream is None else upstream
            return dy * 1.5 * (5 * x ** 2 - 1)

        return 0.5 * (5 * x ** 3 - 3 * x), grad

    class Model(keras.Model):
        def __init__(self) -> None:
            super().__init__()
            self.coefficients = {k: self.add_weight(shape=(), initializer=keras.initializers
                                                    .Constant(float(weights[k])), name=k)
                                 for k in "abcd"}

        def call(self, x):
            a, b, c, d = (self.coefficients[k] for k in "abcd")
            return a + b * legendre_polynomial3(c + d * x)

    model = Model()
    model.compile(optimizer=keras.optimizers.SGD(LR),
                  loss=keras.losses.MeanSquaredError(reduction="sum"))
    x, y = ops.convert_to_tensor(data["x"][:, None]), ops.convert_to_tensor(data["y"][:, None])
    model(x[:1])  # build
    return lambda: model.train_on_batch(x, y)
