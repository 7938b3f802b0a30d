"""Data types: the promotion table (the standard's, plus unitorch's documented extensions),
weak Python scalars, ``can_cast``, ``finfo``/``iinfo``, ``isdtype``, the default dtype,
the spellings ``as_dtype`` accepts, and ``__array_namespace_info__``.

The expected promotions are derived independently: NumPy's ``promote_types`` where the
standard and NumPy agree, and the extension rules written out here where they do not.
"""

from __future__ import annotations

import itertools
import pickle

import ml_dtypes
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

ALL = ut.dtypes.all_dtypes
FLOATS = (ut.float16, ut.bfloat16, ut.float32, ut.float64)
INTS = (ut.int8, ut.int16, ut.int32, ut.int64, ut.uint8, ut.uint16, ut.uint32, ut.uint64)


def expected_promotion(a: ut.DType, b: ut.DType) -> ut.DType | None:
    """The table unitorch documents, written without unitorch's code (``None``: the
    pair does not promote)."""
    if {a.kind, b.kind} == {"i", "u"} and ut.uint64 in (a, b):
        return None  # the standard leaves it undefined; NumPy's float64 is no integer
    if a is ut.bool:
        return b
    if b is ut.bool:
        return a
    a_int, b_int = a.kind in "iu", b.kind in "iu"
    if a_int and b_int:  # the standard's integer table is NumPy's
        return ut.dtypes.as_dtype(np.promote_types(a.numpy, b.numpy))
    if a_int:  # extension: an integer never widens a floating dtype (PyTorch, JAX)
        return b
    if b_int:
        return a
    if {a, b} == {ut.float16, ut.bfloat16}:  # extension: neither holds the other
        return ut.float32
    # bfloat16 ranks with float16 otherwise; the rest is NumPy's (real with complex
    # gives the complex dtype wide enough for both, an extension the standard lacks).
    na = np.float16 if a is ut.bfloat16 else a.numpy
    nb = np.float16 if b is ut.bfloat16 else b.numpy
    out = np.promote_types(na, nb)
    if out == np.float16 and ut.bfloat16 in (a, b):
        return ut.bfloat16
    return ut.dtypes.as_dtype(out)


# ---------------------------------------------------------------------------------------
# promotion


@pytest.mark.parametrize("a", ALL, ids=lambda d: d.name)
def test_promotion_table(a):
    for b in ALL:
        expected = expected_promotion(a, b)
        if expected is None:
            with pytest.raises(ut.DTypeError, match=f"{a.name} and {b.name} do not promote"):
                ut.result_type(a, b)
        else:
            assert ut.result_type(a, b) is expected, (a, b)


def _promotes(*ds: ut.DType) -> ut.DType | None:
    try:
        return ut.result_type(*ds)
    except ut.DTypeError:
        return None


def test_promotion_is_symmetric_and_associative():
    for a, b in itertools.product(ALL, ALL):
        assert _promotes(a, b) is _promotes(b, a)
    for a, b, c in itertools.product(ALL, ALL, ALL):
        ab, bc = _promotes(a, b), _promotes(b, c)
        if ab is None or bc is None:
            continue
        left = _promotes(ab, c)
        assert left is _promotes(a, bc) is _promotes(a, b, c)


def test_uint64_with_a_signed_integer_is_refused_on_every_backend(backends):
    """No integer dtype holds both; the standard leaves it undefined, array-api-strict
    and PyTorch raise: so does unitorch, with one message, rather than NumPy's float64."""
    a, b = np.array([2**63], np.uint64), np.array([-1], np.int64)
    msg = same_error(backends, ut.DTypeError, ut.add, a, b, match="do not promote")
    assert "uint64 and int64" in msg
    assert not ut.can_cast(ut.uint64, ut.int64) and not ut.can_cast(ut.int8, ut.uint64)


@pytest.mark.parametrize("a, b, expected", [
    (ut.int64, ut.float16, ut.float16),  # NumPy: float64
    (ut.int32, ut.float32, ut.float32),  # NumPy: float64
    (ut.uint8, ut.bfloat16, ut.bfloat16),
    (ut.float16, ut.bfloat16, ut.float32),
    (ut.bfloat16, ut.float64, ut.float64),
    (ut.bfloat16, ut.complex64, ut.complex64),
    (ut.float64, ut.complex64, ut.complex128),
    (ut.float32, ut.complex64, ut.complex64),
    (ut.int64, ut.complex64, ut.complex64),
    (ut.uint8, ut.int8, ut.int16),
    (ut.uint8, ut.int64, ut.int64),
    (ut.bool, ut.uint8, ut.uint8),
    (ut.uint16, ut.int16, ut.int32),
    (ut.uint32, ut.int32, ut.int64),
    (ut.uint32, ut.uint64, ut.uint64),
    (ut.uint64, ut.float32, ut.float32),
    (ut.uint16, ut.float16, ut.float16),
])
def test_documented_extensions(a, b, expected):
    assert ut.result_type(a, b) is expected
    assert ut.result_type(b, a) is expected


def test_result_type_accepts_tensors_and_spellings(backend):
    x = ut.ones(2, dtype=ut.int8)
    assert ut.result_type(x, ut.float32) is ut.float32
    assert ut.result_type(x, "int16") is ut.int16
    assert ut.result_type(x, np.int32) is ut.int32
    assert ut.result_type(x, x) is ut.int8


@pytest.mark.parametrize("dtype, scalar, expected", [
    (ut.float16, 1.5, ut.float16), (ut.bfloat16, 2.0, ut.bfloat16),
    (ut.float64, 1, ut.float64), (ut.int8, 3, ut.int8), (ut.uint8, 7, ut.uint8),
    (ut.int16, 1.5, ut.float32), (ut.bool, 1, ut.int64), (ut.bool, 1.5, ut.float32),
    (ut.bool, True, ut.bool), (ut.int32, True, ut.int32), (ut.float32, False, ut.float32),
    (ut.float32, 1j, ut.complex64), (ut.float64, 1j, ut.complex128),
    (ut.float16, 1j, ut.complex64), (ut.int64, 1j, ut.complex64),
    (ut.complex128, 1.0, ut.complex128), (ut.complex64, 3, ut.complex64),
])
def test_python_scalars_are_weak(dtype, scalar, expected):
    assert ut.result_type(dtype, scalar) is expected
    assert ut.result_type(scalar, dtype) is expected


def test_scalars_alone_take_their_own_dtype():
    assert ut.result_type(1, 2) is ut.int64
    assert ut.result_type(1, 2.0) is ut.float32
    assert ut.result_type(True, 2.0) is ut.float32
    assert ut.result_type(1.0, 1j) is ut.complex64
    with pytest.raises(ut.DTypeError, match="at least one"):
        ut.result_type()


@given(d=uts.dtypes("biufc", half=True), scalar=st.sampled_from([True, 3, -2.5, 1j]))
def test_weak_scalar_result_matches_the_operation(backends, d, scalar):
    """``result_type`` predicts what ``x + scalar`` gives, on every backend."""
    expected = ut.result_type(d, scalar)
    op = ut.logical_or if expected is ut.bool else ut.add
    if d.kind in "iu" and isinstance(scalar, int) and not isinstance(scalar, bool):
        scalar = abs(scalar)  # stay in range for uint8
    x = np.zeros(2, d.numpy)
    results = on_backends(backends, lambda t: op(t, scalar), x)
    with np.errstate(all="ignore"):
        ref = np.full(2, (np.logical_or if expected is ut.bool else np.add)(0, scalar))
    check(results, ref, expected)


# ---------------------------------------------------------------------------------------
# can_cast


def test_can_cast_is_promotion_to_the_target():
    for a, b in itertools.product(ALL, ALL):
        assert ut.can_cast(a, b) == (_promotes(a, b) is b), (a, b)


@pytest.mark.parametrize("src, dst, ok", [
    (ut.int8, ut.int16, True), (ut.int16, ut.int8, False), (ut.uint8, ut.int16, True),
    (ut.uint8, ut.int8, False), (ut.int8, ut.uint8, False), (ut.float32, ut.int64, False),
    (ut.int64, ut.float16, True), (ut.float64, ut.float32, False),
    (ut.float16, ut.bfloat16, False), (ut.bfloat16, ut.float32, True),
    (ut.complex64, ut.float64, False), (ut.float64, ut.complex64, False),
    (ut.float32, ut.complex64, True), (ut.bool, ut.int8, True), (ut.int8, ut.bool, False),
])
def test_can_cast_examples(src, dst, ok):
    assert ut.can_cast(src, dst) is ok


def test_can_cast_accepts_a_tensor(backend):
    assert ut.can_cast(ut.ones(2, dtype=ut.int8), ut.float32)
    assert not ut.can_cast(ut.ones(2), ut.int32)


# ---------------------------------------------------------------------------------------
# finfo / iinfo


@pytest.mark.parametrize("dtype", (*FLOATS, ut.complex64, ut.complex128),
                         ids=lambda d: d.name)
def test_finfo_matches_numpy(dtype):
    real = {ut.complex64: ut.float32, ut.complex128: ut.float64}.get(dtype, dtype)
    ref = ml_dtypes.finfo(real.numpy) if real is ut.bfloat16 else np.finfo(real.numpy)
    info = ut.finfo(dtype)
    assert info.bits == real.bits
    assert info.eps == float(ref.eps)
    assert info.max == float(ref.max)
    assert info.min == float(ref.min)
    assert info.smallest_normal == float(ref.smallest_normal)
    assert info.dtype is real
    for field in ("eps", "max", "min", "smallest_normal"):
        assert type(getattr(info, field)) is float


@pytest.mark.parametrize("dtype", INTS, ids=lambda d: d.name)
def test_iinfo_matches_numpy(dtype):
    ref = np.iinfo(dtype.numpy)
    info = ut.iinfo(dtype)
    assert (info.bits, info.min, info.max) == (ref.bits, int(ref.min), int(ref.max))
    assert type(info.min) is int and type(info.max) is int
    assert info.dtype is dtype


def test_finfo_and_iinfo_accept_tensors_and_spellings(backend):
    assert ut.finfo(ut.ones(2, dtype=ut.float16)).max == 65504.0
    assert ut.iinfo(ut.ones(2, dtype=ut.int8)).min == -128
    assert ut.finfo("float64").eps == np.finfo(np.float64).eps
    assert ut.iinfo(np.uint8).max == 255


def test_finfo_and_iinfo_refuse_the_wrong_kind():
    with pytest.raises(ut.DTypeError, match=r"finfo\(\) needs a floating dtype, got int32"):
        ut.finfo(ut.int32)
    with pytest.raises(ut.DTypeError, match=r"iinfo\(\) needs an integer dtype, got float32"):
        ut.iinfo(ut.float32)
    with pytest.raises(ut.DTypeError):
        ut.iinfo(ut.bool)


# ---------------------------------------------------------------------------------------
# isdtype

KIND_MEMBERS = {
    "bool": {ut.bool},
    "signed integer": {ut.int8, ut.int16, ut.int32, ut.int64},
    "unsigned integer": {ut.uint8, ut.uint16, ut.uint32, ut.uint64},
    "integral": set(INTS),
    "real floating": set(FLOATS),
    "complex floating": {ut.complex64, ut.complex128},
    "numeric": set(ALL) - {ut.bool},
}


@pytest.mark.parametrize("kind", sorted(KIND_MEMBERS))
def test_isdtype_kinds(kind):
    for d in ALL:
        assert ut.isdtype(d, kind) is (d in KIND_MEMBERS[kind]), (d, kind)


def test_isdtype_dtypes_and_tuples():
    assert ut.isdtype(ut.float32, ut.float32)
    assert not ut.isdtype(ut.float32, ut.float64)
    assert ut.isdtype(ut.int8, ("bool", "integral"))
    assert ut.isdtype(ut.complex64, (ut.float32, "complex floating"))
    assert not ut.isdtype(ut.float16, ("integral", ut.bfloat16))


def test_isdtype_errors():
    with pytest.raises(ut.DTypeError, match="unknown dtype kind 'floating'"):
        ut.isdtype(ut.float32, "floating")
    with pytest.raises(ut.DTypeError, match="argument 'dtype' must be a dtype, got 'float32'"):
        ut.isdtype("float32", "numeric")
    with pytest.raises(ut.DTypeError):
        ut.isdtype(ut.float32, 3)


# ---------------------------------------------------------------------------------------
# the default dtype


@pytest.fixture
def restore_default_dtype():
    before = ut.get_default_dtype()
    yield
    ut.set_default_dtype(before)


def test_default_dtype_is_float32():
    assert ut.get_default_dtype() is ut.float32


@pytest.mark.usefixtures("restore_default_dtype")
def test_set_default_dtype_round_trip(backends):
    ut.set_default_dtype(ut.float64)
    assert ut.get_default_dtype() is ut.float64
    for name in backends:
        with ut.use_backend(name):
            assert ut.zeros(2).dtype is ut.float64
            assert ut.asarray([1.0, 2.0]).dtype is ut.float64
            assert ut.asarray(1j).dtype is ut.complex128
            assert ut.arange(0.0, 1.0, 0.5).dtype is ut.float64
            assert ut.linspace(0, 1, 3).dtype is ut.float64
            assert (ut.asarray([1, 2]) + 0.5).dtype is ut.float64
            assert ut.sqrt(ut.asarray([4])).dtype is ut.float64
            assert ut.asarray([1, 2]).dtype is ut.int64  # integers are unaffected
    assert ut.__array_namespace_info__().default_dtypes()["real floating"] is ut.float64
    assert ut.__array_namespace_info__().default_dtypes()["complex floating"] is ut.complex128
    ut.set_default_dtype("bfloat16")
    assert ut.ones(1).dtype is ut.bfloat16
    assert ut.result_type(ut.int8, 1.5) is ut.bfloat16
    ut.set_default_dtype(ut.float32)
    assert ut.zeros(1).dtype is ut.float32
    assert ut.asarray(1j).dtype is ut.complex64


@pytest.mark.usefixtures("restore_default_dtype")
def test_set_default_dtype_refuses_non_floats():
    with pytest.raises(TypeError, match="real floating dtype, got int32"):
        ut.set_default_dtype(ut.int32)
    with pytest.raises(TypeError):
        ut.set_default_dtype(ut.complex64)
    with pytest.raises(ut.DTypeError, match="unsupported dtype"):
        ut.set_default_dtype("float128")
    assert ut.get_default_dtype() is ut.float32


# ---------------------------------------------------------------------------------------
# DType objects and the spellings as_dtype accepts


def test_dtype_objects():
    assert ut.float32 == "float32" and ut.float32 != "float64"
    assert ut.float32 != ut.float64
    assert repr(ut.int8) == "unitorch.int8" == str(ut.int8)
    assert {ut.float32: 1}[ut.float32] == 1
    assert [d.itemsize for d in (ut.bool, ut.int16, ut.float32, ut.complex128)] == [1, 2, 4, 16]
    assert ut.float16.is_floating_point and not ut.complex64.is_floating_point
    assert ut.complex64.is_complex
    for d in ALL:
        assert pickle.loads(pickle.dumps(d)) is d


def test_as_dtype_spellings(backends):
    as_dtype = ut.dtypes.as_dtype
    for d in ALL:
        assert as_dtype(d) is d
        assert as_dtype(d.name) is d
        assert as_dtype(d.numpy) is d
        if d is not ut.bfloat16:
            assert as_dtype(d.numpy.type) is d
    assert as_dtype(bool) is ut.bool
    assert as_dtype(int) is ut.int64
    assert as_dtype(float) is ut.float32
    assert as_dtype(complex) is ut.complex64
    assert as_dtype(ml_dtypes.bfloat16) is ut.bfloat16
    for name in backends:  # the frameworks' own dtype objects
        backend = ut.backends.load(name)
        for d in ALL:
            assert as_dtype(backend.dtype_to_native[d]) is d


def test_as_dtype_rejects_unknown_dtypes():
    for bad in ("float128", np.datetime64, np.dtype("U3"), object, None):
        with pytest.raises(ut.DTypeError, match="unsupported dtype"):
            ut.dtypes.as_dtype(bad)


def test_unknown_dtype_error_is_the_same_on_every_backend(backends):
    same_error(backends, ut.DTypeError, lambda: ut.zeros(2, dtype="float8"),
               match="unsupported dtype 'float8'")


# ---------------------------------------------------------------------------------------
# inspection


def test_namespace_info(backend):
    info = ut.__array_namespace_info__()
    caps = info.capabilities()
    assert caps["boolean indexing"] is True and caps["data-dependent shapes"] is True
    limit = caps["max dimensions"]  # the active backend's, honest: such a tensor works
    assert isinstance(limit, int) and limit >= 25
    deep = ut.ones((1,) * limit)
    assert ut.sum(deep + 1).item() == 2.0 and ut.permute_dims(deep, tuple(
        range(limit))[::-1]).ndim == limit
    assert info.default_device() in info.devices()
    assert info.devices()[0] == "cpu"
    defaults = info.default_dtypes()
    assert defaults == {"real floating": ut.float32, "complex floating": ut.complex64,
                        "integral": ut.int64, "indexing": ut.int64}
    everything = info.dtypes()
    assert set(everything.values()) == set(ALL) - {ut.float16, ut.bfloat16}
    assert {"uint16", "uint32", "uint64"} <= set(everything)
    assert all(everything[name].name == name for name in everything)
    assert set(info.dtypes(kind="integral").values()) == KIND_MEMBERS["integral"]
    assert set(info.dtypes(kind=("bool", "complex floating")).values()) == {
        ut.bool, ut.complex64, ut.complex128}
    with pytest.raises(ValueError, match="unknown dtype kind"):
        info.dtypes(kind="floating")
