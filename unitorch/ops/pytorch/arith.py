"""Arithmetic as PyTorch spells it: ``add``/``sub`` with ``alpha``, ``div`` with
``rounding_mode``, ``addcmul``, ``addcdiv``, ``lerp``, ``mm``, ``bmm``, ``relu``.

Each computes in the order of PyTorch's kernel, so the results round as PyTorch's do:
``add(x, y, alpha=a)`` is ``x + a * y``, ``addcmul(x, t1, t2, value=v)`` is
``x + (v * t1) * t2``, ``lerp`` uses PyTorch's two-branch formula (``start + w *
(end - start)`` for ``|w| < 0.5``, ``end - (end - start) * (1 - w)`` otherwise).
"""

from __future__ import annotations

from typing import Any

from ...errors import DTypeError, ShapeError, fmt_shape
from ...tensor import Tensor
from .. import elementwise as ew
from .. import unary as un
from ..products import matmul

__all__ = ["add", "sub", "subtract", "mul", "multiply", "div", "divide", "true_divide",
           "addcmul", "addcdiv", "lerp", "mm", "bmm", "relu", "rsqrt", "reciprocal"]


def _scaled(input: Tensor, other: Any, alpha: Any, op: str) -> Any:
    if alpha is None or (alpha == 1 and not isinstance(alpha, bool)):
        return other
    if isinstance(alpha, float) and input.dtype.kind in "biu" and not (
            isinstance(other, Tensor) and other.dtype.kind in "fc"):
        raise DTypeError(f"{op}(): for integer tensors alpha must not be a floating point "
                         "number")
    return ew.multiply(other, alpha) if isinstance(other, Tensor) else other * alpha


def add(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """PyTorch's ``add``: ``input + alpha * other`` (dtypes promote as in ``ut.add``).

    Example:
        >>> ut.tensor([1, 2]).add(ut.tensor([1, 1]), alpha=3)
        tensor([4, 5], dtype=int64)
    """
    return ew.add(input, _scaled(input, other, alpha, "add"))


def sub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """PyTorch's ``sub``: ``input - alpha * other``.

    Example:
        >>> ut.tensor([1., 2.]).sub(1, alpha=0.5)
        tensor([0.5, 1.5], dtype=float32)
    """
    return ew.subtract(input, _scaled(input, other, alpha, "sub"))


subtract = sub


def mul(input: Tensor, other: Any) -> Tensor:
    """PyTorch's ``mul``: ``input * other``.

    Example:
        >>> ut.tensor([1., 2.]).mul(3)
        tensor([3., 6.], dtype=float32)
    """
    return ew.multiply(input, other)


multiply = mul


def div(input: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """PyTorch's ``div``: true division (integers give the default float dtype);
    ``rounding_mode="trunc"`` rounds the quotient toward zero, ``"floor"`` down, both
    keeping an integer dtype for integer inputs.

    Example:
        >>> x = ut.tensor([5, -5])
        >>> x.div(2), x.div(2, rounding_mode="floor"), x.div(2, rounding_mode="trunc")
        (tensor([ 2.5, -2.5], dtype=float32), tensor([ 2, -3], dtype=int64), tensor([ 2, -2], dtype=int64))
    """
    if rounding_mode is None:
        return ew.divide(input, other)
    if rounding_mode == "floor":
        return ew.floor_divide(input, other)
    if rounding_mode != "trunc":
        raise ValueError(f"div(): rounding_mode must be None, 'trunc' or 'floor', got "
                         f"{rounding_mode!r}")
    q = ew.floor_divide(input, other)
    if q.dtype.kind == "f":
        return un.trunc(ew.divide(input, other))
    # an integer floor quotient one below the truncated one: inexact, signs differ
    inexact = ew.not_equal(ew.remainder(input, other), 0)
    negative = ew.logical_xor(ew.less(input, 0), ew.less(other, 0))
    return ew.where(ew.logical_and(inexact, negative), ew.add(q, 1), q)


divide = true_divide = div


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """PyTorch's ``addcmul``: ``input + value * tensor1 * tensor2``.

    Example:
        >>> ut.torch.addcmul(ut.ones(2), ut.tensor([1., 2.]), ut.tensor([3., 4.]), value=0.5)
        tensor([2.5, 5. ], dtype=float32)
    """
    t1 = tensor1 if value == 1 else ew.multiply(tensor1, value)
    return ew.add(input, ew.multiply(t1, tensor2))


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """PyTorch's ``addcdiv``: ``input + value * tensor1 / tensor2``.

    Example:
        >>> ut.torch.addcdiv(ut.ones(2), ut.tensor([1., 2.]), ut.tensor([4., 4.]), value=2)
        tensor([1.5, 2. ], dtype=float32)
    """
    if input.dtype.kind in "biu" and tensor1.dtype.kind in "biu" \
            and tensor2.dtype.kind in "biu":
        raise DTypeError("addcdiv(): integer division of tensors is not supported; use "
                         "div with a rounding_mode")
    t1 = tensor1 if value == 1 else ew.multiply(tensor1, value)
    return ew.add(input, ew.divide(t1, tensor2))


def lerp(input: Tensor, end: Tensor, weight: Any) -> Tensor:
    """PyTorch's ``lerp``: ``input + weight * (end - input)``, with PyTorch's two-branch
    formula (exact at ``weight`` 0 and 1).

    Example:
        >>> ut.torch.lerp(ut.zeros(2), ut.ones(2), 0.25)
        tensor([0.25, 0.25], dtype=float32)
    """
    diff = ew.subtract(end, input)
    if not isinstance(weight, Tensor):
        if abs(weight) < 0.5:
            return ew.add(input, ew.multiply(diff, weight))
        return ew.subtract(end, ew.multiply(diff, 1 - weight))
    low = ew.add(input, ew.multiply(weight, diff))
    high = ew.subtract(end, ew.multiply(diff, ew.subtract(1, weight)))
    return ew.where(ew.less(un.abs(weight), 0.5), low, high)


def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """PyTorch's ``mm``: the product of two matrices (2-D only; ``matmul`` broadcasts).

    Example:
        >>> ut.ones((2, 3)).mm(ut.ones((3, 4))).shape
        (2, 4)
    """
    if input.ndim != 2 or mat2.ndim != 2:
        raise ShapeError(f"mm() needs two 2-D tensors, got shapes {fmt_shape(input.shape)} "
                         f"and {fmt_shape(mat2.shape)}")
    return matmul(input, mat2)


def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """PyTorch's ``bmm``: batched matrix products of two 3-D tensors of one batch size.

    Example:
        >>> ut.ones((5, 2, 3)).bmm(ut.ones((5, 3, 4))).shape
        (5, 2, 4)
    """
    if input.ndim != 3 or mat2.ndim != 3 or input.shape[0] != mat2.shape[0]:
        raise ShapeError(f"bmm() needs two 3-D tensors with the same batch size, got "
                         f"shapes {fmt_shape(input.shape)} and {fmt_shape(mat2.shape)}")
    return matmul(input, mat2)


def relu(input: Tensor) -> Tensor:
    """``max(x, 0)`` (:func:`unitorch.nn.functional.relu`).

    Example:
        >>> ut.tensor([-1., 2.]).relu()
        tensor([0., 2.], dtype=float32)
    """
    from ...nn.functional import relu as _relu

    return _relu(input)


def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(x)``.

    Example:
        >>> ut.tensor([4.]).rsqrt()
        tensor([0.5], dtype=float32)
    """
    return ew.divide(1, un.sqrt(input))


def reciprocal(input: Tensor) -> Tensor:
    """``1 / x`` (integers give the default float dtype).

    Example:
        >>> ut.tensor([4.]).reciprocal()
        tensor([0.25], dtype=float32)
    """
    return ew.divide(1, input)
