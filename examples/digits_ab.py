"""The digits MLP of ``unitorch demo``, as a script for ``unitorch ab``.

    unitorch ab examples/digits_ab.py                  # both backends, compared
    unitorch ab examples/digits_ab.py --epochs 3 --out /tmp/ab
    UNITORCH_BACKEND=tensorflow python examples/digits_ab.py --progress   # one backend

64-50-10 with ReLU, cross-entropy and Adam (lr 1e-2, batch 64, 10 epochs) on the 8x8
handwritten digits that scikit-learn ships (offline).  It trains with ``ut.fit`` and
records, with ``ut.ab.record``, the loss of every step, the per-epoch history and the
final accuracies; under ``unitorch ab`` each backend runs it in its own process and the
records are compared.  The code lives in :mod:`unitorch.cli.demo`, installed with
unitorch, so that ``unitorch demo`` runs it from any directory.
"""

from unitorch.cli.demo import script_main

if __name__ == "__main__":
    raise SystemExit(script_main())
