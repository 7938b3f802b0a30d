"""Searching: searchsorted (the Array API's, with PyTorch's ``right=`` spelling).

(``argmax``/``argmin`` are in :mod:`unitorch.ops.statistical`, ``where`` in
:mod:`unitorch.ops.elementwise`, ``nonzero`` in :mod:`unitorch.ops.indexing`.)

The order searched is :func:`unitorch.sort`'s, NumPy's: NaN above +inf, -0.0 equal to
0.0.  A NaN value goes before the first NaN of ``x1`` (``side="left"``) or at the end
(``side="right"``), as in NumPy.  PyTorch and TensorFlow compare with ``<`` alone, which
puts NaN values, and infinite values next to NaNs, at inconsistent places
(``torch.searchsorted([0., nan], inf)`` is 2, ``tf.searchsorted`` gives 0 for a NaN).
"""

from __future__ import annotations

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, is_scalar, native_scalar, scalar_for, to_tensor
from ..errors import ShapeError, fmt_shape
from ..tensor import Tensor, _wrap

__all__ = ["searchsorted"]


def searchsorted(x1: Tensor, x2: Tensor | int | float, /, *, side: str = "left",
                 sorter: Tensor | None = None, right: bool | None = None) -> Tensor:
    """int64 indices where the elements of ``x2`` would be inserted into the 1-D
    ascending ``x1`` to keep it sorted.

    With ``side="left"`` the index ``i`` of a value ``v`` satisfies
    ``x1[i-1] < v <= x1[i]``; with ``side="right"`` ``x1[i-1] <= v < x1[i]`` (PyTorch's
    ``right=True`` is accepted too).  ``sorter``, if given, holds the integer indices
    that sort ``x1`` (``x1`` itself need not be sorted then).  ``x1`` and ``x2`` are
    bool or real and promote to one dtype; ``x2`` may be a Python scalar.  The result
    has ``x2``'s shape.  NaN sorts last (see the module docstring).  Unlike
    ``torch.searchsorted``, ``x1`` must be 1-D.

    Example:
        >>> ut.searchsorted(ut.tensor([1., 2., 2., 3.]), ut.tensor([2., 5.]))
        tensor([1, 4], dtype=int64)
        >>> ut.searchsorted(ut.tensor([1., 2., 2., 3.]), 2., side="right")
        tensor(3, dtype=int64)
    """
    if right is not None:
        wanted = "right" if right else "left"
        if side != "left" and side != wanted:
            raise ValueError(f"searchsorted(): side={side!r} contradicts right={right}")
        side = wanted
    if side not in ("left", "right"):
        raise ValueError(f"searchsorted(): side must be 'left' or 'right', got {side!r}")
    backend = backend_of("searchsorted", x1, x2, sorter)
    t1 = to_tensor(x1, backend)
    if t1.ndim != 1:
        raise ShapeError(f"searchsorted(): x1 must be 1-D, got shape {fmt_shape(t1.shape)}")
    if is_scalar(x2):
        d = dt.weak_scalar_dtype(t1._d, x2)
        check_kind("searchsorted", d, "biuf")
        n2 = native_scalar(backend, scalar_for("searchsorted", x2, d), d, t1._n)
    else:
        t2 = to_tensor(x2, backend)
        d = dt.promote_types(t1._d, t2._d)
        check_kind("searchsorted", d, "biuf")
        n2 = t2._n if t2._d is d else backend.cast(t2._n, d)
    if sorter is not None:
        from .indexing import take

        s = to_tensor(sorter, backend)
        check_kind("searchsorted", s._d, "iu")
        if s.shape != t1.shape:
            raise ShapeError(f"searchsorted(): sorter of shape {fmt_shape(s.shape)} must have "
                             f"the shape of x1, {fmt_shape(t1.shape)}")
        t1 = take(t1, s, axis=0)
    n1 = t1._n if t1._d is d else backend.cast(t1._n, d)
    return _wrap(backend.Tensor, backend.searchsorted(n1, n2, side == "right"), dt.int64)
