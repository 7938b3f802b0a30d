"""Process hygiene of ``unitorch run`` and ``unitorch ab``, with real processes: signals to
the launcher reach every worker and the processes the workers started; timeouts and a
crashed worker end whole process groups, promptly; output is read with bounded memory;
A/B records written just before ``os._exit`` are kept.

The scripts import nothing heavy (no framework), so each test takes a few seconds;
every bound below is several times what the test needs on an idle machine, so that a
loaded CI machine does not fail them, and far below what the old behaviour took (a
crashed worker stopped the others after 62 s, a timed-out A/B run took 18 s for 8 s, a
SIGTERM to the launcher left every worker running)."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from unitorch.ab.record import read_records
from unitorch.ab.report import EXIT_CRASHED, EXIT_OK
from unitorch.backends import available_backends

FIRST = available_backends()[0]  # ab runs the scripts; they import no framework

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups are POSIX")

# A worker that starts a child (`sleep`), writes both pids to DIR/pids-<rank>, says how
# a SIGINT reached it, and waits.
WORKER = """
import os, subprocess, sys, time
folder = sys.argv[1]
child = subprocess.Popen(["sleep", "300"])
rank = os.environ.get("RANK", "ab-" + os.environ.get("UNITORCH_BACKEND", "?"))
with open(os.path.join(folder, f"pids-{rank}.tmp"), "w") as f:
    f.write(f"{os.getpid()} {child.pid}")
os.replace(os.path.join(folder, f"pids-{rank}.tmp"), os.path.join(folder, f"pids-{rank}"))
try:
    time.sleep(300)
except KeyboardInterrupt:
    print("worker saw KeyboardInterrupt", flush=True)
    time.sleep(300)  # ignores it: the launcher must still end it (SIGTERM, SIGKILL)
"""


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def _pids(folder: Path) -> list[int]:
    """The pids the workers wrote (each worker's and its child's)."""
    files = [f for f in folder.glob("pids-*") if f.suffix != ".tmp"]
    return [int(p) for f in files for p in f.read_text().split()]


def _wait_for_pids(folder: Path, n: int, proc: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + 120
    while len(_pids(folder)) < 2 * n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the workers never started"
        time.sleep(0.05)
    return _pids(folder)


def _gone(pids: list[int], within: float) -> list[int]:
    """The pids still running after ``within`` seconds (zombies count as gone)."""
    deadline = time.monotonic() + within
    while True:
        alive = [p for p in pids if _running(p)]
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.05)


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True


def _kill_all(pids: list[int]) -> None:
    for pid in pids:  # a failed test must not leave its processes behind
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _env() -> dict[str, str]:
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("UNITORCH_AB_RECORD", None)
    return env


@pytest.mark.parametrize("sig,status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_to_unitorch_run_ends_every_worker_and_their_children(tmp_path, sig,
                                                                       status):
    script = _write(tmp_path, "worker.py", WORKER)
    launcher = subprocess.Popen(
        [sys.executable, "-m", "unitorch", "run", "--nproc", "2", script, str(tmp_path)],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pids = []
    try:
        pids = _wait_for_pids(tmp_path, 2, launcher)
        start = time.monotonic()
        launcher.send_signal(sig)
        out, _ = launcher.communicate(timeout=60)
        took = time.monotonic() - start
        assert launcher.returncode == status, out
        assert f"received {signal.Signals(sig).name}; stopping the workers" in out
        if sig == signal.SIGINT:  # forwarded as SIGINT: the workers saw a Ctrl-C
            assert out.count("worker saw KeyboardInterrupt") == 2, out
        assert _gone(pids, 5.0) == [], out
        assert took < 20, took  # SIGTERM/SIGINT, 3 s, SIGKILL
    finally:
        _kill_all([*pids, launcher.pid])


def test_run_timeout_and_crashes_end_whole_groups_promptly(tmp_path):
    from unitorch.cli.run import launch

    script = _write(tmp_path, "worker.py", WORKER)
    start = time.monotonic()
    assert launch([sys.executable, script, str(tmp_path)], 2, timeout=2.0,
                  stdout=io.StringIO()) == 124
    assert time.monotonic() - start < 30
    pids = _pids(tmp_path)
    assert len(pids) == 4 and _gone(pids, 5.0) == []
    crash = _write(tmp_path, "crash.py", """
        import os, subprocess, sys, time
        if os.environ["RANK"] == "1":
            raise SystemExit(7)
        subprocess.Popen(["sleep", "300"])
        time.sleep(300)
    """)
    out = io.StringIO()
    start = time.monotonic()
    assert launch([sys.executable, crash], 2, stdout=out) == 7  # the default --grace
    took = time.monotonic() - start
    assert "the others get 3 s to finish" in out.getvalue()
    assert took < 30, took  # 3 s of grace, SIGTERM: it took 62 s with the old default


def test_output_lines_are_read_with_bounded_memory(tmp_path):
    """A worker prints one 100 MB line: the launcher forwards it in 64 Ki-character
    pieces and its peak memory grows by far less than the line (it held the whole line,
    twice, before)."""
    big = _write(tmp_path, "big.py", """
        import os
        for _ in range(100):
            os.write(1, b"x" * (1 << 20))
        os.write(1, b"\\nend\\n")
    """)
    probe = _write(tmp_path, "probe.py", f"""
        import io, resource, sys
        from unitorch.cli.run import launch
        class Count(io.TextIOBase):
            chars = lines = longest = 0
            def write(self, s):
                self.chars += len(s); self.lines += s.count("\\n")
                self.longest = max(self.longest, len(s))
                return len(s)
        sink = Count()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        status = launch([sys.executable, {big!r}], 1, stdout=sink)
        grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
        print(status, sink.chars, sink.lines, sink.longest, grew)
    """)
    done = subprocess.run([sys.executable, probe], env=_env(), capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    status, chars, lines, longest, grew_kib = (int(v) for v in done.stdout.split())
    prefix = len("[rank 0] ")
    pieces = -(-(100 << 20) // (1 << 16))
    assert status == 0 and lines == pieces + 1
    assert chars == (100 << 20) + (pieces + 1) * (prefix + 1) + len("end")
    assert longest == prefix + (1 << 16) + 1
    assert grew_kib < 32 * 1024, f"peak memory grew by {grew_kib} KiB"


# ---------------------------------------------------------------------------------------
# unitorch ab


def test_ab_timeout_ends_the_scripts_whole_group(tmp_path, capsys):
    from unitorch.cli.main import main

    script = _write(tmp_path, "sleepy.py", WORKER)
    start = time.monotonic()
    code = main(["ab", script, str(tmp_path), "--timeout", "2", "--out",
                 str(tmp_path / "report"), "--backends", FIRST, "--no-plot"])
    took = time.monotonic() - start
    assert code == EXIT_CRASHED
    assert f"CRASHED on {FIRST} (timed out)" in capsys.readouterr().out
    pids = _pids(tmp_path)
    assert _gone(pids, 5.0) == []
    assert took < 30, took  # 2 s, SIGTERM: the old runner waited for the child's pipe


def test_a_signal_to_unitorch_ab_reaches_the_script_group(tmp_path):
    script = _write(tmp_path, "sleepy.py", WORKER)
    runner = subprocess.Popen(
        [sys.executable, "-m", "unitorch", "ab", script, str(tmp_path), "--out",
         str(tmp_path / "report"), "--backends", FIRST, "--no-plot"],
        env=_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    pids = []
    try:
        pids = _wait_for_pids(tmp_path, 1, runner)
        runner.send_signal(signal.SIGTERM)
        out, _ = runner.communicate(timeout=60)
        assert runner.returncode == 143, out
        assert "interrupted: received SIGTERM" in out
        assert _gone(pids, 5.0) == [], out
    finally:
        _kill_all([*pids, runner.pid])


def test_records_written_just_before_os_exit_are_kept(tmp_path, capsys):
    """os._exit skips the exit handler that wrote the records file: entries recorded
    since the last write used to be lost; the journal keeps them."""
    from unitorch.cli.main import main

    script = _write(tmp_path, "quick.py", """
        import os
        import unitorch as ut
        for step in range(5):
            ut.ab.record("loss", 1.0 / (step + 1))
        ut.ab.record("done", 1)
        os._exit(0)
    """)
    out = tmp_path / "report"
    backends = available_backends()
    code = main(["ab", script, "--out", str(out), "--backends", ",".join(backends),
                 "--no-plot"])
    text = capsys.readouterr().out
    assert code == EXIT_OK, text
    report = json.loads((out / "report.json").read_text())
    rows = {r["name"]: r for r in report["records"]}
    assert rows["loss"]["entries"] == dict.fromkeys(backends, 5)
    assert rows["done"]["entries"] == dict.fromkeys(backends, 1)


def test_read_records_merges_the_journal_and_ignores_a_torn_line(tmp_path):
    path = tmp_path / "torch.json"
    snapshot = {"format": 1, "finished": False, "seq": 2, "records": {"loss": {
        "dtype": "float64", "shape": [], "values": [1.0, 0.5], "rtol": None, "atol": None,
        "axis": "call"}}}
    path.write_text(json.dumps(snapshot))

    def line(seq, value, new=False):
        return json.dumps({"seq": seq, "name": "loss", "dtype": "float64", "shape": [],
                           "value": value, "rtol": None, "atol": None, "new": new,
                           "axis": "call"})

    # entries 1-2 are in the snapshot already (a kill between the write and the
    # journal's truncation), 3-4 are not, the last line was cut short by a kill
    journal = [line(1, 1.0), line(2, 0.5), line(3, 0.25), line(4, 0.125), line(5, 9.0)[:30]]
    Path(f"{path}.journal").write_text("\n".join(journal))
    found = read_records(path)
    assert found["records"]["loss"]["values"] == [1.0, 0.5, 0.25, 0.125]
    assert found["seq"] == 4
    path.unlink()  # no snapshot at all: the journal alone
    assert read_records(path)["records"]["loss"]["values"] == [1.0, 0.5, 0.25, 0.125]
    Path(f"{path}.journal").unlink()
    assert read_records(path) is None
