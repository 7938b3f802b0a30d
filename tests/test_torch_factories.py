"""``unitorch.torch``'s factories and random functions against PyTorch's: dtypes,
shapes, values where they are determined, ``requires_grad=`` / ``dtype=`` / ``device=``
/ ``out=`` on each; random draws checked for their distribution, their reproducibility
from ``manual_seed`` and a ``Generator``, and their agreement across backends in
portable mode."""

from __future__ import annotations

import math

import numpy as np
import pytest
from torch_compat import front_door, same_as_torch, same_error_as_torch

import unitorch as ut

A = np.array([[1.5, -2.0], [0.0, 4.25]], dtype=np.float32)


def test_factories_match_pytorch(backends):
    def made(torch, a):
        return (
            torch.tensor([[1, 2], [3, 4]]), torch.tensor([1.5, 2.0]), torch.tensor(True),
            torch.tensor([1, 2], dtype=torch.float), torch.tensor(3.0, dtype=torch.double),
            torch.as_tensor(a), torch.from_numpy(np.arange(3, dtype=np.int32)),
            torch.asarray([1, 2], dtype=torch.float64),
            torch.zeros(2, 3), torch.zeros((2, 3)), torch.zeros([4]), torch.zeros(()),
            torch.ones(2, dtype=torch.long), torch.empty(2, 2).shape, torch.full((2,), 7),
            torch.full((2,), 0.5), torch.full((), True), torch.zeros_like(a),
            torch.ones_like(a, dtype=torch.int32), torch.full_like(a, 3),
            torch.empty_like(a).shape, torch.arange(5), torch.arange(1, 4),
            torch.arange(0, 1, 0.25), torch.arange(3, dtype=torch.float),
            torch.arange(0, 10, 3), torch.linspace(-1, 1, 5),
            torch.linspace(0, 1, steps=3, dtype=torch.float64), torch.logspace(0, 2, 3),
            torch.eye(3), torch.eye(2, 3), torch.eye(2, dtype=torch.int64),
            torch.LongTensor([1, 2]), torch.FloatTensor(2, 3).shape,
            isinstance(torch.zeros(1), torch.FloatTensor),
            isinstance(torch.zeros(1), torch.LongTensor))

    same_as_torch(backends, made, A)


def test_requires_grad_and_out_on_every_factory(backends):
    def grads(torch, a):
        out = [f().requires_grad for f in (
            lambda: torch.tensor([1.0], requires_grad=True),
            lambda: torch.zeros(2, requires_grad=True), lambda: torch.ones(2, requires_grad=True),
            lambda: torch.empty(2, requires_grad=True),
            lambda: torch.full((2,), 1.0, requires_grad=True),
            lambda: torch.zeros_like(a, requires_grad=True),
            lambda: torch.ones_like(a, requires_grad=True),
            lambda: torch.rand(2, requires_grad=True), lambda: torch.randn(2, requires_grad=True),
            lambda: torch.arange(3.0, requires_grad=True),
            lambda: torch.linspace(0, 1, 3, requires_grad=True),
            lambda: torch.eye(2, requires_grad=True),
            lambda: torch.randn_like(a, requires_grad=True),
            lambda: torch.rand_like(a, requires_grad=True),
            lambda: torch.zeros(2))]
        buffer = torch.empty(3)
        r = torch.arange(3, out=buffer)
        out += [r is buffer, buffer, torch.zeros(2, out=torch.ones(2))]
        return tuple(out)

    same_as_torch(backends, grads, A)


def test_dtype_aliases_are_pytorchs(backends):
    torch = front_door()
    assert (torch.float, torch.double, torch.half, torch.long, torch.int, torch.short) == (
        ut.float32, ut.float64, ut.float16, ut.int64, ut.int32, ut.int16)
    assert torch.bool is ut.bool and torch.cfloat is ut.complex64 and torch.dtype is ut.DType
    assert torch.float32.is_floating_point and not torch.long.is_floating_point
    assert torch.finfo(torch.float32).eps == np.finfo(np.float32).eps
    assert torch.tensor([1.0]).dtype == torch.float


def test_device_objects(backends):
    torch = front_door()
    d = torch.device("cuda", 1)
    assert (d.type, d.index, str(d), repr(d)) == ("cuda", 1, "cuda:1",
                                                   "device(type='cuda', index=1)")
    cpu = torch.device("cpu")
    assert (cpu.type, cpu.index, str(cpu)) == ("cpu", None, "cpu")
    assert cpu == "cpu" and cpu == ut.Device("cpu") and torch.device("cuda:0") == "gpu"
    for name in backends:
        with ut.use_backend(name):
            assert torch.zeros(2).to(cpu).device == "cpu"
            assert torch.zeros(2, device=cpu).device == "cpu"


def test_random_functions_shapes_dtypes_and_ranges(backends):
    def drawn(torch, a):
        g = torch.Generator().manual_seed(0)
        return (
            torch.rand(2, 3).shape, torch.rand((4,)).dtype, torch.randn(2).dtype,
            torch.randn(3, dtype=torch.float64).dtype, torch.randint(10, (3,)).dtype,
            torch.randint(3, 5, (2, 2)).shape, torch.randint(0, 2, size=(4,)).shape,
            torch.randperm(5).dtype, sorted(torch.randperm(5).tolist()),
            torch.rand_like(a).shape, torch.randn_like(a).dtype,
            torch.randint_like(a, 5).dtype, torch.multinomial(torch.ones(4), 2).shape,
            torch.multinomial(torch.ones(2, 4), 3, replacement=True).shape,
            torch.bernoulli(torch.full((3,), 0.5)).dtype, torch.normal(a, 1.0).shape,
            torch.normal(0.0, a.abs()).shape, torch.normal(2.0, 3.0, size=(2,)).shape,
            torch.rand(3, generator=g).shape, g.initial_seed())

    same_as_torch(backends, drawn, A)


def test_random_distributions(backend):
    torch = front_door()
    torch.manual_seed(0)
    u = torch.rand(40000).numpy()
    n = torch.randn(40000).numpy()
    assert 0 <= u.min() and u.max() < 1 and abs(u.mean() - 0.5) < 0.01
    assert abs(n.mean()) < 0.02 and abs(n.std() - 1) < 0.02
    i = torch.randint(3, 7, (40000,)).numpy()
    assert set(np.unique(i)) == {3, 4, 5, 6}
    m = torch.normal(torch.full((40000,), 5.0), torch.full((40000,), 2.0)).numpy()
    assert abs(m.mean() - 5) < 0.05 and abs(m.std() - 2) < 0.05
    b = torch.bernoulli(torch.full((40000,), 0.3)).numpy()
    assert abs(b.mean() - 0.3) < 0.01


def test_multinomial_draws_with_the_weights(backend):
    torch = front_door()
    torch.manual_seed(1)
    w = torch.tensor([0.0, 1.0, 3.0, 6.0])
    with_r = torch.multinomial(w, 20000, replacement=True).numpy()
    freq = np.bincount(with_r, minlength=4) / 20000
    np.testing.assert_allclose(freq, [0.0, 0.1, 0.3, 0.6], atol=0.015)
    firsts = np.array([torch.multinomial(w, 3).tolist() for _ in range(3000)])
    assert all(sorted(row) == [1, 2, 3] for row in firsts.tolist())  # each at most once
    # the first draw without replacement follows the weights too
    np.testing.assert_allclose(np.bincount(firsts[:, 0], minlength=4) / 3000,
                               [0.0, 0.1, 0.3, 0.6], atol=0.03)
    rows = torch.multinomial(torch.tensor([[1.0, 0.0], [0.0, 1.0]]), 1)
    assert rows.tolist() == [[0], [1]]


def test_random_errors_match_pytorch(backends):
    same_error_as_torch(backends, lambda torch: torch.multinomial(torch.ones(2), 3),
                        exc=ValueError)
    same_error_as_torch(backends, lambda torch: torch.multinomial(
        torch.tensor([1.0, -1.0]), 1), exc=ValueError)
    same_error_as_torch(backends, lambda torch: torch.normal(0.0, -1.0, size=(2,)),
                        exc=ValueError)


def test_manual_seed_and_generators_reproduce_draws(backend):
    torch = front_door()
    torch.manual_seed(7)
    first = (torch.rand(3).numpy(), torch.randn(2).numpy(), torch.randperm(6).numpy())
    torch.manual_seed(7)
    again = (torch.rand(3).numpy(), torch.randn(2).numpy(), torch.randperm(6).numpy())
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a, b)
    g = torch.Generator().manual_seed(3)
    x = torch.rand(4, generator=g).numpy()
    torch.manual_seed(99)  # the global seed does not touch the generator
    g.manual_seed(3)
    np.testing.assert_array_equal(x, torch.rand(4, generator=g).numpy())
    assert torch.initial_seed() == 99 and torch.Generator().initial_seed() == 67280421310721
    with ut.random.portable(True):  # (native generators restart from the seed)
        state = torch.get_rng_state()
        a = torch.rand(2).numpy()
        torch.set_rng_state(state)
        np.testing.assert_array_equal(a, torch.rand(2).numpy())
        with torch.random.fork_rng():
            torch.rand(5)
        b = torch.rand(1).numpy()
        torch.set_rng_state(state)
        torch.rand(2)
        np.testing.assert_array_equal(b, torch.rand(1).numpy())


def test_random_draws_agree_across_backends_in_portable_mode(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    torch = front_door()
    out = {}
    for name in backends:
        with ut.use_backend(name), ut.random.portable(True):
            torch.manual_seed(11)
            g = torch.Generator().manual_seed(2)
            out[name] = [t.numpy() for t in (
                torch.rand(3), torch.randn(2, 2), torch.randint(0, 9, (4,)), torch.randperm(5),
                torch.multinomial(torch.ones(6), 3), torch.bernoulli(torch.full((4,), 0.5)),
                torch.normal(torch.zeros(3), 2.0), torch.rand(2, generator=g))]
    first = out[backends[0]]
    for name in backends[1:]:
        for a, b in zip(first, out[name]):
            np.testing.assert_array_equal(a, b)


def test_logspace_matches_numpy(backend):
    torch = front_door()
    np.testing.assert_allclose(torch.logspace(-1, 2, 7, base=2.0).numpy(),
                               np.logspace(-1, 2, 7, base=2.0), rtol=1e-6)
    assert math.isclose(torch.logspace(0, 1, 2)[1].item(), 10.0, rel_tol=1e-7)


def test_unknown_factory_keywords_raise(backends):
    same_error_as_torch(backends, lambda torch: torch.zeros(2, colour="red"), exc=TypeError)
