"""``unitorch.keras.layers`` against Keras 3 itself.

Each layer is built by real Keras and by unitorch.keras with the same arguments, given
the same (random, non-trivial) weights, and run on the same input on every backend: the
outputs, the weights' names, shapes and order, the configs and the defaults must be
Keras's.  Tolerances: the "matmul" family scaled by the dot-product length and the
outputs' magnitude (both sides compute the same float32 formula with differently
ordered sums), "composite" for the normalizations and recurrences.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error

keras = pytest.importorskip("keras")
import unitorch.keras as uk  # noqa: E402


def close(actual, expected, k=1, family="matmul", msg=""):
    expected = np.asarray(expected, dtype=np.float64)
    scale = k * max(1.0, float(np.abs(expected).max(initial=0.0)))
    rtol, atol = family_tolerance(family, ut.float32, scale)
    assert_close(np.asarray(actual, np.float64), expected, rtol, atol, msg=msg)


def rand(*shape, seed=0, low=None):
    rng = np.random.default_rng(seed)
    if low is not None:
        return rng.uniform(low, 1.5, shape).astype(np.float32)
    return rng.standard_normal(shape).astype(np.float32)


def randomized(real, seed=1):
    """Give a built Keras layer random weights (positive where a variance is)."""
    rng = np.random.default_rng(seed)
    values = []
    for w in real.weights:
        shape = tuple(w.shape)
        if w.path.endswith(("moving_variance", "gamma")):
            values.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        else:
            values.append(rng.normal(0, 0.5, shape).astype(np.float32))
    real.set_weights(values)
    return values


# (layer, args, kwargs, input shape, integer inputs, dot-product length)
CASES = [
    ("Dense", (8,), {}, (5, 7), False, 7),
    ("Dense", (8,), dict(activation="relu", use_bias=False), (2, 3, 7), False, 7),
    ("Conv2D", (6, 3), {}, (2, 9, 9, 4), False, 36),
    ("Conv2D", (6, 3), dict(padding="same", activation="tanh"), (2, 9, 9, 4), False, 36),
    ("Conv2D", (6, 3), dict(strides=2, padding="same"), (2, 9, 8, 4), False, 36),
    ("Conv2D", (6, (3, 2)), dict(strides=(2, 1), dilation_rate=1), (2, 9, 9, 4), False, 24),
    ("Conv2D", (6, 3), dict(dilation_rate=2, padding="same"), (2, 9, 9, 4), False, 36),
    ("Conv2D", (6, 3), dict(groups=2), (2, 9, 9, 4), False, 18),
    ("Conv2D", (6, 3), dict(data_format="channels_first"), (2, 4, 9, 9), False, 36),
    ("MaxPooling2D", (), {}, (2, 9, 9, 3), False, 1),
    ("MaxPooling2D", (3,), dict(strides=2, padding="same"), (2, 9, 8, 3), False, 1),
    ("AveragePooling2D", (2,), {}, (2, 9, 9, 3), False, 4),
    ("AveragePooling2D", (3,), dict(strides=2, padding="same"), (2, 9, 8, 3), False, 9),
    ("AveragePooling2D", ((3, 2),), dict(strides=(1, 2), data_format="channels_first"),
     (2, 3, 9, 8), False, 6),
    ("GlobalAveragePooling2D", (), {}, (2, 5, 5, 3), False, 25),
    ("GlobalMaxPooling2D", (), dict(keepdims=True), (2, 5, 5, 3), False, 1),
    ("GlobalAveragePooling1D", (), {}, (2, 5, 3), False, 5),
    ("BatchNormalization", (), {}, (4, 5, 5, 3), False, 1),
    ("BatchNormalization", (), dict(axis=1, center=False), (4, 3, 5), False, 1),
    ("LayerNormalization", (), {}, (4, 6), False, 6),
    ("LayerNormalization", (), dict(axis=1, epsilon=1e-5), (4, 6, 2), False, 6),
    ("Embedding", (10, 4), {}, (3, 5), True, 1),
    ("LSTM", (5,), {}, (3, 6, 4), False, 40),
    ("LSTM", (5,), dict(return_sequences=True, go_backwards=True), (3, 6, 4), False, 40),
    ("GRU", (5,), {}, (3, 6, 4), False, 40),
    ("GRU", (5,), dict(reset_after=False, return_sequences=True), (3, 6, 4), False, 40),
    ("SimpleRNN", (5,), dict(activation="relu"), (3, 6, 4), False, 40),
    ("Flatten", (), {}, (2, 3, 4, 5), False, 1),
    ("Flatten", (), dict(data_format="channels_first"), (2, 3, 4, 5), False, 1),
    ("Reshape", ((6, 10),), {}, (2, 3, 4, 5), False, 1),
    ("Permute", ((2, 1),), {}, (2, 3, 4), False, 1),
    ("Rescaling", (1 / 255.0,), dict(offset=-0.5), (2, 4), False, 1),
    ("Activation", ("softmax",), {}, (2, 4), False, 4),
    ("ReLU", (), dict(max_value=1.0, negative_slope=0.1, threshold=0.2), (2, 4), False, 1),
    ("LeakyReLU", (), {}, (2, 4), False, 1),
    ("Softmax", (), dict(axis=1), (2, 4, 3), False, 4),
    ("Identity", (), {}, (2, 4), False, 1),
]


def _inputs(shape, integer):
    if integer:
        return np.random.default_rng(3).integers(0, 10, shape)
    return rand(*shape, seed=2)


def _pair(name, args, kwargs, shape):
    real = getattr(keras.layers, name)(*args, **kwargs)
    real.build(shape)
    values = randomized(real)
    ours = getattr(uk.layers, name)(*args, **kwargs)
    return real, ours, values


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_layer_computes_what_keras_computes_on_the_same_weights(backend, case):
    name, args, kwargs, shape, integer, k = case
    x = _inputs(shape, integer)
    real, ours, values = _pair(name, args, kwargs, shape)
    expected = real(x)
    ours(x)  # built lazily from the input
    ours.set_weights(values)
    out = ours(x)
    assert isinstance(out, ut.Tensor) and out.backend == backend
    assert out.shape == tuple(expected.shape)
    close(out.numpy(), expected, k, msg=name)


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_weights_have_keras_names_shapes_and_order(backend, case):
    name, args, kwargs, shape, _, _ = case
    real, ours, _ = _pair(name, args, kwargs, shape)
    ours.build(shape)
    theirs = [(w.path.split("/")[-1], tuple(w.shape), bool(w.trainable)) for w in real.weights]
    keys = {id(t): k for k, t in ours.state_dict(keep_vars=True).items()}
    mine = [(keys[id(w)], tuple(w.shape), w.requires_grad) for w in ours.weights]
    assert mine == theirs
    assert len(ours.trainable_weights) == len(real.trainable_weights)
    assert ours.count_params() == real.count_params()


def _plain(config):
    """A config with Keras's serialized objects reduced to comparable values."""
    out = {}
    for key, value in config.items():
        if key in ("name", "dtype"):
            continue
        if isinstance(value, dict) and "class_name" in value:
            value = value["class_name"]
        if isinstance(value, tuple):
            value = list(value)
        out[key] = value
    return out


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_config_holds_keras_values(case):
    name, args, kwargs = case[:3]
    theirs = _plain(getattr(keras.layers, name)(*args, **kwargs).get_config())
    mine = _plain(getattr(uk.layers, name)(*args, **kwargs).get_config())
    common = set(theirs) & set(mine)
    assert common, name
    assert {k: mine[k] for k in common} == {k: theirs[k] for k in common}
    # every Keras key we leave out is an option we do not implement (and so refuse)
    assert set(theirs) - set(mine) <= {
        "kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint",
        "activity_regularizer", "quantization_config", "embeddings_regularizer",
        "embeddings_constraint", "beta_regularizer", "gamma_regularizer", "beta_constraint",
        "gamma_constraint", "renorm", "renorm_clipping", "renorm_momentum",
        "recurrent_regularizer", "recurrent_constraint", "zero_output_for_mask", "axis"}



@given(kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       h=st.integers(4, 9), w=st.integers(4, 9), padding=st.sampled_from(["valid", "same"]),
       cin=st.integers(1, 3))
def test_conv2d_output_matches_keras_for_any_geometry(backend, kh, kw, sh, sw, h, w, padding,
                                                      cin):
    shape = (2, h, w, cin)
    x = rand(*shape, seed=h * 10 + w)
    real, ours, values = _pair("Conv2D", (3, (kh, kw)), dict(strides=(sh, sw),
                                                             padding=padding), shape)
    ours.build(shape)
    ours.set_weights(values)
    expected = real(x)
    out = ours(x)
    assert out.shape == tuple(expected.shape)
    close(out.numpy(), expected, kh * kw * cin)


@given(k=st.integers(1, 4), s=st.integers(1, 3), h=st.integers(4, 9),
       padding=st.sampled_from(["valid", "same"]),
       kind=st.sampled_from(["MaxPooling2D", "AveragePooling2D"]))
def test_pooling_matches_keras_for_any_geometry(backend, k, s, h, padding, kind):
    x = rand(2, h, h + 1, 2, seed=h)
    expected = getattr(keras.layers, kind)(k, strides=s, padding=padding)(x)
    out = getattr(uk.layers, kind)(k, strides=s, padding=padding)(x)
    assert out.shape == tuple(expected.shape)
    close(out.numpy(), expected, k * k)


def test_batch_normalization_training_step_and_moving_statistics_match_keras(backend):
    x = rand(6, 3, 3, 4, seed=5) * 3 + 1
    real, ours, values = _pair("BatchNormalization", (), {}, x.shape)
    ours.build(x.shape)
    ours.set_weights(values)
    expected = real(x, training=True)
    out = ours(x, training=True)
    close(out.numpy(), expected, 1, "composite")
    for mine, theirs in zip(ours.weights, real.weights):
        close(mine.numpy(), theirs, 1, "composite", msg=theirs.path)
    # defaults: Keras's momentum and epsilon, not PyTorch's
    cfg = ours.get_config()
    assert (cfg["momentum"], cfg["epsilon"]) == (0.99, 1e-3)


def test_batch_normalization_is_inference_outside_fit_and_when_frozen(backend):
    x = rand(8, 4, seed=6) * 2 + 3
    bn = uk.layers.BatchNormalization()
    before = bn(x)  # training=None: moving statistics (0 mean, unit variance), no update
    close(before.numpy(), x / math.sqrt(1 + 1e-3), 1, "composite")
    assert bn.moving_mean.numpy().tolist() == [0.0] * 4
    bn.trainable = False
    bn(x, training=True)  # a frozen layer stays in inference mode, as in Keras
    assert bn.moving_mean.numpy().tolist() == [0.0] * 4
    bn.trainable = True
    bn(x, training=True)
    assert bn.moving_mean.numpy().tolist() != [0.0] * 4


def test_training_flag_reaches_nested_layers_and_defaults_to_inference(backend):
    class Net(uk.Model):
        def __init__(self):
            super().__init__()
            self.drop = uk.layers.Dropout(0.5)

        def call(self, x, training=None):
            return self.drop(x)

    net, x = Net(), ut.ones((200,))
    assert net(x).tolist() == [1.0] * 200  # model(x): inference
    trained = net(x, training=True).numpy()
    assert set(np.unique(trained).tolist()) == {0.0, 2.0}  # dropped and rescaled
    assert net(x, training=False).tolist() == [1.0] * 200


def test_dense_builds_lazily_with_glorot_uniform_kernel_and_zero_bias(backend):
    ut.manual_seed(0)
    layer = uk.layers.Dense(300)
    assert not layer.built and layer.weights == []
    layer(np.zeros((1, 200), dtype=np.float32))
    kernel = layer.kernel.numpy()
    limit = math.sqrt(6 / (200 + 300))
    assert kernel.shape == (200, 300) and np.abs(kernel).max() <= limit
    # a uniform distribution on [-l, l]: variance l^2 / 3 (60 000 draws: 2% is ~5 sigma)
    assert abs(kernel.var() / (limit ** 2 / 3) - 1) < 0.02
    assert layer.bias.numpy().tolist() == [0.0] * 300


def test_default_initializers_are_keras_ones(backend):
    ut.manual_seed(1)
    emb = uk.layers.Embedding(50, 40)
    emb(np.zeros((1, 1), dtype=np.int64))
    assert np.abs(emb.embeddings.numpy()).max() <= 0.05
    lstm = uk.layers.LSTM(4)
    lstm(np.zeros((1, 2, 3), dtype=np.float32))
    assert lstm.bias.numpy().tolist() == [0.0] * 4 + [1.0] * 4 + [0.0] * 8  # forget gate
    q = lstm.recurrent_kernel.numpy()  # orthogonal (4, 16): orthonormal rows
    close(q @ q.T, np.eye(4), 16, "composite")
    conv = uk.layers.Conv2D(8, 3)
    conv(np.zeros((1, 5, 5, 2), dtype=np.float32))
    assert np.abs(conv.kernel.numpy()).max() <= math.sqrt(6 / (3 * 3 * 2 + 3 * 3 * 8))


def test_one_seed_builds_the_same_model_on_every_backend(backends):
    weights = {}
    for b in backends:
        with ut.use_backend(b):
            ut.manual_seed(123)
            model = uk.Sequential([uk.Input(shape=(6, 6, 1)), uk.layers.Conv2D(3, 3),
                                   uk.layers.Flatten(), uk.layers.Dense(4),
                                   uk.layers.Dense(2)])
            weights[b] = model.get_weights()
    first = next(iter(weights.values()))
    for ws in weights.values():
        for a, b in zip(ws, first):
            assert np.array_equal(a, b)


def test_layers_in_lists_and_dicts_are_tracked(backend):
    class Stack(uk.layers.Layer):
        def __init__(self):
            super().__init__()
            self.blocks = [uk.layers.Dense(3), uk.layers.Dense(2)]
            self.heads = {"a": uk.layers.Dense(1)}

        def call(self, x):
            for block in self.blocks:
                x = block(x)
            return self.heads["a"](x)

    layer = Stack()
    layer(np.ones((1, 4), dtype=np.float32))
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,), (3, 2), (2,), (2, 1), (1,)]
    assert list(layer.state_dict()) == ["blocks.0.kernel", "blocks.0.bias", "blocks.1.kernel",
                                        "blocks.1.bias", "heads.a.kernel", "heads.a.bias"]
    layer.trainable = False
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 6


def test_floating_inputs_are_cast_to_the_layer_dtype_and_integers_kept(backend):
    dense = uk.layers.Dense(2)
    assert dense(np.ones((1, 3), dtype=np.float64)).dtype == ut.float32
    emb = uk.layers.Embedding(5, 2)
    assert emb(np.array([[1.0, 2.0]])).shape == (1, 2, 2)  # float ids become integers
    assert uk.layers.Dense(2, dtype="float64")(np.ones((1, 3))).dtype == ut.float64


def test_functional_api_infers_shapes_with_unknown_axes(backend):
    x = uk.Input(shape=(None, 4))
    y = uk.layers.LSTM(3, return_sequences=True)(x)
    assert y.shape == (None, None, 3)
    z = uk.layers.Dense(2)(uk.layers.GlobalAveragePooling1D()(y))
    assert z.shape == (None, 2)
    assert uk.layers.Dense(5).compute_output_shape((None, 7)) == (None, 5)


# ---------------------------------------------------------------------------------------
# errors: the same type and message on every backend


def test_unsupported_options_raise_the_same_error_on_every_backend(backends):
    same_error(backends, NotImplementedError, lambda: uk.layers.Dense(3, kernel_regularizer="l2"),
               match="kernel_regularizer")
    same_error(backends, NotImplementedError, lambda: uk.layers.Embedding(3, 2, mask_zero=True),
               match="mask_zero")
    same_error(backends, NotImplementedError, lambda: uk.layers.LSTM(3, dropout=0.2),
               match="dropout")
    same_error(backends, ValueError, lambda: uk.layers.Dense(3, foo=1),
               match="Unrecognized keyword arguments passed to Dense")
    same_error(backends, ValueError, lambda: uk.layers.Conv2D(3, 3, data_format="nhwc"),
               match="data_format")


def test_keras_layers_unitorch_lacks_name_the_alternative(backends):
    msg = same_error(backends, AttributeError, lambda: uk.layers.Conv3D, match="Conv3D")
    assert "custom Layer" in msg
    msg = same_error(backends, AttributeError, lambda: uk.layers.Bidirectional)
    assert "go_backwards" in msg


def test_symbolic_tensors_refuse_operators(backend):
    x = uk.Input(shape=(3,))
    with pytest.raises(TypeError, match=r"keras\.layers\.Add"):
        x + 1


def test_building_inside_a_compiled_function_says_how_to_build_first(backend):
    layer = uk.layers.Dense(2)

    @ut.compile(fallback=False)
    def f(x):
        return layer(x)

    if backend == "tensorflow":
        with pytest.raises(Exception, match="build it first"):
            f(ut.ones((1, 3)))
    layer(ut.ones((1, 3)))  # built eagerly: the compiled function then runs
    assert f(ut.ones((1, 3))).shape == (1, 2)


ACTIVATIONS = ["relu", "leaky_relu", "relu6", "elu", "selu", "gelu", "silu", "swish", "mish",
               "softplus", "softsign", "sigmoid", "hard_sigmoid", "tanh", "exponential",
               "linear", "softmax", "log_softmax"]


@pytest.mark.parametrize("name", ACTIVATIONS)
@given(x=st.lists(st.floats(-8, 8, width=32), min_size=1, max_size=6))
def test_activations_match_keras(backend, name, x):
    x = np.asarray([x], dtype=np.float32)
    theirs = getattr(keras.activations, name)(x)
    mine = uk.activations.get(name)(x)
    close(getattr(mine, "numpy", lambda: mine)(), theirs, 4, "transcendental")


def test_relu_options_match_keras(backend):
    x = np.linspace(-3, 9, 25, dtype=np.float32)
    for kwargs in (dict(negative_slope=0.2), dict(max_value=6.0), dict(threshold=1.0),
                   dict(negative_slope=0.1, max_value=2.0, threshold=-1.0)):
        close(uk.activations.relu(x, **kwargs).numpy(), keras.activations.relu(x, **kwargs))


@pytest.mark.parametrize("name", ["GlorotUniform", "GlorotNormal", "HeNormal", "HeUniform",
                                  "LecunNormal", "LecunUniform", "RandomNormal",
                                  "RandomUniform", "TruncatedNormal", "Orthogonal"])
def test_initializers_draw_keras_distributions(backend, name):
    shape = (3, 3, 40, 60)  # fans 360 and 540; 21 600 draws
    ut.manual_seed(0)
    mine = getattr(uk.initializers, name)()(shape).numpy()
    theirs = np.asarray(getattr(keras.initializers, name)(seed=1)(shape))
    assert mine.shape == theirs.shape and mine.dtype == np.float32
    # the same distribution: equal spread (5 sigma of the sampling error of a std is
    # about 5 / sqrt(2 n) = 2.4%) and range
    assert abs(mine.std() / theirs.std() - 1) < 0.05
    assert abs(mine.mean()) < 5 * theirs.std() / math.sqrt(mine.size)
    if name not in ("GlorotNormal", "HeNormal", "LecunNormal", "RandomNormal", "Orthogonal"):
        # bounded distributions (uniform, truncated): the same range
        assert abs(np.abs(mine).max() / np.abs(theirs).max() - 1) < 0.1
