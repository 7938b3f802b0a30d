"""Changing shape and arrangement: reshape, transpose, concatenate, stack, flip, roll,
tile, repeat, pad...

Shapes and axes are validated here, with the same message on every backend; PyTorch's
spellings (``cat``, ``permute``, ``unsqueeze``, ``view``, ``dim=``, ``dims=``) are
accepted too.  Every function keeps its input's dtype (``concat`` and ``stack`` promote
their inputs to one dtype), and may return its input itself when nothing changes.

Where PyTorch, TensorFlow and NumPy disagree, unitorch picks one behaviour:

* ``transpose(x, dim0, dim1)`` swaps two axes (PyTorch); ``transpose(x)`` reverses all
  axes and ``transpose(x, axes)`` permutes them (NumPy, TensorFlow).
* ``squeeze(x, axis)`` of an axis whose size is not 1 raises :class:`ShapeError`
  (NumPy, TensorFlow); PyTorch leaves such an axis alone.
* ``split(x, n)`` cuts chunks of size ``n`` (PyTorch); NumPy and TensorFlow cut ``n``
  equal sections.  ``split`` of an empty axis gives one empty chunk (PyTorch).
* ``roll`` with ``axis=None`` rolls the flattened tensor (NumPy, PyTorch); shifts on a
  repeated axis add up.
* ``repeat`` is NumPy's ``repeat`` / PyTorch's ``repeat_interleave`` (each element
  repeated); PyTorch's ``Tensor.repeat`` is :func:`tile`.
* ``broadcast_to`` accepts ``-1`` for an existing axis (keep its size), as PyTorch's
  ``expand`` does; NumPy refuses it.
* ``pad`` takes NumPy's ``pad_width`` (per axis, first axis first), not PyTorch's flat
  list that starts from the last axis; modes ``"constant"``, ``"reflect"``,
  ``"symmetric"``, ``"edge"`` (alias ``"replicate"``) and ``"wrap"`` (alias
  ``"circular"``) follow NumPy, including pads wider than the axis, which PyTorch and
  TensorFlow refuse for reflect modes.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, to_tensor
from .._views import Relation, track, track_relation
from ..errors import (
    AxisError,
    DTypeError,
    ShapeError,
    broadcast_shapes,
    fmt_shape,
    normalize_axes,
    normalize_axis,
)
from ..tensor import TENSOR_TYPES, Tensor, _wrap

_new = object.__new__
_RESHAPE: dict[type, Any] = {}  # Tensor type -> its backend's reshape (the fast path)

__all__ = [
    "reshape", "view", "permute_dims", "permute", "transpose", "matrix_transpose",
    "expand_dims", "unsqueeze", "squeeze", "flatten", "broadcast_to", "broadcast_arrays",
    "concat", "cat", "stack", "unstack", "split", "flip", "roll", "tile", "repeat",
    "moveaxis", "swapaxes", "pad",
]


def _axis(axis: Any, dim: Any, default: Any = None) -> Any:
    """``dim=`` is PyTorch's name for ``axis=``; give one of them."""
    if dim is not None:
        if axis is not None and axis != default:
            raise TypeError("give axis= or dim=, not both")
        return dim
    return axis if axis is not None else default


def _tensor(op: str, x: Any) -> Tensor:
    return to_tensor(x, backend_of(op, x))


def _ints(op: str, what: str, values: Any) -> tuple[int, ...]:
    """A tuple of Python ints from ints or a sequence of them (no floats or bools)."""
    if isinstance(values, (int, np.integer)) or (isinstance(values, Tensor)
                                                 and values.ndim == 0):
        values = (values,)
    try:
        out = tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(f"{op}(): {what} must be integers, got {values!r}") from None
    if any(isinstance(v, (bool, np.bool_)) for v in values):
        raise TypeError(f"{op}(): {what} must be integers, got {values!r}")
    return out


def reshape(x: Tensor, /, shape: int | Sequence[int], *more: int,
            copy: bool | None = None) -> Tensor:
    """``x`` with a new shape holding the same elements in row-major order; one
    dimension may be ``-1`` (inferred).  ``x.reshape(2, 3)`` also works.

    Example:
        >>> ut.reshape(ut.arange(6), (2, 3)).shape
        (2, 3)
    """
    t = type(x)
    kernel = _RESHAPE.get(t)
    if kernel is not None and type(shape) is tuple and copy is None and not more \
            and 0 not in shape:
        # the fast path: the framework validates; on any refusal, redo it below with
        # unitorch's checks and messages (symbolic sizes from a trace pass through here).
        # A 0 in the shape takes the path below: with a -1 beside it, TensorFlow infers
        # a size where it is ambiguous (without a 0, the -1 is determined).
        try:
            native = kernel(x._n, shape)
        except Exception:  # re-raised below with unitorch's message
            pass
        else:
            r = _new(t)
            r._n = native
            r._d = x._d
            if not t._bk.slices_share_memory:
                _view_of(r, x, "reshape", shape)
            return r
    if kernel is None and t in TENSOR_TYPES:
        _RESHAPE[t] = t._bk.reshape
    x = _tensor("reshape", x)
    backend = type(x)._bk
    if more and not isinstance(shape, (int, np.integer)) and any(
            m is None or isinstance(m, (bool, np.bool_)) for m in more):
        raise TypeError("reshape(): copy is keyword-only: write reshape(x, shape, "
                        f"copy={more[0]!r})")
    shape = _ints("reshape", "shape", (shape, *more) if more else shape)
    old = backend.shape(x._n)
    new = _resolve_shape(old, shape)
    if new == old and not copy:
        return x
    native = backend.reshape(x._n, new)
    if copy:
        return _wrap(type(x), backend.copy(native), x._d)
    return _view_of(_wrap(type(x), native, x._d), x, "reshape", new)


def _view_of(r: Tensor, x: Tensor, op: str, arg: tuple[int, ...]) -> Tensor:
    """``r``, recorded as a view of the whole of ``x`` (made by ``reshape`` to shape
    ``arg`` or ``permute`` by axes ``arg``) where the backend's results are copies, so
    that writes through either reach the other, as on PyTorch (see
    :mod:`unitorch._views`)."""
    if not type(x)._bk.slices_share_memory:
        track_relation(r, x, Relation(op, arg))
    return r


def _resolve_shape(old: tuple[int | None, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise ShapeError(f"reshape(): only one dimension can be -1, got {fmt_shape(shape)}")
    if any(s < -1 for s in shape):
        raise ShapeError(f"reshape(): invalid shape {fmt_shape(shape)}")
    if any(s is None for s in old):
        return shape  # tracing with unknown dimensions: the framework checks
    total = math.prod(old)
    # (a list, not a generator: torch.compile cannot trace a generator argument here,
    # which broke every compiled reshape with a -1 out of the graph)
    known = math.prod([s for s in shape if s != -1])
    if -1 in shape:
        if known == 0 or total % known:
            raise ShapeError(
                f"cannot reshape a tensor of shape {fmt_shape(old)} into {fmt_shape(shape)}"
            )
        shape = tuple(total // known if s == -1 else s for s in shape)
    elif known != total:
        raise ShapeError(
            f"cannot reshape a tensor of shape {fmt_shape(old)} into {fmt_shape(shape)}"
        )
    return shape


def view(x: Tensor, /, *shape_or_dtype: Any) -> Tensor:
    """PyTorch's ``Tensor.view``: with a shape, :func:`reshape`; with one dtype (a
    unitorch or NumPy dtype, or ``float``, ``int``, ``complex``, ``bool``), ``x``'s bits
    reinterpreted as that dtype.  A dtype of another width changes the last axis: a
    ``complex128`` tensor of shape ``(n, m)`` viewed as ``float64`` has shape
    ``(n, 2 * m)`` (real and imaginary parts side by side), and back; the last axis of
    the narrower side must divide evenly.  The reinterpreted tensor is a new tensor (on
    TensorFlow; PyTorch's shares memory): do not write through it.

    Example:
        >>> z = ut.asarray([[1 + 2j, 3 - 4j]], dtype=ut.complex128)
        >>> z.view(float)
        tensor([[ 1.,  2.,  3., -4.]], dtype=float64)
        >>> z.view(float).view(ut.complex128)
        tensor([[1.+2.j, 3.-4.j]], dtype=complex128)
        >>> ut.asarray([1.0], dtype=ut.float32).view(ut.int32)
        tensor([1065353216], dtype=int32)
        >>> ut.arange(6).view(2, 3).shape
        (2, 3)
    """
    if len(shape_or_dtype) == 1 and _is_dtype(shape_or_dtype[0]):
        return _reinterpret(_tensor("view", x), dt.as_dtype(
            _PY_DTYPES.get(shape_or_dtype[0], shape_or_dtype[0])))
    return reshape(x, *shape_or_dtype)


_PY_DTYPES = {float: "float64", int: "int64", complex: "complex128", bool: "bool"}


def _is_dtype(d: Any) -> bool:
    return isinstance(d, (dt.DType, np.dtype)) or (
        isinstance(d, type) and (d in _PY_DTYPES or issubclass(d, np.generic)))


def _dense(bk: Any, x: Tensor) -> Any:
    """``x``'s native with its elements in row-major order in memory (PyTorch's views
    of another width need it; a reshape to one axis copies a strided view)."""
    return bk.reshape(bk.reshape(x._n, (-1,)), x.shape)


def _reinterpret(x: Tensor, new: dt.DType) -> Tensor:
    """``x``'s bits as dtype ``new`` (see :func:`view`)."""
    old = x.dtype
    if new == old:
        return x
    bk = type(x)._bk
    if new.itemsize == old.itemsize:
        return _wrap(type(x), bk.bitcast(x._n, new), new)
    shape = x.shape
    if not shape:
        raise ShapeError(f"view(): a 0-d {old} tensor cannot be viewed as {new} "
                         "(another width needs a last axis)")
    *lead, n = shape
    if new.itemsize < old.itemsize:
        r = old.itemsize // new.itemsize
        # the framework adds an axis of r (TensorFlow) or widens the last (PyTorch):
        # the reshape gives PyTorch's shape from either
        native = bk.reshape(bk.bitcast(_dense(bk, x), new), (*lead, n * r))
        return _wrap(type(x), native, new)
    r = new.itemsize // old.itemsize
    if n % r:
        raise ShapeError(f"view(): the last axis ({n}) of a {old} tensor must be a "
                         f"multiple of {r} to be viewed as {new}")
    native = bk.reshape(_dense(bk, x), (*lead, n // r, r))
    return _wrap(type(x), bk.reshape(bk.bitcast(native, new), (*lead, n // r)), new)


def permute_dims(x: Tensor, /, axes: Sequence[int], *more: int) -> Tensor:
    """Reorder the axes: output axis ``i`` is input axis ``axes[i]`` (a permutation of
    ``range(ndim)``; negative axes count from the end).

    Example:
        >>> ut.permute_dims(ut.ones((2, 3, 4)), (2, 0, 1)).shape
        (4, 2, 3)
    """
    x = _tensor("permute_dims", x)
    axes = _ints("permute_dims", "axes", (axes, *more) if more else axes)
    ndim = x.ndim
    perm = tuple(normalize_axis(a, ndim) for a in axes)
    if sorted(perm) != list(range(ndim)):
        raise AxisError(f"permute_dims(): axes {axes} are not a permutation of "
                        f"{ndim} axes")
    if perm == tuple(range(ndim)):
        return x
    return _view_of(_wrap(type(x), type(x)._bk.permute_dims(x._n, perm), x._d), x,
                    "permute", perm)


permute = permute_dims


def transpose(x: Tensor, /, dim0: int | Sequence[int] | None = None, dim1: int | None = None,
              *, axes: Sequence[int] | None = None) -> Tensor:
    """Swap axes ``dim0`` and ``dim1`` (PyTorch's ``transpose``); with a sequence (or
    ``axes=``), permute the axes as :func:`permute_dims`; with nothing, reverse all axes
    (NumPy's and TensorFlow's ``transpose``).

    Example:
        >>> ut.transpose(ut.ones((2, 3, 4)), 0, 1).shape
        (3, 2, 4)
        >>> ut.transpose(ut.ones((2, 3, 4))).shape
        (4, 3, 2)
        >>> ut.transpose(ut.ones((2, 3, 4)), (1, 2, 0)).shape
        (3, 4, 2)
    """
    if axes is not None or (dim0 is not None and not isinstance(dim0, (int, np.integer))):
        if dim1 is not None or (axes is not None and dim0 is not None):
            raise TypeError("transpose() takes two axes to swap, or one permutation")
        return permute_dims(x, dim0 if axes is None else axes)
    if dim0 is None and dim1 is None:
        x = _tensor("transpose", x)
        return permute_dims(x, tuple(range(x.ndim))[::-1])
    if dim0 is None or dim1 is None:
        raise TypeError("transpose() takes both dim0 and dim1, or neither")
    return swapaxes(x, dim0, dim1)


def swapaxes(x: Tensor, axis1: int, axis2: int, /) -> Tensor:
    """Swap two axes.

    Example:
        >>> ut.swapaxes(ut.ones((2, 3)), 0, 1).shape
        (3, 2)
    """
    x = _tensor("swapaxes", x)
    ndim = x.ndim
    a, b = normalize_axis(axis1, ndim), normalize_axis(axis2, ndim)
    perm = list(range(ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return permute_dims(x, perm)


def matrix_transpose(x: Tensor, /) -> Tensor:
    """The last two axes swapped.

    Example:
        >>> ut.matrix_transpose(ut.ones((5, 2, 3))).shape
        (5, 3, 2)
    """
    x = _tensor("matrix_transpose", x)
    if x.ndim < 2:
        raise ShapeError(
            f"matrix_transpose() needs at least 2 dimensions, got shape {fmt_shape(x.shape)}"
        )
    return swapaxes(x, -1, -2)


def moveaxis(x: Tensor, source: int | Sequence[int], destination: int | Sequence[int], /
             ) -> Tensor:
    """Move axes to new positions, keeping the order of the others.

    Example:
        >>> ut.moveaxis(ut.ones((2, 3, 4)), 0, -1).shape
        (3, 4, 2)
    """
    x = _tensor("moveaxis", x)
    ndim = x.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise ValueError("moveaxis(): source and destination need the same number of axes")
    src = tuple(normalize_axis(a, ndim, "source axis") for a in src)
    dst = tuple(normalize_axis(a, ndim, "destination axis") for a in dst)
    if len(set(src)) != len(src) or len(set(dst)) != len(dst):
        raise AxisError("moveaxis(): repeated axis")
    order = [a for a in range(ndim) if a not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute_dims(x, order)


def expand_dims(x: Tensor, /, axis: int = 0, *, dim: int | None = None) -> Tensor:
    """A new axis of size 1 at ``axis`` (in ``[-ndim - 1, ndim]``).

    Example:
        >>> ut.expand_dims(ut.ones(3), axis=0).shape
        (1, 3)
    """
    x = _tensor("expand_dims", x)
    axis = _axis(axis, dim, 0)
    shape = list(x.shape)
    pos = normalize_axis(axis, len(shape) + 1)
    shape.insert(pos, 1)
    new = tuple(_known(shape))
    return _view_of(_wrap(type(x), type(x)._bk.reshape(x._n, new), x._d), x, "reshape", new)


def unsqueeze(x: Tensor, /, dim: int) -> Tensor:
    """PyTorch's name for :func:`expand_dims`.

    Example:
        >>> ut.unsqueeze(ut.ones(3), 1).shape
        (3, 1)
    """
    return expand_dims(x, axis=dim)


def _known(shape: Sequence[int | None]) -> list[int]:
    """A shape for reshape while tracing: one unknown dimension becomes -1."""
    if sum(s is None for s in shape) > 1:
        raise ShapeError(f"cannot reshape with several unknown dimensions {fmt_shape(shape)}")
    return [-1 if s is None else s for s in shape]


def squeeze(x: Tensor, /, axis: int | Sequence[int] | None = None, *,
            dim: int | Sequence[int] | None = None) -> Tensor:
    """Remove axes of size 1: the given ones (each must have size 1), or all of them
    when ``axis`` is ``None``.

    Example:
        >>> ut.squeeze(ut.ones((1, 3, 1)), axis=0).shape
        (3, 1)
    """
    x = _tensor("squeeze", x)
    axis = _axis(axis, dim)
    shape = x.shape
    if axis is None:
        axes = tuple(i for i, s in enumerate(shape) if s == 1)
    else:
        axes = normalize_axes(axis, len(shape))
        for a in axes:
            if shape[a] != 1:
                raise ShapeError(
                    f"squeeze(): axis {a} has size {shape[a]}, not 1 (shape {fmt_shape(shape)})"
                )
    if not axes:
        return x
    new = tuple(_known([s for i, s in enumerate(shape) if i not in axes]))
    return _view_of(_wrap(type(x), type(x)._bk.reshape(x._n, new), x._d), x, "reshape", new)


def flatten(x: Tensor, /, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge axes ``start_dim..end_dim`` (inclusive) into one (PyTorch's ``flatten``).

    Example:
        >>> ut.flatten(ut.ones((2, 3, 4)), 1).shape
        (2, 12)
    """
    x = _tensor("flatten", x)
    shape = x.shape
    if not shape:
        return reshape(x, (1,))
    a, b = normalize_axis(start_dim, len(shape)), normalize_axis(end_dim, len(shape))
    if a > b:
        raise AxisError(f"flatten(): start_dim {start_dim} comes after end_dim {end_dim}")
    middle = shape[a:b + 1]
    merged = None if None in middle else math.prod(middle)
    return reshape(x, tuple(_known([*shape[:a], merged, *shape[b + 1:]])))


def broadcast_to(x: Tensor, /, shape: int | Sequence[int], *more: int) -> Tensor:
    """``x`` broadcast to ``shape`` (NumPy rules); ``-1`` keeps the size of an existing
    axis (PyTorch's ``expand``; ``x.expand(3, -1)`` works too).

    Example:
        >>> ut.broadcast_to(ut.ones(3), (2, 3)).shape
        (2, 3)
    """
    x = _tensor("broadcast_to", x)
    shape = _ints("broadcast_to", "shape", (shape, *more) if more else shape)
    old = x.shape
    if -1 in shape:
        lead = len(shape) - len(old)
        if any(s == -1 for s in shape[:max(lead, 0)]):
            raise ShapeError(f"broadcast_to(): -1 in {fmt_shape(shape)} can only keep the "
                             f"size of an existing axis of {fmt_shape(old)}")
        shape = tuple(old[i - lead] if s == -1 else s for i, s in enumerate(shape))
    ok = len(shape) >= len(old) and all(s >= 0 for s in shape)
    if ok:
        try:
            ok = broadcast_shapes(old, shape) == shape
        except ShapeError:
            ok = False
    if not ok:
        raise ShapeError(f"broadcast_to(): cannot broadcast shape {fmt_shape(old)} to "
                         f"{fmt_shape(shape)}")
    if old == shape:
        return x
    return _wrap(type(x), type(x)._bk.broadcast_to(x._n, shape), x._d)


def broadcast_arrays(*arrays: Tensor) -> list[Tensor]:
    """The tensors broadcast against each other.

    Example:
        >>> [t.shape for t in ut.broadcast_arrays(ut.ones(3), ut.ones((2, 1)))]
        [(2, 3), (2, 3)]
    """
    backend = backend_of("broadcast_arrays", *arrays)
    ts = [to_tensor(a, backend) for a in arrays]
    try:
        shape = broadcast_shapes(*(t.shape for t in ts))
    except ShapeError as e:
        raise ShapeError(f"broadcast_arrays(): {e}") from None
    return [broadcast_to(t, shape) for t in ts]


def _joinable(op: str, arrays: Sequence[Tensor]) -> tuple[list[Tensor], dt.DType]:
    if isinstance(arrays, Tensor) or not isinstance(arrays, (list, tuple)):
        raise TypeError(f"{op}() expects a list or tuple of tensors")
    if not arrays:
        raise ValueError(f"{op}() needs at least one tensor")
    backend = backend_of(op, *arrays)
    ts = [to_tensor(a, backend) for a in arrays]
    d = ts[0]._d
    for t in ts[1:]:
        d = dt.promote_types(d, t._d)
    return [t if t._d is d else t.astype(d) for t in ts], d


def concat(arrays: Sequence[Tensor], /, *, axis: int | None = 0, dim: int | None = None
           ) -> Tensor:
    """Join tensors along an existing axis (``axis=None``: flatten them first).  Dtypes
    promote; the other axes must match.

    Example:
        >>> ut.concat([ut.ones(2), ut.zeros(3)]).shape
        (5,)
    """
    if dim is not None:  # (not _axis: None is meaningful here)
        if axis not in (0, dim):
            raise TypeError("give axis= or dim=, not both")
        axis = dim
    ts, d = _joinable("concat", arrays)
    if axis is None:
        ts = [reshape(t, (-1,)) for t in ts]
        axis = 0
    ndim = ts[0].ndim
    if ndim == 0:
        raise ShapeError("concat() cannot join 0-d tensors; use stack()")
    ax = normalize_axis(axis, ndim)
    first = ts[0].shape
    for t in ts[1:]:
        s = t.shape
        if len(s) != ndim or any(a != b for i, (a, b) in enumerate(zip(s, first))
                                 if i != ax and None not in (a, b)):
            raise ShapeError(
                "concat(): shapes " + ", ".join(fmt_shape(t.shape) for t in ts)
                + f" do not match outside axis {ax}"
            )
    backend = type(ts[0])._bk
    return _wrap(type(ts[0]), backend.concat([t._n for t in ts], ax), d)


cat = concat


def stack(arrays: Sequence[Tensor], /, *, axis: int = 0, dim: int | None = None) -> Tensor:
    """Join tensors of one shape along a new axis.  Dtypes promote.

    Example:
        >>> ut.stack([ut.ones(2), ut.zeros(2)]).shape
        (2, 2)
    """
    axis = _axis(axis, dim, 0)
    ts, d = _joinable("stack", arrays)
    first = ts[0].shape
    for t in ts[1:]:
        if t.shape != first:
            raise ShapeError(
                "stack(): shapes " + ", ".join(fmt_shape(t.shape) for t in ts) + " differ"
            )
    ax = normalize_axis(axis, len(first) + 1)
    backend = type(ts[0])._bk
    return _wrap(type(ts[0]), backend.stack([t._n for t in ts], ax), d)


def unstack(x: Tensor, /, *, axis: int = 0) -> tuple[Tensor, ...]:
    """Split ``x`` along ``axis`` into a tuple of tensors with that axis removed.

    Example:
        >>> len(ut.unstack(ut.ones((3, 2))))
        3
    """
    x = _tensor("unstack", x)
    ndim = x.ndim
    if ndim == 0:
        raise ShapeError("unstack() needs at least 1 dimension")
    ax = normalize_axis(axis, ndim)
    n = x.shape[ax]
    if n is None:
        raise ShapeError("unstack() needs the size of the axis to be known")
    T, d = type(x), x._d
    parts = tuple(_wrap(T, part, d) for part in T._bk.unstack(x._n, ax))
    if not T._bk.slices_share_memory:  # each part is x[..., i] (a view, as on PyTorch)
        lead = (slice(None),) * ax
        for i, part in enumerate(parts):
            track(part, x, (*lead, i))
    return parts


def split(x: Tensor, /, split_size_or_sections: int | Sequence[int], axis: int = 0, *,
          dim: int | None = None) -> tuple[Tensor, ...]:
    """Split along ``axis`` into chunks of ``split_size`` (the last may be smaller), or
    into chunks of the listed sizes (PyTorch's ``split``).

    Example:
        >>> [t.shape for t in ut.split(ut.arange(5), 2)]
        [(2,), (2,), (1,)]
    """
    x = _tensor("split", x)
    axis = _axis(axis, dim, 0)
    ax = normalize_axis(axis, x.ndim)
    n = x.shape[ax]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size <= 0:
            raise ValueError(f"split(): split_size must be positive, got {size}")
        if n is None:
            raise ShapeError("split() needs the size of the axis to be known")
        sizes = [size] * (n // size) + ([n % size] if n % size or n == 0 else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ShapeError(f"split(): sizes {sizes} do not add up to {n} along axis {ax}")
    T, d = type(x), x._d
    return tuple(_wrap(T, part, d) for part in T._bk.split(x._n, tuple(sizes), ax))


def flip(x: Tensor, /, axis: int | Sequence[int] | None = None, *more: int,
         dims: int | Sequence[int] | None = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when ``None``; several
    axes as a sequence, or as PyTorch's ``x.flip(0, 1)``).

    Example:
        >>> ut.flip(ut.arange(3))
        tensor([2, 1, 0], dtype=int64)
    """
    x = _tensor("flip", x)
    if more:
        axis = (axis, *more)
    axis = _axis(axis, dims)
    axes = normalize_axes(axis, x.ndim)
    if not axes:
        return x
    return _wrap(type(x), type(x)._bk.flip(x._n, axes), x._d)


def roll(x: Tensor, /, shift: int | Sequence[int], axis: int | Sequence[int] | None = None,
         *, dims: int | Sequence[int] | None = None) -> Tensor:
    """Shift elements along ``axis``, wrapping around; ``axis=None`` shifts the
    flattened tensor and keeps the shape.  ``shift`` and ``axis`` may be sequences (one
    of them of length 1 is repeated); shifts on a repeated axis add up; negative shifts
    go backwards.

    Example:
        >>> ut.roll(ut.arange(4), 1)
        tensor([3, 0, 1, 2], dtype=int64)
    """
    x = _tensor("roll", x)
    axis = _axis(axis, dims)
    backend = type(x)._bk
    shifts = _ints("roll", "shift", shift)
    if axis is None:
        shape = x.shape
        n = x.size
        total = sum(shifts) % n if n else 0
        if not total:
            return x
        flat = reshape(x, (-1,))
        rolled = backend.roll(flat._n, (total,), (0,))
        return reshape(_wrap(type(x), rolled, x._d), shape)
    axes = _ints("roll", "axis", axis)
    if len(shifts) == 1:
        shifts = shifts * len(axes)
    elif len(axes) == 1:
        axes = axes * len(shifts)
    if len(shifts) != len(axes):
        raise ValueError(f"roll(): {len(shifts)} shifts for {len(axes)} axes")
    shape = x.shape
    per_axis: dict[int, int] = {}
    for s, a in zip(shifts, axes):
        a = normalize_axis(a, len(shape))
        per_axis[a] = per_axis.get(a, 0) + s
    items = [(a, s if shape[a] is None else s % shape[a] if shape[a] else 0)
             for a, s in sorted(per_axis.items())]
    items = [(a, s) for a, s in items if s]
    if not items:
        return x
    return _wrap(type(x), backend.roll(x._n, tuple(s for _, s in items),
                                       tuple(a for a, _ in items)), x._d)


def tile(x: Tensor, /, repetitions: Sequence[int], *more: int) -> Tensor:
    """Repeat the whole tensor ``repetitions[i]`` times along axis ``i`` (shorter
    ``repetitions`` are padded with 1s in front; a longer one adds leading axes).

    Example:
        >>> ut.tile(ut.tensor([1, 2]), (2,))
        tensor([1, 2, 1, 2], dtype=int64)
    """
    x = _tensor("tile", x)
    reps = _ints("tile", "repetitions", (repetitions, *more) if more else repetitions)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile(): repetitions must be non-negative, got {reps}")
    ndim = x.ndim
    if len(reps) > ndim:
        x = reshape(x, (1,) * (len(reps) - ndim) + x.shape)
    reps = (1,) * (x.ndim - len(reps)) + reps
    if all(r == 1 for r in reps):
        return x
    return _wrap(type(x), type(x)._bk.tile(x._n, reps), x._d)


def repeat(x: Tensor, /, repeats: int | Sequence[int] | Tensor,
           axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (``None``: the flattened
    tensor); NumPy's ``repeat``, PyTorch's ``repeat_interleave``.  ``repeats`` is a
    non-negative int, or a 1-D integer tensor (or list) with one count per element along
    the axis (a single count is used for every element).

    Example:
        >>> ut.repeat(ut.tensor([1, 2]), 2)
        tensor([1, 1, 2, 2], dtype=int64)
        >>> ut.repeat(ut.tensor([1, 2]), ut.tensor([0, 3]))
        tensor([2, 2, 2], dtype=int64)
    """
    x = _tensor("repeat", x)
    axis = _axis(axis, dim)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    backend = type(x)._bk
    if not isinstance(repeats, (int, np.integer)) or isinstance(repeats, (bool, np.bool_)):
        empty = isinstance(repeats, (list, tuple)) and len(repeats) == 0
        r = to_tensor(repeats, backend, dt.int64 if empty else None)
        if r._d.kind not in "iu":
            raise DTypeError(f"repeat(): repeats must be integers, got {r._d.name}")
        if r.ndim == 0 or (r.shape == (1,) and x.shape[ax] != 1):
            if backend.is_compiling():
                raise ValueError("repeat(): a single count must be a Python int while "
                                 "compiling")
            repeats = int(r.item()) if r.ndim == 0 else int(r[0].item())
        else:
            if r.ndim != 1 or r.shape[0] != x.shape[ax]:
                raise ShapeError(
                    f"repeat(): repeats of shape {fmt_shape(r.shape)} must have one count "
                    f"per element along axis {ax} ({x.shape[ax]})"
                )
            if not backend.is_compiling() and bool((r < 0).any()):
                raise ValueError("repeat(): repeats must be non-negative")
            return _wrap(type(x), backend.repeat(x._n, backend.cast(r._n, dt.int64), ax),
                         x._d)
    repeats = int(repeats)
    if repeats < 0:
        raise ValueError(f"repeat(): repeats must be non-negative, got {repeats}")
    if repeats == 1:
        return x
    return _wrap(type(x), backend.repeat(x._n, repeats, ax), x._d)


# ---------------------------------------------------------------------------------------
# pad

_PAD_MODES = {
    "constant": "constant", "reflect": "reflect", "symmetric": "symmetric", "edge": "edge",
    "replicate": "edge", "wrap": "wrap", "circular": "wrap",
}


def pad(x: Tensor, /, pad_width: int | Sequence[int] | Sequence[Sequence[int]],
        mode: str = "constant", value: bool | int | float | complex = 0, *,
        constant_values: bool | int | float | complex | None = None) -> Tensor:
    """``x`` padded as NumPy's ``pad`` does.

    ``pad_width`` is NumPy's: an int (every side of every axis), a pair ``(before,
    after)`` (every axis), or one pair per axis, first axis first.  Modes:

    * ``"constant"``: ``value`` (alias ``constant_values=``), converted to ``x``'s dtype;
    * ``"reflect"``: the mirror image without repeating the edge (``[1, 2, 3]`` padded
      by 2: ``[3, 2, 1, 2, 3, 2, 1]``); ``"symmetric"``: with the edge repeated;
    * ``"edge"`` (alias ``"replicate"``): the edge value;
    * ``"wrap"`` (alias ``"circular"``): the other end, periodically.

    Pads wider than the axis repeat the pattern (as NumPy does).  Only ``"constant"``
    can extend an axis of size 0 (:class:`ShapeError` otherwise).  The dtype is ``x``'s.

    Example:
        >>> ut.pad(ut.tensor([1, 2, 3]), (2, 1), mode="reflect")
        tensor([3, 2, 1, 2, 3, 2], dtype=int64)
        >>> ut.pad(ut.ones((1, 2)), ((0, 1), (1, 0))).shape
        (2, 3)
    """
    from .indexing import _scalar_in

    x = _tensor("pad", x)
    kind = _PAD_MODES.get(mode) if isinstance(mode, str) else None
    if kind is None:
        raise ValueError(f"pad(): unknown mode {mode!r}; expected one of "
                         + ", ".join(repr(m) for m in _PAD_MODES))
    pads = _pad_widths(pad_width, x.ndim)
    if not any(b or a for b, a in pads):
        return x
    backend = type(x)._bk
    if kind == "constant":
        if constant_values is not None:
            value = constant_values
        if isinstance(value, Tensor):
            value = value.item()
        v = _scalar_in(value, x._d)
        return _wrap(type(x), backend.pad(x._n, pads, v), x._d)
    if constant_values is not None or value != 0:
        raise ValueError(f"pad(): a value is only used by mode 'constant', not {mode!r}")
    from .creation import asarray_on

    shape = x.shape
    out = x._n
    for axis, (before, after) in enumerate(pads):
        if not (before or after):
            continue
        n = shape[axis]
        if n is None:
            raise ShapeError(f"pad(): mode {mode!r} needs the size of axis {axis} to be known")
        if n == 0:
            raise ShapeError(f"pad(): cannot extend the empty axis {axis} with mode {mode!r}")
        idx = _pad_positions(kind, n, before, after)
        positions = asarray_on(backend, idx, device=x.device)._n
        out = backend.take(out, positions, axis)
    return _wrap(type(x), out, x._d)


def _pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    arr = np.asarray(pad_width.numpy() if isinstance(pad_width, Tensor) else pad_width)
    if arr.size == 0 and arr.dtype.kind == "f":
        arr = arr.astype(np.int64)  # () for a 0-d tensor
    if arr.dtype.kind not in "iu":
        raise TypeError(f"pad(): pad_width must be integers, got {pad_width!r}")
    if ndim == 0:
        return ()  # nothing to pad (NumPy accepts any widths here too)
    try:
        arr = np.broadcast_to(arr, (ndim, 2))
    except ValueError:
        raise ShapeError(f"pad(): pad_width {pad_width!r} does not fit a tensor of {ndim} "
                         f"dimension{'s' if ndim != 1 else ''}") from None
    if (arr < 0).any():
        raise ValueError(f"pad(): pad widths must be non-negative, got {pad_width!r}")
    return tuple((int(b), int(a)) for b, a in arr)


def _pad_positions(kind: str, n: int, before: int, after: int) -> np.ndarray:
    """Source positions along an axis of size ``n`` for each position of the padded axis."""
    i = np.arange(-before, n + after, dtype=np.int64)
    if kind == "edge":
        return np.clip(i, 0, n - 1)
    if kind == "wrap":
        return i % n
    if kind == "symmetric":
        j = i % (2 * n)
        return np.where(j >= n, 2 * n - 1 - j, j)
    if n == 1:  # reflect
        return np.zeros_like(i)
    j = i % (2 * n - 2)
    return np.where(j >= n, 2 * n - 2 - j, j)
