"""The built documentation site, checked in a real headless browser.

The site is built as CI builds it (``mkdocs build --strict``), served from localhost and
opened in Debian's Chromium (``/usr/bin/chromium``, or ``$UNITORCH_CHROMIUM``) driven by
Playwright, which downloads no browser of its own.  Every page must load without a
console error, a page error or a failed request (the site loads nothing from other
hosts); every internal link, anchor included, must resolve; the search must find each of
:data:`SEARCH_TERMS`; every code block of a page's Markdown must be rendered as a
highlighted, visible block.  Screenshots of :data:`SCREENSHOTS` are written to
``$UNITORCH_DOCS_SCREENSHOTS`` (default: a temporary directory, printed).

Without Chromium or Playwright the tests skip, saying which is missing
(``apt-get install chromium``; ``pip install -e '.[dev]'``); ``scripts/test.sh`` installs
Chromium when it runs as root.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse

import pytest

from doc_pages import blocks, nav_pages

SEARCH_TERMS = ("matmul", "GradientTape")
"""Terms the site's search must find (each gives at least one result)."""

SCREENSHOTS = {"home": "", "from-pytorch": "guides/from-pytorch/",
               "from-tensorflow": "guides/from-tensorflow/"}
"""Screenshot name -> page path in the site."""

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def _chromium() -> str | None:
    path = os.environ.get("UNITORCH_CHROMIUM") or shutil.which("chromium") or (
        "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    return path


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[dev]' (it pins playwright)")
    path = _chromium()
    if path is None:
        pytest.skip("Chromium is not installed: apt-get install chromium (scripts/test.sh "
                    "does it when run as root)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        try:
            yield b
        finally:
            b.close()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(_Quiet, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


def _url(page: str) -> str:
    """The site path of a Markdown page (``concepts/dtypes.md`` -> ``concepts/dtypes/``)."""
    stem = page.removesuffix(".md")
    if stem == "index" or stem.endswith("/index"):
        return stem.removesuffix("index")
    return stem + "/"


@pytest.fixture(scope="module")
def visits(browser, server):
    """Each page of the navigation, loaded once: what the browser reported and found."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}")
            if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} "
                                                       f"({r.failure})"))
    page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}")
            if r.status >= 400 else None)
    found = {}
    for md in nav_pages():
        problems.clear()
        # networkidle: the page's own late requests (the search worker and index) finish
        # before the next page is opened, which would abort them
        response = page.goto(server + _url(md), wait_until="networkidle")
        links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
        code = page.eval_on_selector_all(
            "div.highlight pre > code, pre > code",
            """els => els.map(e => {
                const r = e.getBoundingClientRect();
                const s = getComputedStyle(e);
                return {visible: r.width > 0 && r.height > 0 && s.visibility !== 'hidden',
                        tokens: e.querySelectorAll('span[class]').length,
                        highlighted: !!e.closest('div.highlight'),
                        text: e.innerText.length};
            })""")
        found[md] = {"status": response.status if response else None,
                     "problems": list(problems), "links": links, "code": code}
    context.close()
    return found


def test_every_page_loads_without_errors(visits):
    bad = {md: v["problems"] or [f"HTTP {v['status']}"] for md, v in visits.items()
           if v["problems"] or v["status"] != 200}
    assert not bad, "pages with errors in the browser:\n" + "\n".join(
        f"{md}: {p}" for md, ps in bad.items() for p in ps)


def test_internal_links_resolve(visits, server, built_site):
    targets: dict[str, set[str]] = {}
    for md, v in visits.items():
        for link in v["links"]:
            if link.startswith(server):
                targets.setdefault(link, set()).add(md)
    assert len(targets) > 50
    texts: dict[Path, str] = {}
    broken = []
    for link, pages in sorted(targets.items()):
        path, fragment = urldefrag(link)
        rel = unquote(urlparse(path).path).lstrip("/")
        file = built_site / rel
        if file.is_dir():
            file = file / "index.html"
        if not file.is_file():
            broken.append(f"{link} (from {', '.join(sorted(pages))}): no such page")
            continue
        if fragment and file.suffix == ".html":
            if file not in texts:
                texts[file] = file.read_text(encoding="utf-8")
            frag = html.escape(unquote(fragment), quote=True)
            if not re.search(rf'(id|name)="{re.escape(frag)}"', texts[file]):
                broken.append(f"{link} (from {', '.join(sorted(pages))}): no #{fragment}")
    assert not broken, "broken internal links:\n" + "\n".join(broken)


@pytest.mark.parametrize("term", SEARCH_TERMS)
def test_search_finds(term, browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(server, wait_until="load")
        page.click("input.md-search__input")  # the header's search box (wide viewport)
        # typed key by key: the search listens to keyboard events, which fill() skips
        page.keyboard.type(term, delay=20)
        items = page.locator(".md-search-result__item")
        items.first.wait_for(state="visible", timeout=20_000)
        meta = page.inner_text(".md-search-result__meta")
        text = page.inner_text(".md-search-result__list")
        count = items.count()
    finally:
        context.close()
    assert count > 0 and term.lower() in text.lower(), (
        f"the search for {term!r} shows {meta!r}: {text[:300]!r}")


def test_code_blocks_render(visits):
    bad = []
    for md, v in visits.items():
        if md.startswith("api/"):  # generated from docstrings: no fenced blocks to count
            continue
        fenced = blocks(md)
        rendered = v["code"]
        if len(rendered) < len(fenced):
            bad.append(f"{md}: {len(fenced)} code blocks in the Markdown, "
                       f"{len(rendered)} rendered")
        hidden = [c for c in rendered if c["highlighted"] and not c["visible"]
                  and c["text"] > 0]
        if hidden:
            bad.append(f"{md}: {len(hidden)} code blocks are not visible")
        python = sum(b.is_python for b in fenced)
        tokens = sum(c["tokens"] > 0 for c in rendered if c["highlighted"])
        if python and tokens < python:
            bad.append(f"{md}: {python} Python blocks, {tokens} rendered with highlighting")
    assert not bad, "\n".join(bad)


def test_screenshots(browser, server, tmp_path_factory):
    out = Path(os.environ.get("UNITORCH_DOCS_SCREENSHOTS")
               or tmp_path_factory.mktemp("screenshots"))
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    written = []
    try:
        for name, path in SCREENSHOTS.items():
            page.goto(server + path, wait_until="networkidle")
            file = out / f"{name}.png"
            page.screenshot(path=str(file), full_page=True)
            written.append(file)
    finally:
        context.close()
    for file in written:
        assert file.stat().st_size > 10_000, f"{file} is suspiciously small"
    print("screenshots:", ", ".join(map(str, written)))
