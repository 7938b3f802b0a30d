"""Choosing backends: environment variable, set/use, context-locality, lazy imports, errors."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

import unitorch as ut


def _run(code: str, env_backend: str | None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    env.pop("UNITORCH_BACKEND", None)
    if env_backend is not None:
        env["UNITORCH_BACKEND"] = env_backend
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env,
                          capture_output=True, text=True, timeout=300)


def test_available_backends_lists_installed_frameworks(backends):
    assert set(backends) <= set(ut.available_backends())
    assert set(ut.available_backends()) <= {"torch", "tensorflow"}


@pytest.mark.parametrize(("chosen", "other"), [("torch", "tensorflow"), ("tensorflow", "torch")])
def test_import_never_imports_the_other_framework(backends, chosen, other):
    if chosen not in backends:
        pytest.skip(f"{chosen} not selected")
    result = _run(f"""
        import sys
        import unitorch as ut
        x = ut.arange(6).reshape(2, 3) * 2.0
        m = ut.nn.Module()
        print(ut.get_backend(), float(ut.sum(x)), {other!r} in sys.modules)
    """, chosen)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [chosen, "30.0", "False"]


def test_torch_backend_imports_its_compiler_only_when_something_is_compiled(backends):
    """torch._dynamo (about half a second to import, more on a loaded machine) is
    imported by the first compiled call, not by using the torch backend eagerly: a
    module-level ``@torch._dynamo.disable`` once imported it with the backend."""
    if "torch" not in backends:
        pytest.skip("torch not selected")
    result = _run("""
        import sys
        import unitorch as ut
        x = ut.arange(6).reshape(2, 3) * 2.0
        loss = ut.sum(ut.nn.Linear(3, 1)(x))
        loss.backward()
        before = 'torch._dynamo' in sys.modules
        ut.compile(lambda t: t + 1.0)(x)
        print(before, 'torch._dynamo' in sys.modules)
    """, "torch")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True"]


def test_unknown_backend_name_fails_at_import_naming_the_choices():
    result = _run("import unitorch", "jax")
    assert result.returncode != 0
    assert "unknown backend 'jax'" in result.stderr
    assert "'torch'" in result.stderr and "'tensorflow'" in result.stderr


def test_missing_framework_names_the_pip_extra():
    # sys.modules[name] = None is how Python marks a module as absent: find_spec returns
    # None and import fails, exactly as if the framework were not installed.
    result = _run("""
        import sys
        sys.modules["tensorflow"] = None
        import unitorch as ut
        print(ut.available_backends())
        try:
            ut.set_backend("tensorflow")
        except ut.BackendNotAvailableError as e:
            print("ERROR", e)
    """, "torch")
    assert result.returncode == 0, result.stderr
    assert "('torch',)" in result.stdout
    assert "ERROR backend 'tensorflow' needs tensorflow, which is not installed" in result.stdout
    assert "unitorch[tensorflow]" in result.stdout


def test_default_is_torch_when_installed():
    result = _run("import unitorch as ut; print(ut.get_backend())", None)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "torch"


def test_aliases_and_bad_names():
    with ut.use_backend("tf") if "tensorflow" in ut.available_backends() else \
            ut.use_backend("pytorch"):
        assert ut.get_backend() in ("torch", "tensorflow")
    with pytest.raises(ut.BackendNotAvailableError, match="unknown backend 'numpy'"):
        ut.set_backend("numpy")
    with pytest.raises(ut.BackendNotAvailableError, match="must be a string"):
        ut.use_backend(3).__enter__()


def test_use_backend_is_scoped_and_tensors_keep_their_backend(backends):
    outer = ut.get_backend()
    made = {}
    for name in backends:
        with ut.use_backend(name):
            assert ut.get_backend() == name
            made[name] = ut.arange(3)
        assert ut.get_backend() == outer
    for name, t in made.items():
        assert t.backend == name
        assert (t + 1).backend == name  # works after the switch, on its own backend
        np.testing.assert_array_equal((t * 2).numpy(), [0, 2, 4])


def test_set_backend_changes_the_process_default(backends):
    from unitorch import backends as registry

    before = registry._process_default[0]
    try:
        for name in backends:
            ut.set_backend(name)
            assert ut.get_backend() == name
            seen = []
            t = threading.Thread(target=lambda seen=seen: seen.append(ut.get_backend()))
            t.start()
            t.join()
            assert seen == [name]  # new threads start on the process default
    finally:
        registry._process_default[0] = before


def test_threads_run_different_backends_at_once(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    barrier = threading.Barrier(len(backends))
    results: dict[str, tuple[str, str, float]] = {}
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            with ut.use_backend(name):
                barrier.wait(timeout=60)  # both threads are inside their block now
                x = ut.ones((4, 4)) @ ut.ones((4, 4))
                barrier.wait(timeout=60)
                results[name] = (ut.get_backend(), x.backend, float(ut.sum(x)))
        except BaseException as e:  # report in the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in backends]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for name in backends:
        assert results[name] == (name, name, 64.0)


def test_mixing_backends_in_one_op_is_an_error(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    with ut.use_backend(backends[0]):
        a = ut.ones(3)
    with ut.use_backend(backends[1]):
        b = ut.ones(3)
    for op in (lambda: a + b, lambda: ut.matmul(a, b), lambda: ut.concat([a, b]),
               lambda: ut.where(a > 0, a, b)):
        with pytest.raises(ut.BackendMismatchError):
            op()


def test_from_native_uses_the_tensors_framework(backends):
    for name in backends:
        with ut.use_backend(name):
            native = ut.ones(2).native
        other = [n for n in backends if n != name]
        with ut.use_backend(other[0] if other else name):
            wrapped = ut.from_native(native)
        assert wrapped.backend == name
    with pytest.raises(TypeError, match="from_native"):
        ut.from_native(np.ones(2))


# ---------------------------------------------------------------------------------------
# the layout: each backend a package whose modules are the contract's sections

_PACKAGES = Path(ut.__file__).parent / "backends"
_SECTION = re.compile(r"^    # -{80,}\n    # (\w+)[:( ]", re.MULTILINE)


def _contract_sections() -> list[str]:
    return _SECTION.findall((_PACKAGES / "contract.py").read_text())


@pytest.mark.parametrize("package", ["torch", "tensorflow"])
def test_each_backend_package_has_one_module_per_contract_section(package):
    sections = _contract_sections()
    assert sections[:3] == ["core", "creation", "elementwise"] and "compile" in sections
    modules = {p.stem for p in (_PACKAGES / package).glob("*.py")} - {"__init__"}
    assert modules == set(sections), f"{package}: modules {sorted(modules)}, contract " \
                                     f"sections {sorted(set(sections))}"
    for path in (_PACKAGES / package).glob("*.py"):
        lines = path.read_text().count("\n")
        assert lines <= 800, f"{path.name} has {lines} lines: split it by family"


def test_the_backends_import_nothing_from_the_layers_above():
    """backends/ is the bottom layer: besides the contract and each other's modules, they
    import only dtypes, devices, errors and the two helper modules (_gc, _net)."""
    allowed = {"dtypes", "devices", "errors", "_gc", "_net"}
    for path in _PACKAGES.rglob("*.py"):
        depth = len(path.relative_to(_PACKAGES).parts)  # 1: backends/x.py, 2: a package
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level > depth:
                names = {node.module.split(".")[0]} if node.module else \
                    {a.name for a in node.names}
                assert names <= allowed, f"{path}: from {'.' * node.level}{node.module} " \
                                         f"import {[a.name for a in node.names]}"


@pytest.mark.skipif("tensorflow" not in ut.available_backends(), reason="needs TensorFlow")
@pytest.mark.parametrize("user_value", [None, "0"])
def test_tf_log_level_is_set_before_tensorflow_loads_unless_the_user_chose(user_value):
    """TensorFlow reads TF_CPP_MIN_LOG_LEVEL once, when it is imported: unitorch sets 2
    (errors only: no CPU-feature notice) just before, and keeps a value the user set.
    The oneDNN notice TensorFlow prints before it reads the setting is dropped too."""
    import os

    env = dict(os.environ, UNITORCH_BACKEND="tensorflow")
    env.pop("TF_CPP_MIN_LOG_LEVEL", None)
    if user_value is not None:
        env["TF_CPP_MIN_LOG_LEVEL"] = user_value
    code = "import os, unitorch as ut; ut.ones(2); print(os.environ['TF_CPP_MIN_LOG_LEVEL'])"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (user_value or "2")
    if user_value is None:  # no INFO line, not even those printed before absl starts
        for noise in ("cpu_feature_guard", "oneDNN", "absl::InitializeLog", "I0000"):
            assert noise not in result.stderr, result.stderr
