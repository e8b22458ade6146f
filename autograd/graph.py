"""The recorded graph: gates, nodes, grad mode, and the backward pass.

A *gate* is one kind of operation (``mul``, ``max``, ``conv2d``...): a name, a one-line statement of
its gradient rule, and the rule itself. A *node* is one application of a gate, recorded when some
input requires grad: the output Tensor itself, which then carries its gate, its inputs and what the
rule saved (``Tensor.grad_fn`` shows it PyTorch's way). ``backward`` walks the nodes in reverse
topological order and applies each rule.

Ownership (what keeps what alive): a recorded Tensor holds its input Tensors and whatever its rule
saved. Nothing points back, so graphs are freed by reference counting alone.
"""

from __future__ import annotations

import functools
import itertools
import os
import traceback
import weakref
from collections.abc import Callable, Sequence
from heapq import heappop, heappush
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor

# --- gates -------------------------------------------------------------------------------------

#: Every gate, by name. The gradient tests iterate over this registry.
GATES: dict[str, Gate] = {}


class Gate:
    """One kind of differentiable operation: its name, its rule in words, and the rule.

    ``backward(node, g)`` receives the node and the upstream gradient ``g`` (a Tensor shaped like the
    output) and returns one gradient per input (a Tensor, or None where that input needs none).
    Gradients may come back in the broadcast shape: the engine reduces them to each input's shape.
    Rules are written with Tensor operations, so the same rule also runs under ``create_graph``.
    """

    __slots__ = ("name", "rule", "backward", "array_rule", "in_place_rule", "fresh_views")

    def __init__(self, name: str, rule: str, backward: Callable[[Tensor, Tensor], tuple]) -> None:
        if name in GATES:
            raise ValueError(f"gate {name!r} is registered twice")
        self.name = name
        self.rule = rule
        self.backward = backward
        self.array_rule: Callable[[Tensor, np.ndarray], tuple] | None = None
        self.in_place_rule: Callable[[Tensor, np.ndarray], tuple] | None = None
        # True when every view its array rule returns (other than a view of g) looks into an
        # array the rule itself just made, one per gradient (matmul's transposed products):
        # such views are as much ours as fresh arrays.
        self.fresh_views = False
        GATES[name] = self

    def on_arrays(self, array_rule: Callable[[Tensor, np.ndarray], tuple]) -> Callable:
        """Decorator: the same rule stated on bare arrays, for a plain ``backward()`` (no graph
        to record, so no Tensor per gradient). It receives the upstream gradient as an array and
        returns arrays: fresh ones, ``g`` itself or views of it, never an array the graph keeps.
        ``gradcheck`` checks this form and ``gradgradcheck`` the Tensor form."""
        self.array_rule = array_rule
        return array_rule

    def on_arrays_in_place(self, in_place_rule: Callable[[Tensor, np.ndarray], tuple]) -> Callable:
        """Decorator: the array rule for when the engine owns ``g`` (nobody else can see it) and
        ``g`` has at least ``_IN_PLACE_MIN_SIZE`` elements: the rule may write its result into
        ``g`` and return it, saving a new array (on small arrays NumPy's ``out=`` costs more)."""
        self.in_place_rule = in_place_rule
        return in_place_rule

    def __repr__(self) -> str:
        return f"<gate {self.name}: {self.rule}>"


def gate(name: str, rule: str) -> Callable[[Callable], Gate]:
    """Decorator: register a backward rule as the gate ``name``."""

    def register(backward: Callable) -> Gate:
        return Gate(name, rule, backward)

    return register


# --- nodes -------------------------------------------------------------------------------------

_next_seq = itertools.count().__next__
# In-place array rules pay off on big gradients only: on a small array NumPy's `out=` costs more
# than the allocation it saves.
_IN_PLACE_MIN_SIZE = 4096
_FREED = object()  # sentinel: this node's saved values were released after a backward pass


class Node:
    """A recorded gate application, as ``Tensor.grad_fn`` shows it (PyTorch's ``grad_fn``).

    A recorded tensor is its own node: the tensor carries ``gate``, ``inputs`` (the input Tensors
    in argument order, constants included, so the graph can be drawn), ``saved`` (whatever else
    the rule needs, released after ``backward`` unless ``retain_graph=True``), ``attrs`` (the
    gate's non-tensor arguments), ``scope``, ``trace`` and ``seq``: one object per operation, not
    two. This class is the handle ``grad_fn`` returns: one per recorded tensor, made on first
    request and kept by the tensor (so ``y.grad_fn is y.grad_fn``). It holds the gate's inputs,
    as the tensor does, so ``(a * b).sum().grad_fn.next_functions`` works on its own; it refers
    back to its tensor only weakly, so no cycle forms.
    """

    __slots__ = ("gate", "inputs", "attrs", "scope", "trace", "seq", "_tensor", "__weakref__")

    def __init__(self, tensor: Tensor) -> None:
        if tensor.gate is None:
            raise TypeError("Node: only a recorded tensor has a node (this one is a leaf)")
        self.gate = tensor.gate
        self.inputs = tensor.inputs
        self.attrs = tensor.attrs
        self.scope = tensor.scope
        self.trace = tensor.trace
        self.seq = tensor.seq
        self._tensor = weakref.ref(tensor)

    @property
    def name(self) -> str:
        return self.gate.name

    @property
    def next_functions(self) -> tuple:
        """The nodes feeding this one (None for leaves and constants), in input order."""
        return tuple(t.grad_fn for t in self.inputs)

    @property
    def saved(self) -> Any:
        """What the rule saved (None once its tensor is gone)."""
        t = self._tensor()
        return None if t is None else t.saved

    @property
    def hooks(self) -> list | None:
        t = self._tensor()
        return None if t is None else t._hooks

    def __repr__(self) -> str:
        return f"<{self.gate.name}>"


def recorded(
    gate: Gate, data: np.ndarray, inputs: tuple, saved: Any = None, attrs: Any = None
) -> Tensor:
    """The output Tensor of one recorded application of ``gate``: a tensor that is its own node,
    built slot by slot in this one call (every recorded operation runs it)."""
    if type(data) is not np.ndarray:  # ufuncs on 0-d arrays return NumPy scalars
        data = np.asarray(data)
    state = _state
    t = _new(_Tensor)
    t.data = data
    t.grad = None
    t.requires_grad = True
    t._hooks = None
    t.gate = gate
    t.inputs = inputs
    t.saved = saved
    t.attrs = attrs
    t.scope = state.scope
    t.trace = traceback.extract_stack()[:-1] if state.anomaly else None
    t.seq = _next_seq()
    return t


_new = object.__new__


# --- grad mode, scopes and anomaly mode --------------------------------------------------------


class _State:
    __slots__ = ("enabled", "scope", "anomaly")

    def __init__(self) -> None:
        self.enabled = True  # record gates?
        self.scope = None  # dotted name of the nn.Module whose forward is running (for drawing)
        self.anomaly = False  # capture where each gate ran, check backward for NaN/inf


_state = _State()


def is_grad_enabled() -> bool:
    return _state.enabled


class set_grad_enabled:
    """Context manager and decorator that turns gate recording on or off."""

    def __init__(self, mode: bool) -> None:
        self.prev = _state.enabled
        self.mode = bool(mode)
        _state.enabled = self.mode  # like PyTorch: takes effect on construction too

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        _state.enabled = self.prev  # used as a decorator: construction must not change the mode
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _GradMode:
    mode = True

    def __enter__(self) -> None:
        self.prev = _state.enabled
        _state.enabled = self.mode

    def __exit__(self, *exc: object) -> None:
        _state.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        cls = type(self)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with cls():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradMode):
    """Inside, no gate is recorded: results never require grad. Also a decorator."""

    mode = False


class enable_grad(_GradMode):
    """Re-enables recording inside a ``no_grad`` block. Also a decorator."""

    mode = True


class scope:
    """Tag every node recorded inside with ``name`` (``nn.Module`` calls use their dotted name)."""

    __slots__ = ("name", "prev")

    def __init__(self, name: str | None) -> None:
        self.name = name

    def __enter__(self) -> None:
        self.prev = _state.scope
        _state.scope = self.name

    def __exit__(self, *exc: object) -> None:
        _state.scope = self.prev


class AnomalyError(FloatingPointError):
    """A gate's backward produced NaN or inf while ``detect_anomaly`` was on."""


class detect_anomaly:
    """Record where each gate ran; the first backward rule that produces NaN/inf raises
    :class:`AnomalyError` naming the gate, its input shapes and the user code that ran it."""

    def __enter__(self) -> None:
        self.prev = _state.anomaly
        _state.anomaly = True

    def __exit__(self, *exc: object) -> None:
        _state.anomaly = self.prev


# Library code (this package and its sibling `nn`), skipped when anomaly mode reports where a
# gate ran, so the report points at the user's own line.
_HERE = os.path.dirname(os.path.abspath(__file__))
_PACKAGE_DIRS = (_HERE + os.sep, os.path.join(os.path.dirname(_HERE), "nn") + os.sep)


def _user_frames(trace: list) -> list:
    """The recorded stack up to the innermost frame outside autograd/nn: the user's line."""
    for i in range(len(trace) - 1, -1, -1):
        if not trace[i].filename.startswith(_PACKAGE_DIRS):
            return trace[: i + 1]
    return trace


def _check_anomaly(node: Tensor, grads: Sequence) -> None:
    for i, g in enumerate(grads):
        data = g if isinstance(g, np.ndarray) else None if g is None else g.data
        if data is not None and not np.all(np.isfinite(data)):
            shapes = ", ".join(str(t.shape) for t in node.inputs)
            where = ""
            if node.trace:
                frames = _user_frames(node.trace)
                last = frames[-1]
                where = f"; its forward ran at {last.filename}:{last.lineno} in {last.name}:\n"
                where += "".join(traceback.format_list(frames[-3:]))
            raise AnomalyError(
                f"{node.gate.name}: backward produced NaN/inf in the gradient of input {i} "
                f"(input shapes {shapes}){where}"
            )


# --- post-accumulate-grad hooks ----------------------------------------------------------------
# PyTorch's ``Tensor.register_post_accumulate_grad_hook``: ``hook(leaf)`` runs once the leaf's
# ``.grad`` holds this pass's gradient (data-parallel training starts its gradient all-reduce
# there). Kept apart from the Tensor's slots, keyed by id() with a weak reference to check
# identity (never a WeakKeyDictionary: it would compare Tensors with their elementwise ==).
# For now the hooks fire at the end of the walk, where leaves get their .grad.

_post_accumulate_hooks: dict[int, tuple[weakref.ref, list]] = {}


class RemovableHandle:
    """What registering a hook returns: ``handle.remove()`` unregisters it (idempotent)."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def add_post_accumulate_grad_hook(leaf: Tensor, hook: Callable[[Tensor], None]) -> RemovableHandle:
    """Register ``hook(leaf)`` to run after backward has updated ``leaf.grad``."""
    key = id(leaf)
    entry = _post_accumulate_hooks.get(key)
    if entry is None or entry[0]() is not leaf:
        ref = weakref.ref(leaf, lambda _, key=key: _post_accumulate_hooks.pop(key, None))
        entry = _post_accumulate_hooks[key] = (ref, [])
    entry[1].append(hook)
    return RemovableHandle(entry[1], hook)


def _run_post_accumulate_hooks(leaf: Tensor) -> None:
    entry = _post_accumulate_hooks.get(id(leaf))
    if entry is not None and entry[0]() is leaf:
        for hook in list(entry[1]):
            hook(leaf)


# --- the backward pass -------------------------------------------------------------------------


def _reduce_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape`` (the one shared unbroadcast rule)."""
    axes = _broadcast_axes(g.shape, shape)
    if axes:
        g = _sum(g, axis=axes, keepdims=False)
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def _reduce_array_to_shape(g: np.ndarray, shape: tuple) -> np.ndarray:
    """The same rule on a bare array (plain backward)."""
    axes = _broadcast_axes(g.shape, shape)
    if axes:
        g = np.asarray(np.add.reduce(g, axis=axes))
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def _broadcast_axes(have: tuple, want: tuple) -> tuple:
    """The axes of ``have`` that broadcasting ``want`` up to it created or stretched."""
    extra = len(have) - len(want)
    return tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(want) if n == 1 and have[i + extra] != 1
    )


def _freed_error(node: Tensor) -> RuntimeError:
    return RuntimeError(
        f"{node.gate.name}: trying to backward through the graph a second time, but its saved "
        "values were freed by the first backward(). Pass retain_graph=True to the first "
        "backward() (or autograd.grad) to keep them."
    )


def _tensor_rule_on_arrays(node: Tensor, g: np.ndarray) -> tuple:
    """A plain pass through a gate with no array form: its Tensor rule, unwrapped."""
    return tuple(None if t is None else t.data for t in node.gate.backward(node, _wrap(g)))


def _run_hooks(hooks: list, g: Any, plain: bool) -> Any:
    """Hooks see (and may replace) a Tensor, also in a plain pass."""
    t = _wrap(g) if plain else g
    for hook in hooks:
        out = hook(t)
        if out is not None:
            t = out
    return t.data if plain else t


def _accumulate(slot: list, g: Any, plain: bool) -> None:
    """Add ``g`` into ``slot = [gradient, owned]``; in place only into an array we own."""
    if not plain:
        slot[0] = slot[0] + g
    elif slot[1]:
        np.add(slot[0], g, out=slot[0], casting="unsafe")
    else:
        slot[0] = np.asarray(slot[0] + g)
        slot[1] = True


def _to_leaf(t: Tensor, g: Any, owned: bool, plain: bool) -> None:
    """Accumulate into a leaf's ``.grad`` (after its hooks). Never aliases an array the graph
    still uses: a borrowed gradient is copied."""
    if t._hooks:
        g, owned = _run_hooks(t._hooks, g, plain), False
    if not plain:
        t.grad = g if t.grad is None else t.grad + g
    elif t.grad is None:
        t.grad = _wrap(g if owned else g.copy())
    elif t.grad.requires_grad:  # a gradient recorded by an earlier create_graph pass
        t.grad = t.grad + _wrap(g)
    else:
        t.grad = _wrap(t.grad.data + g)


def run_backward(
    roots: Sequence[Tensor],
    root_grads: Sequence[Tensor],
    retain_graph: bool,
    create_graph: bool,
    capture: Sequence[Tensor] | None = None,
) -> list[Tensor | None] | None:
    """Propagate ``root_grads`` from ``roots`` to every leaf that requires grad.

    With ``capture`` (``autograd.grad``), return the gradients of those tensors instead of
    accumulating into any leaf's ``.grad``.

    Order: nodes (recorded tensors) run from the newest to the oldest (``seq``). Every consumer of a node was
    recorded after it, so by the time a node runs, every gradient it will receive has arrived:
    a reverse topological order with no counting pass, and nodes no gradient reaches never run.
    Discovered nodes wait in a heap; on a chain the next node is simply the parent just reached.

    A plain pass (no ``create_graph``) carries gradients as bare arrays, wrapped into Tensors only
    where a user sees them (hooks, ``.grad``, the result of ``autograd.grad``): the walk itself
    then costs no Tensor per edge. Under ``create_graph`` they are Tensors, so the pass is recorded.
    """
    plain = not create_graph
    prev_mode = _state.enabled
    _state.enabled = create_graph
    anomaly = _state.anomaly
    pending: dict[Tensor, list] = {}  # reached, not yet run: node -> [gradient, whether we own it]
    # The same nodes, newest first (id() breaks ties between copies of one node: never compare
    # nodes themselves).
    heap: list[tuple[int, int, Tensor]] = []
    captured: dict[Any, list | None] = {}  # node or leaf tensor -> [gradient, owned]
    # Nodes older than every captured tensor cannot reach one: when only recorded tensors are
    # captured, the walk stops at the oldest (the nodes below it neither run nor free what they
    # saved, as in PyTorch).
    floor = -1
    if capture is not None:
        for t in capture:
            captured[t] = None
        if all(t.gate is not None for t in capture):
            floor = min(t.seq for t in capture)

    # A leaf's contributions are summed first and reach its hooks and .grad once, after the
    # walk (as in PyTorch), so a weight used three times costs one .grad update, not three.
    leaves: dict[Tensor, list] = captured if capture is not None else {}

    def deliver_to_leaf(t: Tensor, g: Any, owned: bool) -> None:
        if capture is not None and t not in captured:
            return  # autograd.grad: only the captured tensors receive anything
        slot = leaves.get(t)
        if slot is None:
            leaves[t] = [g, owned]
        else:
            _accumulate(slot, g, plain)

    try:
        for r, g in zip(roots, root_grads):
            g = g.data if plain else g
            if r.gate is None:
                deliver_to_leaf(r, g, False)
            elif r in pending:
                _accumulate(pending[r], g, plain)
            else:
                pending[r] = [g, False]
                heappush(heap, (-r.seq, id(r), r))
        ndarray, freed = np.ndarray, _FREED
        node = None
        while True:
            if node is None:
                if not heap:
                    break
                node = heappop(heap)[2]
                g, g_owned = pending.pop(node)
            if node._hooks or captured:
                if node.seq < floor:  # (the newest node waiting: every other one is older still)
                    break
                if node._hooks:
                    g, g_owned = _run_hooks(node._hooks, g, plain), False
                if node in captured:
                    captured[node] = [g, False]
                    g_owned = False
                    if node.seq == floor:  # the oldest captured tensor has its whole gradient
                        break
            if node.saved is freed:
                raise _freed_error(node)
            if plain:
                gate = node.gate
                if g_owned and gate.in_place_rule is not None and g.size >= _IN_PLACE_MIN_SIZE:
                    in_grads = gate.in_place_rule(node, g)
                elif gate.array_rule is not None:
                    in_grads = gate.array_rule(node, g)
                else:
                    in_grads = _tensor_rule_on_arrays(node, g)
            else:
                in_grads = node.gate.backward(node, g)
            if not retain_graph:
                node.saved = freed
            if anomaly:
                _check_anomaly(node, in_grads)
            inputs = node.inputs
            if len(in_grads) != len(inputs):  # (zip(strict=True) would cost 5x this check)
                raise RuntimeError(
                    f"{node.gate.name}: its backward rule returned {len(in_grads)} gradients for "
                    f"{len(inputs)} inputs"
                )
            # The first node newly reached from this one (while it is the only one) may run next
            # without going through `pending` and the heap: on a chain, every node does.
            reached = None
            for t, gi in zip(inputs, in_grads):
                if gi is None or not t.requires_grad:
                    continue
                owned = False
                if plain:
                    if type(gi) is not ndarray:  # ufuncs on 0-d arrays give NumPy scalars
                        gi = np.asarray(gi)
                    if gi.shape != t.data.shape:
                        gi = _reduce_array_to_shape(gi, t.data.shape)
                    # May later sums add into this array in place? Only if nobody else can see
                    # it: a fresh array (rules never return one the graph keeps), or the
                    # upstream gradient we own (or a writable view of it) handed down by a
                    # single-input gate.
                    if gi.base is None and gi is not g:
                        owned = True
                    # (from here on gi.base is not None, so `gi.base is g.base` means a shared base)
                    elif gi is g or gi.base is g or gi.base is g.base:
                        owned = g_owned and len(inputs) == 1 and gi.flags.writeable
                    else:
                        owned = node.gate.fresh_views and gi.flags.writeable
                elif gi.shape != t.shape:
                    gi = _reduce_to_shape(gi, t.shape)
                if t.gate is None:  # a leaf (a recorded tensor is its own node)
                    deliver_to_leaf(t, gi, owned)
                elif t in pending:
                    _accumulate(pending[t], gi, plain)
                elif reached is None:
                    reached, reached_g, reached_owned = t, gi, owned
                elif t is reached:  # the same input twice (x * x): it waits like the rest
                    pending[t] = [reached_g, reached_owned]
                    heappush(heap, (-t.seq, id(t), t))
                    reached = reached_g = None
                    _accumulate(pending[t], gi, plain)
                else:
                    pending[t] = [gi, owned]
                    heappush(heap, (-t.seq, id(t), t))
            in_grads = None
            if reached is not None and (not heap or reached.seq > -heap[0][0]):
                # the newest node waiting runs next, without queueing (on a chain: always)
                node, g, g_owned = reached, reached_g, reached_owned
            else:
                if reached is not None:
                    pending[reached] = [reached_g, reached_owned]
                    heappush(heap, (-reached.seq, id(reached), reached))
                node = g = None  # release this node's gradient before walking on
            reached_g = None
        if capture is None:
            post_hooks = _post_accumulate_hooks
            for t, (g, owned) in leaves.items():
                _to_leaf(t, g, owned, plain)
                if post_hooks:
                    _run_post_accumulate_hooks(t)
    finally:
        _state.enabled = prev_mode

    if capture is None:
        return None
    result: list[Tensor | None] = []
    for t in capture:
        slot = captured[t]
        result.append(None if slot is None else _wrap(slot[0]) if plain else slot[0])
    return result


# Bound by autograd.tensor once Tensor and the sum gate exist (they import this module first).
_Tensor: Any = None
_wrap: Any = None
_sum: Any = None
