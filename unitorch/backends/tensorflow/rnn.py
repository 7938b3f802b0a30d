"""The TensorFlow backend's ``rnn`` section: recurrent layers as compiled while loops.

TensorFlow has no fused CPU kernel for whole GRU or Elman layers (``CudnnRNN`` is
GPU-only, and Keras runs its recurrent layers on the CPU as a ``tf.while_loop``), so
each layer and direction here is one ``tf.while_loop`` whose body does the recurrent
matmul and the gates, after one matmul for the input projections of every step; the
loop's gradient is TensorFlow's own.  Eagerly, the whole stack runs as one cached
``tf.function`` per structure, so a layer costs one call, not a few eager ops per time
step; while tracing, the loops are inlined.

Variable lengths become a mask; a masked step keeps the state (``SelectV2``) and
outputs zeros, which gives packed-sequence semantics for lengths and the contract's
semantics for any mask.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

from .core import _Cache, _remembered, raw


class RnnOps:
    """The contract's ``rnn`` section."""

    @staticmethod
    def rnn(mode, x, states, weights, num_layers, bidirectional, lengths, mask):
        if not tf.executing_eagerly():
            return _layers(mode, num_layers, bidirectional, x, tuple(states),
                           tuple(weights), lengths, mask)
        # The cached function takes the weights' values, not the variables: a trace run
        # on variables keeps references to those variables, so once the module that
        # traced it was freed, the next module of the same structure failed ("a function
        # referencing variables which have been deleted").  Reading records on the tape,
        # so the gradient still reaches the variables.
        weights = tuple(tf.convert_to_tensor(w) if isinstance(w, tf.Variable) else w
                        for w in weights)
        args = (x, tuple(states), weights, lengths, mask)

        def make() -> Callable[..., Any]:
            def run(*a: Any) -> Any:
                return _layers(mode, num_layers, bidirectional, *a)

            return tf.function(run, autograph=False)

        # one function per structure; TF caches a graph per input signature
        key = (mode, num_layers, bidirectional)
        return _remembered(_FUNCTIONS, key, make)(*args)

    @staticmethod
    def rnn_cell(mode, x, state, w_ih, w_hh, b_ih, b_hh):
        xw = raw.MatMul(a=x, b=w_ih, transpose_b=True)
        if b_ih is not None:
            xw = raw.BiasAdd(value=xw, bias=b_ih)
        hw = raw.MatMul(a=state[0], b=w_hh, transpose_b=True)
        if b_hh is not None:
            hw = raw.BiasAdd(value=hw, bias=b_hh)
        return _STEPS[mode](xw, hw, state)


# few keys (mode, layers, direction); a _Cache as every cache of this backend
_FUNCTIONS = _Cache(1 << 20)


# one step from the input projection xw and the recurrent projection hw, as in the
# contract's default (torch.nn's formulas)

def _tanh(xw, hw, state):
    return (raw.Tanh(x=raw.AddV2(x=xw, y=hw)),)


def _relu(xw, hw, state):
    return (raw.Relu(features=raw.AddV2(x=xw, y=hw)),)


def _lstm(xw, hw, state):
    i, f, g, o = tf.split(raw.AddV2(x=xw, y=hw), 4, axis=1)
    c = raw.AddV2(x=raw.Mul(x=raw.Sigmoid(x=f), y=state[1]),
                  y=raw.Mul(x=raw.Sigmoid(x=i), y=raw.Tanh(x=g)))
    return raw.Mul(x=raw.Sigmoid(x=o), y=raw.Tanh(x=c)), c


def _gru(xw, hw, state):
    xr, xz, xn = tf.split(xw, 3, axis=1)
    hr, hz, hn = tf.split(hw, 3, axis=1)
    r = raw.Sigmoid(x=raw.AddV2(x=xr, y=hr))
    z = raw.Sigmoid(x=raw.AddV2(x=xz, y=hz))
    n = raw.Tanh(x=raw.AddV2(x=xn, y=raw.Mul(x=r, y=hn)))
    return (raw.AddV2(x=n, y=raw.Mul(x=z, y=raw.Sub(x=state[0], y=n))),)


_STEPS = {"RNN_TANH": _tanh, "RNN_RELU": _relu, "LSTM": _lstm, "GRU": _gru}


def _layers(mode, num_layers, bidirectional, x, states, weights, lengths, mask):
    steps = x.shape[0]
    directions = 2 if bidirectional else 1
    per = len(weights) // (num_layers * directions)
    if lengths is not None:
        times = tf.range(steps, dtype=tf.int64)[:, None]
        mask = raw.Less(x=times, y=raw.Cast(x=lengths, DstT=tf.int64)[None, :])[:, :, None]
    finals: list[list[Any]] = [[] for _ in states]
    k = 0
    for _ in range(num_layers):
        outs = []
        for direction in range(directions):
            w = [*weights[k * per:(k + 1) * per], None, None]
            out, final = _direction(mode, x, tuple(s[k] for s in states), *w[:4],
                                    mask, reverse=direction == 1)
            outs.append(out)
            for i, s in enumerate(final):
                finals[i].append(s)
            k += 1
        x = outs[0] if directions == 1 else raw.ConcatV2(values=outs, axis=2)
    return x, tuple(raw.Pack(values=f, axis=0) for f in finals)


def _direction(mode, x, state, w_ih, w_hh, b_ih, b_hh, mask, reverse):
    """One layer in one direction: a while loop over the steps."""
    steps = x.shape[0]
    step = _STEPS[mode]
    b_in, b_rec = b_ih, b_hh
    if b_ih is not None and mode != "GRU":  # (GRU's b_hn stays inside r * (...))
        b_in, b_rec = raw.AddV2(x=b_ih, y=b_hh), None
    xw = raw.MatMul(a=tf.reshape(x, [-1, x.shape[2]]), b=w_ih, transpose_b=True)
    if b_in is not None:
        xw = raw.BiasAdd(value=xw, bias=b_in)
    xw = tf.reshape(xw, [steps, -1, w_ih.shape[0]])
    inputs = tf.TensorArray(x.dtype, size=steps).unstack(xw)
    masks = None if mask is None else tf.TensorArray(tf.bool, size=steps).unstack(mask)
    zero = tf.zeros([1, w_hh.shape[1]], x.dtype)

    def body(i, outputs, *old):
        t = steps - 1 - i if reverse else i
        hw = raw.MatMul(a=old[0], b=w_hh, transpose_b=True)
        if b_rec is not None:
            hw = raw.BiasAdd(value=hw, bias=b_rec)
        new = step(inputs.read(t), hw, old)
        out = new[0]
        if masks is not None:
            m = masks.read(t)
            new = tuple(raw.SelectV2(condition=m, t=a, e=b) for a, b in zip(new, old))
            out = raw.SelectV2(condition=m, t=out, e=zero)
        return (i + 1, outputs.write(t, out), *new)

    outputs = tf.TensorArray(x.dtype, size=steps)
    result = tf.while_loop(lambda i, *_: i < steps, body, (0, outputs, *state),
                           maximum_iterations=steps)
    return result[1].stack(), tuple(result[2:])
