"""The PyTorch backend's ``indexing`` section: getitem/setitem, take, sorting,
searching, sets."""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from typing import Any

import torch

from ..contract import Native
from .core import SIGNED, WIDE, reinterpreted, to_wide, widened


class IndexingOps:
    """The contract's ``indexing`` section."""

    def getitem(self, x: Native, key: tuple[Any, ...]) -> Native:
        return _getitem(x, key)

    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        if x.numel() == 0:
            return x
        if x.dtype in SIGNED:
            # no index_put kernel for uint16/32/64: write the same bits through a view
            # of the signed dtype of their width (into x's own memory, unless x is a
            # broadcast view, replaced by a copy as below)
            view = x.view(SIGNED[x.dtype])
            out = self.setitem(view, key, value.view(view.dtype))
            return x if out is view else out.view(x.dtype)
        if any(st == 0 and n > 1 for st, n in zip(x.stride(), x.shape)):
            # A broadcast view: its elements share memory, and torch refuses to write
            # into it; write into a copy, which replaces it.
            x = x.clone()
        if any(isinstance(k, slice) and (k.step or 1) < 0 for k in key):
            # A flipped tensor is a copy, so write through element positions instead.
            positions = torch.arange(x.numel(), device=x.device).reshape(x.shape)
            selected = self.getitem(positions, key)
            coords = torch.unravel_index(selected.reshape(-1), x.shape)
            x.index_put_(coords, value.broadcast_to(selected.shape).reshape(-1))
            return x
        x[_advanced_key(key)] = value
        return x

    @staticmethod
    @reinterpreted
    def take(x, indices, axis):
        flat = torch.index_select(x, axis, indices.reshape(-1))
        shape = x.shape[:axis] + indices.shape + x.shape[axis + 1:]
        return flat.reshape(shape)

    take_along_axis = staticmethod(reinterpreted(
        lambda x, indices, axis: torch.take_along_dim(x, indices, dim=axis)))

    @staticmethod
    def nonzero(x):
        return torch.nonzero(x, as_tuple=True)

    @staticmethod
    def sort(x, axis, descending, stable):
        if x.dtype is torch.bool:
            return torch.sort(x.to(torch.uint8), dim=axis, descending=descending,
                              stable=True).values.to(torch.bool)
        return torch.sort(x, dim=axis, descending=descending, stable=True).values

    @staticmethod
    def argsort(x, axis, descending, stable):
        if x.dtype is torch.bool:
            x = x.to(torch.uint8)
        return torch.argsort(x, dim=axis, descending=descending, stable=True)

    @staticmethod
    def topk(x, k, axis, largest):
        # torch.topk does not promise which of equal elements comes first: sort stably.
        if x.dtype is torch.bool:
            values, idx = torch.sort(x.to(torch.uint8), dim=axis, descending=largest,
                                     stable=True)
            values = values.to(torch.bool)
        else:
            values, idx = torch.sort(x, dim=axis, descending=largest, stable=True)
        return values.narrow(axis, 0, k), idx.narrow(axis, 0, k)

    def searchsorted(self, sorted_sequence, values, right):
        # torch.searchsorted compares floats with <, so NaN (and inf next to NaN) land
        # anywhere (searchsorted([0., nan], inf) is 2, NumPy says 1); search integer keys
        # that order NaN last, as NumPy does.  It has no bool kernel either.
        seq, v = self.sort_key(sorted_sequence).contiguous(), self.sort_key(values)
        if seq.dtype in WIDE:  # nor uint16/32/64 kernels: search their ordered keys
            seq, v = to_wide(seq, seq.dtype, True), to_wide(v, v.dtype, True)
        return torch.searchsorted(seq, v.reshape(-1), right=right).reshape(v.shape)

    @staticmethod
    @functools.partial(widened, ordered=True, results=1)  # (uint16/32/64: no index_select)
    def unique(x):
        # torch.unique orders equal values (-0.0 and 0.0, the NaNs) as its sort happens to:
        # sort stably instead, so runs of equal values start at the first occurrence.
        shape = x.shape
        x = x.reshape(-1)
        n = x.shape[0]
        # (index_select and scatter_, not x[order]: on a busy CPU torch's parallel
        # advanced-indexing kernel spins for milliseconds where index_select takes us.)
        if x.is_complex():  # torch has no complex sort: by imag, then stably by real
            nan = torch.isnan(x)  # either part: NaN keys, equal, so input order is kept
            key = torch.where(nan, torch.full((), math.nan, dtype=x.real.dtype), x.real)
            order = torch.argsort(torch.where(nan, key, x.imag), stable=True)
            order = order.index_select(0, torch.argsort(key.index_select(0, order),
                                                        stable=True))
        else:
            order = torch.argsort(x.to(torch.uint8) if x.dtype is torch.bool else x,
                                  stable=True)
        s = x.index_select(0, order)
        new = torch.ones(n, dtype=torch.bool, device=x.device)
        new[1:] = s[1:] != s[:-1]  # NaN != NaN: each NaN is its own value
        starts = torch.nonzero(new).reshape(-1)
        counts = torch.diff(starts, append=starts.new_full((1,), n))
        inverse = torch.empty_like(order).scatter_(0, order, torch.cumsum(new, 0) - 1)
        return (s.index_select(0, starts), order.index_select(0, starts),
                inverse.reshape(shape), counts)

    basic_getitem = staticmethod(torch.Tensor.__getitem__)  # the C slot, no Python frame


@reinterpreted
def _getitem(x: Native, key: tuple[Any, ...]) -> Native:
    # torch slices cannot step backwards: flip the axis and step forwards instead.
    key, flips = _forward_slices(key, x.shape)
    if flips:
        x = torch.flip(x, flips)
    return x[_advanced_key(key)]


def _forward_slices(key: Sequence[Any], shape: Sequence[int]) -> tuple[tuple[Any, ...], list[int]]:
    """Rewrite negative-step slices as forward slices of a flipped axis."""
    out: list[Any] = []
    flips: list[int] = []
    axis = 0
    for k in key:
        if k is None:
            out.append(k)
            continue
        if isinstance(k, slice) and (k.step or 1) < 0:
            n = shape[axis]
            start, stop, step = k.indices(n)
            out.append(slice(n - 1 - start, n - 1 - stop, -step))
            flips.append(axis)
        else:
            out.append(k)
        axis += 1
    return tuple(out), flips


def _advanced_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A key torch indexes as NumPy does.  torch treats ints and 0-d tensors as basic
    indices even next to index tensors, which places the indexed axes differently from
    NumPy (``x[0, :, [1, 2]]``: NumPy (2, 3), torch (3, 2)); with index tensors present,
    make the ints tensors and broadcast them all to one non-0-d shape.  (If that shape
    is 0-d, basic and advanced indexing agree.)"""
    tensors = [k for k in key if isinstance(k, torch.Tensor)]
    if not tensors:
        return key
    if all(t.ndim == 0 for t in tensors):
        return key
    device = tensors[0].device
    adv = [k if isinstance(k, torch.Tensor) else torch.tensor(k, device=device)
           for k in key if isinstance(k, (torch.Tensor, int))]
    it = iter(torch.broadcast_tensors(*adv))
    return tuple(next(it) if isinstance(k, (torch.Tensor, int)) else k for k in key)
