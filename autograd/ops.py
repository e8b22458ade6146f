"""Tensor's operators and methods, in one listing.

``tensor.py`` defines the data type; this module gives it everything it computes, each entry a
gate function (``Tensor.__mul__`` *is* ``mul``: one Python call per operation) or a short
adapter to PyTorch's signature. Reading down this file answers "what can a Tensor do, and which
gate does it run?". The in-place forms (``add_``, ``x[i] = v``...) come from ``inplace``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import creation, inplace
from .backward import backward
from .gates import conv, elementwise, linalg, neural, reduce, shape
from .gates._common import dim_arg
from .gates.elementary import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atanh,
    cos,
    cosh,
    erf,
    expm1,
    lerp,
    log1p,
    log2,
    log10,
    reciprocal,
    rsqrt,
    sin,
    sinh,
    square,
    tan,
)
from .gates.elementwise import (
    abs,
    add,
    addcdiv,
    addcmul,
    cast,
    clip,
    clip_dtype,
    clone,
    compare,
    div,
    exp,
    log,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    softplus,
    sqrt,
    sub,
    tanh,
)
from .gates.indexing import (
    argsort,
    gather,
    index_add,
    index_put_at,
    index_select,
    kthvalue,
    masked_fill,
    masked_select,
    scatter,
    scatter_add,
    sort,
    take_along_dim,
    topk,
)
from .gates.linalg import bmm, diag, dot, matmul, mm, mv, outer, trace, tril, triu
from .gates.neural import log_softmax, softmax
from .gates.reduce import (
    amax,
    amin,
    argmax,
    argmin,
    logsumexp,
    max,
    mean,
    min,
    norm,
    prod,
    std,
    sum,
    var,
)
from .gates.rounding import (
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    floor,
    floor_divide,
    fmod,
    isfinite,
    isinf,
    isnan,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    nan_to_num,
    remainder,
    round,
    sign,
    trunc,
)
from .gates.scan import cumprod, cumsum, logcumsumexp
from .gates.shape import (
    broadcast_to,
    chunk,
    diagonal,
    expand,
    flatten,
    flip,
    getitem,
    index_put,
    movedim,
    narrow,
    permute,
    repeat_interleave,
    reshape,
    roll,
    rot90,
    split,
    squeeze,
    swapaxes,
    t,
    tile,
    unbind,
    unflatten,
    unsqueeze,
)
from .random import resolve_generator
from .tensor import Tensor, _wrap, device

del conv, linalg, neural, elementwise, reduce, shape  # (imported for their gates)


def _varargs(args: tuple) -> Any:
    """``x.reshape(2, 3)`` and ``x.reshape((2, 3))`` alike: one sequence argument, or the ints."""
    return args[0] if len(args) == 1 and not isinstance(args[0], (int, np.integer)) else args


# --- arithmetic and comparison operators -------------------------------------------------------

T = Tensor
T.__add__ = add  # type: ignore[assignment]
T.__sub__ = sub  # type: ignore[assignment]
T.__mul__ = mul  # type: ignore[assignment]
T.__truediv__ = div  # type: ignore[assignment]
T.__pow__ = pow  # type: ignore[assignment]
T.__matmul__ = matmul  # type: ignore[assignment]
T.__neg__ = neg  # type: ignore[assignment]
T.__abs__ = abs  # type: ignore[assignment]
T.__radd__ = lambda self, o: add(o, self)  # type: ignore[assignment]
T.__rsub__ = lambda self, o: sub(o, self)  # type: ignore[assignment]
T.__rmul__ = lambda self, o: mul(o, self)  # type: ignore[assignment]
T.__rtruediv__ = lambda self, o: div(o, self)  # type: ignore[assignment]
T.__rpow__ = lambda self, o: pow(o, self)  # type: ignore[assignment]
T.__rmatmul__ = lambda self, o: matmul(o, self)  # type: ignore[assignment]
T.__pos__ = lambda self: self  # type: ignore[assignment]
T.__floordiv__ = floor_divide  # type: ignore[assignment]
T.__mod__ = remainder  # type: ignore[assignment]
T.__rfloordiv__ = lambda self, o: floor_divide(o, self)  # type: ignore[assignment]
T.__rmod__ = lambda self, o: remainder(o, self)  # type: ignore[assignment]
# comparisons: bool tensors, never differentiable
T.__eq__ = lambda self, o: compare(np.equal, self, o)  # type: ignore[assignment]
T.__ne__ = lambda self, o: compare(np.not_equal, self, o)  # type: ignore[assignment]
T.__lt__ = lambda self, o: compare(np.less, self, o)  # type: ignore[assignment]
T.__le__ = lambda self, o: compare(np.less_equal, self, o)  # type: ignore[assignment]
T.__gt__ = lambda self, o: compare(np.greater, self, o)  # type: ignore[assignment]
T.__ge__ = lambda self, o: compare(np.greater_equal, self, o)  # type: ignore[assignment]
# bitwise on integers, logical on bools (PyTorch's): never differentiable; floats raise
T.__and__ = bitwise_and  # type: ignore[assignment]
T.__or__ = bitwise_or  # type: ignore[assignment]
T.__xor__ = bitwise_xor  # type: ignore[assignment]
T.__invert__ = bitwise_not  # type: ignore[assignment]
T.__rand__ = lambda self, o: bitwise_and(o, self)  # type: ignore[assignment]
T.__ror__ = lambda self, o: bitwise_or(o, self)  # type: ignore[assignment]
T.__rxor__ = lambda self, o: bitwise_xor(o, self)  # type: ignore[assignment]
T.__hash__ = object.__hash__  # (defining __eq__ above would otherwise unset it)

# --- indexing ----------------------------------------------------------------------------------

T.__getitem__ = getitem  # type: ignore[assignment]
T.__setitem__ = inplace.setitem  # type: ignore[assignment]
T.__iter__ = lambda self: (self[i] for i in range(len(self)))  # type: ignore[assignment]

# --- elementwise methods -----------------------------------------------------------------------

T.exp = exp  # type: ignore[attr-defined]
T.log = log  # type: ignore[attr-defined]
T.sqrt = sqrt  # type: ignore[attr-defined]
T.abs = abs  # type: ignore[attr-defined]
T.neg = neg  # type: ignore[attr-defined]
T.relu = relu  # type: ignore[attr-defined]
T.tanh = tanh  # type: ignore[attr-defined]
T.sigmoid = sigmoid  # type: ignore[attr-defined]
T.softplus = softplus  # type: ignore[attr-defined]
T.add = add  # type: ignore[attr-defined]
T.sub = sub  # type: ignore[attr-defined]
T.mul = mul  # type: ignore[attr-defined]
T.div = div  # type: ignore[attr-defined]
T.pow = pow  # type: ignore[attr-defined]
T.maximum = maximum  # type: ignore[attr-defined]
T.minimum = minimum  # type: ignore[attr-defined]
T.clip = T.clamp = clip  # type: ignore[attr-defined]
T.matmul = matmul  # type: ignore[attr-defined]
T.dot = dot  # type: ignore[attr-defined]
T.clone = clone  # type: ignore[attr-defined]
# elementary functions, rounding, remainders (issue 13)
T.sin = sin  # type: ignore[attr-defined]
T.cos = cos  # type: ignore[attr-defined]
T.tan = tan  # type: ignore[attr-defined]
T.asin = T.arcsin = asin  # type: ignore[attr-defined]
T.acos = T.arccos = acos  # type: ignore[attr-defined]
T.atan = T.arctan = atan  # type: ignore[attr-defined]
T.sinh = sinh  # type: ignore[attr-defined]
T.cosh = cosh  # type: ignore[attr-defined]
T.asinh = T.arcsinh = asinh  # type: ignore[attr-defined]
T.acosh = T.arccosh = acosh  # type: ignore[attr-defined]
T.atanh = T.arctanh = atanh  # type: ignore[attr-defined]
T.log1p = log1p  # type: ignore[attr-defined]
T.expm1 = expm1  # type: ignore[attr-defined]
T.log2 = log2  # type: ignore[attr-defined]
T.log10 = log10  # type: ignore[attr-defined]
T.erf = erf  # type: ignore[attr-defined]
T.rsqrt = rsqrt  # type: ignore[attr-defined]
T.square = square  # type: ignore[attr-defined]
T.reciprocal = reciprocal  # type: ignore[attr-defined]
T.lerp = lerp  # type: ignore[attr-defined]
T.sign = sign  # type: ignore[attr-defined]
T.floor = floor  # type: ignore[attr-defined]
T.ceil = ceil  # type: ignore[attr-defined]
T.round = round  # type: ignore[attr-defined]
T.trunc = trunc  # type: ignore[attr-defined]
T.fmod = fmod  # type: ignore[attr-defined]
T.remainder = remainder  # type: ignore[attr-defined]
T.floor_divide = floor_divide  # type: ignore[attr-defined]
T.nan_to_num = nan_to_num  # type: ignore[attr-defined]
T.isnan = isnan  # type: ignore[attr-defined]
T.isinf = isinf  # type: ignore[attr-defined]
T.isfinite = isfinite  # type: ignore[attr-defined]
T.logical_and = logical_and  # type: ignore[attr-defined]
T.logical_or = logical_or  # type: ignore[attr-defined]
T.logical_xor = logical_xor  # type: ignore[attr-defined]
T.logical_not = logical_not  # type: ignore[attr-defined]
T.bitwise_and = bitwise_and  # type: ignore[attr-defined]
T.bitwise_or = bitwise_or  # type: ignore[attr-defined]
T.bitwise_xor = bitwise_xor  # type: ignore[attr-defined]
T.bitwise_not = bitwise_not  # type: ignore[attr-defined]
T.addcmul = addcmul  # type: ignore[attr-defined]
T.addcdiv = addcdiv  # type: ignore[attr-defined]

# --- reductions (NumPy's axis/keepdims or PyTorch's dim/keepdim) -------------------------------

T.sum = sum  # type: ignore[attr-defined]
T.mean = mean  # type: ignore[attr-defined]
T.var = var  # type: ignore[attr-defined]
T.std = std  # type: ignore[attr-defined]
T.max = max  # type: ignore[attr-defined]  # x.max() a Tensor; x.max(dim) (values, indices)
T.min = min  # type: ignore[attr-defined]
T.amax = amax  # type: ignore[attr-defined]
T.amin = amin  # type: ignore[attr-defined]
T.logsumexp = logsumexp  # type: ignore[attr-defined]
T.argmax = argmax  # type: ignore[attr-defined]  # first index on ties; not differentiable
T.argmin = argmin  # type: ignore[attr-defined]
T.prod = prod  # type: ignore[attr-defined]
T.norm = norm  # type: ignore[attr-defined]
T.cumsum = cumsum  # type: ignore[attr-defined]
T.cumprod = cumprod  # type: ignore[attr-defined]
T.logcumsumexp = logcumsumexp  # type: ignore[attr-defined]
T.sort = sort  # type: ignore[attr-defined]  # (values, indices); the values are a gather
T.argsort = argsort  # type: ignore[attr-defined]
T.topk = topk  # type: ignore[attr-defined]
T.kthvalue = kthvalue  # type: ignore[attr-defined]  # (values, indices), like max(dim)


def _any(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool = False) -> Tensor:  # fmt: skip
    return _wrap(
        np.asarray(np.any(self.data, axis=dim_arg(axis, dim, "any"), keepdims=keepdims or keepdim))
    )


def _all(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool = False) -> Tensor:  # fmt: skip
    return _wrap(
        np.asarray(np.all(self.data, axis=dim_arg(axis, dim, "all"), keepdims=keepdims or keepdim))
    )


T.any = _any  # type: ignore[attr-defined]
T.all = _all  # type: ignore[attr-defined]
T.softmax = lambda self, dim=None, *, axis=None: softmax(self, axis, dim=dim)  # type: ignore[attr-defined]  # noqa: E501
T.log_softmax = lambda self, dim=None, *, axis=None: log_softmax(self, axis, dim=dim)  # type: ignore[attr-defined]  # noqa: E501

# --- shape -------------------------------------------------------------------------------------

T.reshape = T.view = lambda self, *shape: reshape(self, _varargs(shape))  # type: ignore[attr-defined]  # noqa: E501
T.permute = lambda self, *axes: permute(self, _varargs(axes))  # type: ignore[attr-defined]
T.expand = lambda self, *shape: expand(self, _varargs(shape))  # type: ignore[attr-defined]
T.repeat = lambda self, *reps: tile(self, _varargs(reps))  # type: ignore[attr-defined]  # PyTorch's repeat = NumPy's tile  # noqa: E501
T.tile = tile  # type: ignore[attr-defined]
T.broadcast_to = broadcast_to  # type: ignore[attr-defined]
T.swapaxes = T.swapdims = swapaxes  # type: ignore[attr-defined]
T.squeeze = squeeze  # type: ignore[attr-defined]
T.unsqueeze = unsqueeze  # type: ignore[attr-defined]
T.flatten = flatten  # type: ignore[attr-defined]
T.flip = flip  # type: ignore[attr-defined]
T.repeat_interleave = repeat_interleave  # type: ignore[attr-defined]
T.split = split  # type: ignore[attr-defined]
T.T = property(lambda self: permute(self))  # type: ignore[attr-defined]  # all axes reversed
T.mT = property(lambda self: swapaxes(self, -1, -2))  # type: ignore[attr-defined]


def _is_contiguous(self: Tensor) -> bool:
    """Whether the array is C-contiguous (row-major, no gaps): PyTorch's ``is_contiguous()``."""
    return bool(self.data.flags.c_contiguous)


def _contiguous(self: Tensor) -> Tensor:
    """``self`` when its array is C-contiguous, else a C-contiguous copy (a ``clone`` gate, so
    it stays differentiable), as PyTorch's ``contiguous()``."""
    return self if self.data.flags.c_contiguous else clone(self)


T.is_contiguous = _is_contiguous  # type: ignore[attr-defined]
T.contiguous = _contiguous  # type: ignore[attr-defined]


def _transpose(self: Tensor, *axes: Any) -> Tensor:
    """``x.transpose(i, j)`` swaps two axes (PyTorch); ``x.transpose()`` reverses them (NumPy)."""
    if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
        return swapaxes(self, axes[0], axes[1])
    if len(axes) == 1 and not isinstance(axes[0], (int, np.integer)):
        axes = tuple(axes[0])
    return permute(self, axes or None)


T.transpose = _transpose  # type: ignore[attr-defined]
T.chunk = chunk  # type: ignore[attr-defined]
T.unbind = unbind  # type: ignore[attr-defined]
T.narrow = narrow  # type: ignore[attr-defined]
T.movedim = T.moveaxis = movedim  # type: ignore[attr-defined]
T.t = t  # type: ignore[attr-defined]
T.unflatten = unflatten  # type: ignore[attr-defined]
T.roll = roll  # type: ignore[attr-defined]
T.rot90 = rot90  # type: ignore[attr-defined]
T.diagonal = diagonal  # type: ignore[attr-defined]
T.diag = diag  # type: ignore[attr-defined]
T.trace = trace  # type: ignore[attr-defined]
T.tril = tril  # type: ignore[attr-defined]
T.triu = triu  # type: ignore[attr-defined]
T.expand_as = lambda self, other: expand(self, other.shape)  # type: ignore[attr-defined]
T.view_as = T.reshape_as = lambda self, other: reshape(self, other.shape)  # type: ignore[attr-defined]  # noqa: E501
T.mm = mm  # type: ignore[attr-defined]
T.bmm = bmm  # type: ignore[attr-defined]
T.mv = mv  # type: ignore[attr-defined]
T.outer = outer  # type: ignore[attr-defined]

# --- indexing along a dimension (PyTorch's gather/scatter family) ------------------------------

T.gather = gather  # type: ignore[attr-defined]
T.scatter = scatter  # type: ignore[attr-defined]
T.scatter_add = scatter_add  # type: ignore[attr-defined]
T.index_select = index_select  # type: ignore[attr-defined]
T.index_add = index_add  # type: ignore[attr-defined]
T.masked_fill = masked_fill  # type: ignore[attr-defined]
T.masked_select = masked_select  # type: ignore[attr-defined]
T.take_along_dim = take_along_dim  # type: ignore[attr-defined]
T.index_put = index_put_at  # type: ignore[attr-defined]  # PyTorch's (indices, values, accumulate)

# --- dtype and device --------------------------------------------------------------------------


def _to(
    self: Tensor, *args: Any, dtype: Any = None, device: Any = None, copy: bool = False
) -> Tensor:
    """``x.to(dtype)``, ``x.to("cpu")``, ``x.to("cpu", dtype)``, ``x.to(other)`` (its dtype):
    PyTorch's forms. The CPU is the only device; any other raises."""
    for a in args:
        if isinstance(a, Tensor):
            dtype = a.dtype
        elif _is_device(a):
            device = a
        else:
            dtype = a
    if device is not None:
        _device(device)
    out = self if dtype is None else cast(self, dtype)
    return clone(out) if copy and out is self else out


_device = device
_DEVICE_NAMES = ("cpu", "cuda", "mps", "xpu", "meta", "hip", "xla", "vulkan")


def _is_device(a: Any) -> bool:
    if isinstance(a, str):
        return a.split(":")[0] in _DEVICE_NAMES
    return hasattr(a, "type") and not isinstance(a, (np.dtype, type))


T.to = _to  # type: ignore[attr-defined]
T.astype = T.type = lambda self, dtype: cast(self, dtype)  # type: ignore[attr-defined]
T.float = lambda self: cast(self, np.float32)  # type: ignore[attr-defined]
T.double = lambda self: cast(self, np.float64)  # type: ignore[attr-defined]
T.half = lambda self: cast(self, np.float16)  # type: ignore[attr-defined]
T.long = lambda self: cast(self, np.int64)  # type: ignore[attr-defined]
T.int = lambda self: cast(self, np.int32)  # type: ignore[attr-defined]
T.bool = lambda self: cast(self, np.bool_)  # type: ignore[attr-defined]
T.type_as = lambda self, other: cast(self, other.dtype)  # type: ignore[attr-defined]

# --- new tensors of this one's dtype (autograd.creation) ---------------------------------------

T.new_tensor = creation.new_tensor  # type: ignore[attr-defined]
T.new_zeros = creation.new_zeros  # type: ignore[attr-defined]
T.new_ones = creation.new_ones  # type: ignore[attr-defined]
T.new_full = creation.new_full  # type: ignore[attr-defined]
T.new_empty = creation.new_empty  # type: ignore[attr-defined]

# --- autograd ----------------------------------------------------------------------------------

T.backward = backward  # type: ignore[attr-defined]

# --- in place (see autograd.inplace: version counters, recorded when grad mode needs it) -------


def _operand(o: Any) -> Any:
    return o.data if isinstance(o, Tensor) else o


def _arithmetic(op: str, gate_fn: Any, ufunc: np.ufunc) -> Any:
    def compute(old: Tensor, other: Any, *, alpha: Any = None) -> Tensor:
        return gate_fn(old, other if alpha is None else mul(other, alpha))

    return inplace.arithmetic(op, compute, ufunc)


def _elementwise(op: str, gate_fn: Any, ufunc: np.ufunc) -> Any:
    return inplace.in_place(op, gate_fn, lambda a: ufunc(a, out=a, casting="same_kind"))


def _fill(a: np.ndarray, value: Any) -> None:
    a[...] = _operand(value)


def _clip_kernel(a: np.ndarray, min: Any = None, max: Any = None) -> None:
    dtype = clip_dtype(a, min, max)
    if not np.can_cast(dtype, a.dtype, "same_kind"):  # as PyTorch: int.clamp_(min=1.5) raises
        raise TypeError(
            f"the bounds promote the result to {dtype}, which cannot be stored in place"
        )
    np.clip(a, _operand(min), _operand(max), out=a, casting="same_kind")


T.add_ = _arithmetic("add_", add, np.add)  # type: ignore[attr-defined]
T.sub_ = _arithmetic("sub_", sub, np.subtract)  # type: ignore[attr-defined]
T.mul_ = _arithmetic("mul_", mul, np.multiply)  # type: ignore[attr-defined]
T.div_ = _arithmetic("div_", div, np.true_divide)  # type: ignore[attr-defined]
T.pow_ = _arithmetic("pow_", pow, np.power)  # type: ignore[attr-defined]
T.__iadd__ = T.add_  # type: ignore[attr-defined]
T.__isub__ = T.sub_  # type: ignore[attr-defined]
T.__imul__ = T.mul_  # type: ignore[attr-defined]
T.__itruediv__ = T.div_  # type: ignore[attr-defined]
T.__ipow__ = T.pow_  # type: ignore[attr-defined]
T.neg_ = _elementwise("neg_", neg, np.negative)  # type: ignore[attr-defined]
T.exp_ = _elementwise("exp_", exp, np.exp)  # type: ignore[attr-defined]
T.log_ = _elementwise("log_", log, np.log)  # type: ignore[attr-defined]
T.sqrt_ = _elementwise("sqrt_", sqrt, np.sqrt)  # type: ignore[attr-defined]
T.abs_ = _elementwise("abs_", abs, np.absolute)  # type: ignore[attr-defined]
T.tanh_ = _elementwise("tanh_", tanh, np.tanh)  # type: ignore[attr-defined]
T.sigmoid_ = inplace.in_place("sigmoid_", sigmoid)  # type: ignore[attr-defined]
T.sin_ = _elementwise("sin_", sin, np.sin)  # type: ignore[attr-defined]
T.cos_ = _elementwise("cos_", cos, np.cos)  # type: ignore[attr-defined]
T.tan_ = _elementwise("tan_", tan, np.tan)  # type: ignore[attr-defined]
T.asin_ = T.arcsin_ = _elementwise("asin_", asin, np.arcsin)  # type: ignore[attr-defined]
T.acos_ = T.arccos_ = _elementwise("acos_", acos, np.arccos)  # type: ignore[attr-defined]
T.atan_ = T.arctan_ = _elementwise("atan_", atan, np.arctan)  # type: ignore[attr-defined]
T.sinh_ = _elementwise("sinh_", sinh, np.sinh)  # type: ignore[attr-defined]
T.cosh_ = _elementwise("cosh_", cosh, np.cosh)  # type: ignore[attr-defined]
T.asinh_ = T.arcsinh_ = _elementwise("asinh_", asinh, np.arcsinh)  # type: ignore[attr-defined]
T.acosh_ = T.arccosh_ = _elementwise("acosh_", acosh, np.arccosh)  # type: ignore[attr-defined]
T.atanh_ = T.arctanh_ = _elementwise("atanh_", atanh, np.arctanh)  # type: ignore[attr-defined]
T.log1p_ = _elementwise("log1p_", log1p, np.log1p)  # type: ignore[attr-defined]
T.expm1_ = _elementwise("expm1_", expm1, np.expm1)  # type: ignore[attr-defined]
T.log2_ = _elementwise("log2_", log2, np.log2)  # type: ignore[attr-defined]
T.log10_ = _elementwise("log10_", log10, np.log10)  # type: ignore[attr-defined]
T.square_ = _elementwise("square_", square, np.square)  # type: ignore[attr-defined]
# (no single ufunc: computed out of place and written back; a float result refuses an int tensor)
T.erf_ = inplace.in_place("erf_", erf)  # type: ignore[attr-defined]
T.rsqrt_ = inplace.in_place("rsqrt_", rsqrt)  # type: ignore[attr-defined]
T.reciprocal_ = inplace.in_place("reciprocal_", reciprocal)  # type: ignore[attr-defined]
T.nan_to_num_ = inplace.in_place("nan_to_num_", nan_to_num)  # type: ignore[attr-defined]
T.lerp_ = inplace.in_place("lerp_", lerp)  # type: ignore[attr-defined]
T.relu_ = inplace.in_place("relu_", relu, lambda a: np.maximum(a, 0, out=a))  # type: ignore[attr-defined]  # noqa: E501
T.clip_ = T.clamp_ = inplace.in_place("clamp_", clip, _clip_kernel)  # type: ignore[attr-defined]
T.fill_ = inplace.in_place(  # type: ignore[attr-defined]
    "fill_", lambda old, value: index_put(old, value, Ellipsis), _fill
)
T.zero_ = inplace.in_place(  # type: ignore[attr-defined]
    "zero_", lambda old: index_put(old, 0, Ellipsis), lambda a: _fill(a, 0)
)
# computed out of place and written back (recorded like the others when grad mode needs it)
T.masked_fill_ = inplace.in_place("masked_fill_", masked_fill)  # type: ignore[attr-defined]
T.scatter_ = inplace.in_place("scatter_", scatter)  # type: ignore[attr-defined]
T.scatter_add_ = inplace.in_place("scatter_add_", scatter_add)  # type: ignore[attr-defined]
T.index_add_ = inplace.in_place("index_add_", index_add)  # type: ignore[attr-defined]
T.floor_ = inplace.in_place("floor_", floor)  # type: ignore[attr-defined]
T.ceil_ = inplace.in_place("ceil_", ceil)  # type: ignore[attr-defined]
T.round_ = inplace.in_place("round_", round)  # type: ignore[attr-defined]
T.trunc_ = inplace.in_place("trunc_", trunc)  # type: ignore[attr-defined]
T.sign_ = inplace.in_place("sign_", sign)  # type: ignore[attr-defined]
T.fmod_ = inplace.in_place("fmod_", fmod)  # type: ignore[attr-defined]
T.remainder_ = T.__imod__ = inplace.in_place("remainder_", remainder)  # type: ignore[attr-defined]
T.floor_divide_ = T.__ifloordiv__ = inplace.in_place("floor_divide_", floor_divide)  # type: ignore[attr-defined]  # noqa: E501
T.addcmul_ = inplace.in_place("addcmul_", addcmul)  # type: ignore[attr-defined]
T.addcdiv_ = inplace.in_place("addcdiv_", addcdiv)  # type: ignore[attr-defined]
T.index_put_ = inplace.in_place("index_put_", index_put_at)  # type: ignore[attr-defined]
T.bitwise_and_ = T.__iand__ = inplace.in_place("bitwise_and_", bitwise_and)  # type: ignore[attr-defined]  # noqa: E501
T.bitwise_or_ = T.__ior__ = inplace.in_place("bitwise_or_", bitwise_or)  # type: ignore[attr-defined]  # noqa: E501
T.bitwise_xor_ = T.__ixor__ = inplace.in_place("bitwise_xor_", bitwise_xor)  # type: ignore[attr-defined]  # noqa: E501
T.bitwise_not_ = inplace.in_place("bitwise_not_", bitwise_not)  # type: ignore[attr-defined]
T.copy_ = inplace.in_place(  # type: ignore[attr-defined]
    "copy_",
    lambda old, src: index_put(old, src, Ellipsis),
    lambda a, src: np.copyto(a, _operand(src), casting="unsafe"),
)


def _random_fill(op: str, draw: Any) -> Any:
    """``uniform_``/``normal_``: new random values, written in place (never recorded: the new
    values do not depend on the old ones)."""

    def method(self: Tensor, *args: Any, generator: Any = None) -> Tensor:
        values = draw(resolve_generator(generator), self.shape, *args).astype(self.dtype)
        return inplace.in_place(op, lambda old: _wrap(values), lambda a: _fill(a, values))(self)

    method.__name__ = op
    return method


T.uniform_ = _random_fill("uniform_", lambda rng, shape, a=0.0, b=1.0: rng.uniform(a, b, shape))  # type: ignore[attr-defined]  # noqa: E501
T.normal_ = _random_fill(  # type: ignore[attr-defined]
    "normal_", lambda rng, shape, mean=0.0, std=1.0: rng.normal(mean, std, shape)
)


del T
