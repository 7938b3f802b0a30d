"""``torch.utils.data.dataloader``: :class:`DataLoader` with PyTorch's signature, and
PyTorch's :func:`default_collate` / :func:`default_convert`."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from ....backends import current
from ....data.collate import _collate, _plain_empty
from ....data.convert import Converter, aligned_empty
from ....data.dataset import Dataset, IterableDataset
from ....data.loader import DataLoader as _CoreLoader
from ....data.samplers import RandomSampler, SequentialSampler
from ....data.sources import _framework_of, _is_array
from ....ops.creation import get_default_device
from ....random import Generator

__all__ = ["DataLoader", "default_collate", "default_convert"]


def _host_collate(samples: list[Any]) -> Any:
    """PyTorch's collate rule on the host: Python floats as float64."""
    return _collate(samples, _plain_empty, np.float64)


def _aligned_collate(samples: list[Any]) -> Any:
    return _collate(samples, aligned_empty, np.float64)


def _to_tensors(batch: Any) -> Any:
    backend = current()
    return _lists(Converter(backend, get_default_device(backend))(batch))


def _lists(batch: Any) -> Any:
    """PyTorch's collated structure: its batches hold lists where the samples held
    tuples (named tuples stay named tuples), and a field of strings is the column as
    PyTorch builds it (a tuple from ``zip`` in a sequence, a list in a dict)."""
    t = type(batch)
    if t is tuple or t is list:
        return [_column(b, zipped=True) for b in batch]
    if t is dict:
        return {k: _column(v, zipped=False) for k, v in batch.items()}
    return batch


def _column(field: Any, zipped: bool) -> Any:
    if type(field) is list and field and all(isinstance(f, str) for f in field):
        return tuple(field) if zipped else field
    return _lists(field)


def default_collate(batch: list[Any]) -> Any:
    """PyTorch's ``default_collate``: stack a list of samples field by field into
    tensors of the active backend (tuples, lists, named tuples and dicts collated field
    by field, tuples into lists as PyTorch does; NumPy arrays and tensors stacked;
    Python ints int64, floats **float64**, bools bool; strings kept as lists).

    Example:
        >>> from unitorch.torch.utils.data import default_collate
        >>> x, y = default_collate([(np.zeros(2, np.float32), 1.5), (np.ones(2, np.float32), 2.5)])
        >>> x.shape, y.dtype
        ((2, 2), unitorch.float64)
    """
    return _to_tensors(_host_collate(batch))


def default_convert(data: Any) -> Any:
    """PyTorch's ``default_convert``: NumPy arrays (in nests of tuples, lists and
    dicts) to tensors of the active backend, without stacking.

    Example:
        >>> from unitorch.torch.utils.data import default_convert
        >>> default_convert({"a": np.arange(2)})["a"]
        tensor([0, 1], dtype=int64)
    """
    return _to_tensors(data)


class DataLoader(_CoreLoader):
    """PyTorch's ``DataLoader``, argument for argument (see
    :class:`unitorch.data.DataLoader` for what each does and
    :mod:`unitorch.data.workers` for ``num_workers``); ``pin_memory`` and
    ``pin_memory_device`` are accepted (batches go to the default device anyway).
    Without a ``collate_fn``, Python floats in samples become float64, as in PyTorch.

    Example:
        >>> from unitorch.torch.utils.data import DataLoader
        >>> loader = DataLoader(list(range(5)), batch_size=2, shuffle=True)
        >>> len(loader), sorted(i for b in loader for i in b.tolist())
        (3, [0, 1, 2, 3, 4])
    """

    _default_collate = staticmethod(_aligned_collate)
    _sampler_collate = staticmethod(_host_collate)

    def __init__(self, dataset: Any, batch_size: int | None = 1, shuffle: bool | None = None,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 pin_memory: bool = False, drop_last: bool = False, timeout: float = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 multiprocessing_context: Any = None, generator: Generator | None = None,
                 *, prefetch_factor: int | None = None, persistent_workers: bool = False,
                 pin_memory_device: str = "", in_order: bool = True) -> None:
        # PyTorch takes any indexable with a length (a list...) as a map-style dataset;
        # unitorch's loader wants a Dataset there (a list of arrays is a common mistake)
        given = dataset
        if not isinstance(dataset, (Dataset, IterableDataset)) and _indexable(dataset) \
                and _framework_of(dataset) is None:
            dataset = _Indexable(dataset)
        super().__init__(
            dataset, batch_size=batch_size, shuffle=bool(shuffle), drop_last=drop_last,
            collate_fn=collate_fn, sampler=sampler, batch_sampler=batch_sampler,
            num_workers=num_workers, worker_init_fn=worker_init_fn, generator=generator,
            pin_memory=pin_memory, timeout=timeout, persistent_workers=persistent_workers,
            prefetch_factor=prefetch_factor, multiprocessing_context=multiprocessing_context,
            in_order=in_order)
        self.data = given
        if self.sampler is None and not self._iterable and hasattr(dataset, "__len__"):
            # what PyTorch exposes as loader.sampler (the loader batches by itself)
            self.sampler = (RandomSampler(dataset, generator=generator) if self.shuffle
                            else SequentialSampler(dataset))

    def __iter__(self) -> Iterator[Any]:
        batches = super().__iter__()
        if self.collate_fn is not None:
            return batches
        return _pytorch_batches(batches)


def _pytorch_batches(batches: Iterator[Any]) -> Iterator[Any]:
    try:
        for batch in batches:
            yield _lists(batch)
    finally:
        close = getattr(batches, "close", None)
        if close is not None:  # stops worker processes when the loop stops early
            close()


def _indexable(data: Any) -> bool:
    return (hasattr(data, "__getitem__") and hasattr(data, "__len__")
            and not isinstance(data, (str, bytes, dict, tuple)) and not _is_array(data))


class _Indexable(Dataset):
    """A sized indexable (a list, a range...) seen as a map-style dataset."""

    def __init__(self, items: Any) -> None:
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> Any:
        return self.items[index]
