"""``ut.compile`` when things go wrong, on every backend: a run-time error propagates once
and the function stays compiled; code that cannot be traced falls back (or raises, with
``fallback=False``) without running anything twice; reading values inside a compiled
function gives one error; out-of-range indices raise inside compiled code too."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import unitorch as ut
import unitorch.nn.functional as F
from unitorch.errors import value_needed_message
from unitorch.testing import assert_close

# Dynamo traces the function (what these tests are about) without inductor's long
# compile; one test below uses inductor itself, where out-of-range gathers were wrapped.
_FAST_TORCH = {"backend": "aot_eager"}


def _compiled(fn, **kw):
    return ut.compile(fn, torch=kw.pop("torch", _FAST_TORCH), **kw)


def _is_compiling() -> bool:
    return ut.backends.current().is_compiling()


def _sgd_setup():
    w = ut.nn.Parameter(ut.tensor([0.0]))
    return w, ut.optim.SGD([w], lr=1.0), ut.tensor([1.0, 2.0, 3.0])


@pytest.mark.parametrize("where", ["before", "after"])
def test_a_run_time_error_propagates_once_and_the_function_stays_compiled(backend, where):
    # The step: each successful call moves w by -1 (SGD, lr 1, gradient 1).  An
    # out-of-range index on the third call must raise once: not run the step again
    # eagerly (w -4 instead of -3) nor leave the function eager for good.
    w, opt, table = _sgd_setup()
    compiled_calls = []

    def step(i):
        compiled_calls.append(_is_compiling())
        opt.zero_grad()
        picked = ut.take(table, i) if where == "before" else ut.zeros(1)
        loss = ut.sum(w * (1.0 + 0 * picked))
        loss.backward()
        opt.step()
        return ut.take(table, i) if where == "after" else picked

    run = _compiled(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning: nothing falls back
        for _ in range(2):
            run(ut.tensor([0]))
        assert w.numpy().tolist() == [-2.0]
        with pytest.raises(ut.IndexOutOfRangeError,
                           match="out of bounds for axis 0 with size 3"):
            run(ut.tensor([7]))
        # as eagerly: an error before the update leaves w, one after it follows it
        expected = -2.0 if where == "before" else -3.0
        assert w.numpy().tolist() == [expected]
        compiled_calls.clear()
        assert_close(run(ut.tensor([2])), [3.0])
    assert w.numpy().tolist() == [expected - 1]
    # still compiled: the body did not run eagerly (TensorFlow runs none of it, torch
    # replays its Python side effects with what it saw while compiling)
    assert all(compiled_calls), compiled_calls


def test_the_same_step_eagerly_gives_the_same_weights(backend):
    w, opt, table = _sgd_setup()

    def step(i):
        opt.zero_grad()
        loss = ut.sum(w * ut.take(table, i))
        loss.backward()
        opt.step()

    for idx in (0, 0):
        step(ut.tensor([idx]))
    with pytest.raises(ut.IndexOutOfRangeError, match="index 7 is out of bounds"):
        step(ut.tensor([7]))
    assert w.numpy().tolist() == [-2.0]


def test_untraceable_code_falls_back_without_running_twice(backend):
    # float(loss) after the update: TensorFlow cannot trace it and runs the step eagerly
    # from then on; torch runs the read eagerly at a graph break.  Either way each call
    # updates w once, as the eager step does.
    results = {}
    for compiled in (False, True):
        w, opt, table = _sgd_setup()
        seen = []

        def step(x, w=w, opt=opt, seen=seen):
            loss = ut.sum(w * x)
            loss.backward()
            opt.step()
            opt.zero_grad()  # after the update: a second run would update again
            seen.append(float(loss))
            return loss

        run = _compiled(step) if compiled else step
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            for k in range(3):
                run(table[k:k + 1])
        messages = [str(c.message) for c in caught if c.category is RuntimeWarning]
        results[compiled] = (w.numpy().tolist(), seen[-1], messages)
    eager, compiled = results[False], results[True]
    assert eager[0] == compiled[0] == [-6.0] and eager[1] == compiled[1] == -9.0
    assert eager[2] == []
    assert compiled[2], "falling back must say so"
    assert all("float() of a tensor needs its value" in m for m in compiled[2])
    if backend == "tensorflow":
        assert "could not trace 'step'" in compiled[2][0]
        assert "running it eagerly from now on" in compiled[2][0]
    else:
        assert "graph break" in compiled[2][0]


_READS = {
    "float()": float, "int()": int, "bool()": bool, "item()": lambda t: t.item(),
    "numpy()": lambda t: t.numpy(), "tolist()": lambda t: t.tolist(),
    "numpy.asarray()": np.asarray,
}


@pytest.mark.parametrize("what", sorted(_READS))
def test_reading_values_inside_a_compiled_function_raises_one_error(backends, what):
    messages = {}
    for name in backends:
        with ut.use_backend(name):
            def f(x):
                _READS[what](ut.sum(x))
                return x * 2

            with pytest.raises(TypeError) as info:
                _compiled(f, fallback=False)(ut.tensor([1.0]))
            messages[name] = str(info.value)
    assert set(messages.values()) == {value_needed_message(what)}, messages
    assert "outside the compiled function" in value_needed_message(what)


@pytest.mark.parametrize("what", ["item()", "numpy()"])
def test_reading_values_with_fallback_gives_the_eager_result(backend, what):
    def f(x):
        v = _READS[what](ut.sum(x))
        return x * float(v)

    with pytest.warns(RuntimeWarning, match="needs its value"):
        out = _compiled(f)(ut.tensor([1.0, 2.0]))
    assert_close(out, [3.0, 6.0])


# ---------------------------------------------------------------------------------------
# out-of-range indices in compiled code

_TABLE = np.arange(6.0, dtype=np.float32).reshape(2, 3)
_CASES = {
    # name -> (function of (table, index int64 tensor), eager reference of a good index)
    "take": (lambda t, i: ut.take(t, i, axis=1), lambda i: _TABLE[:, i]),
    "take_along_axis": (lambda t, i: ut.take_along_axis(t, ut.stack([i, i]), axis=1),
                        lambda i: np.take_along_axis(_TABLE, np.stack([i, i]), axis=1)),
    "gather": (lambda t, i: ut.gather(t, 1, ut.stack([i, i])),
               lambda i: np.take_along_axis(_TABLE, np.stack([i, i]), axis=1)),
    "getitem": (lambda t, i: t[:, i], lambda i: _TABLE[:, i]),
    "one_hot": (lambda t, i: ut.one_hot(i, 3), lambda i: np.eye(3, dtype=np.int64)[i]),
    "embedding": (lambda t, i: F.embedding(i, t.T), lambda i: _TABLE.T[i]),
    "cross_entropy": (
        lambda t, i: F.cross_entropy(ut.broadcast_to(t[:1], (i.shape[0], 3)), i,
                                     reduction="none"),
        lambda i: np.log(np.exp(_TABLE[0]).sum()) - _TABLE[0][i]),
}
_BAD = {  # index -> the cases where it is out of range (negatives count from the end)
    3: sorted(_CASES), 7: sorted(_CASES), 100: sorted(_CASES),
    -4: ["take", "take_along_axis", "gather", "getitem"],
    -1: ["one_hot", "embedding", "cross_entropy"],
}


@pytest.mark.parametrize("name", sorted(_CASES))
def test_out_of_range_indices_raise_in_compiled_code(backends, name):
    fn, reference = _CASES[name]
    messages = {}
    for backend in backends:
        with ut.use_backend(backend):
            run = _compiled(fn, fallback=False)
            table = ut.asarray(_TABLE)
            good = np.array([2, 0, 1])
            assert_close(run(table, ut.asarray(good)), reference(good), rtol=1e-6,
                         atol=1e-6)
            for bad, names in _BAD.items():
                if name not in names:
                    continue
                idx = ut.asarray(np.array([0, bad, 1]))
                with pytest.raises(ut.IndexOutOfRangeError) as info:
                    run(table, idx)
                messages.setdefault(bad, set()).add(str(info.value))
                with pytest.raises(ut.IndexOutOfRangeError):  # eagerly too
                    fn(table, idx)
            # the function is still compiled and right
            assert_close(run(table, ut.asarray(good)), reference(good), rtol=1e-6,
                         atol=1e-6)
    for bad, found in messages.items():
        assert len(found) == 1, f"index {bad}: messages differ between backends: {found}"
        assert "found by a check in a compiled function" in found.pop()


def test_out_of_range_gather_raises_under_inductor(backend):
    # Inductor's own gather lowering wrapped out-of-range indices (3, 7, -4 and 100 on an
    # axis of size 3 gave values); the check compiled into the graph comes first.
    if backend != "torch":
        pytest.skip("inductor is torch's compiler")
    run = ut.compile(lambda t, i: ut.gather(t, 1, i), fallback=False)
    table = ut.asarray(_TABLE)
    assert_close(run(table, ut.tensor([[2], [0]])), [[2.0], [3.0]])
    for bad in (3, 7, -4, 100):
        with pytest.raises(ut.IndexOutOfRangeError, match="axis 1 with size 3"):
            run(table, ut.tensor([[0], [bad]]))


def test_xla_drops_the_checks_as_documented(backend):
    # docs/differences.md: with tensorflow={"jit_compile": True} XLA drops the compiled
    # checks and clamps an out-of-range index into range
    if backend != "tensorflow":
        pytest.skip("XLA is TensorFlow's compiler option")
    run = ut.compile(lambda t, i: ut.take(t, i), fallback=False,
                     tensorflow={"jit_compile": True})
    table = ut.tensor([1.0, 2.0, 3.0])
    assert_close(run(table, ut.tensor([0, 2])), [1.0, 3.0])
    assert_close(run(table, ut.tensor([5])), [3.0])


def test_a_compiled_training_step_stays_in_torch_compiles_graphs(backend):
    """A training step with operators on intermediates (``a + b``, ``0.5 * x``, methods),
    a reshape with -1 and Adam, under ``ut.compile`` on torch: the only graph breaks
    are ``loss.backward()`` (Dynamo does not trace it, in native programs either) and
    the optimizer state's creation at the first step.  Element-wise operators once broke
    the graph at every use (Dynamo could not rebuild their closures), and the optimizer
    update ran outside the graph (a break inside its loop); the step still matches the
    eager one."""
    if backend != "torch":
        pytest.skip("torch.compile's graph breaks")
    import torch
    from torch._dynamo.utils import counters

    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((8, 6)).astype(np.float32), rng.integers(0, 3, 8)

    def make():
        ut.manual_seed(0)
        lin = ut.nn.Linear(6, 3)
        opt = ut.optim.Adam(lin.parameters(), lr=0.1)
        xt, yt = ut.asarray(x), ut.asarray(y)

        def step():
            h = lin(xt)
            h = (h + 0.5 * h.exp()).reshape(-1, 3) - ut.mean(h)
            loss = F.cross_entropy(h, yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
            return loss

        return step, lin

    torch._dynamo.reset()
    counters.clear()
    compiled, lin_c = make()
    eager, lin_e = make()
    ut.compile(compiled)  # (a second compiled function shares Dynamo's caches)
    run = ut.compile(compiled)
    for _ in range(3):
        assert_close(run().numpy(), eager().numpy(), rtol=1e-5, atol=1e-6)
    assert_close(lin_c.weight.numpy(), lin_e.weight.numpy(), rtol=1e-5, atol=1e-6)
    reasons = [r for r in counters["graph_break"] if "backward" not in r]
    assert all("state_variable" in r for r in reasons), reasons
    # (the frames that make state run eagerly, once; the update itself is traced)
    skipped = [r for r in counters["unimplemented"]
               if "frame skipped: _update" in r or "frame skipped: step" in r]
    assert not skipped, skipped
