"""``History``: what a training run measured, per epoch and per step.

A :class:`History` is a ``dict`` from a name (``"loss"``, ``"accuracy"``,
``"val_loss"``, ``"lr"``...) to the list of its per-epoch values (Python floats), plus

* ``history.epoch``: the epoch numbers (from 0) the lists refer to;
* ``history.steps``: per-step values; ``history.steps["loss"]`` is the loss of every
  training step, in order, so two runs' curves can be overlaid step by step.

Every list has one value per epoch: a name first logged at a later epoch is padded
with NaN before it (and an epoch lacking a name gets NaN), so lists stay aligned.

Example:
    >>> h = ut.train.History()
    >>> h.append_epoch(0, {"loss": 0.9, "accuracy": 0.5})
    >>> h["loss"], h.epoch
    ([0.9], [0])
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["History"]


class History(dict):
    """Per-epoch values by name (a dict of lists), ``epoch`` and per-step ``steps``.

    Example:
        >>> h = ut.train.History()
        >>> h.append_epoch(0, {"loss": 0.9})
        >>> h.append_epoch(1, {"loss": 0.5, "val_loss": 0.6})
        >>> h["loss"], h["val_loss"], h.epoch
        ([0.9, 0.5], [nan, 0.6], [0, 1])
    """

    def __init__(self, values: Mapping[str, list[float]] | None = None) -> None:
        super().__init__()
        self.epoch: list[int] = []
        self.steps: dict[str, list[float]] = {"loss": []}
        if values:
            for k, v in values.items():
                self[k] = [float(x) for x in v]

    @property
    def history(self) -> dict[str, list[float]]:
        """A plain dict of the per-epoch lists (Keras's ``History.history``)."""
        return {k: list(v) for k, v in self.items()}

    def append_epoch(self, epoch: int, logs: Mapping[str, Any]) -> None:
        """Record the values of epoch ``epoch`` (numbers; other entries are skipped)."""
        n = len(self.epoch)
        self.epoch.append(int(epoch))
        for key, value in logs.items():
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                continue
            column = self.setdefault(key, [math.nan] * n)
            column.append(float(value))
        for column in self.values():
            if len(column) < n + 1:
                column.append(math.nan)

    def append_steps(self, name: str, values: Iterable[float]) -> None:
        """Add per-step values (``name="loss"`` for the training losses)."""
        self.steps.setdefault(name, []).extend(float(v) for v in values)

    def state_dict(self) -> dict[str, Any]:
        """Everything, as plain dicts and lists (what checkpoints store)."""
        return {"epoch": list(self.epoch), "values": self.history,
                "steps": {k: list(v) for k, v in self.steps.items()}}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Replace everything with a :meth:`state_dict`."""
        self.clear()
        self.epoch = [int(e) for e in state["epoch"]]
        for k, v in state["values"].items():
            self[k] = [float(x) for x in v]
        self.steps = {k: [float(x) for x in v] for k, v in state["steps"].items()}
        self.steps.setdefault("loss", [])

    def __repr__(self) -> str:
        return (f"History(epochs={len(self.epoch)}, steps={len(self.steps.get('loss', []))}, "
                f"keys={list(self)})")
