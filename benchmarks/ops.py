"""Per-op cost: unitorch vs the native framework vs ``keras.ops`` vs EagerPy, on one
backend (the process's: Keras 3 fixes its backend at import)."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

import numpy as np

from .timing import compare

OPS = ("add", "mul", "matmul", "sum", "softmax", "indexing", "reshape")


def _optional(name: str) -> Any:
    """Module ``name``, or None where it is not installed (a contender left out)."""
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def _contenders(backend: str, op: str, n: int) -> dict[str, Callable[[], Any]]:
    ep = _optional("eagerpy")
    keras = _optional("keras")

    import unitorch as ut

    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((n, n), dtype=np.float32)
    b_np = rng.standard_normal((n, n), dtype=np.float32)
    with ut.use_backend(backend):
        a, b = ut.asarray(a_np), ut.asarray(b_np)
    na, nb = a.native, b.native
    if backend == "torch":
        import torch

        native = {
            "add": lambda: torch.add(na, nb), "mul": lambda: torch.mul(na, nb),
            "matmul": lambda: torch.matmul(na, nb), "sum": lambda: torch.sum(na),
            "softmax": lambda: torch.softmax(na, -1), "indexing": lambda: na[2:40],
            "reshape": lambda: torch.reshape(na, (-1,)),
        }
    else:
        import tensorflow as tf

        native = {
            "add": lambda: tf.add(na, nb), "mul": lambda: tf.multiply(na, nb),
            "matmul": lambda: tf.matmul(na, nb), "sum": lambda: tf.reduce_sum(na),
            "softmax": lambda: tf.nn.softmax(na, -1), "indexing": lambda: na[2:40],
            "reshape": lambda: tf.reshape(na, (-1,)),
        }
    unitorch = {
        "add": lambda: a + b, "mul": lambda: a * b, "matmul": lambda: a @ b,
        "sum": lambda: ut.sum(a), "softmax": lambda: ut.softmax(a, axis=-1),
        "indexing": lambda: a[2:40], "reshape": lambda: ut.reshape(a, (-1,)),
    }
    found = {"native": native[op], "unitorch": unitorch[op]}
    if keras is not None:
        found["keras"] = _keras_ops(keras.ops, na, nb, n)[op]
    if ep is not None:
        found["eagerpy"] = _eagerpy_ops(ep, ep.astensor(na), ep.astensor(nb))[op]
    return found


def _keras_ops(k: Any, na: Any, nb: Any, n: int) -> dict[str, Callable[[], Any]]:
    return {
        "add": lambda: k.add(na, nb), "mul": lambda: k.multiply(na, nb),
        "matmul": lambda: k.matmul(na, nb), "sum": lambda: k.sum(na),
        "softmax": lambda: k.softmax(na, axis=-1),
        "indexing": lambda: k.slice(na, (2, 0), (38, n)),
        "reshape": lambda: k.reshape(na, (-1,)),
    }


def _eagerpy_ops(ep: Any, ea: Any, eb: Any) -> dict[str, Callable[[], Any]]:
    return {
        "add": lambda: ea + eb, "mul": lambda: ea * eb, "matmul": lambda: ea @ eb,
        "sum": lambda: ea.sum(), "softmax": lambda: ep.softmax(ea, axis=-1),
        "indexing": lambda: ea[2:40], "reshape": lambda: ea.reshape((-1,)),
    }


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    """One row per (op, size): median seconds per call of each contender."""
    rows = []
    sizes = (64,) if quick else (64, 2048)
    for n in sizes:
        for op in OPS:
            contenders = _contenders(backend, op, n)
            repeats = 3 if quick else (15 if n <= 256 else 7)
            found = compare(contenders, repeats=repeats, warmup=1 if quick else 3,
                            target=0.002 if quick else 0.05)
            rows.append({
                "suite": "ops", "case": f"{op} {n}x{n} float32", "backend": backend,
                "seconds": {name: m.median for name, m in found.items()},
                "spread": {name: [m.low, m.high] for name, m in found.items()},
                "number": next(iter(found.values())).number, "repeats": repeats,
            })
    return rows
