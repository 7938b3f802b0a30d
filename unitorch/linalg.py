"""The Array API ``linalg`` extension (2023.12), as ``ut.linalg``: decompositions, solves,
norms and products of stacks of matrices (the last two axes; leading axes are a batch).

Everything here is composed from the backend contract's primitives in one place, so both
backends run the same algorithm.  Conventions, the same on every backend:

* integer input is computed in the default float dtype (NumPy converts to float64,
  PyTorch refuses integers); bool is refused with :class:`DTypeError`.  float16 and
  bfloat16, which neither framework's LAPACK kernels accept, are computed in float32 and
  the results rounded back.  Results that are real for complex input (eigenvalues,
  singular values, norms, ``log|det|``) have the real dtype of matching precision.
* a matrix that is not square where one must be, or shapes that do not fit, raise
  :class:`ShapeError` with the same message everywhere; a bad ``ord``/``mode`` raises
  ``ValueError``.
* ``inv``/``solve`` of a singular matrix raise :class:`LinAlgError` (a ``ValueError``;
  ``torch.linalg.LinAlgError`` and TensorFlow's ``InvalidArgumentError`` are both turned
  into it).  Inside a compiled function TensorFlow reports it only when the graph runs,
  with its own error.
* ``cholesky`` reads the lower triangle (PyTorch reads the upper one with
  ``upper=True``) and gives a matrix of NaN for a matrix that is not positive-definite
  (TensorFlow's behaviour, and JAX's; PyTorch raises, which would need a host sync).
* ``solve(x1, x2)`` follows the 2023.12 standard: a 1-D ``x2`` is one vector, anything
  else a stack of matrices.  (``torch.linalg.solve`` also treats ``x2`` as a batch of
  vectors when ``x2.shape == x1.shape[:-1]``; unitorch does not guess.)
* ``eigh`` and ``svd`` return named tuples; eigenvectors and singular vectors are
  unique only up to sign (a phase for complex), which differs between frameworks:
  compare ``U @ diag(S) @ Vh`` or projections, not the factors.
* ``matrix_rank``/``pinv`` default ``rtol`` to ``max(M, N) * eps`` of the result dtype,
  as the standard says (PyTorch's default too).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from . import dtypes as dt
from ._dispatch import backend_of, check_kind, to_tensor
from .errors import (
    LinAlgError,
    ShapeError,
    broadcast_shapes,
    fmt_shape,
    normalize_axes,
    normalize_axis,
)
from .ops import elementwise as _ew
from .ops import statistical as _st
from .ops import unary as _un
from .ops.manipulation import matrix_transpose, reshape, roll
from .ops.products import _pair, matmul, outer, tensordot, vecdot
from .tensor import Tensor, _wrap

__all__ = [
    "LinAlgError", "EighResult", "QRResult", "SlogdetResult", "SVDResult",
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
    "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "outer", "pinv",
    "qr", "slogdet", "solve", "svd", "svdvals", "tensordot", "trace", "vecdot",
    "vector_norm",
]


class EighResult(NamedTuple):
    """What :func:`eigh` returns: ``(eigenvalues, eigenvectors)``, a named tuple.

    Example:
        >>> w, v = ut.linalg.eigh(ut.tensor([[2., 0.], [0., 1.]], dtype=ut.float64))
        >>> w
        tensor([1., 2.], dtype=float64)
        >>> ut.linalg.eigh(ut.eye(2)).eigenvalues
        tensor([1., 1.], dtype=float32)
    """

    eigenvalues: Tensor
    eigenvectors: Tensor


class QRResult(NamedTuple):
    """What :func:`qr` returns: ``(Q, R)``, a named tuple.

    Example:
        >>> a = ut.tensor([[3., 0.], [4., 5.]], dtype=ut.float64)
        >>> Q, R = ut.linalg.qr(a)
        >>> bool(ut.all(ut.abs(Q @ R - a) < 1e-12))
        True
        >>> ut.linalg.qr(ut.eye(3)).R.shape
        (3, 3)
    """

    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    """What :func:`slogdet` returns: ``(sign, logabsdet)``, a named tuple.

    Example:
        >>> sign, logabsdet = ut.linalg.slogdet(ut.tensor([[-2., 0.], [0., 3.]], dtype=ut.float64))
        >>> float(sign), round(float(ut.exp(logabsdet)), 12)
        (-1.0, 6.0)
    """

    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    """What :func:`svd` returns: ``(U, S, Vh)``, a named tuple.

    Example:
        >>> U, S, Vh = ut.linalg.svd(ut.tensor([[3., 0.], [0., -2.]], dtype=ut.float64))
        >>> S
        tensor([3., 2.], dtype=float64)
        >>> ut.linalg.svd(ut.ones((4, 2)), full_matrices=False).U.shape
        (4, 2)
    """

    U: Tensor
    S: Tensor
    Vh: Tensor


_HALF = (dt.float16, dt.bfloat16)
_REAL = {dt.complex64: dt.float32, dt.complex128: dt.float64}


def _real(d: dt.DType) -> dt.DType:
    return _REAL.get(d, d)


# ---------------------------------------------------------------------------------------
# input handling


def _matrices(op: str, x: Any, *, square: bool = False) -> tuple[Tensor, dt.DType]:
    """``x`` as a stack of matrices in the dtype the kernels compute in, and the dtype
    the result takes (see the module docstring)."""
    x = to_tensor(x, backend_of(op, x))
    check_kind(op, x._d, "iufc")
    _check_matrix_shape(op, x.shape, square)
    result = dt.get_default_dtype() if x._d.kind in "iu" else x._d
    compute = dt.float32 if result in _HALF else result
    if x._d is not compute:
        x = _wrap(type(x), type(x)._bk.cast(x._n, compute), compute)
    return x, result


def _check_matrix_shape(op: str, shape: tuple[int | None, ...], square: bool) -> None:
    if len(shape) < 2:
        raise ShapeError(f"{op}() expects a matrix or a stack of matrices (at least 2 "
                         f"dimensions), got shape {fmt_shape(shape)}")
    if square and shape[-1] != shape[-2] and None not in shape[-2:]:
        raise ShapeError(f"{op}() expects square matrices, got shape {fmt_shape(shape)}")


def _out(T: type, native: Any, computed: dt.DType, result: dt.DType) -> Tensor:
    """Wrap ``native`` (of dtype ``computed``) as ``result``, casting back from float32
    where the input was a half dtype."""
    if computed is not result:
        native = T._bk.cast(native, result)
    return _wrap(T, native, result)


def _singular(op: str, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except np.linalg.LinAlgError:  # the backends' neutral signal (see the contract)
        raise LinAlgError(f"{op}(): a matrix is singular") from None


# ---------------------------------------------------------------------------------------
# decompositions and solves


def cholesky(x: Tensor, /, *, upper: bool = False) -> Tensor:
    """The Cholesky factor ``L`` (lower triangular, ``x = L @ L^H``) of Hermitian
    positive-definite matrices, or with ``upper`` its conjugate transpose ``U``
    (``x = U^H @ U``).  Only the lower triangle of ``x`` is read.  A matrix that is not
    positive-definite gives a matrix of NaN.

    Example:
        >>> ut.linalg.cholesky(ut.tensor([[4., 2.], [2., 5.]]))
        tensor([[2., 0.],
                [1., 2.]], dtype=float32)
    """
    x, d = _matrices("cholesky", x, square=True)
    return _out(type(x), type(x)._bk.cholesky(x._n, bool(upper)), x._d, d)


def det(x: Tensor, /) -> Tensor:
    """The determinant of each square matrix; shape ``x.shape[:-2]``.

    Example:
        >>> ut.linalg.det(ut.tensor([[1., 2.], [3., 4.]]))
        tensor(-2., dtype=float32)
    """
    x, d = _matrices("det", x, square=True)
    return _out(type(x), type(x)._bk.det(x._n), x._d, d)


def slogdet(x: Tensor, /) -> SlogdetResult:
    """``(sign, logabsdet)`` with ``det(x) == sign * exp(logabsdet)``, stable where the
    determinant under- or overflows.  ``sign`` has ``x``'s (floating) dtype (a unit
    complex number for complex input), ``logabsdet`` the real dtype; a singular matrix
    gives sign 0 and ``logabsdet`` ``-inf``.

    Example:
        >>> ut.linalg.slogdet(ut.tensor([[2., 0.], [0., -3.]])).sign
        tensor(-1., dtype=float32)
    """
    x, d = _matrices("slogdet", x, square=True)
    sign, logabsdet = type(x)._bk.slogdet(x._n)
    T = type(x)
    return SlogdetResult(_out(T, sign, x._d, d), _out(T, logabsdet, _real(x._d), _real(d)))


def inv(x: Tensor, /) -> Tensor:
    """The inverse of each square matrix; :class:`LinAlgError` if one is singular.

    Example:
        >>> ut.linalg.inv(ut.tensor([[2., 0.], [0., 4.]]))
        tensor([[0.5 , 0.  ],
                [0.  , 0.25]], dtype=float32)
    """
    x, d = _matrices("inv", x, square=True)
    return _out(type(x), _singular("inv", type(x)._bk.inv, x._n), x._d, d)


def solve(x1: Tensor, x2: Tensor, /) -> Tensor:
    """The solution ``X`` of ``x1 @ X = x2`` for square ``x1`` (shape ``(..., M, M)``).

    A 1-D ``x2`` of length M is one right-hand side vector (the result has shape
    ``x1.shape[:-1]``); otherwise ``x2`` is a stack of ``(M, K)`` matrices whose batch axes
    broadcast against ``x1``'s (result ``(..., M, K)``), as in the 2023.12 standard.
    Operands promote to one dtype; :class:`LinAlgError` if a matrix is singular.

    Example:
        >>> ut.linalg.solve(ut.tensor([[2., 0.], [0., 4.]]), ut.tensor([2., 2.]))
        tensor([1. , 0.5], dtype=float32)
    """
    backend = backend_of("solve", x1, x2)
    t1, t2 = to_tensor(x1, backend), to_tensor(x2, backend)
    d = dt.promote_types(t1._d, t2._d)
    check_kind("solve", d, "iufc")
    s1, s2 = t1.shape, t2.shape
    _check_matrix_shape("solve", s1, True)
    m = s1[-1]
    if len(s2) == 0:
        raise ShapeError("solve() expects x2 to be a vector or a stack of matrices, got a "
                         "0-d tensor")
    rows = s2[0] if len(s2) == 1 else s2[-2]
    if m is not None and rows is not None and rows != m:
        raise ShapeError(f"solve(): x2 of shape {fmt_shape(s2)} does not fit x1 of shape "
                         f"{fmt_shape(s1)} ({rows} rows, expected {m})")
    if len(s2) > 2:
        try:
            broadcast_shapes(s1[:-2], s2[:-2])
        except ShapeError:
            raise ShapeError(f"solve(): batch dimensions of {fmt_shape(s1)} and "
                             f"{fmt_shape(s2)} do not broadcast") from None
    result = dt.get_default_dtype() if d.kind in "iu" else d
    compute = dt.float32 if result in _HALF else result
    n1 = t1._n if t1._d is compute else backend.cast(t1._n, compute)
    n2 = t2._n if t2._d is compute else backend.cast(t2._n, compute)
    vector = len(s2) == 1
    if vector:
        n2 = backend.reshape(n2, (-1, 1))
    out = _out(backend.Tensor, _singular("solve", backend.solve, n1, n2), compute, result)
    return out[..., 0] if vector else out


def eigh(x: Tensor, /) -> EighResult:
    """Eigenvalues (ascending, real) and eigenvectors (the columns of a unitary matrix) of
    Hermitian (real symmetric) matrices; only the lower triangle is read.  Each
    eigenvector is unique only up to sign (phase), which differs between frameworks.

    Example:
        >>> ut.linalg.eigh(ut.tensor([[2., 0.], [0., 1.]])).eigenvalues
        tensor([1., 2.], dtype=float32)
    """
    x, d = _matrices("eigh", x, square=True)
    w, v = type(x)._bk.eigh(x._n)
    T = type(x)
    return EighResult(_out(T, w, _real(x._d), _real(d)), _out(T, v, x._d, d))


def eigvalsh(x: Tensor, /) -> Tensor:
    """The eigenvalues of Hermitian matrices, ascending, in the real dtype.

    Example:
        >>> ut.linalg.eigvalsh(ut.tensor([[2., 1.], [1., 2.]], dtype=ut.float64))
        tensor([1., 3.], dtype=float64)
    """
    x, d = _matrices("eigvalsh", x, square=True)
    w, _ = type(x)._bk.eigh(x._n)
    return _out(type(x), w, _real(x._d), _real(d))


def qr(x: Tensor, /, *, mode: str = "reduced") -> QRResult:
    """QR decomposition ``x = Q @ R`` of ``(..., M, N)`` matrices, ``Q`` with
    orthonormal columns and ``R`` upper triangular.  ``mode="reduced"``: ``Q`` is
    ``(M, K)``, ``R`` ``(K, N)`` with ``K = min(M, N)``; ``"complete"``: ``Q`` is ``(M, M)``,
    ``R`` ``(M, N)``.  Signs of the columns of ``Q`` may differ between frameworks.

    Example:
        >>> [t.shape for t in ut.linalg.qr(ut.ones((4, 2)))]
        [(4, 2), (2, 2)]
    """
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr() mode must be 'reduced' or 'complete', got {mode!r}")
    x, d = _matrices("qr", x)
    q, r = type(x)._bk.qr(x._n, mode)
    return QRResult(_out(type(x), q, x._d, d), _out(type(x), r, x._d, d))


def svd(x: Tensor, /, *, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``x = U @ diag(S) @ Vh`` of ``(..., M, N)``
    matrices: ``S`` descending and real; with ``full_matrices`` ``U`` is ``(M, M)`` and
    ``Vh`` ``(N, N)``, otherwise ``(M, K)`` and ``(K, N)`` with ``K = min(M, N)``.  The
    singular vectors are unique only up to sign (phase).

    Example:
        >>> ut.linalg.svd(ut.tensor([[3., 0.], [0., 4.]])).S
        tensor([4., 3.], dtype=float32)
    """
    x, d = _matrices("svd", x)
    u, s, vh = type(x)._bk.svd(x._n, bool(full_matrices))
    T = type(x)
    return SVDResult(_out(T, u, x._d, d), _out(T, s, _real(x._d), _real(d)),
                     _out(T, vh, x._d, d))


def svdvals(x: Tensor, /) -> Tensor:
    """The singular values of each matrix, descending, in the real dtype; shape
    ``(..., min(M, N))``.

    Example:
        >>> ut.linalg.svdvals(ut.tensor([[3., 0.], [0., 4.]]))
        tensor([4., 3.], dtype=float32)
    """
    x, d = _matrices("svdvals", x)
    return _out(type(x), type(x)._bk.svdvals(x._n), _real(x._d), _real(d))


# ---------------------------------------------------------------------------------------
# composed from the above


def _default_rtol(shape: tuple[int | None, ...], d: dt.DType) -> float:
    m, n = shape[-2], shape[-1]
    return max(m or 0, n or 0) * dt.finfo(_real(d)).eps


def _rtol_tensor(op: str, x: Tensor, rtol: Any, result: dt.DType) -> Any:
    """``rtol`` as something that broadcasts against ``max(S, axis=-1, keepdims=True)``."""
    if rtol is None:
        return _default_rtol(x.shape, result)
    if isinstance(rtol, Tensor):
        check_kind(op, rtol._d, "f")
        t = rtol if rtol._d is _real(x._d) else rtol.astype(_real(x._d))
        return reshape(t, (*t.shape, 1))
    return float(rtol)


def matrix_rank(x: Tensor, /, *, rtol: float | Tensor | None = None) -> Tensor:
    """The rank of each matrix: the number of singular values above
    ``rtol * largest singular value``; ``rtol`` defaults to ``max(M, N) * eps`` (a float,
    or a real floating tensor broadcasting against ``x.shape[:-2]``).  int64, shape
    ``x.shape[:-2]``.

    Example:
        >>> ut.linalg.matrix_rank(ut.tensor([[1., 2.], [2., 4.]]))
        tensor(1, dtype=int64)
    """
    xt, d = _matrices("matrix_rank", x)
    s = svdvals(xt)
    if s.shape[-1] == 0:  # no singular values: rank 0
        return _st.count_nonzero(s, axis=-1)
    tol = _ew.multiply(_st.max(s, axis=-1, keepdims=True), _rtol_tensor("matrix_rank", xt,
                                                                          rtol, d))
    return _st.count_nonzero(_ew.greater(s, tol), axis=-1)


def pinv(x: Tensor, /, *, rtol: float | Tensor | None = None) -> Tensor:
    """The Moore-Penrose pseudo-inverse of each ``(M, N)`` matrix, ``(N, M)``, from the
    SVD: singular values at or below ``rtol * largest`` count as zero (``rtol`` as in
    :func:`matrix_rank`).

    Example:
        >>> ut.linalg.pinv(ut.tensor([[2., 0.], [0., 0.]]))
        tensor([[0.5, 0. ],
                [0. , 0. ]], dtype=float32)
    """
    xt, d = _matrices("pinv", x)
    T, bk = type(xt), type(xt)._bk
    shape = xt.shape
    if 0 in shape[-2:]:
        out = bk.full((*shape[:-2], shape[-1], shape[-2]), 0, d, bk.device(xt._n))
        return _wrap(T, out, d)
    u, s, vh = svd(xt, full_matrices=False)
    tol = _ew.multiply(_st.max(s, axis=-1, keepdims=True), _rtol_tensor("pinv", xt, rtol, d))
    keep = _ew.greater(s, tol)
    s_inv = _ew.where(keep, _ew.divide(1, _ew.where(keep, s, 1)), 0)
    v = _un.conj(matrix_transpose(vh)) if xt._d.kind == "c" else matrix_transpose(vh)
    uh = _un.conj(matrix_transpose(u)) if xt._d.kind == "c" else matrix_transpose(u)
    out = matmul(_ew.multiply(v, reshape(s_inv, (*s_inv.shape[:-1], 1, s_inv.shape[-1]))), uh)
    return _out(T, out._n, xt._d, d)


def matrix_power(x: Tensor, n: int, /) -> Tensor:
    """``x`` multiplied by itself ``n`` times (square matrices): ``n == 0`` gives the
    identity, a negative ``n`` the power of the inverse.  Integer matrices stay integer
    (wrapping on overflow) for ``n >= 0``; a negative ``n`` computes in the default float
    dtype.

    Example:
        >>> ut.linalg.matrix_power(ut.tensor([[1, 1], [0, 1]]), 3)
        tensor([[1, 3],
                [0, 1]], dtype=int64)
    """
    n = operator.index(n)
    x = to_tensor(x, backend_of("matrix_power", x))
    check_kind("matrix_power", x._d, "iufc")
    _check_matrix_shape("matrix_power", x.shape, True)
    T, bk = type(x), type(x)._bk
    if n == 0:
        m = x.shape[-1]
        eye = bk.eye(m, m, 0, x._d, bk.device(x._n))
        return _wrap(T, bk.broadcast_to(eye, x.shape), x._d)
    if n < 0:
        x, n = inv(x), -n
    result = None
    base = x
    while True:  # binary exponentiation: O(log n) products
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            break
        base = matmul(base, base)
    return result if result is not x else _wrap(T, bk.copy(x._n), x._d)


def diagonal(x: Tensor, /, *, offset: int = 0) -> Tensor:
    """The ``offset``-th diagonal of each matrix (last two axes) as the last axis:
    ``offset > 0`` above the main diagonal, ``< 0`` below; empty if outside the matrix.
    Any dtype.

    Example:
        >>> ut.linalg.diagonal(ut.tensor([[1, 2], [3, 4]]))
        tensor([1, 4], dtype=int64)
    """
    x = to_tensor(x, backend_of("diagonal", x))
    _check_matrix_shape("diagonal", x.shape, False)
    return _wrap(type(x), type(x)._bk.diagonal(x._n, operator.index(offset)), x._d)


def trace(x: Tensor, /, *, offset: int = 0, dtype: dt.DTypeLike | None = None) -> Tensor:
    """Sum of the ``offset``-th diagonal of each matrix; shape ``x.shape[:-2]``.  The
    dtype follows :func:`unitorch.sum` (integers narrower than int64 accumulate in
    int64) unless ``dtype`` is given.

    Example:
        >>> ut.linalg.trace(ut.tensor([[1, 2], [3, 4]]))
        tensor(5, dtype=int64)
    """
    x = to_tensor(x, backend_of("trace", x))
    check_kind("trace", x._d, "iufc")
    return _st.sum(diagonal(x, offset=offset), axis=-1, dtype=dtype)


def cross(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Cross products of 3-element vectors along ``axis`` (size 3 in both inputs); the
    other axes broadcast.  A negative ``axis`` counts from the end of both inputs, a
    non-negative one indexes the broadcast shape.  Promoted dtype; integers wrap.

    Example:
        >>> ut.linalg.cross(ut.tensor([1., 0., 0.]), ut.tensor([0., 1., 0.]))
        tensor([0., 0., 1.], dtype=float32)
    """
    t1, t2, _ = _pair("cross", x1, x2)
    s1, s2 = t1.shape, t2.shape
    if not s1 or not s2:
        raise ShapeError("cross() needs at least 1-D tensors")
    try:
        shape = broadcast_shapes(s1, s2)
    except ShapeError:
        raise ShapeError(f"cross(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} do not "
                         "broadcast") from None
    ax = normalize_axis(operator.index(axis), len(shape))
    neg = ax - len(shape)
    if neg < -min(len(s1), len(s2)) or s1[neg] != 3 or s2[neg] != 3:
        raise ShapeError(f"cross(): axis {axis} must have size 3 in both shapes "
                         f"{fmt_shape(s1)} and {fmt_shape(s2)}")
    # c_i = a_(i+1) b_(i+2) - a_(i+2) b_(i+1), indices mod 3: two rolls of each input
    a1, a2 = roll(t1, -1, axis=neg), roll(t1, -2, axis=neg)
    b1, b2 = roll(t2, -1, axis=neg), roll(t2, -2, axis=neg)
    return _ew.subtract(_ew.multiply(a1, b2), _ew.multiply(a2, b1))


# ---------------------------------------------------------------------------------------
# norms

_INF = math.inf


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(
        v, (bool, np.bool_))


def _norm_input(op: str, x: Any) -> tuple[Tensor, dt.DType]:
    """``|x|`` in the real dtype the norm is computed in, and the result dtype."""
    x = to_tensor(x, backend_of(op, x))
    check_kind(op, x._d, "iufc")
    result = dt.get_default_dtype() if x._d.kind in "iu" else _real(x._d)
    compute = dt.float32 if result in _HALF else result
    if x._d.kind in "iu":  # before abs, which wraps: abs(int8(-128)) == -128
        x = x.astype(compute)
    a = _un.abs(x)
    if a._d is not compute:
        a = a.astype(compute)
    return a, result


def _empty_check(op: str, ord: Any, shape: tuple[int | None, ...], axes: Sequence[int]
                 ) -> None:
    for a in axes:
        if shape[a] == 0:
            raise ValueError(f"{op}() with ord={ord!r} of an empty axis: axis {a} of shape "
                             f"{fmt_shape(shape)} has no elements")


def vector_norm(x: Tensor, /, *, axis: int | Sequence[int] | None = None,
                keepdims: bool = False, ord: float = 2) -> Tensor:
    """The vector ``ord``-norm over ``axis`` (all elements when ``None``; a tuple treats
    those axes as one vector): ``(sum |x|^ord)^(1/ord)``; ``inf``: ``max |x|``; ``-inf``:
    ``min |x|``; ``0``: the number of non-zero elements.  The result has the real
    floating dtype (integers: the default float).  ``inf``/``-inf`` over zero elements
    raise ``ValueError``.  As in PyTorch, TensorFlow and NumPy, ``|x|^ord`` is summed
    unscaled, so it can overflow (or underflow) where the norm itself would not.

    Example:
        >>> ut.linalg.vector_norm(ut.tensor([3., 4.]))
        tensor(5., dtype=float32)
        >>> ut.linalg.vector_norm(ut.tensor([3., -4.]), ord=ut.inf)
        tensor(4., dtype=float32)
    """
    if not _is_number(ord) or math.isnan(ord):
        raise ValueError(f"vector_norm() ord must be a real number (inf and -inf "
                         f"included), got {ord!r}")
    a, result = _norm_input("vector_norm", x)
    if axis is not None and not isinstance(axis, (int, tuple, list)):
        axis = operator.index(axis)
    axes = normalize_axes(axis, a.ndim)
    keepdims = bool(keepdims)
    ord = float(ord)
    if ord == _INF or ord == -_INF:
        _empty_check("vector_norm", ord, a.shape, axes)
        out = (_st.max if ord > 0 else _st.min)(a, axes, keepdims=keepdims)
    elif ord == 0:
        out = _st.sum(_ew.not_equal(a, 0), axes, keepdims=keepdims, dtype=a._d)
    elif ord == 1:
        out = _st.sum(a, axes, keepdims=keepdims)
    elif ord == 2:
        out = _un.sqrt(_st.sum(_ew.multiply(a, a), axes, keepdims=keepdims))
    else:
        out = _ew.pow(_st.sum(_ew.pow(a, ord), axes, keepdims=keepdims), 1.0 / ord)
    return out if out._d is result else out.astype(result)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, _INF, -_INF)


def matrix_norm(x: Tensor, /, *, keepdims: bool = False, ord: str | float = "fro"
                ) -> Tensor:
    """The matrix norm of each matrix (last two axes): ``"fro"`` (Frobenius),
    ``"nuc"`` (sum of singular values), ``1``/``-1`` (max/min column sum of ``|x|``),
    ``inf``/``-inf`` (max/min row sum), ``2``/``-2`` (largest/smallest singular value).
    The result has the real floating dtype and shape ``x.shape[:-2]`` (with two axes of
    size 1 kept when ``keepdims``).

    Example:
        >>> ut.linalg.matrix_norm(ut.tensor([[3., 0.], [0., 4.]]))
        tensor(5., dtype=float32)
        >>> ut.linalg.matrix_norm(ut.tensor([[1., -2.], [3., 4.]]), ord=1)
        tensor(6., dtype=float32)
    """
    if isinstance(ord, str):
        valid = ord in ("fro", "nuc")
    else:
        valid = _is_number(ord) and ord in _MATRIX_ORDS
    if not valid:
        raise ValueError(f"matrix_norm() ord must be one of 'fro', 'nuc', 1, -1, 2, -2, "
                         f"inf, -inf; got {ord!r}")
    t = to_tensor(x, backend_of("matrix_norm", x))
    check_kind("matrix_norm", t._d, "iufc")
    _check_matrix_shape("matrix_norm", t.shape, False)
    shape = t.shape
    nd = len(shape)
    if ord == "fro":
        return vector_norm(t, axis=(nd - 2, nd - 1), keepdims=keepdims)
    result = dt.get_default_dtype() if t._d.kind in "iu" else _real(t._d)
    if ord in ("nuc", 2, -2):
        if ord != "nuc":
            _empty_check("matrix_norm", ord, (min(shape[-2:]),), (0,))
        s = svdvals(t)
        if ord == "nuc":
            out = _st.sum(s, axis=-1)
        else:
            out = (_st.max if ord > 0 else _st.min)(s, axis=-1)
    else:
        a, result = _norm_input("matrix_norm", t)
        # 1: sum over rows (axis -2), then the extreme over columns; inf: the other way
        along, across = (nd - 2, nd - 1) if abs(ord) == 1 else (nd - 1, nd - 2)
        _empty_check("matrix_norm", ord, shape, (across,))
        sums = _st.sum(a, axis=along)
        out = (_st.max if ord > 0 else _st.min)(sums, axis=-1)
    if keepdims:
        out = reshape(out, (*out.shape, 1, 1))
    return out if out._d is result else out.astype(result)
