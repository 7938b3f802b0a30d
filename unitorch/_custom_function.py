"""``ut.autograd.Function``: an operation with a hand-written gradient, PyTorch's way.

A subclass writes ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static
methods with unitorch ops and is called through ``apply``, as with
``torch.autograd.Function``; the backend records it as one operation of its own
autodiff (a ``torch.autograd.Function`` on torch, ``tf.custom_gradient`` on TensorFlow:
the contract's ``custom_gradient``), so the three gradient styles, higher-order
gradients and compiled functions see it like any other operation.
"""

from __future__ import annotations

from typing import Any

from ._dispatch import backend_of
from .errors import DTypeError, ShapeError, fmt_shape
from .tensor import Tensor, _wrap

__all__ = ["Function", "FunctionCtx"]


class FunctionCtx:
    """What ``forward`` and ``backward`` of a :class:`Function` share: tensors saved
    with :meth:`save_for_backward` (read back as ``saved_tensors``), ``needs_input_grad``
    (one bool per argument of ``apply``), and any attribute ``forward`` sets.

    Example:
        >>> class Twice(ut.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.factor = 2.0  # any attribute, read again in backward
        ...         return x * ctx.factor
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         return grad * ctx.factor
        >>> Twice.apply(ut.tensor([1.0, 3.0]))
        tensor([2., 6.], dtype=float32)
    """

    def __init__(self, needs_input_grad: tuple[bool, ...] = ()) -> None:
        self.needs_input_grad = needs_input_grad
        self._to_save: tuple[Tensor, ...] = ()
        self._saved: tuple[Tensor, ...] | None = None
        self._non_differentiable: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` (inputs, outputs or intermediates of ``forward``; ``None``
        allowed) for ``backward``, which reads them as ``ctx.saved_tensors``.

        Example:
            >>> ctx.save_for_backward(x)  # doctest: +SKIP
        """
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward can only save tensors, but argument "
                                f"{tensors.index(t)} is of type {type(t).__name__}")
        self._to_save = tensors

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to :meth:`save_for_backward`, in ``backward``."""
        if self._saved is None:
            raise RuntimeError("saved_tensors can only be read in backward()")
        return self._saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs of ``forward`` that gradients never flow back through:
        ``backward`` gets zeros for them, whatever the loss did with them.

        Example:
            >>> ctx.mark_non_differentiable(indices)  # doctest: +SKIP
        """
        self._non_differentiable |= {id(t) for t in outputs}

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch's interface; unitorch always passes ``backward`` tensors
        (zeros for outputs that did not contribute), PyTorch's default.

        Example:
            >>> ctx.set_materialize_grads(True)  # doctest: +SKIP
        """
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Refused: ``forward`` must return new tensors rather than modify its inputs in
        place (TensorFlow's recorded values cannot change).

        Raises:
            NotImplementedError: always.
        """
        raise NotImplementedError("unitorch does not implement ctx.mark_dirty: return a new "
                                  "tensor from forward() instead of modifying an input")


class Function:
    """Base class of operations with a custom gradient, as ``torch.autograd.Function``.

    Subclasses define two static methods: ``forward(ctx, *args)`` computes the result
    (a tensor or a tuple of tensors) from the arguments (tensors and any other Python
    values) without recording gradients, and may keep tensors with
    ``ctx.save_for_backward``; ``backward(ctx, *grad_outputs)`` gets one gradient per
    output (zeros for outputs the loss does not use) and returns one gradient per
    argument of ``forward``, ``None`` for non-tensor arguments and for inputs that need
    no gradient (``ctx.needs_input_grad``).  Call it with ``MyFunction.apply(*args)``.
    The tensors must belong to one backend; the outputs' gradients have the outputs'
    dtypes and each returned gradient must have its input's shape.

    Raises:
        RuntimeError: ``backward`` returned a wrong number of gradients (PyTorch's
            message).
        ShapeError: a returned gradient's shape is not its input's.
        DTypeError: a floating input's gradient is not floating.

    Example:
        >>> class Cube(ut.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_tensors
        ...         return grad * 3 * x ** 2
        >>> x = ut.tensor([1.0, 2.0], requires_grad=True)
        >>> ut.sum(Cube.apply(x)).backward()
        >>> x.grad
        tensor([ 3., 12.], dtype=float32)
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        """Compute the outputs (subclasses define it)."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Tensor) -> Any:
        """The gradients of the inputs (subclasses define it)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, *grads) "
                                  "to be differentiated")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        """Run ``forward`` on ``args``, recorded as one operation whose gradient is
        ``backward``; returns what ``forward`` returns.

        Example:
            >>> y = Cube.apply(x)  # doctest: +SKIP
        """
        name = cls.__name__
        bk = backend_of(name, *args)
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        inputs = [args[i] for i in positions]
        ctx = FunctionCtx(tuple(isinstance(a, Tensor) and bk.requires_grad(a._n) for a in args))
        shape: dict[str, Any] = {}

        def forward(natives: list[Any]) -> tuple[list[Any], list[Any]]:
            call = list(args)
            for i, n in zip(positions, natives):
                call[i] = _wrap(type(args[i]), n, args[i]._d)
            out = cls.forward(ctx, *call)
            single = isinstance(out, Tensor)
            outs = (out,) if single else out
            if not isinstance(outs, tuple) or not all(isinstance(o, Tensor) for o in outs):
                raise TypeError(f"{name}.forward must return a tensor or a tuple of tensors, "
                                f"got {type(out).__name__}")
            shape["single"] = single
            shape["blocked"] = [id(o) in ctx._non_differentiable for o in outs]
            saved = ctx._to_save
            shape["saved"] = [(type(t), t._d) if t is not None else None for t in saved]
            return [o._n for o in outs], [t._n for t in saved if t is not None]

        def backward(saved: list[Any], grads: list[Any]) -> list[Any]:
            it = iter(saved)
            ctx._saved = tuple(None if s is None else _wrap(s[0], next(it), s[1])
                               for s in shape["saved"])
            T, of = bk.Tensor, bk.dtype_from_native
            wrapped = [_wrap(T, g, of[g.dtype]) for g in grads]
            if any(shape["blocked"]):
                from .ops.creation import zeros_like

                wrapped = [zeros_like(g) if b else g for g, b in zip(wrapped, shape["blocked"])]
            got = cls.backward(ctx, *wrapped)
            got = got if isinstance(got, tuple) else (got,)
            if len(got) != len(args):
                raise RuntimeError(f"function {name}Backward returned an incorrect number "
                                   f"of gradients (expected {len(args)}, got {len(got)})")
            out = []
            for i in positions:
                g = got[i]
                if g is None:
                    out.append(None)
                    continue
                x = args[i]
                if not isinstance(g, Tensor):
                    raise TypeError(f"function {name}Backward returned a gradient of type "
                                    f"{type(g).__name__} at index {i}; expected a Tensor "
                                    "or None")
                if tuple(g.shape) != tuple(x.shape):
                    raise ShapeError(f"function {name}Backward returned an invalid gradient "
                                     f"at index {i}: got shape {fmt_shape(g.shape)} but "
                                     f"expected {fmt_shape(x.shape)}")
                if x._d.kind in "fc" and g._d.kind not in "fc":
                    raise DTypeError(f"function {name}Backward returned a {g._d.name} "
                                     f"gradient at index {i} for a {x._d.name} input")
                out.append(g._n if g._d is x._d else g.astype(x._d)._n)
            return out

        natives = bk.custom_gradient(forward, backward, [t._n for t in inputs])
        # (wrapped from the natives alone: a compiler tracing this frame may not see
        # what forward recorded, when forward ran outside its trace)
        T, of = bk.Tensor, bk.dtype_from_native
        result = tuple(_wrap(T, n, of[n.dtype]) for n in natives)
        return result[0] if len(result) == 1 and shape["single"] else result
