"""nn.init: bounds and spreads of each scheme, gains, fans, generators, in-place semantics."""

import math

import numpy as np
import pytest

import autograd as ag
from nn import Parameter, init


def _p(*shape):
    return Parameter(np.zeros(shape, dtype=np.float32))


def test_fan_in_and_fan_out():
    assert init._calculate_fan_in_and_fan_out(_p(30, 20)) == (20, 30)
    assert init._calculate_fan_in_and_fan_out(_p(16, 3, 5, 5)) == (75, 400)
    with pytest.raises(ValueError, match=r"at least 2 dimensions, got shape \(4,\)"):
        init._calculate_fan_in_and_fan_out(_p(4))


def test_calculate_gain_values():
    assert init.calculate_gain("linear") == 1 and init.calculate_gain("conv2d") == 1
    assert init.calculate_gain("sigmoid") == 1
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")


def test_functions_work_in_place_return_the_tensor_and_record_nothing():
    w = _p(50, 40)
    out = init.uniform_(w, -0.5, 0.5, generator=0)
    assert out is w and w.is_leaf and w.grad_fn is None and w.requires_grad
    assert w.data.min() >= -0.5 and w.data.max() < 0.5 and w.dtype == np.float32
    assert init.constant_(w, 0.3) is w and np.all(w.data == np.float32(0.3))
    assert np.all(init.zeros_(w).data == 0) and np.all(init.ones_(w).data == 1)
    init.normal_(w, 2.0, 0.5, generator=1)
    assert w.data.mean() == pytest.approx(2.0, abs=0.05) and w.data.std() == pytest.approx(
        0.5, rel=0.05
    )


def test_generators_make_draws_reproducible():
    a, b, c = _p(10, 10), _p(10, 10), _p(10, 10)
    init.xavier_uniform_(a, generator=ag.Generator(3))
    init.xavier_uniform_(b, generator=np.random.default_rng(3))
    init.xavier_uniform_(c, generator=3)
    np.testing.assert_array_equal(a.data, b.data)
    np.testing.assert_array_equal(a.data, c.data)
    ag.manual_seed(9)
    init.normal_(a)
    ag.manual_seed(9)
    init.normal_(b)
    np.testing.assert_array_equal(a.data, b.data)
    with pytest.raises(TypeError, match="generator: expected None"):
        init.normal_(a, generator="seed")


@pytest.mark.parametrize(
    "fn,kwargs,shape,std",
    [
        (init.xavier_uniform_, {}, (200, 300), math.sqrt(2 / 500)),
        (init.xavier_normal_, {"gain": 2.0}, (200, 300), 2 * math.sqrt(2 / 500)),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, (200, 300), math.sqrt(2 / 300)),
        (init.kaiming_normal_, {"nonlinearity": "relu", "mode": "fan_out"}, (200, 300), math.sqrt(2 / 200)),
        (init.kaiming_uniform_, {"a": math.sqrt(5)}, (64, 8, 3, 3), 1 / math.sqrt(72) / math.sqrt(3)),
    ],
)  # fmt: skip
def test_scaled_schemes_have_the_documented_spread(fn, kwargs, shape, std):
    w = fn(_p(*shape), generator=0, **kwargs)
    assert w.data.std() == pytest.approx(std, rel=0.03)
    assert w.data.mean() == pytest.approx(0.0, abs=std / 20)
    if "uniform" in fn.__name__:
        assert np.abs(w.data).max() <= std * math.sqrt(3) * (1 + 1e-6)


def test_kaiming_uniform_with_a_sqrt5_is_one_over_sqrt_fan_in():
    w = init.kaiming_uniform_(_p(100, 400), a=math.sqrt(5), generator=0)
    assert np.abs(w.data).max() <= 1 / math.sqrt(400) and np.abs(w.data).max() > 0.99 / 20
    with pytest.raises(ValueError, match="mode must be 'fan_in' or 'fan_out'"):
        init.kaiming_normal_(w, mode="fan_avg")


@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 2, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape):
    w = init.orthogonal_(Parameter(np.zeros(shape)), gain=2.0, generator=0)
    flat = w.data.reshape(shape[0], -1)
    gram = flat @ flat.T if flat.shape[0] <= flat.shape[1] else flat.T @ flat
    np.testing.assert_allclose(gram, 4.0 * np.eye(min(flat.shape)), atol=1e-10)
