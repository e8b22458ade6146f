"""nn.training: the fit loop, its history, progress bar, early stopping, checkpoints, schedulers,
the NaN guard, and plot_history."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F
from nn.data import DataLoader, TensorDataset, datasets
from nn.models import MLP
from nn.optim import SGD, Adam
from nn.optim.lr_scheduler import ReduceLROnPlateau, StepLR
from nn.training import (
    EarlyStopping,
    NonFiniteLossError,
    accuracy,
    evaluate,
    fit,
    plot_history,
)


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    x, y = datasets.load_digits("train", return_arrays=True)
    xt, yt = datasets.load_digits("test", return_arrays=True)
    return x[:400], y[:400], xt, yt


def _loaders(digits, batch_size: int = 50):
    x, y, xt, yt = digits
    train = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=0)
    val = DataLoader(TensorDataset(xt, yt), batch_size=200)
    return train, val


def _model(seed: int = 0) -> MLP:
    return MLP(64, [32], 10, generator=seed)


def test_history_keys_and_lengths(digits):
    train, val = _loaders(digits)
    model = _model()
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters(), lr=1e-2),
        epochs=3, val_loader=val, progress=False,
    )  # fmt: skip
    assert list(history) == ["train_loss", "train_acc", "lr", "val_loss", "val_acc"]
    assert all(len(v) == 3 for v in history.values())
    assert history["lr"] == [1e-2] * 3
    assert all(0.0 <= a <= 1.0 for a in history["train_acc"] + history["val_acc"])
    assert history["train_loss"][-1] < history["train_loss"][0]
    # the recorded val figures are evaluate()'s on the final model
    loss, acc = evaluate(model, val, F.cross_entropy)
    assert (loss, acc) == pytest.approx((history["val_loss"][-1], history["val_acc"][-1]))
    assert acc > 0.8

    no_val = fit(
        _model(), train, loss_fn=F.cross_entropy, optimizer=SGD(_model().parameters(), lr=0.1),
        epochs=2, progress=False,
    )  # fmt: skip
    assert list(no_val) == ["train_loss", "train_acc", "lr"]
    assert all(len(v) == 2 for v in no_val.values())


def test_progress_bar_shows_loss_and_accuracy(digits, capsys):
    train, val = _loaders(digits)
    model = _model()
    fit(
        model, train, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters()), epochs=2,
        val_loader=val, progress="bar",  # drawn even though pytest's stderr is no terminal
    )  # fmt: skip
    captured = capsys.readouterr()
    bar = captured.err
    assert "epoch 1/2" in bar and "epoch 2/2" in bar
    assert "loss=" in bar and "acc=" in bar
    assert f"0/{len(train)}" in bar  # batches of the epoch, counted
    lines = [ln for ln in captured.out.splitlines() if ln.startswith("epoch")]
    assert len(lines) == 2
    for key in ("train_loss=", "train_acc=", "val_loss=", "val_acc="):
        assert key in lines[1]


def test_progress_false_prints_nothing(digits, capsys):
    train, val = _loaders(digits)
    model = _model()
    fit(
        model, train, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters()), epochs=1,
        val_loader=val, progress=False,
    )  # fmt: skip
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_early_stopping_rule():
    stopper = EarlyStopping(monitor="val_acc", mode="max", patience=2, min_delta=0.01)
    # 0.5 best; 0.505 is not better by more than min_delta; 0.6 resets; two bad epochs stop
    assert [stopper.update(v) for v in (0.5, 0.505, 0.6, 0.6, 0.59)] == [
        False, False, False, False, True,
    ]  # fmt: skip
    assert stopper.best == 0.6
    low = EarlyStopping(patience=1)
    assert [low.update(v) for v in (2.0, 1.0, 1.5)] == [False, False, True]
    with pytest.raises(ValueError, match="mode must be"):
        EarlyStopping(mode="up")


def _stop_epoch(values: list[float], patience: int, mode: str) -> int | None:
    """Where the rule says to stop, recomputed from the history (min_delta 0)."""
    best, bad = None, 0
    for epoch, v in enumerate(values, start=1):
        if best is None or (v < best if mode == "min" else v > best):
            best, bad = v, 0
        else:
            bad += 1
            if bad >= patience:
                return epoch
    return None


def test_early_stopping_stops_on_the_monitored_validation_metric(digits):
    x, y, _, _ = digits
    train, _ = _loaders(digits)
    # validation on 20 training images: its accuracy saturates long before the training loss does
    val = DataLoader(TensorDataset(x[:20], y[:20]), batch_size=20)
    model = _model()
    stopper = EarlyStopping(monitor="val_acc", mode="max", patience=2)
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters(), lr=1e-2),
        epochs=30, val_loader=val, early_stopping=stopper, progress=False,
    )  # fmt: skip
    n = len(history["val_acc"])
    assert n < 30
    assert _stop_epoch(history["val_acc"], 2, "max") == n
    assert stopper.best == max(history["val_acc"])
    # the training loss was still improving: it was not what stopped the run
    assert _stop_epoch(history["train_loss"], 2, "min") is None


def test_early_stopping_on_a_missing_key_is_refused(digits):
    train, _ = _loaders(digits)
    model = _model()
    with pytest.raises(KeyError, match="'val_loss'.*need a val_loader"):
        fit(
            model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, early_stopping=EarlyStopping(), progress=False,
        )  # fmt: skip


def test_checkpoint_restores_the_same_accuracy(digits, tmp_path):
    train, val = _loaders(digits)
    model = _model()
    path = tmp_path / "ckpt.safetensors"
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters(), lr=1e-2),
        epochs=2, val_loader=val, checkpoint=path, progress=False,
    )  # fmt: skip
    state = nn.load(path)
    assert state["epoch"] == 2
    assert state["history"] == history
    assert "state" in state["optimizer"] or "param_groups" in state["optimizer"]
    fresh = _model(seed=1)
    _, before = evaluate(fresh, val, F.cross_entropy)
    fresh.load_state_dict(state["model"])
    _, after = evaluate(fresh, val, F.cross_entropy)
    assert after == history["val_acc"][-1] == evaluate(model, val, F.cross_entropy)[1]
    assert before != after


def test_checkpoint_with_early_stopping_keeps_the_best_epoch(digits, tmp_path):
    x, y, _, _ = digits
    train, _ = _loaders(digits)
    val = DataLoader(TensorDataset(x[:20], y[:20]), batch_size=20)
    path = tmp_path / "best.safetensors"
    model = _model()
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=Adam(model.parameters(), lr=1e-2),
        epochs=30, val_loader=val, early_stopping=EarlyStopping("val_acc", 2, "max"),
        checkpoint=path, progress=False,
    )  # fmt: skip
    best = int(np.argmax(history["val_acc"]))  # the first epoch that reached the best accuracy
    state = nn.load(path)
    assert state["epoch"] == best + 1 < len(history["val_acc"])
    fresh = _model(seed=1)
    fresh.load_state_dict(state["model"])
    loss, acc = evaluate(fresh, val, F.cross_entropy)
    assert acc == history["val_acc"][best]
    assert loss == pytest.approx(history["val_loss"][best], rel=1e-6)
    assert loss != pytest.approx(history["val_loss"][-1], rel=1e-6)  # not the last epoch's model


def test_checkpoint_holds_the_scheduler_and_early_stopping_progress(digits, tmp_path):
    train, val = _loaders(digits)
    model = _model()
    opt = SGD(model.parameters(), lr=0.1)
    scheduler, stopper = StepLR(opt, step_size=2, gamma=0.5), EarlyStopping("val_acc", 50, "max")
    path = tmp_path / "ckpt.safetensors"
    fit(
        model, train, loss_fn=F.cross_entropy, optimizer=opt, epochs=3, val_loader=val,
        scheduler=scheduler, early_stopping=stopper, checkpoint=path, progress=False,
    )  # fmt: skip
    state = nn.load(path)
    assert state["early_stopping"]["best"] == max(state["history"]["val_acc"])
    resumed_opt = SGD(_model(seed=1).parameters(), lr=0.1)
    resumed_scheduler = StepLR(resumed_opt, step_size=2, gamma=0.5)
    resumed_opt.load_state_dict(state["optimizer"])  # StepLR is chainable: it scales the saved lr
    resumed_scheduler.load_state_dict(state["scheduler"])
    assert resumed_scheduler.last_epoch == state["epoch"]
    resumed_scheduler.step()  # continues the schedule where the checkpointed run was
    assert resumed_scheduler.get_last_lr() == [0.1 * 0.5 ** ((state["epoch"] + 1) // 2)]
    resumed_stopper = EarlyStopping("val_acc", 50, "max")
    resumed_stopper.load_state_dict(state["early_stopping"])
    assert resumed_stopper.state_dict() == state["early_stopping"]
    with pytest.raises(KeyError, match="unknown keys"):
        resumed_stopper.load_state_dict({"best": 0.5, "wait": 1})


class _RecordingPlateau(ReduceLROnPlateau):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[float] = []

    def step(self, metric: float) -> None:  # type: ignore[override]
        self.seen.append(metric)
        super().step(metric)


@pytest.mark.parametrize(("metric", "mode"), [(None, "min"), ("val_acc", "max")])
def test_reduce_lr_on_plateau_is_stepped_with_the_metric(digits, metric, mode):
    train, val = _loaders(digits)
    model = _model()
    opt = SGD(model.parameters(), lr=1e-6)  # too small to improve anything: a certain plateau
    plateau = _RecordingPlateau(opt, mode=mode, factor=0.5, patience=1)
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=opt, epochs=4, val_loader=val,
        scheduler=plateau, scheduler_metric=metric, progress=False,
    )  # fmt: skip
    assert plateau.seen == history[metric or "val_loss"]
    # epoch 1 sets the best; epochs 2 and 3 do not beat it; the cut comes after epoch 3
    assert history["lr"] == pytest.approx([1e-6, 1e-6, 1e-6, 5e-7])


def test_epoch_schedulers_step_once_per_epoch(digits):
    train, _ = _loaders(digits)
    model = _model()
    opt = SGD(model.parameters(), lr=0.1)
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=opt, epochs=4,
        scheduler=StepLR(opt, step_size=2, gamma=0.1), progress=False,
    )  # fmt: skip
    assert history["lr"] == pytest.approx([0.1, 0.1, 0.01, 0.01])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # NumPy's overflow warnings, expected
def test_nan_loss_from_a_huge_learning_rate_names_the_step(digits):
    train, _ = _loaders(digits)
    model = _model()
    # (lr=1e6 is not enough here: the weights grow to ~1e20, the ReLUs die and the loss stays
    # finite; at 1e12 the float32 logits overflow within a few steps)
    with pytest.raises(NonFiniteLossError, match=r"epoch \d+, batch \d+ \(step \d+\)") as info:
        fit(
            model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=1e12),
            epochs=5, progress=False,
        )  # fmt: skip
    assert "lower the learning rate" in str(info.value).lower()


def test_nan_loss_from_a_poisoned_batch_stops_before_the_update(digits):
    x, y, _, _ = digits
    x = x.copy()
    x[7 * 50 + 3, 5] = np.nan  # in batch 8 of each epoch (no shuffling)
    loader = DataLoader(TensorDataset(x, y), batch_size=50)
    model = _model()
    with pytest.raises(NonFiniteLossError, match=r"at epoch 1, batch 8 \(step 8\)"):
        fit(
            model, loader, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=2, progress=False,
        )  # fmt: skip
    assert all(np.isfinite(p.data).all() for p in model.parameters())  # the NaN never got in


def test_accuracy_and_evaluate_keep_the_mode():
    scores = ag.Tensor(np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]]))
    assert accuracy(scores, ag.Tensor(np.array([1, 0, 0]))) == pytest.approx(2 / 3)
    assert accuracy(scores, np.array([1, 0, 1])) == 1.0
    model = MLP(2, [4], 2, dropout=0.5, generator=0)
    loader = DataLoader(TensorDataset(np.ones((6, 2), np.float32), np.zeros(6, np.int64)), 3)
    model.train()
    evaluate(model, loader, F.cross_entropy)
    assert model.training
    model.eval()
    evaluate(model, loader, F.cross_entropy)
    assert not model.training


def test_plot_history_writes_a_png(tmp_path, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = {
        "train_loss": [2.0, 1.0, 0.5], "train_acc": [0.3, 0.7, 0.9], "lr": [0.1] * 3,
        "val_loss": [2.1, 1.2, 0.8], "val_acc": [0.3, 0.6, 0.8],
    }  # fmt: skip
    path = tmp_path / "history.png"
    fig = plot_history(history, path, title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert path.stat().st_size > 5000
    loss_ax, acc_ax = fig.axes
    assert [line.get_label() for line in loss_ax.get_lines()] == ["train", "val"]
    np.testing.assert_allclose(acc_ax.get_lines()[1].get_ydata(), history["val_acc"])
    plt.close(fig)
    # training-only history: one curve per panel
    fig = plot_history({k: history[k] for k in ("train_loss", "train_acc")})
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]
    plt.close(fig)


def test_nonfinite_error_is_a_floating_point_error():
    assert issubclass(NonFiniteLossError, FloatingPointError)
    assert math.isnan(EarlyStopping().best)
