"""Reshaping, selecting and joining as PyTorch spells and defines them.

* ``repeat(x, *sizes)`` **tiles** (``x.repeat(2, 1)`` is ``ut.tile(x, (2, 1))``; NumPy's
  and the neutral ``ut.repeat`` repeat each element, PyTorch's ``repeat_interleave``);
* ``chunk`` splits into at most ``chunks`` pieces of ``ceil(n / chunks)``;
* ``cat``/``stack``/``concat`` take the dim positionally (``torch.cat(xs, 1)``);
* ``index_select``, ``masked_fill``, ``masked_select``, ``scatter``, ``narrow``, ``t``,
  ``movedim`` and the ``*_as`` methods.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from ... import dtypes as dt
from ...errors import ShapeError, fmt_shape, normalize_axis
from ...tensor import Tensor
from .. import creation as cr
from .. import elementwise as ew
from .. import indexing as ix
from .. import manipulation as mp

__all__ = ["repeat", "chunk", "narrow", "t", "view_as", "reshape_as", "expand_as",
           "index_select", "masked_fill", "masked_select", "scatter", "cat", "concat",
           "stack", "movedim", "contiguous"]


def _sizes(sizes: tuple[Any, ...]) -> tuple[int, ...]:
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    return tuple(operator.index(s) for s in sizes)


def repeat(input: Tensor, *sizes: int | Sequence[int]) -> Tensor:
    """PyTorch's ``Tensor.repeat``: tile the whole tensor ``sizes[i]`` times along axis
    ``i`` (``sizes`` has at least ``ndim`` entries; extra ones add leading axes).  Not
    NumPy's ``repeat``, which is PyTorch's ``repeat_interleave``.

    Example:
        >>> ut.tensor([1, 2]).repeat(2, 2)
        tensor([[1, 2, 1, 2],
                [1, 2, 1, 2]], dtype=int64)
    """
    reps = _sizes(sizes)
    if len(reps) < input.ndim:
        raise ValueError(f"repeat(): {len(reps)} sizes for a tensor of {input.ndim} "
                         "dimensions; give at least one per dimension")
    return mp.tile(input, reps)


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """PyTorch's ``chunk``: split ``dim`` into pieces of ``ceil(n / chunks)`` elements
    (the last may be smaller, and there may be fewer than ``chunks`` pieces).

    Example:
        >>> [c.tolist() for c in ut.arange(5).chunk(3)]
        [[0, 1], [2, 3], [4]]
    """
    chunks = operator.index(chunks)
    if chunks <= 0:
        raise ValueError(f"chunk(): chunks must be positive, got {chunks}")
    axis = normalize_axis(operator.index(dim), input.ndim)
    n = input.shape[axis]
    size = max(-(-n // chunks), 1)
    return mp.split(input, size, axis=axis)


def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """PyTorch's ``narrow``: elements ``start .. start + length - 1`` along ``dim``
    (a negative ``start`` counts from the end).

    Example:
        >>> ut.arange(6).narrow(0, 2, 3)
        tensor([2, 3, 4], dtype=int64)
    """
    axis = normalize_axis(operator.index(dim), input.ndim)
    n = input.shape[axis]
    start, length = operator.index(start), operator.index(length)
    if start < 0:
        start += n
    if not (0 <= start <= n and 0 <= length and start + length <= n):
        raise IndexError(f"narrow(): start {start} and length {length} are out of range for "
                         f"dimension {dim} of size {n}")
    key = (slice(None),) * axis + (slice(start, start + length),)
    return input[key]


def t(input: Tensor) -> Tensor:
    """PyTorch's ``t``: the transpose of a 2-D tensor; 0-D and 1-D tensors as they are.

    Example:
        >>> ut.tensor([[1, 2, 3]]).t().shape
        (3, 1)
    """
    if input.ndim > 2:
        raise ShapeError(f"t() needs a tensor of at most 2 dimensions, got shape "
                         f"{fmt_shape(input.shape)}; use transpose(dim0, dim1)")
    return input if input.ndim < 2 else mp.permute_dims(input, (1, 0))


def contiguous(input: Tensor, memory_format: Any = None) -> Tensor:
    """PyTorch's ``contiguous``: the tensor itself (unitorch's tensors are always laid
    out for the framework's kernels; there is nothing to rearrange).

    Example:
        >>> x = ut.ones(2)
        >>> x.contiguous() is x
        True
    """
    return input


def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape.

    Example:
        >>> ut.arange(6).view_as(ut.zeros((2, 3))).shape
        (2, 3)
    """
    return mp.reshape(input, other.shape)


reshape_as = view_as


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` broadcast to ``other``'s shape.

    Example:
        >>> ut.tensor([1, 2]).expand_as(ut.zeros((3, 2))).shape
        (3, 2)
    """
    return mp.broadcast_to(input, other.shape)


def movedim(input: Tensor, source: int | Sequence[int], destination: int | Sequence[int]
            ) -> Tensor:
    """PyTorch's ``movedim`` (:func:`unitorch.moveaxis`).

    Example:
        >>> ut.zeros((2, 3, 4)).movedim(0, -1).shape
        (3, 4, 2)
    """
    return mp.moveaxis(input, source, destination)


def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """PyTorch's ``index_select``: the entries ``index`` (a 1-D or 0-D integer tensor)
    along ``dim``.

    Example:
        >>> ut.tensor([[1, 2], [3, 4], [5, 6]]).index_select(0, ut.tensor([2, 0]))
        tensor([[5, 6],
                [1, 2]], dtype=int64)
    """
    if isinstance(index, Tensor) and index.ndim > 1:
        raise ShapeError(f"index_select(): index must be 0-D or 1-D, got shape "
                         f"{fmt_shape(index.shape)}")
    if isinstance(index, Tensor) and index.ndim == 0:
        index = mp.reshape(index, (1,))
    return ix.take(input, index, axis=operator.index(dim))


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """PyTorch's ``masked_fill``: ``value`` (a scalar or a 0-d tensor) where ``mask`` (a
    bool tensor broadcasting to ``input``) is true; the result keeps ``input``'s dtype
    and shape (a float value in an integer tensor is truncated, as PyTorch casts it).

    Example:
        >>> x = ut.tensor([[1., 2.], [3., 4.]])
        >>> x.masked_fill(x > 2, float("-inf"))
        tensor([[  1.,   2.],
                [-inf, -inf]], dtype=float32)
    """
    if not isinstance(mask, Tensor) or mask.dtype is not dt.bool:
        raise TypeError("masked_fill(): mask must be a bool tensor")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ShapeError("masked_fill(): value must be a scalar or a 0-d tensor, got "
                             f"shape {fmt_shape(value.shape)}")
        fill = value.astype(input.dtype)
    else:
        fill = cr.asarray(value, dtype=input.dtype, device=input.device) \
            if input.dtype.kind != "f" else value
    out = ew.where(mask, fill, input)
    if out.shape != input.shape:
        raise ShapeError(f"masked_fill(): mask of shape {fmt_shape(mask.shape)} does not "
                         f"broadcast to the tensor's shape {fmt_shape(input.shape)}")
    return out if out.dtype is input.dtype else out.astype(input.dtype)


def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """PyTorch's ``masked_select``: the elements where ``mask`` is true, as a 1-D tensor
    (``input`` and ``mask`` broadcast).

    Example:
        >>> x = ut.tensor([[1, 2], [3, 4]])
        >>> x.masked_select(x > 1)
        tensor([2, 3, 4], dtype=int64)
    """
    a, m = mp.broadcast_arrays(input, mask)
    return a[m]


def scatter(input: Tensor, dim: int, index: Tensor, src: Any = None, *,
            value: Any = None) -> Tensor:
    """PyTorch's ``scatter``: a copy of ``input`` with ``out[index[i][j]][j] = src[i][j]``
    for ``dim=0`` (and so on for other dims); ``src`` is a tensor (at least ``index``'s
    shape) or a scalar (also as ``value=``).  ``index`` has ``input``'s rank.  Where
    ``index`` repeats a position, which write wins is unspecified (as in PyTorch).

    Example:
        >>> ut.zeros((2, 3)).scatter(1, ut.tensor([[2], [0]]), 1.0)
        tensor([[0., 0., 1.],
                [1., 0., 0.]], dtype=float32)
    """
    if value is not None:
        if src is not None:
            raise TypeError("scatter(): give src or value, not both")
        src = value
    if src is None:
        raise TypeError("scatter() needs src or value")
    key = _scatter_key(input, dim, index, "scatter")
    if isinstance(src, Tensor):
        src = src[tuple(slice(0, s) for s in index.shape)]
        src = src.astype(input.dtype) if src.dtype is not input.dtype else src
    out = cr.astype(input, input.dtype, copy=True)
    out[key] = src
    return out


def _scatter_key(input: Tensor, dim: int, index: Tensor, op: str) -> tuple[Tensor, ...]:
    """The advanced-indexing key that addresses ``input`` at ``index`` along ``dim`` and
    at the positions of ``index``'s own elements along the other dims."""
    if not isinstance(index, Tensor) or index.dtype.kind not in "iu":
        raise TypeError(f"{op}(): index must be an integer tensor")
    if index.ndim != input.ndim:
        raise ShapeError(f"{op}(): index of shape {fmt_shape(index.shape)} needs the "
                         f"rank of the tensor, {input.ndim}")
    axis = normalize_axis(operator.index(dim), input.ndim)
    from ...backends import use_backend

    key = []
    with use_backend(input.backend):
        for d, n in enumerate(index.shape):
            if d == axis:
                key.append(index)
                continue
            if n > input.shape[d]:
                raise ShapeError(f"{op}(): index of shape {fmt_shape(index.shape)} is "
                                 f"larger than the tensor's {fmt_shape(input.shape)} "
                                 f"in dimension {d}")
            shape = [1] * index.ndim
            shape[d] = n
            key.append(mp.reshape(cr.arange(n, device=input.device), shape))
    return tuple(key)


def cat(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """PyTorch's ``cat`` (``dim`` may be positional): join along an existing axis.

    Example:
        >>> ut.torch.cat([ut.zeros((2, 1)), ut.ones((2, 2))], 1).shape
        (2, 3)
    """
    return mp.concat(tensors, axis=operator.index(dim))


concat = cat


def stack(tensors: Sequence[Tensor], dim: int = 0) -> Tensor:
    """PyTorch's ``stack`` (``dim`` may be positional): join along a new axis.

    Example:
        >>> ut.torch.stack([ut.zeros(2), ut.ones(2)], 1).shape
        (2, 2)
    """
    return mp.stack(tensors, axis=operator.index(dim))
