"""``dropout``: zero random elements in training and scale the rest, PyTorch's way.

The uniform draws come from the backend's native generator by default (fast; the two
frameworks draw different masks for one seed), or, with ``ut.random.portable(True)``,
from unitorch's portable stream, which gives the very same mask on every backend (see
:mod:`unitorch.random`); either way the backend's ``dropout`` primitive applies them.  Either way ``ut.manual_seed`` makes it reproducible.

Element ``i`` is kept when a uniform draw ``u_i`` in ``[0, 1)`` (float32) satisfies
``u_i >= p``, so it is kept with probability ``1 - p``; the result is
``x * mask * (1 / (1 - p))``, multiplied in that order as PyTorch does (a NaN in a
dropped position stays NaN, as in PyTorch).  ``p = 1`` gives ``x * 0``.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, native_scalar, to_tensor
from ..errors import DTypeError
from ..random import _host, _state, _unit_interval
from ..tensor import Tensor, _wrap

__all__ = ["dropout"]

_HALF = (dt.float16, dt.bfloat16)


def _check_p(p: float) -> float:
    """``p`` as a float in [0, 1], or PyTorch's error."""
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer,
                                                             np.floating)):
        raise TypeError(f"dropout probability must be a number, got {p!r}")
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    return p


def _uniform(backend, shape: tuple[int, ...], device) -> object:
    """A native float32 tensor of uniform [0, 1) draws, portable or native."""
    if _state.portable:
        return _host(backend, device, shape, dt.float32,
                     lambda g: _unit_interval(g, shape, dt.float32))
    return backend.random_uniform(_state.native_rng(backend, device), shape, dt.float32,
                                  device)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,
            inplace: bool = False) -> Tensor:
    """During training, zero each element with probability ``p`` and scale the others by
    ``1 / (1 - p)``, so the expected value is unchanged; otherwise return ``input``.

    Real floating tensors only (:class:`DTypeError` otherwise); the result keeps the
    shape and dtype (float16/bfloat16 are scaled in float32 and rounded once).  ``p``
    must lie in ``[0, 1]``; ``p = 0`` returns ``input`` and ``p = 1`` gives ``input * 0``.
    The mask is drawn from the native generator, or the portable stream under
    ``ut.random.portable(True)`` (the same mask on every backend).  ``inplace=True``
    also stores the result in ``input`` (its native is replaced).

    Example:
        >>> ut.manual_seed(0)
        >>> y = ut.nn.functional.dropout(ut.ones(1000), p=0.25)
        >>> sorted(set(y.tolist()))   # dropped, or kept and scaled by 1 / 0.75
        [0.0, 1.3333333730697632]
    """
    p = _check_p(p)
    if not training or p == 0.0:
        return input
    x = to_tensor(input, backend_of("dropout", input))
    d = x._d
    if d.kind != "f":
        raise DTypeError(f"dropout() expects real floating tensors, got {d.name}")
    backend = type(x)._bk
    native = x._n
    cd = dt.float32 if d in _HALF else d
    if cd is not d:
        native = backend.cast(native, cd)
    if p == 1.0:
        out = backend.multiply(native, native_scalar(backend, 0.0, cd, native))
    else:
        u = _uniform(backend, backend.shape(native), backend.device(native))
        out = backend.dropout(native, u, p)
    if cd is not d:
        out = backend.cast(out, d)
    if inplace:
        if not isinstance(input, Tensor):
            raise TypeError("inplace=True needs a unitorch Tensor input")
        input._n = out
        return input
    return _wrap(type(x), out, d)
