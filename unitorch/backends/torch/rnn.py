"""The PyTorch backend's ``rnn`` section: PyTorch's fused recurrent kernels.

``torch._VF.lstm`` / ``gru`` / ``rnn_tanh`` / ``rnn_relu`` are what ``torch.nn.LSTM`` and
its siblings call (one C++ kernel over the whole sequence and every layer, cuDNN on
CUDA, oneDNN on CPUs where torch enables it), with unitorch's weights passed as the flat
list PyTorch keeps in ``_flat_weights``; variable lengths go through PyTorch's packed
sequences, as ``torch.nn.utils.rnn.pack_padded_sequence(..., enforce_sorted=False)``
makes them.  The numbers are ``torch.nn``'s.  A mask with holes (a unitorch extension)
has no fused kernel: the contract's step-by-step default runs it.

``torch.compile`` graph-breaks around these calls, as it does around ``torch.nn.LSTM``
(Dynamo's ``allow_rnn`` is off by default): the kernel runs eagerly between two graphs,
as in the same program written with ``torch.nn``.
"""

from __future__ import annotations

import torch

from ..contract import Backend
from .core import _eager_in_traces

_VF = torch._VF
_LAYERS = {"LSTM": _VF.lstm, "GRU": _VF.gru, "RNN_TANH": _VF.rnn_tanh,
           "RNN_RELU": _VF.rnn_relu}
_CELLS = {"LSTM": _VF.lstm_cell, "GRU": _VF.gru_cell, "RNN_TANH": _VF.rnn_tanh_cell,
          "RNN_RELU": _VF.rnn_relu_cell}
_pack = torch._C._VariableFunctions._pack_padded_sequence
_pad = torch._C._VariableFunctions._pad_packed_sequence


class RnnOps:
    """The contract's ``rnn`` section."""

    def rnn(self, mode, x, states, weights, num_layers, bidirectional, lengths, mask):
        if mask is not None:
            return Backend.rnn(self, mode, x, states, weights, num_layers, bidirectional,
                               lengths, mask)
        run = _fused_eager if torch.compiler.is_compiling() else _fused
        return run(mode, x, states, weights, num_layers, bidirectional, lengths)

    @staticmethod
    def rnn_cell(mode, x, state, w_ih, w_hh, b_ih, b_hh):
        out = _CELLS[mode](x, state if mode == "LSTM" else state[0], w_ih, w_hh, b_ih, b_hh)
        return tuple(out) if mode == "LSTM" else (out,)


def _fused(mode, x, states, weights, num_layers, bidirectional, lengths):
    kernel = _LAYERS[mode]
    has_biases = len(weights) == 4 * num_layers * (2 if bidirectional else 1)
    hx = list(states) if mode == "LSTM" else states[0]
    if lengths is None:
        out = kernel(x, hx, weights, has_biases, num_layers, 0.0, False, bidirectional, False)
        return out[0], tuple(out[1:])
    # packed sequences, as pack_padded_sequence(enforce_sorted=False) and torch.nn.LSTM
    # with a PackedSequence do: sort by decreasing length, pack, run, pad, unsort
    lengths = lengths.to("cpu")
    sorted_lengths, order = torch.sort(lengths, descending=True)
    order = order.to(x.device)
    unorder = torch.empty_like(order)
    unorder.scatter_(0, order, torch.arange(order.numel(), device=order.device))
    data, batch_sizes = _pack(x.index_select(1, order), sorted_lengths, False)
    if mode == "LSTM":
        hx = [h.index_select(1, order) for h in hx]
    else:
        hx = hx.index_select(1, order)
    out = kernel(data, batch_sizes, hx, weights, has_biases, num_layers, 0.0, False,
                 bidirectional)
    padded, _ = _pad(out[0], batch_sizes, False, 0.0, x.shape[0])
    return (padded.index_select(1, unorder),
            tuple(h.index_select(1, unorder) for h in out[1:]))


# (wrapped lazily: the wrapper imports torch._dynamo at its first call, which happens
# only while compiling)
_fused_eager = _eager_in_traces(_fused)
