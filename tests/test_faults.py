"""Fault injection on checkpoints, on every backend: a seeded sample of damaged files
(byte flips, truncations, crafted headers), ``kill -9`` in the middle of a save, a full
disk (a tiny tmpfs, when running as root where ``mount`` works), and permissions a save
must respect.  What must hold: a damaged file raises ``ValueError`` naming it (the same
message on every backend) or loads the very values it held, without allocating more
than a small multiple of its size; an interrupted or failed save leaves the previous
checkpoint whole and no temporary file; a write-protected file is never replaced."""

from __future__ import annotations

import errno
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
import tracemalloc

import numpy as np
import pytest

import unitorch as ut

from support import same_error

# the damaged-file sample: fixed, so a failure reproduces
SEED = 14
FLIPS = 240
CUTS = 60


def _bits(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def _same_tree(got, want) -> bool:
    """Bitwise equality of two loaded nests (NaN payloads and -0.0 included)."""
    if isinstance(want, ut.Tensor):
        return (isinstance(got, ut.Tensor) and got.dtype is want.dtype
                and got.shape == want.shape
                and np.array_equal(_bits(np.asarray(got.numpy())),
                                   _bits(np.asarray(want.numpy()))))
    if isinstance(want, np.ndarray):
        return (isinstance(got, np.ndarray) and got.dtype == want.dtype
                and np.array_equal(_bits(got), _bits(want)))
    if isinstance(want, dict):
        return (type(got) is type(want) and list(got) == list(want)
                and all(_same_tree(got[k], want[k]) for k in want))
    if isinstance(want, (list, tuple)):
        return (type(got) is type(want) and len(got) == len(want)
                and all(_same_tree(g, w) for g, w in zip(got, want)))
    if isinstance(want, float) and want != want:
        return isinstance(got, float) and got != got
    return type(got) is type(want) and got == want


def _checkpoint() -> dict:
    """A small training-like checkpoint touching every part of the format."""
    rng = np.random.default_rng(SEED)
    return {
        "model": {"fc.weight": ut.asarray(rng.standard_normal((6, 5)).astype(np.float32)),
                  "fc.bias": ut.zeros(5, dtype=ut.bfloat16),
                  "steps": ut.asarray(np.array(7, np.int64))},
        "optimizer": {"state": {0: {"step": ut.asarray(3.0)}},
                      "param_groups": [{"lr": 0.1, "betas": (0.9, 0.999), "params": [0]}]},
        "phase": ut.asarray(np.array([1 + 2j, -0.0 - 1j], np.complex64)),
        "mask": ut.asarray(np.array([True, False, True])),
        "rng": rng.integers(0, 2**31, 4), "epoch": 3, "best": float("nan"), "name": "run",
    }


@pytest.fixture(scope="module")
def original(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("faults") / "original.safetensors"
    ut.save(_checkpoint(), path)
    return path.read_bytes()


def _damaged_files(data: bytes) -> list[tuple[str, bytes]]:
    """The seeded sample: single-byte flips (any mask) anywhere, and truncations."""
    rng = np.random.default_rng(SEED)
    out = []
    for pos, mask in zip(rng.integers(0, len(data), FLIPS), rng.integers(1, 256, FLIPS)):
        damaged = bytearray(data)
        damaged[pos] ^= int(mask)
        out.append((f"flip {pos}^{mask}", bytes(damaged)))
    for cut in rng.choice(len(data), CUTS, replace=False):
        out.append((f"cut at {cut}", data[:cut]))
    return out


def test_a_seeded_sample_of_damaged_checkpoints(backends, tmp_path, original):
    """240 flipped bytes and 60 truncations of one checkpoint, loaded on every backend:
    each raises the same ValueError naming the file, or (a flip in JSON whitespace or
    an unused header field) loads exactly the original values; never more than a small
    multiple of the file's size is allocated."""
    data = original
    good = tmp_path / "good.safetensors"
    good.write_bytes(data)
    path = tmp_path / "damaged.safetensors"
    wants = {}
    for name in backends:
        with ut.use_backend(name):
            wants[name] = ut.load(good)
    loaded = refused = 0
    tracemalloc.start()
    try:
        for label, damaged in _damaged_files(data):
            path.write_bytes(damaged)
            outcomes = {}
            for name in backends:
                with ut.use_backend(name):
                    tracemalloc.reset_peak()
                    try:
                        got = ut.load(path)
                    except ValueError as e:
                        outcomes[name] = str(e)
                    else:
                        assert _same_tree(got, wants[name]), f"{label} loaded other values"
                        outcomes[name] = None
                    peak = tracemalloc.get_traced_memory()[1]
                    assert peak < 64 * len(data) + (1 << 20), f"{label}: {peak} bytes"
            assert len(set(outcomes.values())) == 1, f"{label}: {outcomes}"
            message = next(iter(outcomes.values()))
            if message is None:
                loaded += 1
            else:
                refused += 1
                assert repr(str(path)) in message, f"{label}: {message}"
    finally:
        tracemalloc.stop()
    assert refused > 0.9 * (FLIPS + CUTS), (loaded, refused)


def _patch_header(data: bytes, edit) -> bytes:
    """The file with its safetensors header edited (and the unitorch document's CRC
    recomputed when the document is edited)."""
    import zlib

    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    edit(header)
    meta = header["__metadata__"]
    meta["unitorch_crc32"] = str(zlib.crc32(meta["unitorch"].encode()))
    raw = json.dumps(header).encode()
    raw += b" " * (-len(raw) % 8)
    return len(raw).to_bytes(8, "little") + raw + data[8 + n:]


def _with_shape(shape):
    def edit(header):
        doc = json.loads(header["__metadata__"]["unitorch"])
        doc["tree"]["items"][0][1]["shape"] = shape
        header["__metadata__"]["unitorch"] = json.dumps(doc)
        header["e"]["shape"] = shape
    return edit


@pytest.mark.parametrize("case,edit,match", [
    ("huge dimension", _with_shape([0, 2**70]), r"tensor 'e' has the shape \[0, 1180"),
    ("too many dimensions", _with_shape([0] * 70), "tensor 'e' has 70 dimensions"),
    ("dimension overflow", _with_shape([0, 2**62]), r"tensor 'e' has the shape \[0, 4611"),
    ("negative dimension", _with_shape([0, -1]), "metadata is malformed"),
])
def test_crafted_headers_give_a_message_with_the_path(backends, tmp_path, case, edit, match):
    """Empty tensors with impossible shapes pass the size checks (0 bytes either way):
    NumPy then refused them with its own words and no file name."""
    good = tmp_path / "good.safetensors"
    ut.save({"e": np.zeros((0, 3), np.float32)}, good)
    path = tmp_path / "crafted.safetensors"
    path.write_bytes(_patch_header(good.read_bytes(), edit))
    msg = same_error(backends, ValueError, lambda: ut.load(path),
                     match="is a corrupt or truncated checkpoint")
    assert repr(str(path)) in msg
    assert re.search(match, msg), msg


# ---------------------------------------------------------------------------------------
# kill -9 during a save


_KILLER = """
    import os, random, signal, sys, time
    import numpy as np
    import unitorch as ut
    path, trials = sys.argv[1], int(sys.argv[2])
    folder = os.path.dirname(path)
    base = np.arange(1 << 20, dtype=np.float32)
    ut.save({"i": 0, "w": ut.asarray(base)}, path)
    rng = random.Random(0)
    midway = last = 0
    for trial in range(1, trials + 1):
        new = {"i": trial, "w": ut.asarray(base + trial)}
        r, wr = os.pipe()
        pid = os.fork()
        if pid == 0:  # the writer: rewrite the checkpoint until killed
            os.close(r)
            os.write(wr, b"x")
            while True:
                ut.save(new, path)
        os.close(wr)
        os.read(r, 1)
        os.close(r)
        if trial % 2:
            time.sleep(rng.uniform(0.0, 0.2))
        else:  # as soon as the writer's temporary file appears
            deadline = time.monotonic() + 60
            while not any(n.endswith(".tmp") for n in os.listdir(folder)):
                assert time.monotonic() < deadline, "the writer never wrote"
                time.sleep(0.0005)
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        stale = [n for n in os.listdir(folder) if n.endswith(".tmp")]
        midway += bool(stale)
        for name in stale:
            os.unlink(os.path.join(folder, name))
        got = ut.load(path)  # never raises: the target is whole
        assert got["i"] in (last, trial), (trial, last, got["i"])
        assert got["w"].backend == ut.get_backend()
        assert np.array_equal(got["w"].numpy(), base + got["i"]), trial
        last = got["i"]
    print(midway)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_kill_9_during_a_save_leaves_a_whole_checkpoint(backends, tmp_path):
    """A process rewriting a 4 MiB checkpoint of the backend's tensors is SIGKILLed 5
    times per backend: the file is always the previous or the new checkpoint."""
    children = {}
    for name in backends:  # both at once: their start-up overlaps
        folder = tmp_path / name
        folder.mkdir()
        children[name] = subprocess.Popen(
            [sys.executable, "-c", textwrap.dedent(_KILLER),
             str(folder / "ckpt.safetensors"), "5"],
            env=dict(os.environ, UNITORCH_BACKEND=name), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
    for name, child in children.items():
        out, err = child.communicate(timeout=300)
        assert child.returncode == 0, f"{name}: {err[-3000:]}"
        assert int(out) >= 1, f"{name}: no kill landed during a write"


# ---------------------------------------------------------------------------------------
# a full disk


@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs mounted for the test (root only; skipped otherwise)."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a tiny tmpfs needs root to mount (running as an ordinary user)")
    mount = shutil.which("mount")
    if mount is None:
        pytest.skip("no mount command on this machine")
    point = tmp_path / "disk"
    point.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(point)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"mounting a tmpfs failed here: {done.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run([shutil.which("umount") or "umount", str(point)], check=False)


def test_disk_full_keeps_the_previous_checkpoint(backends, tiny_disk):
    path = tiny_disk / "ckpt.safetensors"
    for name in backends:
        with ut.use_backend(name):
            ut.save({"epoch": 1, "w": ut.ones(1000)}, path)  # 4 KB: fits
            before = path.read_bytes()
            with pytest.raises(OSError) as info:
                ut.save({"epoch": 2, "w": ut.ones(100_000)}, path)  # 400 KB: does not
            assert info.value.errno == errno.ENOSPC, info.value
            assert repr(str(path)) in str(info.value)
            assert "previous file, if any, is unchanged" in str(info.value)
            assert path.read_bytes() == before
            assert ut.load(path)["epoch"] == 1
            assert [p.name for p in tiny_disk.iterdir()] == ["ckpt.safetensors"]


def test_a_read_only_filesystem_is_named(backends, tiny_disk):
    path = tiny_disk / "ckpt.safetensors"
    ut.save({"epoch": 1}, path)
    done = subprocess.run([shutil.which("mount"), "-o", "remount,ro", str(tiny_disk)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"remounting read-only failed here: {done.stderr.strip()}")
    try:
        for name in backends:
            with ut.use_backend(name):
                with pytest.raises(OSError) as info:
                    ut.save({"epoch": 2, "w": ut.ones(2)}, path)
                assert info.value.errno == errno.EROFS
                assert "read-only file system; it is left unchanged" in str(info.value)
                assert ut.load(path)["epoch"] == 1
    finally:
        subprocess.run([shutil.which("mount"), "-o", "remount,rw", str(tiny_disk)])


# ---------------------------------------------------------------------------------------
# permissions


def _as_nobody(fn) -> None:
    """Call ``fn`` in a forked child with an unprivileged user id (root may write any
    file, so this is how a test run as root sees what an ordinary user sees), and fail
    with what failed there.  The child touches no framework (not fork-safe): ``fn``
    saves NumPy values."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            os.setgid(65534)
            os.setuid(65534)
            fn()
            os.write(w, b"ok")
        except BaseException as e:  # report it to the parent
            os.write(w, f"{type(e).__name__}: {e}".encode()[:4000])
        finally:
            os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        report = f.read().decode()
    os.waitpid(pid, 0)
    assert report == "ok", report


@pytest.fixture
def shared_dir():
    """A directory every user may write (pytest's own are private to their owner)."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="unitorch-faults-"))
    os.chmod(folder, 0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork and POSIX permissions")
def test_a_write_protected_file_is_not_replaced(backend, shared_dir):
    """open(path, "wb") refuses a 0444 file; the rename ut.save makes must too (it used
    to replace it).  As root, an unprivileged child makes the attempt."""
    folder = shared_dir  # writable by all: only the file's mode protects the file
    path = folder / "ckpt.safetensors"
    ut.save({"v": ut.ones(2)}, path)
    before = path.read_bytes()

    def attempt():
        with pytest.raises(PermissionError) as info:
            ut.save({"v": np.zeros(2)}, path)
        assert "write-protected" in str(info.value) and repr(str(path)) in str(info.value)
        assert path.read_bytes() == before
        assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]

    if os.geteuid() == 0:
        os.chmod(path, 0o644)  # root's file: others may read, not write
        _as_nobody(attempt)
    else:
        os.chmod(path, 0o444)
        attempt()
    assert ut.load(path)["v"].backend == backend


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork and POSIX permissions")
def test_replacing_keeps_mode_and_owner_and_refuses_special_targets(backend, tmp_path,
                                                                     shared_dir):
    path = tmp_path / "ckpt.safetensors"
    ut.save({"v": 1}, path)
    os.chmod(path, 0o600)
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)
    ut.save({"v": 2}, path)
    st = path.stat()
    assert (st.st_mode & 0o777) == 0o600 and ut.load(path)["v"] == 2
    if os.geteuid() == 0:  # root replaced another user's file: it stays theirs
        assert (st.st_uid, st.st_gid) == (65534, 65534)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(ValueError, match=r"is a FIFO \(named pipe\), not a regular file"):
        ut.save({}, fifo)
    assert pathlib.Path(fifo).is_fifo()
    with pytest.raises(ValueError, match="is a device, not a regular file"):
        ut.save({}, os.devnull)
    assert not pathlib.Path(os.devnull).is_file()
    with pytest.raises(IsADirectoryError, match="the path is a directory"):
        ut.save({}, tmp_path)
    with pytest.raises(FileNotFoundError, match=r"its directory .* does not exist"):
        ut.save({}, tmp_path / "missing" / "ckpt.safetensors")
    locked = shared_dir / "locked"
    locked.mkdir()
    os.chmod(locked, 0o555)

    def into_locked():
        with pytest.raises(PermissionError, match="a temporary file cannot be created"):
            ut.save({}, locked / "ckpt.safetensors")

    if os.geteuid() == 0:
        _as_nobody(into_locked)
    else:
        into_locked()
