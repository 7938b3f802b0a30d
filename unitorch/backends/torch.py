"""The PyTorch backend: the contract in ``contract.py`` implemented with torch.

Most primitives are torch functions bound directly (no wrapper frame on the hot path).
Where torch differs from the contract the difference is handled here, next to the
framework that has it, and commented.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import ml_dtypes
import numpy as np
import torch
import torch.nn.functional as F

from .. import dtypes as dt
from ..devices import Device
from .contract import Backend, Native, Pads

_DTYPES = {
    dt.bool: torch.bool, dt.int8: torch.int8, dt.int16: torch.int16, dt.int32: torch.int32,
    dt.int64: torch.int64, dt.uint8: torch.uint8, dt.float16: torch.float16,
    dt.bfloat16: torch.bfloat16, dt.float32: torch.float32, dt.float64: torch.float64,
    dt.complex64: torch.complex64, dt.complex128: torch.complex128,
}
_FROM_NATIVE = {v: k for k, v in _DTYPES.items()}
_CPU = Device("cpu")


def _torch_device(device: Device | None) -> torch.device | None:
    if device is None:
        return None
    return torch.device("cpu") if device.type == "cpu" else torch.device("cuda", device.index)


class TorchBackend(Backend):
    name = "torch"
    module = torch
    native_types = (torch.Tensor,)
    dtype_to_native = _DTYPES
    dtype_from_native = _FROM_NATIVE

    def __init__(self) -> None:
        self._device_cache: dict[torch.device, Device] = {}
        from ..precision import get_matmul_precision

        self.set_matmul_precision(get_matmul_precision())

    # -- plumbing ---------------------------------------------------------------------

    def shape(self, x: Native) -> tuple[int, ...]:
        return tuple(x.shape)

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
        return x.detach().resolve_conj().__dlpack__(stream=stream)

    def dlpack_device(self, x: Native) -> tuple[int, int]:
        return x.__dlpack_device__()

    def cast(self, x: Native, dtype: dt.DType) -> Native:
        return x.to(_DTYPES[dtype])

    def copy(self, x: Native) -> Native:
        return x.clone()

    @staticmethod
    def assign(x: Native, value: Native) -> Native:
        return x.copy_(value)

    def is_compiling(self) -> bool:
        return torch.compiler.is_compiling()

    def set_matmul_precision(self, precision: str) -> None:
        allow = precision == "high"
        torch.backends.cuda.matmul.allow_tf32 = allow
        torch.backends.cudnn.allow_tf32 = allow
        torch.set_float32_matmul_precision(precision)

    # -- creation ---------------------------------------------------------------------

    def arange(self, start, stop, step, dtype, device):
        nd = _DTYPES[dtype]
        if dtype.kind in "iu":
            return torch.arange(int(start), int(stop), int(step), dtype=torch.int64,
                                device=_torch_device(device)).to(nd)
        return torch.arange(start, stop, step, dtype=torch.float64,
                            device=_torch_device(device)).to(nd)

    def full(self, shape, fill_value, dtype, device):
        return torch.full(shape, fill_value, dtype=_DTYPES[dtype], device=_torch_device(device))

    def eye(self, n_rows, n_cols, k, dtype, device):
        dev = _torch_device(device)
        rows = torch.arange(n_rows, device=dev)[:, None]
        cols = torch.arange(n_cols, device=dev)[None, :]
        return (cols - rows == k).to(_DTYPES[dtype])

    def linspace(self, start, stop, num, endpoint, dtype, device):
        wide = torch.complex128 if dtype.kind == "c" else torch.float64
        dev = _torch_device(device)
        if endpoint:
            out = torch.linspace(start, stop, num, dtype=wide, device=dev)
        else:
            out = torch.linspace(start, stop, num + 1, dtype=wide, device=dev)[:num]
        return out.to(_DTYPES[dtype])

    tril = staticmethod(torch.tril)
    triu = staticmethod(torch.triu)

    # -- element-wise -------------------------------------------------------------------

    abs = staticmethod(torch.abs)
    negative = staticmethod(torch.neg)
    sign = staticmethod(torch.sgn)  # sgn: x/|x| for complex, sign for real
    signbit = staticmethod(torch.signbit)
    sqrt = staticmethod(torch.sqrt)
    square = staticmethod(torch.square)
    exp = staticmethod(torch.exp)
    expm1 = staticmethod(torch.expm1)
    log = staticmethod(torch.log)
    log1p = staticmethod(torch.log1p)
    log2 = staticmethod(torch.log2)
    log10 = staticmethod(torch.log10)
    sin = staticmethod(torch.sin)
    cos = staticmethod(torch.cos)
    tan = staticmethod(torch.tan)
    asin = staticmethod(torch.asin)
    acos = staticmethod(torch.acos)
    atan = staticmethod(torch.atan)
    sinh = staticmethod(torch.sinh)
    cosh = staticmethod(torch.cosh)
    tanh = staticmethod(torch.tanh)
    asinh = staticmethod(torch.asinh)
    acosh = staticmethod(torch.acosh)
    atanh = staticmethod(torch.atanh)
    erf = staticmethod(torch.erf)
    floor = staticmethod(torch.floor)
    ceil = staticmethod(torch.ceil)
    trunc = staticmethod(torch.trunc)
    round = staticmethod(torch.round)
    isnan = staticmethod(torch.isnan)
    isinf = staticmethod(torch.isinf)
    isfinite = staticmethod(torch.isfinite)
    real = staticmethod(torch.real)
    imag = staticmethod(torch.imag)
    conj = staticmethod(torch.conj_physical)  # torch.conj is a lazy view; keep values real
    logical_not = staticmethod(torch.logical_not)
    bitwise_invert = staticmethod(torch.bitwise_not)
    sigmoid = staticmethod(torch.sigmoid)
    relu = staticmethod(torch.relu)
    silu = staticmethod(F.silu)

    @staticmethod
    def gelu(x, approximate):
        return F.gelu(x, approximate="tanh" if approximate else "none")

    add = staticmethod(torch.add)
    subtract = staticmethod(torch.sub)

    # torch.add/sub compute x1 + alpha * x2 with a complex multiplication by alpha = 1,
    # which turns an infinite part into NaN ((0+0j) + (0+infj) gives nan+infj): add the
    # real and imaginary parts as reals instead.
    @staticmethod
    def add_complex(x1, x2):
        return _complex_parts(torch.add, x1, x2)

    @staticmethod
    def subtract_complex(x1, x2):
        return _complex_parts(torch.sub, x1, x2)
    multiply = staticmethod(torch.mul)
    divide = staticmethod(torch.true_divide)
    floor_divide = staticmethod(torch.floor_divide)
    remainder = staticmethod(torch.remainder)
    pow = staticmethod(torch.pow)
    maximum = staticmethod(torch.maximum)
    minimum = staticmethod(torch.minimum)
    atan2 = staticmethod(torch.atan2)
    hypot = staticmethod(torch.hypot)
    copysign = staticmethod(torch.copysign)
    logaddexp = staticmethod(torch.logaddexp)
    equal = staticmethod(torch.eq)
    not_equal = staticmethod(torch.ne)
    less = staticmethod(torch.lt)
    less_equal = staticmethod(torch.le)
    greater = staticmethod(torch.gt)
    greater_equal = staticmethod(torch.ge)
    logical_and = staticmethod(torch.logical_and)
    logical_or = staticmethod(torch.logical_or)
    logical_xor = staticmethod(torch.logical_xor)
    bitwise_and = staticmethod(torch.bitwise_and)
    bitwise_or = staticmethod(torch.bitwise_or)
    bitwise_xor = staticmethod(torch.bitwise_xor)
    bitwise_left_shift = staticmethod(torch.bitwise_left_shift)
    bitwise_right_shift = staticmethod(torch.bitwise_right_shift)
    where = staticmethod(torch.where)

    @staticmethod
    def clip(x, min, max):
        return torch.clamp(x, min, max)

    # -- reductions -------------------------------------------------------------------

    @staticmethod
    def sum(x, axes, keepdims, dtype):
        return torch.sum(x, dim=axes, keepdim=keepdims, dtype=_DTYPES[dtype])

    @staticmethod
    def prod(x, axes, keepdims, dtype):
        # torch.prod reduces one dimension at a time; go from the last so indices hold.
        out = x.to(_DTYPES[dtype])
        for a in sorted(axes, reverse=True):
            out = torch.prod(out, dim=a, keepdim=keepdims)
        return out

    @staticmethod
    def mean(x, axes, keepdims):
        return torch.mean(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def var(x, axes, correction, keepdims):
        with warnings.catch_warnings():  # "degrees of freedom <= 0": the result says so
            warnings.simplefilter("ignore", UserWarning)
            return torch.var(x, dim=axes, correction=correction, keepdim=keepdims)

    @staticmethod
    def max(x, axes, keepdims):
        return torch.amax(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def min(x, axes, keepdims):
        return torch.amin(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def all(x, axes, keepdims):
        return torch.all(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def any(x, axes, keepdims):
        return torch.any(x, dim=axes, keepdim=keepdims)

    @staticmethod
    def argmax(x, axis, keepdims):
        if x.dtype is torch.bool:
            x = x.to(torch.uint8)
        return torch.argmax(x, dim=axis, keepdim=keepdims)

    @staticmethod
    def argmin(x, axis, keepdims):
        if x.dtype is torch.bool:
            x = x.to(torch.uint8)
        return torch.argmin(x, dim=axis, keepdim=keepdims)

    @staticmethod
    def cumsum(x, axis, dtype):
        return torch.cumsum(x, dim=axis, dtype=_DTYPES[dtype])

    @staticmethod
    def cumprod(x, axis, dtype):
        return torch.cumprod(x, dim=axis, dtype=_DTYPES[dtype])

    @staticmethod
    def logsumexp(x, axes, keepdims):
        return torch.logsumexp(x, dim=axes, keepdim=keepdims)

    # -- linear algebra -----------------------------------------------------------------

    matmul = staticmethod(torch.matmul)

    @staticmethod
    def tensordot(x1, x2, axes1, axes2):
        return torch.tensordot(x1, x2, dims=(list(axes1), list(axes2)))

    einsum = staticmethod(torch.einsum)
    linear = staticmethod(F.linear)

    @staticmethod
    def diagonal(x, offset):
        return torch.diagonal(x, offset=offset, dim1=-2, dim2=-1)

    @staticmethod
    def cholesky(x, upper):
        return torch.linalg.cholesky(x, upper=upper)

    det = staticmethod(torch.linalg.det)

    @staticmethod
    def slogdet(x):
        sign, logabsdet = torch.linalg.slogdet(x)
        return sign, logabsdet

    inv = staticmethod(torch.linalg.inv)
    solve = staticmethod(torch.linalg.solve)

    @staticmethod
    def eigh(x):
        w, v = torch.linalg.eigh(x)
        return w, v

    @staticmethod
    def qr(x, mode):
        q, r = torch.linalg.qr(x, mode=mode)
        return q, r

    @staticmethod
    def svd(x, full_matrices):
        u, s, vh = torch.linalg.svd(x, full_matrices=full_matrices)
        return u, s, vh

    svdvals = staticmethod(torch.linalg.svdvals)

    # -- manipulation -------------------------------------------------------------------

    reshape = staticmethod(torch.reshape)
    permute_dims = staticmethod(torch.permute)
    broadcast_to = staticmethod(torch.broadcast_to)

    @staticmethod
    def concat(xs, axis):
        return torch.cat(list(xs), dim=axis)

    @staticmethod
    def stack(xs, axis):
        return torch.stack(list(xs), dim=axis)

    flip = staticmethod(torch.flip)
    roll = staticmethod(torch.roll)
    tile = staticmethod(torch.tile)

    @staticmethod
    def repeat(x, repeats, axis):
        return torch.repeat_interleave(x, repeats, dim=axis)

    @staticmethod
    def pad(x: Native, pads: Pads, value):
        flat: list[int] = []
        for before, after in reversed(pads):  # F.pad lists the last axis first
            flat += [before, after]
        return F.pad(x, flat, mode="constant", value=value)

    # -- indexing -----------------------------------------------------------------------

    def getitem(self, x: Native, key: tuple[Any, ...]) -> Native:
        # torch slices cannot step backwards: flip the axis and step forwards instead.
        key, flips = _forward_slices(key, x.shape)
        if flips:
            x = torch.flip(x, flips)
        return x[key]

    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        if any(isinstance(k, slice) and (k.step or 1) < 0 for k in key):
            # A flipped tensor is a copy, so write through element positions instead.
            positions = torch.arange(x.numel(), device=x.device).reshape(x.shape)
            selected = self.getitem(positions, key)
            coords = torch.unravel_index(selected.reshape(-1), x.shape)
            x.index_put_(coords, value.broadcast_to(selected.shape).reshape(-1))
            return x
        x[key] = value
        return x

    @staticmethod
    def take(x, indices, axis):
        flat = torch.index_select(x, axis, indices.reshape(-1))
        shape = x.shape[:axis] + indices.shape + x.shape[axis + 1:]
        return flat.reshape(shape)

    @staticmethod
    def take_along_axis(x, indices, axis):
        return torch.take_along_dim(x, indices, dim=axis)

    @staticmethod
    def nonzero(x):
        return torch.nonzero(x, as_tuple=True)

    @staticmethod
    def sort(x, axis, descending, stable):
        if x.dtype is torch.bool:
            return torch.sort(x.to(torch.uint8), dim=axis, descending=descending,
                              stable=True).values.to(torch.bool)
        return torch.sort(x, dim=axis, descending=descending, stable=True).values

    @staticmethod
    def argsort(x, axis, descending, stable):
        if x.dtype is torch.bool:
            x = x.to(torch.uint8)
        return torch.argsort(x, dim=axis, descending=descending, stable=True)

    def topk(self, x, k, axis, largest):
        # torch.topk does not promise which of equal elements comes first: sort stably.
        idx = self.argsort(x, axis, largest, True).narrow(axis, 0, k)
        return torch.take_along_dim(x, idx, dim=axis), idx

    @staticmethod
    def searchsorted(sorted_sequence, values, right):
        return torch.searchsorted(sorted_sequence, values, right=right)

    @staticmethod
    def unique(x):
        values, inverse, counts = torch.unique(
            x, sorted=True, return_inverse=True, return_counts=True
        )
        n = x.shape[0]
        first = torch.full((values.shape[0],), n, dtype=torch.int64, device=x.device)
        first = first.scatter_reduce(0, inverse, torch.arange(n, device=x.device), "amin")
        return values, first, inverse, counts

    # -- neural-network kernels -----------------------------------------------------------

    @staticmethod
    def softmax(x, axis):
        return torch.softmax(x, dim=axis)

    @staticmethod
    def log_softmax(x, axis):
        return torch.log_softmax(x, dim=axis)

    @staticmethod
    def conv2d(x, weight, bias, stride, padding, dilation, groups):
        (top, bottom), (left, right) = padding
        if top == bottom and left == right:
            return F.conv2d(x, weight, bias, stride, (top, left), dilation, groups)
        x = F.pad(x, [left, right, top, bottom])
        return F.conv2d(x, weight, bias, stride, 0, dilation, groups)

    @staticmethod
    def max_pool2d(x, kernel, stride, padding):
        (top, bottom), (left, right) = padding
        if top or bottom or left or right:
            # F.max_pool2d pads at most half a kernel and symmetrically: pad with -inf here.
            x = F.pad(x, [left, right, top, bottom], value=float("-inf"))
        return F.max_pool2d(x, kernel, stride)

    @staticmethod
    def avg_pool2d(x, kernel, stride, padding, count_include_pad):
        (top, bottom), (left, right) = padding
        if top == bottom and left == right and 2 * max(top, left) <= min(kernel):
            return F.avg_pool2d(x, kernel, stride, (top, left),
                                count_include_pad=count_include_pad)
        flat = [left, right, top, bottom]
        total = F.avg_pool2d(F.pad(x, flat), kernel, stride)
        if count_include_pad:
            return total
        ones = F.pad(torch.ones_like(x[:1, :1]), flat)
        return total / F.avg_pool2d(ones, kernel, stride)

    # -- compiling ----------------------------------------------------------------------

    @staticmethod
    def compile(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        return torch.compile(fn, **options)


def _complex_parts(fn, x1, x2):
    if not isinstance(x2, torch.Tensor):
        x2 = torch.tensor(x2, dtype=x1.dtype, device=x1.device)
    if not isinstance(x1, torch.Tensor):
        x1 = torch.tensor(x1, dtype=x2.dtype, device=x2.device)
    x1, x2 = torch.broadcast_tensors(x1, x2)
    return torch.view_as_complex(fn(torch.view_as_real(x1), torch.view_as_real(x2)))


def _forward_slices(key: Sequence[Any], shape: Sequence[int]) -> tuple[tuple[Any, ...], list[int]]:
    """Rewrite negative-step slices as forward slices of a flipped axis."""
    out: list[Any] = []
    flips: list[int] = []
    axis = 0
    for k in key:
        if k is None:
            out.append(k)
            continue
        if isinstance(k, slice) and (k.step or 1) < 0:
            n = shape[axis]
            start, stop, step = k.indices(n)
            out.append(slice(n - 1 - start, n - 1 - stop, -step))
            flips.append(axis)
        else:
            out.append(k)
        axis += 1
    return tuple(out), flips


BACKEND = TorchBackend()
