"""Changing shape and arrangement: reshape, transpose, concatenate, stack, flip, roll...

Shapes and axes are validated here, with the same message on every backend; PyTorch's
spellings (``cat``, ``permute``, ``unsqueeze``, ``view``, ``dim=``) are accepted too.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from .. import dtypes as dt
from ..errors import AxisError, ShapeError, fmt_shape, normalize_axes, normalize_axis
from ..tensor import Tensor, _wrap
from ._dispatch import backend_of, to_tensor

__all__ = [
    "reshape", "view", "permute_dims", "permute", "transpose", "matrix_transpose",
    "expand_dims", "unsqueeze", "squeeze", "flatten", "broadcast_to", "broadcast_arrays",
    "concat", "cat", "stack", "unstack", "split", "flip", "roll", "tile", "repeat",
    "moveaxis", "swapaxes",
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


def reshape(x: Tensor, /, shape: int | Sequence[int], *more: int,
            copy: bool | None = None) -> Tensor:
    """``x`` with a new shape holding the same elements in row-major order; one
    dimension may be ``-1`` (inferred).  ``x.reshape(2, 3)`` also works.

    Example:
        >>> ut.reshape(ut.arange(6), (2, 3)).shape
        (2, 3)
    """
    x = _tensor("reshape", x)
    backend = type(x)._bk
    if more:
        shape = (shape, *more)
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(int(s) for s in shape)
    old = backend.shape(x._n)
    new = _resolve_shape(old, shape)
    if new == old and not copy:
        return x
    native = backend.reshape(x._n, new)
    if copy:
        native = backend.copy(native)
    return _wrap(type(x), native, x._d)


def _resolve_shape(old: tuple[int | None, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    if shape.count(-1) > 1:
        raise ShapeError(f"reshape(): only one dimension can be -1, got {fmt_shape(shape)}")
    if any(s < -1 for s in shape):
        raise ShapeError(f"reshape(): invalid shape {fmt_shape(shape)}")
    if any(s is None for s in old):
        return shape  # tracing with unknown dimensions: the framework checks
    total = math.prod(old)
    known = math.prod(s for s in shape if s != -1)
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


view = reshape


def permute_dims(x: Tensor, /, axes: Sequence[int], *more: int) -> Tensor:
    """Reorder the axes: output axis ``i`` is input axis ``axes[i]`` (a permutation of
    ``range(ndim)``; negative axes count from the end).

    Example:
        >>> ut.permute_dims(ut.ones((2, 3, 4)), (2, 0, 1)).shape
        (4, 2, 3)
    """
    x = _tensor("permute_dims", x)
    if more or isinstance(axes, int):
        axes = (axes, *more)
    ndim = x.ndim
    perm = tuple(normalize_axis(a, ndim) for a in axes)
    if sorted(perm) != list(range(ndim)):
        raise AxisError(f"permute_dims(): axes {tuple(axes)} are not a permutation of "
                        f"{ndim} axes")
    if perm == tuple(range(ndim)):
        return x
    return _wrap(type(x), type(x)._bk.permute_dims(x._n, perm), x._d)


permute = permute_dims


def transpose(x: Tensor, /, dim0: int | None = None, dim1: int | None = None) -> Tensor:
    """Swap axes ``dim0`` and ``dim1`` (PyTorch's ``transpose``); with neither given,
    reverse all axes (NumPy's and TensorFlow's ``transpose``).

    Example:
        >>> ut.transpose(ut.ones((2, 3, 4)), 0, 1).shape
        (3, 2, 4)
        >>> ut.transpose(ut.ones((2, 3, 4))).shape
        (4, 3, 2)
    """
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
    return _wrap(type(x), type(x)._bk.reshape(x._n, tuple(_known(shape))), x._d)


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
    new = [s for i, s in enumerate(shape) if i not in axes]
    return _wrap(type(x), type(x)._bk.reshape(x._n, tuple(_known(new))), x._d)


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


def broadcast_to(x: Tensor, /, shape: Sequence[int]) -> Tensor:
    """``x`` broadcast to ``shape`` (NumPy rules).

    Example:
        >>> ut.broadcast_to(ut.ones(3), (2, 3)).shape
        (2, 3)
    """
    from ..errors import broadcast_shapes

    x = _tensor("broadcast_to", x)
    shape = tuple(int(s) for s in shape)
    old = x.shape
    ok = len(shape) >= len(old)
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
    from ..errors import broadcast_shapes

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
    axis = _axis(axis, dim, 0)
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
    lead = (slice(None),) * ax
    return tuple(x[(*lead, i)] for i in range(n))


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
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size <= 0:
            raise ValueError(f"split(): split_size must be positive, got {size}")
        sizes = [size] * (n // size) + ([n % size] if n % size else [])
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if sum(sizes) != n or any(s < 0 for s in sizes):
            raise ShapeError(f"split(): sizes {sizes} do not add up to {n} along axis {ax}")
    lead = (slice(None),) * ax
    out, start = [], 0
    for s in sizes:
        out.append(x[(*lead, slice(start, start + s))])
        start += s
    return tuple(out)


def flip(x: Tensor, /, *, axis: int | Sequence[int] | None = None,
         dims: int | Sequence[int] | None = None) -> Tensor:
    """Reverse the order of elements along ``axis`` (all axes when ``None``).

    Example:
        >>> ut.flip(ut.arange(3))
        tensor([2, 1, 0], dtype=int64)
    """
    x = _tensor("flip", x)
    axis = _axis(axis, dims)
    axes = normalize_axes(axis, x.ndim)
    if not axes:
        return x
    return _wrap(type(x), type(x)._bk.flip(x._n, axes), x._d)


def roll(x: Tensor, /, shift: int | Sequence[int], *, axis: int | Sequence[int] | None = None,
         dims: int | Sequence[int] | None = None) -> Tensor:
    """Shift elements along ``axis``, wrapping around (``axis=None``: over the flattened
    tensor, keeping the shape).

    Example:
        >>> ut.roll(ut.arange(4), 1)
        tensor([3, 0, 1, 2], dtype=int64)
    """
    x = _tensor("roll", x)
    axis = _axis(axis, dims)
    backend = type(x)._bk
    if axis is None:
        shape = x.shape
        flat = reshape(x, (-1,))
        total = shift if isinstance(shift, int) else sum(shift)
        rolled = backend.roll(flat._n, (int(total),), (0,))
        return reshape(_wrap(type(x), rolled, x._d), shape)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    shifts = (shift,) * len(axes) if isinstance(shift, int) else tuple(shift)
    if len(shifts) != len(axes):
        raise ValueError(f"roll(): {len(shifts)} shifts for {len(axes)} axes")
    axes = tuple(normalize_axis(a, x.ndim) for a in axes)
    if not axes:
        return x
    return _wrap(type(x), backend.roll(x._n, tuple(int(s) for s in shifts), axes), x._d)


def tile(x: Tensor, /, repetitions: Sequence[int], *more: int) -> Tensor:
    """Repeat the whole tensor ``repetitions[i]`` times along axis ``i`` (shorter
    ``repetitions`` are padded with 1s in front; a longer one adds leading axes).

    Example:
        >>> ut.tile(ut.tensor([1, 2]), (2,))
        tensor([1, 2, 1, 2], dtype=int64)
    """
    x = _tensor("tile", x)
    if more or isinstance(repetitions, int):
        repetitions = (repetitions, *more)
    reps = tuple(int(r) for r in repetitions)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile(): repetitions must be non-negative, got {reps}")
    ndim = x.ndim
    if len(reps) > ndim:
        x = reshape(x, (1,) * (len(reps) - ndim) + x.shape)
    reps = (1,) * (x.ndim - len(reps)) + reps
    return _wrap(type(x), type(x)._bk.tile(x._n, reps), x._d)


def repeat(x: Tensor, /, repeats: int | Tensor, *, axis: int | None = None,
           dim: int | None = None) -> Tensor:
    """Repeat each element ``repeats`` times along ``axis`` (``None``: the flattened
    tensor).  ``repeats`` is an int or a 1-D integer tensor with one count per element.

    Example:
        >>> ut.repeat(ut.tensor([1, 2]), 2)
        tensor([1, 1, 2, 2], dtype=int64)
    """
    x = _tensor("repeat", x)
    axis = _axis(axis, dim)
    if axis is None:
        x = reshape(x, (-1,))
        axis = 0
    ax = normalize_axis(axis, x.ndim)
    backend = type(x)._bk
    if isinstance(repeats, Tensor) or not isinstance(repeats, int):
        r = to_tensor(repeats, backend)
        if r._d.kind not in "iu":
            from ..errors import DTypeError

            raise DTypeError(f"repeat(): repeats must be integers, got {r._d.name}")
        if r.ndim == 0:
            repeats = int(r.item())
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
    if repeats < 0:
        raise ValueError(f"repeat(): repeats must be non-negative, got {repeats}")
    return _wrap(type(x), backend.repeat(x._n, int(repeats), ax), x._d)
