"""Type stub of :mod:`unitorch.tensor`: the Tensor's operators and methods, declared.

The operators and most methods are bound at import by
``unitorch.ops._operators.install_operators`` (the operator *is* the public function:
``Tensor.__add__ is ut.add``, so ``a + b`` costs what ``ut.add(a, b)`` costs), which
readers, ``grep`` and static tools cannot see; this stub declares every one of them
with its signature.  ``tests/test_tensor_stub.py`` checks that it lists exactly the
runtime members, with their parameters, so it cannot drift.
"""

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import dtypes as _dt
from . import dtypes as dt
from ._dispatch import Scalar
from ._size import Count
from .backends.contract import Backend
from .devices import Device
from .ops.pytorch import return_types as rt
from .ops.sorting import TopKResult
from .ops.statistical import Axis

__all__ = ["Tensor", "HookHandle", "bind_tensor_type", "TENSOR_TYPES"]


class Tensor:
    _bk: Backend
    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any: ...
    def __array_function__(self, func: Callable[..., Any], types: Any, args: tuple,
                           kwargs: dict) -> Any: ...
    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]: ...
    __hash__: Callable[[object], int]
    @property
    def native(self) -> Any: ...
    @property
    def backend(self) -> str: ...
    @property
    def dtype(self) -> _dt.DType: ...
    @property
    def shape(self) -> tuple[int | None, ...]: ...
    @property
    def ndim(self) -> int: ...
    @property
    def size(self) -> Count | None: ...
    @property
    def device(self) -> Device: ...
    @property
    def T(self) -> Tensor: ...
    @property
    def mT(self) -> Tensor: ...
    @property
    def real(self) -> Tensor: ...
    @property
    def imag(self) -> Tensor: ...
    def __array_namespace__(self, /, *, api_version: str | None=None) -> Any: ...
    def numpy(self) -> np.ndarray: ...
    def __array__(self, dtype: Any=None, copy: bool | None=None) -> np.ndarray: ...
    def item(self) -> bool | int | float | complex: ...
    def tolist(self) -> Any: ...
    def __dlpack__(self, *, stream: Any=None, max_version: Any=None, dl_device: Any=None, copy: bool | None=None) -> Any: ...
    def __dlpack_device__(self) -> tuple[int, int]: ...
    def to_device(self, device: str | Device, /, *, stream: Any=None) -> Tensor: ...
    def astype(self, dtype: _dt.DTypeLike, /, *, copy: bool=True) -> Tensor: ...
    def to(self, *args: Any, device: Any=None, dtype: Any=None, copy: bool=False, non_blocking: bool=False, memory_format: Any=None) -> Tensor: ...
    def __bool__(self) -> bool: ...
    def __int__(self) -> int: ...
    def __float__(self) -> float: ...
    def __complex__(self) -> complex: ...
    def __index__(self) -> int: ...
    def _scalar(self, what: str) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self): ...
    @property
    def requires_grad(self) -> bool: ...
    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None: ...
    def requires_grad_(self, requires_grad: bool=True) -> Tensor: ...
    @property
    def grad(self) -> Tensor | None: ...
    @grad.setter
    def grad(self, value: Tensor | None) -> None: ...
    def backward(self, gradient: Tensor | None=None, retain_graph: bool | None=None, create_graph: bool=False) -> None: ...
    def detach(self) -> Tensor: ...
    def detach_(self) -> Tensor: ...
    @property
    def is_leaf(self) -> bool: ...
    @property
    def grad_fn(self) -> Any: ...
    def retain_grad(self) -> None: ...
    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> HookHandle: ...
    @property
    def data(self) -> Tensor: ...
    @data.setter
    def data(self, value: Tensor) -> None: ...
    def _values_text(self) -> str: ...
    def _shape_text(self) -> str: ...
    def __str__(self) -> str: ...
    def __repr__(self) -> str: ...
    def __format__(self, spec: str) -> str: ...


    # -- bound by unitorch.ops._operators.install_operators(): each operator is the
    # public function itself (Tensor.__add__ is ut.add); each method calls the function
    # of its name with the tensor first (t.sum(1) is ut.sum(t, 1))

    def __abs__(self) -> Tensor:
        """``__abs__``: :func:`unitorch.abs`."""
    def __add__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.add` (``self`` first)."""
    def __and__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_and` (``self`` first)."""
    def __eq__(self, other: object, /) -> Tensor:  # type: ignore[override]
        """:func:`unitorch.equal` (``self`` first)."""
    def __floordiv__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.floor_divide` (``self`` first)."""
    def __ge__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.greater_equal` (``self`` first)."""
    def __getitem__(self, key: Any, /) -> Tensor:
        """``self[key]``: :func:`unitorch.getitem`."""
    def __gt__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.greater` (``self`` first)."""
    def __iadd__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.add`, written back into ``self`` (its dtype and shape kept)."""
    def __iand__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_and`, written back into ``self`` (its dtype and shape kept)."""
    def __ifloordiv__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.floor_divide`, written back into ``self`` (its dtype and shape kept)."""
    def __ilshift__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_left_shift`, written back into ``self`` (its dtype and shape kept)."""
    def __imatmul__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.matmul`, written back into ``self`` (its dtype and shape kept)."""
    def __imod__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.remainder`, written back into ``self`` (its dtype and shape kept)."""
    def __imul__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.multiply`, written back into ``self`` (its dtype and shape kept)."""
    def __invert__(self) -> Tensor:
        """``__invert__``: :func:`unitorch.bitwise_invert`."""
    def __ior__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_or`, written back into ``self`` (its dtype and shape kept)."""
    def __ipow__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.pow`, written back into ``self`` (its dtype and shape kept)."""
    def __irshift__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_right_shift`, written back into ``self`` (its dtype and shape kept)."""
    def __isub__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.subtract`, written back into ``self`` (its dtype and shape kept)."""
    def __itruediv__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.divide`, written back into ``self`` (its dtype and shape kept)."""
    def __ixor__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_xor`, written back into ``self`` (its dtype and shape kept)."""
    def __le__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.less_equal` (``self`` first)."""
    def __lshift__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_left_shift` (``self`` first)."""
    def __lt__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.less` (``self`` first)."""
    def __matmul__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.matmul` (``self`` first)."""
    def __mod__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.remainder` (``self`` first)."""
    def __mul__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.multiply` (``self`` first)."""
    def __ne__(self, other: object, /) -> Tensor:  # type: ignore[override]
        """:func:`unitorch.not_equal` (``self`` first)."""
    def __neg__(self) -> Tensor:
        """``__neg__``: :func:`unitorch.negative`."""
    def __or__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_or` (``self`` first)."""
    def __pos__(self) -> Tensor:
        """``__pos__``: :func:`unitorch.positive`."""
    def __pow__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.pow` (``self`` first)."""
    def __radd__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.add` with ``other`` first (a Python scalar on the left)."""
    def __rand__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_and` with ``other`` first (a Python scalar on the left)."""
    def __rfloordiv__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.floor_divide` with ``other`` first (a Python scalar on the left)."""
    def __rlshift__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_left_shift` with ``other`` first (a Python scalar on the left)."""
    def __rmatmul__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.matmul` with ``other`` first (a Python scalar on the left)."""
    def __rmod__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.remainder` with ``other`` first (a Python scalar on the left)."""
    def __rmul__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.multiply` with ``other`` first (a Python scalar on the left)."""
    def __ror__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_or` with ``other`` first (a Python scalar on the left)."""
    def __rpow__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.pow` with ``other`` first (a Python scalar on the left)."""
    def __rrshift__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_right_shift` with ``other`` first (a Python scalar on the left)."""
    def __rshift__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_right_shift` (``self`` first)."""
    def __rsub__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.subtract` with ``other`` first (a Python scalar on the left)."""
    def __rtruediv__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.divide` with ``other`` first (a Python scalar on the left)."""
    def __rxor__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_xor` with ``other`` first (a Python scalar on the left)."""
    def __setitem__(self, key: Any, value: Tensor | Scalar, /) -> None:
        """``self[key] = value``: :func:`unitorch.setitem`."""
    def __sub__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.subtract` (``self`` first)."""
    def __truediv__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.divide` (``self`` first)."""
    def __xor__(self, other: Tensor | Scalar, /) -> Tensor:
        """:func:`unitorch.bitwise_xor` (``self`` first)."""
    def abs(self, /) -> Tensor:
        """Method form of :func:`unitorch.abs`."""
    def abs_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.abs_` (``self`` first)."""
    def add(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.add` (``self`` first)."""
    def add_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.add_` (``self`` first)."""
    def addcdiv(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.addcdiv` (``self`` first)."""
    def addcdiv_(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.addcdiv_` (``self`` first)."""
    def addcmul(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.addcmul` (``self`` first)."""
    def addcmul_(self, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.addcmul_` (``self`` first)."""
    def all(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.all`."""
    def amax(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.max`."""
    def amin(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.min`."""
    def any(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.any`."""
    def argmax(self, /, axis: int | None = None, *, keepdims: bool = False, dim: int | None = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.argmax`."""
    def argmin(self, /, axis: int | None = None, *, keepdims: bool = False, dim: int | None = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.argmin`."""
    def argsort(self, /, *, axis: int | None = None, descending: bool = False, stable: bool = True, dim: int | None = None) -> Tensor:
        """Method form of :func:`unitorch.argsort`."""
    def bernoulli_(self, p: Any = 0.5, *, generator: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.bernoulli_` (``self`` first)."""
    def bfloat16(self):
        """The tensor as bfloat16 (PyTorch's ``.bfloat16()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).bfloat16().dtype
            unitorch.bfloat16
        """
    def bmm(self, mat2: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.bmm` (``self`` first)."""
    def bool(self):
        """The tensor as bool (PyTorch's ``.bool()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).bool().dtype
            unitorch.bool
        """
    def broadcast_to(self, /, shape: int | Sequence[int], *more: int) -> Tensor:
        """Method form of :func:`unitorch.broadcast_to`."""
    def ceil(self, /) -> Tensor:
        """Method form of :func:`unitorch.ceil`."""
    def ceil_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.ceil_` (``self`` first)."""
    def chunk(self, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
        """:func:`unitorch.ops.pytorch.shaping.chunk` (``self`` first)."""
    def clamp(self, /, min: Any = None, max: Any = None) -> Tensor:
        """Method form of :func:`unitorch.clip`."""
    def clamp_(self, min: Any = None, max: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.clamp_` (``self`` first)."""
    def clip(self, /, min: Any = None, max: Any = None) -> Tensor:
        """Method form of :func:`unitorch.clip`."""
    def clip_(self, min: Any = None, max: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.clamp_` (``self`` first)."""
    def clone(self):
        """A copy of the tensor (PyTorch's ``clone``).

        Example:
            >>> x = ut.tensor([1.0, 2.0])
            >>> y = x.clone()
            >>> y[0] = 5.0
            >>> x
            tensor([1., 2.], dtype=float32)
        """
    def conj(self, /) -> Tensor:
        """Method form of :func:`unitorch.conj`."""
    def contiguous(self, memory_format: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.contiguous` (``self`` first)."""
    def copy_(self, src: Any, non_blocking: bool = False) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.copy_` (``self`` first)."""
    def cos(self, /) -> Tensor:
        """Method form of :func:`unitorch.cos`."""
    def count_nonzero(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None) -> Tensor:
        """Method form of :func:`unitorch.count_nonzero`."""
    def cpu(self, memory_format: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.cpu` (``self`` first)."""
    def cuda(self, device: Any = None, non_blocking: bool = False, memory_format: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.cuda` (``self`` first)."""
    def cumprod(self, /, axis: int | None = None, *, dim: int | None = None, dtype: dt.DTypeLike | None = None) -> Tensor:
        """Method form of :func:`unitorch.cumprod`."""
    def cumsum(self, /, axis: int | None = None, *, dim: int | None = None, dtype: dt.DTypeLike | None = None) -> Tensor:
        """Method form of :func:`unitorch.cumsum`."""
    def dim(self):
        """Number of dimensions (PyTorch's ``dim``).

        Example:
            >>> ut.zeros((2, 3)).dim()
            2
        """
    def div(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.div` (``self`` first)."""
    def div_(self, other: Any, *, rounding_mode: str | None = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.div_` (``self`` first)."""
    def dot(self, x2: Tensor, /) -> Tensor:
        """Method form of :func:`unitorch.dot`."""
    def double(self):
        """The tensor as float64 (PyTorch's ``.double()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).double().dtype
            unitorch.float64
        """
    def element_size(self) -> int:
        """:func:`unitorch.ops.pytorch.tensor_methods.element_size` (``self`` first)."""
    def eq(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.equal`."""
    def exp(self, /) -> Tensor:
        """Method form of :func:`unitorch.exp`."""
    def exp_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.exp_` (``self`` first)."""
    def expand(self, /, shape: int | Sequence[int], *more: int) -> Tensor:
        """Method form of :func:`unitorch.broadcast_to`."""
    def expand_as(self, other: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.expand_as` (``self`` first)."""
    def fill_(self, value: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.fill_` (``self`` first)."""
    def flatten(self, /, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        """Method form of :func:`unitorch.flatten`."""
    def flip(self, /, axis: int | Sequence[int] | None = None, *more: int, dims: int | Sequence[int] | None = None) -> Tensor:
        """Method form of :func:`unitorch.flip`."""
    def float(self):
        """The tensor as float32 (PyTorch's ``.float()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).float().dtype
            unitorch.float32
        """
    def floor(self, /) -> Tensor:
        """Method form of :func:`unitorch.floor`."""
    def floor_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.floor_` (``self`` first)."""
    def gather(self, dim: int, index: Any) -> Tensor:
        """Method form of :func:`unitorch.gather`."""
    def ge(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.greater_equal`."""
    def gt(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.greater`."""
    def half(self):
        """The tensor as float16 (PyTorch's ``.half()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).half().dtype
            unitorch.float16
        """
    def index_select(self, dim: int, index: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.index_select` (``self`` first)."""
    def int(self):
        """The tensor as int32 (PyTorch's ``.int()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).int().dtype
            unitorch.int32
        """
    def is_complex(self) -> bool:
        """:func:`unitorch.ops.pytorch.tensor_methods.is_complex` (``self`` first)."""
    def is_floating_point(self) -> bool:
        """:func:`unitorch.ops.pytorch.tensor_methods.is_floating_point` (``self`` first)."""
    def isfinite(self, /) -> Tensor:
        """Method form of :func:`unitorch.isfinite`."""
    def isinf(self, /) -> Tensor:
        """Method form of :func:`unitorch.isinf`."""
    def isnan(self, /) -> Tensor:
        """Method form of :func:`unitorch.isnan`."""
    def kthvalue(self, k: int, dim: int = -1, keepdim: bool = False) -> rt.kthvalue:
        """:func:`unitorch.ops.pytorch.reductions.kthvalue` (``self`` first)."""
    def le(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.less_equal`."""
    def lerp(self, end: Tensor, weight: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.lerp` (``self`` first)."""
    def lerp_(self, end: Tensor, weight: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.lerp_` (``self`` first)."""
    def log(self, /) -> Tensor:
        """Method form of :func:`unitorch.log`."""
    def log_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.log_` (``self`` first)."""
    def log_softmax(self, /, axis: int | None = -1, *, dim: int | None = None, dtype: dt.DTypeLike | None = None) -> Tensor:
        """Method form of :func:`unitorch.log_softmax`."""
    def logical_not(self, /) -> Tensor:
        """Method form of :func:`unitorch.logical_not`."""
    def logsumexp(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.logsumexp`."""
    def long(self):
        """The tensor as int64 (PyTorch's ``.long()``).

        Example:
            >>> ut.tensor([1.5, -2.0]).long().dtype
            unitorch.int64
        """
    def lt(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.less`."""
    def masked_fill(self, mask: Tensor, value: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.masked_fill` (``self`` first)."""
    def masked_fill_(self, mask: Tensor, value: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.masked_fill_` (``self`` first)."""
    def masked_select(self, mask: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.masked_select` (``self`` first)."""
    def matmul(self, x2: Tensor, /) -> Tensor:
        """Method form of :func:`unitorch.matmul`."""
    def max(self, dim: int | Tensor | None = None, keepdim: bool = False) -> Any:
        """:func:`unitorch.ops.pytorch.reductions.max` (``self`` first)."""
    def maximum(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.maximum`."""
    def mean(self, /, axis: Axis = None, *, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.mean`."""
    def median(self, dim: int | None = None, keepdim: bool = False) -> Any:
        """:func:`unitorch.ops.pytorch.reductions.median` (``self`` first)."""
    def min(self, dim: int | Tensor | None = None, keepdim: bool = False) -> Any:
        """:func:`unitorch.ops.pytorch.reductions.min` (``self`` first)."""
    def minimum(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.minimum`."""
    def mm(self, mat2: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.mm` (``self`` first)."""
    def mode(self, dim: int = -1, keepdim: bool = False) -> rt.mode:
        """:func:`unitorch.ops.pytorch.reductions.mode` (``self`` first)."""
    def moveaxis(self, source: int | Sequence[int], destination: int | Sequence[int], /) -> Tensor:
        """Method form of :func:`unitorch.moveaxis`."""
    def movedim(self, source: int | Sequence[int], destination: int | Sequence[int]) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.movedim` (``self`` first)."""
    def mul(self, other: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.mul` (``self`` first)."""
    def mul_(self, other: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.mul_` (``self`` first)."""
    def narrow(self, dim: int, start: int, length: int) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.narrow` (``self`` first)."""
    def ne(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.not_equal`."""
    def neg(self, /) -> Tensor:
        """Method form of :func:`unitorch.negative`."""
    def neg_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.neg_` (``self`` first)."""
    def nelement(self) -> int:
        """:func:`unitorch.ops.pytorch.tensor_methods.nelement` (``self`` first)."""
    def new_empty(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.new_empty` (``self`` first)."""
    def new_full(self, size: Any, fill_value: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.new_full` (``self`` first)."""
    def new_ones(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.new_ones` (``self`` first)."""
    def new_tensor(self, data: Any, *, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.new_tensor` (``self`` first)."""
    def new_zeros(self, *size: Any, dtype: Any = None, device: Any = None, requires_grad: bool = False) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.new_zeros` (``self`` first)."""
    def nonzero(self, *, as_tuple: bool = False) -> Tensor | tuple[Tensor, ...]:
        """:func:`unitorch.ops.pytorch.reductions.nonzero` (``self`` first)."""
    def norm(self, p: float | str | None = 'fro', dim: int | tuple[int, ...] | None = None, keepdim: bool = False, dtype: dt.DTypeLike | None = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.reductions.norm` (``self`` first)."""
    def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.normal_` (``self`` first)."""
    def numel(self):
        """Number of elements (PyTorch's ``numel``).

        Example:
            >>> ut.zeros((2, 3)).numel()
            6
        """
    def permute(self, /, axes: Sequence[int], *more: int) -> Tensor:
        """Method form of :func:`unitorch.permute_dims`."""
    def pow(self, x2: Tensor | Scalar, /) -> Tensor:
        """Method form of :func:`unitorch.pow`."""
    def pow_(self, exponent: Any) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.pow_` (``self`` first)."""
    def prod(self, /, axis: Axis = None, *, dtype: dt.DTypeLike | None = None, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.prod`."""
    def reciprocal(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.reciprocal` (``self`` first)."""
    def relu(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.relu` (``self`` first)."""
    def relu_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.relu_` (``self`` first)."""
    def repeat(self, *sizes: int | Sequence[int]) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.repeat` (``self`` first)."""
    def repeat_interleave(self, /, repeats: int | Sequence[int] | Tensor, axis: int | None = None, *, dim: int | None = None) -> Tensor:
        """Method form of :func:`unitorch.repeat`."""
    def reshape(self, /, shape: int | Sequence[int], *more: int, copy: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.reshape`."""
    def reshape_as(self, other: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.view_as` (``self`` first)."""
    def roll(self, /, shift: int | Sequence[int], axis: int | Sequence[int] | None = None, *, dims: int | Sequence[int] | None = None) -> Tensor:
        """Method form of :func:`unitorch.roll`."""
    def round(self, /) -> Tensor:
        """Method form of :func:`unitorch.round`."""
    def round_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.round_` (``self`` first)."""
    def rsqrt(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.rsqrt` (``self`` first)."""
    def scatter(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.scatter` (``self`` first)."""
    def scatter_(self, dim: int, index: Tensor, src: Any = None, *, value: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.scatter_` (``self`` first)."""
    def sigmoid(self, /) -> Tensor:
        """Method form of :func:`unitorch.sigmoid`."""
    def sigmoid_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.sigmoid_` (``self`` first)."""
    def sign(self, /) -> Tensor:
        """Method form of :func:`unitorch.sign`."""
    def sin(self, /) -> Tensor:
        """Method form of :func:`unitorch.sin`."""
    def softmax(self, /, axis: int | None = -1, *, dim: int | None = None, dtype: dt.DTypeLike | None = None) -> Tensor:
        """Method form of :func:`unitorch.softmax`."""
    def sort(self, dim: int = -1, descending: bool = False, stable: bool = False) -> rt.sort:
        """:func:`unitorch.ops.pytorch.reductions.sort` (``self`` first)."""
    def split(self, /, split_size_or_sections: int | Sequence[int], axis: int = 0, *, dim: int | None = None) -> tuple[Tensor, ...]:
        """Method form of :func:`unitorch.split`."""
    def sqrt(self, /) -> Tensor:
        """Method form of :func:`unitorch.sqrt`."""
    def sqrt_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.sqrt_` (``self`` first)."""
    def square(self, /) -> Tensor:
        """Method form of :func:`unitorch.square`."""
    def squeeze(self, /, axis: int | Sequence[int] | None = None, *, dim: int | Sequence[int] | None = None) -> Tensor:
        """Method form of :func:`unitorch.squeeze`."""
    def std(self, dim: int | tuple[int, ...] | None = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.reductions.std` (``self`` first)."""
    def sub(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.arith.sub` (``self`` first)."""
    def sub_(self, other: Any, *, alpha: Any = 1) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.sub_` (``self`` first)."""
    def sum(self, /, axis: Axis = None, *, dtype: dt.DTypeLike | None = None, keepdims: bool = False, dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Method form of :func:`unitorch.sum`."""
    def swapaxes(self, axis1: int, axis2: int, /) -> Tensor:
        """Method form of :func:`unitorch.swapaxes`."""
    def t(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.t` (``self`` first)."""
    def take(self, indices: Any, /, *, axis: int | None = None) -> Tensor:
        """Method form of :func:`unitorch.take`."""
    def take_along_axis(self, indices: Any, /, *, axis: int | None = -1) -> Tensor:
        """Method form of :func:`unitorch.take_along_axis`."""
    def tanh(self, /) -> Tensor:
        """Method form of :func:`unitorch.tanh`."""
    def tanh_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.tanh_` (``self`` first)."""
    def tile(self, /, repetitions: Sequence[int], *more: int) -> Tensor:
        """Method form of :func:`unitorch.tile`."""
    def topk(self, k: int, /, axis: int | None = None, largest: bool = True, sorted: bool = True, *, dim: int | None = None) -> TopKResult:
        """Method form of :func:`unitorch.topk`."""
    def transpose(self, /, dim0: int | Sequence[int] | None = None, dim1: int | None = None, *, axes: Sequence[int] | None = None) -> Tensor:
        """Method form of :func:`unitorch.transpose`."""
    def type(self, dtype: Any = None, non_blocking: bool = False) -> Any:
        """:func:`unitorch.ops.pytorch.tensor_methods.type` (``self`` first)."""
    def type_as(self, other: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.tensor_methods.type_as` (``self`` first)."""
    def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator: Any = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.uniform_` (``self`` first)."""
    def unique(self, /, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False, dim: int | None = None) -> Tensor | tuple[Tensor, ...]:
        """Method form of :func:`unitorch.unique`."""
    def unsqueeze(self, /, dim: int) -> Tensor:
        """Method form of :func:`unitorch.unsqueeze`."""
    def var(self, dim: int | tuple[int, ...] | None = None, unbiased: bool | None = None, keepdim: bool = False, *, correction: float | None = None) -> Tensor:
        """:func:`unitorch.ops.pytorch.reductions.var` (``self`` first)."""
    def view(self, /, *shape_or_dtype: Any) -> Tensor:
        """Method form of :func:`unitorch.view`: a reshape, or with one dtype the bits
        reinterpreted (PyTorch's ``Tensor.view(dtype)``)."""

    def view_as(self, other: Tensor) -> Tensor:
        """:func:`unitorch.ops.pytorch.shaping.view_as` (``self`` first)."""
    def zero_(self) -> Tensor:
        """:func:`unitorch.ops.pytorch.inplace.zero_` (``self`` first)."""

class HookHandle:
    def __init__(self, remove: Callable[[], None]) -> None: ...
    def remove(self) -> None: ...
    def __enter__(self) -> HookHandle: ...
    def __exit__(self, *exc: Any) -> None: ...

def _is_dtype_like(obj: Any) -> bool: ...
def _wrap(T: type[Tensor], native: Any, dtype: _dt.DType) -> Tensor: ...
def _transposed(x: Tensor, perm: tuple[int, ...]) -> Tensor: ...

TENSOR_TYPES: set[type]

def bind_tensor_type(backend: Backend) -> None: ...
