"""Packed sequences, as ``torch.nn.utils.rnn``: :class:`PackedSequence`,
:func:`pack_padded_sequence`, :func:`pad_packed_sequence`, :func:`pad_sequence` and
:func:`pack_sequence` (``ut.nn.utils.rnn``).

A packed batch holds, time step after time step, the elements of the sequences still
running at that step, longest sequences first: ``data`` (sum of the lengths, *),
``batch_sizes`` (how many sequences run at each step, int64 on the CPU), and the
permutation that sorted the batch by decreasing length (``sorted_indices``) with its
inverse (``unsorted_indices``), exactly PyTorch's layout, so a packed batch's ``data``
is PyTorch's.  Packing and unpacking are one gather each (differentiable); the
recurrent layers take a packed batch and return one, running it as the padded batch
with ``lengths=`` (on torch, PyTorch's packed kernels).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .._dispatch import backend_of, to_tensor
from ..devices import Device
from ..errors import ShapeError, fmt_shape
from ..ops.creation import asarray_on, zeros
from ..ops.indexing import take
from ..ops.manipulation import concat, reshape, stack, swapaxes
from ..tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence",
           "pad_sequence", "pack_sequence"]

_CPU = Device("cpu")


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences packed time step by time step (see the module
    docstring); made by :func:`pack_padded_sequence` or :func:`pack_sequence`.

    Example:
        >>> p = ut.nn.utils.rnn.pack_sequence([ut.tensor([1., 2., 3.]), ut.tensor([4.])])
        >>> p.data, p.batch_sizes
        (tensor([1., 4., 2., 3.], dtype=float32), tensor([2, 1, 1], dtype=int64))
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None


def _layout(lengths: np.ndarray, enforce_sorted: bool) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """(order by decreasing length, batch sizes per step, sorted lengths)."""
    if enforce_sorted:
        if np.any(np.diff(lengths) > 0):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False`"
                               " to pack_padded_sequence and/or pack_sequence to sidestep "
                               "this requirement if you do not need ONNX exportability.")
        order = np.arange(lengths.size)
    else:
        order = np.argsort(-lengths, kind="stable")
    ordered = lengths[order]
    steps = int(ordered[0]) if ordered.size else 0
    sizes = (ordered[None, :] > np.arange(steps)[:, None]).sum(axis=1)
    return order, sizes, ordered


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch, time-major ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``),
    whose sequence ``b`` has ``lengths[b]`` real steps (each in ``[1, T]``; a list or a
    1-D integer tensor, read on the host), as ``torch.nn.utils.rnn``'s.  With
    ``enforce_sorted`` the lengths must decrease (``RuntimeError`` otherwise); without,
    the batch is sorted and the permutation kept.

    Example:
        >>> x = ut.tensor([[1., 2.], [3., 0.]]).reshape(2, 2, 1)  # T=2, B=2, padded
        >>> ut.nn.utils.rnn.pack_padded_sequence(x, [2, 1]).data.reshape(-1)
        tensor([1., 2., 3.], dtype=float32)
    """
    x = to_tensor(input, backend_of("pack_padded_sequence", input))
    if x.ndim < 2:
        raise ShapeError(f"pack_padded_sequence(): expected an input of at least 2 "
                         f"dimensions, got shape {fmt_shape(x.shape)}")
    if batch_first:
        x = swapaxes(x, 0, 1)
    steps, batch = x.shape[0], x.shape[1]
    lens = np.asarray(lengths.numpy() if isinstance(lengths, Tensor) else lengths)
    if lens.shape != (batch,) or lens.dtype.kind not in "iu":
        raise ShapeError(f"pack_padded_sequence(): lengths must hold one integer per "
                         f"sequence ({batch}), got {lens!r}")
    lens = lens.astype(np.int64)
    if lens.size and (lens.min() < 1 or lens.max() > steps):
        raise ValueError(f"pack_padded_sequence(): every length must lie in [1, {steps}], "
                         f"got {lens.tolist()}")
    order, sizes, _ = _layout(lens, enforce_sorted)
    return _pack(x, order, sizes, None if enforce_sorted else order)


def _pack(x: Tensor, order: np.ndarray, sizes: np.ndarray,
          sorted_indices: Any) -> PackedSequence:
    """Time-major padded ``x`` packed: step ``t`` holds sequences ``order[:sizes[t]]``."""
    steps, batch = x.shape[0], x.shape[1]
    rows = np.concatenate([t * batch + order[:n] for t, n in enumerate(sizes)]
                          ) if sizes.size else np.zeros(0, np.int64)
    flat = reshape(x, (steps * batch, *x.shape[2:]))
    bk = type(x)._bk
    data = take(flat, asarray_on(bk, rows.astype(np.int64), device=x.device), axis=0)
    sizes_t = asarray_on(bk, np.asarray(sizes, np.int64), device=_CPU)
    if sorted_indices is None:
        return PackedSequence(data, sizes_t, None, None)
    order = np.asarray(sorted_indices, np.int64)
    unsorted = np.empty_like(order)
    unsorted[order] = np.arange(order.size)
    return PackedSequence(data, sizes_t, asarray_on(bk, order, device=x.device),
                          asarray_on(bk, unsorted, device=x.device))


def _lengths_of(sizes: np.ndarray) -> np.ndarray:
    """Each sorted sequence's length, from the batch sizes per step."""
    batch = int(sizes[0]) if sizes.size else 0
    return (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """The padded batch ``(T, B, *)`` (``(B, T, *)`` with ``batch_first``) of a packed one,
    in the original batch order, ``padding_value`` after each sequence's end (``T`` is
    the longest length, or ``total_length``), and the lengths (int64, on the CPU).

    Example:
        >>> p = ut.nn.utils.rnn.pack_sequence([ut.tensor([1., 2.]), ut.tensor([3.])])
        >>> padded, lengths = ut.nn.utils.rnn.pad_packed_sequence(p, batch_first=True)
        >>> padded, lengths
        (tensor([[1., 2.],
                [3., 0.]], dtype=float32), tensor([2, 1], dtype=int64))
    """
    data, sizes_t = sequence.data, sequence.batch_sizes
    sizes = np.asarray(sizes_t.numpy(), np.int64)
    batch = int(sizes[0]) if sizes.size else 0
    steps = int(sizes.size)
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the "
                             f"longest sequence in input, but got total_length="
                             f"{total_length} and max sequence length being {steps}")
        steps = int(total_length)
    unsorted = (np.arange(batch) if sequence.unsorted_indices is None
                else np.asarray(sequence.unsorted_indices.numpy(), np.int64))
    # position of (t, sorted b) in data, or the padding row appended after data
    starts = np.concatenate([[0], np.cumsum(sizes)])
    total = int(starts[-1])
    index = np.full((steps, batch), total, np.int64)
    for t, n in enumerate(sizes):
        index[t, :n] = starts[t] + np.arange(n)
    index = index[:, unsorted]  # back to the original batch order
    bk = type(data)._bk
    pad = zeros((1, *data.shape[1:]), dtype=data.dtype, device=data.device) + padding_value
    source = concat([data, pad.astype(data.dtype)], axis=0)
    padded = take(source, asarray_on(bk, index.reshape(-1), device=data.device), axis=0)
    padded = reshape(padded, (steps, batch, *data.shape[1:]))
    if batch_first:
        padded = swapaxes(padded, 0, 1)
    lengths = _lengths_of(sizes)[unsorted]
    return padded, asarray_on(bk, lengths.astype(np.int64), device=_CPU)


def pad_sequence(sequences: Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0) -> Tensor:
    """The sequences ``(L_i, *)`` stacked into one padded batch ``(max L, B, *)``
    (``(B, max L, *)`` with ``batch_first``), ``padding_value`` after each one's end.

    Example:
        >>> ut.nn.utils.rnn.pad_sequence([ut.tensor([1., 2.]), ut.tensor([3.])])
        tensor([[1., 3.],
                [2., 0.]], dtype=float32)
    """
    seqs = list(sequences)
    if not seqs:
        raise ValueError("pad_sequence(): expected a non-empty sequence of tensors")
    longest = max(s.shape[0] for s in seqs)
    padded = []
    for s in seqs:
        extra = longest - s.shape[0]
        if extra:
            fill = zeros((extra, *s.shape[1:]), dtype=s.dtype, device=s.device)
            s = concat([s, (fill + padding_value).astype(s.dtype)], axis=0)
        padded.append(s)
    return stack(padded, axis=0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True
                  ) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (:func:`pad_sequence`, then
    :func:`pack_padded_sequence` with their lengths).

    Example:
        >>> ut.nn.utils.rnn.pack_sequence([ut.tensor([1.]), ut.tensor([2., 3.])],
        ...                               enforce_sorted=False).batch_sizes
        tensor([2, 1], dtype=int64)
    """
    seqs = list(sequences)
    lengths = [int(s.shape[0]) for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def packed_like(output: Tensor, like: PackedSequence) -> PackedSequence:
    """A time-major padded ``output`` (the original batch order) packed as ``like``: the
    same sorting permutation and batch sizes (the recurrent layers' packed output)."""
    sizes = np.asarray(like.batch_sizes.numpy(), np.int64)
    batch = int(sizes[0]) if sizes.size else 0
    order = (np.arange(batch) if like.sorted_indices is None
             else np.asarray(like.sorted_indices.numpy(), np.int64))
    packed = _pack(output, order, sizes, None)
    return PackedSequence(packed.data, like.batch_sizes, like.sorted_indices,
                          like.unsorted_indices)

