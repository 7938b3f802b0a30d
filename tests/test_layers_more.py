"""The layers of ``unitorch.nn`` added by issue 11: each with PyTorch's state-dict keys,
shapes and ``repr``; with a ``torch.nn`` layer's weights loaded, PyTorch's outputs and
gradients (input and parameters) on every backend; PyTorch's initialisation (identical
numbers on every backend for one seed, within PyTorch's bounds); the parameter
containers; training-mode statistics; errors that read the same on every backend."""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import torch

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error

nn = ut.nn


@dataclass
class Case:
    make: Any                   # module namespace (ut.nn or torch.nn) -> layer
    inputs: tuple               # shapes of the floating inputs (or arrays)
    family: str = "matmul"
    scale: float = 64
    eval: bool = False


def _x(shape, seed):
    return shape if isinstance(shape, np.ndarray) else np.random.default_rng(seed).uniform(
        -2, 2, shape)


CASES = {
    "conv1d": Case(lambda m: m.Conv1d(4, 6, 3, stride=2, padding=1, groups=2), ((2, 4, 9),)),
    "conv1d_same_circular": Case(lambda m: m.Conv1d(2, 3, 4, padding="same", dilation=2,
                                                    padding_mode="circular"), ((2, 2, 9),)),
    "conv2d_reflect": Case(lambda m: m.Conv2d(2, 3, 3, padding=(1, 2), padding_mode="reflect"),
                           ((2, 2, 5, 6),)),
    "conv2d_replicate": Case(lambda m: m.Conv2d(2, 3, (2, 3), padding=1,
                                                padding_mode="replicate", bias=False),
                             ((1, 2, 4, 4),)),
    "conv3d": Case(lambda m: m.Conv3d(2, 4, (2, 3, 2), stride=(1, 2, 1), padding=1,
                                      dilation=(2, 1, 1)), ((2, 2, 5, 6, 4),), scale=256),
    "conv_transpose1d": Case(lambda m: m.ConvTranspose1d(4, 2, 3, stride=2, padding=1,
                                                         output_padding=1, groups=2),
                             ((2, 4, 5),)),
    "conv_transpose2d": Case(lambda m: m.ConvTranspose2d(3, 4, 4, stride=2, padding=1),
                             ((2, 3, 4, 5),), scale=128),
    "max_pool1d": Case(lambda m: m.MaxPool1d(3, 2, 1), ((2, 3, 8),), "exact", 1),
    "avg_pool1d": Case(lambda m: m.AvgPool1d(3, 2, 1, count_include_pad=False), ((2, 3, 8),),
                       "reduction", 8),
    "adaptive_max_pool2d": Case(lambda m: m.AdaptiveMaxPool2d((3, None)), ((2, 3, 7, 5),),
                                "reduction", 8),
    "group_norm": Case(lambda m: m.GroupNorm(2, 4), ((3, 4, 5),), "composite", 64),
    "instance_norm2d": Case(lambda m: m.InstanceNorm2d(3, affine=True, track_running_stats=True),
                            ((2, 3, 4, 4),), "composite", 64),
    "instance_norm2d_eval": Case(lambda m: m.InstanceNorm2d(3, track_running_stats=True),
                                 ((2, 3, 4, 4),), "composite", 64, eval=True),
    "rms_norm": Case(lambda m: m.RMSNorm((3, 4), eps=1e-5), ((2, 3, 4),), "composite", 64),
    "dropout2d_eval": Case(lambda m: m.Dropout2d(0.5), ((2, 3, 4, 4),), "exact", 1, eval=True),
    "embedding_bag": Case(lambda m: m.EmbeddingBag(10, 3, mode="sum", padding_idx=2),
                          (np.array([[1, 2, 4, 5], [4, 3, 9, 0]]),), "reduction", 16),
    "bilinear": Case(lambda m: m.Bilinear(3, 4, 5), ((6, 3), (6, 4)), "matmul", 64),
    "leaky_relu": Case(lambda m: m.LeakyReLU(0.2), ((3, 5),), "exact", 1),
    "prelu": Case(lambda m: m.PReLU(3), ((2, 3, 4),), "exact", 1),
    "elu": Case(lambda m: m.ELU(0.5), ((3, 5),), "composite", 4),
    "selu": Case(lambda m: m.SELU(), ((3, 5),), "composite", 4),
    "celu": Case(lambda m: m.CELU(2.0), ((3, 5),), "composite", 4),
    "mish": Case(lambda m: m.Mish(), ((3, 5),), "composite", 4),
    "softplus": Case(lambda m: m.Softplus(2.0, 1.0), ((3, 5),), "composite", 4),
    "hardtanh": Case(lambda m: m.Hardtanh(-0.5, 1.5), ((3, 5),), "exact", 1),
    "hardswish": Case(lambda m: m.Hardswish(), ((3, 5),), "composite", 4),
    "relu6": Case(lambda m: m.ReLU6(), ((3, 5),), "exact", 1),
    "upsample": Case(lambda m: m.Upsample(scale_factor=2, mode="bilinear", align_corners=True),
                     ((1, 2, 3, 4),), "composite", 16),
    "upsample_nearest": Case(lambda m: m.Upsample(size=(5, 7)), ((1, 2, 3, 4),), "reduction",
                             8),
    "pixel_shuffle": Case(lambda m: m.PixelShuffle(2), ((1, 8, 2, 3),), "exact", 1),
    "pixel_unshuffle": Case(lambda m: m.PixelUnshuffle(2), ((1, 2, 4, 6),), "exact", 1),
    "unflatten": Case(lambda m: m.Unflatten(1, (2, -1)), ((3, 6),), "exact", 1),
    "unfold": Case(lambda m: m.Unfold(2, padding=1), ((1, 2, 3, 3),), "exact", 4),
    "fold": Case(lambda m: m.Fold((3, 3), 2), ((1, 8, 4),), "reduction", 4),
    "cosine_similarity": Case(lambda m: m.CosineSimilarity(dim=-1), ((3, 4), (3, 4)),
                              "composite", 16),
    "pairwise_distance": Case(lambda m: m.PairwiseDistance(p=3.0), ((3, 4), (3, 4)),
                              "composite", 16),
}


def _torch_layer(case: Case) -> Any:
    torch.manual_seed(0)
    layer = case.make(torch.nn).double()
    with torch.no_grad():  # move parameters and buffers away from their initial values
        for name, t in layer.state_dict().items():
            if t.is_floating_point():
                t.copy_(torch.rand_like(t) + (0.5 if "var" in name else -0.5))
    return layer.eval() if case.eval else layer


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_matches_torch_with_its_weights(backends, name):
    """The state-dict layout and repr are PyTorch's; with torch's weights loaded the
    output, the input gradient, the parameter gradients and the updated buffers (in
    training) are PyTorch's, on every backend."""
    case = CASES[name]
    tl = _torch_layer(case)
    arrays = [_x(s, i) for i, s in enumerate(case.inputs)]
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    t_out = tl(*t_in)
    cot = np.random.default_rng(9).normal(size=t_out.shape)
    (t_out * torch.tensor(cot)).sum().backward()
    t_state = {k: v.detach().numpy() for k, v in tl.state_dict().items()}
    rtol, atol = family_tolerance(case.family, ut.float64, case.scale)
    for b in backends:
        with ut.use_backend(b):
            ul = case.make(nn).double()
            assert repr(ul) == repr(case.make(torch.nn)), f"{b} repr"
            assert [(k, tuple(v.shape)) for k, v in ul.state_dict().items()] == \
                [(k, tuple(v.shape)) for k, v in tl.state_dict().items()]
            torch.manual_seed(0)
            _torch_layer_copy = _torch_layer(case)
            ul.load_state_dict({k: v.detach().numpy()
                                for k, v in _torch_layer_copy.state_dict().items()})
            if case.eval:
                ul.eval()
            u_in = [ut.nn.Parameter(ut.asarray(a)) if a.dtype.kind == "f" else ut.asarray(a)
                    for a in arrays]
            out = ul(*u_in)
            assert_close(out, t_out.detach().numpy(), rtol, atol, msg=f"{b} output")
            ut.sum(out * ut.asarray(cot)).backward()
            for u, t in zip(u_in, t_in):
                if t.grad is not None:
                    assert_close(u.grad, t.grad.numpy(), rtol, atol, msg=f"{b} input grad")
            tgrads = dict(tl.named_parameters())
            for pname, p in ul.named_parameters():
                assert_close(p.grad, tgrads[pname].grad.numpy(), rtol, atol,
                             msg=f"{b} {pname} grad")
            for key, value in ul.state_dict().items():
                assert_close(value, t_state[key], rtol, atol, msg=f"{b} {key} after forward")


INIT_CASES = {
    "Conv1d": (lambda m: m.Conv1d(4, 6, 3, groups=2), ["weight", "bias"], 1 / math.sqrt(6)),
    "Conv3d": (lambda m: m.Conv3d(2, 4, 2), ["weight", "bias"], 1 / math.sqrt(16)),
    "ConvTranspose2d": (lambda m: m.ConvTranspose2d(3, 4, 3), ["weight", "bias"],
                        1 / math.sqrt(36)),
    "Bilinear": (lambda m: m.Bilinear(4, 3, 2), ["weight", "bias"], 1 / math.sqrt(4)),
}


@pytest.mark.parametrize("name", sorted(INIT_CASES))
def test_initialisation_is_pytorchs_and_portable(backends, name):
    make, keys, bound = INIT_CASES[name]
    states = {}
    for b in backends:
        with ut.use_backend(b):
            ut.manual_seed(11)
            states[b] = {k: v.numpy() for k, v in make(nn).state_dict().items()}
            for k in keys:
                v = states[b][k]
                assert np.abs(v).max() <= bound and np.abs(v).max() > 0.5 * bound, (b, k)
    first = states[backends[0]]
    for s in states.values():
        for k in first:
            np.testing.assert_array_equal(s[k], first[k])
    for b in backends:
        with ut.use_backend(b):
            assert nn.PReLU(3, init=0.1).weight.tolist() == pytest.approx([0.1] * 3)
            bag = nn.EmbeddingBag(5, 2, padding_idx=1)
            assert bag.weight[1].tolist() == [0.0, 0.0]
            norm = nn.GroupNorm(2, 4)
            assert norm.weight.tolist() == [1.0] * 4 and norm.bias.tolist() == [0.0] * 4


def test_conv_transpose_output_size(backends):
    torch.manual_seed(0)
    tl = torch.nn.ConvTranspose2d(2, 3, 3, stride=2).double()
    x = np.random.default_rng(1).normal(size=(1, 2, 4, 5))
    for size in [(9, 11), (10, 12), (1, 3, 10, 11)]:
        want = tl(torch.tensor(x), output_size=size).detach().numpy()
        for b in backends:
            with ut.use_backend(b):
                ul = nn.ConvTranspose2d(2, 3, 3, stride=2, dtype=ut.float64)
                ul.load_state_dict({k: v.detach().numpy() for k, v in tl.state_dict().items()})
                assert_close(ul(ut.asarray(x), output_size=size), want, 1e-12, 1e-12)
    same_error(backends, ValueError, lambda: nn.ConvTranspose2d(2, 3, 3, stride=2)(
        ut.ones((1, 2, 4, 5)), output_size=(12, 12)), match="valid sizes range from")


def test_instance_norm_running_stats_in_training_match_torch(backends):
    tl = torch.nn.InstanceNorm2d(3, momentum=0.2, track_running_stats=True).double()
    rng = np.random.default_rng(2)
    batches = [rng.normal(size=(2, 3, 4, 5)) * 3 + 1 for _ in range(3)]
    for x in batches:
        tl(torch.tensor(x))
    for b in backends:
        with ut.use_backend(b):
            ul = nn.InstanceNorm2d(3, momentum=0.2, track_running_stats=True, dtype=ut.float64)
            for x in batches:
                ul(ut.asarray(x))
            assert_close(ul.running_mean, tl.running_mean.numpy(), 1e-13, 1e-13)
            assert_close(ul.running_var, tl.running_var.numpy(), 1e-13, 1e-13)
            ul.eval()
            tl.eval()
            x = batches[0][0]  # unbatched (C, H, W)
            assert_close(ul(ut.asarray(x)), tl(torch.tensor(x)).detach().numpy(), 1e-12,
                         1e-12)
            tl.train()


# ---------------------------------------------------------------------------------------
# parameter containers


def test_parameter_list(backends):
    for b in backends:
        with ut.use_backend(b):
            class Model(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.ws = nn.ParameterList([ut.ones(2), nn.Parameter(ut.zeros(3))])
                    self.ws.append(ut.full((1,), 2.0))

                def forward(self):
                    return sum(ut.sum(w) for w in self.ws)

            m = Model()
            assert [n for n, _ in m.named_parameters()] == ["ws.0", "ws.1", "ws.2"]
            assert all(isinstance(w, nn.Parameter) for w in m.ws)
            assert len(m.ws) == 3 and m.ws[-1].tolist() == [2.0]
            sliced = m.ws[1:]
            assert isinstance(sliced, nn.ParameterList) and len(sliced) == 2
            m.ws[0] = ut.zeros(2)
            assert m.ws[0].tolist() == [0.0, 0.0] and isinstance(m.ws[0], nn.Parameter)
            opt = ut.optim.SGD(m.parameters(), lr=0.5)
            m().backward()
            opt.step()
            assert m.ws[2].tolist() == [1.5]
            assert list(m.state_dict()) == ["ws.0", "ws.1", "ws.2"]
            m.ws += [ut.ones(1)]
            assert len(m.ws) == 4
            text = repr(m.ws)
            assert "(0): Parameter containing: [float32 of size 2]" in text
            with pytest.raises(IndexError):
                m.ws[4]
            with pytest.raises(RuntimeError, match="should not be called"):
                m.ws()


def test_parameter_dict(backends):
    for b in backends:
        with ut.use_backend(b):
            d = nn.ParameterDict({"b": ut.ones(1), "a": ut.zeros(2)})
            assert list(d) == ["a", "b"]  # a plain dict is added in sorted order, as PyTorch
            d.update(OrderedDict([("z", ut.ones(3)), ("c", ut.ones(4))]))
            assert list(d.keys()) == ["a", "b", "z", "c"]
            assert [n for n, _ in d.named_parameters()] == ["a", "b", "z", "c"]
            assert "z" in d and len(d) == 4 and isinstance(d["z"], nn.Parameter)
            assert d.pop("z").shape == (3,) and "z" not in d
            assert d.get("missing") is None and d.setdefault("e", ut.ones(1)).shape == (1,)
            del d["e"]
            assert d.popitem()[0] == "c"
            copy = d.copy()
            assert copy["a"] is d["a"]
            assert list(d.fromkeys(["x", "y"], ut.zeros(1))) == ["x", "y"]
            d.clear()
            assert len(d) == 0 and list(d.parameters()) == []
            with pytest.raises(TypeError, match="strings"):
                d[1] = ut.ones(1)
            with pytest.raises(KeyError):
                d["nope"]


def test_parameter_containers_load_torchs_state_dict(backends):
    torch.manual_seed(0)
    tl = torch.nn.ParameterList([torch.nn.Parameter(torch.randn(2, 3)),
                                 torch.nn.Parameter(torch.randn(4))])
    td = torch.nn.ParameterDict({"w": torch.nn.Parameter(torch.randn(3))})
    for b in backends:
        with ut.use_backend(b):
            ul = nn.ParameterList([ut.zeros((2, 3)), ut.zeros(4)])
            ul.load_state_dict({k: v.detach() for k, v in tl.state_dict().items()})
            assert_close(ul[0], tl[0].detach().numpy(), 0, 0)
            ud = nn.ParameterDict({"w": ut.zeros(3)})
            ud.load_state_dict({k: v.detach() for k, v in td.state_dict().items()})
            assert_close(ud["w"], td["w"].detach().numpy(), 0, 0)


# ---------------------------------------------------------------------------------------
# errors

ERRORS = [
    (ValueError, lambda: nn.GroupNorm(3, 4), "divisible by num_groups"),
    (ValueError, lambda: nn.Hardtanh(1.0, 0.5), "must be greater than min_val"),
    (ValueError, lambda: nn.ConvTranspose1d(2, 2, 3, padding="same"), "padding must be"),
    (ValueError, lambda: nn.Conv3d(2, 2, 3, padding="full"), "invalid padding string"),
    (ValueError, lambda: nn.Conv1d(3, 2, 3, groups=2), "in_channels must be divisible"),
    (TypeError, lambda: nn.Conv3d(2, 2, (1, 2)), "triple of ints"),
    (NotImplementedError, lambda: nn.MaxPool1d(2, return_indices=True), "return_indices"),
    (NotImplementedError, lambda: nn.AdaptiveMaxPool2d(2, return_indices=True),
     "return_indices"),
    (NotImplementedError, lambda: nn.EmbeddingBag(4, 2, max_norm=1.0), "max_norm"),
    (ValueError, lambda: nn.EmbeddingBag(4, 2, mode="median"), "sum, mean or max"),
    (ut.ShapeError, lambda: nn.Unflatten(1, (4, 4))(ut.ones((2, 6))), "does not fit"),
    (ut.ShapeError, lambda: nn.InstanceNorm2d(3, affine=True)(ut.ones((1, 4, 2, 2))),
     "expected 3 channels"),
    (ut.ShapeError, lambda: nn.InstanceNorm2d(3)(ut.ones((4, 2))), "3D or 4D"),
]


@pytest.mark.parametrize("exc, fn, match", ERRORS, ids=[f"{e[0].__name__}-{i}"
                                                         for i, e in enumerate(ERRORS)])
def test_bad_input_raises_one_message(backends, exc, fn, match):
    same_error(backends, exc, fn, match=match)


def test_compiled_training_step_matches_eager(backend):
    """A model of the new layers trains the same eagerly and inside ut.compile
    (tf.function / torch.compile)."""
    rng = np.random.default_rng(5)
    x = rng.normal(size=(8, 3, 16)).astype(np.float32)
    y = rng.integers(0, 4, 8)
    runs = []
    for compiled in (False, True):
        ut.manual_seed(0)
        model = nn.Sequential(
            nn.Conv1d(3, 8, 3, padding=1, padding_mode="reflect"), nn.GroupNorm(2, 8),
            nn.LeakyReLU(0.1), nn.MaxPool1d(2), nn.Upsample(scale_factor=2, mode="linear"),
            nn.AvgPool1d(2), nn.ConvTranspose1d(8, 4, 2, stride=2), nn.Mish(), nn.Flatten(),
            nn.Linear(64, 4))
        opt = ut.optim.NAdam(model.parameters(), lr=0.01)
        xs, ys = ut.asarray(x), ut.asarray(y)

        def step(model=model, opt=opt, xs=xs, ys=ys):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xs), ys)
            loss.backward()
            opt.step()
            return loss

        run = ut.compile(step) if compiled else step
        runs.append(np.array([float(run()) for _ in range(5)]))
    rtol, atol = family_tolerance("training", ut.float32, 5)
    assert_close(runs[1], runs[0], rtol, atol)
