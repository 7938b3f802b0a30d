"""``keras.Model``: subclassed models (``call(x, training=None)``) and functional ones
(``keras.Model(inputs, outputs)``).

A model is a Keras :class:`~unitorch.keras.layers.Layer` (so a unitorch Module) with
Keras's model API: ``layers``, ``get_layer``, ``summary()``, ``compile``/``fit``/
``evaluate``/``predict`` (:mod:`unitorch.keras.models.training`), ``save``/
``save_weights``/``load_weights``/``export`` (:mod:`unitorch.keras.models.saving`).

Functional models replay the layer calls recorded between their inputs and outputs
(see :mod:`unitorch.keras.layers.input`); layers are registered under their names, so
``model.state_dict()`` keys read ``dense.kernel``.  Subclassed models register the
layers assigned to attributes, as PyTorch modules do.
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .._core import flatten, map_structure, to_dtype
from ..layers.base import Layer
from ..layers.input import InputLayer, KerasTensor, Node
from .saving import SavingMixin
from .summary import print_summary
from .training import TrainingMixin

__all__ = ["Model", "Functional"]


def _functional_args(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    return ("inputs" in kwargs and "outputs" in kwargs) or (
        len(args) >= 2 and _symbolic_nest(args[0]) and _symbolic_nest(args[1])) or (
        len(args) == 1 and "outputs" in kwargs)


def _symbolic_nest(x: Any) -> bool:
    leaves = flatten(x)
    return bool(leaves) and all(isinstance(t, KerasTensor) for t in leaves)


class Model(TrainingMixin, SavingMixin, Layer):
    """A Keras model: subclass it (layers in ``__init__``, the computation in
    ``call(inputs, training=None)``), or call it as ``keras.Model(inputs, outputs)`` for
    a functional model.

    Example:
        >>> import unitorch.keras as keras
        >>> class MLP(keras.Model):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.hidden = keras.layers.Dense(8, activation="relu")
        ...         self.out = keras.layers.Dense(3)
        ...     def call(self, x, training=None):
        ...         return self.out(self.hidden(x))
        >>> model = MLP()
        >>> model(np.ones((2, 4), dtype="float32")).shape
        (2, 3)
        >>> [tuple(w.shape) for w in model.trainable_variables]
        [(4, 8), (8,), (8, 3), (3,)]
        >>> inputs = keras.Input(shape=(4,))
        >>> functional = keras.Model(inputs, keras.layers.Dense(2)(inputs))
        >>> functional(np.ones((5, 4), dtype="float32")).shape
        (5, 2)
    """

    def __new__(cls, *args: Any, **kwargs: Any) -> Model:
        if cls is Model and _functional_args(args, kwargs):
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if args or "inputs" in kwargs or "outputs" in kwargs:
            raise TypeError(f"{type(self).__name__}.__init__ got inputs/outputs: functional "
                            "models are made by keras.Model(inputs, outputs) itself, not by "
                            "a subclass")
        trainable = kwargs.pop("trainable", True)
        name = kwargs.pop("name", None)
        dtype = kwargs.pop("dtype", None)
        super().__init__(trainable=trainable, name=name, dtype=dtype, **kwargs)
        self.__dict__["stop_training"] = False
        self.__dict__["history"] = None
        self._reset_compile()

    # -- Keras's model attributes ------------------------------------------------------------

    @property
    def layers(self) -> list[Layer]:
        """The layers the model holds directly, in order (for a subclassed model, the
        order they were assigned).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.layers.Dense(2), keras.layers.Dense(1)])
            >>> [type(layer).__name__ for layer in model.layers]
            ['Dense', 'Dense']
        """
        return self._sublayers()

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """The layer called ``name``, or at position ``index`` of :attr:`layers`.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.layers.Dense(2, name="head")])
            >>> model.get_layer("head").units
            2
        """
        if index is not None and name is not None:
            raise ValueError(f"Provide only a layer name or a layer index. Received: "
                             f"index={index}, name={name}.")
        layers = self.layers
        if index is not None:
            if len(layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model "
                                 f"only has {len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: "
                         f"{[layer.name for layer in layers]}.")

    def summary(self, line_length: int | None = None, positions: Any = None,
                print_fn: Any = None, expand_nested: bool = False,
                show_trainable: bool = False, layer_range: Any = None) -> None:
        """Print the table of layers, output shapes and parameter counts (Keras 3's
        layout); ``print_fn`` receives each line instead of ``print``.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
            >>> model.summary(print_fn=lambda line: None)
        """
        if expand_nested or layer_range is not None:
            from .._core import unsupported

            raise unsupported("summary(expand_nested=..., layer_range=...)")
        print_summary(self, print_fn=print_fn, show_trainable=show_trainable)

    def build(self, input_shape: Any = None) -> None:
        """Build a subclassed model for inputs of ``input_shape`` by calling it once on
        zeros (``None`` sizes as 1), in inference mode.

        Example:
            >>> import unitorch.keras as keras
            >>> class Net(keras.Model):
            ...     def __init__(self):
            ...         super().__init__()
            ...         self.d = keras.layers.Dense(2)
            ...     def call(self, x):
            ...         return self.d(x)
            >>> net = Net()
            >>> net.build((None, 3))
            >>> net.count_params()
            8
        """
        if input_shape is None or self.built:
            self.__dict__["built"] = True
            return
        if type(self).call is Model.call:
            self.__dict__["built"] = True
            return
        import unitorch as ut

        from ...autograd import no_grad

        def zeros(shape: Any) -> Tensor:
            return ut.zeros(tuple(1 if s is None else int(s) for s in shape),
                            dtype=self._dtype)

        if isinstance(input_shape, (list, tuple)) and input_shape and isinstance(
                input_shape[0], (list, tuple)):
            example: Any = [zeros(s) for s in input_shape]
        else:
            example = zeros(input_shape)
        self.__dict__["built"] = True
        with no_grad():
            self(example, training=False)

    def _build_with(self, shape: Any) -> None:
        # a model builds its layers by running; only a subclass's own build() creates
        # weights from the shape alone
        if type(self).build is not Model.build:
            self.build(shape)
        self.__dict__["built"] = True

    def get_config(self) -> dict[str, Any]:
        """A subclassed model's constructor arguments: only ``name``, ``trainable`` and
        ``dtype`` unless the subclass defines ``get_config`` (as in Keras).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.Sequential([keras.layers.Dense(2)], name="s").get_config()["name"]
            's'
        """
        return super().get_config()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> Model:
        # a copy (ut.export copies models onto a backend) is uncompiled: the trainer,
        # the optimizer and the metrics hold compiled functions and backend state
        import copy

        new = object.__new__(type(self))
        memo[id(self)] = new
        skipped = {"_trainer", "optimizer", "_loss_object", "_compiled_metric_objects",
                   "history", "_metric_specs", "loss"}
        for key, value in self.__dict__.items():
            new.__dict__[key] = None if key in skipped else copy.deepcopy(value, memo)
        new.__dict__["compiled"] = False
        new.__dict__["_metric_specs"] = []
        return new


class Functional(Model):
    """A model defined by calling layers on ``keras.Input`` tensors:
    ``keras.Model(inputs, outputs)`` (one or several inputs and outputs, as a tensor, a
    list or a dict).

    Example:
        >>> import unitorch.keras as keras
        >>> a, b = keras.Input(shape=(2,)), keras.Input(shape=(3,))
        >>> merged = keras.layers.Concatenate()([a, b])
        >>> model = keras.Model([a, b], keras.layers.Dense(1)(merged))
        >>> model([np.ones((4, 2), dtype="float32"), np.ones((4, 3), dtype="float32")]).shape
        (4, 1)
    """

    def __init__(self, inputs: Any = None, outputs: Any = None, name: str | None = None,
                 **kwargs: Any) -> None:
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to Model: {kwargs}")
        Model.__init__(self, trainable=trainable, name=name or None)
        if not _symbolic_nest(inputs) or not _symbolic_nest(outputs):
            raise ValueError("keras.Model(inputs, outputs) needs keras.Input tensors and the "
                             "tensors layers returned for them")
        self.__dict__["_inputs_struct"] = inputs
        self.__dict__["_outputs_struct"] = outputs
        flat_in = flatten(inputs)
        targets = {id(t) for t in flat_in}
        nodes: dict[int, Node] = {}
        stack = list(flatten(outputs))
        while stack:
            t = stack.pop()
            if id(t) in targets:
                continue
            history = t._keras_history
            if history is None or isinstance(history[0].layer, InputLayer):
                raise ValueError(f"the output {t} does not depend only on the model's inputs "
                                 "(a keras.Input missing from inputs?)")
            node = history[0]
            if node.id not in nodes:
                nodes[node.id] = node
                stack.extend(node.inputs)
        order = [nodes[i] for i in sorted(nodes)]
        self.__dict__["_nodes"] = order
        seen: set[int] = set()
        for t in flat_in:
            layer = t._keras_history[0].layer
            self._track(layer, seen)
        for node in order:
            self._track(node.layer, seen)
        self.__dict__["built"] = True
        self.__dict__["_output_shape"] = map_structure(lambda t: t.shape, outputs)

    def _track(self, layer: Layer, seen: set[int]) -> None:
        if id(layer) in seen:
            return
        if layer.name in self._modules:
            raise ValueError(f"The name \"{layer.name}\" is used 2 times in the model. All "
                             "operation names should be unique.")
        seen.add(id(layer))
        self._modules[layer.name] = layer

    @property
    def inputs(self) -> list[KerasTensor]:
        """The model's symbolic inputs, in order.

        Example:
            >>> import unitorch.keras as keras
            >>> x = keras.Input(shape=(3,))
            >>> keras.Model(x, keras.layers.Dense(1)(x)).inputs[0].shape
            (None, 3)
        """
        return flatten(self._inputs_struct)

    @property
    def outputs(self) -> list[KerasTensor]:
        """The model's symbolic outputs, in order.

        Example:
            >>> import unitorch.keras as keras
            >>> x = keras.Input(shape=(3,))
            >>> keras.Model(x, keras.layers.Dense(1)(x)).outputs[0].shape
            (None, 1)
        """
        return flatten(self._outputs_struct)

    @property
    def input_shape(self) -> Any:
        """The input shape(s), batch axis ``None``."""
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self) -> Any:
        """The output shape(s), batch axis ``None``."""
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    def call(self, inputs: Any, training: Any = None, mask: Any = None) -> Any:
        structure = self._inputs_struct
        values: dict[int, Any] = {}
        if isinstance(structure, dict):
            if not isinstance(inputs, dict):
                raise ValueError(f"model {self.name!r} takes a dict of inputs with keys "
                                 f"{list(structure)}")
            pairs = [(structure[k], inputs[k]) for k in structure]
        elif isinstance(structure, (list, tuple)):
            given = list(inputs.values()) if isinstance(inputs, dict) else inputs
            if not isinstance(given, (list, tuple)) or len(given) != len(structure):
                raise ValueError(f"model {self.name!r} takes {len(structure)} inputs, got "
                                 f"{type(inputs).__name__}")
            pairs = list(zip(flatten(structure), given))
        else:
            if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
                inputs = inputs[0]
            pairs = [(structure, inputs)]
        for kt, value in pairs:
            values[id(kt)] = _as_input(value, kt)

        def fill(x: Any) -> Any:
            return values[id(x)] if isinstance(x, KerasTensor) else x

        for node in self._nodes:
            args = map_structure(fill, node.args)
            kwargs = {k: map_structure(fill, v) for k, v in node.kwargs.items()}
            out = node.layer(*args, **kwargs)
            for kt, v in zip(flatten(node.outputs), flatten(out)):
                values[id(kt)] = v
        return map_structure(fill, self._outputs_struct)

    def get_config(self) -> dict[str, Any]:
        from .saving import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> Functional:
        """A functional model from :meth:`get_config`'s dict."""
        from .saving import _functional_from_config

        return _functional_from_config(cls, config, custom_objects)


def _as_input(value: Any, kt: KerasTensor) -> Tensor:
    from .._core import as_tensor

    t = as_tensor(value)
    want = to_dtype(kt.dtype)
    if t.dtype is not want and not (t.dtype.kind == "f" and want.kind == "f"):
        import unitorch as ut

        t = ut.astype(t, want)
    return t
