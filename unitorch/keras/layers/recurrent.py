"""Recurrent layers ``LSTM``, ``GRU`` and ``SimpleRNN`` with Keras's formulas, weight
layouts and defaults.

Inputs are ``(batch, steps, features)``.  Each layer holds ``kernel`` ``(features,
g * units)``, ``recurrent_kernel`` ``(units, g * units)`` and ``bias`` (``g`` gates:
4 for LSTM, 3 for GRU, 1 for SimpleRNN), in Keras's gate order, and returns the last
output ``(batch, units)``, or every step's ``(batch, steps, units)`` with
``return_sequences``; ``return_state`` adds the final states.

* ``LSTM`` (gates ``i, f, c, o``; ``bias`` ``(4 units,)``, the forget quarter
  initialised to 1 with ``unit_forget_bias``)::

      z = x_t @ kernel + h @ recurrent_kernel + bias
      i, f, o = recurrent_activation(z_i, z_f, z_o);  c~ = activation(z_c)
      c = f * c + i * c~;  h = o * activation(c)

* ``GRU`` (gates ``z, r, h``).  With ``reset_after=True`` (Keras's default) ``bias``
  is ``(2, 3 units)``, input and recurrent biases::

      xz, xr, xh = x_t @ kernel + bias[0];  hz, hr, hh = h @ recurrent_kernel + bias[1]
      z = recurrent_activation(xz + hz);  r = recurrent_activation(xr + hr)
      h~ = activation(xh + r * hh);  h = z * h + (1 - z) * h~

  With ``reset_after=False`` ``bias`` is ``(3 units,)`` and ``h~ = activation(xh + (r *
  h) @ recurrent_kernel_h)``.
* ``SimpleRNN``: ``h = activation(x_t @ kernel + h @ recurrent_kernel + bias)``.

Defaults as in Keras: Glorot uniform kernels, orthogonal recurrent kernels, zero
biases, ``tanh`` and ``sigmoid``.  The number of steps must be known (the loop is
unrolled in Python).  Not supported: ``dropout``/``recurrent_dropout`` other than 0,
``stateful``, masks.
"""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import activations
from .. import initializers as inits
from .._core import unsupported
from .base import Layer
from .core import init_config, refuse_extras

__all__ = ["LSTM", "GRU", "SimpleRNN"]


def _ut() -> Any:
    import unitorch

    return unitorch


class _RNN(Layer):
    _gates = 1

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, activity_regularizer: Any = None,
                 kernel_constraint: Any = None, recurrent_constraint: Any = None,
                 bias_constraint: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, seed: int | None = None,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 use_cudnn: Any = "auto", **kwargs: Any) -> None:
        name = type(self).__name__
        refuse_extras(name, kernel_regularizer=kernel_regularizer,
                      recurrent_regularizer=recurrent_regularizer,
                      bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
                      recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
                      dropout=dropout, recurrent_dropout=recurrent_dropout, stateful=stateful)
        kwargs.pop("time_major", None)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        if int(units) <= 0:
            raise ValueError(f"Received an invalid value for argument `units`, expected a "
                             f"positive integer, got {units}.")
        self.units = int(units)
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = inits.get(kernel_initializer)
        self.recurrent_initializer = inits.get(recurrent_initializer)
        self.bias_initializer = inits.get(bias_initializer)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards, self.unroll, self.seed = bool(go_backwards), bool(unroll), seed

    def _bias_shape(self) -> tuple[int, ...]:
        return (self._gates * self.units,)

    def _bias_initializer(self) -> Any:
        return self.bias_initializer

    def build(self, input_shape: Any) -> None:
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(f"{type(self).__name__} layer {self.name!r} expects inputs of "
                             f"shape (batch, steps, features), got {tuple(input_shape)}")
        g = self._gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], g),
                                      initializer=self.kernel_initializer, name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, g),
                                                initializer=self.recurrent_initializer,
                                                name="recurrent_kernel")
        self.bias = (self.add_weight(shape=self._bias_shape(),
                                     initializer=self._bias_initializer(), name="bias")
                     if self.use_bias else None)
        self.built = True

    def _initial(self, x: Tensor, initial_state: Any) -> list[Tensor]:
        ut = _ut()
        n = len(self._state_names())
        if initial_state is None:
            zeros = ut.zeros((x.shape[0], self.units), dtype=x.dtype, device=x.device)
            return [zeros] * n
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        if len(states) != n:
            raise ValueError(f"{type(self).__name__} expects {n} initial states, got "
                             f"{len(states)}")
        return [ut.asarray(s) if not isinstance(s, Tensor) else s for s in states]

    def _state_names(self) -> tuple[str, ...]:
        return ("h",)

    def _step(self, xw: Tensor, states: list[Tensor]) -> list[Tensor]:
        raise NotImplementedError

    def _project(self, x: Tensor) -> Tensor:
        """The input projection of every step at once: ``x @ kernel (+ bias)``."""
        out = _ut().matmul(x, self.kernel)
        if self.bias is not None:
            out = out + self.bias
        return out

    def call(self, sequences: Tensor, initial_state: Any = None, mask: Any = None,
             training: bool = False) -> Any:
        if mask is not None:
            raise unsupported(f"{type(self).__name__}(mask=...)")
        ut = _ut()
        steps = sequences.shape[1]
        if steps is None:
            raise ValueError(f"{type(self).__name__} needs a known number of steps")
        states = self._initial(sequences, initial_state)
        xw = self._project(sequences)
        order = range(steps - 1, -1, -1) if self.go_backwards else range(steps)
        outputs = []
        for t in order:
            states = self._step(xw[:, t], states)
            outputs.append(states[0])
        out = ut.stack(outputs, axis=1) if self.return_sequences else outputs[-1]
        if self.return_state:
            return [out, *states]
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards,
                "stateful": False, "unroll": self.unroll, "units": self.units,
                "activation": activations.serialize(self.activation),
                "use_bias": self.use_bias,
                "kernel_initializer": init_config(self.kernel_initializer),
                "recurrent_initializer": init_config(self.recurrent_initializer),
                "bias_initializer": init_config(self.bias_initializer),
                "dropout": 0.0, "recurrent_dropout": 0.0, "seed": self.seed}


class SimpleRNN(_RNN):
    """A fully connected recurrence ``h = activation(x_t @ kernel + h @ recurrent_kernel +
    bias)`` (see the module docstring).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.SimpleRNN(4)(np.zeros((2, 5, 3), dtype="float32")).shape
        (2, 4)
    """

    _gates = 1

    def __init__(self, units: int, activation: Any = "tanh", **kwargs: Any) -> None:
        super().__init__(units, activation=activation, recurrent_activation="sigmoid",
                         **kwargs)

    def _step(self, xw, states):
        return [self.activation(xw + _ut().matmul(states[0], self.recurrent_kernel))]

    def get_config(self) -> dict[str, Any]:
        return super().get_config()


class LSTM(_RNN):
    """Long short-term memory (Hochreiter & Schmidhuber, 1997) with Keras's formula and
    layout (see the module docstring); ``return_state`` adds ``h`` and ``c``.

    Example:
        >>> import unitorch.keras as keras
        >>> layer = keras.layers.LSTM(4, return_sequences=True)
        >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
        (2, 5, 4)
        >>> [tuple(w.shape) for w in layer.weights]
        [(3, 16), (4, 16), (16,)]
    """

    _gates = 4

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 unit_forget_bias: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def _bias_initializer(self) -> Any:
        if not self.unit_forget_bias:
            return self.bias_initializer
        base, u = self.bias_initializer, self.units

        def init(shape: Any, dtype: Any = None) -> Tensor:
            ut = _ut()
            parts = [ut.asarray(base((u,), dtype=dtype)), ut.ones((u,), dtype=ut.float32),
                     ut.asarray(base((2 * u,), dtype=dtype))]
            return ut.concat([ut.astype(p, parts[0].dtype) for p in parts])

        return init

    def _state_names(self) -> tuple[str, ...]:
        return ("h", "c")

    def _step(self, xw, states):
        ut = _ut()
        h, c = states
        u = self.units
        z = xw + ut.matmul(h, self.recurrent_kernel)
        act, rec = self.activation, self.recurrent_activation
        i = rec(z[:, :u])
        f = rec(z[:, u:2 * u])
        c = f * c + i * act(z[:, 2 * u:3 * u])
        h = rec(z[:, 3 * u:]) * act(c)
        return [h, c]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "unit_forget_bias": self.unit_forget_bias}


class GRU(_RNN):
    """Gated recurrent unit (Cho et al., 2014) with Keras's formula and layout (see the
    module docstring); ``reset_after=True`` by default, as in Keras.

    Example:
        >>> import unitorch.keras as keras
        >>> layer = keras.layers.GRU(4)
        >>> layer(np.zeros((2, 5, 3), dtype="float32")).shape
        (2, 4)
        >>> [tuple(w.shape) for w in layer.weights]
        [(3, 12), (4, 12), (2, 12)]
    """

    _gates = 3

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 reset_after: bool = True, **kwargs: Any) -> None:
        super().__init__(units, activation=activation,
                         recurrent_activation=recurrent_activation, use_bias=use_bias, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self) -> tuple[int, ...]:
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _project(self, x):
        out = _ut().matmul(x, self.kernel)
        if self.bias is not None:
            out = out + (self.bias[0] if self.reset_after else self.bias)
        return out

    def _step(self, xw, states):
        ut = _ut()
        h = states[0]
        u = self.units
        rec, act = self.recurrent_activation, self.activation
        if self.reset_after:
            inner = ut.matmul(h, self.recurrent_kernel)
            if self.bias is not None:
                inner = inner + self.bias[1]
            z = rec(xw[:, :u] + inner[:, :u])
            r = rec(xw[:, u:2 * u] + inner[:, u:2 * u])
            hh = act(xw[:, 2 * u:] + r * inner[:, 2 * u:])
        else:
            inner = ut.matmul(h, self.recurrent_kernel[:, :2 * u])
            z = rec(xw[:, :u] + inner[:, :u])
            r = rec(xw[:, u:2 * u] + inner[:, u:])
            hh = act(xw[:, 2 * u:] + ut.matmul(r * h, self.recurrent_kernel[:, 2 * u:]))
        return [z * h + (1.0 - z) * hh]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(),
                "recurrent_activation": activations.serialize(self.recurrent_activation),
                "reset_after": self.reset_after}

