"""A small ``fit`` loop: a convenience, not a framework — write your own loop whenever you like.

``fit`` trains a classifier for some epochs with a tqdm progress bar (loss and accuracy in the
bar), evaluates on a validation loader, steps a scheduler, stops early on a monitored metric,
checkpoints through ``nn.save`` and refuses to train on a NaN/inf loss. It returns the history
(one list per metric); ``plot_history`` draws it with matplotlib.

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
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np

import autograd as ag
from autograd import Tensor

from . import distributed as dist
from .module import Module


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or inf during ``fit``; the message names the epoch and step."""


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
    progress: bool = True,
) -> dict[str, list[float]]:
    """Train a classifier (``model(x)`` gives (N, C) scores, ``y`` holds class indices) and
    return its history: ``train_loss``, ``train_acc``, ``lr`` (the rate used in that epoch) and,
    with a ``val_loader``, ``val_loss`` and ``val_acc`` — one entry per epoch run.

    - ``scheduler``: stepped once per epoch; a ``ReduceLROnPlateau`` is stepped with the history
      value named by ``scheduler_metric`` (default "val_loss", or "train_loss" without a
      validation loader).
    - ``early_stopping``: an :class:`EarlyStopping` watching a history key; training stops after
      its ``patience`` epochs without improvement.
    - ``checkpoint``: a path; ``nn.save`` writes ``{"model", "optimizer", "epoch", "history"}``
      there (atomically) after every epoch, plus ``"scheduler"`` and ``"early_stopping"`` when
      those are given — with early stopping, only after epochs that improve its metric, so the
      file holds the best model. Restore it with ``model.load_state_dict(nn.load(path)["model"])``
      (and each other part with its own ``load_state_dict``).
    - ``progress``: a tqdm bar per epoch with the running loss and accuracy, and one line per
      epoch with the epoch's figures; ``False`` prints nothing.

    A NaN or inf loss raises :class:`NonFiniteLossError` naming the epoch and step, before the
    bad gradient reaches the weights.
    """
    from tqdm.auto import tqdm

    from .serialization import save

    progress = progress and dist.is_main_process()  # one bar and log: rank 0's
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
    step = 0
    for epoch in range(1, epochs + 1):
        model.train()
        dist.set_sampler_epoch(train_loader, epoch - 1)
        total_loss, correct, seen = 0.0, 0, 0
        bar = tqdm(train_loader, desc=f"epoch {epoch}/{epochs}", disable=not progress, leave=False)
        for batch, (x, y) in enumerate(bar, start=1):
            step += 1
            scores = model(x)
            loss = loss_fn(scores, y)
            value = loss.item()
            if not math.isfinite(value):
                bar.close()
                raise NonFiniteLossError(
                    f"fit: the loss became {value} at epoch {epoch}, batch {batch} (step {step}); "
                    "stopped instead of training on it. Lower the learning rate, clip gradients "
                    "(nn.utils.clip_grad_norm_) or check the data; autograd.detect_anomaly() "
                    "finds the gate that produced it."
                )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            n = len(_labels(y))
            total_loss += value * n
            correct += _correct(scores, y)
            seen += n
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", acc=f"{correct / seen:.3f}")
        total_loss, correct, seen = dist.all_reduce_metrics(model, total_loss, correct, seen)
        if seen == 0:
            raise ValueError("fit: the training loader produced no batches")
        history["train_loss"].append(total_loss / seen)
        history["train_acc"].append(correct / seen)
        history["lr"].append(float(optimizer.param_groups[0]["lr"]))
        if val_loader is not None:
            val_loss, val_acc = evaluate(model, val_loader, loss_fn)
            history["val_loss"].append(val_loss)
            history["val_acc"].append(val_acc)
        if progress:
            shown = " ".join(f"{k}={v[-1]:.4f}" for k, v in history.items() if k != "lr")
            tqdm.write(f"epoch {epoch}/{epochs} {shown}")
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
        if checkpoint is not None and improved:
            state = {"model": model.state_dict(), "optimizer": optimizer.state_dict()}
            if scheduler is not None:
                state["scheduler"] = scheduler.state_dict()
            if early_stopping is not None:
                state["early_stopping"] = early_stopping.state_dict()
            state.update(epoch=epoch, history=history)
            dist.save_on_main_process(model, save, state, checkpoint)
        if stop:
            if progress:
                tqdm.write(
                    f"early stopping after epoch {epoch}: {early_stopping.monitor} has not "
                    f"improved for {early_stopping.patience} epochs (best {early_stopping.best:.4f})"
                )
            break
    return history


def plot_history(
    history: dict[str, list[float]],
    path: str | os.PathLike[str] | None = None,
    title: str | None = None,
) -> Any:
    """Loss and accuracy per epoch (train and, if present, validation) side by side.

    Returns the matplotlib Figure; with ``path`` it is also saved there (PNG, SVG, ... by the
    file's suffix). Close it with ``matplotlib.pyplot.close(fig)`` when done.
    """
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.6))
    epochs = range(1, len(history["train_loss"]) + 1)
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
