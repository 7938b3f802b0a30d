"""``embedding_bag``, ``bilinear`` and ``dropout2d``, as in ``torch.nn.functional``.

``embedding_bag`` reads its indices (and offsets) on the host, as ``embedding`` does to
check their range, lays the bags out as a padded (bags, longest bag) table, gathers the
rows once and reduces each bag, with the padding (and ``padding_idx`` entries) masked:
one gather and one reduction on every backend, differentiable by each framework.
"""

from __future__ import annotations

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, to_tensor
from ..errors import DTypeError, IndexOutOfRangeError, ShapeError, fmt_shape
from ..ops import elementwise as _ew
from ..ops.products import einsum
from ..ops.statistical import max as _max
from ..ops.statistical import sum as _sum
from ..tensor import Tensor, _wrap

__all__ = ["embedding_bag", "bilinear", "dropout2d"]

_BAG_MODES = ("sum", "mean", "max")


def _bag_layout(idx: np.ndarray, offsets: np.ndarray | None, include_last_offset: bool,
                padding_idx: int | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(positions into the flat input, of shape (bags, longest), mask of the entries that
    count, count per bag)."""
    if offsets is None:  # 2-D input: one bag per row
        bags, length = idx.shape
        positions = np.arange(idx.size, dtype=np.int64).reshape(bags, length)
    else:
        ends = offsets[1:] if include_last_offset else np.append(offsets[1:], idx.size)
        starts = offsets[:-1] if include_last_offset else offsets
        lengths = np.maximum(ends - starts, 0)
        longest = int(lengths.max(initial=0))
        positions = starts[:, None] + np.arange(longest, dtype=np.int64)[None, :]
        valid = np.arange(longest)[None, :] < lengths[:, None]
        positions = np.where(valid, positions, 0)
    flat = idx.reshape(-1)
    mask = np.ones(positions.shape, bool) if offsets is None else valid
    if padding_idx is not None and flat.size:
        mask = mask & (flat[positions] != padding_idx)
    return positions, mask, mask.sum(axis=1)


def embedding_bag(input: Tensor, weight: Tensor, offsets: Tensor | None = None,
                  max_norm: float | None = None, norm_type: float = 2,
                  scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
                  per_sample_weights: Tensor | None = None,
                  include_last_offset: bool = False,
                  padding_idx: int | None = None) -> Tensor:
    """The sum, mean or maximum of the rows of ``weight`` (num_embeddings,
    embedding_dim) picked by each *bag* of indices, without materializing the picked
    rows per index (PyTorch's ``embedding_bag``).

    Bags: the rows of a 2-D ``input`` (B, N) (``offsets`` must be ``None``), or the
    slices ``input[offsets[i]:offsets[i + 1]]`` of a 1-D ``input`` (``offsets[0]`` must
    be 0; with ``include_last_offset`` the last offset is the end).  Entries equal to
    ``padding_idx`` are left out (and not counted by the mean); an empty bag gives zeros.
    ``per_sample_weights`` (the input's shape) multiplies each row first (``mode="sum"``
    only).  The result has shape (B, embedding_dim) and ``weight``'s dtype.  Indices
    outside ``[0, num_embeddings)`` raise :class:`IndexOutOfRangeError`.  ``max_norm``,
    ``scale_grad_by_freq`` and ``sparse`` raise :class:`NotImplementedError`.

    Example:
        >>> w = ut.arange(8.).reshape(4, 2)
        >>> F.embedding_bag(ut.tensor([0, 1, 2, 3]), w, ut.tensor([0, 1]), mode="sum")
        tensor([[ 0.,  1.],
                [12., 15.]], dtype=float32)
    """
    if max_norm is not None or scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding_bag(): max_norm, scale_grad_by_freq and sparse "
                                  "are not supported")
    if mode not in _BAG_MODES:
        raise ValueError(f"embedding_bag(): mode has to be one of sum, mean or max, got "
                         f"{mode!r}")
    backend = backend_of("embedding_bag", input, weight, offsets, per_sample_weights)
    idx, w = to_tensor(input, backend), to_tensor(weight, backend)
    if idx._d.kind not in "iu":
        raise DTypeError(f"embedding_bag(): indices must be integers, got {idx._d.name}")
    check_kind("embedding_bag", w._d, "f")
    if w.ndim != 2:
        raise ShapeError(f"embedding_bag() expects a 2-D weight (num_embeddings, "
                         f"embedding_dim), got shape {fmt_shape(w.shape)}")
    num, dim = w.shape
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError("embedding_bag(): if input is 2-D, then offsets has to be None, "
                             "as input is treated as a mini-batch of fixed length sequences")
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("embedding_bag(): a 1-D input needs offsets (a 1-D tensor of "
                             "where each bag starts)")
    else:
        raise ShapeError(f"embedding_bag(): input has to be 1-D or 2-D, got shape "
                         f"{fmt_shape(idx.shape)}")
    psw = None
    if per_sample_weights is not None:
        if mode != "sum":
            raise NotImplementedError(f"embedding_bag(): per_sample_weights is only "
                                      f"supported for mode='sum' (got mode={mode!r})")
        psw = to_tensor(per_sample_weights, backend)
        check_kind("embedding_bag", psw._d, "f")
        if psw.shape != idx.shape:
            raise ShapeError(f"embedding_bag(): per_sample_weights of shape "
                             f"{fmt_shape(psw.shape)} must have the input's shape "
                             f"{fmt_shape(idx.shape)}")
    if padding_idx is not None:
        p = int(padding_idx)
        if not -num <= p < num:
            raise ValueError(f"embedding_bag(): padding_idx {p} is out of range for {num} "
                             f"embeddings")
        padding_idx = p % num
    arr = np.asarray(backend.to_numpy(idx._n)).astype(np.int64)
    if arr.size and (arr.min() < 0 or arr.max() >= num):
        bad = arr[(arr < 0) | (arr >= num)].flat[0]
        raise IndexOutOfRangeError(f"embedding_bag(): index {bad} is out of range for {num} "
                                   f"embeddings")
    offs = None
    if offsets is not None:
        o = to_tensor(offsets, backend)
        if o._d.kind not in "iu" or o.ndim != 1:
            raise ShapeError(f"embedding_bag(): offsets must be a 1-D integer tensor, got "
                             f"{o._d.name} of shape {fmt_shape(o.shape)}")
        offs = np.asarray(backend.to_numpy(o._n)).astype(np.int64)
        if offs.size and offs[0] != 0:
            raise ValueError(f"embedding_bag(): offsets[0] has to be 0, i.e., the first "
                             f"sequence in the mini-batch has to start from position 0, got "
                             f"{offs[0]}")
        if offs.size and (np.any(np.diff(offs) < 0) or offs[-1] > arr.size):
            raise ValueError("embedding_bag(): offsets must be non-decreasing and at most "
                             "the input's length")
        if include_last_offset and offs.size == 0:
            raise ValueError("embedding_bag(): include_last_offset needs at least one offset")
    positions, mask, counts = _bag_layout(arr, offs, include_last_offset, padding_idx)
    bags, longest = positions.shape
    dev = backend.device(w._n)
    flat_idx = backend.reshape(backend.cast(idx._n, dt.int64), (-1,))
    pos = backend.from_numpy(positions.reshape(-1), dev)
    if longest == 0 or arr.size == 0:
        rows = backend.full((bags, longest, dim), 0.0, w._d, dev)
    else:
        rows = backend.take(w._n, backend.take(flat_idx, pos, 0), 0)
        rows = backend.reshape(rows, (bags, longest, dim))
    picked = _wrap(type(w), rows, w._d)
    keep = _wrap(type(w), backend.from_numpy(mask[:, :, None], dev), dt.bool)
    if psw is not None and longest and arr.size:
        sw = backend.take(backend.reshape(psw._n, (-1,)), pos, 0)
        sw = _wrap(type(w), backend.reshape(sw, (bags, longest, 1)), psw._d)
        picked = picked * sw
    if mode == "max":
        out = _max(_ew.where(keep, picked, -np.inf), axis=1) if longest else _sum(picked, axis=1)
        empty = _wrap(type(w), backend.from_numpy((counts == 0)[:, None], dev), dt.bool)
        return _ew.where(empty, 0.0, out)
    total = _sum(_ew.where(keep, picked, 0.0), axis=1)
    if mode == "sum":
        return total
    divisor = np.maximum(counts, 1).astype(w._d.numpy)[:, None]
    return total / _wrap(type(w), backend.from_numpy(divisor, dev), w._d)


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Tensor | None = None
             ) -> Tensor:
    """``y_k = x1 . A_k x2 + b_k``: a bilinear map of ``input1`` (..., in1) and ``input2``
    (..., in2) with ``weight`` (out, in1, in2) and ``bias`` (out,), giving (..., out).
    The leading axes of the inputs must agree.  Operands promote to one floating dtype.

    Example:
        >>> F.bilinear(ut.tensor([[1., 2.]]), ut.tensor([[3.]]), ut.ones((1, 2, 1)))
        tensor([[9.]], dtype=float32)
    """
    backend = backend_of("bilinear", input1, input2, weight, bias)
    ts = [None if t is None else to_tensor(t, backend) for t in (input1, input2, weight, bias)]
    d = ts[0]._d
    for t in ts[1:]:
        if t is not None:
            d = dt.promote_types(d, t._d)
    check_kind("bilinear", d, "f")
    x1, x2, w, b = (t if t is None or t._d is d else _wrap(type(t), backend.cast(t._n, d), d)
                    for t in ts)
    if w.ndim != 3:
        raise ShapeError(f"bilinear() expects a 3-D weight (out, in1, in2), got shape "
                         f"{fmt_shape(w.shape)}")
    if x1.ndim == 0 or x2.ndim == 0 or x1.shape[:-1] != x2.shape[:-1]:
        raise ShapeError(f"bilinear(): input1 {fmt_shape(x1.shape)} and input2 "
                         f"{fmt_shape(x2.shape)} must have the same leading dimensions")
    if x1.shape[-1] != w.shape[1] or x2.shape[-1] != w.shape[2]:
        raise ShapeError(f"bilinear(): inputs with {x1.shape[-1]} and {x2.shape[-1]} features "
                         f"do not fit weight shape {fmt_shape(w.shape)}")
    if b is not None and b.shape != w.shape[:1]:
        raise ShapeError(f"bilinear(): bias must have shape ({w.shape[0]},), got "
                         f"{fmt_shape(b.shape)}")
    y = einsum("...i,oij,...j->...o", x1, w, x2)
    return y if b is None else y + b


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Channel dropout: during training, zero whole channels (axis 1) of (N, C, H, W)
    input, each with probability ``p``, and scale the others by ``1 / (1 - p)``.

    As in PyTorch, a 3-D input is read as (N, C, L) (channel-wise 1-D dropout, with
    PyTorch's warning that this will change), and other ranks warn; fewer than 2 axes
    raise :class:`ShapeError`.  The mask comes from the native generator, or from the
    portable stream under ``ut.random.portable(True)`` (the same on every backend).

    Example:
        >>> ut.manual_seed(0)
        >>> y = F.dropout2d(ut.ones((4, 8, 2, 2)), p=0.5)
        >>> bool(ut.all((y == 0) | (y == 2)))  # dropped, or kept and scaled by 1 / (1 - p)
        True
        >>> bool(ut.all(ut.max(y, axis=(2, 3)) == ut.min(y, axis=(2, 3))))  # whole channels
        True
    """
    import warnings

    from ._dropout import _check_p, _uniform

    p = _check_p(p)
    if not training or p == 0.0:
        return input
    x = to_tensor(input, backend_of("dropout2d", input))
    if x._d.kind != "f":
        raise DTypeError(f"dropout2d() expects real floating tensors, got {x._d.name}")
    if x.ndim < 2:
        raise ShapeError(f"dropout2d() needs at least 2 dimensions (N, C, ...), got shape "
                         f"{fmt_shape(x.shape)}")
    if x.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {x.ndim}-D input to dropout2d, which is "
                      "deprecated (as in PyTorch); dropout2d expects (N, C, H, W) input",
                      UserWarning, stacklevel=2)
    elif x.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim (as in PyTorch)",
                      UserWarning, stacklevel=2)
    backend = type(x)._bk
    cd = dt.float32 if x._d in (dt.float16, dt.bfloat16) else x._d
    native = x._n if cd is x._d else backend.cast(x._n, cd)
    shape = backend.shape(native)
    mask_shape = (shape[0], shape[1]) + (1,) * (len(shape) - 2)
    if p == 1.0:
        out = backend.multiply(native, backend.full((), 0.0, cd, backend.device(native)))
    else:
        u = _uniform(backend, mask_shape, backend.device(native))
        keep = backend.greater_equal(u, backend.full((), p, dt.float32, backend.device(u)))
        scale = backend.full((), 1.0 / (1.0 - p), cd, backend.device(native))
        out = backend.multiply(backend.multiply(native, backend.cast(keep, cd)), scale)
    if cd is not x._d:
        out = backend.cast(out, x._d)
    if inplace:
        if not isinstance(input, Tensor):
            raise TypeError("inplace=True needs a unitorch Tensor input")
        input._n = out
        return input
    return _wrap(type(x), out, x._d)
