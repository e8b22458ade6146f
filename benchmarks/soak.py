"""``make soak``: the reliability figures of the README, measured in one run.

    python -m benchmarks.soak                 # everything, a few minutes
    python -m benchmarks.soak --quick         # fewer trials, well under a minute of work
    python -m benchmarks.soak --parts fuzz,kill --out soak.md

- fuzz: a checkpoint of a trained model with its optimizer state, damaged every way we can
  enumerate (every truncation, every single-bit flip, random overwrites and cuts, crafted
  header values): each must be refused with ``CheckpointError`` or load unchanged.
- files: FIFOs, devices, folders and symlinks to them are refused before a byte is read.
- kill: a process saving 8 MB checkpoints is SIGKILLed at random moments; the file must always
  load, complete.
- resume: training processes (MLP with Dropout; CNN with BatchNorm, random transforms and early
  stopping; shuffling loaders) SIGKILLed at random steps and resumed in new processes must
  repeat the uninterrupted run's losses and weights bit for bit.
- memory: RSS over 3,000 training steps of ``fit`` with checkpoints every 250 steps and a CSV
  log.

The kill and resume parts reuse the test suite's helpers (``tests/nn/save_kills.py``,
``tests/nn/resume_runs.py``), so run this from the repository root.
"""

from __future__ import annotations

import argparse
import copy
import gc
import hashlib
import json
import os
import platform
import struct
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")  # before NumPy loads: one BLAS thread
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import autograd as ag  # noqa: E402
import nn  # noqa: E402
from nn.serialization import CheckpointError, dumps, loads  # noqa: E402

Row = tuple[str, str, bool]  # what was tried, the result, whether it is what it must be


# --- fuzz ---------------------------------------------------------------------------------------


def _sample_blob() -> tuple[bytes, dict]:
    ag.manual_seed(0)
    model = nn.Sequential(nn.Linear(8, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 3))
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    x, y = ag.randn(32, 8), ag.tensor(np.arange(32) % 3)
    for _ in range(3):
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "step": 3}
    state["rng"] = ag.default_generator.get_state()
    blob = dumps(state)
    return blob, loads(blob)


def _same(a: object, b: object) -> bool:
    """Exactly equal: container types and order, array kinds, dtypes, shapes and bytes."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, ag.Tensor):
        return a.requires_grad == b.requires_grad and _same(a.data, b.data)
    if isinstance(a, (np.ndarray, np.generic)):
        return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()
    return a == b or (a != a and b != b)  # NaN equals NaN


def _variants(blob: bytes, quick: bool) -> Iterator[tuple[str, bytes]]:
    for n in range(len(blob)):
        yield "truncations", blob[:n]
    data = bytearray(blob)
    for i in range(len(blob)):
        for bit in [i % 8] if quick else range(8):
            data[i] ^= 1 << bit
            yield "single-bit flips", bytes(data)
            data[i] ^= 1 << bit
    rng = np.random.default_rng(0)
    for _ in range(2_000 if quick else 20_000):
        data = bytearray(blob)
        for _ in range(int(rng.integers(1, 6))):
            at = int(rng.integers(0, len(blob)))
            data[at : at + 8] = rng.bytes(int(rng.integers(1, 9)))
        if rng.random() < 0.3:
            del data[int(rng.integers(0, len(data))) :]
        yield "random overwrites and cuts", bytes(data)
    yield from _crafted_headers(blob)


_NASTY = [None, True, -1, 0, 2**31, 2**64, 2**200, 1.5, "", "x" * 1000, [], [-1], [2**62] * 3,
          {}, {"t": "dict"}, [[0, 0]] * 100]  # fmt: skip


def _crafted_headers(blob: bytes) -> Iterator[tuple[str, bytes]]:
    """Every value of the safetensors header (and of our array table, re-signed so that only
    the cross-checks can catch it) replaced by each nasty value; and huge declared sizes."""
    (size,) = struct.unpack("<Q", blob[:8])
    header, payload = json.loads(blob[8 : 8 + size]), blob[8 + size :]
    structure = json.loads(header["__metadata__"]["structure"])

    def paths(node: object, path: tuple = ()) -> Iterator[tuple]:
        if isinstance(node, dict):
            for k, v in node.items():
                yield (*path, k)
                yield from paths(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                yield (*path, i)
                yield from paths(v, (*path, i))

    for in_table in (False, True):
        target = structure["tensors"] if in_table else {k: v for k, v in header.items()}
        for path in list(paths(target))[:200]:
            for value in _NASTY:
                h, s = copy.deepcopy(header), copy.deepcopy(structure)
                node = s["tensors"] if in_table else h
                for k in path[:-1]:
                    node = node[k]
                node[path[-1]] = value
                if in_table:
                    text = json.dumps(s)
                    h["__metadata__"]["structure"] = text
                    h["__metadata__"]["structure_sha256"] = hashlib.sha256(
                        text.encode()
                    ).hexdigest()
                raw = json.dumps(h).encode()
                yield "crafted headers", struct.pack("<Q", len(raw)) + raw + payload
    for declared in (2**62, 2**64 - 1, len(blob), size + 1):
        yield "crafted headers", struct.pack("<Q", declared) + blob[8:]


def fuzz(quick: bool) -> list[Row]:
    blob, original = _sample_blob()
    counts: dict[str, list[int]] = {}
    start = time.perf_counter()
    for kind, data in _variants(blob, quick):
        refused = same = other = 0
        try:
            got = loads(data)
        except CheckpointError:
            refused = 1
        except Exception:  # noqa: BLE001 (counted: must be zero)
            other = 1
        else:
            same, other = (1, 0) if _same(got, original) else (0, 1)
        c = counts.setdefault(kind, [0, 0, 0])
        c[0], c[1], c[2] = c[0] + refused, c[1] + same, c[2] + other
    seconds = time.perf_counter() - start
    total = sum(sum(c) for c in counts.values())
    rows = [
        (
            f"damaged checkpoints: {kind}",
            f"{sum(c):,} tried: {c[0]:,} refused, {c[1]:,} loaded unchanged, {c[2]} anything else",
            c[2] == 0,
        )
        for kind, c in counts.items()
    ]
    rows.append(
        (
            "damaged checkpoints: all",
            f"{total:,} variants of a {len(blob):,}-byte checkpoint in {seconds:.0f} s",
            all(c[2] == 0 for c in counts.values()),
        )
    )
    return rows


# --- files that are not files -------------------------------------------------------------------


def files(quick: bool) -> list[Row]:
    refused, tried, slowest = 0, 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        os.mkfifo(folder / "fifo")
        (folder / "dir").mkdir()
        targets = [folder / "fifo", folder / "dir", Path("/dev/zero"), Path("/dev/null")]
        for i, t in enumerate(list(targets)):
            link = folder / f"link{i}"
            link.symlink_to(t)
            targets.append(link)
        for target in targets:
            if not os.path.exists(target):
                continue
            tried += 1
            start = time.perf_counter()
            try:
                nn.load(target)
            except CheckpointError:
                refused += 1
            slowest = max(slowest, time.perf_counter() - start)
    return [
        (
            "loading FIFOs, devices, folders and symlinks to them",
            f"{tried} tried: {refused} refused before reading, slowest in {slowest * 1e3:.1f} ms",
            refused == tried,
        )
    ]


# --- kills ------------------------------------------------------------------------------------


def kill(quick: bool) -> list[Row]:
    from tests.nn.save_kills import first_checkpoint, kill_during_save

    trials = 20 if quick else 100
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ck"
        first_checkpoint(path)
        outcomes = [kill_during_save(path, float(rng.uniform(0.0, 0.25))) for _ in range(trials)]
    return [
        (
            "SIGKILL during nn.save (8 MB checkpoints)",
            f"{trials} kills, each followed by a complete checkpoint; "
            f"{sum(o.mid_save for o in outcomes)} landed inside a save "
            f"({sum(o.mid_write for o in outcomes)} mid-write)",
            True,  # kill_during_save raises if the checkpoint is not complete
        )
    ]


def resume(quick: bool) -> list[Row]:
    from tests.nn.resume_runs import (
        CHECKPOINT_EVERY,
        STEPS,
        kill_and_resume,
        same_weights,
        uninterrupted,
    )

    trials = 2 if quick else 10
    rows = []
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("mlp", "cnn"):
            full_losses, full_final = uninterrupted(kind, Path(tmp) / f"{kind}-full")
            exact, mid_epoch = 0, 0
            for i in range(trials):
                step = int(rng.integers(CHECKPOINT_EVERY + 1, STEPS - 1))
                t = kill_and_resume(kind, Path(tmp) / f"{kind}-{i}", step)
                exact += (
                    t.before == full_losses[: t.logged]
                    and t.after == full_losses[t.resumed_at :]
                    and t.final["history"] == full_final["history"]
                    and same_weights(t.final["model"], full_final["model"])
                )
                mid_epoch += t.resumed_at % 10 != 0
            what = {"mlp": "MLP + Dropout", "cnn": "CNN + BatchNorm + random transforms"}[kind]
            rows.append(
                (
                    f"SIGKILL at a random step, resume in a new process: {what}",
                    f"{trials} trials: {exact} bit-identical to the uninterrupted run "
                    f"(losses, history, weights); {mid_epoch} resumed mid-epoch",
                    exact == trials,
                )
            )
    return rows


# --- memory -------------------------------------------------------------------------------------


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def memory(quick: bool) -> list[Row]:
    from nn.callbacks import CSVLogger
    from nn.data import DataLoader, TensorDataset
    from nn.training import fit

    epochs, steps_per_epoch = (6 if quick else 30), 100
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((1000, 64)).astype(np.float32)
    y = (x @ rng.standard_normal((64, 10))).argmax(axis=1)
    model = nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(), nn.Dropout(0.1), nn.Linear(128, 128), nn.ReLU(),
        nn.Linear(128, 10),
    )  # fmt: skip
    rss: list[float] = []

    def sample(epoch: int, logs: dict) -> None:
        gc.collect()
        rss.append(_rss_mb())

    with tempfile.TemporaryDirectory() as tmp:
        fit(
            model, DataLoader(TensorDataset(x, y), batch_size=10, shuffle=True),
            loss_fn=nn.functional.cross_entropy, epochs=epochs,
            optimizer=nn.optim.Adam(model.parameters(), lr=1e-3), progress=False,
            checkpoint=Path(tmp) / "ck", checkpoint_every=250,
            callbacks=[CSVLogger(Path(tmp) / "log.csv"), sample],
        )  # fmt: skip
    steps = epochs * steps_per_epoch
    growth = (rss[-1] - rss[0]) / rss[0]
    return [
        (
            f"memory over {steps:,} training steps (fit, checkpoint every 250, CSV log)",
            f"RSS {rss[0]:.1f} MB after step {steps_per_epoch}, {rss[len(rss) // 2]:.1f} MB "
            f"at step {steps // 2:,}, {rss[-1]:.1f} MB at step {steps:,} "
            f"({growth:+.1%}); peak {max(rss):.1f} MB",
            growth < 0.10,
        )
    ]


def threads(quick: bool) -> list[Row]:
    """Two threads train their own MLPs while a third evaluates one of them under no_grad()
    and a fourth pair of threads runs backward passes into one shared parameter: no step may
    fail, no grad mode may leak, no gradient contribution may be lost."""
    import threading

    steps = 100 if quick else 1000
    errors: list[str] = []
    start = threading.Barrier(5)

    def guard(fn: Any) -> Any:
        def run() -> None:
            try:
                start.wait()
                fn()
            except BaseException as err:  # counted, not lost in the thread
                errors.append(f"{type(err).__name__}: {err}")

        return run

    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((64, 8)).astype(np.float32))
    y = ag.tensor(rng.integers(0, 3, 64))
    models = [nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 3)) for _ in range(2)]
    losses: list[list[float]] = [[], []]

    def train(k: int) -> Any:
        def loop() -> None:
            opt = nn.optim.SGD(models[k].parameters(), lr=0.05)
            for _ in range(steps):
                loss = nn.functional.cross_entropy(models[k](x), y)
                if not loss.requires_grad:
                    raise RuntimeError("grad mode leaked into a training thread")
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses[k].append(loss.item())

        return loop

    def evaluate() -> None:
        for _ in range(steps):
            with ag.no_grad():
                if models[0](x).requires_grad or ag.is_grad_enabled():
                    raise RuntimeError("recorded under no_grad")

    shared = ag.tensor(np.zeros(1000), requires_grad=True)

    def accumulate() -> None:
        for _ in range(steps):
            (shared * 1.0 + shared * 1.0).sum().backward()

    workers = [train(0), train(1), evaluate, accumulate, accumulate]
    threads_ = [threading.Thread(target=guard(w)) for w in workers]
    t0 = time.perf_counter()
    for t in threads_:
        t.start()
    for t in threads_:
        t.join()
    seconds = time.perf_counter() - t0
    exact = bool(np.all(shared.grad.data == 2.0 * 2 * steps))
    learned = all(ls[-1] < ls[0] for ls in losses)
    return [
        (
            f"threads: 2 training, 1 evaluating under no_grad, 2 backward passes into one "
            f"shared parameter, {steps:,} steps each, at once",
            f"{len(errors)} errors{': ' + errors[0] if errors else ''}; shared gradient "
            f"{'exact' if exact else 'LOST CONTRIBUTIONS'} ({2 * 2 * steps:,} contributions "
            f"of 1); both models learned ({losses[0][0]:.3f} -> {losses[0][-1]:.3f}, "
            f"{losses[1][0]:.3f} -> {losses[1][-1]:.3f}); grad mode on afterwards: "
            f"{ag.is_grad_enabled()}; {seconds:.1f} s",
            not errors and exact and learned and ag.is_grad_enabled(),
        )
    ]


PARTS = {
    "fuzz": fuzz,
    "files": files,
    "kill": kill,
    "resume": resume,
    "memory": memory,
    "threads": threads,
}


def render(rows: list[Row], seconds: float) -> str:
    head = [
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, "
        f"load average {os.getloadavg()[0]:.1f}; {seconds:.0f} s in all",
        "",
        "| tried | result | as required |",
        "|---|---|---|",
    ]
    marks = [f"| {a} | {b} | {'yes' if ok else '**NO**'} |" for a, b, ok in rows]
    return "\n".join(head + marks) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer trials")
    parser.add_argument("--parts", default=",".join(PARTS), help="comma-separated parts")
    parser.add_argument("--out", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for tests.nn helpers
    start = time.perf_counter()
    rows: list[Row] = []
    for name in args.parts.split(","):
        if name not in PARTS:
            parser.error(f"unknown part {name!r} (choose from {', '.join(PARTS)})")
        t = time.perf_counter()
        new = PARTS[name](args.quick)
        rows += new
        for what, result, _ in new:
            print(f"{name} ({time.perf_counter() - t:.0f} s): {what}: {result}", flush=True)
    table = render(rows, time.perf_counter() - start)
    print("\n" + table)
    if args.out is not None:
        args.out.write_text(table)
    return 0 if all(ok for _, _, ok in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
