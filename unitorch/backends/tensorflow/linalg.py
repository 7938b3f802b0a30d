"""The TensorFlow backend's ``linalg`` section: products, factorizations, solvers."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from ..contract import Native
from .core import _REAL_OF, _WIDER, raw


class LinalgOps:
    """The contract's ``linalg`` section."""

    @staticmethod
    def matmul(x1, x2):
        d = x1.dtype
        if d in _WIDER:  # no kernels: wrap around in a wider dtype and cast back
            wide = _WIDER[d]
            return raw.Cast(x=LinalgOps.matmul(raw.Cast(x=x1, DstT=wide),
                                               raw.Cast(x=x2, DstT=wide)), DstT=d)
        if d == tf.bool:
            return raw.Cast(x=LinalgOps.matmul(raw.Cast(x=x1, DstT=tf.int32),
                                                       raw.Cast(x=x2, DstT=tf.int32)), DstT=d)
        v1, v2 = len(x1.shape) == 1, len(x2.shape) == 1
        a = x1[None, :] if v1 else x1
        b = x2[:, None] if v2 else x2
        if len(a.shape) == 2 and len(b.shape) == 2:
            out = raw.MatMul(a=a, b=b)
        else:
            out = raw.BatchMatMulV2(x=a, y=b)
        if v1 and v2:
            return tf.reshape(out, ())
        if v1:
            return tf.squeeze(out, -2)
        if v2:
            return tf.squeeze(out, -1)
        return out

    @staticmethod
    def tensordot(x1, x2, axes1, axes2):
        if x1.dtype in _WIDER:
            wide = _WIDER[x1.dtype]
            out = tf.tensordot(raw.Cast(x=x1, DstT=wide), raw.Cast(x=x2, DstT=wide),
                               axes=[list(axes1), list(axes2)])
            return raw.Cast(x=out, DstT=x1.dtype)
        return tf.tensordot(x1, x2, axes=[list(axes1), list(axes2)])

    @staticmethod
    def einsum(subscripts, *operands):
        d = operands[0].dtype
        if d in _WIDER or d == tf.bool:
            wide = [raw.Cast(x=o, DstT=_WIDER.get(d, tf.int32)) for o in operands]
            return raw.Cast(x=tf.einsum(subscripts, *wide), DstT=d)
        return tf.einsum(subscripts, *operands)

    @staticmethod
    def linear(x, weight, bias):
        if x.shape.rank == 2:  # the common case: one kernel (two with a bias)
            out = raw.MatMul(a=x, b=weight, transpose_b=True)
            return out if bias is None else raw.BiasAdd(value=out, bias=bias)
        shape = tf.shape(x)
        out = raw.MatMul(a=tf.reshape(x, [-1, shape[-1]]), b=weight, transpose_b=True)
        if bias is not None:
            out = raw.BiasAdd(value=out, bias=bias)
        return tf.reshape(out, tf.concat([shape[:-1], tf.shape(weight)[:1]], 0))

    @staticmethod
    def diagonal(x, offset):
        # diag_part refuses an offset outside the matrix; that diagonal is empty
        rows, cols = x.shape[-2], x.shape[-1]
        if rows is not None and cols is not None and (offset >= cols or -offset >= rows):
            return tf.zeros(tf.concat([tf.shape(x)[:-2], [0]], 0), x.dtype)
        return tf.linalg.diag_part(x, k=offset)

    @staticmethod
    def cholesky(x, upper):
        # On failure TF fills the lower triangle with NaN and leaves the upper one
        # uninitialised; the contract makes the whole matrix NaN.
        lower = tf.linalg.cholesky(x)
        failed = raw.Any(input=raw.IsNan(x=_real_part(lower)), axis=[-2, -1], keep_dims=True)
        lower = raw.SelectV2(condition=failed, t=tf.constant(np.nan, lower.dtype), e=lower)
        return tf.linalg.adjoint(lower) if upper else lower

    det = staticmethod(lambda x: tf.linalg.det(x))

    @staticmethod
    def slogdet(x):
        sign, logabsdet = tf.linalg.slogdet(x)
        if logabsdet.dtype.is_complex:  # TF returns it in the complex dtype
            logabsdet = raw.Real(input=logabsdet, Tout=_REAL_OF[logabsdet.dtype])
        return sign, logabsdet

    @staticmethod
    def inv(x):
        try:
            return tf.linalg.inv(x)
        except tf.errors.InvalidArgumentError as e:  # "not invertible": the contract's
            raise np.linalg.LinAlgError(e.message) from None  # neutral signal

    @staticmethod
    def solve(x1, x2):
        batch = tf.broadcast_dynamic_shape(tf.shape(x1)[:-2], tf.shape(x2)[:-2])
        a = tf.broadcast_to(x1, tf.concat([batch, tf.shape(x1)[-2:]], 0))
        b = tf.broadcast_to(x2, tf.concat([batch, tf.shape(x2)[-2:]], 0))
        try:
            return tf.linalg.solve(a, b)
        except tf.errors.InvalidArgumentError as e:
            raise np.linalg.LinAlgError(e.message) from None

    @staticmethod
    def eigh(x):
        w, v = tf.linalg.eigh(x)
        if w.dtype.is_complex:  # TF returns real eigenvalues in the complex dtype
            w = raw.Real(input=w, Tout=_REAL_OF[w.dtype])
        return w, v

    @staticmethod
    def qr(x, mode):
        # TF's Householder QR squares the entries without scaling (LAPACK's norms scale):
        # a column norm above sqrt(max) overflows and gives NaN (complex64 entries of
        # 2e19), and tiny ones underflow.  Factor x / 2**k instead, k from each matrix's
        # largest magnitude, and scale R back: with powers of two both steps are exact.
        scale, inverse = _power_of_two_scale(x)
        q, r = tf.linalg.qr(raw.Mul(x=x, y=inverse), full_matrices=mode == "complete")
        return q, raw.Mul(x=r, y=scale)

    @staticmethod
    def svd(x, full_matrices):
        s, u, v = tf.linalg.svd(x, full_matrices=full_matrices)
        return u, s, tf.linalg.adjoint(v)

    @staticmethod
    def svdvals(x):
        return tf.linalg.svd(x, compute_uv=False)

def _real_part(x: Native) -> Native:
    return raw.Real(input=x, Tout=_REAL_OF[x.dtype]) if x.dtype.is_complex else x


def _power_of_two_scale(x: Native) -> tuple[Native, Native]:
    """``(2**k, 2**-k)`` in ``x``'s dtype, one per matrix of ``x`` (shape ``(..., 1, 1)``),
    ``k`` the binary exponent of the matrix's largest magnitude clipped to [-100, 100]
    (float32; [-1000, 1000] for float64), 0 for a matrix of zeros, infs or NaNs."""
    real = _REAL_OF.get(x.dtype, x.dtype)
    bits, mantissa, bias, limit = ((tf.int64, 52, 1023, 1000) if real == tf.float64
                                   else (tf.int32, 23, 127, 100))
    largest = raw.Max(input=raw.ComplexAbs(x=x, Tout=real) if x.dtype.is_complex
                      else raw.Abs(x=x), axis=[-2, -1], keep_dims=True)
    exponent = raw.Sub(x=raw.RightShift(x=raw.Bitcast(input=largest, type=bits),
                                        y=tf.constant(mantissa, bits)),
                       y=tf.constant(bias, bits))
    usable = raw.LogicalAnd(x=raw.IsFinite(x=largest),
                            y=raw.Greater(x=largest, y=tf.zeros((), real)))
    k = raw.SelectV2(condition=usable, t=raw.ClipByValue(
        t=exponent, clip_value_min=tf.constant(-limit, bits),
        clip_value_max=tf.constant(limit, bits)), e=tf.zeros((), bits))

    def power(e: Native) -> Native:
        p = raw.Bitcast(input=raw.LeftShift(x=raw.AddV2(x=e, y=tf.constant(bias, bits)),
                                            y=tf.constant(mantissa, bits)), type=real)
        return raw.Cast(x=p, DstT=x.dtype) if x.dtype.is_complex else p

    return power(k), power(raw.Neg(x=k))

