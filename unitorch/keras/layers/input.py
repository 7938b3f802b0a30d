"""Symbolic tensors for the functional API: ``keras.Input``, ``InputLayer`` and what a
layer records when it is called on them.

``keras.Input(shape=(28, 28, 1))`` is a :class:`KerasTensor`: a shape (the batch axis
``None``) and a dtype, no values.  Calling a layer on KerasTensors builds the layer and
returns KerasTensors of its output shape; the call is recorded as a :class:`Node`
(layer, arguments, outputs), and ``keras.Model(inputs, outputs)`` replays the nodes
between them.

Output shapes are found by running the layer on zeros, in inference mode and without
recording gradients: once with a batch of 2 when every other axis is known, otherwise
twice, with different sizes for the unknown axes (batch 2 and 3, other unknown axes 5
and 7); an output axis whose size differs between the two runs is unknown (``None``).
"""

from __future__ import annotations

import itertools
from typing import Any

from ... import dtypes as dt
from ...tensor import Tensor
from .._core import flatten, map_structure, to_dtype, training_scope, unique_name
from .base import Layer

__all__ = ["KerasTensor", "Input", "InputLayer"]

_node_ids = itertools.count()


class KerasTensor:
    """A symbolic tensor of the functional API: ``shape`` (``None`` for unknown sizes,
    the batch first) and ``dtype``; layers called on it record the call.

    Example:
        >>> import unitorch.keras as keras
        >>> x = keras.Input(shape=(4,))
        >>> x.shape, x.dtype
        ((None, 4), 'float32')
        >>> keras.layers.Dense(3)(x).shape
        (None, 3)
    """

    def __init__(self, shape: tuple[int | None, ...], dtype: dt.DType = dt.float32,
                 name: str | None = None) -> None:
        self.shape = tuple(None if s is None else int(s) for s in shape)
        self._dtype = dtype
        self.name = name
        self._keras_history: tuple[Node, int] | None = None

    @property
    def dtype(self) -> str:
        """The dtype's name (``"float32"``), as Keras spells it."""
        return self._dtype.name

    @property
    def ndim(self) -> int:
        """The number of axes, batch included."""
        return len(self.shape)

    def __repr__(self) -> str:
        name = f", name={self.name}" if self.name else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, sparse=False{name}>"

    def _refuse(self, *args: Any) -> Any:
        raise TypeError(
            "unitorch.keras cannot compute with symbolic tensors directly (operators, "
            "keras.ops on keras.Input); use layers: keras.layers.Add(), Multiply(), "
            "Concatenate(), Reshape(), or a keras.layers.Lambda(fn)")

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _refuse
    __truediv__ = __rtruediv__ = __matmul__ = __rmatmul__ = __neg__ = __pow__ = _refuse
    __getitem__ = _refuse

    def __bool__(self) -> bool:
        raise TypeError("a symbolic KerasTensor has no truth value")

    def __hash__(self) -> int:
        return id(self)


class Node:
    """One call of a layer on symbolic tensors: ``layer(*args, **kwargs) -> outputs``."""

    def __init__(self, layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any],
                 outputs: Any) -> None:
        self.id = next(_node_ids)
        self.layer, self.args, self.kwargs, self.outputs = layer, args, kwargs, outputs
        for i, t in enumerate(flatten(outputs)):
            t._keras_history = (self, i)

    @property
    def inputs(self) -> list[KerasTensor]:
        """The symbolic tensors the call read."""
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, KerasTensor)]


class InputLayer(Layer):
    """The layer a ``keras.Input`` comes from (listed in functional models' ``layers``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.InputLayer(shape=(3,)).output.shape
        (None, 3)
    """

    def __init__(self, shape: Any = None, batch_size: int | None = None, dtype: Any = None,
                 sparse: bool | None = None, batch_shape: Any = None, name: str | None = None,
                 optional: bool = False, **kwargs: Any) -> None:
        if sparse:
            raise NotImplementedError("sparse inputs are not supported by unitorch.keras")
        legacy = kwargs.pop("input_shape", None)
        legacy_batch = kwargs.pop("batch_input_shape", None)
        shape = legacy if shape is None and legacy is not None else shape
        batch_shape = legacy_batch if batch_shape is None else batch_shape
        super().__init__(name=name or unique_name("input_layer"), dtype=None, **kwargs)
        if batch_shape is None:
            if shape is None:
                raise ValueError("You must pass a `shape` argument.")
            batch_shape = (batch_size, *tuple(shape))
        self.batch_shape = tuple(None if s is None else int(s) for s in batch_shape)
        self.__dict__["_in_dtype"] = to_dtype(dtype)
        self.__dict__["built"] = True
        out = KerasTensor(self.batch_shape, self._in_dtype, name=self.name)
        Node(self, (), {}, out)
        self.__dict__["output"] = out
        self.__dict__["_output_shape"] = self.batch_shape

    @property
    def dtype(self) -> str:
        return self._in_dtype.name

    def call(self, inputs: Any) -> Any:
        return inputs

    def get_config(self) -> dict[str, Any]:
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype,
                "sparse": False, "name": self.name}


def Input(shape: Any = None, batch_size: int | None = None, dtype: Any = None,
          sparse: bool | None = None, batch_shape: Any = None, name: str | None = None,
          tensor: Any = None, optional: bool = False) -> KerasTensor:
    """A symbolic input of ``shape`` (without the batch axis; ``None`` for a variable
    size) and ``dtype`` (default float32), to start a functional model or a Sequential
    one.

    Example:
        >>> import unitorch.keras as keras
        >>> inputs = keras.Input(shape=(28, 28, 1))
        >>> inputs.shape
        (None, 28, 28, 1)
    """
    if tensor is not None:
        raise NotImplementedError("keras.Input(tensor=...) is not supported by unitorch.keras")
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                      batch_shape=batch_shape, name=name, optional=optional).output


# ---------------------------------------------------------------------------------------
# running layers on symbolic tensors


def _zeros_for(t: KerasTensor, sizes: tuple[int, int]) -> Tensor:
    import unitorch as ut

    shape = tuple(sizes[0] if (s is None and i == 0) else sizes[1] if s is None else s
                  for i, s in enumerate(t.shape))
    return ut.zeros(shape, dtype=t._dtype)


def _run(layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any],
         sizes: tuple[int, int]) -> Any:
    from ...autograd import no_grad

    def concrete(x: Any) -> Any:
        return _zeros_for(x, sizes) if isinstance(x, KerasTensor) else x

    real_args = map_structure(concrete, args)
    real_kwargs = {k: map_structure(concrete, v) for k, v in kwargs.items()}
    real_kwargs["training"] = False  # no dropout draws, no moving-statistics updates
    with no_grad(), training_scope(False):
        return layer(*real_args, **real_kwargs)


def infer(layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The symbolic outputs of ``layer(*args, **kwargs)`` (building the layer)."""
    symbolic = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]
    only_batch = all(s is not None for t in symbolic for s in t.shape[1:])
    first = _run(layer, args, kwargs, (2, 5))
    second = None if only_batch else _run(layer, args, kwargs, (3, 7))
    batch_unknown = any(t.shape and t.shape[0] is None for t in symbolic)
    leaves = flatten(first)
    others = flatten(second) if second is not None else [None] * len(leaves)
    made = []
    for a, b in zip(leaves, others):
        if not isinstance(a, Tensor):
            raise TypeError(f"layer {layer.name!r} returned a {type(a).__name__}; layers "
                            "in functional models must return tensors")
        shape = list(a.shape)
        if b is not None:
            shape = [s if s == t else None for s, t in zip(shape, b.shape)]
        elif batch_unknown and shape:
            shape[0] = None
        made.append(KerasTensor(tuple(shape), a.dtype))
    it = iter(made)
    return map_structure(lambda _: next(it), first)


def symbolic_call(layer: Layer, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """``layer`` called on KerasTensors: builds it, records the call, returns its
    symbolic outputs."""
    outputs = infer(layer, args, {k: v for k, v in kwargs.items() if k != "training"})
    Node(layer, args, dict(kwargs), outputs)
    layer.__dict__["_output_shape"] = map_structure(lambda t: t.shape, outputs)
    layer.__dict__.setdefault("_input_shape", map_structure(
        lambda t: t.shape if isinstance(t, KerasTensor) else None, args[0]))
    return outputs


def output_shape_for(layer: Layer, input_shape: Any) -> Any:
    """The output shape of ``layer`` for inputs of ``input_shape`` (no call recorded)."""
    if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0],
                                                                    (list, tuple)):
        args: Any = ([KerasTensor(tuple(s)) for s in input_shape],)
    else:
        args = (KerasTensor(tuple(input_shape)),)
    return map_structure(lambda t: t.shape, infer(layer, args, {}))
