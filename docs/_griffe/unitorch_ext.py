"""A Griffe extension for unitorch's API reference (loaded by mkdocs.yml).

Griffe reads the source statically, and finds everything there: the public functions
are plain ``def``s (the element-wise ones decorated, ``unitorch/ops/_ufunc.py``), and
the Tensor's operators and methods, bound at import, are declared with their signatures
in ``unitorch/tensor.pyi``, which Griffe merges into ``unitorch.tensor``.  What this
extension still does is docstring syntax:

* ``Example:`` headings (an admonition for Griffe's Google parser) become ``Examples:``
  (its section of doctest examples, rendered as code);
* Sphinx roles in docstrings (``:func:`unitorch.add```, ``:class:`~.Tensor```) become
  optional cross-references: a link where the target is rendered, code text elsewhere.

It imports nothing.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^([ \t]*)Example(?: \(([^\n]*)\))?:[ \t]*$", re.MULTILINE)
_ROLE = re.compile(r":(?:py:)?(func|class|meth|mod|data|attr|exc|obj):`(~?)([^`<>]+?)`")
_SKIP_MODULES = ("unitorch.backends.", "unitorch.cli", "unitorch.__main__")


class UnitorchDocstrings(griffe.Extension):
    """See the module docstring."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader,
                   **kwargs: Any) -> None:
        if pkg.name != "unitorch":
            return
        self._roles(pkg)

    # -- Sphinx roles -------------------------------------------------------------------

    def _roles(self, obj: griffe.Object) -> None:
        for member in list(obj.members.values()):
            if member.is_alias:
                continue
            if member.docstring is not None:
                member.docstring.value = self._convert(member, member.docstring.value)
            if member.is_module and member.path.startswith(_SKIP_MODULES):
                continue
            if member.is_module or member.is_class:
                self._roles(member)
        if obj.is_module and obj.docstring is not None and obj.parent is None:
            obj.docstring.value = self._convert(obj, obj.docstring.value)

    def _convert(self, obj: griffe.Object, text: str) -> str:
        module = obj if obj.is_module else obj.module

        def link(match: re.Match) -> str:
            short, target = match[2] == "~", match[3].strip()
            if target.endswith("()"):
                target = target[:-2]
            if target.startswith("."):  # relative to the module
                identifier = module.path + target
            elif target.startswith("unitorch"):
                identifier = target
            else:
                identifier = f"{module.path}.{target}"
            shown = target.lstrip(".")
            if short:
                shown = shown.rpartition(".")[2]
            return f'<autoref identifier="{identifier}" optional><code>{shown}</code></autoref>'

        def examples(match: re.Match) -> str:
            indent, title = match[1], match[2]
            return f"{indent}Examples:" + (f"\n{indent}    {title}:" if title else "")

        return _ROLE.sub(link, _EXAMPLE.sub(examples, text))
