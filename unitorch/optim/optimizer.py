"""``Optimizer``: the base class of unitorch's optimizers, with PyTorch's interface.

Parameter groups, ``zero_grad``, ``step(closure)``, ``add_param_group`` and
``state_dict``/``load_state_dict`` behave as in ``torch.optim.Optimizer``; the state dict
has PyTorch's layout (``{"state": {index: {...}}, "param_groups": [{..., "params":
[indices]}]}``) with unitorch Tensors as state values, and loads on any backend (a state
saved on torch continues identically on TensorFlow, and a ``torch.optim`` state dict
loads too).

Compiled training steps.  A PyTorch-style step (``zero_grad``, forward,
``loss.backward()``, ``opt.step()``) may be wrapped in :func:`unitorch.compile`.  On
TensorFlow the Python code of ``step()`` then runs only while tracing, so everything that
changes from step to step lives in backend variables: the state (moments, step counts,
created once per parameter with the contract's ``state_variable``) and the float
hyperparameters of each group (``lr``, ``momentum``, ``betas``...), which sit in backend
holders (the contract's ``hyperparameter``).  Assigning ``group["lr"] = x`` (as
schedulers do, eagerly, between compiled calls) updates the holder, so the next compiled
step uses it.  Structural settings (``amsgrad``, ``nesterov``, ``maximize``,
``centered``, and whether a hyperparameter such as ``weight_decay`` or ``momentum`` is
zero) and which parameters have a gradient are fixed when a TensorFlow step is traced:
after changing them, compile the step anew.  ``torch.compile`` guards on them and
recompiles by itself.

Differences from PyTorch, the same on both backends:

* parameters must be ``ut.nn.Parameter`` tensors of a real floating dtype (PyTorch also
  takes complex ones and any leaf tensor);
* hyperparameters are stored as Python floats (a 0-d tensor given as ``lr`` is
  converted), and group values are validated like constructor arguments;
* ``state_dict()`` returns copies of the state tensors, not the live ones;
* ``optimizer.state`` is a ``defaultdict(dict)`` keyed by parameter, as in PyTorch (so
  an optimizer written the PyTorch way, ``state = self.state[p]``, works), but a
  ``KeyError`` (``del``, ``pop``) names the parameter by its shape and dtype instead of
  printing all its values;
* SGD with momentum also keeps a ``"step"`` count per parameter (so that its first step
  can copy the gradient into the buffer inside compiled steps); a ``torch.optim`` SGD
  state without it loads as already started.
"""

from __future__ import annotations

import copy
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from itertools import chain
from typing import Any, ClassVar

import numpy as np

from .. import dtypes as dt
from ..devices import Device
from ..errors import BackendMismatchError, DTypeError, ShapeError, fmt_shape
from ..nn.parameter import Parameter
from ..tensor import Tensor, _wrap

__all__ = ["Optimizer", "OptimizerState", "ParamsT"]

ParamsT = Iterable[Tensor] | Iterable[dict[str, Any]] | Iterable[tuple[str, Tensor]]
"""What an optimizer takes: parameters, ``(name, parameter)`` pairs, or parameter
groups (dicts with a ``"params"`` entry and per-group hyperparameters)."""

_CPU = Device("cpu")
_NUMBER_TYPES = (int, float, np.integer, np.floating)


def _as_float(name: str, value: Any) -> float:
    """A hyperparameter as a Python float (numbers and one-element tensors)."""
    if isinstance(value, bool) or not isinstance(value, (*_NUMBER_TYPES, Tensor, np.ndarray)):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    try:
        return float(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{name} must be a real number, got {value!r}") from e


def describe_parameter(p: Any) -> str:
    """A short name for a parameter in an error message: its shape and dtype, never its
    values (a KeyError's message is the repr of its key)."""
    if isinstance(p, Tensor):
        return f"<parameter of shape {fmt_shape(p.shape)}, {p.dtype.name}, id {id(p):#x}>"
    return repr(p)


class OptimizerState(defaultdict):
    """``Optimizer.state``: PyTorch's ``defaultdict(dict)`` from parameter to its state
    (``state[p]`` creates an empty dict for a new parameter).  Deleting or popping a
    parameter it lacks raises a ``KeyError`` that names the parameter by shape and dtype
    (a plain dict's would print every value of the tensor).

    Example:
        >>> state = ut.optim.optimizer.OptimizerState()
        >>> w = ut.nn.Parameter(ut.zeros(3))
        >>> state[w]["momentum_buffer"] = ut.ones(3)
        >>> list(state[w])
        ['momentum_buffer']
        >>> state.pop(ut.nn.Parameter(ut.zeros((1000, 1000))))
        Traceback (most recent call last):
        ...
        KeyError: '<parameter of shape (1000, 1000), float32, id ...>'
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(dict, *args)

    def __delitem__(self, key: Any) -> None:
        if key not in self:
            raise KeyError(describe_parameter(key))
        super().__delitem__(key)

    _missing = object()

    def pop(self, key: Any, default: Any = _missing) -> Any:  # type: ignore[override]
        if key not in self:
            if default is OptimizerState._missing:
                raise KeyError(describe_parameter(key))
            return default
        return super().pop(key)

    def __repr__(self) -> str:
        return "{" + ", ".join(f"{describe_parameter(k)}: {{{', '.join(map(repr, v))}}}"
                               for k, v in self.items()) + "}"


class _ParamGroup(dict):
    """A parameter group: a dict whose float hyperparameters are also kept in backend
    holders read by the (possibly compiled) update; assigning one updates its holder.
    ``nonzero`` records which are non-zero: structural choices (whether momentum buffers
    exist) read it rather than the value, so a compiler that guards on what it reads
    (``torch.compile``) does not recompile when a scheduler changes a momentum."""

    __slots__ = ("_owner", "hyper", "nonzero")

    def __setitem__(self, key: str, value: Any) -> None:
        names = self._owner._hyper_keys.get(key)
        if names is not None:
            value = self._owner._coerce(key, value)
            bk = self._owner._backend
            values = value if len(names) > 1 else (value,)
            for name, v in zip(names, values):
                self.nonzero[name] = v != 0
                holder = self.hyper.get(name)
                if holder is None:
                    self.hyper[name] = bk.hyperparameter(v)
                else:
                    bk.set_hyperparameter(holder, v)
        dict.__setitem__(self, key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for k, v in dict(*args, **kwargs).items():
            self[k] = v

    def setdefault(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        if key not in self:
            self[key] = default
        return self[key]


class Optimizer:
    """Base class of optimizers.  Subclasses set ``_hyper_keys`` (group keys holding
    float hyperparameters -> holder names), implement ``_validate`` (checks of a group's
    values), ``_state_keys`` (the state a parameter needs: ``(name, initial value)``) and
    ``_update`` (one step of one group through a backend update primitive).

    Example:
        >>> model = ut.nn.Linear(3, 1)  # doctest: +SKIP
        >>> opt = ut.optim.SGD(model.parameters(), lr=0.1)  # doctest: +SKIP
        >>> opt.zero_grad(); ut.sum(model(x)).backward(); opt.step()  # doctest: +SKIP
    """

    #: group key -> names of the backend holders its value lives in
    _hyper_keys: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: every per-parameter state name this optimizer may keep; None for an optimizer
    #: whose state is not known in advance (a user's subclass written the PyTorch way,
    #: LBFGS): its state dict is then saved and loaded by PyTorch's policy (see
    #: :meth:`load_state_dict`)
    _state_names: ClassVar[frozenset[str] | None] = None
    #: state entries that are 0-d float32 counters on the host, as torch.optim keeps
    #: them (the others have the parameter's shape, dtype and device)
    _scalar_state: ClassVar[frozenset[str]] = frozenset({"step"})

    def __init__(self, params: ParamsT, defaults: dict[str, Any]) -> None:
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a Tensor")
        if isinstance(params, dict):
            raise TypeError("params argument given to the optimizer should be an iterable of "
                            "Tensors or dicts, but got a dict (wrap one group in a list)")
        if isinstance(params, (set, frozenset)):
            self._params_of(params)  # raises: a set has no reproducible order
        self._validate(defaults)
        self.defaults = dict(defaults)
        self.state: OptimizerState = OptimizerState()
        self.param_groups: list[_ParamGroup] = []
        self._backend: Any = None
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    # -- groups -------------------------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (missing ones take the
        optimizer's defaults), e.g. to fine-tune a layer after unfreezing it.

        Example:
            >>> opt.add_param_group({"params": head.parameters(), "lr": 1e-4})  # doctest: +SKIP
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"a parameter group must be a dict, got {type(param_group).__name__}")
        if "params" not in param_group:
            raise KeyError("a parameter group must have a 'params' entry")
        tensors, names = self._params_of(param_group["params"])
        backend = self._backend_of(tensors)
        group = _ParamGroup()
        group._owner, group.hyper, group.nonzero = self, {}, {}
        dict.__setitem__(group, "params", tensors)
        if names:
            dict.__setitem__(group, "param_names", names)
        values = {**self.defaults, **{k: v for k, v in param_group.items()
                                      if k not in ("params", "param_names")}}
        self._validate(values)
        prev_backend = self._backend
        self._backend = backend
        try:
            for key, value in values.items():
                group[key] = value
        except Exception:
            self._backend = prev_backend
            raise
        if len(tensors) != len({id(p) for p in tensors}):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; "
                          "each is updated once per duplicate", UserWarning, stacklevel=3)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in seen for p in tensors):
            self._backend = prev_backend
            raise ValueError("some parameters appear in more than one parameter group")
        if self.param_groups and (("param_names" in group)
                                  != ("param_names" in self.param_groups[0])):
            self._backend = prev_backend
            raise ValueError("all optimizer param groups should be with/without names")
        self.param_groups.append(group)

    @staticmethod
    def _params_of(params: Any) -> tuple[list[Tensor], list[str]]:
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError("optimizer parameters need to be organized in ordered collections, "
                            "but the ordering of tensors in sets will change between runs; "
                            "use a list instead")
        elif isinstance(params, dict):
            raise TypeError("a group's 'params' must be an iterable of parameters, got a dict")
        tensors: list[Tensor] = []
        names: list[str] = []
        for item in params:
            if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
                names.append(item[0])
                item = item[1]
            if not isinstance(item, Tensor):
                raise TypeError("optimizer can only optimize ut.nn.Parameter tensors, but one "
                                f"of the params is {type(item).__name__}")
            if not isinstance(item, Parameter):
                raise TypeError("optimizer can only optimize ut.nn.Parameter tensors (mutable "
                                "leaves), but one of the params is a plain Tensor; wrap it: "
                                "ut.nn.Parameter(t)")
            if item._d.kind != "f":
                raise DTypeError("optimizer can only optimize real floating parameters, got "
                                 f"{item._d.name}")
            tensors.append(item)
        if names and len(names) != len(tensors):
            raise ValueError("all optimizer params should be with/without names; some param "
                             "names are missing")
        return tensors, names

    def _backend_of(self, tensors: list[Tensor]) -> Any:
        backends = {type(p)._bk for p in tensors}
        if self._backend is not None:
            backends.add(self._backend)
        if len(backends) > 1:
            names = sorted(b.name for b in backends)
            raise BackendMismatchError(f"optimizer parameters live on several backends: {names}")
        if backends:
            return backends.pop()
        from ..backends import current

        return current()

    def _coerce(self, key: str, value: Any) -> Any:
        """The stored form of hyperparameter ``key``: a float, or a tuple of floats."""
        n = len(self._hyper_keys[key])
        if n == 1:
            return _as_float(key, value)
        if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
            raise TypeError(f"{key} must be a sequence of {n} real numbers, got "
                            f"{type(value).__name__}")
        items = tuple(value)
        if len(items) != n:
            raise ValueError(f"{key} must have {n} values, got {len(items)}")
        return tuple(_as_float(f"{key}[{i}]", v) for i, v in enumerate(items))

    def _validate(self, values: dict[str, Any]) -> None:
        """Raise ``ValueError`` for an invalid hyperparameter (subclasses)."""

    # -- gradients and steps ------------------------------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the gradients of every parameter: to ``None`` (the default; the next
        ``backward()`` then writes instead of adding), or to zeros."""
        bk = self._backend
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    bk.set_grad(p._n, None)
                elif bk.get_grad(p._n) is not None:
                    bk.set_grad(p._n, bk.full(bk.shape(p._n), 0.0, p._d, bk.device(p._n)))

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient, once; parameters whose gradient
        is ``None`` are left alone (no weight decay either).  ``closure`` (re-evaluating
        the model and returning the loss) is called first, with gradients enabled, and
        its result returned.

        Example:
            >>> loss = model_loss(); loss.backward(); opt.step()  # doctest: +SKIP
        """
        loss = None
        if closure is not None:
            from ..autograd import enable_grad

            with enable_grad():
                loss = closure()
        self._opt_called = True
        get_grad = self._backend.get_grad
        work = []
        for group in self.param_groups:
            params, grads = [], []
            for p in group["params"]:
                g = get_grad(p._n)
                if g is not None:
                    params.append(p)
                    grads.append(g)
            if params:
                work.append((group, params, grads))
        if self._lacks_state(work):
            # State is made eagerly, which is a graph break while torch.compile traces:
            # here, outside any loop, so the trace resumes after it (a break inside the
            # loops would make torch.compile run the whole update eagerly for good)
            self._make_state(work)
        for group, params, grads in work:
            self._update(group, params, grads)
        return loss

    def _lacks_state(self, work: list[tuple[_ParamGroup, list[Tensor], list[Any]]]) -> bool:
        """Whether a parameter about to be updated lacks some of its state."""
        for group, params, _ in work:
            keys = self._state_keys(group)
            for p in params:
                st = self.state.get(p)
                if st is None or any(key not in st for key, _ in keys):
                    return True
        return False

    def _make_state(self, work: list[tuple[_ParamGroup, list[Tensor], list[Any]]]) -> None:
        """Make the missing state of the parameters about to be updated."""
        for group, params, _ in work:
            keys = self._state_keys(group)
            for p in params:
                self._state_of(p, keys)

    def _update(self, group: _ParamGroup, params: list[Tensor], grads: list[Any]) -> None:
        """One step of ``group`` for ``params`` (those with a gradient; ``grads`` are the
        gradients' natives)."""
        raise NotImplementedError

    def _state_keys(self, group: _ParamGroup) -> tuple[tuple[str, float], ...]:
        """``(name, initial value)`` of the state a parameter of ``group`` needs."""
        return ()

    def _state_of(self, p: Tensor, keys: tuple[tuple[str, float], ...]) -> dict[str, Tensor]:
        """The state of ``p``, with any of ``keys`` it lacks created (eagerly, also while
        a compiled step is being traced)."""
        st = self.state.get(p)
        if st is None:
            st = self.state[p] = {}
        for key, fill in keys:
            if key not in st:
                st[key] = self._new_state(p, key, fill)
        return st

    def _natives(self, group: _ParamGroup, params: list[Tensor], *names: str
                 ) -> tuple[list[Any], ...]:
        """The natives of ``params``, then of their state entries ``names``, one list
        each in the order of ``params`` (the state of :meth:`_state_keys` is created
        first where missing): what an ``_update`` hands to the backend's kernel."""
        keys = self._state_keys(group)
        natives: list[Any] = []
        entries: tuple[list[Any], ...] = tuple([] for _ in names)
        for p in params:
            st = self._state_of(p, keys)
            natives.append(p._n)
            for out, name in zip(entries, names):
                out.append(st[name]._n)
        return (natives, *entries)

    def _new_state(self, p: Tensor, key: str, fill: float) -> Tensor:
        bk = self._backend
        if key in self._scalar_state:  # a float32 scalar on the host, as torch.optim's
            return _wrap(type(p), bk.state_variable((), fill, dt.float32, _CPU), dt.float32)
        shape = bk.shape(p._n)
        return _wrap(type(p), bk.state_variable(shape, fill, p._d, bk.device(p._n)), p._d)

    # -- state dict ---------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """The optimizer's state in PyTorch's layout: ``{"state": {index: {name:
        Tensor}}, "param_groups": [{hyperparameters..., "params": [index...]}]}``,
        parameters numbered in group order.  The tensors are copies.

        Example:
            >>> sd = opt.state_dict()  # doctest: +SKIP
            >>> sd["param_groups"][0]["lr"], sorted(sd["state"][0])  # doctest: +SKIP
            (0.001, ['exp_avg', 'exp_avg_sq', 'step'])
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, st in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {k: self._copied(v) for k, v in st.items()}
        return {"state": state, "param_groups": groups}

    def _copied(self, value: Any) -> Any:
        """A snapshot of a state value: tensors copied, lists and dicts of them too."""
        if isinstance(value, Tensor):
            return _wrap(type(value), type(value)._bk.copy(value._n), value._d)
        if isinstance(value, (list, tuple)):
            return type(value)(self._copied(v) for v in value)
        if isinstance(value, dict):
            return {k: self._copied(v) for k, v in value.items()}
        return copy.deepcopy(value)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state dict made by :meth:`state_dict` on any backend, or by
        ``torch.optim``'s ``state_dict()`` (tensors of any backend, NumPy arrays or
        numbers), into this optimizer, whose groups must have the same sizes.
        Hyperparameters are replaced; state values are copied into the existing state
        variables (compiled steps keep working), converted to each parameter's dtype and
        device; parameters absent from the saved state start afresh.

        Everything is checked before anything changes: the layout, the group sizes, the
        state's shapes (:class:`~unitorch.ShapeError`), the hyperparameters' values, and
        that the state is of this optimizer's type: a group holding another optimizer's
        hyperparameter (SGD's ``momentum`` in an Adam state dict) or a parameter state
        another optimizer keeps (``momentum_buffer``) raises ``ValueError``.  The
        implementation switches of ``torch.optim`` (``foreach``, ``fused``,
        ``capturable``, ``differentiable``) and keys no optimizer uses (a scheduler's
        ``initial_lr``, a user's group name) are accepted.

        An optimizer whose state is not known in advance (a subclass written the PyTorch
        way, whose ``step`` fills ``self.state[p]`` itself; :class:`LBFGS`) loads by
        PyTorch's policy instead: each parameter's saved state replaces its state whole,
        tensors converted to this backend and the parameter's device (floating ones to
        its dtype, except ``"step"``), lists and dicts element by element, numbers
        kept.

        Example:
            >>> w = ut.nn.Parameter(ut.tensor([1.0, 2.0]))
            >>> opt = ut.optim.Adam([w], lr=0.1)
            >>> w.grad = ut.ones(2); opt.step()
            >>> fresh = ut.optim.Adam([w])
            >>> fresh.load_state_dict(opt.state_dict())
            >>> fresh.param_groups[0]["lr"], float(fresh.state[w]["step"])
            (0.1, 1.0)
        """
        self._apply_loaded(self._check_loaded(state_dict))

    def _check_loaded(self, state_dict: Any) -> _Loaded:
        """Validate ``state_dict`` for :meth:`load_state_dict` and convert its state;
        changes nothing (``Trainer`` checks a whole checkpoint before applying it)."""
        from ..ops.creation import asarray_on

        saved_groups, saved_state = _layout(state_dict)
        if len(saved_groups) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g["params"]) != len(s["params"])
               for g, s in zip(self.param_groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match "
                             "the size of optimizer's group")
        self._check_type(saved_groups, saved_state)
        id_map = dict(zip(chain.from_iterable(s["params"] for s in saved_groups),
                          chain.from_iterable(g["params"] for g in self.param_groups)))
        unknown = sorted((i for i in saved_state if i not in id_map), key=repr)
        if unknown:
            raise ValueError(f"load_state_dict(): the state dict has state for parameter(s) "
                             f"{unknown}, which none of its parameter groups lists")
        bk = self._backend
        loaded: dict[int, tuple[Tensor, dict[str, Tensor]]] = {}
        for i, entry in saved_state.items():
            p = id_map[i]
            values = {}
            if self._state_names is None:  # state not known in advance: PyTorch's policy
                loaded[id(p)] = (p, {key: self._converted(key, value, p)
                                     for key, value in entry.items()})
                continue
            for key, value in entry.items():
                if value is None:
                    continue
                if key in self._scalar_state:
                    t = asarray_on(bk, value, dtype=dt.float32, device=_CPU)
                    want: tuple[int | None, ...] = ()
                else:
                    t = asarray_on(bk, value, dtype=p._d, device=bk.device(p._n))
                    want = bk.shape(p._n)
                if tuple(t.shape) != tuple(want):
                    raise ShapeError(
                        f"load_state_dict(): state {key!r} of parameter {i} has shape "
                        f"{fmt_shape(t.shape)}, expected {fmt_shape(want)}")
                values[key] = t
            self._complete_loaded(values)
            loaded[id(p)] = (p, values)
        # every group's values, as they would be after loading, must be valid
        for group, saved in zip(self.param_groups, saved_groups):
            merged = {**group, **{k: v for k, v in saved.items() if k != "params"}}
            self._validate(merged)
            for key in self._hyper_keys:
                if key in merged:
                    self._coerce(key, merged[key])
        return _Loaded(saved_groups, loaded)

    def _converted(self, key: str, value: Any, p: Tensor) -> Any:
        """A saved state value of an optimizer whose state is not known in advance,
        converted as ``torch.optim.Optimizer.load_state_dict`` does: tensors (of any
        backend, NumPy arrays, torch tensors) become tensors of this backend on the
        parameter's device, floating ones in the parameter's dtype except ``"step"``;
        lists, tuples and dicts are converted element by element; anything else (ints,
        floats, None) is kept."""
        from ..backends import backend_of_native
        from ..ops.creation import asarray_on

        bk = self._backend
        if isinstance(value, (Tensor, np.ndarray)) or backend_of_native(value) is not None:
            t = asarray_on(bk, value, device=bk.device(p._n))
            if t._d.kind == "f" and key != "step" and t._d is not p._d:
                t = asarray_on(bk, t, dtype=p._d)
            return t if t is not value else _wrap(type(t), bk.copy(t._n), t._d)
        if isinstance(value, (list, tuple)):
            return type(value)(self._converted(key, v, p) for v in value)
        if isinstance(value, dict):
            return {k: self._converted(k, v, p) for k, v in value.items()}
        return copy.deepcopy(value)

    def _check_type(self, saved_groups: list[dict[str, Any]],
                    saved_state: dict[Any, dict[str, Any]]) -> None:
        """Refuse the state dict of another type of optimizer (see load_state_dict)."""
        name = type(self).__name__
        foreign = sorted({k for g in saved_groups for k in g
                          if k in _HYPERPARAMETERS and k not in self.defaults})
        problems = []
        if foreign:
            problems.append(f"its parameter groups have {_names(foreign)}, which {name} does "
                            "not take")
        allowed = self._state_names
        if allowed is not None:
            extra = sorted({k for entry in saved_state.values() for k in entry
                            if k not in allowed})
            if extra:
                problems.append(f"its parameter state has {_names(extra)}, which {name} "
                                f"does not keep (it keeps {_names(sorted(allowed))})")
        if problems:
            raise ValueError(f"load_state_dict(): the state dict is not {name}'s: "
                             f"{'; '.join(problems)}. Load it into the type of optimizer "
                             "that saved it")

    def _apply_loaded(self, plan: _Loaded) -> None:
        """Write what :meth:`_check_loaded` checked."""
        bk = self._backend
        for group, saved in zip(self.param_groups, plan.groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = value
        for group in self.param_groups:
            keys = dict(self._state_keys(group))
            for p in group["params"]:
                found = plan.state.get(id(p))
                if found is not None and self._state_names is None:
                    self.state[p] = dict(found[1])  # PyTorch's policy: replaced whole
                elif found is not None:
                    own = self._state_of(p, ())
                    for key, value in found[1].items():
                        if key not in own:
                            own[key] = self._new_state(p, key, 0.0)
                        target = own[key]
                        target._n = bk.assign(target._n, value._n)
                elif p in self.state and self._state_names is None:
                    del self.state[p]  # PyTorch's policy: the saved state replaces all
                elif p in self.state:  # never stepped in the saved run: start afresh
                    for key, target in self.state[p].items():
                        fill = keys.get(key, 0.0)
                        fresh = bk.full(bk.shape(target._n), fill, target._d, bk.device(target._n))
                        target._n = bk.assign(target._n, fresh)

    def _complete_loaded(self, values: dict[str, Tensor]) -> None:
        """Fill in state a foreign state dict may lack (subclasses)."""

    # -- display ------------------------------------------------------------------------

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _check_nonnegative(values: dict[str, Any], key: str, message: str) -> None:
    """``message.format(value)`` as a ValueError unless ``values[key] >= 0`` (NaN fails)."""
    if key in values:
        v = _as_float(key, values[key])
        if not 0.0 <= v:
            raise ValueError(message.format(values[key]))


def _check_betas(opt: Optimizer, values: dict[str, Any]) -> None:
    """PyTorch's check of ``betas``: each in [0, 1)."""
    if "betas" in values:
        betas = opt._coerce("betas", values["betas"])
        for i, b in enumerate(betas):
            if not 0.0 <= b < 1.0:
                raise ValueError(f"Invalid beta parameter at index {i}: {values['betas'][i]}")


#: The hyperparameters of PyTorch's optimizers (``torch.optim``'s group keys, less the
#: implementation switches): a saved group holding one that an optimizer does not take
#: comes from another type of optimizer.
_HYPERPARAMETERS = frozenset({
    "lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "betas", "eps",
    "amsgrad", "decoupled_weight_decay", "alpha", "centered", "lr_decay",
    "initial_accumulator_value", "momentum_decay", "rho", "lambd", "t0", "etas",
    "step_sizes", "history_size", "line_search_fn", "max_eval", "max_iter",
    "tolerance_change", "tolerance_grad",
})


class _Loaded:
    """A checked state dict: the saved groups, and per parameter (by id) its converted
    state values."""

    __slots__ = ("groups", "state")

    def __init__(self, groups: list[dict[str, Any]],
                 state: dict[int, tuple[Tensor, dict[str, Tensor]]]) -> None:
        self.groups, self.state = groups, state


def _layout(state_dict: Any) -> tuple[list[dict[str, Any]], dict[Any, dict[str, Any]]]:
    """``(param_groups, state)`` of a state dict in PyTorch's layout, or ValueError."""
    def bad(what: str) -> ValueError:
        return ValueError(f"load_state_dict() expects an optimizer state dict, {{'state': "
                          f"{{index: {{name: value}}}}, 'param_groups': [{{'params': "
                          f"[index, ...], ...}}]}}; {what}")

    if not isinstance(state_dict, dict):
        raise bad(f"got {type(state_dict).__name__}")
    groups, state = state_dict.get("param_groups"), state_dict.get("state")
    if not isinstance(groups, (list, tuple)) or not all(
            isinstance(g, dict) and isinstance(g.get("params"), (list, tuple)) for g in groups):
        raise bad("its 'param_groups' is not a list of groups with 'params' lists")
    if not isinstance(state, dict) or not all(isinstance(v, dict) for v in state.values()):
        raise bad("its 'state' is not a dict of per-parameter dicts")
    return list(groups), state


def _names(keys: list[str]) -> str:
    return ", ".join(repr(k) for k in keys)
