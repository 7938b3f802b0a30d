"""Training-step cost: one step (forward, cross-entropy, backward, Adam update, gradients
cleared) of the same model, from the same initial weights on the same batch, written in
each style, on one backend (the process's: Keras 3 fixes its backend at import).

Cases: an MLP 784-128-10 at batch 64, an MLP 784-512-512-10 at batch 1024, and a small
CNN on 28x28 inputs (conv 1->16 3x3, ReLU, max-pool 2, conv 16->32 3x3, ReLU, max-pool
2, flatten, linear 1568->10) at batch 64; Adam, lr 1e-3, PyTorch's defaults.

Contenders:

* ``native``: the framework's idiomatic eager step.  torch: ``loss =
  F.cross_entropy(model(x), y); loss.backward(); opt.step();
  opt.zero_grad(set_to_none=True)`` with ``torch.nn`` layers and ``torch.optim.Adam``.
  TensorFlow: keras-free ``tf.Variable`` weights, the forward in ``tf.matmul`` /
  ``tf.nn`` ops, ``tf.nn.sparse_softmax_cross_entropy_with_logits`` under a
  ``tf.GradientTape``, and Adam written in TF ops (PyTorch's rule, unitorch's too:
  ``_TFAdam``).  Measured on the small MLP, that is as fast as
  ``keras.optimizers.Adam().apply_gradients`` in a ``tf.function`` (1.01 vs 1.04 ms)
  and faster eagerly (11 vs 18 ms); ``tf.raw_ops.ResourceApplyAdam``, one fused kernel
  per variable, is faster (0.72 ms compiled) but is TF1's optimizer
  (``tf.compat.v1.train.AdamOptimizer``), not what TF2 code writes, and rounds
  differently (Keras's epsilon placement, ``1 - beta2`` formed in float32).
  Convolutions in NHWC, TF's CPU layout.
* ``native compiled``: the same step function in ``torch.compile`` / ``tf.function``.
* ``unitorch``: ``ut.nn`` layers, ``ut.nn.functional.cross_entropy``, ``loss.backward();
  opt.step(); opt.zero_grad()`` with ``ut.optim.Adam``, eagerly.
* ``unitorch compiled``: that step in ``ut.compile``.
* ``keras``: Keras 3 ``model.train_on_batch(x, y)`` (the ``Sequential`` model compiled
  with ``keras.optimizers.Adam`` and ``SparseCategoricalCrossentropy(from_logits=True)``,
  Keras's defaults otherwise: ``jit_compile="auto"``, which picks no XLA on these CPU
  runs; channels-last convolutions).

On TensorFlow, unitorch keeps a tape open in a thread that holds parameters (for
``loss.backward()``); the native and Keras contenders run with it paused, as they would
in a program without unitorch.

Before timing, each contender's first step (which also compiles) is timed on its own
(``first_call_s``), and its loss, computed from the shared initial weights, must agree
with the native one (``loss``): the contenders compute the same thing.
``--quick`` times the small MLP only, without the ``torch.compile`` contenders (their
compilation takes tens of seconds).
"""

from __future__ import annotations

import contextlib
import importlib.util
import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from .timing import compare

LR = 1e-3
CLASSES = 10
CASES = {
    "mlp": ("MLP 784-128-10, batch 64, Adam", 64),
    "mlp_wide": ("MLP 784-512-512-10, batch 1024, Adam", 1024),
    "cnn": ("CNN 28x28 conv16-conv32-linear, batch 64, Adam", 64),
}


# ---------------------------------------------------------------------------------------
# shared weights and data (PyTorch's layouts: Linear (out, in), Conv2d (out, in, kh, kw))


def _uniform(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    bound = 1 / math.sqrt(fan_in)
    return rng.uniform(-bound, bound, shape).astype(np.float32)


def _weights(case: str) -> list[tuple[str, np.ndarray]]:
    """(state-dict name, value) of each parameter, in order."""
    rng = np.random.default_rng(1)
    out = []
    if case == "cnn":
        for name, (o, i) in (("0", (16, 1)), ("3", (32, 16))):
            out += [(f"{name}.weight", _uniform(rng, (o, i, 3, 3), i * 9)),
                    (f"{name}.bias", _uniform(rng, (o,), i * 9))]
        out += [("7.weight", _uniform(rng, (CLASSES, 32 * 7 * 7), 32 * 7 * 7)),
                ("7.bias", _uniform(rng, (CLASSES,), 32 * 7 * 7))]
        return out
    sizes = (784, 128, CLASSES) if case == "mlp" else (784, 512, 512, CLASSES)
    for k in range(len(sizes) - 1):
        out += [(f"{2 * k}.weight", _uniform(rng, (sizes[k + 1], sizes[k]), sizes[k])),
                (f"{2 * k}.bias", _uniform(rng, (sizes[k + 1],), sizes[k]))]
    return out


def _data(case: str, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """Inputs (NCHW images for the CNN) and int64 labels."""
    rng = np.random.default_rng(0)
    shape = (batch, 1, 28, 28) if case == "cnn" else (batch, 784)
    return rng.standard_normal(shape, dtype=np.float32), rng.integers(0, CLASSES, batch)


def _channels_last(case: str, weights: list[tuple[str, np.ndarray]], x: np.ndarray
                   ) -> tuple[list[np.ndarray], np.ndarray]:
    """The weights in TF/Keras layouts (Dense (in, out), Conv (kh, kw, in, out), the
    linear layer after an NHWC flatten) and the inputs in NHWC."""
    out = []
    for _, w in weights:
        if w.ndim == 4:
            w = w.transpose(2, 3, 1, 0)
        elif w.ndim == 2:
            if case == "cnn":  # (C, H, W) flatten order -> (H, W, C)
                w = w.reshape(CLASSES, 32, 7, 7).transpose(0, 2, 3, 1).reshape(CLASSES, -1)
            w = w.T
        out.append(np.ascontiguousarray(w))
    if case == "cnn":
        x = np.ascontiguousarray(x.transpose(0, 2, 3, 1))
    return out, x


# ---------------------------------------------------------------------------------------
# unitorch


def _unitorch(backend: str, case: str, x: np.ndarray, y: np.ndarray, device: str
              ) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import unitorch as ut

    nn = ut.nn
    F = ut.nn.functional
    dev = "gpu" if device == "gpu" else "cpu"

    def build() -> Callable[[], Any]:
        with ut.use_backend(backend):
            if case == "cnn":
                model = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Flatten(), nn.Linear(32 * 7 * 7, CLASSES))
            elif case == "mlp":
                model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, CLASSES))
            else:
                model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                                      nn.ReLU(), nn.Linear(512, CLASSES))
            model.load_state_dict(dict(_weights(case)))
            model.to(dev)
            opt = ut.optim.Adam(model.parameters(), lr=LR)
            xt, yt = ut.asarray(x, device=dev), ut.asarray(y, device=dev)

        def step() -> Any:
            loss = F.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
            opt.zero_grad()
            return loss

        return step

    # (the worker's UNITORCH_BACKEND is ``backend``: no use_backend around the calls)
    return build(), ut.compile(build())


# ---------------------------------------------------------------------------------------
# torch


def _torch(case: str, x: np.ndarray, y: np.ndarray, device: str
           ) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import torch
    import torch.nn.functional as F
    from torch import nn

    dev = torch.device("cuda" if device == "gpu" else "cpu")

    def build() -> Callable[[], Any]:
        if case == "cnn":
            model = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                nn.Flatten(), nn.Linear(32 * 7 * 7, CLASSES))
        elif case == "mlp":
            model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, CLASSES))
        else:
            model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512),
                                  nn.ReLU(), nn.Linear(512, CLASSES))
        model.load_state_dict({k: torch.from_numpy(v) for k, v in _weights(case)})
        model.to(dev)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        xt, yt = torch.from_numpy(x).to(dev), torch.from_numpy(y).to(dev)

        def step() -> Any:
            loss = F.cross_entropy(model(xt), yt)
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            return loss

        return step

    return build(), torch.compile(build())


# ---------------------------------------------------------------------------------------
# TensorFlow


class _TFAdam:
    """Adam in TF ops, PyTorch's rule (eps after the bias correction), the state in
    ``tf.Variable``s created up front."""

    def __init__(self, variables: list[Any], lr: float = LR, betas: tuple[float, float] = (
            0.9, 0.999), eps: float = 1e-8) -> None:
        import tensorflow as tf

        self.variables = variables
        self.m = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self.v = [tf.Variable(tf.zeros_like(v), trainable=False) for v in variables]
        self.t = tf.Variable(0.0, trainable=False)
        self.lr, (self.b1, self.b2), self.eps = lr, betas, eps

    def apply(self, grads: list[Any]) -> None:
        import tensorflow as tf

        t = self.t.assign_add(1.0)
        step_size = self.lr / (1 - self.b1 ** t)
        bc2_sqrt = tf.sqrt(1 - self.b2 ** t)
        for p, g, m, v in zip(self.variables, grads, self.m, self.v):
            m.assign_add((1 - self.b1) * (g - m))
            v.assign(self.b2 * v + (1 - self.b2) * tf.square(g))
            p.assign_sub(step_size * m / (tf.sqrt(v) / bc2_sqrt + self.eps))


def _tensorflow(case: str, x: np.ndarray, y: np.ndarray, device: str
                ) -> tuple[Callable[[], Any], Callable[[], Any]]:
    import tensorflow as tf

    weights, x_nhwc = _channels_last(case, _weights(case), x)
    name = "/GPU:0" if device == "gpu" else "/CPU:0"

    def build() -> Callable[[], Any]:
        with tf.device(name):
            ws = [tf.Variable(w) for w in weights]
            xt, yt = tf.constant(x_nhwc), tf.constant(y)
        opt = _TFAdam(ws)

        def forward(h: Any) -> Any:
            if case == "cnn":
                for k in (0, 2):
                    h = tf.nn.relu(tf.nn.conv2d(h, ws[k], 1, "SAME") + ws[k + 1])
                    h = tf.nn.max_pool2d(h, 2, 2, "VALID")
                h = tf.reshape(h, (-1, 7 * 7 * 32))
                return tf.matmul(h, ws[4]) + ws[5]
            n = len(ws) // 2
            for k in range(n):
                h = tf.matmul(h, ws[2 * k]) + ws[2 * k + 1]
                if k < n - 1:
                    h = tf.nn.relu(h)
            return h

        def step() -> Any:
            with tf.GradientTape() as tape:
                logits = forward(xt)
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yt, logits=logits))
            opt.apply(tape.gradient(loss, ws))
            return loss

        return step

    return build(), tf.function(build())


# ---------------------------------------------------------------------------------------
# Keras 3


def _keras(case: str, x: np.ndarray, y: np.ndarray, backend: str, device: str
           ) -> Callable[[], Any]:
    import keras
    from keras import layers

    weights, x_nhwc = _channels_last(case, _weights(case), x)
    if case == "cnn":
        stack = [keras.Input((28, 28, 1)),
                 layers.Conv2D(16, 3, padding="same", activation="relu"),
                 layers.MaxPooling2D(2),
                 layers.Conv2D(32, 3, padding="same", activation="relu"),
                 layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(CLASSES)]
    else:
        widths = (128,) if case == "mlp" else (512, 512)
        stack = [keras.Input((784,)), *[layers.Dense(w, activation="relu") for w in widths],
                 layers.Dense(CLASSES)]
    model = keras.Sequential(stack)
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.Adam(LR, epsilon=1e-8),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    if backend == "torch":
        import torch

        dev = torch.device("cuda" if device == "gpu" else "cpu")
        xt: Any = torch.from_numpy(x_nhwc).to(dev)
        yt: Any = torch.from_numpy(y).to(dev)
    else:
        import tensorflow as tf

        with tf.device("/GPU:0" if device == "gpu" else "/CPU:0"):
            xt, yt = tf.constant(x_nhwc), tf.constant(y)
    return lambda: model.train_on_batch(xt, yt)


# ---------------------------------------------------------------------------------------


def _synced(backend: str, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` followed by waiting for the GPU (each step is timed to completion)."""
    if backend == "torch":
        import torch

        sync: Callable[[], Any] = torch.cuda.synchronize
    else:
        import tensorflow as tf

        sync = tf.test.experimental.sync_devices

    def run() -> Any:
        out = fn()
        sync()
        return out

    return run


def _without_unitorch_tape(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with unitorch's TensorFlow tapes paused.  For ``loss.backward()``, unitorch
    keeps a tape open in each thread that holds parameters (see unitorch.autograd); it
    would also record the native and Keras steps run in this thread, which TF programs
    without unitorch do not pay for."""
    from unitorch.backends.tensorflow.autograd import _ambient

    def run() -> Any:
        with contextlib.ExitStack() as stack:
            for tape in _ambient.stack:
                if tape._recording:
                    stack.enter_context(tape.stop_recording())
            return fn()

    return run


def _contenders(backend: str, case: str, batch: int, quick: bool, device: str
                ) -> dict[str, Callable[[], Any]]:
    x, y = _data(case, batch)
    ours, ours_compiled = _unitorch(backend, case, x, y, device)
    if backend == "torch":
        native, native_compiled = _torch(case, x, y, device)
    else:
        native, native_compiled = _tensorflow(case, x, y, device)
    found = {"native": native, "native compiled": native_compiled, "unitorch": ours,
             "unitorch compiled": ours_compiled}
    if importlib.util.find_spec("keras") is not None:  # (left out where not installed)
        found["keras"] = _keras(case, x, y, backend, device)
    if backend == "tensorflow":
        for name in ("native", "native compiled", "keras"):
            if name in found:
                found[name] = _without_unitorch_tape(found[name])
    if quick and backend == "torch":
        del found["native compiled"], found["unitorch compiled"]
    if device == "gpu":
        found = {k: _synced(backend, fn) for k, fn in found.items()}
    return found


def _loss_value(out: Any) -> float:
    """The loss a step returned (Keras: a float, or a list starting with it)."""
    return float(out[0] if isinstance(out, (list, tuple)) else out)


def run(backend: str, quick: bool, device: str = "cpu") -> list[dict[str, Any]]:
    """One row per case: median seconds per training step of each contender."""
    rows = []
    for case in ("mlp",) if quick else tuple(CASES):
        title, batch = CASES[case]
        contenders = _contenders(backend, case, batch, quick, device)
        first_call, losses = {}, {}
        for name, fn in contenders.items():
            start = time.perf_counter()
            out = fn()
            first_call[name] = time.perf_counter() - start
            losses[name] = _loss_value(out)
        for name, value in losses.items():
            if not math.isclose(value, losses["native"], rel_tol=1e-4):
                raise RuntimeError(f"{title} on {backend}: the first loss of {name} is "
                                   f"{value}, native's is {losses['native']}")
        repeats = 3 if quick else 15
        found = compare(contenders, repeats=repeats, warmup=1 if quick else 5,
                        target=0.005 if quick else 0.1)
        rows.append({
            "suite": "train", "case": title, "backend": backend,
            "seconds": {name: m.median for name, m in found.items()},
            "spread": {name: [m.low, m.high] for name, m in found.items()},
            "first_call_s": first_call, "loss": losses,
            "number": next(iter(found.values())).number, "repeats": repeats,
        })
    return rows
