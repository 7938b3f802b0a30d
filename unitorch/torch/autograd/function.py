"""``torch.autograd.Function``: an operation with a hand-written backward, on every
backend (the framework's own machinery: a ``torch.autograd.Function`` on PyTorch,
``tf.custom_gradient`` on TensorFlow, through the backend contract's
``custom_gradient``).

Subclass it with two static methods, as in PyTorch::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return grad_output * 3 * x ** 2

and call ``Cube.apply(x)``.  ``forward`` runs without recording and may return a tensor
or a tuple of tensors; ``backward`` gets one gradient per output (zeros for an output
that did not contribute) and returns one gradient (or ``None``) per argument of
``forward`` (non-tensor arguments get ``None``).  On the context: ``save_for_backward``
and ``saved_tensors``, ``needs_input_grad``, ``mark_non_differentiable`` (those outputs
get zero gradients), and any attribute of your own (``ctx.scale = 2``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...autograd import no_grad
from ...backends import current
from ...tensor import Tensor, _wrap

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """The ``ctx`` a :class:`Function`'s ``forward`` and ``backward`` share.

    Example:
        >>> from unitorch.torch.autograd import FunctionCtx
        >>> ctx = FunctionCtx()
        >>> ctx.save_for_backward(ut.ones(2))
        >>> [t.shape for t in ctx.saved_tensors]
        [(2,)]
    """

    def __init__(self) -> None:
        self._saved: tuple[Any, ...] = ()
        self.needs_input_grad: tuple[bool, ...] = ()
        self._non_differentiable: set[int] = set()
        self.materialize_grads = True

    def save_for_backward(self, *tensors: Any) -> None:
        """Keep tensors (or ``None``) for ``backward``, read back as :attr:`saved_tensors`.

        Example:
            >>> ctx = FunctionCtx()
            >>> ctx.save_for_backward(ut.ones(1), None)
            >>> len(ctx.saved_tensors)
            2
        """
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError("save_for_backward() can only save tensors (or None), got "
                                f"{type(t).__name__}; keep other values as ctx attributes")
        self._saved = tensors

    @property
    def saved_tensors(self) -> tuple[Any, ...]:
        """What :meth:`save_for_backward` saved.

        Example:
            >>> ctx = FunctionCtx()
            >>> ctx.saved_tensors
            ()
        """
        return self._saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """Declare outputs that gradients never flow back through (their ``backward``
        gradient is zeros).

        Example:
            >>> ctx = FunctionCtx()
            >>> ctx.mark_non_differentiable(ut.ones(1))
        """
        self._non_differentiable |= {id(t) for t in outputs}

    def set_materialize_grads(self, value: bool) -> None:
        """Accepted for PyTorch's interface: unitorch always passes gradients as tensors
        (zeros for outputs that did not contribute).

        Example:
            >>> FunctionCtx().set_materialize_grads(True)
        """
        self.materialize_grads = bool(value)

    def mark_dirty(self, *tensors: Tensor) -> None:
        """Not supported: a Function's forward must not modify its inputs in place.

        Example:
            >>> FunctionCtx().mark_dirty(ut.ones(1))  # doctest: +SKIP
            Traceback (most recent call last):
            NotImplementedError: ...
        """
        raise NotImplementedError("unitorch does not implement ctx.mark_dirty: return a new "
                                  "tensor from forward() instead of modifying an input")


class Function:
    """Base class of operations with a custom backward (see the module docstring).

    Example:
        >>> class Cube(ut.torch.autograd.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return x ** 3
        ...     @staticmethod
        ...     def backward(ctx, grad_output):
        ...         (x,) = ctx.saved_tensors
        ...         return grad_output * 3 * x ** 2
        >>> x = ut.tensor([1., 2.], requires_grad=True)
        >>> Cube.apply(x).sum().backward()
        >>> x.grad
        tensor([ 3., 12.], dtype=float32)
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        """The computation (runs without recording); override it.

        Example:
            >>> ut.torch.autograd.Function.forward(None)  # doctest: +SKIP
            Traceback (most recent call last):
            NotImplementedError: ...
        """
        raise NotImplementedError("a Function subclass must define forward(ctx, ...)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """The gradients of the inputs from those of the outputs; override it.

        Example:
            >>> ut.torch.autograd.Function.backward(None)  # doctest: +SKIP
            Traceback (most recent call last):
            NotImplementedError: ...
        """
        raise NotImplementedError("a Function subclass must define backward(ctx, ...) to be "
                                  "differentiated")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record it so that ``backward`` gives the gradients.

        Example:
            >>> class Double(ut.torch.autograd.Function):
            ...     @staticmethod
            ...     def forward(ctx, x):
            ...         return x * 2
            ...     @staticmethod
            ...     def backward(ctx, g):
            ...         return g * 2
            >>> Double.apply(ut.tensor([1.]))
            tensor([2.], dtype=float32)
        """
        positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        tensors = [args[i] for i in positions]
        backend = type(tensors[0])._bk if tensors else current()
        ctx = FunctionCtx()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        recording = any(ctx.needs_input_grad) and backend.is_grad_enabled()
        if not recording:
            with no_grad():
                return cls.forward(ctx, *args, **kwargs)
        dtypes = [t.dtype for t in tensors]
        T = backend.Tensor
        shape: list[Any] = []  # how forward's outputs were nested: a tensor or a tuple

        def forward(*natives: Any) -> tuple[tuple[Any, ...], Callable[..., Any]]:
            call = list(args)
            for i, n, d in zip(positions, natives, dtypes):
                call[i] = _wrap(T, n, d)
            out = cls.forward(ctx, *call, **kwargs)
            outputs = (out,) if isinstance(out, Tensor) else tuple(out)
            for o in outputs:
                if not isinstance(o, Tensor):
                    raise TypeError(f"{cls.__name__}.forward() must return tensors, got "
                                    f"{type(o).__name__}")
            shape.append(isinstance(out, Tensor))
            shape.append([o.dtype for o in outputs])
            blocked = [id(o) in ctx._non_differentiable for o in outputs]

            def backward(*grads: Any) -> list[Any]:
                wrapped = [_wrap(T, g, d) for g, d in zip(grads, shape[1])]
                wrapped = [g * 0 if b else g for g, b in zip(wrapped, blocked)]
                result = cls.backward(ctx, *wrapped)
                result = (result,) if not isinstance(result, tuple) else result
                if len(result) != len(args):
                    raise RuntimeError(f"function {cls.__name__}Backward returned an "
                                       f"incorrect number of gradients (expected "
                                       f"{len(args)}, got {len(result)})")
                picked = [result[i] for i in positions]
                return [None if g is None else g._n for g in picked]

            return tuple(o._n for o in outputs), backward

        natives = backend.custom_gradient(forward, [t._n for t in tensors])
        outputs = tuple(_wrap(T, n, d) for n, d in zip(natives, shape[1]))
        return outputs[0] if shape[0] else outputs


def once_differentiable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """PyTorch's decorator for a ``backward`` that cannot itself be differentiated;
    unitorch's backward is run without recording anyway, so it returns ``fn``.

    Example:
        >>> once_differentiable(abs) is abs
        True
    """
    return fn
