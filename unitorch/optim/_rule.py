"""What the update rules of ``optim/<name>.py`` share.

Each optimizer's rule is written once, in its module, with the backend contract's
primitives only, so it runs on any backend: a new backend needs no optimizer code.  A
backend may replace a rule by a fused kernel of its own (the contract's optional
``<name>_update``: PyTorch's functional optimizers on the torch backend, eagerly), which
must compute the same rule; otherwise the rule runs through the backend's ``run_update``
(TensorFlow compiles each rule once into a ``tf.function``).

A rule is called as ``rule(bk, static, params, grads, <state lists>, steps, hyper)``:
``static`` holds the Python choices of structure (flags, and which hyperparameters are
non-zero, decided when the step runs or is traced), the lists hold natives (parameters
and state are mutable natives written with ``bk.assign``), and ``hyper`` maps names to
the backend's hyperparameter holders, read with ``bk.hyperparameter_value`` as float64
natives each time the rule runs, so a scheduler's new value reaches a compiled step.

Scalar coefficients (``1 - beta1 ** t``, ``lr / bc1``...) are formed in float64, as
PyTorch forms them with Python floats, and rounded once to each parameter's dtype
(:class:`Coefficients`).  Per-step scalars that differ per parameter (each parameter has
its own step count, as in PyTorch) are formed for a whole group at once, as vectors
(:func:`advance_all`, :meth:`Coefficients.entry`).
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as dt

__all__ = ["Coefficients", "advance", "advance_all", "lerp", "read", "one_minus"]


def read(bk: Any, hyper: dict[str, Any], *names: str) -> list[Any]:
    """The hyperparameters ``names`` as 0-d float64 natives, read now."""
    return [bk.hyperparameter_value(hyper[n]) for n in names]


def one_minus(bk: Any, x: Any) -> Any:
    """``1 - x`` (primitives take a Python scalar second; first, through the backend's
    ``scalar_kernel``)."""
    return bk.scalar_kernel(bk.subtract, True)(x, 1.0)


def advance(bk: Any, step: Any) -> Any:
    """Add one to a step counter (a 0-d float32 native) in place; the new count, as a
    0-d float64 native."""
    return bk.cast(bk.assign(step, bk.add(step, 1.0)), dt.float64)


def advance_all(bk: Any, steps: list[Any]) -> Any:
    """Add one to every step counter of ``steps`` in place; the new counts as one 1-D
    float64 native (entry ``i`` for ``steps[i]``).  A rule then forms its per-step
    scalars (bias corrections...) once for a whole group, as vectors, instead of a
    dozen scalar operations per parameter (inside a compiled TensorFlow step, each is a
    graph node run every step)."""
    if len(steps) == 1:
        return bk.reshape(advance(bk, steps[0]), (1,))
    new = bk.add(bk.stack(steps, 0), 1.0)
    for step, value in zip(steps, bk.unstack(new, 0)):
        bk.assign(step, value)
    return bk.cast(new, dt.float64)


class Coefficients:
    """Float64 0-d natives rounded once to the dtype, and moved to the device, of each
    parameter that uses them (a parameter's own coefficients, such as its bias
    corrections, are made for it alone)."""

    def __init__(self, bk: Any) -> None:
        self._bk = bk
        self._made: dict[tuple[int, Any, Any], Any] = {}

    def __call__(self, value: Any, like: Any) -> Any:
        bk = self._bk
        d, dev = bk.dtype_from_native[like.dtype], bk.device(like)
        key = (id(value), d, dev)
        entry = self._made.get(key)
        if entry is None:  # (the value is kept with it, so its id stays unique)
            made = bk.to_device(value if d is dt.float64 else bk.cast(value, d), dev)
            entry = self._made[key] = (value, made)
        return entry[1]

    def entry(self, values: Any, i: int, like: Any) -> Any:
        """Entry ``i`` of the 1-D float64 native ``values`` (per-parameter scalars made
        by a vectorised computation), rounded and moved as :meth:`__call__` does: the
        vector is converted once per dtype and device, and split once."""
        bk = self._bk
        d, dev = bk.dtype_from_native[like.dtype], bk.device(like)
        key = (id(values), d, dev, "entries")
        entry = self._made.get(key)
        if entry is None:
            entry = self._made[key] = (values, bk.unstack(self(values, like), 0))
        return entry[1][i]


def lerp(bk: Any, start: Any, end: Any, weight: Any) -> Any:
    """``torch.lerp(start, end, weight)`` as PyTorch's CPU kernel computes it, for a
    ``weight`` already of ``start``'s dtype (0-d): ``start + weight * (end - start)``
    when ``|weight| < 0.5``, else ``end - (end - start) * (1 - weight)`` (the weight is a
    hyperparameter a scheduler may change, so both forms are computed and one chosen)."""
    diff = bk.subtract(end, start)
    near_start = bk.add(start, bk.multiply(weight, diff))
    near_end = bk.subtract(end, bk.multiply(diff, one_minus(bk, weight)))
    return bk.where(bk.less(bk.abs(weight), 0.5), near_start, near_end)
