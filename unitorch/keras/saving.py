"""``keras.saving``: saving and loading models in unitorch's safe format, and
registering custom classes (see :mod:`unitorch.keras.models.saving`)."""

from typing import Any

from ._core import missing
from .models.saving import (
    get_custom_objects,
    load_model,
    register_keras_serializable,
    save_model,
)

__all__ = ["load_model", "save_model", "register_keras_serializable", "get_custom_objects"]


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.saving", name, "implemented: " + ", ".join(__all__))
