"""The TensorFlow backend's ``compile`` section: ``tf.function``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from ...errors import check_message, checked_error
from ..contract import TraceFailure
from .autograd import _ambient


class CompileOps:
    """The contract's ``compile`` section."""

    @staticmethod
    def compile(fn: Callable[..., Any], fallback: bool = True,
                **options: Any) -> Callable[..., Any]:
        steps: list[bool] = []  # non-empty once a trace has run backward()

        def traced(*args: Any, **kwargs: Any) -> Any:
            # tf.function traces the whole function before running any of it, so a
            # failure here has run nothing (variables made under init_scope stay made)
            try:
                with _ambient.for_trace() as ran_backward:  # loss.backward() inside
                    out = fn(*args, **kwargs)
            except Exception as e:
                raise TraceFailure(e) from e
            if ran_backward:
                steps.append(True)
            return out

        # AutoGraph rewrites Python control flow on tensors; unitorch code is plain Python
        # around tensor ops, so tracing it as written is both correct and quiet.
        options.setdefault("autograph", False)
        variadic = tf.function(traced, **options)
        # tf.function binds each call's arguments to the traced function's signature,
        # which costs ~15 us more per call for (*args, **kwargs) than for plain
        # positional parameters: calls with up to 4 positional arguments go to a
        # function of that arity
        fixed = ([] if "input_signature" in options else
                 [tf.function(make(traced), **options) for make in _ARITY])

        def function(*args: Any, **kwargs: Any) -> Any:
            if kwargs or len(args) >= len(fixed):
                return variadic(*args, **kwargs)
            return fixed[len(args)](*args)

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return _ambient.run_compiled(function, steps, args, kwargs)
            except tf.errors.OpError as e:
                error = checked_error(e)
                if error is None:
                    raise
                raise error from None

        return call

    @staticmethod
    def check(condition, error, message, x):
        # a stateful op: tf.function runs it in program order before the state changes
        # that follow it (automatic control dependencies); the ops reading x wait for it
        check = tf.debugging.Assert(condition, [check_message(error, message)])
        with tf.control_dependencies([check]):
            return tf.identity(x)


# makers of a function of each arity 0..4 calling ``f`` (see ``CompileOps.compile``)
_ARITY: tuple[Callable[[Callable[..., Any]], Callable[..., Any]], ...] = (
    lambda f: lambda: f(), lambda f: lambda a: f(a), lambda f: lambda a, b: f(a, b),
    lambda f: lambda a, b, c: f(a, b, c), lambda f: lambda a, b, c, d: f(a, b, c, d),
)


def _exclude_from_autograph() -> None:
    """AutoGraph rewrites the Python of functions called while tracing a ``tf.function``
    (with ``autograph=True``, TensorFlow's default).  unitorch's code is library code
    around tensor ops, written to trace as it is, so keep AutoGraph out of it, as
    TensorFlow does for its own modules."""
    from tensorflow.python.autograph.core import config

    if not any(isinstance(r, config.DoNotConvert) and r._prefix == "unitorch"
               for r in config.CONVERSION_RULES):
        config.CONVERSION_RULES = (config.DoNotConvert("unitorch"), *config.CONVERSION_RULES)
