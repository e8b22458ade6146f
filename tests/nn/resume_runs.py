"""Two small training set-ups for the resume tests, each drawing on every generator the library
owns, and a command line that runs one of them (in a subprocess the tests can SIGKILL):

- ``mlp``: an MLP with two Dropout layers (one on the default generator, one with its own seeded
  generator), a shuffling loader seeded from the default generator on first use, Adam, StepLR.
- ``cnn``: a CNN with BatchNorm (running statistics), random flips and crops (one with its own
  generator, one on the default generator) applied per sample, a shuffling loader with its own
  seed, SGD with momentum, early stopping (so the latest state goes to the ``.last`` file).

    python tests/nn/resume_runs.py {mlp|cnn} FOLDER [--step-delay SECONDS]

trains with checkpoints in FOLDER, resuming from the checkpoint there if one exists; appends
each step's loss to FOLDER/losses.txt as it goes (exact, ``repr``), and writes the final
weights and history to FOLDER/final.safetensors.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import autograd as ag
import nn
from nn import functional as F
from nn.data import DataLoader, Dataset, TensorDataset, transforms
from nn.optim import SGD, Adam
from nn.optim.lr_scheduler import StepLR
from nn.training import EarlyStopping, fit, last_checkpoint_path

EPOCHS = 3
STEPS = EPOCHS * 10  # 240 samples in batches of 24
CHECKPOINT_EVERY = 4  # steps: most kills land mid-epoch, after a mid-epoch checkpoint
ROOT = Path(__file__).resolve().parents[2]


class Augmented(Dataset):
    """Images through a transform pipeline, sample by sample."""

    def __init__(self, x: np.ndarray, y: np.ndarray, transform: Any) -> None:
        self.x, self.y, self.transform = x, y, transform

    def __len__(self) -> int:
        return len(self.y)

    def __getitem__(self, i: int) -> tuple[Any, Any]:
        hwc = self.transform(self.x[i].transpose(1, 2, 0))  # NumPy images are HWC to transforms
        return np.ascontiguousarray(hwc.transpose(2, 0, 1)), int(self.y[i])


def _data(images: bool) -> tuple[np.ndarray, ...]:
    """240 training and 120 validation samples of 64 features (or 1x8x8 images), 10 classes set
    by a fixed linear map: learnable, and made without importing scikit-learn (the subprocesses
    start in a fraction of the time)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((360, 64)).astype(np.float32)
    y = (x @ rng.standard_normal((64, 10))).argmax(axis=1)
    if images:
        x = x.reshape(-1, 1, 8, 8)
    return x[:240], y[:240], x[240:], y[240:]


def build(kind: str) -> dict[str, Any]:
    """Everything ``fit`` is given, built from ``autograd.manual_seed(0)`` the same way in every
    process (what is drawn before a resume is overwritten by the checkpoint)."""
    if kind == "mlp":
        x, y, xt, yt = _data(images=False)
        model = nn.Sequential(
            nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.3),
            nn.Linear(32, 32), nn.ReLU(), nn.Dropout(0.2, generator=5),
            nn.Linear(32, 10),
        )  # fmt: skip
        optimizer = Adam(model.parameters(), lr=1e-2)
        return dict(
            model=model,
            train_loader=DataLoader(TensorDataset(x, y), batch_size=24, shuffle=True),
            val_loader=DataLoader(TensorDataset(xt, yt), batch_size=60),
            optimizer=optimizer,
            scheduler=StepLR(optimizer, step_size=1, gamma=0.7),
        )
    if kind == "cnn":
        x, y, xt, yt = _data(images=True)
        augment = transforms.Compose(
            [
                transforms.RandomHorizontalFlip(0.5, generator=ag.Generator(7)),
                transforms.RandomCrop(8, padding=1),  # on the default generator
            ]
        )
        model = nn.Sequential(
            nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * 4 * 4, 10),
        )  # fmt: skip
        train = Augmented(x, y, augment)
        return dict(
            model=model,
            train_loader=DataLoader(train, batch_size=24, shuffle=True, generator=3),
            val_loader=DataLoader(TensorDataset(xt, yt), batch_size=60),
            optimizer=SGD(model.parameters(), lr=0.05, momentum=0.9),
            early_stopping=EarlyStopping("val_loss", patience=5),
        )
    raise ValueError(f"unknown set-up {kind!r}")


def latest_checkpoint(kind: str, folder: Path) -> Path:
    """The file a resume starts from: with early stopping the ``.last`` file."""
    path = folder / "ckpt.safetensors"
    return last_checkpoint_path(path) if kind == "cnn" else path


def run(
    kind: str,
    folder: Path,
    *,
    epochs: int = EPOCHS,
    step_delay: float = 0.0,
    losses: list[float] | None = None,
    resume: bool = True,
    checkpoint_every: int | None = CHECKPOINT_EVERY,
    seed: int = 0,
    **fit_kwargs: Any,
) -> tuple[dict[str, list[float]], nn.Module]:
    """Build the set-up (``autograd.manual_seed(seed)`` first) and train it with checkpoints in
    ``folder``, resuming from the latest one there when ``resume`` and it exists. Each step's
    loss is appended to ``losses`` (if given) and to folder/losses.txt. Returns the history and
    the trained model."""
    ag.manual_seed(seed)
    base_loss = fit_kwargs.pop("loss_fn", F.cross_entropy)
    parts = {**build(kind), **fit_kwargs}
    folder.mkdir(parents=True, exist_ok=True)
    log = open(folder / "losses.txt", "a")  # noqa: SIM115 (closed below; flushed every step)

    def loss_fn(scores: ag.Tensor, y: Any) -> ag.Tensor:
        loss = base_loss(scores, y)
        if parts["model"].training:  # training steps only, not evaluation batches
            log.write(f"{loss.item()!r}\n")
            log.flush()
            if losses is not None:
                losses.append(loss.item())
            time.sleep(step_delay)  # room for a kill to land at a random step
        return loss

    path = folder / "ckpt.safetensors"
    latest = last_checkpoint_path(path) if parts.get("early_stopping") else path
    try:
        history = fit(
            **parts, loss_fn=loss_fn, epochs=epochs, progress=False,
            checkpoint=path, checkpoint_every=checkpoint_every,
            resume_from=latest if resume and latest.exists() else None,
        )  # fmt: skip
    finally:
        log.close()
    return history, parts["model"]


# --- running, killing and resuming it in processes ----------------------------------------------


def start(kind: str, folder: Path, step_delay: float = 0.0) -> subprocess.Popen:
    """This file's command line in a new process (one BLAS thread, as in the tests)."""
    return subprocess.Popen(
        [sys.executable, __file__, kind, str(folder), "--step-delay", str(step_delay)],
        cwd=ROOT,
        env={**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
        stderr=subprocess.PIPE,
    )


def finish(proc: subprocess.Popen) -> None:
    _, err = proc.communicate(timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"the training process failed:\n{err.decode()}")


def read_losses(folder: Path) -> list[float]:
    return [float(line) for line in (folder / "losses.txt").read_text().split()]


def kill_at(proc: subprocess.Popen, folder: Path, step: int) -> int:
    """SIGKILL once the process has logged ``step`` losses (it sleeps a little every step, so
    the kill lands somewhere in a later step: mid-forward, mid-backward or mid-save); returns
    the steps logged by then."""
    log = folder / "losses.txt"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        if log.exists() and len(log.read_text().split()) >= step:
            break
        time.sleep(0.001)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    if proc.returncode != -signal.SIGKILL:
        raise RuntimeError("the training process ended before it could be killed")
    return len(read_losses(folder))


@dataclass
class Trial:
    logged: int  # steps the killed process had logged
    resumed_at: int  # the step of the checkpoint the new process resumed from
    before: list[float]  # the killed process's losses
    after: list[float]  # the resumed process's losses
    final: dict[str, Any]  # the resumed run's final weights and history


def kill_and_resume(kind: str, folder: Path, step: int) -> Trial:
    """Train in a process, SIGKILL it after ``step`` steps, resume in a new process to the end."""
    folder.mkdir(parents=True)
    logged = kill_at(start(kind, folder, step_delay=0.01), folder, step)
    latest = latest_checkpoint(kind, folder)
    resumed_at = nn.load(latest)["step"] if latest.exists() else 0
    before = read_losses(folder)
    (folder / "losses.txt").unlink()
    finish(start(kind, folder))
    final = nn.load(folder / "final.safetensors")
    return Trial(logged, resumed_at, before, read_losses(folder), final)


def uninterrupted(kind: str, folder: Path) -> tuple[list[float], dict[str, Any]]:
    """The run's losses and final weights and history, trained in one process."""
    folder.mkdir(parents=True, exist_ok=True)
    finish(start(kind, folder))
    return read_losses(folder), nn.load(folder / "final.safetensors")


def same_weights(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(a[k].data.tobytes() == b[k].data.tobytes() for k in a)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("kind", choices=["mlp", "cnn"])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--step-delay", type=float, default=0.0)
    args = parser.parse_args(argv)
    history, model = run(args.kind, args.folder, step_delay=args.step_delay)
    nn.save({"model": model.state_dict(), "history": history}, args.folder / "final.safetensors")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, os.getcwd())
    sys.exit(main(sys.argv[1:]))
