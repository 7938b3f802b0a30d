"""Every Python example in the documentation's prose pages runs, on every backend, and
prints what the page says it prints.

The conventions (``tests/doc_pages.py`` reads them): each ```` ```python ```` block of a
page runs, in order, the blocks of one page sharing one namespace, with the backend under
test active and an empty working directory; a ```` ```text title="Output" ```` block right
after a Python block is that block's printed output, compared as the docstring examples
are (``tests/test_docstrings.py``): ``...`` stands for any text, such as the digits the
last rounding may change; whitespace runs compare equal; a tensor's
``device=..., backend=...`` may be left out.  An output with a line
``Traceback (most recent call last):`` says the block raises: what it prints before is
compared as usual, and its last line is the exception (its type with or without the
module, and its message).  A block titled ``Not run: <why>`` is shown,
not run; the summary at the end of the test run counts those per page.

A page whose examples import a package that is not installed (``onnxruntime``, the other
framework) is skipped with the package named; CI installs them all.  A page whose
examples name a backend as a string (``ut.use_backend("tensorflow")``) is a cross-backend
page: it is skipped, saying so, when the run does not select that backend
(``UNITORCH_BACKEND=torch``).
"""

from __future__ import annotations

import contextlib
import doctest
import io
import linecache
import re
import sys
import traceback

import pytest

from doc_pages import Example, examples, prose_pages, unrun_outputs

PAGES = [p for p in prose_pages() if any(e.block.runs for e in examples(p))]

_REPR_TAIL = re.compile(r", device=[^,()]+, backend=\w+\)")
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
_CHECKER = doctest.OutputChecker()
_TRACEBACK = re.compile(r"^Traceback \(most recent call last\):$", re.MULTILINE)


def matches(want: str, got: str) -> bool:
    """Whether printed output ``got`` is what the page shows (``want``)."""
    return (_CHECKER.check_output(want, got, _FLAGS)
            or _CHECKER.check_output(want, _REPR_TAIL.sub(")", got), _FLAGS))


def _missing_package(e: BaseException) -> str | None:
    """The optional package whose absence ``e`` reports, if that is what it is."""
    from unitorch.errors import BackendNotAvailableError

    if isinstance(e, ModuleNotFoundError) and e.name and not e.name.startswith("unitorch"):
        return e.name.partition(".")[0]
    if isinstance(e, BackendNotAvailableError) and "not installed" in str(e):
        return str(e)
    return None


def _run(example: Example, namespace: dict) -> tuple[str, BaseException | None]:
    """Run one block; its printed output and the exception it raised, if any."""
    block = example.block
    filename = f"docs/{block.page}:{block.line}"
    # so that a traceback shows the page's lines
    linecache.cache[filename] = (len(block.code), None, block.code.splitlines(True), filename)
    code = compile(block.code, filename, "exec")
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            exec(code, namespace)
        except Exception as e:  # reported below, or compared with the shown traceback
            error = e
    return out.getvalue(), error


def _exception_line(e: BaseException) -> str:
    return traceback.format_exception_only(type(e), e)[-1]


def _check(example: Example, printed: str, error: BaseException | None, backend: str) -> None:
    block, want = example.block, example.output
    where = f"docs/{block.page}, the block at line {block.line}, on {backend}"
    if error is not None:
        missing = _missing_package(error)
        if missing is not None:
            pytest.skip(f"docs/{block.page}: its examples need {missing}")
    if want is not None and _TRACEBACK.search(want):
        shown_before = want[:_TRACEBACK.search(want).start()]
        if error is None:
            raise AssertionError(f"{where} should raise, as its output shows; it did not")
        shown = want.rstrip("\n").splitlines()[-1] + "\n"
        got = _exception_line(error)
        bare = got.split(":", 1)[0].rsplit(".", 1)[-1] + got[len(got.split(":", 1)[0]):]
        assert matches(shown, got) or matches(shown, bare), (
            f"{where} raised\n{got}but the page shows\n{shown}")
        assert not shown_before.strip() or matches(shown_before, printed), (
            f"{where} printed\n{printed}\nbut the page shows\n{shown_before}")
        return
    if error is not None:
        tb = "".join(traceback.format_exception(error))
        raise AssertionError(f"{where} raised:\n{tb}")
    if want is not None:
        assert matches(want, printed), (
            f"{where} printed\n{printed}\nbut the page shows\n{want}")


_NAMED_BACKEND = re.compile(r"""["'](torch|tensorflow)["']""")


def _backends_named(page: str) -> set[str]:
    """The backends a page's examples name as strings (``ut.use_backend("torch")``,
    ``draw("tensorflow")``)."""
    from unitorch.backends import _canonical

    return {_canonical(name) for e in examples(page) if e.block.runs
            for name in _NAMED_BACKEND.findall(e.block.code)}


@pytest.mark.parametrize("page", PAGES)
def test_page_examples(page, backend, backends, clean_state, tmp_path, monkeypatch):
    others = sorted(_backends_named(page) - set(backends))
    if others:  # a cross-backend page: it runs when every backend it uses is selected
        pytest.skip(f"docs/{page}: its examples also use the {', '.join(others)} backend, "
                    "which this run does not select")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", [f"docs/{page}"])
    namespace: dict = {"__name__": "__main__"}
    for example in examples(page):
        if not example.block.runs:
            continue
        printed, error = _run(example, namespace)
        _check(example, printed, error, backend)


def test_every_output_block_follows_a_block_that_runs():
    """An ``Output`` block not right after a Python block that runs would be checked by
    nothing: the page would show output no test has seen."""
    stray = [f"docs/{b.page}:{b.line}" for p in prose_pages() for b in unrun_outputs(p)]
    assert not stray, ("these Output blocks follow no Python block that runs: "
                       + ", ".join(stray))


def test_not_run_blocks_say_why():
    vague = [f"docs/{e.block.page}:{e.block.line}" for p in prose_pages()
             for e in examples(p)
             if not e.block.runs and len(e.block.title.split(":", 1)[-1].strip()) < 5]
    assert not vague, ('these blocks are not run without saying why (title="Not run: '
                       'why"): ' + ", ".join(vague))


def test_the_conventions_are_read_as_documented():
    """The reader of the conventions, on a page written for it."""
    from doc_pages import blocks

    text = "\n".join([
        "Intro.", "", "```python", "print(1 + 1)", "```", "",
        '```text title="Output"', "2", "```", "",
        '```python title="Not run: needs a GPU"', "x = ut.zeros(3, device='gpu')", "```",
        "", "    ```python", "    if True:", "        print('indented')", "    ```",
    ])
    found = blocks("x.md", text)
    assert [(b.lang, b.title, b.runs, b.is_output) for b in found] == [
        ("python", "", True, False), ("text", "Output", False, True),
        ("python", "Not run: needs a GPU", False, False), ("python", "", True, False)]
    assert found[0].code == "print(1 + 1)\n" and found[1].code == "2\n"
    assert found[3].code == "if True:\n    print('indented')\n"
    assert matches("tensor([0.333...], dtype=float32)\n",
                   "tensor([0.33333334], device=cpu, backend=torch)\n".replace(
                       "], device", "], dtype=float32, device"))
    assert not matches("2\n", "3\n")
