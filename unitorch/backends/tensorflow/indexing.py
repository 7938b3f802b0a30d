"""The TensorFlow backend's ``indexing`` section: getitem/setitem, take, sorting,
searching, sets.

No TF sort orders NaN: its comparisons leave NaN anywhere (``tf.sort([nan, 1., inf,
-1.])`` puts it first, ``tf.sort([1., nan, 0.])`` last).  Every sort here is TopKV2
(stable: "the lower-index element appears first") on the integer key of the contract's
``sort_key``, which orders NaN above +inf, reversed by :func:`_order_reversing` for
ascending order.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from ..contract import Native
from .core import _REAL_OF, _Cache, _constants, _executing_eagerly, _remembered, raw


class IndexingOps:
    """The contract's ``indexing`` section."""

    def getitem(self, x: Native, key: tuple[Any, ...]) -> Native:
        if not any(isinstance(k, (tf.Tensor, tf.Variable)) for k in key):
            return _basic_getitem(x, key)  # a strided slice
        return _advanced_getitem(x, key)

    @staticmethod
    def basic_getitem(x, key):
        # tf.Tensor.__getitem__ builds the strided slice's arguments in Python (~250
        # calls, and converts them to tensors on every call); eagerly, build them once
        # per key and call the kernel.
        if not _executing_eagerly():
            return x[key]
        entries = key if type(key) is tuple else (key,)
        # slices are unhashable before Python 3.12: key the cache on their parts
        cache_key = tuple((k.start, k.stop, k.step) if type(k) is slice else k
                          for k in entries)
        begin, end, strides, masks = _remembered(
            _SLICE_ARGS, cache_key, lambda: _strided_slice_args(entries))
        return raw.StridedSlice(input=x, begin=begin, end=end, strides=strides, **masks)

    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        if len(x.shape) <= _MAX_SLICE_RANK and not any(
                isinstance(k, (tf.Tensor, tf.Variable)) for k in key):
            # basic key: one strided-slice update (tf.Variable: in place)
            if isinstance(x, tf.Variable):
                region = x[key]
                region.assign(tf.broadcast_to(value, tf.shape(region)))
                return x
            if not key:
                return tf.broadcast_to(value, tf.shape(x))
            if _executing_eagerly():  # the arguments made once per key (basic_getitem's)
                cache_key = tuple((k.start, k.stop, k.step) if type(k) is slice else k
                                  for k in key)
                begin, end, strides, masks = _remembered(
                    _SLICE_ARGS, cache_key, lambda: _strided_slice_args(key))
            else:
                begin, end, strides, masks = _strided_slice_args(key)
            region = raw.StridedSlice(input=x, begin=begin, end=end, strides=strides,
                                      **masks)
            if value.shape != region.shape:
                value = raw.BroadcastTo(input=value, shape=raw.Shape(input=region))
            return raw.TensorStridedSliceUpdate(input=x, begin=begin, end=end,
                                                strides=strides, value=value, **masks)
        if x.shape.num_elements() == 0:
            return x  # nothing to write (and scatters refuse an empty output)
        # Tensors are immutable: find the flat positions the key selects and scatter
        # into the flattened tensor (TF's scatters take coordinates of at most 7 axes;
        # for 8 they raise "Only indices.shape[-1] values between 1 and 5 are currently
        # supported").
        shape = tf.shape(x, out_type=tf.int64)
        positions = tf.reshape(tf.range(tf.reduce_prod(shape)), shape)
        selected = self.getitem(positions, key)
        flat = tf.reshape(selected, [-1, 1])
        updates = tf.reshape(tf.broadcast_to(value, tf.shape(selected)), [-1])
        if isinstance(x, tf.Variable) and len(x.shape) <= 7:
            # in place: the coordinates of the flat positions (tf.unravel_index refuses
            # an empty selection)
            strides = tf.math.cumprod(shape, exclusive=True, reverse=True)
            coords = raw.FloorMod(x=raw.FloorDiv(x=flat, y=strides[None, :]),
                                  y=shape[None, :])
            x.scatter_nd_update(coords, updates)
            return x
        out = tf.reshape(tf.tensor_scatter_nd_update(tf.reshape(x, [-1]), flat, updates),
                         shape)
        if isinstance(x, tf.Variable):
            x.assign(out)
            return x
        return out

    @staticmethod
    def take(x, indices, axis):
        return tf.gather(x, indices, axis=axis)

    @staticmethod
    def take_along_axis(x, indices, axis):
        # Move the axis last, broadcast the other axes, and gather with batch_dims.
        ndim = len(x.shape)
        perm = [a for a in range(ndim) if a != axis] + [axis]
        xt = tf.transpose(x, perm)
        it = tf.transpose(indices, perm)
        batch = tf.broadcast_dynamic_shape(tf.shape(xt)[:-1], tf.shape(it)[:-1])
        xt = tf.broadcast_to(xt, tf.concat([batch, tf.shape(xt)[-1:]], 0))
        it = tf.broadcast_to(it, tf.concat([batch, tf.shape(it)[-1:]], 0))
        out = tf.gather(xt, it, batch_dims=ndim - 1)
        return tf.transpose(out, np.argsort(perm).tolist())

    @staticmethod
    def nonzero(x):
        coords = tf.where(x)
        return tuple(coords[:, i] for i in range(len(x.shape)))

    # (every sort: TopKV2 on the contract's sort_key; see the module docstring)

    def sort(self, x, axis, descending, stable):
        xt, back = _axis_last(x, axis)
        idx = _stable_top(self, xt, descending, None)
        last = len(x.shape) - 1
        return back(raw.GatherV2(params=xt, indices=idx, axis=last, batch_dims=last))

    def argsort(self, x, axis, descending, stable):
        xt, back = _axis_last(x, axis)
        return back(_stable_top(self, xt, descending, None))

    def topk(self, x, k, axis, largest):
        xt, back = _axis_last(x, axis)
        idx = _stable_top(self, xt, largest, k)
        last = len(x.shape) - 1
        values = raw.GatherV2(params=xt, indices=idx, axis=last, batch_dims=last)
        return back(values), back(idx)

    def searchsorted(self, sorted_sequence, values, right):
        # LowerBound/UpperBound compare floats with <, so NaN (and inf next to NaN) land
        # anywhere; search the integer keys, which order NaN last as NumPy does.
        seq = raw.ExpandDims(input=self.sort_key(sorted_sequence), axis=0)
        flat = raw.Reshape(tensor=self.sort_key(values), shape=[1, -1])
        bound = raw.UpperBound if right else raw.LowerBound
        out = bound(sorted_inputs=seq, values=flat, out_type=tf.int64)
        return raw.Reshape(tensor=out, shape=tf.shape(values))

    def unique(self, x):
        # tf.unique hashes values, in order of first occurrence; sort instead, stably, so
        # runs of equal values give the first occurrence, and NaN != NaN splits NaNs.
        shape = raw.Shape(input=x, out_type=tf.int64)
        x = raw.Reshape(tensor=x, shape=[-1])
        n = raw.Prod(input=shape, axis=0)
        zero, one = _constants(tf.int64, 0, 1)
        order = _complex_order(self, x) if x.dtype.is_complex else _stable_top(self, x, False, None)
        s = raw.GatherV2(params=x, indices=order, axis=0)
        first = raw.Equal(x=raw.Range(start=zero, limit=n, delta=one), y=zero)
        new = raw.LogicalOr(x=raw.NotEqual(x=s, y=raw.Roll(input=s, shift=1, axis=0)),
                            y=first)
        starts = raw.Reshape(tensor=raw.Where(condition=new), shape=[-1])
        ends = raw.ConcatV2(values=[raw.StridedSlice(input=starts, begin=[1], end=[0],
                                                     strides=[1], end_mask=1),
                                    raw.Reshape(tensor=n, shape=[1])], axis=0)
        segment = raw.Sub(x=raw.Cumsum(x=raw.Cast(x=new, DstT=tf.int64), axis=0), y=one)
        inverse = raw.GatherV2(params=segment, indices=raw.InvertPermutation(x=order), axis=0)
        return (raw.GatherV2(params=s, indices=starts, axis=0),
                raw.GatherV2(params=order, indices=starts, axis=0),
                raw.Reshape(tensor=inverse, shape=shape), raw.Sub(x=ends, y=starts))

def _order_reversing(x: Native) -> Native:
    """A key whose descending order is ``x``'s ascending order, without overflow."""
    if x.dtype.is_floating:
        return raw.Neg(x=x)
    # ~x is -x - 1 for signed integers and MAX - x for unsigned: order-reversing, exact
    return raw.Invert(x=x)


def _stable_top(bk: Any, x: Native, descending: bool, k: int | None) -> Native:
    """int64 indices of the first ``k`` (all with ``None``) elements of a stable sort of
    ``x`` along its last axis."""
    key = bk.sort_key(x)
    if not descending:
        key = _order_reversing(key)
    n = tf.shape(key)[-1] if k is None else k
    return raw.TopKV2(input=key, k=n, sorted=True, index_type=tf.int64).indices


def _complex_order(bk: Any, x: Native) -> Native:
    """int64 indices of a stable ascending sort of 1-D complex ``x`` by real part, then
    imaginary part (two stable sorts); a value with a NaN part sorts as NaN (last)."""
    real = _REAL_OF[x.dtype]
    re, im = raw.Real(input=x, Tout=real), raw.Imag(input=x, Tout=real)
    nan = raw.LogicalOr(x=raw.IsNan(x=re), y=raw.IsNan(x=im))
    re = raw.SelectV2(condition=nan, t=tf.constant(math.nan, real), e=re)
    by_imag = _stable_top(bk, raw.SelectV2(condition=nan, t=re, e=im), False, None)
    by_real = _stable_top(bk, raw.GatherV2(params=re, indices=by_imag, axis=0), False, None)
    return raw.GatherV2(params=by_imag, indices=by_real, axis=0)


def _axis_last(x: Native, axis: int) -> tuple[Native, Callable[[Native], Native]]:
    """``x`` with ``axis`` swapped with the last axis, and the function that swaps back."""
    last = len(x.shape) - 1
    if axis == last:
        return x, lambda y: y
    perm = list(range(last + 1))
    perm[axis], perm[last] = last, axis
    return raw.Transpose(x=x, perm=perm), lambda y: raw.Transpose(x=y, perm=perm)


def _strided_slice_args(key: tuple[Any, ...]) -> tuple[Native, Native, Native,
                                                       dict[str, int]]:
    """``StridedSlice`` arguments for a basic key of ints, slices and ``None`` (what
    ``tf.Tensor.__getitem__`` computes, for the ops that take them raw)."""
    begin, end, strides = [], [], []
    masks = dict(begin_mask=0, end_mask=0, ellipsis_mask=0, new_axis_mask=0,
                 shrink_axis_mask=0)
    for i, k in enumerate(key):
        bit = 1 << i
        if k is Ellipsis:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["ellipsis_mask"] |= bit
        elif k is None:
            begin.append(0)
            end.append(0)
            strides.append(1)
            masks["new_axis_mask"] |= bit
        elif isinstance(k, slice):
            begin.append(0 if k.start is None else k.start)
            end.append(0 if k.stop is None else k.stop)
            strides.append(1 if k.step is None else k.step)
            if k.start is None:
                masks["begin_mask"] |= bit
            if k.stop is None:
                masks["end_mask"] |= bit
        else:  # an int: the kernel reads only begin for a shrunk axis
            begin.append(k)
            end.append(k + 1)
            strides.append(1)
            masks["shrink_axis_mask"] |= bit
    with tf.device("/cpu:0"):
        return (tf.constant(begin, tf.int64), tf.constant(end, tf.int64),
                tf.constant(strides, tf.int64), masks)


_SLICE_ARGS = _Cache(8 << 20)  # strided-slice arguments by key: small tensors, many keys
"""``_strided_slice_args`` per basic key, made once (see ``basic_getitem``)."""



_MAX_SLICE_RANK = 8
"""StridedSlice and its updates handle at most 8 input axes ("Unhandled input
dimensions 9")."""


def _basic_getitem(x: Native, key: tuple[Any, ...]) -> Native:
    """Basic indexing (ints, slices, ``None``): one strided slice, or for a tensor of
    more than 8 axes, one per indexed axis on a 3-D view of ``x`` (the axes before, the
    axis, the axes after), then the new axes."""
    if len(x.shape) <= _MAX_SLICE_RANK:
        return x[key]
    y = x
    axis = 0  # the axis of y the next entry indexes
    out_axis = 0
    new_axes = []
    for k in key:
        if k is None:
            new_axes.append(out_axis)
            out_axis += 1
            continue
        if isinstance(k, slice):
            n = y.shape[axis]
            if not (k.start in (None, 0) and k.step in (None, 1)
                    and (k.stop is None or (n is not None and k.stop >= n))):
                y = _index_axis(y, axis, k)
            axis += 1
            out_axis += 1
        else:
            y = _index_axis(y, axis, k)  # an int: the axis goes
    for a in new_axes:
        y = raw.ExpandDims(input=y, axis=a)
    return y


def _index_axis(y: Native, axis: int, k: int | slice) -> Native:
    """``y`` indexed by ``k`` along ``axis`` alone, through a 3-D reshape."""
    static = y.shape.as_list()
    shape = tf.shape(y, out_type=tf.int64)
    inner = raw.Reshape(tensor=y, shape=tf.stack(
        [tf.reduce_prod(shape[:axis]), shape[axis], tf.reduce_prod(shape[axis + 1:])]))
    out = inner[:, k, :]
    if isinstance(k, slice):
        size = tf.shape(out, out_type=tf.int64)[1:2]
        n = static[axis]
        static[axis] = None if n is None else len(range(*k.indices(n)))
        out = raw.Reshape(tensor=out, shape=tf.concat([shape[:axis], size,
                                                       shape[axis + 1:]], 0))
    else:
        del static[axis]
        out = raw.Reshape(tensor=out, shape=tf.concat([shape[:axis], shape[axis + 1:]], 0))
    if not tf.executing_eagerly():
        out.set_shape(static)
    return out


def _advanced_getitem(x: Native, key: tuple[Any, ...]) -> Native:
    """NumPy advanced indexing on TF: basic part first, then one gather_nd."""
    is_adv = [isinstance(k, (tf.Tensor, tf.Variable, int)) and k is not None for k in key]
    # With an index tensor present, NumPy treats integers as 0-d index arrays too.
    basic_key = tuple(slice(None) if adv else k for k, adv in zip(key, is_adv))
    y = _basic_getitem(x, basic_key) if basic_key else x
    # axes of y that the advanced entries index, in key order
    adv_axes, axis = [], 0
    for adv in is_adv:
        if adv:
            adv_axes.append(axis)
        axis += 1
    rest = [a for a in range(len(y.shape)) if a not in adv_axes]
    y = tf.transpose(y, adv_axes + rest)
    index = [tf.cast(k, tf.int64) for k, adv in zip(key, is_adv) if adv]
    bshape = tf.shape(index[0], out_type=tf.int64)
    for i in index[1:]:
        bshape = tf.broadcast_dynamic_shape(bshape, tf.shape(i, out_type=tf.int64))
    stacked = tf.stack([tf.broadcast_to(i, bshape) for i in index], axis=-1)
    if y.shape.num_elements() == 0:
        # GatherNd refuses any index into empty params, even where the result is empty
        # too (the indices are in range: an indexed axis of size 0 has no valid index).
        rest_shape = tf.shape(y, out_type=tf.int64)[len(index):]
        out = tf.zeros(tf.concat([bshape, rest_shape], 0), y.dtype)
    else:
        out = tf.gather_nd(y, stacked)
    positions = [i for i, adv in enumerate(is_adv) if adv]
    adjacent = positions == list(range(positions[0], positions[0] + len(positions)))
    if adjacent and positions[0] > 0:
        # the broadcast axes replace the indexed ones in place
        nb = len(out.shape) - len(rest)
        lead = positions[0]  # axes of y before the first advanced entry
        perm = list(range(nb, nb + lead)) + list(range(nb)) + list(range(nb + lead, len(out.shape)))
        out = tf.transpose(out, perm)
    return out

