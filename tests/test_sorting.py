"""sort, argsort, topk and searchsorted against NumPy's stable sort and across backends:
NaN above +inf, -0.0 equal to 0.0 (input order kept), stable in both directions, every
bool, integer (int8's minimum included) and floating dtype, 0-size axes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

# ---------------------------------------------------------------------------------------
# NumPy references


def _wide(a: np.ndarray) -> np.ndarray:
    """Floats (bfloat16 included) as float64, exactly; other dtypes unchanged."""
    return a.astype(np.float64) if a.dtype.kind == "f" or a.dtype == ut.bfloat16.numpy else a


def ref_argsort(a: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """NumPy's stable argsort (NaN last, -0.0 == 0.0); descending keeps the input order of
    equal elements: sort the reversed axis ascending and reverse the result."""
    w = _wide(a)
    if not descending:
        return np.argsort(w, axis=axis, kind="stable")
    n = a.shape[axis]
    rev = np.argsort(np.flip(w, axis), axis=axis, kind="stable")
    return n - 1 - np.flip(rev, axis)


def assert_same_values(results: dict, expected: np.ndarray, dtype: ut.DType) -> None:
    """Exact values, and for floats the same sign of zero (a sort moves, never rounds)."""
    check(results, _wide(expected), dtype, "exact", shape=expected.shape)
    if dtype.kind == "f":
        for name, r in results.items():
            got = np.signbit(_wide(r.numpy()))
            assert np.array_equal(got, np.signbit(_wide(expected))), f"{name}: sign of zero"


def assert_indices(results: dict, expected: np.ndarray) -> None:
    for name, r in results.items():
        assert r.dtype is ut.int64, f"{name}: dtype {r.dtype.name}"
        got = r.numpy()
        assert got.shape == expected.shape, f"{name}: shape {got.shape} != {expected.shape}"
        assert np.array_equal(got, expected), f"{name}: {got} != {expected}"


@st.composite
def arrays_and_axis(draw, kinds="biuf", min_dims=1):
    d = draw(uts.dtypes(kinds, half=True), label="dtype")
    x = draw(uts.arrays(d, uts.shapes(min_dims=min_dims)), label="x")
    axis = draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    return d, x, axis


# ---------------------------------------------------------------------------------------
# sort / argsort


@given(case=arrays_and_axis(), descending=st.booleans())
def test_sort_and_argsort_match_numpy_stable_sort(backends, case, descending):
    d, x, axis = case
    idx = ref_argsort(x, axis, descending)
    assert_indices(on_backends(backends, ut.argsort, x, axis=axis, descending=descending), idx)
    values = on_backends(backends, ut.sort, x, axis=axis, descending=descending)
    assert_same_values(values, np.take_along_axis(x, idx, axis), d)


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", [ut.float32, ut.float16, ut.bfloat16, ut.int8, ut.uint8,
                                   ut.int64, ut.bool])
def test_sort_is_stable_on_long_axes_with_many_ties(backends, dtype, descending):
    rng = np.random.default_rng(0)
    if dtype.kind == "f":
        pool = np.array([-0.0, 0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 2.5])
    elif dtype.kind == "b":
        pool = np.array([False, True])
    else:
        info = ut.iinfo(dtype)
        pool = np.array([info.min, info.max, 0, 1, info.min + 1])
    x = rng.choice(pool, size=(3, 700)).astype(dtype.numpy)
    idx = ref_argsort(x, 1, descending)
    assert_indices(on_backends(backends, ut.argsort, x, axis=1, descending=descending), idx)
    assert_same_values(on_backends(backends, ut.sort, x, descending=descending),
                       np.take_along_axis(x, idx, 1), dtype)
    # along the first axis too (the backends move the axis last and back)
    xt = np.ascontiguousarray(x.T)
    assert_indices(on_backends(backends, ut.argsort, xt, axis=0, descending=descending),
                   ref_argsort(xt, 0, descending))


def test_nan_sorts_above_inf_and_signed_zeros_keep_input_order(backends):
    x = np.array([3.0, np.nan, -0.0, 0.0, -np.inf, np.inf, np.nan, -0.0], np.float32)
    assert_indices(on_backends(backends, ut.argsort, x), np.array([4, 2, 3, 7, 0, 5, 1, 6]))
    assert_indices(on_backends(backends, ut.argsort, x, descending=True),
                   np.array([1, 6, 5, 0, 2, 3, 7, 4]))


def test_extreme_integers_sort_without_overflow(backends):
    x = np.array([-128, 127, 0, -128, -1, 127], np.int8)
    assert_indices(on_backends(backends, ut.argsort, x), np.array([0, 3, 4, 2, 1, 5]))
    assert_indices(on_backends(backends, ut.argsort, x, descending=True),
                   np.array([1, 5, 2, 4, 0, 3]))
    u = np.array([255, 0, 255, 1], np.uint8)
    assert_indices(on_backends(backends, ut.argsort, u), np.array([1, 3, 0, 2]))
    assert_indices(on_backends(backends, ut.argsort, u, descending=True),
                   np.array([0, 2, 3, 1]))


def test_pytorch_spellings(backends):
    x = np.array([[3, 1, 2], [0, 5, 4]], np.int32)
    assert_indices(on_backends(backends, ut.argsort, x, dim=0, descending=True),
                   np.array([[0, 1, 1], [1, 0, 0]]))
    assert_same_values(on_backends(backends, ut.sort, x, dim=1, stable=False),
                       np.sort(x, axis=1), ut.int32)
    assert_indices(on_backends(backends, lambda t: ut.topk(t, 1, 0).indices, x),
                   np.array([[0, 1, 1]]))


# ---------------------------------------------------------------------------------------
# topk


@st.composite
def topk_cases(draw):
    d, x, axis = draw(arrays_and_axis())
    k = draw(st.integers(0, x.shape[axis]), label="k")
    return d, x, axis, k


@given(case=topk_cases(), largest=st.booleans())
def test_topk_is_the_head_of_the_stable_sort(backends, case, largest):
    d, x, axis, k = case
    idx = np.take(ref_argsort(x, axis, largest), np.arange(k), axis=axis)
    results = on_backends(backends, ut.topk, x, k, axis=axis, largest=largest)
    for name, r in results.items():
        assert isinstance(r, ut.TopKResult) and r._fields == ("values", "indices"), name
    assert_indices({n: r.indices for n, r in results.items()}, idx)
    assert_same_values({n: r.values for n, r in results.items()},
                       np.take_along_axis(x, idx, axis), d)


def test_topk_ties_and_nan(backends):
    x = np.array([1.0, 3.0, np.nan, 3.0, 2.0, 1.0], np.float32)
    assert_indices(on_backends(backends, lambda t: ut.topk(t, 3).indices, x),
                   np.array([2, 1, 3]))
    assert_indices(on_backends(backends, lambda t: ut.topk(t, 3, largest=False).indices, x),
                   np.array([0, 5, 4]))
    assert_indices(on_backends(backends, lambda t: ut.topk(t, 2, sorted=False).indices, x),
                   np.array([2, 1]))


# ---------------------------------------------------------------------------------------
# searchsorted


@st.composite
def search_cases(draw):
    d = draw(uts.dtypes("biuf", half=True), label="dtype")
    x1 = draw(uts.arrays(d, uts.shapes(min_dims=1, max_dims=1, max_side=8)), label="x1")
    x2 = draw(uts.arrays(d, uts.shapes(max_dims=2)), label="x2")
    return d, x1, x2


@given(case=search_cases(), side=st.sampled_from(["left", "right"]), use_sorter=st.booleans())
def test_searchsorted_matches_numpy(backends, case, side, use_sorter):
    _, x1, x2 = case
    w1, w2 = _wide(x1), _wide(x2)
    if use_sorter:
        sorter = np.argsort(w1, kind="stable")
        expected = np.searchsorted(w1, w2, side=side, sorter=sorter)
        results = on_backends(backends, lambda a, b, s: ut.searchsorted(a, b, side=side,
                                                                        sorter=s),
                              x1, x2, sorter)
    else:
        x1 = np.sort(x1)  # NumPy's order: NaN last
        expected = np.searchsorted(_wide(x1), w2, side=side)
        results = on_backends(backends, ut.searchsorted, x1, x2, side=side)
    assert_indices(results, np.asarray(expected))


def test_searchsorted_nan_and_inf(backends):
    x1 = np.array([-np.inf, 0.0, 1.0, np.inf, np.nan, np.nan], np.float32)
    x2 = np.array([np.nan, np.inf, -np.inf, -0.0, 1.0], np.float32)
    for side in ("left", "right"):
        assert_indices(on_backends(backends, ut.searchsorted, x1, x2, side=side),
                       np.searchsorted(x1, x2, side=side))
    assert_indices(on_backends(backends, ut.searchsorted, x1, x2, right=True),
                   np.searchsorted(x1, x2, side="right"))


def test_searchsorted_promotes_and_takes_scalars(backends):
    x1 = np.array([1, 2, 2, 3], np.int64)
    assert_indices(on_backends(backends, ut.searchsorted, x1, np.array([1.5, 2.0], np.float32)),
                   np.array([1, 1]))
    assert_indices(on_backends(backends, ut.searchsorted, x1, 2, side="right"), np.array(3))
    assert_indices(on_backends(backends, ut.searchsorted, x1, 2.5), np.array(3))
    b = np.array([False, False, True])
    assert_indices(on_backends(backends, ut.searchsorted, b, np.array([True, False])),
                   np.array([2, 0]))


# ---------------------------------------------------------------------------------------
# errors: one message on every backend


def test_errors_are_the_same_on_every_backend(backends):
    c = np.ones(3, np.complex64)
    f = np.arange(6, dtype=np.float32).reshape(2, 3)
    for op in (ut.sort, ut.argsort):
        msg = same_error(backends, ut.DTypeError, op, c)
        assert "complex64" in msg
        same_error(backends, ut.AxisError, op, f, axis=2, match="axis 2 is out of bounds")
        same_error(backends, ut.AxisError, op, np.ones((), np.float32),
                   match="0 dimensions")
        same_error(backends, TypeError, op, f, axis=0, dim=1, match="not both")
    same_error(backends, ut.DTypeError, ut.topk, c, 1)
    same_error(backends, ValueError, ut.topk, f, 4, match=r"k=4 is out of range for axis 1 "
                                                          r"of size 3")
    same_error(backends, ValueError, ut.topk, f, -1, match="k=-1 is out of range")
    same_error(backends, TypeError, ut.topk, f, 1.0, match="k must be an int")
    same_error(backends, TypeError, ut.topk, f, True, match="k must be an int")
    same_error(backends, ut.AxisError, ut.topk, f, 1, axis=-3)
    same_error(backends, ut.ShapeError, ut.searchsorted, f, f, match="x1 must be 1-D")
    same_error(backends, ut.DTypeError, ut.searchsorted, c, c)
    same_error(backends, ValueError, ut.searchsorted, f[0], f, side="middle",
               match="side must be")
    same_error(backends, ValueError, ut.searchsorted, f[0], f, side="right", right=False,
               match="contradicts")
    same_error(backends, ut.ShapeError, lambda a, b, s: ut.searchsorted(a, b, sorter=s),
               f[0], f, np.array([0, 1]), match="sorter of shape")
    same_error(backends, ut.IndexOutOfRangeError,
               lambda a, b, s: ut.searchsorted(a, b, sorter=s), f[0], f,
               np.array([0, 1, 5]))


# ---------------------------------------------------------------------------------------
# tracing: the primitives read no values on the host (TensorFlow's tf.function)


def test_works_inside_tf_function_with_unknown_shapes(backends):
    if "tensorflow" not in backends:
        pytest.skip("TensorFlow is not among the selected backends")
    import tensorflow as tf

    x = np.array([[3.0, np.nan, -0.0, 0.0], [1.0, -np.inf, 2.0, 2.0]], np.float32)

    def run(t):
        flat = ut.sort(ut.reshape(t, (-1,)))
        return [ut.sort(t, axis=0), ut.argsort(t, descending=True), *ut.topk(t, 2, axis=0),
                ut.searchsorted(flat, t, side="right")]

    with ut.use_backend("tensorflow"):
        spec = tf.TensorSpec([None, None], tf.float32)
        traced = tf.function(lambda a: [r.native for r in run(ut.from_native(a))],
                             input_signature=[spec], autograph=False)
        got = traced(tf.constant(x))
        expected = run(ut.asarray(x))
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g.numpy(), e.numpy())


def test_gradients_flow_to_the_sorted_positions(backends):
    x = np.array([[3.0, 1.0, 2.0, 5.0]], np.float32)
    w = np.array([[1.0, 10.0, 100.0, 1000.0]], np.float32)
    for name in backends:
        with ut.use_backend(name):
            t, wt = ut.asarray(x), ut.asarray(w)
            g = ut.grad(lambda a, wt=wt: ut.sum(ut.sort(a, descending=True) * wt))(t)
            np.testing.assert_array_equal(g.numpy(), [[10.0, 1000.0, 100.0, 1.0]])
            g = ut.grad(lambda a, wt=wt: ut.sum(ut.topk(a, 2, largest=False).values
                                                * wt[:, :2]))(t)
            np.testing.assert_array_equal(g.numpy(), [[0.0, 1.0, 10.0, 0.0]])
