"""Helpers shared by the layers: parameter creation and argument checks."""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ...ops.creation import empty
from ...tensor import Tensor
from .. import init
from ..parameter import Parameter


def new_parameter(shape: tuple[int, ...], dtype: Any, device: Any) -> Tensor:
    """An uninitialised (zero) Parameter of ``shape`` (default float dtype)."""
    return Parameter(empty(shape, dtype=dtype, device=device))


def count(op: str, name: str, value: Any, minimum: int = 0) -> int:
    """``value`` as an int at least ``minimum`` (bool refused), or a clear error."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{op}: {name} must be an int, got {value!r}")
    try:
        n = operator.index(value)
    except TypeError:
        raise TypeError(f"{op}: {name} must be an int, got {value!r}") from None
    if n < minimum:
        raise ValueError(f"{op}: {name} must be at least {minimum}, got {n}")
    return n


def pair(value: Any) -> Any:
    """PyTorch's ``_pair``: an int becomes ``(v, v)``; a sequence becomes a tuple."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return (int(value), int(value))
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return value


def fan_in_uniform_(weight: Tensor, bias: Tensor | None) -> None:
    """PyTorch's Linear/Conv initialisation: ``weight`` from kaiming_uniform_ with
    ``a = sqrt(5)``, i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and ``bias`` from
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (bound 0 when fan_in is 0).  Zero-element tensors
    are left alone, as PyTorch does."""
    fan_in = init.calculate_fan_in_and_fan_out(weight)[0]
    if weight.size:
        init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None and bias.size:
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        init.uniform_(bias, -bound, bound)
