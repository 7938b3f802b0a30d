"""``torch.compile`` on :func:`unitorch.compile` (``tf.function`` on TensorFlow,
``torch.compile`` on PyTorch)."""

from __future__ import annotations

from typing import Any

from ..autograd import compile as _compile
from ..nn.module import Module

__all__ = ["compile"]


def compile(model: Any = None, *, fullgraph: bool = False, dynamic: bool | None = None,
            backend: Any = None, mode: str | None = None, options: Any = None,
            disable: bool = False) -> Any:
    """PyTorch's ``torch.compile``: a function is compiled by the active backend's
    compiler (:func:`unitorch.compile`); a Module has its ``forward`` compiled and is
    returned itself (PyTorch wraps it, keeping its parameters and methods; unitorch
    compiles it in place, which keeps them too).  ``mode`` reaches torch.compile on the
    torch backend; a function the compiler cannot handle runs eagerly with a warning
    (unless ``fullgraph=True``, which raises instead).

    Example:
        >>> f = ut.torch.compile(lambda x: (x * x).sum())
        >>> f(ut.tensor([1., 2.]))
        tensor(5., dtype=float32)
    """
    if model is None:
        return lambda m: compile(m, fullgraph=fullgraph, dynamic=dynamic, backend=backend,
                                 mode=mode, options=options, disable=disable)
    torch_options = {k: v for k, v in (("mode", mode), ("dynamic", dynamic),
                                       ("options", options)) if v is not None}
    if isinstance(model, Module):
        model.forward = _compile(model.forward, disable=disable, fallback=not fullgraph,
                                 torch=torch_options)
        return model
    return _compile(model, disable=disable, fallback=not fullgraph, torch=torch_options)
