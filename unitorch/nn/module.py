"""``Module``: the base class of layers and models, as in PyTorch.

Assigning a :class:`Parameter`, a Module or a buffer to an attribute registers it;
``parameters()``, ``state_dict()``, ``load_state_dict()``, ``train()``/``eval()``,
``to()``, ``apply()`` and ``zero_grad()`` walk the tree of registered modules in
registration order, so names and orders are the same on every backend and match
PyTorch's (``"0.weight"``, ``"encoder.layer.bias"``...).

Parameters and buffers are mutable in place on both backends (leaf torch tensors,
``tf.Variable``s), so optimizers, ``load_state_dict`` and BatchNorm's running statistics
update them inside compiled functions too.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from .. import dtypes as dt
from ..devices import as_device
from ..errors import ShapeError, fmt_shape
from ..tensor import Tensor, _wrap
from .parameter import Buffer, Parameter, make_variable

__all__ = ["Module", "IncompatibleKeys"]


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` did not match: keys the model has and the state lacks, and
    keys the state has and the model lacks.

    Example:
        >>> m = ut.nn.Linear(2, 1)
        >>> m.load_state_dict({"weight": ut.zeros((1, 2))}, strict=False)
        IncompatibleKeys(missing_keys=['bias'], unexpected_keys=[])
    """

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of every layer and model: subclass it, create parameters and
    sub-modules in ``__init__`` (after ``super().__init__()``), compute in ``forward``.

    Example:
        >>> class Affine(ut.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.scale = ut.nn.Parameter(ut.ones(3))
        ...     def forward(self, x):
        ...         return x * self.scale
        >>> [name for name, _ in Affine().named_parameters()]
        ['scale']
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration -------------------------------------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() is called; call "
                "super().__init__() first in your module's __init__"
            )
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            modules[name] = value
        elif isinstance(value, Buffer):
            self._forget(name)
            self.register_buffer(name, value.data, persistent=value.persistent)
        elif name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign a {type(value).__name__} as parameter {name!r} "
                    "(ut.nn.Parameter or None expected)"
                )
            params[name] = None
        elif name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign a {type(value).__name__} as buffer {name!r} "
                                "(a Tensor or None expected)")
            buffers[name] = None if value is None else make_variable(value, False)
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign a {type(value).__name__} as child module "
                                f"{name!r} (a Module or None expected)")
            modules[name] = None
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self._non_persistent.discard(name)
        self.__dict__.pop(name, None)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            found = d.get(registry)
            if found is not None and name in found:
                return found[name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        if name in self._parameters or name in self._buffers or name in self._modules:
            self._forget(name)
        else:
            object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Tensor | None) -> None:
        """Register ``param`` (a Parameter, or ``None`` for an absent one) as ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter() expects a ut.nn.Parameter or None, got "
                            f"{type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True
                        ) -> None:
        """Register a non-learnable tensor (running statistics...) saved in the state dict
        unless ``persistent=False``; it is updated in place like a parameter."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer() expects a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._forget(name)
        self._buffers[name] = None if tensor is None else make_variable(tensor, False)
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register ``module`` as a child called ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module() expects a Module or None, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    # -- calling ------------------------------------------------------------------------

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_hooks") is None:  # (no hook was ever registered)
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

    def _call_with_hooks(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """PyTorch's order: the pre-hooks (which may replace the arguments), forward,
        then the forward hooks (which may replace the output)."""
        pre, post = self._hooks
        for hook, with_kwargs in list(pre.values()):
            if with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        output = self.forward(*args, **kwargs)
        for hook, with_kwargs in list(post.values()):
            result = hook(self, args, kwargs, output) if with_kwargs else hook(self, args,
                                                                              output)
            if result is not None:
                output = result
        return output

    def _add_hook(self, which: int, hook: Callable[..., Any], prepend: bool,
                  with_kwargs: bool) -> Any:
        from ..tensor import HookHandle

        if self.__dict__.get("_hooks") is None:
            object.__setattr__(self, "_hooks", (OrderedDict(), OrderedDict()))
        table = self._hooks[which]
        key = object()
        table[key] = (hook, with_kwargs)
        if prepend:
            table.move_to_end(key, last=False)
        return HookHandle(lambda: table.pop(key, None))

    def register_forward_pre_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                                  with_kwargs: bool = False) -> Any:
        """Call ``hook(module, args)`` before each ``forward`` (``with_kwargs``:
        ``hook(module, args, kwargs)``); what it returns, if not ``None``, replaces the
        arguments.  Returns a handle whose ``remove()`` removes the hook (PyTorch's)."""
        return self._add_hook(0, hook, prepend, with_kwargs)

    def register_forward_hook(self, hook: Callable[..., Any], *, prepend: bool = False,
                              with_kwargs: bool = False, always_call: bool = False) -> Any:
        """Call ``hook(module, args, output)`` after each ``forward`` (``with_kwargs``:
        ``hook(module, args, kwargs, output)``); what it returns, if not ``None``,
        replaces the output.  Returns a handle whose ``remove()`` removes the hook
        (PyTorch's).  ``always_call`` (run it when forward raises) is not supported."""
        if always_call:
            raise NotImplementedError("register_forward_hook(always_call=True) is not "
                                      "supported")
        return self._add_hook(1, hook, prepend, with_kwargs)

    # -- walking the tree ---------------------------------------------------------------

    def named_modules(self, memo: set[int] | None = None, prefix: str = ""
                      ) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every descendant, each once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, m in self.named_modules():
            yield m

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the direct children."""
        for name, child in self._modules.items():
            if child is not None:
                yield name, child

    def children(self) -> Iterator[Module]:
        """The direct children."""
        for _, child in self.named_children():
            yield child

    def _named(self, registry: str, prefix: str, recurse: bool
               ) -> Iterator[tuple[str, Tensor]]:
        seen: set[int] = set()
        modules = self.named_modules(prefix=prefix) if recurse else iter([(prefix, self)])
        for module_prefix, module in modules:
            for name, t in getattr(module, registry).items():
                if t is None or id(t) in seen:
                    continue
                seen.add(id(t))
                yield (f"{module_prefix}.{name}" if module_prefix else name), t

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Tensor]]:
        """``(name, parameter)`` pairs, each parameter once, in registration order."""
        return self._named("_parameters", prefix, recurse)

    def parameters(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every parameter, each once, in registration order."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        """``(name, buffer)`` pairs."""
        return self._named("_buffers", prefix, recurse)

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # -- state ----------------------------------------------------------------------------

    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name, every path included (a module
        shared by two parents appears under both names, as in PyTorch).  The tensors are
        detached (``keep_vars=True`` returns the parameters themselves)."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        self._save_state(out, prefix.rstrip("."), keep_vars)
        return out

    def _save_state(self, out: OrderedDict[str, Tensor], prefix: str, keep_vars: bool) -> None:
        for registry in ("_parameters", "_buffers"):
            for name, t in getattr(self, registry).items():
                if t is None or (registry == "_buffers" and name in self._non_persistent):
                    continue
                out[f"{prefix}.{name}" if prefix else name] = t if keep_vars else t.detach()
        for name, child in self._modules.items():
            if child is not None:
                child._save_state(out, f"{prefix}.{name}" if prefix else name, keep_vars)

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True
                        ) -> IncompatibleKeys:
        """Copy values from ``state_dict`` (tensors of any backend, NumPy arrays...) into
        this module's parameters and buffers, in place, converting dtype and device.

        With ``strict``, a missing or unexpected key raises ``KeyError`` naming them all;
        a shape mismatch always raises :class:`ShapeError`, before anything is written.
        """
        updates, result = self._load_plan(state_dict, strict)
        _apply_load(updates)
        return result

    def _load_plan(self, state_dict: dict[str, Any], strict: bool
                   ) -> tuple[list[tuple[Tensor, Tensor]], IncompatibleKeys]:
        """What :meth:`load_state_dict` would write, ``(target, value)`` pairs with the
        values converted, and the keys it would report; checks everything and changes
        nothing (``Trainer`` validates a whole checkpoint before applying any of it)."""
        from ..ops.creation import asarray_on

        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict() expects a mapping of names to tensors, got "
                            f"{type(state_dict).__name__}")
        own = self.state_dict(keep_vars=True)
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict() keys do not match {type(self).__name__}: "
                f"missing {missing}, unexpected {unexpected}"
            )
        updates = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            backend = type(target)._bk
            value = asarray_on(backend, state_dict[key], dtype=target.dtype,
                               device=target.device)
            if tuple(value.shape) != tuple(target.shape):
                raise ShapeError(
                    f"load_state_dict(): {key!r} has shape {fmt_shape(value.shape)} in the "
                    f"state dict but {fmt_shape(target.shape)} in the model"
                )
            updates.append((target, value))
        return updates, IncompatibleKeys(missing, unexpected)

    # -- modes and conversion -----------------------------------------------------------

    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch statistics in BatchNorm) for the whole tree."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self) -> Module:
        """Evaluation mode: ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Make every parameter require gradients (or not, to freeze them)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the parameters' gradients (to ``None``, or to zeros)."""
        for p in self.parameters():
            if set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = _wrap(type(p), type(p)._bk.full(
                    type(p)._bk.shape(p._n), 0, p.dtype, p.device), p.dtype)

    def to(self, *args: Any, device: Any = None, dtype: Any = None) -> Module:
        """Move and/or convert every parameter and buffer in place (``model.to("gpu")``,
        ``model.to(ut.float64)``).  Only floating tensors change dtype, as in PyTorch."""
        for a in args:
            if isinstance(a, dt.DType) or (isinstance(a, str) and a in
                                           {d.name for d in dt.all_dtypes}):
                dtype = a
            else:
                device = a
        target_dtype = None if dtype is None else dt.as_dtype(dtype)
        target_device = as_device(device)
        for t in [*self.parameters(), *self.buffers()]:
            backend = type(t)._bk
            native = t._n
            new_dtype = t._d
            if target_dtype is not None and t._d.kind == "f" and t._d is not target_dtype:
                native = backend.cast(native, target_dtype)
                new_dtype = target_dtype
            if target_device is not None and backend.device(native) != target_device:
                native = backend.to_device(native, target_device)
            if native is not t._n:
                trainable = backend.requires_grad(t._n) if isinstance(t, Parameter) else False
                t._n = backend.variable(native, trainable)
                t._d = new_dtype
        return self

    def float(self) -> Module:
        """Floating parameters and buffers to float32."""
        return self.to(dtype=dt.float32)

    def double(self) -> Module:
        """Floating parameters and buffers to float64."""
        return self.to(dtype=dt.float64)

    def half(self) -> Module:
        """Floating parameters and buffers to float16."""
        return self.to(dtype=dt.float16)

    def bfloat16(self) -> Module:
        """Floating parameters and buffers to bfloat16."""
        return self.to(dtype=dt.bfloat16)

    def cpu(self) -> Module:
        """Parameters and buffers to the CPU."""
        return self.to(device="cpu")

    def cuda(self, device: Any = None) -> Module:
        """Parameters and buffers to a GPU (``device``: an index or a device; default the
        first); ``DeviceError`` where the backend has none."""
        if device is None or isinstance(device, int):
            device = f"gpu:{device or 0}"
        return self.to(device=device)

    def type(self, dst_type: Any) -> Module:
        """Every parameter and buffer to ``dst_type`` (floating or not, as PyTorch)."""
        target = dt.as_dtype(dst_type)
        for t in [*self.parameters(), *self.buffers()]:
            if t._d is not target:
                backend = type(t)._bk
                trainable = backend.requires_grad(t._n) and target.kind in "fc"
                t._n = backend.variable(backend.cast(t._n, target), trainable)
                t._d = target
        return self

    def get_submodule(self, target: str) -> Module:
        """The module at dotted path ``target`` (``""``: this one), or ``AttributeError``."""
        module = self
        for part in target.split(".") if target else []:
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no attribute `{part}`")
            module = child
        return module

    def get_parameter(self, target: str) -> Tensor:
        """The parameter at dotted path ``target``, or ``AttributeError``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}`")
        return module._parameters[name]

    def get_buffer(self, target: str) -> Tensor:
        """The buffer at dotted path ``target``, or ``AttributeError``."""
        path, _, name = target.rpartition(".")
        module = self.get_submodule(path)
        if name not in module._buffers:
            raise AttributeError(f"{type(module).__name__} has no buffer `{name}`")
        return module._buffers[name]

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every descendant, children first, then on this module."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- display ------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (set by layers)."""
        return ""

    def __repr__(self) -> str:
        lines = []
        for name, child in self._modules.items():
            text = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {text}")
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        head = f"{type(self).__name__}(" + (f"{extra}" if extra else "")
        return head + "\n" + "\n".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))


def _apply_load(updates: list[tuple[Tensor, Tensor]]) -> None:
    """Write what :meth:`Module._load_plan` checked (in place: compiled steps keep their
    variables)."""
    from ..autograd import no_grad

    with no_grad():
        for target, value in updates:
            target._n = type(target)._bk.assign(target._n, value._n)
