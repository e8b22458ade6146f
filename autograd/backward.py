"""The backward pass, twice: a short reference walk and the fast one, held equal by the tests.

``backward_reference`` is backpropagation as the course states it: put the nodes in reverse
topological order, then apply each gate's rule to the gradient of its output and add what it
returns into the gradients of its inputs. ``run_backward`` computes the same with less work per
edge (see its docstring); ``Tensor.backward`` and ``autograd.grad`` use it.

Shared by both: each gradient travels the edge its gate recorded (``Node.next``), summed back
to its input's shape; the rule of a gate whose saved values were changed in place refuses to
run; a leaf's contributions are summed before its hooks and ``.grad`` see them, in its own dtype;
and a pass that does not retain the graph releases what each node saved and its inputs.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from heapq import heappop, heappush
from typing import Any

import numpy as np

from .gates._common import reduce_array_to_shape
from .gates.elementwise import cast, clone
from .gates.reduce import reduce_to_shape
from .graph import (
    EPOCH,
    FREED,
    IN_PLACE_MIN_SIZE,
    ModifiedError,
    Node,
    check_backward,
    check_leaf,
    enter_grad_mode,
    exit_scope,
    modes,
    reads_input,
    set_grad_enabled,
)
from .tensor import POST_HOOKS, Tensor, _wrap, as_array, counter

# --- shared by both walks ----------------------------------------------------------------------


def fit_to_input(g: Any, t: Tensor) -> Any:
    """A gradient brought to input ``t``'s shape and dtype (a Tensor, or an array)."""
    if isinstance(g, np.ndarray):
        if g.shape != t.data.shape:
            g = reduce_array_to_shape(g, t.data.shape)
        if g.dtype != t.data.dtype:
            g = g.astype(t.data.dtype)
        return g
    if g.shape != t.shape:
        g = reduce_to_shape(g, t.shape)
    if g.dtype != t.dtype:
        g = cast(g, t.dtype)
    return g


def check_versions(node: Node) -> None:
    """Refuse to run a rule whose saved values were changed in place after the gate ran."""
    stale = getattr(node, "stale", None)
    if stale is not None:
        raise ModifiedError(
            f"{node.gate.name}: its output (shape {stale[0]}) was modified by an in-place "
            f"operation after this gate saved it for its gradient (version {stale[1]} now; it "
            f"saved version {stale[2]}). Use an out-of-place operation (y = y + 1, not "
            "y += 1), or clone() the output before changing it."
        )
    epoch = node.epoch
    if epoch is None:
        return
    for i, t in enumerate(node.inputs):
        if not reads_input(node, i):
            continue
        e = t._extra
        c = None if e is None else e.counter
        if c is not None and c.changed_since(epoch):
            now, then = c.value, c.version_at(epoch)
            raise ModifiedError(
                f"{node.gate.name}: input {i} (a tensor of shape {t.shape}, dtype {t.dtype}) "
                f"was modified by an in-place operation after this gate saved it for its "
                f"gradient: it is at version {now}, the gate saved version {then}. Use an "
                "out-of-place operation, or clone() the tensor before changing it."
            )


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"{node.gate.name}: trying to backward through the graph a second time, but its saved "
        "values were freed by the first backward(). Pass retain_graph=True to the first "
        "backward() (or autograd.grad) to keep them."
    )


def _run_hooks(hooks: list, g: Any, plain: bool, what: str) -> Any:
    """Hooks see (and may replace) a Tensor, also in a plain pass."""
    t = _wrap(g) if plain else g
    for hook in list(hooks):
        out = hook(t)
        if out is None:
            continue
        if not isinstance(out, Tensor):
            out = _wrap(as_array(out, t.dtype))
        if out.shape != t.shape:
            name = getattr(hook, "__qualname__", repr(hook))
            raise RuntimeError(
                f"hook {name} on {what} returned a gradient of shape {out.shape}; the gradient "
                f"it was given has shape {t.shape} (a hook must keep the shape)"
            )
        t = out
    return t.data if plain else t


def release(node: Node) -> None:
    """After a pass that does not retain the graph: drop what the rule saved and the input
    tensors (the activations go with them); the edges stay, so the graph can still be drawn."""
    node.saved = FREED
    node.inputs = None


_ACCUMULATE = threading.Lock()  # two threads' backward passes may share leaves (parameters)


def deliver(t: Tensor, g: Any, owned: bool, plain: bool) -> None:
    """Accumulate a leaf's summed gradient into its ``.grad`` (after its hooks, then its
    post-accumulate hooks). Never aliases: a borrowed gradient is copied, and under
    ``create_graph`` each leaf gets a tensor of its own."""
    e = t._extra
    if e is not None and e.hooks:
        g, owned = _run_hooks(e.hooks, g, plain, f"a leaf of shape {t.shape}"), False
    if modes().anomaly == "check":
        check_leaf(t.shape, g)
    if plain:
        if g.dtype != t.data.dtype:
            g, owned = g.astype(t.data.dtype), True
        with _ACCUMULATE:
            if t.grad is None:
                t.grad = _wrap(g if owned else g.copy())
            elif t.grad.requires_grad:  # a gradient recorded by an earlier create_graph pass
                t.grad = t.grad + _wrap(g)
            else:
                old = t.grad.data
                if old.flags.writeable and old.shape == g.shape and old.dtype == g.dtype:
                    np.add(old, g, out=old)  # in place, as PyTorch: a held p.grad sees the sum
                    counter(t.grad).bump()
                else:
                    t.grad = _wrap(old + g)
    else:
        g = fit_to_input(g, t)
        g = clone(g) if g.requires_grad else _wrap(g.data.copy())  # never shared with anything
        with _ACCUMULATE:
            t.grad = g if t.grad is None else t.grad + g
    if e is not None and e.post_hooks:
        for hook in list(e.post_hooks):
            hook(t)


def _seed_gradient(t: Tensor, gradient: Any, op: str) -> Tensor:
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"{op}: grad can be implicitly created only for one-element outputs, but the "
                f"output has shape {t.shape}; pass gradient= with that shape"
            )
        return _wrap(np.ones_like(t.data))
    g = gradient if isinstance(gradient, Tensor) else _wrap(as_array(gradient, t.dtype, op))
    if g.shape != t.shape:
        raise RuntimeError(f"{op}: gradient has shape {g.shape} but the output has shape {t.shape}")
    return g


# --- the reference walk ------------------------------------------------------------------------


def topological_order(roots: Sequence[Tensor]) -> list[Node]:
    """Every node that feeds ``roots``, each after all the nodes feeding it (iterative DFS:
    graphs can be 100,000 gates deep)."""
    order: list[Node] = []
    done: set[int] = set()
    stack: list[tuple[Node, bool]] = [(r.grad_fn, False) for r in roots if r.grad_fn is not None]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in done:
            continue
        done.add(id(node))
        stack.append((node, True))
        for parent in node.next:
            if type(parent) is Node and id(parent) not in done:
                stack.append((parent, False))
    return order


def backward_reference(
    roots: Sequence[Tensor], root_grads: Sequence[Tensor], retain_graph: bool = False
) -> None:
    """Backpropagation, step by step: the readable twin of :func:`run_backward` (plain passes).

    1. Order the nodes so that each comes after every node that feeds it.
    2. Seed: each root's gradient is the one given (1 for a scalar loss).
    3. Walk that order backwards. Each node's gradient is complete when its turn comes (all its
       consumers came later in the order, so they ran first); apply the gate's rule to it and
       add each result into the gradient of the input it belongs to.
    4. Every leaf that requires grad adds its total into ``.grad``.
    """
    with set_grad_enabled(False):
        grads: dict[Any, Tensor] = {}  # node or leaf tensor -> gradient so far

        def add(key: Any, g: Tensor) -> None:
            grads[key] = g if key not in grads else grads[key] + g

        for r, g in zip(roots, root_grads):  # 2. seed
            add(r.grad_fn if r.grad_fn is not None else r, g)
        for node in reversed(topological_order(roots)):  # 1. and 3.
            g = grads.pop(node, None)
            if g is None:
                continue  # no gradient reaches this node
            if node.hooks:
                g = _run_hooks(node.hooks, g, False, f"the output of {node.gate.name}")
            if node.saved is FREED:
                raise _freed_error(node)
            check_versions(node)
            input_grads = node.gate.backward(node, g)  # the gate's rule
            for t, edge, gi in zip(node.inputs, node.next, input_grads):
                if gi is not None and edge is not None:  # (None: a constant)
                    add(edge, fit_to_input(gi, t))
            if not retain_graph:
                release(node)
        for key, g in grads.items():  # 4.
            if isinstance(key, Tensor):
                deliver(key, g.data, False, True)


# --- the fast walk -----------------------------------------------------------------------------


def _leaf_uses(roots: Sequence[Tensor]) -> dict[Tensor, int]:
    """For leaves with post-accumulate hooks: how many edges from nodes the pass can reach lead
    to each (the pass counts them down; at 0 the leaf's gradient is complete)."""
    uses: dict[Tensor, int] = {}
    for node in topological_order(roots):
        for t in node.next:
            if type(t) is not Node and t is not None:
                e = t._extra
                if e is not None and e.post_hooks:
                    uses[t] = uses.get(t, 0) + 1
    return uses


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Tensor] | None = None,
    only: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Propagate ``root_grads`` from ``roots`` to every leaf that requires grad.

    With ``capture`` (``autograd.grad``), return the gradients of those tensors instead of
    accumulating into any leaf's ``.grad``; with ``only`` (``backward(inputs=...)``), accumulate
    into those leaves alone.

    Order: nodes run from the newest to the oldest (``seq``). Every consumer of a node was
    recorded after it, so by the time a node runs every gradient it will receive has arrived: a
    reverse topological order with no counting pass, and nodes no gradient reaches never run.
    Discovered nodes wait in a heap; on a chain the next node is simply the parent just reached.

    A plain pass (no ``create_graph``) carries gradients as bare arrays, wrapped into Tensors
    only where a user sees them (hooks, ``.grad``, the result of ``autograd.grad``), and adds
    into an array in place only when nobody else can see it ("owned"). Under ``create_graph``
    gradients are Tensors, so the pass is itself recorded.
    """
    token = enter_grad_mode(create_graph)
    try:
        return _walk(roots, root_grads, retain_graph, not create_graph, capture, only)
    finally:
        exit_scope(token)


def _walk(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    plain: bool,
    capture: Sequence[Tensor] | None,
    only: Sequence[Tensor] | None,
) -> list[Tensor | None] | None:
    anomaly = modes().anomaly == "check"
    pending: dict[Node, list] = {}  # reached, not yet run: node -> [gradient, owned]
    # The same nodes, newest first (seq is unique: the heap never compares nodes).
    heap: list[tuple[int, Node]] = []
    captured: dict[Any, list | None] = {}  # captured node or leaf -> [gradient, owned]
    # Nodes older than every captured tensor cannot reach one: when only recorded tensors are
    # captured, the walk stops at the oldest (the nodes below it neither run nor free what they
    # saved, as in PyTorch).
    floor = -1
    if capture is not None:
        for t in capture:
            captured[t.grad_fn if t.grad_fn is not None else t] = None
        if all(t.grad_fn is not None for t in capture):
            floor = min(t.grad_fn.seq for t in capture)  # type: ignore[union-attr]
    wanted = None if only is None else set(only)

    # A leaf's contributions are summed first and reach its hooks and .grad once (PyTorch's
    # convention): after the walk, or as soon as they are complete when it has a post-
    # accumulate hook (what data-parallel training overlaps its communication with).
    leaves: dict[Tensor, list] = {}
    uses = _leaf_uses(roots) if POST_HOOKS.live and capture is None else None

    def to_leaf(t: Tensor, g: Any, owned: bool) -> None:
        if capture is not None:
            slot = captured.get(t, False)
            if slot is False:
                return  # autograd.grad: only the captured tensors receive anything
            if slot is None:
                captured[t] = [g, owned]
            else:
                _accumulate(slot, g, plain)
            return
        if wanted is not None and t not in wanted:
            return
        slot = leaves.get(t)
        if slot is None:
            leaves[t] = [g, owned]
        else:
            _accumulate(slot, g, plain)

    for r, g in zip(roots, root_grads):
        g = g.data if plain else g
        node = r.grad_fn
        if node is None:
            to_leaf(r, g, False)
        elif node in pending:
            _accumulate(pending[node], g, plain)
        else:
            pending[node] = [g, False]
            heappush(heap, (-node.seq, node))
    ndarray = np.ndarray
    now = EPOCH.value  # in-place changes so far (re-read after any user code: hooks, rules)
    node = None
    while True:
        if node is None:
            if not heap:
                break
            node = heappop(heap)[1]
            g, g_owned = pending.pop(node)
        if node.hooks or captured:
            if node.seq < floor:  # (the newest node waiting: every other one is older still)
                break
            if node.hooks:
                g = _run_hooks(node.hooks, g, plain, f"the output of {node.gate.name}")
                g_owned = False
                now = EPOCH.value
            if node in captured:
                captured[node] = [g, False]
                g_owned = False
                if node.seq == floor:  # the oldest captured tensor has its whole gradient
                    break
        if node.saved is FREED:
            raise _freed_error(node)
        epoch = node.epoch
        if epoch is not None and epoch != now:
            check_versions(node)  # something changed in place since this gate ran
        gate = node.gate
        foreign = False  # gradients from user code, which may keep them or return one twice
        if plain:
            if g_owned and gate.in_place_rule is not None and g.size >= IN_PLACE_MIN_SIZE:
                in_grads = gate.in_place_rule(node, g)
            elif gate.array_rule is not None:
                # (the engine's own array rules: the gradient tests hold them to one gradient
                # per input, so the count is not checked on this, the hot path)
                in_grads = gate.array_rule(node, g)
            else:
                in_grads = tuple(
                    None if t is None else t.data for t in gate.backward(node, _wrap(g))
                )
                _check_count(gate, in_grads, node.inputs)
                now = EPOCH.value  # (a rule may be user code: a Function's backward)
                foreign = True
        else:
            in_grads = gate.backward(node, g)
            _check_count(gate, in_grads, node.inputs)
            now = EPOCH.value
        if anomaly:
            check_backward(node, in_grads)
        inputs = node.inputs
        # The first node newly reached from this one (while it is the only one) may run next
        # without going through `pending` and the heap: on a chain, every node does.
        reached = None
        for t, parent, gi in zip(inputs, node.next, in_grads):
            if gi is None or parent is None:  # (no gradient, or a constant)
                continue
            owned = False
            if plain:
                if type(gi) is not ndarray:  # ufuncs on 0-d arrays give NumPy scalars
                    gi = np.asarray(gi)
                if not gate.keeps_shape:
                    shape = t.data.shape
                    if gi.shape != shape:
                        gi = reduce_array_to_shape(gi, shape)
                # May later sums add into this array in place? Only if nobody else can see
                # it: a fresh array (rules never return one the graph keeps), or the upstream
                # gradient we own (or a writable view of it) handed down by a single-input gate.
                if foreign:
                    owned = False
                elif gi.base is None and gi is not g:
                    owned = True
                # (from here on gi.base is not None, so `gi.base is g.base` means a shared base)
                elif gi is g or gi.base is g or gi.base is g.base:
                    owned = g_owned and len(inputs) == 1 and gi.flags.writeable
                else:
                    owned = gate.fresh_views and gi.flags.writeable
            else:
                gi = fit_to_input(gi, t)
            if type(parent) is not Node:  # a leaf: the edge is the tensor itself
                to_leaf(parent, gi, owned)
            elif parent in pending:
                _accumulate(pending[parent], gi, plain)
            elif reached is None:
                reached, reached_g, reached_owned = parent, gi, owned
            elif parent is reached:  # the same input twice (x * x): it waits like the rest
                pending[parent] = [reached_g, reached_owned]
                heappush(heap, (-parent.seq, parent))
                reached = reached_g = None
                _accumulate(pending[parent], gi, plain)
            else:
                pending[parent] = [gi, owned]
                heappush(heap, (-parent.seq, parent))
        in_grads = None
        if uses is not None:
            _count_down(node, uses, leaves, plain)
        if not retain_graph:
            node.saved = FREED  # `release(node)`, inlined
            node.inputs = None
        if reached is not None and (not heap or reached.seq > -heap[0][0]):
            # the newest node waiting runs next, without queueing (on a chain: always)
            node, g, g_owned = reached, reached_g, reached_owned
        else:
            if reached is not None:
                pending[reached] = [reached_g, reached_owned]
                heappush(heap, (-reached.seq, reached))
            node = g = None  # release this node's gradient before walking on
        reached_g = None

    if capture is None:
        for t, (g, owned) in leaves.items():
            deliver(t, g, owned, plain)
        return None
    result: list[Tensor | None] = []
    for t in capture:
        slot = captured[t.grad_fn if t.grad_fn is not None else t]
        if slot is None:
            result.append(None)
        elif plain:
            g = slot[0]
            result.append(_wrap(g if g.dtype == t.dtype else g.astype(t.dtype)))
        else:
            result.append(fit_to_input(slot[0], t))
    return result


def _check_count(gate: Any, grads: tuple, inputs: tuple) -> None:
    if len(grads) != len(inputs):  # (zip would silently drop the extra inputs' gradients)
        raise RuntimeError(
            f"{gate.name}: its backward rule returned {len(grads)} gradients for "
            f"{len(inputs)} inputs"
        )


def _count_down(node: Node, uses: dict, leaves: dict, plain: bool) -> None:
    """After ``node`` ran: a leaf with a post-accumulate hook whose last consumer this was has
    its whole gradient, so it is delivered now (the hook fires during the pass)."""
    for t in node.next:
        n = uses.get(t) if type(t) is not Node and t is not None else None
        if n is None:
            continue
        if n > 1:
            uses[t] = n - 1
            continue
        del uses[t]
        slot = leaves.pop(t, None)
        if slot is not None:
            deliver(t, slot[0], slot[1], plain)


def _accumulate(slot: list, g: Any, plain: bool) -> None:
    """Add ``g`` into ``slot = [gradient, owned]``; in place only into an array we own."""
    if not plain:
        slot[0] = slot[0] + g
    elif slot[1]:
        np.add(slot[0], g, out=slot[0], casting="unsafe")
    else:
        slot[0] = np.asarray(slot[0] + g)
        slot[1] = True


# --- the entry points --------------------------------------------------------------------------


def backward(
    self: Tensor,
    gradient: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | Tensor | None = None,
) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (``Tensor.backward``).

    ``gradient`` is required unless this tensor has exactly one element. ``retain_graph``
    (default: ``create_graph``) keeps what the gates saved, for a second pass; ``create_graph``
    records the pass itself, for gradients of gradients; ``inputs`` limits which leaves
    accumulate.
    """
    if not self.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn "
            "(was it computed under no_grad, or from tensors without requires_grad=True?)"
        )
    g = _seed_gradient(self, gradient, "backward")
    only = None if inputs is None else [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward([self], [g], retain_graph, create_graph, only=only)


def backward_all(
    tensors: Tensor | Sequence[Tensor],
    grad_tensors: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs: Sequence[Tensor] | Tensor | None = None,
) -> None:
    """``autograd.backward`` (PyTorch's ``torch.autograd.backward``): the backward passes of
    several tensors as one walk, each seeded with its ``grad_tensors`` entry (None: a
    one-element tensor's 1), their gradients summed into the leaves' ``.grad``."""
    tensors = [tensors] if isinstance(tensors, Tensor) else list(tensors)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grads = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    else:
        grads = list(grad_tensors)
    if len(grads) != len(tensors):
        raise ValueError(
            f"backward: {len(grads)} grad_tensors for {len(tensors)} tensors (give one each)"
        )
    for t in tensors:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise RuntimeError(
                f"backward: every tensor must be a Tensor that requires grad, got {t!r:.60}"
            )
    seeds = [_seed_gradient(t, g, "backward") for t, g in zip(tensors, grads)]
    only = None if inputs is None else [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if retain_graph is None:
        retain_graph = create_graph
    run_backward(tensors, seeds, retain_graph, create_graph, only=only)


def grad(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> tuple[Tensor | None, ...]:
    """Gradients of ``outputs`` with respect to ``inputs``, returned rather than accumulated
    into ``.grad`` (like ``torch.autograd.grad``); a leaf input's hooks see its gradient first,
    once however often it is listed. When every input is a recorded (non-leaf) tensor, the walk
    stops at the oldest of them: the nodes below do not run, and keep what they saved."""
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    result = grad_unhooked(outputs, ins, grad_outputs, retain_graph, create_graph, allow_unused)
    hooked: dict[int, Tensor] = {}
    token = enter_grad_mode(create_graph)  # (hooks run in the pass's grad mode)
    try:
        for i, (t, g) in enumerate(zip(ins, result)):
            e = t._extra
            if g is not None and t.grad_fn is None and e is not None and e.hooks:
                if id(t) not in hooked:
                    hooked[id(t)] = _run_hooks(e.hooks, g, False, f"a leaf of shape {t.shape}")
                result[i] = hooked[id(t)]
    finally:
        exit_scope(token)
    return tuple(result)


def grad_unhooked(
    outputs: Tensor | Sequence[Tensor],
    inputs: Tensor | Sequence[Tensor],
    grad_outputs: Any = None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool = False,
) -> list[Tensor | None]:
    """:func:`grad` without running the leaves' hooks: what ``checkpoint`` asks of its inner
    graph, whose leaves' hooks run when the outer pass delivers their gradients."""
    outs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    ins = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = [grad_outputs] * len(outs)
    for i, t in enumerate(ins):
        if not t.requires_grad:
            raise RuntimeError(f"grad: input {i} (shape {t.shape}) does not require grad")
    seeds = []
    for o, go in zip(outs, grad_outputs):
        if not o.requires_grad:
            raise RuntimeError(f"grad: output of shape {o.shape} does not require grad")
        seeds.append(_seed_gradient(o, go, "grad"))
    if retain_graph is None:
        retain_graph = create_graph
    result = run_backward(outs, seeds, retain_graph, create_graph, capture=ins)
    assert result is not None
    for i, (t, g) in enumerate(zip(ins, result)):
        if g is None and not allow_unused:
            raise RuntimeError(
                f"grad: input {i} (shape {t.shape}) was not used to compute the outputs; "
                "pass allow_unused=True to get None for it"
            )
    return result
