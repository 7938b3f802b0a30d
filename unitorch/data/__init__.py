"""``ut.data``: loading data that feeds either backend from any source.

:class:`DataLoader` batches NumPy arrays, unitorch datasets, ``tf.data`` pipelines and
torch datasets or loaders into tensors of the backend active when iteration starts;
a seeded shuffle gives the same order on every backend.  See :mod:`.loader` for the
rules (dtypes, order, copies, prefetching).

Example:
    >>> x = np.random.default_rng(0).standard_normal((100, 3)).astype(np.float32)
    >>> for xb in ut.data.DataLoader(x, batch_size=32, shuffle=True, seed=0):
    ...     pass
    >>> xb.shape
    (4, 3)
"""

from .collate import default_collate
from .combine import ChainDataset, ConcatDataset, Subset, random_split
from .dataset import Dataset, IterableDataset, TensorDataset
from .distributed import shard_order
from .loader import DataLoader
from .order import epoch_order
from .samplers import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .workers import WorkerInfo, get_worker_info

__all__ = ["DataLoader", "Dataset", "IterableDataset", "TensorDataset", "default_collate",
           "epoch_order", "shard_order", "Subset", "ConcatDataset", "ChainDataset",
           "random_split", "Sampler", "SequentialSampler", "RandomSampler",
           "SubsetRandomSampler", "WeightedRandomSampler", "BatchSampler", "WorkerInfo",
           "get_worker_info"]
