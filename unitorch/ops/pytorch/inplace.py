"""The in-place family (``x.add_(y)``, ``x.zero_()``, ``x.normal_()``...), with PyTorch's
autograd rule on every backend.

Each computes its result out of place with the function of its name and writes it back
into the tensor (see :func:`write_back`): into the same buffer for a torch tensor or a
``tf.Variable``; a ``tf.Tensor``, which cannot change, is replaced inside the unitorch
Tensor, so every reference to that Tensor sees the new values.  The tensor keeps its
dtype and shape: the result is cast back within its kind or up the promotion table
(``float32 += float64``, ``float += int``) and refused across kinds the other way
(``int += float``), as ``x += y`` is; ``copy_`` and ``fill_`` convert to the tensor's
dtype, whatever it is.

**The autograd rule** (PyTorch's, now also TensorFlow's, whose variables would silently
allow it): an in-place operation on a leaf that requires gradients (a Parameter, or a
tensor made with ``requires_grad=True``) raises ``RuntimeError`` while gradients are
recorded; do it under ``ut.no_grad()``, or on ``x.data``.  On a tensor computed from
one (a non-leaf) it is recorded, and gradients flow through it: the tensor then holds
the new, recorded value (the old one stays for the backward pass), so a view of it taken
before does not see the change (PyTorch's views would).
"""

from __future__ import annotations

from typing import Any

from ... import dtypes as dt
from ..._views import write
from ...backends import use_backend
from ...errors import DTypeError, ShapeError, fmt_shape
from ...tensor import Tensor
from .. import creation as cr
from .. import elementwise as ew
from .. import unary as un
from . import arith, shaping

__all__ = ["check_inplace", "write_back", "LEAF_ERROR", "VIEW_OF_LEAF_ERROR"]

LEAF_ERROR = "a leaf Variable that requires grad is being used in an in-place operation."
VIEW_OF_LEAF_ERROR = ("a view of a leaf Variable that requires grad is being used in an "
                      "in-place operation.")


def check_inplace(t: Tensor, message: str = LEAF_ERROR) -> None:
    """Raise PyTorch's ``RuntimeError`` if ``t`` is a leaf that requires gradients and
    gradients are being recorded."""
    bk, n = t._bk, t._n
    if bk.requires_grad(n) and bk.is_grad_enabled() and bk.is_leaf(n):
        raise RuntimeError(message)


def castable_in_place(src: dt.DType, dst: dt.DType) -> bool:
    """Whether an in-place result of dtype ``src`` may be written into ``dst``."""
    if dt.can_cast(src, dst) or src.kind == dst.kind:
        return True
    return src.kind in "iu" and dst.kind in "iu"


def write_back(t: Tensor, result: Tensor, name: str, convert: bool = False) -> Tensor:
    """Write ``result`` into ``t`` (see the module docstring) and return ``t``."""
    if result._d is not t._d:
        if not convert and not castable_in_place(result._d, t._d):
            raise DTypeError(f"in-place {name}() would change {t._d.name} to {result._d.name}")
        result = result.astype(t._d, copy=False)
    if result.shape != t.shape:
        raise ShapeError(f"in-place {name}() would change shape {fmt_shape(t.shape)} to "
                         f"{fmt_shape(result.shape)}")
    if type(result) is not type(t):
        raise TypeError(f"in-place {name}(): the result is a {result.backend} tensor, the "
                        f"tensor a {t.backend} one")
    bk = type(t)._bk
    if bk.requires_grad(t._n) and bk.is_grad_enabled():
        # a recorded result (leaves were refused above): the tensor becomes the new,
        # recorded value; writing it into the old buffer would change a value the
        # recorded computation saved for its backward pass
        t._n = result._n
    else:
        write(t, lambda native: bk.assign(native, result._n))  # (reaches t's views)
    return t


def _apply(t: Tensor, name: str, fn: Any, *args: Any, **kwargs: Any) -> Tensor:
    check_inplace(t)
    return write_back(t, fn(t, *args, **kwargs), name)


def add_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.arith.add` (``self += alpha * other``).

    Example:
        >>> x = ut.tensor([1., 2.])
        >>> x.add_(ut.tensor([1., 1.]), alpha=2)
        tensor([3., 4.], dtype=float32)
    """
    return _apply(self, "add_", arith.add, other, alpha=alpha)


def sub_(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """In-place ``self -= alpha * other``.

    Example:
        >>> ut.tensor([3., 4.]).sub_(1)
        tensor([2., 3.], dtype=float32)
    """
    return _apply(self, "sub_", arith.sub, other, alpha=alpha)


def mul_(self: Tensor, other: Any) -> Tensor:
    """In-place ``self *= other``.

    Example:
        >>> ut.tensor([1., 2.]).mul_(3)
        tensor([3., 6.], dtype=float32)
    """
    return _apply(self, "mul_", ew.multiply, other)


def div_(self: Tensor, other: Any, *, rounding_mode: str | None = None) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.arith.div` (an integer tensor needs a
    ``rounding_mode``).

    Example:
        >>> ut.tensor([1., 2.]).div_(4)
        tensor([0.25, 0.5 ], dtype=float32)
    """
    return _apply(self, "div_", arith.div, other, rounding_mode=rounding_mode)


def pow_(self: Tensor, exponent: Any) -> Tensor:
    """In-place ``self **= exponent``.

    Example:
        >>> ut.tensor([2., 3.]).pow_(2)
        tensor([4., 9.], dtype=float32)
    """
    return _apply(self, "pow_", ew.pow, exponent)


def _unary(name: str, fn: Any, doc_in: str, doc_out: str) -> Any:
    def method(self: Tensor) -> Tensor:
        return _apply(self, name, fn)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = (f"In-place ``{name[:-1]}``.\n\n    Example:\n        >>> "
                      f"ut.tensor({doc_in}).{name}()\n        {doc_out}\n    ")
    return method


sqrt_ = _unary("sqrt_", un.sqrt, "[4., 9.]", "tensor([2., 3.], dtype=float32)")
exp_ = _unary("exp_", un.exp, "[0.]", "tensor([1.], dtype=float32)")
log_ = _unary("log_", un.log, "[1.]", "tensor([0.], dtype=float32)")
neg_ = _unary("neg_", un.negative, "[1., -2.]", "tensor([-1.,  2.], dtype=float32)")
abs_ = _unary("abs_", un.abs, "[1., -2.]", "tensor([1., 2.], dtype=float32)")
sigmoid_ = _unary("sigmoid_", un.sigmoid, "[0.]", "tensor([0.5], dtype=float32)")
tanh_ = _unary("tanh_", un.tanh, "[0.]", "tensor([0.], dtype=float32)")
relu_ = _unary("relu_", arith.relu, "[-1., 2.]", "tensor([0., 2.], dtype=float32)")
floor_ = _unary("floor_", un.floor, "[1.5, -1.5]", "tensor([ 1., -2.], dtype=float32)")
ceil_ = _unary("ceil_", un.ceil, "[1.5, -1.5]", "tensor([ 2., -1.], dtype=float32)")
round_ = _unary("round_", un.round, "[0.5, 1.5]", "tensor([0., 2.], dtype=float32)")


def clamp_(self: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """In-place ``clamp``: ``self`` limited to ``[min, max]``.

    Example:
        >>> ut.tensor([-2., 0.5, 2.]).clamp_(-1, 1)
        tensor([-1. ,  0.5,  1. ], dtype=float32)
    """
    return _apply(self, "clamp_", ew.clip, min, max)


clip_ = clamp_


def addcmul_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.arith.addcmul`.

    Example:
        >>> ut.ones(2).addcmul_(ut.tensor([1., 2.]), ut.tensor([3., 4.]))
        tensor([4., 9.], dtype=float32)
    """
    return _apply(self, "addcmul_", arith.addcmul, tensor1, tensor2, value=value)


def addcdiv_(self: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.arith.addcdiv`.

    Example:
        >>> ut.ones(2).addcdiv_(ut.tensor([1., 2.]), ut.tensor([2., 2.]))
        tensor([1.5, 2. ], dtype=float32)
    """
    return _apply(self, "addcdiv_", arith.addcdiv, tensor1, tensor2, value=value)


def lerp_(self: Tensor, end: Tensor, weight: Any) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.arith.lerp`.

    Example:
        >>> ut.zeros(2).lerp_(ut.ones(2), 0.5)
        tensor([0.5, 0.5], dtype=float32)
    """
    return _apply(self, "lerp_", arith.lerp, end, weight)


def masked_fill_(self: Tensor, mask: Tensor, value: Any) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.shaping.masked_fill`.

    Example:
        >>> x = ut.tensor([1., 2., 3.])
        >>> x.masked_fill_(x > 1, 0.0)
        tensor([1., 0., 0.], dtype=float32)
    """
    return _apply(self, "masked_fill_", shaping.masked_fill, mask, value)


def scatter_(self: Tensor, dim: int, index: Tensor, src: Any = None, *,
             value: Any = None) -> Tensor:
    """In-place :func:`~unitorch.ops.pytorch.shaping.scatter`.

    Example:
        >>> ut.zeros(3).scatter_(0, ut.tensor([2]), 5.0)
        tensor([0., 0., 5.], dtype=float32)
    """
    return _apply(self, "scatter_", shaping.scatter, dim, index, src, value=value)


def copy_(self: Tensor, src: Any, non_blocking: bool = False) -> Tensor:
    """Copy ``src``'s values into the tensor (``src`` broadcasts to its shape and is
    converted to its dtype, whatever the kinds; a tensor of another backend or device
    is moved).

    Example:
        >>> x = ut.zeros(3)
        >>> x.copy_(ut.tensor([1, 2, 3]))
        tensor([1., 2., 3.], dtype=float32)
    """
    check_inplace(self)
    from ..manipulation import broadcast_to

    with use_backend(self.backend):
        value = cr.asarray(src, device=self.device)
    value = broadcast_to(value.astype(self.dtype, copy=False), self.shape)
    return write_back(self, value, "copy_", convert=True)


def fill_(self: Tensor, value: Any) -> Tensor:
    """Fill the tensor with ``value`` (a scalar or a 0-d tensor, converted to the
    tensor's dtype).

    Example:
        >>> ut.zeros(2).fill_(7)
        tensor([7., 7.], dtype=float32)
    """
    if isinstance(value, Tensor) and value.ndim != 0:
        raise ShapeError("fill_() needs a scalar or a 0-d tensor, got shape "
                         f"{fmt_shape(value.shape)}")
    return copy_(self, value)


def zero_(self: Tensor) -> Tensor:
    """Fill the tensor with zeros.

    Example:
        >>> ut.ones(2).zero_()
        tensor([0., 0.], dtype=float32)
    """
    return copy_(self, 0)


def _draw(self: Tensor, name: str, draw: Any) -> Tensor:
    check_inplace(self)
    with use_backend(self.backend):
        value = draw()
    return write_back(self, value, name, convert=True)


def _float_dtype(t: Tensor, name: str) -> dt.DType:
    if t.dtype.kind != "f":
        raise DTypeError(f"{name}() needs a floating tensor, got {t.dtype.name}")
    return t.dtype


def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *,
            generator: Any = None) -> Tensor:
    """Fill the tensor with normal samples of ``mean`` and standard deviation ``std``
    (unitorch's random streams; ``generator``: a :class:`unitorch.random.Generator`).

    Example:
        >>> ut.zeros(1000).normal_(5.0, 0.1).mean().item() > 4.9
        True
    """
    from ... import random

    d = _float_dtype(self, "normal_")
    return _draw(self, "normal_", lambda: random.normal(
        mean, std, self.shape, dtype=d, device=self.device, generator=generator))


def uniform_(self: Tensor, a: float = 0.0, b: float = 1.0, *, generator: Any = None
             ) -> Tensor:
    """Fill the tensor with uniform samples in ``[a, b)`` (PyTorch calls the bounds
    ``from`` and ``to``).

    Example:
        >>> x = ut.zeros(100).uniform_(-1, 1)
        >>> bool(((x >= -1) & (x < 1)).all())
        True
    """
    from ... import random

    d = _float_dtype(self, "uniform_")
    return _draw(self, "uniform_", lambda: random.uniform(
        a, b, self.shape, dtype=d, device=self.device, generator=generator))


def bernoulli_(self: Tensor, p: Any = 0.5, *, generator: Any = None) -> Tensor:
    """Fill the tensor with 1 with probability ``p`` (a float or a tensor broadcasting
    to the tensor's shape), else 0, in the tensor's dtype.

    Example:
        >>> sorted(set(ut.zeros(100).bernoulli_(0.5).tolist()))
        [0.0, 1.0]
    """
    from ... import random
    from ..manipulation import broadcast_to

    if isinstance(p, Tensor):
        p = broadcast_to(p, self.shape)
        return _draw(self, "bernoulli_", lambda: random.bernoulli(p, generator=generator))
    return _draw(self, "bernoulli_", lambda: random.bernoulli(
        p, self.shape, device=self.device, generator=generator))


INPLACE = {
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_, "sqrt_": sqrt_,
    "exp_": exp_, "log_": log_, "neg_": neg_, "abs_": abs_, "sigmoid_": sigmoid_,
    "tanh_": tanh_, "relu_": relu_, "floor_": floor_, "ceil_": ceil_, "round_": round_,
    "clamp_": clamp_, "clip_": clip_, "addcmul_": addcmul_, "addcdiv_": addcdiv_,
    "lerp_": lerp_, "masked_fill_": masked_fill_, "scatter_": scatter_, "copy_": copy_,
    "fill_": fill_, "zero_": zero_, "normal_": normal_, "uniform_": uniform_,
    "bernoulli_": bernoulli_,
}
"""Every in-place method, by name (bound to the Tensor by ``ops/_operators.py``)."""
