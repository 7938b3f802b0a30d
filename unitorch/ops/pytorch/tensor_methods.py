"""The Tensor's PyTorch conveniences: ``new_zeros`` and friends (a new tensor with this
one's dtype and device), ``type``/``type_as``, ``cpu``/``cuda``, ``element_size``,
``nelement``, ``is_floating_point``, ``is_complex``.
"""

from __future__ import annotations

import operator
from typing import Any

from ... import dtypes as dt
from ...backends import use_backend
from ...devices import Device
from ...tensor import Tensor
from .. import creation as cr

__all__ = ["new_zeros", "new_ones", "new_empty", "new_full", "new_tensor", "type",
           "type_as", "cpu", "cuda", "element_size", "nelement", "is_floating_point",
           "is_complex", "TYPE_NAMES", "dtype_of_type_name"]

TYPE_NAMES: dict[dt.DType, str] = {
    dt.float32: "FloatTensor", dt.float64: "DoubleTensor", dt.float16: "HalfTensor",
    dt.bfloat16: "BFloat16Tensor", dt.int64: "LongTensor", dt.int32: "IntTensor",
    dt.int16: "ShortTensor", dt.int8: "CharTensor", dt.uint8: "ByteTensor",
    dt.bool: "BoolTensor", dt.complex64: "ComplexFloatTensor",
    dt.complex128: "ComplexDoubleTensor",
}
"""PyTorch's legacy tensor type name of each dtype (``x.type()``)."""


def dtype_of_type_name(name: str) -> dt.DType:
    """The dtype of a legacy type name (``"torch.FloatTensor"``, ``"torch.cuda.LongTensor"``
    or just ``"FloatTensor"``)."""
    short = name.rsplit(".", 1)[-1]
    for d, n in TYPE_NAMES.items():
        if n == short:
            return d
    raise ValueError(f"unknown tensor type {name!r}")


def _sizes(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(operator.index(s) for s in size)


def _new(self: Tensor, make: Any, dtype: Any, device: Any, requires_grad: bool) -> Tensor:
    with use_backend(self.backend):
        out = make(self.dtype if dtype is None else dtype,
                   self.device if device is None else device)
    return out.requires_grad_() if requires_grad else out


def new_zeros(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Zeros of ``size`` with this tensor's dtype and device (unless given).

    Example:
        >>> ut.tensor([1, 2]).new_zeros(2, 3)
        tensor([[0, 0, 0],
                [0, 0, 0]], dtype=int64)
    """
    shape = _sizes(size)
    return _new(self, lambda d, v: cr.zeros(shape, dtype=d, device=v), dtype, device,
                requires_grad)


def new_ones(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """Ones of ``size`` with this tensor's dtype and device (unless given).

    Example:
        >>> ut.tensor([1.5]).new_ones((2,))
        tensor([1., 1.], dtype=float32)
    """
    shape = _sizes(size)
    return _new(self, lambda d, v: cr.ones(shape, dtype=d, device=v), dtype, device,
                requires_grad)


def new_empty(self: Tensor, *size: Any, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """An uninitialized tensor of ``size`` (unitorch fills it with zeros) with this
    tensor's dtype and device.

    Example:
        >>> ut.tensor([1.5]).new_empty(2).shape
        (2,)
    """
    shape = _sizes(size)
    return _new(self, lambda d, v: cr.empty(shape, dtype=d, device=v), dtype, device,
                requires_grad)


def new_full(self: Tensor, size: Any, fill_value: Any, *, dtype: Any = None,
             device: Any = None, requires_grad: bool = False) -> Tensor:
    """``fill_value`` in a tensor of ``size`` with this tensor's dtype and device.

    Example:
        >>> ut.tensor([1.5]).new_full((2,), 7)
        tensor([7., 7.], dtype=float32)
    """
    shape = _sizes((size,))
    return _new(self, lambda d, v: cr.full(shape, fill_value, dtype=d, device=v), dtype,
                device, requires_grad)


def new_tensor(self: Tensor, data: Any, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """A copy of ``data`` with this tensor's dtype and device (unless given).

    Example:
        >>> ut.tensor([1.5]).new_tensor([1, 2])
        tensor([1., 2.], dtype=float32)
    """
    return _new(self, lambda d, v: cr.tensor(data, dtype=d, device=v), dtype, device,
                requires_grad)


def type(self: Tensor, dtype: Any = None, non_blocking: bool = False) -> Any:
    """PyTorch's ``type``: without ``dtype``, the legacy type name
    (``"torch.FloatTensor"``; ``"torch.cuda.FloatTensor"`` on a GPU); with a dtype or such
    a name, the tensor converted to it.

    Example:
        >>> x = ut.tensor([1.5])
        >>> x.type(), x.type(ut.int64), x.type("torch.DoubleTensor").dtype
        ('torch.FloatTensor', tensor([1], dtype=int64), unitorch.float64)
    """
    if dtype is None:
        prefix = "torch.cuda." if self.device.type == "gpu" else "torch."
        return prefix + TYPE_NAMES[self.dtype]
    if isinstance(dtype, str) and "Tensor" in dtype:
        dtype = dtype_of_type_name(dtype)
    return cr.astype(self, dtype, copy=False)


def type_as(self: Tensor, other: Tensor) -> Tensor:
    """The tensor converted to ``other``'s dtype.

    Example:
        >>> ut.tensor([1, 2]).type_as(ut.tensor([0.5]))
        tensor([1., 2.], dtype=float32)
    """
    return cr.astype(self, other.dtype, copy=False)


def cpu(self: Tensor, memory_format: Any = None) -> Tensor:
    """The tensor on the CPU (itself if it is there).

    Example:
        >>> x = ut.tensor([1.])
        >>> x.cpu() is x
        True
    """
    return self.to_device("cpu")


def cuda(self: Tensor, device: Any = None, non_blocking: bool = False,
         memory_format: Any = None) -> Tensor:
    """The tensor on a GPU (``device``: an index or a device; default the first), as
    PyTorch's ``cuda()``; ``unitorch.DeviceError`` where the backend has no GPU.

    Example:
        >>> ut.tensor([1.]).cuda()  # doctest: +SKIP
        tensor([1.], dtype=float32)
    """
    if device is None:
        target = Device("gpu")
    elif isinstance(device, int):
        target = Device(f"gpu:{device}")
    else:
        target = Device(device)
    return self.to_device(target)


def element_size(self: Tensor) -> int:
    """Bytes per element.

    Example:
        >>> ut.zeros(2, dtype=ut.float64).element_size()
        8
    """
    return max(self.dtype.bits // 8, 1)


def nelement(self: Tensor) -> int:
    """Number of elements (``numel``).

    Example:
        >>> ut.zeros((2, 3)).nelement()
        6
    """
    return int(self.size)


def is_floating_point(self: Tensor) -> bool:
    """Whether the dtype is a real floating one.

    Example:
        >>> ut.zeros(1).is_floating_point(), ut.tensor([1]).is_floating_point()
        (True, False)
    """
    return self.dtype.kind == "f"


def is_complex(self: Tensor) -> bool:
    """Whether the dtype is a complex one.

    Example:
        >>> ut.zeros(1, dtype=ut.complex64).is_complex()
        True
    """
    return self.dtype.kind == "c"

