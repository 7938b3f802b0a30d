"""The Tensor type: one native tensor of one backend, with the Array API's array object.

A :class:`Tensor` holds a native tensor (``t.native``: a ``torch.Tensor``, ``tf.Tensor``
or ``tf.Variable``) and caches its unitorch dtype.  Operators and methods delegate to the
functions in :mod:`unitorch.ops`, which own the semantics; the Tensor itself only knows
how to describe and convert itself.

Each backend gets its own subclass of :class:`Tensor` (made by :func:`bind_tensor_type`),
which is how a tensor remembers its backend after ``set_backend`` changes the default:
``isinstance(t, ut.Tensor)`` holds for both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from . import dtypes as _dt
from ._size import Count
from ._views import Relation, track_relation
from .backends import on_load
from .devices import Device, as_device
from .errors import DTypeError, ShapeError, fmt_shape

if TYPE_CHECKING:
    from .backends.contract import Backend

__all__ = ["Tensor", "HookHandle", "bind_tensor_type", "TENSOR_TYPES"]

_new = object.__new__


class Tensor:
    """An n-dimensional array on one backend.

    Construct tensors with :func:`unitorch.asarray`, :func:`unitorch.tensor` or
    :func:`unitorch.from_native`, not with this class.

    Example:
        >>> import unitorch as ut
        >>> t = ut.tensor([[1., 2.], [3., 4.]])
        >>> t.shape, t.dtype
        ((2, 2), unitorch.float32)
    """

    __slots__ = ("_d", "_n", "_p", "__weakref__")  # dtype, native, "is a Parameter"
    _bk: Backend  # set on each backend's subclass

    # NumPy's protocols (unitorch/numpy_protocol.py): ufuncs give tensors, functions convert
    from .numpy_protocol import array_function as __array_function__
    from .numpy_protocol import array_ufunc as __array_ufunc__
    from .pickling import reduce_tensor as __reduce__  # pickle: values, dtype, backend
    def __hash__(self) -> int:
        # hashable by identity, like torch.Tensor.  A Python method, not
        # ``object.__hash__``: torch.compile traces a Python ``__hash__`` (``id``) but
        # graph-breaks on a C hash slot set on a Python class, and an optimizer looks its
        # state up by parameter, so every compiled step broke out of the graph there
        return id(self)


    # -- identity -----------------------------------------------------------------

    @property
    def native(self) -> Any:
        """The wrapped native tensor (no copy).

        Example:
            >>> t = ut.tensor([1.0, 2.0])
            >>> n = t.native  # a torch.Tensor, or a tf.Tensor / tf.Variable: no copy
            >>> ut.asarray(n)
            tensor([1., 2.], dtype=float32)
        """
        return self._n

    @property
    def backend(self) -> str:
        """Name of the backend this tensor belongs to.

        Example:
            >>> with ut.use_backend("torch"):
            ...     ut.ones(2).backend
            'torch'
        """
        return self._bk.name

    @property
    def dtype(self) -> _dt.DType:
        """The unitorch dtype.

        Example:
            >>> ut.tensor([1, 2]).dtype, ut.tensor([1.5]).dtype
            (unitorch.int64, unitorch.float32)
        """
        return self._d

    @property
    def shape(self) -> tuple[int | None, ...]:
        """The shape as a tuple of ints (``None`` for a dimension unknown while tracing).

        Example:
            >>> ut.zeros((2, 3)).shape
            (2, 3)
        """
        return self._bk.shape(self._n)

    @property
    def ndim(self) -> int:
        """Number of dimensions.

        Example:
            >>> ut.zeros((2, 3)).ndim
            2
        """
        return self._bk.ndim(self._n)

    @property
    def size(self) -> Count | None:
        """Number of elements (``None`` if a dimension is unknown while tracing), which
        can also be called as PyTorch's method: ``x.size()`` is the shape as a
        :class:`~unitorch._size.Size`, ``x.size(dim)`` one dimension's length (see
        :mod:`unitorch._size`).

        Example:
            >>> x = ut.zeros((2, 3))
            >>> x.size, x.size(), x.size(0)
            (6, Size([2, 3]), 2)
        """
        shape = self._bk.shape(self._n)
        n = 1
        for s in shape:
            if s is None:
                return None
            n *= s
        return Count(n, shape)

    @property
    def device(self) -> Device:
        """The device holding the data.

        Example:
            >>> ut.zeros(2, device="cpu").device
            Device('cpu')
        """
        return self._bk.device(self._n)

    @property
    def T(self) -> Tensor:
        """The transpose of a 2-D tensor (use ``mT`` or ``permute_dims`` otherwise).

        Example:
            >>> ut.tensor([[1, 2], [3, 4]]).T
            tensor([[1, 3],
                    [2, 4]], dtype=int64)
        """
        bk = self._bk
        if bk.ndim(self._n) != 2:
            raise ShapeError(
                f"T needs a 2-D tensor, got shape {fmt_shape(self.shape)}; "
                "use .mT for the last two axes or permute_dims"
            )
        return _transposed(self, (1, 0))

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a stack of transposed matrices).

        Example:
            >>> ut.zeros((5, 2, 3)).mT.shape
            (5, 3, 2)
        """
        bk = self._bk
        nd = bk.ndim(self._n)
        if nd < 2:
            raise ShapeError(
                f"mT needs at least 2 dimensions, got shape {fmt_shape(self.shape)}")
        return _transposed(self, (*range(nd - 2), nd - 1, nd - 2))

    def __array_namespace__(self, /, *, api_version: str | None = None) -> Any:
        import unitorch

        if api_version not in (None, "2021.12", "2022.12", "2023.12", "2024.12"):
            raise ValueError(f"unsupported Array API version {api_version!r}")
        return unitorch

    # -- conversion -----------------------------------------------------------------

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (shares memory where the framework allows;
        bfloat16 comes back as ``ml_dtypes.bfloat16``).

        Example:
            >>> ut.tensor([1.5, 2.0]).numpy()
            array([1.5, 2. ], dtype=float32)
        """
        bk = self._bk
        if bk.is_compiling():  # see unitorch.compile
            return bk.value_while_compiling(self._n, "numpy()", "array")
        return bk.to_numpy(self._n)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> np.ndarray:
        """NumPy's conversion protocol.  ``copy=False`` returns a view of the tensor's
        memory or raises ``ValueError`` where the framework only hands out copies
        (TensorFlow, a GPU, a dtype change)."""
        if self._bk.is_compiling():
            a = self._bk.value_while_compiling(self._n, "numpy.asarray()", "array")
            return a if dtype is None else a.astype(dtype, copy=False)
        a = self._bk.to_numpy(self._n)
        if copy is False:
            changes = dtype is not None and np.dtype(dtype) != a.dtype
            if changes or (a.size and not np.may_share_memory(a, self._bk.to_numpy(self._n))):
                raise ValueError(f"a {self._bk.name} tensor cannot be viewed as a NumPy array "
                                 "without a copy (copy=False refused)")
            return a
        if dtype is not None:
            a = a.astype(dtype, copy=False)
        return a.copy() if copy else a

    def item(self) -> bool | int | float | complex:
        """The single element as a Python scalar.

        Example:
            >>> ut.tensor([[2.5]]).item()
            2.5
        """
        return self._scalar("item")

    def tolist(self) -> Any:
        """The values as nested Python lists of Python scalars.

        Example:
            >>> ut.tensor([[1, 2], [3, 4]]).tolist()
            [[1, 2], [3, 4]]
        """
        if self._bk.is_compiling():
            return self._bk.value_while_compiling(self._n, "tolist()", "list")
        return self._bk.to_numpy(self._n).tolist()

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
        """A DLPack capsule (the unversioned kind, which every consumer reads) of the
        tensor's memory, or of a copy with ``copy=True``."""
        n = self._n
        if dl_device is not None and tuple(dl_device) != self._bk.dlpack_device(n):
            raise BufferError(f"__dlpack__(): the tensor is on {self.device}, not on DLPack "
                              f"device {tuple(dl_device)}")
        if copy:
            n = self._bk.copy(n)
        return self._bk.to_dlpack(n, stream)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._bk.dlpack_device(self._n)

    def to_device(self, device: str | Device, /, *, stream: Any = None) -> Tensor:
        """The tensor on ``device`` (itself if already there).

        Example:
            >>> ut.tensor([1.0]).to_device("cpu").device
            Device('cpu')
        """
        dev = as_device(device)
        n = self._bk.to_device(self._n, dev)
        return self if n is self._n else _wrap(type(self), n, self._d)

    def astype(self, dtype: _dt.DTypeLike, /, *, copy: bool = True) -> Tensor:
        """The values converted to ``dtype``; see :func:`unitorch.astype`.

        Example:
            >>> ut.tensor([1.7, -1.7]).astype(ut.int32)
            tensor([ 1, -1], dtype=int32)
        """
        from .ops.creation import astype

        return astype(self, dtype, copy=copy)

    def to(self, *args: Any, device: Any = None, dtype: Any = None,
           copy: bool = False, non_blocking: bool = False, memory_format: Any = None
           ) -> Tensor:
        """Move and/or convert, PyTorch style: ``t.to("gpu")``, ``t.to(ut.float64)``,
        ``t.to("cpu", ut.float16)``, ``t.to(other_tensor)``.  ``non_blocking`` and
        ``memory_format`` are accepted and change nothing (copies to a device are
        ordered by the framework; tensors have one layout).

        Example:
            >>> ut.tensor([1, 2]).to(ut.float64)
            tensor([1., 2.], dtype=float64)
            >>> ut.tensor([1, 2]).to("cpu", ut.float16).dtype
            unitorch.float16
        """
        for a in args:
            if isinstance(a, Tensor):
                device, dtype = a.device, a.dtype
            elif isinstance(a, (_dt.DType, type)) or _is_dtype_like(a):
                dtype = a
            else:
                device = a
        out = self
        if dtype is not None:
            out = out.astype(dtype, copy=copy)
        if device is not None:
            out = out.to_device(device)
        return out

    def __bool__(self) -> bool:
        return bool(self._scalar("bool"))

    def __int__(self) -> int:
        return int(self._scalar("int"))

    def __float__(self) -> float:
        return float(self._scalar("float"))

    def __complex__(self) -> complex:
        return complex(self._scalar("complex"))

    def __index__(self) -> int:
        if self._d.kind not in "iu":
            raise DTypeError(f"only integer tensors can be used as an index, got {self._d.name}")
        return int(self._scalar("index"))

    def _scalar(self, what: str) -> Any:
        """The one element as a Python scalar, for ``what()`` (``"float"``...)."""
        size = self.size
        if size is not None and size != 1:
            raise ShapeError(
                f"{what}() needs a tensor with one element, got shape {fmt_shape(self.shape)}"
            )
        bk = self._bk
        if bk.is_compiling():  # see unitorch.compile
            return bk.value_while_compiling(self._n, f"{what}()", "scalar")
        return bk.to_numpy(self._n).reshape(()).item()

    # -- container protocol -----------------------------------------------------------

    def __len__(self) -> int:
        shape = self.shape
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __iter__(self):
        # not a generator: iter() of a 0-d tensor must raise at once, as torch's does,
        # or np.iterable() calls it iterable (SciPy's `args=`, matplotlib's limits)
        shape = self.shape
        if not shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(shape[0]))

    # -- autograd (see unitorch.autograd) -------------------------------------------------

    @property
    def requires_grad(self) -> bool:
        """Whether gradients flow to this tensor: a leaf that requires them, or a result
        computed from one while recording.

        Example:
            >>> x = ut.tensor([1.0, 2.0])
            >>> x.requires_grad
            False
            >>> x.requires_grad_().requires_grad, (x * 2).requires_grad
            (True, True)
        """
        return self._bk.requires_grad(self._n)

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this tensor as a leaf that requires gradients (or not), in place.  On
        TensorFlow its native becomes a trainable ``tf.Variable``.  Only floating and
        complex tensors can require gradients (:class:`DTypeError` otherwise).

        Example:
            >>> w = ut.tensor([1.0, 2.0]).requires_grad_()
            >>> ut.sum(w * w).backward()
            >>> w.grad
            tensor([2., 4.], dtype=float32)
        """
        flag = bool(requires_grad)
        if flag and self._d.kind not in "fc":  # (torch refuses, TensorFlow would accept)
            raise DTypeError(f"only floating and complex tensors can require gradients, got "
                             f"{self._d.name}")
        self._n = self._bk.set_requires_grad(self._n, flag)
        return self

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward()`` (``None`` before the first one).

        Example:
            >>> x = ut.tensor([1.0, 2.0], requires_grad=True)
            >>> x.grad is None
            True
            >>> ut.sum(3 * x).backward()
            >>> x.grad
            tensor([3., 3.], dtype=float32)
        """
        g = self._bk.get_grad(self._n)
        return None if g is None else _wrap(type(self), g, self._d)

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            if not isinstance(value, Tensor):  # (PyTorch's words)
                raise TypeError("assigned grad expected to be a Tensor or None but got grad "
                                f"of type {type(value).__name__}")
            if type(value) is not type(self):
                raise TypeError(f"assigned grad is a {value.backend} tensor; the tensor is a "
                                f"{self.backend} one")
            if value.shape != self.shape or value._d is not self._d:
                raise ShapeError(f"grad of shape {fmt_shape(value.shape)} and dtype "
                                 f"{value._d.name} does not match {fmt_shape(self.shape)} "
                                 f"{self._d.name}")
        self._bk.set_grad(self._n, None if value is None else value._n)

    def backward(self, gradient: Tensor | None = None, retain_graph: bool | None = None,
                 create_graph: bool = False) -> None:
        """Accumulate gradients into the leaves (see :func:`unitorch.backward`).

        Example:
            >>> x = ut.tensor([1.0, 2.0, 3.0], requires_grad=True)
            >>> (x ** 2).sum().backward()
            >>> x.grad
            tensor([2., 4., 6.], dtype=float32)
        """
        from .autograd import backward

        backward(self, gradient, retain_graph=bool(retain_graph), create_graph=create_graph)

    def detach(self) -> Tensor:
        """The same values, cut from the recorded computation.

        Example:
            >>> x = ut.tensor([1.0], requires_grad=True)
            >>> (x * 2).detach().requires_grad
            False
        """
        return _wrap(type(self), self._bk.detach(self._n), self._d)

    def detach_(self) -> Tensor:
        """Cut this tensor from the recorded computation, in place: it becomes a leaf that
        does not require gradients (PyTorch's ``detach_``).

        Example:
            >>> y = ut.tensor([1.0], requires_grad=True) * 2
            >>> y.detach_().requires_grad, y.is_leaf
            (False, True)
        """
        self._n = self._bk.detach(self._n)
        return self

    @property
    def is_leaf(self) -> bool:
        """Whether this is a leaf of the recorded computation: a tensor that does not
        require gradients, or one marked as requiring them (a Parameter), not computed
        from one while recording.  ``backward()`` fills ``.grad`` of leaves only (and of
        tensors that called :meth:`retain_grad`).

        Example:
            >>> w = ut.tensor([1.0, 2.0], requires_grad=True)
            >>> w.is_leaf, (w * 2).is_leaf, ut.ones(2).is_leaf
            (True, False, True)
        """
        return self._bk.is_leaf(self._n)

    @property
    def grad_fn(self) -> Any:
        """``None`` for a leaf; for a tensor computed while recording, an object standing
        for the operation that made it (PyTorch's node on the torch backend, a marker on
        TensorFlow, whose tape keeps no node per tensor).

        Example:
            >>> w = ut.tensor([1.0], requires_grad=True)
            >>> w.grad_fn is None, (w * 2).grad_fn is None
            (True, False)
        """
        return self._bk.grad_fn(self._n)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` at the next ``backward()``
        (leaves keep theirs anyway).

        Example:
            >>> w = ut.tensor([1.0, 2.0], requires_grad=True)
            >>> y = w * 3
            >>> y.retain_grad()
            >>> ut.sum(y * y).backward()
            >>> y.grad
            tensor([ 6., 12.], dtype=float32)
        """
        bk = self._bk
        if not bk.requires_grad(self._n):
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        bk.retain_grad(self._n)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> HookHandle:
        """Call ``hook(grad)`` with each gradient computed for this tensor during
        ``backward()``; a tensor it returns replaces the gradient (for a leaf, before it
        is added to ``.grad``).  Returns a handle whose ``remove()`` removes the hook.

        On TensorFlow the hook of a non-leaf sees the gradient of the uses that follow
        its registration (PyTorch: of every use); register it right after computing the
        tensor, as is usual.

        Example:
            >>> w = ut.tensor([1.0, 2.0], requires_grad=True)
            >>> handle = w.register_hook(lambda g: g * 10)
            >>> ut.sum(w * w).backward()
            >>> w.grad
            tensor([20., 40.], dtype=float32)
            >>> handle.remove()
        """
        bk = self._bk
        if not bk.requires_grad(self._n):
            raise RuntimeError("cannot register a hook on a tensor that doesn't require "
                               "gradient")
        T, d = type(self), self._d

        def native_hook(g: Any) -> Any:
            out = hook(_wrap(T, g, d))
            return None if out is None else out._n

        self._n, remove = bk.register_hook(self._n, native_hook)
        return HookHandle(remove)

    @property
    def data(self) -> Tensor:
        """PyTorch's ``.data``: the same memory, not requiring gradients and recorded by
        nothing, so ``p.data.add_(...)`` updates a parameter outside autograd's rules.
        (On TensorFlow a non-leaf's ``.data`` is a copy of its values.)

        Example:
            >>> w = ut.tensor([1.0, 2.0], requires_grad=True)
            >>> d = w.data
            >>> d.requires_grad, d.add_(1.0) is d
            (False, True)
            >>> w
            tensor([2., 3.], dtype=float32)
        """
        return _wrap(type(self), self._bk.data_alias(self._n), self._d)

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor) or type(value) is not type(self):
            raise TypeError("data must be a Tensor of the same backend")
        if value._d is not self._d:
            value = value.astype(self._d)
        self._n = self._bk.set_data(self._n, value._n)

    # -- display ----------------------------------------------------------------------

    def _values_text(self) -> str:
        if self._bk.is_compiling():
            return f"<symbolic shape={fmt_shape(self.shape)}>"
        a = self.numpy()
        return np.array2string(a, separator=", ", prefix="tensor(", threshold=1000)

    def _shape_text(self) -> str:
        """``shape=...`` where the values do not show it (an empty tensor of rank > 1)."""
        shape = self.shape
        return "" if self.size != 0 or len(shape) == 1 else f"shape={fmt_shape(shape)}, "

    def __str__(self) -> str:
        return f"tensor({self._values_text()}, {self._shape_text()}dtype={self._d.name})"

    def __repr__(self) -> str:
        return (
            f"tensor({self._values_text()}, {self._shape_text()}dtype={self._d.name}, "
            f"device={self.device}, backend={self._bk.name})"
        )

    def __format__(self, spec: str) -> str:
        if spec and self.size == 1:
            return format(self.item(), spec)
        return str(self)


class HookHandle:
    """What :meth:`Tensor.register_hook` returns: ``remove()`` removes the hook (also on
    leaving a ``with`` block).

    Example:
        >>> w = ut.tensor([1.0], requires_grad=True)
        >>> with w.register_hook(lambda g: g * 0):
        ...     ut.sum(w * 3).backward()
        >>> w.grad
        tensor([0.], dtype=float32)
    """

    __slots__ = ("_remove",)

    def __init__(self, remove: Callable[[], None]) -> None:
        self._remove = remove

    def remove(self) -> None:
        """Remove the hook (again: nothing happens).

        Example:
            >>> w = ut.tensor([1.0], requires_grad=True)
            >>> w.register_hook(lambda g: g * 0).remove()
        """
        self._remove()

    def __enter__(self) -> HookHandle:
        return self

    def __exit__(self, *exc: Any) -> None:
        self._remove()


def _is_dtype_like(obj: Any) -> bool:
    try:
        _dt.as_dtype(obj)
    except (DTypeError, TypeError):
        return False
    return not isinstance(obj, str) or obj in {d.name for d in _dt.all_dtypes}


def _wrap(T: type[Tensor], native: Any, dtype: _dt.DType) -> Tensor:
    """A new tensor of type ``T`` around ``native``, whose unitorch dtype is ``dtype``."""
    r = _new(T)
    r._n = native
    r._d = dtype
    return r


def _transposed(x: Tensor, perm: tuple[int, ...]) -> Tensor:
    """``x`` with its axes permuted by ``perm``: a view of ``x``, as on PyTorch (where
    the backend's results are copies, :mod:`unitorch._views` keeps the relation)."""
    bk = x._bk
    r = _wrap(type(x), bk.permute_dims(x._n, perm), x._d)
    if not bk.slices_share_memory:
        track_relation(r, x, Relation("permute", perm))
    return r


TENSOR_TYPES: set[type] = set()
"""The Tensor subclass of every loaded backend (a fast ``is this our tensor`` check)."""


def bind_tensor_type(backend: Backend) -> None:
    """Give ``backend`` its Tensor subclass and a ``wrap(native)`` function."""
    T = type("Tensor", (Tensor,), {"__slots__": (), "_bk": backend, "__module__": "unitorch"})
    T.__qualname__ = "Tensor"
    TENSOR_TYPES.add(T)
    from_native = backend.dtype_from_native

    def wrap(native: Any, _T: type = T, _dtypes: dict = from_native) -> Tensor:
        r = _new(_T)
        r._n = native
        r._d = _dtypes[native.dtype]
        return r

    backend.Tensor = T
    backend.wrap = wrap
    backend.adopt_tensor_type(T)


on_load(bind_tensor_type)
