"""PyTorch names the engine lacked: comparisons as functions, closeness, nonzero, diff, cummax and
cummin, atan2, hypot, logaddexp, fmax/fmin, xlogy, exp2, logit, frac, cross, kron, addmm,
baddbmm, broadcast_tensors, bernoulli, multinomial, dtype names, the Tensor methods of PyTorch's
signatures (select, unfold, index_fill, index_copy, where, div's rounding modes...), and the
creation functions' errors. Expected values are worked out by hand (PyTorch's, where it has a
convention), so the tests run without PyTorch; the last test compares with it when it is there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from autograd.gradcheck import gradcheck, gradgradcheck

NAN, INF = math.nan, math.inf


def f64(values, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


def same(t: ag.Tensor, expected, dtype=None) -> None:
    """``t`` holds ``expected`` (NaN where NaN), with ``dtype`` when given."""
    expected = np.asarray(expected)
    assert t.shape == expected.shape, (t.shape, expected.shape)
    np.testing.assert_allclose(t.data, expected, rtol=1e-6, atol=1e-7, equal_nan=True)
    if dtype is not None:
        assert t.dtype == dtype, t.dtype


def grads(fn, *xs: ag.Tensor) -> list:
    fn(*xs).sum().backward()
    return [x.grad.data for x in xs]


# --- aliases, dtype names, small functions -------------------------------------------------------


def test_clamp_is_clip_and_the_dtype_names_are_numpy_dtypes():
    assert ag.clamp is ag.clip
    same(ag.clamp(ag.tensor([-2.0, 0.5, 3.0]), -1, 1), [-1.0, 0.5, 1.0])
    assert (ag.bool, ag.uint8, ag.int8, ag.int16) == tuple(
        np.dtype(n) for n in ("bool", "uint8", "int8", "int16")
    )
    assert ag.bool is ag.bool_ and ag.short is ag.int16
    assert ag.zeros(2, dtype=ag.uint8).dtype == np.uint8
    assert ag.get_default_dtype() == ag.float32
    assert ag.tensor([1.5]).dtype == ag.get_default_dtype()


def test_is_tensor_numel_and_broadcast_tensors():
    assert ag.is_tensor(ag.zeros(1)) and not ag.is_tensor(np.zeros(1)) and not ag.is_tensor(3)
    assert ag.numel(ag.zeros((2, 3, 4))) == 24 and ag.numel(ag.tensor(1.0)) == 1
    a, b = f64([[1.0], [2.0]]), f64([10.0, 20.0, 30.0])
    x, y = ag.broadcast_tensors(a, b)
    assert x.shape == y.shape == (2, 3)
    same(x, [[1.0] * 3, [2.0] * 3])
    same(y, [[10.0, 20.0, 30.0]] * 2)
    (x * y).sum().backward()
    same(a.grad, [[60.0], [60.0]])  # each a_i meets 10 + 20 + 30
    same(b.grad, [3.0, 3.0, 3.0])  # each b_j meets 1 + 2
    with pytest.raises(ValueError, match=r"broadcast_tensors: shapes \(2,\), \(3,\)"):
        ag.broadcast_tensors(ag.zeros(2), ag.zeros(3))


# --- comparisons, closeness, nonzero -------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("eq", [False, True, False]),
        ("ne", [True, False, True]),
        ("lt", [True, False, False]),
        ("le", [True, True, False]),
        ("gt", [False, False, True]),
        ("ge", [False, True, True]),
    ],
)
def test_comparison_functions_and_methods_give_bool_tensors(name, expected):
    x = ag.tensor([1, 2, 3])
    for out in (getattr(ag, name)(x, 2), getattr(x, name)(2), getattr(ag, name)(x, ag.tensor(2.0))):
        same(out, expected, np.bool_)
    nan = ag.tensor([NAN])
    assert getattr(ag, name)(nan, nan).item() is (name == "ne")  # NaN compares unequal
    with pytest.raises(ValueError, match=rf"{name}: shapes \(3,\) and \(2,\) cannot be broadcast"):
        getattr(ag, name)(x, ag.tensor([1, 2]))


def test_the_comparison_operators_are_the_functions():
    x = ag.tensor([1.0, 2.0])
    same(x == 1.0, [True, False], np.bool_)
    same(x >= ag.tensor([[2.0], [1.0]]), [[False, True], [True, True]], np.bool_)
    with pytest.raises(ValueError, match="lt: shapes"):
        _ = x < ag.zeros(3)


def test_isclose_allclose_and_equal():
    a = ag.tensor([1.0, NAN, INF, 1.0])
    b = ag.tensor([1.0 + 1e-9, NAN, INF, 1.1])
    same(ag.isclose(a, b), [True, False, True, False], np.bool_)
    same(a.isclose(b, equal_nan=True), [True, True, True, False])
    same(ag.isclose(a, b, rtol=0.2), [True, False, True, True])
    same(ag.isclose(ag.tensor([1, 2]), ag.tensor([1, 3])), [True, False])
    assert ag.allclose(ag.tensor([1.0]), ag.tensor([1.0, 1.0 + 1e-7])) is True  # broadcasts
    assert ag.allclose(a, b) is False and ag.tensor([2.0]).allclose(ag.tensor([2.0])) is True
    assert ag.equal(ag.tensor([1, 2]), ag.tensor([1.0, 2.0])) is True  # values across dtypes
    assert ag.equal(ag.tensor([1.0]), ag.tensor([1.0, 1.0])) is False  # shapes differ
    assert ag.tensor([NAN]).equal(ag.tensor([NAN])) is False


def test_nonzero_and_argwhere():
    x = ag.tensor([[0, 1, 0], [2, 0, 3]])
    same(ag.nonzero(x), [[0, 1], [1, 0], [1, 2]], np.int64)
    same(ag.argwhere(x), [[0, 1], [1, 0], [1, 2]], np.int64)
    rows, cols = x.nonzero(as_tuple=True)
    same(rows, [0, 1, 1], np.int64)
    same(cols, [1, 0, 2], np.int64)
    assert x[rows, cols].tolist() == [1, 2, 3]
    assert ag.nonzero(ag.tensor(5.0)).shape == (1, 0)  # one element, no coordinates
    assert ag.nonzero(ag.tensor(0.0)).shape == (0, 0)
    (only,) = ag.nonzero(ag.tensor(5.0), as_tuple=True)  # a 0-d tensor counts as 1-D
    same(only, [0], np.int64)
    same(ag.tensor([True, False, True]).argwhere(), [[0], [2]])


# --- diff, cummax, cummin ------------------------------------------------------------------------


def test_diff_values():
    same(ag.diff(ag.tensor([1, 4, 9, 16])), [3, 5, 7], np.int64)
    same(ag.diff(ag.tensor([1, 4, 9, 16]), n=2), [2, 2])
    same(ag.tensor([[1, 2], [4, 8]]).diff(dim=0), [[3, 6]])
    same(ag.diff(ag.tensor([1.0, 2.0]), prepend=ag.tensor([0.0]), append=ag.tensor([5.0, 6.0])),
         [1.0, 1.0, 3.0, 1.0])  # fmt: skip
    same(ag.diff(ag.tensor([[1, 2], [4, 8]]), dim=1, prepend=0), [[1, 1], [4, 4]])  # a number
    same(ag.diff(ag.tensor([True, False, False])), [True, False], np.bool_)  # xor
    assert ag.diff(ag.tensor([1.0, 2.0]), n=5).shape == (0,)  # runs out: empty
    same(ag.diff(ag.tensor([1.0, 2.0]), n=0), [1.0, 2.0])


def test_diff_gradients_and_errors():
    x = f64([1.0, 4.0, 2.0, 8.0])
    # sum of second differences = x3 - x2 - x1 + x0
    same(grads(lambda x: ag.diff(x, n=2), x)[0], [1.0, -1.0, -1.0, 1.0])
    p = f64([[0.5], [1.5]])
    gradcheck(lambda x, p: ag.diff(x, 2, -1, prepend=p, append=p * p),
              [f64(np.arange(6.0).reshape(2, 3) ** 2), p])  # fmt: skip
    with pytest.raises(ValueError, match=r"diff: expects a tensor with at least one dimension"):
        ag.diff(ag.tensor(1.0))
    with pytest.raises(ValueError, match="diff: prepend must have the input's number of"):
        ag.diff(ag.zeros((2, 2)), dim=1, prepend=ag.zeros(2))
    with pytest.raises(ValueError, match="diff: n must be a non-negative int"):
        ag.diff(ag.zeros(3), n=-1)


def test_cummax_and_cummin_follow_pytorch_on_ties_and_nan():
    x = ag.tensor([1.0, 3.0, 3.0, 2.0, NAN, 5.0, NAN, 1.0])
    values, indices = ag.cummax(x, 0)
    same(values, [1.0, 3.0, 3.0, 3.0, NAN, NAN, NAN, NAN])
    same(indices, [0, 1, 2, 2, 4, 4, 6, 6], np.int64)  # a tie moves to the later index
    values, indices = x.cummin(dim=0)
    same(values, [1.0, 1.0, 1.0, 1.0, NAN, NAN, NAN, NAN])
    same(indices, [0, 0, 0, 0, 4, 4, 6, 6])
    values, indices = ag.cummax(ag.tensor([[1, 3, 3, 2], [5, 4, 6, 0]]), dim=1)
    same(values, [[1, 3, 3, 3], [5, 5, 6, 6]], np.int64)
    same(indices, [[0, 1, 2, 2], [0, 0, 2, 2]])
    values, indices = ag.cummin(ag.tensor([2, 1, 1]), 0)
    same(values, [2, 1, 1])
    same(indices, [0, 1, 2])
    v, i = ag.cummax(ag.tensor(7.0), 0)
    assert v.item() == 7.0 and i.item() == 0 and i.dtype == np.int64
    with pytest.raises(TypeError, match="cummax: missing the dimension"):
        ag.cummax(ag.zeros(3))


def test_cummax_routes_each_gradient_to_the_element_taken():
    x = f64([1.0, 3.0, 3.0, 2.0])
    same(grads(lambda x: ag.cummax(x, 0).values, x)[0], [1.0, 1.0, 2.0, 0.0])
    x = f64([[0.3, -1.2, 0.8], [2.0, 0.1, -0.5]])
    gradcheck(lambda x: ag.cummin(x, 1).values, [x])
    gradgradcheck(lambda x: ag.cummax(x, 0).values ** 2, [x])


# --- two-input elementary functions --------------------------------------------------------------


def test_atan2_values_dtypes_and_gradients():
    q = math.pi / 4
    same(ag.atan2(ag.tensor([1.0, 1.0, -1.0, 0.0]), ag.tensor([1.0, -1.0, -1.0, -1.0])),
         [q, 3 * q, -3 * q, math.pi])  # fmt: skip
    same(ag.atan2(ag.tensor([1, 2]), ag.tensor([1, 0])), [q, 2 * q], np.float32)
    y, x = f64([1.0, 0.0]), f64([2.0, 0.0])
    gy, gx = grads(ag.atan2, y, x)
    same(gy, [2.0 / 5.0, 0.0])  # x / (x^2 + y^2); 0 at the origin, as PyTorch
    same(gx, [-1.0 / 5.0, 0.0])
    same(y.arctan2(x), [math.atan2(1.0, 2.0), 0.0])
    ys, xs = f64([[0.5, -1.5, 2.0]]), f64([[1.0], [-2.0]])
    gradcheck(ag.atan2, [ys, xs])
    gradgradcheck(ag.atan2, [ys, xs])


def test_hypot_values_and_gradients():
    same(ag.hypot(ag.tensor([3.0, 0.0]), ag.tensor([4.0, 0.0])), [5.0, 0.0], np.float32)
    same(ag.hypot(ag.tensor([3]), ag.tensor([4])), [5.0], np.float32)
    same(ag.hypot(f64([3e200], False), f64([4e200], False)), [5e200])  # no overflow
    a, b = f64([3.0, 0.0]), f64([4.0, 0.0])
    ga, gb = grads(ag.hypot, a, b)
    same(ga, [0.6, 0.0])  # a / z; 0 where z = 0
    same(gb, [0.8, 0.0])
    a, b = f64([[0.5, -1.5, 2.0]]), f64([[1.0], [-2.0]])
    gradcheck(ag.hypot, [a, b])
    gradgradcheck(ag.hypot, [a, b])


def test_logaddexp_values_and_gradients():
    same(ag.logaddexp(ag.tensor([0.0, -INF, INF, 1000.0]), ag.tensor([0.0, -INF, 1.0, 1000.0])),
         [math.log(2.0), -INF, INF, 1000.0 + math.log(2.0)])  # fmt: skip
    a, b = f64([0.0, 2.0]), f64([0.0, 0.0])
    ga, gb = grads(ag.logaddexp, a, b)
    s = 1.0 / (1.0 + math.exp(-2.0))
    same(ga, [0.5, s])
    same(gb, [0.5, 1.0 - s])
    a, b = f64([[0.5, -1.5, 2.0]]), f64([[1.0], [-2.0]])
    gradcheck(ag.logaddexp, [a, b])
    gradgradcheck(ag.logaddexp, [a, b])


def test_fmax_and_fmin_ignore_nan_and_give_ties_to_the_first():
    a, b = ag.tensor([1.0, NAN, NAN, 3.0]), ag.tensor([2.0, 1.0, NAN, 3.0])
    same(ag.fmax(a, b), [2.0, 1.0, NAN, 3.0])
    same(a.fmin(b), [1.0, 1.0, NAN, 3.0])
    same(ag.fmax(ag.tensor([1, 5]), ag.tensor([2, 1])), [2, 5], np.int64)
    a, b = f64([1.0, 2.0, NAN]), f64([1.0, 3.0, 0.0])
    ga, gb = grads(ag.fmax, a, b)
    same(ga, [1.0, 0.0, 0.0])  # the tie goes whole to a
    same(gb, [0.0, 1.0, 1.0])
    gradcheck(ag.fmin, [f64([[0.5, -1.5]]), f64([[1.25], [-2.25]])])


def test_xlogy_is_zero_where_x_is_zero():
    same(ag.xlogy(ag.tensor([0.0, 0.0, 1.0, 2.0]), ag.tensor([NAN, 0.0, 2.0, 1.0])),
         [NAN, 0.0, math.log(2.0), 0.0])  # fmt: skip
    same(ag.xlogy(ag.tensor([0, 1]), ag.tensor([0, 2])), [0.0, math.log(2.0)], np.float32)
    x, y = f64([0.0, 1.0, 3.0]), f64([0.0, 2.0, 4.0])
    gx, gy = grads(ag.xlogy, x, y)
    same(gx, [0.0, math.log(2.0), math.log(4.0)])  # ln y; 0 where x = 0
    same(gy, [0.0, 0.5, 0.75])  # x / y; 0 where x = 0
    gradgradcheck(ag.xlogy, [f64([[0.5, -1.5]]), f64([[1.25], [2.5]])])


def test_exp2_logit_and_frac():
    same(ag.exp2(ag.tensor([1, 3])), [2.0, 8.0], np.float32)
    x = f64([0.0, 1.0, -1.0])
    same(x.exp2(), [1.0, 2.0, 0.5])
    same(grads(ag.exp2, x)[0], [math.log(2.0), 2 * math.log(2.0), 0.5 * math.log(2.0)])
    same(ag.logit(ag.tensor([0.0, 0.5, 1.0])), [-INF, 0.0, INF])
    same(ag.logit(ag.tensor([0, 1])), [-INF, INF], np.float32)
    same(ag.logit(ag.tensor([0.0, 0.5, 1.0]), eps=0.1), [-math.log(9.0), 0.0, math.log(9.0)])
    x = f64([0.05, 0.1, 0.5, 0.8])
    # 1 / (x (1 - x)) inside [eps, 1 - eps] (its ends included), 0 outside: PyTorch's
    same(grads(lambda x: ag.logit(x, eps=0.1), x)[0], [0.0, 1 / 0.09, 4.0, 1 / 0.16])
    gradgradcheck(ag.logit, [f64([0.2, 0.7])])
    same(ag.frac(ag.tensor([-1.5, 2.25, 3.0])), [-0.5, 0.25, 0.0])
    x = f64([-1.5, 2.25])
    same(grads(ag.frac, x)[0], [1.0, 1.0])
    with pytest.raises(TypeError, match="frac: expects a floating-point tensor, got dtype int64"):
        ag.frac(ag.tensor([1, 2]))


# --- products --------------------------------------------------------------------------------


def test_cross_values_dims_and_errors():
    e = ag.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    same(ag.cross(e, e.roll(-1, 0), dim=1), [[0, 0, 1], [1, 0, 0], [0, 1, 0]])  # e_i x e_i+1
    same(ag.cross(ag.tensor([1, 2, 3]), ag.tensor([4, 5, 6])), [-3, 6, -3], np.int64)
    # dim=None: the first dimension of length 3, here 0: the columns e_j cross the column y
    # (x cross y = z, y cross y = 0, z cross y = -x)
    same(ag.cross(e, ag.tensor([[0.0], [1.0], [0.0]])), [[0, 0, -1], [0, 0, 0], [1, 0, 0]])
    same(e[:2].cross(ag.tensor([[0.0, 1.0, 0.0]]), dim=-1), [[0, 0, 1], [0, 0, 0]])
    with pytest.raises(ValueError, match="cross: no dimension of length 3"):
        ag.cross(ag.zeros((2, 4)), ag.zeros((2, 4)))
    with pytest.raises(ValueError, match="cross: dimension 1 must have length 3"):
        ag.cross(ag.zeros((3, 4)), ag.zeros((3, 4)), dim=1)
    with pytest.raises(ValueError, match="cross: a and b must have the same number of dim"):
        ag.cross(ag.zeros((2, 3)), ag.zeros(3))
    a, b = f64([[1.0, -2.0, 0.5], [0.3, 0.2, -1.0]]), f64([[2.0, 1.0, -1.0]])
    gradcheck(lambda a, b: ag.cross(a, b, dim=1), [a, b])
    gradgradcheck(lambda a, b: ag.cross(a, b, dim=1), [a, b])


def test_kron():
    same(ag.kron(ag.tensor([[1, 2], [3, 4]]), ag.tensor([1, 10])),
         [[1, 10, 2, 20], [3, 30, 4, 40]], np.int64)  # fmt: skip
    same(ag.tensor([1, 2]).kron(ag.tensor([[1], [10]])), [[1, 2], [10, 20]])
    same(ag.kron(ag.tensor(2.0), ag.tensor(3.0)), 6.0)
    a, b = f64([[1.0, 2.0], [3.0, 4.0]]), f64([1.0, -1.0, 0.5])
    ga, gb = grads(ag.kron, a, b)
    same(ga, np.full((2, 2), 0.5))  # each a_ij meets all of b
    same(gb, [10.0, 10.0, 10.0])  # each b_k meets all of a
    gradgradcheck(ag.kron, [a, b])


def test_addmm_and_baddbmm():
    i, m1, m2 = f64([1.0, 2.0]), f64([[1.0, 2.0], [3.0, 4.0]]), f64([[1.0, 0.0], [1.0, 1.0]])
    out = ag.addmm(i, m1, m2, beta=2, alpha=3)  # 2 [1, 2] + 3 [[3, 2], [7, 4]]
    same(out, [[11.0, 10.0], [23.0, 16.0]])
    out.sum().backward()
    same(i.grad, [4.0, 4.0])  # beta, twice (two rows)
    same(m1.grad, [[3.0, 6.0], [3.0, 6.0]])  # alpha * row sums of m2
    nan = f64([NAN, 1.0])
    out = ag.addmm(nan, m1, m2, beta=0)
    same(out, [[3.0, 2.0], [7.0, 4.0]])  # beta = 0: input not read
    out.sum().backward()
    same(nan.grad, [0.0, 0.0])
    same(i.addmm(m1, m2), [[4.0, 4.0], [8.0, 6.0]])
    with pytest.raises(ValueError, match=r"addmm: input of shape \(3,\) does not broadcast"):
        ag.addmm(ag.zeros(3), ag.zeros((2, 2)), ag.zeros((2, 2)))
    with pytest.raises(ValueError, match="mm: expects 2-D and 2-D tensors"):
        ag.addmm(ag.zeros(2), ag.zeros(2), ag.zeros((2, 2)))
    b1, b2 = f64(np.arange(12.0).reshape(2, 2, 3) / 6), f64(np.arange(6.0).reshape(2, 3, 1) - 2)
    bias = f64([[0.5], [-1.0]])
    same(ag.baddbmm(bias, b1, b2, alpha=0.5), 0.5 * (b1.data @ b2.data) + bias.data)
    gradcheck(lambda i, a, b: ag.baddbmm(i, a, b, beta=-2.0, alpha=0.5), [bias, b1, b2])
    gradgradcheck(lambda i, a, b: i.addmm(a, b, beta=0.5), [f64([1.0, -1.0]), m1, m2])


# --- random draws --------------------------------------------------------------------------------


def test_bernoulli_draws_from_the_default_generator():
    p = ag.tensor([0.0, 1.0, 0.0, 1.0])
    same(ag.bernoulli(p), [0.0, 1.0, 0.0, 1.0], np.float32)
    assert ag.bernoulli(ag.zeros(3, dtype=ag.float64), p=1.0).tolist() == [1.0, 1.0, 1.0]
    ag.manual_seed(3)
    first = ag.bernoulli(ag.full((1000,), 0.3))
    ag.manual_seed(3)
    assert ag.full((1000,), 0.3).bernoulli().tolist() == first.tolist()  # seeded
    assert 200 < first.sum().item() < 400  # about 300 ones (sd ~ 14.5)
    assert ag.bernoulli(p, generator=ag.Generator(0)).tolist() == [0.0, 1.0, 0.0, 1.0]
    x = ag.zeros(5)
    assert x.bernoulli_(1.0) is x and x.tolist() == [1.0] * 5
    x = f64([0.5, 0.5])
    assert not ag.bernoulli(x).requires_grad  # a sample: no gradient
    with pytest.raises(ValueError, match=r"bernoulli: probabilities must lie in \[0, 1\], got 1.5"):
        ag.bernoulli(ag.tensor([0.5, 1.5]))
    with pytest.raises(ValueError, match="got nan"):
        ag.bernoulli(ag.tensor([NAN]))
    with pytest.raises(TypeError, match="bernoulli: expects floating-point probabilities"):
        ag.bernoulli(ag.tensor([1, 0]))


def test_multinomial():
    same(ag.multinomial(ag.tensor([0.0, 3.0, 0.0]), 4, replacement=True), [1, 1, 1, 1], np.int64)
    rows = ag.multinomial(ag.tensor([[1.0, 0.0], [0.0, 2.0]]), 1)
    same(rows, [[0], [1]], np.int64)
    # without replacement every index differs; zero weights come last
    draw = ag.tensor([0.0, 5.0, 1.0, 0.0]).multinomial(2)
    assert sorted(draw.tolist()) == [1, 2]
    assert sorted(ag.multinomial(ag.tensor([1.0, 0.0, 0.0]), 3).tolist()) == [0, 1, 2]
    ag.manual_seed(1)
    counts = np.bincount(ag.multinomial(ag.tensor([1.0, 3.0]), 4000, True).data, minlength=2)
    assert 2800 < counts[1] < 3200  # 3000 expected (sd ~ 27)
    ag.manual_seed(1)
    again = np.bincount(ag.multinomial(ag.tensor([1.0, 3.0]), 4000, True).data, minlength=2)
    assert counts.tolist() == again.tolist()
    for bad, message in [
        ((ag.tensor([1.0, -1.0]), 1), "weights must be finite and non-negative"),
        ((ag.tensor([[1.0, 1.0], [0.0, 0.0]]), 1), "row 1 of the weights sums to 0"),
        ((ag.tensor([1.0, 1.0]), 3), "cannot draw 3 samples without replacement from 2"),
        ((ag.tensor([1, 2]), 1), "expects floating-point weights, got dtype int64"),
        (
            (ag.zeros((2, 2, 2)), 1),
            r"expects a 1-D or 2-D tensor of weights, got shape \(2, 2, 2\)",
        ),
        ((ag.tensor([1.0]), 0), "num_samples must be positive"),
    ]:
        with pytest.raises((ValueError, TypeError), match=f"multinomial: {message}"):
            ag.multinomial(*bad)


# --- Tensor methods with PyTorch's signatures ------------------------------------------------


def test_select_ravel_and_where():
    x = f64(np.arange(6.0).reshape(2, 3))
    same(x.select(1, -1), [2.0, 5.0])
    same(ag.select(x, 0, 1), [3.0, 4.0, 5.0])
    (x.select(1, 0) * 2).sum().backward()
    same(x.grad, [[2.0, 0.0, 0.0], [2.0, 0.0, 0.0]])
    with pytest.raises(
        IndexError, match=r"select: index 3 is out of range for dimension 1 of size 3"
    ):
        x.select(1, 3)
    with pytest.raises(IndexError, match="select: dimension 2 is out of range"):
        x.select(2, 0)
    same(x.ravel(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0])
    same(ag.ravel(ag.tensor(3.0)), [3.0])
    same(x.where(x > 2, 0.0), [[0.0, 0.0, 0.0], [3.0, 4.0, 5.0]])
    same(x.where(x > 2, ag.tensor([-1.0, -2.0, -3.0])), [[-1.0, -2.0, -3.0], [3.0, 4.0, 5.0]])


def test_index_fill():
    x = f64(np.arange(6.0).reshape(2, 3))
    same(x.index_fill(1, ag.tensor([0, 2]), -1.0), [[-1.0, 1.0, -1.0], [-1.0, 4.0, -1.0]])
    same(ag.index_fill(x, 0, [-1], 9.0), [[0.0, 1.0, 2.0], [9.0, 9.0, 9.0]])  # from the end
    same(ag.arange(6).reshape(2, 3).index_fill(1, ag.tensor([0]), 2.7), [[2, 1, 2], [2, 4, 5]],
         np.int64)  # fmt: skip
    value = f64(0.5)
    out = x.index_fill(1, ag.tensor([1]), value)
    (out * out).sum().backward()
    same(x.grad, [[0.0, 0.0, 4.0], [6.0, 0.0, 10.0]])  # 2x outside the filled column
    same(value.grad, 2.0)  # 2 * 0.5, twice
    y = ag.zeros((2, 2))
    assert y.index_fill_(0, ag.tensor([1]), 3.0) is y and y.tolist() == [[0.0, 0.0], [3.0, 3.0]]
    with pytest.raises(ValueError, match=r"index_fill: value must be a number or a 0-d tensor"):
        x.index_fill(1, ag.tensor([0]), ag.tensor([1.0]))
    with pytest.raises(IndexError, match="index_fill: index 3 is out of range for dimension 1"):
        x.index_fill(1, ag.tensor([3]), 0.0)
    with pytest.raises(TypeError, match="index_fill: index must be an integer tensor"):
        x.index_fill(1, ag.tensor([0.0]), 0.0)


def test_index_copy():
    x = f64(np.arange(6.0).reshape(2, 3))
    source = f64([[10.0, 20.0], [30.0, 40.0]])
    out = x.index_copy(1, ag.tensor([2, 0]), source)
    same(out, [[20.0, 1.0, 10.0], [40.0, 4.0, 30.0]])
    (out * ag.tensor([[1.0, 2.0, 3.0]])).sum().backward()
    same(x.grad, [[0.0, 2.0, 0.0], [0.0, 2.0, 0.0]])
    same(source.grad, [[3.0, 1.0], [3.0, 1.0]])  # column 0 went to 2, column 1 to 0
    y = ag.zeros(3, dtype=ag.int64)
    y.index_copy_(0, ag.tensor([1]), ag.tensor([7]))
    assert y.tolist() == [0, 7, 0]
    with pytest.raises(TypeError, match="index_copy: source has dtype int64 but the tensor has"):
        x.index_copy(1, ag.tensor([2, 0]), ag.tensor([[1, 2], [3, 4]]))
    with pytest.raises(
        ValueError, match=r"index_copy: source has shape \(2, 3\), but .* need \(2, 2\)"
    ):
        x.index_copy(1, ag.tensor([2, 0]), ag.zeros((2, 3), dtype=ag.float64))
    with pytest.raises(ValueError, match="index_copy: the index .* repeats a slice"):
        x.index_copy(1, ag.tensor([1, 1]), source)
    gradcheck(
        lambda x, s: ag.index_copy(x, 0, [1], s), [f64([[1.0, 2.0], [3.0, 4.0]]), f64([[5.0, 6.0]])]
    )


def test_tensor_unfold_makes_sliding_windows():
    same(ag.arange(10).unfold(0, 3, 2), [[0, 1, 2], [2, 3, 4], [4, 5, 6], [6, 7, 8]], np.int64)
    x = ag.arange(12.0).reshape(2, 6)
    windows = x.unfold(1, 4, 2)
    assert windows.shape == (2, 2, 4)
    same(windows[1], [[6.0, 7.0, 8.0, 9.0], [8.0, 9.0, 10.0, 11.0]])
    assert x.unfold(0, 1, 1).shape == (2, 6, 1)
    same(ag.tensor(5.0).unfold(0, 1, 1), [5.0])
    v = f64(np.arange(5.0))
    v.unfold(0, 3, 1).sum().backward()
    same(v.grad, [1.0, 2.0, 3.0, 2.0, 1.0])  # overlapping windows add
    with pytest.raises(ValueError, match="unfold: size 6 does not fit dimension 0 of size 5"):
        ag.arange(5.0).unfold(0, 6, 1)
    with pytest.raises(ValueError, match="unfold: step must be positive, got 0"):
        ag.arange(5.0).unfold(0, 2, 0)
    gradgradcheck(lambda x: x.unfold(1, 2, 1) ** 2, [f64(np.arange(8.0).reshape(2, 4) / 3)])


def test_tril_and_triu_in_place():
    x = ag.ones((3, 3))
    assert x.tril_() is x
    same(x, np.tril(np.ones((3, 3))))
    y = ag.ones((2, 3))
    y.triu_(1)
    same(y, [[0.0, 1.0, 1.0], [0.0, 0.0, 1.0]])
    a = f64(np.ones((2, 2)))
    h = a * 3.0
    h.triu_()
    h.sum().backward()
    same(a.grad, [[3.0, 3.0], [0.0, 3.0]])


def test_add_sub_with_alpha_pow_exponent_and_div_rounding_modes():
    a, b = ag.tensor([1, 2]), ag.tensor([1, 1])
    same(a.add(b, alpha=3), [4, 5], np.int64)
    same(ag.tensor([1.0, 2.0]).sub(1, alpha=2), [-1.0, 0.0])
    x, y = f64([1.0, 2.0]), f64([3.0, 4.0])
    gx, gy = grads(lambda x, y: x.sub(y, alpha=0.5), x, y)
    same(gy, [-0.5, -0.5])
    with pytest.raises(TypeError, match="add: alpha=0.5 is a float but both operands are integers"):
        a.add(1, alpha=0.5)
    same(ag.tensor([1.0, 2.0]).pow(exponent=2), [1.0, 4.0])
    n, d = ag.tensor([-7, 7]), ag.tensor([2, -2])
    same(n.div(d), [-3.5, -3.5], np.float32)
    same(n.div(d, rounding_mode="trunc"), [-3, -3], np.int64)
    same(n.div(d, rounding_mode="floor"), [-4, -4], np.int64)
    same(n.div(2.5, rounding_mode="trunc"), [-2.0, 2.0], np.float32)
    same(ag.divide(ag.tensor([-7.0, 7.0]), 2.0, rounding_mode="trunc"), [-3.0, 3.0])
    same(ag.divide(ag.tensor([2**62 + 1]), ag.tensor([-1]), rounding_mode="trunc"), [-(2**62) - 1])
    x = f64([1.5, -2.5])
    same(grads(lambda x: x.div(2.0, rounding_mode="floor"), x)[0], [0.0, 0.0])
    with pytest.raises(ValueError, match="divide: rounding_mode must be None, 'trunc' or 'floor'"):
        n.div(d, rounding_mode="round")
    with pytest.raises(ZeroDivisionError, match="divide: integer division by zero"):
        n.div(ag.tensor([0, 1]), rounding_mode="trunc")


def test_flip_permute_and_transpose_take_pytorchs_forms():
    x = ag.arange(6.0).reshape(2, 3)
    for flipped in (x.flip(0, 1), x.flip((0, 1)), x.flip(dims=(0, 1)), x.flip([0, 1])):
        same(flipped, [[5.0, 4.0, 3.0], [2.0, 1.0, 0.0]])
    same(x.flip(dims=[1]), [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]])
    same(x.flip(-1), [[2.0, 1.0, 0.0], [5.0, 4.0, 3.0]])
    with pytest.raises(TypeError, match="flip: give the dimensions once"):
        x.flip(0, dims=(1,))
    y = ag.zeros((2, 3, 4))
    assert y.permute(2, 0, 1).shape == y.permute((2, 0, 1)).shape == (4, 2, 3)
    assert y.permute(dims=(2, 0, 1)).shape == (4, 2, 3)
    assert y.transpose(dim0=0, dim1=2).shape == y.transpose(0, dim1=2).shape == (4, 3, 2)
    assert y.transpose(0, 1).shape == (3, 2, 4)


def test_softmax_methods_take_a_dtype():
    x = ag.tensor([[1.0, 2.0], [3.0, 5.0]])
    s = x.softmax(0, dtype=ag.float64)
    assert s.dtype == np.float64
    same(s[:, 0], [1 / (1 + math.e**2), 1 / (1 + math.e**-2)])
    ls = x.log_softmax(dim=1, dtype=ag.float64)
    assert ls.dtype == np.float64
    same(ls[0], [-math.log(1 + math.e), -math.log(1 + math.e**-1)])
    assert x.softmax(1).dtype == np.float32
    gradgradcheck(lambda z: z.log_softmax(0, dtype=ag.float64), [f64([0.3, -1.0, 2.0])])


def test_methods_name_themselves_in_argument_errors():
    x = ag.zeros((2, 2))
    for call, name in [
        (lambda: x.flip(foo=1), "Tensor.flip"),
        (lambda: x.reshape(4, order="C"), "Tensor.reshape"),
        (lambda: x.permute(1, 0, foo=1), "Tensor.permute"),
        (lambda: x.softmax(0, foo=1), "Tensor.softmax"),
        (lambda: x.float(1), "Tensor.float"),
        (lambda: x.add(1, beta=2), "Tensor.add"),
        (lambda: x.expand_as(), "Tensor.expand_as"),
        (lambda: x.unfold(0, 1), "Tensor.unfold"),
    ]:
        with pytest.raises(TypeError, match=name):
            call()


# --- creation errors name the function ---------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: ag.arange(0, 1, 0), ValueError, "arange: step must be nonzero"),
        (lambda: ag.arange(0, INF), ValueError, "arange: start, end and step must be finite"),
        (lambda: ag.zeros(-1), ValueError, r"zeros: negative dimension -1 in size \(-1,\)"),
        (lambda: ag.ones((2, -3)), ValueError, r"ones: negative dimension -3 in size \(2, -3\)"),
        (lambda: ag.empty(2, -1), ValueError, r"empty: negative dimension -1 in size \(2, -1\)"),
        (lambda: ag.full((-2,), 1.0), ValueError, "full: negative dimension -2"),
        (lambda: ag.eye(-2), ValueError, r"eye: negative dimension -2 in size \(-2,\)"),
        (lambda: ag.rand(3, -1), ValueError, "rand: negative dimension -1"),
        (lambda: ag.randn(2.5), TypeError, r"randn: size must be ints .* got 2.5 \(float\)"),
        (lambda: ag.zeros((2, 1.5)), TypeError, r"zeros: size must be ints .* got 1.5"),
        (lambda: ag.randint(0, 5, (-1,)), ValueError, "randint: negative dimension -1"),
        (lambda: ag.randint(5, 3, (2,)), ValueError, r"randint: the range \[low, high\)"),
        (lambda: ag.ones(2, dtype="nonsense"), TypeError, "ones: data type 'nonsense'"),
        (lambda: ag.rand(2, dtype=ag.int64), TypeError, "rand: draws floating-point values"),
    ],
)
def test_creation_errors_name_the_function(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_creation_still_takes_every_form_of_size():
    assert ag.zeros(2, 3).shape == ag.zeros((2, 3)).shape == ag.zeros([2, 3]).shape == (2, 3)
    assert ag.zeros(np.int64(2)).shape == (2,) and ag.zeros(ag.tensor(3)).shape == (3,)
    assert ag.zeros(ag.tensor([2, 1])).shape == (2, 1) and ag.zeros().shape == ()
    assert ag.full(3, 1.0).tolist() == [1.0] * 3 and ag.eye(2, 3).shape == (2, 3)
    assert ag.randint(3, (2,)).shape == (2,) and ag.randint(0, 3, 4).shape == (4,)
    assert ag.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]


# --- against PyTorch, when it is installed --------------------------------------------------------


@pytest.mark.torch
def test_values_and_gradients_match_pytorch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    p = rng.uniform(0.05, 0.95, (3, 4))
    cases = [
        ("atan2", lambda m, x, y: m.atan2(x, y), (a, b)),
        ("hypot", lambda m, x, y: m.hypot(x, y), (a, b)),
        ("logaddexp", lambda m, x, y: m.logaddexp(x, y), (a, b)),
        ("fmax", lambda m, x, y: m.fmax(x, y), (a, b)),
        ("xlogy", lambda m, x, y: m.xlogy(x, y.abs()), (a, b)),
        ("exp2", lambda m, x: m.exp2(x), (a,)),
        ("logit", lambda m, x: m.logit(x, eps=0.2), (p,)),
        ("frac", lambda m, x: m.frac(x * 3), (a,)),
        ("diff", lambda m, x: m.diff(x, n=2, dim=1), (a,)),
        ("cummax", lambda m, x: m.cummax(x, 1)[0], (a,)),
        ("cummin", lambda m, x: m.cummin(x, 0)[0], (a,)),
        ("cross", lambda m, x, y: m.cross(x[:, :3], y[:, :3], dim=1), (a, b)),
        ("kron", lambda m, x, y: m.kron(x[:2, :2], y[:2]), (a, b)),
        ("addmm", lambda m, x, y: m.addmm(x[0, :3], x, y.T, beta=0.5, alpha=2.0), (a, b)),
        ("unfold", lambda m, x: x.unfold(1, 2, 1), (a,)),
        ("index_fill", lambda m, x: x.index_fill(1, m.tensor([0, 2]), -1.0), (a,)),
        ("index_copy", lambda m, x, y: x.index_copy(0, m.tensor([2, 0]), y[:2]), (a, b)),
    ]
    for name, fn, arrays in cases:
        ours = [ag.tensor(v, requires_grad=True) for v in arrays]
        theirs = [torch.tensor(v, requires_grad=True) for v in arrays]
        out, ref = fn(ag, *ours), fn(torch, *theirs)
        np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-10, err_msg=name)
        w = rng.standard_normal(out.shape)
        (out * ag.tensor(w)).sum().backward()
        (ref * torch.tensor(w)).sum().backward()
        for x, t in zip(ours, theirs):
            np.testing.assert_allclose(
                x.grad.data, t.grad.numpy(), rtol=1e-10, atol=1e-12, err_msg=name
            )
    x = torch.tensor([1.0, 3.0, 3.0, 2.0, NAN, 5.0])
    for op in ("cummax", "cummin"):
        ref = getattr(torch, op)(x, 0)
        ours = getattr(ag, op)(ag.tensor(x.numpy()), 0)
        assert ours.indices.tolist() == ref.indices.tolist(), op
    for n in ([-7, 7, 5], [2, -2, -3]):
        for mode in ("trunc", "floor"):
            ref = torch.div(torch.tensor([-7, 7, 5]), torch.tensor(n), rounding_mode=mode)
            assert (
                ag.tensor([-7, 7, 5]).div(ag.tensor(n), rounding_mode=mode).tolist() == ref.tolist()
            )
