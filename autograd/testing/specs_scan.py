"""Sample specs for the products, norms and scans: ``prod`` and ``norm`` (``gates/reduce.py``),
``cumsum``, ``cumprod``, ``logcumsumexp``, ``cummax``, ``cummin`` and ``diff`` (``gates/scan.py``).
Running maxima and minima draw distinct values (a tie is a kink of their values).

Products are also checked on inputs holding exact zeros (one or two in a group), where their
gradients divide nothing; norms away from the points where they have kinks (a zero norm, or for
p < 2 a zero element, and for p = inf ties in |x|).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from .. import gates as ag
from .registry import register
from .strategies import away_from_zero, kink_free, reals, shapes, tensors

SMALL = shapes(max_dims=3, max_side=4)
NONEMPTY = shapes(min_dims=1, max_dims=3, max_side=4)
WITH_ZEROS = st.sampled_from([0.0, 0.0, -1.5, -0.5, 0.75, 1.25, 2.0])


def _axis(ndim: int) -> st.SearchStrategy[Any]:
    n = max(ndim, 1)
    one = st.integers(-n, n - 1)
    return st.one_of(
        st.none(), one, st.lists(one, unique_by=lambda a: a % n, max_size=ndim).map(tuple)
    )


@st.composite
def _reduce(draw: st.DrawFn, elements: st.SearchStrategy[float], unique: bool = False) -> tuple:
    x = draw(tensors(SMALL, elements=elements, unique=unique))
    return (x,), {"axis": draw(_axis(x.ndim)), "keepdims": draw(st.booleans())}


# --- prod --------------------------------------------------------------------------------------

register("prod", ag.prod, _reduce(reals(-2.0, 2.0)), name="prod-axis")
register("prod", ag.prod, _reduce(WITH_ZEROS), name="prod-with-zeros")


@st.composite
def _whole(draw: st.DrawFn, elements: st.SearchStrategy[float]) -> tuple:
    return (draw(tensors(SMALL, elements=elements)),), {}


register("prod", lambda x: x.prod(), _whole(reals()), name="prod-all")

# --- norms -------------------------------------------------------------------------------------

# no zero element and no two equal |x| (the grid (k + 1/4) / 32 holds no v together with -v)
NO_TIES = kink_free(offset=0.25)


@st.composite
def _norm_inputs(draw: st.DrawFn, ps: list, elements: st.SearchStrategy[float]) -> tuple:
    x = draw(tensors(NONEMPTY, elements=elements, unique=True))
    return (x,), {
        "p": draw(st.sampled_from(ps)),
        "dim": draw(_axis(x.ndim)),
        "keepdim": draw(st.booleans()),
    }


register("norm", ag.norm, _norm_inputs([2, "fro", 3, 1.5, 2.5, 4], away_from_zero()), name="norm-p")
register("norm", lambda x: ag.norm(x), _whole(away_from_zero()), name="norm-default")
register("abs", ag.norm, _norm_inputs([1], NO_TIES), name="norm-1")
register("max", ag.norm, _norm_inputs([np.inf], NO_TIES), name="norm-inf")
register("min", ag.norm, _norm_inputs([-np.inf], NO_TIES), name="norm-minus-inf")
register(
    "sign",
    lambda x, p, dim, keepdim: ag.norm(x, p, dim, keepdim=True) * x,  # (shaped to multiply x)
    _norm_inputs([0], NO_TIES),
    name="norm-0",
)

# --- scans -------------------------------------------------------------------------------------


@st.composite
def _scan(draw: st.DrawFn, elements: st.SearchStrategy[float], shape: Any = NONEMPTY) -> tuple:
    x = draw(tensors(shape, elements=elements))
    n = max(x.ndim, 1)
    return (x,), {"dim": draw(st.integers(-n, n - 1))}


register("cumsum", ag.cumsum, _scan(reals(), SMALL))
register("cumprod", ag.cumprod, _scan(reals(-2.0, 2.0), SMALL))
register("cumprod", ag.cumprod, _scan(WITH_ZEROS), name="cumprod-with-zeros")
register("logcumsumexp", ag.logcumsumexp, _scan(reals(-5.0, 5.0), SMALL))
register(
    "logcumsumexp",
    ag.logcumsumexp,
    _scan(st.sampled_from([-80.0, -1.0, 0.0, 3.0, 60.0]) | reals(-60.0, 60.0)),
    name="logcumsumexp-wide",
)


@st.composite
def _distinct_scan(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY, elements=kink_free(), unique=True))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))}


register("gather", lambda x, dim: ag.cummax(x, dim).values, _distinct_scan(), name="cummax")
register("gather", lambda x, dim: ag.cummin(x, dim).values, _distinct_scan(), name="cummin")


@st.composite
def _diff_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    d = draw(st.integers(0, x.ndim - 1))
    edge = tuple(draw(st.integers(1, 2)) if a == d else n for a, n in enumerate(x.shape))
    return (x, draw(tensors(edge))), {"n": draw(st.integers(0, 3)), "dim": d - x.ndim}


register(
    "sub",
    lambda x, n, dim: ag.diff(x, n, dim),
    _diff_inputs().map(lambda e: ((e[0][0],), e[1])),
    name="diff",
)
register(
    "concatenate",
    lambda x, edge, n, dim: ag.diff(x, n, dim, prepend=edge, append=edge * 2.0),
    _diff_inputs(),
    name="diff-prepend-append",
)
