"""Gradient clipping and parameter <-> flat-vector helpers (``torch.nn.utils``'s names).

These work on the gradient arrays in place (no graph is recorded), like an optimizer step.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from autograd import Tensor

TensorsT = Tensor | Iterable[Tensor]


def _as_list(parameters: TensorsT) -> list[Tensor]:
    return [parameters] if isinstance(parameters, Tensor) else list(parameters)


def clip_grad_norm_(
    parameters: TensorsT,
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    """Scale all gradients together so that their joint ``norm_type``-norm is at most
    ``max_norm``; return the norm before clipping (a 0-d Tensor).

    The joint norm is the norm of all gradients concatenated into one vector; ``norm_type`` may
    be ``inf`` (largest absolute entry). Gradients are multiplied in place by
    ``max_norm / (norm + 1e-6)`` when that is below 1, as in PyTorch. A NaN/inf norm raises
    ``RuntimeError`` with ``error_if_nonfinite=True``; otherwise it propagates into the grads.

    >>> loss.backward(); total = clip_grad_norm_(model.parameters(), 1.0); opt.step()
    """
    grads = [p.grad.data for p in _as_list(parameters) if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.array(0.0, dtype=np.float32))
    dtype = np.result_type(*grads)
    if math.isinf(norm_type):
        total = max(float(np.max(np.abs(g))) if g.size else 0.0 for g in grads)
    elif norm_type == 2.0:
        total = math.sqrt(sum(float(np.vdot(g, g)) for g in grads))
    elif norm_type == 1.0:
        total = sum(float(np.abs(g).sum()) for g in grads)
    else:
        total = sum(float(np.sum(np.abs(g) ** norm_type)) for g in grads) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is {total}, "
            "so they cannot be clipped (pass error_if_nonfinite=False to allow it)"
        )
    coef = float(max_norm) / (total + 1e-6)
    if not coef >= 1.0:  # also true for a NaN coefficient, which then spreads as PyTorch does
        for g in grads:
            g *= coef
    return Tensor(np.array(total, dtype=dtype))


def clip_grad_value_(parameters: TensorsT, clip_value: float) -> None:
    """Clamp every gradient entry into ``[-clip_value, clip_value]`` in place."""
    c = float(clip_value)
    for p in _as_list(parameters):
        if p.grad is not None:
            np.clip(p.grad.data, -c, c, out=p.grad.data)


def parameters_to_vector(parameters: TensorsT) -> Tensor:
    """All parameters' values, flattened and concatenated into one 1-D Tensor (a copy)."""
    params = _as_list(parameters)
    if not params:
        return Tensor(np.zeros(0, dtype=np.float32))
    return Tensor(np.concatenate([p.data.ravel() for p in params]))


def vector_to_parameters(vec: Tensor | np.ndarray, parameters: TensorsT) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into the parameters' values, in place."""
    v = vec.data if isinstance(vec, Tensor) else np.asarray(vec)
    params = _as_list(parameters)
    total = sum(p.data.size for p in params)
    if v.ndim != 1 or v.size != total:
        raise ValueError(
            f"vector_to_parameters: expected a 1-D vector of {total} elements for these "
            f"parameters, got shape {v.shape}"
        )
    i = 0
    for p in params:
        n = p.data.size
        p.data[...] = v[i : i + n].reshape(p.data.shape)
        i += n


__all__ = [
    "clip_grad_norm_",
    "clip_grad_value_",
    "parameters_to_vector",
    "vector_to_parameters",
]
