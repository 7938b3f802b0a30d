"""``ParameterList`` and ``ParameterDict``, as in ``torch.nn``: containers whose tensors
are registered as parameters of the module (under "0", "1"... or their keys), so
``parameters()``, ``state_dict()``, ``to()`` and optimizers see them.

A tensor stored in one becomes a :class:`~unitorch.nn.Parameter` (one that is already
a Parameter is kept as it is); other objects are kept as plain attributes, as PyTorch
allows.
"""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from ...tensor import Tensor
from ..module import Module
from ..parameter import Parameter

__all__ = ["ParameterDict", "ParameterList"]


def _as_parameter(value: Any) -> Any:
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


def _describe(value: Any) -> str:
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(s) for s in value.shape)
        device = "" if value.device.type == "cpu" else f" ({value.device})"
        return f"{kind} containing: [{value.dtype.name} of size {size}{device}]"
    return f"Object of type: {type(value).__name__}"


class ParameterList(Module):
    """A list of parameters registered under "0", "1"... (PyTorch's ``ParameterList``):
    indexing (a slice gives a new ParameterList), assignment, ``len``, iteration,
    ``append``, ``extend`` and ``+=``.

    Example:
        >>> class Mixture(ut.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.centers = ut.nn.ParameterList([ut.zeros(2) for _ in range(3)])
        >>> [name for name, _ in Mixture().named_parameters()]
        ['centers.0', 'centers.1', 'centers.2']
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        object.__setattr__(self, "_size", 0)
        if values is not None:
            self.extend(values)

    def _index(self, idx: Any) -> int:
        i = operator.index(idx)
        if not -self._size <= i < self._size:
            raise IndexError(f"index {idx} is out of range")
        return i % self._size

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return type(self)([self[i] for i in range(self._size)[idx]])
        return getattr(self, str(self._index(idx)))

    def __setitem__(self, idx: int, value: Any) -> None:
        key, value = str(self._index(idx)), _as_parameter(value)
        if isinstance(value, Parameter) and key in self._parameters:
            self._parameters[key] = value  # in place: the order of the names stays
        else:
            setattr(self, key, value)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(self._size))

    def __iadd__(self, values: Iterable[Any]) -> ParameterList:
        return self.extend(values)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` at the end (a tensor becomes a registered Parameter).

        Example:
            >>> params = ut.nn.ParameterList()
            >>> len(params.append(ut.ones(2)))
            1
        """
        new = self._size
        object.__setattr__(self, "_size", new + 1)
        setattr(self, str(new), _as_parameter(value))
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every element of ``values``.

        Example:
            >>> len(ut.nn.ParameterList().extend([ut.ones(1), ut.ones(2)]))
            2
        """
        if not isinstance(values, Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got "
                            f"{type(values).__name__}")
        for value in list(values):
            self.append(value)
        return self

    def extra_repr(self) -> str:
        return "\n".join(f"  ({i}): {_describe(v)}" for i, v in enumerate(self))

    def __repr__(self) -> str:
        body = self.extra_repr()
        return f"{type(self).__name__}(\n{body}\n)" if body else f"{type(self).__name__}()"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterList should not be called.")


class ParameterDict(Module):
    """A dict of parameters registered under their (string) keys, in insertion order
    (PyTorch's ``ParameterDict``): ``d[key]``, ``d[key] = value``, ``del d[key]``, ``in``,
    ``len``, iteration over the keys, ``keys()``, ``values()``, ``items()``, ``get``,
    ``pop``, ``popitem``, ``setdefault``, ``update``, ``clear``, ``copy`` and
    ``fromkeys``.  ``update`` with a plain (unordered) mapping adds its keys in sorted
    order, as PyTorch does.

    Example:
        >>> scales = ut.nn.ParameterDict({"a": ut.ones(1), "b": ut.zeros(2)})
        >>> list(scales), [name for name, _ in scales.named_parameters()]
        (['a', 'b'], ['a', 'b'])
    """

    def __init__(self, parameters: Any = None) -> None:
        super().__init__()
        object.__setattr__(self, "_keys", OrderedDict())
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        self._keys[key] = None
        value = _as_parameter(value)
        if isinstance(value, Parameter) and key in self._parameters:
            self._parameters[key] = value  # in place: the order of the keys stays
        else:
            setattr(self, key, value)

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __reversed__(self) -> Iterator[str]:
        return reversed(list(self._keys))

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys, in insertion order.

        Example:
            >>> list(ut.nn.ParameterDict({"w": ut.ones(1)}).keys())
            ['w']
        """
        return self._keys.keys()

    def values(self) -> Iterable[Any]:
        """The values, in insertion order.

        Example:
            >>> [v.shape for v in ut.nn.ParameterDict({"w": ut.ones(3)}).values()]
            [(3,)]
        """
        return [self[k] for k in self._keys]

    def items(self) -> Iterable[tuple[str, Any]]:
        """``(key, value)`` pairs, in insertion order.

        Example:
            >>> [k for k, _ in ut.nn.ParameterDict({"w": ut.ones(1)}).items()]
            ['w']
        """
        return [(k, self[k]) for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """``d[key]``, or ``default`` without that key.

        Example:
            >>> ut.nn.ParameterDict().get("w") is None
            True
        """
        return self[key] if key in self._keys else default

    def pop(self, key: str) -> Any:
        """Remove ``key`` and return its value.

        Example:
            >>> d = ut.nn.ParameterDict({"w": ut.ones(1)})
            >>> d.pop("w").shape, len(d)
            ((1,), 0)
        """
        value = self[key]
        del self[key]
        return value

    def popitem(self) -> tuple[str, Any]:
        """Remove and return the last inserted ``(key, value)`` pair.

        Example:
            >>> ut.nn.ParameterDict({"a": ut.ones(1), "b": ut.ones(1)}).popitem()[0]
            'b'
        """
        key = next(reversed(self._keys))
        return key, self.pop(key)

    def setdefault(self, key: str, default: Any = None) -> Any:
        """``d[key]``, first set to ``default`` if absent.

        Example:
            >>> ut.nn.ParameterDict().setdefault("w", ut.zeros(2)).shape
            (2,)
        """
        if key not in self._keys:
            self[key] = default
        return self[key]

    def clear(self) -> None:
        """Remove every entry.

        Example:
            >>> d = ut.nn.ParameterDict({"w": ut.ones(1)}); d.clear(); len(d)
            0
        """
        for key in list(self._keys):
            del self[key]

    def copy(self) -> ParameterDict:
        """A new ParameterDict holding the same parameters.

        Example:
            >>> d = ut.nn.ParameterDict({"w": ut.ones(1)})
            >>> d.copy()["w"] is d["w"]
            True
        """
        return ParameterDict(OrderedDict(self.items()))

    def fromkeys(self, keys: Iterable[str], default: Any = None) -> ParameterDict:
        """A new ParameterDict with ``keys``, each set to ``default``.

        Example:
            >>> list(ut.nn.ParameterDict().fromkeys(["a", "b"], ut.zeros(1)))
            ['a', 'b']
        """
        return ParameterDict((k, default) for k in keys)

    def update(self, parameters: Any) -> None:
        """Add or replace entries from a mapping (an ``OrderedDict`` or ParameterDict in
        its order, another mapping in sorted key order, as PyTorch) or from ``(key,
        value)`` pairs.

        Example:
            >>> d = ut.nn.ParameterDict()
            >>> d.update({"b": ut.ones(1), "a": ut.ones(1)}); list(d)
            ['a', 'b']
        """
        if isinstance(parameters, (OrderedDict, ParameterDict)):
            pairs = list(parameters.items())
        elif isinstance(parameters, Mapping):
            pairs = sorted(parameters.items())
        elif isinstance(parameters, Iterable) and not isinstance(parameters, Tensor):
            pairs = []
            for j, item in enumerate(parameters):
                if not isinstance(item, (tuple, list)) or len(item) != 2:
                    raise TypeError(f"ParameterDict update sequence element #{j} should be a "
                                    f"(key, value) pair, got {item!r}")
                pairs.append((item[0], item[1]))
        else:
            raise TypeError(f"ParametersDict.update should be called with an iterable of "
                            f"key/value pairs, but got {type(parameters).__name__}")
        for key, value in pairs:
            self[key] = value

    def extra_repr(self) -> str:
        return "\n".join(f"  ({k}): {_describe(v)}" for k, v in self.items())

    def __repr__(self) -> str:
        body = self.extra_repr()
        return f"{type(self).__name__}(\n{body}\n)" if body else f"{type(self).__name__}()"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("ParameterDict should not be called.")
