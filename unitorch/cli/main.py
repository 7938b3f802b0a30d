"""``unitorch``: the command line (``unitorch COMMAND ...`` or ``python -m unitorch``).

Commands: ``ab`` (run a script on every backend and compare what it recorded), ``info``
(versions, backends, devices, precision), ``bench`` (the benchmark suite, from a source
checkout), ``demo`` (train a small network on both backends and compare them) and
``run`` (start worker processes for data-parallel training, :mod:`unitorch.cli.run`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

__all__ = ["main"]

EXIT_CODES = """\
exit codes:
  0  every recorded value agrees within tolerance on every backend
  1  a value differs beyond tolerance, or is missing on a backend (a divergence)
  2  usage error: bad option, unknown or uninstalled backend, script not found
  3  the script crashed (non-zero exit, signal or timeout) on a backend
  4  every run succeeded but nothing was recorded, so nothing was compared"""

USAGE = f"""\
usage: unitorch COMMAND [ARGS...]

Write deep-learning code once; run it on PyTorch or TensorFlow kernels.

commands:
  ab SCRIPT [ARGS...]  run a Python script once per backend, each in its own process,
                       and compare the values it recorded with ut.ab.record()
  info                 versions, installed backends, devices, precision settings
  bench [ARGS...]      run the benchmark suite (from a source checkout)
  demo                 train a small MLP on handwritten digits under both backends
                       and compare them
  run [--nproc N] SCRIPT [ARGS...]
                       start N worker processes of a script for data-parallel
                       training with ut.distributed (either backend)

options:
  -h, --help           show this message
  --version            show unitorch's version

'unitorch COMMAND --help' shows a command's options.

{EXIT_CODES.replace("exit codes:", "exit codes of ab and demo:")}
"""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("unitorch")
    except PackageNotFoundError:
        import unitorch

        return unitorch.__version__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``unitorch`` command line with ``argv`` (default: ``sys.argv[1:]``);
    returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args:
        sys.stderr.write(USAGE)
        return 2
    command, rest = args[0], args[1:]
    if command in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0
    if command == "--version":
        print(f"unitorch {_version()}")
        return 0
    handler = COMMANDS.get(command)
    if handler is None:
        sys.stderr.write(f"unitorch: unknown command {command!r}\n\n{USAGE}")
        return 2
    from .._process import Interrupted

    try:
        return handler(rest)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except Interrupted as e:  # SIGTERM/SIGHUP/SIGINT, forwarded to the children first
        print(f"\ninterrupted: {e}", file=sys.stderr)
        return e.status


# ---------------------------------------------------------------------------------------
# unitorch ab

_AB_OPTIONS_WITH_VALUE = ("--backends", "--rtol", "--atol", "--out", "--timeout")
_AB_FLAGS = ("--quiet", "-q", "--no-plot")


def _split_ab(tokens: list[str]) -> tuple[list[str], list[str]]:
    """(unitorch ab's own tokens, including the script, ; the script's arguments).

    ab's options may come before the script or after it, among the script's arguments;
    everything after a ``--`` that follows the script goes to the script unchanged.
    """
    own: list[str] = []
    script_args: list[str] = []
    script_seen = False
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if script_seen and t == "--":
            script_args += tokens[i + 1:]
            break
        key = t.split("=", 1)[0]
        if key in _AB_OPTIONS_WITH_VALUE:
            take = 1 if "=" in t else 2
            own += tokens[i:i + take]
            i += take
            continue
        if t in _AB_FLAGS or (not script_seen and t.startswith("-")):
            own.append(t)  # ab's flags, and -h or mistakes before the script
        elif not script_seen:
            own.append(t)
            script_seen = True
        else:
            script_args.append(t)
        i += 1
    return own, script_args


def _ab_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="unitorch ab",
        usage="unitorch ab SCRIPT [ARGS...] [--backends B1,B2] [--rtol R] [--atol A] "
              "[--out DIR] [--timeout S] [--quiet] [--no-plot]",
        description=(
            "Run SCRIPT (with ARGS) once per backend, each in its own Python process with "
            "UNITORCH_BACKEND set, collect the values it records with ut.ab.record(), "
            "print a comparison table, and write DIR/report.json and a plot of every "
            "recorded series (DIR/series.png). The first backend is the reference. "
            "ab's options may also follow the script's arguments; put '--' after the "
            "script to pass every following argument to the script."),
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("script", help="the Python script to run")
    parser.add_argument("--backends", default=None,
                        help="comma-separated backends, the reference first "
                             "(default: every installed backend)")
    parser.add_argument("--rtol", type=float, default=None,
                        help="relative tolerance (default: per dtype, "
                             "unitorch.testing.tolerances.DEFAULTS)")
    parser.add_argument("--atol", type=float, default=None,
                        help="absolute tolerance (default: per dtype)")
    parser.add_argument("--out", default="ab-report",
                        help="directory for report.json, series.png and the raw records "
                             "(default: ./ab-report)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="seconds each run may take (a run past it is killed and "
                             "reported as crashed)")
    parser.add_argument("--quiet", "-q", action="store_true",
                        help="do not pass the script's output through")
    parser.add_argument("--no-plot", action="store_true", help="write no plot")
    return parser


def parse_backends(text: str | None) -> tuple[str, ...]:
    """Backend names from ``"torch,tensorflow"`` (aliases allowed; default: every
    installed backend); raises ValueError for unknown or uninstalled ones."""
    from ..backends import _canonical, available_backends
    from ..errors import BackendNotAvailableError

    installed = available_backends()
    if not text:
        return installed
    names: list[str] = []
    for part in text.split(","):
        if not part.strip():
            continue
        try:
            name = _canonical(part)
        except BackendNotAvailableError as e:
            raise ValueError(str(e)) from None
        if name not in installed:
            raise ValueError(f"backend {name!r} is not installed (installed: "
                             f"{', '.join(installed) or 'none'})")
        if name not in names:
            names.append(name)
    if not names:
        raise ValueError("no backend given")
    return tuple(names)


def _cmd_ab(argv: list[str]) -> int:
    from ..ab.script import run_script

    own, script_args = _split_ab(argv)
    opts = _ab_parser().parse_args(own)
    try:
        backends = parse_backends(opts.backends)
    except ValueError as e:
        print(f"unitorch ab: {e}", file=sys.stderr)
        return 2
    script = Path(opts.script)
    if not script.is_file():
        print(f"unitorch ab: no such script: {opts.script}", file=sys.stderr)
        return 2
    if len(backends) < 2:
        print(f"unitorch ab: only {', '.join(backends) or 'no backend'} given or installed; "
              "nothing to compare with (results are still recorded)", file=sys.stderr)
    report = run_script([sys.executable, str(script), *script_args], backends, opts.out,
                        rtol=opts.rtol, atol=opts.atol, timeout=opts.timeout,
                        echo=not opts.quiet, plot=not opts.no_plot,
                        display=[str(script), *script_args])
    print(report)
    return report.exit_code


# ---------------------------------------------------------------------------------------
# unitorch bench


def find_benchmarks() -> Path | None:
    """The source checkout holding ``benchmarks/runner.py`` next to the imported
    ``unitorch`` package (an editable install or a run from the checkout), or None."""
    import unitorch

    root = Path(unitorch.__file__).resolve().parent.parent
    return root if (root / "benchmarks" / "runner.py").is_file() else None


def _cmd_bench(argv: list[str]) -> int:
    root = find_benchmarks()
    if root is None:
        print("unitorch bench: the benchmark suite is not part of the installed package; it "
              "lives in the benchmarks/ folder of unitorch's source repository. Clone it, "
              "then either run 'python -m benchmarks' in the checkout, or install the "
              "checkout in editable mode (pip install -e .) and run 'unitorch bench'.",
              file=sys.stderr)
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks.runner import main as bench_main

    return int(bench_main(argv) or 0)


# ---------------------------------------------------------------------------------------


def _cmd_info(argv: list[str]) -> int:
    from .info import main as info_main

    return info_main(argv)


def _cmd_demo(argv: list[str]) -> int:
    from .demo import main as demo_main

    return demo_main(argv)


def _cmd_run(argv: list[str]) -> int:
    from .run import main as run_main

    return run_main(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "ab": _cmd_ab, "info": _cmd_info, "bench": _cmd_bench, "demo": _cmd_demo,
    "run": _cmd_run,
}
