"""The TensorFlow backend's ``fft`` section.

TF's FFT kernels transform only the innermost 1, 2 or 3 axes (:func:`_fft_over` moves the
axes there and back); its forward kernels do not scale and its inverse kernels scale by
``1/n``, the "backward" norm (:func:`_fft_scale` applies the others).  RFFT/IRFFT take
the precision from their Tcomplex/Treal attributes (float64 <-> complex128).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from ..contract import Native
from .core import _REAL_OF, raw


class FftOps:
    """The contract's ``fft`` section."""

    @staticmethod
    def fft(x, axes, inverse, norm):
        kernels = _IFFT_KERNELS if inverse else _FFT_KERNELS
        out = _fft_over(x, axes, lambda y, k: kernels[k](input=y))
        return _fft_scale(out, math.prod(x.shape[a] for a in axes), inverse, norm)

    @staticmethod
    def rfft(x, axes, norm):
        inner, outer = axes[-3:], axes[:-3]  # the halved axis last, innermost
        sizes = [x.shape[a] for a in inner]
        cdtype = tf.complex128 if x.dtype == tf.float64 else tf.complex64
        out = _fft_over(x, inner, lambda y, k: _RFFT_KERNELS[k](
            input=y, fft_length=sizes, Tcomplex=cdtype))
        if outer:
            out = _fft_over(out, outer, lambda y, k: _FFT_KERNELS[k](input=y))
        return _fft_scale(out, math.prod(x.shape[a] for a in axes), False, norm)

    @staticmethod
    def irfft(x, axes, n, norm):
        inner, outer = axes[-3:], axes[:-3]
        if outer:  # the complex inverse over the other axes first, as NumPy does
            x = _fft_over(x, outer, lambda y, k: _IFFT_KERNELS[k](input=y))
        sizes = [x.shape[a] for a in inner[:-1]] + [n]
        out = _fft_over(x, inner, lambda y, k: _IRFFT_KERNELS[k](
            input=y, fft_length=sizes, Treal=_REAL_OF[x.dtype]))
        total = n * math.prod(x.shape[a] for a in axes[:-1])
        return _fft_scale(out, total, True, norm)

_FFT_KERNELS = {1: raw.FFT, 2: raw.FFT2D, 3: raw.FFT3D}
_IFFT_KERNELS = {1: raw.IFFT, 2: raw.IFFT2D, 3: raw.IFFT3D}
_RFFT_KERNELS = {1: raw.RFFT, 2: raw.RFFT2D, 3: raw.RFFT3D}
_IRFFT_KERNELS = {1: raw.IRFFT, 2: raw.IRFFT2D, 3: raw.IRFFT3D}


def _fft_over(x: Native, axes: tuple[int, ...],
              kernel: Callable[[Native, int], Native]) -> Native:
    """``kernel(y, k)`` (a transform of the innermost ``k <= 3`` axes of ``y``) applied
    over ``axes``, three at a time, each group transposed innermost (in its order) and
    back."""
    ndim = len(x.shape)
    for start in range(0, len(axes), 3):
        group = list(axes[start:start + 3])
        perm = [a for a in range(ndim) if a not in group] + group
        if perm == list(range(ndim)):
            x = kernel(x, len(group))
        else:
            y = kernel(raw.Transpose(x=x, perm=perm), len(group))
            x = raw.Transpose(x=y, perm=np.argsort(perm).tolist())
    return x


def _fft_scale(x: Native, n: int, inverse: bool, norm: str) -> Native:
    """``x`` (the output of TF's kernels: forward unscaled, inverse scaled by ``1/n``)
    scaled as ``norm`` asks, the real and imaginary parts separately."""
    if norm == "backward":
        return x
    if inverse:
        factor = math.sqrt(n) if norm == "ortho" else float(n)
    else:
        factor = 1 / math.sqrt(n) if norm == "ortho" else 1 / n
    if factor == 1:
        return x
    if not x.dtype.is_complex:
        return raw.Mul(x=x, y=tf.constant(factor, x.dtype))
    real = _REAL_OF[x.dtype]
    f = tf.constant(factor, real)
    return raw.Complex(real=raw.Mul(x=raw.Real(input=x, Tout=real), y=f),
                       imag=raw.Mul(x=raw.Imag(input=x, Tout=real), y=f), Tout=x.dtype)

