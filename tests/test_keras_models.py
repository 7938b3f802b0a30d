"""``unitorch.keras`` models: Sequential, functional and subclassed models, their Keras
attributes (``layers``, ``trainable_variables``, ``summary``), saving in unitorch's
format (across backends), exporting, and conversion to and from real Keras 3 models
(outputs compared on the same input)."""

from __future__ import annotations

import io
from contextlib import redirect_stdout

import numpy as np
import pytest

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error

keras = pytest.importorskip("keras")
import unitorch.keras as uk  # noqa: E402


def close(actual, expected, k=1, family="matmul"):
    expected = np.asarray(expected, dtype=np.float64)
    scale = k * max(1.0, float(np.abs(expected).max(initial=0.0)))
    rtol, atol = family_tolerance(family, ut.float32, scale)
    assert_close(np.asarray(actual, np.float64), expected, rtol, atol)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def convnet(K):
    return K.Sequential([
        K.Input(shape=(10, 10, 3)),
        K.layers.Conv2D(4, 3, padding="same", activation="relu"),
        K.layers.BatchNormalization(),
        K.layers.MaxPooling2D(),
        K.layers.Conv2D(6, 3, strides=2),
        K.layers.Flatten(),
        K.layers.Dropout(0.3),
        K.layers.Dense(5, activation="tanh"),
        K.layers.Dense(3),
    ], name="convnet")


def functional(K):
    a = K.Input(shape=(4,), name="a")
    b = K.Input(shape=(3,), name="b")
    h = K.layers.Dense(5, activation="relu", name="hidden")(a)
    joined = K.layers.Concatenate(name="join")([h, b])
    shared = K.layers.Dense(2, name="shared")
    first = shared(joined)
    return K.Model([a, b], [first, K.layers.Add(name="sum")([first, shared(joined)])],
                   name="two_heads")


def randomize_bn(model):
    rng = np.random.default_rng(8)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.moving_mean.assign(rng.normal(0, 0.5, n).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 2, n).astype(np.float32))


# ---------------------------------------------------------------------------------------
# conversion


def test_from_keras_sequential_computes_what_keras_computes(backend):
    real = convnet(keras)
    randomize_bn(real)
    ours = uk.models.from_keras(real)
    x = rand(3, 10, 10, 3)
    close(ours(x).numpy(), real(x), 36)
    assert [layer.name for layer in ours.layers] == [layer.name for layer in real.layers]


def test_to_keras_round_trip_keeps_the_function(backend):
    ut.manual_seed(0)
    ours = convnet(uk)
    x = rand(2, 10, 10, 3, seed=1)
    ours(x, training=True)  # move the BatchNormalization statistics
    real = uk.models.to_keras(ours)
    close(real(x), ours(x).numpy(), 36)
    again = uk.models.from_keras(real)
    close(again(x).numpy(), ours(x).numpy(), 36)


def test_functional_models_with_shared_layers_and_two_heads_convert_both_ways(backend):
    real = functional(keras)
    xa, xb = rand(5, 4, seed=2), rand(5, 3, seed=3)
    ours = uk.models.from_keras(real)
    for mine, theirs in zip(ours([xa, xb]), real([xa, xb])):
        close(mine.numpy(), theirs, 8)
    back = uk.models.to_keras(ours)
    for mine, theirs in zip(ours([xa, xb]), back([xa, xb])):
        close(mine.numpy(), theirs, 8)
    assert [w.shape for w in ours.weights] == [tuple(w.shape) for w in real.weights]


def test_a_subclassed_keras_model_moves_by_set_weights(backend):
    class KerasNet(keras.Model):
        def __init__(self):
            super().__init__()
            self.conv = keras.layers.Conv2D(4, 3, activation="relu")
            self.flat = keras.layers.Flatten()
            self.out = keras.layers.Dense(3)

        def call(self, x):
            return self.out(self.flat(self.conv(x)))

    class OurNet(uk.Model):  # the same class, written with unitorch.keras
        def __init__(self):
            super().__init__()
            self.conv = uk.layers.Conv2D(4, 3, activation="relu")
            self.flat = uk.layers.Flatten()
            self.out = uk.layers.Dense(3)

        def call(self, x):
            return self.out(self.flat(self.conv(x)))

    x = rand(2, 6, 6, 1, seed=4)
    real, ours = KerasNet(), OurNet()
    real(x)
    ours(x)
    assert [tuple(w.shape) for w in ours.trainable_variables] == \
        [tuple(w.shape) for w in real.trainable_variables]
    ours.set_weights(real.get_weights())
    close(ours(x).numpy(), real(x), 144)
    with pytest.raises(NotImplementedError, match="set_weights"):
        uk.models.from_keras(real)


def test_unsupported_keras_layers_are_refused_by_name():
    real = keras.Sequential([keras.Input(shape=(5, 3)), keras.layers.Conv1D(2, 2)])
    with pytest.raises(NotImplementedError, match="Conv1D"):
        uk.models.from_keras(real)


# ---------------------------------------------------------------------------------------
# model attributes


def test_sequential_and_functional_list_layers_and_variables_as_keras_does(backend):
    ours, real = convnet(uk), convnet(keras)
    assert [type(layer).__name__ for layer in ours.layers] == \
        [type(layer).__name__ for layer in real.layers]
    assert [tuple(w.shape) for w in ours.trainable_variables] == \
        [tuple(w.shape) for w in real.trainable_variables]
    assert [tuple(w.shape) for w in ours.non_trainable_weights] == \
        [tuple(w.shape) for w in real.non_trainable_weights]
    assert ours.count_params() == real.count_params()
    assert ours.get_layer(ours.layers[-2].name).units == 5
    assert ours.get_layer(index=0) is ours.layers[0]


def test_summary_reports_keras_shapes_and_counts(backend):
    ours, real = convnet(uk), convnet(keras)
    mine, theirs = [], []
    ours.summary(print_fn=mine.append)
    real.summary(print_fn=lambda line, *a, **k: theirs.append(line))
    text = "\n".join(theirs)
    for ours_layer, layer in zip(ours.layers, real.layers):  # name, shape, parameters
        row = next(line for line in mine if f" {ours_layer.name}" in line)
        shape = "(" + ", ".join("None" if s is None else str(s)
                                for s in layer.output.shape) + ")"
        assert shape in row and f"{layer.count_params():,}" in row
    for line in mine[-3:]:  # Total / Trainable / Non-trainable params lines
        assert line.strip() in text


def test_unbuilt_sequential_summary_raises_as_keras_does(backend):
    model = uk.Sequential([uk.layers.Dense(2)])
    with pytest.raises(ValueError, match="not yet been built"):
        model.summary()
    model(np.ones((1, 3), dtype=np.float32))
    out = io.StringIO()
    with redirect_stdout(out):
        model.summary()
    assert "(None, 2)" in out.getvalue()


def test_model_call_converts_arrays_and_lists(backend):
    model = functional(uk)
    out = model([np.ones((2, 4)), np.ones((2, 3))])
    assert [o.shape for o in out] == [(2, 2), (2, 2)]
    with pytest.raises(ValueError, match="takes 2 inputs"):
        model(np.ones((2, 4)))


# ---------------------------------------------------------------------------------------
# saving


def test_save_and_load_model_across_backends(backends, tmp_path):
    x = rand(3, 10, 10, 3, seed=5)
    path = str(tmp_path / "model.keras")
    first = backends[0]
    with ut.use_backend(first):
        ut.manual_seed(0)
        model = convnet(uk)
        model.compile(optimizer="adam", loss="mse", metrics=["mae"])
        model.fit(x, rand(3, 3, seed=6), epochs=1, verbose=0)
        expected = model(x).numpy()
        model.save(path)
    for b in backends:
        with ut.use_backend(b):
            loaded = uk.models.load_model(path)
            assert loaded(x).backend == b
            close(loaded(x).numpy(), expected, 36)
            assert int(loaded.optimizer.iterations) == 1 and loaded.loss == "mse"


def test_save_and_load_functional_and_weights(backend, tmp_path):
    model = functional(uk)
    xa, xb = rand(2, 4), rand(2, 3)
    model.save(tmp_path / "f.keras")
    loaded = uk.models.load_model(tmp_path / "f.keras")
    for a, b in zip(model([xa, xb]), loaded([xa, xb])):
        assert np.array_equal(a.numpy(), b.numpy())
    other = functional(uk)
    model.save_weights(tmp_path / "w.weights.h5")
    other.load_weights(tmp_path / "w.weights.h5")
    for a, b in zip(model([xa, xb]), other([xa, xb])):
        assert np.array_equal(a.numpy(), b.numpy())


def test_subclassed_models_save_weights_and_registered_ones_save_whole(backend, tmp_path):
    @uk.saving.register_keras_serializable(package="tests")
    class Scaled(uk.Model):
        def __init__(self, units=3, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.dense = uk.layers.Dense(units)

        def call(self, x):
            return self.dense(x) * 2

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    model = Scaled(4)
    x = rand(2, 5)
    model(x)
    model.save(tmp_path / "s.keras")
    loaded = uk.models.load_model(tmp_path / "s.keras")
    assert np.array_equal(loaded(x).numpy(), model(x).numpy())

    class Plain(uk.Model):
        def __init__(self):
            super().__init__()
            self.dense = uk.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    plain = Plain()
    plain(x)
    plain.save(tmp_path / "p.keras")
    with pytest.raises(ValueError, match="load_weights"):
        uk.models.load_model(tmp_path / "p.keras")
    again = Plain()
    again.load_weights(tmp_path / "p.keras")
    assert np.array_equal(again(x).numpy(), plain(x).numpy())


def test_loading_a_file_that_is_not_a_unitorch_keras_model_is_refused(tmp_path):
    ut.save({"a": ut.ones(2)}, tmp_path / "x.safetensors")
    with pytest.raises(ValueError, match=r"not a model saved by unitorch\.keras"):
        uk.models.load_model(tmp_path / "x.safetensors")


def test_clone_model_has_the_architecture_and_fresh_weights(backend):
    model = convnet(uk)
    clone = uk.models.clone_model(model)
    assert clone.count_params() == model.count_params()
    assert not all(np.array_equal(a, b) for a, b in zip(clone.get_weights(),
                                                        model.get_weights()))


# ---------------------------------------------------------------------------------------
# exporting


def test_export_onnx_runs_in_onnx_runtime_with_any_batch(backend, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    ut.manual_seed(0)
    model = convnet(uk)
    path = str(tmp_path / "m.onnx")
    model.export(path, format="onnx")
    x = rand(7, 10, 10, 3, seed=9)
    (out,) = ort.InferenceSession(path).run(None, {"input_0": x})
    close(out, model(x).numpy(), 36)


def test_export_saved_model_serves_the_model(backend, tmp_path):
    tf = pytest.importorskip("tensorflow")
    ut.manual_seed(0)
    model = convnet(uk)
    model.export(str(tmp_path / "served"), format="tf_saved_model")
    served = tf.saved_model.load(str(tmp_path / "served"))
    x = rand(4, 10, 10, 3, seed=10)
    out = served.signatures["serving_default"](input_0=tf.constant(x))["output_0"]
    close(out.numpy(), model(x).numpy(), 36)


def test_models_unitorch_cannot_build_raise_the_same_error(backends):
    same_error(backends, ValueError, lambda: uk.Sequential([uk.layers.Dense(2)]).fit(
        np.ones((2, 2)), np.ones((2, 2))), match="compile")
    same_error(backends, AttributeError, lambda: uk.applications, match="applications")
    same_error(backends, ValueError, lambda: uk.Sequential([uk.layers.Dense(2, name="d"),
                                                            uk.layers.Dense(2, name="d")]),
               match="unique names")


def test_model_is_a_unitorch_module_usable_with_the_neutral_api(backend):
    model = convnet(uk)
    x = rand(2, 10, 10, 3)
    with ut.GradientTape() as tape:
        loss = ut.sum(model(x, training=True) ** 2)
    grads = tape.gradient(loss, model)
    assert set(grads) == {k for k, _ in model.named_parameters()}
    first = model.layers[0].name
    assert list(model.state_dict())[:2] == [f"{first}.kernel", f"{first}.bias"]


def test_export_a_model_with_two_inputs(backend, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = functional(uk)
    path = str(tmp_path / "two.onnx")
    model.export(path, format="onnx")
    xa, xb = rand(3, 4, seed=11), rand(3, 3, seed=12)
    outs = ort.InferenceSession(path).run(None, {"input_0": xa, "input_1": xb})
    for got, want in zip(outs, model([xa, xb])):
        close(got, want.numpy(), 8)
