"""``BatchNormalization`` and ``LayerNormalization`` with Keras's defaults (momentum
0.99, epsilon 1e-3, the last axis) and weights (``gamma``, ``beta``, ``moving_mean``,
``moving_variance``)."""

from __future__ import annotations

from typing import Any

from ...tensor import Tensor
from .. import initializers as inits
from .._core import assign, unsupported
from .base import Layer
from .core import init_config, refuse_extras

__all__ = ["BatchNormalization", "LayerNormalization"]


def _ut() -> Any:
    import unitorch

    return unitorch


def _axis(axis: Any, ndim: int, who: str) -> int:
    if not isinstance(axis, int):
        raise unsupported(f"{who}(axis={axis!r}) (several axes)")
    if not -ndim <= axis < ndim:
        raise ValueError(f"Axis {axis} is out of bounds for input of rank {ndim}. "
                         f"Received: axis={axis}")
    return axis % ndim


class BatchNormalization(Layer):
    """Normalizes each feature (along ``axis``, the last by default: channels-last)
    with the batch's statistics in training and the moving ones in inference::

        training:  y = gamma * (x - mean_B) / sqrt(var_B + epsilon) + beta
                   moving = moving * momentum + batch_statistic * (1 - momentum)
        inference: y = gamma * (x - moving_mean) / sqrt(moving_variance + epsilon) + beta

    ``var_B`` is the biased batch variance, which is also what the moving variance
    averages (Keras's rule; PyTorch's BatchNorm averages the unbiased one).  Defaults
    as in Keras: ``momentum=0.99``, ``epsilon=1e-3``.  A frozen layer
    (``trainable=False``) always runs in inference mode.  Training mode is
    ``training=True`` (what ``fit`` passes); ``model(x)`` is inference.

    Example:
        >>> import unitorch.keras as keras
        >>> bn = keras.layers.BatchNormalization()
        >>> x = ut.tensor([[1.0], [3.0]])
        >>> bn(x, training=True)
        tensor([[-0.9995004],
                [ 0.9995004]], dtype=float32)
        >>> bn.moving_mean
        tensor([0.02], dtype=float32)
    """

    def __init__(self, axis: int = -1, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, synchronized: bool = False,
                 renorm: bool = False, renorm_clipping: Any = None,
                 renorm_momentum: float = 0.99, **kwargs: Any) -> None:
        refuse_extras("BatchNormalization", beta_regularizer=beta_regularizer,
                      gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
                      gamma_constraint=gamma_constraint, synchronized=synchronized,
                      renorm=renorm, renorm_clipping=renorm_clipping)
        super().__init__(**kwargs)
        self.axis = axis
        self.momentum, self.epsilon = float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = inits.get(beta_initializer)
        self.gamma_initializer = inits.get(gamma_initializer)
        self.moving_mean_initializer = inits.get(moving_mean_initializer)
        self.moving_variance_initializer = inits.get(moving_variance_initializer)

    def build(self, input_shape: Any) -> None:
        axis = _axis(self.axis, len(input_shape), "BatchNormalization")
        shape = (input_shape[axis],)
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      name="gamma") if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     name="beta") if self.center else None)
        self.moving_mean = self.add_weight(shape=shape, initializer=self.moving_mean_initializer,
                                           trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(
            shape=shape, initializer=self.moving_variance_initializer, trainable=False,
            name="moving_variance")
        self._reduce = tuple(i for i in range(len(input_shape)) if i != axis)
        self._bshape = tuple(-1 if i == axis else 1 for i in range(len(input_shape)))
        self.built = True

    def call(self, inputs: Tensor, training: bool | None = None, mask: Any = None) -> Tensor:
        if mask is not None:
            raise unsupported("BatchNormalization(mask=...)")
        ut = _ut()
        if training and self.trainable:
            mean = ut.mean(inputs, axis=self._reduce)
            variance = ut.var(inputs, axis=self._reduce, correction=0)
            m = self.momentum
            assign(self.moving_mean, self.moving_mean * m + mean.detach() * (1.0 - m))
            assign(self.moving_variance,
                   self.moving_variance * m + variance.detach() * (1.0 - m))
        else:
            mean, variance = self.moving_mean, self.moving_variance
        shape = self._bshape
        inv = ut.reshape(1.0 / ut.sqrt(variance + self.epsilon), shape)
        if self.gamma is not None:
            inv = inv * ut.reshape(self.gamma, shape)
        out = (inputs - ut.reshape(mean, shape)) * inv
        if self.beta is not None:
            out = out + ut.reshape(self.beta, shape)
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "momentum": self.momentum,
                "epsilon": self.epsilon, "center": self.center, "scale": self.scale,
                "beta_initializer": init_config(self.beta_initializer),
                "gamma_initializer": init_config(self.gamma_initializer),
                "moving_mean_initializer": init_config(self.moving_mean_initializer),
                "moving_variance_initializer": init_config(self.moving_variance_initializer),
                "synchronized": False}


class LayerNormalization(Layer):
    """Normalizes each sample over ``axis`` (the last by default)::

        y = gamma * (x - mean) / sqrt(var + epsilon) + beta

    with the biased variance, ``epsilon=1e-3`` (Keras's default), ``gamma`` and ``beta``
    of the normalized axis's size.  ``rms_scaling=True`` divides by the root mean
    square instead (no centering).

    Example:
        >>> import unitorch.keras as keras
        >>> keras.layers.LayerNormalization()(ut.tensor([[1.0, 3.0]]))
        tensor([[-0.9995004,  0.9995004]], dtype=float32)
    """

    def __init__(self, axis: int = -1, epsilon: float = 1e-3, center: bool = True,
                 scale: bool = True, rms_scaling: bool = False, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, beta_constraint: Any = None,
                 gamma_constraint: Any = None, **kwargs: Any) -> None:
        refuse_extras("LayerNormalization", beta_regularizer=beta_regularizer,
                      gamma_regularizer=gamma_regularizer, beta_constraint=beta_constraint,
                      gamma_constraint=gamma_constraint)
        super().__init__(**kwargs)
        self.axis, self.epsilon = axis, float(epsilon)
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = inits.get(beta_initializer)
        self.gamma_initializer = inits.get(gamma_initializer)

    def build(self, input_shape: Any) -> None:
        axis = _axis(self.axis, len(input_shape), "LayerNormalization")
        shape = (input_shape[axis],)
        self.gamma = (self.add_weight(shape=shape, initializer=self.gamma_initializer,
                                      name="gamma") if self.scale else None)
        self.beta = (self.add_weight(shape=shape, initializer=self.beta_initializer,
                                     name="beta") if self.center and not self.rms_scaling
                     else None)
        self._axis_index = axis
        self._bshape = tuple(-1 if i == axis else 1 for i in range(len(input_shape)))
        self.built = True

    def call(self, inputs: Tensor) -> Tensor:
        ut = _ut()
        a = self._axis_index
        if self.rms_scaling:
            out = inputs / ut.sqrt(ut.mean(inputs * inputs, axis=a, keepdims=True) + self.epsilon)
        else:
            mean = ut.mean(inputs, axis=a, keepdims=True)
            variance = ut.var(inputs, axis=a, keepdims=True, correction=0)
            out = (inputs - mean) / ut.sqrt(variance + self.epsilon)
        if self.gamma is not None:
            out = out * ut.reshape(self.gamma, self._bshape)
        if self.beta is not None:
            out = out + ut.reshape(self.beta, self._bshape)
        return out

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon,
                "center": self.center, "scale": self.scale, "rms_scaling": self.rms_scaling,
                "beta_initializer": init_config(self.beta_initializer),
                "gamma_initializer": init_config(self.gamma_initializer)}
