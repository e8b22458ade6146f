"""autograd.Function (users' own gates), autograd.functional (vjp, jvp, jacobian, hessian, hvp,
vhp) and autograd.checkpoint."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import nn
from autograd import ModifiedError
from autograd import functional as AF
from autograd.testing import tensors


def f64(*values: float) -> ag.Tensor:
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=True)


class Sigmoid(ag.Function):
    """squashes: the input receives g * s * (1 - s), s the output"""

    @staticmethod
    def forward(ctx, x):
        s = 1.0 / (1.0 + (-x).exp())
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, g):
        (s,) = ctx.saved_tensors
        return g * s * (1.0 - s)


class ScaledMul(ag.Function):
    """a receives g * b * k, b receives g * a * k"""

    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b * k

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * b * ctx.k if ctx.needs_input_grad[0] else None
        gb = g * a * ctx.k if ctx.needs_input_grad[1] else None
        return ga, gb, None  # nothing for the number k


# --- Function ----------------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(x=tensors(st.sampled_from([(), (3,), (2, 1)]), domain="real"))
def test_a_user_gate_passes_gradcheck_and_gradgradcheck(x):
    t = ag.tensor(x, requires_grad=True)
    assert ag.gradcheck(Sigmoid.apply, [t])
    assert ag.gradgradcheck(Sigmoid.apply, [t])
    np.testing.assert_allclose(Sigmoid.apply(t).data, ag.sigmoid(t).data, rtol=1e-12)


def test_broadcasting_arguments_and_needs_input_grad():
    a = f64(1.0, 2.0, 3.0)
    b = ag.tensor(np.array([[2.0], [3.0]]), requires_grad=True)
    assert ag.gradcheck(lambda a, b: ScaledMul.apply(a, b, 0.5), [a, b])
    c = ag.tensor(np.array([[2.0], [3.0]]))  # needs no gradient: backward is told so
    seen = []

    class Spy(ScaledMul):
        @staticmethod
        def backward(ctx, g):
            seen.append(ctx.needs_input_grad)
            return ScaledMul.backward(ctx, g)

    Spy.apply(a, c, 2.0).sum().backward()
    assert seen == [(True, False, False)]
    np.testing.assert_allclose(a.grad.data, 2.0 * 5.0 * np.ones(3))


def test_it_is_drawn_and_named_like_any_gate(monkeypatch):
    from autograd.viz import _dot

    monkeypatch.setattr(_dot, "ATTR_REPR_MAX", 10_000)  # however long, the tooltip shows no attrs
    y = Sigmoid.apply(f64(0.5))
    assert y.grad_fn.name == "Sigmoid" and "squashes" in y.grad_fn.gate.rule
    dot = ag.viz.draw(y).dot
    assert 'label="{Sigmoid (output)|' in dot  # the gate's name heads its node
    assert "args:" not in dot and "class" not in dot  # no engine bookkeeping in its tooltip
    assert "Sigmoid" not in ag.GATES  # users' gates stay out of the engine's registry


def test_several_outputs_and_non_differentiable_ones():
    class SortDescending(ag.Function):
        """values receive their gradient back at their original positions"""

        @staticmethod
        def forward(ctx, x):
            order = np.argsort(-x.data, kind="stable")
            ctx.order = order
            idx = ag.tensor(order)
            ctx.mark_non_differentiable(idx)
            return ag.tensor(x.data[order]), idx

        @staticmethod
        def backward(ctx, g):
            out = np.zeros_like(g.data)
            out[ctx.order] = g.data
            return ag.tensor(out)

    x = f64(1.0, 3.0, 2.0)
    values, indices = SortDescending.apply(x)
    assert values.tolist() == [3.0, 2.0, 1.0] and indices.tolist() == [1, 2, 0]
    assert values.requires_grad and not indices.requires_grad
    (values * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert x.grad.tolist() == [100.0, 1.0, 10.0]

    class SplitTwo(ag.Function):
        """each half receives its own gradient"""

        @staticmethod
        def forward(ctx, x):
            return x[:2] * 1.0, x[2:] * 1.0

        @staticmethod
        def backward(ctx, ga, gb):
            return ag.cat([ga, gb])

    x = f64(1.0, 2.0, 3.0)
    a, b = SplitTwo.apply(x)
    assert ag.gradcheck(lambda t: SplitTwo.apply(t), [x])
    assert a.grad_fn is not None and b.grad_fn is not None


def test_a_saved_tensor_changed_in_place_is_refused():
    x = f64(1.0, 2.0)
    w = ag.tensor(np.array([3.0, 4.0]))
    y = ScaledMul.apply(x, w, 1.0).sum()
    w.add_(1)
    with pytest.raises(ModifiedError, match="ScaledMul: saved tensor 1 .* version 1"):
        y.backward()


def test_wrong_backward_results_are_named():
    class TooFew(ag.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            return g

    with pytest.raises(
        RuntimeError, match=r"TooFew.backward returned 1 gradient\(s\); forward took 2"
    ):
        TooFew.apply(f64(1.0), f64(2.0)).backward()

    class WrongShape(ag.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, g):
            return ag.ones(5, dtype="float64")

    with pytest.raises(
        RuntimeError, match=r"WrongShape.backward returned a gradient of shape \(5,\)"
    ):
        WrongShape.apply(f64(1.0, 2.0)).sum().backward()
    with pytest.raises(TypeError, match="must return a Tensor or a tuple of Tensors"):

        class NotATensor(ag.Function):
            @staticmethod
            def forward(ctx, a):
                return 3

        NotATensor.apply(f64(1.0))


def test_under_no_grad_nothing_is_recorded_and_graphs_free_as_usual():
    x = f64(1.0, 2.0)
    with ag.no_grad():
        assert Sigmoid.apply(x).grad_fn is None
    y = Sigmoid.apply(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


# --- functional --------------------------------------------------------------------------------


def _numeric_jacobian(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    base = f(x)
    jac = np.zeros(base.shape + x.shape)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        jac[(...,) + i] = (f(x + d) - f(x - d)) / (2 * eps)
    return jac


def _fn(a: ag.Tensor) -> ag.Tensor:
    return (a * a).tanh() * a.sum() + a.exp()


@settings(max_examples=15, deadline=None)
@given(x=tensors(st.sampled_from([(3,), (2, 2)]), domain="bounded"))
def test_jacobian_vjp_and_jvp_match_finite_differences(x):
    t = ag.tensor(x)
    want = _numeric_jacobian(lambda a: _fn(ag.tensor(a)).data, x)
    np.testing.assert_allclose(AF.jacobian(_fn, t).data, want, rtol=1e-5, atol=1e-7)
    v = np.linspace(-1, 1, x.size).reshape(x.shape)
    out, vjp = AF.vjp(_fn, t, ag.tensor(v))
    np.testing.assert_allclose(vjp.data, np.tensordot(v, want, axes=v.ndim), rtol=1e-5, atol=1e-7)
    _, jvp = AF.jvp(_fn, t, ag.tensor(v))
    np.testing.assert_allclose(jvp.data, np.tensordot(want, v, axes=v.ndim), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(out.data, _fn(t).data)
    assert not out.requires_grad and not vjp.requires_grad


def _scalar(a: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
    return (a * a * b).sum() + (a.sin() if hasattr(a, "sin") else a.tanh()).sum() * b.sum()


def test_hessian_hvp_and_vhp():
    a, b = ag.tensor(np.array([0.3, -0.7])), ag.tensor(np.array([1.1, 0.4]))
    h = AF.hessian(_scalar, (a, b))
    flat = np.block([[h[0][0].data, h[0][1].data], [h[1][0].data, h[1][1].data]])

    def grad_at(z: np.ndarray) -> np.ndarray:
        za, zb = ag.tensor(z[:2], requires_grad=True), ag.tensor(z[2:], requires_grad=True)
        ga, gb = ag.grad(_scalar(za, zb), [za, zb])
        return np.concatenate([ga.data, gb.data])

    np.testing.assert_allclose(flat, _numeric_jacobian(grad_at, np.r_[a.data, b.data]), rtol=1e-5)
    np.testing.assert_allclose(flat, flat.T, rtol=1e-10)  # symmetric
    va, vb = ag.tensor(np.array([1.0, -2.0])), ag.tensor(np.array([0.5, 3.0]))
    want = flat @ np.r_[va.data, vb.data]
    _, hv = AF.hvp(_scalar, (a, b), (va, vb))
    _, vh = AF.vhp(_scalar, (a, b), (va, vb))
    np.testing.assert_allclose(np.r_[hv[0].data, hv[1].data], want, rtol=1e-10)
    np.testing.assert_allclose(np.r_[vh[0].data, vh[1].data], want, rtol=1e-10)


def test_functional_options_and_errors():
    x = f64(0.5, 2.0)
    _, g = AF.vjp(lambda a: (a * a).sum(), x, create_graph=True)
    (gg,) = ag.grad(g.sum(), x)  # differentiable again
    np.testing.assert_allclose(gg.data, [2.0, 2.0])
    _, g = AF.vjp(lambda a, b: a * 2.0, (x, f64(1.0, 1.0)), ag.ones(2, dtype="float64"))
    assert g[1].tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match="does not depend on input 1"):
        AF.vjp(lambda a, b: a * 2.0, (x, f64(1.0, 1.0)), ag.ones(2, dtype="float64"), strict=True)
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        AF.vjp(lambda a: a * 2.0, x)
    with pytest.raises(RuntimeError, match=r"v\[0\] has shape \(3,\)"):
        AF.jvp(lambda a: a * 2.0, x, ag.ones(3, dtype="float64"))
    with pytest.raises(RuntimeError, match="one element"):
        AF.hvp(lambda a: a * 2.0, x, x)


# --- checkpoint --------------------------------------------------------------------------------


def _segment(x: ag.Tensor, w: ag.Tensor) -> ag.Tensor:
    h = x
    for _ in range(6):
        h = (h @ w).tanh()
    return h


def test_checkpoint_gives_the_same_gradients_with_less_memory():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((400, 400)).astype(np.float32))
    w = ag.tensor(rng.standard_normal((400, 400)).astype(np.float32) / 20, requires_grad=True)
    peaks, grads = [], []
    for use in (False, True):
        w.grad = None
        tracemalloc.start()
        h = x
        for _ in range(4):  # four segments of six layers
            h = ag.checkpoint(_segment, h, w) if use else _segment(h, w)
        h.sum().backward()
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        grads.append(w.grad.data.copy())
    scale = np.abs(grads[0]).max()  # float32: the two sum their 24 contributions in other orders
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-5, atol=1e-6 * scale)
    assert peaks[1] < 0.6 * peaks[0], f"peak {peaks[1] / 1e6:.1f} MB vs {peaks[0] / 1e6:.1f} MB"


def test_checkpoint_repeats_dropout_from_the_default_generator():
    ag.manual_seed(3)
    drop = nn.Dropout(0.5)
    x = f64(*np.linspace(-1, 1, 20))
    y = ag.checkpoint(lambda t: drop(t * 3.0), x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, np.where(y.data != 0, 6.0, 0.0))


def test_checkpoint_refuses_a_recomputation_that_differs():
    drop = nn.Dropout(0.5, generator=7)  # its own stream: the recomputation draws new masks
    x = f64(*np.linspace(-1, 1, 50))
    y = ag.checkpoint(lambda t: drop(t), x)
    with pytest.raises(RuntimeError, match="recomputing the segment gave a different result"):
        y.sum().backward()
    y = ag.checkpoint(lambda t: (t * t).sum(), x)
    with pytest.raises(RuntimeError, match="differentiable once"):
        ag.grad(y, x, create_graph=True)
