"""Finite-difference gradient checks (public API): ``gradcheck`` and ``gradgradcheck``.

Both compare the engine's analytic gradients with float64 central differences
``(f(x + eps) - f(x - eps)) / (2 eps)`` of the scalar ``<f(x), v>`` for a fixed random ``v``,
element by element, and on failure say which input, which element, and the two values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .backward import grad
from .graph import enable_grad, is_grad_enabled, no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree."""


def _as_outputs(out: Any) -> list[Tensor]:
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    for o in outs:
        if not isinstance(o, Tensor):
            raise TypeError(f"gradcheck: the function must return Tensors, got {type(o).__name__}")
    return outs


def _weights(outs: list[Tensor], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(o.shape) for o in outs]


def _projected(fn: Callable, inputs: Sequence[Any], weights: list[np.ndarray]) -> float:
    with no_grad():
        outs = _as_outputs(fn(*inputs))
    total = 0.0
    for o, w in zip(outs, weights):
        total += float(np.vdot(w, o.data.astype(np.float64, copy=False)))
    return total


def _like(v: Tensor, out: Tensor) -> Tensor:
    return v if v.dtype == out.dtype else Tensor(v.data.astype(out.dtype))


def _element(flat_index: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(w) for w in np.unravel_index(flat_index, shape)) if shape else ()


def _numeric(
    fn: Callable, inputs: list[Any], x: Tensor, weights: list[np.ndarray], eps: float
) -> np.ndarray:
    """Central differences of ``<fn(inputs), weights>`` for every element of ``x``.

    ``x`` is perturbed in place (on a private writable copy, so read-only or non-contiguous data
    is fine) and always restored, even when ``fn`` raises.
    """
    original = x.data
    work = np.array(original, dtype=np.float64, order="C")  # private, writable, contiguous
    flat = work.reshape(-1)  # a view of work
    numeric = np.empty(flat.size)
    x.data = work
    try:
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = _projected(fn, inputs, weights)
            flat[j] = orig - eps
            minus = _projected(fn, inputs, weights)
            flat[j] = orig
            numeric[j] = (plus - minus) / (2 * eps)
    finally:
        x.data = original
    return numeric.reshape(original.shape)


def _compare(
    fn: Callable,
    inputs: list[Any],
    labels: Sequence[str],
    eps: float,
    atol: float,
    rtol: float,
    seed: int,
    raise_exception: bool,
) -> bool:
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: {labels[i]} is {inputs[i].dtype}; use float64 inputs")

    outs = _as_outputs(fn(*inputs))
    weights = _weights(outs, seed)
    diff_outs = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if diff_outs:
        analytic = grad(
            [o for o, _ in diff_outs],
            [inputs[i] for i in wrt],
            grad_outputs=[Tensor(w.astype(o.dtype)) for o, w in diff_outs],
            allow_unused=True,
        )
    else:
        analytic = (None,) * len(wrt)

    for k, i in enumerate(wrt):
        x = inputs[i]
        a = np.zeros(x.shape) if analytic[k] is None else analytic[k].data.astype(np.float64)
        if a.shape != x.shape:
            raise GradcheckError(
                f"gradcheck: the gradient of {labels[i]} has shape {a.shape}, not {x.shape}"
            )
        numeric = _numeric(fn, inputs, x, weights, eps)
        bad = ~np.isclose(a, numeric, atol=atol, rtol=rtol, equal_nan=True)
        if bad.any():
            # name the worst element: the one furthest outside the tolerance
            excess = np.where(bad, np.abs(a - numeric) - rtol * np.abs(numeric), -np.inf)
            excess = np.where(np.isnan(excess) & bad, np.inf, excess)
            j = int(np.argmax(excess.reshape(-1)))
            where = _element(j, x.shape)
            message = (
                f"gradcheck: gradient of {labels[i]} (shape {x.shape}) is wrong at element "
                f"{where}: analytic {a.reshape(-1)[j]:.8g}, numeric {numeric.reshape(-1)[j]:.8g} "
                f"({int(bad.sum())} of {bad.size} elements differ; eps={eps}, atol={atol}, "
                f"rtol={rtol})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Tensor] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check the gradients of ``fn(*inputs)`` with respect to every input that requires grad.

    Inputs should be float64 (float32 differences are too coarse); ``fn`` may return a Tensor or
    a tuple of Tensors. Each element costs two calls of ``fn``, so keep inputs small. Returns
    True, or raises :class:`GradcheckError` naming the input, the element (the worst one) and
    both values (``raise_exception=False`` returns False instead). Inputs are left unchanged.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    labels = [f"input {i}" for i in range(len(inputs))]
    return _compare(fn, inputs, labels, eps, atol, rtol, seed, raise_exception)


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Tensor] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck applied to ``(x, v) -> d<fn(x), v>/dx``, built with
    ``create_graph=True``.

    It differentiates with respect to the inputs ``x`` *and* the upstream gradient ``v`` (named
    ``grad_output k`` in messages), so it also checks that each backward rule is itself recorded
    as differentiable Tensor operations, in the gradient it receives as well as in its inputs.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    n = len(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outs = _as_outputs(fn(*inputs))
    diff = [k for k, o in enumerate(outs) if o.requires_grad]
    weights = _weights(outs, seed + 1)
    # float64 outputs: the upstream gradients become checked inputs too
    grad_outputs = [Tensor(weights[k], requires_grad=outs[k].dtype == np.float64) for k in diff]

    def first_derivative(*args: Any) -> tuple[Tensor, ...]:
        xs, vs = args[:n], args[n:]
        # The analytic pass needs this backward recorded; the numeric passes (run under no_grad)
        # need only its values, which are the same either way and cheaper unrecorded.
        record = is_grad_enabled()
        with enable_grad():
            outs = _as_outputs(fn(*xs))
            if not diff:
                gs: tuple = (None,) * len(wrt)
            else:
                gs = grad(
                    [outs[k] for k in diff],
                    [xs[i] for i in wrt],
                    grad_outputs=[_like(v, outs[k]) for k, v in zip(diff, vs)],
                    create_graph=record,
                    allow_unused=True,
                )
        return tuple(g if g is not None else Tensor(np.zeros(xs[i].shape)) for g, i in zip(gs, wrt))

    # The recorded backward must give the same first derivatives as the plain one.
    args = [*inputs, *grad_outputs]
    recorded = first_derivative(*args)
    with no_grad():
        plain = first_derivative(*args)
    for k, (r, p) in enumerate(zip(recorded, plain)):
        if not np.allclose(r.data, p.data, rtol=1e-10, atol=1e-12, equal_nan=True):
            j = int(np.argmax(np.abs(r.data - p.data).reshape(-1)))
            message = (
                f"gradgradcheck: the gradient of input {wrt[k]} differs between "
                f"create_graph=True and plain backward at element {_element(j, r.shape)}: "
                f"{r.data.reshape(-1)[j]:.8g} vs {p.data.reshape(-1)[j]:.8g}"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False

    labels = [f"input {i}" for i in range(n)] + [f"grad_output {k}" for k in diff]
    return _compare(
        first_derivative, [*inputs, *grad_outputs], labels, eps, atol, rtol, seed, raise_exception
    )
