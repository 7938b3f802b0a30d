"""unitorch.testing.clients, the plugin that runs other libraries' array-API suites on
unitorch: it adds a namespace per backend to scikit-learn's namespace generators and to
an ``xp`` fixture parametrized over modules (SciPy's), activates the test's backend,
honours SciPy's ``np_only`` markers and counts outcomes per namespace.

One pytest run in a subprocess exercises it (``SCIPY_ARRAY_API`` must be set before
scikit-learn's array-API helpers are used); the real client suites are the separate,
longer ``scripts/test-clients.sh``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

import unitorch as ut
from unitorch.testing.clients import BackendNamespace, namespace_of

pytest.importorskip("sklearn")

REPO = Path(__file__).resolve().parents[1]

CONFTEST = '''
import numpy as np
import pytest


@pytest.fixture(params=[pytest.param(np, id="numpy")])
def xp(request):  # the shape of SciPy's fixture: one parameter per namespace module
    return request.param
'''

TESTS = '''
import numpy as np
import pytest
import unitorch as ut
from sklearn.utils._array_api import (yield_namespace_device_dtype_combinations,
                                      yield_namespaces)
from sklearn.utils._testing import _array_api_for_tests


@pytest.mark.parametrize("array_namespace, device, dtype_name",
                         list(yield_namespace_device_dtype_combinations()))
def test_sklearn(array_namespace, device, dtype_name):
    if not array_namespace.startswith("unitorch_on_"):
        pytest.skip("not ours")
    xp, device = _array_api_for_tests(array_namespace, device, dtype_name)
    x = xp.asarray(np.ones(3), dtype=getattr(xp, dtype_name), device=device)
    assert xp is ut and x.backend == array_namespace[len("unitorch_on_"):] == ut.get_backend()


def test_sklearn_namespaces():
    names = list(yield_namespaces())
    assert names[-2:] == ["unitorch_on_torch", "unitorch_on_tensorflow"], names


def test_xp(xp):
    x = xp.asarray([1.0, 2.0])
    if xp.__name__.startswith("unitorch_on_"):
        assert x.backend == xp.backend == ut.get_backend()
        assert x.dtype == ut.float64  # --unitorch-default-dtype
        assert x.backend != "tensorflow", "fails on purpose: counted per namespace"


@pytest.mark.skip_xp_backends(np_only=True, reason="NumPy only")
def test_np_only(xp):
    assert xp is np
'''


def test_backend_namespace_pins_its_backend(backend):
    xp = BackendNamespace(backend)
    assert xp.__name__ == f"unitorch_on_{backend}"
    assert xp.asarray([1, 2]).backend == backend
    assert xp.float32 is ut.float32  # non-callables pass through


def test_namespace_of_reads_the_parameters():
    def item(**params):
        return SimpleNamespace(callspec=SimpleNamespace(params=params))

    assert namespace_of(item(xp=BackendNamespace("torch"))) == "unitorch_on_torch"
    assert namespace_of(item(array_namespace="torch", device="cpu")) == "torch"
    assert namespace_of(item(estimator=object(), check=lambda: None)) is None
    assert namespace_of(object()) is None


def test_a_client_suite_runs_on_each_backend(tmp_path, backends):
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_client.py").write_text(textwrap.dedent(TESTS))
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n    skip_xp_backends\n"
                                         "    array_api_backends\n")
    report = tmp_path / "report.json"
    env = dict(os.environ, SCIPY_ARRAY_API="1",
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    env.pop("UNITORCH_BACKEND", None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "unitorch.testing.clients", "-p",
         "no:cacheprovider", "-q", f"--unitorch-backends={','.join(backends)}",
         "--unitorch-default-dtype=float64", f"--unitorch-clients-report={report}",
         "test_client.py"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert "array namespaces (unitorch.testing.clients)" in proc.stdout, proc.stdout[-3000:]
    data = json.loads(report.read_text())
    counts = data["counts"]
    for name in backends:
        ns = f"unitorch_on_{name}"
        # 2 sklearn dtypes + test_xp pass (test_xp fails on purpose on TensorFlow),
        # test_np_only is skipped as SciPy's marker asks
        expected_failed = 1 if name == "tensorflow" else 0
        assert counts[ns].get("passed", 0) == 3 - expected_failed, counts
        assert counts[ns].get("failed", 0) == expected_failed, counts
        assert counts[ns].get("skipped", 0) == 1, counts
    assert counts["numpy"]["passed"] == 2, counts  # test_xp and test_np_only
    if "tensorflow" in backends:
        assert data["failed"]["unitorch_on_tensorflow"] == [
            "test_client.py::test_xp[unitorch_on_tensorflow]"]
