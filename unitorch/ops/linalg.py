"""Products: matmul, tensordot, vecdot, dot, outer, inner, einsum.

Operands promote to one dtype (bool is not accepted); shapes are checked here so a
mismatch gives the same :class:`ShapeError` on every backend.  float32 products run at
full float32 precision unless :func:`unitorch.set_matmul_precision` allows TF32.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import dtypes as dt
from ..errors import ShapeError, broadcast_shapes, fmt_shape, normalize_axis
from ..tensor import TENSOR_TYPES, Tensor, _wrap
from ._dispatch import backend_of, check_kind, to_tensor

__all__ = ["matmul", "tensordot", "vecdot", "dot", "outer", "inner", "einsum"]

_NUMERIC = "iufc"


def _pair(op: str, x1: Any, x2: Any) -> tuple[Tensor, Tensor, dt.DType]:
    backend = backend_of(op, x1, x2)
    t1, t2 = to_tensor(x1, backend), to_tensor(x2, backend)
    d = dt.promote_types(t1._d, t2._d)
    check_kind(op, d, _NUMERIC)
    if t1._d is not d:
        t1 = _wrap(type(t1), backend.cast(t1._n, d), d)
    if t2._d is not d:
        t2 = _wrap(type(t2), backend.cast(t2._n, d), d)
    return t1, t2, d


def matmul(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Matrix product with NumPy's rules: 1-D operands are treated as a row (first) or
    column (second) vector and that axis removed; leading axes broadcast.

    Example:
        >>> ut.matmul(ut.ones((2, 3)), ut.ones((3, 4))).shape
        (2, 4)
    """
    t = type(x1)
    if t in TENSOR_TYPES and type(x2) is t and x1._d is x2._d and x1._d.kind in _NUMERIC:
        try:
            native = t._bk.matmul(x1._n, x2._n)
        except Exception:
            pass
        else:
            r = object.__new__(t)
            r._n = native
            r._d = x1._d
            return r
    t1, t2, d = _pair("matmul", x1, x2)
    s1, s2 = t1.shape, t2.shape
    if not s1 or not s2:
        raise ShapeError("matmul() does not accept 0-d tensors; use multiply")
    k1 = s1[-1]
    k2 = s2[0] if len(s2) == 1 else s2[-2]
    if k1 is not None and k2 is not None and k1 != k2:
        raise ShapeError(
            f"matmul(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} do not align "
            f"({k1} != {k2})"
        )
    if len(s1) > 2 or len(s2) > 2:
        try:
            broadcast_shapes(s1[:-2], s2[:-2])
        except ShapeError:
            raise ShapeError(
                f"matmul(): batch dimensions of {fmt_shape(s1)} and {fmt_shape(s2)} do not "
                "broadcast"
            ) from None
    return _wrap(type(t1), type(t1)._bk.matmul(t1._n, t2._n), d)


def tensordot(x1: Tensor, x2: Tensor, /, *, axes: int | Sequence[Sequence[int]] = 2
              ) -> Tensor:
    """Sum products over ``axes``: an int ``n`` contracts the last ``n`` axes of ``x1``
    with the first ``n`` of ``x2``; a pair of sequences names the axes of each.

    Example:
        >>> ut.tensordot(ut.ones((2, 3)), ut.ones((3, 4)), axes=1).shape
        (2, 4)
    """
    t1, t2, d = _pair("tensordot", x1, x2)
    s1, s2 = t1.shape, t2.shape
    if isinstance(axes, int):
        if axes < 0 or axes > len(s1) or axes > len(s2):
            raise ShapeError(f"tensordot(): cannot contract {axes} axes of shapes "
                             f"{fmt_shape(s1)} and {fmt_shape(s2)}")
        a1 = tuple(range(len(s1) - axes, len(s1)))
        a2 = tuple(range(axes))
    else:
        if len(axes) != 2:
            raise ValueError("tensordot() axes must be an int or a pair of axis sequences")
        first, second = axes
        first = (first,) if isinstance(first, int) else tuple(first)
        second = (second,) if isinstance(second, int) else tuple(second)
        if len(first) != len(second):
            raise ShapeError("tensordot(): the two axis lists differ in length")
        a1 = tuple(normalize_axis(a, len(s1)) for a in first)
        a2 = tuple(normalize_axis(a, len(s2)) for a in second)
    for i, j in zip(a1, a2):
        if s1[i] != s2[j] and None not in (s1[i], s2[j]):
            raise ShapeError(
                f"tensordot(): axis {i} of {fmt_shape(s1)} and axis {j} of {fmt_shape(s2)} "
                "differ in size"
            )
    return _wrap(type(t1), type(t1)._bk.tensordot(t1._n, t2._n, a1, a2), d)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Dot products of vectors along ``axis`` (the first argument conjugated for complex
    tensors); the other axes broadcast.

    Example:
        >>> ut.vecdot(ut.tensor([1., 2.]), ut.tensor([3., 4.]))
        tensor(11., dtype=float32)
    """
    from .elementwise import conj, multiply
    from .statistical import sum as _sum

    t1, t2, d = _pair("vecdot", x1, x2)
    s1, s2 = t1.shape, t2.shape
    if not s1 or not s2:
        raise ShapeError("vecdot() needs at least 1-D tensors")
    try:
        shape = broadcast_shapes(s1, s2)
    except ShapeError:
        raise ShapeError(f"vecdot(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} do not "
                         "broadcast") from None
    ax = normalize_axis(axis, len(shape))
    if axis >= 0 and (axis >= len(s1) or axis >= len(s2)):
        raise ShapeError("vecdot(): a non-negative axis must exist in both inputs")
    neg = ax - len(shape)
    if s1[neg] != s2[neg] and None not in (s1[neg], s2[neg]):
        raise ShapeError(f"vecdot(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} differ "
                         f"along axis {axis}")
    return _sum(multiply(conj(t1) if d.kind == "c" else t1, t2), axis=ax)


def dot(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Inner product of two 1-D tensors (PyTorch's ``dot``; no conjugation).

    Example:
        >>> ut.dot(ut.tensor([1., 2., 3.]), ut.tensor([7., 8., 9.]))
        tensor(50., dtype=float32)
    """
    t1, t2, _ = _pair("dot", x1, x2)
    if t1.ndim != 1 or t2.ndim != 1:
        raise ShapeError(f"dot() needs two 1-D tensors, got shapes {fmt_shape(t1.shape)} and "
                         f"{fmt_shape(t2.shape)}")
    return matmul(t1, t2)


def inner(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Sum of products over the last axes of both tensors.

    Example:
        >>> ut.inner(ut.ones((2, 3)), ut.ones(3)).shape
        (2,)
    """
    t1, t2, _ = _pair("inner", x1, x2)
    if t1.ndim == 0 or t2.ndim == 0:
        from .elementwise import multiply

        return multiply(t1, t2)
    return tensordot(t1, t2, axes=((-1,), (-1,)))


def outer(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Outer product of two 1-D tensors: ``out[i, j] = x1[i] * x2[j]``.

    Example:
        >>> ut.outer(ut.tensor([1, 2]), ut.tensor([1, 10])).tolist()
        [[1, 10], [2, 20]]
    """
    from .elementwise import multiply
    from .manipulation import reshape

    t1, t2, _ = _pair("outer", x1, x2)
    if t1.ndim != 1 or t2.ndim != 1:
        raise ShapeError(f"outer() needs two 1-D tensors, got shapes {fmt_shape(t1.shape)} "
                         f"and {fmt_shape(t2.shape)}")
    return multiply(reshape(t1, (-1, 1)), reshape(t2, (1, -1)))


def einsum(subscripts: str, /, *operands: Tensor) -> Tensor:
    """Einstein summation in NumPy's notation (``"ij,jk->ik"``, ``...`` for broadcast
    axes).  Operands promote to one dtype.

    Example:
        >>> ut.einsum("ij,jk->ik", ut.ones((2, 3)), ut.ones((3, 4))).shape
        (2, 4)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(subscripts, str):
        raise TypeError("einsum() takes the subscripts string first")
    backend = backend_of("einsum", *operands)
    ts = [to_tensor(o, backend) for o in operands]
    if not ts:
        raise ValueError("einsum() needs at least one operand")
    d = ts[0]._d
    for t in ts[1:]:
        d = dt.promote_types(d, t._d)
    check_kind("einsum", d, _NUMERIC)
    inputs = subscripts.replace(" ", "").split("->")[0].split(",")
    if len(inputs) != len(ts):
        raise ValueError(f"einsum(): {len(inputs)} operands in {subscripts!r}, {len(ts)} given")
    sizes: dict[str, int] = {}
    for spec, t in zip(inputs, ts):
        letters = spec.replace("...", "")
        ndim = t.ndim
        if ("..." in spec and len(letters) > ndim) or ("..." not in spec and len(letters) != ndim):
            raise ShapeError(
                f"einsum(): subscripts {spec!r} do not match an operand of shape "
                f"{fmt_shape(t.shape)}"
            )
        explicit = t.shape[:len(spec.split("...")[0])] + (
            t.shape[ndim - len(spec.split("...")[1]):] if "..." in spec else ()
        )
        for letter, size in zip(letters, explicit):
            if size in (None, 1):
                continue
            if sizes.setdefault(letter, size) != size:
                raise ShapeError(
                    f"einsum(): index {letter!r} has sizes {sizes[letter]} and {size}"
                )
    natives = [t._n if t._d is d else backend.cast(t._n, d) for t in ts]
    return _wrap(backend.Tensor, backend.einsum(subscripts, *natives), d)
