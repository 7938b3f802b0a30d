"""``Tensor.size``: the Array API's attribute and PyTorch's method, in one object.

The Array API standard defines ``x.size`` as the number of elements (an ``int``, or
``None`` when a dimension is unknown); PyTorch defines ``x.size()`` as the shape (a
``torch.Size``) and ``x.size(d)`` as the length of dimension ``d``.  Programs written
for either must run unchanged, so ``x.size`` is a :class:`Count`: an ``int`` (it compares,
hashes, indexes, formats and serializes as the element count, and ``isinstance(x.size,
int)`` holds) that can also be called as PyTorch's method.  While a compiled function is
traced with a dimension unknown, ``x.size`` is ``None``, as the standard says; use
``x.shape`` there.
"""

from __future__ import annotations

import math
import operator
from typing import Any

__all__ = ["Size", "Count"]


class Size(tuple):
    """PyTorch's ``torch.Size``: a tuple of ints (what ``x.size()`` returns), with
    ``numel()``; slicing and concatenating give a ``Size`` again.

    Example:
        >>> s = ut.zeros((2, 3)).size()
        >>> s, s == (2, 3), s.numel(), s[1:]
        (Size([2, 3]), True, 6, Size([3]))
    """

    __slots__ = ()

    def __new__(cls, sizes: Any = ()) -> Size:
        return super().__new__(cls, (operator.index(s) for s in sizes))

    def numel(self) -> int:
        """The number of elements of a tensor of this shape.

        Example:
            >>> ut.zeros((4, 5)).size().numel()
            20
        """
        return math.prod(self)

    def __getitem__(self, key: Any) -> Any:
        out = tuple.__getitem__(self, key)
        return Size(out) if isinstance(key, slice) else out

    def __add__(self, other: Any) -> Size:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __repr__(self) -> str:
        return f"Size({list(self)})"


class Count(int):
    """The element count ``x.size`` (an ``int``), callable as PyTorch's ``x.size()`` (the
    shape, a :class:`Size`) and ``x.size(dim)`` (one dimension's length; negative dims
    count from the end).

    Example:
        >>> x = ut.zeros((2, 3))
        >>> x.size, x.size(), x.size(-1)
        (6, Size([2, 3]), 3)
    """

    def __new__(cls, count: int, shape: tuple[int, ...]) -> Count:
        self = super().__new__(cls, count)
        self._shape = shape
        return self

    def __call__(self, dim: int | None = None) -> Size | int:
        if dim is None:
            return Size(self._shape)
        from .errors import normalize_axis

        return self._shape[normalize_axis(operator.index(dim), len(self._shape))]

    def __repr__(self) -> str:
        return int.__repr__(self)

    __str__ = __repr__

    def __reduce__(self) -> Any:  # pickled and copied as the plain int it stands for
        return int, (int(self),)
