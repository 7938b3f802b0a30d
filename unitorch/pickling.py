"""Pickling (and ``copy.deepcopy``) of a :class:`unitorch.Tensor`: the values (a NumPy
copy), the dtype, the backend, the device, ``requires_grad`` and whether it is an
``nn.Parameter``; unpickling makes a new tensor of that backend.

Each backend has its own Tensor subclass (``unitorch.tensor.bind_tensor_type``), which
pickle cannot find by name, so tensors say how to rebuild themselves.  Client libraries
pickle their fitted objects (SciPy's ``Rotation``, scikit-learn's estimators), and
``multiprocessing`` pickles arguments.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["reduce_tensor", "rebuild_tensor"]


def reduce_tensor(self: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Tensor.__reduce__``: how pickle stores a tensor.

    Example:
        >>> import pickle
        >>> t = ut.tensor([1.5, 2.0])
        >>> u = pickle.loads(pickle.dumps(t))
        >>> u, u.backend == t.backend
        (tensor([1.5, 2. ], dtype=float32), True)
    """
    values = np.array(self._bk.to_numpy(self._n))  # a copy: the tensor's memory may change
    return rebuild_tensor, (self._bk.name, values, self._d.name, str(self.device),
                            bool(self.requires_grad), bool(getattr(self, "_p", False)))


def rebuild_tensor(backend: str, values: np.ndarray, dtype: str, device: str,
                   requires_grad: bool, parameter: bool = False) -> Any:
    """The tensor :func:`reduce_tensor` stored (on ``device``, which must exist here).

    Example:
        >>> from unitorch.pickling import rebuild_tensor
        >>> rebuild_tensor(ut.get_backend(), np.arange(3), "int64", "cpu", False)
        tensor([0, 1, 2], dtype=int64)
    """
    from .backends import use_backend
    from .ops.creation import asarray

    with use_backend(backend):
        t = asarray(values, dtype=dtype, device=device, copy=True)
    if requires_grad:
        t.requires_grad_(True)
    if parameter:  # an nn.Parameter stays one (copy.deepcopy of a module goes through here)
        t._p = True
    return t
