"""``ut.ab.record``: values a script records for ``unitorch ab`` to compare across backends.

``unitorch ab script.py`` runs the script once per backend with ``UNITORCH_AB_RECORD``
naming a JSON file; :func:`record` collects values in memory and writes them there,
atomically (a temporary file, flushed to disk, renamed into place), at exit, on
:func:`flush`, and at most every two seconds while recording.  Between those writes each
entry is also appended, as one JSON line, to a journal beside the file
(``<file>.journal``) as soon as it is recorded: one ``write`` to the kernel, so a run
that ends without its exit handlers (``os._exit``, a signal, a crash of the
interpreter) loses nothing it recorded; :func:`read_records` (what ``unitorch ab``
reads) applies the journal's entries that the file does not hold yet.  A forked child
process records nothing (its entries would interleave with its parent's).  Without that
variable (a plain ``python script.py``) :func:`record` returns at once
without looking at its value: recording costs nothing outside ``unitorch ab``.  The
variable is read at the first call.

Each name holds a list of entries, one per call: call ``record("loss", loss)`` every step
to build a series.  An entry is a number or a tensor/array of any shape (all entries of a
name have one shape).  The dtype compared is the value's own (a Tensor's unitorch dtype, a
NumPy value's dtype; a Python float is float64, an int int64) unless ``dtype=`` says
otherwise.  ``rtol``/``atol`` set this name's tolerance, overriding the command line's
and the dtype's default.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import dtypes as dt

__all__ = ["record", "record_history", "flush", "recording", "records", "read_records",
           "ENV"]

#: The environment variable ``unitorch ab`` sets to the file records go to.
ENV = "UNITORCH_AB_RECORD"
_FORMAT = 1
_AUTOFLUSH_SECONDS = 2.0
_O_BINARY = getattr(os, "O_BINARY", 0)


class _Recorder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.journal_path = f"{path}.journal"
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.names: dict[str, dict[str, Any]] = {}
        self.seq = 0  # entries recorded so far; the file holds the first `seq` of them
        self.journal: int | None = None
        self.started = time.time()
        self.last_flush = time.monotonic()
        self.finished = False
        atexit.register(self._at_exit)

    def add(self, name: str, entry: np.ndarray, d: dt.DType, rtol: float | None,
            atol: float | None, replace: bool = False, axis: str = "call") -> None:
        if os.getpid() != self.pid:  # a forked child: see the module docstring
            return
        with self.lock:
            slot = self.names.get(name)
            if slot is not None and not replace:
                if list(entry.shape) != slot["shape"]:
                    raise ValueError(
                        f"ut.ab.record({name!r}): an entry of shape {tuple(entry.shape)} "
                        f"after entries of shape {tuple(slot['shape'])}; every entry of a "
                        "name must have one shape")
                if slot["dtype"] != d.name:
                    d = dt.result_type(dt.as_dtype(slot["dtype"]), d)
            item = {"seq": self.seq + 1, "name": name, "dtype": d.name,
                    "shape": list(entry.shape), "value": _to_list(entry, d),
                    "rtol": None if rtol is None else float(rtol),
                    "atol": None if atol is None else float(atol),
                    "new": slot is None or replace, "axis": axis}
            _apply(self.names, item)
            self.seq += 1
            self._append(item)
            due = time.monotonic() - self.last_flush > _AUTOFLUSH_SECONDS
        if due:
            self.flush()

    def _append(self, item: dict[str, Any]) -> None:
        """One journal line, in one write (the kernel keeps it if the process dies)."""
        import json

        data = (json.dumps(item) + "\n").encode()
        if self.journal is None:
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            self.journal = os.open(self.journal_path,
                                   os.O_WRONLY | os.O_CREAT | os.O_APPEND | _O_BINARY, 0o666)
        view = memoryview(data)
        while view:
            view = view[os.write(self.journal, view):]

    def payload(self) -> dict[str, Any]:
        from ..backends import get_backend

        try:
            backend = get_backend()
        except Exception:  # no backend could be loaded: still write what was recorded
            backend = os.environ.get("UNITORCH_BACKEND")
        return {"format": _FORMAT, "backend": backend, "pid": os.getpid(),
                "started": self.started, "finished": self.finished, "seq": self.seq,
                "records": self.names}

    def flush(self) -> None:
        import json

        from .._files import write_atomically

        if os.getpid() != self.pid:
            return
        with self.lock:
            text = json.dumps(self.payload())  # NaN and inf as JSON's extensions: Python reads them
            directory = os.path.dirname(self.path)
            if directory:
                os.makedirs(directory, exist_ok=True)
            write_atomically(self.path, text.encode(), "ut.ab.flush")
            if self.journal is not None:  # the file now holds every journal entry
                os.ftruncate(self.journal, 0)
            self.last_flush = time.monotonic()

    def _at_exit(self) -> None:
        if os.getpid() != self.pid:
            return
        self.finished = True
        self.flush()
        if self.journal is not None:
            os.close(self.journal)
            self.journal = None
            try:
                os.unlink(self.journal_path)
            except OSError:
                pass


def _apply(names: dict[str, dict[str, Any]], item: dict[str, Any]) -> None:
    """Add one recorded entry (a journal line) to ``names``."""
    slot = names.get(item["name"])
    if slot is None or item["new"]:
        slot = names[item["name"]] = {"dtype": item["dtype"], "shape": item["shape"],
                                      "values": [], "rtol": None, "atol": None,
                                      "axis": item["axis"]}
    slot["dtype"] = item["dtype"]
    slot["values"].append(item["value"])
    if item["rtol"] is not None:
        slot["rtol"] = item["rtol"]
    if item["atol"] is not None:
        slot["atol"] = item["atol"]


def read_records(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """What a run recorded into ``path`` (``{"records": {name: slot}, ...}``): the file,
    plus the journal's entries it does not hold yet (a run that ended without writing
    them; a torn last line is ignored); None when the run recorded nothing.

    Example:
        >>> read_records("records/torch.json")["records"]["loss"]["values"]  # doctest: +SKIP
        [0.69, 0.41]
    """
    import json

    path = os.fspath(path)
    try:
        with open(path) as f:
            found: dict[str, Any] | None = json.load(f)
    except FileNotFoundError:
        found = None
    try:
        with open(f"{path}.journal", "rb") as f:
            lines = f.read().split(b"\n")
    except FileNotFoundError:
        lines = []
    done = found.get("seq", 0) if found is not None else 0
    for raw in lines:
        try:
            item = json.loads(raw)
        except ValueError:  # the empty tail, or a line cut short by a kill
            continue
        if not isinstance(item, dict) or item.get("seq", 0) <= done:
            continue
        if found is None:
            found = {"format": _FORMAT, "finished": False, "seq": 0, "records": {}}
        _apply(found["records"], item)
        found["seq"] = done = item["seq"]
    return found


_recorder: list[_Recorder | None] = []  # empty until the environment was read


def _active() -> _Recorder | None:
    if _recorder:
        return _recorder[0]
    path = os.environ.get(ENV)
    _recorder.append(_Recorder(path) if path else None)
    return _recorder[0]


def recording() -> bool:
    """Whether this process runs under ``unitorch ab`` (records are being kept).

    Example:
        >>> ut.ab.recording()  # True in a script that `unitorch ab` runs
        False
    """
    return _active() is not None


def _to_numpy(value: Any) -> tuple[np.ndarray, dt.DType]:
    from ..tensor import Tensor

    if isinstance(value, Tensor):
        return np.asarray(value.numpy()), value.dtype
    module = type(value).__module__
    if module.startswith("torch"):
        value = value.detach().cpu().numpy()
    elif module.startswith("tensorflow") and hasattr(value, "numpy"):
        value = value.numpy()
    arr = np.asarray(value)
    try:
        return arr, dt.as_dtype(arr.dtype)
    except TypeError:
        raise TypeError(
            f"ut.ab.record() takes numbers, tensors or arrays of numbers, got "
            f"{type(value).__name__}") from None


def _to_list(entry: np.ndarray, d: dt.DType) -> Any:
    """An entry as JSON-ready Python numbers, exact: floats as Python floats (a float32 or
    bfloat16 value is exactly a float64), complex as [real, imag] pairs."""
    if d.kind == "c":
        entry = entry.astype(np.complex128)
        return np.stack([entry.real, entry.imag], axis=-1).tolist()
    if d.kind == "f":
        return entry.astype(np.float64).tolist()
    if d is dt.bool:
        return entry.astype(bool).tolist()
    return entry.astype(np.int64).tolist()


def _is_history(value: Any) -> bool:
    return isinstance(value, Mapping) or isinstance(getattr(value, "history", None), Mapping)


def record(name: str, value: Any, *, dtype: dt.DTypeLike | None = None,
           rtol: float | None = None, atol: float | None = None) -> None:
    """Record ``value`` under ``name`` for ``unitorch ab``; a no-op otherwise.

    Calling it again with the same name appends, building a series (a loss per step).
    ``value``: a number, a Tensor (any backend, any shape), a NumPy array or native
    tensor, or a training history (see :func:`record_history`, which ``record(name,
    history)`` calls with ``name``).  ``dtype``: compare as this dtype (``"float32"`` for
    Python floats computed from float32 tensors).  ``rtol``/``atol``: this name's
    tolerance.  Call it from Python code, not inside a compiled function (``ut.compile``,
    ``tf.function``), where values are symbolic.

    Example:
        >>> for step in range(3):
        ...     loss = ut.asarray(1.0 / (step + 1))
        ...     ut.ab.record("loss", loss)   # a series of 3 float32 values
        >>> ut.ab.record("accuracy", 0.97)
    """
    rec = _recorder[0] if _recorder else _active()
    if rec is None:
        return
    if not isinstance(name, str) or not name:
        raise TypeError(f"ut.ab.record() needs a non-empty str name, got {name!r}")
    if _is_history(value):
        record_history(value, name=name, dtype=dtype)
        return
    arr, d = _to_numpy(value)
    if dtype is not None:
        d = dt.as_dtype(dtype)
        arr = arr.astype(d.numpy)
    rec.add(name, arr, d, rtol, atol)


def _series(rec: _Recorder, name: str, values: Any, dtype: dt.DType | None,
            axis: str) -> None:
    items = list(values)
    plain = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in items)
    if plain and items:
        if dtype is not None:
            d = dtype
        elif any(isinstance(v, float) for v in items):
            d = dt.get_default_dtype()
        else:
            d = dt.int64
        for i, v in enumerate(items):
            rec.add(name, np.asarray(v, np.float64).astype(d.numpy), d, None, None,
                    replace=i == 0, axis=axis)
        return
    for i, v in enumerate(items):
        arr, d = _to_numpy(v)
        if dtype is not None:
            arr, d = arr.astype(dtype.numpy), dtype
        rec.add(name, arr, d, None, None, replace=i == 0, axis=axis)


def record_history(history: Any, name: str = "fit", *,
                   dtype: dt.DTypeLike | None = None) -> None:
    """Record a training history (what ``ut.fit`` returns) for ``unitorch ab``.

    ``history``: a mapping of metric name -> per-epoch values (or an object whose
    ``.history`` is one, as Keras's), optionally with a ``.steps`` mapping of metric name
    -> per-step values.  Each becomes a series: ``"{name}/{metric}"`` per epoch and
    ``"{name}/step/{metric}"`` per step, replacing what an earlier call recorded there.
    Histories hold Python floats, often float64 means of float32 quantities (losses and
    metrics of a float32 model), which carry only float32's precision: such series are
    compared in unitorch's default float dtype (float32 unless changed with
    ``ut.set_default_dtype``), or in ``dtype`` if given; integer series exactly.

    Example:
        >>> history = {"loss": [0.9, 0.5, 0.3]}
        >>> ut.ab.record_history(history)      # records "fit/loss"
    """
    rec = _recorder[0] if _recorder else _active()
    if rec is None:
        return
    d = None if dtype is None else dt.as_dtype(dtype)
    epochs = history.history if isinstance(getattr(history, "history", None), Mapping) \
        else history
    for metric, values in epochs.items():
        _series(rec, f"{name}/{metric}", values, d, "epoch")
    steps = getattr(history, "steps", None)
    if isinstance(steps, Mapping):
        for metric, values in steps.items():
            _series(rec, f"{name}/step/{metric}", values, d, "step")


def flush() -> None:
    """Write the records now (they are also written at exit); a no-op outside
    ``unitorch ab``.

    Example:
        >>> ut.ab.record("loss", 0.25)  # kept only under `unitorch ab script.py`
        >>> ut.ab.flush()  # written now rather than at exit
    """
    rec = _recorder[0] if _recorder else _active()
    if rec is not None:
        rec.flush()


def records() -> dict[str, dict[str, Any]]:
    """What was recorded so far in this process (empty outside ``unitorch ab``):
    name -> {"dtype", "shape", "values", "rtol", "atol"}.

    Example:
        >>> ut.ab.record("accuracy", 0.75)
        >>> ut.ab.records()  # outside `unitorch ab` nothing is kept
        {}
    """
    rec = _recorder[0] if _recorder else _active()
    if rec is None:
        return {}
    with rec.lock:
        return {k: dict(v, values=list(v["values"])) for k, v in rec.names.items()}
