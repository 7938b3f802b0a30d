"""Shape and arrangement functions against NumPy and across backends, on every dtype and
on 0-d and 0-size shapes: reshape, permute/transpose, expand/squeeze, flatten,
broadcasting, concat/stack/unstack/split, flip, roll, tile, repeat, pad, tril/triu; the
Tensor methods with PyTorch's spellings; and the errors, one message on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import unitorch as ut
from unitorch.dtypes import as_dtype
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

ALL = uts.dtypes("biufc", half=True)


def _array(data, shape=None, *, label="x", **shape_options):
    d = data.draw(ALL, label="dtype")
    shape = shape if shape is not None else uts.shapes(**shape_options)
    return d, data.draw(uts.arrays(d, shape), label=label)


def _ref(a: np.ndarray) -> np.ndarray:
    """Data movement needs no wider dtype; bfloat16 arrays are compared as float64."""
    return a.astype(np.float64) if a.dtype == ut.bfloat16.numpy else a


# ---------------------------------------------------------------------------------------
# reshape, view


@st.composite
def reshape_targets(draw, shape):
    """A shape with the same number of elements (sometimes with one -1)."""
    size = math.prod(shape)
    if size == 0:
        dims = draw(st.lists(st.integers(0, 3), min_size=1, max_size=4).filter(lambda d: 0 in d))
    else:
        dims, rest = [], size
        while rest > 1:
            f = draw(st.sampled_from([p for p in range(2, rest + 1) if rest % p == 0]))
            dims.append(f)
            rest //= f
        dims += [1] * draw(st.integers(0, 2))
        dims = draw(st.permutations(dims))
    dims = list(dims)
    if size and dims and draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@given(data=st.data())
def test_reshape_matches_numpy(backends, data):
    d, x = _array(data)
    target = data.draw(reshape_targets(x.shape), label="target")
    expected = np.reshape(x, target)
    for fn in (lambda t: ut.reshape(t, target), lambda t: t.reshape(*target or ((),)),
               lambda t: t.view(target)):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)


def test_reshape_errors(backends):
    x = np.zeros((2, 3))
    same_error(backends, ut.ShapeError, lambda t: ut.reshape(t, (4, 2)), x,
               match=r"cannot reshape a tensor of shape \(2, 3\) into \(4, 2\)")
    same_error(backends, ut.ShapeError, lambda t: ut.reshape(t, (-1, 4)), x)
    same_error(backends, ut.ShapeError, lambda t: ut.reshape(t, (-1, -1)), x, match="only one")
    same_error(backends, ut.ShapeError, lambda t: ut.reshape(t, (-2, -3)), x, match="invalid")
    same_error(backends, ut.ShapeError, lambda t: ut.reshape(t, (0, -1)), np.zeros((0, 3)))
    same_error(backends, TypeError, lambda t: ut.reshape(t, (2.0, 3)), x)


# ---------------------------------------------------------------------------------------
# axes: permute, transpose, swapaxes, moveaxis, expand_dims, squeeze, flatten


@given(data=st.data())
def test_permute_and_transpose_match_numpy(backends, data):
    d, x = _array(data)
    perm = data.draw(st.permutations(range(x.ndim)), label="perm")
    signed = tuple(a - x.ndim if data.draw(st.booleans()) else a for a in perm)
    expected = np.transpose(x, perm)
    for fn in (lambda t: ut.permute_dims(t, signed), lambda t: t.permute(*signed or ((),)),
               lambda t: ut.transpose(t, signed)):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)
    expected = np.transpose(x)  # no axes: reversed, as NumPy and TensorFlow
    check(on_backends(backends, ut.transpose, x), _ref(expected), d, shape=expected.shape)
    if x.ndim:
        a = data.draw(st.integers(-x.ndim, x.ndim - 1))
        b = data.draw(st.integers(-x.ndim, x.ndim - 1))
        expected = np.swapaxes(x, a, b)
        for fn in (lambda t: ut.transpose(t, a, b), lambda t: t.transpose(a, b),
                   lambda t: ut.swapaxes(t, a, b)):
            check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)
    if x.ndim >= 2:
        expected = np.swapaxes(x, -1, -2)
        for fn in (ut.matrix_transpose, lambda t: t.mT):
            check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)


@given(data=st.data())
def test_moveaxis_matches_numpy(backends, data):
    d, x = _array(data, min_dims=1)
    k = data.draw(st.integers(1, x.ndim))
    src = data.draw(st.permutations(range(x.ndim)))[:k]
    dst = data.draw(st.permutations(range(-x.ndim, 0)))[:k]
    expected = np.moveaxis(x, src, dst)
    results = on_backends(backends, lambda t: ut.moveaxis(t, src, dst), x)
    check(results, _ref(expected), d, shape=expected.shape)


@given(data=st.data())
def test_expand_squeeze_flatten_match_numpy(backends, data):
    d, x = _array(data)
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim), label="axis")
    expected = np.expand_dims(x, axis)
    for fn in (lambda t: ut.expand_dims(t, axis=axis), lambda t: t.unsqueeze(axis)):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)
    ones = tuple(i for i, s in enumerate(expected.shape) if s == 1)
    which = data.draw(st.sampled_from([None, *ones]), label="squeeze axis")
    expected_sq = np.squeeze(expected, which)
    for fn in (lambda t: ut.squeeze(t, which), lambda t: t.squeeze(which)):
        check(on_backends(backends, fn, expected), _ref(expected_sq), d,
              shape=expected_sq.shape)
    if x.ndim:
        start = data.draw(st.integers(-x.ndim, x.ndim - 1))
        end = data.draw(st.integers(start % x.ndim, x.ndim - 1))
        a, b = start % x.ndim, end
        expected = x.reshape((*x.shape[:a], math.prod(x.shape[a:b + 1]), *x.shape[b + 1:]))
    else:
        start, end, expected = 0, -1, x.reshape(1)  # PyTorch: a 0-d tensor flattens to (1,)
    for fn in (lambda t: ut.flatten(t, start, end), lambda t: t.flatten(start, end)):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)


def test_axis_errors(backends):
    x = np.zeros((2, 1, 3))
    same_error(backends, ut.AxisError, lambda t: ut.permute_dims(t, (0, 1)), x,
               match="not a permutation")
    same_error(backends, ut.AxisError, lambda t: ut.permute_dims(t, (0, 0, 1)), x)
    same_error(backends, ut.AxisError, lambda t: ut.permute_dims(t, (0, 1, 3)), x,
               match="axis 3 is out of bounds")
    same_error(backends, ut.AxisError, lambda t: ut.transpose(t, 0, 3), x)
    same_error(backends, ut.ShapeError, lambda t: ut.matrix_transpose(t), np.zeros(3))
    same_error(backends, ut.AxisError, lambda t: ut.moveaxis(t, (0, 0), (1, 2)), x,
               match="repeated")
    same_error(backends, ut.AxisError, lambda t: ut.expand_dims(t, axis=4), x)
    same_error(backends, ut.ShapeError, lambda t: ut.squeeze(t, 0), x,
               match=r"squeeze\(\): axis 0 has size 2, not 1")
    same_error(backends, ut.AxisError, lambda t: ut.squeeze(t, 3), x)
    same_error(backends, ut.AxisError, lambda t: ut.flatten(t, 2, 1), x, match="comes after")


# ---------------------------------------------------------------------------------------
# broadcasting


@st.composite
def shapes_broadcasting_to(draw, target):
    k = draw(st.integers(0, len(target)))
    return tuple(1 if draw(st.booleans()) else s for s in target[len(target) - k:])


@given(data=st.data())
def test_broadcast_to_matches_numpy(backends, data):
    target = data.draw(uts.shapes(), label="target")
    d, x = _array(data, shapes_broadcasting_to(target))
    expected = np.broadcast_to(x, target)
    check(on_backends(backends, lambda t: ut.broadcast_to(t, target), x), _ref(expected), d,
          shape=target)
    # PyTorch's expand: -1 keeps an existing size
    lead = len(target) - x.ndim
    spelled = tuple(-1 if i >= lead and data.draw(st.booleans()) and x.shape[i - lead] == s
                    else s for i, s in enumerate(target))
    check(on_backends(backends, lambda t: t.expand(*spelled or ((),)), x), _ref(expected), d,
          shape=target)


@given(data=st.data())
def test_broadcast_arrays_matches_numpy(backends, data):
    shapes = data.draw(uts.mutually_broadcastable_shapes(3), label="shapes")
    d = data.draw(ALL, label="dtype")
    arrays = [data.draw(uts.arrays(d, s)) for s in shapes.input_shapes]
    results = on_backends(backends, lambda *ts: ut.broadcast_arrays(*ts), *arrays)
    for i, expected in enumerate(np.broadcast_arrays(*arrays)):
        check({k: v[i] for k, v in results.items()}, _ref(expected), d,
              shape=shapes.result_shape)


def test_broadcast_errors(backends):
    same_error(backends, ut.ShapeError, lambda t: ut.broadcast_to(t, (2, 4)), np.zeros(3),
               match=r"cannot broadcast shape \(3,\) to \(2, 4\)")
    same_error(backends, ut.ShapeError, lambda t: ut.broadcast_to(t, (3,)), np.zeros((2, 3)))
    same_error(backends, ut.ShapeError, lambda t: ut.broadcast_to(t, (-1, 3)), np.zeros(3),
               match="existing axis")
    same_error(backends, ut.ShapeError, lambda t, u: ut.broadcast_arrays(t, u),
               np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------------------------------
# joining and splitting


@given(data=st.data())
def test_concat_promotes_and_matches_numpy(backends, data):
    shape = data.draw(uts.shapes(min_dims=1), label="shape")
    axis = data.draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1)))
    n = data.draw(st.integers(1, 3))
    arrays, dtypes = [], []
    for _ in range(n):
        s = list(shape)
        if axis is not None:
            s[axis] = data.draw(st.integers(0, 3))
        d = data.draw(uts.dtypes("biufc"), label="dtype")
        dtypes.append(d)
        arrays.append(data.draw(uts.arrays(d, tuple(s), allow_nan=False, allow_infinity=False,
                                           min_value=-100, max_value=100)))
    assume(all(ut.dtypes._PROMOTE[a._id][b._id] is not None for a in dtypes for b in dtypes))
    expected_dtype = ut.result_type(*dtypes)
    expected = np.concatenate([a.astype(expected_dtype.numpy) for a in arrays], axis=axis)
    for fn in (lambda *ts: ut.concat(list(ts), axis=axis),
               lambda *ts: ut.cat(ts, dim=axis) if axis is not None else ut.cat(ts, axis=None)):
        check(on_backends(backends, fn, *arrays), expected, expected_dtype,
              shape=expected.shape)


@given(data=st.data())
def test_stack_unstack_split_match_numpy(backends, data):
    d, x = _array(data)
    n = data.draw(st.integers(1, 3))
    arrays = [x] + [data.draw(uts.arrays(d, x.shape)) for _ in range(n - 1)]
    axis = data.draw(st.integers(-x.ndim - 1, x.ndim))
    expected = np.stack(arrays, axis=axis)
    check(on_backends(backends, lambda *ts: ut.stack(list(ts), axis=axis), *arrays),
          _ref(expected), d, shape=expected.shape)
    if x.ndim == 0:
        return
    ax = data.draw(st.integers(-x.ndim, x.ndim - 1))
    results = on_backends(backends, lambda t: ut.unstack(t, axis=ax), x)
    pieces = [np.take(x, i, axis=ax) for i in range(x.shape[ax])]
    for name, r in results.items():
        assert len(r) == len(pieces), name
        for got, want in zip(r, pieces):
            check({name: got}, _ref(want), d, shape=want.shape)
    # split: PyTorch's chunk size, or a list of sizes
    size = x.shape[ax]
    if data.draw(st.booleans()):
        chunk = data.draw(st.integers(1, 4))
        sizes = [chunk] * (size // chunk) + ([size % chunk] if size % chunk or not size else [])
        spec = chunk
    else:
        cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, size])]
        spec = sizes
    results = on_backends(backends, lambda t: t.split(spec, ax), x)
    bounds = np.cumsum([0, *sizes])
    for name, r in results.items():
        assert len(r) == len(sizes), name
        for got, a, b in zip(r, bounds[:-1], bounds[1:]):
            want = np.take(x, np.arange(a, b), axis=ax)
            check({name: got}, _ref(want), d, shape=want.shape)


def test_join_errors(backends):
    a, b = np.zeros((2, 3)), np.zeros((2, 4))
    same_error(backends, ut.ShapeError, lambda s, t: ut.concat([s, t]), a, b,
               match=r"shapes \(2, 3\), \(2, 4\) do not match outside axis 0")
    same_error(backends, ut.ShapeError, lambda s, t: ut.concat([s, t]), a, np.zeros(3))
    same_error(backends, ut.ShapeError, lambda s: ut.concat([s, s]), np.zeros(()),
               match="0-d")
    same_error(backends, ut.ShapeError, lambda s, t: ut.stack([s, t]), a, b, match="differ")
    same_error(backends, ut.AxisError, lambda s: ut.stack([s, s], axis=3), a)
    same_error(backends, ValueError, lambda: ut.concat([]), match="at least one")
    same_error(backends, TypeError, lambda s: ut.concat(s), a, match="list or tuple")
    same_error(backends, ut.ShapeError, lambda s: ut.split(s, [1, 1], 1), a,
               match="do not add up")
    same_error(backends, ValueError, lambda s: ut.split(s, 0), a, match="positive")


# ---------------------------------------------------------------------------------------
# flip, roll, tile, repeat


@given(data=st.data())
def test_flip_matches_numpy(backends, data):
    d, x = _array(data)
    axes = st.integers(-x.ndim, x.ndim - 1) if x.ndim else st.nothing()
    axis = data.draw(st.one_of(st.none(), axes, st.lists(axes, unique_by=lambda a: a % x.ndim,
                                                         max_size=x.ndim).map(tuple)))
    expected = np.flip(x, axis)
    spelled = axis if axis is None or isinstance(axis, int) or len(axis) < 2 else tuple(axis)
    for fn in (lambda t: ut.flip(t, axis=axis), lambda t: ut.flip(t, dims=axis),
               lambda t: t.flip(axis), lambda t: t.flip(*spelled) if isinstance(
                   spelled, tuple) and spelled else t.flip(spelled)):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=x.shape)


@given(data=st.data())
def test_roll_matches_numpy(backends, data):
    d, x = _array(data)
    shifts = st.integers(-9, 9)
    if x.ndim == 0 or data.draw(st.booleans()):
        axis, shift = None, data.draw(st.one_of(shifts, st.lists(shifts, max_size=3)))
    else:
        axes = st.integers(-x.ndim, x.ndim - 1)
        axis = data.draw(st.one_of(axes, st.lists(axes, min_size=1, max_size=4)))  # may repeat
        k = 1 if isinstance(axis, int) else len(axis)
        shift = data.draw(st.one_of(shifts, st.lists(shifts, min_size=k, max_size=k)))
        if data.draw(st.booleans()) and not isinstance(axis, int):
            shift = shift if isinstance(shift, int) else shift[:1]  # one shift, every axis
    expected = np.roll(x, shift if isinstance(shift, int) else tuple(shift),
                       axis if axis is None or isinstance(axis, int) else tuple(axis))
    for fn in (lambda t: ut.roll(t, shift, axis=axis), lambda t: t.roll(shift, axis)):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=x.shape)


@given(data=st.data())
def test_tile_matches_numpy(backends, data):
    d, x = _array(data, max_dims=3, max_side=3)
    reps = tuple(data.draw(st.lists(st.integers(0, 3), max_size=4)))
    expected = np.tile(x, reps)
    for fn in (lambda t: ut.tile(t, reps), lambda t: t.tile(*reps) if reps else t.tile(())):
        check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)


@given(data=st.data())
def test_repeat_matches_numpy(backends, data):
    d, x = _array(data)
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)
                               if x.ndim else st.nothing()))
    n = x.size if axis is None else x.shape[axis]
    form = data.draw(st.sampled_from(["int", "list", "tensor", "single"]))
    if form == "int":
        repeats = data.draw(st.integers(0, 3))
    else:
        counts = data.draw(hnp.arrays(np.int64, (1 if form == "single" else n,),
                                      elements=st.integers(0, 3)))
        repeats = counts.tolist() if form == "list" else counts
    expected = np.repeat(x, repeats, axis=axis)
    fn = ((lambda t: ut.repeat(t, ut.asarray(repeats), axis=axis)) if form == "tensor"
          else (lambda t: t.repeat_interleave(repeats, axis)))
    check(on_backends(backends, fn, x), _ref(expected), d, shape=expected.shape)


def test_roll_tile_repeat_errors(backends):
    x = np.arange(6).reshape(2, 3)
    same_error(backends, ValueError, lambda t: ut.roll(t, (1, 2, 3), axis=(0, 1)), x,
               match="3 shifts for 2 axes")
    same_error(backends, ut.AxisError, lambda t: ut.roll(t, 1, axis=2), x)
    same_error(backends, TypeError, lambda t: ut.roll(t, 1.5), x, match="integers")
    same_error(backends, ValueError, lambda t: ut.tile(t, (-1,)), x, match="non-negative")
    same_error(backends, ValueError, lambda t: ut.repeat(t, -1), x, match="non-negative")
    same_error(backends, ValueError, lambda t: ut.repeat(t, ut.asarray([1, -1, 1]), axis=1),
               x, match="non-negative")
    same_error(backends, ut.ShapeError, lambda t: ut.repeat(t, ut.asarray([1, 2]), axis=1),
               x, match="one count per element")
    same_error(backends, ut.DTypeError, lambda t: ut.repeat(t, ut.asarray([1.0, 2.0])), x)


# ---------------------------------------------------------------------------------------
# pad


@given(data=st.data())
def test_pad_matches_numpy(backends, data):
    mode = data.draw(st.sampled_from(["constant", "reflect", "symmetric", "edge", "replicate",
                                      "wrap", "circular"]), label="mode")
    np_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    min_side = 0 if mode == "constant" else 1
    d, x = _array(data, max_dims=3, min_side=min_side)
    widths = st.integers(0, 7)  # wider than the axis too
    form = data.draw(st.sampled_from(["int", "pair", "per-axis"]))
    if form == "int":
        pad_width = data.draw(widths)
    elif form == "pair":
        pad_width = (data.draw(widths), data.draw(widths))
    else:
        pad_width = tuple((data.draw(widths), data.draw(widths)) for _ in range(x.ndim))
    kwargs = {}
    if mode == "constant":
        value = data.draw(uts.elements(d, allow_nan=False, allow_infinity=False,
                                       min_value=-100, max_value=100) if d.kind in "fc"
                          else uts.elements(d), label="value")
        kwargs = {"value": value}
    expected = np.pad(x, pad_width if pad_width != () else 0, np_mode,  # NumPy refuses ()
                      **({"constant_values": kwargs["value"]} if kwargs else {}))
    results = on_backends(backends, lambda t: ut.pad(t, pad_width, mode, **kwargs), x)
    check(results, _ref(expected), d, shape=expected.shape)


def test_pad_examples_and_errors(backends):
    a = np.array([1, 2, 3])
    for mode, want in [("reflect", [3, 2, 1, 2, 3, 2]), ("symmetric", [2, 1, 1, 2, 3, 3]),
                       ("edge", [1, 1, 1, 2, 3, 3]), ("wrap", [2, 3, 1, 2, 3, 1])]:
        check(on_backends(backends, lambda t, mode=mode: ut.pad(t, (2, 1), mode), a),
              want, ut.int64)
    check(on_backends(backends, lambda t: ut.pad(t, 1, constant_values=9), a),
          [9, 1, 2, 3, 9], ut.int64)
    same_error(backends, ValueError, lambda t: ut.pad(t, 1, "mean"), a, match="unknown mode")
    same_error(backends, ValueError, lambda t: ut.pad(t, -1), a, match="non-negative")
    same_error(backends, ut.ShapeError, lambda t: ut.pad(t, ((1, 2), (3, 4))), a,
               match="does not fit")
    same_error(backends, TypeError, lambda t: ut.pad(t, 1.5), a, match="integers")
    same_error(backends, ut.ShapeError, lambda t: ut.pad(t, 1, "reflect"), np.zeros((2, 0)),
               match="empty axis 1")
    same_error(backends, ValueError, lambda t: ut.pad(t, 1, "edge", value=3), a,
               match="only used by mode 'constant'")
    same_error(backends, ut.DTypeError, lambda t: ut.pad(t, 1, value=1j), a)
    same_error(backends, OverflowError, lambda t: ut.pad(t, 1, value=300),
               a.astype(np.uint8))


# ---------------------------------------------------------------------------------------
# tril, triu (backend primitives of this family)


@given(data=st.data())
def test_tril_triu_match_numpy(backends, data):
    d, x = _array(data, min_dims=2, max_dims=3)
    k = data.draw(st.integers(-5, 5))
    for name, ref in (("tril", np.tril), ("triu", np.triu)):
        results = on_backends(backends, lambda t, name=name: getattr(ut, name)(t, k=k), x)
        check(results, _ref(ref(x, k)), d, shape=x.shape)


# ---------------------------------------------------------------------------------------
# compiled


def test_manipulation_in_tf_function():
    """The functions trace inside tf.function (static shapes) and give NumPy's values."""
    tf = pytest.importorskip("tensorflow")
    tfb = ut.backends.load("tensorflow")
    a = np.arange(12, dtype=np.float32).reshape(3, 4)

    def fn(n):
        x = ut.from_native(n)
        y = ut.concat([ut.roll(x, (1, -1), axis=(0, 1)), ut.flip(x, axis=0)], axis=1)
        z = ut.pad(x, ((1, 0), (2, 5)), "reflect")
        w = ut.repeat(ut.tile(x.T, (1, 2)), 2, axis=0)
        return y.native, z.native, w.native

    y, z, w = tfb.compile(fn)(tf.constant(a))
    np.testing.assert_array_equal(y.numpy(), np.concatenate([np.roll(a, (1, -1), (0, 1)),
                                                             a[::-1]], axis=1))
    np.testing.assert_array_equal(z.numpy(), np.pad(a, ((1, 0), (2, 5)), "reflect"))
    np.testing.assert_array_equal(w.numpy(), np.repeat(np.tile(a.T, (1, 2)), 2, axis=0))


# ---------------------------------------------------------------------------------------
# view(dtype): PyTorch's reinterpretation of the bits (SciPy's RBFInterpolator uses it)


@given(data=st.data())
def test_view_as_a_dtype_matches_numpy_and_torch(backends, data):
    pairs = [(np.complex128, np.float64), (np.float64, np.complex128),
             (np.complex64, np.float32), (np.float32, np.int32), (np.int64, np.float64),
             (np.float64, np.int32), (np.int16, np.int64), (np.uint8, np.int8)]
    src, dst = data.draw(st.sampled_from(pairs), label="dtypes")
    r = max(1, np.dtype(dst).itemsize // np.dtype(src).itemsize)
    shape = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 3).map(lambda k: k * r)),
                      label="shape")
    x = data.draw(hnp.arrays(src, shape, elements=hnp.from_dtype(
        np.dtype(src), allow_nan=False, allow_infinity=False)), label="x")
    expected = x.view(dst)  # NumPy's reinterpretation of a C-ordered array
    for name, out in on_backends(backends, lambda t: t.view(as_dtype(dst)), x).items():
        assert out.dtype is as_dtype(dst) and out.shape == expected.shape, name
        np.testing.assert_array_equal(out.numpy().view(np.uint8), expected.view(np.uint8),
                                      err_msg=name)


def test_view_as_a_dtype_follows_torch(backends):
    torch = pytest.importorskip("torch")
    z = np.array([[1 + 2j, 3 - 4j], [5j, -6.5 + 0j]])
    ref = torch.from_numpy(z).view(torch.float64).numpy()
    for name, out in on_backends(backends, lambda t: t.view(float), z).items():
        np.testing.assert_array_equal(out.numpy(), ref, err_msg=name)
        back = on_backends((name,), lambda t: t.view(complex), out.numpy())[name]
        np.testing.assert_array_equal(back.numpy(), z, err_msg=name)
    # a transposed tensor: unitorch reinterprets its values in row-major order
    x = np.arange(6.0).reshape(2, 3)
    for name, out in on_backends(backends, lambda t: t.T.view(ut.complex128), x).items():
        np.testing.assert_array_equal(out.numpy(), x.T.copy().view(np.complex128), name)


def test_view_as_a_dtype_errors(backends):
    same_error(backends, ut.ShapeError, lambda t: t.view(ut.complex128), np.zeros((2, 3)),
               match=r"last axis \(3\) .* must be a multiple of 2")
    same_error(backends, ut.ShapeError, lambda t: t.view(ut.float32), np.array(1.0),
               match="0-d")
