"""Running a script once per backend, each in its own process, and comparing what it
recorded with :func:`unitorch.ab.record` (the engine of ``unitorch ab`` and
``unitorch demo``).

Each run gets ``UNITORCH_BACKEND`` (the backend) and ``UNITORCH_AB_RECORD`` (its records
file, ``DIR/records/BACKEND.json``) in its environment; runs go one after the other, so
each has the machine to itself and their times compare.  The first backend is the
reference the others are compared with.
"""

from __future__ import annotations

import collections
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .. import dtypes as dt
from .diff import compare_values
from .record import ENV
from .report import RecordResult, RunResult, ScriptReport, write_json

__all__ = ["run_script", "run_backend", "compare_records", "load_records"]

_TAIL_LINES = 20


def _pump(stream: IO[str], sink: Callable[[str], None] | None, tail: collections.deque) -> None:
    for line in stream:
        tail.append(line.rstrip("\n"))
        if sink is not None:
            sink(line)
    stream.close()


def run_backend(command: Sequence[str], backend: str, records_path: Path, *,
                timeout: float | None = None, echo: bool = True,
                env: dict[str, str] | None = None) -> RunResult:
    """Run ``command`` with ``backend`` selected and records going to ``records_path``.

    With ``echo`` its output is passed through line by line, prefixed ``[backend]``
    (stdout to stdout, stderr to stderr); the last lines of its stderr are kept either way.
    """
    records_path.parent.mkdir(parents=True, exist_ok=True)
    if records_path.exists():
        records_path.unlink()
    run_env = dict(os.environ if env is None else env)
    run_env.update({"UNITORCH_BACKEND": backend, ENV: str(records_path.resolve()),
                    "PYTHONUNBUFFERED": "1"})
    start = time.perf_counter()
    proc = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, errors="replace", env=run_env)
    err_tail: collections.deque = collections.deque(maxlen=_TAIL_LINES)
    out_tail: collections.deque = collections.deque(maxlen=_TAIL_LINES)
    prefix = f"[{backend}] "

    def to(stream: IO[str]) -> Callable[[str], None] | None:
        if not echo:
            return None
        return lambda line: (stream.write(prefix + line), stream.flush())

    threads = [threading.Thread(target=_pump, args=(proc.stdout, to(sys.stdout), out_tail),
                                daemon=True),
               threading.Thread(target=_pump, args=(proc.stderr, to(sys.stderr), err_tail),
                                daemon=True)]
    for t in threads:
        t.start()
    timed_out = False
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        proc.kill()
        proc.wait()
    for t in threads:
        t.join(timeout=5)
    seconds = time.perf_counter() - start
    return RunResult(backend, proc.returncode, seconds, list(err_tail), timed_out,
                     str(records_path) if records_path.exists() else None)


def load_records(path: str | os.PathLike | None) -> dict[str, dict[str, Any]]:
    """The records a run wrote (name -> {"dtype", "shape", "values", ...}); {} if none."""
    if path is None or not Path(path).exists():
        return {}
    return json.loads(Path(path).read_text())["records"]


def _as_array(slot: dict[str, Any]) -> tuple[np.ndarray, dt.DType]:
    d = dt.as_dtype(slot["dtype"])
    values = slot["values"]
    shape = (len(values), *slot["shape"])
    if d.kind == "c":
        pairs = np.asarray(values, np.float64).reshape((*shape, 2))
        return (pairs[..., 0] + 1j * pairs[..., 1]).astype(d.numpy), d
    return np.asarray(values, dtype=np.float64 if d.kind == "f" else None
                      ).reshape(shape).astype(d.numpy), d


def compare_records(per_backend: dict[str, dict[str, dict[str, Any]]],
                    backends: Sequence[str], rtol: float | None = None,
                    atol: float | None = None) -> list[RecordResult]:
    """Compare each recorded name across ``backends`` (the first is the reference).

    Tolerance of a name: its own (``record(..., rtol=, atol=)``), else ``rtol``/``atol``,
    else its dtype's default.  A name missing on a backend, or recorded a different
    number of times, or with another shape or dtype, is a divergence.
    """
    ref = backends[0]
    names: list[str] = []
    for b in backends:
        names += [n for n in per_backend.get(b, {}) if n not in names]
    results = []
    for name in names:
        slots = {b: per_backend[b][name] for b in backends if name in per_backend.get(b, {})}
        arrays = {b: _as_array(s) for b, s in slots.items()}
        first = slots.get(ref) or next(iter(slots.values()))
        result = RecordResult(
            name, first["dtype"], tuple(first["shape"]),
            entries={b: len(s["values"]) for b, s in slots.items()},
            finals={b: (a[-1] if len(a) else None) for b, (a, _) in arrays.items()},
            values={b: a for b, (a, _) in arrays.items()}, axis=first.get("axis") or "call")
        missing = [b for b in backends if b not in slots]
        if missing:
            result.problem = f"not recorded on {', '.join(missing)}"
            results.append(result)
            continue
        r_rtol = first.get("rtol") if first.get("rtol") is not None else rtol
        r_atol = first.get("atol") if first.get("atol") is not None else atol
        ref_values, ref_dtype = arrays[ref]
        for b in backends[1:]:
            values, d = arrays[b]
            if len(values) != len(ref_values):
                result.problem = (f"{len(values)} entries on {b}, {len(ref_values)} on {ref}")
                continue
            result.diffs[b] = compare_values(values, ref_values, d, ref_dtype, r_rtol, r_atol)
            if result.diffs[b].problem:
                result.problem = result.diffs[b].problem
        results.append(result)
    return results


def run_script(command: Sequence[str], backends: Sequence[str], out: str | os.PathLike, *,
               rtol: float | None = None, atol: float | None = None,
               timeout: float | None = None, echo: bool = True, plot: bool = True,
               display: Sequence[str] | None = None,
               on_run: Callable[[RunResult], None] | None = None) -> ScriptReport:
    """Run ``command`` once per backend, compare the records, write ``out/report.json``
    and (with matplotlib installed) ``out/series.png``; return the report.

    ``display``: how the command is shown in the report (default: ``command``).
    ``on_run``: called with each run's result as soon as it ends.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    runs: dict[str, RunResult] = {}
    per_backend: dict[str, dict[str, dict[str, Any]]] = {}
    for b in backends:
        run = run_backend(command, b, out / "records" / f"{b}.json", timeout=timeout,
                          echo=echo)
        runs[b] = run
        if on_run is not None:
            on_run(run)
        if not run.crashed:
            per_backend[b] = load_records(run.records_path)
    ok_backends = [b for b in backends if not runs[b].crashed]
    records = compare_records(per_backend, ok_backends, rtol, atol) if ok_backends else []
    report = ScriptReport(list(display or command), tuple(backends), runs, records)
    series = [r for r in records if r.is_series and r.dtype not in ("bool",)
              and set(r.entries) == set(ok_backends)]
    if plot and series and len(ok_backends) == len(backends):
        from .plot import plot_series

        try:
            report.plot = str(plot_series(series, ok_backends, out / "series.png"))
        except ImportError:
            report.plot_note = ("skipped: matplotlib is not installed "
                                "(pip install 'unitorch[ab]')")
    elif plot and not series:
        report.plot_note = "no series recorded (record a name more than once to plot it)"
    report.json_path = str(out / "report.json")
    write_json(report.to_dict(), report.json_path)
    return report
