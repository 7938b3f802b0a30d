"""Moving models between unitorch, PyTorch and Keras.

* :func:`from_torch` / :func:`to_torch`: ``torch.nn`` models (Sequential, ModuleList and
  ModuleDict trees of the supported layers) to unitorch and back; the layers, names and
  weight layouts are PyTorch's on both sides, so nothing is reshaped.
* :func:`from_keras` / :func:`to_keras`: Keras 3 Sequential or single-chain functional
  models to unitorch and back, converting the weight layouts and inserting
  :class:`Permute` layers where Keras' NHWC meets unitorch's NCHW, so each model takes
  the same input and returns the same output as its source.

The supported layer types are listed in :mod:`unitorch.nn.convert.registry`; anything
else raises :class:`UnsupportedLayerError`.  Frameworks are imported only when a
conversion that needs them runs.  See ``docs/moving-models.md``.
"""

from .from_keras import from_keras
from .from_torch import from_torch
from .layers import ConstantPad2d, Permute, RNNOutput, ZeroPad2d
from .registry import UnsupportedLayerError
from .to_keras import to_keras
from .to_torch import to_torch

__all__ = ["ConstantPad2d", "Permute", "RNNOutput", "UnsupportedLayerError", "ZeroPad2d",
           "from_keras", "from_torch", "to_keras", "to_torch"]
