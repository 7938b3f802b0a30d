"""softmax and log_softmax against a NumPy float64 reference and across backends: every
floating dtype (half precision included), integer input, any axis, -inf/+inf/NaN,
large values, and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

inf, nan = np.inf, np.nan


def _wide(a: np.ndarray) -> np.ndarray:
    return a.astype(np.float64)


def ref_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    w = _wide(x)
    with np.errstate(all="ignore"):
        y = w - np.max(w, axis=axis, keepdims=True, initial=-inf)
        e = np.exp(y)
        return e / np.sum(e, axis=axis, keepdims=True)


def ref_log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    w = _wide(x)
    with np.errstate(all="ignore"):
        y = w - np.max(w, axis=axis, keepdims=True, initial=-inf)
        return y - np.log(np.sum(np.exp(y), axis=axis, keepdims=True))


REFERENCES = {"softmax": ref_softmax, "log_softmax": ref_log_softmax}


@st.composite
def cases(draw, kinds="f"):
    d = draw(uts.dtypes(kinds, half=True), label="dtype")
    x = draw(uts.arrays(d, uts.shapes(min_dims=1)), label="x")
    axis = draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    return d, x, axis


@pytest.mark.parametrize("name", sorted(REFERENCES))
@given(case=cases())
def test_matches_numpy_and_backends(backends, name, case):
    d, x, axis = case
    results = on_backends(backends, getattr(ut, name), x, axis)
    check(results, REFERENCES[name](x, axis), d, "composite", shape=x.shape)


@pytest.mark.parametrize("name", sorted(REFERENCES))
@given(case=cases("biu"))
def test_integers_and_bool_compute_in_the_default_float(backends, name, case):
    _, x, axis = case
    results = on_backends(backends, getattr(ut, name), x, dim=axis)
    check(results, REFERENCES[name](x, axis), ut.float32, "composite", shape=x.shape)


@pytest.mark.parametrize("dtype", [ut.float16, ut.bfloat16, ut.float32, ut.float64])
def test_infinities_and_large_values(backends, dtype):
    x = np.array([
        [-inf, -inf, -inf],   # nothing to normalize: NaN
        [inf, 1.0, -inf],     # +inf: NaN
        [-inf, 0.0, 0.0],     # -inf gets probability 0
        [1000.0, 1001.0, 999.0],  # large values do not overflow
        [nan, 0.0, 1.0],      # NaN poisons its row
        [-1000.0, 0.0, 20.0],
    ]).astype(dtype.numpy)
    sm = on_backends(backends, ut.softmax, x)
    check(sm, ref_softmax(x, 1), dtype, "composite", shape=x.shape)
    lsm = on_backends(backends, ut.log_softmax, x)
    check(lsm, ref_log_softmax(x, 1), dtype, "composite", shape=x.shape)
    for name in backends:
        s, ls = sm[name].numpy().astype(np.float64), lsm[name].numpy().astype(np.float64)
        assert np.isnan(s[:2]).all() and np.isnan(ls[:2]).all() and np.isnan(s[4]).all(), name
        assert s[2, 0] == 0 and ls[2, 0] == -inf, name
        assert np.isfinite(s[3]).all() and abs(s[3].sum() - 1) < 0.02, name


@pytest.mark.parametrize("name", sorted(REFERENCES))
@pytest.mark.parametrize("dtype", [ut.float16, ut.bfloat16])
def test_half_precision_is_computed_in_float32_and_rounded_once(backends, name, dtype):
    # So the result is the float64 reference rounded once: the "exact" family.  (Values
    # in [-3, 3] over 6 elements keep every output a normal number.)
    x = np.random.default_rng(2).uniform(-3, 3, size=(64, 6)).astype(dtype.numpy)
    results = on_backends(backends, getattr(ut, name), x)
    check(results, REFERENCES[name](x, 1), dtype, "exact", shape=x.shape)


def test_pytorch_spellings_and_dtype(backends):
    x = np.array([[1, 2], [3, 5]], np.int32)
    results = on_backends(backends, ut.softmax, x, dim=0, dtype=ut.float64)
    check(results, ref_softmax(x, 0), ut.float64, "composite", shape=(2, 2))
    results = on_backends(backends, ut.log_softmax, x.astype(np.float16), dtype="float32")
    check(results, ref_log_softmax(x, 1), ut.float32, "composite", shape=(2, 2))


def test_empty_axes(backends):
    for shape, axis in (((0,), 0), ((2, 0), 1), ((0, 3), -1)):
        x = np.zeros(shape, np.float32)
        for name in REFERENCES:
            check(on_backends(backends, getattr(ut, name), x, axis), x, ut.float32,
                  shape=shape)


def test_errors_are_the_same_on_every_backend(backends):
    f = np.zeros((2, 3), np.float32)
    for op in (ut.softmax, ut.log_softmax):
        msg = same_error(backends, ut.DTypeError, op, np.ones(3, np.complex64))
        assert "complex64" in msg
        same_error(backends, ut.AxisError, op, f, 2, match="axis 2 is out of bounds")
        same_error(backends, ut.AxisError, op, f, -3)
        same_error(backends, ut.AxisError, op, np.ones((), np.float32), match="0 dimensions")
        same_error(backends, TypeError, op, f, 0, dim=1, match="not both")
        same_error(backends, ut.DTypeError, op, f, dtype=ut.int32)


def test_works_inside_tf_function_with_unknown_shapes(backends):
    if "tensorflow" not in backends:
        pytest.skip("TensorFlow is not among the selected backends")
    import tensorflow as tf

    x = np.array([[1.0, -inf, 3.0], [0.5, 0.25, -1.0]], np.float32)
    with ut.use_backend("tensorflow"):
        spec = tf.TensorSpec([None, None], tf.float32)
        traced = tf.function(lambda a: [ut.softmax(ut.from_native(a), 0).native,
                                        ut.log_softmax(ut.from_native(a)).native],
                             input_signature=[spec], autograph=False)
        sm, lsm = traced(tf.constant(x))
    np.testing.assert_allclose(sm.numpy(), ref_softmax(x, 0), rtol=1e-6)
    np.testing.assert_allclose(lsm.numpy(), ref_log_softmax(x, 1), rtol=1e-6)


def test_gradient_matches_the_analytic_one(backends):
    # d/dx sum(w * softmax(x)) = s * (w - sum(w * s)); d/dx sum(w * log_softmax(x)) =
    # w - s * sum(w)
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, -inf]], np.float32)
    w = np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]], np.float32)
    s = ref_softmax(x, 1)
    expected = {"softmax": s * (w - np.sum(w * s, axis=1, keepdims=True)),
                "log_softmax": w - s * np.sum(w, axis=1, keepdims=True)}
    for name in backends:
        with ut.use_backend(name):
            for op, e in expected.items():
                fn = getattr(ut, op)
                g = ut.grad(lambda a, fn=fn: ut.sum(fn(a) * ut.asarray(w)))(ut.asarray(x))
                check({name: g}, e, ut.float32, "composite", shape=x.shape)
