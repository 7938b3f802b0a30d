"""Checkpoints in a distributed run: :func:`save`, written by rank 0 only.

Every worker holds the same parameters after each synchronised step, so one copy is
enough, and several processes writing one path would race.  ``ut.distributed.save`` is
``ut.save`` on rank 0 followed by a barrier: when it returns on any worker the file is
complete, so every worker may ``ut.load`` it at once.  ``ut.save`` itself is unchanged
(it writes from whichever process calls it; per-rank files stay possible), so a save
is never silently skipped.

The file is an ordinary unitorch checkpoint: it loads in a single process, on either
backend, with ``ut.load``.
"""

from __future__ import annotations

import os
from typing import Any

from .collectives import barrier
from .group import is_initialized, is_main_process

__all__ = ["save"]


def save(obj: Any, path: str | os.PathLike[str]) -> None:
    """Write ``obj`` to ``path`` with :func:`unitorch.save` on rank 0, then wait for every
    worker (a barrier).  Call it on **every** worker (a worker that skips it leaves the
    others waiting until the timeout).  Before :func:`~unitorch.distributed.init`, or in
    a group of one, it is ``ut.save``.

    Example:
        >>> ut.distributed.save(model.state_dict(), "model.safetensors")  # doctest: +SKIP
        >>> model.load_state_dict(ut.load("model.safetensors"))  # every worker  # doctest: +SKIP
    """
    from ..io import save as io_save

    if is_main_process():
        io_save(obj, path)
    if is_initialized():
        barrier()
