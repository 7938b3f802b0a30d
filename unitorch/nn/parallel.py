"""``DataParallel``: one model replica per worker, kept identical by averaging gradients.

Data-parallel training with ``N`` workers, each on its own shard of every batch
(``ut.data.DataLoader(..., shard="auto")``), computes what one process computes on the
whole batch: the replicas start equal (rank 0's parameters and buffers are broadcast
when the wrapper is made), and after each ``backward()`` the training loop calls
:meth:`DataParallel.sync_gradients`, which replaces every gradient by its mean over the
workers.  With a mean-reduced loss, ``N`` workers with batch ``b`` then take the same
steps as one process with batch ``N * b`` (up to rounding).

Why an explicit call.  PyTorch's ``DistributedDataParallel`` hooks into autograd to
average gradients during ``backward()``; TensorFlow has no such hook, and a hook on the
optimizer would hide a collective inside ``step()``.  ``sync_gradients()`` works the
same on both backends, eagerly and inside :func:`unitorch.compile` (a whole compiled
training step, collectives included), and makes gradient accumulation plain (call it
once every ``k`` backward passes).  :func:`unitorch.fit` calls it by itself when given a
``DataParallel`` model.

How gradients travel: concatenated into one flat buffer per dtype and device and
averaged with one ``all_reduce`` each (few, large messages).  A parameter without a
gradient on some workers contributes zeros there; one without a gradient on every worker
keeps ``None`` (so the optimizer skips it, as it would in one process).  Inside compiled
functions every worker has the same parameters with gradients (they trace the same
program), and those without one are left alone.

Differences from PyTorch's ``DistributedDataParallel``, the same on both backends:

* gradients are averaged by :meth:`~DataParallel.sync_gradients`, not during
  ``backward()``;
* ``state_dict()`` is the wrapped module's, without the ``module.`` prefix, so a
  checkpoint of a distributed run loads into the plain model in one process;
  ``load_state_dict`` also accepts a state whose every key has the prefix (a PyTorch
  DDP checkpoint);
* buffers (BatchNorm's running statistics) are broadcast from rank 0 before each
  training-mode forward, as PyTorch's default ``broadcast_buffers=True`` does.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import BackendMismatchError
from ..tensor import Tensor, _wrap
from .module import IncompatibleKeys, Module

__all__ = ["DataParallel", "DistributedDataParallel"]


class DataParallel(Module):
    """Wrap ``module`` for data-parallel training across the workers of
    :mod:`unitorch.distributed` (call :func:`unitorch.distributed.init` first).

    Args:
        module: the model; its parameters and buffers are replaced, in place, by rank
            0's (a broadcast), so every worker starts from the same values.
        broadcast_buffers: broadcast rank 0's buffers before each forward in training
            mode (PyTorch's default), so running statistics stay identical.

    Calling the wrapper calls ``module``.  After ``loss.backward()`` call
    :meth:`sync_gradients`, then ``optimizer.step()``.  In a group of one every method
    is free (no communication).

    Example:
        >>> ut.distributed.init()  # doctest: +SKIP
        >>> model = ut.nn.DataParallel(ut.nn.Linear(4, 2))  # doctest: +SKIP
        >>> opt = ut.optim.SGD(model.parameters(), lr=0.1)  # doctest: +SKIP
        >>> loss = ut.nn.functional.mse_loss(model(xb), yb)  # doctest: +SKIP
        >>> loss.backward(); model.sync_gradients(); opt.step()  # doctest: +SKIP
    """

    def __init__(self, module: Module, *, broadcast_buffers: bool = True) -> None:
        from ..distributed.group import _current

        if not isinstance(module, Module):
            raise TypeError(f"DataParallel wraps a ut.nn.Module, got {type(module).__name__}")
        group = _current()  # raises before init()
        super().__init__()
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self._world = group.launch.world_size
        if group.backend is not None:
            for t in [*module.parameters(), *module.buffers()]:
                if type(t)._bk is not group.backend:
                    raise BackendMismatchError(
                        f"DataParallel: the module has {type(t)._bk.name} tensors, but the "
                        f"group was initialized on the {group.backend.name} backend")
        self._broadcast([*module.parameters(), *module.buffers()])

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """``module(*args, **kwargs)``, after broadcasting rank 0's buffers in training
        mode (with ``broadcast_buffers``)."""
        if self.broadcast_buffers and self.training and self._world > 1:
            self._broadcast(list(self.module.buffers()))
        return self.module(*args, **kwargs)

    # -- synchronisation ------------------------------------------------------------

    def _broadcast(self, tensors: list[Tensor]) -> None:
        """Overwrite ``tensors`` (parameters, buffers) in place with rank 0's values."""
        if self._world == 1 or not tensors:
            return
        import unitorch as ut

        from ..autograd import no_grad
        from ..distributed import broadcast

        with no_grad():
            for group in _buckets(tensors).values():
                flat = ut.concat([ut.reshape(t.detach(), (-1,)) for t in group])
                flat = broadcast(flat, src=0)
                for t, piece in zip(group, _pieces(flat, group)):
                    bk = type(t)._bk
                    t._n = bk.assign(t._n, piece._n)

    def sync_gradients(self) -> None:
        """Replace each parameter's gradient by its mean over the workers (one
        ``all_reduce`` per dtype and device).  Call it on every worker after
        ``backward()`` and before ``optimizer.step()``; inside a compiled step too.

        Example:
            >>> loss.backward()  # doctest: +SKIP
            >>> model.sync_gradients()  # doctest: +SKIP
            >>> opt.step()  # doctest: +SKIP
        """
        if self._world == 1:
            return
        import unitorch as ut

        from ..autograd import no_grad
        from ..distributed import all_reduce
        from ..ops.creation import asarray_on

        params = [p for p in self.module.parameters() if p.requires_grad]
        with no_grad():
            for group in _buckets(params).values():
                bk = type(group[0])._bk
                natives = [bk.get_grad(p._n) for p in group]
                if bk.is_compiling():
                    self._sync_traced(group, natives)
                    continue
                missing = [g is None for g in natives]
                pieces = []
                for p, g in zip(group, natives):
                    grad = ut.zeros_like(p) if g is None else _wrap(type(p), g, p._d)
                    pieces.append(ut.reshape(grad, (-1,)))
                # one more element per parameter: whether this worker has its gradient
                have = np.array([0.0 if m else 1.0 for m in missing])
                pieces.append(asarray_on(bk, have, dtype=group[0].dtype,
                                         device=group[0].device))
                mean = all_reduce(ut.concat(pieces), op="mean")
                present = None
                if any(missing):  # does any worker have the gradients this one lacks?
                    present = np.asarray(mean[-len(group):].numpy()) > 0
                for i, (p, piece) in enumerate(zip(group, _pieces(mean, group))):
                    if present is None or present[i]:
                        bk.set_grad(p._n, piece._n)

    @staticmethod
    def _sync_traced(group: list[Tensor], natives: list[Any]) -> None:
        import unitorch as ut

        from ..distributed import all_reduce

        have = [(p, g) for p, g in zip(group, natives) if g is not None]
        if not have:
            return
        bk = type(group[0])._bk
        flat = ut.concat([ut.reshape(_wrap(type(p), g, p._d), (-1,)) for p, g in have])
        mean = all_reduce(flat, op="mean")
        params = [p for p, _ in have]
        for p, piece in zip(params, _pieces(mean, params)):
            bk.set_grad(p._n, piece._n)

    # -- state: the wrapped module's, without a prefix --------------------------------

    def _save_state(self, out: OrderedDict[str, Tensor], prefix: str, keep_vars: bool) -> None:
        self.module._save_state(out, prefix, keep_vars)

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """The wrapped module's ``load_state_dict``; a state whose every key starts with
        ``module.`` (saved from PyTorch's DDP wrapper) has the prefix removed first."""
        return super().load_state_dict(state_dict, strict)

    def _load_plan(self, state_dict: dict[str, Any], strict: bool
                   ) -> tuple[list[tuple[Tensor, Tensor]], IncompatibleKeys]:
        keys = list(state_dict) if isinstance(state_dict, Mapping) else []
        if keys and all(isinstance(k, str) and k.startswith("module.") for k in keys):
            state_dict = OrderedDict((k[len("module."):], v) for k, v in state_dict.items())
        return super()._load_plan(state_dict, strict)

    def extra_repr(self) -> str:
        return f"world_size={self._world}"


DistributedDataParallel = DataParallel
"""PyTorch's name for :class:`DataParallel` (one process per worker)."""


def _buckets(tensors: list[Tensor]) -> dict[tuple[Any, ...], list[Tensor]]:
    """``tensors`` grouped by backend, dtype and device, in order."""
    out: dict[tuple[Any, ...], list[Tensor]] = {}
    for t in tensors:
        out.setdefault((type(t)._bk.name, t.dtype, t.device), []).append(t)
    return out


def _pieces(flat: Tensor, like: list[Tensor]) -> list[Tensor]:
    """``flat`` cut into the shapes of ``like`` (in order; extra elements ignored)."""
    import unitorch as ut

    out, start = [], 0
    for t in like:
        shape = tuple(t.shape)
        n = int(np.prod(shape, dtype=np.int64))
        out.append(ut.reshape(flat[start:start + n], shape))
        start += n
    return out
