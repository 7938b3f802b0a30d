"""Odd things clients pass (issue 12, bad input): NumPy dtypes where unitorch dtypes are
expected, NumPy arrays mixed with tensors, and positional arguments the standard makes
keyword-only.  Each gets the standard's behaviour or a clear error, the same on every
backend."""

from __future__ import annotations

import re

import numpy as np
import pytest

import unitorch as ut

from support import check, on_backends, same_error

# ---------------------------------------------------------------------------------------
# NumPy dtypes are dtypes


@pytest.mark.parametrize("dtype", ut.dtypes.all_dtypes, ids=lambda d: d.name)
def test_isdtype_reads_numpy_dtypes(dtype):
    kinds = ("bool", "signed integer", "unsigned integer", "integral", "real floating",
             "complex floating", "numeric")
    for spelling in (dtype.numpy, dtype.numpy.type):
        for kind in kinds:
            assert ut.isdtype(spelling, kind) == ut.isdtype(dtype, kind), (spelling, kind)
        assert ut.isdtype(dtype, spelling)  # a dtype as the kind, in NumPy's spelling
    assert ut.isdtype(np.float64, "integral") is False  # the example


@pytest.mark.parametrize("bad, match", [
    (None, r"isdtype\(\) argument 'dtype' must be a dtype, got None"),
    ("float32", r"isdtype\(\) argument 'dtype' must be a dtype, got 'float32'"),
    (3, r"isdtype\(\) argument 'dtype' must be a dtype, got 3"),
    (np.datetime64, r"isdtype\(\) argument 'dtype': unsupported dtype"),
    (np.ones(2), r"isdtype\(\) argument 'dtype': expected a dtype, got a ndarray"),
])
def test_isdtype_bad_dtype_names_the_argument(bad, match):
    with pytest.raises(ut.DTypeError, match=match):
        ut.isdtype(bad, "integral")


def test_isdtype_bad_kind_names_the_argument():
    with pytest.raises(ut.DTypeError, match=r"isdtype\(\): unknown dtype kind 'floaty'"):
        ut.isdtype(ut.float32, "floaty")
    with pytest.raises(ut.DTypeError, match=r"isdtype\(\) argument 'kind' must be a dtype"):
        ut.isdtype(ut.float32, 3)


CREATORS = {
    "asarray": lambda d: ut.asarray([1, 2], dtype=d),
    "zeros": lambda d: ut.zeros(3, dtype=d),
    "ones": lambda d: ut.ones((2, 2), dtype=d),
    "full": lambda d: ut.full(2, 1, dtype=d),
    "empty": lambda d: ut.empty(2, dtype=d),
    "arange": lambda d: ut.arange(3, dtype=d),
    "eye": lambda d: ut.eye(2, dtype=d),
    "astype": lambda d: ut.astype(ut.asarray([1.5, 2.5]), d),
    "Tensor.astype": lambda d: ut.asarray([1.5, 2.5]).astype(d),
    "zeros_like": lambda d: ut.zeros_like(ut.asarray([1.5]), dtype=d),
}


@pytest.mark.parametrize("name", sorted(CREATORS))
@pytest.mark.parametrize("spelling", [np.int32, np.dtype("int32"), "int32"],
                         ids=["scalar-type", "np.dtype", "name"])
def test_numpy_dtypes_are_accepted_wherever_a_dtype_is(backend, name, spelling):
    assert CREATORS[name](spelling).dtype is ut.int32


@pytest.mark.parametrize("name", sorted(CREATORS))
def test_dtypes_unitorch_lacks_are_the_same_error_everywhere(backends, name):
    fn = CREATORS[name]
    same_error(backends, ut.DTypeError, lambda: fn(np.datetime64),
               match=r"unsupported dtype <class 'numpy.datetime64'>; unitorch dtypes are bool")
    same_error(backends, ut.DTypeError, lambda: fn(object), match="unsupported dtype")
    same_error(backends, ut.DTypeError, lambda: fn(np.ones(2)),
               match=r"expected a dtype, got a ndarray \(an array; pass its .dtype\)")


def test_dtype_helpers_take_numpy_dtypes():
    assert ut.finfo(np.float32).eps == np.finfo(np.float32).eps
    assert ut.iinfo(np.dtype("int8")).min == -128
    assert ut.can_cast(np.int8, np.float32) and not ut.can_cast(np.float64, np.int64)
    assert ut.result_type(np.float16, ut.float32) is ut.float32


# ---------------------------------------------------------------------------------------
# a NumPy array and a tensor in one op: the array joins the tensor's backend


MIXED = {
    "add": (lambda a, t: ut.add(a, t), lambda a, b: a + b),
    "operator": (lambda a, t: t * a, lambda a, b: b * a),
    "matmul": (lambda a, t: ut.matmul(a, t), lambda a, b: a @ b),
    "where": (lambda a, t: ut.where(a > 0, t, a), lambda a, b: np.where(a > 0, b, a)),
    "concat": (lambda a, t: ut.concat([a, t]), lambda a, b: np.concatenate([a, b])),
    "stack": (lambda a, t: ut.stack([t, a]), lambda a, b: np.stack([b, a])),
    "maximum": (lambda a, t: ut.maximum(t, a), lambda a, b: np.maximum(b, a)),
}


@pytest.mark.parametrize("name", sorted(MIXED))
def test_numpy_array_with_a_tensor(backends, name):
    """The result is a tensor of the tensor's backend, with unitorch's promotion (a
    float64 NumPy array with a float32 tensor gives float64), the same on every
    backend."""
    op, reference = MIXED[name]
    a = np.array([[1.0, -2.0], [0.5, 3.0]])  # float64
    b = np.array([[0.25, 4.0], [-1.0, 2.0]], np.float32)
    results = on_backends(backends, lambda t: op(a, t), b)
    for backend, r in results.items():
        assert r.backend == backend
    check(results, reference(a, b.astype(np.float64)), ut.float64,
          "matmul" if name == "matmul" else "exact", scale=10)


def test_tensors_of_two_backends_are_refused(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    with ut.use_backend(backends[0]):
        a = ut.ones(2)
    with ut.use_backend(backends[1]):
        b = ut.ones(2)
    with pytest.raises(ut.BackendMismatchError, match="two backends"):
        ut.add(a, b)


def test_a_native_of_the_other_framework_beside_tensors_is_refused(backends):
    """The same rule as for two unitorch backends (it used to convert silently); natives
    alone are converted to the active backend, as other array-likes are."""
    if len(backends) < 2:
        pytest.skip("needs two backends")
    for mine, other in (backends, backends[::-1]):
        with ut.use_backend(other):
            native = ut.ones(2).native
        with ut.use_backend(mine):
            t = ut.ones(2)
            calls = (lambda t, n: t + n, lambda t, n: ut.add(n, t),
                     lambda t, n: ut.concat([t, n]), lambda t, n: ut.where(t > 0, n, t))
            for fn in calls:
                with pytest.raises(ut.BackendMismatchError,
                                   match=f"got a {other} native tensor .* with {mine} tensors"):
                    fn(t, native)
            alone = ut.add(native, native)  # no unitorch tensor: the active backend
            assert alone.backend == mine and alone.tolist() == [2.0, 2.0]
            same = ut.ones(2).native  # a native of this backend is welcome
            assert (t + same).tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------------------------
# the standard's keyword-only arguments, given positionally


KEYWORD_ONLY = {
    # (positional call, the error's message): Python's own TypeError, the same everywhere
    "asarray(x, dtype)": (lambda t: ut.asarray([1], ut.float64),
                          "asarray() takes 1 positional argument but 2 were given"),
    "astype(x, dtype, copy)": (lambda t: ut.astype(t, ut.int32, False),
                               "astype() takes 2 positional arguments but 3 were given"),
    "concat(xs, axis)": (lambda t: ut.concat([t, t], 0),
                         "concat() takes 1 positional argument but 2 were given"),
    "sort(x, axis)": (lambda t: ut.sort(t, 0),
                      "sort() takes 1 positional argument but 2 were given"),
    "mean(x, axis, keepdims)": (lambda t: ut.mean(t, 0, True),
                                "mean() takes from 1 to 2 positional arguments but 3 "
                                "were given"),
    "cumulative_sum(x, axis)": (lambda t: ut.cumulative_sum(t, 0),
                                "cumulative_sum() takes 1 positional argument but 2 "
                                "were given"),
    "linspace(start, stop, num, dtype)": (lambda t: ut.linspace(0, 1, 3, ut.float64),
                                          "linspace() takes 3 positional arguments but 4 "
                                          "were given"),
    "zeros_like(x, dtype)": (lambda t: ut.zeros_like(t, ut.int8),
                             "zeros_like() takes 1 positional argument but 2 were given"),
    "tril(x, k)": (lambda t: ut.tril(t, 1),
                   "tril() takes 1 positional argument but 2 were given"),
    # where a size may follow the shape (ut.zeros(2, 3)), unitorch's own message
    "zeros(shape, dtype)": (lambda t: ut.zeros(3, ut.int64),
                            "zeros(): dtype is keyword-only: write zeros(..., "
                            "dtype=unitorch.int64)"),
    "ones(shape, dtype)": (lambda t: ut.ones((2, 2), np.float32),
                           "ones(): dtype is keyword-only"),
    "empty(shape, dtype)": (lambda t: ut.empty(2, "float64"),
                            "empty(): dtype is keyword-only: write empty(..., "
                            "dtype='float64')"),
    "full(shape, value, dtype)": (lambda t: ut.full(2, 1, ut.int8),
                                  "full(): dtype is keyword-only"),
    "reshape(x, shape, copy)": (lambda t: ut.reshape(t, (4,), True),
                                "reshape(): copy is keyword-only: write reshape(x, shape, "
                                "copy=True)"),
    "Tensor.reshape(shape, copy)": (lambda t: t.reshape((4,), False),
                                    "reshape(): copy is keyword-only"),
}


@pytest.mark.parametrize("name", sorted(KEYWORD_ONLY))
def test_keyword_only_arguments_given_positionally(backends, name):
    fn, message = KEYWORD_ONLY[name]
    same_error(backends, TypeError, fn, np.ones((2, 2), np.float32), match=re.escape(message))


ACCEPTED = {
    # PyTorch's spellings, kept: the positional form means what the keyword form does
    "sum(x, axis)": (lambda t: ut.sum(t, 0), lambda t: ut.sum(t, axis=0)),
    "argmax(x, axis)": (lambda t: ut.argmax(t, 1), lambda t: ut.argmax(t, axis=1)),
    "flip(x, axis)": (lambda t: ut.flip(t, 0), lambda t: ut.flip(t, axis=0)),
    "roll(x, shift, axis)": (lambda t: ut.roll(t, 1, 0), lambda t: ut.roll(t, 1, axis=0)),
    "clip(x, min, max)": (lambda t: ut.clip(t, 0, 1), lambda t: ut.clip(t, min=0, max=1)),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_pytorch_positional_spellings_mean_the_keyword_form(backends, name):
    positional, keyword = ACCEPTED[name]
    x = np.array([[0.5, -1.0, 2.0], [3.0, 0.25, -0.5]], np.float32)
    expected = on_backends(backends, keyword, x)
    for backend, got in on_backends(backends, positional, x).items():
        np.testing.assert_array_equal(got.numpy(), expected[backend].numpy())


# ---------------------------------------------------------------------------------------
# Python protocols clients rely on (found by SciPy's suites)


@pytest.mark.parametrize("dtype", ut.dtypes.all_dtypes, ids=lambda d: d.name)
def test_tensors_pickle_and_deepcopy(backend, dtype):
    """SciPy pickles its Rotation objects (tensors inside); a module's deepcopy keeps
    its parameters as parameters."""
    import copy
    import pickle

    a = np.array([[1, 0, 3], [2, 5, 0]]).astype(dtype.numpy)
    t = ut.asarray(a)
    for u in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t)):
        assert u is not t and u.backend == backend and u.dtype is dtype
        np.testing.assert_array_equal(u.numpy(), a)
    if dtype.kind == "f":
        w = ut.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
        assert pickle.loads(pickle.dumps(w)).requires_grad
    layer = ut.nn.Linear(2, 3)
    clone = copy.deepcopy(layer)
    assert all(isinstance(p, ut.nn.Parameter) for p in clone.parameters())
    assert clone.weight is not layer.weight
    np.testing.assert_array_equal(clone.weight.numpy(), layer.weight.numpy())


def test_iterating_a_0d_tensor_fails_at_once(backend):
    """``iter()`` raises for a 0-d tensor, as for torch's, so ``np.iterable`` is False
    (SciPy wraps a scalar ``args=`` in a tuple when it is not iterable)."""
    scalar = ut.asarray(np.array(3.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(scalar)
    assert not np.iterable(scalar) and np.iterable(ut.ones(2))
    assert [x.item() for x in ut.asarray(np.array([1.0, 2.0]))] == [1.0, 2.0]
