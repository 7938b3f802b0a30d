"""Indexing: ``x[key]``, ``x[key] = value``, take, take_along_axis, gather, nonzero, one_hot.

``x[key]`` follows NumPy on every backend: integers (negative count from the end),
slices (any step, including negative; bounds outside the axis are clipped), ``None``,
``...``, integer arrays (lists, NumPy arrays, integer tensors: they broadcast together
and, when separated by a slice, ``None`` or ``...``, their axes go first, otherwise they
replace the indexed axes in place) and boolean masks (covering one or more axes,
exactly their shape), including 0-d ones: ``True``, ``False``, ``np.True_`` or a 0-d
boolean tensor adds an axis of length 1 (true) or 0 (false) where it stands, as in
NumPy: it is a 1-element mask over that new axis, so it broadcasts with index arrays
(``x[[0, 1], True]`` has shape ``(2, ...)``) and moves their axes like any mask.
Integers count as 0-d index arrays when the key has arrays, as in NumPy (PyTorch on its own treats them as basic indices, which moves axes
differently: ``x[0, :, [1, 2]]`` has shape ``(2, 3)`` here and in NumPy, ``(3, 2)`` in
PyTorch).  Bad keys raise the same exception, with the same message, on every backend:

* an integer (or integer array element) outside ``[-size, size)``:
  :class:`IndexOutOfRangeError`, on every device, never a silent zero or clamp;
* more indices than axes, a second ``...``, a float or other non-index object, a mask
  whose shape differs from the axes it covers (a mask axis of size 0 matches any size,
  as in NumPy): ``IndexError``;
* a slice step of zero: ``ValueError``.

Integer arrays of any integer dtype index, ``uint8`` included (old PyTorch read a
``uint8`` tensor as a mask).  An ``...`` between index arrays separates them even when
it stands for no axis, as in NumPy.  An empty list is an empty integer index, as in
NumPy.

Differences from NumPy: ``x[key]`` may share memory with ``x`` where NumPy returns a
view, depending on the backend (PyTorch: yes for basic keys with positive steps;
TensorFlow: never); do not write through the result.

``x[key] = value`` writes in place: a torch tensor or ``tf.Variable`` is updated in its
buffer, and a ``tf.Tensor`` (immutable) is replaced inside the unitorch Tensor, so every
reference to that Tensor sees the change.  A torch tensor made by ``broadcast_to``
(whose elements share memory) is copied first, likewise replaced.  Whether writing into
a *view* (``v = x[0]; v[...] = 1``) also changes ``x`` depends on the backend (PyTorch:
yes; TensorFlow: no), as the Array API standard allows; do not rely on it.  The value is
converted to ``x``'s dtype as :func:`unitorch.astype` converts (a complex value into a
real tensor raises :class:`DTypeError`; a Python number outside an integer dtype's
range, ``OverflowError``), and must broadcast to the indexed shape after
dropping leading axes of size 1 (NumPy's rule), else :class:`ShapeError`.  With
repeated indices, which write wins is unspecified.

Inside a compiled function, where index values cannot be read while tracing, an index
tensor along an axis of known size is checked by a check compiled into the function:
when it runs, an out-of-range index raises :class:`IndexOutOfRangeError` (see
:func:`unitorch.compile`), with a message that cannot show the index.  Along an axis of
unknown size (a TensorFlow trace with ``None`` dimensions) TensorFlow's own kernels
decide: its CPU kernels raise, its GPU kernels give zeros.  Negative index tensors are
wrapped only along axes of known size.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, check_kind, check_range_compiled, is_scalar, to_tensor
from .._views import track, write
from ..errors import (
    DTypeError,
    IndexOutOfRangeError,
    ShapeError,
    broadcast_shapes,
    fmt_shape,
    normalize_axis,
)
from ..tensor import TENSOR_TYPES, Tensor, _wrap

__all__ = ["getitem", "setitem", "take", "take_along_axis", "gather", "one_hot", "nonzero"]

_BASIC = frozenset({int, slice, type(None), type(Ellipsis)})
_BASIC_GETITEM: dict[type, Any] = {}  # Tensor type -> its backend's basic_getitem
_new = object.__new__


def _is_basic(key: Any) -> bool:
    """True for keys of ints, slices of ints, ``None`` and at most one ``...``: the keys
    whose native indexing (``native[key]``) agrees with NumPy wherever it does not raise
    (torch refuses negative steps; both frameworks refuse out-of-range ints and too many
    indices; torch alone accepts several ``...``, hence the count)."""
    t = type(key)
    if t is slice:  # the common key first
        start, stop, step = key.start, key.stop, key.step
        return ((start is None or type(start) is int) and (stop is None or type(stop) is int)
                and (step is None or type(step) is int))
    if t is tuple:
        ellipsis = False
        for k in key:
            tk = type(k)
            if tk is slice:
                if not _int_slice(k):
                    return False
            elif tk not in _BASIC:
                return False
            elif k is Ellipsis:
                if ellipsis:
                    return False
                ellipsis = True
        return True
    return t in _BASIC


def _int_slice(s: slice) -> bool:
    start, stop, step = s.start, s.stop, s.step
    return ((start is None or type(start) is int) and (stop is None or type(stop) is int)
            and (step is None or type(step) is int))


def getitem(x: Tensor, key: Any) -> Tensor:
    """``x[key]`` with NumPy semantics (see the module docstring).  The dtype is
    ``x``'s; the shape is NumPy's for the same key.

    Example:
        >>> x = ut.arange(6).reshape(2, 3)
        >>> x[:, ::-1]
        tensor([[2, 1, 0],
                [5, 4, 3]], dtype=int64)
        >>> x[[1, 0], [0, 2]]
        tensor([3, 2], dtype=int64)
    """
    t = type(x)
    basic = _BASIC_GETITEM.get(t)
    if basic is None:
        if t in TENSOR_TYPES:
            _BASIC_GETITEM[t] = t._bk.basic_getitem
            return getitem(x, key)
        x = to_tensor(x, backend_of("getitem", x))
        t = type(x)
    else:
        tk = type(key)
        if tk is slice:  # the commonest key, checked here (as _is_basic does)
            start, stop, step = key.start, key.stop, key.step
            fast = ((start is None or type(start) is int)
                    and (stop is None or type(stop) is int)
                    and (step is None or type(step) is int))
        else:
            fast = tk is int or _is_basic(key)
        if fast:
            # The framework's own basic indexing is NumPy's wherever it does not raise
            # (checked by tests/test_indexing.py); on any error, the full path below
            # decides.
            try:
                native = basic(x._n, key)
            except Exception:
                pass
            else:
                r = _new(t)
                r._n = native
                r._d = x._d
                if not t._bk.slices_share_memory and _forward(key):
                    track(r, x, key)  # a view of x on a backend whose slices are copies
                return r
    backend = t._bk
    try:
        norm, move = _normalize(x, key)
    except _ZeroDimBool:
        inner, outer = _bool_axes(x, key)
        return getitem(getitem(x, outer), inner)
    out = backend.getitem(x._n, norm)
    if move is not None:
        out = backend.permute_dims(out, _front(len(backend.shape(out)), *move))
    r = _wrap(t, out, x._d)
    if not backend.slices_share_memory and _basic_forward(norm):
        track(r, x, norm, normalized=True)
    return r


def _forward(key: Any) -> bool:
    """Whether a basic key has no slice with a negative step (such a slice is a copy on
    every backend: PyTorch cannot view memory backwards)."""
    t = type(key)
    if t is slice:
        return key.step is None or key.step > 0
    if t is tuple:
        return all(type(k) is not slice or k.step is None or k.step > 0 for k in key)
    return True


def _basic_forward(norm: tuple[Any, ...]) -> bool:
    """Whether a normalized key is basic (no index tensors) with no negative step."""
    return all(k is None or type(k) is int
               or (type(k) is slice and (k.step is None or k.step > 0)) for k in norm)


def normalized_key(x: Tensor, key: Any) -> tuple[Any, ...]:
    """A basic ``key`` of ``x`` in the contract's normalized form (for writing a view's
    values back into ``x``: see :mod:`unitorch._views`)."""
    return _normalize(x, key)[0]


def _front(ndim: int, at: int, n: int) -> tuple[int, ...]:
    """The permutation moving axes ``at..at+n`` to the front."""
    return (*range(at, at + n), *range(at), *range(at + n, ndim))


def _back(ndim: int, at: int, n: int) -> tuple[int, ...]:
    """The inverse of ``_front``: the first ``n`` axes moved to ``at``."""
    return (*range(n, n + at), *range(n), *range(n + at, ndim))


def setitem(x: Tensor, key: Any, value: Any) -> None:
    """``x[key] = value``: write ``value`` (converted to ``x``'s dtype, broadcast to the
    indexed shape) in place; see the module docstring.

    Example:
        >>> x = ut.zeros(3)
        >>> x[1] = 5.
        >>> x[[0, 2]] = ut.tensor([7., 8.])
        >>> x
        tensor([7., 5., 8.], dtype=float32)
    """
    if not isinstance(x, Tensor):
        raise TypeError(f"setitem() needs a unitorch Tensor, got {type(x).__name__}")
    backend = type(x)._bk
    if backend.requires_grad(x._n) and backend.is_grad_enabled() and backend.is_leaf(x._n):
        # PyTorch's autograd rule, on every backend (see ops/pytorch/inplace.py)
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in "
                           "an in-place operation.")
    try:
        norm, move = _normalize(x, key)
    except _ZeroDimBool:
        # write into the view of x with the new axes: the write reaches x
        inner, outer = _bool_axes(x, key)
        setitem(getitem(x, outer), inner, value)
        return
    if is_scalar(value):
        native_value = backend.full((), _scalar_in(value, x._d), x._d, backend.device(x._n))
    else:
        v = to_tensor(value, backend)
        if v._d.kind == "c" and x._d.kind != "c":
            raise DTypeError(f"cannot write {v._d.name} values into a {x._d.name} tensor")
        native_value = v._n if v._d is x._d else backend.cast(v._n, x._d)
        target = _indexed_shape(backend, backend.shape(x._n), norm)
        if move is not None:  # the value is laid out as NumPy's result, target as ours
            target = tuple(target[i] for i in _front(len(target), *move))
        source = backend.shape(native_value)
        fitted = _fit_value_shape(source, target)
        if fitted != source:
            native_value = backend.reshape(native_value, fitted)
        if move is not None and len(fitted):
            native_value = backend.broadcast_to(native_value, target)
            native_value = backend.permute_dims(native_value, _back(len(target), *move))
    # under the lock of x's family: TensorFlow's setitem makes a new tensor from the
    # current one, and a concurrent writer must not start from the values before it
    write(x, lambda native: backend.setitem(native, norm, native_value))


def _fit_value_shape(source: tuple[int | None, ...], target: tuple[int | None, ...]
                     ) -> tuple[int | None, ...]:
    """``source`` without the leading size-1 axes it has beyond ``target``'s rank, or
    :class:`ShapeError` if it does not broadcast to ``target``."""
    fitted = source
    while len(fitted) > len(target) and fitted[0] == 1:
        fitted = fitted[1:]
    ok = len(fitted) <= len(target) and all(
        v == 1 or v is None or t is None or v == t
        for v, t in zip(fitted[::-1], target[::-1])
    )
    if not ok:
        raise ShapeError(
            f"cannot assign a value of shape {fmt_shape(source)} to an indexed region "
            f"of shape {fmt_shape(target)}"
        )
    return fitted


def _scalar_in(value: Any, dtype: dt.DType) -> Any:
    """A Python scalar ``value`` converted to ``dtype`` as ``astype`` converts."""
    if isinstance(value, np.generic):
        value = value.item()
    kind = dtype.kind
    if isinstance(value, complex) and kind != "c":
        raise DTypeError(f"cannot write a complex value into a {dtype.name} tensor")
    if kind == "b":
        return bool(value)
    if kind in "iu":
        if isinstance(value, float):
            if not math.isfinite(value):
                raise ValueError(f"cannot write {value} into a {dtype.name} tensor")
            value = math.trunc(value)
        v = int(value)
        info = dt.iinfo(dtype)
        if not info.min <= v <= info.max:
            raise OverflowError(f"{value} is out of range for {dtype.name}")
        return v
    if kind == "f":
        return float(value)
    return complex(value)


# ---------------------------------------------------------------------------------------
# key normalization


def _index_tensor(backend, obj: Any, device: Any) -> Tensor:
    """An array-like index (list, tuple, NumPy array, tensor) as a Tensor, or IndexError."""
    if isinstance(obj, Tensor) or isinstance(obj, backend.native_types):
        t = to_tensor(obj, backend)
        if t._d.kind not in "biu":
            raise IndexError(_BAD_ARRAY.format(t._d.name))
        return t
    if isinstance(obj, (list, tuple)) and _empty_sequence(obj):
        arr = np.zeros(np.shape(obj), np.int64)  # NumPy: an empty list is an int index
    else:
        try:
            arr = np.asarray(obj)
        except Exception:
            arr = None
        if arr is None or arr.dtype.kind not in "biu":
            if arr is not None and isinstance(obj, (list, tuple, np.ndarray)):
                raise IndexError(_BAD_ARRAY.format(arr.dtype))
            raise IndexError(
                "only integers, slices, None, ..., and integer or boolean arrays are valid "
                f"indices, got {type(obj).__name__}"
            )
    if arr.dtype.kind in "iu":
        arr = arr.astype(np.int64)
    from .creation import asarray_on

    return asarray_on(backend, arr, device=device)


_BAD_ARRAY = "arrays used as indices must be of integer or boolean type, got {}"


def _empty_sequence(obj: Any) -> bool:
    if isinstance(obj, (list, tuple)):
        return all(_empty_sequence(o) for o in obj)
    return False


def _slice_part(p: Any) -> int | None:
    if p is None:
        return None
    if isinstance(p, (bool, np.bool_)):
        return int(p)
    try:
        return operator.index(p)
    except TypeError:
        raise IndexError(f"slice indices must be integers or None, got {p!r}") from None


def _normalize(x: Tensor, key: Any) -> tuple[tuple[Any, ...], tuple[int, int] | None]:
    """The key in the contract's normalized form (see ``Backend.getitem``): one entry per
    axis of ``x`` plus ``None``s; ints non-negative and in range; slices with unambiguous
    bounds (non-negative ``start``; ``stop`` non-negative or ``None``); masks replaced by
    their ``nonzero`` positions; index tensors int64, non-negative and in range.

    Also ``move``: ``None``, or ``(at, n)`` when NumPy puts the ``n`` broadcast axes of
    the index arrays first but the normalized key has them in place at axis ``at``.
    That happens when the only thing separating the index arrays is an ``...`` that
    stands for no axis, which NumPy counts as a separator."""
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
            raise _ZeroDimBool
        elif isinstance(k, (int, np.integer)):
            entries.append(int(k))
            consumed += 1
        elif isinstance(k, slice):
            start, stop, step = (_slice_part(p) for p in (k.start, k.stop, k.step))
            if step == 0:
                raise ValueError("slice step cannot be zero")
            entries.append(slice(start, stop, step))
            consumed += 1
        else:
            t = _index_tensor(backend, k, backend.device(x._n))
            if t._d is dt.bool:
                if t.ndim == 0:
                    raise _ZeroDimBool
                consumed += t.ndim
            elif t.ndim == 0 and not backend.is_compiling():
                entries.append(int(t.item()))
                consumed += 1
                continue
            else:
                consumed += 1
            entries.append(t)
    if consumed > ndim:
        raise IndexError(
            f"too many indices for a tensor of {ndim} dimension{'s' if ndim != 1 else ''}: "
            f"{consumed} were indexed"
        )
    separated_by_empty_ellipsis = False
    if ellipsis and consumed == ndim and any(isinstance(e, Tensor) for e in entries):
        adv = [i for i, e in enumerate(entries) if isinstance(e, (int, Tensor))]
        if adv != list(range(adv[0], adv[0] + len(adv))):
            adv = [i for i, e in enumerate(e for e in entries if e is not Ellipsis)
                   if isinstance(e, (int, Tensor))]
            separated_by_empty_ellipsis = adv == list(range(adv[0], adv[0] + len(adv)))
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
            out.append(_canonical_slice(e, n) if n is not None else e)
            axis += 1
        elif e._d is dt.bool:
            mshape = e.shape
            target = shape[axis:axis + len(mshape)]
            # NumPy lets a mask axis of size 0 stand for an axis of any size
            if any(a is not None and b is not None and a != b and a != 0
                   for a, b in zip(mshape, target)):
                raise IndexError(
                    f"boolean index of shape {fmt_shape(mshape)} does not match the indexed "
                    f"axes {axis}..{axis + len(mshape) - 1} of shape {fmt_shape(shape)}"
                )
            out.extend(backend.nonzero(e._n))
            axis += len(mshape)
        else:
            out.append(_checked_positions(backend, e, shape[axis], axis))
            axis += 1
    arrays = [backend.shape(e) for e in out if e is not None and not isinstance(e, (int, slice))]
    move = None
    if arrays:
        try:
            b = broadcast_shapes(*arrays)
        except ShapeError:
            raise IndexError(
                "shape mismatch: index arrays (boolean masks count by their number of true "
                "elements) could not be broadcast together with shapes "
                + ", ".join(fmt_shape(a) for a in arrays)
            ) from None
        if separated_by_empty_ellipsis:
            at = next(i for i, e in enumerate(out) if e is not None
                      and not isinstance(e, slice))
            if at and b:
                move = (at, len(b))
    return tuple(out), move


class _ZeroDimBool(Exception):
    """Raised by ``_normalize`` for a key holding a 0-d boolean index (handled with
    :func:`_bool_axes`, off the common path)."""


def _bool_axes(x: Tensor, key: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """NumPy's reading of 0-d boolean indices: ``(inner, outer)``, where the basic key
    ``outer`` gives ``x`` a new axis of size 1 where each 0-d boolean stands (``None``
    there, full slices for the axes the other entries consume), and ``inner`` is the key
    for that expanded tensor, each 0-d boolean replaced by a 1-element mask."""
    backend = type(x)._bk
    device = backend.device(x._n)
    if not isinstance(key, tuple):
        key = (key,)
    inner: list[Any] = []
    outer: list[Any] = []
    for k in key:
        if k is Ellipsis:
            inner.append(k)
            outer.append(k)
        elif k is None:
            inner.append(k)
        elif isinstance(k, (bool, np.bool_)):
            from .creation import asarray_on

            inner.append(asarray_on(backend, np.array([bool(k)]), device=device))
            outer.append(None)
        elif isinstance(k, (int, np.integer, slice)):
            inner.append(k)
            outer.append(slice(None))
        else:
            t = _index_tensor(backend, k, device)
            if t._d is dt.bool and t.ndim == 0:
                inner.append(_wrap(type(t), backend.reshape(t._n, (1,)), dt.bool))
                outer.append(None)
            else:
                inner.append(t)
                outer += [slice(None)] * (t.ndim if t._d is dt.bool else 1)
    return tuple(inner), tuple(outer)


def _canonical_slice(s: slice, n: int) -> slice:
    """``s`` on an axis of size ``n`` with bounds every framework reads the same way."""
    start, stop, step = s.indices(n)
    if len(range(start, stop, step)) == 0:
        return slice(0, 0, 1)
    if step < 0 and stop < 0:
        return slice(start, None, step)  # -1 here means "through index 0", not "last"
    return slice(start, stop, step)


def _slice_len(s: slice, n: int | None) -> int | None:
    if n is None:
        return None
    if s.stop is None and s.step is not None and s.step < 0 and s.start is not None:
        return len(range(s.start, -1, s.step))
    return len(range(*s.indices(n)))


def _indexed_shape(backend, shape: Sequence[int | None], key: tuple[Any, ...]
                   ) -> tuple[int | None, ...]:
    """The shape ``getitem(x, key)`` has, for a normalized ``key`` (NumPy's rules)."""
    out: list[int | None] = []
    adv_shapes: list[tuple[int | None, ...]] = []
    adv_keypos: list[int] = []
    insert = 0
    axis = 0
    for i, k in enumerate(key):
        if k is None:
            out.append(1)
            continue
        if isinstance(k, slice):
            out.append(_slice_len(k, shape[axis]))
        else:
            if not adv_keypos:
                insert = len(out)
            adv_keypos.append(i)
            adv_shapes.append(() if isinstance(k, int) else tuple(backend.shape(k)))
        axis += 1
    if all(isinstance(key[i], int) for i in adv_keypos):
        return tuple(out)  # no index tensor: basic indexing drops the ints' axes
    b = list(broadcast_shapes(*adv_shapes))
    adjacent = adv_keypos == list(range(adv_keypos[0], adv_keypos[0] + len(adv_keypos)))
    if not adjacent:
        insert = 0
    return tuple(out[:insert] + b + out[insert:])


def _checked_positions(backend, index: Tensor, n: int | None, axis: int) -> Any:
    """An integer index tensor as non-negative int64 positions, bounds-checked."""
    native = backend.cast(index._n, dt.int64)
    if n is None:
        return native
    if backend.is_compiling():
        native = check_range_compiled(
            backend, native, -n, n, f"an index is out of bounds for axis {axis} with size {n}")
    else:
        arr = backend.to_numpy(native)
        if arr.size == 0:
            return native
        low, high = arr.min(), arr.max()
        if low < -n or high >= n:
            bad = arr[(arr < -n) | (arr >= n)].flat[0]
            raise IndexOutOfRangeError(
                f"index {bad} is out of bounds for axis {axis} with size {n}"
            )
        if low >= 0:
            return native
    size = backend.full((), n, dt.int64, backend.device(native))
    zero = backend.full((), 0, dt.int64, backend.device(native))
    return backend.where(backend.less(native, zero), backend.add(native, size), native)


# ---------------------------------------------------------------------------------------
# take, take_along_axis, gather


def _positions_along(op: str, x: Tensor, indices: Any, axis: int) -> Any:
    backend = type(x)._bk
    t = to_tensor(indices, backend)
    check_kind(op, t._d, "iu")
    return _checked_positions(backend, t, backend.shape(x._n)[axis], axis)


def take(x: Tensor, indices: Any, /, *, axis: int | None = None) -> Tensor:
    """Elements of ``x`` at ``indices`` along ``axis`` (NumPy's ``take``; TensorFlow's
    ``gather``): the indexed axis is replaced by the axes of ``indices`` (an integer
    tensor, list or int).  ``axis=None`` indexes the flattened ``x``.  Negative indices
    count from the end; out-of-range ones raise :class:`IndexOutOfRangeError`.  The dtype
    is ``x``'s.

    Example:
        >>> ut.take(ut.tensor([10, 20, 30]), ut.tensor([2, -3]))
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


def take_along_axis(x: Tensor, indices: Any, /, *, axis: int | None = -1) -> Tensor:
    """``numpy.take_along_axis``: pick along ``axis`` with an integer index tensor of
    ``x``'s rank; the other axes of ``x`` and ``indices`` broadcast.  ``axis=None``:
    1-D ``indices`` into the flattened ``x``.  Negative indices count from the end;
    out-of-range ones raise :class:`IndexOutOfRangeError`.  The dtype is ``x``'s.

    Example:
        >>> x = ut.tensor([[10, 30, 20]])
        >>> ut.take_along_axis(x, ut.argsort(x, axis=1), axis=1)
        tensor([[10, 20, 30]], dtype=int64)
    """
    backend = backend_of("take_along_axis", x, indices)
    x = to_tensor(x, backend)
    idx = to_tensor(indices, backend)
    check_kind("take_along_axis", idx._d, "iu")
    if axis is None:
        from .manipulation import reshape

        if idx.ndim != 1:
            raise ShapeError(f"take_along_axis(): with axis=None, indices must be 1-D, got "
                             f"shape {fmt_shape(idx.shape)}")
        x = reshape(x, (-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    if idx.ndim != x.ndim:
        raise ShapeError(
            f"take_along_axis(): indices of shape {fmt_shape(idx.shape)} must have the rank of "
            f"x, shape {fmt_shape(x.shape)}"
        )
    xs, js = list(x.shape), list(idx.shape)
    xs[ax] = js[ax] = 1
    try:
        broadcast_shapes(xs, js)
    except ShapeError:
        raise ShapeError(
            f"take_along_axis(): indices of shape {fmt_shape(idx.shape)} do not broadcast "
            f"with x of shape {fmt_shape(x.shape)} outside axis {ax}"
        ) from None
    positions = _checked_positions(backend, idx, backend.shape(x._n)[ax], ax)
    return _wrap(type(x), backend.take_along_axis(x._n, positions, ax), x._d)


def gather(x: Tensor, dim: int, index: Any) -> Tensor:
    """PyTorch's ``gather(input, dim, index)``: ``out[i][j][k] = x[index[i][j][k]][j][k]``
    for ``dim=0``, and so on.  ``index`` has ``x``'s rank and, on the axes other than
    ``dim``, sizes no larger than ``x``'s (only the leading part of ``x`` is read; no
    broadcasting, unlike :func:`take_along_axis`).  The result has ``index``'s shape and
    ``x``'s dtype.  (TensorFlow's ``gather`` is :func:`take`.)

    Example:
        >>> ut.gather(ut.tensor([[1, 2], [3, 4]]), 1, ut.tensor([[1], [0]]))
        tensor([[2],
                [3]], dtype=int64)
    """
    if isinstance(dim, Tensor) or not hasattr(dim, "__index__"):
        got = f"a tensor of shape {fmt_shape(dim.shape)}" if isinstance(dim, Tensor) else \
            type(dim).__name__
        raise TypeError(f"gather(): dim must be an int, got {got}; the arguments are "
                        "gather(x, dim, index), the index last (PyTorch's order)")
    backend = backend_of("gather", x, index)
    x = to_tensor(x, backend)
    idx = to_tensor(index, backend)
    check_kind("gather", idx._d, "iu")
    ax = normalize_axis(dim, x.ndim, "dim")
    xs, js = x.shape, idx.shape
    if len(js) != len(xs) or any(
            j is not None and s is not None and j > s for a, (j, s) in enumerate(zip(js, xs))
            if a != ax):
        raise ShapeError(
            f"gather(): index of shape {fmt_shape(js)} must have the rank of x, shape "
            f"{fmt_shape(xs)}, and no larger sizes outside dim {ax}"
        )
    if any(j != s for a, (j, s) in enumerate(zip(js, xs)) if a != ax):
        x = getitem(x, tuple(slice(None) if a == ax else slice(0, j)
                             for a, j in enumerate(js)))
    return take_along_axis(x, idx, axis=ax)


# ---------------------------------------------------------------------------------------
# nonzero, one_hot


def nonzero(x: Tensor, /) -> tuple[Tensor, ...]:
    """int64 indices of the non-zero (true) elements, one tensor per axis, in row-major
    order (NaN counts as non-zero; a complex number is zero when both parts are).  0-d
    input raises :class:`ShapeError`, as the Array API standard requires.

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
    ``num_classes`` (``-1``: ``max(x) + 1``, 0 for an empty ``x``).  The dtype is int64
    as in PyTorch unless given (Keras returns float32: pass ``dtype=ut.float32``).
    Indices outside ``[0, num_classes)`` raise :class:`IndexOutOfRangeError`, also in a
    compiled function (when it runs, from a check compiled into it).

    Example:
        >>> ut.one_hot(ut.tensor([0, 2]), 3)
        tensor([[1, 0, 0],
                [0, 0, 1]], dtype=int64)
    """
    from .creation import asarray_on
    from .manipulation import expand_dims

    backend = backend_of("one_hot", x)
    x = to_tensor(x, backend)
    check_kind("one_hot", x._d, "iu")
    d = dt.int64 if dtype is None else dt.as_dtype(dtype)
    num_classes = operator.index(num_classes)
    if num_classes < -1:
        raise ValueError(f"one_hot(): num_classes must be -1 or non-negative, got {num_classes}")
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
    else:
        checked = check_range_compiled(backend, backend.cast(x._n, dt.int64), 0, num_classes,
                                       f"one_hot(): a class index is outside [0, {num_classes})")
        x = _wrap(type(x), checked, dt.int64)
    ax = normalize_axis(axis, x.ndim + 1)
    shape = [1] * (x.ndim + 1)
    shape[ax] = num_classes
    classes = asarray_on(backend, np.arange(num_classes, dtype=np.int64).reshape(shape),
                         device=x.device)
    hot = expand_dims(x.astype(dt.int64, copy=False), axis=ax) == classes
    return hot.astype(d)
