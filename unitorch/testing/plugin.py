"""The unitorch pytest plugin, enabled by installing unitorch.

* ``--unitorch-backends=torch,tensorflow`` chooses the backends a test suite runs on
  (default: ``UNITORCH_BACKEND`` if set, else every installed backend).
* The ``backend`` fixture runs a test once per chosen backend, with that backend active
  (``ut.use_backend``); its value is the backend's name.
* The ``backends`` fixture is the tuple of chosen names, for tests that compare them.
* ``@pytest.mark.gpu`` skips a test, with the reason, when the active (or, without a
  ``backend`` fixture, the default) backend sees no GPU.

Nothing here imports unitorch or a framework until a test asks for one of these.
"""

from __future__ import annotations

import os

import pytest

_OPTION = "--unitorch-backends"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("unitorch")
    group.addoption(
        _OPTION, action="store", default=None,
        help="comma-separated backends to run backend-parametrized tests on "
             "(default: $UNITORCH_BACKEND, else every installed backend)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "gpu: needs a GPU; skipped with the reason when absent")


def selected_backends(config: pytest.Config) -> tuple[str, ...]:
    """The backends chosen for this run, in order."""
    from unitorch.backends import _canonical, available_backends

    raw = config.getoption(_OPTION) or os.environ.get("UNITORCH_BACKEND")
    if raw:
        return tuple(_canonical(n) for n in raw.split(",") if n.strip())
    return available_backends()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames and _uses_our_backend_fixture(metafunc):
        names = selected_backends(metafunc.config)
        metafunc.parametrize("backend", names, ids=list(names), indirect=True)


def _uses_our_backend_fixture(metafunc: pytest.Metafunc) -> bool:
    """Whether the test's ``backend`` is this plugin's fixture: other suites name their
    own fixtures or parameters ``backend`` too (scikit-learn's joblib backends), and
    installing unitorch must not parametrize those."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", "")
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if "backend" in names:
            return False
    definitions = metafunc._arg2fixturedefs.get("backend") or ()
    return bool(definitions) and getattr(definitions[-1].func, "__module__", "") == __name__


@pytest.fixture
def backend(request: pytest.FixtureRequest):
    """The name of the backend this run of the test uses; it is active during the test."""
    from unitorch.backends import use_backend

    with use_backend(request.param):
        _skip_without_gpu(request)
        yield request.param


@pytest.fixture
def backends(request: pytest.FixtureRequest) -> tuple[str, ...]:
    """Every backend chosen for this run."""
    return selected_backends(request.config)


def _skip_without_gpu(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("gpu") is None:
        return
    from unitorch.backends import current

    b = current()
    if not any(d.type == "gpu" for d in b.devices()):
        pytest.skip(f"needs a GPU: the {b.name} backend sees none on this machine")


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("gpu") is not None and "backend" not in getattr(
            item, "fixturenames", ()):
        from unitorch.backends import current

        b = current()
        if not any(d.type == "gpu" for d in b.devices()):
            pytest.skip(f"needs a GPU: the {b.name} backend sees none on this machine")
