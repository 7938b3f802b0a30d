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
# count it: the probe makes one tensor, which loads the framework and binds the backend.
_STATEMENTS = {"torch": "import torch", "tensorflow": "import tensorflow",
               "unitorch": "import unitorch; unitorch.asarray(0.0)"}


def _measure(module: str, backend: str, repeats: int) -> tuple[float, float]:
    env = dict(os.environ, UNITORCH_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="2")
    # as users import: from cached bytecode (some CI images set PYTHONDONTWRITEBYTECODE,
    # which would make every run compile every module); the first run writes the cache
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    statement = _STATEMENTS[module]
    subprocess.run([sys.executable, "-c", statement], env=env, capture_output=True,
                   check=True, timeout=600)
    times, peaks = [], []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", _PROBE.format(module=statement)], env=env,
                             capture_output=True, text=True, check=True, timeout=600)
        seconds, kib = out.stdout.split()[-2:]
        times.append(float(seconds))
        peaks.append(float(kib) / 1024)
    return statistics.median(times), statistics.median(peaks)


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    framework = "torch" if backend == "torch" else "tensorflow"
    repeats = 1 if quick else 7
    rows = []
    start = time.perf_counter()
    fw_time, fw_mem = _measure(framework, backend, repeats)
    ut_time, ut_mem = _measure("unitorch", backend, repeats)
    rows.append({
        "suite": "import", "case": f"import unitorch (+ first tensor) vs import {framework}",
        "backend": backend,
        "seconds": {"native": fw_time, "unitorch": ut_time},
        "peak_mib": {"native": fw_mem, "unitorch": ut_mem},
        "extra_ms": 1000 * (ut_time - fw_time), "repeats": repeats,
        "wall": time.perf_counter() - start,
    })
    return rows
