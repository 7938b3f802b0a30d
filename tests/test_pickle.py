"""Tensors pickle (``pickle``, ``copy.deepcopy``, ``multiprocessing``), as torch and
TensorFlow users expect: the values, dtype, backend, device and gradient flag survive;
Parameters come back as Parameters.  Checkpoints never unpickle (``ut.load``)."""

from __future__ import annotations

import copy
import multiprocessing
import pickle

import numpy as np
import pytest

import unitorch as ut
from unitorch.testing import assert_close

_DTYPES = ["float32", "float64", "float16", "bfloat16", "int64", "int8", "uint8", "bool",
           "complex64"]


@pytest.mark.parametrize("dtype", _DTYPES)
def test_values_dtype_and_backend_survive(backend, dtype):
    d = getattr(ut, dtype)
    a = np.array([[1, 0], [3, 1]]).astype(d.numpy)
    t = ut.asarray(a, dtype=d)
    for back in (pickle.loads(pickle.dumps(t)), copy.deepcopy(t), copy.copy(t)):
        assert back.backend == backend and back.dtype is d and back.shape == (2, 2)
        assert back.device == t.device
        assert_close(back, t)
        assert not back.requires_grad
    assert pickle.loads(pickle.dumps(ut.tensor(2.5))).shape == ()


def test_no_memory_is_shared(backend):
    t = ut.tensor([1.0, 2.0])
    back = copy.deepcopy(t)
    back[0] = 5.0
    assert t.numpy().tolist() == [1.0, 2.0]


def test_parameters_and_gradient_flags(backend):
    p = ut.nn.Parameter(ut.tensor([1.0, 2.0]))
    back = pickle.loads(pickle.dumps(p))
    assert isinstance(back, ut.nn.Parameter) and back.requires_grad
    frozen = pickle.loads(pickle.dumps(ut.nn.Parameter(ut.zeros(2), requires_grad=False)))
    assert isinstance(frozen, ut.nn.Parameter) and not frozen.requires_grad
    x = ut.tensor([1.0], requires_grad=True)
    # a computed result comes back as a leaf requiring gradients, as in PyTorch
    y = pickle.loads(pickle.dumps(x * 2))
    assert y.requires_grad and not isinstance(y, ut.nn.Parameter)
    ut.sum(y * y).backward()
    assert_close(y.grad, [4.0])


def test_modules_and_state_dicts(backend):
    ut.manual_seed(0)
    model = ut.nn.Sequential(ut.nn.Linear(3, 2), ut.nn.Tanh(), ut.nn.Linear(2, 1))
    twin = copy.deepcopy(model)
    x = ut.ones((4, 3))
    assert_close(twin(x), model(x))
    assert all(isinstance(p, ut.nn.Parameter) for p in twin.parameters())
    state = pickle.loads(pickle.dumps(model.state_dict()))
    fresh = ut.nn.Sequential(ut.nn.Linear(3, 2), ut.nn.Tanh(), ut.nn.Linear(2, 1))
    fresh.load_state_dict(state)
    assert_close(fresh(x), model(x))
    # training the copy leaves the original alone
    opt = ut.optim.SGD(twin.parameters(), lr=0.5)
    ut.sum(twin(x)).backward()
    opt.step()
    assert not np.allclose(twin[0].weight.numpy(), model[0].weight.numpy())


def test_a_tensor_pickled_on_one_backend_comes_back_on_it(backends):
    if len(backends) < 2:
        pytest.skip("needs both backends")
    with ut.use_backend(backends[0]):
        data = pickle.dumps(ut.tensor([1, 2]))
    with ut.use_backend(backends[1]):
        back = pickle.loads(data)
    assert back.backend == backends[0]


def _double(t):
    return t * 2


def test_tensors_cross_process_boundaries(backend):
    # a spawned worker (as DataLoader workers and multiprocessing pools use) gets the
    # tensor, computes on it and sends back a tensor of the same backend
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        out = pool.apply(_double, (ut.tensor([1.5, -2.0]),))
    assert out.backend == backend
    assert_close(out, [3.0, -4.0])
