"""Neural-network gates: softmax and log_softmax (fused for stability), embedding lookup,
binary cross-entropy and batch normalisation (fused, with its closed-form backward)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor, _from_node
from ._common import _t, dim_arg, normalize_axis, record
from .elementwise import half_in_float32


def _check_float(x: Tensor, op: str) -> None:
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point tensor, got dtype {x.dtype}")


def _softmax_axis(x: Tensor, axis: Any, dim: Any, op: str) -> int:
    _check_float(x, op)
    axis = dim_arg(axis, dim, op)
    (axis,) = normalize_axis(-1 if axis is None else axis, x.ndim, op) or (0,)
    if x.ndim and x.shape[axis] == 0:
        raise ValueError(f"{op}: dimension {axis} of shape {x.shape} is empty")
    return axis


def log_softmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """ln softmax(x) along ``axis``/``dim`` (default -1), computed as x - logsumexp(x): finite
    and exact for logits of any size."""
    x = _t(x)
    axis = _softmax_axis(x, axis, dim, "log_softmax")
    d = x.data
    shifted = d - np.maximum.reduce(d, axis=axis, keepdims=True)  # (np.max's own kernel)
    lse = np.add.reduce(np.exp(shifted), axis=axis, keepdims=True)
    out = np.subtract(shifted, np.log(lse, out=lse), out=shifted)  # z = x - lse(x)
    return record(LOG_SOFTMAX, out, (x,), out, axis)


@gate(
    "log_softmax",
    "the input receives g - softmax(x) * sum(g) along the axis",
    reads=(),
    saves_output=True,
)
def LOG_SOFTMAX(node: Node, g: Tensor) -> tuple:
    from .elementwise import exp

    probs = exp(_from_node(node.saved, node))  # e^(ln softmax(x)), still differentiable
    return (g - probs * g.sum(node.attrs, keepdims=True),)


@LOG_SOFTMAX.on_arrays
def _log_softmax_arrays(node: Node, g: np.ndarray) -> tuple:
    probs = np.exp(node.saved) * np.add.reduce(g, axis=node.attrs, keepdims=True)  # (promotes)
    return (np.subtract(g, probs, out=probs),)


def softmax(x: Any, axis: int | None = None, *, dim: int | None = None) -> Tensor:
    """e^x / sum(e^x) along ``axis``/``dim`` (default -1), shifted by the max so it never
    overflows."""
    x = _t(x)
    axis = _softmax_axis(x, axis, dim, "softmax")
    e = np.exp(x.data - np.max(x.data, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)  # z = e^x / sum e^x
    return record(SOFTMAX, out, (x,), out, axis)


@gate(
    "softmax",
    "the input receives s * (g - sum(g * s)) along the axis, s the output",
    reads=(),
    saves_output=True,
)
def SOFTMAX(node: Node, g: Tensor) -> tuple:
    s = _from_node(node.saved, node)  # the output, still differentiable
    return (s * (g - (g * s).sum(node.attrs, keepdims=True)),)


@SOFTMAX.on_arrays
def _softmax_arrays(node: Node, g: np.ndarray) -> tuple:
    s = node.saved
    local = g * s
    local -= s * np.add.reduce(local, axis=node.attrs, keepdims=True)
    return (local,)


def embedding(indices: Any, weight: Tensor) -> Tensor:
    """Rows of ``weight`` (num_embeddings, dim) picked by integer ``indices`` of any shape."""
    idx = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError(f"embedding: indices must be integers, got dtype {idx.dtype}")
    if weight.ndim != 2:
        raise ValueError(
            f"embedding: weight must be 2-D (num_embeddings, dim), got shape {weight.shape}"
        )
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):  # (negative indices are refused too)
        raise IndexError(
            f"embedding: index out of range [{idx.min()}, {idx.max()}] for {n} embeddings "
            f"(weight shape {weight.shape}; indices must be 0..{n - 1})"
        )
    out = weight.data[idx]  # z[...] = W[i[...]]
    return record(EMBEDDING, out, (weight,), None, idx)


@gate(
    "embedding", "scatter-adds: each used row receives the sum of its lookups' gradients", reads=()
)
def EMBEDDING(node: Node, g: Tensor) -> tuple:
    from .shape import index_add_into

    return (index_add_into(g, node.attrs, node.inputs[0].shape),)


def binary_cross_entropy(p: Any, y: Any) -> Tensor:
    """Elementwise -(y ln p + (1 - y) ln(1 - p)) for probabilities p, each log clamped at -100
    (PyTorch's convention), so p of exactly 0 or 1 gives a finite loss and a finite, correctly
    signed gradient (the composition through clip would give 0 there)."""
    from ._common import pair

    p, y = pair(p, y)
    _check_float(p, "binary_cross_entropy")
    if p.shape != y.shape:
        raise ValueError(
            f"binary_cross_entropy: input shape {p.shape} and target shape {y.shape} differ"
        )
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p.data), -100.0)
        log_q = np.maximum(np.log1p(-p.data), -100.0)
    out = (-(y.data * log_p + (1 - y.data) * log_q)).astype(
        p.dtype, copy=False
    )  # z = -[y ln p + (1-y) ln(1-p)]
    return record(BINARY_CROSS_ENTROPY, out, (p, y), None, None)


@gate(
    "binary_cross_entropy",
    "p receives g (p - y) / max(p (1 - p), 1e-12); y receives g (ln(1 - p) - ln p), logs clamped at -100",
)
def BINARY_CROSS_ENTROPY(node: Node, g: Tensor) -> tuple:
    from .elementwise import clip, log, maximum

    p, y = node.inputs
    gp = gy = None
    if p.requires_grad:
        gp = g * (p - y) / maximum(p * (1.0 - p), 1e-12)
    if y.requires_grad:
        with np.errstate(divide="ignore"):
            gy = g * (clip(log(1.0 - p), -100.0) - clip(log(p), -100.0))
    return gp, gy


# --- batch normalisation (training: batch statistics) ------------------------------------------
#
# One gate with the closed-form backward instead of the ~10 elementwise and reduction gates of the
# composition (``batch_norm_composed`` below, kept as the reference the tests compare it with).
# Statistics are per channel (axis 1) over every other axis. The kernels work on the (C, M) matrix
# of the input, M = N * spatial: free for the channel-major arrays the conv gates produce, whose
# layout the result keeps, so conv -> batch norm -> relu -> conv never transposes.


def _by_channel(a: np.ndarray) -> np.ndarray:
    """(N, C, *spatial) as the (C, M) matrix (a view when channel-major; else one copy)."""
    return np.moveaxis(a, 1, 0).reshape(a.shape[1], -1)


def _from_channels(m: np.ndarray, shape: tuple) -> np.ndarray:
    """The inverse of ``_by_channel``: a (C, M) array as an (N, C, *spatial) view."""
    return np.moveaxis(m.reshape((shape[1], shape[0], *shape[2:])), 0, 1)


# sum over the last axis of a * b, row by row, without the product array: one BLAS dot per row
_rowdot: Any = getattr(np, "vecdot", None) or (lambda a, b: np.einsum("ij,ij->i", a, b))


def _check_batch_norm(x: Tensor, weight: Tensor | None, bias: Tensor | None) -> None:
    _check_float(x, "batch_norm")
    if x.ndim < 2:
        raise ValueError(f"batch_norm: expects input of shape (N, C, ...), got {x.shape}")
    c = x.shape[1]
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.shape != (c,):
            raise ValueError(
                f"batch_norm: {name} of shape {t.shape} does not match the {c} channels of "
                f"input {x.shape} (expected ({c},))"
            )
    if x.numel() <= c:
        raise ValueError(
            "batch_norm: expected more than 1 value per channel when training, got input of "
            f"shape {x.shape}"
        )


@half_in_float32
def batch_norm_train(
    x: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5
) -> tuple[Tensor, np.ndarray, np.ndarray]:
    """Batch normalisation with the batch's own statistics (training mode), as one gate:
    ``(x - mean) / sqrt(var + eps) * weight + bias`` per channel (axis 1), mean and biased
    variance over every other axis. Returns the output and the batch mean and biased variance
    (arrays, per channel: for running statistics, outside the graph)."""
    x = _t(x)
    weight = None if weight is None else _t(weight)
    bias = None if bias is None else _t(bias)
    _check_batch_norm(x, weight, bias)
    xm = _by_channel(x.data)
    m = xm.shape[1]
    ones = np.ones(m, dtype=xm.dtype)
    mean = (xm @ ones) / m  # per-channel sums as one GEMV: a third of np.sum's time
    xc = np.subtract(xm, mean[:, None])  # x - mean: kept for the backward
    var = _rowdot(xc, xc) / m  # biased: the batch's own spread (a dot per row, no x^2 array)
    invstd = 1.0 / np.sqrt(var + eps)
    scale = invstd if weight is None else invstd * weight.data
    out = np.multiply(xc, scale[:, None])  # z = x^ * w + b, x^ = (x - mean) / sqrt(var + eps)
    if bias is not None:
        out += bias.data[:, None]
    inputs = tuple(t for t in (x, weight, bias) if t is not None)
    attrs = (eps, weight is not None, bias is not None)
    res = record(BATCH_NORM, _from_channels(out, x.shape), inputs, (xc, invstd), attrs)
    return res, mean, var


def _unpack(node: Node) -> tuple:
    """The batch-norm node's (x, weight or None, bias or None)."""
    _, has_w, has_b = node.attrs
    x, rest = node.inputs[0], list(node.inputs[1:])
    w = rest.pop(0) if has_w else None
    b = rest.pop(0) if has_b else None
    return x, w, b


@gate(
    "batch_norm",
    "x receives w / sqrt(var + eps) * (g - mean(g) - x^ mean(g x^)) per channel; "
    "w receives sum(g x^); b receives sum(g)",
)
def BATCH_NORM(node: Node, g: Tensor) -> tuple:
    x, w, b = _unpack(node)
    eps = node.attrs[0]
    axes = (0, *range(2, x.ndim))
    bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    xc = x - x.mean(axes, keepdims=True)  # x^ again, from x itself: differentiable in x
    invstd = ((xc * xc).mean(axes, keepdims=True) + eps) ** -0.5
    xhat = xc * invstd
    gx = gw = gb = None
    if x.requires_grad:
        scale = invstd if w is None else invstd * w.reshape(bshape)
        gx = scale * (g - g.mean(axes, keepdims=True) - xhat * (g * xhat).mean(axes, keepdims=True))
    if w is not None and w.requires_grad:
        gw = (g * xhat).sum(axes)
    if b is not None and b.requires_grad:
        gb = g.sum(axes)
    return tuple(v for v, t in ((gx, x), (gw, w), (gb, b)) if t is not None)


@BATCH_NORM.on_arrays
def _batch_norm_arrays(node: Node, g: np.ndarray) -> tuple:
    x, w, b = _unpack(node)
    xc, invstd = node.saved  # x - mean, 1 / sqrt(var + eps), per channel
    gm = _by_channel(g)
    m = gm.shape[1]
    sum_g = gm @ np.ones(m, dtype=gm.dtype)
    sum_gx = _rowdot(gm, xc) * invstd  # sum(g x^), x^ = (x - mean) invstd
    gx = None
    if x.requires_grad:  # k (g - sum_g / m - x^ sum_gx / m), k = w / sqrt(var + eps)
        k = invstd if w is None else invstd * w.data
        gx = np.multiply(xc, (-k * invstd * sum_gx / m)[:, None])
        gx += np.multiply(gm, k[:, None])
        gx += (-k * sum_g / m)[:, None]
        gx = _from_channels(gx, x.shape)
    grads = [gx]
    if w is not None:
        grads.append(sum_gx if w.requires_grad else None)
    if b is not None:
        grads.append(sum_g if b.requires_grad else None)
    return tuple(grads)


BATCH_NORM.fresh_views = True  # gx is the (N, C, ...) view of the array the rule just made


def batch_norm_composed(x: Any, weight: Any = None, bias: Any = None, eps: float = 1e-5) -> Tensor:
    """The same training-mode batch normalisation composed from elementwise and reduction gates:
    the readable reference ``batch_norm_train`` is tested against."""
    x = _t(x)
    axes = (0, *range(2, x.ndim))
    bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    xc = x - x.mean(axes, keepdims=True)
    out = xc * ((xc * xc).mean(axes, keepdims=True) + eps) ** -0.5
    if weight is not None:
        out = out * _t(weight).reshape(bshape)
    if bias is not None:
        out = out + _t(bias).reshape(bshape)
    return out
