"""Exports for serving: ``ut.export.onnx``, ``ut.export.saved_model``, ``ut.export.torch``.

A model built (and given non-trivial BatchNorm statistics) on each backend is exported
with an example batch of 2, loaded back by the consumer of each format (ONNX Runtime,
``tf.saved_model.load(...).signatures["serving_default"]``, ``torch.export.load``) and
run on a batch of 5: the outputs must equal the unitorch model's.  Tolerance: the
"matmul" family scaled by the dot-product lengths along the path and the magnitude of
the outputs (the exported graphs run the same float32 formulas with other kernels).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

import unitorch as ut
from unitorch.nn.convert import RNNOutput, UnsupportedLayerError
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")


def close(actual, expected, k, msg=""):
    expected = np.asarray(expected, dtype=np.float64)
    scale = k * max(1.0, float(np.abs(expected).max()))
    rtol, atol = family_tolerance("matmul", ut.float32, scale)
    assert_close(np.asarray(actual, np.float64), expected, rtol, atol, msg=msg)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def cnn():
    ut.manual_seed(0)
    model = ut.nn.Sequential(
        ut.nn.Conv2d(3, 4, 3, padding=1), ut.nn.BatchNorm2d(4), ut.nn.ReLU(),
        ut.nn.MaxPool2d(2), ut.nn.Flatten(), ut.nn.Dropout(0.5), ut.nn.Linear(64, 6),
        ut.nn.GELU(), ut.nn.LayerNorm(6), ut.nn.Linear(6, 3), ut.nn.LogSoftmax(dim=-1))
    model.train()
    model(ut.asarray(rand(16, 3, 8, 8, seed=1)))  # running statistics that matter
    return model.eval()


K_CNN = 27 + 64 + 6


def serve_saved_model(path, **inputs):
    loaded = tf.saved_model.load(path)  # must stay referenced while its function runs
    fn = loaded.signatures["serving_default"]
    return {k: v.numpy() for k, v in fn(**{k: tf.constant(v) for k, v in inputs.items()}
                                        ).items()}


def test_all_exports_of_a_cnn(backend, tmp_path):
    model = cnn()
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    x2, x5 = rand(2, 3, 8, 8, seed=2), rand(5, 3, 8, 8, seed=3)
    expected = model(ut.asarray(x5)).numpy()

    path = ut.export.onnx(model, ut.asarray(x2), tmp_path / "m.onnx")
    onnx.checker.check_model(path)
    session = ort.InferenceSession(path)
    (inp,) = session.get_inputs()
    assert inp.name == "input_0" and isinstance(inp.shape[0], str)  # a symbolic batch
    close(session.run(None, {"input_0": x5})[0], expected, K_CNN, "onnx")

    ut.export.saved_model(model, tmp_path / "saved", [((None, 3, 8, 8), ut.float32)])
    out = serve_saved_model(str(tmp_path / "saved"), input_0=x5)
    assert list(out) == ["output_0"]
    close(out["output_0"], expected, K_CNN, "saved_model")

    ut.export.torch(model, x2, tmp_path / "m.pt2")
    program = torch.export.load(str(tmp_path / "m.pt2"))
    close(program.module()(torch.from_numpy(x5)).numpy(), expected, K_CNN, "torch.export")

    # the model itself is untouched: same mode, same weights, same backend
    assert model.training is False and model[0].weight.backend == backend
    for k, v in model.state_dict().items():
        assert_close(v.numpy(), before[k], 0, 0, msg=k)


def test_recurrent_exports(tmp_path):
    with ut.use_backend("tensorflow"):  # trained on TensorFlow, exported everywhere
        ut.manual_seed(1)
        model = ut.nn.Sequential(ut.nn.Embedding(9, 4), ut.nn.LSTM(4, 5, batch_first=True),
                                 RNNOutput(), ut.nn.Linear(5, 2))
        x2 = np.random.default_rng(4).integers(0, 9, (2, 6))
        x5 = np.random.default_rng(5).integers(0, 9, (5, 6))
        expected = model(ut.asarray(x5)).numpy()
        path = ut.export.onnx(model, x2, tmp_path / "r.onnx")
        session = ort.InferenceSession(path)
        close(session.run(None, {"input_0": x5})[0], expected, 6 * 9 + 5, "onnx")
        ut.export.torch(model, x2, tmp_path / "r.pt2")
        program = torch.export.load(str(tmp_path / "r.pt2"))
        close(program.module()(torch.from_numpy(x5)).numpy(), expected, 6 * 9 + 5, "pt2")
        # a dynamic batch: the recurrent layers trace with an unknown batch size
        ut.export.saved_model(model, tmp_path / "r_saved", [tf.TensorSpec((None, 6), tf.int64)])
        out = serve_saved_model(str(tmp_path / "r_saved"), input_0=x5)
        close(out["output_0"], expected, 6 * 9 + 5, "saved_model")
        ut.export.saved_model(model, tmp_path / "r_static", [((5, 6), "int64")])
        out = serve_saved_model(str(tmp_path / "r_static"), input_0=x5)
        close(out["output_0"], expected, 6 * 9 + 5, "saved_model, static batch")


class Residual(ut.nn.Module):
    """A custom module: its forward is unitorch code, not a chain of layers."""

    def __init__(self):
        super().__init__()
        self.fc1 = ut.nn.Linear(4, 4)
        self.fc2 = ut.nn.Linear(4, 4)

    def forward(self, x, scale):
        h = x + self.fc2(ut.nn.functional.relu(self.fc1(x)))
        return h * scale, ut.sum(h, axis=-1)


def test_saved_model_of_a_custom_module(backend, tmp_path):
    ut.manual_seed(2)
    model = Residual()
    x, s = rand(5, 4, seed=6), rand(5, 1, seed=7)
    expected = model(ut.asarray(x), ut.asarray(s))
    ut.export.saved_model(model, tmp_path / "custom",
                          [((None, 4), "float32"), tf.TensorSpec((None, 1), tf.float32)])
    out = serve_saved_model(str(tmp_path / "custom"), input_0=x, input_1=s)
    assert sorted(out) == ["output_0", "output_1"]
    close(out["output_0"], expected[0].numpy(), 8, "output_0")
    close(out["output_1"], expected[1].numpy(), 12, "output_1")
    # ONNX and torch.export go through to_torch, which refuses custom modules by name
    with pytest.raises(UnsupportedLayerError, match="Residual"):
        ut.export.onnx(model, (x, s), tmp_path / "custom.onnx")
    with pytest.raises(UnsupportedLayerError, match="Residual"):
        ut.export.torch(model, (x, s))
    assert not os.path.exists(tmp_path / "custom.onnx")


def test_onnx_legacy_exporter_and_batch_of_one(tmp_path):
    with ut.use_backend("torch"):
        ut.manual_seed(3)
        model = ut.nn.Sequential(ut.nn.Linear(3, 4), ut.nn.Tanh(), ut.nn.Linear(4, 2))
        x1, x7 = rand(1, 3, seed=8), rand(7, 3, seed=9)
        expected = model(ut.asarray(x7)).numpy()
        path = ut.export.onnx(model, x1, tmp_path / "legacy.onnx", dynamo=False,
                              input_names=["features"], output_names=["logits"])
        session = ort.InferenceSession(path)
        assert [o.name for o in session.get_outputs()] == ["logits"]
        close(session.run(None, {"features": x7})[0], expected, 8, "legacy exporter")
        # an example batch of 1 still gives a program for any batch
        program = ut.export.torch(model, ut.asarray(x1))
        close(program.module()(torch.from_numpy(x7)).numpy(), expected, 8, "torch.export")


def test_saved_model_signature_errors(tmp_path):
    with ut.use_backend("tensorflow"):
        model = ut.nn.Linear(3, 2)
        with pytest.raises(TypeError, match="input_signature entries"):
            ut.export.saved_model(model, tmp_path / "bad", [(None, 3)])
