"""The PyTorch backend: the contract in ``contract.py`` implemented with torch.

Most primitives are torch functions bound directly (no wrapper frame on the hot path).
Where torch differs from the contract the difference is handled here, next to the
framework that has it, and commented.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import ml_dtypes
import numpy as np
import torch
import torch.nn.functional as F
from torch.optim.adagrad import adagrad as _adagrad
from torch.optim.adam import adam as _adam
from torch.optim.rmsprop import rmsprop as _rmsprop
from torch.optim.sgd import sgd as _sgd

from .. import dtypes as dt
from ..devices import Device
from .contract import Backend, GradTape, Native, Pads

_DTYPES = {
    dt.bool: torch.bool, dt.int8: torch.int8, dt.int16: torch.int16, dt.int32: torch.int32,
    dt.int64: torch.int64, dt.uint8: torch.uint8, dt.float16: torch.float16,
    dt.bfloat16: torch.bfloat16, dt.float32: torch.float32, dt.float64: torch.float64,
    dt.complex64: torch.complex64, dt.complex128: torch.complex128,
}
_FROM_NATIVE = {v: k for k, v in _DTYPES.items()}
_CPU = Device("cpu")
_cross_entropy_loss = torch._C._nn.cross_entropy_loss
_REDUCTION = {"none": 0, "mean": 1, "sum": 2}  # torch's enum (torch.nn._reduction)
_COMPLEX_OF_REAL = {torch.float32: torch.complex64, torch.float64: torch.complex128}


# torch.compiler.disable(fn): fn runs eagerly, outside any torch.compile trace.  Applied
# with torch's own lazy form where it has one: torch.compiler.disable imports
# torch._dynamo at once, which costs over a second at `import unitorch` (measured with
# python -X importtime); torch._disable_dynamo (what torch.optim uses) imports it at the
# first call.
_eager_in_traces = getattr(torch, "_disable_dynamo", None) or torch.compiler.disable


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
        # torch.arange raises for an empty range whose bounds disagree with the step's
        # sign (arange(1, 0, 1)) and sizes float ranges its own way: count as the
        # contract says and compute start + i * step.
        if all(isinstance(v, int) for v in (start, stop, step)):
            n = max(0, -((start - stop) // step))
        else:
            n = max(0, math.ceil((stop - start) / step))
        wide = torch.int64 if dtype.kind in "iu" else torch.float64
        i = torch.arange(n, dtype=wide, device=_torch_device(device))
        if dtype.kind in "iu":
            start, step = int(start), int(step)
        return (i * step + start).to(_DTYPES[dtype])

    def full(self, shape, fill_value, dtype, device):
        return torch.full(shape, fill_value, dtype=_DTYPES[dtype], device=_torch_device(device))

    def eye(self, n_rows, n_cols, k, dtype, device):
        dev = _torch_device(device)
        rows = torch.arange(n_rows, device=dev)[:, None]
        cols = torch.arange(n_cols, device=dev)[None, :]
        return (cols - rows == k).to(_DTYPES[dtype])

    def linspace(self, start, stop, num, endpoint, dtype, device):
        # torch.linspace uses the same two-sided formula, but with fused multiply-adds on
        # CPU (linspace(-1, 1, 7)[3] is 5.6e-17, not 0): spell it out in separate ops.
        steps = num + (0 if endpoint else 1)
        dev = _torch_device(device)
        if steps <= 1:
            out = torch.full((steps,), start, dtype=torch.float64, device=dev)
        else:
            step = (stop - start) / (steps - 1)
            i = torch.arange(steps, dtype=torch.float64, device=dev)
            up = step * i + start
            down = stop - step * ((steps - 1) - i)
            out = torch.where(i < steps // 2, up, down)
        return out[:num].to(_DTYPES[dtype])

    tril = staticmethod(torch.tril)
    triu = staticmethod(torch.triu)

    # -- element-wise -------------------------------------------------------------------

    abs = staticmethod(torch.abs)
    negative = staticmethod(torch.neg)

    @staticmethod
    def sign(x):
        out = torch.sgn(x)  # sgn: x/|x| for complex, sign for real
        if x.is_floating_point():  # but sign(NaN) is 0 in torch; NaN in the contract
            return torch.where(torch.isnan(x), x, out)
        return out

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

    @staticmethod
    def acos_complex(x):
        # torch gives acos(0+0j) = pi/2 + 0j; C99 (and the standard) say pi/2 - 0j: a zero
        # imaginary part has the sign opposite to the input's, as acos(conj(x)) = conj(acos(x)).
        out = torch.acos(x)
        im = out.imag
        im = torch.where(im == 0, torch.copysign(torch.zeros_like(im), -x.imag), im)
        return torch.complex(out.real, im)
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

    @staticmethod
    def round_complex(x):  # torch has no complex round kernel: round each part
        return torch.complex(torch.round(x.real), torch.round(x.imag))
    isnan = staticmethod(torch.isnan)
    isinf = staticmethod(torch.isinf)
    isfinite = staticmethod(torch.isfinite)
    real = staticmethod(torch.real)
    imag = staticmethod(torch.imag)
    conj = staticmethod(torch.conj_physical)  # torch.conj is a lazy view; keep values real

    @staticmethod
    def complex(real, imag):
        real, imag = torch.broadcast_tensors(real, imag)
        return torch.complex(real, imag)
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
    @staticmethod
    def remainder(x1, x2):
        out = torch.remainder(x1, x2)
        if out.is_floating_point():
            # an exact multiple gives +0.0 in torch; NumPy and Python's % give the
            # divisor's sign (4.0 % -2.0 is -0.0)
            out = torch.where(out == 0, torch.copysign(out, torch.as_tensor(x2)), out)
        return out
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
        nd = _DTYPES[dtype]
        if nd is x.dtype and x.is_floating_point() and not keepdims and len(axes) == x.dim():
            return torch.sum(x)  # every axis: the full reduction is the cheaper call
        return torch.sum(x, dim=axes, keepdim=keepdims, dtype=nd)

    basic_getitem = staticmethod(torch.Tensor.__getitem__)  # the C slot, no Python frame

    # torch's full reductions accumulate float16/bfloat16 in float32 and round once
    sum_all = staticmethod(torch.sum)
    mean_all = staticmethod(torch.mean)

    @staticmethod
    def prod(x, axes, keepdims, dtype):
        # torch.prod reduces one dimension at a time; go from the last so indices hold.
        # Without dtype= it returns int64 for narrower integers (the contract wants
        # ``dtype``), and it multiplies float16/bfloat16 in the half dtype, where its
        # other reductions accumulate in float32: do that here too.
        nd = _DTYPES[dtype]
        acc = torch.float32 if nd in (torch.float16, torch.bfloat16) else nd
        out = x.to(acc)
        for a in sorted(axes, reverse=True):
            out = torch.prod(out, dim=a, keepdim=keepdims, dtype=acc)
        return out.to(nd)

    @staticmethod
    def mean(x, axes, keepdims):
        if x.is_complex():  # torch divides by a complex count: mean([inf, 1]) is inf+nanj
            return torch.complex(torch.mean(x.real, dim=axes, keepdim=keepdims),
                                 torch.mean(x.imag, dim=axes, keepdim=keepdims))
        if not keepdims and len(axes) == x.dim():
            return torch.mean(x)
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

    @staticmethod
    def einsum(subscripts, *operands):
        # a summing-only einsum of integers ("ii") returns int64, like torch.sum
        out = torch.einsum(subscripts, *operands)
        d = operands[0].dtype
        return out if out.dtype == d else out.to(d)
    linear = staticmethod(F.linear)

    @staticmethod
    def diagonal(x, offset):
        return torch.diagonal(x, offset=offset, dim1=-2, dim2=-1)

    @staticmethod
    def cholesky(x, upper):
        # torch.linalg.cholesky raises for a matrix that is not positive-definite and,
        # with upper=True, reads the upper triangle; the contract fills such a matrix
        # with NaN (no host read) and always reads the lower triangle.
        lower, info = torch.linalg.cholesky_ex(x)
        failed = (info != 0)[..., None, None]
        out = torch.where(failed, torch.full((), math.nan, dtype=x.dtype, device=x.device),
                          lower)
        return out.mH if upper else out

    det = staticmethod(torch.linalg.det)

    @staticmethod
    def slogdet(x):
        sign, logabsdet = torch.linalg.slogdet(x)
        return sign, logabsdet

    @staticmethod
    def inv(x):
        try:
            return torch.linalg.inv(x)
        except torch.linalg.LinAlgError as e:  # the contract's neutral signal
            raise np.linalg.LinAlgError(str(e)) from None

    @staticmethod
    def solve(x1, x2):
        # torch.linalg.solve takes x2 as a batch of vectors when x2.shape == x1.shape[:-1];
        # the contract's x2 is always a stack of matrices: give it x1's rank.
        if x2.ndim < x1.ndim:
            x2 = x2.reshape((1,) * (x1.ndim - x2.ndim) + tuple(x2.shape))
        try:
            return torch.linalg.solve(x1, x2)
        except torch.linalg.LinAlgError as e:
            raise np.linalg.LinAlgError(str(e)) from None

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

    # -- fft ----------------------------------------------------------------------------

    # torch's MKL kernels refuse an empty batch ("Intel oneMKL DFTI ERROR: Inconsistent
    # configuration parameters"): an empty x gives an empty result of the right shape.

    @staticmethod
    def fft(x, axes, inverse, norm):
        if x.numel() == 0:
            return x.clone()
        return (torch.fft.ifftn if inverse else torch.fft.fftn)(x, dim=axes, norm=norm)

    @staticmethod
    def rfft(x, axes, norm):
        if x.numel() == 0:
            shape = list(x.shape)
            shape[axes[-1]] = shape[axes[-1]] // 2 + 1
            return x.new_zeros(shape, dtype=_COMPLEX_OF_REAL[x.dtype])
        return torch.fft.rfftn(x, dim=axes, norm=norm)

    @staticmethod
    def irfft(x, axes, n, norm):
        if x.numel() == 0:
            shape = list(x.shape)
            shape[axes[-1]] = n
            return x.new_zeros(shape, dtype=x.real.dtype)
        s = [x.shape[a] for a in axes[:-1]] + [n]
        return torch.fft.irfftn(x, s=s, dim=axes, norm=norm)

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
        if x.is_complex() or (isinstance(value, int) and abs(value) > 2**53):
            # F.pad takes the value as a float: no complex value, and int64 values beyond
            # 2**53 would be rounded.  Fill a new tensor and copy x into it instead.
            shape = [n + b + a for n, (b, a) in zip(x.shape, pads)]
            out = torch.full(shape, value, dtype=x.dtype, device=x.device)
            out[tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, pads))] = x
            return out
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
        return x[_advanced_key(key)]

    def setitem(self, x: Native, key: tuple[Any, ...], value: Native) -> Native:
        if x.numel() == 0:
            return x
        if any(st == 0 and n > 1 for st, n in zip(x.stride(), x.shape)):
            # A broadcast view: its elements share memory, and torch refuses to write
            # into it; write into a copy, which replaces it.
            x = x.clone()
        if any(isinstance(k, slice) and (k.step or 1) < 0 for k in key):
            # A flipped tensor is a copy, so write through element positions instead.
            positions = torch.arange(x.numel(), device=x.device).reshape(x.shape)
            selected = self.getitem(positions, key)
            coords = torch.unravel_index(selected.reshape(-1), x.shape)
            x.index_put_(coords, value.broadcast_to(selected.shape).reshape(-1))
            return x
        x[_advanced_key(key)] = value
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

    @staticmethod
    def topk(x, k, axis, largest):
        # torch.topk does not promise which of equal elements comes first: sort stably.
        if x.dtype is torch.bool:
            values, idx = torch.sort(x.to(torch.uint8), dim=axis, descending=largest,
                                     stable=True)
            values = values.to(torch.bool)
        else:
            values, idx = torch.sort(x, dim=axis, descending=largest, stable=True)
        return values.narrow(axis, 0, k), idx.narrow(axis, 0, k)

    @staticmethod
    def searchsorted(sorted_sequence, values, right):
        # torch.searchsorted compares floats with <, so NaN (and inf next to NaN) land
        # anywhere (searchsorted([0., nan], inf) is 2, NumPy says 1); search integer keys
        # that order NaN last, as NumPy does.  It has no bool kernel either.
        seq, v = _sort_key(sorted_sequence).contiguous(), _sort_key(values)
        return torch.searchsorted(seq, v.reshape(-1), right=right).reshape(v.shape)

    @staticmethod
    def unique(x):
        # torch.unique orders equal values (-0.0 and 0.0, the NaNs) as its sort happens to:
        # sort stably instead, so runs of equal values start at the first occurrence.
        shape = x.shape
        x = x.reshape(-1)
        n = x.shape[0]
        # (index_select and scatter_, not x[order]: on a busy CPU torch's parallel
        # advanced-indexing kernel spins for milliseconds where index_select takes us.)
        if x.is_complex():  # torch has no complex sort: by imag, then stably by real
            nan = torch.isnan(x)  # either part: NaN keys, equal, so input order is kept
            key = torch.where(nan, torch.full((), math.nan, dtype=x.real.dtype), x.real)
            order = torch.argsort(torch.where(nan, key, x.imag), stable=True)
            order = order.index_select(0, torch.argsort(key.index_select(0, order),
                                                        stable=True))
        else:
            order = torch.argsort(x.to(torch.uint8) if x.dtype is torch.bool else x,
                                  stable=True)
        s = x.index_select(0, order)
        new = torch.ones(n, dtype=torch.bool, device=x.device)
        new[1:] = s[1:] != s[:-1]  # NaN != NaN: each NaN is its own value
        starts = torch.nonzero(new).reshape(-1)
        counts = torch.diff(starts, append=starts.new_full((1,), n))
        inverse = torch.empty_like(order).scatter_(0, order, torch.cumsum(new, 0) - 1)
        return (s.index_select(0, starts), order.index_select(0, starts),
                inverse.reshape(shape), counts)

    # -- neural-network kernels -----------------------------------------------------------

    @staticmethod
    def softmax(x, axis):
        return torch.softmax(x, axis)

    @staticmethod
    def log_softmax(x, axis):
        # torch's CPU kernel rounds max + log(sum(exp)) to float16/bfloat16 before the
        # subtraction, so log-probabilities near 0 keep only an ulp of the max (bfloat16
        # -0.0752 for -0.0771); compute those in float32, as the CUDA kernel does.
        if x.dtype in (torch.float16, torch.bfloat16) and x.device.type == "cpu":
            return torch.log_softmax(x, dim=axis, dtype=torch.float32).to(x.dtype)
        return torch.log_softmax(x, dim=axis)

    @staticmethod
    def cross_entropy(x, target, ignore_index, reduction):
        # the kernel F.cross_entropy calls (log_softmax and nll_loss, mean over the
        # targets not ignored), without the Python wrapper's argument handling
        return _cross_entropy_loss(x, target, None, _REDUCTION[reduction],
                                   -100 if ignore_index is None else ignore_index, 0.0)

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

    # -- random numbers -------------------------------------------------------------------

    @staticmethod
    def rng(seed, device):
        g = torch.Generator(device=_torch_device(device) or "cpu")
        g.manual_seed(seed)
        return g

    @staticmethod
    def reseed(rng, seed):
        rng.manual_seed(seed)

    @staticmethod
    def random_uniform(rng, shape, dtype, device):
        return torch.rand(shape, generator=rng, dtype=_DTYPES[dtype],
                          device=_torch_device(device))

    @staticmethod
    def random_normal(rng, shape, dtype, device):
        return torch.randn(shape, generator=rng, dtype=_DTYPES[dtype],
                           device=_torch_device(device))

    @staticmethod
    def random_integers(rng, low, high, shape, dtype, device):
        return torch.randint(low, high, shape, generator=rng, dtype=_DTYPES[dtype],
                             device=_torch_device(device))

    @staticmethod
    def random_permutation(rng, n, device):
        return torch.randperm(n, generator=rng, device=_torch_device(device))

    def host_values(self, produce, shape, dtype, device):
        return self.from_numpy(produce(), device)

    # -- autograd -------------------------------------------------------------------------

    @staticmethod
    def requires_grad(x):
        return x.requires_grad

    @staticmethod
    def set_requires_grad(x, flag):
        if x.requires_grad == flag:
            return x
        if flag and x.grad_fn is not None:  # a computed result: make a new leaf
            return x.detach().requires_grad_(True)
        return x.requires_grad_(flag) if x.grad_fn is None else x.detach()

    @staticmethod
    def variable(x, trainable):
        return x.detach().requires_grad_(trainable)

    detach = staticmethod(torch.Tensor.detach)
    no_grad = staticmethod(torch.no_grad)
    enable_grad = staticmethod(torch.enable_grad)

    @staticmethod
    def tape(persistent, watch_accessed_variables):
        return _TorchTape(persistent)

    @staticmethod
    def backward(target, output_gradient, create_graph, retain_graph):
        target.backward(output_gradient, retain_graph=retain_graph or None,
                        create_graph=create_graph)

    @staticmethod
    def get_grad(x):
        return x.grad

    @staticmethod
    def set_grad(x, grad):
        x.grad = grad

    # -- optimizer updates: eagerly, PyTorch's own functional optimizers
    # (torch.optim.<name>.<name>, the code torch.optim.<Name>.step runs, with Python-float
    # hyperparameters), so the results are torch.optim's exactly; foreach=None lets torch
    # choose as torch.optim does (foreach kernels on CUDA, one tensor at a time on CPU).
    # While torch.compile traces, the same rules written with torch ops instead, reading
    # the hyperparameters from 0-d tensors: torch.compile specialises on Python floats,
    # so a scheduler changing lr would recompile the step at every new value.  Step
    # counters are CPU float32 tensors, as torch.optim keeps them when not capturable.

    # created eagerly even while torch.compile traces (as tf.init_scope does on TF)
    hyperparameter = staticmethod(_eager_in_traces(lambda value: _Hyper(float(value))))

    @staticmethod
    def set_hyperparameter(holder, value):
        holder.value = float(value)
        holder.tensor.fill_(holder.value)
        holder.nonzero = holder.value != 0

    @staticmethod
    @_eager_in_traces
    def state_variable(shape, fill_value, dtype, device):
        return torch.full(shape, fill_value, dtype=_DTYPES[dtype], device=_torch_device(device))

    @staticmethod
    def sgd_update(params, grads, momentum_buffers, steps, hyper, nesterov, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _sgd_traced(params, grads, momentum_buffers, steps, hyper, nesterov, maximize)
                return
            lr, wd = hyper["lr"].value, hyper["weight_decay"].value
            if not momentum_buffers:
                _sgd(params, grads, [None] * len(params), weight_decay=wd, momentum=0.0, lr=lr,
                     dampening=0.0, nesterov=nesterov, maximize=maximize)
                return
            momentum, dampening = hyper["momentum"].value, hyper["dampening"].value
            # torch starts a buffer as a copy of the first gradient (None in the list); a
            # zero buffer gives the same values when dampening is 0 (0 * m + 1 * g == g)
            bufs: list[Any] = list(momentum_buffers)
            if dampening != 0:
                bufs = [None if s.item() == 0 else b for s, b in zip(steps, bufs)]
            _sgd(params, grads, bufs, weight_decay=wd, momentum=momentum, lr=lr,
                 dampening=dampening, nesterov=nesterov, maximize=maximize)
            for own, new in zip(momentum_buffers, bufs):
                if new is not own:
                    own.copy_(new)
            torch._foreach_add_(steps, 1.0)

    @staticmethod
    def adam_update(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps, hyper,
                    amsgrad, decoupled, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _adam_traced(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                             hyper, amsgrad, decoupled, maximize)
                return
            _adam(params, grads, exp_avgs, exp_avg_sqs, max_exp_avg_sqs, steps,
                  decoupled_weight_decay=decoupled, amsgrad=amsgrad,
                  beta1=hyper["beta1"].value, beta2=hyper["beta2"].value,
                  lr=hyper["lr"].value, weight_decay=hyper["weight_decay"].value,
                  eps=hyper["eps"].value, maximize=maximize)

    @staticmethod
    def rmsprop_update(params, grads, square_avgs, grad_avgs, momentum_buffers, steps, hyper,
                       centered, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _rmsprop_traced(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                                hyper, centered, maximize)
                return
            _rmsprop(params, grads, square_avgs, grad_avgs, momentum_buffers, steps,
                     maximize=maximize, lr=hyper["lr"].value, alpha=hyper["alpha"].value,
                     eps=hyper["eps"].value, weight_decay=hyper["weight_decay"].value,
                     momentum=hyper["momentum"].value if momentum_buffers else 0.0,
                     centered=centered)

    @staticmethod
    def adagrad_update(params, grads, state_sums, steps, hyper, maximize):
        with torch.no_grad():
            if torch.compiler.is_compiling():
                _adagrad_traced(params, grads, state_sums, steps, hyper, maximize)
                return
            _adagrad(params, grads, state_sums, steps, lr=hyper["lr"].value,
                     weight_decay=hyper["weight_decay"].value,
                     lr_decay=hyper["lr_decay"].value, eps=hyper["eps"].value,
                     maximize=maximize)

    # -- distributed: torch.distributed, gloo for CPU tensors and NCCL for CUDA ones ---------
    # (a "cpu:gloo,cuda:nccl" group where CUDA is available).  c10d's collectives work in
    # place, so each primitive works on a contiguous detached copy and returns it.
    # The rendezvous is env:// (MASTER_ADDR/MASTER_PORT), so under torchrun the workers
    # meet in torchrun's own store.  torch.distributed's errors (DistError and the
    # "Connection closed by peer" / timeout errors of gloo) are RuntimeErrors.

    dist_errors = (RuntimeError, TimeoutError, ConnectionError)

    def dist_init(self, rank, world_size, local_rank, master_addr, master_port, workers,
                  timeout, engine):
        import datetime
        import os

        import torch.distributed as dist

        from ..distributed.env import is_loopback, loopback_interface

        if engine is None:
            engine = "cpu:gloo,cuda:nccl" if torch.cuda.is_available() else "gloo"
        if "nccl" in engine:
            torch.cuda.set_device(local_rank % torch.cuda.device_count())
        if "GLOO_SOCKET_IFNAME" not in os.environ and is_loopback(master_addr):
            # gloo binds to the address the host name resolves to unless told otherwise;
            # for a run on one machine keep every connection on the loopback interface
            loopback = loopback_interface()
            if loopback:
                os.environ["GLOO_SOCKET_IFNAME"] = loopback
        os.environ["MASTER_ADDR"], os.environ["MASTER_PORT"] = master_addr, str(master_port)
        dist.init_process_group(backend=engine, init_method="env://", rank=rank,
                                world_size=world_size,
                                timeout=datetime.timedelta(seconds=timeout))
        return f"torch.distributed/{engine}"

    @staticmethod
    def dist_shutdown():
        import torch.distributed as dist

        if dist.is_initialized():
            dist.destroy_process_group()

    @staticmethod
    def dist_all_reduce(x, op):
        import torch.distributed as dist

        out = x.detach().clone(memory_format=torch.contiguous_format)
        dist.all_reduce(out, op={"sum": dist.ReduceOp.SUM, "max": dist.ReduceOp.MAX,
                                 "min": dist.ReduceOp.MIN}[op])
        return out

    @staticmethod
    def dist_all_gather(x):
        import torch.distributed as dist

        x = x.detach().contiguous()
        parts = [torch.empty_like(x) for _ in range(dist.get_world_size())]
        dist.all_gather(parts, x)
        return torch.stack(parts)

    @staticmethod
    def dist_broadcast(x, src):
        import torch.distributed as dist

        out = x.detach().clone(memory_format=torch.contiguous_format)
        dist.broadcast(out, src)
        return out

    @staticmethod
    def dist_barrier():
        import torch.distributed as dist

        dist.barrier()

    # -- compiling ----------------------------------------------------------------------

    @staticmethod
    def compile(fn: Callable[..., Any], **options: Any) -> Callable[..., Any]:
        compiled = torch.compile(fn, **options)
        config = torch._dynamo.config
        if not hasattr(config, "nested_graph_breaks"):
            return compiled

        # A graph break (loss.backward() always makes one) inside a nested call makes
        # Dynamo compile the outer frame up to the call and run the callee's frames on
        # their own; unitorch's frames hold unitorch Tensors, not torch ones, so Dynamo
        # skips them and a training step would run eagerly.  With nested graph breaks
        # Dynamo resumes inside the nested frames: the forward before backward() is one
        # graph, as in the same step written with torch alone.
        def call(*args: Any, **kwargs: Any) -> Any:
            before = config.nested_graph_breaks
            config.nested_graph_breaks = True
            try:
                return compiled(*args, **kwargs)
            finally:
                config.nested_graph_breaks = before

        return call


class _Hyper:
    """An optimizer hyperparameter: the Python float torch.optim's functions take (eager
    updates), the same value in a 0-d float64 tensor (read by compiled updates, so a new
    value needs no recompilation), and whether it is non-zero (what compiled updates
    branch on)."""

    __slots__ = ("value", "tensor", "nonzero")

    def __init__(self, value: float) -> None:
        self.value = value
        self.tensor = torch.tensor(value, dtype=torch.float64)
        self.nonzero = value != 0


# The rules of the contract in torch ops, for torch.compile (which fuses them).  The step
# counters live on the CPU; 0-d CPU tensors combine with tensors on any device.

def _sgd_traced(params, grads, bufs, steps, h, nesterov, maximize):
    lr, wd, momentum = h["lr"].tensor, h["weight_decay"].tensor, h["momentum"].tensor
    keep = 1 - h["dampening"].tensor
    for i, (p, g) in enumerate(zip(params, grads)):
        g = -g if maximize else g
        if h["weight_decay"].nonzero:
            g = g + wd * p
        if bufs:
            s, buf = steps[i], bufs[i]
            s.add_(1)
            buf.copy_(torch.where(s.to(g.device) == 1, g, buf * momentum + keep * g))
            g = g + momentum * buf if nesterov else buf
        p.sub_(lr * g)


@_eager_in_traces
def _adam_scalars(steps, h):
    """Each step counter advanced, and Adam's scalars for this step, formed as
    torch.optim forms them (Python floats) in one float64 tensor: ``1 - beta1, beta2,
    1 - beta2, eps, weight_decay, 1 - lr * weight_decay``, then ``lr / (1 - beta1**t),
    sqrt(1 - beta2**t)`` per parameter.  Run eagerly (a graph break): computed in the
    graph, Inductor would evaluate them (two float64 pows and a sqrt) again for every
    8 elements of every parameter, which costs more than the update itself."""
    lr, b1, b2, eps, wd = (h[k].value for k in ("lr", "beta1", "beta2", "eps",
                                                 "weight_decay"))
    values = [1 - b1, b2, 1 - b2, eps, wd, 1 - lr * wd]
    for s in steps:
        t = s.add_(1).item()
        values += [lr / (1 - b1 ** t), math.sqrt(1 - b2 ** t)]
    return torch.tensor(values, dtype=torch.float64)


def _adam_traced(params, grads, exp_avgs, exp_avg_sqs, max_sqs, steps, h, amsgrad, decoupled,
                 maximize):
    c = _adam_scalars(steps, h)
    w1, b2, w2, eps, wd, shrink = c[0], c[1], c[2], c[3], c[4], c[5]
    for i, (p, g, m, v) in enumerate(zip(params, grads, exp_avgs, exp_avg_sqs)):
        g = -g if maximize else g
        if h["weight_decay"].nonzero:
            if decoupled:
                p.mul_(shrink)
            else:
                g = g + wd * p
        m.add_(w1 * (g - m))
        v.mul_(b2).add_(w2 * g * g)
        if amsgrad:
            max_sqs[i].copy_(torch.maximum(max_sqs[i], v))
            v = max_sqs[i]
        p.sub_(c[6 + 2 * i] * (m / (v.sqrt() / c[7 + 2 * i] + eps)))  # (addcdiv's order)


def _rmsprop_traced(params, grads, square_avgs, grad_avgs, bufs, steps, h, centered,
                    maximize):
    lr, alpha, eps, wd, momentum = (h[k].tensor for k in ("lr", "alpha", "eps",
                                                          "weight_decay", "momentum"))
    for i, (p, g, sq, s) in enumerate(zip(params, grads, square_avgs, steps)):
        g = -g if maximize else g
        s.add_(1)
        if h["weight_decay"].nonzero:
            g = g + wd * p
        sq.mul_(alpha).add_((1 - alpha) * g * g)
        if centered:
            a = grad_avgs[i]
            a.add_((1 - alpha) * (g - a))
            avg = (sq - a * a).sqrt() + eps
        else:
            avg = sq.sqrt() + eps
        if bufs:
            bufs[i].mul_(momentum).add_(g / avg)
            p.sub_(lr * bufs[i])
        else:
            p.sub_(lr * g / avg)


def _adagrad_traced(params, grads, state_sums, steps, h, maximize):
    lr, lr_decay, wd, eps = (h[k].tensor for k in ("lr", "lr_decay", "weight_decay", "eps"))
    for p, g, acc, s in zip(params, grads, state_sums, steps):
        g = -g if maximize else g
        s.add_(1)
        if h["weight_decay"].nonzero:
            g = g + wd * p
        clr = lr / (1 + (s - 1) * lr_decay)
        acc.add_(g * g)
        p.sub_(clr * g / (acc.sqrt() + eps))


class _TorchTape(GradTape):
    """torch.autograd records every operation on tensors that require gradients, so this
    tape only marks watched tensors and calls ``torch.autograd.grad``."""

    def __init__(self, persistent: bool) -> None:
        self._persistent = persistent

    def __enter__(self) -> _TorchTape:
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    @staticmethod
    def watch(x: Native) -> Native:
        return x if x.requires_grad else x.detach().requires_grad_(True)

    def gradient(self, target, sources, output_gradient, create_graph):
        if not target.requires_grad:  # depends on nothing recorded
            return [torch.zeros_like(s) for s in sources]
        grads = torch.autograd.grad(
            target, list(sources), grad_outputs=output_gradient, create_graph=create_graph,
            retain_graph=create_graph or self._persistent, allow_unused=True,
        )
        return [torch.zeros_like(s) if g is None else g for g, s in zip(grads, sources)]

    @staticmethod
    def stop_recording():
        return torch.no_grad()


_INT_OF_FLOAT = {torch.float16: torch.int16, torch.bfloat16: torch.int16,
                 torch.float32: torch.int32, torch.float64: torch.int64}


def _sort_key(x: Native) -> Native:
    """An integer (or ``x`` itself) that orders as ``x`` does in unitorch's sort: NaN
    above +inf with every NaN equal, -0.0 equal to 0.0, False below True."""
    if x.dtype is torch.bool:
        return x.to(torch.uint8)
    int_dtype = _INT_OF_FLOAT.get(x.dtype)
    if int_dtype is None:
        return x
    info = torch.iinfo(int_dtype)
    bits = x.view(int_dtype)
    # The bits of non-negative floats order as the floats do.  A negative float's bits
    # are INT_MIN + m for its magnitude m: INT_MIN - bits = -m orders them, and maps
    # -0.0 to 0, the key of 0.0.  Every NaN gets INT_MAX, above +inf's key.
    key = torch.where(bits < 0, info.min - bits, bits)
    return key.masked_fill_(torch.isnan(x), info.max)


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


def _advanced_key(key: tuple[Any, ...]) -> tuple[Any, ...]:
    """A key torch indexes as NumPy does.  torch treats ints and 0-d tensors as basic
    indices even next to index tensors, which places the indexed axes differently from
    NumPy (``x[0, :, [1, 2]]``: NumPy (2, 3), torch (3, 2)); with index tensors present,
    make the ints tensors and broadcast them all to one non-0-d shape.  (If that shape
    is 0-d, basic and advanced indexing agree.)"""
    tensors = [k for k in key if isinstance(k, torch.Tensor)]
    if not tensors:
        return key
    if all(t.ndim == 0 for t in tensors):
        return key
    device = tensors[0].device
    adv = [k if isinstance(k, torch.Tensor) else torch.tensor(k, device=device)
           for k in key if isinstance(k, (torch.Tensor, int))]
    it = iter(torch.broadcast_tensors(*adv))
    return tuple(next(it) if isinstance(k, (torch.Tensor, int)) else k for k in key)


BACKEND = TorchBackend()
