"""prod, norm and the scans (cumsum, cumprod, logcumsumexp): values against NumPy, dtypes, the
gradients where the closed forms break (zeros, subnormals, huge values, ties) and the errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import reals, shapes, tensors

SMALL = shapes(max_dims=3, max_side=4)
NONEMPTY = shapes(min_dims=1, max_dims=3, max_side=4)


def _axis(ndim: int) -> st.SearchStrategy:
    n = max(ndim, 1)
    one = st.integers(-n, n - 1)
    return st.none() | one | st.lists(one, unique_by=lambda a: a % n, max_size=ndim).map(tuple)


def _grad(fn, x: np.ndarray) -> np.ndarray:
    t = ag.tensor(x, requires_grad=True)
    fn(t).sum().backward()
    return t.grad.data


def _product_of_others(x: np.ndarray, axes: tuple) -> np.ndarray:
    """For each element, the product of the other elements of its group, by brute force."""
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        group = x[tuple(slice(None) if a in axes else i[a] for a in range(x.ndim))]
        at = np.ravel_multi_index(tuple(i[a] for a in axes), group.shape)
        out[i] = np.prod(np.delete(group.reshape(-1), at))
    return out


# --- prod ----------------------------------------------------------------------------------------


@given(data=st.data())
def test_prod_matches_numpy(data: st.DataObject) -> None:
    x = data.draw(tensors(SMALL, elements=reals(-2, 2)))
    axis, keep = data.draw(_axis(x.ndim)), data.draw(st.booleans())
    out = ag.prod(ag.tensor(x), axis, keep)
    np.testing.assert_allclose(out.data, np.prod(x, axis=axis, keepdims=keep), rtol=1e-12)


def test_prod_of_integers_is_int64_and_dim_works() -> None:
    x = ag.tensor(np.array([[1, 2], [3, 4]], dtype=np.int32))
    assert x.prod().dtype == np.int64 and x.prod().item() == 24
    assert x.prod(dim=1, keepdim=True).tolist() == [[2], [12]]


@pytest.mark.parametrize(
    "values", [[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 3.0, 2.0], [1e-300, 1e-300, 1e10, 2.0],
               [5e-324, 1.5, -2.0, 1.0], [0.0, 4.0, 0.5, 0.0]],
)  # fmt: skip
def test_prod_gradient_is_the_product_of_the_others_exactly(values: list) -> None:
    x = np.array(values).reshape(2, 2)
    for axis, axes in [(None, (0, 1)), (0, (0,)), (1, (1,)), ((0, 1), (0, 1)), (-1, (1,))]:
        grad = _grad(lambda t, axis=axis: t.prod(axis), x)
        np.testing.assert_allclose(grad, _product_of_others(x, axes), rtol=1e-14, atol=0)


def test_prod_gradient_with_one_zero_is_the_product_of_the_others() -> None:
    x = ag.tensor(np.array([2.0, 0.0, 3.0]), requires_grad=True)
    x.prod().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 6.0, 0.0])


# --- norm ----------------------------------------------------------------------------------------

P_VALUES = [1, 2, 3, 0.5, 2.5, np.inf, -np.inf, 0, "fro"]


@pytest.mark.parametrize("p", P_VALUES, ids=str)
@given(data=st.data())
def test_norm_matches_numpy(p, data: st.DataObject) -> None:
    x = data.draw(tensors(NONEMPTY, elements=reals(-3, 3)))
    axis, keep = data.draw(_axis(x.ndim)), data.draw(st.booleans())
    axes = tuple(range(x.ndim)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    axes = axes or tuple(range(x.ndim))  # no dimensions named: all of them (PyTorch's)
    a = np.abs(x)
    order = 2 if p == "fro" else p
    if order == np.inf:
        ref = np.max(a, axis=axes, keepdims=keep)
    elif order == -np.inf:
        ref = np.min(a, axis=axes, keepdims=keep)
    elif order == 0:
        ref = np.sum(a != 0, axis=axes, keepdims=keep).astype(float)
    else:
        ref = np.sum(a**order, axis=axes, keepdims=keep) ** (1 / order)
    out = ag.norm(ag.tensor(x), p, axis, keep)
    np.testing.assert_allclose(out.data, ref, rtol=1e-12, atol=1e-300)


def test_norm_default_is_the_frobenius_norm_of_everything() -> None:
    x = np.arange(6.0).reshape(2, 3) - 2
    assert ag.tensor(x).norm().item() == pytest.approx(np.linalg.norm(x))
    np.testing.assert_allclose(ag.tensor(x).norm(dim=1).data, np.linalg.norm(x, axis=1))
    assert ag.norm(ag.tensor([3, 4])).item() == 5.0  # integers are converted (float32)


@pytest.mark.parametrize("p", [2, 3, 0.5, 1.5], ids=str)
def test_norm_gradient_at_zero_is_zero(p) -> None:
    np.testing.assert_array_equal(_grad(lambda t: t.norm(p), np.zeros(3)), np.zeros(3))
    # and a zero element gets 0 for p < 1 (its |x|^(p-1) would be infinite)
    g = _grad(lambda t: t.norm(p), np.array([1.0, 0.0, 2.0]))
    assert g[1] == 0.0 and np.isfinite(g).all()


def test_inf_norm_splits_ties_evenly() -> None:
    np.testing.assert_array_equal(
        _grad(lambda t: t.norm(np.inf), np.array([3.0, -3.0, 1.0])), [0.5, -0.5, 0.0]
    )


def test_norm_refuses_matrix_norms_and_negative_p() -> None:
    with pytest.raises(ValueError, match="norm: p='nuc'"):
        ag.norm(ag.ones(2, 2), "nuc")
    with pytest.raises(ValueError, match="norm: p must be"):
        ag.norm(ag.ones(2), -1)
    with pytest.raises(IndexError, match="norm: dimension 2 is out of range"):
        ag.norm(ag.ones(2, 2), 2, 2)


# --- scans ---------------------------------------------------------------------------------------


@given(data=st.data())
def test_scans_match_numpy(data: st.DataObject) -> None:
    x = data.draw(tensors(NONEMPTY, elements=reals(-3, 3)))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    t = ag.tensor(x)
    np.testing.assert_allclose(t.cumsum(dim).data, np.cumsum(x, axis=dim), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(t.cumprod(dim).data, np.cumprod(x, axis=dim), rtol=1e-12)
    np.testing.assert_allclose(
        t.logcumsumexp(dim).data, np.log(np.cumsum(np.exp(x), axis=dim)), rtol=1e-12, atol=1e-12
    )


def test_scan_dtypes() -> None:
    ints = ag.tensor(np.array([1, 2, 3], dtype=np.int32))
    assert ints.cumsum(0).dtype == np.int64 and ints.cumprod(0).tolist() == [1, 2, 6]
    assert ag.tensor([True, True]).cumsum(0).tolist() == [1, 2]
    assert ints.cumsum(0, dtype=np.float64).dtype == np.float64
    assert ints.logcumsumexp(0).dtype == np.float32
    with pytest.raises(TypeError, match="cumsum: missing the dimension"):
        ints.cumsum()


def test_logcumsumexp_never_overflows() -> None:
    x = np.array([1000.0, -1000.0, 1001.0, -np.inf])
    out = ag.logcumsumexp(ag.tensor(x), 0).data
    np.testing.assert_allclose(out, [1000.0, 1000.0, 1001.0 + np.log1p(np.exp(-1.0)), out[2]])
    g = _grad(lambda t: t.logcumsumexp(0), x)
    assert np.isfinite(g).all()
    weights = np.exp(x[:, None] - out[None, :]) * np.triu(np.ones((4, 4)))  # exp(x_i - z_k), k >= i
    np.testing.assert_allclose(g, weights.sum(1), rtol=1e-12)


def _cumprod_grad_brute(x: np.ndarray) -> np.ndarray:
    n = x.size
    return np.array(
        [
            sum(np.prod([x[j] for j in range(k + 1) if j != i]) for k in range(i, n))
            for i in range(n)
        ]
    )


@pytest.mark.parametrize(
    "values", [[2.0, 0.0, 3.0, -1.5], [0.0, 0.0, 3.0, 2.0], [1.5, 2.0, 0.0, 4.0],
               [5e-324, 2.0, 3.0, 1e-310], [1.0, -2.0, 0.5, 3.0]],
)  # fmt: skip
def test_cumprod_gradient_is_exact_at_zeros_and_subnormals(values: list) -> None:
    x = np.array(values)
    expected = _cumprod_grad_brute(x)
    np.testing.assert_allclose(_grad(lambda t: t.cumprod(0), x), expected, rtol=1e-14)
    # the same along a dimension of a 2-D tensor, and under create_graph (the Tensor form)
    xx = np.stack([x, x[::-1]], axis=1)
    np.testing.assert_allclose(_grad(lambda t: t.cumprod(0), xx)[:, 0], expected, rtol=1e-14)
    t = ag.tensor(x, requires_grad=True)
    (g,) = ag.grad(t.cumprod(0).sum(), t, create_graph=True)
    np.testing.assert_allclose(g.data, expected, rtol=1e-14)
