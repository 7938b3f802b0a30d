"""The order in which a loader visits the samples of one epoch.

The rule, the same on every backend (orders are drawn on the host with NumPy):

* ``shuffle=False``: ``0, 1, ..., n - 1``;
* ``shuffle=True`` with ``seed=s``: epoch ``e`` visits ``numpy.random.default_rng([s, e])
  .permutation(n)``; a new permutation each epoch, the same for the same ``(s, e)``,
  whatever the backend, the device or the batch size;
* ``shuffle=True`` without a seed: a permutation drawn from unitorch's portable random
  stream (:mod:`unitorch.random`), so ``ut.manual_seed`` makes a run reproducible, again
  identical on every backend.

The epoch counts the loader's iterations from 0; ``loader.set_epoch(e)`` sets the next
one (as ``torch.utils.data.DistributedSampler.set_epoch``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["epoch_order"]


def epoch_order(n: int, seed: int | None, epoch: int) -> np.ndarray:
    """The permutation of ``range(n)`` (int64) that epoch ``epoch`` visits.

    Example:
        >>> ut.data.epoch_order(5, seed=0, epoch=0).tolist() == (
        ...     np.random.default_rng([0, 0]).permutation(5).tolist())
        True
    """
    if seed is not None:
        return np.random.default_rng([seed, epoch]).permutation(n)
    from ..random import _portable_lock, _portable_numpy

    with _portable_lock():
        return _portable_numpy().permutation(n)
