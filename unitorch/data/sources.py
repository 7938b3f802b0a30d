"""Recognising what a loader was given, and the tf.data / torch adapters.

A framework is imported only when given one of its objects: an object is recognised as
torch's or TensorFlow's from the modules of its class and base classes (as
:func:`unitorch.backends.backend_of_native` does), and that framework, already imported
by whoever made the object, is then asked ``isinstance``.  So a program on one backend
never imports the other framework because of the data loader.

* ``tf.data.Dataset`` and ``torch.utils.data.DataLoader`` already batch (and shuffle):
  each of their elements is one batch, converted as it comes, so ``batch_size``,
  ``shuffle``, ``drop_last`` and ``collate_fn`` must be left alone (batch in the source's
  own pipeline).  A TensorFlow tensor reaching the torch backend, or a torch tensor
  reaching the TensorFlow backend, crosses through DLPack without a copy where both
  frameworks can share the buffer (on the CPU, when it is 64-byte aligned).
* A ``torch.utils.data.TensorDataset`` of CPU tensors is batched by slicing, like NumPy
  arrays (its tensors share memory with the NumPy views); any other torch ``Dataset``
  goes sample by sample (its samples are stacked by torch, see :mod:`.collate`), an
  ``IterableDataset`` as a stream.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..backends import backend_of_native
from ..tensor import Tensor
from .batching import ArraySource, BatchedSource, MapSource, StreamSource
from .dataset import Dataset, IterableDataset, TensorDataset, as_host_array

__all__ = ["source_for"]

_EXPECTED = ("expected a NumPy array, a tuple or dict of NumPy arrays, a ut.data.Dataset, "
             "a ut.data.IterableDataset, a tf.data.Dataset, or a torch.utils.data.Dataset "
             "or DataLoader")


def _framework_of(obj: Any) -> str | None:
    """``"torch"`` or ``"tensorflow"`` if a class in ``obj``'s MRO comes from it."""
    for cls in type(obj).__mro__:
        top = cls.__module__.partition(".")[0]
        if top in ("torch", "tensorflow"):
            return top
    return None


def _is_array(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Tensor)) or backend_of_native(x) is not None


class _Rows(Dataset):
    """Arrays seen sample by sample (an array source with a ``collate_fn``)."""

    def __init__(self, source: ArraySource) -> None:
        self.source = source

    def __len__(self) -> int:
        return self.source.num_samples

    def __getitem__(self, i: int) -> Any:
        s = self.source
        if s.kind == "array":
            return s.leaves[0][i]
        if s.kind == "tuple":
            return tuple(a[i] for a in s.leaves)
        return {k: a[i] for k, a in zip(s.keys, s.leaves)}


def _arrays(data: Any) -> np.ndarray | tuple | dict:
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if not _is_array(v):
                raise TypeError(f"DataLoader: data[{k!r}] is a {type(v).__name__}; a dict of "
                                "data must hold NumPy arrays or tensors")
            out[k] = as_host_array(v, "DataLoader")
        if not out:
            raise ValueError("DataLoader: the dict of arrays is empty")
        return out
    if isinstance(data, tuple):
        for i, v in enumerate(data):
            if not _is_array(v):
                raise TypeError(f"DataLoader: data[{i}] is a {type(v).__name__}; a tuple of "
                                "data must hold NumPy arrays or tensors")
        if not data:
            raise ValueError("DataLoader: the tuple of arrays is empty")
        return tuple(as_host_array(v, "DataLoader") for v in data)
    return as_host_array(data, "DataLoader")


def _prebatched(what: str, batch_size: int, shuffle: bool, drop_last: bool,
                collate_fn: Any) -> None:
    if batch_size != 1 or shuffle or drop_last or collate_fn is not None:
        raise ValueError(
            f"DataLoader: a {what} yields whole batches; batch, shuffle and collate in it, "
            "and leave batch_size, shuffle, drop_last and collate_fn at their defaults"
        )


def source_for(data: Any, batch_size: int, shuffle: bool, drop_last: bool,
               collate_fn: Callable[[list[Any]], Any] | None,
               collate: Callable[[list[Any]], Any]) -> Any:
    """The source of batches for ``data`` (``TypeError`` for an unknown kind);
    ``collate`` (the default, used without ``collate_fn``) allocates aligned arrays."""
    fresh = collate_fn is None
    collate = collate_fn or collate
    if isinstance(data, (tuple, dict)) or _is_array(data):
        source = ArraySource(_arrays(data), batch_size, drop_last)
        return source if collate_fn is None else MapSource(_Rows(source), batch_size,
                                                           drop_last, collate_fn)
    if isinstance(data, TensorDataset) and type(data).__getitem__ is TensorDataset.__getitem__:
        if collate_fn is None:
            return ArraySource(data.arrays, batch_size, drop_last)
    if isinstance(data, Dataset):
        return MapSource(data, batch_size, drop_last, collate, fresh)
    if isinstance(data, IterableDataset):
        return _stream(data, batch_size, shuffle, drop_last, collate, fresh)
    framework = _framework_of(data)
    if framework == "torch":
        found = _torch_source(data, batch_size, shuffle, drop_last, collate_fn, collate,
                              fresh)
        if found is not None:
            return found
    elif framework == "tensorflow":
        import tensorflow as tf

        if isinstance(data, tf.data.Dataset):
            _prebatched("tf.data.Dataset", batch_size, shuffle, drop_last, collate_fn)
            return BatchedSource(data, lambda: _tf_length(data))
    raise TypeError(f"DataLoader cannot load data of type {type(data).__name__}; {_EXPECTED}")


def _stream(data: Any, batch_size: int, shuffle: bool, drop_last: bool,
            collate: Callable[[list[Any]], Any], fresh: bool) -> StreamSource:
    if shuffle:
        raise ValueError("DataLoader cannot shuffle an iterable dataset (a stream has no "
                         "indices); shuffle inside the dataset")
    return StreamSource(data, batch_size, drop_last, collate, fresh)


def _torch_source(data: Any, batch_size: int, shuffle: bool, drop_last: bool,
                  collate_fn: Any, collate: Callable[[list[Any]], Any], fresh: bool) -> Any:
    import torch.utils.data as tud

    if isinstance(data, tud.DataLoader):
        _prebatched("torch DataLoader", batch_size, shuffle, drop_last, collate_fn)
        return BatchedSource(data, data.__len__)
    if isinstance(data, tud.IterableDataset):
        return _stream(data, batch_size, shuffle, drop_last, collate, fresh)
    if (type(data) is tud.TensorDataset and collate_fn is None
            and all(t.device.type == "cpu" for t in data.tensors)):
        return ArraySource(tuple(t.detach().numpy() for t in data.tensors), batch_size,
                           drop_last)
    if isinstance(data, tud.Dataset):
        return MapSource(data, batch_size, drop_last, collate, fresh)
    return None


def _tf_length(ds: Any) -> int:
    n = int(ds.cardinality())
    if n < 0:
        raise TypeError("len() of a DataLoader over a tf.data.Dataset needs a dataset of "
                        "known, finite length")
    return n
