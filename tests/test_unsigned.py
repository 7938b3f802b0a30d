"""uint8, uint16, uint32 and uint64 on every backend, against NumPy (exact), with values
at the ends of each range: PyTorch lacks most kernels for the three wider dtypes (the
backend computes them in a wider or same-width signed dtype, uint64 by its bits and by an
order-preserving key), TensorFlow a few (Pow, Abs, Neg, Sign, Tile, MatMul).  The
property tests of the other files draw these dtypes too (``uts.dtypes``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import on_backends, same_error

UNSIGNED = (ut.uint8, ut.uint16, ut.uint32, ut.uint64)


def _edges(d: ut.DType) -> np.ndarray:
    top = ut.iinfo(d).max
    return np.array([0, 1, 2, top, top - 1, top // 2 + 1, 7, 12345 % top], d.numpy)


def _divisors(d: ut.DType) -> np.ndarray:
    top = ut.iinfo(d).max
    return np.array([3, 1, 2, 5, top, 9, top // 2 + 1, 2], d.numpy)


def _same(results: dict, expected: np.ndarray, dtype: ut.DType | None = None) -> None:
    expected = np.asarray(expected)
    for name, r in results.items():
        got = r.numpy() if isinstance(r, ut.Tensor) else np.asarray(r)
        if dtype is not None:
            assert r.dtype is dtype, f"{name}: {r.dtype} is not {dtype}"
        assert got.shape == expected.shape, f"{name}: shape {got.shape} vs {expected.shape}"
        np.testing.assert_array_equal(got, expected, err_msg=name)


BINARY = {
    "add": np.add, "subtract": np.subtract, "multiply": np.multiply,
    "floor_divide": np.floor_divide, "remainder": np.remainder, "maximum": np.maximum,
    "minimum": np.minimum, "less": np.less, "less_equal": np.less_equal,
    "greater": np.greater, "greater_equal": np.greater_equal, "equal": np.equal,
    "not_equal": np.not_equal, "bitwise_and": np.bitwise_and, "bitwise_or": np.bitwise_or,
    "bitwise_xor": np.bitwise_xor,
}


@pytest.mark.parametrize("d", UNSIGNED, ids=lambda d: d.name)
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_at_the_ends_of_the_range(backends, d, name):
    a, b = _edges(d), _divisors(d)
    fn, ref = getattr(ut, name), BINARY[name]
    with np.errstate(all="ignore"):
        _same(on_backends(backends, fn, a, b), ref(a, b))
        _same(on_backends(backends, lambda t: fn(t, 3), a), ref(a, d.numpy.type(3)))
        _same(on_backends(backends, lambda t: fn(3, t), b), ref(d.numpy.type(3), b))


@given(data=st.data())
def test_binary_random_values(backends, data):
    d = data.draw(st.sampled_from(UNSIGNED), label="dtype")
    name = data.draw(st.sampled_from(sorted(BINARY)), label="name")
    shapes = data.draw(uts.mutually_broadcastable_shapes(2), label="shapes")
    a = data.draw(uts.arrays(d, shapes.input_shapes[0]), label="a")
    b = data.draw(uts.arrays(d, shapes.input_shapes[1], min_value=1), label="b")
    with np.errstate(all="ignore"):
        _same(on_backends(backends, getattr(ut, name), a, b), BINARY[name](a, b))


@pytest.mark.parametrize("d", UNSIGNED, ids=lambda d: d.name)
def test_shifts_powers_and_unary(backends, d):
    a = _edges(d)
    width = d.bits
    s = np.array([0, 1, 3, width - 1, width, width + 3, 63 % width, 5], d.numpy)
    with np.errstate(all="ignore"):
        _same(on_backends(backends, ut.bitwise_left_shift, a, s), np.left_shift(a, s))
        _same(on_backends(backends, ut.bitwise_right_shift, a, s), np.right_shift(a, s))
        _same(on_backends(backends, lambda t: t ** 2, a), a ** d.numpy.type(2))
        _same(on_backends(backends, ut.pow, a, s), np.power(a, s))
        for name, ref in (("negative", np.negative), ("abs", np.abs), ("sign", np.sign),
                          ("square", np.square), ("bitwise_invert", np.invert)):
            _same(on_backends(backends, getattr(ut, name), a), ref(a), d)


@pytest.mark.parametrize("d", UNSIGNED, ids=lambda d: d.name)
def test_reductions_sorting_and_searching(backends, d):
    a, b = _edges(d), _divisors(d)
    _same(on_backends(backends, ut.sum, a), np.sum(a, dtype=np.uint64), ut.uint64)
    _same(on_backends(backends, lambda t: ut.sum(t, dtype=d), a), np.sum(a, dtype=d.numpy))
    _same(on_backends(backends, ut.prod, b), np.prod(b, dtype=np.uint64), ut.uint64)
    _same(on_backends(backends, ut.cumulative_sum, a), np.cumsum(a, dtype=np.uint64))
    _same(on_backends(backends, ut.cumulative_prod, b), np.cumprod(b, dtype=np.uint64))
    for name in ("max", "min", "argmax", "argmin"):
        _same(on_backends(backends, getattr(ut, name), a), getattr(np, name)(a))
    _same(on_backends(backends, ut.sort, a), np.sort(a))
    _same(on_backends(backends, lambda t: ut.sort(t, descending=True), a), np.sort(a)[::-1])
    _same(on_backends(backends, lambda t: ut.argsort(t, stable=True), a),
          np.argsort(a, kind="stable"))
    _same(on_backends(backends, ut.unique_values, a), np.unique(a))
    _same(on_backends(backends, lambda t, u: ut.searchsorted(ut.sort(t), u), a, b),
          np.searchsorted(np.sort(a), b))
    _same(on_backends(backends, lambda t: ut.topk(t, 3)[0], a), np.sort(a)[::-1][:3])
    _same(on_backends(backends, lambda t: ut.clip(t, 2, 100), a), np.clip(a, 2, 100))
    _same(on_backends(backends, lambda t, u: ut.where(t > u, t, u), a, b), np.maximum(a, b))
    _same(on_backends(backends, ut.count_nonzero, a), np.count_nonzero(a))
    _same(on_backends(backends, ut.diff, a), np.diff(a))


@pytest.mark.parametrize("d", UNSIGNED, ids=lambda d: d.name)
def test_data_movement_indexing_and_products(backends, d):
    a, b = _edges(d), _divisors(d)
    m = a.reshape(2, 4)
    cases = {
        "flip": (ut.flip, lambda x: x[::-1]),
        "roll": (lambda t: ut.roll(t, 2), lambda x: np.roll(x, 2)),
        "tile": (lambda t: ut.tile(t, (2,)), lambda x: np.tile(x, 2)),
        "repeat": (lambda t: ut.repeat(t, 2), lambda x: np.repeat(x, 2)),
        "repeat counts": (lambda t: ut.repeat(t, ut.asarray(np.arange(8) % 3)),
                          lambda x: np.repeat(x, np.arange(8) % 3)),
        "take": (lambda t: ut.take(t, ut.asarray([3, 0])), lambda x: x[[3, 0]]),
        "take_along_axis": (lambda t: ut.take_along_axis(t, ut.asarray([3, 0])),
                            lambda x: x[[3, 0]]),
        "getitem": (lambda t: t[::-2], lambda x: x[::-2]),
        "mask": (lambda t: t[t > 2], lambda x: x[x > 2]),
        "nonzero": (lambda t: ut.nonzero(t)[0], lambda x: np.nonzero(x)[0]),
    }
    for fn, ref in cases.values():
        _same(on_backends(backends, fn, a), ref(a))
    _same(on_backends(backends, ut.tril, m), np.tril(m))
    _same(on_backends(backends, lambda t: ut.triu(t, k=1), m), np.triu(m, 1))
    with np.errstate(all="ignore"):
        _same(on_backends(backends, lambda t: t @ t.T, m), m @ m.T)
        _same(on_backends(backends, lambda t: ut.tensordot(t, t, axes=([1], [1])), m),
              np.tensordot(m, m, axes=([1], [1])))
    _same(on_backends(backends, lambda t, u: ut.concat([t, u]), a, b), np.concatenate([a, b]))

    def writes(t):
        t[1:3] = 9
        t[ut.asarray([0, 5])] = ut.asarray(b[:2])
        t[::-3] = 4
        t[t > 100] = 1
        return t

    expected = a.copy()
    expected[1:3] = 9
    expected[[0, 5]] = b[:2]
    expected[::-3] = 4
    expected[expected > 100] = 1
    _same(on_backends(backends, lambda t: writes(ut.asarray(t, copy=True)), a), expected)


@pytest.mark.parametrize("d", UNSIGNED, ids=lambda d: d.name)
def test_creation_and_conversion(backends, d):
    top = ut.iinfo(d).max
    _same(on_backends(backends, lambda: ut.full(3, top, dtype=d)), np.full(3, top, d.numpy), d)
    _same(on_backends(backends, lambda: ut.arange(top - 3, top, dtype=d)),
          np.arange(top - 3, top, dtype=d.numpy), d)
    _same(on_backends(backends, lambda: ut.eye(3, dtype=d)), np.eye(3, dtype=d.numpy), d)
    a = _edges(d)
    _same(on_backends(backends, lambda t: ut.astype(t, ut.float64), a), a.astype(np.float64))
    _same(on_backends(backends, lambda t: ut.astype(t, ut.int64), a[:3]), a[:3].astype(np.int64))
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(a)
            assert t.dtype is d and t.tolist() == a.tolist() and t[3].item() == top
            assert ut.asarray([top], dtype=d).tolist() == [top]


def test_promotion_refusal_is_the_same_everywhere(backends):
    same_error(backends, ut.DTypeError, ut.multiply, np.ones(2, np.uint64),
               np.ones(2, np.int32), match="uint64 and int32 do not promote")
    same_error(backends, ut.DTypeError, lambda t: ut.where(t > 0, t, ut.asarray([-1, 1])),
               np.ones(2, np.uint64), match="do not promote")
    same_error(backends, OverflowError, lambda t: t + 2**64, np.ones(2, np.uint64),
               match="out of range for uint64")
    same_error(backends, OverflowError, lambda t: t + (-1), np.ones(2, np.uint32),
               match="out of range for uint32")
