"""``import unitorch.tensorflow as tf``: the ``tf`` names a training loop uses, checked
against TensorFlow itself (defaults, result dtypes, values), on every backend; the
``tf.data`` pass-through; ``tf.function`` and ``GradientTape``; and the errors for the
names unitorch does not implement."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import unitorch as ut
import unitorch.tensorflow as utf
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error

real_tf = pytest.importorskip("tensorflow")


def same(mine, theirs, family="exact", scale=1.0):
    """Values, shape and dtype (by name) of a unitorch result equal TensorFlow's."""
    theirs = theirs.numpy() if hasattr(theirs, "numpy") else np.asarray(theirs)
    assert isinstance(mine, ut.Tensor)
    assert mine.dtype.name == theirs.dtype.name, (mine.dtype.name, theirs.dtype.name)
    assert mine.shape == theirs.shape
    if theirs.dtype.kind in "fc":
        rtol, atol = family_tolerance(family, mine.dtype, scale)
        assert_close(mine.numpy(), theirs, rtol, atol)
    else:
        assert np.array_equal(mine.numpy(), theirs)


matrices = hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1,
                                                   max_side=5),
                      elements=st.floats(-100, 100, width=32))


@given(x=matrices)
def test_reductions_follow_tensorflow(backend, x):
    for name in ("reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod"):
        for axis in (None, 0, 1, [0, 1]):
            same(getattr(utf, name)(x, axis=axis), getattr(real_tf, name)(x, axis=axis),
                 "reduction", x.size * (1e4 if name == "reduce_prod" else 1))
    ints = np.round(x).astype(np.int32)
    for name in ("reduce_sum", "reduce_mean", "reduce_max"):  # int32 stays int32
        same(getattr(utf, name)(ints, axis=0), getattr(real_tf, name)(ints, axis=0))


@given(x=matrices, output=st.sampled_from(["int32", "int64"]))
def test_argmax_defaults_to_axis_zero_and_output_type(backend, x, output):
    for fn in ("argmax", "argmin"):
        same(getattr(utf, fn)(x), getattr(real_tf, fn)(x))
        same(getattr(utf, fn)(x, axis=1, output_type=getattr(utf, output)),
             getattr(real_tf, fn)(x, axis=1, output_type=getattr(real_tf, output)))
        same(getattr(utf.math, fn)(x, axis=-1), getattr(real_tf.math, fn)(x, axis=-1))


@given(ids=hnp.arrays(np.int64, st.integers(0, 6), elements=st.integers(-2, 6)),
       depth=st.integers(1, 5))
def test_one_hot_follows_tensorflow_also_out_of_range(backend, ids, depth):
    same(utf.one_hot(ids, depth), real_tf.one_hot(ids, depth))
    same(utf.one_hot(ids, depth, on_value=5, off_value=-1),
         real_tf.one_hot(ids, depth, on_value=5, off_value=-1))
    same(utf.one_hot(ids, depth, axis=0, dtype=utf.int32),
         real_tf.one_hot(ids, depth, axis=0, dtype=real_tf.int32))


@pytest.mark.parametrize("value", [1, [1, 2], 1.5, [[1.0, 2.0]], np.arange(3),
                                   np.ones(2, np.float64), True, [True, False]])
def test_constant_infers_dtypes_as_tensorflow(backend, value):
    same(utf.constant(value), real_tf.constant(value))
    same(utf.convert_to_tensor(value), real_tf.convert_to_tensor(value))


@given(x=hnp.arrays(np.float32, st.integers(1, 8), elements=st.floats(-1e3, 1e3, width=32)))
def test_cast_truncates_toward_zero(backend, x):
    for name in ("int32", "int64", "bool", "float64"):
        same(utf.cast(x, getattr(utf, name)), real_tf.cast(x, getattr(real_tf, name)))


def test_everyday_functions_follow_tensorflow(backend):
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    same(utf.matmul(a, a, transpose_b=True), real_tf.matmul(a, a, transpose_b=True))
    same(utf.reshape(a, [3, -1]), real_tf.reshape(a, [3, -1]))
    same(utf.concat([a, a], axis=1), real_tf.concat([a, a], axis=1))
    same(utf.stack([a, a], axis=1), real_tf.stack([a, a], axis=1))
    same(utf.squeeze(a[None]), real_tf.squeeze(a[None]))
    same(utf.expand_dims(a, -1), real_tf.expand_dims(a, -1))
    same(utf.transpose(a), real_tf.transpose(a))
    same(utf.range(5), real_tf.range(5))
    same(utf.range(0.0, 1.0, 0.25), real_tf.range(0.0, 1.0, 0.25))
    same(utf.shape(a), real_tf.shape(a))
    same(utf.zeros((2,)), real_tf.zeros((2,)))
    same(utf.ones_like(np.int32(3)), real_tf.ones_like(np.int32(3)))
    same(utf.fill((2,), 7), real_tf.fill((2,), 7))
    same(utf.where(a > 2, a, 0.0), real_tf.where(a > 2, a, 0.0))
    same(utf.where(a > 2), real_tf.where(a > 2))
    same(utf.clip_by_value(a, 1.0, 4.0), real_tf.clip_by_value(a, 1.0, 4.0))
    same(utf.nn.softmax(a), real_tf.nn.softmax(a), "composite")
    same(utf.nn.relu(a - 2), real_tf.nn.relu(a - 2))
    same(utf.nn.l2_loss(a), real_tf.nn.l2_loss(a), "reduction", 6)
    labels = np.array([0, 2])
    same(utf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=a),
         real_tf.nn.sparse_softmax_cross_entropy_with_logits(labels=labels, logits=a),
         "composite")
    probs = np.array([[0.2, 0.8, 0.0], [1.0, 0.0, 0.0]], np.float32)
    same(utf.nn.softmax_cross_entropy_with_logits(labels=probs, logits=a),
         real_tf.nn.softmax_cross_entropy_with_logits(labels=probs, logits=a), "composite")
    same(utf.nn.sigmoid_cross_entropy_with_logits(labels=probs, logits=a),
         real_tf.nn.sigmoid_cross_entropy_with_logits(labels=probs, logits=a), "composite")
    mean, var = utf.nn.moments(a, axes=[0])
    tmean, tvar = real_tf.nn.moments(a, axes=[0])
    same(mean, tmean, "reduction", 2)
    same(var, tvar, "reduction", 2)
    same(utf.math.top_k(a, k=2).indices, real_tf.math.top_k(a, k=2).indices)
    same(utf.math.in_top_k(np.array([2, 0]), a, 1), real_tf.math.in_top_k(
        np.array([2, 0]), a, 1))


def test_gradient_tape_and_function_train_a_variable(backend):
    w = utf.Variable([1.0, -2.0])
    opt = utf.keras.optimizers.SGD(learning_rate=0.1)

    @utf.function
    def step(x):
        with utf.GradientTape() as tape:
            loss = utf.reduce_sum((w * x) ** 2)
        grads = tape.gradient(loss, [w])
        opt.apply_gradients(zip(grads, [w]))
        return loss

    losses = [float(step(utf.constant([1.0, 1.0]))) for _ in range(3)]
    expected, v = [], np.array([1.0, -2.0])
    for _ in range(3):
        expected.append(float(np.sum(v ** 2)))
        v = v - 0.1 * 2 * v
    assert_close(np.array(losses), np.array(expected), *family_tolerance(
        "optimizer", ut.float32, 3 * 5))
    assert int(opt.iterations) == 3


def test_set_seed_seeds_unitorch_and_tensorflow_data(backend):
    runs = []
    for _ in range(2):  # as in TensorFlow, a pipeline made after the seed is reproducible
        utf.random.set_seed(3)
        order = [int(v) for v in utf.data.Dataset.range(20).shuffle(20)]
        runs.append((order, utf.random.normal((3,)).tolist()))
    assert runs[0] == runs[1]


def test_tf_data_map_functions_may_call_this_module(backend):
    x = (np.arange(12) % 256).astype(np.uint8).reshape(3, 4)

    def normalize(image, label):
        return utf.cast(image, utf.float32) / 255.0, label

    ds = utf.data.Dataset.from_tensor_slices((x, np.arange(3))).map(normalize).batch(2)
    batches = list(ut.data.DataLoader(ds))
    assert batches[0][0].dtype == ut.float32 and batches[0][0].backend == backend
    assert_close(batches[1][0].numpy(), x[2:] / 255.0, 1e-6, 1e-7)


def test_keras_is_unitorch_keras_under_tf_names():
    import unitorch.keras as uk
    from unitorch.tensorflow.keras import layers
    from unitorch.tensorflow.keras.layers import Dense

    assert utf.keras is uk and layers is uk.layers and Dense is uk.layers.Dense


def test_importing_it_imports_no_framework():
    code = ("import sys, unitorch.tensorflow as tf\n"
            "from unitorch.tensorflow.keras.layers import Dense\n"
            "print(sorted(m for m in ('torch', 'tensorflow', 'keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ), timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"


def test_names_unitorch_lacks_raise_the_same_error_naming_the_alternative(backends):
    msg = same_error(backends, AttributeError, lambda: utf.distribute, match="distribute")
    assert "unitorch.distributed" in msg
    same_error(backends, AttributeError, lambda: utf.linalg, match="unitorch.linalg")
    same_error(backends, AttributeError, lambda: utf.nn.conv2d, match="conv2d")
    same_error(backends, AttributeError, lambda: utf.some_unknown_name,
               match="some_unknown_name")
    same_error(backends, NotImplementedError,
               lambda: utf.nn.dropout(ut.ones(2), 0.5, noise_shape=(1,)), match="noise_shape")
