"""A training process SIGKILLed at a random step and resumed in a new process repeats the
uninterrupted run's losses and final weights bit for bit (``fit(resume_from=...)``).

Both set-ups of ``resume_runs.py`` run: an MLP with Dropout and a CNN with BatchNorm, random
transforms and early stopping, each with a shuffling loader. Each run is a real process: the
uninterrupted one, the one killed, and the one that resumes it. ``make soak`` repeats this many
times (GATEGRAD_RESUME_TRIALS sets the kills per set-up here; the default is 1).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import nn

from .resume_runs import CHECKPOINT_EVERY, EPOCHS, latest_checkpoint

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("resume_runs.py")
STEPS = EPOCHS * 10  # 240 samples in batches of 24


def _start(kind: str, folder: Path, step_delay: float = 0.0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), kind, str(folder), "--step-delay", str(step_delay)],
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        stderr=subprocess.PIPE,
    )


def _finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()


def _losses(folder: Path) -> list[float]:
    return [float(line) for line in (folder / "losses.txt").read_text().split()]


def _kill_at(proc: subprocess.Popen, folder: Path, step: int) -> int:
    """SIGKILL once the process has logged ``step`` losses (it sleeps a little every step, so
    the kill lands somewhere in a later step: maybe mid-forward, mid-backward or mid-save);
    returns the steps logged by then."""
    log = folder / "losses.txt"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().split()) >= step:
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the process ended before it could be killed"
    return len(_losses(folder))


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory) -> dict[str, tuple[list[float], dict]]:
    out = {}
    for kind in ("mlp", "cnn"):
        folder = tmp_path_factory.mktemp(f"{kind}-full")
        _finish(_start(kind, folder))
        out[kind] = (_losses(folder), nn.load(folder / "final.safetensors"))
    return out


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_sigkill_at_a_random_step_then_resume_is_bit_identical(kind, uninterrupted, tmp_path):
    full_losses, full_final = uninterrupted[kind]
    assert len(full_losses) == STEPS and len(set(full_losses)) == STEPS  # every step differs
    trials = int(os.environ.get("GATEGRAD_RESUME_TRIALS", "1"))
    rng = np.random.default_rng(int(os.environ.get("GATEGRAD_RESUME_SEED", "0")))
    for trial in range(trials):
        folder = tmp_path / f"trial{trial}"
        folder.mkdir()
        target = int(rng.integers(CHECKPOINT_EVERY + 1, STEPS - 1))  # after a checkpoint
        logged = _kill_at(_start(kind, folder, step_delay=0.01), folder, target)
        latest = latest_checkpoint(kind, folder)
        resumed_at = nn.load(latest)["step"] if latest.exists() else 0
        before = _losses(folder)
        assert before == full_losses[:logged]  # the killed run was the same run so far
        (folder / "losses.txt").unlink()

        _finish(_start(kind, folder))  # a new process resumes from the checkpoint
        after = _losses(folder)
        assert after == full_losses[resumed_at:], (
            f"killed after {logged} steps, resumed at step {resumed_at}"
        )
        final = nn.load(folder / "final.safetensors")
        assert final["history"] == full_final["history"]
        for name, w in full_final["model"].items():
            assert final["model"][name].data.tobytes() == w.data.tobytes(), name
        # the resume really started mid-training, from a checkpoint written at a step (every
        # CHECKPOINT_EVERY steps) or an epoch's end (every 10 steps) before the kill
        assert 0 < resumed_at <= logged
        assert resumed_at % CHECKPOINT_EVERY == 0 or resumed_at % 10 == 0
