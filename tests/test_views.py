"""One view semantics (unitorch/_views.py): a basic slice with positive steps is a view on
every backend, as in PyTorch and NumPy: writes through it reach its base, and it sees
later writes to its base or to another view of the base.  Checked against NumPy's views
with Hypothesis (random slices, writes to views and bases, chains of views), on each
backend; and concurrent writes from several threads, which must never lose one.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut

# -- Hypothesis: basic keys with positive steps, and operations on a family of views


def _slice(n: int) -> st.SearchStrategy[slice]:
    bound = st.one_of(st.none(), st.integers(-n - 1, n + 1))
    return st.builds(slice, bound, bound, st.one_of(st.none(), st.integers(1, 3)))


@st.composite
def basic_keys(draw, shape: tuple[int, ...]) -> tuple:
    """A basic key for ``shape`` (ints in range, slices with positive steps, ``None``,
    at most one ``...``) that NumPy accepts."""
    key: list = []
    axis = 0
    ellipsis = False
    while axis < len(shape) and draw(st.booleans()):
        n = shape[axis]
        kind = draw(st.sampled_from(["slice", "int", "none", "ellipsis"]))
        if kind == "int" and n > 0:
            key.append(draw(st.integers(-n, n - 1)))
            axis += 1
        elif kind == "none":
            key.append(None)
        elif kind == "ellipsis" and not ellipsis:
            key.append(Ellipsis)
            ellipsis = True
            axis = len(shape)  # nothing after it in this strategy
        else:
            key.append(draw(_slice(n)))
            axis += 1
    return tuple(key)


def _mirror(family: list, arrays: list, op: tuple) -> None:
    """Apply ``op`` to the unitorch family and to the NumPy mirror alike."""
    kind, i, *rest = op
    if kind == "view":
        key = rest[0]
        family.append(family[i][key])
        # NumPy gives a scalar copy where ints index every axis; with a ``...`` it gives
        # the 0-d view unitorch (and PyTorch) give
        arrays.append(arrays[i][key if Ellipsis in key else (*key, Ellipsis)])
    elif kind == "set":
        key, value = rest
        family[i][key] = value
        arrays[i][key] = value
    elif kind == "iadd":
        value = rest[0]
        t = family[i]
        t += value
        arrays[i] += value  # a NumPy view: in place too
    else:  # a shape operation, a view of the whole tensor where NumPy gives one
        a = _SHAPE_OPS[kind][1](arrays[i])
        if np.shares_memory(a, arrays[i]) or a.size == 0:
            family.append(_SHAPE_OPS[kind][0](family[i]))
            arrays.append(a)
        else:
            # NumPy and PyTorch copy here (their strides cannot express the result),
            # TensorFlow's tracked reshape is a view: no one rule to mirror; go on
            # with an unrelated tensor
            family.append(ut.asarray(a.copy()))
            arrays.append(a.copy())


#: shape operations that PyTorch and NumPy answer with a view: unitorch's, NumPy's,
#: and the shape they give
_SHAPE_OPS = {
    "flat": (lambda t: ut.reshape(t, (-1,)), lambda a: a.reshape(-1),
             lambda s: (int(np.prod(s)),)),
    "T": (lambda t: ut.permute_dims(t, tuple(range(t.ndim))[::-1]), lambda a: a.T,
          lambda s: s[::-1]),
    "unsqueeze": (lambda t: ut.expand_dims(t, axis=0), lambda a: a[None],
                  lambda s: (1, *s)),
    "rows": (lambda t: ut.unstack(t)[0] if t.ndim else t,
             lambda a: a[0, ...] if a.ndim else a, lambda s: s[1:] if s else s),
}


@st.composite
def programs(draw):
    """A base array and a list of operations on it and on views made along the way."""
    shape = draw(st.lists(st.integers(1, 4), min_size=1, max_size=3).map(tuple))
    base = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    shapes = [shape]
    ops = []
    for _ in range(draw(st.integers(1, 6))):
        i = draw(st.integers(0, len(shapes) - 1))
        s = shapes[i]
        kind = draw(st.sampled_from(["view", "view", "set", "iadd", *_SHAPE_OPS]))
        if kind in _SHAPE_OPS:
            if kind == "rows" and (not s or s[0] == 0):
                continue
            shapes.append(_SHAPE_OPS[kind][2](s))
            ops.append((kind, i))
        elif kind == "view":
            key = draw(basic_keys(s))
            shapes.append(np.empty(s)[key].shape)
            ops.append(("view", i, key))
        elif kind == "set":
            key = draw(basic_keys(s))
            value = float(draw(st.integers(-50, 50)))
            ops.append(("set", i, key, value))
        else:
            ops.append(("iadd", i, float(draw(st.integers(1, 9)))))
    return base, ops


@given(program=programs())
def test_views_match_numpy(backend, program):
    """After every operation every member of the family (the base and each view) holds
    what the NumPy mirror holds."""
    base, ops = program
    arrays = [base.copy()]
    family = [ut.asarray(base.copy())]
    for op in ops:
        _mirror(family, arrays, op)
        for k, (t, a) in enumerate(zip(family, arrays)):
            np.testing.assert_array_equal(t.numpy(), a, err_msg=f"member {k} after {op}")


def test_writes_through_a_view_reach_the_base(backend):
    x = ut.zeros((3, 4))
    v = x[1:3]
    v += 1  # an in-place operator on the view
    v[:, 0] = 7.0  # setitem on the view
    w = v[0, 1:]  # a view of a view
    w *= 2
    expected = np.zeros((3, 4))
    expected[1:3] += 1
    expected[1:3, 0] = 7
    expected[1, 1:] *= 2
    np.testing.assert_array_equal(x.numpy(), expected)
    np.testing.assert_array_equal(w.numpy(), expected[1, 1:])


def test_a_view_sees_later_writes_to_its_base_and_siblings(backend):
    x = ut.arange(10.0)
    a, b = x[2:6], x[4:8]
    x[5] = 100.0
    assert a.tolist() == [2.0, 3.0, 4.0, 100.0]
    b[0] = -1.0  # x[4], which a shows too
    assert a.tolist() == [2.0, 3.0, -1.0, 100.0]
    assert x.tolist()[4] == -1.0
    x += 1
    assert b.tolist() == [0.0, 101.0, 7.0, 8.0]


def test_integer_keys_give_views_of_rows_and_elements(backend):
    x = ut.zeros((2, 3), dtype=ut.int32)
    row, cell = x[1], x[0, 2]
    row[...] = 5
    cell += 3  # a 0-d view, as in PyTorch (NumPy would give a scalar copy)
    assert x.tolist() == [[0, 0, 3], [5, 5, 5]]
    x[1, 1] = 9
    assert row.tolist() == [5, 9, 5]


def test_negative_steps_and_other_operations_give_copies(backend):
    """PyTorch cannot view memory backwards, so a negative step copies on every backend;
    flip, arithmetic and the like make new tensors (the documented rule)."""
    x = ut.arange(4.0)
    r, f, y = x[::-1], ut.flip(x), x + 0
    r[0] = 50.0
    f[1] = 60.0
    y[2] = 70.0
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]
    x[0] = -1.0
    assert r.tolist() == [50.0, 2.0, 1.0, 0.0]
    assert f.tolist() == [3.0, 60.0, 1.0, 0.0]
    assert y.tolist() == [0.0, 1.0, 70.0, 3.0]


def test_shape_operations_give_views(backend):
    """reshape, the transposes, expand_dims, squeeze and unstack give views of the
    whole tensor, as on PyTorch: SciPy's tanh-sinh quadrature writes through
    ``fr, fl = reshape(fj.T, (2, n, m))`` and reads ``fj`` afterwards."""
    fj = ut.asarray(np.arange(12.0).reshape(3, 4))
    fr, fl = ut.reshape(fj.T, (2, 2, 3))
    fr[fr > 4] = -1.0  # advanced indexing on a view of a view of a view
    fl += 100
    expected = np.arange(12.0).reshape(3, 4)
    efr, efl = expected.T.reshape(2, 2, 3)  # NumPy: views too
    efr[efr > 4] = -1.0
    efl += 100
    np.testing.assert_array_equal(fj.numpy(), expected)
    np.testing.assert_array_equal(fr.numpy(), efr)
    x = ut.zeros((2, 3))
    col = ut.expand_dims(x, axis=0).mT[0, 1]  # x[:, 1] by a longer road
    t, e, sq = x.T, x.reshape(6), ut.squeeze(ut.expand_dims(x, axis=2), axis=2)
    col[...] = 5.0
    e[0] = 1.0
    sq[1, 2] = 2.0
    assert x.tolist() == [[1.0, 5.0, 0.0], [0.0, 5.0, 2.0]]
    assert t.tolist() == [[1.0, 0.0], [5.0, 5.0], [0.0, 2.0]]
    x += 1  # and every view sees a later write to the base
    assert e.tolist() == [2.0, 6.0, 1.0, 1.0, 6.0, 3.0]
    assert col.tolist() == [6.0, 6.0]
    rows = ut.unstack(x, axis=1)
    rows[2][0] = -3.0
    assert x.tolist()[0] == [2.0, 6.0, -3.0]
    s = ut.reshape(ut.asarray(4.0), (1,))  # 0-d base
    s[0] = 7.0
    copied = ut.reshape(x, (6,), copy=True)
    copied[0] = 99.0
    assert x.tolist()[0][0] == 2.0


def test_reshape_of_a_parameter_writes_into_it(backend):
    w = ut.nn.Parameter(ut.zeros((2, 2)))  # a tf.Variable on TensorFlow: it stays one
    with ut.no_grad():
        flat = ut.reshape(w, (4,))
        flat[3] = 3.0
        w.T[0, 1] = 2.0
    assert w.tolist() == [[0.0, 0.0], [2.0, 3.0]]
    assert type(w.native) is type(ut.nn.Parameter(ut.zeros(1)).native)


def test_views_of_a_parameter_write_into_it(backend):
    w = ut.nn.Parameter(ut.zeros((2, 2)))  # a tf.Variable on TensorFlow
    with ut.no_grad():  # (PyTorch refuses in-place writes into leaves that record)
        row = w[0]
        row[1] = 3.0
    assert w.tolist() == [[0.0, 3.0], [0.0, 0.0]]
    assert row.tolist() == [0.0, 3.0]


def test_a_zero_dim_boolean_key_writes_through_its_view(backend):
    x = ut.zeros((2, 2))
    x[1, True] = 4.0
    x[0, False] = 9.0
    assert x.tolist() == [[0.0, 0.0], [4.0, 4.0]]


def test_dead_views_are_forgotten(backend):
    from unitorch import _views

    x = ut.zeros(100)
    for i in range(200):
        x[i % 100: i % 100 + 1] += 1  # (each slice dies at once)
    assert x.tolist() == [2.0] * 100
    alive = x[:3]
    del alive
    assert not any(_views._VIEWS.get(k) and _views._VIEWS[k].parent is x
                   for k in list(_views._VIEWS))


# -- threads: concurrent writes never lose one


def _hammer(x: ut.Tensor, backend: str, n_threads: int, write) -> None:
    barrier = threading.Barrier(n_threads)
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            with ut.use_backend(backend):
                barrier.wait()
                write(x, i)
        except BaseException as e:  # reported by the test below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors


@pytest.mark.parametrize("through", ["setitem", "view setitem", "view iadd"])
def test_concurrent_writes_are_never_lost(backend, through):
    """8 threads write 8 disjoint rows of one tensor, in 4 pieces each, 25 times over;
    before unitorch locked writes, TensorFlow lost a write in most trials."""
    n, pieces = 8, 4

    def write(x, i):
        for p in range(pieces):
            cols = slice(p * 4, (p + 1) * 4)
            if through == "setitem":
                x[i, cols] = float(i + 1)
            elif through == "view setitem":
                v = x[i]
                v[cols] = float(i + 1)
            else:
                v = x[i, cols]
                v += float(i + 1)

    expected = np.repeat(np.arange(1.0, n + 1)[:, None], 4 * pieces, axis=1)
    for trial in range(25):
        x = ut.zeros((n, 4 * pieces), dtype=ut.float64)
        _hammer(x, backend, n, write)
        np.testing.assert_array_equal(x.numpy(), expected, err_msg=f"trial {trial}")
