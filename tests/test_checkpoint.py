"""Checkpoints (``ut.save`` / ``ut.load``): exact round trips of every dtype and of nested
structures, across backends (written under one framework, read under the other),
safetensors compatibility, atomic writes (a failing write, a killed writer), corrupt and
truncated files, refusal of pickles, and that neither function imports the other framework."""

from __future__ import annotations

import errno
import math
import os
import pathlib
import pickle
import signal
import subprocess
import sys
import textwrap
import zlib
from collections import OrderedDict, namedtuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from safetensors import safe_open
from safetensors.numpy import save_file

import unitorch as ut
from unitorch.testing import strategies as uts

from support import same_error

# ---------------------------------------------------------------------------------------
# helpers


def _bits(a: np.ndarray) -> np.ndarray:
    """The bytes of ``a``, for bitwise comparison (NaN payloads and -0.0 included)."""
    return np.ascontiguousarray(a).reshape(-1).view(np.uint8)


def assert_same(got, want, backend: str, where: str = "obj") -> None:
    """``got`` (loaded under ``backend``) is ``want``: the same types, keys, order, values;
    tensors bitwise equal, of the active backend; NumPy stays NumPy."""
    if isinstance(want, ut.Tensor) or type(want).__module__.partition(".")[0] in (
            "torch", "tensorflow"):
        assert isinstance(got, ut.Tensor), f"{where}: {type(got).__name__}, expected a Tensor"
        assert got.backend == backend, f"{where}: backend {got.backend}, expected {backend}"
        want_t = want if isinstance(want, ut.Tensor) else ut.from_native(want)
        assert got.dtype is want_t.dtype, f"{where}: {got.dtype} vs {want_t.dtype}"
        assert got.shape == want_t.shape, f"{where}: {got.shape} vs {want_t.shape}"
        assert np.array_equal(_bits(got.numpy()), _bits(want_t.numpy())), where
        return
    assert type(got) is type(want), f"{where}: {type(got).__name__} vs {type(want).__name__}"
    if isinstance(want, (np.ndarray, np.generic)):
        assert got.dtype == want.dtype and got.shape == want.shape, where
        assert np.array_equal(_bits(np.asarray(got)), _bits(np.asarray(want))), where
    elif isinstance(want, dict):
        assert list(got) == list(want), f"{where}: keys {list(got)} vs {list(want)}"
        for (kg, vg), (kw, vw) in zip(got.items(), want.items()):
            assert type(kg) is type(kw), f"{where}: key {kg!r} vs {kw!r}"
            assert_same(vg, vw, backend, f"{where}[{kw!r}]")
    elif isinstance(want, (list, tuple)):
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, backend, f"{where}[{i}]")
    elif isinstance(want, float):
        assert math.copysign(1, got) == math.copysign(1, want), where
        assert got == want or (math.isnan(got) and math.isnan(want)), f"{where}: {got} vs {want}"
    else:
        assert got == want, f"{where}: {got!r} vs {want!r}"


def round_trip(obj, path, backends):
    """Save ``obj`` under the active backend; load it under every backend and compare."""
    ut.save(obj, path)
    for name in backends:
        with ut.use_backend(name):
            assert_same(ut.load(path), obj, name)


def leftovers(directory) -> list[str]:
    return sorted(p.name for p in pathlib.Path(directory).iterdir() if p.name.endswith(".tmp"))


def run_python(code: str, backend: str, *args: str, **kwargs):
    env = dict(os.environ, UNITORCH_BACKEND=backend)
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            **kwargs)


# ---------------------------------------------------------------------------------------
# round trips


@given(data=st.data())
def test_every_dtype_round_trips_bitwise_across_backends(backend, backends, tmp_path, data):
    dtype = data.draw(uts.dtypes(half=True), label="dtype")
    arr = data.draw(uts.arrays(dtype, allow_subnormal=True), label="array")
    round_trip({"t": ut.asarray(arr), "a": arr}, tmp_path / "ckpt.safetensors", backends)


@pytest.mark.parametrize("dtype", [d.name for d in ut.dtypes.all_dtypes])
def test_edge_values_and_shapes(backend, backends, tmp_path, dtype):
    d = ut.dtypes.as_dtype(dtype)
    if d.kind == "f":
        special = [0.0, -0.0, math.inf, -math.inf, math.nan, 1.0, -2.5]
        special.append(float(ut.finfo(d).smallest_normal) / 2)  # subnormal
        special.append(float(ut.finfo(d).max))
    elif d.kind == "c":
        special = [complex(-0.0, 0.0), complex(0.0, -0.0), complex(math.nan, -math.inf),
                   complex(math.inf, math.nan), 1 + 2j]
    elif d.kind == "b":
        special = [True, False]
    else:
        special = [ut.iinfo(d).min, ut.iinfo(d).max, 0, 1]
    values = np.array(special).astype(d.numpy)
    obj = {
        "vector": ut.asarray(values),
        "scalar": ut.asarray(values[0]),  # 0-d
        "empty": ut.zeros((0, 3), dtype=d),  # 0-size
        "empty_1d": ut.zeros(0, dtype=d),
        "matrix": ut.asarray(np.stack([values, values[::-1]])),
        "transposed": ut.asarray(np.stack([values, values[::-1]]).T.copy()).mT,
        "ndarray": values,
        "numpy_scalar": values[-1],
        "strided_ndarray": np.stack([values, values])[:, ::2],  # not contiguous
    }
    round_trip(obj, tmp_path / "edge.safetensors", backends)
    loaded = ut.load(tmp_path / "edge.safetensors")
    assert loaded["scalar"].shape == () and loaded["empty"].shape == (0, 3)


def test_negative_zero_and_nan_payload_bits_survive(backend, backends, tmp_path):
    bits = np.array([0x80000000, 0x7FC00001, 0xFFC12345, 0x00000001], np.uint32)
    obj = {"f32": ut.asarray(bits.view(np.float32)),
           "c64": ut.asarray(bits.view(np.complex64))}
    ut.save(obj, tmp_path / "bits.safetensors")
    for name in backends:
        with ut.use_backend(name):
            got = ut.load(tmp_path / "bits.safetensors")
            assert np.array_equal(got["f32"].numpy().view(np.uint32), bits), name
            assert np.array_equal(got["c64"].numpy().view(np.uint32), bits), name


def test_nested_structure_round_trips(backend, backends, tmp_path):
    import torch

    obj = {
        "model": OrderedDict([("fc.weight", ut.ones((2, 3))), ("fc.bias", ut.zeros(3))]),
        "optimizer": {
            "state": {0: {"step": ut.asarray(3), "exp_avg": ut.ones(3)},
                      1: {"step": ut.asarray(3), "exp_avg": ut.zeros((2, 3))}},
            "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8,
                              "params": [0, 1], "amsgrad": False, "foreach": None}],
        },
        "epoch": 3, "big": 2**100, "negative": -(2**70), "loss": -0.0, "best": math.inf,
        "nan": math.nan, "name": "résumé ✓ 😀 \x00 \\u1234", "empty_str": "",
        "nothing": None, "empty": {}, "empty_list": [], "empty_tuple": (), "nested": [[[()]]],
        "native_torch": torch.arange(4, dtype=torch.int16),
        "rng": np.random.default_rng(0).integers(0, 2**31, size=5),
        "np_scalar": np.float64(0.1), "np_bool": np.bool_(True),
        7: "int key", True: "bool key", None: "None key", 2.5: "float key", -1: [1, (2, 3)],
    }
    round_trip(obj, tmp_path / "nest.safetensors", backends)
    round_trip([ut.ones(2), (ut.zeros(1), 4)], tmp_path / "list.safetensors", backends)
    round_trip(ut.asarray([1.5, -0.0]), tmp_path / "bare.safetensors", backends)
    round_trip(None, tmp_path / "none.safetensors", backends)


_plain = st.one_of(st.none(), st.booleans(), st.integers(), st.text(),
                   st.floats(allow_nan=True, allow_infinity=True))
_keys = st.one_of(st.text(), st.integers(), st.none(), st.floats(allow_nan=False))
_leaf = st.one_of(_plain, uts.arrays(uts.dtypes(half=True), allow_subnormal=True))


@given(obj=st.recursive(_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(_keys, inner, max_size=3),
    st.dictionaries(_keys, inner, max_size=3).map(OrderedDict)), max_leaves=12))
def test_generated_nests_round_trip(tmp_path, obj):
    path = tmp_path / "gen.safetensors"
    ut.save(obj, path)
    assert_same(ut.load(path), obj, ut.get_backend())


def test_load_to_device_and_map_location(backend, tmp_path):
    path = tmp_path / "d.safetensors"
    ut.save({"w": ut.ones(2), "n": np.ones(2)}, path)
    cpu = ut.Device("cpu")
    assert ut.load(path, device="cpu")["w"].device == cpu
    assert ut.load(path, map_location="cpu")["w"].device == cpu
    assert isinstance(ut.load(path, device="cpu")["n"], np.ndarray)
    with pytest.raises(TypeError, match="both device= and map_location="):
        ut.load(path, device="cpu", map_location="gpu")


def test_paths_str_and_pathlike(backend, tmp_path):
    ut.save({"a": ut.ones(1)}, str(tmp_path / "s.safetensors"))
    assert ut.load(str(tmp_path / "s.safetensors"))["a"].shape == (1,)
    ut.save({"a": ut.ones(1)}, tmp_path / "p.safetensors")
    assert ut.load(tmp_path / "p.safetensors")["a"].shape == (1,)
    with pytest.raises(TypeError, match=r"ut.save\(\) expects a path"):
        ut.save({}, 3)
    with pytest.raises(TypeError, match=r"ut.load\(\) expects a path"):
        ut.load(None)
    with pytest.raises(FileNotFoundError):
        ut.load(tmp_path / "missing.safetensors")


def test_save_writes_through_symlinks_and_keeps_permissions(backend, tmp_path):
    real = tmp_path / "real.safetensors"
    ut.save({"a": ut.ones(1)}, real)
    os.chmod(real, 0o640)
    link = tmp_path / "link.safetensors"
    link.symlink_to(real)
    ut.save({"a": ut.zeros(1)}, link)
    assert link.is_symlink()
    assert float(ut.load(real)["a"][0]) == 0.0
    assert (real.stat().st_mode & 0o777) == 0o640


# ---------------------------------------------------------------------------------------
# a model's state dict moves between backends


class Tiny(ut.nn.Module):
    def __init__(self, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        init = (lambda *s: rng.standard_normal(s)) if rng else (lambda *s: np.zeros(s))
        self.weight = ut.nn.Parameter(ut.asarray(init(4, 3).astype(np.float32)))
        self.bias = ut.nn.Parameter(ut.asarray(init(3).astype(np.float32)))
        self.inner = ut.nn.Module()
        self.inner.scale = ut.nn.Parameter(ut.asarray(init(3).astype(ut.bfloat16.numpy)))
        self.register_buffer("steps", ut.asarray(np.array(7 if rng else 0, np.int64)))
        self.register_buffer("phase", ut.asarray(init(3).astype(np.complex64)))

    def forward(self, x):
        y = x * self.weight + self.bias
        return y * ut.astype(self.inner.scale, ut.float32) + ut.astype(self.steps, ut.float32)


@pytest.mark.parametrize("writer,reader", [("torch", "tensorflow"), ("tensorflow", "torch")])
def test_state_dict_moves_between_backends(backends, tmp_path, writer, reader):
    if not {writer, reader} <= set(backends):
        pytest.skip("needs both backends")
    rng = np.random.default_rng(1)
    x = rng.standard_normal((4, 3)).astype(np.float32)
    path = tmp_path / "model.safetensors"
    with ut.use_backend(writer):
        source = Tiny(rng)
        expected = source(ut.asarray(x)).numpy()
        ut.save(source.state_dict(), path)
        state = source.state_dict()
    with ut.use_backend(reader):
        target = Tiny()
        result = target.load_state_dict(ut.load(path))
        assert result.missing_keys == [] and result.unexpected_keys == []
        got = target(ut.asarray(x)).numpy()
        for key, value in target.state_dict().items():
            assert value.backend == reader
            assert_same(value, state[key], reader, key)
    # element-wise float32 arithmetic is correctly rounded on both: bitwise equal
    assert np.array_equal(_bits(got), _bits(expected))


@pytest.mark.parametrize("writer,reader", [("torch", "tensorflow"), ("tensorflow", "torch")])
def test_optimizer_state_moves_between_backends(backends, tmp_path, writer, reader):
    if not {writer, reader} <= set(backends):
        pytest.skip("needs both backends")
    optim = pytest.importorskip("unitorch.optim")
    path = tmp_path / "train.safetensors"
    with ut.use_backend(writer):
        w = ut.nn.Parameter(ut.asarray(np.array([1.0, -2.0, 3.0], np.float32)))
        opt = optim.Adam([w], lr=0.01)
        ut.sum(w * w).backward()
        opt.step()
        saved = {"optimizer": opt.state_dict(), "epoch": 3}
        ut.save(saved, path)
    with ut.use_backend(reader):
        fresh = optim.Adam([ut.nn.Parameter(ut.zeros(3))], lr=0.5)
        back = ut.load(path)
        assert back["epoch"] == 3 and list(back["optimizer"]["state"]) == [0]
        fresh.load_state_dict(back["optimizer"])
        assert_same(fresh.state_dict(), saved["optimizer"], reader)


def test_file_is_standard_safetensors_with_state_dict_names(backend, tmp_path):
    import safetensors.torch
    import torch

    model = Tiny(np.random.default_rng(2))
    path = tmp_path / "m.safetensors"
    ut.save(model.state_dict(), path)
    state = model.state_dict()
    with safe_open(path, framework="numpy") as f:
        assert sorted(f.keys()) == sorted(state)
        for key in f.keys():
            s = f.get_slice(key)
            want = state[key]
            extra = [2] if want.dtype.kind == "c" else []
            assert s.get_shape() == [*want.shape, *extra]
            assert s.get_dtype() == {"float32": "F32", "bfloat16": "BF16", "int64": "I64",
                                     "complex64": "F32"}[want.dtype.name]
    native = safetensors.torch.load_file(str(path))  # a plain PyTorch reader
    for key, value in native.items():
        want = state[key].numpy()
        if want.dtype.kind == "c":
            want = np.stack([want.real, want.imag], axis=-1)
        if value.dtype == torch.bfloat16:  # NumPy has no bfloat16: compare the bits
            got = value.view(torch.int16).numpy().view(want.dtype)
        else:
            got = value.numpy()
        assert np.array_equal(_bits(got), _bits(want)), key


def test_key_scheme(backend, tmp_path):
    obj = {"a.b": ut.ones(1), "a": {"b": ut.ones(2)}, "__metadata__": ut.ones(3),
           "opt": {"state": {0: {"m": ut.ones(4)}}}, "l": [ut.ones(5), (ut.ones(6),)]}
    path = tmp_path / "k.safetensors"
    ut.save(obj, path)
    with safe_open(path, framework="numpy") as f:
        shapes = {k: f.get_slice(k).get_shape() for k in f.keys()}
    assert shapes == {"a.b": [1], "a.b#1": [2], "__metadata__#1": [3], "opt.state.0.m": [4],
                      "l.0": [5], "l.1.0": [6]}
    ut.save(ut.ones(2), path)
    with safe_open(path, framework="numpy") as f:
        assert list(f.keys()) == ["tensor"]


# ---------------------------------------------------------------------------------------
# refusals


def test_unsupported_objects_are_refused_with_their_place(backend, tmp_path):
    path = tmp_path / "r.safetensors"
    Pair = namedtuple("Pair", "a b")
    cases = [
        ({"model": Tiny()}, r"obj\['model'\]; save its state_dict\(\) instead"),
        ({"a": [1, {2, 3}]}, r"builtins.set at obj\['a'\]\[1\]"),
        ({"p": Pair(1, 2)}, r"Pair at obj\['p'\]"),
        ({"x": np.zeros(2, "datetime64[s]")}, r"NumPy dtype datetime64\[s\] at obj\['x'\]"),
        ({(1, 2): 3}, r"dict key \(1, 2\)"),
        ({"c": 1 + 2j}, r"builtins.complex at obj\['c'\]"),
    ]
    for obj, match in cases:
        with pytest.raises(TypeError, match=match):
            ut.save(obj, path)
    # lone surrogates are not text: JSON would turn this pair into one character
    for obj in ({"s": ["\ud83d\ude00"]}, {"\udc80": 1}):
        with pytest.raises(ValueError, match="surrogate code points"):
            ut.save(obj, path)
    assert not path.exists() and leftovers(tmp_path) == []


def test_pickles_are_refused_without_running_them(backends, tmp_path):
    import torch

    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.mkdir, (str(marker),))

    files = {"zip": tmp_path / "model.pt", "legacy": tmp_path / "legacy.pt",
             "pickle": tmp_path / "evil.pkl"}
    torch.save({"w": torch.ones(2), "evil": Evil()}, files["zip"])
    torch.save({"w": torch.ones(2)}, files["legacy"], _use_new_zipfile_serialization=False)
    files["pickle"].write_bytes(pickle.dumps(Evil(), protocol=2))
    for path in files.values():
        msg = same_error(backends, ValueError, lambda p=path: ut.load(p),
                         match="is not a safetensors file")
        assert repr(str(path)) in msg and "unpickling can run arbitrary code" in msg
    assert not marker.exists()


def test_other_files_are_refused_clearly(backends, tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not a checkpoint")
    msg = same_error(backends, ValueError, lambda: ut.load(text), match="not a safetensors")
    assert repr(str(text)) in msg and "pickle" not in msg
    plain = tmp_path / "plain.safetensors"
    save_file({"w": np.ones(2, np.float32)}, str(plain), metadata={"format": "pt"})
    msg = same_error(backends, ValueError, lambda: ut.load(plain),
                     match="without unitorch's metadata")
    assert repr(str(plain)) in msg
    save_file({"w": np.ones(2, np.float32)}, str(plain))
    same_error(backends, ValueError, lambda: ut.load(plain), match="without unitorch's metadata")


def _rewrite_metadata(src, dst, edit):
    """Copy a ut.save checkpoint with its unitorch document edited (and a valid CRC)."""
    import json

    with safe_open(src, framework="numpy") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    doc = json.dumps(edit(json.loads(meta["unitorch"])))
    save_file(tensors, str(dst), metadata={"unitorch": doc,
                                           "unitorch_crc32": str(zlib.crc32(doc.encode()))})


def test_newer_format_and_malformed_metadata(backends, tmp_path):
    good = tmp_path / "good.safetensors"
    ut.save({"w": ut.ones(2)}, good)
    newer = tmp_path / "newer.safetensors"
    _rewrite_metadata(good, newer, lambda d: {**d, "format": 2})
    same_error(backends, ValueError, lambda: ut.load(newer),
               match="checkpoint format 2.*upgrade unitorch")
    bad = tmp_path / "bad.safetensors"
    edits = [lambda d: {**d, "tree": {"type": "frozenset"}},
             lambda d: {**d, "tree": {"type": "dict", "items": [["w", {"type": "tensor"}]]}},
             lambda d: {"tree": d["tree"]},
             lambda d: {**d, "tree": {"type": "none"}},  # a tensor the tree omits
             lambda d: {**d, "tree": {"type": "dict", "items": [["w", {
                 **d["tree"]["items"][0][1], "dtype": "int32"}]]}},
             lambda d: {**d, "tree": {"type": "dict", "items": [["w", {
                 **d["tree"]["items"][0][1], "shape": [1, 2]}]]}}]
    for edit in edits:
        _rewrite_metadata(good, bad, edit)
        msg = same_error(backends, ValueError, lambda: ut.load(bad),
                         match="is a corrupt or truncated checkpoint")
        assert repr(str(bad)) in msg


# ---------------------------------------------------------------------------------------
# corruption


@pytest.fixture(scope="module")
def checkpoint_bytes(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("ckpt") / "c.safetensors"
    ut.save({"w": ut.asarray(np.linspace(-1, 1, 24, dtype=np.float32).reshape(4, 6)),
             "c": ut.asarray(np.array([1 + 2j, 3 - 4j], np.complex128)),
             "opt": {"state": {0: {"step": 5}}, "lr": 0.1, "name": "adam"},
             "e": ut.zeros((0, 2), dtype=ut.bfloat16)}, path)
    return path.read_bytes()


@given(data=st.data())
def test_truncated_files_give_a_clear_error(backends, tmp_path, checkpoint_bytes, data):
    cut = data.draw(st.integers(0, len(checkpoint_bytes) - 1), label="cut")
    path = tmp_path / "cut.safetensors"
    path.write_bytes(checkpoint_bytes[:cut])
    msg = same_error(backends, ValueError, lambda: ut.load(path),
                     match="is a corrupt or truncated checkpoint")
    assert repr(str(path)) in msg


@pytest.mark.parametrize("cut", [0, 8, 9, 100, -1])
def test_truncation_at_the_edges(backend, tmp_path, checkpoint_bytes, cut):
    path = tmp_path / "cut.safetensors"
    path.write_bytes(checkpoint_bytes[:cut])
    with pytest.raises(ValueError, match="is a corrupt or truncated checkpoint"):
        ut.load(path)
    path.write_bytes(checkpoint_bytes + b"\0")  # a trailing byte too
    with pytest.raises(ValueError, match="unexpected bytes after the tensor data"):
        ut.load(path)


@given(data=st.data())
def test_flipped_bits_never_load_silently(backend, tmp_path, checkpoint_bytes, data):
    """Any single flipped bit is caught (the CRCs cover the tensors and the structure), or
    is harmless (header whitespace and the like): never different values."""
    position = data.draw(st.integers(0, len(checkpoint_bytes) - 1), label="byte")
    bit = data.draw(st.integers(0, 7), label="bit")
    damaged = bytearray(checkpoint_bytes)
    damaged[position] ^= 1 << bit
    path = tmp_path / "flip.safetensors"
    path.write_bytes(bytes(damaged))
    original = tmp_path / "orig.safetensors"
    original.write_bytes(checkpoint_bytes)
    try:
        got = ut.load(path)
    except ValueError as e:
        assert repr(str(path)) in str(e)
    else:
        assert_same(got, ut.load(original), backend)


def test_flipped_data_bytes_are_detected(backend, tmp_path, checkpoint_bytes):
    damaged = bytearray(checkpoint_bytes)
    damaged[-1] ^= 0x01  # the last data byte: a tensor's, not the header's
    path = tmp_path / "flip.safetensors"
    path.write_bytes(bytes(damaged))
    with pytest.raises(ValueError, match="fails its checksum"):
        ut.load(path)


# ---------------------------------------------------------------------------------------
# atomic writes


def test_failed_save_leaves_the_previous_file(backend, tmp_path):
    path = tmp_path / "ckpt.safetensors"
    ut.save({"epoch": 1, "w": ut.ones(3)}, path)
    before = path.read_bytes()
    with pytest.raises(TypeError):  # the last leaf cannot be stored
        ut.save({"epoch": 2, "w": ut.zeros(3), "bad": object()}, path)
    assert path.read_bytes() == before and leftovers(tmp_path) == []


def test_write_failing_midway_leaves_the_previous_file(backend, tmp_path):
    """A real I/O error in the middle of the write (the file-size limit, as a full disk
    would): the previous checkpoint survives and the temporary file is removed."""
    resource = pytest.importorskip("resource")
    path = tmp_path / "ckpt.safetensors"
    ut.save({"epoch": 1, "w": ut.ones(3)}, path)
    before = path.read_bytes()
    limits = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of dying
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, limits[1]))
    try:
        with pytest.raises(OSError) as info:
            ut.save({"epoch": 2, "w": ut.zeros(1 << 20)}, path)  # 4 MiB
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limits)
        signal.signal(signal.SIGXFSZ, handler)
    assert info.value.errno == errno.EFBIG  # it failed while writing, 1 MiB in
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_killed_writer_never_leaves_a_torn_file(tmp_path):
    """SIGKILL a process while it rewrites a 16 MiB checkpoint, 12 times (at random times,
    and as soon as its temporary file appears): the target is always one whole checkpoint,
    the previous or the new one.  (A killed writer can leave its temporary file: nothing
    can remove it; that such a file is seen proves the kill landed mid-write.)"""
    child = run_python("""
        import os, random, signal, sys, time
        import numpy as np
        import unitorch as ut
        path = sys.argv[1]
        folder = os.path.dirname(path)
        w = np.arange(1 << 22, dtype=np.float32)
        ut.save({"i": 0, "w": w}, path)
        rng = random.Random(0)
        midway = last = 0
        for trial in range(1, 13):
            new = {"i": trial, "w": w + trial}
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
            if trial % 2:  # at a random time
                time.sleep(rng.uniform(0.0, 0.4))
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
            assert got["i"] in (last, trial), (trial, last, got["i"])  # old or new
            assert np.array_equal(got["w"], w + got["i"]), trial
            last = got["i"]
        print(midway)
        """, "torch", str(tmp_path / "ckpt.safetensors"))
    out, err = child.communicate(timeout=300)
    assert child.returncode == 0, err
    assert int(out) >= 1, "no kill landed during a write: the test proved nothing"


# ---------------------------------------------------------------------------------------
# no other framework is imported


@pytest.mark.parametrize("active,other", [("torch", "tensorflow"), ("tensorflow", "torch")])
def test_save_and_load_do_not_import_the_other_framework(backends, tmp_path, active, other):
    if active not in backends:
        pytest.skip(f"{active} not selected")
    child = run_python("""
        import sys
        import numpy as np
        import unitorch as ut
        path = sys.argv[1]
        model = ut.nn.Module()
        model.w = ut.nn.Parameter(ut.ones((2, 2), dtype=ut.bfloat16))
        ut.save({"model": model.state_dict(), "np": np.ones(2), "c": ut.ones(2) * 1j,
                 "step": 3}, path)
        back = ut.load(path)
        model.load_state_dict(back["model"])
        assert back["step"] == 3 and back["c"].dtype == ut.complex64
        print(sorted(m for m in ("torch", "tensorflow") if m in sys.modules))
        """, active, str(tmp_path / "x.safetensors"))
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert out.strip() == repr([active]), (out, err)


# ---------------------------------------------------------------------------------------
# clear messages for bad paths and bad nests (issue 14, item 15)


def test_empty_paths_are_refused_by_name(backends):
    same_error(backends, ValueError, lambda: ut.save({"a": ut.ones(1)}, ""),
               match=r"^ut.save\(\) got an empty path; give a file name")
    same_error(backends, ValueError, lambda: ut.load(""),
               match=r"^ut.load\(\) got an empty path")


def test_cycles_and_deep_nests_are_refused_before_anything_is_written(backends, tmp_path):
    path = tmp_path / "n.safetensors"
    loop: list = [ut.ones(1)]
    loop.append({"again": loop})
    msg = same_error(backends, ValueError, lambda: ut.save({"a": loop}, path),
                     match="contains itself")
    assert "obj['a'][1]['again']" in msg and "reference cycle" in msg
    deep = leaf = []
    for _ in range(ut.io.MAX_DEPTH):  # MAX_DEPTH + 1 containers
        leaf.append([])
        leaf = leaf[0]
    same_error(backends, ValueError, lambda: ut.save(deep, path),
               match="nested more than 100 levels deep")
    assert not path.exists() and leftovers(tmp_path) == []
    deepest = inner = {}
    for i in range(ut.io.MAX_DEPTH - 1):  # MAX_DEPTH containers: the limit itself loads
        inner[i] = {}
        inner = inner[i]
    inner["w"] = ut.ones(2)
    round_trip(deepest, path, backends)
    shared = [ut.ones(1)]  # the same list twice is not a cycle
    round_trip({"x": [shared, shared]}, path, backends)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_non_regular_files_are_refused_without_blocking(backends, tmp_path):
    """Loading a FIFO used to block until a writer came, then report "only -8 bytes
    follow"; a directory raises IsADirectoryError, as open() does."""
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    msg = same_error(backends, ValueError, lambda: ut.load(fifo),
                     match=r"is a FIFO \(named pipe\), not a regular file")
    assert repr(str(fifo)) in msg
    same_error(backends, ValueError, lambda: ut.load(os.devnull), match="is a device")
    same_error(backends, IsADirectoryError, lambda: ut.load(tmp_path),
               match="the path is a directory")
