"""Python operators and PyTorch-style methods of :class:`unitorch.Tensor`.

Each operator is the public function itself (``Tensor.__add__ is ut.add``), so ``a + b``
costs exactly what ``ut.add(a, b)`` costs.  Reflected operators swap their arguments;
in-place operators compute out of place and write the result back (see
:func:`unitorch.ops.pytorch.inplace.write_back`: ``a += b`` keeps ``a``'s dtype and
shape, as in PyTorch and NumPy: the result is cast back within its kind (``float32 +=
float64``, ``int8 += int64`` wrap as in PyTorch; any integer to any integer) or up the
promotion table (``float += int``), and refused with :class:`DTypeError` across kinds the
other way (``int += float``, ``float += complex``, ``bool += int``); and PyTorch's
autograd rule holds: ``w += 1`` on a leaf that requires gradients raises while recording).

The methods follow PyTorch (the Array API defines no methods).  Most are the neutral
function of their name with the tensor first (``x.sum(1)`` is ``ut.sum(x, 1)``); where
PyTorch's method behaves differently from the neutral function (``x.std()`` unbiased,
``x.max(1)`` and ``x.sort()`` with indices, ``x.repeat`` tiling, ``x.nonzero()`` as one
tensor), the method is the function of :mod:`unitorch.ops.pytorch` that behaves as
PyTorch's, which ``unitorch.torch`` exports too.
"""

from __future__ import annotations

from typing import Any

from .. import dtypes as dt
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
    from .pytorch.inplace import check_inplace, write_back

    def op(self: Tensor, other: Any) -> Tensor:
        check_inplace(self)
        return write_back(self, fn(self, other), fn.__name__)

    op.__name__ = f"__i{fn.__name__}__"
    return op


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
    from . import activations, products, sets, sorting
    from .products import matmul as _matmul  # a @ b is ut.matmul itself
    from .pytorch import arith, inplace, reductions, shaping, tensor_methods

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
        "reshape": mp.reshape, "view": mp.view, "permute": mp.permute_dims,
        "transpose": mp.transpose, "swapaxes": mp.swapaxes, "unsqueeze": mp.unsqueeze,
        "squeeze": mp.squeeze, "flatten": mp.flatten, "flip": mp.flip, "roll": mp.roll,
        "tile": mp.tile, "repeat_interleave": mp.repeat, "expand": mp.broadcast_to,
        "broadcast_to": mp.broadcast_to, "split": mp.split, "moveaxis": mp.moveaxis,
        # reductions
        "sum": st.sum, "prod": st.prod, "mean": st.mean, "amax": st.max, "amin": st.min,
        "all": st.all, "any": st.any, "argmax": st.argmax, "argmin": st.argmin,
        "cumsum": st.cumsum, "cumprod": st.cumprod, "logsumexp": st.logsumexp,
        # element-wise
        "abs": un.abs, "neg": un.negative, "exp": un.exp, "log": un.log, "sqrt": un.sqrt,
        "square": un.square, "sin": un.sin, "cos": un.cos, "tanh": un.tanh,
        "sigmoid": un.sigmoid, "floor": un.floor, "ceil": un.ceil, "round": un.round,
        "sign": un.sign, "clip": ew.clip, "clamp": ew.clip, "isnan": un.isnan,
        "isinf": un.isinf, "isfinite": un.isfinite, "pow": ew.pow, "maximum": ew.maximum,
        "minimum": ew.minimum, "conj": un.conj, "logical_not": un.logical_not,
        # indexing
        "take": indexing.take, "take_along_axis": indexing.take_along_axis,
        "gather": indexing.gather,
        # sorting, searching, sets, products, activations
        "argsort": sorting.argsort, "topk": sorting.topk,
        "unique": sets.unique, "count_nonzero": st.count_nonzero,
        "softmax": activations.softmax, "log_softmax": activations.log_softmax,
        "matmul": _matmul, "dot": products.dot,
        # comparisons, PyTorch's names
        "eq": ew.equal, "ne": ew.not_equal, "lt": ew.less, "le": ew.less_equal,
        "gt": ew.greater, "ge": ew.greater_equal,
    }
    for name, fn in methods.items():
        setattr(T, name, _method(fn, name))

    # PyTorch's behaviour where it differs from the neutral function of the same name,
    # and PyTorch's other methods: the functions themselves (they take the tensor first)
    for module in (reductions, shaping, arith, tensor_methods):
        for name in module.__all__:
            if name in _NOT_METHODS:
                continue
            setattr(T, name, getattr(module, name))
    for name, fn in inplace.INPLACE.items():
        setattr(T, name, fn)

    # NumPy's and PyTorch's attributes for the parts of a complex tensor (SciPy reads
    # `d.real`); a real tensor's imaginary part is zeros, as in NumPy (PyTorch raises)
    T.real = property(un.real, doc="""The real part, :func:`unitorch.real` (the tensor's
    values for a real tensor).

    Example:
        >>> ut.tensor([1 + 2j, 3 - 4j]).real
        tensor([1., 3.], dtype=float32)
    """)
    T.imag = property(un.imag, doc="""The imaginary part, :func:`unitorch.imag` (zeros
    for a real tensor, as in NumPy).

    Example:
        >>> ut.tensor([1 + 2j, 3 - 4j]).imag
        tensor([ 2., -4.], dtype=float32)
    """)

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
    T.numel = lambda self: None if self.size is None else int(self.size)
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


_NOT_METHODS = {
    # module-level names of unitorch.ops.pytorch that PyTorch has no method for
    "var_mean", "std_mean", "cat", "concat", "stack", "subtract", "multiply", "divide",
    "true_divide", "TYPE_NAMES", "dtype_of_type_name",
}


def _cast_method(name: str, d: dt.DType):
    def method(self):
        return creation.astype(self, d, copy=False)

    method.__name__ = name
    method.__doc__ = (f"The tensor as {d.name} (PyTorch's ``.{name}()``).\n\n"
                      f"Example:\n    >>> ut.tensor([1.5, -2.0]).{name}().dtype\n"
                      f"    unitorch.{d.name}")
    return method
