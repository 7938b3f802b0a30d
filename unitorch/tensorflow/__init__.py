"""``import unitorch.tensorflow as tf``: the ``tf`` names a TensorFlow training program
uses, on unitorch, on PyTorch or TensorFlow kernels.

A thin front door over the same Tensor, ops and kernels as ``import unitorch as ut``,
adding only what TensorFlow spells or defines differently:

* tensors and dtypes: ``constant``, ``convert_to_tensor``, ``Variable``, ``cast``,
  ``float32``... (unitorch's dtypes), ``newaxis``, ``Tensor`` (unitorch's), ``TensorSpec``;
* ``GradientTape``, ``function`` (compiled where the backend compiles training steps:
  ``tf.function`` on TensorFlow, eager on PyTorch; see
  :mod:`unitorch.tensorflow._function`);
* reductions and friends with TensorFlow's defaults (``reduce_sum``/``mean``/``max``,
  ``argmax(output_type=)``, ``one_hot``...: :mod:`unitorch.tensorflow._core`),
  ``tf.math``, ``tf.nn``, ``tf.random`` (``set_seed``...);
* ``tf.keras``: :mod:`unitorch.keras` (``from unitorch.tensorflow.keras.layers import
  Dense`` works);
* ``tf.data``: TensorFlow's own ``tf.data`` (where TensorFlow is installed; imported on
  first use).  Its datasets feed ``model.fit``, ``ut.fit`` and ``ut.data.DataLoader``
  on either backend (batches converted to tensors of the active backend), and their
  ``map`` functions may call this module's functions, which pass TensorFlow's own
  tensors to TensorFlow (:mod:`unitorch.tensorflow._native`).

Importing this module imports neither framework.  A ``tf`` name it lacks raises an
``AttributeError`` naming it and the unitorch alternative, the same on both backends.

Example:
    >>> import unitorch.tensorflow as tf
    >>> x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
    >>> tf.reduce_sum(x, axis=1), tf.argmax(x, axis=1)
    (tensor([3., 7.], dtype=float32), tensor([1, 1], dtype=int64))
"""

from __future__ import annotations

import sys
from typing import Any

from .. import keras
from ..dtypes import (
    bfloat16,
    bool,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    uint8,
)
from ..keras._core import missing
from ..tensor import Tensor
from . import math, nn, random
from ._core import *  # noqa: F403
from ._core import __all__ as _core_names
from ._function import GradientTape, function

__all__ = [
    *_core_names, "GradientTape", "function", "keras", "nn", "math", "random",
    "Tensor", "newaxis", "float16", "bfloat16", "float32", "float64", "int8", "int16",
    "int32", "int64", "uint8", "bool", "complex64", "complex128",
]

__version__ = "2.21.0+unitorch"
"""The TensorFlow version whose API this front door follows (and unitorch's marker)."""

newaxis = None

# `from unitorch.tensorflow.keras.layers import Dense`, as `from tensorflow.keras.layers
# import Dense`: the keras modules under this package's name too
for _name, _module in list(sys.modules.items()):
    if _name == "unitorch.keras" or _name.startswith("unitorch.keras."):
        sys.modules["unitorch.tensorflow" + _name[len("unitorch"):]] = _module

ALTERNATIVES: dict[str, str] = {
    "config": "choose devices with ut.set_default_device and threads with the framework",
    "distribute": "use unitorch.distributed (ut.nn.DataParallel, `unitorch run`)",
    "saved_model": "export with unitorch.export.saved_model or model.export()",
    "summary": "log with ut.fit(log_dir=...) or keras.callbacks.TensorBoard",
    "io": "read files with NumPy or tf.data",
    "image": "process images in the data pipeline (tf.data or NumPy)",
    "linalg": "use unitorch.linalg",
    "signal": "use unitorch.fft",
    "sparse": "sparse tensors are not supported",
    "RaggedTensor": "ragged tensors are not supported; pad the data",
    "py_function": "call the Python function outside the compiled step",
    "numpy_function": "call the Python function outside the compiled step",
    "cond": "use Python control flow (unitorch traces it as written)",
    "while_loop": "use a Python loop",
    "map_fn": "use a Python loop or vectorized unitorch ops",
    "vectorized_map": "use vectorized unitorch ops",
    "gather": "use ut.take(x, indices, axis=...)",
    "gather_nd": "use NumPy-style indexing on unitorch tensors",
    "scatter_nd": "use __setitem__ on unitorch tensors",
    "tensor_scatter_nd_update": "use __setitem__ on unitorch tensors",
    "einsum": "use ut.einsum",
    "tile": "use ut.tile",
    "pad": "use ut.pad (NumPy's pad_width)",
    "split": "use ut.split",
    "sort": "use ut.sort",
    "unique": "use ut.unique_values",
    "norm": "use ut.linalg.vector_norm",
    "boolean_mask": "use boolean indexing: x[mask]",
    "identity": "use the tensor itself (or x.clone())",
    "stop_gradient": "use x.detach()",
    "device": "use ut.set_default_device or tensor.to_device",
    "experimental": "not supported",
    "estimator": "not supported",
    "Module": "subclass keras.layers.Layer or ut.nn.Module",
    "TensorArray": "collect tensors in a Python list and ut.stack them",
    "SparseTensor": "sparse tensors are not supported",
    "string": "string tensors are not supported by unitorch (tf.data can hold them)",
    "Graph": "graphs are built by unitorch.compile (tf.function)",
    "Session": "TensorFlow 1 sessions are not supported",
}


def __getattr__(name: str) -> Any:
    if name == "data":
        try:
            import tensorflow
        except ImportError as e:
            raise AttributeError(
                "module 'unitorch.tensorflow' has no attribute 'data': tf.data is "
                "TensorFlow's own and needs TensorFlow installed (pip install "
                "tensorflow-cpu); without it, use ut.data.DataLoader") from e
        random.apply_tf_seed()
        globals()["data"] = tensorflow.data
        return tensorflow.data
    raise missing("unitorch.tensorflow", name, ALTERNATIVES.get(name)
                  or "use unitorch's functions (import unitorch as ut: NumPy's names), or "
                     "TensorFlow itself for data pipelines")
