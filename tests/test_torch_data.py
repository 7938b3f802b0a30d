"""``unitorch.torch.utils.data`` against ``torch.utils.data``: the same batches for the
same datasets, samplers and arguments (orders drawn at random are checked for what
they promise, not for PyTorch's numbers), worker processes on every backend
(``get_worker_info``, ``worker_init_fn``, iterable datasets split between workers,
errors raised in the loader's process), and PyTorch's errors for bad combinations."""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from torch_compat import front_door, real_torch, same_as_torch, same_error_as_torch

import unitorch as ut


# module-level classes: worker processes started by a fork server unpickle them
class Squares:
    """A map-style dataset of (features, label, worker id) samples (no base class, as
    PyTorch allows)."""

    def __init__(self, n: int = 10) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        info = ut.data.get_worker_info()
        return np.array([i, i * i], dtype=np.float32), i % 3, -1 if info is None else info.id


class Floats(ut.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        return float(i) / 2, {"id": i, "name": f"s{i}"}


class Shards(ut.data.IterableDataset):
    """Each worker yields its share, as PyTorch's documentation shows."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __iter__(self):
        info = ut.data.get_worker_info()
        if info is None:
            return iter(range(self.n))
        return iter(range(info.id, self.n, info.num_workers))


class Failing(ut.data.Dataset):
    def __len__(self) -> int:
        return 6

    def __getitem__(self, i: int):
        if i == 4:
            raise ValueError(f"bad sample {i}")
        return np.float32(i)


class Seeds(ut.data.Dataset):
    def __len__(self) -> int:
        return 4

    def __getitem__(self, i: int):
        info = ut.data.get_worker_info()
        return np.array([info.seed % 1000, int(os.environ.get("UT_INIT", "-1"))])


def mark_init(worker_id: int) -> None:
    os.environ["UT_INIT"] = str(100 + worker_id)


def _batches(loader):
    return [tuple(t.tolist() if hasattr(t, "tolist") else t for t in b)
            if isinstance(b, (tuple, list)) else b.tolist() for b in loader]


def test_sequential_batches_match_pytorch(backends):
    x = np.arange(20, dtype=np.float32).reshape(10, 2)
    y = np.arange(10, dtype=np.int64)

    def load(torch, xs, ys):
        data = torch.utils.data
        ds = data.TensorDataset(xs, ys)
        out = [list(data.DataLoader(ds, batch_size=3)),
               list(data.DataLoader(ds, batch_size=4, drop_last=True)),
               list(data.DataLoader(ds, batch_size=None))[:2],
               list(data.DataLoader(data.Subset(ds, [9, 0, 4]), batch_size=2)),
               list(data.DataLoader(data.ConcatDataset([ds, ds]), batch_size=7)),
               list(data.DataLoader(ds, batch_sampler=data.BatchSampler(
                   data.SequentialSampler(ds), 4, False))),
               list(data.DataLoader(ds, sampler=[3, 1, 2], batch_size=2)),
               len(data.DataLoader(ds, batch_size=3)), len(data.DataLoader(ds, batch_size=3,
                                                                           drop_last=True)),
               len(ds), ds[2], ds.tensors[1]]
        return out

    same_as_torch(backends, load, x, y)


def test_default_collate_follows_pytorch(backends):
    def collate(torch):
        data = torch.utils.data
        batch = data.default_collate([(0.5, 1, True, np.ones(2, np.float32), "a"),
                                      (1.5, 2, False, np.zeros(2, np.float32), "b")])
        nested = list(data.DataLoader(Floats(), batch_size=2))
        return batch, nested, data.default_convert([np.arange(2)])

    same_as_torch(backends, collate)


def test_samplers_match_pytorch_where_determined(backends):
    def sampled(torch):
        data = torch.utils.data
        return (list(data.SequentialSampler(range(4))),
                list(data.BatchSampler(range(7), 3, False)),
                list(data.BatchSampler(range(7), 3, True)),
                len(data.BatchSampler(range(7), 3, False)),
                len(data.RandomSampler(range(5))),
                len(data.RandomSampler(range(5), replacement=True, num_samples=12)),
                sorted(data.RandomSampler(range(5))),
                sorted(data.SubsetRandomSampler([4, 8, 9])),
                list(data.WeightedRandomSampler([0.0, 0.0, 1.0], 3)),
                len(data.WeightedRandomSampler([1.0, 2.0], 7)))

    same_as_torch(backends, sampled)


def test_random_orders_and_splits(backend):
    data = front_door().utils.data
    torch = front_door()
    torch.manual_seed(0)
    orders = [list(data.RandomSampler(range(8))) for _ in range(3)]
    assert all(sorted(o) == list(range(8)) for o in orders) and orders[0] != orders[1]
    torch.manual_seed(0)
    assert [list(data.RandomSampler(range(8))) for _ in range(3)] == orders  # reproducible
    g = torch.Generator().manual_seed(4)
    draws = list(data.RandomSampler(range(3), replacement=True, num_samples=3000, generator=g))
    counts = Counter(draws)
    assert set(counts) == {0, 1, 2} and all(abs(c - 1000) < 120 for c in counts.values())
    huge = iter(data.RandomSampler(range(5), replacement=True, num_samples=10**12))
    assert all(0 <= next(huge) < 5 for _ in range(100))  # drawn lazily
    weighted = Counter(data.WeightedRandomSampler([1.0, 3.0], 4000))
    assert abs(weighted[1] / 4000 - 0.75) < 0.03
    no_repeat = list(data.WeightedRandomSampler([1.0, 1.0, 5.0, 0.0], 3, replacement=False))
    assert sorted(no_repeat) == [0, 1, 2]
    parts = data.random_split(range(10), [0.5, 0.3, 0.2], generator=g)
    assert [len(p) for p in parts] == [5, 3, 2]
    assert sorted(i for p in parts for i in p) == list(range(10))
    assert [len(p) for p in data.random_split(range(5), [0.5, 0.5])] == [3, 2]
    shuffled = data.DataLoader(range(12), batch_size=4, shuffle=True, generator=g)
    epochs = [[i for b in shuffled for i in b.tolist()] for _ in range(2)]
    assert all(sorted(e) == list(range(12)) for e in epochs) and epochs[0] != epochs[1]


def test_shuffled_orders_agree_across_backends(backends):
    torch = front_door()
    out = {}
    for name in backends:
        with ut.use_backend(name):
            torch.manual_seed(3)
            loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(
                torch.arange(10)), batch_size=4, shuffle=True)
            out[name] = [b[0].tolist() for b in loader]
            out[name] += [list(torch.utils.data.RandomSampler(range(6)))]
            out[name] += [list(p) for p in torch.utils.data.random_split(range(6), [4, 2])]
    assert all(v == out[backends[0]] for v in out.values())


def test_bad_combinations_raise_as_pytorch(backends):
    ds = np.arange(6)

    def make(**kwargs):
        return lambda torch, _: torch.utils.data.DataLoader(
            torch.utils.data.TensorDataset(torch.arange(6)), **kwargs)

    for kwargs in ({"sampler": [0, 1], "shuffle": True},
                   {"batch_sampler": [[0, 1]], "batch_size": 2},
                   {"batch_sampler": [[0, 1]], "drop_last": True},
                   {"batch_size": None, "drop_last": True}, {"num_workers": -1},
                   {"timeout": -1}, {"prefetch_factor": 2},
                   {"persistent_workers": True}):
        same_error_as_torch(backends, make(**kwargs), ds, exc=ValueError)


# ---------------------------------------------------------------------------------------
# worker processes (the same batches as without them, on every backend)


def test_workers_give_the_batches_of_one_process(backends):
    torch = front_door()
    for name in backends:
        with ut.use_backend(name):
            data = torch.utils.data
            plain = _batches(data.DataLoader(Squares(), batch_size=3))
            loader = data.DataLoader(Squares(), batch_size=3, num_workers=2,
                                     worker_init_fn=mark_init)
            got = _batches(loader)
            assert [b[:2] for b in got] == [b[:2] for b in plain]
            assert [b[2] for b in plain] == [[-1] * len(b[2]) for b in plain]
            # batches go to the workers in turn: 0, 1, 0, 1
            assert [set(b[2]) for b in got] == [{0}, {1}, {0}, {1}]
            assert len(loader) == 4
            out_of_order = _batches(data.DataLoader(Squares(), batch_size=3, num_workers=2,
                                                    in_order=False))
            assert sorted(b[0][0][0] for b in out_of_order) == [0, 3, 6, 9]
            assert got[0][0][0] == [0.0, 0.0] and data.get_worker_info() is None


def test_workers_seed_and_init_each_process(backends):
    torch = front_door()
    for name in backends:
        with ut.use_backend(name):
            torch.manual_seed(0)
            loader = torch.utils.data.DataLoader(Seeds(), batch_size=1, num_workers=2,
                                                 worker_init_fn=mark_init)
            rows = [b[0].tolist() for b in loader]
            assert [r[1] for r in rows] == [100, 101, 100, 101]
            assert rows[0][0] != rows[1][0]  # each worker its own seed: base + id
            assert (rows[1][0] - rows[0][0]) % 1000 == 1


def test_iterable_datasets_are_split_between_workers(backends):
    torch = front_door()
    for name in backends:
        with ut.use_backend(name):
            data = torch.utils.data
            got = [b.tolist() for b in data.DataLoader(Shards(7), batch_size=2, num_workers=2)]
            assert got == [[0, 2], [1, 3], [4, 6], [5]]
            assert [b.tolist() for b in data.DataLoader(Shards(3), batch_size=2)] == [[0, 1],
                                                                                      [2]]


def test_persistent_workers_serve_every_epoch(backends):
    torch = front_door()
    for name in backends:
        with ut.use_backend(name):
            data = torch.utils.data
            g = torch.Generator().manual_seed(1)
            loader = data.DataLoader(Squares(8), batch_size=4, shuffle=True, num_workers=2,
                                     persistent_workers=True, generator=g)
            epochs = [sorted(i for b in loader for i in b[1].tolist()) for _ in range(3)]
            assert epochs == [sorted(i % 3 for i in range(8))] * 3
            pool = loader._pool
            assert pool is not None and all(p.is_alive() for p in pool.processes)
            stream = data.DataLoader(Shards(5), batch_size=2, num_workers=2,
                                     persistent_workers=True)
            assert [[b.tolist() for b in stream] for _ in range(2)] == [
                [[0, 2], [1, 3], [4]]] * 2
            del loader, stream


def test_a_worker_error_is_raised_in_the_loader(backends):
    torch = front_door()
    for name in backends:
        with ut.use_backend(name):
            loader = torch.utils.data.DataLoader(Failing(), batch_size=2, num_workers=2)
            with pytest.raises(ValueError, match=r"(?s)Caught ValueError in DataLoader worker "
                                                 r"process 0.*bad sample 4"):
                list(loader)


def test_stopping_early_stops_the_workers(backend):
    loader = front_door().utils.data.DataLoader(Squares(100), batch_size=2, num_workers=2)
    it = iter(loader)
    next(it)
    it.close()  # as when a for loop breaks and the iterator is collected
    import gc

    gc.collect()
    children = [p for p in __import__("multiprocessing").active_children()
                if p.name.startswith(("Process", "ForkServerProcess", "SpawnProcess"))]
    assert not [p for p in children if p.is_alive() and p.daemon], children


def test_workers_need_picklable_datasets_on_tensorflow(backends):
    """The rule the docs state: on TensorFlow, workers start from a fork server, so the
    dataset crosses a pipe; a dataset defined in a function cannot (as with PyTorch on
    macOS)."""
    if "tensorflow" not in backends:
        pytest.skip("tensorflow not selected")

    class Local(ut.data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.float32(i)

    with ut.use_backend("tensorflow"):
        with pytest.raises(Exception, match=r"(?i)pickl"):
            list(front_door().utils.data.DataLoader(Local(), num_workers=1))


def test_pytorch_accepts_the_same_programs():
    """The datasets above are valid PyTorch datasets (what the comparisons assume)."""
    torch = real_torch()
    batches = list(torch.utils.data.DataLoader(Squares(4), batch_size=2))
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 0]]
