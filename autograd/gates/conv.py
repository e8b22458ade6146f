"""Convolution and pooling gates, 1-D (N, C, L) and 2-D (N, C, H, W), with PyTorch's semantics.

Every kernel here is written once, for 2-D arrays: a 1-D input is viewed as an image of height 1
(a free reshape), so conv1d and conv2d are two gate names over one implementation.

Convolution is one matrix product. ``_im2col`` lays the receptive fields out as
``cols[(c, i, j), (n, y, x)]`` so that ``out = W (O, C*kH*kW) @ cols`` is a single BLAS call for
the whole batch (one large GEMM runs about 1.3x faster than one per image). Its result is
channel-major, (O, N, H, W) in memory, and the gates hand it on as the (N, O, H, W) view of that
memory (like PyTorch's memory formats): elementwise gates and pools follow the layout they are
given, so a conv -> relu -> pool -> conv chain never transposes, and the next conv's im2col and
both gradient GEMMs read it in place.

Convolution is bilinear, so its gradients are convolutions again: the input gradient is a
transposed convolution (``conv_input_grad``; at stride 1 computed as a convolution of g with the
flipped kernel, elsewhere by col2im) and the weight gradient correlates the input with the
upstream gradient (``conv_weight_grad``). Both are gates, and the three rules refer only to each
other, so gradients of any order work. Pooling follows the same pattern: ``max_pool_grad`` (scatter
to each window's maximum) and ``max_pool_pick`` (gather from it) are each other's rules;
``avg_pool_grad`` (spread evenly) has average pooling as its rule.

Pool windows are visited as ``kH * kW`` strided slices of the (padded) input, one per kernel
offset; when kernel == stride (the common 2x2 pool) those slices are exactly the views
``x.reshape(N, C, Ho, k, Wo, k)[:, :, :, i, :, j]`` of the reshape trick, and the backward writes
each one once, no scatter and no ``np.add.at``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..graph import Node, gate, modes
from ..tensor import Tensor, _recorded, _wrap
from ._common import _t, record
from .elementwise import where

# --- arguments and geometry --------------------------------------------------------------------


def _ints(value: Any, nd: int, what: str, op: str, minimum: int) -> tuple[int, ...]:
    """An int or an nd-sequence of ints, each >= minimum, as an nd-tuple."""
    items = (value,) * nd if isinstance(value, (int, np.integer)) else tuple(value)
    if len(items) != nd or not all(isinstance(v, (int, np.integer)) for v in items):
        raise ValueError(f"{op}: {what} must be an int or {nd} ints, got {value!r}")
    if any(v < minimum for v in items):
        bound = "positive" if minimum == 1 else "non-negative"
        raise ValueError(f"{op}: {what} must be {bound}, got {value!r}")
    return tuple(int(v) for v in items)


class _Geo:
    """The shape arithmetic of one convolution or pooling, in 2-D terms (1-D: height 1).

    ``H, W``: input; ``Hp, Wp``: padded input; ``Ho, Wo``: output.
    """

    __slots__ = ("nd", "k", "s", "p", "d", "H", "W", "Hp", "Wp", "Ho", "Wo")

    def __init__(self, nd: int, spatial: tuple, k: tuple, s: tuple, p: tuple, d: tuple) -> None:
        if nd == 1:  # a 1-D signal is an image of height 1
            spatial, k, s, p, d = (1, *spatial), (1, *k), (1, *s), (0, *p), (1, *d)
        self.nd = nd
        self.k, self.s, self.p, self.d = k, s, p, d
        self.H, self.W = spatial
        self.Hp, self.Wp = self.H + 2 * p[0], self.W + 2 * p[1]
        self.Ho = (self.Hp - d[0] * (k[0] - 1) - 1) // s[0] + 1  # the course's (W - F + 2P)/S + 1
        self.Wo = (self.Wp - d[1] * (k[1] - 1) - 1) // s[1] + 1

    def args(self) -> str:
        """The hyper-parameters as the user gave them, for error messages."""
        cut = slice(2 - self.nd, 2)
        return (
            f"kernel {self.k[cut]}, stride {self.s[cut]}, padding {self.p[cut]}, "
            f"dilation {self.d[cut]}"
        )


def _geometry(op: str, nd: int, x: Tensor, k: tuple, s: tuple, p: tuple, d: tuple) -> _Geo:
    geo = _Geo(nd, x.shape[2:], k, s, p, d)
    span_h = geo.d[0] * (geo.k[0] - 1) + 1
    span_w = geo.d[1] * (geo.k[1] - 1) + 1
    if span_h > geo.Hp or span_w > geo.Wp:
        padded = (geo.Wp,) if nd == 1 else (geo.Hp, geo.Wp)
        window = (span_w,) if nd == 1 else (span_h, span_w)
        raise ValueError(
            f"{op}: the window {window} is larger than the padded input {padded} "
            f"(input shape {x.shape}, {geo.args()})"
        )
    return geo


def _check_input(op: str, x: Tensor, nd: int) -> None:
    if x.ndim != nd + 2:
        layout = "(N, C, L)" if nd == 1 else "(N, C, H, W)"
        raise ValueError(f"{op}: expects a {nd + 2}-D input {layout}, got shape {x.shape}")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point input, got dtype {x.dtype}")


def _as4(a: np.ndarray) -> np.ndarray:
    """View a 3-D (N, C, L) array as (N, C, 1, L); 4-D arrays pass through."""
    return a[:, :, None, :] if a.ndim == 3 else a


def _cn_buffer(fill: Any, n: int, c: int, rows: int, cols: int, dtype: Any) -> np.ndarray:
    """A new (N, C, rows, cols) array stored channel-major. ``fill``: np.zeros/np.empty."""
    return fill((c, n, rows, cols), dtype=dtype).transpose(1, 0, 2, 3)


def _padded(x4: np.ndarray, geo: _Geo, value: float) -> np.ndarray:
    """``x4`` inside a channel-major buffer of Hp x Wp filled with ``value`` (``x4`` itself
    when there is no padding: the strided views below take any layout)."""
    (ph, pw), (h, w) = geo.p, (geo.H, geo.W)
    if ph == 0 and pw == 0:
        return x4
    n, c = x4.shape[:2]
    out = _cn_buffer(np.empty, n, c, geo.Hp, geo.Wp, x4.dtype)
    out[:, :, ph : ph + h, pw : pw + w] = x4
    out[:, :, :ph] = value  # only the border is filled: the inside was just written
    out[:, :, ph + h :] = value
    out[:, :, ph : ph + h, :pw] = value
    out[:, :, ph : ph + h, pw + w :] = value
    return out


def _windows(a: np.ndarray, geo: _Geo, i: int, j: int) -> np.ndarray:
    """The view of padded ``a`` that kernel offset (i, j) sees at every output position:
    ``v[n, c, y, x] = a[n, c, y*sH + i*dH, x*sW + j*dW]``. Writeable; it never touches one
    element twice, so ``+=`` through it is safe."""
    (sh, sw), (dh, dw) = geo.s, geo.d
    st = a.strides
    start = a[:, :, i * dh, j * dw :]  # a view whose first element is the window's origin
    shape = (a.shape[0], a.shape[1], geo.Ho, geo.Wo)
    return as_strided(start, shape, (*st[:2], st[2] * sh, st[3] * sw))


def _crop(a: np.ndarray, geo: _Geo) -> np.ndarray:
    """The unpadded region of a padded buffer (a view: copying it would cost a pass over the
    gradient for nothing), in the caller's rank."""
    (ph, pw), (h, w) = geo.p, (geo.H, geo.W)
    out = a[:, :, ph : ph + h, pw : pw + w]
    return out[:, :, 0, :] if geo.nd == 1 else out


# --- convolution kernels (NumPy) ---------------------------------------------------------------
#
# Each convolution is one im2col matrix and one GEMM for the whole batch; the forward's matrix is
# kept for the weight gradient (rebuilding it there costs about as much as that GEMM). The input
# gradient, computed as a convolution of g, builds its im2col a few images at a time in one
# reused buffer the size of the L2 cache (``_image_chunks``): at CIFAR scale the whole matrix is
# tens of MB, and that one is not kept. (Blocks for the forward as well were measured slower:
# they must still fill the kept matrix.)

_CHUNK_BYTES = 1 << 20  # one im2col block: about the L2 cache of a core


def _im2col(
    x4: np.ndarray, geo: _Geo, padded: bool = False, out: np.ndarray | None = None
) -> np.ndarray:
    """cols[(c, i, j), (n, y, x)] = padded x[n, c, y*sH + i*dH, x*sW + j*dW] (``padded``: x4 is
    already the padded input; ``out``: a contiguous buffer of exactly cols' size to fill)."""
    n, c = x4.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = geo.k, geo.s, geo.d
    xp = x4 if padded else _padded(x4, geo, 0.0)
    st = xp.strides
    shape = (c, kh, kw, n, geo.Ho, geo.Wo)
    view = as_strided(  # one strided view of every receptive field, copied once
        xp, shape, (st[1], st[2] * dh, st[3] * dw, st[0], st[2] * sh, st[3] * sw), writeable=False
    )
    if out is None:
        return view.reshape(c * kh * kw, n * geo.Ho * geo.Wo)
    np.copyto(out.reshape(shape), view)  # (a view: out is contiguous)
    return out.reshape(c * kh * kw, n * geo.Ho * geo.Wo)


def _image_chunks(n: int, rows: int, geo: _Geo, itemsize: int) -> list[slice]:
    """Batches of images whose im2col block (``rows`` x images*Ho*Wo) fits ``_CHUNK_BYTES``."""
    per_image = rows * geo.Ho * geo.Wo * itemsize
    b = max(1, min(n, _CHUNK_BYTES // max(1, per_image)))
    return [slice(s, min(n, s + b)) for s in range(0, n, b)]


def _cm(a4: np.ndarray) -> np.ndarray:
    """An (N, C, H, W) array as (C, N, H, W): free for the channel-major arrays made here."""
    return a4.transpose(1, 0, 2, 3)


def _gmat(g4: np.ndarray) -> np.ndarray:
    """An (N, O, Ho, Wo) gradient as the (O, N*Ho*Wo) matrix of the GEMMs."""
    n, o, ho, wo = g4.shape
    # free when g is channel-major, as these gates produce it; else one transposing copy
    return _cm(g4).reshape(o, n * ho * wo)


def _conv_kernel(
    x4: np.ndarray, w4: np.ndarray, b: np.ndarray | None, geo: _Geo, cols: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """z = W @ cols (+ b): one GEMM for the whole batch, channel-major (N, O, Ho, Wo); and cols."""
    n, o = x4.shape[0], w4.shape[0]
    if cols is None:
        cols = _im2col(x4, geo)
    out = w4.reshape(o, -1) @ cols  # z = W @ cols: the whole batch in one GEMM
    if b is not None:
        out += b[:, None]
    out = _cm(out.reshape(o, n, geo.Ho, geo.Wo))  # the (N, O, Ho, Wo) view of channel-major memory
    return (out[:, :, 0, :] if geo.nd == 1 else out), cols


def _conv_input_kernel(g4: np.ndarray, w4: np.ndarray, geo: _Geo) -> np.ndarray:
    """Transposed convolution: every output position sends g * W back to its receptive field.

    Stride 1 (and padding within the kernel's span): that is a convolution itself, of g padded by
    span - 1 - padding with the kernel flipped and its channel axes swapped; the im2col of g is a
    copy, where scattering into x would be kH*kW read-modify-write passes. That pays when g has
    no more channels than x (ResNet's blocks); with more (O > C) its im2col is the larger one and
    col2im is faster (measured on W4's second conv, 16 -> 32 channels). Other geometries:
    gcols = W^T @ g (one GEMM), added into x one kernel offset at a time (col2im; every view
    touches an element at most once, so there is no scatter)."""
    (o, c, kh, kw), n = w4.shape, g4.shape[0]
    (ph, pw), (dh, dw) = geo.p, geo.d
    span_h, span_w = dh * (kh - 1), dw * (kw - 1)
    dtype = np.result_type(g4, w4)
    if geo.s == (1, 1) and ph <= span_h and pw <= span_w and o <= c:
        flipped = w4[:, :, ::-1, ::-1].transpose(1, 0, 2, 3)  # (C, O, kH, kW)
        w2 = np.ascontiguousarray(flipped).reshape(c, -1)
        back = _Geo(2, (geo.Ho, geo.Wo), (kh, kw), (1, 1), (span_h - ph, span_w - pw), (dh, dw))
        gp = _padded(g4, back, 0.0)
        gx = np.empty((c, n, geo.H, geo.W), dtype=dtype)
        flat, hw = gx.reshape(c, -1), geo.H * geo.W
        parts = _image_chunks(n, w2.shape[1], back, g4.itemsize)
        buf = np.empty(w2.shape[1] * (parts[0].stop - parts[0].start) * hw, dtype=g4.dtype)
        for part in parts:  # one buffer for every block: a fresh array per block costs more
            cols = _im2col(gp[part], back, True, buf[: w2.shape[1] * (part.stop - part.start) * hw])
            np.matmul(w2, cols, out=flat[:, part.start * hw : part.stop * hw])
        gx = _cm(gx)
        return gx[:, :, 0, :] if geo.nd == 1 else gx
    gcols = w4.reshape(o, -1).T @ _gmat(g4)  # (C*kH*kW, N*Ho*Wo)
    gcols = gcols.reshape(c, kh, kw, n, geo.Ho, geo.Wo)
    gx = _cn_buffer(np.zeros, n, c, geo.Hp, geo.Wp, gcols.dtype)
    for i in range(kh):
        for j in range(kw):
            view = _windows(gx, geo, i, j)
            view += _cm(gcols[:, i, j])
    return _crop(gx, geo)


def _conv_weight_kernel(
    x4: np.ndarray, g4: np.ndarray, geo: _Geo, cols: np.ndarray | None = None
) -> np.ndarray:
    """dW = g @ cols^T: one GEMM over the whole batch (``cols``: the forward's, when kept)."""
    if cols is None:
        cols = _im2col(x4, geo)
    return _gmat(g4) @ cols.T  # (O, C*kH*kW)


# --- convolution gates -------------------------------------------------------------------------


def _conv_record(x: Tensor, w: Tensor, b: Tensor | None, geo: _Geo, cols: Any = None) -> Tensor:
    """Run and record the conv gate for already-checked operands."""
    out, cols = _conv_kernel(_as4(x.data), _as4(w.data), None if b is None else b.data, geo, cols)
    inputs = (x, w) if b is None else (x, w, b)
    if x.requires_grad or w.requires_grad or (b is not None and b.requires_grad):
        saved = cols if w.requires_grad else None  # the weight gradient's other operand
        return _recorded(_CONV[geo.nd], out, inputs, saved, geo)
    return _wrap(out)


def _conv(
    op: str, nd: int, x: Any, weight: Any, bias: Any, stride: Any, padding: Any, dilation: Any
) -> Tensor:
    x, w = _t(x), _t(weight)
    unbatched = x.ndim == nd + 1
    if unbatched:  # PyTorch also takes a single (C, ...) sample
        x = x.reshape((1, *x.shape))
    _check_input(op, x, nd)
    if w.ndim != nd + 2:
        layout = "(out_ch, in_ch, kW)" if nd == 1 else "(out_ch, in_ch, kH, kW)"
        raise ValueError(f"{op}: expects a {nd + 2}-D weight {layout}, got shape {w.shape}")
    if 0 in w.shape:
        raise ValueError(f"{op}: the weight has a zero-size dimension (shape {w.shape})")
    if w.shape[1] != x.shape[1]:
        raise ValueError(
            f"{op}: input has {x.shape[1]} channels but the weight expects {w.shape[1]} "
            f"(input shape {x.shape}, weight shape {w.shape})"
        )
    if w.dtype != x.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} and weight dtype {w.dtype} differ")
    b = None
    if bias is not None:
        b = _t(bias)
        if b.shape != (w.shape[0],):
            raise ValueError(
                f"{op}: bias must have shape ({w.shape[0]},) for weight shape {w.shape}, "
                f"got {b.shape}"
            )
        if b.dtype != x.dtype:
            raise TypeError(f"{op}: input dtype {x.dtype} and bias dtype {b.dtype} differ")
    s = _ints(stride, nd, "stride", op, 1)
    p = _ints(padding, nd, "padding", op, 0)
    d = _ints(dilation, nd, "dilation", op, 1)
    geo = _geometry(op, nd, x, w.shape[2:], s, p, d)
    out = _conv_record(x, w, b, geo)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> Tensor:
    """1-D cross-correlation, PyTorch's ``conv1d``: x (N, C, L), weight (O, C, kW), bias (O,)
    -> (N, O, Lo) with ``Lo = (L + 2*padding - dilation*(kW-1) - 1) // stride + 1``."""
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation)


def conv2d(
    x: Any, weight: Any, bias: Any = None, stride: Any = 1, padding: Any = 0, dilation: Any = 1
) -> Tensor:
    """2-D cross-correlation, PyTorch's ``conv2d``: x (N, C, H, W), weight (O, C, kH, kW),
    bias (O,) -> (N, O, Ho, Wo), ``Ho = (H + 2*pH - dH*(kH-1) - 1) // sH + 1`` (likewise Wo).
    stride, padding and dilation are an int or a pair.

    >>> conv2d(zeros(8, 3, 32, 32), zeros(16, 3, 5, 5), padding=2, stride=1).shape
    (8, 16, 32, 32)
    """
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation)


def _conv_rule(node: Node, g: Tensor) -> tuple:
    x, w = node.inputs[0], node.inputs[1]
    geo = node.attrs
    gx = conv_input_grad(g, w, geo) if x.requires_grad else None
    gw = conv_weight_grad(x, g, geo, node.saved) if w.requires_grad else None
    if len(node.inputs) == 2:
        return gx, gw
    b = node.inputs[2]
    gb = g.sum(axis=(0, 2) if geo.nd == 1 else (0, 2, 3)) if b.requires_grad else None
    return gx, gw, gb


def _conv_arrays(node: Node, g: np.ndarray) -> tuple:
    """The same rule on arrays: the two gradient kernels, and the bias's sum, straight."""
    x, w = node.inputs[0], node.inputs[1]
    geo = node.attrs
    g4 = _as4(g)
    gx = _conv_input_kernel(g4, _as4(w.data), geo) if x.requires_grad else None
    gw = None
    if w.requires_grad:
        gw = _conv_weight_kernel(_as4(x.data), g4, geo, node.saved).reshape(w.shape)
    if len(node.inputs) == 2:
        return gx, gw
    gb = np.add.reduce(_gmat(g4), axis=1) if node.inputs[2].requires_grad else None
    return gx, gw, gb


_CONV_RULE = (
    "correlates: x receives the transposed convolution of g with W (conv_input_grad), "
    "W receives x correlated with g (conv_weight_grad), the bias receives g summed over "
    "batch and positions"
)
_CONV = {
    1: gate("conv1d", _CONV_RULE)(_conv_rule),
    2: gate("conv2d", _CONV_RULE)(_conv_rule),
}
CONV1D, CONV2D = _CONV[1], _CONV[2]
for _gate in (CONV1D, CONV2D):
    _gate.on_arrays(_conv_arrays)
    _gate.fresh_views = True  # gx may be a view (a crop, channel-major) of an array it just made


def conv_input_grad(g: Tensor, w: Tensor, geo: _Geo) -> Tensor:
    """The gradient of a convolution with respect to its input (a transposed convolution of
    ``g`` with ``w``), as a gate: convolution's rule for x, itself differentiable."""
    out = _conv_input_kernel(_as4(g.data), _as4(w.data), geo)  # dx = sum of g W per window
    return record(CONV_INPUT_GRAD, out, (g, w), None, geo)


@gate(
    "conv_input_grad",
    "adjoint of conv: g receives conv(h, W), W receives conv_weight_grad(h, g)",
)
def CONV_INPUT_GRAD(node: Node, h: Tensor) -> tuple:
    g, w = node.inputs
    geo = node.attrs
    gg = _conv_record(h, w, None, geo) if g.requires_grad else None
    gw = conv_weight_grad(h, g, geo) if w.requires_grad else None
    return gg, gw


def conv_weight_grad(x: Tensor, g: Tensor, geo: _Geo, cols: Any = None) -> Tensor:
    """The gradient of a convolution with respect to its weight (x correlated with ``g``), as a
    gate. ``cols`` is the forward's im2col matrix of x, when it was kept."""
    w_shape = (g.shape[1], x.shape[1], *geo.k[2 - geo.nd :])
    out = _conv_weight_kernel(_as4(x.data), _as4(g.data), geo, cols).reshape(w_shape)
    return record(CONV_WEIGHT_GRAD, out, (x, g), cols, geo)


@gate(
    "conv_weight_grad",
    "bilinear in (x, g): x receives conv_input_grad(g, h), g receives conv(x, h)",
)
def CONV_WEIGHT_GRAD(node: Node, h: Tensor) -> tuple:
    x, g = node.inputs
    geo = node.attrs
    gx = conv_input_grad(g, h, geo) if x.requires_grad else None
    gg = _conv_record(x, h, None, geo, node.saved) if g.requires_grad else None
    return gx, gg


# --- pooling: shared ---------------------------------------------------------------------------


def _pool_geometry(
    op: str, nd: int, x: Tensor, kernel_size: Any, stride: Any, padding: Any
) -> _Geo:
    _check_input(op, x, nd)
    k = _ints(kernel_size, nd, "kernel_size", op, 1)
    s = k if stride is None else _ints(stride, nd, "stride", op, 1)
    p = _ints(padding, nd, "padding", op, 0)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(
            f"{op}: padding {padding!r} must be at most half the kernel size {kernel_size!r}"
        )
    return _geometry(op, nd, x, k, s, p, (1,) * nd)


def _pool_input(op: str, nd: int, x: Any) -> tuple[Tensor, bool]:
    x = _t(x)
    unbatched = x.ndim == nd + 1
    return (x.reshape((1, *x.shape)) if unbatched else x), unbatched


def _offsets(geo: _Geo) -> list[tuple[int, int]]:
    return [(i, j) for i in range(geo.k[0]) for j in range(geo.k[1])]


def _tiles(geo: _Geo) -> bool:
    """Do the windows cover the padded input exactly once (kernel == stride, nothing left)?"""
    return geo.k == geo.s and geo.Ho * geo.s[0] == geo.Hp and geo.Wo * geo.s[1] == geo.Wp


def _disjoint(geo: _Geo) -> bool:
    return geo.s[0] >= geo.k[0] and geo.s[1] >= geo.k[1]


def _spread(piece: Any, geo: _Geo, n: int, c: int, dtype: Any) -> np.ndarray:
    """An input-shaped gradient made of one output-shaped piece per kernel offset:
    ``piece(offset, out)`` writes the piece for ``offset`` into ``out``. When windows do not
    overlap (the common kernel == stride) each piece is written straight into its slice of the
    result; otherwise it is computed aside and accumulated."""
    gx = _cn_buffer(np.empty if _tiles(geo) else np.zeros, n, c, geo.Hp, geo.Wp, dtype)
    disjoint = _disjoint(geo)
    scratch = None if disjoint else _cn_buffer(np.empty, n, c, geo.Ho, geo.Wo, dtype)
    for off, (i, j) in enumerate(_offsets(geo)):
        view = _windows(gx, geo, i, j)
        if disjoint:
            piece(off, view)
        else:
            piece(off, scratch)
            view += scratch
    return _crop(gx, geo)


# --- max pooling -------------------------------------------------------------------------------


def _max_pool(op: str, nd: int, x: Any, kernel_size: Any, stride: Any, padding: Any) -> Tensor:
    x, unbatched = _pool_input(op, nd, x)
    geo = _pool_geometry(op, nd, x, kernel_size, stride, padding)
    recording = x.requires_grad and modes().enabled  # (no index array to keep otherwise)
    out, idx = _max_pool_kernel(x.data, geo, recording)
    if geo.nd == 1:
        out = out[:, :, 0, :]
    if recording:
        res = _recorded(_MAX_POOL[nd], out, (x,), idx, geo)
    else:
        res = _wrap(out)
    return res.reshape(res.shape[1:]) if unbatched else res


def _max_pool_kernel(x: np.ndarray, geo: _Geo, routing: bool) -> tuple[np.ndarray, Any]:
    """The window maxima, and (with ``routing``) the row-major offset of each window's first
    maximum: the last offset at which the running maximum strictly grew. Offsets only increase,
    so that is a running ``max`` of ``offset * grew`` (uint8 when it fits: cheap to keep)."""
    xp = _padded(_as4(x), geo, -np.inf)
    kk = geo.k[0] * geo.k[1]
    out = idx = None
    for off, (i, j) in enumerate(_offsets(geo)):
        v = _windows(xp, geo, i, j)
        if out is None:
            out = v.copy(order="K")  # keeps the input's layout (channel-major after a conv)
            if routing:
                idx = np.zeros_like(out, dtype=np.uint8 if kk <= 256 else np.intp)
            continue
        if routing:
            grew = v > out  # strictly: a tie keeps the earlier offset
            np.maximum(idx, grew * idx.dtype.type(off), out=idx)
        np.maximum(out, v, out=out)  # z = max over the window
    return out, idx


def max_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """Max over windows of (N, C, L); stride defaults to kernel_size; padding (at most half the
    kernel) pads with -inf. The gradient goes to the first maximum of each window."""
    return _max_pool("max_pool1d", 1, x, kernel_size, stride, padding)


def max_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """Max over windows of (N, C, H, W); kernel_size, stride (default: kernel_size) and padding
    (at most half the kernel, pads with -inf) are an int or a pair. The gradient goes to the
    first maximum of each window in row-major order."""
    return _max_pool("max_pool2d", 2, x, kernel_size, stride, padding)


def _max_pool_rule(node: Node, g: Tensor) -> tuple:
    return (max_pool_grad(g, node.saved, node.attrs),)


_MAX_RULE = (
    "routes: each window's gradient goes to its maximum; on ties, to the first one "
    "(row-major order in the window)"
)
_MAX_POOL = {
    1: gate("max_pool1d", _MAX_RULE, reads=())(_max_pool_rule),
    2: gate("max_pool2d", _MAX_RULE, reads=())(_max_pool_rule),
}
MAX_POOL1D, MAX_POOL2D = _MAX_POOL[1], _MAX_POOL[2]


def max_pool_grad(g: Tensor, idx: np.ndarray, geo: _Geo) -> Tensor:
    """Scatter ``g`` (pool-output shaped) to each window's recorded maximum ``idx`` (a
    max-unpooling), as a gate: the max-pool rule, itself differentiable."""
    g4 = _as4(g.data)

    def piece(off: int, out: np.ndarray) -> None:
        np.multiply(g4, idx == off, out=out)  # dx[first argmax of the window] = g

    out = _spread(piece, geo, g.shape[0], g.shape[1], g.dtype)
    return record(MAX_POOL_GRAD, out, (g,), idx, geo)


@gate("max_pool_grad", "gathers: g receives the upstream value at each window's maximum", reads=())
def MAX_POOL_GRAD(node: Node, h: Tensor) -> tuple:
    return (max_pool_pick(h, node.saved, node.attrs),)


def max_pool_pick(h: Tensor, idx: np.ndarray, geo: _Geo) -> Tensor:
    """From each window of ``h`` (input shaped), the value at its recorded maximum ``idx``."""
    hp = _padded(_as4(h.data), geo, 0.0)
    out = np.zeros_like(idx, dtype=h.dtype)
    for off, (i, j) in enumerate(_offsets(geo)):
        np.copyto(out, _windows(hp, geo, i, j), where=idx == off)  # z = h[argmax]
    if geo.nd == 1:
        out = out[:, :, 0, :]
    return record(MAX_POOL_PICK, out, (h,), idx, geo)


@gate(
    "max_pool_pick",
    "scatters: each window's maximum position receives the upstream gradient",
    reads=(),
)
def MAX_POOL_PICK(node: Node, g: Tensor) -> tuple:
    return (max_pool_grad(g, node.saved, node.attrs),)


# --- average and power-average pooling ---------------------------------------------------------


def _avg_pool_record(x: Tensor, geo: _Geo) -> Tensor:
    xp = _padded(_as4(x.data), geo, 0.0)
    out = None
    for i, j in _offsets(geo):
        v = _windows(xp, geo, i, j)
        out = v.copy(order="K") if out is None else np.add(out, v, out=out)
    out *= 1.0 / (geo.k[0] * geo.k[1])  # z = window mean, padding counted (count_include_pad)
    if geo.nd == 1:
        out = out[:, :, 0, :]
    if x.requires_grad:
        return _recorded(_AVG_POOL[geo.nd], out, (x,), None, geo)
    return _wrap(out)


def _avg_pool(op: str, nd: int, x: Any, kernel_size: Any, stride: Any, padding: Any) -> Tensor:
    x, unbatched = _pool_input(op, nd, x)
    geo = _pool_geometry(op, nd, x, kernel_size, stride, padding)
    res = _avg_pool_record(x, geo)
    return res.reshape(res.shape[1:]) if unbatched else res


def avg_pool1d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """Mean over windows of (N, C, L); zero padding counts in the mean (PyTorch's default
    ``count_include_pad=True``); stride defaults to kernel_size."""
    return _avg_pool("avg_pool1d", 1, x, kernel_size, stride, padding)


def avg_pool2d(x: Any, kernel_size: Any, stride: Any = None, padding: Any = 0) -> Tensor:
    """Mean over windows of (N, C, H, W); zero padding counts in the mean (PyTorch's default
    ``count_include_pad=True``); kernel_size, stride (default kernel_size), padding: int or pair."""
    return _avg_pool("avg_pool2d", 2, x, kernel_size, stride, padding)


def _avg_pool_rule(node: Node, g: Tensor) -> tuple:
    return (avg_pool_grad(g, node.attrs),)


_AVG_RULE = "spreads: each window's gradient is shared equally by its kernel positions"
_AVG_POOL = {
    1: gate("avg_pool1d", _AVG_RULE, reads=())(_avg_pool_rule),
    2: gate("avg_pool2d", _AVG_RULE, reads=())(_avg_pool_rule),
}
AVG_POOL1D, AVG_POOL2D = _AVG_POOL[1], _AVG_POOL[2]


def avg_pool_grad(g: Tensor, geo: _Geo) -> Tensor:
    """Spread ``g`` (pool-output shaped) evenly over each window (the adjoint of avg pooling),
    as a gate: the avg-pool rule, itself differentiable."""
    share = _as4(g.data) * (1.0 / (geo.k[0] * geo.k[1]))  # dx = g / window size, per window

    def piece(off: int, out: np.ndarray) -> None:
        np.copyto(out, share)

    out = _spread(piece, geo, g.shape[0], g.shape[1], g.dtype)
    return record(AVG_POOL_GRAD, out, (g,), None, geo)


@gate(
    "avg_pool_grad", "averages: g receives the average pooling of the upstream gradient", reads=()
)
def AVG_POOL_GRAD(node: Node, h: Tensor) -> tuple:
    return (_avg_pool_record(h, node.attrs),)


def _lp_pool(
    op: str, nd: int, x: Any, norm_type: float, kernel_size: Any, stride: Any, padding: Any
) -> Tensor:
    x, unbatched = _pool_input(op, nd, x)
    if not norm_type > 0:
        raise ValueError(f"{op}: norm_type must be positive, got {norm_type!r}")
    geo = _pool_geometry(op, nd, x, kernel_size, stride, padding)
    size = geo.k[0] * geo.k[1]
    # composite: (mean of x^p over the window * window size)^(1/p) = (sum x^p)^(1/p)
    total = _avg_pool_record(x**norm_type, geo) * float(size)
    # A window summing to 0 gives 0 with gradient 0 (PyTorch's convention), not inf * 0 = NaN:
    # the root only sees a safe stand-in there, and `where` sends it no gradient.
    zero = total == 0.0
    root = where(zero, 1.0, total) ** (1.0 / norm_type)
    res = where(zero, 0.0, root)
    return res.reshape(res.shape[1:]) if unbatched else res


def lp_pool1d(
    x: Any, norm_type: float, kernel_size: Any, stride: Any = None, padding: Any = 0
) -> Tensor:
    """Power-average pooling over (N, C, L): ``(sum over the window of x^p)^(1/p)``."""
    return _lp_pool("lp_pool1d", 1, x, norm_type, kernel_size, stride, padding)


def lp_pool2d(
    x: Any, norm_type: float, kernel_size: Any, stride: Any = None, padding: Any = 0
) -> Tensor:
    """Power-average pooling over (N, C, H, W): ``(sum over the window of x^p)^(1/p)``; p = 2 is
    the course's L2 pooling. PyTorch's semantics: x^p is not taken in absolute value (odd p with
    a negative window sum gives NaN, like ``torch.nn.functional.lp_pool2d``), and a window whose
    sum is 0 has output 0 and gradient 0. A composition of pow, avg_pool2d, mul and where."""
    return _lp_pool("lp_pool2d", 2, x, norm_type, kernel_size, stride, padding)
