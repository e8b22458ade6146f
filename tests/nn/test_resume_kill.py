"""A training process SIGKILLed at a random step and resumed in a new process repeats the
uninterrupted run's losses and final weights bit for bit (``fit(resume_from=...)``).

Both set-ups of ``resume_runs.py`` run: an MLP with Dropout and a CNN with BatchNorm, random
transforms and early stopping, each with a shuffling loader. Each run is a real process: the
uninterrupted one, the one killed, and the one that resumes it. ``make soak`` repeats this many
times (GATEGRAD_RESUME_TRIALS sets the kills per set-up here; the default is 1).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from .resume_runs import CHECKPOINT_EVERY, STEPS, kill_and_resume, same_weights, uninterrupted


@pytest.fixture(scope="module")
def full_runs(tmp_path_factory) -> dict:
    return {kind: uninterrupted(kind, tmp_path_factory.mktemp(kind)) for kind in ("mlp", "cnn")}


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_sigkill_at_a_random_step_then_resume_is_bit_identical(kind, full_runs, tmp_path):
    full_losses, full_final = full_runs[kind]
    assert len(full_losses) == STEPS and len(set(full_losses)) == STEPS  # every step differs
    trials = int(os.environ.get("GATEGRAD_RESUME_TRIALS", "1"))
    rng = np.random.default_rng(int(os.environ.get("GATEGRAD_RESUME_SEED", "0")))
    for i in range(trials):
        step = int(rng.integers(CHECKPOINT_EVERY + 1, STEPS - 1))  # after the first checkpoint
        trial = kill_and_resume(kind, tmp_path / f"trial{i}", step)
        assert trial.before == full_losses[: trial.logged]  # the same run, up to the kill
        assert trial.after == full_losses[trial.resumed_at :], (
            f"killed after {trial.logged} steps, resumed at step {trial.resumed_at}"
        )
        assert trial.final["history"] == full_final["history"]
        assert same_weights(trial.final["model"], full_final["model"])
        # the resume really started mid-training, from a checkpoint written at a step (every
        # CHECKPOINT_EVERY steps) or an epoch's end (every 10 steps) before the kill
        assert 0 < trial.resumed_at <= trial.logged
        assert trial.resumed_at % CHECKPOINT_EVERY == 0 or trial.resumed_at % 10 == 0
