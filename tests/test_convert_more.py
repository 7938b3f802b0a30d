"""The converters for the layers of issue 11: every one converts from ``torch.nn`` and
back (same types, arguments, ``repr``, state-dict keys and weights; the same outputs),
and the element-wise activations and channel dropout with a Keras counterpart convert to
and from Keras with the same outputs."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import unitorch as ut
from unitorch.nn.convert import UnsupportedLayerError
from unitorch.nn.convert.registry import TORCH_LAYERS, UNITORCH_LAYERS
from unitorch.testing import assert_close

T = torch.nn

MODELS = {
    "conv1d_pools": (lambda: T.Sequential(
        T.Conv1d(2, 4, 3, padding=1, padding_mode="reflect"), T.LeakyReLU(0.2), T.MaxPool1d(2),
        T.AvgPool1d(2), T.Flatten()), (2, 2, 8)),
    "conv3d": (lambda: T.Sequential(T.Conv3d(2, 3, 2, padding_mode="circular", padding=1),
                                    T.ELU(), T.Flatten()), (1, 2, 3, 3, 3)),
    "conv_transpose2d_norms": (lambda: T.Sequential(
        T.ConvTranspose2d(2, 3, 3, stride=2, output_padding=1), T.GroupNorm(1, 3),
        T.PReLU(3), T.InstanceNorm2d(3, affine=True, track_running_stats=True), T.Hardswish(),
        T.Dropout2d(), T.AdaptiveMaxPool2d(2)), (2, 2, 4, 4)),
    "conv_transpose1d_activations": (lambda: T.Sequential(
        T.ConvTranspose1d(2, 3, 3), T.SELU(), T.CELU(0.5), T.Mish(), T.Softplus(2.0),
        T.Hardtanh(-2, 2), T.ReLU6(), T.RMSNorm(5)), (2, 2, 3)),
    "resampling": (lambda: T.Sequential(
        T.Upsample(scale_factor=2, mode="bilinear"), T.PixelUnshuffle(2), T.PixelShuffle(2),
        T.Unfold(2), T.Fold((8, 8), 2)), (1, 2, 4, 4)),
    "unflatten": (lambda: T.Sequential(T.Flatten(), T.Unflatten(1, (4, 4))), (2, 4, 4)),
    "bilinear": (lambda: T.Bilinear(3, 4, 5), None),
    "embedding_bag": (lambda: T.EmbeddingBag(10, 3, mode="max", padding_idx=1), None),
    "parameter_containers": (lambda: T.ModuleDict({
        "p": T.ParameterList([T.Parameter(torch.randn(3)),
                              T.Parameter(torch.randn(2, 2).double())]),
        "d": T.ParameterDict({"b": T.Parameter(torch.randn(1)),
                              "a": T.Parameter(torch.randn(4))})}), None),
    "attention": (lambda: T.MultiheadAttention(8, 2, kdim=5, vdim=3, add_bias_kv=True), None),
    "encoder": (lambda: T.TransformerEncoder(T.TransformerEncoderLayer(
        8, 2, 16, activation="gelu", batch_first=True, norm_first=True), 2, T.LayerNorm(8)),
                (2, 5, 8)),
    "transformer": (lambda: T.Transformer(8, 2, 1, 2, 16, batch_first=True), None),
    "distances": (lambda: T.ModuleList([T.CosineSimilarity(), T.PairwiseDistance(p=3.0)]),
                  None),
}


def test_the_table_lists_every_layer_once():
    assert len(TORCH_LAYERS) == len(set(TORCH_LAYERS))
    for name in ("Conv3d", "MultiheadAttention", "Transformer", "ParameterDict", "CTCLoss"):
        assert (name in TORCH_LAYERS) == (name != "CTCLoss")
    assert set(TORCH_LAYERS) - {"ZeroPad2d", "ConstantPad2d"} <= set(UNITORCH_LAYERS)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_torch_round_trip(backends, name):
    make, shape = MODELS[name]
    torch.manual_seed(0)
    tm = make().eval()
    for b in backends:
        with ut.use_backend(b):
            um = ut.nn.from_torch(tm)
            back = ut.nn.to_torch(um)
            assert type(back) is type(tm)
            assert list(um.state_dict()) == list(tm.state_dict()) == list(back.state_dict())
            if name != "parameter_containers":  # (unitorch's repr names unitorch's dtypes)
                assert repr(back) == repr(tm)
            for key, value in tm.state_dict().items():
                np.testing.assert_array_equal(back.state_dict()[key].numpy(), value.numpy())
            if shape is not None:
                x = np.random.default_rng(1).normal(size=shape).astype(np.float32)
                want = tm(torch.tensor(x)).detach().numpy()
                assert_close(um.eval()(ut.asarray(x)), want, 1e-5, 1e-5, msg=b)


def test_torch_options_without_a_counterpart_are_refused(backends):
    for b in backends:
        with ut.use_backend(b):
            relu_encoder = T.TransformerEncoderLayer(8, 2, 16, activation=torch.tanh)
            with pytest.raises(UnsupportedLayerError, match="activation"):
                ut.nn.from_torch(relu_encoder)
            with pytest.raises(UnsupportedLayerError, match="max_norm"):
                ut.nn.from_torch(T.EmbeddingBag(4, 2, max_norm=1.0))
            with pytest.raises(UnsupportedLayerError, match="ConvTranspose3d"):
                ut.nn.from_torch(T.ConvTranspose3d(2, 2, 1))


def test_keras_round_trip_of_the_activations_and_channel_dropout(backend):
    nn = ut.nn
    ut.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 6), nn.LeakyReLU(0.1), nn.ELU(0.7), nn.ReLU6(), nn.SELU(),
                          nn.Mish(), nn.Hardswish(), nn.Softplus())
    x = np.random.default_rng(0).normal(size=(3, 4)).astype(np.float32) * 3
    km = ut.nn.to_keras(model)
    want = model(ut.asarray(x)).numpy()
    assert_close(np.asarray(km(x)), want, 1e-5, 1e-6)
    back = ut.nn.from_keras(km)
    assert [type(m).__name__ for m in back] == [type(m).__name__ for m in model]
    assert_close(back(ut.asarray(x)), want, 1e-6, 1e-6)
    conv = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Dropout2d(0.3), nn.ReLU())
    kc = ut.nn.to_keras(conv, input_shape=(2, 5, 5))
    assert "SpatialDropout2D" in [type(layer).__name__ for layer in kc.layers]
    assert any(type(m).__name__ == "Dropout2d" for m in ut.nn.from_keras(kc))
    with pytest.raises(UnsupportedLayerError, match="beta"):
        ut.nn.to_keras(nn.Sequential(nn.Linear(2, 2), nn.Softplus(beta=2.0)))
    with pytest.raises(UnsupportedLayerError, match="CELU"):  # no Keras counterpart
        ut.nn.to_keras(nn.Sequential(nn.Linear(2, 2), nn.CELU()))


def test_keras_activation_names(backend):
    import keras

    K = keras.layers
    km = keras.Sequential([keras.Input((5,)), K.Dense(3, activation="leaky_relu"),
                           K.Activation("hard_silu"), K.ReLU(max_value=6), K.LeakyReLU(0.3),
                           K.ELU(0.5), K.Activation("selu"), K.Activation("mish")])
    um = ut.nn.from_keras(km)
    x = np.random.default_rng(1).normal(size=(2, 5)).astype(np.float32) * 4
    assert_close(um(ut.asarray(x)), np.asarray(km(x)), 1e-5, 1e-6)
