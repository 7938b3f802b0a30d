"""``ProgressBar``: the live display of ``fit``, suited to terminals and to CI logs.

Two modes:

* ``"bar"``: a `tqdm <https://tqdm.github.io>`_ bar per epoch, with the running loss
  and metrics as its postfix.  They are read from the device only when the display is
  refreshed (every ``refresh`` seconds), never once per step;
* ``"lines"``: one line per epoch (``Epoch 2/10 - 32 steps - 1.4s - loss: 0.3121 -
  accuracy: 0.9012 - val_loss: ...``), plus, during long epochs, one line every
  ``log_every`` seconds.  No carriage returns or cursor movement: readable in CI logs
  and files.

``mode="auto"`` (the default, and what ``fit(progress=True)`` uses) picks ``"bar"``
when the stream is a terminal and tqdm is installed, else ``"lines"``.  The stream is
``file``, or ``sys.stderr`` as it is when training begins.

Example:
    >>> bar = ut.callbacks.ProgressBar(mode="lines", file=sys.stdout)  # doctest: +SKIP
    >>> ut.fit(model, loss_fn, opt, loader, epochs=3, progress=bar)  # doctest: +SKIP
"""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from typing import Any, TextIO

from .callbacks import Callback

__all__ = ["ProgressBar"]

_MODES = ("auto", "bar", "lines")


def _format(logs: Mapping[str, Any], skip: tuple[str, ...] = ()) -> str:
    parts = []
    for key in logs:
        if key in skip:
            continue
        value = logs[key]
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            parts.append(f"{key}: {value:.3g}" if key == "lr" else f"{key}: {value:.4f}")
    return " - ".join(parts)


def _is_terminal(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class ProgressBar(Callback):
    """Show training progress: a tqdm bar on terminals, one line per epoch elsewhere.

    Args:
        file: the stream (default: ``sys.stderr`` when training begins).
        mode: ``"auto"``, ``"bar"`` or ``"lines"`` (see the module docstring).
        refresh: seconds between refreshes of the bar's loss and metrics.
        log_every: in ``"lines"`` mode, seconds between progress lines within an epoch.

    Example:
        >>> ut.fit(model, loss_fn, opt, loader, progress=ut.callbacks.ProgressBar(refresh=1.0))  # doctest: +SKIP
    """

    priority = 90

    def __init__(self, file: TextIO | None = None, mode: str = "auto", refresh: float = 0.5,
                 log_every: float = 30.0) -> None:
        if mode not in _MODES:
            raise ValueError(f"ProgressBar: mode must be one of {_MODES}, got {mode!r}")
        self.file = file
        self.mode = mode
        self.refresh = float(refresh)
        self.log_every = float(log_every)
        self._bar: Any = None
        self._stream: Any = None
        self._active = mode

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._stream = self.file if self.file is not None else sys.stderr
        mode = self.mode
        if mode == "auto":
            mode = "bar" if _is_terminal(self._stream) and _tqdm() is not None else "lines"
        elif mode == "bar" and _tqdm() is None:
            raise ImportError("ProgressBar(mode='bar') needs tqdm: pip install tqdm")
        self._active = mode

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        self._epoch_start = self._last = time.monotonic()
        self._steps = 0
        self._title = f"Epoch {epoch + 1}/{self.trainer.epochs}"
        if self._active == "bar":
            self._bar = _tqdm()(total=self.trainer.steps_per_epoch, desc=self._title,
                                file=self._stream, unit="step", leave=True,
                                dynamic_ncols=True, mininterval=self.refresh)

    def on_batch_end(self, batch: int, logs: Mapping[str, Any]) -> None:
        self._steps = batch + 1
        now = time.monotonic()
        if self._active == "bar":
            if now - self._last >= self.refresh:
                self._last = now
                self._bar.set_postfix_str(_format(logs, ("batch_loss",)), refresh=False)
            self._bar.update(1)
        elif now - self._last >= self.log_every:
            self._last = now
            total = self.trainer.steps_per_epoch
            of = f"/{total}" if total is not None else ""
            self._write(f"{self._title} - step {self._steps}{of} - "
                        f"{_format(logs, ('batch_loss',))}")

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self._active == "bar" and self._bar is not None:
            self._bar.set_postfix_str(_format(logs), refresh=False)
            self._bar.close()
            self._bar = None
        else:
            seconds = time.monotonic() - self._epoch_start
            self._write(f"{self._title} - {self._steps} steps - {seconds:.1f}s - "
                        f"{_format(logs)}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def _write(self, line: str) -> None:
        self._stream.write(line + "\n")
        self._stream.flush()


def _tqdm() -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm
