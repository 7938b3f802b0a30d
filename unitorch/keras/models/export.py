"""``model.export``: a Keras model as a TensorFlow SavedModel or an ONNX file.

* ``"tf_saved_model"``: :func:`unitorch.export.saved_model` (the model copied onto the
  TensorFlow backend and traced by ``tf.function``); the SavedModel has a ``serve``
  endpoint and a ``serving_default`` signature, as Keras's export has.
* ``"onnx"``: the model copied onto the torch backend and traced through unitorch's
  torch kernels by PyTorch's TorchScript-based ONNX exporter, with a dynamic batch
  axis (inputs ``input_0``..., outputs ``output_0``...); checked with ``onnx``.
  :func:`unitorch.export.onnx` converts ``ut.nn`` layers to ``torch.nn`` first and does
  not know Keras layers, so this traces the model itself instead.

Both run the model in inference mode.  The input signature is ``[(shape, dtype), ...]``
(``None`` for the batch), by default the model's input shapes.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from typing import Any

import numpy as np

__all__ = ["export_model"]


def _signature(model: Any, given: Any) -> list[tuple[tuple[Any, ...], str]]:
    if given is not None:
        out = []
        for item in (given if isinstance(given, (list, tuple)) and not (
                len(given) == 2 and isinstance(given[1], str)) else [given]):
            shape = getattr(item, "shape", None)
            if shape is not None and hasattr(item, "dtype"):  # a tf.TensorSpec
                out.append((tuple(None if s is None else int(s) for s in shape),
                            str(getattr(item.dtype, "name", item.dtype))))
            else:
                shape, dtype = item
                out.append((tuple(shape), str(getattr(dtype, "name", dtype))))
        return out
    inputs = getattr(model, "inputs", None)
    if inputs:
        return [(tuple(t.shape), t.dtype) for t in inputs]
    shape = model.__dict__.get("_build_input_shape")
    if shape is not None and not isinstance(shape[0], (list, tuple)):
        return [(tuple(shape), model.dtype)]
    raise ValueError("export: the model's input shape is unknown; pass input_signature="
                     "[((None, ...), 'float32')] or call the model once first")


def _positional(model: Any) -> Any:
    """``model`` taking its inputs as positional arguments (what the exporters pass), in
    inference mode."""
    from ...nn.module import Module

    class Positional(Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *args: Any) -> Any:
            return self.model(args[0] if len(args) == 1 else list(args), training=False)

    return Positional()


def export_model(model: Any, path: str, format: str, input_signature: Any,
                 verbose: bool = True) -> Any:
    """Export ``model`` to ``path`` (see the module)."""
    signature = _signature(model, input_signature)
    if format == "tf_saved_model":
        from ...export import saved_model

        return saved_model(_positional(model), path, signature)
    if format == "onnx":
        return _onnx(model, path, signature)
    raise ValueError(f"Unrecognized format={format}; unitorch.keras exports "
                     "'tf_saved_model' and 'onnx'")


def _onnx(model: Any, path: str, signature: list[tuple[tuple[Any, ...], str]]) -> str:
    import onnx
    import torch

    from ...backends import load, use_backend
    from ...export._common import flatten_outputs, on_backend

    served = on_backend(_positional(model), "torch")
    served.requires_grad_(False)  # an inference graph: the weights become its constants
    backend = load("torch")
    examples = []
    for shape, dtype in signature:
        concrete = tuple(2 if s is None else int(s) for s in shape)
        examples.append(torch.from_numpy(np.zeros(concrete, dtype=np.dtype(dtype))))

    class Traced(torch.nn.Module):
        def forward(self, *args: Any) -> Any:
            with use_backend("torch"):
                out = served(*[backend.wrap(a) for a in args])
            return tuple(t.native for t in flatten_outputs(out))

    names_in = [f"input_{i}" for i in range(len(examples))]
    with torch.no_grad():
        n_out = len(Traced()(*examples))
    names_out = [f"output_{i}" for i in range(n_out)]
    axes = {n: {0: "batch"} for n in names_in + names_out}
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(Traced(), tuple(examples), path, input_names=names_in,
                          output_names=names_out, dynamic_axes=axes, dynamo=False)
    onnx.checker.check_model(path)
    return path
