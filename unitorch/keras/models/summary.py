"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts.

Output shapes are those the layers produced when built (batch axis ``None``); a layer
not yet built shows ``?`` and ``0 (unbuilt)``, as in Keras.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["print_summary"]

_WIDTHS = (31, 22, 13)


def _size(n_bytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n_bytes < 1024 or unit == "GB":
            return f"{n_bytes:.2f} {unit}"
        n_bytes /= 1024
    return f"{n_bytes:.2f} GB"  # pragma: no cover


def _shape_text(shape: Any) -> str:
    if shape is None:
        return "?"
    if isinstance(shape, list):
        return "[" + ", ".join(_shape_text(s) for s in shape) + "]"
    if isinstance(shape, dict):
        return "{" + ", ".join(f"{k}: {_shape_text(v)}" for k, v in shape.items()) + "}"
    return "(" + ", ".join("None" if s is None else str(s) for s in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _row(cells: list[str], left: str, mid: str, right: str, widths: tuple[int, ...],
         aligns: tuple[str, ...]) -> list[str]:
    wrapped = [textwrap.wrap(c, w) or [""] for c, w in zip(cells, widths)]
    lines = []
    for i in range(max(len(w) for w in wrapped)):
        parts = []
        for col, w, a in zip(wrapped, widths, aligns):
            text = col[i] if i < len(col) else ""
            parts.append(f" {text.rjust(w) if a == 'r' else text.ljust(w)} ")
        lines.append(left + mid.join(parts) + right)
    return lines


def print_summary(model: Any, print_fn: Callable[..., Any] | None = None,
                  show_trainable: bool = False) -> None:
    """Print ``model``'s table of layers (Keras 3's format)."""
    emit = print_fn or print
    widths = _WIDTHS + ((9,) if show_trainable else ())
    aligns = ("l", "l", "r") + (("l",) if show_trainable else ())
    head = ["Layer (type)", "Output Shape", "Param #"] + (["Traina…"] if show_trainable
                                                          else [])
    bar = ["━" * (w + 2) for w in widths]
    lines = [f'Model: "{model.name}"', "┏" + "┳".join(bar) + "┓"]
    lines += _row(head, "┃", "┃", "┃", widths, aligns)
    lines.append("┡" + "╇".join(bar) + "┩")
    rows = []
    for layer in model.layers:
        shape = layer._output_shape
        if layer.built:
            params = f"{layer.count_params():,}"
        else:
            params = "0 (unbuilt)"
        cells = [f"{layer.name} ({type(layer).__name__})", _shape_text(shape), params]
        if show_trainable:
            cells.append("Y" if layer.trainable else "N")
        rows.append(_row(cells, "│", "│", "│", widths, aligns))
    sep = "├" + "┼".join("─" * (w + 2) for w in widths) + "┤"
    for i, r in enumerate(rows):
        if i:
            lines.append(sep)
        lines += r
    lines.append("└" + "┴".join("─" * (w + 2) for w in widths) + "┘")
    weights = model.weights if model.built else []
    trainable = model.trainable_weights if model.built else []
    trainable_ids = {id(w) for w in trainable}
    frozen = [w for w in weights if id(w) not in trainable_ids]

    def count(ws: list[Any]) -> int:
        return int(sum(int(np.prod(w.shape)) for w in ws))

    def nbytes(ws: list[Any]) -> int:
        return int(sum(int(np.prod(w.shape)) * np.dtype(w.dtype.numpy).itemsize for w in ws))

    lines.append(f" Total params: {count(weights):,} ({_size(nbytes(weights))})")
    lines.append(f" Trainable params: {count(trainable):,} ({_size(nbytes(trainable))})")
    lines.append(f" Non-trainable params: {count(frozen):,} ({_size(nbytes(frozen))})")
    for line in lines:
        emit(line)
