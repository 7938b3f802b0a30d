"""Recurrent layers ``RNN``, ``LSTM``, ``GRU`` and their cells, as in ``torch.nn``, with
batches of variable-length sequences.

Everything PyTorch users rely on is PyTorch's: class names, constructor arguments and
defaults, parameter names, shapes and registration order (``weight_ih_l0``,
``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, then ``..._l0_reverse`` for the
backward direction of a bidirectional layer, then ``..._l1``), so state dicts move
between unitorch and ``torch.nn`` unchanged; gate order (LSTM ``i, f, g, o``; GRU
``r, z, n``); the formulas::

    RNN:   h' = act(W_ih x + b_ih + W_hh h + b_hh)             act = tanh or relu
    LSTM:  i, f, g, o = W_ih x + b_ih + W_hh h + b_hh           (split in 4)
           c' = sigmoid(f) * c + sigmoid(i) * tanh(g)
           h' = sigmoid(o) * tanh(c')
    GRU:   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)
           z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
           n = tanh(W_in x + b_in + r * (W_hn h + b_hn))
           h' = n + z * (h - n)                                  ( = (1 - z) n + z h )

initialisation (every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)),
drawn in registration order from unitorch's portable stream, so ``ut.manual_seed``
gives the same model on every backend); shapes (time-major ``(T, B, features)`` unless
``batch_first``; unbatched ``(T, features)`` input too); and inter-layer dropout (on the
outputs of every layer but the last, in training mode only).

The layers run on each framework's fused recurrent kernels, through the backend
contract's ``rnn`` and ``rnn_cell`` primitives (``unitorch/backends/contract.py``, where
the formulas' step-by-step default lives): on torch the kernels ``torch.nn.LSTM`` and its
siblings call (cuDNN on CUDA), with unitorch's weights, so the numbers are
``torch.nn``'s; on TensorFlow one compiled ``tf.while_loop`` per layer and direction
(TensorFlow has no fused CPU kernel for these layers; Keras runs its own as a while
loop too).  ``lengths=`` goes through PyTorch's packed sequences on torch; a ``mask=``
(which may have holes) has no fused torch kernel and runs the step-by-step default
there.  A layer works inside :func:`unitorch.compile` (``torch.compile`` runs the kernel
between two graphs, as it does for ``torch.nn.LSTM``).

**Variable-length batches.**  Besides PyTorch's packed batches (``ut.nn.utils.rnn``'s
``pack_padded_sequence``, ``pad_packed_sequence``...), ``forward`` takes ``lengths=``
(one length per sequence, in any order: no sorting needed) and/or ``mask=`` (bool,
``True`` at real steps) with the padded batch.  A step
that is masked out does not change the state (the state is carried through the
padding, so ``h_n`` is each sequence's state after its own last real step), its output
is zero (as ``pad_packed_sequence(..., total_length=T)`` gives), and the backward
direction of a bidirectional layer starts at each sequence's own last real step, as
with packed sequences.  The output keeps the padded length ``T``.  With both
arguments a step is real when both say so.  A mask need not be a prefix: masked steps
are skipped wherever they are (left padding works; the backward direction skips them
too).

Differences from PyTorch (the same on both backends):

* a ``PackedSequence`` (``ut.nn.utils.rnn``) is accepted and returned as in PyTorch,
  but ``lengths=`` with the padded batch is the direct way (no packing copies);
* LSTM's ``proj_size`` is not supported (``ValueError``);
* the input, the parameters and ``hx`` promote to one floating dtype (PyTorch requires
  equal dtypes); integer input raises :class:`DTypeError`;
* lengths are checked (each in ``[1, T]``) only where their values can be read, i.e.
  not while a compiled function is traced.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

import numpy as np

from .. import dtypes as dt
from .._dispatch import backend_of, to_tensor
from ..errors import DTypeError, ShapeError, fmt_shape
from ..ops.creation import asarray_on, astype
from ..ops.elementwise import less, logical_and
from ..ops.manipulation import reshape, stack, swapaxes
from ..tensor import Tensor, _wrap
from . import init
from ._dropout import dropout as _dropout
from ._packed import PackedSequence, packed_like, pad_packed_sequence
from .layers._common import count, new_parameter
from .module import Module

__all__ = ["RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}

State = tuple[Tensor, ...]


# ---------------------------------------------------------------------------------------
# argument checks shared by layers and cells


def _check_float(name: str, what: str, t: Tensor) -> None:
    if t._d.kind != "f":
        raise DTypeError(f"{name}: {what} must be a real floating tensor, got {t._d.name}")


def _check_shape(name: str, what: str, t: Tensor, expected: tuple[int, ...]) -> None:
    if tuple(t.shape) != tuple(expected):
        raise ShapeError(f"{name}: expected {what} of shape {fmt_shape(expected)}, got "
                         f"{fmt_shape(t.shape)}")


def _zeros(backend: Any, shape: tuple[int, ...], d: dt.DType, device: Any) -> Tensor:
    return _wrap(backend.Tensor, backend.full(shape, 0, d, device), d)


def _zeros_like_batch(x: Tensor, hidden: int) -> Tensor:
    """Zeros of shape (batch, hidden) for time-major ``x`` whose batch size is unknown
    while tracing: built from ``x`` (a (batch, 1) slice times 0) broadcast against
    (hidden,), which needs no static shape.  NaN or inf in ``x``'s first feature would
    leak in, but such input makes the first step NaN anyway."""
    return x[0, :, :1] * 0 + _zeros(type(x)._bk, (hidden,), x.dtype, x.device)


def _promote(*dtypes: dt.DType) -> dt.DType:
    d = dtypes[0]
    for other in dtypes[1:]:
        d = dt.promote_types(d, other)
    return d


def _cast(t: Tensor, d: dt.DType) -> Tensor:
    return t if t._d is d else astype(t, d)


def _check_dropout(dropout: Any) -> float:
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or \
            not 0 <= float(dropout) <= 1:
        raise ValueError("dropout should be a number in range [0, 1] representing the "
                         f"probability of an element being zeroed, got {dropout!r}")
    return float(dropout)


def _nonlinearity(name: str, nonlinearity: Any) -> str:
    if nonlinearity == "tanh":
        return "RNN_TANH"
    if nonlinearity == "relu":
        return "RNN_RELU"
    raise ValueError(f"{name}: unknown nonlinearity {nonlinearity!r}; select 'tanh' or "
                     "'relu'")


def _reset(module: Module, hidden_size: int) -> None:
    bound = 1.0 / math.sqrt(hidden_size) if hidden_size > 0 else 0.0
    for p in module.parameters():
        init.uniform_(p, -bound, bound)


# ---------------------------------------------------------------------------------------
# variable lengths


def _lengths(name: str, backend: Any, lengths: Any, steps: int, batch: int,
             unbatched: bool, device: Any) -> Tensor:
    """``lengths`` as a (B,) int64 tensor, checked (each in [1, T]) where the values can
    be read."""
    if isinstance(lengths, Tensor):
        lt = to_tensor(lengths, backend)
        d, shape = lt._d, tuple(lt.shape)
    else:
        lt = None
        arr = np.asarray(lengths)
        if arr.size == 0:
            arr = arr.astype(np.int64)  # [] for an empty batch
        d, shape = (dt.as_dtype(arr.dtype) if arr.dtype.kind in "biuf" else None), arr.shape
        if d is None:
            raise DTypeError(f"{name}: lengths must be integers, got {lengths!r}")
    if d.kind not in "iu":
        raise DTypeError(f"{name}: lengths must be integers, got {d.name}")
    if shape not in (((), (1,)) if unbatched else ((batch,),)):
        raise ShapeError(f"{name}: lengths must hold one length per sequence ({batch}), "
                         f"got shape {fmt_shape(shape)}")
    if lt is not None and backend.is_compiling():
        # values are symbolic here: used as they are, without checking them
        return reshape(astype(asarray_on(backend, lt, device=device), dt.int64),
                       (-1 if batch is None else batch,))
    values = (arr if lt is None else lt.numpy()).reshape(batch).astype(np.int64)
    bad = values[(values < 1) | (values > steps)]
    if bad.size:
        raise ValueError(f"{name}: every length must lie in [1, {steps}] (the number of "
                         f"time steps of the padded input), got {int(bad[0])}")
    return asarray_on(backend, values, device=device)


def _step_mask(name: str, backend: Any, lengths: Tensor | None, mask: Any, steps: int,
               batch: int | None, batch_first: bool, unbatched: bool, device: Any) -> Tensor:
    """The (T, B, 1) bool mask of real steps: ``mask`` (and, when given, the checked
    ``lengths``)."""
    mt = to_tensor(mask, backend)
    if mt._d is not dt.bool:
        raise DTypeError(f"{name}: mask must be a bool tensor, got {mt._d.name}")
    if unbatched:
        expected: tuple[int, ...] = (steps,)
    else:
        expected = (batch, steps) if batch_first else (steps, batch)
    _check_shape(name, "mask", mt, expected)
    mt = asarray_on(backend, mt, device=device)  # (no copy when already there)
    if unbatched:
        mt = reshape(mt, (steps, 1))
    elif batch_first:
        mt = swapaxes(mt, 0, 1)
    if lengths is not None:
        times = asarray_on(backend, np.arange(steps).reshape(steps, 1), device=device)
        mt = logical_and(mt, less(times, reshape(lengths, (1, -1))))
    return reshape(mt, (steps, -1 if batch is None else batch, 1))


# ---------------------------------------------------------------------------------------
# layers


_FORWARD_DOC = """
        ``input``: (T, B, input_size), or (B, T, input_size) with ``batch_first``, or
        unbatched (T, input_size).  ``hx``: the initial state{hx_doc}, of shape
        (num_layers * num_directions, B, hidden_size) (unbatched: without B), zeros if
        omitted.  ``lengths``: one length per sequence (a list or 1-D integer tensor,
        each in [1, T], in any order); ``mask``: bool, (B, T) with ``batch_first`` else
        (T, B) (unbatched: (T,)), True at real steps.  See the module docstring.

        Returns ``(output, {ret})``: ``output`` (T, B, num_directions * hidden_size) (B
        first with ``batch_first``; zeros at masked steps) and the final state{ret_doc}
        with ``hx``'s shape.  The dtype is the promoted floating dtype of input,
        parameters and ``hx``.
"""


class _RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None
                 ) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = count(name, "input_size", input_size)
        self.hidden_size = count(name, "hidden_size", hidden_size, minimum=1)
        self.num_layers = count(name, "num_layers", num_layers, minimum=1)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = _check_dropout(dropout)
        self.bidirectional = bool(bidirectional)
        if self.dropout > 0 and self.num_layers == 1:
            warnings.warn(
                f"{name}: dropout acts between recurrent layers, so non-zero dropout "
                f"expects num_layers greater than 1, but got dropout={self.dropout} and "
                f"num_layers={self.num_layers}", UserWarning, stacklevel=3)
        gate_size = _GATES[mode] * self.hidden_size
        directions = 2 if self.bidirectional else 1
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else self.hidden_size * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                shapes = [("weight_ih", (gate_size, layer_input)),
                          ("weight_hh", (gate_size, self.hidden_size))]
                if self.bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                for base, shape in shapes:
                    setattr(self, base + suffix, new_parameter(shape, dtype, device))
                    self._flat_weights_names.append(base + suffix)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias again from U(-1/sqrt(hidden_size),
        1/sqrt(hidden_size)), in registration order, from the portable stream."""
        _reset(self, self.hidden_size)

    def flatten_parameters(self) -> None:
        """Nothing to do (PyTorch compacts cuDNN weights here); kept for compatibility."""

    @property
    def all_weights(self) -> list[list[Tensor]]:
        """The parameters grouped per layer and direction, as in PyTorch."""
        per = 4 if self.bias else 2
        flat = [getattr(self, n) for n in self._flat_weights_names]
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    # -- forward --------------------------------------------------------------------------

    def _states(self, hx: Any) -> list[Any] | None:
        """``hx`` as a list of the state tensors (one for RNN/GRU, (h, c) for LSTM)."""
        if hx is None:
            return None
        return [hx]

    def forward(self, input: Tensor, hx: Tensor | None = None, *, lengths: Any = None,
                mask: Any = None) -> tuple[Tensor, Tensor]:
        out, (h,) = self._forward(input, hx, lengths, mask)
        return out, h

    forward.__doc__ = "Run the layer over the sequence." + _FORWARD_DOC.format(
        hx_doc="", ret="h_n", ret_doc=" h_n")  # (RNN, GRU; LSTM has two states)

    def _forward(self, input: Any, hx: Any, lengths: Any, mask: Any
                 ) -> tuple[Any, list[Tensor]]:
        if isinstance(input, PackedSequence):
            # PyTorch's packed batches: run as the padded batch with its lengths (the
            # batch and hx in their original order) and pack the output the same way
            if lengths is not None or mask is not None:
                raise ValueError(f"{type(self).__name__}: a PackedSequence carries its "
                                 "lengths; pass no lengths= or mask= with it")
            padded, lens = pad_packed_sequence(input)
            out, states = self._run(padded, hx, lens, None, batch_first=False)
            return packed_like(out, input), states
        return self._run(input, hx, lengths, mask, self.batch_first)

    def _run(self, input: Any, hx: Any, lengths: Any, mask: Any, batch_first: bool
             ) -> tuple[Tensor, list[Tensor]]:
        name = type(self).__name__
        w0 = self.weight_ih_l0
        backend = backend_of(name, input, w0)
        x = to_tensor(input, backend)
        shape = tuple(x.shape)
        if len(shape) not in (2, 3):
            raise ShapeError(f"{name}: expected a 2-D (unbatched) or 3-D (batched) input, "
                             f"got shape {fmt_shape(shape)}")
        _check_float(name, "input", x)
        if shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input has {shape[-1]} features (its last dimension) "
                             f"but input_size is {self.input_size}")
        unbatched = len(shape) == 2
        if unbatched:
            steps, batch = shape[0], 1
        elif batch_first:
            batch, steps = shape[0], shape[1]
        else:
            steps, batch = shape[0], shape[1]
        if steps is None:  # the loop over time steps is unrolled while tracing
            raise ShapeError(f"{name}: the number of time steps must be known, got input "
                             f"shape {fmt_shape(shape)}")
        if steps == 0:
            raise ShapeError(f"{name}: expected at least one time step, got input shape "
                             f"{fmt_shape(shape)}")
        directions = 2 if self.bidirectional else 1
        hidden = self.hidden_size
        n_states = self.num_layers * directions
        given = self._states(hx)
        states: list[Tensor] | None = None
        d = _promote(x._d, w0._d)
        if given is not None:
            states = []
            expected = (n_states, hidden) if unbatched else (n_states, batch, hidden)
            for what, s in zip(("h_0", "c_0") if len(given) == 2 else ("hx",), given):
                t = to_tensor(s, backend)
                _check_float(name, what, t)
                _check_shape(name, what, t, expected)
                states.append(t)
            d = _promote(d, *(t._d for t in states))
        device = backend.device(x._n)
        lens = None if lengths is None else _lengths(name, backend, lengths, steps, batch,
                                                     unbatched, device)
        m = None
        if mask is not None:
            m = _step_mask(name, backend, lens, mask, steps, batch, batch_first,
                           unbatched, device)._n
            lens = None
        elif lens is not None and batch == 0:
            lens = None  # nothing to pack

        x = _cast(x, d)
        if unbatched:
            x = reshape(x, (steps, 1, shape[1]))
        elif batch_first:
            x = swapaxes(x, 0, 1)
        if states is None:
            zero = _zeros(backend, (n_states, batch, hidden), d, device) if batch is not None \
                else stack([_zeros_like_batch(x, hidden)] * n_states)
            init = [zero._n] * len(self._state_names)
        else:
            init = [reshape(_cast(t, d), (n_states, -1 if batch is None else batch, hidden))._n
                    for t in states]
        weights = [_cast(getattr(self, n), d)._n for n in self._flat_weights_names]
        lens_n = None if lens is None else lens._n

        if self.dropout > 0 and self.training and self.num_layers > 1:
            # layer by layer, with unitorch's dropout (portable mode included) between
            per = len(weights) // self.num_layers
            finals: list[list[Any]] = [[] for _ in init]
            xn = x._n
            for layer in range(self.num_layers):
                if layer:
                    xn = _dropout(_wrap(type(x), xn, d), self.dropout, True)._n
                rows = slice(layer * directions, (layer + 1) * directions)
                xn, fin = backend.rnn(self.mode, xn, tuple(s[rows] for s in init),
                                      weights[layer * per:(layer + 1) * per], 1,
                                      self.bidirectional, lens_n, m)
                for i, f in enumerate(fin):
                    finals[i].append(f)
            out_n = xn
            final_n = [backend.concat(f, 0) for f in finals]
        else:
            out_n, final_n = backend.rnn(self.mode, x._n, tuple(init), weights,
                                         self.num_layers, self.bidirectional, lens_n, m)
        x = _wrap(type(x), out_n, d)
        if unbatched:
            x = reshape(x, (steps, directions * hidden))
        elif batch_first:
            x = swapaxes(x, 0, 1)
        out_states = []
        for f in final_n:
            s = _wrap(type(x), f, d)
            if unbatched:
                s = reshape(s, (n_states, hidden))
            out_states.append(s)
        return x, out_states

    _state_names: tuple[str, ...] = ("hx",)





class RNN(_RNNBase):
    """An Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or ``relu``), stacked
    ``num_layers`` deep, optionally bidirectional, as ``torch.nn.RNN``.

    Parameters per layer ``k`` (and ``_reverse`` for the backward direction):
    ``weight_ih_lk`` (hidden_size, input_size for k = 0 else num_directions *
    hidden_size), ``weight_hh_lk`` (hidden_size, hidden_size), ``bias_ih_lk`` and
    ``bias_hh_lk`` (hidden_size,), all from U(-1/sqrt(hidden_size),
    1/sqrt(hidden_size)).  ``dropout`` applies to every layer's output but the last, in
    training mode.  ``forward(input, hx=None, *, lengths=None, mask=None)`` returns
    ``(output, h_n)``; variable-length batches are described in the module docstring.

    Example:
        >>> rnn = ut.nn.RNN(3, 5, num_layers=2)
        >>> out, h_n = rnn(ut.ones((7, 4, 3)), lengths=[7, 2, 5, 1])
        >>> out.shape, h_n.shape
        ((7, 4, 5), (2, 4, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: Any = None,
                 dtype: Any = None) -> None:
        super().__init__(_nonlinearity("RNN", nonlinearity), input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device,
                         dtype)
        self.nonlinearity = nonlinearity


class GRU(_RNNBase):
    """A gated recurrent unit layer, as ``torch.nn.GRU`` (gates ``r, z, n`` in that order
    in the weights; ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) n
    + z h``), stacked ``num_layers`` deep, optionally bidirectional.

    Parameters as :class:`RNN`'s with 3 * hidden_size rows.
    ``forward(input, hx=None, *, lengths=None, mask=None)`` returns ``(output, h_n)``.

    Example:
        >>> gru = ut.nn.GRU(3, 5, batch_first=True, bidirectional=True)
        >>> out, h_n = gru(ut.ones((4, 7, 3)), lengths=ut.tensor([7, 2, 5, 1]))
        >>> out.shape, h_n.shape
        ((4, 7, 10), (2, 4, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)


class LSTM(_RNNBase):
    """A long short-term memory layer, as ``torch.nn.LSTM`` (gates ``i, f, g, o`` in that
    order in the weights), stacked ``num_layers`` deep, optionally bidirectional.

    Parameters as :class:`RNN`'s with 4 * hidden_size rows.  ``proj_size`` is not
    supported (``ValueError`` unless 0).  ``forward(input, hx=None, *, lengths=None,
    mask=None)``, with ``hx = (h_0, c_0)``, returns ``(output, (h_n, c_n))``.

    Example:
        >>> lstm = ut.nn.LSTM(3, 5)
        >>> out, (h_n, c_n) = lstm(ut.ones((7, 4, 3)), lengths=[7, 2, 5, 1])
        >>> out.shape, h_n.shape, c_n.shape
        ((7, 4, 5), (1, 4, 5), (1, 4, 5))
    """

    _state_names = ("h", "c")

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: Any = None,
                 dtype: Any = None) -> None:
        if proj_size != 0:
            raise ValueError("proj_size is not supported")
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, device, dtype)
        self.proj_size = 0

    def _states(self, hx: Any) -> list[Any] | None:
        if hx is None:
            return None
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"LSTM: hx must be a pair (h_0, c_0), got "
                            f"{type(hx).__name__}")
        return list(hx)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None, *,
                lengths: Any = None, mask: Any = None
                ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        out, (h, c) = self._forward(input, hx, lengths, mask)
        return out, (h, c)

    forward.__doc__ = "Run the layer over the sequence." + _FORWARD_DOC.format(
        hx_doc=" ``(h_0, c_0)``", ret="(h_n, c_n)", ret_doc="s h_n and c_n")


# ---------------------------------------------------------------------------------------
# cells


class _CellBase(Module):
    """The shared machinery of the cells: one time step of the corresponding layer."""

    _n_states = 1

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool,
                 device: Any, dtype: Any) -> None:
        super().__init__()
        name = type(self).__name__
        self.mode = mode
        self.input_size = count(name, "input_size", input_size)
        self.hidden_size = count(name, "hidden_size", hidden_size, minimum=1)
        self.bias = bool(bias)
        gate_size = _GATES[mode] * self.hidden_size
        self.weight_ih = new_parameter((gate_size, self.input_size), dtype, device)
        self.weight_hh = new_parameter((gate_size, self.hidden_size), dtype, device)
        if self.bias:
            self.bias_ih = new_parameter((gate_size,), dtype, device)
            self.bias_hh = new_parameter((gate_size,), dtype, device)
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every weight and bias again from U(-1/sqrt(hidden_size),
        1/sqrt(hidden_size)), in registration order, from the portable stream."""
        _reset(self, self.hidden_size)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity=relu"
        return s

    def _cell(self, input: Any, hx: list[Any] | None) -> State:
        name = type(self).__name__
        backend = backend_of(name, input, self.weight_ih)
        x = to_tensor(input, backend)
        shape = tuple(x.shape)
        if len(shape) not in (1, 2):
            raise ShapeError(f"{name}: expected a 1-D (unbatched) or 2-D (batched) input, "
                             f"got shape {fmt_shape(shape)}")
        _check_float(name, "input", x)
        if shape[-1] != self.input_size:
            raise ShapeError(f"{name}: input has {shape[-1]} features (its last dimension) "
                             f"but input_size is {self.input_size}")
        expected = (self.hidden_size,) if len(shape) == 1 else (shape[0], self.hidden_size)
        d = _promote(x._d, self.weight_ih._d)
        if hx is None:
            zero = _zeros(backend, expected, d, backend.device(x._n))
            states = [zero] * self._n_states
        else:
            states = []
            whats = ("h_0", "c_0") if self._n_states == 2 else ("hx",)
            for what, s in zip(whats, hx):
                t = to_tensor(s, backend)
                _check_float(name, what, t)
                _check_shape(name, what, t, expected)
                states.append(t)
            d = _promote(d, *(t._d for t in states))
        unbatched = len(shape) == 1
        natives = [(reshape(t, (1, -1)) if unbatched else t)._n
                   for t in (_cast(x, d), *(_cast(s, d) for s in states))]
        w = [None if p is None else _cast(p, d)._n
             for p in (self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)]
        new = backend.rnn_cell(self.mode, natives[0], tuple(natives[1:]), *w)
        out = tuple(_wrap(backend.Tensor, n, d) for n in new)
        return tuple(reshape(t, expected) for t in out) if unbatched else out


class RNNCell(_CellBase):
    """One step of an Elman RNN: ``h' = tanh(W_ih x + b_ih + W_hh h + b_hh)`` (or
    ``relu``), as ``torch.nn.RNNCell``; ``forward(input, hx=None)`` returns ``h'``.

    ``input`` (B, input_size) or unbatched (input_size,); ``hx`` (B, hidden_size) or
    (hidden_size,), zeros if omitted.  Parameters ``weight_ih`` (hidden_size,
    input_size), ``weight_hh`` (hidden_size, hidden_size), ``bias_ih``, ``bias_hh``
    (hidden_size,), from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)).

    Example:
        >>> cell = ut.nn.RNNCell(3, 5)
        >>> cell(ut.ones((4, 3))).shape
        (4, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: Any = None, dtype: Any = None) -> None:
        mode = _nonlinearity("RNNCell", nonlinearity)
        super().__init__(mode, input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._cell(input, None if hx is None else [hx])[0]


class GRUCell(_CellBase):
    """One step of a GRU, as ``torch.nn.GRUCell`` (gates ``r, z, n``);
    ``forward(input, hx=None)`` returns ``h'``.  Shapes as :class:`RNNCell`'s, with
    3 * hidden_size rows in the parameters.

    Example:
        >>> cell = ut.nn.GRUCell(3, 5)
        >>> cell(ut.ones(3)).shape
        (5,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._cell(input, None if hx is None else [hx])[0]


class LSTMCell(_CellBase):
    """One step of an LSTM, as ``torch.nn.LSTMCell`` (gates ``i, f, g, o``);
    ``forward(input, hx=None)`` with ``hx = (h, c)`` returns ``(h', c')``.  Shapes as
    :class:`RNNCell`'s, with 4 * hidden_size rows in the parameters.

    Example:
        >>> cell = ut.nn.LSTMCell(3, 5)
        >>> h, c = cell(ut.ones((4, 3)))
        >>> h.shape, c.shape
        ((4, 5), (4, 5))
    """

    _n_states = 2

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: Any = None, dtype: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype)

    def forward(self, input: Tensor, hx: tuple[Tensor, Tensor] | None = None
                ) -> tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a pair (h_0, c_0), got "
                            f"{type(hx).__name__}")
        h, c = self._cell(input, None if hx is None else list(hx))
        return h, c
