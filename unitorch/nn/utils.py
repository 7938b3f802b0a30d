"""Gradient clipping, as ``torch.nn.utils``: :func:`clip_grad_norm_`,
:func:`clip_grad_value_`, and the two halves of the first, :func:`get_total_norm` and
:func:`clip_grads_with_norm_`; packed sequences are ``ut.nn.utils.rnn``
(``unitorch/nn/_packed.py``).

They read and replace ``p.grad`` of each parameter (PyTorch scales the gradient tensors
in place; here ``p.grad`` is given the scaled tensor, which is the same for everything
that reads ``p.grad`` afterwards, optimizers included), compute with tensor operations
only (no host reads), and so also work inside compiled training steps, except
``error_if_nonfinite=True``, which must read the norm on the host.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from typing import Any

from .. import dtypes as dt
from ..backends import current
from ..tensor import Tensor, _wrap
from . import _packed as rnn

# ``ut.nn.utils.rnn`` (and ``from unitorch.nn.utils.rnn import ...``), as torch.nn.utils.rnn
sys.modules[f"{__name__}.rnn"] = rnn

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "clip_grads_with_norm_"]


def _as_list(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    out = list(parameters)
    for p in out:
        if not isinstance(p, Tensor):
            raise TypeError(f"expected Tensors (parameters or gradients), got {type(p).__name__}")
    return out


def _grads(parameters: list[Tensor]) -> list[Tensor]:
    return [g for g in (p.grad for p in parameters) if g is not None]


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a real number, got bool")
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a real number, got {value!r}") from e


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float | str = 2.0,
                   error_if_nonfinite: bool = False) -> Tensor:
    """The ``norm_type``-norm of the norms of ``tensors`` (that of all their elements as
    one vector; ``inf``: the largest magnitude), in their promoted floating dtype; a
    0-d zero (float32) when there are none.

    Raises:
        RuntimeError: with ``error_if_nonfinite``, when the norm is NaN or infinite.

    Example:
        >>> ut.nn.utils.get_total_norm([ut.tensor([3.0]), ut.tensor([4.0])])
        tensor(5., dtype=float32)
    """
    from ..linalg import vector_norm
    from ..ops.creation import asarray_on
    from ..ops.manipulation import stack

    ts = _as_list(tensors)
    norm_type = _number("norm_type", norm_type)
    if not ts:
        return asarray_on(current(), 0.0, dtype=dt.float32)
    T, d = type(ts[0]), ts[0]._d
    if (norm_type > 0 and d.kind == "f" and d.bits >= 32
            and all(type(t) is T and t._d is d and 0 not in t.shape for t in ts)):
        # the common case (gradients of one dtype): every norm in one backend call
        stacked = _wrap(T, T._bk.stack(T._bk.norms([t._n for t in ts], norm_type), 0), d)
    else:
        stacked = stack([vector_norm(t, ord=norm_type) for t in ts])
    total = vector_norm(stacked, ord=norm_type)
    if error_if_nonfinite:
        value = float(total)
        if math.isnan(value) or math.isinf(value):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor) -> None:
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([3.0, 4.0])); ut.sum(w * w).backward()
        >>> ut.nn.utils.clip_grads_with_norm_([w], 1.0, ut.tensor(10.0))
        >>> w.grad  # (6, 8) times 1 / (10 + 1e-6)
        tensor([0.59999996, 0.79999995], dtype=float32)
    """
    from ..ops.elementwise import add, divide, minimum, multiply

    params = [p for p in _as_list(parameters) if p.grad is not None]
    if not params:
        return
    max_norm = _number("max_norm", max_norm)
    coef = minimum(divide(max_norm, add(total_norm, 1e-6)), 1.0)
    bk = type(coef)._bk
    by_dtype: dict[Any, list[Tensor]] = {}
    for p in params:  # one backend call per dtype (gradients of one model share one)
        by_dtype.setdefault(p._d, []).append(p)
    for d, group in by_dtype.items():
        c = coef if coef._d is d else coef.astype(d)
        if d.kind == "f" and all(type(p)._bk is bk for p in group):
            # (a gradient has its parameter's shape and dtype, and so has its product
            # with c: written back without the checks of the grad setter)
            scaled = bk.scale_all([bk.get_grad(p._n) for p in group], c._n)
            for p, n in zip(group, scaled):
                bk.set_grad(p._n, n)
        else:
            for p in group:
                p.grad = multiply(p.grad, c)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float | str = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Rescale the gradients of ``parameters`` so that their total ``norm_type``-norm
    (see :func:`get_total_norm`) is at most ``max_norm``, as PyTorch does: each gradient
    is multiplied by ``min(1, max_norm / (total + 1e-6))``.  Returns the total norm
    before clipping (a 0-d tensor).  Parameters without a gradient are skipped.

    Raises:
        RuntimeError: with ``error_if_nonfinite``, when the norm is NaN or infinite
            (this reads the norm on the host, so not inside a TensorFlow-compiled step).

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([3.0, 4.0]))
        >>> ut.sum(w * w).backward()  # grad (6, 8), norm 10
        >>> ut.nn.utils.clip_grad_norm_([w], max_norm=5.0)
        tensor(10., dtype=float32)
        >>> w.grad  # times 5 / (10 + 1e-6)
        tensor([2.9999995, 3.9999995], dtype=float32)
    """
    params = _as_list(parameters)
    total = get_total_norm(_grads(params), norm_type, error_if_nonfinite)
    clip_grads_with_norm_(params, max_norm, total)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient of ``parameters`` to ``[-clip_value, clip_value]`` (NaN stays
    NaN), as PyTorch does.

    Example:
        >>> w = ut.nn.Parameter(ut.tensor([3.0, -4.0]))
        >>> ut.sum(w * w).backward()
        >>> ut.nn.utils.clip_grad_value_([w], 1.0)
        >>> w.grad
        tensor([ 1., -1.], dtype=float32)
    """
    from ..ops.elementwise import clip

    v = _number("clip_value", clip_value)
    for p in _as_list(parameters):
        g = p.grad
        if g is not None:
            p.grad = clip(g, -v, v)
