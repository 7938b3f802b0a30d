"""Keras 3's optimizers, each with Keras's update formula and defaults (which differ from
PyTorch's and from ``ut.optim``'s: Adam's ``epsilon`` is 1e-7 and added to the
uncorrected ``sqrt(v)``; SGD's momentum accumulates ``-lr * g``; Adagrad's
accumulators start at 0.1).  ``t`` below is ``iterations + 1``; every update runs after
the clipping and weight decay of :class:`~unitorch.keras.optimizers.Optimizer`."""

from __future__ import annotations

import math
from typing import Any

from ...tensor import Tensor
from .base import Optimizer

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "Nadam"]


def _ut() -> Any:
    import unitorch

    return unitorch


def _step_count(opt: Optimizer, d: Any) -> Tensor:
    return _ut().astype(opt.iterations + 1, d)


class SGD(Optimizer):
    """Gradient descent with optional (Nesterov) momentum, Keras's formula::

        m = momentum * m - lr * g                                  (momentum > 0)
        v = v + m            or, with nesterov, v = v + momentum * m - lr * g
        v = v - lr * g                                             (momentum = 0)

    Defaults: ``learning_rate=0.01``, ``momentum=0.0`` (a float in [0, 1]).

    Example:
        >>> import unitorch.keras as keras
        >>> w = ut.nn.Parameter(ut.tensor([1.0]))
        >>> opt = keras.optimizers.SGD(learning_rate=0.1, momentum=0.9)
        >>> for _ in range(2):
        ...     _ = opt.apply_gradients([(ut.tensor([1.0]), w)])
        >>> w  # 1 - 0.1 - (0.9 * 0.1 + 0.1)
        tensor([0.71], dtype=float32)
    """

    def __init__(self, learning_rate: Any = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        if not isinstance(momentum, float) or momentum < 0 or momentum > 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum, self.nesterov = momentum, bool(nesterov)

    def build(self, variables: list[Tensor]) -> None:
        if self.built:
            return
        super().build(variables)
        self.momentums = (self.add_optimizer_variables(variables, "momentum")
                          if self.momentum != 0 else [])

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        if self.momentum != 0:
            m = self.momentums[self._get_variable_index(variable)]
            self.assign(m, m * self.momentum - gradient * learning_rate)
            if self.nesterov:
                self.assign_add(variable, m * self.momentum - gradient * learning_rate)
            else:
                self.assign_add(variable, m)
        else:
            self.assign_sub(variable, gradient * learning_rate)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "momentum": self.momentum, "nesterov": self.nesterov}


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2014), Keras's formula (``epsilon`` is "epsilon hat", added to
    the uncorrected ``sqrt(v)``)::

        alpha = lr * sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        m = m + (g - m) * (1 - beta_1);  v = v + (g * g - v) * (1 - beta_2)
        v_hat = max(v_hat, v) if amsgrad else v
        variable = variable - m * alpha / (sqrt(v_hat) + epsilon)

    Defaults: ``learning_rate=0.001``, ``beta_1=0.9``, ``beta_2=0.999``,
    ``epsilon=1e-7``.

    Example:
        >>> import unitorch.keras as keras
        >>> w = ut.nn.Parameter(ut.tensor([1.0, -2.0]))
        >>> opt = keras.optimizers.Adam(learning_rate=0.1)
        >>> _ = opt.apply_gradients([(ut.tensor([2.0, -4.0]), w)])
        >>> w  # the first step moves each weight by about learning_rate
        tensor([ 0.90000015, -1.9000001 ], dtype=float32)

    The rule is computed in the arrangement of ``ut.optim.Adam``'s update (see
    ``_fused_update``), with the bias corrections in float64: it rounds differently
    from Keras, which computes them in float32 (Keras prints ``[0.9000008,
    -1.9000008]`` here; the exact values are 0.90000016 and -1.89999992).
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon, self.amsgrad = (beta_1, beta_2, epsilon,
                                                                bool(amsgrad))
        self._fused: dict[str, Any] | None = None  # the fused kernel's holders (eager steps)

    def build(self, variables: list[Tensor]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        if self.amsgrad:
            self._velocity_hats = self.add_optimizer_variables(variables, "velocity_hat")

    def _neg_step(self, learning_rate: Tensor, d: Any) -> Tensor:
        """``-alpha / sqrt(1 - beta_2)`` in dtype ``d``, computed in float64 as the fused
        kernel computes its coefficients; once per step inside apply()."""
        key = ("neg_step", d)
        cached = self._step_cache.get(key) if self._updating else None
        if cached is not None:
            return cached
        ut = _ut()
        f64 = ut.float64
        t = ut.astype(self.iterations + 1, f64)
        alpha = (ut.astype(learning_rate, f64)
                 * ut.sqrt(1.0 - ut.asarray(float(self.beta_2), dtype=f64) ** t)
                 / (1.0 - ut.asarray(float(self.beta_1), dtype=f64) ** t))
        neg = ut.astype(-(alpha / math.sqrt(1.0 - float(self.beta_2))), d)
        if self._updating:
            self._step_cache[key] = neg
        return neg

    def _fused_update(self, grads: list[Tensor], variables: list[Tensor],
                      learning_rate: Tensor) -> bool:
        # Outside compiled functions, ut.optim.Adam's update (the backend's fused kernel,
        # or its rule: PyTorch's formula) computes Keras's rule after a change of
        # variables: with
        # its step count held at 1, epsilon eps / sqrt(1 - beta_2) and learning rate
        # alpha * (1 - beta_1) / sqrt(1 - beta_2), PyTorch's update
        #   lr' / (1 - b1) * m / (sqrt(v) / sqrt(1 - b2) + eps')
        # is Keras's alpha * m / (sqrt(v) + eps), alpha = lr sqrt(1 - b2^t) / (1 - b1^t).
        # The moments are the same slot variables, so eager and compiled steps mix.  The
        # per-step values are set on the host, which a compiled function cannot do.
        bk = self._backend
        if bk.is_compiling() or any(v.dtype.name != "float32" for v in variables):
            return False
        b1, b2 = float(self.beta_1), float(self.beta_2)
        if self._fused is None:
            from ...devices import Device
            from .base import _new_variable

            self._fused = {
                "hyper": {"lr": bk.hyperparameter(0.0), "beta1": bk.hyperparameter(b1),
                          "beta2": bk.hyperparameter(b2),
                          "eps": bk.hyperparameter(float(self.epsilon) / math.sqrt(1 - b2)),
                          "weight_decay": bk.hyperparameter(0.0)},
                "steps": [_new_variable(bk, (), 0.0, variables[0].dtype, Device("cpu"))
                          for _ in self._trainable_variables],
            }
        fused = self._fused
        t = int(self._iterations.item()) + 1
        lr = float(learning_rate.item())
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        bk.set_hyperparameter(fused["hyper"]["lr"], alpha * (1 - b1) / math.sqrt(1 - b2))
        index = [self._get_variable_index(v) for v in variables]
        steps = [fused["steps"][i] for i in index]
        zero = bk.full((), 0.0, steps[0].dtype, steps[0].device)
        for s in steps:  # PyTorch's rule adds 1: t = 1, so its bias corrections are fixed
            s._n = bk.assign(s._n, zero)
        args = ([v._n for v in variables], [g._n for g in grads],
                [self._momentums[i]._n for i in index], [self._velocities[i]._n for i in index],
                [self._velocity_hats[i]._n for i in index] if self.amsgrad else [],
                [s._n for s in steps], fused["hyper"])
        if not bk.adam_update(*args, self.amsgrad, False, False):
            # no fused kernel on this backend: ut.optim's Adam rule, as it runs it
            from ...optim.adam import adam_rule

            bk.run_update(adam_rule, (self.amsgrad, False, False, False), *args)
        return True

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        # Keras's rule, arranged as the fused kernel computes it (see _fused_update), so
        # that eager steps (the kernel) and compiled ones (these ops) round alike and a
        # program gives the same numbers on a backend that compiles its steps and on one
        # that runs them eagerly:
        #   m += (1 - b1)(g - m);  v = v b2 + ((1 - b2) g) g
        #   p += (-alpha / c) m / (sqrt(v) / c + eps / c),  c = sqrt(1 - b2)
        ut = _ut()
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        b1, b2 = float(self.beta_1), float(self.beta_2)
        c = math.sqrt(1.0 - b2)
        self.assign_add(m, (1.0 - b1) * (gradient - m))
        self.assign(v, v * b2 + ((1.0 - b2) * gradient) * gradient)
        if self.amsgrad:
            v_hat = self._velocity_hats[i]
            self.assign(v_hat, ut.maximum(v_hat, v))
            v = v_hat
        denom = ut.sqrt(v) / c + float(self.epsilon) / c
        self.assign_add(variable, (self._neg_step(learning_rate, variable.dtype) * m) / denom)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon, "amsgrad": self.amsgrad}


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): Keras's Adam with
    ``weight_decay`` (default 0.004) applied as ``v = v - v * weight_decay * lr`` before
    each update.

    Example:
        >>> import unitorch.keras as keras
        >>> keras.optimizers.AdamW().weight_decay
        0.004
    """

    def __init__(self, learning_rate: Any = 0.001, weight_decay: float = 0.004,
                 beta_1: float = 0.9, beta_2: float = 0.999, epsilon: float = 1e-7,
                 amsgrad: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                         epsilon=epsilon, amsgrad=amsgrad, weight_decay=weight_decay, **kwargs)
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: "
                             "weight_decay=None")


class RMSprop(Optimizer):
    """RMSprop, Keras's formula::

        v = rho * v + (1 - rho) * g * g
        a = rho * a + (1 - rho) * g;  denominator = v - a * a + epsilon   (centered)
        denominator = v + epsilon                                           (otherwise)
        increment = lr * g / sqrt(denominator)
        m = momentum * m + increment; variable -= m    (momentum > 0; else -= increment)

    Defaults: ``learning_rate=0.001``, ``rho=0.9``, ``momentum=0.0``, ``epsilon=1e-7``.

    Example:
        >>> import unitorch.keras as keras
        >>> w = ut.nn.Parameter(ut.tensor([1.0]))
        >>> _ = keras.optimizers.RMSprop(learning_rate=0.1).apply_gradients([(ut.tensor([1.0]), w)])
        >>> w  # 1 - 0.1 / sqrt(0.1 + 1e-7)
        tensor([0.6837724], dtype=float32)
    """

    def __init__(self, learning_rate: Any = 0.001, rho: float = 0.9, momentum: float = 0.0,
                 epsilon: float = 1e-7, centered: bool = False, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho, self.momentum, self.epsilon, self.centered = (rho, momentum, epsilon,
                                                                bool(centered))

    def build(self, variables: list[Tensor]) -> None:
        if self.built:
            return
        super().build(variables)
        self._velocities = self.add_optimizer_variables(variables, "velocity")
        self._momentums = (self.add_optimizer_variables(variables, "momentum")
                           if self.momentum > 0 else [])
        self._average_gradients = (self.add_optimizer_variables(variables, "average_gradient")
                                   if self.centered else [])

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        ut = _ut()
        i = self._get_variable_index(variable)
        v = self._velocities[i]
        rho = self.rho
        self.assign(v, rho * v + (1 - rho) * (gradient * gradient))
        if self.centered:
            a = self._average_gradients[i]
            self.assign(a, rho * a + (1 - rho) * gradient)
            denominator = v - a * a + self.epsilon
        else:
            denominator = v + self.epsilon
        increment = (learning_rate * gradient) / ut.sqrt(denominator)
        if self.momentum > 0:
            m = self._momentums[i]
            self.assign(m, self.momentum * m + increment)
            self.assign_sub(variable, m)
        else:
            self.assign_sub(variable, increment)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "rho": self.rho, "momentum": self.momentum,
                "epsilon": self.epsilon, "centered": self.centered}


class Adagrad(Optimizer):
    """Adagrad, Keras's formula::

        accumulator = accumulator + g * g         (starting at initial_accumulator_value)
        variable = variable - lr * g / sqrt(accumulator + epsilon)

    Defaults: ``learning_rate=0.001``, ``initial_accumulator_value=0.1``,
    ``epsilon=1e-7``.

    Example:
        >>> import unitorch.keras as keras
        >>> w = ut.nn.Parameter(ut.tensor([1.0]))
        >>> _ = keras.optimizers.Adagrad(learning_rate=0.1).apply_gradients([(ut.tensor([1.0]), w)])
        >>> w  # 1 - 0.1 / sqrt(1.1 + 1e-7)
        tensor([0.9046537], dtype=float32)
    """

    def __init__(self, learning_rate: Any = 0.001, initial_accumulator_value: float = 0.1,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon

    def build(self, variables: list[Tensor]) -> None:
        if self.built:
            return
        super().build(variables)
        self._accumulators = self.add_optimizer_variables(
            variables, "accumulator", initializer=float(self.initial_accumulator_value))

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        acc = self._accumulators[self._get_variable_index(variable)]
        self.assign_add(acc, gradient * gradient)
        self.assign_sub(variable, (learning_rate * gradient) / _ut().sqrt(acc + self.epsilon))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "initial_accumulator_value": self.initial_accumulator_value,
                "epsilon": self.epsilon}


class Adamax(Optimizer):
    """Adamax (Adam with the infinity norm), Keras's formula::

        m = m + (g - m) * (1 - beta_1);  u = max(beta_2 * u, |g|)
        variable = variable - lr * m / ((1 - beta_1 ** t) * (u + epsilon))

    Example:
        >>> import unitorch.keras as keras
        >>> w = ut.nn.Parameter(ut.tensor([1.0]))
        >>> _ = keras.optimizers.Adamax(learning_rate=0.1).apply_gradients([(ut.tensor([1.0]), w)])
        >>> w
        tensor([0.90000004], dtype=float32)
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables: list[Tensor]) -> None:
        if self.built:
            return
        super().build(variables)
        self._m, self._u = self.add_optimizer_variables(variables, ["momentum", "norm"])

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        ut = _ut()
        t = _step_count(self, variable.dtype)
        beta_1_power = ut.asarray(self.beta_1, dtype=variable.dtype) ** t
        i = self._get_variable_index(variable)
        m, u = self._m[i], self._u[i]
        self.assign_add(m, (gradient - m) * (1 - self.beta_1))
        self.assign(u, ut.maximum(self.beta_2 * u, ut.abs(gradient)))
        self.assign_sub(variable, (learning_rate * m) / ((1 - beta_1_power) * (u + self.epsilon)))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}


class Nadam(Optimizer):
    """Nadam (Adam with Nesterov momentum), Keras's formula with the momentum schedule
    ``u_t = beta_1 * (1 - 0.5 * 0.96 ** t)`` and its running product.

    Example:
        >>> import unitorch.keras as keras
        >>> w = ut.nn.Parameter(ut.tensor([1.0]))
        >>> _ = keras.optimizers.Nadam(learning_rate=0.1).apply_gradients([(ut.tensor([1.0]), w)])
        >>> float(w[0]) < 1.0
        True
    """

    def __init__(self, learning_rate: Any = 0.001, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, **kwargs: Any) -> None:
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon

    def build(self, variables: list[Tensor]) -> None:
        if self.built:
            return
        super().build(variables)
        self._momentums, self._velocities = self.add_optimizer_variables(
            variables, ["momentum", "velocity"])
        ref = variables[0] if variables else None
        from ... import dtypes as dt
        from .base import _new_variable

        self._u_product = _new_variable(self._backend, (), 1.0,
                                        ref.dtype if ref is not None else dt.float32,
                                        self._device)
        self._variables.append(self._u_product)

    def apply(self, grads: list[Any], trainable_variables: list[Tensor] | None = None) -> None:
        if trainable_variables is not None and not self.built:
            self.build(list(trainable_variables))
        ut = _ut()
        t = _step_count(self, self._u_product.dtype)
        from ...autograd import no_grad

        with no_grad():
            self.assign(self._u_product, self._u_product * self.beta_1 * (
                1.0 - 0.5 * ut.asarray(0.96, dtype=t.dtype) ** t))
        super().apply(grads, trainable_variables)

    def update_step(self, gradient: Tensor, variable: Tensor, learning_rate: Tensor) -> None:
        ut = _ut()
        d = variable.dtype
        t = _step_count(self, d)
        decay = ut.asarray(0.96, dtype=d)
        u_t = self.beta_1 * (1.0 - 0.5 * decay ** t)
        u_t_1 = self.beta_1 * (1.0 - 0.5 * decay ** (t + 1))
        u_product_t = ut.astype(self._u_product, d)
        u_product_t_1 = u_product_t * u_t_1
        beta_2_power = ut.asarray(self.beta_2, dtype=d) ** t
        i = self._get_variable_index(variable)
        m, v = self._momentums[i], self._velocities[i]
        self.assign_add(m, (gradient - m) * (1 - self.beta_1))
        self.assign_add(v, (gradient * gradient - v) * (1 - self.beta_2))
        m_hat = (u_t_1 * m) / (1 - u_product_t_1) + ((1 - u_t) * gradient) / (1 - u_product_t)
        v_hat = v / (1 - beta_2_power)
        self.assign_sub(variable, (m_hat * learning_rate) / (ut.sqrt(v_hat) + self.epsilon))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta_1": self.beta_1, "beta_2": self.beta_2,
                "epsilon": self.epsilon}
