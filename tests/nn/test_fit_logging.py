"""What fit shows and logs: a bar only where someone watches, one line per epoch and a summary
everywhere else, nothing with progress=False; per-epoch callbacks, CSV and JSON-lines logs that
survive a resume and plot with one call; the gradient check of check_nan."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import autograd as ag
import nn
from nn import functional as F
from nn.callbacks import CSVLogger, JSONLinesLogger, read_log
from nn.data import DataLoader, TensorDataset
from nn.optim import SGD
from nn.training import NonFiniteGradientError, NonFiniteLossError, fit, plot_history

from .resume_runs import run

ROOT = Path(__file__).resolve().parents[2]


def _data(n: int = 200):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 8)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


def _setup(batch_size: int = 10):
    x, y = _data()
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    train = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, generator=0)
    val = DataLoader(TensorDataset(x[:50], y[:50]), batch_size=50)
    return model, train, val


# --- output: terminal or not --------------------------------------------------------------------

_SCRIPT = textwrap.dedent(
    """
    import numpy as np, autograd as ag, nn
    from nn.data import DataLoader, TensorDataset
    ag.manual_seed(0)
    x = np.random.default_rng(0).standard_normal((200, 8)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), nn.Linear(16, 2))
    nn.training.fit(
        model, DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True),
        loss_fn=nn.functional.cross_entropy, epochs=5,
        optimizer=nn.optim.SGD(model.parameters(), lr=0.1),
        val_loader=DataLoader(TensorDataset(x, y), batch_size=100),
    )
    """
)


def test_output_that_is_not_a_terminal_gets_one_line_per_epoch_and_a_summary():
    """The default progress=True in a process whose stdout and stderr are pipes (a log file, a
    CI job): 5 epoch lines and a summary; no bar, so no redraw per batch (50 per epoch here)."""
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [ln.split()[1] for ln in lines[:5]] == ["1/5", "2/5", "3/5", "4/5", "5/5"]
    assert all(ln.startswith("epoch ") and "val_acc=" in ln for ln in lines[:5])
    assert len(lines) == 6 and lines[5].startswith("fit: 5 epochs in ")
    assert "best val_acc" in lines[5]
    assert done.stderr == "" and "\r" not in done.stdout
    assert len(done.stdout) < 1000


def test_progress_epochs_prints_the_lines_without_a_bar(capsys):
    model, train, val = _setup()
    fit(
        model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
        epochs=3, val_loader=val, progress="epochs",
    )  # fmt: skip
    out = capsys.readouterr()
    assert out.err == ""
    assert len(out.out.splitlines()) == 4  # 3 epochs and the summary


def test_progress_false_is_silent(capsys):
    model, train, _ = _setup()
    fit(
        model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2, progress=False,
    )  # fmt: skip
    assert capsys.readouterr() == ("", "")


def test_a_bad_progress_value_is_named():
    model, train, _ = _setup()
    with pytest.raises(ValueError, match="progress must be True, False, 'bar' or 'epochs'"):
        fit(
            model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
            epochs=1, progress="yes",
        )  # fmt: skip


def _history_with(**options):
    """Two epochs of the same training from the same seed, with ``options`` for fit."""
    ag.manual_seed(0)
    model, train, _ = _setup()
    return fit(
        model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
        epochs=2, **options,
    )  # fmt: skip


def test_the_bar_does_not_change_training(capsys):
    """The loader draws one order per epoch with or without a bar (tqdm.auto's class used to
    iterate it twice, drawing two)."""
    assert _history_with(progress="bar") == _history_with(progress=False)
    assert "epoch 2/2" in capsys.readouterr().err


# --- callbacks and logs -------------------------------------------------------------------------


def test_a_callback_gets_every_epochs_figures():
    model, train, val = _setup()
    calls = []
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
        epochs=3, val_loader=val, progress=False,
        callbacks=[lambda epoch, logs: calls.append((epoch, logs))],
    )  # fmt: skip
    assert [epoch for epoch, _ in calls] == [1, 2, 3]
    for epoch, logs in calls:
        assert set(logs) == {*history, "seconds"} and logs["seconds"] > 0
        assert all(logs[k] == history[k][epoch - 1] for k in history)


@pytest.mark.parametrize("logger", [CSVLogger, JSONLinesLogger])
def test_logs_hold_the_exact_history_and_plot_with_one_call(tmp_path, logger, monkeypatch):
    model, train, val = _setup()
    path = tmp_path / ("run.csv" if logger is CSVLogger else "run.jsonl")
    history = fit(
        model, train, loss_fn=F.cross_entropy, optimizer=SGD(model.parameters(), lr=0.1),
        epochs=3, val_loader=val, progress=False, callbacks=[logger(path)],
    )  # fmt: skip
    log = read_log(path)
    assert log["epoch"] == [1, 2, 3]
    assert {k: log[k] for k in history} == history  # floats written in full: exact
    if logger is JSONLinesLogger:
        assert [json.loads(line)["epoch"] for line in path.read_text().splitlines()] == [1, 2, 3]
    else:
        assert path.read_text().splitlines()[0].startswith("epoch,train_loss,train_acc,lr,")

    monkeypatch.setenv("MPLBACKEND", "Agg")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plot_history(path, tmp_path / "run.png")
    assert (tmp_path / "run.png").read_bytes()[:4] == b"\x89PNG"
    np.testing.assert_array_equal(fig.axes[0].get_lines()[1].get_ydata(), history["val_loss"])
    plt.close(fig)


def test_a_resumed_run_continues_its_log_without_repeats_or_gaps(tmp_path):
    """Killed after epoch 2's row was logged but before its checkpoint (the worst moment): the
    resumed run replaces the rows from the epoch it restarts at."""
    full, _ = run("mlp", tmp_path / "full", epochs=4, checkpoint_every=None)
    folder = tmp_path / "split"
    run("mlp", folder, epochs=1, checkpoint_every=None, callbacks=[CSVLogger(folder / "log.csv")])
    with open(folder / "log.csv", "a") as f:  # a row the checkpoint never caught up with,
        f.write("2,9.0,9.0,9.0,9.0,9.0,9.0\n3,8.5")  # and one cut short by the kill
    run("mlp", folder, epochs=4, checkpoint_every=None, callbacks=[CSVLogger(folder / "log.csv")])
    log = read_log(folder / "log.csv")
    assert log["epoch"] == [1, 2, 3, 4]
    assert {k: log[k] for k in full} == full


def test_a_log_with_other_columns_is_not_mixed_into(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,loss\n1,0.5\n")
    logger = CSVLogger(path)
    with pytest.raises(ValueError, match="logs the columns \\['epoch', 'loss'\\]"):
        logger(2, {"train_loss": 0.4})
    assert path.read_text() == "epoch,loss\n1,0.5\n"


def test_json_lines_write_non_finite_values_as_strings(tmp_path):
    path = tmp_path / "log.jsonl"
    JSONLinesLogger(path)(1, {"val_loss": float("nan"), "train_loss": float("inf")})
    assert json.loads(path.read_text()) == {"epoch": 1, "val_loss": "nan", "train_loss": "inf"}
    log = read_log(path)
    assert np.isnan(log["val_loss"][0]) and log["train_loss"] == [float("inf")]


def test_read_log_of_an_empty_log_is_named(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("epoch,train_loss\n")
    with pytest.raises(ValueError, match="holds no complete epoch rows"):
        read_log(path)


# --- check_nan: a non-finite gradient is named before the update --------------------------------


def _nan_gradient_into(param):
    """A loss whose value is finite but whose gradient for ``param`` alone is NaN:
    sqrt'(0) is inf, and inf times the 0 of the product gives NaN."""

    def loss_fn(scores, y):
        return F.cross_entropy(scores, y) + (param * 0.0).abs().sqrt().sum()

    return loss_fn


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_check_nan_names_the_parameter_with_a_bad_gradient():
    model, train, _ = _setup()
    before = [p.data.copy() for p in model.parameters()]
    with pytest.raises(NonFiniteGradientError) as info:
        fit(
            model, train, loss_fn=_nan_gradient_into(model[2].bias),
            optimizer=SGD(model.parameters(), lr=0.1), epochs=1, check_nan=True, progress=False,
        )  # fmt: skip
    message = str(info.value)
    assert message.startswith(
        "fit: the gradient of '2.bias' (shape (2,)) has 2 NaN and 0 inf of 2 values "
        "at epoch 1, batch 1 (step 1); stopped before the update"
    )
    assert "also non-finite" not in message
    for p, b in zip(model.parameters(), before):  # the NaN never reached the weights
        np.testing.assert_array_equal(p.data, b)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_without_check_nan_the_nan_gradient_reaches_the_weights():
    model, train, _ = _setup()
    with pytest.raises(NonFiniteLossError, match=r"batch 2 \(step 2\)"):
        fit(
            model, train, loss_fn=_nan_gradient_into(model[2].bias),
            optimizer=SGD(model.parameters(), lr=0.1), epochs=1, progress=False,
        )  # fmt: skip
    assert np.isnan(model[2].bias.data).all()  # step 1 trained on it


def test_check_nan_passes_a_healthy_run_unchanged():
    assert _history_with(check_nan=True, progress=False) == _history_with(progress=False)
