"""The PyTorch backend's ``linalg`` section."""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from .core import widened


class LinalgOps:
    """The contract's ``linalg`` section."""

    # (products of uint16/32/64 in a wider dtype: their low bits are the wrapped result)
    matmul = staticmethod(widened(torch.matmul))
    tensordot = staticmethod(widened(lambda x1, x2, axes1, axes2: torch.tensordot(
        x1, x2, dims=(list(axes1), list(axes2)))))

    @staticmethod
    def einsum(subscripts, *operands):
        return _einsum(subscripts, *operands)
    linear = staticmethod(F.linear)

    @staticmethod
    def diagonal(x, offset):  # (a view: no kernel needed for any dtype)
        return torch.diagonal(x, offset=offset, dim1=-2, dim2=-1)

    @staticmethod
    def cholesky(x, upper):
        # torch.linalg.cholesky raises for a matrix that is not positive-definite and,
        # with upper=True, reads the upper triangle; the contract fills such a matrix
        # with NaN (no host read) and always reads the lower triangle.
        lower, info = torch.linalg.cholesky_ex(x)
        failed = (info != 0)[..., None, None]
        out = torch.where(failed, torch.full((), math.nan, dtype=x.dtype, device=x.device),
                          lower)
        return out.mH if upper else out

    det = staticmethod(torch.linalg.det)

    @staticmethod
    def slogdet(x):
        sign, logabsdet = torch.linalg.slogdet(x)
        return sign, logabsdet

    @staticmethod
    def inv(x):
        try:
            return torch.linalg.inv(x)
        except torch.linalg.LinAlgError as e:  # the contract's neutral signal
            raise np.linalg.LinAlgError(str(e)) from None

    @staticmethod
    def solve(x1, x2):
        # torch.linalg.solve takes x2 as a batch of vectors when x2.shape == x1.shape[:-1];
        # the contract's x2 is always a stack of matrices: give it x1's rank.
        if x2.ndim < x1.ndim:
            x2 = x2.reshape((1,) * (x1.ndim - x2.ndim) + tuple(x2.shape))
        try:
            return torch.linalg.solve(x1, x2)
        except torch.linalg.LinAlgError as e:
            raise np.linalg.LinAlgError(str(e)) from None

    @staticmethod
    def eigh(x):
        w, v = torch.linalg.eigh(x)
        return w, v

    @staticmethod
    def qr(x, mode):
        q, r = torch.linalg.qr(x, mode=mode)
        return q, r

    @staticmethod
    def svd(x, full_matrices):
        u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
        return u, s, vh

    svdvals = staticmethod(torch.linalg.svdvals)


@widened
def _einsum(subscripts, *operands):
    # a summing-only einsum of integers ("ii") returns int64, like torch.sum
    out = torch.einsum(subscripts, *operands)
    d = operands[0].dtype
    return out if out.dtype == d else out.to(d)
