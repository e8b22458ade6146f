"""Each fused gate against the composition it replaces: the same values and the same gradients,
on inputs of the layouts and dtypes the models give them (float32, channel-major conv outputs)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def _grads(fn, arrays: list[np.ndarray], seed: int = 0) -> tuple[np.ndarray, list[np.ndarray]]:
    """fn's value and the gradients of a fixed random projection of it w.r.t. every input."""
    leaves = [ag.tensor(a, requires_grad=True) for a in arrays]
    out = fn(*leaves)
    proj = np.random.default_rng(seed).standard_normal(out.shape).astype(out.dtype)
    (out * ag.tensor(proj)).sum().backward()
    return out.data, [t.grad.data for t in leaves]


def _assert_same(fused, reference, arrays: list[np.ndarray], rtol: float, atol: float) -> None:
    got, got_grads = _grads(fused, arrays)
    want, want_grads = _grads(reference, arrays)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)
    for g, w in zip(got_grads, want_grads):
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5), (4, 3, 6, 5)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm_matches_its_composition(dtype, shape, affine):
    rng = np.random.default_rng(1)
    x = (rng.standard_normal(shape) * 3 + 1).astype(dtype)
    arrays = [x]
    if affine:
        arrays += [rng.standard_normal(shape[1]).astype(dtype) for _ in range(2)]
    tol = 1e-10 if dtype == np.float64 else 2e-4
    _assert_same(lambda *a: ag.batch_norm_train(*a)[0], ag.batch_norm_composed, arrays, tol, tol)


def test_batch_norm_keeps_a_conv_outputs_channel_major_layout():
    rng = np.random.default_rng(2)
    x = ag.tensor(rng.standard_normal((4, 3, 5, 5)).astype(np.float32), requires_grad=True)
    w = ag.tensor(rng.standard_normal((6, 3, 3, 3)).astype(np.float32), requires_grad=True)
    h = ag.conv2d(x, w, padding=1)
    out, mean, var = ag.batch_norm_train(h)
    assert out.data.transpose(1, 0, 2, 3).flags.c_contiguous  # no transposing copy
    np.testing.assert_allclose(mean, h.data.mean(axis=(0, 2, 3)), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(var, h.data.var(axis=(0, 2, 3)), rtol=1e-5)
    _assert_same(
        lambda x, w: ag.batch_norm_train(ag.conv2d(x, w, padding=1))[0],
        lambda x, w: ag.batch_norm_composed(ag.conv2d(x, w, padding=1)),
        [x.data, w.data],
        2e-4,
        2e-4,
    )


def test_batch_norm_names_the_mismatch():
    with pytest.raises(ValueError, match=r"batch_norm: weight of shape \(2,\) does not match"):
        ag.batch_norm_train(ag.zeros(4, 3), ag.ones(2))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        ag.batch_norm_train(ag.zeros(1, 3))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optional", ["none", "bias", "states", "both"])
def test_lstm_states_matches_its_composition(dtype, optional):
    rng = np.random.default_rng(3)
    t_len, b, n_in, h = 5, 3, 4, 6

    def draw(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.5).astype(dtype)

    arrays = [draw(t_len, b, n_in), draw(4 * h, n_in), draw(4 * h, h)]
    n_bias = 2 if optional in ("bias", "both") else 0
    n_state = 2 if optional in ("states", "both") else 0
    arrays += [draw(4 * h) for _ in range(n_bias)] + [draw(b, h) for _ in range(n_state)]

    def call(fn):
        def run(x, w_ih, w_hh, *rest):
            biases = rest[:n_bias] or (None, None)
            states = rest[n_bias:] or (None, None)
            return fn(x, w_ih, w_hh, *biases, *states)

        return run

    tol = 1e-10 if dtype == np.float64 else 2e-5
    _assert_same(call(ag.lstm_states), call(ag.lstm_composed), arrays, tol, tol)


def test_lstm_states_names_the_mismatch():
    x, w_ih, w_hh = ag.zeros(3, 2, 4), ag.zeros(8, 4), ag.zeros(8, 2)
    with pytest.raises(ValueError, match=r"lstm_states: state must have shape \(2, 2\)"):
        ag.lstm_states(x, w_ih, w_hh, h0=ag.zeros(3, 2))
    with pytest.raises(ValueError, match=r"w_ih must have shape \(8, 4\)"):
        ag.lstm_states(x, ag.zeros(8, 3), w_hh)
    with pytest.raises(ValueError, match="both biases"):
        ag.lstm_states(x, w_ih, w_hh, b_ih=ag.zeros(8))
