"""The TensorFlow backend's ``manipulation`` section: reshaping, joining, flipping,
padding."""

from __future__ import annotations

import tensorflow as tf

from ..contract import Pads
from .core import _ints, _scalar, raw


class ManipulationOps:
    """The contract's ``manipulation`` section."""

    @staticmethod
    def reshape(x, shape):
        # only plain ints go through the cache ((2.0, 3) == (2, 3) would hit it)
        if all(type(s) is int for s in shape):
            return raw.Reshape(tensor=x, shape=_ints(tuple(shape)))
        return raw.Reshape(tensor=x, shape=list(shape))

    permute_dims = staticmethod(lambda x, axes: raw.Transpose(x=x, perm=_ints(axes)))

    @staticmethod
    def broadcast_to(x, shape):
        return raw.BroadcastTo(input=x, shape=list(shape))

    @staticmethod
    def concat(xs, axis):
        if len(xs) == 1:  # ConcatV2 needs at least two inputs
            return xs[0]
        return raw.ConcatV2(values=list(xs), axis=axis)

    @staticmethod
    def stack(xs, axis):
        return raw.Pack(values=list(xs), axis=axis)

    @staticmethod
    def split(x, sizes, axis):
        if len(sizes) == 1:
            return [x]
        return raw.SplitV(value=x, size_splits=_ints(tuple(sizes)), axis=axis,
                          num_split=len(sizes))

    @staticmethod
    def unstack(x, axis):
        return raw.Unpack(value=x, num=x.shape[axis], axis=axis)

    @staticmethod
    def flip(x, axes):
        return raw.ReverseV2(tensor=x, axis=_ints(axes))

    @staticmethod
    def roll(x, shifts, axes):
        return raw.Roll(input=x, shift=list(shifts), axis=_ints(axes))

    @staticmethod
    def tile(x, reps):
        if x.dtype == tf.uint16:  # no Tile kernel for uint16: tile the same bits as int16
            return _as_uint16(ManipulationOps.tile(_as_int16(x), reps))
        return raw.Tile(input=x, multiples=list(reps))

    @staticmethod
    def repeat(x, repeats, axis):
        if x.shape.num_elements() == 0:
            # tf.repeat with per-element counts fails on an empty x (a wrong static
            # shape); the result is empty too, with the repeated axis's size changed.
            shape = tf.shape(x, out_type=tf.int64)
            n = (shape[axis] * repeats if isinstance(repeats, int)
                 else tf.reduce_sum(tf.cast(repeats, tf.int64)))
            return tf.zeros(tf.tensor_scatter_nd_update(shape, [[axis]], [n]), x.dtype)
        if x.dtype == tf.uint16:  # (tf.repeat tiles: no kernel for uint16, as in tile)
            return _as_uint16(tf.repeat(_as_int16(x), repeats, axis=axis))
        return tf.repeat(x, repeats, axis=axis)

    @staticmethod
    def pad(x, pads: Pads, value):
        return raw.PadV2(input=x, paddings=[list(p) for p in pads],
                         constant_values=_scalar(value, x.dtype))


def _as_int16(x):
    return raw.Bitcast(input=x, type=tf.int16)


def _as_uint16(x):
    return raw.Bitcast(input=x, type=tf.uint16)
