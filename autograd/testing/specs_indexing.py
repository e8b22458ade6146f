"""Sample specs for indexing along a dimension (``gates/indexing.py``): gather, scatter,
scatter_add, index_select, index_add, masked_fill, masked_select, take_along_dim, sort and topk;
and the Tensor methods composed of the same gates (``autograd/ops.py``): select, index_fill,
index_copy and unfold (sliding windows).

Indices repeat positions wherever the op allows it (gradients must accumulate); ``scatter``'s,
whose src requires grad, never do (which write wins is undefined). Sorting specs draw distinct
values (a tie is a kink of sort's values).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .. import gates as ag
from .registry import register
from .strategies import kink_free, shapes, tensors

NONEMPTY = shapes(min_dims=1, max_dims=3, max_side=4)


@st.composite
def _index_for(draw: st.DrawFn, shape: tuple, dim: int, unique: bool = False) -> np.ndarray:
    """An int64 index for gather/scatter into ``shape`` along ``dim``: no larger than ``shape``
    in the other dimensions; values in range, repeating unless ``unique`` (then each line along
    ``dim`` holds distinct positions)."""
    n = shape[dim]
    size = tuple(
        draw(st.integers(1, n if unique else 4)) if a == dim else draw(st.integers(1, m))
        for a, m in enumerate(shape)
    )
    if not unique:
        return draw(hnp.arrays(np.int64, size, elements=st.integers(0, n - 1)))
    seed = draw(st.integers(0, 2**32 - 1))
    keys = np.random.default_rng(seed).random(
        tuple(n if a == dim else m for a, m in enumerate(size))
    )
    order = np.argsort(keys, axis=dim)  # a permutation of 0..n-1 along each line
    return np.take(order, np.arange(size[dim]), axis=dim).astype(np.int64)


@st.composite
def _gather_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    return (x,), {"dim": dim, "index": draw(_index_for(x.shape, dim % x.ndim))}


register("gather", ag.gather, _gather_inputs())
register(
    "gather",
    lambda x, dim, index: x.gather(dim, index) ** 2,
    _gather_inputs(),
    name="gather-squared",
)


@st.composite
def _scatter_inputs(draw: st.DrawFn, unique: bool) -> tuple:
    x = draw(tensors(NONEMPTY))
    d = draw(st.integers(0, x.ndim - 1))
    index = draw(_index_for(x.shape, d, unique))
    src_shape = tuple(i + draw(st.integers(0, 1)) for i in index.shape)  # src may be larger
    return (x, draw(tensors(src_shape))), {"dim": d, "index": index}


register(
    "scatter_add",
    lambda x, src, dim, index: ag.scatter_add(x, dim, index, src),
    _scatter_inputs(unique=False),
)
register(
    "scatter",
    lambda x, src, dim, index: ag.scatter(x, dim, index, src),
    _scatter_inputs(unique=True),
)
register(
    "scatter",
    lambda x, dim, index, value: ag.scatter(x, dim, index, value),
    _gather_inputs().map(lambda e: (e[0], {**e[1], "value": 1.5})),
    name="scatter-value",
)


@st.composite
def _index_select_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    dim = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[dim]
    index = draw(hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(0, n - 1)))
    return (x,), {"dim": dim, "index": index}


register("getitem", ag.index_select, _index_select_inputs(), name="index_select")


@st.composite
def _index_add_inputs(draw: st.DrawFn) -> tuple:
    (x,), kw = draw(_index_select_inputs())
    d = kw["dim"] % x.ndim
    source = draw(tensors(tuple(kw["index"].size if a == d else n for a, n in enumerate(x.shape))))
    return (x, source), {**kw, "alpha": draw(st.sampled_from([1, -0.5, 2.0]))}


register(
    "index_add_into",
    lambda x, source, dim, index, alpha: ag.index_add(x, dim, index, source, alpha=alpha),
    _index_add_inputs(),
    name="index_add",
)


@st.composite
def _mask_inputs(draw: st.DrawFn, with_value: bool) -> tuple:
    x = draw(tensors(NONEMPTY))
    drop = draw(st.integers(0, x.ndim))  # the mask broadcasts to x (leading dims dropped, 1s)
    mask_shape = tuple(1 if draw(st.booleans()) else n for n in x.shape[drop:])
    mask = draw(hnp.arrays(np.bool_, mask_shape))
    if with_value:
        return (x, draw(tensors(()))), {"mask": mask}
    return (x,), {"mask": mask}


register(
    "where",
    lambda x, mask: ag.masked_fill(x, mask, -2.5),
    _mask_inputs(False),
    name="masked_fill",
)
register(
    "where",
    lambda x, v, mask: ag.masked_fill(x, mask, v),
    _mask_inputs(True),
    name="masked_fill-tensor-value",
)
register("getitem", ag.masked_select, _mask_inputs(False), name="masked_select")


@st.composite
def _take_along_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    if draw(st.booleans()):
        n = x.size
        index = draw(
            hnp.arrays(np.int64, shapes(max_dims=2, max_side=4), elements=st.integers(-n, n - 1))
        )
        return (x,), {"indices": index, "dim": None}
    d = draw(st.integers(0, x.ndim - 1))
    # broadcasting in the other dimensions: each is 1 or x's size, in index or in x
    shape = tuple(
        draw(st.integers(1, 4)) if a == d else draw(st.sampled_from([1, n]))
        for a, n in enumerate(x.shape)
    )
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(-x.shape[d], x.shape[d] - 1)))
    return (x,), {"indices": index, "dim": d}


register("gather", ag.take_along_dim, _take_along_inputs(), name="take_along_dim")

# --- sorting -----------------------------------------------------------------------------------

DISTINCT = kink_free()


@st.composite
def _sort_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY, elements=DISTINCT, unique=True))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1)), "descending": draw(st.booleans())}


register("gather", lambda x, **kw: ag.sort(x, **kw).values, _sort_inputs(), name="sort")


@st.composite
def _topk_inputs(draw: st.DrawFn) -> tuple:
    (x,), kw = draw(_sort_inputs())
    n = x.shape[kw["dim"]]
    return (x,), {"k": draw(st.integers(0, n)), "dim": kw["dim"], "largest": kw["descending"]}


register("gather", lambda x, **kw: ag.topk(x, **kw).values, _topk_inputs(), name="topk")


# --- Tensor methods composed of indexing gates (autograd/ops.py) -------------------------------


@st.composite
def _select_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    d = draw(st.integers(-x.ndim, x.ndim - 1))
    n = x.shape[d]
    return (x,), {"dim": d, "index": draw(st.integers(-n, n - 1))}


register(
    "getitem", lambda x, dim, index: x.select(dim, index) * 2.0, _select_inputs(), name="select"
)


@st.composite
def _index_fill_inputs(draw: st.DrawFn) -> tuple:
    (x,), kw = draw(_index_select_inputs())
    return (x, draw(tensors(()))), kw


register(
    "where",
    lambda x, value, dim, index: x.index_fill(dim, index, value),
    _index_fill_inputs(),
    name="index_fill",
)


@st.composite
def _index_copy_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    d = draw(st.integers(0, x.ndim - 1))
    n = x.shape[d]
    index = np.asarray(draw(st.permutations(range(n)))[: draw(st.integers(1, n))], np.int64)
    source = draw(tensors(tuple(index.size if a == d else m for a, m in enumerate(x.shape))))
    return (x, source), {"dim": d, "index": index}


register(
    "index_put",
    lambda x, source, dim, index: x.index_copy(dim, index, source),
    _index_copy_inputs(),
    name="index_copy",
)


@st.composite
def _windows_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    d = draw(st.integers(-x.ndim, x.ndim - 1))
    size = draw(st.integers(1, x.shape[d]))
    return (x,), {"dimension": d, "size": size, "step": draw(st.integers(1, 3))}


register(
    "getitem",
    lambda x, dimension, size, step: x.unfold(dimension, size, step),
    _windows_inputs(),  # (steps below the size overlap: their gradients add)
    name="tensor-unfold",
)
