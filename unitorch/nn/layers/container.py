"""Containers, as in ``torch.nn``: ``Sequential``, ``ModuleList``, ``ModuleDict``.

Children are registered under the names PyTorch gives them (``"0"``, ``"1"``... for
``Sequential`` and ``ModuleList``, the keys for ``ModuleDict``), so state-dict keys such
as ``"0.weight"`` match PyTorch's.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ..module import Module

__all__ = ["ModuleDict", "ModuleList", "Sequential"]


def _index(n: int, idx: Any) -> int:
    """``idx`` (an int, possibly negative) as a position in ``range(n)``, or IndexError."""
    i = operator.index(idx)
    if not -n <= i < n:
        raise IndexError(f"index {idx} is out of range")
    return i % n


def _renumber(module: Module, children: Iterable[Module]) -> None:
    """Replace ``module``'s children by ``children``, named "0", "1"..."""
    object.__setattr__(module, "_modules",
                       OrderedDict((str(i), m) for i, m in enumerate(children)))


def _check_module(owner: str, value: Any) -> Module:
    if not isinstance(value, Module):
        raise TypeError(f"{owner} holds Modules, got {type(value).__name__}")
    return value


class Sequential(Module):
    """Modules applied one after another: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Build it from modules (named "0", "1"...) or from one ``OrderedDict`` of name to
    module.  ``seq[i]`` is a child (negative ``i`` counts from the end), ``seq[i:j]`` a new
    Sequential of those children (same names), ``len(seq)``, iteration over the
    children, ``append``, ``insert``, ``extend``, ``pop``, ``del seq[i]`` and
    ``seq[i] = module`` work as in PyTorch.

    Example:
        >>> model = ut.nn.Sequential(ut.nn.Linear(3, 4), ut.nn.ReLU(), ut.nn.Linear(4, 1))
        >>> model(ut.ones((2, 3))).shape
        (2, 1)
        >>> [name for name, _ in model.named_parameters()]
        ['0.weight', '0.bias', '2.weight', '2.bias']
    """

    def __init__(self, *args: Module) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, _check_module("Sequential", module))
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), _check_module("Sequential", module))

    def __getitem__(self, idx: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return type(self)(OrderedDict(items[idx]))
        return items[_index(len(items), idx)][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        keys = list(self._modules)
        key = keys[_index(len(keys), idx)]
        self._modules[key] = _check_module("Sequential", module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        doomed = keys[idx] if isinstance(idx, slice) else [keys[_index(len(keys), idx)]]
        for key in doomed:
            del self._modules[key]
        # PyTorch renumbers the remaining children
        _renumber(self, list(self._modules.values()))

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __add__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise TypeError(f"can only add a Sequential to a Sequential, got "
                            f"{type(other).__name__}")
        return type(self)(*self, *other)

    def __iadd__(self, other: Sequential) -> Sequential:
        if not isinstance(other, Sequential):
            raise TypeError(f"can only add a Sequential to a Sequential, got "
                            f"{type(other).__name__}")
        return self.extend(list(other))

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end (named ``str(len(self))``)."""
        self.add_module(str(len(self)), _check_module("Sequential", module))
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index`` (PyTorch's rule: ``-len <= index <=
        len``); the children are renumbered."""
        _check_module("Sequential", module)
        n = len(self)
        i = operator.index(index)
        if not -n <= i <= n:
            raise IndexError(f"index {index} is out of range")
        if i < 0:
            i += n
        children = list(self._modules.values())
        children.insert(i, module)
        _renumber(self, children)
        return self

    def extend(self, modules: Iterable[Module]) -> Sequential:
        """Append every module of ``modules``."""
        for module in modules:
            self.append(module)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the child at ``key``."""
        v = self[key]
        del self[key]
        return v

    def forward(self, input: Any) -> Any:
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(Module):
    """A list of modules, registered under "0", "1"... (no ``forward`` of its own).

    ``append``, ``extend``, ``insert``, ``pop``, indexing (a slice gives a new
    ModuleList), ``len``, iteration, ``+`` and ``+=`` work as in PyTorch; deleting or
    inserting renumbers the children.

    Example:
        >>> layers = ut.nn.ModuleList([ut.nn.Linear(2, 2) for _ in range(3)])
        >>> len(layers), [n for n, _ in layers.named_parameters()][:2]
        (3, ['0.weight', '0.bias'])
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        children = list(self._modules.values())
        if isinstance(idx, slice):
            return type(self)(children[idx])
        return children[_index(len(children), idx)]

    def __setitem__(self, idx: int, module: Module) -> None:
        i = _index(len(self), idx)
        self._modules[str(i)] = _check_module("ModuleList", module)

    def __delitem__(self, idx: int | slice) -> None:
        children = list(self._modules.values())
        if isinstance(idx, slice):
            del children[idx]
        else:
            del children[_index(len(children), idx)]
        _renumber(self, children)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return type(self)([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), _check_module("ModuleList", module))
        return self

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Append every module of the iterable ``modules``."""
        if not isinstance(modules, Iterable):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index`` (``list.insert``'s rule)."""
        _check_module("ModuleList", module)
        children = list(self._modules.values())
        children.insert(operator.index(index), module)
        _renumber(self, children)

    def pop(self, key: int | slice) -> Any:
        """Remove and return the child at ``key``."""
        v = self[key]
        del self[key]
        return v

    def __repr__(self) -> str:
        # PyTorch's: runs of identical children are shown once, "(0-2): 3 x Linear(...)"
        reprs = [repr(m) for m in self]
        if not reprs:
            return f"{type(self).__name__}()"
        blocks: list[list[Any]] = []
        for i, r in enumerate(reprs):
            if blocks and blocks[-1][2] == r:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, r])
        lines = []
        for start, end, r in blocks:
            head = f"({start})" if start == end else f"({start}-{end}): {end - start + 1} x"
            text = f"{head}: {r}" if start == end else f"{head} {r}"
            lines.append("  " + text.replace("\n", "\n  "))
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules, registered under their keys (no ``forward`` of its own), in
    insertion order.

    ``d[key]``, ``d[key] = module``, ``del d[key]``, ``len``, iteration over the keys,
    ``in``, ``keys()``, ``values()``, ``items()``, ``update()``, ``pop()`` and
    ``clear()`` work as for a dict.

    Example:
        >>> heads = ut.nn.ModuleDict({"cls": ut.nn.Linear(4, 2), "reg": ut.nn.Linear(4, 1)})
        >>> list(heads), heads["reg"].out_features
        (['cls', 'reg'], 1)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]] | None
                 = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, _check_module("ModuleDict", module))

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove ``key`` and return its module."""
        v = self[key]
        del self[key]
        return v

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable[tuple[str, Module]]) -> None:
        """Add or replace modules from a mapping or from ``(key, module)`` pairs."""
        if isinstance(modules, (Mapping, ModuleDict)):
            pairs = list(modules.items())
        else:
            pairs = []
            for j, item in enumerate(modules):
                if not isinstance(item, (tuple, list)) or len(item) != 2:
                    raise TypeError(f"ModuleDict.update() needs (key, module) pairs; element "
                                    f"{j} is {item!r}")
                pairs.append((item[0], item[1]))
        for key, module in pairs:
            self[key] = module
