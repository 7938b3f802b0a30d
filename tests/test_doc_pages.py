"""The documentation's pages are written, and what they name exists.

* **No stubs.** Every page of the navigation outside the API reference (``mkdocs.yml``'s
  ``nav``, read by ``tests/doc_pages.py``) has at least :data:`MIN_WORDS` words of prose,
  code excluded.  :data:`PENDING` names exactly the pages other engineers are writing
  now; they are expected to fail (a non-strict ``xfail``: reported as XPASS once written)
  and the lead empties the list as they land, so the test holds them to the bar from then on.
* **Names exist.** Every unitorch name a prose page shows as inline code (```ut.name``` or
  ```unitorch.name```, in a table of equivalents or in a sentence) resolves by import, so
  a table of PyTorch or TensorFlow names and their unitorch equivalents cannot list one
  that does not exist.  Nothing needs marking: the guides' tables are checked as written.
  :data:`PENDING_NAMES` lists the modules being built now that pages may already name.
* **The promotion table is the code's.** A table whose header and first column are dtype
  names is a promotion table: each cell must be ``ut.result_type(row, column)``.
"""

from __future__ import annotations

import re

import pytest

import unitorch as ut

from doc_pages import (
    inline_names,
    nav_pages,
    prose_pages,
    prose_words,
    read,
    resolve,
    table_names,
)

MIN_WORDS = 300
"""Words of prose (code excluded) a page needs to count as written."""

PENDING: dict[str, str] = {}
"""Pages being written by other engineers now: page -> who.  The lead removes each entry
when its page lands."""

PENDING_NAMES: dict[str, str] = {}
"""Modules being built now, which pages may name before they exist (they and the names
under them are not checked); the lead removes each entry when its module lands."""


def _pages():
    for page in prose_pages():
        if page in PENDING:
            yield pytest.param(page, marks=pytest.mark.xfail(reason=PENDING[page],
                                                             strict=False))
        else:
            yield page


@pytest.mark.parametrize("page", list(_pages()))
def test_page_is_written(page):
    words = prose_words(read(page))
    assert words >= MIN_WORDS, (f"docs/{page} has {words} words of prose (code excluded); "
                                f"a written page has at least {MIN_WORDS}")


def test_the_navigation_is_read():
    pages = nav_pages()
    assert "index.md" in pages and "differences.md" in pages and "api/tensor.md" in pages
    assert "index.md" in prose_pages() and "api/tensor.md" not in prose_pages()


def test_prose_words_leave_code_out():
    text = ("# Title\n\nOne two `three four` [five](six.md).\n\n```python\nseven = 8\n```\n"
            "<!-- nine -->\n| ten | `eleven` |\n")
    assert prose_words(text) == len("Title One two five ten".split())


@pytest.mark.parametrize("page", prose_pages())
def test_every_unitorch_name_on_the_page_exists(page):
    missing = []
    for line, name in inline_names(page):
        canonical = name.replace("ut.", "unitorch.", 1) if name.startswith("ut.") else name
        if any(canonical == p or canonical.startswith(p + ".") for p in PENDING_NAMES):
            continue
        try:
            resolve(name)
        except (LookupError, ImportError, AttributeError) as e:
            missing.append(f"line {line}: {name} ({e})")
    assert not missing, f"docs/{page} names what unitorch does not have: " + "; ".join(missing)


def test_table_names_are_found_and_checked():
    """The reader finds names in table rows, and a misspelt one fails to resolve."""
    names = [n for _, n in table_names("moving-models.md")]
    assert "ut.nn.from_torch" in names and "ut.nn.to_keras" in names
    assert resolve("ut.nn.convert.RNNOutput") is ut.nn.convert.RNNOutput
    with pytest.raises(LookupError, match="'no_such_name'"):
        resolve("ut.nn.no_such_name")


# ---------------------------------------------------------------------------------------
# promotion tables

_DTYPES = {d.name: d for d in ut.dtypes.all_dtypes}


def _cells(line: str) -> list[str]:
    return [c.strip().strip("*`").strip() for c in line.strip().strip("|").split("|")]


def promotion_tables(page: str) -> list[tuple[int, list[str], list[list[str]]]]:
    """``(line, column dtypes, rows)`` of every table whose header (after its first cell)
    and first column are dtype names."""
    lines = read(page).splitlines()
    tables = []
    i = 0
    while i < len(lines):
        if lines[i].lstrip().startswith("|") and i + 1 < len(lines) and re.match(
                r"^\s*\|[\s:|-]+\|\s*$", lines[i + 1]):
            header = _cells(lines[i])[1:]
            rows = []
            j = i + 2
            while j < len(lines) and lines[j].lstrip().startswith("|"):
                rows.append(_cells(lines[j]))
                j += 1
            if header and all(h in _DTYPES for h in header) and rows and all(
                    r[0] in _DTYPES for r in rows):
                tables.append((i + 1, header, rows))
            i = j
        else:
            i += 1
    return tables


def test_the_dtypes_page_has_the_promotion_table():
    tables = promotion_tables("concepts/dtypes.md")
    assert tables, "docs/concepts/dtypes.md has no promotion table"
    _, header, rows = tables[0]
    assert sorted(header) == sorted(_DTYPES) and sorted(r[0] for r in rows) == sorted(_DTYPES)


@pytest.mark.parametrize("page", prose_pages())
def test_promotion_tables_are_the_code(page):
    wrong = []
    for line, header, rows in promotion_tables(page):
        for row in rows:
            for col, cell in zip(header, row[1:]):
                try:
                    expected = ut.result_type(_DTYPES[row[0]], _DTYPES[col]).name
                except ut.DTypeError:  # a pair that does not promote: shown as a dash
                    expected = "—"
                if cell != expected:
                    wrong.append(f"table at line {line}: {row[0]} with {col} shows {cell!r}, "
                                 f"ut.result_type gives {expected!r}")
    assert not wrong, f"docs/{page}: " + "; ".join(wrong)
