"""Moving models between frameworks: ``ut.nn.from_torch``, ``from_keras``, ``to_torch``,
``to_keras``.

Each converted model is run on the same input as its source, on every backend, and its
outputs compared with the source model's (real torch and real Keras, no mocks).  The
tolerance is the "matmul" family scaled by the length of the dot products along the
path and the magnitude of the outputs: both sides compute the same float32 formula with
differently ordered sums.  Unsupported layers must raise, naming the layer.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.nn.convert import Permute, RNNOutput, UnsupportedLayerError, ZeroPad2d
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
K = keras.layers
T = torch.nn


def close(actual, expected, k, msg=""):
    """Equal within float32 matmul rounding for dot products of length ``k``."""
    expected = np.asarray(expected, dtype=np.float64)
    scale = k * max(1.0, float(np.abs(expected).max()))
    rtol, atol = family_tolerance("matmul", ut.float32, scale)
    assert_close(np.asarray(actual, np.float64), expected, rtol, atol, msg=msg)


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def randomize_bn_torch(model):
    """Non-trivial BatchNorm parameters and running statistics."""
    rng = np.random.default_rng(7)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (T.BatchNorm1d, T.BatchNorm2d)):
                n = m.num_features
                m.weight.copy_(torch.from_numpy(rng.uniform(0.5, 1.5, n).astype(np.float32)))
                m.bias.copy_(torch.from_numpy(rng.normal(0, 0.5, n).astype(np.float32)))
                m.running_mean.copy_(torch.from_numpy(rng.normal(0, 0.5, n).astype(np.float32)))
                m.running_var.copy_(torch.from_numpy(rng.uniform(0.5, 2, n).astype(np.float32)))
                m.num_batches_tracked.fill_(5)


def randomize_bn_keras(model):
    rng = np.random.default_rng(8)
    for layer in model.layers:
        if isinstance(layer, K.BatchNormalization):
            n = layer.moving_mean.shape[0]
            layer.gamma.assign(rng.uniform(0.5, 1.5, n).astype(np.float32))
            layer.beta.assign(rng.normal(0, 0.5, n).astype(np.float32))
            layer.moving_mean.assign(rng.normal(0, 0.5, n).astype(np.float32))
            layer.moving_variance.assign(rng.uniform(0.5, 2, n).astype(np.float32))


# ---------------------------------------------------------------------------------------
# from_torch / to_torch


def torch_cnn():
    torch.manual_seed(0)
    model = T.Sequential(
        T.Conv2d(3, 6, 3, padding=1), T.BatchNorm2d(6), T.ReLU(), T.MaxPool2d(2),
        T.Conv2d(6, 4, 3, stride=2, padding=1, groups=2, bias=False), T.GELU("tanh"),
        T.AvgPool2d(2, padding=1), T.AdaptiveAvgPool2d(1), T.Flatten(),
        T.Sequential(T.Linear(4, 16), T.SiLU(), T.LayerNorm(16), T.Dropout(0.5)),
        T.BatchNorm1d(16), T.Tanh(), T.Identity(), T.Linear(16, 8), T.Sigmoid(),
        T.Linear(8, 5), T.GELU(), T.Linear(5, 5), T.Softmax(-1),
    )
    randomize_bn_torch(model)
    return model.eval()


def test_from_torch_cnn(backend):
    tm = torch_cnn()
    x = rand(4, 3, 12, 12)
    expected = tm(torch.from_numpy(x)).detach().numpy()
    um = ut.nn.from_torch(tm)
    assert um.training is False and um[9].training is False
    assert list(um.state_dict()) == list(tm.state_dict())
    for key, value in tm.state_dict().items():
        assert_close(um.state_dict()[key].numpy(), value.numpy(), 0, 0, msg=key)
    out = um(ut.asarray(x))
    assert out.backend == backend and out.dtype is ut.float32
    close(out.numpy(), expected, 16 + 6 * 9, backend)


def test_from_torch_keeps_modes_and_float64(backend):
    torch.manual_seed(1)
    tm = T.Sequential(T.Linear(3, 4), T.Dropout(0.2), T.Linear(4, 2)).double()
    tm[1].eval()
    um = ut.nn.from_torch(tm)
    assert [m.training for m in um.modules()] == [m.training for m in tm.modules()]
    assert um[0].weight.dtype is ut.float64
    x = np.random.default_rng(0).standard_normal((5, 3))
    tm.eval()
    um.eval()
    expected = tm(torch.from_numpy(x)).detach().numpy()
    rtol, atol = family_tolerance("matmul", ut.float64, 8)
    assert_close(um(ut.asarray(x)).numpy(), expected, rtol, atol)


@pytest.mark.parametrize("kind, kwargs", [
    ("LSTM", dict(num_layers=2, batch_first=True)),
    ("GRU", dict(bidirectional=True)),
    ("RNN", dict(nonlinearity="relu", num_layers=2, bidirectional=True, batch_first=True)),
    ("LSTM", dict(bias=False)),
])
def test_from_torch_recurrent(backend, kind, kwargs):
    torch.manual_seed(2)
    holder = T.ModuleDict({"rnn": getattr(T, kind)(3, 5, **kwargs),
                           "heads": T.ModuleList([T.Linear(5, 2)])})
    um = ut.nn.from_torch(holder)
    assert isinstance(um, ut.nn.ModuleDict) and isinstance(um["heads"], ut.nn.ModuleList)
    assert list(um.state_dict()) == list(holder.state_dict())
    x = rand(4, 6, 3, seed=3)
    out, state = holder["rnn"](torch.from_numpy(x))
    uout, ustate = um["rnn"](ut.asarray(x))
    close(uout.numpy(), out.detach().numpy(), 6 * 8)
    for a, b in zip(ustate if kind == "LSTM" else [ustate], state if kind == "LSTM" else [state]):
        close(a.numpy(), b.detach().numpy(), 6 * 8)


def test_from_torch_embedding(backend):
    torch.manual_seed(3)
    tm = T.Sequential(T.Embedding(10, 4, padding_idx=0), T.Flatten(), T.Linear(12, 2))
    x = np.array([[0, 3, 9], [1, 2, 0]])
    expected = tm(torch.from_numpy(x)).detach().numpy()
    um = ut.nn.from_torch(tm)
    assert um[0].padding_idx == 0
    close(um(ut.asarray(x)).numpy(), expected, 12)


def test_from_torch_refuses_custom_modules(backends):
    class Residual(T.Module):
        def __init__(self):
            super().__init__()
            self.fc = T.Linear(2, 2)

        def forward(self, x):
            return x + self.fc(x)

    model = T.Sequential(T.Linear(2, 2), T.Sequential(T.ReLU(), Residual()))
    messages = set()
    for name in backends:
        with ut.use_backend(name), pytest.raises(UnsupportedLayerError) as info:
            ut.nn.from_torch(model)
        messages.add(str(info.value))
    (message,) = messages  # one message on every backend
    assert "'1.1'" in message and "Residual" in message and "Conv2d" in message
    assert "load_state_dict" in message
    with pytest.raises(UnsupportedLayerError, match="max_norm"):
        ut.nn.from_torch(T.Embedding(4, 2, max_norm=1.0))
    conv3d_t = r"cannot convert layer of type torch\.nn\.modules\.conv\.ConvTranspose3d"
    with pytest.raises(UnsupportedLayerError, match=conv3d_t):
        ut.nn.from_torch(T.ConvTranspose3d(2, 2, 3))
    with pytest.raises(TypeError, match=r"torch\.nn\.Module"):
        ut.nn.from_torch(ut.nn.Linear(2, 2))


def test_to_torch_roundtrip(backend):
    ut.manual_seed(4)
    model = ut.nn.Sequential(
        Permute(0, 3, 1, 2), ZeroPad2d((0, 1, 0, 1)), ut.nn.Conv2d(3, 4, 3, stride=2),
        ut.nn.BatchNorm2d(4), ut.nn.ReLU(), ut.nn.MaxPool2d(2, ceil_mode=True),
        ut.nn.Flatten(), ut.nn.Linear(16, 6), ut.nn.LogSoftmax(dim=-1))
    model.train()
    model(ut.asarray(rand(8, 9, 9, 3, seed=5)))  # non-trivial running statistics
    model.eval()
    tm = ut.nn.to_torch(model)
    assert isinstance(tm, T.Sequential) and tm.training is False
    assert list(tm.state_dict()) == list(model.state_dict())
    assert int(tm[3].num_batches_tracked) == 1
    x = rand(3, 9, 9, 3, seed=6)
    close(tm(torch.from_numpy(x)).detach().numpy(), model(ut.asarray(x)).numpy(), 16 + 27)
    # and back: the same model again
    again = ut.nn.from_torch(tm)
    assert [type(m) for m in again.modules()] == [type(m) for m in model.modules()]
    close(again(ut.asarray(x)).numpy(), model(ut.asarray(x)).numpy(), 16 + 27)


def test_to_torch_batchnorm_without_bias(backend):
    """PyTorch's bias=False keyword goes both ways (the layer has a weight, no bias)."""
    ut.manual_seed(6)
    model = ut.nn.Sequential(ut.nn.Linear(4, 3), ut.nn.BatchNorm1d(3, bias=False))
    model.train()
    model(ut.asarray(rand(8, 4, seed=7)))
    model.eval()
    tm = ut.nn.to_torch(model)
    assert tm[1].bias is None and tm[1].weight is not None
    assert list(tm.state_dict()) == list(model.state_dict())
    x = rand(5, 4, seed=8)
    close(tm(torch.from_numpy(x)).detach().numpy(), model(ut.asarray(x)).numpy(), 4 + 8)
    again = ut.nn.from_torch(tm)
    assert again[1].bias is None


def test_to_torch_recurrent(backend):
    ut.manual_seed(5)
    model = ut.nn.Sequential(ut.nn.Embedding(7, 3), ut.nn.GRU(3, 4, batch_first=True),
                             RNNOutput(), ut.nn.Linear(4, 2))
    tm = ut.nn.to_torch(model)
    x = np.array([[1, 2, 3, 6], [0, 0, 5, 1]])
    close(tm(torch.from_numpy(x)).detach().numpy(), model(ut.asarray(x)).numpy(), 4 * 8)


def test_to_torch_refuses_custom_modules(backend):
    class Twice(ut.nn.Module):
        def forward(self, x):
            return 2 * x

    with pytest.raises(UnsupportedLayerError, match=r"at '1'.*Twice.*Linear"):
        ut.nn.to_torch(ut.nn.Sequential(ut.nn.Linear(2, 2), Twice()))


# ---------------------------------------------------------------------------------------
# from_keras / to_keras


def keras_cnn():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((9, 9, 3)),
        K.Conv2D(4, 3, padding="same", activation="relu"),
        K.BatchNormalization(),
        K.Conv2D(5, 3, strides=2, padding="same"),   # 9 -> 5: pads (1, 1)
        K.Conv2D(5, 2, strides=2, padding="same"),   # 5 -> 3: pads (0, 1): ZeroPad2d
        K.MaxPooling2D(2, padding="same"),            # 3 -> 2: -inf pad (0, 1)
        K.AveragePooling2D(1),
        K.Activation("gelu"),
        K.Flatten(),
        K.Dense(7, activation="tanh"),
        K.Dropout(0.3),
        K.LayerNormalization(),
        K.Dense(3),
        K.Activation("softmax"),
    ])
    randomize_bn_keras(model)
    return model


def test_from_keras_cnn(backend):
    km = keras_cnn()
    x = rand(4, 9, 9, 3, seed=1)
    expected = np.asarray(km(x, training=False))
    um = ut.nn.from_keras(km)
    assert isinstance(um[0], Permute) and um[0].dims == (0, 3, 1, 2)  # takes NHWC
    assert um.training is False
    bn = next(m for m in um.modules() if isinstance(m, ut.nn.BatchNorm2d))
    assert bn.momentum == 0.01 and bn.eps == 1e-3
    flat = next(i for i, m in enumerate(um) if isinstance(m, ut.nn.Flatten))
    assert isinstance(um[flat - 1], Permute) and um[flat - 1].dims == (0, 2, 3, 1)
    close(um(ut.asarray(x)).numpy(), expected, 27 + 36 + 20 + 20 + 7)


def test_from_keras_channels_first_and_global_pool(backend):
    keras.utils.set_random_seed(1)
    km = keras.Sequential([keras.Input((6, 6, 2)), K.Conv2D(3, 3), K.BatchNormalization(),
                           K.GlobalAveragePooling2D(), K.Dense(2, activation="log_softmax")])
    randomize_bn_keras(km)
    x = rand(3, 6, 6, 2, seed=2)
    um = ut.nn.from_keras(km)
    close(um(ut.asarray(x)).numpy(), np.asarray(km(x)), 18 + 3)
    # Flatten(data_format="channels_first") orders the elements channels-last (Keras')
    kf = keras.Sequential([keras.Input((2, 3, 4)), K.Flatten(data_format="channels_first")])
    xf = rand(2, 2, 3, 4, seed=3)
    assert_close(ut.nn.from_keras(kf)(ut.asarray(xf)).numpy(), np.asarray(kf(xf)), 0, 0)


@pytest.mark.parametrize("layer", [
    lambda: K.LSTM(5, return_sequences=True),
    lambda: K.LSTM(5, use_bias=False),
    lambda: K.GRU(5),
    lambda: K.GRU(5, return_sequences=True),
    lambda: K.SimpleRNN(5, activation="relu"),
])
def test_from_keras_recurrent(backend, layer):
    keras.utils.set_random_seed(2)
    km = keras.Sequential([keras.Input((6, 3)), layer(), K.Dense(2)])
    for w in km.weights:  # non-zero biases too (Keras initialises them to zeros)
        w.assign(np.random.default_rng(3).normal(0, 0.4, w.shape).astype(np.float32))
    x = rand(4, 6, 3, seed=4)
    um = ut.nn.from_keras(km)
    assert isinstance(um[1], RNNOutput)
    close(um(ut.asarray(x)).numpy(), np.asarray(km(x)), 6 * 8 + 5)


def test_from_keras_functional_and_embedding(backend):
    keras.utils.set_random_seed(3)
    inp = keras.Input((5,), dtype="int32")
    h = K.Embedding(10, 4)(inp)
    h = K.GRU(3, return_sequences=True)(h)
    h = K.BatchNormalization()(h)  # axis -1 of (N, T, F): permuted around BatchNorm1d
    out = K.Flatten()(h)
    km = keras.Model(inp, out)
    randomize_bn_keras(km)
    x = np.random.default_rng(5).integers(0, 10, (3, 5)).astype(np.int32)
    um = ut.nn.from_keras(km)
    close(um(ut.asarray(x)).numpy(), np.asarray(km(x)), 5 * 7)


def test_from_keras_batchnorm_momentum_in_training(backend):
    """Keras' momentum 0.9 is PyTorch's 0.1: one training step moves the running mean
    the same way (the variances differ by design: biased vs unbiased, documented)."""
    km = keras.Sequential([keras.Input((4,)), K.BatchNormalization(momentum=0.9)])
    um = ut.nn.from_keras(km).train()
    x = rand(16, 4, seed=6) + 2
    km(x, training=True)
    um(ut.asarray(x))
    close(um[0].running_mean.numpy(), np.asarray(km.layers[0].moving_mean), 16)


def test_from_keras_refuses(backends):
    inp = keras.Input((4,))
    a, b = K.Dense(3)(inp), K.Dense(3)(inp)
    branching = keras.Model(inp, K.Add()([a, b]))
    cases = [
        (keras.Sequential([keras.Input((5, 2)), K.Conv1D(2, 2)]), r"'conv1d.*'.*Conv1D.*Dense"),
        (keras.Sequential([keras.Input((4,)), K.Dense(2, activation="softsign")]),
         "activation 'softsign'.*relu"),
        (keras.Sequential([keras.Input((3,)), K.Embedding(5, 2, mask_zero=True)]),
         "mask_zero"),
        (keras.Sequential([keras.Input((3, 2)), K.GRU(2, reset_after=False)]),
         "reset_after"),
        (keras.Sequential([keras.Input((3, 2)), K.LSTM(2, dropout=0.1)]), "dropout"),
        (branching, "takes 2 inputs"),
        (keras.Sequential([keras.Input((3,)), K.Dense(2, dtype="mixed_float16")]),
         "mixed-precision"),
    ]
    for model, pattern in cases:
        messages = set()
        for name in backends:
            with ut.use_backend(name), pytest.raises(UnsupportedLayerError,
                                                     match=pattern) as info:
                ut.nn.from_keras(model)
            messages.add(str(info.value))
        assert len(messages) == 1


def test_to_keras_cnn(backend):
    ut.manual_seed(6)
    model = ut.nn.Sequential(
        ut.nn.Conv2d(3, 4, 3, padding=1), ut.nn.BatchNorm2d(4), ut.nn.ReLU(),
        ut.nn.MaxPool2d(2), ut.nn.Conv2d(4, 4, 3, padding="same", groups=2),
        ut.nn.AvgPool2d(2, padding=1), ut.nn.AdaptiveAvgPool2d(1),
        ut.nn.Sequential(ut.nn.Flatten(), ut.nn.Linear(4, 6), ut.nn.GELU("tanh")),
        ut.nn.LayerNorm(6), ut.nn.Dropout(0.2), ut.nn.Linear(6, 3), ut.nn.Softmax(dim=1))
    model.train()
    model(ut.asarray(rand(8, 3, 8, 8, seed=7)))
    model.eval()
    km = ut.nn.to_keras(model, input_shape=(3, 8, 8))
    assert km.input.shape == (None, 3, 8, 8)  # NCHW, as the unitorch model
    x = rand(5, 3, 8, 8, seed=8)
    close(np.asarray(km(x)), model(ut.asarray(x)).numpy(), 27 + 18 + 6 + 4)
    bn = next(layer for layer in km.layers if isinstance(layer, K.BatchNormalization))
    assert bn.momentum == pytest.approx(0.9) and bn.epsilon == 1e-5


def test_to_keras_from_keras_roundtrip(backend):
    km = keras_cnn()
    um = ut.nn.from_keras(km)
    again = ut.nn.to_keras(um, input_shape=(9, 9, 3))
    # the Permute pair of the round trip cancels: no transpose layers remain
    assert not any(isinstance(layer, K.Permute) for layer in again.layers)
    x = rand(3, 9, 9, 3, seed=9)
    close(np.asarray(again(x)), np.asarray(km(x)), 27 + 36 + 20 + 20 + 7)


def test_to_keras_recurrent(backend):
    ut.manual_seed(7)
    model = ut.nn.Sequential(ut.nn.LSTM(3, 4, num_layers=2, batch_first=True),
                             RNNOutput(return_sequences=True), ut.nn.GRU(4, 3, batch_first=True),
                             RNNOutput(), ut.nn.Linear(3, 2))
    km = ut.nn.to_keras(model)
    x = rand(2, 5, 3, seed=10)
    close(np.asarray(km(x)), model(ut.asarray(x)).numpy(), 5 * 8)


def test_to_keras_refuses(backend):
    with pytest.raises(UnsupportedLayerError, match=r"followed by ut\.nn\.convert\.RNNOutput"):
        ut.nn.to_keras(ut.nn.Sequential(ut.nn.LSTM(3, 4, batch_first=True)))
    with pytest.raises(UnsupportedLayerError, match="ceil_mode"):
        ut.nn.to_keras(ut.nn.MaxPool2d(2, ceil_mode=True), input_shape=(1, 4, 4))
    with pytest.raises(UnsupportedLayerError, match=r"ModuleList.*supported layer types"):
        ut.nn.to_keras(ut.nn.ModuleList([ut.nn.Linear(2, 2)]))
    with pytest.raises(ValueError, match="input_shape"):
        ut.nn.to_keras(ut.nn.Sequential(ut.nn.Conv2d(1, 1, 1)))


# ---------------------------------------------------------------------------------------
# properties: random architectures through every converter

ACTS = {"relu": (T.ReLU, "relu"), "tanh": (T.Tanh, "tanh"), "sigmoid": (T.Sigmoid, "sigmoid"),
        "silu": (T.SiLU, "silu"), "gelu": (T.GELU, "gelu"), "none": (None, None)}


@given(widths=st.lists(st.integers(1, 9), min_size=2, max_size=5),
       acts=st.lists(st.sampled_from(sorted(ACTS)), min_size=4, max_size=4),
       batch=st.integers(1, 4), seed=st.integers(0, 2**16))
def test_random_mlps_through_every_converter(backend, widths, acts, batch, seed):
    """torch -> unitorch -> Keras -> unitorch -> torch keeps the outputs of a random MLP."""
    torch.manual_seed(seed)
    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(widths)):
        layers.append(T.Linear(a, b, bias=i % 2 == 0))
        if ACTS[acts[i]][0] is not None:
            layers.append(ACTS[acts[i]][0]())
    tm = T.Sequential(*layers)
    x = rand(batch, widths[0], seed=seed)
    expected = tm(torch.from_numpy(x)).detach().numpy()
    k = sum(widths)
    um = ut.nn.from_torch(tm)
    close(um(ut.asarray(x)).numpy(), expected, k, "from_torch")
    km = ut.nn.to_keras(um)
    close(np.asarray(km(x)), expected, k, "to_keras")
    um2 = ut.nn.from_keras(km)
    close(um2(ut.asarray(x)).numpy(), expected, k, "from_keras")
    close(ut.nn.to_torch(um2)(torch.from_numpy(x)).detach().numpy(), expected, k, "to_torch")
