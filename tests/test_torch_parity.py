"""PyTorch parity of the tensor API (issue 13): every op gategrad added that PyTorch also has,
run on the same random inputs in both, forward values and gradients compared.

Each case is written once, against a *library*: ``fn(lib, *xs)`` with ``lib`` either ``autograd``
or ``torch`` and ``xs`` that library's tensors, so the same code runs in both (which is itself a
check that the names and signatures are PyTorch's). Gradients: of ``sum(out * w)`` for a random
``w`` per floating-point output, with respect to every floating-point input.

Marked ``torch``: skipped unless torch is installed and ``-m torch`` is given (``make parity``);
not part of ``make test``'s required set.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import pytest

import autograd as ag

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

TRIALS = 5  # random inputs per case


class Case(NamedTuple):
    name: str
    fn: Callable[..., Any]  # fn(lib, *tensors)
    make: Callable[[np.random.Generator], list]  # arrays: float ones differentiable; int/bool
    # ones (indices, masks) become tensors too
    grads: bool = True  # PyTorch differentiates it too


def _real(*shape: int, low: float = -2.0, high: float = 2.0) -> Callable:
    return lambda rng: [rng.uniform(low, high, shape)]


def _ints(high: int, *shape: int) -> Callable[[np.random.Generator], np.ndarray]:
    return lambda rng: rng.integers(0, high, shape)


def _perm_index(rng: np.random.Generator, n: int, rows: int, k: int) -> np.ndarray:
    """(rows, k) indices into a dimension of size n, distinct within each row."""
    return np.stack([rng.permutation(n)[:k] for _ in range(rows)])


def _with_zeros(*shape: int) -> Callable:
    def make(rng: np.random.Generator) -> list:
        x = rng.uniform(-2, 2, shape)
        x[rng.random(shape) < 0.3] = 0.0
        return [x]

    return make


def _distinct(*shape: int) -> Callable:
    return lambda rng: [rng.permutation(int(np.prod(shape))).reshape(shape) / 4.0 - 1.0]


CASES = [
    # --- elementwise functions ---
    *[Case(n, lambda lib, x, n=n: getattr(x, n)(), _real(3, 4)) for n in
      ["sin", "cos", "atan", "sinh", "cosh", "asinh", "erf", "square", "sign", "floor", "ceil",
       "round", "trunc", "expm1"]],
    Case("tan", lambda lib, x: lib.tan(x), _real(3, 4, low=-1.3, high=1.3)),
    *[Case(n, lambda lib, x, n=n: getattr(lib, n)(x), _real(3, 4, low=-0.95, high=0.95))
      for n in ["asin", "acos", "atanh"]],
    Case("acosh", lambda lib, x: lib.acosh(x), _real(3, 4, low=1.05, high=4.0)),
    *[Case(n, lambda lib, x, n=n: getattr(x, n)(), _real(3, 4, low=0.1, high=4.0))
      for n in ["log1p", "log2", "log10", "rsqrt", "reciprocal"]],
    Case("round-decimals", lambda lib, x: lib.round(x, decimals=2), _real(3, 4)),
    Case("fmod", lambda lib, a, b: lib.fmod(a, b), lambda r: [r.uniform(-5, 5, (3, 4)), r.uniform(0.5, 2, (4,)) * r.choice([-1, 1], 4)]),
    Case("remainder", lambda lib, a, b: lib.remainder(a, b), lambda r: [r.uniform(-5, 5, (3, 4)), r.uniform(0.5, 2, (3, 1)) * r.choice([-1, 1], (3, 1))]),
    Case("%", lambda lib, a, b: a % b, lambda r: [r.uniform(-5, 5, (3, 4)), r.uniform(0.5, 2, (4,))]),
    Case("//", lambda lib, a, b: a // b, lambda r: [r.uniform(-5, 5, (3, 4)), r.uniform(0.5, 2, (4,)) * r.choice([-1, 1], 4)], grads=False),
    Case("floor_divide-int", lambda lib, a, b: lib.floor_divide(a, b), lambda r: [r.integers(-9, 9, (5,)), r.integers(1, 4, (5,)) * r.choice([-1, 1], 5)]),
    Case("remainder-int", lambda lib, a, b: a % b, lambda r: [r.integers(-9, 9, (5,)), r.integers(1, 4, (5,)) * r.choice([-1, 1], 5)]),
    Case("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), lambda r: [r.normal(size=(3, 4)), r.normal(size=(4,)), r.uniform(0, 1, (3, 1))]),
    Case("lerp-scalar", lambda lib, a, b: a.lerp(b, 0.3), lambda r: [r.normal(size=(3, 4)), r.normal(size=(3, 4))]),
    Case("nan_to_num", lambda lib, x, m: lib.nan_to_num(x + m, nan=0.5, posinf=9.0, neginf=-9.0),
         lambda r: [r.normal(size=(3, 4)), r.choice([0.0, np.nan, np.inf, -np.inf], (3, 4))]),
    Case("nan_to_num-default", lambda lib, x, m: (x + m).nan_to_num(),
         lambda r: [r.normal(size=(6,)).astype(np.float32), r.choice([0.0, np.nan, np.inf, -np.inf], 6).astype(np.float32)], grads=False),
    *[Case(n, lambda lib, x, m, n=n: getattr(lib, n)(x + m), lambda r: [r.normal(size=(6,)), r.choice([0.0, np.nan, np.inf, -np.inf], 6)], grads=False)
      for n in ["isnan", "isinf", "isfinite"]],
    *[Case(n, lambda lib, a, b, n=n: getattr(lib, n)(a, b), lambda r: [r.integers(0, 2, (4,)).astype(bool), r.integers(-1, 2, (3, 4))], grads=False)
      for n in ["logical_and", "logical_or", "logical_xor"]],
    Case("logical_not", lambda lib, a: lib.logical_not(a), lambda r: [r.integers(-1, 2, (5,))], grads=False),
    # --- reductions and scans ---
    Case("prod", lambda lib, x: x.prod(), _real(2, 3)),
    Case("prod-dim", lambda lib, x: x.prod(1, keepdim=True), _real(3, 4)),
    Case("prod-zeros", lambda lib, x: x.prod(0), _with_zeros(4, 3)),
    Case("cumsum", lambda lib, x: x.cumsum(1), _real(3, 4)),
    Case("cumprod", lambda lib, x: lib.cumprod(x, dim=0), _real(4, 3)),
    Case("cumprod-zeros", lambda lib, x: lib.cumprod(x, dim=-1), _with_zeros(3, 5)),
    Case("logcumsumexp", lambda lib, x: x.logcumsumexp(0), _real(5, 3, low=-30, high=30)),
    *[Case(f"norm-p{p}", lambda lib, x, p=p: lib.norm(x, p), _real(3, 4)) for p in [1, 2, 3, 0.5, float("inf"), float("-inf"), "fro"]],
    Case("norm-dim", lambda lib, x: x.norm(2, dim=1, keepdim=True), _real(3, 4)),
    Case("norm-dims", lambda lib, x: lib.norm(x, 3, (0, 2)), _real(2, 3, 4)),
    Case("norm-p0", lambda lib, x: lib.norm(x, 0, 1), lambda r: [r.choice([0.0, 1.5, -2.0], (3, 4))]),
    Case("norm-zero", lambda lib, x: lib.norm(x * 0.0), _real(3)),
    Case("norm-ties", lambda lib, x: lib.norm(x, float("inf")), lambda r: [np.array([3.0, -3.0, 1.0, 3.0])]),
    Case("sort", lambda lib, x: x.sort(dim=1), _distinct(3, 5)),
    Case("sort-descending", lambda lib, x: lib.sort(x, 0, descending=True), _distinct(4, 3)),
    Case("argsort", lambda lib, x: lib.argsort(x, dim=-1, descending=True), _distinct(3, 5), grads=False),
    Case("topk", lambda lib, x: x.topk(2), _distinct(3, 5)),
    Case("topk-smallest", lambda lib, x: lib.topk(x, 3, dim=0, largest=False), _distinct(4, 3)),
    # --- indexing ---
    Case("gather", lambda lib, x, i: x.gather(1, i), lambda r: [r.normal(size=(3, 5)), r.integers(0, 5, (2, 4))]),
    Case("scatter", lambda lib, x, s, i: x.scatter(1, i, s), lambda r: [r.normal(size=(3, 5)), r.normal(size=(3, 2)), _perm_index(r, 5, 3, 2)]),
    Case("scatter-value", lambda lib, x, i: lib.scatter(x, 0, i, 2.5), lambda r: [r.normal(size=(4, 3)), r.integers(0, 4, (2, 3))]),
    Case("scatter_add", lambda lib, x, s, i: x.scatter_add(0, i, s), lambda r: [r.normal(size=(3, 4)), r.normal(size=(5, 4)), r.integers(0, 3, (5, 4))]),
    Case("index_select", lambda lib, x, i: x.index_select(1, i), lambda r: [r.normal(size=(3, 5)), r.integers(0, 5, 7)]),
    Case("index_add", lambda lib, x, s, i: x.index_add(0, i, s, alpha=0.5), lambda r: [r.normal(size=(4, 3)), r.normal(size=(6, 3)), r.integers(0, 4, 6)]),
    Case("masked_fill", lambda lib, x, m: x.masked_fill(m, -1.5), lambda r: [r.normal(size=(3, 4)), r.integers(0, 2, (4,)).astype(bool)]),
    Case("masked_fill-tensor", lambda lib, x, v, m: x.masked_fill(m, v), lambda r: [r.normal(size=(3, 4)), np.array(r.normal()), r.integers(0, 2, (3, 4)).astype(bool)]),
    Case("masked_select", lambda lib, x, m: lib.masked_select(x, m), lambda r: [r.normal(size=(3, 4)), r.integers(0, 2, (3, 1)).astype(bool)]),
    Case("take_along_dim", lambda lib, x, i: lib.take_along_dim(x, i, dim=1), lambda r: [r.normal(size=(3, 5)), r.integers(-5, 5, (1, 4))]),
    Case("take_along_dim-flat", lambda lib, x, i: x.take_along_dim(i), lambda r: [r.normal(size=(3, 5)), r.integers(0, 15, 6)]),
    Case("narrow", lambda lib, x: x.narrow(1, -3, 2), _real(3, 5)),
    # --- shape ---
    Case("chunk", lambda lib, x: x.chunk(3, 1), _real(2, 7)),
    Case("unbind", lambda lib, x: lib.unbind(x, 1), _real(2, 3)),
    Case("roll", lambda lib, x: x.roll((1, -2), (0, 1)), _real(3, 4)),
    Case("roll-flat", lambda lib, x: lib.roll(x, 5), _real(3, 4)),
    Case("rot90", lambda lib, x: x.rot90(1, (0, 1)), _real(3, 4)),
    Case("rot90-k3", lambda lib, x: lib.rot90(x, 3, (2, 0)), _real(2, 3, 4)),
    Case("tril", lambda lib, x: x.tril(), _real(3, 4)),
    Case("triu", lambda lib, x: lib.triu(x, diagonal=1), _real(2, 4, 3)),
    Case("diag-vector", lambda lib, x: lib.diag(x, 1), _real(3)),
    Case("diag-matrix", lambda lib, x: x.diag(-1), _real(4, 3)),
    Case("diagonal", lambda lib, x: x.diagonal(1, 0, 2), _real(3, 2, 4)),
    Case("trace", lambda lib, x: x.trace(), _real(3, 4)),
    Case("meshgrid", lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"), lambda r: [r.normal(size=3), r.normal(size=4)]),
    Case("meshgrid-xy", lambda lib, a, b: lib.meshgrid(a, b, indexing="xy"), lambda r: [r.normal(size=3), r.normal(size=4)]),
    Case("hstack", lambda lib, a, b: lib.hstack([a, b]), lambda r: [r.normal(size=(2, 3)), r.normal(size=(2, 1))]),
    Case("vstack", lambda lib, a, b: lib.vstack([a, b]), lambda r: [r.normal(size=(2, 3)), r.normal(size=3)]),
    Case("expand_as", lambda lib, a, b: a.expand_as(b), lambda r: [r.normal(size=(1, 3)), r.normal(size=(2, 3))]),
    Case("view_as", lambda lib, a, b: a.view_as(b), lambda r: [r.normal(size=(2, 3)), r.normal(size=(3, 2))]),
    Case("reshape_as", lambda lib, a, b: a.reshape_as(b), lambda r: [r.normal(size=(2, 3)), r.normal(size=(6,))]),
    Case("type_as", lambda lib, a, b: a.type_as(b), lambda r: [r.normal(size=3), r.normal(size=2).astype(np.float32)]),
    Case("t", lambda lib, x: x.t(), _real(2, 3)),
    Case("unflatten", lambda lib, x: x.unflatten(1, (2, -1)), _real(3, 6)),
    Case("movedim", lambda lib, x: lib.movedim(x, (0, 1), (2, 0)), _real(2, 3, 4)),
    # --- linear algebra ---
    Case("mm", lambda lib, a, b: lib.mm(a, b), lambda r: [r.normal(size=(2, 3)), r.normal(size=(3, 4))]),
    Case("bmm", lambda lib, a, b: a.bmm(b), lambda r: [r.normal(size=(5, 2, 3)), r.normal(size=(5, 3, 4))]),
    Case("mv", lambda lib, a, v: a.mv(v), lambda r: [r.normal(size=(2, 3)), r.normal(size=3)]),
    Case("outer", lambda lib, a, b: lib.outer(a, b), lambda r: [r.normal(size=3), r.normal(size=4)]),
    Case("tensordot", lambda lib, a, b: lib.tensordot(a, b, dims=2), lambda r: [r.normal(size=(2, 3, 4)), r.normal(size=(3, 4, 5))]),
    Case("tensordot-lists", lambda lib, a, b: lib.tensordot(a, b, dims=([0, 2], [2, 0])), lambda r: [r.normal(size=(2, 3, 4)), r.normal(size=(4, 5, 2))]),
    *[Case(f"einsum {s}", lambda lib, *xs, s=s: lib.einsum(s, *xs), lambda r, sh=sh: [r.normal(size=z) for z in sh]) for s, sh in [
        ("ij,jk->ik", [(2, 3), (3, 4)]),
        ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
        ("ii->i", [(3, 3)]),
        ("ii", [(3, 3)]),
        ("ij->", [(2, 3)]),
        ("i,j->ij", [(2,), (3,)]),
        ("...ij,...jk->...ik", [(2, 1, 2, 3), (4, 3, 2)]),
        ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
        ("bn,anm,bm->ba", [(2, 3), (4, 3, 5), (2, 5)]),
        ("iij->ji", [(3, 3, 2)]),
    ]],
    # --- creation (values where they are deterministic) ---
    Case("linspace", lambda lib, x: lib.linspace(-1.0, 2.0, 7) * x, _real(7)),
    Case("logspace", lambda lib, x: lib.logspace(0.0, 2.0, 5, base=2.0) * x, _real(5)),
    Case("*_like and new_*", lambda lib, x: (lib.zeros_like(x) + lib.ones_like(x) + lib.full_like(x, 2.0) + x.new_zeros(3, 4) + x.new_ones((3, 4)) + x.new_full((3, 4), 0.5) + x.new_tensor(np.ones((3, 4))) + x) * x, _real(3, 4)),
]  # fmt: skip


def _to(lib: Any, arrays: list) -> list:
    if lib is torch:
        return [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    return [ag.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]


def _outputs(out: Any) -> list:
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _numpy(t: Any) -> np.ndarray:
    return t.detach().numpy() if hasattr(t, "detach") and not isinstance(t, ag.Tensor) else t.data


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_same_values_and_gradients_as_pytorch(case: Case) -> None:
    rng = np.random.default_rng(12345)
    for _ in range(TRIALS):
        arrays = case.make(rng)
        results = {}
        for lib in (ag, torch):
            xs = _to(lib, arrays)
            outs = _outputs(case.fn(lib, *xs))
            values = [_numpy(o) for o in outs]
            grads: list = []
            floats = [
                o for o in outs if o.dtype in (ag.float64, ag.float32, torch.float64, torch.float32)
            ]
            if case.grads and floats:
                w_rng = np.random.default_rng(7)
                loss = sum(
                    (
                        o * lib.tensor(w_rng.normal(size=tuple(o.shape)).astype(_numpy(o).dtype))
                    ).sum()
                    for o in floats
                )
                loss.backward()
                grads = [None if x.grad is None else _numpy(x.grad) for x in xs if x.requires_grad]
            results[lib.__name__] = (values, grads)
        (ours, our_grads), (theirs, their_grads) = results["autograd"], results["torch"]
        assert len(ours) == len(theirs)
        for k, (a, b) in enumerate(zip(ours, theirs)):
            assert a.shape == b.shape, f"output {k}: shape {a.shape} vs PyTorch's {b.shape}"
            assert a.dtype == b.dtype, f"output {k}: dtype {a.dtype} vs PyTorch's {b.dtype}"
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=f"output {k}")
        for k, (a, b) in enumerate(zip(our_grads, their_grads)):
            if a is None or b is None:  # no gradient on one side: the other's must be zero
                other = b if a is None else a
                assert other is None or not np.any(other), f"gradient {k}: one side has none"
                continue
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=f"gradient {k}")
