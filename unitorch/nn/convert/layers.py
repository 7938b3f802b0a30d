"""Small layers the converters insert where the frameworks' layers do not line up.

* :class:`Permute`: reorders axes (``from_keras`` puts one before the first convolution,
  NHWC -> NCHW, and one before ``Flatten``, NCHW -> NHWC, so the converted model takes
  and returns exactly what the Keras model does);
* :class:`RNNOutput`: turns a recurrent layer's ``(output, state)`` pair into one tensor,
  the whole sequence or its last step (Keras' ``return_sequences``), so a recurrent
  layer can be followed by other layers in a :class:`~unitorch.nn.Sequential`;
* :class:`ConstantPad2d` and :class:`ZeroPad2d`, as in ``torch.nn``: the asymmetric
  padding of Keras' ``padding="same"`` with strides.

They have no parameters, work on every backend, and ``to_torch``/``to_keras`` convert
them back.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

from ...errors import ShapeError, fmt_shape
from ...ops.manipulation import pad, permute_dims
from ...tensor import Tensor
from ..module import Module

__all__ = ["ConstantPad2d", "Permute", "RNNOutput", "ZeroPad2d"]


class Permute(Module):
    """``x`` with its axes reordered: output axis ``i`` is input axis ``dims[i]`` (the
    batch axis included, as ``torch.permute``; Keras' ``Permute`` leaves it out).

    Example:
        >>> ut.nn.convert.Permute(0, 3, 1, 2)(ut.ones((2, 8, 8, 3))).shape
        (2, 3, 8, 8)
    """

    def __init__(self, *dims: int | Sequence[int]) -> None:
        super().__init__()
        if len(dims) == 1 and not isinstance(dims[0], int):
            dims = tuple(dims[0])  # type: ignore[arg-type]
        self.dims = tuple(operator.index(d) for d in dims)  # type: ignore[arg-type]
        if sorted(self.dims) != list(range(len(self.dims))):
            raise ValueError(f"Permute: dims must be a permutation of 0..{len(self.dims) - 1}, "
                             f"got {self.dims}")

    def forward(self, input: Tensor) -> Tensor:
        if input.ndim != len(self.dims):
            raise ShapeError(f"Permute: dims {self.dims} need a {len(self.dims)}-D input, got "
                             f"shape {fmt_shape(input.shape)}")
        return permute_dims(input, self.dims)

    def extra_repr(self) -> str:
        return f"dims={self.dims}"


class RNNOutput(Module):
    """The tensor a Keras recurrent layer returns, from a unitorch/PyTorch recurrent
    layer's ``(output, state)``: the whole ``output`` (``return_sequences=True``) or its
    last time step (``False``, Keras' default; (B, hidden) for ``batch_first`` input).

    Example:
        >>> model = ut.nn.Sequential(ut.nn.LSTM(3, 5, batch_first=True),
        ...                          ut.nn.convert.RNNOutput(), ut.nn.Linear(5, 2))
        >>> model(ut.ones((4, 7, 3))).shape
        (4, 2)
    """

    def __init__(self, return_sequences: bool = False, batch_first: bool = True) -> None:
        super().__init__()
        self.return_sequences = bool(return_sequences)
        self.batch_first = bool(batch_first)

    def forward(self, input: Any) -> Tensor:
        if not isinstance(input, (tuple, list)) or len(input) != 2:
            raise TypeError("RNNOutput: expected the (output, state) pair of a recurrent "
                            f"layer, got {type(input).__name__}")
        out = input[0]
        if self.return_sequences:
            return out
        return out[:, -1] if self.batch_first else out[-1]

    def extra_repr(self) -> str:
        return f"return_sequences={self.return_sequences}, batch_first={self.batch_first}"


def _four(value: Any) -> tuple[int, int, int, int]:
    if isinstance(value, int):
        return (value,) * 4  # type: ignore[return-value]
    p = tuple(operator.index(v) for v in value)
    if len(p) != 4 or any(v < 0 for v in p):
        raise ValueError(f"padding must be an int or 4 non-negative ints (left, right, top, "
                         f"bottom), got {value!r}")
    return p  # type: ignore[return-value]


class ConstantPad2d(Module):
    """Pad the last two axes with ``value``: ``padding`` is an int or ``(left, right,
    top, bottom)``, as ``torch.nn.ConstantPad2d``.

    Example:
        >>> ut.nn.convert.ConstantPad2d((0, 1, 0, 1), 0.0)(ut.ones((1, 3, 4, 4))).shape
        (1, 3, 5, 5)
    """

    def __init__(self, padding: int | Sequence[int], value: float) -> None:
        super().__init__()
        self.padding = _four(padding)
        self.value = float(value)

    def forward(self, input: Tensor) -> Tensor:
        left, right, top, bottom = self.padding
        widths = [(0, 0)] * (input.ndim - 2) + [(top, bottom), (left, right)]
        return pad(input, widths, value=self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two axes with zeros (``torch.nn.ZeroPad2d``).

    Example:
        >>> ut.nn.convert.ZeroPad2d(1)(ut.ones((1, 3, 4, 4))).shape
        (1, 3, 6, 6)
    """

    def __init__(self, padding: int | Sequence[int]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"padding={self.padding}"
