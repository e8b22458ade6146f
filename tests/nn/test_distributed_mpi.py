"""Data-parallel training on 2 ranks: each test runs a program of mpi_scenarios.py under
``mpiexec -n 2`` (a subprocess with a timeout) and checks what the ranks wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("mpi4py", reason="the gategrad[mpi] extra is not installed")

import nn  # noqa: E402

from . import mpi_scenarios as sc  # noqa: E402

MPIEXEC = Path(sys.executable).with_name("mpiexec")
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sc.__file__)


def run(
    name: str,
    out: Path,
    *args: str,
    ranks: int = 2,
    timeout: float = 90,
    scenario_timeout: float = 60,
):
    """Run scenario ``name`` on ``ranks`` ranks (1: a plain process, no mpiexec)."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), SCENARIO_TIMEOUT=str(scenario_timeout))
    env.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    launcher = [str(MPIEXEC), "-n", str(ranks)] if ranks > 1 else []
    cmd = [*launcher, sys.executable, str(SCRIPT), name, str(out), *args]
    start = time.monotonic()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    proc.elapsed = time.monotonic() - start  # type: ignore[attr-defined]
    return proc


def ok(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == 0, f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}"


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as f:
        return dict(f)


# --- exactness ---------------------------------------------------------------------------------


def single_process_reference(
    norm: type | None = None, dtype: str = "float32", steps: int = sc.STEPS
):
    model = sc.mlp(norm=norm, dtype=dtype)
    opt = (
        nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        if norm is None
        else nn.optim.SGD(model.parameters(), lr=0.1)
    )
    x, y = sc.batches(dtype)
    for step in range(steps):
        sc.train_step(model, opt, x[step], y[step])
    return sc.params(model)


def test_ddp_on_two_half_batches_equals_one_process_on_the_whole_batch(tmp_path):
    ok(run("exactness", tmp_path))
    r0, r1 = load(tmp_path / "rank0.npz"), load(tmp_path / "rank1.npz")
    # under no_sync nothing was exchanged: the ranks' accumulated halves still differed
    assert not np.array_equal(r0.pop("no_sync_grad"), r1.pop("no_sync_grad"))
    want = single_process_reference()
    assert r0.keys() == want.keys()
    for k in want:
        assert np.array_equal(r0[k], r1[k]), f"{k}: the ranks' parameters differ"
        np.testing.assert_allclose(r0[k], want[k], rtol=1e-5, atol=1e-6, err_msg=k)
    # one reduction per synced backward: the 10 no_sync backwards sent nothing
    assert json.loads((tmp_path / "rank0.json").read_text())["reductions"] == sc.STEPS


def test_sync_batchnorm_on_two_half_batches_equals_batchnorm_on_the_whole_batch(tmp_path):
    ok(run("syncbn", tmp_path))
    want = single_process_reference(norm=nn.BatchNorm1d, dtype="float64", steps=5)
    r0, r1 = load(tmp_path / "rank0.npz"), load(tmp_path / "rank1.npz")
    for k in want:  # parameters, and running statistics (rank 0's, which every rank takes)
        np.testing.assert_allclose(r0[k], want[k], rtol=1e-10, atol=1e-12, err_msg=k)
        if "running" not in k:
            assert np.array_equal(r0[k], r1[k]), k


# --- collectives and bad input -----------------------------------------------------------------


def test_collectives_in_place_and_their_errors(tmp_path):
    ok(run("collectives", tmp_path))
    for rank in (0, 1):
        seen = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert seen["SUM"] == [3.0, -6.0, 9.0]
        assert seen["AVG"] == [1.5, -3.0, 4.5]
        assert seen["MAX"] == [2.0, -2.0, 6.0]
        assert seen["MIN"] == [1.0, -4.0, 3.0]
        assert seen["int_sum"] == [0, 3, 6, 9]
        assert seen["broadcast"] == [1.0, 1.0, 1.0]
        assert seen["all_gather"] == [[0.0, 0.0], [1.0, 10.0]]
        assert (
            "rank 0: all_reduce(float32 (3,), op=SUM), rank 1: all_reduce(float32 (4,)"
            in (seen["shape_error"])
        )
        assert "rank 0: broadcast(float64 (2,), src=0), rank 1: barrier()" in seen["call_error"]


def test_ddp_names_what_differs_between_ranks_and_unused_parameters(tmp_path):
    ok(run("bad_models", tmp_path))
    for rank in (0, 1):
        seen = json.loads((tmp_path / f"rank{rank}.json").read_text())
        assert "the ranks' models differ" in seen["differ"]
        assert "rank 1 has [parameter 0.bias: float32 (17,)" in seen["differ"]
        assert "rank 0 has [parameter 0.bias: float32 (16,)" in seen["differ"]
        assert "spare.weight, spare.bias" in seen["unused"]


# --- fit, checkpoints and resuming -------------------------------------------------------------


def test_fit_on_a_ddp_model_logs_and_saves_on_rank_0_with_the_same_metrics_everywhere(tmp_path):
    proc = run("fit", tmp_path)
    ok(proc)
    h0, h1 = (json.loads((tmp_path / f"rank{r}.json").read_text()) for r in (0, 1))
    assert h0 == h1  # all-reduced metrics: the same history on both ranks
    assert h0["epoch"] == 2
    assert len(h0["history"]["train_loss"]) == 2
    # each epoch's line is printed once (by rank 0), not once per rank
    assert proc.stdout.count("epoch 1/2 ") == 1 and proc.stdout.count("epoch 2/2 ") == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_rank_failing_mid_training_aborts_all_and_leaves_the_last_checkpoint_whole(tmp_path):
    proc = run("fit", tmp_path, "3", "10")  # 7 steps per epoch: step 10 is in epoch 2
    assert proc.returncode != 0
    assert "injected failure on rank 1 at step 10" in proc.stderr
    assert "aborting every rank" in proc.stderr
    state = nn.load(tmp_path / "ckpt.safetensors")
    assert state["epoch"] == 1
    model = sc.mlp()
    model.load_state_dict({k.removeprefix("module."): v for k, v in state["model"].items()})


def test_resuming_on_the_same_ranks_is_bitwise_and_on_other_ranks_continues(tmp_path):
    ok(run("resume", tmp_path, "full"))
    ok(run("resume", tmp_path, "resume"))
    ok(run("resume", tmp_path, "resume", ranks=1))
    full = load(tmp_path / "full_2_rank0.npz")
    for k, v in load(tmp_path / "resume_2_rank0.npz").items():
        assert np.array_equal(v, full[k]), f"{k}: resumed on 2 ranks differs from the full run"
    state = nn.load(tmp_path / "epoch1.safetensors")
    loaded = load(tmp_path / "loaded_rank0.npz")
    for k, v in loaded.items():  # one rank starts from the checkpoint's model...
        assert np.array_equal(v, state["model"]["module." + k].data)
    one = load(tmp_path / "resume_1_rank0.npz")
    assert all(np.isfinite(v).all() for v in one.values())
    assert any(not np.array_equal(one[k], loaded[k]) for k in one)  # ... and trains on
    # (the optimizer state it restored is checked by the optimizer's own load_state_dict tests;
    # the data order on 1 rank differs, so its parameters differ from the 2-rank run's)


# --- faults ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("raise", "aborting every rank"),
        ("kill", "BAD TERMINATION OF ONE OF YOUR APPLICATION PROCESSES"),
        ("hang", "waited 3 s for the other ranks"),
    ],
)
def test_a_failed_killed_or_hung_rank_ends_the_job_in_bounded_time(tmp_path, how, says):
    proc = run("fault", tmp_path, how, scenario_timeout=3, timeout=60)
    assert proc.returncode != 0
    assert says in proc.stdout + proc.stderr
    assert not (tmp_path / "rank0_finished").exists()
    assert proc.elapsed < 30  # (the hung rank would sleep 120 s)
