"""In-place operations, made safe the way PyTorch makes them safe.

Every in-place change bumps the version counter of the tensor's storage (shared with every view
of it): a gate that saved a value for its gradient refuses to run once that value has changed
(``graph.ModifiedError``), so no in-place change can turn into a silently wrong gradient.

When the change must be recorded (grad mode on, and the tensor or the new value requires grad),
the new value is computed out of place, from a stand-in for the old value, and written into the
storage; the tensor then gets the new node as its history (gates recorded before the change
keep their edges to the node it replaces, so their gradients reach the history they saw). A
change made through a view becomes an ``index_put`` into the view's base, and every view of that
base gets a history as a gather from the base's new one.

A leaf that requires grad may only be changed under ``no_grad()`` (as optimizers do). ``.data``
stays the unchecked escape hatch: writing into it bumps nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .gates._common import base_of
from .gates.shape import getitem, index_arg, index_put, int_first
from .graph import Node, modes, next_seq, reads_input
from .tensor import Tensor, _wrap, attach_retain_hook, counter

# --- views -------------------------------------------------------------------------------------


def positions(view: np.ndarray, base: np.ndarray, op: str) -> np.ndarray:
    """For each element of ``view`` (an array looking into ``base``'s memory), its flat
    (C-order) index in ``base``: lay the indices out in a scratch copy of ``base``'s memory, then
    read them back through ``view``'s strides."""
    item = base.itemsize
    if any(s % item for s in (*base.strides, *view.strides)):
        raise RuntimeError(f"{op}: cannot follow a view with strides {view.strides}")
    low = sum(min(0, (n - 1) * s) for n, s in zip(base.shape, base.strides) if n)
    high = sum(max(0, (n - 1) * s) for n, s in zip(base.shape, base.strides) if n)
    memory = np.full((high - low) // item + 1, -1, dtype=np.int64)

    def strided(offset: int, shape: tuple, strides: tuple) -> np.ndarray:
        """``memory`` seen with an array's layout (byte offsets and strides of that array)."""
        return as_strided(memory[offset // item :], shape, tuple(s // item * 8 for s in strides))

    strided(-low, base.shape, base.strides)[...] = np.arange(base.size).reshape(base.shape)
    start = base.__array_interface__["data"][0]
    offset = view.__array_interface__["data"][0] - start - low
    out = strided(offset, view.shape, view.strides).copy()
    if out.size and out.min() < 0:
        raise RuntimeError(f"{op}: the view does not lie inside its base's elements")
    return out


def _index_of(view: Tensor, base: Tensor, op: str) -> tuple:
    """An advanced index selecting ``view``'s elements of ``base``, in ``view``'s shape."""
    return np.unravel_index(positions(view.data, base.data, op), base.shape)


# --- histories ---------------------------------------------------------------------------------


def set_history(t: Tensor, node: Node) -> None:
    """``t``'s value is now the output of ``node`` (gates recorded before keep their edges to
    the node it had)."""
    old = t.grad_fn
    t.grad_fn = node
    t.requires_grad = True
    if t._extra is not None and t._extra.retains:  # retain_grad moves to the new history
        if old is not None and old.hooks:
            old.hooks[:] = [h for h in old.hooks if not getattr(h, "retains_grad", False)]
        attach_retain_hook(t, node)


def refresh_views(base: Tensor, op: str) -> None:
    """After ``base`` got a new history: each live view of it becomes a gather from it."""
    c = base._extra.counter if base._extra is not None else None
    if c is None or not c.views or not base.requires_grad:
        return
    for ref in c.views:
        v = ref()
        if v is None or v is base or v._extra.base is not base:
            continue  # (a detach()ed alias shares the counter and its views, not their history)
        fresh = getitem(base, _index_of(v, base, op))
        set_history(v, fresh.grad_fn)  # type: ignore[arg-type]


def bump(t: Tensor) -> None:
    """Count an in-place change of ``t``'s storage. A gate that saved this storage as its
    output (exp, tanh, softmax...) is marked stale: its rule would read the new values."""
    e = t._extra  # (base_of and counter inlined: optimizers bump every parameter every step)
    base = None if e is None else e.base
    root = t if base is None else base
    e = root._extra
    c = counter(root) if e is None or e.counter is None else e.counter
    c.bump()
    gf = root.grad_fn
    if gf is not None and gf.gate.saves_output and getattr(gf, "stale", None) is None:
        gf.stale = (root.shape, c.value, c.value - 1)
    if c.output_of is not None:  # changed through a detach()ed copy of a saved output
        gf = c.output_of()
        if gf is not None and getattr(gf, "stale", None) is None:
            gf.stale = (root.shape, c.value, c.value - 1)


def _check_target(t: Tensor, op: str, recording: bool) -> None:
    if not t.data.flags.writeable:
        raise ValueError(
            f"{op}: cannot write into this tensor: its data is read-only (an expanded or "
            f"broadcast view of shape {t.shape}, or a read-only array); clone() it first"
        )
    if not recording:
        return
    if t.requires_grad and t.grad_fn is None:
        raise RuntimeError(
            f"{op}: a leaf tensor that requires grad (shape {t.shape}) cannot be changed in "
            "place while grad mode is on (its gradient would no longer match the value the "
            "graph used); change it under `with autograd.no_grad():` as optimizers do, or "
            "work on a copy (x.clone())"
        )
    base = base_of(t)
    if base is not None and base.requires_grad and base.grad_fn is None:
        raise RuntimeError(
            f"{op}: this tensor is a view of a leaf that requires grad (shape {base.shape}); "
            "it cannot be changed in place while grad mode is on (use no_grad(), or clone())"
        )


def _write(t: Tensor, value: np.ndarray, op: str) -> None:
    if value.dtype != t.data.dtype and not np.can_cast(value.dtype, t.data.dtype, "same_kind"):
        raise TypeError(
            f"{op}: the result has dtype {value.dtype}, which cannot be stored in place into a "
            f"tensor of dtype {t.dtype}"
        )
    t.data[...] = value


def _reads_stand_in(node: Node, old: Tensor, since: int) -> bool:
    """Whether a gate recorded by the in-place computation (seq >= ``since``) reads the old
    value's array (which is about to be overwritten)."""
    stack, seen = [node], set()
    while stack:
        n = stack.pop()
        if id(n) in seen or n.seq < since:
            continue
        seen.add(id(n))
        for i, x in enumerate(n.inputs):
            if x is old and reads_input(n, i):
                return True
        stack.extend(e for e in n.next if type(e) is Node)
    return False


def commit(t: Tensor, op: str, compute: Callable[[Tensor], Tensor]) -> Tensor:
    """Change ``t`` in place to ``compute(old value)``, recording the change when the result
    requires grad (see the module docstring). ``compute`` builds the new value out of place."""
    recording = modes().enabled
    _check_target(t, op, recording)
    old = _wrap(t.data)  # a stand-in for the old value, with t's history
    old.requires_grad = t.requires_grad
    old.grad_fn = t.grad_fn
    since = next_seq()
    new = compute(old)
    if new.shape != t.shape:
        raise ValueError(
            f"{op}: the result has shape {new.shape} but the tensor changed in place has shape "
            f"{t.shape} (an in-place operation cannot broadcast its target)"
        )
    if not (recording and new.requires_grad):
        _write(t, new.data, op)
        bump(t)
        return t
    node = new.grad_fn
    assert node is not None
    if _reads_stand_in(node, old, since):
        old.data = t.data.copy()  # the recorded rule reads the old value: keep it
    _write(t, new.data, op)
    if new.dtype != t.dtype:  # the history must produce t's dtype too
        from .gates.elementwise import cast

        node = cast(new, t.dtype).grad_fn
    bump(t)
    base = base_of(t)
    if base is None:
        set_history(t, node)  # type: ignore[arg-type]
        refresh_views(t, op)
        return t
    # A change through a view: the base's new value is its old one with the view's elements
    # replaced by the new ones.
    stand_in = _wrap(base.data)
    stand_in.requires_grad = base.requires_grad
    stand_in.grad_fn = base.grad_fn
    rebuilt = index_put(stand_in, _from(node, new), _index_of(t, base, op))
    set_history(base, rebuilt.grad_fn)  # type: ignore[arg-type]
    refresh_views(base, op)
    return t


def _from(node: Node, new: Tensor) -> Tensor:
    """``new`` with ``node`` (possibly a cast of it) as its history."""
    if new.grad_fn is node:
        return new
    out = _wrap(new.data)
    out.requires_grad = True
    out.grad_fn = node
    return out


def in_place(
    op: str, compute: Callable[..., Tensor], kernel: Callable[..., Any] | None = None
) -> Callable[..., Tensor]:
    """The in-place method ``op`` (``add_``...): ``compute(old, *args)`` gives the new value out of
    place; ``kernel(array, *args)``, when given, writes it straight into the array (the path
    taken when nothing needs recording: optimizers, statistics, no_grad code)."""

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        if kernel is not None and not (
            modes().enabled and (self.requires_grad or _any_requires_grad(args, kwargs))
        ):
            if not self.data.flags.writeable:
                _check_target(self, op, False)  # (raises, naming the tensor)
            try:
                kernel(self.data, *args, **kwargs)
            except TypeError as err:  # NumPy refuses to store e.g. a float result in an int
                raise TypeError(f"{op}: {err} (tensor dtype {self.dtype})") from None
            except ValueError as err:
                raise ValueError(f"{op}: {err} (tensor shape {self.shape})") from None
            bump(self)
            return self
        return commit(self, op, lambda old: compute(old, *args, **kwargs))

    method.__name__ = method.__qualname__ = op
    method.__doc__ = f"In place: ``x.{op}(...)`` changes x (see ``autograd.inplace``)."
    return method


def arithmetic(op: str, compute: Callable[..., Tensor], ufunc: np.ufunc) -> Callable[..., Tensor]:
    """``in_place`` for a two-operand ufunc (``add_``, ``mul_``...), with its most common case
    written straight: an array or number operand, no ``alpha``, nothing to record (what an
    optimizer's step does to every parameter; in_place's generic steps cost three times the
    ufunc there). Anything else, and any error, takes the general method, which names the op."""

    def kernel(a: np.ndarray, other: Any, *, alpha: Any = None) -> None:
        o = other.data if isinstance(other, Tensor) else other
        ufunc(a, o if alpha is None else np.multiply(o, alpha), out=a, casting="same_kind")

    general = in_place(op, compute, kernel)

    def method(self: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
        kind = type(other)
        if (
            alpha is None
            and (kind is np.ndarray or kind is float or kind is int)
            and not (self.requires_grad and modes().enabled)
            and self.data.flags.writeable
        ):
            a = self.data
            try:
                ufunc(a, other, out=a, casting="same_kind")
            except (TypeError, ValueError):  # (raised before anything is written)
                return general(self, other)
            bump(self)
            return self
        return general(self, other, alpha=alpha)

    method.__name__ = method.__qualname__ = op
    method.__doc__ = general.__doc__
    return method


def _any_requires_grad(args: tuple, kwargs: dict) -> bool:
    return any(getattr(a, "requires_grad", False) for a in (*args, *kwargs.values()))


def setitem(self: Tensor, index: Any, value: Any) -> None:
    """``x[index] = value``: recorded (an ``index_put``) when x or the value requires grad, so
    gradients reach the value and the untouched part of x."""
    index = index_arg(index)
    split = int_first(index)
    if split is not None:  # PyTorch's order: into the view the integers select
        setitem(getitem(self, split[0]), split[1], value)
        return
    if modes().enabled and (self.requires_grad or getattr(value, "requires_grad", False)):
        commit(self, "setitem", lambda old: index_put(old, value, index))
        return
    _check_target(self, "setitem", False)
    data = value.data if isinstance(value, Tensor) else value
    try:
        self.data[index] = data
    except (ValueError, IndexError, TypeError) as err:
        raise type(err)(f"setitem: {err} (tensor shape {self.shape})") from None
    bump(self)
