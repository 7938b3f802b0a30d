"""One clear error on every backend where the frameworks differ: a GPU that is not there,
gradients for integer tensors, impossible or too large allocations, ``backward()`` from
another thread and twice, a framework's tensor on the left of an operator, and unclear
op-level messages (swapped ``gather`` arguments, tensors as axes)."""

from __future__ import annotations

import threading

import numpy as np
import pytest

import unitorch as ut
from unitorch.errors import BACKWARD_FREED

from support import same_error


def _gpus(backend: str) -> int:
    with ut.use_backend(backend):
        return len(ut.backends.current().devices()) - 1


# ---------------------------------------------------------------------------------------
# a GPU that is not there


@pytest.mark.parametrize("spelling", ["cuda", "gpu", "cuda:1", "gpu:3", "/GPU:0"])
def test_a_missing_gpu_raises_device_error(backends, spelling, clean_state):
    if any(_gpus(b) for b in backends):
        pytest.skip("this machine has a GPU")
    cases = [
        lambda: ut.zeros(2, device=spelling),
        lambda: ut.asarray(np.ones(2), device=spelling),
        lambda: ut.random.randn(2, device=spelling),
        lambda: ut.ones(2).to(spelling),
        lambda: ut.ones(2).to_device(spelling),
        lambda: ut.nn.Linear(2, 1).to(spelling),
        lambda: ut.set_default_device(spelling),
    ]
    for case in cases:
        msg = same_error(backends, ut.DeviceError, case, match="is not available")
        assert "sees no GPU" in msg and "use 'cpu'" in msg, msg
    assert ut.get_default_device() == "cpu"  # the refused default was not kept


# ---------------------------------------------------------------------------------------
# gradients for tensors that cannot have them


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8", "bool"])
def test_integer_tensors_cannot_require_gradients(backends, dtype):
    x = np.zeros(3, dtype=dtype)
    msg = same_error(backends, ut.DTypeError, lambda t: t.requires_grad_(True), x,
                     match=f"got {dtype}")
    assert "only floating and complex tensors can require gradients" in msg
    same_error(backends, ut.DTypeError, lambda t: setattr(t, "requires_grad", True), x)
    same_error(backends, ut.DTypeError, lambda: ut.tensor(x, requires_grad=True))
    for name in backends:  # turning it off is fine
        with ut.use_backend(name):
            assert not ut.asarray(x).requires_grad_(False).requires_grad


# ---------------------------------------------------------------------------------------
# allocations


@pytest.mark.parametrize("make", [
    lambda s: ut.zeros(s), lambda s: ut.ones(s), lambda s: ut.empty(s),
    lambda s: ut.full(s, 2.0), lambda s: ut.random.randn(*s),
    lambda s: ut.random.randint(0, 3, s),
])
def test_impossible_shapes_raise_shape_error(backends, make):
    for shape in ((2**63,), (2**40, 2**40), (2**62, 2, 2)):
        msg = same_error(backends, ut.ShapeError, make, shape)
        assert "more elements than an int64 can count" in msg


def test_more_bytes_than_an_address_space_is_out_of_memory(backends):
    msg = same_error(backends, ut.OutOfMemoryError, ut.zeros, (2**60, 2), dtype=ut.float64)
    assert "2**64 bytes or more" in msg
    assert issubclass(ut.OutOfMemoryError, MemoryError)


@pytest.mark.parametrize("make", [
    lambda: ut.zeros((10**12,)), lambda: ut.ones((10**6, 10**6)),
    lambda: ut.full((10**12,), 1.0), lambda: ut.random.randn(10**12),
    lambda: ut.arange(10**12), lambda: ut.eye(10**7),
])
def test_a_failed_allocation_is_out_of_memory(backends, make):
    # 4 TB and more: beyond this machine, so each framework's allocator refuses at once
    msg = same_error(backends, ut.OutOfMemoryError, make, match="out of memory")
    assert "bytes" in msg and "on cpu" in msg


# ---------------------------------------------------------------------------------------
# backward() from another thread, and twice


def _train_in_thread():
    ut.manual_seed(0)
    model = ut.nn.Linear(3, 1)
    x = ut.ones((2, 3))
    found: dict[str, object] = {}

    def work():
        try:
            ut.sum(model(x)).backward()
            found["grad"] = model.weight.grad.numpy().tolist()
        except Exception as e:  # reported below
            found["error"] = e

    t = threading.Thread(target=work)
    t.start()
    t.join()
    return model, x, found


def test_backward_in_another_thread(backend):
    model, x, found = _train_in_thread()
    if backend == "torch":
        assert found == {"grad": [[2.0, 2.0, 2.0]]}
    else:
        # TensorFlow records only in threads that made a tensor requiring gradients: the
        # message says so (it used to blame the tensor for not requiring gradients)
        error = found["error"]
        assert isinstance(error, RuntimeError)
        assert "nothing was recorded in this thread" in str(error)
        assert "ut.grad / ut.GradientTape" in str(error)

    # what the message advises works in any thread, on both backends
    grads = {}

    def functional():
        grads["w"] = ut.grad(lambda m: ut.sum(m(x)))(model)["weight"].numpy().tolist()

    t = threading.Thread(target=functional)
    t.start()
    t.join()
    assert grads["w"] == [[2.0, 2.0, 2.0]]


def test_a_second_backward_raises_one_message(backends):
    messages = set()
    for name in backends:
        with ut.use_backend(name):
            w = ut.nn.Parameter(ut.tensor([1.0, 2.0]))
            loss = ut.sum(w * w)
            loss.backward()
            with pytest.raises(RuntimeError) as info:
                loss.backward()
            messages.add(str(info.value))
            assert w.grad.numpy().tolist() == [2.0, 4.0]  # the first one only
            loss = ut.sum(w * w)
            loss.backward(retain_graph=True)
            loss.backward()  # allowed by retain_graph
            assert w.grad.numpy().tolist() == [6.0, 12.0]
    assert messages == {BACKWARD_FREED}


# ---------------------------------------------------------------------------------------
# a framework's own tensor on the left of an operator


def test_a_native_tensor_on_the_left_gives_a_unitorch_tensor(backend):
    make = {"torch": lambda a: __import__("torch").tensor(a),
            "tensorflow": lambda a: __import__("tensorflow").constant(a)}[backend]
    a, b = np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32)
    t = ut.asarray(b)
    for op in ("+", "-", "*", "/", "**", "//", "%"):
        out = eval(f"x {op} t", {"x": make(a), "t": t})
        assert isinstance(out, ut.Tensor), (op, type(out))
        np.testing.assert_allclose(out.numpy(), eval(f"a {op} b"), rtol=1e-6)
    out = make(a.reshape(1, 2)) @ ut.asarray(b.reshape(2, 1))
    assert isinstance(out, ut.Tensor) and out.numpy().tolist() == [[11.0]]
    bits = make(np.array([1, 2], np.int64)) & ut.tensor([3, 3])
    assert isinstance(bits, ut.Tensor) and bits.numpy().tolist() == [1, 2]
    if backend == "tensorflow":  # explicit conversions still give TensorFlow tensors
        import tensorflow as tf

        assert isinstance(tf.constant(t), tf.Tensor)
        assert float(tf.reduce_sum(t)) == 7.0


# ---------------------------------------------------------------------------------------
# op-level messages


def test_swapped_gather_arguments_name_the_order(backends):
    x, idx = np.arange(6.0).reshape(2, 3), np.array([[0], [1]])
    msg = same_error(backends, TypeError, lambda a, i: ut.gather(a, i, 1), x, idx)
    assert "dim must be an int, got a tensor of shape (2, 1)" in msg
    assert "gather(x, dim, index)" in msg
    same_error(backends, TypeError, lambda a, i: ut.gather(a, 1.0, i), x, idx,
               match="dim must be an int, got float")


@pytest.mark.parametrize("op", [ut.sum, ut.mean, ut.max, ut.softmax, ut.argmax, ut.cumsum,
                                ut.sort])
def test_a_tensor_as_axis_names_the_argument(backends, op):
    x = np.arange(6.0).reshape(2, 3)
    msg = same_error(backends, TypeError, lambda a: op(a, axis=ut.tensor([0, 1])), x)
    assert msg.startswith("axis must be an int or a tuple of ints, got a tensor")
    same_error(backends, TypeError, lambda a: op(a, axis=1.5), x,
               match="axis must be an int or a tuple of ints, got float")
    for name in backends:  # a 0-d integer tensor is an index, as in NumPy
        with ut.use_backend(name):
            assert op(ut.asarray(x), axis=ut.tensor(1)).shape in ((2,), (2, 3))
