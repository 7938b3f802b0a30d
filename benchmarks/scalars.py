"""A Python scalar on either side of a tensor: ``x * 0.5`` against ``0.5 * x`` (and
``-``, ``/``, ``**``), unitorch against the native framework, 64x64 float32, on one
backend.  The reflected forms (``0.5 * x``) take unitorch's fast path as the forward ones
do; these rows show it (``unitorch reflected / unitorch`` near 1)."""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .timing import compare

# (name, operator, scalar): the scalar is not 0 or 1, which frameworks may special-case
CASES = (("mul", operator.mul, 0.5), ("sub", operator.sub, 1.5),
         ("truediv", operator.truediv, 3.0), ("pow", operator.pow, 2.5))


def _contenders(backend: str, op: Callable[[Any, Any], Any], s: float,
                n: int) -> dict[str, Callable[[], Any]]:
    import unitorch as ut

    a = np.random.default_rng(0).uniform(0.5, 2.0, (n, n)).astype(np.float32)
    with ut.use_backend(backend):
        x = ut.asarray(a)
    nx = x.native
    return {"native": lambda: op(nx, s), "native reflected": lambda: op(s, nx),
            "unitorch": lambda: op(x, s), "unitorch reflected": lambda: op(s, x)}


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    """One row per operator: median seconds per call of each contender."""
    rows = []
    n = 64
    for name, op, s in CASES:
        repeats = 3 if quick else 21
        found = compare(_contenders(backend, op, s, n), repeats=repeats,
                        warmup=1 if quick else 3, target=0.002 if quick else 0.05)
        rows.append({
            "suite": "scalars", "case": f"{name} {n}x{n} float32 (scalar {s})",
            "backend": backend,
            "seconds": {k: m.median for k, m in found.items()},
            "spread": {k: [m.low, m.high] for k, m in found.items()},
            "number": next(iter(found.values())).number, "repeats": repeats,
        })
    return rows
