"""Elementwise gates: arithmetic, activations, maximum/minimum, clip and where.

Each gate: its forward (with the math as a trailing comment) and, beside it, its gradient rule;
where a plain ``backward()`` can skip Tensors, the same rule on arrays follows (``on_arrays``).
The two-input arithmetic gates share one forward, ``_binary(GATE, ufunc, math)``, written below
their rule. Rules return gradients in the broadcast shape; the engine sums them back to each
input's shape.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ..graph import OTHERS, Gate, Node, gate, modes
from ..tensor import DEFAULT_FLOAT, Tensor, _from_node, _recorded1, _recorded2, _wrap
from ._common import _t, float_data, operand, pair, promoted, record, result_dtype

# --- shared helpers ----------------------------------------------------------------------------


def _binary(
    g: Gate, kernel: np.ufunc, math: str, true_division: bool = False
) -> Callable[[Any, Any], Tensor]:
    """The forward of a broadcasting two-input gate: ``kernel`` on both operands' arrays, with
    PyTorch's dtype promotion (``_common``).

    Built once per gate, so an operation costs one Python call (``Tensor.__add__`` is ``add``).
    """

    def forward(a: Any, b: Any) -> Tensor:
        ta, tb = type(a), type(b)
        if not (ta is Tensor and tb is Tensor):
            # A float tensor and a Python number with nothing to record (e.g. inside a backward
            # rule): NumPy's weak scalars keep the tensor's dtype, no constant Tensor is made.
            if (
                ta is Tensor
                and (tb is float or tb is int)
                and a.data.dtype.kind == "f"
                and not (a.requires_grad and modes().enabled)
            ):
                return _wrap(kernel(a.data, b))
            if (
                tb is Tensor
                and (ta is float or ta is int)
                and b.data.dtype.kind == "f"
                and not (b.requires_grad and modes().enabled)
            ):
                return _wrap(kernel(a, b.data))
            a, b = pair(a, b)
        ad, bd = a.data, b.data
        da = ad.dtype
        if da is not bd.dtype and da != bd.dtype or true_division and da.kind != "f":
            ad, bd = promoted(g.name, a, b, true_division)  # PyTorch's promotion (rare)
        try:
            out = kernel(ad, bd)
        except ValueError as err:
            try:
                np.broadcast_shapes(ad.shape, bd.shape)
            except ValueError:
                raise ValueError(
                    f"{g.name}: shapes {a.shape} and {b.shape} cannot be broadcast together"
                ) from None
            raise ValueError(f"{g.name}: {err} (dtypes {a.dtype} and {b.dtype})") from None
        if a.requires_grad or b.requires_grad:  # (_recorded2 checks grad mode)
            if type(out) is not np.ndarray:  # ufuncs on 0-d arrays return NumPy scalars
                out = np.asarray(out)
            return _recorded2(g, out, a, b)
        return _wrap(out)

    forward.__name__ = forward.__qualname__ = g.name
    forward.__doc__ = f"Elementwise {g.name}, broadcasting: {math}."
    return forward


def _unary(g: Any, out: np.ndarray, x: Tensor, saved: Any = None) -> Tensor:
    if x.requires_grad:
        return _recorded1(g, out if type(out) is np.ndarray else np.asarray(out), x, saved)
    return _wrap(out)


_FLOAT16, _FLOAT32 = np.dtype(np.float16), np.dtype(np.float32)


def half_in_float32(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` computed in float32 when its floating-point tensor arguments are all float16, the
    result (or each result) cast back to float16, as PyTorch's CPU kernels accumulate half
    precision: a float16 sum of squares overflows once it passes 65504, and a float16 running
    sum stops at 2048. (Mixed with a wider float, the wider dtype is the result's anyway.)"""

    def back(r: Any) -> Any:
        if isinstance(r, tuple):
            return tuple(back(v) for v in r)
        return cast(r, _FLOAT16) if isinstance(r, Tensor) and r.data.dtype == _FLOAT32 else r

    def up(a: Any) -> Any:
        return cast(a, _FLOAT32) if isinstance(a, Tensor) and a.data.dtype == _FLOAT16 else a

    @functools.wraps(fn)
    def in_float32(*args: Any, **kwargs: Any) -> Any:
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
        if not floats or any(d != _FLOAT16 for d in floats) or kwargs.get("dtype") is not None:
            return fn(*args, **kwargs)  # (a dtype= asked for decides the result's dtype)
        args = tuple(up(a) for a in args)
        return back(fn(*args, **{k: up(v) for k, v in kwargs.items()}))

    return in_float32


def in_dtype_of(g: Tensor, t: Tensor) -> Tensor:
    """Input ``t`` in the gradient's dtype, which is the result's: a local derivative computed in
    a narrower input dtype (float16 beside float64, or an unsigned integer, which wraps when
    negated) would lose what the gradient keeps."""
    return t if t.data.dtype == g.data.dtype else cast(t, g.data.dtype)


def _times_local(g: Tensor, local: Tensor) -> Tensor:
    """g * local, but exactly 0 wherever g is 0, so an infinite or NaN local derivative on a branch
    that ``where`` did not take (sqrt or log of a masked-out value) cannot leak into the result."""
    return where(g == 0, 0.0, g * local)


# --- arithmetic --------------------------------------------------------------------------------


@gate("add", "distributes: each input receives the upstream gradient unchanged", reads=())
def ADD(node: Node, g: Tensor) -> tuple:
    return g, g


ADD.on_arrays(ADD.backward)  # the same statement holds for bare arrays
add = _binary(ADD, np.add, "z = a + b")


@gate("sub", "distributes: a receives the upstream gradient, b receives its negation", reads=())
def SUB(node: Node, g: Tensor) -> tuple:
    return g, (-g if node.inputs[1].requires_grad else None)


SUB.on_arrays(SUB.backward)
sub = _binary(SUB, np.subtract, "z = a - b")


@gate("mul", "swaps: each input receives the upstream gradient times the other input", reads=OTHERS)
def MUL(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    return (g * b if a.requires_grad else None), (g * a if b.requires_grad else None)


@MUL.on_arrays
def _mul_arrays(node: Node, g: np.ndarray) -> tuple:
    a, b = node.inputs
    return (g * b.data if a.requires_grad else None), (g * a.data if b.requires_grad else None)


mul = _binary(MUL, np.multiply, "z = a * b")


@gate("div", "a receives g / b; b receives -g * a / b^2", reads={0: (1,), 1: (0, 1)})
def DIV(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    ra, rb = in_dtype_of(g, a), in_dtype_of(g, b)
    ga = _times_local(g, 1.0 / rb) if a.requires_grad else None
    gb = _times_local(g, -ra / (rb * rb)) if b.requires_grad else None
    return ga, gb


div = _binary(DIV, np.true_divide, "z = a / b", true_division=True)


def neg(x: Any) -> Tensor:
    x = _t(x)
    return _unary(NEG, np.negative(x.data), x)  # z = -x


@gate("neg", "negates: the input receives -g", reads=(), keeps_shape=True)
def NEG(node: Node, g: Tensor) -> tuple:
    return (-g,)


NEG.on_arrays(NEG.backward)


@gate("pow", "a receives g * b * a^(b-1); b receives g * a^b * ln(a) (0 where a = 0)")
def POW(node: Node, g: Tensor) -> tuple:
    a0, b0 = node.inputs
    a, b = in_dtype_of(g, a0), in_dtype_of(g, b0)
    ga = None
    if a0.requires_grad:
        zeros = b.data == 0
        if zeros.any():  # d(a^0)/da = 0, also where a^(b-1) overflows (a = 0): never 0 * inf
            with np.errstate(divide="ignore", over="ignore"):
                zeros = zeros & ~np.isfinite(a.data ** (b.data - 1.0))
            flat = Tensor(zeros)
            ga = _times_local(g, where(flat, 0.0, b * where(flat, 1.0, a) ** (b - 1.0)))
        else:
            ga = _times_local(g, b * a ** (b - 1.0))
    gb = None
    if b0.requires_grad:
        zero = Tensor(a.data == 0)
        gb = _times_local(g, where(zero, 0.0, a**b * log(where(zero, 1.0, a))))
    return ga, gb


pow = _binary(POW, np.power, "z = a ** b")


def exp(x: Any) -> Tensor:
    """Elementwise e^x."""
    x = _t(x)
    out = np.exp(float_data(x))  # z = e^x
    return _unary(EXP, out, x, out)


@gate(
    "exp",
    "scales: the input receives g * e^x (the output itself)",
    reads=(),
    saves_output=True,
    keeps_shape=True,
)
def EXP(node: Node, g: Tensor) -> tuple:
    return (g * _from_node(node.saved, node),)  # the output e^x, still differentiable


@EXP.on_arrays
def _exp_arrays(node: Node, g: np.ndarray) -> tuple:
    return (g * node.saved,)


def log(x: Any) -> Tensor:
    """Elementwise natural logarithm."""
    x = _t(x)
    return _unary(LOG, np.log(float_data(x)), x)  # z = ln x


@gate("log", "scales: the input receives g / x", keeps_shape=True)
def LOG(node: Node, g: Tensor) -> tuple:
    return (_times_local(g, 1.0 / node.inputs[0]),)


def sqrt(x: Any) -> Tensor:
    x = _t(x)
    out = np.sqrt(float_data(x))  # z = sqrt(x)
    return _unary(SQRT, out, x, out)


@gate(
    "sqrt",
    "scales: the input receives g / (2 sqrt(x))",
    reads=(),
    saves_output=True,
    keeps_shape=True,
)
def SQRT(node: Node, g: Tensor) -> tuple:
    return (_times_local(g, 0.5 / _from_node(node.saved, node)),)


def abs(x: Any) -> Tensor:
    x = _t(x)
    return _unary(ABS, np.abs(x.data), x)  # z = |x|


@gate("abs", "routes by sign: the input receives g * sign(x); abs'(0) = 0", keeps_shape=True)
def ABS(node: Node, g: Tensor) -> tuple:
    return (g * Tensor(np.sign(node.inputs[0].data)),)


def cast(x: Any, dtype: Any) -> Tensor:
    x = _t(x)
    dtype = np.dtype(dtype)
    if dtype == x.data.dtype:
        return x
    out = x.data.astype(dtype)
    if dtype.kind != "f":
        return _wrap(out)  # integer/bool results never carry a gradient
    return _unary(CAST, out, x)


@gate(
    "cast",
    "converts: the input receives g converted back to its own dtype",
    reads=(),
    keeps_shape=True,
)
def CAST(node: Node, g: Tensor) -> tuple:
    return (cast(g, node.inputs[0].dtype),)


def clone(x: Any) -> Tensor:
    x = _t(x)
    return _unary(CLONE, x.data.copy(), x)  # z = x (a copy)


@gate("clone", "passes: the input receives g unchanged", reads=(), keeps_shape=True)
def CLONE(node: Node, g: Tensor) -> tuple:
    return (g,)


CLONE.on_arrays(CLONE.backward)


# --- compositions: addcmul, addcdiv (an optimizer's update in one call) ------------------------


def addcmul(x: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``x + value * tensor1 * tensor2``, broadcasting (PyTorch's ``addcmul``; composed of mul
    and add gates)."""
    x, t1, t2 = _t(x), _t(tensor1), _t(tensor2)
    if type(value) is float and all(t.data.dtype.kind in "biu" for t in (x, t1, t2)):
        # (PyTorch would truncate the value to an integer; a float result is no better)
        raise TypeError(
            f"addcmul: value={value} is a float but the tensors are {x.dtype}, {t1.dtype} and "
            f"{t2.dtype}; pass an integer value or float tensors"
        )
    product = mul(t1, t2) if value == 1 else mul(mul(t1, t2), value)
    return add(x, product)


def addcdiv(x: Any, tensor1: Any, tensor2: Any, *, value: Any = 1) -> Tensor:
    """``x + value * tensor1 / tensor2``, broadcasting (PyTorch's ``addcdiv``; composed of div, mul
    and add gates). As in PyTorch, tensor1 and tensor2 may not both be integers."""
    x, t1, t2 = _t(x), _t(tensor1), _t(tensor2)
    if t1.data.dtype.kind in "biu" and t2.data.dtype.kind in "biu":
        raise TypeError(
            f"addcdiv: integer division is not supported (tensor1 {t1.dtype}, tensor2 "
            f"{t2.dtype}); write x + value * tensor1 / tensor2 for a true division"
        )
    quotient = div(t1, t2) if value == 1 else mul(div(t1, t2), value)
    return add(x, quotient)


# --- maximum / minimum: the "max gate" of the course -------------------------------------------


def _route(node: Node, g: Tensor, a_wins: np.ndarray) -> tuple:
    a, b = node.inputs
    tie = a.data == b.data
    share = np.where(tie, 0.5, a_wins).astype(g.dtype)  # ties split evenly
    ga = g * Tensor(share) if a.requires_grad else None
    gb = g * Tensor(1 - share) if b.requires_grad else None
    return ga, gb


@gate("maximum", "routes: the larger input receives the gradient; ties split it evenly")
def MAXIMUM(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    return _route(node, g, (a.data > b.data) | np.isnan(a.data))  # (a NaN is the output: it wins)


maximum = _binary(MAXIMUM, np.maximum, "z = max(a, b)")


@gate("minimum", "routes: the smaller input receives the gradient; ties split it evenly")
def MINIMUM(node: Node, g: Tensor) -> tuple:
    a, b = node.inputs
    return _route(node, g, (a.data < b.data) | np.isnan(a.data))  # (a NaN is the output: it wins)


minimum = _binary(MINIMUM, np.minimum, "z = min(a, b)")


# --- activations -------------------------------------------------------------------------------


_ZEROS: dict = {}  # dtype -> read-only 0-d zero: ufuncs take a 0-d array faster than a Python 0


def _zero(dtype: Any) -> np.ndarray:
    z = _ZEROS.get(dtype)
    if z is None:
        z = _ZEROS[dtype] = np.zeros((), dtype=dtype)
        z.flags.writeable = False
    return z


def relu(x: Any) -> Tensor:
    """Elementwise max(x, 0)."""
    x = x if type(x) is Tensor else _t(x)  # (no call for the common case)
    d = x.data
    zero = _ZEROS.get(d.dtype)
    out = np.maximum(d, _zero(d.dtype) if zero is None else zero)  # z = max(x, 0)
    if x.requires_grad:  # (_unary inlined: the hottest activations)
        return _recorded1(RELU, out if type(out) is np.ndarray else np.asarray(out), x)
    return _wrap(out)


@gate("relu", "routes: g passes where x > 0, else 0; relu'(0) = 0", keeps_shape=True)
def RELU(node: Node, g: Tensor) -> tuple:
    return (g * Tensor(node.inputs[0].data > 0),)


@RELU.on_arrays
def _relu_arrays(node: Node, g: np.ndarray) -> tuple:
    x = node.inputs[0].data
    zero = _ZEROS.get(x.dtype)
    return (g * (x > (_zero(x.dtype) if zero is None else zero)),)


@RELU.on_arrays_in_place
def _relu_in_place(node: Node, g: np.ndarray) -> tuple:
    x = node.inputs[0].data
    return (np.multiply(g, x > _zero(x.dtype), out=g),)


def leaky_relu(x: Any, negative_slope: float = 0.01) -> Tensor:
    x = _t(x)
    out = np.where(x.data > 0, x.data, x.data * x.data.dtype.type(negative_slope))
    return record(LEAKY_RELU, out, (x,), None, negative_slope)  # z = x if x > 0 else slope * x


@gate(
    "leaky_relu",
    "routes: g where x > 0, slope * g elsewhere; the slope applies at x = 0",
    keeps_shape=True,
)
def LEAKY_RELU(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0].data
    local = np.where(x > 0, 1.0, node.attrs).astype(x.dtype)
    return (g * Tensor(local),)


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # e^-x may overflow to inf for x << 0; 1 / (1 + inf) is then exactly 0, never NaN, and the
    # result keeps full relative precision in both tails
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def sigmoid(x: Any) -> Tensor:
    """Elementwise 1 / (1 + e^-x), stable in both tails."""
    x = _t(x)
    out = _stable_sigmoid(float_data(x))  # z = 1 / (1 + e^-x)
    return _unary(SIGMOID, out, x, out)


@gate(
    "sigmoid",
    "squashes: the input receives g * s * (1 - s), s the output",
    reads=(),
    saves_output=True,
    keeps_shape=True,
)
def SIGMOID(node: Node, g: Tensor) -> tuple:
    s = _from_node(node.saved, node)  # the output, still differentiable
    return (g * (s * (1.0 - s)),)


@SIGMOID.on_arrays
def _sigmoid_arrays(node: Node, g: np.ndarray) -> tuple:
    gs = g * node.saved
    return (gs - gs * node.saved,)  # g s (1 - s), with no Python-number operand (slow in ufuncs)


def tanh(x: Any) -> Tensor:
    """Elementwise hyperbolic tangent."""
    x = x if type(x) is Tensor else _t(x)  # (no call for the common case)
    d = x.data
    out = np.tanh(d if d.dtype.kind == "f" else d.astype(DEFAULT_FLOAT))  # z = tanh x
    if x.requires_grad:
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        return _recorded1(TANH, out, x, out)
    return _wrap(out)


@gate(
    "tanh",
    "squashes: the input receives g * (1 - t^2), t the output",
    reads=(),
    saves_output=True,
    keeps_shape=True,
)
def TANH(node: Node, g: Tensor) -> tuple:
    t = _from_node(node.saved, node)  # the output, still differentiable
    return (g * (1.0 - t * t),)


@TANH.on_arrays
def _tanh_arrays(node: Node, g: np.ndarray) -> tuple:
    t = node.saved
    return (g - g * t * t,)  # g (1 - t^2), with no Python-number operand (slow in ufuncs)


def softplus(x: Any) -> Tensor:
    x = _t(x)
    d = float_data(x)
    return _unary(SOFTPLUS, np.logaddexp(d.dtype.type(0), d), x)  # z = ln(1 + e^x), stable


@gate("softplus", "smooth relu: the input receives g * sigmoid(x)", keeps_shape=True)
def SOFTPLUS(node: Node, g: Tensor) -> tuple:
    return (g * sigmoid(node.inputs[0]),)


def clip(x: Any, min: Any = None, max: Any = None) -> Tensor:
    """``min(max(x, min), max)``. The bounds are numbers or tensors (broadcasting with x); a
    tensor bound that requires grad receives the gradient where it is the one that binds. The
    result has PyTorch's promoted dtype: an integer tensor with a float bound gives float32."""
    x = _t(x)
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return _clip_tensors(x, min, max)
    d = x.data
    dtype = clip_dtype(d, min, max)
    out = np.clip(d if dtype == d.dtype else d.astype(dtype), min, max)  # z = min(max(x, lo), hi)
    if out.dtype != dtype:
        out = out.astype(dtype)
    return record(CLIP, out, (x,), None, (min, max))


def clip_dtype(d: np.ndarray, lo: Any, hi: Any) -> np.dtype:
    """The dtype of ``clip(x, lo, hi)`` for x's array ``d``: PyTorch's promotion of x with each
    bound (Python numbers are weak: an integer tensor and a float bound give float32)."""
    dtype, shape = d.dtype, (0,) if d.ndim else ()
    for b in (lo, hi):
        if b is not None and not (dtype.kind == "f" and type(b) in (float, int)):  # (common)
            bd = b.data if isinstance(b, Tensor) else operand(b, _wrap(d)).data
            if bd.dtype != dtype:  # (an empty stand-in: result_dtype reads dtype and ndim only)
                dtype = result_dtype(np.empty(shape, dtype), bd)
    return dtype


@gate("clip", "gates: g passes where lo <= x <= hi (bounds included), else 0", keeps_shape=True)
def CLIP(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0].data
    lo, hi = node.attrs
    inside = np.ones(x.shape, dtype=bool)
    if lo is not None:
        inside &= x >= lo
    if hi is not None:
        inside &= x <= hi
    return (g * Tensor(inside),)


def _clip_tensors(x: Tensor, lo: Any, hi: Any) -> Tensor:
    lo = None if lo is None else pair(x, lo)[1]
    hi = None if hi is None else pair(x, hi)[1]
    present = (lo is not None, hi is not None)
    bounds = tuple(b for b in (lo, hi) if b is not None)
    dtype = clip_dtype(x.data, lo, hi)
    lo_d, hi_d = (None if b is None else b.data.astype(dtype, copy=False) for b in (lo, hi))
    try:
        out = np.clip(x.data.astype(dtype, copy=False), lo_d, hi_d)  # z = min(max(x, lo), hi)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in (x, *bounds))
        raise ValueError(f"clip: shapes {shapes} cannot be broadcast together") from None
    return record(CLIP_TENSORS, out, (x, *bounds), None, present)


@gate(
    "clip_tensors",
    "routes: x receives g where lo <= x <= hi; lo where x < lo; hi where max(x, lo) > hi",
)
def CLIP_TENSORS(node: Node, g: Tensor) -> tuple:
    x, *bounds = node.inputs
    has_lo, has_hi = node.attrs
    lo = bounds[0] if has_lo else None
    hi = bounds[-1] if has_hi else None
    raised = np.maximum(x.data, lo.data) if lo is not None else x.data
    by_lo = x.data < lo.data if lo is not None else np.zeros((), bool)
    by_hi = raised > hi.data if hi is not None else np.zeros((), bool)
    grads = [g * Tensor(~by_lo & ~by_hi) if x.requires_grad else None]
    if lo is not None:
        grads.append(g * Tensor(by_lo & ~by_hi) if lo.requires_grad else None)
    if hi is not None:
        grads.append(g * Tensor(by_hi) if hi.requires_grad else None)
    return tuple(grads)


# --- selection ---------------------------------------------------------------------------------


def where(condition: Any, x: Any, y: Any) -> Tensor:
    """``x`` where ``condition`` holds, else ``y``. The branch not taken gets exactly 0 gradient."""
    c = condition if isinstance(condition, Tensor) else _wrap(np.asarray(condition))
    if c.data.dtype != np.bool_:
        c = _wrap(c.data.astype(bool))
    x, y = pair(x, y)
    xd, yd = x.data, y.data
    if xd.dtype != yd.dtype:  # PyTorch's promotion (NumPy's would give int64 + 0.5 float64)
        dtype = result_dtype(xd, yd)
        xd, yd = xd.astype(dtype, copy=False), yd.astype(dtype, copy=False)
    try:
        out = np.where(c.data, xd, yd)  # z = c ? x : y
    except ValueError:
        raise ValueError(
            f"where: shapes {c.shape}, {x.shape} and {y.shape} cannot be broadcast together"
        ) from None
    return record(WHERE, out, (c, x, y))


@gate("where", "routes: x receives g where the condition holds, y where it does not", reads=(0,))
def WHERE(node: Node, g: Tensor) -> tuple:
    c, x, y = node.inputs
    zero = Tensor(np.zeros((), dtype=g.dtype))
    gx = where(c, g, zero) if x.requires_grad else None
    gy = where(c, zero, g) if y.requires_grad else None
    return None, gx, gy


def compare(ufunc: Any, a: Any, b: Any) -> Tensor:
    """Comparisons and logical ops: bool tensors, never differentiable."""
    a, b = pair(a, b)
    try:
        return _wrap(ufunc(a.data, b.data))
    except ValueError:
        raise ValueError(
            f"{ufunc.__name__}: shapes {a.shape} and {b.shape} cannot be broadcast together"
        ) from None
