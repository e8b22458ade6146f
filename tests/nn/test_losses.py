"""Losses: worked examples, PyTorch's formulas written out in NumPy, extreme inputs, gradchecks
and error messages."""

import math

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.gradcheck import gradcheck

# The course's three training images scored over (cat, car, frog); correct: cat, car, frog.
SCORES = [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]]
LABELS = [0, 1, 2]


def _np_log_softmax(x: np.ndarray, axis: int = 1) -> np.ndarray:
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def _f64(x, requires_grad=True):
    return ag.tensor(np.asarray(x, dtype=np.float64), requires_grad=requires_grad)


# --- hinge losses ------------------------------------------------------------------------------


def test_svm_loss_reproduces_the_course_example():
    s = ag.tensor(SCORES)
    # cat: max(0, 5.1-3.2+1) + max(0, -1.7-3.2+1) = 2.9 + 0
    # car: max(0, 1.3-4.9+1) + max(0, 2.0-4.9+1) = 0 + 0
    # frog: max(0, 2.2+3.1+1) + max(0, 2.5+3.1+1) = 6.3 + 6.6 = 12.9
    np.testing.assert_allclose(
        F.svm_loss(s, LABELS, reduction="none").data, [2.9, 0.0, 12.9], rtol=1e-5
    )
    assert F.svm_loss(s, LABELS).item() == pytest.approx(15.8 / 3, rel=1e-5)
    assert F.svm_loss(s, LABELS, reduction="sum").item() == pytest.approx(15.8, rel=1e-5)
    assert nn.SVMLoss()(s, LABELS).item() == pytest.approx(15.8 / 3, rel=1e-5)
    # delta scales the margin: with delta = 0 only strictly better wrong classes count
    np.testing.assert_allclose(
        F.svm_loss(s, LABELS, delta=0.0, reduction="none").data, [1.9, 0, 10.9], rtol=1e-5
    )


def test_svm_loss_gradient_counts_the_violating_classes():
    s = ag.tensor(SCORES, requires_grad=True)
    F.svm_loss(s, LABELS, reduction="sum").backward()
    # cat row: car violates (+1), correct class gets -1; frog row: both violate, correct gets -2
    np.testing.assert_array_equal(s.grad.data, [[-1, 1, 0], [0, 0, 0], [1, 1, -2]])


def test_multi_margin_loss_is_pytorchs_hinge_divided_by_the_class_count():
    s = ag.tensor(SCORES)
    np.testing.assert_allclose(
        F.multi_margin_loss(s, LABELS, reduction="none").data, [2.9 / 3, 0, 12.9 / 3], rtol=1e-5
    )
    # p = 2 and a class weight (applied after the power, as PyTorch does)
    w = ag.tensor([2.0, 1.0, 0.5])
    got = F.multi_margin_loss(s, LABELS, p=2, margin=0.5, weight=w, reduction="none").data
    expected = [
        2.0 * (max(0, 0.5 - 3.2 + 5.1) ** 2 + max(0, 0.5 - 3.2 - 1.7) ** 2) / 3,
        1.0 * (max(0, 0.5 - 4.9 + 1.3) ** 2 + max(0, 0.5 - 4.9 + 2.0) ** 2) / 3,
        0.5 * (max(0, 0.5 + 3.1 + 2.2) ** 2 + max(0, 0.5 + 3.1 + 2.5) ** 2) / 3,
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert nn.MultiMarginLoss()(s, LABELS).item() == pytest.approx(15.8 / 9, rel=1e-5)
    unbatched = F.multi_margin_loss(ag.tensor(SCORES[2]), 2)
    assert unbatched.item() == pytest.approx(4.3, rel=1e-5)


# --- cross-entropy and nll ---------------------------------------------------------------------


def test_cross_entropy_worked_example_matches_the_course():
    # softmax of the cat image: p(cat) = e^3.2 / (e^3.2 + e^5.1 + e^-1.7) = 0.13; loss = 2.04
    loss = F.cross_entropy(ag.tensor([SCORES[0]]), [0])
    expected = -(3.2 - math.log(math.exp(3.2) + math.exp(5.1) + math.exp(-1.7)))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert loss.item() == pytest.approx(2.04, abs=0.005)
    # uniform logits: ln C
    assert F.cross_entropy(ag.zeros(4, 10), [1, 2, 3, 4]).item() == pytest.approx(math.log(10))


def test_cross_entropy_equals_nll_of_log_softmax_in_value_and_gradient():
    rng = np.random.default_rng(0)
    x1 = _f64(rng.standard_normal((5, 4)))
    x2 = _f64(x1.data.copy())
    y = rng.integers(0, 4, 5)
    a = F.cross_entropy(x1, y)
    b = F.nll_loss(F.log_softmax(x2, dim=1), y)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)
    a.backward()
    b.backward()
    np.testing.assert_allclose(x1.grad.data, x2.grad.data, rtol=1e-10)
    # and the known gradient: (softmax - one_hot) / N
    p = np.exp(_np_log_softmax(x1.data))
    np.testing.assert_allclose(x1.grad.data, (p - np.eye(4)[y]) / 5, rtol=1e-10)


def test_ignore_index_is_excluded_from_the_mean():
    x = ag.tensor([[2.0, 0.0, 1.0], [0.5, 0.5, 3.0], [1.0, 1.0, 1.0]], requires_grad=True)
    y = np.array([0, -100, 2])
    loss = F.cross_entropy(x, y)
    lp = _np_log_softmax(x.data.astype(np.float64))
    assert loss.item() == pytest.approx(-(lp[0, 0] + lp[2, 2]) / 2, rel=1e-6)
    loss.backward()
    np.testing.assert_array_equal(x.grad.data[1], 0)
    custom = F.cross_entropy(x, [0, 7, 2], ignore_index=7)
    assert custom.item() == pytest.approx(loss.item())
    none = F.cross_entropy(x, y, reduction="none").data
    assert none[1] == 0 and none[0] == pytest.approx(-lp[0, 0], rel=1e-6)
    # every target ignored: 0 / 0, nan like PyTorch
    assert math.isnan(F.cross_entropy(x, [-100, -100, -100]).item())


def test_class_weights_give_a_weighted_mean():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((6, 3))
    y = np.array([0, 1, 2, 2, 1, 0])
    w = np.array([1.0, 2.0, 0.5])
    lp = _np_log_softmax(x)
    picked = -lp[np.arange(6), y] * w[y]
    got = F.cross_entropy(_f64(x), y, weight=ag.tensor(w))
    assert got.item() == pytest.approx(picked.sum() / w[y].sum(), rel=1e-12)
    got_sum = F.nll_loss(_f64(lp), y, weight=w, reduction="sum")
    assert got_sum.item() == pytest.approx(picked.sum(), rel=1e-12)


def test_label_smoothing_matches_the_formula():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, -100, 2])
    eps, c = 0.1, 4
    lp = _np_log_softmax(x)
    valid = y != -100
    # target distribution (1 - eps) one_hot + eps / C, averaged over the non-ignored rows
    q = (1 - eps) * np.eye(c)[np.where(valid, y, 0)] + eps / c
    per_row = -(q * lp).sum(1) * valid
    got = F.cross_entropy(_f64(x), y, label_smoothing=eps)
    assert got.item() == pytest.approx(per_row.sum() / valid.sum(), rel=1e-12)
    none = F.cross_entropy(_f64(x), y, label_smoothing=eps, reduction="none")
    np.testing.assert_allclose(none.data, per_row, rtol=1e-12)
    # with weights, PyTorch's definition: (1-eps) weighted nll + eps/C * sum_c w_c (-lp_c),
    # both divided by the summed target weights
    w = np.array([0.5, 1.0, 2.0, 1.5])
    wy = w[np.where(valid, y, 0)] * valid
    nll = -(lp[np.arange(5), np.where(valid, y, 0)] * wy).sum()
    smooth = (-(lp * w).sum(1) * valid).sum()
    expected = ((1 - eps) * nll + eps / c * smooth) / wy.sum()
    got = F.cross_entropy(_f64(x), y, weight=w, label_smoothing=eps)
    assert got.item() == pytest.approx(expected, rel=1e-12)


def test_probability_targets_match_soft_cross_entropy():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 3))
    q = rng.random((4, 3))
    q /= q.sum(1, keepdims=True)
    lp = _np_log_softmax(x)
    got = F.cross_entropy(_f64(x), q)
    assert got.item() == pytest.approx(-(q * lp).sum(1).mean(), rel=1e-12)
    eps = 0.2
    qs = q * (1 - eps) + eps / 3
    got = F.cross_entropy(_f64(x), q, label_smoothing=eps, reduction="sum")
    assert got.item() == pytest.approx(-(qs * lp).sum(), rel=1e-12)
    # one-hot probabilities agree with class indices
    y = np.array([2, 0, 1, 1])
    hard = F.cross_entropy(_f64(x), np.eye(3)[y])
    assert hard.item() == pytest.approx(F.cross_entropy(_f64(x), y).item(), rel=1e-12)


def test_spatial_inputs_n_c_d_match_the_flattened_computation():
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3, 4, 5))
    y = rng.integers(0, 3, (2, 4, 5))
    y[0, 1, 2] = -100
    flat_x = x.transpose(0, 2, 3, 1).reshape(-1, 3)
    flat_y = y.reshape(-1)
    a = F.cross_entropy(_f64(x), y, label_smoothing=0.05)
    b = F.cross_entropy(_f64(flat_x), flat_y, label_smoothing=0.05)
    assert a.item() == pytest.approx(b.item(), rel=1e-12)
    none = F.cross_entropy(_f64(x), y, reduction="none")
    assert none.shape == (2, 4, 5)
    np.testing.assert_allclose(
        none.data.reshape(-1), F.cross_entropy(_f64(flat_x), flat_y, reduction="none").data
    )


def test_unbatched_input_takes_a_scalar_target():
    x = ag.tensor(SCORES[0])
    assert F.cross_entropy(x, 0).item() == pytest.approx(F.cross_entropy(x[None], [0]).item())
    assert F.cross_entropy(x, 0, reduction="none").shape == ()


def test_logits_of_magnitude_1e4_give_exact_finite_losses_and_gradients():
    x = ag.tensor([[1e4, 0.0, -1e4], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, [2, 1], reduction="none")
    np.testing.assert_allclose(loss.data, [2e4, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1, 0, -1], [0, 0, 0]], atol=1e-7)
    z = ag.tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    t = ag.tensor([1.0, 0.0, 0.0, 1.0])
    bce = F.binary_cross_entropy_with_logits(z, t, reduction="none")
    np.testing.assert_allclose(bce.data, [0, 0, 1e4, 1e4])
    bce.sum().backward()
    np.testing.assert_allclose(z.grad.data, [0, 0, 1, -1])
    for fn in (F.svm_loss, F.multi_margin_loss):
        s = ag.tensor([[1e4, -1e4, 0.0]], requires_grad=True)
        out = fn(s, [1])
        out.backward()
        assert np.isfinite(out.item()) and np.all(np.isfinite(s.grad.data))


# --- binary losses -----------------------------------------------------------------------------


def test_binary_cross_entropy_is_finite_at_exactly_zero_and_one():
    p = ag.tensor([0.0, 1.0, 0.0, 1.0, 0.25], requires_grad=True)
    t = ag.tensor([0.0, 1.0, 1.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, t, reduction="none")
    # right answers cost 0; confidently wrong ones cost 100 (the log is clamped at -100)
    np.testing.assert_allclose(loss.data, [0, 0, 100, 100, -math.log(0.25)], rtol=1e-6)
    loss.sum().backward()
    assert np.all(np.isfinite(p.grad.data))
    assert p.grad.data[4] == pytest.approx(-1 / 0.25)
    assert nn.BCELoss()(p, t).item() == pytest.approx(loss.data.mean(), rel=1e-6)
    with pytest.raises(ValueError, match=r"binary_cross_entropy: input must hold probabilities"):
        F.binary_cross_entropy(ag.tensor([1.5]), ag.tensor([1.0]))


def test_bce_with_logits_equals_bce_of_sigmoid_and_pos_weight_formula():
    rng = np.random.default_rng(5)
    x = rng.standard_normal(6) * 3
    t = rng.random(6)
    s = 1 / (1 + np.exp(-x))
    ref = -(t * np.log(s) + (1 - t) * np.log(1 - s))
    got = F.binary_cross_entropy_with_logits(_f64(x), _f64(t, False), reduction="none")
    np.testing.assert_allclose(got.data, ref, rtol=1e-10)
    via_probs = F.binary_cross_entropy(ag.sigmoid(_f64(x)), _f64(t, False), reduction="none")
    np.testing.assert_allclose(via_probs.data, ref, rtol=1e-8)
    pw = np.full(6, 3.0)
    ref_pw = -(3.0 * t * np.log(s) + (1 - t) * np.log(1 - s))
    got = F.binary_cross_entropy_with_logits(_f64(x), t, reduction="none", pos_weight=pw)
    np.testing.assert_allclose(got.data, ref_pw, rtol=1e-10)
    mod = nn.BCEWithLogitsLoss(pos_weight=ag.tensor(pw))
    assert mod(_f64(x), t).item() == pytest.approx(ref_pw.mean(), rel=1e-10)


# --- regression and divergence -----------------------------------------------------------------


def test_mse_and_l1_values_reductions_and_shape_check():
    x = ag.tensor([1.0, 2.0, 4.0])
    t = ag.tensor([1.0, 0.0, 1.0])
    assert F.mse_loss(x, t).item() == pytest.approx(13 / 3)
    assert F.mse_loss(x, t, reduction="sum").item() == pytest.approx(13)
    np.testing.assert_allclose(F.l1_loss(x, t, reduction="none").data, [0, 2, 3])
    assert nn.L1Loss()(x, t).item() == pytest.approx(5 / 3)
    assert nn.MSELoss(reduction="sum")(x, t).item() == pytest.approx(13)
    with pytest.raises(
        ValueError, match=r"mse_loss: input of shape \(3, 1\) and target of shape \(3,\)"
    ):
        F.mse_loss(x.reshape((3, 1)), t)


def test_kl_div_pytorch_semantics():
    p = np.array([[0.5, 0.5, 0.0], [0.1, 0.2, 0.7]])  # a zero in the target contributes 0
    q = np.array([[0.25, 0.25, 0.5], [0.3, 0.3, 0.4]])
    kl = np.array([[0.5 * math.log(2), 0.5 * math.log(2), 0.0], (p[1] * np.log(p[1] / q[1]))])
    logq = _f64(np.log(q))
    np.testing.assert_allclose(F.kl_div(logq, p, reduction="none").data, kl, rtol=1e-12)
    assert F.kl_div(logq, p, reduction="batchmean").item() == pytest.approx(kl.sum() / 2)
    assert F.kl_div(logq, p, reduction="mean").item() == pytest.approx(kl.sum() / 6)
    assert F.kl_div(logq, p, reduction="sum").item() == pytest.approx(kl.sum())
    with np.errstate(divide="ignore"):
        logp = np.log(p)
    logp[0, 2] = -1e30  # a (nearly) zero target probability given in log space
    got = F.kl_div(logq, logp, reduction="batchmean", log_target=True)
    assert got.item() == pytest.approx(kl.sum() / 2, rel=1e-12)
    assert nn.KLDivLoss(reduction="batchmean")(logq, p).item() == pytest.approx(kl.sum() / 2)


def test_l2_penalty_is_lambda_times_the_sum_of_squares():
    a = ag.tensor([[1.0, 2.0]], requires_grad=True)
    b = ag.tensor([3.0], requires_grad=True)
    pen = F.l2_penalty([a, b], 0.1)
    assert pen.item() == pytest.approx(0.1 * 14)
    pen.backward()
    np.testing.assert_allclose(a.grad.data, [[0.2, 0.4]])
    with pytest.raises(ValueError, match="l2_penalty: no tensors"):
        F.l2_penalty([], 0.1)


# --- gradients ---------------------------------------------------------------------------------

_rng = np.random.default_rng(7)
_X = _rng.standard_normal((3, 4))
_Y = np.array([1, 0, 3])
_P = _rng.random((3, 4)) * 0.8 + 0.1
_T = _rng.random((3, 4))
_Q = np.exp(_np_log_softmax(_rng.standard_normal((3, 4))))

GRAD_CASES = {
    "cross_entropy": lambda x: F.cross_entropy(x, _Y),
    "cross_entropy_smooth_weight_ignore": lambda x: F.cross_entropy(
        x, [1, -100, 3], weight=np.array([1.0, 2.0, 0.5, 1.5]), label_smoothing=0.2
    ),
    "cross_entropy_probs": lambda x: F.cross_entropy(x, _Q, reduction="sum"),
    "cross_entropy_spatial": lambda x: F.cross_entropy(x.reshape((3, 2, 2)), np.array([[0, 1], [1, 1], [0, 0]])),
    "nll_loss": lambda x: F.nll_loss(x, _Y, reduction="none"),
    "multi_margin_loss_p2": lambda x: F.multi_margin_loss(x, _Y, p=2, margin=2.0),
    "svm_loss": lambda x: F.svm_loss(x, _Y, delta=5.0),
    "bce": lambda x: F.binary_cross_entropy(ag.sigmoid(x), _T),
    "bce_with_logits": lambda x: F.binary_cross_entropy_with_logits(x, _T, pos_weight=np.full(4, 2.0)),
    "mse_loss": lambda x: F.mse_loss(x, _T),
    "l1_loss": lambda x: F.l1_loss(x, _T, reduction="sum"),
    "kl_div": lambda x: F.kl_div(F.log_softmax(x, 1), _Q, reduction="batchmean"),
    "kl_div_log_target": lambda x: F.kl_div(x, F.log_softmax(x * 0.5, 1), log_target=True),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_every_loss_passes_gradcheck_in_float64(name):
    x = _f64(_X + 0.05)  # away from hinge and |.| kinks
    assert gradcheck(GRAD_CASES[name], [x])


def test_probability_targets_receive_gradients_too():
    x = _f64(_X)
    q = _f64(_Q)
    assert gradcheck(lambda x, q: F.cross_entropy(x, q), [x, q])
    p = _f64(_P)
    t = _f64(_T)
    assert gradcheck(lambda p, t: F.binary_cross_entropy(p, t), [p, t])
    assert gradcheck(lambda q: F.kl_div(_f64(_X, False), q), [q])


# --- errors ------------------------------------------------------------------------------------


def test_bad_targets_raise_errors_naming_the_function_and_shapes():
    x = ag.randn(3, 5)
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: target of shape \(3, 2\) does not fit input of shape \(3, 5\)",
    ):
        F.cross_entropy(x, np.zeros((3, 2), dtype=np.int64))
    with pytest.raises(
        ValueError,
        match=r"cross_entropy: target of shape \(3, 2\).*probabilities of shape \(3, 5\)",
    ):
        F.cross_entropy(x, np.zeros((3, 2)))
    with pytest.raises(
        IndexError,
        match=r"cross_entropy: class index 5 is out of range for 5 classes \(input shape \(3, 5\), target shape \(3,\)\)",
    ):
        F.cross_entropy(x, [0, 5, 1])
    with pytest.raises(IndexError, match="nll_loss: class index -1 is out of range"):
        F.nll_loss(x, [0, -1, 1])
    with pytest.raises(
        TypeError, match=r"svm_loss: target must hold integer class indices.*dtype bool"
    ):
        F.svm_loss(x, np.array([True, False, True]))
    with pytest.raises(
        ValueError, match="reduction must be one of 'mean', 'sum', 'none', got 'avg'"
    ):
        F.cross_entropy(x, [0, 1, 2], reduction="avg")
    with pytest.raises(ValueError, match=r"cross_entropy: weight must have shape \(5,\)"):
        F.cross_entropy(x, [0, 1, 2], weight=np.ones(4))
    with pytest.raises(ValueError, match="multi_margin_loss: only p = 1 and p = 2"):
        F.multi_margin_loss(x, [0, 1, 2], p=3)


def test_bce_gradient_at_exact_zero_and_one_is_finite_and_correctly_signed():
    # PyTorch's values: loss 100 per fully wrong element, gradient (p - y) / max(p (1 - p), 1e-12)
    p = ag.tensor(np.array([0.0, 1.0, 0.0]), requires_grad=True)
    y = ag.tensor(np.array([1.0, 0.0, 0.3]))
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.data[:2], [100.0, 100.0])
    loss.sum().backward()
    np.testing.assert_allclose(p.grad.data, [-1e12, 1e12, -3e11], rtol=1e-9)


@pytest.mark.parametrize("shift", [1.0, 1e3, -1e4])
def test_adding_a_constant_to_all_logits_changes_no_cross_entropy_gradient(shift):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((5, 4))
    y = ag.tensor(rng.integers(0, 4, 5))
    grads = []
    for s in (0.0, shift):
        x = ag.tensor(base + s, requires_grad=True)
        F.cross_entropy(x, y, label_smoothing=0.1).backward()
        grads.append(x.grad.data)
    np.testing.assert_allclose(grads[0], grads[1], atol=1e-9)
