"""The examples run, on every backend, and print the same results on each."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(script: str, backend: str, *args: str) -> str:
    env = dict(os.environ, UNITORCH_BACKEND=backend)
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
