"""``ut.export.onnx``: an ONNX file of a unitorch model.

Route: :func:`unitorch.nn.to_torch` (native ``torch.nn`` layers, whatever backend the
model lives on), eval mode, then PyTorch's own exporter, ``torch.onnx.export(...,
dynamo=True)`` (the ``torch.export``-based one, PyTorch's default since 2.9; it needs
the ``onnxscript`` package), with the batch axis of every input dynamic.  The file
passes ``onnx.checker.check_model`` before it is returned.  It works offline; ``tf2onnx``
(the TensorFlow route) was not chosen because it lags TensorFlow releases and is not
needed: both routes start from the same weights.

Install with ``pip install 'unitorch[export]'`` (onnx, onnxruntime, onnxscript).
"""

from __future__ import annotations

import contextlib
import io
import os
import warnings
from collections.abc import Sequence
from typing import Any

from ..nn.module import Module
from ._common import flatten_outputs, torch_inputs
from .torch_export import dynamic_shapes

__all__ = ["onnx"]


def onnx(model: Module, example_inputs: Any, path: str | os.PathLike[str], *,
         dynamic_batch: bool = True, input_names: Sequence[str] | None = None,
         output_names: Sequence[str] | None = None, opset_version: int | None = None,
         dynamo: bool = True) -> str:
    """Export ``model`` (a unitorch model of either backend, made of the layers
    :func:`unitorch.nn.to_torch` converts) to the ONNX file ``path``; returns the path.

    ``example_inputs``: one input or a tuple of them (unitorch Tensors of any backend,
    NumPy arrays, torch tensors), used for tracing only.  With ``dynamic_batch`` (the
    default) axis 0 of every input and output is a symbolic ``batch`` dimension, so
    ONNX Runtime accepts any batch size.  Inputs are named ``input_0``, ``input_1``...
    and outputs ``output_0``... unless ``input_names``/``output_names`` say otherwise.
    The graph computes the model in eval mode (dropout off, BatchNorm with its running
    statistics).  ``dynamo=False`` uses PyTorch's older TorchScript-based exporter
    (deprecated by PyTorch, faster to run), with ``dynamic_axes`` for the batch.  The
    weights are stored inside the file.

    Example:
        >>> model = ut.nn.Sequential(ut.nn.Linear(3, 2))
        >>> ut.export.onnx(model, ut.ones((4, 3)), "model.onnx")  # doctest: +SKIP
        >>> import onnxruntime as ort  # doctest: +SKIP
        >>> ort.InferenceSession("model.onnx").run(None, {"input_0": x})  # doctest: +SKIP
    """
    import onnx as onnx_lib
    import torch

    from ..nn.convert import to_torch

    path = os.fspath(path)
    tm = to_torch(model).eval()
    args = torch_inputs(example_inputs, dynamic_batch)
    with torch.no_grad():
        n_out = len(flatten_outputs(tm(*args)))
    inputs = list(input_names) if input_names else [f"input_{i}" for i in range(len(args))]
    outputs = list(output_names) if output_names else [f"output_{i}" for i in range(n_out)]
    kwargs: dict[str, Any] = dict(input_names=inputs, output_names=outputs,
                                  opset_version=opset_version, dynamo=dynamo)
    if dynamo:
        kwargs.update(dynamic_shapes=dynamic_shapes(args, dynamic_batch),
                      external_data=False, verbose=False)
    elif dynamic_batch:
        kwargs["dynamic_axes"] = {n: {0: "batch"} for n in inputs + outputs}
    # the exporters print progress and warn about their own internals: keep it quiet
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(tm, args, path, **kwargs)
    onnx_lib.checker.check_model(path)
    return path
