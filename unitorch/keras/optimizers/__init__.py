"""``keras.optimizers``: Keras 3's optimizers (formulas, defaults, ``learning_rate=``,
``apply_gradients``, ``iterations``, schedules) on unitorch tensors.  See
:mod:`unitorch.keras.optimizers.base` for the machinery and
:mod:`unitorch.keras.optimizers.optimizers` for each formula."""

from typing import Any

from .._core import missing, snake_case
from . import schedules
from .base import Optimizer
from .optimizers import SGD, Adagrad, Adam, Adamax, AdamW, Nadam, RMSprop

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Nadam",
           "schedules", "get", "serialize", "deserialize"]

_CLASSES = {cls.__name__: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adamax, Nadam)}
_NAMES = {snake_case(name): cls for name, cls in _CLASSES.items()}
_NAMES.update({"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop,
               "adagrad": Adagrad, "adamax": Adamax, "nadam": Nadam})


def get(identifier: Any) -> Optimizer:
    """An optimizer from its name (``"adam"``, ``"sgd"``, ``"rmsprop"``...: a new one
    with Keras's defaults), a config dict, or an Optimizer (returned as is).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.get("adam").get_config()["epsilon"]
        1e-07
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _NAMES.get(identifier.lower()) or _CLASSES.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret optimizer identifier: {identifier}; "
                             f"unitorch.keras implements {sorted(_CLASSES)}")
        return cls()
    if hasattr(identifier, "param_groups"):
        raise TypeError("compile() needs a Keras optimizer (unitorch.keras.optimizers); a "
                        "ut.optim optimizer belongs with ut.fit")
    raise ValueError(f"Could not interpret optimizer identifier: {identifier}")


def serialize(optimizer: Optimizer) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.serialize(keras.optimizers.SGD())["class_name"]
        'SGD'
    """
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


def deserialize(config: dict[str, Any]) -> Optimizer:
    """The optimizer :func:`serialize` described.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.deserialize({"class_name": "SGD", "config": {}}).name
        'sgd'
    """
    cls = _CLASSES.get(config.get("class_name")) or _NAMES.get(
        str(config.get("class_name")).lower())
    if cls is None:
        raise ValueError(f"Could not interpret optimizer identifier: {config}")
    return cls.from_config(dict(config.get("config") or {}))


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.optimizers", name,
                  f"implemented: {', '.join(sorted(_CLASSES))}; or subclass Optimizer")
