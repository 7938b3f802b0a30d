"""ut.data: batches equal to NumPy slicing on every backend, seeded orders identical across
backends, zero-copy where promised, prefetching (backend, exceptions, no leaked threads),
and tf.data / torch sources feeding either backend."""

from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import subprocess
import sys
import threading
from collections import namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut

from support import same_error

THREAD = "unitorch-data-prefetch"


def prefetch_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == THREAD]


def assert_tensor(t, backend: str, expected: np.ndarray, dtype: ut.DType) -> None:
    assert isinstance(t, ut.Tensor), type(t)
    assert t.backend == backend
    assert t.dtype is dtype, (t.dtype, dtype)
    assert t.device == ut.get_default_device()
    np.testing.assert_array_equal(t.numpy(), expected)


def expected_order(n: int, shuffle: bool, seed: int | None, epoch: int) -> np.ndarray:
    if not shuffle:
        return np.arange(n)
    return np.random.default_rng([seed, epoch]).permutation(n)


def other(name: str) -> str:
    return "tensorflow" if name == "torch" else "torch"


@contextlib.contextmanager
def process_default(name: str):
    """Make ``name`` the process-wide default backend (what new threads start on)."""
    from unitorch.backends import _process_default, current

    previous = _process_default[0] if _process_default else current()
    # set_backend() also changes the caller's context; in an empty context it changes
    # only the process-wide default
    contextvars.Context().run(ut.set_backend, name)
    try:
        yield
    finally:
        _process_default[0] = previous


# ---------------------------------------------------------------------------------------
# arrays


@given(n=st.integers(0, 40), batch_size=st.integers(1, 12), drop_last=st.booleans(),
       shuffle=st.booleans(), seed=st.integers(0, 2**32), kind=st.sampled_from(
           ["array", "tuple", "dict"]), prefetch=st.sampled_from([0, 2]))
def test_array_batches_match_numpy_slicing(backend, n, batch_size, drop_last, shuffle, seed,
                                           kind, prefetch):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3, 2)).astype(np.float32)
    y = rng.integers(0, 100, n)
    data = {"array": x, "tuple": (x, y), "dict": {"x": x, "y": y}}[kind]
    loader = ut.data.DataLoader(data, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                drop_last=drop_last, prefetch=prefetch)
    order = expected_order(n, shuffle, seed, 0)
    stop = n - n % batch_size if drop_last else n
    starts = list(range(0, stop, batch_size))
    batches = list(loader)
    assert len(batches) == len(starts) == len(loader)
    for s, b in zip(starts, batches):
        rows = order[s:s + batch_size]
        if kind == "array":
            assert_tensor(b, backend, x[rows], ut.float32)
        elif kind == "tuple":
            assert type(b) is tuple and len(b) == 2
            assert_tensor(b[0], backend, x[rows], ut.float32)
            assert_tensor(b[1], backend, y[rows], ut.int64)
        else:
            assert list(b) == ["x", "y"]
            assert_tensor(b["x"], backend, x[rows], ut.float32)
            assert_tensor(b["y"], backend, y[rows], ut.int64)


@pytest.mark.parametrize("np_dtype, dtype", [
    (np.float64, ut.float64), (np.float32, ut.float32), (np.float16, ut.float16),
    (np.int32, ut.int32), (np.int8, ut.int8), (np.uint8, ut.uint8), (np.bool_, ut.bool),
    (np.complex64, ut.complex64), (np.uint16, ut.uint16), (np.uint64, ut.uint64),
])
@pytest.mark.parametrize("shuffle", [False, True])
def test_array_dtypes_are_kept(backend, np_dtype, dtype, shuffle):
    x = (np.arange(20).reshape(10, 2) % 7).astype(np_dtype)
    batches = list(ut.data.DataLoader(x, batch_size=4, shuffle=shuffle, seed=3))
    order = expected_order(10, shuffle, 3, 0)
    for i, b in enumerate(batches):
        assert_tensor(b, backend, x[order[4 * i:4 * i + 4]], dtype)


def test_unsupported_array_dtype_is_refused(backends):
    same_error(backends, ut.DTypeError,
               lambda: ut.data.DataLoader(np.zeros(3, "datetime64[s]")), match="datetime64")
    same_error(backends, ut.DTypeError, lambda: ut.data.DataLoader(np.array(["a", "b"])))


def test_order_is_the_same_on_every_backend(backends):
    y = np.arange(103)
    orders = {}
    for name in backends:
        with ut.use_backend(name):
            loader = ut.data.DataLoader(y, batch_size=10, shuffle=True, seed=7)
            orders[name] = [np.concatenate([b.numpy() for b in loader]) for _ in range(3)]
    for epoch in range(3):
        expected = expected_order(103, True, 7, epoch)
        for name in backends:
            np.testing.assert_array_equal(orders[name][epoch], expected, err_msg=name)


def test_each_epoch_reshuffles_and_set_epoch_repeats(backend):
    loader = ut.data.DataLoader(np.arange(50), batch_size=50, shuffle=True, seed=1)
    e0, e1, e2 = (next(iter(loader)).numpy() for _ in range(3))
    assert loader.epoch == 3
    assert not np.array_equal(e0, e1) and not np.array_equal(e1, e2)
    for e in (e0, e1, e2):
        np.testing.assert_array_equal(np.sort(e), np.arange(50))
    loader.set_epoch(1)
    np.testing.assert_array_equal(next(iter(loader)).numpy(), e1)
    loader.set_epoch(0)
    np.testing.assert_array_equal(next(iter(loader)).numpy(), e0)
    # the order depends on the seed and the epoch only, not on the batch size
    other_size = ut.data.DataLoader(np.arange(50), batch_size=7, shuffle=True, seed=1)
    np.testing.assert_array_equal(np.concatenate([b.numpy() for b in other_size]), e0)


def test_unseeded_shuffle_follows_manual_seed_on_every_backend(backends):
    orders = []
    for name in backends:
        with ut.use_backend(name):
            for _ in range(2):
                ut.manual_seed(123)
                loader = ut.data.DataLoader(np.arange(40), batch_size=40, shuffle=True)
                orders.append([next(iter(loader)).numpy() for _ in range(2)])
    for o in orders[1:]:
        np.testing.assert_array_equal(o[0], orders[0][0])
        np.testing.assert_array_equal(o[1], orders[0][1])
    assert not np.array_equal(orders[0][0], orders[0][1])  # epochs differ
    ut.manual_seed(124)
    loader = ut.data.DataLoader(np.arange(40), batch_size=40, shuffle=True)
    assert not np.array_equal(next(iter(loader)).numpy(), orders[0][0])


def test_iteration_restarts_each_epoch(backend):
    x = np.arange(10.0)
    loader = ut.data.DataLoader(x, batch_size=3)
    for _ in range(3):
        got = [b.numpy() for b in loader]
        assert [len(g) for g in got] == [3, 3, 3, 1]
        np.testing.assert_array_equal(np.concatenate(got), x)
    assert len(ut.data.DataLoader(x, batch_size=3, drop_last=True)) == 3
    assert [len(b.numpy()) for b in ut.data.DataLoader(x, batch_size=3, drop_last=True)] == \
        [3, 3, 3]


def test_explicit_device(backend):
    batch = next(iter(ut.data.DataLoader(np.ones((4, 2)), batch_size=2, device="cpu")))
    assert batch.device == "cpu"


@pytest.mark.gpu
@pytest.mark.parametrize("source", ["arrays", "dataset"])
def test_batches_on_the_gpu(backend, source):
    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    # both go through the prefetch thread (arrays do when bound for a GPU)
    data = (x, np.arange(20)) if source == "arrays" else Records(20)
    for shuffle in (False, True):
        loader = ut.data.DataLoader(data, batch_size=8, shuffle=shuffle, seed=0, device="gpu")
        order = expected_order(20, shuffle, 0, 0)
        for k, b in enumerate(loader):
            rows = order[8 * k:8 * k + 8]
            first = b[0] if source == "arrays" else b["a"]
            assert first.device == "gpu:0"
            expected = x[rows] if source == "arrays" else np.repeat(rows[:, None], 2, 1)
            np.testing.assert_array_equal(first.numpy(), expected)
    assert not prefetch_threads()


# ---------------------------------------------------------------------------------------
# copies


def test_unshuffled_batches_share_memory_on_torch(backends):
    if "torch" not in backends:
        pytest.skip("needs the torch backend")
    with ut.use_backend("torch"):
        x = np.arange(60, dtype=np.float32).reshape(20, 3)
        y = np.arange(20)
        for b in ut.data.DataLoader((x, y), batch_size=6):
            assert np.shares_memory(b[0].numpy(), x)
            assert np.shares_memory(b[1].numpy(), y)
        for b in ut.data.DataLoader(ut.data.TensorDataset(x), batch_size=6):
            assert np.shares_memory(b[0].numpy(), x)


def test_shuffled_batches_are_copies(backend):
    x = np.arange(60, dtype=np.float32).reshape(20, 3)
    keep = x.copy()
    batches = list(ut.data.DataLoader(x, batch_size=6, shuffle=True, seed=0))
    x[:] = -1  # the batches were gathered: changing the source changes none of them
    order = expected_order(20, True, 0, 0)
    for i, b in enumerate(batches):
        np.testing.assert_array_equal(b.numpy(), keep[order[6 * i:6 * i + 6]])


# ---------------------------------------------------------------------------------------
# datasets


class Records(ut.data.Dataset):
    """Dict samples mixing Python numbers, NumPy arrays and scalars."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        if i >= self.n:
            raise IndexError(i)
        return {"f": i / 4, "i": i, "b": i % 2 == 0, "a": np.full((2,), i, np.float64),
                "s": np.float32(i), "pair": (i, -i), "name": f"r{i}"}


@pytest.mark.parametrize("prefetch", [0, 2])
def test_map_dataset_collates_like_the_samples(backend, prefetch):
    loader = ut.data.DataLoader(Records(7), batch_size=3, shuffle=True, seed=5,
                                prefetch=prefetch)
    order = expected_order(7, True, 5, 0)
    batches = list(loader)
    assert len(batches) == len(loader) == 3
    for k, b in enumerate(batches):
        idx = order[3 * k:3 * k + 3]
        assert_tensor(b["f"], backend, idx / 4, ut.get_default_dtype())  # Python floats
        assert_tensor(b["i"], backend, idx, ut.int64)
        assert_tensor(b["b"], backend, idx % 2 == 0, ut.bool)
        assert_tensor(b["a"], backend, np.repeat(idx[:, None], 2, 1), ut.float64)
        assert_tensor(b["s"], backend, idx, ut.float32)
        assert type(b["pair"]) is tuple
        assert_tensor(b["pair"][1], backend, -idx, ut.int64)
        assert b["name"] == [f"r{i}" for i in idx]


def test_python_floats_follow_the_default_dtype(backend):
    previous = ut.get_default_dtype()
    ut.set_default_dtype(ut.float64)
    try:
        batch = next(iter(ut.data.DataLoader(Records(4), batch_size=4)))
    finally:
        ut.set_default_dtype(previous)
    assert_tensor(batch["f"], backend, np.arange(4) / 4, ut.float64)


def test_getitems_and_named_tuples(backend):
    Pair = namedtuple("Pair", "x y")

    class Batched(ut.data.Dataset):
        def __init__(self):
            self.calls = []

        def __len__(self):
            return 10

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [Pair(np.float32(i), i) for i in indices]

    ds = Batched()
    batches = list(ut.data.DataLoader(ds, batch_size=4, prefetch=0))
    assert ds.calls == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert type(batches[0]) is Pair
    assert_tensor(batches[2].x, backend, np.array([8, 9], np.float32), ut.float32)


def test_collate_fn_and_shape_errors(backend):
    x = np.arange(12.0).reshape(6, 2)
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return np.stack(samples) * 2

    out = list(ut.data.DataLoader(x, batch_size=4, collate_fn=collate))
    assert seen == [4, 2]
    assert_tensor(out[1], backend, x[4:] * 2, ut.float64)

    class Ragged(ut.data.Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, i):
            return np.zeros(i + 1)

    with pytest.raises(ut.ShapeError, match=r"\(1,\) and \(2,\) cannot be stacked"):
        list(ut.data.DataLoader(Ragged(), batch_size=2))


def test_tensor_samples_of_either_backend(backend, backends):
    for source in backends:
        with ut.use_backend(source):
            xs = ut.asarray(np.arange(12, dtype=np.float32).reshape(6, 2))

        class Tensors(ut.data.Dataset):
            def __init__(self, xs):
                self.xs = xs

            def __len__(self):
                return 6

            def __getitem__(self, i):
                return self.xs[i], i

        for b in ut.data.DataLoader(Tensors(xs), batch_size=4, prefetch=0):
            assert b[0].backend == backend
        assert_tensor(b[0], backend, np.array([[8, 9], [10, 11]], np.float32), ut.float32)

        ds = ut.data.TensorDataset(xs, np.arange(6))
        assert len(ds) == 6 and ds[2][0].backend == backend
        last = list(ut.data.DataLoader(ds, batch_size=4))[-1]
        assert_tensor(last[1], backend, np.array([4, 5]), ut.int64)


class Stream(ut.data.IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter([(np.float32(i), i) for i in range(self.n)])


def test_iterable_dataset(backend):
    got = list(ut.data.DataLoader(Stream(7), batch_size=3))
    assert [b[1].numpy().tolist() for b in got] == [[0, 1, 2], [3, 4, 5], [6]]
    got = list(ut.data.DataLoader(Stream(7), batch_size=3, drop_last=True))
    assert [b[1].numpy().tolist() for b in got] == [[0, 1, 2], [3, 4, 5]]
    assert_tensor(got[0][0], backend, np.arange(3, dtype=np.float32), ut.float32)
    with pytest.raises(TypeError, match="define __len__"):
        len(ut.data.DataLoader(Stream(7), batch_size=3))


# ---------------------------------------------------------------------------------------
# prefetching


class Spy(ut.data.Dataset):
    """Records the backend and the thread each sample was made on; fails at ``fail_at``."""

    def __init__(self, n, fail_at=None):
        self.n, self.fail_at, self.seen = n, fail_at, []

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        self.seen.append((ut.get_backend(), threading.current_thread().name))
        if i == self.fail_at:
            raise KeyError(f"sample {i} is broken")
        return ut.asarray(np.float32(i)), np.full(2, i)


def test_prefetch_thread_uses_the_consumers_backend(backend):
    ds = Spy(10)
    with process_default(other(backend)):
        assert ut.get_backend() == backend
        batches = list(ut.data.DataLoader(ds, batch_size=3, prefetch=2))
    assert {s for s in ds.seen} == {(backend, THREAD)}
    for b in batches:
        assert b[0].backend == b[1].backend == backend
    assert_tensor(batches[-1][0], backend, np.array([9], np.float32), ut.float32)
    assert not prefetch_threads()


def test_prefetch_zero_runs_in_the_consumers_thread(backend):
    ds = Spy(5)
    list(ut.data.DataLoader(ds, batch_size=2, prefetch=0))
    assert {s[1] for s in ds.seen} == {threading.current_thread().name}


@pytest.mark.parametrize("prefetch", [0, 1, 3])
def test_worker_exceptions_reach_the_consumer(backend, prefetch):
    loader = ut.data.DataLoader(Spy(10, fail_at=7), batch_size=2, prefetch=prefetch)
    got = []
    with pytest.raises(KeyError, match="sample 7 is broken"):
        for b in loader:
            got.append(b[1].numpy()[:, 0].tolist())
    assert got == [[0, 1], [2, 3], [4, 5]]  # every batch before the broken one
    assert not prefetch_threads()


def test_abandoned_loops_leave_no_thread(backend):
    loader = ut.data.DataLoader(Spy(100), batch_size=2, prefetch=2)
    for _ in loader:
        assert len(prefetch_threads()) == 1
        break
    assert not prefetch_threads()

    it = iter(loader)
    next(it)
    del it
    gc.collect()
    assert not prefetch_threads()

    with pytest.raises(RuntimeError, match="stop"):
        for _ in loader:
            raise RuntimeError("stop")
    assert not prefetch_threads()

    it = iter(loader)
    next(it)
    it.close()
    assert not prefetch_threads()
    # and the loader still works after all that
    assert len(list(loader)) == 50


def test_arrays_for_the_cpu_need_no_thread(backend):
    started = []
    for _ in ut.data.DataLoader(np.zeros((10, 2)), batch_size=2, prefetch=2):
        started.append(len(prefetch_threads()))
    assert started == [0] * 5


# ---------------------------------------------------------------------------------------
# tf.data and torch sources, either way


def _need_both(backends):
    if set(backends) != {"torch", "tensorflow"}:
        pytest.skip("needs both backends")


def test_tf_data_feeds_the_torch_backend(backends):
    _need_both(backends)
    import tensorflow as tf

    x = np.arange(40, dtype=np.float32).reshape(20, 2)
    y = np.arange(20)
    ds = (tf.data.Dataset.from_tensor_slices((x, y))
          .map(lambda a, b: {"x": a * 2.0, "y": b + 1}).batch(6).prefetch(1))
    for name in ("torch", "tensorflow"):  # torch: the crossing; tensorflow: at home
        with ut.use_backend(name):
            loader = ut.data.DataLoader(ds)
            assert len(loader) == 4
            for _ in range(2):  # restartable
                batches = list(loader)
                assert len(batches) == 4
                for k, b in enumerate(batches):
                    rows = slice(6 * k, 6 * k + 6)
                    assert_tensor(b["x"], name, x[rows] * 2, ut.float32)
                    assert_tensor(b["y"], name, y[rows] + 1, ut.int64)
                    assert type(b["x"].native).__module__.startswith(name)


def test_torch_sources_feed_the_tensorflow_backend(backends):
    _need_both(backends)
    import torch
    import torch.utils.data as tud

    class Squares(tud.Dataset):
        def __len__(self):
            return 9

        def __getitem__(self, i):
            return torch.tensor([i, i * i], dtype=torch.float64), i

    made = []

    def record(samples):
        batch = tud.default_collate(samples)
        made.append(batch[0])
        return batch

    x = np.array([[i, i * i] for i in range(9)], np.float64)
    for name in ("tensorflow", "torch"):  # tensorflow: the crossing; torch: at home
        made.clear()
        with ut.use_backend(name):
            for source in (Squares(),
                           tud.DataLoader(Squares(), batch_size=4, collate_fn=record)):
                loader = ut.data.DataLoader(source, batch_size=4) if isinstance(
                    source, Squares) else ut.data.DataLoader(source)
                assert len(loader) == 3
                batches = list(loader)
                for k, (a, i) in enumerate(batches):
                    assert_tensor(a, name, x[4 * k:4 * k + 4], ut.float64)
                    assert_tensor(i, name, np.arange(9)[4 * k:4 * k + 4], ut.int64)
                    assert type(a.native).__module__.startswith(name)
            # the torch loader's batches crossed through DLPack, without a copy
            assert len(made) == 3
            for a, t in zip(batches, made):
                assert np.shares_memory(np.from_dlpack(a[0]), t.numpy())
            tds = tud.TensorDataset(torch.arange(10.0), torch.arange(10))
            batches = list(ut.data.DataLoader(tds, batch_size=4, shuffle=True, seed=2))
            order = expected_order(10, True, 2, 0)
            assert_tensor(batches[0][0], name, order[:4].astype(np.float32), ut.float32)
            assert_tensor(batches[2][1], name, order[8:], ut.int64)


def test_prebatched_sources_refuse_batching_options(backends):
    tud = pytest.importorskip("torch.utils.data")

    loader = tud.DataLoader(np.zeros((4, 2)), batch_size=2)
    same_error(backends, ValueError, lambda: ut.data.DataLoader(loader, batch_size=4),
               match="yields whole batches")
    same_error(backends, ValueError, lambda: ut.data.DataLoader(loader, shuffle=True),
               match="yields whole batches")


def test_importing_unitorch_data_does_not_import_the_other_framework(backends):
    _need_both(backends)
    code = (
        "import sys, numpy as np, unitorch as ut\n"
        "list(ut.data.DataLoader((np.zeros((5, 2)), np.arange(5)), batch_size=2, "
        "shuffle=True, seed=0))\n"
        "assert {other!r} not in sys.modules, 'imported {other}'\n"
    )
    runs = [  # both at once: importing a framework takes seconds
        subprocess.Popen([sys.executable, "-c", code.format(other=other(backend))],
                         env=dict(os.environ, UNITORCH_BACKEND=backend, TF_CPP_MIN_LOG_LEVEL="3"),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for backend in ("torch", "tensorflow")
    ]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err[-2000:]


# ---------------------------------------------------------------------------------------
# errors, the same on every backend


def test_errors_have_one_message_on_every_backend(backends):
    x = np.zeros((10, 2))
    same_error(backends, ValueError, lambda: ut.data.DataLoader(x, batch_size=0),
               match="batch_size must be a positive integer, got 0")
    same_error(backends, ValueError, lambda: ut.data.DataLoader(x, batch_size=2.0))
    same_error(backends, ValueError, lambda: ut.data.DataLoader(x, batch_size=True))
    same_error(backends, ValueError, lambda: ut.data.DataLoader(x, prefetch=-1))
    same_error(backends, ValueError, lambda: ut.data.DataLoader(x, seed=-3))
    same_error(backends, ut.ShapeError, lambda: ut.data.DataLoader((x, np.zeros(9))),
               match="same length along axis 0, got 10 for #0 and 9 for #1")
    same_error(backends, ut.ShapeError,
               lambda: ut.data.DataLoader({"a": x, "b": np.zeros(11)}),
               match="got 10 for 'a' and 11 for 'b'")
    same_error(backends, ut.ShapeError, lambda: ut.data.TensorDataset(x, np.zeros(3)))
    same_error(backends, ut.ShapeError, lambda: ut.data.DataLoader(np.array(1.0)),
               match="0-d")
    same_error(backends, TypeError, lambda: ut.data.DataLoader([x, x]),
               match="cannot load data of type list")
    same_error(backends, TypeError, lambda: ut.data.DataLoader("data.csv"),
               match="cannot load data of type str")
    same_error(backends, TypeError, lambda: ut.data.DataLoader((x, [1, 2])),
               match=r"data\[1\] is a list")
    same_error(backends, ValueError, lambda: ut.data.DataLoader(Stream(3), shuffle=True),
               match="cannot shuffle an iterable dataset")
    same_error(backends, ValueError,
               lambda: ut.data.DataLoader(x).set_epoch(-1), match="epoch")
