"""Helpers shared by the op tests: run an op on every selected backend and compare the
results with a NumPy float64 reference and with each other.

Tolerances come from :mod:`unitorch.testing.tolerances` (one place, with reasons).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance


def on_backends(backends: tuple[str, ...], fn: Callable[..., Any], *arrays: Any,
                **kwargs: Any) -> dict[str, Any]:
    """``fn`` applied on each backend to the arrays converted to that backend's tensors
    (non-arrays pass through); returns each backend's raw output."""
    out = {}
    for name in backends:
        with ut.use_backend(name):
            args = [ut.asarray(a) if isinstance(a, np.ndarray) else a for a in arrays]
            out[name] = fn(*args, **kwargs)
    return out


def reference_cast(expected: Any, dtype: ut.DType) -> np.ndarray:
    """The float64 reference rounded to the result dtype (overflow becomes inf there too)."""
    e = np.asarray(expected)
    with np.errstate(all="ignore"):
        return e.astype(dtype.numpy).astype(np.complex128 if dtype.kind == "c" else
                                           np.float64 if dtype.kind == "f" else dtype.numpy)


def check(results: dict[str, Any], expected: Any, dtype: ut.DType, family: str = "exact",
          scale: float = 1.0, shape: tuple[int, ...] | None = None) -> None:
    """Each backend's result has ``dtype`` (and ``shape``), matches the reference within
    the family's tolerance, and matches the other backends within twice that."""
    rtol, atol = family_tolerance(family, dtype, scale)
    ref = reference_cast(expected, dtype)
    first = None
    for name, r in results.items():
        assert isinstance(r, ut.Tensor), f"{name}: expected a Tensor, got {type(r).__name__}"
        assert r.dtype is dtype, f"{name}: dtype {r.dtype.name}, expected {dtype.name}"
        if shape is not None:
            assert r.shape == tuple(shape), f"{name}: shape {r.shape}, expected {shape}"
        assert_close(r, ref, rtol, atol, msg=f"{name} vs NumPy")
        if first is None:
            first = (name, r)
        else:
            assert_close(r.numpy(), first[1].numpy(), 2 * rtol, 2 * atol,
                         msg=f"{name} vs {first[0]}")


def errors_on(backends: tuple[str, ...], fn: Callable[..., Any], *arrays: Any,
              **kwargs: Any) -> dict[str, BaseException]:
    """The exception ``fn`` raises on each backend (a test fails if one raises none)."""
    found = {}
    for name in backends:
        with ut.use_backend(name):
            args = [ut.asarray(a) if isinstance(a, np.ndarray) else a for a in arrays]
            try:
                fn(*args, **kwargs)
            except Exception as e:  # collect it: that is the point
                found[name] = e
            else:
                raise AssertionError(f"{name}: no exception raised")
    return found


def same_error(backends: tuple[str, ...], exc_type: type[BaseException], fn, *arrays,
               match: str | None = None, **kwargs) -> str:
    """Assert every backend raises ``exc_type`` with one identical message; return it."""
    import re

    errs = errors_on(backends, fn, *arrays, **kwargs)
    messages = set()
    for name, e in errs.items():
        assert isinstance(e, exc_type), f"{name}: raised {type(e).__name__}: {e}"
        messages.add(str(e))
        if match is not None:
            assert re.search(match, str(e)), f"{name}: message {str(e)!r} lacks {match!r}"
    assert len(messages) == 1, f"messages differ between backends: {messages}"
    return messages.pop()


def finite_difference(fn: Callable[[np.ndarray], float], x: np.ndarray,
                      h: float = 1e-6) -> np.ndarray:
    """The gradient of scalar ``fn`` at ``x`` by central differences, ``(fn(x + h e_i) -
    fn(x - h e_i)) / 2h`` for each element ``i`` (compute ``fn`` in float64 for a
    reference); ``fn`` gets a fresh array each time."""
    out = np.zeros_like(x)
    flat, grad = x.reshape(-1), out.reshape(-1)
    for i in range(flat.size):
        up, down = flat.copy(), flat.copy()
        up[i] += h
        down[i] -= h
        grad[i] = (fn(up.reshape(x.shape)) - fn(down.reshape(x.shape))) / (2 * h)
    return out
