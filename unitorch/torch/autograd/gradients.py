"""``torch.autograd.backward`` and ``torch.autograd.grad`` on every backend."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ...errors import ShapeError
from ...tensor import Tensor, _wrap

__all__ = ["backward", "grad"]


def _tensors(x: Tensor | Sequence[Tensor], what: str) -> list[Tensor]:
    items = [x] if isinstance(x, Tensor) else list(x)
    for t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"{what} must be tensors, got {type(t).__name__}")
    return items


def _output_gradients(outputs: list[Tensor], given: Any) -> list[Any]:
    if given is None:
        given = [None] * len(outputs)
    grads = [given] if isinstance(given, Tensor) else list(given)
    if len(grads) != len(outputs):
        raise ValueError(f"got {len(grads)} output gradients for {len(outputs)} outputs")
    out = []
    for o, g in zip(outputs, grads):
        if g is None:
            if o.size != 1:
                raise ShapeError(f"grad can be implicitly created only for scalar outputs; "
                                 f"give a gradient of shape {o.shape}")
            out.append(None)
        else:
            if g.shape != o.shape:
                raise ShapeError(f"gradient of shape {g.shape} does not match the output's "
                                 f"shape {o.shape}")
            out.append(g._n)
    return out


def grad(outputs: Tensor | Sequence[Tensor], inputs: Tensor | Sequence[Tensor],
         grad_outputs: Any = None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         materialize_grads: bool = False) -> tuple[Tensor | None, ...]:
    """The gradients of ``outputs`` (summed, each weighted by its ``grad_outputs``) with
    respect to ``inputs``, returned rather than accumulated into ``.grad``.  An input
    the outputs do not depend on raises, unless ``allow_unused`` (it gets ``None``, or
    zeros with ``materialize_grads``).  ``create_graph=True`` records the gradient's
    computation, for higher derivatives.

    Example:
        >>> import unitorch.torch as torch
        >>> x = torch.tensor([3.], requires_grad=True)
        >>> (g,) = torch.autograd.grad(x ** 3, x, create_graph=True)
        >>> g, torch.autograd.grad(g, x)[0]
        (tensor([27.], dtype=float32), tensor([18.], dtype=float32))
    """
    outs = _tensors(outputs, "outputs")
    ins = _tensors(inputs, "inputs")
    backend = type(outs[0])._bk
    for o in outs:
        if not backend.requires_grad(o._n):
            raise RuntimeError("element 0 of tensors does not require grad and does not "
                               "have a grad_fn")
    natives = backend.imperative_gradient(
        [o._n for o in outs], [i._n for i in ins], _output_gradients(outs, grad_outputs),
        bool(retain_graph) or create_graph, create_graph)
    result = []
    for i, g in zip(ins, natives):
        if g is None:
            if not (allow_unused or materialize_grads):
                raise RuntimeError("One of the differentiated Tensors appears to not have "
                                   "been used in the graph. Set allow_unused=True if this "
                                   "is the desired behavior.")
            result.append(i.detach() * 0 if materialize_grads else None)
        else:
            result.append(_wrap(type(i), g, i.dtype))
    return tuple(result)


def backward(tensors: Tensor | Sequence[Tensor], grad_tensors: Any = None,
             retain_graph: bool | None = None, create_graph: bool = False,
             inputs: Any = None) -> None:
    """Accumulate the gradients of ``tensors`` into the leaves' ``.grad`` (what
    ``tensor.backward()`` does, for several tensors at once).

    Example:
        >>> import unitorch.torch as torch
        >>> w = torch.tensor([1., 2.], requires_grad=True)
        >>> torch.autograd.backward([(w * w).sum()])
        >>> w.grad
        tensor([2., 4.], dtype=float32)
    """
    if inputs is not None:
        raise NotImplementedError("unitorch does not implement backward(inputs=...); use "
                                  "torch.autograd.grad")
    outs = _tensors(tensors, "tensors")
    grads = _output_gradients(outs, grad_tensors)
    if len(outs) == 1:
        backend = type(outs[0])._bk
        backend.backward(outs[0]._n, grads[0], create_graph, bool(retain_graph))
        return
    from ...ops.elementwise import add, multiply
    from ...ops.statistical import sum as _sum

    total = None
    for o, g in zip(outs, grads):
        term = _sum(o if g is None else multiply(o, _wrap(type(o), g, o.dtype)))
        total = term if total is None else add(total, term)
    total.backward(retain_graph=retain_graph, create_graph=create_graph)
