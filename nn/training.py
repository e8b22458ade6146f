"""A small ``fit`` loop: a convenience, not a framework — write your own loop whenever you like.

``fit`` trains a classifier for some epochs, evaluates on a validation loader, steps a
scheduler, stops early on a monitored metric, checkpoints through ``nn.save`` (everything needed
to resume exactly: ``fit(..., resume_from=path)``), calls per-epoch callbacks (``nn.callbacks``:
CSV and JSON-lines logs) and refuses to train on a NaN/inf loss (or, with ``check_nan``, a
NaN/inf gradient). It prints one line per epoch, with a tqdm bar when someone is watching. It
returns the history (one list per metric); ``plot_history`` draws it, or a log file, with
matplotlib.

The loop it runs is the one you would write::

    for x, y in train_loader:
        loss = loss_fn(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from . import _fit_state as fit_state
from . import distributed as dist
from ._optional import need
from ._progress import Progress, ProgressMode
from .module import Module


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or inf during ``fit``; the message names the epoch and step."""


class NonFiniteGradientError(FloatingPointError):
    """With ``fit(check_nan=True)``: a parameter's gradient held NaN or inf; the message names
    the parameter, the epoch and the step."""


@dataclass
class EarlyStopping:
    """Stop when ``monitor`` (a history key such as "val_loss" or "val_acc") has not improved by
    more than ``min_delta`` for ``patience`` epochs in a row. ``mode``: "min" or "max"."""

    monitor: str = "val_loss"
    patience: int = 5
    mode: str = "min"
    min_delta: float = 0.0
    best: float = field(default=math.nan, init=False)
    bad_epochs: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        if self.mode not in ("min", "max"):
            raise ValueError(f"EarlyStopping: mode must be 'min' or 'max', got {self.mode!r}")
        if self.patience < 1:
            raise ValueError(f"EarlyStopping: patience must be >= 1, got {self.patience}")

    def improved(self, value: float) -> bool:
        """Whether ``value`` beats the best so far by more than ``min_delta``."""
        if math.isnan(self.best):
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta

    def state_dict(self) -> dict[str, Any]:
        """The settings and the progress so far (``fit`` checkpoints it)."""
        return asdict(self)

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore ``state_dict()``'s output, e.g. read back from a ``fit`` checkpoint."""
        unknown = set(state_dict) - {f.name for f in fields(self)}
        if unknown:
            raise KeyError(f"EarlyStopping.load_state_dict: unknown keys {sorted(unknown)}")
        for name, value in state_dict.items():
            setattr(self, name, value)

    def update(self, value: float) -> bool:
        """Record this epoch's value; True when training should stop."""
        if self.improved(value):
            self.best, self.bad_epochs = value, 0
            return False
        self.bad_epochs += 1
        return self.bad_epochs >= self.patience


def _labels(y: Any) -> np.ndarray:
    return np.asarray(y.data if isinstance(y, Tensor) else y)


def _correct(scores: Tensor, y: Any) -> int:
    return int((scores.data.argmax(axis=1) == _labels(y)).sum())


def accuracy(scores: Tensor, targets: Any) -> float:
    """Fraction of rows of ``scores`` (N, C) whose highest score is the target class (N,)."""
    return _correct(scores, targets) / len(_labels(targets))


def evaluate(
    model: Module, loader: Iterable, loss_fn: Callable[[Tensor, Any], Tensor]
) -> tuple[float, float]:
    """(mean loss, accuracy) over a loader, in eval mode and without recording gates; the
    model's train/eval mode is restored afterwards."""
    was_training = model.training
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    try:
        with ag.no_grad():
            for x, y in loader:
                scores = model(x)
                n = len(_labels(y))
                total_loss += loss_fn(scores, y).item() * n
                correct += _correct(scores, y)
                seen += n
    finally:
        model.train(was_training)
    total_loss, correct, seen = dist.all_reduce_metrics(model, total_loss, correct, seen)
    if seen == 0:
        raise ValueError("evaluate: the loader produced no batches")
    return total_loss / seen, correct / seen


def _is_plateau(scheduler: Any) -> bool:
    from .optim.lr_scheduler import ReduceLROnPlateau

    return isinstance(scheduler, ReduceLROnPlateau)


def last_checkpoint_path(checkpoint: str | os.PathLike[str]) -> Path:
    """Where ``fit`` with early stopping writes the latest state every epoch, beside the best
    model's ``checkpoint``: ``best.safetensors`` -> ``best.last.safetensors``."""
    path = Path(checkpoint)
    return path.with_name(f"{path.stem}.last{path.suffix}")


@dataclass
class _Epoch:
    """The running figures of the epoch in progress (checkpointed mid-epoch)."""

    batches: int = 0
    total_loss: float = 0.0
    correct: int = 0
    seen: int = 0


def _check_gradients(model: Module, where: str) -> None:
    """Raise NonFiniteGradientError naming the first parameter whose gradient holds NaN/inf."""
    bad = []
    for name, p in model.named_parameters():
        g = None if p.grad is None else p.grad.data
        if g is not None and not np.isfinite(g).all():
            bad.append((name, g))
    if not bad:
        return
    name, g = bad[0]
    others = f"; also non-finite: {', '.join(n for n, _ in bad[1:])}" if len(bad) > 1 else ""
    raise NonFiniteGradientError(
        f"fit: the gradient of {name!r} (shape {g.shape}) has {int(np.isnan(g).sum())} NaN and "
        f"{int(np.isinf(g).sum())} inf of {g.size} values {where}{others}; stopped before the "
        "update. autograd.detect_anomaly() finds the gate that produced it."
    )


def fit(
    model: Module,
    train_loader: Iterable,
    *,
    loss_fn: Callable[[Tensor, Any], Tensor],
    optimizer: Any,
    epochs: int,
    val_loader: Iterable | None = None,
    scheduler: Any = None,
    scheduler_metric: str | None = None,
    early_stopping: EarlyStopping | None = None,
    checkpoint: str | os.PathLike[str] | None = None,
    checkpoint_every: int | None = None,
    resume_from: str | os.PathLike[str] | None = None,
    callbacks: Sequence[Callable[[int, dict[str, float]], Any]] = (),
    check_nan: bool = False,
    progress: ProgressMode = True,
) -> dict[str, list[float]]:
    """Train a classifier (``model(x)`` gives (N, C) scores, ``y`` holds class indices) and
    return its history: ``train_loss``, ``train_acc``, ``lr`` (the rate used in that epoch) and,
    with a ``val_loader``, ``val_loss`` and ``val_acc`` — one entry per epoch, from epoch 1 (a
    resumed run's history includes the epochs before the checkpoint).

    - ``scheduler``: stepped once per epoch; a ``ReduceLROnPlateau`` is stepped with the history
      value named by ``scheduler_metric`` (default "val_loss", or "train_loss" without a
      validation loader).
    - ``early_stopping``: an :class:`EarlyStopping` watching a history key; training stops after
      its ``patience`` epochs without improvement.
    - ``checkpoint``: a path; ``nn.save`` writes the whole training state there (atomically)
      after every epoch: ``{"model", "optimizer", "epoch", "step", "history", "training"}``, plus
      ``"scheduler"`` and ``"early_stopping"`` when those are given. ``"epoch"`` counts finished
      epochs, ``"step"`` optimizer steps; ``"training"`` holds the loaders' order and position,
      the state of every random generator the library owns (``autograd.default_generator``, each
      loader's, the model's Dropout generators, ``nn.data.transforms``' in the loaders' datasets)
      and the running figures of an unfinished epoch. Generators your own code keeps elsewhere
      are yours to save. Restore the model alone with
      ``model.load_state_dict(nn.load(path)["model"])``.
      With early stopping, ``checkpoint`` holds the best model: it is written only after epochs
      that improve the monitored metric; the latest state goes to
      :func:`last_checkpoint_path` (``name.last.ext``) after every epoch.
    - ``checkpoint_every``: also save the latest state every that many steps, mid-epoch (to
      ``checkpoint``, or with early stopping to the ``.last`` file).
    - ``resume_from``: a checkpoint written by ``fit`` (with early stopping, usually the
      ``.last`` file). The model, optimizer, scheduler, early stopping, loaders and generators
      are restored, and training continues where it stopped — mid-epoch if it was saved there —
      to the same total of ``epochs``: a run resumed after epoch 2 of ``epochs=4`` trains epochs
      3 and 4, and repeats the uninterrupted run's losses and weights bit for bit (same model
      and data, same machine and thread settings). The other arguments must describe the same
      training (a scheduler where one was saved, and so on).
    - ``callbacks``: callables ``callback(epoch, logs)`` run after every epoch with its figures
      (see ``nn.callbacks``: CSV and JSON-lines loggers, and plain functions).
    - ``check_nan``: also check every parameter's gradient after each backward pass (a NumPy
      ``isfinite`` over each) and raise :class:`NonFiniteGradientError` naming the parameter.
    - ``progress``: ``True`` draws a bar per epoch when stderr is a terminal or a notebook, and
      prints one line per epoch and a closing summary everywhere (so logs get one line per epoch,
      not a bar redraw per batch); ``"epochs"`` prints only the lines, ``"bar"`` always draws the
      bar, ``False`` prints nothing.

    A NaN or inf loss raises :class:`NonFiniteLossError` naming the epoch and step, before the
    bad gradient reaches the weights.
    """
    from .serialization import load, save

    started = time.perf_counter()
    show = Progress(progress if dist.is_main_process() else False, epochs)  # rank 0 reports
    plateau_key = scheduler_metric or ("val_loss" if val_loader is not None else "train_loss")
    history: dict[str, list[float]] = {"train_loss": [], "train_acc": [], "lr": []}
    if val_loader is not None:
        history.update(val_loss=[], val_acc=[])
    if early_stopping is not None and early_stopping.monitor not in history:
        raise KeyError(
            f"fit: early stopping monitors {early_stopping.monitor!r}, which is not one of "
            f"{sorted(history)} (the val_ keys need a val_loader)"
        )
    if _is_plateau(scheduler) and plateau_key not in history:
        raise KeyError(f"fit: scheduler_metric {plateau_key!r} is not one of {sorted(history)}")
    if checkpoint_every is not None and (checkpoint is None or checkpoint_every < 1):
        raise ValueError("fit: checkpoint_every needs a checkpoint path and must be >= 1")
    loaders = {"train_loader": train_loader}
    if val_loader is not None:
        loaders["val_loader"] = val_loader
    latest = None
    if checkpoint is not None:
        latest = last_checkpoint_path(checkpoint) if early_stopping is not None else checkpoint

    def training_state(epoch_done: int, step: int, running: _Epoch | None, stop: bool) -> dict:
        state = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
        if scheduler is not None:
            state["scheduler"] = scheduler.state_dict()
        if early_stopping is not None:
            state["early_stopping"] = early_stopping.state_dict()
        extra = fit_state.capture(model, loaders)
        extra.update(version=1, stopped=stop, running=None if running is None else asdict(running))
        return {**state, "epoch": epoch_done, "step": step, "history": history, "training": extra}

    step, first_epoch, running = 0, 1, _Epoch()
    if resume_from is not None:
        state = load(resume_from)
        _check_resume(state, resume_from, scheduler, early_stopping, history, epochs)
        fit_state.check(state["training"], model, loaders)
        _restore(state, model, optimizer, scheduler, early_stopping, history)
        fit_state.restore(state["training"], model, loaders)
        step, first_epoch = state["step"], state["epoch"] + 1
        if state["training"]["running"] is not None:
            running = _Epoch(**state["training"]["running"])
        if state["training"]["stopped"]:
            show.say(f"fit: {resume_from} is from a run that early stopping ended; nothing to do")
            return history
    for epoch in range(first_epoch, epochs + 1):
        epoch_start = time.perf_counter()
        model.train()
        dist.set_sampler_epoch(train_loader, epoch - 1)  # a DistributedSampler reshuffles by it
        plain = not hasattr(train_loader, "load_state_dict")  # e.g. a list of batches
        for x, y in show.batches(train_loader, epoch, running.batches, skip=plain):
            step += 1
            running.batches += 1
            where = f"at epoch {epoch}, batch {running.batches} (step {step})"
            scores = model(x)
            loss = loss_fn(scores, y)
            value = loss.item()
            if not math.isfinite(value):
                show.end_epoch()
                raise NonFiniteLossError(
                    f"fit: the loss became {value} {where}; stopped instead of training on it. "
                    "Lower the learning rate, clip gradients (nn.utils.clip_grad_norm_) or check "
                    "the data; autograd.detect_anomaly() finds the gate that produced it."
                )
            optimizer.zero_grad()
            loss.backward()
            if check_nan:
                try:
                    _check_gradients(model, where)
                except NonFiniteGradientError:
                    show.end_epoch()
                    raise
            optimizer.step()
            n = len(_labels(y))
            running.total_loss += value * n
            running.correct += _correct(scores, y)
            running.seen += n
            show.running(running.total_loss / running.seen, running.correct / running.seen)
            if checkpoint_every is not None and step % checkpoint_every == 0:
                state = training_state(epoch - 1, step, running, False)
                dist.save_on_main_process(model, save, state, latest)
        show.end_epoch()
        running.total_loss, running.correct, running.seen = dist.all_reduce_metrics(
            model, running.total_loss, running.correct, running.seen
        )  # (data-parallel: every rank reports the whole epoch)
        if running.seen == 0:
            raise ValueError("fit: the training loader produced no batches")
        history["train_loss"].append(running.total_loss / running.seen)
        history["train_acc"].append(running.correct / running.seen)
        history["lr"].append(float(optimizer.param_groups[0]["lr"]))
        running = _Epoch()
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
        seconds = time.perf_counter() - epoch_start
        show.epoch_line(epoch, history, seconds)
        if scheduler is not None:
            if _is_plateau(scheduler):
                scheduler.step(history[plateau_key][-1])
            else:
                scheduler.step()
        improved, stop = True, False
        if early_stopping is not None:
            value = history[early_stopping.monitor][-1]
            improved = early_stopping.improved(value)
            stop = early_stopping.update(value)
        logs = {k: float(v[-1]) for k, v in history.items()}
        if dist.is_main_process():  # before the checkpoint: a resume re-runs, never skips, them
            for callback in callbacks:
                callback(epoch, {**logs, "seconds": seconds})
        if checkpoint is not None:
            state = training_state(epoch, step, None, stop)
            if early_stopping is not None:
                dist.save_on_main_process(model, save, state, latest)
            if improved:
                dist.save_on_main_process(model, save, state, checkpoint)
        if stop:
            show.say(
                f"early stopping after epoch {epoch}: {early_stopping.monitor} has not "
                f"improved for {early_stopping.patience} epochs (best {early_stopping.best:.4f})"
            )
            break
    if history["train_loss"] and first_epoch <= len(history["train_loss"]):
        show.summary(history, time.perf_counter() - started, first_epoch)
    return history


def _check_resume(
    state: Any,
    path: str | os.PathLike[str],
    scheduler: Any,
    early_stopping: EarlyStopping | None,
    history: dict[str, list[float]],
    epochs: int,
) -> None:
    """Refuse a checkpoint that is not fit's or describes another training than this call."""
    where = f"fit(resume_from={os.fspath(path)!r})"
    if not isinstance(state, dict) or not isinstance(state.get("training"), dict):
        raise ValueError(
            f"{where}: not a resumable fit checkpoint (no 'training' entry; checkpoints written "
            "before resuming existed hold only the model: load it with model.load_state_dict)"
        )
    for part, given in (("scheduler", scheduler), ("early_stopping", early_stopping)):
        if (part in state) != (given is not None):
            has = "has" if part in state else "has no"
            raise ValueError(
                f"{where}: the checkpoint {has} {part} state, but this call was given "
                f"{'one' if given is not None else 'none'}"
            )
    if set(state["history"]) != set(history):
        raise ValueError(
            f"{where}: the checkpoint's history has {sorted(state['history'])}, this call would "
            f"record {sorted(history)} (a val_loader on one side only?)"
        )
    if state["epoch"] > epochs:
        raise ValueError(
            f"{where}: the checkpoint has {state['epoch']} epochs done, more than epochs={epochs} "
            "(epochs is the total, including the epochs before the checkpoint)"
        )


def _restore(
    state: dict[str, Any],
    model: Module,
    optimizer: Any,
    scheduler: Any,
    early_stopping: EarlyStopping | None,
    history: dict[str, list[float]],
) -> None:
    """Load a fit checkpoint's model, optimizer, scheduler, early stopping and history."""
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(state["scheduler"])
    if early_stopping is not None:
        early_stopping.load_state_dict(state["early_stopping"])
    for key, values in state["history"].items():
        history[key][:] = values


def plot_history(
    history: dict[str, list[float]] | str | os.PathLike[str],
    path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Any:
    """Loss and accuracy per epoch (train and, if present, validation) side by side.

    ``history`` is ``fit``'s return value, or the path of a CSV or JSON-lines log written by
    ``nn.callbacks.CSVLogger`` / ``JSONLinesLogger`` (``plot_history("run.csv", "run.png")``).
    Returns the matplotlib Figure; with ``path`` it is also saved there (PNG, SVG, ... by the
    file's suffix). Close it with ``matplotlib.pyplot.close(fig)`` when done.
    """
    plt = need("matplotlib.pyplot", "nn.training.plot_history")

    if not isinstance(history, dict):
        from .callbacks import read_log

        history = read_log(history)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = history.get("epoch") or range(1, len(history["train_loss"]) + 1)
    for key, ax in (("loss", ax_loss), ("acc", ax_acc)):
        for split in ("train", "val"):
            if f"{split}_{key}" in history:
                ax.plot(epochs, history[f"{split}_{key}"], marker="o", label=split)
        ax.set_xlabel("epoch")
        ax.set_ylabel("accuracy" if key == "acc" else "loss")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=120)
    return fig
