"""``keras.backend``: the few backend functions Keras programs call."""

from __future__ import annotations

from typing import Any

from ._core import missing, reset_names

__all__ = ["backend", "clear_session", "epsilon", "floatx", "image_data_format"]


def backend() -> str:
    """The name of unitorch's active backend (``"torch"`` or ``"tensorflow"``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.backend.backend() in ("torch", "tensorflow")
        True
    """
    from ..backends import get_backend

    return get_backend()


def clear_session(free_memory: bool = True) -> None:
    """Restart Keras's automatic layer names (``dense``, ``dense_1``... start again).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.backend.clear_session()
    """
    reset_names()


def epsilon() -> float:
    """The fuzz factor Keras's losses clip probabilities with (1e-7).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.backend.epsilon()
        1e-07
    """
    return 1e-7


def floatx() -> str:
    """The default float dtype of layers and losses (``"float32"``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.backend.floatx()
        'float32'
    """
    return "float32"


def image_data_format() -> str:
    """The default image layout (``"channels_last"``, as in Keras).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.backend.image_data_format()
        'channels_last'
    """
    return "channels_last"


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.backend", name, "implemented: " + ", ".join(__all__))
