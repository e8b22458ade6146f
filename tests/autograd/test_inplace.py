"""In-place operations: version counters, recorded changes, views, and the error when a saved
value was changed. Each example from the engine-semantics issue is a regression test here."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag
from autograd import ModifiedError


def f64(*values: float, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=requires_grad)


# --- the examples ----------------------------------------------------------------------


def test_changing_a_saved_leaf_in_place_is_an_error_not_a_zero_gradient():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    with pytest.raises(RuntimeError, match="zero_: a leaf tensor that requires grad"):
        x.zero_()
    with ag.no_grad():
        x.zero_()  # allowed (as optimizers do), and counted
    with pytest.raises(ModifiedError, match=r"mul: input 0 .*shape \(3,\).*version 1.*version 0"):
        y.backward()


def test_a_constant_changed_after_it_was_saved_raises():
    w = ag.tensor([1.0, 2.0, 3.0])
    x = ag.ones(3, requires_grad=True)
    y = (x * w).sum()
    w[1] = 100.0
    with pytest.raises(ModifiedError, match="mul: input 1"):
        y.backward()


def test_setitem_with_a_value_that_requires_grad_is_recorded():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    buf = ag.zeros(3)
    buf[1:] = x[:2] * 2
    assert buf.requires_grad and buf.grad_fn.name == "index_put"
    (buf * ag.tensor([1.0, 4.0, 5.0])).sum().backward()
    assert x.grad.tolist() == [8.0, 10.0, 0.0]  # PyTorch's answer


def test_plus_equals_on_a_non_leaf_is_recorded():
    x = f64(1.0, 2.0)
    y = x * 3
    y += 1  # __iadd__: y's history becomes add(old y, 1)
    y *= y.detach().clone()  # and mul by a constant copy of the new value
    y.sum().backward()
    assert np.allclose(x.grad.data, 3 * (3 * x.data + 1))


# --- version counters --------------------------------------------------------------------------


def test_in_place_bumps_the_version_shared_with_views_and_detached_copies():
    x = f64(1.0, 2.0, 3.0, requires_grad=False)
    v, d = x[1:], x.detach()
    assert x._version == v._version == d._version == 0
    v.add_(1)
    d.mul_(2)
    assert x._version == v._version == d._version == 2
    assert x.tolist() == [2.0, 6.0, 8.0]
    assert v._base is x and d._base is None


def test_a_view_changed_after_it_was_saved_raises_through_its_base():
    x = f64(1.0, 2.0)
    c = ag.tensor(np.array([5.0, 6.0]))
    y = (x * c[0]).sum()  # mul saved the view c[0]
    with ag.no_grad():
        c.add_(1)  # changes the storage c[0] looks into
    with pytest.raises(ModifiedError, match="mul: input 1"):
        y.backward()


def test_gates_that_read_nothing_ignore_later_changes():
    x = f64(1.0, 2.0)
    c = ag.tensor(np.array([5.0, 6.0]))
    y = (x + c).sum()  # add reads no values: changing c afterwards is harmless (PyTorch too)
    c.add_(1)
    y.backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_a_saved_output_changed_in_place_raises():
    x = f64(0.5, 1.0)
    for op in ("exp", "tanh", "sigmoid", "sqrt"):
        y = getattr(x, op)()
        loss = y.sum()
        with ag.no_grad():
            y.mul_(2)
        with pytest.raises(ModifiedError, match=f"{op}: its output"):
            loss.backward()


@pytest.mark.parametrize("op", ["exp", "tanh", "sigmoid", "sqrt", "softmax", "cumprod"])
@pytest.mark.parametrize("through", ["detach", "detach of a view", "view of a detach"])
def test_a_saved_output_changed_through_a_detached_copy_raises(op, through):
    x = f64(0.5, 1.0)
    y = getattr(x, op)(0) if op in ("softmax", "cumprod") else getattr(x, op)()
    loss = y.sum()
    if through == "detach":
        y.detach().zero_()
    elif through == "detach of a view":
        y[1:].detach().zero_()
    else:
        y.detach()[1:].zero_()
    with pytest.raises(ModifiedError, match=f"{op}: its output"):
        loss.backward()


def test_a_detached_copy_does_not_keep_the_graph_alive():
    import gc
    import weakref

    x = f64(0.5, 1.0)
    y = x.exp()
    kept = y.detach()
    node = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert node() is None and kept.tolist() == np.exp([0.5, 1.0]).tolist()


def test_the_error_names_the_gate_shape_and_both_versions():
    w = ag.tensor(np.ones((2, 3)))
    x = ag.ones(4, 2, dtype="float64", requires_grad=True)
    y = (x @ w).sum()
    w.add_(1)
    w.add_(1)
    with pytest.raises(ModifiedError) as err:
        y.backward()
    message = str(err.value)
    assert "matmul" in message and "(2, 3)" in message
    assert "version 2" in message and "saved version 0" in message


# --- recorded in-place changes of non-leaves ---------------------------------------------------


@pytest.mark.parametrize(
    "change, factor",
    [
        (lambda y: y.add_(1.0), 1.0),
        (lambda y: y.sub_(2.0), 1.0),
        (lambda y: y.mul_(3.0), 3.0),
        (lambda y: y.div_(4.0), 0.25),
        (lambda y: y.neg_(), -1.0),
    ],
)
def test_recorded_in_place_arithmetic(change, factor):
    x = f64(1.0, -2.0, 3.0)
    y = x * 2
    assert change(y) is y
    y.sum().backward()
    assert np.allclose(x.grad.data, 2 * factor)


def test_in_place_ops_that_read_the_old_value_keep_a_copy_of_it():
    x = f64(0.5, 1.5)
    y = x * 1
    y.pow_(3)  # d/dx x^3 needs the old value, which the storage no longer holds
    y.exp_()  # exp_ saves its output: the storage after this change
    y.sum().backward()
    assert np.allclose(x.grad.data, np.exp(x.data**3) * 3 * x.data**2)


def test_gates_recorded_before_a_change_send_their_gradient_to_the_old_history():
    x = f64(1.0, 2.0)
    y = x * 2
    z = y + 1  # recorded before the change: its gradient must reach x through y's old history
    y.mul_(5)
    (z.sum() + y.sum()).backward()
    assert x.grad.tolist() == [2.0 + 10.0, 2.0 + 10.0]


def test_a_chain_of_changes_and_hooks_on_the_old_value():
    x = f64(1.0)
    y = x * 1
    seen = []
    y.register_hook(lambda g: seen.append(g.item()))  # on the value before the changes
    y.mul_(2)
    y.mul_(3)
    y.add_(1)
    y.backward()
    assert x.grad.item() == 6.0 and seen == [6.0]


def test_retain_grad_follows_the_tensor_through_a_change():
    x = f64(1.0, 2.0)
    y = x * 1
    y.retain_grad()
    y.mul_(3)
    (y * 2).sum().backward()
    assert y.grad.tolist() == [2.0, 2.0]
    assert x.grad.tolist() == [6.0, 6.0]


# --- setitem: every indexing form --------------------------------------------------------------

INDEXES = [
    1,
    -1,
    slice(1, 3),
    (slice(None), 0),
    (Ellipsis, 1),
    (0, None, slice(None)),
    np.array([1, 0]),
    np.array([[True, False, True], [False, True, False]]),
    (np.array([0, 1]), np.array([2, 0])),
]


@pytest.mark.parametrize("index", INDEXES, ids=repr)
def test_setitem_gradients_match_gradcheck(index):
    def fn(x: ag.Tensor, v: ag.Tensor) -> ag.Tensor:
        buf = x * 1.0
        selected = buf.data[index]
        value = v.reshape(-1)[: selected.size].reshape(selected.shape) * 2
        buf[index] = value
        return buf * buf

    x = ag.tensor(np.arange(6.0).reshape(2, 3) + 0.5, requires_grad=True)
    v = ag.tensor(np.linspace(-1, 1, 6), requires_grad=True)
    assert ag.gradcheck(fn, [x, v])
    assert ag.gradgradcheck(fn, [x, v])


def test_setitem_through_a_repeated_index_with_a_gradient_is_refused():
    buf = ag.zeros(3, dtype="float64")
    v = f64(1.0, 2.0)
    with pytest.raises(ValueError, match="index_put: the index selects some position"):
        buf[np.array([1, 1])] = v


def test_setitem_without_gradients_is_plain_assignment():
    buf = ag.zeros(4)
    buf[::2] = 7
    buf[1] = ag.tensor(3.0)
    assert buf.tolist() == [7.0, 3.0, 7.0, 0.0] and buf.grad_fn is None and buf._version == 2


# --- in-place changes through views ------------------------------------------------------------


def test_a_change_through_a_view_reaches_the_base_and_its_gradient():
    def fn(x: ag.Tensor) -> ag.Tensor:
        h = x * 1.0
        h[0].mul_(3)  # a basic-index view
        h.T[1].add_(h[0, 0])  # a transposed view, and a value that depends on the base
        return h * h

    x = ag.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    assert ag.gradcheck(fn, [x])


def test_a_reshape_numpy_had_to_copy_is_not_a_view():
    # (x.t().reshape(6) copies: changing the copy must leave h's values and gradient alone, and
    # changing h must leave the copy's)
    x = ag.tensor(np.arange(1.0, 7.0).reshape(2, 3), requires_grad=True)
    h = x * 1
    h.t().reshape(6).mul_(ag.arange(6.0))
    assert h.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    h.sum().backward()
    assert x.grad.tolist() == [[1.0] * 3] * 2

    def fn(x: ag.Tensor) -> ag.Tensor:
        y = x.exp()
        flat = y.t().reshape(6)  # a copy of the saved output
        flat += 1  # must not look like a change of exp's output (which would raise)
        return flat * flat + y.sum()

    assert ag.gradcheck(fn, [ag.tensor(np.linspace(-1, 1, 6).reshape(2, 3), requires_grad=True)])


def test_fancy_indexing_copies_are_not_views():
    x = f64(1.0, 2.0, 3.0)
    h = x * 1
    h[[0, 2]].mul_(5)  # a copy: h is unchanged
    assert h.tolist() == [1.0, 2.0, 3.0]
    h.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_views_made_before_a_change_see_the_new_history():
    x = f64(1.0, 2.0, 3.0)
    h = x * 1
    v = h[1:]  # made before the change
    h.mul_(2)
    assert v.tolist() == [4.0, 6.0]
    v.sum().backward()
    assert x.grad.tolist() == [0.0, 2.0, 2.0]


def test_a_constant_buffer_becomes_differentiable_through_a_view():
    x = f64(1.0, 2.0)
    buf = ag.zeros(4, dtype="float64")
    window = buf[1:3]
    window.copy_(x * 10)
    assert buf.requires_grad and buf.tolist() == [0.0, 10.0, 20.0, 0.0]
    (buf * ag.tensor(np.arange(4.0))).sum().backward()
    assert x.grad.tolist() == [10.0, 20.0]


def test_changing_a_view_of_a_leaf_that_requires_grad_is_refused():
    x = f64(1.0, 2.0)
    with pytest.raises(RuntimeError, match="view of a leaf that requires grad"):
        x[0].add_(1)


def test_an_expanded_view_cannot_be_written():
    x = ag.tensor(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="add_: cannot write into this tensor"):
        x.expand(3, 2).add_(1)


# --- dtypes and shapes -------------------------------------------------------------------------


def test_in_place_results_must_fit_the_tensor():
    n = ag.tensor([1, 2, 3])
    with pytest.raises(TypeError, match="add_: .*int64"):
        n.add_(1.5)
    with pytest.raises(ValueError, match="add_:"):
        ag.zeros(3).add_(ag.ones(2, 3))
    h = ag.zeros(3, requires_grad=True) * 1
    with pytest.raises(ValueError, match="add_: the result has shape"):
        h.add_(ag.ones(2, 3, requires_grad=True))


def test_a_float64_value_into_a_float32_history_keeps_float32():
    x = ag.ones(2, requires_grad=True)
    h = x * 1
    h.mul_(ag.tensor(np.array([2.0, 3.0]), requires_grad=True))
    assert h.dtype == np.float32
    h.sum().backward()
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 3.0]


def test_random_and_fill_methods_change_in_place():
    w = ag.zeros(1000, dtype="float64")
    assert w.uniform_(-1, 1, generator=ag.Generator(0)) is w
    assert -1 <= w.data.min() < -0.9 and 0.9 < w.data.max() <= 1
    w.normal_(0, 2, generator=ag.Generator(1))
    assert 1.8 < w.data.std() < 2.2
    w.fill_(3)
    assert set(w.tolist()) == {3.0} and w._version == 3


@pytest.mark.parametrize("op", ["add_", "sub_", "mul_", "div_", "pow_"])
@pytest.mark.parametrize(
    "other", [2.0, 3, np.array([1.5, -2.0, 0.5], np.float32), np.float64(2.0)], ids=repr
)
def test_the_direct_in_place_path_matches_the_general_one(op, other):
    """add_/mul_... with an array or number operand and nothing to record skip in_place's generic
    steps (inplace.arithmetic): the same values, dtype and version bump as the general path,
    which an alpha of 1 forces."""
    fast, general = (ag.tensor([4.0, 5.0, 6.0], requires_grad=True) for _ in range(2))
    with ag.no_grad():
        assert getattr(fast, op)(other) is fast
        getattr(general, op)(other, alpha=1)
    np.testing.assert_array_equal(fast.data, general.data)
    assert fast.dtype == general.dtype == ag.float32
    assert fast._version == general._version == 1


def test_the_direct_in_place_path_names_the_op_in_its_errors():
    x, ints = ag.ones(3), ag.tensor([1, 2, 3])
    with pytest.raises(ValueError, match=r"add_: .*\(tensor shape \(3,\)\)"):
        x.add_(np.ones(4))
    with pytest.raises(TypeError, match=r"div_: .*tensor dtype int64"):
        ints.div_(2.0)
    with pytest.raises(ValueError, match="add_: cannot write into this tensor"):
        ag.ones(3).expand(2, 3).add_(1.0)
    np.testing.assert_array_equal(x.data, np.ones(3))  # nothing was written


def test_an_input_is_checked_only_when_another_input_needs_its_value():
    # matmul, linear, conv, einsum read each input for the others' gradients: with the weight
    # frozen, changing x afterwards harms nothing (PyTorch saves x only when W requires grad)
    forms = {  # name: (the gate applied to h (3,) and a weight, the weight's values)
        "matmul": (lambda h, w: h @ w, np.arange(6.0).reshape(3, 2)),
        "linear": (lambda h, w: ag.linear(h, w), np.arange(6.0).reshape(2, 3)),
        "einsum": (lambda h, w: ag.einsum("i,ij->j", h, w), np.arange(6.0).reshape(3, 2)),
        "conv2d": (lambda h, w: ag.conv2d(h.reshape(1, 1, 1, 3), w), np.ones((2, 1, 1, 2))),
    }
    for name, (form, values) in forms.items():
        for weight_requires_grad in (False, True):
            x = f64(1.0, 2.0, 3.0)
            w = ag.tensor(values, requires_grad=weight_requires_grad)
            h = x * 1
            out = form(h, w)
            h.add_(1)
            if weight_requires_grad:  # the weight's gradient reads h, which changed
                with pytest.raises(ModifiedError, match=f"{name}: input 0"):
                    out.sum().backward()
            else:  # runs: the frozen weight's gradient, which reads h, is never computed
                out.sum().backward()
                assert x.grad is not None, name


# --- found by comparing random in-place programs with PyTorch ------------------------------------


def test_writing_through_a_detached_alias_leaves_the_views_history_alone():
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    c = ag.tensor([7.0, 7.0], requires_grad=True)
    x = w * 1
    v = x[:2]
    v.detach().copy_(c)  # the data changes; v's history (through x = w * 1) does not
    (v * 1).sum().backward()
    assert w.grad.tolist() == [1.0, 1.0, 0.0] and c.grad is None
    k = ag.zeros(3, 3)
    d = k.diagonal()
    d.detach()[()] = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert not d.requires_grad and k.diagonal().tolist() == [1.0, 2.0, 3.0]
    w = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x = w * 1
    tail = x.detach()[1:]
    x.mul_(ag.tensor([2.0, 2.0, 2.0], requires_grad=True))
    assert not tail.requires_grad and tail.tolist() == [4.0, 6.0]


def test_overwritten_positions_get_a_zero_gradient_even_when_inf_arrives_there():
    x = ag.tensor([1.0, 4.0, 9.0], requires_grad=True)
    h = x * 1
    h[0] = 0.0  # sqrt'(0) is inf, but the old h[0] had no effect: its gradient is 0
    with np.errstate(divide="ignore"):
        h.sqrt().sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.25, 1 / 6])
    x = ag.tensor([1.0, 4.0, 9.0], requires_grad=True)
    h = x * 1
    h.zero_()
    with np.errstate(divide="ignore"):
        h.sqrt().sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_a_view_that_changes_nothing_is_still_a_new_tensor_with_its_own_hooks():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    p = h.permute(0)  # PyTorch: a new view, so the hook sees only p's use
    p.register_hook(lambda g: g * 10)
    (h + p).sum().backward()
    assert x.grad.tolist() == [11.0, 11.0]
    y = ag.ones(2, 3)
    for view in (
        y.reshape(2, 3), y.view(2, 3), y.permute(0, 1), y.transpose(0, 0), y.expand(2, 3),
        y.squeeze(), y.view_as(y), y.movedim(0, 0), ag.ones(3).T,
    ):  # fmt: skip
        assert view is not y and view.data.base is not None
    assert y.flatten(0, 0) is y and y.contiguous() is y  # PyTorch returns these as they are


def test_autograd_grad_runs_the_hooks_of_a_leaf_it_returns_the_gradient_of():
    calls = []
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: (calls.append(1), g * 10)[1])
    (g,) = ag.grad((x * 3).sum(), [x])
    assert g.tolist() == [30.0, 30.0] and calls == [1]
    (g,) = ag.grad((x * x).sum(), [x], create_graph=True)
    assert g.tolist() == [20.0, 40.0] and g.requires_grad


def test_view_refuses_a_layout_that_needs_a_copy_instead_of_returning_one():
    k = ag.ones(2, 3)
    with pytest.raises(RuntimeError, match=r"view: a tensor of shape \(3, 2\).*use reshape"):
        k.T.view(6)  # a silent copy here would lose every write through it
    v = k.T.contiguous().view(6)
    assert v.shape == (6,)
    w = k.view(6)
    w[0] = 5.0
    assert k[0, 0].item() == 5.0


def test_dividing_by_a_constant_reads_only_the_divisor_so_the_numerator_may_change():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = h / 3.0  # the rule needs 1/3 only: changing h is safe (as in PyTorch)
    h.add_(1)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1 / 3, 1 / 3])
    b = ag.tensor([2.0, 4.0], requires_grad=True)
    h = x * 1
    y = h / b  # b's gradient -h / b^2 reads h
    h.add_(1)
    with pytest.raises(ModifiedError, match="div: input 0"):
        y.sum().backward()


def test_checkpoint_and_a_repeated_input_run_a_leaf_hook_once():
    calls = []
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    w.register_hook(lambda g: (calls.append(1), g * 2)[1])
    ag.checkpoint(lambda a: a * w, ag.tensor([3.0, 4.0], requires_grad=True)).sum().backward()
    assert w.grad.tolist() == [6.0, 8.0] and len(calls) == 1
    calls.clear()
    v = ag.tensor([1.0, 2.0], requires_grad=True)
    v.register_hook(lambda g: (calls.append(1), g * 2)[1])
    assert [g.tolist() for g in ag.grad((v * 3).sum(), [v, v])] == [[6.0, 6.0]] * 2
    assert len(calls) == 1
