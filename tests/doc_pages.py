"""Reading the documentation's Markdown pages, for the docs tests.

The pages are the ones in ``mkdocs.yml``'s navigation; the *prose pages* are those outside
the API reference (``docs/api/``, generated from the docstrings).  The conventions the
examples of a prose page follow (``tests/test_doc_examples.py`` runs them):

* every fenced ```` ```python ```` block runs, on every backend, in order, the blocks of one
  page sharing one namespace (a fresh one per page and backend), in an empty directory;
* a fenced ```` ```text title="Output" ```` block right after a Python block (only blank
  lines between them) is what that block prints; ``...`` stands for any text (digits the
  last rounding may change), whitespace runs compare equal, and a tensor's ``repr`` may
  leave out its ``device=..., backend=...`` tail.  An output with a line
  ``Traceback (most recent call last):`` says the block raises: what it prints before
  that line is compared as usual, and the output's last line is the exception
  (``ValueError: ...``);
* a Python block whose title starts with ``Not run`` (```` ```python title="Not run: needs
  a GPU" ````) is shown but not run: the title tells the reader why.  The test run's
  summary counts these per page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"

NOT_RUN = "Not run"
OUTPUT = "Output"

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")
_TITLE = re.compile(r'title="(?P<title>[^"]*)"')


@dataclass(frozen=True)
class Block:
    """One fenced code block of a page: ``line`` and ``end`` are the lines of its opening
    and closing fences (counted from 1)."""

    page: str
    line: int
    end: int
    lang: str
    title: str
    code: str

    @property
    def is_python(self) -> bool:
        return self.lang in ("python", "py")

    @property
    def runs(self) -> bool:
        return self.is_python and not self.title.startswith(NOT_RUN)

    @property
    def is_output(self) -> bool:
        return self.lang == "text" and self.title == OUTPUT


@dataclass(frozen=True)
class Example:
    """A Python block and the output shown after it (``None``: not shown)."""

    block: Block
    output: str | None


def _yaml_load(text: str) -> dict:
    """``mkdocs.yml`` as data; tags such as ``!!python/name:`` are read as plain values."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("", lambda loader, suffix, node: None)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/",
                                 lambda loader, suffix, node: None)
    return yaml.load(text, Loader=Loader)


def _walk_nav(items: list) -> list[str]:
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            for value in item.values():
                out.extend(_walk_nav(value) if isinstance(value, list) else [value])
    return [p for p in out if isinstance(p, str) and p.endswith(".md")]


@cache
def nav_pages() -> tuple[str, ...]:
    """The pages of the site's navigation, as paths relative to ``docs/``, in order."""
    config = _yaml_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return tuple(_walk_nav(config["nav"]))


def prose_pages() -> tuple[str, ...]:
    """The navigation's pages outside the API reference."""
    return tuple(p for p in nav_pages() if not p.startswith("api/"))


def read(page: str) -> str:
    return (DOCS / page).read_text(encoding="utf-8")


def blocks(page: str, text: str | None = None) -> list[Block]:
    """The fenced code blocks of ``page`` (or of ``text``), in order, dedented."""
    lines = (read(page) if text is None else text).splitlines()
    found = []
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None:
            i += 1
            continue
        indent, fence, info = m["indent"], m["fence"], m["info"].strip()
        lang = info.split()[0].lstrip(".").lower() if info and not info.startswith("{") else ""
        title = _TITLE.search(info)
        body = []
        j = i + 1
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        while j < len(lines) and not closing.match(lines[j]):
            line = lines[j]
            body.append(line[len(indent):] if line.startswith(indent) else line.lstrip())
            j += 1
        found.append(Block(page, i + 1, j + 1, lang, title["title"] if title else "",
                           "\n".join(body) + "\n"))
        i = j + 1
    return found


def examples(page: str) -> list[Example]:
    """The Python blocks of ``page`` with the output each shows, in order."""
    text = read(page)
    lines = text.splitlines()
    found = blocks(page, text)
    out = []
    for k, block in enumerate(found):
        if not block.is_python:
            continue
        output = None
        nxt = found[k + 1] if k + 1 < len(found) else None
        if nxt is not None and nxt.is_output:
            between = lines[block.end:nxt.line - 1]
            if all(not line.strip() for line in between):
                output = nxt.code
        out.append(Example(block, output))
    return out


def unrun_outputs(page: str) -> list[Block]:
    """Output blocks that follow no Python block (so nothing checks them)."""
    text = read(page)
    lines = text.splitlines()
    found = blocks(page, text)
    stray = []
    for k, block in enumerate(found):
        if not block.is_output:
            continue
        prev = found[k - 1] if k else None
        ok = prev is not None and prev.runs and all(
            not line.strip() for line in lines[prev.end:block.line - 1])
        if not ok:
            stray.append(block)
    return stray


# ---------------------------------------------------------------------------------------
# prose

_CODE_SPAN = re.compile(r"`+[^`\n]*`+")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_WORD = re.compile("[A-Za-z][A-Za-z'\u2019-]*")


def without_code(text: str) -> str:
    """``text`` without its fenced blocks, inline code, HTML comments and link targets."""
    lines = text.splitlines()
    kept = []
    fence = None
    for line in lines:
        m = _FENCE.match(line)
        if fence is None and m is not None:
            fence = m["fence"]
            continue
        if fence is not None:
            if re.match(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                fence = None
            continue
        kept.append(line)
    prose = "\n".join(kept)
    prose = _COMMENT.sub(" ", prose)
    prose = _CODE_SPAN.sub(" ", prose)
    return re.sub(r"\]\([^)]*\)", "]", prose)  # [text](target): the text counts


def prose_words(text: str) -> int:
    """Words of prose in a Markdown page: code blocks and inline code excluded."""
    return len(_WORD.findall(without_code(text)))


# ---------------------------------------------------------------------------------------
# names in tables

_NAME = re.compile(r"^(?:ut|unitorch)(?:\.[A-Za-z_]\w*)+")


def inline_names(page: str, tables_only: bool = False) -> list[tuple[int, str]]:
    """``(line, name)`` of every unitorch name the page shows as inline code (a span
    starting with ``ut.`` or ``unitorch.``, up to its first non-name character), outside
    code blocks; with ``tables_only``, in table rows only."""
    out = []
    fence = None
    for n, line in enumerate(read(page).splitlines(), 1):
        m = _FENCE.match(line)
        if fence is None and m is not None:
            fence = m["fence"]
            continue
        if fence is not None:
            if re.match(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}\s*$", line):
                fence = None
            continue
        if tables_only and not line.lstrip().startswith("|"):
            continue
        for span in _CODE_SPAN.findall(line):
            name = _NAME.match(span.strip("`").strip())
            if name is not None:
                out.append((n, name.group(0)))
    return out


def table_names(page: str) -> list[tuple[int, str]]:
    """``(line, name)`` of the unitorch names in the page's table rows."""
    return inline_names(page, tables_only=True)


def resolve(name: str) -> object:
    """The object ``ut.a.b.c`` (or ``unitorch.a.b.c``) names, importing submodules as
    needed; ``LookupError`` saying which part is missing if there is none."""
    import importlib

    parts = name.split(".")[1:]
    obj: object = importlib.import_module("unitorch")
    path = "unitorch"
    for part in parts:
        try:
            obj = getattr(obj, part)
        except AttributeError:
            try:
                obj = importlib.import_module(f"{path}.{part}")
            except ModuleNotFoundError as e:
                if e.name is None or not e.name.startswith(f"{path}.{part}"):
                    raise
                raise LookupError(f"{path} has no attribute or submodule {part!r}") from None
        path = f"{path}.{part}"
    return obj
