"""GELU, fused: PyTorch's exact form ``x * Phi(x)`` (Phi the standard normal CDF, through erf) and
its ``approximate="tanh"`` form, as one gate whose rule multiplies by the derivative, itself a
gate (``gelu_grad``) whose rule is the second derivative written with Tensor operations: so
gradients of any order work, and a GELU costs one node instead of the composition's six to ten.

erf comes from ``_erf``, a NumPy kernel (no SciPy): piecewise Chebyshev interpolants of erf,
fitted when this module loads to ``math.erf`` at Chebyshev points. For float64 inputs it is
accurate to about 3e-15 (relative), which finite-difference gradient checks need; for float32
and below a cheaper fit reaches float32's precision. (The tensor-API work adds a public
``erf`` gate; once both are merged, this kernel and that one should be one.)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.polynomial import chebyshev as _cheb

from ..graph import Node, gate
from ..tensor import Tensor
from ._common import _t, float_data, record
from .elementwise import exp, tanh

# --- erf on arrays ------------------------------------------------------------------------------
#
# |x| < 2:  erf(x) = x * P(x^2), P interpolating erf(x)/x (an entire function of x^2);
# 2 <= |x| < top: erf(x) = 1 - e^(-x^2) * Q(|x|), Q interpolating erfcx(x) = e^(x^2) erfc(x)
# (entire, smooth and slowly varying, so a modest degree suffices);
# |x| >= top: erf(x) = +-1 to the dtype's precision (erfc(6) = 2e-17, erfc(4) = 1.5e-8).


def _fit(f: Any, lo: float, hi: float, degree: int) -> np.ndarray:
    """Chebyshev coefficients (on [lo, hi] mapped to [-1, 1]) interpolating f at Chebyshev
    points of the first kind."""
    return _cheb.chebinterpolate(lambda u: f((u + 1.0) * (0.5 * (hi - lo)) + lo), degree)


_VERF = np.vectorize(math.erf, otypes=[np.float64])
_VERFC = np.vectorize(math.erfc, otypes=[np.float64])


def _erf_over_x(t: np.ndarray) -> np.ndarray:  # erf(x)/x as a function of t = x^2
    x = np.sqrt(t)
    return np.where(x == 0, 2.0 / math.sqrt(math.pi), _VERF(x) / np.where(x == 0, 1.0, x))


def _erfcx(x: np.ndarray) -> np.ndarray:
    return np.exp(x * x) * _VERFC(x)


def _tier(p_degree: int, q_degree: int, top: float) -> tuple:
    return _fit(_erf_over_x, 0.0, 4.0, p_degree), _fit(_erfcx, 2.0, top, q_degree), top


# degrees measured against math.erf (tests/autograd/test_activation.py checks the errors)
_TIERS = {8: _tier(18, 20, 6.0), 4: _tier(9, 11, 4.0)}


def _clenshaw(u: np.ndarray, c: np.ndarray) -> np.ndarray:
    """The Chebyshev series sum(c_k T_k(u)) by Clenshaw's recurrence, in u's dtype, in four
    buffers (a fresh array per step would cost a page-faulting allocation each)."""
    two_u = u + u
    b1 = np.full_like(u, c[-1])
    b2 = np.zeros_like(u)
    tmp = np.empty_like(u)
    for ck in c[-2:0:-1]:  # b_k = 2u b_(k+1) - b_(k+2) + c_k, written over b_(k+2)
        np.multiply(two_u, b1, out=tmp)
        np.subtract(tmp, b2, out=b2)
        b2 += ck
        b1, b2 = b2, b1
    np.multiply(u, b1, out=tmp)
    tmp -= b2
    tmp += c[0]
    return tmp


_BLOCK = 1 << 14  # elements per pass: a block's few buffers stay in the L2 cache


def _erf(x: np.ndarray) -> np.ndarray:
    """erf(x) elementwise, in x's float dtype: max error 3e-15 relative for float64 and 1.4
    units of float32's rounding (1.7e-7 relative) for float32 and float16, measured against
    ``math.erf`` (``tests/autograd/test_neural_ops.py``).
    Blocks of ``_BLOCK`` elements at a time: each interpolant's ~30 passes then run in the cache
    (three times faster than whole-array passes at a million elements)."""
    flat = np.ravel(x)
    out = np.empty(flat.shape, dtype=x.dtype)
    for start in range(0, flat.size, _BLOCK):
        out[start : start + _BLOCK] = _erf_block(flat[start : start + _BLOCK])
    return out.reshape(x.shape)


def _erf_block(x: np.ndarray) -> np.ndarray:
    wide = x.dtype.itemsize >= 8
    p, q, top = _TIERS[8 if wide else 4]
    dt = np.dtype(np.float64 if wide else np.float32)
    p, q = p.astype(dt), q.astype(dt)
    a = np.abs(x).astype(dt, copy=False)
    s = np.minimum(a, dt.type(2.0))
    t = s * s
    t *= dt.type(0.5)
    t -= dt.type(1.0)
    out = _clenshaw(t, p)  # x P(x^2), the argument x^2/2 - 1 mapped to [-1, 1]
    out *= s
    big = a >= 2.0
    if big.any():  # the tail's interpolant, only where it is needed
        m = np.minimum(a[big], dt.type(top))
        u = (m - dt.type(2.0)) * dt.type(2.0 / (top - 2.0)) - dt.type(1.0)
        tail = dt.type(1.0) - np.exp(-m * m) * _clenshaw(u, q)  # 1 - e^(-x^2) erfcx(x)
        tail[m >= top] = 1.0
        out[big] = tail
    return np.copysign(out, x)


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
