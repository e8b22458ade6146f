"""GELU, fused: PyTorch's exact form ``x * Phi(x)`` (Phi the standard normal CDF, through erf) and
its ``approximate="tanh"`` form, as one gate whose rule multiplies by the derivative, itself a
gate (``gelu_grad``) whose rule is the second derivative written with Tensor operations: so
gradients of any order work, and a GELU costs one node instead of the composition's six to ten.

erf comes from the kernel of the ``erf`` gate (``elementary.py``: NumPy alone, no SciPy; 1.3e-15
from ``math.erf`` in float64, which finite-difference gradient checks need).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor
from ._common import _t, float_data, record
from .elementary import _erf_kernel as _erf
from .elementwise import exp, tanh

# --- GELU ---------------------------------------------------------------------------------------

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_TANH_C = math.sqrt(2.0 / math.pi)
_TANH_A = 0.044715
_FORMS = ("none", "tanh")


def _gelu_array(x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "none":
        return x * (0.5 + 0.5 * _erf(x * x.dtype.type(_SQRT_HALF)))  # z = x Phi(x)
    inner = np.tanh(_TANH_C * (x + _TANH_A * (x * x * x)))
    return x * (0.5 + 0.5 * inner)  # z = x (1 + tanh(c (x + a x^3))) / 2


def _gelu_grad_array(x: np.ndarray, approximate: str) -> np.ndarray:
    if approximate == "none":  # Phi(x) + x phi(x)
        phi = np.exp(-0.5 * x * x) * x.dtype.type(_INV_SQRT_2PI)
        return 0.5 + 0.5 * _erf(x * x.dtype.type(_SQRT_HALF)) + x * phi
    t = np.tanh(_TANH_C * (x + _TANH_A * (x * x * x)))
    du = _TANH_C * (1.0 + 3.0 * _TANH_A * (x * x))  # u' for u = c (x + a x^3)
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * du


def gelu(x: Any, approximate: str = "none") -> Tensor:
    """The Gaussian error linear unit ``x * Phi(x)``, Phi the standard normal CDF
    ``(1 + erf(x / sqrt 2)) / 2`` (PyTorch's default, ``approximate="none"``), or its tanh
    approximation ``x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2`` (``approximate="tanh"``).
    Smooth everywhere: no subgradient convention is needed. Integers become float32."""
    x = _t(x)
    if approximate not in _FORMS:
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    out = np.asarray(_gelu_array(float_data(x), approximate))  # (0-d: not a NumPy scalar)
    return record(GELU, out, (x,), None, approximate)


@gate(
    "gelu",
    "the input receives g * gelu'(x), gelu'(x) = Phi(x) + x phi(x) (exact form; the tanh form's "
    "own derivative for approximate='tanh')",
    keeps_shape=True,
)
def GELU(node: Node, g: Tensor) -> tuple:
    return (g * gelu_grad(node.inputs[0], node.attrs),)


@GELU.on_arrays
def _gelu_arrays(node: Node, g: np.ndarray) -> tuple:
    local = _gelu_grad_array(float_data(node.inputs[0]), node.attrs)
    return (g * local,)


def gelu_grad(x: Any, approximate: str = "none") -> Tensor:
    """GELU's derivative at ``x`` (the local gradient of the ``gelu`` gate), as a gate."""
    x = _t(x)
    out = np.asarray(_gelu_grad_array(float_data(x), approximate))
    return record(GELU_GRAD, out, (x,), None, approximate)


@gate(
    "gelu_grad",
    "the input receives g * gelu''(x): phi(x) (2 - x^2) for the exact form, the tanh form's "
    "second derivative for approximate='tanh'",
    keeps_shape=True,
)
def GELU_GRAD(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0]
    if node.attrs == "none":
        phi = exp(x * x * -0.5) * _INV_SQRT_2PI
        return (g * (phi * (2.0 - x * x)),)
    # u = c (x + a x^3), t = tanh(u): gelu'' = (1 - t^2) (u' - x t u'^2 + x u'' / 2)
    t = tanh((x + x * x * x * _TANH_A) * _TANH_C)
    du = (x * x * (3.0 * _TANH_A) + 1.0) * _TANH_C
    d2u = x * (6.0 * _TANH_A * _TANH_C)
    return (g * ((1.0 - t * t) * (du - x * t * du * du + x * d2u * 0.5)),)
