"""Entry point of ``make bench``: every workload on every system, each in its own process.

    python -m benchmarks.run                       # everything (12-20 minutes)
    python -m benchmarks.run --workloads W1,W3 --systems numpy,gategrad,torch
    python -m benchmarks.run --rounds 5            # more interleaved rounds on a busy machine
    python -m benchmarks.run --update              # also rewrite the committed tables

Writes ``latest.md`` and ``latest.json`` (and a dated copy of the JSON under ``raw/``) into
``benchmarks/results/local/``, which git ignores; ``--update`` writes them to
``benchmarks/results/`` instead, the tables the README quotes. Prints one line per measurement
as it goes, then the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .report import _num, machine_info, render, scaled
from .spec import WORKLOADS
from .systems import LABELS, SYSTEMS

RESULTS = Path(__file__).parent / "results"  # the committed tables (--update)
LOCAL = RESULTS / "local"  # everyday runs: ignored by git
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Measured a second time with the libraries' default threads (reported, not targeted).
DEFAULT_THREAD_SYSTEMS = ("gategrad", "torch")
# Per-system measuring settings: micrograd takes seconds per W2 step.
SLOW = {"micrograd": ["--warmup", "1", "--min-repeats", "3", "--max-repeats", "5"]}
# gategrad (nn) runs W1 as engine ops already: measuring it twice would tell nothing new.
SKIP = {("gategrad-ops", "W1")}
CHAIN_SYSTEMS = ("gategrad", "torch")


def worker_env(threads: str = "1", root: str | None = None) -> dict[str, str]:
    """The worker's environment: one BLAS thread, or (``threads="default"``) whatever the
    libraries choose for themselves; ``root``: the checkout to import from (default: this one)."""
    env = dict(os.environ)
    if threads == "default":
        for v in THREAD_VARS:
            env.pop(v, None)
        env["BENCH_THREADS"] = "default"
    else:
        env.update({v: "1" for v in THREAD_VARS})
        env.pop("BENCH_THREADS", None)
    env["PYTHONHASHSEED"] = "0"
    root = root or str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = (
        root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    )
    return env


def run_worker(
    system: str,
    workload: str,
    seconds: float,
    timeout: float,
    clock: str = "cpu",
    threads: str = "1",
    root: str | None = None,
) -> dict[str, Any]:
    """One ``benchmarks.worker`` process; its JSON line, or an error record. ``root``: run the
    worker of another checkout (``benchmarks.compare``'s "before")."""
    cmd = [sys.executable, "-m", "benchmarks.worker", "--system", system, "--workload", workload,
           "--seconds", str(seconds), "--clock", clock, *SLOW.get(system, [])]  # fmt: skip
    env = worker_env(threads, root)
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, env=env, timeout=timeout, cwd=root
        )
    except subprocess.TimeoutExpired:
        return {"system": system, "workload": workload, "status": "error",
                "reason": f"worker timed out after {timeout:.0f} s"}  # fmt: skip
    lines = out.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (out.stderr or out.stdout).strip().splitlines()[-3:]
        return {"system": system, "workload": workload, "status": "error",
                "reason": f"worker exited {out.returncode}: {' / '.join(tail)}"}  # fmt: skip


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """Several rounds of one measurement: keep the round with the lowest median (the least
    disturbed by other processes), with the overall minimum."""
    ok = [r for r in rounds if r.get("status") == "ok"]
    if not ok:
        return rounds[-1]
    best = dict(min(ok, key=lambda r: r["median"]))
    best["min"] = min(r["min"] for r in ok)
    best["rounds"] = len(ok)
    return best


def _progress(rec: dict[str, Any]) -> str:
    """One measurement in words, for the progress lines."""
    if rec.get("status") != "ok":
        return f"{rec['status']}: {rec.get('reason', '')}"
    if "median" in rec:
        w = rec["workload"]
        unit = WORKLOADS[w].unit.replace("us", "µs")
        return (
            f"{_num(scaled(rec['median'], w))} {unit} (median of {rec['repeats']}), "
            f"first-step value {rec['first_value']:.6g}"
        )
    return f"backward through 100,000 gates {rec['backward_s']:.2f} s"


def _eta(done: int, total: int, elapsed: float) -> str:
    if not done or done >= total:
        return ""
    left = elapsed / done * (total - done)
    return f", about {left / 60:.0f} min left" if left >= 90 else f", about {left:.0f} s left"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="gategrad side-by-side benchmarks")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated, e.g. W1,W3")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"from {', '.join(SYSTEMS)}")
    p.add_argument("--seconds", type=float, default=1.5, help="measuring time per measurement")
    p.add_argument("--rounds", type=int, default=3, help="interleaved repetitions of the matrix")
    p.add_argument(
        "--stat",
        default="median",
        choices=["min", "median"],
        help="what ratios compare (default: the median step of the least disturbed round)",
    )
    p.add_argument(
        "--clock",
        default="cpu",
        choices=["cpu", "wall"],
        help="cpu: the worker's CPU time (default; robust on a shared machine); wall: elapsed",
    )
    p.add_argument("--no-chain", action="store_true", help="skip the 100,000-gate chain figure")
    p.add_argument("--timeout", type=float, default=300.0, help="per worker, seconds")
    p.add_argument(
        "--threads",
        default="both",
        choices=["one", "both"],
        help="both (default): also measure gategrad and PyTorch with their default threads",
    )
    p.add_argument(
        "--update",
        action="store_true",
        help="write the committed tables (benchmarks/results/) instead of results/local/",
    )
    p.add_argument("--out", type=Path, default=None, help="where to write (overrides --update)")
    a = p.parse_args(argv)
    out_dir = a.out or (RESULTS if a.update else LOCAL)
    workloads = [w.strip().upper() for w in a.workloads.split(",") if w.strip()]
    chosen = [s.strip() for s in a.systems.split(",") if s.strip()]
    for name in workloads:
        if name not in WORKLOADS:
            p.error(f"unknown workload {name}; known: {', '.join(WORKLOADS)}")
    for name in chosen:
        if name not in SYSTEMS:
            p.error(f"unknown system {name}; known: {', '.join(SYSTEMS)}")

    machine = machine_info()
    started = time.time()
    pairs = [(s, w) for w in workloads for s in chosen if (s, w) not in SKIP]
    pairs = [(s, w) for s, w in pairs if s != "micrograd" or w == "W2"]  # scalar: W2 only
    cells = [(s, w, "1") for s, w in pairs]
    if a.threads == "both":
        cells += [(s, w, "default") for s, w in pairs if s in DEFAULT_THREAD_SYSTEMS]
    runs: dict[tuple[str, str, str], list[dict[str, Any]]] = {cell: [] for cell in cells}
    plan = [(i, cell) for i in range(a.rounds) for cell in cells]
    plan = [(i, c) for i, c in plan if c[0] != "micrograd" or i == 0]  # seconds per step: once
    chain_systems = [] if a.no_chain else [s for s in CHAIN_SYSTEMS if s in chosen]
    total = len(plan) + len(chain_systems)
    print(f"{total} measurements, each in its own process; results go to {out_dir}/",
          file=sys.stderr)  # fmt: skip
    done = 0
    for i, (s, w, threads) in plan:
        # CPU time adds up every thread's time (and idle BLAS threads spin): several threads
        # are timed by the wall clock
        clock = a.clock if threads == "1" else "wall"
        rec = run_worker(s, w, a.seconds, a.timeout, clock, threads)
        rec["threads"] = threads
        runs[(s, w, threads)].append(rec)
        done += 1
        elapsed = time.time() - started
        which = "" if threads == "1" else ", default threads"
        print(f"[{done}/{total}] round {i + 1}/{a.rounds} {w} {LABELS[s]}{which}: "
              f"{_progress(rec)}{_eta(done, total, elapsed)}", file=sys.stderr)  # fmt: skip
    records = [combine(r) for r in runs.values()]
    chain = []
    for s in chain_systems:
        rec = run_worker(s, "chain", a.seconds, a.timeout)
        chain.append(rec)
        done += 1
        print(f"[{done}/{total}] chain {LABELS[s]}: {_progress(rec)}", file=sys.stderr)
    machine["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    machine["wall_s"] = round(time.time() - started, 1)
    clock = "CPU time of the worker process" if a.clock == "cpu" else "wall-clock time"
    settings = (f"Times are {clock}. Warm-up, then repeats for about {a.seconds:g} s per measurement; "
                f"{a.rounds} round(s); whole run {machine['wall_s']:.0f} s.")  # fmt: skip
    md = render(records, chain, machine, settings, a.stat)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.md").write_text(md + "\n")
    payload = {"machine": machine, "records": records, "chain": chain, "rounds": runs_list(runs)}
    (out_dir / "latest.json").write_text(json.dumps(payload, indent=1) + "\n")
    raw = out_dir / "raw"
    raw.mkdir(exist_ok=True)
    (raw / time.strftime("%Y%m%d-%H%M%S.json")).write_text(json.dumps(payload) + "\n")
    print(md)
    print(f"\nWritten to {out_dir}/latest.md and latest.json", file=sys.stderr)
    return 0


def runs_list(runs: dict[tuple[str, str, str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every round's median, for the JSON (so a reader can see how noisy the machine was)."""
    return [{"system": s, "workload": w, "threads": t, "medians": [r.get("median") for r in rs]}
            for (s, w, t), rs in runs.items()]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
