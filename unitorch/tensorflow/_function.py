"""``tf.function`` and ``tf.GradientTape`` on unitorch.

``tf.function(fn)`` returns ``fn`` compiled by :func:`unitorch.compile` where the
backend compiles training steps by default (TensorFlow: ``tf.function``), and ``fn``
itself where it runs them eagerly (PyTorch, whose eager mode is fast and whose
compiler has a long warm-up), so one program runs its best way on each backend with the
same results.  The *first* call runs eagerly: layers built lazily, optimizer slots and
metric variables are created there, exactly once, as ``tf.function``'s first trace
does; later calls run the compiled function (traced anew for new input shapes).
``jit_compile=True`` asks TensorFlow for XLA.  ``input_signature`` and
``reduce_retracing`` are accepted; unitorch traces per input shape.

``tf.GradientTape`` is :class:`unitorch.GradientTape` (gradients through each
framework's own autodiff), accepting ``unconnected_gradients``: unitorch returns zeros
for sources the target does not depend on (``UnconnectedGradients.ZERO``), where
TensorFlow's default returns ``None``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ..autograd import GradientTape as _Tape

__all__ = ["function", "GradientTape"]


def function(func: Callable[..., Any] | None = None, input_signature: Any = None,
             autograph: bool = True, jit_compile: bool | None = None,
             reduce_retracing: bool = False, experimental_implements: Any = None,
             experimental_autograph_options: Any = None,
             experimental_attributes: Any = None, experimental_relax_shapes: Any = None,
             experimental_compile: Any = None, experimental_follow_type_hints: Any = None
             ) -> Any:
    """``func`` compiled as the backend prefers (see the module); usable as
    ``@tf.function`` or ``@tf.function(jit_compile=True)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> @tf.function
        ... def f(x):
        ...     return tf.reduce_sum(x * x)
        >>> f(tf.constant([1.0, 2.0])), f(tf.constant([3.0]))
        (tensor(5., dtype=float32), tensor(9., dtype=float32))
    """
    if func is None:
        return lambda f: function(f, input_signature=input_signature, autograph=autograph,
                                  jit_compile=jit_compile, reduce_retracing=reduce_retracing)
    from ..autograd import compile as ut_compile

    options = {"tensorflow": {"jit_compile": True}} if jit_compile else {}
    compiled = ut_compile(func, **options)
    calls: list[bool] = []

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ..backends import current

        if not calls or not current().compile_training:
            calls.append(True)
            return func(*args, **kwargs)
        return compiled(*args, **kwargs)

    wrapper.python_function = func  # type: ignore[attr-defined]
    return wrapper


class GradientTape(_Tape):
    """:class:`unitorch.GradientTape` with TensorFlow's ``gradient`` signature (see the
    module).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> w = tf.Variable([1.0, 2.0])
        >>> with tf.GradientTape() as tape:
        ...     loss = tf.reduce_sum(w * w)
        >>> tape.gradient(loss, [w])
        [tensor([2., 4.], dtype=float32)]
    """

    def gradient(self, target: Any, sources: Any, output_gradients: Any = None,
                 unconnected_gradients: Any = None) -> Any:
        return super().gradient(target, sources, output_gradients)
