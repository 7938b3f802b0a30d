"""``tf.math``: the element-wise functions, reductions and arg-reductions of
:mod:`unitorch.tensorflow` under their ``tf.math`` names, plus ``log``, trigonometric
functions, ``top_k`` and ``in_top_k``."""

from __future__ import annotations

from typing import Any

from ..keras._core import missing
from ..tensor import Tensor
from ._core import (
    _tensor,
    _unary,
    abs,
    add,
    argmax,
    argmin,
    divide,
    equal,
    exp,
    greater,
    less,
    maximum,
    minimum,
    multiply,
    not_equal,
    reduce_all,
    reduce_any,
    reduce_max,
    reduce_mean,
    reduce_min,
    reduce_prod,
    reduce_sum,
    sqrt,
    square,
    subtract,
)
from ._native import passthrough

__all__ = [
    "abs", "add", "argmax", "argmin", "divide", "equal", "exp", "greater", "less",
    "maximum", "minimum", "multiply", "not_equal", "reduce_all", "reduce_any",
    "reduce_max", "reduce_mean", "reduce_min", "reduce_prod", "reduce_sum", "sqrt",
    "square", "subtract", "log", "log1p", "sin", "cos", "tanh", "sigmoid", "floor", "ceil",
    "round", "sign", "pow", "top_k", "in_top_k",
]

log = _unary("log", "log", """Element-wise natural logarithm.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.log(tf.constant([1.0]))
        tensor([0.], dtype=float32)
    """)
log1p = _unary("log1p", "log1p", """Element-wise ``log(1 + x)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.log1p(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """)
sin = _unary("sin", "sin", """Element-wise sine.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.sin(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """)
cos = _unary("cos", "cos", """Element-wise cosine.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.cos(tf.constant([0.0]))
        tensor([1.], dtype=float32)
    """)
tanh = _unary("tanh", "tanh", """Element-wise hyperbolic tangent.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.tanh(tf.constant([0.0]))
        tensor([0.], dtype=float32)
    """)
sigmoid = _unary("sigmoid", "sigmoid", """Element-wise logistic sigmoid.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.sigmoid(tf.constant([0.0]))
        tensor([0.5], dtype=float32)
    """)
floor = _unary("floor", "floor", """Element-wise floor.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.floor(tf.constant([1.5]))
        tensor([1.], dtype=float32)
    """)
ceil = _unary("ceil", "ceil", """Element-wise ceiling.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.ceil(tf.constant([1.5]))
        tensor([2.], dtype=float32)
    """)
round = _unary("round", "round", """Element-wise rounding, halves to even (as
    TensorFlow's).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.round(tf.constant([0.5, 1.5]))
        tensor([0., 2.], dtype=float32)
    """)
sign = _unary("sign", "sign", """Element-wise sign (-1, 0 or 1).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.sign(tf.constant([-2.0, 0.0]))
        tensor([-1.,  0.], dtype=float32)
    """)


@passthrough("math.pow")
def pow(x: Any, y: Any, name: str | None = None) -> Tensor:
    """Element-wise ``x ** y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.pow(tf.constant([2.0]), 3.0)
        tensor([8.], dtype=float32)
    """
    import unitorch as ut

    return ut.pow(_tensor(x), y if isinstance(y, (int, float)) else _tensor(y))


@passthrough("math.top_k")
def top_k(input: Any, k: int = 1, sorted: bool = True, name: str | None = None) -> Any:
    """The ``k`` largest values along the last axis and their int32 indices, as
    ``(values, indices)``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.top_k(tf.constant([1.0, 3.0, 2.0]), k=2).indices
        tensor([1, 2], dtype=int32)
    """
    import unitorch as ut

    found = ut.topk(_tensor(input), int(k), axis=-1, largest=True, sorted=sorted)
    return type(found)(found.values, ut.astype(found.indices, ut.int32))


@passthrough("math.in_top_k")
def in_top_k(targets: Any, predictions: Any, k: int, name: str | None = None) -> Tensor:
    """Whether each target's score is among the ``k`` highest of its row (ties at the
    boundary count in).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.math.in_top_k(tf.constant([1]), tf.constant([[0.5, 0.3, 0.2]]), k=2)
        tensor([ True], dtype=bool)
    """
    from ..keras.metrics import _in_top_k

    return _in_top_k(_tensor(targets), _tensor(predictions), int(k))


def __getattr__(name: str) -> Any:
    raise missing("unitorch.tensorflow.math", name,
                  "implemented: " + ", ".join(__all__) + "; unitorch has the rest under "
                  "NumPy's names (import unitorch as ut)")
