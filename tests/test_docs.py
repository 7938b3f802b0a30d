"""The documentation site builds with warnings as errors, as CI builds it.

``mkdocs build --strict`` fails on a broken link or anchor between pages, a page missing
from the navigation, a docstring the API reference cannot render, or a ``:::`` directive
naming something that does not exist; so this test keeps the site and the docstrings
in step with the code.  mkdocstrings reads the source statically (Griffe), plus what
``docs/_griffe/unitorch_ext.py`` takes from the imported package, so no framework is
imported and the build takes a few seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
pytest.importorskip("mkdocstrings", reason="the docs extra is not installed: pip install -e '.[docs]'")
pytest.importorskip("material", reason="the docs extra is not installed: pip install -e '.[docs]'")


@pytest.fixture(scope="module")
def site(built_site) -> Path:
    return built_site


def _page(site: Path, name: str) -> str:
    path = site / name / "index.html" if name else site / "index.html"
    assert path.is_file(), f"the site has no page {path.relative_to(site)}"
    return path.read_text(encoding="utf-8")


def test_the_site_builds_strictly_with_its_key_pages(site):
    assert "unitorch" in _page(site, "")
    for name in ("differences", "training", "checkpoints", "distributed", "api",
                 "api/tensor", "api/elementwise", "api/statistical", "api/nn-layers",
                 "api/optim", "api/random", "api/distributed"):
        _page(site, name)


def test_the_differences_page_has_the_anchors_other_pages_link_to(site):
    html = _page(site, "differences")
    linked = set()
    for md in (ROOT / "docs").rglob("*.md"):
        linked |= set(re.findall(r"differences\.md#([\w-]+)", md.read_text(encoding="utf-8")))
    assert "reductions" in linked
    for anchor in sorted(linked):
        assert f'id="{anchor}"' in html, f"differences.md has no #{anchor}"
    assert "<table>" in html  # the tables are rendered, not left as Markdown text


def test_the_api_reference_renders_docstrings_and_examples(site):
    html = _page(site, "api/elementwise")
    assert 'id="unitorch.add"' in html  # a decorated def (unitorch/ops/_ufunc.py)
    html = _page(site, "api/statistical")
    assert 'id="unitorch.sum"' in html and "Examples" in html
