"""``Parameter``: a tensor a Module registers as learnable.

A Parameter is an ordinary unitorch Tensor whose native is mutable in place (a leaf
``torch.Tensor``, a ``tf.Variable``) and which carries a flag; ``isinstance(t,
ut.nn.Parameter)`` checks that flag.  Parameters are therefore as fast as any tensor in
every operation (no subclass to dispatch on).
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor, _wrap

__all__ = ["Parameter", "Buffer", "make_variable"]


class _ParameterMeta(type):
    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, Tensor) and getattr(obj, "_p", False) is True


class Parameter(metaclass=_ParameterMeta):
    """A learnable tensor: ``Parameter(data, requires_grad=True)``.

    The result is a :class:`unitorch.Tensor` holding ``data``'s values (sharing memory with
    it on the torch backend; a new ``tf.Variable`` on TensorFlow) that requires gradients.
    Assigning one to a Module attribute registers it.

    Example:
        >>> w = ut.nn.Parameter(ut.zeros(3))
        >>> isinstance(w, ut.nn.Parameter), w.requires_grad
        (True, True)
    """

    def __new__(cls, data: Any = None, requires_grad: bool = True) -> Tensor:  # type: ignore[misc]
        from ..ops.creation import asarray, zeros

        t = zeros(0) if data is None else asarray(data)
        p = make_variable(t, requires_grad)
        p._p = True
        return p


class Buffer:
    """Marks a tensor to register as a buffer: ``self.running_mean = Buffer(ut.zeros(3))``
    (equivalent to ``self.register_buffer("running_mean", ut.zeros(3))``).

    Example:
        >>> class Counter(ut.nn.Module):
        ...     def __init__(self):
        ...         super().__init__()
        ...         self.count = ut.nn.Buffer(ut.zeros((), dtype=ut.int64))
        >>> m = Counter()
        >>> list(m.state_dict()), list(m.parameters())
        (['count'], [])
    """

    def __init__(self, data: Tensor, persistent: bool = True) -> None:
        self.data, self.persistent = data, persistent


def make_variable(t: Tensor, trainable: bool) -> Tensor:
    """A Tensor around a mutable copy of ``t`` (see the contract's ``variable``); only
    floating and complex tensors can be trainable."""
    if trainable and t.dtype.kind not in "fc":
        from ..errors import DTypeError

        raise DTypeError(f"only floating and complex tensors can require gradients, got "
                         f"{t.dtype.name} (pass requires_grad=False)")
    backend = type(t)._bk
    return _wrap(type(t), backend.variable(t._n, trainable), t._d)
