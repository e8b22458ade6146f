"""Recurrent gates: a whole LSTM layer over a sequence as ONE gate, with its analytic backward
(backpropagation through time).

Composed from engine ops, one LSTM step is about a dozen gates (two matmuls, an add, three
sigmoids and two tanhs on slices, four products and a sum); over 32 steps that is ~400 nodes
whose bookkeeping costs more than their arithmetic. This gate runs the same equations on arrays:

    z_t = x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh           (B, 4H): blocks i, f, g, o
    i, f, o = sigmoid(z_i, z_f, z_o),  g = tanh(z_g)
    c_t = f * c_{t-1} + i * g,   h_t = o * tanh(c_t)

and returns every step's state ``[h_t, c_t]`` as one (T, B, 2H) tensor. ``lstm_composed`` is the
same computation gate by gate: the reference the tests compare this gate with.

Speed: the input projections of all T steps are computed before the loop (one stacked matmul),
and the weight gradients one GEMM each after the backward loop, so only W_hh h_{t-1} (and its
transpose in backward) run per step. The kernels work on transposed arrays, batch last: z_t^T is
(4H, B), so every gate's block and every state is a contiguous (H, B) array (the dozen
elementwise calls per step cost ~2.5x as much on column slices of a (B, 4H) array), and the
result is the (T, B, 2H) view of a (T, 2H, B) array. Each step's four blocks take ONE exp: with
the weights' rows scaled once per call, 1 / (1 + exp(k z)) is sigmoid on i, f, o and, on g,
sigmoid(2z) = (1 + tanh z) / 2 (NumPy's float32 exp costs about half its tanh). Each step of the
backward loop is a GEMM and a few in-place products on (H, B) arrays that stay in the cache.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import Node, gate
from ..tensor import Tensor
from ._common import _t, record
from .elementwise import sigmoid, tanh
from .shape import concatenate, stack


def _check(
    x: Tensor, w_ih: Tensor, w_hh: Tensor, biases: list[Tensor], states: list[Tensor]
) -> None:
    op = "lstm_states"
    if x.ndim != 3:
        raise ValueError(f"{op}: expects x of shape (T, B, input_size), got {x.shape}")
    if x.data.dtype.kind != "f":
        raise TypeError(f"{op}: expects a floating-point x, got dtype {x.dtype}")
    t_len, b, n_in = x.shape
    if t_len == 0:
        raise ValueError(f"{op}: the sequence is empty (x of shape {x.shape})")
    if w_hh.ndim != 2 or w_hh.shape[0] != 4 * w_hh.shape[1]:
        raise ValueError(f"{op}: w_hh must have shape (4*hidden, hidden), got {w_hh.shape}")
    h = w_hh.shape[1]
    expected = {"w_ih": (4 * h, n_in), "bias": (4 * h,), "state": (b, h)}
    named = [("w_ih", w_ih)] + [("bias", t) for t in biases] + [("state", t) for t in states]
    for what, t in named:
        if t.shape != expected[what]:
            raise ValueError(
                f"{op}: {what} must have shape {expected[what]} for x {x.shape} and w_hh "
                f"{w_hh.shape}, got {t.shape}"
            )
        if t.dtype != x.dtype:
            raise TypeError(f"{op}: {what} has dtype {t.dtype} but x has {x.dtype}")


def _exponents(h: int, dtype: Any) -> np.ndarray:
    """Per column of z, the factor k with 1 / (1 + exp(k z)) = sigmoid(z) on i, f, o (k = -1)
    and = sigmoid(2z) on g (k = -2), whence tanh(z) = 2 sigmoid(2z) - 1."""
    k = np.full(4 * h, -1.0, dtype=dtype)
    k[2 * h : 3 * h] = -2.0
    return k


def lstm_states(
    x: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any = None,
    b_hh: Any = None,
    h0: Any = None,
    c0: Any = None,
) -> Tensor:
    """One LSTM layer (PyTorch's equations and gate order i, f, g, o) over x (T, B, I):
    weights (4H, I) and (4H, H), optional biases (4H,) (both or neither) and initial states
    (B, H) (zeros when omitted). Returns every step's state, (T, B, 2H): ``[..., :H]`` is h_t,
    ``[..., H:]`` is c_t (stored (T, 2H, B): the result is a transposed view, see below)."""
    x, w_ih, w_hh = _t(x), _t(w_ih), _t(w_hh)
    if (b_ih is None) != (b_hh is None):
        raise ValueError("lstm_states: give both biases (b_ih and b_hh) or neither")
    biases = [] if b_ih is None else [_t(b_ih), _t(b_hh)]
    states = [_t(s) for s in (h0, c0) if s is not None]
    _check(x, w_ih, w_hh, biases, states)
    t_len, b, _ = x.shape
    h = w_hh.shape[1]
    zeros = np.zeros((h, b), dtype=x.dtype)
    h_init = zeros if h0 is None else _t(h0).data.T
    c_init = zeros if c0 is None else _t(c0).data.T
    bias = None if not biases else biases[0].data + biases[1].data
    acts, tanh_c, ys = _lstm_forward(x.data, w_ih.data, w_hh.data, bias, h_init, c_init)
    inputs = (x, w_ih, w_hh, *biases, *states)
    attrs = (bool(biases), h0 is not None, c0 is not None)
    y = ys.transpose(0, 2, 1)  # (T, B, 2H), a view of the (T, 2H, B) array
    return record(LSTM_STATES, y, inputs, (acts, tanh_c, ys, h_init, c_init), attrs)


# The two kernels below work batch last (see the module's docstring): z_t^T = W_ih x_t^T +
# W_hh h_{t-1}^T is (4H, B), each gate's block and each state a contiguous (H, B) array.


def _lstm_forward(
    x: np.ndarray,
    w_ih: np.ndarray,
    w_hh: np.ndarray,
    bias: np.ndarray | None,
    h0: np.ndarray,
    c0: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The forward on arrays, from initial states h0^T, c0^T (H, B): (the activations i, f, g, o
    of every step (T, 4H, B), tanh(c_t) (T, H, B), the states [h_t; c_t] (T, 2H, B))."""
    t_len, b, n_in = x.shape
    h = w_hh.shape[1]
    k = _exponents(h, x.dtype)[:, None]
    # every step's input share, k (W_ih x_t^T + b): one GEMM per step before the loop
    acts = np.matmul(w_ih * k, np.ascontiguousarray(x.transpose(0, 2, 1)))
    if bias is not None:
        acts += (bias[:, None] * k)[None]
    w_h = w_hh * k  # (4H, H)
    ys = np.empty((t_len, 2 * h, b), dtype=x.dtype)
    tanh_c = np.empty((t_len, h, b), dtype=x.dtype)
    rec, ig = np.empty((4 * h, b), dtype=x.dtype), np.empty((h, b), dtype=x.dtype)
    h_prev, c_prev = h0, c0
    with np.errstate(over="ignore"):  # exp(k z) = inf gives 1 / inf = 0: the right limit
        for t in range(t_len):
            a = acts[t]
            a += np.matmul(w_h, h_prev, out=rec)  # k z_t
            np.exp(a, out=a)
            a += 1
            np.reciprocal(a, out=a)  # sigmoid(z) on i, f, o; sigmoid(2z) on g
            i, f, g, o = a[:h], a[h : 2 * h], a[2 * h : 3 * h], a[3 * h :]
            g *= 2
            g -= 1  # tanh(z) = 2 sigmoid(2z) - 1
            c = ys[t, h:]
            np.multiply(f, c_prev, out=c)
            c += np.multiply(i, g, out=ig)  # c_t = f c_{t-1} + i g
            np.tanh(c, out=tanh_c[t])
            np.multiply(o, tanh_c[t], out=ys[t, :h])  # h_t = o tanh(c_t)
            h_prev, c_prev = ys[t, :h], c
    return acts, tanh_c, ys


def _unpack(node: Node) -> tuple:
    """(x, w_ih, w_hh, b_ih or None, b_hh or None, h0 or None, c0 or None) of a node."""
    has_bias, has_h0, has_c0 = node.attrs
    x, w_ih, w_hh, *rest = node.inputs
    b_ih, b_hh = (rest.pop(0), rest.pop(0)) if has_bias else (None, None)
    h0 = rest.pop(0) if has_h0 else None
    c0 = rest.pop(0) if has_c0 else None
    return x, w_ih, w_hh, b_ih, b_hh, h0, c0


def _grads_in_input_order(node: Node, grads: dict[str, Any]) -> tuple:
    names = ["x", "w_ih", "w_hh"]
    has_bias, has_h0, has_c0 = node.attrs
    names += ["b", "b"] if has_bias else []
    names += ["h0"] if has_h0 else []
    names += ["c0"] if has_c0 else []
    return tuple(
        grads[n] if t.requires_grad else None for n, t in zip(names, node.inputs, strict=True)
    )


@gate(
    "lstm_states",
    "backpropagates through time: step by step from the last, dz_t = [dc g i(1-i), "
    "dc c_{t-1} f(1-f), dc i (1-g^2), dh tanh(c) o(1-o)] with dh = g_h + dz_{t+1} W_hh and "
    "dc = g_c + dh o (1 - tanh^2 c) + dc_{t+1} f_{t+1}; the weights receive sums of dz_t^T "
    "times x_t and h_{t-1}, the biases sums of dz_t, x dz_t W_ih",
)
def LSTM_STATES(node: Node, gy: Tensor) -> tuple:
    # The same backward on Tensors (recorded under create_graph): the activations are
    # recomputed from the inputs, so that gradients of these gradients reach the inputs too.
    x, w_ih, w_hh, b_ih, b_hh, h0, c0 = _unpack(node)
    t_len, b, _ = x.shape
    h = w_hh.shape[1]
    zeros = Tensor(np.zeros((b, h), dtype=x.dtype))
    steps = _composed_steps(x, w_ih, w_hh, b_ih, b_hh, h0, c0)
    dh, dc = zeros, zeros
    dzs = []
    for t in range(t_len - 1, -1, -1):
        i, f, g, o, c_before, _, tc, _, _ = steps[t]
        dh = dh + gy[t, :, :h]
        dc = dc + gy[t, :, h:] + dh * o * (1.0 - tc * tc)
        dz = concatenate(
            [dc * g * i * (1.0 - i), dc * c_before * f * (1.0 - f), dc * i * (1.0 - g * g),
             dh * tc * o * (1.0 - o)],
            axis=1,
        )  # fmt: skip
        dzs.append(dz)
        dc = dc * f
        dh = dz @ w_hh
    dz_all = stack(dzs[::-1], 0).reshape((t_len * b, 4 * h))
    h_all = stack([s[7] for s in steps], 0).reshape((t_len * b, h))  # every h_{t-1}
    grads = {
        "x": (dz_all @ w_ih).reshape(x.shape),
        "w_ih": dz_all.mT @ x.reshape((t_len * b, x.shape[2])),
        "w_hh": dz_all.mT @ h_all,
        "b": dz_all.sum(0),
        "h0": dh,
        "c0": dc,
    }
    return _grads_in_input_order(node, grads)


@LSTM_STATES.on_arrays
def _lstm_states_arrays(node: Node, gy: np.ndarray) -> tuple:
    x, w_ih, w_hh = node.inputs[:3]
    acts, tanh_c, ys, h0, c0 = node.saved
    t_len, b, n_in = x.shape
    h = w_hh.shape[1]
    gys = np.ascontiguousarray(gy.transpose(0, 2, 1))  # (T, 2H, B) like ys (free if it is)
    dz = np.empty_like(acts)
    dh = np.zeros((h, b), dtype=acts.dtype)
    dc = np.zeros((h, b), dtype=acts.dtype)
    tmp = np.empty_like(dc)
    w_t = np.ascontiguousarray(w_hh.data.T)  # (H, 4H): dh_{t-1}^T = W_hh^T dz_t^T
    for t in range(t_len - 1, -1, -1):  # small contiguous (H, B) arrays: they stay in the cache
        i, f, g, o = (acts[t, k * h : (k + 1) * h] for k in range(4))
        dz_i, dz_f, dz_g, dz_o = (dz[t, k * h : (k + 1) * h] for k in range(4))
        tc, c_before = tanh_c[t], (ys[t - 1, h:] if t else c0)
        dh += gys[t, :h]
        np.subtract(1, o, out=dz_o)
        dz_o *= o
        dz_o *= tc
        dz_o *= dh  # dz_o = dh tanh(c) o (1 - o)
        np.multiply(tc, tc, out=tmp)
        np.subtract(1, tmp, out=tmp)
        tmp *= o
        tmp *= dh
        dc += tmp
        dc += gys[t, h:]  # dc = g_c + dh o (1 - tanh^2 c) + dc_{t+1} f_{t+1}
        np.subtract(1, i, out=dz_i)
        dz_i *= i
        dz_i *= g
        dz_i *= dc  # dz_i = dc g i (1 - i)
        np.subtract(1, f, out=dz_f)
        dz_f *= f
        dz_f *= c_before
        dz_f *= dc  # dz_f = dc c_{t-1} f (1 - f)
        np.multiply(g, g, out=dz_g)
        np.subtract(1, dz_g, out=dz_g)
        dz_g *= i
        dz_g *= dc  # dz_g = dc i (1 - g^2)
        dc *= f
        np.matmul(w_t, dz[t], out=dh)  # the recurrent share of dh_{t-1}
    # the weights' GEMMs run over all T*B columns at once, batch-major: one transposing copy each
    dz2 = np.ascontiguousarray(dz.transpose(0, 2, 1)).reshape(t_len * b, 4 * h)
    h_before = np.empty((t_len, b, h), dtype=acts.dtype)
    h_before[0] = h0.T
    h_before[1:] = ys[:-1, :h].transpose(0, 2, 1)
    grads = {
        "x": (dz2 @ w_ih.data).reshape(x.shape) if x.requires_grad else None,
        "w_ih": dz2.T @ x.data.reshape(t_len * b, n_in),
        "w_hh": dz2.T @ h_before.reshape(t_len * b, h),
        "b": np.add.reduce(dz2, axis=0),
        "h0": dh.T,
        "c0": dc.T,
    }
    out = _grads_in_input_order(node, grads)
    if node.attrs[0] and out[3] is not None and out[4] is not None:
        out = (*out[:4], out[4].copy(), *out[5:])  # two biases, two arrays (each may be added to)
    return out


LSTM_STATES.fresh_views = True  # the states' gradients are transposed views of arrays just made


def _composed_steps(
    x: Tensor,
    w_ih: Tensor,
    w_hh: Tensor,
    b_ih: Tensor | None,
    b_hh: Tensor | None,
    h0: Tensor | None,
    c0: Tensor | None,
) -> list[tuple]:
    """The layer gate by gate; per step the Tensors (i, f, g, o, c_{t-1}, c_t, tanh c_t, h_{t-1},
    h_t)."""
    t_len, b, _ = x.shape
    h = w_hh.shape[1]
    zeros = Tensor(np.zeros((b, h), dtype=x.dtype))
    h_prev = zeros if h0 is None else h0
    c_prev = zeros if c0 is None else c0
    steps = []
    for t in range(t_len):
        z = x[t] @ w_ih.mT + h_prev @ w_hh.mT
        if b_ih is not None and b_hh is not None:
            z = z + b_ih + b_hh
        i, f = sigmoid(z[:, :h]), sigmoid(z[:, h : 2 * h])
        g, o = tanh(z[:, 2 * h : 3 * h]), sigmoid(z[:, 3 * h :])
        c = f * c_prev + i * g
        tc = tanh(c)
        h_t = o * tc
        steps.append((i, f, g, o, c_prev, c, tc, h_prev, h_t))
        h_prev, c_prev = h_t, c
    return steps


def lstm_composed(
    x: Any,
    w_ih: Any,
    w_hh: Any,
    b_ih: Any = None,
    b_hh: Any = None,
    h0: Any = None,
    c0: Any = None,
) -> Tensor:
    """``lstm_states`` composed gate by gate (matmul, add, sigmoid, tanh, mul, concatenate per
    step): the readable reference the fused gate is tested against."""
    tensors = [None if a is None else _t(a) for a in (x, w_ih, w_hh, b_ih, b_hh, h0, c0)]
    steps = _composed_steps(*tensors)
    return stack([concatenate([s[8], s[5]], axis=1) for s in steps], 0)
