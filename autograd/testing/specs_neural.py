"""Sample specs for the neural ops beyond convolution and pooling: GELU (``activation.py``),
resampling (``resample.py``: interpolate, adaptive pooling, pixel shuffle), padding modes
(``padding.py``) and distances (``distance.py``).

All but GELU are compositions: each spec names the gate its composition leans on (matmul for the
linear interpolations and non-tiling adaptive averages, getitem for nearest interpolation,
non-tiling adaptive maxima and padding modes, the pooling gates when adaptive windows tile,
reshape for the shuffles, div or sqrt for the distances), one spec per mode. Max and inf-norm
inputs come from the kink-free grid without repeats (no tie within a finite-difference step);
distances keep vectors apart (a distance of 0 is the norm's kink).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from .. import gates as ag
from ..gates import activation as _activation
from .registry import register
from .strategies import kink_free, reals, spec_inputs, tensors

R = reals(-2.0, 2.0)
KF = kink_free(step=1 / 64)  # unique values: no ties in a max

# --- GELU --------------------------------------------------------------------------------------

WIDE = reals(-5.0, 5.0)  # both pieces of the erf kernel (|x| / sqrt 2 beyond 2 from |x| > 2.83)
for _form in ("none", "tanh"):
    register(
        "gelu",
        ag.gelu,
        spec_inputs(tensors(domain="real"), approximate=_form),
        name=f"gelu-{_form}",
    )
    register(
        "gelu",
        ag.gelu,
        spec_inputs(tensors((6,), elements=WIDE), approximate=_form),
        name=f"gelu-{_form}-wide",
    )
    register(
        "gelu_grad",
        _activation.gelu_grad,
        spec_inputs(tensors(elements=WIDE), approximate=_form),
        name=f"gelu_grad-{_form}",
    )


# --- resampling --------------------------------------------------------------------------------


# (hypothesis hands a composite's strategy arguments over as proxies: `unique` is said, not
# recognised by `elements is KF`)


@st.composite
def _image(
    draw: st.DrawFn, nd: int, elements: Any = R, max_side: int = 5, unique: bool = False
) -> Any:
    spatial = tuple(draw(st.integers(1, max_side)) for _ in range(nd))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
    return draw(tensors(shape, elements=elements, unique=unique))


def _resize_inputs(nd: int, mode: str, elements: Any = R, **kwargs: Any) -> st.SearchStrategy:
    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple:
        x = draw(_image(nd, elements))
        if draw(st.booleans()):
            sizing = {"size": tuple(draw(st.integers(1, 7)) for _ in range(nd))}
        else:
            sizing = {"scale_factor": draw(st.sampled_from((2, 0.5, 1.5, 3, 0.75)))}
            if any(math.floor(n * sizing["scale_factor"]) < 1 for n in x.shape[2:]):
                sizing = {"scale_factor": 2}
        return (x,), {"mode": mode, **sizing, **kwargs}

    return draw_inputs()


register("getitem", ag.interpolate, _resize_inputs(1, "nearest"), name="interpolate-nearest-1d")
register("getitem", ag.interpolate, _resize_inputs(2, "nearest"), name="interpolate-nearest")
register(
    "getitem", ag.interpolate, _resize_inputs(2, "nearest-exact"), name="interpolate-nearest-exact"
)
for _corners in (False, True):
    register(
        "matmul",
        ag.interpolate,
        _resize_inputs(1, "linear", align_corners=_corners),
        name=f"interpolate-linear-align-{_corners}",
    )
    register(
        "matmul",
        ag.interpolate,
        _resize_inputs(2, "bilinear", align_corners=_corners),
        name=f"interpolate-bilinear-align-{_corners}",
    )
register("matmul", ag.interpolate, _resize_inputs(2, "area"), name="interpolate-area")


def _adaptive_inputs(nd: int, elements: Any = R, tiling: bool = False) -> st.SearchStrategy:
    unique = elements is KF  # (here, outside the composite, the test is sound)

    @st.composite
    def draw_inputs(draw: st.DrawFn) -> tuple:
        if tiling:  # sides that the output size divides: the pooling gate
            out = tuple(draw(st.integers(1, 3)) for _ in range(nd))
            spatial = tuple(o * draw(st.integers(1, 2)) for o in out)
            shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2)), *spatial)
            x = draw(tensors(shape, elements=elements, unique=unique))
            return (x,), {"output_size": out if nd == 2 else out[0]}
        x = draw(_image(nd, elements, max_side=6, unique=unique))
        out = tuple(draw(st.integers(1, 4)) for _ in range(nd))
        if all(n % o == 0 for n, o in zip(x.shape[2:], out)):  # keep this spec off the pools
            out = tuple(n + 1 for n in x.shape[2:])  # (more windows than cells: overlaps)
        return (x,), {"output_size": out if nd == 2 else out[0]}

    return draw_inputs()


register("matmul", ag.adaptive_avg_pool1d, _adaptive_inputs(1), name="adaptive_avg_pool1d")
register("matmul", ag.adaptive_avg_pool2d, _adaptive_inputs(2), name="adaptive_avg_pool2d")
register(
    "avg_pool2d",
    ag.adaptive_avg_pool2d,
    _adaptive_inputs(2, tiling=True),
    name="adaptive_avg_pool2d-tiling",
)
register("getitem", ag.adaptive_max_pool1d, _adaptive_inputs(1, KF), name="adaptive_max_pool1d")
register("getitem", ag.adaptive_max_pool2d, _adaptive_inputs(2, KF), name="adaptive_max_pool2d")
register(
    "max_pool2d",
    ag.adaptive_max_pool2d,
    _adaptive_inputs(2, KF, tiling=True),
    name="adaptive_max_pool2d-tiling",
)


@st.composite
def _shuffle_inputs(draw: st.DrawFn, up: bool) -> tuple:
    r = draw(st.integers(1, 3))
    lead = tuple(draw(st.integers(1, 2)) for _ in range(draw(st.integers(0, 2))))
    c, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.integers(1, 2))
    shape = (*lead, c * r * r, h, w) if up else (*lead, c, h * r, w * r)
    return (draw(tensors(shape, elements=R)),), {"upscale_factor" if up else "downscale_factor": r}


register("reshape", ag.pixel_shuffle, _shuffle_inputs(True), name="pixel_shuffle")
register("reshape", ag.pixel_unshuffle, _shuffle_inputs(False), name="pixel_unshuffle")


# --- padding modes -----------------------------------------------------------------------------


@st.composite
def _pad_inputs(draw: st.DrawFn, mode: str) -> tuple:
    shape = tuple(draw(st.integers(2, 4)) for _ in range(draw(st.integers(1, 3))))
    top = {"reflect": -1, "circular": 0, "replicate": 1, "symmetric": 0}[mode]
    widths = [
        (draw(st.integers(0, n + top if mode != "replicate" else 2)),
         draw(st.integers(0, n + top if mode != "replicate" else 2)))
        for n in shape
    ]  # fmt: skip
    return (draw(tensors(shape, elements=R)),), {"pad_width": widths, "mode": mode}


for _mode in ("reflect", "replicate", "circular", "symmetric"):
    register("getitem", ag.pad, _pad_inputs(_mode), name=f"pad-{_mode}")


# --- distances ---------------------------------------------------------------------------------


@st.composite
def _pair_inputs(draw: st.DrawFn, **kwargs: Any) -> tuple:
    """Two (N, D) arrays, the second of one row or N, from grids that never meet (no distance
    of 0) and never hold 0 (no zero vector); the first without repeats (no tie in a max)."""
    n, d = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    a = draw(tensors((n, d), elements=KF, unique=True))
    b = draw(tensors((draw(st.sampled_from((1, n))), d), elements=kink_free(1 / 64, 0.25)))
    return (a, b), {
        k: draw(v) if isinstance(v, st.SearchStrategy) else v for k, v in kwargs.items()
    }


register(
    "div",
    ag.cosine_similarity,
    _pair_inputs(dim=st.sampled_from((1, -1)), eps=1e-8),
    name="cosine_similarity",
)
for _p in (1.0, 2.0, 3.0):
    register("sum", ag.pairwise_distance, _pair_inputs(p=_p), name=f"pairwise_distance-p{_p:g}")


def _apart(b: Any) -> Any:
    """b + 20 * column: |a - b| then differs by about 20 between columns, so the inf-norm's
    maximum is never tied (the values stay within [-4, 4])."""
    return b + np.arange(b.shape[-1]) * 20.0


register(
    "max",
    lambda a, b, **kw: ag.pairwise_distance(a, _apart(b), **kw),
    _pair_inputs(p=math.inf),
    name="pairwise_distance-inf",
)


@st.composite
def _cdist_inputs(draw: st.DrawFn, p: float, mode: str, far: bool = False) -> tuple:
    """x1 (*, P, M) and x2 (*, R, M); ``far``: every coordinate of x1 negative and of x2
    positive, distances at least 1 (the matmul route |a|^2 + |b|^2 - 2ab cancels for nearby
    points, too much for second differences)."""
    m = draw(st.integers(1, 3))
    batch = draw(st.sampled_from(((), (2,))))
    near = (KF, kink_free(1 / 64, 0.25))
    ea, eb = (reals(-2.0, -0.5), reals(0.5, 2.0)) if far else near
    a = draw(tensors((*batch, draw(st.integers(1, 3)), m), elements=ea, unique=not far))
    b = draw(tensors((*batch, draw(st.integers(1, 3)), m), elements=eb))
    return (a, b), {"p": p, "compute_mode": mode}


register("sqrt", ag.cdist, _cdist_inputs(2.0, "use_mm_for_euclid_dist", True), name="cdist-p2-mm")
for _p in (1.0, 2.0, 3.0):
    register(
        "sqrt" if _p == 2 else "abs",
        ag.cdist,
        _cdist_inputs(_p, "donot_use_mm_for_euclid_dist"),
        name=f"cdist-p{_p:g}",
    )
register(
    "max",
    lambda a, b, **kw: ag.cdist(a, _apart(b), **kw),
    _cdist_inputs(math.inf, "donot_use_mm_for_euclid_dist"),
    name="cdist-pinf",
)
for _p in (1.0, 2.0, 3.0):
    register(
        "div",
        ag.normalize,
        spec_inputs(tensors((3, 4), elements=KF, unique=True), p=_p, dim=st.sampled_from((0, 1))),
        name=f"normalize-p{_p:g}",
    )
