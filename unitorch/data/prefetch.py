"""Preparing batches ahead, in a background thread.

:func:`prefetched` runs ``make()``'s iterator in a thread that keeps up to ``depth``
finished batches (conversion to tensors included) in a queue:

* the thread runs in a copy of the consumer's context and, explicitly, on the
  consumer's backend (``ut.use_backend``): a new thread would otherwise start on the
  process-wide default backend;
* an exception raised while preparing a batch is raised again in the consumer, at the
  point in the sequence where the batch would have come;
* when the consumer stops early (``break``, an exception, the iterator dropped or
  closed), the thread is told to stop, its source iterator is closed, and it is joined
  before the consumer goes on: no thread outlives the loop.
"""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any

from ..backends import use_backend

__all__ = ["prefetched"]

_ITEM, _ERROR, _END = 0, 1, 2
_POLL = 0.05  # seconds between checks of the stop flag while the queue is full


def prefetched(make: Callable[[], Iterator[Any]], depth: int, backend: str
               ) -> Iterator[Any]:
    """Iterate ``make()`` in a background thread, ``depth`` items ahead."""
    q: queue.Queue = queue.Queue(depth)
    stop = threading.Event()

    def put(message: tuple[int, Any]) -> bool:
        while not stop.is_set():
            try:
                q.put(message, timeout=_POLL)
                return True
            except queue.Full:
                pass
        return False

    def work() -> None:
        items = None
        try:
            with use_backend(backend):
                items = make()
                for item in items:
                    if not put((_ITEM, item)):
                        return
            put((_END, None))
        except BaseException as e:  # handed to the consumer, raised there
            put((_ERROR, e))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=contextvars.copy_context().run, args=(work,),
                              name="unitorch-data-prefetch", daemon=True)
    thread.start()
    get = q.get
    try:
        while True:
            kind, value = get()
            if kind == _ITEM:
                yield value
            elif kind == _ERROR:
                raise value
            else:
                return
    finally:
        stop.set()
        while True:  # unblock a put() in progress
            try:
                q.get_nowait()
            except queue.Empty:
                break
        thread.join()
