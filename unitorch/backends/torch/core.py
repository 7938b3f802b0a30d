"""The PyTorch backend's plumbing: dtypes, devices, conversion, and the helpers the
other modules of this package share, among them those for the unsigned dtypes:

``uint16``, ``uint32`` and ``uint64`` on PyTorch: torch has the dtypes but few kernels
for them (``torch.add`` on two uint16 tensors raises "not implemented for 'UInt16'", as
do comparisons, ``maximum``, ``where``, ``flip``, ``nonzero``, ``topk``, ``matmul``...).
As the contract says, such a primitive computes in a wider dtype and casts back:
uint16 in int32 and uint32 in int64, which hold every value, and uint64 in int64 with
the same bits (torch's casts between them keep the bits), which is exact for the
operations that depend on bits alone (``+ - *``, bitwise, data movement).  Where order
matters (comparisons, ``maximum``, sorting, searching) uint64 is mapped to int64 with the
sign bit flipped, which orders as the unsigned values do; uint64 division and the
logical right shift have their own compositions below.

:func:`widened` wraps a primitive; the wrapper's ``plain`` attribute is the primitive
itself, which :meth:`TorchBackend.dtype_kernel` hands to the public layer's per-dtype
tables for every other dtype, so the element-wise hot path pays nothing for this.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import ml_dtypes
import numpy as np
import torch

from ... import dtypes as dt
from ...devices import Device, check_available
from ..contract import Native

_DTYPES = {
    dt.bool: torch.bool, dt.int8: torch.int8, dt.int16: torch.int16, dt.int32: torch.int32,
    dt.int64: torch.int64, dt.uint8: torch.uint8, dt.uint16: torch.uint16,
    dt.uint32: torch.uint32, dt.uint64: torch.uint64, dt.float16: torch.float16,
    dt.bfloat16: torch.bfloat16, dt.float32: torch.float32, dt.float64: torch.float64,
    dt.complex64: torch.complex64, dt.complex128: torch.complex128,
}
_FROM_NATIVE = {v: k for k, v in _DTYPES.items()}
_CPU = Device("cpu")


# torch.compiler.disable(fn): fn runs eagerly, outside any torch.compile trace.  Applied
# with torch's own lazy form where it has one: torch.compiler.disable imports
# torch._dynamo at once, which costs over a second at `import unitorch` (measured with
# python -X importtime); torch._disable_dynamo (what torch.optim uses) imports it at the
# first call.
_eager_in_traces = getattr(torch, "_disable_dynamo", None) or torch.compiler.disable


def _torch_device(device: Device | None) -> torch.device | None:
    if device is None:
        return None
    if device.type == "cpu":
        return torch.device("cpu")
    # a missing GPU: torch would fail with "AssertionError: Torch not compiled with CUDA
    # enabled" or a CUDA error of its own
    check_available(device, _gpu_count())
    return torch.device("cuda", device.index)


@functools.cache
def _gpu_count() -> int:
    """The GPUs torch sees (fixed once CUDA is initialized)."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


class CoreOps:
    """The contract's ``core`` section."""

    def shape(self, x: Native) -> tuple[int, ...]:
        return tuple(x.shape)

    ndim = staticmethod(torch.Tensor.dim)

    def device(self, x: Native) -> Device:
        d = x.device
        found = self._device_cache.get(d)
        if found is None:
            found = _CPU if d.type == "cpu" else Device(f"gpu:{d.index or 0}")
            self._device_cache[d] = found
        return found

    def devices(self) -> list[Device]:
        n = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return [_CPU] + [Device(f"gpu:{i}") for i in range(n)]

    def to_device(self, x: Native, device: Device) -> Native:
        return x.to(_torch_device(device))

    def from_numpy(self, array: np.ndarray, device: Device | None) -> Native:
        if array.dtype == ml_dtypes.bfloat16:
            # torch has no NumPy bfloat16: reinterpret the bits.
            out = self.from_numpy(array.view(np.int16), None).view(torch.bfloat16)
        else:
            if not array.flags.writeable or any(s < 0 for s in array.strides):
                array = np.array(array)  # torch cannot share read-only or reversed memory
            out = torch.from_numpy(array)
        return out if device is None or device.type == "cpu" else out.to(_torch_device(device))

    def to_numpy(self, x: Native) -> np.ndarray:
        x = x.detach()
        if x.device.type != "cpu":
            x = x.cpu()
        x = x.resolve_conj().resolve_neg()
        if x.dtype is torch.bfloat16:
            return x.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        return x.numpy()

    def from_dlpack(self, obj: Any) -> Native:
        return torch.from_dlpack(obj)

    def to_dlpack(self, x: Native, stream: Any = None) -> Any:
        # torch exports a lazily negated view (the "neg bit": ``z.conj().imag``) as its
        # un-negated storage, so consumers read the wrong sign; resolve it (a copy) first,
        # like the conjugate bit.
        return x.detach().resolve_conj().resolve_neg().__dlpack__(stream=stream)

    def dlpack_device(self, x: Native) -> tuple[int, int]:
        return x.__dlpack_device__()

    def cast(self, x: Native, dtype: dt.DType) -> Native:
        return x.to(_DTYPES[dtype])

    @staticmethod
    def bitcast(x: Native, dtype: dt.DType) -> Native:
        return x.view(_DTYPES[dtype])

    def copy(self, x: Native) -> Native:
        return x.clone()

    @staticmethod
    def assign(x: Native, value: Native) -> Native:
        return x.copy_(value)

    @staticmethod
    def assign_add(x: Native, delta: Native) -> Native:
        return x.add_(delta)

    @staticmethod
    def assign_sub(x: Native, delta: Native) -> Native:
        return x.sub_(delta)

    @staticmethod
    def out_of_memory(error: BaseException) -> bool:
        # a GPU raises torch.OutOfMemoryError; the CPU allocator a plain RuntimeError
        # ("DefaultCPUAllocator: can't allocate memory: you tried to allocate ...")
        return isinstance(error, (torch.OutOfMemoryError, MemoryError)) or (
            isinstance(error, RuntimeError) and "can't allocate memory" in str(error))

    def is_compiling(self) -> bool:
        return torch.compiler.is_compiling()

    @staticmethod
    def prepare_worker() -> None:
        # a forked child cannot use the parent's OpenMP pool (a matmul there hangs):
        # one thread per worker, as torch.utils.data's own workers run
        torch.set_num_threads(1)

    def set_matmul_precision(self, precision: str) -> None:
        allow = precision == "high"
        torch.backends.cuda.matmul.allow_tf32 = allow
        torch.backends.cudnn.allow_tf32 = allow
        torch.set_float32_matmul_precision(precision)


# ---------------------------------------------------------------------------------------
# uint16, uint32 and uint64 (see the module docstring)

WIDE = {torch.uint16: torch.int32, torch.uint32: torch.int64, torch.uint64: torch.int64}
"""Each unsigned dtype torch lacks kernels for, and the signed dtype it is computed in."""

_FLIP = -(2**63)  # int64 with only the sign bit set


def unsigned_of(args: tuple[Any, ...]) -> torch.dtype | None:
    """The first dtype of :data:`WIDE` among the tensors in ``args``, or ``None``."""
    for a in args:
        if isinstance(a, torch.Tensor) and a.dtype in WIDE:
            return a.dtype
    return None


def to_wide(x: Any, dtype: torch.dtype, ordered: bool) -> Any:
    """A tensor (or Python int) of unsigned ``dtype`` in its wide dtype; with
    ``ordered``, uint64 as the order-preserving int64 key."""
    if isinstance(x, torch.Tensor):
        if x.dtype is not dtype:
            return x
        w = x.to(WIDE[dtype])
        if ordered and dtype is torch.uint64:
            w = torch.bitwise_xor(w, _FLIP)
        return w
    if isinstance(x, int) and not isinstance(x, bool) and dtype is torch.uint64:
        # a Python operand in [0, 2**64): as the int64 of its bits (or its ordered key)
        if ordered:
            return x - 2**63
        return x - 2**64 if x >= 2**63 else x
    return x


def from_wide(y: Any, dtype: torch.dtype, ordered: bool) -> Any:
    """The inverse of :func:`to_wide` for a result in the wide dtype; other results
    (bool masks, int64 indices of a uint16 input) are returned as they are."""
    if not isinstance(y, torch.Tensor) or y.dtype is not WIDE[dtype]:
        return y
    if ordered and dtype is torch.uint64:
        y = torch.bitwise_xor(y, _FLIP)
    return y.to(dtype)


def widened(fn: Callable[..., Any], *, ordered: bool = False,
            results: int | None = None) -> Callable[..., Any]:
    """``fn`` computing uint16/uint32/uint64 tensor arguments in their wide dtype and
    casting its results back.  ``ordered``: the result depends on the values' order
    (uint64 goes through its order-preserving key).  ``results``: for a tuple result,
    how many leading entries hold values (the rest, indices, are returned as they are).
    Other dtypes go to ``fn`` unchanged."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        d = unsigned_of(args)
        if d is None:
            return fn(*args, **kwargs)
        out = fn(*(to_wide(a, d, ordered) for a in args), **kwargs)
        if results is None:
            return from_wide(out, d, ordered)
        return tuple(from_wide(o, d, ordered) if i < results else o
                     for i, o in enumerate(out))

    wrapper.plain = fn  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(fn, "__name__", "primitive")
    wrapper.__doc__ = getattr(fn, "__doc__", None)
    return wrapper


SIGNED = {torch.uint16: torch.int16, torch.uint32: torch.int32, torch.uint64: torch.int64}
"""The signed dtype of each one's width: a view with the same bits, for data movement."""


def reinterpreted(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` for a primitive that only moves elements (``flip``, ``take_along_axis``,
    writes by index): uint16/uint32/uint64 tensor arguments go to it as views of the same
    bits in the signed dtype of their width, and its tensor results of that dtype come
    back as views in the unsigned one (no copy either way)."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        d = unsigned_of(args)
        if d is None:
            return fn(*args, **kwargs)
        s = SIGNED[d]
        out = fn(*(a.view(s) if isinstance(a, torch.Tensor) and a.dtype is d else a
                   for a in args), **kwargs)
        return out.view(d) if isinstance(out, torch.Tensor) and out.dtype is s else out

    wrapper.plain = fn  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(fn, "__name__", "primitive")
    return wrapper


def unsigned_only(special: Callable[..., Any], fn: Callable[..., Any]) -> Callable[..., Any]:
    """``special`` for uint16/uint32/uint64 tensor arguments, ``fn`` for the others."""

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if unsigned_of(args) is None:
            return fn(*args, **kwargs)
        return special(*args, **kwargs)

    wrapper.plain = fn  # type: ignore[attr-defined]
    wrapper.__name__ = getattr(fn, "__name__", "primitive")
    return wrapper


# -- the compositions for uint64 that neither the wide nor the ordered mapping gives


def _as_tensor(x: Any, like: torch.Tensor) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x
    return torch.tensor(x, dtype=like.dtype, device=like.device)


def _udivmod64(n: torch.Tensor, d: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Unsigned 64-bit ``(n // d, n % d)`` on int64 tensors holding the bits (``d`` never
    0): Hacker's Delight's divlu by a signed division of ``n >> 1``, corrected once."""
    n, d = torch.broadcast_tensors(n, d)
    big = d < 0  # d >= 2**63: the quotient is 0 or 1
    half = torch.bitwise_right_shift(n, 1) & (2**63 - 1)  # logical n >> 1, non-negative
    safe_d = torch.where(big, torch.ones_like(d), d)
    q = torch.bitwise_left_shift(torch.div(half, safe_d, rounding_mode="trunc"), 1)
    r = n - q * safe_d
    # r < 2 * d here; one more d when r >= d (unsigned comparison through the keys)
    more = torch.bitwise_xor(r, _FLIP) >= torch.bitwise_xor(safe_d, _FLIP)
    q = torch.where(more, q + 1, q)
    r = torch.where(more, r - safe_d, r)
    # d >= 2**63: q = (n >= d), r = n - q * d
    ge = torch.bitwise_xor(n, _FLIP) >= torch.bitwise_xor(d, _FLIP)
    q = torch.where(big, ge.to(torch.int64), q)
    r = torch.where(big, torch.where(ge, n - d, n), r)
    return q, r


def _wide_binary(fn: Callable[..., torch.Tensor], x1: Any, x2: Any) -> torch.Tensor:
    """``fn`` of two uint operands (tensors or Python ints) computed in the wide dtype;
    the uint64 case goes to ``fn`` as bits."""
    d = unsigned_of((x1, x2))
    a, b = to_wide(x1, d, False), to_wide(x2, d, False)
    return from_wide(fn(a, b), d, False)


def _unsigned_divmod(x1: Any, x2: Any, fn: Any, part: int) -> torch.Tensor:
    """``fn(x1, x2)`` for uint operands: in the wide dtype, or for uint64 the ``part``
    (0: quotient, 1: remainder) of the bitwise division."""
    d = unsigned_of((x1, x2))
    if d is not torch.uint64:
        return _wide_binary(fn, x1, x2)
    like = x1 if isinstance(x1, torch.Tensor) else x2
    a = to_wide(_as_tensor(x1, like), d, False)
    b = to_wide(_as_tensor(x2, like), d, False)
    return _udivmod64(a, b)[part].to(d)


def unsigned_floor_divide(x1: Any, x2: Any) -> torch.Tensor:
    return _unsigned_divmod(x1, x2, torch.floor_divide, 0)


def unsigned_remainder(x1: Any, x2: Any) -> torch.Tensor:
    return _unsigned_divmod(x1, x2, torch.remainder, 1)


def unsigned_bitwise_right_shift(x1: Any, x2: Any) -> torch.Tensor:
    d = unsigned_of((x1, x2))
    if d is not torch.uint64:
        return _wide_binary(torch.bitwise_right_shift, x1, x2)
    like = x1 if isinstance(x1, torch.Tensor) else x2
    a = to_wide(_as_tensor(x1, like), d, False)
    s = to_wide(_as_tensor(x2, like), d, False)
    # logical: shift by one with the sign bit cleared, then the rest (arithmetic is now
    # logical); a shift by 64 or more (or a "negative" one: >= 2**63) gives 0
    one = torch.bitwise_right_shift(a, 1) & (2**63 - 1)
    rest = torch.bitwise_right_shift(one, (s - 1).clamp(0, 63))
    out = torch.where(s == 0, a, rest)
    out = torch.where((s < 0) | (s >= 64), torch.zeros_like(out), out)
    return out.to(d)


def unsigned_abs(x: torch.Tensor) -> torch.Tensor:
    return x.clone()  # unsigned values are their own magnitude (a new tensor, as torch.abs)


def unsigned_sign(x: torch.Tensor) -> torch.Tensor:
    return (x != 0).to(x.dtype)
