"""Creation functions and conversion into tensors, against NumPy and across backends.

``asarray``'s promises are checked by observation: dtype inference from Python data,
NumPy data keeping its dtype, and the ``copy`` argument (``True`` never shares memory,
``False`` never copies and refuses when it would have to, ``None`` shares where the
framework can), tested by writing to the source after conversion.
"""

from __future__ import annotations

import math

import ml_dtypes
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error


def values(t: ut.Tensor) -> np.ndarray:
    return t.numpy()


# ---------------------------------------------------------------------------------------
# asarray: dtype inference


@pytest.mark.parametrize("data, dtype", [
    (True, ut.bool), (3, ut.int64), (2.5, ut.float32), (1 + 2j, ut.complex64),
    ([True, False], ut.bool), ([1, 2], ut.int64), ([1, 2.0], ut.float32),
    ([True, 2], ut.int64), ([1, 2j], ut.complex64), ([[1.5], [2]], ut.float32),
    ((1, 2), ut.int64), ([], ut.float32), ([[], []], ut.float32),
    ([2**63 - 1, -(2**63)], ut.int64),
])
def test_python_data_dtype_inference(backend, data, dtype):
    t = ut.asarray(data)
    assert t.dtype is dtype
    expected = np.asarray(data)
    assert t.shape == expected.shape
    np.testing.assert_array_equal(values(t), expected.astype(dtype.numpy))


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8,
                                   np.float16, np.float32, np.float64, np.complex64,
                                   np.complex128, ml_dtypes.bfloat16])
def test_numpy_data_keeps_its_dtype(backend, dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = ut.asarray(a)
    assert t.dtype is ut.dtypes.as_dtype(dtype)
    np.testing.assert_array_equal(values(t), a)
    s = ut.asarray(a[0, 1])  # a NumPy scalar is NumPy data too (even np.float64)
    assert s.dtype is t.dtype and s.shape == ()
    assert ut.asarray([a[0, 0], a[0, 1]]).dtype is t.dtype


def test_numpy_unsigned_integers_keep_their_dtype(backend):
    for d, big in ((ut.uint16, 2**16 - 1), (ut.uint32, 2**32 - 1), (ut.uint64, 2**64 - 1)):
        t = ut.asarray(np.array([1, big], d.numpy))
        assert t.dtype is d and t.tolist() == [1, big]
        assert ut.asarray([1, big], dtype=d).tolist() == [1, big]
    assert ut.asarray(np.array([1], np.uint64), dtype=ut.int64).tolist() == [1]
    with pytest.raises(OverflowError, match="out of range for int64"):
        ut.asarray([2**63])  # Python integers take the default integer dtype
    with pytest.raises(ut.DTypeError, match="float128"):
        ut.asarray(np.ones(2, np.longdouble))


@pytest.mark.parametrize("target", [ut.int8, ut.uint8, ut.int32, ut.float16, ut.bfloat16,
                                    ut.float64, ut.complex128, ut.bool])
def test_dtype_argument(backend, target):
    t = ut.asarray([0, 1, 2], dtype=target)
    assert t.dtype is target
    wide = np.complex128 if target.kind == "c" else np.float64
    np.testing.assert_array_equal(values(t).astype(wide),
                                  np.array([0, 1, 2]).astype(target.numpy).astype(wide))
    n = ut.asarray(np.array([0.0, 1.0, 2.0]), dtype=target)
    assert n.dtype is target


def test_asarray_from_tensors_and_natives(backends):
    for name in backends:
        with ut.use_backend(name):
            x = ut.asarray([1.0, 2.0])
            assert ut.asarray(x) is x  # nothing to do: the same tensor
            assert ut.asarray(x, dtype=ut.float32) is x
            assert ut.asarray(x.native).native is x.native  # a native is wrapped, not copied
            y = ut.asarray(x, dtype=ut.float64)
            assert y.dtype is ut.float64 and y.tolist() == [1.0, 2.0]
            lst = ut.asarray([x, x])  # a list of tensors, as with NumPy arrays
            assert lst.shape == (2, 2) and lst.dtype is ut.float32


@pytest.mark.parametrize("dtype", [ut.bool, ut.int8, ut.uint8, ut.int64, ut.float16,
                                   ut.bfloat16, ut.float32, ut.float64, ut.complex64,
                                   ut.complex128])
def test_asarray_converts_between_backends(backends, dtype):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    a = (np.arange(6).reshape(2, 3) % 3).astype(dtype.numpy)
    for src, dst in ((backends[0], backends[1]), (backends[1], backends[0])):
        with ut.use_backend(src):
            x = ut.asarray(a)
        with ut.use_backend(dst):
            for copy in (None, True):
                y = ut.asarray(x, copy=copy)
                assert y.backend == dst and y.dtype is dtype and y.shape == (2, 3)
                np.testing.assert_array_equal(values(y), a)
            z = ut.asarray(x.native)  # the other framework's native tensor
            assert z.backend == dst and z.dtype is dtype


def test_asarray_errors(backends):
    same_error(backends, TypeError, lambda: ut.asarray("text"), match="cannot make a tensor")
    same_error(backends, TypeError, lambda: ut.asarray(None), match="cannot make a tensor")
    same_error(backends, OverflowError, lambda: ut.asarray([2**63]), match="out of range")
    same_error(backends, OverflowError, lambda: ut.asarray(-(2**63) - 1), match="out of range")
    same_error(backends, ut.ShapeError, lambda: ut.asarray([[1, 2], [3]]),
               match="different lengths")
    same_error(backends, ut.DTypeError, lambda: ut.asarray([1], dtype="int4"),
               match="unsupported dtype")
    same_error(backends, ValueError, lambda: ut.asarray([1, 2], copy=False),
               match="copy=False")


# ---------------------------------------------------------------------------------------
# asarray: copy semantics


def _writes_through(source: np.ndarray, t: ut.Tensor) -> bool:
    """Whether a write to ``source`` after the conversion shows in ``t``."""
    before = values(t).copy()
    source.reshape(-1)[0] += 1
    return not np.array_equal(values(t), before)


def test_copy_true_never_shares(backends):
    for name in backends:
        with ut.use_backend(name):
            a = np.arange(4.0)
            assert not _writes_through(a, ut.asarray(a, copy=True))
            assert not _writes_through(a, ut.tensor(a))
            x = ut.asarray([1.0, 2.0])
            y = ut.asarray(x, copy=True)
            assert y is not x
            x[0] = 5.0
            assert y.tolist() == [1.0, 2.0]


def test_copy_false_shares_or_refuses(backends):
    """``copy=False`` either shares the array's memory (observably) or raises ValueError;
    it never hands back a silent copy."""
    for name in backends:
        with ut.use_backend(name):
            a = np.arange(4.0)
            try:
                t = ut.asarray(a, copy=False)
            except ValueError as e:
                assert "copy=False" in str(e)
            else:
                assert _writes_through(a, t)
            x = ut.asarray([1.0, 2.0])
            assert ut.asarray(x, copy=False) is x
            with pytest.raises(ValueError, match="needs a copy"):
                ut.asarray(x, dtype=ut.float64, copy=False)


def test_torch_shares_numpy_memory(backends):
    if "torch" not in backends:
        pytest.skip("torch not selected")
    with ut.use_backend("torch"):
        a = np.arange(4.0)
        assert _writes_through(a, ut.asarray(a))  # copy=None shares where possible
        assert _writes_through(a, ut.asarray(a, copy=False))
        assert _writes_through(a, ut.from_dlpack(a))
        ro = np.arange(3.0)
        ro.flags.writeable = False  # torch cannot share read-only memory: a copy
        with pytest.raises(ValueError, match="copy=False"):
            ut.asarray(ro, copy=False)
        assert ut.asarray(ro).tolist() == [0.0, 1.0, 2.0]
        rev = np.arange(3.0)[::-1]  # nor reversed strides
        assert ut.asarray(rev).tolist() == [2.0, 1.0, 0.0]


def test_tensorflow_copies_numpy_data(backends):
    """TensorFlow's tensors own their memory: ``asarray`` of NumPy data copies, and
    ``copy=False`` is refused rather than broken."""
    if "tensorflow" not in backends:
        pytest.skip("tensorflow not selected")
    with ut.use_backend("tensorflow"):
        a = np.arange(4.0)
        assert not _writes_through(a, ut.asarray(a))
        with pytest.raises(ValueError, match="cannot share the memory"):
            ut.asarray(a, copy=False)


def test_zero_copy_between_torch_and_tensorflow(backends):
    """DLPack shares memory both ways where TensorFlow allows: torch-allocated (64-byte
    aligned) buffers go to TensorFlow without a copy, TensorFlow's buffers to torch."""
    if set(backends) != {"torch", "tensorflow"}:
        pytest.skip("needs both backends")
    with ut.use_backend("torch"):
        t = ut.zeros(1024)
    with ut.use_backend("tensorflow"):
        f = ut.asarray(t)
        assert ut.asarray(t, copy=False).shape == (1024,)
    t.native[0] = 7.0  # an in-place write on the torch side
    assert f[0].item() == 7.0
    with ut.use_backend("tensorflow"):
        g = ut.arange(8.0, dtype=ut.float32)
    with ut.use_backend("torch"):
        h = ut.asarray(g, copy=False)
        c = ut.asarray(g, copy=True)
    h.native[1] = 42.0
    assert g[1].item() == 42.0 and c[1].item() == 1.0
    # torch views at an odd offset are misaligned for TensorFlow: copied, or refused
    with ut.use_backend("torch"):
        odd = ut.from_native(t.native[1:])
    with ut.use_backend("tensorflow"):
        with pytest.raises(ValueError, match="needs a copy"):
            ut.asarray(odd, copy=False)
        assert ut.asarray(odd).shape == (1023,)


def test_from_dlpack(backends):
    for name in backends:
        with ut.use_backend(name):
            a = np.arange(6, dtype=np.int32).reshape(2, 3)
            t = ut.from_dlpack(a)
            assert t.backend == name and t.dtype is ut.int32
            np.testing.assert_array_equal(values(t), a)
            c = ut.from_dlpack(a, copy=True)
            assert not _writes_through(a, c)
            with pytest.raises(TypeError, match="__dlpack__"):
                ut.from_dlpack([1, 2])
            for other in backends:
                with ut.use_backend(other):
                    x = ut.asarray([1.5, 2.5])
                y = ut.from_dlpack(x)
                assert y.backend == name and y.tolist() == [1.5, 2.5]


def test_from_native(backends):
    for name in backends:
        backend = ut.backends.load(name)
        native = backend.from_numpy(np.arange(3.0), None)
        for active in backends:
            with ut.use_backend(active):
                t = ut.from_native(native)
                assert t.backend == name and t.native is native and t.dtype is ut.float64
    if "tensorflow" in backends:
        import tensorflow as tf

        v = tf.Variable([1.0, 2.0])
        t = ut.from_native(v)
        assert t.native is v and t.backend == "tensorflow"
    with pytest.raises(TypeError, match="from_native"):
        ut.from_native(np.zeros(2))


# ---------------------------------------------------------------------------------------
# arange, linspace, eye, full and friends


@pytest.mark.parametrize("args, kwargs", [
    ((5,), {}), ((2, 9), {}), ((2, 9, 3), {}), ((9, 2, -2), {}), ((3, 3), {}),
    ((1, 0), {}), ((0, 10, -1), {}), ((-5, 5, 4), {}), ((5,), {"dtype": ut.uint8}),
    ((10, 0, -3), {"dtype": ut.int8}), ((0.0, 1.0, 0.1), {}), ((1.5,), {}),
    ((-1.0, 1.0, 0.25), {"dtype": ut.float64}), ((0, 5), {"dtype": ut.float16}),
    ((0.5, 3), {}), ((10.0, 0.0, -1.5), {}),
])
def test_arange_matches_numpy(backends, args, kwargs):
    d = kwargs.get("dtype")
    all_int = all(isinstance(a, int) for a in args)
    expected_dtype = d or (ut.int64 if all_int else ut.float32)
    ref = np.arange(*args, dtype=np.float64)
    results = on_backends(backends, lambda: ut.arange(*args, **kwargs))
    check(results, ref, expected_dtype, shape=ref.shape)


@given(start=st.integers(-10**6, 10**6), stop=st.integers(-10**6, 10**6),
       step=st.integers(-1000, 1000).filter(bool))
def test_arange_integer_length_is_exact(backends, start, stop, step):
    assume(len(range(start, stop, step)) <= 3000)
    ref = np.array(range(start, stop, step), dtype=np.int64)
    check(on_backends(backends, lambda: ut.arange(start, stop, step)), ref, ut.int64,
          shape=ref.shape)


def test_arange_extremes(backends):
    big = 2**63 - 1
    ref = np.array([big - 2, big - 1, big], dtype=np.int64)
    check(on_backends(backends, lambda: ut.arange(big - 2, big, 1)), ref[:2], ut.int64)
    check(on_backends(backends, lambda: ut.arange(-(2**63), -(2**63) + 3)),
          np.array([-(2**63), -(2**63) + 1, -(2**63) + 2]), ut.int64)
    same_error(backends, OverflowError, lambda: ut.arange(250, 260, dtype=ut.uint8),
               match="outside uint8")
    same_error(backends, ValueError, lambda: ut.arange(0, 5, 0), match="step must not be zero")
    same_error(backends, ValueError, lambda: ut.arange(0, math.inf), match="finite")
    same_error(backends, TypeError, lambda: ut.arange(1j), match="real number")
    same_error(backends, ut.DTypeError, lambda: ut.arange(3, dtype=ut.complex64),
               match="real numeric")


@pytest.mark.parametrize("start, stop, num, endpoint", [
    (0, 1, 5, True), (0, 1, 5, False), (-3.5, 7.25, 11, True), (2, -2, 4, True),
    (0, 1, 1, True), (0, 1, 1, False), (0, 1, 0, True), (1e-3, 1e3, 7, False),
    (0, 10, 101, True),
])
@pytest.mark.parametrize("dtype", [None, ut.float64, ut.float16])
def test_linspace_matches_numpy(backends, start, stop, num, endpoint, dtype):
    ref = np.linspace(start, stop, num, endpoint=endpoint, dtype=np.float64)
    results = on_backends(backends, lambda: ut.linspace(start, stop, num, dtype=dtype,
                                                        endpoint=endpoint))
    check(results, ref, dtype or ut.float32, "exact", scale=4, shape=ref.shape)
    if endpoint and num > 1:  # the last value is exactly stop
        for r in results.values():
            assert r[-1].item() == float(np.asarray(stop, (dtype or ut.float32).numpy))


def test_linspace_complex(backends):
    ref = np.linspace(1 + 2j, -3 + 1j, 6)
    check(on_backends(backends, lambda: ut.linspace(1 + 2j, -3 + 1j, 6)), ref, ut.complex64,
          "exact", scale=4)
    check(on_backends(backends, lambda: ut.linspace(0, 1j, 3, dtype=ut.complex128)),
          np.linspace(0, 1j, 3), ut.complex128)
    same_error(backends, ut.DTypeError, lambda: ut.linspace(0, 1j, 3, dtype=ut.float32),
               match="complex dtype")
    same_error(backends, ut.DTypeError, lambda: ut.linspace(0, 1, 3, dtype=ut.int32),
               match="floating")
    same_error(backends, ValueError, lambda: ut.linspace(0, 1, -1), match="non-negative")


@pytest.mark.parametrize("n_rows, n_cols, k", [
    (3, None, 0), (3, 5, 1), (4, 2, -1), (0, 3, 0), (3, 3, 5), (3, 3, -7), (2, 4, 2**70),
    (1, 1, 0),
])
@pytest.mark.parametrize("dtype", [None, ut.int8, ut.bool, ut.complex64])
def test_eye_matches_numpy(backends, n_rows, n_cols, k, dtype):
    ref = np.eye(n_rows, n_cols, k=min(k, 100))
    results = on_backends(backends, lambda: ut.eye(n_rows, n_cols, k=k, dtype=dtype))
    check(results, ref, dtype or ut.float32, shape=ref.shape)


@pytest.mark.parametrize("fill, dtype, expected", [
    (7, None, ut.int64), (2.5, None, ut.float32), (True, None, ut.bool),
    (1j, None, ut.complex64), (0, ut.bool, ut.bool), (1, ut.bool, ut.bool),
    (False, ut.float32, ut.float32), (3, ut.float16, ut.float16), (3.0, ut.int8, ut.int8),
    (-128, ut.int8, ut.int8), (255, ut.uint8, ut.uint8), (2.0, ut.complex128, ut.complex128),
    (np.float32(1.5), None, ut.float32), (math.inf, ut.bfloat16, ut.bfloat16),
    (1e300, ut.float32, ut.float32), (2**70, ut.float64, ut.float64),
])
def test_full(backends, fill, dtype, expected):
    results = on_backends(backends, lambda: ut.full((2, 3), fill, dtype=dtype))
    ref = np.full((2, 3), fill, dtype=np.complex128 if expected.kind == "c" else np.float64)
    check(results, ref, expected, shape=(2, 3))


_ZEROS = {
    "f": [0.0, -0.0, np.float64(-0.0), np.float64(0.0)],
    "c": [0j, complex(-0.0, 0.0), complex(0.0, -0.0), complex(-0.0, -0.0), complex(-0.0, 1.0),
          1j, complex(2.0, -0.0), 2 + 0j],
}


def _assert_signs(results: dict, ref: np.ndarray, what: str) -> None:
    for name, r in results.items():
        got = r.numpy().astype(ref.dtype)
        for part in (np.real, np.imag):
            assert np.array_equal(np.signbit(part(got)), np.signbit(part(ref))), \
                f"{name}: {what}: got {got}, expected {ref}"


@pytest.mark.parametrize("dtype", [None, ut.float64, ut.bfloat16, ut.float16, ut.complex64,
                                   ut.complex128])
def test_full_keeps_the_sign_of_zero(backends, dtype):
    """0.0 == -0.0 in Python (and complex numbers with a zero part equal their sign
    flips).  TensorFlow converts Python scalars through an eager cache keyed by Python
    equality: on its own, a zero fill gives whichever zero it converted first.  Found by
    the Array API suite (test_repeat's expected values come from ``full``)."""
    kind = "f" if dtype is None else dtype.kind
    fills = _ZEROS[kind]
    wide = np.complex128 if kind == "c" else np.float64
    for order in (fills, fills[::-1]):
        for fill in order:
            ref = np.full((2,), fill, dtype=wide)
            want = dtype or ut.float32
            full = on_backends(backends, lambda fill=fill: ut.full((2,), fill, dtype=dtype))
            check(full, ref, want, shape=(2,))
            _assert_signs(full, ref, f"full({fill!r})")
            like = on_backends(backends, lambda x, fill=fill: ut.full_like(x, fill),
                               np.ones(2, want.numpy))
            _assert_signs(like, ref, f"full_like({fill!r})")
            if kind == "f":  # one point: start itself, sign included (NumPy computes
                # 0 * step + start, which drops it)
                out = on_backends(backends, lambda fill=fill: ut.linspace(fill, 1.0, 1))
                check(out, np.linspace(fill, 1.0, 1), ut.float32, shape=(1,))
                _assert_signs(out, ref[:1], f"linspace({fill!r}, 1, 1)")


def test_full_errors(backends):
    same_error(backends, ut.DTypeError, lambda: ut.full(2, 1.5, dtype=ut.int32),
               match="cannot fill int32 with 1.5")
    same_error(backends, OverflowError, lambda: ut.full(2, 300, dtype=ut.uint8),
               match="out of range for uint8")
    same_error(backends, ut.DTypeError, lambda: ut.full(2, 1j, dtype=ut.float32),
               match="complex value")
    same_error(backends, TypeError, lambda: ut.full(2, "a"), match="Python scalar")
    same_error(backends, ut.ShapeError, lambda: ut.full((2, -1), 0), match="negative")
    same_error(backends, TypeError, lambda: ut.full("ab", 0), match="shape must be")


@pytest.mark.parametrize("fn, value", [(ut.zeros, 0), (ut.ones, 1), (ut.empty, None)])
@given(shape=uts.shapes(max_dims=4), dtype=st.none() | uts.dtypes(half=True))
def test_zeros_ones_empty(backends, fn, value, shape, dtype):
    results = on_backends(backends, lambda: fn(shape, dtype=dtype))
    expected = dtype or ut.float32
    for r in results.values():
        assert r.dtype is expected and r.shape == shape
    if value is not None:
        check(results, np.full(shape, value, np.float64), expected, shape=shape)
    if len(shape) >= 1:  # PyTorch's spelling: sizes as separate arguments
        assert fn(*shape, dtype=dtype).shape == shape


@pytest.mark.parametrize("fn, fill", [(ut.zeros_like, 0), (ut.ones_like, 1),
                                      (ut.empty_like, None), (ut.full_like, 3)])
@given(x=uts.arrays(uts.dtypes(half=True), uts.shapes()),
       dtype=st.none() | uts.dtypes("iufc"))
def test_like_functions(backends, fn, fill, x, dtype):
    args = (fill,) if fn is ut.full_like else ()
    results = on_backends(backends, lambda t: fn(t, *args, dtype=dtype), x)
    expected = dtype or ut.dtypes.as_dtype(x.dtype)
    if fill is not None:
        if expected is ut.bool:
            fill = bool(fill)
        check(results, np.full(x.shape, fill, np.float64), expected, shape=x.shape)
    for r in results.values():
        assert r.dtype is expected and r.shape == x.shape and r.device == "cpu"


def test_like_functions_errors(backends):
    same_error(backends, TypeError, lambda: ut.zeros_like(np.zeros(2)), match="Tensor")
    same_error(backends, ut.DTypeError, lambda t: ut.full_like(t, 0.5), np.zeros(2, np.int32),
               match="cannot fill int32")
    same_error(backends, OverflowError, lambda t: ut.full_like(t, -1), np.zeros(2, np.uint8),
               match="out of range")


# ---------------------------------------------------------------------------------------
# meshgrid, tril, triu


@pytest.mark.parametrize("sizes", [(3,), (2, 3), (2, 3, 4), (0, 2), (1, 1, 1)])
@pytest.mark.parametrize("indexing", ["xy", "ij"])
def test_meshgrid_matches_numpy(backends, sizes, indexing):
    arrays = [np.arange(n, dtype=np.float32) * (i + 1) for i, n in enumerate(sizes)]
    refs = np.meshgrid(*arrays, indexing=indexing)
    results = on_backends(backends, lambda *ts: ut.meshgrid(*ts, indexing=indexing), *arrays)
    for i, ref in enumerate(refs):
        check({k: v[i] for k, v in results.items()}, ref, ut.float32, shape=ref.shape)
    listed = on_backends(backends, lambda *ts: ut.meshgrid(list(ts), indexing=indexing),
                         *arrays)
    for v in listed.values():
        assert [t.shape for t in v] == [r.shape for r in refs]


def test_meshgrid_errors(backends):
    assert ut.meshgrid() == []
    same_error(backends, ValueError, lambda t: ut.meshgrid(t, indexing="xx"),
               np.zeros(2), match="indexing")
    same_error(backends, ut.ShapeError, ut.meshgrid, np.zeros((2, 2)), match="1-D")
    same_error(backends, ut.DTypeError, ut.meshgrid, np.zeros(2, np.float32),
               np.zeros(2, np.int32), match="one dtype")


@pytest.mark.parametrize("fn, ref_fn", [(ut.tril, np.tril), (ut.triu, np.triu)])
@given(shape=uts.shapes(min_dims=2, max_dims=4), k=st.integers(-5, 5),
       dtype=uts.dtypes(half=True))
def test_tril_triu_match_numpy(backends, fn, ref_fn, shape, k, dtype):
    x = np.arange(math.prod(shape)).reshape(shape).astype(dtype.numpy)
    results = on_backends(backends, lambda t: fn(t, k=k), x)
    wide = x.astype(np.complex128 if dtype.kind == "c" else np.float64)
    check(results, ref_fn(wide, k=k), dtype, shape=shape)


def test_tril_triu_errors(backends):
    same_error(backends, ut.ShapeError, ut.tril, np.zeros(3), match="at least 2 dimensions")
    same_error(backends, TypeError, lambda: ut.triu([[1]]), match="Tensor")


# ---------------------------------------------------------------------------------------
# astype


@given(x=uts.arrays(uts.dtypes("biuf", half=True), uts.shapes(), allow_nan=False,
                    allow_infinity=False, min_value=-100, max_value=100),
       target=uts.dtypes("biufc", half=True))
def test_astype_matches_numpy(backends, x, target):
    results = on_backends(backends, lambda t: ut.astype(t, target), x)
    with np.errstate(all="ignore"):
        if target is ut.bool:
            ref = x.astype(np.float64) != 0
        elif target.kind in "iu" and x.dtype.kind == "f":
            wide = np.trunc(x.astype(np.float64))  # toward zero; keep in range
            info = ut.iinfo(target)
            assume(np.all((wide >= info.min) & (wide <= info.max)))
            ref = wide
        else:
            ref = x.astype(np.float64) if x.dtype != bool else x.astype(np.int64)
            if target.kind in "iu":
                ref = x.astype(target.numpy)  # integer wrap-around, as NumPy
    check(results, ref, target, "exact", shape=x.shape)


def test_astype_copy_and_errors(backends):
    for name in backends:
        with ut.use_backend(name):
            x = ut.asarray([1.5, -1.5])
            assert ut.astype(x, ut.float32, copy=False) is x
            y = ut.astype(x, ut.float32)
            assert y is not x and y.tolist() == [1.5, -1.5]
            assert x.astype(ut.int32).tolist() == [1, -1]
            assert ut.astype(x, "float64", device="cpu").dtype is ut.float64
    same_error(backends, ut.DTypeError, lambda t: ut.astype(t, ut.float32),
               np.ones(2, np.complex64), match="cannot convert complex")
    same_error(backends, TypeError, lambda: ut.astype([1.0], ut.float32), match="Tensor")


@given(n=st.integers(0, 4), m=st.integers(1, 4), k=st.integers(-5, 5),
       dtype=st.sampled_from([ut.float64, ut.int32, ut.bool, ut.complex64]))
def test_diag_matches_numpy(backends, n, m, k, dtype):
    """NumPy's diag (SciPy's RBFInterpolator calls xp.diag): a vector to a matrix and a
    matrix to its diagonal, any dtype."""
    rng = np.random.default_rng(n * 100 + m * 10 + k)
    v = rng.integers(-3, 4, n).astype(dtype.numpy)
    a = rng.integers(-3, 4, (n, m)).astype(dtype.numpy)
    check(on_backends(backends, ut.diag, v, k=k), np.diag(v, k), dtype,
          shape=np.diag(v, k).shape)
    check(on_backends(backends, ut.diag, a, k), np.diag(a, k), dtype,
          shape=np.diag(a, k).shape)


def test_diag_errors(backends):
    same_error(backends, ut.ShapeError, ut.diag, np.zeros((2, 2, 2)),
               match=r"1-D or 2-D tensor, got shape \(2, 2, 2\)")
    same_error(backends, TypeError, ut.diag, np.zeros(2), 1.5)


@given(start=st.floats(-5, 5), stop=st.floats(-5, 5), num=st.integers(0, 12),
       endpoint=st.booleans(), base=st.sampled_from([10.0, 2.0, math.e]),
       dtype=st.sampled_from([ut.float32, ut.float64]))
def test_logspace_matches_numpy(backends, start, stop, num, endpoint, base, dtype):
    expected = np.logspace(start, stop, num, endpoint=endpoint, base=base)
    check(on_backends(backends, lambda: ut.logspace(start, stop, num, base=base,
                                                    dtype=dtype, endpoint=endpoint)),
          expected, dtype, family="transcendental", shape=(num,))


def test_logspace_errors(backends):
    same_error(backends, ut.DTypeError, lambda: ut.logspace(0, 1, 3, dtype=ut.int32),
               match="real floating, got int32")
