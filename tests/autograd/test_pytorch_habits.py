"""PyTorch habits the engine follows where NumPy would differ (each found by comparing the two:
the expected values here are PyTorch's, written out so the tests run without it)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def f64(*values: float) -> ag.Tensor:
    return ag.tensor(np.array(values, dtype=np.float64), requires_grad=True)


# --- copies, not views ---------------------------------------------------------------------------


def test_flip_copies_so_changing_it_leaves_the_input_alone():
    x = ag.tensor([1.0, 2.0, 3.0])
    y = x.flip(0)
    y[0] = 100.0
    assert x.tolist() == [1.0, 2.0, 3.0]
    x = f64(1.0, 2.0, 3.0)
    h = x * 1
    y = h.flip(0)
    y.mul_(10)  # changes the copy only: h stays [1, 2, 3]
    (h * y).sum().backward()  # d/dx sum(x * 10 flip(x)) = 20 flip(x)
    assert x.grad.tolist() == [60.0, 40.0, 20.0]
    assert f64(1.0, 2.0).flip(0).mul_(2).tolist() == [4.0, 2.0]  # not a view of a leaf


@pytest.mark.parametrize(
    "make",
    [
        lambda t: t.tile((1, 1)),
        lambda t: ag.tile(t, (1,)),
        lambda t: ag.repeat_interleave(t, 1, 0),
        lambda t: ag.rot90(t, 0),
        lambda t: ag.rot90(t, 4),
    ],
)
def test_repeating_by_one_or_rotating_by_zero_still_makes_a_new_tensor(make):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    y = make(x)
    y[0, 0] = 9.0
    assert x.tolist() == [[1.0, 2.0], [3.0, 4.0]] and not np.shares_memory(x.data, y.data)


def test_squeeze_of_a_dimension_that_is_not_1_leaves_it():
    x = ag.ones((2, 1, 3))
    assert x.squeeze(0).shape == (2, 1, 3)
    assert x.squeeze((0, 1)).shape == (2, 3)


# --- reductions ----------------------------------------------------------------------------------


def test_var_and_std_take_unbiased_positionally_as_pytorch():
    x = ag.tensor([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dtype=ag.float64)
    assert x.var(False).item() == pytest.approx(np.var(x.data))  # var(unbiased)
    np.testing.assert_allclose(x.var(1, False).data, np.var(x.data, axis=1))  # var(dim, unbiased)
    assert x.std(0, True, True).shape == (1, 3)  # std(dim, unbiased, keepdim)
    np.testing.assert_allclose(x.std(0, True, True).data, np.std(x.data, 0, ddof=1, keepdims=True))


@pytest.mark.parametrize("empty", [(), []])
def test_an_empty_list_of_dimensions_reduces_all_of_them(empty):
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum(empty).item() == 10.0 and x.sum(dim=empty).shape == ()
    assert x.mean(empty).item() == 2.5 and x.amax(empty).item() == 4.0


def test_std_where_it_is_zero_has_gradient_zero():
    x = ag.tensor([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]], dtype=ag.float64, requires_grad=True)
    x.std(1).sum().backward()
    assert x.grad.data[0].tolist() == [0.0, 0.0, 0.0]
    assert ag.gradcheck(lambda t: t.std(1), [ag.tensor(x.data[1:] * 1.0, requires_grad=True)])
    assert ag.gradgradcheck(lambda t: t.std(1), [ag.tensor(x.data[1:] * 1.0, requires_grad=True)])


def test_max_and_min_of_two_tensors_are_elementwise():
    a, b = ag.tensor([1.0, 5.0]), ag.tensor([3.0, 2.0])
    assert ag.max(a, b).tolist() == [3.0, 5.0] and ag.min(a, b).tolist() == [1.0, 2.0]


def test_a_float16_mean_is_summed_in_float32():
    x = ag.tensor(np.array([60000, 60000], np.float16), requires_grad=True)
    m = x.mean()
    assert m.item() == 60000.0 and m.dtype == np.float16
    m.backward()
    assert x.grad.dtype == np.float16 and x.grad.tolist() == [0.5, 0.5]


# --- gradients -----------------------------------------------------------------------------------


def test_a_second_backward_accumulates_into_the_same_grad_tensor():
    p = ag.ones(2, requires_grad=True)
    (p * 2).sum().backward()
    held = p.grad
    (p * 3).sum().backward()
    assert p.grad is held and held.tolist() == [5.0, 5.0]  # (PyTorch adds in place)
    y = held * 1.0  # a constant the next gate saves...
    w = ag.ones(2, requires_grad=True)
    z = (w * held).sum()
    (p * 1).sum().backward()  # ...changed by the accumulation: its version moves on
    with pytest.raises(ag.ModifiedError):
        z.backward()
    assert y.tolist() == [5.0, 5.0]


def test_gradients_a_user_function_returns_are_never_added_into_in_place():
    class Twice(ag.Function):  # hands the same array to both inputs
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, g):
            h = g * 1.0
            return h, h

    a, b = f64(0.0, 0.0), f64(0.0, 0.0)
    for _ in range(2):
        Twice.apply(a, b).sum().backward()
    assert a.grad.tolist() == b.grad.tolist() == [2.0, 2.0]
    assert not np.shares_memory(a.grad.data, b.grad.data)


def test_a_0d_tensor_index_beside_an_array_writes_into_the_tensor():
    x = ag.zeros((2, 3, 4))
    x[ag.tensor(1), :, [0, 2]] = -1.0
    assert (x.data == -1).sum() == 6 and (x.data[1][:, [0, 2]] == -1).all()
    assert ag.zeros((2, 3, 4))[0, True, :, [0, 1]].shape == (2, 3)  # True: a new axis


def test_std_of_nan_or_inf_is_nan_not_zero():
    out = ag.tensor([[1.0, np.nan, 3.0], [1.0, 2.0, np.inf]]).std(1)
    assert np.isnan(out.data).all()


def test_a_bias_trained_alone_lets_x_change_after_linear_and_conv():
    w, b = ag.tensor(np.ones((4, 3))), ag.tensor(np.zeros(4), requires_grad=True)
    x = f64(1.0, 2.0, 3.0) * 1
    y = ag.linear(x, w, b)
    x.add_(1)  # x is read only for W's gradient, and W is frozen
    y.sum().backward()
    assert b.grad.tolist() == [1.0] * 4
    img = f64(*range(6)).reshape(1, 1, 2, 3) * 1
    out = ag.conv2d(img, ag.tensor(np.ones((2, 1, 1, 2))), b[:2])
    img.mul_(2)
    out.sum().backward()
    assert b.grad.tolist() == [1.0 + 4, 1.0 + 4, 1.0, 1.0]


def test_repeat_interleave_with_one_count_per_element_and_repeat_needs_every_dimension():
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    y = x.repeat_interleave(ag.tensor([1, 0, 3]), dim=1)
    assert y.tolist() == [[0.0, 2.0, 2.0, 2.0], [3.0, 5.0, 5.0, 5.0]]
    y.sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 3.0]] * 2
    with pytest.raises(ValueError, match="repeat_interleave: repeats"):
        x.repeat_interleave([1, 2], dim=1)
    with pytest.raises(ValueError, match=r"repeat: 1 repeat counts for a tensor of shape \(2, 3\)"):
        x.repeat(2)
    assert x.repeat(1, 2).shape == (2, 6) and x.repeat(2, 1, 1).shape == (2, 2, 3)


def test_maximum_and_minimum_send_the_gradient_to_a_nan_they_return():
    for op in (ag.maximum, ag.minimum):
        a = ag.tensor([float("nan"), 1.0, 2.0], requires_grad=True)
        b = ag.tensor([1.0, float("nan"), 2.0], requires_grad=True)
        op(a, b).sum().backward()
        assert a.grad.tolist() == [1.0, 0.0, 0.5] and b.grad.tolist() == [0.0, 1.0, 0.5]


def test_second_order_through_a_relu_mask_is_zero_where_pytorch_gives_zeros():
    # README, differences: the first gradient is a constant (its mask is not a function of x
    # where it is differentiable); hessian and hvp give PyTorch's zeros, and a gradient that also
    # goes through a weight keeps its second-order path.
    from autograd import functional

    x = f64(1.0, -2.0, 3.0)
    (g,) = ag.grad(x.relu().sum(), x, create_graph=True)
    assert g.tolist() == [1.0, 0.0, 1.0] and not g.requires_grad
    assert functional.hessian(lambda v: v.relu().sum(), x).tolist() == [[0.0] * 3] * 3
    w = f64(2.0, 2.0, 2.0)
    (g,) = ag.grad((x * w).relu().sum(), x, create_graph=True)  # g = w * mask
    g.sum().backward()
    assert w.grad.tolist() == [1.0, 0.0, 1.0]


# --- rules compute in the result's dtype -------------------------------------------------------


def test_division_gradients_use_the_result_dtype_not_a_narrower_input():
    b = ag.tensor([2.0], requires_grad=True)
    (ag.tensor(np.array([3], np.uint8)) / b).sum().backward()  # -a / b^2, a not wrapped as uint8
    assert b.grad.tolist() == [-0.75]
    b = ag.tensor([2.0, 2.0], requires_grad=True)
    (ag.tensor([True, False]) / b).sum().backward()
    assert b.grad.tolist() == [-0.25, 0.0]
    x = f64(1.0)
    (x / ag.tensor(np.array([3.1], np.float16))).sum().backward()  # 1 / b in float64
    assert x.grad.tolist() == [1 / float(np.float16(3.1))]


def test_pow_exponent_gradient_and_xlogy_use_the_result_dtype():
    e = f64(2.0)
    (ag.tensor(np.array([1.5], np.float16)) ** e).sum().backward()  # g a^b ln(a), in float64
    assert e.grad.tolist() == [1.5**2 * np.log(1.5)]
    y16 = ag.tensor(np.array([3.1], np.float16))
    assert ag.xlogy(ag.tensor(np.array([1.0])), y16).tolist() == [np.log(float(np.float16(3.1)))]
    assert ag.xlogy(ag.tensor(np.array([1.0], np.float16)), ag.tensor([3])).dtype == np.float16


# --- float16 statistics accumulate in float32 (PyTorch's CPU kernels) ---------------------------


def test_float16_statistics_are_computed_in_float32_and_returned_in_float16():
    x = ag.tensor((np.arange(100) * 10).astype(np.float16))  # its sum of squares passes 65504
    for got, want in (
        (x.std(), np.std(np.arange(100) * 10.0, ddof=1)),
        (x.norm(), np.linalg.norm(np.arange(100) * 10.0)),
        (ag.tensor((np.arange(10000) % 100).astype(np.float16)).var(), 833.5),
        (ag.ones(3000, dtype=ag.float16).cumsum(0)[-1], 3000.0),  # a float16 running sum: 2048
    ):
        assert got.dtype == np.float16
        assert float(got) == pytest.approx(want, rel=1e-3)
    xg = ag.tensor((np.arange(100) * 10).astype(np.float16), requires_grad=True)
    xg.std().backward()
    assert xg.grad.dtype == np.float16 and np.isfinite(xg.grad.data).all()
    mixed = ag.cosine_similarity(x.reshape(4, 25), x.reshape(4, 25).double(), 1)
    assert mixed.dtype == np.float64  # a wider float among the inputs decides, as before


def test_float16_normalisation_layers_match_their_float32_result():
    import nn.functional as F

    a = (np.arange(100) * 10).astype(np.float16)
    x, x32 = ag.tensor(a.reshape(2, 2, 25)), ag.tensor(a.reshape(2, 2, 25).astype(np.float32))
    for f in (
        lambda t: F.layer_norm(t, (25,)),
        lambda t: F.batch_norm(t, None, None, training=True),
        lambda t: F.group_norm(t, 1),
        lambda t: F.instance_norm(t),
    ):
        got = f(x)
        assert got.dtype == np.float16
        np.testing.assert_allclose(got.data, f(x32).data, atol=4e-3)


def test_cat_stack_matmul_and_linear_promote_like_every_other_gate():
    i32, f32 = ag.tensor(np.array([1], np.int32)), ag.tensor([1.5])
    assert ag.cat([i32, f32]).dtype == np.float32  # NumPy would say float64
    assert ag.stack([ag.tensor(np.array([1])), f32]).dtype == np.float32
    i16, f16 = ag.tensor(np.array([1], np.int16)), ag.tensor(np.array([1.5], np.float16))
    assert ag.cat([i16, f16]).dtype == np.float16
    x = ag.tensor([1.5, 2.0], requires_grad=True)
    (ag.cat([i32, x]) ** 2).sum().backward()
    assert x.grad.tolist() == [3.0, 4.0] and x.grad.dtype == np.float32
    w = ag.ones(1, 1, requires_grad=True)
    y = ag.tensor(np.ones((2, 1), np.int64)) @ w
    assert y.dtype == np.float32
    y.sum().backward()
    assert w.grad.tolist() == [[2.0]]
    import nn.functional as F

    assert F.linear(ag.tensor(np.ones((2, 3), np.int64)), ag.ones(4, 3)).dtype == np.float32


def test_integer_mean_is_exact_even_where_the_int64_sum_would_overflow():
    big = ag.tensor(np.array([2**62, 2**62, 3]))
    assert big.mean().item() == pytest.approx((2**63 + 3) / 3, rel=1e-7)
    assert ag.tensor(np.array([[2**62, 2**62], [1, 3]])).mean(1).tolist() == [
        pytest.approx(2.0**62, rel=1e-7),
        2.0,
    ]
    assert ag.tensor(np.array([1, 2, 4])).mean().item() == pytest.approx(7 / 3)
    assert ag.tensor([1, 2]).short().dtype == np.int16


def test_float16_in_float32_respects_a_dtype_asked_for_and_keyword_tensors():
    ones = ag.tensor(np.ones(3000, np.float16))
    assert ones.cumsum(0, dtype=np.float32).dtype == np.float32
    assert ones.cumsum(0, dtype=np.float32)[-1].item() == 3000.0
    big = ag.tensor(np.full((2, 300), 100, np.float16))  # sums of squares overflow float16
    assert ag.cosine_similarity(big, x2=big).tolist() == [1.0, 1.0]
    assert ag.cosine_similarity(x1=big, x2=big).tolist() == [1.0, 1.0]


def test_nansum_and_nanmean_skip_nan_and_send_it_no_gradient():
    x = ag.tensor(np.array([[1.0, np.nan, 3.0], [np.nan] * 3]), requires_grad=True)
    assert x.nansum().item() == 4.0
    assert x.nansum(dim=1, keepdim=True).tolist() == [[4.0], [0.0]]
    means = x.nanmean(1)
    assert means[0].item() == 2.0 and np.isnan(means[1].item())  # a slice of NaN only: NaN
    (x.nansum() + means[0]).backward()
    assert x.grad.tolist() == [[1.5, 0.0, 1.5], [0.0, 0.0, 0.0]]
    assert ag.tensor([1, 2]).nansum().dtype == np.int64
    with pytest.raises(TypeError, match="nanmean: expects a floating-point tensor"):
        ag.tensor([1, 2]).nanmean()
