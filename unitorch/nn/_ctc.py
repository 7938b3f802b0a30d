"""``ctc_loss`` and ``CTCLoss``: the connectionist temporal classification loss (Graves
et al., 2006), as ``torch.nn.functional.ctc_loss`` defines it.

The forward (alpha) recursion is written once, in log space, with unitorch's
element-wise functions: one step per time frame for the whole batch, over the
extended label sequence (a blank between and around the labels).  The gradient is the
framework's autodiff of that recursion, so it is the exact derivative of the loss with
respect to ``log_probs``.

**PyTorch** differs there: its backward returns ``exp(log_probs) - posterior``, the
gradient with respect to the *logits* whose ``log_softmax`` the ``log_probs`` are (it
assumes they are).  Through a ``log_softmax`` (the documented use) both give the same
gradient of the logits; the gradients with respect to ``log_probs`` themselves differ by
``exp(log_probs)`` times the loss's upstream gradient.

Lengths and targets are read on the host (as PyTorch's CPU kernel reads them), so the
function does not run inside a compiled function.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import IndexOutOfRangeError, ShapeError, fmt_shape
from ..ops import elementwise as _ew
from ..ops import statistical as _st
from ..ops import unary as _un
from ..tensor import Tensor, _wrap
from .losses import _Loss, _reduction

__all__ = ["ctc_loss", "CTCLoss"]


def _host_ints(op: str, name: str, value: Any, backend: Any) -> np.ndarray:
    """A tensor, sequence or int of lengths (or targets) as int64 NumPy values."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "iu":
            raise ShapeError(f"{op}(): {name} must hold integers, got {value.dtype.name}")
        return np.asarray(backend.to_numpy(value._n)).astype(np.int64)
    arr = np.asarray(value)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}(): {name} must be integers, got {value!r}")
    return arr.astype(np.int64)


def _logsumexp(*terms: Tensor) -> Tensor:
    """``log(sum(exp(terms)))`` element-wise, stable, -inf where every term is -inf, and
    with a finite gradient there (0), which a plain ``logaddexp`` would make NaN (and
    the unreachable states of the recursion would spread it)."""
    top = terms[0]
    for t in terms[1:]:
        top = _ew.maximum(top, t)
    top = top.detach()
    shift = _ew.where(_un.isfinite(top), top, 0.0)
    total = _un.exp(terms[0] - shift)
    for t in terms[1:]:
        total = total + _un.exp(t - shift)
    positive = total > 0
    return _ew.where(positive, _un.log(_ew.where(positive, total, 1.0)) + shift, -math.inf)


def _shifted(x: Tensor, by: int, fill: float) -> Tensor:
    """``x`` moved ``by`` places to the right along the last axis, ``fill`` coming in."""
    from ..ops.manipulation import pad

    n = x.shape[-1]
    return pad(x[..., :n - by], [(0, 0)] * (x.ndim - 1) + [(by, 0)], value=fill)


def ctc_loss(log_probs: Tensor, targets: Tensor, input_lengths: Any, target_lengths: Any,
             blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> Tensor:
    r"""The CTC loss: the negative log-likelihood of each target sequence under all the
    alignments of the per-frame class distributions ``log_probs`` that collapse to it
    (repeats merged, then blanks removed), as ``torch.nn.functional.ctc_loss``.

    ``log_probs`` (T, N, C) (or (T, C) unbatched) holds log-probabilities (usually a
    ``log_softmax`` over C); ``targets`` is (N, S) padded or the concatenation of the N
    targets (1-D); ``input_lengths`` and ``target_lengths`` (N,) (tensors, sequences or,
    unbatched, ints) give each sample's frames and labels.  Target labels lie in ``[0,
    C)`` and are not ``blank`` (:class:`IndexOutOfRangeError`/``ValueError``).
    ``reduction="mean"`` divides each loss by its target length (at least 1) and averages
    over the batch (PyTorch's rule); ``"sum"`` adds; ``"none"`` gives (N,).  An
    impossible alignment (too few frames) gives ``inf`` with a zero gradient (PyTorch's
    backward gives NaN there, for every sample of the batch), or 0 under
    ``zero_infinity``.  See the module docstring for the gradient's other difference
    from PyTorch.

    Example:
        >>> lp = F.log_softmax(ut.zeros((4, 1, 3)), dim=2)  # uniform over 3 classes
        >>> F.ctc_loss(lp, ut.tensor([[1, 2]]), [4], [2], reduction="sum")
        tensor(1.686399, dtype=float32)
    """
    op = "ctc_loss"
    reduction = _reduction(op, reduction)
    backend = backend_of(op, log_probs, targets)
    x = to_tensor(log_probs, backend)
    check_kind(op, x._d, "f")
    unbatched = x.ndim == 2
    if x.ndim not in (2, 3):
        raise ShapeError(f"{op}(): log_probs must be (T, N, C) or (T, C), got shape "
                         f"{fmt_shape(x.shape)}")
    if unbatched:
        x = _wrap(type(x), backend.reshape(x._n, (x.shape[0], 1, x.shape[1])), x._d)
    t_max, n, c = x.shape
    if any(v is None for v in (t_max, n, c)):
        raise ShapeError(f"{op}(): log_probs needs known sizes, got shape {fmt_shape(x.shape)}")
    tgt = _host_ints(op, "targets", targets, backend)
    in_len = _host_ints(op, "input_lengths", input_lengths, backend).reshape(-1)
    tg_len = _host_ints(op, "target_lengths", target_lengths, backend).reshape(-1)
    if unbatched and tgt.ndim == 1:
        tgt = tgt.reshape(1, -1)
    if in_len.shape != (n,) or tg_len.shape != (n,):
        raise ShapeError(f"{op}(): input_lengths and target_lengths need one entry per batch "
                         f"element ({n}), got {in_len.size} and {tg_len.size}")
    if in_len.size and (in_len.min() < 0 or in_len.max() > t_max):
        raise ValueError(f"{op}(): Expected input_lengths to have value at most {t_max} (and "
                         f"non-negative), but got {in_len.tolist()}")
    if tg_len.size and tg_len.min() < 0:
        raise ValueError(f"{op}(): target_lengths must be non-negative, got {tg_len.tolist()}")
    # the targets, one padded row per sample
    s_max = int(tg_len.max(initial=0))
    labels = np.full((n, max(s_max, 1)), blank, np.int64)
    if tgt.ndim == 2:
        if tgt.shape[0] != n:
            raise ShapeError(f"{op}(): padded targets need {n} rows, got shape {tgt.shape}")
        if s_max > tgt.shape[1]:
            raise ValueError(f"{op}(): a target length {s_max} exceeds the padded targets' "
                             f"length {tgt.shape[1]}")
        for i in range(n):
            labels[i, :tg_len[i]] = tgt[i, :tg_len[i]]
    elif tgt.ndim == 1:
        if tgt.size != tg_len.sum():
            raise ShapeError(f"{op}(): concatenated targets of length {tgt.size} do not match "
                             f"target_lengths summing to {int(tg_len.sum())}")
        starts = np.concatenate([[0], np.cumsum(tg_len)[:-1]]).astype(np.int64)
        for i in range(n):
            labels[i, :tg_len[i]] = tgt[starts[i]:starts[i] + tg_len[i]]
    else:
        raise ShapeError(f"{op}(): targets must be (N, S) or 1-D, got shape {tgt.shape}")
    used = np.arange(labels.shape[1])[None, :] < tg_len[:, None]
    real = labels[used]
    if real.size and (real.min() < 0 or real.max() >= c):
        bad = real[(real < 0) | (real >= c)][0]
        raise IndexOutOfRangeError(f"{op}(): target label {bad} is out of range for {c} "
                                   f"classes")
    if np.any(real == blank):
        raise ValueError(f"{op}(): a target label equals the blank index {blank}")
    if not 0 <= blank < c:
        raise IndexOutOfRangeError(f"{op}(): blank {blank} is out of range for {c} classes")

    # the extended label sequence: blank, y1, blank, y2, ..., blank (length 2 S + 1)
    width = 2 * labels.shape[1] + 1
    ext = np.full((n, width), blank, np.int64)
    ext[:, 1::2] = labels
    skip = np.zeros((n, width), bool)  # s may come from s - 2: a label unlike the one before
    skip[:, 3::2] = labels[:, 1:] != labels[:, :-1]
    d = x._d
    cd = dt.float32 if d in (dt.float16, dt.bfloat16) else d
    lp = x if cd is d else _wrap(type(x), backend.cast(x._n, cd), cd)
    dev = backend.device(lp._n)
    ext_idx = backend.from_numpy(ext, dev)
    skip_t = _wrap(type(lp), backend.from_numpy(skip, dev), dt.bool)
    start = _wrap(type(lp), backend.from_numpy(np.arange(width)[None, :] < 2, dev), dt.bool)

    def emissions(t: int) -> Tensor:
        frame = backend.reshape(lp[t]._n, (n, c))
        return _wrap(type(lp), backend.take_along_axis(frame, ext_idx, 1), cd)

    alpha = _ew.where(start, emissions(0), -math.inf)
    for t in range(1, t_max):
        step = _logsumexp(alpha, _shifted(alpha, 1, -math.inf),
                          _ew.where(skip_t, _shifted(alpha, 2, -math.inf), -math.inf))
        step = step + emissions(t)
        live = _wrap(type(lp), backend.from_numpy((t < in_len)[:, None], dev), dt.bool)
        alpha = _ew.where(live, step, alpha)
    # log-likelihood: end in the last label or the blank after it
    last = 2 * tg_len
    ends = np.stack([last, np.maximum(last - 1, 0)], axis=1)
    picked = _wrap(type(lp), backend.take_along_axis(alpha._n, backend.from_numpy(ends, dev),
                                                     1), cd)
    two = _wrap(type(lp), backend.from_numpy(np.stack([np.ones(n, bool), tg_len > 0], 1),
                                             dev), dt.bool)
    picked = _ew.where(two, picked, -math.inf)
    loglik = _logsumexp(picked[:, 0], picked[:, 1])
    # no frames: only the empty target is possible (probability 1)
    no_frames = in_len == 0
    if np.any(no_frames):
        empty = np.where(tg_len == 0, 0.0, -np.inf)
        loglik = _ew.where(_wrap(type(lp), backend.from_numpy(no_frames, dev), dt.bool),
                           _wrap(type(lp), backend.from_numpy(empty.astype(cd.numpy), dev),
                                 cd), loglik)
    loss = -loglik
    if zero_infinity:
        loss = _ew.where(_un.isinf(loss), 0.0, loss)
    if reduction == "mean":
        divisor = np.maximum(tg_len, 1).astype(cd.numpy)
        loss = _st.mean(loss / _wrap(type(lp), backend.from_numpy(divisor, dev), cd))
    elif reduction == "sum":
        loss = _st.sum(loss)
    elif unbatched:
        loss = loss[0]
    return loss if cd is d else _wrap(type(loss), backend.cast(loss._n, d), d)


class CTCLoss(_Loss):
    """:func:`ctc_loss` as a Module (``torch.nn.CTCLoss``), with ``blank``,
    ``reduction`` and ``zero_infinity``.

    Example:
        >>> loss = ut.nn.CTCLoss()
        >>> lp = F.log_softmax(ut.zeros((4, 1, 3)), dim=2)
        >>> loss(lp, ut.tensor([[1, 2]]), ut.tensor([4]), ut.tensor([2]))
        tensor(0.8431995, dtype=float32)
    """

    def __init__(self, blank: int = 0, reduction: str = "mean",
                 zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs: Tensor, targets: Tensor, input_lengths: Any,
                target_lengths: Any) -> Tensor:
        return ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank,
                        self.reduction, self.zero_infinity)
