"""Samplers: which samples a loader visits, in which order, and how they group into
batches (PyTorch's ``torch.utils.data`` samplers, with their arguments).

A sampler is an iterable of dataset indices (``len()`` is how many it yields); a batch
sampler an iterable of lists of indices.  Random ones draw on the host with NumPy, from
``generator`` (a :class:`unitorch.random.Generator`) or from unitorch's global portable
stream (so ``ut.manual_seed`` makes them reproducible), never from a framework: the same
seed gives the same order on every backend.  Each iteration draws anew; samplers with
replacement draw lazily, 32 indices at a time (``num_samples`` may be huge).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

import numpy as np

from ..random import Generator, _portable_lock, _portable_numpy

__all__ = ["Sampler", "SequentialSampler", "RandomSampler", "SubsetRandomSampler",
           "WeightedRandomSampler", "BatchSampler"]

_CHUNK = 32  # indices drawn at a time by samplers with replacement (as PyTorch's)


def _draw(generator: Generator | None, draw: Any) -> Any:
    """``draw(numpy_generator)`` on ``generator``'s portable stream or the global one."""
    with _portable_lock(generator):
        return draw(_portable_numpy(generator))


class Sampler:
    """Base class of samplers: subclass it and define ``__iter__`` (and ``__len__``).

    Example:
        >>> class Evens(ut.data.Sampler):
        ...     def __init__(self, n):
        ...         self.n = n
        ...     def __iter__(self):
        ...         return iter(range(0, self.n, 2))
        ...     def __len__(self):
        ...         return (self.n + 1) // 2
        >>> list(Evens(5))
        [0, 2, 4]
    """

    def __init__(self, data_source: Sized | None = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``.

    Example:
        >>> list(ut.data.SequentialSampler(range(3)))
        [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _count(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{what} should be a positive integer value, but got {what}={value!r}")
    return int(value)


class RandomSampler(Sampler):
    """A random order of the samples: a new permutation each iteration; with
    ``num_samples`` larger than the data, further permutations follow the first.  With
    ``replacement=True``, ``num_samples`` (default: the data's length) independent
    uniform draws.

    Example:
        >>> g = ut.random.Generator().manual_seed(0)
        >>> sorted(ut.data.RandomSampler(range(4), generator=g))
        [0, 1, 2, 3]
        >>> len(list(ut.data.RandomSampler(range(4), replacement=True, num_samples=10)))
        10
    """

    def __init__(self, data_source: Sized, replacement: bool = False,
                 num_samples: int | None = None, generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got "
                            f"replacement={replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = None if num_samples is None else _count(num_samples,
                                                                     "num_samples")
        self.generator = generator

    @property
    def num_samples(self) -> int:
        """How many indices one iteration yields."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        remaining = self.num_samples
        g = self.generator
        if self.replacement:
            while remaining > 0:
                k = min(remaining, _CHUNK)
                yield from _draw(g, lambda r, k=k: r.integers(0, n, k)).tolist()
                remaining -= k
            return
        while remaining > 0:
            order = _draw(g, lambda r: r.permutation(n)).tolist()
            yield from order[:remaining]
            remaining -= n

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """The given ``indices`` in a random order (a new one each iteration).

    Example:
        >>> sorted(ut.data.SubsetRandomSampler([5, 7, 9]))
        [5, 7, 9]
    """

    def __init__(self, indices: Sequence[int], generator: Generator | None = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[Any]:
        order = _draw(self.generator, lambda r: r.permutation(len(self.indices)))
        for i in order.tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices in ``[0, len(weights))``, index ``i`` drawn with
    probability ``weights[i] / sum(weights)`` (``replacement=False``: each at most once).

    Example:
        >>> list(ut.data.WeightedRandomSampler([0.0, 1.0, 0.0], 3))
        [1, 1, 1]
    """

    def __init__(self, weights: Sequence[float] | Any, num_samples: int,
                 replacement: bool = True, generator: Generator | None = None) -> None:
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got "
                             f"replacement={replacement!r}")
        w = np.asarray(weights.numpy() if hasattr(weights, "numpy") else weights,
                       dtype=np.float64)
        if w.ndim != 1:
            raise ValueError(f"weights should be a 1-D sequence, got shape {w.shape}")
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError("weights must be finite, non-negative and not all zero")
        self.weights = w
        self.num_samples = _count(num_samples, "num_samples")
        if not replacement and self.num_samples > np.count_nonzero(w):
            raise ValueError(f"cannot draw {self.num_samples} samples without replacement "
                             f"from {np.count_nonzero(w)} of non-zero weight")
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        k, n = self.num_samples, len(p)
        if self.replacement:
            remaining = k
            while remaining > 0:
                m = min(remaining, _CHUNK)
                yield from _draw(self.generator, lambda r, m=m: r.choice(n, m, p=p)).tolist()
                remaining -= m
            return
        yield from _draw(self.generator, lambda r: r.choice(n, k, replace=False, p=p)
                         ).tolist()

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups another sampler's indices into lists of ``batch_size`` (the last one
    shorter unless ``drop_last``).

    Example:
        >>> list(ut.data.BatchSampler(ut.data.SequentialSampler(range(5)), 2, False))
        [[0, 1], [2, 3], [4]]
    """

    def __init__(self, sampler: Iterable[Any], batch_size: int, drop_last: bool) -> None:
        self.sampler = sampler
        self.batch_size = _count(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got "
                             f"drop_last={drop_last!r}")
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[Any]]:
        batch: list[Any] = []
        for i in self.sampler:
            batch.append(i)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

