"""Your own gates: ``autograd.Function``, PyTorch's API.

A subclass states a gate as two static methods, the forward on the input values and the backward
on the output's gradient, side by side — the same contract as the engine's own gates::

    class Sigmoid(autograd.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + (-x).exp())
            ctx.save_for_backward(s)
            return s

        @staticmethod
        def backward(ctx, g):
            (s,) = ctx.saved_tensors
            return g * s * (1 - s)

    y = Sigmoid.apply(x)

``apply`` runs ``forward`` without recording and records one node for the whole function (drawn
under the class's name, its rule the docstring's first line). ``backward`` returns one gradient
per ``forward`` argument (None for non-tensors or inputs that need none); when it is written with
Tensor operations it is differentiable again under ``create_graph``. The saved tensors are
version-checked like the engine's gates: changing one in place before ``backward`` raises.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .graph import Gate, ModifiedError, Node, modes, no_grad
from .tensor import Tensor, _from_node, _recorded, _wrap, version


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: saved tensors, ``needs_input_grad``, and any
    attribute you set on it (``ctx.k = 3``)."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Tensor | None, ...] = ()
        self._versions: tuple[int, ...] = ()
        self._non_differentiable: set[int] = set()
        self._outputs: dict[int, int] = {}  # saved slot -> forward output it is (see apply)
        self._node: Node | None = None  # while backward runs: the node, to rebuild outputs
        self.function = ""

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep these tensors (inputs, outputs or others) for ``backward``; an in-place change
        of any of them before ``backward`` is an error, as for the engine's gates."""
        for i, t in enumerate(tensors):
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    f"save_for_backward: argument {i} is a {type(t).__name__}; save tensors "
                    "here and other values as attributes of ctx"
                )
        self._saved = tensors
        self._versions = tuple(0 if t is None else version(t) for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        for i, (t, then) in enumerate(zip(self._saved, self._versions)):
            if t is not None and version(t) != then:
                raise ModifiedError(
                    f"{self.function}: saved tensor {i} (shape {t.shape}, dtype {t.dtype}) was "
                    f"modified by an in-place operation after save_for_backward: it is at "
                    f"version {version(t)}, it was saved at version {then}"
                )
        if self._outputs and self._node is not None:
            # a saved output comes back as the node's output again, so that a backward written
            # with Tensor operations is differentiable through it (as in PyTorch)
            node = self._node
            return tuple(
                _from_node(t.data, node) if i in self._outputs and t is not None else t
                for i, t in enumerate(self._saved)
            )
        return self._saved

    def mark_non_differentiable(self, *outputs: Tensor) -> None:
        """These outputs (integer indices, masks...) get no gradient and are not recorded."""
        self._non_differentiable.update(id(t) for t in outputs)


class Function:
    """Subclass and write ``forward(ctx, *args)`` and ``backward(ctx, *grad_outputs)`` as static
    methods; call ``YourFunction.apply(*args)``. See the module docstring."""

    _gate: Gate

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        doc = (cls.__doc__ or "").strip().splitlines()
        rule = doc[0] if doc else f"{cls.__name__}.backward, written by the user"
        # Not in the registry of the engine's own gates (their gradient tests cover those). It
        # reads no input through the engine: ctx.saved_tensors checks what backward reads.
        cls._gate = Gate(cls.__name__, rule, _rule, reads=(), register=False)

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Function subclasses define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        raise NotImplementedError("Function subclasses define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        name = cls.__name__
        tensor_at = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        recording = modes().enabled and any(needs)
        ctx = FunctionCtx(needs if recording else (False,) * len(args))
        ctx.function = name
        with no_grad():
            result = cls.forward(ctx, *args, **kwargs)
        single = isinstance(result, Tensor)
        outputs = (
            (result,) if single else tuple(result) if isinstance(result, (tuple, list)) else None
        )
        if outputs is None or not all(isinstance(o, Tensor) for o in outputs):
            raise TypeError(
                f"{name}.forward must return a Tensor or a tuple of Tensors, got "
                f"{type(result).__name__}"
            )
        if not recording:
            return result
        differentiable = [
            k for k, o in enumerate(outputs)
            if id(o) not in ctx._non_differentiable and o.data.dtype.kind == "f"
        ]  # fmt: skip
        inputs = tuple(args[i] for i in tensor_at)
        attrs = (cls, tensor_at, len(args), [outputs[k].shape for k in differentiable])
        if single:  # (a saved output of a several-output Function stays a constant)
            ctx._outputs = {i: 0 for i, t in enumerate(ctx._saved) if t is result}
        if single:
            if not differentiable:
                return _wrap(result.data)
            data = result.data
            if any(np.may_share_memory(data, x.data) for x in inputs):
                data = data.copy()  # an input handed back: the output gets its own storage
                ctx._outputs = {}
            return _recorded(cls._gate, data, inputs, ctx, attrs)
        # Several outputs: one node whose output packs the differentiable ones end to end, each
        # handed out as a view of its part (so they share one node, as in PyTorch).
        dtype = (
            np.result_type(*[outputs[k].dtype for k in differentiable]) if differentiable else None
        )
        pieces = [outputs[k].data.reshape(-1).astype(dtype, copy=False) for k in differentiable]
        packed = _recorded(
            cls._gate, np.concatenate(pieces) if pieces else np.zeros(0), inputs, ctx, attrs
        )
        out, start = list(outputs), 0
        for k in differentiable:
            o = outputs[k]
            piece = packed[start : start + o.data.size].reshape(o.shape)
            out[k] = piece if piece.dtype == o.dtype else piece.to(o.dtype)
            start += o.data.size
        for k, o in enumerate(outputs):
            if k not in differentiable:
                out[k] = _wrap(o.data)
        return tuple(out)


def _rule(node: Node, g: Tensor) -> tuple:
    """The rule of every user Function's gate: unpack the output's gradient, call the user's
    ``backward``, and check what it returned."""
    cls, tensor_at, n_args, shapes = node.attrs
    ctx, name = node.saved, cls.__name__
    if len(shapes) <= 1:
        grads_out: tuple = (g,)
    else:
        grads_out, start = (), 0
        for shape in shapes:
            size = int(np.prod(shape))
            grads_out += (g[start : start + size].reshape(shape),)
            start += size
    ctx._node = node
    try:
        returned = cls.backward(ctx, *grads_out)
    finally:
        ctx._node = None  # (no cycle between the node and its context)
    grads = returned if isinstance(returned, tuple) else (returned,)
    if len(grads) != n_args:
        raise RuntimeError(
            f"{name}.backward returned {len(grads)} gradient(s); forward took {n_args} "
            "argument(s) (return one per argument, None where there is none)"
        )
    result = []
    for pos, i in enumerate(tensor_at):
        gi, x = grads[i], node.inputs[pos]  # type: ignore[index]
        if gi is not None:
            if not isinstance(gi, Tensor):
                gi = _wrap(np.asarray(gi, dtype=x.dtype))
            try:  # the gradient has the input's shape, or one it broadcasts to (summed back)
                fits = np.broadcast_shapes(gi.shape, x.shape) == gi.shape
            except ValueError:
                fits = False
            if not fits:
                raise RuntimeError(
                    f"{name}.backward returned a gradient of shape {gi.shape} for argument "
                    f"{i}, which has shape {x.shape}"
                )
        result.append(gi)
    return tuple(result)
