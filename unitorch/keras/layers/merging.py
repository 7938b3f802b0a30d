"""Layers merging a list of tensors: ``Concatenate``, ``Add``, ``Subtract``,
``Multiply``, ``Average``, ``Maximum``, ``Minimum``.  The element-wise ones broadcast
their inputs as NumPy does."""

from __future__ import annotations

from functools import reduce
from typing import Any

from ...tensor import Tensor
from .base import Layer

__all__ = ["Concatenate", "Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum"]


def _ut() -> Any:
    import unitorch

    return unitorch


def _inputs(layer: Layer, inputs: Any, at_least: int = 2) -> list[Tensor]:
    if not isinstance(inputs, (list, tuple)) or len(inputs) < at_least:
        raise ValueError(f"A merge layer should be called on a list of at least {at_least} "
                         f"inputs. Received: inputs={inputs} (layer {layer.name!r})")
    return list(inputs)


class Concatenate(Layer):
    """Concatenates a list of tensors along ``axis`` (default the last).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Concatenate()([ut.zeros((2, 3)), ut.ones((2, 1))]).shape
        (2, 4)
    """

    def __init__(self, axis: int = -1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.axis = int(axis)

    def call(self, inputs: Any) -> Tensor:
        return _ut().concat(_inputs(self, inputs, 1), axis=self.axis)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis}


class _Merge(Layer):
    def _combine(self, xs: list[Tensor]) -> Tensor:
        raise NotImplementedError

    def call(self, inputs: Any) -> Tensor:
        return self._combine(_inputs(self, inputs))


class Add(_Merge):
    """The element-wise sum of a list of tensors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Add()([ut.ones(2), ut.ones(2)])
        tensor([2., 2.], dtype=float32)
    """

    def _combine(self, xs):
        return reduce(lambda a, b: a + b, xs)


class Subtract(_Merge):
    """The difference of exactly two tensors, ``inputs[0] - inputs[1]``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Subtract()([ut.ones(2), ut.ones(2)])
        tensor([0., 0.], dtype=float32)
    """

    def _combine(self, xs):
        if len(xs) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. "
                             f"Received: inputs={xs}")
        return xs[0] - xs[1]


class Multiply(_Merge):
    """The element-wise product of a list of tensors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Multiply()([ut.full(2, 3.0), ut.full(2, 2.0)])
        tensor([6., 6.], dtype=float32)
    """

    def _combine(self, xs):
        return reduce(lambda a, b: a * b, xs)


class Average(_Merge):
    """The element-wise mean of a list of tensors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Average()([ut.zeros(2), ut.full(2, 2.0)])
        tensor([1., 1.], dtype=float32)
    """

    def _combine(self, xs):
        return reduce(lambda a, b: a + b, xs) / len(xs)


class Maximum(_Merge):
    """The element-wise maximum of a list of tensors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Maximum()([ut.tensor([1.0, 5.0]), ut.tensor([3.0, 2.0])])
        tensor([3., 5.], dtype=float32)
    """

    def _combine(self, xs):
        return reduce(_ut().maximum, xs)


class Minimum(_Merge):
    """The element-wise minimum of a list of tensors.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.Minimum()([ut.tensor([1.0, 5.0]), ut.tensor([3.0, 2.0])])
        tensor([1., 2.], dtype=float32)
    """

    def _combine(self, xs):
        return reduce(_ut().minimum, xs)
