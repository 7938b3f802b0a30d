"""``keras.optimizers.Optimizer``: Keras 3's optimizer API and update machinery.

* ``apply_gradients(zip(grads, variables))`` (or ``apply(grads, variables)``) updates the
  variables in place and adds 1 to ``iterations`` (an int64 0-d variable); gradients
  that are ``None`` are skipped.  The first call builds the optimizer for the
  variables it is given (its slot variables: moments, accumulators...), which must
  then be the same on every call (Keras's rule).
* ``learning_rate`` is a float32 variable, read by every update (assign a new float to
  change it, also between compiled steps), or a
  :class:`~unitorch.keras.optimizers.schedules.LearningRateSchedule` evaluated at
  ``iterations`` before each update.
* Before the update, in Keras's order: gradients are clipped (``clipnorm`` per
  variable, ``global_clipnorm`` over all of them, or ``clipvalue``; at most one), then
  weight decay ``v = v - v * weight_decay * lr`` is applied to every variable
  (decoupled, before the update), then each variable's ``update_step``.
* The state lives in backend variables updated in place, so an optimizer steps inside
  a compiled function (``tf.function``, ``ut.compile``) on every backend.  Slot
  variables are created eagerly even while a compiled function is traced.

For ``ut.fit``/``model.fit`` an optimizer also has unitorch's optimizer interface
(``zero_grad``, ``step`` from the variables' ``.grad``, ``state_dict``,
``load_state_dict``) once built.

Not supported (``NotImplementedError``): ``use_ema``, ``loss_scale_factor``,
``gradient_accumulation_steps``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ... import dtypes as dt
from ...tensor import Tensor, _wrap
from .._core import as_tensor, assign, snake_case, unsupported
from .schedules import LearningRateSchedule

__all__ = ["Optimizer"]


def _ut() -> Any:
    import unitorch

    return unitorch


def _new_variable(backend: Any, shape: tuple[int, ...], fill: float, d: dt.DType,
                  device: Any) -> Tensor:
    """A state variable created eagerly, also while a compiled function is traced."""
    return _wrap(backend.Tensor, backend.state_variable(tuple(shape), fill, d, device), d)


class Optimizer:
    """Base class of Keras optimizers: subclasses define ``build(variables)`` (slot
    variables, through :meth:`add_variable_from_reference`) and ``update_step(gradient,
    variable, learning_rate)`` (one variable's update, written with unitorch ops and
    :meth:`assign`/:meth:`assign_add`/:meth:`assign_sub`).

    Example:
        >>> import unitorch.keras as keras
        >>> class PlainGD(keras.optimizers.Optimizer):
        ...     def update_step(self, gradient, variable, learning_rate):
        ...         self.assign_sub(variable, gradient * learning_rate)
        >>> w = ut.nn.Parameter(ut.tensor([1.0]))
        >>> opt = PlainGD(learning_rate=0.5)
        >>> _ = opt.apply_gradients([(ut.tensor([1.0]), w)])
        >>> w
        tensor([0.5], dtype=float32)
    """

    def __init__(self, learning_rate: Any, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, use_ema: bool = False,
                 ema_momentum: float = 0.99, ema_overwrite_frequency: int | None = None,
                 loss_scale_factor: float | None = None,
                 gradient_accumulation_steps: int | None = None, name: str | None = None,
                 **kwargs: Any) -> None:
        if kwargs:
            if "lr" in kwargs:
                raise ValueError("Argument `lr` is no longer supported. Use `learning_rate` "
                                 "instead.")
            raise ValueError(f"Argument(s) not recognized: {kwargs}")
        if use_ema:
            raise unsupported("Optimizer(use_ema=True)")
        if loss_scale_factor is not None:
            raise unsupported("Optimizer(loss_scale_factor=...)")
        if gradient_accumulation_steps:
            raise unsupported("Optimizer(gradient_accumulation_steps=...)",
                              "accumulate gradients in the training loop")
        if sum(a is not None for a in (clipnorm, clipvalue, global_clipnorm)) > 1:
            raise ValueError(f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can "
                             f"be set. Received: clipnorm={clipnorm}, clipvalue={clipvalue}, "
                             f"global_clipnorm={global_clipnorm}")
        self.name = name or snake_case(type(self).__name__)
        self.weight_decay = weight_decay
        self.clipnorm, self.clipvalue, self.global_clipnorm = clipnorm, clipvalue, \
            global_clipnorm
        self.use_ema, self.ema_momentum = False, ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = None
        self.gradient_accumulation_steps = None
        self.built = False
        self._backend: Any = None
        self._iterations: Tensor | None = None
        self._lr_var: Tensor | None = None
        self._variables: list[Tensor] = []      # slot variables, in creation order
        self._trainable_variables: list[Tensor] = []
        self._index: dict[int, int] = {}
        self._exclude: set[int] = set()
        self._updating = False
        self._step_cache: dict[Any, Any] = {}  # per-step values shared by the variables
        if isinstance(learning_rate, LearningRateSchedule):
            self._schedule: LearningRateSchedule | None = learning_rate
            self._initial_lr = None
        elif callable(learning_rate):
            raise unsupported("a callable learning_rate", "use a LearningRateSchedule")
        else:
            self._schedule = None
            self._initial_lr = float(learning_rate)

    # -- state --------------------------------------------------------------------------

    def _ensure_backend(self) -> Any:
        if self._backend is None:
            from ...backends import current
            from ...ops.creation import get_default_device

            backend = current()
            self._backend = backend
            self._device = get_default_device(backend)
            self._iterations = _new_variable(backend, (), 0, dt.int64, self._device)
            if self._schedule is None:
                self._lr_var = _new_variable(backend, (), self._initial_lr, dt.float32,
                                             self._device)
        return self._backend

    @property
    def iterations(self) -> Tensor:
        """The number of updates made (an int64 0-d variable).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.optimizers.SGD().iterations
            tensor(0, dtype=int64)
        """
        self._ensure_backend()
        return self._iterations

    @property
    def learning_rate(self) -> Tensor:
        """The learning rate the next update uses (a float32 0-d tensor: the variable
        itself, or the schedule's value at ``iterations``); assign a float to change it.

        Example:
            >>> import unitorch.keras as keras
            >>> opt = keras.optimizers.Adam()
            >>> opt.learning_rate = 0.01
            >>> float(opt.learning_rate)
            0.009999999776482582
        """
        self._ensure_backend()
        if self._schedule is not None:
            return self._schedule(self._iterations)
        return self._lr_var

    @learning_rate.setter
    def learning_rate(self, value: Any) -> None:
        if isinstance(value, LearningRateSchedule):
            self._schedule, self._lr_var = value, None
            return
        if self._schedule is not None:
            raise TypeError("This optimizer was created with a `LearningRateSchedule` object "
                            "as its `learning_rate` constructor argument, hence its learning "
                            "rate is not settable. If you need the learning rate to be "
                            "settable, you should instantiate the optimizer with a float "
                            "`learning_rate` argument.")
        self._ensure_backend()
        assign(self._lr_var, float(value))

    lr = learning_rate

    @property
    def variables(self) -> list[Tensor]:
        """``iterations``, the learning-rate variable (unless scheduled), then the slot
        variables in creation order (Keras's order).

        Example:
            >>> import unitorch.keras as keras
            >>> len(keras.optimizers.SGD().variables)
            2
        """
        self._ensure_backend()
        out = [self._iterations]
        if self._lr_var is not None:
            out.append(self._lr_var)
        return out + list(self._variables)

    # -- building -----------------------------------------------------------------------

    def build(self, variables: list[Tensor]) -> None:
        """Register the variables this optimizer updates; subclasses create their slot
        variables here (after calling this).

        Example:
            >>> import unitorch.keras as keras
            >>> w = ut.nn.Parameter(ut.zeros(3))
            >>> opt = keras.optimizers.Adam()
            >>> opt.build([w])
            >>> len(opt.variables)  # iterations, learning_rate, momentum, velocity
            4
        """
        self._ensure_backend()
        self._trainable_variables = list(variables)
        self._index = {id(v): i for i, v in enumerate(self._trainable_variables)}
        self.built = True

    def add_variable_from_reference(self, reference_variable: Tensor, name: str | None = None,
                                    initializer: Any = "zeros") -> Tensor:
        """A slot variable shaped like ``reference_variable``, filled by ``initializer``
        (``"zeros"``, ``"ones"`` or a number).

        Example:
            >>> import unitorch.keras as keras
            >>> opt = keras.optimizers.SGD()
            >>> opt.add_variable_from_reference(ut.nn.Parameter(ut.ones(2))).shape
            (2,)
        """
        backend = self._ensure_backend()
        fill = {"zeros": 0.0, "ones": 1.0}.get(initializer, initializer) if isinstance(
            initializer, str) else initializer
        if not isinstance(fill, (int, float)):
            fill = float(getattr(initializer, "value", 0.0))
        var = _new_variable(backend, tuple(reference_variable.shape), float(fill),
                            reference_variable.dtype, reference_variable.device)
        self._variables.append(var)
        return var

    def add_optimizer_variables(self, variables: list[Tensor], name: Any,
                                initializer: Any = "zeros") -> Any:
        """One slot per variable (a list), or one list per name when ``name`` is a list.

        Example:
            >>> import unitorch.keras as keras
            >>> opt = keras.optimizers.SGD()
            >>> len(opt.add_optimizer_variables([ut.nn.Parameter(ut.ones(2))], "m"))
            1
        """
        names = [name] if isinstance(name, str) else list(name)
        lists: list[list[Tensor]] = [[] for _ in names]
        for v in variables:  # Keras creates a variable's slots together
            for i in range(len(names)):
                lists[i].append(self.add_variable_from_reference(v, names[i], initializer))
        return lists[0] if isinstance(name, str) else tuple(lists)

    def _get_variable_index(self, variable: Tensor) -> int:
        return self._index[id(variable)]

    def exclude_from_weight_decay(self, var_list: list[Tensor] | None = None,
                                  var_names: list[str] | None = None) -> None:
        """Apply no weight decay to these variables (before the first update).

        Example:
            >>> import unitorch.keras as keras
            >>> bias = ut.nn.Parameter(ut.zeros(2))
            >>> keras.optimizers.AdamW().exclude_from_weight_decay(var_list=[bias])
        """
        if self.built:
            raise ValueError("`exclude_from_weight_decay()` can only be configured before "
                             "the optimizer is built.")
        if var_names:
            raise unsupported("exclude_from_weight_decay(var_names=...)",
                              "pass the variables: var_list=[layer.bias, ...]")
        self._exclude = {id(v) for v in var_list or []}

    # -- updating -----------------------------------------------------------------------

    def assign(self, variable: Tensor, value: Any) -> None:
        """``variable = value``, in place (no gradient recorded)."""
        if self._updating and isinstance(value, Tensor) and value._d is variable._d:
            variable._n = type(variable)._bk.assign(variable._n, value._n)
        else:
            assign(variable, value)

    def assign_add(self, variable: Tensor, value: Any) -> None:
        """``variable += value``, in place."""
        self.assign(variable, variable + value)

    def assign_sub(self, variable: Tensor, value: Any) -> None:
        """``variable -= value``, in place."""
        self.assign(variable, variable - value)

    def _fused_update(self, grads: list[Tensor], variables: list[Tensor],
                      learning_rate: Tensor) -> bool:
        """Update every variable at once through a backend's fused kernel, where a
        subclass can (then ``True``); ``False`` runs :meth:`update_step` per variable."""
        return False

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        """One variable's update (subclasses)."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step()")

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Tensor]]) -> Tensor:
        """Update each variable with its gradient (see the module docstring); returns
        ``iterations``.

        Example:
            >>> import unitorch.keras as keras
            >>> w = ut.nn.Parameter(ut.tensor([1.0, 2.0]))
            >>> opt = keras.optimizers.SGD(learning_rate=0.1)
            >>> with ut.GradientTape() as tape:
            ...     loss = ut.sum(w * w)
            >>> grads = tape.gradient(loss, [w])
            >>> _ = opt.apply_gradients(zip(grads, [w]))
            >>> w
            tensor([0.8, 1.6], dtype=float32)
        """
        pairs = list(grads_and_vars)
        if not pairs:
            return self.iterations
        grads, variables = zip(*pairs)
        self.apply(list(grads), list(variables))
        return self._iterations

    def apply(self, grads: list[Any], trainable_variables: list[Tensor] | None = None) -> None:
        """Update ``trainable_variables`` (default: those the optimizer was built for)
        with ``grads``.

        Example:
            >>> import unitorch.keras as keras
            >>> w = ut.nn.Parameter(ut.tensor([1.0]))
            >>> keras.optimizers.SGD(learning_rate=1.0).apply([ut.tensor([0.5])], [w])
            >>> w
            tensor([0.5], dtype=float32)
        """
        from ...autograd import no_grad

        if len(grads) == 0:
            return
        if trainable_variables is None:
            if not self.built:
                raise ValueError("When passing `grads` without `variables`, the optimizer "
                                 "must already be built on a list of variables. Call "
                                 "`optimizer.build(trainable_variables)` first. ")
            trainable_variables = self._trainable_variables
        else:
            trainable_variables = list(trainable_variables)
            if not self.built:
                self.build(trainable_variables)
            unknown = [v for v in trainable_variables if id(v) not in self._index]
            if unknown:
                raise ValueError(f"Unknown variable: {unknown[0].shape}. This optimizer can "
                                 "only be called for the variables it was originally built "
                                 "with. When working with a new set of variables, you should "
                                 "recreate a new optimizer instance.")
        if len(grads) != len(trainable_variables):
            raise ValueError(f"{len(grads)} gradients for {len(trainable_variables)} variables")
        pairs = [(as_tensor(g) if not isinstance(g, Tensor) else g, v)
                 for g, v in zip(grads, trainable_variables) if g is not None]
        if not pairs:
            raise ValueError("No gradients provided for any variable.")
        with no_grad():
            self._updating = True
            self._step_cache.clear()
            try:
                grads = self._clip([g for g, _ in pairs])
                variables = [v for _, v in pairs]
                lr = self.learning_rate
                if self.weight_decay is not None:
                    for v in variables:
                        if id(v) not in self._exclude:
                            wd = float(self.weight_decay)
                            self.assign(v, v - v * wd * _as_dtype(lr, v.dtype))
                grads = [g if g.dtype is v.dtype else _ut().astype(g, v.dtype)
                         for g, v in zip(grads, variables)]
                if not self._fused_update(grads, variables, lr):
                    for g, v in zip(grads, variables):
                        self.update_step(g, v, _as_dtype(lr, v.dtype))
                self.assign(self._iterations, self._iterations + 1)
            finally:
                self._updating = False
                self._step_cache.clear()

    def _clip(self, grads: list[Tensor]) -> list[Tensor]:
        ut = _ut()
        if self.clipnorm and self.clipnorm > 0:
            out = []
            for g in grads:
                l2sum = ut.sum(g * g)
                l2norm = ut.sqrt(ut.where(l2sum > 0, l2sum, ut.ones_like(l2sum)))
                l2norm = ut.where(l2sum > 0, l2norm, l2sum)
                out.append(g * self.clipnorm / ut.maximum(l2norm, ut.asarray(
                    float(self.clipnorm), dtype=l2norm.dtype)))
            return out
        if self.global_clipnorm and self.global_clipnorm > 0:
            norm = ut.sqrt(ut.sum(ut.stack([ut.sum(ut.astype(g * g, dt.float32))
                                             for g in grads])))
            c = float(self.global_clipnorm)
            scale = c * ut.minimum(1.0 / norm, ut.asarray(1.0 / c, dtype=norm.dtype))
            scale = scale + (norm - norm)  # NaN when the norm is (Keras's rule)
            return [g * ut.astype(scale, g.dtype) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            v = float(self.clipvalue)
            return [ut.clip(g, -v, v) for g in grads]
        return grads

    # -- unitorch's optimizer interface (ut.fit, model.fit) ------------------------------------

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear the ``.grad`` of the variables the optimizer was built for.

        Example:
            >>> import unitorch.keras as keras
            >>> w = ut.nn.Parameter(ut.tensor([1.0]))
            >>> opt = keras.optimizers.SGD()
            >>> opt.build([w])
            >>> ut.sum(w * 2).backward()
            >>> opt.zero_grad()
            >>> w.grad is None
            True
        """
        for v in self._trainable_variables:
            type(v)._bk.set_grad(v._n, None)

    def step(self, closure: Any = None) -> Any:
        """Update the built variables from their ``.grad`` (as ``apply``); those without
        a gradient are skipped.

        Example:
            >>> import unitorch.keras as keras
            >>> w = ut.nn.Parameter(ut.tensor([1.0]))
            >>> opt = keras.optimizers.SGD(learning_rate=0.5)
            >>> opt.build([w])
            >>> ut.sum(w * 2).backward()
            >>> opt.step()
            >>> w
            tensor([0.], dtype=float32)
        """
        loss = closure() if closure is not None else None
        if not self.built:
            raise ValueError("the optimizer is not built: call optimizer.build(variables) "
                             "before step()")
        grads = []
        for v in self._trainable_variables:
            native = type(v)._bk.get_grad(v._n)
            grads.append(None if native is None else _wrap(type(v), native, v.dtype))
        if any(g is not None for g in grads):
            self.apply(grads, self._trainable_variables)
        return loss

    def state_dict(self) -> dict[str, Any]:
        """Every variable's value (``iterations``, the learning rate, the slots), for
        ``ut.save`` and checkpoints.

        Example:
            >>> import unitorch.keras as keras
            >>> sorted(keras.optimizers.SGD().state_dict())
            ['variables']
        """
        return {"variables": [v.detach() for v in self.variables]}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` (the optimizer must be built the same way).

        Example:
            >>> import unitorch.keras as keras
            >>> opt = keras.optimizers.SGD()
            >>> opt.load_state_dict(opt.state_dict())
        """
        values = list(state["variables"])
        own = self.variables
        if len(values) != len(own):
            raise ValueError(f"the saved optimizer state has {len(values)} variables, this "
                             f"optimizer {len(own)} (build it for the same variables first)")
        for var, value in zip(own, values):
            t = as_tensor(value)
            if tuple(t.shape) != tuple(var.shape):
                raise ValueError(f"optimizer variable of shape {tuple(var.shape)} cannot take "
                                 f"a value of shape {tuple(t.shape)}")
        for var, value in zip(own, values):
            assign(var, as_tensor(value))

    # -- configuration ------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments (the learning rate as a float or a serialized
        schedule).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.optimizers.Adam(learning_rate=0.01).get_config()["learning_rate"]
            0.01
        """
        if self._schedule is not None:
            from .schedules import serialize

            lr: Any = serialize(self._schedule)
        elif self._lr_var is not None:
            lr = float(self._lr_var.numpy())
            lr = float(f"{lr:.8g}")
        else:
            lr = self._initial_lr
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue, "use_ema": False,
                "ema_momentum": self.ema_momentum,
                "ema_overwrite_frequency": self.ema_overwrite_frequency,
                "loss_scale_factor": None, "gradient_accumulation_steps": None}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Optimizer:
        """An optimizer from :meth:`get_config`'s dict.

        Example:
            >>> import unitorch.keras as keras
            >>> keras.optimizers.Adam.from_config({"learning_rate": 0.5}).get_config()["learning_rate"]
            0.5
        """
        config = dict(config)
        lr = config.get("learning_rate")
        if isinstance(lr, dict):
            from .schedules import deserialize

            config["learning_rate"] = deserialize(lr)
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


def _as_dtype(t: Tensor, d: dt.DType) -> Tensor:
    return t if t.dtype is d else _ut().astype(t, d)

