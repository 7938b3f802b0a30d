"""``import unitorch.keras as keras``: Keras 3's API on unitorch, on PyTorch or
TensorFlow kernels.

A thin front door over the same Tensor, ops and kernels as ``import unitorch as ut``:
layers, models, optimizers, losses, metrics and callbacks with Keras's names,
arguments, defaults and formulas (tested against Keras 3 itself), written once on
unitorch's operations, so a model gives the same numbers on both backends from one
seed.  Training (``model.fit``) runs on unitorch's trainer.  Models are ``ut.nn``
Modules, so every unitorch tool (``ut.GradientTape``, ``ut.compile``, ``ut.fit``,
``ut.save``, the exporters, ``ut.ab``) takes them.

What Keras has and unitorch does not raises an ``AttributeError`` (a missing name) or
``NotImplementedError`` (an unsupported argument) naming it and what to use instead,
the same on both backends.  See ``docs/guides/from-tensorflow.md`` for the table of
names and the differences that remain.

Example:
    >>> import unitorch.keras as keras
    >>> model = keras.Sequential([
    ...     keras.Input(shape=(4,)),
    ...     keras.layers.Dense(16, activation="relu"),
    ...     keras.layers.Dense(3),
    ... ])
    >>> model.compile(optimizer="adam",
    ...               loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    ...               metrics=["accuracy"])
    >>> model.predict(np.zeros((2, 4)), verbose=0).shape
    (2, 3)
"""

from typing import Any

from . import (
    activations,
    backend,
    callbacks,
    initializers,
    layers,
    losses,
    metrics,
    models,
    optimizers,
    saving,
    utils,
)
from ._core import missing
from .layers import Input, InputLayer, KerasTensor, Layer
from .models import Model, Sequential

__all__ = [
    "Input", "InputLayer", "KerasTensor", "Layer", "Model", "Sequential", "activations",
    "backend", "callbacks", "initializers", "layers", "losses", "metrics", "models",
    "optimizers", "saving", "utils", "version",
]

__version__ = "3.15.1+unitorch"
"""The Keras version whose API this front door follows (and unitorch's marker)."""


def version() -> str:
    """The Keras version whose API this front door follows.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.version()
        '3.15.1+unitorch'
    """
    return __version__


ALTERNATIVES: dict[str, str] = {
    "ops": "use unitorch's own functions (import unitorch as ut: ut.matmul, ut.sum, "
           "ut.softmax...) inside layers",
    "datasets": "load the data with NumPy (scikit-learn's datasets work offline) or tf.data",
    "applications": "build the model with keras.layers, or convert a Keras model with "
                    "keras.models.from_keras",
    "preprocessing": "preprocess in the data pipeline (NumPy or tf.data)",
    "mixed_precision": "mixed precision is not supported; use float32",
    "regularizers": "add the penalty to the loss, or use the optimizer's weight_decay=",
    "constraints": "apply constraints after optimizer steps in a custom training loop",
    "Variable": "use a layer's add_weight, or ut.nn.Parameter",
    "distribution": "use unitorch.distributed",
    "random": "use unitorch.random (ut.random.normal, ut.random.uniform...)",
    "export": "use model.export(path, format=...) or unitorch.export",
    "quantizers": "quantization is not supported",
    "visualization": "print model.summary()",
    "wrappers": "use scikit-learn around model.fit/predict directly",
    "tree": "use nested lists, tuples and dicts directly",
    "dtype_policies": "layers take dtype='float32' or 'float64'",
}


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras", name, ALTERNATIVES.get(name)
                  or "implemented: " + ", ".join(__all__))
