"""Tensor: construction, dtypes, factories, properties, conversion, operators and printing."""

import numpy as np
import pytest

import autograd as ag
from autograd import Tensor


def test_python_floats_default_to_float32_and_float64_on_request():
    assert ag.tensor([1.0, 2.0]).dtype == np.float32
    assert ag.tensor(3.5).dtype == np.float32
    assert ag.tensor([1.0], dtype=np.float64).dtype == np.float64
    assert ag.tensor([1.0]).double().dtype == np.float64


def test_numpy_arrays_keep_their_dtype_and_tensor_copies():
    arr = np.arange(3, dtype=np.float64)
    t = ag.tensor(arr)
    assert t.dtype == np.float64
    arr[0] = 99
    assert t.data[0] == 0  # tensor() copies
    shared = ag.as_tensor(arr)
    arr[1] = 42
    assert shared.data[1] == 42  # as_tensor shares memory


def test_integer_and_bool_tensors_exist_but_cannot_require_grad():
    assert ag.tensor([1, 2]).dtype == np.int64
    assert ag.tensor([True, False]).dtype == np.bool_
    with pytest.raises(TypeError, match="only floating-point tensors can require grad.*int64"):
        ag.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="requires_grad_.*bool"):
        ag.tensor([True]).requires_grad_()


def test_factories_shapes_dtypes_and_flags():
    assert ag.zeros(2, 3).shape == (2, 3)
    assert ag.zeros((2, 3)).shape == (2, 3)
    assert ag.ones(4, dtype=np.float64).dtype == np.float64
    assert ag.full((2,), 7.0).data.tolist() == [7.0, 7.0]
    assert ag.zeros_like(ag.ones(3, 2)).shape == (3, 2)
    assert ag.ones_like(np.zeros((1, 2))).data.sum() == 2
    assert ag.arange(5).data.tolist() == [0, 1, 2, 3, 4]
    assert ag.arange(0.0, 1.0, 0.5).dtype == np.float32
    assert np.array_equal(ag.eye(3).data, np.eye(3))
    p = ag.randn(3, requires_grad=True)
    assert p.requires_grad and p.is_leaf and p.dtype == np.float32


def test_random_factories_are_seedable_globally_and_by_generator():
    ag.manual_seed(123)
    a = ag.randn(5).data
    ag.manual_seed(123)
    assert np.array_equal(a, ag.randn(5).data)
    g1, g2 = ag.Generator(7), ag.Generator().manual_seed(7)
    assert np.array_equal(ag.rand(4, generator=g1).data, ag.rand(4, generator=g2).data)
    state = g1.get_state()
    first = ag.rand(3, generator=g1).data
    g1.set_state(state)
    assert np.array_equal(first, ag.rand(3, generator=g1).data)
    u = ag.rand(1000, generator=ag.Generator(0)).data
    assert u.min() >= 0 and u.max() < 1


def test_properties():
    t = ag.tensor(np.zeros((2, 3, 4)))
    assert (t.shape, t.ndim, t.numel(), t.dtype) == ((2, 3, 4), 3, 24, np.float64)
    assert t.size() == (2, 3, 4) and t.size(1) == 3 and t.size(-1) == 4 and t.dim() == 3
    assert t.T.shape == (4, 3, 2)
    assert t.mT.shape == (2, 4, 3)
    assert len(t) == 2


def test_grad_fn_and_leaf_status():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn.name == "mul"
    assert y.grad_fn.next_functions == (None, None)
    z = y.sum()
    assert z.grad_fn.next_functions[0] is y.grad_fn  # one handle per node, as in PyTorch
    assert repr(y.grad_fn) == "<mul>" and y.grad_fn.inputs[0] is x


def test_conversion_methods():
    t = ag.tensor([[1.5, 2.5]])
    assert t.tolist() == [[1.5, 2.5]]
    assert isinstance(t.numpy(), np.ndarray)
    assert ag.tensor(3.0).item() == 3.0
    with pytest.raises(ValueError, match="item: only one-element.*\\(1, 2\\)"):
        t.item()
    r = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        r.numpy()
    d = r.detach()
    assert not d.requires_grad and d.data is r.data
    assert t.astype(np.float64).dtype == np.float64
    assert t.float().dtype == np.float32
    assert np.asarray(t).shape == (1, 2)


def test_operators_with_scalars_and_arrays_on_either_side():
    x = ag.tensor([1.0, 2.0])
    arr = np.array([10.0, 20.0], dtype=np.float32)
    assert (x + 1).tolist() == [2.0, 3.0]
    assert (1 + x).tolist() == [2.0, 3.0]
    assert (x - 1).tolist() == [0.0, 1.0]
    assert (1 - x).tolist() == [0.0, -1.0]
    assert (2 * x).tolist() == [2.0, 4.0]
    assert (x / 2).tolist() == [0.5, 1.0]
    assert (2 / x).tolist() == [2.0, 1.0]
    assert (x**2).tolist() == [1.0, 4.0]
    assert (2**x).tolist() == [2.0, 4.0]
    assert (-x).tolist() == [-1.0, -2.0]
    assert (arr + x).tolist() == [11.0, 22.0]  # ndarray on the left defers to Tensor
    assert isinstance(arr * x, Tensor)
    assert (x @ ag.tensor([1.0, 1.0])).item() == 3.0
    assert (x * 2.0).dtype == np.float32  # Python scalars adopt the tensor's dtype


def test_comparisons_give_non_differentiable_bool_tensors():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x > 1, x >= 2, x < 2, x <= 1, x == 2, x != 2):
        assert result.dtype == np.bool_ and not result.requires_grad
    assert (x > 1).tolist() == [False, True, True]
    assert ((x > 1) & (x < 3)).tolist() == [False, True, False]


def test_identity_hashing():
    a, b = ag.tensor([1.0]), ag.tensor([1.0])
    assert len({a, b}) == 2
    d = {a: "a"}
    assert d[a] == "a" and b not in d


def test_repr():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x) == "tensor([1., 2.], requires_grad=True)"
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<mul>)"
    assert "dtype=float64" in repr(ag.tensor([1.0], dtype=np.float64))


def test_setitem_is_refused_on_tensors_that_require_grad():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="setitem"):
        x[0] = 5.0
    with ag.no_grad():
        x[0] = 5.0
    assert x.data[0] == 5.0


def test_bool_of_multi_element_tensor_is_ambiguous():
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ag.tensor([1.0, 2.0]))
    assert bool(ag.tensor([1.0]))


def test_np_array_of_a_tensor_copies_and_asarray_shares():
    t = ag.tensor([1.0, 2.0, 3.0])
    a = np.array(t)
    a[0] = 99
    assert t.data[0] == 1.0
    assert np.asarray(t) is t.data


def test_reductions_accept_pytorch_dim_and_keepdim():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    assert x.sum(dim=1).tolist() == x.sum(axis=1).tolist() == [3.0, 12.0]
    assert x.mean(dim=0, keepdim=True).shape == (1, 3)
    assert x.max(dim=1).values.tolist() == x.amax(dim=1).tolist() == [2.0, 5.0]
    assert x.argmax(dim=1).tolist() == [2, 2]
    np.testing.assert_allclose(x.softmax(dim=0).data.sum(axis=0), [1.0, 1.0, 1.0], rtol=1e-6)
    with pytest.raises(TypeError, match="axis= or dim="):
        x.sum(axis=0, dim=1)


def test_a_walk_over_grad_fn_that_dedups_by_id_meets_every_gate():
    """PyTorch habit: grad_fn is one long-lived object per node, so id() identifies it.

    The walk keeps ``loss`` alive, as a user's loop does: a handle whose tensor is gone lives only
    as long as someone holds it, and a freed object's id may be handed to the next one made."""
    x = ag.tensor(np.ones(3), requires_grad=True)
    h = x
    for _ in range(20):
        h = (h * 1.1).tanh() + h
    loss = h.sum()
    seen, stack = set(), [loss.grad_fn]
    while stack:
        fn = stack.pop()
        if id(fn) not in seen:
            seen.add(id(fn))
            stack.extend(f for f in fn.next_functions if f is not None)
    assert len(seen) == 1 + 20 * 3  # sum, then mul, tanh and add per round
