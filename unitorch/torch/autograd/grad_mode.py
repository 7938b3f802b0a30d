"""PyTorch's grad-mode switches: ``no_grad``, ``enable_grad``, ``set_grad_enabled``,
``is_grad_enabled``, ``inference_mode``, on every loaded backend (recording is a
per-thread state, as in PyTorch)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from ...autograd import enable_grad, no_grad
from ...backends import _loaded, current

__all__ = ["no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode"]


def is_grad_enabled() -> bool:
    """Whether operations are recorded now, in this thread (on the active backend).

    Example:
        >>> import unitorch.torch as torch
        >>> with torch.no_grad():
        ...     torch.is_grad_enabled()
        False
    """
    return current().is_grad_enabled()


class set_grad_enabled:
    """Turn recording on or off: called as a function it holds until changed again
    (``torch.set_grad_enabled(False)``); as a context manager or decorator, for a
    block.

    Example:
        >>> import unitorch.torch as torch
        >>> x = torch.ones(2, requires_grad=True)
        >>> with torch.set_grad_enabled(False):
        ...     (x * 2).requires_grad
        False
        >>> (x * 2).requires_grad
        True
    """

    def __init__(self, mode: bool) -> None:
        current()  # the active backend is loaded, so the switch reaches it
        self._mode = bool(mode)
        self._previous = {name: b.is_grad_enabled() for name, b in _loaded.items()}
        for b in list(_loaded.values()):
            b.set_grad_enabled(self._mode)

    def __enter__(self) -> set_grad_enabled:
        return self

    def __exit__(self, *exc: Any) -> None:
        for name, was in self._previous.items():
            _loaded[name].set_grad_enabled(was)

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        # the decorator form (as PyTorch's): the mode holds during each call of fn only
        self.__exit__(None, None, None)
        mode = self._mode

        @functools.wraps(fn)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapped


class inference_mode(no_grad):
    """PyTorch's ``inference_mode`` (``mode=True``): recording off, as :class:`no_grad`
    (unitorch has no separate inference tensors); ``inference_mode(False)`` changes
    nothing.

    Example:
        >>> import unitorch.torch as torch
        >>> with torch.inference_mode():
        ...     (torch.ones(1, requires_grad=True) * 2).requires_grad
        False
    """

    def __init__(self, mode: bool = True) -> None:
        self._mode = bool(mode)

    def __enter__(self) -> None:
        if self._mode:
            super().__enter__()

    def __exit__(self, *exc: Any) -> None:
        if self._mode:
            super().__exit__(*exc)
