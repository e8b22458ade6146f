"""PyTorch habits that used to go wrong: clamp's dtype promotion, bitwise ``& | ^ ~`` on integers,
``where``'s dtype with a Python float, and names users reach for (``contiguous``, ``sum(dtype=)``,
``kthvalue``, in-place unary methods, ``addcmul``/``addcdiv``, ``index_put``/``index_put_``).

Every expected value below is written out by hand, so the tests run without PyTorch; the
``torch``-marked test runs the same table through PyTorch (``make parity``) to show it agrees.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

import autograd as ag
from autograd.gradcheck import gradcheck, gradgradcheck

T, F = True, False


def _dt(m: Any, name: str) -> Any:
    """A dtype of module ``m`` (autograd names only the common ones: the NumPy dtype otherwise)."""
    return getattr(m, name, None) or np.dtype(name)


# (id, expression over a module `m` (autograd or torch), expected values, expected dtype name)
CASES: list[tuple[str, Any, Any, str]] = [
    # 1. clamp/clip: PyTorch's promotion of the tensor with its bounds (Python floats are weak)
    ("clamp-int-min-float", lambda m: m.tensor([1, 2, 3]).clamp(min=1.5), [1.5, 2, 3], "float32"),
    ("clamp-int-max-float", lambda m: m.tensor([1, 2, 3]).clamp(max=1.5), [1, 1.5, 1.5], "float32"),
    ("clip-int-both", lambda m: m.clip(m.tensor([1, 2, 3]), 1.5, 2.5), [1.5, 2, 2.5], "float32"),
    ("clamp-int-float-int", lambda m: m.tensor([1, 2, 3]).clamp(1.5, 2), [1.5, 2, 2], "float32"),
    ("clamp-int-int", lambda m: m.tensor([1, 2, 3]).clamp(min=1, max=2), [1, 2, 2], "int64"),
    ("clamp-bool-int", lambda m: m.tensor([T, F]).clamp(min=0), [1, 0], "int64"),
    ("clamp-f32-float", lambda m: m.tensor([1.0, 2, 3]).clamp(1.5, 2.5), [1.5, 2, 2.5], "float32"),
    (
        "clamp-f16-float",
        lambda m: m.tensor([1.0, 2, 3], dtype=m.float16).clamp(min=1.5),
        [1.5, 2, 3],
        "float16",
    ),
    (
        "clamp-int-0d-f32-tensor",
        lambda m: m.tensor([1, 2, 3]).clamp(min=m.tensor(1.5)),
        [1.5, 2, 3],
        "float32",
    ),
    (
        "clamp-int-f64-tensor",
        lambda m: m.tensor([1, 2, 3]).clamp(max=m.tensor([1.5, 2.5, 2.5], dtype=m.float64)),
        [1, 2, 2.5],
        "float64",
    ),
    (
        "clamp-f32-0d-f64-tensor",
        lambda m: m.tensor([1.0, 2, 3]).clamp(min=m.tensor(1.5, dtype=m.float64)),
        [1.5, 2, 3],
        "float32",
    ),
    (
        "clamp-int32-0d-int64",
        lambda m: m.tensor([1, 2, 3], dtype=m.int32).clamp(min=m.tensor(2)),
        [2, 2, 3],
        "int32",
    ),
    # 2. & | ^ ~: bitwise on integers, logical on bools, PyTorch's promotion
    ("and-int", lambda m: m.tensor([6, 5]) & m.tensor([3, 1]), [2, 1], "int64"),
    ("or-int", lambda m: m.tensor([6, 5]) | m.tensor([3, 1]), [7, 5], "int64"),
    ("xor-int", lambda m: m.tensor([6, 5]) ^ m.tensor([3, 1]), [5, 4], "int64"),
    ("invert-int", lambda m: ~m.tensor([6, 5]), [-7, -6], "int64"),
    ("invert-bool", lambda m: ~m.tensor([T, F]), [F, T], "bool"),
    ("and-bool", lambda m: m.tensor([T, T, F]) & m.tensor([T, F, F]), [T, F, F], "bool"),
    ("xor-bool", lambda m: m.tensor([T, F]) ^ m.tensor([T, T]), [F, T], "bool"),
    ("and-bool-int", lambda m: m.tensor([T, T]) & m.tensor([3, 2]), [1, 0], "int64"),
    ("and-bool-1", lambda m: m.tensor([T, F]) & 1, [1, 0], "int64"),
    ("and-bool-True", lambda m: m.tensor([T, F]) & True, [T, F], "bool"),
    ("and-int-3", lambda m: m.tensor([6, 5]) & 3, [2, 1], "int64"),
    ("rand-3-int", lambda m: 3 & m.tensor([6, 5]), [2, 1], "int64"),
    ("ror-3-int", lambda m: 8 | m.tensor([1, 2]), [9, 10], "int64"),
    ("rxor-3-int", lambda m: 3 ^ m.tensor([1, 2]), [2, 1], "int64"),
    ("and-int-True", lambda m: m.tensor([6, 5]) & True, [0, 1], "int64"),
    ("and-int32-3", lambda m: m.tensor([6, 5], dtype=m.int32) & 3, [2, 1], "int32"),
    (
        "and-uint8-int8",
        lambda m: m.tensor([6, 5], dtype=_dt(m, "uint8")) & m.tensor([3, 1], dtype=_dt(m, "int8")),
        [2, 1],
        "int16",
    ),
    ("bitwise_or-fn", lambda m: m.bitwise_or(m.tensor([1, 2]), 4), [5, 6], "int64"),
    ("bitwise_xor-method", lambda m: m.tensor([1, 2]).bitwise_xor(m.tensor(3)), [2, 1], "int64"),
    ("bitwise_not-fn", lambda m: m.bitwise_not(m.tensor([0, -1])), [-1, 0], "int64"),
    ("bitwise_and_", lambda m: m.tensor([6, 5]).bitwise_and_(3), [2, 1], "int64"),
    ("bitwise_not_", lambda m: m.tensor([T, F]).bitwise_not_(), [F, T], "bool"),
    # 3. where: a Python float is weak (an integer tensor with 0.5 gives float32)
    ("where-int-float", lambda m: m.where(m.tensor([T, F]), m.tensor([1, 2]), 0.5), [1, 0.5], "float32"),
    ("where-float-int", lambda m: m.where(m.tensor([T, F]), 0.5, m.tensor([1, 2])), [0.5, 2], "float32"),
    ("where-f32-float", lambda m: m.where(m.tensor([T, F]), m.tensor([1.0, 2]), 0.5), [1, 0.5], "float32"),
    ("where-int-int", lambda m: m.where(m.tensor([T, F]), m.tensor([1, 2]), 5), [1, 5], "int64"),
    (
        "where-int32-int",
        lambda m: m.where(m.tensor([T, F]), m.tensor([1, 2], dtype=m.int32), 5),
        [1, 5],
        "int32",
    ),
    (
        "where-f64-float",
        lambda m: m.where(m.tensor([T, F]), m.tensor([1.0, 2], dtype=m.float64), 0.5),
        [1, 0.5],
        "float64",
    ),
    (
        "where-f16-float",
        lambda m: m.where(m.tensor([T, F]), m.tensor([1.0, 2], dtype=m.float16), 0.5),
        [1, 0.5],
        "float16",
    ),
    ("where-bool-int", lambda m: m.where(m.tensor([T, F]), m.tensor([T, F]), 2), [1, 2], "int64"),
    (
        "where-bool-float",
        lambda m: m.where(m.tensor([T, F]), m.tensor([T, F]), 2.5),
        [1, 2.5],
        "float32",
    ),
    (
        "where-int-0d-f64",
        lambda m: m.where(m.tensor([T, F]), m.tensor([1, 2]), m.tensor(0.5, dtype=m.float64)),
        [1, 0.5],
        "float64",
    ),
    (
        "where-f32-0d-f64",
        lambda m: m.where(m.tensor([T, F]), m.tensor([1.0, 2]), m.tensor(0.5, dtype=m.float64)),
        [1, 0.5],
        "float32",
    ),
    # 4. names: sum/mean(dtype=), prod/cumsum(dtype=), kthvalue, addcmul/addcdiv, index_put
    ("sum-int-f64", lambda m: m.tensor([1, 2, 3]).sum(dtype=m.float64), 6, "float64"),
    ("sum-int-int32", lambda m: m.tensor([1, 2, 3]).sum(dtype=m.int32), 6, "int32"),
    ("sum-float-int", lambda m: m.tensor([1.5, 2.5, 3]).sum(dtype=m.int64), 6, "int64"),
    (
        "sum-dim-keepdim-dtype",
        lambda m: m.tensor([[1, 2], [3, 4]]).sum(1, True, dtype=m.float64),
        [[3], [7]],
        "float64",
    ),
    ("mean-int-f64", lambda m: m.tensor([1, 2, 4]).mean(dtype=m.float64), 7 / 3, "float64"),
    ("prod-float-f64", lambda m: m.tensor([1.0, 2, 3]).prod(dtype=m.float64), 6, "float64"),
    ("cumsum-int-f32", lambda m: m.tensor([1, 2, 3]).cumsum(0, dtype=m.float32), [1, 3, 6], "float32"),
    ("kthvalue-values", lambda m: m.tensor([3.0, 1, 2, 1]).kthvalue(3).values, 2, "float32"),
    ("kthvalue-tie-index", lambda m: m.tensor([3.0, 1, 2, 1]).kthvalue(2).indices, 3, "int64"),
    ("kthvalue-first-tie", lambda m: m.tensor([3.0, 1, 2, 1]).kthvalue(1).indices, 1, "int64"),
    (
        "kthvalue-dim0",
        lambda m: m.tensor([[3.0, 1, 2], [0, 5, 4]]).kthvalue(2, 0).values,
        [3, 5, 4],
        "float32",
    ),
    (
        "kthvalue-keepdim",
        lambda m: m.tensor([[3.0, 1, 2], [0, 5, 4]]).kthvalue(2, dim=1, keepdim=True).indices,
        [[2], [2]],
        "int64",
    ),
    ("kthvalue-nan-largest", lambda m: m.tensor([3.0, math.nan, 2]).kthvalue(1).indices, 2, "int64"),
    ("kthvalue-int", lambda m: m.tensor([3, 1, 2]).kthvalue(1).values, 1, "int64"),
    (
        "addcmul",
        lambda m: m.tensor([1.0, 2, 3]).addcmul(m.tensor([1.0, 2, 3]), m.tensor([2.0, 2, 4]), value=0.5),
        [2, 4, 9],
        "float32",
    ),
    (
        "addcmul-broadcast",
        lambda m: m.addcmul(m.tensor([1.0, 2]), m.tensor([[1.0], [2]]), m.tensor([2.0, 3])),
        [[3, 5], [5, 8]],
        "float32",
    ),
    (
        "addcmul-int",
        lambda m: m.tensor([1, 2, 3]).addcmul(m.tensor([1, 2, 3]), m.tensor([2, 2, 2]), value=2),
        [5, 10, 15],
        "int64",
    ),
    (
        "addcdiv",
        lambda m: m.tensor([1.0, 2, 3]).addcdiv(m.tensor([1.0, 2, 3]), m.tensor([2.0, 4, 3]), value=2),
        [2, 3, 5],
        "float32",
    ),
    (
        "addcmul_",
        lambda m: m.tensor([1.0, 2]).addcmul_(m.tensor([3.0, 4]), m.tensor([2.0, 0.5])),
        [7, 4],
        "float32",
    ),
    (
        "addcdiv_",
        lambda m: m.tensor([1.0, 2]).addcdiv_(m.tensor([3.0, 4]), m.tensor([2.0, 0.5]), value=-1),
        [-0.5, -6],
        "float32",
    ),
    (
        "index_put_",
        lambda m: m.tensor([1.0, 2, 3]).index_put_((m.tensor([0, 2]),), m.tensor(5.0)),
        [5, 2, 5],
        "float32",
    ),
    (
        "index_put_-list",
        lambda m: m.tensor([1.0, 2, 3]).index_put_([m.tensor([0, 2])], m.tensor([5.0, 6])),
        [5, 2, 6],
        "float32",
    ),
    (
        "index_put-accumulate",
        lambda m: m.tensor([1.0, 2, 3]).index_put(
            (m.tensor([0, 0]),), m.tensor([5.0, 1]), accumulate=True
        ),
        [7, 2, 3],
        "float32",
    ),
    (
        "index_put_-2d-pairs",
        lambda m: m.tensor([[1.0, 2], [3, 4]]).index_put_(
            (m.tensor([0, 1]), m.tensor([1, 0])), m.tensor([5.0, 6])
        ),
        [[1, 5], [6, 4]],
        "float32",
    ),
    (
        "index_put_-rows",
        lambda m: m.tensor([[1.0, 2], [3, 4]]).index_put_((m.tensor([0, 1]),), m.tensor([5.0, 6])),
        [[5, 6], [5, 6]],
        "float32",
    ),
    (
        "index_put_-mask",
        lambda m: m.tensor([[1.0, 2], [3, 4]]).index_put_((m.tensor([T, F]),), m.tensor([5.0, 6])),
        [[5, 6], [3, 4]],
        "float32",
    ),
    (
        "index_put_-rows-accumulate",
        lambda m: m.tensor([[1.0, 2], [3, 4]]).index_put_(
            (m.tensor([0, 0]),), m.tensor([5.0, 6]), accumulate=True
        ),
        [[11, 14], [3, 4]],
        "float32",
    ),
    (
        "index_put_-pairs-accumulate",
        lambda m: m.tensor([[1.0, 2], [3, 4]]).index_put_(
            (m.tensor([0, 0]), m.tensor([1, 1])), m.tensor([5.0, 6]), accumulate=True
        ),
        [[1, 13], [3, 4]],
        "float32",
    ),
]  # fmt: skip


def _dtype_name(x: Any) -> str:
    return str(x.dtype).removeprefix("torch.")


@pytest.mark.parametrize("make, values, dtype", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_values_and_dtypes_follow_pytorch(make: Any, values: Any, dtype: str) -> None:
    out = make(ag)
    assert _dtype_name(out) == dtype
    np.testing.assert_allclose(out.data, np.array(values, dtype=np.float64), rtol=1e-6)


@pytest.mark.torch
@pytest.mark.parametrize("make, values, dtype", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_the_table_is_what_pytorch_gives(make: Any, values: Any, dtype: str) -> None:
    torch = pytest.importorskip("torch")
    out = make(torch)
    assert _dtype_name(out) == dtype
    np.testing.assert_allclose(out.numpy(), np.array(values, dtype=np.float64), rtol=1e-6)


# --- 1. clamp -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bounds",
    [{"min": 1.5}, {"max": 2.5}, {"min": ag.tensor(1.5)}, {"max": ag.tensor([2.5, 2.5, 2.5])}],
    ids=["min-float", "max-float", "min-0d-tensor", "max-tensor"],
)
def test_clamp_in_place_refuses_a_float_result_in_an_int_tensor(bounds: dict) -> None:
    x = ag.tensor([1, 2, 3])
    with pytest.raises(TypeError, match=r"clamp_: the bounds promote the result to float\d+"):
        x.clamp_(**bounds)
    assert x.tolist() == [1, 2, 3]  # nothing was written


def test_clamp_in_place_with_integer_bounds_and_float_tensor_still_works() -> None:
    assert ag.tensor([1, 2, 3]).clamp_(min=2).tolist() == [2, 2, 3]
    x = ag.tensor([1.0, 2, 3])
    x.clamp_(max=ag.tensor([1.5, 1.5, 1.5], dtype=ag.float64))  # float64 -> float32: same kind
    assert x.dtype == ag.float32 and x.tolist() == [1.0, 1.5, 1.5]


def test_clamp_with_a_wider_tensor_bound_sends_gradients_in_each_inputs_dtype() -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    lo = ag.tensor([1.5, 1.5, 1.5], dtype=ag.float64, requires_grad=True)
    out = x.clamp(min=lo)
    assert out.dtype == ag.float64
    out.backward(ag.tensor([1.0, 2.0, 3.0], dtype=ag.float64))
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [0.0, 2.0, 3.0]
    assert lo.grad.dtype == ag.float64 and lo.grad.tolist() == [1.0, 0.0, 0.0]


def test_clamp_int_tensor_with_float32_tensor_bound_gives_float32() -> None:
    assert ag.tensor([1, 2, 3]).clamp(min=ag.tensor([1.5, 1.5, 1.5])).dtype == ag.float32


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (np.int64, np.float32, np.float32),  # the float category wins with its own dtype
        (np.int32, np.float64, np.float64),
        (np.bool_, np.int8, np.int8),
        (np.uint8, np.int8, np.int16),  # one category: the wider type (NumPy's)
        (np.float32, np.float64, np.float64),
        (np.int32, np.int64, np.int64),
    ],
)
def test_two_tensors_of_different_categories_promote_as_in_pytorch(a, b, expected) -> None:
    x, y = ag.tensor(np.ones(2, a)), ag.tensor(np.ones(2, b))
    assert (x + y).dtype == expected and (y * x).dtype == expected
    w = ag.tensor(np.ones(2, np.float32), requires_grad=True)
    (w * ag.tensor(np.ones(2, np.int64))).sum().backward()
    assert (w * ag.tensor(np.ones(2, np.int64))).dtype == np.float32 and w.grad.dtype == np.float32


# --- 2. bitwise ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "op, name",
    [
        (lambda a, b: a & b, "bitwise_and"),
        (lambda a, b: a | b, "bitwise_or"),
        (lambda a, b: a ^ b, "bitwise_xor"),
        (lambda a, b: 1.5 & a, "bitwise_and"),
        (lambda a, b: ag.bitwise_xor(b, a), "bitwise_xor"),
    ],
    ids=["and", "or", "xor", "rand", "function"],
)
def test_bitwise_operators_refuse_floats_naming_op_and_dtypes(op: Any, name: str) -> None:
    with pytest.raises(TypeError, match=rf"{name}: .*float32"):
        op(ag.tensor([1.0, 2.0]), ag.tensor([1, 2]))


def test_invert_refuses_floats() -> None:
    with pytest.raises(TypeError, match="bitwise_not: .*float32"):
        ~ag.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="bitwise_not: .*float64"):
        ag.tensor([1.0], dtype=ag.float64).bitwise_not_()


def test_in_place_and_or_xor_change_the_tensor_itself() -> None:
    x = ag.tensor([6, 5])
    alias = x
    x &= ag.tensor([3, 1])
    assert x is alias and x.tolist() == [2, 1]
    x |= 4
    assert x is alias and x.tolist() == [6, 5]
    x ^= ag.tensor([T, F])  # bool promotes to x's int64
    assert x is alias and x.tolist() == [7, 5] and x.dtype == ag.int64


def test_in_place_bitwise_refuses_a_result_that_does_not_fit() -> None:
    b = ag.tensor([T, F])
    with pytest.raises(TypeError, match="bitwise_and_: .*int64.*bool"):
        b &= ag.tensor([3, 1])
    with pytest.raises(TypeError, match="bitwise_or: .*float32"):
        ag.tensor([6, 5]).bitwise_or_(1.5)


def test_bitwise_broadcast_error_names_op_and_shapes() -> None:
    with pytest.raises(ValueError, match=r"bitwise_and: shapes \(2,\) and \(3,\)"):
        ag.tensor([1, 2]) & ag.tensor([1, 2, 3])


# --- 3. where -----------------------------------------------------------------------------------


def test_where_with_a_wider_0d_tensor_keeps_and_sends_float32() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    out = ag.where(ag.tensor([T, F]), x, ag.tensor(0.5, dtype=ag.float64))
    assert out.dtype == ag.float32
    out.sum().backward()
    assert x.grad.dtype == ag.float32 and x.grad.tolist() == [1.0, 0.0]


# --- 4. contiguous ------------------------------------------------------------------------------


def test_contiguous_returns_self_when_already_contiguous() -> None:
    x = ag.arange(6.0).reshape(2, 3)
    assert x.is_contiguous() and x.contiguous() is x


def test_contiguous_copies_a_transposed_view_and_stays_differentiable() -> None:
    x = ag.arange(6.0, dtype=ag.float64).reshape(2, 3).requires_grad_()
    xt = x.t()
    assert not xt.is_contiguous()
    c = xt.contiguous()
    assert c is not xt and c.is_contiguous() and c.data.flags.c_contiguous
    assert c.tolist() == [[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
    assert not np.shares_memory(c.data, x.data)
    (c * ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], dtype=ag.float64)).sum().backward()
    assert x.grad.tolist() == [[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]]
    w = ag.randn(3, 2, dtype=ag.float64)
    assert gradcheck(
        lambda a: a.t().contiguous() * w, [ag.randn(2, 3, dtype=ag.float64).requires_grad_()]
    )


# --- 4. sum / mean (dtype=) ---------------------------------------------------------------------


def test_sum_and_mean_with_dtype_send_gradients_in_the_inputs_dtype() -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    s = x.sum(dtype=ag.float64)
    m = x.mean(dtype=ag.float64)
    assert s.dtype == m.dtype == ag.float64
    (s + m).backward()
    assert x.grad.dtype == ag.float32
    np.testing.assert_allclose(x.grad.data, [4 / 3] * 3, rtol=1e-6)
    a = ag.randn(2, 3, dtype=ag.float64).requires_grad_()
    assert gradcheck(lambda t: t.sum(dim=1, dtype=ag.float64), [a])
    assert gradgradcheck(lambda t: t.mean(0, dtype=ag.float64), [a])


def test_mean_refuses_an_integer_dtype() -> None:
    with pytest.raises(TypeError, match="mean: dtype must be a floating dtype, got int64"):
        ag.tensor([1, 2, 3]).mean(dtype=ag.int64)


def test_sum_function_takes_dtype_too() -> None:
    out = ag.sum(ag.tensor([[T, T], [T, F]]), dim=0, dtype=ag.float32)
    assert out.dtype == ag.float32 and out.tolist() == [2.0, 1.0]


# --- 4. kthvalue --------------------------------------------------------------------------------


def test_kthvalue_is_a_named_tuple_and_routes_the_gradient_to_the_chosen_element() -> None:
    x = ag.tensor([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]], requires_grad=True)
    out = x.kthvalue(2)  # dim=-1
    assert isinstance(out, ag.ValuesIndices)
    values, indices = out
    assert values.tolist() == [2.0, 4.0] and indices.tolist() == [2, 2]
    values.backward(ag.tensor([10.0, 20.0]))
    assert x.grad.tolist() == [[0.0, 0.0, 10.0], [0.0, 0.0, 20.0]]


def test_kthvalue_gradients_check() -> None:
    x = ag.tensor(np.random.default_rng(0).permutation(12).reshape(3, 4) / 7.0).requires_grad_()
    assert gradcheck(lambda a: a.kthvalue(2, dim=0).values, [x])
    assert gradgradcheck(lambda a: ag.kthvalue(a, 3, -1, keepdim=True).values, [x])


@pytest.mark.parametrize("k", [0, 4, 1.0])
def test_kthvalue_refuses_k_out_of_range(k: Any) -> None:
    with pytest.raises(ValueError, match=rf"kthvalue: k={k} is out of range .* size 3"):
        ag.tensor([3.0, 1.0, 2.0]).kthvalue(k)


def test_kthvalue_of_a_0d_tensor() -> None:
    values, indices = ag.tensor(3.0).kthvalue(1)
    assert values.item() == 3.0 and indices.item() == 0 and indices.dtype == ag.int64


# --- 4. in-place unary methods ------------------------------------------------------------------

# every unary elementwise method with a gate, and the in-place form it now has
UNARY = [
    "sin", "cos", "tan", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinh", "cosh",
    "asinh", "acosh", "atanh", "arcsinh", "arccosh", "arctanh", "log1p", "expm1", "log2",
    "log10", "erf", "rsqrt", "square", "reciprocal", "exp", "log", "sqrt", "abs", "neg", "tanh",
    "sigmoid", "relu", "sign", "floor", "ceil", "round", "trunc", "nan_to_num",
]  # fmt: skip


def _domain(name: str) -> np.ndarray:
    if name in ("acosh", "arccosh"):
        return np.array([1.5, 2.0, 3.25])
    if name in ("asin", "acos", "atanh", "arcsin", "arccos", "arctanh"):
        return np.array([-0.5, 0.25, 0.75])
    return np.array([0.3, 1.2, 1.7])  # (away from the jumps of floor, round...)


@pytest.mark.parametrize("name", UNARY)
def test_in_place_unary_matches_the_out_of_place_method(name: str) -> None:
    x = ag.tensor(_domain(name).astype(np.float32))
    expected = getattr(x, name)()
    alias = x
    out = getattr(x, name + "_")()
    assert out is alias and x.dtype == ag.float32
    np.testing.assert_allclose(x.data, expected.data, rtol=1e-6)


@pytest.mark.parametrize("name", UNARY)
def test_in_place_unary_is_recorded_under_grad_mode(name: str) -> None:
    def in_place(a: ag.Tensor) -> ag.Tensor:
        return getattr(a * 1.0, name + "_")()  # (a leaf may not change in place)

    x = ag.tensor(_domain(name)).requires_grad_()
    y = in_place(x)
    y.backward(ag.ones_like(y))
    g_in_place = x.grad.data.copy()
    x.grad = None
    getattr(x * 1.0, name)().backward(ag.ones_like(y))
    np.testing.assert_allclose(g_in_place, x.grad.data, rtol=1e-12)
    assert gradcheck(in_place, [x])


@pytest.mark.parametrize("name", ["sin", "exp", "sqrt", "erf", "rsqrt", "reciprocal", "log2"])
def test_in_place_unary_with_a_float_result_refuses_an_int_tensor(name: str) -> None:
    x = ag.tensor([1, 2, 4])
    with pytest.raises(TypeError, match=rf"{name}_: .*int64"):
        getattr(x, name + "_")()
    assert x.tolist() == [1, 2, 4]


def test_lerp_in_place() -> None:
    x = ag.tensor([0.0, 2.0])
    assert x.lerp_(ag.tensor([4.0, 4.0]), 0.25) is x and x.tolist() == [1.0, 2.5]


# --- 4. addcmul / addcdiv -----------------------------------------------------------------------


def test_addcmul_and_addcdiv_gradients_check() -> None:
    rng = np.random.default_rng(1)
    x, t1 = (ag.tensor(rng.normal(size=(2, 3))).requires_grad_() for _ in range(2))
    t2 = ag.tensor(rng.uniform(1.0, 2.0, size=(3,))).requires_grad_()
    assert gradcheck(lambda a, b, c: ag.addcmul(a, b, c, value=-0.5), [x, t1, t2])
    assert gradgradcheck(lambda a, b, c: a.addcdiv(b, c, value=2.0), [x, t1, t2])


def test_addcmul_in_place_is_recorded() -> None:
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    t1 = ag.tensor([3.0, 4.0], requires_grad=True)
    y = x * 1.0
    y.addcmul_(t1, ag.tensor([2.0, 0.5]), value=2.0)
    assert y.tolist() == [13.0, 6.0]
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and t1.grad.tolist() == [4.0, 1.0]


def test_addcmul_addcdiv_refuse_what_pytorch_refuses() -> None:
    i = ag.tensor([1, 2])
    with pytest.raises(TypeError, match="addcdiv: integer division .*int64"):
        ag.tensor([1.0, 2.0]).addcdiv(i, i)
    with pytest.raises(TypeError, match="addcmul: value=0.5 is a float"):
        i.addcmul(i, i, value=0.5)
    with pytest.raises(ValueError, match=r"addcmul_: the result has shape \(2, 2\)"):
        ag.tensor([1.0, 2.0]).addcmul_(ag.tensor([[1.0], [2.0]]), ag.tensor([1.0, 1.0]))


# --- 4. index_put / index_put_ ------------------------------------------------------------------


def test_index_put_gradients_reach_values_and_the_unwritten_part() -> None:
    x = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = ag.tensor([5.0, 6.0], requires_grad=True)
    out = x.index_put((ag.tensor([0, 1]), ag.tensor([1, 0])), v)
    assert out.tolist() == [[1.0, 5.0], [6.0, 4.0]]
    out.backward(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert x.grad.tolist() == [[1.0, 0.0], [0.0, 4.0]] and v.grad.tolist() == [2.0, 3.0]


def test_index_put_accumulate_gradients() -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ag.tensor([5.0, 1.0], requires_grad=True)
    out = x.index_put((ag.tensor([2, 2]),), v, accumulate=True)
    assert out.tolist() == [1.0, 2.0, 9.0]
    out.backward(ag.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [1.0, 2.0, 3.0] and v.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("accumulate", [False, True])
def test_index_put_gradients_check(accumulate: bool) -> None:
    rng = np.random.default_rng(2)
    x = ag.tensor(rng.normal(size=(3, 4))).requires_grad_()
    v = ag.tensor(rng.normal(size=(2, 4))).requires_grad_()
    rows = ag.tensor([2, 0] if not accumulate else [1, 1])
    assert gradcheck(lambda a, b: a.index_put((rows,), b, accumulate=accumulate), [x, v])
    assert gradgradcheck(lambda a, b: a.index_put((rows,), b, accumulate=accumulate), [x, v])


def test_index_put_in_place_is_recorded() -> None:
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = ag.tensor(7.0, requires_grad=True)
    y = x * 2.0
    alias = y
    assert y.index_put_((ag.tensor([1]),), v, accumulate=True) is alias
    assert y.tolist() == [2.0, 11.0, 6.0]
    y.sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and v.grad.item() == 1.0


def test_index_put_refuses_what_pytorch_refuses() -> None:
    x = ag.tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="index_put: values have dtype float64 but the tensor"):
        x.index_put_((ag.tensor([0]),), ag.tensor(5.0, dtype=ag.float64))
    with pytest.raises(TypeError, match="index_put: values have dtype float32 .* int64"):
        ag.tensor([1, 2]).index_put_((ag.tensor([0]),), ag.tensor(5.5))
    with pytest.raises(TypeError, match="index_put: indices must be a tuple of tensors"):
        x.index_put_(ag.tensor([0]), ag.tensor(5.0))
    with pytest.raises(TypeError, match="index_put: indices must be integer or bool"):
        x.index_put_((ag.tensor([0.0]),), ag.tensor(5.0))
    with pytest.raises(IndexError, match=r"index_put: .*target shape \(3,\)"):
        x.index_put_((ag.tensor([5]),), ag.tensor(5.0))
    assert x.tolist() == [1.0, 2.0, 3.0]
