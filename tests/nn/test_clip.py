"""nn.utils: gradient clipping by joint norm and by value; parameter <-> vector."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from nn.utils import clip_grad_norm_, clip_grad_value_, parameters_to_vector, vector_to_parameters


def _params(grads):
    ps = []
    for g in grads:
        p = ag.tensor(np.zeros(1) if g is None else np.zeros_like(g), requires_grad=True)
        p.grad = ag.tensor(np.array(g, copy=True)) if g is not None else None
        ps.append(p)
    return ps


def test_clip_grad_norm_scales_jointly_and_returns_the_norm():
    ps = _params([np.array([3.0, 0.0], np.float32), np.array([[4.0]], np.float32)])
    total = clip_grad_norm_(ps, max_norm=1.0)
    assert isinstance(total, ag.Tensor) and total.dtype == np.float32
    assert float(total) == pytest.approx(5.0)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(ps[0].grad.data, [3.0 * coef, 0.0], rtol=1e-6)
    np.testing.assert_allclose(ps[1].grad.data, [[4.0 * coef]], rtol=1e-6)
    assert ps[0].grad.dtype == np.float32
    new_norm = math.sqrt(sum(float((p.grad.data**2).sum()) for p in ps))
    assert new_norm == pytest.approx(1.0, rel=1e-5)


def test_clip_grad_norm_leaves_small_gradients_alone():
    ps = _params([np.array([0.3, 0.4])])
    assert float(clip_grad_norm_(ps, 1.0)) == pytest.approx(0.5)
    np.testing.assert_array_equal(ps[0].grad.data, [0.3, 0.4])


@pytest.mark.parametrize(
    "norm_type, expected",
    [(1.0, 10.0), (2.0, math.sqrt(30.0)), (3.0, 100.0 ** (1 / 3)), (math.inf, 4.0)],
)
def test_clip_grad_norm_orders(norm_type, expected):
    ps = _params([np.array([1.0, -2.0]), np.array([3.0, -4.0]), None])
    total = clip_grad_norm_(ps, max_norm=0.5, norm_type=norm_type)
    assert float(total) == pytest.approx(expected)
    flat = np.concatenate([ps[0].grad.data, ps[1].grad.data])
    assert np.linalg.norm(flat, ord=norm_type) == pytest.approx(0.5, rel=1e-5)


def test_clip_grad_norm_nonfinite():
    ps = _params([np.array([np.inf, 1.0])])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 .* is inf"):
        clip_grad_norm_(ps, 1.0, error_if_nonfinite=True)
    ps = _params([np.array([np.nan, 1.0])])
    assert math.isnan(float(clip_grad_norm_(ps, 1.0)))
    assert np.isnan(ps[0].grad.data).all()  # NaN spreads rather than hiding, as in PyTorch


def test_clip_grad_norm_single_tensor_and_no_grads():
    (p,) = _params([np.array([6.0, 8.0])])
    assert float(clip_grad_norm_(p, 5.0)) == pytest.approx(10.0)
    np.testing.assert_allclose(p.grad.data, [3.0, 4.0], rtol=1e-6)
    assert float(clip_grad_norm_(_params([None]), 1.0)) == 0.0


def test_clip_grad_value_():
    ps = _params([np.array([-3.0, 0.5, 2.0], np.float32)])
    clip_grad_value_(ps, 1.0)
    np.testing.assert_array_equal(ps[0].grad.data, [-1.0, 0.5, 1.0])
    assert ps[0].grad.dtype == np.float32


def test_parameters_vector_round_trip():
    a = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    b = ag.tensor(np.array([7.0]), requires_grad=True)
    v = parameters_to_vector([a, b])
    assert v.shape == (7,) and v.tolist() == [0, 1, 2, 3, 4, 5, 7]
    vector_to_parameters(ag.tensor(np.arange(7.0) * 2), [a, b])
    assert a.data.tolist() == [[0, 2, 4], [6, 8, 10]] and b.data.tolist() == [12.0]
    with pytest.raises(ValueError, match="7 elements"):
        vector_to_parameters(np.zeros(6), [a, b])
