"""Child processes that clean up after themselves: what ``unitorch run`` (its workers) and
``unitorch ab`` (its script runs) share.

* :func:`spawn` starts a command as the leader of a new process group (a new session, on
  POSIX), so that a signal to the group reaches the command *and every process it
  started* (a data loader's workers, a ``subprocess`` it forgot), and so that a Ctrl-C
  typed at the terminal reaches only the launcher, which decides what to forward.
* :func:`stop` ends groups: a first signal (SIGTERM, or the SIGINT being forwarded),
  ``wait`` seconds for them to exit, then SIGKILL for whatever is left, leaders and
  orphaned children alike.  A leader that exited normally may have left children
  running in its group: they are ended the same way.
* :func:`signals_raised` turns SIGINT, SIGTERM and SIGHUP received by the launcher into
  an :class:`Interrupted` exception in its main thread, so it stops its children
  instead of dying and leaving them running.
* :func:`pump` reads a child's output line by line with bounded memory: a line longer
  than ``limit`` characters is passed on in pieces of ``limit`` characters (a 300 MB
  line never sits in memory whole).

Windows has no process groups: there the command alone is signalled.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

__all__ = ["Interrupted", "Signals", "spawn", "stop", "signals_raised", "pump"]

_POSIX = os.name == "posix"
#: the longest piece of one output line held in memory (characters)
LINE_LIMIT = 1 << 16
_HANDLED = tuple(getattr(signal, n) for n in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, n))


class Interrupted(BaseException):
    """The launcher received ``signum`` (SIGINT, SIGTERM or SIGHUP) while
    :func:`signals_raised` was active.  A BaseException, as KeyboardInterrupt: code
    that catches ``Exception`` does not swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def status(self) -> int:
        """The exit status a process killed by the signal would have (128 + signum)."""
        return 128 + self.signum

    def __str__(self) -> str:
        return f"received {signal.Signals(self.signum).name}"


def spawn(command: Sequence[str], **popen: Any) -> subprocess.Popen:
    """``subprocess.Popen(command, **popen)``, the child leading a new process group."""
    if _POSIX:
        popen.setdefault("start_new_session", True)
    return subprocess.Popen(list(command), **popen)


def _signal(proc: subprocess.Popen, sig: int) -> bool:
    """Send ``sig`` to ``proc``'s group (POSIX) or to ``proc``; whether anyone got it."""
    try:
        if _POSIX:
            os.killpg(proc.pid, sig)
        elif proc.poll() is None:
            proc.send_signal(sig)
        else:
            return False
        return True
    except (ProcessLookupError, PermissionError):  # the group is gone
        return False


def _alive(proc: subprocess.Popen) -> bool:
    """Whether ``proc`` or any process of its group still runs (reaping ``proc``)."""
    running = proc.poll() is None
    if not _POSIX:
        return running
    try:
        os.killpg(proc.pid, 0)
    except (ProcessLookupError, PermissionError):
        return running
    return True


def stop(procs: Sequence[subprocess.Popen], wait: float, first: int | None = None,
         hurry: Callable[[], bool] | None = None) -> None:
    """End ``procs`` and everything in their groups: signal ``first`` (default SIGTERM;
    SIGINT to forward a Ctrl-C), up to ``wait`` seconds for them to exit, then SIGKILL.
    ``hurry()`` returning True (a second Ctrl-C) skips the rest of the wait."""
    first = signal.SIGTERM if first is None else first
    alive = [p for p in procs if _alive(p)]
    for p in alive:
        _signal(p, first)
    deadline = time.monotonic() + wait
    while alive and time.monotonic() < deadline and not (hurry and hurry()):
        time.sleep(0.02)
        alive = [p for p in alive if _alive(p)]
    for p in alive:
        _signal(p, getattr(signal, "SIGKILL", signal.SIGTERM))
    for p in procs:
        try:
            p.wait(timeout=max(1.0, wait))
        except subprocess.TimeoutExpired:  # unkillable (a process in the kernel): leave it
            pass


class Signals:
    """What :func:`signals_raised` yields: the signals received so far, and whether the
    next first one raises (set ``raising = False`` while stopping children, so that a
    signal cannot interrupt the stopping; it is still recorded)."""

    def __init__(self) -> None:
        self.received: list[int] = []
        self.raising = True

    def hurry(self) -> bool:
        """Whether a signal came while the children were being stopped (a second
        Ctrl-C): stop waiting and kill."""
        return len(self.received) > (1 if self._raised else 0)

    _raised = False


@contextlib.contextmanager
def signals_raised() -> Iterator[Signals]:
    """While active (in the main thread; elsewhere it does nothing), SIGINT, SIGTERM and
    SIGHUP raise :class:`Interrupted` in the main thread, once; later signals are only
    recorded.  The previous handlers are restored on exit."""
    state = Signals()
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: Any) -> None:
        state.received.append(signum)
        if state.raising and not state._raised:
            state._raised = True
            raise Interrupted(signum)

    previous = {}
    try:
        for sig in _HANDLED:
            previous[sig] = signal.signal(sig, handler)
        yield state
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def pump(stream: IO[bytes], emit: Callable[[str], None], limit: int = LINE_LIMIT) -> None:
    """Call ``emit(line)`` for each line of ``stream`` (UTF-8, undecodable bytes
    replaced, without its line ending) until end of file, then close it.  A line longer
    than ``limit`` characters is emitted in pieces of ``limit``, so memory stays bounded
    whatever the child writes."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    fd = stream.fileno()
    pending = ""
    try:
        while True:
            chunk = os.read(fd, 1 << 16)
            text = decoder.decode(chunk, final=not chunk)
            if text:
                lines = (pending + text).split("\n")
                pending = lines.pop()
                for line in lines:
                    line = line[:-1] if line.endswith("\r") else line
                    while len(line) > limit:
                        emit(line[:limit])
                        line = line[limit:]
                    emit(line)
                while len(pending) > limit:
                    emit(pending[:limit])
                    pending = pending[limit:]
            if not chunk:
                break
        if pending:
            emit(pending[:-1] if pending.endswith("\r") else pending)
    finally:
        stream.close()
