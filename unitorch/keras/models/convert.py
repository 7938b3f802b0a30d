"""Moving models between ``unitorch.keras`` and real Keras 3.

Both sides share Keras's layer configs, weight layouts and names, so a conversion
rebuilds each layer from its config and copies its weights, layer by layer (matched by
name), with nothing transposed: the converted model computes the same function of the
same input.

* :func:`from_keras`: a Keras ``Sequential`` or functional model (any graph of
  supported layers, several inputs and outputs, shared layers, nested models) as a
  ``unitorch.keras`` model on the active backend.
* :func:`to_keras`: a ``unitorch.keras`` Sequential or functional model as a Keras model
  (on Keras's own backend).

A subclassed model is code, not a graph: write the same class with ``unitorch.keras``
(usually by changing its imports) and copy the weights across with
``model.set_weights(keras_model.get_weights())`` (the order of ``weights`` is Keras's
on both sides).  A layer type or option ``unitorch.keras`` does not implement raises
``NotImplementedError`` naming it.
"""

from __future__ import annotations

import inspect
from typing import Any

from .._core import flatten

__all__ = ["from_keras", "to_keras"]

_EMPTY = (None, False, 0, 0.0, "", [], {}, ())
# Keras config keys that carry no behaviour unitorch.keras needs
_IGNORED = {"build_config", "compile_config", "module", "registered_name", "ragged",
            "zero_output_for_mask", "use_cudnn", "renorm_momentum", "time_major"}


def _our_layer_class(name: str) -> Any:
    from .. import layers as L

    if name in L.__all__:
        return getattr(L, name)
    raise NotImplementedError(f"from_keras: the Keras layer type {name} is not implemented by "
                              f"unitorch.keras ({L.ALTERNATIVES.get(name, 'see keras.layers')})")


def _accepted(cls: Any) -> set[str]:
    names: set[str] = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= set(inspect.signature(init).parameters)
    return names


def _filtered(cls: Any, config: dict[str, Any], layer_name: str) -> dict[str, Any]:
    accepted = _accepted(cls)
    out = {}
    for key, value in config.items():
        if key in accepted:
            out[key] = value
        elif key in _IGNORED or value in _EMPTY:
            continue
        else:
            raise NotImplementedError(f"from_keras: layer {layer_name!r} ({cls.__name__}) "
                                      f"has {key}={value!r}, which unitorch.keras does not "
                                      "support")
    return out


def _from_keras_layer(layer: Any) -> Any:
    import keras

    if isinstance(layer, keras.Model):
        return from_keras(layer)
    cls = _our_layer_class(type(layer).__name__)
    return cls.from_config(_filtered(cls, layer.get_config(), layer.name))


def _copy_weights(source: Any, target: Any) -> None:
    """Copy weights layer by layer (matched by name), recursing into nested models."""
    theirs = {layer.name: layer for layer in source.layers}
    for mine in target.layers:
        other = theirs.get(mine.name)
        if other is None:
            continue
        if hasattr(mine, "layers") and hasattr(other, "layers"):
            _copy_weights(other, mine)
            continue
        values = [v.numpy() if hasattr(v, "numpy") else v for v in other.get_weights()]
        if values:
            mine.set_weights(values)


def from_keras(model: Any) -> Any:
    """The ``unitorch.keras`` model equal to a Keras ``Sequential`` or functional model
    (weights copied; see the module).

    Example:
        >>> import keras  # doctest: +SKIP
        >>> import unitorch.keras as ukeras  # doctest: +SKIP
        >>> real = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])  # doctest: +SKIP
        >>> ours = ukeras.models.from_keras(real)  # doctest: +SKIP
    """
    import keras

    from ..layers.input import Input, InputLayer
    from .model import Model
    from .sequential import Sequential

    if isinstance(model, keras.Sequential):
        layers: list[Any] = []
        inputs = None
        try:
            inputs = model.inputs
        except (AttributeError, ValueError):
            inputs = None
        if inputs:
            layers.append(InputLayer(batch_shape=tuple(inputs[0].shape),
                                     dtype=str(inputs[0].dtype)))
        layers += [_from_keras_layer(layer) for layer in model.layers]
        ours = Sequential(layers, name=model.name, trainable=model.trainable)
    elif isinstance(model, keras.Model) and hasattr(model, "_operations") and getattr(
            model, "inputs", None):
        ours = _functional_from_keras(model, Input, Model)
    else:
        raise NotImplementedError(
            f"from_keras: {type(model).__name__} is a subclassed keras.Model (its call() is "
            "code, not a graph); write the class with unitorch.keras and copy the weights: "
            "ours.set_weights(keras_model.get_weights())")
    _copy_weights(model, ours)
    return ours


def _functional_from_keras(model: Any, Input: Any, Model: Any) -> Any:
    config = model.get_config()
    by_name = {layer.name: layer for layer in model.layers}
    ours: dict[str, Any] = {}
    produced: dict[tuple[str, int], list[Any]] = {}
    pending = []
    for entry in config["layers"]:
        name = entry["name"]
        if entry["class_name"] == "InputLayer":
            layer = by_name[name]
            shape = layer.batch_shape if hasattr(layer, "batch_shape") else \
                layer.output.shape
            produced[(name, 0)] = [Input(batch_shape=tuple(shape), dtype=str(layer.dtype),
                                         name=name)]
            continue
        ours[name] = _from_keras_layer(by_name[name])
        for i, node in enumerate(entry["inbound_nodes"]):
            pending.append((name, i, node))

    def decode(x: Any) -> Any:
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            layer, node, index = x["config"]["keras_history"]
            return produced[(layer, node)][index]
        if isinstance(x, (list, tuple)):
            return [decode(v) for v in x]
        if isinstance(x, dict):
            return {k: decode(v) for k, v in x.items()}
        return x

    def ready(x: Any) -> bool:
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            layer, node, _ = x["config"]["keras_history"]
            return (layer, node) in produced
        if isinstance(x, (list, tuple)):
            return all(ready(v) for v in x)
        if isinstance(x, dict):
            return all(ready(v) for v in x.values())
        return True

    while pending:
        progressed = False
        for item in list(pending):
            name, i, node = item
            if ready(node["args"]) and ready(node["kwargs"]):
                out = ours[name](*decode(node["args"]), **decode(node["kwargs"]))
                produced[(name, i)] = flatten(out)
                pending.remove(item)
                progressed = True
        if not progressed:
            raise ValueError("from_keras: the functional model's graph could not be replayed")

    def endpoints(spec: Any) -> Any:
        if isinstance(spec, dict):
            return {k: endpoints(v) for k, v in spec.items()}
        if isinstance(spec, (list, tuple)) and spec and isinstance(spec[0], str):
            layer, node, index = spec
            return produced[(layer, node)][index]
        return [endpoints(v) for v in spec]

    inputs = endpoints(config["input_layers"])
    outputs = endpoints(config["output_layers"])
    if isinstance(inputs, list) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(outputs, list) and len(outputs) == 1:
        outputs = outputs[0]
    return Model(inputs, outputs, name=model.name)


# ---------------------------------------------------------------------------------------


def _keras_layer(layer: Any) -> Any:
    import keras

    from .model import Model

    if isinstance(layer, Model):
        return to_keras(layer)
    cls = getattr(keras.layers, type(layer).__name__, None)
    if cls is None:
        raise NotImplementedError(f"to_keras: {type(layer).__name__} has no Keras layer of "
                                  "that name")
    config = layer.get_config()
    for key, value in list(config.items()):  # initializers as Keras's serialized form
        if isinstance(value, dict) and "class_name" in value:
            config[key] = {"module": "keras.initializers", "registered_name": None, **value}
    return cls.from_config(config)


def to_keras(model: Any) -> Any:
    """The Keras model equal to a ``unitorch.keras`` Sequential or functional model
    (weights copied; see the module).

    Example:
        >>> import unitorch.keras as keras
        >>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2)])
        >>> real = keras.models.to_keras(model)  # doctest: +SKIP
    """
    import keras

    from ..layers.input import KerasTensor
    from .model import Functional
    from .sequential import Sequential

    if isinstance(model, Sequential):
        layers: list[Any] = []
        if model._input is not None:
            layers.append(keras.Input(batch_shape=model._input.batch_shape,
                                      dtype=model._input.dtype))
        layers += [_keras_layer(layer) for layer in model.layers]
        real = keras.Sequential(layers, name=model.name, trainable=model.trainable)
    elif isinstance(model, Functional):
        tensors: dict[int, Any] = {}
        flat_inputs = flatten(model._inputs_struct)
        for t in flat_inputs:
            tensors[id(t)] = keras.Input(batch_shape=t.shape, dtype=t.dtype, name=t.name)
        layers_by_name = {}
        for node in model._nodes:
            layer = layers_by_name.get(node.layer.name)
            if layer is None:
                layer = layers_by_name[node.layer.name] = _keras_layer(node.layer)

            def swap(x: Any) -> Any:
                if isinstance(x, KerasTensor):
                    return tensors[id(x)]
                if isinstance(x, (list, tuple)):
                    return type(x)(swap(v) for v in x)
                if isinstance(x, dict):
                    return {k: swap(v) for k, v in x.items()}
                return x

            out = layer(*swap(list(node.args)), **swap(node.kwargs))
            for kt, real_t in zip(flatten(node.outputs), flatten(out)):
                tensors[id(kt)] = real_t

        def rebuild(x: Any) -> Any:
            if isinstance(x, KerasTensor):
                return tensors[id(x)]
            if isinstance(x, dict):
                return {k: rebuild(v) for k, v in x.items()}
            return [rebuild(v) for v in x]

        real = keras.Model(rebuild(model._inputs_struct), rebuild(model._outputs_struct),
                           name=model.name)
    else:
        raise NotImplementedError(
            f"to_keras: {type(model).__name__} is a subclassed model (code, not a graph); "
            "write the class with keras and copy the weights: "
            "keras_model.set_weights(model.get_weights())")
    _copy_weights(model, real)
    return real
