"""The mixed TensorFlow + PyTorch workflow of ``examples/mixed_workflow.py``, end to end:
tf.data preprocessing, training on the torch backend, a portable checkpoint loaded on
the TensorFlow backend, a SavedModel and an ONNX file, predictions from both.

The predictions of every stage must equal the trained model's.  Tolerance: the "matmul"
family scaled by the dot-product lengths along the model (a 3x3 convolution over one
channel, then a Linear over 128 features) and the magnitude of the logits: each stage
runs the same float32 formulas with other kernels (torch, TensorFlow, ONNX Runtime).
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pytest

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

pytest.importorskip("torch")
pytest.importorskip("tensorflow")
pytest.importorskip("onnxruntime")
pytest.importorskip("onnxscript")

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "mixed_workflow.py"


def load_example():
    spec = importlib.util.spec_from_file_location("mixed_workflow", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mixed_workflow(tmp_path):
    example = load_example()
    result = example.run(str(tmp_path), epochs=3)

    losses = result["losses"]
    assert losses[-1] < losses[0] / 2, losses  # it trained
    assert result["accuracy"] >= 0.8
    for path in ("checkpoint", "saved_model_dir", "onnx_path"):
        assert os.path.exists(result[path]), path

    trained = result["trained"].astype(np.float64)
    assert trained.shape == (10, example.CLASSES)
    k = 9 + 8 * (example.SIZE // 2) ** 2
    rtol, atol = family_tolerance("matmul", ut.float32, k * max(1.0, np.abs(trained).max()))
    for stage in ("tensorflow", "saved_model", "onnx"):
        assert_close(result[stage].astype(np.float64), trained, rtol, atol, msg=stage)
    # the same decisions everywhere
    for stage in ("tensorflow", "saved_model", "onnx"):
        assert (result[stage].argmax(-1) == trained.argmax(-1)).all(), stage


def test_preprocessing_matches_tf_data():
    """The NumPy preprocessing used for serving equals the tf.data pipeline's."""
    example = load_example()
    images, labels = example.make_images(5, seed=3)
    (xb, yb), = list(example.tf_pipeline(images, labels, 5).as_numpy_iterator())
    assert_close(xb, example.preprocess_numpy(images), 0, 0)
    assert (yb == labels).all()
