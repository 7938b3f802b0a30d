"""``torch.onnx``: :func:`export` through unitorch's exporter (:func:`unitorch.export.onnx`:
the model converted to ``torch.nn`` layers, then PyTorch's own ONNX exporter), for a
model living on either backend.  Needs ``pip install 'unitorch[export]'``.

Example:
    >>> import unitorch.torch as torch
    >>> model = torch.nn.Sequential(torch.nn.Linear(3, 2))
    >>> torch.onnx.export(model, torch.ones(4, 3), "model.onnx")  # doctest: +SKIP
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from typing import Any

__all__ = ["export"]


def export(model: Any, args: Any, f: str | os.PathLike[str] | Any = None, *,
           kwargs: dict[str, Any] | None = None, export_params: bool = True,
           verbose: bool | None = None, input_names: Sequence[str] | None = None,
           output_names: Sequence[str] | None = None, opset_version: int | None = None,
           dynamic_axes: Any = None, dynamic_shapes: Any = None, dynamo: bool = True,
           training: Any = None, do_constant_folding: bool = True, **options: Any) -> None:
    """Write the ONNX graph of ``model`` (a unitorch Module) called on ``args`` (a
    tensor or a tuple of them) to ``f``, a path or a binary file object.  Axis 0 of
    every input and output is a symbolic batch dimension when ``dynamic_axes`` or
    ``dynamic_shapes`` asks for any dynamic axis (other dynamic axes are not
    supported: ``NotImplementedError``); the weights are stored in the file
    (``export_params=False`` is not supported).  The graph is the model in eval mode.

    Example:
        >>> model = ut.torch.nn.Linear(3, 2)
        >>> ut.torch.onnx.export(model, (ut.torch.ones(1, 3),), "linear.onnx")  # doctest: +SKIP
    """
    from ..export import onnx as _onnx

    if kwargs:
        raise NotImplementedError("torch.onnx.export(kwargs=...) is not supported; pass the "
                                  "inputs positionally in args")
    if not export_params:
        raise NotImplementedError("torch.onnx.export(export_params=False) is not supported: "
                                  "the weights are always stored in the file")
    dynamic = _batch_only(dynamic_axes) or _batch_only(dynamic_shapes)
    if f is None:
        raise TypeError("torch.onnx.export() needs f, a path or a file object")
    common = dict(dynamic_batch=dynamic, input_names=input_names, output_names=output_names,
                  opset_version=opset_version, dynamo=dynamo)
    if hasattr(f, "write") and not isinstance(f, (str, os.PathLike)):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.onnx")
            _onnx(model, args, path, **common)
            with open(path, "rb") as fh:
                f.write(fh.read())
        return
    _onnx(model, args, f, **common)


def _batch_only(spec: Any) -> bool:
    """Whether ``spec`` (PyTorch's ``dynamic_axes`` or ``dynamic_shapes``) asks for
    dynamic axes, all of them axis 0."""
    if not spec:
        return False
    axes = []
    items = spec.values() if isinstance(spec, dict) else spec
    for entry in items:
        if entry is None:
            continue
        if isinstance(entry, dict):
            axes.extend(entry)
        elif isinstance(entry, (list, tuple)):
            axes.extend(a for a in entry if isinstance(a, int))
    if any(a != 0 for a in axes):
        raise NotImplementedError("torch.onnx.export(): only the batch axis (0) can be "
                                  f"dynamic in unitorch's exporter, got axes {sorted(set(axes))}")
    return bool(axes) or bool(spec)
