"""A Griffe extension for unitorch's API reference (loaded by mkdocs.yml).

Griffe reads the source statically (fast, imports nothing), which misses what unitorch
builds at import time.  This extension fills those gaps from the runtime objects:

* functions made by factories (``add = _binary("add", ...)`` in
  ``unitorch.ops.elementwise``) and names bound to other functions (``sub = subtract``)
  become documented functions with their runtime signature and docstring;
* the Tensor methods installed by ``unitorch.ops._operators.install_operators``
  (``t.sum()``, ``t.reshape()``...) are added to ``unitorch.tensor.Tensor``;
* ``Example:`` headings (an admonition for Griffe's Google parser) become ``Examples:``
  (its section of doctest examples, rendered as code);
* Sphinx roles in docstrings (``:func:`unitorch.add```, ``:class:`~.Tensor```) become
  optional cross-references: a link where the target is rendered, code text elsewhere.

Only ``unitorch`` modules whose static tree needs it are imported, and importing
unitorch imports no framework.
"""

from __future__ import annotations

import importlib
import inspect
import re
from typing import Any

import griffe

_EXAMPLE = re.compile(r"^([ \t]*)Example(?: \(([^\n]*)\))?:[ \t]*$", re.MULTILINE)
_ROLE = re.compile(r":(?:py:)?(func|class|meth|mod|data|attr|exc|obj):`(~?)([^`<>]+?)`")
_SKIP_MODULES = ("unitorch.backends.", "unitorch.cli", "unitorch.__main__")
_KINDS = {
    inspect.Parameter.POSITIONAL_ONLY: griffe.ParameterKind.positional_only,
    inspect.Parameter.POSITIONAL_OR_KEYWORD: griffe.ParameterKind.positional_or_keyword,
    inspect.Parameter.VAR_POSITIONAL: griffe.ParameterKind.var_positional,
    inspect.Parameter.KEYWORD_ONLY: griffe.ParameterKind.keyword_only,
    inspect.Parameter.VAR_KEYWORD: griffe.ParameterKind.var_keyword,
}


def _runtime(path: str) -> Any:
    module, _, name = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), name)
    except Exception:  # a module that cannot be imported here: keep the static view
        return None


def _parameters(fn: Any) -> griffe.Parameters:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return griffe.Parameters()
    params = []
    for p in sig.parameters.values():
        default = None if p.default is inspect.Parameter.empty else repr(p.default)
        annotation = None
        if p.annotation is not inspect.Parameter.empty:
            annotation = p.annotation if isinstance(p.annotation, str) else getattr(
                p.annotation, "__name__", str(p.annotation))
        params.append(griffe.Parameter(p.name, kind=_KINDS[p.kind], default=default,
                                       annotation=annotation))
    return griffe.Parameters(*params)


def _function(name: str, fn: Any, where: griffe.Object, like: griffe.Object) -> griffe.Function:
    """A Griffe function ``name`` for the runtime function ``fn``."""
    doc = inspect.getdoc(fn)
    template = like.docstring or (like.parent.docstring if like.parent else None)
    docstring = None
    if doc:
        docstring = griffe.Docstring(
            doc, lineno=where.lineno, endlineno=where.endlineno,
            parser=template.parser if template else "google",
            parser_options=template.parser_options if template else None,
        )
    return griffe.Function(name, lineno=where.lineno, endlineno=where.endlineno,
                           docstring=docstring, parameters=_parameters(fn))


class UnitorchRuntime(griffe.Extension):
    """See the module docstring."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader,
                   **kwargs: Any) -> None:
        if pkg.name != "unitorch":
            return
        import unitorch  # noqa: F401  (installs the Tensor methods)

        self._fill(pkg)
        tensor = pkg["tensor"]["Tensor"]
        self._tensor_methods(tensor)
        self._roles(pkg)

    # -- factory-made functions -----------------------------------------------------

    def _fill(self, mod: griffe.Module) -> None:
        if mod.path.startswith(_SKIP_MODULES):
            return
        for name, member in list(mod.members.items()):
            if member.is_alias:
                continue
            if member.is_module:
                self._fill(member)
            elif member.is_attribute and not name.startswith("_") and member.value is not None \
                    and not isinstance(member.value, str):
                obj = _runtime(member.path)
                if inspect.isfunction(obj):
                    mod.set_member(name, _function(name, obj, member, mod))

    def _tensor_methods(self, cls: griffe.Class) -> None:
        from unitorch.tensor import Tensor

        for name, value in vars(Tensor).items():
            if name.startswith("_") or name in cls.members or not callable(value):
                continue
            fn = _function(name, value, cls, cls)
            target = inspect.getclosurevars(value).nonlocals.get("fn") \
                if inspect.isfunction(value) else None
            if inspect.isfunction(target):  # a method form: the function's signature
                fn.parameters = griffe.Parameters(*list(_parameters(target))[1:])
            fn.labels.add("method")
            cls.set_member(name, fn)

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
