"""Native in, native out: library functions written once against unitorch that take and
return their caller's own arrays.

A library author writes the body with unitorch and decorates it with :func:`native_io`;
a PyTorch user passes and gets ``torch.Tensor``s, a TensorFlow user ``tf.Tensor``s, a
NumPy user NumPy arrays, and a unitorch user unitorch tensors.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from .backends import Backend, backend_of_native, current, use_backend
from .errors import BackendMismatchError
from .tensor import Tensor

__all__ = ["native_io"]

F = TypeVar("F", bound=Callable[..., Any])

_FRAMEWORKS = ("torch", "tensorflow")


def _walk(obj: Any, visit: Callable[[Any], Any]) -> Any:
    """``obj`` with ``visit`` applied to every leaf inside lists, tuples (named ones too)
    and dicts; containers are rebuilt only where a leaf changed."""
    t = type(obj)
    if t is tuple or t is list or isinstance(obj, (list, tuple)):
        changed = False
        items = []
        for v in obj:
            w = _walk(v, visit)
            changed = changed or w is not v
            items.append(w)
        if not changed:
            return obj
        if t is tuple or t is list:
            return t(items)
        if hasattr(obj, "_fields"):  # a namedtuple
            return t(*items)
        return t(items)
    if isinstance(obj, dict):
        changed = False
        out = {}
        for k, v in obj.items():
            w = out[k] = _walk(v, visit)
            changed = changed or w is not v
        if not changed:
            return obj
        return out if t is dict else t(out)
    return visit(obj)


_BY_TYPE: dict[type, Backend | None] = {}  # native type -> its backend (None: not native)


def _native_backend(obj: Any) -> Backend | None:
    """The backend whose framework made ``obj`` (a ``torch.Tensor``, ``tf.Tensor`` or
    ``tf.Variable``), or ``None``; asks only when ``obj``'s type is from one of them."""
    t = type(obj)
    try:
        return _BY_TYPE[t]
    except KeyError:
        pass
    if t.__module__.partition(".")[0] not in _FRAMEWORKS:
        found = None
    else:
        found = backend_of_native(obj)
    _BY_TYPE[t] = found
    return found


class _Inputs:
    """What a call's arguments hold: the native kind (``torch``, ``tensorflow`` or
    ``numpy``; at most one) and the backend of any unitorch tensors among them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.native: str | None = None
        self.native_backend: Backend | None = None
        self.tensor_backend: Backend | None = None

    def note(self, leaf: Any) -> Any:
        if isinstance(leaf, Tensor):
            b = type(leaf)._bk
            if self.tensor_backend is not None and b is not self.tensor_backend:
                raise BackendMismatchError(
                    f"{self.name}() got unitorch tensors of two backends "
                    f"({self.tensor_backend.name} and {b.name})")
            self.tensor_backend = b
            return leaf
        if isinstance(leaf, np.ndarray):
            self._kind("numpy", None)
            return leaf
        b = _native_backend(leaf)
        if b is not None:
            self._kind(b.name, b)
        return leaf

    def _kind(self, kind: str, backend: Backend | None) -> None:
        if self.native is not None and self.native != kind:
            raise BackendMismatchError(
                f"{self.name}() got {_ARRAY_NAMES[self.native]} and {_ARRAY_NAMES[kind]} "
                "in one call; pass arrays of one library (convert the others first, e.g. "
                "torch.from_numpy(a) or np.asarray(t))")
        self.native, self.native_backend = kind, backend

    def backend(self) -> Backend | None:
        """The backend to run on: the natives' framework, else the unitorch tensors'
        backend, else (NumPy arrays only) the active one; ``None`` without arrays."""
        if self.native_backend is not None:
            if self.tensor_backend is not None and self.tensor_backend is not self.native_backend:
                raise BackendMismatchError(
                    f"{self.name}() got {_ARRAY_NAMES[self.native]} and unitorch tensors of "
                    f"the {self.tensor_backend.name} backend; convert one of them first")
            return self.native_backend
        if self.tensor_backend is not None:
            return self.tensor_backend
        return current() if self.native == "numpy" else None


_ARRAY_NAMES = {"torch": "torch tensors", "tensorflow": "TensorFlow tensors",
                "numpy": "NumPy arrays"}


def native_io(fn: F) -> F:
    """Decorate a function written against unitorch so that it takes and returns its
    caller's own arrays: ``torch.Tensor``, ``tf.Tensor``/``tf.Variable``, NumPy arrays or
    unitorch tensors, anywhere in the arguments, also inside lists, tuples and dicts.

    * **In**: native tensors are wrapped without a copy (``ut.from_native``); NumPy arrays
      are converted to the backend (without a copy on torch's CPU, a copy on
      TensorFlow); unitorch tensors and other values pass unchanged.
    * **Backend**: the body runs under ``ut.use_backend`` of the caller's framework
      (torch tensors: ``"torch"``; TensorFlow tensors: ``"tensorflow"``; NumPy arrays:
      the backend of unitorch tensors passed with them, else the active backend), so
      tensors it creates (``ut.zeros``) land there too.
    * **Out**: every unitorch tensor in the result (also inside lists, tuples and dicts)
      becomes the caller's type: its ``.native`` for torch and TensorFlow callers (no
      copy: an identity function returns the very tensor passed), ``.numpy()`` for NumPy
      callers (sharing memory on torch's CPU).  Called with unitorch tensors only, or
      with no arrays, the function runs unchanged.
    * **Gradients**: nothing is detached.  On torch a result stays connected to the
      caller's autograd graph (``y.sum().backward()`` reaches the input's ``.grad``); on
      TensorFlow a caller's ``tf.GradientTape`` records the body's operations.
    * **Mixed**: arrays of two libraries in one call (a torch tensor and a NumPy array,
      or unitorch tensors of another backend than the native ones) raise
      :class:`unitorch.BackendMismatchError`, before the body runs.

    Example:
        >>> @ut.native_io
        ... def normalize(x):
        ...     return (x - ut.mean(x)) / ut.std(x)
        >>> normalize(np.array([1.0, 2.0, 3.0]))  # NumPy in, NumPy out
        array([-1.22474487,  0.        ,  1.22474487])
        >>> import torch
        >>> type(normalize(torch.tensor([1.0, 2.0, 3.0]))).__name__
        'Tensor'
    """
    name = getattr(fn, "__qualname__", getattr(fn, "__name__", "function"))

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        seen = _Inputs(name)
        _walk(args, seen.note)
        if kwargs:
            _walk(kwargs, seen.note)
        backend = seen.backend()
        if backend is None or seen.native is None:
            if backend is None:
                return fn(*args, **kwargs)
            with use_backend(backend.name):
                return fn(*args, **kwargs)

        from .ops.creation import _wrap_native, asarray_on

        def inward(leaf: Any) -> Any:
            if isinstance(leaf, np.ndarray):
                return asarray_on(backend, leaf)
            if _native_backend(leaf) is backend:  # no copy: wrap the native itself
                return _wrap_native(backend, leaf)
            return leaf

        args = _walk(args, inward)
        if kwargs:
            kwargs = _walk(kwargs, inward)
        with use_backend(backend.name):
            result = fn(*args, **kwargs)
        return _walk(result, _outward(seen.native, backend))

    return wrapper  # type: ignore[return-value]


def _outward(kind: str, backend: Backend) -> Callable[[Any], Any]:
    """The conversion of one result leaf back to the caller's ``kind`` of array."""
    def convert(leaf: Any) -> Any:
        if not isinstance(leaf, Tensor):
            return leaf
        if type(leaf)._bk is not backend:
            from .ops.creation import asarray_on

            leaf = asarray_on(backend, leaf)
        return leaf.numpy() if kind == "numpy" else leaf._n

    return convert
