"""What every part of ``unitorch.keras`` shares: the call context that carries Keras's
``training`` flag into nested layers, converting inputs to tensors, assigning to
variables in place, Keras's automatic names, and the errors for Keras names that
unitorch does not implement."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..tensor import Tensor

__all__: list[str] = []


# ---------------------------------------------------------------------------------------
# the call context: Keras resolves a layer's ``training`` argument from the explicit
# argument, else from the layer calling it, else the call's own default (inference)


class _Context(threading.local):
    def __init__(self) -> None:
        self.training: list[Any] = []


_context = _Context()


def current_training() -> Any:
    """The ``training`` value of the innermost Keras call in progress (``None`` when
    no layer is being called)."""
    stack = _context.training
    return stack[-1] if stack else None


@contextmanager
def training_scope(training: Any) -> Iterator[None]:
    stack = _context.training
    stack.append(training)
    try:
        yield
    finally:
        stack.pop()


# ---------------------------------------------------------------------------------------
# tensors


def as_tensor(x: Any, dtype: dt.DType | None = None) -> Tensor:
    """``x`` as a unitorch Tensor of the active backend (NumPy arrays, Python numbers and
    lists, native torch/TensorFlow tensors), cast to ``dtype`` when given."""
    import unitorch as ut

    if isinstance(x, Tensor):
        return x if dtype is None or x.dtype is dtype else ut.astype(x, dtype)
    if isinstance(x, (float, int)) and not isinstance(x, bool) and dtype is None:
        return ut.asarray(x, dtype=dt.float32 if isinstance(x, float) else None)
    t = ut.asarray(x)
    if dtype is not None and t.dtype is not dtype:
        t = ut.astype(t, dtype)
    return t


def floating_input(x: Any, dtype: dt.DType) -> Any:
    """Keras's input autocast: floating inputs (NumPy arrays and tensors) become tensors
    of the layer's ``dtype``; integer and bool inputs keep their dtype."""
    if isinstance(x, Tensor):
        if x.dtype.kind == "f" and x.dtype is not dtype:
            import unitorch as ut

            return ut.astype(x, dtype)
        return x
    if isinstance(x, (np.ndarray, np.generic, list, tuple, float, int)) or _is_native(x):
        t = as_tensor(x)
        if t.dtype.kind == "f" and t.dtype is not dtype:
            import unitorch as ut

            t = ut.astype(t, dtype)
        return t
    return x


def _is_native(x: Any) -> bool:
    from ..backends import backend_of_native

    try:
        return backend_of_native(x) is not None
    except Exception:
        return False


def map_structure(fn: Any, tree: Any) -> Any:
    """``fn`` applied to every leaf of a nest of lists, tuples and dicts."""
    if isinstance(tree, dict):
        return type(tree)((k, map_structure(fn, v)) for k, v in tree.items())
    if isinstance(tree, tuple) and hasattr(tree, "_fields"):
        return type(tree)(*(map_structure(fn, v) for v in tree))
    if isinstance(tree, (list, tuple)):
        return type(tree)(map_structure(fn, v) for v in tree)
    return fn(tree)


def flatten(tree: Any) -> list[Any]:
    """The leaves of a nest of lists, tuples and dicts, in order."""
    if isinstance(tree, dict):
        return [leaf for k in tree for leaf in flatten(tree[k])]
    if isinstance(tree, (list, tuple)):
        return [leaf for v in tree for leaf in flatten(v)]
    return [tree]


def assign(variable: Tensor, value: Any) -> None:
    """Write ``value`` into ``variable`` (a Parameter or buffer) in place, without
    recording a gradient; works inside compiled functions."""
    from ..autograd import no_grad

    backend = type(variable)._bk
    if not isinstance(value, Tensor) or type(value)._bk is not backend:
        value = as_tensor(value)
    if value.dtype is not variable.dtype:
        import unitorch as ut

        value = ut.astype(value, variable.dtype)
    with no_grad():
        variable._n = backend.assign(variable._n, value._n)


def to_dtype(dtype: Any, default: dt.DType = dt.float32) -> dt.DType:
    """A Keras ``dtype=`` argument (a name, a unitorch/NumPy dtype, ``None``) as a
    unitorch dtype."""
    if dtype is None:
        return default
    if isinstance(dtype, dt.DType):
        return dtype
    name = getattr(dtype, "name", dtype)
    if isinstance(name, str) and name.startswith("mixed_"):
        raise NotImplementedError(
            f"dtype policy {name!r} (mixed precision) is not supported by unitorch.keras; "
            "use dtype='float32' or 'float64'")
    return dt.as_dtype(np.dtype(name).name if not isinstance(name, str) else name)


# ---------------------------------------------------------------------------------------
# names


_uids: dict[str, int] = {}
_uid_lock = threading.Lock()


def bind_arguments(owner: Any, params: tuple[tuple[str, Any], ...], args: tuple[Any, ...],
                   kwargs: dict[str, Any]) -> dict[str, Any]:
    """The arguments of a class that wraps a function (the losses' and metrics' classes):
    ``params``'s defaults (``(name, default)`` pairs), then ``args`` in that order, then
    ``kwargs``; a keyword not in ``params`` is Python's TypeError, naming ``owner``'s
    class."""
    values = dict(params)
    for (key, _), value in zip(params, args):
        values[key] = value
    for key, value in kwargs.items():
        if key not in values:
            raise TypeError(f"{type(owner).__name__}() got an unexpected keyword argument "
                            f"{key!r}")
        values[key] = value
    return values


def snake_case(name: str) -> str:
    """Keras's automatic name for a class: ``Conv2D`` -> ``conv2d``,
    ``BatchNormalization`` -> ``batch_normalization``."""
    intermediate = re.sub("(.)([A-Z][a-z0-9]+)", r"\1_\2", name)
    insecure = re.sub("([a-z])([A-Z])", r"\1_\2", intermediate).lower()
    return insecure if insecure[0] != "_" else "private" + insecure


def unique_name(base: str) -> str:
    """``base``, then ``base_1``, ``base_2``... as Keras names layers (per process,
    reset by ``keras.backend.clear_session()``)."""
    with _uid_lock:
        n = _uids.get(base, 0)
        _uids[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def reset_names() -> None:
    with _uid_lock:
        _uids.clear()


# ---------------------------------------------------------------------------------------
# names unitorch does not implement


def missing(module: str, name: str, alternative: str | None = None) -> AttributeError:
    """The error for a Keras/TensorFlow name this front door lacks: it names the name
    and, where there is one, the unitorch way to do it."""
    text = f"module {module!r} has no attribute {name!r}: unitorch does not implement " \
           f"{module.replace('unitorch.', '')}.{name}"
    if alternative:
        text += f"; {alternative}"
    return AttributeError(text)


def unsupported(what: str, alternative: str | None = None) -> NotImplementedError:
    """The error for a Keras argument or behaviour unitorch does not implement."""
    text = f"{what} is not supported by unitorch.keras"
    if alternative:
        text += f"; {alternative}"
    return NotImplementedError(text)
