"""The :class:`DataLoader`: batches from any source, as tensors of the active backend.

What it accepts, what it yields, and the rules that make both backends see the same
data:

* **Sources**: a NumPy array, or a tuple or dict of NumPy arrays (unitorch or native
  tensors are accepted too, taken to the host once), batched by slicing with no Python
  per sample; a :class:`~unitorch.data.Dataset` (map-style) or
  :class:`~unitorch.data.IterableDataset`; a ``torch.utils.data.Dataset`` or
  ``IterableDataset``; and sources that batch by themselves, a ``tf.data.Dataset`` or a
  ``torch.utils.data.DataLoader``, whose elements are taken as batches (see
  :mod:`unitorch.data.sources`).  Either framework's source feeds either backend.
* **Batches** are nested like the samples (tuples, lists, dicts) with tensors of the
  backend **active when the iteration starts**, on ``device`` (default: unitorch's
  default device).  Dtypes are kept: float64 arrays give float64 tensors.  Python floats
  in samples follow unitorch's default float dtype (float32 unless changed), Python ints
  give int64.
* **Order**: in order unless ``shuffle``; shuffled orders are drawn by NumPy on the host,
  so a seed gives the same order on every backend; see :mod:`unitorch.data.order` for
  the rule (a new permutation each epoch, derived from ``seed`` and the epoch;
  :meth:`DataLoader.set_epoch`).
* **Copies**: an unshuffled batch of a C-contiguous NumPy array is a view of it, shared
  by the torch backend's CPU tensor (no copy at all); a shuffled batch is gathered (one
  copy); TensorFlow always copies NumPy data into its own buffer (one copy); tensors of
  the other framework cross through DLPack, without a copy where they can.
* **Prefetching**: with ``prefetch > 0`` a background thread prepares up to that many
  batches ahead (see :mod:`unitorch.data.prefetch`); ``prefetch=0`` prepares each batch
  when asked, in the consumer's thread.  Arrays batched for the CPU are always sliced in
  the consumer's thread: a batch takes microseconds, holding the GIL, and handing it over
  from a thread would cost more than making it (tens of microseconds).
* **PyTorch's arguments**: ``sampler`` (an iterable of indices, see
  :mod:`unitorch.data.samplers`), ``batch_sampler`` (of lists of indices),
  ``batch_size=None`` (no batching: each sample converted on its own), ``generator``
  (a :class:`unitorch.random.Generator` for the shuffled order and the workers'
  seeds), ``num_workers`` with ``worker_init_fn``, ``prefetch_factor``,
  ``persistent_workers``, ``timeout``, ``multiprocessing_context`` and ``in_order``
  (worker processes: see :mod:`unitorch.data.workers`), and ``pin_memory`` (accepted:
  batches go to ``device`` anyway).  They combine as in PyTorch, with its errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..backends import current
from ..devices import Device, as_device
from ..random import Generator, _portable_lock, _portable_numpy
from .batching import ArraySource, StreamSource
from .collate import collate_aligned, default_collate
from .convert import Converter
from .dataset import IterableDataset
from .distributed import ShardedSource
from .order import epoch_order
from .prefetch import prefetched
from .samplers import BatchSampler, Sampler, SequentialSampler
from .sources import _arrays, _framework_of, _is_array, _Rows, source_for
from .workers import WorkerPool

__all__ = ["DataLoader"]


def _count(value: Any, what: str, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        bound = "a positive integer" if low == 1 else "an integer >= 0"
        raise ValueError(f"DataLoader {what} must be {bound}, got {value!r}")
    return int(value)


class DataLoader:
    """Iterate over ``data`` in batches of tensors of the active backend.

    Args:
        data: a NumPy array or a tuple/dict of them, a ``ut.data.Dataset`` or
            ``IterableDataset`` (or any object with ``__getitem__`` and ``__len__``), a
            ``tf.data.Dataset``, a ``torch.utils.data.Dataset`` or ``DataLoader`` (the
            last two kinds of already-batched sources need ``batch_size``, ``shuffle``,
            ``drop_last`` and ``collate_fn`` left alone).
        batch_size: samples per batch (the last batch may be smaller); ``None``: no
            batching, each sample converted on its own.
        shuffle: visit the samples in a new random order each epoch.
        seed: the shuffling seed (an int >= 0); ``None`` draws from ``generator`` or
            unitorch's portable random stream, reproducible with ``ut.manual_seed``.
        drop_last: drop the last batch if it is smaller than ``batch_size``.
        prefetch: batches prepared ahead in a background thread (0: none, no thread).
        device: where the tensors go (default: unitorch's default device).
        collate_fn: combines a list of samples into a batch (default:
            :func:`unitorch.data.default_collate`); with arrays, it makes the loader go
            sample by sample.
        shard: ``(rank, world_size)``, or ``"auto"`` for the group of
            :mod:`unitorch.distributed`: visit only this worker's share of each epoch
            (see :mod:`unitorch.data.distributed` for the rule; ``shuffle`` then needs a
            ``seed``, so that every worker draws the same permutation).
        sampler: an iterable of indices, the visiting order (PyTorch's).
        batch_sampler: an iterable of lists of indices, one per batch (PyTorch's).
        num_workers: worker processes (0: load in this process); see
            :mod:`unitorch.data.workers` for them and ``worker_init_fn``,
            ``prefetch_factor``, ``persistent_workers``, ``timeout``,
            ``multiprocessing_context`` and ``in_order``.
        generator: a :class:`unitorch.random.Generator` for the shuffled order and the
            workers' seeds.
        pin_memory: accepted (batches go to ``device`` anyway).

    ``len(loader)`` is the number of batches per epoch; each ``for`` loop over the
    loader is one epoch.

    Example:
        >>> x = np.arange(10, dtype=np.float32).reshape(5, 2)
        >>> y = np.arange(5)
        >>> [(xb.shape, yb.tolist()) for xb, yb in ut.data.DataLoader((x, y), batch_size=2)]
        [((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]
        >>> loader = ut.data.DataLoader(y, batch_size=5, shuffle=True, seed=0)
        >>> sorted(next(iter(loader)).tolist())
        [0, 1, 2, 3, 4]
        >>> sampler = ut.data.BatchSampler(ut.data.SequentialSampler(y), 2, True)
        >>> [b.tolist() for b in ut.data.DataLoader(y, batch_sampler=sampler)]
        [[0, 1], [2, 3]]
    """

    #: What batches the samples when no ``collate_fn`` is given: one for the loader's
    #: batching of datasets (allocating 64-byte aligned arrays), one for the sampler path
    #: (the front door ``unitorch.torch`` changes both to PyTorch's rule for Python floats)
    _default_collate = staticmethod(collate_aligned)
    _sampler_collate = staticmethod(default_collate)

    def __init__(self, data: Any, batch_size: int | None = 1, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False, prefetch: int = 2,
                 device: str | Device | None = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 shard: tuple[int, int] | str | None = None, *,
                 sampler: Any = None, batch_sampler: Any = None, num_workers: int = 0,
                 worker_init_fn: Callable[[int], None] | None = None,
                 generator: Generator | None = None, pin_memory: bool = False,
                 timeout: float = 0, persistent_workers: bool = False,
                 prefetch_factor: int | None = None, multiprocessing_context: Any = None,
                 in_order: bool = True) -> None:
        _check_torch_arguments(data, batch_size, shuffle, drop_last, sampler, batch_sampler,
                               num_workers, timeout, persistent_workers, prefetch_factor)
        if batch_sampler is not None:
            batch_size = None if batch_size in (1, None) else batch_size
        self.batch_size = None if batch_size is None else _count(batch_size, "batch_size", 1)
        self.prefetch = _count(prefetch, "prefetch", 0)
        if seed is not None:
            seed = _count(seed, "seed", 0)
        self.seed = seed
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.device = as_device(device)
        self.collate_fn = collate_fn
        self.data = data
        self.generator = generator
        self.num_workers = int(num_workers)
        self.worker_init_fn = worker_init_fn
        self.pin_memory = bool(pin_memory)
        self.timeout = float(timeout)
        self.persistent_workers = bool(persistent_workers)
        self.prefetch_factor = 2 if prefetch_factor is None else int(prefetch_factor)
        self.multiprocessing_context = multiprocessing_context
        self.in_order = bool(in_order)
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self._pool: WorkerPool | None = None
        self._iterable = _is_iterable(data)
        self._sampled = (sampler is not None or batch_sampler is not None
                         or batch_size is None or self.num_workers > 0)
        self.shard = shard
        if self._sampled:
            if shard is not None:
                raise ValueError("DataLoader shard= works with the loader's own batching; "
                                 "not with sampler, batch_sampler, num_workers or "
                                 "batch_size=None")
            self._source = None
            self._map = None if self._iterable else _map_style(data)
            if self._map is not None and self.batch_sampler is None:
                if self.sampler is None:
                    self.sampler = _ShuffledSampler(self) if self.shuffle else \
                        SequentialSampler(self._map)
                if self.batch_size is not None:
                    self.batch_sampler = BatchSampler(self.sampler, self.batch_size,
                                                      self.drop_last)
        else:
            self._source = source_for(data, self.batch_size, self.shuffle, self.drop_last,
                                      collate_fn, self._default_collate)
            if shard is not None:
                if self.shuffle and seed is None:
                    raise ValueError("DataLoader with shard= and shuffle=True needs a seed, "
                                     "so that every worker shuffles the same way")
                self._source = ShardedSource(self._source, shard, self.batch_size,
                                             self.drop_last)
        self._epoch = 0

    @property
    def dataset(self) -> Any:
        """What the loader loads (PyTorch's name for ``data``)."""
        return self.data

    def __len__(self) -> int:
        if self._source is not None:
            return self._source.num_batches()
        if self._iterable:
            return StreamSource(self.data, self.batch_size or 1, self.drop_last,
                                self._sampler_collate).num_batches()
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    @property
    def epoch(self) -> int:
        """The epoch the next iteration will be (it counts iterations from 0)."""
        return self._epoch

    def set_epoch(self, epoch: int) -> None:
        """Make the next iteration epoch ``epoch`` (its shuffled order depends on it).

        Example:
            >>> loader = ut.data.DataLoader(np.arange(6), batch_size=6, shuffle=True, seed=1)
            >>> first = next(iter(loader)).tolist()
            >>> loader.set_epoch(0)
            >>> next(iter(loader)).tolist() == first
            True
        """
        self._epoch = _count(epoch, "epoch", 0)

    def _order(self, n: int) -> Any:
        """The shuffled visiting order of this epoch (see :mod:`unitorch.data.order`;
        ``generator`` draws it when there is no seed)."""
        if self.seed is None and self.generator is not None:
            with _portable_lock(self.generator):
                return _portable_numpy(self.generator).permutation(n)
        return epoch_order(n, self.seed, self._epoch)

    def __iter__(self) -> Iterator[Any]:
        # Everything that depends on the consumer (backend, device, the order drawn from
        # the random stream) is fixed here, in the consumer's thread, when iteration starts.
        backend = current()
        device = self.device
        if device is None:
            from ..ops.creation import get_default_device

            device = get_default_device(backend)
        convert = Converter(backend, device)
        if self._sampled:
            return self._sampled_batches(backend, convert)
        source = self._source
        order = None
        if self.shuffle:
            order = self._order(source.num_samples)
        self._epoch += 1
        if self.prefetch == 0 or (device.type == "cpu" and (
                isinstance(source, ArraySource) or getattr(source, "by_slicing", False))):
            # Slicing arrays for the CPU takes microseconds, holding the GIL: a thread
            # would only add its hand-off (tens of microseconds a batch).
            return source.iterate(order, convert)
        return prefetched(lambda: source.iterate(order, convert), self.prefetch, backend.name)

    def _sampled_batches(self, backend: Any, convert: Converter) -> Iterator[Any]:
        """Batches of the sampler path (samplers, batch samplers, workers)."""
        requests = None if self._iterable else iter(
            self.batch_sampler if self.batch_sampler is not None else self.sampler)
        collate = self.collate_fn
        if collate is None and (self.batch_size is not None or self.batch_sampler is not None):
            collate = self._sampler_collate
        fresh = self.collate_fn is None
        self._epoch += 1
        if self.num_workers == 0:
            return self._in_process(requests, collate, convert, fresh)
        pool = self._pool
        if pool is None or pool.closed:
            with _portable_lock(self.generator):
                base_seed = int(_portable_numpy(self.generator).integers(0, 2**62))
            pool = WorkerPool(
                backend=backend, dataset=self.data if self._iterable else self._map,
                iterable=self._iterable, num_workers=self.num_workers, collate=collate,
                host_collate=self.collate_fn is None,
                batched=self.batch_size is not None or self.batch_sampler is not None,
                batch_size=self.batch_size,
                drop_last=self.drop_last, base_seed=base_seed,
                worker_init_fn=self.worker_init_fn, context=self.multiprocessing_context,
                timeout=self.timeout, prefetch_factor=self.prefetch_factor,
                in_order=self.in_order)
            if self.persistent_workers:
                self._pool = pool
        elif self._iterable:
            pool.restart_streams()
        return self._from_workers(pool, requests, convert, fresh)

    def _in_process(self, requests: Any, collate: Any, convert: Converter, fresh: bool
                    ) -> Iterator[Any]:
        if self._iterable:
            for batch in _stream_batches(self.data, self.batch_size, self.drop_last,
                                         collate):
                yield convert(batch, fresh)
            return
        data = self._map
        getitems = getattr(data, "__getitems__", None)
        for request in requests:
            if self.batch_size is None and self.batch_sampler is None:
                sample = data[request]
                yield convert(sample if self.collate_fn is None else collate(sample))
                continue
            samples = getitems(list(request)) if getitems else [data[i] for i in request]
            yield convert(collate(samples), fresh)

    def _from_workers(self, pool: WorkerPool, requests: Any, convert: Converter,
                      fresh: bool) -> Iterator[Any]:
        try:
            for batch in pool.batches(requests):
                yield convert(batch, True)
        finally:
            if not self.persistent_workers:
                pool.close()

    def __del__(self) -> None:
        pool = getattr(self, "_pool", None)
        if pool is not None:
            pool.close()

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.data).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, "
                f"prefetch={self.prefetch}, device={self.device}"
                + (f", shard={self.shard!r}" if self.shard is not None else "")
                + (f", num_workers={self.num_workers}" if self.num_workers else "") + ")")


def _check_torch_arguments(data: Any, batch_size: Any, shuffle: Any, drop_last: Any,
                           sampler: Any, batch_sampler: Any, num_workers: Any, timeout: Any,
                           persistent_workers: Any, prefetch_factor: Any) -> None:
    """PyTorch's rules for combining its arguments, with its messages."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, int) or num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to "
                         "disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                         "let num_workers > 0 to enable multiprocessing, otherwise set "
                         "prefetch_factor to None.")
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")
    if _is_iterable(data):
        if shuffle:
            raise ValueError("DataLoader cannot shuffle an iterable dataset (a stream has no "
                             "indices); shuffle inside the dataset")
        if sampler is not None:
            raise ValueError("DataLoader with IterableDataset: expected unspecified sampler "
                             f"option, but got sampler={sampler}")
        if batch_sampler is not None:
            raise ValueError("DataLoader with IterableDataset: expected unspecified "
                             f"batch_sampler option, but got batch_sampler={batch_sampler}")
    if sampler is not None and shuffle:
        raise ValueError("sampler option is mutually exclusive with shuffle")
    if batch_sampler is not None and (batch_size not in (1, None) or shuffle
                                      or sampler is not None or drop_last):
        raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                         "shuffle, sampler, and drop_last")
    if batch_size is None and drop_last:
        raise ValueError("batch_size=None option disables auto-batching and is mutually "
                         "exclusive with drop_last")


def _is_iterable(data: Any) -> bool:
    if isinstance(data, IterableDataset):
        return True
    if _framework_of(data) == "torch":
        import torch.utils.data as tud

        return isinstance(data, tud.IterableDataset)
    return False


def _map_style(data: Any) -> Any:
    """``data`` as something indexable sample by sample (arrays through ``_Rows``)."""
    if isinstance(data, (tuple, dict)) or _is_array(data):
        return _Rows(ArraySource(_arrays(data), 1, False))
    if not (hasattr(data, "__getitem__") and hasattr(data, "__len__")):
        raise TypeError(f"DataLoader with a sampler or workers needs a map-style dataset "
                        f"(__getitem__ and __len__) or an IterableDataset, got "
                        f"{type(data).__name__}")
    return data


def _stream_batches(data: Any, batch_size: int | None, drop_last: bool,
                    collate: Any) -> Iterator[Any]:
    if batch_size is None:
        for sample in data:
            yield sample if collate is None else collate(sample)
        return
    batch: list[Any] = []
    for sample in data:
        batch.append(sample)
        if len(batch) == batch_size:
            yield collate(batch)
            batch = []
    if batch and not drop_last:
        yield collate(batch)


class _ShuffledSampler(Sampler):
    """The loader's own shuffled order as a sampler (for ``shuffle=True`` on the sampler
    path): the order :meth:`DataLoader._order` draws for the epoch."""

    def __init__(self, loader: DataLoader) -> None:
        self.loader = loader

    def __iter__(self) -> Iterator[int]:
        loader = self.loader
        n = len(loader._map)
        epoch = loader._epoch - 1  # the loader counts the epoch when its iteration starts
        if loader.seed is not None:
            return iter(epoch_order(n, loader.seed, epoch).tolist())
        return iter(loader._order(n).tolist())

    def __len__(self) -> int:
        return len(self.loader._map)
