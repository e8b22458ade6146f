"""Function transforms, PyTorch's ``torch.autograd.functional``: ``vjp``, ``jvp``, ``jacobian``,
``hessian``, ``vhp`` and ``hvp`` of a function of tensors.

Each one runs ``func`` on differentiable copies of ``inputs`` (a Tensor or a tuple of them) and
differentiates with ``autograd.grad``; forward-mode products (``jvp``, ``hvp``) use the
double-vjp identity ``J v = d/du <J^T u, v>`` (``J^T u`` is linear in ``u``). Results mirror
the structure of the arguments: a Tensor for a Tensor, a tuple for a tuple. With
``create_graph=True`` the results are themselves differentiable; otherwise they are detached.
``strict=True`` raises when an output does not depend on an input (else its part is zeros).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .backward import grad
from .gates.shape import stack
from .graph import enable_grad
from .tensor import Tensor

Tensors = Tensor | tuple[Tensor, ...]


def _tuple(x: Any, what: str, op: str) -> tuple[Tensor, ...]:
    items = x if isinstance(x, (tuple, list)) else (x,)
    for i, t in enumerate(items):
        if not isinstance(t, Tensor):
            raise TypeError(f"{op}: {what} {i} is a {type(t).__name__}, expected a Tensor")
    return tuple(items)


def _shaped(result: tuple, like: Any) -> Any:
    """A tuple back as a single value when the user gave one."""
    return result if isinstance(like, (tuple, list)) else result[0]


def _differentiable(inputs: tuple[Tensor, ...], create_graph: bool) -> tuple[Tensor, ...]:
    """Inputs the transform can differentiate with respect to: fresh leaves (or, to stay
    differentiable with respect to the caller's graph under ``create_graph``, the same values
    passed through an identity gate)."""
    out = []
    for x in inputs:
        if x.dtype.kind != "f":
            raise TypeError(f"functional: inputs must be floating point, got dtype {x.dtype}")
        out.append(x * 1.0 if create_graph and x.requires_grad else x.detach().requires_grad_())
    return tuple(out)


def _grads(
    outputs: tuple[Tensor, ...],
    inputs: tuple[Tensor, ...],
    grad_outputs: tuple[Any, ...],
    create_graph: bool,
    strict: bool,
    op: str,
) -> tuple[Tensor, ...]:
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        found: tuple = (None,) * len(inputs)
    else:
        found = grad(
            [o for o, _ in pairs],
            list(inputs),
            grad_outputs=[g for _, g in pairs],
            create_graph=create_graph,
            retain_graph=True,
            allow_unused=True,
        )
    result = []
    for i, (x, g) in enumerate(zip(inputs, found)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"{op}: the output does not depend on input {i} (strict=True); pass "
                    "strict=False for zeros"
                )
            g = Tensor(np.zeros(x.shape, dtype=x.dtype))
        result.append(g if create_graph else g.detach())
    return tuple(result)


def _vectors(v: Any, like: tuple[Tensor, ...], what: str, op: str) -> tuple[Tensor, ...]:
    """The user's ``v`` checked against the shapes it multiplies; None only for one-element
    outputs/inputs (then ones)."""
    if v is None:
        if any(t.numel() != 1 for t in like):
            raise RuntimeError(f"{op}: v can be omitted only when every {what} has one element")
        return tuple(Tensor(np.ones(t.shape, dtype=t.dtype)) for t in like)
    vs = _tuple(v, "v", op)
    if len(vs) != len(like):
        raise RuntimeError(f"{op}: v has {len(vs)} tensors for {len(like)} {what}s")
    for i, (a, b) in enumerate(zip(vs, like)):
        if a.shape != b.shape:
            raise RuntimeError(f"{op}: v[{i}] has shape {a.shape}, the {what} has {b.shape}")
    return vs


def vjp(
    func: Callable[..., Any],
    inputs: Tensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one tensor per input."""
    xs = _tuple(inputs, "input", "vjp")
    with enable_grad():
        dx = _differentiable(xs, create_graph)
        out = func(*dx)
        outs = _tuple(out, "output", "vjp")
        vs = _vectors(v, outs, "output", "vjp")
        result = _grads(outs, dx, vs, create_graph, strict, "vjp")
    outputs = out if create_graph else _detach(out)
    return outputs, _shaped(result, inputs)


def jvp(
    func: Callable[..., Any],
    inputs: Tensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Any, Any]:
    """``(func(inputs), J v)``: the Jacobian-vector product, one tensor per output, by the
    double-vjp identity (a second reverse pass through ``J^T u``, linear in ``u``)."""
    xs = _tuple(inputs, "input", "jvp")
    with enable_grad():
        dx = _differentiable(xs, create_graph)
        vs = _vectors(v, dx, "input", "jvp")
        out = func(*dx)
        outs = _tuple(out, "output", "jvp")
        us = _dummies(outs)
        jt_u = _grads(outs, dx, us, True, strict, "jvp")  # J^T u, recorded
        result = _grads(jt_u, us, vs, create_graph, strict, "jvp")  # d<J^T u, v>/du = J v
    outputs = out if create_graph else _detach(out)
    return outputs, _shaped(result, out)


def jacobian(
    func: Callable[..., Any],
    inputs: Tensors,
    create_graph: bool = False,
    strict: bool = False,
) -> Any:
    """d func / d inputs: for one output and one input, a tensor of shape
    ``output.shape + input.shape``; for tuples, ``J[i][j]`` for output i and input j."""
    xs = _tuple(inputs, "input", "jacobian")
    with enable_grad():
        dx = _differentiable(xs, create_graph)
        out = func(*dx)
        outs = _tuple(out, "output", "jacobian")
        rows: list[tuple[Tensor, ...]] = []
        for k, o in enumerate(outs):
            per_input: list[list[Tensor]] = [[] for _ in dx]
            for flat in range(o.numel()):
                basis = [Tensor(np.zeros(p.shape, dtype=p.dtype)) for p in outs]
                basis[k].data.reshape(-1)[flat] = 1.0
                row = _grads(outs, dx, tuple(basis), create_graph, strict, "jacobian")
                for j, r in enumerate(row):
                    per_input[j].append(r)
            rows.append(tuple(_stack(per_input[j], o.shape, x.shape) for j, x in enumerate(dx)))
    if not isinstance(out, (tuple, list)):
        return _shaped(rows[0], inputs)
    return tuple(_shaped(r, inputs) for r in rows)


def _stack(rows: list[Tensor], out_shape: tuple, in_shape: tuple) -> Tensor:
    if not rows:
        return Tensor(np.zeros(out_shape + in_shape))
    return stack(rows, 0).reshape(out_shape + in_shape)


def hessian(
    func: Callable[..., Any],
    inputs: Tensors,
    create_graph: bool = False,
    strict: bool = False,
) -> Any:
    """The second derivatives of a scalar ``func``: ``H[i][j]`` of shape
    ``inputs[i].shape + inputs[j].shape`` (one tensor for one input)."""
    xs = _tuple(inputs, "input", "hessian")

    def gradient(*dx: Tensor) -> tuple[Tensor, ...]:
        out = func(*dx)
        if not isinstance(out, Tensor) or out.numel() != 1:
            raise RuntimeError("hessian: func must return a Tensor with one element")
        return _grads((out,), dx, (None,), True, strict, "hessian")  # type: ignore[arg-type]

    jac = jacobian(gradient, xs, create_graph, strict)  # one row per input
    if isinstance(inputs, (tuple, list)):
        return jac
    return jac[0][0]


def vhp(
    func: Callable[..., Any],
    inputs: Tensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """``(func(inputs), v^T H)`` for a scalar ``func``: the gradient of ``<grad func, v>``."""
    xs = _tuple(inputs, "input", "vhp")
    with enable_grad():
        dx = _differentiable(xs, create_graph)
        vs = _vectors(v, dx, "input", "vhp")
        out = _scalar(func(*dx), "vhp")
        g = _grads((out,), dx, (None,), True, strict, "vhp")  # type: ignore[arg-type]
        result = _grads(g, dx, vs, create_graph, strict, "vhp")
    return (out if create_graph else out.detach()), _shaped(result, inputs)


def hvp(
    func: Callable[..., Any],
    inputs: Tensors,
    v: Any = None,
    create_graph: bool = False,
    strict: bool = False,
) -> tuple[Tensor, Any]:
    """``(func(inputs), H v)`` for a scalar ``func``, by the double-vjp identity applied to the
    gradient (``H v`` and ``v^T H`` agree whenever the second derivatives are symmetric)."""
    xs = _tuple(inputs, "input", "hvp")
    with enable_grad():
        dx = _differentiable(xs, create_graph)
        vs = _vectors(v, dx, "input", "hvp")
        out = _scalar(func(*dx), "hvp")
        g = _grads((out,), dx, (None,), True, strict, "hvp")  # type: ignore[arg-type]
        us = _dummies(dx)
        ht_u = _grads(g, dx, us, True, strict, "hvp")  # H^T u, linear in u
        result = _grads(ht_u, us, vs, create_graph, strict, "hvp")  # H v
    return (out if create_graph else out.detach()), _shaped(result, inputs)


def _dummies(like: tuple[Tensor, ...]) -> tuple[Tensor, ...]:
    """The ``u`` of the double-vjp identity. Any value gives the same derivative (``J^T u`` is
    linear in ``u``) except exact zeros: gates whose rule guards an unbounded local derivative
    (``log``, ``div``, ``sqrt``, ``pow``) send nothing back where the upstream gradient is 0, so
    ones, not zeros."""
    return tuple(Tensor(np.ones(t.shape, dtype=t.dtype), requires_grad=True) for t in like)


def _scalar(out: Any, op: str) -> Tensor:
    if not isinstance(out, Tensor) or out.numel() != 1:
        raise RuntimeError(f"{op}: func must return a Tensor with one element")
    return out


def _detach(out: Any) -> Any:
    if isinstance(out, Tensor):
        return out.detach()
    return tuple(o.detach() for o in out)
