"""The TensorFlow backend's ``reductions`` section.

TF's reductions of float16/bfloat16 accumulate in the half dtype (the sum of
[60000, 60000, -60000] overflows to inf); the contract, like PyTorch, accumulates in
float32 and rounds once: :func:`_half_in_f32` runs them in float32.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from ..contract import Native
from .core import (
    _REAL_OF,
    CoreOps,
    _Cache,
    _const,
    _executing_eagerly,
    _ints,
    _remembered,
    raw,
)

_ALL_AXES = tuple(tuple(range(n)) for n in range(255))  # every axis of an n-D tensor
# argmax/argmin's index ramps, 8 bytes per position: 1,000 axes of 200,000 once took
# 1.6 GB when this cache was bounded by its number of entries
_POSITIONS = _Cache(32 << 20)

def _half_in_f32(op: Callable[..., Native], x: Native, **kwargs: Any) -> Native:
    """``op(input=x, **kwargs)``, computed in float32 for float16/bfloat16 ``x`` and
    rounded back once (TF accumulates reductions in the half dtype)."""
    d = x.dtype
    if d is tf.float16 or d is tf.bfloat16:
        return raw.Cast(x=op(input=raw.Cast(x=x, DstT=tf.float32), **kwargs), DstT=d)
    return op(input=x, **kwargs)

class ReductionOps:
    """The contract's ``reductions`` section."""

    @staticmethod
    def sum(x, axes, keepdims, dtype):
        x = CoreOps.cast(x, dtype)
        if x.dtype == tf.bool:
            return raw.Any(input=x, axis=_ints(axes), keep_dims=keepdims)
        return _half_in_f32(raw.Sum, x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def sum_all(x):
        return _half_in_f32(raw.Sum, x, axis=_ints(_ALL_AXES[x.shape.rank]), keep_dims=False)

    @staticmethod
    def mean_all(x):
        return _half_in_f32(raw.Mean, x, axis=_ints(_ALL_AXES[x.shape.rank]), keep_dims=False)

    @staticmethod
    def prod(x, axes, keepdims, dtype):
        x = CoreOps.cast(x, dtype)
        return _half_in_f32(raw.Prod, x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def mean(x, axes, keepdims):
        if x.dtype.is_complex:  # TF divides by a complex count: mean([inf, 1]) is inf+nanj
            parts = [raw.Mean(input=p, axis=_ints(axes), keep_dims=keepdims)
                     for p in (raw.Real(input=x, Tout=_REAL_OF[x.dtype]),
                               raw.Imag(input=x, Tout=_REAL_OF[x.dtype]))]
            return raw.Complex(real=parts[0], imag=parts[1], Tout=x.dtype)
        return _half_in_f32(raw.Mean, x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def var(x, axes, correction, keepdims):
        d = x.dtype
        if d in (tf.float16, tf.bfloat16):
            x = raw.Cast(x=x, DstT=tf.float32)
        mean = raw.Mean(input=x, axis=_ints(axes), keep_dims=True)
        centered = raw.Sub(x=x, y=mean)
        squares = raw.Sum(input=raw.Mul(x=centered, y=centered), axis=_ints(axes),
                          keep_dims=keepdims)
        count = tf.cast(tf.reduce_prod(tf.gather(tf.shape(x), list(axes))), x.dtype)
        # N - correction <= 0 divides by 0 (inf, or NaN for 0/0), as NumPy and torch do
        dof = raw.Maximum(x=raw.Sub(x=count, y=_const(correction, count)),
                          y=tf.zeros((), count.dtype))
        out = raw.RealDiv(x=squares, y=dof)
        return out if out.dtype == d else raw.Cast(x=out, DstT=d)

    @staticmethod
    def max(x, axes, keepdims):
        if x.dtype == tf.bool:
            return raw.Any(input=x, axis=_ints(axes), keep_dims=keepdims)
        return raw.Max(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def min(x, axes, keepdims):
        if x.dtype == tf.bool:
            return raw.All(input=x, axis=_ints(axes), keep_dims=keepdims)
        return raw.Min(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def all(x, axes, keepdims):
        return raw.All(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def any(x, axes, keepdims):
        return raw.Any(input=x, axis=_ints(axes), keep_dims=keepdims)

    @staticmethod
    def _arg_extreme(x, axis, keepdims, largest):
        # tf.math.argmax ignores NaN and does not promise the first of equal elements:
        # find the extreme value (NaN wins), then the lowest index holding it.
        if x.dtype is tf.bool:
            x = raw.Cast(x=x, DstT=tf.uint8)
        reduce = raw.Max if largest else raw.Min
        best = reduce(input=x, axis=_ints((axis,)), keep_dims=True)
        hit = raw.Equal(x=x, y=best)
        if x.dtype.is_floating:
            hit = raw.LogicalOr(x=hit, y=raw.LogicalAnd(x=raw.IsNan(x=x), y=raw.IsNan(x=best)))
        ndim = x.shape.rank
        n = x.shape[axis]
        if n is not None and _executing_eagerly():
            # 0, 1, ... n-1 along the axis, made once per (n, ndim, axis, device)
            def ramp() -> Native:
                shape = [1] * ndim
                shape[axis] = n
                with tf.device(x.device):
                    return tf.reshape(tf.range(n, dtype=tf.int64), shape)

            positions = _remembered(_POSITIONS, (n, ndim, axis, x.device), ramp)
            n = tf.constant(n, tf.int64)
        else:
            n = tf.shape(x, out_type=tf.int64)[axis]
            shape = [1] * ndim
            shape[axis] = -1
            positions = tf.reshape(tf.range(n, dtype=tf.int64), shape)
        candidates = raw.SelectV2(condition=hit, t=positions, e=n)
        return raw.Min(input=candidates, axis=_ints((axis,)), keep_dims=keepdims)

    def argmax(self, x, axis, keepdims):
        return self._arg_extreme(x, axis, keepdims, True)

    def argmin(self, x, axis, keepdims):
        return self._arg_extreme(x, axis, keepdims, False)

    @staticmethod
    def cumsum(x, axis, dtype):
        x = CoreOps.cast(x, dtype)
        return _half_in_f32(lambda input, axis: raw.Cumsum(x=input, axis=axis), x, axis=axis)

    @staticmethod
    def cumprod(x, axis, dtype):
        x = CoreOps.cast(x, dtype)
        return _half_in_f32(lambda input, axis: raw.Cumprod(x=input, axis=axis), x,
                            axis=axis)

    @staticmethod
    def logsumexp(x, axes, keepdims):
        return _half_in_f32(lambda input, **kw: tf.reduce_logsumexp(input, **kw), x,
                            axis=_ints(axes), keepdims=keepdims)
