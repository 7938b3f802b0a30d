"""Reductions and scans against NumPy float64 (or exact int64) and across backends, over
generated shapes (0-d, 0-size), axes (None, (), ints, negative ints, tuples), keepdims,
dtypes and values (NaN, inf, ties).

Tolerances: family "reduction" (unitorch/testing/tolerances.py), scaled by a bound
computed from the data for each example (see :func:`_scale`)."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import eps

from support import check, on_backends, same_error

_WIDE = {"c": np.complex128, "f": np.float64}


def _wide(x: np.ndarray) -> np.ndarray:
    """The float64 (complex128) copy of ``x`` the references compute on; signed integers
    and bool become int64, unsigned integers uint64 (exact, wrapping like the backends)."""
    if x.dtype.kind == "c":
        return x.astype(np.complex128)
    if x.dtype.kind == "u":
        return x.astype(np.uint64)
    if x.dtype.kind in "bi":
        return x.astype(np.int64)
    return x.astype(np.float64)


def _component(e: np.ndarray) -> np.ndarray:
    """The smallest component magnitude of each reference value: assert_close applies
    ``rtol`` to the real and imaginary parts separately."""
    e = np.asarray(e)
    if e.dtype.kind == "c":
        return np.minimum(np.abs(e.real), np.abs(e.imag))
    return np.abs(e.astype(np.float64))


def _scale(k: int, bound: np.ndarray, expected: np.ndarray) -> float:
    """The tolerance scale that makes the "reduction"/"matmul" family sound.

    A result computed with ``k`` roundings has an absolute error of at most about
    ``k * u * bound`` (``u = eps / 2``; ``bound`` is ``sum(|x|)`` for a sum, ``|result|``
    for a product, ``sum(|a||b|)`` for a dot product), in any summation order.  The
    check allows ``family_eps * eps * scale * (1 + |expected|)`` per component (rtol
    and atol are both scaled), so ``scale = k * max(bound / (1 + |expected|))`` allows
    at least ``family_eps * 2`` times that bound: enough for the reference's own
    rounding to the result dtype, and not loose when there is no cancellation
    (``bound ~ |expected|`` gives ``scale ~ k``).  Non-finite entries are compared
    exactly by assert_close and left out here.
    """
    bound = np.broadcast_to(np.asarray(bound, np.float64), np.shape(expected))
    comp = _component(expected)
    ok = np.isfinite(bound) & np.isfinite(comp)
    if not np.any(ok):
        return 1.0
    ratio = bound[ok] / (1.0 + comp[ok])
    return max(k, 1) * max(float(np.max(ratio)), 1.0 / max(k, 1))


def _finite_abs(x: np.ndarray) -> np.ndarray:
    a = np.abs(_wide(x).astype(np.complex128 if x.dtype.kind == "c" else np.float64))
    return np.where(np.isfinite(a), a, 0.0)


@st.composite
def axes_for(draw, ndim: int):
    """None, (), one axis (maybe negative) or a tuple of distinct axes (maybe negative)."""
    options = [st.none(), st.just(())]
    if ndim:
        options.append(st.integers(-ndim, ndim - 1))
        options.append(st.lists(st.integers(0, ndim - 1), unique=True, min_size=1).map(
            lambda axes: tuple(a - ndim if i % 2 else a for i, a in enumerate(axes))))
    return draw(st.one_of(*options))


def _reduced(shape: tuple[int, ...], axis) -> int:
    """Number of elements each output reduces over."""
    if axis is None:
        axes = range(len(shape))
    elif isinstance(axis, int):
        axes = [axis]
    else:
        axes = axis
    return math.prod(shape[a] for a in axes)


def _values(d: ut.DType, bound: float | None, special: bool = False):
    """Elements of ``d``: floats within +-bound (the whole range when ``None``), plus
    NaN and infinities if ``special``."""
    if d.kind in "biu":
        return uts.elements(d)
    if bound is None:
        return uts.elements(d, allow_nan=special, allow_infinity=special)
    finite = uts.elements(d, min_value=-bound, max_value=bound)
    if not special:
        return finite
    extra = st.sampled_from([math.nan, math.inf, -math.inf])
    if d.kind == "c":
        part = st.one_of(st.floats(-bound, bound, width=32), extra)
        return st.builds(complex, part, part)
    return st.one_of(finite, extra)


def _case(data, kinds: str, bound: float | None = 1e3, special: bool = False, half: bool = True,
          min_side: int = 0):
    d = data.draw(uts.dtypes(kinds, half=half), label="dtype")
    shape = data.draw(uts.shapes(max_dims=3, max_side=4, min_side=min_side), label="shape")
    x = data.draw(uts.arrays(d, shape, elements=_values(d, bound, special)), label="x")
    axis = data.draw(axes_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    return d, x, axis, keepdims


def _ref(fn, x, **kwargs):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return fn(_wide(x), **kwargs)


# ---------------------------------------------------------------------------------------
# sum, prod, mean


def _accumulated(d: ut.DType) -> ut.DType:
    """The standard's rule: bool and signed integers in int64, unsigned in uint64."""
    return ut.int64 if d.kind in "bi" else ut.uint64 if d.kind == "u" else d


@given(data=st.data())
def test_sum_matches_numpy(backends, data):
    d, x, axis, keepdims = _case(data, "biufc", special=data.draw(st.booleans()))
    results = on_backends(backends, lambda t: ut.sum(t, axis=axis, keepdims=keepdims), x)
    expected = _ref(np.sum, x, axis=axis, keepdims=keepdims)
    bound = _ref(lambda w: np.sum(_finite_abs(x), axis=axis, keepdims=keepdims), x)
    check(results, expected, _accumulated(d), "reduction",
          scale=_scale(_reduced(x.shape, axis), bound, expected), shape=np.shape(expected))


@given(data=st.data())
def test_prod_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    # magnitudes near 1 keep 64 factors inside the dtype's normal range (float16 too)
    lo, hi = (0.9, 1.1) if d in (ut.float16, ut.bfloat16) else (0.5, 2.0)
    mag = st.one_of(st.just(0.0), st.floats(lo, hi))
    if d.kind in "fc":
        real = st.builds(lambda m, s: m * s, mag, st.sampled_from([1.0, -1.0]))
        elems = st.builds(complex, real, real) if d.kind == "c" else real
    else:
        elems = uts.elements(d)
    shape = data.draw(uts.shapes(max_dims=3, max_side=4), label="shape")
    x = data.draw(uts.arrays(d, shape, elements=elems), label="x")
    axis = data.draw(axes_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    results = on_backends(backends, lambda t: ut.prod(t, axis=axis, keepdims=keepdims), x)
    expected = _ref(np.prod, x, axis=axis, keepdims=keepdims)
    # n - 1 multiplications, each rounding once (a few times for complex): the error is
    # relative to |product|, so the bound is |expected| itself
    n = _reduced(x.shape, axis)
    check(results, expected, _accumulated(d), "reduction",
          scale=_scale(2 * n if d.kind == "c" else n, np.abs(expected), expected))


@given(data=st.data())
def test_mean_matches_numpy(backends, data):
    d, x, axis, keepdims = _case(data, "biufc", special=data.draw(st.booleans()))
    if d.kind in "iu":  # exactly representable in float32, so only summation rounds
        x = np.clip(x, -2**24, 2**24).astype(x.dtype)
    results = on_backends(backends, lambda t: ut.mean(t, axis=axis, keepdims=keepdims), x)
    expected = _ref(np.mean, x, axis=axis, keepdims=keepdims)
    if d.kind == "c":  # by parts: NumPy divides by a complex count (inf+0j -> inf+nanj)
        expected = np.asarray(expected).copy()
        expected.real = _ref(np.mean, x.real, axis=axis, keepdims=keepdims)
        expected.imag = _ref(np.mean, x.imag, axis=axis, keepdims=keepdims)
    bound = _ref(lambda w: np.mean(_finite_abs(x), axis=axis, keepdims=keepdims), x)
    out = ut.get_default_dtype() if d.kind in "biu" else d
    # sum (n roundings, bound n * mean|x|) then one division: scale as for the sum
    check(results, expected, out, "reduction",
          scale=_scale(_reduced(x.shape, axis) + 1, bound, expected))


@pytest.mark.parametrize("dtype, expected", [
    (ut.int8, ut.int64), (ut.int16, ut.int64), (ut.int32, ut.int64), (ut.uint8, ut.uint64),
    (ut.uint16, ut.uint64), (ut.uint32, ut.uint64), (ut.uint64, ut.uint64),
    (ut.int64, ut.int64), (ut.bool, ut.int64), (ut.float16, ut.float16),
    (ut.bfloat16, ut.bfloat16), (ut.float32, ut.float32), (ut.complex64, ut.complex64),
])
def test_sum_and_prod_dtype_rules(backends, dtype, expected):
    x = np.array([1, 1, 0], np.float32).astype(dtype.numpy)
    for fn in (ut.sum, ut.prod, ut.cumulative_sum, ut.cumulative_prod):
        results = on_backends(backends, fn, x)
        for r in results.values():
            assert r.dtype is expected, (fn.__name__, r.dtype)


def test_integer_sums_wrap_in_the_accumulator(backends):
    x = np.array([100, 100, 100], np.int8)
    check(on_backends(backends, ut.sum, x), np.array(300), ut.int64)
    check(on_backends(backends, lambda t: ut.sum(t, dtype=ut.int8), x),
          np.array(300 - 256), ut.int8)
    check(on_backends(backends, lambda t: ut.prod(t, dtype=ut.int8), x),
          np.array(np.prod(x, dtype=np.int8)), ut.int8)
    check(on_backends(backends, lambda t: ut.prod(t, dtype=ut.uint8), x.astype(np.uint8)),
          np.array(np.prod(x.astype(np.uint8), dtype=np.uint8)), ut.uint8)
    big = np.array([2**62, 2**62], np.int64)
    check(on_backends(backends, ut.sum, big), np.array(np.sum(big)), ut.int64)  # wraps


def test_explicit_dtype(backends):
    x = np.array([1, 2, 3], np.int32)
    check(on_backends(backends, lambda t: ut.sum(t, dtype=ut.float16), x), np.array(6.0),
          ut.float16)
    check(on_backends(backends, lambda t: ut.sum(t, dtype="complex64"), x), np.array(6.0),
          ut.complex64)
    f = np.array([1.5, 2.5], np.float32)
    check(on_backends(backends, lambda t: ut.sum(t, dtype=ut.float64), f), np.array(4.0),
          ut.float64)
    check(on_backends(backends, lambda t: ut.sum(t, dtype=ut.int64), f), np.array(3),
          ut.int64)  # cast first (truncating), then summed
    same_error(backends, ut.DTypeError, lambda t: ut.sum(t, dtype=ut.float32),
               np.array([1j]), match="cannot accumulate complex complex128 in float32")
    same_error(backends, ut.DTypeError, lambda t: ut.sum(t, dtype=ut.bool), x,
               match="sum")


def test_half_precision_accumulates_in_float32(backends):
    """TensorFlow summed float16 in float16 (inf here); PyTorch uses float32."""
    x = np.array([60000, 60000, -60000], np.float16)
    check(on_backends(backends, ut.sum, x), np.array(60000.0), ut.float16)
    check(on_backends(backends, ut.mean, x), np.array(20000.0), ut.float16)
    check(on_backends(backends, ut.cumulative_sum, x), np.array([60000, np.inf, 60000]),
          ut.float16)
    check(on_backends(backends, ut.var, np.array([60000, 60000], np.float16)),
          np.array(0.0), ut.float16)
    y = np.array([300, 300, 1 / 300], np.float16)
    check(on_backends(backends, ut.prod, y), np.prod(y.astype(np.float64)), ut.float16,
          "reduction", scale=3)
    check(on_backends(backends, ut.cumulative_prod, y),
          np.cumprod(y.astype(np.float64)), ut.float16, "reduction", scale=3)


def test_complex_mean_averages_the_parts(backends):
    """PyTorch, TensorFlow and NumPy divide by a complex count: mean([inf, 1]) would be
    inf+nanj.  The mean is linear: unitorch averages the parts."""
    x = np.array([complex(np.inf, 0), 1, complex(0, np.nan)], np.complex64)
    expected = np.array(complex(np.inf, np.nan))
    check(on_backends(backends, ut.mean, x), expected, ut.complex64)
    check(on_backends(backends, ut.mean, x[:2]), np.array(complex(np.inf, 0)), ut.complex64)


def test_empty_reductions(backends):
    x = np.zeros((0, 3), np.float32)
    check(on_backends(backends, lambda t: ut.sum(t, axis=0), x), np.zeros(3), ut.float32)
    check(on_backends(backends, lambda t: ut.prod(t, axis=0), x), np.ones(3), ut.float32)
    check(on_backends(backends, lambda t: ut.mean(t, axis=0), x), np.full(3, np.nan),
          ut.float32)
    check(on_backends(backends, lambda t: ut.sum(t, axis=1), x), np.zeros(0), ut.float32,
          shape=(0,))
    check(on_backends(backends, lambda t: ut.all(t, axis=0), x), np.ones(3, bool), ut.bool)
    check(on_backends(backends, lambda t: ut.any(t, axis=0), x), np.zeros(3, bool), ut.bool)
    check(on_backends(backends, lambda t: ut.logsumexp(t, axis=0), x),
          np.full(3, -np.inf), ut.float32)


# ---------------------------------------------------------------------------------------
# var and std


def _var_case(data):
    d = data.draw(uts.dtypes("biuf", half=True), label="dtype")
    bound = 200.0 if d is ut.float16 else 1e3  # squares of float16 stay finite
    shape = data.draw(uts.shapes(max_dims=3, max_side=4), label="shape")
    elems = uts.elements(d, min_value=-bound, max_value=bound) if d.kind == "f" else (
        uts.elements(d) if d.kind == "b" else uts.elements(d, min_value=-1000, max_value=1000))
    x = data.draw(uts.arrays(d, shape, elements=elems), label="x")
    axis = data.draw(axes_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    correction = data.draw(st.sampled_from([0, 1, 0.5, 2]), label="correction")
    return d, x, axis, keepdims, correction


def _var_bound(x, axis, keepdims, correction, e):
    """Absolute error bound of a computed variance, in units of eps, per output.

    With n elements, m their mean, v the variance and A = mean|x|:

    * two-pass (TensorFlow): the computed mean is off by d <= n u A; the centred
      values' sum is exactly 0, so d enters the sum of squares only as n d^2; rounding
      the n squares and summing them adds (n + 2) u sum((x - m)^2); dividing rounds
      once more: |err| <= (n + 3) u v + n^3 u^2 A^2 / (N - c);
    * updating (Welford, PyTorch; on the CPU it accumulates float32 in double): relative
      error at most n u kappa with kappa = sqrt(1 + m^2 / v), i.e.
      |err| <= n u (v + |m| sqrt(v)).

    The sum of the two bounds covers both (u = eps / 2).  Integer test data are exact
    in float32, so converting them adds nothing.
    """
    w = x.astype(np.float64)
    n = _reduced(x.shape, axis)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        m = np.mean(w, axis=axis, keepdims=keepdims)
        v = np.var(w, axis=axis, keepdims=keepdims)  # population: the spread itself
        big_a = np.mean(np.abs(w), axis=axis, keepdims=keepdims)
        dof = n - correction
        v_c = v * n / dof
        two_pass = (n + 3) / 2 * v_c + n**3 * e * big_a**2 / (4 * dof)
        welford = n / 2 * (v_c + np.abs(m) * np.sqrt(v_c))
        return np.where(dof > 0, two_pass + welford, np.inf)


@given(data=st.data())
def test_var_and_std_match_numpy(backends, data):
    d, x, axis, keepdims, correction = _var_case(data)
    results = on_backends(backends, lambda t: ut.var(t, axis=axis, keepdims=keepdims,
                                                       correction=correction), x)
    expected = _ref(np.var, x, axis=axis, keepdims=keepdims, ddof=correction)
    out = ut.get_default_dtype() if d.kind in "biu" else d
    bound_eps = _var_bound(x, axis, keepdims, correction, eps(out))
    # tolerance 4 eps scale (1 + |v|) >= 2 * bound: scale = max(bound / (1 + |v|)) / 2
    check(results, expected, out, "reduction", scale=_scale(1, bound_eps / 2, expected))

    std_results = on_backends(backends, lambda t: ut.std(t, axis=axis, keepdims=keepdims,
                                                           correction=correction), x)
    s = np.sqrt(expected)
    # the variance error is at most E = eps * bound_eps, and
    # |sqrt(a) - sqrt(b)| <= min(sqrt(|a - b|), |a - b| / sqrt(b)); sqrt itself rounds
    # once (eps * s); the tolerance allows twice that sum
    e = eps(out)
    with np.errstate(all="ignore"):
        err = e * bound_eps
        std_err = np.minimum(np.sqrt(err), err / np.sqrt(expected)) + e * s
    check(std_results, s, out, "reduction", scale=_scale(1, std_err / (2 * e), s))


def test_var_correction_spellings(backends):
    x = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    check(on_backends(backends, ut.var, x), np.array(1.25), ut.float32)
    for kw in ({"correction": 1}, {"unbiased": True}):
        check(on_backends(backends, lambda t, kw=kw: ut.var(t, **kw), x), np.array(5 / 3),
              ut.float32, "reduction", scale=4)
        check(on_backends(backends, lambda t, kw=kw: ut.std(t, **kw), x), np.sqrt(5 / 3),
              ut.float32, "reduction", scale=4)
    # N - correction <= 0: divide by zero, as NumPy and PyTorch
    check(on_backends(backends, lambda t: ut.var(t, correction=5), x), np.array(np.inf),
          ut.float32)
    check(on_backends(backends, lambda t: ut.var(t, correction=1), x[:1]),
          np.array(np.nan), ut.float32)
    check(on_backends(backends, lambda t: ut.var(t, axis=()), x), np.zeros(4), ut.float32)


# ---------------------------------------------------------------------------------------
# max, min, argmax, argmin: exact


@pytest.mark.parametrize("name", ["max", "min"])
@given(data=st.data())
def test_max_min_match_numpy(backends, name, data):
    d, x, axis, keepdims = _case(data, "biuf", bound=None, special=True, min_side=1)
    results = on_backends(backends, lambda t: getattr(ut, name)(t, axis=axis,
                                                                keepdims=keepdims), x)
    ref = getattr(np, "amax" if name == "max" else "amin")
    expected = ref(x, axis=axis, keepdims=keepdims)  # NaN propagates in NumPy too
    check(results, expected.astype(np.float64) if d.kind == "f" else expected, d,
          shape=np.shape(expected))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
@given(data=st.data())
def test_argmax_argmin_first_of_ties_and_nan(backends, name, data):
    d = data.draw(uts.dtypes("biuf", half=True), label="dtype")
    # few distinct values, so ties are common; NaN and infinities for floats
    if d.kind == "f":
        elems = st.sampled_from([0.0, 1.0, -1.0, math.inf, -math.inf, math.nan])
    elif d.kind == "b":
        elems = st.booleans()
    else:
        info = ut.iinfo(d)
        elems = st.sampled_from([0, 1, info.min, info.max])
    shape = data.draw(uts.shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    x = data.draw(uts.arrays(d, shape, elements=elems), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    keepdims = data.draw(st.booleans())
    results = on_backends(backends, lambda t: getattr(ut, name)(t, axis=axis,
                                                                keepdims=keepdims), x)
    expected = getattr(np, name)(_wide(x), axis=axis, keepdims=keepdims)
    check(results, expected, ut.int64, shape=np.shape(expected))


def test_argmax_pytorch_spelling_and_flat_index(backends):
    x = np.array([[1, 9, 9], [9, 0, 0]], np.int32)
    check(on_backends(backends, lambda t: ut.argmax(t, dim=1, keepdim=True), x),
          np.array([[1], [0]]), ut.int64)
    check(on_backends(backends, ut.argmax, x), np.array(1), ut.int64)
    check(on_backends(backends, lambda t: t.argmax(0), x), np.array([1, 0, 0]), ut.int64)
    check(on_backends(backends, lambda t: ut.argmin(t, keepdims=True), x),
          np.array([[4]]), ut.int64)


def test_max_returns_values_only_and_accepts_positional_axis(backends):
    """ut.max is the standard's (values only); the method is PyTorch's (values and
    indices with a dim: tests/test_torch_tensor.py checks it against torch)."""
    x = np.array([[1.0, 5.0], [3.0, np.nan]], np.float32)
    check(on_backends(backends, lambda t: ut.max(t, 1), x), np.array([5.0, np.nan]),
          ut.float32)
    check(on_backends(backends, lambda t: t.max(0).values, x), np.array([3.0, np.nan]),
          ut.float32)
    check(on_backends(backends, lambda t: t.max(), x), np.array(np.nan), ut.float32)
    check(on_backends(backends, lambda t: ut.amin(t, dim=0, keepdim=True), x),
          np.array([[1.0, np.nan]]), ut.float32)
    check(on_backends(backends, lambda t: t.sum(1), x), np.array([6.0, np.nan]), ut.float32)


# ---------------------------------------------------------------------------------------
# all, any, count_nonzero


@pytest.mark.parametrize("name", ["all", "any", "count_nonzero"])
@given(data=st.data())
def test_logical_reductions_match_numpy(backends, name, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    elems = st.sampled_from([0, 1]) if d.kind in "biu" else st.sampled_from(
        [0.0, -0.0, 1.0, math.nan, math.inf])
    if d.kind == "b":
        elems = st.booleans()
    shape = data.draw(uts.shapes(max_dims=3, max_side=4), label="shape")
    x = data.draw(uts.arrays(d, shape, elements=elems), label="x")
    axis = data.draw(axes_for(len(shape)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    results = on_backends(backends, lambda t: getattr(ut, name)(t, axis=axis,
                                                                keepdims=keepdims), x)
    nonzero = x != 0  # NaN is non-zero, as in NumPy
    if name == "count_nonzero":
        expected, out = np.sum(nonzero, axis=axis, keepdims=keepdims, dtype=np.int64), ut.int64
    else:
        expected, out = getattr(np, name)(nonzero, axis=axis, keepdims=keepdims), ut.bool
    check(results, expected, out, shape=np.shape(expected))


# ---------------------------------------------------------------------------------------
# scans


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
@given(data=st.data())
def test_cumulative_matches_numpy(backends, name, data):
    summing = name == "cumulative_sum"
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    if summing:
        elems = _values(d, 1e3)
    elif d.kind in "fc":
        lo, hi = (0.9, 1.1) if d in (ut.float16, ut.bfloat16) else (0.5, 2.0)
        real = st.builds(lambda m, s: m * s, st.floats(lo, hi), st.sampled_from([1.0, -1.0]))
        elems = st.builds(complex, real, real) if d.kind == "c" else real
    else:
        elems = uts.elements(d)
    shape = data.draw(uts.shapes(max_dims=3, max_side=4), label="shape")
    x = data.draw(uts.arrays(d, shape, elements=elems), label="x")
    ndim = len(shape)
    axis = data.draw(st.integers(-ndim, ndim - 1) if ndim > 1 else st.one_of(
        st.none(), st.sampled_from([0, -1] if ndim else [None])), label="axis")
    include_initial = data.draw(st.booleans(), label="include_initial")
    fn = getattr(ut, name)
    results = on_backends(backends, lambda t: fn(t, axis=axis,
                                                 include_initial=include_initial), x)
    w = _wide(x).reshape(-1) if ndim == 0 else _wide(x)
    ax = 0 if axis is None else axis
    scan = np.cumsum if summing else np.cumprod
    with np.errstate(all="ignore"):
        expected = scan(w, axis=ax)
        bound = np.cumsum(_finite_abs(w), axis=ax) if summing else np.abs(expected)
    if include_initial:
        pad = [(0, 0)] * w.ndim
        pad[ax] = (1, 0)
        expected = np.pad(expected, pad, constant_values=0 if summing else 1)
        bound = np.pad(bound, pad)
    k = w.shape[ax] if w.ndim else 1
    check(results, expected, _accumulated(d), "reduction",
          scale=_scale(2 * k if d.kind == "c" else k, bound, expected),
          shape=expected.shape)


def test_cumsum_pytorch_spelling(backends):
    x = np.array([[1, 2], [3, 4]], np.int8)
    check(on_backends(backends, lambda t: ut.cumsum(t, dim=1), x), np.array([[1, 3], [3, 7]]),
          ut.int64)
    check(on_backends(backends, lambda t: t.cumsum(0), x), np.array([[1, 2], [4, 6]]),
          ut.int64)
    check(on_backends(backends, lambda t: ut.cumprod(t, 1, dtype=ut.int8), x),
          np.array([[1, 2], [3, 12]]), ut.int8)
    check(on_backends(backends, lambda t: ut.cumulative_sum(t, axis=0, dtype=ut.float64), x),
          np.array([[1, 2], [4, 6]]), ut.float64)


# ---------------------------------------------------------------------------------------
# logsumexp


def _logsumexp_ref(x, axis, keepdims):
    w = x.astype(np.float64)
    with np.errstate(all="ignore"):
        m = np.max(w, axis=axis, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0.0)
        out = np.log(np.sum(np.exp(w - m), axis=axis, keepdims=True)) + m
        # exp(inf - 0) = inf and exp(-inf) = 0 already give +inf and -inf; NaN stays NaN
    return out if keepdims else np.squeeze(out, axis=axis if axis is not None else None)


@given(data=st.data())
def test_logsumexp_matches_numpy(backends, data):
    d, x, axis, keepdims = _case(data, "biuf", bound=100.0, special=data.draw(st.booleans()))
    if d.kind in "iu":
        x = np.clip(x, -100, 100).astype(x.dtype)  # exp stays finite in float32
    if axis == ():
        expected = _wide(x).astype(np.float64)
    else:
        expected = _logsumexp_ref(_wide(x), axis, keepdims)
    results = on_backends(backends, lambda t: ut.logsumexp(t, axis=axis, keepdims=keepdims),
                          x)
    out = ut.get_default_dtype() if d.kind in "biu" else d
    # m + log(sum(exp(x - m))): the sum of n terms in (0, 1] has relative error
    # (n + 16) u (16: the few ulp of each exp), which log turns into that much absolute
    # error; the last addition rounds relative to |result|
    n = _reduced(x.shape, axis) if axis != () else 1
    check(results, expected, out, "reduction", scale=n + 16, shape=np.shape(expected))


def test_logsumexp_special_values(backends):
    x = np.array([[np.inf, 1.0], [-np.inf, -np.inf], [np.nan, np.inf], [1000.0, 1000.0]],
                 np.float32)
    check(on_backends(backends, lambda t: ut.logsumexp(t, axis=1), x),
          np.array([np.inf, -np.inf, np.nan, 1000 + np.log(2)]), ut.float32)


# ---------------------------------------------------------------------------------------
# errors


def test_empty_max_min_argmax_raise_the_same_error(backends):
    x = np.zeros((2, 0), np.float32)
    msg = same_error(backends, ValueError, lambda t: ut.max(t, axis=1), x)
    assert msg == "max() of an empty axis: axis 1 of shape (2, 0) has no elements"
    same_error(backends, ValueError, ut.min, x, match="min")
    same_error(backends, ValueError, ut.argmax, x,
               match=r"argmax\(\) of an empty tensor of shape \(2, 0\)")
    same_error(backends, ValueError, lambda t: ut.argmin(t, axis=-1), x,
               match="argmin.*axis 1")
    # reducing the other (non-empty) axis is fine
    check(on_backends(backends, lambda t: ut.max(t, axis=0), x), np.zeros(0), ut.float32)


def test_bad_axes_raise_the_same_error(backends):
    x = np.ones((2, 3), np.float32)
    for fn in (ut.sum, ut.mean, ut.var, ut.max, ut.any, ut.logsumexp, ut.count_nonzero):
        same_error(backends, ut.AxisError, lambda t, fn=fn: fn(t, axis=2), x, match="out of bounds")
        same_error(backends, ut.AxisError, lambda t, fn=fn: fn(t, axis=(0, -2)), x,
                   match="repeated axis")
    same_error(backends, ut.AxisError, lambda t: ut.argmax(t, axis=-3), x)
    same_error(backends, ut.AxisError, ut.cumulative_sum, x,
               match="needs an axis for tensors of more than one dimension")
    same_error(backends, TypeError, lambda t: ut.sum(t, axis=0, dim=1), x)


def test_bad_dtypes_raise_the_same_error(backends):
    c = np.array([1j, 2], np.complex64)
    for fn in (ut.max, ut.min, ut.argmax, ut.var, ut.std, ut.logsumexp):
        same_error(backends, ut.DTypeError, fn, c, match=fn.__name__)
    msg = same_error(backends, ut.DTypeError, ut.var, c)
    assert msg == "var() expects real numeric tensors, got complex64"
    same_error(backends, ValueError, lambda t: ut.var(t, correction=-1),
               np.ones(3, np.float32), match="non-negative")


# ---------------------------------------------------------------------------------------
# diff (Array API 2024.12)


@given(data=st.data())
def test_diff_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    shape = data.draw(uts.shapes(min_dims=1, max_dims=3, max_side=5), label="shape")
    x = data.draw(uts.arrays(d, shape, allow_nan=False, allow_infinity=False,
                             min_value=-1000, max_value=1000), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = data.draw(st.integers(0, 4), label="n")
    extra = {}
    for name in ("prepend", "append"):
        kind = data.draw(st.sampled_from(["none", "array", "scalar"]), label=name)
        if kind == "array":
            s = list(shape)
            s[axis] = data.draw(st.integers(0, 3))
            extra[name] = data.draw(uts.arrays(d, tuple(s), allow_nan=False,
                                               allow_infinity=False, min_value=-1000,
                                               max_value=1000), label=f"{name} values")
        elif kind == "scalar":
            extra[name] = True if d.kind == "b" else 3
    # the standard's definition: join, then difference n times (NumPy's diff skips the
    # joining when n == 0)
    parts = []
    for name in ("prepend", "append"):
        v = extra.get(name)
        if v is not None and not isinstance(v, np.ndarray):
            s = list(shape)
            s[axis] = 1
            v = np.broadcast_to(np.asarray(v, x.dtype), s)
        parts.append(v)
    base = x if d.kind == "b" else _wide(x)  # (bool: NumPy's diff is != there too)
    joined = np.concatenate([p for p in (parts[0], base, parts[1]) if p is not None],
                            axis=axis).astype(base.dtype)
    with np.errstate(all="ignore"):
        expected = np.diff(joined, n=n, axis=axis)
    results = {}
    for name in backends:
        with ut.use_backend(name):
            kw = {k: ut.asarray(v) if isinstance(v, np.ndarray) else v
                  for k, v in extra.items()}
            results[name] = ut.diff(ut.asarray(x), axis=axis, n=n, **kw)
    check(results, expected, d, "exact" if d.kind in "biu" else "reduction",
          scale=2.0 ** n * 1000, shape=expected.shape)


def test_diff_bool_and_integer_rules(backends):
    check(on_backends(backends, ut.diff, np.array([True, False, False, True])),
          np.array([True, False, True]), ut.bool)  # != as in NumPy and PyTorch
    check(on_backends(backends, ut.diff, np.array([0, 255], np.uint8)), np.array([255]),
          ut.uint8)
    check(on_backends(backends, ut.diff, np.array([200, 10], np.uint8)), np.array([66]),
          ut.uint8)  # wraps
    check(on_backends(backends, lambda t: ut.diff(t, prepend=0.5), np.array([1, 2])),
          np.array([0.5, 1.0]), ut.float32)  # a weak float scalar, as in t + 0.5
    check(on_backends(backends, lambda t: ut.diff(t, n=5), np.array([1, 2])),
          np.zeros(0, np.int64), ut.int64)


def test_diff_bad_input_is_the_same_everywhere(backends):
    same_error(backends, ut.ShapeError, ut.diff, np.array(3.0), match="0-d")
    same_error(backends, ValueError, lambda t: ut.diff(t, n=-1), np.ones(3),
               match="non-negative")
    same_error(backends, ut.AxisError, lambda t: ut.diff(t, axis=1), np.ones(3),
               match="out of bounds")
    same_error(backends, ut.ShapeError, lambda t: ut.diff(t, prepend=ut.ones((2, 2))),
               np.ones(3), match="rank of x")
    same_error(backends, ut.ShapeError, lambda t: ut.diff(t, append=ut.ones((3, 3)), axis=0),
               np.ones((2, 2)), match="do not match outside axis")
    same_error(backends, TypeError, lambda t: ut.diff(t, n=1.5), np.ones(3))
