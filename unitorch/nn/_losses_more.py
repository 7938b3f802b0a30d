"""The loss functions of issue 11, as functions and as Modules, with PyTorch's names,
signatures, defaults and formulas: ``binary_cross_entropy`` (``BCELoss``),
``smooth_l1_loss`` (``SmoothL1Loss``), ``kl_div`` (``KLDivLoss``),
``cosine_embedding_loss`` (``CosineEmbeddingLoss``), ``margin_ranking_loss``
(``MarginRankingLoss``) and ``triplet_margin_loss`` (``TripletMarginLoss``).

The conventions of :mod:`unitorch.nn.losses` apply (reductions, PyTorch's deprecated
``size_average``/``reduce``, dtype promotion, float16/bfloat16 computed in float32, one
error message on every backend).  ``ctc_loss`` is in ``unitorch/nn/_ctc.py``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from .._dispatch import backend_of
from ..errors import ShapeError, broadcast_shapes, fmt_shape
from ..ops import elementwise as _ew
from ..ops import statistical as _st
from ..ops import unary as _un
from ..tensor import Tensor
from ._vectors import pairwise_distance
from .losses import (
    _buffer,
    _check_broadcasts_to,
    _check_same_shape,
    _compute,
    _finish,
    _Loss,
    _operand,
    _reduce,
    _reduction,
)

__all__ = [
    "binary_cross_entropy", "smooth_l1_loss", "kl_div", "cosine_embedding_loss",
    "margin_ranking_loss", "triplet_margin_loss", "BCELoss", "SmoothL1Loss", "KLDivLoss",
    "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss",
]

_LOG_FLOOR = -100.0  # PyTorch clamps BCE's logarithms here (log(0) would be -inf)


def _number(op: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}(): {name} must be a number, got {value!r}")
    return float(value)


def _clamped_log(x: Tensor) -> Tensor:
    """``max(log(x), -100)``, with a finite gradient where the clamp applies (0 there)
    and at ``x = 0``."""
    floor = math.exp(_LOG_FLOOR)
    above = x > floor
    return _ew.where(above, _un.log(_ew.where(above, x, 1.0)), _LOG_FLOOR)


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         size_average: bool | None = None, reduce: bool | None = None,
                         reduction: str = "mean") -> Tensor:
    r"""Binary cross entropy of probabilities ``input`` (in [0, 1]) against ``target``
    (the input's shape), as ``torch.nn.functional.binary_cross_entropy``:

    ``l_n = -w_n [y_n max(log x_n, -100) + (1 - y_n) max(log(1 - x_n), -100)]``

    (PyTorch's clamp of the logarithms keeps the loss finite at 0 and 1).  ``weight``
    broadcasts to the input's shape.  An input outside [0, 1] raises ``ValueError`` (it
    is read on the host, as PyTorch's CPU kernel checks; not while compiling).  The
    gradient is the derivative of this formula (PyTorch's backward instead divides by
    ``max(x (1 - x), 1e-12)``: they differ only within about 1e-12 of 0 and 1).  For
    logits, :func:`binary_cross_entropy_with_logits` is exact and stable.

    Example:
        >>> F.binary_cross_entropy(ut.tensor([0.5, 0.9]), ut.tensor([1., 1.]))
        tensor(0.399253..., dtype=float32)
    """
    op = "binary_cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    backend = backend_of(op, input, target, weight)
    x = _operand(op, backend, "input (probabilities)", input, "f")
    t = _operand(op, backend, "target", target, "biuf")
    w = _operand(op, backend, "weight", weight, "f")
    if not _same_shape(t.shape, x.shape):
        raise ValueError(f"{op}(): Using a target size ({fmt_shape(t.shape)}) that is "
                         f"different to the input size ({fmt_shape(x.shape)}) is deprecated. "
                         "Please ensure they have the same size.")
    _check_broadcasts_to(op, "weight", w, x)
    if not backend.is_compiling() and x.size:
        values = backend.to_numpy(x._n)
        if not (values.min() >= 0 and values.max() <= 1):
            raise ValueError(f"{op}(): all elements of input should be between 0 and 1")
    d, (x, t, w) = _compute(x, t, w)
    loss = -(t * _clamped_log(x) + (1.0 - t) * _clamped_log(1.0 - x))
    if w is not None:
        loss = loss * w
    return _finish(_reduce(loss, reduction), d)


def _same_shape(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> bool:
    return len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))


def smooth_l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
                   reduce: bool | None = None, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    r"""Smooth L1 loss, as ``torch.nn.functional.smooth_l1_loss``: with ``d = input -
    target``, ``l_n = 0.5 d^2 / beta`` if ``|d| < beta`` else ``|d| - 0.5 beta``;
    ``beta = 0`` is the L1 loss.  (:func:`huber_loss` is this times ``beta``.)  ``beta``
    must be non-negative; ``target`` must have the input's shape (:class:`ShapeError`;
    PyTorch broadcasts with a warning).

    Example:
        >>> F.smooth_l1_loss(ut.tensor([0., 0.]), ut.tensor([0.5, 3.]))
        tensor(1.3125, dtype=float32)
    """
    op = "smooth_l1_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    b = _number(op, "beta", beta)
    if b < 0:
        raise ValueError(f"{op}(): smooth_l1_loss does not support negative values for beta, "
                         f"got {b}")
    backend = backend_of(op, input, target)
    x = _operand(op, backend, "input", input, "f")
    t = _operand(op, backend, "target", target, "biuf")
    _check_same_shape(op, "target", t, x)
    d, (x, t) = _compute(x, t)
    diff = x - t
    e = _un.abs(diff)
    if b == 0:
        return _finish(_reduce(e, reduction), d)
    loss = _ew.where(e < b, 0.5 * diff * diff / b, e - 0.5 * b)
    return _finish(_reduce(loss, reduction), d)


def kl_div(input: Tensor, target: Tensor, size_average: bool | None = None,
           reduce: bool | None = None, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    r"""The Kullback-Leibler divergence loss, as ``torch.nn.functional.kl_div``:
    ``input`` holds log-probabilities, ``target`` probabilities (or log-probabilities
    with ``log_target``), and element-wise

    ``l = target (log target - input)``, 0 where ``target == 0`` (``xlogy``), or
    ``exp(target) (target - input)`` with ``log_target``.

    ``reduction="batchmean"`` divides the sum by the batch size ``input.shape[0]`` (the
    KL divergence's definition); ``"mean"`` divides by the number of elements and warns,
    as PyTorch does.  Input and target broadcast; the dtype is their promoted one.

    Example:
        >>> p = ut.tensor([[0.5, 0.5]])
        >>> F.kl_div(ut.log(ut.tensor([[0.25, 0.75]])), p, reduction="batchmean")
        tensor(0.143841..., dtype=float32)
    """
    op = "kl_div"
    if reduction == "batchmean" and size_average is None and reduce is None:
        batchmean = True
        reduction = "sum"
    else:
        batchmean = False
        reduction = _reduction(op, reduction, size_average, reduce)
        if reduction == "mean":
            warnings.warn("reduction: 'mean' divides the total loss by both the batch size and "
                          "the support size.'batchmean' divides only by the batch size, and "
                          "aligns with the KL div math definition.'mean' will be changed to "
                          "behave the same as 'batchmean' in the next major release.",
                          UserWarning, stacklevel=2)
    backend = backend_of(op, input, target)
    x = _operand(op, backend, "input (log-probabilities)", input, "f")
    t = _operand(op, backend, "target", target, "f")
    try:
        broadcast_shapes(x.shape, t.shape)
    except ShapeError:
        raise ShapeError(f"{op}(): target of shape {fmt_shape(t.shape)} does not broadcast "
                         f"with input of shape {fmt_shape(x.shape)}") from None
    d, (x, t) = _compute(x, t)
    if log_target:
        loss = _un.exp(t) * (t - x)
    else:
        # xlogy(t, t): 0 at t == 0, NaN for negative (or NaN) t, as PyTorch's; the
        # logarithm only sees positive values, so no gradient is NaN or inf
        positive = t > 0
        xlogy = _ew.where(positive, t * _un.log(_ew.where(positive, t, 1.0)),
                          _ew.where(t == 0, 0.0, math.nan))
        loss = xlogy - t * x
    out = _reduce(loss, reduction)
    if batchmean and loss.ndim:
        out = out / float(loss.shape[0])
    return _finish(out, d)


def _pair_inputs(op: str, input1: Any, input2: Any, target: Any) -> tuple[Any, Tensor,
                                                                           Tensor, Tensor]:
    backend = backend_of(op, input1, input2, target)
    x1 = _operand(op, backend, "input1", input1, "f")
    x2 = _operand(op, backend, "input2", input2, "f")
    y = _operand(op, backend, "target", target, "biuf")
    return backend, x1, x2, y


def cosine_embedding_loss(input1: Tensor, input2: Tensor, target: Tensor,
                          margin: float = 0, size_average: bool | None = None,
                          reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    r"""Cosine embedding loss, as ``torch.nn.functional.cosine_embedding_loss``: with
    ``cos`` the cosine similarity of ``input1`` and ``input2`` (N, D) (or (D,)) along the
    last axis, computed as PyTorch does, ``sum(x1 x2) / sqrt((|x1|^2 + 1e-12) (|x2|^2 +
    1e-12))``, the loss per pair is ``1 - cos`` where ``target == 1``, ``max(0, cos -
    margin)`` where ``target == -1`` (and 0 for any other target value).  ``target`` has
    shape (N,) (or ()).

    Example:
        >>> x = ut.tensor([[1., 0.], [1., 0.]])
        >>> F.cosine_embedding_loss(x, ut.tensor([[0., 1.], [1., 1.]]), ut.tensor([1, -1]))
        tensor(0.8535534, dtype=float32)
    """
    op = "cosine_embedding_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    m = _number(op, "margin", margin)
    _, x1, x2, y = _pair_inputs(op, input1, input2, target)
    if x1.ndim not in (1, 2) or x1.shape != x2.shape:
        raise ShapeError(f"{op}(): input1 and input2 must have one shape, (N, D) or (D,), got "
                         f"{fmt_shape(x1.shape)} and {fmt_shape(x2.shape)}")
    if y.shape != x1.shape[:-1]:
        raise ShapeError(f"{op}(): target of shape {fmt_shape(y.shape)} does not fit inputs of "
                         f"shape {fmt_shape(x1.shape)}: it needs shape "
                         f"{fmt_shape(x1.shape[:-1])}")
    d, (x1, x2) = _compute(x1, x2)
    axis = x1.ndim - 1
    prod = _st.sum(x1 * x2, axis=axis)
    mag1 = _st.sum(x1 * x1, axis=axis) + 1e-12
    mag2 = _st.sum(x2 * x2, axis=axis) + 1e-12
    cos = prod / _un.sqrt(mag1 * mag2)
    hinge = cos - m
    loss = (_ew.where(y == 1, 1.0 - cos, 0.0)
            + _ew.where(y == -1, _ew.where(hinge >= 0, hinge, 0.0), 0.0))
    return _finish(_reduce(loss, reduction), d)


def margin_ranking_loss(input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0,
                        size_average: bool | None = None, reduce: bool | None = None,
                        reduction: str = "mean") -> Tensor:
    r"""Margin ranking loss, as ``torch.nn.functional.margin_ranking_loss``:
    ``l = max(0, -target (input1 - input2) + margin)``, ``target`` 1 (``input1``
    should rank higher) or -1.  The three tensors must have the same number of
    dimensions (``ShapeError``, as PyTorch) and broadcast.

    Example:
        >>> F.margin_ranking_loss(ut.tensor([1., 2.]), ut.tensor([2., 1.]), ut.tensor([1, 1]))
        tensor(0.5, dtype=float32)
    """
    op = "margin_ranking_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    m = _number(op, "margin", margin)
    _, x1, x2, y = _pair_inputs(op, input1, input2, target)
    if not x1.ndim == x2.ndim == y.ndim:
        raise ShapeError(f"{op}(): All input tensors should have same dimension but got sizes: "
                         f"input1: {fmt_shape(x1.shape)}, input2: {fmt_shape(x2.shape)}, "
                         f"target: {fmt_shape(y.shape)}")
    d, (x1, x2, y) = _compute(x1, x2, y)
    v = -y * (x1 - x2) + m
    return _finish(_reduce(_ew.where(v >= 0, v, 0.0), reduction), d)


def triplet_margin_loss(anchor: Tensor, positive: Tensor, negative: Tensor,
                        margin: float = 1.0, p: float = 2, eps: float = 1e-6,
                        swap: bool = False, size_average: bool | None = None,
                        reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    r"""Triplet margin loss (Schroff et al., 2015), as
    ``torch.nn.functional.triplet_margin_loss``: ``l = max(d(a, p) - d(a, n) + margin,
    0)`` with ``d`` the :func:`pairwise_distance` (the ``p``-norm of ``x1 - x2 + eps``
    along the last axis); with ``swap``, ``d(a, n)`` is replaced by ``min(d(a, n), d(p,
    n))`` (Balntas et al., 2016).  The three inputs are (N, D) or (D,), of one rank.

    Example:
        >>> a, p, n = ut.tensor([[0., 0.]]), ut.tensor([[0., 1.]]), ut.tensor([[0., 3.]])
        >>> F.triplet_margin_loss(a, p, n, margin=2.5, eps=0.0)
        tensor(0.5, dtype=float32)
    """
    op = "triplet_margin_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    m = _number(op, "margin", margin)
    if not m > 0:
        raise ValueError(f"{op}(): margin must be greater than 0, got {m}")
    backend = backend_of(op, anchor, positive, negative)
    a, pos, neg = (_operand(op, backend, name, v, "f") for name, v in
                   (("anchor", anchor), ("positive", positive), ("negative", negative)))
    if not a.ndim == pos.ndim == neg.ndim:
        raise ShapeError(f"{op}(): The anchor, positive, and negative tensors are expected to "
                         f"have the same number of dimensions, but got: anchor {a.ndim}D, "
                         f"positive {pos.ndim}D, and negative {neg.ndim}D inputs")
    if a.ndim not in (1, 2):
        raise ShapeError(f"{op}(): expected 1-D (D) or 2-D (N, D) inputs, got shape "
                         f"{fmt_shape(a.shape)}")
    d, (a, pos, neg) = _compute(a, pos, neg)
    d_pos = pairwise_distance(a, pos, p, eps)
    d_neg = pairwise_distance(a, neg, p, eps)
    if swap:
        d_neg = _ew.minimum(d_neg, pairwise_distance(pos, neg, p, eps))
    v = d_pos - d_neg + m
    return _finish(_reduce(_ew.where(v >= 0, v, 0.0), reduction), d)


# ---------------------------------------------------------------------------------------
# modules


class BCELoss(_Loss):
    """:func:`binary_cross_entropy` as a Module (``torch.nn.BCELoss``); ``weight`` is a
    buffer.

    Example:
        >>> ut.nn.BCELoss()(ut.tensor([0.5, 0.9]), ut.tensor([1., 1.]))
        tensor(0.399253..., dtype=float32)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy(input, target, self.weight, reduction=self.reduction)


class SmoothL1Loss(_Loss):
    """:func:`smooth_l1_loss` as a Module (``torch.nn.SmoothL1Loss``).

    Example:
        >>> ut.nn.SmoothL1Loss(beta=0.5)(ut.tensor([0., 0.]), ut.tensor([0.25, 3.]))
        tensor(1.40625, dtype=float32)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return smooth_l1_loss(input, target, reduction=self.reduction, beta=self.beta)


class KLDivLoss(_Loss):
    """:func:`kl_div` as a Module (``torch.nn.KLDivLoss``); ``reduction`` may also be
    ``"batchmean"``.

    Example:
        >>> loss = ut.nn.KLDivLoss(reduction="batchmean", log_target=True)
        >>> loss(ut.log(ut.tensor([[0.25, 0.75]])), ut.log(ut.tensor([[0.5, 0.5]])))
        tensor(0.143841..., dtype=float32)
    """

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean", log_target: bool = False) -> None:
        if reduction == "batchmean" and size_average is None and reduce is None:
            super().__init__(reduction="sum")  # (checked there; "batchmean" is kl_div's)
            self.reduction = "batchmean"
        else:
            super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return kl_div(input, target, reduction=self.reduction, log_target=self.log_target)


class CosineEmbeddingLoss(_Loss):
    """:func:`cosine_embedding_loss` as a Module (``torch.nn.CosineEmbeddingLoss``).

    Example:
        >>> x = ut.tensor([[1., 0.]])
        >>> ut.nn.CosineEmbeddingLoss(margin=0.5)(x, x, ut.tensor([-1]))
        tensor(0.5, dtype=float32)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return cosine_embedding_loss(input1, input2, target, self.margin,
                                     reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """:func:`margin_ranking_loss` as a Module (``torch.nn.MarginRankingLoss``).

    Example:
        >>> ut.nn.MarginRankingLoss(margin=1.0)(ut.tensor([2.]), ut.tensor([1.5]), ut.tensor([1.]))
        tensor(0.5, dtype=float32)
    """

    def __init__(self, margin: float = 0.0, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1: Tensor, input2: Tensor, target: Tensor) -> Tensor:
        return margin_ranking_loss(input1, input2, target, self.margin,
                                   reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """:func:`triplet_margin_loss` as a Module (``torch.nn.TripletMarginLoss``).

    Example:
        >>> a, p, n = ut.tensor([[0., 0.]]), ut.tensor([[0., 1.]]), ut.tensor([[0., 3.]])
        >>> ut.nn.TripletMarginLoss(margin=2.5, eps=0.0)(a, p, n)
        tensor(0.5, dtype=float32)
    """

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6,
                 swap: bool = False, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if not margin > 0:
            raise ValueError(f"TripletMarginLoss: margin must be greater than 0, got {margin}")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor: Tensor, positive: Tensor, negative: Tensor) -> Tensor:
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.p, self.eps,
                                   self.swap, reduction=self.reduction)
