"""ut.distributed, ut.nn.DataParallel, sharded loaders, ``ut.fit`` and ``unitorch run``.

The multi-process tests are real: ``unitorch run --nproc 2`` starts this file as a
worker script (see ``_worker``) on each backend, over 127.0.0.1 only, with a 20 s
timeout.  One launch per backend runs every check in sequence (start-up dominates: a
TensorFlow worker takes several seconds to import and join) and writes each rank's
results to a JSON file:

* collectives of every dtype and op, checked exactly against NumPy (two workers add in
  one order, so the results are exact), eagerly and inside ``ut.compile``;
* equivalence: 2 workers x batch 8 against 1 process x batch 16, for SGD with momentum
  and Adam, eagerly, in a compiled step and through ``ut.fit`` (float64);
* ``ut.fit``: the same history as one process (metrics reduced over the workers), and
  progress, TensorBoard logs and ModelCheckpoint files from rank 0 only;
* checkpoints: ``ut.distributed.save`` writes on rank 0 only and the file loads in a
  single process, on every backend;
* failure: rank 1 exits in the middle of training; rank 0 must raise DistributedError
  and the run must end with a non-zero status well within the timeout.

The launches of both backends start together (a session fixture), so their start-up
overlaps.  Then, while the single-process tests run: the example through the command
line, ``python -m unitorch run --nproc 2 examples/ddp_mlp.py`` (its single-process run
is done in the test process and compared), and a worker left alone, whose start-up must
give up after the timeout.  The whole file takes about 90 s of CPU time (both backends).
"""

from __future__ import annotations

import io
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "ddp_mlp.py"
TIMEOUT = 20.0  # seconds each worker waits for the others (init and every collective)
RUN_LIMIT = 240.0  # seconds a whole launch may take before the launcher gives up

REDUCE_CASES = {
    "float64": ("sum", "mean", "max", "min"), "float32": ("sum", "mean", "max", "min"),
    "float16": ("sum", "mean", "max", "min"), "bfloat16": ("sum", "mean", "max", "min"),
    "int64": ("sum", "max", "min"), "int32": ("sum", "max", "min"),
    "int16": ("sum", "max", "min"), "int8": ("sum", "max", "min"),
    "uint8": ("sum", "max", "min"), "bool": ("sum", "max", "min"),
    "complex64": ("sum", "mean"), "complex128": ("sum", "mean"),
}
N, FEATURES, OUTPUTS = 64, 5, 3
GLOBAL_BATCH, EPOCHS = 16, 2
STEPS = N // GLOBAL_BATCH * EPOCHS


def case_input(dtype: str, rank: int) -> np.ndarray:
    """Worker ``rank``'s input of the collectives check for ``dtype`` (NumPy)."""
    import ml_dtypes

    np_dtype = ml_dtypes.bfloat16 if dtype == "bfloat16" else np.dtype(dtype)
    base = np.array([[0.1, -2.5, 3.0], [100.0, -0.0, 7.25]])
    if dtype == "bool":
        return np.array([[True, False, True], [False, False, True]]) ^ (
            np.array([[False, True, True], [False, False, False]]) & bool(rank))
    if dtype.startswith("complex"):
        return (base * (rank + 1) + 1j * (base - rank)).astype(np_dtype)
    if dtype == "uint8":
        return (np.array([[1, 2, 3], [200, 0, 7]]) + rank).astype(np_dtype)
    if dtype.startswith("int"):
        return (np.array([[1, -2, 3], [100, 0, 7]]) + rank).astype(np_dtype)  # int8 wraps
    return (base * (rank + 1) + rank / 3).astype(np_dtype)


def expected_reduction(dtype: str, op: str) -> np.ndarray:
    """The documented result of all_reduce over the two workers' inputs."""
    a, b = case_input(dtype, 0), case_input(dtype, 1)
    if dtype == "bool":
        return a & b if op == "min" else a | b
    if op == "max":
        return np.maximum(a, b)
    if op == "min":
        return np.minimum(a, b)
    wide = {"float16": np.float32, "bfloat16": np.float32, "int8": np.int32,
            "int16": np.int32, "uint8": np.int32}.get(dtype)
    if wide is not None:  # carried in a wider dtype, rounded (or wrapped) once
        total = a.astype(wide) + b.astype(wide)
        return (total / 2 if op == "mean" else total).astype(a.dtype)
    return (a + b) / 2 if op == "mean" else a + b


def _jsonable(a: np.ndarray) -> list:
    a = np.asarray(a)
    if a.dtype.kind == "c":
        return np.stack([a.real, a.imag], axis=-1).astype(np.float64).tolist()
    if a.dtype.kind == "b":
        return a.tolist()
    return a.astype(np.float64).tolist()


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    return rng.standard_normal((N, FEATURES)), rng.standard_normal((N, OUTPUTS))


# ---------------------------------------------------------------------------------------
# the worker (this file run by `unitorch run --nproc 2 tests/test_distributed.py OUT`)


def _worker(out_dir: str) -> None:
    import unitorch as ut

    out = Path(out_dir)
    t0 = time.monotonic()
    ut.distributed.init(timeout=TIMEOUT)
    rank, world = ut.distributed.get_rank(), ut.distributed.get_world_size()
    results: dict = {"rank": rank, "world": world, "engine": ut.distributed.engine(),
                     "main": ut.distributed.is_main_process(),
                     "local_rank": ut.distributed.get_local_rank(), "backend": ut.get_backend()}

    def record(**items) -> None:
        results.update(items)
        results.setdefault("phases", {})[",".join(items)] = round(time.monotonic() - t0, 2)
        (out / f"rank{rank}.json").write_text(json.dumps(results))

    record(init_seconds=time.monotonic() - t0)

    # -- collectives ------------------------------------------------------------------
    reduced, gathered, broadcast = {}, {}, {}
    for dtype, ops in REDUCE_CASES.items():
        x = ut.asarray(case_input(dtype, rank))
        for op in ops:
            r = ut.distributed.all_reduce(x, op=op)
            assert r.dtype is x.dtype and r.shape == x.shape
            reduced[f"{dtype}/{op}"] = _jsonable(r.numpy())
        g = ut.distributed.all_gather(x, stack=True)
        parts = ut.distributed.all_gather(x)
        assert g.dtype is x.dtype and len(parts) == world
        gathered[dtype] = [_jsonable(g.numpy()), [_jsonable(p.numpy()) for p in parts]]
        broadcast[dtype] = _jsonable(ut.distributed.broadcast(x, src=1).numpy())
    scalar = ut.distributed.all_gather(ut.tensor(rank * 10), stack=True)
    compiled_sum = ut.compile(lambda t: ut.distributed.all_reduce(t, op="sum") * 2,
                              fallback=False, torch={"backend": "eager"})
    compiled = [_jsonable(compiled_sum(ut.asarray(case_input("float64", rank))).numpy())
                for _ in range(2)]
    try:
        ut.distributed.all_gather(ut.zeros((rank + 1, 2)))
        mismatch = None
    except ut.ShapeError as e:
        mismatch = str(e)
    ut.distributed.barrier()
    record(reduced=reduced, gathered=gathered, broadcast=broadcast,
           scalar=scalar.numpy().tolist(), compiled=compiled, mismatch=mismatch)

    # -- gradients that only some workers have ---------------------------------------
    class Heads(ut.nn.Module):
        def __init__(self):
            super().__init__()
            self.shared = ut.nn.Parameter(ut.ones(2, dtype=ut.float64))
            self.only0 = ut.nn.Parameter(ut.ones(2, dtype=ut.float64))
            self.unused = ut.nn.Parameter(ut.ones(2, dtype=ut.float64))

        def forward(self, v, use_only0):
            out = ut.sum(self.shared * v)
            return out + ut.sum(self.only0 * v * 3) if use_only0 else out

    heads = ut.nn.DataParallel(Heads())
    heads(ut.asarray(np.array([1.0, 2.0]) * (rank + 1)), rank == 0).backward()
    heads.sync_gradients()
    record(partial={name: None if p.grad is None else p.grad.tolist()
                    for name, p in heads.module.named_parameters()})

    # -- equivalence with one process on the whole batch ------------------------------
    x, y = data()
    loss_fn = ut.nn.MSELoss()

    def make_model():
        return ut.nn.Sequential(ut.nn.Linear(FEATURES, 16), ut.nn.Tanh(),
                                ut.nn.Linear(16, OUTPUTS)).double()

    def make_opt(name, params):
        if name == "sgd":
            return ut.optim.SGD(params, lr=0.1, momentum=0.9)
        return ut.optim.Adam(params, lr=0.01)

    def train(model, opt, loader, sync, compiled):
        def step(xb, yb):
            opt.zero_grad()
            loss = loss_fn(model(xb), yb)
            loss.backward()
            if sync:
                model.sync_gradients()
            opt.step()
            return loss.detach()

        fn = ut.compile(step, fallback=False, torch={"backend": "eager"}) if compiled else step
        n = 0
        for _ in range(EPOCHS):
            for xb, yb in loader:
                fn(xb, yb)
                n += 1
        return n

    def flat(model) -> np.ndarray:
        return np.concatenate([np.asarray(p.numpy()).ravel() for p in model.parameters()])

    equivalence = {}
    b = GLOBAL_BATCH // world
    for name, opt_name, mode in (("sgd-eager", "sgd", "eager"), ("adam-eager", "adam", "eager"),
                                 ("adam-compiled", "adam", "compiled"),
                                 ("sgd-fit", "sgd", "fit")):
        ut.manual_seed(1000 + rank)  # the replicas start different...
        model = make_model()
        before = flat(model)
        dp = ut.nn.DataParallel(model)  # ...until rank 0's values are broadcast
        moved = bool(not np.array_equal(before, flat(model)))
        start = dp.state_dict()
        started_equal = bool(np.array_equal(
            *ut.distributed.all_gather(ut.asarray(flat(model)), stack=True).numpy()))
        shard = ut.data.DataLoader((x, y), batch_size=b, shuffle=True, seed=3, shard="auto")
        whole = ut.data.DataLoader((x, y), batch_size=GLOBAL_BATCH, shuffle=True, seed=3)
        reference = make_model()
        reference.load_state_dict(start)
        opt, ref_opt = make_opt(opt_name, dp.parameters()), make_opt(opt_name,
                                                                     reference.parameters())
        if mode == "fit":  # rank 0 alone logs and checkpoints (per-rank paths show who)
            ckpt = ut.callbacks.ModelCheckpoint(out / f"fit{rank}-{{epoch}}.safetensors",
                                                monitor="loss")
            history = ut.fit(dp, loss_fn, opt, shard, epochs=EPOCHS, val_data=whole,
                             metrics=["mae"], progress="lines", log_dir=out / f"tb{rank}",
                             callbacks=[ckpt])
            ref_history = ut.fit(reference, loss_fn, ref_opt, whole, epochs=EPOCHS,
                                 val_data=whole, metrics=["mae"], progress=False)
            record(fit_history=history.state_dict(), fit_reference=ref_history.state_dict())
            steps = STEPS
        else:
            steps = train(dp, opt, shard, True, mode == "compiled")
            train(reference, ref_opt, whole, False, False)
        final = flat(model)
        everyone = ut.distributed.all_gather(ut.asarray(final), stack=True).numpy()
        equivalence[name] = {
            "steps": steps, "before_moved": moved,
            "started_equal": started_equal, "ranks_equal": bool(np.array_equal(*everyone)),
            "final": final.tolist(), "reference": flat(reference).tolist(),
        }
        record(equivalence=equivalence)

    # -- checkpoints: rank 0 writes ---------------------------------------------------
    ut.distributed.save(dp.state_dict(), out / "model.safetensors")
    ut.distributed.save({"rank": rank}, out / f"from_rank{rank}.safetensors")
    loaded = ut.load(out / "model.safetensors")  # every worker can read it at once
    check = make_model()
    check.load_state_dict(loaded)
    record(checkpoint_final=flat(dp.module).tolist(),
           checkpoint_reloaded_equal=bool(np.array_equal(flat(check), flat(dp.module))))

    # -- failure: rank 1 leaves in the middle of training -----------------------------
    ut.distributed.barrier()
    opt = make_opt("sgd", dp.parameters())
    loader = ut.data.DataLoader((x, y), batch_size=b, shuffle=True, seed=3, shard="auto")
    steps = 0
    started = time.monotonic()
    try:
        for _ in range(1000):
            for xb, yb in loader:
                if rank == 1 and steps == 2:
                    record(failure="exiting on purpose")
                    os._exit(3)
                step_start = time.monotonic()
                opt.zero_grad()
                loss_fn(dp(xb), yb).backward()
                dp.sync_gradients()
                opt.step()
                steps += 1
    except ut.distributed.DistributedError as e:
        record(failure={"type": type(e).__name__, "unitorch": isinstance(e, ut.UnitorchError),
                        "message": str(e), "steps": steps,
                        "seconds": time.monotonic() - step_start,
                        "since_start": time.monotonic() - started})
        raise
    record(failure="no error")


# ---------------------------------------------------------------------------------------
# launching


class _Job:
    """A command run in a thread: ``nproc`` workers under ``unitorch run`` (``nproc >= 1``)
    or one plain process (``nproc=0``), started once the jobs in ``after`` are done."""

    def __init__(self, command: list[str], out: Path, env: dict[str, str], nproc: int = 2,
                 after: tuple[_Job, ...] = ()) -> None:
        self.command, self.out, self.env, self.nproc = command, out, env, nproc
        self.after = after
        self.output = io.StringIO()
        self.status: int | None = None
        self.seconds = 0.0
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        import subprocess

        from unitorch.cli.run import launch

        for job in self.after:
            job.thread.join()
        start = time.monotonic()
        if self.nproc:
            self.status = launch(self.command, self.nproc, grace=TIMEOUT * 3,
                                 timeout=RUN_LIMIT, extra_env=self.env, stdout=self.output)
        else:
            try:
                done = subprocess.run(self.command, env=dict(os.environ, **self.env),
                                      capture_output=True, text=True, timeout=RUN_LIMIT)
                self.status = done.returncode
                self.output.write(done.stdout + done.stderr)
            except subprocess.TimeoutExpired:
                self.status = 124
        self.seconds = time.monotonic() - start

    def wait(self) -> _Job:
        for job in (*self.after, self):
            job.thread.join(2 * RUN_LIMIT + 60)
        assert not self.thread.is_alive(), "the job did not end"
        return self

    def rank(self, r: int) -> dict:
        path = self.out / f"rank{r}.json"
        assert path.is_file(), f"rank {r} wrote no results; output:\n{self.tail()}"
        return json.loads(path.read_text())

    def lines(self) -> list[str]:
        return [ln for ln in self.output.getvalue().splitlines()
                if " I0000 " not in ln and "WARNING: All log" not in ln
                and "cpu_feature_guard" not in ln and "To enable the following" not in ln]

    def tail(self) -> str:
        return "\n".join(self.lines()[-60:])


@pytest.fixture(scope="session")
def jobs(request, tmp_path_factory) -> dict[tuple[str, str], _Job]:
    """Every multi-process job, started at once: the workers of each backend first
    (together, so that their start-up overlaps), then the example and the start-up
    timeout, which run while the single-process tests do."""
    import importlib.util

    from unitorch.distributed.env import free_port
    from unitorch.testing.plugin import selected_backends

    backends = selected_backends(request.config)
    out = {}
    for b in backends:
        folder = tmp_path_factory.mktemp(f"ddp-{b}")
        out["workers", b] = _Job([sys.executable, __file__, str(folder)], folder,
                                 {"UNITORCH_BACKEND": b})
    first = tuple(out.values())
    for b in backends:
        folder = tmp_path_factory.mktemp(f"ddp-more-{b}")
        if importlib.util.find_spec("sklearn") is not None:
            # the command line itself, in a process of its own: `unitorch run --nproc 2`
            # (the single-process run is done by the test, in its own process)
            command = [sys.executable, "-m", "unitorch", "run", "--nproc", "2", "--backend",
                       b, "--timeout", str(RUN_LIMIT), str(EXAMPLE), "--epochs", "2",
                       "--save", str(folder / "two.safetensors")]
            out["example-2", b] = _Job(command, folder, {}, nproc=0, after=first)
        alone = {"UNITORCH_BACKEND": b, "RANK": "0", "WORLD_SIZE": "2",
                 "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(free_port(3)),
                 "UNITORCH_DIST_TIMEOUT": "5"}
        # (the framework is imported before the clock starts: under load its import alone
        # can take many seconds)
        script = ("import time, unitorch as ut\nfrom unitorch.backends import current\n"
                  "current()\nt = time.monotonic()\n"
                  "try:\n    ut.distributed.init()\n"
                  "finally:\n    print('seconds', time.monotonic() - t)\n")
        out["alone", b] = _Job([sys.executable, "-c", script], folder, alone, nproc=0,
                               after=first)
    return out


@pytest.fixture
def run(jobs, backend) -> _Job:
    return jobs["workers", backend].wait()


# ---------------------------------------------------------------------------------------
# multi-process tests


def test_workers_join_with_the_launcher_environment(run, backend):
    r0, r1 = run.rank(0), run.rank(1)
    assert (r0["rank"], r0["world"], r0["main"], r0["local_rank"]) == (0, 2, True, 0)
    assert (r1["rank"], r1["world"], r1["main"], r1["local_rank"]) == (1, 2, False, 1)
    assert r0["backend"] == r1["backend"] == backend
    assert r0["engine"].startswith({"torch": "torch.distributed/gloo",
                                    "tensorflow": "tf.distribute/"}[backend])


@pytest.mark.parametrize("dtype", list(REDUCE_CASES))
def test_all_reduce_matches_numpy_exactly(run, dtype):
    for r in (0, 1):
        got = run.rank(r)["reduced"]
        for op in REDUCE_CASES[dtype]:
            expected = _jsonable(expected_reduction(dtype, op))
            assert got[f"{dtype}/{op}"] == expected, (r, dtype, op)


@pytest.mark.parametrize("dtype", list(REDUCE_CASES))
def test_all_gather_and_broadcast_move_exact_values(run, dtype):
    inputs = [_jsonable(case_input(dtype, r)) for r in (0, 1)]
    for r in (0, 1):
        res = run.rank(r)
        stacked, parts = res["gathered"][dtype]
        assert stacked == inputs and parts == inputs
        assert res["broadcast"][dtype] == inputs[1]  # from src=1


def test_collectives_misc(run):
    for r in (0, 1):
        res = run.rank(r)
        assert res["scalar"] == [0, 10]
        twice = _jsonable(2 * expected_reduction("float64", "sum"))
        assert res["compiled"] == [twice, twice]  # compiled, and run twice (same keys)
        assert res["mismatch"] == ("ut.distributed.all_gather() needs the same shape on every "
                                   "worker, got rank 0: (1, 2), rank 1: (2, 2)")


@pytest.mark.parametrize("case", ["sgd-eager", "adam-eager", "adam-compiled", "sgd-fit"])
def test_two_workers_train_like_one_process_on_the_whole_batch(run, case):
    import unitorch as ut
    from unitorch.testing.tolerances import family_tolerance

    rtol, atol = family_tolerance("training", ut.float64, STEPS)
    for r in (0, 1):
        eq = run.rank(r)["equivalence"][case]
        assert eq["steps"] == STEPS
        assert eq["started_equal"] and eq["ranks_equal"], eq
        assert eq["before_moved"] == (r == 1)  # rank 1 took rank 0's initial values
        final, reference = np.array(eq["final"]), np.array(eq["reference"])
        np.testing.assert_allclose(final, reference, rtol=rtol, atol=atol,
                                   err_msg=f"rank {r}, {case}")
    assert run.rank(0)["equivalence"][case]["final"] == run.rank(1)["equivalence"][case][
        "final"]


def test_fit_logs_the_values_of_one_process_and_writes_on_rank_0_only(run, backends):
    import unitorch as ut
    from unitorch.testing.tolerances import family_tolerance

    rtol, atol = family_tolerance("training", ut.float64, STEPS)
    h0, h1 = run.rank(0)["fit_history"], run.rank(1)["fit_history"]
    assert h0 == h1  # the metrics are reduced over the workers: the same logs everywhere
    ref = run.rank(0)["fit_reference"]  # one process on the whole batch
    assert h0["epoch"] == ref["epoch"] == list(range(EPOCHS))
    assert sorted(h0["values"]) == sorted(ref["values"]) == ["loss", "lr", "mae", "val_loss",
                                                             "val_mae"]
    for key, values in ref["values"].items():
        np.testing.assert_allclose(h0["values"][key], values, rtol=rtol, atol=atol,
                                   err_msg=key)
    assert len(h0["steps"]["loss"]) == STEPS
    np.testing.assert_allclose(h0["steps"]["loss"], ref["steps"]["loss"], rtol=rtol,
                               atol=atol)
    # rank 0 alone: progress lines, TensorBoard logs, checkpoints
    progress = [ln for ln in run.lines() if "] Epoch " in ln and " steps - " in ln]
    assert [ln.split()[:4] for ln in progress] == [
        ["[rank", "0]", "Epoch", f"{e + 1}/{EPOCHS}"] for e in range(EPOCHS)], progress
    assert list((run.out / "tb0").rglob("events.out.tfevents.*"))
    assert not (run.out / "tb1").exists()
    written = sorted(p.name for p in run.out.glob("fit*.safetensors"))
    assert written == [f"fit0-{e + 1}.safetensors" for e in range(EPOCHS)]
    final = np.array(run.rank(0)["equivalence"]["sgd-fit"]["final"])
    for name in backends:  # the training checkpoint's model loads in a single process
        with ut.use_backend(name):
            model = ut.nn.Sequential(ut.nn.Linear(FEATURES, 16), ut.nn.Tanh(),
                                     ut.nn.Linear(16, OUTPUTS)).double()
            state = ut.load(run.out / f"fit0-{EPOCHS}.safetensors")
            model.load_state_dict(state["model"])
            got = np.concatenate([np.asarray(p.numpy()).ravel() for p in model.parameters()])
            np.testing.assert_array_equal(got, final)


def test_gradients_missing_on_some_workers_count_as_zeros(run):
    for r in (0, 1):  # the mean over both workers; None where no worker has one
        assert run.rank(r)["partial"] == {"shared": [1.5, 3.0], "only0": [1.5, 3.0],
                                          "unused": None}


def test_checkpoint_is_written_by_rank_0_and_loads_in_one_process(run, backends):
    import unitorch as ut

    assert (run.out / "from_rank0.safetensors").is_file()
    assert not (run.out / "from_rank1.safetensors").exists()
    final = np.array(run.rank(0)["checkpoint_final"])
    assert run.rank(0)["checkpoint_reloaded_equal"] and run.rank(1)["checkpoint_reloaded_equal"]
    for name in backends:
        with ut.use_backend(name):
            model = ut.nn.Sequential(ut.nn.Linear(FEATURES, 16), ut.nn.Tanh(),
                                     ut.nn.Linear(16, OUTPUTS)).double()
            model.load_state_dict(ut.load(run.out / "model.safetensors"))
            got = np.concatenate([np.asarray(p.numpy()).ravel() for p in model.parameters()])
            np.testing.assert_array_equal(got, final)


def test_a_dead_worker_makes_the_survivor_fail_fast_with_a_unitorch_error(run):
    assert run.status == 3, run.tail()  # the first failure: rank 1's own exit status
    assert run.rank(1)["failure"] == "exiting on purpose"
    failure = run.rank(0)["failure"]
    assert isinstance(failure, dict), failure
    assert failure["type"] == "DistributedError" and failure["unitorch"]
    assert failure["message"].startswith("ut.distributed.all_reduce() failed on rank 0 of 2")
    assert failure["steps"] == 2
    assert failure["seconds"] < TIMEOUT + 5, failure
    assert "DistributedError" in run.output.getvalue()  # its traceback, and exit status 1
    assert run.seconds < RUN_LIMIT


# ---------------------------------------------------------------------------------------
# single-process tests: a group of one, validation, the environment, sharding, the launcher


@pytest.fixture
def group_of_one(monkeypatch):
    import unitorch as ut

    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "TF_CONFIG",
                 "UNITORCH_DIST_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    ut.distributed.init()
    yield
    ut.distributed.shutdown()


def test_before_init_queries_raise_and_is_main_process_reads_rank(monkeypatch):
    import unitorch as ut

    assert not ut.distributed.is_initialized()
    for fn in (ut.distributed.get_rank, ut.distributed.get_world_size, ut.distributed.barrier):
        with pytest.raises(ut.distributed.DistributedError, match=r"call ut\.distributed\.init"):
            fn()
    with pytest.raises(ut.distributed.DistributedError):
        ut.nn.DataParallel(ut.nn.Linear(2, 2))
    monkeypatch.setenv("RANK", "1")
    assert not ut.distributed.is_main_process()
    monkeypatch.setenv("RANK", "0")
    assert ut.distributed.is_main_process()


def test_a_group_of_one_needs_no_launcher(group_of_one, backend, tmp_path):
    import unitorch as ut

    assert (ut.distributed.get_rank(), ut.distributed.get_world_size()) == (0, 1)
    assert ut.distributed.is_initialized() and ut.distributed.is_main_process()
    with pytest.raises(ut.distributed.DistributedError, match="already called"):
        ut.distributed.init()
    for dtype, ops in REDUCE_CASES.items():
        a = case_input(dtype, 0)
        x = ut.asarray(a)
        for op in ops:
            r = ut.distributed.all_reduce(x, op=op)
            assert r.dtype is x.dtype and r.backend == backend
            assert _jsonable(r.numpy()) == _jsonable(a)
        assert _jsonable(ut.distributed.broadcast(x).numpy()) == _jsonable(a)
        assert _jsonable(ut.distributed.all_gather(x, stack=True).numpy()) == [_jsonable(a)]
    ut.distributed.barrier()
    model = ut.nn.Linear(3, 2)
    before = [p.numpy().copy() for p in model.parameters()]
    dp = ut.nn.DistributedDataParallel(model)
    ut.sum(dp(ut.ones((4, 3)))).backward()
    grads = [p.grad.numpy().copy() for p in model.parameters()]
    dp.sync_gradients()
    for p, b, g in zip(model.parameters(), before, grads):
        np.testing.assert_array_equal(p.numpy(), b)
        np.testing.assert_array_equal(p.grad.numpy(), g)
    assert list(dp.state_dict()) == ["weight", "bias"]  # no "module." prefix
    dp.load_state_dict({f"module.{k}": v for k, v in model.state_dict().items()})
    ut.distributed.save(dp.state_dict(), tmp_path / "m.safetensors")
    assert sorted(ut.load(tmp_path / "m.safetensors")) == ["bias", "weight"]


def test_collective_errors_are_the_same_on_every_backend(group_of_one, backends):
    import unitorch as ut

    from support import same_error

    dist = ut.distributed
    same_error(backends, ValueError, lambda x: dist.all_reduce(x, op="prod"),
               np.ones(2), match="op must be one of 'sum', 'mean', 'max', 'min', got 'prod'")
    same_error(backends, ut.DTypeError, lambda x: dist.all_reduce(x, op="mean"),
               np.arange(3), match="expects floating or complex tensors, got int64")
    same_error(backends, ut.DTypeError, lambda x: dist.all_reduce(x, op="max"),
               np.ones(2, np.complex64), match="not defined for complex tensors")
    same_error(backends, ValueError, lambda x: dist.broadcast(x, src=1), np.ones(2),
               match=r"src must be a rank in \[0, 1\), got 1")
    same_error(backends, TypeError, lambda x: dist.all_reduce(x.tolist()), np.ones(2),
               match="expects a unitorch Tensor, got list")
    assert dist.all_reduce(ut.asarray(np.array([1.0, 3.0])), op="avg").tolist() == [1.0, 3.0]


def test_launcher_environment_is_parsed_and_checked():
    from unitorch.distributed.env import Launch, from_environ, tf_config, worker_environ

    assert from_environ({}) == Launch(0, 1, 0, "127.0.0.1", 0, ())
    env = worker_environ(1, 3, "127.0.0.1", 29500)
    assert from_environ(env) == Launch(1, 3, 1, "127.0.0.1", 29500, (
        "127.0.0.1:29501", "127.0.0.1:29502", "127.0.0.1:29503"))
    torchrun_like = {"RANK": "2", "WORLD_SIZE": "4", "LOCAL_RANK": "0",
                     "MASTER_ADDR": "10.0.0.1", "MASTER_PORT": "1234"}
    assert from_environ(torchrun_like).workers[2] == "10.0.0.1:1237"
    assert from_environ(torchrun_like).local_rank == 0
    chief = json.dumps({"cluster": {"chief": ["a:1"], "worker": ["b:2", "c:3"]},
                        "task": {"type": "worker", "index": 1}})
    assert from_environ({"TF_CONFIG": chief}) == Launch(2, 3, 2, "127.0.0.1", 0,
                                                        ("a:1", "b:2", "c:3"))
    assert json.loads(tf_config(["x:1", "y:2"], 1))["task"] == {"type": "worker", "index": 1}
    bad = [({"WORLD_SIZE": "2"}, "not RANK"),
           ({"WORLD_SIZE": "2", "RANK": "2"}, "RANK=2 is not below WORLD_SIZE=2"),
           ({"WORLD_SIZE": "two", "RANK": "0"}, "WORLD_SIZE='two' is not an integer"),
           ({"WORLD_SIZE": "2", "RANK": "0"}, "not MASTER_ADDR and MASTER_PORT"),
           ({"WORLD_SIZE": "2", "RANK": "1", "TF_CONFIG": tf_config(["x:1", "y:2"], 0)},
            "disagrees"),
           ({"TF_CONFIG": "{nonsense"}, "not a TensorFlow cluster description")]
    for env, message in bad:
        with pytest.raises(ValueError, match=message):
            from_environ(env)


@given(n=st.integers(0, 60), world=st.integers(1, 5), drop_last=st.booleans(),
       seed=st.integers(0, 2**16))
def test_shards_split_each_epoch_without_overlap(n, world, drop_last, seed):
    import unitorch as ut

    order = np.random.default_rng(seed).permutation(n)
    shards = [ut.data.shard_order(order, r, world, drop_last) for r in range(world)]
    sizes = {len(s) for s in shards}
    assert sizes == {n // world if drop_last else -(-n // world)}  # equal sizes
    # taking the shards' samples in turn gives back the epoch's order: cut to a multiple
    # of world with drop_last, else padded by repeating it from its start (PyTorch's
    # DistributedSampler: cyclically, when the padding is longer than the epoch)
    padded = -(-n // world) * world
    expected = (order[:n - n % world] if drop_last
                else np.array([order[i % n] for i in range(padded)]) if n else order)
    interleaved = np.stack(shards, axis=1).ravel()
    assert interleaved.tolist() == expected.tolist()


@given(per_worker=st.integers(1, 6), world=st.integers(1, 4), batches=st.integers(1, 4),
       extra=st.integers(0, 7), epoch=st.integers(0, 3))
def test_sharded_loaders_see_what_one_loader_sees_per_step(per_worker, world, batches, extra,
                                                           epoch):
    import unitorch as ut

    n = per_worker * world * batches + extra
    ids = np.arange(n)
    whole = ut.data.DataLoader(ids, batch_size=per_worker * world, shuffle=True, seed=5,
                               drop_last=True)
    shards = [ut.data.DataLoader(ids, batch_size=per_worker, shuffle=True, seed=5,
                                 drop_last=True, shard=(r, world)) for r in range(world)]
    for loader in (whole, *shards):
        loader.set_epoch(epoch)
    assert {len(s) for s in shards} == {len(whole)} == {batches + extra // (per_worker * world)}
    steps = list(zip(*[iter(s) for s in shards]))
    assert len(steps) == len(whole)
    for step, big in zip(steps, whole):
        together = sorted(v for part in step for v in part.tolist())
        assert together == sorted(big.tolist())


def test_sharding_rules_and_errors():
    import unitorch as ut

    x = np.arange(10)
    loader = ut.data.DataLoader(x, batch_size=2, shard=(1, 3))
    assert len(loader) == 2 and [b.tolist() for b in loader] == [[1, 4], [7, 0]]  # 0 pads
    dropped = ut.data.DataLoader(x, batch_size=2, shard=(1, 3), drop_last=True)
    assert [b.tolist() for b in dropped] == [[1, 4]]  # 9 dropped, then the partial batch
    with pytest.raises(ValueError, match="needs a seed"):
        ut.data.DataLoader(x, shuffle=True, shard=(0, 2))
    with pytest.raises(ValueError, match="0 <= rank < world_size, got rank 2"):
        ut.data.DataLoader(x, shard=(2, 2))
    with pytest.raises(ValueError, match="'auto'"):
        ut.data.DataLoader(x, shard="all")

    class Stream(ut.data.IterableDataset):
        def __iter__(self):
            return iter(range(3))

    with pytest.raises(TypeError, match="needs a source with indices"):
        ut.data.DataLoader(Stream(), shard=(0, 2))
    with pytest.raises(ut.distributed.DistributedError):  # "auto" before init
        len(ut.data.DataLoader(x, shard="auto"))


def _script(tmp_path: Path, body: str) -> str:
    path = tmp_path / "worker.py"
    path.write_text(body)
    return str(path)


def test_launcher_starts_workers_with_the_environment_and_prefixes_their_output(tmp_path):
    from unitorch.cli.run import launch

    script = _script(tmp_path, "import os, json, sys\n"
                     "keys = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT',"
                     " 'TF_CONFIG']\n"
                     "print(json.dumps({k: os.environ[k] for k in keys}))\n"
                     "print('to stderr', file=sys.stderr)\n")
    out = io.StringIO()
    assert launch([sys.executable, script], 3, stdout=out, timeout=60) == 0
    lines = out.getvalue().splitlines()
    envs = {}
    for line in lines:
        prefix, _, text = line.partition("] ")
        if text.startswith("{"):
            envs[int(prefix.split()[-1])] = json.loads(text)
    assert sorted(envs) == [0, 1, 2]
    port = int(envs[0]["MASTER_PORT"])
    for r, env in envs.items():
        assert (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"]) == (str(r), "3", str(r))
        assert env["MASTER_ADDR"] == "127.0.0.1" and int(env["MASTER_PORT"]) == port
        tf = json.loads(env["TF_CONFIG"])
        assert tf["cluster"]["worker"] == [f"127.0.0.1:{port + 1 + i}" for i in range(3)]
        assert tf["task"] == {"type": "worker", "index": r}
    assert sum(line.endswith("] to stderr") for line in lines) == 3


def test_launcher_reports_the_first_failure_and_bounds_the_others(tmp_path):
    from unitorch.cli.run import launch

    script = _script(tmp_path, "import os, time\n"
                     "if os.environ['RANK'] == '1':\n    raise SystemExit(7)\n"
                     "time.sleep(60)\n")
    out = io.StringIO()
    start = time.monotonic()
    assert launch([sys.executable, script], 2, grace=1.0, stdout=out) == 7
    assert time.monotonic() - start < 30
    assert "worker 1 exited with status 7" in out.getvalue()
    assert "terminating the remaining workers" in out.getvalue()
    hang = _script(tmp_path, "import time\ntime.sleep(60)\n")
    start = time.monotonic()
    assert launch([sys.executable, hang], 2, timeout=1.0, stdout=io.StringIO()) == 124
    assert time.monotonic() - start < 30


def test_unitorch_run_command(tmp_path, capsys):
    from unitorch.cli.main import main

    script = _script(tmp_path, "import os, sys\nprint('hello', sys.argv[1:])\n")
    assert main(["run", "--nproc", "2", script, "--lr", "3"]) == 0
    out = capsys.readouterr().out
    assert "[rank 0] hello ['--lr', '3']" in out and "[rank 1] hello ['--lr', '3']" in out
    assert main(["run", "--nproc", "2", str(tmp_path / "missing.py")]) == 2
    assert main(["run", "--nproc", "0", script]) == 2


# ---------------------------------------------------------------------------------------
# the example, and joining a group whose other worker never comes


def test_the_example_prints_the_same_on_one_process_and_on_two(jobs, backend, monkeypatch,
                                                                capsys, tmp_path):
    import importlib.util

    import unitorch as ut
    from unitorch.testing.tolerances import family_tolerance

    if ("example-2", backend) not in jobs:
        pytest.skip("the example needs scikit-learn's digits")
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT", "TF_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    spec = importlib.util.spec_from_file_location("ddp_mlp_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    example.main(["--epochs", "2", "--save", str(tmp_path / "alone.safetensors")])
    assert not ut.distributed.is_initialized()  # the example shuts its group down
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == f"backend: {backend}, workers: 1 (none (a group of one)), " \
                         "global batch 64"
    two = jobs["example-2", backend].wait()
    assert two.status == 0, two.tail()
    assert f"[rank 0] backend: {backend}, workers: 2 (" in two.output.getvalue()

    def summary(lines: list[str]) -> list[tuple[str, float]]:
        """The (label, value) pairs of 'epoch 1: loss 1.4979', 'test accuracy: 0.9444'..."""
        picked = [ln for ln in lines if ln.startswith(("epoch", "test accuracy",
                                                       "parameter norm"))]
        return [(ln.rsplit(" ", 1)[0], float(ln.rsplit(" ", 1)[1])) for ln in picked]

    alone = summary(printed)
    ranked = summary([ln.removeprefix("[rank 0] ") for ln in two.lines()
                      if ln.startswith("[rank 0] ")])
    assert [label for label, _ in alone] == ["epoch 1: loss", "epoch 2: loss", "test accuracy:",
                                             "parameter norm:"]
    assert [label for label, _ in ranked] == [label for label, _ in alone], (alone, ranked)
    # float32 training over 2 epochs of 22 steps; printed with 4 decimals, so two values
    # within the tolerance may still print 1e-4 apart
    rtol, atol = family_tolerance("training", ut.float32, 44)
    np.testing.assert_allclose([v for _, v in ranked], [v for _, v in alone], rtol=rtol,
                               atol=atol + 1e-4)
    assert not summary([ln.removeprefix("[rank 1] ") for ln in two.lines()
                        if ln.startswith("[rank 1] ")])  # rank 0 alone prints
    # the distributed run's checkpoint (rank 0 wrote it) loads here, in one process
    mine, theirs = ut.load(tmp_path / "alone.safetensors"), ut.load(two.out / "two.safetensors")
    assert sorted(mine) == sorted(theirs) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for k in mine:
        np.testing.assert_allclose(theirs[k].numpy(), mine[k].numpy(), rtol=rtol, atol=atol,
                                   err_msg=k)


def test_a_worker_whose_peers_never_come_gives_up_after_the_timeout(jobs, backend):
    job = jobs["alone", backend].wait()
    assert job.status == 1, job.tail()
    text = job.output.getvalue()
    assert "unitorch.distributed.DistributedError: ut.distributed.init(): rank 0 of 2 could " \
           f"not join the group on the {backend} backend within 5 s" in text
    seconds = float(text.split("seconds ", 1)[1].split()[0])
    assert seconds < 30, seconds  # 5 s, plus the engines' own retries


if __name__ == "__main__":
    _worker(sys.argv[1])
