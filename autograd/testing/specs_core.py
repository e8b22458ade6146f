"""Sample specs for the core gate families: elementwise, reduce, shape, linalg and neural.

Every registered gate has at least one spec here (conv and pooling live in ``specs_conv``); gates
with modes have one spec per mode (broadcasting, scalar operands, axis int/tuple/None, keepdims,
each kind of index...). Composites (mean, var, std, softmax built from exp and logsumexp, split,
tile...) have specs under their own labels, naming the gate they exercise most.

Inputs keep shapes tiny (at most 3 axes of at most 4) so that a central-difference check of every
element stays cheap, and draw values from the domain each gate needs (see ``strategies``).
Every spec here is twice differentiable: each rule is written with Tensor operations, and the
routing gates (relu, abs, max...) have a first derivative that is piecewise constant in the input,
whose derivative (0) the kink-free domains let finite differences confirm.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import gates as ag
from .registry import register
from .strategies import (
    away_from_zero,
    bounded,
    broadcastable_shapes,
    index_arrays,
    kink_free,
    positives,
    reals,
    shapes,
    spec_inputs,
    tensors,
)

SMALL = shapes(max_dims=3, max_side=4)  # 0-d to 3-d, sides 1..4: at most 64 elements
NONEMPTY = shapes(min_dims=1, max_dims=3, max_side=4)


def _broadcast(*elements: st.SearchStrategy[float], **kwargs: Any) -> st.SearchStrategy:
    """One array per element strategy, with mutually broadcastable shapes."""

    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple:
        shps = draw(broadcastable_shapes(len(elements)))
        arrays = tuple(draw(tensors(s, elements=e)) for s, e in zip(shps, elements))
        return arrays, {
            k: draw(v) if isinstance(v, st.SearchStrategy) else v for k, v in kwargs.items()
        }

    return draw_inputs()


def _one(domain: str = "real", shape: Any = SMALL, **kwargs: Any) -> st.SearchStrategy:
    return spec_inputs(tensors(shape, domain=domain), **kwargs)


def _axis(ndim: int) -> st.SearchStrategy[Any]:
    """None, an int (negative too), or a tuple of distinct axes (empty, unsorted, negative)."""
    n = max(ndim, 1)  # a 0-d tensor accepts axis 0 and -1, like PyTorch
    one = st.integers(-n, n - 1)
    many = st.lists(one, unique_by=lambda a: a % n, max_size=ndim).map(tuple)
    return st.one_of(st.none(), one, many)


def _reduced_size(shape: tuple, axis: Any) -> int:
    if axis is None:
        return int(np.prod(shape))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes])) if shape else 1


# --- elementwise: arithmetic -------------------------------------------------------------------

R, NZ = reals(), away_from_zero()

register("add", ag.add, _broadcast(R, R), name="add-broadcast")
register("add", lambda x: x + x, _one(), name="add-same-input")  # both edges accumulate
register("add", lambda x, c: c + x, _one(c=R), name="add-scalar")
register("sub", ag.sub, _broadcast(R, R), name="sub-broadcast")
register("sub", lambda x, c: c - x, _one(c=R), name="sub-scalar-left")
register("mul", ag.mul, _broadcast(R, R), name="mul-broadcast")
register("mul", lambda x: x * x, _one(), name="mul-same-input")
register("mul", lambda x, c: c * x, _one(c=R), name="mul-scalar")
register("div", ag.div, _broadcast(R, NZ), name="div-broadcast")
register("div", lambda x: 1.0 / x, _one("nonzero"), name="div-scalar-numerator")
register("div", lambda x, c: x / c, _one(c=NZ), name="div-scalar-denominator")
register("neg", ag.neg, _one())
register("neg", lambda x: -x, _one(), name="neg-operator")
register("pow", ag.pow, _broadcast(positives(0.5, 2.0), bounded(2.0)), name="pow-broadcast")
register(
    "pow", lambda x, e: x**e, _one(e=st.sampled_from([0.0, 1.0, 2, 3.0])), name="pow-int-exponent"
)
register(
    "pow",
    lambda x, e: x**e,
    _one("nonzero", e=st.sampled_from([-1.0, -2.0])),
    name="pow-negative-exponent",
)
register(
    "pow",
    lambda x, e: x**e,
    _one("positive", e=st.sampled_from([0.5, 1.5, -0.5])),
    name="pow-fractional-exponent",
)
register(
    "pow",
    lambda x, c: c**x,
    _one("bounded", c=st.sampled_from([0.5, 2.0, np.e])),
    name="pow-scalar-base",
)
# the base holds exact zeros (a constant): d(a^b)/db there is 0, and 0^b stays 0 for b > 0
register(
    "pow",
    lambda b, a: ag.pow(a, b),
    spec_inputs(
        tensors((3,), elements=positives(0.5, 2.5)),
        a=st.sampled_from([np.array([0.0, 1.5, 0.0]), np.array(0.0), np.array([[2.0], [0.0]])]),
    ),
    name="pow-zero-base",
)


def _float32_roundtrip(x: Any) -> Any:
    return ag.cast(ag.cast(x, np.float32), np.float64) * x


# Grid values (k + 1/2)/32 and eps = 2^-12 are exact in float32, so the round trip loses nothing and the
# central difference of this quadratic is exact. (float64 -> float64 is the identity: no gate.)
register(
    "cast",
    _float32_roundtrip,
    spec_inputs(tensors(SMALL, elements=kink_free(offset=0.5))),
    name="cast-float32-roundtrip",
    eps=2.0**-12,
)
register("clone", ag.clone, _one())

# --- elementwise: functions and activations ----------------------------------------------------

register("exp", ag.exp, _one("bounded"))
register("log", ag.log, _one("positive"))
register("sqrt", ag.sqrt, _one("positive"))
register("abs", ag.abs, _one("kinkfree"))
register("relu", ag.relu, _one("kinkfree"))
register("leaky_relu", ag.leaky_relu, _one("kinkfree"), name="leaky_relu-default")
register(
    "leaky_relu",
    ag.leaky_relu,
    _one("kinkfree", negative_slope=st.sampled_from([0.2, 0.0, -0.5, 1.5])),
    name="leaky_relu-slope",
)
register("sigmoid", ag.sigmoid, spec_inputs(tensors(SMALL, elements=reals(-6, 6))))
register("tanh", ag.tanh, _one())
register("softplus", ag.softplus, spec_inputs(tensors(SMALL, elements=reals(-6, 6))))

# bounds on the grid k/8, values on (k + 1/2)/32: a bound never meets a value
_BOUND = st.integers(-24, 24).map(lambda k: k / 8)


@st.composite
def _clip_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(SMALL, domain="kinkfree"))
    mode = draw(st.sampled_from(["min", "max", "both"]))
    lo = draw(_BOUND) if mode != "max" else None
    hi = draw(_BOUND) if mode != "min" else None
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return (x,), {"min": lo, "max": hi}


register("clip", ag.clip, _clip_inputs())


@st.composite
def _clip_tensor_inputs(draw: st.DrawFn) -> tuple:
    """Tensor bounds on the grid k/8 (values on (k + 1/2)/32: no ties); either may be absent,
    and when both are given they may cross (then the upper one binds, as in PyTorch)."""
    shps = draw(broadcastable_shapes(3))
    x = draw(tensors(shps[0], domain="kinkfree"))
    bound = draw(hnp.arrays(np.float64, shps[1], elements=_BOUND))
    mode = draw(st.sampled_from(["min", "max", "both"]))
    if mode != "both":
        return (x, bound), {"mode": mode}
    # a second bound never equal to the first (equal bounds are a kink of the lower one)
    step = draw(
        hnp.arrays(np.float64, shps[2], elements=st.sampled_from([-0.5, -0.125, 0.25, 1.0]))
    )
    return (x, bound, bound + step), {"mode": mode}


def _clip_tensors(x: Any, *bounds: Any, mode: str) -> Any:
    lo = bounds[0] if mode != "max" else None
    hi = bounds[-1] if mode != "min" else None
    return ag.clip(x, lo, hi)


register("clip_tensors", _clip_tensors, _clip_tensor_inputs())

# maximum/minimum: the operands sit on interleaved grids, so no pair ever ties
_A, _B = kink_free(offset=0.5), kink_free(offset=0.25)
register("maximum", ag.maximum, _broadcast(_A, _B), name="maximum-broadcast")
register(
    "maximum",
    lambda x, c: ag.maximum(x, c),
    _one("kinkfree", c=st.sampled_from([0.0, 1.0])),
    name="maximum-scalar",
)
register("minimum", ag.minimum, _broadcast(_A, _B), name="minimum-broadcast")
register(
    "minimum",
    lambda x, c: ag.minimum(c, x),
    _one("kinkfree", c=st.sampled_from([0.0, -1.0])),
    name="minimum-scalar",
)


@st.composite
def _where_inputs(draw: st.DrawFn) -> tuple:
    sc, sx, sy = draw(broadcastable_shapes(3))
    cond = draw(hnp.arrays(np.bool_, sc))
    return (draw(tensors(sx)), draw(tensors(sy))), {"cond": cond}


register("where", lambda x, y, cond: ag.where(cond, x, y), _where_inputs(), name="where-broadcast")
register(
    "where",
    lambda x, cond: ag.where(cond, x, 0.5),
    spec_inputs(tensors((2, 3)), cond=hnp.arrays(np.bool_, st.sampled_from([(2, 3), (3,), ()]))),
    name="where-scalar-branch",
)


def _guarded_sqrt(x: Any) -> Any:
    # sqrt(x) is NaN for x < 0 in the branch not taken; its gradient must not leak through
    with np.errstate(invalid="ignore"):
        return ag.where(x > 0, ag.sqrt(x), -x)


register("where", _guarded_sqrt, _one("kinkfree"), name="where-guards-nan")

# --- reductions --------------------------------------------------------------------------------


@st.composite
def _reduce_inputs(
    draw: st.DrawFn, domain: str = "real", shape: Any = SMALL, keepdims: bool = True
) -> tuple:
    x = draw(tensors(shape, domain=domain))
    kwargs = {"axis": draw(_axis(x.ndim))}
    if keepdims:
        kwargs["keepdims"] = draw(st.booleans())
    return (x,), kwargs


register("sum", ag.sum, _reduce_inputs(), name="sum-axis")
register("sum", lambda x: x.sum(), _one(), name="sum-all")
register("max", ag.amax, _reduce_inputs("kinkfree"), name="max-axis")
register("min", ag.amin, _reduce_inputs("kinkfree"), name="min-axis")
register("max", lambda x: x.max(), _one("kinkfree"), name="max-all")


@st.composite
def _dim_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY, domain="kinkfree"))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1)), "keepdim": draw(st.booleans())}


# max/min along a dimension gather the values at the returned indices: a getitem
register("getitem", lambda x, **kw: ag.max(x, **kw).values, _dim_inputs(), name="max-dim")
register("getitem", lambda x, **kw: x.min(**kw).values, _dim_inputs(), name="min-dim")
register("logsumexp", ag.logsumexp, _reduce_inputs(), name="logsumexp-axis")
register("sum", ag.mean, _reduce_inputs(), name="mean-axis")
register("sum", ag.nansum, _reduce_inputs(), name="nansum-axis")
register("sum", ag.nanmean, _reduce_inputs(), name="nanmean-axis")


@st.composite
def _var_inputs(draw: st.DrawFn) -> tuple:
    # distinct values 1/4 apart, and at least two in every reduced group: the variance stays
    # well away from 0, where std = sqrt(var) has a kink
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=3).filter(lambda s: max(s) >= 2))
    x = draw(tensors(shape, elements=kink_free(1 / 4), unique=True))
    axis = draw(_axis(x.ndim).filter(lambda a: _reduced_size(shape, a) >= 2) | st.none())
    kwargs = {"axis": axis, "keepdims": draw(st.booleans()), "ddof": draw(st.sampled_from([0, 1]))}
    return (x,), kwargs


register("sum", ag.var, _var_inputs(), name="var-axis")
register("sqrt", ag.std, _var_inputs(), name="std-axis")

# --- shape: reshape and its composites ---------------------------------------------------------


@st.composite
def _reshape_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(SMALL))
    s = x.shape
    options = [(-1,), (x.size,), s[::-1], (1,) + s, s + (1, 1), (x.size, 1), (-1, 1)]
    if x.size == 1:
        options.append(())
    if x.ndim >= 2:
        options.append((s[0] * s[1],) + s[2:])
        options.append((s[0], -1))
    return (x,), {"shape": draw(st.sampled_from(options))}


register("reshape", ag.reshape, _reshape_inputs())


@st.composite
def _squeeze_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(shapes(max_dims=4, max_side=2)))
    ones = [i for i, n in enumerate(x.shape) if n == 1]
    axis = draw(st.none() | (st.sampled_from(ones) if ones else st.none()))
    return (x,), {"axis": axis}


register("reshape", ag.squeeze, _squeeze_inputs(), name="squeeze")
register(
    "reshape",
    ag.unsqueeze,
    _one(axis=st.integers(-1, 0)),
    name="unsqueeze",
)


@st.composite
def _flatten_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(SMALL))
    n = max(x.ndim, 1)
    start = draw(st.integers(0, n - 1))
    return (x,), {"start_dim": start, "end_dim": draw(st.integers(start, n - 1))}


register("reshape", ag.flatten, _flatten_inputs(), name="flatten")

# --- shape: permute ----------------------------------------------------------------------------


@st.composite
def _permute_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(shapes(min_dims=1, max_dims=4, max_side=3)))
    perm = draw(st.permutations(range(x.ndim)))
    negative = draw(st.lists(st.booleans(), min_size=x.ndim, max_size=x.ndim))
    return (x,), {"axes": tuple(a - x.ndim if neg else a for a, neg in zip(perm, negative))}


register("permute", ag.permute, _permute_inputs())
register(
    "permute",
    lambda x: x.T,
    _one(shape=shapes(min_dims=2, max_dims=3, max_side=4)),
    name="transpose-T",
)


@st.composite
def _swap_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    axis = st.integers(-x.ndim, x.ndim - 1)
    return (x,), {"a": draw(axis), "b": draw(axis)}


register("permute", ag.swapaxes, _swap_inputs(), name="swapaxes")

# --- shape: broadcast_to and its composites ----------------------------------------------------


@st.composite
def _broadcast_to_inputs(draw: st.DrawFn, minus_one: bool = False) -> tuple:
    target = draw(shapes(max_dims=3, max_side=4))
    drop = draw(st.integers(0, len(target)))
    ones = draw(st.lists(st.booleans(), min_size=len(target), max_size=len(target)))
    src = tuple(1 if one else n for n, one in zip(target[drop:], ones[drop:]))
    if minus_one:  # expand: -1 keeps a size of the source
        keep = draw(st.lists(st.booleans(), min_size=len(target), max_size=len(target)))
        target = tuple(-1 if i >= drop and k else n for i, (n, k) in enumerate(zip(target, keep)))
        return (draw(tensors(src)),), {"shape": target}
    return (draw(tensors(src)),), {"shape": target}


register("broadcast_to", ag.broadcast_to, _broadcast_to_inputs())
register("broadcast_to", ag.expand, _broadcast_to_inputs(minus_one=True), name="expand")
register(
    "broadcast_to",
    ag.tile,
    _one(
        shape=shapes(max_dims=2, max_side=3),
        reps=st.lists(st.integers(1, 3), max_size=3).map(tuple),
    ),
    name="tile",
)


@st.composite
def _repeat_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    axis = draw(st.none() | st.integers(-x.ndim, x.ndim - 1))
    return (x,), {"repeats": draw(st.integers(1, 3)), "axis": axis}


register("broadcast_to", ag.repeat_interleave, _repeat_inputs(), name="repeat_interleave")

# --- shape: getitem and index_add_into ---------------------------------------------------------


@st.composite
def _basic_index(draw: st.DrawFn, shape: tuple) -> Any:
    """ints (negative too), slices (any step, empty ones too), None and Ellipsis."""
    return draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))


@st.composite
def _advanced_index(draw: st.DrawFn, shape: tuple) -> Any:
    """Integer arrays with a repeated position, alone, with slices, or several that broadcast."""
    kind = draw(st.sampled_from(["one", "with-slice", "arrays", "list"]))
    if kind == "one":
        return draw(index_arrays(shape[0]))
    if kind == "list":
        return draw(index_arrays(shape[0])).tolist()
    if kind == "with-slice" and len(shape) >= 2:
        axis = draw(st.integers(0, len(shape) - 1))
        return (slice(None),) * axis + (draw(index_arrays(shape[axis])),)
    return draw(hnp.integer_array_indices(shape, result_shape=shapes(max_dims=2, max_side=4)))


@st.composite
def _getitem_inputs(draw: st.DrawFn, kind: str) -> tuple:
    x = draw(tensors(shapes(min_dims=0 if kind == "basic" else 1, max_dims=3, max_side=4)))
    if kind == "basic":
        index = draw(_basic_index(x.shape))
    elif kind == "advanced":
        index = draw(_advanced_index(x.shape))
    else:  # a boolean mask over the leading axes
        lead = draw(st.integers(1, x.ndim))
        index = draw(hnp.arrays(np.bool_, x.shape[:lead]))
    return (x,), {"index": index}


register("getitem", ag.getitem, _getitem_inputs("basic"), name="getitem-basic")
register("getitem", ag.getitem, _getitem_inputs("advanced"), name="getitem-int-arrays")
register("getitem", ag.getitem, _getitem_inputs("mask"), name="getitem-bool-mask")


@st.composite
def _split_inputs(draw: st.DrawFn, chunks: bool) -> tuple:
    x = draw(tensors(NONEMPTY))
    axis = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[axis]
    if chunks:
        return (x,), {"chunks": draw(st.integers(1, n)), "axis": axis}
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=3)))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    return (x,), {
        "split_size_or_sections": draw(st.sampled_from([sizes, max(n // 2, 1)])),
        "axis": axis,
    }


register("getitem", lambda x, **kw: tuple(ag.split(x, **kw)), _split_inputs(False), name="split")
register("getitem", lambda x, **kw: tuple(ag.chunk(x, **kw)), _split_inputs(True), name="chunk")


@st.composite
def _scatter_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    index = draw(_basic_index(shape) | _advanced_index(shape))
    picked = np.empty(shape)[np.asarray(index) if isinstance(index, list) else index].shape
    return (draw(tensors(picked)),), {"index": index, "shape": shape}


register("index_add_into", ag.index_add_into, _scatter_inputs())


@st.composite
def _index_put_inputs(draw: st.DrawFn) -> tuple:
    """A target, an index without repeated positions, and a value broadcasting to the selection."""
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=4))
    index = draw(_basic_index(shape) | hnp.arrays(np.bool_, shape[:1]))
    picked = np.empty(shape)[index].shape
    value_shape = draw(st.sampled_from([picked, picked[1:], ()]))
    return (draw(tensors(shape)), draw(tensors(value_shape))), {"index": index}


register("index_put", ag.index_put, _index_put_inputs())
register(
    "index_put",
    lambda x, v, index: _set(x * 1.0, index, v * 2.0),
    _index_put_inputs(),
    name="setitem-recorded",
)


def _set(buf: Any, index: Any, value: Any) -> Any:
    buf[index] = value
    return buf


# --- in-place methods: each records the out-of-place gate it names ----------------------------


def _in_place(method: str, *args: Any) -> Any:
    def fn(x: Any, *more: Any) -> Any:
        h = x * 1.0  # a non-leaf: changing it in place is recorded
        getattr(h, method)(*more, *args)
        return h

    return fn


@st.composite
def _into(draw: st.DrawFn, first: st.SearchStrategy, second: st.SearchStrategy) -> tuple:
    """A target and an operand whose shape broadcasts to the target's (never beyond it)."""
    shape = draw(SMALL)
    kept = draw(st.integers(0, len(shape)))  # trailing dimensions the operand has
    other = tuple(n if draw(st.booleans()) else 1 for n in shape[len(shape) - kept :])
    return (draw(tensors(shape, elements=first)), draw(tensors(other, elements=second))), {}


for _method, _gate, _operands in [
    ("add_", "add", _into(R, R)),
    ("sub_", "sub", _into(R, R)),
    ("mul_", "mul", _into(R, R)),
    ("div_", "div", _into(R, NZ)),
    ("pow_", "pow", _into(positives(0.5, 2.0), bounded(2.0))),
    ("copy_", "index_put", _into(R, R)),
]:
    register(_gate, _in_place(_method), _operands, name=f"{_method}-in-place")
for _method, _gate, _domain in [
    ("neg_", "neg", "real"),
    ("exp_", "exp", "bounded"),
    ("log_", "log", "positive"),
    ("sqrt_", "sqrt", "positive"),
    ("abs_", "abs", "nonzero"),
    ("tanh_", "tanh", "real"),
    ("sigmoid_", "sigmoid", "real"),
    ("relu_", "relu", "kinkfree"),
    ("zero_", "index_put", "real"),
]:
    register(_gate, _in_place(_method), _one(_domain), name=f"{_method}-in-place")
register("clip", _in_place("clamp_", -0.75, 0.625), _one("kinkfree"), name="clamp_-in-place")
register("index_put", _in_place("fill_", 2.5), _one(), name="fill_-in-place")

# --- shape: joining, padding, flipping ---------------------------------------------------------


@st.composite
def _concat_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(NONEMPTY)
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    sizes = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    parts = []
    for n in sizes:
        s = list(shape)
        s[axis] = n
        parts.append(draw(tensors(tuple(s))))
    return tuple(parts), {"axis": axis}


register("concatenate", lambda *xs, axis: ag.concatenate(xs, axis), _concat_inputs())


@st.composite
def _stack_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(SMALL)
    k = draw(st.integers(1, 3))
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    return tuple(draw(tensors(shape)) for _ in range(k)), {"axis": axis}


register("stack", lambda *xs, axis: ag.stack(xs, axis), _stack_inputs())


@st.composite
def _pad_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    width = st.integers(0, 2)
    per_axis = st.lists(st.tuples(width, width), min_size=x.ndim, max_size=x.ndim)
    pad_width = draw(per_axis | width)
    return (x,), {"pad_width": pad_width, "value": draw(st.sampled_from([0.0, -1.5]))}


register("pad", ag.pad, _pad_inputs())


@st.composite
def _flip_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(SMALL))
    return (x,), {"axis": draw(_axis(x.ndim))}


register("flip", ag.flip, _flip_inputs())

# --- linalg ------------------------------------------------------------------------------------


@st.composite
def _matmul_inputs(draw: st.DrawFn) -> tuple:
    # NumPy's matmul signature: 1-D operands promoted, leading (batch) axes broadcast
    a, b = draw(
        hnp.mutually_broadcastable_shapes(
            signature="(m?,n),(n,p?)->(m?,p?)", max_dims=2, max_side=3
        )
    ).input_shapes
    return (draw(tensors(a)), draw(tensors(b))), {}


register("matmul", ag.matmul, _matmul_inputs())
register(
    "matmul",
    lambda a, b: a @ b,
    _matmul_inputs(),
    name="matmul-operator",
)


@st.composite
def _dot_inputs(draw: st.DrawFn) -> tuple:
    n = draw(st.integers(1, 5))
    return (draw(tensors((n,))), draw(tensors((n,)))), {}


register("matmul", ag.dot, _dot_inputs(), name="dot")


@st.composite
def _linear_inputs(draw: st.DrawFn) -> tuple:
    n_in, n_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    lead = draw(hnp.array_shapes(min_dims=0, max_dims=2, max_side=3))
    arrays = [draw(tensors(lead + (n_in,))), draw(tensors((n_out, n_in)))]
    if draw(st.booleans()):
        arrays.append(draw(tensors((n_out,))))
    return tuple(arrays), {}


register("linear", ag.linear, _linear_inputs())


@st.composite
def _bce_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(shapes(max_dims=2, max_side=3))
    p = draw(tensors(shape, elements=reals(0.05, 0.95)))
    y = draw(tensors(shape, elements=reals(0.0, 1.0)))
    return (p, y), {}


register("binary_cross_entropy", ag.binary_cross_entropy, _bce_inputs())

# --- neural ------------------------------------------------------------------------------------


@st.composite
def _softmax_inputs(draw: st.DrawFn, elements: st.SearchStrategy[float] = R) -> tuple:
    x = draw(tensors(NONEMPTY, elements=elements))
    return (x,), {"axis": draw(st.integers(-x.ndim, x.ndim - 1))}


register("log_softmax", ag.log_softmax, _softmax_inputs())
register("log_softmax", ag.log_softmax, _softmax_inputs(reals(-50, 50)), name="log_softmax-wide")
register("softmax", ag.softmax, _softmax_inputs())
register(
    "logsumexp",
    lambda x, axis: ag.exp(x - ag.logsumexp(x, axis, keepdims=True)),
    _softmax_inputs(),
    name="softmax-composite",
)


@st.composite
def _embedding_inputs(draw: st.DrawFn) -> tuple:
    n, d = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    indices = draw(
        hnp.arrays(np.int64, shapes(max_dims=2, max_side=4), elements=st.integers(0, n - 1))
    )
    return (draw(tensors((n, d))),), {"indices": indices}


register("embedding", lambda w, indices: ag.embedding(indices, w), _embedding_inputs())
