"""Indexing along a dimension, PyTorch's way: gather and its adjoint scatter_add, scatter,
index_select, index_add, masked_fill, masked_select, take_along_dim, PyTorch's ``index_put`` (a
tuple of index tensors); and sort, argsort, topk and kthvalue, whose values are a gather at the
indices they return.

``gather`` and ``scatter_add`` are each other's gradient (gather sends g back with a scatter_add
into zeros; scatter_add's src receives a gather of g), so gradients of any order work. Indices
are never differentiable. Repeated indices accumulate in scatter_add and index_add; in
``scatter`` the write that wins is undefined, so a src that requires grad must not repeat a
position (an error, as for ``x[i] = v``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor, _wrap
from ._common import _t, along_axis, broadcasts_to, dim_arg, normalize_axis, pair, record
from .reduce import ValuesIndices
from .shape import expand_to

# --- checking arguments ------------------------------------------------------------------------


def _dim(x: Tensor, dim: Any, op: str) -> int:
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}: dim must be an int, got {dim!r}")
    return (normalize_axis(int(dim), x.ndim, op) or (0,))[0]


def _index(index: Any, op: str) -> np.ndarray:
    """An index argument as an integer array (Tensors, arrays, lists); anything else is refused."""
    idx = index.data if isinstance(index, Tensor) else np.asarray(index)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must be an integer tensor, got dtype {idx.dtype}")
    return idx.astype(np.int64, copy=False)


def _check_range(idx: np.ndarray, size: int, dim: int, shape: tuple, op: str) -> None:
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.min() if idx.min() < 0 else idx.max()
        raise IndexError(
            f"{op}: index {bad} is out of range for dimension {dim} of size {size} "
            f"(input shape {shape})"
        )


def _check_fits(idx: np.ndarray, shape: tuple, dim: int | None, what: str, op: str) -> None:
    """PyTorch's rule: the index has the tensor's number of dimensions and is no larger than it
    in any of them but ``dim`` (in all of them when ``dim`` is None)."""
    if idx.ndim != len(shape):
        raise ValueError(
            f"{op}: index has {idx.ndim} dimensions but {what} has {len(shape)} "
            f"(index shape {idx.shape}, {what} shape {shape})"
        )
    for d, (i, n) in enumerate(zip(idx.shape, shape)):
        if d != dim and i > n:
            raise ValueError(
                f"{op}: index shape {idx.shape} is larger than {what} shape {shape} in "
                f"dimension {d} ({i} > {n})"
            )


def _crop(t: Tensor, shape: tuple) -> Tensor:
    """``t``'s leading block of ``shape`` (a view, a getitem gate), or ``t`` when it fits."""
    if t.shape == shape:
        return t
    return t[tuple(slice(0, n) for n in shape)]


# --- gather and scatter_add: each other's gradient ---------------------------------------------


def gather(x: Any, dim: int, index: Any) -> Tensor:
    """``out[i][j][k] = x[index[i][j][k]][j][k]`` for ``dim=0`` (and so on for other dims):
    PyTorch's ``gather``. ``index`` has x's number of dimensions and is no larger than x in the
    others; its values lie in ``[0, x.shape[dim])``. x receives the gradient at the gathered
    positions (repeats accumulate)."""
    x = _t(x)
    d = _dim(x, dim, "gather")
    idx = _index(index, "gather")
    if x.ndim == 0:  # a 0-d tensor gathers from itself with a 0-d index
        return gather(x.reshape((1,)), 0, idx.reshape((1,))).reshape(())
    _check_fits(idx, x.shape, d, "input", "gather")
    _check_range(idx, x.shape[d], d, x.shape, "gather")
    x = _crop(x, tuple(n if a == d else idx.shape[a] for a, n in enumerate(x.shape)))
    out = np.take_along_axis(x.data, idx, axis=d)  # z[..i..] = x[..index[..i..]..] along dim
    return record(GATHER, out, (x,), None, (d, idx))


@gate(
    "gather",
    "scatter-adds: x receives g at the gathered positions; repeated positions accumulate",
    reads=(),
)
def GATHER(node: Node, g: Tensor) -> tuple:
    d, idx = node.attrs
    zeros = _wrap(np.zeros(node.inputs[0].shape, dtype=g.dtype))
    return (scatter_add(zeros, d, idx, g),)


@GATHER.on_arrays
def _gather_arrays(node: Node, g: np.ndarray) -> tuple:
    d, idx = node.attrs
    out = np.zeros(node.inputs[0].data.shape, dtype=g.dtype)
    np.add.at(out, along_axis(idx, d), g)
    return (out,)


def _scatter_operands(
    x: Tensor, dim: Any, index: Any, src: Any, op: str
) -> tuple[Tensor, int, np.ndarray, Tensor]:
    """Checked operands of scatter and scatter_add: src (a Tensor of x's dtype, cropped to the
    index's shape; a number fills it), the dimension and the index."""
    d = _dim(x, dim, op)
    idx = _index(index, op)
    if x.ndim == 0:
        raise ValueError(f"{op}: expects a tensor with at least one dimension, got shape ()")
    _check_fits(idx, x.shape, d, "input", op)
    _check_range(idx, x.shape[d], d, x.shape, op)
    if isinstance(src, Tensor):
        _check_fits(idx, src.shape, None, "src", op)
        if src.dtype != x.dtype:
            raise TypeError(f"{op}: src has dtype {src.dtype} but the input has {x.dtype}")
        src = _crop(src, idx.shape)
    else:
        src = _wrap(np.full(idx.shape, src, dtype=x.dtype))
    return x, d, idx, src


def scatter_add(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """``x`` with ``src[i][j][k]`` added at ``[index[i][j][k]][j][k]`` (``dim=0``): PyTorch's
    ``scatter_add``; repeated positions accumulate. x receives g; src receives
    ``gather(g, dim, index)``."""
    x, d, idx, src = _scatter_operands(_t(x), dim, index, src, "scatter_add")
    out = x.data.copy()
    np.add.at(out, along_axis(idx, d), src.data)  # z = x; z[..index..] += src
    return record(SCATTER_ADD, out, (x, src), None, (d, idx))


@gate(
    "scatter_add",
    "x receives g; src receives g gathered at the positions it was added to",
    reads=(),
)
def SCATTER_ADD(node: Node, g: Tensor) -> tuple:
    x, src = node.inputs
    d, idx = node.attrs
    return (g if x.requires_grad else None), (gather(g, d, idx) if src.requires_grad else None)


@SCATTER_ADD.on_arrays
def _scatter_add_arrays(node: Node, g: np.ndarray) -> tuple:
    x, src = node.inputs
    d, idx = node.attrs
    return (g if x.requires_grad else None), (g[along_axis(idx, d)] if src.requires_grad else None)


def scatter(x: Any, dim: int, index: Any, src: Any) -> Tensor:
    """``x`` with ``src[i][j][k]`` written at ``[index[i][j][k]][j][k]`` (``dim=0``): PyTorch's
    ``scatter`` (out of place; ``src`` may be a number, PyTorch's ``value``). x receives g with
    the written positions zeroed; src receives g gathered there. When a position is written
    twice the winner is undefined, so a src that requires grad must not repeat one."""
    x, d, idx, src = _scatter_operands(_t(x), dim, index, src, "scatter")
    where_to = along_axis(idx, d)
    if src.requires_grad:
        flat = np.ravel_multi_index(np.broadcast_arrays(*where_to), x.shape)
        if np.unique(flat).size != flat.size:
            raise ValueError(
                f"scatter: the index writes some position of a tensor of shape {x.shape} more "
                "than once; which write wins is undefined, so the gradient of src would be too "
                "(use scatter_add, or make the index unique)"
            )
    out = x.data.copy()
    out[where_to] = src.data  # z = x; z[..index..] = src
    return record(SCATTER, out, (x, src), None, (d, idx))


@gate(
    "scatter",
    "x receives g with the written positions zeroed; src receives g gathered from them",
    reads=(),
)
def SCATTER(node: Node, g: Tensor) -> tuple:
    x, src = node.inputs
    d, idx = node.attrs
    gx = scatter(g, d, idx, 0.0) if x.requires_grad else None
    return gx, (gather(g, d, idx) if src.requires_grad else None)


@SCATTER.on_arrays
def _scatter_arrays(node: Node, g: np.ndarray) -> tuple:
    x, src = node.inputs
    d, idx = node.attrs
    where_to = along_axis(idx, d)
    gx = None
    if x.requires_grad:
        gx = g.copy()
        gx[where_to] = 0
    return gx, (g[where_to] if src.requires_grad else None)


# --- compositions: index_select, index_add, take_along_dim, masks ------------------------------


def _one_d_index(x: Tensor, dim: Any, index: Any, op: str) -> tuple[int, np.ndarray]:
    d = _dim(x, dim, op)
    idx = _index(index, op)
    if idx.ndim > 1:
        raise ValueError(f"{op}: index must be 1-D, got shape {idx.shape}")
    size = x.shape[d] if x.ndim else 1
    _check_range(idx, size, d, x.shape, op)
    return d, idx.reshape(-1)


def index_select(x: Any, dim: int, index: Any) -> Tensor:
    """The slices of ``x`` at ``index`` (1-D) along ``dim``, in that order (a ``getitem``;
    repeated indices accumulate their gradients)."""
    x = _t(x)
    d, idx = _one_d_index(x, dim, index, "index_select")
    if x.ndim == 0:
        x = x.reshape((1,))
    return x[(slice(None),) * d + (idx,)]


def index_add(x: Any, dim: int, index: Any, source: Any, *, alpha: float = 1) -> Tensor:
    """``x`` with ``alpha * source[i]`` added to the slice ``index[i]`` along ``dim`` (repeats
    accumulate): PyTorch's ``index_add``, out of place. x receives g; source receives
    ``alpha * index_select(g, dim, index)`` (an ``index_add_into`` and an add)."""
    from .shape import index_add_into

    x, source = pair(x, source)
    d, idx = _one_d_index(x, dim, index, "index_add")
    want = tuple(idx.size if a == d else n for a, n in enumerate(x.shape))
    if source.shape != want:
        raise ValueError(
            f"index_add: source has shape {source.shape}, but an input of shape {x.shape} and "
            f"{idx.size} indices along dimension {d} need {want}"
        )
    if alpha != 1:
        source = source * alpha
    return x + index_add_into(source, (slice(None),) * d + (idx,), x.shape)


def take_along_dim(x: Any, indices: Any, dim: int | None = None) -> Tensor:
    """NumPy's ``take_along_axis`` (PyTorch's ``take_along_dim``): with ``dim``, ``x`` and
    ``indices`` broadcast in the other dimensions and the values are gathered along ``dim``
    (negative indices count from the end); without, both are flattened first."""
    x = _t(x)
    idx = _index(indices, "take_along_dim")
    if dim is None:
        x, idx, d = x.reshape((-1,)), idx.reshape(-1), 0
    else:
        d = _dim(x, dim, "take_along_dim")
        if idx.ndim != x.ndim:
            raise ValueError(
                f"take_along_dim: indices have {idx.ndim} dimensions but the input has "
                f"{x.ndim} (shapes {idx.shape} and {x.shape})"
            )
        try:
            lead = np.broadcast_shapes(
                tuple(1 if a == d else n for a, n in enumerate(x.shape)),
                tuple(1 if a == d else n for a, n in enumerate(idx.shape)),
            )
        except ValueError:
            raise ValueError(
                f"take_along_dim: input shape {x.shape} and indices shape {idx.shape} do not "
                f"broadcast outside dimension {d}"
            ) from None
        x = expand_to(x, tuple(x.shape[a] if a == d else n for a, n in enumerate(lead)))
        idx = np.broadcast_to(idx, tuple(idx.shape[a] if a == d else n for a, n in enumerate(lead)))
    size = x.shape[d] if x.ndim else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        bad = idx.min() if idx.min() < -size else idx.max()
        raise IndexError(
            f"take_along_dim: index {bad} is out of range for dimension {d} of size {size} "
            f"(input shape {x.shape})"
        )
    return gather(x, d, np.where(idx < 0, idx + size, idx))


def masked_fill(x: Any, mask: Any, value: Any) -> Tensor:
    """``x`` with ``value`` (a number or a 0-d tensor) wherever the bool ``mask`` (broadcasting
    to x's shape) is true; the result keeps x's dtype. A ``where``: x receives g where the mask
    is false, a tensor value the sum of g where it is true."""
    from .elementwise import where

    x = _t(x)
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    if isinstance(value, Tensor) and value.ndim:
        raise ValueError(f"masked_fill: value must be a number or a 0-d tensor, got {value.shape}")
    if not broadcasts_to(m.shape, x.shape):
        raise ValueError(
            f"masked_fill: mask of shape {m.shape} does not broadcast to the input's {x.shape}"
        )
    out = where(m, value, x)
    return out if out.dtype == x.dtype else out.to(x.dtype)


def masked_select(x: Any, mask: Any) -> Tensor:
    """The elements of ``x`` where the bool ``mask`` is true, as a 1-D tensor (both broadcast
    first; a ``getitem`` with a mask)."""
    x = _t(x)
    m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_select: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        raise ValueError(
            f"masked_select: mask of shape {m.shape} and input of shape {x.shape} do not "
            "broadcast together"
        ) from None
    return expand_to(x, shape)[np.broadcast_to(m, shape)]


def index_put_at(x: Any, indices: Any, values: Any, accumulate: bool = False) -> Tensor:
    """PyTorch's ``x.index_put(indices, values, accumulate)``: ``x`` with ``values`` (broadcast to
    the selection) written at ``x[indices]``, out of place; ``indices`` is a tuple of integer or
    bool tensors, and ``values`` has x's dtype. With ``accumulate``, repeated positions add up:
    ``x + index_add_into(values, indices, x.shape)``; without, an ``index_put`` gate (one write
    per position when values requires grad)."""
    from .shape import index_add_into, index_put

    x = _t(x)
    if not isinstance(indices, (tuple, list)):
        raise TypeError(
            f"index_put: indices must be a tuple of tensors, got {type(indices).__name__}"
        )
    index = []
    for i in indices:
        a = i.data if isinstance(i, Tensor) else np.asarray(i)
        if a.dtype.kind not in "biu":
            raise TypeError(f"index_put: indices must be integer or bool tensors, got {a.dtype}")
        index.append(a)
    values = pair(x, values)[1]
    if values.dtype != x.dtype:
        raise TypeError(
            f"index_put: values have dtype {values.dtype} but the tensor has {x.dtype} (cast "
            "the values first)"
        )
    index = tuple(index)
    if not accumulate:
        return index_put(x, values, index)
    try:
        selected = x.data[index].shape
        values = expand_to(values, selected)
    except (IndexError, ValueError) as err:
        raise type(err)(
            f"index_put: {err} (target shape {x.shape}, values shape {values.shape})"
        ) from None
    return x + index_add_into(values, index, x.shape)


# --- sorting: indices (never differentiable), values gathered at them --------------------------


def _order(d: np.ndarray, axis: int, descending: bool) -> np.ndarray:
    """A stable argsort: equal elements keep their order (descending too), NaN counts as the
    largest value (last ascending, first descending), as in PyTorch."""
    if not descending:
        return np.argsort(d, axis=axis, kind="stable")
    n = d.shape[axis]
    flipped = np.argsort(np.flip(d, axis), axis=axis, kind="stable")  # ties: later ones first
    return np.flip(n - 1 - flipped, axis)  # reversed: descending, ties in their own order


def argsort(
    x: Any, dim: int = -1, descending: bool = False, stable: bool = False, *, axis: Any = None
) -> Tensor:
    """The indices that sort ``x`` along ``dim`` (int64; not differentiable). Always stable:
    ties keep their order; NaN sorts as the largest value."""
    x = _t(x)
    d = _dim(x, dim_arg(axis, dim if axis is None else None, "argsort"), "argsort")
    if x.ndim == 0:
        return _wrap(np.zeros((), dtype=np.int64))
    return _wrap(_order(x.data, d, descending).astype(np.int64, copy=False))


def sort(
    x: Any, dim: int = -1, descending: bool = False, stable: bool = False, *, axis: Any = None
) -> ValuesIndices:
    """``(values, indices)``: ``x`` sorted along ``dim`` (stable; NaN largest) and where each value
    came from. The values are a ``gather``: each receives its own gradient back."""
    x = _t(x)
    d = _dim(x, dim_arg(axis, dim if axis is None else None, "sort"), "sort")
    idx = argsort(x, d, descending)
    if x.ndim == 0:
        return ValuesIndices(x, idx)
    return ValuesIndices(gather(x, d, idx), idx)


def topk(x: Any, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> ValuesIndices:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, always in order (``sorted`` is accepted for PyTorch's signature); ties go to the
    earlier index, NaN counts as the largest. The values are a ``gather``."""
    x = _t(x)
    d = _dim(x, dim, "topk")
    n = x.shape[d] if x.ndim else 1
    if not 0 <= k <= n:
        raise ValueError(f"topk: k={k} is out of range for dimension {d} of size {n} ({x.shape})")
    if x.ndim == 0:
        return ValuesIndices(x, _wrap(np.zeros((), dtype=np.int64)))
    idx = np.take(_order(x.data, d, largest), np.arange(k), axis=d).astype(np.int64, copy=False)
    return ValuesIndices(gather(x, d, idx), _wrap(idx))


def kthvalue(x: Any, k: int, dim: int = -1, keepdim: bool = False) -> ValuesIndices:
    """``(values, indices)`` of the ``k``-th smallest element (``k`` from 1) along ``dim``, as
    PyTorch's ``kthvalue``: NaN counts as the largest, ties go to the earlier index. The values
    are a ``gather``: the gradient goes to the chosen element only (as for ``max(dim)``)."""
    x = _t(x)
    d = _dim(x, dim, "kthvalue")
    n = x.shape[d] if x.ndim else 1
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ValueError(
            f"kthvalue: k={k!r} is out of range for dimension {d} of size {n} (shape {x.shape})"
        )
    if x.ndim == 0:
        return ValuesIndices(x, _wrap(np.zeros((), dtype=np.int64)))
    idx = np.take(_order(x.data, d, False), [k - 1], axis=d).astype(np.int64, copy=False)
    values = gather(x, d, idx)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return ValuesIndices(values, _wrap(idx))
