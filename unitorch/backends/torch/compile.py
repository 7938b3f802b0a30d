"""The PyTorch backend's ``compile`` section: ``torch.compile``."""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Callable
from typing import Any

import torch

from ...errors import check_message, checked_error, value_needed_message
from .core import _eager_in_traces


class _Calls(threading.local):
    """The ``fallback`` choice of the ``ut.compile``d call running in this thread: read
    eagerly, at a graph break, by :func:`_read_eagerly` (a plain ``torch.compile`` of
    unitorch code falls back, as torch does for ``.item()``)."""

    def __init__(self) -> None:
        self.fallback = True


_calls = _Calls()


class CompileOps:
    """The contract's ``compile`` section."""

    @staticmethod
    def compile(fn: Callable[..., Any], fallback: bool = True,
                **options: Any) -> Callable[..., Any]:
        compiled = torch.compile(fn, **options)
        config = torch._dynamo.config
        nested = hasattr(config, "nested_graph_breaks")

        # torch.compile traces lazily: after a graph break (loss.backward() always makes
        # one) the rest of the function is traced when the call reaches it, after the part
        # before it has run.  So a failure while tracing is never re-run from the start
        # here (no TraceFailure): with ``fallback``, Dynamo's own fallback runs a frame it
        # cannot compile eagerly, from where it stands (suppress_errors, logged by torch).
        #
        # A graph break inside a nested call makes Dynamo compile the outer frame up to
        # the call and run the callee's frames on their own; unitorch's frames hold
        # unitorch Tensors, not torch ones, so Dynamo skips them and a training step
        # would run eagerly.  With nested graph breaks Dynamo resumes inside the nested
        # frames: the forward before backward() is one graph, as in the same step written
        # with torch alone.
        def call(*args: Any, **kwargs: Any) -> Any:
            before = (config.nested_graph_breaks if nested else None, config.suppress_errors,
                      _calls.fallback)
            if nested:
                config.nested_graph_breaks = True
            config.suppress_errors = fallback
            _calls.fallback = fallback
            try:
                return compiled(*args, **kwargs)
            except RuntimeError as e:
                error = checked_error(e)
                if error is None:
                    raise
                raise error from None
            finally:
                if nested:
                    config.nested_graph_breaks = before[0]
                config.suppress_errors, _calls.fallback = before[1], before[2]

        return call

    def value_while_compiling(self, x, what, form):
        return _read_eagerly(self.to_numpy, x, what, form)

    @staticmethod
    def check(condition, error, message, x):
        torch._assert_async(condition, check_message(error, message))
        # Inductor orders the assertion freely among independent kernels, and its own
        # indexing kernels assert too, with their message: the values used depend on
        # the condition (zeros when it fails), so no kernel can fail before the check
        return torch.where(condition, x, torch.zeros((), dtype=x.dtype, device=x.device))


# (torch._disable_dynamo: torch._dynamo, ~0.5 s to import, is imported at the first
# call, not with the backend)
@_eager_in_traces
def _read_eagerly(to_numpy: Callable[[torch.Tensor], Any], x: torch.Tensor, what: str,
                  form: str) -> Any:
    """A read of values inside a compiled function: Dynamo breaks the graph at this call
    and runs it eagerly, so the values are known here (as torch does for ``.item()``)."""
    if not _calls.fallback:
        raise TypeError(value_needed_message(what))
    warnings.warn(f"ut.compile: {what} of a tensor needs its value, so torch runs it "
                  "eagerly, splitting the compiled function there (a graph break)",
                  RuntimeWarning, stacklevel=_user_stacklevel())
    a = to_numpy(x)
    if form == "scalar":
        return a.reshape(()).item()
    return a.tolist() if form == "list" else a


def _user_stacklevel() -> int:
    """The ``stacklevel`` (for a warning issued by the caller) of the innermost frame
    outside unitorch and torch: the user's line that needs the value."""
    level, frame = 1, sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if module.partition(".")[0] not in ("unitorch", "torch"):
            return level
        frame, level = frame.f_back, level + 1
    return 1
