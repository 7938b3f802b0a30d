"""``torch.utils.data``: datasets, samplers and the DataLoader with PyTorch's arguments.

Everything is :mod:`unitorch.data`'s (datasets, samplers, worker processes: see
:mod:`unitorch.data.workers`), with two PyTorch spellings:

* :class:`DataLoader` takes PyTorch's arguments in PyTorch's order (``DataLoader(dataset,
  batch_size, shuffle, sampler, batch_sampler, num_workers, collate_fn, pin_memory,
  drop_last, timeout, worker_init_fn, multiprocessing_context, generator, *,
  prefetch_factor, persistent_workers, pin_memory_device, in_order)``);
* :func:`default_collate` returns tensors (of the active backend), as PyTorch's does, and
  Python floats in samples become **float64** (PyTorch's rule; ``ut.data``'s collate
  uses the default float dtype); :func:`default_convert` converts without stacking.

Batches are tensors of the backend active when iteration starts.  Shuffled orders and
random splits are drawn on the host from unitorch's generators (or ``generator=``), so
``torch.manual_seed(s)`` gives the same order on both backends (not PyTorch's order).

Example:
    >>> from unitorch.torch.utils.data import DataLoader, TensorDataset
    >>> ds = TensorDataset(ut.arange(6).reshape(3, 2), ut.tensor([0, 1, 0]))
    >>> [y.tolist() for _, y in DataLoader(ds, batch_size=2)]
    [[0, 1], [0]]
"""

from __future__ import annotations

from typing import Any

from ....data import (
    BatchSampler,
    ChainDataset,
    ConcatDataset,
    Dataset,
    IterableDataset,
    RandomSampler,
    Sampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    WorkerInfo,
    get_worker_info,
    random_split,
)
from ..._missing import lookup
from .dataloader import DataLoader, default_collate, default_convert

__all__ = ["DataLoader", "Dataset", "IterableDataset", "TensorDataset", "Subset",
           "ConcatDataset", "ChainDataset", "random_split", "Sampler", "SequentialSampler",
           "RandomSampler", "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler",
           "default_collate", "default_convert", "get_worker_info", "WorkerInfo",
           "dataloader"]

from . import dataloader


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
