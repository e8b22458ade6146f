"""Programs that test_distributed_mpi.py runs on several ranks: ``mpiexec -n 2 python
mpi_scenarios.py NAME OUT_DIR [ARGS...]``. Each writes what it saw into OUT_DIR (one file per
rank) for the test to check; the model and data builders are shared with the test's
single-process references.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from pathlib import Path

import numpy as np

import autograd as ag
import nn
import nn.distributed as dist
from nn.parallel import DistributedDataParallel as DDP

BATCH = 32
STEPS = 20


# --- shared with the single-process references ---------------------------------------------


def mlp(seed: int = 0, norm: type | None = None, dtype: str = "float32") -> nn.Module:
    g = ag.Generator(seed)
    layers = [nn.Linear(6, 16, generator=g)]
    if norm is not None:
        layers.append(norm(16))
    layers += [nn.Tanh(), nn.Linear(16, 4, generator=g)]
    return nn.Sequential(*layers).to(dtype)


def batches(dtype: str = "float32") -> tuple[np.ndarray, np.ndarray]:
    """STEPS batches of BATCH samples: x (STEPS, BATCH, 6), y (STEPS, BATCH)."""
    rng = np.random.default_rng(7)
    x = rng.standard_normal((STEPS, BATCH, 6)).astype(dtype)
    y = rng.integers(0, 4, (STEPS, BATCH))
    return x, y


def params(model: nn.Module) -> dict[str, np.ndarray]:
    return {k: v.data.copy() for k, v in model.state_dict().items()}


def train_step(model: nn.Module, opt: nn.optim.Optimizer, x: np.ndarray, y: np.ndarray) -> None:
    loss = nn.functional.cross_entropy(model(ag.tensor(x)), ag.tensor(y))
    opt.zero_grad()
    loss.backward()
    opt.step()


# --- scenarios -------------------------------------------------------------------------------


def exactness(out: Path) -> None:
    """20 SGD steps, each rank half of every batch; steps 10-19 accumulate the half in two
    quarters, the first under no_sync."""
    rank, size = dist.get_rank(), dist.get_world_size()
    model = DDP(mlp(seed=rank))  # different seeds: the broadcast from rank 0 must fix them
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = batches()
    share = BATCH // size
    for step in range(STEPS):
        xs = x[step, rank * share : (rank + 1) * share]
        ys = y[step, rank * share : (rank + 1) * share]
        if step < STEPS // 2:
            train_step(model, opt, xs, ys)
            continue
        opt.zero_grad()
        half = share // 2
        with model.no_sync():
            loss = nn.functional.cross_entropy(model(ag.tensor(xs[:half])), ag.tensor(ys[:half]))
            (loss * 0.5).backward()
        local = model.module[0].weight.grad.data.copy()
        loss = nn.functional.cross_entropy(model(ag.tensor(xs[half:])), ag.tensor(ys[half:]))
        (loss * 0.5).backward()
        opt.step()
    np.savez(out / f"rank{rank}.npz", **params(model.module), no_sync_grad=local)
    (out / f"rank{rank}.json").write_text(json.dumps({"reductions": model.reducer.reductions}))


def syncbn(out: Path) -> None:
    """5 steps of a float64 MLP with SyncBatchNorm, each rank half of every batch."""
    rank, size = dist.get_rank(), dist.get_world_size()
    model = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(mlp(norm=nn.BatchNorm1d, dtype="float64")))
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    x, y = batches("float64")
    share = BATCH // size
    for step in range(5):
        sl = slice(rank * share, (rank + 1) * share)
        train_step(model, opt, x[step, sl], y[step, sl])
    np.savez(out / f"rank{rank}.npz", **params(model.module))


def collectives(out: Path) -> None:
    rank = dist.get_rank()
    seen: dict[str, object] = {}
    for op in ("SUM", "AVG", "MAX", "MIN"):
        t = ag.tensor([1.0, -2.0, 3.0]) * (rank + 1)
        dist.all_reduce(t, op=getattr(dist, op))
        seen[op] = t.tolist()
    a = np.arange(4, dtype=np.int64) * (rank + 1)
    dist.all_reduce(a)  # an array, in place
    seen["int_sum"] = a.tolist()
    b = np.full(3, float(rank))
    dist.broadcast(b, src=1)
    seen["broadcast"] = b.tolist()
    gathered = [ag.zeros(2) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, ag.tensor([rank, 10.0 * rank]))
    seen["all_gather"] = [g.tolist() for g in gathered]
    dist.barrier()
    for name, call in (
        ("shape_error", lambda: dist.all_reduce(np.zeros(3 + rank, dtype=np.float32))),
        ("call_error", lambda: dist.barrier() if rank else dist.broadcast(np.zeros(2), 0)),
    ):
        try:
            call()
        except ValueError as e:
            seen[name] = str(e)
    (out / f"rank{rank}.json").write_text(json.dumps(seen))


def bad_models(out: Path) -> None:
    rank = dist.get_rank()
    seen = {}
    try:  # rank 1's hidden layer is wider
        DDP(nn.Sequential(nn.Linear(6, 16 + rank), nn.Tanh(), nn.Linear(16 + rank, 4)))
    except ValueError as e:
        seen["differ"] = str(e)

    class Unused(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.used, self.spare = nn.Linear(6, 4), nn.Linear(6, 4)

        def forward(self, x: ag.Tensor) -> ag.Tensor:
            return self.used(x)

    model = DDP(Unused())
    try:
        model(ag.zeros(2, 6))
    except RuntimeError as e:
        seen["unused"] = str(e)
    (out / f"rank{rank}.json").write_text(json.dumps(seen))


def dataset() -> nn.data.TensorDataset:
    x, y = batches()
    return nn.data.TensorDataset(ag.tensor(x.reshape(-1, 6)[:200]), ag.tensor(y.reshape(-1)[:200]))


def fit(out: Path, epochs: str = "2", fail_at_step: str = "0") -> None:
    """nn.training.fit on a DDP model with a DistributedSampler and a checkpoint; with
    ``fail_at_step``, rank 1's loss raises at that step."""
    rank = dist.get_rank()
    data = dataset()
    loader = nn.data.DataLoader(data, batch_size=16, sampler=nn.data.DistributedSampler(data))
    model = DDP(mlp())
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    steps = [0]

    def loss_fn(scores: ag.Tensor, y: ag.Tensor) -> ag.Tensor:
        steps[0] += scores.requires_grad  # training steps only
        if rank == 1 and steps[0] == int(fail_at_step):
            raise RuntimeError(f"injected failure on rank 1 at step {steps[0]}")
        return nn.functional.cross_entropy(scores, y)

    history = nn.training.fit(
        model, loader, loss_fn=loss_fn, optimizer=opt, epochs=int(epochs),
        val_loader=nn.data.DataLoader(data, batch_size=64), checkpoint=out / "ckpt.safetensors",
    )  # fmt: skip
    state = nn.load(out / "ckpt.safetensors")  # every rank reads rank 0's file
    (out / f"rank{rank}.json").write_text(json.dumps({"history": history, "epoch": state["epoch"]}))


def resume(out: Path, phase: str) -> None:
    """Adam with a DistributedSampler for 2 epochs. ``full``: straight through, checkpoint after
    epoch 1; ``resume``: from that checkpoint, epoch 2 only (on any number of ranks)."""
    rank = dist.get_rank()
    data = dataset()
    sampler = nn.data.DistributedSampler(data, seed=3)
    loader = nn.data.DataLoader(data, batch_size=20 // dist.get_world_size(), sampler=sampler)
    model = DDP(mlp())
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    first = 0
    ckpt = out / "epoch1.safetensors"
    if phase == "resume":
        state = nn.load(ckpt)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["optimizer"])
        first = state["epoch"]
        np.savez(out / f"loaded_rank{rank}.npz", **params(model.module))
    for epoch in range(first, 2):
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            train_step(model, opt, xb.data, yb.data)
        if phase == "full" and epoch == 0:
            state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": 1}
            dist.save_on_main_process(model, nn.save, state, ckpt)
    np.savez(out / f"{phase}_{dist.get_world_size()}_rank{rank}.npz", **params(model.module))


def fault(out: Path, how: str) -> None:
    """Rank 1 raises, is killed, or hangs while rank 0 waits in an all_reduce."""
    if dist.get_rank() == 1:
        if how == "raise":
            raise RuntimeError("injected failure on rank 1")
        if how == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(120)  # hang
    dist.all_reduce(np.ones(3))
    (out / "rank0_finished").write_text("the all_reduce returned")


if __name__ == "__main__":
    name, out_dir, *args = sys.argv[1:]
    timeout = float(os.environ.get("SCENARIO_TIMEOUT", "60"))
    dist.init_process_group(backend="mpi", timeout=timeout)
    globals()[name](Path(out_dir), *args)
    dist.destroy_process_group()
