"""The PyTorch backend's ``autograd`` section: torch.autograd."""

from __future__ import annotations

import sys
from typing import Any

import torch

from ...errors import BACKWARD_FREED
from ..contract import GradTape, Native
from .core import _eager_in_traces


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
    def custom_gradient(forward, backward, inputs):
        run = _custom_eager if torch.compiler.is_compiling() else _custom
        return run(forward, backward, inputs)

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


class _Custom(torch.autograd.Function):
    """A ``torch.autograd.Function`` running the contract's ``forward``/``backward``
    pair (``custom_gradient``); the saved natives go through ``save_for_backward``, so
    torch checks they were not modified in place and frees them with the graph."""

    @staticmethod
    def forward(ctx, forward, backward, *inputs):
        outputs, saved = forward(list(inputs))
        ctx.save_for_backward(*saved)
        ctx.run_backward = backward
        return tuple(outputs)

    @staticmethod
    def backward(ctx, *grads):
        # torch records backward's operations when create_graph asks for it, so
        # higher-order gradients go through them.  While a compiled function runs, the
        # autograd engine's calls into Python would be traced too: run them eagerly.
        run = _run_eager if "torch._dynamo" in sys.modules else _run
        return (None, None, *run(ctx.run_backward, list(ctx.saved_tensors), list(grads)))


def _run(fn, *args):
    return fn(*args)


_run_eager = _eager_in_traces(_run)


def _custom(forward, backward, inputs):
    return list(_Custom.apply(forward, backward, *inputs))


# Dynamo traces a torch.autograd.Function's forward and backward as a higher-order
# operator, in a mode that cannot follow unitorch's operators (it fails to wrap their
# closures' tables), so inside torch.compile the operation runs eagerly, between graphs.
# (The wrapper imports torch._dynamo at its first call, which happens while compiling.)
_custom_eager = _eager_in_traces(_custom)


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
