"""Comparing a unitorch function (or layer) with PyTorch's of the same name: the forward
value and the gradient with respect to every floating input, on each selected backend,
against ``torch`` run in float64 on the same (rounded) numbers and against NumPy float64
references where the test has one, and the backends against each other.

Tolerances come from :mod:`unitorch.testing.tolerances` through ``support.check``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import check


def as_dtype(a: Any, dtype: ut.DType) -> Any:
    """A floating array rounded to ``dtype``; other values as they are."""
    if isinstance(a, np.ndarray) and a.dtype.kind == "f":
        return a.astype(dtype.numpy)
    return a


def to_torch(a: Any) -> Any:
    """A float64 (or int64/bool) torch tensor of an array's numbers; others unchanged."""
    if not isinstance(a, np.ndarray):
        return a
    if a.dtype.kind == "f":
        return torch.tensor(a.astype(np.float64))
    if a.dtype.kind == "b":
        return torch.tensor(a)
    return torch.tensor(a.astype(np.int64))


def to_unitorch(a: Any) -> Any:
    return ut.asarray(a) if isinstance(a, np.ndarray) else a


def compare(backends: Sequence[str], ut_fn: Callable[..., Any],
            torch_fn: Callable[..., Any], arrays: Sequence[Any], dtype: ut.DType,
            family: str, scale: float = 1.0, grad: bool = True,
            grad_scale: float | None = None, reference: Any = None,
            grad_args: Sequence[int] | None = None, seed: int = 0,
            grad_family: str | None = None) -> dict[str, Any]:
    """Run ``ut_fn(*arrays)`` on each backend (floating arrays rounded to ``dtype``) and
    ``torch_fn`` on float64 torch tensors of the same numbers; check the value (and,
    with ``grad``, the gradient of ``sum(out * cotangent)`` with respect to the floating
    arrays, or those at ``grad_args``) against torch's, against ``reference`` (a NumPy
    float64 value, or a function computing it from the rounded arrays) if given, and
    across backends.  The gradients use ``grad_family`` and ``grad_scale`` when given (a
    gradient may add up several paths where the value has one).  Returns the unitorch outputs."""
    rounded = [as_dtype(a, dtype) for a in arrays]
    floating = [i for i, a in enumerate(rounded)
                if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    wrt = list(floating if grad_args is None else grad_args) if grad else []
    t_in = [to_torch(a) for a in rounded]
    for i in wrt:
        t_in[i].requires_grad_(True)
    t_out = torch_fn(*t_in)
    expected = t_out.detach().numpy()
    if callable(reference):  # computed from the numbers the functions see
        reference = reference(*[a.astype(np.float64) if isinstance(a, np.ndarray)
                                and a.dtype.kind == "f" else a for a in rounded])
    if reference is not None:
        rtol, atol = family_tolerance(family, ut.float64, scale)
        assert_close(np.asarray(reference, np.float64), expected, rtol, atol,
                     msg="NumPy reference vs torch")
    cot = np.random.default_rng(seed).normal(size=expected.shape)
    t_grads = []
    if wrt:
        t_grads = torch.autograd.grad((t_out * torch.tensor(cot)).sum(), [t_in[i] for i in wrt],
                                      allow_unused=True)
    outs, grads = {}, {}
    for name in backends:
        with ut.use_backend(name):
            u_in = [to_unitorch(a) for a in rounded]
            outs[name] = ut_fn(*u_in)
            if wrt:
                c = ut.asarray(cot.astype(dtype.numpy))

                def loss(*xs: Any, u_in: list[Any] = u_in, c: Any = c) -> Any:
                    full = list(u_in)
                    for i, x in zip(wrt, xs):
                        full[i] = x
                    return ut.sum(ut_fn(*full) * c)

                g = ut.grad(loss, argnums=tuple(range(len(wrt))))(*[u_in[i] for i in wrt])
                grads[name] = g if isinstance(g, tuple) else (g,)
    check(outs, expected, dtype, family, scale=scale, shape=expected.shape)
    gs = scale if grad_scale is None else grad_scale
    for k, tg in enumerate(t_grads):
        want = np.zeros(rounded[wrt[k]].shape) if tg is None else tg.numpy()
        check({name: grads[name][k] for name in backends}, want, dtype,
              grad_family or family, scale=gs, shape=want.shape)
    return outs
