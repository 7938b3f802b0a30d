"""``unitorch/tensor.pyi`` declares every member of :class:`unitorch.Tensor`, and no other.

The Tensor's operators and most of its methods are bound at import by
``unitorch.ops._operators`` (the operator is the public function itself); the stub is
where readers, grep, IDEs, type checkers and the API docs find them.  These tests keep
it from drifting from the runtime class: the same members, each with the parameters of
what runs.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

import unitorch as ut

tensor_module = importlib.import_module("unitorch.tensor")

STUB = Path(tensor_module.__file__).with_suffix(".pyi")
# slots and the attributes every class has: not members a reader calls
_NOT_MEMBERS = {"__module__", "__doc__", "__annotations__", "__weakref__", "__slots__",
                "__dict__", "_d", "_n", "_p"}


def _stub_tree() -> ast.Module:
    return ast.parse(STUB.read_text())


def _stub_class() -> dict[str, ast.AST]:
    cls = next(n for n in _stub_tree().body if isinstance(n, ast.ClassDef) and n.name == "Tensor")
    members: dict[str, ast.AST] = {}
    for n in cls.body:
        if isinstance(n, ast.FunctionDef):
            members.setdefault(n.name, n)  # a property getter before its setter
        elif isinstance(n, ast.AnnAssign):
            members[n.target.id] = n
    return members


def _runtime_members() -> dict[str, object]:
    return {k: v for k, v in vars(ut.Tensor).items() if k not in _NOT_MEMBERS}


def test_the_stub_declares_exactly_the_runtime_members():
    stub = set(_stub_class())
    runtime = set(_runtime_members()) | {"_bk"}  # _bk: set on each backend's subclass
    assert not runtime - stub, f"members missing from tensor.pyi: {sorted(runtime - stub)}"
    assert not stub - runtime, f"tensor.pyi declares members that do not exist: " \
                               f"{sorted(stub - runtime)}"


def _stub_parameters(node: ast.FunctionDef) -> list[tuple[str, str]]:
    a = node.args
    out = [(p.arg, "POSITIONAL_ONLY") for p in a.posonlyargs]
    out += [(p.arg, "POSITIONAL_OR_KEYWORD") for p in a.args]
    if a.vararg:
        out.append((a.vararg.arg, "VAR_POSITIONAL"))
    out += [(p.arg, "KEYWORD_ONLY") for p in a.kwonlyargs]
    if a.kwarg:
        out.append((a.kwarg.arg, "VAR_KEYWORD"))
    return out


def _what_runs(name: str, value: object) -> inspect.Signature | None:
    """The signature of what a call of the member runs, seen as a method (``self``
    first): the function a method form calls, or the member itself."""
    fn = value.fget if isinstance(value, property) else value
    if not callable(fn):
        return None
    target = inspect.getclosurevars(fn).nonlocals.get("fn") if inspect.isfunction(fn) else None
    if inspect.isfunction(target) and fn.__doc__ and fn.__doc__.startswith("Method form"):
        fn = target  # t.sum(...) runs ut.sum(t, ...)
    return inspect.signature(fn)


@pytest.mark.parametrize("name", sorted(_runtime_members()))
def test_each_declared_member_has_the_runtime_parameters(name):
    node = _stub_class()[name]
    value = _runtime_members()[name]
    if isinstance(value, property):
        assert isinstance(node, ast.FunctionDef) and any(
            isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list), \
            f"{name} is a property at runtime"
        return
    sig = _what_runs(name, value)
    if sig is None or not isinstance(node, ast.FunctionDef):
        assert not isinstance(node, ast.FunctionDef), f"{name} is not callable at runtime"
        return
    declared = _stub_parameters(node)
    actual = [(p.name, p.kind.name) for p in sig.parameters.values()]
    # the runtime names its first parameter as the function does (x, x1, self): the stub
    # says self; and the operators' other operand is positional-only either way
    assert len(declared) == len(actual), f"{name}: stub {declared}, runtime {actual}"
    assert declared[0][0] == "self"
    for (d_name, d_kind), (a_name, a_kind) in zip(declared[1:], actual[1:]):
        if name.startswith("__"):
            continue  # operators: one other operand, whatever its name
        assert (d_name, d_kind) == (a_name, a_kind), f"{name}: stub {declared}, runtime {actual}"


def test_the_stub_declares_the_module_names_other_modules_use():
    source = ast.parse(Path(tensor_module.__file__).read_text())
    defined = {n.name for n in source.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    defined |= {t.id for n in source.body if isinstance(n, (ast.Assign, ast.AnnAssign))
                for t in (n.targets if isinstance(n, ast.Assign) else [n.target])
                if isinstance(t, ast.Name)}
    defined -= {"_new", "__all__"}  # a module-private alias; the stub has its own __all__
    stub = _stub_tree()
    declared = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    declared |= {n.target.id for n in stub.body if isinstance(n, ast.AnnAssign)}
    assert defined <= declared, f"not in tensor.pyi: {sorted(defined - declared)}"


def test_the_operators_are_the_functions():
    """The hot path the stub describes: ``a + b`` calls ``ut.add`` itself, and a scalar on
    the left takes the reflected fast path (the commutative functions are their own)."""
    assert ut.Tensor.__add__ is ut.add and ut.Tensor.__radd__ is ut.add
    assert ut.Tensor.__mul__ is ut.multiply and ut.Tensor.__rmul__ is ut.multiply
    assert ut.Tensor.__sub__ is ut.subtract and ut.Tensor.__rsub__ is ut.subtract.reflected
    assert ut.Tensor.__matmul__ is ut.matmul
