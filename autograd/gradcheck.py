"""Finite-difference gradient checks (public API): ``gradcheck`` and ``gradgradcheck``.

Both compare the engine's analytic gradients with float64 central differences
``(f(x + eps) - f(x - eps)) / (2 eps)`` of the scalar ``<f(x), v>`` for a fixed random ``v``,
and on failure say which input, which element, and the two values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .graph import no_grad
from .tensor import Tensor, grad


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


def _projected(fn: Callable, inputs: Sequence[Tensor], weights: list[np.ndarray]) -> float:
    with no_grad():
        outs = _as_outputs(fn(*inputs))
    return float(sum(np.sum(o.data.astype(np.float64) * w) for o, w in zip(outs, weights)))


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
    a tuple of Tensors. Returns True, or raises :class:`GradcheckError` (``raise_exception=False``
    returns False instead).
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not wrt:
        raise ValueError("gradcheck: no input requires grad")
    for i in wrt:
        if inputs[i].dtype != np.float64:
            raise TypeError(f"gradcheck: input {i} is {inputs[i].dtype}; use float64 inputs")

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
        numeric = np.zeros(x.shape)
        flat = x.data.reshape(-1)  # a view: perturb in place, then restore
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            plus = _projected(fn, inputs, weights)
            flat[j] = orig - eps
            minus = _projected(fn, inputs, weights)
            flat[j] = orig
            numeric.reshape(-1)[j] = (plus - minus) / (2 * eps)
        bad = ~np.isclose(a, numeric, atol=atol, rtol=rtol, equal_nan=True)
        if bad.any():
            j = int(np.argmax(bad.reshape(-1)))
            where = np.unravel_index(j, x.shape) if x.ndim else ()
            message = (
                f"gradcheck: gradient of input {i} (shape {x.shape}) is wrong at element "
                f"{tuple(int(w) for w in where)}: analytic {a.reshape(-1)[j]:.8g}, numeric "
                f"{numeric.reshape(-1)[j]:.8g} ({int(bad.sum())} of {bad.size} elements differ; "
                f"atol={atol}, rtol={rtol})"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def gradgradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Tensor] | Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck applied to ``x -> d<fn(x), v>/dx`` built with
    ``create_graph=True`` (so it also checks that each rule is itself differentiable)."""
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    wrt = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outs = _as_outputs(fn(*inputs))
    weights = _weights(outs, seed + 1)

    def first_derivative(*xs: Tensor) -> tuple[Tensor, ...]:
        outs = [o for o in _as_outputs(fn(*xs))]
        pairs = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
        gs = grad(
            [o for o, _ in pairs],
            [xs[i] for i in wrt],
            grad_outputs=[Tensor(w.astype(o.dtype)) for o, w in pairs],
            create_graph=True,
            allow_unused=True,
        )
        return tuple(g if g is not None else Tensor(np.zeros(xs[i].shape)) for g, i in zip(gs, wrt))

    return gradcheck(first_derivative, inputs, eps, atol, rtol, seed, raise_exception)
