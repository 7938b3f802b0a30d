"""Assertions for tests that must hold on every backend.

:func:`assert_close` compares a result with an expected value (another tensor, a NumPy
reference, a scalar); :func:`assert_backends_match` runs one function on several
backends and compares what they return.  Both give a readable report on failure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..backends import available_backends, use_backend
from ..tensor import Tensor
from .tolerances import DEFAULTS

__all__ = ["assert_close", "assert_backends_match", "to_numpy_tree"]


def _as_numpy(x: Any) -> np.ndarray:
    if isinstance(x, Tensor):
        return np.asarray(x.numpy())
    return np.asarray(x)


def _dtype_of(x: Any) -> dt.DType | None:
    if isinstance(x, Tensor):
        return x.dtype
    try:
        return dt.as_dtype(np.asarray(x).dtype)
    except TypeError:
        return None


def _widen(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "c":
        return a.astype(np.complex128)
    if a.dtype.kind == "f" or a.dtype.name == "bfloat16":
        return a.astype(np.float64)
    return a


def assert_close(actual: Any, expected: Any, rtol: float | None = None,
                 atol: float | None = None, *, equal_nan: bool = True,
                 check_dtype: bool = True, msg: str | None = None) -> None:
    """Assert that ``actual`` and ``expected`` have the same shape and close values.

    ``|actual - expected| <= atol + rtol * |expected|`` element-wise, with NaN equal to NaN
    (``equal_nan``) and infinities equal only to themselves.  Without ``rtol``/``atol`` the
    per-dtype defaults of :data:`unitorch.testing.tolerances.DEFAULTS` for ``actual``'s
    dtype apply, and integer and bool values must be equal.  With ``check_dtype`` and two
    Tensors, their dtypes must be equal too.

    Example:
        >>> ut.testing.assert_close(ut.tensor([1.0, 2.0]), [1.0, 2.0 + 1e-7])
    """
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor):
        if actual.dtype is not expected.dtype:
            raise AssertionError(_prefix(msg) + f"dtypes differ: {actual.dtype.name} and "
                                 f"{expected.dtype.name}")
    a, e = _as_numpy(actual), _as_numpy(expected)
    if a.shape != e.shape:
        raise AssertionError(_prefix(msg) + f"shapes differ: {a.shape} and {e.shape}")
    d = _dtype_of(actual) or _dtype_of(expected)
    default_rtol, default_atol = DEFAULTS.get(d, (0.0, 0.0)) if d is not None else (0.0, 0.0)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    a, e = _widen(a), _widen(e)
    if a.dtype.kind in "fc" or e.dtype.kind in "fc":
        a = a.astype(np.complex128 if "c" in (a.dtype.kind, e.dtype.kind) else np.float64)
        e = e.astype(a.dtype)
        bad = _mismatches(a, e, rtol, atol, equal_nan)
    else:
        bad = a != e
    if np.any(bad):
        raise AssertionError(_prefix(msg) + _report(a, e, bad, rtol, atol))


def _mismatches(a: np.ndarray, e: np.ndarray, rtol: float, atol: float,
                equal_nan: bool) -> np.ndarray:
    if a.dtype.kind == "c":
        return _mismatches(a.real, e.real, rtol, atol, equal_nan) | _mismatches(
            a.imag, e.imag, rtol, atol, equal_nan)
    an, en = np.isnan(a), np.isnan(e)
    nan_bad = (an != en) if equal_nan else (an | en)
    ai, ei = np.isinf(a), np.isinf(e)
    inf_bad = (ai | ei) & ~(an | en) & (a != e)
    finite = ~(an | en | ai | ei)
    with np.errstate(invalid="ignore", over="ignore"):
        diff = np.abs(a - e)
        close_bad = finite & ~(diff <= atol + rtol * np.abs(e))
    return nan_bad | inf_bad | close_bad


def _report(a: np.ndarray, e: np.ndarray, bad: np.ndarray, rtol: float, atol: float) -> str:
    n_bad, n = int(np.sum(bad)), bad.size
    idx = tuple(int(i) for i in np.argwhere(bad)[0]) if bad.ndim else ()
    with np.errstate(all="ignore"):
        diff = np.abs(a - e)
        rel = diff / np.abs(e)
    finite = np.isfinite(diff)
    worst_abs = float(np.max(diff[bad & finite])) if np.any(bad & finite) else float("nan")
    worst_rel = float(np.max(rel[bad & finite])) if np.any(bad & finite) else float("nan")
    return (
        f"{n_bad} of {n} elements differ (rtol={rtol:g}, atol={atol:g}); first at index "
        f"{idx}: {a[idx]!r} vs expected {e[idx]!r}; greatest absolute difference "
        f"{worst_abs:g}, greatest relative difference {worst_rel:g}"
    )


def _prefix(msg: str | None) -> str:
    return f"{msg}: " if msg else ""


def to_numpy_tree(out: Any) -> Any:
    """Tensors in a nest of tuples, lists and dicts replaced by NumPy arrays."""
    if isinstance(out, Tensor):
        return np.asarray(out.numpy())
    if isinstance(out, dict):
        return {k: to_numpy_tree(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return type(out)(to_numpy_tree(v) for v in out) if isinstance(out, list) else tuple(
            to_numpy_tree(v) for v in out)
    return out


def _leaves(tree: Any, path: str = "") -> Iterable[tuple[str, Any]]:
    if isinstance(tree, dict):
        for k in sorted(tree, key=str):
            yield from _leaves(tree[k], f"{path}[{k!r}]")
    elif isinstance(tree, (list, tuple)):
        for i, v in enumerate(tree):
            yield from _leaves(v, f"{path}[{i}]")
    else:
        yield path or "output", tree


def _convert_args(args: Sequence[Any]) -> list[Any]:
    from ..ops.creation import asarray

    out = []
    for a in args:
        if isinstance(a, (np.ndarray, Tensor)) or type(a).__module__.startswith(
                ("torch", "tensorflow")):
            out.append(asarray(np.asarray(a) if not isinstance(a, Tensor) else a))
        else:
            out.append(a)
    return out


def assert_backends_match(fn: Callable[..., Any], *args: Any,
                          backends: Sequence[str] | None = None, rtol: float | None = None,
                          atol: float | None = None, reference: Any = None,
                          seed: int | None = 0, **kwargs: Any) -> dict[str, Any]:
    """Run ``fn(*args, **kwargs)`` on each backend and assert the outputs agree.

    Array arguments (NumPy arrays, Tensors, native tensors) are converted to each backend
    before the call; other arguments pass unchanged.  Before each call the random state is
    seeded with ``seed`` (and portable random numbers are used), so random functions give
    the same numbers everywhere.  Outputs may be tensors, scalars, or nests of tuples,
    lists and dicts of them; they must match in structure, shape and dtype, and in value
    within ``rtol``/``atol`` (per-dtype defaults when omitted).  ``reference``, if given, is
    the expected output (or a callable computing it from the NumPy arguments) that every
    backend must also match.  Returns each backend's outputs as NumPy arrays.

    Example:
        >>> out = ut.testing.assert_backends_match(ut.sum, np.arange(4.0), reference=6.0)
        >>> {float(v) for v in out.values()}  # each installed backend's output
        {6.0}
    """
    names = tuple(backends) if backends is not None else available_backends()
    results: dict[str, Any] = {}
    dtypes: dict[str, list[Any]] = {}
    for name in names:
        with use_backend(name):
            call_args = _convert_args(args)
            out = _call_seeded(fn, call_args, kwargs, seed)
            dtypes[name] = [getattr(v, "dtype", None) for _, v in _leaves(out)]
            results[name] = to_numpy_tree(out)
    first = names[0]
    if reference is not None:
        expected = reference(*[np.asarray(a) if isinstance(a, Tensor) else a for a in args]
                             ) if callable(reference) else reference
        for name in names:
            _compare_trees(results[name], expected, rtol, atol, f"{name} vs reference")
    for name in names[1:]:
        if dtypes[name] != dtypes[first]:
            raise AssertionError(f"{name} vs {first}: dtypes differ: {dtypes[name]} and "
                                 f"{dtypes[first]}")
        _compare_trees(results[name], results[first], rtol, atol, f"{name} vs {first}")
    return results


def _call_seeded(fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any],
                 seed: int | None) -> Any:
    try:
        from .. import random as ut_random
    except ImportError:  # the random module is optional for this helper
        return fn(*args, **kwargs)
    if seed is None:
        return fn(*args, **kwargs)
    with ut_random.portable(True):
        ut_random.manual_seed(seed)
        return fn(*args, **kwargs)


def _compare_trees(actual: Any, expected: Any, rtol: float | None, atol: float | None,
                   where: str) -> None:
    a_leaves = list(_leaves(actual))
    e_leaves = list(_leaves(expected))
    if [p for p, _ in a_leaves] != [p for p, _ in e_leaves]:
        raise AssertionError(f"{where}: output structures differ")
    for (path, a), (_, e) in zip(a_leaves, e_leaves):
        assert_close(a, e, rtol, atol, msg=f"{where} {path}")
