"""``autograd.checkpoint(fn, *args)``: trade compute for memory (PyTorch's
``torch.utils.checkpoint``).

The forward runs ``fn`` once, keeps its outputs' values and drops the graph it recorded, so none
of its activations outlive the call; the backward runs ``fn`` again, recorded, on the same inputs
(with the random streams ``fn`` drew from reset to where they were, so dropout masks come out the
same) and backpropagates through that. The gradients are those of ``fn(*args)`` itself; the peak
memory of a network checkpointed segment by segment is one segment's activations instead of all
of them. Like PyTorch's reentrant checkpoint, the result is differentiable once (not under
``create_graph``).

``fn`` may use tensors it was not given: a module's parameters, or any tensor its closure holds.
The first run's graph says which ones require grad; they become inputs of the checkpoint's node,
so they receive their gradients as if ``fn`` had been called directly (PyTorch traces through
them the same way).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .backward import grad_unhooked
from .function import Function, FunctionCtx
from .graph import Node, enable_grad, is_grad_enabled, next_seq
from .random import default_generator
from .tensor import Tensor, _wrap

# (node, i, tensor): input i of a node recorded inside the segment is a tensor from outside it;
# node is None when output i of the segment is such a tensor itself
_Crossing = tuple[Node | None, int, Tensor]


def _crossings(outs: Sequence[Any], start: int, own: set[int]) -> list[_Crossing]:
    """Where the graph recorded since ``start`` (the nodes with a later ``seq``) reaches, from
    ``outs``, tensors that require grad and are not the segment's own inputs (ids in ``own``)."""
    found: list[_Crossing] = []
    stack: list[Node] = []
    for k, o in enumerate(outs):
        if not isinstance(o, Tensor) or not o.requires_grad or id(o) in own:
            continue
        if o.grad_fn is not None and o.grad_fn.seq > start:
            stack.append(o.grad_fn)
        else:
            found.append((None, k, o))
    seen: set[int] = set()
    while stack:  # iterative: segments can be deep
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for i, (t, edge) in enumerate(zip(node.inputs or (), node.next)):
            if type(edge) is Node:
                if edge.seq > start:
                    stack.append(edge)
                else:
                    found.append((node, i, t))  # a recorded tensor from before the segment
            elif edge is not None and id(edge) not in own:
                found.append((node, i, edge))  # a leaf that requires grad: a parameter
    return found


def _detached(args: Sequence[Any]) -> list[Any]:
    """The segment's inputs as leaves of their own, so its graph ends at them."""
    return [
        a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in args
    ]


class _Checkpoint(Function):
    """recomputes its function's forward in backward instead of keeping its activations"""

    @staticmethod
    def forward(
        ctx: FunctionCtx,
        fn: Callable[..., Any],
        rng: Any,
        n_args: int,
        values: list[np.ndarray],
        single: bool,
        *tensors: Any,
    ) -> Any:
        # ``tensors``: fn's arguments, then the outside tensors it used (see checkpoint)
        ctx.fn, ctx.rng, ctx.out = fn, rng, values
        ctx.args = tensors[:n_args]
        ctx.save_for_backward(*[a for a in tensors if isinstance(a, Tensor)])
        outs = tuple(_wrap(v) for v in values)  # computed by checkpoint() already
        return outs[0] if single else outs

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Tensor) -> tuple:
        if is_grad_enabled():
            raise RuntimeError(
                "checkpoint: a checkpointed segment is differentiable once; backward through it "
                "with create_graph=True is not supported (call fn directly instead)"
            )
        saved = ctx.saved_tensors  # (checks they were not changed in place)
        n_tensors = sum(isinstance(a, Tensor) for a in ctx.args)
        given, outside = iter(saved[:n_tensors]), saved[n_tensors:]
        inputs = _detached([next(given) if isinstance(a, Tensor) else a for a in ctx.args])
        outer = default_generator.get_state()
        if ctx.rng is not None:
            default_generator.set_state(ctx.rng)  # the same random draws as the forward's
        start = next_seq()
        try:
            with enable_grad():
                out = ctx.fn(*inputs)
        finally:
            default_generator.set_state(outer)
        outs = list(out) if isinstance(out, tuple) else [out]
        if len(outs) != len(ctx.out) or any(
            not np.array_equal(o.data, then, equal_nan=True) for o, then in zip(outs, ctx.out)
        ):
            raise RuntimeError(
                "checkpoint: recomputing the segment gave a different result than its forward "
                "did, so its gradients would not match it (does it draw random numbers from a "
                "generator other than autograd.default_generator, e.g. Dropout(generator=...), "
                "or depend on state that changed?)"
            )
        # Cut the recomputed graph where it reaches recorded tensors from before the segment:
        # a leaf stands in for each, so this walk stops there (the outer backward goes on).
        stand_in = {id(t): t.detach().requires_grad_() for t in outside if t.grad_fn is not None}
        known = {id(t) for t in outside}
        own = {id(a) for a in inputs if isinstance(a, Tensor)}
        for node, i, t in _crossings(outs, start, own):
            if id(t) not in known:
                raise RuntimeError(
                    f"checkpoint: the recomputation used a tensor (shape {t.shape}, dtype "
                    f"{t.dtype}) that requires grad and that the forward did not use; its "
                    "gradient cannot be delivered (does fn take a different path each call?)"
                )
            leaf = stand_in.get(id(t))
            if leaf is None:
                continue  # a leaf already: its edge ends at it
            if node is None:
                outs[i] = leaf
            else:
                node.next = node.next[:i] + (leaf,) + node.next[i + 1 :]
        wanted = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
        wanted += [stand_in.get(id(t), t) for t in outside]
        pairs = [(o, g) for o, g in zip(outs, grad_outputs) if o.requires_grad]
        found = iter(
            grad_unhooked([o for o, _ in pairs], wanted, [g for _, g in pairs], allow_unused=True)
            if pairs and wanted
            else [None] * len(wanted)
        )
        grads = [next(found) if isinstance(a, Tensor) and a.requires_grad else None for a in inputs]
        return (None, None, None, None, None, *grads, *found)


def checkpoint(fn: Callable[..., Any], *args: Any, preserve_rng_state: bool = True) -> Any:
    """``fn(*args)``, recomputed during backward instead of keeping its activations. With
    ``preserve_rng_state`` (default) the recomputation draws the same random numbers from the
    default generator (dropout inside ``fn`` repeats its masks). Tensors ``fn`` uses without
    being given them (a module's parameters, a closure's tensors) get their gradients too."""
    if not callable(fn):
        raise TypeError(f"checkpoint: expected a function first, got {type(fn).__name__}")
    if not is_grad_enabled():
        return fn(*args)  # nothing is recorded, so there is nothing to recompute
    rng = default_generator.get_state() if preserve_rng_state else None
    inputs = _detached(args)
    start = next_seq()
    out = fn(*inputs)
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    bad = [type(o).__name__ for o in outs if not isinstance(o, Tensor)]
    if bad:
        raise TypeError(
            f"checkpoint: fn must return a Tensor or a tuple of Tensors, got {', '.join(bad)}"
        )
    # Which tensors from outside fn's arguments it used (by the graph it just recorded): they
    # become inputs of the checkpoint's node, so that the outer backward reaches them.
    own = {id(a) for a in inputs if isinstance(a, Tensor)}
    outside = list({id(t): t for _, _, t in _crossings(outs, start, own)}.values())
    values = [o.data for o in outs]
    del out, outs  # the recorded graph goes: only the outputs' values are kept
    return _Checkpoint.apply(fn, rng, len(args), values, single, *args, *outside)
