"""``ut.fft`` (the Array API fft extension) against ``numpy.fft`` in float64 and across
backends: every transform over generated shapes, axes, lengths (padding and trimming)
and norms; result dtypes (float64 gives complex128 on every backend); frequencies and
shifts; round trips; gradients against finite differences; compiled functions; and
the errors, which carry one message on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing import strategies as uts
from unitorch.testing.tolerances import family_tolerance

from support import check, finite_difference, on_backends, same_error

NORMS = st.sampled_from([None, "backward", "ortho", "forward"])
_COMPLEX = {ut.float32: ut.complex64, ut.float64: ut.complex128}
_REAL = {ut.complex64: ut.float32, ut.complex128: ut.float64}


def computed(d: ut.DType) -> ut.DType:
    """The dtype a transform computes ``d`` in: integers in the default float dtype,
    half dtypes in float32."""
    if d.kind in "iu":
        d = ut.get_default_dtype()
    return ut.float32 if d in (ut.float16, ut.bfloat16) else d


def as_complex(d: ut.DType) -> ut.DType:
    d = computed(d)
    return _COMPLEX.get(d, d)


def as_real(d: ut.DType) -> ut.DType:
    return _REAL[as_complex(d)]


# name -> (NumPy reference, accepted input kinds, result dtype from the input dtype,
#          whether n is the output length of a real inverse transform)
ONE_D = {
    "fft": (np.fft.fft, "iufc", as_complex, False),
    "ifft": (np.fft.ifft, "iufc", as_complex, False),
    "rfft": (np.fft.rfft, "iuf", as_complex, False),
    "ihfft": (np.fft.ihfft, "iuf", as_complex, False),
    "irfft": (np.fft.irfft, "iufc", as_real, True),
    "hfft": (np.fft.hfft, "iufc", as_real, True),
}
N_D = {
    "fftn": (np.fft.fftn, "iufc", as_complex, False),
    "ifftn": (np.fft.ifftn, "iufc", as_complex, False),
    "rfftn": (np.fft.rfftn, "iuf", as_complex, False),
    "irfftn": (np.fft.irfftn, "iufc", as_real, True),
}


def wide(x: np.ndarray) -> np.ndarray:
    return x.astype(np.complex128 if x.dtype.kind == "c" else np.float64)


def check_fft(results: dict, expected: np.ndarray, dtype: ut.DType, n: int) -> None:
    """Each backend's result has ``dtype`` and NumPy's shape, and is within the "fft"
    family of the float64 reference (scaled by log2(n) and the reference's 2-norm), and
    within twice that of the other backends."""
    scale = max(1.0, math.log2(max(n, 1))) * float(np.linalg.norm(expected.reshape(-1)))
    _, atol = family_tolerance("fft", dtype, scale)
    first = None
    for name, r in results.items():
        assert isinstance(r, ut.Tensor), name
        assert r.dtype is dtype, f"{name}: dtype {r.dtype.name}, expected {dtype.name}"
        assert r.shape == expected.shape, f"{name}: shape {r.shape}, expected {expected.shape}"
        assert_close(r.numpy(), expected, 0.0, atol, msg=f"{name} vs NumPy")
        if first is None:
            first = (name, r.numpy())
        else:
            assert_close(r.numpy(), first[1], 0.0, 2 * atol, msg=f"{name} vs {first[0]}")


def finite(d: ut.DType, shape) -> st.SearchStrategy[np.ndarray]:
    return uts.arrays(d, shape, min_value=-100, max_value=100)


# ---------------------------------------------------------------------------------------
# transforms against NumPy


@pytest.mark.parametrize("name", list(ONE_D))
@given(data=st.data())
def test_one_dimensional_transforms_match_numpy(backends, name, data):
    ref, kinds, result, inverse_real = ONE_D[name]
    d = data.draw(uts.dtypes(kinds, half=True), label="dtype")
    shape = data.draw(uts.shapes(min_dims=1, max_dims=3, min_side=1, max_side=6), label="shape")
    x = data.draw(finite(d, shape), label="x")
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    n = data.draw(st.none() | st.integers(1, 9), label="n")
    norm = data.draw(NORMS, label="norm")
    m = shape[axis]
    length = n if n is not None else (2 * (m - 1) if inverse_real else m)
    assume(length >= 1)
    kwargs = {"n": n, "axis": axis, "norm": norm}
    expected = ref(wide(x), **kwargs)
    results = on_backends(backends, getattr(ut.fft, name), x, **kwargs)
    check_fft(results, expected, result(d), length)


@st.composite
def axes_and_sizes(draw, shape: tuple[int, ...], inverse_real: bool):
    """``(s, axes)`` for an n-dimensional transform: axes a (possibly empty, for the
    complex transforms) subset of the axes in any order, or None; s None or sizes."""
    ndim = len(shape)
    axes = draw(st.none() | st.permutations(range(ndim)).flatmap(
        lambda p: st.integers(1, ndim).map(lambda k: tuple(p[:k]))))
    s = None
    if axes is not None and draw(st.booleans()):
        s = tuple(draw(st.sampled_from([-1, 1, 2, 3, 4, 5])) for _ in axes)
    return s, axes


@pytest.mark.parametrize("name", list(N_D))
@given(data=st.data())
def test_n_dimensional_transforms_match_numpy(backends, name, data):
    ref, kinds, result, inverse_real = N_D[name]
    d = data.draw(uts.dtypes(kinds, half=False), label="dtype")
    # up to 5 axes: TensorFlow's kernels take at most 3 innermost ones at a time
    shape = data.draw(uts.shapes(min_dims=1, max_dims=5, min_side=1, max_side=4), label="shape")
    x = data.draw(finite(d, shape), label="x")
    s, axes = data.draw(axes_and_sizes(shape, inverse_real), label="s, axes")
    norm = data.draw(NORMS, label="norm")
    use = list(range(len(shape))) if axes is None else list(axes)
    sizes = ([shape[a] for a in use] if s is None
             else [shape[a] if v == -1 else v for v, a in zip(s, use)])
    if inverse_real and s is None:
        sizes[-1] = 2 * (shape[use[-1]] - 1)
    assume(min(sizes) >= 1)
    kwargs = {"s": s, "axes": axes, "norm": norm}
    expected = ref(wide(x), **kwargs)
    results = on_backends(backends, getattr(ut.fft, name), x, **kwargs)
    check_fft(results, expected, result(d), math.prod(sizes))


@pytest.mark.parametrize("shape", [(0, 4), (2, 0, 5)])
def test_empty_batches(backends, shape):
    """Transforms of 0-size tensors along axes of size >= 1 (PyTorch's MKL kernels
    refuse them on their own)."""
    x = np.zeros(shape)
    for name, (ref, kinds, result, _) in {**ONE_D, **N_D}.items():
        arr = x if "c" not in kinds else x.astype(np.complex128)
        kwargs = {"axes": (-1,)} if name.endswith("n") else {"axis": -1}
        expected = ref(arr, **kwargs)
        d = ut.complex128 if arr.dtype.kind == "c" else ut.float64
        results = on_backends(backends, getattr(ut.fft, name), arr, **kwargs)
        check(results, expected, result(d), "exact", shape=expected.shape)


def test_float64_gives_complex128_and_back_on_every_backend(backends):
    x = np.linspace(-1, 1, 8)
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            assert ut.fft.rfft(t).dtype is ut.complex128
            assert ut.fft.fft(t).dtype is ut.complex128
            assert ut.fft.ihfft(t).dtype is ut.complex128
            assert ut.fft.rfftn(t.reshape(2, 4)).dtype is ut.complex128
            c = ut.fft.rfft(t)
            assert ut.fft.irfft(c).dtype is ut.float64
            assert ut.fft.hfft(c).dtype is ut.float64
            assert ut.fft.irfftn(c.reshape(1, 5)).dtype is ut.float64
            f32 = ut.asarray(x.astype(np.float32))
            assert ut.fft.rfft(f32).dtype is ut.complex64
            assert ut.fft.fft(f32.astype(ut.float16)).dtype is ut.complex64
            assert ut.fft.fft(ut.arange(4)).dtype is ut.complex64  # default float32


def test_round_trips_and_reference_values(backends):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 7))
    c = x + 1j * rng.standard_normal((3, 7))
    for norm in ("backward", "ortho", "forward"):
        # ifft(fft(c)) == c and irfft(rfft(x), n) == x for odd and even lengths
        back = on_backends(backends, lambda t, norm=norm: ut.fft.ifft(
            ut.fft.fft(t, norm=norm), norm=norm), c)
        check_fft(back, c, ut.complex128, 7)
        for n in (6, 7):
            real = on_backends(backends, lambda t, n=n, norm=norm: ut.fft.irfft(
                ut.fft.rfft(t, n=n, norm=norm), n=n, norm=norm), x)
            check_fft(real, x[:, :n], ut.float64, n)
            herm = on_backends(backends, lambda t, n=n, norm=norm: ut.fft.hfft(
                ut.fft.ihfft(t, n=n, norm=norm), n=n, norm=norm), x)
            check_fft(herm, x[:, :n], ut.float64, n)
    for name, r in on_backends(backends, ut.fft.fft, np.array([1.0, 0, 0, 0])).items():
        np.testing.assert_array_equal(r.numpy(), [1, 1, 1, 1], err_msg=name)


def test_dim_is_pytorchs_spelling(backends):
    x = np.arange(12.0).reshape(3, 4)
    expected = np.fft.fft(x, axis=0)
    check_fft(on_backends(backends, lambda t: ut.fft.fft(t, dim=0), x), expected,
              ut.complex128, 3)
    expected = np.fft.fftn(x, s=(2,), axes=(0,))
    check_fft(on_backends(backends, lambda t: ut.fft.fftn(t, s=(2,), dim=(0,)), x), expected,
              ut.complex128, 2)
    # s without axes: the last len(s) axes (PyTorch's rule)
    expected = np.fft.rfftn(x, s=(5,), axes=(1,))
    check_fft(on_backends(backends, lambda t: ut.fft.rfftn(t, s=(5,)), x), expected,
              ut.complex128, 5)
    # fftn over no axes: the input as complex
    check_fft(on_backends(backends, lambda t: ut.fft.fftn(t, axes=()), x), x.astype(complex),
              ut.complex128, 1)


# ---------------------------------------------------------------------------------------
# frequencies and shifts


@given(n=st.integers(0, 40), d=st.floats(0.1, 5) | st.floats(-5, -0.1),
       dtype=st.sampled_from([None, ut.float32, ut.float64, ut.float16]))
def test_frequencies_match_numpy(backends, n, d, dtype):
    want = ut.get_default_dtype() if dtype is None else dtype
    for name, ref in (("fftfreq", np.fft.fftfreq), ("rfftfreq", np.fft.rfftfreq)):
        expected = ref(n, d) if n else np.zeros(0)
        results = on_backends(backends, getattr(ut.fft, name), n, d=d, dtype=dtype)
        check(results, expected, want, "exact", shape=expected.shape)


@given(d=uts.dtypes("biufc", half=True),
       shape=uts.shapes(min_dims=1, max_dims=4, max_side=5), data=st.data())
def test_shifts_match_numpy(backends, d, shape, data):
    x = data.draw(uts.arrays(d, shape), label="x")
    axes = data.draw(st.none() | st.integers(-len(shape), len(shape) - 1), label="axes")
    if data.draw(st.booleans()):
        axes = data.draw(st.permutations(range(len(shape))).map(tuple), label="axes")
    for name in ("fftshift", "ifftshift"):
        expected = getattr(np.fft, name)(x, axes=axes)
        results = on_backends(backends, getattr(ut.fft, name), x, axes=axes)
        for bk, r in results.items():
            assert r.dtype is d, bk
            np.testing.assert_array_equal(r.numpy(), expected, err_msg=f"{bk}: {name}")


def test_fftshift_centres_the_zero_frequency(backends):
    for name in backends:
        with ut.use_backend(name):
            f = ut.fft.fftshift(ut.fft.fftfreq(5))
            np.testing.assert_allclose(f.numpy(), [-0.4, -0.2, 0, 0.2, 0.4], rtol=1e-6)
            np.testing.assert_array_equal(
                ut.fft.ifftshift(ut.fft.fftshift(ut.arange(5))).numpy(), np.arange(5))
            zero_d = ut.asarray(np.float32(3))  # nothing to shift (NumPy 2.4 raises)
            assert ut.fft.fftshift(zero_d).shape == () and float(ut.fft.ifftshift(zero_d)) == 3


# ---------------------------------------------------------------------------------------
# gradients, compiled functions


@pytest.mark.parametrize("name", ["fft", "rfft", "fftn", "irfft"])
def test_gradients_match_finite_differences(backend, name):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5))
    out_shape = {"fft": (2, 6), "rfft": (2, 4), "fftn": (3, 5), "irfft": (2, 7)}[name]
    w1, w2 = rng.standard_normal(out_shape), rng.standard_normal(out_shape)
    transform = {
        "fft": lambda t: ut.fft.fft(t, n=6, norm="ortho"),
        "rfft": lambda t: ut.fft.rfft(t, n=6),
        "fftn": lambda t: ut.fft.fftn(t, s=(3,), axes=(0,), norm="forward"),
        "irfft": lambda t: ut.fft.irfft(t, n=7),
    }[name]

    def loss(t):
        y = transform(t)
        if y.dtype.kind == "c":
            return ut.sum(ut.real(y) * ut.asarray(w1)) + ut.sum(ut.imag(y) * ut.asarray(w2))
        return ut.sum(y * ut.asarray(w1))

    got = ut.grad(loss)(ut.asarray(x)).numpy()
    expected = finite_difference(lambda v: float(loss(ut.asarray(v))), x)
    # linear maps: central differences are exact up to rounding, O(eps |f| / h) ~ 1e-9
    assert_close(got, expected, rtol=1e-6, atol=1e-6)


def test_transforms_inside_tf_function(backends):
    if "tensorflow" not in backends:
        pytest.skip("TensorFlow is not among the selected backends")
    tf = pytest.importorskip("tensorflow")
    x = np.random.default_rng(4).standard_normal((3, 2, 4, 5))
    with ut.use_backend("tensorflow"):
        def fn(a):
            t = ut.from_native(a)
            y = ut.fft.irfftn(ut.fft.rfftn(t, axes=(3, 0, 1, 2), norm="ortho"),
                              s=(5, 3, 2, 4), axes=(3, 0, 1, 2), norm="ortho")
            return ut.fft.fft(y, n=8, axis=1).native

        got = tf.function(fn, autograph=False)(tf.constant(x))
    check_fft({"tf.function": ut.from_native(got)}, np.fft.fft(x, n=8, axis=1),
              ut.complex128, 8)


# ---------------------------------------------------------------------------------------
# errors: one type and message on every backend


def test_errors_are_the_same_on_every_backend(backends):
    x = np.ones((3, 4), np.float32)
    c = np.ones((3, 4), np.complex64)
    cases = [
        (ut.DTypeError, lambda t: ut.fft.fft(t), np.ones(3, bool), "bool"),
        (ut.DTypeError, lambda t: ut.fft.rfft(t), c, "rfft.*complex64"),
        (ut.DTypeError, lambda t: ut.fft.ihfft(t), c, "ihfft.*complex64"),
        (ut.DTypeError, lambda t: ut.fft.rfftn(t), c, "rfftn.*complex64"),
        (ValueError, lambda t: ut.fft.fft(t, norm="unitary"), x, "norm must be"),
        (ValueError, lambda t: ut.fft.fft(t, n=0), x, r"invalid number of data points \(0\)"),
        (ValueError, lambda t: ut.fft.irfft(t, axis=0), np.ones((1, 3), np.complex64),
         r"invalid number of data points \(0\)"),
        (ValueError, lambda t: ut.fft.fftn(t, s=(2, 2), axes=(0,)), x, "2 sizes for 1 axes"),
        (ValueError, lambda t: ut.fft.fftn(t, s=(0, 2), axes=(0, 1)), x, r"\(0\)"),
        (ValueError, lambda t: ut.fft.rfftn(t, axes=()), x, "at least one axis"),
        (ut.AxisError, lambda t: ut.fft.fft(t, axis=2), x, "axis 2 is out of bounds"),
        (ut.AxisError, lambda t: ut.fft.fftn(t, axes=(0, -2)), x, "repeated axis"),
        (ut.AxisError, lambda t: ut.fft.fftshift(t, axes=(3,)), x, "out of bounds"),
        (ut.ShapeError, lambda t: ut.fft.fft(t), np.ones((), np.complex64), "0-d"),
        (TypeError, lambda t: ut.fft.fft(t, n=2.5), x, "must be an integer"),
    ]
    for exc, fn, arr, match in cases:
        same_error(backends, exc, fn, arr, match=match)
    same_error(backends, ValueError, lambda: ut.fft.fftfreq(-1), match="non-negative")
    same_error(backends, ValueError, lambda: ut.fft.rfftfreq(4, d=0.0), match="non-zero")
    same_error(backends, ut.DTypeError, lambda: ut.fft.fftfreq(4, dtype=ut.int32),
               match="real floating")
