"""Recurrent layers: RNN (tanh/relu), LSTM and GRU, multi-layer, PyTorch's parameter names,
shapes, gate order and initialisation.

Speed: RNN and GRU make each step's gate pre-activations with ONE matmul,
``[x_t, h, 1] @ [W_ih, W_hh, b_ih + b_hh]^T`` (the fused weight is built once per call), and
slice the gates out of the result. The LSTM runs each layer as ONE gate over the whole sequence,
``autograd.lstm_states``, with the analytic backward through time (``autograd.lstm_composed`` is
the same layer gate by gate, the reference it is tested against).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd
from autograd import Tensor, concatenate, lstm_states, matmul, permute, sigmoid, stack, tanh

from .. import functional as F
from .. import init
from .._checks import check_float, check_int
from .._random import GeneratorLike
from ..module import Module, Parameter

_T2 = (1, 0)


def _step_scopes(steps: int) -> list[autograd.scope]:
    """One scope per time step, named ``<module>.step<t>``, so a drawing can collapse each step."""
    base = autograd.current_scope() or "rnn"
    return [autograd.scope(f"{base}.step{t}") for t in range(steps)]


class _RNNBase(Module):
    _gates = 1  # blocks of hidden_size rows in each weight: LSTM 4 (i, f, g, o), GRU 3 (r, z, n)

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        input_size = check_int(input_size, "input_size", name)
        hidden_size = check_int(hidden_size, "hidden_size", name)
        num_layers = check_int(num_layers, "num_layers", name)
        check_float(dropout, "dropout", name, 0.0, 1.0)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = dropout
        rows = self._gates * hidden_size
        for k in range(num_layers):
            cols = input_size if k == 0 else hidden_size
            setattr(self, f"weight_ih_l{k}", Parameter(np.empty((rows, cols), dtype=dtype)))
            setattr(self, f"weight_hh_l{k}", Parameter(np.empty((rows, hidden_size), dtype=dtype)))
            if bias:
                setattr(self, f"bias_ih_l{k}", Parameter(np.empty((rows,), dtype=dtype)))
                setattr(self, f"bias_hh_l{k}", Parameter(np.empty((rows,), dtype=dtype)))
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), PyTorch's scheme
        (drawn in parameter order: per layer weight_ih, weight_hh, bias_ih, bias_hh)."""
        bound = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for p in self.parameters():
            init.uniform_(p, -bound, bound, generator=generator)

    def _layer_params(self, k: int) -> tuple[Tensor, Tensor, Tensor | None, Tensor | None]:
        d = self.__dict__
        if not self.bias:
            return d[f"weight_ih_l{k}"], d[f"weight_hh_l{k}"], None, None
        return d[f"weight_ih_l{k}"], d[f"weight_hh_l{k}"], d[f"bias_ih_l{k}"], d[f"bias_hh_l{k}"]

    def _prepare(self, x: Tensor, states: tuple) -> tuple[Tensor, list, bool]:
        """Validate shapes; return x as (T, B, I), the initial states as per-layer lists of
        (B, H) tensors (None for zeros), and whether the input was batched."""
        name = type(self).__name__
        if x.ndim not in (2, 3):
            raise ValueError(
                f"{name}: expected input of shape (T, B, {self.input_size}) "
                f"(batch_first: (B, T, {self.input_size})) or unbatched (T, {self.input_size}), "
                f"got {x.shape}"
            )
        batched = x.ndim == 3
        if x.shape[1 if batched and self.batch_first else 0] == 0:
            raise ValueError(
                f"{name}: the input sequence has no time steps (input shape {x.shape}); "
                "at least one step is needed"
            )
        if not batched:
            x = x.unsqueeze(1)
        elif self.batch_first:
            x = x.swapaxes(0, 1)
        if x.shape[2] != self.input_size:
            raise ValueError(
                f"{name}: input has {x.shape[2]} features but input_size is {self.input_size} "
                f"(input shape {x.shape if batched else x.shape[::2]})"
            )
        b = x.shape[1]
        expected = (self.num_layers, b, self.hidden_size)
        per_layer = []
        for s in states:
            if s is None:
                per_layer.append([None] * self.num_layers)
                continue
            s = s if isinstance(s, Tensor) else autograd.as_tensor(s)
            if not batched:
                s = s.unsqueeze(1)
            if s.shape != expected:
                shown = expected if batched else (self.num_layers, self.hidden_size)
                raise ValueError(
                    f"{name}: initial state must have shape {shown}, got "
                    f"{s.shape if batched else s.shape[::2]}"
                )
            per_layer.append([s[k] for k in range(self.num_layers)])
        return x, per_layer, batched

    def _zeros(self, x: Tensor) -> Tensor:
        return Tensor(np.zeros((x.shape[1], self.hidden_size), dtype=x.dtype))

    def _run(self, x: Tensor, states: tuple) -> tuple[Tensor, list[list[Tensor]], bool]:
        """Run every layer over x; return the last layer's outputs (T, B, H) and, per state
        kind, the final state of every layer."""
        x, init_states, batched = self._prepare(x, states)
        finals: list[list[Tensor]] = [[] for _ in states]
        # layer 0 slices the input per step (free when it needs no gradient); later layers take
        # the previous layer's per-step outputs directly
        seq: list[Tensor] = [x[t] for t in range(x.shape[0])]
        for k in range(self.num_layers):
            if k > 0 and self.dropout and self.training:
                seq = [F.dropout(h, self.dropout, True) for h in seq]
            start = [s[k] if s[k] is not None else self._zeros(x) for s in init_states]
            seq, last = self._layer(seq, start, *self._layer_params(k))
            for f, s in zip(finals, last):
                f.append(s)
        return stack(seq, 0), finals, batched

    def _finish(self, out: Tensor, final: list[Tensor], batched: bool) -> tuple[Tensor, Tensor]:
        state = stack(final, 0)  # (num_layers, B, H)
        if not batched:
            return out.squeeze(1), state.squeeze(1)
        if self.batch_first:
            out = out.swapaxes(0, 1)
        return out, state

    @staticmethod
    def _fused(w_ih: Tensor, w_hh: Tensor, bias: Tensor | None) -> Tensor:
        """[W_ih, W_hh, bias]^T: (I + H (+ 1), G*H), so [x_t, h, 1] @ it = every gate's
        pre-activation x_t W_ih^T + h W_hh^T + bias in one matmul."""
        blocks = [w_ih, w_hh] if bias is None else [w_ih, w_hh, bias.reshape((bias.shape[0], 1))]
        return permute(concatenate(blocks, axis=1), _T2)

    @staticmethod
    def _ones(seq: list[Tensor], bias: Tensor | None) -> list[Tensor]:
        """The constant column [1] that picks up the bias row of the fused weight (B, 1)."""
        if bias is None:
            return []
        return [Tensor(np.ones((seq[0].shape[0], 1), dtype=seq[0].dtype))]

    def _layer(self, seq: list[Tensor], start: list[Tensor], *params: Any) -> tuple[list, list]:
        raise NotImplementedError

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        return s


class RNN(_RNNBase):
    """Elman RNN: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh), act tanh or relu.

    input (T, B, input_size) (``batch_first``: (B, T, input_size)) or unbatched (T, input_size);
    h0 (num_layers, B, hidden_size), zeros if omitted. Returns output (T, B, hidden_size), the
    last layer's h_t for every t, and h_n (num_layers, B, hidden_size).
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        self.nonlinearity = nonlinearity
        super().__init__(
            input_size, hidden_size, num_layers, bias, batch_first, dropout,
            dtype=dtype, generator=generator,
        )  # fmt: skip

    def forward(self, x: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        out, (h_n,), batched = self._run(x, (hx,))
        return self._finish(out, h_n, batched)

    def _layer(self, seq, start, w_ih, w_hh, b_ih, b_hh):  # type: ignore[no-untyped-def]
        act = tanh if self.nonlinearity == "tanh" else autograd.relu
        bias = None if b_ih is None else b_ih + b_hh
        w = self._fused(w_ih, w_hh, bias)
        one = self._ones(seq, bias)
        (h,) = start
        hs = []
        for x_t, step in zip(seq, _step_scopes(len(seq))):
            with step:  # each time step is its own scope: drawings can collapse it
                h = act(matmul(concatenate([x_t, h, *one], axis=1), w))
                hs.append(h)
        return hs, [h]

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s if self.nonlinearity == "tanh" else s + ", nonlinearity='relu'"


class LSTM(_RNNBase):
    """Long short-term memory, PyTorch's equations and gate order (i, f, g, o):

        i = sigmoid(x W_ii^T + b_ii + h W_hi^T + b_hi)      input gate
        f = sigmoid(x W_if^T + b_if + h W_hf^T + b_hf)      forget gate
        g = tanh(x W_ig^T + b_ig + h W_hg^T + b_hg)         candidate cell
        o = sigmoid(x W_io^T + b_io + h W_ho^T + b_ho)      output gate
        c' = f * c + i * g,   h' = o * tanh(c')

    weight_ih_lk (4H, I or H) and weight_hh_lk (4H, H) stack the four gates' rows in that order.
    input (T, B, I) (``batch_first``: (B, T, I)) or unbatched (T, I); optional (h0, c0), each
    (num_layers, B, H). Returns output (T, B, H) and (h_n, c_n), each (num_layers, B, H).
    """

    _gates = 4

    def forward(
        self, x: Tensor, hx: tuple[Tensor, Tensor] | None = None
    ) -> tuple[Tensor, tuple[Tensor, Tensor]]:
        if hx is not None and not (isinstance(hx, (tuple, list)) and len(hx) == 2):
            got = f"a {type(hx).__name__}" + (
                f" of shape {hx.shape}"
                if isinstance(hx, Tensor)
                else f" of length {len(hx)}"
                if isinstance(hx, (tuple, list))
                else ""
            )
            raise TypeError(
                f"LSTM: the initial state must be a tuple (h0, c0) of two tensors, each of shape "
                f"(num_layers, B, hidden_size) = ({self.num_layers}, B, {self.hidden_size}); "
                f"got {got}"
            )
        h0, c0 = (None, None) if hx is None else hx
        seq, (h_n, c_n), batched = self._run(x, (h0, c0))
        out, h = self._finish(seq, h_n, batched)
        c = stack(c_n, 0) if batched else stack(c_n, 0).squeeze(1)
        return out, (h, c)

    def _run(self, x: Tensor, states: tuple) -> tuple[Tensor, list[list[Tensor]], bool]:
        """Every layer as one fused gate over the whole sequence (``autograd.lstm_states``: the
        analytic backward through time, instead of ~12 gates per step)."""
        x, init_states, batched = self._prepare(x, states)
        n = self.hidden_size
        finals: list[list[Tensor]] = [[], []]
        out = x
        for k in range(self.num_layers):
            if k > 0 and self.dropout and self.training:
                out = F.dropout(out, self.dropout, True)
            h0, c0 = init_states[0][k], init_states[1][k]
            y = lstm_states(out, *self._layer_params(k), h0, c0)  # (T, B, 2H): [h_t, c_t]
            out = y[:, :, :n]
            finals[0].append(out[-1])
            finals[1].append(y[-1, :, n:])
        return out, finals, batched


class GRU(_RNNBase):
    """Gated recurrent unit, PyTorch's equations and gate order (r, z, n):

        r = sigmoid(x W_ir^T + b_ir + h W_hr^T + b_hr)      reset gate
        z = sigmoid(x W_iz^T + b_iz + h W_hz^T + b_hz)      update gate
        n = tanh(x W_in^T + b_in + r * (h W_hn^T + b_hn))   candidate
        h' = (1 - z) * n + z * h

    Shapes as for ``RNN``; weights (3H, I or H) and (3H, H).
    """

    _gates = 3

    def forward(self, x: Tensor, hx: Tensor | None = None) -> tuple[Tensor, Tensor]:
        out, (h_n,), batched = self._run(x, (hx,))
        return self._finish(out, h_n, batched)

    def _fused_gru(
        self, w_ih: Tensor, w_hh: Tensor, b_ih: Tensor | None, b_hh: Tensor | None
    ) -> Tensor:
        """(I + H (+ 1), 4H) with column blocks [r | z | n from x | n from h]: the candidate
        needs x W_in^T + b_in and h W_hn^T + b_hn apart, because r multiplies only the latter."""
        n, i = self.hidden_size, w_ih.shape[1]
        dt = w_ih.dtype
        zx = Tensor(np.zeros((n, i), dtype=dt))
        zh = Tensor(np.zeros((n, n), dtype=dt))
        w_i = concatenate([w_ih, zx], axis=0)  # (4H, I): r, z, n rows, then zeros
        w_h = concatenate([w_hh[: 2 * n], zh, w_hh[2 * n :]], axis=0)  # r, z, zeros, n
        blocks = [w_i, w_h]
        if b_ih is not None and b_hh is not None:
            b = concatenate([b_ih[: 2 * n] + b_hh[: 2 * n], b_ih[2 * n :], b_hh[2 * n :]])
            blocks.append(b.reshape((4 * n, 1)))
        return permute(concatenate(blocks, axis=1), _T2)

    def _layer(self, seq, start, w_ih, w_hh, b_ih, b_hh):  # type: ignore[no-untyped-def]
        n = self.hidden_size
        w = self._fused_gru(w_ih, w_hh, b_ih, b_hh)
        one = self._ones(seq, b_ih)
        (h,) = start
        rz_, nx_, nh_ = (slice(None), slice(0, 2 * n)), (slice(None), slice(2 * n, 3 * n)), (
            slice(None), slice(3 * n, 4 * n),
        )  # fmt: skip
        hs = []
        for x_t, step in zip(seq, _step_scopes(len(seq))):
            with step:  # each time step is its own scope: drawings can collapse it
                pre = matmul(concatenate([x_t, h, *one], axis=1), w)  # (B, 4H), one matmul
                rz = sigmoid(pre[rz_])
                r, z = rz[:, :n], rz[:, n:]
                cand = tanh(pre[nx_] + r * pre[nh_])  # x W_in^T + b_in + r (h W_hn^T + b_hn)
                h = cand + z * (h - cand)  # (1 - z) n + z h
                hs.append(h)
        return hs, [h]
