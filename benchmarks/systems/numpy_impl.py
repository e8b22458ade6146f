"""Hand-written NumPy forward and backward for every workload: the floor for a NumPy engine.

Written the way a careful person would by hand: every GEMM in BLAS shape (``@`` on 2-D arrays,
transposes as views), in-place updates where the array is ours, the convolution as im2col through
``sliding_window_view`` in NHWC layout (so the window copy *is* the GEMM operand), and an input
gradient that is itself a convolution. Nothing here records a graph; each backward knows its model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided, sliding_window_view

from ..harness import Bench
from ..spec import (
    MOMENTUM,
    RESNET20_BLOCKS,
    W1_GATES,
    W2_ALPHA,
    WORKLOADS,
    resnet20_shapes,
)


def requirement() -> str | None:
    return None


def _sgd(params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
    for p, g in zip(params, grads):
        g *= lr
        p -= g


class _Momentum:
    """PyTorch's SGD with momentum (no dampening): buf = mu * buf + g; p -= lr * buf."""

    def __init__(self, params: list[np.ndarray], lr: float) -> None:
        self.params = params
        self.lr = lr
        self.bufs = [np.zeros_like(p) for p in params]

    def step(self, grads: list[np.ndarray]) -> None:
        for p, g, buf in zip(self.params, grads, self.bufs):
            buf *= MOMENTUM
            buf += g
            np.multiply(buf, self.lr, out=g)  # g is ours and no longer needed
            p -= g


def _xent(logits: np.ndarray, y: np.ndarray) -> tuple[np.float32, np.ndarray]:
    """Mean softmax cross-entropy and its gradient with respect to the logits."""
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    np.exp(shifted, out=logits)  # logits are ours: reuse them for e^shifted
    total = logits.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = (np.log(total[:, 0]) - shifted[rows, y]).mean()
    logits /= total  # softmax
    logits[rows, y] -= 1
    logits *= 1.0 / n
    return loss, logits


# --- W1: a chain of elementwise gates ----------------------------------------------------------


def w1(d: dict[str, np.ndarray]) -> Bench:
    x, a, b = d["x"], d["a"], d["b"]
    rounds = W1_GATES // 4

    def forward() -> Any:
        saved = []
        y = x
        for _ in range(rounds):
            y = y + a
            y = y * b
            y = np.maximum(y, 0)
            saved.append(y)  # relu output: its mask is y > 0
            y = np.tanh(y)
            saved.append(y)  # tanh output t: tanh' = 1 - t^2
        return y.sum(), saved

    def backward(h: Any) -> None:
        saved = h[1]
        g = np.ones_like(x)
        tmp = np.empty_like(x)
        for i in range(len(saved) - 1, 0, -2):
            np.multiply(saved[i], saved[i], out=tmp)
            np.subtract(1, tmp, out=tmp)
            g *= tmp  # tanh
            g *= saved[i - 1] > 0  # relu
            g *= b  # mul by b; add passes g through
        bench.state["grad"] = g  # d loss / d x

    bench = Bench(forward, backward, lambda h: float(h[0]))
    return bench


# --- W2: the micrograd demo ---------------------------------------------------------------------


def w2(d: dict[str, np.ndarray]) -> Bench:
    x, y = d["x"], d["y"][:, None]
    params = [d[k].copy() for k in ("w0", "b0", "w1", "b1", "w2", "b2")]
    lr = WORKLOADS["W2"].lr
    n = x.shape[0]

    def forward() -> Any:
        w0, b0, w1, b1, w2, b2 = params
        h1 = x @ w0.T
        h1 += b0
        np.maximum(h1, 0, out=h1)
        h2 = h1 @ w1.T
        h2 += b1
        np.maximum(h2, 0, out=h2)
        s = h2 @ w2.T
        s += b2
        margin = 1 - y * s  # max-margin: relu(1 - y * score)
        data_loss = np.maximum(margin, 0).mean()
        reg = sum(float(np.vdot(p, p)) for p in params)
        return data_loss + W2_ALPHA * reg, (h1, h2, margin)

    def backward(h: Any) -> None:
        h1, h2, margin = h[1]
        w0, b0, w1, b1, w2, b2 = params
        ds = (margin > 0) * (-y / n)  # d loss / d score, (n, 1)
        grads = [ds.T @ h2, ds.sum(0)]
        dh = ds @ w2
        dh *= h2 > 0
        grads = [dh.T @ h1, dh.sum(0), *grads]
        dh = dh @ w1
        dh *= h1 > 0
        grads = [dh.T @ x, dh.sum(0), *grads]
        for p, g in zip(params, grads):
            g += (2 * W2_ALPHA) * p  # the L2 term
        _sgd(params, grads, lr)

    return Bench(forward, backward, lambda h: float(h[0]))


# --- W3 and W6: the 784-512-256-10 MLP -----------------------------------------------------------


def _mlp_forward(params: list[np.ndarray], x: np.ndarray) -> tuple[np.ndarray, ...]:
    w0, b0, w1, b1, w2, b2 = params
    h1 = x @ w0.T
    h1 += b0
    np.maximum(h1, 0, out=h1)
    h2 = h1 @ w1.T
    h2 += b1
    np.maximum(h2, 0, out=h2)
    logits = h2 @ w2.T
    logits += b2
    return h1, h2, logits


def w3(d: dict[str, np.ndarray]) -> Bench:
    x, y = d["x"], d["y"]
    params = [d[k].copy() for k in ("w0", "b0", "w1", "b1", "w2", "b2")]
    opt = _Momentum(params, WORKLOADS["W3"].lr)

    def forward() -> Any:
        h1, h2, logits = _mlp_forward(params, x)
        loss, dlogits = _xent(logits, y)
        return loss, (h1, h2, dlogits)

    def backward(h: Any) -> None:
        h1, h2, dz = h[1]
        w1, w2 = params[2], params[4]
        gw2, gb2 = dz.T @ h2, dz.sum(0)
        dh = dz @ w2
        dh *= h2 > 0
        gw1, gb1 = dh.T @ h1, dh.sum(0)
        dh = dh @ w1
        dh *= h1 > 0
        gw0, gb0 = dh.T @ x, dh.sum(0)
        opt.step([gw0, gb0, gw1, gb1, gw2, gb2])

    return Bench(forward, backward, lambda h: float(h[0]))


def w6(d: dict[str, np.ndarray]) -> Bench:
    x = d["x"]
    params = [d[k] for k in ("w0", "b0", "w1", "b1", "w2", "b2")]
    return Bench(lambda: _mlp_forward(params, x)[2], value=lambda h: float(h.sum(dtype=np.float64)))


# --- W4: the CNN ---------------------------------------------------------------------------------


def _im2col(x: np.ndarray) -> np.ndarray:
    """(N, H, W, C) -> (N*H*W, 9*C): 3x3 windows of the zero-padded input (stride 1, pad 1),
    columns ordered (kh, kw, c) so that every copied run is a contiguous channel vector."""
    n, hgt, wid, c = x.shape
    xp = np.zeros((n, hgt + 2, wid + 2, c), dtype=x.dtype)
    xp[:, 1:-1, 1:-1] = x
    if c >= 8:  # one strided copy of the window view, channel runs contiguous
        win = sliding_window_view(xp, (3, 3), axis=(1, 2)).transpose(0, 1, 2, 4, 5, 3)
        return win.reshape(n * hgt * wid, 9 * c)
    cols = np.empty((n, hgt, wid, 3, 3, c), dtype=x.dtype)  # few channels: nine slab copies
    for i in range(3):
        for j in range(3):
            cols[:, :, :, i, j] = xp[:, i : i + hgt, j : j + wid]
    return cols.reshape(n * hgt * wid, 9 * c)


_CORNERS = ((0, 0), (0, 1), (1, 0), (1, 1))  # PyTorch's order: the first maximum wins


def _pool_forward(a: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """2x2/2 max pool of NHWC ``a``: the max of four strided views (returned for backward)."""
    n, hgt, wid, c = a.shape
    v = a.reshape(n, hgt // 2, 2, wid // 2, 2, c)
    q = [v[:, :, i, :, j] for i, j in _CORNERS]
    out = np.maximum(q[0], q[1])
    np.maximum(out, np.maximum(q[2], q[3]), out=out)
    return out, q


def _pool_backward(g: np.ndarray, out: np.ndarray, q: list[np.ndarray]) -> np.ndarray:
    """Route each window's gradient to its first maximum (ties go to the earliest corner)."""
    n, h2, w2, c = g.shape
    da = np.empty((n, 2 * h2, 2 * w2, c), dtype=g.dtype)
    dv = da.reshape(n, h2, 2, w2, 2, c)
    taken = None
    for (i, j), qk in zip(_CORNERS, q):
        hit = qk == out
        if taken is None:
            taken = hit.copy()
        else:
            np.greater(hit, taken, out=hit)  # hit and not taken by an earlier corner
            taken |= hit
        np.multiply(g, hit, out=dv[:, :, i, :, j])
    return da


def w4(d: dict[str, np.ndarray]) -> Bench:
    n = d["x"].shape[0]
    x = d["x"].reshape(n, 28, 28, 1)  # C = 1: NCHW and NHWC are the same memory
    y = d["y"]
    # Weights in GEMM layout (9*C, O), rows ordered (kh, kw, c) like the im2col columns; the linear
    # layer's columns reordered from PyTorch's (C, H, W) flatten to our (H, W, C) one.
    k0 = d["cw0"].transpose(2, 3, 1, 0).reshape(9, 16).copy()
    k1 = d["cw1"].transpose(2, 3, 1, 0).reshape(144, 32).copy()
    wl = d["w"].reshape(10, 32, 7, 7).transpose(0, 2, 3, 1).reshape(10, 1568).copy()
    params = [k0, d["cb0"].copy(), k1, d["cb1"].copy(), wl, d["b"].copy()]
    lr = WORKLOADS["W4"].lr

    def forward() -> Any:
        k0, b0, k1, b1, wl, bl = params
        cols0 = _im2col(x)
        a0 = cols0 @ k0
        a0 += b0
        np.maximum(a0, 0, out=a0)
        a0 = a0.reshape(n, 28, 28, 16)
        p0, q0 = _pool_forward(a0)
        cols1 = _im2col(p0)
        a1 = cols1 @ k1
        a1 += b1
        np.maximum(a1, 0, out=a1)
        a1 = a1.reshape(n, 14, 14, 32)
        p1, q1 = _pool_forward(a1)
        flat = p1.reshape(n, 1568)
        logits = flat @ wl.T
        logits += bl
        loss, dlogits = _xent(logits, y)
        return loss, (cols0, a0, p0, q0, cols1, a1, p1, q1, flat, dlogits)

    def backward(h: Any) -> None:
        cols0, a0, p0, q0, cols1, a1, p1, q1, flat, dz = h[1]
        k1, wl = params[2], params[4]
        gwl, gbl = dz.T @ flat, dz.sum(0)
        da1 = _pool_backward((dz @ wl).reshape(n, 7, 7, 32), p1, q1)
        da1 *= a1 > 0
        da1 = da1.reshape(-1, 32)
        gk1, gb1 = cols1.T @ da1, da1.sum(0)
        # input gradient of conv 2: the full convolution of da1 with the flipped kernel
        kflip = k1.reshape(3, 3, 16, 32)[::-1, ::-1].transpose(0, 1, 3, 2).reshape(288, 16)
        dp0 = _im2col(da1.reshape(n, 14, 14, 32)) @ kflip
        da0 = _pool_backward(dp0.reshape(n, 14, 14, 16), p0, q0)
        da0 *= a0 > 0
        da0 = da0.reshape(-1, 16)
        gk0, gb0 = cols0.T @ da0, da0.sum(0)
        _sgd(params, [gk0, gb0, gk1, gb1, gwl, gbl], lr)

    return Bench(forward, backward, lambda h: float(h[0]))


# --- W5: the LSTM ----------------------------------------------------------------------------------


def _sigmoid_(z: np.ndarray) -> np.ndarray:
    """In place: sigmoid(z) = (1 + tanh(z / 2)) / 2, which never overflows."""
    z *= 0.5
    np.tanh(z, out=z)
    z += 1
    z *= 0.5
    return z


def w5(d: dict[str, np.ndarray]) -> Bench:
    x, y = d["x"], d["y"]
    seq, batch, n_in = x.shape
    hid = d["w_hh"].shape[1]
    params = [d[k].copy() for k in ("w_ih", "w_hh", "b_ih", "b_hh", "w", "b")]
    lr = WORKLOADS["W5"].lr
    x2 = x.reshape(seq * batch, n_in)

    def forward() -> Any:
        w_ih, w_hh, b_ih, b_hh, w, b = params
        gates = x2 @ w_ih.T  # every step's input projection in one GEMM
        gates += b_ih + b_hh
        gates = gates.reshape(seq, batch, 4 * hid)
        hs = np.zeros((seq + 1, batch, hid), dtype=np.float32)  # hs[t] = h before step t
        cs = np.zeros((seq + 1, batch, hid), dtype=np.float32)
        tcs = np.empty((seq, batch, hid), dtype=np.float32)
        for t in range(seq):
            z = gates[t]
            z += hs[t] @ w_hh.T
            _sigmoid_(z[:, : 2 * hid])  # i, f
            np.tanh(z[:, 2 * hid : 3 * hid], out=z[:, 2 * hid : 3 * hid])  # g
            _sigmoid_(z[:, 3 * hid :])  # o
            i, f, g, o = z[:, :hid], z[:, hid : 2 * hid], z[:, 2 * hid : 3 * hid], z[:, 3 * hid :]
            c = cs[t + 1]
            np.multiply(f, cs[t], out=c)
            c += i * g
            np.tanh(c, out=tcs[t])
            np.multiply(o, tcs[t], out=hs[t + 1])
        logits = hs[seq] @ w.T
        logits += b
        loss, dlogits = _xent(logits, y)
        return loss, (gates, hs, cs, tcs, dlogits)

    def backward(h: Any) -> None:
        gates, hs, cs, tcs, dz = h[1]
        w_hh, w = params[1], params[4]
        gw, gb = dz.T @ hs[seq], dz.sum(0)
        dh = dz @ w
        dc = np.zeros((batch, hid), dtype=np.float32)
        dgates = np.empty_like(gates)  # d loss / d pre-activation, every step
        for t in range(seq - 1, -1, -1):
            z = gates[t]
            i, f, g, o = z[:, :hid], z[:, hid : 2 * hid], z[:, 2 * hid : 3 * hid], z[:, 3 * hid :]
            tc = tcs[t]
            dg_ = dgates[t]
            di, df, dgg, do = (dg_[:, k * hid : (k + 1) * hid] for k in range(4))
            np.multiply(dh, tc, out=do)  # do = dh * tanh(c)
            do *= o * (1 - o)
            dc += dh * o * (1 - tc * tc)
            np.multiply(dc, g, out=di)
            di *= i * (1 - i)
            np.multiply(dc, cs[t], out=df)
            df *= f * (1 - f)
            np.multiply(dc, i, out=dgg)
            dgg *= 1 - g * g
            dc *= f
            dh = dg_ @ w_hh
        dg2 = dgates.reshape(seq * batch, 4 * hid)
        gw_ih = dg2.T @ x2
        gw_hh = dg2.T @ hs[:seq].reshape(seq * batch, hid)
        gb_ih = dg2.sum(0)
        _sgd(params, [gw_ih, gw_hh, gb_ih, gb_ih.copy(), gw, gb], lr)

    return Bench(forward, backward, lambda h: float(h[0]))


# --- W7: ResNet-20 ---------------------------------------------------------------------------------
# Activations are channel-major (C, N, H, W): the GEMM W (O, C*k*k) @ cols (C*k*k, N*H*W) gives the
# next layer's input in that layout, and batch norm's statistics are rows of a (C, N*H*W) matrix.


def _conv_cm(x: np.ndarray, w: np.ndarray, stride: int, pad: int) -> tuple[np.ndarray, np.ndarray]:
    """(C, N, H, W) conv (O, C, k, k) -> (O, N, Ho, Wo), and the im2col matrix (kept for dW)."""
    c, n, h, wd = x.shape
    o, _, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x
    ho, wo = (h + 2 * pad - k) // stride + 1, (wd + 2 * pad - k) // stride + 1
    st = xp.strides
    view = as_strided(
        xp, (c, k, k, n, ho, wo), (st[0], st[2], st[3], st[1], st[2] * stride, st[3] * stride)
    )
    cols = view.reshape(c * k * k, n * ho * wo)
    return (w.reshape(o, -1) @ cols).reshape(o, n, ho, wo), cols


def _conv_cm_backward(
    g: np.ndarray, w: np.ndarray, cols: np.ndarray, x_shape: tuple, stride: int, pad: int,
    need_dx: bool = True,
) -> tuple[np.ndarray | None, np.ndarray]:  # fmt: skip
    """dx (col2im of W^T g: one strided add per kernel offset) and dW = g cols^T."""
    o, n, ho, wo = g.shape
    c, _, h, wd = x_shape
    k = w.shape[2]
    g2 = g.reshape(o, -1)
    gw = (g2 @ cols.T).reshape(w.shape)
    if not need_dx:
        return None, gw
    gcols = (w.reshape(o, -1).T @ g2).reshape(c, k, k, n, ho, wo)
    gxp = np.zeros((c, n, h + 2 * pad, wd + 2 * pad), dtype=g.dtype)
    for i in range(k):
        for j in range(k):
            gxp[:, :, i : i + stride * ho : stride, j : j + stride * wo : stride] += gcols[:, i, j]
    return gxp[:, :, pad : pad + h, pad : pad + wd], gw


def _bn_cm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Training-mode batch norm of channel-major x; the (x^, 1/std) its backward needs."""
    xm = x.reshape(x.shape[0], -1)
    xc = xm - xm.mean(axis=1, keepdims=True)
    invstd = 1.0 / np.sqrt((xc * xc).mean(axis=1) + 1e-5)
    xc *= invstd[:, None]  # x^
    out = xc * gamma[:, None]
    out += beta[:, None]
    return out.reshape(x.shape), (xc, invstd)


def _bn_cm_backward(g: np.ndarray, gamma: np.ndarray, saved: tuple) -> tuple[np.ndarray, ...]:
    xhat, invstd = saved
    g2 = g.reshape(g.shape[0], -1)
    m = g2.shape[1]
    gb, gg = g2.sum(axis=1), (g2 * xhat).sum(axis=1)
    k = gamma * invstd
    dx = g2 * k[:, None]
    dx -= xhat * (k * gg / m)[:, None]
    dx -= (k * gb / m)[:, None]
    return dx.reshape(g.shape), gg, gb


def _block_forward(x: np.ndarray, p: dict[str, np.ndarray], pre: str, stride: int) -> tuple:
    a1, cols1 = _conv_cm(x, p[pre + "conv1.weight"], stride, 1)
    b1, bn1 = _bn_cm(a1, p[pre + "bn1.weight"], p[pre + "bn1.bias"])
    r1 = np.maximum(b1, 0)
    a2, cols2 = _conv_cm(r1, p[pre + "conv2.weight"], 1, 1)
    out, bn2 = _bn_cm(a2, p[pre + "bn2.weight"], p[pre + "bn2.bias"])
    short = None
    if pre + "shortcut.0.weight" in p:
        sa, scols = _conv_cm(x, p[pre + "shortcut.0.weight"], stride, 0)
        sb, sbn = _bn_cm(sa, p[pre + "shortcut.1.weight"], p[pre + "shortcut.1.bias"])
        out += sb
        short = (scols, sbn)
    else:
        out += x
    np.maximum(out, 0, out=out)
    return out, (x.shape, stride, cols1, bn1, r1, cols2, bn2, short, out)


def _block_backward(g: np.ndarray, p: dict, pre: str, cache: tuple, grads: dict) -> np.ndarray:
    x_shape, stride, cols1, bn1, r1, cols2, bn2, short, out = cache
    g = g * (out > 0)
    ga2, grads[pre + "bn2.weight"], grads[pre + "bn2.bias"] = _bn_cm_backward(
        g, p[pre + "bn2.weight"], bn2
    )
    gr1, grads[pre + "conv2.weight"] = _conv_cm_backward(
        ga2, p[pre + "conv2.weight"], cols2, r1.shape, 1, 1
    )
    gr1 *= r1 > 0
    ga1, grads[pre + "bn1.weight"], grads[pre + "bn1.bias"] = _bn_cm_backward(
        gr1, p[pre + "bn1.weight"], bn1
    )
    gx, grads[pre + "conv1.weight"] = _conv_cm_backward(
        ga1, p[pre + "conv1.weight"], cols1, x_shape, stride, 1
    )
    if short is None:
        return gx + g
    scols, sbn = short
    gsa, grads[pre + "shortcut.1.weight"], grads[pre + "shortcut.1.bias"] = _bn_cm_backward(
        g, p[pre + "shortcut.1.weight"], sbn
    )
    gsx, grads[pre + "shortcut.0.weight"] = _conv_cm_backward(
        gsa, p[pre + "shortcut.0.weight"], scols, x_shape, stride, 0
    )
    return gx + gsx


def w7(d: dict[str, np.ndarray]) -> Bench:
    keys = [k for k, _ in resnet20_shapes()]
    p = {k: d[k].copy() for k in keys}
    opt = _Momentum([p[k] for k in keys], WORKLOADS["W7"].lr)
    x = np.ascontiguousarray(d["x"].transpose(1, 0, 2, 3))  # channel-major
    y = d["y"]
    blocks: list[tuple[str, int]] = []  # (parameter prefix, stride) of each basic block
    for i, n_blocks in enumerate(RESNET20_BLOCKS):
        for j in range(n_blocks):
            blocks.append((f"stages.{len(blocks)}.", 2 if (i > 0 and j == 0) else 1))

    def forward() -> Any:
        a, stem_cols = _conv_cm(x, p["stem.weight"], 1, 1)
        h, stem_bn = _bn_cm(a, p["stem_bn.weight"], p["stem_bn.bias"])
        np.maximum(h, 0, out=h)
        stem = (stem_cols, stem_bn, h)
        caches = []
        for pre, stride in blocks:
            h, cache = _block_forward(h, p, pre, stride)
            caches.append(cache)
        pooled = h.mean(axis=(2, 3)).T  # (N, C): global average pooling
        logits = pooled @ p["head.weight"].T
        logits += p["head.bias"]
        loss, dlogits = _xent(logits, y)
        return loss, (stem, caches, h.shape, pooled, dlogits)

    def backward(hnd: Any) -> None:
        (stem_cols, stem_bn, stem_out), caches, h_shape, pooled, dz = hnd[1]
        grads = {"head.weight": dz.T @ pooled, "head.bias": dz.sum(0)}
        gp = (dz @ p["head.weight"]).T  # (C, N)
        g = np.broadcast_to(gp[:, :, None, None] / (h_shape[2] * h_shape[3]), h_shape)
        for (pre, _), cache in zip(reversed(blocks), reversed(caches)):
            g = _block_backward(g, p, pre, cache, grads)
        g = g * (stem_out > 0)
        ga, grads["stem_bn.weight"], grads["stem_bn.bias"] = _bn_cm_backward(
            g, p["stem_bn.weight"], stem_bn
        )
        _, grads["stem.weight"] = _conv_cm_backward(
            ga, p["stem.weight"], stem_cols, x.shape, 1, 1, need_dx=False
        )
        opt.step([grads[k] for k in keys])

    return Bench(forward, backward, lambda h: float(h[0]))


BUILDERS = {"W1": w1, "W2": w2, "W3": w3, "W4": w4, "W5": w5, "W6": w6, "W7": w7}
