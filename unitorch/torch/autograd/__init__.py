"""``torch.autograd``: :class:`Function` (custom backward passes), the grad-mode switches,
``backward`` and ``grad``.

Example:
    >>> import unitorch.torch as torch
    >>> x = torch.tensor([1., 2.], requires_grad=True)
    >>> torch.autograd.grad((x * x).sum(), x)
    (tensor([2., 4.], dtype=float32),)
"""

from __future__ import annotations

from typing import Any

from .._missing import lookup
from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import enable_grad, inference_mode, is_grad_enabled, no_grad, set_grad_enabled
from .gradients import backward, grad

__all__ = ["Function", "FunctionCtx", "once_differentiable", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "inference_mode", "backward", "grad",
           "function"]

from . import function


def __getattr__(name: str) -> Any:
    return lookup(__name__, name)
