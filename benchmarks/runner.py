"""``python -m benchmarks`` / ``unitorch bench``: run the suites on each backend, each in
its own process, print the tables and write JSON and markdown to benchmarks/results/."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from . import report

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--backends", default="torch,tensorflow")
    parser.add_argument("--suites", default="ops,train,import,data",
                        help="comma-separated: ops, train, programs, import, data, scalars, "
                             "floor, views")
    parser.add_argument("--quick", action="store_true",
                        help="a smoke run: small sizes, few repeats (what CI runs)")
    parser.add_argument("--device", default="cpu", help="cpu or gpu (torch backend)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads per framework (OMP/MKL and TensorFlow's intra- "
                             "and inter-op pools); default: the frameworks' own choice. "
                             "On a loaded machine, 1 avoids threads waiting for each other")
    parser.add_argument("--clock", default="wall", choices=("wall", "cpu"),
                        help="wall: elapsed time (the default); cpu: the worker process's "
                             "CPU time, all threads (on a machine shared with other work it "
                             "leaves out the time spent waiting for a core; CPU only)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results"))
    parser.add_argument("--tag", default=None, help="file name for the results")
    args = parser.parse_args(argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    if args.threads:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TF_NUM_INTRAOP_THREADS",
                     "TF_NUM_INTEROP_THREADS"):
            env[name] = str(args.threads)
    if args.clock == "cpu" and args.device != "cpu":
        parser.error("--clock cpu measures CPU time: use it with --device cpu")
    rows = []
    for backend in args.backends.split(","):
        module = "torch" if backend == "torch" else "tensorflow"
        if importlib.util.find_spec(module) is None:
            # (a GPU machine may have torch with CUDA and no TensorFlow)
            print(f"{backend}: skipped ({module} is not installed)", file=sys.stderr)
            continue
        cmd = [sys.executable, "-m", "benchmarks.worker", "--backend", backend,
               "--suites", args.suites, "--device", args.device, "--clock", args.clock]
        if args.quick:
            cmd.append("--quick")
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            print(f"benchmarks failed on {backend}", file=sys.stderr)
            return 1
        rows += json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{backend}: {time.perf_counter() - start:.0f} s", file=sys.stderr)
    info = report.machine()
    info["threads"] = args.threads or "framework default"
    info["clock"] = args.clock
    info["device"] = args.device
    print(report.table(rows))
    tag = args.tag or ("quick" if args.quick else time.strftime("%Y%m%d-%H%M%S"))
    stem = report.write(rows, Path(args.out), info, tag)
    print(f"\nwrote {stem}.json and {stem}.md")
    return 0
