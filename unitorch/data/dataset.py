"""Datasets: the map-style :class:`Dataset`, the streaming :class:`IterableDataset` and
:class:`TensorDataset`, rows of arrays.

They mirror ``torch.utils.data``: a map-style dataset has ``__getitem__(i)`` and
``__len__``; it may also define ``__getitems__(indices)`` returning the list of samples
for a whole batch at once (the loader uses it when present).  An iterable dataset has
``__iter__``.  Samples may hold NumPy arrays, Python numbers or tensors of any backend.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "as_host_array"]


class Dataset:
    """A map-style dataset: subclass it and define ``__getitem__`` and ``__len__``.

    Example:
        >>> class Squares(ut.data.Dataset):
        ...     def __len__(self):
        ...         return 10
        ...     def __getitem__(self, i):
        ...         return np.float32(i), i * i
        >>> x, y = next(iter(ut.data.DataLoader(Squares(), batch_size=4)))
        >>> y.tolist()
        [0, 1, 4, 9]
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __add__(self, other: Any) -> Any:
        from .combine import ConcatDataset

        return ConcatDataset([self, other])


class IterableDataset:
    """A stream of samples: subclass it and define ``__iter__`` (``__len__`` is optional,
    needed only for ``len(loader)``).  The loader cannot shuffle a stream.

    Example:
        >>> class Count(ut.data.IterableDataset):
        ...     def __iter__(self):
        ...         return iter(range(5))
        >>> [b.tolist() for b in ut.data.DataLoader(Count(), batch_size=2)]
        [[0, 1], [2, 3], [4]]
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


def as_host_array(x: Any, what: str) -> np.ndarray:
    """``x`` (a NumPy array, a unitorch tensor or a native tensor) as a NumPy array on
    the host: the same memory for NumPy arrays and torch CPU tensors, a copy otherwise."""
    if isinstance(x, np.ndarray):
        return x
    if isinstance(x, Tensor):
        return x.numpy()
    from ..backends import backend_of_native

    native = backend_of_native(x)
    if native is None:
        raise TypeError(f"{what}: expected a NumPy array or a tensor, got {type(x).__name__}")
    return native.wrap(x).numpy()


def check_lengths(arrays: dict[str, np.ndarray], what: str) -> int:
    """The common length of ``arrays`` along axis 0 (:class:`ShapeError` if they differ
    or one is 0-d)."""
    n = None
    for name, a in arrays.items():
        if a.ndim == 0:
            raise ShapeError(f"{what}: array {name} is 0-d; arrays need a first (sample) axis")
        if n is None:
            n, first = a.shape[0], name
        elif a.shape[0] != n:
            raise ShapeError(f"{what}: arrays must have the same length along axis 0, got "
                             f"{n} for {first} and {a.shape[0]} for {name}")
    return n or 0


class TensorDataset(Dataset):
    """Rows of arrays: sample ``i`` is ``(a[i] for a in arrays)``.

    ``arrays`` are NumPy arrays or tensors of any backend, all of the same length along
    axis 0.  They are kept as NumPy arrays on the host (the same memory for NumPy arrays
    and torch CPU tensors; a copy for TensorFlow and GPU tensors), so the loader batches
    them by slicing, with no per-sample Python.  ``ds[i]`` is a tuple of tensors of the
    active backend.

    Example:
        >>> ds = ut.data.TensorDataset(np.zeros((5, 2)), np.arange(5))
        >>> len(ds), ds[1][1].item()
        (5, 1)
    """

    def __init__(self, *arrays: Any) -> None:
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        self.arrays = tuple(as_host_array(a, "TensorDataset") for a in arrays)
        self._n = check_lengths({f"#{i}": a for i, a in enumerate(self.arrays)},
                                "TensorDataset")

    def __len__(self) -> int:
        return self._n

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        """The arrays as tensors of the active backend (PyTorch's ``dataset.tensors``).

        Example:
            >>> ut.data.TensorDataset(np.zeros((5, 2))).tensors[0].shape
            (5, 2)
        """
        from ..ops.creation import asarray

        return tuple(asarray(a) for a in self.arrays)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        from ..ops.creation import asarray

        return tuple(asarray(a[index]) for a in self.arrays)
