"""Entry point of ``make bench``: every workload on every system, each in its own process.

    python -m benchmarks.run                       # everything (a few minutes)
    python -m benchmarks.run --workloads W1,W3 --systems numpy,gategrad,torch
    python -m benchmarks.run --rounds 3            # on a busy machine: interleave, keep the best

Writes ``benchmarks/results/latest.md`` and ``latest.json`` (and a dated copy of the JSON under
``results/raw/``), then prints the markdown.
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

from .report import machine_info, render
from .spec import WORKLOADS
from .systems import SYSTEMS

RESULTS = Path(__file__).parent / "results"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
# Per-system measuring settings: micrograd takes seconds per W2 step.
SLOW = {"micrograd": ["--warmup", "1", "--min-repeats", "3", "--max-repeats", "5"]}
# gategrad (nn) runs W1 as engine ops already: measuring it twice would tell nothing new.
SKIP = {("gategrad-ops", "W1")}
CHAIN_SYSTEMS = ("gategrad", "torch")


def worker_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({v: "1" for v in THREAD_VARS})
    env["PYTHONHASHSEED"] = "0"
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = (
        root + os.pathsep + env.get("PYTHONPATH", "") if env.get("PYTHONPATH") else root
    )
    return env


def run_worker(
    system: str, workload: str, seconds: float, timeout: float, clock: str = "cpu"
) -> dict[str, Any]:
    """One ``benchmarks.worker`` process; its JSON line, or an error record."""
    cmd = [sys.executable, "-m", "benchmarks.worker", "--system", system, "--workload", workload,
           "--seconds", str(seconds), "--clock", clock, *SLOW.get(system, [])]  # fmt: skip
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, env=worker_env(), timeout=timeout)
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
    if rec.get("status") != "ok":
        return f"{rec['status']}: {rec.get('reason', '')}"
    if "median" in rec:
        return f"median {rec['median'] * 1e3:.3f} ms/step, first value {rec['first_value']:.6g}"
    return f"backward {rec['backward_s']:.2f} s"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="gategrad side-by-side benchmarks")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated, e.g. W1,W3")
    p.add_argument("--systems", default=",".join(SYSTEMS), help=f"from {', '.join(SYSTEMS)}")
    p.add_argument("--seconds", type=float, default=1.5, help="measuring time per measurement")
    p.add_argument("--rounds", type=int, default=2, help="interleaved repetitions of the matrix")
    p.add_argument(
        "--stat",
        default="min",
        choices=["min", "median"],
        help="what ratios compare (default min: on a shared machine noise only adds time)",
    )
    p.add_argument(
        "--clock",
        default="cpu",
        choices=["cpu", "wall"],
        help="cpu: the worker's CPU time (default; robust on a shared machine); wall: elapsed",
    )
    p.add_argument("--no-chain", action="store_true", help="skip the 100,000-gate chain figure")
    p.add_argument("--timeout", type=float, default=300.0, help="per worker, seconds")
    p.add_argument("--out", type=Path, default=RESULTS)
    a = p.parse_args(argv)
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
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {pair: [] for pair in pairs}
    for i in range(a.rounds):
        for s, w in pairs:
            if s == "micrograd" and i > 0:
                continue  # seconds per step: one round says enough
            rec = run_worker(s, w, a.seconds, a.timeout, a.clock)
            runs[(s, w)].append(rec)
            print(f"[{time.time() - started:6.1f}s] {w} {s}: {_progress(rec)}", file=sys.stderr)
    records = [combine(r) for r in runs.values()]
    chain = []
    if not a.no_chain:
        for s in CHAIN_SYSTEMS:
            if s in chosen:
                rec = run_worker(s, "chain", a.seconds, a.timeout)
                chain.append(rec)
                print(
                    f"[{time.time() - started:6.1f}s] chain {s}: {_progress(rec)}", file=sys.stderr
                )
    machine["load_after"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    machine["wall_s"] = round(time.time() - started, 1)
    clock = "CPU time of the worker process" if a.clock == "cpu" else "wall-clock time"
    settings = (f"Times are {clock}. Warm-up, then repeats for about {a.seconds:g} s per measurement; "
                f"{a.rounds} round(s); whole run {machine['wall_s']:.0f} s.")  # fmt: skip
    md = render(records, chain, machine, settings, a.stat)
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "latest.md").write_text(md + "\n")
    payload = {"machine": machine, "records": records, "chain": chain, "rounds": runs_list(runs)}
    (a.out / "latest.json").write_text(json.dumps(payload, indent=1) + "\n")
    raw = a.out / "raw"
    raw.mkdir(exist_ok=True)
    (raw / time.strftime("%Y%m%d-%H%M%S.json")).write_text(json.dumps(payload) + "\n")
    print(md)
    return 0


def runs_list(runs: dict[tuple[str, str], list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Every round's median, for the JSON (so a reader can see how noisy the machine was)."""
    return [{"system": s, "workload": w, "medians": [r.get("median") for r in rs]}
            for (s, w), rs in runs.items()]  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
