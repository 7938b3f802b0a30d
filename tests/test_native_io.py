"""``ut.native_io``: a function written against unitorch takes and returns its caller's
own arrays (torch, TensorFlow, NumPy, unitorch), without copies where the framework
allows, with gradients connected, and refuses arrays of two libraries in one call."""

from __future__ import annotations

import collections

import numpy as np
import pytest

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance


@ut.native_io
def identity(x):
    return x


@ut.native_io
def normalize(x):
    """The issue's library function: (x - mean) / std."""
    return (x - ut.mean(x)) / ut.std(x)


@ut.native_io
def structured(params, xs, scale=2.0):
    """Nested inputs and outputs, a Python value and a tensor made inside."""
    return {"w": params["w"] * scale, "shifted": [x + 1 for x in xs], "count": len(xs),
            "made": ut.zeros(2), "backend": ut.get_backend()}


def _reference_normalize(a: np.ndarray) -> np.ndarray:
    a = a.astype(np.float64)
    return (a - a.mean()) / a.std()


DATA = np.array([1.0, 2.0, 4.0, 8.0], np.float32)


def _torch():
    return pytest.importorskip("torch")


def _tf():
    return pytest.importorskip("tensorflow")


def _native(backend: str, a: np.ndarray):
    if backend == "torch":
        return _torch().tensor(a)
    return _tf().constant(a)


def _native_type(backend: str):
    if backend == "torch":
        return _torch().Tensor
    return _tf().Tensor


def test_native_in_native_out(backend):
    x = _native(backend, DATA)
    y = normalize(x)
    assert isinstance(y, _native_type(backend))
    rtol, atol = family_tolerance("composite", ut.float32, 4)
    np.testing.assert_allclose(np.asarray(y), _reference_normalize(DATA), rtol, atol)


def test_numpy_in_numpy_out(backend):
    y = normalize(DATA.astype(np.float64))
    assert type(y) is np.ndarray and y.dtype == np.float64
    rtol, atol = family_tolerance("composite", ut.float64, 4)
    np.testing.assert_allclose(y, _reference_normalize(DATA), rtol, atol)


def test_unitorch_in_unitorch_out(backend):
    t = ut.asarray(DATA)
    y = normalize(t)
    assert isinstance(y, ut.Tensor) and y.backend == backend
    assert identity(t) is t


def test_the_same_numbers_on_every_caller(backends):
    """torch, TensorFlow, NumPy and unitorch callers get the same values."""
    results = [np.asarray(normalize(DATA))]
    for name in backends:
        results.append(np.asarray(normalize(_native(name, DATA))))
        with ut.use_backend(name):
            results.append(normalize(ut.asarray(DATA)).numpy())
    rtol, atol = family_tolerance("composite", ut.float32, 8)
    for r in results[1:]:
        np.testing.assert_allclose(r, results[0], rtol, atol)


def test_zero_copy_identity(backend):
    """An identity function returns the very native tensor it was given."""
    x = _native(backend, DATA)
    assert identity(x) is x
    if backend == "tensorflow":
        v = _tf().Variable(DATA)
        assert identity(v) is v


def test_views_come_back_on_the_same_memory(backend):
    """A slice made in the body is a view of the caller's tensor on torch (the same
    storage); TensorFlow has no views (see the differences page), only values."""
    @ut.native_io
    def tail(x):
        return x[1:]

    x = _native(backend, DATA)
    out = tail(x)
    assert isinstance(out, _native_type(backend))
    np.testing.assert_array_equal(np.asarray(out), DATA[1:])
    if backend == "torch":
        assert out.untyped_storage().data_ptr() == x.untyped_storage().data_ptr()


def test_numpy_round_trip(backend):
    """NumPy in, NumPy out: the same memory on torch's CPU; a copy on TensorFlow."""
    a = DATA.copy()
    out = identity(a)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, a)
    assert np.shares_memory(out, a) == (backend == "torch")


def test_nested_inputs_and_outputs(backend):
    x = _native(backend, DATA)
    out = structured({"w": x}, (x, x), scale=3.0)
    native = _native_type(backend)
    assert set(out) == {"w", "shifted", "count", "made", "backend"}
    assert isinstance(out["w"], native) and isinstance(out["made"], native)
    assert isinstance(out["shifted"], list) and len(out["shifted"]) == 2
    assert all(isinstance(s, native) for s in out["shifted"])
    assert out["count"] == 2 and out["backend"] == backend
    np.testing.assert_array_equal(np.asarray(out["w"]), DATA * 3)
    np.testing.assert_array_equal(np.asarray(out["shifted"][1]), DATA + 1)


def test_namedtuples_keep_their_type(backend):
    Pair = collections.namedtuple("Pair", "a b")

    @ut.native_io
    def swap(p):
        return Pair(p.b, p.a)

    x, y = _native(backend, DATA), _native(backend, DATA * 2)
    out = swap(Pair(x, y))
    assert type(out) is Pair and out.a is y and out.b is x


def test_tensors_made_inside_use_the_callers_framework(backends):
    @ut.native_io
    def zeros_like_backend(x):
        return ut.zeros(3), ut.get_backend()

    for name in backends:
        other = [b for b in backends if b != name]
        with ut.use_backend(other[0] if other else name):  # another active backend
            z, used = zeros_like_backend(_native(name, DATA))
        assert used == name and isinstance(z, _native_type(name))


def test_numpy_with_unitorch_tensors_runs_on_their_backend(backend):
    @ut.native_io
    def scale(x, w):
        return x * w

    w = ut.asarray(np.float32(2.0))
    out = scale(DATA, w)
    assert type(out) is np.ndarray
    np.testing.assert_array_equal(out, DATA * 2)


def test_gradients_reach_the_caller(backend):
    """torch: the result hangs in the caller's autograd graph; TensorFlow: the caller's
    tape records the body.  Compared with the framework's own gradient of the formula."""
    weights = np.array([1.0, 0.0, 0.0, 0.0], np.float32)
    if backend == "torch":
        torch = _torch()
        x = torch.tensor(DATA, requires_grad=True)
        y = normalize(x)
        assert y.requires_grad and y.grad_fn is not None
        (y * torch.tensor(weights)).sum().backward()
        got = x.grad.numpy()
        expected = torch.func.grad(lambda t: (((t - t.mean()) / t.std(correction=0))
                                              * torch.tensor(weights)).sum())(
            torch.tensor(DATA)).numpy()
    else:
        tf = _tf()
        x = tf.constant(DATA)
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(x)
            loss = tf.reduce_sum(normalize(x) * weights)
            ref = tf.reduce_sum((x - tf.reduce_mean(x)) / tf.math.reduce_std(x) * weights)
        got = tape.gradient(loss, x).numpy()
        expected = tape.gradient(ref, x).numpy()
    assert_close(got, expected, 1e-5, 1e-6)


def test_mixed_libraries_are_refused(backends):
    for name in backends:
        with pytest.raises(ut.BackendMismatchError, match="NumPy arrays in one call"):
            structured({"w": _native(name, DATA)}, [DATA])
    if len(backends) > 1:
        with pytest.raises(ut.BackendMismatchError, match="torch tensors and TensorFlow"):
            structured({"w": _native("torch", DATA)}, [_native("tensorflow", DATA)])
        with ut.use_backend("tensorflow"):
            t = ut.asarray(DATA)
        with pytest.raises(ut.BackendMismatchError, match="unitorch tensors of the "
                                                          "tensorflow backend"):
            structured({"w": _native("torch", DATA)}, [t])


def test_no_arrays_runs_unchanged(backend):
    @ut.native_io
    def add(a, b):
        return a + b, ut.get_backend()

    assert add(2, 3) == (5, backend)


def test_unsupported_native_dtype_is_a_clear_error(backend):
    if backend == "torch":
        torch = _torch()
        x = torch.zeros(2, dtype=torch.complex32)
    else:
        tf = _tf()
        x = tf.constant([b"a", b"b"])
    with pytest.raises(ut.DTypeError, match="unsupported dtype"):
        identity(x)


def test_wraps_keeps_the_name_and_doc():
    assert normalize.__name__ == "normalize"
    assert "mean" in normalize.__doc__
