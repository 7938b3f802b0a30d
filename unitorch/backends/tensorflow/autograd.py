"""The TensorFlow backend's ``autograd`` section, and the one home of the "ambient tape".

TensorFlow records gradients only inside a ``tf.GradientTape``.  For PyTorch's imperative
style (``loss.backward()``), unitorch keeps one persistent "ambient" tape open in each
thread that has created a tensor requiring gradients, and one per traced function
(:class:`_Ambient`, the ``_ambient`` instance; :meth:`_Ambient.run_compiled` is how a
compiled training step treats it).  An open tape costs every eager op a few
microseconds, so threads without trainable tensors never get one, and unitorch's own
tapes pause it (see :class:`_TFTape`).
"""

from __future__ import annotations

import collections
import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import Any

import tensorflow as tf
from tensorflow.python import pywrap_tfe as _pywrap_tfe  # the tapes' on/off switches
from tensorflow.python.eager import record as _record
from tensorflow.python.ops import resource_variable_ops as _resource_variable_ops

from ...errors import BACKWARD_FREED
from ..contract import GradTape, Native
from .core import raw


class AutogradOps:
    """The contract's ``autograd`` section."""

    @staticmethod
    def requires_grad(x):
        if isinstance(x, tf.Variable):
            # TensorFlow makes every variable trainable by default, integer ones too,
            # but no tape differentiates integers: those require no gradients
            return x.trainable and (x.dtype.is_floating or x.dtype.is_complex)
        return bool(_record.should_record_backprop([x]))

    def set_requires_grad(self, x, flag):
        if isinstance(x, tf.Variable):
            # a variable stays one (parameters must remain assignable); only its
            # trainability changes, which is what tapes look at
            was = x.trainable
            x._trainable = bool(flag)
            if flag:
                _ambient.ensure()
            elif was:
                _ambient.forget_watched()  # an open tape would keep recording it
            return x
        if flag:
            _ambient.ensure()
            return tf.Variable(x, trainable=True)
        return tf.stop_gradient(x)

    def variable(self, x, trainable):
        if trainable:
            _ambient.ensure()
        value = x.read_value() if isinstance(x, tf.Variable) else x
        with tf.init_scope():  # parameters made while tracing are still created eagerly
            return tf.Variable(value, trainable=trainable)

    detach = staticmethod(tf.stop_gradient)
    no_grad = staticmethod(_record.stop_recording)

    @staticmethod
    def enable_grad():
        return _resume_recording()

    @staticmethod
    def tape(persistent, watch_accessed_variables):
        return _TFTape(persistent, watch_accessed_variables)

    @staticmethod
    def backward(target, output_gradient, create_graph, retain_graph):
        _ambient.backward(target, output_gradient, create_graph)
        if not (retain_graph or create_graph):
            # like PyTorch freeing the graph: drop what the eager ambient tape recorded
            # (and the variables it watched), so it never grows without bound
            _ambient.forget_watched()
            _ambient.freed.append(weakref.ref(target))
            if _ambient.ran_backward and not tf.executing_eagerly():
                _ambient.ran_backward[-1].append(True)  # (see compile)

    @staticmethod
    def backward_refused(x):
        if any(r() is x for r in _ambient.freed):
            return BACKWARD_FREED
        if not _ambient.stack and _ambient.trainable_anywhere:
            return _NOTHING_RECORDED
        if _ambient.freed:
            return ("backward(): the tensor does not require gradients: none of its inputs "
                    "required them, it was computed under no_grad, or it was computed "
                    "before an earlier backward() in this thread, which on the TensorFlow "
                    "backend frees everything recorded so far (pass retain_graph=True to "
                    "that backward(), or compute the tensor after it)")
        return None

    @staticmethod
    def custom_gradient(forward, backward, inputs):
        # variables are read outside the custom op (a recorded read): inside it, a
        # variable would count as one the function captured, whose gradient
        # tf.custom_gradient asks for separately
        values = [x.read_value() if isinstance(x, tf.Variable) else x for x in inputs]

        @tf.custom_gradient
        def op(*xs):
            with _record.stop_recording():
                outputs, saved = forward(list(xs))

            def grad(*dys, variables=None):
                dys = [tf.zeros_like(y) if dy is None else dy for y, dy in zip(outputs, dys)]
                grads = backward(saved, dys)
                grads = [tf.zeros_like(x) if g is None else g for x, g in zip(xs, grads)]
                if variables:  # variables forward() read besides its inputs get none,
                    return grads, [None] * len(variables)  # as PyTorch's Function
                return grads

            return list(outputs), grad

        return list(op(*values))

    @staticmethod
    def get_grad(x):
        return _read_grad(x)

    @staticmethod
    def set_grad(x, grad):
        if not isinstance(x, tf.Variable):
            raise TypeError("only leaves that require gradients hold a gradient")
        x._unitorch_grad = grad
        if not tf.executing_eagerly():
            _ambient.set_traced(x, grad)  # (None too: a step ending in zero_grad())

    @staticmethod
    def imperative_gradient(targets, sources, output_gradients, retain_graph, create_graph):
        grads = _ambient.gradient(list(targets), list(sources), list(output_gradients),
                                  create_graph)
        if not (retain_graph or create_graph):
            _ambient.forget_watched()  # as backward() does
        return grads

    @staticmethod
    def is_leaf(x):
        return isinstance(x, tf.Variable) or not _record.should_record_backprop([x])

    def grad_fn(self, x):
        return None if self.is_leaf(x) else _RECORDED

    @staticmethod
    def is_grad_enabled():
        return not _pywrap_tfe.TFE_Py_TapeSetIsStopped()

    @staticmethod
    def set_grad_enabled(flag):
        if flag:
            _pywrap_tfe.TFE_Py_TapeSetRestartOnThread()
        else:
            _pywrap_tfe.TFE_Py_TapeSetStopOnThread()

    @staticmethod
    def retain_grad(x):
        if not isinstance(x, tf.Variable):  # leaves keep their gradient anyway
            _ambient.retained[id(x)] = x

    @staticmethod
    def register_hook(x, hook):
        hooks = getattr(x, "_unitorch_hooks", None)
        out = x
        if hooks is None:
            hooks = x._unitorch_hooks = [] if isinstance(x, tf.Variable) else None
        if hooks is None:
            # A recorded graph cannot be changed afterwards: later uses of a non-leaf go
            # through one identity whose gradient runs its hooks, in registration order
            hooks = []
            out = _hooked_identity(x, hooks)
            out._unitorch_hooks = hooks
        key = object()
        hooks.append((key, hook))

        def remove() -> None:
            hooks[:] = [h for h in hooks if h[0] is not key]

        return out, remove

    @staticmethod
    def data_alias(x):
        if not isinstance(x, tf.Variable):
            return tf.stop_gradient(x)
        alias = getattr(x, "_unitorch_data", None)
        if alias is None:
            # a second, non-trainable Python variable over the same resource: writes
            # through it are writes to x, and reading it records nothing
            with tf.init_scope():
                alias = _resource_variable_ops.BaseResourceVariable(
                    trainable=False, shape=x.shape, dtype=x.dtype, handle=x.handle,
                    unique_id=x._unique_id, handle_name=x._handle_name,
                    in_graph_mode=False)
            x._unitorch_data = alias
        return alias

    @staticmethod
    def set_data(x, value):
        if not isinstance(x, tf.Variable):
            return tf.stop_gradient(value)
        if tuple(x.shape) == tuple(value.shape):
            x.assign(value)
            return x
        with tf.init_scope():
            new = tf.Variable(value, trainable=x.trainable)
        for name in ("_unitorch_hooks",):
            if hasattr(x, name):
                setattr(new, name, getattr(x, name))
        return new


class _Ambient(threading.local):
    """The per-thread stack of ambient persistent tapes used by ``backward()``."""

    #: whether some thread has a tensor requiring gradients (shared by every thread)
    trainable_anywhere = False

    def __init__(self) -> None:
        self.stack: list[tf.GradientTape] = []
        # the targets of the last backward() calls that freed what was recorded
        self.freed: collections.deque[weakref.ref] = collections.deque(maxlen=8)
        self.paused = 0  # unitorch tapes open in this thread (they pause the ambient ones)
        self.traced_grads: list[dict[int, tuple[Any, Any]]] = []  # per function traced
        self.ran_backward: list[list[bool]] = []  # per function traced
        self.retained: dict[int, Any] = {}  # non-leaves whose gradient backward() keeps

    @staticmethod
    def _open() -> tf.GradientTape:
        tape = tf.GradientTape(persistent=True, watch_accessed_variables=True)
        tape.__enter__()
        return tape

    def forget_watched(self) -> None:
        """Reopen this thread's eager ambient tape, dropping what it recorded and the
        variables it watched (which it would otherwise keep alive and keep recording)."""
        if self.stack and tf.executing_eagerly() and self.paused == 0:
            self.retained.clear()
            old = self.stack.pop(0)
            old.__exit__(None, None, None)
            self.stack.insert(0, self._open())

    def close_eager(self) -> bool:
        """Close this thread's eager ambient tape (dropping what it recorded) unless a
        unitorch tape has paused it; whether it was closed (reopen it with ``_open``)."""
        if self.stack and self.paused == 0:
            self.stack.pop(0).__exit__(None, None, None)
            return True
        return False

    def ensure(self) -> None:
        """Open the eager ambient tape of this thread if it has none."""
        _Ambient.trainable_anywhere = True
        if not self.stack and tf.executing_eagerly():
            self.stack.append(self._open())

    @contextlib.contextmanager
    def for_trace(self):
        """An ambient tape for a function being traced; gradients that ``backward()``
        leaves on variables inside it are written, at the end of the function, into
        per-variable gradient variables, so ``p.grad`` still holds them after each call."""
        tape = self._open()
        self.stack.append(tape)
        self.traced_grads.append({})
        ran_backward: list[bool] = []
        self.ran_backward.append(ran_backward)
        try:
            yield ran_backward  # non-empty once the function has run backward()
        finally:
            self.ran_backward.pop()
            self.stack.remove(tape)
            tape.__exit__(None, None, None)
            for v, g in self.traced_grads.pop().values():
                if g is None:  # the function ends with the gradient cleared
                    continue
                store = getattr(v, "_unitorch_grad_store", None)
                if store is None:
                    store = _own_variable(lambda v=v: tf.zeros(v.shape, v.dtype))
                    v._unitorch_grad_store = store
                store.assign(g)
                v._unitorch_grad = store

    def run_compiled(self, function: Callable[..., Any], steps: list[bool],
                     args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Call ``function`` (made by ``compile``; ``steps`` is non-empty once a trace of it
        has run ``backward()``).  A function that runs backward() (a training step)
        differentiates what it computes, which, as an eager backward() does, frees what
        the thread's ambient tape has recorded.  So that tape is emptied, and closed during
        the call: recording a function call makes TensorFlow run a variant of it that keeps
        what its gradient would need (~2x slower for a small MLP step)."""
        if not steps or not tf.executing_eagerly():
            out = function(*args, **kwargs)
            if steps:  # this call traced it
                self.forget_watched()
            return out
        closed = self.close_eager()
        try:
            return function(*args, **kwargs)
        finally:
            if closed:
                self.stack.insert(0, self._open())

    def set_traced(self, v, g) -> None:
        if self.traced_grads:
            self.traced_grads[-1][id(v)] = (v, g)

    def gradient(self, targets, sources, output_gradients, create_graph):
        """``torch.autograd.grad`` on this thread's ambient tape."""
        if not self.stack:
            raise RuntimeError("grad(): nothing was recorded in this thread (see backward())")
        tape = self.stack[-1]
        output_gradients = [tf.ones_like(t) if g is None else g
                            for t, g in zip(targets, output_gradients)]
        pause = contextlib.nullcontext() if create_graph else tape.stop_recording()
        with pause:
            grads = tape.gradient(targets, sources, output_gradients=output_gradients)
        return [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                for g in grads]

    def backward(self, target, output_gradient, create_graph):
        if not self.stack:
            raise RuntimeError(_NOTHING_RECORDED)
        tape = self.stack[-1]
        sources = [v for v in tape.watched_variables() if v.trainable]
        if not sources:
            raise RuntimeError("backward(): the target does not depend on any tensor that "
                               "requires gradients")
        sources += self.retained.values()
        def pause():
            return contextlib.nullcontext() if create_graph else tape.stop_recording()

        with pause():
            grads = tape.gradient(target, sources, output_gradients=output_gradient)
        for v, g in zip(sources, grads):
            if g is None:
                continue
            if isinstance(g, tf.IndexedSlices):  # sparse gradients of gathers
                g = tf.convert_to_tensor(g)
            hooks = getattr(v, "_unitorch_hooks", None) if isinstance(v, tf.Variable) else None
            if hooks:  # a leaf's hooks see its gradient before it is accumulated
                with pause():
                    g = _run_hooks(hooks, g)
            old = _read_grad(v)
            g = g if old is None else raw.AddV2(x=old, y=g)
            v._unitorch_grad = g
            if not tf.executing_eagerly():
                self.set_traced(v, g)

class _Recorded:
    """``grad_fn`` of a recorded result on TensorFlow: the tape keeps no per-tensor node,
    so this marker only says that one exists."""

    @staticmethod
    def name() -> str:
        return "RecordedByGradientTape"

    def __repr__(self) -> str:
        return "<recorded by tf.GradientTape>"


_RECORDED = _Recorded()


def _run_hooks(hooks: list[tuple[object, Callable[[Any], Any]]], g: Any) -> Any:
    for _, hook in list(hooks):
        out = hook(g)
        if out is not None:
            g = out
    return g


def _hooked_identity(x: Any, hooks: list[tuple[object, Callable[[Any], Any]]]) -> Any:
    @tf.custom_gradient
    def identity(t):
        def gradient(g):
            return _run_hooks(hooks, g)

        return tf.identity(t), gradient

    return identity(x)


def _own_variable(initial_value: Callable[[], Any]) -> tf.Variable:
    """A non-trainable variable created eagerly, also while a function is traced, that
    the traced ``tf.function`` does not count as its own.  A ``tf.function`` whose first
    trace creates variables (through ``tf.Variable``, which it intercepts) traces the
    function a second time for its later calls; unitorch's optimizer state and gradient
    stores, created on first use and then reused, need no second trace, and constructing
    ``ResourceVariable`` directly bypasses that interception."""
    with tf.init_scope():
        return _resource_variable_ops.ResourceVariable(initial_value(), trainable=False)


def _read_grad(v: Any) -> Any:
    """The gradient stored on variable ``v``: a tensor, or the value of its gradient
    variable (written by a compiled function), or ``None``."""
    g = getattr(v, "_unitorch_grad", None)
    if isinstance(g, tf.Variable):
        return g.read_value()
    return g


_ambient = _Ambient()

_NOTHING_RECORDED = (
    "backward(): nothing was recorded in this thread. On the TensorFlow backend operations "
    "are recorded from the moment a tensor requiring gradients (a Parameter, or "
    "x.requires_grad_()) exists in the thread; create the model in the thread that trains "
    "it, or use ut.grad / ut.GradientTape, which work in any thread")


@contextlib.contextmanager
def _resume_recording():
    """``enable_grad``: undo a ``no_grad`` pause of this thread's tapes for a while."""
    stopped = _pywrap_tfe.TFE_Py_TapeSetIsStopped()
    if stopped:
        _pywrap_tfe.TFE_Py_TapeSetRestartOnThread()
    try:
        yield
    finally:
        if stopped:
            _pywrap_tfe.TFE_Py_TapeSetStopOnThread()


class _TFTape(GradTape):
    """``tf.GradientTape``, with the ambient tapes paused while it records."""

    def __init__(self, persistent: bool, watch_accessed_variables: bool) -> None:
        self._tape = tf.GradientTape(persistent=persistent,
                                     watch_accessed_variables=watch_accessed_variables)
        self._pauses: list[Any] = []

    def __enter__(self) -> _TFTape:
        # record once, in this tape, not also in the ambient ones (unless an enclosing
        # unitorch tape has paused them already)
        if _ambient.paused == 0:
            for outer in _ambient.stack:
                pause = outer.stop_recording()
                pause.__enter__()
                self._pauses.append(pause)
        _ambient.paused += 1
        self._tape.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._tape.__exit__(*exc)
        _ambient.paused -= 1
        while self._pauses:
            self._pauses.pop().__exit__(None, None, None)

    def watch(self, x: Native) -> Native:
        self._tape.watch(x)
        return x

    def gradient(self, target, sources, output_gradient, create_graph):
        grads = self._tape.gradient(target, list(sources), output_gradients=output_gradient,
                                    unconnected_gradients=tf.UnconnectedGradients.ZERO)
        return [tf.convert_to_tensor(g) if isinstance(g, tf.IndexedSlices) else g
                for g in grads]

    def stop_recording(self):
        return self._tape.stop_recording()

