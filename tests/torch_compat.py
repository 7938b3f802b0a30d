"""Helpers of the tests of ``unitorch.torch``: run the same code on PyTorch itself and
on unitorch's PyTorch front door (on each selected backend), and compare the results.

PyTorch is the reference for PyTorch-named behaviour: ``same_as_torch(fn, *arrays)``
calls ``fn(torch_module, *tensors)`` once with the real ``torch`` and once per backend
with ``unitorch.torch`` (its tensors made from the same NumPy arrays), and checks that
every result has PyTorch's structure (tuples, named tuples with their fields, Python
scalars), dtype and shape, and its values within the tolerance of ``family`` (from
``unitorch.testing.tolerances``); the backends are compared with each other too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance


def real_torch() -> Any:
    """PyTorch itself (the test is skipped where it is not installed)."""
    return pytest.importorskip("torch")


def front_door() -> Any:
    import unitorch.torch as torch

    return torch


def _to_torch(torch: Any, a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return torch.from_numpy(a.copy())
    return a


def _to_ut(a: Any) -> Any:
    if isinstance(a, np.ndarray):
        return ut.asarray(a.copy())
    return a


def _compare(got: Any, want: Any, where: str, family: str, scale: float) -> None:
    torch = real_torch()
    if isinstance(want, torch.Tensor):
        assert isinstance(got, ut.Tensor), f"{where}: {type(got).__name__}, expected a tensor"
        w = want.detach().numpy()
        assert got.dtype.name == str(want.dtype).replace("torch.", ""), \
            f"{where}: dtype {got.dtype.name}, PyTorch {want.dtype}"
        assert got.shape == tuple(w.shape), f"{where}: shape {got.shape}, PyTorch {w.shape}"
        rtol, atol = family_tolerance(family, got.dtype, scale)
        assert_close(got, w, rtol, atol, msg=f"{where} vs PyTorch")
    elif isinstance(want, torch.dtype):
        assert isinstance(got, ut.DType) and got.name == str(want).replace("torch.", ""), \
            f"{where}: dtype {got!r}, PyTorch {want}"
    elif isinstance(want, tuple):
        assert isinstance(got, tuple) and len(got) == len(want), \
            f"{where}: {got!r}, PyTorch {want!r}"
        fields = getattr(want, "_fields", None)
        if fields is not None:
            assert getattr(got, "_fields", None) == fields, \
                f"{where}: fields {getattr(got, '_fields', None)}, PyTorch {fields}"
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, f"{where}[{i}]", family, scale)
    elif isinstance(want, dict):
        assert isinstance(got, dict) and list(got) == list(want), f"{where}: {got!r}"
        for k in want:
            _compare(got[k], want[k], f"{where}[{k!r}]", family, scale)
    elif isinstance(want, list):
        assert isinstance(got, list) and len(got) == len(want), f"{where}: {got!r}"
        for i, (g, w) in enumerate(zip(got, want)):
            _compare(g, w, f"{where}[{i}]", family, scale)
    else:
        assert type(got) is type(want), f"{where}: {type(got).__name__}, PyTorch " \
                                        f"{type(want).__name__}"
        if isinstance(want, float):
            assert got == pytest.approx(want, rel=1e-6, abs=1e-6, nan_ok=True), where
        else:
            assert got == want, f"{where}: {got!r}, PyTorch {want!r}"


def same_as_torch(backends: tuple[str, ...], fn: Callable[..., Any], *arrays: Any,
                  family: str = "exact", scale: float = 1.0) -> dict[str, Any]:
    """Run ``fn(torch, *args)`` on PyTorch and on ``unitorch.torch`` on each backend;
    compare every backend's result with PyTorch's (and with each other); return them."""
    torch = real_torch()
    want = fn(torch, *[_to_torch(torch, a) for a in arrays])
    results = {}
    for name in backends:
        with ut.use_backend(name):
            results[name] = fn(front_door(), *[_to_ut(a) for a in arrays])
        _compare(results[name], want, name, family, scale)
    return results


def same_error_as_torch(backends: tuple[str, ...], fn: Callable[..., Any], *arrays: Any,
                        exc: type[BaseException] | tuple[type[BaseException], ...] | None = None
                        ) -> str:
    """``fn`` raises on PyTorch, and raises ``exc`` (default: PyTorch's type) on every
    backend with one message; returns that message."""
    torch = real_torch()
    try:
        fn(torch, *[_to_torch(torch, a) for a in arrays])
    except Exception as e:
        torch_type = type(e)
    else:
        raise AssertionError("PyTorch raised nothing")
    messages = set()
    for name in backends:
        with ut.use_backend(name):
            with pytest.raises(exc or torch_type) as info:
                fn(front_door(), *[_to_ut(a) for a in arrays])
        messages.add(str(info.value))
    assert len(messages) == 1, f"messages differ between backends: {messages}"
    return messages.pop()
