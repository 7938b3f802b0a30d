"""The PyTorch backend's ``compile`` section: ``torch.compile``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch


class CompileOps:
    """The contract's ``compile`` section."""

    @staticmethod
    def compile(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        compiled = torch.compile(fn, **options)
        config = torch._dynamo.config
        if not hasattr(config, "nested_graph_breaks"):
            return compiled

        # A graph break (loss.backward() always makes one) inside a nested call makes
        # Dynamo compile the outer frame up to the call and run the callee's frames on
        # their own; unitorch's frames hold unitorch Tensors, not torch ones, so Dynamo
        # skips them and a training step would run eagerly.  With nested graph breaks
        # Dynamo resumes inside the nested frames: the forward before backward() is one
        # graph, as in the same step written with torch alone.
        def call(*args: Any, **kwargs: Any) -> Any:
            before = config.nested_graph_breaks
            config.nested_graph_breaks = True
            try:
                return compiled(*args, **kwargs)
            finally:
                config.nested_graph_breaks = before

        return call
