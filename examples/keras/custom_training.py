"""A TensorFlow-style custom training loop, written with ``unitorch.tensorflow``, run on
PyTorch or TensorFlow kernels.

    UNITORCH_BACKEND=torch      python examples/keras/custom_training.py
    UNITORCH_BACKEND=tensorflow python examples/keras/custom_training.py

A subclassed ``keras.Model`` with ``call(x, training=None)``, a step under
``@tf.function`` with ``tf.GradientTape`` and ``optimizer.apply_gradients``, Keras
metrics updated inside the step, and ``tf.argmax(..., output_type=tf.int64)`` with
``keras.metrics.Accuracy`` for the test accuracy, on the iris flowers (scikit-learn,
offline).  ``tf.function`` compiles the step on TensorFlow and runs it eagerly on
PyTorch; both backends print the same losses.
"""

from __future__ import annotations

import argparse

import numpy as np

import unitorch.tensorflow as tf
from unitorch.tensorflow import keras


class IrisNet(keras.Model):
    def __init__(self) -> None:
        super().__init__()
        self.hidden = keras.layers.Dense(10, activation=tf.nn.relu)
        self.dropout = keras.layers.Dropout(0.1)
        self.out = keras.layers.Dense(3)

    def call(self, x, training=None):
        return self.out(self.dropout(self.hidden(x), training=training))


def load_iris() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_iris as sklearn_iris

    iris = sklearn_iris()
    x = iris.data.astype(np.float32)
    x = (x - x.mean(0)) / x.std(0)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], iris.target[order].astype(np.int64)
    return x[:120], y[:120], x[120:], y[120:]


def main(argv: list[str] | None = None) -> list[float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)

    x_train, y_train, x_test, y_test = load_iris()
    tf.random.set_seed(0)
    import unitorch as ut

    ut.random.portable(True)  # the same dropout masks on every backend
    model = IrisNet()
    loss_object = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
    train_loss = keras.metrics.Mean(name="train_loss")
    train_accuracy = keras.metrics.SparseCategoricalAccuracy(name="train_accuracy")

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_object(y, logits)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        train_loss(loss)
        train_accuracy(y, logits)

    epoch_losses = []
    for epoch in range(args.epochs):
        train_loss.reset_state()
        train_accuracy.reset_state()
        for start in range(0, len(x_train), args.batch_size):
            stop = start + args.batch_size
            train_step(tf.constant(x_train[start:stop]), tf.constant(y_train[start:stop]))
        epoch_losses.append(float(train_loss.result()))
        if epoch % 10 == 0 or epoch == args.epochs - 1:
            print(f"epoch {epoch:03d}: loss {train_loss.result():.4f}, "
                  f"accuracy {train_accuracy.result():.3%}")

    test_accuracy = keras.metrics.Accuracy()
    prediction = tf.argmax(model(x_test, training=False), axis=1, output_type=tf.int64)
    test_accuracy(prediction, y_test)
    print(f"test accuracy: {test_accuracy.result():.3%}")
    print(f"optimizer steps: {int(optimizer.iterations)}")
    return epoch_losses


if __name__ == "__main__":
    main()
