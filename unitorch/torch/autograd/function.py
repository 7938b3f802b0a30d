"""``torch.autograd.function``: :class:`Function` and its ``ctx`` are unitorch's own
(:mod:`unitorch.autograd`, on the backend contract's ``custom_gradient``: a
``torch.autograd.Function`` on PyTorch, ``tf.custom_gradient`` on TensorFlow), plus
PyTorch's :func:`once_differentiable` decorator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._custom_function import Function, FunctionCtx

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """PyTorch's decorator for a ``backward`` that is not itself differentiable.  It
    returns ``fn`` unchanged: unitorch records ``backward``'s operations only where a
    higher-order gradient asks for them, which is what PyTorch does without the
    decorator, so a first-order ``backward`` works the same either way.

    Example:
        >>> once_differentiable(abs) is abs
        True
    """
    return fn
