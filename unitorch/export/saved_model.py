"""``ut.export.saved_model``: a TensorFlow SavedModel of a unitorch model, for TF Serving.

Any unitorch Module works, custom ones included: the model is copied onto the
TensorFlow backend (its parameters and buffers become ``tf.Variable`` objects of a
``tf.Module``, whatever backend it trained on), put in eval mode, and its own
``forward`` is traced by ``tf.function`` with the given input signature.  The
SavedModel's ``serving_default`` signature takes the inputs by name (``input_0``... or
the TensorSpecs' names) and returns a dict ``{"output_0": ..., ...}`` (the model's
outputs, nested tuples flattened in order).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from ..nn.module import Module
from ._common import flatten_outputs, on_backend

__all__ = ["saved_model"]


def _spec(item: Any, i: int) -> Any:
    import numpy as np
    import tensorflow as tf

    from .. import dtypes as dt

    if isinstance(item, tf.TensorSpec):
        return item if item.name else tf.TensorSpec(item.shape, item.dtype, f"input_{i}")
    bad = TypeError(f"saved_model(): input_signature entries are tf.TensorSpec or (shape, "
                    f"dtype) pairs, e.g. ((None, 3), 'float32'); entry {i} is {item!r}")
    try:
        shape, dtype = item
        shape = tuple(None if s is None else int(s) for s in shape)
        if isinstance(dtype, tf.DType):
            tf_dtype = dtype
        elif isinstance(dtype, dt.DType) or (isinstance(dtype, str) and dtype in
                                             {d.name for d in dt.all_dtypes}):
            tf_dtype = tf.as_dtype(dt.as_dtype(dtype).numpy)
        else:
            tf_dtype = tf.as_dtype(np.dtype(dtype))
    except (TypeError, ValueError):
        raise bad from None
    return tf.TensorSpec(shape, tf_dtype, f"input_{i}")


def saved_model(model: Module, path: str | os.PathLike[str], input_signature: Sequence[Any]
                ) -> Any:
    """Write ``model`` (a unitorch model of either backend) as a TensorFlow SavedModel
    at the directory ``path``, with a ``serving_default`` signature (what TF Serving
    runs); returns the ``tf.Module`` that was saved.

    ``input_signature``: one entry per ``forward`` argument, each a ``tf.TensorSpec`` or
    a ``(shape, dtype)`` pair with ``None`` for a variable axis (the batch), e.g.
    ``[((None, 3, 32, 32), "float32")]``; dtypes may be unitorch, NumPy or TensorFlow
    dtypes or their names.  The signature's inputs are named ``input_0``... (or the
    specs' names) and its outputs ``output_0``....  The model runs in eval mode (dropout
    off, BatchNorm with its running statistics); the original model is not changed.

    Example:
        >>> model = ut.nn.Sequential(ut.nn.Linear(3, 2))
        >>> ut.export.saved_model(model, "served", [((None, 3), "float32")])  # doctest: +SKIP
        >>> f = tf.saved_model.load("served").signatures["serving_default"]  # doctest: +SKIP
        >>> f(input_0=tf.ones((5, 3)))["output_0"].shape  # doctest: +SKIP
        TensorShape([5, 2])
    """
    import tensorflow as tf

    from ..backends import load, use_backend

    if isinstance(input_signature, tf.TensorSpec):
        input_signature = [input_signature]
    specs = [_spec(item, i) for i, item in enumerate(input_signature)]
    served = on_backend(model, "tensorflow").eval()
    backend = load("tensorflow")
    module = tf.Module()
    module.variables_ = [t._n for _, t in [*served.named_parameters(),
                                            *served.named_buffers()]]

    @tf.function(input_signature=specs, autograph=False)
    def serve(*args: Any) -> dict[str, Any]:
        with use_backend("tensorflow"):
            out = served(*(backend.wrap(a) for a in args))
        return {f"output_{i}": t._n for i, t in enumerate(flatten_outputs(out))}

    concrete = serve.get_concrete_function()
    module.serve = serve
    tf.saved_model.save(module, os.fspath(path), signatures={"serving_default": concrete})
    return module
