"""Data-parallel training speed: ResNet-20 (W7) images/s on 1 and 2 ranks, and a scaling model.

    python -m benchmarks.ddp                   # 3 interleaved rounds of 1 and 2 ranks (~2 min)
    python -m benchmarks.ddp --rounds 1 --steps 3

Each configuration runs under ``mpiexec -n R`` with one BLAS thread per rank; every rank trains
W7 (ResNet-20 for CIFAR, batch 32 of 3x32x32 per rank, SGD lr 0.05 momentum 0.9, BatchNorm in
training mode) wrapped in DistributedDataParallel, so 2 ranks process 64 images per step. Reported
per configuration: the median step's wall time and this process's CPU time, images/s, and the
time spent waiting for the gradient all-reduce; then the ratio of images/s at 2 ranks to 1, with
the load average, since the machine is shared. A 2-rank job also times MPI all-reduces of 8 bytes
and of the W7 gradient to fit the alpha-beta model of a ring all-reduce,
``T(p) = 2 (p - 1) alpha + 2 (p - 1) / p * n * beta``, which the scaling table extends to 2-64
ranks (measured alpha and beta are shared memory between two cores: a cluster's network is
slower, so the table also shows 1 Gb/s Ethernet, an assumption stated in the output). The
model's compute is the 1-rank step's CPU time (what a quiet core gives), with no overlap of
communication and computation.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BATCH = 32
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
ROOT = Path(__file__).resolve().parent.parent
NETWORK_1GBE = (50e-6, 1 / 0.117e9)  # assumed: 50 us latency, 117 MB/s (1 Gb/s Ethernet)
GLOBAL_BATCH = 256  # the strong-scaling case: this many images per step, split over the ranks


# --- the alpha-beta model of a ring all-reduce -------------------------------------------------


def ring_allreduce_seconds(ranks: int, nbytes: float, alpha: float, beta: float) -> float:
    """A ring all-reduce: a reduce-scatter and an all-gather, each (p - 1) steps of n / p bytes."""
    if ranks == 1:
        return 0.0
    return 2 * (ranks - 1) * alpha + 2 * (ranks - 1) / ranks * nbytes * beta


def fit_alpha_beta(small: tuple[float, float], large: tuple[float, float]) -> tuple[float, float]:
    """alpha and beta from two measured 2-rank all-reduces ``(bytes, seconds)``: at p = 2 the
    model is ``2 alpha + n beta``."""
    (n0, t0), (n1, t1) = small, large
    beta = max((t1 - t0) / (n1 - n0), 0.0)
    return max((t0 - n0 * beta) / 2, 0.0), beta


def scaling_table(
    step_seconds: float, nbytes: float, alpha: float, beta: float, global_batch: int = GLOBAL_BATCH
) -> list[dict[str, float]]:
    """Per rank count: weak scaling (BATCH per rank; communication after the backward pass, as
    the engine delivers gradients at its end today) and strong scaling (a fixed global batch
    split over the ranks). Efficiency = compute time / (compute + communication)."""
    per_image = step_seconds / BATCH
    rows = []
    for p in (1, 2, 4, 8, 16, 32, 64):
        comm = ring_allreduce_seconds(p, nbytes, alpha, beta)
        strong_compute = per_image * global_batch / p
        rows.append(
            {
                "ranks": p,
                "comm_ms": comm * 1e3,
                "weak_images_per_s": p * BATCH / (step_seconds + comm),
                "weak_efficiency": step_seconds / (step_seconds + comm),
                "strong_images_per_s": global_batch / (strong_compute + comm),
                "strong_efficiency": strong_compute / (strong_compute + comm),
            }
        )
    return rows


def stops_scaling(
    step_seconds: float, nbytes: float, alpha: float, beta: float, global_batch: int = GLOBAL_BATCH
) -> int:
    """The first power-of-two rank count at which strong scaling's efficiency falls below 50%
    (communication takes longer than computing), else the count that leaves one image per rank."""
    per_image, p = step_seconds / BATCH, 2
    while p < global_batch:
        if per_image * global_batch / p < ring_allreduce_seconds(p, nbytes, alpha, beta):
            return p
        p *= 2
    return global_batch


# --- one rank of one configuration -------------------------------------------------------------


def resnet20(generator: int = 0) -> Any:
    """W7's model: ResNet-20 for CIFAR (He et al. 2016), as issue 14 defines it."""
    from nn.models import ResNet

    return ResNet((3, 3, 3), (16, 32, 64), in_channels=3, num_classes=10, generator=generator)


def _time_all_reduce(nbytes: int, repeats: int) -> float:
    """Median seconds of MPI's own blocking all-reduce of ``nbytes``: the transport's latency and
    bandwidth, which the scaling model needs (not our polling)."""
    import numpy as np
    from mpi4py import MPI

    comm = MPI.COMM_WORLD
    buf = np.ones(max(nbytes // 4, 1), dtype=np.float32)
    times = []
    for _ in range(repeats):
        comm.Barrier()
        start = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, buf, op=MPI.SUM)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def worker(steps: int, batch: int) -> None:
    import numpy as np

    import autograd as ag
    import nn
    import nn.distributed as dist
    from nn.parallel import DistributedDataParallel

    dist.init_process_group(backend="mpi", timeout=600)
    rank, size = dist.get_rank(), dist.get_world_size()
    model = DistributedDataParallel(resnet20())
    opt = nn.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    rng = np.random.default_rng([0, rank])
    x = ag.tensor(rng.standard_normal((batch, 3, 32, 32)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 10, batch))
    walls, cpus, waits = [], [], []
    for step in range(steps + 2):  # two warm-up steps
        wait0, wall0, cpu0 = model.comm_wait_seconds, time.perf_counter(), time.process_time()
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step >= 2:
            walls.append(time.perf_counter() - wall0)
            cpus.append(time.process_time() - cpu0)
            waits.append(model.comm_wait_seconds - wait0)
    grad_bytes = sum(p.data.nbytes for p in model.parameters())
    result = {
        "ranks": size,
        "batch": batch,
        "wall": statistics.median(walls),
        "cpu": statistics.median(cpus),
        "comm_wait": statistics.median(waits),
        "grad_bytes": grad_bytes,
        "loss": loss.item(),
    }
    if size > 1:
        result["allreduce_small"] = (8, _time_all_reduce(8, 200))
        result["allreduce_grad"] = (grad_bytes, _time_all_reduce(grad_bytes, 20))
    every = [np.zeros(3) for _ in range(size)]
    dist.all_gather(every, np.array([result["wall"], result["cpu"], result["comm_wait"]]))
    if rank == 0:
        result["per_rank"] = [e.tolist() for e in every]
        print("RESULT " + json.dumps(result), flush=True)
    dist.destroy_process_group()


# --- the driver --------------------------------------------------------------------------------


def run_config(ranks: int, steps: int, batch: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{v: "1" for v in THREAD_VARS})
    mpiexec = str(Path(sys.executable).with_name("mpiexec"))
    cmd = [mpiexec, "-n", str(ranks), sys.executable, "-m", "benchmarks.ddp", "--worker"]
    cmd += ["--steps", str(steps), "--batch", str(batch)]
    load_before = os.getloadavg()[0]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    result = json.loads(line.removeprefix("RESULT "))
    result["load"] = (load_before, os.getloadavg()[0])
    return result


def summarize(runs: list[dict[str, Any]]) -> dict[int, dict[str, float]]:
    """Per rank count: the medians over rounds."""
    out: dict[int, dict[str, float]] = {}
    for ranks in sorted({r["ranks"] for r in runs}):
        mine = [r for r in runs if r["ranks"] == ranks]
        wall = statistics.median(r["wall"] for r in mine)
        out[ranks] = {
            "wall": wall,
            "cpu": statistics.median(r["cpu"] for r in mine),
            "comm_wait": statistics.median(r["comm_wait"] for r in mine),
            "images_per_s": ranks * mine[0]["batch"] / wall,
            "images_per_cpu_s": mine[0]["batch"] / statistics.median(r["cpu"] for r in mine),
        }
    return out


def render(runs: list[dict[str, Any]]) -> str:
    s = summarize(runs)
    loads = [x for r in runs for x in r["load"]]
    lines = [
        f"ResNet-20 (W7), batch {runs[0]['batch']} per rank, one BLAS thread per rank, "
        f"{len(runs) // len(s)} interleaved rounds, medians; load average "
        f"{min(loads):.2f}-{max(loads):.2f} on {os.cpu_count()} cores",
        "",
        "| ranks | step wall ms | step CPU ms (rank 0) | waiting on all-reduce ms | images/s | "
        "images per CPU-s per rank |",
        "|---|---|---|---|---|---|",
    ]
    for ranks, v in s.items():
        lines.append(
            f"| {ranks} | {v['wall'] * 1e3:.0f} | {v['cpu'] * 1e3:.0f} | "
            f"{v['comm_wait'] * 1e3:.2f} | {v['images_per_s']:.1f} | {v['images_per_cpu_s']:.1f} |"
        )
    if 1 in s and 2 in s:
        ratio = s[2]["images_per_s"] / s[1]["images_per_s"]
        cpu_ratio = s[2]["images_per_cpu_s"] / s[1]["images_per_cpu_s"]
        lines += [
            "",
            f"2 ranks / 1 rank: **{ratio:.2f}x images/s** (goal >= 1.7x: "
            f"{'met' if ratio >= 1.7 else 'not met'}); per CPU-second of a rank {cpu_ratio:.2f}x "
            "(1.00x = no work added by data parallelism; wall below the CPU ratio x 2 means the "
            "ranks waited for a core)",
        ]
    two = [r for r in runs if "allreduce_grad" in r]
    if two:
        small = statistics.median(r["allreduce_small"][1] for r in two)
        large = statistics.median(r["allreduce_grad"][1] for r in two)
        nbytes = two[0]["grad_bytes"]
        alpha, beta = fit_alpha_beta((8, small), (nbytes, large))
        lines += [
            "",
            f"Measured 2-rank all-reduce (shared memory): 8 B in {small * 1e6:.1f} us, the W7 "
            f"gradient ({nbytes / 1e6:.2f} MB) in {large * 1e3:.2f} ms: alpha = "
            f"{alpha * 1e6:.1f} us, beta = {beta * 1e9:.3f} ns/B ({1 / beta / 1e9 if beta else float('inf'):.1f} GB/s).",
        ]
        step = s[1]["cpu"] if 1 in s else s[2]["cpu"]
        for label, (a, b) in (
            ("measured (shared memory)", (alpha, beta)),
            ("assumed 1 Gb/s Ethernet (alpha 50 us, 117 MB/s)", NETWORK_1GBE),
        ):
            stop = stops_scaling(step, nbytes, a, b)
            lines += [
                "",
                f"Scaling model, {label}; compute {step * 1e3:.0f} ms per {BATCH} images (the "
                "1-rank step's CPU time), no overlap:",
                "",
                "| ranks | ring all-reduce ms | weak: images/s | weak: efficiency | "
                f"strong (global batch {GLOBAL_BATCH}): images/s | strong: efficiency |",
                "|---|---|---|---|---|---|",
            ]
            for row in scaling_table(step, nbytes, a, b):
                lines.append(
                    f"| {row['ranks']} | {row['comm_ms']:.2f} | {row['weak_images_per_s']:.0f} | "
                    f"{row['weak_efficiency']:.0%} | {row['strong_images_per_s']:.0f} | "
                    f"{row['strong_efficiency']:.0%} |"
                )
            lines += [
                "",
                f"Strong scaling stops (efficiency < 50%, or under one image per rank) at {stop} "
                f"ranks ({GLOBAL_BATCH / stop:g} image(s) per rank).",
            ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.ddp", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--steps", type=int, default=8, help="timed steps per run (default 8)")
    parser.add_argument("--batch", type=int, default=BATCH, help="images per rank per step")
    parser.add_argument("--ranks", default="1,2", help="rank counts (default 1,2)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write every run's figures here")
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.steps, args.batch)
        return 0
    runs = []
    for round_ in range(args.rounds):
        for ranks in (int(r) for r in args.ranks.split(",")):
            runs.append(run_config(ranks, args.steps, args.batch))
            print(
                f"round {round_ + 1}, {ranks} rank(s): {runs[-1]['wall'] * 1e3:.0f} ms/step, "
                f"load {runs[-1]['load'][1]:.2f}",
                file=sys.stderr,
            )
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))
    print(render(runs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
