"""PNG plots of recorded series (matplotlib, imported only when a plot is drawn).

One figure, one row per series: on the left the series under every backend, overlaid; on
the right each backend's difference from the reference backend, scaled to the
difference, with the tolerance band ``±(atol + rtol * |reference|)`` shaded (a panel all
green: the difference is far inside it), so a glance shows whether, where and how fast
the backends drift apart.  Drawn with matplotlib's Agg canvas directly: no pyplot, no global
state, no display needed.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .report import RecordResult

__all__ = ["plot_series"]

_STYLES = ("-", "--", ":", "-.")


def plot_series(series: Sequence[RecordResult], backends: Sequence[str],
                path: str | os.PathLike) -> Path:
    """Draw ``series`` (scalar series recorded on every backend in ``backends``, the first
    the reference) into the PNG file ``path``; returns the path.

    Raises ImportError when matplotlib is not installed.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = Path(path)
    ref = backends[0]
    rows = len(series)
    fig = Figure(figsize=(11, 2.8 * rows + 0.6), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(rows, 2, squeeze=False)
    for row, rec in zip(axes, series):
        left, right = row
        for i, b in enumerate(backends):
            v = np.asarray(rec.values[b], np.float64).reshape(-1)
            left.plot(np.arange(len(v)), v, _STYLES[i % len(_STYLES)], lw=1.4, label=b,
                      alpha=0.9)
        left.set_title(f"{rec.name} ({rec.dtype})", fontsize=10)
        left.set_xlabel(rec.axis)
        left.legend(fontsize=8)
        left.grid(alpha=0.3)
        r = np.asarray(rec.values[ref], np.float64).reshape(-1)
        x = np.arange(len(r))
        drew = False
        largest = 0.0
        for i, b in enumerate(backends[1:], start=1):
            v = np.asarray(rec.values[b], np.float64).reshape(-1)
            if len(v) != len(r):
                continue
            with np.errstate(invalid="ignore"):
                d = v - r
                right.plot(x, d, _STYLES[i % len(_STYLES)], lw=1.2, label=f"{b} - {ref}")
            finite = np.abs(d[np.isfinite(d)])
            largest = max(largest, float(finite.max()) if finite.size else 0.0)
            drew = True
            diff = rec.diffs.get(b)
            if diff is not None and diff.problem is None:
                band = diff.atol + diff.rtol * np.abs(r)
                right.fill_between(x, -band, band, color="tab:green", alpha=0.15,
                                   label="tolerance")
        if drew:
            right.axhline(0.0, color="black", lw=0.6)
            right.legend(fontsize=8)
            if largest > 0:  # scaled to the difference: the band may fill the panel
                right.set_ylim(-1.3 * largest, 1.3 * largest)
        else:
            right.text(0.5, 0.5, "lengths differ: no difference to plot",
                       ha="center", va="center", transform=right.transAxes)
        worst = rec.worst()
        status = "within tolerance" if rec.ok else "DIVERGED"
        ulp = f", max {worst.max_ulp:.0f} ulp" if worst is not None and np.isfinite(
            worst.max_ulp) else ""
        right.set_title(f"difference ({status}{ulp})", fontsize=10)
        right.set_xlabel(rec.axis)
        right.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    return path
