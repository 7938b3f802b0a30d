"""``unitorch run``: start N local worker processes of a script, the same for both backends.

    unitorch run --nproc 2 train.py --epochs 3
    unitorch run --nproc 2 --backend tensorflow train.py

Each worker is ``python SCRIPT ARGS...`` with the launcher variables of
:mod:`unitorch.distributed.env` (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``,
``LOCAL_WORLD_SIZE``, ``MASTER_ADDR=127.0.0.1``, a free ``MASTER_PORT``, and
``TF_CONFIG`` naming ports ``MASTER_PORT + 1 ...``, all checked free), so
:func:`unitorch.distributed.init` finds the others on either backend.  Every line a
worker prints (stdout and stderr) is forwarded with a ``[rank R]`` prefix.  Unless set,
``OMP_NUM_THREADS`` is the number of CPU cores divided by N (as torchrun does, so that the
workers' thread pools do not oversubscribe the cores).

Exit status: 0 when every worker exits with 0.  When one fails, the others get
``--grace`` seconds (default 3) to finish or fail by themselves and are then terminated;
the status is the first failing worker's (a worker killed by signal ``S`` counts as
``128 + S``).  ``--timeout`` bounds the whole run (then every worker is terminated and
the status is 124).

Process hygiene: each worker leads a process group of its own, and "terminated" means
its whole group: SIGTERM, then SIGKILL for what is left after 3 seconds, so processes a
worker started (data-loading workers, a forgotten subprocess) go with it.  Processes a
worker leaves running in its group when it exits are ended the same way when the run
ends.  SIGINT (Ctrl-C), SIGTERM and SIGHUP sent to the launcher are forwarded to every
worker group (SIGINT as SIGINT, so the workers see ``KeyboardInterrupt``; the others as
SIGTERM), then the groups are ended as above and the status is ``128 + signal``; a
second Ctrl-C kills at once.  A launcher killed with SIGKILL cannot do any of this.
Workers' output is read with bounded memory: a line longer than 64 Ki characters is
forwarded in pieces, each on its own prefixed line.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO

from .. import _process

__all__ = ["main", "launch"]

#: seconds the other workers get after one fails (``--grace``)
GRACE = 3.0
#: seconds between SIGTERM (or a forwarded SIGINT) and SIGKILL when stopping workers
STOP_WAIT = 3.0

_OPTIONS_WITH_VALUE = ("--nproc", "--nproc-per-node", "--nproc_per_node", "--backend",
                       "--master-port", "--grace", "--timeout")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unitorch run",
        usage="unitorch run [--nproc N] [--backend B] [--master-port P] [--grace S] "
              "[--timeout S] SCRIPT [ARGS...]",
        description=(
            "Start N worker processes of SCRIPT on this machine for data-parallel "
            "training with unitorch.distributed, on either backend. Each worker gets "
            "RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1, MASTER_PORT and "
            "TF_CONFIG; output lines are prefixed with the worker's rank. Options go "
            "before SCRIPT; everything after SCRIPT is passed to it."))
    parser.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", type=int,
                        default=2, dest="nproc", help="number of workers (default: 2)")
    parser.add_argument("--backend", default=None,
                        help="set UNITORCH_BACKEND for the workers (default: inherited)")
    parser.add_argument("--master-port", type=int, default=None,
                        help="rank 0's rendezvous port (default: a free one; TensorFlow's "
                             "workers use the next N ports)")
    parser.add_argument("--grace", type=float, default=GRACE,
                        help="seconds the other workers get to exit after one fails, "
                             f"before they are terminated (default: {GRACE:g})")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds the whole run may take (default: no limit)")
    parser.add_argument("script", help="the Python script each worker runs")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    return parser


def _split(argv: list[str]) -> tuple[list[str], list[str]]:
    """(the launcher's options and the script, the script's arguments)."""
    own: list[str] = []
    i = 0
    while i < len(argv):
        t = argv[i]
        if t == "--":
            i += 1
            break
        key = t.split("=", 1)[0]
        if key in _OPTIONS_WITH_VALUE:
            take = 1 if "=" in t else 2
            own += argv[i:i + take]
            i += take
            continue
        if t.startswith("-"):
            own.append(t)
            i += 1
            continue
        break
    if i < len(argv):
        return [*own, argv[i]], argv[i + 1:]
    return own, []


def main(argv: Sequence[str] | None = None) -> int:
    """The ``unitorch run`` command; returns the exit status."""
    own, script_args = _split(list(sys.argv[1:] if argv is None else argv))
    opts = _parser().parse_args(own)
    if opts.nproc < 1:
        print(f"unitorch run: --nproc must be >= 1, got {opts.nproc}", file=sys.stderr)
        return 2
    if not os.path.isfile(opts.script):
        print(f"unitorch run: no such script: {opts.script}", file=sys.stderr)
        return 2
    env = {}
    if opts.backend:
        from ..backends import _canonical
        from ..errors import BackendNotAvailableError

        try:
            env["UNITORCH_BACKEND"] = _canonical(opts.backend)
        except BackendNotAvailableError as e:
            print(f"unitorch run: {e}", file=sys.stderr)
            return 2
    return launch([sys.executable, opts.script, *script_args], opts.nproc,
                  master_port=opts.master_port, grace=opts.grace, timeout=opts.timeout,
                  extra_env=env)


def launch(command: Sequence[str], nproc: int, *, master_port: int | None = None,
           grace: float = GRACE, timeout: float | None = None,
           extra_env: dict[str, str] | None = None, stdout: IO[str] | None = None) -> int:
    """Run ``command`` as ``nproc`` workers on this machine (see the module docstring)
    and return the exit status; each output line goes to ``stdout`` (default
    ``sys.stdout``) prefixed with ``[rank R]``.  Signals are forwarded only when called
    from the main thread (Python delivers them there).

    Example:
        >>> launch([sys.executable, "train.py"], 2)  # doctest: +SKIP
        0
    """
    from ..distributed.env import free_port, worker_environ

    out = sys.stdout if stdout is None else stdout
    port = free_port(nproc + 1) if master_port is None else master_port
    base = dict(os.environ, PYTHONUNBUFFERED="1", **(extra_env or {}))
    if "OMP_NUM_THREADS" not in base:  # as torchrun: share the cores, do not oversubscribe
        base["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // nproc))
    write_lock = threading.Lock()
    procs: list[subprocess.Popen[bytes]] = []
    readers: list[threading.Thread] = []
    with _process.signals_raised() as signals:
        try:
            try:
                for rank in range(nproc):
                    env = dict(base, **worker_environ(rank, nproc, "127.0.0.1", port))
                    p = _process.spawn(command, env=env, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
                    procs.append(p)
                    t = threading.Thread(target=_forward, args=(p.stdout, f"[rank {rank}] ",
                                                                out, write_lock), daemon=True)
                    t.start()
                    readers.append(t)
                status = _supervise(procs, grace, timeout, out, write_lock)
            except (_process.Interrupted, KeyboardInterrupt) as e:
                signum = e.signum if isinstance(e, _process.Interrupted) else signal.SIGINT
                name = signal.Signals(signum).name
                signals.raising = False
                _say(out, write_lock, f"received {name}; stopping the workers")
                forward = signal.SIGINT if signum == signal.SIGINT else signal.SIGTERM
                _process.stop(procs, STOP_WAIT, forward, hurry=signals.hurry)
                status = 128 + signum
        finally:
            # every group ends with the run: workers still running (an exception here)
            # and whatever the workers left behind in their groups
            signals.raising = False
            _process.stop(procs, STOP_WAIT, hurry=signals.hurry)
            for t in readers:
                t.join(timeout=5.0)
    return status


def _forward(pipe: IO[bytes] | None, prefix: str, out: IO[str], lock: threading.Lock) -> None:
    if pipe is None:
        return

    def emit(line: str) -> None:
        with lock:
            out.write(f"{prefix}{line}\n")
            out.flush()

    _process.pump(pipe, emit)


def _code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _supervise(procs: list[subprocess.Popen[bytes]], grace: float, timeout: float | None,
               out: IO[str], lock: threading.Lock) -> int:
    start = time.monotonic()
    failed: int | None = None
    failed_at = 0.0
    while True:
        codes = [p.poll() for p in procs]
        if failed is None:
            for rank, c in enumerate(codes):
                if c is not None and c != 0:
                    failed, failed_at = _code(c), time.monotonic()
                    _say(out, lock, f"worker {rank} exited with status {_code(c)}; the "
                         f"others get {grace:g} s to finish")
                    break
        if all(c is not None for c in codes):
            return 0 if failed is None else failed
        now = time.monotonic()
        if failed is not None and now - failed_at > grace:
            _say(out, lock, "terminating the remaining workers")
            _process.stop(procs, STOP_WAIT)
            return failed
        if timeout is not None and now - start > timeout:
            _say(out, lock, f"the run took more than {timeout:g} s; terminating the workers")
            _process.stop(procs, STOP_WAIT)
            return 124
        time.sleep(0.05)


def _say(out: IO[str], lock: threading.Lock, text: str) -> None:
    with lock:
        out.write(f"[unitorch run] {text}\n")
        out.flush()


if __name__ == "__main__":  # python -m unitorch.cli.run ...
    raise SystemExit(main())
