"""The engine's long-chain figure: forward and backward through 100,000 elementwise gates.

Checks what the engine promises of ``backward``: no RecursionError, under 2 s, and memory back to its
baseline afterwards. Times are CPU time of the process (wall-clock time is recorded too). The garbage collector is off while the chain lives, so only reference counting
can free the graph; ``gc.collect()`` afterwards reports how many objects it still had to find.
For gategrad, a second pass under ``tracemalloc`` counts the bytes still allocated after ``del``.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from .harness import NotAvailable, current_rss, peak_rss, reset_peak_rss
from .spec import make_data

CHAIN_GATES = 100_000


def _gategrad_chain(d: dict[str, np.ndarray]) -> tuple[Any, Callable[[int], Any]]:
    import autograd as ag

    x = ag.tensor(d["x"].copy(), requires_grad=True)
    a, b = ag.tensor(d["a"]), ag.tensor(d["b"])

    def forward(n: int) -> Any:
        y = x
        for _ in range(n // 4):
            y = (y + a) * b
            y = y.relu().tanh()
        return y.sum()

    return x, forward


def _torch_chain(d: dict[str, np.ndarray]) -> tuple[Any, Callable[[int], Any]]:
    try:
        import torch
    except ImportError:
        raise NotAvailable("torch is not installed") from None
    torch.set_num_threads(1)
    x = torch.from_numpy(d["x"].copy()).requires_grad_()
    a, b = torch.from_numpy(d["a"]), torch.from_numpy(d["b"])

    def forward(n: int) -> Any:
        y = x
        for _ in range(n // 4):
            y = (y + a) * b
            y = torch.tanh(torch.relu(y))
        return y.sum()

    return x, forward


CHAINS = {"gategrad": _gategrad_chain, "gategrad-ops": _gategrad_chain, "torch": _torch_chain}


def chain_figures(system: str, n: int = CHAIN_GATES) -> dict[str, Any]:
    """Time and memory of one forward + backward through an ``n``-gate chain on ``system``."""
    if system not in CHAINS:
        raise NotAvailable(f"the chain figure is measured for {', '.join(CHAINS)}")
    x, forward = CHAINS[system](make_data("W1"))
    forward(400).backward()  # warm every code path and allocator pool once
    x.grad = None
    gc.collect()
    gc.disable()
    try:
        rss0 = current_rss()
        reset_peak_rss()
        w0, t0 = time.perf_counter(), time.process_time()
        loss = forward(n)
        w1, t1 = time.perf_counter(), time.process_time()
        rss_graph = current_rss()
        loss.backward()
        w2, t2 = time.perf_counter(), time.process_time()
        rss_backward = current_rss()
        del loss
        t3 = time.process_time()
        rss_after = current_rss()
        peak = peak_rss()
        unreachable = gc.collect()
    finally:
        gc.enable()
    record = {
        "gates": n,
        "forward_s": t1 - t0,
        "backward_s": t2 - t1,
        "free_s": t3 - t2,
        "forward_wall_s": w1 - w0,
        "backward_wall_s": w2 - w1,
        "rss_before": rss0,
        "rss_with_graph": rss_graph,
        "rss_after_backward": rss_backward,
        "rss_after_del": rss_after,
        "peak_rss": peak,
        "gc_unreachable": unreachable,
    }
    if system.startswith("gategrad"):
        record.update(_traced(x, forward, n))
    return record


def _traced(x: Any, forward: Callable[[int], Any], n: int) -> dict[str, int]:
    """Bytes still allocated (tracemalloc) after one chain is built, run and deleted, and how much
    a second chain adds to that. The first residue is CPython's bounded free lists (tuples, ...);
    a leak would show as growth on the second."""
    x.grad = None
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        left = []
        for _ in range(2):
            loss = forward(n)
            loss.backward()
            del loss
            x.grad = None
            left.append(tracemalloc.get_traced_memory()[0] - before)
    finally:
        tracemalloc.stop()
    return {"traced_bytes_left": left[0], "traced_growth_second": left[1] - left[0]}
