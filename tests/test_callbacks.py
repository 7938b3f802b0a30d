"""Callbacks: the protocol (order of hooks, lazy batch logs, priorities, close on
errors), EarlyStopping against its written rule, ModelCheckpoint (files, best-only,
portable contents), and LearningRateScheduler per epoch and per batch."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

RNG = np.random.default_rng(3)
X = RNG.standard_normal((64, 4)).astype(np.float32)
Y = (X[:, 0] > 0).astype(np.int64)


def setup(seed=0, lr=0.05):
    ut.manual_seed(seed)
    model = ut.nn.Sequential(ut.nn.Linear(4, 6), ut.nn.Tanh(), ut.nn.Linear(6, 2))
    opt = ut.optim.Adam(model.parameters(), lr=lr)
    loader = ut.data.DataLoader((X, Y), batch_size=16, shuffle=True, seed=0)
    return model, opt, loader


class Inject(ut.callbacks.Callback):
    """Puts ``values[epoch]`` into the epoch's logs as ``name`` (runs before others)."""

    priority = -1

    def __init__(self, name, values):
        self.name, self.values = name, values

    def on_epoch_end(self, epoch, logs):
        logs[self.name] = self.values[epoch]


# ---------------------------------------------------------------------------------------
# EarlyStopping


def reference_early_stop(values, patience, mode, min_delta, baseline):
    """The documented rule, written as a scan: (stopped epoch or None, best, best epoch)."""
    sign = 1 if mode == "min" else -1
    best = baseline if baseline is not None else math.inf * sign
    best_epoch, bad = None, 0
    for epoch, v in enumerate(values):
        if not math.isnan(v) and sign * v < sign * best - min_delta:
            best, best_epoch, bad = v, epoch, 0
        else:
            bad += 1
            if bad >= max(patience, 1):
                return epoch, best, best_epoch
    return None, best, best_epoch


@given(st.lists(st.sampled_from([1.0, 1.5, 2.0, 2.05, 3.0, math.nan]), min_size=1,
                max_size=12),
       st.integers(0, 3), st.sampled_from(["min", "max"]), st.sampled_from([0.0, 0.1]),
       st.sampled_from([None, 2.0]))
def test_early_stopping_follows_its_rule(values, patience, mode, min_delta, baseline):
    model, opt, _ = setup()
    stop = ut.callbacks.EarlyStopping("score", patience=patience, mode=mode,
                                      min_delta=min_delta, baseline=baseline)
    trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, callbacks=[stop],
                         progress=False)
    want_stop, want_best, want_epoch = reference_early_stop(values, patience, mode,
                                                            min_delta, baseline)
    for epoch, v in enumerate(values):
        stop.on_epoch_end(epoch, {"score": v})
        if trainer.stop_training:
            break
    assert stop.stopped_epoch == want_stop
    assert stop.best == want_best and stop.best_epoch == want_epoch


def test_early_stopping_in_fit_restores_the_best_weights(backend, tmp_path):
    """patience=2, min_delta=0.2: epoch 1 is the best (2.0); 2.5 and 1.9 (not better by
    more than 0.2) are two epochs without improvement, so training stops after epoch 3
    and the weights saved after epoch 1 come back."""
    model, opt, loader = setup()
    scores = [3.0, 2.0, 2.5, 1.9, 1.0, 0.5]
    stop = ut.callbacks.EarlyStopping("score", patience=2, min_delta=0.2,
                                      restore_best_weights=True)
    saver = ut.callbacks.ModelCheckpoint(tmp_path / "w-{epoch}.st", save_weights_only=True)
    history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=6,
                     callbacks=[saver, stop, Inject("score", scores)], progress=False)
    assert history.epoch == [0, 1, 2, 3] and history["score"] == scores[:4]
    assert (stop.stopped_epoch, stop.best_epoch, stop.best) == (3, 1, 2.0)
    assert sorted(os.listdir(tmp_path)) == [f"w-{e}.st" for e in range(1, 5)]
    best = ut.load(tmp_path / "w-2.st")
    last = ut.load(tmp_path / "w-4.st")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), best[name].numpy())
        assert not np.array_equal(value.numpy(), last[name].numpy())


def test_monitoring_a_missing_value_is_an_error(backend):
    model, opt, loader = setup()
    with pytest.raises(KeyError, match=r"monitors 'val_loss'.*pass val_data"):
        ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False,
               callbacks=[ut.callbacks.EarlyStopping()])
    with pytest.raises(ValueError, match="patience"):
        ut.callbacks.EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode must be"):
        ut.callbacks.ModelCheckpoint("x", mode="lowest")


# ---------------------------------------------------------------------------------------
# ModelCheckpoint


class Snapshots(ut.callbacks.Callback):
    """The model's weights (NumPy) after each epoch."""

    def __init__(self):
        self.weights = []

    def on_epoch_end(self, epoch, logs):
        self.weights.append({k: v.numpy().copy() for k, v in self.model.state_dict().items()})


def test_model_checkpoint_best_only_and_portable_contents(backends, tmp_path):
    snaps = Snapshots()
    path = tmp_path / "best-{epoch}-{score:.1f}.safetensors"
    ckpt = ut.callbacks.ModelCheckpoint(path, monitor="score", save_best_only=True)
    with ut.use_backend(backends[0]):
        model, opt, loader = setup()
        ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=5, progress=False,
               callbacks=[Inject("score", [5.0, 4.0, 6.0, 3.0, 3.0]), ckpt, snaps])
    # improvements only (3.0 again is no improvement); nothing else left in the folder
    names = ["best-1-5.0.safetensors", "best-2-4.0.safetensors", "best-4-3.0.safetensors"]
    assert sorted(os.listdir(tmp_path)) == names
    assert ckpt.best == 3.0 and ckpt.last_saved == str(tmp_path / names[-1])
    for b in backends:
        with ut.use_backend(b):
            state = ut.load(tmp_path / names[-1])
            assert state["epoch"] == 4 and state["global_step"] == 16
            assert state["history"]["values"]["score"] == [5.0, 4.0, 6.0, 3.0]
            fresh, fresh_opt, _ = setup(seed=9)
            fresh.load_state_dict(state["model"])
            for name, value in fresh.state_dict().items():
                assert value.backend == b
                np.testing.assert_array_equal(value.numpy(), snaps.weights[3][name])
            fresh_opt.load_state_dict(state["optimizer"])
            assert float(fresh_opt.state_dict()["state"][0]["step"]) == 16.0


# ---------------------------------------------------------------------------------------
# LearningRateScheduler


class RecordLR(ut.callbacks.Callback):
    def __init__(self):
        self.lrs = []

    def on_batch_begin(self, batch, logs):
        self.lrs.append(self.optimizer.param_groups[0]["lr"])


def test_schedulers_per_batch_and_per_epoch(backend):
    """The rates the steps used are the scheduler's own sequence; they reach the
    (compiled, on TensorFlow) steps: training with them equals training by hand."""
    model, opt, loader = setup()
    sched = ut.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=12)
    rec = RecordLR()
    history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=3, progress=False,
                     callbacks=[rec, ut.callbacks.LearningRateScheduler(sched, "batch")])
    ref_model, ref_opt, _ = setup()
    ref = ut.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=0.1, total_steps=12)
    want = []
    for _ in range(12):
        want.append(ref_opt.param_groups[0]["lr"])
        ref_opt.step()
        ref.step()
    assert rec.lrs == want and history["lr"] == [want[3], want[7], want[11]]
    # the same training by hand, PyTorch style
    _, _, loader = setup()
    loss_fn = ut.nn.CrossEntropyLoss()
    ref_model, ref_opt, _ = setup()
    ref = ut.optim.lr_scheduler.OneCycleLR(ref_opt, max_lr=0.1, total_steps=12)
    for _ in range(3):
        for xb, yb in loader:
            ref_opt.zero_grad()
            loss_fn(ref_model(xb), yb).backward()
            ref_opt.step()
            ref.step()
    tol = family_tolerance("training", ut.float32, 12)
    for a, b in zip(model.parameters(), ref_model.parameters()):
        assert_close(a, b.numpy(), *tol)

    model, opt, loader = setup()
    step = ut.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=3, scheduler=step,
                     progress=False)
    assert history["lr"] == [0.05, 0.025, 0.0125] and opt.param_groups[0]["lr"] == 0.00625
    other = ut.optim.SGD(setup()[0].parameters(), lr=0.1)
    with pytest.raises(ValueError, match="another optimizer"):
        ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt,
                   scheduler=ut.optim.lr_scheduler.StepLR(other, 1))
    with pytest.raises(ValueError, match="interval"):
        ut.callbacks.LearningRateScheduler(step, "step")


# ---------------------------------------------------------------------------------------
# the protocol


class Recorder(ut.callbacks.Callback):
    def __init__(self, stop_at=None):
        self.calls, self.batch_logs, self.stop_at = [], [], stop_at

    def on_train_begin(self, logs):
        self.calls.append("train_begin")

    def on_epoch_begin(self, epoch, logs):
        self.calls.append(f"epoch_begin {epoch}")

    def on_batch_begin(self, batch, logs):
        self.calls.append(f"batch_begin {batch}")

    def on_batch_end(self, batch, logs):
        self.calls.append(f"batch_end {batch}")
        self.batch_logs.append(dict(logs))
        if self.trainer.global_step == self.stop_at:
            self.trainer.stop_training = True

    def on_epoch_end(self, epoch, logs):
        self.calls.append(f"epoch_end {epoch}")
        logs["extra"] = 10.0 * epoch

    def on_train_end(self, logs):
        self.calls.append(f"train_end {sorted(logs)}")


class Late(ut.callbacks.Callback):
    priority = 60

    def __init__(self):
        self.seen = []

    def on_epoch_end(self, epoch, logs):
        self.seen.append(logs["extra"])


def test_hooks_run_in_order_with_lazy_logs(backend):
    model, opt, loader = setup()
    rec, late = Recorder(), Late()
    history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=2, progress=False,
                     callbacks=[late, rec])
    batches = [f"batch_{w} {i}" for i in range(4) for w in ("begin", "end")]
    keys = ["accuracy", "extra", "loss", "lr"]
    assert rec.calls == ["train_begin", "epoch_begin 0", *batches, "epoch_end 0",
                         "epoch_begin 1", *batches, "epoch_end 1", f"train_end {keys}"]
    assert late.seen == [0.0, 10.0] and history["extra"] == [0.0, 10.0]
    assert [log["batch_loss"] for log in rec.batch_logs] == history.steps["loss"]
    for epoch in range(2):  # running means; the last one is the epoch's value
        last = rec.batch_logs[4 * epoch + 3]
        assert sorted(last) == ["accuracy", "batch_loss", "loss"]
        assert last["loss"] == history["loss"][epoch]
        assert last["accuracy"] == history["accuracy"][epoch]
        first = rec.batch_logs[4 * epoch]
        assert first["loss"] == first["batch_loss"]


def test_stop_training_within_an_epoch(backend):
    model, opt, loader = setup()
    rec = Recorder(stop_at=6)
    history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=5, progress=False,
                     callbacks=[rec])
    assert history.epoch == [0, 1] and len(history.steps["loss"]) == 6
    assert rec.calls[-2:] == ["epoch_end 1", "train_end ['accuracy', 'extra', 'loss', 'lr']"]
    # the stopped epoch's values cover its 2 batches (32 samples)
    want = np.mean(history.steps["loss"][4:6])  # equal batch sizes
    assert_close(np.array(history["loss"][1]), want, *family_tolerance("exact", ut.float64))


class Fails(ut.callbacks.Callback):
    def on_epoch_end(self, epoch, logs):
        raise RuntimeError("boom")


class Closes(ut.callbacks.Callback):
    closed = 0

    def close(self):
        self.closed += 1


def test_close_runs_when_fit_raises(backend, tmp_path):
    model, opt, loader = setup()
    closes = Closes()
    with pytest.raises(RuntimeError, match="boom"):
        ut.fit(model, ut.nn.CrossEntropyLoss(), opt, loader, epochs=2, progress="lines",
               log_dir=tmp_path, callbacks=[Fails(), closes])
    assert closes.closed == 1
    trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, progress=False)
    with pytest.raises(TypeError, match="Callback instances"):
        ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, callbacks=[print])
    # a checkpoint with a scheduler's state, resumed without a scheduler: a warning
    sched = ut.optim.lr_scheduler.StepLR(opt, 1)
    ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, scheduler=sched).save_checkpoint(
        tmp_path / "c.st")
    with pytest.warns(RuntimeWarning, match="callbacks this Trainer lacks"):
        trainer.load_checkpoint(tmp_path / "c.st")
