"""Saving Keras models in unitorch's safe checkpoint format, and exporting them.

* ``model.save(path)`` writes one file with :func:`unitorch.save` (safetensors + a JSON
  description; nothing is pickled, loading never runs code): the model's architecture
  (its config: Sequential and functional models always, subclassed models when they
  define ``get_config`` and are registered with
  ``keras.saving.register_keras_serializable``), its weights in ``model.weights``
  order, the input shape it was built for, and the compile configuration with the
  optimizer's state.  Any extension is accepted (Keras's ``.keras`` too); the file is
  *not* a Keras zip archive: real Keras reads it after
  ``keras.models.to_keras(keras.models.load_model(path))``.
* ``keras.models.load_model(path, custom_objects=None, compile=True)`` rebuilds the
  model from the file on the active backend (whichever backend wrote it) and
  re-compiles it.
* ``model.save_weights(path)`` / ``model.load_weights(path)``: the weights alone, in
  ``model.weights`` order (``load_weights`` also reads a ``save`` file).
* ``model.export(path, format="tf_saved_model" | "onnx")``: a TensorFlow SavedModel
  through :func:`unitorch.export.saved_model` (any model; needs TensorFlow), or an
  ONNX file (needs PyTorch and ``onnx``): the model is traced on the torch backend
  with a dynamic batch axis.
"""

from __future__ import annotations

import os
from typing import Any

from .._core import flatten, unsupported

__all__ = [
    "SavingMixin", "save_model", "load_model", "register_keras_serializable",
    "get_custom_objects", "functional_config", "sequential_config", "layer_from_config",
]

_FORMAT = "unitorch.keras"
_VERSION = 1
_CUSTOM: dict[str, type] = {}


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Any:
    """A class decorator making a custom layer or model loadable by ``load_model``
    (registered as ``"package>name"``, and under its bare name).

    Example:
        >>> import unitorch.keras as keras
        >>> @keras.saving.register_keras_serializable(package="demo")
        ... class Doubler(keras.layers.Layer):
        ...     def call(self, x):
        ...         return x * 2
        >>> "demo>Doubler" in keras.saving.get_custom_objects()
        True
    """

    def decorate(cls: type) -> type:
        key = f"{package}>{name or cls.__name__}"
        _CUSTOM[key] = cls
        cls._registered_name = key
        return cls

    return decorate


def get_custom_objects() -> dict[str, type]:
    """The registered custom classes, by ``"package>name"``.

    Example:
        >>> import unitorch.keras as keras
        >>> isinstance(keras.saving.get_custom_objects(), dict)
        True
    """
    return _CUSTOM


def _class(name: str, custom_objects: dict[str, Any] | None) -> type:
    from .. import layers as L
    from .model import Functional, Model
    from .sequential import Sequential

    if custom_objects and name in custom_objects:
        return custom_objects[name]
    builtins = {"Sequential": Sequential, "Functional": Functional, "Model": Model}
    if name in builtins:
        return builtins[name]
    if name in L.__all__:
        return getattr(L, name)
    if name in _CUSTOM:
        return _CUSTOM[name]
    bare = [cls for key, cls in _CUSTOM.items() if key.split(">", 1)[-1] == name]
    if len(bare) == 1:
        return bare[0]
    raise ValueError(f"cannot rebuild a {name!r}: not a unitorch.keras layer; register the "
                     "class with @keras.saving.register_keras_serializable() or pass "
                     "custom_objects={'" + name + "': Class}, or build the model in code and "
                     "call model.load_weights(path)")


def _class_name(layer: Any) -> str:
    return getattr(type(layer), "_registered_name", None) or type(layer).__name__


def layer_config(layer: Any) -> dict[str, Any]:
    """``{"class_name", "config"}`` of a layer (raises for a layer that cannot say how
    to rebuild itself)."""
    return {"class_name": _class_name(layer), "config": layer.get_config()}


def layer_from_config(entry: dict[str, Any], custom_objects: dict[str, Any] | None = None
                      ) -> Any:
    """The layer (or model) a :func:`layer_config` entry describes."""
    cls = _class(entry["class_name"], custom_objects)
    config = dict(entry.get("config") or {})
    if hasattr(cls, "from_config"):
        if isinstance(cls, type) and cls.__name__ in ("Sequential", "Functional"):
            return cls.from_config(config, custom_objects=custom_objects)
        return cls.from_config(config)
    return cls(**config)


# ---------------------------------------------------------------------------------------
# model configs


def sequential_config(model: Any) -> dict[str, Any]:
    """A Sequential model's config: its name, layers and input shape."""
    return {"name": model.name, "trainable": model.trainable,
            "layers": [layer_config(layer) for layer in model.layers],
            "build_input_shape": (None if model._input is None
                                  else list(model._input.batch_shape)),
            "input_dtype": None if model._input is None else model._input.dtype}


def _sequential_from_config(cls: Any, config: dict[str, Any],
                            custom_objects: dict[str, Any] | None = None) -> Any:
    from ..layers.input import InputLayer

    layers: list[Any] = []
    shape = config.get("build_input_shape")
    if shape is not None:
        layers.append(InputLayer(batch_shape=tuple(shape), dtype=config.get("input_dtype")))
    layers += [layer_from_config(e, custom_objects) for e in config["layers"]]
    return cls(layers, name=config.get("name"), trainable=config.get("trainable", True))


def functional_config(model: Any) -> dict[str, Any]:
    """A functional model's config: its layers, the calls between them and its inputs
    and outputs (each symbolic tensor as ``[node position, output index]``, an input as
    ``["input", i]``)."""
    from ..layers.input import InputLayer, KerasTensor

    inputs = flatten(model._inputs_struct)
    position = {id(t): ["input", i] for i, t in enumerate(inputs)}
    nodes = []
    for n, node in enumerate(model._nodes):
        for i, t in enumerate(flatten(node.outputs)):
            position[id(t)] = [n, i]

    def encode(x: Any) -> Any:
        if isinstance(x, KerasTensor):
            return {"tensor": position[id(x)]}
        if isinstance(x, (list, tuple)):
            return {"list": [encode(v) for v in x]}
        if isinstance(x, dict):
            return {"dict": {k: encode(v) for k, v in x.items()}}
        return {"value": x}

    layers = {}
    for layer in model._modules.values():
        if not isinstance(layer, InputLayer):
            layers[layer.name] = layer_config(layer)
    for node in model._nodes:
        nodes.append({"layer": node.layer.name, "args": encode(list(node.args)),
                      "kwargs": encode(node.kwargs)})
    input_layers = [t._keras_history[0].layer.get_config() for t in inputs]
    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "nodes": nodes, "inputs": input_layers,
            "input_structure": _structure(model._inputs_struct),
            "outputs": encode(model._outputs_struct)}


def _structure(x: Any) -> Any:
    if isinstance(x, dict):
        return {"dict": list(x)}
    if isinstance(x, (list, tuple)):
        return {"list": len(x)}
    return {"single": True}


def _functional_from_config(cls: Any, config: dict[str, Any],
                            custom_objects: dict[str, Any] | None = None) -> Any:
    from ..layers.input import Input

    inputs = [Input(batch_shape=tuple(c["batch_shape"]), dtype=c.get("dtype"),
                    name=c.get("name")) for c in config["inputs"]]
    layers = {name: layer_from_config(e, custom_objects)
              for name, e in config["layers"].items()}
    produced: list[list[Any]] = []

    def decode(x: Any) -> Any:
        if "tensor" in x:
            where, i = x["tensor"]
            return inputs[i] if where == "input" else produced[where][i]
        if "list" in x:
            return [decode(v) for v in x["list"]]
        if "dict" in x:
            return {k: decode(v) for k, v in x["dict"].items()}
        return x["value"]

    for node in config["nodes"]:
        out = layers[node["layer"]](*decode(node["args"]), **decode(node["kwargs"]))
        produced.append(flatten(out))
    shape = config["input_structure"]
    if "dict" in shape:
        ins: Any = dict(zip(shape["dict"], inputs))
    elif "list" in shape:
        ins = inputs
    else:
        ins = inputs[0]
    return cls(ins, decode(config["outputs"]), name=config.get("name"),
               trainable=config.get("trainable", True))


# ---------------------------------------------------------------------------------------
# files


def _check_path(path: Any, overwrite: bool) -> str:
    path = os.fspath(path)
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f"{path} exists and overwrite=False")
    return path


def _compile_config(model: Any) -> dict[str, Any] | None:
    from .. import losses as L
    from .. import metrics as M
    from .. import optimizers as O

    if not model.compiled:
        return None
    try:
        loss = (model.loss if isinstance(model.loss, str) or model.loss is None
                else L.serialize(model.loss))
        metrics = [m if isinstance(m, str) else M.serialize(m) for m in model._metric_specs]
    except ValueError:
        return None  # a custom loss or metric: the model is saved uncompiled
    return {"optimizer": O.serialize(model.optimizer), "loss": loss, "metrics": metrics,
            "optimizer_variables": [v.detach() for v in model.optimizer.variables]
            if model.optimizer.built else None}


def save_model(model: Any, filepath: str | os.PathLike[str], overwrite: bool = True,
               **kwargs: Any) -> None:
    """Save ``model`` (architecture, weights, compile state) to one file (see the
    module).

    Example:
        >>> import unitorch.keras as keras
        >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
        >>> keras.saving.save_model(model, "model.keras")  # doctest: +SKIP
    """
    from ...io import save

    path = _check_path(filepath, overwrite)
    try:
        architecture: Any = layer_config(model)
    except NotImplementedError:
        architecture = None
    state = {
        "format": _FORMAT, "version": _VERSION, "architecture": architecture,
        "class_name": _class_name(model),
        "build_input_shape": build_input_shape(model),
        "weights": [w.detach() for w in model.weights],
        "compile": _compile_config(model),
    }
    save(state, path)


def load_model(filepath: str | os.PathLike[str], custom_objects: dict[str, Any] | None = None,
               compile: bool = True, safe_mode: bool = True) -> Any:
    """The model saved by ``model.save`` / :func:`save_model`, on the active backend,
    re-compiled (``compile=False`` to skip it).

    Example:
        >>> import unitorch.keras as keras
        >>> model = keras.models.load_model("model.keras")  # doctest: +SKIP
    """
    from ...io import load

    state = load(os.fspath(filepath))
    if not isinstance(state, dict) or state.get("format") != _FORMAT:
        raise ValueError(f"{os.fspath(filepath)} is not a model saved by unitorch.keras "
                         "(model.save); a real Keras file converts with "
                         "keras.models.from_keras(real_keras.models.load_model(path))")
    architecture = state.get("architecture")
    if architecture is None:
        raise ValueError(f"the model in {os.fspath(filepath)} ({state.get('class_name')}) "
                         "was saved without its architecture (a subclassed model without "
                         "get_config); build it in code and call model.load_weights(path)")
    model = layer_from_config(architecture, custom_objects)
    shape = state.get("build_input_shape")
    if not model.built and shape is not None:
        model.build(tuple(shape) if not isinstance(shape[0], list) else
                    [tuple(s) for s in shape])
    model.set_weights([w.numpy() for w in state["weights"]])
    config = state.get("compile")
    if compile and config is not None:
        from .. import losses as L
        from .. import optimizers as O

        model.compile(optimizer=O.deserialize(config["optimizer"]),
                      loss=config["loss"] if not isinstance(config["loss"], dict)
                      else L.deserialize(config["loss"]), metrics=config["metrics"])
        saved = config.get("optimizer_variables")
        if saved is not None:
            model.optimizer.build(model.trainable_variables)
            model.optimizer.load_state_dict({"variables": saved})
    return model


class SavingMixin:
    """``save``, ``save_weights``, ``load_weights`` and ``export`` of Keras models."""

    def save(self, filepath: str | os.PathLike[str], overwrite: bool = True,
             zipped: Any = None, **kwargs: Any) -> None:
        """Save the whole model to one file in unitorch's safe format (see the module).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
            >>> model.save("model.keras")  # doctest: +SKIP
        """
        save_model(self, filepath, overwrite=overwrite)

    def save_weights(self, filepath: str | os.PathLike[str], overwrite: bool = True,
                     **kwargs: Any) -> None:
        """Save the weights (``model.weights`` order, with their state-dict names).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
            >>> model.save_weights("model.weights.h5")  # doctest: +SKIP
        """
        from ...io import save

        path = _check_path(filepath, overwrite)
        names = {id(t): k for k, t in self.state_dict(keep_vars=True).items()}
        save({"format": _FORMAT + ".weights", "version": _VERSION,
              "names": [names.get(id(w), "") for w in self.weights],
              "weights": [w.detach() for w in self.weights]}, path)

    def load_weights(self, filepath: str | os.PathLike[str], skip_mismatch: bool = False,
                     **kwargs: Any) -> None:
        """Load weights saved by :meth:`save_weights` or :meth:`save` (the model must be
        built the same way).

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
            >>> model.load_weights("model.weights.h5")  # doctest: +SKIP
        """
        from ...io import load

        if skip_mismatch:
            raise unsupported("load_weights(skip_mismatch=True)")
        state = load(os.fspath(filepath))
        if not isinstance(state, dict) or not str(state.get("format", "")).startswith(_FORMAT):
            raise ValueError(f"{os.fspath(filepath)} holds no unitorch.keras weights "
                             "(save_weights or save writes them)")
        if not self.built:
            shape = state.get("build_input_shape")
            if shape is None:
                raise ValueError("the model is not built: call it on a batch (or "
                                 "model.build(input_shape)) before load_weights")
            self.build(tuple(shape))
        self.set_weights([w.numpy() for w in state["weights"]])

    def export(self, filepath: str | os.PathLike[str], format: str = "tf_saved_model",
               verbose: bool = True, input_signature: Any = None, **kwargs: Any) -> Any:
        """Export for serving: ``"tf_saved_model"`` (a SavedModel directory with a
        ``serve`` endpoint and ``serving_default`` signature) or ``"onnx"`` (one
        file); see the module.  ``input_signature`` (``[((None, 3), "float32")]``...)
        defaults to the model's input shapes.

        Example:
            >>> import unitorch.keras as keras
            >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
            >>> model.export("served", format="tf_saved_model")  # doctest: +SKIP
        """
        from .export import export_model

        return export_model(self, os.fspath(filepath), format, input_signature, verbose)


def build_input_shape(model: Any) -> Any:
    """The input shape(s) the model was built for (batch axis ``None``), when known."""
    inputs = getattr(model, "inputs", None)
    if inputs:
        shapes = [list(t.shape) for t in inputs]
        return shapes[0] if len(shapes) == 1 else shapes
    return model.__dict__.get("_build_input_shape")

