"""What every system implements, and how one workload is timed and its memory measured.

A system builds, for a workload, a :class:`Bench`: ``forward()`` returns a handle (the loss, or the
logits for the forward-only W6), ``backward(handle)`` runs the backward pass and the optimizer
update, and ``value(handle)`` turns the handle into a float for the cross-system check (called once,
outside the timed loop). Each phase is timed separately, so W1 reports forward and backward per gate.
"""

from __future__ import annotations

import gc
import os
import resource
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class NotAvailable(Exception):  # noqa: N818 - a state, not an error
    """The system cannot run this workload (yet): a missing package or engine feature."""


def _noop(handle: Any) -> None:
    return None


@dataclass
class Bench:
    """One workload as built by one system (see the module docstring)."""

    forward: Callable[[], Any]
    backward: Callable[[Any], None] = _noop
    value: Callable[[Any], float] = float
    note: str = ""
    state: dict[str, Any] = field(default_factory=dict)  # what a test may inspect (gradients)


@dataclass
class Budget:
    """How long to measure: warm-up steps, then repeats until ``seconds`` or ``max_repeats``."""

    warmup: int = 3
    min_repeats: int = 5
    max_repeats: int = 1000
    seconds: float = 2.0
    clock: str = "cpu"  # "cpu": this process's CPU time; "wall": elapsed time


CLOCKS = {"cpu": time.process_time, "wall": time.perf_counter}


@dataclass
class Timings:
    """Per-step wall times in seconds, split into the forward and the backward+update phase."""

    forward: list[float] = field(default_factory=list)
    backward: list[float] = field(default_factory=list)

    @property
    def total(self) -> list[float]:
        return [f + b for f, b in zip(self.forward, self.backward)]


def current_rss() -> int:
    """Resident set size of this process now, in bytes."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:  # not Linux: psutil if present, else the peak as an upper bound
        try:
            import psutil

            return int(psutil.Process().memory_info().rss)
        except ImportError:
            return peak_rss()


def reset_peak_rss() -> bool:
    """Reset the kernel's high-water mark (Linux ``clear_refs`` 5); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def peak_rss() -> int:
    """Peak resident set size in bytes since the last reset (or since the process started)."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux


def measure(bench: Bench, budget: Budget) -> dict[str, Any]:
    """Run ``bench``: one checked first step, warm-up, then timed repeats. Returns the record
    (times in seconds, memory in bytes) that the worker prints as JSON."""
    clock = CLOCKS[budget.clock]
    gc.collect()
    rss0 = current_rss()
    can_reset = reset_peak_rss()
    h = bench.forward()
    first = float(bench.value(h))
    bench.backward(h)
    del h
    for _ in range(budget.warmup):
        bench.backward(bench.forward())
    t = Timings()
    start = time.perf_counter()
    while len(t.forward) < budget.max_repeats:
        t0 = clock()
        h = bench.forward()
        t1 = clock()
        bench.backward(h)
        del h  # freeing the graph is part of a step, as in a user's loop
        t2 = clock()
        t.forward.append(t1 - t0)
        t.backward.append(t2 - t1)
        if len(t.forward) >= budget.min_repeats and time.perf_counter() - start > budget.seconds:
            break
    peak = peak_rss()
    total = t.total
    return {
        "first_value": first,
        "clock": budget.clock,
        "repeats": len(total),
        "median": statistics.median(total),
        "min": min(total),
        "forward_median": statistics.median(t.forward),
        "backward_median": statistics.median(t.backward),
        "forward_min": min(t.forward),
        "backward_min": min(t.backward),
        "rss_baseline": rss0,
        "peak_rss": peak,
        "peak_delta": max(0, peak - rss0) if can_reset else None,
        "note": bench.note,
    }
