"""Smoke test of the benchmark suite (``python -m benchmarks``, ``unitorch bench``): the
quick training-step benchmarks run on both backends, every contender computes the same
first loss from the shared weights, and the results land in JSON and markdown.

The numbers themselves are not checked (they depend on the machine and its load); the
full suite is ``python -m benchmarks`` (see benchmarks/train.py)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from unitorch.backends import available_backends

ROOT = Path(__file__).resolve().parent.parent
BOTH = ("torch", "tensorflow")

pytestmark = pytest.mark.skipif(
    set(BOTH) - set(available_backends()) != set() or not (ROOT / "benchmarks").is_dir(),
    reason="needs torch, tensorflow and the benchmarks/ folder of a source checkout")


def test_quick_training_step_benchmarks(tmp_path):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--suites", "train", "--threads", "1",
         "--out", str(tmp_path), "--tag", "smoke"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    saved = json.loads((tmp_path / "smoke.json").read_text())
    assert saved["machine"]["threads"] == 1 and "versions" in saved["machine"]
    rows = saved["rows"]
    assert sorted(r["backend"] for r in rows) == sorted(BOTH)
    for row in rows:
        assert row["suite"] == "train" and row["case"].startswith("MLP 784-128-10, batch 64")
        contenders = {"native", "unitorch", "keras"}
        if row["backend"] == "tensorflow":  # (--quick leaves torch.compile's out: too slow)
            contenders |= {"native compiled", "unitorch compiled"}
        assert set(row["seconds"]) == contenders == set(row["loss"])
        assert all(0 < s < 10 for s in row["seconds"].values())
        first = row["loss"]["native"]
        assert 1.5 < first < 4  # cross-entropy of 10 classes near log(10) from the init
        assert all(math.isclose(v, first, rel_tol=1e-4) for v in row["loss"].values())
    table = (tmp_path / "smoke.md").read_text()
    assert "### train" in table and "unitorch / native" in table
    assert "MLP 784-128-10, batch 64, Adam | torch" in done.stdout


def test_quick_program_benchmarks(tmp_path):
    """The programs suite's quick run (the custom autograd.Function and the VAE, without
    torch.compile): every contender computes the same first loss without randomness,
    the portable random mode is timed where the program draws random numbers, and the
    rows carry the clock they were measured with."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--suites", "programs", "--threads",
         "1", "--clock", "cpu", "--out", str(tmp_path), "--tag", "programs"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    saved = json.loads((tmp_path / "programs.json").read_text())
    assert saved["machine"]["clock"] == "cpu"
    rows = saved["rows"]
    assert {(r["backend"], r["case"].split(" ")[0]) for r in rows} == {
        (b, c) for b in BOTH for c in ("custom", "VAE")}
    for row in rows:
        expected = {"native", "unitorch"}
        if row["backend"] == "tensorflow":
            expected |= {"native compiled", "unitorch compiled", "keras"}
        if row["case"].startswith("VAE"):
            expected.add("unitorch portable" if row["backend"] == "torch"
                         else "unitorch compiled portable")
        assert set(row["seconds"]) == expected
        assert all(0 < s < 10 for s in row["seconds"].values())
        first = row["loss"]["native"]
        assert all(math.isclose(v, first, rel_tol=1e-4) for v in row["loss"].values())
    assert "### programs" in (tmp_path / "programs.md").read_text()
