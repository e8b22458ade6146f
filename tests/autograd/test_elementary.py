"""Elementary functions, rounding, remainders, nan_to_num, predicates and logic: values against
NumPy (and erf against math.erf), dtypes, PyTorch's conventions at the awkward points, and the
errors. Gradients are checked for every gate by test_gradients.py (the registry's specs)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import reals, shapes, tensors

SMOOTH = {  # function -> (NumPy reference, domain)
    "sin": (np.sin, reals(-10, 10)),
    "cos": (np.cos, reals(-10, 10)),
    "tan": (np.tan, reals(-1.5, 1.5)),
    "asin": (np.arcsin, reals(-1, 1)),
    "acos": (np.arccos, reals(-1, 1)),
    "atan": (np.arctan, reals(-10, 10)),
    "sinh": (np.sinh, reals(-10, 10)),
    "cosh": (np.cosh, reals(-10, 10)),
    "asinh": (np.arcsinh, reals(-10, 10)),
    "acosh": (np.arccosh, reals(1, 10)),
    "atanh": (np.arctanh, reals(-0.99, 0.99)),
    "log1p": (np.log1p, reals(-0.99, 10)),
    "expm1": (np.expm1, reals(-10, 10)),
    "log2": (np.log2, reals(1e-3, 100)),
    "log10": (np.log10, reals(1e-3, 100)),
    "rsqrt": (lambda a: 1 / np.sqrt(a), reals(1e-3, 100)),
    "square": (np.square, reals(-10, 10)),
    "reciprocal": (np.reciprocal, reals(0.01, 10)),
}


@pytest.mark.parametrize("name", SMOOTH, ids=str)
@given(data=st.data())
def test_values_match_numpy(name: str, data: st.DataObject) -> None:
    reference, domain = SMOOTH[name]
    x = data.draw(tensors(shapes(max_dims=3, max_side=4), elements=domain))
    fn = getattr(ag, name)
    out = fn(ag.tensor(x))
    np.testing.assert_allclose(out.data, reference(x), rtol=1e-12, atol=1e-300)
    assert out.dtype == np.float64
    method = getattr(ag.tensor(x), name)()  # the Tensor method is the same gate
    np.testing.assert_array_equal(method.data, out.data)
    x32 = fn(ag.tensor(x.astype(np.float32)))
    assert x32.dtype == np.float32


@pytest.mark.parametrize("name", [n for n in SMOOTH if n not in ("square",)], ids=str)
def test_integers_give_float32(name: str) -> None:
    assert getattr(ag, name)(ag.tensor([1, 2])).dtype == np.float32


def test_square_of_integers_stays_integer() -> None:
    out = ag.square(ag.tensor([3, -4]))
    assert out.dtype == np.int64 and out.tolist() == [9, 16]


def test_lerp_values_and_gradients() -> None:
    a = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = ag.tensor(np.array([3.0, -2.0]), requires_grad=True)
    w = ag.tensor(np.array([0.25, 1.5]), requires_grad=True)
    out = ag.lerp(a, b, w)
    np.testing.assert_allclose(out.data, [1.5, -4.0])
    out.sum().backward()
    np.testing.assert_allclose(a.grad.data, [0.75, -0.5])
    np.testing.assert_allclose(b.grad.data, [0.25, 1.5])
    np.testing.assert_allclose(w.grad.data, [2.0, -4.0])


# --- erf ---------------------------------------------------------------------------------------


def test_erf_float64_is_within_2e_15_of_math_erf() -> None:
    x = np.concatenate([np.linspace(-7, 7, 400_001), [0.0, -0.0, 1e-300, -1e-300, 5e-324]])
    expected = np.array([math.erf(v) for v in x])
    got = ag.erf(ag.tensor(x)).data
    error = np.abs(got - expected)
    assert error.max() < 2e-15, (error.max(), x[np.argmax(error)])
    # relative accuracy near 0, where erf x ~ 2x/sqrt(pi)
    tiny = np.array([1e-300, 1e-20, 1e-8, -3e-5])
    np.testing.assert_allclose(
        ag.erf(ag.tensor(tiny)).data, [math.erf(v) for v in tiny], rtol=1e-15
    )


def test_erf_float32_is_within_one_unit_in_the_last_place() -> None:
    x = np.linspace(-6, 6, 300_001, dtype=np.float32)
    expected = np.array([math.erf(float(v)) for v in x]).astype(np.float32)
    got = ag.erf(ag.tensor(x)).data
    assert got.dtype == np.float32
    ulps = np.abs(got.view(np.int32).astype(np.int64) - expected.view(np.int32).astype(np.int64))
    assert ulps.max() <= 1, (ulps.max(), x[np.argmax(ulps)])


def test_erf_special_values() -> None:
    out = ag.erf(ag.tensor(np.array([np.inf, -np.inf, np.nan, 0.0, -0.0, 30.0]))).data
    assert out[0] == 1.0 and out[1] == -1.0 and np.isnan(out[2])
    assert out[3] == 0.0 and np.signbit(out[4]) and out[5] == 1.0


# --- rounding and sign: values, dtypes, zero gradients -----------------------------------------

ROUNDING = {"floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "round": np.round,
            "sign": np.sign}  # fmt: skip


@pytest.mark.parametrize("name", ROUNDING, ids=str)
@given(x=tensors(shapes(max_dims=2, max_side=4), elements=reals(-5, 5)))
def test_rounding_matches_numpy(name: str, x: np.ndarray) -> None:
    np.testing.assert_array_equal(getattr(ag, name)(ag.tensor(x)).data, ROUNDING[name](x))


@pytest.mark.parametrize("name", ROUNDING, ids=str)
def test_rounding_keeps_integer_tensors_and_has_zero_gradient(name: str) -> None:
    ints = ag.tensor([3, -2, 0])
    out = getattr(ag, name)(ints)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out.data, ROUNDING[name](ints.data))
    x = ag.tensor(np.array([-1.5, 0.0, 0.5, 2.7]), requires_grad=True)
    y = getattr(x, name)()
    assert y.requires_grad  # PyTorch's: a graph edge carrying 0, not a constant
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(4))


def test_round_halves_to_even_and_decimals() -> None:
    assert ag.round(ag.tensor([0.5, 1.5, 2.5, -0.5])).tolist() == [0.0, 2.0, 2.0, -0.0]
    np.testing.assert_allclose(ag.round(ag.tensor([1.2345, -2.3456]), 2).data, [1.23, -2.35])


def test_sign_of_nan_and_bool() -> None:
    assert np.isnan(ag.sign(ag.tensor([np.nan])).data[0])
    assert ag.sign(ag.tensor([True, False])).tolist() == [True, False]


# --- remainders and floor division -------------------------------------------------------------


@given(
    a=tensors((5,), elements=reals(-20, 20)),
    b=tensors((5,), elements=st.sampled_from([-3.5, -2.0, -0.75, 0.5, 1.0, 3.0])),
)
def test_remainders_match_numpy(a: np.ndarray, b: np.ndarray) -> None:
    ta, tb = ag.tensor(a), ag.tensor(b)
    np.testing.assert_array_equal(ag.fmod(ta, tb).data, np.fmod(a, b))
    np.testing.assert_array_equal(ag.remainder(ta, tb).data, np.remainder(a, b))
    np.testing.assert_array_equal((ta % tb).data, np.remainder(a, b))
    np.testing.assert_array_equal((ta // tb).data, np.floor_divide(a, b))


def test_integer_remainders_follow_python_and_c() -> None:
    a, b = ag.tensor([7, -7, 7, -7]), ag.tensor([3, 3, -3, -3])
    assert (a % b).tolist() == [7 % 3, -7 % 3, 7 % -3, -7 % -3]  # Python's: the divisor's sign
    assert (a // b).tolist() == [7 // 3, -7 // 3, 7 // -3, -7 // -3]
    assert ag.fmod(a, b).tolist() == [1, -1, 1, -1]  # C's: the dividend's sign
    assert (a // b).dtype == np.int64 and (7 // b).tolist() == [2, 2, -3, -3]
    assert (10 % ag.tensor([4, 6])).tolist() == [2, 4]


@pytest.mark.parametrize("op", [ag.fmod, ag.remainder, ag.floor_divide], ids=lambda f: f.__name__)
def test_integer_division_by_zero_is_an_error(op) -> None:
    with pytest.raises(ZeroDivisionError, match=f"{op.__name__}: integer division by zero"):
        op(ag.tensor([1, 2]), ag.tensor([1, 0]))


def test_remainder_gradients_are_pytorchs() -> None:
    a = ag.tensor(np.array([5.0, -7.0, 3.5]), requires_grad=True)
    b = ag.tensor(np.array([2.0, 2.0, -1.5]), requires_grad=True)
    ag.remainder(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1, 1, 1])
    np.testing.assert_array_equal(b.grad.data, [-2, 4, 3])  # -floor(a / b)
    a.grad = b.grad = None
    ag.fmod(a, b).sum().backward()
    np.testing.assert_array_equal(b.grad.data, [-2, 3, 2])  # -trunc(a / b)
    a.grad = b.grad = None
    (a // b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0, 0, 0])
    np.testing.assert_array_equal(b.grad.data, [0, 0, 0])


def test_in_place_floor_divide_and_remainder() -> None:
    x = ag.tensor([7, -7])
    x //= 2
    assert x.tolist() == [3, -4]
    x %= 3
    assert x.tolist() == [0, 2]


# --- nan_to_num, predicates, logic -------------------------------------------------------------


def test_nan_to_num_matches_numpy_and_routes_the_gradient() -> None:
    raw = np.array([1.5, np.nan, np.inf, -np.inf, -2.0], dtype=np.float32)
    for kwargs in ({}, {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}):
        out = ag.nan_to_num(ag.tensor(raw), **kwargs)
        assert out.dtype == np.float32
        np.testing.assert_array_equal(out.data, np.nan_to_num(raw, **kwargs))
    x = ag.tensor(raw.astype(np.float64), requires_grad=True)
    x.nan_to_num().sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1, 0, 0, 0, 1])


def test_predicates_and_logic_give_bool_tensors() -> None:
    raw = np.array([1.0, np.nan, np.inf, -np.inf, 0.0])
    x = ag.tensor(raw)
    for name, ref in [("isnan", np.isnan), ("isinf", np.isinf), ("isfinite", np.isfinite)]:
        out = getattr(x, name)()
        assert out.dtype == np.bool_ and not out.requires_grad
        np.testing.assert_array_equal(out.data, ref(raw))
    a, b = ag.tensor([True, True, False, False]), ag.tensor([1, 0, 1, 0])
    assert ag.logical_and(a, b).tolist() == [True, False, False, False]
    assert ag.logical_or(a, b).tolist() == [True, True, True, False]
    assert a.logical_xor(b).tolist() == [False, True, True, False]
    assert ag.logical_not(b).tolist() == [False, True, False, True]
    with pytest.raises(ValueError, match="logical_and: shapes"):
        ag.logical_and(ag.tensor([1, 2]), ag.tensor([1, 2, 3]))


def test_unbounded_derivatives_do_not_leak_through_where() -> None:
    """asin'(1), log1p'(-1), rsqrt'(0) are infinite: where's unused branch still gets 0."""
    x = ag.tensor(np.array([1.0, 0.5, -1.0, 0.0]), requires_grad=True)
    for fn in (ag.asin, ag.acos, ag.atanh, ag.log1p, ag.rsqrt):
        x.grad = None
        with np.errstate(all="ignore"):
            y = ag.where(ag.tensor([False, True, False, False]), fn(x - 1e-9 * 0), x)
        y.sum().backward()
        assert np.isfinite(x.grad.data).all(), fn.__name__
