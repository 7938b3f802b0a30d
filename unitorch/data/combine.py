"""Datasets made of other datasets: :class:`Subset`, :class:`ConcatDataset`,
:class:`ChainDataset` and :func:`random_split` (PyTorch's, with their arguments)."""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from ..random import Generator, _portable_lock, _portable_numpy
from .dataset import Dataset, IterableDataset

__all__ = ["Subset", "ConcatDataset", "ChainDataset", "random_split"]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order.

    Example:
        >>> s = ut.data.Subset(list("abcde"), [4, 0])
        >>> len(s), s[0], s[1]
        (2, 'e', 'a')
    """

    def __init__(self, dataset: Any, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx: Any) -> Any:
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices: list[int]) -> list[Any]:
        picked = [self.indices[i] for i in indices]
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(picked)
        return [self.dataset[i] for i in picked]

    def __len__(self) -> int:
        return len(self.indices)


class ConcatDataset(Dataset):
    """Map-style datasets one after the other (negative indices count from the end).

    Example:
        >>> c = ut.data.ConcatDataset([[1, 2], [3]])
        >>> len(c), c[2], c[-3], c.cumulative_sizes
        (3, 3, 1, [2, 3])
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset does not support IterableDataset; use "
                                "ChainDataset")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx: int) -> Any:
        idx = operator.index(idx)
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


class ChainDataset(IterableDataset):
    """Iterable datasets one after the other.

    Example:
        >>> class Count(ut.data.IterableDataset):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(self.n))
        >>> list(ut.data.ChainDataset([Count(2), Count(3)]))
        [0, 1, 0, 1, 2]
    """

    def __init__(self, datasets: Iterable[Any]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for d in self.datasets:
            yield from d

    def __len__(self) -> int:
        return sum(len(d) for d in self.datasets)


def random_split(dataset: Any, lengths: Sequence[int | float],
                 generator: Generator | None = None) -> list[Subset]:
    """Split ``dataset`` into non-overlapping :class:`Subset`\\ s of the given lengths
    (ints summing to ``len(dataset)``, or fractions summing to 1: each gets
    ``floor(fraction * n)`` and the remainder goes one by one to the first ones), from a
    random permutation drawn on the host (``generator``, or unitorch's portable stream:
    the same split on every backend).

    Example:
        >>> g = ut.random.Generator().manual_seed(0)
        >>> a, b = ut.data.random_split(range(10), [0.7, 0.3], generator=g)
        >>> len(a), len(b), sorted(list(a) + list(b)) == list(range(10))
        (7, 3, True)
    """
    n = len(dataset)
    sizes = list(lengths)
    if math.isclose(sum(sizes), 1) and sum(sizes) <= 1:
        counts = [math.floor(n * frac) for frac in sizes]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        sizes = counts
    if any(not isinstance(s, int) or s < 0 for s in sizes) or sum(sizes) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input "
                         "dataset!")
    with _portable_lock(generator):
        order = _portable_numpy(generator).permutation(n).tolist()
    out, start = [], 0
    for s in sizes:
        out.append(Subset(dataset, order[start:start + s]))
        start += s
    return out
