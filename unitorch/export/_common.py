"""Helpers shared by the exporters: copying a model onto a backend, example inputs."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..backends import load
from ..nn.module import Module
from ..nn.parameter import make_variable
from ..ops.creation import asarray_on
from ..tensor import Tensor

__all__ = ["on_backend", "as_tuple", "torch_inputs", "flatten_outputs"]


def on_backend(model: Module, name: str) -> Module:
    """A deep copy of ``model`` whose parameters and buffers live on backend ``name``
    (copies of the values; a tensor shared between modules stays shared).  Works for any
    unitorch Module, custom ones included: the copy runs the same ``forward``."""
    if not isinstance(model, Module):
        raise TypeError(f"expected a unitorch Module, got {type(model).__name__}")
    backend = load(name)
    memo: dict[int, Any] = {}
    for _, t in [*model.named_parameters(), *model.named_buffers()]:
        new = make_variable(asarray_on(backend, t, copy=True), bool(t.requires_grad))
        if getattr(t, "_p", False):
            new._p = True
        memo[id(t)] = new
    return copy.deepcopy(model, memo)


def as_tuple(example_inputs: Any) -> tuple[Any, ...]:
    """One example input or a tuple/list of them, as a tuple."""
    if isinstance(example_inputs, (tuple, list)):
        return tuple(example_inputs)
    return (example_inputs,)


def torch_inputs(example_inputs: Any, dynamic_batch: bool) -> tuple[Any, ...]:
    """The example inputs as torch tensors.  With a dynamic batch, a batch of 1 is
    repeated to 2: ``torch.export`` treats a size-1 dimension as the constant 1."""
    bk = load("torch")
    out = []
    for x in as_tuple(example_inputs):
        n = asarray_on(bk, x if isinstance(x, Tensor) else np.asarray(x), copy=True)._n
        if dynamic_batch and n.ndim and n.shape[0] == 1:
            n = n.repeat(2, *([1] * (n.ndim - 1)))
        out.append(n)
    return tuple(out)


def flatten_outputs(out: Any) -> list[Any]:
    """The tensors of a (nested) output, in order."""
    if isinstance(out, (tuple, list)):
        return [t for o in out for t in flatten_outputs(o)]
    if isinstance(out, dict):
        return [t for k in out for t in flatten_outputs(out[k])]
    return [out]
