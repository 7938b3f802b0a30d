"""The PyTorch backend's ``elementwise`` section.  Most primitives are torch functions
bound directly (no wrapper frame on the hot path)."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from . import core as _u
from .core import unsigned_only, widened


def _remainder(x1, x2):
    out = torch.remainder(x1, x2)
    if out.is_floating_point():
        # an exact multiple gives +0.0 in torch; NumPy and Python's % give the divisor's
        # sign (4.0 % -2.0 is -0.0)
        out = torch.where(out == 0, torch.copysign(out, torch.as_tensor(x2)), out)
    return out


class ElementwiseOps:
    """The contract's ``elementwise`` section."""

    # (widened(...): computed in a wider dtype for uint16/32/64; see unsigned.py)
    abs = staticmethod(unsigned_only(_u.unsigned_abs, torch.abs))
    negative = staticmethod(widened(torch.neg))

    @staticmethod
    def sign(x):
        if x.dtype in _u.WIDE:
            return _u.unsigned_sign(x)
        out = torch.sgn(x)  # sgn: x/|x| for complex, sign for real
        if x.is_floating_point():  # but sign(NaN) is 0 in torch; NaN in the contract
            return torch.where(torch.isnan(x), x, out)
        return out

    signbit = staticmethod(torch.signbit)
    sqrt = staticmethod(torch.sqrt)
    square = staticmethod(widened(torch.square))
    exp = staticmethod(torch.exp)
    expm1 = staticmethod(torch.expm1)
    log = staticmethod(torch.log)
    log1p = staticmethod(torch.log1p)
    log2 = staticmethod(torch.log2)
    log10 = staticmethod(torch.log10)
    sin = staticmethod(torch.sin)
    cos = staticmethod(torch.cos)
    tan = staticmethod(torch.tan)
    asin = staticmethod(torch.asin)
    acos = staticmethod(torch.acos)

    @staticmethod
    def acos_complex(x):
        # torch gives acos(0+0j) = pi/2 + 0j; C99 (and the standard) say pi/2 - 0j: a zero
        # imaginary part has the sign opposite to the input's, as acos(conj(x)) = conj(acos(x)).
        out = torch.acos(x)
        im = out.imag
        im = torch.where(im == 0, torch.copysign(torch.zeros_like(im), -x.imag), im)
        return torch.complex(out.real, im)
    atan = staticmethod(torch.atan)
    sinh = staticmethod(torch.sinh)
    cosh = staticmethod(torch.cosh)
    tanh = staticmethod(torch.tanh)
    asinh = staticmethod(torch.asinh)
    acosh = staticmethod(torch.acosh)
    atanh = staticmethod(torch.atanh)
    erf = staticmethod(torch.erf)
    floor = staticmethod(torch.floor)
    ceil = staticmethod(torch.ceil)
    trunc = staticmethod(torch.trunc)
    round = staticmethod(torch.round)

    @staticmethod
    def round_complex(x):  # torch has no complex round kernel: round each part
        return torch.complex(torch.round(x.real), torch.round(x.imag))
    isnan = staticmethod(torch.isnan)
    isinf = staticmethod(torch.isinf)
    isfinite = staticmethod(torch.isfinite)
    real = staticmethod(torch.real)
    imag = staticmethod(torch.imag)
    conj = staticmethod(torch.conj_physical)  # torch.conj is a lazy view; keep values real

    @staticmethod
    def complex(real, imag):
        real, imag = torch.broadcast_tensors(real, imag)
        return torch.complex(real, imag)
    logical_not = staticmethod(torch.logical_not)
    bitwise_invert = staticmethod(widened(torch.bitwise_not))
    sigmoid = staticmethod(torch.sigmoid)
    relu = staticmethod(unsigned_only(_u.unsigned_abs, torch.relu))  # (max(x, 0) is x)
    silu = staticmethod(F.silu)

    @staticmethod
    def gelu(x, approximate):
        if approximate:
            return F.gelu(x, approximate="tanh")
        if x.dtype is torch.float32 or x.dtype is torch.bfloat16:
            if x.requires_grad and torch.is_grad_enabled():
                return _Gelu.apply(x)
            return _gelu_values(x)
        return F.gelu(x)

    add = staticmethod(widened(torch.add))
    subtract = staticmethod(widened(torch.sub))

    # torch.add/sub compute x1 + alpha * x2 with a complex multiplication by alpha = 1,
    # which turns an infinite part into NaN ((0+0j) + (0+infj) gives nan+infj): add the
    # real and imaginary parts as reals instead.
    @staticmethod
    def add_complex(x1, x2):
        return _complex_parts(torch.add, x1, x2)

    @staticmethod
    def subtract_complex(x1, x2):
        return _complex_parts(torch.sub, x1, x2)
    multiply = staticmethod(torch.mul)  # (has uint16/32/64 kernels)
    divide = staticmethod(torch.true_divide)
    floor_divide = staticmethod(unsigned_only(_u.unsigned_floor_divide, torch.floor_divide))
    remainder = staticmethod(unsigned_only(_u.unsigned_remainder, _remainder))
    pow = staticmethod(widened(torch.pow))
    maximum = staticmethod(widened(torch.maximum, ordered=True))
    minimum = staticmethod(widened(torch.minimum, ordered=True))
    atan2 = staticmethod(torch.atan2)
    hypot = staticmethod(torch.hypot)
    copysign = staticmethod(torch.copysign)
    logaddexp = staticmethod(torch.logaddexp)
    equal = staticmethod(torch.eq)
    not_equal = staticmethod(torch.ne)
    less = staticmethod(widened(torch.lt, ordered=True))
    less_equal = staticmethod(widened(torch.le, ordered=True))
    greater = staticmethod(widened(torch.gt, ordered=True))
    greater_equal = staticmethod(widened(torch.ge, ordered=True))
    logical_and = staticmethod(torch.logical_and)
    logical_or = staticmethod(torch.logical_or)
    logical_xor = staticmethod(torch.logical_xor)
    bitwise_and = staticmethod(torch.bitwise_and)
    bitwise_or = staticmethod(torch.bitwise_or)
    bitwise_xor = staticmethod(torch.bitwise_xor)
    bitwise_left_shift = staticmethod(widened(torch.bitwise_left_shift))
    bitwise_right_shift = staticmethod(unsigned_only(_u.unsigned_bitwise_right_shift,
                                                     torch.bitwise_right_shift))
    where = staticmethod(widened(torch.where))
    clip = staticmethod(widened(torch.clamp, ordered=True))


def _complex_parts(fn, x1, x2):
    if not isinstance(x2, torch.Tensor):
        x2 = torch.tensor(x2, dtype=x1.dtype, device=x1.device)
    if not isinstance(x1, torch.Tensor):
        x1 = torch.tensor(x1, dtype=x2.dtype, device=x2.device)
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.view_as_complex(fn(torch.view_as_real(x1), torch.view_as_real(x2)))


def _gelu_values(x: torch.Tensor) -> torch.Tensor:
    """``gelu`` of float32 or bfloat16 ``x``.  torch's kernels for these (bfloat16 computes
    in float32) give NaN for +inf and overflow to inf near the largest float
    (``gelu(3e38)`` is inf), with every CPU capability.  Above 8, ``gelu(x)`` rounds to
    ``x`` itself (1 - Phi(8) is 6e-16), and the kernel gives ``gelu(8) == 8`` exactly: so
    ``gelu(min(x, 8)) * (max(x, 8) / 8)`` is the kernel's value up to 8, bit for bit
    (a factor of exactly 1), and ``x`` above (``8 * (x / 8)``, both steps exact).  (A
    ``torch.where`` would cost more: comparisons and selections are several times slower
    than ``clamp`` on the CPU.)"""
    return F.gelu(x.clamp(max=8.0)).mul_(x.clamp(min=8.0).mul_(0.125))


class _Gelu(torch.autograd.Function):
    """:func:`_gelu_values` with torch's own gelu gradient at ``min(x, 8)``: exactly the
    kernel's gradient up to 8, and 1 above (``gelu'(8)`` rounds to 1); differentiable
    again (the backward recomputes ``min(x, 8)`` from ``x``)."""

    @staticmethod
    def forward(ctx: Any, x: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x)
        return _gelu_values(x)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> torch.Tensor:
        (x,) = ctx.saved_tensors
        return torch.ops.aten.gelu_backward(grad, x.clamp(max=8.0))
