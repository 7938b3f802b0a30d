"""Gradients, in the three styles users know, on each framework's own autodiff.

1. Functional (JAX style): :func:`grad` and :func:`value_and_grad` over tensors, nests
   (lists, tuples, dicts) of tensors, and a Module's parameters.
2. Tape (TensorFlow style): ``with ut.GradientTape() as tape: ...;
   tape.gradient(loss, sources)``.
3. Imperative (PyTorch style): ``loss.backward()`` fills ``p.grad`` of every leaf that
   requires gradients; optimizers read it.

All three call torch.autograd on the torch backend and ``tf.GradientTape`` on the
TensorFlow backend, and give the same gradients.  Also :class:`no_grad`,
:class:`enable_grad`, :func:`compile`, and :class:`Function` (an operation with a
hand-written gradient, as ``torch.autograd.Function``).

Differences from the frameworks, the same on both backends:

* gradients of a target that does not depend on a source are zeros (not ``None``);
* functional gradients nest: ``grad(grad(f))`` is the second derivative;
* on TensorFlow, the imperative style records operations in a thread from the moment a
  tensor requiring gradients exists in it (an open ``GradientTape`` per thread, costing a
  few microseconds per eager operation); ``GradientTape`` blocks and functional gradients
  pause that recording, so ``backward()`` cannot differentiate through them there.
"""

from __future__ import annotations

import contextlib
import functools
import threading
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from ._custom_function import Function, FunctionCtx
from .backends import Backend, _loaded, current
from .backends.contract import TraceFailure
from .errors import ShapeError
from .tensor import Tensor, _wrap

__all__ = [
    "grad", "value_and_grad", "GradientTape", "no_grad", "enable_grad", "backward", "compile",
    "Function", "FunctionCtx",
]


class _Depth(threading.local):
    """How many unitorch recorders are open in this thread (for higher-order gradients)."""

    def __init__(self) -> None:
        self.value = 0


_depth = _Depth()


@contextlib.contextmanager
def _recording():
    _depth.value += 1
    try:
        yield
    finally:
        _depth.value -= 1


# ---------------------------------------------------------------------------------------
# nests of tensors


def _flatten(tree: Any) -> tuple[list[Tensor], Callable[[list[Any]], Any]]:
    """The tensors in a nest of lists, tuples (incl. named) and dicts, and a function that
    rebuilds the nest from replacements."""
    if isinstance(tree, Tensor):
        return [tree], lambda leaves: leaves[0]
    if isinstance(tree, dict):
        keys = list(tree)
        parts = [_flatten(tree[k]) for k in keys]
        return _join(parts, lambda items: type(tree)(zip(keys, items)))
    if isinstance(tree, (list, tuple)):
        parts = [_flatten(v) for v in tree]
        if isinstance(tree, tuple) and hasattr(tree, "_fields"):
            return _join(parts, lambda items: type(tree)(*items))
        return _join(parts, lambda items: type(tree)(items))
    return [], lambda leaves: tree


def _join(parts, build):
    leaves = [leaf for p in parts for leaf in p[0]]

    def rebuild(new: list[Any]) -> Any:
        items, i = [], 0
        for p_leaves, p_rebuild in parts:
            items.append(p_rebuild(new[i:i + len(p_leaves)]))
            i += len(p_leaves)
        return build(items)

    return leaves, rebuild


def _is_module(obj: Any) -> bool:
    return hasattr(obj, "named_parameters") and hasattr(obj, "parameters")


# ---------------------------------------------------------------------------------------
# functional


def value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """A function returning ``(f(*args), gradient of f with respect to args[argnums])``.

    ``f`` must return a scalar (one-element) floating tensor, or ``(scalar, aux)`` with
    ``has_aux``.  The gradient has the structure of the differentiated argument: a tensor,
    a nest of tensors, or, for a Module, a dict of parameter name to gradient.  With a
    sequence ``argnums`` it is a tuple of those.

    Example:
        >>> f = lambda x: ut.sum(x ** 2)
        >>> value, g = ut.value_and_grad(f)(ut.tensor([1., 2.]))
        >>> g
        tensor([2., 4.], dtype=float32)
    """
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        for n in nums:
            if n >= len(args):
                raise ValueError(f"argnums {n} is out of range for {len(args)} arguments")
        backend = _backend_of_args([args[n] for n in nums])
        tape = backend.tape(persistent=False, watch_accessed_variables=False)
        call_args = list(args)
        groups: list[tuple[list[Tensor], Callable[[list[Any]], Any]]] = []
        with _recording(), tape:
            for n in nums:
                if _is_module(args[n]):
                    named = list(args[n].named_parameters())
                    for _, p in named:
                        tape.watch(p._n)
                    leaves = [p for _, p in named]
                    names = [name for name, _ in named]
                    groups.append((leaves, lambda gs, names=names: dict(zip(names, gs))))
                    continue
                leaves, rebuild = _flatten(args[n])
                if not leaves:
                    raise TypeError(f"argument {n} holds no tensor to differentiate")
                _check_differentiable(leaves)
                watched = [_wrap(type(t), tape.watch(t._n), t._d) for t in leaves]
                call_args[n] = rebuild(watched)
                groups.append((watched, rebuild))
            out = f(*call_args, **kwargs)
            value, aux = out if has_aux else (out, None)
            _check_scalar(value)
        sources = [t for leaves, _ in groups for t in leaves]
        natives = _gradient(tape, value, sources, None)
        grads, i = [], 0
        for leaves, rebuild in groups:
            part = [_wrap(type(t), g, t._d) for t, g in zip(leaves, natives[i:i + len(leaves)])]
            grads.append(rebuild(part))
            i += len(leaves)
        result = grads[0] if isinstance(argnums, int) else tuple(grads)
        return ((value, aux) if has_aux else value), result

    return wrapper


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """A function returning the gradient of scalar ``f`` with respect to ``args[argnums]``
    (and ``aux`` with ``has_aux``: ``(gradient, aux)``).  See :func:`value_and_grad`.

    Example:
        >>> ut.grad(lambda x: ut.sum(ut.sin(x)))(ut.tensor([0.]))
        tensor([1.], dtype=float32)
        >>> ut.grad(ut.grad(lambda x: x ** 3))(ut.tensor(2.))  # 6 x
        tensor(12., dtype=float32)
    """
    vg = value_and_grad(f, argnums, has_aux)

    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g

    return wrapper


def _backend_of_args(args: list[Any]) -> Backend:
    for a in args:
        if _is_module(a):
            for p in a.parameters():
                return type(p)._bk
        else:
            leaves, _ = _flatten(a)
            if leaves:
                return type(leaves[0])._bk
    return current()


def _check_differentiable(tensors: list[Tensor]) -> None:
    for t in tensors:
        if t.dtype.kind not in "fc":
            from .errors import DTypeError

            raise DTypeError(f"cannot differentiate with respect to {t.dtype.name} tensors "
                             "(only floating and complex ones)")


def _check_scalar(value: Any) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(
            f"the differentiated function must return a tensor, got {type(value).__name__}"
        )
    if value.size != 1:
        raise ShapeError(
            f"the differentiated function must return one element, got shape {value.shape}; "
            "reduce it (e.g. ut.sum) or pass an output gradient to GradientTape.gradient"
        )
    if value.dtype.kind not in "fc":
        from .errors import DTypeError

        raise DTypeError(f"cannot differentiate a {value.dtype.name} result")


def _gradient(tape: Any, target: Tensor, sources: list[Tensor],
              output_gradient: Tensor | None) -> list[Any]:
    """Natives of ``d target / d source`` (zeros where ``target`` does not depend on it)."""
    og = None if output_gradient is None else output_gradient._n
    return tape.gradient(target._n, [s._n for s in sources], og,
                         create_graph=_depth.value > 0)


# ---------------------------------------------------------------------------------------
# tape


class GradientTape:
    """Records operations for :meth:`gradient`, as ``tf.GradientTape`` does.

    Leaves that require gradients (Parameters) are watched automatically
    (``watch_accessed_variables``); other tensors are watched with :meth:`watch`.  On the
    torch backend a watched tensor computes through a copy that requires gradients, which
    the Tensor object uses for as long as the tape lives.

    Example:
        >>> x = ut.tensor(3.0)
        >>> with ut.GradientTape() as tape:
        ...     tape.watch(x)
        ...     y = x * x
        >>> tape.gradient(y, x)
        tensor(6., dtype=float32)
    """

    def __init__(self, persistent: bool = False, watch_accessed_variables: bool = True) -> None:
        self._persistent = persistent
        self._watch_accessed = watch_accessed_variables
        self._backend: Backend | None = None
        self._tape: Any = None
        self._used = False
        self._restore: list[tuple[Tensor, Any]] = []
        self._recording: Any = None

    def __enter__(self) -> GradientTape:
        self._backend = current()
        self._tape = self._backend.tape(self._persistent, self._watch_accessed)
        self._recording = _recording()
        self._recording.__enter__()
        self._tape.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._tape.__exit__(*exc)
        self._recording.__exit__(*exc)

    def watch(self, tensor: Any) -> None:
        """Record operations on ``tensor`` (or on every tensor of a nest of them)."""
        if self._tape is None:
            raise RuntimeError("watch() needs the tape to be entered (use `with`)")
        leaves, _ = _flatten(tensor)
        _check_differentiable(leaves)
        for t in leaves:
            native = self._tape.watch(t._n)
            if native is not t._n:
                self._restore.append((t, t._n))
                t._n = native

    def stop_recording(self) -> Any:
        """A context manager pausing this tape."""
        return self._tape.stop_recording()

    def gradient(self, target: Tensor, sources: Any, output_gradients: Tensor | None = None
                 ) -> Any:
        """``d target / d sources``, in the structure of ``sources`` (a tensor, a nest, or a
        Module: a dict of parameter name to gradient).  A non-scalar ``target`` needs
        ``output_gradients`` (its shape)."""
        if self._tape is None:
            raise RuntimeError("gradient() needs a tape that has recorded (use `with`)")
        if self._used and not self._persistent:
            raise RuntimeError("a non-persistent GradientTape can compute gradients only once")
        self._used = True
        if _is_module(sources):
            named = list(sources.named_parameters())
            leaves = [p for _, p in named]
            rebuild = lambda gs: dict(zip([n for n, _ in named], gs))  # noqa: E731
        else:
            leaves, rebuild = _flatten(sources)
        if not isinstance(target, Tensor):
            raise TypeError(f"gradient() target must be a Tensor, got {type(target).__name__}")
        if output_gradients is None:
            _check_scalar(target)
        elif tuple(output_gradients.shape) != tuple(target.shape):
            raise ShapeError(f"output_gradients of shape {output_gradients.shape} do not "
                             f"match the target's shape {target.shape}")
        natives = _gradient(self._tape, target, leaves, output_gradients)
        grads = [_wrap(type(t), g, t._d) for t, g in zip(leaves, natives)]
        if not self._persistent:
            self._release()
        return rebuild(grads)

    def _release(self) -> None:
        for t, original in self._restore:
            t._n = original
        self._restore.clear()

    def __del__(self) -> None:
        # torch.compile may rebuild a tape made inside a compiled function without
        # running __init__ (its attributes live in the traced graph): nothing to undo then
        if getattr(self, "_restore", None):
            self._release()


# ---------------------------------------------------------------------------------------
# imperative


def backward(tensor: Tensor, gradient: Tensor | None = None, *, retain_graph: bool = False,
             create_graph: bool = False) -> None:
    """Accumulate ``d tensor / d leaf`` into ``leaf.grad`` for every leaf requiring
    gradients (PyTorch's ``Tensor.backward``); a non-scalar ``tensor`` needs ``gradient``.

    Afterwards the recorded computation is freed unless ``retain_graph``: on PyTorch the
    graph of ``tensor``; on TensorFlow everything recorded in this thread so far, so
    compute a second loss after the first ``backward()``, or pass ``retain_graph=True``.

    Example:
        >>> w = ut.tensor([1., 2.], requires_grad=True)
        >>> ut.sum(w * w).backward()
        >>> w.grad
        tensor([2., 4.], dtype=float32)
    """
    backend = type(tensor)._bk
    if gradient is None:
        # the element count from the shape's ints: ``tensor.size`` makes a Count (an int
        # subclass torch.compile cannot build), a graph break in every compiled step
        count = 1
        for n in backend.shape(tensor._n):
            count = -1 if n is None else count * n
        if count != 1:
            raise ShapeError(
                f"backward() of a tensor of shape {tensor.shape} needs a gradient argument "
                "of that shape (only one-element tensors have an implicit gradient)"
            )
        og = None
    else:
        if tuple(gradient.shape) != tuple(tensor.shape):
            raise ShapeError(f"gradient of shape {gradient.shape} does not match the tensor's "
                             f"shape {tensor.shape}")
        og = gradient._n
    if not backend.requires_grad(tensor._n):
        raise RuntimeError(backend.backward_refused(tensor._n) or (
            "backward(): the tensor does not require gradients (none of its inputs "
            "required them, or it was computed under no_grad)"))
    backend.backward(tensor._n, og, create_graph, retain_graph)


class _EveryBackend(contextlib.ContextDecorator):
    """Enter one context manager per loaded backend."""

    _factory = ""

    def __enter__(self) -> None:
        self._stack = contextlib.ExitStack()
        for b in list(_loaded.values()):
            self._stack.enter_context(getattr(b, self._factory)())

    def __exit__(self, *exc: Any) -> None:
        self._stack.__exit__(*exc)


class no_grad(_EveryBackend):
    """Record nothing inside this block (context manager or decorator), on every backend.

    Example:
        >>> with ut.no_grad():
        ...     y = model(x)  # doctest: +SKIP
    """

    _factory = "no_grad"


class enable_grad(_EveryBackend):
    """Record again inside a :class:`no_grad` block.

    Example:
        >>> x = ut.tensor([1.0, 2.0], requires_grad=True)
        >>> with ut.no_grad():
        ...     with ut.enable_grad():
        ...         y = ut.sum(x * x)
        >>> y.requires_grad
        True
    """

    _factory = "enable_grad"


# ---------------------------------------------------------------------------------------
# compiling


def compile(fn: Callable[..., Any] | None = None, *, disable: bool = False,
            fallback: bool = True, **backend_options: dict[str, Any]) -> Any:
    """``fn`` compiled by the active backend's compiler: ``tf.function`` on TensorFlow,
    ``torch.compile`` on PyTorch.  ``fn`` takes and returns tensors and nests of them (and
    other Python values, which are fixed at compile time); it may be a whole training
    step, including ``loss.backward()`` and ``optimizer.step()``.

    ``disable=True`` returns ``fn`` itself (eager, for debugging).  Options for one
    framework's compiler go in a keyword named after its backend, so one call serves
    both: ``ut.compile(step, torch={"mode": "reduce-overhead"},
    tensorflow={"jit_compile": True})``.  Usable as ``@ut.compile`` or ``@ut.compile(...)``.

    Errors: an error while the compiled function runs (an out-of-range index, found by a
    check compiled into the graph, raises :class:`IndexOutOfRangeError`) propagates once,
    as it would eagerly; the call is not run again and the function stays compiled.
    Code the compiler cannot trace (reading a tensor's value with ``float(t)``,
    ``t.item()``, ``t.numpy()``, ``if t > 0:``...) raises ``TypeError`` with
    ``fallback=False``.  With ``fallback=True`` (the default) it runs eagerly instead,
    with a ``RuntimeWarning``: on TensorFlow, which traces the whole function before
    running any of it, the whole function from then on; on PyTorch, which traces part by
    part, only the part that needs the value (a graph break), so nothing runs twice (and
    a part ``torch.compile`` itself fails to compile runs eagerly, logged by torch).

    Example:
        >>> @ut.compile
        ... def f(x):
        ...     return ut.sum(x * x)
        >>> f(ut.tensor([1., 2.]))
        tensor(5., dtype=float32)
    """
    unknown = set(backend_options) - {"torch", "tensorflow"}
    if unknown:
        raise TypeError(f"compile() got options for unknown backends {sorted(unknown)}; "
                        "name them torch= or tensorflow=")
    if fn is None:
        return lambda f: compile(f, disable=disable, fallback=fallback, **backend_options)
    if disable:
        return fn
    compiled: dict[str, Callable[..., Any]] = {}
    eager: set[str] = set()  # backends that could not trace fn

    def native_fn_for(backend: Backend) -> Callable[..., Any]:
        # the backend is bound here, not looked up while tracing: torch's compiler
        # cannot trace a ContextVar lookup and would break the graph at the start
        def native_fn(*args: Any, **kwargs: Any) -> Any:
            wrapped = _wrap_natives(args, backend), _wrap_natives(kwargs, backend)
            return _unwrap(fn(*wrapped[0], **wrapped[1]))

        return native_fn

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        backend = current()
        if backend.name in eager:
            return fn(*args, **kwargs)
        c = compiled.get(backend.name)
        if c is None:
            # the element-wise ops' tables filled now, not while the compiler traces
            from .ops._ufunc import bind_all

            bind_all(backend.Tensor)
            options = dict(backend_options.get(backend.name) or {})
            c = compiled[backend.name] = backend.compile(native_fn_for(backend), fallback,
                                                         **options)
        try:
            out = c(*_unwrap(args), **_unwrap(kwargs)) if args or kwargs else c()
        except TraceFailure as failure:
            # raised only when tracing failed before any of this call ran: running the
            # call eagerly repeats nothing
            e = failure.error
            if not fallback:
                raise e from None
            warnings.warn(f"ut.compile: {backend.name} could not trace "
                          f"{getattr(fn, '__name__', fn)!r} ({type(e).__name__}: {e}); "
                          "running it eagerly from now on", RuntimeWarning, stacklevel=2)
            eager.add(backend.name)
            return fn(*args, **kwargs)
        return _wrap_natives(out, backend)

    return wrapper


def _unwrap(tree: Any) -> Any:
    """Tensors in a nest replaced by their natives (what the framework's compiler traces)."""
    if isinstance(tree, Tensor):
        return tree._n
    if isinstance(tree, dict):
        return type(tree)((k, _unwrap(v)) for k, v in tree.items())
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_unwrap(v) for v in tree)
    return tree


def _wrap_natives(tree: Any, backend: Backend | None = None) -> Any:
    """Natives in a nest wrapped as Tensors of ``backend`` (default: the active one)."""
    b = backend or current()
    if isinstance(tree, b.native_types):
        return b.wrap(tree)
    if isinstance(tree, dict):
        return type(tree)((k, _wrap_natives(v, b)) for k, v in tree.items())
    if isinstance(tree, (list, tuple)) and not hasattr(tree, "_fields"):
        return type(tree)(_wrap_natives(v, b) for v in tree)
    return tree
