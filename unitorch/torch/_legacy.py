"""PyTorch's legacy typed constructors: ``torch.FloatTensor(2, 3)`` (an uninitialized
tensor of that size), ``torch.LongTensor([1, 2])`` (a tensor of that data), and
``isinstance(x, torch.FloatTensor)`` (a dtype check)."""

from __future__ import annotations

from typing import Any

from .. import dtypes as dt
from ..ops import creation as cr
from ..tensor import Tensor

__all__ = ["FloatTensor", "DoubleTensor", "HalfTensor", "LongTensor", "IntTensor",
           "ByteTensor", "BoolTensor"]


class _TypedMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and obj.dtype is cls._dtype

    def __call__(cls, *args: Any, device: Any = None) -> Tensor:
        if len(args) == 1 and not isinstance(args[0], int):
            return cr.tensor(args[0], dtype=cls._dtype, device=device)
        if not all(isinstance(a, int) for a in args):
            raise TypeError(f"{cls.__name__}() takes sizes (ints) or one sequence of data")
        return cr.empty(args, dtype=cls._dtype, device=device)


def _typed(name: str, dtype: dt.DType) -> type:
    doc = (f"PyTorch's legacy ``torch.{name}``: ``{name}(2, 3)`` is an uninitialized "
           f"(zero-filled) {dtype.name} tensor of that size, ``{name}([1, 2])`` one of that "
           f"data; ``isinstance(x, torch.{name})`` checks for {dtype.name}.\n\n"
           f"    Example:\n        >>> ut.torch.{name}(2, 3).shape, ut.torch.{name}([1]).dtype\n"
           f"        ((2, 3), unitorch.{dtype.name})\n    ")
    return _TypedMeta(name, (), {"_dtype": dtype, "__doc__": doc, "__module__": __name__})


FloatTensor = _typed("FloatTensor", dt.float32)
DoubleTensor = _typed("DoubleTensor", dt.float64)
HalfTensor = _typed("HalfTensor", dt.float16)
LongTensor = _typed("LongTensor", dt.int64)
IntTensor = _typed("IntTensor", dt.int32)
ByteTensor = _typed("ByteTensor", dt.uint8)
BoolTensor = _typed("BoolTensor", dt.bool)
