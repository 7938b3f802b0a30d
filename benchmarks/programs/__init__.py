"""Program-level benchmarks: small versions of the programs users run, each written once
against unitorch and timed per training step on one backend (the worker's), eager and
compiled, against the same program written natively in PyTorch (eager and
``torch.compile``) or natively in TensorFlow (eager ``GradientTape`` and
``tf.function``) and as a Keras 3 model (``train_on_batch``).

The programs (one module each, with every version of the program side by side):

* ``cnn``: an MNIST-style classifier (two convolutions, max-pooling, two dropouts, two
  linear layers, log-softmax and NLL), Adam, batch 64;
* ``vae``: the variational autoencoder of pytorch/examples (784-400-20), Bernoulli
  likelihood from logits plus the KL term, Adam, batch 128;
* ``lstm``: a word-level language model as pytorch/examples' (embedding 128, a 2-layer
  LSTM of 128 with dropout, decoder to 1000 words), SGD with gradient clipping,
  sequence 35, batch 32;
* ``rnn``: the LSTM layer alone (2 layers of 128, input 128, sequence 35, batch 32):
  forward, backward of a mean squared error and an SGD update, the issue's LSTM case
  against ``torch.nn.LSTM`` and a compiled Keras LSTM step;
* ``gpt``: a GPT block stack as minGPT's gpt-nano (3 layers, 3 heads, 48 wide, context
  64, characters), AdamW with weight decay on the matmul weights only, clipping,
  batch 16;
* ``function``: the custom ``autograd.Function`` of the PyTorch tutorial (a Legendre
  polynomial with a hand-written backward, fitting ``sin`` with 4 scalars), SGD.

For the programs that draw random numbers (dropout, the VAE's noise), unitorch also
runs in its portable random mode (``ut.random.portable(True)``: the very numbers on
every backend, drawn on the host), eagerly on torch and compiled on TensorFlow.

Every version starts from the same weights (the unitorch model's, drawn with
``ut.manual_seed``, converted to each framework's layout).  Before timing, each version
is built once more without randomness (dropout 0, the VAE's noise 0) and its first loss
compared with the native one's: they compute the same thing.  Then the contenders run
interleaved (``timing.compare``), medians of the repeats; the first call of each (which
compiles) is timed on its own.

``--device gpu`` runs the torch backend's contenders on CUDA (synchronised after every
step); TensorFlow and Keras contenders are left out cleanly where TensorFlow or Keras is
not installed.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import time
from collections.abc import Callable
from typing import Any

from ..timing import compare

PROGRAMS = ("cnn", "vae", "lstm", "rnn", "gpt", "function")


def installed(name: str) -> bool:
    """Whether module ``name`` can be imported (without importing it)."""
    return importlib.util.find_spec(name) is not None


def synced(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` followed by waiting for the CUDA device (a step timed to completion)."""
    import torch

    def run() -> Any:
        out = fn()
        torch.cuda.synchronize()
        return out

    return run


def without_unitorch_tape(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with unitorch's TensorFlow tapes paused: unitorch keeps one open in a
    thread that holds parameters (for ``loss.backward()``), which would also record the
    native and Keras steps run in this thread; programs without unitorch do not pay for
    it."""
    import contextlib

    from unitorch.backends.tensorflow.autograd import _ambient

    def run() -> Any:
        with contextlib.ExitStack() as stack:
            for tape in _ambient.stack:
                if tape._recording:
                    stack.enter_context(tape.stop_recording())
            return fn()

    return run


def _portable(fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` run with ``ut.random.portable(True)``."""
    import unitorch as ut

    def run() -> Any:
        with ut.random.portable(True):
            return fn()

    return run


def loss_value(out: Any) -> float:
    """The loss a step returned (Keras: a float, or a list starting with it)."""
    if isinstance(out, (list, tuple)):
        out = out[0]
    return float(out.item() if hasattr(out, "item") else out)


def contenders(program: Any, backend: str, device: str, deterministic: bool,
               compiled: bool) -> dict[str, Callable[[], Any]]:
    """Every version of ``program`` that runs on ``backend``: name -> one training step."""
    import unitorch as ut

    data = program.data()
    weights = program.weights()
    found: dict[str, Callable[[], Any]] = {}
    found["unitorch"] = program.unitorch(data, weights, device, deterministic)
    if compiled:
        found["unitorch compiled"] = ut.compile(
            program.unitorch(data, weights, device, deterministic))
    if getattr(program, "RANDOM", False) and not deterministic:
        # the portable random mode (the same numbers on every backend), in the mode each
        # backend is fastest in here: eager on torch, compiled on TensorFlow
        name = "unitorch portable" if backend == "torch" else "unitorch compiled portable"
        if name == "unitorch portable" or compiled:
            step = program.unitorch(data, weights, device, deterministic)
            found[name] = _portable(step if backend == "torch" else ut.compile(step))
    if backend == "torch":
        found["native"] = program.torch(data, weights, device, deterministic)
        if compiled:
            import torch

            found["native compiled"] = torch.compile(
                program.torch(data, weights, device, deterministic))
        if device == "gpu":
            found = {k: synced(fn) for k, fn in found.items()}
        return found
    found["native"] = without_unitorch_tape(
        program.tensorflow(data, weights, device, deterministic))
    if compiled:
        import tensorflow as tf

        found["native compiled"] = without_unitorch_tape(tf.function(
            program.tensorflow(data, weights, device, deterministic)))
    if installed("keras"):
        found["keras"] = without_unitorch_tape(program.keras(data, weights, deterministic))
    return found


def run(backend: str, quick: bool, device: str = "cpu") -> list[dict[str, Any]]:
    """One row per program: median seconds per training step of each contender."""
    if backend == "tensorflow" and not installed("tensorflow"):
        return []
    rows = []
    names = ("function", "vae") if quick else PROGRAMS
    # torch.compile takes tens of seconds per program on a small CPU: left out of --quick
    compiled = not (quick and backend == "torch")
    for name in names:
        program = importlib.import_module(f"{__name__}.{name}")
        # the same computation: first losses without randomness agree with native's
        check = contenders(program, backend, device, True, compiled=False)
        losses = {k: loss_value(fn()) for k, fn in check.items()}
        for k, v in losses.items():
            if not math.isclose(v, losses["native"], rel_tol=1e-4, abs_tol=1e-5):
                raise RuntimeError(f"{program.TITLE} on {backend}: the first loss of {k} "
                                   f"is {v}, native's is {losses['native']}")
        del check
        timed = contenders(program, backend, device, False, compiled)
        first_call = {}
        for k, fn in timed.items():
            start = time.perf_counter()
            out = fn()
            first_call[k] = time.perf_counter() - start
            if not math.isfinite(loss_value(out)):
                raise RuntimeError(f"{program.TITLE} on {backend}: {k} gave loss {out}")
        repeats = 3 if quick else 15
        found = compare(timed, repeats=repeats, warmup=1 if quick else 5,
                        target=0.005 if quick else 0.15)
        rows.append({
            "suite": "programs", "case": program.TITLE, "backend": backend,
            "seconds": {k: m.median for k, m in found.items()},
            "spread": {k: [m.low, m.high] for k, m in found.items()},
            "first_call_s": first_call, "loss": losses,
            "number": next(iter(found.values())).number, "repeats": repeats,
        })
    return rows
