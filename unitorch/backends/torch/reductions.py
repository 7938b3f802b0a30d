"""The PyTorch backend's ``reductions`` section."""

from __future__ import annotations

import warnings

import torch

from .core import _DTYPES, WIDE, to_wide, widened


class ReductionOps:
    """The contract's ``reductions`` section."""

    @staticmethod
    def sum(x, axes, keepdims, dtype):
        nd = _DTYPES[dtype]
        if nd is x.dtype and x.is_floating_point() and not keepdims and len(axes) == x.dim():
            return torch.sum(x)  # every axis: the full reduction is the cheaper call
        if nd in WIDE:  # no uint16/32/64 kernels: the wide sum wraps to the same bits
            wide = WIDE[nd]
            return torch.sum(x.to(wide), dim=axes, keepdim=keepdims, dtype=wide).to(nd)
        return torch.sum(x, dim=axes, keepdim=keepdims, dtype=nd)

    # torch's full reductions accumulate float16/bfloat16 in float32 and round once
    sum_all = staticmethod(torch.sum)
    mean_all = staticmethod(torch.mean)

    @staticmethod
    def norms(xs, ord):
        return list(torch._foreach_norm(list(xs), ord))

    @staticmethod
    def scale_all(xs, factor):
        return list(torch._foreach_mul(list(xs), factor))

    @staticmethod
    def prod(x, axes, keepdims, dtype):
        # torch.prod reduces one dimension at a time; go from the last so indices hold.
        # Without dtype= it returns int64 for narrower integers (the contract wants
        # ``dtype``), and it multiplies float16/bfloat16 in the half dtype, where its
        # other reductions accumulate in float32: do that here too.
        nd = _DTYPES[dtype]
        acc = torch.float32 if nd in (torch.float16, torch.bfloat16) else WIDE.get(nd, nd)
        out = x.to(acc)
        for a in sorted(axes, reverse=True):
            out = torch.prod(out, dim=a, keepdim=keepdims, dtype=acc)
        return out.to(nd)

    @staticmethod
    def mean(x, axes, keepdims):
        if x.is_complex():  # torch divides by a complex count: mean([inf, 1]) is inf+nanj
            return torch.complex(torch.mean(x.real, dim=axes, keepdim=keepdims),
                                 torch.mean(x.imag, dim=axes, keepdim=keepdims))
        if not keepdims and len(axes) == x.dim():
            return torch.mean(x)
        return torch.mean(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def var(x, axes, correction, keepdims):
        with warnings.catch_warnings():  # "degrees of freedom <= 0": the result says so
            warnings.simplefilter("ignore", UserWarning)
            return torch.var(x, dim=axes, correction=correction, keepdim=keepdims)

    max = staticmethod(widened(lambda x, axes, keepdims: torch.amax(x, dim=axes,
                                                                   keepdim=keepdims),
                               ordered=True))
    min = staticmethod(widened(lambda x, axes, keepdims: torch.amin(x, dim=axes,
                                                                   keepdim=keepdims),
                               ordered=True))

    @staticmethod
    def all(x, axes, keepdims):
        return torch.all(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def any(x, axes, keepdims):
        return torch.any(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def argmax(x, axis, keepdims):
        return torch.argmax(_comparable(x), dim=axis, keepdim=keepdims)

    @staticmethod
    def argmin(x, axis, keepdims):
        return torch.argmin(_comparable(x), dim=axis, keepdim=keepdims)

    @staticmethod
    def cumsum(x, axis, dtype):
        nd = _DTYPES[dtype]
        wide = WIDE.get(nd, nd)  # (uint16/32/64 in a wider dtype: the same low bits)
        out = torch.cumsum(x if wide is nd else x.to(wide), dim=axis, dtype=wide)
        return out if wide is nd else out.to(nd)

    @staticmethod
    def cumprod(x, axis, dtype):
        nd = _DTYPES[dtype]
        wide = WIDE.get(nd, nd)
        out = torch.cumprod(x if wide is nd else x.to(wide), dim=axis, dtype=wide)
        return out if wide is nd else out.to(nd)

    @staticmethod
    def logsumexp(x, axes, keepdims):
        return torch.logsumexp(x, dim=axes, keepdim=keepdims)


def _comparable(x):
    """``x``, or a tensor ordered as ``x`` for the dtypes torch's arg-reductions lack:
    bool as uint8, uint16/32/64 as their ordered wide keys (unsigned.py)."""
    if x.dtype is torch.bool:
        return x.to(torch.uint8)
    if x.dtype in WIDE:
        return to_wide(x, x.dtype, True)
    return x
