"""``group_norm``, ``instance_norm`` and ``rms_norm``, as in ``torch.nn.functional``,
composed once from the contract's reductions (as ``layer_norm`` and ``batch_norm`` in
:mod:`unitorch.nn.functional`), so every backend computes the same expression.

Each uses the *biased* variance to normalize; float16 and bfloat16 are computed in
float32 and rounded once; parameters (weight, bias, running statistics) are used in
that compute dtype and the result has the input's dtype.  Real floating input only.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Sequence
from typing import Any

from .. import dtypes as dt
from .._dispatch import native_scalar
from ..errors import ShapeError, fmt_shape
from ..tensor import Tensor, _wrap

__all__ = ["group_norm", "instance_norm", "rms_norm"]


def _helpers() -> Any:
    from . import functional

    return functional


def group_norm(input: Tensor, num_groups: int, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """Group normalization (Wu & He, 2018) of (N, C, ...) input: the C channels are split
    into ``num_groups`` groups of consecutive channels, and each group of each sample is
    normalized over its channels and spatial positions,
    ``(x - mean) / sqrt(var + eps)`` (biased variance), then scaled by ``weight`` and
    shifted by ``bias`` (both (C,), per channel).  C must be divisible by ``num_groups``
    (``ValueError``).

    Example:
        >>> F.group_norm(ut.tensor([[1., 3., 5., 9.]]), 2)
        tensor([[-0.999995 ,  0.999995 , -0.9999988,  0.9999988]], dtype=float32)
    """
    f = _helpers()
    x = f._float_input("group_norm", input)
    backend = type(x)._bk
    xs = x.shape
    if len(xs) < 2:
        raise ShapeError(f"group_norm() expects an input of shape (N, C, ...), got "
                         f"{fmt_shape(xs)}")
    groups = operator.index(num_groups)
    c = xs[1]
    if groups < 1 or (c is not None and c % groups):
        raise ValueError(f"group_norm(): the {c} channels are not divisible into "
                         f"num_groups={num_groups} groups")
    w = f._as_float_param("group_norm", "weight", backend, weight)
    b = f._as_float_param("group_norm", "bias", backend, bias)
    f._check_param("group_norm", "weight", w, (c,))
    f._check_param("group_norm", "bias", b, (c,))
    d = x._d
    cd = f._compute_dtype(d)
    xn = x._n if cd is d else backend.cast(x._n, cd)
    shape = backend.shape(xn)
    n = -1 if shape[0] is None else shape[0]
    grouped = backend.reshape(xn, (n, groups, -1))
    xc = backend.subtract(grouped, backend.mean(grouped, (2,), True))
    var = backend.mean(backend.square(xc), (2,), True)
    y = backend.reshape(f._normalize(backend, xc, var, float(eps), cd),
                        tuple(-1 if s is None else s for s in shape))
    bshape = (1, c, *(1,) * (len(xs) - 2))
    if w is not None:
        y = backend.multiply(y, f._param(backend, w, cd, bshape))
    if b is not None:
        y = backend.add(y, f._param(backend, b, cd, bshape))
    return _wrap(type(x), y if cd is d else backend.cast(y, d), d)


def instance_norm(input: Tensor, running_mean: Tensor | None = None,
                  running_var: Tensor | None = None, weight: Tensor | None = None,
                  bias: Tensor | None = None, use_input_stats: bool = True,
                  momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """Instance normalization (Ulyanov et al., 2016) of (N, C, ...) input: each channel
    of each sample normalized over its spatial positions, ``(x - mean) / sqrt(var +
    eps)`` (biased variance), then ``* weight + bias`` per channel (both (C,)).

    With ``use_input_stats`` (the default) the statistics are the sample's own, and
    given running statistics are updated in place, PyTorch's way: ``running = (1 -
    momentum) * running + momentum * stat``, the statistic averaged over the batch (the
    variance unbiased over the spatial positions); otherwise the running statistics
    normalize.  Training needs more than one spatial position (``ValueError``).

    Example:
        >>> F.instance_norm(ut.tensor([[[1., 3.], [2., 2.]]]))
        tensor([[[-0.999995,  0.999995],
                 [ 0.      ,  0.      ]]], dtype=float32)
    """
    f = _helpers()
    x = f._float_input("instance_norm", input)
    backend = type(x)._bk
    xs = x.shape
    if len(xs) < 3:
        raise ShapeError(f"instance_norm() expects an input of shape (N, C, ...) with at "
                         f"least one spatial axis, got {fmt_shape(xs)}")
    c = xs[1]
    rm = f._as_float_param("instance_norm", "running_mean", backend, running_mean)
    rv = f._as_float_param("instance_norm", "running_var", backend, running_var)
    w = f._as_float_param("instance_norm", "weight", backend, weight)
    b = f._as_float_param("instance_norm", "bias", backend, bias)
    for name, t in (("running_mean", rm), ("running_var", rv), ("weight", w), ("bias", b)):
        f._check_param("instance_norm", name, t, (c,))
    if (rm is None) != (rv is None):
        raise ValueError("instance_norm(): give both running_mean and running_var, or "
                         "neither")
    if not use_input_stats and rm is None:
        raise ValueError("instance_norm(): running_mean and running_var are needed when "
                         "use_input_stats=False")
    d = x._d
    cd = f._compute_dtype(d)
    xn = x._n if cd is d else backend.cast(x._n, cd)
    axes = tuple(range(2, len(xs)))
    bshape = (1, c, *(1,) * (len(xs) - 2))
    if use_input_stats:
        spatial = math.prod(xs[2:]) if all(s is not None for s in xs[2:]) else None
        if spatial is not None and spatial < 2:
            raise ValueError(f"instance_norm(): expected more than 1 spatial element when "
                             f"training, got input shape {fmt_shape(xs)}")
        mean = backend.mean(xn, axes, True)
        xc = backend.subtract(xn, mean)
        var = backend.mean(backend.square(xc), axes, True)
        if rm is not None:
            m = float(momentum)
            batch_mean = backend.mean(backend.reshape(mean, (-1, c)), (0,), False)
            if spatial is None:
                unbiased = backend.var(xn, axes, 1.0, True)
            else:
                unbiased = backend.multiply(var, native_scalar(backend, spatial / (spatial - 1),
                                                               cd, var))
            batch_var = backend.mean(backend.reshape(unbiased, (-1, c)), (0,), False)
            f._update_running(backend, rm, batch_mean, m, c, cd)
            f._update_running(backend, rv, batch_var, m, c, cd)
    else:
        xc = backend.subtract(xn, f._param(backend, rm, cd, bshape))
        var = f._param(backend, rv, cd, bshape)
    y = f._normalize(backend, xc, var, float(eps), cd)
    if w is not None:
        y = backend.multiply(y, f._param(backend, w, cd, bshape))
    if b is not None:
        y = backend.add(y, f._param(backend, b, cd, bshape))
    return _wrap(type(x), y if cd is d else backend.cast(y, d), d)


def rms_norm(input: Tensor, normalized_shape: int | Sequence[int],
             weight: Tensor | None = None, eps: float | None = None) -> Tensor:
    """Root-mean-square normalization (Zhang & Sennrich, 2019) over the trailing
    ``normalized_shape`` axes: ``x / sqrt(mean(x^2) + eps) * weight`` (no centering, no
    bias).  ``eps=None`` is the machine epsilon of the input's dtype, as PyTorch's
    default.  ``weight`` (optional) has shape ``normalized_shape``.

    Example:
        >>> F.rms_norm(ut.tensor([[3., 4.]]), (2,))
        tensor([[0.84852815, 1.1313709 ]], dtype=float32)
    """
    f = _helpers()
    x = f._float_input("rms_norm", input)
    backend = type(x)._bk
    ns = _shape_of("rms_norm", normalized_shape)
    xs = x.shape
    k = len(ns)
    if k == 0 or k > len(xs) or any(a is not None and a != b
                                    for a, b in zip(xs[len(xs) - k:], ns)):
        raise ShapeError(f"rms_norm(): normalized_shape {ns} does not match the trailing "
                         f"dimensions of input shape {fmt_shape(xs)}")
    w = f._as_float_param("rms_norm", "weight", backend, weight)
    f._check_param("rms_norm", "weight", w, ns)
    d = x._d
    cd = f._compute_dtype(d)
    e = dt.finfo(d).eps if eps is None else float(eps)
    xn = x._n if cd is d else backend.cast(x._n, cd)
    axes = tuple(range(len(xs) - k, len(xs)))
    y = f._normalize(backend, xn, backend.mean(backend.square(xn), axes, True), e, cd)
    if w is not None:
        y = backend.multiply(y, f._param(backend, w, cd, ns))
    return _wrap(type(x), y if cd is d else backend.cast(y, d), d)


def _shape_of(op: str, normalized_shape: Any) -> tuple[int, ...]:
    try:
        if isinstance(normalized_shape, Sequence):
            return tuple(operator.index(n) for n in normalized_shape)
        return (operator.index(normalized_shape),)
    except TypeError:
        raise TypeError(f"{op}(): normalized_shape must be an int or a sequence of ints, got "
                        f"{normalized_shape!r}") from None
