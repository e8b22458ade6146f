"""Exact resume: a run checkpointed at step 50 (parameters, optimizer, schedule, data order and
RNG state through nn.save/nn.load) reproduces steps 51-100 of the uninterrupted run bit for bit.

The model is written with bare engine ops so this test depends only on optim, data, utils and
serialization.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
import nn
from nn import _fit_state as fit_state
from nn import functional as F
from nn.data import DataLoader, TensorDataset
from nn.optim import AdamW
from nn.optim.lr_scheduler import OneCycleLR
from nn.training import EarlyStopping, fit
from nn.utils import clip_grad_norm_

from .resume_runs import build, latest_checkpoint, run

STEPS, SAVE_AT, BATCH = 100, 50, 16


def _setup(seed_data=0):
    rng = np.random.default_rng(seed_data)
    x = rng.standard_normal((200, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] ** 2 > 0.5).astype(np.int64) + (x[:, 2] > 1).astype(np.int64)
    init = np.random.default_rng(1)
    params = {
        "w1": ag.tensor(init.standard_normal((8, 16)).astype(np.float32) * 0.3, requires_grad=True),
        "b1": ag.tensor(np.zeros(16, np.float32), requires_grad=True),
        "w2": ag.tensor(init.standard_normal((16, 3)).astype(np.float32) * 0.3, requires_grad=True),
    }
    opt = AdamW(list(params.values()), lr=1e-2, weight_decay=1e-2)
    sched = OneCycleLR(opt, max_lr=3e-2, total_steps=STEPS)
    loader = DataLoader(
        TensorDataset(x, y), batch_size=BATCH, shuffle=True, generator=ag.Generator(2)
    )
    dropout_gen = ag.Generator(3)
    return params, opt, sched, loader, dropout_gen


def _train(params, opt, sched, loader, gen, start, stop, checkpoint=None):
    """Train from step ``start`` to ``stop``; save to ``checkpoint`` (a path) at ``stop``."""
    losses = []
    step = start
    while step < stop:
        for xb, yb in loader:
            h = ag.relu(xb @ params["w1"] + params["b1"])
            keep = (gen.rng.random(h.shape) > 0.2).astype(np.float32) / np.float32(0.8)
            logp = ag.log_softmax((h * keep) @ params["w2"], axis=-1)
            onehot = np.eye(3, dtype=np.float32)[yb.data]
            loss = -(logp * onehot).sum() / np.float32(len(yb.data))
            opt.zero_grad()
            loss.backward()
            clip_grad_norm_(list(params.values()), 1.0)
            opt.step()
            sched.step()
            losses.append(float(loss.item()))
            step += 1
            if checkpoint is not None and step == stop:
                nn.save(
                    {
                        "params": params,
                        "optimizer": opt.state_dict(),
                        "scheduler": sched.state_dict(),
                        "loader": loader.state_dict(),
                        "rng": gen.get_state(),
                        "step": step,
                    },
                    checkpoint,
                )
            if step == stop:
                break
    return losses


def test_resume_from_step_50_reproduces_steps_51_to_100(tmp_path):
    full = _train(*_setup(), 0, STEPS)
    ck = tmp_path / "run.ckpt"
    first = _train(*_setup(), 0, SAVE_AT, checkpoint=ck)
    assert first == full[:SAVE_AT]

    params, opt, sched, loader, gen = _setup()  # a fresh process would start here
    state = nn.load(ck)
    assert state["step"] == SAVE_AT
    for name, p in params.items():
        p.data[...] = state["params"][name].data
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    loader.load_state_dict(state["loader"])
    gen.set_state(state["rng"])
    rest = _train(params, opt, sched, loader, gen, SAVE_AT, STEPS)
    assert rest == full[SAVE_AT:]  # bit-identical losses for steps 51-100
    assert len(set(full)) > 50  # the losses really change from step to step


def test_resume_without_loader_state_diverges(tmp_path):
    """The same resume, forgetting the data order: proves the test above can fail."""
    full = _train(*_setup(), 0, STEPS)
    ck = tmp_path / "run.ckpt"
    _train(*_setup(), 0, SAVE_AT, checkpoint=ck)
    params, opt, sched, loader, gen = _setup()
    state = nn.load(ck)
    for name, p in params.items():
        p.data[...] = state["params"][name].data
    opt.load_state_dict(state["optimizer"])
    sched.load_state_dict(state["scheduler"])
    gen.set_state(state["rng"])
    rest = _train(params, opt, sched, loader, gen, SAVE_AT, STEPS)
    assert rest != full[SAVE_AT:]


# --- through fit: fit(..., checkpoint=..., resume_from=...) --------------------------------------


def _weights(model) -> dict[str, bytes]:
    return {k: v.data.tobytes() for k, v in model.state_dict().items()}


def test_fit_resumed_after_epoch_2_of_4_trains_epochs_3_and_4_exactly(tmp_path):
    full, full_model = run("mlp", tmp_path / "full", epochs=4, checkpoint_every=None)
    folder = tmp_path / "split"
    first, _ = run("mlp", folder, epochs=2, checkpoint_every=None)
    assert first == {k: v[:2] for k, v in full.items()}
    assert nn.load(folder / "ckpt.safetensors")["epoch"] == 2

    epochs_run = []
    # built from another seed: other initial weights and generator states, all overwritten
    resumed, model = run(
        "mlp", folder, epochs=4, checkpoint_every=None, seed=1,
        callbacks=[lambda epoch, logs: epochs_run.append(epoch)],
    )  # fmt: skip
    assert epochs_run == [3, 4]
    assert resumed == full  # the whole history, bit for bit
    assert _weights(model) == _weights(full_model)
    assert len(set(full["train_loss"])) == 4


def test_fit_resumed_mid_epoch_from_checkpoint_every(tmp_path):
    full_losses: list[float] = []
    full, full_model = run("cnn", tmp_path / "full", losses=full_losses)

    class Interrupted(Exception):
        pass

    folder = tmp_path / "split"
    seen: list[float] = []

    def stop_at_step_15(scores, y):  # raised inside step 15, after the step-12 checkpoint
        if len(seen) == 14:
            raise Interrupted
        seen.append(0.0)
        return F.cross_entropy(scores, y)

    with pytest.raises(Interrupted):
        run("cnn", folder, loss_fn=stop_at_step_15)
    state = nn.load(latest_checkpoint("cnn", folder))
    assert (state["step"], state["epoch"]) == (12, 1)  # two batches into epoch 2
    assert state["training"]["running"]["batches"] == 2
    assert state["training"]["loaders"]["train_loader"]["position"] == 2

    rest: list[float] = []
    resumed, model = run("cnn", folder, losses=rest, seed=1)
    assert rest == full_losses[12:]
    assert resumed == full and _weights(model) == _weights(full_model)


def test_taking_checkpoints_changes_nothing(tmp_path):
    plain, plain_model = run("mlp", tmp_path / "a", checkpoint_every=None, resume=False)
    every_step, model = run("mlp", tmp_path / "b", checkpoint_every=1, resume=False)
    assert every_step == plain and _weights(model) == _weights(plain_model)


@pytest.mark.parametrize("drop", ["default", "model.", ".transform."])
def test_resume_without_one_generator_diverges(tmp_path, monkeypatch, drop):
    """Leaving one kind of generator out of the checkpoint breaks the exact resume (so each is
    needed, and the tests above could fail)."""
    kind = "mlp" if drop == "model." else "cnn"
    full, _ = run(kind, tmp_path / "full", checkpoint_every=None)
    real = fit_state.library_generators

    def without(model, loaders):
        gens = real(model, loaders)
        kept = {k: g for k, g in gens.items() if drop not in k}
        assert len(kept) < len(gens)
        return kept

    monkeypatch.setattr(fit_state, "library_generators", without)
    folder = tmp_path / "split"
    run(kind, folder, epochs=1, checkpoint_every=None)
    resumed, _ = run(kind, folder, checkpoint_every=None, seed=1)
    assert resumed["train_loss"][:1] == full["train_loss"][:1]
    assert resumed["train_loss"][1:] != full["train_loss"][1:]


def test_a_run_that_early_stopping_ended_is_not_resumed(tmp_path):
    stopper = EarlyStopping("val_acc", patience=1, mode="max", min_delta=1.0)  # never improves
    folder = tmp_path / "run"
    history, _ = run("mlp", folder, epochs=10, early_stopping=stopper)
    assert len(history["train_loss"]) == 2  # epoch 1 sets the best, epoch 2 stops
    epochs_run = []
    stopper = EarlyStopping("val_acc", patience=1, mode="max", min_delta=1.0)
    again, _ = run(
        "mlp", folder, epochs=10, early_stopping=stopper,
        callbacks=[lambda epoch, logs: epochs_run.append(epoch)],
    )  # fmt: skip
    assert again == history and epochs_run == []


def _resume_with(tmp_path, **changes):
    run("mlp", tmp_path, epochs=1, checkpoint_every=None)
    parts = {**build("mlp"), "loss_fn": F.cross_entropy, "epochs": 2, **changes}
    return fit(**parts, progress=False, resume_from=tmp_path / "ckpt.safetensors")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scheduler": None}, "the checkpoint has scheduler state, but this call was given none"),
        ({"early_stopping": EarlyStopping()}, "has no early_stopping state, but this call was "),
        ({"val_loader": None}, "a val_loader on one side only"),
        ({"epochs": 0}, "has 1 epochs done, more than epochs=0"),
    ],
)
def test_resuming_a_different_training_is_refused(tmp_path, changes, message):
    with pytest.raises(ValueError, match=message):
        _resume_with(tmp_path, **changes)


def test_resuming_with_other_generators_is_refused_before_anything_is_loaded(tmp_path):
    run("mlp", tmp_path, epochs=1, checkpoint_every=None)
    parts = build("mlp")
    parts["model"][5] = nn.Dropout(0.2)  # on the default generator now, not its own
    before = _weights(parts["model"])
    with pytest.raises(ValueError, match=r"only in the checkpoint: \['model.5.generator'\]"):
        fit(
            **parts, loss_fn=F.cross_entropy, epochs=2, progress=False,
            resume_from=tmp_path / "ckpt.safetensors",
        )  # fmt: skip
    assert _weights(parts["model"]) == before


def test_resuming_from_a_model_only_checkpoint_is_refused(tmp_path):
    path = tmp_path / "ckpt.safetensors"
    nn.save({"model": {}}, path)
    with pytest.raises(ValueError, match="not a resumable fit checkpoint"):
        run("mlp", tmp_path, checkpoint_every=None)


def test_a_plain_list_of_batches_resumes_mid_epoch(tmp_path):
    """A loader without a state (here a list) is resumed by skipping the batches already run."""
    rng = np.random.default_rng(0)
    batches = [
        (
            ag.tensor(rng.standard_normal((8, 4)).astype(np.float32)),
            ag.tensor(rng.integers(0, 3, 8)),
        )
        for _ in range(5)
    ]

    def train(path, loss_fn=F.cross_entropy, resume=False):
        ag.manual_seed(0)
        model = nn.Sequential(nn.Linear(4, 3), nn.Dropout(0.2))
        history = fit(
            model, batches, loss_fn=loss_fn, optimizer=AdamW(model.parameters(), lr=0.1),
            epochs=2, checkpoint=path, checkpoint_every=2, progress=False,
            resume_from=path if resume else None,
        )  # fmt: skip
        return history, _weights(model)

    full = train(tmp_path / "full")
    calls = []

    def interrupted(scores, y):
        if len(calls) == 7:  # inside step 8: the step-6 checkpoint is one batch into epoch 2
            raise KeyboardInterrupt
        calls.append(1)
        return F.cross_entropy(scores, y)

    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "split", interrupted)
    assert nn.load(tmp_path / "split")["training"]["running"]["batches"] == 1
    assert train(tmp_path / "split", resume=True) == full
