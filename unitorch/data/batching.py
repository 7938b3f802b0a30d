"""Sources of batches, one class per way of making them.

A source knows how many samples it has (``num_samples``, ``None`` for a stream) and
yields converted batches for an epoch's visiting ``order`` (``None``: in order):

* :class:`ArraySource`: NumPy arrays (one, or a tuple or dict of them), batched by
  slicing: no Python per sample.  An unshuffled batch is a view of the arrays (shared
  by torch CPU tensors); a shuffled batch is gathered, which copies;
* :class:`MapSource`: a map-style dataset, sample by sample (or ``__getitems__``),
  combined by a collate function;
* :class:`StreamSource`: an iterable dataset, ``batch_size`` samples at a time;
* :class:`BatchedSource`: something that already yields batches (a ``tf.data.Dataset``,
  a ``torch.utils.data.DataLoader``); each of its elements is converted as it comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..errors import DTypeError
from .convert import Converter, aligned_empty
from .dataset import check_lengths

__all__ = ["ArraySource", "BatchedSource", "MapSource", "StreamSource"]


def _batches(n: int, batch_size: int, drop_last: bool) -> int:
    return n // batch_size if drop_last else -(-n // batch_size)


class ArraySource:
    """Arrays batched by slicing: ``kind`` is ``"array"``, ``"tuple"`` or ``"dict"``."""

    def __init__(self, arrays: np.ndarray | tuple | dict, batch_size: int,
                 drop_last: bool) -> None:
        if isinstance(arrays, np.ndarray):
            self.kind, self.keys, self.leaves = "array", None, (arrays,)
            names = {"0": arrays}
        elif isinstance(arrays, dict):
            self.kind, self.keys = "dict", tuple(arrays)
            self.leaves = tuple(arrays.values())
            names = {repr(k): a for k, a in arrays.items()}
        else:
            self.kind, self.keys, self.leaves = "tuple", None, tuple(arrays)
            names = {f"#{i}": a for i, a in enumerate(self.leaves)}
        for name, a in names.items():
            if not a.dtype.isnative or (a.dtype not in dt._BY_NUMPY and (
                    a.dtype.kind not in "iu" or a.dtype.itemsize > 4)):
                raise DTypeError(f"DataLoader cannot batch array {name} of NumPy dtype "
                                 f"{a.dtype}; convert it with .astype() first")
        self.num_samples = check_lengths(names, "DataLoader")
        self.batch_size, self.drop_last = batch_size, drop_last

    def num_batches(self) -> int:
        return _batches(self.num_samples, self.batch_size, self.drop_last)

    def iterate(self, order: np.ndarray | None, convert: Converter) -> Iterator[Any]:
        bs = self.batch_size
        n = self.num_samples if order is None else len(order)  # a shard's order is shorter
        stop = n - n % bs if self.drop_last else n
        leaves, keys = self.leaves, self.keys
        if order is None:  # views of the arrays: shared by torch, copied by TensorFlow
            picks: Any = (slice(s, s + bs) for s in range(0, stop, bs))
            leaf: Any = _slicer(convert.array)
        else:  # gathered into new aligned arrays, which neither framework copies again
            picks = (order[s:s + bs] for s in range(0, stop, bs))
            leaf = _gatherer(convert.fresh)
        if self.kind == "array":
            a = leaves[0]
            for p in picks:
                yield leaf(a, p)
        elif self.kind == "tuple":
            for p in picks:
                yield tuple([leaf(a, p) for a in leaves])
        else:
            for p in picks:
                yield {k: leaf(a, p) for k, a in zip(keys, leaves)}


def _slicer(array: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray, slice], Any]:
    def view(a: np.ndarray, rows: slice) -> Any:
        return array(a[rows])

    return view


def _gatherer(fresh: Callable[[np.ndarray], Any]) -> Callable[[np.ndarray, Any], Any]:
    def gather(a: np.ndarray, rows: np.ndarray) -> Any:
        out = aligned_empty((len(rows), *a.shape[1:]), a.dtype)
        return fresh(np.take(a, rows, axis=0, out=out, mode="wrap"))  # rows are in range

    return gather


class MapSource:
    """A map-style dataset, collated batch by batch (``fresh``: the collate function
    allocates its arrays with :func:`aligned_empty`, see :class:`Converter`)."""

    def __init__(self, dataset: Any, batch_size: int, drop_last: bool,
                 collate: Callable[[list[Any]], Any], fresh: bool = False) -> None:
        self.dataset, self.collate, self.fresh = dataset, collate, fresh
        self.batch_size, self.drop_last = batch_size, drop_last

    @property
    def num_samples(self) -> int:
        return len(self.dataset)

    def num_batches(self) -> int:
        return _batches(len(self.dataset), self.batch_size, self.drop_last)

    def iterate(self, order: np.ndarray | None, convert: Converter) -> Iterator[Any]:
        ds, bs, collate = self.dataset, self.batch_size, self.collate
        n = len(ds) if order is None else len(order)
        stop = n - n % bs if self.drop_last else n
        indices = range(n) if order is None else order.tolist()
        getitems = getattr(ds, "__getitems__", None)
        getitem, fresh = ds.__getitem__, self.fresh
        for s in range(0, stop, bs):
            chunk = indices[s:s + bs]
            samples = getitems(list(chunk)) if getitems else [getitem(i) for i in chunk]
            yield convert(collate(samples), fresh)


class StreamSource:
    """An iterable dataset, ``batch_size`` samples per batch."""

    num_samples = None

    def __init__(self, dataset: Any, batch_size: int, drop_last: bool,
                 collate: Callable[[list[Any]], Any], fresh: bool = False) -> None:
        self.dataset, self.collate, self.fresh = dataset, collate, fresh
        self.batch_size, self.drop_last = batch_size, drop_last

    def num_batches(self) -> int:
        try:
            n = len(self.dataset)
        except TypeError:
            raise TypeError("len() of a DataLoader over an iterable dataset needs the "
                            "dataset to define __len__") from None
        return _batches(n, self.batch_size, self.drop_last)

    def iterate(self, order: np.ndarray | None, convert: Converter) -> Iterator[Any]:
        bs, collate, fresh = self.batch_size, self.collate, self.fresh
        batch: list[Any] = []
        for sample in self.dataset:
            batch.append(sample)
            if len(batch) == bs:
                yield convert(collate(batch), fresh)
                batch = []
        if batch and not self.drop_last:
            yield convert(collate(batch), fresh)


class BatchedSource:
    """Something whose elements are already batches; ``length`` gives ``len()``."""

    num_samples = None

    def __init__(self, batches: Any, length: Callable[[], int]) -> None:
        self.batches, self.length = batches, length

    def num_batches(self) -> int:
        return self.length()

    def iterate(self, order: np.ndarray | None, convert: Converter) -> Iterator[Any]:
        for b in self.batches:
            yield convert(b)
