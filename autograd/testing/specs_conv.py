"""Sample specs for the convolution and pooling gates (``autograd/gates/conv.py``).

One spec per mode: stride, padding, dilation, pairs of different values per axis, bias or none,
size-1 batch/channels/kernels, 1-D and 2-D, groups (depthwise included), transposed convolutions
(output_padding too), pooling's ceil_mode, count_include_pad and divisor_override, unfold and
fold. The backward gates (``conv_input_grad``, ``conv_weight_grad``, ``max_pool_grad``,
``max_pool_pick``, ``avg_pool_grad``) are exercised directly, with the geometry the forward would
have given them. Shapes stay tiny (at most two images, a few channels, sides of a few elements)
so that checking every element is cheap.

Max pooling is piecewise linear: its inputs come from the kink-free grid without repeats, so no
window has a tie within a finite-difference step. Power-average pooling keeps every value away
from 0 (a window summing to 0 is where its root has no derivative).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .. import gates as ag
from ..gates import conv as _conv
from ..tensor import Tensor
from .registry import register
from .strategies import away_from_zero, kink_free, positives, reals, tensors

R = reals(-2.0, 2.0)


def _per_axis(value: Any, nd: int) -> tuple[int, ...]:
    return (value,) * nd if isinstance(value, int) else tuple(value)


def _sizes(draw: st.DrawFn, nd: int, k: tuple, s: tuple, p: tuple, d: tuple) -> tuple:
    """Input sides that fit the window (dilated kernel <= padded side), one or two more."""
    out = []
    for ki, si, pi, di in zip(k, s, p, d):
        low = max(1, di * (ki - 1) + 1 - 2 * pi)
        out.append(draw(st.integers(low, low + min(si, 2))))
    return tuple(out)


# --- convolution -------------------------------------------------------------------------------


@st.composite
def _conv_config(
    draw: st.DrawFn,
    nd: int,
    stride: tuple,
    padding: tuple,
    dilation: tuple,
    max_k: int = 3,
    max_c: int = 2,
) -> dict:
    cfg = {
        "n": draw(st.integers(1, 2)),
        "c": draw(st.integers(1, max_c)),
        "o": draw(st.integers(1, 2)),
        "k": tuple(draw(st.integers(1, max_k)) for _ in range(nd)),
        "stride": draw(st.sampled_from(stride)),
        "padding": draw(st.sampled_from(padding)),
        "dilation": draw(st.sampled_from(dilation)),
    }
    s, p, d = (_per_axis(cfg[a], nd) for a in ("stride", "padding", "dilation"))
    cfg["spatial"] = _sizes(draw, nd, cfg["k"], s, p, d)
    cfg["geo"] = (nd, cfg["spatial"], cfg["k"], s, p, d)
    return cfg


def _conv_inputs(
    nd: int,
    *,
    stride: tuple = (1,),
    padding: tuple = (0,),
    dilation: tuple = (1,),
    bias: tuple = (True, False),
    max_k: int = 3,
    max_c: int = 2,
) -> st.SearchStrategy:
    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple:
        cfg = draw(_conv_config(nd, stride, padding, dilation, max_k, max_c))
        x = draw(tensors((cfg["n"], cfg["c"], *cfg["spatial"]), elements=R))
        w = draw(tensors((cfg["o"], cfg["c"], *cfg["k"]), elements=R))
        arrays: tuple = (x, w)
        if draw(st.sampled_from(bias)):
            arrays += (draw(tensors((cfg["o"],), elements=R)),)
        kwargs = {a: cfg[a] for a in ("stride", "padding", "dilation")}
        return arrays, kwargs

    return draw_inputs()


def _conv1d(x: Tensor, w: Tensor, b: Tensor | None = None, **kw: Any) -> Tensor:
    return ag.conv1d(x, w, b, **kw)


def _conv2d(x: Tensor, w: Tensor, b: Tensor | None = None, **kw: Any) -> Tensor:
    return ag.conv2d(x, w, b, **kw)


register("conv1d", _conv1d, _conv_inputs(1), name="conv1d")
register(
    "conv1d",
    _conv1d,
    _conv_inputs(1, stride=(1, 2, 3), padding=(0, 1, 2), dilation=(1, 2)),
    name="conv1d-stride-padding-dilation",
)
register("conv2d", _conv2d, _conv_inputs(2), name="conv2d")
register("conv2d", _conv2d, _conv_inputs(2, padding=(1, 2, (1, 0))), name="conv2d-padding")
register(
    "conv2d",
    _conv2d,
    _conv_inputs(2, stride=(2, (2, 1), (1, 3)), padding=(0, 1)),
    name="conv2d-stride",
)
register(
    "conv2d", _conv2d, _conv_inputs(2, dilation=(2, (1, 2)), padding=(0, 1)), name="conv2d-dilation"
)
register(
    "conv2d",
    _conv2d,
    _conv_inputs(2, stride=(1, 2), padding=(0, 1), max_k=1, max_c=1),
    name="conv2d-size-1",  # 1x1 kernels, one channel: the degenerate corners of the geometry
)
register(
    "conv2d",
    lambda x, w, b=None, **kw: ag.conv2d(x[0], w, b, **kw),  # a single (C, H, W) sample
    _conv_inputs(2, padding=(0, 1)),
    name="conv2d-unbatched",
)


# groups: G blocks of 1-2 input and 1-2 output channels each; depthwise: one input channel per
# group (groups = C), one or two filters each


@st.composite
def _grouped_inputs(draw: st.DrawFn, nd: int, depthwise: bool = False) -> tuple:
    groups = draw(st.integers(2, 3))
    cg = 1 if depthwise else draw(st.integers(1, 2))
    og = draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    stride, padding = draw(st.sampled_from((1, 2))), draw(st.sampled_from((0, 1)))
    spatial = _sizes(draw, nd, k, (stride,) * nd, (padding,) * nd, (1,) * nd)
    x = draw(tensors((draw(st.integers(1, 2)), groups * cg, *spatial), elements=R))
    w = draw(tensors((groups * og, cg, *k), elements=R))
    arrays: tuple = (x, w)
    if draw(st.booleans()):
        arrays += (draw(tensors((groups * og,), elements=R)),)
    return arrays, {"stride": stride, "padding": padding, "groups": groups}


register("conv1d", _conv1d, _grouped_inputs(1), name="conv1d-groups")
register("conv2d", _conv2d, _grouped_inputs(2), name="conv2d-groups")
register("conv2d", _conv2d, _grouped_inputs(2, depthwise=True), name="conv2d-depthwise")


# --- transposed convolution --------------------------------------------------------------------


@st.composite
def _transposed_inputs(draw: st.DrawFn, nd: int, dilation: tuple = (1,)) -> tuple:
    groups = draw(st.sampled_from((1, 1, 2)))
    cin, cout = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    k = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    s = draw(st.sampled_from((1, 2, 3)))
    d = draw(st.sampled_from(dilation))
    extra = draw(st.integers(0, max(s, d) - 1))  # output_padding < stride or dilation
    spatial = tuple(draw(st.integers(1, 3)) for _ in range(nd))
    p = draw(st.integers(0, 1))
    if any((n - 1) * s - 2 * p + d * (ki - 1) + extra + 1 <= 0 for n, ki in zip(spatial, k)):
        p = 0  # the output would be empty
    x = draw(tensors((draw(st.integers(1, 2)), cin, *spatial), elements=R))
    w = draw(tensors((cin, cout // groups, *k), elements=R))
    arrays: tuple = (x, w)
    if draw(st.booleans()):
        arrays += (draw(tensors((cout,), elements=R)),)
    kwargs = {"stride": s, "padding": p, "output_padding": extra, "groups": groups, "dilation": d}
    return arrays, kwargs


def _conv_transpose1d(x: Tensor, w: Tensor, b: Tensor | None = None, **kw: Any) -> Tensor:
    return ag.conv_transpose1d(x, w, b, **kw)


def _conv_transpose2d(x: Tensor, w: Tensor, b: Tensor | None = None, **kw: Any) -> Tensor:
    return ag.conv_transpose2d(x, w, b, **kw)


register("conv_transpose1d", _conv_transpose1d, _transposed_inputs(1, (1, 2)))
register("conv_transpose2d", _conv_transpose2d, _transposed_inputs(2))
register(
    "conv_transpose2d",
    _conv_transpose2d,
    _transposed_inputs(2, (2,)),
    name="conv_transpose2d-dilation",
)


def _geo(spec: tuple) -> Any:
    return _conv._Geo(*spec)


@st.composite
def _input_grad_inputs(draw: st.DrawFn, nd: int) -> tuple:
    cfg = draw(_conv_config(nd, (1, 2), (0, 1), (1, 2)))
    geo = _geo(cfg["geo"])
    out = (geo.Wo,) if nd == 1 else (geo.Ho, geo.Wo)
    g = draw(tensors((cfg["n"], cfg["o"], *out), elements=R))
    w = draw(tensors((cfg["o"], cfg["c"], *cfg["k"]), elements=R))
    return (g, w), {"geo": cfg["geo"]}


@st.composite
def _weight_grad_inputs(draw: st.DrawFn, nd: int) -> tuple:
    cfg = draw(_conv_config(nd, (1, 2), (0, 1), (1, 2)))
    geo = _geo(cfg["geo"])
    out = (geo.Wo,) if nd == 1 else (geo.Ho, geo.Wo)
    x = draw(tensors((cfg["n"], cfg["c"], *cfg["spatial"]), elements=R))
    g = draw(tensors((cfg["n"], cfg["o"], *out), elements=R))
    return (x, g), {"geo": cfg["geo"]}


for _nd in (1, 2):
    register(
        "conv_input_grad",
        lambda g, w, geo: _conv.conv_input_grad(g, w, _geo(geo)),
        _input_grad_inputs(_nd),
        name=f"conv_input_grad-{_nd}d",
    )
    register(
        "conv_weight_grad",
        lambda x, g, geo: _conv.conv_weight_grad(x, g, _geo(geo)),
        _weight_grad_inputs(_nd),
        name=f"conv_weight_grad-{_nd}d",
    )


# --- pooling -----------------------------------------------------------------------------------


@st.composite
def _pool_config(
    draw: st.DrawFn, nd: int, kernel: tuple, stride: tuple, padding: tuple, dilation: tuple = (1,)
) -> dict:
    k = draw(st.sampled_from(kernel))
    s = draw(st.sampled_from(stride))
    d = draw(st.sampled_from(dilation))
    ka = _per_axis(k, nd)
    # padding must stay at most half the kernel on every axis (PyTorch's rule)
    pads = [p for p in padding if all(pi <= ki // 2 for pi, ki in zip(_per_axis(p, nd), ka))]
    p = draw(st.sampled_from(pads))
    sa = ka if s is None else _per_axis(s, nd)
    spatial = _sizes(draw, nd, ka, sa, _per_axis(p, nd), _per_axis(d, nd))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
    cfg = {"shape": shape, "kernel_size": k, "stride": s, "padding": p}
    if d != 1:
        cfg["dilation"] = d
    return cfg


def _pool_inputs(
    nd: int,
    elements: st.SearchStrategy[float],
    unique: bool = False,
    kernel: tuple = (2,),
    stride: tuple = (None,),
    padding: tuple = (0,),
    dilation: tuple = (1,),
    **extra: Any,
) -> st.SearchStrategy:
    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple:
        cfg = draw(_pool_config(nd, kernel, stride, padding, dilation))
        x = draw(tensors(cfg.pop("shape"), elements=elements, unique=unique))
        return (x,), {**cfg, **extra}

    return draw_inputs()


KF = kink_free(step=1 / 64)  # 512 grid points: room for unique values
OVERLAP = {"kernel": (3, 2), "stride": (1, 2), "padding": (0, 1)}
MIXED = {"kernel": ((2, 3), (3, 1)), "stride": (None, (1, 2), 2), "padding": (0, (1, 0), (0, 1))}

for _name, _fn, _nd in [
    ("max_pool1d", ag.max_pool1d, 1),
    ("max_pool2d", ag.max_pool2d, 2),
    ("avg_pool1d", ag.avg_pool1d, 1),
    ("avg_pool2d", ag.avg_pool2d, 2),
]:
    _max = _name.startswith("max")
    _el, _uniq = (KF, True) if _max else (R, False)
    register(_name, _fn, _pool_inputs(_nd, _el, _uniq, kernel=(1, 2, 3)), name=_name)
    register(_name, _fn, _pool_inputs(_nd, _el, _uniq, **OVERLAP), name=f"{_name}-overlap-padding")
    if _nd == 2:
        register(_name, _fn, _pool_inputs(_nd, _el, _uniq, **MIXED), name=f"{_name}-pairs")

# ceil_mode (a last, partial window), count_include_pad=False (divisors that vary by window),
# divisor_override, and dilated max pooling
CEIL = {"kernel": (2, 3, (3, 2)), "stride": (2, 3, (2, 1)), "padding": (0, 1)}
for _name, _fn, _nd in [
    ("max_pool1d", ag.max_pool1d, 1),
    ("max_pool2d", ag.max_pool2d, 2),
    ("avg_pool1d", ag.avg_pool1d, 1),
    ("avg_pool2d", ag.avg_pool2d, 2),
]:
    _max = _name.startswith("max")
    _el, _uniq = (KF, True) if _max else (R, False)
    _ceil = {k: tuple(e for e in v if _nd == 2 or isinstance(e, int)) for k, v in CEIL.items()}
    register(
        _name, _fn, _pool_inputs(_nd, _el, _uniq, **_ceil, ceil_mode=True), name=f"{_name}-ceil"
    )
    if _max:
        register(
            _name,
            _fn,
            _pool_inputs(_nd, _el, _uniq, kernel=(2, 3), stride=(1, 2), dilation=(2, 3)),
            name=f"{_name}-dilation",
        )
    else:
        register(
            _name,
            _fn,
            _pool_inputs(_nd, _el, **_ceil, ceil_mode=True, count_include_pad=False),
            name=f"{_name}-count-exclude-pad",
        )
register(
    "avg_pool2d",
    ag.avg_pool2d,
    _pool_inputs(2, R, kernel=(2, 3), stride=(1, 2), divisor_override=3),
    name="avg_pool2d-divisor-override",
)

register(
    "avg_pool2d",
    ag.lp_pool2d,
    _pool_inputs(2, away_from_zero(0.25, 2.0), kernel=(2, 3, (1, 2)), norm_type=2.0),
    name="lp_pool2d-l2",
)
register(
    "avg_pool2d",
    ag.lp_pool2d,
    _pool_inputs(2, positives(0.25, 2.0), kernel=(2, 3), stride=(None, 1), norm_type=3.0),
    name="lp_pool2d-p3",
)
register(
    "avg_pool1d",
    ag.lp_pool1d,
    _pool_inputs(1, away_from_zero(0.25, 2.0), **OVERLAP, norm_type=2.0),
    name="lp_pool1d-l2",
)


# --- the pooling backward gates, applied directly -----------------------------------------------


@st.composite
def _pool_grad_inputs(draw: st.DrawFn, nd: int, with_input: bool) -> tuple:
    """An upstream gradient shaped like a pool's output (or, for ``max_pool_pick``, like its
    input), plus the geometry and the input whose window maxima it is routed to."""
    cfg = draw(_pool_config(nd, (2, 3), (None, 1, 2), (0, 1)))
    shape = cfg.pop("shape")
    x = draw(tensors(shape, elements=R))  # ties allowed: the routing is fixed data here
    with_geo = {**cfg, "x": x, "nd": nd}
    if with_input:
        return (draw(tensors(shape, elements=R)),), with_geo
    out = ag.max_pool2d if nd == 2 else ag.max_pool1d
    shape = out(Tensor(x), cfg["kernel_size"], cfg["stride"], cfg["padding"]).shape
    return (draw(tensors(shape, elements=R)),), with_geo


def _pool_geo(x: np.ndarray, nd: int, kernel_size: Any, stride: Any, padding: Any) -> Any:
    k = _per_axis(kernel_size, nd)
    s = k if stride is None else _per_axis(stride, nd)
    return _conv._Geo(nd, x.shape[2:], k, s, _per_axis(padding, nd), (1,) * nd)


def _routing(x: np.ndarray, nd: int, **cfg: Any) -> tuple[np.ndarray, Any]:
    geo = _pool_geo(x, nd, **cfg)
    return _conv._max_pool_kernel(x, geo, True)[1], geo


def _max_pool_grad(g: Tensor, x: np.ndarray, nd: int, **cfg: Any) -> Tensor:
    return _conv.max_pool_grad(g, *_routing(x, nd, **cfg))


def _max_pool_pick(h: Tensor, x: np.ndarray, nd: int, **cfg: Any) -> Tensor:
    return _conv.max_pool_pick(h, *_routing(x, nd, **cfg))


def _avg_pool_grad(g: Tensor, x: np.ndarray, nd: int, **cfg: Any) -> Tensor:
    return _conv.avg_pool_grad(g, _pool_geo(x, nd, **cfg))


for _nd in (1, 2):
    register(
        "max_pool_grad", _max_pool_grad, _pool_grad_inputs(_nd, False), name=f"max_pool_grad-{_nd}d"
    )
    register(
        "max_pool_pick", _max_pool_pick, _pool_grad_inputs(_nd, True), name=f"max_pool_pick-{_nd}d"
    )
    register(
        "avg_pool_grad", _avg_pool_grad, _pool_grad_inputs(_nd, False), name=f"avg_pool_grad-{_nd}d"
    )


# --- unfold and fold ---------------------------------------------------------------------------


@st.composite
def _blocks_config(draw: st.DrawFn) -> dict:
    k = (draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    s = draw(st.sampled_from((1, 2, (2, 1))))
    p = draw(st.sampled_from((0, 1, (1, 0))))
    d = draw(st.sampled_from((1, 2)))
    size = _sizes(draw, 2, k, _per_axis(s, 2), _per_axis(p, 2), _per_axis(d, 2))
    geo = _conv._Geo(2, size, k, _per_axis(s, 2), _per_axis(p, 2), _per_axis(d, 2))
    return {"kernel_size": k, "stride": s, "padding": p, "dilation": d, "size": size, "geo": geo}


@st.composite
def _unfold_inputs(draw: st.DrawFn) -> tuple:
    cfg = draw(_blocks_config())
    x = draw(tensors((draw(st.integers(1, 2)), draw(st.integers(1, 2)), *cfg["size"]), elements=R))
    return (x,), {a: cfg[a] for a in ("kernel_size", "stride", "padding", "dilation")}


@st.composite
def _fold_inputs(draw: st.DrawFn) -> tuple:
    cfg = draw(_blocks_config())
    geo, (kh, kw) = cfg["geo"], cfg["kernel_size"]
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)) * kh * kw, geo.Ho * geo.Wo)
    kwargs = {a: cfg[a] for a in ("kernel_size", "stride", "padding", "dilation")}
    return (draw(tensors(shape, elements=R)),), {"output_size": cfg["size"], **kwargs}


register("unfold", ag.unfold, _unfold_inputs())
register("unfold", lambda x, **kw: ag.unfold(x[0], **kw), _unfold_inputs(), name="unfold-unbatched")
register("fold", ag.fold, _fold_inputs())
