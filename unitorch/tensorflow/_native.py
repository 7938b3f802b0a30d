"""TensorFlow's own tensors in ``unitorch.tensorflow``: the pass-through rule.

Inside a ``tf.data`` pipeline's ``map`` function TensorFlow calls the user's function
with its own (symbolic) tensors, whatever unitorch's backend is; a TensorFlow program
ported by changing ``import tensorflow as tf`` to ``import unitorch.tensorflow as tf``
then calls ``tf.cast(image, tf.float32)`` there.  So every function of
``unitorch.tensorflow`` given native TensorFlow tensors (and no unitorch tensor) calls
TensorFlow's function of the same name and returns TensorFlow's result; given unitorch
tensors (or NumPy arrays, Python numbers) it computes with unitorch, on the active
backend.  unitorch dtypes passed to TensorFlow are converted by name.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from .. import dtypes as dt
from ..tensor import Tensor

__all__ = ["passthrough", "is_tf_native", "to_tf_dtype"]


def is_tf_native(x: Any) -> bool:
    """Whether ``x`` is a TensorFlow tensor or variable (without importing TensorFlow)."""
    tf = sys.modules.get("tensorflow")
    if tf is None or isinstance(x, Tensor):
        return False
    return isinstance(x, (tf.Tensor, tf.Variable))


def _any_native(x: Any) -> bool:
    if is_tf_native(x):
        return True
    if isinstance(x, (list, tuple)):
        return bool(x) and all(_any_native(v) or not isinstance(v, Tensor) for v in x) and any(
            _any_native(v) for v in x)
    return False


def to_tf_dtype(value: Any) -> Any:
    """A unitorch dtype as TensorFlow's (other values unchanged)."""
    if isinstance(value, dt.DType):
        import tensorflow as tf

        return tf.as_dtype(value.name)
    return value


def passthrough(tf_path: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate a ``unitorch.tensorflow`` function: native TensorFlow tensors as its first
    argument go to TensorFlow's ``tf_path`` (``"cast"``, ``"nn.relu"``...)."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if args and _any_native(args[0]):
                import tensorflow as tf

                target: Any = tf
                for part in tf_path.split("."):
                    target = getattr(target, part)
                return target(*(to_tf_dtype(a) for a in args),
                              **{k: to_tf_dtype(v) for k, v in kwargs.items()})
            return fn(*args, **kwargs)

        return wrapper

    return decorate
