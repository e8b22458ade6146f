"""Before and after in one run: gategrad at a git commit, gategrad as checked out, and PyTorch,
interleaved round by round on the same machine under the same load.

    python -m benchmarks.compare main                       # W4, W5, W7; 3 rounds
    python -m benchmarks.compare af7b855 --workloads W7 --rounds 5

The commit is exported with ``git archive`` into a temporary folder and its own
``benchmarks.worker`` runs there (so "before" is that commit's engine, nn and workload code);
every measurement is its own process with one BLAS thread, as in ``benchmarks.run``, and keeps
its least-disturbed round (lowest median). Prints a markdown table: medians, the min, the ratios
to PyTorch, before ÷ after, and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .report import _num, scaled
from .run import combine, run_worker
from .spec import WORKLOADS

HERE = Path(__file__).resolve().parent.parent


def export(ref: str, into: Path) -> str:
    """Write commit ``ref``'s files into ``into``; its short hash."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", ref], cwd=HERE, capture_output=True, text=True, check=True
    ).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=HERE, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive.stdout, check=True)
    return commit


def _ratios(med: dict[str, float]) -> Any:
    def ratio(a: str, b: str) -> str:
        return f"{med[a] / med[b]:.2f}x" if a in med and b in med else "—"

    return ratio


def table(runs: dict[tuple[str, str], list[dict[str, Any]]], labels: dict[str, str]) -> list[str]:
    """One row per workload: each column's median (min), the ratios, before ÷ after."""
    best = {key: combine(rs) for key, rs in runs.items()}
    cols = list(labels)
    header = ["workload", *(f"{labels[c]}: median (min)" for c in cols)]
    header += ["before ÷ PyTorch", "after ÷ PyTorch", "after ÷ before", "first-step values"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for w in sorted({w for _, w in runs}, key=list(WORKLOADS).index):
        cells, med = [], {}
        for c in cols:
            r = best.get((c, w), {})
            if r.get("status") != "ok":
                cells.append(r.get("status", "—"))
                continue
            med[c] = r["median"]
            cells.append(f"{_num(scaled(r['median'], w))} ({_num(scaled(r['min'], w))})")
        ratio = _ratios(med)
        values = " / ".join(f"{best[(c, w)]['first_value']:.6g}" for c in cols if c in med)
        lines.append(
            f"| {w} ({WORKLOADS[w].unit}) | " + " | ".join(cells)
            + f" | {ratio('before', 'torch')} | {ratio('after', 'torch')} | "
            f"{ratio('after', 'before')} | {values} |"
        )  # fmt: skip
    return lines


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("ref", help="the 'before' commit (a branch, tag or hash)")
    p.add_argument("--workloads", default="W4,W5,W7")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=1.5, help="measuring time per measurement")
    p.add_argument("--no-torch", action="store_true", help="compare the two gategrads only")
    a = p.parse_args(argv)
    workloads = [w.strip().upper() for w in a.workloads.split(",") if w.strip()]
    labels = {"before": "", "after": "gategrad (this checkout)", "torch": "PyTorch CPU"}
    if a.no_torch:
        del labels["torch"]
    load_before = os.getloadavg()[0]
    started = time.time()
    with tempfile.TemporaryDirectory(prefix="gategrad-before-") as tmp:
        commit = export(a.ref, Path(tmp))
        labels["before"] = f"gategrad {commit}"
        roots = {"before": tmp, "after": str(HERE), "torch": str(HERE)}
        system = {"before": "gategrad", "after": "gategrad", "torch": "torch"}
        runs: dict[tuple[str, str], list[dict[str, Any]]] = {
            (c, w): [] for w in workloads for c in labels
        }
        for i in range(a.rounds):
            for w in workloads:
                for c in labels:
                    rec = run_worker(system[c], w, a.seconds, 600.0, root=roots[c])
                    runs[(c, w)].append(rec)
                    shown = rec.get("median")
                    print(f"round {i + 1}/{a.rounds} {w} {labels[c]}: "
                          f"{_num(scaled(shown, w)) if shown else rec.get('status')}",
                          file=sys.stderr)  # fmt: skip
    load_after = os.getloadavg()[0]
    print(
        f"One BLAS thread, CPU time, {a.rounds} interleaved rounds, each measurement's "
        f"least-disturbed round; {time.time() - started:.0f} s; load average "
        f"{load_before:.2f} at the start, {load_after:.2f} at the end.\n"
    )
    print("\n".join(table(runs, labels)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
