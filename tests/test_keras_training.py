"""Training with ``unitorch.keras`` against Keras 3 itself: optimizers (formulas,
defaults, schedules), losses, metrics (also inside compiled steps), ``fit``/``evaluate``/
``predict`` on the same weights, callbacks driven with the same logs, and the same
numbers on every backend."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error

keras = pytest.importorskip("keras")
import unitorch.keras as uk  # noqa: E402


def close(actual, expected, family="composite", scale=1.0, msg=""):
    expected = np.asarray(expected, dtype=np.float64)
    scale = scale * max(1.0, float(np.abs(expected).max(initial=0.0)))
    rtol, atol = family_tolerance(family, ut.float32, scale)
    assert_close(np.asarray(actual, np.float64), expected, rtol, atol, msg=msg)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------------------------------
# optimizers: Keras's formulas step for step


OPTIMIZERS = [
    ("SGD", {}), ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    ("Adam", {}), ("Adam", dict(learning_rate=0.01, amsgrad=True)),
    ("AdamW", dict(learning_rate=0.01)), ("RMSprop", {}),
    ("RMSprop", dict(momentum=0.5, centered=True)), ("Adagrad", {}), ("Adamax", {}),
    ("Nadam", {}), ("Adam", dict(clipnorm=0.5)), ("Adam", dict(global_clipnorm=0.5)),
    ("SGD", dict(clipvalue=0.1)), ("Adam", dict(weight_decay=0.1)),
]


@pytest.mark.parametrize("name,kwargs", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                         enumerate(OPTIMIZERS)])
def test_optimizer_updates_follow_keras_step_for_step(backend, name, kwargs):
    w0 = [rand(3, 4), rand(4, seed=1)]
    steps = 6
    grads = [[rand(*w.shape, seed=10 * s + i) for i, w in enumerate(w0)] for s in range(steps)]
    kv = [keras.Variable(w) for w in w0]
    kopt = getattr(keras.optimizers, name)(**kwargs)
    uv = [ut.nn.Parameter(ut.asarray(w)) for w in w0]
    uopt = getattr(uk.optimizers, name)(**kwargs)
    for g in grads:
        kopt.apply_gradients(zip([keras.ops.convert_to_tensor(x) for x in g], kv))
        uopt.apply_gradients(zip([ut.asarray(x) for x in g], uv))
    for mine, theirs in zip(uv, kv):
        close(mine.numpy(), theirs, "optimizer", steps)
    assert int(uopt.iterations) == int(kopt.iterations) == steps
    assert len(uopt.variables) == len(kopt.variables)


def test_optimizer_defaults_are_keras_ones():
    for name in ("SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Nadam"):
        theirs = getattr(keras.optimizers, name)().get_config()
        mine = getattr(uk.optimizers, name)().get_config()
        for key in set(theirs) & set(mine) - {"name"}:
            assert mine[key] == pytest.approx(theirs[key]), (name, key)
    assert uk.optimizers.Adam().get_config()["epsilon"] == 1e-7
    assert uk.optimizers.SGD().get_config()["learning_rate"] == 0.01


def test_learning_rate_can_be_set_between_compiled_steps(backend):
    w = ut.nn.Parameter(ut.tensor([1.0]))
    opt = uk.optimizers.SGD(learning_rate=1.0)
    opt.build([w])

    @ut.compile
    def step(g):
        opt.apply([g], [w])

    step(ut.tensor([0.5]))
    opt.learning_rate = 0.1
    step(ut.tensor([0.5]))
    close(w.numpy(), [1.0 - 0.5 - 0.05])
    assert int(opt.iterations) == 2


SCHEDULES = [
    ("ExponentialDecay", (0.1, 10, 0.5), dict(staircase=True)),
    ("ExponentialDecay", (0.1, 7, 0.9), {}),
    ("PiecewiseConstantDecay", ([3, 7], [1.0, 0.5, 0.1]), {}),
    ("PolynomialDecay", (0.1, 10), dict(cycle=True, power=2.0)),
    ("PolynomialDecay", (0.1, 10), {}),
    ("InverseTimeDecay", (0.1, 5, 0.5), dict(staircase=True)),
    ("CosineDecay", (0.1, 10), dict(alpha=0.1)),
    ("CosineDecay", (0.1, 10), dict(warmup_target=0.2, warmup_steps=3)),
]


@pytest.mark.parametrize("name,args,kwargs", SCHEDULES)
def test_schedules_match_keras(backend, name, args, kwargs):
    theirs = getattr(keras.optimizers.schedules, name)(*args, **kwargs)
    mine = getattr(uk.optimizers.schedules, name)(*args, **kwargs)
    for s in range(25):
        close(float(mine(s)), float(theirs(s)), "transcendental", msg=f"step {s}")


def test_a_schedule_drives_the_optimizer(backend):
    sched = uk.optimizers.schedules.PiecewiseConstantDecay([1], [1.0, 0.5])
    w = ut.nn.Parameter(ut.tensor([0.0]))
    opt = uk.optimizers.SGD(learning_rate=sched)
    for _ in range(3):
        opt.apply_gradients([(ut.tensor([1.0]), w)])
    close(w.numpy(), [-(1.0 + 1.0 + 0.5)])
    with pytest.raises(TypeError, match="not settable"):
        opt.learning_rate = 0.1


# ---------------------------------------------------------------------------------------
# losses


def _loss_inputs(kind, n, c, seed):
    rng = np.random.default_rng(seed)
    probs = rng.uniform(0.05, 0.95, (n, c)).astype(np.float32)
    if kind == "regression":
        return rng.normal(size=(n, c)).astype(np.float32), rng.normal(size=(n, c)).astype(
            np.float32)
    if kind == "positive":
        return rng.uniform(0, 1, (n, c)).astype(np.float32), probs
    if kind == "onehot":
        return np.eye(c, dtype=np.float32)[rng.integers(0, c, n)], probs
    if kind == "sparse":
        return rng.integers(0, c, n), probs
    if kind == "logits":
        return rng.integers(0, c, n), rng.normal(size=(n, c)).astype(np.float32)
    return rng.integers(0, 2, (n, 1)).astype(np.float32), probs[:, :1]


LOSSES = [
    ("MeanSquaredError", {}, "regression"), ("MeanAbsoluteError", {}, "regression"),
    ("MeanAbsolutePercentageError", {}, "regression"),
    ("MeanSquaredLogarithmicError", {}, "positive"), ("Huber", dict(delta=0.3), "regression"),
    ("LogCosh", {}, "regression"), ("KLDivergence", {}, "positive"),
    ("Poisson", {}, "positive"), ("CosineSimilarity", {}, "regression"),
    ("Hinge", {}, "binary"), ("SquaredHinge", {}, "binary"),
    ("CategoricalHinge", {}, "onehot"), ("BinaryCrossentropy", {}, "binary"),
    ("BinaryCrossentropy", dict(label_smoothing=0.1), "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("CategoricalCrossentropy", dict(label_smoothing=0.2), "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
    ("SparseCategoricalCrossentropy", dict(from_logits=True), "logits"),
    ("SparseCategoricalCrossentropy", dict(from_logits=True, ignore_class=1), "logits"),
    ("MeanSquaredError", dict(reduction="sum"), "regression"),
    ("MeanSquaredError", dict(reduction=None), "regression"),
    ("MeanSquaredError", dict(reduction="mean_with_sample_weight"), "regression"),
]


@pytest.mark.parametrize("name,kwargs,kind", LOSSES, ids=[f"{n}-{i}" for i, (n, _, _) in
                                                         enumerate(LOSSES)])
@given(n=st.integers(1, 6), c=st.integers(2, 5), seed=st.integers(0, 100),
       weighted=st.booleans())
def test_losses_match_keras(backend, name, kwargs, kind, n, c, seed, weighted):
    y_true, y_pred = _loss_inputs(kind, n, c, seed)
    sw = np.random.default_rng(seed + 1).uniform(0, 1, n).astype(np.float32) if weighted \
        else None
    theirs = getattr(keras.losses, name)(**kwargs)(y_true, y_pred, sample_weight=sw)
    mine = getattr(uk.losses, name)(**kwargs)(y_true, y_pred, sample_weight=sw)
    assert mine.dtype == ut.float32 and mine.shape == tuple(np.shape(theirs))
    close(mine.numpy(), theirs, "transcendental", c * 4)


def test_probabilities_from_softmax_use_their_logits_as_keras_on_tensorflow(backend):
    logits = ut.tensor([[30.0, 0.0, -30.0]])  # p[2] ~ 1e-26: clipping would give 16.1
    probs = uk.activations.softmax(logits)
    loss = uk.losses.SparseCategoricalCrossentropy()(ut.tensor([2]), probs)
    close(float(loss), 60.0, "transcendental", 60)
    plain = uk.losses.SparseCategoricalCrossentropy()(ut.tensor([2]), probs * 1.0)
    close(float(plain), -np.log(1e-7), "transcendental", 20)  # a copy: clipped


def test_losses_take_keras_argument_order_and_refuse_bad_labels(backends):
    loss = uk.losses.SparseCategoricalCrossentropy(from_logits=True)
    same_error(backends, Exception, lambda: loss(ut.tensor([3]), ut.zeros((1, 3))),
               match="out of range")
    same_error(backends, ValueError, lambda: uk.losses.MeanSquaredError(reduction="avg"),
               match="reduction")
    same_error(backends, AttributeError, lambda: uk.losses.Tversky, match="Tversky")


# ---------------------------------------------------------------------------------------
# metrics


METRICS = [
    ("Accuracy", {}, "ids"), ("BinaryAccuracy", {}, "binary"),
    ("BinaryAccuracy", dict(threshold=0.7), "binary"),
    ("CategoricalAccuracy", {}, "onehot"), ("SparseCategoricalAccuracy", {}, "sparse"),
    ("TopKCategoricalAccuracy", dict(k=2), "onehot"),
    ("SparseTopKCategoricalAccuracy", dict(k=2), "sparse"),
    ("MeanSquaredError", {}, "regression"), ("MeanAbsoluteError", {}, "regression"),
    ("RootMeanSquaredError", {}, "regression"), ("Precision", {}, "binary"),
    ("Recall", {}, "binary"), ("BinaryCrossentropy", {}, "binary"),
    ("CategoricalCrossentropy", {}, "onehot"),
    ("SparseCategoricalCrossentropy", {}, "sparse"),
]


@pytest.mark.parametrize("name,kwargs,kind", METRICS, ids=[f"{n}-{i}" for i, (n, _, _) in
                                                           enumerate(METRICS)])
@given(seed=st.integers(0, 100), batches=st.integers(1, 3))
def test_metrics_accumulate_as_keras(backend, name, kwargs, kind, seed, batches):
    theirs = getattr(keras.metrics, name)(**kwargs)
    mine = getattr(uk.metrics, name)(**kwargs)
    assert theirs.name.startswith(mine.name)  # (Keras numbers Precision and Recall)
    for b in range(batches):
        if kind == "ids":
            rng = np.random.default_rng(seed + b)
            y_true, y_pred = rng.integers(0, 3, 5), rng.integers(0, 3, 5)
        else:
            y_true, y_pred = _loss_inputs(kind, 5, 4, seed + b)
        sw = np.random.default_rng(seed).uniform(0, 1, 5).astype(np.float32) if b == 1 else None
        theirs.update_state(y_true, y_pred, sample_weight=sw)
        mine.update_state(y_true, y_pred, sample_weight=sw)
    assert mine.result().dtype == ut.float32
    close(mine.result().numpy(), theirs.result(), "transcendental", 20)
    mine.reset_state()
    theirs.reset_state()
    assert float(mine.result()) == float(theirs.result()) == 0.0


@given(values=hnp.arrays(np.float32, st.integers(1, 6),
                         elements=st.floats(-100, 100, width=32)),
       weights=st.one_of(st.none(), st.just("random")))
def test_mean_metric_matches_keras(backend, values, weights):
    sw = None if weights is None else np.random.default_rng(0).uniform(
        0.1, 1, values.shape).astype(np.float32)
    theirs, mine = keras.metrics.Mean(), uk.metrics.Mean()
    theirs.update_state(values, sample_weight=sw)
    mine.update_state(values, sample_weight=sw)
    theirs.update_state(2.5)
    mine.update_state(2.5)
    close(mine.result().numpy(), theirs.result(), "reduction", values.size + 1)


def test_accuracy_compares_class_ids_and_never_thresholds_them(backend):
    m = uk.metrics.Accuracy()
    m.update_state(ut.tensor([2, 1, 0]), ut.tensor([2, 1, 1]))  # predicted class ids
    close(m.result().numpy(), 2 / 3)


def test_metrics_update_inside_compiled_functions(backend):
    acc = uk.metrics.SparseCategoricalAccuracy()
    mean = uk.metrics.Mean()

    @ut.compile(fallback=False)
    def step(y, scores):
        acc.update_state(y, scores)
        mean.update_state(ut.sum(scores))

    step(ut.tensor([1, 0]), ut.tensor([[0.1, 0.9], [0.2, 0.8]]))
    step(ut.tensor([1, 1]), ut.tensor([[0.1, 0.9], [0.2, 0.8]]))
    close(acc.result().numpy(), 0.75)
    close(mean.result().numpy(), 2.0)


# ---------------------------------------------------------------------------------------
# fit / evaluate / predict on the same weights as Keras


def mlp(K):
    return K.Sequential([K.Input(shape=(6,)), K.layers.Dense(16, activation="relu"),
                         K.layers.BatchNormalization(), K.layers.Dense(3, activation="softmax")])


def data(n=100, seed=0):
    x = rand(n, 6, seed=seed)
    y = ((x[:, 0] + x[:, 1] > 0).astype("int64") + (x[:, 2] > 1)).astype("int64")
    return x, y


@pytest.mark.parametrize("optimizer", ["adam", "sgd", "rmsprop"])
def test_fit_evaluate_predict_match_keras_on_the_same_weights(backend, optimizer):
    x, y = data()
    real, ours = mlp(keras), mlp(uk)
    ours.set_weights(real.get_weights())
    for m in (real, ours):
        m.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    theirs = real.fit(x, y, batch_size=16, epochs=3, shuffle=False, validation_split=0.2,
                      verbose=0)
    mine = ours.fit(x, y, batch_size=16, epochs=3, shuffle=False, validation_split=0.2,
                    verbose=0)
    assert sorted(mine.history) == sorted(theirs.history)
    steps = 3 * 5
    for key in theirs.history:
        close(mine.history[key], theirs.history[key], "training", steps, msg=key)
    for a, b in zip(ours.get_weights(), real.get_weights()):
        close(a, b, "training", steps)
    ev_mine, ev_theirs = ours.evaluate(x, y, verbose=0), real.evaluate(x, y, verbose=0)
    close(ev_mine, ev_theirs, "training", steps)
    close(ours.predict(x, verbose=0), real.predict(x, verbose=0), "training", steps)
    assert mine.epoch == theirs.epoch == [0, 1, 2]


def test_accuracy_string_follows_the_targets_shape_as_keras(backend):
    x, y = data(40)
    for loss, targets, expected in (
            ("sparse_categorical_crossentropy", y, "SparseCategoricalAccuracy"),
            ("categorical_crossentropy", uk.utils.to_categorical(y, 3), "CategoricalAccuracy")):
        model = mlp(uk)
        model.compile(optimizer="sgd", loss=loss, metrics=["accuracy"])
        model.fit(x, targets, epochs=1, verbose=0)
        assert type(model.metrics[0]).__name__ == expected
        assert model.metrics_names == ["loss", "accuracy"]
    binary = uk.Sequential([uk.Input(shape=(6,)), uk.layers.Dense(1, activation="sigmoid")])
    binary.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["acc"])
    binary.fit(x, (y > 0).astype("float32"), epochs=1, verbose=0)
    assert type(binary.metrics[0]).__name__ == "BinaryAccuracy"


def test_validation_split_holds_out_the_last_samples(backend):
    x, y = data(50)
    model = uk.Sequential([uk.Input(shape=(6,)), uk.layers.Dense(3)])
    model.compile(optimizer=uk.optimizers.SGD(0.0),
                  loss=uk.losses.SparseCategoricalCrossentropy(from_logits=True))
    history = model.fit(x, y, epochs=1, validation_split=0.2, verbose=0)
    expected = model.evaluate(x[40:], y[40:], verbose=0)
    close(history.history["val_loss"][0], expected, "training", 2)


def test_one_program_gives_the_same_losses_on_every_backend(backends):
    x, y = data(96, seed=3)
    runs = {}
    for b in backends:
        with ut.use_backend(b):
            uk.utils.set_random_seed(7)
            model = mlp(uk)
            model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                          metrics=["accuracy"])
            history = model.fit(x, y, batch_size=16, epochs=3, validation_split=0.25,
                                verbose=0)
            runs[b] = (history.history, history.step_losses)
    (first_h, first_s), steps = next(iter(runs.values())), 3 * 5
    for h, s in runs.values():
        close(s, first_s, "training", steps)
        for key in first_h:
            close(h[key], first_h[key], "training", steps, msg=key)


def test_fit_takes_a_tf_data_pipeline_on_every_backend(backend):
    tf = pytest.importorskip("tensorflow")
    x, y = data(64)
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    model = mlp(uk)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(ds, epochs=2, validation_data=ds, verbose=0)
    assert len(history.history["loss"]) == 2 and "val_accuracy" in history.history
    assert model.predict(ds, verbose=0).shape == (64, 3)


def test_train_and_test_on_batch(backend):
    x, y = data(32)
    model = mlp(uk)
    model.compile(optimizer="sgd", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    loss, acc = model.train_on_batch(x, y)
    assert 0 <= acc <= 1 and loss > 0
    assert int(model.optimizer.iterations) == 1
    logs = model.test_on_batch(x, y, return_dict=True)
    assert sorted(logs) == ["accuracy", "loss"]
    assert model.predict_on_batch(x).shape == (32, 3)


def test_unsupported_fit_arguments_raise_the_same_error(backends):
    def fit_with_weights():
        model = mlp(uk)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(np.ones((4, 6)), np.ones((4, 3)), sample_weight=np.ones(4), verbose=0)

    same_error(backends, NotImplementedError, fit_with_weights, match="sample_weight")


# ---------------------------------------------------------------------------------------
# callbacks, driven with the same logs as Keras's


class FakeModel:
    """What monitor callbacks touch: stop_training, weights, the optimizer."""

    def __init__(self, optimizer):
        self.stop_training = False
        self.optimizer = optimizer
        self.weights = [np.zeros(1)]

    def get_weights(self):
        return list(self.weights)

    def set_weights(self, w):
        self.weights = list(w)


LOG_SEQUENCES = [
    [1.0, 0.9, 0.95, 0.97, 0.96, 0.8, 0.85, 0.9, 0.91, 0.92],
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    [0.5, 0.4, 0.3, 0.35, 0.2, 0.25, 0.26, 0.27],
]


@pytest.mark.parametrize("values", LOG_SEQUENCES)
@pytest.mark.parametrize("kwargs", [dict(patience=0), dict(patience=2),
                                    dict(patience=1, min_delta=0.05),
                                    dict(patience=2, baseline=0.5),
                                    dict(patience=1, start_from_epoch=3),
                                    dict(patience=2, restore_best_weights=True)])
def test_early_stopping_stops_where_keras_stops(values, kwargs):
    stops = {}
    for name, module in (("keras", keras), ("ours", uk)):
        cb = module.callbacks.EarlyStopping(monitor="val_loss", **kwargs)
        model = FakeModel(None)
        cb.set_model(model)
        cb.on_train_begin()
        for epoch, v in enumerate(values):
            model.weights = [np.array([float(epoch)])]
            cb.on_epoch_end(epoch, {"val_loss": v})
            if model.stop_training:
                break
        cb.on_train_end()
        stops[name] = (epoch, cb.stopped_epoch, cb.best, cb.wait, model.weights[0].tolist())
    assert stops["ours"] == stops["keras"]


@pytest.mark.parametrize("kwargs", [dict(patience=1), dict(patience=2, cooldown=1),
                                    dict(patience=1, factor=0.5, min_lr=0.004),
                                    dict(patience=1, mode="max", monitor="val_accuracy")])
def test_reduce_lr_on_plateau_reduces_where_keras_reduces(backend, kwargs):
    values = [1.0, 0.9, 0.95, 0.97, 0.96, 0.8, 0.85, 0.9, 0.91, 0.92]
    rates = {}
    for name, module in (("keras", keras), ("ours", uk)):
        opt = module.optimizers.SGD(learning_rate=0.1)
        cb = module.callbacks.ReduceLROnPlateau(**kwargs)
        model = FakeModel(opt)
        cb.set_model(model)
        cb.on_train_begin()
        seen = []
        for epoch, v in enumerate(values):
            logs = {"val_loss": v, "val_accuracy": 1 - v}
            cb.on_epoch_end(epoch, logs)
            seen.append(round(logs["learning_rate"], 7))
        rates[name] = seen
    assert rates["ours"] == rates["keras"]


def test_csv_logger_writes_what_keras_writes(tmp_path):
    logs = [{"loss": 0.5, "accuracy": 0.7}, {"loss": 0.25, "accuracy": 0.8}]
    rows = {}
    for name, module in (("keras", keras), ("ours", uk)):
        path = tmp_path / f"{name}.csv"
        cb = module.callbacks.CSVLogger(str(path))
        cb.on_train_begin()
        for epoch, entry in enumerate(logs):
            cb.on_epoch_end(epoch, dict(entry))
        cb.on_train_end()
        with open(path) as f:
            rows[name] = list(csv.reader(f))
    assert rows["ours"] == rows["keras"]


def test_fit_runs_keras_callbacks(backend, tmp_path):
    x, y = data(64)
    model = mlp(uk)
    model.compile(optimizer=uk.optimizers.SGD(0.05), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    seen = []
    callbacks = [
        uk.callbacks.EarlyStopping(monitor="val_loss", patience=0, mode="max"),
        uk.callbacks.ModelCheckpoint(str(tmp_path / "ckpt-{epoch}.keras")),
        uk.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.h5"), save_best_only=True,
                                     save_weights_only=True),
        uk.callbacks.CSVLogger(str(tmp_path / "log.csv")),
        uk.callbacks.ReduceLROnPlateau(patience=1),
        uk.callbacks.TensorBoard(str(tmp_path / "tb")),
        uk.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(logs["loss"])),
    ]
    history = model.fit(x, y, batch_size=16, epochs=5, validation_split=0.25,
                        callbacks=callbacks, verbose=0)
    stopped = len(history.epoch)
    assert stopped == 2  # mode="max" on a falling val_loss: the second epoch stops it
    assert sorted(p.name for p in tmp_path.glob("ckpt-*.keras")) == ["ckpt-1.keras",
                                                                     "ckpt-2.keras"]
    assert uk.models.load_model(tmp_path / "ckpt-2.keras").count_params() == \
        model.count_params()
    assert (tmp_path / "best.weights.h5").exists()
    assert len(seen) == stopped * 3
    assert "learning_rate" in history.history
    with open(tmp_path / "log.csv") as f:
        assert len(list(csv.reader(f))) == stopped + 1
    assert list((tmp_path / "tb" / "train").iterdir())
    assert list((tmp_path / "tb" / "validation").iterdir())


def test_monitoring_a_name_keras_cannot_orient_raises_as_keras(backend):
    cb = uk.callbacks.EarlyStopping(monitor="val_something")
    cb.set_model(FakeModel(None))
    with pytest.raises(ValueError, match="mode='max'"):
        cb.on_epoch_end(0, {"val_something": 1.0})


def test_fit_takes_several_inputs_as_a_list_or_a_dict(backend):
    def model(named):
        a = uk.Input(shape=(4,), name="x1")
        b = uk.Input(shape=(3,), name="x2")
        out = uk.layers.Dense(2)(uk.layers.Concatenate()([a, b]))
        m = uk.Model({"x1": a, "x2": b} if named else [a, b], out)
        m.compile(optimizer="sgd", loss="mse")
        return m

    xa, xb, y = rand(10, 4), rand(10, 3, seed=1), rand(10, 2, seed=2)
    ut.manual_seed(0)
    listed = model(False)
    h1 = listed.fit([xa, xb], y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                    validation_split=0.2)
    ut.manual_seed(0)
    named = model(True)
    h2 = named.fit({"x1": xa, "x2": xb}, y, batch_size=4, epochs=2, shuffle=False,
                   verbose=0, validation_split=0.2)
    close(h1.history["loss"], h2.history["loss"], "training", 6)
    assert listed.predict([xa, xb], verbose=0).shape == (10, 2)


def test_a_keras_model_trains_with_ut_fit_in_training_mode(backend):
    x, y = data(64)
    ut.manual_seed(0)
    model = uk.Sequential([uk.Input(shape=(6,)), uk.layers.Dense(8),
                           uk.layers.BatchNormalization(), uk.layers.Dense(3)])
    opt = uk.optimizers.Adam(learning_rate=0.01)
    opt.build(model.trainable_variables)
    loader = ut.data.DataLoader((x, y), batch_size=16)
    loss = uk.losses.SparseCategoricalCrossentropy(from_logits=True)
    history = ut.fit(model, lambda out, target: loss(target, out), opt, loader, epochs=2,
                     metrics=[uk.metrics.SparseCategoricalAccuracy(name="acc")],
                     progress=False)
    assert len(history["acc"]) == 2
    bn = model.layers[1]
    assert not np.allclose(bn.moving_mean.numpy(), 0.0)  # batch statistics were used
    assert int(opt.iterations) == 8


def test_adam_eager_and_compiled_steps_round_alike(backend):
    """Eager steps use the backend's fused kernel, compiled ones unitorch ops arranged
    as the kernel computes: a run mixing them matches an all-eager run to rounding."""
    w0 = rand(64, 32, seed=4)
    grads = [rand(64, 32, seed=20 + s) for s in range(6)]
    runs = []
    for compiled in (False, True):
        w = ut.nn.Parameter(ut.asarray(w0))
        opt = uk.optimizers.Adam(learning_rate=0.01, amsgrad=True)
        opt.build([w])
        def update(g, opt=opt, w=w):
            opt.apply([g], [w])

        step = ut.compile(update, fallback=False) if compiled else update
        for g in grads:
            step(ut.asarray(g))
        runs.append(w.numpy())
    close(runs[1], runs[0], "optimizer", 6)
