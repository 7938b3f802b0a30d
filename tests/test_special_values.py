"""Special values (+-inf, NaN, values near overflow) give unitorch's documented results on
every CPU: the cases of ``tests/special_values.py`` against their NumPy float64
references, in this process and in child processes with TensorFlow's oneDNN kernels on
and off (``TF_ENABLE_ONEDNN_OPTS``, read when TensorFlow is imported; its default
depends on the CPU) and with PyTorch's portable and AVX2 kernels
(``ATEN_CPU_CAPABILITY``; this process uses the best the CPU has)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import special_values as sv

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import reference_cast

_TESTS = Path(__file__).resolve().parent


def _check(found: dict[str, np.ndarray], where: str) -> None:
    assert found, f"{where}: no results"
    for key, got in found.items():
        name, dtype, mode = key.split("|")
        d = getattr(ut, dtype)
        rtol, atol = family_tolerance(sv.CASES[name][3], d)
        assert_close(got, reference_cast(sv.reference(name, dtype), d), rtol, atol,
                     msg=f"{where}: {name} in {dtype} ({mode})")


def _in_child(backend: str, env: dict[str, str], compiled: bool, tmp_path: Path
              ) -> dict[str, np.ndarray]:
    path = tmp_path / f"{backend}-{len(list(tmp_path.iterdir()))}.npz"
    root = str(_TESTS.parent)
    env = {**os.environ, **env,
           "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, str(_TESTS / "special_values.py"), backend, str(path),
         "compiled" if compiled else "eager"],
        env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-4000:]
    with np.load(path) as data:
        return {k: data[k] for k in data.files}


def test_in_this_process(backend):
    # TensorFlow also inside tf.function, where its graph rewrites pick the oneDNN
    # kernels; torch.compile runs the same ATen kernels (aot_eager)
    ut.manual_seed(0)
    _check(sv.results(compiled=backend == "tensorflow"), backend)


@pytest.mark.parametrize("onednn", ["0", "1"])
def test_tensorflow_with_onednn_on_and_off(backends, onednn, tmp_path):
    if "tensorflow" not in backends:
        pytest.skip("TensorFlow is not among the selected backends")
    found = _in_child("tensorflow", {"TF_ENABLE_ONEDNN_OPTS": onednn}, True, tmp_path)
    _check(found, f"tensorflow, TF_ENABLE_ONEDNN_OPTS={onednn}")


@pytest.mark.parametrize("capability", ["default", "avx2"])
def test_torch_with_each_cpu_capability(backends, capability, tmp_path):
    if "torch" not in backends:
        pytest.skip("torch is not among the selected backends")
    found = _in_child("torch", {"ATEN_CPU_CAPABILITY": capability}, False, tmp_path)
    _check(found, f"torch, ATEN_CPU_CAPABILITY={capability}")


_PROBES = {
    "tensorflow": ({"TF_ENABLE_ONEDNN_OPTS": "0"},
                   "from tensorflow.python.util import _pywrap_util_port as p; "
                   "print(p.IsMklEnabled())", "False"),
    "torch": ({"ATEN_CPU_CAPABILITY": "default"},
              "import torch; print(torch.backends.cpu.get_cpu_capability())", "DEFAULT"),
}


@pytest.mark.parametrize("framework", sorted(_PROBES))
def test_the_switch_reaches_the_child(backends, framework):
    # the child processes above really run with the kernels they were given
    if framework not in backends:
        pytest.skip(f"{framework} is not among the selected backends")
    env, probe, expected = _PROBES[framework]
    done = subprocess.run([sys.executable, "-c", probe], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == expected, done.stdout


def test_the_documented_pow_half_difference(backends):
    # docs/differences.md ("What still differs"): x ** 0.5 of -inf and -0.0 follows NumPy
    # on TensorFlow eagerly, sqrt's rule on torch and in TensorFlow's compiled graphs;
    # ut.sqrt is the same everywhere
    x = np.array([-np.inf, -0.0, 4.0], np.float32)
    numpy_rule = [np.inf, 0.0, 2.0]
    sqrt_rule = [np.nan, -0.0, 2.0]
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            found = {"eager": (t ** 0.5).numpy()}
            if name == "tensorflow":
                found["compiled"] = ut.compile(lambda a: a ** 0.5)(t).numpy()
            for mode, got in found.items():
                want = numpy_rule if (name, mode) == ("tensorflow", "eager") else sqrt_rule
                np.testing.assert_array_equal(got, want, err_msg=f"{name} {mode}")
                assert np.signbit(got[1]) == np.signbit(want[1]), (name, mode)
            root = ut.sqrt(t).numpy()
            np.testing.assert_array_equal(root, sqrt_rule)
            assert np.signbit(root[1])


def test_gelu_gradients_where_values_are_large(backends):
    # torch's float32 gelu is computed through min(x, 8) (its kernel gave NaN for +inf):
    # the gradient is still gelu'(x) = Phi(x) + x phi(x), 1 above 8, and differentiable
    # again, on both backends
    import math

    x = np.array([1e30, 3e38, 9.0, 8.0, 1.0, -1.0, -6.0, 0.0], np.float32)
    phi = np.array([math.exp(-v * v / 2) / math.sqrt(2 * math.pi) if abs(v) < 1e10 else 0.0
                    for v in x.astype(np.float64)])
    cdf = np.array([0.5 * math.erfc(-v / math.sqrt(2)) for v in x.astype(np.float64)])
    first = cdf + np.where(np.abs(x) < 1e10, x.astype(np.float64) * phi, 0.0)
    second = np.where(np.abs(x) < 1e10, phi * (2 - x.astype(np.float64) ** 2), 0.0)
    rtol, atol = family_tolerance("composite", ut.float32)
    for name in backends:
        with ut.use_backend(name):
            t = ut.asarray(x)
            g1 = ut.grad(lambda a: ut.sum(ut.nn.functional.gelu(a)))
            assert_close(g1(t), first, rtol, atol, msg=f"{name} gelu'")
            # (not at 3e38, where TensorFlow's second derivative overflows: x * x)
            g2 = ut.grad(lambda a, g1=g1: ut.sum(g1(a)))
            assert_close(g2(t[2:]), second[2:], 10 * rtol, 10 * atol, msg=f"{name} gelu''")
