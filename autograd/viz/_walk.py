"""Walk a backward graph breadth-first from its outputs (iteratively: graphs can be 100,000+ deep).

What the drawing calls a *box* is one value of the graph: either the output of a gate (keyed by
its node) or a leaf (keyed by the tensor). ``Box`` says what is known about it: before
``backward()`` the output tensors are still reachable through their consumers, so values show;
after a backward pass that released the graph, gates and their edges remain, leaves that require
grad keep their values and gradients, a gate's output shows what ``retain_grad`` kept (its
gradient, and its values when small), and constants are gone with the activations.

The walk fixes the drawing order: gates and leaves are numbered in the order the walk first meets
them, never by ``id()``, so the same computation always yields the same DOT text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..graph import Node
from ..tensor import Tensor


@dataclass
class Walk:
    """What is reachable from some outputs.

    ``order`` lists every gate (a ``Node``; the drawing shows its output as a second box) and
    every leaf ``Tensor`` in breadth-first discovery order from the outputs. ``sources[node]``
    gives, slot by slot, the box each input comes from (the feeding node for a gate output, the
    leaf itself, or None for a constant the released graph no longer has). ``out[node]`` is the
    output tensor when the walk met it. ``consumers`` maps a box key to the gates that use it.
    """

    outputs: list[Tensor]
    order: list[Any] = field(default_factory=list)
    sources: dict[Node, list[Any]] = field(default_factory=dict)
    out: dict[Node, Tensor] = field(default_factory=dict)
    consumers: dict[Any, list[Node]] = field(default_factory=dict)

    @property
    def gates(self) -> list[Node]:
        return [item for item in self.order if type(item) is Node]

    def key(self, t: Tensor) -> Any:
        """The box of an output tensor: its node, or itself for a leaf."""
        return t.grad_fn if t.grad_fn is not None else t


@dataclass
class Box:
    """What a box shows: the value (None once released), shape, dtype, gradient, kind."""

    data: np.ndarray | None
    shape: tuple[int, ...] | None  # None: a released output whose gradient was not kept
    dtype: Any
    grad: np.ndarray | None
    requires_grad: bool
    leaf: bool


def box(w: Walk, key: Any) -> Box:
    if type(key) is Node:
        t = w.out.get(key)
        if t is not None:
            grad = t.grad.data if t.grad is not None else None
            return Box(t.data, t.shape, t.dtype, grad, True, False)
        retained = getattr(key, "retained", None)
        grad = retained.data if retained is not None else None
        value = getattr(key, "value", None)
        known = grad if grad is not None else value
        shape, dtype = (known.shape, known.dtype) if known is not None else (None, None)
        return Box(value, shape, dtype, grad, True, False)
    grad = key.grad.data if key.grad is not None else None
    return Box(key.data, key.shape, key.dtype, grad, key.requires_grad, True)


def walk(outputs: Iterable[Tensor], consumers: bool = False) -> Walk:
    """Breadth-first walk from ``outputs`` over every gate and leaf that feeds them; with
    ``consumers``, also record which gates use each box (collapsing needs it)."""
    w = Walk(list(outputs))
    seen: set[int] = set()
    queue: deque[Node] = deque()
    order, users, sources, out = w.order, w.consumers, w.sources, w.out

    def meet(key: Any) -> None:
        if id(key) in seen:
            return
        seen.add(id(key))
        order.append(key)
        if type(key) is Node:
            queue.append(key)

    for t in w.outputs:
        k = w.key(t)
        if type(k) is Node:
            out.setdefault(k, t)
        meet(k)
    while queue:  # the hot loop: a 100,000-gate graph passes here 100,000 times
        node = queue.popleft()
        srcs = sources[node] = []
        inputs = node.inputs  # None once a backward pass released them
        for slot, edge in enumerate(node.next):
            if edge is None:  # a constant: drawn while the graph still holds it
                k = None if inputs is None else inputs[slot]
            else:
                k = edge
                if type(edge) is Node and inputs is not None and inputs[slot].grad_fn is edge:
                    out.setdefault(edge, inputs[slot])
            srcs.append(k)
            if k is None:
                continue
            if consumers:
                users.setdefault(k, []).append(node)
            meet(k)
    return w


def retain_grads(*outputs: Tensor) -> int:
    """Make every non-leaf tensor that feeds ``outputs`` keep its ``.grad`` after ``backward()``.

    Call it after the forward pass and before ``backward()``; :func:`draw` then shows the gradient
    of every intermediate tensor, not only the leaves'. Tensors that already retain their gradient
    are left alone (retaining twice would add the gradient twice). Returns how many tensors it
    changed.

    >>> f = (x + y) * z
    >>> retain_grads(f)
    2
    >>> f.backward()   # now (x + y).grad is kept too
    """
    w = walk(outputs)
    changed = 0
    for node in w.gates:
        t = w.out.get(node)
        if t is not None and not t.retains_grad:
            t.retain_grad()
            changed += 1
    return changed
