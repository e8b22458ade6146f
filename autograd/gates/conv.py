"""Convolution and pooling gates, 1-D (N, C, L) and 2-D (N, C, H, W), with PyTorch's semantics.

Every kernel here is written once, for 2-D arrays: a 1-D input is viewed as an image of height 1
(a free reshape), so conv1d and conv2d are two gate names over one implementation.

Convolution is a matrix product. ``_im2col`` lays the receptive fields out as
``cols[(c, i, j), (n, y, x)]`` so that ``out = W (O, C*kH*kW) @ cols``: the readable general form,
one BLAS call for the whole batch. At stride 1 (nearly every convolution, and every input
gradient computed as one) ``conv_rows`` does the same product over padded rows a few images at a
time in a cache-sized buffer, with long contiguous copies and nothing im2col-sized kept; the
tests hold it to the general form. The result is channel-major, (O, N, H, W) in memory, and the
gates hand it on as the (N, O, H, W) view of that memory (like PyTorch's memory formats):
elementwise gates and pools follow the layout they are given, so a conv -> relu -> pool -> conv
chain never transposes, and the next conv reads it in place.

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

from ..graph import OTHERS, PAIR, Node, gate, modes
from ..tensor import Tensor, _recorded, _wrap
from . import conv_rows
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

    ``H, W``: input; ``Hp, Wp``: padded input; ``Ho, Wo``: output; ``groups``: a grouped
    convolution's number of channel groups; ``extra``: cells padded after the input (beyond
    ``p``) so that a pool's last, partial window fits (``ceil_mode``).
    """

    __slots__ = ("nd", "k", "s", "p", "d", "H", "W", "Hp", "Wp", "Ho", "Wo", "groups", "extra")

    def __init__(
        self, nd: int, spatial: tuple, k: tuple, s: tuple, p: tuple, d: tuple, groups: int = 1
    ) -> None:
        if nd == 1:  # a 1-D signal is an image of height 1
            spatial, k, s, p, d = (1, *spatial), (1, *k), (1, *s), (0, *p), (1, *d)
        self.nd = nd
        self.k, self.s, self.p, self.d = k, s, p, d
        self.groups = groups
        self.extra = (0, 0)
        self.H, self.W = spatial
        self.Hp, self.Wp = self.H + 2 * p[0], self.W + 2 * p[1]
        self.Ho = (self.Hp - d[0] * (k[0] - 1) - 1) // s[0] + 1  # the course's (W - F + 2P)/S + 1
        self.Wo = (self.Wp - d[1] * (k[1] - 1) - 1) // s[1] + 1

    def use_ceil(self) -> None:
        """PyTorch's ``ceil_mode``: round the output size up, keeping a last, partial window
        only if it starts inside the input or its left padding; pad after the input (``extra``,
        filled like the padding) so that window fits."""
        sizes, extra = [], []
        for n, pad, k, s, d, hp in zip(
            (self.H, self.W), self.p, self.k, self.s, self.d, (self.Hp, self.Wp)
        ):
            span = d * (k - 1) + 1
            out = -(-(hp - span) // s) + 1  # ceil((Hp - span) / s) + 1
            if (out - 1) * s >= n + pad:  # the last window would start in the right padding
                out -= 1
            sizes.append(out)
            extra.append(max(0, (out - 1) * s + span - hp))
        self.Ho, self.Wo = sizes
        self.extra = (extra[0], extra[1])
        self.Hp, self.Wp = self.Hp + extra[0], self.Wp + extra[1]

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
    if geo.Hp == h and geo.Wp == w:
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
# Each convolution is a GEMM over an im2col matrix. At stride 1 (every conv of a ResNet block and
# of the small CNNs, and the input gradient of each, itself a stride-1 convolution) the matrix is
# built over padded rows a few images at a time, in a buffer that stays in the cache
# (``conv_rows``), and only the padded input is kept for the weight gradient. Other strides take
# the readable general form below: one im2col matrix and one GEMM for the whole batch, the matrix
# kept for the weight gradient (rebuilding it there costs about as much as that GEMM). ``keep`` is
# whichever of the two the weight gradient needs.


def _im2col(x4: np.ndarray, geo: _Geo) -> np.ndarray:
    """cols[(c, i, j), (n, y, x)] = padded x[n, c, y*sH + i*dH, x*sW + j*dW]."""
    n, c = x4.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = geo.k, geo.s, geo.d
    xp = _padded(x4, geo, 0.0)
    st = xp.strides
    shape = (c, kh, kw, n, geo.Ho, geo.Wo)
    view = as_strided(  # one strided view of every receptive field, copied once
        xp, shape, (st[1], st[2] * dh, st[3] * dw, st[0], st[2] * sh, st[3] * sw), writeable=False
    )
    return view.reshape(c * kh * kw, n * geo.Ho * geo.Wo)


def _cm(a4: np.ndarray) -> np.ndarray:
    """An (N, C, H, W) array as (C, N, H, W): free for the channel-major arrays made here."""
    return a4.transpose(1, 0, 2, 3)


def _gmat(g4: np.ndarray) -> np.ndarray:
    """An (N, O, Ho, Wo) gradient as the (O, N*Ho*Wo) matrix of the GEMMs."""
    n, o, ho, wo = g4.shape
    # free when g is channel-major, as these gates produce it; else one transposing copy
    return _cm(g4).reshape(o, n * ho * wo)


# A grouped convolution (``groups`` G) joins block g of the input channels only to block g of the
# output channels: W and the im2col matrix are G blocks of rows, and each product below is
# np.matmul over a leading axis of G blocks (NumPy calls BLAS once per block: no Python loop over
# groups or channels). With G = 1 each is the plain 2-D product, the kernels' one GEMM.


def _grouped(a: np.ndarray, b: np.ndarray, groups: int, out: Any = None) -> np.ndarray:
    """Blockwise ``a_g @ b_g``: a (G*R, K) and b (G*K, M) -> (G*R, M) (into ``out``, if given)."""
    if groups == 1:
        return np.matmul(a, b, out=out)
    r, k = a.shape[0] // groups, a.shape[1]
    res = np.matmul(
        a.reshape(groups, r, k),
        b.reshape(groups, k, -1),
        out=None if out is None else out.reshape(groups, r, -1),  # (a view: it splits axis 0)
    )
    return res.reshape(groups * r, -1)


def _grouped_tn(a: np.ndarray, b: np.ndarray, groups: int) -> np.ndarray:
    """Blockwise ``a_g^T @ b_g``: a (G*R, K) and b (G*R, M) -> (G*K, M)."""
    if groups == 1:
        return a.T @ b
    r, k = a.shape[0] // groups, a.shape[1]
    blocks = np.matmul(a.reshape(groups, r, k).transpose(0, 2, 1), b.reshape(groups, r, -1))
    return blocks.reshape(groups * k, -1)


def _grouped_nt(a: np.ndarray, b: np.ndarray, groups: int) -> np.ndarray:
    """Blockwise ``a_g @ b_g^T``: a (G*R, M) and b (G*K, M) -> (G*R, K)."""
    if groups == 1:
        return a @ b.T
    r, k = a.shape[0] // groups, b.shape[0] // groups
    bt = b.reshape(groups, k, -1).transpose(0, 2, 1)
    return np.matmul(a.reshape(groups, r, -1), bt).reshape(groups * r, k)


# Grouped stride-1 convolutions take the row kernels too, one group after another, when each
# group's share of the im2col matrix is large enough (at least this many elements: 128 KiB of
# float32) to pay for the passes a group costs on its own; smaller groups run one im2col and one
# np.matmul over all G blocks. Measured with ``python -m benchmarks.grouped_conv`` and smaller
# shapes: per group 1.2-2.5x faster than one im2col above the bar (G=2 to depthwise at 32x32,
# batch 32), up to 14x slower far below it (depthwise, batch 1, 8x8, where a group is 576 cells).
_ROWS_MIN_GROUP_CELLS = 1 << 15


def _by_rows(geo: _Geo, n: int, channels: int) -> bool:
    """Whether the stride-1 row kernels (``conv_rows``) run a convolution of ``n`` images over
    ``channels`` input channels (all groups together) in this geometry."""
    if geo.s != (1, 1):
        return False
    cells = n * geo.Ho * geo.Wo * (channels // geo.groups) * geo.k[0] * geo.k[1]
    return geo.groups == 1 or cells >= _ROWS_MIN_GROUP_CELLS


def _conv_kernel(
    x4: np.ndarray, w4: np.ndarray, b: np.ndarray | None, geo: _Geo, keep: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """z = W @ cols (+ b), channel-major (N, O, Ho, Wo); and ``keep`` (x as the weight gradient
    needs it: the padded rows where the row kernels run (``_by_rows``), the im2col matrix
    otherwise; given when known)."""
    n, o = x4.shape[0], w4.shape[0]
    w2 = w4.reshape(o, -1)
    if _by_rows(geo, n, x4.shape[1]):
        keep = conv_rows.padded_flat(x4, geo) if keep is None else keep
        out = conv_rows.conv(keep, w2, b, geo, n, geo.groups)
    else:
        keep = _im2col(x4, geo) if keep is None else keep
        out = _conv_cols(keep, w2, b, geo, n)
    out = _cm(out)  # the (N, O, Ho, Wo) view of channel-major memory
    return (out[:, :, 0, :] if geo.nd == 1 else out), keep


def _conv_cols(
    cols: np.ndarray, w2: np.ndarray, b: np.ndarray | None, geo: _Geo, n: int
) -> np.ndarray:
    """The general form: z = W @ cols (+ b), one GEMM for the whole batch (one per group),
    (O, N, Ho, Wo)."""
    out = _grouped(w2, cols, geo.groups)
    if b is not None:
        out += b[:, None]
    return out.reshape(w2.shape[0], n, geo.Ho, geo.Wo)


def _conv_input_kernel(g4: np.ndarray, w4: np.ndarray, geo: _Geo) -> np.ndarray:
    """Transposed convolution: every output position sends g * W back to its receptive field.

    Stride 1 (and padding within the kernel's span): that is a convolution itself, of g padded by
    span - padding with the kernel flipped and its channel axes swapped, computed by the stride-1
    kernel (``conv_rows``, group by group); scattering into x would be kH*kW read-modify-write
    passes. Other geometries, and groups too thin for the row kernels: col2im
    (``_conv_input_col2im``). The windows must reach the padded input's end (as a convolution's
    always do; a transposed convolution's ``output_padding`` leaves cells no window covers) for
    the stride-1 form."""
    (o, cg, kh, kw), n, groups = w4.shape, g4.shape[0], geo.groups
    (ph, pw), (dh, dw) = geo.p, geo.d
    span_h, span_w = dh * (kh - 1), dw * (kw - 1)
    covered = geo.Ho + span_h == geo.Hp and geo.Wo + span_w == geo.Wp
    if not _by_rows(geo, n, o) or ph > span_h or pw > span_w or not covered:
        return _conv_input_col2im(g4, w4, geo)
    og = o // groups  # each group's kernel flipped, its channel axes swapped: (C, O/groups, kH, kW)
    flipped = w4.reshape(groups, og, cg, kh, kw)[:, :, :, ::-1, ::-1].transpose(0, 2, 1, 3, 4)
    w2 = np.ascontiguousarray(flipped).reshape(groups * cg, -1)
    back = _Geo(2, (geo.Ho, geo.Wo), (kh, kw), (1, 1), (span_h - ph, span_w - pw), (dh, dw))
    gx = _cm(conv_rows.conv(conv_rows.padded_flat(g4, back), w2, None, back, n, groups))
    return gx[:, :, 0, :] if geo.nd == 1 else gx


def _conv_input_col2im(g4: np.ndarray, w4: np.ndarray, geo: _Geo) -> np.ndarray:
    """The general form: gcols = W^T @ g (one GEMM, one per group), added into x one kernel
    offset at a time (every view touches an element at most once, so there is no scatter)."""
    (o, cg, kh, kw), n = w4.shape, g4.shape[0]
    c = cg * geo.groups
    gcols = _grouped_tn(w4.reshape(o, -1), _gmat(g4), geo.groups)  # (C*kH*kW, N*Ho*Wo)
    gcols = gcols.reshape(c, kh, kw, n, geo.Ho, geo.Wo)
    gx = _cn_buffer(np.zeros, n, c, geo.Hp, geo.Wp, gcols.dtype)
    for i in range(kh):
        for j in range(kw):
            view = _windows(gx, geo, i, j)
            view += _cm(gcols[:, i, j])
    return _crop(gx, geo)


def _conv_weight_kernel(
    x4: np.ndarray, g4: np.ndarray, geo: _Geo, keep: np.ndarray | None = None
) -> np.ndarray:
    """dW = g @ cols^T (O, C/groups*kH*kW) over the whole batch, one GEMM per group (``keep``:
    the forward's, when kept); where the row kernels run (``_by_rows``) over padded rows
    (``conv_rows``)."""
    if _by_rows(geo, x4.shape[0], x4.shape[1]):
        flat = conv_rows.padded_flat(x4, geo) if keep is None else keep
        return conv_rows.weight_grad(flat, g4, geo, geo.groups)
    cols = _im2col(x4, geo) if keep is None else keep
    return _grouped_nt(_gmat(g4), cols, geo.groups)  # the general form


# --- convolution gates -------------------------------------------------------------------------


def _conv_record(x: Tensor, w: Tensor, b: Tensor | None, geo: _Geo, keep: Any = None) -> Tensor:
    """Run and record the conv gate for already-checked operands."""
    out, keep = _conv_kernel(_as4(x.data), _as4(w.data), None if b is None else b.data, geo, keep)
    inputs = (x, w) if b is None else (x, w, b)
    if x.requires_grad or w.requires_grad or (b is not None and b.requires_grad):
        saved = keep if w.requires_grad else None  # the weight gradient's other operand
        return _recorded(_CONV[geo.nd], out, inputs, saved, geo)
    return _wrap(out)


def _conv_operands(
    op: str, nd: int, x: Any, weight: Any, bias: Any, groups: Any, transposed: bool
) -> tuple[Tensor, Tensor, Tensor | None, int, bool]:
    """Check a (transposed) convolution's operands: x (N, C, ...) or one (C, ...) sample, the
    weight (out, in/groups, k...) or, transposed, (in, out/groups, k...), the bias (out,).
    Returns x batched, weight, bias, groups, and whether x was unbatched."""
    x, w = _t(x), _t(weight)
    unbatched = x.ndim == nd + 1
    if unbatched:  # PyTorch also takes a single (C, ...) sample
        x = x.reshape((1, *x.shape))
    _check_input(op, x, nd)
    k = "kW" if nd == 1 else "kH, kW"
    layout = f"(in_ch, out_ch/groups, {k})" if transposed else f"(out_ch, in_ch/groups, {k})"
    if w.ndim != nd + 2:
        raise ValueError(f"{op}: expects a {nd + 2}-D weight {layout}, got shape {w.shape}")
    if 0 in w.shape:
        raise ValueError(f"{op}: the weight has a zero-size dimension (shape {w.shape})")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)) or groups < 1:
        raise ValueError(f"{op}: groups must be a positive int, got {groups!r}")
    groups = int(groups)
    c = x.shape[1]
    shapes = f"input shape {x.shape}, weight shape {w.shape} {layout}, groups {groups}"
    if c % groups:
        raise ValueError(
            f"{op}: groups {groups} does not divide the input's {c} channels ({shapes})"
        )
    if transposed:
        if w.shape[0] != c:
            raise ValueError(
                f"{op}: input has {c} channels but the weight has {w.shape[0]} input channels "
                f"({shapes})"
            )
        out_ch = w.shape[1] * groups
    else:
        if w.shape[0] % groups:
            raise ValueError(
                f"{op}: groups {groups} does not divide the weight's {w.shape[0]} output "
                f"channels ({shapes})"
            )
        if w.shape[1] * groups != c:
            per = f" per group x {groups} groups = {w.shape[1] * groups}" if groups > 1 else ""
            raise ValueError(
                f"{op}: input has {c} channels but the weight expects {w.shape[1]}{per} ({shapes})"
            )
        out_ch = w.shape[0]
    if w.dtype != x.dtype:
        raise TypeError(f"{op}: input dtype {x.dtype} and weight dtype {w.dtype} differ")
    b = None
    if bias is not None:
        b = _t(bias)
        if b.shape != (out_ch,):
            raise ValueError(
                f"{op}: bias must have shape ({out_ch},) for {out_ch} output channels ({shapes}), "
                f"got {b.shape}"
            )
        if b.dtype != x.dtype:
            raise TypeError(f"{op}: input dtype {x.dtype} and bias dtype {b.dtype} differ")
    return x, w, b, groups, unbatched


def _conv(
    op: str,
    nd: int,
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    dilation: Any,
    groups: Any = 1,
) -> Tensor:
    x, w, b, groups, unbatched = _conv_operands(op, nd, x, weight, bias, groups, False)
    s = _ints(stride, nd, "stride", op, 1)
    p = _ints(padding, nd, "padding", op, 0)
    d = _ints(dilation, nd, "dilation", op, 1)
    geo = _geometry(op, nd, x, w.shape[2:], s, p, d)
    geo.groups = groups
    out = _conv_record(x, w, b, geo)
    return out.reshape(out.shape[1:]) if unbatched else out


def conv1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """1-D cross-correlation, PyTorch's ``conv1d``: x (N, C, L), weight (O, C/groups, kW),
    bias (O,) -> (N, O, Lo) with ``Lo = (L + 2*padding - dilation*(kW-1) - 1) // stride + 1``.
    ``groups`` splits the channels as in ``conv2d``."""
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation, groups)


def conv2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    dilation: Any = 1,
    groups: int = 1,
) -> Tensor:
    """2-D cross-correlation, PyTorch's ``conv2d``: x (N, C, H, W), weight (O, C/groups, kH, kW),
    bias (O,) -> (N, O, Ho, Wo), ``Ho = (H + 2*pH - dH*(kH-1) - 1) // sH + 1`` (likewise Wo).
    stride, padding and dilation are an int or a pair. With ``groups`` G, the channels split into
    G blocks and output block g sees only input block g (G must divide C and O); ``groups = C``
    with O = m*C is the depthwise convolution (each channel its own m filters).

    >>> conv2d(zeros(8, 3, 32, 32), zeros(16, 3, 5, 5), padding=2, stride=1).shape
    (8, 16, 32, 32)
    """
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation, groups)


def _with_bias(node: Node, gx: Any, gw: Any, bias_grad: Any) -> tuple:
    """A (transposed) convolution's gradients, with the bias's (``bias_grad()``: g summed over
    the batch and positions) when the gate had a bias that requires grad."""
    if len(node.inputs) == 2:
        return gx, gw
    return gx, gw, (bias_grad() if node.inputs[2].requires_grad else None)


def _conv_rule(node: Node, g: Tensor) -> tuple:
    x, w = node.inputs[0], node.inputs[1]
    geo = node.attrs
    gx = conv_input_grad(g, w, geo) if x.requires_grad else None
    gw = conv_weight_grad(x, g, geo, node.saved) if w.requires_grad else None
    return _with_bias(node, gx, gw, lambda: g.sum(axis=(0, 2) if geo.nd == 1 else (0, 2, 3)))


def _conv_arrays(node: Node, g: np.ndarray) -> tuple:
    """The same rule on arrays: the two gradient kernels, and the bias's sum, straight."""
    x, w = node.inputs[0], node.inputs[1]
    geo = node.attrs
    g4 = _as4(g)
    gx = _conv_input_kernel(g4, _as4(w.data), geo) if x.requires_grad else None
    gw = None
    if w.requires_grad:
        gw = _conv_weight_kernel(_as4(x.data), g4, geo, node.saved).reshape(w.shape)
    return _with_bias(node, gx, gw, lambda: np.add.reduce(_gmat(g4), axis=1))


_CONV_RULE = (
    "correlates: x receives the transposed convolution of g with W (conv_input_grad), "
    "W receives x correlated with g (conv_weight_grad), the bias receives g summed over "
    "batch and positions"
)
_CONV = {
    1: gate("conv1d", _CONV_RULE, reads=PAIR)(_conv_rule),
    2: gate("conv2d", _CONV_RULE, reads=PAIR)(_conv_rule),
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
    reads=OTHERS,
)
def CONV_INPUT_GRAD(node: Node, h: Tensor) -> tuple:
    g, w = node.inputs
    geo = node.attrs
    gg = _conv_record(h, w, None, geo) if g.requires_grad else None
    gw = conv_weight_grad(h, g, geo) if w.requires_grad else None
    return gg, gw


def conv_weight_grad(x: Tensor, g: Tensor, geo: _Geo, keep: Any = None) -> Tensor:
    """The gradient of a convolution with respect to its weight (x correlated with ``g``), as a
    gate. ``keep`` is the forward's prepared x (padded rows or im2col matrix), when kept."""
    w_shape = (g.shape[1], x.shape[1] // geo.groups, *geo.k[2 - geo.nd :])
    out = _conv_weight_kernel(_as4(x.data), _as4(g.data), geo, keep).reshape(w_shape)
    return record(CONV_WEIGHT_GRAD, out, (x, g), keep, geo)


@gate(
    "conv_weight_grad",
    "bilinear in (x, g): x receives conv_input_grad(g, h), g receives conv(x, h)",
    reads=OTHERS,
)
def CONV_WEIGHT_GRAD(node: Node, h: Tensor) -> tuple:
    x, g = node.inputs
    geo = node.attrs
    gx = conv_input_grad(g, h, geo) if x.requires_grad else None
    gg = _conv_record(x, h, None, geo, node.saved) if g.requires_grad else None
    return gx, gg


# --- transposed convolution --------------------------------------------------------------------
#
# A transposed convolution is the adjoint of a convolution: its forward is conv's input gradient
# (each input position sends x * W to its window of the output), by the same kernel; its rule is
# a convolution (for x) and conv's weight gradient with the roles of x and g swapped (for W). Its
# geometry is that of the convolution it transposes, which maps the output (of size
# (L - 1) s - 2p + d (k - 1) + output_padding + 1) back to the input.


def _conv_transpose(
    op: str,
    nd: int,
    x: Any,
    weight: Any,
    bias: Any,
    stride: Any,
    padding: Any,
    output_padding: Any,
    groups: Any,
    dilation: Any,
) -> Tensor:
    x, w, b, groups, unbatched = _conv_operands(op, nd, x, weight, bias, groups, True)
    s = _ints(stride, nd, "stride", op, 1)
    p = _ints(padding, nd, "padding", op, 0)
    extra = _ints(output_padding, nd, "output_padding", op, 0)
    d = _ints(dilation, nd, "dilation", op, 1)
    if any(e >= si and e >= di for e, si, di in zip(extra, s, d)):
        raise ValueError(
            f"{op}: output_padding {output_padding!r} must be smaller than either the stride "
            f"{stride!r} or the dilation {dilation!r}"
        )
    k = w.shape[2:]
    size = tuple(
        (n - 1) * si - 2 * pi + di * (ki - 1) + ei + 1
        for n, si, pi, di, ki, ei in zip(x.shape[2:], s, p, d, k, extra)
    )
    if any(v <= 0 for v in size):
        raise ValueError(
            f"{op}: the output size {size} is not positive ((in - 1) * stride - 2 * padding + "
            f"dilation * (kernel - 1) + output_padding + 1 for input shape {x.shape}, kernel {k}, "
            f"stride {s}, padding {p}, dilation {d}, output_padding {extra})"
        )
    geo = _Geo(nd, size, k, s, p, d, groups)
    # output_padding adds cells after the last window: the convolution of `size` could fit one
    # window more there (where output_padding >= stride), but it is transposing x's windows
    geo.Wo = x.shape[-1]
    if nd == 2:
        geo.Ho = x.shape[2]
    out = _conv_input_kernel(_as4(x.data), _as4(w.data), geo)  # z = sum over windows of x W
    if b is not None:
        out += b.data[(slice(None),) + (None,) * nd]
    res = record(_CONV_T[nd], out, (x, w) if b is None else (x, w, b), None, geo)
    return res.reshape(res.shape[1:]) if unbatched else res


def conv_transpose1d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """PyTorch's ``conv_transpose1d`` (its argument order): x (N, C_in, L), weight
    (C_in, C_out/groups, kW), bias (C_out,) -> (N, C_out, Lo),
    ``Lo = (L - 1)*stride - 2*padding + dilation*(kW - 1) + output_padding + 1``: the gradient
    of ``conv1d`` with respect to its input, as a layer."""
    return _conv_transpose(
        "conv_transpose1d", 1, x, weight, bias, stride, padding, output_padding, groups, dilation
    )


def conv_transpose2d(
    x: Any,
    weight: Any,
    bias: Any = None,
    stride: Any = 1,
    padding: Any = 0,
    output_padding: Any = 0,
    groups: int = 1,
    dilation: Any = 1,
) -> Tensor:
    """PyTorch's ``conv_transpose2d`` (its argument order): x (N, C_in, H, W), weight
    (C_in, C_out/groups, kH, kW), bias (C_out,) -> (N, C_out, Ho, Wo),
    ``Ho = (H - 1)*sH - 2*pH + dH*(kH - 1) + output_padding + 1`` (likewise Wo): each input
    position adds ``x * W`` into its window of the output, so stride 2 upsamples by 2. The
    adjoint of ``conv2d`` with the same arguments; ``output_padding`` (smaller than the stride or
    the dilation) picks among the output sizes that convolve back to H.

    >>> conv_transpose2d(zeros(8, 16, 16, 16), zeros(16, 3, 4, 4), stride=2, padding=1).shape
    (8, 3, 32, 32)
    """
    return _conv_transpose(
        "conv_transpose2d", 2, x, weight, bias, stride, padding, output_padding, groups, dilation
    )


def _conv_transpose_rule(node: Node, g: Tensor) -> tuple:
    x, w = node.inputs[0], node.inputs[1]
    geo = node.attrs
    gx = _conv_record(g, w, None, geo) if x.requires_grad else None  # conv(g, W)
    gw = conv_weight_grad(g, x, geo) if w.requires_grad else None  # g correlated with x
    return _with_bias(node, gx, gw, lambda: g.sum(axis=(0, 2) if geo.nd == 1 else (0, 2, 3)))


def _conv_transpose_arrays(node: Node, g: np.ndarray) -> tuple:
    x, w = node.inputs[0], node.inputs[1]
    geo = node.attrs
    g4 = _as4(g)
    gx = _conv_kernel(g4, _as4(w.data), None, geo)[0] if x.requires_grad else None
    gw = None
    if w.requires_grad:
        gw = _conv_weight_kernel(g4, _as4(x.data), geo).reshape(w.shape)
    return _with_bias(node, gx, gw, lambda: np.add.reduce(_gmat(g4), axis=1))


_CONV_T_RULE = (
    "the adjoint of conv: x receives conv(g, W), W receives g correlated with x "
    "(conv_weight_grad), the bias receives g summed over batch and positions"
)
_CONV_T = {
    1: gate("conv_transpose1d", _CONV_T_RULE, reads=PAIR)(_conv_transpose_rule),
    2: gate("conv_transpose2d", _CONV_T_RULE, reads=PAIR)(_conv_transpose_rule),
}
for _gate in _CONV_T.values():
    _gate.on_arrays(_conv_transpose_arrays)
    _gate.fresh_views = True  # gx is the channel-major view of an array it just made


# --- pooling: shared ---------------------------------------------------------------------------


def _pool_geometry(
    op: str,
    nd: int,
    x: Tensor,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any = 1,
    ceil_mode: bool = False,
) -> _Geo:
    _check_input(op, x, nd)
    k = _ints(kernel_size, nd, "kernel_size", op, 1)
    s = k if stride is None else _ints(stride, nd, "stride", op, 1)
    p = _ints(padding, nd, "padding", op, 0)
    d = _ints(dilation, nd, "dilation", op, 1)
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ValueError(
            f"{op}: padding {padding!r} must be at most half the kernel size {kernel_size!r}"
        )
    if not ceil_mode:
        return _geometry(op, nd, x, k, s, p, d)
    geo = _Geo(nd, x.shape[2:], k, s, p, d)
    geo.use_ceil()  # (a window may overhang the padded input, if it starts inside it)
    if geo.Ho < 1 or geo.Wo < 1:
        _geometry(op, nd, x, k, s, p, d)  # raises: the window does not fit at all
    return geo


def _pool_input(op: str, nd: int, x: Any) -> tuple[Tensor, bool]:
    x = _t(x)
    unbatched = x.ndim == nd + 1
    return (x.reshape((1, *x.shape)) if unbatched else x), unbatched


def _offsets(geo: _Geo) -> list[tuple[int, int]]:
    return [(i, j) for i in range(geo.k[0]) for j in range(geo.k[1])]


def _tiles(geo: _Geo) -> bool:
    """Do the windows cover the padded input exactly once (kernel == stride, nothing left)?"""
    return (
        geo.k == geo.s
        and geo.d == (1, 1)
        and geo.Ho * geo.s[0] == geo.Hp
        and geo.Wo * geo.s[1] == geo.Wp
    )


def _disjoint(geo: _Geo) -> bool:
    """Do no two windows share an element (each stride at least the window's span)?"""
    return all(s >= d * (k - 1) + 1 for s, d, k in zip(geo.s, geo.d, geo.k))


def _channel_major(a4: np.ndarray) -> np.ndarray:
    """``a4`` (N, C, H, W) in channel-major memory, like the buffers ``_spread`` fills (a copy
    only when it is not): NumPy runs an operation whose operands disagree on their layout several
    times slower (max_pool_grad with g in (N, C) order and the indices channel-major: 3.3 ms
    against 1.0)."""
    return a4 if _cm(a4).flags.c_contiguous else _cm(np.ascontiguousarray(_cm(a4)))


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


def _max_pool(
    op: str,
    nd: int,
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    x, unbatched = _pool_input(op, nd, x)
    geo = _pool_geometry(op, nd, x, kernel_size, stride, padding, dilation, ceil_mode)
    recording = x.requires_grad and modes().enabled  # (no index array to keep otherwise)
    out, idx = _max_pool_kernel(x.data, geo, recording or return_indices)
    if geo.nd == 1:
        out = out[:, :, 0, :]
    if recording:
        res = _recorded(_MAX_POOL[nd], out, (x,), idx, geo)
    else:
        res = _wrap(out)
    res = res.reshape(res.shape[1:]) if unbatched else res
    if not return_indices:
        return res
    where = _flat_indices(idx, geo)
    return res, _wrap(where.reshape(res.shape))


def _flat_indices(idx: np.ndarray, geo: _Geo) -> np.ndarray:
    """Each window's maximum as PyTorch's ``return_indices`` gives it: its position in the
    flattened (unpadded) input plane, ``row * W + column`` (int64)."""
    (sh, sw), (ph, pw), (dh, dw), kw = geo.s, geo.p, geo.d, geo.k[1]
    i, j = np.divmod(idx.astype(np.int64), kw)
    rows = np.arange(geo.Ho)[:, None] * sh - ph + i * dh
    cols = np.arange(geo.Wo) * sw - pw + j * dw
    return rows * geo.W + cols


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


def max_pool1d(
    x: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over windows of (N, C, L); stride defaults to kernel_size; padding (at most half the
    kernel) pads with -inf. The gradient goes to the first maximum of each window. ``ceil_mode``,
    ``dilation`` and ``return_indices`` as in ``max_pool2d``."""
    return _max_pool(
        "max_pool1d", 1, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


def max_pool2d(
    x: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    dilation: Any = 1,
    ceil_mode: bool = False,
    return_indices: bool = False,
) -> Any:
    """Max over windows of (N, C, H, W); kernel_size, stride (default: kernel_size), padding
    (at most half the kernel, pads with -inf) and dilation (the gap between a window's taps) are
    an int or a pair. The gradient goes to the first maximum of each window in row-major order.
    ``ceil_mode`` rounds the output size up: a last, partial window is kept when it starts inside
    the input or its left padding (PyTorch's rule). ``return_indices`` also returns each
    maximum's position in the flattened input plane (``row * W + column``, int64), as PyTorch
    does."""
    return _max_pool(
        "max_pool2d", 2, x, kernel_size, stride, padding, dilation, ceil_mode, return_indices
    )


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
    g4, where = _channel_major(_as4(g.data)), _channel_major(_as4(idx))

    def piece(off: int, out: np.ndarray) -> None:
        np.multiply(g4, where == off, out=out)  # dx[first argmax of the window] = g

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


def _avg_scale(geo: _Geo, count_include_pad: bool = True, divisor_override: Any = None) -> Any:
    """1 / each window's divisor, PyTorch's rule: the window clipped to the padded input (the
    ``ceil_mode`` overhang never counts), or to the input alone without ``count_include_pad``.
    A float when every window has the full kernel size (the common case), else an (Ho, Wo)
    array."""
    if divisor_override is not None:
        return 1.0 / divisor_override
    counts = []
    for n, p, k, s, o in zip((geo.H, geo.W), geo.p, geo.k, geo.s, (geo.Ho, geo.Wo)):
        start = np.arange(o) * s - p
        end = np.minimum(start + k, n + p)
        if not count_include_pad:
            start, end = np.maximum(start, 0), np.minimum(end, n)
        counts.append(end - start)
    size = np.multiply.outer(counts[0], counts[1])
    if (size == geo.k[0] * geo.k[1]).all():
        return 1.0 / (geo.k[0] * geo.k[1])
    return 1.0 / size


def _avg_pool_record(x: Tensor, geo: _Geo, scale: Any = None) -> Tensor:
    """Window means (``scale``: 1 / each window's divisor, see ``_avg_scale``; by default
    1 / the kernel's size)."""
    if scale is None:
        scale = 1.0 / (geo.k[0] * geo.k[1])
    xp = _padded(_as4(x.data), geo, 0.0)
    out = None
    for i, j in _offsets(geo):
        v = _windows(xp, geo, i, j)
        out = v.copy(order="K") if out is None else np.add(out, v, out=out)
    out *= scale  # z = window sum / divisor (padding counted: count_include_pad)
    if geo.nd == 1:
        out = out[:, :, 0, :]
    if x.requires_grad:
        return _recorded(_AVG_POOL[geo.nd], out, (x,), None, (geo, scale))
    return _wrap(out)


def _avg_pool(
    op: str,
    nd: int,
    x: Any,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: Any = None,
) -> Tensor:
    x, unbatched = _pool_input(op, nd, x)
    geo = _pool_geometry(op, nd, x, kernel_size, stride, padding, 1, ceil_mode)
    if divisor_override is not None and (
        isinstance(divisor_override, bool)
        or not isinstance(divisor_override, (int, np.integer))
        or divisor_override < 1
    ):
        raise ValueError(f"{op}: divisor_override must be a positive int, got {divisor_override!r}")
    res = _avg_pool_record(x, geo, _avg_scale(geo, count_include_pad, divisor_override))
    return res.reshape(res.shape[1:]) if unbatched else res


def avg_pool1d(
    x: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
) -> Tensor:
    """Mean over windows of (N, C, L); stride defaults to kernel_size; ``ceil_mode`` and
    ``count_include_pad`` as in ``avg_pool2d``."""
    return _avg_pool("avg_pool1d", 1, x, kernel_size, stride, padding, ceil_mode, count_include_pad)


def avg_pool2d(
    x: Any,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
    count_include_pad: bool = True,
    divisor_override: int | None = None,
) -> Tensor:
    """Mean over windows of (N, C, H, W); kernel_size, stride (default kernel_size), padding:
    int or pair. PyTorch's divisors: zero padding counts in the mean (``count_include_pad=True``,
    the default) or not (False: each window divides by its cells inside the input);
    ``ceil_mode`` keeps a last, partial window (as in ``max_pool2d``), whose overhang past the
    padding never counts; ``divisor_override`` divides every window by that number instead."""
    return _avg_pool(
        "avg_pool2d",
        2,
        x,
        kernel_size,
        stride,
        padding,
        ceil_mode,
        count_include_pad,
        divisor_override,
    )


def _avg_pool_rule(node: Node, g: Tensor) -> tuple:
    return (avg_pool_grad(g, *node.attrs),)


_AVG_RULE = "spreads: each window's gradient is shared equally by its kernel positions"
_AVG_POOL = {
    1: gate("avg_pool1d", _AVG_RULE, reads=())(_avg_pool_rule),
    2: gate("avg_pool2d", _AVG_RULE, reads=())(_avg_pool_rule),
}
AVG_POOL1D, AVG_POOL2D = _AVG_POOL[1], _AVG_POOL[2]


def avg_pool_grad(g: Tensor, geo: _Geo, scale: Any = None) -> Tensor:
    """Spread ``g`` (pool-output shaped) evenly over each window (the adjoint of avg pooling;
    ``scale`` as in ``_avg_pool_record``), as a gate: the avg-pool rule, itself differentiable."""
    if scale is None:
        scale = 1.0 / (geo.k[0] * geo.k[1])
    share = (_channel_major(_as4(g.data)) * scale).astype(g.dtype, copy=False)  # g / divisor

    def piece(off: int, out: np.ndarray) -> None:
        np.copyto(out, share)

    out = _spread(piece, geo, g.shape[0], g.shape[1], g.dtype)
    return record(AVG_POOL_GRAD, out, (g,), None, (geo, scale))


@gate(
    "avg_pool_grad", "averages: g receives the average pooling of the upstream gradient", reads=()
)
def AVG_POOL_GRAD(node: Node, h: Tensor) -> tuple:
    return (_avg_pool_record(h, *node.attrs),)


def _lp_pool(
    op: str,
    nd: int,
    x: Any,
    norm_type: float,
    kernel_size: Any,
    stride: Any,
    padding: Any,
    ceil_mode: bool = False,
) -> Tensor:
    x, unbatched = _pool_input(op, nd, x)
    if not norm_type > 0:
        raise ValueError(f"{op}: norm_type must be positive, got {norm_type!r}")
    geo = _pool_geometry(op, nd, x, kernel_size, stride, padding, 1, ceil_mode)
    size = geo.k[0] * geo.k[1]
    # composite: (mean of x^p over the window * window size)^(1/p) = (sum x^p)^(1/p); a partial
    # ceil_mode window is scaled up to the kernel's size, as PyTorch's lp_pool does
    total = _avg_pool_record(x**norm_type, geo, _avg_scale(geo)) * float(size)
    # A window summing to 0 gives 0 with gradient 0 (PyTorch's convention), not inf * 0 = NaN:
    # the root only sees a safe stand-in there, and `where` sends it no gradient.
    zero = total == 0.0
    root = where(zero, 1.0, total) ** (1.0 / norm_type)
    res = where(zero, 0.0, root)
    return res.reshape(res.shape[1:]) if unbatched else res


def lp_pool1d(
    x: Any,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling over (N, C, L): ``(sum over the window of x^p)^(1/p)``."""
    return _lp_pool("lp_pool1d", 1, x, norm_type, kernel_size, stride, padding, ceil_mode)


def lp_pool2d(
    x: Any,
    norm_type: float,
    kernel_size: Any,
    stride: Any = None,
    padding: Any = 0,
    ceil_mode: bool = False,
) -> Tensor:
    """Power-average pooling over (N, C, H, W): ``(sum over the window of x^p)^(1/p)``; p = 2 is
    the course's L2 pooling. PyTorch's semantics: x^p is not taken in absolute value (odd p with
    a negative window sum gives NaN, like ``torch.nn.functional.lp_pool2d``), and a window whose
    sum is 0 has output 0 and gradient 0. A composition of pow, avg_pool2d, mul and where."""
    return _lp_pool("lp_pool2d", 2, x, norm_type, kernel_size, stride, padding, ceil_mode)
