"""``ut.distributed``: data-parallel training on each framework's own engine.

One process per worker, started by ``unitorch run --nproc N script.py`` (or
``torchrun`` for the torch backend); each joins the group with :func:`init`, which
reads the launcher's environment (:mod:`.env`).  The collectives (:func:`all_reduce`,
:func:`broadcast`, :func:`all_gather`, :func:`barrier`) run on ``torch.distributed``
(gloo on the CPU, NCCL on GPUs) or on ``tf.distribute``'s collective ops (over gRPC),
and give the same results on both backends.  Data-parallel training needs three more
pieces: :class:`unitorch.nn.DataParallel` (same start, averaged gradients), a sharded
:class:`unitorch.data.DataLoader` (``shard="auto"``) and :func:`save` (rank 0 writes).

Example (the same script runs alone and under ``unitorch run --nproc 2``):
    >>> ut.distributed.init()  # doctest: +SKIP
    >>> model = ut.nn.DataParallel(make_model())  # doctest: +SKIP
    >>> loader = ut.data.DataLoader((x, y), batch_size=32, shuffle=True, seed=0,
    ...                             shard="auto")  # doctest: +SKIP
    >>> for xb, yb in loader:  # doctest: +SKIP
    ...     opt.zero_grad(); loss_fn(model(xb), yb).backward()
    ...     model.sync_gradients(); opt.step()
    >>> ut.distributed.save(model.state_dict(), "model.safetensors")  # doctest: +SKIP

See ``docs/distributed.md``.
"""

from .checkpoint import save
from .collectives import all_gather, all_reduce, barrier, broadcast
from .group import (
    DEFAULT_TIMEOUT,
    DistributedError,
    engine,
    get_local_rank,
    get_rank,
    get_world_size,
    init,
    is_initialized,
    is_main_process,
    shutdown,
)

__all__ = [
    "init", "shutdown", "is_initialized", "get_rank", "get_world_size", "get_local_rank",
    "is_main_process", "engine", "all_reduce", "broadcast", "all_gather", "barrier", "save",
    "DistributedError", "DEFAULT_TIMEOUT",
]
