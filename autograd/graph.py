"""The recorded graph: gates, nodes, grad mode, and the backward pass.

A *gate* is one kind of operation (``mul``, ``max``, ``conv2d``...): a name, a one-line statement of
its gradient rule, and the rule itself. A *node* is one application of a gate, recorded when some
input requires grad. ``backward`` walks the nodes in reverse topological order and applies each rule.

Ownership (what keeps what alive): an output Tensor holds its node; a node holds its input Tensors
and whatever its rule saved. Nothing points back, so graphs are freed by reference counting alone.
"""

from __future__ import annotations

import functools
import os
import traceback
from collections.abc import Callable, Iterable, Sequence
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

    __slots__ = ("name", "rule", "backward")

    def __init__(self, name: str, rule: str, backward: Callable[[Node, Tensor], tuple]) -> None:
        if name in GATES:
            raise ValueError(f"gate {name!r} is registered twice")
        self.name = name
        self.rule = rule
        self.backward = backward
        GATES[name] = self

    def __repr__(self) -> str:
        return f"<gate {self.name}: {self.rule}>"


def gate(name: str, rule: str) -> Callable[[Callable], Gate]:
    """Decorator: register a backward rule as the gate ``name``."""

    def register(backward: Callable) -> Gate:
        return Gate(name, rule, backward)

    return register


# --- nodes -------------------------------------------------------------------------------------

_FREED = object()  # sentinel: this node's saved values were released after a backward pass


class Node:
    """One recorded gate application (what PyTorch calls ``grad_fn``).

    ``inputs`` are the input Tensors in argument order (constants included, so the graph can be
    drawn); ``saved`` is whatever else the rule needs (masks, indices, the output array), released
    after ``backward`` unless ``retain_graph=True``; ``attrs`` holds the gate's non-tensor arguments.
    """

    __slots__ = ("gate", "inputs", "saved", "attrs", "scope", "trace", "hooks", "__weakref__")

    def __init__(self, gate: Gate, inputs: tuple, saved: Any, attrs: Any) -> None:
        self.gate = gate
        self.inputs = inputs
        self.saved = saved
        self.attrs = attrs
        self.scope = _state.scope
        self.trace = traceback.extract_stack()[:-1] if _state.anomaly else None
        self.hooks = None

    @property
    def name(self) -> str:
        return self.gate.name

    @property
    def next_functions(self) -> tuple:
        """The nodes feeding this one (None for leaves and constants), in input order."""
        return tuple(t._node for t in self.inputs)

    def output(self) -> Tensor:
        """The node's output as a Tensor (from the saved output array), for rules stated in terms
        of their output (exp, sigmoid, tanh...). Under ``create_graph`` it is attached to this node,
        so a second-order pass differentiates through it correctly."""
        data = self.saved
        if _state.enabled:
            return _Tensor(data, None, True, self)
        return _Tensor(data)

    def __repr__(self) -> str:
        return f"<{self.gate.name}>"


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


def _check_anomaly(node: Node, grads: Sequence) -> None:
    for i, g in enumerate(grads):
        if g is not None and not np.all(np.isfinite(g.data)):
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


# --- the backward pass -------------------------------------------------------------------------


def _consumer_counts(roots: Iterable[Node]) -> dict[Node, int]:
    """For every node reachable from ``roots``: how many recorded uses its output has.

    The backward pass runs a node once all of those uses have sent their gradient (Kahn's
    topological order). Iterative, so a 100,000-gate chain is just a long loop.
    """
    count: dict[Node, int] = {}
    stack = []
    for r in roots:
        if r not in count:
            count[r] = 0
            stack.append(r)
    while stack:
        node = stack.pop()
        for t in node.inputs:
            parent = t._node
            if parent is not None:
                if parent in count:
                    count[parent] += 1
                else:
                    count[parent] = 1
                    stack.append(parent)
    return count


def _reduce_to_shape(g: Tensor, shape: tuple) -> Tensor:
    """Sum a broadcast gradient back to ``shape`` (the one shared unbroadcast rule)."""
    extra = g.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1
    )
    if axes:
        g = _sum(g, axis=axes, keepdims=False)
    if g.shape != shape:
        g = g.reshape(shape)
    return g


def _freed_error(node: Node) -> RuntimeError:
    return RuntimeError(
        f"{node.gate.name}: trying to backward through the graph a second time, but its saved "
        "values were freed by the first backward(). Pass retain_graph=True to the first "
        "backward() (or autograd.grad) to keep them."
    )


def _add_grads(slot: list, g: Tensor, create_graph: bool) -> None:
    """Accumulate ``g`` into ``slot = [grad, owned]``; in place only into arrays we allocated."""
    if create_graph:
        slot[0] = slot[0] + g
    elif slot[1]:
        np.add(slot[0].data, g.data, out=slot[0].data, casting="unsafe")
    else:
        slot[0] = _Tensor(slot[0].data + g.data)
        slot[1] = True


def _to_leaf(t: Tensor, g: Tensor, owned: bool, create_graph: bool) -> None:
    """Accumulate into a leaf's ``.grad`` (after its hooks). Never aliases an array the graph
    still uses: a borrowed gradient is copied."""
    if t._hooks:
        for hook in t._hooks:
            out = hook(g)
            if out is not None:
                g, owned = out, False
    if t.grad is None:
        t.grad = g if create_graph else _Tensor(g.data if owned else g.data.copy())
    elif create_graph or t.grad.requires_grad:
        t.grad = t.grad + g
    else:
        t.grad = _Tensor(t.grad.data + g.data)


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
    """
    prev_mode = _state.enabled
    _state.enabled = create_graph
    anomaly = _state.anomaly
    grads: dict[Node, list] = {}  # node -> [gradient of its output, whether we own the array]
    captured: dict[Any, list | None] = {}  # node or leaf tensor -> [gradient, owned]
    if capture is not None:
        for t in capture:
            captured[t._node if t._node is not None else t] = None

    def deliver_to_leaf(t: Tensor, g: Tensor, owned: bool) -> None:
        if capture is None:
            _to_leaf(t, g, owned, create_graph)
        elif t in captured:
            if captured[t] is None:
                captured[t] = [g, owned]
            else:
                _add_grads(captured[t], g, create_graph)

    try:
        root_nodes = []
        for r, g in zip(roots, root_grads):
            if r._node is None:
                deliver_to_leaf(r, g, False)
            elif r._node in grads:
                _add_grads(grads[r._node], g, create_graph)
            else:
                root_nodes.append(r._node)
                grads[r._node] = [g, False]
        count = _consumer_counts(root_nodes)
        ready = [n for n in root_nodes if count[n] == 0]
        while ready:
            node = ready.pop()
            slot = grads.pop(node, None)
            if slot is not None:
                g = slot[0]
                if node.hooks:
                    for hook in node.hooks:
                        out = hook(g)
                        if out is not None:
                            g = out
                if captured and node in captured:
                    captured[node] = [g, False]
                if node.saved is _FREED:
                    raise _freed_error(node)
                in_grads = node.gate.backward(node, g)
                if not retain_graph:
                    node.saved = _FREED
                if anomaly:
                    _check_anomaly(node, in_grads)
                upstream = g.data
                # A single-input gate may pass our own array (or a view of it) straight down:
                # nobody else can see it any more, so the input owns it too.
                hand_down = (
                    slot[1]
                    and g is slot[0]
                    and len(node.inputs) == 1
                    and not captured
                    and not node.hooks
                )
            else:
                in_grads = None  # no gradient reaches this node; still release its parents
            for i, t in enumerate(node.inputs):
                parent = t._node
                if in_grads is not None:
                    gi = in_grads[i]
                    if gi is not None and t.requires_grad:
                        arr = gi.data
                        if arr.shape != t.data.shape:
                            gi = _reduce_to_shape(gi, t.data.shape)
                            arr = gi.data
                        if not arr.flags.writeable:  # e.g. a zero-stride broadcast view
                            owned = False
                        elif arr is upstream or arr.base is not None:  # passed through, or a view
                            owned = hand_down and (
                                arr is upstream or arr.base is upstream or arr.base is upstream.base
                            )
                        else:
                            owned = True  # a fresh array: ours to add into
                        if parent is None:
                            deliver_to_leaf(t, gi, owned)
                        else:
                            pslot = grads.get(parent)
                            if pslot is None:
                                grads[parent] = [gi, owned]
                            else:
                                _add_grads(pslot, gi, create_graph)
                if parent is not None:
                    left = count[parent] - 1
                    count[parent] = left
                    if left == 0:
                        ready.append(parent)
            slot = g = in_grads = None  # release this node's gradient before walking on
    finally:
        _state.enabled = prev_mode

    if capture is None:
        return None
    result: list[Tensor | None] = []
    for t in capture:
        slot = captured[t._node if t._node is not None else t]
        result.append(None if slot is None else slot[0])
    return result


# Bound by autograd.tensor once Tensor and the sum gate exist (they import this module first).
_Tensor: Any = None
_sum: Any = None
