"""PyTorch's tensor factories and random functions, with PyTorch's arguments.

Every factory takes ``dtype=``, ``device=`` and ``requires_grad=`` (and accepts
``layout=``, ``pin_memory=`` and ``memory_format=``, which change nothing: unitorch's
tensors have one layout, and host memory is the framework's), sizes as ``zeros(2, 3)``
or ``zeros((2, 3))``, and ``out=`` (the result is written into that tensor).

Random functions draw from unitorch's generators (``manual_seed`` seeds them all), or
from ``generator=`` (a :class:`Generator`).  By default they are the frameworks' own
fast generators, so one seed gives different numbers on the two backends; in
unitorch's portable mode (``ut.random.portable(True)``, or ``UNITORCH_RANDOM=portable``
in the environment) they are the same on both.  They are never PyTorch's numbers.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import dtypes as dt
from .. import random as _random
from ..backends import use_backend
from ..errors import DTypeError, ShapeError, fmt_shape
from ..ops import creation as cr
from ..ops import elementwise as ew
from ..ops import manipulation as mp
from ..ops import sorting as so
from ..ops import statistical as st
from ..ops import unary as un
from ..ops.pytorch.inplace import check_inplace, write_back
from ..random import Generator
from ..tensor import Tensor

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "zeros", "ones", "empty", "full",
    "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace",
    "logspace", "eye", "rand", "randn", "randint", "randperm", "rand_like", "randn_like",
    "randint_like", "multinomial", "bernoulli", "normal", "manual_seed", "seed",
    "initial_seed", "get_rng_state", "set_rng_state", "Generator",
]

_IGNORED = ("layout", "pin_memory", "memory_format")


def _sizes(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if len(size) == 1 and size[0] is None:
        return ()
    return tuple(operator.index(s) for s in size)


def _check_ignored(name: str, options: dict[str, Any]) -> None:
    unknown = set(options) - set(_IGNORED)
    if unknown:
        raise TypeError(f"{name}() got unexpected keyword arguments {sorted(unknown)}")


def _finish(t: Tensor, requires_grad: bool, out: Tensor | None, name: str) -> Tensor:
    if out is not None:
        check_inplace(out)
        if out.shape != t.shape:
            raise ShapeError(f"{name}(out=...): out has shape {fmt_shape(out.shape)}, the "
                             f"result {fmt_shape(t.shape)}")
        return write_back(out, t, name, convert=True)
    return t.requires_grad_() if requires_grad else t


def tensor(data: Any, *, dtype: dt.DTypeLike | None = None, device: Any = None,
           requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (nested lists, NumPy arrays, scalars,
    tensors); Python floats give the default float dtype, ints int64.

    Example:
        >>> ut.torch.tensor([[1, 2], [3, 4]], dtype=ut.torch.float, requires_grad=True)
        tensor([[1., 2.],
                [3., 4.]], dtype=float32)
    """
    return _finish(cr.tensor(data, dtype=dtype, device=device), requires_grad, None, "tensor")


def as_tensor(data: Any, dtype: dt.DTypeLike | None = None, device: Any = None) -> Tensor:
    """``data`` as a tensor, sharing memory where the framework can (a NumPy array on
    the torch backend's CPU; TensorFlow copies).

    Example:
        >>> ut.torch.as_tensor(np.array([1.5, 2.5])).dtype
        unitorch.float64
    """
    return cr.asarray(data, dtype=dtype, device=device)


def asarray(obj: Any, *, dtype: dt.DTypeLike | None = None, device: Any = None,
            copy: bool | None = None, requires_grad: bool = False) -> Tensor:
    """PyTorch's ``asarray``: :func:`unitorch.asarray` with ``requires_grad``.

    Example:
        >>> ut.torch.asarray([1, 2], dtype=ut.torch.float64)
        tensor([1., 2.], dtype=float64)
    """
    return _finish(cr.asarray(obj, dtype=dtype, device=device, copy=copy), requires_grad,
                   None, "asarray")


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor of a NumPy array's values and dtype, sharing its memory on the torch
    backend's CPU (TensorFlow copies).

    Example:
        >>> ut.torch.from_numpy(np.arange(3, dtype=np.int32))
        tensor([0, 1, 2], dtype=int32)
    """
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy() expects a NumPy array, got {type(ndarray).__name__}")
    return cr.asarray(ndarray)


def _fill(name: str, make: Any, size: tuple[Any, ...], out: Any, dtype: Any, device: Any,
          requires_grad: bool, options: dict[str, Any]) -> Tensor:
    _check_ignored(name, options)
    return _finish(make(_sizes(size), dtype=dtype, device=device), requires_grad, out, name)


def zeros(*size: Any, out: Tensor | None = None, dtype: dt.DTypeLike | None = None,
          device: Any = None, requires_grad: bool = False, **options: Any) -> Tensor:
    """Zeros of ``size`` (default float dtype).

    Example:
        >>> ut.torch.zeros(2, 3).shape, ut.torch.zeros((2,), dtype=ut.torch.long).dtype
        ((2, 3), unitorch.int64)
    """
    return _fill("zeros", cr.zeros, size, out, dtype, device, requires_grad, options)


def ones(*size: Any, out: Tensor | None = None, dtype: dt.DTypeLike | None = None,
         device: Any = None, requires_grad: bool = False, **options: Any) -> Tensor:
    """Ones of ``size`` (default float dtype).

    Example:
        >>> ut.torch.ones(2, requires_grad=True).requires_grad
        True
    """
    return _fill("ones", cr.ones, size, out, dtype, device, requires_grad, options)


def empty(*size: Any, out: Tensor | None = None, dtype: dt.DTypeLike | None = None,
          device: Any = None, requires_grad: bool = False, **options: Any) -> Tensor:
    """An uninitialized tensor of ``size`` (unitorch fills it with zeros, so nothing
    depends on stale memory).

    Example:
        >>> ut.torch.empty(2, 2).shape
        (2, 2)
    """
    return _fill("empty", cr.empty, size, out, dtype, device, requires_grad, options)


def full(size: Any, fill_value: Any, *, out: Tensor | None = None,
         dtype: dt.DTypeLike | None = None, device: Any = None, requires_grad: bool = False,
         **options: Any) -> Tensor:
    """``fill_value`` in a tensor of ``size`` (the dtype follows the value: bool, int64,
    the default float).

    Example:
        >>> ut.torch.full((), 0.3, requires_grad=True)
        tensor(0.3, dtype=float32)
    """
    _check_ignored("full", options)
    t = cr.full(_sizes((size,)), fill_value, dtype=dtype, device=device)
    return _finish(t, requires_grad, out, "full")


def _like(name: str, make: Any, input: Tensor, dtype: Any, device: Any,
          requires_grad: bool, options: dict[str, Any]) -> Tensor:
    _check_ignored(name, options)
    with use_backend(input.backend):
        t = make(input.shape, input.dtype if dtype is None else dtype,
                 input.device if device is None else device)
    return _finish(t, requires_grad, None, name)


def zeros_like(input: Tensor, *, dtype: dt.DTypeLike | None = None, device: Any = None,
               requires_grad: bool = False, **options: Any) -> Tensor:
    """Zeros of ``input``'s shape, dtype and device (unless given).

    Example:
        >>> ut.torch.zeros_like(ut.torch.ones(2, dtype=ut.torch.int32))
        tensor([0, 0], dtype=int32)
    """
    return _like("zeros_like", lambda s, d, v: cr.zeros(s, dtype=d, device=v), input, dtype,
                 device, requires_grad, options)


def ones_like(input: Tensor, *, dtype: dt.DTypeLike | None = None, device: Any = None,
              requires_grad: bool = False, **options: Any) -> Tensor:
    """Ones of ``input``'s shape, dtype and device (unless given).

    Example:
        >>> ut.torch.ones_like(ut.torch.zeros(2))
        tensor([1., 1.], dtype=float32)
    """
    return _like("ones_like", lambda s, d, v: cr.ones(s, dtype=d, device=v), input, dtype,
                 device, requires_grad, options)


def empty_like(input: Tensor, *, dtype: dt.DTypeLike | None = None, device: Any = None,
               requires_grad: bool = False, **options: Any) -> Tensor:
    """An uninitialized (zero-filled) tensor like ``input``.

    Example:
        >>> ut.torch.empty_like(ut.torch.ones(3)).shape
        (3,)
    """
    return _like("empty_like", lambda s, d, v: cr.empty(s, dtype=d, device=v), input, dtype,
                 device, requires_grad, options)


def full_like(input: Tensor, fill_value: Any, *, dtype: dt.DTypeLike | None = None,
              device: Any = None, requires_grad: bool = False, **options: Any) -> Tensor:
    """``fill_value`` in a tensor like ``input`` (its dtype unless given).

    Example:
        >>> ut.torch.full_like(ut.torch.zeros(2), 7)
        tensor([7., 7.], dtype=float32)
    """
    return _like("full_like", lambda s, d, v: cr.full(s, fill_value, dtype=d, device=v),
                 input, dtype, device, requires_grad, options)


def arange(start: Any = 0, end: Any = None, step: Any = 1, *, out: Tensor | None = None,
           dtype: dt.DTypeLike | None = None, device: Any = None,
           requires_grad: bool = False, **options: Any) -> Tensor:
    """``start, start + step, ...`` below ``end`` (``arange(n)`` counts from 0); int64 for
    integer arguments, the default float dtype otherwise.

    Example:
        >>> ut.torch.arange(0, 10, 3), ut.torch.arange(3, dtype=ut.torch.float)
        (tensor([0, 3, 6, 9], dtype=int64), tensor([0., 1., 2.], dtype=float32))
    """
    _check_ignored("arange", options)
    t = cr.arange(start, end, step, dtype=dtype, device=device)
    return _finish(t, requires_grad, out, "arange")


def linspace(start: Any, end: Any, steps: int, *, out: Tensor | None = None,
             dtype: dt.DTypeLike | None = None, device: Any = None,
             requires_grad: bool = False, **options: Any) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included.

    Example:
        >>> ut.torch.linspace(0, 1, steps=5)
        tensor([0.  , 0.25, 0.5 , 0.75, 1.  ], dtype=float32)
    """
    _check_ignored("linspace", options)
    t = cr.linspace(start, end, operator.index(steps), dtype=dtype, device=device)
    return _finish(t, requires_grad, out, "linspace")


def logspace(start: Any, end: Any, steps: int, base: float = 10.0, *,
             out: Tensor | None = None, dtype: dt.DTypeLike | None = None,
             device: Any = None, requires_grad: bool = False, **options: Any) -> Tensor:
    """``base ** linspace(start, end, steps)``.

    Example:
        >>> ut.torch.logspace(0, 2, 3)
        tensor([  1.,  10., 100.], dtype=float32)
    """
    _check_ignored("logspace", options)
    exponents = cr.linspace(start, end, operator.index(steps), dtype=dt.float64,
                            device=device)
    t = ew.pow(float(base), exponents)
    t = t.astype(dt.get_default_dtype() if dtype is None else dtype)
    return _finish(t, requires_grad, out, "logspace")


def eye(n: int, m: int | None = None, *, out: Tensor | None = None,
        dtype: dt.DTypeLike | None = None, device: Any = None, requires_grad: bool = False,
        **options: Any) -> Tensor:
    """An ``n x m`` identity matrix (``m`` defaults to ``n``).

    Example:
        >>> ut.torch.eye(2)
        tensor([[1., 0.],
                [0., 1.]], dtype=float32)
    """
    _check_ignored("eye", options)
    t = cr.eye(operator.index(n), None if m is None else operator.index(m), dtype=dtype,
               device=device)
    return _finish(t, requires_grad, out, "eye")


# ---------------------------------------------------------------------------------------
# random


def manual_seed(seed: int) -> Generator:
    """Seed every unitorch generator (:func:`unitorch.manual_seed`); returns a
    :class:`Generator` seeded alike, as PyTorch returns its default generator.

    Example:
        >>> _ = ut.torch.manual_seed(0)
        >>> a = ut.torch.rand(2)
        >>> _ = ut.torch.manual_seed(0)
        >>> bool((a == ut.torch.rand(2)).all())
        True
    """
    _random.manual_seed(seed)
    return Generator().manual_seed(seed)


def seed() -> int:
    """Seed every generator from the operating system; returns the seed.

    Example:
        >>> s = ut.torch.seed()
        >>> ut.torch.initial_seed() == s
        True
    """
    return _random.seed()


def initial_seed() -> int:
    """The seed the generators were last seeded with.

    Example:
        >>> _ = ut.torch.manual_seed(3)
        >>> ut.torch.initial_seed()
        3
    """
    return _random.initial_seed()


def get_rng_state() -> dict[str, Any]:
    """The generators' state (:func:`unitorch.random.get_state`: a dict, not PyTorch's
    byte tensor), for :func:`set_rng_state`.

    Example:
        >>> state = ut.torch.get_rng_state()
        >>> ut.torch.set_rng_state(state)
    """
    return _random.get_state()


def set_rng_state(new_state: dict[str, Any]) -> None:
    """Restore a state returned by :func:`get_rng_state`.

    Example:
        >>> ut.torch.set_rng_state(ut.torch.get_rng_state())
    """
    _random.set_state(new_state)


def _draw(name: str, draw: Any, size: tuple[Any, ...], generator: Any, out: Any,
          dtype: Any, device: Any, requires_grad: bool, options: dict[str, Any]) -> Tensor:
    _check_ignored(name, options)
    t = draw(_sizes(size), dtype=dtype, device=device, generator=generator)
    return _finish(t, requires_grad, out, name)


def rand(*size: Any, generator: Generator | None = None, out: Tensor | None = None,
         dtype: dt.DTypeLike | None = None, device: Any = None, requires_grad: bool = False,
         **options: Any) -> Tensor:
    """Uniform samples in ``[0, 1)`` of ``size``.

    Example:
        >>> ut.torch.rand(2, 3).shape
        (2, 3)
    """
    return _draw("rand", _random.rand, size, generator, out, dtype, device, requires_grad,
                 options)


def randn(*size: Any, generator: Generator | None = None, out: Tensor | None = None,
          dtype: dt.DTypeLike | None = None, device: Any = None, requires_grad: bool = False,
          **options: Any) -> Tensor:
    """Standard normal samples of ``size``.

    Example:
        >>> ut.torch.randn((), requires_grad=True).shape
        ()
    """
    return _draw("randn", _random.randn, size, generator, out, dtype, device, requires_grad,
                 options)


def randint(*args: Any, size: Any = None, generator: Generator | None = None,
            out: Tensor | None = None, dtype: dt.DTypeLike | None = None,
            device: Any = None, requires_grad: bool = False, **options: Any) -> Tensor:
    """Uniform integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low,
    high, size)`` (int64 unless ``dtype``).

    Example:
        >>> ut.torch.randint(10, (3,)).dtype, ut.torch.randint(3, 5, (2, 2)).shape
        (unitorch.int64, (2, 2))
    """
    _check_ignored("randint", options)
    if size is None:
        if not args:
            raise TypeError("randint() needs a size")
        *args, size = args
    if len(args) == 1:
        low, high = 0, args[0]
    elif len(args) == 2:
        low, high = args
    else:
        raise TypeError("randint() takes (high, size) or (low, high, size)")
    t = _random.randint(low, high, _sizes((size,)), dtype=dtype, device=device,
                        generator=generator)
    return _finish(t, requires_grad, out, "randint")


def randperm(n: int, *, generator: Generator | None = None, out: Tensor | None = None,
             dtype: dt.DTypeLike | None = None, device: Any = None,
             requires_grad: bool = False, **options: Any) -> Tensor:
    """A random permutation of ``0 .. n - 1`` (int64 unless ``dtype``).

    Example:
        >>> sorted(ut.torch.randperm(4).tolist())
        [0, 1, 2, 3]
    """
    _check_ignored("randperm", options)
    t = _random.permutation(operator.index(n), device=device, generator=generator)
    if dtype is not None:
        t = t.astype(dtype)
    return _finish(t, requires_grad, out, "randperm")


def _like_draw(name: str, input: Tensor, dtype: Any, device: Any, draw: Any,
               requires_grad: bool, options: dict[str, Any]) -> Tensor:
    _check_ignored(name, options)
    with use_backend(input.backend):
        t = draw(input.shape, input.dtype if dtype is None else dtype,
                 input.device if device is None else device)
    return _finish(t, requires_grad, None, name)


def rand_like(input: Tensor, *, dtype: dt.DTypeLike | None = None, device: Any = None,
              requires_grad: bool = False, **options: Any) -> Tensor:
    """Uniform samples in ``[0, 1)`` like ``input``.

    Example:
        >>> ut.torch.rand_like(ut.torch.zeros(2, 2)).shape
        (2, 2)
    """
    return _like_draw("rand_like", input, dtype, device,
                      lambda s, d, v: _random.rand(s, dtype=d, device=v), requires_grad,
                      options)


def randn_like(input: Tensor, *, dtype: dt.DTypeLike | None = None, device: Any = None,
               requires_grad: bool = False, **options: Any) -> Tensor:
    """Standard normal samples like ``input``.

    Example:
        >>> ut.torch.randn_like(ut.torch.zeros(3)).shape
        (3,)
    """
    return _like_draw("randn_like", input, dtype, device,
                      lambda s, d, v: _random.randn(s, dtype=d, device=v), requires_grad,
                      options)


def randint_like(input: Tensor, low: int = 0, high: int | None = None, *,
                 dtype: dt.DTypeLike | None = None, device: Any = None,
                 requires_grad: bool = False, **options: Any) -> Tensor:
    """Uniform integers in ``[low, high)`` like ``input`` (``randint_like(x, high)``
    starts at 0).

    Example:
        >>> ut.torch.randint_like(ut.torch.zeros(3), 5).dtype
        unitorch.float32
    """
    if high is None:
        low, high = 0, low
    return _like_draw("randint_like", input, dtype, device,
                      lambda s, d, v: _random.randint(low, high, s, device=v).astype(d),
                      requires_grad, options)


def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *,
                generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """``num_samples`` category indices (int64) drawn with the probabilities of
    ``input``'s last dim (non-negative weights, not necessarily normalized; 1-D or 2-D
    for a batch of distributions).  Without ``replacement`` each category is drawn at
    most once (so ``num_samples`` may not exceed the categories of non-zero weight);
    categories of zero weight are never drawn.

    Example:
        >>> w = ut.torch.tensor([0., 10., 3., 0.])
        >>> sorted(ut.torch.multinomial(w, 2).tolist())
        [1, 2]
        >>> ut.torch.multinomial(w, 5, replacement=True).shape
        (5,)
    """
    if input.ndim not in (1, 2) or input.dtype.kind != "f":
        raise ShapeError("multinomial() needs a 1-D or 2-D floating tensor of weights, got "
                         f"{input.dtype.name} {fmt_shape(input.shape)}")
    k = operator.index(num_samples)
    n = input.shape[-1]
    if k <= 0:
        raise ValueError(f"multinomial(): num_samples must be positive, got {k}")
    if bool(st.any(ew.less(input, 0))) or not bool(st.all(un.isfinite(input))):
        raise ValueError("multinomial(): the weights must be finite and non-negative")
    nonzero = st.min(st.count_nonzero(input, axis=-1))
    if int(nonzero) == 0:
        raise ValueError("multinomial(): a distribution has no category of non-zero weight")
    rows = input if input.ndim == 2 else mp.expand_dims(input, axis=0)
    with use_backend(input.backend):
        if replacement:
            u = _random.rand((rows.shape[0], k), dtype=dt.float64, device=input.device,
                             generator=generator)
            cdf = st.cumsum(rows.astype(dt.float64), axis=-1)
            cdf = ew.divide(cdf, cdf[:, -1:])
            # category j is drawn when cdf[j - 1] <= u < cdf[j]
            picks = st.sum(ew.less_equal(mp.expand_dims(cdf, axis=1),
                                         mp.expand_dims(u, axis=2)), axis=-1)
            picks = ew.minimum(picks, n - 1)
        else:
            if k > int(nonzero):
                raise ValueError(f"multinomial(): cannot draw {k} samples without "
                                 f"replacement from {int(nonzero)} categories of non-zero "
                                 "weight")
            # Gumbel-top-k: the k largest log(w) + Gumbel noise are a draw without
            # replacement, in the order sequential draws would give
            u = _random.rand(rows.shape, dtype=dt.float64, device=input.device,
                             generator=generator)
            gumbel = un.negative(un.log(un.negative(un.log(u))))
            keys = ew.add(un.log(rows.astype(dt.float64)), gumbel)
            picks = so.topk(keys, k, axis=-1).indices
    out_t = picks if input.ndim == 2 else mp.squeeze(picks, axis=0)
    return _finish(out_t.astype(dt.int64), False, out, "multinomial")


def bernoulli(input: Tensor, p: float | None = None, *,
              generator: Generator | None = None, out: Tensor | None = None) -> Tensor:
    """1 with probability ``input`` (element-wise; or ``p`` for every element), else 0,
    in ``input``'s dtype.

    Example:
        >>> ut.torch.bernoulli(ut.torch.tensor([0., 1.]))
        tensor([0., 1.], dtype=float32)
    """
    if input.dtype.kind != "f":
        raise DTypeError(f"bernoulli() needs a floating tensor, got {input.dtype.name}")
    with use_backend(input.backend):
        if p is None:
            t = _random.bernoulli(input, dtype=input.dtype, generator=generator)
        else:
            t = _random.bernoulli(p, input.shape, dtype=input.dtype, device=input.device,
                                  generator=generator)
    return _finish(t, False, out, "bernoulli")


def normal(mean: Any = 0.0, std: Any = 1.0, size: Sequence[int] | None = None, *,
           generator: Generator | None = None, out: Tensor | None = None,
           dtype: dt.DTypeLike | None = None, device: Any = None,
           requires_grad: bool = False, **options: Any) -> Tensor:
    """Normal samples: ``mean`` and ``std`` are tensors (element-wise, broadcasting) or
    floats; with two floats, ``size`` gives the shape.

    Example:
        >>> ut.torch.normal(ut.torch.zeros(3), 1.0).shape, ut.torch.normal(2.0, 3.0, size=(2,)).shape
        ((3,), (2,))
    """
    _check_ignored("normal", options)
    tensors = [a for a in (mean, std) if isinstance(a, Tensor)]
    if not tensors:
        if size is None:
            raise TypeError("normal() with float mean and std needs a size")
        t = _random.normal(float(mean), float(std), _sizes((size,)), dtype=dtype,
                           device=device, generator=generator)
        return _finish(t, requires_grad, out, "normal")
    first = tensors[0]
    shape = mp.broadcast_arrays(*tensors)[0].shape if len(tensors) == 2 else first.shape
    if not isinstance(std, Tensor) and std < 0:
        raise ValueError(f"normal() needs std >= 0, got {std}")
    with use_backend(first.backend):
        z = _random.randn(shape, dtype=first.dtype if first.dtype.kind == "f" else None,
                          device=first.device, generator=generator)
    t = ew.add(ew.multiply(z, std), mean)
    return _finish(t, requires_grad, out, "normal")
