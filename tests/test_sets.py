"""unique_all/counts/inverse/values (and PyTorch's unique) against ``numpy.unique`` with
``equal_nan=False`` and across backends: sorted values, each NaN distinct and last,
-0.0 equal to 0.0 (the first occurrence's value), inverse indices of ``x``'s shape.
Complex values sort by real part, then imaginary part; one with a NaN part is a NaN
(distinct, last, in input order, where NumPy orders them by their parts)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error


def _wide(a: np.ndarray) -> np.ndarray:
    if a.dtype.kind == "c":
        return a.astype(np.complex128)
    return a.astype(np.float64) if a.dtype.kind == "f" or a.dtype == ut.bfloat16.numpy else a


def reference(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """NumPy's unique of the values that are not NaN (a stable sort: first occurrences),
    then every NaN (a complex one: with a NaN part) on its own, in input order."""
    flat = _wide(x).reshape(-1)
    nan = np.isnan(flat) if flat.dtype.kind in "fc" else np.zeros(flat.shape, bool)
    where, nans = np.nonzero(~nan)[0], np.nonzero(nan)[0]
    values, index, inverse, counts = np.unique(flat[where], return_index=True,
                                               return_inverse=True, return_counts=True)
    full_inverse = np.empty(flat.size, np.int64)
    full_inverse[where] = inverse.reshape(-1)
    full_inverse[nans] = values.size + np.arange(nans.size)
    return (np.concatenate([values, flat[nans]]), np.concatenate([where[index], nans]),
            full_inverse.reshape(x.shape),
            np.concatenate([counts, np.ones(nans.size, np.int64)]))


def assert_exact(results: dict, expected: np.ndarray, dtype: ut.DType, what: str) -> None:
    check(results, expected, dtype, "exact", shape=expected.shape)
    if dtype.kind in "fc":  # the sign of zero is the first occurrence's
        parts = (np.real, np.imag) if dtype.kind == "c" else (np.real,)
        for name, r in results.items():
            for part in parts:
                assert np.array_equal(np.signbit(part(_wide(r.numpy()))),
                                      np.signbit(part(expected))), f"{name}: {what}: sign of zero"


def check_unique_all(backends, x: np.ndarray, d: ut.DType) -> None:
    values, index, inverse, counts = reference(x)
    results = on_backends(backends, ut.unique_all, x)
    for name, r in results.items():
        assert isinstance(r, ut.UniqueAllResult), name
        assert r._fields == ("values", "indices", "inverse_indices", "counts"), name
    assert_exact({n: r.values for n, r in results.items()}, values, d, "values")
    for field, expected in (("indices", index), ("inverse_indices", inverse),
                            ("counts", counts)):
        check({n: getattr(r, field) for n, r in results.items()}, expected, ut.int64,
              shape=expected.shape)
    # the promises themselves: values are the first occurrences, inverse rebuilds x
    flat = _wide(x).reshape(-1)
    for name, r in results.items():
        v = _wide(r.values.numpy())
        assert np.array_equal(v, flat[r.indices.numpy()], equal_nan=True), name
        assert np.array_equal(v[r.inverse_indices.numpy()], _wide(x), equal_nan=True), name


@given(d=uts.dtypes("biufc", half=True), data=st.data())
def test_unique_all_matches_numpy(backends, d, data):
    x = data.draw(uts.arrays(d, uts.shapes()), label="x")
    check_unique_all(backends, x, d)


@pytest.mark.parametrize("dtype", [ut.float32, ut.bfloat16, ut.int8, ut.uint8, ut.bool,
                                   ut.complex64, ut.complex128])
def test_unique_many_duplicates_nans_and_signed_zeros(backends, dtype):
    rng = np.random.default_rng(1)
    if dtype.kind == "c":
        parts = np.array([0.0, -0.0, np.nan, 1.0, -np.inf, -1.0])
        pool = (parts[:, None] + 1j * parts[None, :]).reshape(-1)
        pool = np.concatenate([pool, parts.astype(complex)])  # a NaN real part, imag 0
    elif dtype.kind == "f":
        pool = np.array([0.0, -0.0, np.nan, 1.0, -np.inf, np.inf, -1.0])
    elif dtype.kind == "b":
        pool = np.array([False, True])
    else:
        info = ut.iinfo(dtype)
        pool = np.array([info.min, info.max, 0, 3])
    x = rng.choice(pool, size=(7, 60)).astype(dtype.numpy)
    check_unique_all(backends, x, dtype)


def test_nan_and_signed_zero_semantics(backends):
    x = np.array([np.nan, 1.0, -0.0, np.nan, 0.0, 1.0], np.float32)
    for name, r in on_backends(backends, ut.unique_all, x).items():
        np.testing.assert_array_equal(r.values.numpy(), [-0.0, 1.0, np.nan, np.nan])
        assert np.signbit(r.values.numpy()[0]), f"{name}: -0.0 occurs first"
        np.testing.assert_array_equal(r.indices.numpy(), [2, 1, 0, 3])
        np.testing.assert_array_equal(r.inverse_indices.numpy(), [2, 1, 0, 3, 0, 1])
        np.testing.assert_array_equal(r.counts.numpy(), [2, 2, 1, 1])


def test_the_other_unique_functions_agree_with_unique_all(backends):
    x = np.array([[3, 1, 3], [2, 1, 0]], np.int16)
    values, _, inverse, counts = reference(x)
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            vc = ut.unique_counts(t)
            assert vc._fields == ("values", "counts")
            np.testing.assert_array_equal(vc.values.numpy(), values)
            np.testing.assert_array_equal(vc.counts.numpy(), counts)
            vi = ut.unique_inverse(t)
            assert vi._fields == ("values", "inverse_indices")
            assert vi.inverse_indices.shape == (2, 3)
            np.testing.assert_array_equal(vi.inverse_indices.numpy(), inverse)
            v = ut.unique_values(t)
            assert v.dtype is ut.int16 and v.shape == (4,)
            np.testing.assert_array_equal(v.numpy(), values)
            # PyTorch's spelling
            out = ut.unique(t, return_inverse=True, return_counts=True)
            assert len(out) == 3
            np.testing.assert_array_equal(out[1].numpy(), inverse)
            np.testing.assert_array_equal(out[2].numpy(), counts)
            np.testing.assert_array_equal(ut.unique(t).numpy(), values)
            assert len(ut.unique(t, return_counts=True)) == 2


def test_zero_d_and_empty(backends):
    for name in backends:
        with ut.use_backend(name):
            r = ut.unique_all(ut.asarray(np.float32(2.5)))
            assert r.values.shape == (1,) and r.inverse_indices.shape == ()
            e = ut.unique_all(ut.zeros((0, 3)))
            assert e.values.shape == (0,) and e.inverse_indices.shape == (0, 3)
            assert e.counts.dtype is ut.int64 and e.indices.shape == (0,)


def test_complex_order(backends):
    """By real part, then imaginary part; -0.0 equals 0.0 in each part; a value with a
    NaN part is a NaN: distinct, last, in input order."""
    x = np.array([1 + 2j, complex(np.nan, 0), 1 + 1j, complex(-0.0, 1), 1j,
                  complex(1, np.nan), 1 + 1j, -1 - 5j, complex(-np.inf, 9)], np.complex64)
    for name, r in on_backends(backends, ut.unique_all, x).items():
        v = r.values.numpy()
        np.testing.assert_array_equal(v[:5], [complex(-np.inf, 9), -1 - 5j, complex(-0.0, 1),
                                              1 + 1j, 1 + 2j], err_msg=name)
        assert np.isnan(v[5].real) and np.isnan(v[6].imag), name  # input order
        np.testing.assert_array_equal(r.indices.numpy(), [8, 7, 3, 2, 0, 1, 5], err_msg=name)
        np.testing.assert_array_equal(r.inverse_indices.numpy(), [4, 5, 3, 2, 2, 6, 3, 1, 0],
                                      err_msg=name)
        np.testing.assert_array_equal(r.counts.numpy(), [1, 1, 2, 2, 1, 1, 1], err_msg=name)


def test_errors_are_the_same_on_every_backend(backends):
    same_error(backends, NotImplementedError, lambda t: ut.unique(t, dim=0),
               np.ones(3, np.float32), match="dim= is not supported")


def test_works_inside_tf_function_with_unknown_shapes(backends):
    if "tensorflow" not in backends:
        pytest.skip("TensorFlow is not among the selected backends")
    import tensorflow as tf

    x = np.array([[3.0, np.nan, -0.0], [0.0, 3.0, np.nan]], np.float32)
    c = (x + 1j * x[::-1]).astype(np.complex64)
    for a in (x, c):
        with ut.use_backend("tensorflow"):
            spec = tf.TensorSpec([None, None], tf.as_dtype(a.dtype))
            traced = tf.function(lambda a: [r.native for r in ut.unique_all(ut.from_native(a))],
                                 input_signature=[spec], autograph=False)
            got = traced(tf.constant(a))
        for g, e in zip(got, reference(a)):
            np.testing.assert_array_equal(g.numpy(), e)
