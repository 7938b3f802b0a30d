"""The Tensor's methods follow PyTorch: each is compared with PyTorch's own method on
the same data, on every backend (``tests/torch_compat.py``), including the five that
used to differ silently (``size()``, ``std``, ``max(dim)``, ``repeat``, ``sort``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from torch_compat import same_as_torch, same_error_as_torch

import unitorch as ut
from unitorch.testing import strategies as uts

F32 = np.array([[3.0, -1.0, 2.0, 2.0], [0.5, 5.0, 5.0, -7.0], [1.0, 1.0, 0.0, 4.0]],
               dtype=np.float32)
I64 = np.array([[3, 1, 2], [0, 2, 2]], dtype=np.int64)


# ---------------------------------------------------------------------------------------
# size: the Array API's attribute and PyTorch's method in one


def test_size_is_the_count_and_the_method(backend):
    x = ut.zeros((2, 3, 4))
    assert x.size == 24 and isinstance(x.size, int) and int(x.size) == 24
    assert x.size() == (2, 3, 4) and x.size(0) == 2 and x.size(-1) == 4
    assert x.size().numel() == 24 and x.size()[1:] == (3, 4)
    assert repr(x.size()) == "Size([2, 3, 4])" and repr(x.size) == "24"
    assert f"{x.size:5d}" == "   24" and np.zeros(x.size).shape == (24,)
    import pickle

    assert pickle.loads(pickle.dumps(x.size)) == 24
    with pytest.raises(ut.AxisError):
        x.size(3)


def test_size_matches_pytorch(backends):
    same_as_torch(backends, lambda torch, x: (tuple(x.size()), x.size(1), x.size(-2),
                                              x.numel(), x.dim(), x.nelement()), F32)


@given(data=st.data())
def test_size_of_any_shape(backend, data):
    shape = data.draw(uts.shapes(max_dims=4), label="shape")
    x = ut.zeros(shape)
    assert x.size == math.prod(shape) and x.size() == shape
    for d in range(-len(shape), len(shape)):
        assert x.size(d) == shape[d]


# ---------------------------------------------------------------------------------------
# reductions with PyTorch's defaults and return types


@given(data=st.data())
def test_std_and_var_are_unbiased_as_pytorchs(backends, data):
    a = data.draw(uts.arrays(ut.float64, uts.shapes(min_dims=1, max_dims=3, min_side=2),
                             elements=st.floats(-100, 100)), label="a")
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1), label="dim")
    n = a.size
    same_as_torch(backends, lambda torch, x: (x.std(), x.var(), x.std(dim), x.var(dim, True),
                                              x.var(dim, keepdim=True, unbiased=False),
                                              x.std(dim=dim, correction=0)),
                  a, family="composite", scale=n)


@given(data=st.data())
def test_max_min_with_a_dim_give_values_and_indices(backends, data):
    a = data.draw(uts.arrays(ut.float32, uts.shapes(min_dims=1, max_dims=3, min_side=1),
                             elements=st.integers(-3, 3).map(float)), label="a")
    dim = data.draw(st.integers(-a.ndim, a.ndim - 1), label="dim")
    keep = data.draw(st.booleans(), label="keepdim")
    same_as_torch(backends, lambda torch, x: (x.max(), x.min(), x.max(dim, keep),
                                              x.min(dim=dim, keepdim=keep),
                                              torch.max(x, dim), torch.min(x, x * 2)), a)


@given(data=st.data())
def test_sort_gives_values_and_indices(backends, data):
    # distinct values: PyTorch's unstable sort orders ties in no promised way
    n = data.draw(st.integers(1, 6), label="n")
    a = np.random.default_rng(data.draw(st.integers(0, 99))).permutation(n * 2).reshape(2, n)
    a = a.astype(np.float32)
    desc = data.draw(st.booleans(), label="descending")
    same_as_torch(backends, lambda torch, x: (x.sort(), x.sort(0, descending=desc),
                                              torch.sort(x, dim=-1, descending=desc)), a)


def test_sort_puts_nan_last_and_is_stable(backends):
    a = np.array([3.0, np.nan, 1.0, 1.0, -np.inf], dtype=np.float32)
    same_as_torch(backends, lambda torch, x: x.sort(stable=True), a)
    same_as_torch(backends, lambda torch, x: x.sort(descending=True, stable=True), a)


def test_kthvalue_median_mode_as_pytorch(backends):
    # distinct values (PyTorch does not promise which of equal elements it points at)
    distinct = np.array([[3.0, -1.0, 2.0, 2.5], [0.5, 5.0, 6.0, -7.0]], dtype=np.float32)
    same_as_torch(backends, lambda torch, x: (x.kthvalue(2), x.kthvalue(1, 0),
                                              x.kthvalue(3, dim=1, keepdim=True)), distinct)
    odd = np.array([[3.0, 1.0, 4.0], [2.0, 9.0, 5.0]], dtype=np.float32)
    same_as_torch(backends, lambda torch, x: (x.median(), x.median(1), x.median(0, True)),
                  odd)
    even = np.array([3.0, 1.0, 4.0, 2.0], dtype=np.float32)  # the lower median
    same_as_torch(backends, lambda torch, x: (x.median(), x.median(0).values), even)
    nan = np.array([[3.0, np.nan, 1.0], [2.0, 1.0, 0.0]], dtype=np.float32)
    same_as_torch(backends, lambda torch, x: (x.median(), x.median(1), x.kthvalue(3, 1)),
                  nan)
    modes = np.array([[1, 2, 2, 3, 3, 1], [4, 4, 0, 0, 0, 4]], dtype=np.int64)
    same_as_torch(backends, lambda torch, x: (x.mode(), x.mode(0), x.mode(1, True)), modes)


def test_norm_as_pytorch(backends):
    same_as_torch(backends, lambda torch, x: (x.norm(), x.norm(dim=1), x.norm(p=1, dim=0),
                                              x.norm(p=float("inf")), x.norm(3, 1, True),
                                              torch.norm(x, p="fro", dim=(0, 1)),
                                              x.norm(p=0)),
                  F32, family="composite", scale=12)


def test_nonzero_is_one_tensor_or_a_tuple(backends):
    same_as_torch(backends, lambda torch, x: (x.nonzero(), x.nonzero(as_tuple=True),
                                              torch.nonzero(x), torch.argwhere(x)), I64)


# ---------------------------------------------------------------------------------------
# shaping and selection


def test_repeat_tiles_as_pytorch(backends):
    a = np.array([[1, 2], [3, 4]], dtype=np.int64)
    same_as_torch(backends, lambda torch, x: (x.repeat(2, 3), x.repeat(2, 1, 1),
                                              x.repeat((1, 2)), x.repeat_interleave(2, 0)), a)
    same_error_as_torch(backends, lambda torch, x: x.repeat(2), a, exc=(ValueError,))


def test_chunk_narrow_t_and_the_as_methods(backends):
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    same_as_torch(backends, lambda torch, x: (x.chunk(2, 1), x.chunk(3), x.chunk(5, 1),
                                              torch.chunk(x.flatten(), 5),
                                              x.narrow(1, 1, 2), x.narrow(0, -2, 2),
                                              x.t(), x[0].t(), x.view_as(x.t()),
                                              x.reshape_as(x.flatten()),
                                              x[0].expand_as(x), x.contiguous()), a)


def test_index_select_masked_fill_scatter(backends):
    idx = np.array([2, 0], dtype=np.int64)
    same_as_torch(backends, lambda torch, x, i: (x.index_select(0, i), x.index_select(1, i),
                                                 torch.index_select(x, 1, i)), F32, idx)
    mask = np.array([True, False, True, False])
    same_as_torch(backends, lambda torch, x, m: (x.masked_fill(m, -1.5),
                                                 x.masked_fill(x > 2, float("-inf")),
                                                 x.masked_select(x > 1)), F32, mask)
    same_as_torch(backends, lambda torch, x: x.long().masked_fill(x > 2, 7.9), F32)
    index = np.array([[0, 1, 2, 0], [2, 0, 1, 1]], dtype=np.int64)
    src = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
    same_as_torch(backends, lambda torch, x, i, s: (x.scatter(0, i, s), x.scatter(0, i, 9.0),
                                                    x.scatter(1, i[:, :2], s),
                                                    torch.zeros(3, 4).scatter_(0, i, s)),
                  F32, index, src)


def test_mm_bmm_dot_relu(backends):
    b = np.arange(8, dtype=np.float32).reshape(4, 2)
    same_as_torch(backends, lambda torch, x, y: (x.mm(y), torch.mm(x, y), x[0].dot(x[1]),
                                                 x.relu(), torch.relu(x)),
                  F32, b, family="matmul", scale=4 * 8)
    c = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    d = np.arange(16, dtype=np.float32).reshape(2, 4, 2)
    same_as_torch(backends, lambda torch, x, y: (x.bmm(y), torch.bmm(x, y)), c, d,
                  family="matmul", scale=4 * 24)
    same_error_as_torch(backends, lambda torch, x, y: x.mm(y), c, d, exc=(ut.ShapeError,))


def test_arithmetic_methods_with_pytorchs_keywords(backends):
    b = np.full((3, 4), 2.0, dtype=np.float32)
    same_as_torch(backends, lambda torch, x, y: (
        x.add(y), x.add(y, alpha=3), x.sub(y, alpha=0.5), x.mul(y), x.div(y),
        x.div(y, rounding_mode="floor"), x.div(y, rounding_mode="trunc"),
        torch.add(x, 1, alpha=2), torch.sub(x, y), torch.div(x, 3),
        x.addcmul(x, y, value=0.5), x.addcdiv(x, y, value=2), x.lerp(y, 0.25),
        x.lerp(y, 0.75), torch.lerp(x, y, x.abs() / 10), x.abs().add(1).rsqrt(),
        x.abs().add(1).reciprocal()),
        F32, b, family="composite")
    ints = np.array([7, -7, 5, -5], dtype=np.int64)
    same_as_torch(backends, lambda torch, x: (x.div(2), x.div(2, rounding_mode="trunc"),
                                              x.div(-2, rounding_mode="trunc"),
                                              x.div(2, rounding_mode="floor")), ints)


def test_dtype_and_device_conveniences(backends):
    same_as_torch(backends, lambda torch, x: (x.type(), x.long().type(), x.double().type(),
                                              x.type(torch.int32), x.type("torch.DoubleTensor"),
                                              x.type_as(x.long()), x.element_size(),
                                              x.half().element_size(), x.bool().element_size(),
                                              x.is_floating_point(), x.long().is_floating_point(),
                                              x.is_complex(), x.cpu(), x.to("cpu"),
                                              x.to("cpu", non_blocking=True)), F32)


def test_new_factories_take_the_tensors_dtype_and_device(backends):
    same_as_torch(backends, lambda torch, x: (
        x.new_zeros(2, 3), x.new_zeros((2,)), x.new_ones(3), x.new_full((2, 2), 7),
        x.new_tensor([1, 2]), x.new_zeros(2, dtype=torch.int64), x.long().new_ones(2),
        x.new_empty(0), x.new_zeros(2, requires_grad=True).requires_grad), F32)


# ---------------------------------------------------------------------------------------
# the in-place family


def _in_place(torch, x, y):
    out = []
    z = x.clone()
    out.append(z.add_(y, alpha=2) is z)
    out.append(z.clone())
    for op in (lambda t: t.sub_(y), lambda t: t.mul_(y), lambda t: t.div_(y),
               lambda t: t.pow_(2), lambda t: t.sqrt_(), lambda t: t.exp_(),
               lambda t: t.log_(), lambda t: t.neg_(), lambda t: t.abs_(),
               lambda t: t.clamp_(-1, 3), lambda t: t.addcmul_(y, y, value=0.5),
               lambda t: t.addcdiv_(y, y), lambda t: t.lerp_(y, 0.3),
               lambda t: t.zero_(), lambda t: t.fill_(2.5), lambda t: t.copy_(y),
               lambda t: t.masked_fill_(t > 2, 1.0), lambda t: t.sigmoid_(),
               lambda t: t.tanh_(), lambda t: t.relu_(), lambda t: t.floor_(),
               lambda t: t.ceil_(), lambda t: t.round_(), lambda t: t.copy_(torch.arange(4)),
               lambda t: t.fill_(torch.tensor(3))):
        z = x.abs().clone()
        r = op(z)
        out.append(r is z)
        out.append(z)
    return out


def test_in_place_methods_as_pytorch(backends):
    b = np.full((3, 4), 2.0, dtype=np.float32)
    same_as_torch(backends, _in_place, F32, b, family="composite")
    ints = np.array([[1, 2], [3, 4]], dtype=np.int64)
    same_as_torch(backends, lambda torch, x: (x.clone().add_(1), x.clone().mul_(2),
                                              x.clone().copy_(torch.tensor([1.7, -2.2])),
                                              x.clone().fill_(3.9), x.clone().zero_()), ints)
    same_error_as_torch(backends, lambda torch, x: x.clone().add_(x.float() * 0.5), ints,
                        exc=(ut.DTypeError,))


def test_random_in_place_methods(backend):
    ut.manual_seed(0)
    x = ut.zeros(20000)
    assert x.normal_(2.0, 0.5) is x
    assert abs(x.mean().item() - 2.0) < 0.02 and abs(x.std().item() - 0.5) < 0.02
    x.uniform_(-1, 3)
    assert x.min().item() >= -1 and x.max().item() < 3 and abs(x.mean().item() - 1) < 0.05
    x.bernoulli_(0.25)
    assert set(np.unique(x.numpy())) <= {0.0, 1.0} and abs(x.mean().item() - 0.25) < 0.02
    p = ut.tensor([0.0, 1.0]).repeat(1000)
    assert (ut.zeros(2000).bernoulli_(p) == p).all().item()
    with pytest.raises(ut.DTypeError):
        ut.zeros(2, dtype=ut.int64).normal_()


def test_in_place_random_methods_agree_across_backends_in_portable_mode(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    out = {}
    for name in backends:
        with ut.use_backend(name), ut.random.portable(True):
            ut.manual_seed(5)
            out[name] = (ut.zeros(5).normal_().numpy(), ut.zeros(5).uniform_(2, 3).numpy(),
                         ut.zeros(5).bernoulli_(0.5).numpy())
    first = out[backends[0]]
    for name in backends[1:]:
        for a, b in zip(first, out[name]):
            np.testing.assert_array_equal(a, b)
