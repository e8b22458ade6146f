"""Sample specs for the elementary functions (``gates/elementary.py``) and the piecewise gates
(``gates/rounding.py``): each function on the domain where it is smooth, the compositions
(square, reciprocal, lerp, exp2, logit, xlogy, frac, fmax, fmin, nan_to_num) under the gate they
exercise most. atan2's y and hypot's first operand stay away from 0, so no finite difference
reaches atan2's branch cut (y = 0, x < 0) or either one's origin.

The flat gates (floor, ceil, round, trunc, sign, floor_divide) are checked inside a product
``x * floor(x)``: their own gradient is 0, and the product shows that 0 reaches the input beside
the other factor's gradient. Their inputs sit on the kink-free grid ``(k + 1/2) / 32``, which holds
no integer, no half-integer and no 0, so no finite difference straddles a jump; fmod's and
remainder's divisors are chosen so that ``a / b`` is never an integer either.
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
    broadcastable_shapes,
    kink_free,
    positives,
    reals,
    shapes,
    spec_inputs,
    tensors,
)

SMALL = shapes(max_dims=3, max_side=4)


def _on(elements: st.SearchStrategy[float], **kwargs: Any) -> st.SearchStrategy:
    return spec_inputs(tensors(SMALL, elements=elements), **kwargs)


def _broadcast(*elements: st.SearchStrategy[float]) -> st.SearchStrategy:
    @st.composite
    def draw(draw: st.DrawFn) -> tuple:
        shps = draw(broadcastable_shapes(len(elements)))
        return tuple(draw(tensors(s, elements=e)) for s, e in zip(shps, elements)), {}

    return draw()


# --- smooth functions, each on its domain ------------------------------------------------------

for _fn, _elements in [
    (ag.sin, reals()),
    (ag.cos, reals()),
    (ag.tan, reals(-1.3, 1.3)),  # away from pi/2
    (ag.asin, reals(-0.9, 0.9)),
    (ag.acos, reals(-0.9, 0.9)),
    (ag.atan, reals()),
    (ag.sinh, reals()),
    (ag.cosh, reals()),
    (ag.asinh, reals()),
    (ag.acosh, reals(1.1, 4.0)),
    (ag.atanh, reals(-0.9, 0.9)),
    (ag.log1p, reals(-0.7, 3.0)),
    (ag.expm1, reals(-4.0, 4.0)),
    (ag.log2, positives()),
    (ag.log10, positives()),
    (ag.erf, reals()),
    (ag.rsqrt, positives()),
]:
    register(_fn.__name__, _fn, _on(_elements))

register("erf", ag.erf, _on(reals(-6.0, 6.0)), name="erf-tails")  # the continued fraction
register("mul", ag.square, _on(reals()), name="square")
register("div", ag.reciprocal, _on(away_from_zero()), name="reciprocal")
register("mul", ag.lerp, _broadcast(reals(), reals(), reals(-1.0, 2.0)), name="lerp")
register(
    "mul",
    lambda a, b, w: ag.lerp(a, b, w),
    st.tuples(_broadcast(reals(), reals()), st.sampled_from([0.0, 0.25, 1.0, 1.5])).map(
        lambda e: (e[0][0], {"w": e[1]})
    ),
    name="lerp-scalar-weight",
)

# --- flat gates: zero gradient, checked beside a product ---------------------------------------

GRID = kink_free()  # (k + 1/2) / 32: no integer, half-integer or 0

for _fn in (ag.floor, ag.ceil, ag.trunc, ag.sign):
    register(_fn.__name__, lambda x, _fn=_fn: x * _fn(x), _on(GRID), name=f"{_fn.__name__}-times-x")
register(
    "round",
    lambda x, decimals: x * ag.round(x, decimals),
    _on(GRID, decimals=st.just(0)),
    name="round-times-x",
)
register(
    "round",
    lambda x, decimals: x * ag.round(x, decimals),
    # (k + 1/2) / 32 * 10 is never a half-integer either
    _on(GRID, decimals=st.just(1)),
    name="round-decimals",
)

# divisors for which a / b is never an integer when a is on the grid (k + 1/2) / 32
DIVISORS = st.sampled_from([-2.5, -1.5, -0.75, 0.75, 1.5, 2.5])


@st.composite
def _remainder_inputs(draw: st.DrawFn) -> tuple:
    sa, sb = draw(broadcastable_shapes(2))
    a = draw(tensors(sa, elements=GRID, unique=False))
    b = draw(hnp.arrays(np.float64, sb, elements=DIVISORS))
    return (a, b), {}


register("fmod", ag.fmod, _remainder_inputs())
register("remainder", ag.remainder, _remainder_inputs())
register("remainder", lambda a, b: a % b, _remainder_inputs(), name="remainder-operator")
register(
    "floor_divide",
    lambda a, b: ag.floor_divide(a, b) * (a + b),
    _remainder_inputs(),
    name="floor_divide-times-sum",
)
register(
    "floor_divide",
    lambda a, b: (a // b) * a,
    _remainder_inputs(),
    name="floor_divide-operator",
)


# --- nan_to_num: a where around the finite values -----------------------------------------------


@st.composite
def _non_finite_inputs(draw: st.DrawFn) -> tuple:
    shape = draw(SMALL)
    spots = draw(
        hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, np.nan, np.inf, -np.inf]))
    )
    return (draw(tensors(shape)),), {
        "spots": spots,
        "nan": draw(st.sampled_from([0.0, 2.5])),
        # (the default replacements, the dtype's extremes, would swamp a finite difference)
        "posinf": 9.0,
        "neginf": draw(st.sampled_from([-7.0, 0.5])),
    }


def _nan_to_num(x: Any, spots: np.ndarray, **kwargs: Any) -> Any:
    # x + spots is x where spots is 0 and non-finite elsewhere, whatever x's perturbation
    return ag.nan_to_num(x + spots, **kwargs)


register("where", _nan_to_num, _non_finite_inputs(), name="nan_to_num")


# --- two-input functions and the compositions beside them --------------------------------------

register("atan2", ag.atan2, _broadcast(away_from_zero(), reals()))
register("hypot", ag.hypot, _broadcast(away_from_zero(), reals()))
register("logaddexp", ag.logaddexp, _broadcast(reals(-5.0, 5.0), reals(-5.0, 5.0)))
register("pow", ag.exp2, _on(reals(-4.0, 4.0)), name="exp2")
register("log", ag.logit, _on(reals(0.1, 0.9)), name="logit")
register(
    "clip",
    lambda x, eps: ag.logit(x, eps),
    # (k + 1/2) / 32 in (0, 1): never at 0.2 or 0.8, where the clamp has its kinks
    _on(st.integers(0, 31).map(lambda k: (k + 0.5) / 32), eps=0.2),
    name="logit-eps",
)
register("log", ag.xlogy, _broadcast(away_from_zero(), positives()), name="xlogy")
register("trunc", ag.frac, _on(GRID), name="frac")
# two grids that never meet: no ties, where the choice of fmax/fmin jumps
register("where", ag.fmax, _broadcast(GRID, kink_free(offset=0.25)), name="fmax")
register("where", ag.fmin, _broadcast(GRID, kink_free(offset=0.25)), name="fmin")
