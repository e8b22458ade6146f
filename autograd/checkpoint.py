"""``autograd.checkpoint(fn, *args)``: trade compute for memory (PyTorch's
``torch.utils.checkpoint``).

The forward runs ``fn`` without recording, so none of its activations are kept; the backward
runs ``fn`` again, recorded, on the same inputs (with the random streams ``fn`` drew from reset
to where they were, so dropout masks come out the same) and backpropagates through that. The
gradients are those of ``fn(*args)`` itself; the peak memory of a network checkpointed segment by
segment is one segment's activations instead of all of them. Like PyTorch's reentrant
checkpoint, the result is differentiable once (not under ``create_graph``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .backward import grad
from .function import Function, FunctionCtx
from .graph import enable_grad, is_grad_enabled
from .random import default_generator
from .tensor import Tensor


class _Checkpoint(Function):
    """recomputes its function's forward in backward instead of keeping its activations"""

    @staticmethod
    def forward(ctx: FunctionCtx, fn: Callable[..., Any], preserve: bool, *args: Any) -> Any:
        ctx.fn, ctx.args = fn, args
        ctx.rng = default_generator.get_state() if preserve else None
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        out = fn(*args)
        # what the recomputation must reproduce (the segment's outputs: alive downstream anyway)
        ctx.out = [o.data for o in (out if isinstance(out, tuple) else (out,))]
        return out

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Tensor) -> tuple:
        if is_grad_enabled():
            raise RuntimeError(
                "checkpoint: a checkpointed segment is differentiable once; backward through it "
                "with create_graph=True is not supported (call fn directly instead)"
            )
        saved = iter(ctx.saved_tensors)  # (checks they were not changed in place)
        args = [next(saved) if isinstance(a, Tensor) else a for a in ctx.args]
        inputs = [
            a.detach().requires_grad_(a.requires_grad) if isinstance(a, Tensor) else a for a in args
        ]  # noqa: E501
        wanted = [a for a in inputs if isinstance(a, Tensor) and a.requires_grad]
        outer = default_generator.get_state()
        if ctx.rng is not None:
            default_generator.set_state(ctx.rng)  # the same random draws as the forward's
        try:
            with enable_grad():
                out = ctx.fn(*inputs)
        finally:
            default_generator.set_state(outer)
        outs = out if isinstance(out, tuple) else (out,)
        if len(outs) != len(ctx.out) or any(
            not np.array_equal(o.data, then, equal_nan=True) for o, then in zip(outs, ctx.out)
        ):
            raise RuntimeError(
                "checkpoint: recomputing the segment gave a different result than its forward "
                "did, so its gradients would not match it (does it draw random numbers from a "
                "generator other than autograd.default_generator, e.g. Dropout(generator=...), "
                "or depend on state that changed?)"
            )
        pairs = [(o, g) for o, g in zip(outs, grad_outputs) if o.requires_grad]
        found = iter(
            grad([o for o, _ in pairs], wanted, [g for _, g in pairs], allow_unused=True)
            if pairs and wanted
            else [None] * len(wanted)
        )
        grads = [next(found) if isinstance(a, Tensor) and a.requires_grad else None for a in inputs]
        return (None, None, *grads)


def checkpoint(fn: Callable[..., Any], *args: Any, preserve_rng_state: bool = True) -> Any:
    """``fn(*args)``, recomputed during backward instead of keeping its activations. With
    ``preserve_rng_state`` (default) the recomputation draws the same random numbers from the
    default generator (dropout inside ``fn`` repeats its masks)."""
    if not callable(fn):
        raise TypeError(f"checkpoint: expected a function first, got {type(fn).__name__}")
    return _Checkpoint.apply(fn, preserve_rng_state, *args)
