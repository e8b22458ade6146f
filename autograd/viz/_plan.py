"""What the drawing shows: every gate, or modules folded into boxes, within a size budget.

A *unit* is one node of the drawing: a gate (with its output tensor), a *box* (one module call,
a run of identical consecutive calls -- residual blocks, time steps -- or a loss function, folded
into one node), or a leaf (parameter, input, constant) that no box took in.

Which scopes fold into boxes (``collapse``): at *level* n, every gate whose module scope is at
least n dotted parts deep folds into the box of its scope cut to n parts (the root model's own
gates never fold: they are the glue between its children); a loss function's scope
(``"cross_entropy()"``) always folds, so a fused loss draws as one node. ``"auto"`` draws every
gate when that fits ``budget`` nodes, else the deepest level that fits. ``expand`` names scopes to
draw open: their children become the boxes (or their gates, when they have no children).

Boxes never make the drawing look cyclic: a box holds gates that ran one after another (a run of
consecutive recording numbers among the drawn gates), so every edge between units goes from an
earlier run to a later one. A module called twice is two boxes.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..graph import Node
from ..tensor import Tensor
from ._walk import Walk


@dataclass
class Scopes:
    """What is known about the module scopes: ``types`` maps a scope (a module's dotted name) to
    its class name; ``root`` is the scope of the model itself (its own gates never fold)."""

    types: dict[str, str] = field(default_factory=dict)
    root: str | None = None

    def label(self, scope: str) -> str:
        """``Linear fc1``; the scope alone when its type is unknown or is its name."""
        if scope.endswith("()"):  # a function's scope: its name is the label
            return scope.rsplit(".", 1)[-1][:-2]
        kind = self.types.get(scope)
        return f"{kind} {scope}" if kind and kind != scope else scope


@dataclass
class Unit:
    """One node of the drawing. ``kind`` is "gate", "box" or "leaf"; ``gates`` the gates it
    stands for (in recording order); ``keys`` the scope of each call in a box (one per repeat)."""

    kind: str
    gates: list[Node] = field(default_factory=list)
    leaf: Tensor | None = None
    keys: list[str] = field(default_factory=list)
    absorbed: list[Tensor] = field(default_factory=list)  # leaves only this box uses

    @property
    def repeats(self) -> int:
        return len(self.keys)


@dataclass
class Plan:
    units: list[Unit]  # in walk order: from the outputs towards the inputs
    unit_of: dict[int, Unit]  # id(node or leaf) -> the unit that draws it
    level: int | None  # the collapse level used (None: no module folded)


def _matches(scope: str, patterns: list[str]) -> bool:
    return any(fnmatch.fnmatchcase(scope, p) for p in patterns)


def _patterns(spec: Any) -> list[str]:
    if spec is None or spec is False:
        return []
    if isinstance(spec, str):
        return [spec]
    return [str(p) for p in spec]


class Folding:
    """Decides the box key of a scope for one collapse setting."""

    def __init__(self, collapse: Any, level: int | None, expand: Any, scopes: Scopes) -> None:
        self.everything_open = expand is True
        self.expand = [] if expand is True else _patterns(expand)
        self.scopes = scopes
        self.off = collapse is None or collapse is False
        self.innermost = collapse is True
        self.patterns = _patterns(collapse) if isinstance(collapse, (str, list, tuple)) else []
        if collapse == "auto":
            self.patterns = []
        self.level = level
        self._cache: dict[str | None, str | None] = {}

    def key(self, scope: str | None) -> str | None:
        """The box a gate recorded in ``scope`` folds into, or None to draw the gate itself."""
        if scope in self._cache:
            return self._cache[scope]
        k = self._key(scope)
        self._cache[scope] = k
        return k

    def _key(self, scope: str | None) -> str | None:
        if not scope or self.off or self.everything_open:
            return None
        parts = scope.split(".")
        start = 1 if self.scopes.root is not None and parts[0] == self.scopes.root else 0
        for i in range(start + 1, len(parts) + 1):
            prefix = ".".join(parts[:i])
            if _matches(prefix, self.expand):
                continue
            depth = i - start
            if parts[i - 1].endswith("()"):
                return prefix  # a loss function: one node
            if self.innermost and i == len(parts):
                return prefix
            if self.patterns and _matches(prefix, self.patterns):
                return prefix
            if self.level is not None and depth >= self.level:
                return prefix
        return None


def collapse_key(scope: str | None, collapse: Any) -> str | None:
    """The scope that a gate recorded in ``scope`` is folded into, or None to draw it.

    ``collapse``: None/False (nothing), True (every scope: one box per innermost module), an int n
    (the scope cut to its first n dotted parts: 1 = one box per top-level module), or a pattern
    or list of ``fnmatch`` patterns (the shortest dotted prefix of the scope that matches one:
    ``"encoder"`` folds all of encoder, ``"rnn.step*"`` one box per RNN step). A loss function's
    scope (``"cross_entropy()"``) folds whenever anything does.
    """
    if isinstance(collapse, bool) or collapse is None or not isinstance(collapse, int):
        return Folding(collapse, None, None, Scopes()).key(scope)
    return Folding("auto", collapse, None, Scopes()).key(scope) if collapse > 0 else None


def depth(scopes: Iterable[str | None], known: Scopes) -> int:
    """The deepest module nesting among ``scopes`` (the root model's own scope not counted)."""
    deepest = 0
    for s in scopes:
        if s:
            parts = s.split(".")
            n = len(parts) - (1 if known.root is not None and parts[0] == known.root else 0)
            deepest = max(deepest, n)
    return deepest


# --- building units ----------------------------------------------------------------------------


def _runs(w: Walk, fold: Folding) -> list[tuple[str | None, list[Node]]]:
    """The drawn gates in recording order, cut into runs of consecutive gates with the same box
    key (key None: each gate on its own)."""
    runs: list[tuple[str | None, list[Node]]] = []
    for node in sorted(w.gates, key=lambda n: n.seq):
        k = fold.key(node.scope)
        if k is not None and runs and runs[-1][0] == k:
            runs[-1][1].append(node)
        else:
            runs.append((k, [node]))
    return runs


def _signature(w: Walk, gates: list[Node]) -> tuple[Any, ...]:
    """What must agree for two module calls to count as repeats: the gates, in order, and the
    shapes of the parameters they use."""
    params = []
    for n in gates:
        for src in w.sources[n]:
            if type(src) is not Node and src is not None and src.requires_grad:
                params.append(src.shape)
    return tuple(n.gate.name for n in gates), tuple(params)


def _parent(scope: str) -> str:
    return scope.rsplit(".", 1)[0] if "." in scope else ""


def _feeds(w: Walk, earlier: list[Node], later: list[Node]) -> bool:
    ids = {id(n) for n in earlier}
    return any(id(src) in ids for n in later for src in w.sources[n])


def plan(
    w: Walk,
    fold: Folding,
    repeats: bool,
    keep_outside: set[int],
    aliases: dict[int, Tensor],
    show_constants: bool,
    level: int | None = None,
) -> Plan:
    """The units for one folding. ``repeats``: merge consecutive identical sibling calls into one
    box; ``keep_outside``: ids of leaves never folded into a box (outputs); ``aliases``: leaves
    drawn as one named input node (id of the leaf -> the input)."""
    units: list[Unit] = []
    unit_of: dict[int, Unit] = {}
    previous: tuple[Any, ...] | None = None  # (parent, type, signature) of the last box
    for k, gates in _runs(w, fold):
        if k is None:
            unit = Unit("gate", gates)
            previous = None
        else:
            sig = (_parent(k), fold.scopes.types.get(k), _signature(w, gates))
            last = units[-1] if units else None
            if (
                repeats
                and previous is not None
                and last is not None
                and previous == sig
                and not k.endswith("()")
                and _feeds(w, last.gates[-len(gates) :], gates)
            ):
                last.gates.extend(gates)
                last.keys.append(k)
                for n in gates:
                    unit_of[id(n)] = last
                continue
            unit = Unit("box", gates, keys=[k])
            previous = sig
        units.append(unit)
        for n in gates:
            unit_of[id(n)] = unit

    # Leaves: a leaf only one box uses goes inside it (parameters, literals, masks); named
    # inputs and their views are one node each, outside, where the reader looks for inputs.
    users: dict[int, set[int]] = {}
    for node in w.gates:
        for src in w.sources[node]:
            if src is not None and type(src) is not Node:
                users.setdefault(id(src), set()).add(id(unit_of[id(node)]))
    by_id = {id(u): u for u in units}
    for item in w.order:
        if type(item) is Node:
            continue
        named = aliases.get(id(item))
        if named is not None:
            shared = unit_of.get(id(named))
            if shared is None:
                shared = unit_of[id(named)] = Unit("leaf", leaf=named)
                units.append(shared)
            unit_of[id(item)] = shared
            continue
        owners = users.get(id(item), set())
        if len(owners) == 1 and id(item) not in keep_outside:
            owner = by_id[next(iter(owners))]
            if owner.kind == "box":
                owner.absorbed.append(item)
                unit_of[id(item)] = owner
                continue
        if show_constants or item.requires_grad:
            leaf = Unit("leaf", leaf=item)
            units.append(leaf)
            unit_of[id(item)] = leaf

    # Walk order (outputs first): the order nodes are numbered and max_nodes cuts in.
    rank: dict[int, int] = {}
    for i, item in enumerate(w.order):
        u = unit_of.get(id(item))
        if u is not None:
            rank.setdefault(id(u), i)
    units.sort(key=lambda u: rank.get(id(u), len(w.order)))
    return Plan(units, unit_of, level)


def choose(
    w: Walk,
    collapse: Any,
    expand: Any,
    scopes: Scopes,
    budget: int | None,
    repeats: bool,
    keep_outside: set[int],
    aliases: dict[int, Tensor],
    show_constants: bool,
) -> Plan:
    """The plan for ``collapse``; for ``"auto"``, the most detailed one within ``budget``."""
    if collapse != "auto":
        level = collapse if isinstance(collapse, int) and not isinstance(collapse, bool) else None
        if level is not None:
            if level <= 0:
                collapse, level = None, None
            else:
                collapse = "auto"
        fold = Folding(collapse, level, expand, scopes)
        return plan(w, fold, repeats, keep_outside, aliases, show_constants, level)
    best = plan(
        w, Folding("auto", None, expand, scopes), repeats, keep_outside, aliases, show_constants
    )
    if budget is None or len(best.units) <= budget:
        return best
    for level in range(depth((n.scope for n in w.gates), scopes), 0, -1):
        fold = Folding("auto", level, expand, scopes)
        best = plan(w, fold, repeats, keep_outside, aliases, show_constants, level)
        if len(best.units) <= budget:
            break
    return best
