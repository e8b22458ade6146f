"""einsum, tensordot and the checked matmul forms; triangles and diagonals; the new shape ops
(roll, rot90, movedim, t, unflatten, unbind, narrow, chunk, meshgrid, hstack, vstack): values
against NumPy, views where PyTorch gives views, and errors that name the op and the shapes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.testing import shapes, tensors
from autograd.testing.specs_matrix import EINSUM_FORMS, _einsum_inputs

MATRICES = shapes(min_dims=2, max_dims=3, max_side=4)


# --- einsum --------------------------------------------------------------------------------------


@given(case=_einsum_inputs())
def test_einsum_matches_numpy_on_every_form(case: tuple) -> None:
    arrays, kwargs = case
    subscripts = kwargs["subscripts"]
    expected = np.einsum(subscripts, *arrays)
    got = ag.einsum(subscripts, *[ag.tensor(a) for a in arrays])
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)
    assert got.shape == np.shape(expected)


def test_einsum_forms_cover_what_the_docstring_promises() -> None:
    forms = " ".join(EINSUM_FORMS)
    assert "..." in forms and "->" in forms and "ii" in forms and "ij->i" in forms
    assert any(f.count(",") == 2 for f in EINSUM_FORMS) and any("->" not in f for f in EINSUM_FORMS)


def test_einsum_operand_list_sublists_and_spaces() -> None:
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    ta, tb = ag.tensor(a), ag.tensor(b)
    for got in (
        ag.einsum("ij,jk", [ta, tb]),
        ag.einsum(" ij , jk -> ik ", ta, tb),
        ag.einsum(ta, [0, 1], tb, [1, 2], [0, 2]),
        ag.einsum(ta, [0, 1], tb, [1, 2]),
    ):
        np.testing.assert_allclose(got.data, a @ b)


def test_einsum_gradients_are_einsums_of_g() -> None:
    a = ag.tensor(np.arange(4.0).reshape(2, 2) + 1, requires_grad=True)
    # the trace: its gradient is the identity
    ag.einsum("ii", a).backward()
    np.testing.assert_array_equal(a.grad.data, np.eye(2))
    # a diagonal times a vector, v summed within its operand nowhere: grads on the diagonal
    a.grad = None
    v = ag.tensor(np.array([2.0, 3.0]), requires_grad=True)
    ag.einsum("ii,i->i", a, v).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [[2, 0], [0, 3]])
    np.testing.assert_array_equal(v.grad.data, [1, 4])
    # a letter summed within one operand: the gradient is broadcast along it
    a.grad = None
    ag.einsum("ij->i", a).sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.ones((2, 2)))


def test_einsum_errors_name_the_subscripts_and_shapes() -> None:
    a, b = ag.ones(2, 3), ag.ones(4, 5)
    with pytest.raises(
        ValueError, match=r"einsum: subscripts 'ij,jk' name 2 operands but 1 were given"
    ):
        ag.einsum("ij,jk", a)
    with pytest.raises(
        ValueError,
        match=r"operand 1 has shape \(4, 5\) \(2 dimensions\) but its subscripts 'k' name 1",
    ):
        ag.einsum("ij,k", a, b)
    with pytest.raises(
        ValueError,
        match=r"'j' has size 3 in operand 0 \(shape \(2, 3\)\) but 4 in operand 1 \(shape \(4, 5\)\)",
    ):
        ag.einsum("ij,jk->ik", a, b)
    with pytest.raises(ValueError, match="the output letter 'z' names no operand's dimension"):
        ag.einsum("ij->z", a)
    with pytest.raises(ValueError, match="the output names 'i' more than once"):
        ag.einsum("ij->ii", a)
    with pytest.raises(ValueError, match="'1' is not a letter"):
        ag.einsum("i1", a)
    with pytest.raises(
        ValueError, match="the operands have '...' dimensions but the output names no"
    ):
        ag.einsum("...j->j", ag.ones(2, 3, 4))
    with pytest.raises(
        ValueError,
        match=r"operand 0 \(shape \(2, 3\)\) repeats 'i' over dimensions of sizes 2 and 3",
    ):
        ag.einsum("ii->i", a)


# --- tensordot and the checked matmul forms ------------------------------------------------------


@given(data=st.data())
def test_tensordot_matches_numpy(data: st.DataObject) -> None:
    from autograd.testing.specs_matrix import _tensordot_inputs

    (a, b), kw = data.draw(_tensordot_inputs())
    dims = kw["dims"]
    expected = np.tensordot(a, b, axes=dims if isinstance(dims, int) else (dims[0], dims[1]))
    np.testing.assert_allclose(
        ag.tensordot(ag.tensor(a), ag.tensor(b), dims).data, expected, rtol=1e-12, atol=1e-12
    )


def test_mm_bmm_mv_outer() -> None:
    rng = np.random.default_rng(0)
    a, b, c, v = rng.random((2, 3)), rng.random((3, 4)), rng.random((5, 2, 3)), rng.random(3)
    np.testing.assert_allclose(ag.tensor(a).mm(ag.tensor(b)).data, a @ b)
    np.testing.assert_allclose(
        ag.bmm(ag.tensor(c), ag.tensor(c.transpose(0, 2, 1))).data, c @ c.transpose(0, 2, 1)
    )
    np.testing.assert_allclose(ag.tensor(a).mv(ag.tensor(v)).data, a @ v)
    np.testing.assert_allclose(ag.outer(ag.tensor(v), ag.tensor(v)).data, np.outer(v, v))
    with pytest.raises(
        ValueError, match=r"mm: expects 2-D and 2-D tensors, got shapes \(3,\) and \(3, 4\)"
    ):
        ag.mm(ag.tensor(v), ag.tensor(b))
    with pytest.raises(
        ValueError, match=r"bmm: batch sizes differ: shapes \(5, 2, 3\) and \(4, 3, 2\)"
    ):
        ag.bmm(ag.tensor(c), ag.ones(4, 3, 2))
    with pytest.raises(
        ValueError, match=r"tensordot: dimension 1 of a \(size 3\) and dimension 0 of b \(size 2\)"
    ):
        ag.tensordot(ag.tensor(a), ag.tensor(a), ([1], [0]))


# --- triangles and diagonals ---------------------------------------------------------------------


@given(x=tensors(MATRICES), k=st.integers(-3, 3))
def test_triangles_and_diagonals_match_numpy(x: np.ndarray, k: int) -> None:
    t = ag.tensor(x)
    np.testing.assert_array_equal(t.tril(k).data, np.tril(x, k))
    np.testing.assert_array_equal(t.triu(k).data, np.triu(x, k))
    np.testing.assert_array_equal(t.diagonal(k).data, np.diagonal(x, k))
    np.testing.assert_array_equal(t.diagonal(k, -1, 0).data, np.diagonal(x, k, -1, 0))
    if x.ndim == 2:
        np.testing.assert_array_equal(t.diag(k).data, np.diag(x, k))
        np.testing.assert_array_equal(ag.diag(ag.tensor(x[0]), k).data, np.diag(x[0], k))
        assert t.trace().item() == pytest.approx(np.trace(x))


def test_diagonal_is_a_writable_view() -> None:
    x = ag.zeros(3, 3)
    d = x.diagonal()
    assert d._base is x
    d.fill_(1.0)  # writes through, as PyTorch's x.diagonal().fill_(1)
    np.testing.assert_array_equal(x.data, np.eye(3))
    assert x._version == d._version == 1
    # recorded: a change through the view reaches the base's gradient
    w = ag.tensor(np.ones((2, 2)), requires_grad=True)
    h = w * 3.0
    h.diagonal().mul_(2.0)
    h.sum().backward()
    np.testing.assert_array_equal(w.grad.data, [[6, 3], [3, 6]])


# --- shape ops -----------------------------------------------------------------------------------


@given(x=tensors(shapes(min_dims=1, max_dims=3, max_side=4)), data=st.data())
def test_shape_ops_match_numpy(x: np.ndarray, data: st.DataObject) -> None:
    t = ag.tensor(x)
    d = data.draw(st.integers(-x.ndim, x.ndim - 1))
    shift = data.draw(st.integers(-5, 5))
    np.testing.assert_array_equal(t.roll(shift, d).data, np.roll(x, shift, d))
    np.testing.assert_array_equal(t.roll(shift).data, np.roll(x, shift))
    np.testing.assert_array_equal(t.movedim(d, 0).data, np.moveaxis(x, d, 0))
    for i, piece in enumerate(t.unbind(d)):
        np.testing.assert_array_equal(piece.data, np.take(x, i, axis=d))
    chunks = data.draw(st.integers(1, 5))
    pieces = t.chunk(chunks, d)
    assert isinstance(pieces, tuple)
    size = -(-x.shape[d] // chunks)
    assert [p.shape[d] for p in pieces] == [
        min(size, x.shape[d] - s) for s in range(0, x.shape[d], size)
    ]
    if x.ndim >= 2:
        k = data.draw(st.integers(-2, 5))
        np.testing.assert_array_equal(t.rot90(k, (0, -1)).data, np.rot90(x, k, (0, -1)))


def test_views_and_their_bases() -> None:
    x = ag.tensor(np.arange(12.0).reshape(3, 4))
    for view in (
        x.narrow(1, 1, 2),
        x.unbind(1)[2],
        x.t(),
        x.movedim(0, 1),
        x.chunk(2)[1],
    ):
        assert view._base is x, view
    turned = x.rot90()  # a copy, as PyTorch's (its flip copies): changing it leaves x alone
    assert turned._base is not x and not np.shares_memory(turned.data, x.data)
    np.testing.assert_array_equal(x.narrow(1, -2, 2).data, x.data[:, 2:])
    with pytest.raises(
        IndexError,
        match=r"narrow: start 3 and length 2 do not fit dimension 1 of size 4 \(shape \(3, 4\)\)",
    ):
        x.narrow(1, 3, 2)
    with pytest.raises(
        ValueError, match=r"t: expects a tensor with at most 2 dimensions, got shape \(1, 3, 4\)"
    ):
        x.reshape(1, 3, 4).t()
    assert x.unflatten(1, (2, -1)).shape == (3, 2, 2)
    with pytest.raises(
        ValueError, match=r"unflatten: sizes \(3, -1\) do not split dimension 1 of size 4"
    ):
        x.unflatten(1, (3, -1))


def test_meshgrid_hstack_vstack_match_numpy() -> None:
    a, b, c = np.arange(3.0), np.arange(2.0) + 5, np.arange(4.0) - 1
    for indexing in ("ij", "xy"):
        ours = ag.meshgrid(ag.tensor(a), ag.tensor(b), ag.tensor(c), indexing=indexing)
        for got, expected in zip(ours, np.meshgrid(a, b, c, indexing=indexing)):
            np.testing.assert_array_equal(got.data, expected)
    assert [g.shape for g in ag.meshgrid([ag.tensor(a), ag.tensor(b)])] == [(3, 2), (3, 2)]
    np.testing.assert_array_equal(ag.hstack([ag.tensor(a), ag.tensor(b)]).data, np.hstack([a, b]))
    m = np.ones((2, 3))
    np.testing.assert_array_equal(ag.hstack([ag.tensor(m), ag.tensor(m)]).data, np.hstack([m, m]))
    np.testing.assert_array_equal(ag.vstack([ag.tensor(a), ag.tensor(a)]).data, np.vstack([a, a]))
    np.testing.assert_array_equal(ag.vstack([ag.tensor(m), ag.tensor(a)]).data, np.vstack([m, a]))


def test_as_methods() -> None:
    x, y = ag.ones(2, 3), ag.zeros(3, 2, dtype=np.float64)
    assert x.view_as(y).shape == (3, 2) and x.reshape_as(y).shape == (3, 2)
    assert x[:1].expand_as(x).shape == (2, 3)
    assert x.type_as(y).dtype == np.float64
