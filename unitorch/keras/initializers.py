"""``keras.initializers``: Keras 3's initializers, with its formulas and defaults, drawn
from unitorch's portable random stream.

Each initializer is called as Keras's are, ``init(shape, dtype=None)``, and returns a
unitorch Tensor of ``shape`` (float32 unless ``dtype`` says otherwise).  The numbers
come from unitorch's portable stream (NumPy's Philox generator, see
:mod:`unitorch.random`), drawn in float64 and rounded once, so ``ut.manual_seed(s)``
(or ``keras.utils.set_random_seed(s)``) builds the very same model on every backend.
They are not the numbers Keras draws for that seed (Keras's generators differ per
backend too); the *distributions* are Keras's:

* fans as ``keras.initializers.VarianceScaling`` computes them: for a kernel of shape
  ``(..., in, out)``, ``fan_in = in * receptive`` and ``fan_out = out * receptive``,
  ``receptive`` the product of the leading (spatial) axes; a 1-D shape has
  ``fan_in = fan_out = shape[0]``;
* ``GlorotUniform`` (Keras's default kernel initializer): U(-l, l) with
  ``l = sqrt(6 / (fan_in + fan_out))``;
* truncated normals redraw every value beyond two standard deviations, and
  ``VarianceScaling`` divides their ``stddev`` by 0.8796..., Keras's correction;
* ``Orthogonal``: the Q factor of a normal matrix, signs fixed by ``diag(R)``.

``seed=`` is accepted; with a seed an initializer draws from its own generator
(Philox seeded with it), so it gives the same values each call, as Keras's seeded
initializers do.

Example:
    >>> import unitorch.keras as keras
    >>> keras.initializers.Zeros()((2,))
    tensor([0., 0.], dtype=float32)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import dtypes as dt
from ..tensor import Tensor
from ._core import missing, snake_case, to_dtype

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomNormal", "RandomUniform",
    "TruncatedNormal", "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeNormal",
    "HeUniform", "LecunNormal", "LecunUniform", "Orthogonal", "Identity", "get",
    "serialize", "deserialize",
]


def compute_fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """Keras's ``(fan_in, fan_out)`` for a weight of ``shape``."""
    shape = tuple(int(s) for s in shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive = math.prod(shape[:-2])
    return shape[-2] * receptive, shape[-1] * receptive


def _host(values: np.ndarray, dtype: dt.DType) -> Tensor:
    import unitorch as ut

    return ut.asarray(np.ascontiguousarray(values).astype(dtype.numpy))


class Initializer:
    """Base class: ``__call__(shape, dtype=None)`` returns a Tensor.  Subclasses define
    :meth:`values` (a float64 NumPy array of ``shape``) and ``get_config``.

    Example:
        >>> import unitorch.keras as keras
        >>> class Twos(keras.initializers.Initializer):
        ...     def values(self, shape, draw):
        ...         return np.full(shape, 2.0)
        >>> Twos()((2,))
        tensor([2., 2.], dtype=float32)
    """

    seed: int | None = None

    def __call__(self, shape: Any, dtype: Any = None) -> Tensor:
        shape = tuple(int(s) for s in shape)
        d = to_dtype(dtype)
        if self.seed is not None:
            gen = np.random.Generator(np.random.Philox(int(self.seed)))
            return _host(self.values(shape, lambda sample: sample(gen)), d)
        from ..nn.init import _draw

        return _host(self.values(shape, _draw), d)

    def values(self, shape: tuple[int, ...], draw: Callable[[Any], np.ndarray]) -> np.ndarray:
        """The values for ``shape``, as NumPy; ``draw(sample)`` calls ``sample`` with the
        random generator to use."""
        raise NotImplementedError(f"{type(self).__name__} must define values()")

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (Keras's ``get_config``)."""
        return {}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Initializer:
        """An initializer from :meth:`get_config`'s dict."""
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """All zeros (Keras's default bias initializer).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.Zeros()((2, 1))
        tensor([[0.],
                [0.]], dtype=float32)
    """

    def values(self, shape, draw):
        return np.zeros(shape)


class Ones(Initializer):
    """All ones.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.Ones()((2,))
        tensor([1., 1.], dtype=float32)
    """

    def values(self, shape, draw):
        return np.ones(shape)


class Constant(Initializer):
    """Every element ``value``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.Constant(0.5)((2,))
        tensor([0.5, 0.5], dtype=float32)
    """

    def __init__(self, value: float = 0.0) -> None:
        self.value = float(value)

    def values(self, shape, draw):
        return np.full(shape, self.value)

    def get_config(self):
        return {"value": self.value}


class Identity(Initializer):
    """``gain`` times the identity matrix (2-D shapes only).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.Identity()((2, 2))
        tensor([[1., 0.],
                [0., 1.]], dtype=float32)
    """

    def __init__(self, gain: float = 1.0) -> None:
        self.gain = float(gain)

    def values(self, shape, draw):
        if len(shape) != 2:
            raise ValueError(f"Identity initializer can only be used for 2D matrices. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        return self.gain * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


class RandomNormal(Initializer):
    """Normal values with ``mean`` and ``stddev`` (Keras's defaults 0 and 0.05).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.RandomNormal(stddev=1.0)((3, 2)).shape
        (3, 2)
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None
                 ) -> None:
        self.mean, self.stddev, self.seed = float(mean), float(stddev), seed

    def values(self, shape, draw):
        return draw(lambda g: g.normal(self.mean, self.stddev, shape))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomUniform(Initializer):
    """Uniform values in ``[minval, maxval)`` (Keras's defaults -0.05 and 0.05; the
    default initializer of ``Embedding``).

    Example:
        >>> import unitorch.keras as keras
        >>> w = keras.initializers.RandomUniform(-1.0, 1.0)((100,))
        >>> bool(ut.all(ut.abs(w) <= 1.0))
        True
    """

    def __init__(self, minval: float = -0.05, maxval: float = 0.05, seed: int | None = None
                 ) -> None:
        self.minval, self.maxval, self.seed = float(minval), float(maxval), seed

    def values(self, shape, draw):
        return draw(lambda g: g.uniform(self.minval, self.maxval, shape))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


def _truncated(g: np.random.Generator, mean: float, stddev: float,
               shape: tuple[int, ...]) -> np.ndarray:
    """Normal draws, each beyond two standard deviations drawn again (Keras's rule)."""
    out = g.normal(0.0, 1.0, shape)
    bad = np.abs(out) > 2.0
    while bad.any():
        out[bad] = g.normal(0.0, 1.0, int(bad.sum()))
        bad = np.abs(out) > 2.0
    return mean + stddev * out


class TruncatedNormal(Initializer):
    """Normal values with ``mean`` and ``stddev`` (defaults 0 and 0.05), those beyond two
    standard deviations drawn again.

    Example:
        >>> import unitorch.keras as keras
        >>> w = keras.initializers.TruncatedNormal(stddev=1.0)((1000,))
        >>> bool(ut.all(ut.abs(w) <= 2.0))
        True
    """

    def __init__(self, mean: float = 0.0, stddev: float = 0.05, seed: int | None = None
                 ) -> None:
        self.mean, self.stddev, self.seed = float(mean), float(stddev), seed

    def values(self, shape, draw):
        return draw(lambda g: _truncated(g, self.mean, self.stddev, shape))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class VarianceScaling(Initializer):
    """Values whose variance is ``scale / n``, ``n`` the fan chosen by ``mode``
    (``"fan_in"``, ``"fan_out"``, ``"fan_avg"``), from ``distribution``
    ``"truncated_normal"`` (``"normal"`` is the same), ``"untruncated_normal"`` or
    ``"uniform"`` (U(-l, l), ``l = sqrt(3 scale / n)``).

    Example:
        >>> import unitorch.keras as keras
        >>> init = keras.initializers.VarianceScaling(2.0, "fan_in", "uniform")
        >>> bool(ut.all(ut.abs(init((6, 4))) <= 1.0))  # l = sqrt(3 * 2 / 6)
        True
    """

    def __init__(self, scale: float = 1.0, mode: str = "fan_in",
                 distribution: str = "truncated_normal", seed: int | None = None) -> None:
        if scale <= 0.0:
            raise ValueError(f"Argument `scale` must be positive float. Received: scale={scale}")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(f"Invalid `mode` argument: {mode}. Please use one of "
                             "{'fan_in', 'fan_out', 'fan_avg'}")
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError(f"Invalid `distribution` argument: {distribution}.Please use one "
                             "of {'uniform', 'truncated_normal', 'untruncated_normal'}")
        self.scale, self.mode, self.distribution, self.seed = (float(scale), mode,
                                                               distribution, seed)

    def values(self, shape, draw):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[
            self.mode]
        scale = self.scale / max(1.0, n)
        if self.distribution == "truncated_normal":
            stddev = math.sqrt(scale) / 0.8796256610342398
            return draw(lambda g: _truncated(g, 0.0, stddev, shape))
        if self.distribution == "untruncated_normal":
            return draw(lambda g: g.normal(0.0, math.sqrt(scale), shape))
        limit = math.sqrt(3.0 * scale)
        return draw(lambda g: g.uniform(-limit, limit, shape))

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed}


class _Preset(VarianceScaling):
    _args: tuple[float, str, str] = (1.0, "fan_avg", "uniform")

    def __init__(self, seed: int | None = None) -> None:
        super().__init__(*self._args, seed=seed)

    def get_config(self):
        return {"seed": self.seed}


class GlorotUniform(_Preset):
    """Glorot (Xavier) uniform: U(-l, l), ``l = sqrt(6 / (fan_in + fan_out))``; Keras's
    default kernel initializer.

    Example:
        >>> import unitorch.keras as keras
        >>> w = keras.initializers.GlorotUniform()((4, 2))
        >>> bool(ut.all(ut.abs(w) <= 1.0))  # sqrt(6 / 6)
        True
    """

    _args = (1.0, "fan_avg", "uniform")


class GlorotNormal(_Preset):
    """Glorot (Xavier) normal: truncated normal with variance ``2 / (fan_in + fan_out)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.GlorotNormal()((4, 2)).shape
        (4, 2)
    """

    _args = (1.0, "fan_avg", "truncated_normal")


class HeNormal(_Preset):
    """He normal: truncated normal with variance ``2 / fan_in``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.HeNormal()((4, 2)).shape
        (4, 2)
    """

    _args = (2.0, "fan_in", "truncated_normal")


class HeUniform(_Preset):
    """He uniform: U(-l, l), ``l = sqrt(6 / fan_in)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.HeUniform()((4, 2)).shape
        (4, 2)
    """

    _args = (2.0, "fan_in", "uniform")


class LecunNormal(_Preset):
    """LeCun normal: truncated normal with variance ``1 / fan_in``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.LecunNormal()((4, 2)).shape
        (4, 2)
    """

    _args = (1.0, "fan_in", "truncated_normal")


class LecunUniform(_Preset):
    """LeCun uniform: U(-l, l), ``l = sqrt(3 / fan_in)``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.LecunUniform()((4, 2)).shape
        (4, 2)
    """

    _args = (1.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """An orthogonal matrix (of the shape flattened to ``(prod(shape[:-1]), shape[-1])``)
    times ``gain``; Keras's default recurrent kernel initializer.

    Example:
        >>> import unitorch.keras as keras
        >>> q = keras.initializers.Orthogonal()((3, 3))
        >>> bool(ut.all(ut.abs(q.T @ q - ut.eye(3)) < 1e-5))
        True
    """

    def __init__(self, gain: float = 1.0, seed: int | None = None) -> None:
        self.gain, self.seed = float(gain), seed

    def values(self, shape, draw):
        if len(shape) < 2:
            raise ValueError(f"The tensor to initialize must be at least two-dimensional. "
                             f"Received: shape={shape} of rank {len(shape)}.")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a = draw(lambda g: g.normal(0.0, 1.0, (max(rows, cols), min(rows, cols))))
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return self.gain * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, "seed": self.seed}


_ALL: dict[str, type[Initializer]] = {
    cls.__name__: cls for cls in (
        Zeros, Ones, Constant, RandomNormal, RandomUniform, TruncatedNormal,
        VarianceScaling, GlorotUniform, GlorotNormal, HeNormal, HeUniform, LecunNormal,
        LecunUniform, Orthogonal, Identity)
}
_ALIASES = {snake_case(name): cls for name, cls in _ALL.items()}
_ALIASES.update({"zero": Zeros, "one": Ones, "normal": RandomNormal, "uniform": RandomUniform,
                 "random_normal": RandomNormal, "random_uniform": RandomUniform,
                 "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
                 "he_normal": HeNormal, "he_uniform": HeUniform, "lecun_normal": LecunNormal,
                 "lecun_uniform": LecunUniform, "orthogonal": Orthogonal,
                 "identity": Identity, "truncated_normal": TruncatedNormal})


def get(identifier: Any) -> Initializer | Callable[..., Any] | None:
    """An initializer from a name (``"glorot_uniform"``, ``"zeros"``, ``"he_normal"``,
    class names too), a config dict, an Initializer or any callable
    ``(shape, dtype)``; ``None`` stays ``None``.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.get("glorot_uniform")
        GlorotUniform(seed=None)
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier) or _ALL.get(identifier)
        if cls is None:
            raise ValueError(f"Could not interpret initializer identifier: {identifier}")
        return cls()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier: {identifier}")


def serialize(initializer: Initializer) -> dict[str, Any]:
    """``{"class_name": ..., "config": ...}``, Keras's serialized form.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.serialize(keras.initializers.Constant(2.0))
        {'class_name': 'Constant', 'config': {'value': 2.0}}
    """
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config: dict[str, Any]) -> Initializer:
    """The initializer :func:`serialize` described.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.initializers.deserialize({"class_name": "Zeros", "config": {}})
        Zeros()
    """
    import inspect

    name = config.get("class_name")
    cls = _ALL.get(name) or _ALIASES.get(name)
    if cls is None:
        raise ValueError(f"Could not interpret initializer identifier: {config}")
    args = dict(config.get("config") or {})
    accepted = inspect.signature(cls.__init__).parameters
    extra = {k: v for k, v in args.items() if k not in accepted}
    if any(v is not None for v in extra.values()):  # Keras's input_axes/output_axes...
        raise NotImplementedError(f"{name} with {extra} is not supported by unitorch.keras")
    return cls.from_config({k: v for k, v in args.items() if k in accepted})


def __getattr__(name: str) -> Any:
    raise missing("unitorch.keras.initializers", name,
                  "implemented: " + ", ".join(sorted(_ALL)) + "; any callable "
                  "(shape, dtype) -> tensor works as an initializer")
