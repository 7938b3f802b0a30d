"""``unitorch demo``: train one small network under both backends and compare them.

The model is the classic MNIST MLP (784-50-10, ReLU, cross-entropy, Adam) adapted to the
8x8 handwritten digits that scikit-learn ships (offline, 1797 images): 64-50-10.  The
digits are scaled to [0, 1] and split 80/20 (1437 train, 360 test) with a fixed seed.

``unitorch demo`` is ``unitorch ab`` on this module's training script: each backend
trains in its own process (``python -m unitorch.cli.demo --train``, the same code as
``examples/digits_ab.py``) from the same seed, recording the loss of every step, the
per-epoch history of :func:`unitorch.fit` and the final accuracies; then the values are
compared, the series plotted, and both backends' accuracies printed.

Hyper-parameters (chosen so both runs finish in well under a minute each on a 2-core CPU,
most of it importing the frameworks): 10 epochs of batch 64 (230 Adam steps) at
learning rate 1e-2.  The MNIST example's 1e-4 (or Adam's usual 1e-3) is made for 60,000
images; on 1437 it reaches only ~93% test accuracy in 10 epochs at 1e-3, while 1e-2
reaches ~97-98%, with the backends still agreeing to a few float32 ulps.

Comparison: everything at the default tolerance of its dtype
(:data:`unitorch.testing.tolerances.DEFAULTS`): float32 for the step losses and the
history, float64 for the accuracies (fractions of correct predictions: equal unless a
prediction flips).  Exit codes are ``unitorch ab``'s.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from typing import Any

import numpy as np

__all__ = ["load_data", "build_model", "train", "main", "script_main"]

EPOCHS = 10
BATCH_SIZE = 64
LR = 1e-2
SEED = 0


def load_data(seed: int = SEED) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's digits scaled to [0, 1], split 80/20 by a fixed permutation:
    ``(x_train, y_train, x_test, y_test)``, float32 images of 64 pixels, int64 labels."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def build_model() -> Any:
    """64-50-10 with ReLU (weights drawn from unitorch's portable stream: the same on
    every backend for one ``ut.manual_seed``)."""
    import unitorch as ut

    return ut.nn.Sequential(ut.nn.Linear(64, 50), ut.nn.ReLU(), ut.nn.Linear(50, 10))


def accuracy(model: Any, x: np.ndarray, y: np.ndarray) -> float:
    """Fraction of ``x`` classified as ``y``."""
    import unitorch as ut

    model.eval()
    with ut.no_grad():
        predicted = ut.argmax(model(ut.asarray(x)), axis=1)
        correct = int(ut.sum(predicted == ut.asarray(y)))
    model.train()
    return correct / len(x)


def train(epochs: int = EPOCHS, batch_size: int = BATCH_SIZE, lr: float = LR,
          seed: int = SEED, progress: bool = False) -> dict[str, Any]:
    """Train the digits MLP on the active backend with :func:`unitorch.fit`, record the
    history and final accuracies with :func:`unitorch.ab.record` (a no-op outside
    ``unitorch ab``), and return ``{"history", "train_accuracy", "test_accuracy"}``."""
    import unitorch as ut

    x_train, y_train, x_test, y_test = load_data(seed)
    ut.manual_seed(seed)  # the same initial weights on every backend
    model = build_model()
    optimizer = ut.optim.Adam(model.parameters(), lr=lr)
    train_data = ut.data.DataLoader((x_train, y_train), batch_size=batch_size, shuffle=True,
                                    seed=seed)  # shuffled by NumPy: one order everywhere
    test_data = ut.data.DataLoader((x_test, y_test), batch_size=512)
    history = ut.fit(model, ut.nn.CrossEntropyLoss(), optimizer, train_data, epochs=epochs,
                     val_data=test_data, progress=progress)
    ut.ab.record_history(history)  # fit/loss, fit/val_accuracy, ..., fit/step/loss
    result = {"history": history, "train_accuracy": accuracy(model, x_train, y_train),
              "test_accuracy": accuracy(model, x_test, y_test)}
    ut.ab.record("train_accuracy", result["train_accuracy"])
    ut.ab.record("test_accuracy", result["test_accuracy"])
    return result


def _hyper_parameters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--epochs", type=int, default=EPOCHS, help=f"default {EPOCHS}")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"default {BATCH_SIZE}")
    parser.add_argument("--lr", type=float, default=LR, help=f"Adam's learning rate, default {LR}")
    parser.add_argument("--seed", type=int, default=SEED, help=f"default {SEED}")


def script_main(argv: list[str] | None = None) -> int:
    """The training script (``python -m unitorch.cli.demo --train``,
    ``examples/digits_ab.py``): train on the active backend and print the results."""
    import unitorch as ut

    parser = argparse.ArgumentParser(
        description="Train the 64-50-10 digits MLP on the active backend (UNITORCH_BACKEND); "
                    "under 'unitorch ab' its values are recorded for comparison.")
    _hyper_parameters(parser)
    parser.add_argument("--progress", action="store_true", help="show a progress bar")
    parser.add_argument("--train", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    result = train(args.epochs, args.batch_size, args.lr, args.seed, args.progress)
    history = result["history"]
    print(f"backend {ut.get_backend()}: {len(history.steps['loss'])} steps, final loss "
          f"{history['loss'][-1]:.6f}")
    print(f"train accuracy {result['train_accuracy']:.4f}, "
          f"test accuracy {result['test_accuracy']:.4f}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """``unitorch demo``: the training script under ``unitorch ab`` on every installed
    backend; prints the comparison, the accuracies and where the plot is."""
    from ..ab.report import EXIT_USAGE
    from ..ab.script import run_script
    from .main import EXIT_CODES, parse_backends

    parser = argparse.ArgumentParser(
        prog="unitorch demo",
        description="Train a 64-50-10 MLP (ReLU, cross-entropy, Adam) on scikit-learn's "
                    "offline handwritten digits under each backend, each in its own process "
                    "from the same seed (as 'unitorch ab examples/digits_ab.py' does), and "
                    "compare the losses, histories and accuracies.",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    _hyper_parameters(parser)
    parser.add_argument("--backends", default=None,
                        help="comma-separated, the reference first (default: every installed "
                             "backend)")
    parser.add_argument("--out", default="ab-report",
                        help="where report.json and series.png go (default: ./ab-report)")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="pass the training runs' output through")
    args = parser.parse_args(argv)
    if importlib.util.find_spec("sklearn") is None:
        print("unitorch demo needs scikit-learn (its offline digits data) and matplotlib "
              "(the plot): pip install 'unitorch[demo]'", file=sys.stderr)
        return EXIT_USAGE
    try:
        backends = parse_backends(args.backends)
    except ValueError as e:
        print(f"unitorch demo: {e}", file=sys.stderr)
        return EXIT_USAGE
    hyper = ["--epochs", str(args.epochs), "--batch-size", str(args.batch_size),
             "--lr", repr(args.lr), "--seed", str(args.seed)]
    print(f"unitorch demo: 64-50-10 MLP on scikit-learn's digits (1437 train / 360 test), "
          f"{args.epochs} epochs, batch {args.batch_size}, Adam lr {args.lr:g}, seed "
          f"{args.seed}; each backend in its own process: {', '.join(backends)}", flush=True)

    def progress(run: Any) -> None:
        print(f"  {run.backend}: {run.describe()} after {run.seconds:.1f} s", flush=True)

    report = run_script([sys.executable, "-m", "unitorch.cli.demo", "--train", *hyper],
                        backends, args.out, echo=args.verbose, on_run=progress,
                        display=["unitorch demo", *hyper])
    print()
    print(report)
    finals = {r.name: r.finals for r in report.records}
    if "train_accuracy" in finals:
        print()
        for b in backends:
            if b in finals["train_accuracy"]:
                print(f"{b:<12} train accuracy {float(finals['train_accuracy'][b]):.4f}   "
                      f"test accuracy {float(finals['test_accuracy'][b]):.4f}")
    if report.plot:
        from pathlib import Path

        print(f"\nplot of every series (both backends overlaid, and their difference): "
              f"{Path(report.plot).resolve()}")
    return report.exit_code


if __name__ == "__main__":
    raise SystemExit(script_main(sys.argv[1:]))
