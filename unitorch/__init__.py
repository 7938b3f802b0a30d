"""unitorch: write deep-learning code once, run it on PyTorch or TensorFlow kernels.

The backend is chosen when unitorch is imported, from ``UNITORCH_BACKEND`` (``torch`` or
``tensorflow``; unset, torch if installed), and can be changed with :func:`set_backend`
or, for a block, :func:`use_backend`.  Only the chosen framework is imported, when the
first tensor is made (an unknown or uninstalled backend fails at import already).

The namespace implements the Python Array API standard (2024.12) plus the
deep-learning operations users of PyTorch and TensorFlow expect.
"""

from __future__ import annotations

from ._gc import paused as _gc_paused

with _gc_paused():  # see unitorch/_gc.py: a full collection here cost ~75 ms
    from . import dtypes as _dtypes
    from .backends import available_backends, get_backend, set_backend, use_backend
    from .devices import Device
    from .dtypes import (
        DType, bfloat16, bool, can_cast, complex64, complex128, finfo, float16, float32,
        float64, get_default_dtype, iinfo, int8, int16, int32, int64, isdtype, result_type,
        set_default_dtype, uint8, uint16, uint32, uint64,
    )
    from .errors import (
        AxisError, BackendMismatchError, BackendNotAvailableError, DeviceError, DTypeError,
        IndexOutOfRangeError, LinAlgError, OutOfMemoryError, ShapeError, UnitorchError,
    )
    from .precision import get_matmul_precision, set_matmul_precision
    from .tensor import Tensor
    from . import ops as _ops
    from .ops.creation import *
    from .ops.unary import *
    from .ops.elementwise import *
    from .ops.indexing import *
    from .ops.products import *
    from .ops.manipulation import *
    from .ops.statistical import *
    from .ops.sorting import *
    from .ops.searching import *
    from .ops.sets import *
    from .ops.activations import *
    from ._info import __array_namespace_info__
    from .autograd import GradientTape, backward, compile, enable_grad, grad, no_grad, value_and_grad
    from .random import manual_seed
    from .interop import native_io
    from . import random
    from . import nn
    from . import optim
    from . import data
    from .io import load, save
    from .backends import check_requested as _check_requested
    from . import linalg  # the Array API linalg extension: ut.linalg
    from . import fft  # the Array API fft extension: ut.fft

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

e = 2.718281828459045
pi = 3.141592653589793
inf = float("inf")
nan = float("nan")
newaxis = None

# Loaded on first use (PEP 562): training loops, A/B testing, exports and distributed
# training import what they need from the rest, and keep `import unitorch` light.
_LAZY = {"ab": "ab", "distributed": "distributed", "export": "export", "train": "train",
         "Trainer": "train", "callbacks": "train", "fit": "train", "metrics": "train",
         "torch": "torch"}  # ut.torch: the PyTorch front door (import unitorch.torch)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'unitorch' has no attribute {name!r}")
    import importlib

    found = importlib.import_module(f".{module}", __name__)
    value = found if name == module else getattr(found, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


# A bad UNITORCH_BACKEND fails at import; the chosen framework is imported on first use,
# so `import unitorch` (and the `unitorch` command) stays quick until tensors are made.
_check_requested()
