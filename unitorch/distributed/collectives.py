"""Collectives on unitorch tensors: :func:`all_reduce`, :func:`broadcast`,
:func:`all_gather` and :func:`barrier`, the same on every backend.

Rules (those of ``torch.distributed``, checked where it costs nothing):

* every worker calls the same collectives in the same order, with tensors of the same
  shape and dtype (:func:`all_gather` checks the shapes and dtypes and raises the same
  :class:`~unitorch.errors.ShapeError` on every worker; the others trust them);
* the result is a new tensor of the input's dtype and device; the input is not modified
  (unlike ``torch.distributed``'s in-place collectives: TensorFlow tensors are
  immutable, so unitorch returns the result on both backends);
* results carry no gradient history (collectives are not differentiable, as in
  ``torch.distributed``);
* they work eagerly and inside :func:`unitorch.compile`.

Dtypes.  The engines reduce ``float32``, ``float64``, ``int32`` and ``int64``; the others
travel in one of these, the same way on both backends: ``float16`` and ``bfloat16`` are
reduced in ``float32`` and rounded once to their dtype (the rule of unitorch's own
reductions); ``int8``, ``int16`` and ``uint8`` in ``int32``, then cast back (a sum
wraps around as in NumPy); complex tensors as their real and imaginary parts (``sum``
and ``mean`` only); ``bool`` with ``sum`` and ``max`` giving logical *or* and ``min``
logical *and* (PyTorch's ``True + True`` is ``True``).  ``mean`` is the sum divided by
the world size, for floating and complex tensors (an integer mean raises
:class:`~unitorch.errors.DTypeError`: take the ``sum`` and divide).  Sums of more than
two workers may differ in the last bits between the engines, which add in different
orders; with two workers they agree exactly.

Failures.  A collective that fails or outlives the timeout given to
:func:`~unitorch.distributed.init` (a worker died, hangs, or left) raises
:class:`~unitorch.distributed.DistributedError` naming the operation and the rank, with
the engine's message.  Inside a compiled function the failure surfaces when the
function runs, as the framework's own error (TensorFlow: ``tf.errors.UnavailableError``
or ``DeadlineExceededError``; torch: ``RuntimeError``), once: :func:`unitorch.compile`
does not run the step again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..errors import BackendMismatchError, DTypeError, ShapeError, fmt_shape
from ..tensor import Tensor, _wrap
from .group import DistributedError, _current

__all__ = ["all_reduce", "broadcast", "all_gather", "barrier"]

_OPS = ("sum", "mean", "max", "min")
_CARRIED = {dt.float32, dt.float64, dt.int32, dt.int64}
_WIDE = {dt.float16: dt.float32, dt.bfloat16: dt.float32, dt.int8: dt.int32,
         dt.int16: dt.int32, dt.uint8: dt.int32, dt.bool: dt.int32}
_PART = {dt.complex64: dt.float32, dt.complex128: dt.float64}
_MAX_NDIM = 32  # all_gather's shape check describes up to this many dimensions


def _check_tensor(op: str, tensor: Any) -> Any:
    """The group's backend (None for a group of one) after checking ``tensor``."""
    group = _current()
    if not isinstance(tensor, Tensor):
        raise TypeError(f"ut.distributed.{op}() expects a unitorch Tensor, got "
                        f"{type(tensor).__name__}")
    bk = group.backend
    if bk is not None and type(tensor)._bk is not bk:
        raise BackendMismatchError(
            f"ut.distributed.{op}() got a {type(tensor)._bk.name} tensor, but the group "
            f"was initialized on the {bk.name} backend; convert it with ut.asarray")
    return bk


def _call(op: str, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)``, with the engine's failures reported as DistributedError."""
    group = _current()
    try:
        return fn(*args)
    except group.backend.dist_errors as e:
        text = str(e)
        lowered = text.lower()
        if "timed out" in lowered or "timeout" in lowered or "deadline" in lowered:
            why = (f"it timed out after {group.timeout:g} s waiting for the other workers "
                   "(a worker may have exited or hung)")
        else:
            why = ("the communication failed; another worker has probably exited or "
                   "crashed")
        raise DistributedError(
            f"ut.distributed.{op}() failed on rank {group.launch.rank} of "
            f"{group.launch.world_size} ({group.engine}): {why}. "
            f"{type(e).__name__}: {_details(text)}") from e


def _details(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    joined = " | ".join(lines[:4])
    return joined[:600] + ("..." if len(joined) > 600 else "") if joined else "(no message)"


# ---------------------------------------------------------------------------------------
# carrying every dtype in the engines' four


def _to_carrier(x: Tensor) -> tuple[Tensor, Callable[[Tensor], Tensor]]:
    """``x`` in a dtype the engines carry, and the function that turns a result back."""
    import unitorch as ut

    d = x.dtype
    if d in _CARRIED:
        return x, lambda r: r
    if d in _PART:
        def back_complex(r: Tensor) -> Tensor:
            re, im = r[..., 0], r[..., 1]
            return _wrap(type(r), type(r)._bk.complex(re._n, im._n), d)

        return ut.stack([ut.real(x), ut.imag(x)], axis=-1), back_complex
    wide = _WIDE[d]
    if d is dt.bool:
        return ut.astype(x, wide), lambda r: r != 0
    return ut.astype(x, wide), lambda r: ut.astype(r, d)


def _wrap_like(x: Tensor, native: Any) -> Tensor:
    return _wrap(type(x), native, x.dtype)


# ---------------------------------------------------------------------------------------
# the collectives


def all_reduce(tensor: Tensor, op: str = "sum") -> Tensor:
    """The element-wise reduction of ``tensor`` over every worker, on every worker.

    ``op`` is ``"sum"``, ``"mean"`` (also spelled ``"avg"``), ``"max"`` or ``"min"``.
    The result has ``tensor``'s shape, dtype and device; ``tensor`` is not modified.
    See the module docstring for how each dtype is reduced.

    Example:
        >>> x = ut.tensor([1.0, 2.0]) * (ut.distributed.get_rank() + 1)  # doctest: +SKIP
        >>> ut.distributed.all_reduce(x)  # on 2 workers  # doctest: +SKIP
        tensor([3., 6.], dtype=float32)
        >>> ut.distributed.all_reduce(x, op="max")  # doctest: +SKIP
        tensor([2., 4.], dtype=float32)
    """
    if not isinstance(op, str) or op.lower() not in (*_OPS, "avg"):
        raise ValueError(f"ut.distributed.all_reduce(): op must be one of "
                         f"{', '.join(map(repr, _OPS))}, got {op!r}")
    op = "mean" if op.lower() == "avg" else op.lower()
    bk = _check_tensor("all_reduce", tensor)
    d = tensor.dtype
    if op == "mean" and d.kind not in "fc":
        raise DTypeError(f"ut.distributed.all_reduce(op='mean') expects floating or complex "
                         f"tensors, got {d.name}; reduce with op='sum' and divide")
    if op in ("max", "min") and d.kind == "c":
        raise DTypeError(f"ut.distributed.all_reduce(op={op!r}) is not defined for complex "
                         f"tensors ({d.name})")
    carrier, back = _to_carrier(tensor)
    if bk is None:  # a group of one
        return back(_wrap_like(carrier, type(carrier)._bk.copy(carrier._n)))
    engine_op = {"mean": "sum"}.get(op, op)
    if d is dt.bool and op == "sum":
        engine_op = "max"  # logical or, without overflow
    reduced = _wrap_like(carrier, _call("all_reduce", bk.dist_all_reduce, carrier._n,
                                        engine_op))
    if op == "mean":
        reduced = reduced / _current().launch.world_size
    return back(reduced)


def broadcast(tensor: Tensor, src: int = 0) -> Tensor:
    """Worker ``src``'s ``tensor``, on every worker (the same bits).

    Every worker passes a tensor of the same shape and dtype (the others' values are
    ignored); the result is new, ``tensor`` is not modified.

    Example:
        >>> w = ut.distributed.broadcast(ut.randn(3))  # rank 0's draw everywhere  # doctest: +SKIP
    """
    group = _current()
    world = group.launch.world_size
    if isinstance(src, bool) or not isinstance(src, (int, np.integer)) or not 0 <= src < world:
        raise ValueError(f"ut.distributed.broadcast(): src must be a rank in [0, {world}), "
                         f"got {src!r}")
    bk = _check_tensor("broadcast", tensor)
    carrier, back = _to_carrier(tensor)
    if bk is None:
        return back(_wrap_like(carrier, type(carrier)._bk.copy(carrier._n)))
    return back(_wrap_like(carrier, _call("broadcast", bk.dist_broadcast, carrier._n,
                                          int(src))))


def all_gather(tensor: Tensor, *, stack: bool = False) -> list[Tensor] | Tensor:
    """Every worker's ``tensor``, in rank order: a list of ``world_size`` tensors, or with
    ``stack=True`` one tensor of shape ``(world_size, *tensor.shape)``.

    Every worker must pass the same shape and dtype; outside compiled functions this is
    checked first (one small extra collective) and a mismatch raises the same
    :class:`~unitorch.errors.ShapeError` or :class:`~unitorch.errors.DTypeError`,
    listing every worker's, on every worker.

    Example:
        >>> parts = ut.distributed.all_gather(ut.tensor([ut.distributed.get_rank()]))  # doctest: +SKIP
        >>> [p.tolist() for p in parts]  # on 2 workers  # doctest: +SKIP
        [[0], [1]]
    """
    import unitorch as ut

    bk = _check_tensor("all_gather", tensor)
    world = _current().launch.world_size
    if bk is None:
        stacked = ut.stack([_wrap_like(tensor, type(tensor)._bk.copy(tensor._n))])
    else:
        if not bk.is_compiling():
            _check_same_layout(bk, tensor)
        carrier, back = _to_carrier(tensor)
        gathered = _wrap_like(carrier, _call("all_gather", bk.dist_all_gather, carrier._n))
        stacked = back(gathered)
    if stack:
        return stacked
    return [stacked[i] for i in range(world)]


def _check_same_layout(bk: Any, tensor: Tensor) -> None:
    """Raise the same error on every worker unless all pass one shape and dtype."""
    shape = tuple(tensor.shape)
    if len(shape) > _MAX_NDIM:
        raise ShapeError(f"ut.distributed.all_gather() takes tensors of at most {_MAX_NDIM} "
                         f"dimensions, got {len(shape)}")
    names = [d.name for d in dt.all_dtypes]
    code = np.full(2 + _MAX_NDIM, -1, dtype=np.int64)
    code[0], code[1] = len(shape), names.index(tensor.dtype.name)
    code[2:2 + len(shape)] = shape
    native = bk.from_numpy(code, None)
    everyone = bk.to_numpy(_call("all_gather", bk.dist_all_gather, native))
    layouts = [(tuple(int(v) for v in row[2:2 + row[0]]), names[int(row[1])])
               for row in everyone]
    if len({s for s, _ in layouts}) > 1:
        listed = ", ".join(f"rank {r}: {fmt_shape(s)}" for r, (s, _) in enumerate(layouts))
        raise ShapeError("ut.distributed.all_gather() needs the same shape on every worker, "
                         f"got {listed}")
    if len({d for _, d in layouts}) > 1:
        listed = ", ".join(f"rank {r}: {d}" for r, (_, d) in enumerate(layouts))
        raise DTypeError("ut.distributed.all_gather() needs the same dtype on every worker, "
                         f"got {listed}")


def barrier() -> None:
    """Return once every worker has called ``barrier()`` (or raise
    :class:`~unitorch.distributed.DistributedError` after the timeout).

    Example:
        >>> ut.distributed.barrier()  # doctest: +SKIP
    """
    group = _current()
    if group.backend is not None:
        _call("barrier", group.backend.dist_barrier)
