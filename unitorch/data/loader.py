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
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from ..backends import current
from ..devices import Device, as_device
from .batching import ArraySource
from .collate import collate_aligned
from .convert import Converter
from .distributed import ShardedSource
from .order import epoch_order
from .prefetch import prefetched
from .sources import source_for

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
            ``IterableDataset``, a ``tf.data.Dataset``, a ``torch.utils.data.Dataset``
            or ``DataLoader`` (the last two kinds of already-batched sources need
            ``batch_size``, ``shuffle``, ``drop_last`` and ``collate_fn`` left alone).
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: visit the samples in a new random order each epoch.
        seed: the shuffling seed (an int >= 0); ``None`` draws from unitorch's portable
            random stream, reproducible with ``ut.manual_seed``.
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
    """

    def __init__(self, data: Any, batch_size: int = 1, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False, prefetch: int = 2,
                 device: str | Device | None = None,
                 collate_fn: Callable[[list[Any]], Any] | None = None,
                 shard: tuple[int, int] | str | None = None) -> None:
        self.batch_size = _count(batch_size, "batch_size", 1)
        self.prefetch = _count(prefetch, "prefetch", 0)
        if seed is not None:
            seed = _count(seed, "seed", 0)
        self.seed = seed
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.device = as_device(device)
        self.collate_fn = collate_fn
        self.data = data
        self._source = source_for(data, self.batch_size, self.shuffle, self.drop_last,
                                  collate_fn, collate_aligned)
        self.shard = shard
        if shard is not None:
            if self.shuffle and seed is None:
                raise ValueError("DataLoader with shard= and shuffle=True needs a seed, so "
                                 "that every worker shuffles the same way")
            self._source = ShardedSource(self._source, shard, self.batch_size,
                                         self.drop_last)
        self._epoch = 0

    def __len__(self) -> int:
        return self._source.num_batches()

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

    def __iter__(self) -> Iterator[Any]:
        # Everything that depends on the consumer (backend, device, the order drawn from
        # the random stream) is fixed here, in the consumer's thread, when iteration starts.
        backend = current()
        device = self.device
        if device is None:
            from ..ops.creation import get_default_device

            device = get_default_device(backend)
        convert = Converter(backend, device)
        source = self._source
        order = None
        if self.shuffle:
            order = epoch_order(source.num_samples, self.seed, self._epoch)
        self._epoch += 1
        if self.prefetch == 0 or (device.type == "cpu" and (
                isinstance(source, ArraySource) or getattr(source, "by_slicing", False))):
            # Slicing arrays for the CPU takes microseconds, holding the GIL: a thread
            # would only add its hand-off (tens of microseconds a batch).
            return source.iterate(order, convert)
        return prefetched(lambda: source.iterate(order, convert), self.prefetch, backend.name)

    def __repr__(self) -> str:
        return (f"DataLoader({type(self.data).__name__}, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, seed={self.seed}, drop_last={self.drop_last}, "
                f"prefetch={self.prefetch}, device={self.device}"
                + (f", shard={self.shard!r})" if self.shard is not None else ")"))
