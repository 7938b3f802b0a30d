"""``ut.export.torch``: a ``torch.export`` program of a unitorch model.

The model is converted with :func:`unitorch.nn.to_torch` (native ``torch.nn`` layers,
whatever backend the model lives on), put in eval mode and traced by
``torch.export.export`` with the batch axis of every input dynamic
(``torch.export.Dim``); the ``ExportedProgram`` is saved with ``torch.export.save``, and
``torch.export.load(path).module()(x)`` runs it (in Python, or AOTInductor / ExecuTorch
from there).
"""

from __future__ import annotations

import os
import warnings
from typing import Any

from ..nn.module import Module
from ._common import torch_inputs

__all__ = ["torch_program"]


def dynamic_shapes(inputs: tuple[Any, ...], dynamic_batch: bool) -> tuple[Any, ...] | None:
    """torch.export's ``dynamic_shapes`` making axis 0 of every input one ``batch`` Dim."""
    if not dynamic_batch:
        return None
    import torch

    batch = torch.export.Dim("batch")
    return tuple({0: batch} if x.ndim else None for x in inputs)


def torch_program(model: Module, example_inputs: Any, path: str | os.PathLike[str] | None
                  = None, *, dynamic_batch: bool = True) -> Any:
    """Export ``model`` (a unitorch model of either backend, made of the layers
    :func:`unitorch.nn.to_torch` converts) as a ``torch.export.ExportedProgram`` and,
    if ``path`` is given, save it there with ``torch.export.save`` (a ``.pt2`` file).

    ``example_inputs``: one input or a tuple of them (unitorch Tensors of any backend,
    NumPy arrays, torch tensors), used for tracing only.  With ``dynamic_batch`` (the
    default) axis 0 of every input is one symbolic ``batch`` dimension, so the program
    runs any batch size (an example batch of 1 is repeated to 2 for tracing, since
    ``torch.export`` fixes size-1 axes).  The program computes the model in eval mode
    (dropout off, BatchNorm with its running statistics).  Returns the program.

    Example:
        >>> model = ut.nn.Sequential(ut.nn.Linear(3, 2))
        >>> ep = ut.export.torch(model, ut.ones((4, 3)), "model.pt2")  # doctest: +SKIP
        >>> torch.export.load("model.pt2").module()(torch.ones(7, 3)).shape  # doctest: +SKIP
        torch.Size([7, 2])
    """
    import torch

    from ..nn.convert import to_torch

    tm = to_torch(model).eval().requires_grad_(False)  # an inference program
    args = torch_inputs(example_inputs, dynamic_batch)
    with torch.no_grad(), warnings.catch_warnings():
        # torch.nn.LSTM/GRU/RNN refresh a cached weight list while being traced, which
        # torch.export reports; the weights are the registered parameters all the same
        warnings.filterwarnings("ignore", message=".*were assigned during export")
        program = torch.export.export(tm, args,
                                      dynamic_shapes=dynamic_shapes(args, dynamic_batch))
    if path is not None:
        torch.export.save(program, os.fspath(path))
    return program
