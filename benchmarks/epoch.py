"""Wall time of one CIFAR-10 epoch of ResNet-20, as a user would run it, in gategrad and PyTorch.

    python -m benchmarks.epoch                     # 50,000 training and 10,000 test images
    python -m benchmarks.epoch --train 5000 --test 1000 --systems gategrad

One epoch = shuffled batches of 128 through the DataLoader with the classic augmentation (4-pixel
zero-padded random crop, random horizontal flip, per-channel normalisation), SGD with momentum,
BN in training mode; then evaluation (BN in eval mode, no gradients) over the test set in batches
of 500. The images are CIFAR-shaped random bytes written in the dataset's own binary format, and
gategrad reads them with ``nn.data.datasets.CIFAR10`` (nothing is downloaded). PyTorch (no
torchvision in the bench extra) gets the same arrays and the same per-image transforms written
with torch ops. Each system runs in its own process with one BLAS thread.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from .spec import RESNET20_BLOCKS, RESNET20_WIDTHS  # noqa: E402

BATCH, EVAL_BATCH, LR, MOMENTUM = 128, 500, 0.05, 0.9
MEAN, STD = (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)  # CIFAR-10's channel statistics


def write_cifar_like(folder: Path, n_train: int, n_test: int, seed: int = 0) -> None:
    """Random images and labels in CIFAR-10's binary layout: five training files and one test
    file of 3,073-byte records (label, then 1,024 red, green and blue bytes)."""
    rng = np.random.default_rng(seed)
    names = [f"data_batch_{i}.bin" for i in range(1, 6)]
    sizes = [n_train // 5 + (i < n_train % 5) for i in range(5)]
    for name, n in [*zip(names, sizes), ("test_batch.bin", n_test)]:
        records = rng.integers(0, 256, (n, 3073), dtype=np.uint8)
        records[:, 0] = rng.integers(0, 10, n)
        (folder / name).write_bytes(records.tobytes())


def _gategrad(folder: Path) -> dict[str, Any]:
    import autograd as ag
    import nn
    from nn.data import DataLoader, transforms
    from nn.data.datasets import CIFAR10

    ag.manual_seed(0)
    augment = transforms.Compose([
        transforms.ToTensor(), transforms.RandomCrop(32, padding=4),
        transforms.RandomHorizontalFlip(), transforms.Normalize(MEAN, STD),
    ])  # fmt: skip
    plain = transforms.Compose([transforms.ToTensor(), transforms.Normalize(MEAN, STD)])
    train = DataLoader(
        CIFAR10(folder, True, augment, records_per_file=None), BATCH, shuffle=True, generator=0
    )
    test = DataLoader(CIFAR10(folder, False, plain, records_per_file=None), EVAL_BATCH)
    model = nn.models.ResNet(RESNET20_BLOCKS, RESNET20_WIDTHS, in_channels=3, num_classes=10)
    opt = nn.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def train_epoch() -> float:
        model.train()
        for x, y in train:
            loss = nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return loss.item()

    def evaluate() -> float:
        model.eval()
        right = 0
        with ag.no_grad():
            for x, y in test:
                right += int((model(x).data.argmax(axis=1) == y.data).sum())
        return right / len(test.dataset)

    return _timed(train_epoch, evaluate)


def _torch(folder: Path) -> dict[str, Any]:
    import torch
    from torch.nn import functional as F  # noqa: N812

    from .systems.torch_impl import _resnet20

    torch.set_num_threads(1)
    torch.manual_seed(0)
    from nn.data.datasets import CIFAR10  # the same bytes, read the same way

    mean = torch.tensor(MEAN).reshape(3, 1, 1)
    std = torch.tensor(STD).reshape(3, 1, 1)

    class Images(torch.utils.data.Dataset):
        def __init__(self, train: bool, augment: bool) -> None:
            ds = CIFAR10(folder, train, records_per_file=None)
            self.data, self.targets, self.augment = ds.data, ds.targets, augment

        def __len__(self) -> int:
            return len(self.targets)

        def __getitem__(self, i: int) -> tuple[Any, int]:
            img = torch.from_numpy(self.data[i]).permute(2, 0, 1).float().div_(255)
            if self.augment:  # torchvision's RandomCrop(32, padding=4) and RandomHorizontalFlip
                img = F.pad(img, (4, 4, 4, 4))
                top, left = torch.randint(0, 9, (2,)).tolist()
                img = img[:, top : top + 32, left : left + 32]
                if torch.rand(()) < 0.5:
                    img = img.flip(-1)
            return (img - mean) / std, int(self.targets[i])

    loader = torch.utils.data.DataLoader
    train = loader(Images(True, True), BATCH, shuffle=True)
    test = loader(Images(False, False), EVAL_BATCH)
    model = _resnet20()
    opt = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)

    def train_epoch() -> float:
        model.train()
        for x, y in train:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        return float(loss.item())

    def evaluate() -> float:
        model.eval()
        right = 0
        with torch.no_grad():
            for x, y in test:
                right += int((model(x).argmax(1) == y).sum())
        return right / len(test.dataset)

    return _timed(train_epoch, evaluate)


def _timed(train_epoch: Any, evaluate: Any) -> dict[str, Any]:
    t0, c0 = time.perf_counter(), time.process_time()
    last_loss = train_epoch()
    t1, c1 = time.perf_counter(), time.process_time()
    accuracy = evaluate()
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "train_wall_s": t1 - t0, "train_cpu_s": c1 - c0, "eval_wall_s": t2 - t1,
        "eval_cpu_s": c2 - c1, "last_loss": last_loss, "accuracy": accuracy,
    }  # fmt: skip


SYSTEMS = {"gategrad": _gategrad, "torch": _torch}


def _minutes(s: float) -> str:
    return f"{s / 60:.1f} min" if s >= 90 else f"{s:.0f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--train", type=int, default=50_000, help="training images")
    p.add_argument("--test", type=int, default=10_000, help="test images")
    p.add_argument("--systems", default="gategrad,torch")
    p.add_argument("--worker", help=argparse.SUPPRESS)  # one system in this process
    p.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    a = p.parse_args(argv)
    if a.worker:
        print(json.dumps(SYSTEMS[a.worker](a.folder)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_cifar_like(folder, a.train, a.test)
        print(f"One epoch of ResNet-20: {a.train:,} training images (batch {BATCH}, flip + crop), "
              f"evaluation on {a.test:,}; one BLAS thread, each system in its own process")  # fmt: skip
        for system in a.systems.split(","):
            cmd = [sys.executable, "-m", "benchmarks.epoch", "--worker", system,
                   "--folder", str(folder)]  # fmt: skip
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                print(f"{system}: failed: {out.stderr.strip().splitlines()[-1:]}")
                continue
            r = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{system:9s} train {_minutes(r['train_wall_s'])} (CPU {_minutes(r['train_cpu_s'])}), "
                  f"evaluation {_minutes(r['eval_wall_s'])} (CPU {_minutes(r['eval_cpu_s'])}); "
                  f"last batch loss {r['last_loss']:.3f}, test accuracy {r['accuracy']:.3f} "
                  "(random labels: ~0.1)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
