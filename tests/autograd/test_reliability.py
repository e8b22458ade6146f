"""Engine reliability: anomaly detection, extreme-value numerics, gradient identities."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag


def test_detect_anomaly_names_the_gate_shapes_and_the_users_line():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = ag.sqrt(x)  # sqrt'(0) = inf: the first bad backward
        loss = (y * 2).sum()
        with pytest.raises(ag.AnomalyError) as info:
            loss.backward()
    message = str(info.value)
    assert message.startswith("sqrt: backward produced NaN/inf")
    assert "(2,)" in message
    assert "test_reliability.py" in message and "y = ag.sqrt(x)" in message


def test_without_anomaly_mode_the_same_graph_just_gives_inf():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with np.errstate(divide="ignore"):
        ag.sqrt(x).sum().backward()
    assert np.isinf(x.grad.data[0])


@pytest.mark.parametrize("scale", [1.0, 1e4])
def test_log_softmax_and_logsumexp_finite_and_exact_at_large_logits(scale):
    logits = ag.tensor(np.array([[1.0, 2.0, 3.0]]) * scale, requires_grad=True)
    out = ag.log_softmax(logits, axis=1)
    ref = logits.data - logits.data.max() - np.log(np.exp(logits.data - logits.data.max()).sum())
    np.testing.assert_allclose(out.data, ref, rtol=1e-6)
    out[0, 2].backward()
    assert np.isfinite(logits.grad.data).all()
    lse = ag.logsumexp(ag.tensor(np.array([1e4, 1e4], dtype=np.float32)))
    np.testing.assert_allclose(lse.item(), 1e4 + np.log(2), rtol=1e-6)


def test_shifting_all_logits_changes_no_log_softmax_gradient():
    base = np.random.default_rng(0).standard_normal((4, 5))
    grads = []
    for shift in (0.0, 1e3):
        x = ag.tensor(base + shift, requires_grad=True)
        ag.log_softmax(x, axis=1)[np.arange(4), np.array([0, 1, 2, 3])].sum().backward()
        grads.append(x.grad.data)
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-9)


def test_sigmoid_and_softplus_at_extremes():
    x = ag.tensor(np.array([-400.0, -1e4, 0.0, 400.0, 1e4], dtype=np.float32), requires_grad=True)
    s = ag.sigmoid(x)
    np.testing.assert_array_equal(s.data, [0.0, 0.0, 0.5, 1.0, 1.0])
    s.sum().backward()
    assert np.isfinite(x.grad.data).all()
    assert x.grad.data[0] == 0.0 and x.grad.data[3] == 0.0  # underflows to 0, not NaN
    x.grad = None
    sp = ag.softplus(x)
    np.testing.assert_allclose(sp.data, [0.0, 0.0, np.log(2), 400.0, 1e4], rtol=1e-6)
    sp.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.0, 0.5, 1.0, 1.0])


small_arrays = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    elements=st.floats(-3, 3),
)


def _program(x):
    return (ag.tanh(x) * x + ag.exp(x * 0.5)).sum(axis=-1).logsumexp()


@given(small_arrays)
def test_backward_twice_with_retain_graph_equals_twice_the_gradient(arr):
    x = ag.tensor(arr, requires_grad=True)
    y = _program(x)
    y.backward(retain_graph=True)
    once = x.grad.data.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * once, rtol=1e-12)


@given(small_arrays)
def test_zero_upstream_gradient_gives_zero_gradients(arr):
    x = ag.tensor(arr, requires_grad=True)
    y = ag.sigmoid(x) * x
    y.backward(np.zeros_like(arr))
    assert not x.grad.data.any()


@given(small_arrays)
def test_gradients_bit_identical_across_reruns(arr):
    def run():
        x = ag.tensor(arr, requires_grad=True)
        _program(x).backward()
        return x.grad.data

    np.testing.assert_array_equal(run(), run())


@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(-3, 3)))
def test_strided_inputs_match_contiguous_copies(arr):
    views = [arr.T, arr[:, ::2], arr[::-1]]
    for view in views:
        grads = []
        for data in (view, np.ascontiguousarray(view)):
            x = ag.tensor(data, requires_grad=True)
            w = ag.tensor(np.ones((data.shape[-1], 2)), requires_grad=True)
            (ag.tanh(x @ w) * x.sum(axis=1, keepdims=True)).sum().backward()
            grads.append((x.grad.data, w.grad.data))
        np.testing.assert_allclose(grads[0][0], grads[1][0], rtol=1e-12)
        np.testing.assert_allclose(grads[0][1], grads[1][1], rtol=1e-12)


def test_deep_graph_forward_backward_draw_and_free():
    x = ag.tensor(np.ones(2), requires_grad=True)
    h = x
    for i in range(150_000):
        h = h + 1.0 if i % 2 else h * 1.0
    loss = h.sum()
    loss.backward()
    assert x.grad.tolist() == [1.0, 1.0]
    drawing = ag.viz.draw(loss, max_nodes=200)  # iterative walk, summarised beyond 200 nodes
    assert "omitted" in drawing.dot and drawing.dot.count("->") < 1000
    node = loss.grad_fn
    import weakref

    ref = weakref.ref(node)
    del h, loss, node, drawing
    assert ref() is None  # the whole chain freed by reference counting


_PROGRAMS = [
    lambda h: h.mean() + (h * h).mean(),  # a read-only broadcast gradient arrives first ...
    lambda h: (h * h).mean() + h.mean(),  # ... or second
    lambda h: (h.sum(axis=1, keepdims=True) * h).sum() + h.sum() * 3.0,
    lambda h: (h.T * h.T).mean() + h.mean() * h.sum() + ag.tanh(h).mean(axis=0).sum(),
    lambda h: (h.reshape(12) * 2.0).sum() + h.max() + h.mean(),
    # relu masks an upstream gradient it owns in place; matmul hands W.T's gradient down as a
    # view of its own product; a relu output used twice must not be masked twice
    lambda h: (h.relu() * 2.0).sum() + ((h * 3.0).relu() * h).mean(),
    lambda h: ((h @ h.T).relu() * h.sum()).sum() + ((h * 2.0).T.relu() @ h).mean(),
    lambda h: (lambda r: (r * r).sum() + (r * 3.0).relu().sum())((h * 2.0).relu() * 2.0),
]


@pytest.mark.parametrize("program", _PROGRAMS)
@given(hnp.arrays(np.float64, (3, 4), elements=st.floats(-2, 2)))
def test_backward_equals_autograd_grad_on_shared_and_broadcast_subexpressions(program, arr):
    """A plain backward() writes into gradient arrays it owns (sums, relu's mask); a recorded
    one (create_graph=True: the Tensor rules) never writes in place. Reused nodes, sums/means
    (read-only zero-stride gradients) and views exercise exactly those ownership rules."""
    x1 = ag.tensor(arr, requires_grad=True)
    program(x1 * 1.5).backward()
    x2 = ag.tensor(arr, requires_grad=True)
    (expected,) = ag.grad(program(x2 * 1.5), x2, create_graph=True)
    np.testing.assert_allclose(x1.grad.data, expected.data, rtol=1e-12, atol=1e-12)


def test_leaf_gradients_are_writable():
    x = ag.tensor(np.ones((2, 3)), requires_grad=True)
    (x.sum() * 3).backward()
    x.grad.data *= 0.5  # in-place gradient clipping must work
    assert x.grad.tolist() == [[1.5] * 3] * 2


def test_relu_masking_in_place_never_touches_a_gradient_someone_kept():
    x = ag.tensor(np.array([-1.0, 2.0, -3.0, 4.0]), requires_grad=True)
    h = x * 1.0
    r = h.relu()
    r.retain_grad()  # the relu's upstream gradient is now visible: it must stay unmasked
    seen = []
    h.register_hook(lambda g: seen.append(g.data.copy()))
    (r * ag.tensor(np.array([5.0, 6.0, 7.0, 8.0]))).sum().backward()
    assert r.grad.tolist() == [5.0, 6.0, 7.0, 8.0]
    assert x.grad.tolist() == [0.0, 6.0, 0.0, 8.0]
    assert seen[0].tolist() == [0.0, 6.0, 0.0, 8.0]


@pytest.mark.parametrize("program", _PROGRAMS[-3:])
def test_in_place_rules_on_big_gradients_match_the_recorded_pass(program):
    """relu masks in place only gradients of at least 4096 elements: check them at that size."""
    arr = np.random.default_rng(0).standard_normal((64, 80))
    x1 = ag.tensor(arr, requires_grad=True)
    program(x1 * 1.5).backward()
    x2 = ag.tensor(arr, requires_grad=True)
    (expected,) = ag.grad(program(x2 * 1.5), x2, create_graph=True)
    np.testing.assert_allclose(x1.grad.data, expected.data, rtol=1e-12, atol=1e-12)


# --- anomaly mode sees forward NaNs and overflowing sums ----------------------------------------


def test_anomaly_mode_blames_the_first_gate_whose_forward_is_not_finite():
    x = ag.tensor([1.0, -1.0], requires_grad=True)
    with ag.detect_anomaly(), np.errstate(invalid="ignore"):
        h = x * 2.0
        with pytest.raises(ag.AnomalyError) as info:
            ag.log(h)  # log of a negative number: NaN from finite inputs
    message = str(info.value)
    assert message.startswith("log: forward produced NaN/inf from finite inputs")
    assert "test_reliability.py" in message and "ag.log(h)" in message


def test_anomaly_mode_says_when_the_nan_came_in_with_the_data():
    x = ag.tensor([1.0, float("nan")], requires_grad=True)
    with ag.detect_anomaly(), pytest.raises(ag.AnomalyError, match="its input 0 already held"):
        x * 2.0


def test_anomaly_mode_checks_a_leafs_summed_gradient():
    w = ag.tensor(np.array([1e-3], dtype=np.float16), requires_grad=True)  # forward: 40 + 40
    big = ag.tensor(np.array([40000.0], dtype=np.float16))
    with ag.detect_anomaly():
        y = (w * big + w * big).sum()  # each path's gradient is finite; their sum is not
        with pytest.raises(ag.AnomalyError, match=r"accumulate: the summed gradient of a leaf"):
            y.backward()


def test_anomaly_mode_without_checks_only_records_where_gates_ran():
    x = ag.tensor([-1.0], requires_grad=True)
    with ag.detect_anomaly(check_nan=False), np.errstate(invalid="ignore"):
        y = ag.log(x)
    assert np.isnan(y.item()) and y.grad_fn.trace
