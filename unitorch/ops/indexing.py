"""Indexing: ``x[key]``, ``x[key] = value``, take, take_along_axis, gather, one_hot.

``x[key]`` follows NumPy on every backend: integers, slices (any step, including
negative), ``None``, ``...``, integer tensors (they broadcast together; when separated
by a slice or ``None`` their axes go first) and boolean masks.  An index out of range
raises :class:`IndexOutOfRangeError` on every backend and device, never a silent zero.

``x[key] = value`` writes in place: a torch tensor or ``tf.Variable`` is updated in its
buffer, and a ``tf.Tensor`` (immutable) is replaced inside the unitorch Tensor, so every
reference to that Tensor sees the change.  Whether writing into a *view* (``v = x[0];
v[...] = 1``) also changes ``x`` depends on the backend (PyTorch: yes; TensorFlow: no),
as the Array API standard allows; do not rely on it.  The value is converted to
``x``'s dtype; with repeated indices, which write wins is unspecified.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import dtypes as dt
from ..errors import (
    DTypeError,
    IndexOutOfRangeError,
    ShapeError,
    fmt_shape,
    normalize_axis,
)
from ..tensor import TENSOR_TYPES, Tensor, _wrap
from ._dispatch import backend_of, check_kind, is_scalar, to_tensor

__all__ = ["getitem", "setitem", "take", "take_along_axis", "gather", "one_hot", "nonzero"]

_BASIC = {int, slice, type(None), type(Ellipsis)}


def _is_basic(key: Any) -> bool:
    t = type(key)
    if t is tuple:
        return all(type(k) in _BASIC for k in key)
    return t in _BASIC


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` with NumPy semantics (see the module docstring).

    Example:
        >>> x = ut.arange(6).reshape(2, 3)
        >>> x[:, ::-1]
        tensor([[2, 1, 0],
                [5, 4, 3]], dtype=int64)
    """
    t = type(x)
    if t in TENSOR_TYPES and _is_basic(key):
        try:
            native = x._n[key]
        except Exception:
            pass
        else:
            r = object.__new__(t)
            r._n = native
            r._d = x._d
            return r
    backend = t._bk
    norm = _normalize(x, key)
    return _wrap(t, backend.getitem(x._n, norm), x._d)


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value``: write ``value`` (converted to ``x``'s dtype, broadcast to the
    indexed shape) in place.

    Example:
        >>> x = ut.zeros(3)
        >>> x[1] = 5.
        >>> x
        tensor([0., 5., 0.], dtype=float32)
    """
    backend = type(x)._bk
    norm = _normalize(x, key)
    if is_scalar(value):
        if isinstance(value, (complex, np.complexfloating)) and x._d.kind != "c":
            raise DTypeError(f"cannot write a complex value into a {x._d.name} tensor")
        native_value = backend.full((), _scalar_in(value, x._d), x._d, backend.device(x._n))
    else:
        v = to_tensor(value, backend)
        if v._d.kind == "c" and x._d.kind != "c":
            raise DTypeError(f"cannot write {v._d.name} values into a {x._d.name} tensor")
        native_value = v._n if v._d is x._d else backend.cast(v._n, x._d)
    try:
        out = backend.setitem(x._n, norm, native_value)
    except Exception:
        target = tuple(backend.shape(backend.getitem(x._n, norm)))
        source = tuple(backend.shape(native_value))
        from ..errors import broadcast_shapes

        try:
            ok = broadcast_shapes(source, target) == target
        except ShapeError:
            ok = False
        if not ok:
            raise ShapeError(
                f"cannot assign a value of shape {fmt_shape(source)} to an indexed region "
                f"of shape {fmt_shape(target)}"
            ) from None
        raise
    if out is not x._n:
        x._n = out


def _scalar_in(value: Any, dtype: dt.DType) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if dtype.kind == "b":
        return bool(value)
    if dtype.kind in "iu":
        v = int(value)
        info = dt.iinfo(dtype)
        if not info.min <= v <= info.max:
            raise OverflowError(f"{value} is out of range for {dtype.name}")
        return v
    return value


def _index_tensor(backend, obj: Any) -> Tensor:
    if isinstance(obj, Tensor):
        return to_tensor(obj, backend)
    arr = np.asarray(obj)
    if arr.dtype.kind not in "biu":
        raise IndexError(
            f"only integers, slices, None, ..., and integer or boolean tensors are valid "
            f"indices, got {type(obj).__name__} of {arr.dtype}"
        )
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    from .creation import asarray_on

    return asarray_on(backend, arr)


def _normalize(x: Tensor, key: Any) -> tuple[Any, ...]:
    """The key in the contract's normalized form (see ``Backend.getitem``)."""
    backend = type(x)._bk
    shape = backend.shape(x._n)
    ndim = len(shape)
    if not isinstance(key, tuple):
        key = (key,)
    entries: list[Any] = []
    consumed = 0
    ellipsis = False
    for k in key:
        if k is Ellipsis:
            if ellipsis:
                raise IndexError("an index can only have a single ellipsis ('...')")
            ellipsis = True
            entries.append(k)
        elif k is None:
            entries.append(k)
        elif isinstance(k, (bool, np.bool_)):
            raise IndexError("Python booleans are not supported as indices; use a bool tensor")
        elif isinstance(k, (int, np.integer)):
            entries.append(int(k))
            consumed += 1
        elif isinstance(k, slice):
            for part in (k.start, k.stop, k.step):
                if part is not None and not isinstance(part, (int, np.integer, Tensor)):
                    raise IndexError(f"slice bounds must be integers or None, got {part!r}")
            entries.append(slice(*(int(p) if p is not None else None
                                   for p in (k.start, k.stop, k.step))))
            if k.step is not None and int(k.step) == 0:
                raise ValueError("slice step cannot be zero")
            consumed += 1
        else:
            t = _index_tensor(backend, k)
            if t._d is dt.bool:
                consumed += t.ndim
            elif t._d.kind in "iu":
                if t.ndim == 0 and not backend.is_compiling():
                    entries.append(int(t.item()))
                    consumed += 1
                    continue
                consumed += 1
            else:
                raise IndexError(f"tensors used as indices must be integer or bool, got "
                                 f"{t._d.name}")
            entries.append(t)
    if consumed > ndim:
        raise IndexError(
            f"too many indices for a tensor of {ndim} dimension{'s' if ndim != 1 else ''}: "
            f"{consumed} were indexed"
        )
    # expand the ellipsis (or pad at the end) with full slices
    fill = [slice(None)] * (ndim - consumed)
    if ellipsis:
        i = next(i for i, e in enumerate(entries) if e is Ellipsis)
        entries[i:i + 1] = fill
    else:
        entries += fill
    out: list[Any] = []
    axis = 0
    for e in entries:
        if e is None:
            out.append(None)
            continue
        if isinstance(e, int):
            n = shape[axis]
            if n is not None:
                if not -n <= e < n:
                    raise IndexOutOfRangeError(
                        f"index {e} is out of bounds for axis {axis} with size {n}"
                    )
                e = e + n if e < 0 else e
            out.append(e)
            axis += 1
        elif isinstance(e, slice):
            n = shape[axis]
            out.append(slice(*e.indices(n)) if n is not None else e)
            axis += 1
        elif e._d is dt.bool:
            mshape = e.shape
            target = shape[axis:axis + len(mshape)]
            if any(a is not None and b is not None and a != b for a, b in zip(mshape, target)):
                raise IndexError(
                    f"boolean index of shape {fmt_shape(mshape)} does not match the indexed "
                    f"axes {axis}..{axis + len(mshape) - 1} of shape {fmt_shape(shape)}"
                )
            if len(mshape) == 0:
                raise IndexError("0-d boolean indices are not supported")
            out.extend(backend.nonzero(e._n))
            axis += len(mshape)
        else:
            out.append(_checked_positions(backend, e, shape[axis], axis))
            axis += 1
    return tuple(out)


def _checked_positions(backend, index: Tensor, n: int | None, axis: int) -> Any:
    """An integer index tensor as non-negative int64 positions, bounds-checked."""
    native = backend.cast(index._n, dt.int64)
    if n is None:
        return native
    if not backend.is_compiling():
        arr = backend.to_numpy(native)
        if arr.size and (arr.min() < -n or arr.max() >= n):
            bad = arr[(arr < -n) | (arr >= n)].flat[0]
            raise IndexOutOfRangeError(
                f"index {bad} is out of bounds for axis {axis} with size {n}"
            )
        if arr.size and arr.min() >= 0:
            return native
    size = backend.full((), n, dt.int64, backend.device(native))
    zero = backend.full((), 0, dt.int64, backend.device(native))
    return backend.where(backend.less(native, zero), backend.add(native, size), native)


def _positions_along(op: str, x: Tensor, indices: Any, axis: int) -> Any:
    backend = type(x)._bk
    t = to_tensor(indices, backend)
    check_kind(op, t._d, "iu")
    return _checked_positions(backend, t, backend.shape(x._n)[axis], axis)


def take(x: Tensor, indices: Any, /, *, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (NumPy's ``take``; TensorFlow's
    ``gather``).  ``axis`` may be omitted for 1-D ``x``.  Negative indices count from the
    end; out-of-range ones raise :class:`IndexOutOfRangeError`.

    Example:
        >>> ut.take(ut.tensor([10, 20, 30]), ut.tensor([2, 0]))
        tensor([30, 10], dtype=int64)
    """
    backend = backend_of("take", x, indices)
    x = to_tensor(x, backend)
    if axis is None:
        if x.ndim != 1:
            from .manipulation import reshape

            x = reshape(x, (-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    positions = _positions_along("take", x, indices, ax)
    return _wrap(type(x), backend.take(x._n, positions, ax), x._d)


def take_along_axis(x: Tensor, indices: Any, /, *, axis: int = -1) -> Tensor:
    """``numpy.take_along_axis``: pick along ``axis`` with an index tensor of ``x``'s
    rank (the other axes broadcast).

    Example:
        >>> x = ut.tensor([[10, 30, 20]])
        >>> ut.take_along_axis(x, ut.argsort(x, axis=1), axis=1)
        tensor([[10, 20, 30]], dtype=int64)
    """
    backend = backend_of("take_along_axis", x, indices)
    x = to_tensor(x, backend)
    ax = normalize_axis(axis, x.ndim)
    idx = to_tensor(indices, backend)
    if idx.ndim != x.ndim:
        raise ShapeError(
            f"take_along_axis(): indices of shape {fmt_shape(idx.shape)} must have the rank of "
            f"x, shape {fmt_shape(x.shape)}"
        )
    from ..errors import broadcast_shapes

    xs, js = list(x.shape), list(idx.shape)
    xs[ax] = js[ax] = 1
    try:
        broadcast_shapes(xs, js)
    except ShapeError:
        raise ShapeError(
            f"take_along_axis(): indices of shape {fmt_shape(idx.shape)} do not broadcast "
            f"with x of shape {fmt_shape(x.shape)} outside axis {ax}"
        ) from None
    positions = _positions_along("take_along_axis", x, idx, ax)
    return _wrap(type(x), backend.take_along_axis(x._n, positions, ax), x._d)


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """PyTorch's ``gather(input, dim, index)``: :func:`take_along_axis` with PyTorch's
    argument order.  (TensorFlow's ``gather`` is :func:`take`.)

    Example:
        >>> ut.gather(ut.tensor([[1, 2], [3, 4]]), 1, ut.tensor([[1], [0]]))
        tensor([[2],
                [3]], dtype=int64)
    """
    return take_along_axis(x, index, axis=dim)


def nonzero(x: Tensor, /) -> tuple[Tensor, ...]:
    """int64 indices of the non-zero elements, one tensor per axis, in row-major order.

    Example:
        >>> ut.nonzero(ut.tensor([0, 3, 0, 4]))
        (tensor([1, 3], dtype=int64),)
    """
    x = to_tensor(x, backend_of("nonzero", x))
    if x.ndim == 0:
        raise ShapeError("nonzero() needs at least 1 dimension")
    backend = type(x)._bk
    mask = backend.cast(x._n, dt.bool)
    return tuple(_wrap(type(x), n, dt.int64) for n in backend.nonzero(mask))


def one_hot(x: Tensor, /, num_classes: int = -1, *, dtype: dt.DTypeLike | None = None,
            axis: int = -1) -> Tensor:
    """One-hot encoding of integer class indices: a new axis (last by default) of size
    ``num_classes`` (``-1``: ``max(x) + 1``).  The dtype is int64 as in PyTorch unless
    given (Keras returns float32: pass ``dtype=ut.float32``).  Indices outside
    ``[0, num_classes)`` raise :class:`IndexOutOfRangeError`.

    Example:
        >>> ut.one_hot(ut.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]], dtype=int64)
    """
    from .creation import arange
    from .manipulation import expand_dims

    backend = backend_of("one_hot", x)
    x = to_tensor(x, backend)
    check_kind("one_hot", x._d, "iu")
    d = dt.int64 if dtype is None else dt.as_dtype(dtype)
    if not backend.is_compiling():
        arr = x.numpy()
        if num_classes == -1:
            num_classes = int(arr.max()) + 1 if arr.size else 0
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            bad = arr[(arr < 0) | (arr >= num_classes)].flat[0]
            raise IndexOutOfRangeError(
                f"one_hot(): class index {bad} is outside [0, {num_classes})"
            )
    elif num_classes == -1:
        raise ValueError("one_hot() needs num_classes while compiling")
    ax = normalize_axis(axis, x.ndim + 1)
    classes = arange(num_classes, device=x.device)
    shape = [1] * (x.ndim + 1)
    shape[ax] = num_classes
    classes = classes.reshape(tuple(shape))
    hot = expand_dims(x.astype(dt.int64, copy=False), axis=ax) == classes
    return hot.astype(d)
