"""The named tuples PyTorch's reductions return: ``(values, indices)``.

Each is a :class:`typing.NamedTuple` named after its function, as
``torch.return_types.max`` is: unpack it (``values, indices = x.max(1)``) or read its
fields (``x.max(1).indices``).
"""

from __future__ import annotations

from typing import NamedTuple

from ...tensor import Tensor

__all__ = ["max", "min", "sort", "kthvalue", "median", "mode"]


class max(NamedTuple):
    """What ``x.max(dim)`` returns.

    Example:
        >>> r = ut.tensor([[1, 5], [3, 2]]).max(1)
        >>> r.values, r.indices
        (tensor([5, 3], dtype=int64), tensor([1, 0], dtype=int64))
    """

    values: Tensor
    indices: Tensor


class min(NamedTuple):
    """What ``x.min(dim)`` returns.

    Example:
        >>> ut.tensor([[1, 5], [3, 2]]).min(1).indices
        tensor([0, 1], dtype=int64)
    """

    values: Tensor
    indices: Tensor


class sort(NamedTuple):
    """What ``x.sort()`` returns.

    Example:
        >>> ut.tensor([3, 1, 2]).sort().indices
        tensor([1, 2, 0], dtype=int64)
    """

    values: Tensor
    indices: Tensor


class kthvalue(NamedTuple):
    """What ``x.kthvalue(k)`` returns.

    Example:
        >>> ut.tensor([3., 1., 2.]).kthvalue(2).values
        tensor(2., dtype=float32)
    """

    values: Tensor
    indices: Tensor


class median(NamedTuple):
    """What ``x.median(dim)`` returns.

    Example:
        >>> ut.tensor([[3., 1., 2.]]).median(1).indices
        tensor([2], dtype=int64)
    """

    values: Tensor
    indices: Tensor


class mode(NamedTuple):
    """What ``x.mode(dim)`` returns.

    Example:
        >>> ut.tensor([1, 2, 2, 3]).mode().values
        tensor(2, dtype=int64)
    """

    values: Tensor
    indices: Tensor
