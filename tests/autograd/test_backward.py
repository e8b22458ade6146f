"""The backward pass: accumulation, retain_graph, create_graph, autograd.grad, hooks, grad modes,
freeing, deep graphs."""

import gc
import weakref

import numpy as np
import pytest

import autograd as ag


def f64(*values, requires_grad=True):
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


def test_gradients_accumulate_across_backward_calls():
    x = f64(1.0, 2.0)
    (x * x).sum().backward()
    (x * x).sum().backward()
    assert x.grad.tolist() == [4.0, 8.0]


def test_a_tensor_used_twice_gets_both_contributions():
    x = f64(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_diamond_graph_visits_each_node_once():
    x = f64(2.0)
    a = x * 3
    b = a + a  # both uses of a
    c = a * b  # = 2 a^2 -> dc/dx = 4 a * 3 = 72
    c.backward()
    assert x.grad.item() == 72.0


def test_leaf_grads_never_alias_each_other():
    a, b = f64(1.0, 1.0), f64(2.0, 2.0)
    (a + b).sum().backward()
    assert a.grad.data is not b.grad.data
    a.grad.data *= 10  # e.g. in-place gradient clipping must not touch b's gradient
    assert b.grad.tolist() == [1.0, 1.0]


def test_non_leaf_grads_kept_only_with_retain_grad():
    x = f64(1.0, 2.0)
    y = x * 2
    z = y * 3
    y.retain_grad()
    z.sum().backward()
    assert y.grad.tolist() == [3.0, 3.0]
    assert z.grad is None


def test_backward_on_non_scalar_needs_gradient_of_the_right_shape():
    x = f64(1.0, 2.0)
    y = x * 2
    with pytest.raises(RuntimeError, match="only for one-element outputs.*\\(2,\\)"):
        y.backward()
    with pytest.raises(
        RuntimeError, match="gradient has shape \\(3,\\) but the output has shape \\(2,\\)"
    ):
        y.backward(np.ones(3))
    y.backward(np.array([1.0, -1.0]))
    assert x.grad.tolist() == [2.0, -2.0]


def test_second_backward_through_freed_graph_names_retain_graph():
    x = f64(1.0)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_pass_giving_twice_the_gradient():
    x = f64(1.0, 2.0)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.data.copy()
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2 * once)


def test_saved_arrays_are_released_after_backward():
    x = f64(1.0, 2.0)
    y = x.exp()
    node = y.grad_fn
    assert node.saved is not None
    y.sum().backward()
    assert node.saved is not None and not isinstance(node.saved, np.ndarray)


def test_autograd_grad_returns_without_touching_dot_grad():
    x, w = f64(1.0, 2.0), f64(3.0, 4.0)
    y = (x * w).sum()
    gx, gw = ag.grad(y, [x, w])
    assert gx.tolist() == [3.0, 4.0] and gw.tolist() == [1.0, 2.0]
    assert x.grad is None and w.grad is None


def test_autograd_grad_of_non_leaf_and_unused_inputs():
    x = f64(1.0, 2.0)
    h = x * 2
    y = (h * h).sum()
    (gh,) = ag.grad(y, h, retain_graph=True)
    assert gh.tolist() == [4.0, 8.0]
    unused = f64(5.0)
    with pytest.raises(RuntimeError, match="not used"):
        ag.grad(y, [x, unused], retain_graph=True)
    gx, gu = ag.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx.tolist() == [8.0, 16.0]


def test_autograd_grad_of_non_leaves_stops_below_them():
    """As in PyTorch, nodes that cannot reach a requested tensor do not run: they keep what they
    saved (a later backward through them still works) and no leaf's hook sees anything."""
    x = f64(0.5, 2.0)
    seen = []
    x.register_hook(lambda g: seen.append(g))
    h = x.exp()
    k = h * 3.0
    y = (h * k).sum()  # = 3 h^2
    gh, gk = ag.grad(y, [h, k])  # without retain_graph
    np.testing.assert_allclose(gh.data, 6 * np.exp(x.data))  # directly, and through k = 3h
    np.testing.assert_allclose(gk.data, np.exp(x.data))
    assert seen == []
    h.backward(ag.ones(2, dtype=np.float64))  # exp still holds its saved output
    np.testing.assert_allclose(x.grad.data, np.exp(x.data))
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()  # the nodes that did run were freed, as usual


def test_create_graph_gives_second_derivatives():
    x = f64(0.5, 2.0)
    y = (x**3).sum()
    (g,) = ag.grad(y, x, create_graph=True)  # 3x^2
    assert g.requires_grad
    (h,) = ag.grad(g.sum(), x)  # 6x
    np.testing.assert_allclose(h.data, [3.0, 12.0])


def test_hessian_vector_product():
    x = f64(1.0, 2.0, 3.0)
    v = np.array([1.0, 0.0, -1.0])
    y = (x * x * x).sum() + (x[0] * x[1] * x[2])
    (g,) = ag.grad(y, x, create_graph=True)
    (hv,) = ag.grad((g * v).sum(), x)
    # Hessian: diag(6x) + off-diagonal terms of x0 x1 x2
    hessian = np.diag(6 * x.data) + np.array([[0, 3, 2], [3, 0, 1], [2, 1, 0]], dtype=float)
    np.testing.assert_allclose(hv.data, hessian @ v)


def test_backward_with_create_graph_then_differentiate_grad():
    x = f64(2.0)
    y = x.tanh()
    y.backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    (g2,) = ag.grad(g, x)
    t = np.tanh(2.0)
    np.testing.assert_allclose(g2.item(), -2 * t * (1 - t * t))


def test_no_grad_enable_grad_and_set_grad_enabled():
    x = f64(1.0)
    with ag.no_grad():
        assert not (x * 2).requires_grad
        with ag.enable_grad():
            assert (x * 2).requires_grad
    assert (x * 2).requires_grad
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()

    @ag.no_grad()
    def frozen(t):
        return t * 2

    @ag.set_grad_enabled(False)
    def also_frozen(t):
        return t * 2

    assert not frozen(x).requires_grad and not also_frozen(x).requires_grad
    assert ag.is_grad_enabled()


def test_hooks_inspect_and_replace_gradients():
    x = f64(1.0, 2.0)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 3
    remove = y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[30.0, 30.0]]
    assert x.grad.tolist() == [30.0, 30.0]
    remove.remove()
    x.grad = None
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_constants_get_no_gradient():
    x = f64(1.0)
    c = ag.tensor([2.0], dtype=np.float64)
    (x * c).sum().backward()
    assert c.grad is None


def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = f64(1.0, 2.0)
        h = (x * 2).exp()
        data, node = weakref.ref(h), weakref.ref(h.grad_fn)  # an activation, and its node
        y = h.sum()
        del h
        assert data() is not None  # y's graph holds the activation until backward ...
        y.backward()
        assert data() is None and node() is not None  # ... then only the node (for drawing)
        del y
        assert node() is None  # ... and nothing else: no cycles, no gc needed
    finally:
        gc.enable()


def test_deep_chain_backward_is_iterative():
    x = ag.tensor(np.ones(3), requires_grad=True)
    h = x
    for _ in range(100_000):
        h = h * 1.0
    h.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    del h  # deallocating a 100,000-deep chain must not overflow the C stack


def test_broadcast_gradients_come_back_in_input_shape():
    a = ag.tensor(np.ones((3, 1)), requires_grad=True)
    b = ag.tensor(np.ones((4,)), requires_grad=True)
    c = ag.tensor(np.ones(()), requires_grad=True)
    (a * b + c).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
    assert b.grad.shape == (4,) and b.grad.tolist() == [3.0] * 4
    assert c.grad.shape == () and c.grad.item() == 12.0


def test_where_does_not_leak_nan_from_the_branch_not_taken():
    x = ag.tensor(np.array([-1.0, 4.0]), requires_grad=True)
    safe = ag.where(x > 0, x, ag.tensor(1.0, dtype=np.float64))
    y = ag.where(x > 0, ag.sqrt(safe), ag.tensor(0.0, dtype=np.float64))
    y.sum().backward()
    assert np.isfinite(x.grad.data).all()
    # the classic case without the inner guard: sqrt(-1) is NaN, but its branch is not taken
    x2 = ag.tensor(np.array([-1.0, 4.0]), requires_grad=True)
    with np.errstate(invalid="ignore"):
        y2 = ag.where(x2 > 0, ag.sqrt(x2), ag.tensor(0.0, dtype=np.float64))
    y2.sum().backward()
    assert x2.grad.tolist() == [0.0, 0.25]


def test_float32_gradients_stay_float32():
    x = ag.randn(3, 4, requires_grad=True)
    w = ag.randn(4, 2, requires_grad=True)
    (x @ w).relu().sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_gradients_bit_identical_across_reruns():
    def run():
        ag.manual_seed(0)
        w = ag.randn(8, 8, requires_grad=True)
        x = ag.randn(4, 8)
        (x @ w).tanh().logsumexp(axis=1).sum().backward()
        return w.grad.data

    np.testing.assert_array_equal(run(), run())


def test_retain_grad_is_idempotent():
    x = f64(1.0, 2.0)
    y = x * 2
    y.retain_grad()
    y.retain_grad()
    assert y.retains_grad and not (x * 3).retains_grad
    y.sum().backward()
    assert y.grad.tolist() == [1.0, 1.0]


def test_weight_used_transposed_gets_a_contiguous_gradient():
    w = ag.randn(5, 3, requires_grad=True)
    x = ag.randn(4, 3)
    (x @ w.T).sum().backward()
    assert w.grad.data.flags.c_contiguous
    np.testing.assert_allclose(w.grad.data, np.ones((5, 4)) @ x.data, rtol=1e-6)


def test_a_leaf_hook_sees_the_summed_gradient_once():
    x = f64(1.0, 2.0)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * 2 + x * x + x.sum()).sum().backward()  # three uses of x
    assert seen == [[2 + 2 * 1 + 2, 2 + 2 * 2 + 2]]  # PyTorch's convention: one call, the total
    assert x.grad.tolist() == seen[0]


@pytest.mark.parametrize("op", ["log_softmax", "softmax", "tanh", "sigmoid", "exp", "relu"])
def test_plain_backward_promotes_like_the_recorded_pass(op):
    """A float32 tensor meeting a float64 upstream gradient: the array rules (plain backward)
    must give what the Tensor rules (create_graph) give, dtype included."""
    x = ag.tensor(np.array([[0.5, -1.0, 2.0]], dtype=np.float32), requires_grad=True)
    w = ag.tensor(np.array([[1.0, 2.0, -3.0]]), dtype=np.float64)
    (getattr(x, op)() * w).sum().backward()
    x2 = ag.tensor(x.data.copy(), requires_grad=True)
    (expected,) = ag.grad((getattr(x2, op)() * w).sum(), x2, create_graph=True)
    assert x.grad.dtype == expected.dtype
    np.testing.assert_allclose(x.grad.data, expected.data, rtol=1e-6)  # float32 inputs


def test_deep_copies_are_for_leaves_as_in_pytorch():
    import copy

    x = f64(0.5, -1.0)
    x.grad = f64(1.0, 2.0, requires_grad=False)
    c = copy.deepcopy(x)
    assert c is not x and c.requires_grad and c.tolist() == x.tolist() and c.grad.tolist() == [1, 2]
    c.data[0] = 9.0
    assert x.data[0] == 0.5  # its own storage
    with pytest.raises(RuntimeError, match="deepcopy: only leaf tensors"):
        copy.deepcopy(x * 3.0)


def test_a_rule_returning_too_few_gradients_is_an_error_naming_its_gate():
    from autograd.graph import GATES, Gate
    from autograd.tensor import _recorded as recorded

    bad = Gate(
        "test_two_inputs_one_gradient", "returns one gradient for two inputs", lambda n, g: (g,)
    )
    try:
        a, b = f64(1.0), f64(2.0)
        out = recorded(bad, a.data + b.data, (a, b))
        with pytest.raises(
            RuntimeError, match="test_two_inputs_one_gradient.*1 gradients for 2 inputs"
        ):
            out.sum().backward()
    finally:
        del GATES[bad.name]


def test_autograd_backward_runs_several_roots_as_one_pass():
    # torch.autograd.backward: each root seeded with its own gradient, the sum reaching .grad
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    ag.backward([(x * x).sum(), x * 3], [None, ag.tensor([1.0, 10.0])])
    assert x.grad.tolist() == [2.0 + 3.0, 4.0 + 30.0]
    x.grad = None
    ag.backward((x * x).sum())  # one tensor, one-element: seeded with 1
    assert x.grad.tolist() == [2.0, 4.0]
    with pytest.raises(ValueError, match="backward: 1 grad_tensors for 2 tensors"):
        ag.backward([x * 1, x * 2], [ag.ones(2)])
    with pytest.raises(RuntimeError, match="backward: every tensor must be a Tensor that requires"):
        ag.backward([ag.ones(2).sum()])
