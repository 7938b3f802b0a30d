"""Data-parallel training of an MLP: one script for one process or several, on either backend.

    python examples/ddp_mlp.py                                        # one process
    unitorch run --nproc 2 examples/ddp_mlp.py                        # two workers
    unitorch run --nproc 2 --backend tensorflow examples/ddp_mlp.py   # on TensorFlow
    torchrun --nproc-per-node 2 examples/ddp_mlp.py                   # torch backend

64-64-10 with ReLU, cross-entropy and Adam on the 8x8 handwritten digits that
scikit-learn ships (offline).  ``--batch-size`` is the *global* batch: each of the N
workers takes its 1/N share of every batch (``shard="auto"``), computes gradients on it,
and ``model.sync_gradients()`` averages them, so every run takes the same steps and
prints the same losses, accuracy and parameter norm (up to float32 rounding), whatever
N.  Only rank 0 prints and writes the checkpoint (``--save``), which loads in a single
process.
"""

from __future__ import annotations

import argparse

import numpy as np

import unitorch as ut


def load_digits(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """scikit-learn's 1797 8x8 digits, scaled to [0, 1], split 80/20 with a fixed seed."""
    from sklearn.datasets import load_digits as sklearn_digits

    digits = sklearn_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    cut = int(0.8 * len(x))
    return x[order[:cut]], y[order[:cut]], x[order[cut:]], y[order[cut:]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--batch-size", type=int, default=64, help="the global batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", help="write the trained weights there (rank 0)")
    args = parser.parse_args(argv)

    ut.distributed.init()  # the launcher's variables; without a launcher, a group of one
    rank, world = ut.distributed.get_rank(), ut.distributed.get_world_size()
    if args.batch_size % world:
        raise SystemExit(f"--batch-size {args.batch_size} is not a multiple of {world} workers")
    main_process = ut.distributed.is_main_process()

    x_train, y_train, x_test, y_test = load_digits(args.seed)
    ut.manual_seed(args.seed + rank)  # different draws; DataParallel broadcasts rank 0's
    model = ut.nn.DataParallel(ut.nn.Sequential(
        ut.nn.Linear(64, 64), ut.nn.ReLU(), ut.nn.Linear(64, 10)))
    loss_fn = ut.nn.CrossEntropyLoss()
    optimizer = ut.optim.Adam(model.parameters(), lr=args.lr)
    loader = ut.data.DataLoader((x_train, y_train), batch_size=args.batch_size // world,
                                shuffle=True, seed=args.seed, drop_last=True, shard="auto")
    if main_process:
        print(f"backend: {ut.get_backend()}, workers: {world} "
              f"({ut.distributed.engine()}), global batch {args.batch_size}")

    for epoch in range(args.epochs):
        total = ut.zeros(())
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            model.sync_gradients()  # the mean gradient over the workers
            optimizer.step()
            total = total + loss.detach()
        # each worker's mean loss over its shards; the mean over workers is the global one
        epoch_loss = ut.distributed.all_reduce(total / len(loader), op="mean")
        if main_process:
            print(f"epoch {epoch + 1}: loss {float(epoch_loss):.4f}")

    # every worker holds the same model: evaluate it on the whole test set
    model.eval()
    correct = 0
    with ut.no_grad():
        for xb, yb in ut.data.DataLoader((x_test, y_test), batch_size=256):
            correct += int(ut.sum(ut.argmax(model(xb), axis=1) == yb))
    norm = float(ut.sqrt(sum(ut.sum(p.detach() ** 2) for p in model.parameters())))
    if main_process:
        print(f"test accuracy: {correct / len(x_test):.4f}")
        print(f"parameter norm: {norm:.4f}")  # the same model, whatever the number of workers
    if args.save:
        ut.distributed.save(model.state_dict(), args.save)  # rank 0 writes; all wait
    ut.distributed.shutdown()


if __name__ == "__main__":
    main()
