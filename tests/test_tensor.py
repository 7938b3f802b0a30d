"""The Tensor object: attributes, conversion to Python and NumPy, the container protocol,
printing, operators (reflected and in-place), ``to``/``astype``, DLPack exchange between
torch, NumPy and TensorFlow, and the rule that tensors of two backends never mix.
"""

from __future__ import annotations

import math
import operator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import strategies as uts

from support import check, on_backends, same_error

# ---------------------------------------------------------------------------------------
# attributes


@given(x=uts.arrays(uts.dtypes(half=True), uts.shapes(max_dims=4)))
def test_attributes(backends, x):
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            assert t.shape == x.shape and type(t.shape) is tuple
            assert all(type(s) is int for s in t.shape)
            assert t.ndim == x.ndim and t.size == x.size
            assert t.dtype is ut.dtypes.as_dtype(x.dtype)
            assert t.device == "cpu" and isinstance(t.device, ut.Device)
            assert t.backend == name and isinstance(t, ut.Tensor)
            assert t.numel() == x.size and t.dim() == x.ndim
            assert len(t.mT.shape) == x.ndim if x.ndim >= 2 else True


def test_transposes(backends):
    a = np.arange(24.0).reshape(2, 3, 4)
    check(on_backends(backends, lambda t: t.mT, a), np.swapaxes(a, -1, -2), ut.float64)
    check(on_backends(backends, lambda t: t.T, a[0]), a[0].T, ut.float64)
    same_error(backends, ut.ShapeError, lambda t: t.T, a, match="T needs a 2-D tensor")


def test_array_namespace(backend):
    t = ut.ones(2)
    assert t.__array_namespace__() is ut
    assert t.__array_namespace__(api_version="2023.12") is ut
    assert t.__array_namespace__(api_version="2024.12") is ut
    assert ut.__array_api_version__ == "2024.12"
    with pytest.raises(ValueError, match="unsupported Array API version"):
        t.__array_namespace__(api_version="1999.01")


# ---------------------------------------------------------------------------------------
# conversion to Python and NumPy


@given(x=uts.arrays(uts.dtypes(half=True), uts.shapes(max_dims=3)))
def test_numpy_and_tolist_round_trip(backends, x):
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            a = t.numpy()
            assert a.dtype == x.dtype and a.shape == x.shape
            np.testing.assert_array_equal(a, x)
            np.testing.assert_array_equal(np.asarray(t), x)
            wide = np.complex128 if x.dtype.kind == "c" else np.float64
            assert np.asarray(t, dtype=wide).dtype == wide
            assert _same_values(t.tolist(), x.tolist())


def _same_values(a, b) -> bool:
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(_same_values, a, b))
    if type(a) is not type(b):
        return False
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("dtype, value, py", [
    (ut.bool, True, bool), (ut.int8, -3, int), (ut.uint8, 200, int), (ut.int64, 2**62, int),
    (ut.float16, 1.5, float), (ut.bfloat16, -2.0, float), (ut.float32, 0.25, float),
    (ut.float64, 1e300, float), (ut.complex64, 1 - 2j, complex), (ut.complex128, 3j, complex),
])
def test_item_and_python_scalars(backend, dtype, value, py):
    t = ut.asarray([value], dtype=dtype)
    assert type(t.item()) is py and t.item() == value
    assert type(t.tolist()[0]) is py
    if dtype.kind != "c":
        assert bool(t) is bool(value)
        assert float(t) == float(value)
        assert int(t) == int(value)
    else:
        assert complex(t) == value
        with pytest.raises(TypeError):
            float(t)
    if dtype.kind in "iu":
        assert operator.index(t) == value
        assert [0, 1, 2, 3][ut.asarray(1, dtype=dtype)] == 1
    else:
        with pytest.raises(ut.DTypeError, match="only integer tensors"):
            operator.index(t)


def test_scalar_conversions_of_special_values(backend):
    with pytest.raises(ValueError):
        int(ut.asarray(math.nan))
    with pytest.raises(OverflowError):
        int(ut.asarray(math.inf))
    assert math.isnan(float(ut.asarray(math.nan)))
    assert float(ut.asarray(-0.0)) == 0 and math.copysign(1, float(ut.asarray(-0.0))) == -1
    assert int(ut.asarray(-2.7)) == -2


def test_scalar_conversions_need_one_element(backends):
    for fn, what in ((bool, "bool"), (int, "int"), (float, "float")):
        same_error(backends, ut.ShapeError, fn, np.zeros(2), match=f"{what}\\(\\) needs a tensor "
                   "with one element, got shape \\(2,\\)")
    same_error(backends, ut.ShapeError, lambda t: t.item(), np.zeros((0,)), match="one element")
    assert on_backends(backends, lambda t: t.item(), np.ones((1, 1, 1))) == {
        b: 1.0 for b in backends}


def test_array_protocol_copy(backends):
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray([1.0, 2.0])
            c = np.asarray(t, copy=True)
            c[0] = 9
            assert t.tolist() == [1.0, 2.0]
            try:
                v = np.asarray(t, copy=False)
            except ValueError as e:  # TensorFlow hands out copies only
                assert "copy=False" in str(e)
            else:
                assert np.may_share_memory(v, t.numpy())
            with pytest.raises(ValueError, match="copy=False"):
                np.asarray(t, dtype=np.float64, copy=False)
    if "torch" in backends:
        with ut.use_backend("torch"):
            t = ut.asarray([1.0, 2.0])
            np.asarray(t, copy=False)[0] = 5.0  # a view of the torch tensor
            assert t.tolist() == [5.0, 2.0]


# ---------------------------------------------------------------------------------------
# container protocol


def test_len_and_iter(backends):
    a = np.arange(6).reshape(3, 2)
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(a)
            assert len(t) == 3
            rows = list(t)
            assert len(rows) == 3 and all(isinstance(r, ut.Tensor) for r in rows)
            assert [r.tolist() for r in rows] == a.tolist()
            assert len(ut.zeros((0, 2))) == 0 and list(ut.zeros((0, 2))) == []
    same_error(backends, TypeError, len, np.array(1.0), match="len\\(\\) of a 0-d tensor")
    same_error(backends, TypeError, lambda t: list(t), np.array(1.0), match="0-d")


# ---------------------------------------------------------------------------------------
# printing


@pytest.mark.parametrize("data, dtype, text", [
    ([[1.0, 2.5], [3.0, 4.0]], ut.float32,
     "tensor([[1. , 2.5],\n        [3. , 4. ]], dtype=float32)"),
    (7, ut.int64, "tensor(7, dtype=int64)"),
    ([True, False], ut.bool, "tensor([ True, False], dtype=bool)"),
    ([1 + 2j], ut.complex64, "tensor([1.+2.j], dtype=complex64)"),
    ([0.5, -1.0], ut.bfloat16, "tensor([0.5, -1], dtype=bfloat16)"),
    ([math.nan, math.inf, -0.0], ut.float16, "tensor([nan, inf, -0.], dtype=float16)"),
    ([], ut.float32, "tensor([], dtype=float32)"),
])
def test_str_is_the_same_on_every_backend(backends, data, dtype, text):
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(data, dtype=dtype)
            assert str(t) == text
            assert repr(t) == f"{text[:-1]}, device=cpu, backend={name})"


def test_str_of_empty_and_large_tensors(backends):
    strs = set()
    for name in backends:
        with ut.use_backend(name):
            assert str(ut.zeros((0, 3))) == "tensor([], shape=(0, 3), dtype=float32)"
            big = str(ut.arange(5000))
            assert big.startswith("tensor([   0,    1,    2, ..., 4997, 4998, 4999]")
            strs.add(str(ut.linspace(-1, 1, 7, dtype=ut.float64).reshape(7, 1)))
    assert len(strs) == 1


def test_format(backend):
    assert f"{ut.asarray(3.14159):.2f}" == "3.14"
    assert f"{ut.asarray([2]):d}" == "2"
    assert f"{ut.asarray([1.0, 2.0])}" == str(ut.asarray([1.0, 2.0]))


# ---------------------------------------------------------------------------------------
# operators

BINARY_OPERATORS = {
    "+": (operator.add, np.add), "-": (operator.sub, np.subtract),
    "*": (operator.mul, np.multiply), "/": (operator.truediv, np.true_divide),
    "//": (operator.floordiv, np.floor_divide), "%": (operator.mod, np.remainder),
    "**": (operator.pow, np.power), "&": (operator.and_, np.bitwise_and),
    "|": (operator.or_, np.bitwise_or), "^": (operator.xor, np.bitwise_xor),
    "<<": (operator.lshift, np.left_shift), ">>": (operator.rshift, np.right_shift),
    "<": (operator.lt, np.less), "<=": (operator.le, np.less_equal),
    ">": (operator.gt, np.greater), ">=": (operator.ge, np.greater_equal),
    "==": (operator.eq, np.equal), "!=": (operator.ne, np.not_equal),
}
INT_ONLY = {"&", "|", "^", "<<", ">>"}
COMPARISONS = {"<", "<=", ">", ">=", "==", "!="}


def _operands(symbol: str, dtype: ut.DType) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([[5, -3, 7], [2, 9, -4]]).astype(dtype.numpy)
    b = np.array([2, 3, 1]).astype(dtype.numpy)
    if dtype.kind == "u" or (dtype.kind == "i" and symbol in ("**", "<<", ">>")):
        a = np.abs(a.astype(np.int64)).astype(dtype.numpy)  # no negative powers or shifts
    return a, b


@pytest.mark.parametrize("symbol, dtype", [
    (s, d) for s in sorted(BINARY_OPERATORS)
    for d in (ut.int32, ut.uint8, ut.float32, ut.float64) if s not in INT_ONLY or d.kind != "f"
])
def test_binary_operators_and_reflections(backends, symbol, dtype):
    op, ref = BINARY_OPERATORS[symbol]
    a, b = _operands(symbol, dtype)
    expected_dtype = ut.bool if symbol in COMPARISONS else (
        ut.float32 if symbol == "/" and dtype.kind != "f" else dtype)
    wide = a.astype(np.float64 if dtype.kind == "f" else np.int64)
    with np.errstate(all="ignore"):
        expected = ref(wide, b.astype(wide.dtype))
        scalar = 2
        expected_scalar = ref(wide, scalar)
        expected_reflected = ref(scalar, wide)
    family = "transcendental" if symbol == "**" else "exact"
    check(on_backends(backends, op, a, b), expected, expected_dtype, family)
    check(on_backends(backends, lambda t: op(t, scalar), a), expected_scalar, expected_dtype,
          family)
    check(on_backends(backends, lambda t: op(scalar, t), a), expected_reflected,
          expected_dtype, family)
    # NumPy arrays on the left defer to the tensor's reflected operator
    check(on_backends(backends, lambda t: op(a, t), b), ref(wide, b.astype(wide.dtype)),
          expected_dtype, family)


def test_unary_operators(backends):
    a = np.array([1.5, -2.0, 0.0], np.float32)
    check(on_backends(backends, operator.neg, a), -a, ut.float32)
    check(on_backends(backends, operator.pos, a), a, ut.float32)
    check(on_backends(backends, abs, a), np.abs(a), ut.float32)
    i = np.array([0, 5, -1], np.int16)
    check(on_backends(backends, operator.invert, i), ~i, ut.int16)
    bo = np.array([True, False])
    check(on_backends(backends, operator.invert, bo), ~bo, ut.bool)


def test_scalar_and_python_data_operands(backends):
    a = np.array([1, 2, 3], np.int8)
    check(on_backends(backends, lambda t: t + True, a), a + 1, ut.int8)
    check(on_backends(backends, lambda t: t * 1.5, a), a * 1.5, ut.float32)
    check(on_backends(backends, lambda t: operator.add([1, 1, 1], t), a), a + 1, ut.int64)
    same_error(backends, OverflowError, lambda t: t + 1000, a, match="out of range for int8")


IN_PLACE = {
    "+=": (operator.iadd, np.add), "-=": (operator.isub, np.subtract),
    "*=": (operator.imul, np.multiply), "/=": (operator.itruediv, np.true_divide),
    "//=": (operator.ifloordiv, np.floor_divide), "%=": (operator.imod, np.remainder),
    "**=": (operator.ipow, np.power),
}


@pytest.mark.parametrize("symbol", sorted(IN_PLACE))
def test_in_place_operators_update_the_tensor(backends, symbol):
    op, ref = IN_PLACE[symbol]
    a = np.array([[1.5, -2.0, 4.0], [3.0, 0.5, -1.0]], np.float32)
    b = np.array([2.0, -1.0, 0.5], np.float32)
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(a, copy=True)
            alias = t
            native = t.native
            out = op(t, ut.asarray(b))
            assert out is alias  # the same unitorch Tensor, updated
            check({name: out}, ref(a.astype(np.float64), b), ut.float32,
                  "transcendental" if symbol == "**=" else "exact")
            if name == "torch":  # written into the same buffer
                assert out.native is native


def test_in_place_on_a_tf_variable_updates_the_variable(backends):
    if "tensorflow" not in backends:
        pytest.skip("tensorflow not selected")
    import tensorflow as tf

    v = tf.Variable([1.0, 2.0, 3.0])
    t = ut.from_native(v)
    # a trainable variable is a leaf that requires gradients: PyTorch's rule refuses
    # in-place updates of it while recording (tests/test_torch_autograd.py)
    with pytest.raises(RuntimeError, match="leaf Variable"):
        t += 1.0
    with ut.no_grad():
        t += 1.0
        with ut.use_backend("tensorflow"):
            t *= ut.asarray([1.0, 2.0, 0.5])
        assert t.native is v
        np.testing.assert_array_equal(v.numpy(), [2.0, 6.0, 2.0])
        t[0] = 10.0
    np.testing.assert_array_equal(v.numpy(), [10.0, 6.0, 2.0])
    frozen = ut.from_native(tf.Variable([1.0], trainable=False))
    frozen += 1.0  # a variable that requires no gradient is updated as any tensor
    assert frozen.tolist() == [2.0]


def test_in_place_dtype_rules(backends):
    for name in backends:
        with ut.use_backend(name):
            f = ut.ones(2)
            f += ut.ones(2, dtype=ut.float64)  # within a kind: cast back, as PyTorch
            assert f.dtype is ut.float32 and f.tolist() == [2.0, 2.0]
            f += ut.asarray([1, 2])  # integers never widen a float
            assert f.dtype is ut.float32 and f.tolist() == [3.0, 4.0]
            i = ut.asarray([100, 1], dtype=ut.int8)
            i += ut.asarray([100, 1])  # int64 result wraps back into int8, as PyTorch
            assert i.dtype is ut.int8 and i.tolist() == [-56, 2]
    same_error(backends, ut.DTypeError, lambda t: operator.iadd(t, 1.5), np.ones(2, np.int32),
               match=r"in-place add\(\) would change int32 to float32")
    same_error(backends, ut.DTypeError, lambda t: operator.itruediv(t, 2),
               np.ones(2, np.int64), match="in-place divide")
    same_error(backends, ut.DTypeError, lambda t: operator.iadd(t, 1j), np.ones(2, np.float32),
               match="complex64")
    same_error(backends, ut.ShapeError, lambda t, u: operator.iadd(t, u), np.ones(3),
               np.ones((2, 3)), match=r"would change shape \(3,\) to \(2, 3\)")


@given(d=uts.dtypes("iuf"), data=st.data())
def test_comparison_operators_match_numpy(backends, d, data):
    shapes = data.draw(uts.mutually_broadcastable_shapes(2), label="shapes")
    x1 = data.draw(uts.arrays(d, shapes.input_shapes[0]), label="x1")
    x2 = data.draw(uts.arrays(d, shapes.input_shapes[1]), label="x2")
    for symbol in sorted(COMPARISONS):
        op, ref = BINARY_OPERATORS[symbol]
        check(on_backends(backends, op, x1, x2), ref(x1, x2), ut.bool,
              shape=shapes.result_shape)


# ---------------------------------------------------------------------------------------
# to() and astype()


def test_to_and_astype(backends):
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray([1.7, -1.7])
            assert t.to(ut.float64).dtype is ut.float64
            assert t.to("float16").dtype is ut.float16
            assert t.to(np.int32).tolist() == [1, -1]
            assert t.to("cpu") is t
            assert t.to("cpu", ut.int8).tolist() == [1, -1]
            assert t.to(device="cpu", dtype=ut.float64).dtype is ut.float64
            assert t.to(ut.zeros(1, dtype=ut.bool)).tolist() == [True, True]
            assert t.to(ut.float32) is t and t.to(ut.float32, copy=True) is not t
            assert t.astype(ut.int32).dtype is ut.int32
            assert t.double().dtype is ut.float64 and t.half().dtype is ut.float16
            assert t.long().tolist() == [1, -1] and t.bool().tolist() == [True, True]
            c = t.clone()
            assert c is not t and c.tolist() == t.tolist()
            with pytest.raises(ut.DeviceError):
                t.to("tpu")


# ---------------------------------------------------------------------------------------
# DLPack between torch, NumPy and TensorFlow


@pytest.mark.parametrize("dtype", [ut.bool, ut.int8, ut.uint8, ut.int32, ut.int64, ut.float16,
                                   ut.float32, ut.float64, ut.complex64, ut.complex128])
def test_dlpack_to_numpy(backends, dtype):
    a = (np.arange(12).reshape(3, 4) % 5).astype(dtype.numpy)
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(a)
            assert t.__dlpack_device__() == (1, 0)
            b = np.from_dlpack(t)
            assert b.dtype == a.dtype
            np.testing.assert_array_equal(b, a)
            if name == "torch":  # the same memory
                assert np.may_share_memory(b, t.numpy())
            c = np.from_dlpack(t, copy=True)
            assert not np.may_share_memory(c, t.numpy())


def test_dlpack_from_numpy_round_trip(backends):
    for name in backends:
        with ut.use_backend(name):
            a = np.linspace(0, 1, 8)
            t = ut.from_dlpack(a)
            back = np.from_dlpack(t)
            np.testing.assert_array_equal(back, a)


def test_dlpack_between_torch_and_tensorflow(backends):
    if set(backends) != {"torch", "tensorflow"}:
        pytest.skip("needs both backends")
    import tensorflow as tf
    import torch

    with ut.use_backend("tensorflow"):
        f = ut.arange(6, dtype=ut.float32).reshape(2, 3)
    t = torch.from_dlpack(f)  # TensorFlow's buffer, seen by torch: no copy
    np.testing.assert_array_equal(t.numpy(), f.numpy())
    assert np.may_share_memory(t.numpy(), np.from_dlpack(f))
    with ut.use_backend("torch"):
        x = ut.zeros(256)
    g = tf.experimental.dlpack.from_dlpack(x.__dlpack__())  # torch's (aligned) buffer
    x[3] = 1.0
    assert g.numpy()[3] == 1.0
    cap = x.__dlpack__(copy=True)  # an independent copy
    h = tf.experimental.dlpack.from_dlpack(cap)
    x[4] = 2.0
    assert h.numpy()[4] == 0.0
    with pytest.raises(BufferError, match="not on DLPack device"):
        x.__dlpack__(dl_device=(2, 0))
    for d in (ut.bfloat16, ut.bool):  # dtypes NumPy's DLPack lacks or got wrong once
        with ut.use_backend("torch"):
            y = ut.asarray([1, 0, 1], dtype=d)
        with ut.use_backend("tensorflow"):
            z = ut.from_dlpack(y)
        assert z.dtype is d and z.tolist() == y.tolist()


# ---------------------------------------------------------------------------------------
# backends never mix


def test_mixing_backends_raises(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    with ut.use_backend(backends[0]):
        a = ut.ones(3)
    with ut.use_backend(backends[1]):
        b = ut.ones(3)
    for fn in (operator.add, operator.mul, operator.lt, operator.eq, operator.iadd,
               lambda x, y: ut.where(y > 0, x, y), ut.maximum):
        with pytest.raises(ut.BackendMismatchError, match="backend"):
            fn(a, b)
        with pytest.raises(ut.BackendMismatchError):
            fn(b, a)
    with pytest.raises(ut.BackendMismatchError):
        a[0] = b[0]
    assert a.backend == backends[0] and ut.asarray(a).backend == ut.get_backend()


def test_tensor_keeps_its_backend_after_switching(backends):
    with ut.use_backend(backends[0]):
        a = ut.ones(2)
    for name in backends:
        with ut.use_backend(name):
            assert (a + 1).backend == backends[0]
            assert ut.exp(a).backend == backends[0]


@given(x=uts.arrays(uts.dtypes("f"), st.sampled_from([(), (1,), (1, 1)])),
       k=st.integers(-3, 3))
def test_bool_of_comparison_results(backends, x, k):
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            assert bool(t > k) == bool(x.reshape(()) > k)


def test_pytorch_style_methods_are_the_functions(backends):
    """Each PyTorch-style method gives exactly what its function gives."""
    a = np.array([[3.0, -1.0, 2.0], [0.5, 5.0, 5.0]], dtype=np.float32)
    idx = np.array([[2, 0], [1, 1]])
    cases = {
        "sort": (lambda t: t.sort(dim=1).values, lambda t: ut.sort(t, axis=1)),
        "argsort": (lambda t: t.argsort(dim=0), lambda t: ut.argsort(t, axis=0)),
        "topk": (lambda t: t.topk(2).values, lambda t: ut.topk(t, 2).values),
        "unique": (lambda t: t.unique(), lambda t: ut.unique_values(t)),
        "softmax": (lambda t: t.softmax(dim=0), lambda t: ut.softmax(t, axis=0)),
        "log_softmax": (lambda t: t.log_softmax(-1), lambda t: ut.log_softmax(t, axis=-1)),
        "matmul": (lambda t: t.matmul(t.T), lambda t: ut.matmul(t, t.T)),
        "eq": (lambda t: t.eq(t[0]), lambda t: ut.equal(t, t[0])),
        "gt": (lambda t: t.gt(2.0), lambda t: ut.greater(t, 2.0)),
        "count_nonzero": (lambda t: t.count_nonzero(), lambda t: ut.count_nonzero(t)),
        "gather": (lambda t: t.gather(1, ut.asarray(idx)),
                   lambda t: ut.take_along_axis(t, ut.asarray(idx), axis=1)),
    }
    for name, (method, function) in cases.items():
        got, want = on_backends(backends, method, a), on_backends(backends, function, a)
        assert got.keys() == want.keys() == set(backends)
        for b in backends:
            ut.testing.assert_close(got[b], want[b], rtol=0, atol=0, msg=f"{name} on {b}")
    expected_sorted = np.sort(a, axis=1)
    check(on_backends(backends, lambda t: t.sort(dim=1).values, a), expected_sorted, ut.float32,
          "exact")


def test_real_and_imag_attributes_match_numpy(backends):
    """``t.real`` / ``t.imag``, as NumPy's arrays (and PyTorch's complex tensors) have
    them; a real tensor's imaginary part is zeros, as in NumPy."""
    z = np.array([[1 + 2j, 3 - 4j], [-0.5j, 7 + 0j]])
    x = np.array([1.5, -2.0], dtype=np.float32)
    for name, (re, im, xre, xim) in on_backends(
            backends, lambda a, b: (a.real, a.imag, b.real, b.imag), z, x).items():
        assert re.dtype is ut.float64 and xim.dtype is ut.float32, name
        np.testing.assert_array_equal(re.numpy(), z.real, err_msg=name)
        np.testing.assert_array_equal(im.numpy(), z.imag, err_msg=name)
        np.testing.assert_array_equal(xre.numpy(), x.real, err_msg=name)
        np.testing.assert_array_equal(xim.numpy(), x.imag, err_msg=name)
