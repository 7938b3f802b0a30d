"""``ut.fit`` / ``ut.Trainer``: histories against a hand-written PyTorch-style loop and
across backends, exact resumption from a checkpoint (also across backends),
compilation choices, evaluate/predict, data forms, errors and the progress display.

Tiny problems (a 2-layer MLP on ~100 synthetic samples, 3-4 steps per epoch), so each
test takes seconds; torch runs eagerly (its default), TensorFlow compiles the steps."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest

import unitorch as ut
from unitorch.backends import current
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

RNG = np.random.default_rng(7)
X = RNG.standard_normal((100, 5))
Y = ((X[:, 0] - X[:, 1] > 0).astype(np.int64) + (X[:, 2] > 0.8)).astype(np.int64)
XV = RNG.standard_normal((40, 5))
YV = ((XV[:, 0] - XV[:, 1] > 0).astype(np.int64) + (XV[:, 2] > 0.8)).astype(np.int64)
BATCH, EPOCHS = 32, 3
STEPS = EPOCHS * -(-len(X) // BATCH)  # 4 per epoch, the last batch of 4 samples


def make_model(dtype, dropout=0.0):
    layers = [ut.nn.Linear(5, 12), ut.nn.Tanh()]
    if dropout:
        layers.append(ut.nn.Dropout(dropout))
    layers.append(ut.nn.Linear(12, 3))
    return ut.nn.Sequential(*layers).to(dtype)


def loaders(dtype, seed=3):
    x, xv = X.astype(dtype.numpy), XV.astype(dtype.numpy)
    return (ut.data.DataLoader((x, Y), batch_size=BATCH, shuffle=True, seed=seed),
            ut.data.DataLoader((xv, YV), batch_size=16))


def run_fit(backend, dtype, epochs=EPOCHS, **kwargs):
    with ut.use_backend(backend):
        ut.manual_seed(0)
        model = make_model(dtype)
        opt = ut.optim.Adam(model.parameters(), lr=0.03)
        sched = ut.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        train, val = loaders(dtype)
        history = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, train, epochs=epochs,
                         val_data=val, metrics=["accuracy"], scheduler=sched,
                         progress=False, **kwargs)
        return history, [p.numpy().copy() for p in model.parameters()]


def hand_loop(backend, dtype, epochs=EPOCHS):
    """The same training written by hand, PyTorch style, with the documented epoch
    values: means over samples (each batch's loss weighted by its size)."""
    with ut.use_backend(backend):
        ut.manual_seed(0)
        model = make_model(dtype)
        opt = ut.optim.Adam(model.parameters(), lr=0.03)
        sched = ut.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        loss_fn = ut.nn.CrossEntropyLoss()
        train, val = loaders(dtype)
        hist = {k: [] for k in ("loss", "accuracy", "val_loss", "val_accuracy", "lr")}
        steps = []
        for _ in range(epochs):
            model.train()
            total = count = correct = 0.0
            for xb, yb in train:
                opt.zero_grad()
                out = model(xb)
                loss = loss_fn(out, yb)
                loss.backward()
                opt.step()
                n = xb.shape[0]
                steps.append(float(loss))
                total += float(loss) * n
                count += n
                correct += int(ut.sum(ut.argmax(out, axis=-1) == yb))
            hist["loss"].append(total / count)
            hist["accuracy"].append(correct / count)
            model.eval()
            total = count = correct = 0.0
            with ut.no_grad():
                for xb, yb in val:
                    out = model(xb)
                    n = xb.shape[0]
                    total += float(loss_fn(out, yb)) * n
                    count += n
                    correct += int(ut.sum(ut.argmax(out, axis=-1) == yb))
            hist["val_loss"].append(total / count)
            hist["val_accuracy"].append(correct / count)
            hist["lr"].append(opt.param_groups[0]["lr"])
            sched.step()
        return hist, steps, [p.numpy().copy() for p in model.parameters()]


def compare(got, want, dtype, steps, msg):
    """Histories: losses within the training tolerance for ``steps`` steps, accuracies
    exact in float64 and within one sample per epoch in float32, lr exact."""
    rtol, atol = family_tolerance("training", dtype, steps)
    assert sorted(got) == sorted(want), msg
    for key in want:
        g, w = np.asarray(got[key]), np.asarray(want[key])
        assert g.shape == w.shape, f"{msg}: {key}"
        if key == "lr":
            np.testing.assert_array_equal(g, w, err_msg=f"{msg}: {key}")
        elif "accuracy" in key:
            slack = 0.0 if dtype is ut.float64 else 1.0 / len(XV if key.startswith("val")
                                                               else X) + 1e-12
            np.testing.assert_allclose(g, w, rtol=0, atol=slack, err_msg=f"{msg}: {key}")
        else:
            assert_close(g, w, rtol, atol, msg=f"{msg}: {key}")


# ---------------------------------------------------------------------------------------
# the history: against a hand-written loop, and across backends


def test_history_matches_hand_loop_and_other_backends(backends):
    runs = {b: run_fit(b, ut.float64) for b in backends}
    for b in backends:
        history, weights = runs[b]
        want, steps, want_weights = hand_loop(b, ut.float64)
        assert history.epoch == list(range(EPOCHS))
        assert len(history.steps["loss"]) == STEPS
        compare(history, want, ut.float64, STEPS, f"{b}: fit vs hand loop")
        rtol, atol = family_tolerance("training", ut.float64, STEPS)
        assert_close(np.array(history.steps["loss"]), np.array(steps), rtol, atol,
                     msg=f"{b}: per-step losses")
        for w, h in zip(weights, want_weights):
            assert_close(w, h, rtol, atol, msg=f"{b}: final weights")
        assert history["loss"][-1] < history["loss"][0]
    first = backends[0]
    for b in backends[1:]:
        compare(runs[b][0], runs[first][0], ut.float64, STEPS, f"{b} vs {first}")
        compare(runs[b][0].steps, runs[first][0].steps, ut.float64, STEPS,
                f"{b} vs {first}: steps")


def test_float32_histories_agree_across_backends(backends):
    runs = {b: run_fit(b, ut.float32)[0] for b in backends}
    for b in backends[1:]:
        compare(runs[b], runs[backends[0]], ut.float32, STEPS, f"float32 {b} vs {backends[0]}")
        compare(runs[b].steps, runs[backends[0]].steps, ut.float32, STEPS, "float32 steps")
    for h in runs.values():
        assert all(isinstance(v, float) for col in h.values() for v in col)


def test_eager_and_compiled_steps_give_the_same_history(backend):
    """compile=False against the backend's default where that compiles (TensorFlow)."""
    if not current().compile_training:
        pytest.skip(f"{backend} steps run eagerly by default (torch.compile: the slow test)")
    default, w_default = run_fit(backend, ut.float64, epochs=2)
    eager, w_eager = run_fit(backend, ut.float64, epochs=2, compile=False)
    compare(eager, default, ut.float64, 8, f"{backend}: eager vs default")
    rtol, atol = family_tolerance("training", ut.float64, 8)
    for a, b in zip(w_eager, w_default):
        assert_close(a, b, rtol, atol)


@pytest.mark.slow
def test_torch_compile_opt_in():
    """compile=dict on torch (torch.compile takes ~15 s to warm up on a 2-core CPU)."""
    default, _ = run_fit("torch", ut.float64, epochs=2)
    compiled, _ = run_fit("torch", ut.float64, epochs=2,
                          compile={"torch": {"backend": "aot_eager"}})
    compare(compiled, default, ut.float64, 8, "torch.compile vs eager")


# ---------------------------------------------------------------------------------------
# resuming


def _resumable_run(backend, path, epochs, resume_from=None):
    """Shuffling from unitorch's portable stream (no loader seed), portable dropout, a
    momentum optimizer, a scheduler and stateful callbacks: everything a resume must
    restore."""
    with ut.use_backend(backend), ut.random.portable(True):
        ut.manual_seed(1)
        model = make_model(ut.float64, dropout=0.3)
        opt = ut.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
        sched = ut.optim.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
        train = ut.data.DataLoader((X, Y), batch_size=BATCH, shuffle=True)
        _, val = loaders(ut.float64)
        callbacks = [ut.callbacks.ModelCheckpoint(path),
                     ut.callbacks.EarlyStopping("val_loss", patience=10,
                                                restore_best_weights=True)]
        trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, callbacks=callbacks,
                             scheduler=sched, progress=False)
        history = trainer.fit(train, epochs=epochs, val_data=val, resume_from=resume_from)
        return history, [p.numpy().copy() for p in model.parameters()], callbacks[1]


def test_resume_continues_exactly(backend, tmp_path):
    path = str(tmp_path / "ckpt-{epoch}.safetensors")
    straight, w_straight, stop_straight = _resumable_run(backend, path, 4)
    assert sorted(os.listdir(tmp_path)) == [f"ckpt-{e}.safetensors" for e in range(1, 5)]
    resumed, w_resumed, stop_resumed = _resumable_run(
        backend, str(tmp_path / "again-{epoch}.safetensors"), 4,
        resume_from=tmp_path / "ckpt-2.safetensors")
    assert resumed == straight and resumed.epoch == straight.epoch == [0, 1, 2, 3]
    assert resumed.steps == straight.steps and len(resumed.steps["loss"]) == 16
    for a, b in zip(w_resumed, w_straight):
        np.testing.assert_array_equal(a, b)
    assert (stop_resumed.best, stop_resumed.best_epoch) == (stop_straight.best,
                                                            stop_straight.best_epoch)
    assert resumed["lr"] == [0.2, 0.1, 0.1, 0.05]


def test_resume_on_the_other_backend(backends, tmp_path):
    """A checkpoint written on one backend resumes on the other, continuing as that
    backend's uninterrupted run would (within the training tolerance)."""
    if len(backends) < 2:
        pytest.skip("needs two backends")
    a, b = backends[:2]
    path = str(tmp_path / "ckpt-{epoch}.safetensors")
    _resumable_run(a, path, 2)
    straight, w_straight, _ = _resumable_run(b, str(tmp_path / "b-{epoch}.st"), 3)
    resumed, w_resumed, _ = _resumable_run(b, str(tmp_path / "c-{epoch}.st"), 3,
                                           resume_from=tmp_path / "ckpt-2.safetensors")
    compare(resumed, straight, ut.float64, 12, f"{a} -> {b} resume")
    rtol, atol = family_tolerance("training", ut.float64, 12)
    for x, y in zip(w_resumed, w_straight):
        assert_close(x, y, rtol, atol)


class _Flaky(ut.callbacks.Callback):
    """A stateful callback (last: priority 60) whose load_state_dict fails."""

    priority = 60

    def state_dict(self):
        return {"seen": 1}

    def load_state_dict(self, state):
        raise RuntimeError("this callback cannot load")


def _trainer(kind="good", callbacks=()):
    ut.manual_seed(5)
    model = make_model(ut.float32)
    if kind == "shape":  # another architecture
        model = ut.nn.Sequential(ut.nn.Linear(5, 12), ut.nn.Tanh(), ut.nn.Linear(12, 4))
    opt = (ut.optim.SGD(model.parameters(), lr=0.1, momentum=0.9) if kind == "optimizer"
           else ut.optim.Adam(model.parameters(), lr=0.03))
    sched = (ut.optim.lr_scheduler.ExponentialLR(opt, 0.5) if kind == "scheduler"
             else ut.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5))
    stop = ut.callbacks.EarlyStopping("loss", patience=5)
    return ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, scheduler=sched,
                      callbacks=[stop, *callbacks], progress=False, compile=False)


@pytest.mark.parametrize("kind,error,match", [
    ("optimizer", ValueError, "the state dict is not SGD's"),
    ("shape", ut.ShapeError, r"'2.weight' has shape \(3, 12\) in the state dict"),
    ("scheduler", ValueError, r"the state has 'step_size', so it is not ExponentialLR's"),
    ("callback", RuntimeError, "this callback cannot load"),
    ("rng", ValueError, "set_state"),
])
def test_a_failed_resume_changes_nothing(backend, tmp_path, kind, error, match):
    """fit(resume_from=...) used to load the weights, then fail on the optimizer state
    and leave the weights overwritten.  Now the whole trainer (model, optimizer,
    scheduler, callbacks, History, counters, random state) is as it was."""
    train, _ = loaders(ut.float32)
    saved = _trainer(callbacks=[_Flaky()] if kind == "callback" else ())
    saved.fit(train, epochs=2)
    ckpt = tmp_path / "ckpt.safetensors"
    state = saved.state_dict()
    if kind == "rng":
        state["rng"] = {"seed": 1, "portable": {"bit_generator": "MT19937"}}
    ut.save(state, ckpt)
    trainer = _trainer(kind if kind in ("optimizer", "shape", "scheduler") else "good",
                       callbacks=[_Flaky()] if kind == "callback" else ())
    trainer.fit(train, epochs=1)
    trainer.callbacks.callbacks[1].best = -1.0  # EarlyStopping (loaded before the failure)
    before = _contents(trainer, tmp_path / "before.safetensors")
    with pytest.raises(error, match=match):
        trainer.fit(train, epochs=4, resume_from=ckpt)
    assert _contents(trainer, tmp_path / "after.safetensors") == before
    assert trainer.epoch == 1 and len(trainer.history["loss"]) == 1


def _contents(trainer, path):
    """The trainer's whole state, exactly: its checkpoint's structure document and the
    bytes of every tensor (the file's bytes themselves vary: safetensors writes its
    metadata entries in no fixed order)."""
    from safetensors import safe_open

    ut.save(trainer.state_dict(), path)
    with safe_open(path, framework="numpy") as f:
        return f.metadata()["unitorch"], {k: f.get_tensor(k).tobytes() for k in f.keys()}


def test_fit_again_continues_to_the_total(backend):
    """epochs is the total: a second fit(epochs=4) after fit(epochs=2) trains 2 more,
    exactly like one fit(epochs=4)."""
    with ut.use_backend(backend):
        ut.manual_seed(0)
        model = make_model(ut.float64)
        opt = ut.optim.SGD(model.parameters(), lr=0.1)
        train, _ = loaders(ut.float64)
        trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt, progress=False)
        trainer.fit(train, epochs=2)
        assert trainer.epoch == 2 and trainer.global_step == 8
        history = trainer.fit(train, epochs=4)
        assert trainer.epoch == 4 and history.epoch == [0, 1, 2, 3]
        again = trainer.fit(train, epochs=4)  # nothing left to do
        assert again.epoch == [0, 1, 2, 3]
        w_twice = [p.numpy().copy() for p in model.parameters()]
        ut.manual_seed(0)
        model = make_model(ut.float64)
        opt = ut.optim.SGD(model.parameters(), lr=0.1)
        train, _ = loaders(ut.float64)
        once = ut.fit(model, ut.nn.CrossEntropyLoss(), opt, train, epochs=4, progress=False)
        assert once == history and once.steps == history.steps
        for a, b in zip(w_twice, model.parameters()):
            np.testing.assert_array_equal(a, b.numpy())


# ---------------------------------------------------------------------------------------
# evaluate, predict, data forms


def test_evaluate_and_predict(backend):
    with ut.use_backend(backend):
        ut.manual_seed(0)
        model = make_model(ut.float64)
        opt = ut.optim.Adam(model.parameters(), lr=0.03)
        train, val = loaders(ut.float64)
        trainer = ut.Trainer(model, ut.nn.CrossEntropyLoss(), opt,
                             metrics=["accuracy", "top2_accuracy"], progress=False)
        history = trainer.fit(train, epochs=1, val_data=val)
        measured = trainer.evaluate(val)
        assert sorted(measured) == ["accuracy", "loss", "top2_accuracy"]
        for key, value in measured.items():
            assert value == history[f"val_{key}"][-1], key
        assert model.training  # evaluate restores the mode
        logits = trainer.predict(val)  # (x, y) batches: targets ignored
        assert logits.shape == (len(XV), 3)
        with ut.no_grad():
            direct = model.eval()(ut.asarray(XV))
        model.train()
        assert_close(logits, direct.numpy(), *family_tolerance("training", ut.float64, 1))
        only_x = trainer.predict(ut.data.DataLoader(XV, batch_size=16))
        assert_close(only_x, logits.numpy(), 0, 0)
        # NumPy references of the measured values
        p = direct.numpy()
        shifted = p - p.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        assert_close(np.array(measured["loss"]), -logp[np.arange(len(YV)), YV].mean(),
                     *family_tolerance("training", ut.float64, 1))
        assert measured["accuracy"] == np.mean(p.argmax(axis=1) == YV)


def test_any_iterable_of_numpy_batches(backend):
    """A list of (x, y) NumPy batches trains like the DataLoader that made them."""
    x, y = X.astype(np.float32), Y
    batches = [(x[i:i + 25], y[i:i + 25]) for i in range(0, 100, 25)]
    results = []
    with ut.use_backend(backend):
        for data in (batches, ut.data.DataLoader((x, y), batch_size=25)):
            ut.manual_seed(0)
            model = make_model(ut.float32)
            opt = ut.optim.SGD(model.parameters(), lr=0.1)
            results.append(ut.fit(model, ut.nn.CrossEntropyLoss(), opt, data, epochs=2,
                                  progress=False))
    assert results[0] == results[1] and results[0].steps == results[1].steps


def test_bad_arguments_are_refused(backend):
    with ut.use_backend(backend):
        model = make_model(ut.float32)
        opt = ut.optim.SGD(model.parameters(), lr=0.1)
        loss = ut.nn.CrossEntropyLoss()
        x, y = X.astype(np.float32), Y
        with pytest.raises(TypeError, match="wrap it in a loader"):
            ut.fit(model, loss, opt, (x, y), progress=False)
        gen = ((x[i:i + 50], y[i:i + 50]) for i in (0, 50))
        with pytest.raises(TypeError, match="one-shot iterator"):
            ut.fit(model, loss, opt, gen, epochs=2, progress=False)
        with pytest.raises(TypeError, match=r"\(inputs, targets\) pair, got ndarray"):
            ut.fit(model, loss, opt, [x], progress=False)
        with pytest.raises(ValueError, match="yielded no batches"):
            ut.fit(model, loss, opt, [], progress=False)
        with pytest.raises(ValueError, match="reserved"):
            ut.Trainer(model, loss, opt, metrics=[ut.metrics.Accuracy(name="val_acc")])
        with pytest.raises(ValueError, match="unique"):
            ut.Trainer(model, loss, opt, metrics=["accuracy", ut.metrics.Accuracy()])
        with pytest.raises(ValueError, match="unknown metric"):
            ut.Trainer(model, loss, opt, metrics=["f1"])
        with pytest.raises(TypeError, match=r"ut\.nn\.Module"):
            ut.Trainer(lambda v: v, loss, opt)
        with pytest.raises(ValueError, match="epochs must be"):
            ut.fit(model, loss, opt, [(x, y)], epochs=-1, progress=False)
        with pytest.raises(ValueError, match="not a unitorch training checkpoint"):
            ut.Trainer(model, loss, opt).load_state_dict(model.state_dict())
        # a one-shot iterator is fine for a single epoch
        history = ut.fit(model, loss, opt, iter([(x, y)]), epochs=1, progress=False)
        assert len(history.steps["loss"]) == 1


# ---------------------------------------------------------------------------------------
# progress display


def _fit_with(progress, backend="torch"):
    with ut.use_backend(backend):
        ut.manual_seed(0)
        model = make_model(ut.float32)
        opt = ut.optim.SGD(model.parameters(), lr=0.1)
        train, val = loaders(ut.float32)
        return ut.fit(model, ut.nn.CrossEntropyLoss(), opt, train, epochs=2, val_data=val,
                      progress=progress)


def test_progress_lines_in_a_captured_stream(backends):
    stream = io.StringIO()
    history = _fit_with(ut.callbacks.ProgressBar(file=stream), backends[0])
    text = stream.getvalue()
    lines = text.splitlines()
    assert len(lines) == 2 and "\r" not in text  # a non-terminal stream: one line per epoch
    for e, line in enumerate(lines):
        assert line.startswith(f"Epoch {e + 1}/2 - 4 steps - ")
        assert f"loss: {history['loss'][e]:.4f}" in line
        assert f"val_accuracy: {history['val_accuracy'][e]:.4f}" in line


def test_progress_bar_and_silence(backends, capsys):
    stream = io.StringIO()
    history = _fit_with(ut.callbacks.ProgressBar(file=stream, mode="bar", refresh=0.0),
                        backends[0])
    text = stream.getvalue()
    assert "Epoch 1/2" in text and "Epoch 2/2" in text and "4/4" in text
    assert f"val_loss: {history['val_loss'][-1]:.4f}" in text
    assert "batch_loss" not in text
    capsys.readouterr()
    _fit_with(False, backends[0])
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""
    _fit_with(True, backends[0])  # pytest's captured stderr is no terminal: lines
    err = capsys.readouterr().err
    assert err.count("Epoch ") == 2 and "\r" not in err
