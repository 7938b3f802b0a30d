"""``ut.ab.compare``: run one function on several backends, in this process, and report how
far apart the outputs are and how long each backend took."""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..backends import use_backend
from ..tensor import Tensor
from .diff import compare_values
from .report import CompareReport, LeafResult

__all__ = ["compare"]


def _is_array_like(x: Any) -> bool:
    return isinstance(x, (np.ndarray, Tensor)) or type(x).__module__.startswith(
        ("torch", "tensorflow"))


def _convert(x: Any) -> Any:
    """Arrays (NumPy, unitorch Tensors of any backend, native tensors) anywhere in nested
    tuples, lists and dicts become tensors of the active backend; everything else passes
    unchanged.  A copy, so that a function writing into its input in place cannot change
    the input the next backend gets."""
    from ..ops.creation import asarray

    if _is_array_like(x):
        return asarray(x, copy=True)
    if isinstance(x, dict):
        return {k: _convert(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        out = [_convert(v) for v in x]
        return out if isinstance(x, list) else tuple(out)
    return x


def _leaves(tree: Any, path: str = "") -> list[tuple[str, Any]]:
    if isinstance(tree, dict):
        return [leaf for k in sorted(tree, key=str) for leaf in _leaves(tree[k], f"{path}[{k!r}]")]
    if isinstance(tree, (list, tuple)):
        return [leaf for i, v in enumerate(tree) for leaf in _leaves(v, f"{path}[{i}]")]
    return [(path or "output", tree)]


def _leaf_value(x: Any) -> tuple[np.ndarray | None, dt.DType | None, Any]:
    """(values, unitorch dtype, other): a tensor or number as a NumPy array and its dtype;
    anything else (None, a string) as ``other``, compared with ``==``."""
    if isinstance(x, Tensor):
        return np.asarray(x.numpy()), x.dtype, None
    if isinstance(x, (bool, int, float, complex, np.generic, np.ndarray)):
        arr = np.asarray(x)
        try:
            return arr, dt.as_dtype(arr.dtype), None
        except TypeError:
            return None, None, x
    return None, None, x


def _sync(out: Any) -> None:
    """Wait for outputs computed on an accelerator (a host copy): both frameworks run CPU
    ops eagerly and synchronously, so CPU tensors need nothing."""
    for _, leaf in _leaves(out):
        if isinstance(leaf, Tensor) and leaf.device.type != "cpu":
            leaf.numpy()


def _call(fn: Callable[..., Any], args: tuple, kwargs: dict, seed: int | None,
          timed: list[float] | None = None) -> Any:
    """``fn(*args, **kwargs)`` after seeding; its duration (seeding excluded, waiting for
    accelerator outputs included) is appended to ``timed`` if given."""
    from .. import random as ut_random

    with ut_random.portable(seed is not None or ut_random.is_portable()):
        if seed is not None:
            ut_random.manual_seed(seed)
        start = time.perf_counter()
        out = fn(*args, **kwargs)
        if timed is not None:
            _sync(out)
            timed.append(time.perf_counter() - start)
    return out


def _run_one(name: str, fn: Callable[..., Any], args: tuple, kwargs: dict, seed: int | None,
             repeats: int, warmup: int) -> tuple[Any, list[float], str | None]:
    """(outputs as NumPy leaves, timed seconds, error traceback) on backend ``name``."""
    with use_backend(name):
        try:
            call_args, call_kwargs = _convert(args), _convert(kwargs)
            out = _call(fn, call_args, call_kwargs, seed)
            leaves = [(path, _leaf_value(v)) for path, v in _leaves(out)]
            for _ in range(max(warmup, 1) - 1):
                _sync(_call(fn, call_args, call_kwargs, seed))
            times: list[float] = []
            for _ in range(repeats):
                _call(fn, call_args, call_kwargs, seed, times)
        except Exception:
            return None, [], traceback.format_exc()
    return leaves, times, None


def compare(fn: Callable[..., Any], *args: Any, backends: Sequence[str] = ("torch", "tensorflow"),
            seed: int | None = 0, rtol: float | None = None, atol: float | None = None,
            repeats: int = 5, warmup: int = 1, **kwargs: Any) -> CompareReport:
    """Run ``fn(*args, **kwargs)`` once per backend on the same inputs and compare.

    Array arguments (NumPy arrays, unitorch Tensors of any backend, native torch or
    TensorFlow tensors), also inside nested tuples, lists and dicts and in ``kwargs``, are
    converted to each backend (a copy each); other arguments pass unchanged.  Before every
    call the random state is seeded with ``seed`` and portable random numbers are on, so
    random functions draw the same numbers on every backend (``seed=None``: no seeding).

    Each output leaf (a tensor, a Python or NumPy scalar, inside nested tuples, lists and
    dicts) of every backend after the first is compared with the first backend's: max
    absolute difference, max relative difference, max distance in ULPs of the output
    dtype, and whether every element is within ``rtol``/``atol`` (per-dtype defaults of
    :data:`unitorch.testing.tolerances.DEFAULTS` when omitted; integers and bools must be
    equal).  See :mod:`unitorch.ab.diff` for the precise rules (NaN, infinities, signed
    zeros).  Leaves that differ in shape or dtype, or outputs that differ in structure,
    are divergences.

    Timing: the first call gives the compared outputs and counts as the first of
    ``warmup`` warm-up calls; then ``repeats`` timed calls (each seeded, seeding not
    timed); each backend's time is their median.  On an accelerator the timed call
    includes copying the outputs to the host, to wait for them.

    An exception in ``fn`` on a backend is reported (``report.errors``), not raised.

    Returns a :class:`~unitorch.ab.report.CompareReport`: ``print(report)`` shows a table,
    ``report.ok`` says whether everything agreed, ``report.to_dict()``/``to_json()``.

    Example:
        >>> report = ut.ab.compare(lambda x: ut.exp(x).sum(), np.linspace(0, 1, 100))
        >>> report.ok
        True
        >>> print(report)  # doctest: +SKIP
    """
    names = tuple(backends)
    if not names:
        raise ValueError("compare() needs at least one backend")
    if repeats < 0 or warmup < 0:
        raise ValueError(f"repeats and warmup must be >= 0, got {repeats} and {warmup}")
    outputs: dict[str, Any] = {}
    times: dict[str, list[float]] = {}
    errors: dict[str, str] = {}
    for name in names:
        leaves, t, err = _run_one(name, fn, args, kwargs, seed, repeats, warmup)
        if err is not None:
            errors[name] = err
        else:
            outputs[name] = leaves
            times[name] = t
    results = _compare_outputs(names, outputs, rtol, atol)
    timings = {n: (statistics.median(t) if t else None) for n, t in times.items()}
    return CompareReport(
        backends=names, leaves=results, timings=timings, all_times=times, errors=errors,
        outputs={n: {p: (v[0] if v[0] is not None else v[2]) for p, v in leaves}
                 for n, leaves in outputs.items()},
        repeats=repeats, warmup=warmup, seed=seed)


def _compare_outputs(names: tuple[str, ...], outputs: dict[str, Any], rtol: float | None,
                     atol: float | None) -> list[LeafResult]:
    present = [n for n in names if n in outputs]
    if len(present) < 2:
        return []
    ref_name = present[0]
    ref = dict(outputs[ref_name])
    results = []
    for name in present[1:]:
        got = dict(outputs[name])
        for path in list(ref) + [p for p in got if p not in ref]:
            if path not in got or path not in ref:
                where = name if path not in got else ref_name
                results.append(LeafResult.missing(path, name, ref_name, f"missing on {where}"))
                continue
            (a, da, other_a), (e, de, other_e) = got[path], ref[path]
            if a is None or e is None:
                same = a is None and e is None and _equal(other_a, other_e)
                results.append(LeafResult.opaque(path, name, ref_name, other_a, other_e, same))
                continue
            diff = compare_values(a, e, da, de, rtol, atol)
            results.append(LeafResult(path, name, ref_name, diff, _final(a), _final(e)))
    return results


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:
        return False


def _final(x: np.ndarray) -> Any:
    """A short display of a value: the number for a scalar, else the array itself."""
    if x.ndim:
        return x
    return x.item() if x.dtype.kind in "biufc" else float(x)  # bfloat16: a Python float
