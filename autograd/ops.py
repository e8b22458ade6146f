"""Tensor's operators and methods, in one listing.

``tensor.py`` defines the data type; this module gives it everything it computes, each entry a
gate function (``Tensor.__mul__`` *is* ``mul``: one Python call per operation) or a short
adapter to PyTorch's signature (a ``def`` named ``Tensor.<name>``, so that argument errors name
the method). Reading down this file answers "what can a Tensor do, and which gate does it run?".
The in-place forms (``add_``, ``x[i] = v``...) come from ``inplace``. A few functions of PyTorch's
namespace that are mostly used as methods and belong to no gate family (``select``,
``index_fill``, ``index_copy``, ``broadcast_tensors``...) are written here too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from . import creation, inplace
from .backward import backward
from .gates import conv, elementwise, linalg, neural, reduce, shape
from .gates._common import _t, dim_arg, normalize_axis
from .gates.elementary import (
    acos,
    acosh,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    cos,
    cosh,
    erf,
    exp2,
    expm1,
    hypot,
    lerp,
    log1p,
    log2,
    log10,
    logaddexp,
    logit,
    reciprocal,
    rsqrt,
    sin,
    sinh,
    square,
    tan,
    xlogy,
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
    where,
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
from .gates.linalg import (
    addmm,
    baddbmm,
    bmm,
    cross,
    diag,
    dot,
    kron,
    matmul,
    mm,
    mv,
    outer,
    trace,
    tril,
    triu,
)
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
    nanmean,
    nansum,
    norm,
    prod,
    std,
    sum,
    var,
)
from .gates.rounding import (
    allclose,
    argwhere,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    ceil,
    divide,
    eq,
    equal,
    floor,
    floor_divide,
    fmax,
    fmin,
    fmod,
    frac,
    ge,
    gt,
    isclose,
    isfinite,
    isinf,
    isnan,
    le,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    nan_to_num,
    ne,
    nonzero,
    remainder,
    round,
    sign,
    trunc,
)
from .gates.scan import cummax, cummin, cumprod, cumsum, diff, logcumsumexp
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


_F = TypeVar("_F", bound=Callable[..., Any])


def _method(name: str) -> Callable[[_F], _F]:
    """Name a method written here ``Tensor.<name>``, so that Python's own errors about its
    arguments (an unexpected keyword, one missing) name the method, not a helper or a lambda."""

    def named(fn: _F) -> _F:
        fn.__name__ = name
        fn.__qualname__ = f"Tensor.{name}"
        return fn

    return named


# --- functions of PyTorch's namespace that are mostly used as methods ---------------------------


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Tensor (PyTorch's ``is_tensor``)."""
    return isinstance(obj, Tensor)


def numel(x: Tensor) -> int:
    """The number of elements of ``x`` (``x.numel()``)."""
    return int(_t(x).data.size)


def broadcast_tensors(*tensors: Any) -> tuple[Tensor, ...]:
    """The tensors broadcast to their common shape (``broadcast_to`` views; a tensor already of
    that shape comes back as it is)."""
    ts = [_t(t) for t in tensors]
    try:
        shape = np.broadcast_shapes(*(t.shape for t in ts))
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(
            f"broadcast_tensors: shapes {shapes} cannot be broadcast together"
        ) from None
    return tuple(t if t.shape == shape else broadcast_to(t, shape) for t in ts)


def _one_dim(x: Tensor, dim: Any, op: str) -> int:
    if isinstance(dim, bool) or not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return (normalize_axis(int(dim), x.ndim, op) or (0,))[0]


def select(x: Any, dim: int, index: int) -> Tensor:
    """The slice of ``x`` at ``index`` along ``dim``, that dimension removed: ``x[:, index]`` for
    ``dim=1`` (a view, as in PyTorch; negative indices count from the end)."""
    x = _t(x)
    if x.ndim == 0:
        raise IndexError("select: cannot select from a 0-d tensor")
    d = _one_dim(x, dim, "select")
    n = x.shape[d]
    if isinstance(index, bool) or not isinstance(index, (int, np.integer)):
        raise TypeError(f"select: index must be an int, got {index!r}")
    if not -n <= index < n:
        raise IndexError(
            f"select: index {index} is out of range for dimension {d} of size {n} (shape {x.shape})"
        )
    return x[(slice(None),) * d + (int(index),)]


def ravel(x: Any) -> Tensor:
    """``x`` flattened to 1-D in row-major order (a ``reshape``)."""
    return reshape(_t(x), (-1,))


def _index_along(x: Tensor, dim: Any, index: Any, op: str) -> tuple[int, np.ndarray, int]:
    """The dimension, the 1-D index (negative entries counted from the end) and the size of
    that dimension, for index_fill and index_copy (a 0-d tensor counts as 1-D)."""
    d = _one_dim(x, dim, op)
    n = x.shape[d] if x.ndim else 1
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.size == 0:
        idx = idx.astype(np.int64)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    if idx.ndim > 1:
        raise ValueError(f"{op}: index must be 0-d or 1-D, got shape {idx.shape}")
    idx = idx.reshape(-1).astype(np.int64, copy=False)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.min() if idx.min() < -n else idx.max()
        raise IndexError(
            f"{op}: index {bad} is out of range for dimension {d} of size {n} (shape {x.shape})"
        )
    return d, np.where(idx < 0, idx + n, idx), n


def index_fill(x: Any, dim: int, index: Any, value: Any) -> Tensor:
    """``x`` with ``value`` (a number or a 0-d tensor) in the slices ``index`` along ``dim``, out of
    place; the result keeps x's dtype. A ``masked_fill`` (a where): x receives g outside the
    slices, a tensor value the sum of g inside them."""
    x = _t(x)
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError(
            f"index_fill: value must be a number or a 0-d tensor, got shape {value.shape}"
        )
    d, idx, n = _index_along(x, dim, index, "index_fill")
    chosen = np.zeros(n, dtype=bool)
    chosen[idx] = True
    mask = chosen.reshape((n,) + (1,) * (x.ndim - d - 1)) if x.ndim else chosen.reshape(())
    return masked_fill(x, mask, value)


def index_copy(x: Any, dim: int, index: Any, source: Any) -> Tensor:
    """``x`` with slice ``i`` of ``source`` along ``dim`` copied to slice ``index[i]``, out of place
    (source has x's dtype and shape, but ``len(index)`` along ``dim``). An ``index_put``: x
    receives g outside the copied slices, source the gradient of the slices it went to. A
    repeated index leaves which copy wins undefined (PyTorch's too), so a source that requires
    grad must not repeat one."""
    x, source = _t(x), _t(source)
    d, idx, _ = _index_along(x, dim, index, "index_copy")
    if source.dtype != x.dtype:
        raise TypeError(f"index_copy: source has dtype {source.dtype} but the tensor has {x.dtype}")
    if x.ndim == 0:
        return index_copy(x.reshape((1,)), 0, idx, source.reshape((-1,))).reshape(())
    want = tuple(idx.size if a == d else n for a, n in enumerate(x.shape))
    if source.shape != want:
        raise ValueError(
            f"index_copy: source has shape {source.shape}, but an input of shape {x.shape} and "
            f"{idx.size} indices along dimension {d} need {want}"
        )
    if source.requires_grad and np.unique(idx).size != idx.size:
        raise ValueError(
            f"index_copy: the index {idx.tolist()} repeats a slice; which copy wins is undefined, "
            "so the gradient of source would be too"
        )
    return index_put(x, source, (slice(None),) * d + (idx,))


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
T.__eq__ = T.eq = eq  # type: ignore[assignment,attr-defined]
T.__ne__ = T.ne = ne  # type: ignore[assignment,attr-defined]
T.__lt__ = T.lt = lt  # type: ignore[assignment,attr-defined]
T.__le__ = T.le = le  # type: ignore[assignment,attr-defined]
T.__gt__ = T.gt = gt  # type: ignore[assignment,attr-defined]
T.__ge__ = T.ge = ge  # type: ignore[assignment,attr-defined]
T.isclose = isclose  # type: ignore[attr-defined]
T.allclose = allclose  # type: ignore[attr-defined]
T.equal = equal  # type: ignore[attr-defined]
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


def _times_alpha(op: str, self: Tensor, other: Any, alpha: Any) -> Any:
    """``other * alpha`` for add's and sub's ``alpha`` (PyTorch's rule: integer tensors take no
    float alpha, whose product they could not hold)."""
    if type(alpha) is int and alpha == 1:
        return other
    kind = np.asarray(other.data if isinstance(other, Tensor) else other).dtype.kind
    if isinstance(alpha, float) and self.data.dtype.kind in "biu" and kind in "biu":
        raise TypeError(
            f"{op}: alpha={alpha} is a float but both operands are integers ({self.dtype}); "
            "pass an integer alpha or float tensors"
        )
    return mul(other, alpha)


@_method("add")
def _add(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self + alpha * other``, broadcasting (PyTorch's ``add``)."""
    return add(self, _times_alpha("add", self, other, alpha))


@_method("sub")
def _sub(self: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``self - alpha * other``, broadcasting (PyTorch's ``sub``)."""
    return sub(self, _times_alpha("sub", self, other, alpha))


@_method("pow")
def _pow(self: Tensor, exponent: Any) -> Tensor:
    """``self ** exponent``, broadcasting (a ``pow`` gate)."""
    return pow(self, exponent)


T.add = _add  # type: ignore[attr-defined]
T.sub = T.subtract = _sub  # type: ignore[attr-defined]
T.mul = T.multiply = mul  # type: ignore[attr-defined]
T.div = T.divide = divide  # type: ignore[attr-defined]  # rounding_mode=None, "trunc" or "floor"
T.pow = _pow  # type: ignore[attr-defined]
T.maximum = maximum  # type: ignore[attr-defined]
T.minimum = minimum  # type: ignore[attr-defined]
T.fmax = fmax  # type: ignore[attr-defined]  # NaN-ignoring
T.fmin = fmin  # type: ignore[attr-defined]
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
T.atan2 = T.arctan2 = atan2  # type: ignore[attr-defined]
T.hypot = hypot  # type: ignore[attr-defined]
T.logaddexp = logaddexp  # type: ignore[attr-defined]
T.xlogy = xlogy  # type: ignore[attr-defined]
T.exp2 = exp2  # type: ignore[attr-defined]
T.logit = logit  # type: ignore[attr-defined]
T.frac = frac  # type: ignore[attr-defined]
T.nonzero = nonzero  # type: ignore[attr-defined]
T.argwhere = argwhere  # type: ignore[attr-defined]


@_method("where")
def _where(self: Tensor, condition: Any, other: Any) -> Tensor:
    """``self`` where ``condition`` holds, else ``other``: ``where(condition, self, other)``."""
    return where(condition, self, other)


T.where = _where  # type: ignore[attr-defined]

# --- reductions (NumPy's axis/keepdims or PyTorch's dim/keepdim) -------------------------------

T.sum = sum  # type: ignore[attr-defined]
T.mean = mean  # type: ignore[attr-defined]
T.nansum = nansum  # type: ignore[attr-defined]
T.nanmean = nanmean  # type: ignore[attr-defined]
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
T.cummax = cummax  # type: ignore[attr-defined]  # (values, indices), like max(dim)
T.cummin = cummin  # type: ignore[attr-defined]
T.diff = diff  # type: ignore[attr-defined]
T.sort = sort  # type: ignore[attr-defined]  # (values, indices); the values are a gather
T.argsort = argsort  # type: ignore[attr-defined]
T.topk = topk  # type: ignore[attr-defined]
T.kthvalue = kthvalue  # type: ignore[attr-defined]  # (values, indices), like max(dim)


@_method("any")
def _any(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool = False) -> Tensor:  # fmt: skip
    return _wrap(
        np.asarray(np.any(self.data, axis=dim_arg(axis, dim, "any"), keepdims=keepdims or keepdim))
    )


@_method("all")
def _all(self: Tensor, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
         keepdim: bool = False) -> Tensor:  # fmt: skip
    return _wrap(
        np.asarray(np.all(self.data, axis=dim_arg(axis, dim, "all"), keepdims=keepdims or keepdim))
    )


T.any = _any  # type: ignore[attr-defined]
T.all = _all  # type: ignore[attr-defined]


@_method("softmax")
def _softmax(self: Tensor, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """softmax along ``dim`` (default -1) of ``self``, cast to ``dtype`` first when given (a
    ``cast`` gate: float64 for accuracy, as PyTorch's ``dtype=``)."""
    return softmax(self if dtype is None else cast(self, dtype), axis, dim=dim)


@_method("log_softmax")
def _log_softmax(self: Tensor, dim: Any = None, dtype: Any = None, *, axis: Any = None) -> Tensor:
    """log_softmax along ``dim`` (default -1) of ``self``, cast to ``dtype`` first when given."""
    return log_softmax(self if dtype is None else cast(self, dtype), axis, dim=dim)


T.softmax = _softmax  # type: ignore[attr-defined]
T.log_softmax = _log_softmax  # type: ignore[attr-defined]

# --- shape -------------------------------------------------------------------------------------


@_method("reshape")
def _reshape(self: Tensor, *shape: Any) -> Tensor:
    """``self`` with a new shape: ``x.reshape(2, 3)`` or ``x.reshape((2, 3))`` (-1 inferred)."""
    return reshape(self, _varargs(shape))


@_method("view")
def _view(self: Tensor, *shape: Any) -> Tensor:
    """``self`` with a new shape, sharing its memory (writes through either reach the other).
    As in PyTorch, an error where the layout allows no view (a transposed tensor flattened):
    ``reshape`` copies there."""
    out = reshape(self, _varargs(shape))
    if self.data.size and (out._extra is None or out._extra.base is None):
        raise RuntimeError(
            f"view: a tensor of shape {self.shape} and strides {self.data.strides} cannot be "
            f"viewed as shape {out.shape} without copying (its memory is not laid out in that "
            "order); use reshape(), which copies, or contiguous().view()"
        )
    return out


@_method("permute")
def _permute(self: Tensor, *args: Any, dims: Any = None) -> Tensor:
    """The dimensions reordered: ``x.permute(2, 0, 1)``, ``x.permute((2, 0, 1))`` or
    ``x.permute(dims=(2, 0, 1))``."""
    if dims is not None and args:
        raise TypeError("permute: give the order once, positionally or as dims=")
    return permute(self, _varargs(args) if dims is None else dims)


@_method("expand")
def _expand(self: Tensor, *sizes: Any) -> Tensor:
    """``self`` broadcast to ``sizes`` (-1 keeps a dimension): ``x.expand(3, -1)``."""
    return expand(self, _varargs(sizes))


@_method("repeat")
def _repeat(self: Tensor, *repeats: Any) -> Tensor:
    """``self`` repeated ``repeats`` times along each dimension (PyTorch's ``repeat``, NumPy's
    ``tile``). At least one count per dimension, as PyTorch asks (``tile`` pads with 1s)."""
    counts = _varargs(repeats)
    if len(counts) < self.ndim:
        raise ValueError(
            f"repeat: {len(counts)} repeat counts for a tensor of shape {self.shape} (give at "
            f"least one per dimension: {self.ndim})"
        )
    return tile(self, counts)


@_method("flip")
def _flip(self: Tensor, *args: Any, dims: Any = None, dim: Any = None, axis: Any = None) -> Tensor:
    """``self`` reversed along the dimensions given: ``x.flip(0, 1)``, ``x.flip((0, 1))`` or
    ``x.flip(dims=(0, 1))``; all of them when none is given (NumPy's default)."""
    given = [v for v in (_varargs(args) if args else None, dims, dim, axis) if v is not None]
    if len(given) > 1:
        raise TypeError("flip: give the dimensions once (positionally, dims=, dim= or axis=)")
    return flip(self, given[0] if given else None)


T.reshape = _reshape  # type: ignore[attr-defined]
T.view = _view  # type: ignore[attr-defined]
T.permute = _permute  # type: ignore[attr-defined]
T.expand = _expand  # type: ignore[attr-defined]
T.repeat = _repeat  # type: ignore[attr-defined]
T.tile = tile  # type: ignore[attr-defined]
T.broadcast_to = broadcast_to  # type: ignore[attr-defined]
T.swapaxes = T.swapdims = swapaxes  # type: ignore[attr-defined]
T.squeeze = squeeze  # type: ignore[attr-defined]
T.unsqueeze = unsqueeze  # type: ignore[attr-defined]
T.flatten = flatten  # type: ignore[attr-defined]
T.ravel = ravel  # type: ignore[attr-defined]
T.flip = _flip  # type: ignore[attr-defined]
T.repeat_interleave = repeat_interleave  # type: ignore[attr-defined]
T.split = split  # type: ignore[attr-defined]
T.T = property(lambda self: permute(self))  # type: ignore[attr-defined]  # all axes reversed
T.mT = property(lambda self: swapaxes(self, -1, -2))  # type: ignore[attr-defined]


@_method("is_contiguous")
def _is_contiguous(self: Tensor) -> bool:
    """Whether the array is C-contiguous (row-major, no gaps): PyTorch's ``is_contiguous()``."""
    return bool(self.data.flags.c_contiguous)


@_method("contiguous")
def _contiguous(self: Tensor) -> Tensor:
    """``self`` when its array is C-contiguous, else a C-contiguous copy (a ``clone`` gate, so
    it stays differentiable), as PyTorch's ``contiguous()``."""
    return self if self.data.flags.c_contiguous else clone(self)


T.is_contiguous = _is_contiguous  # type: ignore[attr-defined]
T.contiguous = _contiguous  # type: ignore[attr-defined]


@_method("transpose")
def _transpose(self: Tensor, *axes: Any, dim0: Any = None, dim1: Any = None) -> Tensor:
    """``x.transpose(i, j)`` (or ``dim0=i, dim1=j``) swaps two axes (PyTorch);
    ``x.transpose()`` reverses them (NumPy)."""
    if dim0 is not None or dim1 is not None:
        axes = axes + tuple(d for d in (dim0, dim1) if d is not None)
        if len(axes) != 2:
            raise TypeError(f"transpose: expects two dimensions (dim0, dim1), got {axes}")
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


@_method("expand_as")
def _expand_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` broadcast to ``other``'s shape."""
    return expand(self, other.shape)


@_method("view_as")
def _view_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` reshaped to ``other``'s shape."""
    return reshape(self, other.shape)


@_method("reshape_as")
def _reshape_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` reshaped to ``other``'s shape."""
    return reshape(self, other.shape)


@_method("select")
def _select(self: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, that dimension removed (see ``autograd.select``)."""
    return select(self, dim, index)


@_method("unfold")
def _unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Sliding windows along ``dimension``, ``size`` elements each and ``step`` apart, as a new
    last dimension: size n there becomes ``(n - size) // step + 1`` windows (PyTorch's
    ``Tensor.unfold``; ``autograd.unfold`` is im2col, nn.functional's). A ``getitem`` with a
    window index (a copy, where PyTorch gives a view) and a ``movedim``; overlapping windows add
    their gradients."""
    for name, v in (("dimension", dimension), ("size", size), ("step", step)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"unfold: {name} must be an int, got {v!r}")
    if self.ndim == 0:  # one element, as if 1-D; the window is the whole result
        return _unfold(self.reshape((1,)), dimension, size, step).reshape((size,))
    d = _one_dim(self, dimension, "unfold")
    n = self.shape[d]
    if step <= 0:
        raise ValueError(f"unfold: step must be positive, got {step}")
    if not 0 <= size <= n:
        raise ValueError(
            f"unfold: size {size} does not fit dimension {d} of size {n} (shape {self.shape})"
        )
    windows = np.arange(0, n - size + 1, step)[:, None] + np.arange(size)  # (count, size)
    return movedim(self[(slice(None),) * d + (windows,)], d + 1, -1)


T.expand_as = _expand_as  # type: ignore[attr-defined]
T.view_as = _view_as  # type: ignore[attr-defined]
T.reshape_as = _reshape_as  # type: ignore[attr-defined]
T.select = _select  # type: ignore[attr-defined]
T.unfold = _unfold  # type: ignore[attr-defined]
T.mm = mm  # type: ignore[attr-defined]
T.bmm = bmm  # type: ignore[attr-defined]
T.mv = mv  # type: ignore[attr-defined]
T.outer = outer  # type: ignore[attr-defined]
T.cross = cross  # type: ignore[attr-defined]
T.kron = kron  # type: ignore[attr-defined]
T.addmm = addmm  # type: ignore[attr-defined]
T.baddbmm = baddbmm  # type: ignore[attr-defined]

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
T.index_fill = index_fill  # type: ignore[attr-defined]
T.index_copy = index_copy  # type: ignore[attr-defined]

# --- dtype and device --------------------------------------------------------------------------


@_method("to")
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


def _cast_method(name: str, dtype: Any = None) -> Callable[..., Tensor]:
    """``x.float()`` and its kin (``dtype`` fixed), or ``x.astype(dtype)``/``x.type(dtype)``."""
    if dtype is None:

        def method(self: Tensor, dtype: Any) -> Tensor:
            return cast(self, dtype)

        method.__doc__ = "``self`` cast to ``dtype`` (a ``cast`` gate; ``self`` if it has it)."
    else:

        def method(self: Tensor) -> Tensor:  # type: ignore[misc]
            return cast(self, dtype)

        to = np.dtype(dtype)
        method.__doc__ = f"``self`` cast to {to} (a ``cast`` gate; ``self`` when it is {to})."
    return _method(name)(method)


@_method("type_as")
def _type_as(self: Tensor, other: Tensor) -> Tensor:
    """``self`` cast to ``other``'s dtype."""
    return cast(self, other.dtype)


T.astype = _cast_method("astype")  # type: ignore[attr-defined]
T.type = _cast_method("type")  # type: ignore[attr-defined]
T.float = _cast_method("float", np.float32)  # type: ignore[attr-defined]
T.double = _cast_method("double", np.float64)  # type: ignore[attr-defined]
T.half = _cast_method("half", np.float16)  # type: ignore[attr-defined]
T.short = _cast_method("short", np.int16)  # type: ignore[attr-defined]
T.long = _cast_method("long", np.int64)  # type: ignore[attr-defined]
T.int = _cast_method("int", np.int32)  # type: ignore[attr-defined]
T.bool = _cast_method("bool", np.bool_)  # type: ignore[attr-defined]
T.type_as = _type_as  # type: ignore[attr-defined]

# --- random draws shaped by this tensor (autograd.creation) ------------------------------------

T.bernoulli = creation.bernoulli  # type: ignore[attr-defined]
T.multinomial = creation.multinomial  # type: ignore[attr-defined]

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
T.exp2_ = inplace.in_place("exp2_", exp2)  # type: ignore[attr-defined]
T.logit_ = inplace.in_place("logit_", logit)  # type: ignore[attr-defined]
T.frac_ = inplace.in_place("frac_", frac)  # type: ignore[attr-defined]
T.atan2_ = T.arctan2_ = inplace.in_place("atan2_", atan2)  # type: ignore[attr-defined]
T.hypot_ = inplace.in_place("hypot_", hypot)  # type: ignore[attr-defined]
T.xlogy_ = inplace.in_place("xlogy_", xlogy)  # type: ignore[attr-defined]
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
T.index_fill_ = inplace.in_place("index_fill_", index_fill)  # type: ignore[attr-defined]
T.index_copy_ = inplace.in_place("index_copy_", index_copy)  # type: ignore[attr-defined]
T.tril_ = inplace.in_place("tril_", tril)  # type: ignore[attr-defined]
T.triu_ = inplace.in_place("triu_", triu)  # type: ignore[attr-defined]
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


def _bernoulli_draw(rng: np.random.Generator, shape: tuple, p: Any = 0.5) -> np.ndarray:
    probs = np.broadcast_to(np.asarray(_operand(p), dtype=np.float64), shape)
    return creation.bernoulli(probs, generator=rng).data  # (checks p under bernoulli's name)


T.bernoulli_ = _random_fill("bernoulli_", _bernoulli_draw)  # type: ignore[attr-defined]


del T
