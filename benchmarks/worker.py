"""Run one workload of one system in this process and print its record as one JSON line.

    python -m benchmarks.worker --system gategrad --workload W3 [--seconds 2]
    python -m benchmarks.worker --system gategrad --workload chain   # the 100,000-gate chain

``run.py`` starts one of these per (system, workload), so imports, allocator state and peak RSS
never leak from one measurement into another. BLAS is pinned to one thread before NumPy loads,
unless ``BENCH_THREADS=default`` asks for the libraries' default threads.
"""

from __future__ import annotations

import os

if os.environ.get("BENCH_THREADS") != "default":  # else: the libraries' own choice
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import traceback  # noqa: E402
from typing import Any  # noqa: E402

from . import systems  # noqa: E402
from .harness import Budget, NotAvailable, measure  # noqa: E402
from .spec import make_data  # noqa: E402


def run_one(system: str, workload: str, budget: Budget) -> dict[str, Any]:
    """Measure ``workload`` on ``system``; the record says "unavailable" or "error" instead of
    raising, so one missing piece never stops the whole run."""
    record: dict[str, Any] = {"system": system, "workload": workload}
    try:
        module = systems.load(system)
        why = module.requirement()
        if why is not None:
            raise NotAvailable(why)
        if workload == "chain":
            from .chain import chain_figures

            record.update(chain_figures(system))
            record["status"] = "ok"
            return record
        builder = module.BUILDERS.get(workload)
        if builder is None:
            raise NotAvailable(f"{system} has no {workload}")
        record.update(measure(builder(make_data(workload)), budget))
        record["status"] = "ok"
    except NotAvailable as why:
        record.update(status="unavailable", reason=str(why))
    except Exception as err:  # a bug in a system under test: report it, keep going
        record.update(status="error", reason=f"{type(err).__name__}: {err}")
        record["traceback"] = traceback.format_exc(limit=-6)
    return record


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--system", required=True, choices=list(systems.SYSTEMS))
    p.add_argument("--workload", required=True)
    p.add_argument("--seconds", type=float, default=2.0, help="measuring time per workload")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--min-repeats", type=int, default=5)
    p.add_argument("--max-repeats", type=int, default=1000)
    p.add_argument("--clock", default="cpu", choices=["cpu", "wall"])
    a = p.parse_args(argv)
    budget = Budget(a.warmup, a.min_repeats, a.max_repeats, a.seconds, a.clock)
    record = run_one(a.system, a.workload, budget)
    sys.stdout.write(json.dumps(record) + "\n")
    return 0 if record["status"] != "error" else 1


if __name__ == "__main__":
    raise SystemExit(main())
