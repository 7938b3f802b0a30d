"""Loading in worker processes: ``DataLoader(num_workers=N)``, as PyTorch's.

Each of the ``N`` workers is a process with its own copy of the dataset.  The rules,
the same on every backend:

* **Map-style datasets**: the loader sends each batch's indices to the workers in turn
  (at most ``prefetch_factor`` batches ahead per worker); a worker fetches the samples
  (``__getitems__`` when the dataset has it), collates them and sends the batch back;
  batches come out in the sampler's order (``in_order=False``: as they are ready).
* **Iterable datasets**: every worker iterates its own copy (use
  :func:`get_worker_info` inside ``__iter__`` to give each worker its share, as with
  PyTorch); their batches come out in turn, worker 0's first batch, worker 1's first...
  until each is exhausted.
* **Transport**: a worker sends NumPy arrays (tensors in its batch are taken to the
  host, each keeping its dtype); the loader's process makes them tensors of its
  active backend, on its device.  Batches cross a pipe, pickled: datasets, samples and
  ``collate_fn``/``worker_init_fn`` must be picklable (module-level classes and
  functions, not lambdas).
* **Seeds**: each iteration draws a base seed from the loader's ``generator`` (or
  unitorch's portable stream); worker ``i`` seeds unitorch (``ut.manual_seed``),
  Python's ``random`` and NumPy's legacy global generator with ``base + i``, and
  :func:`get_worker_info` gives it ``id``, ``num_workers``, ``seed`` and ``dataset``;
  then ``worker_init_fn(i)`` runs.
* **Starting**: on a backend whose framework survives ``fork`` (PyTorch: workers run
  its ops on one thread, as PyTorch's own workers do) the workers are forked, as
  PyTorch's on Linux; TensorFlow's thread pools do not survive ``fork``, so on that
  backend they are started by a fork server (``multiprocessing``'s ``"forkserver"``,
  ``"spawn"`` where there is none), which imports the main module again: guard the
  program with ``if __name__ == "__main__":``, as PyTorch requires on macOS and Windows.
  ``multiprocessing_context`` chooses the start method.
* **Errors**: an exception in a worker is raised in the loader's process, with the
  same type where possible and the worker's traceback in its message; a worker that
  dies raises ``RuntimeError`` naming its pid; ``timeout > 0`` bounds the wait for a
  batch.  Workers stop at the end of each epoch (``persistent_workers=True``: when the
  loader is deleted), and when the loop over the loader stops early.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import queue
import random
import sys
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info", "WorkerPool", "to_host"]

_POLL = 0.1  # seconds between checks that the workers are alive while waiting
_STOP_WAIT = 5.0  # seconds a stopping worker gets before it is terminated


@dataclass(frozen=True)
class WorkerInfo:
    """What :func:`get_worker_info` returns inside a worker process.

    Example:
        >>> info = ut.data.WorkerInfo(id=0, num_workers=2, seed=7, dataset=None)
        >>> info.id, info.num_workers
        (0, 2)
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """In a DataLoader worker process, its :class:`WorkerInfo`; ``None`` elsewhere.

    Example:
        >>> ut.data.get_worker_info() is None  # not in a worker
        True
    """
    return _worker_info


def to_host(tree: Any) -> Any:
    """``tree`` with every tensor (unitorch or native) replaced by a NumPy array of its
    values and dtype: what crosses the pipe from a worker."""
    if isinstance(tree, Tensor):
        return np.asarray(tree.numpy())
    t = type(tree)
    if t is tuple or t is list:
        return t(to_host(x) for x in tree)
    if t is dict:
        return {k: to_host(v) for k, v in tree.items()}
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return t(*(to_host(x) for x in tree))
    if isinstance(tree, (tuple, list)):
        return t(to_host(x) for x in tree)
    if isinstance(tree, dict):
        return t((k, to_host(v)) for k, v in tree.items())
    if isinstance(tree, (np.ndarray, np.generic, str, bytes, int, float, bool, complex,
                         type(None))):
        return tree
    from ..backends import backend_of_native

    native = backend_of_native(tree)
    if native is not None:
        return np.asarray(native.wrap(tree).numpy())
    return tree


class _Exhausted:
    """A worker's answer when its iterable dataset has no more batches."""


class _Failure:
    """An exception raised in a worker, carried to the loader's process."""

    def __init__(self, worker_id: int, exc: BaseException) -> None:
        self.type_module = type(exc).__module__
        self.type_name = type(exc).__qualname__
        self.message = (f"Caught {type(exc).__name__} in DataLoader worker process "
                        f"{worker_id}.\nOriginal Traceback (most recent call last):\n"
                        + "".join(traceback.format_exception(exc)[1:]))

    def reraise(self) -> None:
        exc_type: Any = RuntimeError
        module = sys.modules.get(self.type_module)
        found = getattr(module, self.type_name, None) if module else None
        if isinstance(found, type) and issubclass(found, BaseException):
            exc_type = found
        try:
            exc = exc_type(self.message)
        except Exception:  # a type that cannot be built from a message
            exc = RuntimeError(self.message)
        if exc_type is KeyError:  # KeyError's str() would quote the message
            exc = RuntimeError(self.message)
        raise exc


def _seed_worker(seed: int) -> None:
    from ..random import manual_seed

    manual_seed(seed % (2**63))
    random.seed(seed)
    np.random.seed(seed % (2**32))


def _worker_loop(backend: str, dataset: Any, iterable: bool, indices: Any, results: Any,
                 collate: Callable[[list[Any]], Any] | None, host_collate: bool,
                 batched: bool, batch_size: int | None, drop_last: bool, seed: int,
                 worker_id: int, num_workers: int,
                 init_fn: Callable[[int], None] | None) -> None:
    """The body of a worker process (see the module docstring)."""
    global _worker_info
    from ..backends import load, set_backend

    try:
        load(backend).prepare_worker()
        set_backend(backend)
        _seed_worker(seed)
        _worker_info = WorkerInfo(worker_id, num_workers, seed, dataset)
        if init_fn is not None:
            init_fn(worker_id)
        stream = iter(dataset) if iterable else None
    except BaseException as e:  # reported with the first request
        setup_error: BaseException | None = e
    else:
        setup_error = None

    def batch_of(request: Any) -> Any:
        if iterable:
            samples = list(itertools.islice(stream, batch_size if batched else 1))
            if not samples or (drop_last and batched and len(samples) < batch_size):
                return _Exhausted()
            if not batched:
                return to_host(samples[0] if collate is None else collate(samples[0]))
        elif not batched:  # no automatic batching: one sample per request
            sample = dataset[request]
            return to_host(sample if collate is None else collate(sample))
        else:
            getitems = getattr(dataset, "__getitems__", None)
            samples = getitems(list(request)) if getitems else [dataset[i] for i in request]
        if host_collate:
            samples = to_host(samples)  # stacked with NumPy below, no framework op
        return to_host(collate(samples))

    try:
        while True:
            message = indices.get()
            if message is None:
                break
            number, request = message
            if number is None:  # a new epoch of a persistent worker: a fresh stream
                if setup_error is None and iterable:
                    stream = iter(dataset)
                continue
            if setup_error is not None:
                results.put((number, _Failure(worker_id, setup_error)))
                continue
            try:
                results.put((number, batch_of(request)))
            except Exception as e:
                results.put((number, _Failure(worker_id, e)))
    except KeyboardInterrupt:
        pass
    finally:
        results.cancel_join_thread()  # the loader no longer reads: do not block exiting


def start_method(backend: Any, requested: Any = None) -> Any:
    """The multiprocessing context workers of ``backend`` start with."""
    if requested is not None:
        return (multiprocessing.get_context(requested) if isinstance(requested, str)
                else requested)
    methods = multiprocessing.get_all_start_methods()
    if backend.fork_safe and "fork" in methods:
        return multiprocessing.get_context("fork")
    if "forkserver" not in methods:
        return multiprocessing.get_context("spawn")
    ctx = multiprocessing.get_context("forkserver")
    # the server imports unitorch and the framework once (importing TensorFlow takes
    # seconds; it starts no thread pool, so forking after it is safe), and every worker
    # forked from it starts with them imported
    ctx.set_forkserver_preload(["__main__", "unitorch", type(backend).__module__])
    return ctx


class WorkerPool:
    """``num_workers`` worker processes of one loader (see the module docstring)."""

    def __init__(self, *, backend: Any, dataset: Any, iterable: bool, num_workers: int,
                 collate: Callable[[list[Any]], Any] | None, host_collate: bool,
                 batched: bool, batch_size: int | None, drop_last: bool, base_seed: int,
                 worker_init_fn: Callable[[int], None] | None, context: Any,
                 timeout: float, prefetch_factor: int, in_order: bool) -> None:
        self.num_workers = num_workers
        self.iterable = iterable
        self.timeout = timeout
        self.prefetch_factor = prefetch_factor
        self.in_order = in_order
        ctx = start_method(backend, context)
        self.results = ctx.Queue()
        self.queues = []
        self.processes = []
        for w in range(num_workers):
            q = ctx.Queue()
            q.cancel_join_thread()
            p = ctx.Process(target=_worker_loop, daemon=True, args=(
                backend.name, dataset, iterable, q, self.results, collate, host_collate,
                batched, batch_size, drop_last, base_seed + w, w, num_workers,
                worker_init_fn))
            p.start()
            self.queues.append(q)
            self.processes.append(p)
        self.closed = False
        self._owner = os.getpid()
        self._numbers = itertools.count()  # request numbers, never reused across epochs

    def restart_streams(self) -> None:
        """A new epoch for persistent workers of an iterable dataset: each starts a
        fresh iterator of its copy."""
        for q in self.queues:
            q.put((None, None))

    def batches(self, requests: Iterator[Any] | None) -> Iterator[Any]:
        """The workers' batches (host values) for ``requests`` (index lists; ``None``
        for an iterable dataset: one request per batch until every worker is done)."""
        if requests is None:
            requests = iter(lambda: None, object())  # endless: the workers say when done
        active = list(range(self.num_workers))
        pending: dict[int, int] = {}  # request number -> worker
        ready: dict[int, Any] = {}
        numbers = self._numbers
        turn = itertools.count()
        more = True
        while True:
            while more and active and len(pending) < self.prefetch_factor * len(active):
                try:
                    request = next(requests)
                except StopIteration:
                    more = False
                    break
                number = next(numbers)
                worker = active[next(turn) % len(active)]
                self.queues[worker].put((number, request))
                pending[number] = worker
            if not pending:
                return
            if self.in_order:
                number = min(pending)
                while number not in ready:
                    got, data = self._receive()
                    if got in pending:  # (not a stale answer of an epoch left early)
                        ready[got] = data
            else:
                while not ready:
                    got, data = self._receive()
                    if got in pending:
                        ready[got] = data
                number = next(iter(ready))
            data = ready.pop(number)
            worker = pending.pop(number)
            if isinstance(data, _Failure):
                data.reraise()
            if isinstance(data, _Exhausted):
                if worker in active:
                    active.remove(worker)  # its queued requests answer _Exhausted too
                continue
            yield data

    def _receive(self) -> tuple[int, Any]:
        waited = 0.0
        while True:
            try:
                return self.results.get(timeout=_POLL)
            except queue.Empty:
                waited += _POLL
            dead = [p for p in self.processes if not p.is_alive()]
            if dead:
                pids = ", ".join(str(p.pid) for p in dead)
                codes = ", ".join(str(p.exitcode) for p in dead)
                self.close()
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly "
                                   f"(exit code(s) {codes})")
            if self.timeout and waited >= self.timeout:
                self.close()
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds")

    def close(self) -> None:
        """Stop the workers (terminated if they do not stop within a few seconds)."""
        if self.closed:
            return
        self.closed = True
        for q in self.queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        deadline = time.monotonic() + _STOP_WAIT
        for p in self.processes:
            p.join(max(0.0, deadline - time.monotonic()))
        for p in self.processes:
            if p.is_alive():
                p.terminate()
                p.join(1.0)
        for q in [*self.queues, self.results]:
            q.close()

    def __del__(self) -> None:
        if getattr(self, "closed", True) is False and os.getpid() == self._owner:
            self.close()
