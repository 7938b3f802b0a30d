"""The PyTorch backend's ``autograd`` section: torch.autograd."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ...errors import BACKWARD_FREED
from ..contract import GradTape, Native


class AutogradOps:
    """The contract's ``autograd`` section."""

    @staticmethod
    def requires_grad(x):
        return x.requires_grad

    @staticmethod
    def set_requires_grad(x, flag):
        if x.requires_grad == flag:
            return x
        if flag and x.grad_fn is not None:  # a computed result: make a new leaf
            return x.detach().requires_grad_(True)
        return x.requires_grad_(flag) if x.grad_fn is None else x.detach()

    @staticmethod
    def variable(x, trainable):
        return x.detach().requires_grad_(trainable)

    detach = staticmethod(torch.Tensor.detach)
    no_grad = staticmethod(torch.no_grad)
    enable_grad = staticmethod(torch.enable_grad)

    @staticmethod
    def tape(persistent, watch_accessed_variables):
        return _TorchTape(persistent)

    @staticmethod
    def backward(target, output_gradient, create_graph, retain_graph):
        try:
            target.backward(output_gradient, retain_graph=retain_graph or None,
                            create_graph=create_graph)
        except RuntimeError as e:
            if "backward through the graph a second time" not in str(e):
                raise
            raise RuntimeError(BACKWARD_FREED) from None

    @staticmethod
    def get_grad(x):
        return x.grad

    @staticmethod
    def set_grad(x, grad):
        x.grad = grad

    @staticmethod
    def imperative_gradient(targets, sources, output_gradients, retain_graph, create_graph):
        return list(torch.autograd.grad(list(targets), list(sources),
                                        grad_outputs=list(output_gradients),
                                        retain_graph=retain_graph or None,
                                        create_graph=create_graph, allow_unused=True))

    @staticmethod
    def is_leaf(x):
        return x.is_leaf

    @staticmethod
    def grad_fn(x):
        return x.grad_fn

    is_grad_enabled = staticmethod(torch.is_grad_enabled)

    @staticmethod
    def set_grad_enabled(flag):
        torch._C._set_grad_enabled(bool(flag))

    @staticmethod
    def retain_grad(x):
        x.retain_grad()

    @staticmethod
    def register_hook(x, hook):
        handle = x.register_hook(hook)
        return x, handle.remove

    @staticmethod
    def data_alias(x):
        return x.data

    @staticmethod
    def set_data(x, value):
        x.data = value
        return x

    @staticmethod
    def custom_gradient(forward, inputs):
        return _Custom.apply(forward, *inputs)


class _Custom(torch.autograd.Function):
    """The contract's ``custom_gradient``: one torch.autograd.Function whose forward and
    backward are the ones given (torch runs ``forward`` without recording)."""

    @staticmethod
    def forward(ctx: Any, forward: Callable[..., Any], *inputs: Any) -> Any:
        outputs, ctx.backward_fn = forward(*inputs)
        return outputs

    @staticmethod
    def backward(ctx: Any, *grads: Any) -> Any:
        return (None, *ctx.backward_fn(*grads))


class _TorchTape(GradTape):
    """torch.autograd records every operation on tensors that require gradients, so this
    tape only marks watched tensors and calls ``torch.autograd.grad``."""

    def __init__(self, persistent: bool) -> None:
        self._persistent = persistent

    def __enter__(self) -> _TorchTape:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    @staticmethod
    def watch(x: Native) -> Native:
        return x if x.requires_grad else x.detach().requires_grad_(True)

    def gradient(self, target, sources, output_gradient, create_graph):
        if not target.requires_grad:  # depends on nothing recorded
            return [torch.zeros_like(s) for s in sources]
        grads = torch.autograd.grad(
            target, list(sources), grad_outputs=output_gradient, create_graph=create_graph,
            retain_graph=create_graph or self._persistent, allow_unused=True,
        )
        return [torch.zeros_like(s) if g is None else g for g, s in zip(grads, sources)]

    @staticmethod
    def stop_recording():
        return torch.no_grad()
