"""Backward graph -> DOT text.

Layout of the drawing (forward direction, inputs at the top, outputs at the bottom):

- a *gate* node (ellipse) per recorded gate application, labelled with the gate's name, its
  gradient rule as tooltip; edges from its inputs carry the input's slot number when it has more
  than one input, so ``x * x`` shows two edges, ``0`` and ``1``;
- a *tensor* node (record) per tensor: its name (parameter name, ``output``, ``leaf`` or
  ``constant``), shape and dtype, value summary and gradient summary, filled by gradient class;
- a *cluster* per module scope (a recorded tensor's ``scope``), nested by dotted name;
- a *box* per collapsed scope, standing for all its gates, their intermediate tensors and the
  leaves only it uses; the tensors it passes on are still drawn;
- one *summary* node for whatever ``max_nodes`` left out, with edges into the gates it feeds.

Units (a gate with its output tensor, a box with the tensors it passes on, a leaf) are drawn in
breadth-first order from the outputs until the next one would exceed ``max_nodes``; node ids
(``n0``, ``n1``…) follow that order.
"""

from __future__ import annotations

import fnmatch
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..graph import Node
from ..tensor import Tensor
from . import _format as fmt
from ._walk import Walk, box

RANKDIRS = ("TB", "LR", "BT", "RL")
GATE_FILL = "#f0f0f0"
ATTR_REPR_MAX = 80  # gate arguments longer than this are left out of the tooltip
BOX_LEAVES_LISTED = 8  # a collapsed box lists this many of the leaves folded into it


@dataclass(frozen=True)
class Options:
    """Everything :func:`autograd.viz.draw` can be told, checked once."""

    show_values: bool = True
    show_grads: bool = True
    show_constants: bool = True
    max_nodes: int | None = 300
    collapse: Any = None
    color_by: str | None = "grad_norm"
    grad_thresholds: tuple[float, float] = (1e-5, 1e3)
    rankdir: str = "TB"
    title: str | None = None

    def __post_init__(self) -> None:
        if self.max_nodes is not None and self.max_nodes < 0:
            raise ValueError(f"draw: max_nodes must be >= 0 or None, got {self.max_nodes}")
        if self.color_by not in (None, "grad_norm"):
            raise ValueError(f"draw: color_by must be 'grad_norm' or None, got {self.color_by!r}")
        if self.rankdir not in RANKDIRS:
            raise ValueError(f"draw: rankdir must be one of {RANKDIRS}, got {self.rankdir!r}")
        lo, hi = self.grad_thresholds
        if not 0 <= lo <= hi:
            raise ValueError(
                f"draw: grad_thresholds must be (low, high) with 0 <= low <= high, got {self.grad_thresholds}"
            )


@dataclass(frozen=True)
class Stats:
    """How much of the graph a drawing shows (``Graph.stats``)."""

    gates: int  # gates reachable from the outputs
    tensors: int  # tensors reachable (gate outputs and leaves, hidden constants included)
    drawn_gates: int  # gates drawn, as their own node or inside a collapsed box
    drawn_nodes: int  # DOT nodes for gates, tensors and boxes (at most max_nodes)
    omitted_gates: int
    omitted_tensors: int


# --- collapse keys -----------------------------------------------------------------------------


def _prefixes(scope: str) -> list[str]:
    parts = scope.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _parent(scope: str) -> str | None:
    return scope.rsplit(".", 1)[0] if "." in scope else None


def collapse_key(scope: str | None, collapse: Any) -> str | None:
    """The scope that a gate recorded in ``scope`` is folded into, or None to draw it.

    ``collapse``: None/False (nothing), True (every scope: one box per innermost module), an int n
    (the scope cut to its first n dotted parts: 1 = one box per top-level module), or a pattern
    or list of ``fnmatch`` patterns (the shortest dotted prefix of the scope that matches one:
    ``"encoder"`` folds all of encoder, ``"rnn.step*"`` one box per RNN step).
    """
    if not scope or collapse is None or collapse is False:
        return None
    if collapse is True:
        return scope
    if isinstance(collapse, int):
        return ".".join(scope.split(".")[:collapse]) if collapse > 0 else None
    patterns = [collapse] if isinstance(collapse, str) else list(collapse)
    for prefix in _prefixes(scope):
        if any(fnmatch.fnmatchcase(prefix, p) for p in patterns):
            return prefix
    return None


# --- the builder -------------------------------------------------------------------------------


class _Builder:
    def __init__(self, w: Walk, names: Mapping[Tensor, str], opts: Options) -> None:
        self.w = w
        self.names = names
        self.opts = opts
        self.vertical = opts.rankdir in ("TB", "BT")
        self.outputs = {w.key(t): i for i, t in reversed(list(enumerate(w.outputs)))}
        self.ids: dict[object, str] = {}  # ("t", tensor) / ("gate", node) / ("box", k) -> id
        self.cluster_items: dict[str | None, list[str]] = {None: []}
        self.edges: list[str] = []
        self.classes_seen: set[str] = set()

    # --- ids and placement ---

    def new_id(self, key: object) -> str:
        ident = f"n{len(self.ids)}"
        self.ids[key] = ident
        return ident

    def put(self, cluster: str | None, statement: str) -> None:
        self.cluster_items.setdefault(cluster, []).append(statement)

    # --- node statements ---

    def name_of(self, key: Any) -> str | None:
        """A box's name: the name given for its tensor (a gate's output tensor, or the leaf)."""
        t = self.w.out.get(key) if type(key) is Node else key
        return self.names.get(t) if isinstance(t, Tensor) else None

    def tensor_node(self, key: Any, cluster: str | None) -> None:
        ident = self.new_id(("t", key))
        info = box(self.w, key)
        name = self.name_of(key)
        fields = []
        out_index = self.outputs.get(key)
        if out_index is not None:
            title = "output" if len(self.w.outputs) == 1 else f"output {out_index}"
            fields.append(f"{name} ({title})" if name else title)
        elif name:
            fields.append(name)
        elif info.leaf:
            fields.append("leaf" if info.requires_grad else "constant")
        if info.shape is not None:
            fields.append(f"{tuple(info.shape)} {info.dtype.name}")
        if self.opts.show_values:
            fields.append(
                "value " + fmt.summary(info.data) if info.data is not None else "value released"
            )
        grad = info.grad
        gnorm = fmt.norm(grad) if grad is not None else 0.0
        if self.opts.show_grads and grad is not None:
            fields.append("grad " + fmt.grad_summary(grad, gnorm))
        attrs = [f"label={fmt.record_label(fields, self.vertical)}", "shape=record"]
        style = ["filled"]
        fill = "white"
        if self.opts.color_by == "grad_norm" and grad is not None:
            cls = fmt.grad_class(grad, *self.opts.grad_thresholds, gnorm)
            self.classes_seen.add(cls)
            fill = fmt.GRAD_CLASSES[cls][0]
            attrs.append(f"tooltip={fmt.quoted('gradient: ' + cls)}")
        if info.leaf and not info.requires_grad:
            style.append("dashed")
        if out_index is not None:
            attrs.append("penwidth=2")
        attrs.append(f'style="{",".join(style)}"')
        attrs.append(f'fillcolor="{fill}"')
        self.put(cluster, f"{ident} [{', '.join(attrs)}]")

    def gate_node(self, node: Node) -> str:
        ident = self.new_id(("gate", node))
        tip = f"{node.gate.name}: {node.gate.rule}"
        if node.attrs is not None:
            args = repr(node.attrs)
            if len(args) <= ATTR_REPR_MAX:
                tip += f"\nargs: {args}"
        label = fmt.quoted(node.gate.name)
        self.put(
            node.scope or None,
            f'{ident} [label={label}, shape=ellipse, style=filled, fillcolor="{GATE_FILL}", '
            f"tooltip={fmt.quoted(tip)}]",
        )
        return ident

    def box_node(
        self, key: str, nodes: list[Node], absorbed: list[Any], cluster: str | None
    ) -> str:
        ident = self.new_id(("box", key))
        kinds = Counter(n.gate.name for n in nodes)
        gates = ", ".join(f"{k} x{c}" if c > 1 else k for k, c in kinds.most_common())
        fields = [key, f"{len(nodes)} gate{'s' if len(nodes) != 1 else ''}: {gates}"]
        worst = None
        for i, t in enumerate(absorbed):
            info = box(self.w, t)
            gnorm = fmt.norm(info.grad) if info.grad is not None else None
            if i < BOX_LEAVES_LISTED:
                name = self.name_of(t) or ("leaf" if info.requires_grad else "constant")
                line = f"{name} {tuple(info.shape or ())}"
                if self.opts.show_grads and gnorm is not None:
                    line += f" grad norm {gnorm:.4g}"
                fields.append(line)
            if self.opts.color_by == "grad_norm" and gnorm is not None:
                cls = fmt.grad_class(info.grad, *self.opts.grad_thresholds, gnorm)  # type: ignore[arg-type]
                self.classes_seen.add(cls)
                if worst is None or _SEVERITY[cls] > _SEVERITY[worst]:
                    worst = cls
        if len(absorbed) > BOX_LEAVES_LISTED:
            fields.append(f"... and {len(absorbed) - BOX_LEAVES_LISTED:,} more leaves")
        fill = fmt.GRAD_CLASSES[worst][0] if worst else GATE_FILL
        tip = f"collapsed scope {key}: " + ", ".join(f"{k} x{c}" for k, c in sorted(kinds.items()))
        self.put(
            cluster,
            f"{ident} [label={fmt.record_label(fields, self.vertical)}, shape=record, "
            f'style="filled,rounded,bold", fillcolor="{fill}", tooltip={fmt.quoted(tip)}]',
        )
        return ident

    def edge(self, src: str, dst: str, slot: int | None = None, style: str | None = None) -> None:
        attrs = []
        if slot is not None:
            attrs.append(f'label="{slot}"')
        if style:
            attrs.append(f"style={style}")
        self.edges.append(f"{src} -> {dst}" + (f" [{', '.join(attrs)}]" if attrs else ""))


#: Which gradient class a collapsed box takes from the leaves inside it: the most alarming one.
_SEVERITY = {"healthy": 0, "vanishing": 1, "exploding": 2, "nonfinite": 3}


def build(w: Walk, names: Mapping[Tensor, str], opts: Options) -> tuple[str, Stats]:
    """The DOT text for walk ``w`` and what it shows."""
    for t in names:  # a named intermediate the user still holds shows its value and gradient
        if t.grad_fn is not None:
            w.out.setdefault(t.grad_fn, t)
    b = _Builder(w, names, opts)

    # Which gates fold into which box, and which leaves only a box uses.
    key_of: dict[Any, str | None] = {}  # only boxed gates are in it
    box_nodes: dict[str, list[Node]] = {}
    if opts.collapse is not None and opts.collapse is not False:
        for node in w.gates:
            k = collapse_key(node.scope, opts.collapse)
            if k is not None:
                key_of[node] = k
                box_nodes.setdefault(k, []).append(node)
    absorbed: dict[str, list[Any]] = {}
    absorbed_leaves: set[Any] = set()
    if box_nodes:
        for item in w.order:
            # parameters (leaves that require grad) and scalar literals (eps, scales) go inside
            # the box that alone uses them; data inputs stay outside
            if (
                type(item) is not Node  # a leaf
                and (item.requires_grad or item.data.size <= 1)
                and item not in b.outputs
            ):
                users = {key_of.get(n) for n in w.consumers.get(item, ())}
                if len(users) == 1 and None not in users:
                    absorbed.setdefault(users.pop(), []).append(item)  # type: ignore[arg-type]
                    absorbed_leaves.add(item)

    def passes_on(node: Node) -> bool:
        """Whether a boxed gate's output leaves its box (used outside, or a graph output)."""
        k = key_of[node]
        return node in b.outputs or any(key_of.get(c) != k for c in w.consumers.get(node, ()))

    # Units in walk order, cut at max_nodes.
    units: list[tuple[str, Any, int]] = []  # (kind, payload, DOT nodes it costs)
    for item in w.order:
        if type(item) is Node:  # a gate
            k = key_of.get(item) if key_of else None
            if k is None:
                units.append(("gate", item, 2))
            elif item is box_nodes[k][0]:
                boundary = [n for n in box_nodes[k] if passes_on(n)]
                units.append(("box", (k, boundary), 1 + len(boundary)))
        elif item in absorbed_leaves:
            continue
        elif opts.show_constants or item.requires_grad:
            units.append(("leaf", item, 1))
    budget = opts.max_nodes
    drawn: list[tuple[str, Any, int]] = []
    spent = 0
    for unit in units:
        if budget is not None and spent + unit[2] > budget:
            break
        drawn.append(unit)
        spent += unit[2]
    left_out = units[len(drawn) :]

    # Clusters: every scope of a drawn gate or box, with its dotted ancestors.
    scopes: set[str] = set()
    for kind, payload, _ in drawn:
        s = payload.scope if kind == "gate" else _parent(payload[0]) if kind == "box" else None
        if s:
            scopes.update(_prefixes(s))

    # A parameter named "fc1.weight" joins cluster "fc1", or the one scope ending in ".fc1"
    # (parameter names are relative to the module they came from).
    by_suffix: dict[str, list[str]] = {}
    for s in sorted(scopes):
        parts = s.split(".")
        for i in range(1, len(parts)):
            by_suffix.setdefault(".".join(parts[i:]), []).append(s)

    def leaf_cluster(t: Any) -> str | None:
        name = b.name_of(t)
        module = _parent(name) if name else None
        if module is None:
            return None
        if module in scopes:
            return module
        matches = by_suffix.get(module, [])
        return matches[0] if len(matches) == 1 else None

    # Nodes, in drawing order.
    for kind, payload, _ in drawn:
        if kind == "gate":
            b.gate_node(payload)
            b.tensor_node(payload, payload.scope or None)  # the gate's output
        elif kind == "box":
            k, boundary = payload
            cluster = k if k in scopes else _parent(k)  # inside its own cluster if one exists
            b.box_node(k, box_nodes[k], absorbed.get(k, []), cluster)
            for n in boundary:
                b.tensor_node(n, cluster)
        else:
            b.tensor_node(payload, leaf_cluster(payload))

    # Edges: into each gate in slot order, then gate -> output; boxes likewise.
    omitted_id = "omitted"
    for kind, payload, _ in drawn:
        if kind == "gate":
            node = payload
            ident = b.ids[("gate", node)]
            many = len(node.next) > 1
            for slot, t in enumerate(w.sources[node]):
                if t is None:
                    continue  # a constant the released graph no longer holds
                src = b.ids.get(("t", t))
                if src is None:
                    if type(t) is not Node and not t.requires_grad and not opts.show_constants:
                        continue
                    src = omitted_id
                b.edge(src, ident, slot if many else None, "dashed" if src == omitted_id else None)
            b.edge(ident, b.ids[("t", node)])
        elif kind == "box":
            k, boundary = payload
            ident = b.ids[("box", k)]
            sources: dict[str, None] = {}  # ordered set: one edge per source
            for node in box_nodes[k]:
                for t in w.sources[node]:
                    if t is None or key_of.get(t) == k or t in absorbed_leaves:
                        continue
                    src = b.ids.get(("t", t))
                    if src is None:
                        if type(t) is not Node and not t.requires_grad and not opts.show_constants:
                            continue
                        src = omitted_id
                    sources.setdefault(src)
            for src in sources:
                b.edge(src, ident, None, "dashed" if src == omitted_id else None)
            for n in boundary:
                b.edge(ident, b.ids[("t", n)])

    # What max_nodes left out.
    omitted_gates = Counter[str]()
    omitted_tensors = 0
    for kind, payload, _ in left_out:
        if kind == "gate":
            omitted_gates[payload.gate.name] += 1
            omitted_tensors += 1
        elif kind == "box":
            k, boundary = payload
            omitted_gates.update(n.gate.name for n in box_nodes[k])
            omitted_tensors += len(box_nodes[k]) + len(absorbed.get(k, []))
        else:
            omitted_tensors += 1
    n_gates = len(w.gates)
    n_omitted = sum(omitted_gates.values())
    if left_out:
        text = _omitted_text(omitted_gates, omitted_tensors, opts.max_nodes)
        b.put(None, f"{omitted_id} [label={fmt.quoted(text)}, shape=note, style=dashed]")

    stats = Stats(
        gates=n_gates,
        tensors=len(w.order),
        drawn_gates=n_gates - n_omitted,
        drawn_nodes=spent,
        omitted_gates=n_omitted,
        omitted_tensors=omitted_tensors,
    )
    return _assemble(b), stats


def _omitted_text(gates: Counter[str], tensors: int, max_nodes: int | None) -> str:
    n = sum(gates.values())
    head = f"not drawn (max_nodes={max_nodes}):\n{n:,} gate{'s' if n != 1 else ''}, {tensors:,} tensor{'s' if tensors != 1 else ''}"
    if not gates:
        return head
    common = sorted(gates.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k} x{c:,}" for k, c in common[:6])
    more = f", {len(common) - 6} more kinds" if len(common) > 6 else ""
    return f"{head}\n{shown}{more}"


# --- assembling the text -----------------------------------------------------------------------


def _legend(b: _Builder) -> list[str]:
    """A row of colour swatches, one per gradient class, beside the graph."""
    if b.opts.color_by != "grad_norm" or not b.classes_seen:
        return []
    lo, hi = b.opts.grad_thresholds
    ids = [f"legend{i}" for i in range(len(fmt.GRAD_CLASSES))]
    lines = [
        "subgraph cluster_legend {",
        '  label="gradient norm"; style="rounded"; color="#999999"; fontsize=9;',
        '  node [shape=box, style=filled, fontsize=8, height=0.2, margin="0.06,0.02"]',
    ]
    for ident, (colour, text) in zip(ids, fmt.GRAD_CLASSES.values()):
        lines.append(
            f'  {ident} [label={fmt.quoted(text.format(lo=lo, hi=hi))}, fillcolor="{colour}"]'
        )
    lines.append("  {rank=same; " + "; ".join(ids) + "}")  # one row (one column when LR)
    lines.append("}")
    return lines


def _assemble(b: _Builder) -> str:
    opts = b.opts
    lines = ["digraph autograd {"]
    graph_attrs = [
        f"rankdir={opts.rankdir}",
        "newrank=true",
        'fontname="Helvetica,Arial,sans-serif"',
    ]
    if opts.title:
        graph_attrs += [f"label={fmt.quoted(opts.title)}", "labelloc=t"]
    lines.append(f"  graph [{', '.join(graph_attrs)}]")
    lines.append('  node [fontname="Helvetica,Arial,sans-serif", fontsize=10]')
    lines.append('  edge [fontname="Helvetica,Arial,sans-serif", fontsize=9, arrowsize=0.7]')

    # Cluster tree in order of first use; every used scope's ancestors exist.
    children: dict[str | None, list[str]] = {None: []}
    for scope in [s for s in b.cluster_items if s is not None]:
        for p in _prefixes(scope):
            if p not in children:
                children[p] = []
                children[_parent(p)].append(p)
    cluster_no = {s: i for i, s in enumerate(s for s in children if s is not None)}

    stack: list[tuple[str, str | None, int]] = [("open", None, 1)]
    while stack:
        what, s, depth = stack.pop()
        pad = "  " * depth
        if what == "close":
            lines.append("  " * (depth - 1) + "}")
            continue
        if s is not None:
            lines.append("  " * (depth - 1) + f"subgraph cluster_{cluster_no[s]} {{")
            lines.append(
                f'{pad}label={fmt.quoted(s)}; labeljust=l; style="rounded,dashed"; color="#888888";'
            )
            stack.append(("close", s, depth))
        lines.extend(pad + st for st in b.cluster_items.get(s, ()))
        for child in reversed(children.get(s, [])):
            stack.append(("open", child, depth + 1))
    lines.extend("  " + e for e in b.edges)
    lines.extend("  " + line for line in _legend(b))
    lines.append("}")
    return "\n".join(lines) + "\n"
