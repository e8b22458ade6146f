"""Shape gates: they move values around without changing them, so each rule moves the gradient
back the same way (reshape <-> reshape, permute <-> inverse permute, getitem <-> scatter_add...).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor, _recorded, _wrap
from ._common import (
    _t,
    as_view,
    broadcast_view,
    dim_arg,
    normalize_axis,
    pair,
    record,
    reduce_array_to_shape,
)
from .reduce import reduce_to_shape


def _shape_arg(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


# --- reshape / permute -------------------------------------------------------------------------


def reshape(x: Any, shape: Any) -> Tensor:
    x = _t(x)
    shape = _shape_arg(shape)
    if shape == x.data.shape:
        return x
    try:
        out = x.data.reshape(shape)  # same values, new shape
    except ValueError:
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {x.shape} ({x.data.size} elements) "
            f"into {shape}"
        ) from None
    return _view_result(RESHAPE, out, x, shape)


def _view_result(g: Any, out: np.ndarray, x: Tensor, attrs: Any) -> Tensor:
    """A shape gate's output: recorded when needed, and marked as a view of ``x`` when NumPy made
    it one (one version counter; an in-place change through it reaches ``x``)."""
    if x.requires_grad:
        t = _recorded(g, out, (x,), None, attrs)
    else:
        t = _wrap(out)
    if out.base is not None:
        as_view(t, x)
    return t


@gate("reshape", "passes: the gradient is reshaped back to the input's shape", reads=())
def RESHAPE(node: Node, g: Tensor) -> tuple:
    return (reshape(g, node.inputs[0].shape),)


@RESHAPE.on_arrays
def _reshape_arrays(node: Node, g: np.ndarray) -> tuple:
    return (g.reshape(node.inputs[0].data.shape),)


def permute(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    x = _t(x)
    nd = x.data.ndim
    if axes is None:  # reverse the axes (``.T``): always a permutation, so nothing to check
        if nd < 2:
            return x
        axes = tuple(range(nd - 1, -1, -1))
    else:
        axes = tuple(int(a) % max(nd, 1) for a in axes)
        if sorted(axes) != list(range(nd)):
            raise ValueError(f"permute: {axes} is not a permutation of the axes of shape {x.shape}")
        if axes == tuple(range(nd)):
            return x
    out = x.data.transpose(axes)  # z[..., i, ...] = x[... permuted ...]
    return _view_result(PERMUTE, out, x, axes)


@gate("permute", "passes: the gradient is permuted back by the inverse permutation", reads=())
def PERMUTE(node: Node, g: Tensor) -> tuple:
    return (permute(g, _inverse(node.attrs)),)


@PERMUTE.on_arrays
def _permute_arrays(node: Node, g: np.ndarray) -> tuple:
    return (g.transpose(_inverse(node.attrs)),)


def _inverse(axes: tuple[int, ...]) -> tuple[int, ...]:
    inverse = [0] * len(axes)
    for i, a in enumerate(axes):  # (np.argsort costs ~10x this for a handful of axes)
        inverse[a] = i
    return tuple(inverse)


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """NumPy's transpose: reverse the axes, or apply the permutation ``axes``."""
    return permute(x, axes)


def swapaxes(x: Any, a: int, b: int) -> Tensor:
    x = _t(x)
    axes = list(range(x.ndim))
    try:
        axes[a], axes[b] = axes[b], axes[a]
    except IndexError:
        raise ValueError(
            f"swapaxes: axes {a} and {b} are out of range for shape {x.shape}"
        ) from None
    return permute(x, axes)


def squeeze(x: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
    x = _t(x)
    axis = dim_arg(axis, dim, "squeeze")
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = normalize_axis(axis, x.ndim, "squeeze")
    for a in axes:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {x.shape} has size {x.shape[a]}, not 1")
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


def unsqueeze(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    x = _t(x)
    axis = dim_arg(axis, dim, "unsqueeze")
    if axis is None:
        raise TypeError("unsqueeze: missing the dimension (dim=)")
    if not -x.ndim - 1 <= axis <= x.ndim:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for shape {x.shape}")
    axis = axis % (x.ndim + 1)
    return reshape(x, x.shape[:axis] + (1,) + x.shape[axis:])


def flatten(x: Any, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    x = _t(x)
    if x.ndim == 0:
        return reshape(x, (1,))
    (s,) = normalize_axis(start_dim, x.ndim, "flatten")
    (e,) = normalize_axis(end_dim, x.ndim, "flatten")
    if s > e:
        raise ValueError(
            f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {x.shape}"
        )
    return reshape(x, x.shape[:s] + (int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :])


# --- broadcasting ------------------------------------------------------------------------------


def broadcast_to(x: Any, shape: Any) -> Tensor:
    x = _t(x)
    shape = _shape_arg(shape)
    if shape == x.data.shape:
        return x
    try:
        out = broadcast_view(x.data, shape)  # a read-only view: values repeated, not copied
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return _view_result(BROADCAST, out, x, shape)


@gate(
    "broadcast_to",
    "sums: each input element receives the sum of the gradients of its copies",
    reads=(),
)
def BROADCAST(node: Node, g: Tensor) -> tuple:
    return (reduce_to_shape(g, node.inputs[0].shape),)


@BROADCAST.on_arrays
def _broadcast_arrays(node: Node, g: np.ndarray) -> tuple:
    return (reduce_array_to_shape(g, node.inputs[0].data.shape),)


def expand(x: Any, shape: Any) -> Tensor:
    """PyTorch's ``expand``: like ``broadcast_to``, with -1 meaning "keep this size"."""
    x = _t(x)
    shape = _shape_arg(shape)
    lead = len(shape) - x.ndim
    full = tuple((x.shape[i - lead] if s == -1 and i >= lead else s) for i, s in enumerate(shape))
    return broadcast_to(x, full)


# --- indexing ----------------------------------------------------------------------------------


def index_arg(index: Any) -> Any:
    """Tensors and lists inside an index become arrays; everything else passes through."""
    if isinstance(index, tuple):
        return tuple(index_arg(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: NumPy's indexing (ints, slices, None, Ellipsis, integer and boolean arrays).
    Basic indexing gives a view (in-place changes through it reach ``x``), as in PyTorch."""
    x = _t(x)
    index = index_arg(index)
    basic = _is_basic(index)
    if basic and Ellipsis not in (index if isinstance(index, tuple) else (index,)):
        # NumPy gives a scalar copy for an all-int index; with a trailing Ellipsis, a 0-d view
        index = (*index, Ellipsis) if isinstance(index, tuple) else (index, Ellipsis)
    try:
        out = x.data[index]  # z = x[index]
    except IndexError as err:
        raise IndexError(f"getitem: {err} (indexing a tensor of shape {x.shape})") from None
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    if basic:
        return _view_result(GETITEM, out, x, index)
    return record(GETITEM, out, (x,), None, index)


@gate(
    "getitem",
    "scatters: the gradient goes back to the selected positions; repeats accumulate",
    reads=(),
)
def GETITEM(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0]
    return (scatter_add(g, node.attrs, x.shape),)


@GETITEM.on_arrays
def _getitem_arrays(node: Node, g: np.ndarray) -> tuple:
    return (_scattered(g, node.attrs, node.inputs[0].data.shape),)


def _scattered(g: np.ndarray, index: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(index):
        out[index] = g  # basic indexing never repeats a position
    else:
        np.add.at(out, index, g)
    return out


def scatter_add(g: Any, index: Any, shape: tuple[int, ...]) -> Tensor:
    """A zero tensor of ``shape`` with ``g`` added at ``index`` (repeated positions accumulate).
    The reverse of ``getitem``, and a gate itself so gradients of gradients work."""
    g = _t(g)
    out = _scattered(g.data, index, shape)  # z = 0; z[index] += g
    return record(SCATTER_ADD, out, (g,), None, index)


@gate(
    "scatter_add",
    "gathers: the input receives the gradient at the positions it was added to",
    reads=(),
)
def SCATTER_ADD(node: Node, g: Tensor) -> tuple:
    return (getitem(g, node.attrs),)


@SCATTER_ADD.on_arrays
def _scatter_add_arrays(node: Node, g: np.ndarray) -> tuple:
    return (g[node.attrs],)


def index_put(x: Any, value: Any, index: Any) -> Tensor:
    """``x`` with ``value`` written at ``index`` (broadcast to the selection, cast to x's dtype):
    ``x[index] = value`` out of place, the gate behind every recorded in-place change."""
    x, value = pair(x, value)
    index = index_arg(index)
    out = x.data.copy()
    try:
        out[index] = value.data  # z = x; z[index] = value
    except (IndexError, ValueError) as err:
        raise type(err)(
            f"index_put: {err} (target shape {x.shape}, value shape {value.shape})"
        ) from None
    if value.requires_grad and not _is_basic(index):
        picked = np.arange(x.data.size).reshape(x.shape)[index]
        if np.unique(picked).size != picked.size:
            raise ValueError(
                f"index_put: the index selects some position of a tensor of shape {x.shape} "
                "more than once; which write wins is undefined, so its gradient would be too"
            )
    return record(INDEX_PUT, out, (x, value), None, index)


@gate(
    "index_put",
    "x receives g with the written positions zeroed; the value receives g at those positions",
    reads=(),
)
def INDEX_PUT(node: Node, g: Tensor) -> tuple:
    x, value = node.inputs
    gx = g * Tensor(_unwritten(x.shape, node.attrs)) if x.requires_grad else None
    gv = getitem(g, node.attrs) if value.requires_grad else None
    return gx, gv


@INDEX_PUT.on_arrays
def _index_put_arrays(node: Node, g: np.ndarray) -> tuple:
    x, value = node.inputs
    gx = g * _unwritten(x.data.shape, node.attrs) if x.requires_grad else None
    gv = g[node.attrs] if value.requires_grad else None
    return gx, gv


def _unwritten(shape: tuple[int, ...], index: Any) -> np.ndarray:
    keep = np.ones(shape, dtype=bool)
    keep[index] = False
    return keep


# --- joining and splitting ---------------------------------------------------------------------


def concatenate(
    tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """Join tensors along an existing dimension (``axis``/``dim``, default 0)."""
    axis = dim_arg(axis, dim, "concatenate")
    axis = 0 if axis is None else axis
    ts = tuple(_t(t) for t in tensors)
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    (axis,) = normalize_axis(axis, ts[0].ndim, "concatenate")
    try:
        out = np.concatenate([t.data for t in ts], axis=axis)  # z = [a | b | ...]
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(
            f"concatenate: shapes {shapes} do not match along axes other than {axis}"
        ) from None
    axis = axis % out.ndim
    return record(CONCATENATE, out, ts, None, axis)


cat = concatenate


@gate("concatenate", "splits: each input receives its own slice of the gradient", reads=())
def CONCATENATE(node: Node, g: Tensor) -> tuple:
    axis = node.attrs
    grads, start = [], 0
    for t in node.inputs:
        stop = start + t.shape[axis]
        grads.append(g[(slice(None),) * axis + (slice(start, stop),)] if t.requires_grad else None)
        start = stop
    return tuple(grads)


def stack(tensors: Sequence[Any], axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new dimension (``axis``/``dim``, default 0)."""
    axis = dim_arg(axis, dim, "stack")
    axis = 0 if axis is None else axis
    ts = tuple(_t(t) for t in tensors)
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    (axis,) = normalize_axis(axis, ts[0].ndim + 1, "stack")  # the new axis may come last
    try:
        out = np.stack([t.data for t in ts], axis=axis)  # z = [a, b, ...] along a new axis
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all tensors must have the same shape, got {shapes}") from None
    axis = axis % out.ndim
    return record(STACK, out, ts, None, axis)


@gate("stack", "unstacks: each input receives its own slice of the gradient", reads=())
def STACK(node: Node, g: Tensor) -> tuple:
    axis = node.attrs
    lead = (slice(None),) * axis
    return tuple(g[lead + (i,)] if t.requires_grad else None for i, t in enumerate(node.inputs))


def split(
    x: Any,
    split_size_or_sections: int | Sequence[int],
    axis: int | None = None,
    *,
    dim: int | None = None,
) -> list[Tensor]:
    """PyTorch's ``split``: an int is the size of each chunk (the last may be smaller); a list
    gives each chunk's size. Each chunk is a ``getitem`` of ``x``."""
    x = _t(x)
    axis = dim_arg(axis, dim, "split")
    (axis,) = normalize_axis(0 if axis is None else axis, x.ndim, "split")
    n = x.shape[axis]
    if isinstance(split_size_or_sections, (int, np.integer)):
        if split_size_or_sections <= 0:
            raise ValueError(f"split: chunk size must be positive, got {split_size_or_sections}")
        sizes = [min(split_size_or_sections, n - s) for s in range(0, n, split_size_or_sections)]
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(
                f"split: sizes {sizes} do not add up to {n} (axis {axis} of {x.shape})"
            )
    lead = (slice(None),) * (axis % x.ndim)
    chunks, start = [], 0
    for s in sizes:
        chunks.append(getitem(x, lead + (slice(start, start + s),)))
        start += s
    return chunks


def chunk(x: Any, chunks: int, axis: int | None = None, *, dim: int | None = None) -> list[Tensor]:
    """Split into ``chunks`` pieces of equal size (the last may be smaller), PyTorch's rule."""
    x = _t(x)
    axis = dim_arg(axis, dim, "chunk")
    axis = 0 if axis is None else axis
    if chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be positive, got {chunks}")
    return split(x, max(1, -(-x.shape[axis] // chunks)), axis)


def pad(x: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding, NumPy's ``pad_width`` convention: ((before, after), ...) per axis."""
    x = _t(x)
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width} does not fit a tensor of shape {x.shape} "
            "(give (before, after) per axis, or one pair for all)"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width}")
    out = np.pad(x.data, widths, constant_values=value)  # z = x surrounded by `value`
    return record(PAD, out, (x,), None, tuple(map(tuple, widths)))


@gate("pad", "crops: the input receives the gradient with the padding cut away", reads=())
def PAD(node: Node, g: Tensor) -> tuple:
    index = tuple(slice(b, n - a) for (b, a), n in zip(node.attrs, g.shape))
    return (g[index],)


def flip(x: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
    x = _t(x)
    axes = normalize_axis(dim_arg(axis, dim, "flip"), x.ndim, "flip")
    out = np.flip(x.data, axis=axes)  # z = x reversed along axes (a view, negative strides)
    return _view_result(FLIP, out, x, axes)


@gate("flip", "reverses: the input receives the gradient flipped back", reads=())
def FLIP(node: Node, g: Tensor) -> tuple:
    return (flip(g, node.attrs),)


def tile(x: Any, reps: Any) -> Tensor:
    """NumPy's ``tile`` (PyTorch's ``repeat``), composed of reshape and broadcast_to."""
    x = _t(x)
    reps = _shape_arg(reps)
    if any(r < 0 for r in reps):
        raise ValueError(f"tile: repetitions must be non-negative, got {reps} for shape {x.shape}")
    nd = max(len(reps), x.ndim)
    reps = (1,) * (nd - len(reps)) + reps
    shape = (1,) * (nd - x.ndim) + x.shape
    spread = reshape(x, tuple(v for s in shape for v in (1, s)))
    big = broadcast_to(spread, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return reshape(big, tuple(r * s for r, s in zip(reps, shape)))


def repeat_interleave(x: Any, repeats: int, axis: int | None = None) -> Tensor:
    """NumPy's ``repeat``: each element repeated ``repeats`` times along ``axis``."""
    x = _t(x)
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = axis % x.ndim
    spread = unsqueeze(x, axis + 1)
    shape = x.shape[: axis + 1] + (repeats,) + x.shape[axis + 1 :]
    out_shape = x.shape[:axis] + (x.shape[axis] * repeats,) + x.shape[axis + 1 :]
    return reshape(broadcast_to(spread, shape), out_shape)
