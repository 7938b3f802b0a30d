"""Random numbers: fast per backend by default, identical across backends when portable.

unitorch keeps two kinds of generator, both reset by :func:`manual_seed`:

* **native** generators (a ``torch.Generator``, a ``tf.random.Generator``), one per
  backend and device, used by default: fast and reproducible run to run on one backend,
  but the two frameworks' algorithms give different numbers for one seed;
* one **portable** stream (NumPy's Philox counter-based generator) that draws on the host.
  Parameter initialisation always uses it, so ``ut.manual_seed(s)`` builds the very same
  model on every backend.  With :func:`portable` on, every function here (and dropout)
  uses it too, so a whole training run with dropout matches step by step across
  backends; it is slower (the numbers are made by NumPy and copied to the device) and,
  inside a compiled function, calls back into Python each step.

Until :func:`manual_seed` is called the seed comes from the operating system.  The
environment variable ``UNITORCH_RANDOM=portable`` (read when unitorch is imported;
``native``, the default, otherwise) starts a program in portable mode, so that an
unmodified script's two runs (``unitorch ab script.py``) draw the same numbers.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
import zlib
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import dtypes as dt
from ._alloc import allocate
from .backends import Backend, current
from .devices import Device, as_device
from .errors import DTypeError, ShapeError
from .tensor import Tensor, _wrap

__all__ = [
    "manual_seed", "seed", "initial_seed", "portable", "is_portable", "rand", "randn",
    "randint", "normal", "uniform", "permutation", "bernoulli", "get_state", "set_state",
    "Generator",
]


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.portable = False
        self.native: dict[tuple[str, Device], tuple[Backend, Any]] = {}
        self.reset(secrets.randbits(63))

    def reset(self, seed: int) -> None:
        self.seed = int(seed)
        self.numpy = np.random.Generator(np.random.Philox(self.seed))
        # native generators are reseeded in place, not replaced: a compiled function
        # that captured one must see the new seed too
        for (name, device), (backend, g) in getattr(self, "native", {}).items():
            backend.reseed(g, self._derived(name, device))

    def _derived(self, name: str, device: Device) -> int:
        """One seed per (backend, device), derived from the user's seed (crc32, not
        hash(): str hashes change from process to process)."""
        salt = zlib.crc32(f"{name}:{device}".encode())
        return (self.seed * 1_000_003 + salt) % (2**63)

    def native_rng(self, backend: Backend, device: Device) -> Any:
        key = (backend.name, device)
        entry = self.native.get(key)
        if entry is None:
            entry = self.native[key] = (backend, backend.rng(self._derived(*key), device))
        return entry[1]


def _mode_from_environment() -> bool:
    value = os.environ.get("UNITORCH_RANDOM", "native").strip().lower() or "native"
    if value not in ("native", "portable"):
        raise ValueError(f"UNITORCH_RANDOM must be 'native' or 'portable', got {value!r}")
    return value == "portable"


_state = _State()
_state.portable = _mode_from_environment()


class Generator:
    """A generator of its own (PyTorch's ``torch.Generator``): pass it as ``generator=``
    to a random function, a sampler or a data loader, and it draws from its own streams
    instead of the global ones :func:`manual_seed` seeds.  Like the global generators it
    has a portable (NumPy Philox) stream and a native one per backend and device, and
    follows :func:`portable`: in portable mode its numbers are the same on every backend.
    A new generator starts from PyTorch's default seed, ``67280421310721``.

    Example:
        >>> g = ut.random.Generator().manual_seed(7)
        >>> a = ut.random.rand(3, generator=g)
        >>> g.manual_seed(7) is g
        True
        >>> bool(ut.all(a == ut.random.rand(3, generator=g)))
        True
    """

    DEFAULT_SEED = 67280421310721

    def __init__(self, device: str | Device = "cpu") -> None:
        self.device = as_device(device)
        self._state = _State()
        self._state.reset(self.DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Seed this generator's streams; returns the generator.

        Example:
            >>> ut.random.Generator().manual_seed(3).initial_seed()
            3
        """
        if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
            raise TypeError(f"manual_seed() expects an int, got {type(seed).__name__}")
        with self._state.lock:
            self._state.reset(int(seed) % (2**63))
        return self

    def seed(self) -> int:
        """Seed this generator from the operating system's entropy; returns the seed.

        Example:
            >>> g = ut.random.Generator()
            >>> g.seed() == g.initial_seed()
            True
        """
        s = secrets.randbits(63)
        self.manual_seed(s)
        return s

    def initial_seed(self) -> int:
        """The seed this generator was last seeded with.

        Example:
            >>> ut.random.Generator().initial_seed()
            67280421310721
        """
        return self._state.seed

    def get_state(self) -> dict[str, Any]:
        """This generator's state (as :func:`get_state`, without the global mode).

        Example:
            >>> g = ut.random.Generator()
            >>> state = g.get_state()
            >>> with ut.random.portable(True):
            ...     a = ut.random.rand(2, generator=g)
            ...     _ = g.set_state(state)
            ...     bool(ut.all(a == ut.random.rand(2, generator=g)))
            True
        """
        return {"seed": self._state.seed,
                "portable": _plain(self._state.numpy.bit_generator.state)}

    def set_state(self, state: dict[str, Any]) -> Generator:
        """Restore a state returned by :meth:`get_state`; returns the generator.

        Example:
            >>> g = ut.random.Generator()
            >>> g.set_state(g.get_state()) is g
            True
        """
        seed, numpy_state, _ = _checked_state(state)
        with self._state.lock:
            self._state.reset(seed)
            self._state.numpy.bit_generator.state = numpy_state
        return self

    def __repr__(self) -> str:
        return f"Generator(device={self.device!r}, seed={self._state.seed})"


def _stream(generator: Generator | None) -> _State:
    """The streams to draw from: the generator's, or the global ones."""
    if generator is None:
        return _state
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a ut.random.Generator, got "
                        f"{type(generator).__name__}")
    return generator._state


def manual_seed(seed: int) -> None:
    """Seed every unitorch generator (portable and native, on every backend).

    Example:
        >>> ut.manual_seed(0)
        >>> a = ut.random.rand(3)
        >>> ut.manual_seed(0)
        >>> bool(ut.all(a == ut.random.rand(3)))
        True
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed() expects an int, got {type(seed).__name__}")
    with _state.lock:
        _state.reset(int(seed) % (2**63))


def seed() -> int:
    """Seed every generator from the operating system's entropy; returns the seed.

    Example:
        >>> s = ut.random.seed()
        >>> ut.random.initial_seed() == s
        True
    """
    s = secrets.randbits(63)
    manual_seed(s)
    return s


def initial_seed() -> int:
    """The seed the generators were last seeded with.

    Example:
        >>> ut.manual_seed(42)
        >>> ut.random.initial_seed()
        42
    """
    return _state.seed


class portable(contextlib.ContextDecorator):
    """Turn portable random numbers on or off: ``ut.random.portable(True)`` for the rest
    of the program, or ``with ut.random.portable(True): ...`` for a block.

    Example:
        >>> with ut.random.portable(True):
        ...     ut.manual_seed(1)
        ...     x = ut.random.randn(2)   # the same numbers on every backend
    """

    def __init__(self, enabled: bool = True) -> None:
        self._previous = _state.portable
        _state.portable = bool(enabled)

    def __enter__(self) -> portable:
        return self

    def __exit__(self, *exc: Any) -> None:
        _state.portable = self._previous


def is_portable() -> bool:
    """Whether random functions currently draw from the portable (NumPy) stream.

    Example:
        >>> ut.random.is_portable()
        False
        >>> with ut.random.portable(True):
        ...     ut.random.is_portable()
        True
    """
    return _state.portable


def get_state() -> dict[str, Any]:
    """The generators' state, to resume a run exactly (see :func:`set_state`), as plain
    Python values that :func:`unitorch.save` stores: native generators are restarted
    from the seed, the portable stream resumes where it was.

    Example:
        >>> ut.manual_seed(0)
        >>> state = ut.random.get_state()
        >>> a = ut.random.rand(3)
        >>> ut.random.set_state(state)
        >>> bool(ut.all(a == ut.random.rand(3)))
        True
    """
    return {"seed": _state.seed, "portable": _plain(_state.numpy.bit_generator.state),
            "mode": _state.portable}


def set_state(state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_state`.

    Example:
        >>> with ut.random.portable(True):
        ...     state = ut.random.get_state()
        ...     a = ut.random.randn(2)
        ...     ut.random.set_state(state)
        ...     bool(ut.all(a == ut.random.randn(2)))
        True
    """
    seed, numpy_state, mode = _checked_state(state)
    with _state.lock:
        _state.reset(seed)
        _state.numpy.bit_generator.state = numpy_state
        _state.portable = _state.portable if mode is None else mode


def _checked_state(state: Any) -> tuple[int, dict[str, Any], bool | None]:
    """``(seed, Philox state, portable mode)`` of a :func:`get_state` result, or
    ``ValueError``; nothing is changed (a failed resume must not half-apply)."""
    def bad(why: str) -> ValueError:
        return ValueError(f"set_state() expects a state returned by get_state(); {why}")

    if not isinstance(state, dict):
        raise bad(f"got {type(state).__name__}")
    seed = state.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise bad(f"its 'seed' is {seed!r}, not an int")
    mode = state.get("mode")
    if mode is not None and not isinstance(mode, (bool, np.bool_)):
        raise bad(f"its 'mode' is {mode!r}, not a bool")
    try:
        numpy_state = _numpy_state(state["portable"])
        np.random.Philox().state = numpy_state  # NumPy checks it; a scratch generator
    except (KeyError, TypeError, ValueError, OverflowError, IndexError) as e:
        raise bad(f"its 'portable' entry is not a Philox state ({type(e).__name__}: {e})"
                  ) from None
    return int(seed) % (2**63), numpy_state, None if mode is None else bool(mode)


def _plain(tree: Any) -> Any:
    """NumPy arrays and scalars in a nest as Python ints and lists."""
    if isinstance(tree, dict):
        return {k: _plain(v) for k, v in tree.items()}
    if isinstance(tree, np.ndarray):
        return [int(v) for v in tree.reshape(-1)]
    if isinstance(tree, np.integer):
        return int(tree)
    return tree


def _numpy_state(tree: Any) -> Any:
    """The inverse of :func:`_plain` for Philox's state: its arrays are uint64."""
    if isinstance(tree, dict):
        return {k: _numpy_state(v) for k, v in tree.items()}
    if isinstance(tree, list):
        return np.array(tree, dtype=np.uint64)
    return tree


# ---------------------------------------------------------------------------------------
# drawing


def _shape(size: Any, more: tuple[int, ...]) -> tuple[int, ...]:
    if more:
        size = (size, *more)
    if size is None:
        return ()
    if isinstance(size, (int, np.integer)):
        size = (size,)
    out = tuple(int(s) for s in size)
    if any(s < 0 for s in out):
        raise ShapeError(f"random size {out} has a negative dimension")
    return out


def _float_dtype(dtype: Any, op: str) -> dt.DType:
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    if d.kind != "f":
        raise DTypeError(f"{op}() needs a real floating dtype, got {d.name}")
    return d


def _target(device: Any) -> tuple[Backend, Device]:
    from .ops.creation import get_default_device

    backend = current()
    return backend, as_device(device) or get_default_device(backend)


def _host(backend: Backend, device: Device, shape: tuple[int, ...], dtype: dt.DType,
          draw: Any, state: _State | None = None) -> Any:
    """A native tensor of portable numbers: ``draw(numpy_generator)`` made on the host
    (from ``state``'s stream; default: the global one)."""
    st = _state if state is None else state

    def produce() -> np.ndarray:
        with st.lock:
            values = draw(st.numpy)
        return np.asarray(values).astype(dtype.numpy, copy=False).reshape(shape)

    return backend.host_values(produce, shape, dtype, device)


def _unit_interval(gen: np.random.Generator, shape: tuple[int, ...], dtype: dt.DType
                   ) -> np.ndarray:
    """Uniform in [0, 1) in ``dtype``: rounding a float32 draw to a narrower type could
    reach 1.0, so such values are moved to the largest number below 1."""
    values = gen.random(shape, dtype=np.float64 if dtype is dt.float64 else np.float32)
    if dtype.bits < 32:
        narrow = values.astype(dtype.numpy)
        below_one = np.nextafter(np.array(1, dtype.numpy), np.array(0, dtype.numpy))
        return np.where(narrow >= 1, below_one, narrow)
    return values


def rand(size: int | Sequence[int] = (), *more: int, dtype: dt.DTypeLike | None = None,
         device: str | Device | None = None, generator: Generator | None = None) -> Tensor:
    """Uniform samples in ``[0, 1)`` (default float dtype); ``ut.random.rand(2, 3)`` or
    ``rand((2, 3))``.  ``generator``: draw from that :class:`Generator` (every function
    here takes one).

    Example:
        >>> ut.random.rand(2, 3).shape
        (2, 3)
    """
    shape = _shape(size, more)
    d = _float_dtype(dtype, "rand")
    backend, device = _target(device)
    st = _stream(generator)
    if _state.portable:
        make = lambda: _host(backend, device, shape, d,  # noqa: E731
                             lambda g: _unit_interval(g, shape, d), st)
    else:
        make = lambda: backend.random_uniform(  # noqa: E731
            st.native_rng(backend, device), shape, d, device)
    return _wrap(backend.Tensor, allocate(backend, "rand", shape, d, device, make), d)


def randn(size: int | Sequence[int] = (), *more: int, dtype: dt.DTypeLike | None = None,
          device: str | Device | None = None, generator: Generator | None = None) -> Tensor:
    """Standard normal samples (default float dtype).

    Example:
        >>> ut.random.randn(4).dtype
        unitorch.float32
    """
    shape = _shape(size, more)
    d = _float_dtype(dtype, "randn")
    backend, device = _target(device)
    st = _stream(generator)
    if _state.portable:
        wide = np.float64 if d is dt.float64 else np.float32
        make = lambda: _host(backend, device, shape, d,  # noqa: E731
                             lambda g: g.standard_normal(shape, dtype=wide), st)
    else:
        make = lambda: backend.random_normal(  # noqa: E731
            st.native_rng(backend, device), shape, d, device)
    return _wrap(backend.Tensor, allocate(backend, "randn", shape, d, device, make), d)


def randint(low: int, high: int | None = None, size: int | Sequence[int] = (), *,
            dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
            generator: Generator | None = None) -> Tensor:
    """Uniform integers in ``[low, high)`` (``randint(high, size=...)`` starts at 0); int64
    by default.

    Example:
        >>> ut.random.randint(0, 10, (3,)).dtype
        unitorch.int64
    """
    if high is None:
        low, high = 0, low
    low, high = int(low), int(high)
    if high <= low:
        raise ValueError(f"randint() needs low < high, got low={low}, high={high}")
    d = dt.int64 if dtype is None else dt.as_dtype(dtype)
    if d.kind not in "iu":
        raise DTypeError(f"randint() needs an integer dtype, got {d.name}")
    info = dt.iinfo(d)
    if low < info.min or high - 1 > info.max:
        raise OverflowError(f"randint() range [{low}, {high}) does not fit {d.name}")
    shape = _shape(size, ())
    backend, device = _target(device)
    st = _stream(generator)
    if _state.portable:
        make = lambda: _host(backend, device, shape, d,  # noqa: E731
                             lambda g: g.integers(low, high, shape, dtype=np.int64), st)
    else:
        make = lambda: backend.random_integers(  # noqa: E731
            st.native_rng(backend, device), low, high, shape, d, device)
    return _wrap(backend.Tensor, allocate(backend, "randint", shape, d, device, make), d)


def normal(mean: float = 0.0, std: float = 1.0, size: int | Sequence[int] = (), *,
           dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
           generator: Generator | None = None) -> Tensor:
    """Normal samples with ``mean`` and standard deviation ``std`` (``std >= 0``).

    Example:
        >>> ut.random.normal(5.0, 0.1, (2,)).shape
        (2,)
    """
    if std < 0:
        raise ValueError(f"normal() needs std >= 0, got {std}")
    z = randn(_shape(size, ()), dtype=dtype, device=device, generator=generator)
    return z * std + mean if (std, mean) != (1.0, 0.0) else z


def uniform(low: float = 0.0, high: float = 1.0, size: int | Sequence[int] = (), *,
            dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
            generator: Generator | None = None) -> Tensor:
    """Uniform samples in ``[low, high)``.

    Example:
        >>> x = ut.random.uniform(-1.0, 1.0, (100,))
        >>> bool(ut.all((x >= -1) & (x < 1)))
        True
    """
    if not high >= low:
        raise ValueError(f"uniform() needs low <= high, got low={low}, high={high}")
    u = rand(_shape(size, ()), dtype=dtype, device=device, generator=generator)
    return u * (high - low) + low if (low, high) != (0.0, 1.0) else u


def permutation(x: int | Tensor, *, device: str | Device | None = None,
                generator: Generator | None = None) -> Tensor:
    """A random permutation of ``range(x)`` (int64), or of the first axis of tensor ``x``.

    Example:
        >>> sorted(ut.random.permutation(4).tolist())
        [0, 1, 2, 3]
    """
    if isinstance(x, Tensor):
        from .backends import use_backend
        from .ops.indexing import take

        if x.ndim == 0:
            raise ShapeError("permutation() of a tensor needs at least 1 dimension")
        with use_backend(x.backend):
            return take(x, permutation(x.shape[0], device=x.device, generator=generator),
                        axis=0)
    n = int(x)
    if n < 0:
        raise ValueError(f"permutation() needs n >= 0, got {n}")
    backend, device = _target(device)
    st = _stream(generator)
    if _state.portable:
        native = _host(backend, device, (n,), dt.int64, lambda g: g.permutation(n), st)
    else:
        native = backend.random_permutation(st.native_rng(backend, device), n, device)
    return _wrap(backend.Tensor, native, dt.int64)


def bernoulli(p: float | Tensor, size: int | Sequence[int] | None = None, *,
              dtype: dt.DTypeLike | None = None, device: str | Device | None = None,
              generator: Generator | None = None) -> Tensor:
    """1 with probability ``p``, else 0 (``p`` a float in [0, 1] with ``size``, or a tensor
    of probabilities giving the shape); the default float dtype unless ``dtype``.

    Example:
        >>> ut.random.bernoulli(0.5, (3,)).shape
        (3,)
    """
    d = dt.get_default_dtype() if dtype is None else dt.as_dtype(dtype)
    if isinstance(p, Tensor):
        u = rand(p.shape, dtype=p.dtype if p.dtype.kind == "f" else None, device=p.device,
                 generator=generator)
        return (u < p).astype(d)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"bernoulli() needs 0 <= p <= 1, got {p}")
    u = rand(_shape(size, ()), device=device, generator=generator)
    return (u < p).astype(d)


def _portable_numpy(generator: Generator | None = None) -> np.random.Generator:
    """The portable stream (of ``generator``, or the global one), for unitorch's own use
    (parameter initialisation, shuffling)."""
    return _stream(generator).numpy


def _portable_lock(generator: Generator | None = None) -> threading.Lock:
    return _stream(generator).lock
