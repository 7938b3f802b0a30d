"""``import unitorch`` cost: wall time and peak memory of fresh interpreters importing the
framework alone and unitorch on that framework (medians of repeated subprocesses)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

_PROBE = ("import resource, time; t = time.perf_counter(); {module}; "
          "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
# unitorch imports its framework on first use, so "import unitorch" alone would not
# count it: every probe makes one tensor, which loads the framework (and starts
# TensorFlow's runtime, a few hundred ms) and, for unitorch, binds the backend.
_STATEMENTS = {"torch": "import torch; torch.tensor(0.0)",
               "tensorflow": "import tensorflow as tf; tf.constant(0.0)",
               "unitorch": "import unitorch; unitorch.asarray(0.0)"}


def _once(statement: str, env: dict[str, str]) -> tuple[float, float]:
    """Seconds and peak MiB of one fresh interpreter running ``statement``."""
    out = subprocess.run([sys.executable, "-c", _PROBE.format(module=statement)], env=env,
                         capture_output=True, text=True, check=True, timeout=600)
    seconds, kib = out.stdout.split()[-2:]
    return float(seconds), float(kib) / 1024


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    framework = "torch" if backend == "torch" else "tensorflow"
    repeats = 1 if quick else 9
    rows = []
    start = time.perf_counter()
    env = dict(os.environ, UNITORCH_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    # as users import: from cached bytecode (some CI images set PYTHONDONTWRITEBYTECODE,
    # which would make every run compile every module); a first run writes the cache
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    statements = (_STATEMENTS[framework], _STATEMENTS["unitorch"])
    for statement in statements:
        subprocess.run([sys.executable, "-c", statement], env=env, capture_output=True,
                       check=True, timeout=600)
    # interleaved, so that drift in the machine's speed affects both alike
    samples: dict[str, list[tuple[float, float]]] = {s: [] for s in statements}
    for _ in range(repeats):
        for statement in statements:
            samples[statement].append(_once(statement, env))
    (fw_time, fw_mem), (ut_time, ut_mem) = (
        (statistics.median(t for t, _ in samples[s]), statistics.median(m for _, m in samples[s]))
        for s in statements)
    rows.append({
        "suite": "import",
        "case": f"import unitorch vs import {framework} (each + first tensor)",
        "backend": backend,
        "seconds": {"native": fw_time, "unitorch": ut_time},
        "peak_mib": {"native": fw_mem, "unitorch": ut_mem},
        "extra_ms": 1000 * (ut_time - fw_time), "repeats": repeats,
        "wall": time.perf_counter() - start,
    })
    return rows
