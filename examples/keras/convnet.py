"""A Keras convnet, written with ``unitorch.keras``, run on PyTorch or TensorFlow kernels.

    UNITORCH_BACKEND=torch      python examples/keras/convnet.py
    UNITORCH_BACKEND=tensorflow python examples/keras/convnet.py

The Keras way end to end: a Sequential convnet on channels-last images (Conv2D,
MaxPooling2D, BatchNormalization, Dropout, Dense with ``activation="softmax"``),
``compile`` with Keras's names, ``fit`` with ``validation_split`` and ``EarlyStopping``,
``evaluate``, ``save`` and ``load_model``.  The images are scikit-learn's 8x8
handwritten digits (offline), upscaled to MNIST's 28x28x1 layout.  With the seed (and
dropout masks drawn from unitorch's portable stream) both backends print the same
numbers.
"""

from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

import unitorch as ut
import unitorch.keras as keras
from unitorch.keras import layers


def load_digits() -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """The digits as 28x28x1 float32 images in [0, 1] (each pixel a 3x3 block, padded),
    split 80/20 with a fixed seed."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    images = np.kron(digits.images / 16.0, np.ones((3, 3)))
    x = np.zeros((len(images), 28, 28, 1), dtype=np.float32)
    x[:, 2:26, 2:26, 0] = images
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(0).permutation(len(x))
    cut = int(0.8 * len(x))
    return (x[order[:cut]], y[order[:cut]]), (x[order[cut:]], y[order[cut:]])


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    (x_train, y_train), (x_test, y_test) = load_digits()
    keras.utils.set_random_seed(args.seed)  # the same initial weights on every backend
    ut.random.portable(True)  # and the same dropout masks
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(16, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(10, activation="softmax"),
    ])
    model.summary()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam",
                  metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2,
                                         restore_best_weights=True)
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                        validation_split=0.1, callbacks=[stop], verbose=2)
    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "convnet.keras")
        model.save(path)
        reloaded = keras.models.load_model(path)
        same = np.allclose(reloaded.predict(x_test, verbose=0),
                           model.predict(x_test, verbose=0))
    print(f"backend: {keras.backend.backend()}")
    for epoch, (lo, a) in enumerate(zip(history.history["loss"], history.history["accuracy"])):
        print(f"epoch {epoch + 1}: loss {lo:.4f} accuracy {a:.4f}")
    print(f"test loss: {loss:.4f}")
    print(f"test accuracy: {acc:.4f}")
    print(f"reloaded model predicts the same: {same}")
    return {"test_loss": loss, "test_accuracy": acc}


if __name__ == "__main__":
    main()
