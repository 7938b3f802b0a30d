"""``import unitorch.torch as torch``: its functions against PyTorch's, its submodules,
the errors for names it lacks (the same on every backend), ``torch.save``/``load`` in
the safe format, the device queries, and that importing it imports no framework."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from torch_compat import front_door, real_torch, same_as_torch, same_error_as_torch

import unitorch as ut

A = np.array([[3.0, -1.0, 2.0], [0.5, 5.0, -7.0]], dtype=np.float32)
B = np.array([[1.0, 2.0, 2.0], [0.5, 4.0, -7.0]], dtype=np.float32)
ROOT = Path(__file__).resolve().parent.parent


def test_reductions_with_positional_dims(backends):
    same_as_torch(backends, lambda torch, x: (
        torch.sum(x, 1, True), torch.sum(x, dim=(0, 1)), torch.mean(x, 0),
        torch.prod(x, 1), torch.amax(x, 0), torch.amin(x, (0, 1)), torch.argmax(x, 1, True),
        torch.argmin(x), torch.all(x > -8, 1), torch.any(x > 4), torch.cumsum(x, 1),
        torch.cumprod(x, 0), torch.logsumexp(x, 1), torch.std(x, 0), torch.var(x),
        torch.std_mean(x, 1), torch.var_mean(x, 0, unbiased=False), torch.count_nonzero(x),
        torch.max(x), torch.max(x, 1), torch.min(x, 0, keepdim=True), torch.median(x, 1),
        torch.sort(x, 1, True), torch.argsort(x, 1), torch.topk(x, 2), torch.kthvalue(x, 1)),
        A, family="composite", scale=6)


def test_joins_selections_and_shapes(backends):
    same_as_torch(backends, lambda torch, x, y: (
        torch.cat([x, y]), torch.cat((x, y), 1), torch.concat([x, y], dim=1),
        torch.stack([x, y], 1), torch.split(x, 2, 1), torch.chunk(x, 2, 1),
        torch.unbind(x, 1), torch.flatten(x), torch.flatten(x, 1), torch.squeeze(x[None], 0),
        torch.squeeze(x, 0), torch.unsqueeze(x, 1), torch.transpose(x, 0, 1),
        torch.permute(x, (1, 0)), torch.movedim(x, 0, 1), torch.reshape(x, (3, 2)),
        torch.t(x), torch.narrow(x, 1, 0, 2), torch.flip(x, [0]), torch.roll(x, 1, 1),
        torch.roll(x, shifts=(1, 1), dims=(0, 1)), torch.tile(x, (2,)),
        torch.repeat_interleave(x, 2, 0), torch.broadcast_to(x[0], (2, 3)),
        torch.broadcast_tensors(x, y[:1]), torch.gather(x, 1, torch.tensor([[0], [2]])),
        torch.take(x, torch.tensor([0, 5])), torch.index_select(x, 1, torch.tensor([2, 0])),
        torch.masked_select(x, x > 0), torch.where(x > 0, x, y), torch.where(x > 0),
        torch.where(x > 0, x, 0.0), torch.tril(x), torch.triu(x, 1), torch.diag(x),
        torch.diag(x[0], 1), torch.diag(x[0], -1), torch.meshgrid(x[0], y[1]),
        torch.meshgrid(x[0], y[1], indexing="xy"), torch.nonzero(x > 1),
        torch.unique(torch.tensor([3, 1, 3])), torch.einsum("ij,kj->ik", x, y)),
        A, B, family="matmul", scale=3)


def test_elementwise_and_comparisons(backends):
    same_as_torch(backends, lambda torch, x, y: (
        torch.add(x, y, alpha=2), torch.sub(x, y), torch.mul(x, 2), torch.div(x, y),
        torch.div(x, y, rounding_mode="floor"), torch.true_divide(x, 2), torch.pow(x, 2),
        torch.remainder(x, 2), torch.floor_divide(x, 2), torch.abs(x), torch.neg(x),
        torch.clamp(x, -1, 1), torch.clamp(x, min=0), torch.maximum(x, y),
        torch.minimum(x, y), torch.sqrt(torch.abs(x)), torch.sigmoid(x), torch.tanh(x),
        torch.relu(x), torch.softmax(x, 1), torch.log_softmax(x, 0), torch.round(x * 1.37, decimals=1),
        torch.sign(x), torch.exp(x), torch.eq(x, y), torch.ne(x, y), torch.gt(x, y),
        torch.ge(x, 0), torch.lt(x, y), torch.le(x, y), torch.equal(x, x),
        torch.equal(x, y), torch.equal(x, x[0]), torch.isclose(x, y), torch.isclose(
            x, x + 1e-6), torch.allclose(x, x + 1e-7), torch.allclose(x, y),
        torch.allclose(torch.tensor([float("nan")]), torch.tensor([float("nan")]),
                       equal_nan=True), torch.isclose(torch.tensor([float("inf")]),
                                                      torch.tensor([float("inf")])),
        torch.addcmul(x, x, y, value=0.5), torch.addcdiv(x, x, y), torch.lerp(x, y, 0.5),
        torch.matmul(x, y.T), torch.mm(x, y.T), torch.dot(x[0], y[0]), torch.outer(
            x[0], y[0]), torch.norm(x), torch.trace(x[:, :2]), torch.numel(x),
        torch.is_tensor(x), torch.is_tensor(1), torch.is_floating_point(x),
        torch.is_complex(x), torch.searchsorted(torch.tensor([1.0, 3.0, 5.0]),
                                                torch.tensor([3.0, 4.0]), right=True),
        torch.tensordot(x, y.T, dims=1)),
        A, B, family="composite", scale=3)


def test_the_result_of_the_documented_example_matches_pytorch(backends):
    same_as_torch(backends, lambda torch, x: (torch.max(x, 1).indices, x.std(), x.size(0)),
                  A, family="composite", scale=6)


# ---------------------------------------------------------------------------------------
# submodules


def test_nn_optim_and_schedulers_re_export_the_core_wholesale():
    torch = front_door()
    core = {n for n in dir(ut.nn) if not n.startswith("_") and n != "annotations"}
    assert core <= set(dir(torch.nn)) and all(getattr(torch.nn, n) is getattr(ut.nn, n)
                                              for n in core - {"functional", "init", "utils"})
    for ours, theirs in ((torch.nn.functional, ut.nn.functional), (torch.nn.init, ut.nn.init),
                         (torch.nn.utils, ut.nn.utils), (torch.optim, ut.optim),
                         (torch.optim.lr_scheduler, ut.optim.lr_scheduler)):
        for name in theirs.__all__:
            if name != "lr_scheduler":
                assert getattr(ours, name) is getattr(theirs, name), name
    import unitorch.torch.nn.functional as F  # the import spellings of PyTorch programs
    from unitorch.torch.optim.lr_scheduler import StepLR
    from unitorch.torch.utils.data.dataloader import DataLoader

    assert F.relu is ut.nn.functional.relu and StepLR is ut.optim.lr_scheduler.StepLR
    assert issubclass(DataLoader, ut.data.DataLoader)


def test_device_queries(backend):
    torch = front_door()
    gpus = sum(1 for d in ut.backends.current().devices() if d.type == "gpu")
    assert torch.cuda.is_available() == (gpus > 0) == torch.accelerator.is_available()
    assert torch.cuda.device_count() == gpus == torch.accelerator.device_count()
    assert (torch.accelerator.current_accelerator() is None) == (gpus == 0)
    assert torch.backends.mps.is_available() is False
    assert torch.backends.cudnn.is_available() == (gpus > 0)
    torch.cuda.manual_seed_all(0)
    torch.cuda.synchronize()
    torch.cuda.empty_cache()
    if gpus == 0:
        with pytest.raises(ut.DeviceError):
            torch.cuda.current_device()


def test_backend_flags(clean_state):
    torch = front_door()
    torch.backends.cudnn.benchmark = True
    torch.backends.cudnn.deterministic = True
    assert torch.backends.cudnn.benchmark and torch.backends.cudnn.deterministic
    torch.backends.cuda.matmul.allow_tf32 = True
    assert ut.get_matmul_precision() == "high" and torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = False
    assert ut.get_matmul_precision() == "highest"


def test_compile_a_function_and_a_module(backend):
    torch = front_door()
    f = torch.compile(lambda x: (x * x).sum())
    assert f(torch.tensor([1.0, 2.0])).item() == 5.0
    model = torch.nn.Linear(3, 2)
    x = torch.ones(4, 3)
    eager = model(x).numpy()
    assert torch.compile(model) is model
    np.testing.assert_allclose(model(x).numpy(), eager, rtol=1e-6)


# ---------------------------------------------------------------------------------------
# save and load


def test_save_and_load_nested_state_to_paths_and_file_objects(backends, tmp_path):
    torch = front_door()
    for name in backends:
        with ut.use_backend(name):
            model = torch.nn.Linear(3, 2)
            state = {"model": model.state_dict(), "epoch": 3, "losses": [0.5, 0.25],
                     "extra": (torch.arange(3), None, "text")}
            torch.save(state, tmp_path / f"{name}.pt")
            buffer = io.BytesIO()
            torch.save(state, buffer)
            with open(tmp_path / f"{name}-f.pt", "wb") as f:
                torch.save(model.state_dict(), f)
        for other in backends:  # written on one backend, read on either
            with ut.use_backend(other):
                back = torch.load(tmp_path / f"{name}.pt", weights_only=True)
                buffer.seek(0)
                again = torch.load(buffer, map_location="cpu")
                with open(tmp_path / f"{name}-f.pt", "rb") as f:
                    weights = torch.load(f, weights_only=False)
                fresh = torch.nn.Linear(3, 2)
                fresh.load_state_dict(weights)
                assert back["epoch"] == 3 and back["losses"] == [0.5, 0.25]
                assert back["extra"][1:] == (None, "text")
                assert back["extra"][0].tolist() == [0, 1, 2]
                assert again["model"]["weight"].backend == other
                np.testing.assert_array_equal(fresh.weight.detach().numpy(),
                                              model.weight.detach().numpy())
                assert torch.load(tmp_path / f"{name}.pt",
                                  map_location={"cuda:0": "cpu"})["epoch"] == 3


def test_saving_a_whole_module_is_refused_with_the_way_out(backends, tmp_path):
    def whole(torch):
        torch.save(torch.nn.Linear(2, 2), str(tmp_path / "model.pt"))

    torch = front_door()
    for name in backends:
        with ut.use_backend(name), pytest.raises(TypeError, match=r"(?i)save model.state_dict\(\)"):
            whole(torch)
    assert not (tmp_path / "model.pt").exists()


def test_loading_a_pytorch_pickle_is_refused(tmp_path):
    real = real_torch()
    real.save({"w": real.ones(2)}, tmp_path / "pickle.pt")
    with pytest.raises(ValueError, match="pickle"):
        front_door().load(tmp_path / "pickle.pt")


# ---------------------------------------------------------------------------------------
# names unitorch lacks


@pytest.mark.parametrize("path,kind", [
    ("stft", NotImplementedError), ("cdist", NotImplementedError),
    ("nn.utils.spectral_norm", NotImplementedError), ("jit", AttributeError),
    ("distributed", AttributeError), ("no_such_function", AttributeError),
    ("nn.NoSuchLayer", AttributeError), ("utils.data.DistributedSampler", AttributeError),
    ("cuda.Stream", AttributeError), ("optim.SparseAdam", AttributeError),
    ("autograd.functional", AttributeError), ("nn.functional.no_such", AttributeError),
])
def test_missing_names_raise_naming_the_pytorch_name(backends, path, kind):
    parts = path.split(".")
    messages = set()
    for name in backends:
        with ut.use_backend(name):
            with pytest.raises(kind) as info:
                obj = front_door()
                for p in parts:
                    obj = getattr(obj, p)
                obj(1)  # a known function is there, and raises when called
            messages.add(str(info.value))
    assert len(messages) == 1
    message = messages.pop()
    assert f"torch.{path}" in message
    assert "unitorch does not implement" in message


def test_a_known_missing_function_exists_for_hasattr_and_import():
    torch = front_door()
    assert hasattr(torch, "stft") and not hasattr(torch, "jit")
    from unitorch.torch import cdist  # noqa: F401  (fails only when called)

    with pytest.raises(ImportError):
        from unitorch.torch import no_such_function  # noqa: F401


def test_unsupported_onnx_options_raise(backend, tmp_path):
    torch = front_door()
    with pytest.raises(NotImplementedError, match="only the batch axis"):
        torch.onnx.export(torch.nn.Linear(2, 2), torch.ones(1, 2), str(tmp_path / "m.onnx"),
                          dynamic_axes={"input": {1: "features"}})


def test_onnx_export_runs_in_onnxruntime(backend, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    ort = pytest.importorskip("onnxruntime")
    torch = front_door()
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(), torch.nn.Linear(4, 2))
    x = torch.randn(5, 3)
    path = str(tmp_path / "m.onnx")
    torch.onnx.export(model, (x,), path, input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "batch"}, "y": {0: "batch"}})
    buffer = io.BytesIO()
    torch.onnx.export(model, x, buffer)
    assert buffer.getvalue() == open(path, "rb").read() or len(buffer.getvalue()) > 100
    out = ort.InferenceSession(path).run(None, {"x": x.numpy()})[0]
    np.testing.assert_allclose(out, model(x).detach().numpy(), rtol=1e-5, atol=1e-6)


# ---------------------------------------------------------------------------------------
# import isolation


@pytest.mark.parametrize("backend_name,other", [("torch", "tensorflow"),
                                                ("tensorflow", "torch")])
def test_importing_the_front_door_imports_no_other_framework(backend_name, other):
    if backend_name not in ut.available_backends():
        pytest.skip(f"{backend_name} not installed")
    code = ("import sys, unitorch.torch as torch, unitorch.torch.nn as nn, "
            "unitorch.torch.utils.data as data\n"
            "assert 'torch' not in sys.modules and 'tensorflow' not in sys.modules, 'eager'\n"
            "x = torch.ones(2, requires_grad=True)\n"
            "loader = data.DataLoader(data.TensorDataset(torch.ones((4, 2))), batch_size=2)\n"
            "[b for b in loader]\n"
            f"assert {other!r} not in sys.modules, sorted(m for m in sys.modules if "
            f"m.startswith({other!r}))\n")
    env = dict(os.environ, UNITORCH_BACKEND=backend_name,
               PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]


def test_version_and_size():
    torch = front_door()
    assert torch.__version__.endswith("+unitorch")
    assert torch.Size([2, 3]) == (2, 3) and torch.Size([2, 3]).numel() == 6
    assert torch.zeros(2, 3).size() == torch.Size([2, 3])


def test_missing_is_the_same_error_as_on_other_names(backends):
    same_error_as_torch(backends, lambda torch: torch.tensor([1, 2]).max(5),
                        exc=(IndexError,))


def test_module_hooks_and_lookups_as_pytorch(backends):
    def run(torch, x):
        torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(),
                                    torch.nn.Linear(4, 2))
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.linspace(-1, 1, p.numel()).reshape(p.shape))
        seen = []
        h1 = model[0].register_forward_hook(lambda m, args, out: seen.append(out.sum()))
        h2 = model[2].register_forward_hook(lambda m, args, out: out * 2)
        h3 = model.register_forward_pre_hook(lambda m, args: (args[0] + 1,))
        h4 = model[1].register_forward_pre_hook(lambda m, args, kwargs: ((args[0] - 0.5,), {}),
                                                with_kwargs=True)
        hooked = model(x)
        for h in (h1, h2, h3, h4):
            h.remove()
        plain = model(x)
        return (hooked, plain, seen[0], len(seen), model.get_parameter("2.bias"),
                model.get_submodule("0").out_features, model.cpu() is model,
                model.double()[0].weight.dtype, model.float()[0].weight.dtype)

    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    same_as_torch(backends, run, x, family="composite", scale=4)
