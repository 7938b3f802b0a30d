"""``keras.Sequential``: a stack of layers, each fed the previous one's output.

Built as soon as its input shape is known (``keras.Input`` first, or a first layer
with ``input_shape=``), otherwise on the first call; layers are registered under
their names (``model.state_dict()`` keys ``dense.kernel``, ``dense_1.kernel``...).
"""

from __future__ import annotations

from typing import Any

from .._core import map_structure
from ..layers.base import Layer
from ..layers.input import InputLayer, KerasTensor
from .model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Example:
        >>> import unitorch.keras as keras
        >>> model = keras.Sequential([
        ...     keras.Input(shape=(4,)),
        ...     keras.layers.Dense(8, activation="relu"),
        ...     keras.layers.Dense(3),
        ... ])
        >>> model(np.ones((2, 4), dtype="float32")).shape
        (2, 3)
        >>> model.count_params()
        67
    """

    def __init__(self, layers: list[Any] | None = None, trainable: bool = True,
                 name: str | None = None) -> None:
        super().__init__(trainable=trainable, name=name)
        self.__dict__["_stack"] = []
        self.__dict__["_input"] = None
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._build_if_possible()

    def add(self, layer: Any, rebuild: bool = True) -> None:
        """Append ``layer`` (or set the input: ``keras.Input(...)`` / ``InputLayer``).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential()
            >>> model.add(keras.Input(shape=(3,)))
            >>> model.add(keras.layers.Dense(2))
            >>> model.built
            True
        """
        if isinstance(layer, KerasTensor):
            source = layer._keras_history[0].layer if layer._keras_history else None
            if not isinstance(source, InputLayer):
                raise ValueError("Only input tensors may be passed to Sequential.add (a "
                                 "keras.Input)")
            layer = source
        if isinstance(layer, InputLayer):
            if self._stack:
                raise ValueError("Sequential model: an Input must come before the layers")
            self.__dict__["_input"] = layer
        elif isinstance(layer, Layer):
            if layer.name in self._modules:
                raise ValueError(f"All layers added to a Sequential model should have unique "
                                 f"names. Name '{layer.name}' is already the name of a layer "
                                 "in this model. Update the `name` argument to pass a unique "
                                 "name.")
            if not self._stack and self._input is None and layer._build_shape is not None:
                from ..layers.input import InputLayer as _IL

                self.__dict__["_input"] = _IL(batch_shape=layer._build_shape)
            self._stack.append(layer)
            self._modules[layer.name] = layer
        else:
            raise ValueError(f"Only instances of `keras.Layer` can be added to a Sequential "
                             f"model. Received: {layer} (of type {type(layer)})")
        self.__dict__["built"] = False
        if rebuild:
            self._build_if_possible()

    def pop(self, rebuild: bool = True) -> Layer:
        """Remove and return the last layer.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)])
            >>> model.pop().units
            1
        """
        layer = self._stack.pop()
        del self._modules[layer.name]
        self.__dict__["built"] = False
        if rebuild:
            self._build_if_possible()
        return layer

    def _build_if_possible(self) -> None:
        if self._input is not None and self._stack:
            self._build_symbolic(self._input.output)

    def _build_symbolic(self, x: KerasTensor) -> None:
        out = x
        for layer in self._stack:
            out = layer(out)
        self.__dict__["built"] = True
        self.__dict__["_output_shape"] = map_structure(lambda t: t.shape, out)
        self.__dict__["_input_kt"] = x
        self.__dict__["_output_kt"] = out

    def build(self, input_shape: Any = None) -> None:
        """Build every layer for inputs of ``input_shape`` (batch axis included,
        ``None`` allowed).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.layers.Dense(2)])
            >>> model.build((None, 5))
            >>> model.count_params()
            12
        """
        if input_shape is None:
            if self._input is None:
                raise ValueError("You must provide an `input_shape` argument.")
            self._build_if_possible()
            return
        layer = InputLayer(batch_shape=tuple(input_shape))
        self.__dict__["_input"] = layer
        self._build_symbolic(layer.output)

    def _build_with(self, shape: Any) -> None:
        if isinstance(shape, tuple) and all(s is None or isinstance(s, int) for s in shape):
            self.build((None, *shape[1:]))
        else:
            self.__dict__["built"] = True

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    @property
    def inputs(self) -> list[KerasTensor] | None:
        """The symbolic input, once built.

        Example:
            >>> import unitorch.keras as keras
            >>> keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(1)]).inputs[0].shape
            (None, 3)
        """
        return [self._input.output] if self._input is not None else None

    @property
    def outputs(self) -> list[KerasTensor] | None:
        """The symbolic output, once built."""
        out = self.__dict__.get("_output_kt")
        return [out] if out is not None else None

    @property
    def input_shape(self) -> Any:
        """The input shape, batch axis ``None``."""
        if self._input is None:
            raise AttributeError("the Sequential model has no input shape yet (not built)")
        return self._input.batch_shape

    @property
    def output_shape(self) -> Any:
        """The output shape, batch axis ``None``."""
        if not self.built:
            raise AttributeError("the Sequential model is not built yet")
        return self._output_shape

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    def summary(self, *args: Any, **kwargs: Any) -> None:
        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by "
                             "calling `build()` or by calling the model on a batch of data.")
        super().summary(*args, **kwargs)

    def get_config(self) -> dict[str, Any]:
        from .saving import sequential_config

        return sequential_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Sequential:
        """A Sequential model from :meth:`get_config`'s dict."""
        from .saving import _sequential_from_config

        return _sequential_from_config(cls, config, custom_objects)
