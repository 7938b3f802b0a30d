"""Parameter initialisation, with PyTorch's formulas, identical on every backend.

Every function here fills a tensor in place from unitorch's portable random stream (a
NumPy Philox generator, see :mod:`unitorch.random`), so ``ut.manual_seed(s)`` followed
by building a model gives the same numbers on PyTorch and on TensorFlow.  Values are
drawn in float64 and rounded once to the tensor's dtype.

``fan_in`` and ``fan_out`` follow PyTorch: for a weight of shape ``(out, in, *kernel)``,
``fan_in = in * prod(kernel)`` and ``fan_out = out * prod(kernel)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ..errors import ShapeError
from ..random import _portable_lock, _portable_numpy
from ..tensor import Tensor

__all__ = [
    "calculate_gain", "calculate_fan_in_and_fan_out", "uniform_", "normal_", "zeros_",
    "ones_", "constant_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
    "kaiming_normal_", "trunc_normal_", "orthogonal_", "eye_",
]


def _fill(tensor: Tensor, values: np.ndarray) -> Tensor:
    """Write host ``values`` into ``tensor`` in place (no gradient is recorded)."""
    from ..autograd import no_grad

    backend = type(tensor)._bk
    host = np.array(values, dtype=np.float64).reshape(tensor.shape)  # a fresh C array
    native = backend.from_numpy(host.astype(tensor.dtype.numpy), backend.device(tensor._n))
    with no_grad():
        tensor._n = backend.assign(tensor._n, native)
    return tensor


def _draw(sample: Callable[[np.random.Generator], np.ndarray]) -> np.ndarray:
    with _portable_lock():
        return sample(_portable_numpy())


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The recommended gain for a nonlinearity (PyTorch's table): 1 for linear, conv and
    sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu
    (slope 0.01 by default), 3/4 for selu.

    Example:
        >>> ut.nn.init.calculate_gain("relu")
        1.4142135623730951
    """
    linear = {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
              "conv_transpose3d", "sigmoid", "identity"}
    if nonlinearity in linear:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else float(param)
        return math.sqrt(2.0 / (1 + slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"unsupported nonlinearity {nonlinearity!r}")


def calculate_fan_in_and_fan_out(tensor: Tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight of shape ``(out, in, *kernel)``.

    Example:
        >>> ut.nn.init.calculate_fan_in_and_fan_out(ut.zeros((4, 3, 2, 2)))
        (12, 16)
    """
    shape = tensor.shape
    if len(shape) < 2:
        raise ShapeError(
            f"fan in and fan out need a tensor of at least 2 dimensions, got shape {shape}"
        )
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def _fan(tensor: Tensor, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"mode must be 'fan_in' or 'fan_out', got {mode!r}")
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Tensor, a: float = 0.0, b: float = 1.0) -> Tensor:
    """Fill with U(a, b).

    Example:
        >>> w = ut.nn.init.uniform_(ut.zeros(3), -1.0, 1.0)
    """
    return _fill(tensor, _draw(lambda g: g.uniform(a, b, tensor.shape)))


def normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0) -> Tensor:
    """Fill with N(mean, std^2).

    Example:
        >>> w = ut.nn.init.normal_(ut.zeros(3), 0.0, 0.02)
    """
    return _fill(tensor, _draw(lambda g: mean + std * g.standard_normal(tensor.shape)))


def constant_(tensor: Tensor, val: float) -> Tensor:
    """Fill with ``val``.

    Example:
        >>> ut.nn.init.constant_(ut.zeros(2), 0.5)
        tensor([0.5, 0.5], dtype=float32)
    """
    return _fill(tensor, np.full(tensor.shape, val, dtype=np.float64))


def zeros_(tensor: Tensor) -> Tensor:
    """Fill with 0.

    Example:
        >>> ut.nn.init.zeros_(ut.ones(2))
        tensor([0., 0.], dtype=float32)
    """
    return constant_(tensor, 0.0)


def ones_(tensor: Tensor) -> Tensor:
    """Fill with 1.

    Example:
        >>> ut.nn.init.ones_(ut.zeros(2))
        tensor([1., 1.], dtype=float32)
    """
    return constant_(tensor, 1.0)


def eye_(tensor: Tensor) -> Tensor:
    """Fill a 2-D tensor with the identity matrix.

    Example:
        >>> ut.nn.init.eye_(ut.zeros((2, 2)))
        tensor([[1., 0.],
                [0., 1.]], dtype=float32)
    """
    if tensor.ndim != 2:
        raise ShapeError(f"eye_() needs a 2-D tensor, got shape {tensor.shape}")
    return _fill(tensor, np.eye(*tensor.shape))


def xavier_uniform_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot uniform: U(-a, a) with ``a = gain * sqrt(6 / (fan_in + fan_out))``.

    Example:
        >>> w = ut.nn.init.xavier_uniform_(ut.zeros((3, 4)))
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    a = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -a, a)


def xavier_normal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """Glorot normal: N(0, std^2) with ``std = gain * sqrt(2 / (fan_in + fan_out))``.

    Example:
        >>> w = ut.nn.init.xavier_normal_(ut.zeros((3, 4)))
    """
    fan_in, fan_out = calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)))


def kaiming_uniform_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu") -> Tensor:
    """He uniform: U(-b, b) with ``b = gain * sqrt(3 / fan)``, ``gain =
    calculate_gain(nonlinearity, a)``.  ``nn.Linear`` and ``nn.Conv2d`` use it with
    ``a = sqrt(5)``, which gives ``b = 1 / sqrt(fan_in)``.

    Example:
        >>> w = ut.nn.init.kaiming_uniform_(ut.zeros((3, 4)), a=5 ** 0.5)
    """
    bound = calculate_gain(nonlinearity, a) * math.sqrt(3.0 / _fan(tensor, mode))
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor: Tensor, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu") -> Tensor:
    """He normal: N(0, std^2) with ``std = gain / sqrt(fan)``.

    Example:
        >>> w = ut.nn.init.kaiming_normal_(ut.zeros((3, 4)), nonlinearity="relu")
    """
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(tensor, mode))
    return normal_(tensor, 0.0, std)


def trunc_normal_(tensor: Tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0,
                  b: float = 2.0) -> Tensor:
    """N(mean, std^2) restricted to ``[a, b]`` (absolute bounds, as in PyTorch), drawn by
    rejection: values outside are drawn again, which gives exactly the truncated
    distribution.

    Example:
        >>> w = ut.nn.init.trunc_normal_(ut.zeros(100), std=0.02, a=-0.04, b=0.04)
    """
    if not a < b:
        raise ValueError(f"trunc_normal_() needs a < b, got a={a}, b={b}")

    def sample(g: np.random.Generator) -> np.ndarray:
        out = mean + std * g.standard_normal(tensor.shape)
        for _ in range(1000):
            bad = (out < a) | (out > b)
            if not bad.any():
                return out
            out[bad] = mean + std * g.standard_normal(int(bad.sum()))
        raise ValueError(f"trunc_normal_(): [{a}, {b}] is too improbable under "
                         f"N({mean}, {std}^2) to sample by rejection")

    return _fill(tensor, _draw(sample))


def orthogonal_(tensor: Tensor, gain: float = 1.0) -> Tensor:
    """A (semi-)orthogonal matrix from the QR decomposition of a standard normal one, the
    signs fixed by R's diagonal, scaled by ``gain``; tensors of more than 2 dimensions are
    treated as ``(shape[0], prod(shape[1:]))``.

    Example:
        >>> q = ut.nn.init.orthogonal_(ut.zeros((3, 3)))
    """
    if tensor.ndim < 2:
        raise ShapeError(f"orthogonal_() needs at least 2 dimensions, got shape {tensor.shape}")
    rows = tensor.shape[0]
    cols = math.prod(tensor.shape[1:])

    def sample(g: np.random.Generator) -> np.ndarray:
        flat = g.standard_normal((rows, cols))
        if rows < cols:
            flat = flat.T
        q, r = np.linalg.qr(flat)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return gain * q.reshape(tensor.shape)

    return _fill(tensor, _draw(sample))
