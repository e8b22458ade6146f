"""Indexing along a dimension: values against NumPy, PyTorch's signatures and conventions, the
in-place forms, and errors that name the op, the dimension, the index and the size."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autograd as ag
from autograd.testing import shapes, tensors

NONEMPTY = shapes(min_dims=1, max_dims=3, max_side=4)


@st.composite
def _with_index(draw: st.DrawFn) -> tuple:
    """x, dim, and an index no larger than x outside dim (any length along it), values in range."""
    x = draw(tensors(NONEMPTY))
    d = draw(st.integers(0, x.ndim - 1))
    shape = tuple(
        draw(st.integers(1, 4)) if a == d else draw(st.integers(1, n))
        for a, n in enumerate(x.shape)
    )
    index = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, x.shape[d] - 1)))
    return x, d, index


def _gather_ref(x: np.ndarray, d: int, index: np.ndarray) -> np.ndarray:
    out = np.empty(index.shape)
    for i in np.ndindex(index.shape):
        src = list(i)
        src[d] = index[i]
        out[i] = x[tuple(src)]
    return out


@given(case=_with_index())
def test_gather_and_the_scatters_match_loops(case: tuple) -> None:
    x, d, index = case
    t = ag.tensor(x)
    np.testing.assert_array_equal(t.gather(d, index).data, _gather_ref(x, d, index))
    src = np.arange(index.size, dtype=np.float64).reshape(index.shape) + 0.5
    added, written = x.copy(), x.copy()
    for i in np.ndindex(index.shape):
        dst = list(i)
        dst[d] = index[i]
        added[tuple(dst)] += src[i]
        written[tuple(dst)] = src[i]
    np.testing.assert_allclose(ag.scatter_add(t, d, ag.tensor(index), ag.tensor(src)).data, added)
    out = ag.scatter(t, d, index, ag.tensor(src)).data
    # where an index repeats a position, one of the writes wins: any one is allowed
    for i in np.ndindex(index.shape):
        dst = list(i)
        dst[d] = index[i]
        candidates = [src[j] for j in np.ndindex(index.shape) if _dst(j, index, d) == tuple(dst)]
        assert out[tuple(dst)] in candidates
    untouched = np.ones(x.shape, bool)
    for i in np.ndindex(index.shape):
        untouched[_dst(i, index, d)] = False
    np.testing.assert_array_equal(out[untouched], x[untouched])
    assert written.shape == out.shape


def _dst(i: tuple, index: np.ndarray, d: int) -> tuple:
    dst = list(i)
    dst[d] = index[i]
    return tuple(dst)


def test_gather_gradient_accumulates_repeats() -> None:
    x = ag.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.gather(1, [[0, 0], [2, 1]]).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[2, 0, 0], [0, 1, 1]])


def test_scatter_value_and_gradients() -> None:
    x = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    src = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    out = ag.scatter(x, 1, [[2, 0], [1, 2]], src)
    np.testing.assert_array_equal(out.data, [[2, 0, 1], [0, 3, 4]])
    (out * ag.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1, 0], [3, 0, 0]])  # written: 0
    np.testing.assert_array_equal(src.grad.data, [[2, 0], [4, 5]])
    assert ag.scatter(ag.zeros(2, 2), 0, [[1, 0]], 7.0).tolist() == [[0, 7], [7, 0]]


def test_scatter_refuses_repeated_positions_when_src_requires_grad() -> None:
    src = ag.tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    with pytest.raises(ValueError, match="scatter: the index writes some position"):
        ag.scatter(ag.zeros(1, 3, dtype=np.float64), 1, [[0, 0]], src)
    ag.scatter(ag.zeros(1, 3, dtype=np.float64), 1, [[0, 0]], src.detach())  # no gradient: fine


@given(data=st.data())
def test_index_select_index_add_and_masks_match_numpy(data: st.DataObject) -> None:
    x = data.draw(tensors(NONEMPTY))
    d = data.draw(st.integers(-x.ndim, x.ndim - 1))
    index = data.draw(
        hnp.arrays(np.int64, st.integers(1, 5), elements=st.integers(0, x.shape[d] - 1))
    )
    t = ag.tensor(x)
    np.testing.assert_array_equal(t.index_select(d, index).data, np.take(x, index, axis=d))
    source = data.draw(
        tensors(tuple(index.size if a == d % x.ndim else n for a, n in enumerate(x.shape)))
    )
    expected = x.copy()
    np.add.at(np.moveaxis(expected, d, 0), index, np.moveaxis(source * 2.0, d, 0))
    np.testing.assert_allclose(t.index_add(d, index, ag.tensor(source), alpha=2.0).data, expected)
    mask = data.draw(hnp.arrays(np.bool_, x.shape[data.draw(st.integers(0, x.ndim)) :]))
    np.testing.assert_array_equal(t.masked_fill(mask, -1.0).data, np.where(mask, -1.0, x))
    np.testing.assert_array_equal(
        t.masked_select(mask).data,
        np.broadcast_to(x, np.broadcast_shapes(x.shape, mask.shape))[
            np.broadcast_to(mask, x.shape)
        ],
    )


@given(data=st.data())
def test_take_along_dim_matches_numpy(data: st.DataObject) -> None:
    x = data.draw(tensors(NONEMPTY))
    d = data.draw(st.integers(0, x.ndim - 1))
    shape = tuple(
        data.draw(st.integers(1, 3)) if a == d else data.draw(st.sampled_from([1, n]))
        for a, n in enumerate(x.shape)
    )
    index = data.draw(
        hnp.arrays(np.int64, shape, elements=st.integers(-x.shape[d], x.shape[d] - 1))
    )
    got = ag.take_along_dim(ag.tensor(x), index, d).data
    np.testing.assert_array_equal(got, np.take_along_axis(x, index, axis=d))
    flat = index.reshape(-1) % x.size
    np.testing.assert_array_equal(ag.tensor(x).take_along_dim(flat).data, x.reshape(-1)[flat])


def test_masked_fill_keeps_the_dtype_and_routes_gradients() -> None:
    assert ag.zeros(3, dtype=np.int64).masked_fill(
        ag.tensor([True, False, True]), 2.7
    ).tolist() == [2, 0, 2]
    x = ag.tensor(np.ones((2, 2)), requires_grad=True)
    v = ag.tensor(np.array(3.0), requires_grad=True)
    x.masked_fill(ag.tensor([True, False]), v).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 1], [0, 1]])
    assert v.grad.item() == 2.0


# --- sorting -------------------------------------------------------------------------------------


@given(data=st.data())
def test_sort_argsort_topk_match_a_stable_numpy_sort(data: st.DataObject) -> None:
    x = data.draw(tensors(NONEMPTY, elements=st.sampled_from([-1.0, 0.0, 0.5, 2.0, np.nan])))
    d = data.draw(st.integers(-x.ndim, x.ndim - 1))
    t = ag.tensor(x)
    order = np.argsort(x, axis=d, kind="stable")  # NaN last, ties in order
    np.testing.assert_array_equal(t.argsort(d).data, order)
    values, indices = t.sort(d)
    np.testing.assert_array_equal(indices.data, order)
    np.testing.assert_array_equal(values.data, np.take_along_axis(x, order, d))
    # descending: NaN first, ties still in their own order (a stable sort on the key -x, NaN first)
    key = np.where(np.isnan(x), -np.inf, -x)
    desc = np.argsort(key, axis=d, kind="stable")
    np.testing.assert_array_equal(t.sort(d, descending=True).indices.data, desc)
    k = data.draw(st.integers(0, x.shape[d]))
    top = t.topk(k, d)
    np.testing.assert_array_equal(top.indices.data, np.take(desc, np.arange(k), axis=d))
    low = t.topk(k, d, largest=False)
    np.testing.assert_array_equal(low.indices.data, np.take(order, np.arange(k), axis=d))
    assert top.indices.dtype == np.int64 and not top.indices.requires_grad


def test_sort_values_carry_gradients_to_where_they_came_from() -> None:
    x = ag.tensor(np.array([3.0, 1.0, 2.0]), requires_grad=True)
    values, indices = x.sort(descending=True)
    (values * ag.tensor([1.0, 10.0, 100.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 100.0, 10.0])
    assert indices.tolist() == [0, 2, 1]
    x.grad = None
    x.topk(2, largest=False).values.sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, 1.0])


# --- in place ------------------------------------------------------------------------------------


def test_in_place_forms_change_the_tensor_and_are_recorded() -> None:
    w = ag.tensor(np.ones((2, 3)), requires_grad=True)
    h = w * 2.0
    h.masked_fill_(ag.tensor([True, False, False]), 0.0)
    h.index_add_(0, [1], ag.tensor(np.full((1, 3), 5.0)))
    h.scatter_(1, [[2], [2]], ag.tensor(np.array([[-1.0], [-1.0]])))
    np.testing.assert_array_equal(h.data, [[0, 2, -1], [5, 7, -1]])
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[0, 2, 0], [0, 2, 0]])
    z = ag.zeros(3)
    z.scatter_add_(0, [0, 0, 2], ag.ones(3))
    assert z.tolist() == [2.0, 0.0, 1.0]


# --- errors ------------------------------------------------------------------------------------


def test_index_out_of_range_names_the_op_dim_index_and_size() -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(
        IndexError,
        match=r"gather: index 3 is out of range for dimension 1 of size 3 \(input shape \(2, 3\)\)",
    ):
        x.gather(1, [[0, 3]])
    with pytest.raises(IndexError, match="gather: index -1 is out of range for dimension 1"):
        x.gather(1, [[-1]])
    with pytest.raises(
        IndexError, match="scatter_add: index 2 is out of range for dimension 0 of size 2"
    ):
        x.scatter_add(0, [[2]], ag.ones(1, 1))
    with pytest.raises(
        IndexError, match="scatter: index 5 is out of range for dimension 1 of size 3"
    ):
        x.scatter(-1, [[5]], 1.0)
    with pytest.raises(
        IndexError, match="index_select: index 4 is out of range for dimension 1 of size 3"
    ):
        x.index_select(1, [0, 4])
    with pytest.raises(
        IndexError, match="take_along_dim: index -4 is out of range for dimension 1 of size 3"
    ):
        x.take_along_dim(ag.tensor([[-4]]), 1)


def test_bad_index_shapes_and_dtypes_are_named() -> None:
    x = ag.zeros(2, 3)
    with pytest.raises(ValueError, match=r"gather: index has 1 dimensions but input has 2"):
        x.gather(1, [0])
    with pytest.raises(
        ValueError,
        match=r"gather: index shape \(3, 1\) is larger than input shape \(2, 3\) in dimension 0",
    ):
        x.gather(1, [[0], [0], [0]])
    with pytest.raises(TypeError, match="gather: index must be an integer tensor, got dtype float"):
        x.gather(1, ag.tensor([[0.0]]))
    with pytest.raises(
        IndexError, match="gather: dimension 2 is out of range for a tensor with 2 dimensions"
    ):
        x.gather(2, [[0]])
    with pytest.raises(TypeError, match="scatter: src has dtype float64 but the input has float32"):
        x.scatter(0, [[0]], ag.tensor(np.ones((1, 1))))
    with pytest.raises(
        ValueError,
        match=r"index_add: source has shape \(1, 3\), but an input of shape \(2, 3\) and 2 indices",
    ):
        x.index_add(0, [0, 1], ag.ones(1, 3))
    with pytest.raises(TypeError, match="masked_fill: mask must be a bool tensor"):
        x.masked_fill(ag.tensor([1, 0, 1]), 0.0)
    with pytest.raises(ValueError, match=r"masked_fill: mask of shape \(4,\) does not broadcast"):
        x.masked_fill(ag.tensor([True] * 4), 0.0)
    with pytest.raises(ValueError, match="topk: k=4 is out of range for dimension 1 of size 3"):
        x.topk(4)


# PyTorch applies integers before advanced indices: with a slice between them, NumPy's one step
# would move the indexed axes to the front (a[0, :, idx] would be a[0][:, idx] transposed).
SPLIT_INDEXES = [
    ((0, slice(None), [0, 2, 1]), lambda a: a[0][:, [0, 2, 1]]),
    ((0, Ellipsis, [1, 0]), lambda a: a[0][..., [1, 0]]),
    ((slice(None), 1, slice(1, 3), [0, 1]), lambda a: a[:, 1][:, 1:3, [0, 1]]),
    (([0, 2], slice(None), 1), lambda a: a[:, :, 1][[0, 2], :]),
    ((None, 0, slice(None), [1, 0]), lambda a: a[0][None, :, [1, 0]]),
]


@pytest.mark.parametrize("index, two_steps", SPLIT_INDEXES)
def test_integers_index_before_arrays_as_in_pytorch(index, two_steps) -> None:
    a = np.arange(3 * 4 * 5 * 2, dtype=np.float64).reshape(3, 4, 5, 2)
    x = ag.tensor(a, requires_grad=True)
    out = x[index]
    expected = two_steps(a)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out.data, expected)
    assert ag.gradcheck(lambda t: t[index] * 1.0, [ag.tensor(a / 10, requires_grad=True)])
    y = ag.tensor(a.copy())  # (no -1 in it before)
    y[index] = -ag.ones(expected.shape, dtype=ag.float64)  # a value of the read's shape fits
    assert (y[index].data == -1).all() and (y.data == -1).sum() == expected.size


def test_setitem_with_an_integer_and_an_array_records_through_the_view() -> None:
    def fn(x: ag.Tensor, v: ag.Tensor) -> ag.Tensor:
        h = x * 1.0
        h[1, :, [0, 2]] = v * 2.0  # v shaped like h[1][:, [0, 2]]: (4, 2)
        return h * h

    x = ag.tensor(np.linspace(-1, 1, 3 * 4 * 3).reshape(3, 4, 3), requires_grad=True)
    v = ag.tensor(np.linspace(0.5, 2, 8).reshape(4, 2), requires_grad=True)
    assert ag.gradcheck(fn, [x, v])
