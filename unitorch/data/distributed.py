"""Sharding a loader's epochs across the workers of a distributed run.

``ut.data.DataLoader(data, ..., shard=(rank, world_size))`` (or ``shard="auto"``: the
rank and world size of :mod:`unitorch.distributed`, read when an epoch starts) makes
each worker visit its own part of every epoch, the rule of PyTorch's
``DistributedSampler``:

1. the epoch's order is the loader's usual one (:mod:`unitorch.data.order`):
   ``0..n-1``, or with ``shuffle`` the permutation ``default_rng([seed, epoch])``, the
   same on every worker (so ``shuffle`` with ``shard`` needs a ``seed``);
2. it is made a multiple of ``world_size``: without ``drop_last`` by repeating its
   first samples (a padding of at most ``world_size - 1`` samples, visited twice in
   that epoch; cyclically, as PyTorch does, when the epoch is shorter than the
   padding); with ``drop_last`` by dropping its last ``n % world_size`` samples;
3. worker ``rank`` takes every ``world_size``-th sample from position ``rank``:
   ``order[rank::world_size]``, and batches it as usual (``drop_last`` also drops its
   last partial batch).

So the shards never overlap (apart from the padding), cover the epoch, and give every
worker the same number of batches (each step is one collective on every worker).
Strided shards also make ``N`` workers with ``batch_size=b`` see, at each step, exactly
the samples one process with ``batch_size=N*b`` sees (when ``n`` is a multiple of
``N*b``, or with ``drop_last``): data-parallel training then takes the same steps as
single-process training.

Only sources with indices can be sharded: arrays and map-style datasets.  Shard a
stream or a pre-batched pipeline in the pipeline itself (``tf.data``:
``dataset.shard(world_size, rank)``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .batching import ArraySource, _batches
from .convert import Converter

__all__ = ["shard_order", "ShardedSource", "resolve_shard"]


def resolve_shard(shard: Any) -> tuple[int, int]:
    """``(rank, world_size)`` from a ``shard`` argument: a pair, or ``"auto"`` (the
    group of :mod:`unitorch.distributed`, which must be initialized)."""
    if isinstance(shard, str):
        if shard != "auto":
            raise ValueError(f"DataLoader shard must be (rank, world_size) or 'auto', got "
                             f"{shard!r}")
        from ..distributed import get_rank, get_world_size

        return get_rank(), get_world_size()
    try:
        rank, world = shard
    except (TypeError, ValueError):
        raise ValueError(f"DataLoader shard must be (rank, world_size) or 'auto', got "
                         f"{shard!r}") from None
    for name, v in (("rank", rank), ("world_size", world)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"DataLoader shard {name} must be an integer, got {v!r}")
    if world < 1 or not 0 <= rank < world:
        raise ValueError(f"DataLoader shard needs 0 <= rank < world_size, got rank {rank} "
                         f"and world_size {world}")
    return int(rank), int(world)


def shard_order(order: np.ndarray, rank: int, world_size: int, drop_last: bool
                ) -> np.ndarray:
    """Worker ``rank``'s part of an epoch's ``order`` (see the module docstring).

    Example:
        >>> ut.data.shard_order(np.arange(5), 0, 2, drop_last=False).tolist()
        [0, 2, 4]
        >>> ut.data.shard_order(np.arange(5), 1, 2, drop_last=False).tolist()  # 0 pads
        [1, 3, 0]
        >>> ut.data.shard_order(np.arange(5), 1, 2, drop_last=True).tolist()
        [1, 3]
    """
    n = len(order)
    if drop_last:
        order = order[:n - n % world_size]
    elif n % world_size:
        order = np.concatenate([order, np.resize(order, world_size - n % world_size)])
    return order[rank::world_size]


def shard_size(n: int, world_size: int, drop_last: bool) -> int:
    """Samples each worker visits per epoch."""
    return n // world_size if drop_last else -(-n // world_size)


class ShardedSource:
    """A source with indices (arrays, map-style datasets) seen through one worker's
    shard.  ``num_samples`` stays the whole epoch's count (the loader draws the
    permutation over it)."""

    def __init__(self, source: Any, shard: Any, batch_size: int, drop_last: bool) -> None:
        if getattr(source, "num_samples", None) is None:
            raise TypeError("DataLoader shard= needs a source with indices (NumPy arrays or "
                            "a map-style Dataset); shard a stream or a pre-batched pipeline "
                            "in the pipeline itself (tf.data: dataset.shard(world_size, rank))")
        if shard != "auto":
            resolve_shard(shard)  # validate now
        self.source, self.shard = source, shard
        self.batch_size, self.drop_last = batch_size, drop_last
        self.by_slicing = isinstance(source, ArraySource)

    @property
    def num_samples(self) -> int:
        return self.source.num_samples

    def num_batches(self) -> int:
        _, world = resolve_shard(self.shard)
        size = shard_size(self.source.num_samples, world, self.drop_last)
        return _batches(size, self.batch_size, self.drop_last)

    def iterate(self, order: np.ndarray | None, convert: Converter) -> Iterator[Any]:
        rank, world = resolve_shard(self.shard)
        if order is None:
            order = np.arange(self.source.num_samples, dtype=np.int64)
        return self.source.iterate(shard_order(order, rank, world, self.drop_last), convert)
