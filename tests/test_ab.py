"""``ut.ab``: ULP distances against NumPy's own float stepping, ``ut.ab.compare`` on
agreeing and deliberately diverging functions (nested outputs, random numbers, timings,
errors), and ``ut.ab.record`` in a real subprocess under ``UNITORCH_AB_RECORD``.

(``unitorch ab`` itself, the command line, is tested in ``test_cli.py``.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import ml_dtypes
import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import unitorch as ut
from unitorch.ab import compare_values, ulp_distance
from unitorch.testing.tolerances import DEFAULTS

FLOATS = {"float16": np.float16, "float32": np.float32, "float64": np.float64}


def _step(x, k):
    """``x`` moved ``k`` representable numbers up (k > 0) or down, with np.nextafter."""
    target = np.array(np.inf if k > 0 else -np.inf, x.dtype)
    for _ in range(abs(k)):
        x = np.nextafter(x, target)
    return x


# ---------------------------------------------------------------------------------------
# ULP distance


@given(name=st.sampled_from(sorted(FLOATS)), data=st.data(), k=st.integers(-40, 40))
def test_ulp_distance_counts_nextafter_steps(name, data, k):
    dtype = FLOATS[name]
    bits = {"float16": 16, "float32": 32, "float64": 64}[name]
    x = dtype(data.draw(st.floats(width=bits, allow_nan=False, allow_infinity=False),
                        label="x"))
    y = _step(x, k)
    assume(np.isfinite(y))
    assert ulp_distance(x, y) == abs(k)
    assert ulp_distance(y, x) == abs(k)  # symmetric
    assert ulp_distance(x, y).shape == ()  # scalars in, a 0-d distance out


@given(name=st.sampled_from(["float32", "float64"]), data=st.data(),
       n=st.integers(0, 1000))
def test_ulp_distance_matches_np_spacing_within_a_binade(name, data, n):
    """Inside one binade the floats are evenly spaced by np.spacing(x), so the ULP
    distance is |x - y| / |spacing(x)|."""
    dtype = FLOATS[name]
    bits = 32 if name == "float32" else 64
    x = dtype(data.draw(st.floats(width=bits, allow_nan=False, allow_infinity=False,
                                  allow_subnormal=False).filter(lambda v: v != 0),
                        label="x"))
    y = dtype(x + n * np.spacing(x))
    assume(np.isfinite(y) and np.frexp(x)[1] == np.frexp(y)[1])
    expected = abs(float(y) - float(x)) / abs(float(np.spacing(x)))  # negative for x < 0
    assert expected == n
    assert ulp_distance(x, y) == expected


def test_ulp_distance_special_values():
    f = np.float32
    tiny = np.nextafter(f(0), f(1))  # smallest subnormal
    big = np.finfo(f).max
    cases = [
        (f(0.0), f(-0.0), 0),  # signed zeros are the same point
        (tiny, -tiny, 2),  # across zero: -tiny, 0, tiny
        (tiny, f(0), 1),
        (f(np.nan), f(np.nan), 0),  # NaN positions agree
        (f(np.nan), -f(np.nan), 0),
        (f(np.nan), f(1), np.inf),  # a NaN where the other has a number
        (f(np.inf), f(np.inf), 0),
        (-f(np.inf), -f(np.inf), 0),
        (f(np.inf), -f(np.inf), np.inf),
        (f(np.inf), big, np.inf),  # overflow is a divergence, not one more ulp
        (f(1.0), f(-1.0), 2 * int(f(1.0).view(np.int32))),
    ]
    for a, b, expected in cases:
        assert ulp_distance(a, b) == expected, (a, b)
        assert ulp_distance(np.array([a]), np.array([b]))[0] == expected


def test_ulp_distance_is_exact_for_float64_extremes():
    big = np.finfo(np.float64).max
    ordered = int(np.float64(big).view(np.int64))
    # 2 * ordered exceeds int64: computed in modular uint64, exact before the float cast
    assert ulp_distance(-big, big) == float(2 * ordered)
    assert ulp_distance(np.float64(1.0), np.float64(1.0) + np.spacing(1.0)) == 1


def test_ulp_distance_bfloat16_complex_and_integers():
    bf = ml_dtypes.bfloat16
    assert ulp_distance(np.array(1.0, bf), np.array(1.0078125, bf)) == 1  # 1 + 2**-7
    assert ulp_distance(np.array(1.0, bf), np.array(-1.0, bf), "bfloat16") == 2 * 16256
    z = np.complex64(1 + 1j)
    w = np.complex64(complex(1, np.nextafter(np.float32(1), np.float32(2)) + 0))
    assert ulp_distance(z, w) == 1
    assert list(ulp_distance(np.array([3, -2], np.int64), np.array([5, -2]))) == [2, 0]
    lo, hi = np.iinfo(np.int64).min, np.iinfo(np.int64).max
    assert ulp_distance(np.int64(lo), np.int64(hi)) == float(2**64 - 1)


# ---------------------------------------------------------------------------------------
# compare_values


def test_compare_values_tolerance_boundary_follows_assert_close():
    rtol, atol = DEFAULTS[ut.float32]
    ref = np.array([1.0, 100.0], np.float32)
    inside = ref + np.float32(0.5) * (atol + rtol * np.abs(ref)).astype(np.float32)
    outside = ref + np.float32(2.0) * (atol + rtol * np.abs(ref)).astype(np.float32)
    assert compare_values(inside, ref).ok
    d = compare_values(outside, ref)
    assert not d.ok and d.mismatched == 2
    assert d.rtol == rtol and d.atol == atol
    assert d.max_abs == pytest.approx(float(np.max(np.abs(outside.astype(np.float64) - ref))))
    assert d.max_ulp == float(np.max(ulp_distance(outside, ref)))


def test_compare_values_nan_inf_integers_shapes_dtypes():
    nan, inf = np.nan, np.inf
    ok = compare_values(np.array([nan, inf, -0.0]), np.array([nan, inf, 0.0]))
    assert ok.ok and ok.max_abs == 0 and ok.max_ulp == 0
    bad = compare_values(np.array([nan, 1.0]), np.array([1.0, 1.0]))
    assert not bad.ok and bad.max_abs == inf and bad.max_ulp == inf and bad.mismatched == 1
    assert not compare_values(np.array([inf]), np.array([-inf])).ok
    assert compare_values(np.array([1, 2]), np.array([1, 2])).ok
    ints = compare_values(np.array([1, 3]), np.array([1, 2]))
    assert not ints.ok and ints.max_abs == 1 and ints.rtol == 0 and ints.atol == 0
    shapes = compare_values(np.zeros(3), np.zeros(4))
    assert not shapes.ok and "shapes differ" in shapes.problem
    dtypes = compare_values(np.zeros(3, np.float32), np.zeros(3, np.float64))
    assert not dtypes.ok and "dtypes differ: float32 vs float64" in dtypes.problem
    assert compare_values(np.zeros((0, 2)), np.zeros((0, 2))).ok


# ---------------------------------------------------------------------------------------
# ut.ab.compare


def _nested(x, w):
    h = ut.tanh(ut.matmul(x, w))
    return {"h": h, "stats": (ut.sum(h), [ut.max(h), 3]), "scale": 2.5, "flag": True}


def test_compare_agreeing_function_with_nested_outputs(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends: a comparison with one has no outputs to compare")
    rng = np.random.default_rng(0)
    x, w = rng.standard_normal((8, 5)).astype(np.float32), rng.standard_normal((5, 4))
    report = ut.ab.compare(_nested, x, w.astype(np.float32), backends=backends, repeats=3)
    assert report.ok, str(report)
    paths = sorted({leaf.path for leaf in report.leaves})
    assert paths == ["['flag']", "['h']", "['scale']", "['stats'][0]", "['stats'][1][0]",
                     "['stats'][1][1]"]
    by_path = {leaf.path: leaf for leaf in report.leaves}
    assert by_path["['h']"].diff.dtype == "float32"
    assert by_path["['h']"].diff.shape == (8, 4)
    assert by_path["['scale']"].diff.dtype == "float64"
    assert by_path["['stats'][1][1]"].diff.dtype == "int64"
    assert by_path["['flag']"].diff.dtype == "bool"
    # the outputs are the real ones: the reference backend's h is tanh(x @ w)
    ref = report.outputs[backends[0]]["['h']"]
    np.testing.assert_allclose(ref, np.tanh(x.astype(np.float64) @ w.astype(np.float32)),
                               rtol=1e-5, atol=1e-6)
    for b in backends:
        assert report.timings[b] is not None and report.timings[b] > 0
        assert len(report.all_times[b]) == 3
        assert report.timings[b] == float(np.median(report.all_times[b]))
    text = str(report)
    assert "OK:" in text and "time per call (median of 3 after 1 warm-up)" in text
    json.dumps(report.to_dict(), allow_nan=False)


def _two(backends):
    if len(backends) < 2:
        pytest.skip("needs two backends")
    return backends[:2]


def test_compare_reports_a_deliberate_divergence(backends):
    a, b = _two(backends)

    def fn(x):
        bump = 3 if ut.get_backend() == b else 0  # 3 ulps, on the second backend only
        y = ut.exp(x)
        return y, ut.asarray(_step(np.float32(1.5), bump)), ut.sum(x)

    x = np.linspace(-1, 1, 16, dtype=np.float32)
    report = ut.ab.compare(fn, x, backends=(a, b), rtol=0.0, atol=0.0, repeats=1)
    assert not report.ok
    leaf = {leaf.path: leaf for leaf in report.leaves}["[1]"]
    assert not leaf.ok and leaf.backend == b and leaf.reference == a
    assert leaf.diff.max_ulp == 3
    assert leaf.diff.max_abs == pytest.approx(3 * float(np.spacing(np.float32(1.5))))
    assert leaf.diff.max_rel == pytest.approx(leaf.diff.max_abs / float(_step(np.float32(1.5),
                                                                               3)))
    text = str(report)
    assert "DIVERGED" in text and "NO: 1 of 1 beyond tolerance" in text
    # with the default tolerance 3 ulps of 1.5 are within float32's rtol
    assert ut.ab.compare(fn, x, backends=(a, b), repeats=0).ok


def test_compare_dtype_structure_and_error_divergences(backends):
    a, b = _two(backends)

    def wrong_dtype(x):
        return ut.astype(x, ut.float64 if ut.get_backend() == b else ut.float32)

    r = ut.ab.compare(wrong_dtype, np.ones(3, np.float32), backends=(a, b), repeats=0)
    assert not r.ok and "dtypes differ" in str(r)

    def wrong_structure(x):
        return (x, x) if ut.get_backend() == b else (x,)

    r = ut.ab.compare(wrong_structure, np.ones(2), backends=(a, b), repeats=0)
    assert not r.ok and any(leaf.problem == f"missing on {a}" for leaf in r.leaves)

    def raises(x):
        if ut.get_backend() == b:
            raise RuntimeError("boom on purpose")
        return x

    r = ut.ab.compare(raises, np.ones(2), backends=(a, b), repeats=1)
    assert not r.ok and set(r.errors) == {b}
    assert "RuntimeError: boom on purpose" in str(r)
    assert r.to_dict()["errors"][b] == "RuntimeError: boom on purpose"


def test_compare_seeds_portable_random_numbers(backends):
    def noisy(x):
        return x + ut.random.randn(100), ut.random.permutation(10)

    report = ut.ab.compare(noisy, np.zeros(100, np.float32), backends=backends, seed=7,
                           repeats=2)
    assert report.ok
    for leaf in report.leaves:
        assert leaf.diff.max_ulp == 0
    with ut.random.portable(True):
        ut.manual_seed(7)
        expected = ut.random.randn(100).numpy()
    np.testing.assert_array_equal(report.outputs[backends[0]]["[0]"], expected)


def test_compare_converts_arguments_to_each_backend(backends):
    seen = []

    def fn(x, pair, *, scale):
        seen.append((ut.get_backend(), type(x)._bk.name, type(pair[1])._bk.name,
                     type(scale)._bk.name))
        return x * scale + pair[1]

    x = np.arange(4, dtype=np.float64)
    other = ut.asarray(np.ones(4))  # a Tensor of the default backend
    report = ut.ab.compare(fn, x, (None, other), scale=np.full((), 2.0),
                           backends=backends, repeats=0)
    assert report.ok, str(report)
    for active, *made_on in seen:
        assert made_on == [active] * 3
    assert report.outputs[backends[-1]]["output"].tolist() == [1.0, 3.0, 5.0, 7.0]


def test_compare_json_is_strict_with_infinite_distances(backends):
    a, b = _two(backends)

    def fn(x):
        return ut.log(x) if ut.get_backend() == b else x  # log(0) = -inf vs 0

    r = ut.ab.compare(fn, np.zeros(2, np.float32), backends=(a, b), repeats=0)
    data = json.loads(r.to_json())
    (leaf,) = data["outputs"]
    assert leaf["max_abs"] == "inf" and leaf["max_ulp"] == "inf" and leaf["ok"] is False


def test_compare_validates_arguments():
    with pytest.raises(ValueError, match="at least one backend"):
        ut.ab.compare(ut.exp, np.ones(2), backends=())
    with pytest.raises(ValueError, match="repeats and warmup must be >= 0"):
        ut.ab.compare(ut.exp, np.ones(2), repeats=-1)


# ---------------------------------------------------------------------------------------
# ut.ab.record


def test_record_is_a_no_op_outside_unitorch_ab():
    assert "UNITORCH_AB_RECORD" not in os.environ
    ut.ab.record("loss", object())  # not even looked at
    ut.ab.record_history({"loss": [1.0]})
    ut.ab.flush()
    assert not ut.ab.recording()
    assert ut.ab.records() == {}


RECORDING_SCRIPT = textwrap.dedent("""
    import numpy as np
    import unitorch as ut
    from unitorch.train import History

    assert ut.ab.recording()
    for step in range(4):
        ut.ab.record("loss", ut.asarray(1.0, dtype=ut.float32) / (step + 1))
    ut.ab.record("count", 3)
    ut.ab.record("python_float", 0.1)
    ut.ab.record("as_f32", 0.1, dtype="float32", rtol=1e-3, atol=0.0)
    ut.ab.record("matrix", np.arange(6, dtype=np.float16).reshape(2, 3))
    ut.ab.record("half", ut.asarray([1.5, -2.0], dtype=ut.bfloat16))
    h = History({"loss": [0.5, 0.25], "accuracy": [0.5, 0.75]})
    h.append_steps("loss", [0.7, 0.6, 0.3])
    ut.ab.record("fit", h)
    ut.ab.record_history({"epochs_done": [1, 2]}, name="plain")
    ut.ab.flush()
    {crash}
""")


def _run_recording(tmp_path, crash=""):
    path = tmp_path / "records.json"
    env = dict(os.environ, UNITORCH_AB_RECORD=str(path))
    script = tmp_path / "s.py"
    script.write_text(RECORDING_SCRIPT.replace("{crash}", textwrap.dedent(crash)))
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True,
                          text=True, timeout=300)
    return done, path


def test_record_writes_series_scalars_arrays_and_histories(tmp_path):
    done, path = _run_recording(tmp_path)
    assert done.returncode == 0, done.stderr
    data = json.loads(path.read_text())
    assert data["finished"] is True and data["backend"] == ut.get_backend()
    rec = data["records"]
    assert rec["loss"]["dtype"] == "float32" and rec["loss"]["shape"] == []
    assert rec["loss"]["values"] == [float(np.float32(1) / np.float32(k)) for k in (1, 2, 3, 4)]
    assert rec["loss"]["axis"] == "call"
    assert rec["count"] == dict(rec["count"], dtype="int64", values=[3])
    assert rec["python_float"]["dtype"] == "float64" and rec["python_float"]["values"] == [0.1]
    assert rec["as_f32"]["dtype"] == "float32"
    assert rec["as_f32"]["values"] == [float(np.float32(0.1))]
    assert (rec["as_f32"]["rtol"], rec["as_f32"]["atol"]) == (1e-3, 0.0)
    assert rec["matrix"]["dtype"] == "float16" and rec["matrix"]["shape"] == [2, 3]
    assert rec["matrix"]["values"] == [[[0, 1, 2], [3, 4, 5]]]
    assert rec["half"]["dtype"] == "bfloat16" and rec["half"]["values"] == [[1.5, -2.0]]
    # a History: per epoch and per step, compared in the default float dtype
    assert rec["fit/loss"]["values"] == [0.5, 0.25]
    assert rec["fit/loss"]["dtype"] == "float32" and rec["fit/loss"]["axis"] == "epoch"
    assert rec["fit/accuracy"]["values"] == [0.5, 0.75]
    assert rec["fit/step/loss"]["values"] == [float(np.float32(v)) for v in (0.7, 0.6, 0.3)]
    assert rec["fit/step/loss"]["axis"] == "step"
    assert rec["plain/epochs_done"] == dict(rec["plain/epochs_done"], dtype="int64",
                                            values=[1, 2])
    assert not list(tmp_path.glob("*.tmp"))  # written atomically


BAD_ENTRIES_THEN_CRASH = """
for bad in (lambda: ut.ab.record("matrix", np.zeros(3)), lambda: ut.ab.record("y", "text"),
            lambda: ut.ab.record("", 1.0)):
    try:
        bad()
    except (ValueError, TypeError) as e:
        print(type(e).__name__, e)
raise RuntimeError("crash after records")
"""


def test_record_rejects_bad_entries_and_keeps_records_of_a_crash(tmp_path):
    done, path = _run_recording(tmp_path, crash=BAD_ENTRIES_THEN_CRASH)
    assert done.returncode == 1 and "crash after records" in done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0].startswith("ValueError ut.ab.record('matrix'): an entry of shape (3,) "
                               "after entries of shape (2, 3)")
    assert lines[1].startswith("TypeError ut.ab.record() takes numbers, tensors or arrays")
    assert lines[2].startswith("TypeError ut.ab.record() needs a non-empty str name")
    data = json.loads(path.read_text())  # written at exit, after the exception
    assert len(data["records"]["loss"]["values"]) == 4
    assert data["records"]["matrix"]["values"] == [[[0, 1, 2], [3, 4, 5]]]


# ---------------------------------------------------------------------------------------
# comparing records (the engine of `unitorch ab`, without the subprocesses)


def _slot(values, dtype="float32", shape=(), rtol=None, atol=None):
    return {"dtype": dtype, "shape": list(shape), "values": values, "rtol": rtol,
            "atol": atol}


def test_compare_records_tolerances_missing_names_and_lengths():
    from unitorch.ab.script import compare_records

    one = float(np.float32(1.0))
    off = float(_step(np.float32(1.0), 100))  # 100 ulps: 1.2e-5 relative
    runs = {
        "a": {"x": _slot([one, one]), "own": _slot([one], rtol=1e-3, atol=0.0),
              "only_a": _slot([one]), "short": _slot([one, one])},
        "b": {"x": _slot([one, off]), "own": _slot([off], rtol=1e-3, atol=0.0),
              "short": _slot([one])},
    }
    rows = {r.name: r for r in compare_records(runs, ("a", "b"))}
    assert not rows["x"].ok and rows["x"].diffs["b"].max_ulp == 100  # default float32 tol
    assert rows["x"].diffs["b"].rtol == DEFAULTS[ut.float32][0]
    assert rows["x"].is_series and rows["x"].finals["b"] == np.float32(off)
    assert rows["own"].ok and rows["own"].diffs["b"].rtol == 1e-3  # the record's own
    assert rows["only_a"].problem == "not recorded on b" and not rows["only_a"].ok
    assert rows["short"].problem == "1 entries on b, 2 on a"
    # a command-line tolerance applies where the record has none
    rows = {r.name: r for r in compare_records(runs, ("a", "b"), rtol=1e-4, atol=0.0)}
    assert rows["x"].ok and rows["x"].diffs["b"].rtol == 1e-4
    assert rows["own"].diffs["b"].rtol == 1e-3
