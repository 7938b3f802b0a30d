"""A pytest plugin that runs other libraries' array-API test suites on unitorch.

scikit-learn and SciPy test their array-API support by parametrizing their tests over
the array namespaces installed (NumPy, array-api-strict, torch, CuPy, JAX...).  This
plugin adds unitorch to that list once per backend, so the same tests run on unitorch
tensors of each backend, next to the same tests on real ``torch`` tensors::

    SCIPY_ARRAY_API=1 python -m pytest -p unitorch.testing.clients \\
        --pyargs sklearn.utils.tests.test_array_api scipy.special.tests

* scikit-learn: ``sklearn.utils._array_api.yield_namespaces`` and
  ``yield_namespace_device_dtype_combinations`` also yield ``unitorch_on_torch`` and
  ``unitorch_on_tensorflow`` (with the devices and dtypes they yield for torch: ``"cpu"``,
  float64 and float32); ``sklearn.utils._testing._array_api_for_tests`` imports those
  names, which this plugin registers in ``sys.modules`` as :class:`BackendNamespace`.
* SciPy: its ``xp`` fixture (``scipy/conftest.py``; any ``xp`` fixture parametrized
  over namespace modules) gets two more parameters, ``unitorch_on_torch`` and
  ``unitorch_on_tensorflow``.  SciPy's ``skip_xp_backends`` /
  ``xfail_xp_backends`` markers name the libraries SciPy knows; of them this plugin
  applies ``np_only`` (SciPy has no array-API implementation of the function), and
  ``cpu_only`` when the backend's default device is a GPU.

During each such test the test's backend is active, in the test's thread and as the
process-wide default (so worker threads the suite starts use it too), so the suite's
``xp.asarray(...)`` makes tensors of that backend.  ``--unitorch-default-dtype=float64``
sets unitorch's default float dtype for those tests, as SciPy's conftest does for torch
(``SCIPY_DEFAULT_DTYPE``, float64 unless set).  At the end the plugin prints passed,
failed, skipped and xfailed counts per array namespace, so a run compares unitorch on
each backend with real torch directly; ``--unitorch-clients-report=FILE`` writes them,
and every failing test id, as JSON.

``--unitorch-backends`` (unitorch's own plugin) chooses the backends added;
``--unitorch-clients-namespaces=torch,unitorch_on_torch,unitorch_on_tensorflow`` leaves out
the tests on the other namespaces (NumPy...).  Nothing here imports a framework until a
test runs on unitorch; scikit-learn is imported when pytest configures the run.
"""

from __future__ import annotations

import contextlib
import json
import sys
import types
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from typing import Any

import pytest

__all__ = ["BackendNamespace", "NAMESPACES", "namespace_of"]

NAMESPACES = {"unitorch_on_torch": "torch", "unitorch_on_tensorflow": "tensorflow"}
"""The module names this plugin registers, and the backend each one pins."""

_SKLEARN_DTYPES = ("float64", "float32")  # what sklearn yields for torch on one device


class BackendNamespace(types.ModuleType):
    """unitorch with one backend pinned: every function runs under ``use_backend``.

    The client suites only use it to make their first array (``asarray``, ``empty``)
    and to name the parameter; the array's ``__array_namespace__`` then hands them the
    real :mod:`unitorch` module, with the backend active for the whole test.

    Example:
        >>> from unitorch.testing.clients import BackendNamespace
        >>> xp = BackendNamespace(ut.get_backend())
        >>> xp.asarray([1.0, 2.0]).backend == ut.get_backend()
        True
        >>> xp.__name__ == "unitorch_on_" + ut.get_backend()
        True
    """

    def __init__(self, backend: str) -> None:
        super().__init__(f"unitorch_on_{backend}", f"unitorch on the {backend} backend")
        self.backend = backend

    def __getattr__(self, name: str) -> Any:
        import unitorch

        value = getattr(unitorch, name)
        if not callable(value) or isinstance(value, type):
            return value
        backend = self.backend

        def pinned(*args: Any, **kwargs: Any) -> Any:
            with unitorch.use_backend(backend):
                return value(*args, **kwargs)

        pinned.__name__ = name
        pinned.__doc__ = value.__doc__
        return pinned


def _namespaces() -> dict[str, BackendNamespace]:
    """The pinned namespaces, registered in ``sys.modules`` so ``import_module`` finds them."""
    out = {}
    for name, backend in NAMESPACES.items():
        ns = sys.modules.get(name)
        if not isinstance(ns, BackendNamespace):
            ns = BackendNamespace(backend)
            sys.modules[name] = ns
        out[name] = ns
    return out


# ---------------------------------------------------------------------------------------
# options


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("unitorch clients")
    group.addoption("--unitorch-default-dtype", default=None,
                    help="unitorch's default float dtype during the client tests run on "
                         "unitorch (e.g. float64, as SciPy's conftest sets for torch)")
    group.addoption("--unitorch-clients-report", default=None, metavar="FILE",
                    help="write the per-namespace counts and failing test ids as JSON")
    group.addoption("--unitorch-clients-namespaces", default=None, metavar="NAMES",
                    help="run only the tests on these array namespaces, comma-separated "
                         "(e.g. torch,unitorch_on_torch,unitorch_on_tensorflow); tests not "
                         "parametrized by namespace run as usual")


def _chosen(config: pytest.Config) -> list[str]:
    """The namespaces to add: one per backend chosen with ``--unitorch-backends`` (or
    ``UNITORCH_BACKEND``; every installed backend by default)."""
    from .plugin import selected_backends

    wanted = set(selected_backends(config))
    return [name for name, backend in NAMESPACES.items() if backend in wanted]


# ---------------------------------------------------------------------------------------
# scikit-learn: extend the namespace generators before its test modules import them


def _patch_sklearn(names: list[str]) -> None:
    try:
        from sklearn.utils import _array_api
    except ImportError:
        return
    if getattr(_array_api.yield_namespaces, "_unitorch", False):
        return
    original_namespaces = _array_api.yield_namespaces
    original_combinations = _array_api.yield_namespace_device_dtype_combinations

    def yield_namespaces(include_numpy_namespaces: bool = True) -> Iterator[str]:
        yield from original_namespaces(include_numpy_namespaces)
        yield from names

    def yield_namespace_device_dtype_combinations(
            include_numpy_namespaces: bool = True) -> Iterator[tuple[str, Any, Any]]:
        for combination in original_combinations(include_numpy_namespaces):
            if combination[0] not in NAMESPACES:  # the original asks the patched list
                yield combination
        for name in names:
            for dtype in _SKLEARN_DTYPES:
                yield name, "cpu", dtype

    yield_namespaces._unitorch = True  # type: ignore[attr-defined]
    _array_api.yield_namespaces = yield_namespaces
    _array_api.yield_namespace_device_dtype_combinations = (
        yield_namespace_device_dtype_combinations)


def pytest_configure(config: pytest.Config) -> None:
    names = _chosen(config)
    _namespaces()
    _patch_sklearn(names)
    config._unitorch_clients = {"counts": defaultdict(Counter), "failed": defaultdict(list)}


# ---------------------------------------------------------------------------------------
# SciPy: more parameters for its `xp` fixture


@pytest.hookimpl(tryfirst=True)
def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Before pytest applies the ``xp`` fixture's parameters, add unitorch's."""
    if "xp" not in metafunc.fixturenames:
        return
    for fixturedef in metafunc._arg2fixturedefs.get("xp", ()):
        if getattr(fixturedef, "_unitorch", False) or not _over_modules(fixturedef.params):
            continue
        namespaces = _namespaces()
        marks = [pytest.mark.array_api_backends]
        extra = [pytest.param(namespaces[name], id=name, marks=marks)
                 for name in _chosen(metafunc.config)]
        fixturedef.params = (*fixturedef.params, *extra)
        fixturedef._unitorch = True


def _over_modules(params: Any) -> bool:
    """Whether an ``xp`` fixture is parametrized over namespace modules, as SciPy's is
    (``pytest.param(numpy, id="numpy")``...)."""
    if not params:
        return False
    values = [p.values[0] if hasattr(p, "marks") and p.values else p for p in params]
    return all(isinstance(v, types.ModuleType) for v in values)


def namespace_of(item: pytest.Item) -> str | None:
    """The array namespace a client test runs on (``"torch"``, ``"unitorch_on_torch"``...),
    from its parameters, or ``None`` for a test that is not parametrized by namespace.

    Example:
        >>> class Item:  # stands for a collected pytest item
        ...     class callspec:
        ...         params = {"array_namespace": "unitorch_on_torch", "dtype_name": "float32"}
        >>> namespace_of(Item())
        'unitorch_on_torch'
    """
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    params = callspec.params
    xp = params.get("xp")
    if isinstance(xp, types.ModuleType):
        return xp.__name__
    for key in ("array_namespace", "namespace"):
        value = params.get(key)
        if isinstance(value, str):
            return value
    # scikit-learn's estimator checks: functools.partial(check, array_namespace=...)
    check = params.get("check")
    value = getattr(check, "keywords", {}).get("array_namespace")
    return value if isinstance(value, str) else None


# ---------------------------------------------------------------------------------------
# each test: its backend active, SciPy's markers applied, outcomes counted


def _scipy_marker_reason(item: pytest.Item, kind: str) -> str | None:
    """The reason SciPy's ``{kind}_xp_backends`` markers give to leave out a non-NumPy
    library on the CPU (``np_only``), or ``None``."""
    for marker in item.iter_markers(f"{kind}_xp_backends"):
        if marker.kwargs.get("np_only", False):
            return marker.kwargs.get("reason") or "do not run with non-NumPy backends"
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    name = _item_namespaces.get(item.nodeid)
    if name not in NAMESPACES:
        return
    import unitorch

    stack = contextlib.ExitStack()
    item._unitorch_stack = stack  # closed in pytest_runtest_teardown
    # the process-wide default too, as UNITORCH_BACKEND would: the suites start worker
    # threads (joblib's n_jobs), and a new thread starts on the process-wide default
    previous = unitorch.get_backend()
    unitorch.set_backend(NAMESPACES[name])
    stack.callback(unitorch.set_backend, previous)
    stack.enter_context(unitorch.use_backend(NAMESPACES[name]))
    dtype = item.config.getoption("--unitorch-default-dtype")
    if dtype:
        previous = unitorch.get_default_dtype()
        unitorch.set_default_dtype(dtype)
        stack.callback(unitorch.set_default_dtype, previous)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    stack = getattr(item, "_unitorch_stack", None)
    if stack is not None:
        del item._unitorch_stack
        stack.close()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    state = _state.get("config")
    if state is None:
        return
    name = _item_namespaces.get(report.nodeid)
    if name is None:
        return
    outcome = _outcome(report)
    if outcome is None:
        return
    data = state._unitorch_clients
    data["counts"][name][outcome] += 1
    if outcome in ("failed", "error"):
        data["failed"][name].append(report.nodeid)


def _outcome(report: pytest.TestReport) -> str | None:
    """One outcome per test: the call's, or the setup's when setup did not pass, or an
    error in teardown."""
    if report.when == "call":
        if hasattr(report, "wasxfail"):
            return "xpassed" if report.passed else "xfailed"
        return report.outcome
    if report.when == "setup" and not report.passed:
        if hasattr(report, "wasxfail"):
            return "xfailed"
        return "skipped" if report.skipped else "error"
    if report.when == "teardown" and report.failed:
        return "error"
    return None


_state: dict[str, pytest.Config] = {}
_item_namespaces: dict[str, str] = {}  # nodeid -> array namespace, for the tests that have one


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Note each test's namespace, and mark unitorch's tests as SciPy's ``np_only``
    markers ask (at collection, so pytest's own skip/xfail machinery sees them)."""
    _state["config"] = config
    only = config.getoption("--unitorch-clients-namespaces")
    if only:
        keep = {n.strip() for n in only.split(",")}
        dropped = [item for item in items if namespace_of(item) not in keep | {None}]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = [item for item in items if namespace_of(item) in keep | {None}]
    for item in items:
        name = namespace_of(item)
        if name is None:
            continue
        _item_namespaces[item.nodeid] = name
        if name not in NAMESPACES:
            continue
        reason = _scipy_marker_reason(item, "skip")
        if reason is not None:
            item.add_marker(pytest.mark.skip(reason=reason))
        reason = _scipy_marker_reason(item, "xfail")
        if reason is not None:
            item.add_marker(pytest.mark.xfail(reason=reason, strict=False))


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int,
                            config: pytest.Config) -> None:
    data = getattr(config, "_unitorch_clients", None)
    if not data or not data["counts"]:
        return
    columns = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
    write: Callable[[str], Any] = terminalreporter.write_line
    terminalreporter.section("array namespaces (unitorch.testing.clients)")
    write(f"{'namespace':<22}" + "".join(f"{c:>9}" for c in columns))
    for name in sorted(data["counts"]):
        counts = data["counts"][name]
        write(f"{name:<22}" + "".join(f"{counts.get(c, 0):>9}" for c in columns))
    path = config.getoption("--unitorch-clients-report")
    if path:
        with open(path, "w") as f:
            json.dump({"counts": {k: dict(v) for k, v in data["counts"].items()},
                       "failed": {k: sorted(v) for k, v in data["failed"].items()}},
                      f, indent=1, sort_keys=True)
