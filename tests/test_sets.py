"""unique_all/counts/inverse/values (and PyTorch's unique) against ``numpy.unique`` with
``equal_nan=False`` and across backends: sorted values, each NaN distinct and last,
-0.0 equal to 0.0 (the first occurrence's value), inverse indices of ``x``'s shape."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error


def _wide(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64) if a.dtype.kind == "f" or a.dtype == ut.bfloat16.numpy else a


def reference(x: np.ndarray) -> tuple[np.ndarray, ...]:
    """NumPy's unique (stable sort: first occurrences, NaNs distinct in input order)."""
    flat = _wide(x).reshape(-1)
    values, index, inverse, counts = np.unique(flat, return_index=True, return_inverse=True,
                                               return_counts=True, equal_nan=False)
    return values, index, inverse.reshape(x.shape), counts


def assert_exact(results: dict, expected: np.ndarray, dtype: ut.DType, what: str) -> None:
    check(results, expected, dtype, "exact", shape=expected.shape)
    if dtype.kind == "f":  # the sign of zero is the first occurrence's
        for name, r in results.items():
            assert np.array_equal(np.signbit(_wide(r.numpy())), np.signbit(expected)), \
                f"{name}: {what}: sign of zero"


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


@given(d=uts.dtypes("biuf", half=True), data=st.data())
def test_unique_all_matches_numpy(backends, d, data):
    x = data.draw(uts.arrays(d, uts.shapes()), label="x")
    check_unique_all(backends, x, d)


@pytest.mark.parametrize("dtype", [ut.float32, ut.bfloat16, ut.int8, ut.uint8, ut.bool])
def test_unique_many_duplicates_nans_and_signed_zeros(backends, dtype):
    rng = np.random.default_rng(1)
    if dtype.kind == "f":
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


def test_errors_are_the_same_on_every_backend(backends):
    c = np.ones(3, np.complex64)
    for op in (ut.unique_all, ut.unique_counts, ut.unique_inverse, ut.unique_values):
        msg = same_error(backends, ut.DTypeError, op, c)
        assert op.__name__ in msg and "complex64" in msg
    same_error(backends, NotImplementedError, lambda t: ut.unique(t, dim=0),
               np.ones(3, np.float32), match="dim= is not supported")


def test_works_inside_tf_function_with_unknown_shapes(backends):
    if "tensorflow" not in backends:
        pytest.skip("TensorFlow is not among the selected backends")
    import tensorflow as tf

    x = np.array([[3.0, np.nan, -0.0], [0.0, 3.0, np.nan]], np.float32)
    with ut.use_backend("tensorflow"):
        spec = tf.TensorSpec([None, None], tf.float32)
        traced = tf.function(lambda a: [r.native for r in ut.unique_all(ut.from_native(a))],
                             input_signature=[spec], autograph=False)
        got = traced(tf.constant(x))
    for g, e in zip(got, reference(x)):
        np.testing.assert_array_equal(g.numpy(), e)
