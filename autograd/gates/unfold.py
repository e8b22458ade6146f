"""``unfold`` (im2col as a public op) and ``fold`` (col2im), PyTorch's ``nn.functional`` forms:
each other's adjoints, so each gate's rule is the other gate, and gradients of any order work.

They share the convolution family's geometry and strided window views (``conv.py``): unfold is
the copy conv makes of its input before its one GEMM (laid out (N, C*kH*kW, L) here, as PyTorch
does), fold adds each column back into its window, one kernel offset at a time (every view
touches an element at most once, so there is no scatter).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..graph import Node, gate
from ..tensor import Tensor
from ._common import _t, record
from .conv import _check_input, _crop, _Geo, _geometry, _ints, _padded, _windows


def _args(op: str, kernel_size: Any, dilation: Any, padding: Any, stride: Any) -> tuple:
    return (
        _ints(kernel_size, 2, "kernel_size", op, 1),
        _ints(stride, 2, "stride", op, 1),
        _ints(padding, 2, "padding", op, 0),
        _ints(dilation, 2, "dilation", op, 1),
    )


def _unfold_kernel(x: np.ndarray, geo: _Geo) -> np.ndarray:
    """cols[n, (c, i, j), (y, x)] = padded x[n, c, y*sH + i*dH, x*sW + j*dW] (one copy)."""
    n, c = x.shape[:2]
    (kh, kw), (sh, sw), (dh, dw) = geo.k, geo.s, geo.d
    xp = _padded(x, geo, 0.0)
    st = xp.strides
    view = as_strided(
        xp,
        (n, c, kh, kw, geo.Ho, geo.Wo),
        (st[0], st[1], st[2] * dh, st[3] * dw, st[2] * sh, st[3] * sw),
        writeable=False,
    )
    cols = view.reshape(n, c * kh * kw, geo.Ho * geo.Wo)
    # a 1x1 kernel at stride 1 without padding reshapes to a view of x itself: outputs own memory
    return cols.copy() if np.may_share_memory(cols, x) else cols


def _fold_kernel(cols: np.ndarray, geo: _Geo) -> np.ndarray:
    """The adjoint: each column added back into its window of a zero (N, C, H, W) image."""
    n = cols.shape[0]
    kh, kw = geo.k
    c = cols.shape[1] // (kh * kw)
    blocks = cols.reshape(n, c, kh, kw, geo.Ho, geo.Wo)
    out = np.zeros((n, c, geo.Hp, geo.Wp), dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            view = _windows(out, geo, i, j)
            view += blocks[:, :, i, j]  # z[window(y, x)] += cols[(c, i, j), (y, x)]
    return _crop(out, geo)


def unfold(
    x: Any, kernel_size: Any, dilation: Any = 1, padding: Any = 0, stride: Any = 1
) -> Tensor:
    """Extract sliding blocks (im2col): x (N, C, H, W) -> (N, C*kH*kW, L), L = Ho*Wo the
    number of block positions (the conv output size formula); column l holds the block at
    position l, channel-major then row-major within the kernel. A (C, H, W) sample gives
    (C*kH*kW, L). ``conv2d(x, w) == (w.reshape(O, -1) @ unfold(x, k)).reshape(N, O, Ho, Wo)``.
    The gradient is ``fold`` of the upstream gradient (overlapping blocks add)."""
    op = "unfold"
    x = _t(x)
    unbatched = x.ndim == 3
    if unbatched:
        x = x.reshape((1, *x.shape))
    _check_input(op, x, 2)
    k, s, p, d = _args(op, kernel_size, dilation, padding, stride)
    geo = _geometry(op, 2, x, k, s, p, d)
    res = _unfold_record(x, geo)
    return res.reshape(res.shape[1:]) if unbatched else res


def _unfold_record(x: Tensor, geo: _Geo) -> Tensor:
    return record(UNFOLD, _unfold_kernel(x.data, geo), (x,), None, geo)


@gate("unfold", "the adjoint of fold: the input receives fold(g) (overlaps add)", reads=())
def UNFOLD(node: Node, g: Tensor) -> tuple:
    return (_fold_record(g, node.attrs),)


def fold(
    x: Any,
    output_size: Any,
    kernel_size: Any,
    dilation: Any = 1,
    padding: Any = 0,
    stride: Any = 1,
) -> Tensor:
    """Combine sliding blocks into an image (col2im), the adjoint of ``unfold``:
    x (N, C*kH*kW, L) -> (N, C, H, W) for ``output_size`` (H, W), each block added into its
    window (overlapping blocks add; padding is cut away). L must equal the number of block
    positions of (H, W). A (C*kH*kW, L) input gives (C, H, W). The gradient is ``unfold``."""
    op = "fold"
    x = _t(x)
    unbatched = x.ndim == 2
    if unbatched:
        x = x.reshape((1, *x.shape))
    if x.ndim != 3:
        raise ValueError(f"{op}: expects a 3-D input (N, C*kH*kW, L) or 2-D, got shape {x.shape}")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point input, got dtype {x.dtype}")
    k, s, p, d = _args(op, kernel_size, dilation, padding, stride)
    size = _ints(output_size, 2, "output_size", op, 1)
    if x.shape[1] % (k[0] * k[1]):
        raise ValueError(
            f"{op}: dimension 1 of input shape {x.shape} must be divisible by the kernel's "
            f"{k[0]} * {k[1]} = {k[0] * k[1]} positions (it holds C * kH * kW values)"
        )
    geo = _Geo(2, size, k, s, p, d)
    if geo.Ho < 1 or geo.Wo < 1:
        raise ValueError(
            f"{op}: the kernel {k} (dilation {d}) does not fit output_size {size} with padding {p}"
        )
    if x.shape[2] != geo.Ho * geo.Wo:
        raise ValueError(
            f"{op}: input shape {x.shape} has {x.shape[2]} blocks, but output_size {size} with "
            f"kernel {k}, stride {s}, padding {p}, dilation {d} has {geo.Ho} x {geo.Wo} = "
            f"{geo.Ho * geo.Wo} block positions"
        )
    res = _fold_record(x, geo)
    return res.reshape(res.shape[1:]) if unbatched else res


def _fold_record(x: Tensor, geo: _Geo) -> Tensor:
    return record(FOLD, _fold_kernel(x.data, geo), (x,), None, geo)


@gate("fold", "the adjoint of unfold: the input receives unfold(g), block by block", reads=())
def FOLD(node: Node, g: Tensor) -> tuple:
    return (_unfold_record(g, node.attrs),)


UNFOLD.fresh_views = True  # its rule's result (fold's) is the crop of an array it just made
