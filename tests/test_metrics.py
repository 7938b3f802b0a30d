"""Training metrics against NumPy float64 references, over generated data split into
batches of generated sizes, on every backend: the stateful API, the functional core
inside a compiled function, and the same errors everywhere."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.backends import current
from unitorch.testing import assert_close
from unitorch.testing.tolerances import family_tolerance

from support import same_error


@st.composite
def scored(draw, max_classes=6):
    """Class scores (with ties: values on a coarse grid), labels and batch boundaries."""
    n = draw(st.integers(1, 40))
    c = draw(st.integers(2, max_classes))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    scores = np.round(rng.standard_normal((n, c)), draw(st.sampled_from([0, 1, 3])))
    labels = rng.integers(0, c, n)
    cuts = sorted(draw(st.lists(st.integers(1, max(n - 1, 1)), max_size=4, unique=True)))
    bounds = [0, *[k for k in cuts if k < n], n]
    return scores.astype(np.float32), labels, bounds


def batches(arrays, bounds):
    for lo, hi in itertools.pairwise(bounds):
        yield tuple(a[lo:hi] for a in arrays)


def stateful(metric, arrays, bounds, **kwargs):
    metric.reset()
    for batch in batches(arrays, bounds):
        metric.update(*(ut.asarray(a) for a in batch), **kwargs)
    return metric.result()


@given(scored(), st.integers(1, 7))
def test_accuracy_and_top_k_match_numpy(backends, case, k):
    scores, labels, bounds = case
    n, c = scores.shape
    onehot = np.eye(c, dtype=np.float32)[labels]
    want_acc = np.mean(scores.argmax(axis=1) == labels)  # ties: the first maximum
    target = scores[np.arange(n), labels][:, None]
    want_top = np.mean((scores > target).sum(axis=1) < k)  # ties count in
    for name in backends:
        with ut.use_backend(name):
            assert stateful(ut.metrics.Accuracy(), (scores, labels), bounds) == want_acc
            assert stateful(ut.metrics.get("acc"), (scores, onehot), bounds) == want_acc
            got = stateful(ut.metrics.TopKAccuracy(k), (scores, labels), bounds)
            assert got == want_top, (name, k)
            assert stateful(ut.metrics.get(f"top{k}_accuracy"), (scores, onehot),
                            bounds) == want_top


@given(scored(), st.sampled_from([0.5, 0.0]))
def test_binary_accuracy_matches_numpy(backends, case, threshold):
    scores, labels, bounds = case
    p = scores[:, :1]  # (N, 1) scores
    for y in (labels % 2 == 1, (labels % 2).astype(np.int32),
              (labels % 2).astype(np.float32)):
        want = np.mean((p[:, 0] > threshold) == (y.astype(np.float64) > 0.5))
        for name in backends:
            with ut.use_backend(name):
                m = ut.metrics.Accuracy(threshold=threshold)
                assert stateful(m, (p, y), bounds) == want
                assert stateful(m, (p[:, 0], y), bounds) == want


@given(scored(max_classes=3), st.booleans())
def test_mae_mse_and_mean_loss_match_numpy(backends, case, column_targets):
    pred, labels, bounds = case
    rng = np.random.default_rng(len(labels))
    target = (pred + rng.standard_normal(pred.shape)).astype(np.float32)
    diff = pred.astype(np.float64) - target.astype(np.float64)
    n = diff.size
    tol = family_tolerance("reduction", ut.float64, n)
    losses = rng.uniform(0, 3, len(bounds) - 1)
    sizes = np.diff(bounds)
    want_loss = np.sum(losses * sizes) / np.sum(sizes)
    col_pred, col_target = pred[:, :1], target[:, 0]  # (N, 1) predictions, (N,) targets
    col_diff = col_pred[:, 0].astype(np.float64) - col_target.astype(np.float64)
    for name in backends:
        with ut.use_backend(name):
            if column_targets:
                got = stateful(ut.metrics.MeanAbsoluteError(), (col_pred, col_target), bounds)
                assert_close(np.array(got), np.abs(col_diff).mean(), *tol)
                got = stateful(ut.metrics.get("mse"), (col_pred, col_target), bounds)
                assert_close(np.array(got), (col_diff ** 2).mean(), *tol)
            else:
                got = stateful(ut.metrics.get("mae"), (pred, target), bounds)
                assert_close(np.array(got), np.abs(diff).mean(), *tol)
                got = stateful(ut.metrics.MeanSquaredError(), (pred, target), bounds)
                assert_close(np.array(got), (diff ** 2).mean(), *tol)
            m = ut.metrics.Mean()
            for (p,), value in zip(batches((pred,), bounds), losses):
                m.update(ut.asarray(p), loss=ut.asarray(value))
            assert_close(np.array(m.result()), want_loss, *tol)


def test_state_lifecycle_and_names(backend):
    m = ut.metrics.Accuracy()
    assert math.isnan(m.result())  # no sample yet: 0 / 0
    m.update(ut.tensor([[0.0, 1.0], [1.0, 0.0]]), ut.tensor([1, 1]))
    assert m.result() == 0.5
    m.update(ut.tensor([[0.0, 1.0]]), ut.tensor([1]))
    assert m.result() == 2 / 3
    m.reset()
    assert math.isnan(m.result())
    state = m.initial_state()
    assert all(s.dtype is ut.float64 and s.shape == () for s in state)
    assert ut.metrics.get("top_k_accuracy").k == 5
    assert ut.metrics.get("top_3_accuracy").name == "top_3_accuracy"
    assert ut.metrics.TopKAccuracy(2).name == "top_2_accuracy"
    assert ut.metrics.get("MSE").name == "MSE"
    assert ut.metrics.get(m) is m
    with pytest.raises(ValueError, match="unknown metric 'f1'"):
        ut.metrics.get("f1")
    with pytest.raises(ValueError, match="k >= 1"):
        ut.metrics.TopKAccuracy(0)
    with pytest.raises(TypeError, match=r"a name or a ut\.metrics\.Metric"):
        ut.metrics.get(3)
    with pytest.raises(ValueError, match="needs the loss"):
        ut.metrics.Mean().update(ut.zeros(3))


def test_functional_core_inside_a_compiled_function(backends):
    """accumulate() threads states through compiled functions (where the backend
    compiles training steps by default) exactly as eagerly."""
    rng = np.random.default_rng(1)
    chunks = [(rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 4, n))
              for n in (8, 8, 3)]
    for name in backends:
        with ut.use_backend(name):
            if not current().compile_training:
                continue
            metrics = [ut.metrics.Accuracy(), ut.metrics.TopKAccuracy(2),
                       ut.metrics.MeanSquaredError(), ut.metrics.Mean()]

            def step(states, p, y, metrics=metrics):
                loss = ut.mean(p * p)
                return tuple(m.accumulate(s, p, ut.one_hot(y, 4) if isinstance(
                    m, ut.metrics.MeanSquaredError) else y, loss)
                    for m, s in zip(metrics, states))

            results = []
            for fn in (step, ut.compile(step, fallback=False)):
                states = tuple(m.initial_state() for m in metrics)
                for p, y in chunks:
                    states = fn(states, ut.asarray(p), ut.asarray(y))
                results.append([float(m.compute(s)) for m, s in zip(metrics, states)])
            assert results[0][:2] == results[1][:2]
            assert_close(np.array(results[1]), np.array(results[0]),
                         *family_tolerance("reduction", ut.float64, 19 * 4))


def test_shape_errors_are_the_same_on_every_backend(backends):
    same_error(backends, ut.ShapeError,
               lambda p, y: ut.metrics.Accuracy().update(p, y),
               np.zeros((4, 3), np.float32), np.zeros(5, np.int64),
               match=r"accuracy: targets of shape \(5,\) do not match predictions of "
                     r"shape \(4, 3\)")
    same_error(backends, ut.ShapeError,
               lambda p, y: ut.metrics.TopKAccuracy(2).update(p, y),
               np.zeros((4, 3), np.float32), np.zeros((4, 2), np.int64),
               match="top_2_accuracy: targets of shape")
    same_error(backends, ut.ShapeError,
               lambda p, y: ut.metrics.MeanAbsoluteError().update(p, y),
               np.zeros((4, 3), np.float32), np.zeros((2, 5), np.float32),
               match="mae: targets of shape")


# ---------------------------------------------------------------------------------------
# issue 14: integer predictions (item 7), metric state in compiled steps (item 9)


@given(st.data())
def test_integer_predictions_are_class_ids_compared_for_equality(backends, data):
    """[1, 2, 0] against [2, 1, 0] is 1/3 (it was 1.0: the (N,) predictions were taken
    as binary scores and thresholded), as keras.metrics.Accuracy counts."""
    n = data.draw(st.integers(1, 30), label="n")
    classes = data.draw(st.integers(2, 5), label="classes")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    rng = np.random.default_rng(seed)
    pred, labels = rng.integers(0, classes, n), rng.integers(0, classes, n)
    cuts = sorted(set(rng.integers(1, max(n, 2), 2).tolist()))
    bounds = [0, *[k for k in cuts if k < n], n]
    want = float(np.mean(pred == labels))
    column = data.draw(st.booleans(), label="column targets")
    for name in backends:
        with ut.use_backend(name):
            for dtype in (np.int64, np.int32, np.uint8):
                got = stateful(ut.metrics.Accuracy(), (pred.astype(dtype), labels), bounds)
                assert got == want, (name, dtype, got, want)
            if column:  # (N, 1) targets for (N,) ids; float targets compare by value
                targets = labels.reshape(-1, 1).astype(np.float32)
                assert stateful(ut.metrics.Accuracy(), (pred, targets), bounds) == want
    m = ut.metrics.Accuracy()
    m.update(ut.tensor([1, 2, 0]), ut.tensor([2, 1, 0]))
    assert m.result() == 1 / 3


def test_integer_predictions_errors_are_the_same_on_every_backend(backends):
    same_error(backends, ut.ShapeError,
               lambda p, y: ut.metrics.Accuracy().update(p, y),
               np.zeros((4, 3), np.int64), np.zeros(4, np.int64),
               match=r"integer predictions are class ids, compared for equality .* pass "
                     r"floating scores")
    same_error(backends, TypeError,
               lambda p, y: ut.metrics.Accuracy().update(p, y),
               np.zeros(2, np.complex64), np.zeros(2, np.int64),
               match="predictions must be integer class ids, bool decisions or real "
                     "floating scores, got complex64")
    for name in backends:  # bool predictions are decisions, not class ids
        with ut.use_backend(name):
            m = ut.metrics.Accuracy()
            m.update(ut.tensor([True, False, True]), ut.tensor([1, 0, 0]))
            assert m.result() == 2 / 3


def _compiled(fn):
    # torch: dynamo traces the step (what matters here) without inductor's long compile
    return ut.compile(fn, fallback=False, torch={"backend": "eager"})


def test_stateful_metrics_update_inside_compiled_steps(backends):
    """update() inside ut.compile used to fail on TensorFlow ("... is out of scope" at
    result()): the state now lives in backend variables, made while tracing and
    written in place by every run; reset() zeroes them and the step keeps working."""
    rng = np.random.default_rng(3)
    chunks = [(rng.standard_normal((n, 4)).astype(np.float32), rng.integers(0, 4, n))
              for n in (8, 8, 3, 5)]
    for name in backends:
        with ut.use_backend(name):
            results = {}
            for mode in ("eager", "compiled"):
                metrics = [ut.metrics.Accuracy(), ut.metrics.TopKAccuracy(2),
                           ut.metrics.MeanSquaredError(), ut.metrics.Mean()]

                def step(p, y, metrics=metrics):
                    loss = ut.mean(p * p)
                    for m in metrics:
                        target = ut.one_hot(y, 4) if m.name == "mse" else y
                        m.update(p, target, loss=loss) if m.name == "loss" else m.update(
                            p, target)
                    return loss

                fn = step if mode == "eager" else _compiled(step)
                seen = []
                for i, (p, y) in enumerate(chunks):
                    if i == 2:  # forget the first two batches, mid-run
                        for m in metrics:
                            m.reset()
                    fn(ut.asarray(p), ut.asarray(y))
                    seen.append([m.result() for m in metrics])
                results[mode] = np.array(seen)
            eager, compiled = results["eager"], results["compiled"]
            np.testing.assert_array_equal(compiled[:, :2], eager[:, :2])  # counts: exact
            assert_close(compiled, eager, *family_tolerance("reduction", ut.float64, 19))
            p, y = (np.concatenate(a) for a in zip(*chunks[2:]))
            want = float(np.mean(np.argmax(p, axis=1) == y))
            assert eager[-1, 0] == want, name


def test_no_noise_from_a_tape_inside_a_torch_compiled_step(backends):
    """A GradientTape made inside a torch.compile'd function is rebuilt by dynamo
    without __init__; its __del__ printed "Exception ignored ... no attribute
    '_restore'"."""
    import gc
    import sys

    if "torch" not in backends:
        pytest.skip("a torch.compile behaviour")
    seen = []
    hook, sys.unraisablehook = sys.unraisablehook, lambda u: seen.append(repr(u.exc_value))
    try:
        with ut.use_backend("torch"):
            w = ut.nn.Parameter(ut.ones(3))

            def step(x):
                with ut.GradientTape() as tape:
                    y = ut.sum(w * x)
                return tape.gradient(y, w)

            fn = _compiled(step)
            for _ in range(2):
                np.testing.assert_array_equal(fn(ut.asarray([1.0, 2.0, 3.0])).numpy(),
                                              [1.0, 2.0, 3.0])
            gc.collect()
    finally:
        sys.unraisablehook = hook
    assert seen == []


class _MaxAbsError(ut.metrics.Metric):
    """A metric with an initial state of its own (-inf, not zeros): the largest error."""

    default_name = "max_abs_error"

    def initial_state(self, device=None):
        return (ut.full((), -np.inf, dtype=ut.float64, device=device),
                ut.full((), 1.0, dtype=ut.float64, device=device))

    def accumulate(self, state, y_pred, y_true, loss=None):
        worst = ut.astype(ut.max(ut.abs(y_pred - y_true)), ut.float64)
        return (ut.maximum(state[0], worst), state[1])

    def compute(self, state):
        return state[0] / state[1]


def test_a_metric_with_its_own_initial_state_starts_inside_a_compiled_step(backends):
    """The first update() of a metric overriding initial_state() may run inside a
    compiled function (it used to ask for one eager update first): the state is made
    eagerly, from its values, while tracing."""
    batches = [([1.0, 2.0], [1.5, 2.0]), ([1.0, 5.0], [1.5, 2.0]), ([0.0, 1.0], [0.25, 1.0])]
    for name in backends:
        with ut.use_backend(name):
            for mode in ("eager", "compiled"):
                m = _MaxAbsError()

                def step(p, y, m=m):
                    m.update(p, y)
                    return p * 2

                fn = step if mode == "eager" else _compiled(step)
                seen = []
                for k, (p, y) in enumerate(batches):
                    if k == 2:
                        m.reset()
                        assert m.result() == -np.inf
                    fn(ut.tensor(p), ut.tensor(y))
                    seen.append(m.result())
                assert seen == [0.5, 3.0, 0.25], (name, mode, seen)
