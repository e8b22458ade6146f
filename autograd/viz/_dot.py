"""A plan (``_plan``) -> DOT text.

Layout of the drawing (forward direction, inputs at the top, outputs at the bottom):

- a *gate* node (rounded record) per gate drawn on its own: the gate's name, then what is known of
  its output tensor (shape and dtype, value, gradient); its gradient rule is the tooltip. Edges
  from its inputs carry the input's slot number when it has more than one input, so ``x * x``
  shows two edges, ``0`` and ``1``;
- a *box* (bold rounded record) per folded module call, run of repeated calls (``x3``) or loss
  function: its type and name, its gates, its parameter count, its output's shape;
- a *leaf* node (record) per parameter, named input (``input x``) or constant outside any box;
- a *cluster* per module scope of a drawn gate or box (``Linear fc1``), nested by dotted name;
- one *summary* node for whatever ``max_nodes`` left out, with edges into the units it feeds.

Nodes are filled by their gradient's class (zero, vanishing, healthy, exploding, NaN/inf) with a
legend beside the graph. Node ids (``n0``, ``n1``...) follow the walk from the outputs. Text is
set in DejaVu Sans, whose metrics Graphviz knows, so boxes are as wide as the text they hold.

We build the DOT text ourselves rather than with the ``graphviz`` package's ``Digraph``: every
label needs our own escaping anyway (record metacharacters, entities, control characters), and
``Digraph`` would pass a label such as ``<w>`` through as an HTML-like label; what it would save
is the few lines of ``_assemble`` below.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..graph import GATES, Node
from ..tensor import Tensor
from . import _format as fmt
from ._plan import Plan, Scopes, Unit
from ._walk import Walk, box

RANKDIRS = ("TB", "LR", "BT", "RL")
FONT = "DejaVu Sans"
GATE_FILL = "#f0f0f0"
BOX_FILL = "#e4e4f0"
ATTR_REPR_MAX = 80  # gate arguments longer than this are left out of the tooltip
TIP_LEAVES = 12  # a box's tooltip lists this many of the leaves folded into it


@dataclass(frozen=True)
class Options:
    """Everything :func:`autograd.viz.draw` can be told, checked once."""

    show_values: bool = True
    show_grads: bool = True
    show_constants: bool = True
    max_nodes: int | None = 300
    collapse: Any = "auto"
    expand: Any = None
    budget: int | None = 40
    repeats: bool = True
    color_by: str | None = "grad_norm"
    grad_thresholds: tuple[float, float] = (1e-5, 1e3)
    rankdir: str = "TB"
    title: str | None = None

    def __post_init__(self) -> None:
        for name in ("max_nodes", "budget"):
            v = getattr(self, name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise ValueError(f"draw: {name} must be an int >= 0 or None, got {v!r}")
        if self.color_by not in (None, "grad_norm"):
            raise ValueError(f"draw: color_by must be 'grad_norm' or None, got {self.color_by!r}")
        if self.rankdir not in RANKDIRS:
            raise ValueError(f"draw: rankdir must be one of {RANKDIRS}, got {self.rankdir!r}")
        if isinstance(self.collapse, str) and self.collapse != "auto" and not self.collapse:
            raise ValueError("draw: collapse must not be an empty string")
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
    drawn_gates: int  # gates drawn, as their own node or inside a box
    drawn_nodes: int  # DOT nodes for gates, boxes and leaves (at most max_nodes)
    omitted_gates: int
    omitted_tensors: int
    boxes: int = 0  # boxes among the drawn nodes
    level: int | None = None  # the collapse level chosen (None: no module folded)


#: Which gradient class a box takes from the leaves inside it: the most alarming one.
_SEVERITY = {"healthy": 0, "zero": 1, "vanishing": 2, "exploding": 3, "nonfinite": 4}


def _dash_range(first: str, last: str) -> str:
    """``stages.0`` .. ``stages.2`` -> ``stages.0–2``."""
    head, _, a = first.rpartition(".")
    head2, _, b = last.rpartition(".")
    if head != head2:
        return f"{first}–{last}"
    digits = len(a) - len(a.lstrip("abcdefghijklmnopqrstuvwxyz_"))  # step3 -> step, 3
    return f"{first}–{b[digits:] if b[:digits] == a[:digits] else b}"


class _Builder:
    def __init__(
        self, w: Walk, p: Plan, names: Mapping[Tensor, str], inputs: set[int], scopes: Scopes,
        opts: Options,
    ) -> None:  # fmt: skip
        self.w, self.p, self.names, self.inputs, self.scopes, self.opts = (
            w, p, names, inputs, scopes, opts,
        )  # fmt: skip
        self.vertical = opts.rankdir in ("TB", "BT")
        self.outputs = {id(w.key(t)): i for i, t in reversed(list(enumerate(w.outputs)))}
        self.ids: dict[int, str] = {}  # id(unit) -> node id
        self.cluster_items: dict[str | None, list[str]] = {None: []}
        self.edges: list[str] = []
        self.classes_seen: set[str] = set()

    def put(self, cluster: str | None, statement: str) -> None:
        self.cluster_items.setdefault(cluster, []).append(statement)

    def output_tag(self, key: Any) -> str | None:
        i = self.outputs.get(id(key))
        if i is None:
            return None
        return "output" if len(self.w.outputs) == 1 else f"output {i}"

    def grad_class(self, grad: Any, gnorm: float) -> str | None:
        if self.opts.color_by != "grad_norm" or grad is None:
            return None
        cls = fmt.grad_class(grad, *self.opts.grad_thresholds, gnorm)
        self.classes_seen.add(cls)
        return cls

    def tensor_fields(self, key: Any, fields: list[str]) -> str | None:
        """Shape, value and gradient of a gate's output or a leaf; returns its gradient class."""
        info = box(self.w, key)
        if info.shape is not None:
            fields.append(f"{tuple(info.shape)} {info.dtype.name}")
        if self.opts.show_values:
            fields.append(
                "value " + fmt.summary(info.data) if info.data is not None else "value released"
            )
        if info.grad is None:
            return None
        gnorm = fmt.norm(info.grad)
        if self.opts.show_grads:
            fields.append("grad " + fmt.grad_summary(info.grad, gnorm))
        return self.grad_class(info.grad, gnorm)

    def node(
        self, unit: Unit, cluster: str | None, fields: list[str], shape: str, style: list[str],
        fill: str, tip: str | None, output: bool,
    ) -> None:  # fmt: skip
        ident = f"n{len(self.ids)}"
        self.ids[id(unit)] = ident
        attrs = [f"label={fmt.record_label(fields, self.vertical)}", f"shape={shape}"]
        attrs.append(f'style="{",".join(["filled", *style])}"')
        attrs.append(f'fillcolor="{fill}"')
        if tip:
            attrs.append(f"tooltip={fmt.quoted(tip)}")
        if output:
            attrs.append("penwidth=2")
        self.put(cluster, f"{ident} [{', '.join(attrs)}]")

    # --- the three kinds of unit ---

    def gate_unit(self, unit: Unit, cluster: str | None, module: str | None = None) -> None:
        node = unit.gates[0]
        t = self.w.out.get(node)
        name = self.names.get(t) if t is not None else None
        title = f"{name} = {node.gate.name}" if name else node.gate.name
        tag = self.output_tag(node)
        fields = [module] if module else []
        fields.append(f"{title} ({tag})" if tag else title)
        cls = self.tensor_fields(node, fields)
        tip = f"{node.gate.name}: {node.gate.rule}"
        if node.attrs is not None and GATES.get(node.gate.name) is node.gate:
            # (a user Function's attrs are the engine's bookkeeping, not arguments to show)
            args = repr(node.attrs)
            if len(args) <= ATTR_REPR_MAX and " at 0x" not in args:  # no addresses: reproducible
                tip += f"\nargs: {args}"
        fill = fmt.GRAD_CLASSES[cls][0] if cls else GATE_FILL
        self.node(unit, cluster, fields, "record", ["rounded"], fill, tip, tag is not None)

    def leaf_unit(self, unit: Unit, cluster: str | None) -> None:
        t = unit.leaf
        assert t is not None
        name = self.names.get(t)
        if id(t) in self.inputs:
            title = f"input {name}"
        elif name:
            # inside its module's cluster "layers.0" (or "mlp.fc1"), "fc1.weight" is "weight"
            module, _, short = name.rpartition(".")
            inside = cluster is not None and module and (cluster + ".").endswith("." + module + ".")
            title = short if inside or cluster == module else name
        elif t.requires_grad:
            title = "leaf"
        else:
            title = "constant" if t.data.size <= 1 else "data"
        tag = self.output_tag(t)
        fields = [f"{title} ({tag})" if tag else title]
        cls = self.tensor_fields(t, fields)
        style = [] if t.requires_grad else ["dashed"]
        fill = fmt.GRAD_CLASSES[cls][0] if cls else "white"
        tip = "\n".join(x for x in (name, f"gradient: {cls}" if cls else None) if x) or None
        self.node(unit, cluster, fields, "record", style, fill, tip, tag is not None)

    def box_unit(self, unit: Unit, cluster: str | None) -> None:
        first, n = unit.keys[0], unit.repeats
        per_call = unit.gates[: len(unit.gates) // n]
        if n > 1:
            kind = self.scopes.types.get(first)
            title = f"{kind + ' ' if kind else ''}{_dash_range(first, unit.keys[-1])} ×{n}"
        else:
            title = self.scopes.label(first)
        outs = [g for g in unit.gates if self._leaves_box(g, unit)]
        tag = next((self.output_tag(g) for g in outs if self.output_tag(g)), None)
        fields = [f"{title} ({tag})" if tag else title]
        kinds = Counter(g.gate.name for g in per_call)
        fields.append(", ".join(f"{k} ×{c}" if c > 1 else k for k, c in kinds.items()))
        params = [t for t in unit.absorbed if t.requires_grad]
        if params:
            count = sum(t.data.size for t in params)
            fields.append(f"{count:,} parameter{'s' if count != 1 else ''}")
        if outs:
            info = box(self.w, outs[-1])
            if info.shape is not None:
                fields.append(f"out {tuple(info.shape)} {info.dtype.name}")
            if self.opts.show_values and info.data is not None and info.data.size <= fmt.TINY:
                fields.append("value " + fmt.summary(info.data))  # a loss: its value
        worst, norms, lines = None, [], []
        for t in unit.absorbed:
            info = box(self.w, t)
            line = f"{self.names.get(t) or ('leaf' if t.requires_grad else 'constant')} {tuple(t.shape)}"
            if info.grad is not None:
                gnorm = fmt.norm(info.grad)
                norms.append(gnorm)
                line += f" grad norm {gnorm:.4g}"
                cls = self.grad_class(info.grad, gnorm)
                if cls and (worst is None or _SEVERITY[cls] > _SEVERITY[worst]):
                    worst = cls
            lines.append(line)
        if norms and self.opts.show_grads:
            lo, hi = min(norms), max(norms)
            fields.append(f"grad norm {lo:.3g}" + (f" – {hi:.3g}" if hi != lo else ""))
        n_gates = len(unit.gates)
        tip = f"{title}: {n_gates} gate{'s' if n_gates != 1 else ''}"
        if lines:
            more = len(lines) - TIP_LEAVES
            tip += (
                "\n"
                + "\n".join(lines[:TIP_LEAVES])
                + (f"\n... and {more} more" if more > 0 else "")
            )
        fill = fmt.GRAD_CLASSES[worst][0] if worst else BOX_FILL
        self.node(unit, cluster, fields, "record", ["rounded", "bold"], fill, tip, tag is not None)

    def _leaves_box(self, g: Node, unit: Unit) -> bool:
        """Whether a boxed gate's output is used outside its box (or is a graph output)."""
        if id(g) in self.outputs:
            return True
        return any(self.p.unit_of.get(id(c)) is not unit for c in self.w.consumers.get(g, ()))

    def edge(self, src: str, dst: str, slot: Any = None, style: str | None = None) -> None:
        attrs = []
        if slot is not None:
            attrs.append(f'label="{slot}"')
        if style:
            attrs.append(f"style={style}")
        self.edges.append(f"{src} -> {dst}" + (f" [{', '.join(attrs)}]" if attrs else ""))


def _ranges(slots: list[int]) -> str:
    """[0, 1, 2, 5] -> "0–2, 5"."""
    parts: list[str] = []
    for i, v in enumerate(slots):
        if i and v == slots[i - 1] + 1:
            head = parts[-1].split("–")[0]
            parts[-1] = f"{head}–{v}"
        else:
            parts.append(str(v))
    return ", ".join(parts)


def _prefixes(scope: str) -> list[str]:
    parts = scope.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _parent(scope: str) -> str | None:
    return scope.rsplit(".", 1)[0] if "." in scope else None


def build(
    w: Walk, p: Plan, names: Mapping[Tensor, str], inputs: set[int], scopes: Scopes, opts: Options
) -> tuple[str, Stats]:
    """The DOT text for plan ``p`` of walk ``w`` and what it shows."""
    b = _Builder(w, p, names, inputs, scopes, opts)
    budget = opts.max_nodes
    drawn = p.units if budget is None else p.units[:budget]
    left_out = p.units[len(drawn) :]
    root = scopes.root

    def cluster_of_scope(s: str | None) -> str | None:
        if not s or s == root:
            return None
        return s

    # Clusters: the scope of every drawn gate, the parent of every drawn box.
    def home(u: Unit) -> str | None:
        if u.kind == "gate":
            return cluster_of_scope(u.gates[0].scope)
        if u.kind == "box":
            return cluster_of_scope(_parent(u.keys[0]))
        return None

    scopes_drawn: set[str] = set()
    for u in drawn:
        s = home(u)
        if s:
            scopes_drawn.update(x for x in _prefixes(s) if x != root)

    # A parameter named "fc1.weight" joins cluster "fc1", or the one scope ending in ".fc1"
    # (parameter names are relative to the module they came from).
    by_suffix: dict[str, list[str]] = {}
    for s in sorted(scopes_drawn):
        parts = s.split(".")
        for i in range(1, len(parts)):
            by_suffix.setdefault(".".join(parts[i:]), []).append(s)

    def leaf_cluster(t: Tensor) -> str | None:
        name = names.get(t)
        module = _parent(name) if name and id(t) not in inputs else None
        if module is None:
            return None
        if module in scopes_drawn:
            return module
        matches = by_suffix.get(module, [])
        return matches[0] if len(matches) == 1 else None

    homes = {id(u): home(u) if u.kind != "leaf" else leaf_cluster(u.leaf) for u in drawn}  # type: ignore[arg-type]

    # A module that is one gate and holds nothing else (ReLU, Flatten) gets no cluster of its
    # own: its gate node names it.
    content = Counter(homes.values())
    parents = Counter(_parent(s) for s in scopes_drawn)
    module_of: dict[int, str] = {}
    for u in drawn:
        s = homes[id(u)]
        if u.kind == "gate" and s and content[s] == 1 and not parents[s]:
            module_of[id(u)] = b.scopes.label(s)
            up = _parent(s)
            homes[id(u)] = None if up == root else up

    for u in drawn:
        if u.kind == "gate":
            b.gate_unit(u, homes[id(u)], module_of.get(id(u)))
        elif u.kind == "box":
            b.box_unit(u, homes[id(u)])
        else:
            b.leaf_unit(u, homes[id(u)])

    # Edges: into each unit from the units its gates read, in slot order. A box is one node for
    # several tensors: its edges into one gate merge, labelled with the slots they fill.
    omitted_id = "omitted"
    for u in drawn:
        if u.kind == "leaf":
            continue
        ident = b.ids[id(u)]
        slots: dict[str, list[int]] = {}  # source node id -> slots, in order
        for node in u.gates:
            many = u.kind == "gate" and len(node.next) > 1
            for slot, src in enumerate(w.sources[node]):
                if src is None:
                    continue  # a constant the released graph no longer holds
                src_unit = p.unit_of.get(id(src))
                if src_unit is u or src_unit is None:
                    continue  # inside the box, or a hidden constant
                src_id = b.ids.get(id(src_unit), omitted_id)
                merge = u.kind == "box" or src_id == omitted_id or src_unit.kind == "box"
                if not merge:
                    b.edge(src_id, ident, slot if many else None)
                elif src_id not in slots:
                    slots[src_id] = [slot] if many else []
                elif many:
                    slots[src_id].append(slot)
        for src_id, used in slots.items():
            b.edge(src_id, ident, _ranges(used) or None, "dashed" if src_id == omitted_id else None)

    # What max_nodes left out.
    omitted_gates = Counter[str]()
    omitted_tensors = 0
    for u in left_out:
        omitted_gates.update(n.gate.name for n in u.gates)
        omitted_tensors += len(u.gates) + len(u.absorbed) + (u.kind == "leaf")
    n_gates = len(w.gates)
    n_omitted = sum(omitted_gates.values())
    if left_out:
        text = _omitted_text(omitted_gates, omitted_tensors, opts.max_nodes)
        b.put(None, f"{omitted_id} [label={fmt.quoted(text)}, shape=note, style=dashed]")

    stats = Stats(
        gates=n_gates,
        tensors=len(w.order),
        drawn_gates=n_gates - n_omitted,
        drawn_nodes=len(drawn),
        omitted_gates=n_omitted,
        omitted_tensors=omitted_tensors,
        boxes=sum(u.kind == "box" for u in drawn),
        level=p.level,
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
    """A row of colour swatches, one per gradient class, beside the graph (a column when LR)."""
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
    lines.append("  {rank=same; " + "; ".join(ids) + "}")
    lines.append("}")
    return lines


def _assemble(b: _Builder) -> str:
    opts = b.opts
    lines = ["digraph autograd {"]
    graph_attrs = [f"rankdir={opts.rankdir}", "newrank=true", f'fontname="{FONT}"']
    graph_attrs += ["ranksep=0.3", "nodesep=0.25"]
    if opts.title:
        graph_attrs += [f"label={fmt.quoted(opts.title)}", "labelloc=t"]
    lines.append(f"  graph [{', '.join(graph_attrs)}]")
    lines.append(f'  node [fontname="{FONT}", fontsize=10]')
    lines.append(f'  edge [fontname="{FONT}", fontsize=9, arrowsize=0.7]')

    # Cluster tree in order of first use; every used scope's ancestors exist.
    children: dict[str | None, list[str]] = {None: []}
    for scope in [s for s in b.cluster_items if s is not None]:
        for p in _prefixes(scope):
            if p == b.scopes.root:
                continue
            if p not in children:
                children[p] = []
                parent = _parent(p)
                children[None if parent == b.scopes.root else parent].append(p)
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
            label = fmt.quoted(b.scopes.label(s))
            lines.append(
                f'{pad}label={label}; labeljust=l; style="rounded,dashed"; color="#888888";'
            )
            stack.append(("close", s, depth))
        lines.extend(pad + st for st in b.cluster_items.get(s, ()))
        for child in reversed(children.get(s, [])):
            stack.append(("open", child, depth + 1))
    lines.extend("  " + e for e in b.edges)
    lines.extend("  " + line for line in _legend(b))
    lines.append("}")
    return "\n".join(lines) + "\n"
