"""Module, Parameter and init: registration, state dicts, modes, conversion, and
initialisation that is identical on every backend."""

from __future__ import annotations

import math

import numpy as np
import pytest

import unitorch as ut
from unitorch.testing import assert_close


class Block(ut.nn.Module):
    def __init__(self, n: int = 3) -> None:
        super().__init__()
        self.weight = ut.nn.Parameter(ut.ones((n, n)))
        self.bias = ut.nn.Parameter(ut.zeros(n))
        self.register_buffer("steps", ut.zeros((), dtype=ut.int64))
        self.register_buffer("scratch", ut.zeros(n), persistent=False)

    def forward(self, x):
        return x @ self.weight + self.bias


class Net(ut.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.first = Block()
        self.second = Block()
        self.second.inner = Block(2)
        self.scale = ut.nn.Parameter(ut.tensor(2.0))

    def forward(self, x):
        return self.second(self.first(x)) * self.scale


def test_registration_and_walking(backend):
    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == ["scale", "first.weight", "first.bias", "second.weight", "second.bias",
                     "second.inner.weight", "second.inner.bias"]
    assert [n for n, _ in net.named_buffers()] == [
        "first.steps", "first.scratch", "second.steps", "second.scratch",
        "second.inner.steps", "second.inner.scratch"]
    assert [n for n, _ in net.named_modules()] == ["", "first", "second", "second.inner"]
    assert [type(c).__name__ for c in net.children()] == ["Block", "Block"]
    assert all(isinstance(p, ut.nn.Parameter) for p in net.parameters())
    assert not isinstance(net.first.steps, ut.nn.Parameter)
    assert isinstance(net.first.steps, ut.Tensor)
    out = net(ut.ones((1, 3)))
    assert_close(out, [[2 * (3 * 3)] * 3])


def test_shared_modules(backend):
    """Parameters are listed once; the state dict has every path, as PyTorch's does."""
    a = Block()
    net = ut.nn.Module()
    net.a = a
    net.b = a
    assert len(list(net.parameters())) == 2
    assert list(net.state_dict()) == ["a.weight", "a.bias", "a.steps",
                                      "b.weight", "b.bias", "b.steps"]
    other = ut.nn.Module()
    other.a = other.b = Block()
    other.load_state_dict(net.state_dict())


def test_assignment_rules(backend):
    b = Block()
    with pytest.raises(TypeError, match="cannot assign a Tensor as parameter 'weight'"):
        b.weight = ut.ones((3, 3))
    b.weight = None
    assert "weight" not in dict(b.named_parameters())
    b.steps = ut.ones(())  # replacing a buffer keeps it registered
    assert_close(b.steps, 1.0)

    class Early(ut.nn.Module):
        def __init__(self):
            self.w = ut.nn.Parameter(ut.ones(1))

    with pytest.raises(AttributeError, match=r"super\(\)\.__init__\(\)"):
        Early()
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        b.missing  # noqa: B018


def test_state_dict_round_trip_and_errors(backend):
    src, dst = Net(), Net()
    for p in src.parameters():
        ut.nn.init.uniform_(p, -1, 1)
    state = src.state_dict()
    assert "first.scratch" not in state  # non-persistent
    result = dst.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = ut.random.rand(2, 3)
    assert_close(dst(x), src(x))
    numpy_state = {k: v.numpy() for k, v in state.items()}
    Net().load_state_dict(numpy_state)

    broken = dict(state)
    broken["first.weight"] = ut.ones((2, 2))
    before = dst.first.bias.numpy().copy()
    with pytest.raises(ut.ShapeError, match=r"'first\.weight' has shape \(2, 2\)"):
        dst.load_state_dict(broken)
    np.testing.assert_array_equal(dst.first.bias.numpy(), before)  # nothing written

    partial = {k: v for k, v in state.items() if k != "scale"}
    partial["extra"] = ut.ones(1)
    with pytest.raises(KeyError, match=r"missing \['scale'\], unexpected \['extra'\]"):
        dst.load_state_dict(partial)
    result = dst.load_state_dict(partial, strict=False)
    assert result == ut.nn.IncompatibleKeys(["scale"], ["extra"])


def test_state_dict_moves_between_backends(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    with ut.use_backend(backends[0]):
        ut.manual_seed(1)
        src = Net()
        for p in src.parameters():
            ut.nn.init.normal_(p)
        x = np.linspace(-1, 1, 6).reshape(2, 3)
        expected = src(ut.asarray(x, dtype=ut.float32)).numpy()
        state = src.state_dict()
    with ut.use_backend(backends[1]):
        dst = Net()
        dst.load_state_dict(state)
        assert all(t.backend == backends[1] for t in dst.parameters())
        assert_close(dst(ut.asarray(x, dtype=ut.float32)), expected)


def test_train_eval_apply_zero_grad_to(backend):
    net = Net()
    assert net.training and net.second.inner.training
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    visited = []
    net.apply(lambda m: visited.append(type(m).__name__))
    assert visited == ["Block", "Block", "Block", "Net"]

    ut.sum(net(ut.ones((1, 3)))).backward()
    assert net.first.weight.grad is not None
    net.zero_grad(set_to_none=False)
    assert_close(net.first.weight.grad, np.zeros((3, 3)))
    net.zero_grad()
    assert net.first.weight.grad is None

    weight = net.first.weight
    net.to(ut.float64)
    assert net.first.weight is weight  # converted in place
    assert weight.dtype is ut.float64 and weight.requires_grad
    assert net.first.steps.dtype is ut.int64  # only floating tensors change dtype
    assert net(ut.ones((1, 3), dtype=ut.float64)).dtype is ut.float64
    ut.sum(net(ut.ones((1, 3), dtype=ut.float64))).backward()
    assert weight.grad.dtype is ut.float64
    net.to("cpu")
    assert all(p.device == "cpu" for p in net.parameters())


def test_requires_grad_freezes(backend):
    net = Net()
    net.first.requires_grad_(False)
    ut.sum(net(ut.ones((1, 3)))).backward()
    assert net.first.weight.grad is None
    assert net.second.weight.grad is not None


def test_repr_is_readable(backend):
    text = repr(Net())
    assert text.startswith("Net(\n  (first): Block()\n  (second): Block(\n    (inner): Block()")


# ---------------------------------------------------------------------------------------
# init


def test_init_is_identical_across_backends(backends):
    seen = {}
    for b in backends:
        with ut.use_backend(b):
            ut.manual_seed(42)
            t = ut.zeros((5, 4, 3, 3))
            out = {
                "uniform": ut.nn.init.uniform_(ut.zeros((4, 5)), -2, 3).numpy(),
                "normal": ut.nn.init.normal_(ut.zeros(30), 1, 2).numpy(),
                "xavier_u": ut.nn.init.xavier_uniform_(ut.zeros((4, 6))).numpy(),
                "xavier_n": ut.nn.init.xavier_normal_(ut.zeros((4, 6))).numpy(),
                "kaiming_u": ut.nn.init.kaiming_uniform_(t, a=math.sqrt(5)).numpy(),
                "kaiming_n": ut.nn.init.kaiming_normal_(ut.zeros((6, 4)), mode="fan_out",
                                                        nonlinearity="relu").numpy(),
                "trunc": ut.nn.init.trunc_normal_(ut.zeros(200), std=0.5, a=-1, b=1).numpy(),
                "orthogonal": ut.nn.init.orthogonal_(ut.zeros((3, 5)), gain=2).numpy(),
            }
            seen[b] = out
    first = next(iter(seen.values()))
    for out in seen.values():
        for k in first:
            np.testing.assert_array_equal(out[k], first[k], err_msg=k)


def test_init_formulas(backend):
    ut.manual_seed(0)
    w = ut.nn.init.kaiming_uniform_(ut.zeros((64, 100)), a=math.sqrt(5)).numpy()
    bound = 1 / math.sqrt(100)  # gain sqrt(2/(1+5)) * sqrt(3/fan_in)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    x = ut.nn.init.xavier_uniform_(ut.zeros((30, 50)), gain=2).numpy()
    a = 2 * math.sqrt(6 / 80)
    assert np.abs(x).max() <= a and np.abs(x).max() > 0.9 * a
    n = ut.nn.init.kaiming_normal_(ut.zeros((400, 500)), nonlinearity="relu").numpy()
    # std sqrt(2/500); the sample std of 200000 values is within 1% of it (5 sigma)
    assert abs(n.std() / math.sqrt(2 / 500) - 1) < 0.01
    t = ut.nn.init.trunc_normal_(ut.zeros(5000), mean=1, std=2, a=0, b=1.5).numpy()
    assert t.min() >= 0 and t.max() <= 1.5
    q = ut.nn.init.orthogonal_(ut.zeros((4, 6)), gain=1).numpy().astype(np.float64)
    assert_close(q @ q.T, np.eye(4), rtol=0, atol=1e-6)
    assert ut.nn.init.calculate_gain("tanh") == 5 / 3
    assert ut.nn.init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2 / 1.04)
    assert ut.nn.init.calculate_fan_in_and_fan_out(ut.zeros((8, 4, 3, 3))) == (36, 72)
    with pytest.raises(ut.ShapeError, match="at least 2 dimensions"):
        ut.nn.init.xavier_uniform_(ut.zeros(3))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        ut.nn.init.calculate_gain("swish")
    with pytest.raises(ValueError, match="mode must be"):
        ut.nn.init.kaiming_uniform_(ut.zeros((3, 3)), mode="fan_avg")


def test_parameter_construction(backend):
    data = ut.tensor([1.0, 2.0])
    p = ut.nn.Parameter(data)
    assert isinstance(p, ut.nn.Parameter) and isinstance(p, ut.Tensor) and p.requires_grad
    q = ut.nn.Parameter(np.ones(3), requires_grad=False)
    assert isinstance(q, ut.nn.Parameter) and not q.requires_grad and q.dtype is ut.float64
    assert not isinstance(data, ut.nn.Parameter)
    assert not isinstance(3, ut.nn.Parameter)
    with ut.no_grad():
        p[0] = 5.0  # parameters are updated in place
    assert_close(p, [5.0, 2.0])
