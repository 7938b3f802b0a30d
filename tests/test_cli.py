"""The ``unitorch`` command line, run for real in subprocesses: ``unitorch ab`` (records,
table, JSON, PNG, divergence, crash, timeout and their exit codes), ``unitorch info``,
``python -m unitorch --help`` and ``unitorch demo`` end to end."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from importlib.metadata import entry_points

import numpy as np
import pytest

import unitorch as ut
from unitorch.ab.report import (
    EXIT_CRASHED,
    EXIT_DIVERGED,
    EXIT_NOTHING_RECORDED,
    EXIT_OK,
    EXIT_USAGE,
)
from unitorch.backends import available_backends
from unitorch.cli.main import _split_ab, find_benchmarks, main

BOTH = ("torch", "tensorflow")
needs_both = pytest.mark.skipif(set(BOTH) - set(available_backends()) != set(),
                                reason="needs torch and tensorflow installed")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def unitorch_cli(*args, cwd=None, timeout=600):
    """``python -m unitorch ARGS`` in a subprocess: (exit code, stdout, stderr)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("UNITORCH_AB_RECORD", None)
    done = subprocess.run([sys.executable, "-m", "unitorch", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout, done.stderr


def check_png(path):
    """A real PNG: the magic bytes, and both matplotlib and PIL decode it."""
    import matplotlib.image
    from PIL import Image

    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC
    pixels = matplotlib.image.imread(path)
    assert pixels.ndim == 3 and pixels.shape[0] > 100 and pixels.shape[1] > 100
    with Image.open(path) as img:
        img.verify()
    with Image.open(path) as img:
        assert img.format == "PNG" and img.size == (pixels.shape[1], pixels.shape[0])
    assert float(np.std(pixels[..., :3])) > 0.01  # not a blank canvas


AB_SCRIPT = textwrap.dedent("""
    import sys
    import numpy as np
    import unitorch as ut

    args = sys.argv[1:]
    x = ut.asarray(np.linspace(0.1, 1.0, 50, dtype=np.float32))
    for step in range(12):
        ut.ab.record("loss", ut.mean(ut.exp(-x * step)))
    ut.ab.record("argc", len(args))
    if "--diverge" in args:  # a deliberate difference on every backend but torch
        ut.ab.record("drift", 1.0 + (0.0 if ut.get_backend() == "torch" else 1e-3))
    print("script ran with", args)
""")


@needs_both
def test_ab_records_table_json_png_and_divergence(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(AB_SCRIPT)
    out = tmp_path / "report"
    # ab's options after the script's arguments; after '--' all goes to the script
    code, stdout, stderr = unitorch_cli("ab", str(script), "--diverge", "--out", str(out),
                                        "--backends", "torch,tensorflow", "--", "--out", "x")
    assert code == EXIT_DIVERGED, stdout + stderr
    for b in BOTH:
        assert f"[{b}] script ran with ['--diverge', '--out', 'x']" in stdout
    lines = stdout.splitlines()
    header = next(line for line in lines if line.startswith("name"))
    assert header.split()[:5] == ["name", "entries", "dtype", "torch", "tensorflow"]
    loss_row = next(line for line in lines if line.startswith("loss "))
    assert loss_row.split()[1:3] == ["12", "float32"] and loss_row.endswith("yes")
    assert next(line for line in lines if line.startswith("argc ")).split()[1:5] == [
        "1", "int64", "3", "3"]
    drift = next(line for line in lines if line.startswith("drift "))
    assert "NO: 1 of 1 beyond tolerance" in drift
    assert "1.001" in drift and "0.001" in drift
    assert f"DIVERGED: drift (exit code {EXIT_DIVERGED})" in stdout
    assert f"plot: {out / 'series.png'}" in stdout

    report = json.loads((out / "report.json").read_text())
    assert report["ok"] is False and report["exit_code"] == EXIT_DIVERGED
    assert report["backends"] == list(BOTH) and report["reference"] == "torch"
    assert [r["name"] for r in report["records"]] == ["loss", "argc", "drift"]
    assert all(report["runs"][b]["returncode"] == 0 for b in BOTH)
    x = np.linspace(0.1, 1.0, 50, dtype=np.float32).astype(np.float64)
    expected = [np.mean(np.exp(-x * s)) for s in range(12)]
    for b in BOTH:
        np.testing.assert_allclose(report["series"]["loss"][b], expected, rtol=1e-6)
        assert (out / "records" / f"{b}.json").exists()
    rows = {r["name"]: r for r in report["records"]}
    assert rows["loss"]["ok"] is True and rows["loss"]["dtype"] == "float32"
    assert rows["loss"]["max_ulp"] <= 4
    assert rows["drift"]["ok"] is False and rows["drift"]["max_abs"] == pytest.approx(1e-3)
    assert rows["drift"]["max_ulp"] == pytest.approx(1e-3 / np.spacing(1.0), rel=1e-3)
    check_png(out / "series.png")


# The next tests run the driver in this process (main()), the scripts in real
# subprocesses: the scripts import nothing, so each run takes a fraction of a second.


def test_ab_crash_is_reported_as_a_crash(tmp_path, capsys):
    script = tmp_path / "crashy.py"
    script.write_text(textwrap.dedent("""
        import os, sys
        print("running")
        if os.environ["UNITORCH_BACKEND"] == "tensorflow":
            print("something went wrong on purpose", file=sys.stderr)
            sys.exit(7)
    """))
    out = tmp_path / "r"
    code = main(["ab", str(script), "--out", str(out), "--backends", "torch,tensorflow"])
    stdout = capsys.readouterr().out
    assert code == EXIT_CRASHED, stdout
    assert "[torch] running" in stdout and "[tensorflow] running" in stdout
    assert "CRASHED on tensorflow (exit 7); last lines of its stderr:" in stdout
    assert "  | something went wrong on purpose" in stdout
    assert f"CRASHED on tensorflow (exit code {EXIT_CRASHED})" in stdout
    assert "DIVERGED" not in stdout
    runs = json.loads((out / "report.json").read_text())["runs"]
    assert runs["tensorflow"]["returncode"] == 7 and runs["tensorflow"]["crashed"] is True
    assert runs["torch"]["crashed"] is False


def test_ab_timeout_and_nothing_recorded(tmp_path, capsys):
    sleepy = tmp_path / "sleepy.py"
    sleepy.write_text("import os, time\nif os.environ['UNITORCH_BACKEND'] == 'torch':\n"
                      "    time.sleep(120)\n")
    start = time.perf_counter()
    code = main(["ab", str(sleepy), "--timeout", "3", "--out", str(tmp_path / "a"),
                 "--backends", "torch,tensorflow"])
    stdout = capsys.readouterr().out
    assert code == EXIT_CRASHED and "CRASHED on torch (timed out)" in stdout
    assert time.perf_counter() - start < 60
    silent = tmp_path / "silent.py"
    silent.write_text("print('no records')\n")
    code = main(["ab", str(silent), "--out", str(tmp_path / "b"), "--backends",
                 "torch,tensorflow"])
    assert code == EXIT_NOTHING_RECORDED and "NOTHING RECORDED" in capsys.readouterr().out


def test_ab_usage_errors(tmp_path, capsys):
    assert main(["ab", str(tmp_path / "missing.py")]) == EXIT_USAGE
    assert "no such script" in capsys.readouterr().err
    script = tmp_path / "s.py"
    script.write_text("")
    assert main(["ab", str(script), "--backends", "torch,jax"]) == EXIT_USAGE
    assert "unknown backend 'jax'" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["ab", str(script), "--rtol", "lots"])
    assert e.value.code == EXIT_USAGE
    assert main(["no-such-command"]) == EXIT_USAGE


def test_ab_argument_split():
    assert _split_ab(["s.py", "-x", "1", "--out", "d", "--rtol=1e-3", "--", "--out", "y"]) == (
        ["s.py", "--out", "d", "--rtol=1e-3"], ["-x", "1", "--out", "y"])
    assert _split_ab(["--backends", "torch", "-q", "s.py", "a"]) == (
        ["--backends", "torch", "-q", "s.py"], ["a"])


def test_help_version_and_console_script():
    code, stdout, _ = unitorch_cli("--help")
    assert code == 0
    for command in ("ab SCRIPT", "info", "bench", "demo", "exit codes of ab and demo"):
        assert command in stdout
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert scripts.get("unitorch") == "unitorch.cli.main:main"


def test_ab_help_lists_exit_codes(capsys):
    with pytest.raises(SystemExit) as e:
        main(["ab", "--help"])
    assert e.value.code == 0
    text = capsys.readouterr().out
    assert "usage: unitorch ab SCRIPT" in text
    for code in range(5):
        assert f"\n  {code}  " in text


def test_info(capsys):
    assert main(["info"]) == 0
    stdout = capsys.readouterr().out
    assert f"unitorch       {ut.__version__}" in stdout
    assert f"numpy          {np.__version__}" in stdout
    assert f"python         {sys.version.split()[0]}" in stdout
    for name in available_backends():
        mod = __import__(name)
        assert f"{name:<14} " in stdout and mod.__version__.split("+")[0] in stdout
        assert f"  {name:<12} devices: cpu" in stdout
    assert "matmul precision highest (full float32, TF32 off)" in stdout
    assert "default dtype  float32" in stdout and "default device cpu" in stdout
    if "tensorflow" in available_backends():
        assert "tensor_float_32_execution=False" in stdout


def test_info_json_matches_the_session():
    from unitorch.cli.info import collect

    info = collect()
    json.dumps(info)
    assert info["installed_backends"] == list(available_backends())
    assert info["default_dtype"] == ut.get_default_dtype().name
    for name in available_backends():
        entry = info["backends"][name]
        assert entry["devices"][0] == "cpu" and entry["default_device"] == "cpu"


def test_bench_finds_the_checkout(capsys):
    root = find_benchmarks()
    assert root is not None and (root / "benchmarks" / "runner.py").is_file()
    with pytest.raises(SystemExit) as e:
        main(["bench", "--help"])
    assert e.value.code == 0
    assert "--quick" in capsys.readouterr().out


def _check_demo(code, stdout, stderr, out, epochs):
    assert code == EXIT_OK, stdout + stderr
    assert f"{epochs} epochs, batch 64, Adam lr 0.01" in stdout
    for name in ("fit/loss", "fit/val_accuracy", "fit/step/loss", "train_accuracy",
                 "test_accuracy"):
        row = next(line for line in stdout.splitlines() if line.startswith(name + " "))
        assert row.endswith("yes"), row
    accuracies = {}
    for b in BOTH:
        line = next(line for line in stdout.splitlines() if line.startswith(f"{b} ") and
                    "train accuracy" in line)
        words = line.split()
        accuracies[b] = (float(words[3]), float(words[6]))
    assert accuracies["torch"] == accuracies["tensorflow"]
    assert f"(both backends overlaid, and their difference): {out.resolve() / 'series.png'}" in stdout
    check_png(out / "series.png")
    return accuracies["torch"]


@needs_both
def test_demo_one_epoch(tmp_path):
    code, stdout, stderr = unitorch_cli("demo", "--epochs", "1", "--out", str(tmp_path / "d"))
    train_acc, test_acc = _check_demo(code, stdout, stderr, tmp_path / "d", 1)
    assert train_acc > 0.5 and test_acc > 0.5  # one epoch of 23 steps already learns


@needs_both
@pytest.mark.slow
def test_demo_end_to_end(tmp_path):
    """``unitorch demo`` exactly as the README runs it, from another directory."""
    start = time.perf_counter()
    code, stdout, stderr = unitorch_cli("demo", cwd=tmp_path)
    seconds = time.perf_counter() - start
    train_acc, test_acc = _check_demo(code, stdout, stderr, tmp_path / "ab-report", 10)
    assert train_acc > 0.95 and test_acc > 0.95
    assert seconds < 300
