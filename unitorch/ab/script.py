"""Running a script once per backend, each in its own process, and comparing what it
recorded with :func:`unitorch.ab.record` (the engine of ``unitorch ab`` and
``unitorch demo``).

Each run gets ``UNITORCH_BACKEND`` (the backend) and ``UNITORCH_AB_RECORD`` (its records
file, ``DIR/records/BACKEND.json``) in its environment; runs go one after the other, so
each has the machine to itself and their times compare.  The first backend is the
reference the others are compared with.

Each run leads a process group of its own (see :mod:`unitorch._process`): ``timeout``
ends the whole group (SIGTERM, SIGKILL 2 seconds later), processes the script leaves
running in its group are ended when it exits, and SIGINT/SIGTERM/SIGHUP sent to the
runner (``unitorch ab``) are forwarded to the running script's group before the runner
stops (raising :class:`unitorch._process.Interrupted`).  Output is read with bounded
memory (a very long line is passed on in pieces).
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from .. import _process
from .. import dtypes as dt
from .diff import compare_values
from .record import ENV, read_records
from .report import RecordResult, RunResult, ScriptReport, write_json

__all__ = ["run_script", "run_backend", "compare_records", "load_records"]

_TAIL_LINES = 20
#: seconds between SIGTERM and SIGKILL when a run's group is ended
_STOP_WAIT = 2.0


def _pump(stream: IO[bytes], sink: Callable[[str], None] | None,
          tail: collections.deque) -> None:
    def emit(line: str) -> None:
        tail.append(line)
        if sink is not None:
            sink(line)

    _process.pump(stream, emit)


def run_backend(command: Sequence[str], backend: str, records_path: Path, *,
                timeout: float | None = None, echo: bool = True,
                env: dict[str, str] | None = None) -> RunResult:
    """Run ``command`` with ``backend`` selected and records going to ``records_path``.

    With ``echo`` its output is passed through line by line, prefixed ``[backend]``
    (stdout to stdout, stderr to stderr); the last lines of its stderr are kept either way.
    """
    records_path.parent.mkdir(parents=True, exist_ok=True)
    for stale in (records_path, Path(f"{records_path}.journal")):
        if stale.exists():
            stale.unlink()
    run_env = dict(os.environ if env is None else env)
    run_env.update({"UNITORCH_BACKEND": backend, ENV: str(records_path.resolve()),
                    "PYTHONUNBUFFERED": "1"})
    start = time.perf_counter()
    err_tail: collections.deque = collections.deque(maxlen=_TAIL_LINES)
    out_tail: collections.deque = collections.deque(maxlen=_TAIL_LINES)
    prefix = f"[{backend}] "

    def to(stream: IO[str]) -> Callable[[str], None] | None:
        if not echo:
            return None
        return lambda line: (stream.write(f"{prefix}{line}\n"), stream.flush())

    timed_out = False
    with _process.signals_raised() as signals:
        proc = _process.spawn(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=run_env)
        threads = [threading.Thread(target=_pump, args=(proc.stdout, to(sys.stdout), out_tail),
                                    daemon=True),
                   threading.Thread(target=_pump, args=(proc.stderr, to(sys.stderr), err_tail),
                                    daemon=True)]
        for t in threads:
            t.start()
        try:
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                timed_out = True
            except _process.Interrupted as e:  # forwarded, then the runner stops
                signals.raising = False
                forward = signal.SIGINT if e.signum == signal.SIGINT else signal.SIGTERM
                _process.stop([proc], _STOP_WAIT, forward, hurry=signals.hurry)
                raise
        finally:
            # the group ends with the run: a timed-out script, and whatever it left behind
            signals.raising = False
            _process.stop([proc], _STOP_WAIT, hurry=signals.hurry)
            for t in threads:
                t.join(timeout=5)
    seconds = time.perf_counter() - start
    return RunResult(backend, proc.returncode, seconds, list(err_tail), timed_out,
                     str(records_path) if read_records(records_path) is not None else None)


def load_records(path: str | os.PathLike | None) -> dict[str, dict[str, Any]]:
    """The records a run wrote (name -> {"dtype", "shape", "values", ...}); {} if none.
    Entries recorded after the run's last full write (a run ended by ``os._exit`` or a
    signal) are read from its journal too (see :mod:`unitorch.ab.record`)."""
    if path is None:
        return {}
    found = read_records(path)
    return {} if found is None else found["records"]


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
