"""Products: matmul, tensordot, vecdot, dot, outer, inner, einsum.

Rules, the same on every backend:

* operands promote to one dtype with unitorch's table; bool is refused (PyTorch accepts
  bool ``matmul`` on some devices, TensorFlow does not); integer products stay in that
  integer dtype and wrap around on overflow (``int8`` included: TensorFlow has no int8
  kernels, so its backend computes in int32 and wraps back);
* shapes are checked here, so a mismatch gives the same :class:`ShapeError` on every
  backend;
* float32 products run at full float32 precision unless
  :func:`unitorch.set_matmul_precision` allows TF32;
* ``einsum`` follows NumPy: implicit mode (no ``->``) outputs the labels that appear
  once, in alphabetical (ASCII) order, after ``...``; a label of size 1 broadcasts
  against the same label elsewhere (TensorFlow refuses that, so it is broadcast here);
  the output needs ``...`` when the inputs' ``...`` covers any axis (PyTorch would sum
  those axes away).
"""

from __future__ import annotations

import operator
import string
from collections.abc import Sequence
from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import ShapeError, broadcast_shapes, fmt_shape, normalize_axis
from ..tensor import TENSOR_TYPES, Tensor, _wrap

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


def _check_matmul(op: str, s1: tuple[int | None, ...], s2: tuple[int | None, ...]) -> None:
    if not s1 or not s2:
        raise ShapeError(f"{op}() does not accept 0-d tensors; use multiply")
    k1 = s1[-1]
    k2 = s2[0] if len(s2) == 1 else s2[-2]
    if k1 is not None and k2 is not None and k1 != k2:
        raise ShapeError(
            f"{op}(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} do not align "
            f"({k1} != {k2})"
        )
    if len(s1) > 2 or len(s2) > 2:
        try:
            broadcast_shapes(s1[:-2], s2[:-2])
        except ShapeError:
            raise ShapeError(
                f"{op}(): batch dimensions of {fmt_shape(s1)} and {fmt_shape(s2)} do not "
                "broadcast"
            ) from None


def matmul(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Matrix product with NumPy's rules: a 1-D first operand is a row vector and a 1-D
    second operand a column vector, and that axis is removed from the result; leading
    (batch) axes broadcast.  The result has the promoted dtype (integers wrap).

    Example:
        >>> ut.matmul(ut.ones((2, 3)), ut.ones((3, 4))).shape
        (2, 4)
        >>> ut.matmul(ut.ones((5, 2, 3)), ut.ones(3)).shape
        (5, 2)
    """
    t = type(x1)
    if t in TENSOR_TYPES and type(x2) is t and x1._d is x2._d and x1._d.kind in _NUMERIC:
        # fast path: the framework's matmul accepts exactly NumPy's shapes; anything it
        # refuses is re-checked below for unitorch's error
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
    _check_matmul("matmul", t1.shape, t2.shape)
    return _wrap(type(t1), type(t1)._bk.matmul(t1._n, t2._n), d)


def _axis_list(op: str, axes: Any) -> tuple[int, ...]:
    if isinstance(axes, Sequence) and not isinstance(axes, str):
        return tuple(operator.index(a) for a in axes)
    return (operator.index(axes),)


def tensordot(x1: Tensor, x2: Tensor, /, *, axes: int | Sequence[Sequence[int]] = 2
              ) -> Tensor:
    """Sum of products over ``axes``: an int ``n`` contracts the last ``n`` axes of
    ``x1`` with the first ``n`` of ``x2``; a pair of sequences names the axes of each
    (negative axes count from the end).  The result has the free axes of ``x1`` then
    those of ``x2``.  Contracted axes must have equal sizes (no broadcasting).

    Example:
        >>> ut.tensordot(ut.ones((2, 3)), ut.ones((3, 4)), axes=1).shape
        (2, 4)
        >>> ut.tensordot(ut.ones((2, 3, 4)), ut.ones((4, 3)), axes=([1, 2], [1, 0])).shape
        (2,)
    """
    t1, t2, d = _pair("tensordot", x1, x2)
    s1, s2 = t1.shape, t2.shape
    if isinstance(axes, int) and not isinstance(axes, bool):
        if axes < 0 or axes > len(s1) or axes > len(s2):
            raise ShapeError(f"tensordot(): cannot contract {axes} axes of shapes "
                             f"{fmt_shape(s1)} and {fmt_shape(s2)}")
        a1 = tuple(range(len(s1) - axes, len(s1)))
        a2 = tuple(range(axes))
    else:
        if not isinstance(axes, Sequence) or len(axes) != 2:
            raise ValueError("tensordot() axes must be an int or a pair of axis sequences")
        first, second = _axis_list("tensordot", axes[0]), _axis_list("tensordot", axes[1])
        if len(first) != len(second):
            raise ShapeError(f"tensordot(): the two axis lists differ in length "
                             f"({len(first)} and {len(second)})")
        a1 = tuple(normalize_axis(a, len(s1)) for a in first)
        a2 = tuple(normalize_axis(a, len(s2)) for a in second)
        if len(set(a1)) != len(a1) or len(set(a2)) != len(a2):
            raise ShapeError(f"tensordot(): repeated axis in {tuple(first)} or "
                             f"{tuple(second)}")
    for i, j in zip(a1, a2):
        if s1[i] != s2[j] and None not in (s1[i], s2[j]):
            raise ShapeError(
                f"tensordot(): axis {i} of {fmt_shape(s1)} and axis {j} of {fmt_shape(s2)} "
                "differ in size"
            )
    return _wrap(type(t1), type(t1)._bk.tensordot(t1._n, t2._n, a1, a2), d)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Dot products of vectors along ``axis``: ``sum(conj(x1) * x2, axis)`` (the first
    argument is conjugated for complex tensors); the other axes broadcast, the
    contracted one must match in size and may not broadcast.  A negative ``axis`` counts
    from the end of both inputs, a non-negative one indexes the broadcast shape.  The
    result has the promoted dtype (integers wrap).

    Example:
        >>> ut.vecdot(ut.tensor([1., 2.]), ut.tensor([3., 4.]))
        tensor(11., dtype=float32)
    """
    from .elementwise import multiply
    from .statistical import sum as _sum
    from .unary import conj

    t1, t2, d = _pair("vecdot", x1, x2)
    s1, s2 = t1.shape, t2.shape
    if not s1 or not s2:
        raise ShapeError("vecdot() needs at least 1-D tensors")
    try:
        shape = broadcast_shapes(s1, s2)
    except ShapeError:
        raise ShapeError(f"vecdot(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} do not "
                         "broadcast") from None
    ndim = len(shape)
    ax = normalize_axis(axis, ndim)  # non-negative: of the broadcast shape
    neg = ax - ndim
    if neg < -min(len(s1), len(s2)):
        raise ShapeError(f"vecdot(): axis {axis} must exist in both shapes {fmt_shape(s1)} "
                         f"and {fmt_shape(s2)} (the contracted axis does not broadcast)")
    if s1[neg] != s2[neg] and None not in (s1[neg], s2[neg]):
        raise ShapeError(f"vecdot(): shapes {fmt_shape(s1)} and {fmt_shape(s2)} differ "
                         f"along axis {axis}")
    return _sum(multiply(conj(t1) if d.kind == "c" else t1, t2), axis=ax, dtype=d)


def dot(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Inner product of two 1-D tensors of equal length (PyTorch's ``dot``; no
    conjugation: use :func:`vecdot` for that).

    Example:
        >>> ut.dot(ut.tensor([1., 2., 3.]), ut.tensor([7., 8., 9.]))
        tensor(50., dtype=float32)
    """
    t1, t2, _ = _pair("dot", x1, x2)
    if t1.ndim != 1 or t2.ndim != 1:
        raise ShapeError(f"dot() needs two 1-D tensors, got shapes {fmt_shape(t1.shape)} and "
                         f"{fmt_shape(t2.shape)}")
    _check_matmul("dot", t1.shape, t2.shape)
    return matmul(t1, t2)


def inner(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Sum of products over the last axes of both tensors (NumPy's and PyTorch's
    ``inner``; no conjugation); the result has the other axes of ``x1`` then of ``x2``.
    A 0-d operand multiplies.

    Example:
        >>> ut.inner(ut.ones((2, 3)), ut.ones((4, 3))).shape
        (2, 4)
    """
    t1, t2, _ = _pair("inner", x1, x2)
    if t1.ndim == 0 or t2.ndim == 0:
        from .elementwise import multiply

        return multiply(t1, t2)
    s1, s2 = t1.shape, t2.shape
    if s1[-1] != s2[-1] and None not in (s1[-1], s2[-1]):
        raise ShapeError(f"inner(): the last axes of {fmt_shape(s1)} and {fmt_shape(s2)} "
                         "differ in size")
    return tensordot(t1, t2, axes=((-1,), (-1,)))


def outer(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Outer product of two 1-D tensors: ``out[i, j] = x1[i] * x2[j]``, in the promoted
    dtype.

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


# ---------------------------------------------------------------------------------------
# einsum


_LETTERS = set(string.ascii_letters)


def _einsum_terms(subscripts: str, n: int) -> tuple[list[str], str | None]:
    spec = subscripts.replace(" ", "")
    if spec.count("->") > 1:
        raise ValueError(f"einsum(): more than one '->' in {subscripts!r}")
    lhs, arrow, rhs = spec.partition("->")
    inputs = lhs.split(",")
    if len(inputs) != n:
        raise ValueError(f"einsum(): {len(inputs)} operands in {subscripts!r}, {n} given")
    for term in [*inputs, rhs]:
        if term.count("...") > 1 or not set(term.replace("...", "")) <= _LETTERS:
            raise ValueError(f"einsum(): invalid subscripts {term!r} in {subscripts!r}: "
                             "use letters and at most one '...' per operand")
    return inputs, (rhs if arrow else None)


def _einsum_plan(subscripts: str, shapes: list[tuple[int | None, ...]]
                 ) -> tuple[str, list[tuple[int | None, ...]]]:
    """Validate; return explicit subscripts and each operand's broadcast target shape."""
    inputs, output = _einsum_terms(subscripts, len(shapes))
    sizes: dict[str, int | None] = {}
    ellipses: list[tuple[int | None, ...]] = []
    for term, shape in zip(inputs, shapes):
        letters = term.replace("...", "")
        ndim = len(shape)
        if ("..." in term and len(letters) > ndim) or (
                "..." not in term and len(letters) != ndim):
            raise ShapeError(f"einsum(): subscripts {term!r} do not match an operand of "
                             f"shape {fmt_shape(shape)}")
        head, _, tail = term.partition("...")
        n_ell = ndim - len(letters)
        labelled = list(zip(head, shape[:len(head)])) + list(
            zip(tail, shape[len(head) + n_ell:]))
        ellipses.append(shape[len(head):len(head) + n_ell] if "..." in term else ())
        seen: dict[str, int | None] = {}
        for letter, size in labelled:
            if letter in seen and None not in (seen[letter], size) and seen[letter] != size:
                raise ShapeError(f"einsum(): index {letter!r} repeated in {term!r} has "
                                 f"sizes {seen[letter]} and {size}")
            seen[letter] = size
            old = sizes.get(letter, 1)
            if size == 1 or (size is None and old not in (1, None)):
                continue
            if old not in (1, None) and size != old:
                raise ShapeError(f"einsum(): index {letter!r} has sizes {old} and {size}")
            sizes[letter] = size
    try:
        ell_shape = broadcast_shapes(*ellipses)
    except ShapeError:
        raise ShapeError(f"einsum(): the '...' axes of shapes "
                         f"{', '.join(fmt_shape(s) for s in shapes)} do not broadcast"
                         ) from None
    all_letters = "".join(t.replace("...", "") for t in inputs)
    has_ellipsis = any("..." in t for t in inputs)
    if output is None:
        once = sorted(c for c in set(all_letters) if all_letters.count(c) == 1)
        output = ("..." if has_ellipsis else "") + "".join(once)
    else:
        out_letters = output.replace("...", "")
        for c in out_letters:
            if out_letters.count(c) > 1:
                raise ValueError(f"einsum(): output index {c!r} appears more than once")
            if c not in all_letters:
                raise ValueError(f"einsum(): output index {c!r} is not in any input")
        if "..." not in output and ell_shape:
            raise ShapeError("einsum(): the inputs' '...' covers axes, so the output "
                             "subscripts need '...' too")
        if "..." in output and not has_ellipsis:
            output = output.replace("...", "")
    targets = []
    for term, shape in zip(inputs, shapes):
        head, _, tail = term.partition("...")
        n_ell = len(shape) - len(term.replace("...", ""))
        target = [sizes.get(c, s) if s == 1 else s for c, s in zip(head, shape)]
        target += list(shape[len(head):len(head) + n_ell])
        target += [sizes.get(c, s) if s == 1 else s
                   for c, s in zip(tail, shape[len(head) + n_ell:])]
        targets.append(tuple(target))
    return ",".join(inputs) + "->" + output, targets


def einsum(subscripts: str, /, *operands: Tensor) -> Tensor:
    """Einstein summation in NumPy's notation: ``"ij,jk->ik"``, ``"ii"`` (trace),
    ``"...ij,...jk->...ik"`` (``...`` for broadcast batch axes).  Without ``->`` the
    output holds the labels that appear once, sorted, after ``...``.  Operands promote to
    one dtype (bool refused); integer results wrap around.

    Example:
        >>> ut.einsum("ij,jk->ik", ut.ones((2, 3)), ut.ones((3, 4))).shape
        (2, 4)
        >>> ut.einsum("ii", ut.eye(3))
        tensor(3., dtype=float32)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(subscripts, str):
        raise TypeError("einsum() takes the subscripts string first")
    if not operands:
        raise ValueError("einsum() needs at least one operand")
    backend = backend_of("einsum", *operands)
    ts = [to_tensor(o, backend) for o in operands]
    d = ts[0]._d
    for t in ts[1:]:
        d = dt.promote_types(d, t._d)
    check_kind("einsum", d, _NUMERIC)
    shapes = [t.shape for t in ts]
    explicit, targets = _einsum_plan(subscripts, shapes)
    natives = []
    for t, shape, target in zip(ts, shapes, targets):
        native = t._n if t._d is d else backend.cast(t._n, d)
        if target != shape and None not in target:
            native = backend.broadcast_to(native, target)
        natives.append(native)
    return _wrap(backend.Tensor, backend.einsum(explicit, *natives), d)
