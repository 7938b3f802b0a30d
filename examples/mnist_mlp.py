"""The classic MNIST MLP, written once, run on PyTorch or TensorFlow kernels.

    UNITORCH_BACKEND=torch      python examples/mnist_mlp.py
    UNITORCH_BACKEND=tensorflow python examples/mnist_mlp.py

784-50-10 with ReLU, cross-entropy and Adam (lr 1e-4, batch 64, 3 epochs): the model most
TensorFlow-to-PyTorch migration guides walk through.  It reads MNIST from a local file
(``--data mnist.npz``, the format of ``keras.datasets.mnist``, or the copy Keras caches in
``~/.keras/datasets/mnist.npz``) and otherwise, offline, the 8x8 handwritten digits that
scikit-learn ships (then the first layer has 64 inputs).  From the same seed both
backends print the same accuracies.

The defaults are the guides' settings for MNIST's 60000 images (about 2800 steps).  On the
1437 training digits they make only 69 steps and the model is barely trained (about 15%
accuracy); ``--epochs 40 --lr 1e-3`` reaches about 97% on the test digits.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

import unitorch as ut


def load_mnist(path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """MNIST from an ``.npz`` with x_train, y_train, x_test, y_test (Keras' format)."""
    with np.load(path) as f:
        x_train, y_train, x_test, y_test = (f[k] for k in ("x_train", "y_train", "x_test",
                                                            "y_test"))
    flat = lambda x: x.reshape(len(x), -1).astype(np.float32) / 255.0  # noqa: E731
    return flat(x_train), y_train.astype(np.int64), flat(x_test), y_test.astype(np.int64)


def load_digits(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1797 8x8 digits, scaled to [0, 1], split 80/20 with a fixed seed."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def find_data(path: str | None):
    if path:
        return load_mnist(Path(path)), "MNIST (" + path + ")"
    cached = Path.home() / ".keras" / "datasets" / "mnist.npz"
    if cached.exists():
        return load_mnist(cached), f"MNIST ({cached})"
    return load_digits(), "scikit-learn handwritten digits (offline)"


def accuracy(model: ut.nn.Module, x: np.ndarray, y: np.ndarray) -> float:
    model.eval()
    correct = 0
    with ut.no_grad():
        for xb, yb in ut.data.DataLoader((x, y), batch_size=1024):
            correct += int(ut.sum(ut.argmax(model(xb), axis=1) == yb))
    model.train()
    return correct / len(x)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="path of an mnist.npz file")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    (x_train, y_train, x_test, y_test), source = find_data(args.data)
    ut.manual_seed(args.seed)  # the same initial weights on every backend
    model = ut.nn.Sequential(
        ut.nn.Linear(x_train.shape[1], 50),
        ut.nn.ReLU(),
        ut.nn.Linear(50, 10),
    )
    loss_fn = ut.nn.CrossEntropyLoss()
    optimizer = ut.optim.Adam(model.parameters(), lr=args.lr)
    loader = ut.data.DataLoader((x_train, y_train), batch_size=args.batch_size, shuffle=True,
                                seed=args.seed)

    print(f"backend: {ut.get_backend()}, data: {source}, {len(x_train)} train / "
          f"{len(x_test)} test samples")
    for epoch in range(args.epochs):
        total, batches = 0.0, 0
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            total += float(loss)
            batches += 1
        print(f"epoch {epoch + 1}: mean loss {total / batches:.4f}")
    result = {"train_accuracy": accuracy(model, x_train, y_train),
              "test_accuracy": accuracy(model, x_test, y_test)}
    print(f"train accuracy: {result['train_accuracy']:.4f}")
    print(f"test accuracy:  {result['test_accuracy']:.4f}")
    return result


if __name__ == "__main__":
    main()
