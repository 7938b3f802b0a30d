"""Element-wise functions against NumPy float64 and across backends, over generated
shapes (0-d, 0-size, broadcasting), dtypes and values (inf, nan, -0.0)."""

from __future__ import annotations

import operator

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

# name -> (NumPy reference, accepted kinds, tolerance family, extra element options)
UNARY = {
    "abs": (np.abs, "iufc", "exact", {}),
    "negative": (np.negative, "iufc", "exact", {}),
    "positive": (np.positive, "iufc", "exact", {}),
    "square": (np.square, "iufc", "exact", {}),
    "sign": (np.sign, "iuf", "exact", {}),
    "sqrt": (np.sqrt, "f", "exact", {}),
    "exp": (np.exp, "fc", "transcendental", {"max_value": 80, "min_value": -80}),
    "expm1": (np.expm1, "f", "transcendental", {}),
    "log": (np.log, "f", "transcendental", {}),
    "log1p": (np.log1p, "f", "transcendental", {}),
    "log2": (np.log2, "f", "composite", {}),
    "log10": (np.log10, "f", "composite", {}),
    "sin": (np.sin, "f", "transcendental", {"min_value": -1e3, "max_value": 1e3}),
    "cos": (np.cos, "f", "transcendental", {"min_value": -1e3, "max_value": 1e3}),
    "tan": (np.tan, "f", "transcendental", {"min_value": -1.5, "max_value": 1.5}),
    "asin": (np.arcsin, "f", "transcendental", {}),
    "acos": (np.arccos, "f", "transcendental", {}),
    "atan": (np.arctan, "f", "transcendental", {}),
    "sinh": (np.sinh, "f", "transcendental", {"min_value": -80, "max_value": 80}),
    "cosh": (np.cosh, "f", "transcendental", {"min_value": -80, "max_value": 80}),
    "tanh": (np.tanh, "f", "transcendental", {}),
    "asinh": (np.arcsinh, "f", "transcendental", {}),
    "acosh": (np.arccosh, "f", "transcendental", {}),
    "atanh": (np.arctanh, "f", "transcendental", {}),
    "floor": (np.floor, "iuf", "exact", {}),
    "ceil": (np.ceil, "iuf", "exact", {}),
    "trunc": (np.trunc, "iuf", "exact", {}),
    "round": (np.round, "iuf", "exact", {}),
    "isnan": (np.isnan, "iufc", "exact", {}),
    "isinf": (np.isinf, "iufc", "exact", {}),
    "isfinite": (np.isfinite, "iufc", "exact", {}),
    "signbit": (np.signbit, "f", "exact", {}),
    "real": (np.real, "iufc", "exact", {}),
    "imag": (np.imag, "fc", "exact", {}),
    "conj": (np.conj, "iufc", "exact", {}),
    "logical_not": (np.logical_not, "b", "exact", {}),
    "bitwise_invert": (np.invert, "biu", "exact", {}),
}

def floor_divide_reference(x1: np.ndarray, x2: np.ndarray) -> np.ndarray:
    """NumPy's ``floor_divide``, except with exactly one infinite operand, where the Array
    API 2024.12 standard's ``floor(x1 / x2)`` applies (NumPy gives NaN and -1.0)."""
    with np.errstate(all="ignore"):
        out = np.floor_divide(x1, x2)
        if out.dtype.kind == "f":
            out = np.where(np.isinf(x1) != np.isinf(x2), np.floor(x1 / x2), out)
    return out


floor_divide_reference.nin = 2  # (read by _result_dtype, as a ufunc's)

BINARY = {
    "add": (np.add, "iufc", "exact", {}),
    "subtract": (np.subtract, "iufc", "exact", {}),
    "multiply": (np.multiply, "iufc", "exact", {}),
    "divide": (np.divide, "f", "exact", {}),
    "floor_divide": (floor_divide_reference, "iuf", "exact", {}),
    "remainder": (np.remainder, "iuf", "exact", {}),
    "pow": (np.power, "f", "transcendental", {"min_value": -30, "max_value": 30}),
    "maximum": (np.maximum, "iuf", "exact", {}),
    "minimum": (np.minimum, "iuf", "exact", {}),
    "atan2": (np.arctan2, "f", "transcendental", {}),
    "hypot": (np.hypot, "f", "composite", {}),
    "copysign": (np.copysign, "f", "exact", {}),
    "logaddexp": (np.logaddexp, "f", "composite", {}),
    "equal": (np.equal, "biufc", "exact", {}),
    "not_equal": (np.not_equal, "biufc", "exact", {}),
    "less": (np.less, "iuf", "exact", {}),
    "less_equal": (np.less_equal, "iuf", "exact", {}),
    "greater": (np.greater, "iuf", "exact", {}),
    "greater_equal": (np.greater_equal, "iuf", "exact", {}),
    "logical_and": (np.logical_and, "b", "exact", {}),
    "logical_or": (np.logical_or, "b", "exact", {}),
    "logical_xor": (np.logical_xor, "b", "exact", {}),
    "bitwise_and": (np.bitwise_and, "biu", "exact", {}),
    "bitwise_or": (np.bitwise_or, "biu", "exact", {}),
    "bitwise_xor": (np.bitwise_xor, "biu", "exact", {}),
}


def _result_dtype(name: str, reference, d: ut.DType) -> ut.DType:
    zero = np.zeros(1, d.numpy if d is not ut.bfloat16 else np.float32)
    probe = reference(*[zero] * getattr(reference, "nin", 1))
    if probe.dtype == np.bool_:
        return ut.bool
    if d.kind == "c" and probe.dtype.kind == "f":
        return {ut.complex64: ut.float32, ut.complex128: ut.float64}[d]
    return d


def _reference(fn, *arrays, dtype: ut.DType):
    wide = [a.astype(np.complex128 if a.dtype.kind == "c" else np.float64)
            if a.dtype.kind in "fc" or a.dtype == ut.bfloat16.numpy else a for a in arrays]
    with np.errstate(all="ignore"):
        return fn(*wide)


@pytest.mark.parametrize("name", sorted(UNARY))
@given(data=st.data())
def test_unary_matches_numpy_and_backends(backends, name, data):
    reference, kinds, family, options = UNARY[name]
    d = data.draw(uts.dtypes(kinds, half=True), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes(), **(options if d.kind in "fc" else {})),
                  label="x")
    results = on_backends(backends, getattr(ut, name), x)
    out_dtype = _result_dtype(name, reference, d)
    family = "composite" if d.kind == "c" and family == "transcendental" else family
    check(results, _reference(reference, x, dtype=d), out_dtype, family, shape=x.shape)


@pytest.mark.parametrize("name", sorted(BINARY))
@given(data=st.data())
def test_binary_matches_numpy_and_backends(backends, name, data):
    reference, kinds, family, options = BINARY[name]
    d = data.draw(uts.dtypes(kinds, half=True), label="dtype")
    shapes = data.draw(uts.mutually_broadcastable_shapes(2), label="shapes")
    opts = options if d.kind in "fc" else {}
    x1 = data.draw(uts.arrays(d, shapes.input_shapes[0], **opts), label="x1")
    x2 = data.draw(uts.arrays(d, shapes.input_shapes[1], **opts), label="x2")
    if name in ("floor_divide", "remainder") and d.kind in "iu":
        assume(not np.any(x2 == 0))  # zero divisors are pinned separately below
    if name == "floor_divide" and d.kind in "iu":
        assume(not np.any((x1 == ut.iinfo(d).min) & (x2 == -1)))  # overflow, unspecified
    results = on_backends(backends, getattr(ut, name), x1, x2)
    out_dtype = _result_dtype(name, reference, d)
    check(results, _reference(reference, x1, x2, dtype=d), out_dtype, family,
          shape=shapes.result_shape)


# ---------------------------------------------------------------------------------------
# promotion across dtypes and with Python scalars


@given(data=st.data())
def test_mixed_dtypes_promote_with_the_table(backends, data):
    d1 = data.draw(uts.dtypes("biufc"), label="d1")
    d2 = data.draw(uts.dtypes("biufc"), label="d2")
    assume(ut.dtypes._PROMOTE[d1._id][d2._id] is not None)  # (uint64 with int: refused)
    expected = ut.result_type(d1, d2)
    assume(expected.kind != "b")
    x1 = data.draw(uts.arrays(d1, (3,), allow_nan=False, allow_infinity=False,
                              min_value=-100, max_value=100), label="x1")
    x2 = data.draw(uts.arrays(d2, (3,), allow_nan=False, allow_infinity=False,
                              min_value=-100, max_value=100), label="x2")
    results = on_backends(backends, ut.add, x1, x2)
    with np.errstate(all="ignore"):
        ref = x1.astype(expected.numpy) + x2.astype(expected.numpy)
    check(results, ref, expected, "exact")


@pytest.mark.parametrize(
    "dtype, scalar, expected",
    [
        (ut.float32, 1.5, ut.float32), (ut.float16, 2, ut.float16),
        (ut.int8, 3, ut.int8), (ut.uint8, 200, ut.uint8), (ut.int32, 1.5, ut.float32),
        (ut.bool, 1, ut.int64), (ut.bool, True, ut.bool), (ut.float32, 1j, ut.complex64),
        (ut.float64, 2j, ut.complex128), (ut.int64, 1j, ut.complex64),
    ],
)
def test_python_scalars_are_weak(backends, dtype, scalar, expected):
    x = np.array([1, 0, 1], dtype=dtype.numpy)
    op = ut.logical_or if expected is ut.bool else ut.add
    results = on_backends(backends, lambda t: op(t, scalar), x)
    with np.errstate(all="ignore"):
        ref = (np.logical_or if expected is ut.bool else np.add)(x.astype(expected.numpy),
                                                                 scalar)
    check(results, ref, expected)
    reflected = on_backends(backends, lambda t: scalar + t, x) if expected is not ut.bool \
        else None
    if reflected:
        check(reflected, ref, expected)


def test_zero_dim_tensors_are_not_weak(backends):
    """PyTorch lets a 0-d float64 tensor lose to a float32 vector; the standard does not."""
    results = on_backends(backends, ut.add, np.ones(3, np.float32), np.array(2.0))
    check(results, np.full(3, 3.0), ut.float64)


def test_integer_scalar_out_of_range_is_an_error(backends):
    same_error(backends, OverflowError, lambda t: t + 300, np.zeros(2, np.int8),
               match="out of range for int8")


# ---------------------------------------------------------------------------------------
# semantics the frameworks disagree on, pinned against NumPy


def test_integer_division_and_remainder_follow_python(backends):
    a = np.array([7, -7, 7, -7, 0], np.int64)
    b = np.array([2, 2, -2, -2, 3], np.int64)
    check(on_backends(backends, ut.floor_divide, a, b), np.floor_divide(a, b), ut.int64)
    check(on_backends(backends, ut.remainder, a, b), np.remainder(a, b), ut.int64)
    check(on_backends(backends, lambda x, y: x // y, a, b), np.floor_divide(a, b), ut.int64)
    check(on_backends(backends, lambda x, y: x % y, a, b), np.remainder(a, b), ut.int64)


@pytest.mark.parametrize("dtype", [ut.int8, ut.int32, ut.int64, ut.uint8])
def test_integer_division_by_zero_gives_zero(backends, dtype):
    a = np.array([5, 0, 3], dtype.numpy)
    b = np.array([0, 0, 2], dtype.numpy)
    check(on_backends(backends, ut.floor_divide, a, b), np.array([0, 0, 1]), dtype)
    check(on_backends(backends, ut.remainder, a, b), np.array([0, 0, 1]), dtype)
    check(on_backends(backends, lambda x: x // 0, a), np.zeros(3), dtype)


def test_float_floor_divide_matches_numpy_rounding(backends):
    """TensorFlow computes floor(1 / 0.1) = 10; NumPy and PyTorch give 9."""
    a = np.array([1.0, -1.0, 5.0, -0.0, 0.5, np.inf], np.float64)
    b = np.array([0.1, 0.1, 0.0, 3.0, -7.0, np.inf], np.float64)
    check(on_backends(backends, ut.floor_divide, a, b), np.floor_divide(a, b), ut.float64)
    check(on_backends(backends, ut.remainder, a, b), np.remainder(a, b), ut.float64)


def test_remainder_with_tiny_divisors(backends):
    """Divisors near the smallest normal number: the remainder (and the quotient, past
    2**1000) match NumPy.  TensorFlow's comparisons flush a subnormal remainder to zero,
    which made ``1.0 % 7.414e-308`` 0 there; the backend tests the remainder's bits."""
    a = np.array([1.0, 3.0, 1e-300, 1.0, -1e-300, 4.0], np.float64)
    b = np.array([7.414e-308, 7.414e-308, 3e-308, 3e-300, -3e-308, 2.0], np.float64)
    results = on_backends(backends, ut.remainder, a, b)
    for name, r in results.items():
        np.testing.assert_array_equal(r.numpy(), np.remainder(a, b), err_msg=name)
        np.testing.assert_array_equal(np.signbit(r.numpy()), np.signbit(np.remainder(a, b)),
                                      err_msg=name)
    check(on_backends(backends, ut.floor_divide, a, b), np.floor_divide(a, b), ut.float64)


def test_floor_divide_with_one_infinite_operand_is_the_standards(backends):
    """2024.12: ``floor(x1 / x2)``; NumPy, PyTorch and Python give NaN and -1.0 here."""
    a = np.array([np.inf, -np.inf, np.inf, 1.0, -1.0, 1.0, -0.0, np.inf, 3.0], np.float64)
    b = np.array([2.0, 2.0, -0.5, -np.inf, np.inf, np.inf, np.inf, np.nan, 2.0], np.float64)
    expected = np.array([np.inf, -np.inf, -np.inf, -0.0, -0.0, 0.0, -0.0, np.nan, 1.0])
    for name, r in on_backends(backends, ut.floor_divide, a, b).items():
        got = r.numpy()
        np.testing.assert_array_equal(got, expected, err_msg=name)
        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected), err_msg=name)
    check(on_backends(backends, lambda x: x // 2.0, a), floor_divide_reference(a, 2.0),
          ut.float64)
    check(on_backends(backends, lambda x: 1.0 // x, b), floor_divide_reference(1.0, b),
          ut.float64)


def _nextafter_reference(x1: np.ndarray, x2: np.ndarray, d: ut.DType) -> np.ndarray:
    """C's ``nextafter``: NumPy's for float32 and float64; for the 16-bit dtypes, from the
    sorted list of all their values (NumPy has no bfloat16 ``nextafter``)."""
    if d.bits > 16:
        return np.nextafter(x1, x2)
    with np.errstate(invalid="ignore"):  # (the NaN bit patterns)
        every = np.arange(2**16, dtype=np.uint16).view(d.numpy).astype(np.float64)
    every = np.unique(every[~np.isnan(every)])  # ascending; -0.0 and 0.0 are one value
    a, b = np.broadcast_arrays(x1.astype(np.float64), x2.astype(np.float64))
    i = np.searchsorted(every, a)
    up = every[np.minimum(i + 1, every.size - 1)]
    down = every[np.maximum(i - 1, 0)]
    out = np.where(a < b, up, down)
    out = np.where(out == 0, np.copysign(0.0, a), out)  # a step onto zero keeps a's sign
    # from a zero, the first step is the smallest subnormal of the target's sign
    tiny = every[every > 0][0]
    out = np.where(a == 0, np.where(a < b, tiny, -tiny), out)
    out = np.where(a == b, b, out)
    return np.where(np.isnan(a) | np.isnan(b), np.nan, out)


@given(data=st.data())
def test_nextafter_matches_c_and_backends(backends, data):
    """Every float dtype, subnormals included (TensorFlow flushes them in float
    arithmetic; unitorch's nextafter works on the bits)."""
    d = data.draw(uts.dtypes("f", half=True), label="dtype")
    shapes = data.draw(uts.mutually_broadcastable_shapes(2), label="shapes")
    x1 = data.draw(uts.arrays(d, shapes.input_shapes[0], allow_subnormal=True), label="x1")
    x2 = data.draw(uts.arrays(d, shapes.input_shapes[1], allow_subnormal=True), label="x2")
    expected = _nextafter_reference(x1, x2, d).astype(d.numpy)
    for name, r in on_backends(backends, ut.nextafter, x1, x2).items():
        assert r.dtype is d and r.shape == shapes.result_shape, name
        got = r.numpy()
        np.testing.assert_array_equal(got.astype(np.float64), expected.astype(np.float64),
                                      err_msg=name)
        signed = ~np.isnan(expected.astype(np.float64))  # (a NaN's sign is unspecified)
        np.testing.assert_array_equal(np.signbit(got.astype(np.float64))[signed],
                                      np.signbit(expected.astype(np.float64))[signed],
                                      err_msg=name)


def test_nextafter_edges_and_bad_input(backends):
    a = np.array([0.0, -0.0, 0.0, 1.0, np.inf, -np.inf, np.nan, 5e-324, np.finfo(float).max])
    b = np.array([-0.0, 1.0, -1.0, 1.0, 0.0, np.inf, 0.0, 0.0, np.inf])
    for name, r in on_backends(backends, ut.nextafter, a, b).items():
        np.testing.assert_array_equal(r.numpy(), np.nextafter(a, b), err_msg=name)
        assert np.signbit(r.numpy()[0]), name  # nextafter(0.0, -0.0) is -0.0: x2
    check(on_backends(backends, lambda x: ut.nextafter(x, 2.0), np.ones(2, np.float32)),
          np.nextafter(np.float32(1), np.float32(2)) * np.ones(2), ut.float32)
    check(on_backends(backends, lambda x: ut.nextafter(x, x), np.array([1, 2], np.int32)),
          np.array([1.0, 2.0]), ut.float32)  # integers: the default float
    same_error(backends, ut.DTypeError, ut.nextafter, np.ones(2, np.complex64),
               np.ones(2, np.complex64), match="real floating")
    same_error(backends, ut.ShapeError, ut.nextafter, np.ones(2), np.ones(3),
               match="cannot be broadcast together")


@given(x=uts.arrays(uts.dtypes("fc", half=True), uts.shapes()))
def test_reciprocal_is_one_over_x(backends, x):
    """Against NumPy for real input (special cases included) and for finite non-zero
    complex input; ``1 / 0j`` and complex infinities are the division kernel's, which
    the frameworks define differently from NumPy (as for ``ut.divide``)."""
    d = ut.dtypes.as_dtype(x.dtype)
    if d.kind == "c":
        x = np.where(np.isfinite(x) & (x != 0), x, 1).astype(x.dtype)
    results = on_backends(backends, ut.reciprocal, x)
    with np.errstate(all="ignore"):
        wide = x.astype(np.complex128 if d.kind == "c" else np.float64)
        expected = 1.0 / wide
    check(results, expected, d, "exact" if d.kind == "f" else "composite")
    # the same values as ut.divide(1, x), special cases included
    for name, r in results.items():
        with ut.use_backend(name):
            assert_close(r, ut.divide(1, ut.asarray(x)), 0, 0, equal_nan=True,
                         msg=f"{name}: reciprocal vs 1 / x")


def test_reciprocal_of_integers_and_bad_input(backends):
    check(on_backends(backends, ut.reciprocal, np.array([2, -4, 0], np.int64)),
          np.array([0.5, -0.25, np.inf]), ut.float32)
    same_error(backends, TypeError, ut.reciprocal, "not a tensor",
               match="cannot make a tensor from str")


def test_integer_overflow_wraps(backends):
    a = np.array([127, -128], np.int8)
    check(on_backends(backends, lambda x: x + 1, a), np.array([-128, -127]), ut.int8)
    check(on_backends(backends, ut.abs, a), np.array([127, -128]), ut.int8)


def test_float_division_by_zero_is_ieee(backends):
    a = np.array([1.0, -1.0, 0.0], np.float32)
    check(on_backends(backends, lambda x: x / 0.0, a), np.array([np.inf, -np.inf, np.nan]),
          ut.float32)


def test_integer_true_division_gives_default_float(backends):
    a, b = np.array([1, 3], np.int32), np.array([2, 2], np.int32)
    check(on_backends(backends, ut.divide, a, b), np.array([0.5, 1.5]), ut.float32)


def test_nan_propagates_through_maximum_and_minimum(backends):
    a = np.array([1.0, np.nan, 3.0], np.float32)
    b = np.array([np.nan, 2.0, 1.0], np.float32)
    check(on_backends(backends, ut.maximum, a, b), np.maximum(a, b), ut.float32)
    check(on_backends(backends, ut.minimum, a, b), np.minimum(a, b), ut.float32)


@pytest.mark.parametrize("shift", [0, 3, 7, 8, 30, 63, 64, 100])
def test_shifts_by_the_bit_width_or_more(backends, shift):
    a = np.array([1, -5, 100], np.int64)
    s = np.full(3, shift, np.int64)
    expected_left = np.where(s >= 64, 0, np.left_shift(a, np.minimum(s, 63)))
    expected_right = np.right_shift(a, np.minimum(s, 63))
    check(on_backends(backends, ut.bitwise_left_shift, a, s), expected_left, ut.int64)
    check(on_backends(backends, ut.bitwise_right_shift, a, s), expected_right, ut.int64)


def test_where_and_clip(backends):
    c = np.array([True, False, True])
    a, b = np.array([1.0, 2.0, 3.0], np.float32), np.array([9.0, 8.0, 7.0], np.float32)
    check(on_backends(backends, ut.where, c, a, b), np.where(c, a, b), ut.float32)
    check(on_backends(backends, lambda x: ut.where(ut.asarray(c), x, 0), a),
          np.where(c, a, 0), ut.float32)
    x = np.array([-2.0, 0.5, np.nan, 3.0], np.float32)
    check(on_backends(backends, lambda t: ut.clip(t, 0.0, 1.0), x), np.clip(x, 0, 1),
          ut.float32)
    i = np.array([-5, 0, 5], np.int32)
    check(on_backends(backends, lambda t: ut.clip(t, -1.5, 2.5), i), np.array([-1, 0, 2]),
          ut.int32)


# ---------------------------------------------------------------------------------------
# complex functions: accuracy against mpmath, and the standard's special cases

COMPLEX_REFERENCES = {
    "exp": "exp", "expm1": "expm1", "log": "log", "log1p": "log1p", "sqrt": "sqrt",
    "sin": "sin", "cos": "cos", "tan": "tan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "asin": "asin", "acos": "acos", "atan": "atan", "asinh": "asinh", "acosh": "acosh",
    "atanh": "atanh", "log2": None, "log10": None,
}


def _mp_reference(name: str, z: np.ndarray) -> np.ndarray:
    import mpmath

    mpmath.mp.prec = 80

    def one(c: complex) -> complex:
        w = mpmath.mpc(c.real, c.imag)
        if name == "log2":
            return complex(mpmath.log(w) / mpmath.log(2))
        if name == "log10":
            return complex(mpmath.log(w) / mpmath.log(10))
        return complex(getattr(mpmath, COMPLEX_REFERENCES[name])(w))

    return np.array([one(c) for c in z.astype(np.complex128).reshape(-1)]).reshape(z.shape)


@pytest.mark.parametrize("name", sorted(COMPLEX_REFERENCES))
@given(data=st.data())
def test_complex_functions_match_mpmath(backends, name, data):
    """Off the axes (where branch cuts and signed zeros live, pinned below), each backend
    is within the composite tolerance of an 80-bit mpmath reference."""
    d = data.draw(st.sampled_from([ut.complex64, ut.complex128]), label="dtype")
    width = 32 if d is ut.complex64 else 64
    part = st.floats(-8, 8, width=width).filter(lambda v: abs(v) >= 1e-4)
    z = data.draw(uts.arrays(d, uts.shapes(max_dims=1, max_side=6),
                             elements=st.builds(complex, part, part)), label="z")
    check(on_backends(backends, getattr(ut, name), z), _mp_reference(name, z), d,
          "composite")


INF, NAN = float("inf"), float("nan")
PI = np.pi
# (function, input, expected): the standard's special cases where NumPy or a framework
# differs from it; zeros must match in sign, NaNs in place.
COMPLEX_SPECIAL = [
    ("expm1", complex(0.0, 0.0), complex(0.0, 0.0)),
    ("expm1", complex(-0.0, 0.0), complex(0.0, 0.0)),
    ("expm1", complex(INF, 0.0), complex(INF, 0.0)),
    ("expm1", complex(-INF, INF), complex(-1.0, 0.0)),
    ("expm1", complex(-INF, NAN), complex(-1.0, 0.0)),
    ("expm1", complex(INF, NAN), complex(INF, NAN)),
    ("expm1", complex(NAN, 0.0), complex(NAN, 0.0)),
    ("expm1", complex(-INF, 2.0), complex(-1.0, 0.0)),
    ("expm1", complex(1e-9, -1e-9), complex(1e-9, -1.000000001e-9)),
    ("log1p", complex(-1.0, 0.0), complex(-INF, 0.0)),
    ("log1p", complex(3.0, INF), complex(INF, PI / 2)),
    ("log1p", complex(-INF, 2.0), complex(INF, PI)),
    ("log1p", complex(-INF, INF), complex(INF, 3 * PI / 4)),
    ("log1p", complex(INF, NAN), complex(INF, NAN)),
    ("log1p", complex(NAN, INF), complex(INF, NAN)),
    ("log1p", complex(1e-10, 1e-10), complex(1e-10, 9.999999999e-11)),
    ("tanh", complex(INF, 2.0), complex(1.0, 0.0)),
    ("tanh", complex(INF, -2.0), complex(1.0, -0.0)),
    ("tanh", complex(-INF, 2.0), complex(-1.0, 0.0)),
    ("acos", complex(0.0, 0.0), complex(PI / 2, -0.0)),
    ("acos", complex(-0.0, -0.0), complex(PI / 2, 0.0)),
    # |z|**2 overflows (underflows) float32 and, with 1e200, float64: TF's kernel squares
    ("log", complex(1e30, 1e30), complex(69.42412638010134, PI / 4)),
    ("log", complex(0.0, 1e-30), complex(-69.07755278982137, PI / 2)),
    ("log", complex(1e200, 1e200), complex(np.log(np.sqrt(2) * 1e200), PI / 4)),
    ("log", complex(0.0, 1e-200), complex(np.log(1e-200), PI / 2)),
    ("log", complex(-0.0, 0.0), complex(-INF, PI)),
    ("log2", complex(0.0, 0.0), complex(-INF, 0.0)),
    ("log10", complex(NAN, INF), complex(INF, NAN)),
    ("log10", complex(0.0, 1e30), complex(30.0, PI / 2 / np.log(10))),
    ("log10", complex(0.0, 1e200), complex(200.0, PI / 2 / np.log(10))),
    ("sqrt", complex(-INF, -0.0), complex(0.0, -INF)),
    ("sqrt", complex(-4.0, -0.0), complex(0.0, -2.0)),
    ("sign", complex(0.0, NAN), complex(NAN, NAN)),
    ("sign", complex(-0.0, 0.0), complex(0.0, 0.0)),
    ("sign", complex(3.0, -4.0), complex(0.6, -0.8)),
    ("sign", complex(0.0, -INF), complex(0.0, -1.0)),
    ("round", complex(2.5, -1.5), complex(2.0, -2.0)),
]


def _fits_complex64(z: complex) -> bool:
    return all(v == 0 or not np.isfinite(v) or 1e-37 < abs(v) < 1e38 for v in (z.real, z.imag))


@pytest.mark.parametrize("dtype, name, z, expected", [
    (d, *case) for d in (ut.complex64, ut.complex128) for case in COMPLEX_SPECIAL
    if d is ut.complex128 or _fits_complex64(case[1])
], ids=lambda v: v.name if isinstance(v, ut.DType) else str(v))
def test_complex_special_cases(backends, name, z, expected, dtype):
    for b, out in on_backends(backends, getattr(ut, name), np.array([z], dtype.numpy)).items():
        assert out.dtype is dtype
        got = complex(out.numpy()[0])
        for g, e, part in ((got.real, expected.real, "real"), (got.imag, expected.imag, "imag")):
            if np.isnan(e):
                assert np.isnan(g), f"{b}: {name}({z}) {part} part {g}, expected NaN"
            else:
                ok = g == e or abs(g - e) <= 4 * ut.finfo(dtype).eps * abs(e)
                assert ok and np.signbit(g) == np.signbit(e), (
                    f"{b}: {name}({z}) {part} part {g!r}, expected {e!r}")


def test_real_sign_of_nan_is_nan(backends):
    x = np.array([np.nan, -0.0, 0.0, -3.0, np.inf], np.float32)
    check(on_backends(backends, ut.sign, x), np.sign(x), ut.float32)


# ---------------------------------------------------------------------------------------
# errors


def test_bad_dtype_error_is_the_same_on_every_backend(backends):
    msg = same_error(backends, ut.DTypeError, ut.bitwise_and, np.ones(2, np.float32),
                     np.ones(2, np.float32))
    assert "bitwise_and() expects integer or bool tensors, got float32" == msg
    same_error(backends, ut.DTypeError, ut.add, np.ones(2, bool), np.ones(2, bool),
               match="add")


def test_shape_mismatch_error_names_both_shapes(backends):
    msg = same_error(backends, ut.ShapeError, ut.add, np.ones((2, 3), np.float32),
                     np.ones((4,), np.float32))
    assert "(2, 3)" in msg and "(4,)" in msg


def test_mixing_backends_is_an_error(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    with ut.use_backend(backends[0]):
        a = ut.ones(2)
    with ut.use_backend(backends[1]):
        b = ut.ones(2)
        with pytest.raises(ut.BackendMismatchError, match="two backends"):
            ut.add(a, b)
        with pytest.raises(ut.BackendMismatchError):
            a + b
        converted = ut.asarray(a)
        assert converted.backend == backends[1]
        check({backends[1]: converted + b}, np.full(2, 2.0), ut.float32)


def test_float_remainder_of_exact_multiples_has_the_divisors_sign(backends):
    """NumPy and Python's ``%``: ``4.0 % -2.0`` is ``-0.0`` (torch's kernel gives +0.0)."""
    x = np.array([4.0, -4.0, 0.0, -0.0, 3.0, 6.0])
    for divisor in (-2.0, 2.0):
        expected = np.remainder(x, divisor)
        for fn in (lambda t, v=divisor: ut.remainder(t, v),
                   lambda t, v=divisor: ut.remainder(t, ut.full_like(t, v))):
            for name, r in on_backends(backends, fn, x).items():
                got = r.numpy()
                np.testing.assert_array_equal(got, expected, err_msg=name)
                np.testing.assert_array_equal(np.signbit(got), np.signbit(expected),
                                              err_msg=f"{name}: sign of zero")


def test_integer_to_negative_integer_power_is_refused(backends):
    base = np.array([2, 3], dtype=np.int64)
    same_error(backends, ValueError, lambda t: t ** -1, base,
               match="integers to negative integer powers are not allowed")
    same_error(backends, ValueError, lambda t: ut.pow(t, ut.asarray(np.array([1, -2]))),
               base, match="integers to negative integer powers are not allowed")
    check(on_backends(backends, lambda t: t ** ut.asarray(np.array([0, 3])), base),
          np.array([1, 27]), ut.int64)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_zero_python_scalars_keep_their_sign_on_either_side(backends, dtype):
    """``x * -0.0`` after ``x * 0.0``, and ``-0.0 - x`` after ``0.0 - x`` (TensorFlow
    converts Python numbers through a cache keyed by equality, and ``0.0 == -0.0``):
    NumPy's signed zeros on every backend, with the scalar on the right or on the left,
    converted first or second, through the operators (the fast paths, forward and
    reflected) and through the functions (the slow path)."""
    with_zeros = np.array([1.0, -2.0, 0.0, -0.0], dtype)
    cases = [("add", operator.add, with_zeros), ("subtract", operator.sub, with_zeros),
             ("multiply", operator.mul, with_zeros),
             ("divide", operator.truediv, np.array([1.0, -2.0, np.inf, -np.inf], dtype))]
    for first, second in ((0.0, -0.0), (-0.0, 0.0)):
        for name, py_op, x in cases:
            for fn in (getattr(ut, name), py_op):
                for left in (False, True):
                    def compute(t, fn=fn, left=left, a=first, b=second):
                        call = (lambda s: fn(s, t)) if left else (lambda s: fn(t, s))
                        call(a)  # the first zero: what a cache would remember
                        return call(b)

                    expected = py_op(dtype(second), x) if left else py_op(x, dtype(second))
                    what = f"{fn.__name__} with {second!r} on the {'left' if left else 'right'}"
                    for backend, r in on_backends(backends, compute, x).items():
                        got = r.numpy()
                        np.testing.assert_array_equal(got, expected, err_msg=f"{backend}: {what}")
                        np.testing.assert_array_equal(np.signbit(got), np.signbit(expected),
                                                      err_msg=f"{backend}: {what}: sign of zero")
