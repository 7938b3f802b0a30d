"""The ``tf`` functions a training program uses, with TensorFlow's names, arguments,
defaults and result dtypes, computed by unitorch on the active backend.

Each behaves as TensorFlow's does where unitorch's neutral function differs:
``reduce_sum`` keeps the input's dtype (the Array API's ``sum`` widens integers),
``reduce_mean`` of integers truncates toward zero, ``argmax`` reduces axis 0 by default
and returns ``output_type`` (int64), ``one_hot`` gives all ``off_value`` for an index
outside ``[0, depth)``, ``constant([1, 2])`` is int32 (Python integers), ``cast`` of a
float to an integer truncates toward zero.  Native TensorFlow tensors go to TensorFlow
itself (see :mod:`unitorch.tensorflow._native`).
"""

from __future__ import annotations

import builtins
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..tensor import Tensor
from ._native import passthrough

__all__ = [
    "constant", "convert_to_tensor", "Variable", "cast", "reduce_sum", "reduce_mean",
    "reduce_max", "reduce_min", "reduce_prod", "reduce_any", "reduce_all", "argmax",
    "argmin", "one_hot", "matmul", "reshape", "concat", "stack", "squeeze", "expand_dims",
    "transpose", "zeros", "ones", "zeros_like", "ones_like", "fill", "range", "shape",
    "where", "equal", "not_equal", "greater", "less", "add", "subtract", "multiply",
    "divide", "square", "sqrt", "exp", "abs", "maximum", "minimum", "clip_by_value",
    "is_tensor", "print", "TensorSpec",
]


def _ut() -> Any:
    import unitorch

    return unitorch


def _dtype(value: Any) -> dt.DType | None:
    if value is None:
        return None
    if isinstance(value, dt.DType):
        return value
    return dt.as_dtype(getattr(value, "name", value))


def _python_ints(value: Any) -> bool:
    """Python integers (or nested lists of them, no floats): TensorFlow makes int32."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    if isinstance(value, (list, tuple)) and value:
        flat = np.asarray(value, dtype=object).ravel()
        return all(isinstance(v, int) and not isinstance(v, bool) for v in flat)
    return False


def _tensor(value: Any, dtype: Any = None) -> Tensor:
    ut = _ut()
    d = _dtype(dtype)
    if isinstance(value, Tensor):
        return value if d is None or value.dtype is d else ut.astype(value, d)
    if d is None and _python_ints(value):
        d = dt.int32
    return ut.asarray(value, dtype=d)


@passthrough("constant")
def constant(value: Any, dtype: Any = None, shape: Any = None, name: str | None = None
             ) -> Tensor:
    """A tensor holding ``value`` (TensorFlow's inference: Python floats float32, Python
    ints int32, NumPy arrays keep their dtype), broadcast to ``shape`` if given.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.constant([1, 2]).dtype, tf.constant(1.5).dtype
        (unitorch.int32, unitorch.float32)
        >>> tf.constant(0.0, shape=(2,))
        tensor([0., 0.], dtype=float32)
    """
    t = _tensor(value, dtype)
    if shape is not None:
        t = _ut().broadcast_to(t, tuple(shape))
    return t


@passthrough("convert_to_tensor")
def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None,
                      name: str | None = None) -> Tensor:
    """``value`` as a tensor (a tensor is returned as is), TensorFlow's dtype inference.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.convert_to_tensor([[0.3, 0.8]]).shape
        (1, 2)
    """
    return _tensor(value, dtype if dtype is not None else None)


def Variable(initial_value: Any, trainable: bool = True, name: str | None = None,
             dtype: Any = None, **kwargs: Any) -> Tensor:
    """A mutable tensor: a ``ut.nn.Parameter`` (watched by ``GradientTape``, trained by
    optimizers) when ``trainable`` and floating, else a non-trainable variable.  It is a
    unitorch Tensor: ``assign``/``assign_add``/``assign_sub`` are not methods of it
    (update it in place with ``v[...] = value`` under ``ut.no_grad()``, or let an
    optimizer update it).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> v = tf.Variable([1.0, 2.0])
        >>> v.requires_grad
        True
    """
    from ..nn.parameter import Parameter, make_variable

    t = _tensor(initial_value, dtype)
    if trainable and t.dtype.kind == "f":
        return Parameter(t)
    return make_variable(t, False)


@passthrough("cast")
def cast(x: Any, dtype: Any, name: str | None = None) -> Tensor:
    """``x`` converted to ``dtype`` (floats to integers truncate toward zero; to bool:
    non-zero is True).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.cast(tf.constant([1.7, -1.7]), tf.int32)
        tensor([ 1, -1], dtype=int32)
    """
    ut = _ut()
    t = _tensor(x)
    d = _dtype(dtype)
    if t.dtype.kind == "f" and d.kind in "iu":
        t = ut.trunc(t)
    return ut.astype(t, d)


def _axis(axis: Any) -> Any:
    if axis is None or isinstance(axis, int):
        return axis
    if isinstance(axis, Tensor):
        axis = axis.tolist()
    return tuple(int(a) for a in (axis if isinstance(axis, (list, tuple)) else [axis]))


@passthrough("reduce_sum")
def reduce_sum(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
    """The sum over ``axis`` (all axes by default), in the input's dtype.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_sum(tf.constant([[1, 2], [3, 4]]), axis=0)
        tensor([4, 6], dtype=int32)
    """
    t = _tensor(input_tensor)
    return _ut().sum(t, axis=_axis(axis), keepdims=keepdims, dtype=t.dtype)


@passthrough("reduce_mean")
def reduce_mean(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: str | None = None) -> Tensor:
    """The mean over ``axis``, in the input's dtype (integer means truncate toward zero,
    as TensorFlow's do).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_mean(tf.constant([1.0, 2.0])), tf.reduce_mean(tf.constant([1, 2]))
        (tensor(1.5, dtype=float32), tensor(1, dtype=int32))
    """
    ut = _ut()
    t = _tensor(input_tensor)
    if t.dtype.kind in "fc":
        return ut.mean(t, axis=_axis(axis), keepdims=keepdims)
    if t.dtype.kind == "b":
        raise TypeError("reduce_mean of a bool tensor: cast it to a number first")
    mean = ut.mean(ut.astype(t, dt.float64), axis=_axis(axis), keepdims=keepdims)
    return ut.astype(ut.trunc(mean), t.dtype)


def _reducer(name: str, fn_name: str, doc: str) -> Any:
    @passthrough(name)
    def reduce(input_tensor: Any, axis: Any = None, keepdims: bool = False,
               name: str | None = None) -> Tensor:
        return getattr(_ut(), fn_name)(_tensor(input_tensor), axis=_axis(axis),
                                       keepdims=keepdims)

    reduce.__name__ = reduce.__qualname__ = name
    reduce.__doc__ = doc
    return reduce


reduce_max = _reducer("reduce_max", "max", """The maximum over ``axis``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_max(tf.constant([[1.0, 5.0], [3.0, 2.0]]), axis=1)
        tensor([5., 3.], dtype=float32)
    """)
reduce_min = _reducer("reduce_min", "min", """The minimum over ``axis``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_min(tf.constant([[1.0, 5.0], [3.0, 2.0]]), axis=1)
        tensor([1., 2.], dtype=float32)
    """)
reduce_any = _reducer("reduce_any", "any", """Whether any element is true, over ``axis``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_any(tf.constant([True, False]))
        tensor(True, dtype=bool)
    """)
reduce_all = _reducer("reduce_all", "all", """Whether every element is true, over ``axis``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_all(tf.constant([True, False]))
        tensor(False, dtype=bool)
    """)


@passthrough("reduce_prod")
def reduce_prod(input_tensor: Any, axis: Any = None, keepdims: bool = False,
                name: str | None = None) -> Tensor:
    """The product over ``axis``, in the input's dtype.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reduce_prod(tf.constant([2, 3]))
        tensor(6, dtype=int32)
    """
    t = _tensor(input_tensor)
    return _ut().prod(t, axis=_axis(axis), keepdims=keepdims, dtype=t.dtype)


def _arg(fn_name: str, input: Any, axis: Any, output_type: Any) -> Tensor:
    ut = _ut()
    t = _tensor(input)
    out = getattr(ut, fn_name)(t, axis=0 if axis is None else int(axis))
    d = _dtype(output_type)
    if d not in (dt.int32, dt.int64, dt.int16, dt.uint8):
        raise TypeError(f"{fn_name}: output_type must be an integer dtype, got {output_type}")
    return out if out.dtype is d else ut.astype(out, d)


@passthrough("argmax")
def argmax(input: Any, axis: Any = None, output_type: Any = dt.int64, name: str | None = None
           ) -> Tensor:
    """The index of the largest value along ``axis`` (0 by default, as in TensorFlow;
    the first one among ties), of dtype ``output_type`` (int64 by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.argmax(tf.constant([[1.0, 5.0], [3.0, 2.0]]), axis=1, output_type=tf.int32)
        tensor([1, 0], dtype=int32)
        >>> tf.argmax(tf.constant([[1.0, 5.0], [3.0, 2.0]]))
        tensor([1, 0], dtype=int64)
    """
    return _arg("argmax", input, axis, output_type)


@passthrough("argmin")
def argmin(input: Any, axis: Any = None, output_type: Any = dt.int64, name: str | None = None
           ) -> Tensor:
    """The index of the smallest value along ``axis`` (0 by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.argmin(tf.constant([3.0, 1.0, 2.0]))
        tensor(1, dtype=int64)
    """
    return _arg("argmin", input, axis, output_type)


@passthrough("one_hot")
def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None,
            axis: int | None = None, dtype: Any = None, name: str | None = None) -> Tensor:
    """One-hot vectors of ``depth`` along a new last axis (or ``axis``), float32 unless
    ``dtype`` (or ``on_value``'s type) says otherwise; an index outside ``[0, depth)``
    gives a vector of ``off_value``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.one_hot([0, 2, 5], 3)
        tensor([[1., 0., 0.],
                [0., 0., 1.],
                [0., 0., 0.]], dtype=float32)
    """
    ut = _ut()
    ids = _tensor(indices)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"one_hot: indices must be integers, got {ids.dtype.name}")
    d = _dtype(dtype) or (dt.float32 if on_value is None or isinstance(on_value, float)
                          else _tensor(on_value).dtype)
    ax = -1 if axis is None or axis == -1 else int(axis)
    hot = ut.expand_dims(ids, axis=-1) == ut.arange(int(depth), dtype=ids.dtype)
    if ax != -1:
        hot = ut.moveaxis(hot, -1, ax)
    on = ut.asarray(1 if on_value is None else on_value, dtype=d)
    off = ut.asarray(0 if off_value is None else off_value, dtype=d)
    return ut.where(hot, on, off)


@passthrough("matmul")
def matmul(a: Any, b: Any, transpose_a: bool = False, transpose_b: bool = False,
           name: str | None = None, **kwargs: Any) -> Tensor:
    """The matrix product (batched over leading axes), optionally transposing either
    operand's last two axes.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.matmul(tf.ones((2, 3)), tf.ones((2, 3)), transpose_b=True)
        tensor([[3., 3.],
                [3., 3.]], dtype=float32)
    """
    ut = _ut()
    a, b = _tensor(a), _tensor(b)
    return ut.matmul(a.mT if transpose_a else a, b.mT if transpose_b else b)


@passthrough("reshape")
def reshape(tensor: Any, shape: Any, name: str | None = None) -> Tensor:
    """``tensor`` with a new shape (one ``-1`` allowed).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.reshape(tf.range(6), (2, -1)).shape
        (2, 3)
    """
    shape = shape.tolist() if isinstance(shape, Tensor) else shape
    return _ut().reshape(_tensor(tensor), tuple(int(s) for s in shape))


@passthrough("concat")
def concat(values: list[Any], axis: int, name: str | None = None) -> Tensor:
    """The tensors joined along ``axis``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.concat([tf.ones((1, 2)), tf.zeros((1, 2))], axis=0).shape
        (2, 2)
    """
    return _ut().concat([_tensor(v) for v in values], axis=int(axis))


@passthrough("stack")
def stack(values: list[Any], axis: int = 0, name: str | None = None) -> Tensor:
    """The tensors stacked along a new ``axis``; native TensorFlow tensors among unitorch
    ones are converted.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.stack([tf.constant([1, 2]), tf.constant([3, 4])], axis=1)
        tensor([[1, 3],
                [2, 4]], dtype=int32)
    """
    ut = _ut()
    ts = [_tensor(v) for v in values]
    d = ut.result_type(*ts)
    return ut.stack([t if t.dtype is d else ut.astype(t, d) for t in ts], axis=int(axis))


@passthrough("squeeze")
def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:
    """``input`` without axes of size 1 (all of them, or those in ``axis``).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.squeeze(tf.zeros((1, 3, 1))).shape
        (3,)
    """
    ut = _ut()
    t = _tensor(input)
    if axis is None:
        axis = tuple(i for i, s in enumerate(t.shape) if s == 1)
    return ut.squeeze(t, axis=_axis(axis))


@passthrough("expand_dims")
def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:
    """``input`` with a new axis of size 1 at ``axis``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.expand_dims(tf.zeros(3), -1).shape
        (3, 1)
    """
    return _ut().expand_dims(_tensor(input), axis=int(axis))


@passthrough("transpose")
def transpose(a: Any, perm: Any = None, conjugate: bool = False, name: str | None = None
              ) -> Tensor:
    """``a`` with its axes permuted by ``perm`` (reversed by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.transpose(tf.zeros((2, 3, 4))).shape
        (4, 3, 2)
    """
    ut = _ut()
    t = _tensor(a)
    perm = tuple(reversed(builtins.range(t.ndim))) if perm is None else tuple(int(p) for p in perm)
    out = ut.permute_dims(t, perm)
    return ut.conj(out) if conjugate else out


def _factory(fn_name: str, shape: Any, dtype: Any) -> Tensor:
    shape = (shape,) if isinstance(shape, int) else tuple(int(s) for s in shape)
    return getattr(_ut(), fn_name)(shape, dtype=_dtype(dtype) or dt.float32)


def zeros(shape: Any, dtype: Any = dt.float32, name: str | None = None) -> Tensor:
    """Zeros of ``shape`` (float32 by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.zeros((2,))
        tensor([0., 0.], dtype=float32)
    """
    return _factory("zeros", shape, dtype)


def ones(shape: Any, dtype: Any = dt.float32, name: str | None = None) -> Tensor:
    """Ones of ``shape`` (float32 by default).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.ones((2,), dtype=tf.int32)
        tensor([1, 1], dtype=int32)
    """
    return _factory("ones", shape, dtype)


@passthrough("zeros_like")
def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """Zeros of ``input``'s shape and dtype (or ``dtype``).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.zeros_like(tf.constant([1, 2]))
        tensor([0, 0], dtype=int32)
    """
    return _ut().zeros_like(_tensor(input), dtype=_dtype(dtype))


@passthrough("ones_like")
def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:
    """Ones of ``input``'s shape and dtype (or ``dtype``).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.ones_like(tf.constant([1.0]))
        tensor([1.], dtype=float32)
    """
    return _ut().ones_like(_tensor(input), dtype=_dtype(dtype))


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value`` (its dtype inferred as
    TensorFlow does).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.fill((2,), 7)
        tensor([7, 7], dtype=int32)
    """
    t = _tensor(value)
    return _ut().full(tuple(int(s) for s in dims), t.item(), dtype=t.dtype)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,
          name: str | None = None) -> Tensor:
    """``[start, limit)`` in steps of ``delta`` (``range(n)`` is ``[0, n)``); int32 for
    Python integers, float32 for floats, as in TensorFlow.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.range(3)
        tensor([0, 1, 2], dtype=int32)
    """
    if limit is None:
        start, limit = 0, start
    d = _dtype(dtype)
    if d is None:
        floats = any(isinstance(v, float) for v in (start, limit, delta))
        d = dt.float32 if floats else dt.int32
    return _ut().arange(start, limit, delta, dtype=d)


@passthrough("shape")
def shape(input: Any, out_type: Any = dt.int32, name: str | None = None) -> Tensor:
    """The shape of ``input`` as a 1-D int32 tensor (all sizes must be known).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.shape(tf.zeros((2, 3)))
        tensor([2, 3], dtype=int32)
    """
    t = _tensor(input)
    if any(s is None for s in t.shape):
        raise NotImplementedError("tf.shape of a tensor with an unknown size (inside a "
                                  "compiled function) is not supported; use x.shape with "
                                  "known sizes")
    return _ut().asarray(list(t.shape), dtype=_dtype(out_type))


@passthrough("where")
def where(condition: Any, x: Any = None, y: Any = None, name: str | None = None) -> Tensor:
    """``x`` where ``condition`` holds, else ``y`` (broadcast); with ``condition`` alone,
    the indices of its true elements as an int64 ``(n, ndim)`` tensor.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.where(tf.constant([True, False]), 1.0, 0.0)
        tensor([1., 0.], dtype=float32)
    """
    ut = _ut()
    c = _tensor(condition)
    if x is None and y is None:
        return ut.stack(ut.nonzero(c), axis=-1)
    def operand(v: Any) -> Any:
        return _tensor(v) if isinstance(v, (list, tuple, np.ndarray)) else v

    return ut.where(c, operand(x), operand(y))


def _binary(name: str, fn_name: str, doc: str) -> Any:
    @passthrough(name)
    def op(x: Any, y: Any, name: str | None = None) -> Tensor:
        a = x if isinstance(x, Tensor) else _tensor(x) if not isinstance(
            x, (int, float)) else x
        b = y if isinstance(y, Tensor) else _tensor(y) if not isinstance(
            y, (int, float)) else y
        return getattr(_ut(), fn_name)(a, b)

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


def _unary(name: str, fn_name: str, doc: str) -> Any:
    @passthrough(name)
    def op(x: Any, name: str | None = None) -> Tensor:
        return getattr(_ut(), fn_name)(_tensor(x))

    op.__name__ = op.__qualname__ = name
    op.__doc__ = doc
    return op


equal = _binary("equal", "equal", """Element-wise ``x == y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.equal(tf.constant([1, 2]), tf.constant([1, 3]))
        tensor([ True, False], dtype=bool)
    """)
not_equal = _binary("not_equal", "not_equal", """Element-wise ``x != y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.not_equal(tf.constant([1, 2]), tf.constant([1, 3]))
        tensor([False,  True], dtype=bool)
    """)
greater = _binary("greater", "greater", """Element-wise ``x > y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.greater(tf.constant([1.0, 3.0]), 2.0)
        tensor([False,  True], dtype=bool)
    """)
less = _binary("less", "less", """Element-wise ``x < y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.less(tf.constant([1.0, 3.0]), 2.0)
        tensor([ True, False], dtype=bool)
    """)
add = _binary("add", "add", """Element-wise ``x + y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.add(tf.constant([1.0]), 2.0)
        tensor([3.], dtype=float32)
    """)
subtract = _binary("subtract", "subtract", """Element-wise ``x - y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.subtract(tf.constant([1.0]), 2.0)
        tensor([-1.], dtype=float32)
    """)
multiply = _binary("multiply", "multiply", """Element-wise ``x * y``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.multiply(tf.constant([1.5]), 2.0)
        tensor([3.], dtype=float32)
    """)
divide = _binary("divide", "divide", """Element-wise ``x / y`` (true division).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.divide(tf.constant([1.0]), 4.0)
        tensor([0.25], dtype=float32)
    """)
maximum = _binary("maximum", "maximum", """Element-wise maximum.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.maximum(tf.constant([1.0, 5.0]), 2.0)
        tensor([2., 5.], dtype=float32)
    """)
minimum = _binary("minimum", "minimum", """Element-wise minimum.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.minimum(tf.constant([1.0, 5.0]), 2.0)
        tensor([1., 2.], dtype=float32)
    """)
square = _unary("square", "square", """Element-wise ``x * x``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.square(tf.constant([3.0]))
        tensor([9.], dtype=float32)
    """)
sqrt = _unary("sqrt", "sqrt", """Element-wise square root.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.sqrt(tf.constant([4.0]))
        tensor([2.], dtype=float32)
    """)
exp = _unary("exp", "exp", """Element-wise ``e ** x``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.exp(tf.constant([0.0]))
        tensor([1.], dtype=float32)
    """)
abs = _unary("abs", "abs", """Element-wise absolute value.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.abs(tf.constant([-2.0]))
        tensor([2.], dtype=float32)
    """)


@passthrough("clip_by_value")
def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None
                  ) -> Tensor:
    """``t`` limited to ``[clip_value_min, clip_value_max]``.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.clip_by_value(tf.constant([-1.0, 0.5, 2.0]), 0.0, 1.0)
        tensor([0. , 0.5, 1. ], dtype=float32)
    """
    return _ut().clip(_tensor(t), clip_value_min, clip_value_max)


def is_tensor(x: Any) -> bool:
    """Whether ``x`` is a tensor (unitorch's, or a native TensorFlow one).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.is_tensor(tf.constant(1.0)), tf.is_tensor(1.0)
        (True, False)
    """
    from ._native import is_tf_native

    return isinstance(x, Tensor) or is_tf_native(x)


def print(*inputs: Any, sep: str = " ", end: str = "\n", **kwargs: Any) -> None:
    """Print tensors' values (and other objects), eagerly.  Inside a compiled function
    it raises ``NotImplementedError``: return the values and print them outside.

    Example:
        >>> import unitorch.tensorflow as tf
        >>> tf.print("loss:", tf.constant(0.5))
        loss: 0.5
    """
    from ..backends import current

    if any(isinstance(x, Tensor) for x in inputs) and current().is_compiling():
        raise NotImplementedError("tf.print inside a compiled function (tf.function) is not "
                                  "supported by unitorch.tensorflow; return the values and "
                                  "print them outside")
    text = [np.array2string(x.numpy(), separator=" ") if isinstance(x, Tensor) and x.ndim
            else str(x.item()) if isinstance(x, Tensor) else str(x) for x in inputs]
    builtins.print(*text, sep=sep, end=end)


class TensorSpec(tuple):
    """A ``(shape, dtype)`` description of an input (``tf.TensorSpec``), for
    ``input_signature=`` arguments (``model.export``, ``ut.export.saved_model``).

    Example:
        >>> import unitorch.tensorflow as tf
        >>> spec = tf.TensorSpec(shape=(None, 3), dtype=tf.float32, name="x")
        >>> spec.shape, spec.dtype.name, spec.name
        ((None, 3), 'float32', 'x')
    """

    name: str | None

    def __new__(cls, shape: Any, dtype: Any = dt.float32, name: str | None = None
                ) -> TensorSpec:
        shape = tuple(None if s is None else int(s) for s in shape)
        new = super().__new__(cls, (shape, _dtype(dtype)))
        new.name = name
        return new

    @property
    def shape(self) -> tuple[int | None, ...]:
        return self[0]

    @property
    def dtype(self) -> dt.DType:
        return self[1]

