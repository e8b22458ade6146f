"""Elementary functions as gates: trigonometric and hyperbolic functions, logarithms, expm1,
erf and rsqrt, and the two-input atan2, hypot and logaddexp; square, reciprocal, lerp, exp2,
logit and xlogy are compositions of the arithmetic gates.

One row per function: its forward (a NumPy kernel, with the math) and its local derivative, the
rule ``the input receives g * f'(x)``. Integer and boolean inputs give float32, as in PyTorch.
Where f' is unbounded (asin at +-1, log1p at -1, rsqrt at 0...) the product is exactly 0 wherever
g is 0, so ``where`` never leaks an infinity from the branch it did not take (see elementwise).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..graph import Gate, Node, gate
from ..tensor import DEFAULT_FLOAT, Tensor, _from_node
from ._common import _t, float_data, pair, result_dtype
from .elementwise import (
    _binary,
    _times_local,
    _unary,
    cast,
    clip,
    exp,
    in_dtype_of,
    log,
    sigmoid,
    sqrt,
    where,
)


def _function(
    name: str,
    kernel: Callable[[np.ndarray], np.ndarray],
    math_: str,
    rule: str,
    local: Callable[[Tensor], Tensor],
    *,
    of_output: bool = False,
    unbounded: bool = False,
) -> tuple[Callable[[Any], Tensor], Gate]:
    """Register the gate ``name`` and return its forward.

    ``local(v)`` is the local derivative f' written with Tensor operations (so gradients of
    gradients work), of the input, or of the output when ``of_output`` (tan, expm1, rsqrt save
    their output instead); ``unbounded`` when f' can be infinite."""

    def backward(node: Node, g: Tensor) -> tuple:
        v = _from_node(node.saved, node) if of_output else node.inputs[0]
        return (_times_local(g, local(v)) if unbounded else g * local(v),)

    the_gate = Gate(
        name,
        rule,
        backward,
        reads=() if of_output else None,
        saves_output=of_output,
        keeps_shape=True,
    )

    def forward(x: Any) -> Tensor:
        x = _t(x)
        out = kernel(float_data(x))
        return _unary(the_gate, out, x, out if of_output else None)

    forward.__name__ = forward.__qualname__ = name
    forward.__doc__ = f"Elementwise {math_}; integers and booleans give float32."
    return forward, the_gate


_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


# --- trigonometric and hyperbolic --------------------------------------------------------------

sin, SIN = _function("sin", np.sin, "sin x", "the input receives g * cos(x)", lambda x: cos(x))
cos, COS = _function("cos", np.cos, "cos x", "the input receives -g * sin(x)", lambda x: -sin(x))
tan, TAN = _function(
    "tan", np.tan, "tan x", "the input receives g * (1 + t^2), t the output",
    lambda t: 1.0 + t * t, of_output=True,
)  # fmt: skip
asin, ASIN = _function(
    "asin", np.arcsin, "arcsin x (NaN outside [-1, 1])",
    "the input receives g / sqrt(1 - x^2); infinite at +-1", lambda x: 1.0 / sqrt(1.0 - x * x),
    unbounded=True,
)  # fmt: skip
acos, ACOS = _function(
    "acos", np.arccos, "arccos x (NaN outside [-1, 1])",
    "the input receives -g / sqrt(1 - x^2); infinite at +-1", lambda x: -1.0 / sqrt(1.0 - x * x),
    unbounded=True,
)  # fmt: skip
atan, ATAN = _function(
    "atan", np.arctan, "arctan x", "the input receives g / (1 + x^2)", lambda x: 1.0 / (1.0 + x * x)
)
sinh, SINH = _function(
    "sinh", np.sinh, "sinh x", "the input receives g * cosh(x)", lambda x: cosh(x)
)
cosh, COSH = _function(
    "cosh", np.cosh, "cosh x", "the input receives g * sinh(x)", lambda x: sinh(x)
)
asinh, ASINH = _function(
    "asinh", np.arcsinh, "arsinh x", "the input receives g / sqrt(1 + x^2)",
    lambda x: 1.0 / sqrt(1.0 + x * x),
)  # fmt: skip
acosh, ACOSH = _function(
    "acosh", np.arccosh, "arcosh x (NaN below 1)",
    "the input receives g / sqrt(x^2 - 1); infinite at 1", lambda x: 1.0 / sqrt(x * x - 1.0),
    unbounded=True,
)  # fmt: skip
atanh, ATANH = _function(
    "atanh", np.arctanh, "artanh x (NaN outside [-1, 1])",
    "the input receives g / (1 - x^2); infinite at +-1", lambda x: 1.0 / (1.0 - x * x),
    unbounded=True,
)  # fmt: skip

# --- logarithms and exponentials ---------------------------------------------------------------

log1p, LOG1P = _function(
    "log1p", np.log1p, "ln(1 + x), exact for tiny x", "the input receives g / (1 + x)",
    lambda x: 1.0 / (1.0 + x), unbounded=True,
)  # fmt: skip
expm1, EXPM1 = _function(
    "expm1", np.expm1, "e^x - 1, exact for tiny x", "the input receives g * (z + 1), z the output",
    lambda z: z + 1.0, of_output=True,
)  # fmt: skip
log2, LOG2 = _function(
    "log2", np.log2, "log2 x", "the input receives g / (x ln 2)", lambda x: 1.0 / (x * _LN2),
    unbounded=True,
)  # fmt: skip
log10, LOG10 = _function(
    "log10", np.log10, "log10 x", "the input receives g / (x ln 10)", lambda x: 1.0 / (x * _LN10),
    unbounded=True,
)  # fmt: skip
rsqrt, RSQRT = _function(
    "rsqrt", lambda d: 1.0 / np.sqrt(d), "1 / sqrt(x)",
    "the input receives -g z^3 / 2, z the output; infinite at 0", lambda z: -0.5 * (z * z * z),
    of_output=True, unbounded=True,
)  # fmt: skip


# --- erf ---------------------------------------------------------------------------------------


def _erf_kernel(d: np.ndarray) -> np.ndarray:
    """erf in NumPy alone, in float64 (float32 inputs use fewer terms and are rounded back).

    |x| < 2: the series erf x = 2x/sqrt(pi) e^(-x^2) sum_n (2x^2)^n / (1 3 5 ... (2n+1))
    (Abramowitz and Stegun 7.1.6: positive terms, so nothing cancels); |x| >= 2: the continued
    fraction erfc x = e^(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))),
    evaluated from the bottom (A&S 7.1.14 as a continued fraction, fast at large x). The term
    counts (30 and 40 for float64, 22 and 20 for float32) are where each part's error stops
    shrinking over a grid of 2,000,001 points in [-7, 7].
    """
    series, fraction = (22, 20) if d.dtype == np.float32 else (30, 40)
    a = np.abs(d, dtype=np.float64)
    out = np.empty_like(a)
    near = a < 2.0
    s = a[near]
    two_s2 = 2.0 * s * s
    term = np.ones_like(s)
    total = np.ones_like(s)
    for n in range(1, series):  # (in place: no temporary arrays)
        term *= two_s2
        term /= 2 * n + 1
        total += term
    total *= s
    np.multiply(s, s, out=s)
    np.exp(np.negative(s, out=s), out=s)
    total *= s
    out[near] = _TWO_OVER_SQRT_PI * total
    b = a[~near]
    f = b.copy()
    for k in range(fraction, 0, -1):
        np.divide(0.5 * k, f, out=f)
        f += b
    with np.errstate(over="ignore", under="ignore"):
        np.multiply(b, b, out=b)
        np.exp(np.negative(b, out=b), out=b)
        out[~near] = 1.0 - b / (math.sqrt(math.pi) * f)
    return np.copysign(out, d).astype(d.dtype, copy=False)  # NaN stays NaN; erf(+-inf) = +-1


erf, ERF = _function(
    "erf", _erf_kernel, "erf x = 2/sqrt(pi) int_0^x e^(-t^2) dt",
    "the input receives g * 2/sqrt(pi) * e^(-x^2)",
    lambda x: exp(-(x * x)) * _TWO_OVER_SQRT_PI,
)  # fmt: skip
erf.__doc__ = """Elementwise error function, computed in NumPy (no SciPy).

Maximum error against ``math.erf``, measured on 2,000,001 evenly spaced points in [-7, 7]:
float64 results 1.3e-15 (absolute); float32 results at most one unit in the last place from
``float32(math.erf(x))`` (42 of the points differ by one; absolute error at most 3.0e-8).
``tests/autograd/test_elementary.py`` holds it to 2e-15 and one unit. Integers and booleans give
float32; NaN stays NaN and erf(+-inf) = +-1.
"""


# --- compositions of the arithmetic gates ------------------------------------------------------


def square(x: Any) -> Tensor:
    """Elementwise x * x (a ``mul`` gate; integers stay integers, as in PyTorch)."""
    x = _t(x)
    return x * x


def reciprocal(x: Any) -> Tensor:
    """Elementwise 1 / x (a ``div`` gate; integers give float32)."""
    return 1.0 / _t(x)


def lerp(start: Any, end: Any, weight: Any) -> Tensor:
    """Linear interpolation ``start + weight * (end - start)``, broadcasting; ``weight`` is a
    number or a tensor (differentiable too). Composed of sub, mul and add gates."""
    start = _t(start)
    return start + weight * (end - start)


def exp2(x: Any) -> Tensor:
    """Elementwise 2^x (a ``pow`` gate with the constant base 2; integers give float32)."""
    return 2.0 ** _t(x)


def logit(x: Any, eps: float | None = None) -> Tensor:
    """Elementwise ln(z / (1 - z)), the inverse of sigmoid, with z = x clamped to
    ``[eps, 1 - eps]`` when ``eps`` is given (so the gradient is 0 outside it, as PyTorch's);
    +-inf at 0 and 1. Composed of clip, sub, div and log gates; integers give float32."""
    z = _t(x) if eps is None else clip(x, eps, 1.0 - eps)
    with np.errstate(divide="ignore"):  # logit(1) = inf, not a warning
        return log(z / (1.0 - z))


def xlogy(x: Any, y: Any) -> Tensor:
    """Elementwise x * ln(y), broadcasting, but 0 wherever x = 0 (unless y is NaN): the terms of
    an entropy, where 0 ln 0 counts as 0. x receives g ln(y) and y receives g x / y, both 0 where
    x = 0 (a ``where`` around mul and log; integers give float32)."""
    x, y = pair(x, y)
    dtype = result_dtype(x.data, y.data)  # both in the result's dtype before ln(y) is taken
    dtype = dtype if dtype.kind == "f" else DEFAULT_FLOAT
    x, y = cast(x, dtype), cast(y, dtype)
    try:
        zero = (x.data == 0) & ~np.isnan(y.data)
    except ValueError:
        raise ValueError(
            f"xlogy: shapes {x.shape} and {y.shape} cannot be broadcast together"
        ) from None
    safe_y = where(zero, 1.0, y)  # (ln of the y that x = 0 ignores is never taken)
    return where(zero, 0.0, x * log(safe_y))


# --- two-input functions -----------------------------------------------------------------------


def _inverse_where_zero(r: Tensor) -> Tensor:
    """1 / r, but 0 where r = 0 (a rule's convention at a point without a derivative)."""
    zero = Tensor(r.data == 0)
    return where(zero, 0.0, 1.0 / where(zero, 1.0, r))


@gate(
    "atan2",
    "y receives g x / (x^2 + y^2), x receives -g y / (x^2 + y^2); both 0 at the origin",
)
def ATAN2(node: Node, g: Tensor) -> tuple:
    y0, x0 = node.inputs
    y, x = in_dtype_of(g, y0), in_dtype_of(g, x0)
    inv = _inverse_where_zero(y * y + x * x)
    return (g * (x * inv) if y0.requires_grad else None), (
        g * (-y * inv) if x0.requires_grad else None
    )


atan2 = _binary(ATAN2, np.arctan2, "z = the angle of the point (x, y), in [-pi, pi]", True)
atan2.__doc__ = """``atan2(y, x)``: the angle of the point (x, y) from the positive x axis, in
[-pi, pi], broadcasting (arctan(y / x) in the right quadrant; PyTorch's and NumPy's argument
order). Integers give float32. Gradients: y receives g x / (x^2 + y^2), x receives
-g y / (x^2 + y^2); both 0 at the origin, as in PyTorch."""


@gate("hypot", "a receives g a / z, b receives g b / z, z the output; both 0 where z = 0")
def HYPOT(node: Node, g: Tensor) -> tuple:
    a0, b0 = node.inputs
    a, b = in_dtype_of(g, a0), in_dtype_of(g, b0)
    inv = _inverse_where_zero(hypot(a, b))  # (recomputed: one ufunc, and differentiable)
    return (g * (a * inv) if a0.requires_grad else None), (
        g * (b * inv) if b0.requires_grad else None
    )


hypot = _binary(HYPOT, np.hypot, "z = sqrt(a^2 + b^2), without overflow", True)
hypot.__doc__ = """Elementwise sqrt(a^2 + b^2), broadcasting, computed without overflow or
underflow in the squares (so not as a composition). Integers give float32. Gradients: a receives
g a / z and b receives g b / z; both 0 where z = 0 (the norm's convention; PyTorch gives NaN
there)."""


@gate("logaddexp", "a receives g * sigmoid(a - b), b receives g * sigmoid(b - a)")
def LOGADDEXP(node: Node, g: Tensor) -> tuple:
    a0, b0 = node.inputs
    a, b = in_dtype_of(g, a0), in_dtype_of(g, b0)
    return (g * sigmoid(a - b) if a0.requires_grad else None), (
        g * sigmoid(b - a) if b0.requires_grad else None
    )


logaddexp = _binary(LOGADDEXP, np.logaddexp, "z = ln(e^a + e^b), without overflow", True)
logaddexp.__doc__ = """Elementwise ln(e^a + e^b), broadcasting, exact for arguments of any size
(``logaddexp(-inf, -inf) = -inf``, which a composition would make NaN). Integers give float32.
Gradients: a receives g * sigmoid(a - b), b receives g * sigmoid(b - a) (NaN where both are the
same infinity, as in PyTorch)."""
