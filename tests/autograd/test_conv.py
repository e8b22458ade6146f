"""Convolution and pooling gates: values against naive loops, the course's output-size formula,
gradients (first and second order), max-pool tie routing, errors, dtypes and memory layouts."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autograd as ag
from autograd.gradcheck import gradcheck, gradgradcheck

RNG = np.random.default_rng(7)
_RNG_START = RNG.bit_generator.state


@pytest.fixture(autouse=True)
def _rng_from_its_seed() -> None:
    """Each test draws the same data whatever ran before it on its pytest-xdist worker."""
    RNG.bit_generator.state = _RNG_START


def _pair(v: Any) -> tuple[int, int]:
    return (v, v) if isinstance(v, int) else tuple(v)


# --- naive references: one Python loop per output element --------------------------------------


def naive_conv2d(x, w, b=None, stride=1, padding=0, dilation=1) -> np.ndarray:
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    n, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    xp = np.zeros((n, c, h + 2 * ph, wd + 2 * pw))
    xp[:, :, ph : ph + h, pw : pw + wd] = x
    ho = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((n, o, ho, wo))
    for ni, oi, y, xx in itertools.product(range(n), range(o), range(ho), range(wo)):
        rows = slice(y * sh, y * sh + dh * (kh - 1) + 1, dh)
        cols = slice(xx * sw, xx * sw + dw * (kw - 1) + 1, dw)
        patch = xp[ni, :, rows, cols]
        out[ni, oi, y, xx] = np.sum(patch * w[oi]) + (0.0 if b is None else b[oi])
    return out


def naive_pool2d(x, kernel, stride=None, padding=0, kind="max") -> np.ndarray:
    (kh, kw) = _pair(kernel)
    (sh, sw) = _pair(kernel if stride is None else stride)
    (ph, pw) = _pair(padding)
    n, c, h, w = x.shape
    fill = -np.inf if kind == "max" else 0.0
    xp = np.full((n, c, h + 2 * ph, w + 2 * pw), fill)
    xp[:, :, ph : ph + h, pw : pw + w] = x
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((n, c, ho, wo))
    for y, xx in itertools.product(range(ho), range(wo)):
        win = xp[:, :, y * sh : y * sh + kh, xx * sw : xx * sw + kw]
        out[:, :, y, xx] = win.max(axis=(2, 3)) if kind == "max" else win.mean(axis=(2, 3))
    return out


def _t(a: np.ndarray, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.array(a, dtype=np.float64), requires_grad=requires_grad)


# --- forward values ------------------------------------------------------------------------------

CONV_CONFIGS = [
    # (x shape, weight shape, stride, padding, dilation, bias)
    ((2, 3, 7, 7), (4, 3, 3, 3), 1, 0, 1, True),
    ((1, 1, 5, 6), (2, 1, 3, 2), 1, 1, 1, False),
    ((2, 2, 8, 7), (3, 2, 3, 3), 2, 1, 1, True),
    ((2, 2, 9, 9), (2, 2, 3, 3), (2, 1), (0, 2), (2, 1), True),
    ((1, 3, 6, 6), (5, 3, 1, 1), 1, 0, 1, True),  # 1x1 kernel: a per-pixel linear map
    ((3, 2, 5, 5), (2, 2, 5, 5), 1, 0, 1, False),  # kernel as large as the input: 1x1 output
    ((1, 2, 10, 4), (1, 2, 2, 2), (3, 2), (1, 0), (3, 1), True),
]


@pytest.mark.parametrize("xs, ws, stride, padding, dilation, bias", CONV_CONFIGS)
def test_conv2d_matches_naive_loops(xs, ws, stride, padding, dilation, bias) -> None:
    x, w = RNG.standard_normal(xs), RNG.standard_normal(ws)
    b = RNG.standard_normal(ws[0]) if bias else None
    out = ag.conv2d(_t(x), _t(w), None if b is None else _t(b), stride, padding, dilation)
    expected = naive_conv2d(x, w, b, stride, padding, dilation)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("stride, padding, dilation", [(1, 0, 1), (2, 1, 1), (1, 2, 2), (3, 1, 2)])
def test_conv1d_is_conv2d_of_height_one(stride, padding, dilation) -> None:
    x, w, b = (
        RNG.standard_normal((2, 3, 11)),
        RNG.standard_normal((4, 3, 3)),
        RNG.standard_normal(4),
    )
    out = ag.conv1d(_t(x), _t(w), _t(b), stride, padding, dilation)
    expected = naive_conv2d(
        x[:, :, None], w[:, :, None], b, (1, stride), (0, padding), (1, dilation)
    )[:, :, 0]
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


def test_conv1d_known_answer() -> None:
    # cross-correlation (no kernel flip), like PyTorch: [1, 2, 3, 4] (*) [1, 0, -1] = [-2, -2]
    out = ag.conv1d(_t([[[1.0, 2.0, 3.0, 4.0]]]), _t([[[1.0, 0.0, -1.0]]]))
    np.testing.assert_array_equal(out.data, [[[-2.0, -2.0]]])
    # padding 1 adds zeros on both sides: [0, 1, 2, 3, 4, 0] -> [-2, -2, -2, 3]
    out = ag.conv1d(_t([[[1.0, 2.0, 3.0, 4.0]]]), _t([[[1.0, 0.0, -1.0]]]), padding=1)
    np.testing.assert_array_equal(out.data, [[[-2.0, -2.0, -2.0, 3.0]]])


@pytest.mark.parametrize(
    "size, f, p, s, expected",
    [
        (7, 3, 0, 1, 5),  # the course's 7x7 input, 3x3 filter, stride 1 -> 5x5
        (7, 3, 0, 2, 3),  # ... stride 2 -> 3x3
        (32, 5, 2, 1, 32),  # 32x32x3 image, 5x5 filters, pad 2: size preserved
        (227, 11, 0, 4, 55),  # AlexNet's first layer: (227 - 11)/4 + 1
        (5, 3, 1, 2, 3),
    ],
)
def test_conv_output_size_is_the_course_formula(size, f, p, s, expected) -> None:
    assert (size - f + 2 * p) // s + 1 == expected  # (W - F + 2P)/S + 1
    x = ag.zeros((1, 3, size, size))
    w = ag.zeros((10, 3, f, f))
    assert ag.conv2d(x, w, stride=s, padding=p).shape == (1, 10, expected, expected)
    assert ag.conv1d(x[:, :, 0], w[:, :, 0], stride=s, padding=p).shape == (1, 10, expected)


POOL_CONFIGS = [
    # (x shape, kernel, stride, padding)
    ((2, 3, 6, 6), 2, None, 0),
    ((1, 2, 7, 5), 2, None, 0),  # odd sides: the last row/column is dropped (floor)
    ((2, 1, 5, 5), 3, 1, 1),
    ((1, 2, 6, 7), (2, 3), (1, 2), (1, 1)),
    ((1, 1, 4, 4), 1, 1, 0),
    ((1, 1, 5, 5), 3, 2, 0),
]


@pytest.mark.parametrize("xs, kernel, stride, padding", POOL_CONFIGS)
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pool2d_matches_naive_loops(xs, kernel, stride, padding, kind) -> None:
    x = RNG.standard_normal(xs)
    fn = ag.max_pool2d if kind == "max" else ag.avg_pool2d
    out = fn(_t(x), kernel, stride, padding)
    expected = naive_pool2d(x, kernel, stride, padding, kind)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 1, 1), (3, 2, 0)])
def test_pool1d_is_pool2d_of_height_one(kernel, stride, padding) -> None:
    x = RNG.standard_normal((2, 3, 9))
    for kind, fn in (("max", ag.max_pool1d), ("avg", ag.avg_pool1d)):
        out = fn(_t(x), kernel, stride, padding)
        s = kernel if stride is None else stride
        expected = naive_pool2d(x[:, :, None], (1, kernel), (1, s), (0, padding), kind)[:, :, 0]
        np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


def test_avg_pool_counts_padding_like_pytorch() -> None:
    # count_include_pad=True: the corner window of a padded all-ones input averages 1/4 ones
    out = ag.avg_pool2d(ag.ones((1, 1, 2, 2)), 2, 2, padding=1)
    np.testing.assert_allclose(out.data, np.full((1, 1, 2, 2), 0.25))


def test_lp_pool2d_is_the_course_l2_pooling() -> None:
    x = RNG.standard_normal((2, 3, 6, 6))
    out = ag.lp_pool2d(_t(x), 2, 2)
    windows = x.reshape(2, 3, 3, 2, 3, 2)
    expected = np.sqrt((windows**2).sum(axis=(3, 5)))  # sqrt of the sum of squares per window
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    out3 = ag.lp_pool2d(_t(np.abs(x)), 3.0, 2, stride=1)
    expected3 = (naive_pool2d(np.abs(x) ** 3, 2, 1, 0, "avg") * 4) ** (1 / 3)
    np.testing.assert_allclose(out3.data, expected3, rtol=1e-12)


def test_lp_pool_of_a_zero_window_has_zero_gradient_not_nan() -> None:
    x = _t(np.array([[[0.0, 0.0, 3.0, 4.0]]]), requires_grad=True)
    out = ag.lp_pool1d(x, 2, 2)
    np.testing.assert_allclose(out.data, [[[0.0, 5.0]]])
    out.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[[0.0, 0.0, 0.6, 0.8]]])


def test_unbatched_inputs_work_like_a_batch_of_one() -> None:
    x, w = RNG.standard_normal((2, 5, 5)), RNG.standard_normal((3, 2, 3, 3))
    np.testing.assert_allclose(
        ag.conv2d(_t(x), _t(w), padding=1).data, ag.conv2d(_t(x[None]), _t(w), padding=1).data[0]
    )
    np.testing.assert_allclose(ag.max_pool2d(_t(x), 2).data, ag.max_pool2d(_t(x[None]), 2).data[0])
    np.testing.assert_allclose(ag.avg_pool1d(_t(x[0]), 2).data, ag.avg_pool1d(_t(x[:1]), 2).data[0])


def test_any_input_layout_gives_the_same_values_and_gradients() -> None:
    # conv outputs are channel-major views; transposed, strided and read-only inputs all work
    x = RNG.standard_normal((3, 2, 6, 6))
    w = RNG.standard_normal((2, 2, 3, 3))
    layouts = [
        x,
        np.ascontiguousarray(x.transpose(1, 0, 2, 3)).transpose(1, 0, 2, 3),
        np.asfortranarray(x),
        np.pad(x, ((0, 0), (0, 0), (0, 0), (0, 5)))[..., :6],
    ]
    results = []
    for arr in layouts:
        xt, wt = _t(arr, True), _t(w, True)
        xt.data = arr  # keep the layout (tensor() may copy)
        out = ag.max_pool2d(ag.relu(ag.conv2d(xt, wt, padding=1)), 2)
        out = ag.conv2d(out, wt, padding=1)
        out.backward(np.ones(out.shape))
        results.append((out.data, xt.grad.data, wt.grad.data))
    for got in results[1:]:
        for a, b in zip(results[0], got):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# Stride-1 geometries: (x shape, weight shape, padding, dilation, groups); 1-D ones have 3-D
# shapes.
ROWS_CONFIGS = [
    ((5, 2, 6, 7), (3, 2, 3, 3), 1, 1, 1),
    ((3, 3, 5, 6), (2, 3, 3, 2), (2, 0), (1, 2), 1),  # padding beyond the span: col2im for dx
    ((4, 2, 4, 4), (4, 2, 1, 1), 0, 1, 1),
    ((3, 2, 9), (2, 2, 3), 2, 2, 1),
    ((2, 16, 5, 4), (3, 16, 3, 3), 1, (2, 1), 1),  # 16 channels: the shifted weight gradient
    ((2, 4, 5, 6), (6, 2, 3, 3), 1, 1, 2),  # grouped: the row kernels one group at a time
    ((3, 6, 4, 5), (3, 2, 3, 2), (1, 0), (1, 2), 3),
    ((2, 3, 7), (6, 1, 3), 1, 1, 3),
    ((2, 32, 4, 5), (4, 16, 3, 3), 1, 1, 2),  # 16 channels per group: shifted, per group
]


@pytest.mark.parametrize("xs, ws, padding, dilation, groups", ROWS_CONFIGS)
@pytest.mark.parametrize("block_bytes", [1, 1 << 20])  # one image per block, or all in one
def test_stride1_row_kernels_equal_the_general_im2col_forms(
    xs, ws, padding, dilation, groups, block_bytes, monkeypatch
) -> None:
    from autograd.gates import conv as C
    from autograd.gates import conv_rows

    monkeypatch.setattr(conv_rows, "_CHUNK_BYTES", block_bytes)
    monkeypatch.setattr(C, "_ROWS_MIN_GROUP_CELLS", 1)  # groups this small take the rows too
    nd = len(xs) - 2
    geo = C._Geo(nd, xs[2:], ws[2:], (1,) * nd, C._ints(padding, nd, "", "", 0),
                 C._ints(dilation, nd, "", "", 1), groups)  # fmt: skip
    assert C._by_rows(geo, xs[0], xs[1]) and C._by_rows(geo, xs[0], ws[0])
    x4, w4 = C._as4(RNG.standard_normal(xs)), C._as4(RNG.standard_normal(ws))
    b = RNG.standard_normal(ws[0])
    g4 = C._as4(RNG.standard_normal((xs[0], ws[0], *((geo.Ho,) if nd == 2 else ()), geo.Wo)))
    n, o = xs[0], ws[0]
    cols = C._im2col(x4, geo)
    fast, keep = C._conv_kernel(x4, w4, b, geo)
    assert keep.shape[0] == xs[1] and keep.ndim == 2  # the padded rows, not the im2col matrix
    general = C._cm(C._conv_cols(cols, w4.reshape(o, -1), b, geo, n))
    np.testing.assert_allclose(C._as4(fast), general, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(
        C._as4(C._conv_input_kernel(g4, w4, geo)),
        C._as4(C._conv_input_col2im(g4, w4, geo)),
        rtol=1e-12,
        atol=1e-12,
    )
    for kept in (None, keep):
        np.testing.assert_allclose(
            C._conv_weight_kernel(x4, g4, geo, kept),
            C._grouped_nt(C._gmat(g4), cols, groups),
            rtol=1e-12,
            atol=1e-12,
        )


@given(
    groups=st.integers(1, 4),
    cg=st.integers(1, 3),
    og=st.integers(1, 3),
    k=st.tuples(st.integers(1, 3), st.integers(1, 3)),
    dilation=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    size=st.tuples(st.integers(1, 3), st.integers(4, 7), st.integers(4, 7)),
    one_d=st.booleans(),
)
def test_row_kernels_equal_im2col_on_any_stride1_geometry(
    groups, cg, og, k, dilation, padding, size, one_d
) -> None:
    """Every stride-1 geometry, grouped or not: the three row kernels (forced on, whatever the
    size) give what the general im2col/col2im forms give."""
    from autograd.gates import conv as C

    n, h, w = size
    if one_d:
        h, k, dilation, padding = 1, (1, k[1]), (1, dilation[1]), (0, padding[1])
    nd = 1 if one_d else 2
    geo = C._Geo(nd, (h, w)[2 - nd :], k[2 - nd :], (1,) * nd, padding[2 - nd :],
                 dilation[2 - nd :], groups)  # fmt: skip
    assume(geo.Ho >= 1 and geo.Wo >= 1)  # (else the window does not fit: the gates refuse it)
    x4 = RNG.standard_normal((n, groups * cg, h, w))
    w4 = RNG.standard_normal((groups * og, cg, *k))
    g4 = RNG.standard_normal((n, groups * og, geo.Ho, geo.Wo))
    old = C._ROWS_MIN_GROUP_CELLS
    C._ROWS_MIN_GROUP_CELLS = 1  # (not monkeypatch: hypothesis runs this body many times)
    try:
        fast, keep = C._conv_kernel(x4, w4, None, geo)
        gx = C._conv_input_kernel(g4, w4, geo)
        gw = C._conv_weight_kernel(x4, g4, geo, keep)
    finally:
        C._ROWS_MIN_GROUP_CELLS = old
    cols = C._im2col(x4, geo)
    general = C._cm(C._conv_cols(cols, w4.reshape(groups * og, -1), None, geo, n))
    tol = {"rtol": 1e-12, "atol": 1e-12}
    np.testing.assert_allclose(C._as4(fast), general, **tol)
    np.testing.assert_allclose(C._as4(gx), C._as4(C._conv_input_col2im(g4, w4, geo)), **tol)
    np.testing.assert_allclose(gw, C._grouped_nt(C._gmat(g4), cols, groups), **tol)


@pytest.mark.parametrize("threshold", [1, 1 << 30])  # grouped by rows, and by im2col
def test_grouped_stride1_conv_and_its_transpose_have_true_gradients(threshold, monkeypatch):
    from autograd.gates import conv as C

    monkeypatch.setattr(C, "_ROWS_MIN_GROUP_CELLS", threshold)
    x, w = _t(RNG.standard_normal((2, 4, 4, 3)), True), _t(RNG.standard_normal((6, 2, 3, 3)), True)
    b = _t(RNG.standard_normal(6), True)
    wt = _t(RNG.standard_normal((4, 3, 3, 3)), True)  # transposed: (in, out/groups, kH, kW)

    def fn(x: ag.Tensor, w: ag.Tensor, b: ag.Tensor, wt: ag.Tensor) -> ag.Tensor:
        y = ag.conv2d(x, w, b, padding=1, groups=2)  # (2, 6, 4, 3)
        return ag.conv_transpose2d(x, wt, padding=1, groups=2) + y.sum(1, keepdim=True)

    assert gradcheck(fn, [x, w, b, wt])
    assert gradgradcheck(fn, [x, w, b, wt])


# --- gradients -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "xs, ws, stride, padding, dilation",
    [
        ((2, 2, 5, 4), (2, 2, 3, 2), 1, 1, 1),
        ((1, 2, 6, 6), (3, 2, 3, 3), 2, 1, 1),
        ((2, 1, 6, 5), (2, 1, 2, 2), (1, 2), (2, 0), (2, 1)),
    ],
)
def test_conv2d_gradients_first_and_second_order(xs, ws, stride, padding, dilation) -> None:
    x, w, b = _t(RNG.standard_normal(xs), True), _t(RNG.standard_normal(ws), True), None
    b = _t(RNG.standard_normal(ws[0]), True)

    def fn(x: ag.Tensor, w: ag.Tensor, b: ag.Tensor) -> ag.Tensor:
        return ag.conv2d(x, w, b, stride, padding, dilation)

    assert gradcheck(fn, [x, w, b])
    assert gradgradcheck(fn, [x, w, b])


def test_conv1d_gradients_first_and_second_order() -> None:
    x, w = _t(RNG.standard_normal((2, 2, 7)), True), _t(RNG.standard_normal((3, 2, 3)), True)

    def fn(x: ag.Tensor, w: ag.Tensor) -> ag.Tensor:
        return ag.conv1d(x, w, stride=2, padding=1, dilation=2)

    assert gradcheck(fn, [x, w])
    assert gradgradcheck(fn, [x, w])


def _distinct(shape: tuple) -> np.ndarray:
    """Values without ties, spaced far beyond a finite-difference step."""
    n = int(np.prod(shape))
    return (RNG.permutation(n) - n / 2).reshape(shape) / 8


@pytest.mark.parametrize(
    "fn",
    [
        lambda x: ag.max_pool2d(x, 2),
        lambda x: ag.max_pool2d(x, 3, 1, 1),
        lambda x: ag.max_pool1d(x.reshape(2, 2, 25), 3, 2, 1),
        lambda x: ag.avg_pool2d(x, (2, 3), (1, 2), (1, 1)),
        lambda x: ag.avg_pool1d(x.reshape(2, 2, 25), 4, 3, 2),
        lambda x: ag.lp_pool2d(x, 2, 2, stride=1),
    ],
)
def test_pool_gradients_first_and_second_order(fn) -> None:
    x = _t(_distinct((2, 2, 5, 5)), True)
    assert gradcheck(fn, [x])
    assert gradgradcheck(fn, [x])


def test_the_backward_gates_are_recorded_under_create_graph() -> None:
    x = _t(RNG.standard_normal((1, 2, 4, 4)), True)
    w = _t(RNG.standard_normal((2, 2, 3, 3)), True)
    out = ag.max_pool2d(ag.conv2d(x, w, padding=1), 2)
    (gx,) = ag.grad([(out * out).sum()], [x], create_graph=True)  # upstream depends on x
    names = set()
    stack = [gx.grad_fn]
    while stack:
        node = stack.pop()
        names.add(node.name)
        stack.extend(t.grad_fn for t in node.inputs if t.grad_fn is not None)
    assert {"conv_input_grad", "max_pool_grad", "conv2d", "max_pool2d"} <= names
    (ggx,) = ag.grad([gx.sum()], [x])  # and a second pass runs through them
    assert ggx.shape == x.shape and np.isfinite(ggx.data).all()


# --- max-pool ties -------------------------------------------------------------------------------


def test_max_pool_routes_a_tie_to_the_first_maximum() -> None:
    x = _t(np.array([[[[1.0, 1.0, 0.0, 2.0], [1.0, 1.0, 2.0, 2.0]]]]), True)
    out = ag.max_pool2d(x, 2)
    np.testing.assert_array_equal(out.data, [[[[1.0, 2.0]]]])
    out.backward(np.array([[[[10.0, 20.0]]]]))
    # row-major order inside each window: top-left first, then along the top row
    np.testing.assert_array_equal(x.grad.data, [[[[10.0, 0.0, 0.0, 20.0], [0.0, 0.0, 0.0, 0.0]]]])


def test_max_pool_ties_in_overlapping_windows_accumulate_at_each_first_maximum() -> None:
    x = _t(np.array([[[3.0, 3.0, 3.0, 1.0]]]), True)
    out = ag.max_pool1d(x, 2, stride=1)  # windows [3, 3], [3, 3], [3, 1]
    out.backward(np.array([[[1.0, 2.0, 4.0]]]))
    np.testing.assert_array_equal(x.grad.data, [[[1.0, 2.0, 4.0, 0.0]]])


def test_max_pool_never_routes_to_padding() -> None:
    x = _t(np.full((1, 1, 3, 3), -5.0), True)  # padding is -inf, so a real -5 always wins
    out = ag.max_pool2d(x, 3, 1, 1)
    np.testing.assert_array_equal(out.data, np.full((1, 1, 3, 3), -5.0))
    out.backward(np.ones(out.shape))
    assert x.grad.data.sum() == 9.0


# --- dtypes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        lambda x, w: ag.conv2d(x, w, padding=1),
        lambda x, w: ag.conv1d(x[:, :, 0], w[:, :, 0], stride=2),
        lambda x, w: ag.max_pool2d(x, 2) * w.sum(),
        lambda x, w: ag.avg_pool2d(x, 3, 1, 1) * w.sum(),
        lambda x, w: ag.lp_pool2d(x, 2, 2) * w.sum(),
    ],
)
def test_float32_stays_float32(fn) -> None:
    x = ag.tensor(RNG.standard_normal((2, 3, 6, 6)).astype(np.float32), requires_grad=True)
    w = ag.tensor(RNG.standard_normal((4, 3, 3, 3)).astype(np.float32), requires_grad=True)
    out = fn(x, w)
    assert out.dtype == np.float32
    out.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: ag.conv2d(ag.zeros((1, 3, 5, 5)), ag.zeros((2, 4, 3, 3))), ValueError,
         r"conv2d: input has 3 channels but the weight expects 4 .*\(1, 3, 5, 5\).*\(2, 4, 3, 3\)"),
        (lambda: ag.conv2d(ag.zeros((1, 1, 2, 2)), ag.zeros((1, 1, 3, 3))), ValueError,
         r"conv2d: the window \(3, 3\) is larger than the padded input \(2, 2\)"),
        (lambda: ag.conv2d(ag.zeros((1, 1, 4, 4)), ag.zeros((1, 1, 3, 3)), dilation=2), ValueError,
         r"conv2d: the window \(5, 5\) is larger than the padded input \(4, 4\)"),
        (lambda: ag.conv1d(ag.zeros((1, 2, 4)), ag.zeros((1, 2, 3)), stride=0), ValueError,
         r"conv1d: stride must be positive, got 0"),
        (lambda: ag.conv2d(ag.zeros((1, 1, 4, 4)), ag.zeros((1, 1, 3, 3)), padding=-1), ValueError,
         r"conv2d: padding must be non-negative"),
        (lambda: ag.conv2d(ag.zeros((1, 1, 4, 4)), ag.zeros((1, 1, 3, 3)), stride=(1, 2, 3)),
         ValueError, r"conv2d: stride must be an int or 2 ints"),
        (lambda: ag.conv2d(ag.zeros((4, 4)), ag.zeros((1, 1, 3, 3))), ValueError,
         r"conv2d: expects a 4-D input \(N, C, H, W\), got shape \(4, 4\)"),
        (lambda: ag.conv1d(ag.zeros((1, 1, 4)), ag.zeros((1, 1, 3, 3))), ValueError,
         r"conv1d: expects a 3-D weight .*got shape \(1, 1, 3, 3\)"),
        (lambda: ag.conv2d(ag.zeros((1, 1, 4, 4)), ag.zeros((2, 1, 3, 3)), ag.zeros(3)),
         ValueError, r"conv2d: bias must have shape \(2,\).*got \(3,\)"),
        (lambda: ag.conv2d(ag.zeros((1, 1, 4, 4)), ag.zeros((1, 1, 3, 3), dtype="float64")),
         TypeError, r"conv2d: input dtype float32 and weight dtype float64 differ"),
        (lambda: ag.max_pool2d(ag.zeros((1, 1, 3, 3)), 4), ValueError,
         r"max_pool2d: the window \(4, 4\) is larger than the padded input \(3, 3\)"),
        (lambda: ag.max_pool2d(ag.zeros((1, 1, 6, 6)), 2, padding=2), ValueError,
         r"max_pool2d: padding 2 must be at most half the kernel size 2"),
        (lambda: ag.avg_pool1d(ag.zeros((1, 1, 6)), 0), ValueError,
         r"avg_pool1d: kernel_size must be positive"),
        (lambda: ag.avg_pool2d(ag.zeros((6, 6)), 2), ValueError,
         r"avg_pool2d: expects a 4-D input \(N, C, H, W\), got shape \(6, 6\)"),
        (lambda: ag.max_pool1d(ag.tensor(np.zeros((1, 1, 4), dtype=np.int64)), 2), TypeError,
         r"max_pool1d: expects a floating-point input, got dtype int64"),
        (lambda: ag.lp_pool2d(ag.zeros((1, 1, 4, 4)), 0, 2), ValueError,
         r"lp_pool2d: norm_type must be positive"),
    ],
)  # fmt: skip
def test_bad_input_raises_a_clear_error(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()
