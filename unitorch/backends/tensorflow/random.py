"""The TensorFlow backend's ``random`` section: ``tf.random.Generator`` streams."""

from __future__ import annotations

import tensorflow as tf

from .core import _DTYPES, _tf_device, raw


class RandomOps:
    """The contract's ``random`` section."""

    def rng(self, seed, device):
        # init_scope: a generator first needed while tracing is still created eagerly
        with tf.init_scope(), tf.device(_tf_device(device) or self._default_device_name()):
            return tf.random.Generator.from_seed(seed)

    @staticmethod
    def reseed(rng, seed):
        rng.reset_from_seed(seed)  # in place: compiled functions keep using this generator

    def random_uniform(self, rng, shape, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return rng.uniform(shape, dtype=_DTYPES[dtype])

    def random_normal(self, rng, shape, dtype, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return rng.normal(shape, dtype=_DTYPES[dtype])

    def random_integers(self, rng, low, high, shape, dtype, device):
        nd = _DTYPES[dtype]
        wide = tf.int64 if nd == tf.int64 else tf.int32  # kernels exist for these two
        with tf.device(_tf_device(device) or self._default_device_name()):
            out = rng.uniform(shape, minval=low, maxval=high, dtype=wide)
            return raw.Cast(x=out, DstT=nd)

    def random_permutation(self, rng, n, device):
        with tf.device(_tf_device(device) or self._default_device_name()):
            return raw.Cast(x=tf.argsort(rng.uniform([n], dtype=tf.float64)), DstT=tf.int64)

    def host_values(self, produce, shape, dtype, device):
        nd = _DTYPES[dtype]
        if tf.executing_eagerly():
            return self.from_numpy(produce(), device)
        # traced: call back into Python each time the graph runs, not once at trace time
        out = tf.numpy_function(produce, [], nd, stateful=True)
        out.set_shape(shape)
        return out
