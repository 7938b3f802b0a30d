"""The TensorFlow backend's ``optim`` section: hyperparameter holders, optimizer state, and
how the update rules of ``unitorch/optim/`` run.

The rules (written once, in ``unitorch/optim/<name>.py``, with the contract's
primitives) form every scalar coefficient in float64, from float64 hyperparameter
variables, and round it once to the parameter's dtype, as PyTorch does with Python
floats.  TensorFlow's own fused kernels do not compute PyTorch's rules: ``ApplyAdam``
(like Keras) takes beta2 in the parameter's dtype and forms 1 - beta2 in it (in float32,
1 - 0.999 is off by 1.3e-5 relative, so the second moment drifts from PyTorch's), and
``ApplyRMSProp`` adds eps inside the square root and keeps lr inside the momentum
buffer; so this backend has no fused kernels.  Eagerly, a rule runs as one cached
``tf.function`` per rule and structure (its ~15 small ops per parameter cost ~10 us each
when dispatched one by one); while tracing, its ops are inlined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf
from tensorflow.python.eager import record as _record

from .autograd import _own_variable
from .core import _DTYPES, _Cache, _remembered, _tf_device, raw


class OptimOps:
    """The contract's ``optim`` section."""

    @staticmethod
    def hyperparameter(value):
        return _Hyper(float(value))

    @staticmethod
    def set_hyperparameter(holder, value):
        holder.value = float(value)
        holder.var.assign(holder.value)

    @staticmethod
    def hyperparameter_value(holder):
        # (inside run_update's functions the holders are their variables already)
        var = holder.var if isinstance(holder, _Hyper) else holder
        return raw.ReadVariableOp(resource=var.handle, dtype=tf.float64)

    def state_variable(self, shape, fill_value, dtype, device):
        nd = _DTYPES[dtype]
        with tf.device(_tf_device(device) or self._default_device_name()):
            return _own_variable(lambda: tf.fill(shape, tf.constant(fill_value, nd)))

    @staticmethod
    def run_eagerly(fn, *args):
        with tf.init_scope():
            return fn(*args)

    def run_update(self, rule, static, *args):
        # The holders go in as their variables: a tf.function takes variables as inputs
        # (and reads them on every run) but would trace anew for each Python object.
        args = tuple({k: h.var for k, h in a.items()} if isinstance(a, dict) else a
                     for a in args)
        with _record.stop_recording():
            if not tf.executing_eagerly():
                rule(self, static, *args)
                return

            # one function per rule and structure (see _Update)
            _remembered(_UPDATES, (rule, static), lambda: _Update(self, rule, static))(*args)


class _Hyper:
    """An optimizer hyperparameter: its Python value, and a float64 variable that
    compiled functions read when they run."""

    __slots__ = ("value", "var")

    def __init__(self, value: float) -> None:
        self.value = value
        with tf.init_scope():
            self.var = tf.Variable(value, dtype=tf.float64, trainable=False)


class _Update:
    """One rule and structure's update as a ``tf.function``, over parameters of any shape.

    A ``tf.function`` keeps a graph per argument signature, and TensorFlow's runtime keeps
    a specialized instance of a graph per input shapes: 300 discarded Adam models of
    different shapes made 300 traces (+611 MiB, with retracing warnings).  Traces are
    shared across shapes (``reduce_retracing``: after the first retrace the graph takes
    any shape of the same rank), and after :data:`_MAX_SHAPES` distinct parameter shapes
    the function is replaced by a new one, freeing what the old one kept.
    """

    __slots__ = ("_backend", "_rule", "_static", "_fn", "_shapes", "_last")

    def __init__(self, backend: Any, rule: Callable[..., None], static: Any) -> None:
        self._backend, self._rule, self._static = backend, rule, static
        self._fn = self._new()
        self._shapes: set[tuple[Any, ...]] = set()
        self._last = 0  # id of the first parameter of the last call (ids only: no refs)

    def _new(self) -> Callable[..., None]:
        backend, rule, static = self._backend, self._rule, self._static

        def run(*a: Any) -> None:
            rule(backend, static, *a)

        return tf.function(run, autograph=False, reduce_retracing=True)

    def __call__(self, params: list[Any], *args: Any) -> None:
        first = id(params[0]) if params else 0
        if first != self._last:  # another parameter list: maybe new shapes
            self._last = first
            shapes = tuple(tuple(p.shape) for p in params)
            if shapes not in self._shapes:
                if len(self._shapes) >= _MAX_SHAPES:
                    self._fn, self._shapes = self._new(), set()
                self._shapes.add(shapes)
        self._fn(params, *args)


_MAX_SHAPES = 32  # distinct parameter shapes one update function runs on before renewal

# one _Update per rule and structure (each bounded by _MAX_SHAPES)
_UPDATES = _Cache(1 << 30)
