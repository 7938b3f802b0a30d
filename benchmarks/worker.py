"""One backend's benchmarks, run in its own process (Keras 3 and EagerPy bind to one
framework per process).  Prints a JSON list of result rows on stdout."""

from __future__ import annotations

import argparse
import json
import os
import sys


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", required=True, choices=("torch", "tensorflow"))
    parser.add_argument("--suites", default="ops,train,import")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--clock", default="wall")
    args = parser.parse_args()
    from . import timing

    timing.clock = timing.CLOCKS[args.clock]
    os.environ["UNITORCH_BACKEND"] = args.backend
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    rows = []
    for suite in args.suites.split(","):
        module = {"ops": "ops", "train": "train", "import": "imports", "data": "data",
                  "scalars": "scalars", "programs": "programs", "floor": "floor",
                  "views": "views"}[suite]
        mod = __import__(f"benchmarks.{module}", fromlist=["run"])
        rows += mod.run(args.backend, args.quick, **({"device": args.device}
                                                      if suite in ("train", "programs")
                                                      else {}))
    json.dump(rows, sys.stdout)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
