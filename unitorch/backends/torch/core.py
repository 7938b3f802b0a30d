"""The PyTorch backend's plumbing: dtypes, devices, conversion, and the helpers the
other modules of this package share."""

from __future__ import annotations

from typing import Any

import ml_dtypes
import numpy as np
import torch

from ... import dtypes as dt
from ...devices import Device
from ..contract import Native

_DTYPES = {
    dt.bool: torch.bool, dt.int8: torch.int8, dt.int16: torch.int16, dt.int32: torch.int32,
    dt.int64: torch.int64, dt.uint8: torch.uint8, dt.float16: torch.float16,
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
    return torch.device("cpu") if device.type == "cpu" else torch.device("cuda", device.index)


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
