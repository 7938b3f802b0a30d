"""Recurrent layers (``ut.nn.RNN``, ``LSTM``, ``GRU``) and cells against a NumPy float64
reference written here from PyTorch's documented formulas, against ``torch.nn`` itself
(same weights, packed sequences for variable lengths) and across backends; their
parameters (names, shapes, order, initialisation), gradients (against central finite
differences of the reference), inter-layer dropout, compiled use and errors.

The reference runs each sequence on its own over exactly its real steps (reversed for
the backward direction), so it checks the masking of the implementation independently.

Tolerances: the ``composite`` family scaled by ``steps * layers``: every step composes a
short matmul (K <= 12 terms of O(1)), sigmoid/tanh and a few products, and the rounding
error of one step is carried (contracted by the saturating gates) into the following
ones, so the bound grows with the number of sequential steps.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

import unitorch as ut
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import check, finite_difference, on_backends, same_error

MODES = ("RNN_TANH", "RNN_RELU", "LSTM", "GRU")


# ---------------------------------------------------------------------------------------
# NumPy float64 reference


def _sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def np_step(mode, x, state, w_ih, w_hh, b_ih, b_hh):
    """One step of PyTorch's documented cell formulas; ``state`` is (h,) or (h, c)."""
    gi = x @ w_ih.T + (0.0 if b_ih is None else b_ih)
    gh = state[0] @ w_hh.T + (0.0 if b_hh is None else b_hh)
    if mode == "RNN_TANH":
        return (np.tanh(gi + gh),)
    if mode == "RNN_RELU":
        return (np.maximum(gi + gh, 0.0),)
    if mode == "LSTM":
        i, f, g, o = np.split(gi + gh, 4, axis=-1)
        c = _sig(f) * state[1] + _sig(i) * np.tanh(g)
        return _sig(o) * np.tanh(c), c
    ir, iz, in_ = np.split(gi, 3, axis=-1)
    hr, hz, hn = np.split(gh, 3, axis=-1)
    r, z = _sig(ir + hr), _sig(iz + hz)
    n = np.tanh(in_ + r * hn)
    return ((1.0 - z) * n + z * state[0],)


def np_layers(mode, params, x, h0, num_layers, bidirectional, real, between=None):
    """A stacked (bidirectional) layer over time-major ``x`` (T, B, I); ``real`` (T, B)
    marks real steps, ``h0`` is a list of (L*D, B, H) arrays or None, ``between`` maps
    the input of every layer after the first (dropout).  Returns (output, [h_n(, c_n)])."""
    steps, batch, _ = x.shape
    directions = 2 if bidirectional else 1
    n_states = 2 if mode == "LSTM" else 1
    hidden = params["weight_hh_l0"].shape[1]
    finals = [np.zeros((num_layers * directions, batch, hidden)) for _ in range(n_states)]
    inp = x
    for layer in range(num_layers):
        if layer and between is not None:
            inp = between(inp)
        out = np.zeros((steps, batch, directions * hidden))
        for d in range(directions):
            sfx = f"_l{layer}" + ("_reverse" if d else "")
            w = [params.get(n + sfx) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            k = layer * directions + d
            for b in range(batch):
                order = np.flatnonzero(real[:, b])
                state = tuple(np.zeros(hidden) if h0 is None else h0[s][k, b]
                              for s in range(n_states))
                for t in (order[::-1] if d else order):
                    state = np_step(mode, inp[t, b], state, *w)
                    out[t, b, d * hidden:(d + 1) * hidden] = state[0]
                for s in range(n_states):
                    finals[s][k, b] = state[s]
        inp = out
    return inp, finals


# ---------------------------------------------------------------------------------------
# helpers


def _module(mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return ut.nn.RNN(*args, nonlinearity="relu" if mode == "RNN_RELU" else "tanh",
                         **kwargs)
    return getattr(ut.nn, mode)(*args, **kwargs)


def _torch_module(mode, *args, **kwargs):
    if mode.startswith("RNN"):
        return torch.nn.RNN(*args, nonlinearity="relu" if mode == "RNN_RELU" else "tanh",
                            **kwargs)
    return getattr(torch.nn, mode)(*args, **kwargs)


def _numpy_params(m):
    return {k: v.numpy().astype(np.float64) for k, v in m.state_dict().items()}


def _states(result):
    """[h_n] or [h_n, c_n] from a layer's (output, state) or a cell's result."""
    state = result[1]
    return list(state) if isinstance(state, tuple) else [state]


def _tol(steps, layers, dtype=ut.float64):
    return family_tolerance("composite", dtype, scale=steps * layers)


# ---------------------------------------------------------------------------------------
# cells


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("with_hx", [True, False])
def test_cells_match_numpy_torch_and_backends(backends, mode, batched, with_hx):
    rng = np.random.default_rng(7)
    shape = (3, 4) if batched else (4,)
    x = rng.standard_normal(shape).astype(np.float32)
    hshape = (*shape[:-1], 5)
    hx = [rng.standard_normal(hshape).astype(np.float32) for _ in range(2)]
    bias = mode != "GRU" or batched  # also a cell without biases

    def run(x, h, c):
        ut.manual_seed(3)
        kind = {"RNN_TANH": "RNNCell", "RNN_RELU": "RNNCell"}.get(mode, mode + "Cell")
        extra = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
        cell = getattr(ut.nn, kind)(4, 5, bias=bias, **extra)
        state = None if not with_hx else (h, c) if mode == "LSTM" else h
        out = cell(x, state)
        return (out if mode == "LSTM" else (out,)), _numpy_params(cell)

    results = on_backends(backends, run, x, *hx)
    params = next(iter(results.values()))[1]
    for name, (_, p) in results.items():
        assert p.keys() == params.keys()
        for k in p:
            np.testing.assert_array_equal(p[k], params[k], err_msg=f"{name}: {k}")
    n_states = 2 if mode == "LSTM" else 1
    state = tuple(h.astype(np.float64) if with_hx else np.zeros(hshape) for h in hx)
    w = [params.get(n) for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    expected = np_step(mode, x.astype(np.float64), state[:n_states], *w)
    for i in range(n_states):
        check({b: r[0][i] for b, r in results.items()}, expected[i], ut.float32,
              "composite", scale=2, shape=hshape)

    # torch.nn's own cell with the same weights
    tcls = {"RNN_TANH": "RNNCell", "RNN_RELU": "RNNCell"}.get(mode, mode + "Cell")
    extra = {"nonlinearity": "relu"} if mode == "RNN_RELU" else {}
    tcell = getattr(torch.nn, tcls)(4, 5, bias=bias, dtype=torch.float64, **extra)
    tcell.load_state_dict({k: torch.from_numpy(v) for k, v in params.items()})
    tstate = [torch.from_numpy(s) for s in state[:n_states]] if with_hx else None
    if tstate is not None:
        tstate = tuple(tstate) if mode == "LSTM" else tstate[0]
    tout = tcell(torch.from_numpy(x.astype(np.float64)), tstate)
    tout = tout if mode == "LSTM" else (tout,)
    rtol, atol = _tol(1, 1)
    for i in range(n_states):
        assert_close(expected[i], tout[i].detach().numpy(), rtol, atol,
                     msg="NumPy reference vs torch.nn cell")


# ---------------------------------------------------------------------------------------
# layers against the reference, over generated configurations

VARIABLE = (None, "lengths", "tensor", "mask", "holes", "both")


@st.composite
def layer_cases(draw):
    case = draw(st.fixed_dictionaries({
        "mode": st.sampled_from(MODES),
        "layers": st.integers(1, 2),
        "bidirectional": st.booleans(),
        "batch_first": st.booleans(),
        "bias": st.booleans(),
        "steps": st.integers(1, 5),
        "batch": st.integers(1, 3),
        "variable": st.sampled_from(VARIABLE),
        "hx": st.booleans(),
        "unbatched": st.booleans(),
        "seed": st.integers(0, 2**16),
    }))
    if case["unbatched"]:
        case["batch"] = 1
    return case


def _real_steps(case, rng):
    """(lengths or None, mask or None, the (T, B) bool of real steps)."""
    steps, batch = case["steps"], case["batch"]
    kind = case["variable"]
    lengths = mask = None
    real = np.ones((steps, batch), bool)
    if kind in ("lengths", "tensor", "both"):
        lengths = rng.integers(1, steps + 1, batch)
        real &= np.arange(steps)[:, None] < lengths[None, :]
    if kind in ("mask", "holes", "both"):
        if kind == "mask":  # a prefix mask, as lengths would give
            m = np.arange(steps)[:, None] < rng.integers(1, steps + 1, batch)[None, :]
        else:  # anything, holes and empty sequences included
            m = rng.random((steps, batch)) < 0.7
        real &= m
        mask = m.T if case["batch_first"] else m
        if case["unbatched"]:
            mask = m[:, 0]
    if lengths is not None and case["unbatched"]:
        lengths = int(lengths[0]) if kind != "tensor" else lengths
    return lengths, mask, real


@given(case=layer_cases())
def test_layers_match_numpy_and_backends(backends, case):
    rng = np.random.default_rng(case["seed"])
    mode, layers, bidi = case["mode"], case["layers"], case["bidirectional"]
    steps, batch, bf = case["steps"], case["batch"], case["batch_first"]
    directions = 2 if bidi else 1
    x_tm = rng.standard_normal((steps, batch, 3)).astype(np.float32)
    lengths, mask, real = _real_steps(case, rng)
    n_states = 2 if mode == "LSTM" else 1
    hx = [(0.5 * rng.standard_normal((layers * directions, batch, 4))).astype(np.float32)
          for _ in range(n_states)] if case["hx"] else None

    if case["unbatched"]:
        x = x_tm[:, 0]
        hx_in = None if hx is None else [h[:, 0] for h in hx]
    else:
        x = np.swapaxes(x_tm, 0, 1) if bf else x_tm
        hx_in = hx

    def run():
        ut.manual_seed(case["seed"])
        m = _module(mode, 3, 4, num_layers=layers, bias=case["bias"], batch_first=bf,
                    bidirectional=bidi)
        state = None
        if hx_in is not None:
            hs = [ut.asarray(h) for h in hx_in]
            state = tuple(hs) if mode == "LSTM" else hs[0]
        lens = ut.asarray(lengths) if case["variable"] == "tensor" else lengths
        mk = None if mask is None else ut.asarray(mask)
        out = m(ut.asarray(x), state, lengths=lens, mask=mk)
        return out, _numpy_params(m)

    results = on_backends(backends, run)
    params = next(iter(results.values()))[1]
    expected_out, expected_states = np_layers(
        mode, params, x_tm.astype(np.float64),
        None if hx is None else [h.astype(np.float64) for h in hx], layers, bidi, real)
    if case["unbatched"]:
        expected_out = expected_out[:, 0]
        expected_states = [s[:, 0] for s in expected_states]
    elif bf:
        expected_out = np.swapaxes(expected_out, 0, 1)
    rtol_scale = steps * layers
    check({b: r[0][0] for b, r in results.items()}, expected_out, ut.float32, "composite",
          scale=rtol_scale, shape=expected_out.shape)
    for i in range(n_states):
        check({b: _states(r[0])[i] for b, r in results.items()}, expected_states[i],
              ut.float32, "composite", scale=rtol_scale, shape=expected_states[i].shape)


# ---------------------------------------------------------------------------------------
# against torch.nn, with packed sequences


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("batch_first", [False, True])
def test_layers_match_torch_with_packed_sequences(backend, mode, batch_first):
    """Unsorted lengths with ``lengths=`` equal torch's pack_padded_sequence /
    pad_packed_sequence (outputs zero-padded to T, h_n at each sequence's end), for a
    2-layer bidirectional layer with the very same weights (copied via the state dict)."""
    rng = np.random.default_rng(11)
    steps, batch, lengths = 5, 4, [3, 5, 1, 4]
    x = rng.standard_normal((batch, steps, 3) if batch_first else (steps, batch, 3))
    ut.manual_seed(5)
    m = _module(mode, 3, 4, num_layers=2, bidirectional=True, batch_first=batch_first,
                dtype=ut.float64)
    tm = _torch_module(mode, 3, 4, num_layers=2, bidirectional=True,
                       batch_first=batch_first, dtype=torch.float64)
    tm.load_state_dict({k: torch.from_numpy(v) for k, v in _numpy_params(m).items()})
    ours = m(ut.asarray(x), lengths=ut.tensor(lengths))
    packed = pack_padded_sequence(torch.from_numpy(x), torch.tensor(lengths),
                                  batch_first=batch_first, enforce_sorted=False)
    tout, tstate = tm(packed)
    tout, _ = pad_packed_sequence(tout, batch_first=batch_first, total_length=steps)
    tstates = list(tstate) if mode == "LSTM" else [tstate]
    rtol, atol = _tol(steps, 2)
    assert_close(ours[0].numpy(), tout.detach().numpy(), rtol, atol, msg="output vs torch")
    for got, want in zip(_states(ours), tstates, strict=True):
        assert_close(got.numpy(), want.detach().numpy(), rtol, atol, msg="state vs torch")

    # without lengths: torch's plain padded call, with an initial state
    hx = [rng.standard_normal((4, batch, 4)) for _ in tstates]
    state = tuple(ut.asarray(h) for h in hx) if mode == "LSTM" else ut.asarray(hx[0])
    tstate_in = tuple(torch.from_numpy(h) for h in hx) if mode == "LSTM" else \
        torch.from_numpy(hx[0])
    ours = m(ut.asarray(x), state)
    tout, tstate = tm(torch.from_numpy(x), tstate_in)
    tstates = list(tstate) if mode == "LSTM" else [tstate]
    assert_close(ours[0].numpy(), tout.detach().numpy(), rtol, atol, msg="output vs torch")
    for got, want in zip(_states(ours), tstates, strict=True):
        assert_close(got.numpy(), want.detach().numpy(), rtol, atol, msg="state vs torch")


def test_unbatched_input_matches_torch(backend):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((4, 3))
    ut.manual_seed(0)
    m = ut.nn.GRU(3, 2, num_layers=2, bidirectional=True, dtype=ut.float64)
    tm = torch.nn.GRU(3, 2, num_layers=2, bidirectional=True, dtype=torch.float64)
    tm.load_state_dict({k: torch.from_numpy(v) for k, v in _numpy_params(m).items()})
    out, h = m(ut.asarray(x))
    tout, th = tm(torch.from_numpy(x))
    assert out.shape == (4, 4) and h.shape == (4, 2)
    rtol, atol = _tol(4, 2)
    assert_close(out.numpy(), tout.detach().numpy(), rtol, atol)
    assert_close(h.numpy(), th.detach().numpy(), rtol, atol)


def test_empty_batch_and_dtype_promotion(backend):
    m = ut.nn.LSTM(3, 4, bidirectional=True)
    out, (h, c) = m(ut.zeros((5, 0, 3)), lengths=[])
    assert out.shape == (5, 0, 8) and h.shape == c.shape == (2, 0, 4)
    # float64 input with float32 parameters computes in float64
    x = np.random.default_rng(1).standard_normal((2, 1, 3))
    out, (h, c) = m(ut.asarray(x))
    assert out.dtype is h.dtype is c.dtype is ut.float64
    expected, _ = np_layers("LSTM", _numpy_params(m), x, None, 1, True, np.ones((2, 1), bool))
    assert_close(out.numpy(), expected, *_tol(2, 1))


# ---------------------------------------------------------------------------------------
# parameters: names, shapes, order, repr, initialisation

CONSTRUCTIONS = [
    ("RNN", (3, 4), {}),
    ("RNN", (3, 4), {"num_layers": 3, "nonlinearity": "relu", "bias": False}),
    ("LSTM", (3, 4), {"num_layers": 2, "bidirectional": True}),
    ("LSTM", (5, 2), {"batch_first": True, "bias": False, "dropout": 0.25,
                      "num_layers": 2}),
    ("GRU", (3, 4), {"num_layers": 2, "bidirectional": True, "bias": False}),
    ("GRU", (1, 6), {}),
    ("RNNCell", (3, 4), {"nonlinearity": "relu"}),
    ("LSTMCell", (3, 4), {"bias": False}),
    ("GRUCell", (3, 4), {}),
]


@pytest.mark.parametrize("cls, args, kwargs", CONSTRUCTIONS)
def test_parameters_and_repr_match_torch(backend, cls, args, kwargs):
    m = getattr(ut.nn, cls)(*args, **kwargs)
    tm = getattr(torch.nn, cls)(*args, **kwargs)
    ours = [(k, tuple(v.shape)) for k, v in m.state_dict().items()]
    theirs = [(k, tuple(v.shape)) for k, v in tm.state_dict().items()]
    assert ours == theirs
    assert [n for n, _ in m.named_parameters()] == [n for n, _ in tm.named_parameters()]
    assert repr(m) == repr(tm)
    # and a unitorch state dict loads into torch.nn and back
    tm.load_state_dict({k: torch.from_numpy(v.numpy()) for k, v in m.state_dict().items()})
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})


def test_initialisation_is_pytorchs_formula_from_the_portable_stream(backends):
    def build():
        ut.manual_seed(123)
        return _numpy_params(ut.nn.LSTM(3, 16, num_layers=2, bidirectional=True))

    results = on_backends(backends, build)
    first = next(iter(results.values()))
    for name, params in results.items():
        for k in params:
            np.testing.assert_array_equal(params[k], first[k], err_msg=f"{name}: {k}")
    # every parameter from U(-1/sqrt(H), 1/sqrt(H)), drawn in registration order
    ut.manual_seed(123)
    bound = 1 / np.sqrt(16)
    for k, v in first.items():
        expected = ut.nn.init.uniform_(ut.zeros(v.shape), -bound, bound).numpy()
        np.testing.assert_array_equal(v, expected, err_msg=k)
        assert np.all(np.abs(v) <= bound)
    assert first["weight_ih_l1"].shape == (64, 32)
    assert np.std(first["weight_hh_l0"]) > 0.5 * bound / np.sqrt(3)


# ---------------------------------------------------------------------------------------
# gradients


@pytest.mark.parametrize("mode", ["RNN_TANH", "LSTM", "GRU"])
def test_gradients_match_finite_differences(backend, mode):
    """d(loss)/d(input, initial state, every parameter) for a 2-layer bidirectional layer
    with variable lengths, against central differences of the NumPy reference."""
    rng = np.random.default_rng(3)
    steps, batch, lengths = 3, 2, [3, 2]
    n_states = 2 if mode == "LSTM" else 1
    x = rng.standard_normal((steps, batch, 2))
    h0 = [0.5 * rng.standard_normal((4, batch, 2)) for _ in range(n_states)]
    w_out = rng.standard_normal((steps, batch, 4))
    w_state = [rng.standard_normal((4, batch, 2)) for _ in range(n_states)]
    real = np.arange(steps)[:, None] < np.array(lengths)[None, :]
    ut.manual_seed(9)
    m = _module(mode, 2, 2, num_layers=2, bidirectional=True, dtype=ut.float64)
    params = _numpy_params(m)

    def loss(x, hs):
        out, states = m(x, tuple(hs) if mode == "LSTM" else hs[0], lengths=lengths)
        states = states if mode == "LSTM" else (states,)
        total = ut.sum(out * ut.asarray(w_out))
        for s, w in zip(states, w_state):
            total = total + ut.sum(s * ut.asarray(w))
        return total

    def reference(x, h0, params):
        out, finals = np_layers(mode, params, x, h0, 2, True, real)
        return np.sum(out * w_out) + sum(np.sum(s * w) for s, w in zip(finals, w_state))

    gx, gh = ut.grad(loss, argnums=(0, 1))(ut.asarray(x), [ut.asarray(h) for h in h0])
    gp = ut.grad(lambda mod: loss(ut.asarray(x), [ut.asarray(h) for h in h0]))(m)
    # central differences with h = 1e-6 in float64: truncation error h^2/6 |f'''| and
    # rounding error ~ eps |f| / h ~ 1e-9 for these O(1) smooth functions
    tol = dict(rtol=1e-6, atol=1e-6)
    assert_close(gx.numpy(), finite_difference(lambda v: reference(v, h0, params), x), **tol)
    for i in range(n_states):
        def vary_state(v, i=i):
            return reference(x, [v if j == i else h0[j] for j in range(n_states)], params)
        assert_close(gh[i].numpy(), finite_difference(vary_state, h0[i]), **tol)
    assert list(gp) == list(params)
    for k, v in params.items():
        expected = finite_difference(lambda p, k=k: reference(x, h0, {**params, k: p}), v)
        assert_close(gp[k].numpy(), expected, msg=k, **tol)
    # steps past a sequence's end pass no gradient back to the input
    assert np.all(gx.numpy()[2, 1] == 0)


# ---------------------------------------------------------------------------------------
# inter-layer dropout


def test_dropout_acts_between_layers_in_training_only(backends):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((5, 3, 3)).astype(np.float32)

    def run(x, p, training):
        ut.manual_seed(1)
        m = ut.nn.LSTM(3, 4, num_layers=3, dropout=p, bidirectional=True)
        m.train(training)
        with ut.random.portable(True):
            ut.manual_seed(2)
            out, (h, _) = m(x, lengths=[5, 2, 4])
        return out.numpy(), h.numpy(), _numpy_params(m)

    dropped = on_backends(backends, run, x, 0.5, True)
    evaluated = on_backends(backends, run, x, 0.5, False)
    plain = on_backends(backends, run, x, 0.0, True)
    rtol, atol = _tol(5, 3, ut.float32)
    first = next(iter(dropped.values()))
    for name in backends:
        # portable mode: the very same masks on every backend
        assert_close(dropped[name][0], first[0], 2 * rtol, 2 * atol, msg=name)
        # eval mode is the model without dropout
        assert_close(evaluated[name][0], plain[name][0], 0, 0)
        # the first layer's states are untouched by dropout, the later ones are not
        assert_close(dropped[name][1][:2], plain[name][1][:2], 0, 0)
        assert not np.allclose(dropped[name][1][2:], plain[name][1][2:])
        # padded outputs stay zero
        assert np.all(dropped[name][0][2:, 1] == 0)

    # p = 1: every layer after the first sees zeros
    ones = on_backends(backends, run, x, 1.0, True)
    params = next(iter(ones.values()))[2]
    real = np.arange(5)[:, None] < np.array([5, 2, 4])[None, :]
    expected, _ = np_layers("LSTM", params, x.astype(np.float64), None, 3, True, real,
                            between=lambda a: a * 0.0)
    check({b: ut.asarray(r[0]) for b, r in ones.items()}, expected, ut.float32,
          "composite", scale=15)


def test_dropout_warns_for_one_layer_and_checks_its_range():
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        ut.nn.GRU(2, 3, dropout=0.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ut.nn.GRU(2, 3, num_layers=2, dropout=0.2)
    for bad in (-0.1, 1.5, "0.5", True):
        with pytest.raises(ValueError, match=r"dropout should be a number in range \[0, 1\]"):
            ut.nn.RNN(2, 3, num_layers=2, dropout=bad)


# ---------------------------------------------------------------------------------------
# compiled


def _compiled_matches_eager(torch_options):
    rng = np.random.default_rng(6)
    x = ut.asarray(rng.standard_normal((3, 3, 2)))
    lengths = ut.tensor([3, 1, 2])
    ut.manual_seed(0)
    m = ut.nn.LSTM(2, 3, bidirectional=True, dtype=ut.float64)

    def f(x, lengths):
        def loss(x):
            out, (h, c) = m(x, lengths=lengths)
            return ut.sum(out * out) + ut.sum(h) + ut.sum(c), out
        (value, out), g = ut.value_and_grad(loss, has_aux=True)(x)
        return value, out, g

    compiled = ut.compile(f, fallback=False, torch=torch_options)
    rtol, atol = _tol(3, 1)
    for got, want in zip(compiled(x, lengths), f(x, lengths), strict=True):
        assert_close(got, want, rtol, atol)
    assert np.all(compiled(x, lengths)[1].numpy()[1:, 1] == 0)


def test_compiled_tensorflow_matches_eager():
    """Inside tf.function the lengths are symbolic: the mask is built with ops."""
    with ut.use_backend("tensorflow"):
        _compiled_matches_eager(None)


@pytest.mark.slow  # torch.compile takes tens of seconds on a 2-core CPU even without Inductor
def test_compiled_torch_matches_eager():
    with ut.use_backend("torch"):
        _compiled_matches_eager({"backend": "aot_eager"})


# ---------------------------------------------------------------------------------------
# errors: one message on every backend

X = np.ones((4, 2, 3), np.float32)


def _lstm(**kw):
    return ut.nn.LSTM(3, 5, num_layers=2, **kw)


ERRORS = [
    (ut.ShapeError, lambda x: ut.nn.RNN(4, 5)(x), "has 3 features .* input_size is 4"),
    (ut.ShapeError, lambda x: ut.nn.GRU(3, 5)(x[None]), "2-D .* or 3-D"),
    (ut.ShapeError, lambda x: ut.nn.GRU(3, 5)(x[:0]), "at least one time step"),
    (ut.DTypeError, lambda x: ut.nn.RNN(3, 5)(ut.astype(x, ut.int32)), "input must be a real"),
    (ValueError, lambda x: _lstm()(x, lengths=[4, 0]), r"lie in \[1, 4\].* got 0"),
    (ValueError, lambda x: _lstm()(x, lengths=ut.tensor([5, 2])), r"lie in \[1, 4\].* got 5"),
    (ut.ShapeError, lambda x: _lstm()(x, lengths=[4, 2, 1]), "one length per sequence"),
    (ut.DTypeError, lambda x: _lstm()(x, lengths=[4.0, 2.0]), "lengths must be integers"),
    (ut.ShapeError, lambda x: _lstm(batch_first=True)(x, mask=ut.ones((2, 4), dtype=ut.bool)),
     r"mask of shape \(4, 2\), got \(2, 4\)"),
    (ut.DTypeError, lambda x: _lstm()(x, mask=ut.ones((4, 2))), "mask must be a bool"),
    (ut.ShapeError, lambda x: _lstm()(x, (ut.zeros((2, 2, 5)), ut.zeros((1, 2, 5)))),
     r"c_0 of shape \(2, 2, 5\), got \(1, 2, 5\)"),
    (TypeError, lambda x: _lstm()(x, ut.zeros((2, 2, 5))), r"pair \(h_0, c_0\)"),
    (ut.ShapeError, lambda x: ut.nn.GRU(3, 5, bidirectional=True)(x, ut.zeros((1, 2, 5))),
     r"hx of shape \(2, 2, 5\)"),
    (ut.ShapeError, lambda x: ut.nn.RNN(3, 5)(x[:, 0], ut.zeros((1, 2, 5))),
     r"hx of shape \(1, 5\)"),
    (ut.ShapeError, lambda x: ut.nn.LSTMCell(3, 5)(x), "1-D .* or 2-D"),
    (ut.ShapeError, lambda x: ut.nn.GRUCell(4, 5)(x[0]), "has 3 features"),
    (ut.ShapeError, lambda x: ut.nn.RNNCell(3, 5)(x[0], ut.zeros((3, 5))),
     r"hx of shape \(2, 5\)"),
]


@pytest.mark.parametrize("exc, fn, match", ERRORS)
def test_errors_read_the_same_on_every_backend(backends, exc, fn, match):
    same_error(backends, exc, fn, X, match=match)


def test_constructor_errors():
    with pytest.raises(ValueError, match=r"^proj_size is not supported$"):
        ut.nn.LSTM(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="unknown nonlinearity 'gelu'"):
        ut.nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="hidden_size must be at least 1"):
        ut.nn.GRU(3, 0)
    with pytest.raises(ValueError, match="num_layers must be at least 1"):
        ut.nn.GRU(3, 2, num_layers=0)


# ---------------------------------------------------------------------------------------
# the frameworks' kernels: torch.nn's numbers on torch, the contract's formulas everywhere


def _copied_torch(m, mode, **kwargs):
    """A torch.nn layer of ``mode`` holding ``m``'s weights (float64 unless given)."""
    tm = _torch_module(mode, **kwargs)
    tm.load_state_dict({k: torch.from_numpy(v.numpy().copy()) for k, v in
                        m.state_dict().items()})
    return tm


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("lengths", [None, [3, 5, 1, 4]])
def test_torch_backend_gives_torch_nn_numbers_bit_for_bit(mode, lengths):
    """On torch the layers call the kernels torch.nn calls, with the same weights: float32
    outputs, final states and every gradient equal torch.nn's exactly (with unsorted
    lengths through packed sequences, as pack_padded_sequence(enforce_sorted=False))."""
    rng = np.random.default_rng(21)
    x = rng.standard_normal((5, 4, 3)).astype(np.float32)
    w_out = rng.standard_normal((5, 4, 8)).astype(np.float32)
    with ut.use_backend("torch"):
        ut.manual_seed(4)
        m = _module(mode, 3, 4, num_layers=2, bidirectional=True)
        tm = _copied_torch(m, mode, input_size=3, hidden_size=4, num_layers=2,
                           bidirectional=True)
        xu = ut.tensor(x, requires_grad=True)
        out, state = m(xu, lengths=lengths)
        states = list(state) if mode == "LSTM" else [state]
        loss = ut.sum(out * ut.asarray(w_out)) + sum(ut.sum(s * s) for s in states)
        loss.backward()
    xt = torch.tensor(x, requires_grad=True)
    if lengths is None:
        tout, tstate = tm(xt)
    else:
        packed = pack_padded_sequence(xt, torch.tensor(lengths), enforce_sorted=False)
        tout, tstate = tm(packed)
        tout, _ = pad_packed_sequence(tout, total_length=5)
    tstates = list(tstate) if mode == "LSTM" else [tstate]
    tloss = (tout * torch.from_numpy(w_out)).sum() + sum((s * s).sum() for s in tstates)
    tloss.backward()
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    for s, ts in zip(states, tstates, strict=True):
        np.testing.assert_array_equal(s.numpy(), ts.detach().numpy())
    np.testing.assert_array_equal(xu.grad.numpy(), xt.grad.numpy())
    for (name, p), (tname, tp) in zip(m.named_parameters(), tm.named_parameters(),
                                      strict=True):
        assert name == tname
        np.testing.assert_array_equal(p.grad.numpy(), tp.grad.numpy(), err_msg=name)


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_RELU"])
def test_layers_match_torch_nn_forward_and_gradients(backend, mode):
    """Every backend against torch.nn with copied weights (float64): output, final states,
    and the gradients of a loss of both with respect to the input, the initial states
    and every parameter, for a 2-layer bidirectional batch_first layer with lengths."""
    rng = np.random.default_rng(22)
    steps, batch, lengths = 4, 3, [4, 1, 3]
    x = rng.standard_normal((batch, steps, 2))
    n_states = 2 if mode == "LSTM" else 1
    h0 = [0.5 * rng.standard_normal((4, batch, 3)) for _ in range(n_states)]
    w_out = rng.standard_normal((batch, steps, 6))
    ut.manual_seed(8)
    m = _module(mode, 2, 3, num_layers=2, bidirectional=True, batch_first=True,
                dtype=ut.float64)
    tm = _copied_torch(m, mode, input_size=2, hidden_size=3, num_layers=2,
                       bidirectional=True, batch_first=True, dtype=torch.float64)

    xu = ut.tensor(x, requires_grad=True)
    hu = [ut.tensor(h, requires_grad=True) for h in h0]
    out, state = m(xu, tuple(hu) if mode == "LSTM" else hu[0], lengths=lengths)
    states = list(state) if mode == "LSTM" else [state]
    loss = ut.sum(out * ut.asarray(w_out)) + sum(ut.sum(s * s) for s in states)
    loss.backward()

    xt = torch.tensor(x, requires_grad=True)
    ht = [torch.tensor(h, requires_grad=True) for h in h0]
    packed = pack_padded_sequence(xt, torch.tensor(lengths), batch_first=True,
                                  enforce_sorted=False)
    tout, tstate = tm(packed, tuple(ht) if mode == "LSTM" else ht[0])
    tout, _ = pad_packed_sequence(tout, batch_first=True, total_length=steps)
    tstates = list(tstate) if mode == "LSTM" else [tstate]
    tloss = (tout * torch.from_numpy(w_out)).sum() + sum((s * s).sum() for s in tstates)
    tloss.backward()

    rtol, atol = _tol(steps, 2)
    assert_close(out.numpy(), tout.detach().numpy(), rtol, atol, msg="output")
    for s, ts in zip(states, tstates, strict=True):
        assert_close(s.numpy(), ts.detach().numpy(), rtol, atol, msg="final state")
    assert_close(xu.grad.numpy(), xt.grad.numpy(), rtol, atol, msg="input gradient")
    for h, th in zip(hu, ht, strict=True):
        assert_close(h.grad.numpy(), th.grad.numpy(), rtol, atol, msg="state gradient")
    for (name, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
        assert_close(p.grad.numpy(), tp.grad.numpy(), rtol, atol, msg=name)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("variable", [None, "lengths", "holes"])
def test_backend_kernels_compute_the_contracts_formulas(backend, mode, variable):
    """Each backend's rnn primitive (torch._VF kernels, TensorFlow while loops) against
    the contract's step-by-step default, on the same natives (float64, 2 layers,
    bidirectional, no biases in the GRU case)."""
    from unitorch.backends import Backend, current

    bk = current()
    rng = np.random.default_rng(23)
    steps, batch, hidden, directions, layers = 4, 3, 5, 2, 2
    gates = {"LSTM": 4, "GRU": 3}.get(mode, 1)
    bias = mode != "GRU"
    weights = []
    for layer in range(layers):
        width = 2 if layer == 0 else directions * hidden
        for _ in range(directions):
            shapes = [(gates * hidden, width), (gates * hidden, hidden)]
            if bias:
                shapes += [(gates * hidden,), (gates * hidden,)]
            weights += [ut.asarray(0.4 * rng.standard_normal(s)).native for s in shapes]
    x = ut.asarray(rng.standard_normal((steps, batch, 2))).native
    states = tuple(ut.asarray(0.5 * rng.standard_normal((layers * directions, batch,
                                                          hidden))).native
                   for _ in range(2 if mode == "LSTM" else 1))
    lengths = mask = None
    if variable == "lengths":
        lengths = ut.asarray(np.array([2, 4, 1])).native
    elif variable == "holes":
        mask = ut.asarray(rng.random((steps, batch, 1)) < 0.6).native
    got = bk.rnn(mode, x, states, weights, layers, True, lengths, mask)
    want = Backend.rnn(bk, mode, x, states, weights, layers, True, lengths, mask)
    rtol, atol = _tol(steps, layers)
    assert_close(bk.to_numpy(got[0]), bk.to_numpy(want[0]), rtol, atol, msg="output")
    for g, w in zip(got[1], want[1], strict=True):
        assert_close(bk.to_numpy(g), bk.to_numpy(w), rtol, atol, msg="final state")
    # cells: the framework's cell against the contract's formula
    cell_x = ut.asarray(rng.standard_normal((batch, 2))).native
    cell_state = tuple(s[0] for s in states)
    w = weights[:4] if bias else [*weights[:2], None, None]
    got = bk.rnn_cell(mode, cell_x, cell_state, *w)
    want = Backend.rnn_cell(bk, mode, cell_x, cell_state, *w)
    for g, w in zip(got, want, strict=True):
        assert_close(bk.to_numpy(g), bk.to_numpy(w), *_tol(1, 1), msg="cell")


def test_tensorflow_layer_is_one_compiled_call_eagerly():
    """Eagerly, TensorFlow runs a whole stack as one cached tf.function per structure
    (not a few eager ops per time step): a second call with new values traces nothing."""
    if "tensorflow" not in ut.available_backends():
        pytest.skip("needs TensorFlow")
    from unitorch.backends.tensorflow import rnn as tf_rnn

    with ut.use_backend("tensorflow"):
        m = ut.nn.GRU(3, 4, num_layers=2)
        m(ut.ones((6, 2, 3)))
        fn = tf_rnn._FUNCTIONS.entries[("GRU", 2, False)]
        traces = fn.experimental_get_tracing_count()
        out, _ = m(ut.zeros((6, 2, 3)) + 0.5)
        assert fn.experimental_get_tracing_count() == traces
        assert out.shape == (6, 2, 4)


def test_a_freed_layer_leaves_later_layers_of_its_structure_working(backend):
    """A layer trained and freed, then a new layer of the same structure trained for two
    steps: the TensorFlow backend's cached per-structure function once kept references
    to the first layer's variables and failed on the new one ("a function referencing
    variables which have been deleted").  The new layer's second step must run and
    match the same two steps computed by torch.nn (float64)."""
    import gc

    rng = np.random.default_rng(31)
    x = rng.standard_normal((5, 3, 4))

    def train(m, steps):
        opt = ut.optim.SGD(m.parameters(), lr=0.1)
        xu = ut.asarray(x)
        for _ in range(steps):
            opt.zero_grad()
            loss = ut.sum(m(xu)[0] ** 2)
            loss.backward()
            opt.step()
        return loss

    first = ut.nn.LSTM(4, 6, 2, dtype=ut.float64)
    train(first, 1)
    del first
    gc.collect()
    ut.manual_seed(5)
    m = ut.nn.LSTM(4, 6, 2, dtype=ut.float64)
    tm = torch.nn.LSTM(4, 6, 2, dtype=torch.float64)
    tm.load_state_dict({k: torch.from_numpy(v.numpy().copy())
                        for k, v in m.state_dict().items()})
    gc.collect()
    loss = train(m, 2)
    topt = torch.optim.SGD(tm.parameters(), lr=0.1)
    for _ in range(2):
        topt.zero_grad()
        tloss = (tm(torch.from_numpy(x))[0] ** 2).sum()
        tloss.backward()
        topt.step()
    rtol, atol = _tol(5, 2)
    assert_close(loss.numpy(), tloss.detach().numpy(), rtol, atol, msg="second loss")
    for (name, p), (_, tp) in zip(m.named_parameters(), tm.named_parameters(), strict=True):
        assert_close(p.numpy(), tp.detach().numpy(), rtol, atol, msg=name)


# ---------------------------------------------------------------------------------------
# packed sequences (ut.nn.utils.rnn)


@pytest.mark.parametrize("enforce_sorted", [True, False])
@pytest.mark.parametrize("batch_first", [False, True])
def test_packing_matches_torch(backends, enforce_sorted, batch_first):
    """pack_padded_sequence / pad_packed_sequence / pack_sequence / pad_sequence give
    torch.nn.utils.rnn's data, batch sizes, permutations and padded batches."""
    from torch.nn.utils.rnn import pack_sequence as t_pack_sequence
    from torch.nn.utils.rnn import pad_sequence as t_pad_sequence

    rng = np.random.default_rng(24)
    lengths = [5, 4, 2, 1] if enforce_sorted else [2, 5, 1, 4]
    x = rng.standard_normal((4, 5, 3) if batch_first else (5, 4, 3))
    seqs = [rng.standard_normal((n, 2)) for n in lengths]
    tp = pack_padded_sequence(torch.from_numpy(x), torch.tensor(lengths),
                              batch_first=batch_first, enforce_sorted=enforce_sorted)
    tpad, tlen = pad_packed_sequence(tp, batch_first=batch_first, total_length=6,
                                     padding_value=-1.0)
    tseq = t_pack_sequence([torch.from_numpy(s) for s in seqs], enforce_sorted=enforce_sorted)

    def run(x, *seqs):
        rnn = ut.nn.utils.rnn
        p = rnn.pack_padded_sequence(x, lengths, batch_first=batch_first,
                                     enforce_sorted=enforce_sorted)
        pad, lens = rnn.pad_packed_sequence(p, batch_first=batch_first, total_length=6,
                                            padding_value=-1.0)
        ps = rnn.pack_sequence(list(seqs), enforce_sorted=enforce_sorted)
        return p, pad, lens, ps, rnn.pad_sequence(list(seqs), batch_first=batch_first)

    for name, (p, pad, lens, ps, padded) in on_backends(backends, run, x, *seqs).items():
        np.testing.assert_array_equal(p.data.numpy(), tp.data.numpy(), err_msg=name)
        np.testing.assert_array_equal(p.batch_sizes.numpy(), tp.batch_sizes.numpy())
        for ours, theirs in ((p.sorted_indices, tp.sorted_indices),
                             (p.unsorted_indices, tp.unsorted_indices)):
            assert (ours is None) == (theirs is None)
            if ours is not None:
                np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        np.testing.assert_array_equal(pad.numpy(), tpad.numpy(), err_msg=name)
        np.testing.assert_array_equal(lens.numpy(), tlen.numpy())
        np.testing.assert_array_equal(ps.data.numpy(), tseq.data.numpy())
        np.testing.assert_array_equal(padded.numpy(), t_pad_sequence(
            [torch.from_numpy(s) for s in seqs], batch_first=batch_first).numpy())


@pytest.mark.parametrize("mode", ["LSTM", "GRU"])
def test_layers_take_and_return_packed_sequences_as_torch_nn(backend, mode):
    """A packed batch in, a packed batch out (PyTorch's layout), h_n in the original
    batch order, and gradients reaching the packed data, against torch.nn (float64)."""
    rng = np.random.default_rng(25)
    lengths = [3, 5, 1, 4]
    x = rng.standard_normal((5, 4, 2))
    ut.manual_seed(12)
    m = _module(mode, 2, 3, num_layers=2, bidirectional=True, dtype=ut.float64)
    tm = _copied_torch(m, mode, input_size=2, hidden_size=3, num_layers=2,
                       bidirectional=True, dtype=torch.float64)
    packed = ut.nn.utils.rnn.pack_padded_sequence(ut.asarray(x), lengths,
                                                  enforce_sorted=False)
    data = ut.tensor(packed.data.numpy(), requires_grad=True)
    out, state = m(packed._replace(data=data))
    assert isinstance(out, ut.nn.utils.rnn.PackedSequence)
    ut.sum(out.data * out.data).backward()
    tdata = torch.tensor(packed.data.numpy(), requires_grad=True)
    tpacked = pack_padded_sequence(torch.from_numpy(x), torch.tensor(lengths),
                                   enforce_sorted=False)
    tout, tstate = tm(tpacked._replace(data=tdata))
    (tout.data * tout.data).sum().backward()
    rtol, atol = _tol(5, 2)
    assert_close(out.data.numpy(), tout.data.detach().numpy(), rtol, atol)
    np.testing.assert_array_equal(out.batch_sizes.numpy(), tout.batch_sizes.numpy())
    for s, ts in zip(_states((None, state)), _states((None, tstate)), strict=True):
        assert_close(s.numpy(), ts.detach().numpy(), rtol, atol)
    assert_close(data.grad.numpy(), tdata.grad.numpy(), rtol, atol)


def test_packed_sequence_errors_read_the_same_on_every_backend(backends):
    rnn = ut.nn.utils.rnn
    same_error(backends, RuntimeError,
               lambda x: rnn.pack_padded_sequence(x, [1, 2]), np.ones((2, 2, 1)),
               match="must be sorted in decreasing order")
    same_error(backends, ValueError,
               lambda x: ut.nn.GRU(1, 2)(rnn.pack_padded_sequence(x, [2, 1]), lengths=[2, 1]),
               np.ones((2, 2, 1)), match="carries its lengths")
    same_error(backends, ValueError,
               lambda x: rnn.pack_padded_sequence(x, [3, 1]), np.ones((2, 2, 1)),
               match=r"lie in \[1, 2\]")
