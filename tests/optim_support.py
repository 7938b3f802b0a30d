"""Helpers shared by the optimizer and scheduler tests: gradients TensorFlow's kernels
keep exact, the parameter comparison with its tolerance, and the one-parameter-per-group
optimizers and learning-rate trajectories the scheduler tests compare with torch.optim.

Tolerances come from :mod:`unitorch.testing.tolerances` (one place, with reasons).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance


def realistic_gradient(a: np.ndarray) -> np.ndarray:
    """``a`` with magnitudes below 1e-3 set to exactly zero: squares of magnitudes below
    ~1e-19 are subnormal in float32, which TensorFlow's CPU kernels flush to zero."""
    return np.where(np.abs(a) < 1e-3, 0, a).astype(a.dtype)


def check_params(results: list[np.ndarray], expected: list[np.ndarray], moved: list[float],
                 params: list[np.ndarray], steps: int, label: str) -> None:
    """Each result against its expected value, within the optimizer tolerance scaled by
    the steps and by the parameter's magnitude (initial plus how far it ``moved``)."""
    for i, (r, e) in enumerate(zip(results, expected)):
        d = ut.float32 if r.dtype == np.float32 else ut.float64
        magnitude = max(1.0, float(np.max(np.abs(params[i]), initial=0.0)) + moved[i])
        rtol, atol = family_tolerance("optimizer", d, scale=steps * magnitude)
        assert_close(r, e, rtol, atol, msg=f"{label}, parameter {i}")


def ut_optimizer(backend: str, bases: list[float], opt: str = "SGD", **kw: Any) -> Any:
    """A unitorch optimizer on ``backend`` with one group per learning rate in ``bases``."""
    with ut.use_backend(backend):
        groups = [{"params": [ut.nn.Parameter(ut.zeros(2))], "lr": b} for b in bases]
        return getattr(ut.optim, opt)(groups, **kw)


def torch_optimizer(bases: list[float], opt: str = "SGD", **kw: Any) -> Any:
    """The torch.optim optimizer :func:`ut_optimizer` stands for."""
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": b} for b in bases]
    return getattr(torch.optim, opt)(groups, **kw)


def trajectory(sched: Any, opt: Any, epochs: int, key: str | None = None,
               metrics: list[float] | None = None) -> tuple[list[Any], list[Any]]:
    """Learning rates (and ``key`` of group 0: momentum, betas) at epochs 0..epochs;
    ``metrics``, one per epoch, go to ``sched.step`` (ReduceLROnPlateau)."""
    lrs, extra = [sched.get_last_lr()], [opt.param_groups[0].get(key) if key else None]
    for e in range(epochs):
        opt.step()
        sched.step() if metrics is None else sched.step(metrics[e])
        lrs.append(sched.get_last_lr())
        extra.append(opt.param_groups[0].get(key) if key else None)
    return lrs, extra
