"""Pausing the garbage collector while unitorch's own modules load.

Loading unitorch allocates some thousands of objects; right after ``import torch`` or
``import tensorflow`` (millions of tracked objects) that sets off a full collection,
measured at about 75 ms of a 125 ms import.  Nothing allocated while modules load is
garbage, so collection waits until they are loaded.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """Collection off inside the block, back to its previous state after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
