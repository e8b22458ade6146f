"""The layers over the neural ops: shapes and parameter shapes, values against NumPy for the
activations and normalisations, running statistics, train/eval, parameter containers, and the
errors a wrong argument gets. (Values against PyTorch: tests/test_torch_parity_nn.py.)"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.gradcheck import gradcheck

RNG = np.random.default_rng(5)
_START = RNG.bit_generator.state


@pytest.fixture(autouse=True)
def _rng_from_its_seed() -> None:
    RNG.bit_generator.state = _START


def _x(*shape: int, requires_grad: bool = False, dtype: type = np.float64) -> ag.Tensor:
    return ag.tensor(RNG.standard_normal(shape).astype(dtype), requires_grad=requires_grad)


# --- shapes ------------------------------------------------------------------------------------

SHAPES = [
    (nn.Conv2d(4, 8, 3, groups=4), (2, 4, 9, 9), (2, 8, 7, 7)),
    (nn.Conv2d(3, 5, 3, padding="same", padding_mode="reflect"), (2, 3, 6, 7), (2, 5, 6, 7)),
    (nn.Conv2d(3, 5, 4, padding="same"), (2, 3, 6, 7), (2, 5, 6, 7)),  # asymmetric 'same'
    (nn.Conv1d(3, 5, 3, padding="valid"), (2, 3, 9), (2, 5, 7)),
    (nn.ConvTranspose2d(8, 4, 4, stride=2, padding=1), (2, 8, 5, 6), (2, 4, 10, 12)),
    (nn.ConvTranspose1d(4, 2, 3, stride=2, output_padding=1), (2, 4, 5), (2, 2, 12)),
    (nn.AdaptiveAvgPool2d(1), (2, 3, 7, 5), (2, 3, 1, 1)),
    (nn.AdaptiveAvgPool2d((None, 2)), (2, 3, 7, 5), (2, 3, 7, 2)),
    (nn.AdaptiveMaxPool2d((3, 4)), (2, 3, 7, 5), (2, 3, 3, 4)),
    (nn.AdaptiveAvgPool1d(3), (2, 3, 7), (2, 3, 3)),
    (nn.AdaptiveMaxPool1d(3), (2, 3, 7), (2, 3, 3)),
    (nn.MaxPool2d(2, ceil_mode=True), (1, 1, 5, 5), (1, 1, 3, 3)),
    (nn.AvgPool2d(3, 2, 1, ceil_mode=True), (1, 1, 6, 6), (1, 1, 4, 4)),
    (nn.LPPool1d(2, 2), (1, 2, 6), (1, 2, 3)),
    (nn.Upsample(scale_factor=2), (1, 2, 3, 4), (1, 2, 6, 8)),
    (nn.Upsample(size=5, mode="linear"), (1, 2, 3), (1, 2, 5)),
    (nn.UpsamplingBilinear2d(size=(4, 9)), (1, 2, 3, 4), (1, 2, 4, 9)),
    (nn.PixelShuffle(3), (2, 18, 2, 3), (2, 2, 6, 9)),
    (nn.PixelUnshuffle(2), (2, 2, 4, 6), (2, 8, 2, 3)),
    (nn.Unfold(2), (2, 3, 4, 5), (2, 12, 12)),
    (nn.Fold((4, 5), 2), (2, 12, 12), (2, 3, 4, 5)),
    (nn.ReflectionPad2d((1, 2, 3, 0)), (1, 1, 4, 4), (1, 1, 7, 7)),
    (nn.ZeroPad1d(2), (1, 1, 4), (1, 1, 8)),
    (nn.ConstantPad2d(-1, 3.0), (1, 1, 4, 4), (1, 1, 2, 2)),
    (nn.GroupNorm(2, 4), (2, 4, 3), (2, 4, 3)),
    (nn.InstanceNorm2d(3), (3, 4, 5), (3, 4, 5)),  # one (C, H, W) sample
    (nn.Unflatten(1, (2, 3)), (4, 6), (4, 2, 3)),
    (nn.Unflatten(-1, (-1, 2)), (4, 3, 6), (4, 3, 3, 2)),
    (nn.PReLU(3), (2, 3, 4), (2, 3, 4)),
]


@pytest.mark.parametrize("layer, shape, expected", SHAPES, ids=lambda v: type(v).__name__)
def test_layer_output_shapes(layer, shape, expected) -> None:
    out = layer(_x(*shape, dtype=np.float32))  # (the layers' parameters are float32)
    assert out.shape == expected and out.dtype == np.float32


def test_parameter_shapes_follow_pytorch() -> None:
    assert nn.Conv2d(6, 9, 3, groups=3).weight.shape == (9, 2, 3, 3)
    assert nn.ConvTranspose2d(6, 9, 3, groups=3).weight.shape == (6, 3, 3, 3)
    assert nn.ConvTranspose1d(4, 2, 5).bias.shape == (2,)
    assert nn.GroupNorm(2, 6).weight.shape == (6,)
    assert nn.PReLU().weight.shape == (1,)
    assert sorted(nn.InstanceNorm1d(3, track_running_stats=True).state_dict()) == [
        "num_batches_tracked", "running_mean", "running_var",
    ]  # fmt: skip
    assert list(nn.InstanceNorm2d(3).state_dict()) == []


def test_layers_are_registered_and_exported() -> None:
    for name in ("ConvTranspose2d", "AdaptiveAvgPool2d", "Upsample", "GroupNorm",
                 "InstanceNorm2d", "Identity", "Unflatten", "ParameterList", "ParameterDict",
                 "SiLU", "ELU", "GELU", "Hardtanh", "Softsign", "Mish", "PReLU", "LogSigmoid"):  # fmt: skip
        assert name in nn.__all__, name


# --- values ------------------------------------------------------------------------------------

X = np.linspace(-5, 5, 41)
SIG = 1 / (1 + np.exp(-X))
ACTIVATIONS = {
    nn.SiLU(): X * SIG,
    nn.Mish(): X * np.tanh(np.log1p(np.exp(X))),
    nn.ELU(0.5): np.where(X > 0, X, 0.5 * np.expm1(X)),
    nn.CELU(2.0): np.where(X > 0, X, 2.0 * np.expm1(X / 2.0)),
    nn.SELU(): 1.0507009873554805 * np.where(X > 0, X, 1.6732632423543772 * np.expm1(X)),
    nn.Hardtanh(-2.0, 3.0): np.clip(X, -2.0, 3.0),
    nn.ReLU6(): np.clip(X, 0.0, 6.0),
    nn.Hardsigmoid(): np.clip(X / 6 + 0.5, 0.0, 1.0),
    nn.Hardswish(): X * np.clip(X / 6 + 0.5, 0.0, 1.0),
    nn.Softsign(): X / (1 + np.abs(X)),
    nn.LogSigmoid(): np.log(SIG),
    nn.Softplus(2.0, 6.0): np.where(2 * X > 6, X, np.log1p(np.exp(2 * X)) / 2),
    nn.GELU(): np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in X]),
    nn.PReLU(init=0.3): np.where(X > 0, X, 0.3 * X),
}


@pytest.mark.parametrize("layer", ACTIVATIONS, ids=lambda m: type(m).__name__)
def test_activation_values_and_gradients(layer) -> None:
    x = ag.tensor(X)
    np.testing.assert_allclose(layer(x).data, ACTIVATIONS[layer], rtol=1e-6, atol=1e-7)
    # gradients away from the kinks (the activations with corners have them at -3, 0, 3, 6...)
    kinkless = ag.tensor(RNG.uniform(-4, 4, 12) + 0.013, requires_grad=True)
    if isinstance(layer, nn.PReLU):  # (float32 parameters: gradcheck needs float64 throughout)
        layer = nn.PReLU(init=0.3, dtype=np.float64)
    assert gradcheck(layer, [kinkless])


def test_kink_conventions_follow_pytorch() -> None:
    at = ag.tensor(np.array([-1.0, 0.0, 1.0]), requires_grad=True)
    F.hardtanh(at).sum().backward()  # the gradient passes strictly inside only
    np.testing.assert_array_equal(at.grad.data, [0.0, 1.0, 0.0])
    at = ag.tensor(np.array([0.0]), requires_grad=True)
    F.elu(at, 0.5).sum().backward()  # elu'(0) = alpha
    np.testing.assert_array_equal(at.grad.data, [0.5])
    big = ag.tensor(np.array([-1000.0, 1000.0]), requires_grad=True)
    for f in (F.elu, F.selu, F.logsigmoid, F.mish, F.silu):
        y = f(big)
        y.sum().backward()
        assert np.isfinite(y.data).all() and np.isfinite(big.grad.data).all(), f.__name__
        big.grad = None


def test_group_norm_normalises_each_group_of_each_example() -> None:
    x = RNG.standard_normal((3, 6, 4, 2)) * 5 + 2
    w, b = RNG.standard_normal(6), RNG.standard_normal(6)
    out = F.group_norm(ag.tensor(x), 3, ag.tensor(w), ag.tensor(b), eps=1e-5).data
    g = x.reshape(3, 3, -1)
    ref = (g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + 1e-5)
    ref = ref.reshape(x.shape) * w[:, None, None] + b[:, None, None]
    np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-12)
    # one value per group normalises to 0 (with no error, as in PyTorch)
    np.testing.assert_array_equal(F.group_norm(ag.tensor(RNG.standard_normal((2, 4))), 4).data, 0.0)


def test_group_norm_gradients() -> None:
    x, w, b = _x(2, 4, 3, requires_grad=True), _x(4, requires_grad=True), _x(4, requires_grad=True)
    assert gradcheck(lambda x, w, b: F.group_norm(x, 2, w, b), [x, w, b])


def test_instance_norm_tracks_running_statistics_and_uses_them_in_eval() -> None:
    layer = nn.InstanceNorm1d(3, momentum=0.5, track_running_stats=True, dtype=np.float64)
    x = RNG.standard_normal((4, 3, 6)) * 3 + 1
    out = layer(ag.tensor(x)).data
    ref = (x - x.mean(2, keepdims=True)) / np.sqrt(x.var(2, keepdims=True) + 1e-5)
    np.testing.assert_allclose(out, ref, rtol=1e-10)
    np.testing.assert_allclose(layer.running_mean.data, 0.5 * x.mean(2).mean(0), rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.data, 0.5 + 0.5 * x.var(2, ddof=1).mean(0))
    layer.eval()
    rm, rv = layer.running_mean.data, layer.running_var.data
    want = (x - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5)
    np.testing.assert_allclose(layer(ag.tensor(x)).data, want, rtol=1e-10)
    # without running statistics, evaluation still normalises each instance
    plain = nn.InstanceNorm1d(3).eval()
    np.testing.assert_allclose(plain(ag.tensor(x)).data, ref, rtol=1e-6)


def test_padding_mode_and_same_padding_keep_the_size() -> None:
    x = _x(1, 2, 5, 6, dtype=np.float32)
    for mode in ("zeros", "reflect", "replicate", "circular"):
        conv = nn.Conv2d(2, 3, (3, 4), padding="same", padding_mode=mode, dilation=(1, 2))
        assert conv(x).shape == (1, 3, 5, 6), mode
    # padding_mode="zeros" with symmetric padding is the conv gate's own padding
    conv = nn.Conv2d(2, 3, 3, padding=1)
    y = conv(x)
    assert y.grad_fn is not None and y.grad_fn.gate.name == "conv2d"


def test_conv_transpose_output_size() -> None:
    up = nn.ConvTranspose2d(2, 2, 3, stride=2)
    x = _x(1, 2, 4, 4, dtype=np.float32)
    assert up(x).shape == (1, 2, 9, 9)
    assert up(x, output_size=(10, 9)).shape == (1, 2, 10, 9)
    with pytest.raises(ValueError, match="sizes along spatial axis 0 range from 9 to 10"):
        up(x, output_size=(11, 9))


def test_upsample_then_conv_trains() -> None:
    ag.manual_seed(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.GELU(), nn.GroupNorm(2, 4), nn.MaxPool2d(2),
        nn.Upsample(scale_factor=2, mode="bilinear"), nn.ConvTranspose2d(4, 1, 3, padding=1),
    )  # fmt: skip
    x = ag.randn(8, 1, 8, 8)
    opt = nn.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(30):
        loss = F.mse_loss(model(x), x)
        opt.zero_grad()
        loss.backward()
        opt.step()
        first = loss.item() if first is None else first
    assert loss.item() < 0.5 * first  # it learns to reproduce its input


# --- containers --------------------------------------------------------------------------------


def test_parameter_list_registers_its_parameters() -> None:
    params = nn.ParameterList([ag.zeros(2), nn.Parameter(ag.ones(3))])
    params.append(ag.ones(1))
    params += [ag.zeros(4)]
    assert len(params) == 4 and [p.shape for p in params] == [(2,), (3,), (1,), (4,)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in params)
    assert list(dict(params.named_parameters())) == ["0", "1", "2", "3"]
    params[1] = ag.zeros(5)
    assert params[1].shape == (5,) and params[-1].shape == (4,)
    assert len(params[1:3]) == 2

    class Model(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weights = nn.ParameterList([ag.ones(2) for _ in range(3)])

    assert sorted(Model().state_dict()) == ["weights.0", "weights.1", "weights.2"]
    with pytest.raises(IndexError, match="index 4 is out of range for 4 parameters"):
        params[4]
    with pytest.raises(TypeError, match="expected an nn.Parameter or a Tensor, got str"):
        params.append("w")


def test_parameter_dict_registers_its_parameters() -> None:
    params = nn.ParameterDict({"scale": ag.ones(3)})
    params["shift"] = ag.zeros(3)
    params.update([("extra", ag.zeros(1))])
    assert list(params) == ["scale", "shift", "extra"] and "shift" in params
    assert list(params.state_dict()) == ["scale", "shift", "extra"]
    assert params.pop("extra").shape == (1,) and len(params) == 2
    opt = nn.optim.SGD(params.parameters(), lr=0.1)
    (params["scale"] * 2.0).sum().backward()
    opt.step()
    np.testing.assert_allclose(params["scale"].data, 0.8)
    with pytest.raises(KeyError):
        params["missing"]


# --- bad arguments -----------------------------------------------------------------------------

BAD = [
    (lambda: nn.Conv2d(6, 8, 3, groups=4), ValueError, "groups 4 does not divide in_channels 6"),
    (lambda: nn.Conv2d(6, 9, 3, groups=2), ValueError, "groups 2 does not divide out_channels 9"),
    (lambda: nn.Conv2d(3, 3, 3, padding="full"), ValueError, "'same' or 'valid'"),
    (lambda: nn.Conv2d(3, 3, 3, stride=2, padding="same"), ValueError, "needs stride 1"),
    (lambda: nn.Conv2d(3, 3, 3, padding_mode="mirror"), ValueError, "padding_mode must be one of"),
    (lambda: nn.ConvTranspose2d(3, 3, 3, padding_mode="reflect"), ValueError, "'zeros'"),
    (lambda: nn.ConvTranspose2d(3, 3, 3, padding="same"), ValueError, "padding must be an int"),
    (lambda: nn.GroupNorm(3, 8), ValueError, "num_groups 3 does not divide num_channels 8"),
    (lambda: nn.GroupNorm(2, 8)(_x(2, 6, 3)), ValueError, r"expected input of shape \(N, 8"),
    (lambda: nn.InstanceNorm2d(3, affine=True)(_x(2, 4, 3, 3)), ValueError, "expected 3 channels"),
    (lambda: nn.InstanceNorm2d(3)(_x(2, 3)), ValueError, "expected a 4-D input"),
    (lambda: nn.InstanceNorm1d(3)(_x(2, 3, 1)), ValueError, "more than 1 spatial element"),
    (lambda: nn.Upsample(), ValueError, "exactly one of size and scale_factor"),
    (lambda: nn.AdaptiveAvgPool2d((2, 3, 4)), ValueError, "an int or 2 ints"),
    (lambda: nn.AdaptiveAvgPool2d(0), ValueError, "output_size must be positive"),
    (lambda: nn.Unflatten(1, (4, 4))(_x(2, 12)), ValueError, r"\(4, 4\) does not fit dimension 1"),
    (lambda: nn.Unflatten(1, (-1, -1)), ValueError, "one -1"),
    (lambda: nn.Unflatten(3, (2, 2))(_x(2, 4)), IndexError, "dim 3 is out of range"),
    (lambda: nn.PReLU(3)(_x(2, 4, 5)), ValueError, r"1 or 4 \(channels\) values"),
    (lambda: nn.Hardtanh(2.0, 1.0), ValueError, "min_val 2.0 is greater than max_val 1.0"),
    (lambda: nn.GELU("erf"), ValueError, "approximate must be 'none' or 'tanh'"),
    (lambda: nn.PixelShuffle(0), ValueError, "upscale_factor must be positive"),
    (lambda: nn.ReflectionPad2d((1, 2, 3)), TypeError, "an int or a tuple of 4 ints"),
    (lambda: nn.ReflectionPad1d(-1), ValueError, "padding must be >= 0"),
    (lambda: F.pad(_x(2, 3), (1, 1, 1)), ValueError, r"\(before, after\) pairs"),
    (lambda: F.pad(_x(2, 3), (1, 1, 1, 1, 1, 1)), ValueError, "at most 2 dimensions"),
    (lambda: F.pad(_x(2, 3), (-1, 1), mode="reflect"), ValueError, "only allowed in mode 'constant'"),
    (lambda: F.pad(_x(2, 3), (1, 1), mode="reflect", value=2.0), ValueError, "value can only be"),
    (lambda: F.group_norm(_x(2, 6, 3), 4), ValueError, "num_groups 4 does not divide the 6 channels"),
    (lambda: F.instance_norm(_x(2, 3, 4), use_input_stats=False), ValueError, "running statistics"),
    (lambda: F.one_hot(np.array([0.5])), TypeError, "indices must be integers"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, match", BAD, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_arguments_raise_clear_errors(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
