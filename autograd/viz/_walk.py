"""Walk a backward graph breadth-first from its outputs (iteratively: graphs can be 100,000+ deep).

The walk fixes the drawing order: gates and leaves are numbered in the order the walk first meets
them, never by ``id()``, so the same computation always yields the same DOT text.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..tensor import Tensor


@dataclass
class Walk:
    """What is reachable from some outputs.

    ``order`` lists every gate (a recorded Tensor: its own node, and its own output, which the
    drawing shows as a second box) and every leaf ``Tensor`` in breadth-first discovery order
    from the outputs; ``consumers`` maps a tensor (Tensors hash by identity, so every tensor is
    its own key, compared by ``is``, never elementwise) to the gates that use it.
    """

    outputs: list[Tensor]
    order: list[Tensor] = field(default_factory=list)
    consumers: dict[Tensor, list[Tensor]] = field(default_factory=dict)

    @property
    def gates(self) -> list[Tensor]:
        return [item for item in self.order if item.gate is not None]


def walk(outputs: Iterable[Tensor], consumers: bool = False) -> Walk:
    """Breadth-first walk from ``outputs`` over every gate and leaf that feeds them; with
    ``consumers``, also record which gates use each tensor (collapsing needs it)."""
    w = Walk(list(outputs))
    seen: set[Tensor] = set()
    queue: deque[Tensor] = deque()
    order, users = w.order, w.consumers

    for t in w.outputs:
        if t not in seen:
            seen.add(t)
            order.append(t)
            if t.gate is not None:
                queue.append(t)
    while queue:  # the hot loop: a 100,000-gate graph passes here 100,000 times
        node = queue.popleft()
        for t in node.inputs:
            if consumers:
                users.setdefault(t, []).append(node)
            if t in seen:
                continue
            seen.add(t)
            order.append(t)
            if t.gate is not None:  # a gate: walk on through its inputs
                queue.append(t)
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
    for t in w.gates:
        if not t.retains_grad:
            t.retain_grad()
            changed += 1
    return changed
