"""Shape gates: they move values around without changing them, so each rule moves the gradient
back the same way (reshape <-> reshape, permute <-> inverse permute, getitem <-> index_add_into,
roll <-> roll back, diagonal <-> the diagonal of zeros...). Compositions of them: movedim, t,
unflatten, narrow, unbind, chunk, rot90, meshgrid, hstack, vstack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor, _recorded1, _wrap
from ._common import (
    DimensionError,
    _t,
    as_view,
    broadcast_view,
    common_dtype,
    dim_arg,
    normalize_axis,
    pair,
    record,
    reduce_array_to_shape,
)
from .elementwise import where
from .reduce import reduce_to_shape


def _shape_arg(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(int(s) for s in shape)


# --- reshape / permute -------------------------------------------------------------------------


def reshape(x: Any, shape: Any) -> Tensor:
    x = _t(x)
    shape = _shape_arg(shape)
    if shape == x.data.shape:  # still a new tensor (a view), as PyTorch's: a hook or
        return _view_result(RESHAPE, x.data.view(), x, shape)  # retain_grad on it is its own
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
        t = _recorded1(g, out, x, None, attrs)
    else:
        t = _wrap(out)
    base = out.base
    # A view looks into x's memory: NumPy sets its base to the array that owns that memory (or,
    # for as_strided views, to a wrapper of it: hence the memory test). A reshape NumPy had to
    # copy (a transposed input) also has a base, its temporary copy: not a view.
    if base is not None and (
        base is x.data or base is x.data.base or np.may_share_memory(out, x.data)
    ):
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
        axes = (1, 0) if nd == 2 else tuple(range(nd - 1, -1, -1))  # (w.T: the common case)
    else:
        axes = tuple(int(a) % max(nd, 1) for a in axes)
        if sorted(axes) != list(range(nd)):
            raise ValueError(f"permute: {axes} is not a permutation of the axes of shape {x.shape}")
    out = x.data.transpose(axes)  # z[..., i, ...] = x[... permuted ...] (a new view even when
    # nothing moves, as PyTorch's)
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


def movedim(x: Any, source: Any, destination: Any) -> Tensor:
    """Move the dimensions ``source`` (an int or a sequence) to the positions ``destination``,
    keeping the others in order (NumPy's ``moveaxis``; a ``permute``)."""
    x = _t(x)
    src = [source] if isinstance(source, (int, np.integer)) else list(source)
    dst = [destination] if isinstance(destination, (int, np.integer)) else list(destination)
    if len(src) != len(dst):
        raise ValueError(f"movedim: {len(src)} source dimensions but {len(dst)} destinations")
    src_n = [a % max(x.ndim, 1) if -x.ndim <= a < x.ndim else None for a in src]
    dst_n = [a % max(x.ndim, 1) if -x.ndim <= a < x.ndim else None for a in dst]
    if None in src_n or None in dst_n:
        raise DimensionError(
            f"movedim: dimensions {source} -> {destination} out of range for shape {x.shape}"
        )
    if len(set(src_n)) != len(src_n) or len(set(dst_n)) != len(dst_n):
        raise ValueError(f"movedim: repeated dimension in {source} -> {destination}")
    order = [a for a in range(x.ndim) if a not in src_n]
    for d, a in sorted(zip(dst_n, src_n)):
        order.insert(d, a)
    return permute(x, order)


def t(x: Any) -> Tensor:
    """PyTorch's ``t``: the transpose of a tensor of at most 2 dimensions (a 0-d or 1-D tensor
    is returned as it is)."""
    x = _t(x)
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with at most 2 dimensions, got shape {x.shape}")
    return permute(x)


def unflatten(x: Any, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one of them may be -1), a ``reshape``."""
    x = _t(x)
    (d,) = normalize_axis(dim, x.ndim, "unflatten") or (0,)
    sizes = _shape_arg(sizes)
    n = x.shape[d] if x.ndim else 1
    known = int(np.prod([s for s in sizes if s != -1]))
    unknown = sum(1 for s in sizes if s == -1)
    if (
        not sizes
        or unknown > 1
        or (unknown == 0 and known != n)
        or (unknown and (known == 0 or n % known))
    ):
        raise ValueError(
            f"unflatten: sizes {sizes} do not split dimension {d} of size {n} (shape {x.shape})"
        )
    sizes = tuple(n // known if s == -1 else s for s in sizes)
    return reshape(x, x.shape[:d] + sizes + x.shape[d + 1 :])


def squeeze(x: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
    x = _t(x)
    axis = dim_arg(axis, dim, "squeeze")
    if axis is None:
        return reshape(x, tuple(n for n in x.shape if n != 1))
    axes = normalize_axis(axis, x.ndim, "squeeze")
    axes = tuple(a for a in axes if x.shape[a] == 1)  # (PyTorch leaves other sizes alone)
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
    shape = x.shape[:s] + (int(np.prod(x.shape[s : e + 1])),) + x.shape[e + 1 :]
    return x if shape == x.shape else reshape(x, shape)  # (PyTorch's flatten returns x itself)


# --- broadcasting ------------------------------------------------------------------------------


def broadcast_to(x: Any, shape: Any) -> Tensor:
    x = _t(x)
    shape = _shape_arg(shape)
    if shape == x.data.shape:  # a new tensor all the same (a view), as PyTorch's expand
        return _view_result(BROADCAST, x.data.view(), x, shape)
    try:
        out = broadcast_view(x.data, shape)  # a read-only view: values repeated, not copied
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {x.shape} to {shape}") from None
    return _view_result(BROADCAST, out, x, shape)


def expand_to(x: Tensor, shape: tuple) -> Tensor:
    """``broadcast_to``, or ``x`` itself when it has the shape already: what a composition wants
    (the user-facing call makes a new view even then, as PyTorch's)."""
    return x if x.shape == tuple(shape) else broadcast_to(x, shape)


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


def _is_int(i: Any) -> bool:
    """An integer index: a Python or NumPy integer, or a 0-d integer array (a 0-d Tensor)."""
    if isinstance(i, (bool, np.bool_)):
        return False
    return isinstance(i, (int, np.integer)) or (
        isinstance(i, np.ndarray) and i.ndim == 0 and i.dtype.kind in "iu"
    )


def int_first(index: Any) -> tuple[tuple, tuple] | None:
    """PyTorch applies integer indices before advanced ones; NumPy counts them as advanced, so
    with a slice between an integer and an array (``x[0, :, [0, 2]]``) NumPy moves the indexed
    axes to the front and PyTorch does not. For such an index, the two steps that give PyTorch's
    result: (the integers, with full slices elsewhere), then (the rest). None when NumPy's one
    step agrees (no integer, no array, or all of them adjacent)."""
    if not isinstance(index, tuple):
        return None
    arrays = [type(i) is np.ndarray and i.ndim > 0 for i in index]
    if not any(arrays):  # (the common case, x[:, 0]: nothing more to look at)
        return None
    ints = [_is_int(i) for i in index]
    advanced = [k for k, (a, b) in enumerate(zip(ints, arrays)) if a or b]
    if not any(ints) or advanced[-1] - advanced[0] + 1 == len(advanced):
        return None
    first: list[Any] = []
    rest: list[Any] = []
    for i, is_int in zip(index, ints):
        if is_int:
            first.append(int(i))  # (a 0-d array would make NumPy index by copy, not view)
        elif i is None or isinstance(i, (bool, np.bool_)):  # new axes: they take no dimension
            rest.append(i)
        elif i is Ellipsis:
            first.append(Ellipsis)
            rest.append(Ellipsis)
        else:  # a slice, or an array (a boolean one spans as many axes as it has)
            spans = i.ndim if isinstance(i, np.ndarray) and i.dtype == np.bool_ else 1
            first.extend([slice(None)] * spans)
            rest.append(i)
    return tuple(first), tuple(rest)


def _is_basic(index: Any) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return all(isinstance(i, (int, np.integer, slice)) or i is None or i is Ellipsis for i in items)


def getitem(x: Any, index: Any) -> Tensor:
    """``x[index]``: NumPy's indexing (ints, slices, None, Ellipsis, integer and boolean arrays).
    Basic indexing gives a view (in-place changes through it reach ``x``), as in PyTorch."""
    x = _t(x)
    index = index_arg(index)
    split = int_first(index)
    if split is not None:  # (PyTorch's order: the integers, then the advanced indices)
        return getitem(getitem(x, split[0]), split[1])
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
    return (index_add_into(g, node.attrs, x.shape),)


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


def index_add_into(g: Any, index: Any, shape: tuple[int, ...]) -> Tensor:
    """A zero tensor of ``shape`` with ``g`` added at ``index`` (repeated positions accumulate):
    the adjoint of ``getitem`` (its gradient rule), and a gate itself so gradients of gradients
    work. PyTorch's ``scatter_add(dim, index, src)`` is :func:`autograd.scatter_add`."""
    g = _t(g)
    out = _scattered(g.data, index, shape)  # z = 0; z[index] += g
    return record(INDEX_ADD_INTO, out, (g,), None, index)


@gate(
    "index_add_into",
    "gathers: the input receives the gradient at the positions it was added to",
    reads=(),
)
def INDEX_ADD_INTO(node: Node, g: Tensor) -> tuple:
    return (getitem(g, node.attrs),)


@INDEX_ADD_INTO.on_arrays
def _index_add_into_arrays(node: Node, g: np.ndarray) -> tuple:
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
    # (selected, not multiplied by a 0/1 mask: an inf or NaN arriving at a written position
    # must not become NaN in x's gradient, where those old values had no effect at all)
    gx = where(Tensor(_unwritten(x.shape, node.attrs)), g, 0.0) if x.requires_grad else None
    gv = getitem(g, node.attrs) if value.requires_grad else None
    return gx, gv


@INDEX_PUT.on_arrays
def _index_put_arrays(node: Node, g: np.ndarray) -> tuple:
    x, value = node.inputs
    gx = None
    if x.requires_grad:
        gx = np.array(g)  # (a copy: g may be shared)
        gx[node.attrs] = 0
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
    arrays = [t.data for t in ts]
    dtype = common_dtype(arrays)  # (PyTorch's promotion: int32 with float32 is float32)
    try:
        out = np.concatenate(arrays, axis=axis, dtype=dtype)  # z = [a | b | ...]
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
        arrays = [t.data for t in ts]
        out = np.stack(arrays, axis=axis, dtype=common_dtype(arrays))  # z = [a, b, ...], new axis
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
) -> tuple[Tensor, ...]:
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
    return tuple(chunks)


def chunk(
    x: Any, chunks: int, dim: int | None = None, *, axis: int | None = None
) -> tuple[Tensor, ...]:
    """PyTorch's ``chunk``: split along ``dim`` (default 0) into pieces of ``ceil(n / chunks)``
    elements each (the last may be smaller, so there may be fewer than ``chunks`` pieces);
    each piece is a view (a ``getitem``)."""
    x = _t(x)
    axis = dim_arg(axis, dim, "chunk")
    (axis,) = normalize_axis(0 if axis is None else axis, x.ndim, "chunk") or (0,)
    if not isinstance(chunks, (int, np.integer)) or chunks <= 0:
        raise ValueError(f"chunk: the number of chunks must be a positive int, got {chunks!r}")
    return split(x, max(1, -(-x.shape[axis] // chunks)), axis)


def unbind(x: Any, dim: int = 0, *, axis: int | None = None) -> tuple[Tensor, ...]:
    """The slices of ``x`` along ``dim``, each without that dimension (views, ``getitem``)."""
    x = _t(x)
    if x.ndim == 0:
        raise ValueError("unbind: a 0-d tensor has no dimension to unbind")
    (d,) = normalize_axis(dim if axis is None else axis, x.ndim, "unbind")
    lead = (slice(None),) * d
    return tuple(getitem(x, lead + (i,)) for i in range(x.shape[d]))


def narrow(x: Any, dim: int, start: int, length: int) -> Tensor:
    """The view ``x[..., start:start + length, ...]`` along ``dim`` (``start`` may be negative,
    counting from the end), checked: PyTorch's ``narrow``."""
    x = _t(x)
    (d,) = normalize_axis(dim, x.ndim, "narrow") or (0,)
    if x.ndim == 0:
        raise ValueError("narrow: a 0-d tensor cannot be narrowed")
    n = x.shape[d]
    first = start + n if start < 0 else start
    if not (0 <= first <= n and length >= 0 and first + length <= n):
        raise IndexError(
            f"narrow: start {start} and length {length} do not fit dimension {d} of size {n} "
            f"(shape {x.shape})"
        )
    return getitem(x, (slice(None),) * d + (slice(first, first + length),))


def pad_widths(x: Tensor, pad_width: Any) -> np.ndarray:
    """NumPy's ``pad_width`` convention checked against ``x``: an (ndim, 2) array of
    (before, after) widths, from a pair per axis or one pair for all."""
    try:
        widths = np.broadcast_to(np.asarray(pad_width, dtype=int), (x.ndim, 2))
    except ValueError:
        raise ValueError(
            f"pad: pad_width {pad_width} does not fit a tensor of shape {x.shape} "
            "(give (before, after) per axis, or one pair for all)"
        ) from None
    if (widths < 0).any():
        raise ValueError(f"pad: widths must be non-negative, got {pad_width}")
    return widths


def pad(x: Any, pad_width: Any, value: float = 0.0) -> Tensor:
    """Constant padding, NumPy's ``pad_width`` convention: ((before, after), ...) per axis."""
    x = _t(x)
    widths = pad_widths(x, pad_width)
    out = np.pad(x.data, widths, constant_values=value)  # z = x surrounded by `value`
    return record(PAD, out, (x,), None, tuple(map(tuple, widths)))


@gate("pad", "crops: the input receives the gradient with the padding cut away", reads=())
def PAD(node: Node, g: Tensor) -> tuple:
    index = tuple(slice(b, n - a) for (b, a), n in zip(node.attrs, g.shape))
    return (g[index],)


def flip(x: Any, axis: Any = None, *, dim: Any = None) -> Tensor:
    x = _t(x)
    axes = normalize_axis(dim_arg(axis, dim, "flip"), x.ndim, "flip")
    # z = x reversed along axes: a copy, as PyTorch's (NumPy's flip is a view, and a change
    # through it would reach x)
    out = np.flip(x.data, axis=axes).copy()
    return record(FLIP, out, (x,), None, axes)


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
    if all(r == 1 for r in reps):  # nothing to repeat: still a new tensor, as in PyTorch
        return _copy(reshape(x, shape))
    spread = reshape(x, tuple(v for s in shape for v in (1, s)))
    big = broadcast_to(spread, tuple(v for r, s in zip(reps, shape) for v in (r, s)))
    return reshape(big, tuple(r * s for r, s in zip(reps, shape)))


def _copy(x: Tensor) -> Tensor:
    """A recorded copy of ``x`` (``clone``): what a repetition by 1 must still return."""
    from .elementwise import clone  # (elementwise builds on this module)

    return clone(x)


def repeat_interleave(
    x: Any, repeats: Any, axis: int | None = None, *, dim: int | None = None
) -> Tensor:
    """NumPy's ``repeat``: each element repeated ``repeats`` times along ``axis``/``dim``; with
    one count per element (a list or tensor), each its own number of times."""
    x = _t(x)
    axis = dim_arg(axis, dim, "repeat_interleave")
    if axis is None:
        x, axis = reshape(x, (-1,)), 0
    axis = axis % x.ndim
    if not isinstance(repeats, (int, np.integer)):  # one count per element: gather them
        from .indexing import index_select  # (indexing builds on this module)

        counts = np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
        if counts.ndim != 1 or counts.shape[0] != x.shape[axis] or (counts < 0).any():
            raise ValueError(
                f"repeat_interleave: repeats {counts.tolist()} must be {x.shape[axis]} "
                f"non-negative counts, one per element of dimension {axis} of shape {x.shape}"
            )
        return index_select(x, axis, np.repeat(np.arange(x.shape[axis]), counts))
    if repeats == 1:
        return _copy(x)  # (reshaping and broadcasting by 1 would give a view of x)
    spread = unsqueeze(x, axis + 1)
    shape = x.shape[: axis + 1] + (repeats,) + x.shape[axis + 1 :]
    out_shape = x.shape[:axis] + (x.shape[axis] * repeats,) + x.shape[axis + 1 :]
    return reshape(broadcast_to(spread, shape), out_shape)


# --- rolling, rotating, diagonals --------------------------------------------------------------


def roll(x: Any, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted by ``shifts`` along ``dims``, wrapping around (with no ``dims``, over
    the flattened tensor, then reshaped back): PyTorch's and NumPy's ``roll``."""
    x = _t(x)
    if dims is None:
        if not isinstance(shifts, (int, np.integer)):
            raise ValueError(f"roll: without dims, shifts must be one int, got {shifts!r}")
        axes: Any = None
    else:
        shifts = _shape_arg(shifts)
        dims = _shape_arg(dims)
        if len(shifts) != len(dims):
            raise ValueError(f"roll: {len(shifts)} shifts for {len(dims)} dimensions")
        axes = tuple(normalize_axis(d, x.ndim, "roll")[0] if x.ndim else 0 for d in dims)
        shifts = tuple(shifts)
    out = np.roll(x.data, shifts, axis=axes)  # z[i + shift] = x[i], wrapping around
    return record(ROLL, out, (x,), None, (shifts, axes))


@gate("roll", "rolls back: the input receives the gradient shifted the other way", reads=())
def ROLL(node: Node, g: Tensor) -> tuple:
    shifts, axes = node.attrs
    back = -shifts if axes is None else tuple(-s for s in shifts)
    return (roll(g, back, axes),)


@ROLL.on_arrays
def _roll_arrays(node: Node, g: np.ndarray) -> tuple:
    shifts, axes = node.attrs
    return (np.roll(g, -shifts if axes is None else tuple(-s for s in shifts), axis=axes),)


def rot90(x: Any, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotation by 90 degrees ``k`` times in the plane ``dims``, from the first axis towards the
    second (NumPy's and PyTorch's direction): a ``flip`` (a copy) and a ``permute``."""
    x = _t(x)
    if len(dims) != 2:
        raise ValueError(f"rot90: dims must name 2 dimensions, got {dims}")
    a, b = (normalize_axis(d, x.ndim, "rot90")[0] for d in dims)
    if a == b or x.ndim < 2:
        raise ValueError(f"rot90: dims {tuple(dims)} must be two different dimensions of {x.shape}")
    k %= 4
    if k == 0:
        return _copy(x)
    if k == 2:
        return flip(x, (a, b))
    if k == 1:
        return swapaxes(flip(x, b), a, b)
    return flip(swapaxes(x, a, b), b)


def _diagonal_view(a: np.ndarray, offset: int, d1: int, d2: int) -> np.ndarray:
    """The diagonal of ``a`` in the plane (d1, d2) as a strided view, writable when ``a`` is
    (``np.diagonal``'s is read-only; PyTorch's ``x.diagonal().zero_()`` writes through)."""
    length = max(0, min(a.shape[d1] + min(offset, 0), a.shape[d2] - max(offset, 0)))
    first = tuple(
        slice(max(-offset, 0), None) if k == d1 else slice(max(offset, 0), None) if k == d2
        else slice(None)
        for k in range(a.ndim)
    )  # fmt: skip
    rest = [k for k in range(a.ndim) if k not in (d1, d2)]
    shape = tuple(a.shape[k] for k in rest) + (length,)
    strides = tuple(a.strides[k] for k in rest) + (a.strides[d1] + a.strides[d2],)
    return np.lib.stride_tricks.as_strided(a[first], shape, strides, writeable=a.flags.writeable)


def diagonal(x: Any, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal ``x[..., i, i + offset, ...]`` of the plane (dim1, dim2), as the last
    dimension of the result: a view (PyTorch's and NumPy's ``diagonal``), writable."""
    x = _t(x)
    if x.ndim < 2:
        raise ValueError(f"diagonal: expects at least 2 dimensions, got shape {x.shape}")
    (d1,), (d2,) = (
        normalize_axis(dim1, x.ndim, "diagonal"),
        normalize_axis(dim2, x.ndim, "diagonal"),
    )
    if d1 == d2:
        raise ValueError(f"diagonal: dim1 and dim2 are the same dimension ({dim1}, {dim2})")
    out = _diagonal_view(x.data, int(offset), d1, d2)  # z[..., i] = x[..., i, i + offset]
    return _view_result(DIAGONAL, out, x, (int(offset), d1, d2))


def _diagonal_positions(length: int, offset: int) -> tuple[np.ndarray, np.ndarray]:
    rows = np.arange(length) + max(-offset, 0)
    return rows, rows + offset


@gate("diagonal", "places: the input receives g on the same diagonal, 0 elsewhere", reads=())
def DIAGONAL(node: Node, g: Tensor) -> tuple:
    x = node.inputs[0]
    offset, d1, d2 = node.attrs
    rest = [k for k in range(x.ndim) if k not in (d1, d2)]
    moved = tuple(x.shape[k] for k in rest) + (x.shape[d1], x.shape[d2])
    rows, cols = _diagonal_positions(g.shape[-1], offset)
    full = index_add_into(g, (Ellipsis, rows, cols), moved)
    return (movedim(full, (-2, -1), (d1, d2)),)


@DIAGONAL.on_arrays
def _diagonal_arrays(node: Node, g: np.ndarray) -> tuple:
    offset, d1, d2 = node.attrs
    out = np.zeros(node.inputs[0].data.shape, dtype=g.dtype)
    rows, cols = _diagonal_positions(g.shape[-1], offset)
    np.moveaxis(out, (d1, d2), (-2, -1))[..., rows, cols] = g  # (a view of out)
    return (out,)


# --- building grids and stacks -----------------------------------------------------------------


def _tensor_list(tensors: tuple, op: str) -> list[Tensor]:
    """``f(a, b)`` or ``f([a, b])``: the tensors, at least one."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    return [_t(t) for t in tensors]


def meshgrid(*tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """Coordinate grids from 1-D tensors: output k varies along dimension k (``indexing="ij"``,
    PyTorch's default) or, with ``"xy"`` (NumPy's default), the first two swap. Each grid is a
    ``reshape`` then a ``broadcast_to``: a read-only view, whose gradient sums back."""
    ts = _tensor_list(tensors, "meshgrid")
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid: indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t_ in enumerate(ts):
        if t_.ndim > 1:
            raise ValueError(f"meshgrid: tensor {i} has shape {t_.shape}; expects 0-d or 1-D")
    sizes = [t_.numel() for t_ in ts]
    axis_of = list(range(len(ts)))
    if indexing == "xy" and len(ts) >= 2:
        axis_of[0], axis_of[1] = 1, 0
    shape = [0] * len(ts)
    for i, n in enumerate(sizes):
        shape[axis_of[i]] = n
    grids = []
    for i, t_ in enumerate(ts):
        lined = [1] * len(ts)
        lined[axis_of[i]] = sizes[i]
        grids.append(broadcast_to(reshape(t_, tuple(lined)), tuple(shape)))
    return tuple(grids)


def hstack(tensors: Sequence[Any]) -> Tensor:
    """Join along the second dimension (the first for 1-D tensors; 0-d ones count as 1-D)."""
    ts = [reshape(t_, (1,)) if t_.ndim == 0 else t_ for t_ in _tensor_list((tensors,), "hstack")]
    return concatenate(ts, 0 if ts[0].ndim == 1 else 1)


def vstack(tensors: Sequence[Any]) -> Tensor:
    """Join along the first dimension, 0-d and 1-D tensors becoming rows first."""
    ts = _tensor_list((tensors,), "vstack")
    return concatenate([reshape(t_, (1, -1)) if t_.ndim < 2 else t_ for t_ in ts], 0)
