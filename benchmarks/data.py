"""Data-loading throughput: one epoch over an in-memory dataset (MNIST-sized: 60000 x 784
float32 images and int64 labels, batch 64), ``ut.data.DataLoader`` against the native
idiom: ``torch.utils.data.DataLoader(TensorDataset(...))`` on torch,
``tf.data.Dataset.from_tensor_slices(...).batch(64).prefetch(2)`` on TensorFlow.

Each contender yields every batch as tensors of the backend and nothing else is done
with them, so the numbers are the loaders' own cost per epoch (``seconds``), also given
as samples per second.  ``--quick`` uses 6000 samples.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .timing import compare

BATCH = 64


def _epoch(loader: Any) -> Callable[[], None]:
    def run() -> None:
        for _ in loader:
            pass

    return run


def _contenders(backend: str, x: np.ndarray, y: np.ndarray, shuffle: bool
                ) -> dict[str, Callable[[], None]]:
    import unitorch as ut

    with ut.use_backend(backend):
        ours = ut.data.DataLoader((x, y), batch_size=BATCH, shuffle=shuffle, seed=0)
    if backend == "torch":
        import torch
        from torch.utils.data import DataLoader, TensorDataset

        native: Any = DataLoader(TensorDataset(torch.from_numpy(x), torch.from_numpy(y)),
                                 batch_size=BATCH, shuffle=shuffle)
    else:
        import tensorflow as tf

        native = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle:
            native = native.shuffle(len(x), seed=0, reshuffle_each_iteration=True)
        native = native.batch(BATCH).prefetch(2)

    def unitorch_epoch() -> None:
        with ut.use_backend(backend):
            for _ in ours:
                pass

    return {"native": _epoch(native), "unitorch": unitorch_epoch}


def run(backend: str, quick: bool) -> list[dict[str, Any]]:
    """One row per case: median seconds per epoch of each contender."""
    n = 6000 if quick else 60000
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    rows = []
    for shuffle in (False, True):
        repeats = 3 if quick else 7
        found = compare(_contenders(backend, x, y, shuffle), repeats=repeats, warmup=1,
                        target=0.0)
        rows.append({
            "suite": "data",
            "case": f"epoch {n}x784 float32 + int64 labels, batch {BATCH}"
                    + (", shuffled" if shuffle else ""),
            "backend": backend,
            "seconds": {name: m.median for name, m in found.items()},
            "spread": {name: [m.low, m.high] for name, m in found.items()},
            "samples_per_second": {name: n / m.median for name, m in found.items()},
            "number": next(iter(found.values())).number, "repeats": repeats,
        })
    return rows
