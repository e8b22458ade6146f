"""Sample specs for einsum (``gates/einsum.py``), the checked matmul forms and the matrix
structure ops (``gates/linalg.py``: addmm, baddbmm, cross and kron among them), and the new
shape ops (``gates/shape.py``): roll, rot90, diagonal, movedim, t, unflatten, unbind, narrow,
meshgrid, hstack, vstack.

einsum's subscripts come from a list covering every form NumPy accepts (explicit and implicit
outputs, ``...``, diagonals, letters summed within one operand, three operands), with a size drawn
per letter (1 included) and, now and then, one operand's dimension shrunk to 1 where another
operand gives the letter its size (NumPy broadcasts it).
"""

from __future__ import annotations

from hypothesis import strategies as st

from .. import gates as ag
from .registry import register
from .strategies import broadcastable_shapes, shapes, spec_inputs, tensors

SMALL = shapes(max_dims=3, max_side=4)
NONEMPTY = shapes(min_dims=1, max_dims=3, max_side=4)
MATRICES = shapes(min_dims=2, max_dims=3, max_side=4)

# --- einsum ------------------------------------------------------------------------------------

EINSUM_FORMS = [
    "ij,jk->ik",  # matmul
    "ij,jk",  # implicit output: ik
    "ij,ij->",  # inner product of matrices
    "ij,ij->ij",  # elementwise
    "i,j->ij",  # outer
    "bij,bjk->bik",  # batched matmul
    "ij->i",  # j summed within the one operand
    "ij->",
    "ji",  # implicit: a transpose
    "ii->i",  # a diagonal
    "ii",  # the trace
    "iij->ji",  # a diagonal with another letter
    "iji->j",  # repeated letters apart
    "ij,jk,kl->il",  # three operands
    "bn,anm,bm->ba",  # a bilinear form
    "ij,j",  # matrix-vector, implicit
    "ii,i->i",  # a diagonal times a vector
    "...ij,...jk->...ik",  # broadcast batch dimensions
    "i...,i->...",
    "...i,...i",  # implicit with ...: the broadcast dims first
    "a...b,b...->...a",
]


@st.composite
def _einsum_inputs(draw: st.DrawFn) -> tuple:
    form = draw(st.sampled_from(EINSUM_FORMS))
    lhs = form.split("->")[0]
    terms = lhs.split(",")
    size = {c: draw(st.integers(1, 3)) for c in sorted(set(lhs) - {".", ","})}
    lead = draw(broadcastable_shapes(len(terms), max_dims=2, max_side=3))
    shapes_ = []
    for term, extra in zip(terms, lead):
        named = term.replace("...", "")
        before = term.split("...")[0] if "..." in term else named
        after = term.split("...")[1] if "..." in term else ""
        dims = (
            [size[c] for c in before]
            + (list(extra) if "..." in term else [])
            + [size[c] for c in after]
        )
        shapes_.append(dims)
    if draw(st.booleans()):  # shrink one dimension to 1 where another operand sizes its letter
        singles = [
            (i, a)
            for i, term in enumerate(terms)
            for a, c in enumerate(term.replace("...", ""))
            if "..." not in term
            and term.count(c) == 1
            and any(c in t for j, t in enumerate(terms) if j != i)
        ]
        if singles:
            i, a = draw(st.sampled_from(singles))
            shapes_[i][a] = 1
    arrays = tuple(draw(tensors(tuple(s))) for s in shapes_)
    return arrays, {"subscripts": form}


register("einsum", lambda *ops, subscripts: ag.einsum(subscripts, *ops), _einsum_inputs())
register(
    "einsum",
    lambda x: ag.einsum("ij,ij->", x, x),
    spec_inputs(tensors(shapes(min_dims=2, max_dims=2, max_side=3))),
    name="einsum-same-operand-twice",
)


@st.composite
def _two_matrices(draw: st.DrawFn) -> tuple:
    n, k, m = (draw(st.integers(1, 3)) for _ in range(3))
    return (draw(tensors((n, k))), draw(tensors((k, m)))), {}


register(
    "einsum",
    lambda a, b: ag.einsum(a, [0, 1], b, [1, 2], [0, 2]),
    _two_matrices(),
    name="einsum-sublists",
)

# --- checked matmul forms ----------------------------------------------------------------------

register("matmul", ag.mm, _two_matrices(), name="mm")


@st.composite
def _bmm_inputs(draw: st.DrawFn) -> tuple:
    b, n, k, m = (draw(st.integers(1, 3)) for _ in range(4))
    return (draw(tensors((b, n, k))), draw(tensors((b, k, m)))), {}


register("matmul", ag.bmm, _bmm_inputs(), name="bmm")


@st.composite
def _mv_inputs(draw: st.DrawFn) -> tuple:
    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (draw(tensors((n, k))), draw(tensors((k,)))), {}


register("matmul", ag.mv, _mv_inputs(), name="mv")
register(
    "mul",
    ag.outer,
    spec_inputs(tensors(shapes(1, 1, max_side=4)), tensors(shapes(1, 1, max_side=4))),
    name="outer",
)


@st.composite
def _tensordot_inputs(draw: st.DrawFn) -> tuple:
    a = draw(tensors(shapes(min_dims=1, max_dims=3, max_side=3)))
    k = draw(st.integers(0, a.ndim))
    if draw(st.booleans()):  # dims as an int: a's last k against b's first k
        b_shape = a.shape[a.ndim - k :] + draw(shapes(max_dims=2, max_side=3))
        return (a, draw(tensors(b_shape))), {"dims": k}
    da = draw(st.permutations(range(a.ndim)))[:k]
    extra = list(draw(shapes(max_dims=2, max_side=3)))
    b_dims = [a.shape[i] for i in da] + extra
    order = draw(st.permutations(range(len(b_dims))))
    b_shape = tuple(b_dims[i] for i in order)
    db = [order.index(j) for j in range(k)]
    return (a, draw(tensors(b_shape))), {"dims": (list(da), db)}


register("matmul", ag.tensordot, _tensordot_inputs(), name="tensordot")

# --- triangles and diagonals -------------------------------------------------------------------

OFFSET = st.integers(-2, 2)
register("where", ag.tril, spec_inputs(tensors(MATRICES), diagonal=OFFSET), name="tril")
register("where", ag.triu, spec_inputs(tensors(MATRICES), diagonal=OFFSET), name="triu")
register(
    "index_add_into",
    ag.diag,
    spec_inputs(tensors(shapes(1, 1, max_side=4)), diagonal=OFFSET),
    name="diag-of-vector",
)
register(
    "diagonal",
    ag.diag,
    spec_inputs(tensors(shapes(2, 2, max_side=4)), diagonal=OFFSET),
    name="diag-of-matrix",
)


@st.composite
def _diagonal_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(MATRICES))
    d1, d2 = draw(st.permutations(range(x.ndim)))[:2]
    negative = draw(st.booleans())
    return (x,), {"offset": draw(OFFSET), "dim1": d1 - x.ndim if negative else d1, "dim2": d2}


register("diagonal", ag.diagonal, _diagonal_inputs())
register("diagonal", ag.trace, spec_inputs(tensors(shapes(2, 2, max_side=4))), name="trace")

# --- shape ops ---------------------------------------------------------------------------------


@st.composite
def _roll_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(SMALL))
    if x.ndim == 0 or draw(st.booleans()):
        return (x,), {"shifts": draw(st.integers(-5, 5)), "dims": None}
    dims = draw(st.lists(st.integers(-x.ndim, x.ndim - 1), min_size=1, max_size=3))
    shifts = [draw(st.integers(-5, 5)) for _ in dims]
    return (x,), {"shifts": tuple(shifts), "dims": tuple(dims)}


register("roll", ag.roll, _roll_inputs())


@st.composite
def _rot90_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(MATRICES))
    a, b = draw(st.permutations(range(x.ndim)))[:2]
    return (x,), {"k": draw(st.integers(-1, 5)), "dims": (a, b)}


register("flip", ag.rot90, _rot90_inputs().filter(lambda e: e[1]["k"] % 4), name="rot90")


@st.composite
def _movedim_inputs(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    k = draw(st.integers(1, x.ndim))
    src = draw(st.permutations(range(x.ndim)))[:k]
    dst = draw(st.permutations(range(x.ndim)))[:k]
    return (x,), {"source": list(src), "destination": [d - x.ndim for d in dst]}


register("permute", ag.movedim, _movedim_inputs(), name="movedim")
register("permute", ag.t, spec_inputs(tensors(shapes(2, 2, max_side=4))), name="t")


@st.composite
def _unflatten_inputs(draw: st.DrawFn) -> tuple:
    shape = list(draw(NONEMPTY))
    d = draw(st.integers(0, len(shape) - 1))
    a, b = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    shape[d] = a * b
    sizes = draw(st.sampled_from([(a, b), (a, -1), (-1, b), (a, b, 1)]))
    return (draw(tensors(tuple(shape))),), {"dim": d, "sizes": sizes}


register("reshape", ag.unflatten, _unflatten_inputs(), name="unflatten")


@st.composite
def _dim_of(draw: st.DrawFn) -> tuple:
    x = draw(tensors(NONEMPTY))
    return (x,), {"dim": draw(st.integers(-x.ndim, x.ndim - 1))}


register("getitem", ag.unbind, _dim_of(), name="unbind")


@st.composite
def _narrow_inputs(draw: st.DrawFn) -> tuple:
    (x,), kw = draw(_dim_of())
    n = x.shape[kw["dim"]]
    start = draw(st.integers(0, n))
    length = draw(st.integers(0, n - start))
    if draw(st.booleans()) and start < n:
        start -= n  # counted from the end
    return (x,), {**kw, "start": start, "length": length}


register("getitem", ag.narrow, _narrow_inputs(), name="narrow")


@st.composite
def _vectors(draw: st.DrawFn, max_count: int = 3, zero_d: bool = False) -> tuple:
    k = draw(st.integers(1, max_count))
    side = shapes(0 if zero_d else 1, 1, max_side=4)
    return tuple(draw(tensors(side)) for _ in range(k)), {}


register(
    "broadcast_to",
    lambda *xs: ag.meshgrid(*xs, indexing="ij"),
    _vectors(zero_d=True),
    name="meshgrid-ij",
)
register(
    "broadcast_to",
    lambda *xs: ag.meshgrid(list(xs), indexing="xy"),
    _vectors(),
    name="meshgrid-xy",
)


@st.composite
def _stackable(draw: st.DrawFn, vstack: bool) -> tuple:
    """Tensors hstack (or vstack) can join: equal shapes except along the joined dimension
    (the second, or the first for 1-D tensors; vstack joins 0-d and 1-D ones as rows)."""
    base = list(draw(shapes(max_dims=3, max_side=3)))
    joined = None if len(base) == 0 else 0 if vstack or len(base) == 1 else 1
    if vstack and len(base) == 1:
        joined = None  # rows must be equally long
    out = []
    for _ in range(draw(st.integers(1, 3))):
        s = list(base)
        if joined is not None:
            s[joined] = draw(st.integers(1, 3))
        out.append(draw(tensors(tuple(s))))
    return tuple(out), {}


register("concatenate", lambda *xs: ag.hstack(xs), _stackable(False), name="hstack")
register("concatenate", lambda *xs: ag.vstack(list(xs)), _stackable(True), name="vstack")


# --- addmm, baddbmm, cross, kron ---------------------------------------------------------------


@st.composite
def _addmm_inputs(draw: st.DrawFn, batched: bool, beta: float, alpha: float) -> tuple:
    b, n, m, p = (draw(st.integers(1, 3)) for _ in range(4))
    out = (b, n, p) if batched else (n, p)
    lead = draw(st.integers(0, len(out)))  # input broadcasts: leading dims dropped, some 1s
    input_shape = tuple(1 if draw(st.booleans()) else k for k in out[lead:])
    first = (b, n, m) if batched else (n, m)
    second = (b, m, p) if batched else (m, p)
    arrays = (draw(tensors(input_shape)), draw(tensors(first)), draw(tensors(second)))
    return arrays, {"beta": beta, "alpha": alpha}


# (fixed scales per spec: each records the same gates on every example)
for _op, _batched in ((ag.addmm, False), (ag.baddbmm, True)):
    register(
        "matmul",
        lambda i, a, b, beta, alpha, _op=_op: _op(i, a, b, beta=beta, alpha=alpha),
        _addmm_inputs(_batched, -1.5, 0.5),
        name=_op.__name__,
    )
    register(  # beta = 0: input is not read, and receives 0 through a where
        "where",
        lambda i, a, b, beta, alpha, _op=_op: _op(i, a, b, beta=beta, alpha=alpha),
        _addmm_inputs(_batched, 0.0, 1.0),
        name=f"{_op.__name__}-beta-0",
    )


@st.composite
def _cross_inputs(draw: st.DrawFn) -> tuple:
    shape = list(draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    d = draw(st.integers(0, len(shape) - 1))
    shape[d] = 3
    other = [1 if a != d and draw(st.booleans()) else k for a, k in enumerate(shape)]
    dim = draw(st.sampled_from([d, d - len(shape), None]))
    if dim is None and shape.index(3) != d:
        dim = d
    return (draw(tensors(tuple(shape))), draw(tensors(tuple(other)))), {"dim": dim}


register("roll", ag.cross, _cross_inputs(), name="cross")
register(
    "mul",
    ag.kron,
    spec_inputs(
        tensors(shapes(min_dims=1, max_dims=2, max_side=3)),
        tensors(shapes(min_dims=1, max_dims=3, max_side=2)),
    ),
    name="kron",
)
