"""Where does a workload's time go? cProfile's top functions for one system and workload.

    python -m benchmarks.profile W1                      # gategrad, forward + backward
    python -m benchmarks.profile W1 --phase backward --sort tottime --top 20
    python -m benchmarks.profile W3 --system gategrad-ops --steps 50

cProfile adds a roughly constant cost per Python call, so it inflates call-heavy code (the engine's
per-gate overhead) more than NumPy kernels: read the ranking, not the absolute times, and confirm a
finding with ``python -m benchmarks.run`` timings.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import io  # noqa: E402
import pstats  # noqa: E402
import time  # noqa: E402

from . import systems  # noqa: E402
from .spec import WORKLOADS, make_data  # noqa: E402


def profile(
    workload: str,
    system: str = "gategrad",
    steps: int = 100,
    phase: str = "all",
    sort: str = "tottime",
    top: int = 25,
) -> str:
    """Profile ``steps`` steps (after a warm-up) and return the pstats report as text."""
    module = systems.load(system)
    bench = module.BUILDERS[workload](make_data(workload))
    for _ in range(3):
        bench.backward(bench.forward())
    prof = cProfile.Profile()
    on_fwd, on_bwd = phase in ("all", "forward"), phase in ("all", "backward")
    t0 = time.perf_counter()
    for _ in range(steps):
        if on_fwd:
            prof.enable()
        h = bench.forward()
        if on_fwd:
            prof.disable()
        if on_bwd:
            prof.enable()
        bench.backward(h)
        if on_bwd:
            prof.disable()
        del h
    wall = time.perf_counter() - t0
    out = io.StringIO()
    out.write(
        f"{system} {workload} ({WORKLOADS[workload].title}): {steps} steps, phase={phase}, "
        f"{wall / steps * 1e3:.3f} ms/step under the profiler\n"
    )
    stats = pstats.Stats(prof, stream=out)
    stats.strip_dirs().sort_stats(sort).print_stats(top)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("workload", choices=list(WORKLOADS))
    p.add_argument("--system", default="gategrad", choices=list(systems.SYSTEMS))
    p.add_argument("--steps", type=int, default=100)
    p.add_argument("--phase", default="all", choices=["all", "forward", "backward"])
    p.add_argument("--sort", default="tottime", choices=["tottime", "cumtime", "ncalls"])
    p.add_argument("--top", type=int, default=25)
    a = p.parse_args(argv)
    print(profile(a.workload, a.system, a.steps, a.phase, a.sort, a.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
