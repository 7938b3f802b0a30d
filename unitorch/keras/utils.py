"""``keras.utils``: the helpers training scripts use: ``to_categorical``,
``set_random_seed``, ``normalize``."""

from __future__ import annotations

import random
from typing import Any

import numpy as np

from ._core import missing

__all__ = ["to_categorical", "set_random_seed", "normalize"]


def to_categorical(x: Any, num_classes: int | None = None) -> np.ndarray:
    """One-hot encodings of integer class ids ``x`` (any shape; a trailing axis of size 1
    is dropped) as a float32 NumPy array of shape ``x.shape + (num_classes,)``
    (``num_classes`` defaults to ``max(x) + 1``).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.utils.to_categorical([0, 2], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.]], dtype=float32)
    """
    y = np.asarray(x.numpy() if hasattr(x, "numpy") else x, dtype="int64")
    shape = y.shape
    if shape and shape[-1] == 1 and len(shape) > 1:
        shape = shape[:-1]
    y = y.reshape(-1)
    if num_classes is None:
        num_classes = int(np.max(y)) + 1
    out = np.zeros((y.shape[0], num_classes), dtype="float32")
    out[np.arange(y.shape[0]), y] = 1.0
    return out.reshape((*shape, num_classes))


def set_random_seed(seed: int) -> None:
    """Seed Python's ``random``, NumPy's global generator and every unitorch generator
    (``ut.manual_seed``): a model built afterwards has the same initial weights on
    every backend.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.utils.set_random_seed(0)
    """
    from ..random import manual_seed

    if not isinstance(seed, int):
        raise ValueError(f"Expected `seed` argument to be an integer. Received: seed={seed} "
                         f"(of type {type(seed)})")
    random.seed(seed)
    np.random.seed(seed)
    manual_seed(seed)


def normalize(x: Any, axis: int = -1, order: int = 2) -> Any:
    """``x`` divided by its ``order``-norm along ``axis`` (zero vectors stay zero).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.utils.normalize(np.array([[3.0, 4.0]]))
        array([[0.6, 0.8]])
    """
    a = np.asarray(x.numpy() if hasattr(x, "numpy") else x)
    norm = np.atleast_1d(np.linalg.norm(a, order, axis))
    norm[norm == 0] = 1
    return a / np.expand_dims(norm, axis)


_ALTERNATIVES = {
    "plot_model": "print the layers with model.summary()",
    "image_dataset_from_directory": "build the pipeline with tf.data or NumPy",
    "text_dataset_from_directory": "build the pipeline with tf.data or NumPy",
    "timeseries_dataset_from_array": "build the windows with NumPy or tf.data",
    "Sequence": "yield (x, y) batches from any re-iterable, or use ut.data.DataLoader",
    "PyDataset": "yield (x, y) batches from any re-iterable, or use ut.data.DataLoader",
    "get_file": "download files outside the training script",
}


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.utils", name, _ALTERNATIVES.get(name)
                  or "implemented: " + ", ".join(__all__))
