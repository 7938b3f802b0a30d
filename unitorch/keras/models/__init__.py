"""``keras.models``: ``Model``, ``Sequential``, ``load_model``/``save_model`` and the
conversions to and from real Keras (``from_keras``/``to_keras``)."""

from typing import Any

from .._core import missing
from .convert import from_keras, to_keras
from .model import Functional, Model
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = ["Model", "Functional", "Sequential", "load_model", "save_model", "from_keras",
           "to_keras", "clone_model"]


def clone_model(model: Any, input_tensors: Any = None, clone_function: Any = None,
                **kwargs: Any) -> Any:
    """A new model with the same architecture as a Sequential or functional ``model``
    and freshly initialised weights (Keras's ``clone_model``).

    Example:
        >>> import unitorch.keras as keras
        >>> model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
        >>> clone = keras.models.clone_model(model)
        >>> clone.count_params() == model.count_params()
        True
    """
    from .saving import layer_config, layer_from_config

    if input_tensors is not None or clone_function is not None or kwargs:
        from .._core import unsupported

        raise unsupported("clone_model(input_tensors=..., clone_function=...)")
    entry = layer_config(model)
    config = dict(entry["config"])
    if "layers" in config and isinstance(config["layers"], list):  # fresh layer names
        config["layers"] = [{**e, "config": {k: v for k, v in e["config"].items()
                                             if k != "name"}} for e in config["layers"]]
    config.pop("name", None)
    return layer_from_config({"class_name": entry["class_name"], "config": config})


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.models", name, "implemented: " + ", ".join(__all__))
