"""TensorBoard logs: the event files ``fit(log_dir=...)`` writes are read back by
TensorBoard's own loader (``EventAccumulator``) with the History's values, and writing
them never imports the other framework (checked in fresh processes)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import unitorch as ut
from unitorch.train.tensorboard import EventFileWriter, crc32c, masked_crc32c

event_accumulator = pytest.importorskip(
    "tensorboard.backend.event_processing.event_accumulator",
    reason="the tensorboard package (pip install unitorch[tensorboard]) reads the files")


def read(log_dir):
    acc = event_accumulator.EventAccumulator(str(log_dir), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def test_crc32c():
    assert crc32c(b"123456789") == 0xE3069283  # the CRC-32C check value
    assert crc32c(b"") == 0
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c as ref

    rng = np.random.default_rng(0)
    for n in (0, 1, 7, 8, 100):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert masked_crc32c(data) == ref(data)


def test_writer_files_read_back(tmp_path):
    w = EventFileWriter(tmp_path)
    for step, value in enumerate([0.5, 0.25, float("inf"), -3.0]):
        w.add_scalar("a/b", value, step)
    w.close()
    w.close()  # idempotent
    assert read(tmp_path) == {"a/b": [(0, 0.5), (1, 0.25), (2, float("inf")), (3, -3.0)]}
    assert os.path.basename(w.path).startswith("events.out.tfevents.")
    # TensorBoard reads a folder's files in name order: later files must sort later
    names = []
    for _ in range(12):
        w = EventFileWriter(tmp_path / "many")
        w.close()
        names.append(os.path.basename(w.path))
    assert sorted(names) == names == sorted(os.listdir(tmp_path / "many"))


def test_fit_logs_epochs_and_steps(backend, tmp_path):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    ut.manual_seed(0)
    model = ut.nn.Sequential(ut.nn.Linear(3, 4), ut.nn.ReLU(), ut.nn.Linear(4, 2))
    opt = ut.optim.SGD(model.parameters(), lr=0.1)
    train = ut.data.DataLoader((x, y), batch_size=16, shuffle=True, seed=0)
    val = ut.data.DataLoader((x[:20], y[:20]), batch_size=20)
    trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, log_dir=tmp_path,
                         progress=False)
    trainer.fit(train, epochs=2, val_data=val)
    history = trainer.fit(train, epochs=3, val_data=val)  # continues, in a new file
    f32 = lambda v: float(np.float32(v))  # noqa: E731 (simple_value is a float32)
    train_tags = read(tmp_path / "train")
    assert sorted(train_tags) == ["batch_loss", "epoch_accuracy", "epoch_loss", "epoch_lr"]
    for name in ("loss", "accuracy", "lr"):
        assert train_tags[f"epoch_{name}"] == [(e, f32(v)) for e, v in enumerate(history[name])]
    assert train_tags["batch_loss"] == [(i, f32(v)) for i, v in
                                        enumerate(history.steps["loss"])]
    assert len(train_tags["batch_loss"]) == 9
    val_tags = read(tmp_path / "validation")
    assert sorted(val_tags) == ["epoch_accuracy", "epoch_loss"]
    assert val_tags["epoch_loss"] == [(e, f32(v)) for e, v in enumerate(history["val_loss"])]
    assert len(os.listdir(tmp_path / "train")) == 2


_CHILD = textwrap.dedent("""
    import sys, tempfile
    import numpy as np
    import unitorch as ut
    x = np.random.default_rng(0).standard_normal((16, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = ut.nn.Linear(3, 2)
    opt = ut.optim.SGD(model.parameters(), lr=0.1)
    with tempfile.TemporaryDirectory() as d:
        ut.fit(model, ut.nn.CrossEntropyLoss(), opt, ut.data.DataLoader((x, y), batch_size=8),
               epochs=1, val_data=ut.data.DataLoader((x, y), batch_size=8), log_dir=d,
               progress="bar")
    loaded = sorted(m for m in ("torch", "tensorflow") if m in sys.modules)
    print("LOADED", loaded)
""")


def test_logging_imports_no_other_framework(backends):
    """``UNITORCH_BACKEND=torch`` -> TensorFlow never imported, and the reverse, after a
    fit with log_dir and a progress bar (both children run at once)."""
    children = {}
    for b in backends:
        env = {**os.environ, "UNITORCH_BACKEND": b, "TF_CPP_MIN_LOG_LEVEL": "3"}
        children[b] = subprocess.Popen([sys.executable, "-c", _CHILD], env=env,
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                       text=True)
    for b, child in children.items():
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, err[-3000:]
        assert f"LOADED {[b]!r}" in out, (b, out, err[-2000:])
        assert "Epoch 1/1" in err
