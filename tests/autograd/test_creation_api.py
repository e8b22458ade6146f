"""Creation in PyTorch's forms: empty, randperm, the *_like family, Tensor.new_*, linspace,
logspace and randint; every random one draws through ``autograd.random.resolve_generator``."""

from __future__ import annotations

import numpy as np
import pytest

import autograd as ag


def test_empty_and_the_like_family_keep_shape_and_dtype() -> None:
    assert ag.empty(2, 3).shape == (2, 3) and ag.empty((4,), dtype=np.int64).dtype == np.int64
    ints = ag.tensor(np.arange(6, dtype=np.int32).reshape(2, 3))
    floats = ag.ones(2, 3, dtype=np.float64)
    for fn in (ag.zeros_like, ag.ones_like, ag.empty_like):
        out = fn(ints)
        assert out.shape == (2, 3) and out.dtype == np.int32
        assert fn(ints, dtype=np.float32).dtype == np.float32
    assert ag.full_like(ints, 7).tolist() == [[7] * 3] * 2
    assert ag.full_like(floats, 0.5, requires_grad=True).requires_grad
    for fn in (ag.rand_like, ag.randn_like):
        out = fn(floats)
        assert out.shape == (2, 3) and out.dtype == np.float64
        with pytest.raises(TypeError, match=f"{fn.__name__}: draws floating-point values"):
            fn(ints)
        assert fn(ints, dtype=np.float32).dtype == np.float32
    r = ag.rand_like(floats).data
    assert ((r >= 0) & (r < 1)).all()
    k = ag.randint_like(ints, 3, 6)
    assert k.dtype == np.int32 and ((k.data >= 3) & (k.data < 6)).all()
    assert ((ag.randint_like(floats, 2).data >= 0) & (ag.randint_like(floats, 2).data < 2)).all()


def test_random_creation_follows_seeds_and_generators() -> None:
    ag.manual_seed(5)
    a = ag.randperm(10)
    ag.manual_seed(5)
    assert ag.randperm(10).tolist() == a.tolist()
    assert sorted(a.tolist()) == list(range(10)) and a.dtype == np.int64
    g1, g2 = ag.Generator(3), ag.Generator(3)
    x = ag.ones(4)
    for fn in (ag.rand_like, ag.randn_like):
        np.testing.assert_array_equal(fn(x, generator=g1).data, fn(x, generator=g2).data)
    assert ag.randperm(6, generator=7).tolist() == ag.randperm(6, generator=7).tolist()
    with pytest.raises(TypeError, match="generator: expected None"):
        ag.randperm(3, generator="seven")
    with pytest.raises(ValueError, match="randperm: n must be a non-negative int"):
        ag.randperm(-1)


def test_new_methods_take_the_tensors_dtype() -> None:
    x = ag.tensor(np.zeros(2, dtype=np.float64))
    for out in (x.new_zeros(2, 3), x.new_ones((2, 3)), x.new_empty(2, 3), x.new_full((2, 3), 4.0)):
        assert out.shape == (2, 3) and out.dtype == np.float64
    assert x.new_ones(2).tolist() == [1.0, 1.0] and x.new_full((1,), 4.0).item() == 4.0
    t = x.new_tensor([1, 2])
    assert t.dtype == np.float64 and t.tolist() == [1.0, 2.0]
    assert x.new_zeros(2, dtype=np.int64).dtype == np.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad


def test_linspace_logspace_and_randint_take_pytorchs_signatures() -> None:
    np.testing.assert_allclose(ag.linspace(0, 1, steps=5).data, np.linspace(0, 1, 5))
    assert ag.linspace(-1, 1, 3).dtype == np.float32
    assert ag.linspace(-1, 1, 3, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(ag.logspace(0, 2, 3).data, [1, 10, 100])
    np.testing.assert_allclose(ag.logspace(0, 3, 4, base=2.0).data, [1, 2, 4, 8])
    with pytest.raises(ValueError, match="linspace: steps must be a non-negative int"):
        ag.linspace(0, 1, 2.5)
    a = ag.randint(5, (3, 2))  # randint(high, size)
    assert a.shape == (3, 2) and a.dtype == np.int64 and ((a.data >= 0) & (a.data < 5)).all()
    b = ag.randint(3, 6, (4,), generator=1)
    assert ((b.data >= 3) & (b.data < 6)).all()
    assert ag.randint(3, 6, (4,), generator=1).tolist() == b.tolist()
