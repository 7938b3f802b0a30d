"""The mixed TensorFlow + PyTorch workflow, end to end, with one model definition.

What teams do by hand, here in ~100 lines:

1. preprocess data with ``tf.data`` (map, normalize, batch);
2. train on the **torch** backend (``ut.use_backend("torch")``) with a unitorch model,
   feeding the ``tf.data`` pipeline straight into ``ut.data.DataLoader``;
3. save a portable checkpoint (``ut.save``: a safetensors file);
4. load it on the **TensorFlow** backend into the same model definition;
5. export a TensorFlow SavedModel (for TF Serving) and an ONNX file;
6. predict with both exports, and check the predictions equal the trained model's.

Run it: ``python examples/mixed_workflow.py [output_dir]``.  It takes a few seconds
(tiny synthetic data, a few dozen steps) and prints the largest differences.
``run()`` returns the arrays, for the tests (``tests/test_mixed_workflow.py``).
"""

from __future__ import annotations

import os
import sys
import tempfile
from typing import Any

import numpy as np

import unitorch as ut

SIZE = 8  # images are 1 x SIZE x SIZE
CLASSES = 3


def make_images(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic uint8 images (N, H, W): horizontal stripes, vertical stripes or a
    checkerboard (classes 0, 1, 2), with noise."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, CLASSES, n)
    i, j = np.indices((SIZE, SIZE))
    patterns = np.stack([(i % 2), (j % 2), ((i + j) % 2)]).astype(np.float64) * 160
    images = patterns[labels] + rng.normal(40, 30, (n, SIZE, SIZE))
    return np.clip(images, 0, 255).astype(np.uint8), labels.astype(np.int64)


def tf_pipeline(images: np.ndarray, labels: np.ndarray, batch_size: int) -> Any:
    """The tf.data preprocessing: uint8 -> float32 in [0, 1], standardized, with a
    channel axis (NCHW, unitorch's layout), batched."""
    import tensorflow as tf

    def preprocess(image: Any, label: Any) -> tuple[Any, Any]:
        x = tf.cast(image, tf.float32) / 255.0
        x = (x - 0.5) / 0.25
        return x[tf.newaxis], label  # (1, H, W)

    ds = tf.data.Dataset.from_tensor_slices((images, labels))
    return ds.map(preprocess).batch(batch_size)


def preprocess_numpy(images: np.ndarray) -> np.ndarray:
    """The same preprocessing without TensorFlow (what a serving client sends)."""
    x = images.astype(np.float32) / np.float32(255.0)
    return ((x - np.float32(0.5)) / np.float32(0.25))[:, np.newaxis]


def build_model() -> ut.nn.Module:
    """One model definition, used on both backends."""
    return ut.nn.Sequential(
        ut.nn.Conv2d(1, 8, 3, padding=1),
        ut.nn.BatchNorm2d(8),
        ut.nn.ReLU(),
        ut.nn.MaxPool2d(2),
        ut.nn.Flatten(),
        ut.nn.Dropout(0.1),
        ut.nn.Linear(8 * (SIZE // 2) ** 2, CLASSES),
    )


def train(batches: Any, epochs: int) -> tuple[ut.nn.Module, list[float]]:
    """Train on the torch backend; returns the model and the epoch losses."""
    with ut.use_backend("torch"):
        ut.manual_seed(0)
        model = build_model()
        optimizer = ut.optim.Adam(model.parameters(), lr=0.01)
        loss_fn = ut.nn.CrossEntropyLoss()
        losses = []
        for _ in range(epochs):
            total, count = 0.0, 0
            for xb, yb in ut.data.DataLoader(batches):
                loss = loss_fn(model(xb), yb)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total, count = total + float(loss), count + 1
            losses.append(total / count)
        return model.eval(), losses


def run(out_dir: str | None = None, epochs: int = 3) -> dict[str, Any]:
    """The whole workflow; returns the predictions of every stage (logits on the same
    test images) and the paths written."""
    import onnxruntime as ort
    import tensorflow as tf

    out_dir = out_dir or tempfile.mkdtemp(prefix="unitorch_mixed_")
    train_images, train_labels = make_images(256, seed=1)
    test_images, test_labels = make_images(10, seed=2)
    x_test = preprocess_numpy(test_images)

    # 1-2. tf.data preprocessing, training on the torch backend
    model, losses = train(tf_pipeline(train_images, train_labels, 32), epochs)
    with ut.use_backend("torch"):
        trained = model(ut.asarray(x_test)).numpy()

    # 3. a portable checkpoint
    checkpoint = os.path.join(out_dir, "model.safetensors")
    with ut.use_backend("torch"):
        ut.save(model.state_dict(), checkpoint)

    # 4. loaded on the TensorFlow backend, into the same definition
    with ut.use_backend("tensorflow"):
        tf_model = build_model()
        tf_model.load_state_dict(ut.load(checkpoint))
        tf_model.eval()
        on_tensorflow = tf_model(ut.asarray(x_test)).numpy()

        # 5. exports, from the TensorFlow-backend model
        saved_dir = os.path.join(out_dir, "saved_model")
        ut.export.saved_model(tf_model, saved_dir, [((None, 1, SIZE, SIZE), "float32")])
        onnx_path = ut.export.onnx(tf_model, x_test[:2], os.path.join(out_dir, "model.onnx"))

    # 6. predictions from the exports (a batch size other than the ONNX example's)
    loaded = tf.saved_model.load(saved_dir)  # keep it referenced while serving
    serve = loaded.signatures["serving_default"]
    from_saved_model = serve(input_0=tf.constant(x_test))["output_0"].numpy()
    session = ort.InferenceSession(onnx_path)
    from_onnx = session.run(None, {"input_0": x_test})[0]

    accuracy = float(np.mean(trained.argmax(-1) == test_labels))
    return {"losses": losses, "trained": trained, "tensorflow": on_tensorflow,
            "saved_model": from_saved_model, "onnx": from_onnx, "accuracy": accuracy,
            "checkpoint": checkpoint, "saved_model_dir": saved_dir, "onnx_path": onnx_path}


def main() -> None:
    result = run(sys.argv[1] if len(sys.argv) > 1 else None)
    print("epoch losses:", " ".join(f"{v:.4f}" for v in result["losses"]))
    print(f"test accuracy of the trained model: {result['accuracy']:.0%}")
    for stage in ("tensorflow", "saved_model", "onnx"):
        diff = np.max(np.abs(result[stage] - result["trained"]))
        print(f"{stage:>12}: largest difference from the trained model's logits {diff:.2e}")
    print("written:", result["checkpoint"], result["saved_model_dir"], result["onnx_path"])


if __name__ == "__main__":
    main()
