"""``keras.layers.Layer``: the base class of Keras layers and models, on unitorch's
:class:`~unitorch.nn.Module`.

A Keras layer is a ``ut.nn.Module`` (so ``ut.fit``, ``ut.save(model.state_dict())``,
the exporters and ``ut.GradientTape(...).gradient(loss, model)`` take it) that behaves
as Keras 3's ``Layer``:

* **Lazy building**: weights are created by ``build(input_shape)`` on the first call,
  from the input's shape, so ``Dense(128)`` needs no input size.  ``input_shape=``
  (Keras 2's spelling) or ``keras.Input`` build at construction.
* **``training``**: ``layer(x, training=True)``; a layer called without it takes its
  caller's value (the model's), else the ``call`` signature's default, which is
  inference for every built-in layer: ``model(x)`` outside ``fit`` runs dropout and
  batch normalization in inference mode, as in Keras.  After ``ut.nn.Module``'s
  ``train()``/``eval()`` (which ``ut.fit`` calls) a call without ``training`` follows
  that mode instead, so a Keras model trains in ``ut.fit`` as a ``ut.nn`` model does.
* **Weights** made by ``add_weight`` are unitorch Parameters (trainable) or buffers,
  named as Keras names them (``kernel``, ``bias``, ``gamma``, ``moving_mean``...), so
  ``model.state_dict()`` keys read ``dense.kernel``.  ``weights``,
  ``trainable_weights``/``trainable_variables``, ``non_trainable_weights``,
  ``get_weights``/``set_weights`` and ``count_params`` list them in Keras's order: each
  layer's trainable weights in creation order, then its non-trainable ones, then those
  of the layers it holds.  ``layer.trainable = False`` freezes a layer and every layer
  inside it.
* **Inputs**: NumPy arrays, Python lists and native tensors are converted to unitorch
  tensors of the active backend; floating inputs are cast to the layer's ``dtype``
  (float32 by default; Keras's ``autocast``).
* Sub-layers assigned as attributes, or in a list, tuple or dict attribute, are
  tracked (``self.blocks = [Dense(8), Dense(8)]``).

Layers are built from their input shape on the first call, eagerly: a layer's weights
cannot be created inside a compiled function (``ut.compile``; ``tf.function`` from
:mod:`unitorch.tensorflow` runs its first call eagerly for this reason), which raises
a ``RuntimeError`` saying how to build it first.
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from ...nn.module import Module
from ...nn.parameter import make_variable
from ...tensor import Tensor
from .. import initializers as inits
from .._core import (
    as_tensor,
    assign,
    current_training,
    floating_input,
    map_structure,
    snake_case,
    to_dtype,
    training_scope,
    unique_name,
    unsupported,
)

__all__ = ["Layer"]

_LEGACY = ("input_shape", "batch_input_shape", "batch_size", "input_dim")


def _accepts(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class Layer(Module):
    """Base class of Keras layers: create weights in ``build(input_shape)`` with
    :meth:`add_weight`, compute in ``call(inputs, training=None)``.

    Args:
        trainable: whether the weights are trained (``trainable_weights``).
        dtype: the weights' and computation's dtype (default float32).
        autocast: cast floating inputs to ``dtype``.
        name: the layer's name (default: the class name in snake case, numbered:
            ``dense``, ``dense_1``...).
        **kwargs: Keras 2's ``input_shape`` (the input shape without the batch axis: a
            Sequential model starting with this layer is built at construction) and
            the other legacy keywords Keras 3 still accepts.

    Example:
        >>> import unitorch.keras as keras
        >>> class Scale(keras.layers.Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones",
        ...                                  name="w")
        ...     def call(self, x):
        ...         return x * self.w
        >>> layer = Scale()
        >>> layer(np.ones((2, 3), dtype="float32")).shape
        (2, 3)
        >>> [tuple(w.shape) for w in layer.weights]
        [(3,)]
    """

    def __init__(self, *, activity_regularizer: Any = None, trainable: bool = True,
                 dtype: Any = None, autocast: bool = True, name: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__()
        legacy = {k: kwargs.pop(k) for k in _LEGACY if k in kwargs}
        if kwargs:
            raise ValueError(f"Unrecognized keyword arguments passed to "
                             f"{type(self).__name__}: {kwargs}")
        if activity_regularizer is not None:
            raise unsupported("activity_regularizer", "add the penalty to the loss in a "
                              "custom training step")
        if dtype is not None and hasattr(dtype, "get") and not isinstance(dtype, str):
            dtype = (dtype.get("config") or {}).get("name", "float32")  # a policy's config
        d = self.__dict__
        # None: Keras's default (inference unless the call says otherwise); ut.nn's
        # train()/eval() (ut.fit calls them) set True/False, which calls then follow
        d["training"] = None
        d["name"] = str(name) if name else unique_name(snake_case(type(self).__name__))
        d["built"] = False
        d["_trainable"] = bool(trainable)
        d["_dtype"] = to_dtype(dtype)
        d["autocast"] = bool(autocast)
        d["_trainable_w"] = []       # weights created trainable, in creation order
        d["_non_trainable_w"] = []   # weights created non-trainable
        d["_weight_keys"] = {}       # id(weight) -> registry key
        d["_output_shape"] = None
        d["_build_shape"] = _legacy_shape(legacy)
        cls = type(self)
        if "_call_takes_training" not in cls.__dict__:
            cls._call_takes_training = _accepts(cls.call, "training")

    # -- attributes: weights and sub-layers -----------------------------------------

    def __setattr__(self, name: str, value: Any) -> None:
        d = self.__dict__
        keys = d.get("_weight_keys")
        if keys is not None and isinstance(value, Tensor) and id(value) in keys:
            if keys[id(value)] != name:  # a second name for a weight: a plain reference
                self._forget_attr(name)
                object.__setattr__(self, name, value)
            return
        if isinstance(value, (list, tuple)) and value and all(
                isinstance(v, Module) for v in value):
            self._forget_attr(name)
            for i, v in enumerate(value):
                self._modules[f"{name}.{i}"] = v
            object.__setattr__(self, name, value)
            return
        if isinstance(value, dict) and value and all(isinstance(v, Module)
                                                     for v in value.values()):
            self._forget_attr(name)
            for k, v in value.items():
                self._modules[f"{name}.{k}"] = v
            object.__setattr__(self, name, value)
            return
        super().__setattr__(name, value)

    def _forget_attr(self, name: str) -> None:
        for key in [k for k in self._modules if k.startswith(name + ".")]:
            del self._modules[key]
        self.__dict__.pop(name, None)

    @property
    def trainable(self) -> bool:
        """Whether the layer's weights are trained; setting it freezes or unfreezes the
        layer and every layer inside it (a frozen BatchNormalization also runs in
        inference mode, as in Keras).

        Example:
            >>> import unitorch.keras as keras
            >>> layer = keras.layers.Dense(2)
            >>> _ = layer(np.ones((1, 3), dtype="float32"))
            >>> layer.trainable = False
            >>> len(layer.trainable_weights), len(layer.non_trainable_weights)
            (0, 2)
        """
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        value = bool(value)
        self.__dict__["_trainable"] = value
        for w in self._trainable_w:
            if w.requires_grad != value:
                w.requires_grad_(value)
        for layer in self._sublayers():
            layer.trainable = value

    @property
    def dtype(self) -> str:
        """The dtype of the weights and the computation, as a name (``"float32"``).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense(2).dtype
            'float32'
        """
        return self._dtype.name

    compute_dtype = dtype
    variable_dtype = dtype

    @property
    def input_dtype(self) -> str:
        """The dtype floating inputs are cast to.

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense(2).input_dtype
            'float32'
        """
        return self._dtype.name

    # -- weights ------------------------------------------------------------------------

    def add_weight(self, shape: Any = None, initializer: Any = None, dtype: Any = None,
                   trainable: bool = True, autocast: bool = True, regularizer: Any = None,
                   constraint: Any = None, aggregation: str = "none",
                   overwrite_with_gradient: bool = False, name: str | None = None
                   ) -> Tensor:
        """Create a weight of ``shape`` (a Parameter when ``trainable``, else a buffer)
        filled by ``initializer`` (a name, an Initializer or a callable ``(shape,
        dtype)``; default ``"glorot_uniform"`` for floating dtypes, ``"zeros"`` for
        the others) and register it as ``name``.

        Example:
            >>> import unitorch.keras as keras
            >>> layer = keras.layers.Layer()
            >>> w = layer.add_weight(shape=(2, 3), initializer="zeros", name="kernel")
            >>> tuple(w.shape), w.requires_grad, list(layer.state_dict())
            ((2, 3), True, ['kernel'])
        """
        if regularizer is not None:
            raise unsupported("weight regularizers (kernel_regularizer=...)",
                              "add the penalty to the loss, or use the optimizer's "
                              "weight_decay=")
        if constraint is not None:
            raise unsupported("weight constraints (kernel_constraint=...)")
        from ...backends import current

        if current().is_compiling():
            raise RuntimeError(
                f"layer {self.name!r} ({type(self).__name__}) would create its weights "
                "inside a compiled function (ut.compile, tf.function); build it first: "
                "call the model once outside, give it an input shape (keras.Input or "
                "input_shape=), or call model.build(input_shape)")
        d = to_dtype(dtype, self._dtype)
        shape = () if shape is None else tuple(int(s) for s in shape)
        init = inits.get(initializer if initializer is not None else
                         ("glorot_uniform" if d.kind == "f" else "zeros"))
        value = as_tensor(init(shape, dtype=d), d)
        if tuple(value.shape) != shape:
            raise ValueError(f"the initializer of weight {name!r} of layer {self.name!r} "
                             f"returned shape {tuple(value.shape)}, expected {shape}")
        trainable = bool(trainable) and d.kind == "f"
        var = make_variable(value, trainable)
        if trainable:
            var._p = True
        key = self._free_key(name or "variable")
        registry = self._parameters if trainable else self._buffers
        registry[key] = var
        self._weight_keys[id(var)] = key
        (self._trainable_w if trainable else self._non_trainable_w).append(var)
        if trainable and not self._trainable:
            var.requires_grad_(False)
        return var

    def _free_key(self, name: str) -> str:
        key, i = name, 1
        while key in self._parameters or key in self._buffers or key in self._modules or (
                key in self.__dict__):
            key = f"{name}_{i}"
            i += 1
        return key

    def _sublayers(self) -> list[Layer]:
        """The layers this one holds directly, in tracking order."""
        out, seen = [], set()
        for m in self._modules.values():
            if isinstance(m, Layer) and id(m) not in seen:
                seen.add(id(m))
                out.append(m)
        return out

    @property
    def weights(self) -> list[Tensor]:
        """Every weight, in Keras's order: this layer's trainable weights, its
        non-trainable ones, then those of the layers inside it (each once).

        Example:
            >>> import unitorch.keras as keras
            >>> bn = keras.layers.BatchNormalization()
            >>> _ = bn(np.ones((2, 3), dtype="float32"))
            >>> [tuple(w.shape) for w in bn.weights]
            [(3,), (3,), (3,), (3,)]
        """
        out, seen = [], set()
        for w in (*self._trainable_w, *self._non_trainable_w):
            if id(w) not in seen:
                seen.add(id(w))
                out.append(w)
        for layer in self._sublayers():
            for w in layer.weights:
                if id(w) not in seen:
                    seen.add(id(w))
                    out.append(w)
        return out

    @property
    def trainable_weights(self) -> list[Tensor]:
        """The weights the optimizer trains (none when the layer is frozen).

        Example:
            >>> import unitorch.keras as keras
            >>> bn = keras.layers.BatchNormalization()
            >>> _ = bn(np.ones((2, 3), dtype="float32"))
            >>> len(bn.trainable_weights)  # gamma, beta
            2
        """
        if not self._trainable:
            return []
        return [w for w in self.weights if w.requires_grad]

    @property
    def non_trainable_weights(self) -> list[Tensor]:
        """The weights the optimizer leaves alone (moving statistics, frozen weights).

        Example:
            >>> import unitorch.keras as keras
            >>> bn = keras.layers.BatchNormalization()
            >>> _ = bn(np.ones((2, 3), dtype="float32"))
            >>> len(bn.non_trainable_weights)  # moving_mean, moving_variance
            2
        """
        if not self._trainable:
            return self.weights
        return [w for w in self.weights if not w.requires_grad]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """The weights' values as NumPy arrays (copies), in :attr:`weights` order.

        Example:
            >>> import unitorch.keras as keras
            >>> layer = keras.layers.Dense(1, kernel_initializer="ones")
            >>> _ = layer(np.ones((1, 2), dtype="float32"))
            >>> layer.get_weights()[0].tolist()
            [[1.0], [1.0]]
        """
        return [np.array(w.numpy(), copy=True) for w in self.weights]

    def set_weights(self, weights: list[Any]) -> None:
        """Replace every weight's value, in :attr:`weights` order (shapes must match).

        Example:
            >>> import unitorch.keras as keras
            >>> layer = keras.layers.Dense(1)
            >>> _ = layer(np.ones((1, 2), dtype="float32"))
            >>> layer.set_weights([np.full((2, 1), 3.0), np.zeros(1)])
            >>> layer(np.ones((1, 2), dtype="float32"))
            tensor([[6.]], dtype=float32)
        """
        own = self.weights
        weights = list(weights)
        if len(own) != len(weights):
            raise ValueError(f"You called `set_weights(weights)` on layer '{self.name}' with "
                             f"a weight list of length {len(weights)}, but the layer was "
                             f"expecting {len(own)} weights.")
        values = []
        for var, value in zip(own, weights):
            value = np.asarray(value.numpy() if isinstance(value, Tensor) else value)
            if tuple(var.shape) != tuple(value.shape):
                raise ValueError(f"Layer {self.name} weight shape {tuple(var.shape)} is not "
                                 f"compatible with provided weight shape {value.shape}.")
            values.append(value)
        for var, value in zip(own, values):
            assign(var, value.astype(var.dtype.numpy))

    def count_params(self) -> int:
        """The number of scalars in the weights.

        Example:
            >>> import unitorch.keras as keras
            >>> layer = keras.layers.Dense(4)
            >>> _ = layer(np.ones((1, 3), dtype="float32"))
            >>> layer.count_params()
            16
        """
        if not self.built:
            raise ValueError(f"You tried to call `count_params` on layer '{self.name}', but "
                             "the layer isn't built. You can build it manually via: "
                             "`layer.build(input_shape)`.")
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    @property
    def losses(self) -> list[Tensor]:
        """Losses added by the layer (none: regularizers and ``add_loss`` are not
        supported).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense(2).losses
            []
        """
        return []

    def add_loss(self, loss: Any) -> None:
        """Not supported: raises ``NotImplementedError`` (add the term to the loss in
        the training step instead).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense(2).add_loss(0.0)
            Traceback (most recent call last):
            ...
            NotImplementedError: Layer.add_loss is not supported by unitorch.keras; ...
        """
        raise unsupported("Layer.add_loss", "add the term to the loss in the training step")

    # -- building and calling -------------------------------------------------------------

    def build(self, input_shape: Any = None) -> None:
        """Create the weights for inputs of ``input_shape`` (subclasses); the base class
        creates none.

        Example:
            >>> import unitorch.keras as keras
            >>> layer = keras.layers.Dense(2)
            >>> layer.build((None, 3))
            >>> [tuple(w.shape) for w in layer.weights]
            [(3, 2), (2,)]
        """
        self.__dict__["built"] = True

    def call(self, *args: Any, **kwargs: Any) -> Any:
        """The computation (subclasses).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Identity().call(ut.ones(2))
            tensor([1., 1.], dtype=float32)
        """
        raise NotImplementedError(f"Layer {type(self).__name__} does not have a `call()` "
                                  "method implemented.")

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """``ut.nn.Module``'s name for calling the layer: ``self(*args, **kwargs)``.

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Identity().forward(ut.ones(2))
            tensor([1., 1.], dtype=float32)
        """
        return self(*args, **kwargs)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if args and _symbolic(args[0]):
            from .input import symbolic_call

            return symbolic_call(self, args, kwargs)
        training = kwargs.pop("training", None)
        if training is None:
            training = current_training()
            if training is None:
                training = self.training  # set by train()/eval(), else None
        if args:
            first = args[0]
            if self.autocast:
                d = self._dtype
                if not isinstance(first, Tensor) or (first._d is not d
                                                     and first._d.kind == "f"):
                    first = map_structure(lambda x: floating_input(x, d), first)
                    args = (first, *args[1:])
            if not self.built:
                self._build_on(first)
        if training is not None and self._call_takes_training:
            kwargs["training"] = training
        with training_scope(training):
            out = self.call(*args, **kwargs)
        if self._output_shape is None:
            self.__dict__["_output_shape"] = _batchless(out)
        return out

    def _build_on(self, first: Any) -> None:
        shape = map_structure(lambda t: tuple(t.shape) if isinstance(t, Tensor) else None,
                              first)
        self.__dict__["_build_input_shape"] = map_structure(
            lambda s: s, shape) if not isinstance(shape, tuple) else [None, *shape[1:]]
        self._build_with(shape)

    def _build_with(self, shape: Any) -> None:
        self.build(shape)
        self.__dict__["built"] = True

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape`` (batch axis ``None``), found by calling
        the layer on zeros of that shape.

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense(5).compute_output_shape((None, 3))
            (None, 5)
        """
        from .input import output_shape_for

        return output_shape_for(self, input_shape)

    # -- configuration --------------------------------------------------------------------

    def get_config(self) -> dict[str, Any]:
        """The constructor arguments, as Keras's ``get_config`` returns them (the keys
        of Keras 3's configs; what ``keras.models.to_keras`` and ``model.save`` use).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense(3, name="d").get_config()["units"]
            3
        """
        return {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Layer:
        """A new layer from :meth:`get_config`'s dict (Keras 3's configs too: a dtype
        policy dict is read as its name).

        Example:
            >>> import unitorch.keras as keras
            >>> keras.layers.Dense.from_config({"units": 3}).units
            3
        """
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _symbolic(x: Any) -> bool:
    from .input import KerasTensor

    if isinstance(x, KerasTensor):
        return True
    if isinstance(x, (list, tuple)):
        return any(_symbolic(v) for v in x)
    if isinstance(x, dict):
        return any(_symbolic(v) for v in x.values())
    return False


def _batchless(out: Any) -> Any:
    def shape(t: Any) -> Any:
        if isinstance(t, Tensor):
            s = tuple(t.shape)
            return (None, *s[1:]) if s else s
        return None

    return map_structure(shape, out)


def _legacy_shape(legacy: dict[str, Any]) -> tuple[Any, ...] | None:
    if legacy.get("batch_input_shape") is not None:
        return tuple(legacy["batch_input_shape"])
    if legacy.get("input_shape") is not None:
        return (legacy.get("batch_size"), *tuple(legacy["input_shape"]))
    if legacy.get("input_dim") is not None:
        return (legacy.get("batch_size"), int(legacy["input_dim"]))
    return None
