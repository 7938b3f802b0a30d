"""unitorch's exceptions.

Every error that depends on the input (a shape that does not broadcast, a dtype an op
does not accept, an axis or index out of range, tensors of two backends mixed) is raised
by unitorch itself, with the same message on every backend, before the framework sees
the input.  Each class subclasses the built-in exception users already catch.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence

__all__ = [
    "UnitorchError", "ShapeError", "DTypeError", "AxisError", "IndexOutOfRangeError",
    "BackendMismatchError", "BackendNotAvailableError", "DeviceError", "LinAlgError",
    "OutOfMemoryError",
]


class UnitorchError(Exception):
    """Base class of every exception unitorch raises on purpose.

    Example:
        >>> try:
        ...     ut.ones((2, 3)) + ut.ones(4)
        ... except ut.UnitorchError as e:
        ...     print(type(e).__name__)
        ShapeError
    """


class ShapeError(UnitorchError, ValueError):
    """Shapes that do not fit together (broadcasting, matmul, reshape, concat...).

    Example:
        >>> ut.ones((2, 3)) + ut.ones(4)
        Traceback (most recent call last):
        ...
        unitorch.errors.ShapeError: add(): shapes (2, 3), (4,) cannot be broadcast together
    """


class DTypeError(UnitorchError, TypeError):
    """A dtype an operation does not accept, or an unknown dtype.

    Example:
        >>> ut.bitwise_and(ut.ones(2), ut.ones(2))
        Traceback (most recent call last):
        ...
        unitorch.errors.DTypeError: bitwise_and() expects integer or bool tensors, got float32
    """


class AxisError(UnitorchError, ValueError, IndexError):
    """An axis outside ``[-ndim, ndim)``, or repeated where axes must be unique.

    Example:
        >>> ut.sum(ut.ones((2, 3)), axis=2)
        Traceback (most recent call last):
        ...
        unitorch.errors.AxisError: axis 2 is out of bounds for a tensor of 2 dimensions
    """


class IndexOutOfRangeError(UnitorchError, IndexError):
    """An index outside the bounds of the axis it indexes.

    Example:
        >>> ut.arange(3)[5]
        Traceback (most recent call last):
        ...
        unitorch.errors.IndexOutOfRangeError: index 5 is out of bounds for axis 0 with size 3
    """


class BackendMismatchError(UnitorchError, TypeError):
    """Tensors of two different backends used in one operation.

    Example:
        >>> with ut.use_backend("torch"):
        ...     a = ut.ones(2)
        >>> with ut.use_backend("tensorflow"):
        ...     b = ut.ones(2)
        >>> a + b
        Traceback (most recent call last):
        ...
        unitorch.errors.BackendMismatchError: add() got tensors of two backends (torch and tensorflow); ...
    """


class BackendNotAvailableError(UnitorchError, ImportError):
    """An unknown backend name, or a backend whose framework is not installed.

    Example:
        >>> ut.set_backend("jax")
        Traceback (most recent call last):
        ...
        unitorch.errors.BackendNotAvailableError: unknown backend 'jax'; choose one of 'torch', 'tensorflow'
    """


class DeviceError(UnitorchError, ValueError):
    """An unknown device string, or a device the backend does not see.

    Example:
        >>> ut.zeros(2, device="tpu")
        Traceback (most recent call last):
        ...
        unitorch.errors.DeviceError: unknown device 'tpu'; expected 'cpu', 'gpu', 'gpu:N', 'cuda' or 'cuda:N'
    """


class LinAlgError(UnitorchError, ValueError):
    """A matrix the computation cannot handle, such as a singular matrix given to
    ``ut.linalg.inv`` or ``ut.linalg.solve`` (NumPy's and PyTorch's ``LinAlgError``).

    Example:
        >>> ut.linalg.inv(ut.zeros((2, 2)))
        Traceback (most recent call last):
        ...
        unitorch.errors.LinAlgError: inv(): a matrix is singular
    """


class OutOfMemoryError(UnitorchError, MemoryError):
    """A tensor too large for the memory of its device, or for any 64-bit machine
    (PyTorch raises ``RuntimeError`` or ``torch.OutOfMemoryError``, TensorFlow
    ``ResourceExhaustedError``).  A shape with more elements than an int64 can count is a
    :class:`ShapeError` instead.

    Example:
        >>> ut.zeros((2**60, 2), dtype=ut.float64)
        Traceback (most recent call last):
        ...
        unitorch.errors.OutOfMemoryError: zeros(): a float64 tensor of shape (1152921504606846976, 2) needs 2**64 bytes or more, more than a 64-bit machine can address
    """


def value_needed_message(what: str) -> str:
    """The message for reading a tensor's values (``what``: ``"float()"``, ``"item()"``,
    ``"numpy()"``...) while a function is being compiled, the same on every backend."""
    return (f"{what} of a tensor needs its value, which is unknown while the function is "
            "being compiled; use ut.where or tensor ops instead of Python control flow, "
            "and read values outside the compiled function (return them from it)")


BACKWARD_FREED = ("backward(): the recorded computation of this tensor was freed by an "
                  "earlier backward(); pass retain_graph=True to that backward() to "
                  "differentiate it again")
"""The message of a second ``backward()`` through a freed computation, on every backend."""


# A check compiled into a graph (Backend.check) carries the unitorch error it stands for
# in its message, between these markers, through the framework's own error type.
_CHECK_OPEN, _CHECK_CLOSE = "[unitorch ", " /unitorch]"


def check_message(error: type[Exception], message: str) -> str:
    """``message`` marked as standing for unitorch's ``error`` (see :func:`checked_error`)."""
    return f"{_CHECK_OPEN}{error.__name__}] {message}{_CHECK_CLOSE}"


def checked_error(exc: BaseException) -> UnitorchError | None:
    """The unitorch error a framework's run-time error stands for, when it comes from a
    check compiled into a graph (``Backend.check``), else ``None``."""
    text = str(exc)
    start = text.find(_CHECK_OPEN)
    end = text.find(_CHECK_CLOSE, start)
    if start < 0 or end < 0:
        return None
    name, _, message = text[start + len(_CHECK_OPEN):end].partition("] ")
    cls = globals().get(name)
    if not (isinstance(cls, type) and issubclass(cls, UnitorchError)):
        return None
    return cls(message)


def fmt_shape(shape: Sequence[int | None]) -> str:
    """Shapes print the same on every backend: ``(2, 3)``, ``()``, ``(None, 4)``."""
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _as_axis(axis: object, what: str) -> int:
    """An axis given as an int-like object (a NumPy integer, a 0-d integer tensor)."""
    try:
        return operator.index(axis)
    except (TypeError, ValueError):
        shape = getattr(axis, "shape", None)
        got = (f"a tensor of shape {fmt_shape(shape)}" if shape is not None
               else type(axis).__name__)
        raise TypeError(f"{what} must be an int or a tuple of ints, got {got}") from None


def normalize_axis(axis: int, ndim: int, what: str = "axis") -> int:
    """``axis`` as a non-negative index into ``ndim`` dimensions, or :class:`AxisError`."""
    if type(axis) is not int:
        axis = _as_axis(axis, what)
    if not -ndim <= axis < ndim:
        raise AxisError(
            f"{what} {axis} is out of bounds for a tensor of {ndim} dimension"
            + ("" if ndim == 1 else "s")
        )
    return axis + ndim if axis < 0 else axis


def normalize_axes(axis: int | Sequence[int] | None, ndim: int) -> tuple[int, ...]:
    """Axes as a sorted tuple of unique non-negative indices; ``None`` means all axes."""
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, int) or hasattr(axis, "__index__"):  # NumPy integers too
        return (normalize_axis(_as_axis(axis, "axis"), ndim),)
    if not isinstance(axis, (tuple, list)):
        _as_axis(axis, "axis")  # raises, naming what was given
    out = tuple(normalize_axis(_as_axis(a, "axis"), ndim) for a in axis)
    if len(set(out)) != len(out):
        raise AxisError(f"repeated axis in {tuple(axis)}")
    return tuple(sorted(out))


def broadcast_shapes(*shapes: Sequence[int | None]) -> tuple[int | None, ...]:
    """The NumPy broadcast of ``shapes``, or :class:`ShapeError` naming all of them.

    ``None`` (a dimension unknown while tracing a compiled function) broadcasts with
    anything and stays unknown unless the other size is known and not 1.
    """
    # (no max(..., default=): torch.compile cannot trace that keyword)
    ndim = max([0, *(len(s) for s in shapes)])
    out: list[int | None] = []
    for i in range(-ndim, 0):
        size: int | None = 1
        for s in shapes:
            if len(s) < -i:
                continue
            d = s[i]
            if d == 1:
                continue
            if d is None:
                size = None if size == 1 else size
            elif size in (1, None):
                size = d
            elif size != d:
                raise ShapeError(
                    "shapes " + ", ".join(fmt_shape(s) for s in shapes)
                    + " cannot be broadcast together"  # (NumPy's words, which clients match)
                )
        out.append(size)
    return tuple(out)
