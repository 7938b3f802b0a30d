"""The cost of views on a backend whose slices are copies (TensorFlow): the slicing,
reshape and transpose rows of the ops suite, timed with the view record unitorch makes
(``unitorch/_views.py``) and with the call that makes it replaced by a no-op, the rest
of the code path identical, interleaved in one process.  On torch nothing is recorded
(its slices share memory), so the two unitorch columns measure the same code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .timing import compare

_HOOKS = (("unitorch.ops.indexing", "track"), ("unitorch.ops.manipulation", "track_relation"),
          ("unitorch.tensor", "track_relation"))


def _noop(*args: Any, **kwargs: Any) -> None:
    return None


def _arm(record: bool, fn: Callable[[], Any]) -> Callable[[], Any]:
    """``fn`` with the view-record calls restored (``record``) or replaced by a no-op;
    both arms pay the same attribute stores."""
    modules = [(sys.modules[m], name, getattr(sys.modules[m], name)) for m, name in _HOOKS]

    def run() -> Any:
        for module, name, real in modules:
            setattr(module, name, real if record else _noop)
        return fn()

    return run


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    """One row per (operation, size): median seconds per call of the framework's own
    operation, unitorch's, and unitorch's without the view record."""
    rows = []
    for n in ((64,) if quick else (64, 2048)):
        rows += _rows(backend, n, quick)
    return rows


def _rows(backend: str, n: int, quick: bool) -> list[dict[str, Any]]:
    import unitorch as ut

    rng = np.random.default_rng(0)
    with ut.use_backend(backend):
        a = ut.asarray(rng.standard_normal((n, n), dtype=np.float32))
    na = a.native
    if backend == "torch":
        import torch

        native = {"slice": lambda: na[2:40], "reshape": lambda: torch.reshape(na, (-1,)),
                  "transpose": lambda: na.T}
    else:
        import tensorflow as tf

        native = {"slice": lambda: na[2:40], "reshape": lambda: tf.reshape(na, (-1,)),
                  "transpose": lambda: tf.transpose(na)}
    ours = {"slice": lambda: a[2:40], "reshape": lambda: ut.reshape(a, (-1,)),
            "transpose": lambda: a.T}
    cases = {"slice": "indexing x[2:40]", "reshape": "reshape", "transpose": "transpose .T"}
    rows = []
    for op, case in cases.items():
        with ut.use_backend(backend):
            found = compare({"native": native[op], "unitorch": _arm(True, ours[op]),
                             "unitorch without view record": _arm(False, ours[op])},
                            repeats=3 if quick else 31, warmup=1 if quick else 3,
                            target=0.002 if quick else 0.05)
        rows.append({
            "suite": "views", "case": f"{case} {n}x{n} float32", "backend": backend,
            "seconds": {name: m.median for name, m in found.items()},
            "spread": {name: [m.low, m.high] for name, m in found.items()},
            "number": next(iter(found.values())).number, "repeats": found["native"].repeats,
        })
    return rows
