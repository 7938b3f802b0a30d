"""The Array API ``fft`` extension (2023.12), as ``ut.fft``: discrete Fourier transforms.

The backends provide three primitives (``fft``, ``rfft``, ``irfft`` over given axes, with
the standard's ``norm``); everything else is composed here once, so both backends follow
the same rules:

* ``n``/``s`` zero-pad or trim each transformed axis of the input (``s[i] == -1``: the
  whole axis); a transform length below 1 raises ``ValueError``, as does the default
  length ``2 * (m - 1)`` of :func:`irfft`/:func:`hfft`/:func:`irfftn` for an axis of
  size 1.  ``norm`` is ``"backward"`` (the default; ``None`` means it too),
  ``"ortho"`` or ``"forward"``, anything else ``ValueError``.
* ``fftn``-style functions transform every axis when ``axes`` is ``None``.  ``s`` without
  ``axes`` applies to the last ``len(s)`` axes (PyTorch's and NumPy 1's rule; the
  standard leaves it open).  An axis named twice raises :class:`AxisError` (NumPy
  transforms it twice, PyTorch refuses).  ``fftn`` over ``axes=()`` returns the input,
  converted to complex; ``rfftn``/``irfftn`` need at least one axis.
* dtypes (the standard's rules, widened as NumPy and PyTorch widen them): ``fft``,
  ``ifft``, ``fftn``, ``ifftn`` return the input's complex dtype; real input is taken
  as complex of matching precision.  ``rfft``, ``rfftn``, ``ihfft`` take real input and
  return complex of matching precision (float64 gives complex128); complex input raises
  :class:`DTypeError`.  ``irfft``, ``irfftn``, ``hfft`` return the real dtype matching a
  complex input.  Integer input is taken in the default float dtype, as ``ut.linalg``
  does; float16 and bfloat16 are computed in float32 (there is no complex32), so their
  results are complex64/float32.  bool input raises :class:`DTypeError`.
* ``hfft(x, n) = irfft(conj(x), n)`` and ``ihfft(x, n) = conj(rfft(x, n))`` with the norm's
  direction swapped, as NumPy defines them.  The inverse real transforms take the
  signal to be Hermitian: the imaginary parts of the zero-frequency term (and of the
  Nyquist term, for an even length) along the last transformed axis are ignored.
* :func:`fftfreq`/:func:`rfftfreq` are computed in double precision on the host, as NumPy
  computes them, and rounded once to the default float dtype (or ``dtype=``).
  :func:`fftshift`/:func:`ifftshift` roll every axis (or ``axes``) by ``n // 2`` and
  ``-(n // 2)``; any dtype.
* The transformed axes must have known sizes, also while a function is compiled.

Results agree with NumPy's float64 transforms to within ``log2(n)`` roundings of the
result's norm (the ``"fft"`` tolerance family); non-finite input gives non-finite
output whose pattern of inf and NaN depends on the framework's algorithm.  Gradients
flow through every transform by the framework's own autodiff.

PyTorch's spellings are accepted: ``dim=`` for ``axis=``/``axes=``.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes as dt
from ._dispatch import backend_of, check_kind, to_tensor
from .backends import current
from .devices import Device
from .errors import AxisError, DTypeError, ShapeError, fmt_shape, normalize_axis
from .ops.creation import asarray_on
from .ops.manipulation import roll
from .tensor import Tensor, _wrap

__all__ = [
    "fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft", "ihfft",
    "fftfreq", "rfftfreq", "fftshift", "ifftshift",
]

_NORMS = ("backward", "ortho", "forward")
_SWAP = {"backward": "forward", "ortho": "ortho", "forward": "backward"}
_COMPLEX_OF = {dt.float32: dt.complex64, dt.float64: dt.complex128}
_REAL_OF = {dt.complex64: dt.float32, dt.complex128: dt.float64}


# ---------------------------------------------------------------------------------------
# argument handling


def _input(op: str, x: Any, complex_: bool) -> Tensor:
    """``x`` as a tensor of the dtype the kernels take: complex64/complex128 when
    ``complex_``, else float32/float64 (complex input refused)."""
    x = to_tensor(x, backend_of(op, x))
    d = x._d
    check_kind(op, d, "iufc" if complex_ else "iuf")
    want = dt.get_default_dtype() if d.kind in "iu" else d
    if want.kind == "f" and want not in _COMPLEX_OF:
        want = dt.float32  # float16, bfloat16
    if complex_ and want.kind == "f":
        want = _COMPLEX_OF[want]
    if want is not d:
        x = _wrap(type(x), type(x)._bk.cast(x._n, want), want)
    return x


def _norm(op: str, norm: str | None) -> str:
    if norm is None:
        return "backward"
    if norm not in _NORMS:
        raise ValueError(f"{op}(): norm must be 'backward', 'ortho' or 'forward', got "
                         f"{norm!r}")
    return norm


def _length(op: str, n: Any) -> int:
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{op}(): a transform length must be an integer, got "
                        f"{type(n).__name__}") from None
    if n < 1:
        raise ValueError(f"{op}(): invalid number of data points ({n}); a transform needs "
                         "at least 1")
    return n


def _known(op: str, shape: tuple[int | None, ...], axes: Sequence[int]) -> None:
    if any(shape[a] is None for a in axes):
        raise ValueError(f"{op}(): the transformed axes must have known sizes, got shape "
                         f"{fmt_shape(shape)}")


def _one_axis(op: str, x: Tensor, axis: int, dim: int | None) -> int:
    if dim is not None:
        axis = dim
    if x.ndim == 0:
        raise ShapeError(f"{op}() expects at least 1 dimension, got a 0-d tensor")
    ax = normalize_axis(operator.index(axis), x.ndim)
    _known(op, x.shape, (ax,))
    return ax


def _axes_sizes(op: str, x: Tensor, s: Sequence[int] | None, axes: Any, dim: Any,
                inverse_real: bool = False) -> tuple[tuple[int, ...], list[int]]:
    """The normalized axes (caller's order) and the transform lengths along them."""
    if dim is not None:
        axes = dim
    shape = x.shape
    ndim = len(shape)
    if isinstance(axes, (int, np.integer)):
        axes = (axes,)
    if s is not None:
        if isinstance(s, (int, np.integer)):
            s = (s,)
        s = list(s)
        if axes is None:
            if len(s) > ndim:
                raise ValueError(f"{op}(): s has {len(s)} sizes for a tensor of {ndim} "
                                 "dimensions")
            axes = range(ndim - len(s), ndim)
    elif axes is None:
        axes = range(ndim)
    axes = tuple(normalize_axis(operator.index(a), ndim) for a in axes)
    if len(set(axes)) != len(axes):
        raise AxisError(f"{op}(): repeated axis in axes {axes}")
    _known(op, shape, axes)
    if s is None:
        sizes = [shape[a] for a in axes]
        if inverse_real and axes:
            sizes[-1] = 2 * (sizes[-1] - 1)
    else:
        if len(s) != len(axes):
            raise ValueError(f"{op}(): s has {len(s)} sizes for {len(axes)} axes")
        sizes = [shape[a] if operator.index(v) == -1 else v for v, a in zip(s, axes)]
    return axes, [_length(op, v) for v in sizes]


def _fit(x: Tensor, axes: Sequence[int], sizes: Sequence[int]) -> Any:
    """The native of ``x`` trimmed or zero-padded to ``sizes`` along ``axes``."""
    backend = type(x)._bk
    shape = x.shape
    native = x._n
    key: list[Any] = [slice(0, m, 1) for m in shape]
    pads = [(0, 0)] * len(shape)
    trim = pad = False
    for a, n in zip(axes, sizes):
        m = shape[a]
        if n < m:
            key[a] = slice(0, n, 1)
            trim = True
        elif n > m:
            pads[a] = (0, n - m)
            pad = True
    if trim:
        native = backend.getitem(native, tuple(key))
    if pad:
        native = backend.pad(native, tuple(pads), 0j if x._d.kind == "c" else 0.0)
    return native


# ---------------------------------------------------------------------------------------
# complex transforms


def _complex_1d(op: str, x: Any, n: int | None, axis: int, norm: str | None,
                dim: int | None, inverse: bool) -> Tensor:
    x = _input(op, x, True)
    ax = _one_axis(op, x, axis, dim)
    size = _length(op, x.shape[ax] if n is None else n)
    native = _fit(x, (ax,), (size,))
    return _wrap(type(x), type(x)._bk.fft(native, (ax,), inverse, _norm(op, norm)), x._d)


def _complex_nd(op: str, x: Any, s: Any, axes: Any, norm: str | None, dim: Any,
                inverse: bool) -> Tensor:
    x = _input(op, x, True)
    axes, sizes = _axes_sizes(op, x, s, axes, dim)
    norm = _norm(op, norm)
    if not axes:
        return x
    native = _fit(x, axes, sizes)
    return _wrap(type(x), type(x)._bk.fft(native, axes, inverse, norm), x._d)


def fft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
        norm: str | None = "backward", dim: int | None = None) -> Tensor:
    """The one-dimensional discrete Fourier transform along ``axis``:
    ``y[k] = sum_j x[j] exp(-2j pi j k / n)``, scaled by ``norm`` (``"backward"``: 1,
    ``"ortho"``: ``1/sqrt(n)``, ``"forward"``: ``1/n``).  ``n`` zero-pads or trims the
    axis first (default: its size).  The result has ``x``'s complex dtype (real input:
    the complex dtype of matching precision) and ``x``'s shape with ``n`` along ``axis``.

    Example:
        >>> ut.fft.fft(ut.tensor([1., 0., 0., 0.]))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
    """
    return _complex_1d("fft", x, n, axis, norm, dim, False)


def ifft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: str | None = "backward", dim: int | None = None) -> Tensor:
    """The one-dimensional inverse discrete Fourier transform along ``axis``:
    ``y[j] = sum_k x[k] exp(2j pi j k / n)``, scaled by ``norm`` (``"backward"``:
    ``1/n``, ``"ortho"``: ``1/sqrt(n)``, ``"forward"``: 1), so that
    ``ifft(fft(x)) == x``.  Dtype and shape as :func:`fft`.

    Example:
        >>> ut.fft.ifft(ut.tensor([4., 0., 0., 0.]))
        tensor([1.+0.j, 1.+0.j, 1.+0.j, 1.+0.j], dtype=complex64)
    """
    return _complex_1d("ifft", x, n, axis, norm, dim, True)


def fftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str | None = "backward", dim: Sequence[int] | None = None) -> Tensor:
    """The n-dimensional discrete Fourier transform over ``axes`` (default: all), each
    zero-padded or trimmed to ``s[i]`` (``-1``: its size) first; ``norm`` scales by
    ``n = prod(s)`` as in :func:`fft`.  The result has ``x``'s complex dtype and shape,
    with ``s[i]`` along ``axes[i]``.

    Example:
        >>> ut.fft.fftn(ut.ones((2, 2)))
        tensor([[4.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j]], dtype=complex64)
    """
    return _complex_nd("fftn", x, s, axes, norm, dim, False)


def ifftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = "backward", dim: Sequence[int] | None = None) -> Tensor:
    """The n-dimensional inverse discrete Fourier transform over ``axes`` (see
    :func:`fftn`; ``"backward"`` scales by ``1/prod(s)``).

    Example:
        >>> ut.fft.ifftn(ut.tensor([[4., 0.], [0., 0.]]))
        tensor([[1.+0.j, 1.+0.j],
                [1.+0.j, 1.+0.j]], dtype=complex64)
    """
    return _complex_nd("ifftn", x, s, axes, norm, dim, True)


# ---------------------------------------------------------------------------------------
# real and Hermitian transforms


def _rfft(op: str, x: Any, n: int | None, axis: int, norm: str, dim: int | None) -> Tensor:
    x = _input(op, x, False)
    ax = _one_axis(op, x, axis, dim)
    size = _length(op, x.shape[ax] if n is None else n)
    native = type(x)._bk.rfft(_fit(x, (ax,), (size,)), (ax,), norm)
    return _wrap(type(x), native, _COMPLEX_OF[x._d])


def _irfft(op: str, x: Any, n: int | None, axis: int, norm: str, dim: int | None,
           conj: bool) -> Tensor:
    x = _input(op, x, True)
    ax = _one_axis(op, x, axis, dim)
    size = _length(op, 2 * (x.shape[ax] - 1) if n is None else n)
    backend = type(x)._bk
    native = _fit(x, (ax,), (size // 2 + 1,))
    if conj:
        native = backend.conj(native)
    return _wrap(type(x), backend.irfft(native, (ax,), size, norm), _REAL_OF[x._d])


def rfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: str | None = "backward", dim: int | None = None) -> Tensor:
    """The discrete Fourier transform of real ``x`` along ``axis``, keeping the
    ``n // 2 + 1`` non-negative frequencies (the others are their conjugates).  ``n``,
    ``norm`` as in :func:`fft`.  The result is complex of ``x``'s precision (float64
    gives complex128); complex input raises :class:`DTypeError`.

    Example:
        >>> ut.fft.rfft(ut.tensor([1., 2., 3., 4.]))
        tensor([10.+0.j, -2.+2.j, -2.+0.j], dtype=complex64)
    """
    return _rfft("rfft", x, n, axis, _norm("rfft", norm), dim)


def irfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: str | None = "backward", dim: int | None = None) -> Tensor:
    """The inverse of :func:`rfft`: the real signal of length ``n`` (default
    ``2 * (m - 1)`` for ``m`` input points; pass an odd ``n`` for an odd length) whose
    non-negative frequencies are ``x`` along ``axis`` (trimmed or zero-padded to
    ``n // 2 + 1`` points).  ``norm`` as in :func:`ifft`.  The result is real of
    ``x``'s precision.

    Example:
        >>> ut.fft.irfft(ut.tensor([10+0j, -2+2j, -2+0j]))
        tensor([1., 2., 3., 4.], dtype=float32)
    """
    return _irfft("irfft", x, n, axis, _norm("irfft", norm), dim, False)


def hfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: str | None = "backward", dim: int | None = None) -> Tensor:
    """The discrete Fourier transform of a signal with Hermitian symmetry, given by its
    first half ``x`` along ``axis``: a real result of length ``n`` (default
    ``2 * (m - 1)``).  ``hfft(x, n) == irfft(conj(x), n)`` with the norm's direction
    swapped (``"backward"``: no scaling).  The result is real of ``x``'s precision.

    Example:
        >>> ut.fft.hfft(ut.tensor([1+0j, 0j, 0j]))
        tensor([1., 1., 1., 1.], dtype=float32)
    """
    return _irfft("hfft", x, n, axis, _SWAP[_norm("hfft", norm)], dim, True)


def ihfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: str | None = "backward", dim: int | None = None) -> Tensor:
    """The inverse of :func:`hfft`: the ``n // 2 + 1`` first points of the inverse
    transform of real ``x`` along ``axis`` (``conj(rfft(x, n))`` with the norm's
    direction swapped; ``"backward"`` scales by ``1/n``).  Complex of ``x``'s precision.

    Example:
        >>> ut.fft.ihfft(ut.tensor([1., 1., 1., 1.]))
        tensor([1.-0.j, 0.-0.j, 0.-0.j], dtype=complex64)
    """
    out = _rfft("ihfft", x, n, axis, _SWAP[_norm("ihfft", norm)], dim)
    return _wrap(type(out), type(out)._bk.conj(out._n), out._d)


def _real_nd(op: str, x: Any, s: Any, axes: Any, norm: str | None, dim: Any,
             inverse: bool) -> Tensor:
    x = _input(op, x, inverse)
    axes, sizes = _axes_sizes(op, x, s, axes, dim, inverse_real=inverse)
    norm = _norm(op, norm)
    if not axes:
        raise ValueError(f"{op}() needs at least one axis to transform")
    backend = type(x)._bk
    if not inverse:
        native = backend.rfft(_fit(x, axes, sizes), axes, norm)
        return _wrap(type(x), native, _COMPLEX_OF[x._d])
    native = _fit(x, axes, [*sizes[:-1], sizes[-1] // 2 + 1])
    return _wrap(type(x), backend.irfft(native, axes, sizes[-1], norm), _REAL_OF[x._d])


def rfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str | None = "backward", dim: Sequence[int] | None = None) -> Tensor:
    """The n-dimensional discrete Fourier transform of real ``x`` over ``axes`` (default:
    all), keeping the ``s[-1] // 2 + 1`` non-negative frequencies of the last one.  ``s``,
    ``norm`` as in :func:`fftn`.  Complex of ``x``'s precision.

    Example:
        >>> ut.fft.rfftn(ut.ones((2, 4)))
        tensor([[8.+0.j, 0.+0.j, 0.+0.j],
                [0.+0.j, 0.+0.j, 0.+0.j]], dtype=complex64)
    """
    return _real_nd("rfftn", x, s, axes, norm, dim, False)


def irfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
           norm: str | None = "backward", dim: Sequence[int] | None = None) -> Tensor:
    """The inverse of :func:`rfftn`: a real result with ``s[i]`` points along
    ``axes[i]`` (default: the input's sizes, ``2 * (m - 1)`` along the last axis), the
    input trimmed or zero-padded to ``s[i]`` (``s[-1] // 2 + 1`` along the last axis)
    first.  ``norm`` as in :func:`ifftn`.  Real of ``x``'s precision.

    Example:
        >>> ut.fft.irfftn(ut.tensor([[8+0j, 0j, 0j], [0j, 0j, 0j]]))
        tensor([[1., 1., 1., 1.],
                [1., 1., 1., 1.]], dtype=float32)
    """
    return _real_nd("irfftn", x, s, axes, norm, dim, True)


# ---------------------------------------------------------------------------------------
# frequencies and shifts


def _freq_dtype(op: str, dtype: Any) -> dt.DType:
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    if d.kind != "f":
        raise DTypeError(f"{op}() dtype must be a real floating dtype, got {d.name}")
    return d


def _freq_args(op: str, n: Any, d: Any) -> tuple[int, float]:
    try:
        n = operator.index(n)
    except TypeError:
        raise TypeError(f"{op}(): n must be an integer, got {type(n).__name__}") from None
    if n < 0:
        raise ValueError(f"{op}(): n must be non-negative, got {n}")
    d = float(d)
    if d == 0 or not math.isfinite(d):
        raise ValueError(f"{op}(): the sample spacing d must be finite and non-zero, got {d}")
    return n, d


def fftfreq(n: int, /, *, d: float = 1.0, dtype: dt.DTypeLike | None = None,
            device: str | Device | None = None) -> Tensor:
    """The sample frequencies of a transform of length ``n`` with sample spacing ``d``:
    ``[0, 1, ..., (n - 1) // 2, -(n // 2), ..., -1] / (d * n)``, shape ``(n,)``, of the
    default float dtype (or ``dtype``, a real floating dtype).

    Example:
        >>> ut.fft.fftfreq(4)
        tensor([ 0.  ,  0.25, -0.5 , -0.25], dtype=float32)
    """
    n, d = _freq_args("fftfreq", n, d)
    dtype = _freq_dtype("fftfreq", dtype)
    k = np.concatenate([np.arange(0, (n - 1) // 2 + 1), np.arange(-(n // 2), 0)])
    values = k * (1.0 / (n * d)) if n else np.zeros(0)
    return asarray_on(current(), values.astype(dtype.numpy), device=device)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: dt.DTypeLike | None = None,
             device: str | Device | None = None) -> Tensor:
    """The non-negative sample frequencies of :func:`rfft` of length ``n``:
    ``[0, 1, ..., n // 2] / (d * n)`` (the Nyquist frequency counts as positive), shape
    ``(n // 2 + 1,)``, of the default float dtype (or ``dtype``).

    Example:
        >>> ut.fft.rfftfreq(4)
        tensor([0.  , 0.25, 0.5 ], dtype=float32)
    """
    n, d = _freq_args("rfftfreq", n, d)
    dtype = _freq_dtype("rfftfreq", dtype)
    values = np.arange(0, n // 2 + 1) * (1.0 / (n * d)) if n else np.zeros(0)
    return asarray_on(current(), values.astype(dtype.numpy), device=device)


def _shift(op: str, x: Any, axes: Any, dim: Any, sign: int) -> Tensor:
    if dim is not None:
        axes = dim
    x = to_tensor(x, backend_of(op, x))
    ndim = x.ndim
    if axes is None:
        axes = tuple(range(ndim))
    elif isinstance(axes, (int, np.integer)):
        axes = (axes,)
    axes = tuple(normalize_axis(operator.index(a), ndim) for a in axes)
    _known(op, x.shape, axes)
    if not axes:
        return x
    return roll(x, tuple(sign * (x.shape[a] // 2) for a in axes), axis=axes)


def fftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None,
             dim: int | Sequence[int] | None = None) -> Tensor:
    """Move the zero-frequency term to the centre: roll each of ``axes`` (default: all)
    by ``size // 2``.  Same dtype and shape as ``x``.

    Example:
        >>> ut.fft.fftshift(ut.fft.fftfreq(5))
        tensor([-0.4, -0.2,  0. ,  0.2,  0.4], dtype=float32)
    """
    return _shift("fftshift", x, axes, dim, 1)


def ifftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None,
              dim: int | Sequence[int] | None = None) -> Tensor:
    """The inverse of :func:`fftshift`: roll each of ``axes`` (default: all) by
    ``-(size // 2)`` (the two differ by one sample for odd sizes).

    Example:
        >>> ut.fft.ifftshift(ut.fft.fftshift(ut.arange(5)))
        tensor([0, 1, 2, 3, 4], dtype=int64)
    """
    return _shift("ifftshift", x, axes, dim, -1)
