"""RNN, LSTM and GRU against NumPy implementations of their equations, step by step."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
from autograd.gradcheck import gradcheck


def _sig(x):
    return 1 / (1 + np.exp(-x))


def _np_lstm(x, params, h0, c0, num_layers):
    """PyTorch's LSTM equations, gate order i, f, g, o; x (T, B, I); h0, c0 (L, B, H)."""
    hs, cs, seq = [], [], x
    for k in range(num_layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        b = params.get(f"bias_ih_l{k}", 0) + params.get(f"bias_hh_l{k}", 0)
        h, c = h0[k], c0[k]
        outs = []
        for x_t in seq:
            z = x_t @ w_ih.T + h @ w_hh.T + b
            i, f, g, o = np.split(z, 4, axis=1)
            i, f, g, o = _sig(i), _sig(f), np.tanh(g), _sig(o)
            c = f * c + i * g
            h = o * np.tanh(c)
            outs.append(h)
        seq = np.stack(outs)
        hs.append(h)
        cs.append(c)
    return seq, np.stack(hs), np.stack(cs)


def _np_gru(x, params, h0, num_layers):
    """PyTorch's GRU equations, gate order r, z, n."""
    hs, seq = [], x
    for k in range(num_layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        b_ih, b_hh = params[f"bias_ih_l{k}"], params[f"bias_hh_l{k}"]
        h = h0[k]
        outs = []
        for x_t in seq:
            xr, xz, xn = np.split(x_t @ w_ih.T + b_ih, 3, axis=1)
            hr, hz, hn = np.split(h @ w_hh.T + b_hh, 3, axis=1)
            r, z = _sig(xr + hr), _sig(xz + hz)
            n = np.tanh(xn + r * hn)
            h = (1 - z) * n + z * h
            outs.append(h)
        seq = np.stack(outs)
        hs.append(h)
    return seq, np.stack(hs)


def _np_rnn(x, params, h0, num_layers, act):
    hs, seq = [], x
    for k in range(num_layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        b = params[f"bias_ih_l{k}"] + params[f"bias_hh_l{k}"]
        h = h0[k]
        outs = []
        for x_t in seq:
            h = act(x_t @ w_ih.T + h @ w_hh.T + b)
            outs.append(h)
        seq = np.stack(outs)
        hs.append(h)
    return seq, np.stack(hs)


def _params(module):
    return {k: v.data for k, v in module.named_parameters()}


def _rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# --- parameters --------------------------------------------------------------------------------


def test_lstm_parameter_names_shapes_and_initialisation_follow_pytorch():
    lstm = nn.LSTM(10, 20, num_layers=2, generator=0)
    shapes = {k: v.shape for k, v in lstm.named_parameters()}
    assert shapes == {
        "weight_ih_l0": (80, 10),
        "weight_hh_l0": (80, 20),
        "bias_ih_l0": (80,),
        "bias_hh_l0": (80,),
        "weight_ih_l1": (80, 20),
        "weight_hh_l1": (80, 20),
        "bias_ih_l1": (80,),
        "bias_hh_l1": (80,),
    }
    bound = 1 / math.sqrt(20)
    for p in lstm.parameters():
        assert np.abs(p.data).max() <= bound
    assert lstm.weight_hh_l1.data.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)
    assert repr(lstm) == "LSTM(10, 20, num_layers=2)  # 5,920 parameters"
    assert [k for k, _ in nn.GRU(3, 4, bias=False).named_parameters()] == [
        "weight_ih_l0",
        "weight_hh_l0",
    ]
    assert nn.GRU(3, 4).weight_ih_l0.shape == (12, 3)
    assert nn.RNN(3, 4).weight_hh_l0.shape == (4, 4)


# --- against the equations ---------------------------------------------------------------------


@pytest.mark.parametrize("num_layers", [1, 2])
def test_lstm_matches_the_numpy_equations_step_by_step(num_layers):
    lstm = nn.LSTM(3, 4, num_layers=num_layers, dtype=np.float64, generator=1)
    x = _rand(5, 2, 3)
    h0, c0 = _rand(num_layers, 2, 4, seed=1), _rand(num_layers, 2, 4, seed=2)
    out, (h, c) = lstm(ag.tensor(x), (ag.tensor(h0), ag.tensor(c0)))
    ref_out, ref_h, ref_c = _np_lstm(x, _params(lstm), h0, c0, num_layers)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.data, ref_h, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(c.data, ref_c, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(out.data[-1], h.data[-1])  # the output's last step is h_n


def test_lstm_default_zero_state_batch_first_and_unbatched():
    lstm = nn.LSTM(3, 4, batch_first=True, dtype=np.float64)
    x = _rand(2, 6, 3)  # (B, T, I)
    out, (h, c) = lstm(ag.tensor(x))
    zeros = np.zeros((1, 2, 4))
    ref_out, ref_h, ref_c = _np_lstm(x.transpose(1, 0, 2), _params(lstm), zeros, zeros, 1)
    assert out.shape == (2, 6, 4) and h.shape == (1, 2, 4) and c.shape == (1, 2, 4)
    np.testing.assert_allclose(out.data, ref_out.transpose(1, 0, 2), rtol=1e-12)
    np.testing.assert_allclose(c.data, ref_c, rtol=1e-12)
    lstm.batch_first = False
    out1, (h1, c1) = lstm(ag.tensor(x[0]))  # unbatched (T, I)
    assert out1.shape == (6, 4) and h1.shape == (1, 4) and c1.shape == (1, 4)
    np.testing.assert_allclose(out1.data, ref_out[:, 0], rtol=1e-12)


def test_lstm_without_bias_matches_the_equations():
    lstm = nn.LSTM(2, 3, bias=False, dtype=np.float64)
    x = _rand(4, 1, 2)
    zeros = np.zeros((1, 1, 3))
    out, _ = lstm(ag.tensor(x))
    np.testing.assert_allclose(out.data, _np_lstm(x, _params(lstm), zeros, zeros, 1)[0], rtol=1e-12)


@pytest.mark.parametrize("num_layers", [1, 2])
def test_gru_matches_the_numpy_equations(num_layers):
    gru = nn.GRU(3, 4, num_layers=num_layers, dtype=np.float64, generator=2)
    x = _rand(5, 2, 3)
    h0 = _rand(num_layers, 2, 4, seed=3)
    out, h = gru(ag.tensor(x), ag.tensor(h0))
    ref_out, ref_h = _np_gru(x, _params(gru), h0, num_layers)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.data, ref_h, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nonlinearity", ["tanh", "relu"])
def test_rnn_matches_the_numpy_equations(nonlinearity):
    rnn = nn.RNN(3, 4, num_layers=2, nonlinearity=nonlinearity, dtype=np.float64, generator=3)
    x = _rand(5, 2, 3)
    h0 = _rand(2, 2, 4, seed=4)
    act = np.tanh if nonlinearity == "tanh" else (lambda z: np.maximum(z, 0))
    out, h = rnn(ag.tensor(x), ag.tensor(h0))
    ref_out, ref_h = _np_rnn(x, _params(rnn), h0, 2, act)
    np.testing.assert_allclose(out.data, ref_out, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.data, ref_h, rtol=1e-12, atol=1e-14)


# --- gradients ---------------------------------------------------------------------------------


def _grad_inputs(module, *arrays):
    module.double()
    tensors = [ag.tensor(a, requires_grad=True) for a in arrays]
    return tensors, list(module.parameters())


def test_lstm_gradcheck_through_inputs_states_and_every_weight():
    lstm = nn.LSTM(2, 3, num_layers=2, generator=4)
    (x, h0, c0), params = _grad_inputs(
        lstm, _rand(3, 2, 2), _rand(2, 2, 3, seed=1), _rand(2, 2, 3, seed=2)
    )

    def fn(x, h0, c0, *ps):
        out, (h, c) = lstm(x, (h0, c0))
        return out, h, c

    assert gradcheck(fn, [x, h0, c0, *params])


def test_lstm_weight_gradients_agree_whether_or_not_the_input_needs_a_gradient():
    """Layer 0 on plain data folds the bias into its input projection (a constant ones column);
    an input that needs a gradient takes the per-step bias path instead. Both give the same
    weight gradients, and those pass gradcheck."""
    lstm = nn.LSTM(2, 3, num_layers=2, generator=7)
    lstm.double()
    x = _rand(4, 2, 2)
    params = list(lstm.parameters())
    assert gradcheck(lambda *ps: lstm(ag.tensor(x))[0], params)
    grads = []
    for needs_grad in (False, True):
        for p in params:
            p.grad = None
        out, (h, c) = lstm(ag.tensor(x, requires_grad=needs_grad))
        ((out * out).sum() + (c * c).sum()).backward()
        grads.append([p.grad.data.copy() for p in params])
    for a, b in zip(*grads):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


def test_gru_and_rnn_gradcheck():
    gru = nn.GRU(2, 3, generator=5)
    (x, h0), params = _grad_inputs(gru, _rand(3, 2, 2), _rand(1, 2, 3, seed=1))
    assert gradcheck(lambda x, h0, *ps: gru(x, h0), [x, h0, *params])
    rnn = nn.RNN(2, 3, num_layers=2, batch_first=True, generator=6)
    (x,), params = _grad_inputs(rnn, _rand(2, 3, 2))
    assert gradcheck(lambda x, *ps: rnn(x)[0], [x, *params])


def test_lstm_trains_on_a_tiny_sequence_task():
    ag.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((6, 16, 1)).astype(np.float32)
    y = (x.sum(0)[:, 0] > 0).astype(np.int64)  # the sign of the running sum
    lstm, head = nn.LSTM(1, 8), nn.Linear(8, 2)
    params = list(lstm.parameters()) + list(head.parameters())
    losses = []
    for _ in range(150):
        out, (h, _) = lstm(ag.tensor(x))
        loss = nn.functional.cross_entropy(head(h[0]), y)
        losses.append(loss.item())
        for p in params:
            p.grad = None
        loss.backward()
        for p in params:
            p.data -= 0.5 * p.grad.data
    assert losses[-1] < 0.5 * losses[0]


# --- modes and errors --------------------------------------------------------------------------


def test_dropout_between_layers_only_in_training():
    lstm = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=np.float64)
    x = ag.tensor(_rand(4, 2, 3))
    lstm.eval()
    a, _ = lstm(x)
    b, _ = lstm(x)
    np.testing.assert_array_equal(a.data, b.data)
    zeros = np.zeros((2, 2, 4))
    np.testing.assert_allclose(
        a.data, _np_lstm(x.data, _params(lstm), zeros, zeros, 2)[0], rtol=1e-12
    )
    lstm.train()
    ag.manual_seed(0)
    c, _ = lstm(x)
    assert not np.allclose(c.data, a.data)


def test_bad_shapes_raise_clear_errors():
    lstm = nn.LSTM(3, 4, num_layers=2)
    with pytest.raises(ValueError, match="LSTM: input has 5 features but input_size is 3"):
        lstm(ag.randn(2, 1, 5))
    with pytest.raises(ValueError, match=r"LSTM: expected input of shape \(T, B, 3\)"):
        lstm(ag.randn(2, 1, 1, 3))
    with pytest.raises(
        ValueError, match=r"LSTM: initial state must have shape \(2, 1, 4\), got \(1, 1, 4\)"
    ):
        lstm(ag.randn(2, 1, 3), (ag.zeros(1, 1, 4), ag.zeros(2, 1, 4)))
    with pytest.raises(ValueError, match="RNN: nonlinearity must be 'tanh' or 'relu'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
