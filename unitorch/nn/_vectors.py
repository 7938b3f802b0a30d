"""Functions of vectors and classes, as in ``torch.nn.functional``: ``one_hot``,
``normalize``, ``pairwise_distance``, ``cosine_similarity`` and ``gumbel_softmax``,
composed once above the backends with PyTorch's formulas, eps placements and
gradients (a norm's gradient at the zero vector is 0, as PyTorch's)."""

from __future__ import annotations

import math
import numbers
import operator
from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import ShapeError, fmt_shape, normalize_axis
from ..ops import elementwise as _ew
from ..ops import unary as _un
from ..ops.activations import softmax
from ..ops.indexing import one_hot as _one_hot
from ..ops.manipulation import broadcast_arrays
from ..ops.statistical import argmax
from ..ops.statistical import max as _max
from ..ops.statistical import min as _min
from ..ops.statistical import sum as _sum
from ..tensor import Tensor, _wrap

__all__ = ["one_hot", "normalize", "pairwise_distance", "cosine_similarity", "gumbel_softmax"]


def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """One-hot encoding of integer class indices, PyTorch's: a new last axis of size
    ``num_classes`` (``-1``: ``max + 1``), int64.  Indices outside ``[0, num_classes)``
    raise :class:`~unitorch.IndexOutOfRangeError`; inferring the class count of an empty
    tensor raises ``ValueError``, as in PyTorch.  (Any integer dtype is accepted;
    PyTorch takes only int64.)  See :func:`unitorch.one_hot` for the other dtypes and
    axes.

    Example:
        >>> F.one_hot(ut.tensor([0, 2, 1]))
        tensor([[1, 0, 0],
                [0, 0, 1],
                [0, 1, 0]], dtype=int64)
    """
    t = to_tensor(tensor, backend_of("one_hot", tensor))
    if operator.index(num_classes) == -1 and t.size == 0:
        raise ValueError("one_hot(): can not infer the total number of classes from an empty "
                         "tensor; pass num_classes")
    return _one_hot(t, num_classes)


def _float(op: str, *xs: Any) -> tuple[Tensor, ...]:
    """The tensors promoted to one floating dtype (integers to the default float)."""
    backend = backend_of(op, *xs)
    ts = [to_tensor(x, backend) for x in xs]
    d = ts[0]._d
    for t in ts[1:]:
        d = dt.promote_types(d, t._d)
    check_kind(op, d, "biuf")
    if d.kind != "f":
        d = dt.get_default_dtype()
    return tuple(t if t._d is d else _wrap(type(t), backend.cast(t._n, d), d) for t in ts)


def _norm(x: Tensor, p: float, axis: int, keepdims: bool) -> Tensor:
    """The ``p``-norm along ``axis`` (PyTorch's ``vector_norm``) whose gradient at the zero
    vector is 0, as PyTorch's (``sqrt``'s would be NaN there)."""
    if p == math.inf:
        return _max(_un.abs(x), axis=axis, keepdims=keepdims)
    if p == -math.inf:
        return _min(_un.abs(x), axis=axis, keepdims=keepdims)
    if p == 0:
        return _sum(_ew.not_equal(x, 0).astype(x.dtype), axis=axis, keepdims=keepdims)
    if p == 1:
        return _sum(_un.abs(x), axis=axis, keepdims=keepdims)
    s = _sum(_un.square(x) if p == 2 else _un.abs(x) ** p, axis=axis, keepdims=keepdims)
    positive = s > 0
    safe = _ew.where(positive, s, 1.0)
    root = _un.sqrt(safe) if p == 2 else safe ** (1.0 / p)
    return _ew.where(positive, root, 0.0)


def _order(op: str, p: Any) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"{op}(): p must be a number, got {p!r}")
    p = float(p)
    if p < 0 and p != -math.inf:
        raise ValueError(f"{op}(): p must be non-negative (or -inf), got {p}")
    return p


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12,
              out: Any = None) -> Tensor:
    """``x / max(||x||_p, eps)`` along ``dim``: unit vectors (PyTorch's formula; the zero
    vector stays zero).  ``p`` is any order of :func:`pairwise_distance`'s norm.
    Integer input is computed in the default float dtype.  ``out=`` is not supported
    (:class:`NotImplementedError`).

    Example:
        >>> F.normalize(ut.tensor([[3., 4.], [0., 0.]]))
        tensor([[0.6, 0.8],
                [0. , 0. ]], dtype=float32)
    """
    if out is not None:
        raise NotImplementedError("normalize(): out= is not supported; use the result")
    (x,) = _float("normalize", input)
    order = _order("normalize", p)
    axis = normalize_axis(dim, x.ndim) if x.ndim else 0
    norm = _norm(x, order, axis, True) if x.ndim else _un.abs(x)
    return x / _ew.where(norm >= eps, norm, float(eps))


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-6,
                      keepdim: bool = False) -> Tensor:
    """The ``p``-norm of ``x1 - x2 + eps`` along the last axis (PyTorch's formula:
    ``eps`` is added to the difference, which keeps the norm's gradient finite).  The
    inputs broadcast; the result drops the last axis (kept with ``keepdim``).

    Example:
        >>> F.pairwise_distance(ut.tensor([[0., 0.]]), ut.tensor([[3., 4.]]), eps=0.0)
        tensor([5.], dtype=float32)
    """
    a, b = _float("pairwise_distance", x1, x2)
    order = _order("pairwise_distance", p)
    diff = a - b + float(eps)
    if diff.ndim == 0:
        return _un.abs(diff)
    return _norm(diff, order, -1 % diff.ndim, keepdim)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """The cosine of the angle between ``x1`` and ``x2`` along ``dim``, PyTorch's way:
    ``sum((x1 / n1) * (x2 / n2))`` with ``n = max(||x||, eps)``, each vector divided by
    its own norm first (so the result stays within [-1, 1]).  As in PyTorch, the
    clamping to ``eps`` does not enter the gradient (PyTorch clamps without recording).
    The inputs broadcast.

    Example:
        >>> F.cosine_similarity(ut.tensor([[1., 0.], [1., 1.]]), ut.tensor([[0., 1.], [2., 2.]]))
        tensor([0.       , 0.99999994], dtype=float32)
    """
    a, b = broadcast_arrays(*_float("cosine_similarity", x1, x2))
    if a.ndim == 0:
        raise ShapeError("cosine_similarity() needs at least 1-D inputs, got 0-D ones")
    axis = normalize_axis(dim, a.ndim)
    n1, n2 = (_clamped(_norm(v, 2.0, axis, True), eps) for v in (a, b))
    return _sum((a / n1) * (b / n2), axis=axis)


def _clamped(norm: Tensor, eps: float) -> Tensor:
    """``max(norm, eps)`` whose gradient is the norm's (PyTorch clamps in place under
    ``no_grad``)."""
    low = norm < eps
    return _ew.where(low, norm + (float(eps) - norm).detach(), norm)


def gumbel_softmax(logits: Tensor, tau: float = 1.0, hard: bool = False, eps: float = 1e-10,
                   dim: int = -1) -> Tensor:
    """A sample of the Gumbel-softmax (Concrete) distribution (Jang et al., 2016;
    Maddison et al., 2016): ``softmax((logits + g) / tau)`` along ``dim`` with ``g``
    independent Gumbel(0, 1) noise, ``g = -log(e)``, ``e`` exponential (``e = -log(1 -
    u)``, ``u`` uniform in [0, 1), kept above the smallest normal number so ``g`` stays
    finite).  With ``hard``, the one-hot vector of the sample's largest element, with the
    soft sample's gradient (``y_hard - y_soft.detach() + y_soft``, PyTorch's straight-
    through estimator).  ``eps`` is unused, as in PyTorch.

    The noise comes from the backend's native generator, or from unitorch's portable
    stream under ``ut.random.portable(True)`` (the same sample on every backend for one
    seed); either way not PyTorch's numbers.

    Example:
        >>> ut.manual_seed(0)
        >>> y = F.gumbel_softmax(ut.zeros((2, 3)), hard=True)
        >>> ut.sum(y, axis=-1)
        tensor([1., 1.], dtype=float32)
    """
    from ._dropout import _uniform

    x = to_tensor(logits, backend_of("gumbel_softmax", logits))
    check_kind("gumbel_softmax", x._d, "f")
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real) or not tau > 0:
        raise ValueError(f"gumbel_softmax(): tau must be a positive number, got {tau!r}")
    if x.ndim == 0:
        raise ShapeError(f"gumbel_softmax() needs at least a 1-D input, got shape "
                         f"{fmt_shape(x.shape)}")
    axis = normalize_axis(dim, x.ndim)
    bk = type(x)._bk
    u = _wrap(type(x), bk.cast(_uniform(bk, tuple(x.shape), bk.device(x._n)), x._d), x._d)
    tiny = float(dt.finfo(x._d).smallest_normal)
    e = -_un.log1p(-u)
    gumbels = -_un.log(_ew.where(e > tiny, e, tiny))
    y_soft = softmax((x + gumbels) / float(tau), axis=axis)
    if not hard:
        return y_soft
    y_hard = _one_hot(argmax(y_soft, axis=axis), x.shape[axis], dtype=x._d, axis=axis)
    return y_hard - y_soft.detach() + y_soft
