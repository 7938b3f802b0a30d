"""Exporting unitorch models for serving, whatever backend trained them.

* :func:`onnx`: an ONNX file (through ``to_torch`` and PyTorch's ONNX exporter), for
  ONNX Runtime and everything that reads ONNX;
* :func:`saved_model`: a TensorFlow SavedModel with a ``serving_default`` signature, for
  TF Serving (any unitorch model, custom ones included);
* :func:`torch`: a ``torch.export`` program saved with ``torch.export.save``.

Each copies the weights to the framework it needs, exports the model in eval mode and
has a dynamic batch axis.  See ``docs/exporting.md``.
"""

from .onnx import onnx
from .saved_model import saved_model
from .torch_export import torch_program as torch

__all__ = ["onnx", "saved_model", "torch"]
