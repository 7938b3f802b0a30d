"""Joining and leaving the group of workers: :func:`init`, :func:`shutdown` and the
questions a worker asks about its place (:func:`get_rank`, :func:`get_world_size`...).

One process per worker, started by a launcher (``unitorch run``, ``torchrun``) that
tells each its rank through the environment (:mod:`unitorch.distributed.env`).  ``init``
joins the group on the active backend's own engine: ``torch.distributed`` (gloo on the
CPU, NCCL on GPUs) or ``tf.distribute``'s collectives (CollectiveOps over gRPC, set up by
``MultiWorkerMirroredStrategy``).  Started without a launcher, a script is a group of
one: rank 0 of 1, no engine, collectives return their input.

Every wait is bounded: joining gives up after ``timeout`` seconds, and so does every
collective afterwards (a worker that died or hangs makes the others raise
:class:`DistributedError` instead of waiting forever).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from ..backends import Backend, current, load
from ..errors import UnitorchError
from .env import Launch, from_environ

__all__ = ["DistributedError", "init", "shutdown", "is_initialized", "get_rank",
           "get_world_size", "get_local_rank", "is_main_process", "engine",
           "DEFAULT_TIMEOUT"]

DEFAULT_TIMEOUT = 600.0
"""Seconds ``init`` waits for the other workers, and each collective for its peers,
unless ``init(timeout=...)`` or ``UNITORCH_DIST_TIMEOUT`` says otherwise (NCCL's own
default is also 10 minutes)."""


class DistributedError(UnitorchError, RuntimeError):
    """A distributed operation failed: the group could not be joined, a worker exited or
    stopped answering (a collective timed out), or a collective was misused.

    Example:
        >>> ut.distributed.get_rank()  # before ut.distributed.init()
        Traceback (most recent call last):
        ...
        unitorch.distributed.DistributedError: ...
        >>> issubclass(ut.distributed.DistributedError, RuntimeError)
        True
    """

    __module__ = "unitorch.distributed"


@dataclass
class _Group:
    launch: Launch
    backend: Backend | None  # None: a group of one, no engine
    timeout: float
    engine: str


_lock = threading.Lock()
_group: list[_Group] = []  # one element while initialized


def _timeout(value: float | None) -> float:
    if value is None:
        text = os.environ.get("UNITORCH_DIST_TIMEOUT", "").strip()
        if not text:
            return DEFAULT_TIMEOUT
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"UNITORCH_DIST_TIMEOUT={text!r} is not a number of seconds"
                             ) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, got {type(value).__name__}")
    if not 0 < value < float("inf"):
        raise ValueError(f"timeout must be a positive, finite number of seconds, got {value}")
    return float(value)


def init(backend: str | None = None, *, timeout: float | None = None,
         engine: str | None = None) -> None:
    """Join the group of workers described by the launcher's environment.

    Args:
        backend: the unitorch backend whose engine carries the collectives
            (``"torch"`` or ``"tensorflow"``; default: the active one).  Collectives
            then take tensors of that backend.
        timeout: seconds to wait for the other workers to join, and afterwards for
            each collective to complete (default ``UNITORCH_DIST_TIMEOUT``, else 600).
        engine: a framework-specific choice: ``"gloo"``, ``"nccl"`` or
            ``"cpu:gloo,cuda:nccl"`` on torch (default: gloo, plus NCCL for CUDA
            tensors where CUDA is available); ``"ring"``, ``"nccl"`` or ``"auto"`` on
            TensorFlow (default ``"auto"``: ring on the CPU, NCCL on GPUs).

    Without launcher variables (no ``WORLD_SIZE``, no ``TF_CONFIG``), or with
    ``WORLD_SIZE=1``, this process is a group of one and no engine starts.  On
    TensorFlow call ``init`` before creating tensors: the runtime is reconfigured for
    the cluster, and TensorFlow joins one cluster per process.

    Raises :class:`DistributedError` when the group cannot be joined within
    ``timeout`` (a worker did not start, a port is taken...), ``ValueError`` for bad
    launcher variables.

    Example:
        >>> ut.distributed.init()  # doctest: +SKIP
        >>> ut.distributed.get_rank(), ut.distributed.get_world_size()  # doctest: +SKIP
        (0, 2)
    """
    seconds = _timeout(timeout)
    bk = current() if backend is None else load(backend)
    launch = from_environ()
    with _lock:
        if _group:
            raise DistributedError("ut.distributed.init() was already called in this "
                                   "process; call ut.distributed.shutdown() first")
        if launch.world_size == 1:
            _group.append(_Group(launch, None, seconds, "none (a group of one)"))
            return
        try:
            name = bk.dist_init(launch.rank, launch.world_size, launch.local_rank,
                                launch.master_addr, launch.master_port, launch.workers,
                                seconds, engine)
        except Exception as e:
            raise DistributedError(
                f"ut.distributed.init(): rank {launch.rank} of {launch.world_size} could not "
                f"join the group on the {bk.name} backend within {seconds:g} s "
                f"(rendezvous {launch.master_addr}:{launch.master_port}): "
                f"{type(e).__name__}: {_first_line(e)}") from e
        _group.append(_Group(launch, bk, seconds, name))


def shutdown() -> None:
    """Leave the group: wait for every worker to reach this point (at most the
    timeout), then stop the engine.  Does nothing if not initialized.

    Example:
        >>> ut.distributed.shutdown()  # doctest: +SKIP
    """
    with _lock:
        if not _group:
            return
        group = _group[0]
    try:
        if group.backend is not None:
            from .collectives import barrier

            barrier()
    finally:
        with _lock:
            _group.clear()
        if group.backend is not None:
            group.backend.dist_shutdown()


def _current() -> _Group:
    if not _group:
        raise DistributedError("the distributed group is not initialized: call "
                               "ut.distributed.init() first (it also works without a "
                               "launcher, as a group of one)")
    return _group[0]


def is_initialized() -> bool:
    """Whether :func:`init` has been called (and not :func:`shutdown`).

    Example:
        >>> ut.distributed.is_initialized()
        False
        >>> ut.distributed.init()  # without a launcher: a group of one
        >>> ut.distributed.is_initialized()
        True
        >>> ut.distributed.shutdown()
    """
    return bool(_group)


def get_rank() -> int:
    """This worker's rank, ``0 <= rank < get_world_size()``.

    Raises :class:`DistributedError` before :func:`init`.

    Example:
        >>> ut.distributed.init()  # under `unitorch run --nproc 2`: ranks 0 and 1
        >>> ut.distributed.get_rank(), ut.distributed.get_world_size()
        (0, 1)
        >>> ut.distributed.shutdown()
    """
    return _current().launch.rank


def get_world_size() -> int:
    """The number of workers in the group.

    Raises :class:`DistributedError` before :func:`init`.

    Example:
        >>> ut.distributed.init()  # without a launcher: a group of one
        >>> ut.distributed.get_world_size()
        1
        >>> ut.distributed.shutdown()
    """
    return _current().launch.world_size


def get_local_rank() -> int:
    """This worker's index among the workers of its machine (``LOCAL_RANK``).

    Raises :class:`DistributedError` before :func:`init`.

    Example:
        >>> ut.distributed.init()  # without a launcher: a group of one
        >>> ut.distributed.get_local_rank()
        0
        >>> ut.distributed.shutdown()
    """
    return _current().launch.local_rank


def is_main_process() -> bool:
    """Whether this worker is rank 0, the one that writes checkpoints and logs.  Before
    :func:`init` it reads ``RANK`` from the environment (True without a launcher), so it
    can guard logging from the first line of a script.

    Example:
        >>> if ut.distributed.is_main_process():  # doctest: +SKIP
        ...     print(f"epoch {epoch}: loss {loss:.4f}")
    """
    if _group:
        return _group[0].launch.rank == 0
    try:
        return int(os.environ.get("RANK", "0")) == 0
    except ValueError:
        return True


def engine() -> str:
    """The engine carrying the collectives, e.g. ``"torch.distributed/gloo"``,
    ``"tf.distribute/auto"``, or ``"none (a group of one)"``.

    Example:
        >>> ut.distributed.init()  # without a launcher: a group of one
        >>> ut.distributed.engine()
        'none (a group of one)'
        >>> ut.distributed.shutdown()
    """
    return _current().engine


def _first_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0] if text else "(no message)"
