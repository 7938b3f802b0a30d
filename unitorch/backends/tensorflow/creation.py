"""The TensorFlow backend's ``creation`` section: ranges, fills, identity matrices,
triangles."""

from __future__ import annotations

import math

import tensorflow as tf

from ..contract import Native
from .core import _DTYPES, _int64_bits, _scalar, _tf_device, raw


class CreationOps:
    """The contract's ``creation`` section."""

    def arange(self, start, stop, step, dtype, device):
        if all(isinstance(v, int) for v in (start, stop, step)):
            n = max(0, -((start - stop) // step))
        else:
            n = max(0, math.ceil((stop - start) / step))
        with tf.device(_tf_device(device) or self._default_device_name()):
            # start + i * step (tf.range accumulates, and its limit may overflow int64)
            if dtype.kind in "iu":
                # (in int64 with uint64's bits: exact wherever the values fit the dtype)
                i = tf.range(n, dtype=tf.int64)
                out = (i * tf.constant(_int64_bits(int(step)), tf.int64)
                       + tf.constant(_int64_bits(int(start)), tf.int64))
            else:
                out = tf.range(n, dtype=tf.float64) * step + start
            return raw.Cast(x=out, DstT=_DTYPES[dtype])

    def full(self, shape, fill_value, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            value = _scalar(fill_value, _DTYPES[dtype])
            # (a 0-d fill is the constant itself: tf.fill's Python wrapper costs ~100 us)
            return value if shape == () else tf.fill(shape, value)

    def eye(self, n_rows, n_cols, k, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            rows = tf.range(n_rows)[:, None]
            cols = tf.range(n_cols)[None, :]
            return raw.Cast(x=tf.equal(cols - rows, k), DstT=_DTYPES[dtype])

    def linspace(self, start, stop, num, endpoint, dtype, device):
        # The contract's two-sided formula (torch.linspace's): the first half counts up from
        # start, the second half down from stop.
        wide = tf.float64
        with tf.device(_tf_device(device) or self._default_device_name()):
            steps = num + (0 if endpoint else 1)
            if steps <= 1:
                out = tf.fill([steps], _scalar(start, wide))
            else:
                step = tf.constant((stop - start) / (steps - 1), wide)
                i = tf.range(steps, dtype=wide)
                up = step * i + _scalar(start, wide)
                down = _scalar(stop, wide) - step * (tf.constant(steps - 1, wide) - i)
                out = tf.where(tf.range(steps) < steps // 2, up, down)
            return raw.Cast(x=out[:num], DstT=_DTYPES[dtype])

    @staticmethod
    def _band_mask(x: Native, k: int, lower: bool) -> Native:
        shape = tf.shape(x)
        rows = tf.range(shape[-2])[:, None]
        cols = tf.range(shape[-1])[None, :]
        return (cols - rows <= k) if lower else (cols - rows >= k)

    def tril(self, x, k):
        return raw.SelectV2(condition=self._band_mask(x, k, True), t=x, e=tf.zeros((), x.dtype))

    def triu(self, x, k):
        return raw.SelectV2(condition=self._band_mask(x, k, False), t=x, e=tf.zeros((), x.dtype))
