"""Test configuration: Hypothesis profiles.  The ``backend``/``backends`` fixtures and
``--unitorch-backends`` come from unitorch's own pytest plugin (``unitorch.testing``).

Profiles: ``ci`` (the default; few examples, derandomized so CI is reproducible),
``dev`` (more, random) and ``thorough`` (many; ``pytest --hypothesis-profile=thorough``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

_common = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                           HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)
settings.register_profile("ci", max_examples=15, derandomize=True, **_common)
settings.register_profile("dev", max_examples=60, **_common)
settings.register_profile("thorough", max_examples=400, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--run-slow", action="store_true", default=False,
                     help="also run tests marked slow")


@pytest.fixture
def clean_state():
    """Examples may change process-wide settings (``ut.set_backend`` changes the
    process-wide default backend too); put them back."""
    import unitorch as ut
    from unitorch import backends

    default_backend = list(backends._process_default)
    dtype, device = ut.get_default_dtype(), ut.get_default_device()
    precision, portable = ut.get_matmul_precision(), ut.random.is_portable()
    yield
    backends._process_default[:] = default_backend
    ut.set_default_dtype(dtype)
    ut.set_default_device(device)
    ut.set_matmul_precision(precision)
    ut.random.portable(portable)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """The documentation site, built once per test run with ``mkdocs build --strict``
    (warnings are errors), as CI builds it."""
    import subprocess
    import sys
    from pathlib import Path

    out = tmp_path_factory.mktemp("site")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=Path(__file__).resolve().parent.parent, env=env, capture_output=True, text=True,
        timeout=300,
    )
    assert done.returncode == 0, f"mkdocs build --strict failed:\n{done.stderr[-5000:]}"
    return out


def pytest_terminal_summary(terminalreporter):
    """After a run of the documentation's examples, count the blocks not run, per page."""
    ran = any("test_doc_examples.py" in getattr(r, "nodeid", "")
              for reports in terminalreporter.stats.values() for r in reports)
    if not ran:
        return
    from doc_pages import examples, prose_pages

    lines = []
    for page in prose_pages():
        found = examples(page)
        skipped = [e.block for e in found if not e.block.runs]
        if skipped:
            why = "; ".join(f"line {b.line}: {b.title}" for b in skipped)
            lines.append(f"docs/{page}: {sum(e.block.runs for e in found)} run, "
                         f"{len(skipped)} not run ({why})")
    terminalreporter.write_sep("-", "documentation examples not run")
    for line in lines or ["none: every Python block of the prose pages runs"]:
        terminalreporter.write_line(line)


def pytest_collection_modifyitems(config, items):
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if item.get_closest_marker("slow") is not None:
            item.add_marker(skip)
