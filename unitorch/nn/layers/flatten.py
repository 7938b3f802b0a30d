"""``Flatten`` and ``Unflatten``, as in ``torch.nn``."""

from __future__ import annotations

import math

from ...errors import ShapeError, fmt_shape, normalize_axis
from ...ops.manipulation import flatten, reshape
from ...tensor import Tensor
from ..module import Module

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge dimensions ``start_dim`` to ``end_dim`` (inclusive) into one; by default
    everything but the batch dimension.

    Example:
        >>> ut.nn.Flatten()(ut.ones((2, 3, 4, 5))).shape
        (2, 60)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (a tuple or list of ints, one of
    which may be -1), the inverse of :class:`Flatten`, as ``torch.nn.Unflatten``.

    Example:
        >>> ut.nn.Unflatten(1, (2, 5))(ut.ones((3, 10))).shape
        (3, 2, 5)
    """

    def __init__(self, dim: int, unflattened_size: tuple[int, ...] | list[int]) -> None:
        super().__init__()
        if isinstance(dim, bool) or not isinstance(dim, int):
            raise TypeError(f"Unflatten: dim must be an int, got {dim!r}")
        if not isinstance(unflattened_size, (tuple, list)) or not all(
                isinstance(s, int) and not isinstance(s, bool) for s in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        shape = tuple(-1 if s is None else s for s in input.shape)
        dim = normalize_axis(self.dim, len(shape), "dim")
        sizes = tuple(self.unflattened_size)
        known = [s for s in sizes if s != -1]
        size = shape[dim]
        if sizes.count(-1) > 1 or (size != -1 and (
                (sizes.count(-1) == 0 and math.prod(sizes) != size)
                or (known and size % math.prod(known)))):
            raise ShapeError(f"Unflatten: unflattened_size {sizes} does not fit dimension "
                             f"{self.dim} of size {size} (input shape "
                             f"{fmt_shape(input.shape)})")
        return reshape(input, shape[:dim] + sizes + shape[dim + 1:])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
