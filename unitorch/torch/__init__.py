"""``import unitorch.torch as torch``: PyTorch's API on unitorch, on either backend.

The second front door (``import unitorch as ut`` is the first, with the Array API
standard's semantics).  Every name here behaves as PyTorch's does: the same defaults
(``std``/``var`` unbiased), return types (``max``/``min``/``sort`` with a dim return
``(values, indices)``), argument spellings (``dim``, ``keepdim``, positional dims,
``requires_grad=`` on every factory), and submodules ``nn``, ``nn.functional``,
``nn.init``, ``optim``, ``optim.lr_scheduler``, ``utils.data``, ``autograd``, ``cuda``,
``backends``, ``accelerator`` and ``onnx``, so that a PyTorch program runs with only its
imports changed (``import torch.nn as nn`` becomes ``import unitorch.torch.nn as nn``).

It is thin: the same Tensor, ops and kernels as ``unitorch``.  The core functions whose
semantics are PyTorch's are re-exported as they are; where PyTorch's function of the
same name behaves differently from the neutral one, this module has PyTorch's version
(:mod:`unitorch.ops.pytorch`, which the Tensor's methods use too, and the modules
``_factories`` and ``_functions`` here).  ``docs/guides/from-pytorch.md`` lists every
name and its status.

A PyTorch name unitorch does not implement raises ``NotImplementedError`` when called
(a known function) or ``AttributeError`` naming it and the unitorch alternative, the
same on both backends (see :mod:`unitorch.torch._missing`).  Importing this module
imports neither framework.

Example:
    >>> import unitorch.torch as torch
    >>> x = torch.tensor([[1., 5.], [3., 2.]])
    >>> torch.max(x, 1).indices, x.std(), x.size(0)
    (tensor([1, 0], dtype=int64), tensor(1.7078252, dtype=float32), 2)
"""

from __future__ import annotations

from typing import Any

from .. import fft, linalg
from .._size import Size
from ..autograd import enable_grad, no_grad
from ..dtypes import (
    DType as dtype,
)
from ..dtypes import (
    bfloat16,
    complex64,
    complex128,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    result_type,
    set_default_dtype,
    uint8,
)
from ..dtypes import (
    bool as bool,
)
from ..ops.creation import from_dlpack, get_default_device, set_default_device, tril, triu
from ..ops.elementwise import (
    atan2,
    bitwise_and,
    bitwise_left_shift,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    clamp,
    clip,
    copysign,
    eq,
    floor_divide,
    ge,
    greater,
    greater_equal,
    gt,
    hypot,
    le,
    less,
    less_equal,
    logaddexp,
    logical_and,
    logical_or,
    logical_xor,
    lt,
    maximum,
    minimum,
    mul,
    multiply,
    ne,
    not_equal,
    pow,
    remainder,
)
from ..ops.elementwise import atan2 as arctan2
from ..ops.indexing import gather, take
from ..ops.manipulation import (
    broadcast_to,
    flip,
    moveaxis,
    permute,
    reshape,
    split,
    swapaxes,
    tile,
    transpose,
    unsqueeze,
)
from ..ops.manipulation import moveaxis as movedim
from ..ops.manipulation import (
    repeat as repeat_interleave,
)
from ..ops.manipulation import swapaxes as swapdims
from ..ops.products import dot, einsum, inner, matmul, outer
from ..ops.pytorch import return_types
from ..ops.pytorch.arith import (
    add,
    addcdiv,
    addcmul,
    bmm,
    div,
    divide,
    lerp,
    mm,
    reciprocal,
    relu,
    rsqrt,
    sub,
    subtract,
    true_divide,
)
from ..ops.pytorch.reductions import (
    kthvalue,
    max,
    median,
    min,
    mode,
    nonzero,
    norm,
    sort,
    std,
    std_mean,
    var,
    var_mean,
)
from ..ops.pytorch.shaping import (
    cat,
    chunk,
    concat,
    index_select,
    masked_fill,
    masked_select,
    narrow,
    scatter,
    stack,
    t,
)
from ..ops.pytorch.shaping import cat as concatenate
from ..ops.sets import unique
from ..ops.sorting import topk
from ..ops.statistical import count_nonzero
from ..ops.unary import (
    abs,
    absolute,
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    ceil,
    conj,
    cos,
    cosh,
    erf,
    exp,
    expm1,
    floor,
    imag,
    isfinite,
    isinf,
    isnan,
    log,
    log1p,
    log2,
    log10,
    logical_not,
    neg,
    negative,
    positive,
    real,
    sigmoid,
    sign,
    signbit,
    sin,
    sinh,
    sqrt,
    square,
    tan,
    tanh,
    trunc,
)
from ..ops.unary import acos as arccos
from ..ops.unary import asin as arcsin
from ..ops.unary import atan as arctan
from ..tensor import Tensor
from . import _factories, _functions
from ._compile import compile
from ._device import device
from ._factories import *  # noqa: F403
from ._functions import *  # noqa: F403
from ._io import load, save
from ._legacy import (
    BoolTensor,
    ByteTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
)
from ._missing import lookup
from .autograd.grad_mode import inference_mode, is_grad_enabled, set_grad_enabled

__version__ = "2.13.0+unitorch"
"""The PyTorch version whose API this front door follows (and unitorch's marker)."""

e = 2.718281828459045
pi = 3.141592653589793
inf = float("inf")
nan = float("nan")
newaxis = None

# PyTorch's dtype aliases (after the constants: they shadow the builtins float and int)
float = float32
double = float64
half = float16
long = int64
int = int32
short = int16
cfloat = complex64
cdouble = complex128

_SUBMODULES = ("nn", "optim", "utils", "autograd", "cuda", "backends", "accelerator",
               "onnx", "random", "testing", "serialization", "types")

__all__ = sorted({
    *_factories.__all__, *_functions.__all__, "Tensor", "Size", "device", "dtype",
    "return_types", "fft", "linalg", "no_grad", "enable_grad", "set_grad_enabled",
    "is_grad_enabled", "inference_mode", "save", "load", "compile", "FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor",
    "IntTensor", "ByteTensor", "BoolTensor",
    "float", "double", "half", "long", "int", "short", "cfloat", "cdouble", "bool",
    "float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "complex64", "complex128", "finfo", "iinfo", "result_type",
    "get_default_dtype", "set_default_dtype", "get_default_device", "set_default_device",
    "from_dlpack", "tril", "triu", "e", "pi", "inf", "nan", "newaxis",
    "atan2", "arctan2", "bitwise_and", "bitwise_left_shift", "bitwise_or",
    "bitwise_right_shift", "bitwise_xor", "clamp", "clip", "copysign", "eq",
    "floor_divide", "ge", "greater", "greater_equal", "gt", "hypot", "le", "less",
    "less_equal", "logaddexp", "logical_and", "logical_or", "logical_xor", "lt", "maximum",
    "minimum", "mul", "multiply", "ne", "not_equal", "pow", "remainder", "gather", "take",
    "broadcast_to", "flip", "moveaxis", "movedim", "permute", "repeat_interleave",
    "reshape", "split", "swapaxes", "swapdims", "tile", "transpose", "unsqueeze", "dot",
    "einsum", "inner", "matmul", "outer", "unique", "topk", "count_nonzero",
    "abs", "absolute", "acos", "arccos", "acosh", "asin", "arcsin", "asinh", "atan",
    "arctan", "atanh", "ceil", "conj", "cos", "cosh", "erf", "exp", "expm1", "floor",
    "imag", "isfinite", "isinf", "isnan", "log", "log1p", "log2", "log10", "logical_not",
    "neg", "negative", "positive", "real", "sigmoid", "sign", "signbit", "sin", "sinh",
    "sqrt", "square", "tan", "tanh", "trunc",
    "add", "addcdiv", "addcmul", "bmm", "div", "divide", "lerp", "mm", "reciprocal",
    "relu", "rsqrt", "sub", "subtract", "true_divide",
    "kthvalue", "max", "median", "min", "mode", "nonzero", "norm", "sort", "std",
    "std_mean", "var", "var_mean",
    "cat", "concat", "concatenate", "chunk", "index_select", "masked_fill",
    "masked_select", "narrow", "scatter", "stack", "t",
    *_SUBMODULES,
})


def __getattr__(name: str) -> Any:
    # the submodules load on first use (torch.nn, torch.utils.data...): importing this
    # module stays light, and a program that never touches DataLoader never imports it
    if name in _SUBMODULES:
        import importlib

        module = importlib.import_module(f".{name}", __name__)
        globals()[name] = module
        return module
    return lookup(__name__, name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

