"""Known answers from the course material: the gate-unit worked examples, worked by hand.

Backprop's three gate units (加法门单元: 均等分配; MAX 门单元: 给最大的; 乘法门单元: 互换):
the add gate distributes the upstream gradient unchanged, the max gate routes it to the larger
input, the mul gate swaps the inputs. Plus the subgradient conventions the engine documents:
relu'(0) = 0, maximum ties split 0.5 / 0.5, max-reduction ties split evenly.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag


def _leaf(v: float | list) -> ag.Tensor:
    return ag.tensor(np.asarray(v, dtype=np.float64), requires_grad=True)


# --- the circuit f = (x + y) * z ---------------------------------------------------------------


def test_add_then_mul_circuit() -> None:
    x, y, z = _leaf(-2.0), _leaf(5.0), _leaf(-4.0)
    q = x + y  # q = 3
    f = q * z  # f = -12
    f.backward()
    assert f.item() == -12.0
    assert x.grad.item() == -4.0  # df/dx = df/dq * dq/dx = z * 1
    assert y.grad.item() == -4.0  # df/dy = z * 1
    assert z.grad.item() == 3.0  # df/dz = q


def test_add_then_mul_circuit_with_autograd_grad() -> None:
    x, y, z = _leaf(-2.0), _leaf(5.0), _leaf(-4.0)
    gx, gy, gz = ag.grad((x + y) * z, [x, y, z])
    assert (gx.item(), gy.item(), gz.item()) == (-4.0, -4.0, 3.0)


# --- the sigmoid neuron f = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) -------------------------------

W, X = [2.0, -3.0, -3.0], [-1.0, -2.0]
DOT = 2.0 * -1.0 + -3.0 * -2.0 + -3.0  # = 1
F = 1 / (1 + math.exp(-DOT))  # 0.7310585786...
LOCAL = F * (1 - F)  # sigmoid'(1) = 0.19661193...


def _check_neuron(f: ag.Tensor, w: list[ag.Tensor], x: list[ag.Tensor]) -> None:
    f.backward()
    assert f.item() == pytest.approx(0.73, abs=5e-3)
    assert f.item() == pytest.approx(F, rel=1e-12)
    dw = [t.grad.item() for t in w]
    dx = [t.grad.item() for t in x]
    # the course's rounded values ...
    assert dw == pytest.approx([-0.20, -0.39, 0.20], abs=5e-3)
    assert dx == pytest.approx([0.39, -0.59], abs=5e-3)
    # ... and the exact ones: dw = [x0, x1, 1] * s(1 - s), dx = [w0, w1] * s(1 - s)
    assert dw == pytest.approx([X[0] * LOCAL, X[1] * LOCAL, LOCAL], rel=1e-12)
    assert dx == pytest.approx([W[0] * LOCAL, W[1] * LOCAL], rel=1e-12)


def test_sigmoid_neuron_gate_by_gate() -> None:
    w = [_leaf(v) for v in W]
    x = [_leaf(v) for v in X]
    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    f = 1.0 / (1.0 + ag.exp(-dot))  # mul, add, neg, exp, add, div: the course's circuit
    _check_neuron(f, w, x)


def test_sigmoid_neuron_with_the_fused_sigmoid_gate() -> None:
    w = [_leaf(v) for v in W]
    x = [_leaf(v) for v in X]
    f = ag.sigmoid(w[0] * x[0] + w[1] * x[1] + w[2])
    assert f.grad_fn.name == "sigmoid"
    _check_neuron(f, w, x)


def test_sigmoid_neuron_vectorised() -> None:
    w, x = _leaf(W), _leaf(X)
    f = ag.sigmoid(ag.dot(w[:2], x) + w[2])
    f.backward()
    assert f.item() == pytest.approx(F, rel=1e-12)
    np.testing.assert_allclose(w.grad.data, [X[0] * LOCAL, X[1] * LOCAL, LOCAL], rtol=1e-12)
    np.testing.assert_allclose(x.grad.data, [W[0] * LOCAL, W[1] * LOCAL], rtol=1e-12)


# --- the three gate units ----------------------------------------------------------------------


def test_add_gate_distributes() -> None:
    a, b = _leaf(3.0), _leaf(-7.0)
    (a + b).backward(np.array(2.5))
    assert a.grad.item() == 2.5 and b.grad.item() == 2.5
    assert "distributes" in ag.GATES["add"].rule


def test_mul_gate_swaps() -> None:
    a, b = _leaf(3.0), _leaf(-4.0)
    (a * b).backward(np.array(2.0))
    assert a.grad.item() == -8.0  # upstream * the other input
    assert b.grad.item() == 6.0
    assert "swaps" in ag.GATES["mul"].rule


@pytest.mark.parametrize(("a", "b", "da", "db"), [(4.0, 2.0, 3.0, 0.0), (-1.0, 5.0, 0.0, 3.0)])
def test_max_gate_routes_to_the_winner(a: float, b: float, da: float, db: float) -> None:
    ta, tb = _leaf(a), _leaf(b)
    ag.maximum(ta, tb).backward(np.array(3.0))
    assert (ta.grad.item(), tb.grad.item()) == (da, db)
    assert "routes" in ag.GATES["maximum"].rule


def test_maximum_and_minimum_ties_split_evenly() -> None:
    for op in (ag.maximum, ag.minimum):
        a, b = _leaf([2.0, 1.0, 5.0]), _leaf([2.0, 3.0, 5.0])
        op(a, b).backward(np.array([4.0, 4.0, 2.0]))
        expect_a = [2.0, 0.0, 1.0] if op is ag.maximum else [2.0, 4.0, 1.0]
        expect_b = [2.0, 4.0, 1.0] if op is ag.maximum else [2.0, 0.0, 1.0]
        np.testing.assert_array_equal(a.grad.data, expect_a)
        np.testing.assert_array_equal(b.grad.data, expect_b)
    assert "ties split" in ag.GATES["maximum"].rule and "ties split" in ag.GATES["minimum"].rule


def test_maximum_tie_with_itself_passes_the_whole_gradient() -> None:
    x = _leaf([1.0, -2.0])
    ag.maximum(x, x).backward(np.ones(2))  # both halves reach x
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


def test_max_reduction_ties_split_evenly() -> None:
    x = _leaf([1.0, 3.0, 3.0, 3.0])
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 1 / 3, 1 / 3, 1 / 3], rtol=1e-15)

    x = _leaf([[2.0, 2.0, 0.0], [1.0, 5.0, -1.0]])
    x.amax(axis=1).backward(np.array([1.0, 10.0]))
    np.testing.assert_array_equal(x.grad.data, [[0.5, 0.5, 0.0], [0.0, 10.0, 0.0]])

    x = _leaf([[2.0, 2.0], [2.0, 7.0]])
    x.amin(axis=0, keepdims=True).backward(np.array([[6.0, 1.0]]))
    np.testing.assert_array_equal(x.grad.data, [[3.0, 1.0], [3.0, 0.0]])


# --- subgradient conventions -------------------------------------------------------------------


def test_relu_derivative_at_zero_is_zero() -> None:
    x = _leaf([-1.0, 0.0, 2.0])
    ag.relu(x).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 1.0])
    assert "relu'(0) = 0" in ag.GATES["relu"].rule


def test_abs_derivative_at_zero_is_zero() -> None:
    x = _leaf([-3.0, 0.0, 2.0])
    ag.abs(x).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])


def test_leaky_relu_slope_applies_at_zero() -> None:
    x = _leaf([-2.0, 0.0, 2.0])
    ag.leaky_relu(x, 0.1).backward(np.ones(3))
    np.testing.assert_allclose(x.grad.data, [0.1, 0.1, 1.0])


def test_clip_passes_the_gradient_at_its_bounds() -> None:
    x = _leaf([-1.0, 0.0, 0.5, 1.0, 2.0])
    ag.clip(x, 0.0, 1.0).backward(np.ones(5))
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_pow_of_zero_exponent_has_zero_gradient_even_at_zero() -> None:
    x = _leaf([0.0, 2.0, -3.0])
    (x**0.0).backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])
