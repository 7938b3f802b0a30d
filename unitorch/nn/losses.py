"""Loss functions, as functions (``cross_entropy``...) and as Modules (``CrossEntropyLoss``...),
with PyTorch's names, signatures, defaults and formulas, computed by either backend.
(``binary_cross_entropy``, ``smooth_l1_loss``, ``kl_div``, ``cosine_embedding_loss``,
``margin_ranking_loss`` and ``triplet_margin_loss`` are in ``unitorch/nn/_losses_more.py``,
``ctc_loss`` in ``unitorch/nn/_ctc.py``; all are found here.)

Each function takes ``reduction="mean" | "sum" | "none"``: the mean over the loss
elements (for class-index targets: weighted, see :func:`cross_entropy`), their sum, or
the per-element losses.  PyTorch's deprecated ``size_average`` and ``reduce`` arguments
are accepted in PyTorch's positions and override ``reduction`` as in PyTorch (with
PyTorch's warning).

The same on every backend:

* ``input`` (logits, log-probabilities or predictions) must be real floating
  (:class:`DTypeError` otherwise); class weights, ``pos_weight`` and element weights too.
  Floating operands promote to one dtype, the dtype of the result (PyTorch requires equal
  dtypes, except in ``mse_loss``/``l1_loss``, which promote; ``huber_loss`` keeps the
  input's dtype).  float16 and bfloat16 are computed in float32 and rounded once.
* Class-index targets are integers (any width; PyTorch takes only int64 and uint8); a
  floating target is read as class probabilities and must have the input's shape (a
  floating target of the index shape raises :class:`DTypeError`).  An index outside
  ``[0, C)`` other than ``ignore_index`` raises :class:`IndexOutOfRangeError`, negative
  ones too.  The check reads the targets on the host (one device synchronization per
  call; PyTorch's CUDA kernels assert on the device instead); inside a compiled
  function, where targets cannot be read, a check compiled into it raises the same
  error type when it runs (its message cannot show the target).
* ``mse_loss``, ``l1_loss``, ``huber_loss`` and ``binary_cross_entropy_with_logits``
  require the target to have the input's shape (:class:`ShapeError`).  **PyTorch**
  broadcasts a differently shaped target in the first three, with a warning that the
  result is "likely incorrect".  Their targets may be integer or bool (promoted; PyTorch
  refuses integer targets in ``binary_cross_entropy_with_logits``).
* ``weight`` and ``pos_weight`` of ``binary_cross_entropy_with_logits`` broadcast to the
  input's shape (a larger broadcast shape raises :class:`ShapeError`; PyTorch would
  broadcast the loss).
* ``reduction="mean"`` over zero elements, or over targets that are all ``ignore_index``,
  is NaN (0 / 0), as in PyTorch; the gradient of an ignored target's logits is 0 (also
  then, as in PyTorch).
* ``label_smoothing`` outside ``[0, 1]`` raises ``ValueError`` (PyTorch ignores a negative
  one).

Errors are raised here, with one message on every backend.

``cross_entropy`` of (N, C) float32/float64 logits with class indices and neither class
weights nor label smoothing (PyTorch's defaults, the common training case) runs as one
fused kernel, the backend's ``cross_entropy`` (``torch.nn.functional.cross_entropy``;
TensorFlow's ``SparseSoftmaxCrossEntropyWithLogits``); the other cases are composed of
``log_softmax`` and gathers.
"""

from __future__ import annotations

import numbers
import operator
import warnings
from typing import Any

from .. import dtypes as dt
from .._dispatch import backend_of, check_range_compiled, to_tensor
from ..errors import DTypeError, IndexOutOfRangeError, ShapeError, broadcast_shapes, fmt_shape
from ..ops import elementwise as _ew
from ..ops import manipulation as _mp
from ..ops import statistical as _st
from ..ops import unary as _un
from ..ops.activations import log_softmax
from ..ops.creation import astype
from ..tensor import TENSOR_TYPES, Tensor, _wrap
from .module import Module

__all__ = [
    "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "binary_cross_entropy_with_logits",
    "huber_loss",
    "CrossEntropyLoss", "NLLLoss", "MSELoss", "L1Loss", "BCEWithLogitsLoss", "HuberLoss",
    # issue 11 (in unitorch/nn/_losses_more.py and unitorch/nn/_ctc.py)
    "binary_cross_entropy", "smooth_l1_loss", "kl_div", "cosine_embedding_loss",
    "margin_ranking_loss", "triplet_margin_loss", "ctc_loss", "BCELoss", "SmoothL1Loss",
    "KLDivLoss", "CosineEmbeddingLoss", "MarginRankingLoss", "TripletMarginLoss", "CTCLoss",
]

_REDUCTIONS = ("mean", "sum", "none")
_HALF = (dt.float16, dt.bfloat16)
_FUSED = (dt.float32, dt.float64)  # the dtypes of the fused cross-entropy kernels
_KIND_TEXT = {"f": "a real floating tensor", "iu": "an integer tensor",
              "biuf": "a real (bool, integer or floating) tensor"}


# ---------------------------------------------------------------------------------------
# helpers


def _reduction(op: str, reduction: Any, size_average: Any = None, reduce: Any = None) -> str:
    """The reduction string, after PyTorch's legacy ``size_average``/``reduce``."""
    if size_average is not None or reduce is not None:
        sa = True if size_average is None else bool(size_average)
        rd = True if reduce is None else bool(reduce)
        reduction = "mean" if sa and rd else "sum" if rd else "none"
        warnings.warn("size_average and reduce args will be deprecated, please use "
                      f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    if not isinstance(reduction, str) or reduction not in _REDUCTIONS:
        raise ValueError(
            f"{op}(): reduction must be 'mean', 'sum' or 'none', got {reduction!r}"
        )
    return reduction


def _operand(op: str, backend: Any, name: str, x: Any, kinds: str) -> Tensor | None:
    """``x`` as a Tensor of ``backend`` whose dtype kind is in ``kinds`` (None stays)."""
    if x is None:
        return None
    t = to_tensor(x, backend)
    if t._d.kind not in kinds:
        raise DTypeError(f"{op}(): {name} must be {_KIND_TEXT[kinds]}, got {t._d.name}")
    return t


def _compute(*ts: Tensor | None) -> tuple[dt.DType, list[Tensor | None]]:
    """The promoted (result) dtype of the tensors, and the tensors cast to the dtype they
    are computed in (float32 for float16 and bfloat16)."""
    d = None
    for t in ts:
        if t is not None:
            d = t._d if d is None else dt.promote_types(d, t._d)
    c = dt.float32 if d in _HALF else d
    return d, [t if t is None or t._d is c else _wrap(type(t), type(t)._bk.cast(t._n, c), c)
               for t in ts]


def _finish(loss: Tensor, d: dt.DType) -> Tensor:
    """``loss`` rounded to the result dtype ``d`` (a no-op unless computed wider)."""
    return loss if loss._d is d else _wrap(type(loss), type(loss)._bk.cast(loss._n, d), d)


def _total(x: Tensor) -> Tensor:
    """The sum of all elements (a 0-d ``x`` itself: TensorFlow cannot differentiate the
    copy ``ut.sum`` makes of a 0-d tensor)."""
    return x if x.ndim == 0 else _st.sum(x)


def _reduce(loss: Tensor, reduction: str) -> Tensor:
    if reduction == "none" or loss.ndim == 0:
        return loss
    return _st.mean(loss) if reduction == "mean" else _st.sum(loss)


def _same(a: tuple[int | None, ...], b: tuple[int | None, ...]) -> bool:
    return len(a) == len(b) and all(p is None or q is None or p == q for p, q in zip(a, b))


def _check_same_shape(op: str, what: str, t: Tensor, x: Tensor) -> None:
    if not _same(t.shape, x.shape):
        raise ShapeError(f"{op}(): {what} of shape {fmt_shape(t.shape)} must have the input's "
                         f"shape {fmt_shape(x.shape)}")


def _check_broadcasts_to(op: str, what: str, t: Tensor | None, x: Tensor) -> None:
    if t is None:
        return
    try:
        ok = _same(broadcast_shapes(t.shape, x.shape), x.shape)
    except ShapeError:
        ok = False
    if not ok:
        raise ShapeError(f"{op}(): {what} of shape {fmt_shape(t.shape)} does not broadcast to "
                         f"the input's shape {fmt_shape(x.shape)}")


def _class_axis(op: str, x: Tensor) -> int:
    """The class axis of (C,), (N, C) or (N, C, d1, ...) input: 0 when unbatched, else 1."""
    nd = x.ndim
    if nd == 0:
        raise ShapeError(f"{op}(): input must have a class axis: shape (C,), (N, C) or "
                         f"(N, C, d1, ...), got shape {fmt_shape(x.shape)}")
    return 0 if nd == 1 else 1


def _class_weight(op: str, w: Tensor | None, n_classes: int | None) -> None:
    if w is not None and not _same(w.shape, (n_classes,)):
        raise ShapeError(f"{op}(): weight must have shape ({n_classes},), one per class, got "
                         f"shape {fmt_shape(w.shape)}")


def _index_shape(op: str, target: Tensor, x: Tensor, ax: int) -> None:
    want = x.shape[:ax] + x.shape[ax + 1:]
    if not _same(target.shape, want):
        raise ShapeError(
            f"{op}(): target of shape {fmt_shape(target.shape)} does not fit input of shape "
            f"{fmt_shape(x.shape)}: class indices need shape {fmt_shape(want)}"
        )


def _any_ignored(op: str, backend: Any, t: Any, n_classes: int | None, ignore_index: int
                 ) -> tuple[Any, bool | None]:
    """The class indices ``t`` (a native int64 tensor) to use, and whether any of them is
    ``ignore_index``, after checking that every other one is in ``[0, n_classes)``
    (:class:`IndexOutOfRangeError`); ``None`` when that cannot be known (the targets
    cannot be read while compiling, where a check compiled into the function does the
    range check when it runs, or the class count is unknown)."""
    if n_classes is None:
        return t, None
    if backend.is_compiling():
        return check_range_compiled(
            backend, t, 0, n_classes, f"{op}(): a target is out of range for {n_classes} "
            f"classes (ignore_index={ignore_index})", allowed=ignore_index), None
    arr = backend.to_numpy(t)
    if arr.size and arr.min() >= 0 and arr.max() < n_classes and not (
            0 <= ignore_index < n_classes):
        return t, False  # every target in range, none ignored (the common case: 2 scans)
    ignored = arr == ignore_index
    bad = ~ignored & ((arr < 0) | (arr >= n_classes))
    if bad.any():
        raise IndexOutOfRangeError(
            f"{op}(): target {arr[bad].flat[0]} is out of range for {n_classes} classes "
            f"(ignore_index={ignore_index})"
        )
    return t, bool(ignored.any())


def _positions(op: str, target: Tensor, n_classes: int | None, ignore_index: int
               ) -> tuple[Tensor, Tensor | None]:
    """Class indices as int64 positions (ignored ones replaced by 0) and the mask of
    targets that count (``None`` when every target counts), after the range check."""
    backend = type(target)._bk
    t = target if target._d is dt.int64 else _wrap(
        type(target), backend.cast(target._n, dt.int64), dt.int64)
    checked, ignored = _any_ignored(op, backend, t._n, n_classes, ignore_index)
    if checked is not t._n:
        t = _wrap(type(t), checked, dt.int64)
    if ignored is False:
        return t, None
    keep = _ew.not_equal(t, ignore_index)
    return _ew.where(keep, t, 0), keep


def _fused_cross_entropy(op: str, x: Tensor, target: Tensor, n_classes: int,
                         ignore_index: int, reduction: str) -> Tensor:
    """Cross-entropy of (N, C) float32/float64 logits and (N,) integer class indices
    through the backend's fused kernel (no class weights, no label smoothing)."""
    backend = type(x)._bk
    t = target._n if target._d is dt.int64 else backend.cast(target._n, dt.int64)
    t, ignored = _any_ignored(op, backend, t, n_classes, ignore_index)
    out = backend.cross_entropy(x._n, t, None if ignored is False else ignore_index,
                                reduction)
    return _wrap(type(x), out, x._d)


def _pick(values: Tensor, positions: Tensor, ax: int) -> Tensor:
    """``values`` at the in-range class ``positions`` along the class axis ``ax``
    (positions have ``values``' shape without that axis)."""
    backend = type(values)._bk
    idx = _mp.expand_dims(positions, axis=ax)
    picked = backend.take_along_axis(values._n, idx._n, ax)
    return _mp.squeeze(_wrap(type(values), picked, values._d), axis=ax)


def _indexed_loss(op: str, logp: Tensor, ax: int, target: Tensor, weight: Tensor | None,
                  ignore_index: int, reduction: str, smoothing: float) -> Tensor:
    """The negative log-likelihood of class-index targets, label-smoothed (PyTorch's
    ``nll_loss`` and the index branch of ``cross_entropy``), in ``logp``'s dtype."""
    n_classes = logp.shape[ax]
    pos, keep = _positions(op, target, n_classes, ignore_index)
    loss = -_pick(logp, pos, ax)
    w_y = None
    if weight is not None:
        w_y = _wrap(type(weight), type(weight)._bk.take(weight._n, pos._n, 0), weight._d)
        loss = loss * w_y
    if smoothing:
        w = logp if weight is None else logp * _class_weights_along(weight, logp.ndim, ax)
        loss = (1.0 - smoothing) * loss - (smoothing / n_classes) * _st.sum(w, axis=ax)
    if keep is not None:
        loss = _ew.where(keep, loss, 0.0)
    if reduction == "none":
        return loss
    if reduction == "sum" or (weight is None and keep is None):
        return _reduce(loss, reduction)
    # "mean": divided by the weight of the counted targets (their number without weights)
    if weight is None:
        counted = astype(keep, loss._d, copy=False)
    else:
        counted = w_y if keep is None else _ew.where(keep, w_y, 0.0)
    return _total(loss) / _total(counted)


def _class_weights_along(weight: Tensor, ndim: int, ax: int) -> Tensor:
    """(C,) weights shaped to broadcast along axis ``ax`` of an ``ndim``-d tensor."""
    trailing = ndim - ax - 1
    return weight if trailing == 0 else _mp.reshape(weight, (-1,) + (1,) * trailing)


def _label_smoothing(op: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{op}(): label_smoothing must be a float, got {value!r}")
    s = float(value)
    if not 0.0 <= s <= 1.0:
        raise ValueError(f"{op}(): label_smoothing must be in [0, 1], got {s}")
    return s


# ---------------------------------------------------------------------------------------
# functions


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  size_average: bool | None = None, ignore_index: int = -100,
                  reduce: bool | None = None, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    r"""Cross entropy between the logits ``input`` and ``target``, as
    ``torch.nn.functional.cross_entropy``.

    ``input`` has shape (C,), (N, C) or (N, C, d1, ...): C classes along axis 1 (axis 0 when
    unbatched).  With ``p = log_softmax(input)`` along that axis, ``w`` the class
    ``weight`` (ones if absent) and ``eps = label_smoothing``:

    * class indices (an integer ``target`` of shape (), (N) or (N, d1, ...)), per element
      ``l_n = (1 - eps) * (-w[y_n] p[n, y_n]) + eps / C * sum_c (-w[c] p[n, c])``, and 0
      where ``y_n == ignore_index``.  ``"mean"`` divides the sum by
      ``sum_n w[y_n]`` over the targets not ignored (NaN when all are ignored).
    * class probabilities (a floating ``target`` of the input's shape), with
      ``q = (1 - eps) * target + eps / C``, ``l_n = -sum_c w[c] q[n, c] p[n, c]``;
      ``"mean"`` divides the sum by the number of ``l_n`` (N * d1 * ...), not by the
      weights.  ``ignore_index`` must then be negative (it does not apply).

    ``reduction="none"`` returns the ``l_n`` (shape of the input without the class axis).
    The dtype is the input's (promoted with the floating ``weight`` and probabilities).
    Errors: see the module docstring.

    Example:
        >>> F.cross_entropy(ut.tensor([[2., 0.], [0., 0.]]), ut.tensor([0, 1]))
        tensor(0.4100376, dtype=float32)
    """
    op = "cross_entropy"
    T = type(input)
    if (weight is None and size_average is None and reduce is None
            and T in TENSOR_TYPES and type(target) is T and input._d in _FUSED
            and target._d.kind in "iu" and type(ignore_index) is int
            and type(label_smoothing) in (float, int) and label_smoothing == 0
            and reduction in _REDUCTIONS):
        # the common case (PyTorch's defaults, 2-D logits): one fused kernel
        bk = T._bk
        xs, ts = bk.shape(input._n), bk.shape(target._n)
        if len(xs) == 2 and len(ts) == 1 and xs[1] and (
                ts[0] == xs[0] or ts[0] is None or xs[0] is None):
            return _fused_cross_entropy(op, input, target, xs[1], ignore_index, reduction)
    reduction = _reduction(op, reduction, size_average, reduce)
    smoothing = _label_smoothing(op, label_smoothing)
    ignore_index = operator.index(ignore_index)
    backend = backend_of(op, input, target, weight)
    x = _operand(op, backend, "input (logits)", input, "f")
    t = to_tensor(target, backend)
    w = _operand(op, backend, "weight", weight, "f")
    ax = _class_axis(op, x)
    n_classes = x.shape[ax]
    _class_weight(op, w, n_classes)
    if t._d.kind == "f":
        if t.ndim != x.ndim:
            _index_shape(op, t, x, ax)
            raise DTypeError(
                f"{op}(): class-index targets must be integers, got {t._d.name} (class "
                f"probabilities need the input's shape {fmt_shape(x.shape)})"
            )
        _check_same_shape(op, "target (class probabilities)", t, x)
        if ignore_index >= 0:
            raise ValueError(f"{op}(): ignore_index is not supported with class-probability "
                             f"targets, got {ignore_index}")
        d, (x, t, w) = _compute(x, t, w)
        logp = log_softmax(x, axis=ax)
        if smoothing:
            t = t * (1.0 - smoothing) + smoothing / n_classes
        q = t if w is None else t * _class_weights_along(w, x.ndim, ax)
        return _finish(_reduce(-_st.sum(logp * q, axis=ax), reduction), d)
    if t._d.kind not in "iu":
        raise DTypeError(f"{op}(): target must hold integer class indices or floating class "
                         f"probabilities, got {t._d.name}")
    _index_shape(op, t, x, ax)
    d, (x, w) = _compute(x, w)
    loss = _indexed_loss(op, log_softmax(x, axis=ax), ax, t, w, ignore_index, reduction,
                         smoothing)
    return _finish(loss, d)


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             size_average: bool | None = None, ignore_index: int = -100,
             reduce: bool | None = None, reduction: str = "mean") -> Tensor:
    r"""Negative log-likelihood of class indices, as ``torch.nn.functional.nll_loss``.

    ``input`` holds log-probabilities, shape (C,), (N, C) or (N, C, d1, ...); ``target``
    integer class indices of shape (), (N) or (N, d1, ...).  Per element
    ``l_n = -w[y_n] * input[n, y_n]`` (``w``: the class ``weight``, ones if absent), 0
    where ``y_n == ignore_index``; ``"mean"`` divides the sum by ``sum_n w[y_n]`` over the
    targets not ignored (NaN when all are ignored).  The dtype is the input's (promoted
    with ``weight``).  ``cross_entropy(x, y) == nll_loss(log_softmax(x, 1), y)``.

    Example:
        >>> F.nll_loss(ut.tensor([[-1., -2.], [-3., -4.]]), ut.tensor([1, 0]))
        tensor(2.5, dtype=float32)
    """
    op = "nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    ignore_index = operator.index(ignore_index)
    backend = backend_of(op, input, target, weight)
    x = _operand(op, backend, "input (log-probabilities)", input, "f")
    t = _operand(op, backend, "target (class indices)", target, "iu")
    w = _operand(op, backend, "weight", weight, "f")
    ax = _class_axis(op, x)
    _class_weight(op, w, x.shape[ax])
    _index_shape(op, t, x, ax)
    d, (x, w) = _compute(x, w)
    return _finish(_indexed_loss(op, x, ax, t, w, ignore_index, reduction, 0.0), d)


def _regression(op: str, input: Any, target: Any, weight: Any) -> tuple[
        dt.DType, Tensor, Tensor, Tensor | None]:
    backend = backend_of(op, input, target, weight)
    x = _operand(op, backend, "input", input, "f")
    t = _operand(op, backend, "target", target, "biuf")
    w = _operand(op, backend, "weight", weight, "f")
    _check_same_shape(op, "target", t, x)
    if w is not None:
        _check_same_shape(op, "weight", w, x)
    d, (x, t, w) = _compute(x, t, w)
    return d, x, t, w


def _weighted(loss: Tensor, w: Tensor | None, reduction: str, by_weight: bool) -> Tensor:
    """``loss`` times the element weights, reduced; ``"mean"`` divides by the sum of the
    weights when ``by_weight`` (mse_loss, l1_loss), else by the count (huber_loss)."""
    if w is None:
        return _reduce(loss, reduction)
    loss = loss * w
    if reduction == "mean" and by_weight:
        return _total(loss) / _total(w)
    return _reduce(loss, reduction)


def mse_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
             reduce: bool | None = None, reduction: str = "mean",
             weight: Tensor | None = None) -> Tensor:
    r"""Squared error ``l_n = w_n (input_n - target_n)^2``, as
    ``torch.nn.functional.mse_loss``.

    ``target`` (and the optional element ``weight``) must have the input's shape.  Without
    ``weight``, ``"mean"`` is the mean of the ``l_n``; with it, ``sum_n l_n / sum_n w_n``
    (PyTorch's rule).  The dtype is the promoted dtype of the operands.

    Example:
        >>> F.mse_loss(ut.tensor([1., 2.]), ut.tensor([1., 4.]))
        tensor(2., dtype=float32)
    """
    op = "mse_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    d, x, t, w = _regression(op, input, target, weight)
    return _finish(_weighted(_un.square(x - t), w, reduction, True), d)


def l1_loss(input: Tensor, target: Tensor, size_average: bool | None = None,
            reduce: bool | None = None, reduction: str = "mean",
            weight: Tensor | None = None) -> Tensor:
    r"""Absolute error ``l_n = w_n |input_n - target_n|``, as
    ``torch.nn.functional.l1_loss``.

    ``target`` (and the optional element ``weight``) must have the input's shape.  Without
    ``weight``, ``"mean"`` is the mean of the ``l_n``; with it, ``sum_n l_n / sum_n w_n``
    (PyTorch's rule).  The gradient at ``input == target`` is 0.

    Example:
        >>> F.l1_loss(ut.tensor([1., 2.]), ut.tensor([1., 4.]))
        tensor(1., dtype=float32)
    """
    op = "l1_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    d, x, t, w = _regression(op, input, target, weight)
    return _finish(_weighted(_un.abs(x - t), w, reduction, True), d)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0,
               weight: Tensor | None = None) -> Tensor:
    r"""Huber loss, as ``torch.nn.functional.huber_loss``: with ``e = |input - target|``,
    ``l_n = w_n * (0.5 e^2 if e < delta else delta (e - 0.5 delta))``.

    ``delta`` must be positive.  ``target`` (and the optional element ``weight``) must have
    the input's shape; ``"mean"`` is the mean of the ``l_n``, weighted or not (PyTorch's
    rule).  The dtype is the promoted dtype of the operands (PyTorch keeps the input's).

    Example:
        >>> F.huber_loss(ut.tensor([0., 0.]), ut.tensor([0.5, 3.]))
        tensor(1.3125, dtype=float32)
    """
    op = "huber_loss"
    reduction = _reduction(op, reduction)
    if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
        raise TypeError(f"{op}(): delta must be a float, got {delta!r}")
    if not delta > 0:
        raise ValueError(f"{op}(): delta must be positive, got {delta}")
    delta = float(delta)
    d, x, t, w = _regression(op, input, target, weight)
    e = _un.abs(x - t)
    loss = _ew.where(e < delta, 0.5 * _un.square(e), delta * (e - 0.5 * delta))
    return _finish(_weighted(loss, w, reduction, False), d)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor,
                                     weight: Tensor | None = None,
                                     size_average: bool | None = None,
                                     reduce: bool | None = None, reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    r"""Binary cross entropy of the logits ``input`` against ``target`` (probabilities of
    the positive class, the input's shape), as
    ``torch.nn.functional.binary_cross_entropy_with_logits``:

    ``l_n = -w_n [pw_n y_n log sigmoid(x_n) + (1 - y_n) log(1 - sigmoid(x_n))]``

    computed stably as ``w_n [(1 - y_n) x_n + (1 + (pw_n - 1) y_n) softplus(-x_n)]`` with
    ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))``, exact for large ``|x|``.
    ``weight`` (``w``) and ``pos_weight`` (``pw``, the weight of positive examples,
    usually one per class along the last axis) broadcast to the input's shape.  The
    dtype is the promoted dtype of the operands.

    Example:
        >>> F.binary_cross_entropy_with_logits(ut.tensor([0., 100.]), ut.tensor([1., 0.]))
        tensor(50.346573, dtype=float32)
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    backend = backend_of(op, input, target, weight, pos_weight)
    x = _operand(op, backend, "input (logits)", input, "f")
    t = _operand(op, backend, "target", target, "biuf")
    w = _operand(op, backend, "weight", weight, "f")
    pw = _operand(op, backend, "pos_weight", pos_weight, "f")
    _check_same_shape(op, "target", t, x)
    _check_broadcasts_to(op, "weight", w, x)
    _check_broadcasts_to(op, "pos_weight", pw, x)
    d, (x, t, w, pw) = _compute(x, t, w, pw)
    # the formula lives in the contract's primitive (torch: its fused kernel)
    loss = backend.binary_cross_entropy_with_logits(
        x._n, t._n, None if w is None else w._n, None if pw is None else pw._n, reduction)
    return _finish(_wrap(type(x), loss, x._d), d)


# ---------------------------------------------------------------------------------------
# modules


def _buffer(value: Any) -> Tensor | None:
    if value is None or isinstance(value, Tensor):
        return value
    from ..ops.creation import asarray

    return asarray(value)


class _Loss(Module):
    reduction: str

    def __init__(self, size_average: bool | None = None, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = _reduction(type(self).__name__, reduction, size_average, reduce)


class CrossEntropyLoss(_Loss):
    """:func:`cross_entropy` as a Module (``torch.nn.CrossEntropyLoss``); ``weight`` is a
    buffer (saved in the state dict, moved by ``to()``).

    Example:
        >>> loss = ut.nn.CrossEntropyLoss(label_smoothing=0.1)
        >>> loss(ut.tensor([[2., 0.], [0., 0.]]), ut.tensor([0, 1]))
        tensor(0.46003762, dtype=float32)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = operator.index(ignore_index)
        self.label_smoothing = _label_smoothing(type(self).__name__, label_smoothing)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return cross_entropy(input, target, self.weight, ignore_index=self.ignore_index,
                             reduction=self.reduction, label_smoothing=self.label_smoothing)


class NLLLoss(_Loss):
    """:func:`nll_loss` as a Module (``torch.nn.NLLLoss``); ``weight`` is a buffer.

    Example:
        >>> ut.nn.NLLLoss()(ut.tensor([[-1., -2.], [-3., -4.]]), ut.tensor([1, 0]))
        tensor(2.5, dtype=float32)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 ignore_index: int = -100, reduce: bool | None = None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.ignore_index = operator.index(ignore_index)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return nll_loss(input, target, self.weight, ignore_index=self.ignore_index,
                        reduction=self.reduction)


class MSELoss(_Loss):
    """:func:`mse_loss` as a Module (``torch.nn.MSELoss``).

    Example:
        >>> ut.nn.MSELoss(reduction="sum")(ut.tensor([1., 2.]), ut.tensor([1., 4.]))
        tensor(4., dtype=float32)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """:func:`l1_loss` as a Module (``torch.nn.L1Loss``).

    Example:
        >>> ut.nn.L1Loss()(ut.tensor([1., 2.]), ut.tensor([1., 4.]))
        tensor(1., dtype=float32)
    """

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return l1_loss(input, target, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """:func:`binary_cross_entropy_with_logits` as a Module (``torch.nn.BCEWithLogitsLoss``);
    ``weight`` and ``pos_weight`` are buffers.

    Example:
        >>> loss = ut.nn.BCEWithLogitsLoss(pos_weight=ut.tensor([2.]))
        >>> loss(ut.tensor([[0.], [0.]]), ut.tensor([[1.], [0.]]))
        tensor(1.0397208, dtype=float32)
    """

    def __init__(self, weight: Tensor | None = None, size_average: bool | None = None,
                 reduce: bool | None = None, reduction: str = "mean",
                 pos_weight: Tensor | None = None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _buffer(weight))
        self.register_buffer("pos_weight", _buffer(pos_weight))

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return binary_cross_entropy_with_logits(input, target, self.weight,
                                                reduction=self.reduction,
                                                pos_weight=self.pos_weight)


class HuberLoss(_Loss):
    """:func:`huber_loss` as a Module (``torch.nn.HuberLoss``).

    Example:
        >>> ut.nn.HuberLoss(delta=0.5)(ut.tensor([0., 0.]), ut.tensor([0.5, 3.]))
        tensor(0.75, dtype=float32)
    """

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        if isinstance(delta, bool) or not isinstance(delta, numbers.Real):
            raise TypeError(f"HuberLoss(): delta must be a float, got {delta!r}")
        if not delta > 0:
            raise ValueError(f"HuberLoss(): delta must be positive, got {delta}")
        self.delta = float(delta)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return huber_loss(input, target, reduction=self.reduction, delta=self.delta)


# The losses of issue 11 live in their own modules; they are found here, as in PyTorch.
from ._ctc import CTCLoss, ctc_loss  # noqa: E402
from ._losses_more import (  # noqa: E402
    BCELoss,
    CosineEmbeddingLoss,
    KLDivLoss,
    MarginRankingLoss,
    SmoothL1Loss,
    TripletMarginLoss,
    binary_cross_entropy,
    cosine_embedding_loss,
    kl_div,
    margin_ranking_loss,
    smooth_l1_loss,
    triplet_margin_loss,
)
