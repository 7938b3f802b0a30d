"""Indexing against NumPy and across backends: ``x[key]`` and ``x[key] = value`` with
generated keys (ints, slices of any step and bounds, None, ..., integer arrays as lists,
NumPy arrays and tensors, boolean masks, and their combinations), on every dtype and on
0-d and 0-size shapes; take, take_along_axis, gather, nonzero, one_hot; and the errors,
which must carry one message on every backend."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

# ---------------------------------------------------------------------------------------
# generated keys
#
# A key is described by a list of entries, turned into a real key per backend by
# ``build`` (index tensors must be made on the backend that uses them):
#   ("int", i) ("slice", s) ("none",) ("ellipsis",)
#   ("array", np_array, form) ("mask", np_bool_array, form), form in list/numpy/tensor
#   ("bool0", value, form), form in python/numpy/tensor: a 0-d boolean (a new axis)


def _slices(n: int) -> st.SearchStrategy[slice]:
    bound = st.one_of(st.none(), st.integers(-n - 3, n + 3))
    step = st.one_of(st.none(), st.integers(-4, 4).filter(bool))
    return st.builds(slice, bound, bound, step)


@st.composite
def index_specs(draw, *, advanced: bool = True, max_dims: int = 4):
    """``(shape, entries)``: an array shape and a key valid for it (in range)."""
    shape = draw(uts.shapes(max_dims=max_dims, max_side=4))
    base = draw(uts.shapes(max_dims=2, min_side=1, max_side=3))  # index arrays broadcast
    entries: list[tuple[Any, ...]] = []
    axis = 0
    while axis < len(shape):
        n = shape[axis]
        kinds = ["full", "slice"]
        if n > 0:
            kinds.append("int")
            if advanced:
                kinds += ["array", "array"]
        if advanced:
            kinds.append("mask")
        kind = draw(st.sampled_from(kinds))
        if kind == "full":
            entries.append(("slice", slice(None)))
        elif kind == "slice":
            entries.append(("slice", draw(_slices(n))))
        elif kind == "int":
            entries.append(("int", draw(st.integers(-n, n - 1))))
        elif kind == "array":
            ishape = draw(hnp.broadcastable_shapes(base, min_side=1, max_side=3, max_dims=2))
            values = draw(hnp.arrays(np.int64, ishape, elements=st.integers(-n, n - 1)))
            form = draw(st.sampled_from(["list", "numpy", "tensor", "numpy32"]))
            if form == "numpy32":
                form, values = "numpy", values.astype(np.int32)
            if form == "numpy" and values.min(initial=0) >= 0 and draw(st.booleans()):
                values = values.astype(np.uint8)  # unsigned: an index, never a mask
            entries.append(("array", values, form))
        else:  # a mask over the next k axes
            k = draw(st.integers(1, len(shape) - axis))
            mshape = shape[axis:axis + k]
            if draw(st.integers(0, 4)) == 0:  # NumPy: a mask axis of size 0 fits any axis
                mshape = tuple(0 if draw(st.booleans()) else n for n in mshape)
            mask = draw(hnp.arrays(np.bool_, mshape))
            # (an empty mask as a list is [], which NumPy reads as an integer index)
            forms = ["list", "numpy", "tensor"] if mask.size else ["numpy", "tensor"]
            entries.append(("mask", mask, draw(st.sampled_from(forms))))
            axis += k
            continue
        axis += 1
    # new axes anywhere, and with advanced keys 0-d booleans (new axes of size 1 or 0)
    for _ in range(draw(st.integers(0, 2))):
        entries.insert(draw(st.integers(0, len(entries))), ("none",))
    if advanced:
        for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
            entries.insert(draw(st.integers(0, len(entries))),
                           ("bool0", draw(st.booleans()),
                            draw(st.sampled_from(["python", "numpy", "tensor"]))))
    # an ellipsis replacing a run (maybe empty) of full slices, or trailing full slices left out
    full = [i for i, e in enumerate(entries) if e == ("slice", slice(None))]
    if draw(st.booleans()):
        start = draw(st.integers(0, len(entries)))
        stop = start
        while stop in full:
            stop += 1
        stop = draw(st.integers(start, stop))
        entries[start:stop] = [("ellipsis",)]
    else:
        while entries and entries[-1] == ("slice", slice(None)) and draw(st.booleans()):
            entries.pop()
    return tuple(shape), entries


def build(entries, *, numpy: bool = False, single: bool = True) -> Any:
    """The key described by ``entries``: NumPy objects for the reference, or tensors of
    the active backend where the form says so."""
    key = []
    for e in entries:
        kind = e[0]
        if kind == "int":
            key.append(e[1])
        elif kind == "slice":
            key.append(e[1])
        elif kind == "none":
            key.append(None)
        elif kind == "ellipsis":
            key.append(Ellipsis)
        elif kind == "bool0":
            value, form = e[1], e[2]
            if form == "python" or numpy:
                key.append(value)
            elif form == "numpy":
                key.append(np.bool_(value))
            else:
                key.append(ut.asarray(value))
        else:
            values, form = e[1], e[2]
            if numpy:
                key.append(values)
            elif form == "list":
                key.append(values.tolist())
            elif form == "numpy":
                key.append(values)
            else:
                key.append(ut.asarray(values))
    if single and len(key) == 1 and not isinstance(key[0], list):
        return key[0]  # a bare entry, not a 1-tuple
    return tuple(key)


def _numpy_key(entries) -> Any:
    key = build(entries, numpy=True)
    return key


def _numpy_getitem(x: np.ndarray, entries) -> np.ndarray | IndexError:
    try:
        return np.asarray(x[_numpy_key(entries)])
    except IndexError as e:
        return e


# ---------------------------------------------------------------------------------------
# x[key]


@given(data=st.data())
def test_getitem_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    shape, entries = data.draw(index_specs(), label="key")
    x = data.draw(uts.arrays(d, shape), label="x")
    expected = _numpy_getitem(x, entries)
    if isinstance(expected, IndexError):  # e.g. a mask and an array that do not broadcast
        same_error(backends, IndexError, lambda t: t[build(entries)], x)
        return
    results = on_backends(backends, lambda t: t[build(entries)], x)
    check(results, expected, d, "exact", shape=expected.shape)


@st.composite
def basic_keys(draw):
    """Keys of ints, slices, None and ..., valid or not (out-of-range ints, too many
    indices, several ellipses): what the native fast path of ``getitem`` sees."""
    shape = draw(uts.shapes(max_dims=3, max_side=4))
    if draw(st.booleans()):
        return shape, draw(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True,
                                             allow_ellipsis=True))
    entry = st.one_of(st.integers(-6, 6), st.none(), st.just(Ellipsis), _slices(4))
    key = tuple(draw(st.lists(entry, max_size=5)))
    return shape, key[0] if len(key) == 1 and draw(st.booleans()) else key


@given(data=st.data())
def test_basic_keys_match_numpy_including_errors(backends, data):
    """The fast path (``native[key]`` in a try) never gives a result NumPy would not."""
    shape, key = data.draw(basic_keys(), label="key")
    x = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)
    try:
        expected = np.asarray(x[key])
    except IndexError as e:
        same_error(backends, type(e) if isinstance(e, ut.IndexOutOfRangeError) else IndexError,
                   lambda t: t[key], x)
        return
    results = on_backends(backends, lambda t: t[key], x)
    check(results, expected, ut.int64, shape=expected.shape)


def test_basic_keys_on_tf_variables():
    """A tf.Variable is indexed like a tensor (TensorFlow's own slicing of variables)."""
    tf = pytest.importorskip("tensorflow")
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    v = ut.from_native(tf.Variable(a))
    for key in [(0,), (slice(None, None, -1), None, 1), (Ellipsis, slice(3, 0, -2)),
                ([1, 0], slice(None), [3, -1]), (a[..., 0] > 5,)]:
        np.testing.assert_array_equal(v[key].numpy(), a[key])


def test_reference_examples(backends):
    """A few keys spelled out, with the shapes NumPy gives them."""
    a = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    cases = [
        # separated by a slice or None: broadcast axes first; adjacent: in place
        ((0, slice(None), [1, 2]), (2, 3, 5)),
        ((slice(None), 0, [1, 2]), (2, 2, 5)),
        ((slice(None), [0, 1], None, [1, 2]), (2, 2, 1, 5)),
        ((slice(None), [[0], [1]], [1, 2, 3]), (2, 2, 3, 5)),
        ((Ellipsis, [0, 1], slice(None)), (2, 3, 2, 5)),
        (([1, 0], Ellipsis, [4, 0]), (2, 3, 4)),
        ((slice(None, None, -1), slice(5, -10, -2)), (2, 2, 4, 5)),
        ((slice(10, 20),), (0, 3, 4, 5)),
        (([],), (0, 3, 4, 5)),
        ((a[:, :, 0, 0] > 20, None), (4, 1, 4, 5)),
        ((slice(None), a[0, :, :, 0] > 40, [0]), (2, 3)),
    ]
    for key, shape in cases:
        expected = a[key]
        assert expected.shape == shape
        results = on_backends(backends, lambda t, key=key: t[key], a)
        check(results, expected, ut.int64, shape=shape)


def test_zero_d_boolean_indices(backends):
    """NumPy's 0-d booleans: a new axis of size 1 (True) or 0 (False), a 1-element mask
    over it that broadcasts with index arrays; for reading and writing."""
    a = np.arange(24).reshape(2, 3, 4)
    cases = [
        (True, (1, 2, 3, 4)),
        (False, (0, 2, 3, 4)),
        ((Ellipsis, np.True_), (2, 3, 4, 1)),
        ((0, True), (1, 3, 4)),
        ((slice(None), True, [0, 2]), (2, 2, 4)),     # adjacent: in place
        ((True, slice(None), slice(None), [0, 2, 3]), (3, 2, 3)),  # separated: first
        (([1, 0], True), (2, 3, 4)),                  # broadcast with the array
        ((False, None, 1), (0, 1, 3, 4)),
        ((True, None, False, 1), (0, 1, 3, 4)),       # (1,), (0,), () broadcast
    ]
    for key, shape in cases:
        expected = a[key]
        assert expected.shape == shape
        for form in ("plain", "tensor"):
            def fn(t, key=key, form=form):
                k = key if isinstance(key, tuple) else (key,)
                if form == "tensor":
                    k = tuple(ut.asarray(bool(e)) if isinstance(e, (bool, np.bool_)) else e
                              for e in k)
                return t[k]
            check(on_backends(backends, fn, a), expected, ut.int64, shape=shape)
        for name in backends:
            for kind, native in _natives(name, a):
                with ut.use_backend(name):
                    t = ut.from_native(native)
                    t[key] = -1
                    want = a.copy()
                    want[key] = -1
                    np.testing.assert_array_equal(t.numpy(), want, err_msg=f"{kind} {key}")
                    if kind != "tensorflow":  # a torch tensor, a tf.Variable: in place
                        assert t.native is native


@pytest.mark.parametrize("ndim", [7, 8, 9, 10])
def test_tensors_of_many_axes(backends, ndim):
    """TensorFlow's strided slices take at most 8 axes and its scatters coordinates of
    at most 7: basic and advanced keys on tensors of more axes, read and written."""
    shape = (*(2, 1, 3, 2, 1, 2, 1, 2, 1)[:ndim - 1], 2)
    a = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    keys = [0, (slice(None), 0), (Ellipsis, 1), (slice(1, None),), (slice(None, None, -1),),
            (None, 0, Ellipsis, None), (0,) * ndim, (slice(None),) * ndim,
            (Ellipsis, slice(None, None, -2)), (1, Ellipsis, [1, 0]), ([1, 0], Ellipsis, [0, 1]),
            (slice(None), 0, slice(None), [1, 0]), (Ellipsis, True), (a.reshape(2, -1)[:, 0] > 0,)]
    for key in keys:
        check(on_backends(backends, lambda t, key=key: t[key], a), a[key], ut.float32,
              shape=a[key].shape)
        want = a.copy()
        want[key] = -1
        for name in backends:
            for kind, native in _natives(name, a):
                with ut.use_backend(name):
                    t = ut.from_native(native)
                    t[key] = -1
                    np.testing.assert_array_equal(t.numpy(), want, err_msg=f"{kind} {key}")
                    if kind != "tensorflow":
                        assert t.native is native


def test_index_tensor_kinds(backends):
    """Index tensors of every integer dtype; uint8 tensors index (they are not masks)."""
    a = np.arange(12.0).reshape(3, 4)
    for d in (ut.int8, ut.int16, ut.int32, ut.int64, ut.uint8):
        idx = np.array([2, 0, 2], dtype=d.numpy)
        results = on_backends(backends, lambda t, idx=idx: t[ut.asarray(idx), 1:], a)
        check(results, a[idx, 1:], ut.float64)
    # a 0-d integer tensor is an integer
    results = on_backends(backends, lambda t: t[ut.asarray(np.int64(-1))], a)
    check(results, a[-1], ut.float64)


# ---------------------------------------------------------------------------------------
# x[key] = value


@st.composite
def shapes_broadcasting_to(draw, target: tuple[int, ...]):
    """Shapes that broadcast *to* ``target`` (a suffix of it, some sizes made 1)."""
    k = draw(st.integers(0, len(target)))
    return tuple(1 if draw(st.booleans()) else s for s in target[len(target) - k:])


def _positions(shape, entries) -> np.ndarray:
    return np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[_numpy_key(entries)]


def _natives(backend_name: str, arr: np.ndarray) -> list[tuple[str, Any]]:
    """The native kinds a tensor of ``backend_name`` can wrap, holding ``arr``."""
    with ut.use_backend(backend_name):
        t = ut.asarray(arr.copy())
    out = [(backend_name, t.native)]
    if backend_name == "tensorflow":
        import tensorflow as tf

        # not trainable: a trainable variable is a leaf that requires gradients, which
        # PyTorch's rule keeps from in-place writes outside no_grad (test_torch_autograd)
        out.append(("tf.Variable", tf.Variable(t.native, trainable=False)))
    return out


@given(data=st.data())
def test_setitem_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    shape, entries = data.draw(index_specs(max_dims=3), label="key")
    x = data.draw(uts.arrays(d, shape), label="x")
    try:
        selected = _positions(shape, entries)
    except IndexError:  # e.g. a mask and an array that do not broadcast
        assume(False)
    target = selected.shape
    if np.unique(selected).size != selected.size:
        vshape = ()  # repeated positions: one value everywhere, whichever write wins
    else:
        vshape = data.draw(shapes_broadcasting_to(target), label="value shape")
        if data.draw(st.booleans()):
            vshape = (1,) * data.draw(st.integers(0, 2)) + vshape  # leading 1s are dropped
    form = data.draw(st.sampled_from(["scalar", "numpy", "tensor"]) if vshape == ()
                     else st.sampled_from(["numpy", "tensor"]), label="value form")
    value = data.draw(uts.arrays(d, vshape), label="value")
    expected = x.copy()
    stripped = value.reshape(vshape[len(vshape) - len(target):] if len(vshape) > len(target)
                             else vshape)  # NumPy drops them too, but not into a 0-d array
    expected[_numpy_key(entries)] = stripped
    for name in backends:
        for kind, native in _natives(name, x):
            with ut.use_backend(name):
                t = ut.from_native(native)
                v = value.item() if form == "scalar" else (
                    ut.asarray(value) if form == "tensor" else value)
                t[build(entries)] = v
                check({kind: t}, expected, d, "exact", shape=shape)
                if kind == "tf.Variable":  # updated in place, not replaced
                    assert t.native is native
                    check({kind: ut.from_native(native.read_value())}, expected, d)
                elif kind == "torch":
                    assert t.native is native


def test_setitem_converts_dtypes(backends):
    for name in backends:
        with ut.use_backend(name):
            x = ut.zeros((2, 3), dtype=ut.int8)
            x[0] = np.array([1.9, -2.9, 3.0])  # float to int truncates, as astype
            x[1, 1:] = True
            x[1, 0] = -7.6
            np.testing.assert_array_equal(x.numpy(), [[1, -2, 3], [-7, 1, 1]])
            b = ut.zeros(3, dtype=ut.bool)
            b[[0, 2]] = ut.tensor([0.5, 0.0])
            np.testing.assert_array_equal(b.numpy(), [True, False, False])
            c = ut.zeros(2, dtype=ut.complex64)
            c[1] = 1 + 2j
            np.testing.assert_array_equal(c.numpy(), [0, 1 + 2j])
            h = ut.zeros(2, dtype=ut.bfloat16)
            h[:] = ut.tensor([1.5, 3])
            assert h.dtype is ut.bfloat16
            np.testing.assert_array_equal(h.numpy().astype(np.float32), [1.5, 3])


def test_setitem_torch_in_place_and_broadcast_views():
    pytest.importorskip("torch")
    with ut.use_backend("torch"):
        x = ut.zeros((3, 4))
        native = x.native
        x[::-1, 1] = ut.tensor([1.0, 2.0, 3.0])  # negative step through positions
        assert x.native is native
        np.testing.assert_array_equal(native.numpy()[:, 1], [3, 2, 1])
        y = ut.broadcast_to(ut.arange(4.0), (3, 4))  # elements share memory
        y[0, 0] = 9
        np.testing.assert_array_equal(y.numpy(), [[9, 1, 2, 3], [0, 1, 2, 3], [0, 1, 2, 3]])


def test_setitem_in_tf_function():
    """x[key] = value on a tf.Tensor inside a traced function."""
    tf = pytest.importorskip("tensorflow")
    tfb = ut.backends.load("tensorflow")

    def fn(n):
        t = ut.from_native(n)
        t[1:, [0, 2]] = 5.0
        t[0] = t[0] * 2
        return t.native

    out = tfb.compile(fn)(tf.constant(np.ones((3, 3), np.float32)))
    np.testing.assert_array_equal(out.numpy(), [[2, 2, 2], [5, 1, 5], [5, 1, 5]])


# ---------------------------------------------------------------------------------------
# errors: one type and message on every backend


def test_getitem_errors(backends):
    a = np.arange(12).reshape(3, 4)
    cases = [
        (ut.IndexOutOfRangeError, lambda t: t[3], "index 3 is out of bounds for axis 0"),
        (ut.IndexOutOfRangeError, lambda t: t[-4], "index -4"),
        (ut.IndexOutOfRangeError, lambda t: t[:, 4], "axis 1 with size 4"),
        (ut.IndexOutOfRangeError, lambda t: t[[0, 3]], "index 3"),
        (ut.IndexOutOfRangeError, lambda t: t[:, np.array([-5, 0])], "index -5"),
        (ut.IndexOutOfRangeError, lambda t: t[ut.asarray(np.array([1, 7]))], "index 7"),
        (IndexError, lambda t: t[0, 0, 0], "too many indices"),
        (IndexError, lambda t: t[..., 0, None, 0, 0], "too many indices"),
        (IndexError, lambda t: t[a > 3, 0], "too many indices"),
        (IndexError, lambda t: t[..., ...], "single ellipsis"),
        (IndexError, lambda t: t[1.5], "valid indices"),
        (IndexError, lambda t: t["a"], "valid indices"),
        (IndexError, lambda t: t[[1.0, 2.0]], "integer or boolean"),
        (IndexError, lambda t: t[ut.asarray(np.array([1.0]))], "integer or boolean"),
        (IndexError, lambda t: t[1.5:], "slice indices"),
        (IndexError, lambda t: t[np.array([True, False])], "boolean index of shape"),
        (IndexError, lambda t: t[np.ones((3, 3), bool)], "boolean index of shape"),
        (IndexError, lambda t: t[np.ones((1, 0), bool)], "boolean index of shape"),
        (IndexError, lambda t: t[[0, 1], False], "could not be broadcast"),
        (IndexError, lambda t: t[0, 0, True, 0], "too many indices"),
        (IndexError, lambda t: t[[0, 1], [0, 1, 2]], "could not be broadcast"),
        (ValueError, lambda t: t[::0], "step cannot be zero"),
    ]
    for exc, fn, match in cases:
        same_error(backends, exc, fn, a, match=match)


def test_setitem_errors(backends):
    a = np.zeros((3, 4), np.float32)

    def assign(key, value):
        def fn(t):
            t[key] = value
        return fn

    same_error(backends, ut.ShapeError, assign(0, np.ones(5)), a,
               match=r"value of shape \(5,\) to an indexed region of shape \(4,\)")
    same_error(backends, ut.ShapeError, assign((slice(None), [0, 1]), np.ones((2, 3))), a,
               match=r"\(2, 3\).*\(3, 2\)")
    same_error(backends, ut.ShapeError, assign(0, np.ones((2, 4))), a)
    same_error(backends, ut.IndexOutOfRangeError, assign(5, 1.0), a, match="index 5")
    same_error(backends, ut.DTypeError, assign(0, 1j), a, match="complex")
    same_error(backends, ut.DTypeError, assign(0, np.ones(4, np.complex64)), a,
               match="complex64")
    same_error(backends, OverflowError, assign(0, 300), a.astype(np.int8), match="int8")
    other = {"torch": "tensorflow", "tensorflow": "torch"}
    if len(backends) == 2:
        for name in backends:
            with ut.use_backend(other[name]):
                foreign = ut.ones(4)
            with ut.use_backend(name):
                with pytest.raises(ut.BackendMismatchError):
                    ut.zeros((3, 4))[0] = foreign
                with pytest.raises(ut.BackendMismatchError):
                    ut.zeros((3, 4))[foreign.astype(ut.int64)]


# ---------------------------------------------------------------------------------------
# take, take_along_axis, gather


@given(data=st.data())
def test_take_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes(min_dims=0, max_dims=3)), label="x")
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1))
                     if x.ndim else st.none(), label="axis")
    n = x.size if axis is None else x.shape[axis]
    ishape = data.draw(uts.shapes(max_dims=2, max_side=3))
    if n == 0:  # no valid index: only an empty index tensor
        ishape = (*ishape[:-1], 0) if ishape else (0,)
    idx = data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(-n, max(n - 1, -n))))
    results = on_backends(backends, lambda t: ut.take(t, ut.asarray(idx), axis=axis), x)
    expected = np.take(x, idx, axis=axis)
    check(results, expected, d, shape=expected.shape)


@given(data=st.data())
def test_take_along_axis_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes(min_dims=1, max_dims=3, min_side=1)), label="x")
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1), label="axis")
    n = x.shape[axis]
    ishape = list(data.draw(hnp.broadcastable_shapes(x.shape, min_dims=x.ndim,
                                                     max_dims=x.ndim), label="ishape"))
    ishape[axis] = data.draw(st.integers(0, 4))
    idx = data.draw(hnp.arrays(np.int64, tuple(ishape), elements=st.integers(-n, n - 1)))
    results = on_backends(backends, lambda t: ut.take_along_axis(t, ut.asarray(idx),
                                                                 axis=axis), x)
    expected = np.take_along_axis(x, idx, axis=axis)
    check(results, expected, d, shape=expected.shape)


def test_take_along_axis_none_and_gather(backends):
    x = np.arange(12.0).reshape(3, 4)
    idx = np.array([11, 0, -1])
    results = on_backends(backends, lambda t: ut.take_along_axis(t, ut.asarray(idx),
                                                                 axis=None), x)
    check(results, np.take_along_axis(x.ravel(), idx, axis=None), ut.float64)
    # gather reads only the leading part of x on the other axes (PyTorch's rule)
    index = np.array([[3, 0], [-1, 2]])
    results = on_backends(backends, lambda t: ut.gather(t, 1, ut.asarray(index)), x)
    check(results, [[3.0, 0.0], [7.0, 6.0]], ut.float64, shape=(2, 2))
    results = on_backends(backends, lambda t: ut.gather(t, 0, ut.asarray([[2, 0, 1]])), x)
    check(results, [[8.0, 1.0, 6.0]], ut.float64)


@given(data=st.data())
def test_gather_matches_torch(backends, data):
    torch = pytest.importorskip("torch")
    x = data.draw(uts.arrays(ut.float64, uts.shapes(min_dims=1, max_dims=3, min_side=1)))
    dim = data.draw(st.integers(0, x.ndim - 1))
    ishape = tuple(data.draw(st.integers(0, s)) if a != dim else data.draw(st.integers(0, 3))
                   for a, s in enumerate(x.shape))
    index = data.draw(hnp.arrays(np.int64, ishape, elements=st.integers(0, x.shape[dim] - 1)))
    expected = torch.gather(torch.from_numpy(x), dim, torch.from_numpy(index)).numpy()
    results = on_backends(backends, lambda t: ut.gather(t, dim, ut.asarray(index)), x)
    check(results, expected, ut.float64, shape=ishape)


def test_take_errors(backends):
    x = np.arange(6).reshape(2, 3)
    same_error(backends, ut.IndexOutOfRangeError,
               lambda t: ut.take(t, ut.asarray([0, 3]), axis=1), x,
               match="index 3 is out of bounds for axis 1 with size 3")
    same_error(backends, ut.IndexOutOfRangeError, lambda t: ut.take(t, ut.asarray([-7])), x,
               match="index -7")
    same_error(backends, ut.DTypeError, lambda t: ut.take(t, ut.asarray([0.0]), axis=0), x)
    same_error(backends, ut.AxisError, lambda t: ut.take(t, ut.asarray([0]), axis=2), x)
    same_error(backends, ut.IndexOutOfRangeError,
               lambda t: ut.take_along_axis(t, ut.asarray([[0, 2, 3]]), axis=1), x,
               match="index 3")
    same_error(backends, ut.IndexOutOfRangeError,
               lambda t: ut.take_along_axis(t, ut.asarray([[-3], [0]]), axis=0), x,
               match="index -3")
    same_error(backends, ut.ShapeError,
               lambda t: ut.take_along_axis(t, ut.asarray([0, 1]), axis=1), x, match="rank")
    same_error(backends, ut.ShapeError,
               lambda t: ut.take_along_axis(t, ut.asarray(np.zeros((3, 1), int)), axis=1), x,
               match="broadcast")
    same_error(backends, ut.ShapeError,
               lambda t: ut.gather(t, 1, ut.asarray(np.zeros((3, 1), int))), x,
               match="no larger sizes")
    same_error(backends, ut.IndexOutOfRangeError,
               lambda t: ut.gather(t, 0, ut.asarray([[2]])), x, match="index 2")


# ---------------------------------------------------------------------------------------
# nonzero, one_hot


@given(data=st.data())
def test_nonzero_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("biufc", half=True), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes(min_dims=1),
                             elements=st.sampled_from([0, 0, 1, -0.0, float("nan")])
                             if d.kind in "fc" else None), label="x")
    results = on_backends(backends, lambda t: ut.nonzero(t), x)
    expected = np.nonzero(x.astype(np.float64) if d is ut.bfloat16 else x)
    for name, r in results.items():
        assert isinstance(r, tuple) and len(r) == x.ndim, name
        for got, want in zip(r, expected):
            check({name: got}, want, ut.int64, shape=want.shape)
    same_error(backends, ut.ShapeError, lambda t: ut.nonzero(t), np.array(1.0))


@given(data=st.data())
def test_one_hot_matches_numpy(backends, data):
    d = data.draw(uts.dtypes("iu"), label="dtype")
    x = data.draw(uts.arrays(d, uts.shapes(max_dims=2), elements=st.integers(0, 4)),
                  label="x")
    given_classes = data.draw(st.booleans())
    num = 5 if given_classes else -1
    n = 5 if given_classes else (int(x.max()) + 1 if x.size else 0)
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    out_dtype = data.draw(st.sampled_from([None, ut.float32, ut.bool]))
    results = on_backends(backends, lambda t: ut.one_hot(t, num, dtype=out_dtype, axis=axis),
                          x)
    expected = np.moveaxis(np.eye(n, dtype=np.int64)[x.astype(np.int64)], -1, axis)
    check(results, expected, out_dtype or ut.int64, shape=expected.shape)


def test_one_hot_errors(backends):
    x = np.array([0, 3])
    same_error(backends, ut.IndexOutOfRangeError, lambda t: ut.one_hot(t, 3), x,
               match=r"class index 3 is outside \[0, 3\)")
    same_error(backends, ut.IndexOutOfRangeError, lambda t: ut.one_hot(t, 4), np.array([-1]))
    same_error(backends, ValueError, lambda t: ut.one_hot(t, -2), x, match="num_classes")
    same_error(backends, ut.DTypeError, lambda t: ut.one_hot(t, 4), np.array([1.0]))


# ---------------------------------------------------------------------------------------
# compiled


def test_indexing_and_reshape_in_tf_function():
    """Indexing, reshape and take inside tf.function, on natives (static shapes)."""
    tf = pytest.importorskip("tensorflow")
    tfb = ut.backends.load("tensorflow")
    a = np.arange(24, dtype=np.float32).reshape(2, 3, 4)

    def fn(n, idx):
        x = ut.from_native(n)
        y = x[1, ::-1, [0, -1]]                        # (2, 3): array axes first
        z = x[:, ut.from_native(idx)].reshape(-1, 4)   # tensor index, traced
        w = ut.take(x.reshape(6, 4), ut.from_native(idx), axis=0)
        return y.native, z.native, w.native

    y, z, w = tfb.compile(fn)(tf.constant(a), tf.constant([2, -3]))
    np.testing.assert_array_equal(y.numpy(), a[1, ::-1, [0, -1]])
    np.testing.assert_array_equal(z.numpy(), a[:, [2, -3]].reshape(-1, 4))
    np.testing.assert_array_equal(w.numpy(), a.reshape(6, 4)[[2, -3]])
