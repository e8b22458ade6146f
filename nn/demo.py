"""``make demo``: train a CNN on the digits, and write what it learned and how.

    python -m nn.demo --out demo-output [--epochs 15] [--seed 0]
    mpiexec -n 2 python -m nn.demo --distributed    # the same, data-parallel over 2 processes

Trains a LeNet-style CNN on scikit-learn's 8x8 digits (a fixed held-out split), printing one
line per epoch (and a progress bar when run in a terminal), prints the held-out accuracy, and
writes to the output folder:

- ``history.png``: loss and accuracy per epoch (train and held-out);
- ``backward_graph.svg``: the backward graph of one training step, every gate with its values
  and gradients (``backward_graph.dot``, the DOT source, when no renderer is available);
- ``model.safetensors``: a checkpoint written with ``nn.save``, which the demo then loads into
  a freshly built model with ``nn.load`` to check that it scores the same accuracy.

With ``--distributed`` each rank trains on its share of every batch (DistributedSampler, the
global batch unchanged) through DistributedDataParallel; rank 0 prints and writes the files, and
every rank loads the checkpoint back.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import autograd as ag

from . import distributed as dist
from . import functional as F
from ._optional import need
from .data import DataLoader, datasets
from .data.sampler import DistributedSampler
from .models import LeNet
from .optim import Adam
from .optim.lr_scheduler import CosineAnnealingLR
from .parallel import DistributedDataParallel
from .serialization import load, save
from .training import evaluate, fit, plot_history

CONFIG = {"channels": (32, 64), "hidden": 128}  # the model, as stored in the checkpoint


def one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit NumPy's BLAS to one thread (when threadpoolctl, a scikit-learn dependency, is
    installed). This model's matrices are small: threads cost more than they give, and on a busy
    2-core machine an epoch took 4 s with two OpenBLAS threads against 0.4 s with one."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _model(seed: int) -> LeNet:
    return LeNet(1, 10, image_size=8, generator=ag.Generator(seed), **CONFIG)


def draw_one_step(model: LeNet, x: ag.Tensor, y: ag.Tensor, out: Path) -> tuple[Path, str]:
    """Run forward and backward on one small batch, draw the backward graph, and save it as SVG
    (or as DOT when nothing can render). Returns the path written and a note for the user. The
    weights are not changed (no optimizer step); their gradients are cleared afterwards.

    The graph is kept through backward (``retain_graph``) so that the picture shows the batch
    going in and every activation's shape and values, not only the gates; each module is a
    cluster named by type and name (``Conv2d features.0``), the loss one node."""
    from autograd import viz

    model.train()
    loss = F.cross_entropy(model(x), y)
    loss.backward(retain_graph=True)
    graph = viz.draw(
        loss, params=model, inputs={"x": x}, title="one training step of the LeNet (batch of 4)"
    )
    model.zero_grad()
    try:
        return graph.save(out / "backward_graph.svg"), ""
    except (viz.RendererUnavailable, viz.RenderError) as e:
        note = f"could not render SVG ({e}); wrote the DOT source instead"
        return graph.save(out / "backward_graph.dot"), note


def _rank0_print(*args: object, **kwargs: object) -> None:
    if dist.is_main_process():
        builtins.print(*args, **kwargs)  # type: ignore[call-overload]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the demo; returns the process exit status (1 if the checkpoint did not restore)."""
    with one_blas_thread():
        return _run(argv)


def _run(argv: Sequence[str] | None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nn.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="demo-output", help="output folder (created)")
    parser.add_argument("--epochs", type=int, default=15, help="training epochs (default 15)")
    parser.add_argument("--seed", type=int, default=0, help="seed for init and data order")
    parser.add_argument(
        "--no-progress",
        action="store_true",
        help="no progress bar (one line per epoch is still printed; the bar is drawn only on a "
        "terminal anyway)",
    )
    parser.add_argument(
        "--distributed", action="store_true", help="data-parallel (run under mpiexec -n N)"
    )
    args = parser.parse_args(argv)
    if args.distributed:
        dist.init_process_group(backend="mpi")
    print = _rank0_print if args.distributed else builtins.print
    # Imported before training: a missing package stops the demo now, not after a minute's work.
    matplotlib = need("matplotlib", "python -m nn.demo")
    if "MPLBACKEND" not in os.environ:
        matplotlib.use("Agg")  # files only; never open a window
    plt = need("matplotlib.pyplot", "python -m nn.demo")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()

    train_set = datasets.load_digits("train", images=True)
    test_set = datasets.load_digits("test", images=True)
    if args.distributed:  # each rank a share of every batch of 32
        sampler = DistributedSampler(train_set, seed=args.seed)
        per_rank = max(1, 32 // dist.get_world_size())
        train_loader = DataLoader(train_set, batch_size=per_rank, sampler=sampler)
    else:
        train_loader = DataLoader(train_set, batch_size=32, shuffle=True, generator=args.seed)
    test_loader = DataLoader(test_set, batch_size=512)
    print(
        f"digits: {len(train_set)} training and {len(test_set)} held-out 8x8 images; "
        f"training a LeNet-style CNN for {args.epochs} epochs"
        + (f" on {dist.get_world_size()} ranks" if args.distributed else "")
    )

    model = _model(args.seed)
    if args.distributed:
        model = DistributedDataParallel(model)
    optimizer = Adam(model.parameters(), lr=3e-3)
    history = fit(
        model,
        train_loader,
        loss_fn=F.cross_entropy,
        optimizer=optimizer,
        epochs=args.epochs,
        val_loader=test_loader,
        scheduler=CosineAnnealingLR(optimizer, T_max=args.epochs),
        progress="epochs" if args.no_progress else True,
    )
    _, accuracy = evaluate(model, test_loader, F.cross_entropy)
    print(f"held-out accuracy: {accuracy:.2%} ({round(accuracy * len(test_set))}/{len(test_set)})")

    net = model.module if args.distributed else model  # the LeNet itself
    graph_path = out / "backward_graph.svg"
    if dist.is_main_process():  # rank 0 writes the files
        fig = plot_history(history, out / "history.png", title="LeNet on the digits")
        plt.close(fig)
        xb, yb = next(iter(DataLoader(test_set, batch_size=4)))
        graph_path, note = draw_one_step(net, xb, yb, out)
        if note:
            print(f"backward graph: {note}")

    ckpt = out / "model.safetensors"
    state = {"model": net.state_dict(), "config": CONFIG, "accuracy": accuracy}
    dist.save_on_main_process(model, save, state, ckpt)  # every rank then loads it
    restored = _model(args.seed + 1)  # fresh weights, then the checkpoint's
    state = load(ckpt)
    restored.load_state_dict(state["model"])
    _, restored_accuracy = evaluate(restored, test_loader, F.cross_entropy)
    same = restored_accuracy == accuracy and all(
        np.array_equal(a.data, b.data)
        for a, b in zip(net.state_dict().values(), restored.state_dict().values())
    )
    print(
        f"checkpoint restored with nn.load into a fresh model: accuracy {restored_accuracy:.2%} "
        f"(trained: {accuracy:.2%}) -> {'identical' if same else 'MISMATCH'}"
    )

    print(f"\nwrote to {out}/ in {time.perf_counter() - start:.0f} s:")
    print("  history.png          loss and accuracy per epoch, train and held-out")
    print(f"  {graph_path.name:<20} the backward graph of one training step")
    print(f"  {ckpt.name:<20} the trained weights (nn.save; nn.load restores them)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
