"""Python operators and PyTorch-style methods of :class:`unitorch.Tensor`.

Each operator is the public function itself (``Tensor.__add__ is ut.add``), so ``a + b``
costs exactly what ``ut.add(a, b)`` costs.  Reflected operators swap their arguments;
in-place operators compute out of place and write the result back with the backend's
``assign`` (into the same buffer for a torch tensor or ``tf.Variable``; a ``tf.Tensor``
is replaced inside the unitorch Tensor, so every reference to that unitorch Tensor sees
the new values).  ``a += b`` keeps ``a``'s dtype and shape, as in PyTorch and NumPy: the
result is cast back within its kind (``float32 += float64``, ``int8 += int64`` wrap as in
PyTorch; any integer to any integer) or up the promotion table (``float += int``), and
refused with :class:`DTypeError` across kinds the other way (``int += float``,
``float += complex``, ``bool += int``).
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as dt
from .._views import write
from ..errors import DTypeError, ShapeError, fmt_shape
from ..tensor import Tensor
from . import creation, indexing
from . import elementwise as ew
from . import manipulation as mp
from . import statistical as st
from . import unary as un


def _reflected(fn):
    def op(self: Tensor, other: Any) -> Tensor:
        return fn(other, self)

    op.__name__ = f"__r{fn.__name__}__"
    return op


def _inplace(fn):
    def op(self: Tensor, other: Any) -> Tensor:
        result = fn(self, other)
        if result._d is not self._d:
            if not _castable_in_place(result._d, self._d):
                raise DTypeError(
                    f"in-place {fn.__name__}() would change {self._d.name} to {result._d.name}"
                )
            result = result.astype(self._d, copy=False)
        if result.shape != self.shape:
            raise ShapeError(
                f"in-place {fn.__name__}() would change shape {fmt_shape(self.shape)} to "
                f"{fmt_shape(result.shape)}"
            )
        bk = type(self)._bk
        write(self, lambda native: bk.assign(native, result._n))  # (reaches self's views)
        return self

    op.__name__ = f"__i{fn.__name__}__"
    return op


def _castable_in_place(src: dt.DType, dst: dt.DType) -> bool:
    """Whether an in-place result of dtype ``src`` may be written into ``dst``."""
    if dt.can_cast(src, dst) or src.kind == dst.kind:
        return True
    return src.kind in "iu" and dst.kind in "iu"


_BINARY = {
    "add": ew.add, "sub": ew.subtract, "mul": ew.multiply, "truediv": ew.divide,
    "floordiv": ew.floor_divide, "mod": ew.remainder, "pow": ew.pow, "and": ew.bitwise_and,
    "or": ew.bitwise_or, "xor": ew.bitwise_xor, "lshift": ew.bitwise_left_shift,
    "rshift": ew.bitwise_right_shift,
}




def _method(fn, name: str):
    def method(self, *args, **kwargs):
        return fn(self, *args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"Method form of :func:`unitorch.{fn.__name__}`."
    return method


def install_operators() -> None:
    # imported here: these modules are complete by the time ops/__init__ installs
    from . import activations, sets, sorting
    from .products import matmul as _matmul  # a @ b is ut.matmul itself

    T = Tensor
    for name, fn in _BINARY.items():
        setattr(T, f"__{name}__", fn)
        if fn.reflected is not fn:  # (a commutative function is its own reflection)
            fn.reflected.__name__ = fn.reflected.__qualname__ = f"__r{name}__"
        setattr(T, f"__r{name}__", fn.reflected)  # 0.5 * x: the same fast path as x * 0.5
        setattr(T, f"__i{name}__", _inplace(fn))
    T.__matmul__ = _matmul
    T.__rmatmul__ = _reflected(_matmul)
    T.__imatmul__ = _inplace(_matmul)
    T.__eq__ = ew.equal
    T.__ne__ = ew.not_equal
    T.__lt__ = ew.less
    T.__le__ = ew.less_equal
    T.__gt__ = ew.greater
    T.__ge__ = ew.greater_equal
    T.__neg__ = un.negative
    T.__pos__ = un.positive
    T.__abs__ = un.abs
    T.__invert__ = un.bitwise_invert
    T.__getitem__ = indexing.getitem
    T.__setitem__ = indexing.setitem

    methods = {
        # shape
        "reshape": mp.reshape, "view": mp.reshape, "permute": mp.permute_dims,
        "transpose": mp.transpose, "swapaxes": mp.swapaxes, "unsqueeze": mp.unsqueeze,
        "squeeze": mp.squeeze, "flatten": mp.flatten, "flip": mp.flip, "roll": mp.roll,
        "tile": mp.tile, "repeat_interleave": mp.repeat, "expand": mp.broadcast_to,
        "broadcast_to": mp.broadcast_to, "split": mp.split,
        # reductions
        "sum": st.sum, "prod": st.prod, "mean": st.mean, "std": st.std, "var": st.var,
        "max": st.max, "min": st.min, "amax": st.max, "amin": st.min, "all": st.all,
        "any": st.any, "argmax": st.argmax, "argmin": st.argmin, "cumsum": st.cumsum,
        "cumprod": st.cumprod, "logsumexp": st.logsumexp,
        # element-wise
        "abs": un.abs, "neg": un.negative, "exp": un.exp, "log": un.log, "sqrt": un.sqrt,
        "square": un.square, "sin": un.sin, "cos": un.cos, "tanh": un.tanh,
        "sigmoid": un.sigmoid, "floor": un.floor, "ceil": un.ceil, "round": un.round,
        "sign": un.sign, "clip": ew.clip, "clamp": ew.clip, "isnan": un.isnan,
        "isinf": un.isinf, "isfinite": un.isfinite, "pow": ew.pow, "maximum": ew.maximum,
        "minimum": ew.minimum, "conj": un.conj, "logical_not": un.logical_not,
        # indexing
        "take": indexing.take, "take_along_axis": indexing.take_along_axis,
        "nonzero": indexing.nonzero, "gather": indexing.gather,
        # sorting, searching, sets, products, activations
        "sort": sorting.sort, "argsort": sorting.argsort, "topk": sorting.topk,
        "unique": sets.unique, "count_nonzero": st.count_nonzero,
        "softmax": activations.softmax, "log_softmax": activations.log_softmax,
        "matmul": _matmul,
        # comparisons, PyTorch's names
        "eq": ew.equal, "ne": ew.not_equal, "lt": ew.less, "le": ew.less_equal,
        "gt": ew.greater, "ge": ew.greater_equal,
    }
    for name, fn in methods.items():
        setattr(T, name, _method(fn, name))

    # dtype shortcuts, as in PyTorch
    for name, d in {"float": dt.float32, "double": dt.float64, "half": dt.float16,
                    "bfloat16": dt.bfloat16, "int": dt.int32, "long": dt.int64,
                    "bool": dt.bool}.items():
        setattr(T, name, _cast_method(name, d))
    T.clone = lambda self: creation.astype(self, self._d, copy=True)
    T.clone.__doc__ = """A copy of the tensor (PyTorch's ``clone``).

    Example:
        >>> x = ut.tensor([1.0, 2.0])
        >>> y = x.clone()
        >>> y[0] = 5.0
        >>> x
        tensor([1., 2.], dtype=float32)
    """
    T.numel = lambda self: self.size
    T.numel.__doc__ = """Number of elements (PyTorch's ``numel``).

    Example:
        >>> ut.zeros((2, 3)).numel()
        6
    """
    T.dim = lambda self: self.ndim
    T.dim.__doc__ = """Number of dimensions (PyTorch's ``dim``).

    Example:
        >>> ut.zeros((2, 3)).dim()
        2
    """


def _cast_method(name: str, d: dt.DType):
    def method(self):
        return creation.astype(self, d, copy=False)

    method.__name__ = name
    method.__doc__ = (f"The tensor as {d.name} (PyTorch's ``.{name}()``).\n\n"
                      f"Example:\n    >>> ut.tensor([1.5, -2.0]).{name}().dtype\n"
                      f"    unitorch.{d.name}")
    return method
