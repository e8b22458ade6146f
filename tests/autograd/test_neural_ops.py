"""The neural ops beyond plain convolution and pooling, against NumPy references written as
loops (one output element at a time, the way a textbook states each op): grouped and transposed
convolutions, pooling's ceil_mode / count_include_pad, adaptive pooling, interpolation, padding
modes, pixel shuffle, unfold/fold, distances, erf and GELU; their dtypes, and their errors.
Gradients are the registry's (``autograd/testing/specs_*.py``); PyTorch parity is
``tests/test_torch_parity_nn.py``."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd as ag
from autograd.gates.elementary import _erf_kernel as _erf
from tests.autograd.test_conv import naive_conv2d

RNG = np.random.default_rng(11)
_START = RNG.bit_generator.state


@pytest.fixture(autouse=True)
def _rng_from_its_seed() -> None:
    RNG.bit_generator.state = _START


def _t(a: Any) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64))


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


# --- grouped and transposed convolution --------------------------------------------------------


@given(
    groups=st.integers(1, 4),
    cg=st.integers(1, 2),
    og=st.integers(1, 3),
    k=st.integers(1, 3),
    stride=st.integers(1, 2),
    padding=st.integers(0, 1),
    side=st.integers(3, 6),
)
def test_grouped_conv_is_one_conv_per_group(groups, cg, og, k, stride, padding, side) -> None:
    x = RNG.standard_normal((2, groups * cg, side, side + 1))
    w = RNG.standard_normal((groups * og, cg, k, k))
    b = RNG.standard_normal(groups * og)
    out = ag.conv2d(_t(x), _t(w), _t(b), stride, padding, 1, groups).data
    expected = np.concatenate(
        [
            naive_conv2d(
                x[:, g * cg : (g + 1) * cg],
                w[g * og : (g + 1) * og],
                b[g * og : (g + 1) * og],
                stride,
                padding,
            )  # fmt: skip
            for g in range(groups)
        ],
        axis=1,
    )
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)


def test_depthwise_conv_filters_each_channel_alone() -> None:
    x = RNG.standard_normal((2, 3, 6, 5))
    w = RNG.standard_normal((6, 1, 3, 3))  # two filters per channel
    out = ag.conv2d(_t(x), _t(w), padding=1, groups=3).data
    for c, m in itertools.product(range(3), range(2)):
        alone = naive_conv2d(x[:, c : c + 1], w[2 * c + m : 2 * c + m + 1], padding=1)
        np.testing.assert_allclose(out[:, 2 * c + m], alone[:, 0], rtol=1e-12, atol=1e-12)


def naive_conv_transpose2d(
    x: np.ndarray, w: np.ndarray, stride: Any, padding: Any, out_pad: Any, groups: int, dil: Any
) -> np.ndarray:
    """Each input element adds x * W into its window of the output (then padding is cut)."""
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = map(_pair, (stride, padding, out_pad, dil))
    n, cin, h, wd = x.shape
    _, og, kh, kw = w.shape
    full = np.zeros(
        (
            n,
            og * groups,
            (h - 1) * sh + dh * (kh - 1) + 1 + oh,
            (wd - 1) * sw + dw * (kw - 1) + 1 + ow,
        )
    )
    per = cin // groups
    for ni, ci, y, xx, i, j in itertools.product(
        range(n), range(cin), range(h), range(wd), range(kh), range(kw)
    ):
        g = ci // per
        full[ni, g * og : (g + 1) * og, y * sh + i * dh, xx * sw + j * dw] += (
            x[ni, ci, y, xx] * w[ci, :, i, j]
        )
    return full[:, :, ph : full.shape[2] - ph, pw : full.shape[3] - pw]


@pytest.mark.parametrize(
    "xs, ws, stride, padding, out_pad, groups, dil",
    [
        ((2, 2, 3, 4), (2, 3, 3, 3), 1, 0, 0, 1, 1),
        ((1, 2, 3, 3), (2, 2, 4, 4), 2, 1, 0, 1, 1),
        ((2, 4, 3, 2), (4, 1, 2, 3), (2, 3), (0, 1), (1, 2), 2, 1),
        ((1, 3, 3, 3), (3, 2, 3, 2), 1, 1, (1, 0), 3, 2),
    ],
)
def test_conv_transpose2d_matches_the_scatter_loop(xs, ws, stride, padding, out_pad, groups, dil):
    x, w, b = RNG.standard_normal(xs), RNG.standard_normal(ws), RNG.standard_normal(ws[1] * groups)
    out = ag.conv_transpose2d(_t(x), _t(w), _t(b), stride, padding, out_pad, groups, dil).data
    expected = naive_conv_transpose2d(x, w, stride, padding, out_pad, groups, dil)
    expected += b[:, None, None]
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-12, atol=1e-12)
    one_d = ag.conv_transpose1d(_t(x[:, :, 0]), _t(w[:, :, 0]), _t(b), _pair(stride)[1],
                                _pair(padding)[1], _pair(out_pad)[1], groups, _pair(dil)[1])  # fmt: skip
    ref_1d = naive_conv_transpose2d(
        x[:, :, :1], w[:, :, :1], (1, _pair(stride)[1]), (0, _pair(padding)[1]),
        (0, _pair(out_pad)[1]), groups, (1, _pair(dil)[1]),
    )[:, :, 0] + b[:, None]  # fmt: skip
    np.testing.assert_allclose(one_d.data, ref_1d, rtol=1e-12, atol=1e-12)


def test_conv_transpose_is_the_adjoint_of_conv() -> None:
    # <conv(x, W), y> = <x, conv_transpose(y, W)> for the same stride, padding and dilation
    x, w = RNG.standard_normal((2, 3, 9, 8)), RNG.standard_normal((4, 3, 3, 3))
    y = ag.conv2d(_t(x), _t(w), stride=2, padding=1, dilation=1)
    g = RNG.standard_normal(y.shape)
    back = ag.conv_transpose2d(_t(g), _t(w), stride=2, padding=1, output_padding=(0, 1))
    assert back.shape == x.shape
    assert np.sum(y.data * g) == pytest.approx(np.sum(x * back.data), rel=1e-12)


# --- pooling modes -----------------------------------------------------------------------------


def naive_pool(
    x: np.ndarray, k: Any, s: Any, p: Any, kind: str, ceil: bool, count_pad: bool = True
) -> np.ndarray:
    """PyTorch's pooling, one window at a time: out size by floor or ceil (a last window must
    start inside the input or its left padding); avg divides by the window clipped to the padded
    input, or to the input alone without count_pad."""
    (kh, kw), (sh, sw), (ph, pw) = map(_pair, (k, s if s is not None else k, p))
    n, c, h, w = x.shape

    def size(nn: int, kk: int, ss: int, pp: int) -> int:
        out = (-(-(nn + 2 * pp - kk) // ss) if ceil else (nn + 2 * pp - kk) // ss) + 1
        return out - 1 if ceil and (out - 1) * ss >= nn + pp else out

    ho, wo = size(h, kh, sh, ph), size(w, kw, sw, pw)
    out = np.zeros((n, c, ho, wo))
    for y, xx in itertools.product(range(ho), range(wo)):
        y0, x0 = y * sh - ph, xx * sw - pw
        y1, x1 = min(y0 + kh, h + ph), min(x0 + kw, w + pw)
        win = x[:, :, max(y0, 0) : min(y1, h), max(x0, 0) : min(x1, w)]
        if kind == "max":
            out[:, :, y, xx] = win.max(axis=(2, 3))
        else:
            div = (y1 - y0) * (x1 - x0) if count_pad else win.shape[2] * win.shape[3]
            out[:, :, y, xx] = win.sum(axis=(2, 3)) / div
    return out


@given(
    h=st.integers(2, 9), w=st.integers(2, 9), k=st.integers(1, 3), s=st.integers(1, 3),
    p=st.integers(0, 1), ceil=st.booleans(), count_pad=st.booleans(),
)  # fmt: skip
def test_pooling_modes_match_the_window_loop(h, w, k, s, p, ceil, count_pad) -> None:
    if p > k // 2 or k > min(h, w) + 2 * p:
        return  # PyTorch refuses these
    x = RNG.standard_normal((2, 2, h, w))
    got = ag.max_pool2d(_t(x), k, s, p, ceil_mode=ceil).data
    np.testing.assert_array_equal(got, naive_pool(x, k, s, p, "max", ceil))
    got = ag.avg_pool2d(_t(x), k, s, p, ceil, count_pad).data
    np.testing.assert_allclose(got, naive_pool(x, k, s, p, "avg", ceil, count_pad), rtol=1e-12)


def test_max_pool_return_indices_point_at_the_maxima() -> None:
    x = RNG.standard_normal((2, 3, 7, 6))
    out, idx = ag.max_pool2d(_t(x), 3, 2, 1, dilation=(1, 2), ceil_mode=True, return_indices=True)
    assert idx.dtype == np.int64 and idx.shape == out.shape
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(np.take_along_axis(flat, idx.data.reshape(2, 3, -1), 2),
                                  out.data.reshape(2, 3, -1))  # fmt: skip


# --- adaptive pooling, interpolation, shuffles -------------------------------------------------


def naive_adaptive(x: np.ndarray, out: tuple[int, int], kind: str) -> np.ndarray:
    """Window i of n for o outputs: [floor(i n / o), ceil((i + 1) n / o))."""
    h, w = x.shape[2:]
    res = np.zeros((*x.shape[:2], *out))
    for i, j in itertools.product(range(out[0]), range(out[1])):
        rows = slice(i * h // out[0], -(-(i + 1) * h // out[0]))
        cols = slice(j * w // out[1], -(-(j + 1) * w // out[1]))
        win = x[:, :, rows, cols]
        res[:, :, i, j] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return res


@given(h=st.integers(1, 9), w=st.integers(1, 9), oh=st.integers(1, 10), ow=st.integers(1, 10))
def test_adaptive_pools_match_their_windows(h, w, oh, ow) -> None:
    x = RNG.standard_normal((2, 2, h, w))
    got = ag.adaptive_avg_pool2d(_t(x), (oh, ow)).data
    np.testing.assert_allclose(got, naive_adaptive(x, (oh, ow), "avg"), rtol=1e-12, atol=1e-14)
    got = ag.adaptive_max_pool2d(_t(x), (oh, ow)).data
    np.testing.assert_array_equal(got, naive_adaptive(x, (oh, ow), "max"))
    got = ag.adaptive_avg_pool1d(_t(x[:, :, 0]), ow).data
    np.testing.assert_allclose(
        got, naive_adaptive(x[:, :, :1], (1, ow), "avg")[:, :, 0], rtol=1e-12
    )


def naive_bilinear(x: np.ndarray, out: tuple[int, int], align_corners: bool) -> np.ndarray:
    """Each output pixel from its four neighbours, at PyTorch's source coordinates."""
    h, w = x.shape[2:]

    def source(i: int, n: int, o: int) -> tuple[int, int, float]:
        if align_corners:
            c = i * (n - 1) / (o - 1) if o > 1 else 0.0
        else:
            c = max((i + 0.5) * n / o - 0.5, 0.0)
        lo = min(int(math.floor(c)), n - 1)
        return lo, min(lo + 1, n - 1), c - lo

    res = np.zeros((*x.shape[:2], *out))
    for i, j in itertools.product(range(out[0]), range(out[1])):
        y0, y1, ly = source(i, h, out[0])
        x0, x1, lx = source(j, w, out[1])
        top = x[:, :, y0, x0] * (1 - lx) + x[:, :, y0, x1] * lx
        bottom = x[:, :, y1, x0] * (1 - lx) + x[:, :, y1, x1] * lx
        res[:, :, i, j] = top * (1 - ly) + bottom * ly
    return res


@given(
    h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 9), ow=st.integers(1, 9),
    align_corners=st.booleans(),
)  # fmt: skip
def test_bilinear_interpolation_matches_the_pixel_formula(h, w, oh, ow, align_corners) -> None:
    x = RNG.standard_normal((1, 2, h, w))
    got = ag.interpolate(_t(x), (oh, ow), mode="bilinear", align_corners=align_corners).data
    want = x if (oh, ow) == (h, w) else naive_bilinear(x, (oh, ow), align_corners)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


@given(h=st.integers(1, 6), w=st.integers(1, 6), oh=st.integers(1, 13), ow=st.integers(1, 13))
def test_nearest_interpolation_copies_the_floor_pixel(h, w, oh, ow) -> None:
    x = RNG.standard_normal((1, 2, h, w))
    got = ag.interpolate(_t(x), (oh, ow)).data
    rows = [min(int(np.float32(i) * np.float32(h / oh)), h - 1) for i in range(oh)]
    cols = [min(int(np.float32(j) * np.float32(w / ow)), w - 1) for j in range(ow)]
    np.testing.assert_array_equal(got, x[:, :, rows][:, :, :, cols])


def test_integer_upsampling_repeats_each_pixel() -> None:
    x = RNG.standard_normal((2, 3, 4, 5))
    got = ag.interpolate(_t(x), scale_factor=3).data
    np.testing.assert_array_equal(got, x.repeat(3, axis=2).repeat(3, axis=3))
    area = ag.interpolate(_t(got), scale_factor=1 / 3, mode="area").data
    np.testing.assert_allclose(area, x, rtol=1e-12)


def test_pixel_shuffle_moves_channels_into_blocks() -> None:
    x = RNG.standard_normal((2, 3 * 4, 3, 5))
    y = ag.pixel_shuffle(_t(x), 2).data
    for c, i, j, h, w in itertools.product(range(3), range(2), range(2), range(3), range(5)):
        assert y[1, c, h * 2 + i, w * 2 + j] == x[1, c * 4 + i * 2 + j, h, w]
    np.testing.assert_array_equal(ag.pixel_unshuffle(_t(y), 2).data, x)


# --- padding, unfold, fold ---------------------------------------------------------------------


@given(
    shape=st.lists(st.integers(1, 5), min_size=1, max_size=3).map(tuple),
    mode=st.sampled_from(["reflect", "replicate", "circular", "symmetric", "constant"]),
    data=st.data(),
)
def test_pad_modes_match_numpy(shape, mode, data) -> None:
    limit = {"reflect": -1, "circular": 0, "symmetric": 0, "replicate": 3, "constant": 3}[mode]
    widths = [
        tuple(data.draw(st.integers(0, max(0, n + limit if limit < 3 else 3))) for _ in range(2))
        for n in shape
    ]
    if mode == "reflect" and any(n == 1 and max(w) > 0 for n, w in zip(shape, widths)):
        return  # nothing to reflect
    x = RNG.standard_normal(shape)
    numpy_mode = {"replicate": "edge", "circular": "wrap"}.get(mode, mode)
    np.testing.assert_array_equal(
        ag.pad(_t(x), widths, mode=mode).data, np.pad(x, widths, numpy_mode)
    )


def naive_unfold(x: np.ndarray, k: Any, d: Any, p: Any, s: Any) -> np.ndarray:
    (kh, kw), (dh, dw), (ph, pw), (sh, sw) = map(_pair, (k, d, p, s))
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    n, c, hp, wp = xp.shape
    ho, wo = (hp - dh * (kh - 1) - 1) // sh + 1, (wp - dw * (kw - 1) - 1) // sw + 1
    cols = np.zeros((n, c * kh * kw, ho * wo))
    for ci, i, j, y, xx in itertools.product(range(c), range(kh), range(kw), range(ho), range(wo)):
        cols[:, (ci * kh + i) * kw + j, y * wo + xx] = xp[:, ci, y * sh + i * dh, xx * sw + j * dw]
    return cols


@pytest.mark.parametrize(
    "k, d, p, s", [(2, 1, 0, 1), (3, 2, 1, 2), ((2, 3), (2, 1), (0, 1), (1, 2))]
)
def test_unfold_is_im2col_and_fold_its_adjoint(k, d, p, s) -> None:
    x = RNG.standard_normal((2, 3, 7, 8))
    cols = ag.unfold(_t(x), k, d, p, s)
    np.testing.assert_array_equal(cols.data, naive_unfold(x, k, d, p, s))
    y = RNG.standard_normal(cols.shape)
    back = ag.fold(_t(y), (7, 8), k, d, p, s)
    assert np.sum(cols.data * y) == pytest.approx(np.sum(x * back.data), rel=1e-12)
    # conv2d is a matrix product with the unfolded input
    w = RNG.standard_normal((4, 3, *_pair(k)))
    conv = ag.conv2d(_t(x), _t(w), None, s, p, d).data
    via = (w.reshape(4, -1) @ cols.data).reshape(conv.shape)
    np.testing.assert_allclose(via, conv, rtol=1e-12, atol=1e-12)


def test_fold_of_ones_counts_the_windows_over_each_pixel() -> None:
    cols = np.ones((1, 9, 16))
    counts = ag.fold(_t(cols), (6, 6), 3).data[0, 0]
    assert counts[0, 0] == 1 and counts[2, 2] == 9 and counts[0, 2] == 3


# --- distances ---------------------------------------------------------------------------------


def test_distances_match_numpy() -> None:
    a, b = RNG.standard_normal((5, 4)), RNG.standard_normal((5, 4))
    cos = np.sum(a * b, 1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    np.testing.assert_allclose(ag.cosine_similarity(_t(a), _t(b)).data, cos, rtol=1e-12)
    for p in (1, 2, 3, np.inf):
        want = np.linalg.norm(a - b + 1e-6, ord=p, axis=1)
        np.testing.assert_allclose(ag.pairwise_distance(_t(a), _t(b), p).data, want, rtol=1e-12)
        want = np.linalg.norm(a, ord=p, axis=1, keepdims=True)
        np.testing.assert_allclose(ag.normalize(_t(a), p).data, a / want, rtol=1e-12)
    x, y = RNG.standard_normal((2, 30, 3)), RNG.standard_normal((2, 7, 3))
    pairs = np.linalg.norm(x[:, :, None] - y[:, None], axis=-1)
    np.testing.assert_allclose(ag.cdist(_t(x), _t(y)).data, pairs, rtol=1e-10)  # (the matmul route)
    np.testing.assert_allclose(
        ag.cdist(_t(x), _t(y), compute_mode="donot_use_mm_for_euclid_dist").data, pairs, rtol=1e-12
    )


def test_a_zero_distance_has_zero_gradient_not_nan() -> None:
    x = ag.tensor(np.array([[1.0, 2.0], [3.0, 4.0]]), requires_grad=True)
    for mode in ("use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist"):
        d = ag.cdist(x, x.detach(), compute_mode=mode)
        (g,) = ag.grad(d.sum(), x)
        assert np.isfinite(g.data).all()
    # normalize divides by max(|x|, eps): a constant eps at the zero vector, so x / eps there
    z = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    ag.normalize(z).sum().backward()
    np.testing.assert_array_equal(z.grad.data, 1e12)


# --- erf and GELU ------------------------------------------------------------------------------


def test_erf_errors_against_math_erf() -> None:
    """The stated accuracy of the GELU's erf kernel: 3e-15 relative in float64, within 1.5
    float32 rounding units in float32, over the range where erf is not yet +-1 and beyond."""
    x = np.concatenate([np.linspace(-7, 7, 40001), np.geomspace(1e-300, 1, 400), [0.0, np.inf]])
    exact = np.array([math.erf(v) for v in x])
    rel = np.abs(_erf(x) - exact) / np.maximum(np.abs(exact), 1e-300)
    assert rel.max() < 5e-15
    x32 = x.astype(np.float32)
    exact32 = np.array([math.erf(float(v)) for v in x32])
    err = np.abs(_erf(x32).astype(np.float64) - exact32) / np.maximum(np.abs(exact32), 1e-38)
    assert err.max() < 1.5 * np.finfo(np.float32).eps
    assert _erf(x32).dtype == np.float32
    assert np.isnan(_erf(np.array([np.nan]))).all() and _erf(np.array(-np.inf)) == -1.0


def test_gelu_matches_its_definitions() -> None:
    x = np.linspace(-6, 6, 101)
    exact = np.array([v * 0.5 * (1 + math.erf(v / math.sqrt(2))) for v in x])
    # (both forms lose relative precision in the far left tail, where 1 + erf cancels: as
    # PyTorch's formula does)
    np.testing.assert_allclose(ag.gelu(_t(x)).data, exact, rtol=1e-13, atol=1e-14)
    tanh = 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)))
    np.testing.assert_allclose(ag.gelu(_t(x), "tanh").data, tanh, rtol=1e-14)
    assert ag.gelu(ag.tensor([1, 2])).dtype == np.float32  # integers become float32


# --- dtypes ------------------------------------------------------------------------------------

FLOAT32_OPS = {
    "conv2d-groups": lambda x: ag.conv2d(x, ag.ones((4, 2, 3, 3)), groups=2),
    "conv_transpose2d": lambda x: ag.conv_transpose2d(x, ag.ones((4, 1, 2, 2)), stride=2),
    "max_pool2d-ceil": lambda x: ag.max_pool2d(x, 3, 2, ceil_mode=True),
    "avg_pool2d-exclude": lambda x: ag.avg_pool2d(x, 3, 2, 1, True, False),
    "adaptive_avg": lambda x: ag.adaptive_avg_pool2d(x, 3),
    "adaptive_max": lambda x: ag.adaptive_max_pool2d(x, 3),
    "bilinear": lambda x: ag.interpolate(x, scale_factor=1.5, mode="bilinear"),
    "nearest": lambda x: ag.interpolate(x, scale_factor=2),
    "reflect": lambda x: ag.pad(x, 1, mode="reflect"),
    "pixel_shuffle": lambda x: ag.pixel_shuffle(x, 2),
    "unfold": lambda x: ag.unfold(x, 2),
    "gelu": ag.gelu,
    "cosine": lambda x: ag.cosine_similarity(x, x + 1.0),
    "cdist": lambda x: ag.cdist(x[0], x[1]),
}


@pytest.mark.parametrize("name", FLOAT32_OPS)
def test_float32_stays_float32(name) -> None:
    x = ag.tensor(RNG.standard_normal((2, 4, 5, 5)).astype(np.float32), requires_grad=True)
    out = FLOAT32_OPS[name](x)
    assert out.dtype == np.float32, name
    out.sum().backward()
    assert x.grad.dtype == np.float32


# --- errors ------------------------------------------------------------------------------------

X4 = ag.zeros((2, 6, 5, 5))
BAD = [
    (lambda: ag.conv2d(X4, ag.zeros((8, 2, 3, 3)), groups=4), ValueError,
     "groups 4 does not divide the input's 6 channels"),
    (lambda: ag.conv2d(X4, ag.zeros((8, 3, 3, 3)), groups=3), ValueError,
     "groups 3 does not divide the weight's 8 output channels"),
    (lambda: ag.conv2d(X4, ag.zeros((6, 3, 3, 3)), groups=3), ValueError,
     r"input has 6 channels but the weight expects 3 per group x 3 groups = 9"),
    (lambda: ag.conv2d(X4, ag.zeros((6, 6, 3, 3)), groups=0), ValueError,
     "groups must be a positive int"),
    (lambda: ag.conv_transpose2d(X4, ag.zeros((4, 2, 3, 3))), ValueError,
     "input has 6 channels but the weight has 4 input channels"),
    (lambda: ag.conv_transpose2d(X4, ag.zeros((6, 2, 3, 3)), groups=4), ValueError,
     "groups 4 does not divide the input's 6 channels"),
    (lambda: ag.conv_transpose2d(X4, ag.zeros((6, 2, 3, 3)), stride=2, output_padding=2),
     ValueError, "output_padding 2 must be smaller than either the stride 2 or the dilation 1"),
    (lambda: ag.conv_transpose2d(X4, ag.zeros((6, 2, 1, 1)), padding=3), ValueError,
     r"the output size \(-1, -1\) is not positive"),
    (lambda: ag.conv_transpose2d(X4, ag.zeros((6, 2, 3, 3)), ag.zeros(3)), ValueError,
     r"bias must have shape \(2,\)"),
    (lambda: ag.max_pool2d(X4, 2, dilation=5), ValueError, "larger than the padded input"),
    (lambda: ag.avg_pool2d(X4, 2, divisor_override=0), ValueError, "divisor_override"),
    (lambda: ag.adaptive_avg_pool2d(X4, (0, 2)), ValueError,
     "adaptive_avg_pool2d: output_size must be positive"),
    (lambda: ag.adaptive_max_pool2d(ag.zeros((2, 5)), 2), ValueError,
     r"adaptive_max_pool2d: expects a 4-D input"),
    (lambda: ag.interpolate(X4, scale_factor=0.1), ValueError,
     r"scale_factor 0.1 gives output size \(0, 0\)"),
    (lambda: ag.interpolate(X4, size=3, scale_factor=2), ValueError, "exactly one of size"),
    (lambda: ag.interpolate(X4, size=3, mode="linear"), ValueError,
     "mode 'linear' expects a 3-D input"),
    (lambda: ag.interpolate(X4, size=3, mode="cubic"), ValueError, "mode must be one of"),
    (lambda: ag.interpolate(X4, size=3, align_corners=True), ValueError,
     "align_corners can only be set with the interpolating modes"),
    (lambda: ag.pad(X4, 5, mode="reflect"), ValueError,
     r"reflect padding of \(5, 5\) on dimension 0 must be smaller than its size 2"),
    (lambda: ag.pad(X4, ((0, 0), (0, 0), (6, 0), (0, 0)), mode="circular"), ValueError,
     "must be at most its size 5"),
    (lambda: ag.pad(X4, 1, mode="mirror"), ValueError, "mode must be one of"),
    (lambda: ag.pixel_shuffle(X4, 4), ValueError, "channels divisible by r\\^2 = 16"),
    (lambda: ag.pixel_unshuffle(X4, 2), ValueError, "H and W divisible by 2"),
    (lambda: ag.unfold(X4, 6), ValueError, r"the window \(6, 6\) is larger than the padded input"),
    (lambda: ag.fold(ag.zeros((1, 12, 7)), (4, 4), 2), ValueError, "has 7 blocks, but output_size"),
    (lambda: ag.fold(ag.zeros((1, 10, 9)), (4, 4), 2), ValueError, "must be divisible by"),
    (lambda: ag.cdist(ag.zeros((3, 2)), ag.zeros((4, 3))), ValueError, "the same M"),
    (lambda: ag.cdist(ag.zeros((3, 2)), ag.zeros((4, 2)), compute_mode="fast"), ValueError,
     "compute_mode must be one of"),
    (lambda: ag.pairwise_distance(ag.zeros((3, 2)), ag.zeros((3, 2)), p=-1), ValueError,
     "p must be a non-negative number"),
    (lambda: ag.cosine_similarity(ag.zeros((3, 2)), ag.zeros((4, 2))), ValueError,
     "do not broadcast"),
    (lambda: ag.gelu(ag.zeros(3), approximate="erf"), ValueError, "approximate must be"),
]  # fmt: skip


@pytest.mark.parametrize("call, error, match", BAD, ids=lambda v: v if isinstance(v, str) else "")
def test_bad_input_raises_a_clear_error(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
