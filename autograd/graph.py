"""The ground floor of the engine: gates, nodes, modes (per thread) and version counters.

A *gate* is one kind of operation (``mul``, ``max``, ``conv2d``...): a name, a one-line statement
of its gradient rule, and the rule itself. A *node* is one application of a gate, recorded when
some input requires grad; the output Tensor points to it as its ``grad_fn`` (as in PyTorch).

Ownership (what keeps what alive): a tensor holds its node; a node holds its input tensors and
what its rule saved, until a backward pass without ``retain_graph`` releases them (the node then
keeps only light records of its inputs: enough to draw the graph, no activation arrays). Nothing
points back, so graphs are freed by reference counting alone.

This module imports nothing from the rest of the engine: ``tensor`` builds on it, the gate
families on both, and ``backward`` (the walk) on all three.
"""

from __future__ import annotations

import contextvars
import functools
import inspect
import itertools
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

# --- gates -------------------------------------------------------------------------------------

#: Every gate, by name. The gradient tests iterate over this registry.
GATES: dict[str, Gate] = {}

#: ``reads=ALL``: the rule reads the values of every input (the safe default for version checks).
ALL = None
#: ``reads=OTHERS``: each input's value is read only for the other inputs' gradients (multilinear
#: gates: mul, matmul, linear, conv, einsum). An input is then checked only when another input
#: needs a gradient (PyTorch saves ``other`` for ``x * other`` only when x requires grad).
OTHERS = "others"
#: ``reads=PAIR``: inputs 0 and 1 are each read for the other's gradient, later ones (a bias) by
#: none (linear, conv: with W frozen and only the bias trained, x is never read).
PAIR = "pair"


class Gate:
    """One kind of differentiable operation: its name, its rule in words, and the rule.

    ``backward(node, g)`` receives the node and the upstream gradient ``g`` (a Tensor shaped like
    the output) and returns one gradient per input (a Tensor, or None where that input needs
    none). Gradients may come back in the broadcast shape: the engine reduces them to each input's
    shape and casts them to its dtype. Rules are written with Tensor operations, so the same rule
    also runs under ``create_graph``.

    ``reads`` names the inputs whose *values* the rule reads (``ALL``, ``OTHERS``, ``PAIR``, a
    tuple of positions: ``()`` for add, reshape, getitem..., or a dict ``{input: the inputs whose
    gradients need its value}``: ``{0: (1,), 1: (0, 1)}`` for a / b); an input it reads that is changed in place
    after the gate ran makes ``backward`` raise instead of using the new values. ``saves_output``: the rule
    reads the gate's own output (exp, tanh, softmax...), which must not change in place either.
    """

    __slots__ = (
        "name", "rule", "backward", "array_rule", "in_place_rule", "fresh_views", "reads",
        "saves_output", "versioned", "keeps_shape",
    )  # fmt: skip

    def __init__(
        self,
        name: str,
        rule: str,
        backward: Callable[[Node, Any], tuple],
        *,
        reads: tuple[int, ...] | dict[int, tuple[int, ...]] | str | None = ALL,
        saves_output: bool = False,
        keeps_shape: bool = False,
        register: bool = True,
    ) -> None:
        if register and name in GATES:
            raise ValueError(f"gate {name!r} is registered twice")
        self.name = name
        self.rule = rule
        self.backward = backward
        self.array_rule: Callable[[Node, Any], tuple] | None = None
        self.in_place_rule: Callable[[Node, Any], tuple] | None = None
        # True when every view its array rule returns (other than a view of g) looks into an
        # array the rule itself just made, one per gradient (matmul's transposed products):
        # such views are as much ours as fresh arrays.
        self.fresh_views = False
        self.reads = reads
        self.saves_output = saves_output
        self.versioned = reads != () or saves_output  # do its nodes keep version snapshots?
        # one input, and its gradient always comes back in its shape (unary elementwise gates):
        # the walk skips the unbroadcast check
        self.keeps_shape = keeps_shape
        if register:  # (user-defined Functions' gates are not the engine's own)
            GATES[name] = self

    def on_arrays(self, array_rule: Callable[[Node, Any], tuple]) -> Callable:
        """Decorator: the same rule stated on bare arrays, for a plain ``backward()`` (no graph
        to record, so no Tensor per gradient). It receives the upstream gradient as an array and
        returns arrays: fresh ones, ``g`` itself or views of it, never an array the graph keeps.
        ``gradcheck`` checks this form and ``gradgradcheck`` the Tensor form."""
        self.array_rule = array_rule
        return array_rule

    def on_arrays_in_place(self, in_place_rule: Callable[[Node, Any], tuple]) -> Callable:
        """Decorator: the array rule for when the engine owns ``g`` (nobody else can see it) and
        ``g`` has at least ``IN_PLACE_MIN_SIZE`` elements: the rule may write its result into
        ``g`` and return it, saving a new array (on small arrays NumPy's ``out=`` costs more)."""
        self.in_place_rule = in_place_rule
        return in_place_rule

    def __repr__(self) -> str:
        return f"<gate {self.name}: {self.rule}>"


def gate(
    name: str,
    rule: str,
    *,
    reads: tuple[int, ...] | dict[int, tuple[int, ...]] | str | None = ALL,
    saves_output: bool = False,
    keeps_shape: bool = False,
) -> Callable[[Callable], Gate]:
    """Decorator: register a backward rule as the gate ``name``."""

    def register(backward: Callable) -> Gate:
        return Gate(
            name, rule, backward, reads=reads, saves_output=saves_output, keeps_shape=keeps_shape
        )

    return register


# In-place array rules pay off on big gradients only: on a small array NumPy's `out=` costs more
# than the allocation it saves.
IN_PLACE_MIN_SIZE = 4096


# --- nodes -------------------------------------------------------------------------------------

next_seq = itertools.count().__next__  # recording order: every consumer is newer than its inputs
FREED = object()  # sentinel: this node's saved values were released after a backward pass


class Node:
    """One recorded gate application: ``Tensor.grad_fn`` (PyTorch's name).

    ``gate``; ``inputs``, the input tensors in argument order (constants included), for the rule;
    ``next``, the edge each input's gradient travels, fixed when the gate ran: the node that made
    the input, the input itself when it is a leaf that requires grad, None for a constant (so an
    in-place change that later gives the input a new history leaves this node's edges alone);
    ``saved``, whatever else the rule needs; ``attrs``, the gate's non-tensor arguments;
    ``seq``, the recording order; ``scope``, the module that ran it; ``hooks``, functions called
    on the output's gradient (``register_hook`` on a non-leaf); ``epoch``, the in-place epoch
    when it ran (None when its rule reads no saved value): ``backward`` refuses the rule if a
    value it reads was changed in place since.

    After a backward pass that does not retain the graph, ``saved`` and ``inputs`` are released
    (the activations go with them) and ``next`` remains: the graph can still be walked and drawn.

    Set only where they apply: ``trace`` (under anomaly mode), ``stale`` (a gate that saved its
    output, whose output was then changed in place), ``retained`` (the output's gradient, when
    ``retain_grad`` kept it) and ``value`` (the output's values, when it was retained and small).
    """

    __slots__ = (
        "gate", "inputs", "next", "saved", "attrs", "seq", "scope", "hooks", "epoch", "trace",
        "stale", "retained", "value", "__weakref__",
    )  # fmt: skip
    gate: Gate
    inputs: tuple[Any, ...] | None  # Tensors, until a pass that does not retain the graph
    next: tuple[Any, ...]  # Node, a leaf Tensor, or None, per input
    saved: Any
    attrs: Any
    seq: int
    scope: str | None
    hooks: list[Callable[..., Any]] | None
    epoch: int | None

    @property
    def name(self) -> str:
        return self.gate.name

    @property
    def next_functions(self) -> tuple:
        """The nodes feeding this one (None for leaves and constants), in input order."""
        return tuple(e if type(e) is Node else None for e in self.next)

    def register_prehook(self, hook: Callable) -> RemovableHandle:
        """Call ``hook(grad)`` on this node's output gradient before its rule runs."""
        if self.hooks is None:
            self.hooks = []
        hooks = self.hooks
        at = len(hooks)  # retain_grad's hook stays last, whenever it was added (as in PyTorch)
        while at and getattr(hooks[at - 1], "retains_grad", False):
            at -= 1
        hooks.insert(at, hook)
        return RemovableHandle(hooks, hook)

    def __repr__(self) -> str:
        return f"<{self.gate.name}>"


def reads_input(node: Node, i: int) -> bool:
    """Whether ``node``'s rule reads the value of input ``i`` (its gate's ``reads``)."""
    reads = node.gate.reads
    if reads is None:  # ALL
        return True
    if reads is OTHERS:  # read for the other inputs' gradients: is one of them wanted?
        return any(edge is not None for j, edge in enumerate(node.next) if j != i)
    if reads is PAIR:  # x for W's gradient, W for x's
        return i < 2 and node.next[1 - i] is not None
    if type(reads) is dict:  # read when one of the gradients that need it is wanted
        return any(node.next[j] is not None for j in reads.get(i, ()))
    return i in reads


class RemovableHandle:
    """Returned by ``register_hook`` and friends: ``handle.remove()`` takes the hook off again."""

    __slots__ = ("_hooks", "_hook", "_on_remove")

    def __init__(self, hooks: list, hook: Callable, on_remove: Callable | None = None) -> None:
        self._hooks = hooks
        self._hook = hook
        self._on_remove = on_remove

    def remove(self) -> None:
        hooks, hook = self._hooks, self._hook
        if hooks is not None and any(h is hook for h in hooks):
            hooks[:] = [h for h in hooks if h is not hook]  # identity: a hook may define __eq__
            if self._on_remove is not None:
                self._on_remove()
        self._hooks = None

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.remove()


# --- version counters --------------------------------------------------------------------------


class _Epoch:
    """Counts in-place changes anywhere. A node keeps the epoch it was recorded in: if nothing
    changed in place since (the common case), ``backward`` skips its version check, and a
    storage last changed at a later epoch was changed after the gate saw it."""

    __slots__ = ("value", "lock")

    def __init__(self) -> None:
        self.value = 0
        self.lock = threading.Lock()

    def advance(self) -> int:
        with self.lock:
            self.value += 1
            return self.value


EPOCH = _Epoch()


class VersionCounter:
    """How often a tensor's storage was changed in place (its version), shared by the tensor
    and every view of it (PyTorch's model); ``changes`` remembers the epochs of the latest
    changes, so a gate can tell which version it saw. ``views`` holds weak references to the
    views of the storage, so a change through one can bring the others' histories up to date.
    ``output_of``: a weak reference to the node that saved this storage as its output, set once
    a ``detach()``ed tensor shares the counter (a change through it must make that node stale,
    and the detached tensor has no ``grad_fn`` to find it by)."""

    KEEP = 32  # changes remembered
    __slots__ = ("value", "changes", "views", "output_of")

    def __init__(self) -> None:
        self.value = 0
        self.changes: list[int] = []  # epochs of the latest changes, oldest first
        self.views: list | None = None
        self.output_of: Callable[[], Node | None] | None = None

    def bump(self) -> None:
        self.value += 1
        with EPOCH.lock:  # (EPOCH.advance inlined: optimizers bump every parameter every step)
            EPOCH.value = epoch = EPOCH.value + 1
        self.changes.append(epoch)
        if len(self.changes) > 2 * self.KEEP:
            del self.changes[: self.KEEP]

    def changed_since(self, epoch: int) -> bool:
        return bool(self.changes) and self.changes[-1] > epoch

    def version_at(self, epoch: int) -> str:
        """The version the storage had at ``epoch`` ("at most N" when it was changed more
        times since than this counter remembers)."""
        later = sum(1 for e in self.changes if e > epoch)
        if later == len(self.changes) and self.value > later:
            return f"at most {self.value - later}"
        return str(self.value - later)


class ModifiedError(RuntimeError):
    """A value a gate saved for its gradient was changed in place before ``backward`` ran."""


# --- modes (per thread: each thread, and each asyncio task, sees its own) ----------------------


class Modes:
    """The recording state one thread sees: immutable, replaced as a whole when a mode changes,
    so a context manager restores exactly what it found."""

    __slots__ = ("enabled", "scope", "anomaly", "inference", "fast", "_flipped", "_scoped")

    def __init__(self, enabled: bool, scope: str | None, anomaly: Any, inference: bool) -> None:
        self.enabled = enabled  # record gates?
        self.scope = scope  # dotted name of the nn.Module whose forward is running (for drawing)
        self.anomaly = anomaly  # False, "trace" (where each gate ran) or "check" (and NaN/inf)
        self.inference = inference  # inside inference_mode()
        self.fast = enabled and not anomaly  # record, with nothing extra (the hot paths' test)
        self._flipped: Modes | None = None  # the same modes with `enabled` flipped, once made
        self._scoped: dict[str | None, Modes] = {}  # the same modes in other scopes, once made

    def with_enabled(self, enabled: bool) -> Modes:
        """These modes with recording on or off (made once per Modes: no_grad blocks are
        entered often)."""
        if enabled == self.enabled:
            return self
        flipped = self._flipped
        if flipped is None:  # (one way only: no reference cycle for the collector to find)
            flipped = self._flipped = Modes(enabled, self.scope, self.anomaly, self.inference)
        return flipped

    def replace(self, **changes: Any) -> Modes:
        fields = {k: getattr(self, k) for k in ("enabled", "scope", "anomaly", "inference")}
        fields.update(changes)
        return Modes(**fields)

    def with_scope(self, scope: str | None) -> Modes:
        """These modes in another scope (made once per scope: every module call enters one)."""
        scoped = self._scoped.get(scope)
        if scoped is None:
            scoped = self._scoped[scope] = Modes(self.enabled, scope, self.anomaly, self.inference)
        return scoped


# A new thread starts from the default: grad mode on, no scope, no anomaly mode.
_MODES: contextvars.ContextVar[Modes] = contextvars.ContextVar(
    "autograd_modes",
    default=Modes(True, None, False, False),  # noqa: B039  (never mutated: replaced whole)
)
modes = _MODES.get  # the hot path reads ``modes().enabled``: one C call


def is_grad_enabled() -> bool:
    """Whether gates are recorded in this thread."""
    return _MODES.get().enabled


def is_inference_mode_enabled() -> bool:
    return _MODES.get().inference


class _ModeContext:
    """Sets some modes for a ``with`` block (or for each call of a decorated function, and each
    step of a decorated generator), then restores the previous state of this thread."""

    changes: dict[str, Any] = {}
    _tokens: list | None = None  # one per __enter__ not yet exited (an instance may nest)

    def _apply(self, m: Modes) -> Modes:
        return m.replace(**self.changes)

    def _enter(self) -> contextvars.Token:
        return _MODES.set(self._apply(_MODES.get()))

    def __enter__(self) -> None:
        token = _MODES.set(self._apply(_MODES.get()))
        if self._tokens is None:
            self._tokens = [token]
        else:
            self._tokens.append(token)

    def __exit__(self, *exc: object) -> None:
        _MODES.reset(self._tokens.pop())  # type: ignore[union-attr]

    def __call__(self, fn: Callable) -> Callable:
        factory = self._factory()
        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def generator(*args: Any, **kwargs: Any) -> Iterator:
                return (yield from _in_mode(fn(*args, **kwargs), factory))

            return generator

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with factory():
                return fn(*args, **kwargs)

        return wrapper

    def _factory(self) -> Callable[[], _ModeContext]:
        return type(self)


def _in_mode(gen: Any, factory: Callable[[], _ModeContext]) -> Iterator:
    """Run each step of a generator inside the mode (and none of the caller's code between)."""
    action, arg = gen.send, None
    while True:
        try:
            with factory():
                value = action(arg)
        except StopIteration as stop:
            return stop.value
        try:
            arg = yield value
            action = gen.send
        except GeneratorExit:
            with factory():
                gen.close()
            raise
        except BaseException as exc:  # thrown into us: throw it into the generator, in the mode
            action, arg = gen.throw, exc


class _BareDecorator(_ModeContext):
    """A mode that also decorates without parentheses, as in PyTorch: ``@no_grad`` is
    ``@no_grad()``."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        if len(args) == 1 and not kwargs and callable(args[0]):
            return cls()(args[0])  # (a function, not an instance: __init__ does not run)
        return super().__new__(cls)


class no_grad(_BareDecorator):
    """Inside, no gate is recorded: results never require grad. Also a decorator (of functions
    and of generator functions, with or without parentheses). Per thread."""

    changes = {"enabled": False}

    def _apply(self, m: Modes) -> Modes:  # (the common case, without the general replace)
        return m.with_enabled(False)


class enable_grad(_BareDecorator):
    """Re-enables recording inside a ``no_grad`` block. Also a decorator. Per thread."""

    changes = {"enabled": True}

    def _apply(self, m: Modes) -> Modes:
        return m.with_enabled(True)


class set_grad_enabled(_ModeContext):
    """Turns recording on or off: as a context manager, as a decorator, or (like PyTorch) as a
    plain call ``set_grad_enabled(False)`` that changes this thread's mode at once."""

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self.changes = {"enabled": self.mode}
        self._undo: contextvars.Token | None = self._enter()  # takes effect now, like PyTorch

    def _apply(self, m: Modes) -> Modes:
        return m.with_enabled(self.mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: object) -> None:
        if self._undo is not None:
            _MODES.reset(self._undo)
            self._undo = None

    def __call__(self, fn: Callable) -> Callable:
        self.__exit__()  # used as a decorator: construction must not change the mode
        return super().__call__(fn)

    def _factory(self) -> Callable[[], _ModeContext]:
        changes = self.changes
        return lambda: _Changes(changes)


class _Changes(_ModeContext):
    def __init__(self, changes: dict[str, Any]) -> None:
        self.changes = changes


class inference_mode(_BareDecorator):
    """Like ``no_grad`` for running a trained model (PyTorch's ``inference_mode``): nothing is
    recorded inside. ``inference_mode(False)`` turns recording back on (inside ``no_grad`` or
    ``inference_mode`` too), as PyTorch's does."""

    def __init__(self, mode: bool = True) -> None:
        self.mode = bool(mode)
        on = {"enabled": False, "inference": True}
        self.changes = on if self.mode else {"enabled": True, "inference": False}

    def _factory(self) -> Callable[[], _ModeContext]:
        mode = self.mode
        return lambda: inference_mode(mode)


class scope(_ModeContext):
    """Tag every node recorded inside with ``name`` (``nn.Module`` calls use their dotted name)."""

    def __init__(self, name: str | None) -> None:
        self.name = name
        self.changes = {"scope": name}

    def _factory(self) -> Callable[[], _ModeContext]:
        name = self.name
        return lambda: scope(name)


def current_scope() -> str | None:
    """The scope name nodes recorded now are tagged with (None outside any module)."""
    return _MODES.get().scope


def enter_scope(name: str | None) -> contextvars.Token:
    """Tag the nodes recorded from now on with ``name`` until ``exit_scope(token)``: the cheap
    form of ``with scope(name):`` that ``nn.Module.__call__`` uses on every call."""
    return _MODES.set(_MODES.get().with_scope(name))


def exit_scope(token: contextvars.Token) -> None:
    _MODES.reset(token)


def enter_grad_mode(enabled: bool) -> contextvars.Token:
    """Record (or not) from now on until ``exit_scope(token)``: the cheap form of
    ``with set_grad_enabled(enabled):`` that every backward pass enters."""
    return _MODES.set(_MODES.get().with_enabled(enabled))


class AnomalyError(FloatingPointError):
    """A gate produced NaN or inf (forward or backward) while ``detect_anomaly`` was on."""


class detect_anomaly(_ModeContext):
    """Record where each gate ran; the first gate whose forward output, backward gradient, or a
    leaf's summed gradient holds NaN/inf raises :class:`AnomalyError` naming the gate, its input
    shapes and the user code that ran it. ``check_nan=False`` records without checking."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self.changes = {"anomaly": "check" if check_nan else "trace"}

    def _factory(self) -> Callable[[], _ModeContext]:
        check = self.check_nan
        return lambda: detect_anomaly(check)


def is_anomaly_enabled() -> bool:
    return bool(_MODES.get().anomaly)


def stack_here() -> list:
    """The caller's stack, as anomaly mode keeps it on each node."""
    return traceback.extract_stack()[:-2]


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


def where_it_ran(node: Node) -> str:
    """ "; its forward ran at file:line in fn:" and the last user frames, when anomaly mode
    recorded them."""
    trace = getattr(node, "trace", None)
    if not trace:
        return ""
    frames = _user_frames(trace)
    last = frames[-1]
    return f"; its forward ran at {last.filename}:{last.lineno} in {last.name}:\n" + "".join(
        traceback.format_list(frames[-3:])
    )


def _finite(a: Any) -> bool:
    """Whether an array (or a Tensor's array) holds no NaN/inf; None and non-floats pass."""
    if a is not None and not isinstance(a, np.ndarray):
        a = getattr(a, "data", None)
    return a is None or a.dtype.kind != "f" or bool(np.isfinite(a).all())


def check_forward(node: Node, data: Any) -> None:
    """Anomaly mode: a gate whose output holds NaN/inf raises, naming the gate and the user's
    line, and saying whether an input was already non-finite (then the NaN came in with it)."""
    if _finite(data):
        return
    bad_inputs = [i for i, t in enumerate(node.inputs) if not _finite(t)]
    shapes = ", ".join(str(getattr(t, "shape", "?")) for t in node.inputs)
    if bad_inputs:
        why = f"its input {bad_inputs[0]} already held NaN/inf (it entered through that input)"
    else:
        why = "from finite inputs"
    raise AnomalyError(
        f"{node.gate.name}: forward produced NaN/inf {why} (input shapes {shapes})"
        f"{where_it_ran(node)}"
    )


def check_backward(node: Node, grads: Any) -> None:
    """Anomaly mode: the first backward rule whose result holds NaN/inf raises."""
    for i, g in enumerate(grads):
        if not _finite(g):
            shapes = ", ".join(str(getattr(t, "shape", "?")) for t in node.inputs)
            raise AnomalyError(
                f"{node.gate.name}: backward produced NaN/inf in the gradient of input {i} "
                f"(input shapes {shapes}){where_it_ran(node)}"
            )


def check_leaf(shape: Any, g: Any) -> None:
    """Anomaly mode: a leaf's summed gradient (two finite paths can overflow when they meet)."""
    if not _finite(g):
        raise AnomalyError(
            f"accumulate: the summed gradient of a leaf of shape {shape} holds NaN/inf "
            "(each gradient reaching it was finite: their sum overflowed)"
        )
