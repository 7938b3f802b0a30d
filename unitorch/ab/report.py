"""Reports of A/B comparisons: readable tables and JSON.

:class:`CompareReport` is what :func:`unitorch.ab.compare` returns (outputs of one
function); :class:`ScriptReport` is what ``unitorch ab`` builds (values a script recorded
under each backend, and how each run ended).  Both print as a table and convert to a dict
that :mod:`json` writes as strict JSON: non-finite numbers appear as the strings
``"inf"``, ``"-inf"`` and ``"nan"``.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .diff import Diff

__all__ = ["CompareReport", "LeafResult", "ScriptReport", "RecordResult", "RunResult",
           "format_table", "json_safe", "write_json", "EXIT_OK", "EXIT_DIVERGED",
           "EXIT_USAGE", "EXIT_CRASHED", "EXIT_NOTHING_RECORDED"]

#: ``unitorch ab`` exit codes (also ``unitorch demo``'s).
EXIT_OK = 0  # every recorded value agrees within tolerance
EXIT_DIVERGED = 1  # a value differs beyond tolerance, or is missing on a backend
EXIT_USAGE = 2  # bad command line: unknown option or backend, script not found
EXIT_CRASHED = 3  # the script failed (non-zero exit, signal, timeout) on a backend
EXIT_NOTHING_RECORDED = 4  # every run succeeded but nothing was recorded: nothing checked


# ---------------------------------------------------------------------------------------
# formatting


def json_safe(x: Any) -> Any:
    """``x`` with NumPy values made Python and non-finite floats made strings."""
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, np.ndarray):
        return json_safe(x.tolist() if x.dtype.kind in "biufc" else
                         x.astype(np.float64).tolist())
    if isinstance(x, np.generic):
        x = x.item() if x.dtype.kind in "biufc" else float(x)
    if isinstance(x, complex):
        return {"real": json_safe(x.real), "imag": json_safe(x.imag)}
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def write_json(obj: Any, path: str | os.PathLike) -> Path:
    """Write ``obj`` as strict JSON, atomically (a temporary file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(json_safe(obj), indent=2, allow_nan=False) + "\n")
    os.replace(tmp, path)
    return path


def _num(x: Any) -> str:
    """A statistic: ``-`` when absent, integers as such, else 3 significant digits."""
    if x is None:
        return "-"
    x = float(x)
    if math.isnan(x):
        return "-"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == int(x) and abs(x) < 1e7:
        return str(int(x))
    return f"{x:.3g}"


def _value(x: Any) -> str:
    """A final value: 8 significant digits for a number, the shape for an array."""
    if x is None:
        return "-"
    if isinstance(x, np.ndarray):
        if x.ndim == 0:
            x = x.item() if x.dtype.kind in "biufc" else float(x)
        else:
            return f"array{tuple(x.shape)}"
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    if isinstance(x, (float, np.floating)):
        return f"{float(x):.8g}"
    if isinstance(x, (complex, np.complexfloating)):
        return f"{complex(x):.8g}"
    text = repr(x)
    return text if len(text) <= 24 else text[:21] + "..."


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table: columns padded to their widest cell, numbers right-aligned."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h)
              for i, h in enumerate(headers)]

    def numeric(cell: str) -> bool:
        if cell in ("inf", "-inf"):
            return True
        return bool(cell) and cell != "-" and (cell[0].isdigit() or cell[0] in "-+.")

    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for r in rows:
        lines.append("  ".join(c.rjust(w) if numeric(c) else c.ljust(w)
                               for c, w in zip(r, widths)).rstrip())
    return "\n".join(lines)


def _seconds(t: float | None) -> str:
    if t is None:
        return "-"
    if t < 1e-3:
        return f"{t * 1e6:.1f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.2f} s"


# ---------------------------------------------------------------------------------------
# ut.ab.compare


@dataclass
class LeafResult:
    """One output leaf of one backend compared with the reference backend's."""

    path: str
    backend: str
    reference: str
    diff: Diff | None
    value: Any = None
    ref_value: Any = None
    problem: str | None = None

    @classmethod
    def missing(cls, path: str, backend: str, reference: str, problem: str) -> LeafResult:
        return cls(path, backend, reference, None, problem=problem)

    @classmethod
    def opaque(cls, path: str, backend: str, reference: str, value: Any, ref_value: Any,
               same: bool) -> LeafResult:
        """A leaf that is not a number or tensor (None, a string): compared with ==."""
        return cls(path, backend, reference, None, value, ref_value,
                   None if same else f"not a tensor, and {value!r} != {ref_value!r}")

    @property
    def ok(self) -> bool:
        if self.diff is None:
            return self.problem is None
        return self.diff.ok

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"output": self.path, "backend": self.backend,
                               "reference": self.reference, "ok": self.ok}
        if self.diff is not None:
            out.update(self.diff.to_dict())
            out["ok"] = self.ok
        out["problem"] = self.problem or (self.diff.problem if self.diff else None)
        for key, v in (("value", self.value), ("reference_value", self.ref_value)):
            if v is None or isinstance(v, (bool, int, float, complex, np.generic)):
                out[key] = v
            elif isinstance(v, np.ndarray):
                out[key] = v if v.size <= 16 else f"array{tuple(v.shape)}"
            else:
                out[key] = repr(v)
        return out


def _diff_cells(diff: Diff | None, problem: str | None) -> list[str]:
    if diff is None or diff.problem is not None:
        return ["-", "-", "-", "-", "-"]
    return [_num(diff.max_abs), _num(diff.max_rel), _num(diff.max_ulp), _num(diff.rtol),
            _num(diff.atol)]


def _verdict(ok: bool, diff: Diff | None, problem: str | None) -> str:
    if ok:
        return "yes"
    why = problem or (diff.problem if diff is not None else None)
    if why:
        return f"NO: {why}"
    assert diff is not None
    return f"NO: {diff.mismatched} of {diff.size} beyond tolerance"


@dataclass
class CompareReport:
    """What :func:`unitorch.ab.compare` found.

    ``leaves``: one :class:`LeafResult` per output leaf and non-reference backend;
    ``timings``: each backend's median seconds per call (``None`` without repeats);
    ``all_times``: every timed call; ``errors``: backend -> traceback of an exception
    ``fn`` raised there; ``outputs``: backend -> {leaf path: NumPy value}.

    Example:
        >>> report = ut.ab.compare(lambda x: ut.sum(x * x), np.arange(4.0))
        >>> report.ok  # every backend's output within tolerance of the first backend's
        True
        >>> print(report)  # doctest: +SKIP
    """

    backends: tuple[str, ...]
    leaves: list[LeafResult]
    timings: dict[str, float | None]
    all_times: dict[str, list[float]]
    errors: dict[str, str]
    outputs: dict[str, dict[str, Any]]
    repeats: int = 5
    warmup: int = 1
    seed: int | None = 0

    @property
    def ok(self) -> bool:
        """No backend raised and every output leaf agrees within tolerance."""
        return not self.errors and all(leaf.ok for leaf in self.leaves)

    def __bool__(self) -> bool:
        return self.ok

    def to_dict(self) -> dict[str, Any]:
        """Everything in the report as plain data (:func:`json_safe` applied)."""
        return json_safe({
            "ok": self.ok, "backends": list(self.backends), "seed": self.seed,
            "repeats": self.repeats, "warmup": self.warmup,
            "timings": self.timings, "all_times": self.all_times,
            "errors": {k: v.strip().splitlines()[-1] for k, v in self.errors.items()},
            "tracebacks": self.errors,
            "outputs": [leaf.to_dict() for leaf in self.leaves],
        })

    def to_json(self, path: str | os.PathLike | None = None) -> str:
        """The report as strict JSON text; also written to ``path`` if given."""
        if path is not None:
            write_json(self.to_dict(), path)
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    def __str__(self) -> str:
        present = [b for b in self.backends if b not in self.errors]
        ref = present[0] if present else self.backends[0]
        others = ", ".join(b for b in present[1:])
        title = (f"ut.ab.compare: {others} vs {ref} (reference)" if others else
                 f"ut.ab.compare on {', '.join(self.backends)}")
        if self.seed is not None:
            title += f", seed {self.seed}"
        lines = [title]
        many = len(present) > 2
        headers = (["output"] + (["backend"] if many else []) + [
            "dtype", "shape", f"{ref}", f"{others}" if not many else "value", "max abs",
            "max rel", "max ulp", "rtol", "atol", "ok"])
        rows = []
        for leaf in self.leaves:
            d = leaf.diff
            rows.append([leaf.path] + ([leaf.backend] if many else []) + [
                d.dtype if d else "-", str(tuple(d.shape)) if d else "-",
                _value(leaf.ref_value), _value(leaf.value),
                *_diff_cells(d, leaf.problem), _verdict(leaf.ok, d, leaf.problem)])
        if rows:
            lines.append(format_table(headers, rows))
        kind = f"median of {self.repeats} after {max(self.warmup, 1)} warm-up"
        if any(t is not None for t in self.timings.values()):
            lines.append(f"time per call ({kind}): " + ", ".join(
                f"{b} {_seconds(t)}" for b, t in self.timings.items()))
        for b, tb in self.errors.items():
            lines.append(f"{b} raised: {tb.strip().splitlines()[-1]}")
        bad = sum(not leaf.ok for leaf in self.leaves)
        if self.ok:
            lines.append(f"OK: {len(self.leaves)} output(s) agree within tolerance")
        else:
            parts = []
            if bad:
                parts.append(f"{bad} of {len(self.leaves)} output(s) differ beyond tolerance")
            if self.errors:
                parts.append(f"raised on {', '.join(self.errors)}")
            lines.append("DIVERGED: " + "; ".join(parts))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"<CompareReport ok={self.ok} backends={list(self.backends)} "
                f"outputs={len(self.leaves)}>")


# ---------------------------------------------------------------------------------------
# unitorch ab


@dataclass
class RunResult:
    """How the script ended under one backend."""

    backend: str
    returncode: int | None
    seconds: float
    stderr_tail: list[str]
    timed_out: bool = False
    records_path: str | None = None

    @property
    def crashed(self) -> bool:
        return self.timed_out or self.returncode != 0

    def describe(self) -> str:
        if self.timed_out:
            return "timed out"
        if self.returncode is not None and self.returncode < 0:
            return f"killed by signal {-self.returncode}"
        return f"exit {self.returncode}"

    def to_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "returncode": self.returncode,
                "seconds": self.seconds, "timed_out": self.timed_out,
                "crashed": self.crashed, "stderr_tail": self.stderr_tail,
                "records": self.records_path}


@dataclass
class RecordResult:
    """One recorded name: each backend's values and how they compare with the
    reference backend's."""

    name: str
    dtype: str
    shape: tuple[int, ...]  # of one entry
    entries: dict[str, int]  # backend -> how many entries it recorded
    finals: dict[str, Any]  # backend -> its last entry
    diffs: dict[str, Diff] = field(default_factory=dict)  # non-reference backend -> Diff
    problem: str | None = None
    values: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    axis: str = "call"  # what one entry is: "call" (of record), "epoch" or "step"

    @property
    def ok(self) -> bool:
        return self.problem is None and all(d.ok for d in self.diffs.values())

    @property
    def is_series(self) -> bool:
        return self.shape == () and max(self.entries.values(), default=0) > 1

    def worst(self) -> Diff | None:
        """The non-reference backend's Diff farthest from the reference."""
        if not self.diffs:
            return None
        return max(self.diffs.values(), key=lambda d: (not d.ok, d.max_ulp
                                                       if not math.isnan(d.max_ulp) else 0))

    def to_dict(self) -> dict[str, Any]:
        worst = self.worst()
        return {
            "name": self.name, "dtype": self.dtype, "shape": list(self.shape),
            "entries": self.entries, "final": self.finals, "ok": self.ok,
            "problem": self.problem or (worst.problem if worst else None),
            "max_abs": worst.max_abs if worst else None,
            "max_rel": worst.max_rel if worst else None,
            "max_ulp": worst.max_ulp if worst else None,
            "rtol": worst.rtol if worst else None, "atol": worst.atol if worst else None,
            "diffs": {b: d.to_dict() for b, d in self.diffs.items()},
        }


@dataclass
class ScriptReport:
    """What ``unitorch ab`` found: the runs, and the recorded values compared.

    ``unitorch ab train.py`` builds one, prints it and exits with its ``exit_code``.

    Example (runs ``train.py`` once per backend, each in its own process):
        >>> from unitorch.ab.script import run_script
        >>> report = run_script(["python", "train.py"], ["torch", "tensorflow"],
        ...                     "ab-out")  # doctest: +SKIP
        >>> report.exit_code  # doctest: +SKIP
        0
    """

    command: list[str]
    backends: tuple[str, ...]
    runs: dict[str, RunResult]
    records: list[RecordResult]
    plot: str | None = None
    plot_note: str | None = None
    json_path: str | None = None

    @property
    def reference(self) -> str:
        return self.backends[0]

    @property
    def crashed(self) -> list[str]:
        return [b for b, r in self.runs.items() if r.crashed]

    @property
    def exit_code(self) -> int:
        """:data:`EXIT_CRASHED` if a run failed, else :data:`EXIT_DIVERGED` if a value
        diverged, else :data:`EXIT_NOTHING_RECORDED` if nothing was recorded, else 0."""
        if self.crashed:
            return EXIT_CRASHED
        if any(not r.ok for r in self.records):
            return EXIT_DIVERGED
        if not self.records:
            return EXIT_NOTHING_RECORDED
        return EXIT_OK

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return json_safe({
            "ok": self.ok, "exit_code": self.exit_code, "command": self.command,
            "backends": list(self.backends), "reference": self.reference,
            "runs": {b: r.to_dict() for b, r in self.runs.items()},
            "records": [r.to_dict() for r in self.records],
            "series": {r.name: {b: v for b, v in r.values.items()}
                       for r in self.records if r.is_series},
            "plot": self.plot, "plot_note": self.plot_note,
        })

    def table(self) -> str:
        """The comparison table alone."""
        present = [b for b in self.backends if not self.runs[b].crashed]
        headers = ["name", "entries", "dtype", *present, "max abs", "max rel", "max ulp",
                   "rtol", "atol", "ok"]
        rows = []
        for r in self.records:
            worst = r.worst()
            counts = set(r.entries.values())
            n = str(counts.pop()) if len(counts) == 1 else "/".join(
                str(r.entries.get(b, 0)) for b in present)
            if r.shape:
                n += f" x {tuple(r.shape)}"
            rows.append([r.name, n, r.dtype] + [_value(r.finals.get(b)) for b in present]
                        + _diff_cells(worst, r.problem) + [_verdict(r.ok, worst, r.problem)])
        return format_table(headers, rows)

    def __str__(self) -> str:
        lines = [f"unitorch ab: {' '.join(self.command)}  (reference: {self.reference})",
                 "runs: " + ", ".join(f"{b} {r.describe()} in {r.seconds:.1f} s"
                                      for b, r in self.runs.items())]
        for b in self.crashed:
            run = self.runs[b]
            lines.append(f"CRASHED on {b} ({run.describe()}); last lines of its stderr:")
            lines.extend(f"  | {line}" for line in run.stderr_tail or ["(nothing)"])
        if self.records:
            lines.append(self.table())
        if self.plot:
            lines.append(f"plot: {self.plot}")
        elif self.plot_note:
            lines.append(f"plot: {self.plot_note}")
        if self.json_path:
            lines.append(f"report: {self.json_path}")
        code = self.exit_code
        if code == EXIT_OK:
            lines.append(f"OK: {len(self.records)} recorded value(s) agree within tolerance")
        elif code == EXIT_CRASHED:
            lines.append(f"CRASHED on {', '.join(self.crashed)} (exit code {code})")
        elif code == EXIT_DIVERGED:
            bad = [r.name for r in self.records if not r.ok]
            lines.append(f"DIVERGED: {', '.join(bad)} (exit code {code})")
        else:
            lines.append("NOTHING RECORDED: the script called ut.ab.record() on no backend, "
                         f"so nothing was compared (exit code {code})")
        return "\n".join(lines)
