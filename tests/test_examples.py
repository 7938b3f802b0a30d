"""The examples run, on every backend, and print the same results on each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, backend: str, *args: str, **environ: str) -> str:
    env = dict(os.environ, UNITORCH_BACKEND=backend, **environ)
    done = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_mnist_mlp_prints_the_same_accuracies_on_every_backend(backends):
    pytest.importorskip("sklearn")
    outputs = {b: _run("mnist_mlp.py", b, "--epochs", "2") for b in backends}
    lines = {b: [ln for ln in out.splitlines() if not ln.startswith("backend:")]
             for b, out in outputs.items()}
    first = next(iter(lines.values()))
    assert any(ln.startswith("test accuracy:") for ln in first)
    for b, ls in lines.items():
        assert ls == first, f"{b} printed {ls}, expected {first}"


def _numbers_match(a: str, b: str, tol: float) -> bool:
    """Two printed lines equal, numbers within ``tol`` (a last printed digit may differ
    where the backends' float32 results straddle a rounding boundary)."""
    import re

    number = r"-?\d+\.\d+"
    if re.sub(number, "#", a) != re.sub(number, "#", b):
        return False
    return all(abs(float(x) - float(y)) <= tol
               for x, y in zip(re.findall(number, a), re.findall(number, b)))


@pytest.mark.parametrize("script,args", [("keras/convnet.py", ("--epochs", "2")),
                                         ("keras/custom_training.py", ("--epochs", "12"))])
def test_keras_examples_print_the_same_results_on_every_backend(backends, script, args):
    pytest.importorskip("sklearn")
    outputs = {b: _run(script, b, *args) for b in backends}
    # progress lines hold timings; the backend line names the backend
    lines = {b: [ln for ln in out.splitlines() if not ln.startswith(("backend:", "Epoch "))]
             for b, out in outputs.items()}
    first = next(iter(lines.values()))
    assert any("test accuracy" in ln for ln in first)
    for b, ls in lines.items():
        assert len(ls) == len(first), f"{b} printed {ls}, expected {first}"
        for mine, theirs in zip(ls, first):
            assert _numbers_match(mine, theirs, 2e-4), f"{b}: {mine!r} vs {theirs!r}"


# the PyTorch programs of examples/pytorch/ (import unitorch.torch as torch), in portable
# random mode: every backend prints the same lines


def _same_on_every_backend(backends, script: str, *args: str) -> list[str]:
    outputs = {b: _run(script, b, *args, UNITORCH_RANDOM="portable").splitlines()
               for b in backends}
    first = next(iter(outputs.values()))
    for b, lines in outputs.items():
        assert lines == first, f"{b} printed {lines}, expected {first}"
    return first


def test_pytorch_digits_cnn_prints_the_same_on_every_backend(backends):
    pytest.importorskip("sklearn")
    lines = _same_on_every_backend(backends, "pytorch/digits_cnn.py", "--epochs", "2")
    assert lines[0].startswith("epoch 1: train loss") and len(lines) == 3
    assert lines[-1] == "restored model agrees: True"
    accuracy = int(lines[1].split("accuracy ")[1].split("/")[0])
    assert accuracy > 250  # of 360 test digits after two epochs


def test_pytorch_custom_function_prints_the_same_on_every_backend(backends):
    lines = _same_on_every_backend(backends, "pytorch/custom_function.py")
    assert lines[0] == "hand-written gradient matches autograd's: True"
    first, last = (float(lines[i].split("loss ")[1]) for i in (1, 4))
    assert last < first / 5


def test_pytorch_char_model_with_workers_prints_the_same_on_every_backend(backends):
    lines = _same_on_every_backend(backends, "pytorch/char_model.py", "--steps", "30",
                                   "--workers", "2")
    assert lines[0].startswith("step 0: loss") and lines[-1].startswith("sample: 'The ")
    assert float(lines[-2].split("loss ")[1]) < float(lines[0].split("loss ")[1])
