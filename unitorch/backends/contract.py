"""The backend contract: every primitive unitorch needs from a framework, and its promise.

This is the only place that says what a backend must provide.  Each backend is a
package, ``backends/torch/`` and ``backends/tensorflow/``, with one module per section of
this contract, named as the section is (``core``, ``creation``, ``elementwise``,
``reductions``, ``linalg``, ``fft``, ``manipulation``, ``indexing``, ``nn``, ``rnn``,
``random``, ``autograd``, ``optim``, ``distributed``, ``compile``): the torch and
TensorFlow versions of one family read side by side.  Each module holds a mixin class with that section's
primitives; the package's ``__init__`` composes them into the one subclass of
:class:`Backend` (``TorchBackend``, ``TensorFlowBackend``) and its instance ``BACKEND``.
The public layer (``unitorch.ops``, ``unitorch.nn``...) calls nothing else.

Division of labour
------------------
The public layer owns the semantics: it validates arguments, raises unitorch's errors,
applies type promotion, normalizes axes and indices.  Where a framework's behaviour
differs from the one unitorch documents, the fix goes in one place, by this rule:

* **both frameworks wrong** (or a behaviour neither has): compose the op *above* the
  backends, once, from primitives (``unitorch/ops/_complex.py``'s complex functions,
  integer division by zero in ``ops/elementwise.py``, every optimizer's update rule in
  ``unitorch/optim/<name>.py``, the contract's own ``sort_key``);
* **one framework wrong**: fix it *inside that backend*, in the primitive concerned,
  with a comment naming the failing input (torch's ``sign(NaN)``, TensorFlow's
  ``floor_divide`` rounding, or a ``<name>_complex`` kernel, below), so the other
  backend pays nothing.

A primitive only computes, and may assume:

* tensor arguments (``x``, ``x1``...) are native tensors of this backend on one device
  (a two-input element-wise primitive may get a Python scalar as its second operand:
  see :meth:`Backend.scalar_operand`);
* where an op takes several tensors, they already share one dtype (the promoted one),
  unless the signature says otherwise, and their shapes broadcast (NumPy rules);
* ``axes`` is a non-empty tuple of unique, non-negative ints below ``ndim``;
  ``axis`` is one non-negative int;
* ``dtype`` arguments are :class:`unitorch.dtypes.DType`; ``device`` arguments are
  :class:`unitorch.devices.Device` or ``None`` (the backend's default device);
* shapes are tuples of ints.

A primitive must accept every dtype the public op documents (a framework without a
kernel for a dtype computes in a wider one and casts back), must give the result the
documented dtype, and must work while tracing a compiled function (``tf.function``,
``torch.compile``): it may not read tensor values on the host unless its output shape
depends on them (``nonzero``, ``unique``...).  Primitives are differentiable through
the framework's own autodiff wherever the maths is.

Abstract methods are what a new backend must write; the concrete ones (``ndim``,
``basic_getitem``, ``scalar_operand``, ``scalar_kernel``, ``sort_key``, ``rnn``,
``rnn_cell``, ``run_update`` and the optional fused optimizer kernels) have defaults
built from the others, which a backend overrides only where its framework is faster or
different.

Names follow the Python Array API standard where it has one.

Kind-specialised primitives: a backend may define ``<name>_complex`` (for example
``add_complex``) to be used instead of ``<name>`` for complex inputs, where the
framework's general kernel is wrong for them; the public layer picks the kernel once
per dtype, so the real-valued hot path pays nothing for it.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

import numpy as np

from .. import dtypes as _dt
from ..devices import Device
from ..dtypes import DType

Native = Any
"""A native tensor of the backend (``torch.Tensor``, ``tf.Tensor`` or ``tf.Variable``)."""

Pads = tuple[tuple[int, int], ...]

# the integer dtype of each floating dtype's width (sort_key)
_INT_OF_FLOAT = {_dt.float16: _dt.int16, _dt.bfloat16: _dt.int16, _dt.float32: _dt.int32,
                 _dt.float64: _dt.int64}


class GradTape(abc.ABC):
    """A gradient recorder made by :meth:`Backend.tape`, used as a context manager.

    Operations run inside the ``with`` block on watched tensors (and, with
    ``watch_accessed_variables``, on leaves that require gradients) are recorded.
    """

    @abc.abstractmethod
    def __enter__(self) -> GradTape: ...

    @abc.abstractmethod
    def __exit__(self, *exc: Any) -> None: ...

    @abc.abstractmethod
    def watch(self, x: Native) -> Native:
        """Record operations on ``x`` from now on; returns the native to compute with
        (PyTorch: ``x`` itself if it requires gradients, else a detached copy that does;
        TensorFlow: ``x``).  The caller uses the returned native in place of ``x``."""

    @abc.abstractmethod
    def gradient(self, target: Native, sources: Sequence[Native],
                 output_gradient: Native | None, create_graph: bool) -> list[Native]:
        """``d target / d source`` for each source, zeros for sources ``target`` does not
        depend on.  With ``create_graph`` the result is itself differentiable by an
        enclosing recorder (higher-order gradients).  A non-persistent tape may be asked
        only once."""

    @abc.abstractmethod
    def stop_recording(self) -> Any:
        """A context manager pausing this recorder."""


class Backend(abc.ABC):
    """A framework that can run unitorch.  Subclasses set the class attributes and
    implement every abstract method; an incomplete subclass cannot be instantiated.
    """

    #: The name users select it by: ``"torch"`` or ``"tensorflow"``.
    name: str
    #: The framework's top-level module.
    module: ModuleType
    #: Native types ``ut.from_native`` accepts.
    native_types: tuple[type, ...]
    #: unitorch dtype -> native dtype, for every dtype in ``unitorch.dtypes.all_dtypes``.
    dtype_to_native: dict[DType, Any]
    #: native dtype -> unitorch dtype (the inverse).
    dtype_from_native: dict[Any, DType]
    #: The unitorch Tensor subclass that wraps this backend's natives (set on load).
    Tensor: type
    #: Whether training loops (``ut.fit``) compile their step by default: True where the
    #: framework's eager mode is slow for small steps and its compiler starts in about a
    #: second (TensorFlow), False where compiling has a long warm-up (PyTorch).
    compile_training: bool = False
    #: Whether basic indexing (``basic_getitem``, and ``getitem`` with a key of ints and
    #: slices with positive steps) returns natives sharing ``x``'s memory, so that a
    #: write through one reaches the other.  Where it does not (TensorFlow's slices are
    #: copies), the public layer keeps that relation itself (``unitorch/_views.py``).
    slices_share_memory: bool = True
    #: The most axes a tensor may have on every device of the backend (the Array API's
    #: ``max dimensions`` capability; ``None``: no limit).
    max_dimensions: int | None = None

    # ----------------------------------------------------------------------------------
    # core: shapes, devices, conversion, dtypes

    @abc.abstractmethod
    def shape(self, x: Native) -> tuple[int | None, ...]:
        """The shape; a dimension unknown while tracing a compiled function is ``None``."""

    def ndim(self, x: Native) -> int:
        """The number of dimensions (known even while tracing)."""
        return len(self.shape(x))

    @abc.abstractmethod
    def device(self, x: Native) -> Device:
        """The device ``x`` lives on."""

    @abc.abstractmethod
    def devices(self) -> list[Device]:
        """Every device this backend can place tensors on, the CPU first."""

    @abc.abstractmethod
    def to_device(self, x: Native, device: Device) -> Native:
        """``x`` on ``device`` (``x`` itself when already there)."""

    @abc.abstractmethod
    def from_numpy(self, array: np.ndarray, device: Device | None) -> Native:
        """A native tensor with the values and dtype of ``array`` (one of unitorch's
        dtypes; bfloat16 as ``ml_dtypes.bfloat16``).  Shares memory with ``array`` where the
        framework can; the caller passes a private copy when sharing is not wanted."""

    @abc.abstractmethod
    def to_numpy(self, x: Native) -> np.ndarray:
        """``x`` as a NumPy array on the host (bfloat16 as ``ml_dtypes.bfloat16``);
        may share memory with ``x``."""

    @abc.abstractmethod
    def from_dlpack(self, obj: Any) -> Native:
        """Import an object with ``__dlpack__`` without a copy where the framework can."""

    @abc.abstractmethod
    def to_dlpack(self, x: Native, stream: Any = None) -> Any:
        """A DLPack capsule of ``x`` (the ``__dlpack__`` protocol)."""

    @abc.abstractmethod
    def dlpack_device(self, x: Native) -> tuple[int, int]:
        """``(device_type, device_id)`` as in DLPack's ``__dlpack_device__``."""

    @abc.abstractmethod
    def cast(self, x: Native, dtype: DType) -> Native:
        """``x`` converted to ``dtype`` (``x`` itself if already so).  Floating to integer
        truncates toward zero; to bool is ``x != 0``; complex to real is never requested."""

    @abc.abstractmethod
    def bitcast(self, x: Native, dtype: DType) -> Native:
        """``x``'s bits reinterpreted as ``dtype``, of the same width (float32 as int32)."""

    @abc.abstractmethod
    def copy(self, x: Native) -> Native:
        """A copy of ``x`` that shares no memory with it."""

    @abc.abstractmethod
    def assign(self, x: Native, value: Native) -> Native:
        """Write ``value`` (``x``'s shape and dtype) into ``x`` in place where ``x`` is
        mutable (a ``torch.Tensor``, a ``tf.Variable``) and return ``x``; otherwise return
        ``value``."""

    def assign_add(self, x: Native, delta: Native) -> Native:
        """``assign(x, add(x, delta))`` for ``delta`` of ``x``'s shape and dtype: one
        rounded addition written into ``x``.  A backend may run it as one in-place kernel
        (TensorFlow's ``AssignAddVariableOp``: inside a compiled update rule, no separate
        sum and no new buffer per parameter)."""
        return self.assign(x, self.add(x, delta))

    def assign_sub(self, x: Native, delta: Native) -> Native:
        """``assign(x, subtract(x, delta))``, as :meth:`assign_add`."""
        return self.assign(x, self.subtract(x, delta))

    #: Whether a process forked from one where the framework has run operations can
    #: use the framework (PyTorch: yes, with one thread, which :meth:`prepare_worker`
    #: sets; TensorFlow: no, its thread pools do not survive ``fork``).  Data-loading
    #: workers are forked where this holds, started by a fork server otherwise.
    fork_safe: bool = True

    def prepare_worker(self) -> None:  # noqa: B027 (a default that does nothing)
        """Called first in a data-loading worker process (before the dataset runs):
        whatever the framework needs there (the default: nothing)."""

    def adopt_tensor_type(self, tensor_type: type) -> None:
        """Called once, when ``tensor_type`` (unitorch's Tensor class for this backend, a
        subclass of ``unitorch.Tensor``) is made.  A framework whose operators convert
        unknown objects to its own tensors (TensorFlow: ``tf_tensor + t`` would return a
        ``tf.Tensor``) is taught here to leave unitorch Tensors to their reflected
        operators, so the result is a unitorch Tensor, as with PyTorch.  The default does
        nothing: PyTorch's operators return ``NotImplemented`` for objects they do not
        know, and Python then calls the reflected operator."""
        return None

    @abc.abstractmethod
    def out_of_memory(self, error: BaseException) -> bool:
        """Whether ``error``, raised by this backend, means an allocation failed (the
        public layer raises ``unitorch.OutOfMemoryError`` for it)."""

    @abc.abstractmethod
    def is_compiling(self) -> bool:
        """True while the framework traces a compiled function (values are symbolic)."""

    @abc.abstractmethod
    def set_matmul_precision(self, precision: str) -> None:
        """``"highest"``: float32 matmul and convolution at full float32 precision (TF32
        off); ``"high"``: TF32 allowed on hardware that has it."""

    def scalar_operand(self, value: bool | int | float | complex, dtype: DType) -> Any:
        """A Python scalar (already of ``dtype``'s kind and in its range) as the second
        operand of a two-input element-wise primitive whose first operand is a native of
        ``dtype``.  Element-wise primitives take a Python scalar in place of their second
        tensor argument, with the tensor's dtype (a weak operand), and must keep its
        value exactly, including the sign of a zero (a scalar *first* goes through
        :meth:`scalar_kernel`).  The default hands the scalar over as it is; a backend
        whose framework converts Python numbers lossily overrides this (and
        :meth:`scalar_kernel`)."""
        return value

    def scalar_kernel(self, kernel: Callable[[Native, Native], Native],
                      reflected: bool) -> Callable[[Native, Any], Native]:
        """``kernel`` (a two-input element-wise primitive) as a function ``f(x, s)`` of a
        native ``x`` and a Python float or int ``s`` of the kind of ``x``'s floating
        dtype: ``kernel(x, s)``, or ``kernel(s, x)`` when ``reflected`` (``1.0 - x``).
        The public layer builds these once per dtype for its fast path, so they should
        add as little as possible per call: the default returns ``kernel`` itself when
        not reflected."""
        if not reflected:
            return kernel

        def swapped(x: Native, s: Any) -> Native:
            return kernel(s, x)

        return swapped

    def dtype_kernel(self, name: str, dtype: DType) -> Callable[..., Native]:
        """The element-wise primitive ``name`` as the public layer's per-dtype tables hold
        it for inputs of ``dtype`` (chosen once per dtype): the backend's
        ``<name>_complex`` for complex dtypes where it has one (see the module
        docstring), else the primitive.  A backend whose primitive checks the dtype on
        every call, for a fix only some dtypes need, overrides this to give the other
        dtypes the primitive without the check."""
        if dtype.kind == "c":
            special = getattr(self, f"{name}_complex", None)
            if special is not None:
                return special
        return getattr(self, name)

    # ----------------------------------------------------------------------------------
    # creation: ranges, fills, identity matrices, triangles

    @abc.abstractmethod
    def arange(self, start: float, stop: float, step: float, dtype: DType,
               device: Device | None) -> Native:
        """``n = max(0, ceil((stop - start) / step))`` values ``start + i * step`` (``n`` exact
        when all three are ints; ``step`` is non-zero and ``n`` may be 0), computed in
        int64 for integer ``dtype``, else in double precision (not by repeated addition),
        then cast to ``dtype``."""

    @abc.abstractmethod
    def full(self, shape: tuple[int, ...], fill_value: bool | int | float | complex,
             dtype: DType, device: Device | None) -> Native:
        """A tensor of ``shape`` filled with ``fill_value``, a Python scalar of ``dtype``'s
        kind (``bool``, ``int`` in range, ``float`` or ``complex``)."""

    @abc.abstractmethod
    def eye(self, n_rows: int, n_cols: int, k: int, dtype: DType,
            device: Device | None) -> Native:
        """Ones on the ``k``-th diagonal, zeros elsewhere (``-n_rows <= k <= n_cols``)."""

    @abc.abstractmethod
    def linspace(self, start: float, stop: float, num: int, endpoint: bool,
                 dtype: DType, device: Device | None) -> Native:
        """``num`` evenly spaced values of a real floating ``dtype``, computed in double
        precision and then cast, each operation rounded on its own (no fused multiply-add,
        so every backend gives the same bits): with ``steps = num + (not endpoint)`` and
        ``step = (stop - start) / (steps - 1)``, value ``i`` is ``start + step * i`` in the
        first half (``i < steps // 2``) and ``stop - step * (steps - 1 - i)`` in the
        second; the first ``num`` are returned (all ``start`` when ``steps <= 1``)."""

    @abc.abstractmethod
    def tril(self, x: Native, k: int) -> Native:
        """Zero the elements above the ``k``-th diagonal of the last two axes."""

    @abc.abstractmethod
    def triu(self, x: Native, k: int) -> Native:
        """Zero the elements below the ``k``-th diagonal of the last two axes."""

    # ----------------------------------------------------------------------------------
    # elementwise: one input.  Same dtype out as in unless stated.

    @abc.abstractmethod
    def abs(self, x: Native) -> Native:
        """``|x|``; for complex input the real dtype of matching precision.  Integers wrap
        (``abs(int8(-128)) == -128``)."""

    @abc.abstractmethod
    def negative(self, x: Native) -> Native:
        """``-x``; integers wrap.  Unsigned integers wrap modulo 2**bits."""

    @abc.abstractmethod
    def sign(self, x: Native) -> Native:
        """-1, 0 or 1 (NaN for NaN; ``x / |x|`` for complex, 0 at 0).  Unsigned: 0 or 1."""

    @abc.abstractmethod
    def signbit(self, x: Native) -> Native:
        """bool: the sign bit of a real floating ``x`` (true for -0.0 and -NaN)."""

    @abc.abstractmethod
    def sqrt(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def square(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def exp(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def expm1(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def log(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def log1p(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def log2(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def log10(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def sin(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def cos(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def tan(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def asin(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def acos(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def atan(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def sinh(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def cosh(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def tanh(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def asinh(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def acosh(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def atanh(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def erf(self, x: Native) -> Native:
        """The error function (real floating ``x``)."""

    @abc.abstractmethod
    def floor(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def ceil(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def trunc(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def round(self, x: Native) -> Native:
        """Round half to even (for complex, each part)."""

    @abc.abstractmethod
    def isnan(self, x: Native) -> Native:
        """bool; for complex, true if either part is NaN."""

    @abc.abstractmethod
    def isinf(self, x: Native) -> Native:
        """bool; for complex, true if either part is infinite."""

    @abc.abstractmethod
    def isfinite(self, x: Native) -> Native:
        """bool; for complex, true if both parts are finite."""

    @abc.abstractmethod
    def real(self, x: Native) -> Native:
        """The real part of complex ``x``, as the real dtype of matching precision."""

    @abc.abstractmethod
    def imag(self, x: Native) -> Native:
        """The imaginary part of complex ``x``, as the real dtype of matching precision."""

    @abc.abstractmethod
    def conj(self, x: Native) -> Native:
        """The complex conjugate of complex ``x``."""

    @abc.abstractmethod
    def complex(self, real: Native, imag: Native) -> Native:
        """The complex tensor ``real + imag * 1j`` from two float32 (complex64) or float64
        (complex128) tensors of one dtype and broadcastable shapes, part by part: an
        infinite or NaN part never leaks into the other (no multiplication by ``1j``)."""

    @abc.abstractmethod
    def logical_not(self, x: Native) -> Native:
        """bool in, bool out."""

    @abc.abstractmethod
    def bitwise_invert(self, x: Native) -> Native:
        """``~x`` for bool and integer ``x``."""

    @abc.abstractmethod
    def sigmoid(self, x: Native) -> Native:
        """``1 / (1 + exp(-x))``, accurate for large ``|x|``."""

    @abc.abstractmethod
    def relu(self, x: Native) -> Native:
        """``max(x, 0)``; its gradient at 0 is 0."""

    @abc.abstractmethod
    def gelu(self, x: Native, approximate: bool) -> Native:
        """``x * Phi(x)``; with ``approximate`` the tanh formula
        ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""

    @abc.abstractmethod
    def silu(self, x: Native) -> Native:
        """``x * sigmoid(x)``."""

    # ----------------------------------------------------------------------------------
    # elementwise: two inputs (same dtype, broadcasting).  Same dtype out unless stated.

    @abc.abstractmethod
    def add(self, x1: Native, x2: Native) -> Native:
        """``x1 + x2``; integers wrap on overflow."""

    @abc.abstractmethod
    def subtract(self, x1: Native, x2: Native) -> Native: ...

    @abc.abstractmethod
    def multiply(self, x1: Native, x2: Native) -> Native: ...

    @abc.abstractmethod
    def divide(self, x1: Native, x2: Native) -> Native:
        """True division of floating or complex tensors (IEEE 754: ``1/0 == inf``)."""

    @abc.abstractmethod
    def floor_divide(self, x1: Native, x2: Native) -> Native:
        """``floor(x1 / x2)``.  For integers ``x2`` never contains 0 (the public layer sees
        to that); for floats the result follows NumPy, including its special cases."""

    @abc.abstractmethod
    def remainder(self, x1: Native, x2: Native) -> Native:
        """``x1 - floor(x1 / x2) * x2``: the sign of ``x2``, as Python's ``%``.  For integers
        ``x2`` never contains 0; floats follow NumPy."""

    @abc.abstractmethod
    def pow(self, x1: Native, x2: Native) -> Native:
        """``x1 ** x2``.  For integers with a negative exponent the result is unspecified."""

    @abc.abstractmethod
    def maximum(self, x1: Native, x2: Native) -> Native:
        """Element-wise maximum; NaN in either input gives NaN."""

    @abc.abstractmethod
    def minimum(self, x1: Native, x2: Native) -> Native:
        """Element-wise minimum; NaN in either input gives NaN."""

    @abc.abstractmethod
    def atan2(self, x1: Native, x2: Native) -> Native: ...

    @abc.abstractmethod
    def hypot(self, x1: Native, x2: Native) -> Native: ...

    @abc.abstractmethod
    def copysign(self, x1: Native, x2: Native) -> Native: ...

    @abc.abstractmethod
    def logaddexp(self, x1: Native, x2: Native) -> Native:
        """``log(exp(x1) + exp(x2))`` without overflow."""

    @abc.abstractmethod
    def equal(self, x1: Native, x2: Native) -> Native:
        """bool."""

    @abc.abstractmethod
    def not_equal(self, x1: Native, x2: Native) -> Native:
        """bool."""

    @abc.abstractmethod
    def less(self, x1: Native, x2: Native) -> Native:
        """bool (real dtypes)."""

    @abc.abstractmethod
    def less_equal(self, x1: Native, x2: Native) -> Native:
        """bool (real dtypes)."""

    @abc.abstractmethod
    def greater(self, x1: Native, x2: Native) -> Native:
        """bool (real dtypes)."""

    @abc.abstractmethod
    def greater_equal(self, x1: Native, x2: Native) -> Native:
        """bool (real dtypes)."""

    @abc.abstractmethod
    def logical_and(self, x1: Native, x2: Native) -> Native:
        """bool in, bool out."""

    @abc.abstractmethod
    def logical_or(self, x1: Native, x2: Native) -> Native:
        """bool in, bool out."""

    @abc.abstractmethod
    def logical_xor(self, x1: Native, x2: Native) -> Native:
        """bool in, bool out."""

    @abc.abstractmethod
    def bitwise_and(self, x1: Native, x2: Native) -> Native:
        """bool or integer."""

    @abc.abstractmethod
    def bitwise_or(self, x1: Native, x2: Native) -> Native:
        """bool or integer."""

    @abc.abstractmethod
    def bitwise_xor(self, x1: Native, x2: Native) -> Native:
        """bool or integer."""

    @abc.abstractmethod
    def bitwise_left_shift(self, x1: Native, x2: Native) -> Native:
        """Integers; ``x2`` is non-negative; a shift by the bit width or more gives 0."""

    @abc.abstractmethod
    def bitwise_right_shift(self, x1: Native, x2: Native) -> Native:
        """Integers, arithmetic shift; ``x2`` is non-negative; a shift by the bit width or
        more gives 0 for non-negative ``x1`` and -1 for negative ``x1``."""

    @abc.abstractmethod
    def where(self, condition: Native, x1: Native, x2: Native) -> Native:
        """``x1`` where ``condition`` (bool) is true, else ``x2``; all three broadcast."""

    @abc.abstractmethod
    def clip(self, x: Native, min: Native | None, max: Native | None) -> Native:
        """``minimum(maximum(x, min), max)``, skipping a bound that is ``None``; bounds share
        ``x``'s dtype and broadcast to ``x``'s shape.  NaN in ``x`` stays NaN."""

    # ----------------------------------------------------------------------------------
    # reductions: over ``axes`` (non-empty).  float16 and bfloat16 inputs of sum, prod,
    # mean, var, cumsum, cumprod and logsumexp are accumulated in float32 and the result
    # rounded once to the half dtype.

    @abc.abstractmethod
    def sum(self, x: Native, axes: tuple[int, ...], keepdims: bool, dtype: DType) -> Native:
        """Sum, accumulated and returned in ``dtype`` (``x`` is cast first)."""

    @abc.abstractmethod
    def sum_all(self, x: Native) -> Native:
        """The sum of every element of a real floating ``x``: a 0-d tensor of its dtype
        (the full reduction's fast path; float16/bfloat16 accumulate in float32)."""

    @abc.abstractmethod
    def mean_all(self, x: Native) -> Native:
        """The mean of every element of a real floating ``x``, as :meth:`sum_all`."""

    def norms(self, xs: Sequence[Native], ord: float) -> list[Native]:
        """The vector ``ord``-norm of each tensor's elements (``ord`` 1, 2, another
        finite ``ord > 0``, or ``inf``: the largest magnitude), each a 0-d native of its
        tensor's real floating dtype; the tensors may differ in shape and dtype (not
        float16/bfloat16) and none is empty.  For gradient clipping.  The default
        reduces each tensor; a backend with multi-tensor kernels reduces them at once
        (``torch._foreach_norm``)."""
        out = []
        for x in xs:
            if ord == 2:
                out.append(self.sqrt(self.sum_all(self.multiply(x, x))))
            elif ord == 1:
                out.append(self.sum_all(self.abs(x)))
            elif ord == float("inf"):
                out.append(self.max(self.abs(x), tuple(range(self.ndim(x))), False))
            else:
                d = self.dtype_from_native[x.dtype]
                total = self.sum_all(self.pow(self.abs(x), self.scalar_operand(ord, d)))
                out.append(self.pow(total, self.scalar_operand(1.0 / ord, d)))
        return out

    def scale_all(self, xs: Sequence[Native], factor: Native) -> list[Native]:
        """Each tensor times the 0-d ``factor`` (of their one real floating dtype), as new
        tensors.  The default multiplies each; see :meth:`norms`."""
        return [self.multiply(x, factor) for x in xs]

    @abc.abstractmethod
    def prod(self, x: Native, axes: tuple[int, ...], keepdims: bool, dtype: DType) -> Native:
        """Product, accumulated and returned in ``dtype``."""

    @abc.abstractmethod
    def mean(self, x: Native, axes: tuple[int, ...], keepdims: bool) -> Native:
        """Arithmetic mean of floating or complex ``x``; NaN over zero elements.  For
        complex ``x`` the real and imaginary parts are averaged separately (dividing by a
        complex count would turn ``inf+0j`` into ``inf+nanj``)."""

    @abc.abstractmethod
    def var(self, x: Native, axes: tuple[int, ...], correction: float,
            keepdims: bool) -> Native:
        """``sum(|x - mean|^2) / max(N - correction, 0)`` for real floating ``x``; a zero
        divisor gives inf or NaN as IEEE division does."""

    @abc.abstractmethod
    def max(self, x: Native, axes: tuple[int, ...], keepdims: bool) -> Native:
        """Maximum of a real ``x`` with at least one element per reduction; NaN wins."""

    @abc.abstractmethod
    def min(self, x: Native, axes: tuple[int, ...], keepdims: bool) -> Native:
        """Minimum of a real ``x`` with at least one element per reduction; NaN wins."""

    @abc.abstractmethod
    def all(self, x: Native, axes: tuple[int, ...], keepdims: bool) -> Native:
        """Logical AND of bool ``x`` (true over zero elements)."""

    @abc.abstractmethod
    def any(self, x: Native, axes: tuple[int, ...], keepdims: bool) -> Native:
        """Logical OR of bool ``x`` (false over zero elements)."""

    @abc.abstractmethod
    def argmax(self, x: Native, axis: int, keepdims: bool) -> Native:
        """int64 index of the first maximal element along ``axis`` of a real ``x``; NaN
        counts as maximal (the first NaN wins)."""

    @abc.abstractmethod
    def argmin(self, x: Native, axis: int, keepdims: bool) -> Native:
        """int64 index of the first minimal element; NaN counts as minimal."""

    @abc.abstractmethod
    def cumsum(self, x: Native, axis: int, dtype: DType) -> Native:
        """Inclusive cumulative sum along ``axis``, accumulated and returned in ``dtype``."""

    @abc.abstractmethod
    def cumprod(self, x: Native, axis: int, dtype: DType) -> Native:
        """Inclusive cumulative product along ``axis`` in ``dtype``."""

    @abc.abstractmethod
    def logsumexp(self, x: Native, axes: tuple[int, ...], keepdims: bool) -> Native:
        """``log(sum(exp(x)))`` of real floating ``x``, stable for large values; -inf over
        zero elements or all -inf; +inf if any element is +inf."""

    # ----------------------------------------------------------------------------------
    # linalg: products, factorizations, solvers

    @abc.abstractmethod
    def matmul(self, x1: Native, x2: Native) -> Native:
        """NumPy ``matmul``: 1-D operands are promoted to matrices and the added axis
        removed; batch axes broadcast.  The public layer has checked the shapes."""

    @abc.abstractmethod
    def tensordot(self, x1: Native, x2: Native, axes1: tuple[int, ...],
                  axes2: tuple[int, ...]) -> Native:
        """Contract ``axes1`` of ``x1`` with ``axes2`` of ``x2`` (equal sizes, checked)."""

    @abc.abstractmethod
    def einsum(self, subscripts: str, *operands: Native) -> Native:
        """Einstein summation over operands of one dtype, in NumPy's notation, with an
        explicit output (``->``) and operand shapes that already agree: a letter has one
        size everywhere (the public layer has broadcast size-1 axes), ``...`` axes
        broadcast."""

    @abc.abstractmethod
    def linear(self, x: Native, weight: Native, bias: Native | None) -> Native:
        """``x @ weight.T + bias``, weight of shape ``(out, in)`` (PyTorch's layout)."""

    @abc.abstractmethod
    def diagonal(self, x: Native, offset: int) -> Native:
        """The ``offset``-th diagonals of the last two axes, as the last axis (empty when
        the offset lies outside the matrix)."""

    @abc.abstractmethod
    def cholesky(self, x: Native, upper: bool) -> Native:
        """Cholesky factor of Hermitian positive-definite matrices (last two axes), read
        from their lower triangle; ``upper`` gives the conjugate transpose of the lower
        factor.  A matrix that is not positive-definite gives a matrix of NaN (no error:
        that would need a host read)."""

    @abc.abstractmethod
    def det(self, x: Native) -> Native: ...

    @abc.abstractmethod
    def slogdet(self, x: Native) -> tuple[Native, Native]:
        """``(sign, log|det|)``, ``sign`` in ``x``'s dtype and ``log|det|`` real; for a
        singular matrix sign 0 and log|det| -inf."""

    @abc.abstractmethod
    def inv(self, x: Native) -> Native:
        """The inverse; raises ``numpy.linalg.LinAlgError`` (a neutral signal the public
        layer turns into unitorch's error) where the framework finds a matrix singular."""

    @abc.abstractmethod
    def solve(self, x1: Native, x2: Native) -> Native:
        """Solve ``x1 @ X = x2`` for ``X``; ``x2`` is a stack of matrices broadcasting
        against ``x1``'s batch axes.  Singular ``x1``: as :meth:`inv`."""

    @abc.abstractmethod
    def eigh(self, x: Native) -> tuple[Native, Native]:
        """``(eigenvalues ascending, eigenvectors as columns)`` of Hermitian matrices; the
        eigenvalues are real."""

    @abc.abstractmethod
    def qr(self, x: Native, mode: str) -> tuple[Native, Native]:
        """``(Q, R)``; ``mode`` is ``"reduced"`` or ``"complete"``."""

    @abc.abstractmethod
    def svd(self, x: Native, full_matrices: bool) -> tuple[Native, Native, Native]:
        """``(U, S, Vh)`` with singular values descending and real."""

    @abc.abstractmethod
    def svdvals(self, x: Native) -> Native:
        """Singular values, descending, real."""

    # ----------------------------------------------------------------------------------
    # fft: discrete Fourier transforms (``unitorch.fft`` composes the rest: padding and
    # trimming to the transform's length, hfft/ihfft, frequencies, shifts).  ``axes`` is
    # a non-empty tuple of unique non-negative axes in the caller's order (its last entry
    # is the halved axis of rfft/irfft) whose sizes are known and at least 1.  ``norm``
    # is the Array API's: ``"backward"`` scales the forward transform by 1 and the
    # inverse by ``1/n``, ``"ortho"`` both by ``1/sqrt(n)``, ``"forward"`` the forward by
    # ``1/n`` and the inverse by 1, ``n`` being the product of the transformed sizes of
    # the signal (the output of :meth:`irfft`).  The scale multiplies the real and
    # imaginary parts, never as a complex product (which would turn ``inf+0j`` into
    # ``inf+nanj``).

    @abc.abstractmethod
    def fft(self, x: Native, axes: tuple[int, ...], inverse: bool, norm: str) -> Native:
        """The discrete Fourier transform of complex64 or complex128 ``x`` over ``axes``
        (``exp(-2j pi j k / n)``; ``inverse``: ``exp(+2j pi j k / n)``); same shape and
        dtype."""

    @abc.abstractmethod
    def rfft(self, x: Native, axes: tuple[int, ...], norm: str) -> Native:
        """The forward transform of float32 or float64 ``x`` over ``axes``, keeping the
        ``size // 2 + 1`` non-negative frequencies of the last axis in ``axes``; the
        complex dtype of matching precision (float64 gives complex128)."""

    @abc.abstractmethod
    def irfft(self, x: Native, axes: tuple[int, ...], n: int, norm: str) -> Native:
        """The inverse of :meth:`rfft` for complex64 or complex128 ``x`` whose last axis in
        ``axes`` holds the ``n // 2 + 1`` non-negative frequencies of a signal of length
        ``n`` (``n >= 1``); the real dtype of matching precision, that axis of size ``n``.
        The signal is taken to be Hermitian: the imaginary parts of the zero-frequency
        term (and, for even ``n``, of the last one) are ignored along that axis."""

    # ----------------------------------------------------------------------------------
    # manipulation: reshaping, joining, flipping, padding

    @abc.abstractmethod
    def reshape(self, x: Native, shape: tuple[int, ...]) -> Native:
        """``x`` with ``shape`` (same element count; ``-1`` appears only while tracing with
        unknown dimensions).  Row-major order."""

    @abc.abstractmethod
    def permute_dims(self, x: Native, axes: tuple[int, ...]) -> Native:
        """Axes reordered: output axis ``i`` is input axis ``axes[i]``."""

    @abc.abstractmethod
    def broadcast_to(self, x: Native, shape: tuple[int, ...]) -> Native:
        """``x`` broadcast to ``shape`` (checked compatible)."""

    @abc.abstractmethod
    def concat(self, xs: Sequence[Native], axis: int) -> Native:
        """Join along an existing axis; all of one dtype and matching shapes elsewhere."""

    @abc.abstractmethod
    def stack(self, xs: Sequence[Native], axis: int) -> Native:
        """Join along a new axis at ``axis``; equal shapes and one dtype."""

    def split(self, x: Native, sizes: tuple[int, ...], axis: int) -> list[Native]:
        """``x`` cut along ``axis`` into consecutive pieces of ``sizes`` (non-negative,
        adding up to the axis's size).  The default slices; a backend with a split
        kernel overrides it (its gradient is one concatenation, where the gradients of
        slices each fill a tensor of ``x``'s size)."""
        out, start = [], 0
        lead = (slice(None),) * axis
        for n in sizes:
            out.append(self.getitem(x, (*lead, slice(start, start + n))))
            start += n
        return out

    def unstack(self, x: Native, axis: int) -> list[Native]:
        """``x`` cut along ``axis`` (of known size) into its slices, that axis removed.
        The default indexes; see :meth:`split`."""
        lead = (slice(None),) * axis
        return [self.getitem(x, (*lead, i)) for i in range(self.shape(x)[axis])]

    @abc.abstractmethod
    def flip(self, x: Native, axes: tuple[int, ...]) -> Native: ...

    @abc.abstractmethod
    def roll(self, x: Native, shifts: tuple[int, ...], axes: tuple[int, ...]) -> Native:
        """Shift elements along each axis, wrapping around; ``axes`` may repeat."""

    @abc.abstractmethod
    def tile(self, x: Native, reps: tuple[int, ...]) -> Native:
        """Repeat the whole tensor; ``len(reps) == ndim``."""

    @abc.abstractmethod
    def repeat(self, x: Native, repeats: int | Native, axis: int) -> Native:
        """Repeat each element along ``axis``; ``repeats`` an int or a 1-D int64 tensor with
        one non-negative count per element along ``axis``."""

    @abc.abstractmethod
    def pad(self, x: Native, pads: Pads, value: bool | int | float | complex) -> Native:
        """Pad each axis by ``pads[axis] = (before, after)`` (non-negative) elements equal
        to ``value``.  The other modes (reflect, edge, wrap) are composed from ``take`` by
        the public layer."""

    # ----------------------------------------------------------------------------------
    # indexing: getitem/setitem, take, searching, sorting, sets

    @abc.abstractmethod
    def getitem(self, x: Native, key: tuple[Any, ...]) -> Native:
        """NumPy indexing with a normalized key, one entry per axis of ``x`` plus ``None``s:
        ``int`` (in range, non-negative), ``slice`` (step non-zero; along an axis of known
        size its bounds are unambiguous: ``start`` non-negative, ``stop`` non-negative or,
        for a negative step through index 0, ``None``), ``None`` (new axis) or a native
        int64 tensor (in range, non-negative).  Integer tensors broadcast together; when
        they are separated by a slice or ``None``, their axes come first (NumPy's rule),
        otherwise they replace the indexed axes in place.  When the key has tensors, its
        ints count as 0-d index tensors, as in NumPy."""

    @staticmethod
    def basic_getitem(x: Native, key: Any) -> Native:
        """``x[key]`` as the framework indexes, for a key of ints, slices of ints,
        ``None`` and at most one ``...`` (a tuple or one entry), not normalized: the
        public layer's fast path, which falls back to :meth:`getitem` wherever this
        raises.  Override it where the framework's own ``__getitem__`` is slow."""
        return x[key]

    @abc.abstractmethod
    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        """Write ``value`` (``x``'s dtype, broadcastable to the indexed shape) into the
        positions ``getitem(x, key)`` reads; returns the native holding the result: ``x``
        itself, updated in place, where the framework allows that (a ``torch.Tensor``, a
        ``tf.Variable``), otherwise a new tensor (also for a torch tensor whose elements
        share memory, as ``broadcast_to`` makes).  With repeated integer indices, which
        write wins is unspecified (scatter kernels do not promise an order)."""

    @abc.abstractmethod
    def take(self, x: Native, indices: Native, axis: int) -> Native:
        """Select along ``axis`` by an int64 tensor of in-range, non-negative indices; the
        indexed axis is replaced by ``indices``' axes."""

    @abc.abstractmethod
    def take_along_axis(self, x: Native, indices: Native, axis: int) -> Native:
        """``numpy.take_along_axis`` with in-range, non-negative int64 indices of
        ``x``'s rank (other axes broadcast)."""

    @abc.abstractmethod
    def nonzero(self, x: Native) -> tuple[Native, ...]:
        """int64 indices of the non-zero (true) elements, one tensor per axis, in
        row-major order."""

    @abc.abstractmethod
    def sort(self, x: Native, axis: int, descending: bool, stable: bool) -> Native:
        """Sorted along ``axis`` (bool or real ``x``, at least 1-D); NaN sorts above +inf
        (last ascending, first descending), -0.0 equals 0.0.  ``stable`` keeps equal
        elements in their input order (also when ``descending``)."""

    @abc.abstractmethod
    def argsort(self, x: Native, axis: int, descending: bool, stable: bool) -> Native:
        """int64 indices that sort ``x`` as :meth:`sort` does; with ``stable`` equal
        elements keep their input order (also when ``descending``)."""

    @abc.abstractmethod
    def topk(self, x: Native, k: int, axis: int, largest: bool) -> tuple[Native, Native]:
        """The ``k`` (``0 <= k <= size``) largest (or smallest) elements along ``axis``,
        sorted as :meth:`sort` orders them (NaN largest), and their int64 indices; among
        equal elements the lower index comes first."""

    def sort_key(self, x: Native) -> Native:
        """An integer native (``x`` itself for integers) that orders as ``x`` does in
        :meth:`sort`: NaN above +inf with every NaN equal, -0.0 equal to 0.0, False below
        True.  For the kernels whose comparisons misplace NaN (``searchsorted`` on both
        frameworks, every sort on TensorFlow): composed from primitives, once for every
        backend."""
        d = self.dtype_from_native[x.dtype]
        if d.kind == "b":
            return self.cast(x, _dt.uint8)
        if d.kind != "f":
            return x
        bits_dtype = _INT_OF_FLOAT[d]
        info, dev = np.iinfo(bits_dtype.numpy), self.device(x)
        bits = self.bitcast(x, bits_dtype)
        zero = self.full((), 0, bits_dtype, dev)
        lowest, highest = (self.full((), int(v), bits_dtype, dev) for v in (info.min, info.max))
        # The bits of non-negative floats order as the floats do.  A negative float's bits
        # are INT_MIN + m for its magnitude m: INT_MIN - bits = -m orders them, and maps
        # -0.0 to 0, the key of 0.0.  Every NaN gets INT_MAX, above +inf's key.
        key = self.where(self.less(bits, zero), self.subtract(lowest, bits), bits)
        return self.where(self.isnan(x), highest, key)

    @abc.abstractmethod
    def searchsorted(self, sorted_sequence: Native, values: Native, right: bool) -> Native:
        """int64 insertion points of ``values`` (any shape; the result has it) into the
        1-D ``sorted_sequence``, sorted ascending as :meth:`sort` orders (NaN last), both
        bool or real of one dtype: left, the number of elements ordered before the value;
        right, also counting those equal to it.  A NaN value goes before the first NaN
        (left) or at the end (right), as in NumPy."""

    @abc.abstractmethod
    def unique(self, x: Native) -> tuple[Native, Native, Native, Native]:
        """The unique elements of bool, real or complex ``x`` of any shape, flattened
        row-major: ``(values, first_index, inverse, counts)``, values 1-D and ascending as
        :meth:`sort` orders them (complex: by real part, then imaginary part, each as
        :meth:`sort` orders reals; a complex value with a NaN part counts as NaN); -0.0
        equals 0.0; each NaN is distinct (count 1), the NaNs last in input order.
        ``values == flat[first_index]`` (the first occurrence)
        and ``x == values[inverse]``, ``inverse`` of ``x``'s shape (also when it is
        unknown while tracing).  Index tensors are int64."""

    # ----------------------------------------------------------------------------------
    # nn: neural-network kernels (NCHW layouts on every backend)

    @abc.abstractmethod
    def softmax(self, x: Native, axis: int) -> Native:
        """``exp(x - max) / sum(exp(x - max))`` along ``axis`` of real floating ``x``
        (at least 1-D); float16/bfloat16 computed in float32.  A slice that holds +inf,
        or only -inf, gives NaN throughout; -inf elements of other slices give 0."""

    @abc.abstractmethod
    def log_softmax(self, x: Native, axis: int) -> Native:
        """``x - max - log(sum(exp(x - max)))`` along ``axis``, as :meth:`softmax`; -inf
        elements of ordinary slices give -inf."""

    @abc.abstractmethod
    def cross_entropy(self, x: Native, target: Native, ignore_index: int | None,
                      reduction: str) -> Native:
        """Cross-entropy of logits ``x`` (N, C), float32 or float64, with class indices
        ``target`` (N,), int64, each in ``[0, C)`` or equal to ``ignore_index``
        (``None``: no target is ignored): ``l_n = -log_softmax(x, 1)[n, target[n]]``,
        0 where ignored.  ``reduction``: ``"none"`` gives ``l`` (N,); ``"sum"`` its sum;
        ``"mean"`` the sum divided by the number of targets not ignored (NaN when that
        is 0).  One fused kernel where the framework has it (its gradient is
        ``softmax(x) - onehot(target)``, scaled); differentiable twice in ``x``.  Out of
        range targets (only possible while tracing, when the public layer cannot read
        them) get the framework's own behaviour."""

    def binary_cross_entropy_with_logits(self, x: Native, target: Native,
                                         weight: Native | None, pos_weight: Native | None,
                                         reduction: str) -> Native:
        """Binary cross-entropy of logits ``x`` (float32 or float64) against ``target``
        (``x``'s shape and dtype), each element ``w [(1 - y) x + (1 + (pw - 1) y)
        softplus(-x)]`` with ``w = weight`` and ``pw = pos_weight`` (broadcasting to
        ``x``; ``None``: 1); ``reduction`` ``"none"``, ``"sum"`` or ``"mean"`` (a 0-d
        ``x`` is returned unreduced).  Its gradient in ``x`` is ``w ((1 + (pw - 1) y)
        sigmoid(x) - pw y)``, also at ``x = 0``.  The default composes the stable form
        ``softplus(-x) = max(-x, 0) + log1p(exp(-|x|))`` (both pieces taking their
        right-hand derivative at 0, where their kinks cancel); a backend may use its
        framework's fused kernel for the same formula."""
        d = self.dtype_from_native[x.dtype]
        dev = self.device(x)
        zero, one = self.full((), 0, d, dev), self.full((), 1, d, dev)
        negative = self.less(x, zero)
        neg_x = self.negative(x)
        softplus_neg = self.add(self.where(negative, neg_x, zero),
                                self.log1p(self.exp(self.where(negative, x, neg_x))))
        if pos_weight is not None:
            scale = self.add(one, self.multiply(self.subtract(pos_weight, one), target))
            softplus_neg = self.multiply(scale, softplus_neg)
        loss = self.add(self.multiply(self.subtract(one, target), x), softplus_neg)
        if weight is not None:
            loss = self.multiply(loss, weight)
        if reduction == "none" or self.ndim(loss) == 0:
            return loss
        return self.mean_all(loss) if reduction == "mean" else self.sum_all(loss)

    def layer_norm(self, x: Native, shape: tuple[int, ...], weight: Native | None,
                   bias: Native | None, eps: float) -> Native:
        """``(x - mean) / sqrt(var + eps) * weight + bias`` over the trailing axes of
        ``shape`` (``x``'s last dimensions), with the biased variance ``mean((x -
        mean)^2)``; ``x`` float32 or float64, ``weight`` and ``bias`` (or ``None``) of
        ``shape`` and ``x``'s dtype.  The default composes means; a backend may use its
        framework's fused kernel (one pass forward and backward)."""
        n = self.ndim(x)
        axes = tuple(range(n - len(shape), n))
        xc = self.subtract(x, self.mean(x, axes, True))
        var = self.mean(self.square(xc), axes, True)
        d = self.dtype_from_native[x.dtype]
        y = self.divide(xc, self.sqrt(self.add(var, self.scalar_operand(eps, d))))
        if weight is not None:
            y = self.multiply(y, weight)
        if bias is not None:
            y = self.add(y, bias)
        return y

    @abc.abstractmethod
    def conv2d(self, x: Native, weight: Native, bias: Native | None, stride: tuple[int, int],
               padding: tuple[tuple[int, int], tuple[int, int]], dilation: tuple[int, int],
               groups: int) -> Native:
        """2-D cross-correlation: ``x`` is (N, C_in, H, W), ``weight`` (C_out, C_in/groups,
        kH, kW), result (N, C_out, H', W'); ``padding`` is ((top, bottom), (left, right))
        of zeros."""

    @abc.abstractmethod
    def conv3d(self, x: Native, weight: Native, bias: Native | None,
               stride: tuple[int, int, int], padding: tuple[tuple[int, int], ...],
               dilation: tuple[int, int, int], groups: int) -> Native:
        """3-D cross-correlation: ``x`` is (N, C_in, D, H, W), ``weight`` (C_out,
        C_in/groups, kD, kH, kW), result (N, C_out, D', H', W'); ``padding`` is one
        ``(before, after)`` pair of zeros per spatial axis."""

    @abc.abstractmethod
    def conv_transpose2d(self, x: Native, weight: Native, bias: Native | None,
                         stride: tuple[int, int], padding: tuple[int, int],
                         output_padding: tuple[int, int], dilation: tuple[int, int],
                         groups: int) -> Native:
        """The transpose of :meth:`conv2d` (its gradient with respect to its input; a
        "deconvolution"): ``x`` is (N, C_in, H, W), ``weight`` (C_in, C_out/groups, kH,
        kW), result (N, C_out, H', W') with ``H' = (H - 1) stride - 2 padding + dilation
        (kH - 1) + output_padding + 1``: the full transposed convolution with ``padding``
        rows removed from the top and bottom and ``output_padding`` rows added at the
        bottom (likewise columns; ``output_padding < max(stride, dilation)`` and the
        result is not empty: the public layer checks)."""

    @abc.abstractmethod
    def max_pool2d(self, x: Native, kernel: tuple[int, int], stride: tuple[int, int],
                   padding: tuple[tuple[int, int], tuple[int, int]]) -> Native:
        """Max over windows of (N, C, H, W); a NaN in a window wins (as in :meth:`max`);
        padded positions never win (the public layer sees that every window holds at least
        one element of ``x``)."""

    @abc.abstractmethod
    def avg_pool2d(self, x: Native, kernel: tuple[int, int], stride: tuple[int, int],
                   padding: tuple[tuple[int, int], tuple[int, int]],
                   count_include_pad: bool) -> Native:
        """Mean over windows of (N, C, H, W); padded zeros count in the divisor when
        ``count_include_pad``, else the divisor is the number of real elements."""

    # ----------------------------------------------------------------------------------
    # rnn: recurrent layers (Elman RNN, LSTM, GRU) over whole sequences, and one step of
    # them (the cells).  ``mode`` is ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or
    # ``"GRU"``; the formulas, gate order (LSTM ``i, f, g, o``; GRU ``r, z, n``) and
    # weight layouts are PyTorch's (``unitorch/nn/recurrent.py`` states them), and the
    # defaults below are their one home.  A backend overrides them with its framework's
    # fused kernels, which must compute the same formulas.  Tensors share one real
    # floating dtype; the batch axis is present (the public layer adds it).

    def rnn(self, mode: str, x: Native, states: tuple[Native, ...],
            weights: Sequence[Native], num_layers: int, bidirectional: bool,
            lengths: Native | None, mask: Native | None
            ) -> tuple[Native, tuple[Native, ...]]:
        """``num_layers`` stacked layers (each bidirectional, or not) over time-major ``x``
        (T, B, I), T >= 1.  ``states``: ``(h_0,)``, or ``(h_0, c_0)`` for an LSTM, each
        (num_layers * D, B, H) (D = 2 if ``bidirectional`` else 1).  ``weights``: per
        layer, per direction (forward first), ``w_ih`` (G*H, I_l), ``w_hh`` (G*H, H) and,
        when every layer has biases, ``b_ih`` and ``b_hh`` (G*H,), with G the number of
        gates (1, 4, 3); ``I_l`` is I for the first layer, D*H after.  Every layer reads
        the previous layer's output (no dropout here).

        Variable lengths: ``lengths`` (B,) int64, each in [1, T], or ``mask`` (T, B, 1)
        bool, True at real steps (any pattern); never both.  A step that is not real
        leaves the state unchanged and outputs zeros; the backward direction starts at
        each sequence's last real step.  Returns ``(output, final states)``: output
        (T, B, D*H) (the directions concatenated), final states shaped as ``states``.
        The default runs the cell formulas one step at a time (the input projections
        of all steps as one matmul per layer and direction)."""
        n_states = len(states)
        per = len(weights) // (num_layers * (2 if bidirectional else 1))
        steps = self.shape(x)[0]
        masks = None if mask is None else [self.getitem(mask, (t, slice(None), slice(None)))
                                           for t in range(steps)]
        if lengths is not None:  # as a mask: the same semantics
            times = self.arange(0, steps, 1, _dt.int64, self.device(x))
            real = self.less(self.reshape(times, (steps, 1)), self.reshape(lengths, (1, -1)))
            masks = [self.getitem(real, (t, slice(None), None)) for t in range(steps)]
        finals: list[list[Native]] = [[] for _ in range(n_states)]
        hidden = self.shape(states[0])[-1]
        zero = self.full((1, hidden), 0, self.dtype_from_native[x.dtype], self.device(x))
        k = 0
        for _layer in range(num_layers):
            outs = []
            for direction in range(2 if bidirectional else 1):
                w = [*weights[k * per:(k + 1) * per], None, None]
                xw = self.linear(x, w[0], w[2])  # every step's input projection
                state = tuple(self.getitem(s, (k, slice(None), slice(None))) for s in states)
                seq: list[Native] = [None] * steps
                order = range(steps - 1, -1, -1) if direction else range(steps)
                for t in order:
                    new = self._rnn_step(mode, self.getitem(xw, (t, slice(None), slice(None))),
                                         state, w[1], w[3])
                    if masks is not None:
                        new = tuple(self.where(masks[t], a, b) for a, b in zip(new, state))
                        seq[t] = self.where(masks[t], new[0], zero)
                    else:
                        seq[t] = new[0]
                    state = new
                outs.append(self.stack(seq, 0))
                for i in range(n_states):
                    finals[i].append(state[i])
                k += 1
            x = outs[0] if len(outs) == 1 else self.concat(outs, 2)
        return x, tuple(self.stack(f, 0) for f in finals)

    def rnn_cell(self, mode: str, x: Native, state: tuple[Native, ...], w_ih: Native,
                 w_hh: Native, b_ih: Native | None, b_hh: Native | None
                 ) -> tuple[Native, ...]:
        """One step: ``x`` (B, I), ``state`` ``(h,)`` or ``(h, c)`` each (B, H), weights
        as in :meth:`rnn` (the biases both given or both ``None``); returns the new
        state, ``(h',)`` or ``(h', c')``."""
        return self._rnn_step(mode, self.linear(x, w_ih, b_ih), state, w_hh, b_hh)

    def _rnn_step(self, mode: str, xw: Native, state: tuple[Native, ...], w_hh: Native,
                  b_hh: Native | None) -> tuple[Native, ...]:
        """The cell formulas from the input projection ``xw = x W_ih^T + b_ih``."""
        h = state[0]
        n = self.shape(h)[-1]
        hw = self.linear(h, w_hh, b_hh)

        def part(t: Native, i: int, j: int) -> Native:  # gates i..j-1 of the last axis
            return self.getitem(t, (slice(None), slice(i * n, j * n)))

        if mode == "RNN_TANH":
            return (self.tanh(self.add(xw, hw)),)
        if mode == "RNN_RELU":
            return (self.relu(self.add(xw, hw)),)
        if mode == "LSTM":
            gates = self.add(xw, hw)
            s = self.sigmoid(gates)  # i, f and o; the g quarter is tanh
            c = self.add(self.multiply(part(s, 1, 2), state[1]),
                         self.multiply(part(s, 0, 1), self.tanh(part(gates, 2, 3))))
            return self.multiply(part(s, 3, 4), self.tanh(c)), c
        rz = self.sigmoid(self.add(part(xw, 0, 2), part(hw, 0, 2)))  # GRU
        new = self.tanh(self.add(part(xw, 2, 3), self.multiply(part(rz, 0, 1), part(hw, 2, 3))))
        return (self.add(new, self.multiply(part(rz, 1, 2), self.subtract(h, new))),)

    # ----------------------------------------------------------------------------------
    # random: random numbers (the framework's own fast generators; the portable mode of
    # ``unitorch.random`` draws on the host with NumPy and uses ``host_values``)

    @abc.abstractmethod
    def rng(self, seed: int, device: Device | None) -> Any:
        """A new native random generator for ``device``, seeded with ``seed``; it must keep
        working inside compiled functions (its state advances on every run)."""

    @abc.abstractmethod
    def reseed(self, rng: Any, seed: int) -> None:
        """Reset generator ``rng`` to the state :meth:`rng` gives for ``seed``, in place (a
        compiled function that captured it sees the new state)."""

    @abc.abstractmethod
    def random_uniform(self, rng: Any, shape: tuple[int, ...], dtype: DType,
                       device: Device | None) -> Native:
        """Uniform samples in ``[0, 1)`` of a real floating ``dtype``."""

    @abc.abstractmethod
    def random_normal(self, rng: Any, shape: tuple[int, ...], dtype: DType,
                      device: Device | None) -> Native:
        """Standard normal samples of a real floating ``dtype``."""

    @abc.abstractmethod
    def random_integers(self, rng: Any, low: int, high: int, shape: tuple[int, ...],
                        dtype: DType, device: Device | None) -> Native:
        """Uniform integers in ``[low, high)`` of an integer ``dtype``."""

    @abc.abstractmethod
    def random_permutation(self, rng: Any, n: int, device: Device | None) -> Native:
        """A uniformly random permutation of ``range(n)``, int64."""

    def dropout(self, x: Native, u: Native, p: float) -> Native:
        """``x`` (real floating, float32 or wider) with each element zeroed with
        probability ``p`` (0 < p < 1) and the others multiplied by ``1 / (1 - p)``:
        element ``i`` is kept when ``u_i >= p``, ``u`` holding float32 uniform draws in
        [0, 1) of ``x``'s shape; ``x * mask`` first, then the scale, so a NaN stays NaN
        and kept values are ``x * (1 / (1 - p))`` rounded once.  Differentiable in
        ``x``.  The default composes :meth:`greater_equal`, :meth:`cast` and two
        :meth:`multiply`; a backend may fuse them (one product recorded for the
        gradient, not two)."""
        d = self.dtype_from_native[x.dtype]
        keep = self.cast(self.greater_equal(u, self.scalar_operand(p, _dt.float32)), d)
        return self.multiply(self.multiply(x, keep),
                             self.scalar_operand(1.0 / (1.0 - p), d))

    @abc.abstractmethod
    def host_values(self, produce: Callable[[], np.ndarray], shape: tuple[int, ...],
                    dtype: DType, device: Device | None) -> Native:
        """A tensor holding ``produce()`` (a NumPy array of ``shape`` and ``dtype``), called
        anew each time the computation runs, also inside a compiled function."""

    # ----------------------------------------------------------------------------------
    # autograd: each framework's own (torch.autograd, tf.GradientTape), never home-made

    @abc.abstractmethod
    def requires_grad(self, x: Native) -> bool:
        """Whether gradients flow to ``x``: a leaf marked as requiring them, or a result
        computed from one while recording."""

    @abc.abstractmethod
    def set_requires_grad(self, x: Native, flag: bool) -> Native:
        """``x`` as a leaf that requires gradients (or not); returns the native to keep
        using, which may be a new object (TensorFlow watches variables, so a tensor that
        requires gradients becomes a trainable ``tf.Variable``).  A leaf that requires
        gradients is recorded by :meth:`backward` from now on, in this thread."""

    @abc.abstractmethod
    def variable(self, x: Native, trainable: bool) -> Native:
        """A mutable native holding ``x``'s values, for parameters and buffers: it can be
        updated in place by :meth:`assign`, also inside compiled functions (PyTorch: ``x``
        detached, sharing its memory, with ``requires_grad=trainable``; TensorFlow: a
        ``tf.Variable``)."""

    @abc.abstractmethod
    def detach(self, x: Native) -> Native:
        """``x``'s values, cut from the recorded computation."""

    @abc.abstractmethod
    def no_grad(self) -> Any:
        """A context manager inside which nothing is recorded by any tape."""

    @abc.abstractmethod
    def enable_grad(self) -> Any:
        """A context manager that turns recording back on inside ``no_grad``."""

    @abc.abstractmethod
    def tape(self, persistent: bool, watch_accessed_variables: bool) -> GradTape:
        """A new, not yet entered, gradient recorder (see :class:`GradTape`)."""

    @abc.abstractmethod
    def backward(self, target: Native, output_gradient: Native | None,
                 create_graph: bool, retain_graph: bool) -> None:
        """The imperative style: add ``d target / d leaf`` (times ``output_gradient``, which
        is required for a non-scalar ``target``) to the gradient of every leaf requiring
        gradients that ``target`` depends on (see :meth:`get_grad`).  Unless
        ``retain_graph``, what was recorded may be freed afterwards (PyTorch frees the
        graph of ``target``; TensorFlow's ambient tape drops everything recorded so far).
        A second call through a freed computation raises ``RuntimeError`` with
        ``unitorch.errors.BACKWARD_FREED``."""

    def backward_refused(self, x: Native) -> str | None:
        """Why :meth:`backward` cannot differentiate ``x``, a result that does not
        require gradients (:meth:`requires_grad` is false), where the backend knows more
        than "none of its inputs required gradients": its recorded computation was freed
        by an earlier :meth:`backward` (``unitorch.errors.BACKWARD_FREED``), or nothing
        is recorded in this thread.  ``None`` otherwise (the default)."""
        return None

    @abc.abstractmethod
    def custom_gradient(self, forward: Callable[[list[Native]], tuple[list[Native],
                                                                     list[Native]]],
                        backward: Callable[[list[Native], list[Native]],
                                           list[Native | None]],
                        inputs: list[Native]) -> list[Native]:
        """The outputs of ``forward(inputs)``, recorded as one operation whose gradient is
        ``backward``: ``forward`` gets the inputs (values, not recorded) and returns
        ``(outputs, saved)``, ``saved`` a list of natives kept for the backward pass;
        ``backward(saved, output_gradients)`` gets one gradient per output (zeros for
        an output the target does not depend on) and returns one gradient per input
        (``None``: zero), of the input's shape and dtype.  Inputs may be mutable natives
        (parameters).  Higher-order gradients differentiate through ``backward``'s own
        operations.  Works while tracing a compiled function."""

    @abc.abstractmethod
    def get_grad(self, x: Native) -> Native | None:
        """The gradient accumulated on leaf ``x`` by :meth:`backward`, or ``None``."""

    @abc.abstractmethod
    def set_grad(self, x: Native, grad: Native | None) -> None:
        """Replace (or clear, with ``None``) the accumulated gradient of leaf ``x``."""

    # PyTorch's autograd vocabulary (``Tensor.is_leaf``, ``grad_fn``, ``retain_grad``,
    # ``register_hook``, ``.data``, ``torch.autograd.Function``), with PyTorch's rules on
    # every backend.  A *leaf* is a tensor that does not require gradients or one marked
    # as requiring them (a Parameter); every other tensor that requires gradients was
    # computed while recording, from a leaf.

    @abc.abstractmethod
    def imperative_gradient(self, targets: Sequence[Native], sources: Sequence[Native],
                            output_gradients: Sequence[Native | None], retain_graph: bool,
                            create_graph: bool) -> list[Native | None]:
        """PyTorch's ``torch.autograd.grad``: the gradients of the sum of ``targets``
        (each weighted by its output gradient; ``None`` for a one-element target) with
        respect to ``sources`` (leaves or recorded results), returned instead of
        accumulated; ``None`` for a source the targets do not depend on.  What was
        recorded is freed afterwards unless ``retain_graph``, as :meth:`backward` does."""

    @abc.abstractmethod
    def is_leaf(self, x: Native) -> bool:
        """Whether ``x`` is a leaf (see above)."""

    @abc.abstractmethod
    def grad_fn(self, x: Native) -> Any:
        """``None`` for a leaf; for a recorded result, an object standing for the
        operation that made it (PyTorch's node; on a framework without nodes, a marker)."""

    @abc.abstractmethod
    def is_grad_enabled(self) -> bool:
        """Whether operations are recorded now in this thread (false inside ``no_grad``)."""

    @abc.abstractmethod
    def set_grad_enabled(self, flag: bool) -> None:
        """Turn recording on or off in this thread until changed again (PyTorch's
        ``torch.set_grad_enabled(False)`` called as a function)."""

    @abc.abstractmethod
    def retain_grad(self, x: Native) -> None:
        """Make :meth:`backward` store the gradient of non-leaf ``x`` too (read it with
        :meth:`get_grad`); ``x`` requires gradients."""

    @abc.abstractmethod
    def register_hook(self, x: Native, hook: Callable[[Native], Native | None]
                      ) -> tuple[Native, Callable[[], None]]:
        """Call ``hook(grad)`` with each gradient computed for ``x`` (a tensor that
        requires gradients) before it is used; a returned native replaces the gradient.
        Returns ``(native, remove)``: the native to keep using for ``x`` (a framework
        whose graph cannot be changed after the fact routes later uses of a non-leaf
        through an identity whose gradient calls the hook), and a function that removes
        the hook."""

    @abc.abstractmethod
    def data_alias(self, x: Native) -> Native:
        """PyTorch's ``x.data``: the same memory as ``x`` (writes to one are seen by the
        other), not requiring gradients and recording nothing; where ``x`` is immutable,
        its value."""

    @abc.abstractmethod
    def set_data(self, x: Native, value: Native) -> Native:
        """PyTorch's ``x.data = value``: ``x`` now holds ``value`` (any shape, ``x``'s
        dtype), staying a leaf that requires gradients if it was one; returns the native
        to keep using (``x`` itself where it could be changed in place)."""

    # ----------------------------------------------------------------------------------
    # optim: what ``unitorch.optim`` needs to update parameters.  Each optimizer's rule is
    # written once, in ``unitorch/optim/<name>.py``, with this contract's primitives (so
    # a backend needs no optimizer code: the rule runs through :meth:`run_update`); a
    # backend may add a fused kernel for a rule (``<name>_update``), which must compute
    # that same rule.
    #
    # Lists are parallel: ``params`` are mutable natives (leaf torch tensors,
    # ``tf.Variable``s) of real floating dtypes, ``grads`` natives of the same shapes and
    # dtypes, the state lists natives made by :meth:`state_variable` (same shape, dtype
    # and device as the parameter), and ``steps`` the parameters' 0-d float32 step
    # counters (also made by :meth:`state_variable`, on the CPU), which an update
    # increments before using.  ``hyper`` maps names to holders made by
    # :meth:`hyperparameter`; updates read them each time they run, also inside compiled
    # functions, so a scheduler's new learning rate reaches a compiled training step.

    @abc.abstractmethod
    def hyperparameter(self, value: float) -> Any:
        """A holder of a float hyperparameter for the update rules: an object whose
        ``value`` attribute is the Python float, also kept where compiled functions read
        it at run time without being recompiled (PyTorch: a 0-d float64 tensor, since
        ``torch.compile`` specialises on Python floats; TensorFlow: a float64
        ``tf.Variable``).  Created eagerly, also while tracing."""

    @abc.abstractmethod
    def set_hyperparameter(self, holder: Any, value: float) -> None:
        """Give ``holder`` a new value, seen by the next run of any update (eager or
        compiled) that reads it.  Called eagerly."""

    @abc.abstractmethod
    def hyperparameter_value(self, holder: Any) -> Native:
        """The holder's current value as a 0-d float64 native, read when the computation
        runs (each run of a compiled function reads it anew)."""

    @abc.abstractmethod
    def state_variable(self, shape: tuple[int, ...], fill_value: float, dtype: DType,
                       device: Device | None) -> Native:
        """A new mutable native (see :meth:`variable`) of ``shape`` and ``dtype`` filled
        with ``fill_value``, not requiring gradients, for optimizer state; created
        eagerly even while a compiled function is being traced (its first run creates
        the state it then updates on every run)."""

    @abc.abstractmethod
    def run_eagerly(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` run eagerly, with concrete values, also while a function is being
        compiled: for state made at the first call of a compiled function from values
        only known eagerly (a metric's own ``initial_state()``).  ``fn`` returns natives
        or nests of unitorch tensors; TensorFlow runs it under ``tf.init_scope``, PyTorch
        outside the traced graph (a graph break)."""

    def run_update(self, rule: Callable[..., None], static: tuple[Any, ...],
                   *args: Any) -> None:
        """Run ``rule(self, static, *args)`` once, in place and recording nothing: an
        optimizer's update rule from ``unitorch/optim/`` (see ``optim/_rule.py`` for its
        arguments), written with this contract's primitives; ``static`` holds the Python
        choices of its structure and is hashable.  The default calls it under
        :meth:`no_grad`; a backend may compile it (TensorFlow runs each rule and
        structure as one cached ``tf.function``: eagerly, its ~15 small ops per
        parameter would cost ~10 us each)."""
        with self.no_grad():
            rule(self, static, *args)

    # Optional fused kernels: each performs one step of one optimizer on one parameter
    # group, in place, exactly as the rule of ``unitorch/optim/<name>.py``, and returns
    # True; or returns False (the default: no fused kernel, or none for this call), and
    # unitorch.optim runs the rule itself through :meth:`run_update`.

    def sgd_update(self, params: list[Native], grads: list[Native],
                   momentum_buffers: list[Native], steps: list[Native],
                   hyper: dict[str, Any], nesterov: bool, maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/sgd.py``'s rule (``hyper``: lr, momentum,
        dampening, weight_decay; ``momentum_buffers`` and ``steps`` empty without
        momentum), or False."""
        return False

    def adam_update(self, params: list[Native], grads: list[Native], exp_avgs: list[Native],
                    exp_avg_sqs: list[Native], max_exp_avg_sqs: list[Native],
                    steps: list[Native], hyper: dict[str, Any], amsgrad: bool,
                    decoupled: bool, maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/adam.py``'s rule (``hyper``: lr, beta1,
        beta2, eps, weight_decay; ``max_exp_avg_sqs`` empty unless ``amsgrad``), or
        False."""
        return False

    def rmsprop_update(self, params: list[Native], grads: list[Native],
                       square_avgs: list[Native], grad_avgs: list[Native],
                       momentum_buffers: list[Native], steps: list[Native],
                       hyper: dict[str, Any], centered: bool, maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/rmsprop.py``'s rule (``hyper``: lr, alpha,
        eps, weight_decay, momentum; ``grad_avgs`` empty unless ``centered``,
        ``momentum_buffers`` empty unless momentum > 0), or False."""
        return False

    def adagrad_update(self, params: list[Native], grads: list[Native],
                       state_sums: list[Native], steps: list[Native],
                       hyper: dict[str, Any], maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/adagrad.py``'s rule (``hyper``: lr,
        lr_decay, weight_decay, eps), or False."""
        return False

    def adadelta_update(self, params: list[Native], grads: list[Native],
                        square_avgs: list[Native], acc_deltas: list[Native],
                        steps: list[Native], hyper: dict[str, Any], maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/adadelta.py``'s rule (``hyper``: lr, rho,
        eps, weight_decay), or False."""
        return False

    def adamax_update(self, params: list[Native], grads: list[Native], exp_avgs: list[Native],
                      exp_infs: list[Native], steps: list[Native], hyper: dict[str, Any],
                      maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/adamax.py``'s rule (``hyper``: lr, beta1,
        beta2, eps, weight_decay), or False."""
        return False

    def nadam_update(self, params: list[Native], grads: list[Native], exp_avgs: list[Native],
                     exp_avg_sqs: list[Native], mu_products: list[Native],
                     steps: list[Native], hyper: dict[str, Any], decoupled: bool,
                     maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/nadam.py``'s rule (``hyper``: lr, beta1,
        beta2, eps, weight_decay, momentum_decay; ``mu_products`` 0-d float32 natives on
        the CPU, like ``steps``), or False."""
        return False

    def radam_update(self, params: list[Native], grads: list[Native], exp_avgs: list[Native],
                     exp_avg_sqs: list[Native], steps: list[Native], hyper: dict[str, Any],
                     decoupled: bool, maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/radam.py``'s rule (``hyper``: lr, beta1,
        beta2, eps, weight_decay), or False."""
        return False

    def asgd_update(self, params: list[Native], grads: list[Native], axs: list[Native],
                    mus: list[Native], etas: list[Native], steps: list[Native],
                    hyper: dict[str, Any], maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/asgd.py``'s rule (``hyper``: lr, lambd,
        alpha, t0, weight_decay; ``mus`` and ``etas`` 0-d float32 natives on the CPU),
        or False."""
        return False

    def rprop_update(self, params: list[Native], grads: list[Native], prevs: list[Native],
                     step_sizes: list[Native], steps: list[Native], hyper: dict[str, Any],
                     maximize: bool) -> bool:
        """A fused kernel for ``unitorch/optim/rprop.py``'s rule (``hyper``: etaminus,
        etaplus, step_size_min, step_size_max), or False."""
        return False

    # ----------------------------------------------------------------------------------
    # distributed (``unitorch.distributed``): each framework's own collective engine,
    # never a home-made transport: ``torch.distributed`` (gloo on the CPU, NCCL on
    # GPUs) and ``tf.distribute``'s collectives (CollectiveOps over gRPC, set up by
    # ``MultiWorkerMirroredStrategy``).
    #
    # One process per worker.  Every worker calls the same collectives in the same order
    # with tensors of the same shape, dtype and device type (the rule of both engines).
    # Tensor arguments are natives of ``float32``, ``float64``, ``int32`` or ``int64``
    # (the public layer carries other dtypes in these); results are new tensors (the
    # argument is not modified), carry no gradient history, and the primitives work
    # while tracing a compiled function.  A communication that fails (a worker exited,
    # a timeout, an aborted group) raises one of :attr:`dist_errors`, which the public
    # layer reports as ``unitorch.distributed.DistributedError``.

    #: Framework exceptions that mean a collective (or joining the group) failed.
    dist_errors: tuple[type[BaseException], ...] = ()

    @abc.abstractmethod
    def dist_init(self, rank: int, world_size: int, local_rank: int, master_addr: str,
                  master_port: int, workers: Sequence[str], timeout: float,
                  engine: str | None) -> str:
        """Join the group of ``world_size`` workers as ``rank`` (``local_rank`` among
        the workers of its machine: the GPU it uses, if any), waiting at most
        ``timeout`` seconds for the others; afterwards every collective gives up after
        ``timeout`` seconds.  ``master_addr:master_port`` is where rank 0 serves the
        rendezvous (engines with a central store); ``workers`` has one ``host:port``
        per rank (engines that connect the workers to each other).  ``engine`` is a
        framework-specific choice (``None``: the framework's default for the device).
        Returns a short description of the engine, e.g. ``"torch.distributed/gloo"``."""

    @abc.abstractmethod
    def dist_shutdown(self) -> None:
        """Leave the group (after which ``dist_init`` may be called again where the
        framework allows it)."""

    @abc.abstractmethod
    def dist_all_reduce(self, x: Native, op: str) -> Native:
        """The element-wise reduction of every worker's ``x``; ``op`` is ``"sum"``,
        ``"max"`` or ``"min"``.  Every worker gets the same result."""

    @abc.abstractmethod
    def dist_all_gather(self, x: Native) -> Native:
        """Every worker's ``x`` stacked along a new first axis, in rank order:
        shape ``(world_size, *x.shape)``."""

    @abc.abstractmethod
    def dist_broadcast(self, x: Native, src: int) -> Native:
        """Worker ``src``'s ``x`` (the same bits) on every worker."""

    @abc.abstractmethod
    def dist_barrier(self) -> None:
        """Return once every worker has called it (or raise after the timeout)."""

    # ----------------------------------------------------------------------------------
    # compile: the framework's compiler

    @abc.abstractmethod
    def compile(self, fn: Callable[..., Any], fallback: bool = True, **options: Any
                ) -> Callable[..., Any]:
        """``fn`` compiled by the framework's own compiler (``torch.compile``,
        ``tf.function``).  ``fn`` takes and returns native tensors and nests of them.

        Calling the result runs the compiled computation (tracing ``fn`` first where
        needed).  An exception raised while ``fn`` is traced, *before any of the call's
        computation has run*, is raised as :class:`TraceFailure` wrapping it, so the
        caller may run the call again eagerly without repeating anything.  Every other
        exception propagates as it is: an error while the computation runs, or one
        raised after a part of it has run (a compiler that traces lazily, part by part,
        as ``torch.compile`` does after a graph break).  A failed :meth:`check` is raised
        as the unitorch error it names (:func:`unitorch.errors.checked_error`).
        ``fallback`` is the caller's choice to run eagerly what cannot be compiled: a
        backend whose compiler can run one read of values eagerly inside the compiled
        function uses it in :meth:`value_while_compiling`."""

    def value_while_compiling(self, x: Native, what: str, form: str) -> Any:
        """``x``'s values on the host, asked for while a function is being compiled
        (:meth:`is_compiling`), by ``what`` (``"float()"``, ``"item()"``...): as a NumPy
        array (``form="array"``), a Python scalar (``"scalar"``, one element) or nested
        lists (``"list"``).  The values are unknown while tracing, so the default raises
        ``TypeError`` naming ``what`` and what to do instead.  A backend whose compiler
        can run the read eagerly in the middle of the compiled function (a graph break)
        does so instead where the enclosing compile allows a fallback."""
        from ..errors import value_needed_message

        raise TypeError(value_needed_message(what))

    @abc.abstractmethod
    def check(self, condition: Native, error: type[Exception], message: str,
              x: Native) -> Native:
        """Called only while compiling, where the public layer cannot read values to
        validate them: make the compiled computation raise, when it runs and the bool
        0-d ``condition`` is false, an error that :meth:`compile`'s function re-raises
        as ``error(message)`` (a class of ``unitorch.errors``).  Returns ``x``, the
        values checked, to be used in its place: operations on the result never see
        ``x`` unchecked (a kernel failing first would raise the framework's own error),
        and the check runs before the operations that follow it in the function change
        any state."""


class TraceFailure(Exception):
    """Raised by a function made by :meth:`Backend.compile` when tracing failed before
    any of the call's computation ran; ``error`` is the exception raised."""

    def __init__(self, error: BaseException) -> None:
        super().__init__(f"{type(error).__name__}: {error}")
        self.error = error
