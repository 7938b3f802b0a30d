"""The launcher's environment: where a worker learns its rank and how to reach the others.

A worker reads the variables ``torchrun`` sets (and ``unitorch run`` sets the same):

========================  ==============================================================
``RANK``                  this worker's index, ``0 <= RANK < WORLD_SIZE``
``WORLD_SIZE``            the number of workers
``LOCAL_RANK``            its index among the workers of its machine (the GPU it uses);
                          default ``RANK``
``MASTER_ADDR``           the host of rank 0 (``127.0.0.1`` for a run on one machine)
``MASTER_PORT``           the port of rank 0's rendezvous (torch.distributed's store)
``TF_CONFIG``             TensorFlow's cluster description (optional, see below)
========================  ==============================================================

TensorFlow's workers connect to each other, so each needs an address of its own.  They
come from ``TF_CONFIG`` when it is set (``{"cluster": {"worker": ["host:port", ...]},
"task": {"type": "worker", "index": i}}``; a ``"chief"`` entry counts as rank 0, before
the workers), and are otherwise derived from the variables above: **worker ``i`` listens
on ``MASTER_ADDR:MASTER_PORT + 1 + i``**.  (Not ``MASTER_PORT`` itself: under torchrun
the agent's store serves it.)  On one machine the launcher checks that these ports are
free; across machines, set ``TF_CONFIG`` (each machine's own host) or make the ports
reachable.

Without ``WORLD_SIZE`` or ``TF_CONFIG`` a script runs as a group of one (rank 0 of 1),
so the same script runs with or without a launcher.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from .._net import is_loopback, loopback_interface

__all__ = ["Launch", "from_environ", "tf_config", "worker_addresses", "worker_environ",
           "is_loopback", "loopback_interface", "free_port"]


@dataclass(frozen=True)
class Launch:
    """Where this worker stands: rank, world size, local rank, rank 0's rendezvous
    address, and one ``host:port`` per worker (TensorFlow's cluster)."""

    rank: int
    world_size: int
    local_rank: int
    master_addr: str
    master_port: int
    workers: tuple[str, ...]


def _int(env: Mapping[str, str], name: str, low: int) -> int:
    text = env[name]
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"the launcher variable {name}={text!r} is not an integer") from None
    if value < low:
        raise ValueError(f"the launcher variable {name}={value} must be >= {low}")
    return value


def worker_addresses(master_addr: str, master_port: int, world_size: int) -> tuple[str, ...]:
    """TensorFlow's worker addresses derived from the rendezvous: worker ``i`` on
    ``master_addr:master_port + 1 + i``.

    Example:
        >>> worker_addresses("127.0.0.1", 29500, 2)
        ('127.0.0.1:29501', '127.0.0.1:29502')
    """
    host = f"[{master_addr}]" if ":" in master_addr else master_addr
    return tuple(f"{host}:{master_port + 1 + i}" for i in range(world_size))


def tf_config(workers: tuple[str, ...] | list[str], rank: int) -> str:
    """The ``TF_CONFIG`` JSON text for worker ``rank`` of ``workers``.

    Example:
        >>> tf_config(["127.0.0.1:29501", "127.0.0.1:29502"], 1)
        '{"cluster": {"worker": ["127.0.0.1:29501", "127.0.0.1:29502"]}, "task": {"type": "worker", "index": 1}}'
    """
    return json.dumps({"cluster": {"worker": list(workers)},
                       "task": {"type": "worker", "index": rank}})


def _parse_tf_config(text: str) -> tuple[int, tuple[str, ...]]:
    """(rank, workers) from TF_CONFIG; a chief is rank 0, then the workers in order."""
    try:
        config = json.loads(text)
        cluster, task = config["cluster"], config["task"]
        chief = list(cluster.get("chief", []))
        workers = list(cluster.get("worker", []))
        kind, index = task["type"], int(task["index"])
    except (ValueError, KeyError, TypeError) as e:
        raise ValueError(f"TF_CONFIG is not a TensorFlow cluster description ({e}): "
                         f"{text[:200]}") from None
    if len(chief) > 1:
        raise ValueError("TF_CONFIG: a cluster has at most one chief")
    others = sorted(set(cluster) - {"chief", "worker"})
    if others:
        raise ValueError(f"TF_CONFIG: unitorch runs chief and worker tasks only, not {others}")
    if kind not in ("chief", "worker"):
        raise ValueError(f"TF_CONFIG: task type {kind!r} is not 'chief' or 'worker'")
    if index < 0 or index >= len(chief if kind == "chief" else workers):
        raise ValueError(f"TF_CONFIG: task index {index} is out of range for its job")
    rank = index if kind == "chief" else len(chief) + index
    return rank, tuple(chief + workers)


def from_environ(env: Mapping[str, str] | None = None) -> Launch:
    """This worker's :class:`Launch` from the environment (default ``os.environ``).

    Raises ``ValueError`` naming the variable that is missing or wrong.

    Example:
        >>> from_environ({})  # no launcher: a group of one
        Launch(rank=0, world_size=1, local_rank=0, master_addr='127.0.0.1', master_port=0, workers=())
    """
    env = os.environ if env is None else env
    tf_text = env.get("TF_CONFIG", "").strip()
    tf_rank, tf_workers = _parse_tf_config(tf_text) if tf_text else (None, ())
    if "WORLD_SIZE" not in env and tf_rank is None:
        return Launch(0, 1, 0, "127.0.0.1", 0, ())
    if "WORLD_SIZE" in env:
        world = _int(env, "WORLD_SIZE", 1)
        if "RANK" not in env:
            raise ValueError("the launcher set WORLD_SIZE but not RANK")
        rank = _int(env, "RANK", 0)
        if rank >= world:
            raise ValueError(f"RANK={rank} is not below WORLD_SIZE={world}")
        if tf_rank is not None and (tf_rank, len(tf_workers)) != (rank, world):
            raise ValueError(f"TF_CONFIG (task {tf_rank} of {len(tf_workers)}) disagrees "
                             f"with RANK={rank} and WORLD_SIZE={world}")
    else:
        assert tf_rank is not None
        rank, world = tf_rank, len(tf_workers)
    local_rank = _int(env, "LOCAL_RANK", 0) if "LOCAL_RANK" in env else rank
    addr = env.get("MASTER_ADDR", "").strip()
    port = _int(env, "MASTER_PORT", 1) if "MASTER_PORT" in env else 0
    if world > 1 and not tf_workers and not (addr and port):
        missing = [n for n in ("MASTER_ADDR", "MASTER_PORT") if not env.get(n, "").strip()]
        raise ValueError(f"the launcher set WORLD_SIZE={world} but not {' and '.join(missing)} "
                         "(nor TF_CONFIG): the workers cannot find each other")
    workers = tf_workers or (worker_addresses(addr, port, world) if world > 1 else ())
    return Launch(rank, world, local_rank, addr or "127.0.0.1", port, workers)


def worker_environ(rank: int, world_size: int, master_addr: str, master_port: int,
                   local_rank: int | None = None) -> dict[str, str]:
    """The variables a launcher sets for worker ``rank`` (``TF_CONFIG`` included).

    Example:
        >>> sorted(worker_environ(0, 2, "127.0.0.1", 29500))
        ['LOCAL_RANK', 'LOCAL_WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT', 'RANK', 'TF_CONFIG', 'WORLD_SIZE']
    """
    return {
        "RANK": str(rank), "WORLD_SIZE": str(world_size),
        "LOCAL_RANK": str(rank if local_rank is None else local_rank),
        "LOCAL_WORLD_SIZE": str(world_size),
        "MASTER_ADDR": master_addr, "MASTER_PORT": str(master_port),
        "TF_CONFIG": tf_config(worker_addresses(master_addr, master_port, world_size), rank),
    }


def free_port(count: int = 1, host: str = "127.0.0.1", attempts: int = 200) -> int:
    """A port ``p`` such that ``p, p + 1, ..., p + count - 1`` can all be bound on
    ``host`` now (the launcher's ``MASTER_PORT`` and TensorFlow's worker ports).

    The ports are drawn at random below the system's ephemeral range (where the kernel
    picks the local ports of outgoing connections, which could take a port between this
    check and the workers' bind), so concurrent launches rarely meet.

    Example:
        >>> 1024 <= free_port(3) < 65533
        True
    """
    import random

    low, high = 20000, min(60000, _ephemeral_start())
    if high - low < 1000 + count:  # an unusual ephemeral range: use the usual span
        low, high = 20000, 60000
    rng = random.Random()
    for _ in range(attempts):
        base = rng.randrange(low, high - count)
        if all(_can_bind(host, base + i) for i in range(count)):
            return base
    raise OSError(f"found no {count} consecutive free ports on {host}")


def _ephemeral_start() -> int:
    """The first port of the kernel's ephemeral range (Linux); 32768 (the usual start on
    Linux, below macOS's 49152 and Windows' 49152) where it cannot be read."""
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _can_bind(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True
