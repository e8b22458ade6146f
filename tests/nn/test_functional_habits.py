"""PyTorch habits in nn.functional and its layers: softmax's implicit dim (with PyTorch's
deprecation warning) and ``dtype=``, dropout's ``inplace=``, and the losses and small
activations PyTorch users reach for (smooth L1, Huber, ranking, embedding, Poisson and Gaussian
NLL; Softmin, GLU, Threshold, the shrinks). Expected values are worked out by hand; the parity
tests at the end (marked ``torch``) run only with ``-m torch``."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F
from autograd.gradcheck import gradcheck

LN2, LN3 = math.log(2.0), math.log(3.0)


def f64(a, requires_grad: bool = True) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def reductions(none: list[float]) -> dict[str, object]:
    """The three reductions of one 'none' result: {'none': [...], 'sum': s, 'mean': s / n}."""
    return {"none": none, "sum": sum(none), "mean": sum(none) / len(none)}


def check_reductions(loss, expected_none: list[float], rel: float = 1e-12) -> None:
    """``loss(reduction)`` gives the hand-computed values under every reduction."""
    for reduction, expected in reductions(expected_none).items():
        got = loss(reduction)
        np.testing.assert_allclose(got.data, expected, rtol=rel, atol=1e-15, err_msg=reduction)


# --- softmax: PyTorch's implicit dim, its warning, dtype= --------------------------------------

SOFTMAX_FAMILY = [
    ("softmax", F.softmax, nn.Softmax, lambda x, d: ag.softmax(x, d)),
    ("log_softmax", F.log_softmax, nn.LogSoftmax, lambda x, d: ag.log_softmax(x, d)),
    ("softmin", F.softmin, nn.Softmin, lambda x, d: ag.softmax(-x, d)),
]
IMPLICIT_DIM = [((3,), 0), ((2, 3), 1), ((2, 3, 4), 0), ((2, 3, 4, 5), 1), ((2, 2, 2, 2, 2), 1)]


@pytest.mark.parametrize(("shape", "dim"), IMPLICIT_DIM, ids=str)
@pytest.mark.parametrize(
    ("name", "fn", "layer", "explicit"), SOFTMAX_FAMILY, ids=[f[0] for f in SOFTMAX_FAMILY]
)
def test_softmax_without_dim_takes_pytorchs_implicit_dim_and_warns(
    shape, dim, name, fn, layer, explicit
):
    x = ag.tensor(np.random.default_rng(0).standard_normal(shape))
    expected = explicit(x, dim).data
    message = f"Implicit dimension choice for {name} has been deprecated"
    with pytest.warns(UserWarning, match=message) as caught:
        out = fn(x)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert caught[0].filename == __file__  # the warning names the caller's line
    with pytest.warns(UserWarning, match=message) as caught:
        out = layer()(x)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert caught[0].filename == __file__


def test_4d_segmentation_scores_are_normalised_over_channels_not_width():
    # channel 0 holds 0, channel 1 holds ln 3: over channels every pixel is (1/4, 3/4)
    x = np.zeros((2, 2, 3, 5))
    x[:, 1] = LN3
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        p = nn.Softmax()(ag.tensor(x)).data
    np.testing.assert_allclose(p[:, 0], 0.25, rtol=1e-12)
    np.testing.assert_allclose(p[:, 1], 0.75, rtol=1e-12)
    with pytest.warns(UserWarning, match="Implicit dimension choice for log_softmax"):
        lp = F.log_softmax(ag.tensor(x)).data
    np.testing.assert_allclose(lp[:, 1], math.log(0.75), rtol=1e-12)


def test_softmax_of_a_scalar_is_one_and_an_explicit_dim_does_not_warn():
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        assert F.softmax(ag.tensor(3.0)).item() == 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert F.log_softmax(ag.tensor(3.0), 0).item() == 0.0
        np.testing.assert_allclose(F.softmax(ag.tensor([0.0, LN3]), 0).data, [0.25, 0.75])
        np.testing.assert_allclose(nn.Softmin(dim=-1)(ag.tensor([0.0, LN3])).data, [0.75, 0.25])
        assert repr(nn.Softmax()) == "Softmax(dim=None)" and repr(nn.Softmin(1)) == "Softmin(dim=1)"


def test_softmax_dtype_casts_the_input_first():
    x = ag.tensor(np.array([0.0, LN3], dtype=np.float16), requires_grad=True)
    p = F.softmax(x, 0, dtype="float32")
    assert p.dtype == np.float32
    np.testing.assert_allclose(p.data, [0.25, 0.75], rtol=1e-3)  # ln 3 rounded to float16
    p[1].backward()
    assert x.grad.dtype == np.float16  # the gradient arrives in the leaf's dtype
    logp = F.log_softmax(ag.tensor([1, 1]), 0, dtype=np.float64)  # integers: cast, then softmax
    assert logp.dtype == np.float64
    np.testing.assert_allclose(logp.data, [-LN2, -LN2], rtol=1e-15)
    assert F.softmin(ag.tensor([1, 1]), 0, dtype="float64").dtype == np.float64


def test_softmin_gradcheck():
    x = f64(np.random.default_rng(1).standard_normal((3, 4)))
    assert gradcheck(lambda t: F.softmin(t, 1), [x])
    assert gradcheck(lambda t: F.softmax(t, 0, dtype="float64"), [x])


# --- dropout: inplace= accepted, computed out of place -----------------------------------------


def test_dropout_accepts_inplace_and_computes_out_of_place():
    x = ag.ones(4, 5)
    drop = nn.Dropout(0.5, inplace=True, generator=3)
    assert drop.inplace and repr(drop) == "Dropout(p=0.5, inplace=True)"
    y = drop(x)
    np.testing.assert_array_equal(y.data, nn.Dropout(0.5, generator=3)(x).data)
    assert y is not x and np.all(x.data == 1)  # the input is untouched
    assert set(np.unique(y.data)) <= {0.0, 2.0}
    assert nn.Dropout(0.5, True).inplace  # PyTorch's positional order: Dropout(p, inplace)
    drop.eval()
    assert drop(x) is x


def test_functional_dropout_accepts_inplace_by_keyword_and_in_pytorchs_position():
    x = ag.ones(4, 5)
    expected = F.dropout(x, 0.25, True, ag.Generator(7)).data
    np.testing.assert_array_equal(
        F.dropout(x, 0.25, True, ag.Generator(7), inplace=True).data, expected
    )
    ag.manual_seed(5)
    by_position = F.dropout(x, 0.25, True, True).data  # F.dropout(input, p, training, inplace)
    ag.manual_seed(5)
    np.testing.assert_array_equal(by_position, F.dropout(x, 0.25, True).data)
    assert np.all(x.data == 1)
    assert F.dropout(x, 0.25, False, inplace=True) is x


# --- regression losses -------------------------------------------------------------------------

D = [0.0, 0.5, 2.0, -3.0]  # input - target; the target is 0


def test_smooth_l1_loss_values_for_every_reduction_and_beta():
    x, zero = f64(D), f64([0.0] * 4, False)
    # beta 1: 0.5 d^2 below 1, |d| - 0.5 above
    check_reductions(lambda r: F.smooth_l1_loss(x, zero, r), [0.0, 0.125, 1.5, 2.5])
    # beta 2: d^2 / 4 below 2, |d| - 1 from 2 on (2 itself is on the linear side)
    check_reductions(lambda r: F.smooth_l1_loss(x, zero, r, beta=2.0), [0.0, 0.0625, 1.0, 2.0])
    # beta 0: l1
    check_reductions(lambda r: F.smooth_l1_loss(x, zero, r, beta=0.0), [0.0, 0.5, 2.0, 3.0])
    for r in ("none", "sum", "mean"):
        np.testing.assert_allclose(
            nn.SmoothL1Loss(r, beta=2.0)(x, zero).data, F.smooth_l1_loss(x, zero, r, 2.0).data
        )


@pytest.mark.parametrize(
    ("beta", "grad"),
    [(1.0, [0.0, 0.5, 1.0, -1.0]), (2.0, [0.0, 0.25, 1.0, -1.0]), (0.0, [0.0, 1.0, 1.0, -1.0])],
)
def test_smooth_l1_gradient_is_d_over_beta_then_the_sign_and_0_at_0(beta, grad):
    x = f64(D)
    F.smooth_l1_loss(x, f64([0.0] * 4, False), "sum", beta).backward()
    np.testing.assert_allclose(x.grad.data, grad, rtol=1e-15)  # at |d| = beta both sides agree


def test_huber_loss_values_weights_and_gradient():
    x, zero = f64(D), f64([0.0] * 4, False)
    check_reductions(lambda r: F.huber_loss(x, zero, r), [0.0, 0.125, 1.5, 2.5])
    # delta 2: 0.5 d^2 below 2, 2 (|d| - 1) from 2 on: delta * smooth_l1(beta=delta)
    check_reductions(lambda r: F.huber_loss(x, zero, r, delta=2.0), [0.0, 0.125, 2.0, 4.0])
    w = f64([1.0, 2.0, 3.0, 4.0], False)
    check_reductions(lambda r: F.huber_loss(x, zero, r, weight=w), [0.0, 0.25, 4.5, 10.0])
    F.huber_loss(x, zero, "sum", delta=2.0).backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.5, 2.0, -2.0], rtol=1e-15)
    assert nn.HuberLoss("sum", delta=2.0)(x, zero).item() == 6.125


def test_poisson_nll_loss_values_for_log_and_rate_input_and_full():
    t = f64([1.0, 3.0], False)
    # log_input: e^x - t x at x = [0, ln 2]
    log_rate = f64([0.0, LN2])
    check_reductions(lambda r: F.poisson_nll_loss(log_rate, t, reduction=r), [1.0, 2 - 3 * LN2])
    # rates: x - t ln(x + eps) at x = [1, 2]: the same numbers when eps = 0
    rate = f64([1.0, 2.0])
    eps = 1e-8  # the default
    check_reductions(
        lambda r: F.poisson_nll_loss(rate, t, log_input=False, reduction=r),
        [1 - math.log(1 + eps), 2 - 3 * math.log(2 + eps)],
    )
    check_reductions(
        lambda r: F.poisson_nll_loss(rate, t, log_input=False, eps=0.0, reduction=r),
        [1.0, 2 - 3 * LN2],
    )
    # full: + t ln t - t + 0.5 ln(2 pi t) where t > 1 (nothing for t = 1)
    stirling = 3 * LN3 - 3 + 0.5 * math.log(6 * math.pi)
    check_reductions(
        lambda r: F.poisson_nll_loss(log_rate, t, full=True, reduction=r),
        [1.0, 2 - 3 * LN2 + stirling],
    )
    F.poisson_nll_loss(log_rate, t, reduction="sum").backward()
    np.testing.assert_allclose(log_rate.grad.data, [0.0, -1.0], atol=1e-15)  # e^x - t
    F.poisson_nll_loss(rate, t, False, eps=0.0, reduction="sum").backward()
    np.testing.assert_allclose(rate.grad.data, [0.0, -0.5], atol=1e-15)  # 1 - t / x
    counts = ag.tensor([0, 1, 4])  # integer counts, zeros included: finite with full
    out = nn.PoissonNLLLoss(full=True)(f64([0.0, 0.0, 0.0]), counts)
    assert np.isfinite(out.item())


def test_gaussian_nll_loss_values_var_shapes_and_clamp():
    x, t = f64([1.0, 2.0]), f64([0.0, 0.0], False)
    var = f64([2.0, 4.0])
    # 0.5 (ln var + d^2 / var): 0.5 (ln 2 + 1/2), 0.5 (ln 4 + 1)
    expected = [0.5 * (LN2 + 0.5), 0.5 * (2 * LN2 + 1.0)]
    check_reductions(lambda r: F.gaussian_nll_loss(x, t, var, reduction=r), expected)
    half_ln_2pi = 0.5 * math.log(2 * math.pi)
    check_reductions(
        lambda r: F.gaussian_nll_loss(x, t, var, full=True, reduction=r),
        [v + half_ln_2pi for v in expected],
    )
    F.gaussian_nll_loss(x, t, var, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [0.5, 0.5], rtol=1e-15)  # d / var
    np.testing.assert_allclose(var.grad.data, [0.125, 0.0], atol=1e-15)  # (1/var - d^2/var^2) / 2
    # one variance per row: var (N,) or (N, 1) for input (N, D); a number for everything
    x2, t2 = f64([[1.0, 2.0], [3.0, 4.0]]), f64([[0.0, 0.0], [0.0, 0.0]], False)
    row = 0.5 * (LN2 + np.array([[1.0, 4.0], [9.0, 16.0]]) / 2.0)
    for v in (f64([2.0, 2.0]), f64([[2.0], [2.0]]), f64([[2.0, 2.0]]), 2.0):
        np.testing.assert_allclose(F.gaussian_nll_loss(x2, t2, v, reduction="none").data, row)
    # a variance below eps counts as eps, and its gradient passes as if unclamped (PyTorch's)
    x0, v0 = f64([1.0]), f64([0.0])
    loss = nn.GaussianNLLLoss(eps=0.01)(x0, f64([0.0], False), v0)
    assert loss.item() == pytest.approx(0.5 * (math.log(0.01) + 100.0), rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(v0.grad.data, [0.5 * (100.0 - 10000.0)], rtol=1e-12)


# --- ranking and embedding losses --------------------------------------------------------------


def test_margin_ranking_loss_values_and_the_kink():
    x1, x2 = f64([1.0, 2.0, 1.0]), f64([2.0, 2.0, 2.0])
    y = f64([1.0, -1.0, -1.0], False)
    # max(0, -y (x1 - x2) + 0.5): 1 + 0.5, 0 + 0.5, max(0, -1 + 0.5)
    check_reductions(lambda r: F.margin_ranking_loss(x1, x2, y, 0.5, r), [1.5, 0.5, 0.0])
    assert nn.MarginRankingLoss(0.5, "sum")(x1, x2, y).item() == 2.0
    # exactly at the kink the gradient passes (PyTorch's clamp_min)
    a, b = f64([1.5]), f64([1.0])
    F.margin_ranking_loss(a, b, f64([1.0], False), 0.5, "sum").backward()
    assert (a.grad.item(), b.grad.item()) == (-1.0, 1.0)


def test_hinge_embedding_loss_values_other_labels_and_the_kink():
    x = f64([0.3, 2.0, 0.3, 2.0, 1.0])
    y = f64([1.0, 1.0, -1.0, -1.0, -1.0], False)
    # y = 1: x; y = -1: max(0, 1 - x)
    check_reductions(lambda r: F.hinge_embedding_loss(x, y, reduction=r), [0.3, 2.0, 0.7, 0, 0])
    F.hinge_embedding_loss(x, y, reduction="sum").backward()
    np.testing.assert_allclose(x.grad.data, [1, 1, -1, 0, -1])  # x = margin: passed
    # a label neither 1 nor -1 gets both terms, as in PyTorch: 0.3 + (1 - 0.3)
    assert F.hinge_embedding_loss(f64([0.3]), f64([0.0], False)).item() == pytest.approx(1.0)
    assert nn.HingeEmbeddingLoss(margin=2.0)(f64([1.5]), f64([-1.0], False)).item() == 0.5


def test_soft_margin_loss_values_and_gradient():
    x, y = f64([0.0, LN3]), f64([1.0, -1.0], False)
    # ln(1 + e^(-y x)): ln 2, ln 4
    check_reductions(lambda r: F.soft_margin_loss(x, y, r), [LN2, 2 * LN2])
    nn.SoftMarginLoss("sum")(x, y).backward()
    np.testing.assert_allclose(x.grad.data, [-0.5, 0.75], rtol=1e-15)  # -y sigmoid(-y x)


def test_cosine_embedding_loss_values():
    x1 = f64([[1.0, 0.0], [1.0, 0.0], [3.0, 4.0], [1.0, 0.0]])
    x2 = f64([[0.0, 1.0], [1.0, 1.0], [4.0, 3.0], [-1.0, 0.0]])
    y = f64([1.0, -1.0, -1.0, -1.0], False)
    # cos: 0, 1/sqrt 2, 24/25, -1; y = 1: 1 - cos; y = -1: max(0, cos - 0.5)
    expected = [1.0, 1 / math.sqrt(2) - 0.5, 0.96 - 0.5, 0.0]
    check_reductions(lambda r: F.cosine_embedding_loss(x1, x2, y, 0.5, r), expected, rel=1e-11)
    # 1-D inputs with a 0-d target
    one = nn.CosineEmbeddingLoss()(f64([3.0, 4.0]), f64([4.0, 3.0]), f64(1.0, False))
    assert one.item() == pytest.approx(0.04, rel=1e-11)
    # a zero vector has cos 0 (PyTorch's 1e-12 under each squared norm), with a finite gradient
    z = f64([[0.0, 0.0]])
    F.cosine_embedding_loss(z, f64([[1.0, 2.0]]), f64([1.0], False)).backward()
    assert np.all(np.isfinite(z.grad.data))


def test_triplet_margin_loss_values_swap_and_p():
    a = f64([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]])
    p = f64([[3.0, 4.0], [0.0, 1.0], [1.0, 0.0]])
    n = f64([[0.0, 1.0], [3.0, 4.0], [2.0, 0.0]])
    # eps 0: d(a, p) = 5, 1, 1; d(a, n) = 1, 5, 2; max(0, d(a, p) - d(a, n) + 1.5)
    check_reductions(
        lambda r: F.triplet_margin_loss(a, p, n, 1.5, eps=0.0, reduction=r), [5.5, 0.0, 0.5]
    )
    # swap: the negative's distance is min(d(a, n), d(p, n)); d(p, n) = 3 sqrt 2, 3 sqrt 2, 1
    check_reductions(
        lambda r: F.triplet_margin_loss(a, p, n, 1.5, eps=0.0, swap=True, reduction=r),
        [5.5, 0.0, 1.5],
    )
    # p = 1: d(a, p) = 7 for the first row
    first = F.triplet_margin_loss(a[:1], p[:1], n[:1], 1.0, p=1.0, eps=0.0)
    assert first.item() == pytest.approx(7.0, rel=1e-15)
    # the default eps = 1e-6 is added to each difference, as in PyTorch: (3 + eps, 4 + eps)
    module = nn.TripletMarginLoss(margin=1.5, reduction="none")(a, p, n)
    assert module.data[0] == pytest.approx(math.hypot(3 + 1e-6, 4 + 1e-6) - 1 - 1e-6 + 1.5)


def test_triplet_margin_loss_gradient_passes_at_the_kink():
    a, p, n = f64([[0.0, 0.0]]), f64([[1.0, 0.0]]), f64([[2.0, 0.0]])
    loss = F.triplet_margin_loss(a, p, n, 1.0, eps=0.0)  # 1 - 2 + 1 = 0: at the kink
    assert loss.item() == 0.0
    loss.backward()
    np.testing.assert_allclose(p.grad.data, [[1.0, 0.0]])
    np.testing.assert_allclose(n.grad.data, [[-1.0, 0.0]])


# --- every new loss: float64 gradcheck ---------------------------------------------------------

_rng = np.random.default_rng(7)
_A, _B, _C = (_rng.standard_normal((3, 4)) for _ in range(3))
_SIGN = np.where(_rng.random((3, 4)) > 0.5, 1.0, -1.0)
_SIGN3 = np.array([1.0, -1.0, -1.0])
_POS = np.abs(_rng.standard_normal((3, 4))) + 0.5

GRAD_CASES = {
    # (loss of its tensor inputs, their values); kinks are away from the random points
    "smooth_l1": (lambda x, t: F.smooth_l1_loss(x, t, beta=0.7), [_A, _B]),
    "smooth_l1_beta0": (lambda x, t: F.smooth_l1_loss(x, t, "sum", beta=0.0), [_A, _B]),
    "huber": (lambda x, t, w: F.huber_loss(x, t, "sum", 0.8, w), [_A, _B, _POS]),
    "soft_margin": (lambda x: F.soft_margin_loss(x, ag.tensor(_SIGN)), [_A]),
    "poisson_log": (lambda x, t: F.poisson_nll_loss(x, t, full=True), [_A, _POS * 2]),
    "poisson_rate": (lambda x, t: F.poisson_nll_loss(x, t, False, reduction="sum"), [_POS, _B]),
    "gaussian": (lambda x, t, v: F.gaussian_nll_loss(x, t, v, True), [_A, _B, _POS]),
    "gaussian_row_var": (lambda x, t, v: F.gaussian_nll_loss(x, t, v), [_A, _B, _POS[:, 0]]),
    "margin_ranking": (
        lambda a, b: F.margin_ranking_loss(a, b, ag.tensor(_SIGN), 0.3, "sum"),
        [_A, _B],
    ),
    "hinge_embedding": (
        lambda x: F.hinge_embedding_loss(x, ag.tensor(_SIGN), 0.4, "none"),
        [_A],
    ),
    "cosine_embedding": (
        lambda a, b: F.cosine_embedding_loss(a, b, ag.tensor(_SIGN3), -0.2),
        [_A, _B],
    ),
    "triplet": (lambda a, p, n: F.triplet_margin_loss(a, p, n, 2.0, 3.0), [_A, _B, _C]),
    "triplet_swap": (
        lambda a, p, n: F.triplet_margin_loss(a, p, n, 2.0, swap=True, reduction="none"),
        [_A, _B, _C],
    ),
}


@pytest.mark.parametrize("name", sorted(GRAD_CASES))
def test_every_new_loss_passes_gradcheck_in_float64(name):
    fn, values = GRAD_CASES[name]
    assert gradcheck(fn, [f64(v) for v in values])


# --- shapes and arguments: errors naming the loss and the shapes -------------------------------

SHAPE_ERRORS = [
    (lambda: F.smooth_l1_loss(ag.ones(3), ag.ones(3, 1)),
     r"smooth_l1_loss: input of shape \(3,\) and target of shape \(3, 1\) differ"),
    (lambda: F.huber_loss(ag.ones(3), ag.ones(2)),
     r"huber_loss: input of shape \(3,\) and target of shape \(2,\) differ"),
    (lambda: F.huber_loss(ag.ones(3), ag.ones(3), weight=ag.ones(1)),
     r"huber_loss: input of shape \(3,\) and weight of shape \(1,\) differ"),
    (lambda: F.soft_margin_loss(ag.ones(2, 2), ag.ones(2)),
     r"soft_margin_loss: input of shape \(2, 2\) and target of shape \(2,\) differ"),
    (lambda: F.poisson_nll_loss(ag.ones(4), ag.ones(4, 1)),
     r"poisson_nll_loss: input of shape \(4,\) and target of shape \(4, 1\) differ"),
    (lambda: F.gaussian_nll_loss(ag.ones(4), ag.ones(3), ag.ones(4)),
     r"gaussian_nll_loss: input of shape \(4,\) and target of shape \(3,\) differ"),
    (lambda: F.gaussian_nll_loss(ag.ones(2, 3), ag.ones(2, 3), ag.ones(3)),
     r"gaussian_nll_loss: var of shape \(3,\) does not fit input of shape \(2, 3\)"),
    (lambda: F.gaussian_nll_loss(ag.ones(2, 3), ag.ones(2, 3), ag.ones(2, 2)),
     r"gaussian_nll_loss: var of shape \(2, 2\) does not fit input of shape \(2, 3\)"),
    (lambda: F.margin_ranking_loss(ag.ones(3), ag.ones(3), ag.ones(2)),
     r"margin_ranking_loss: input1 of shape \(3,\), input2 of shape \(3,\) and target of "
     r"shape \(2,\) differ"),
    (lambda: F.hinge_embedding_loss(ag.ones(3), ag.ones(1)),
     r"hinge_embedding_loss: input of shape \(3,\) and target of shape \(1,\) differ"),
    (lambda: F.cosine_embedding_loss(ag.ones(3, 2), ag.ones(3, 2), ag.ones(2)),
     r"cosine_embedding_loss: .* got input1 \(3, 2\), input2 \(3, 2\) and target \(2,\)"),
    (lambda: F.cosine_embedding_loss(ag.ones(2), ag.ones(2), ag.ones(1)),
     r"cosine_embedding_loss: .* got input1 \(2,\), input2 \(2,\) and target \(1,\)"),
    (lambda: F.triplet_margin_loss(ag.ones(2), ag.ones(1, 2), ag.ones(1, 2)),
     r"triplet_margin_loss: anchor of shape \(2,\), positive of shape \(1, 2\) and negative "
     r"of shape \(1, 2\) differ"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "message"), SHAPE_ERRORS)
def test_mismatched_shapes_are_refused_naming_the_loss_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


BAD_ARGUMENTS = [
    (lambda: F.smooth_l1_loss(ag.ones(2), ag.ones(2), beta=-1.0),
     ValueError, "smooth_l1_loss: beta must be >= 0, got -1"),
    (lambda: nn.SmoothL1Loss(beta=-0.5), ValueError, "SmoothL1Loss: beta must be >= 0"),
    (lambda: F.huber_loss(ag.ones(2), ag.ones(2), delta=0.0),
     ValueError, "huber_loss: delta must be > 0, got 0"),
    (lambda: nn.HuberLoss(delta=-1.0), ValueError, "HuberLoss: delta must be > 0"),
    (lambda: F.triplet_margin_loss(ag.ones(1, 2), ag.ones(1, 2), ag.ones(1, 2), margin=0.0),
     ValueError, "triplet_margin_loss: margin must be > 0, got 0"),
    (lambda: nn.TripletMarginLoss(margin=-1.0), ValueError, "TripletMarginLoss: margin must be > 0"),
    (lambda: nn.MarginRankingLoss(margin="1"), TypeError, "MarginRankingLoss: margin must be a"),
    (lambda: F.gaussian_nll_loss(ag.ones(2), ag.ones(2), ag.tensor([1.0, -1.0])),
     ValueError, "gaussian_nll_loss: var has negative entries"),
    (lambda: F.mse_loss(ag.ones(2), ag.ones(2), "avg"), ValueError, "mse_loss: reduction must be"),
    (lambda: F.cosine_embedding_loss(ag.ones(1, 2), ag.ones(1, 2), ag.ones(1), reduction="x"),
     ValueError, "cosine_embedding_loss: reduction must be one of"),
    (lambda: F.glu(ag.ones(2, 3)), ValueError,
     r"glu: dimension -1 of input of shape \(2, 3\) must have an even size to be halved, got 3"),
    (lambda: F.glu(ag.tensor(1.0)), ValueError, "glu: a 0-d input has no dimension to halve"),
    (lambda: F.softshrink(ag.ones(2), -0.5), ValueError, "softshrink: lambd must be >= 0"),
    (lambda: nn.Softmin(1.5), TypeError, "Softmin: dim must be an int, got 1.5"),
]  # fmt: skip


@pytest.mark.parametrize(("call", "error", "message"), BAD_ARGUMENTS)
def test_bad_loss_and_activation_arguments_are_refused(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_the_new_modules_are_exported():
    names = [
        "SmoothL1Loss", "HuberLoss", "MarginRankingLoss", "TripletMarginLoss",
        "CosineEmbeddingLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "PoissonNLLLoss",
        "GaussianNLLLoss", "Softmin", "GLU", "Threshold", "Hardshrink", "Softshrink", "Tanhshrink",
    ]  # fmt: skip
    for name in names:
        assert name in nn.__all__ and isinstance(getattr(nn, name), type)
    for name in ["smooth_l1_loss", "huber_loss", "margin_ranking_loss", "triplet_margin_loss",
                 "cosine_embedding_loss", "hinge_embedding_loss", "soft_margin_loss",
                 "poisson_nll_loss", "gaussian_nll_loss", "softmin", "glu", "threshold",
                 "hardshrink", "softshrink", "tanhshrink"]:  # fmt: skip
        assert name in F.__all__ and callable(getattr(F, name))


# --- small activations -------------------------------------------------------------------------

X = [-2.0, -0.5, -0.2, 0.0, 0.5, 1.0]


def test_threshold_and_the_shrinks_values_and_gradients_at_their_edges():
    x = f64(X)
    np.testing.assert_array_equal(nn.Threshold(0.5, 9.0)(x).data, [9, 9, 9, 9, 9, 1.0])
    np.testing.assert_array_equal(F.hardshrink(x).data, [-2, 0, 0, 0, 0, 1.0])
    np.testing.assert_allclose(nn.Softshrink()(x).data, [-1.5, 0, 0, 0, 0, 0.5])
    np.testing.assert_allclose(nn.Tanhshrink()(x).data, np.array(X) - np.tanh(X), rtol=1e-15)
    for fn, grad in [
        (lambda t: F.threshold(t, 0.5, 9.0), [0, 0, 0, 0, 0, 1.0]),  # 0 at the threshold
        (F.hardshrink, [1, 0, 0, 0, 0, 1.0]),  # 0 at |x| = lambd
        (F.softshrink, [1, 0, 0, 0, 0, 1.0]),
    ]:
        x = f64(X)
        fn(x).sum().backward()
        np.testing.assert_array_equal(x.grad.data, grad)
    x = f64([1.0, -1.0, 0.25, -0.25, 3.0])
    assert gradcheck(lambda t: F.softshrink(t, 0.5) + F.hardshrink(t, 0.5) + F.tanhshrink(t), [x])
    assert gradcheck(lambda t: F.threshold(t, 0.5, -1.0), [x])


def test_glu_halves_along_dim():
    x = f64([[1.0, 2.0, 0.0, LN3]])
    # a * sigmoid(b): 1 * sigmoid(0), 2 * sigmoid(ln 3) = 2 * 3/4
    np.testing.assert_allclose(nn.GLU()(x).data, [[0.5, 1.5]], rtol=1e-15)
    assert F.glu(f64(np.ones((4, 3))), 0).shape == (2, 3)
    assert gradcheck(lambda t: F.glu(t, 1), [f64(np.random.default_rng(2).normal(size=(2, 4)))])


# --- PyTorch parity (make parity) --------------------------------------------------------------

PARITY = [
    ("smooth_l1_loss", dict(beta=0.5), 2), ("huber_loss", dict(delta=0.5), 2),
    ("soft_margin_loss", {}, 1), ("poisson_nll_loss", dict(full=True), 2),
    ("margin_ranking_loss", dict(margin=0.2), 2), ("hinge_embedding_loss", dict(margin=0.4), 1),
    ("cosine_embedding_loss", dict(margin=0.1), 2), ("triplet_margin_loss", dict(swap=True), 3),
    ("gaussian_nll_loss", dict(full=True), 2),
]  # fmt: skip


@pytest.mark.torch
@pytest.mark.parametrize(("name", "kwargs", "n_inputs"), PARITY, ids=[p[0] for p in PARITY])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_losses_match_pytorch(name, kwargs, n_inputs, reduction):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    values = [rng.standard_normal((4, 5)) for _ in range(n_inputs)]
    extra = []  # the labels, or the variance
    if name in ("soft_margin_loss", "hinge_embedding_loss", "margin_ranking_loss"):
        extra = [np.where(rng.random((4, 5)) > 0.5, 1.0, -1.0)]
    elif name == "cosine_embedding_loss":
        extra = [np.where(rng.random(4) > 0.5, 1.0, -1.0)]
    elif name == "gaussian_nll_loss":
        extra = [np.abs(rng.standard_normal((4, 5)))]
    elif name == "poisson_nll_loss":
        values[1] = rng.integers(0, 5, (4, 5)).astype(float)  # counts
    # labels take no gradient in PyTorch, nor do the counts (ln 0 would make theirs NaN)
    grads = [True] * len(values) + [name == "gaussian_nll_loss"] * len(extra)
    if name == "poisson_nll_loss":
        grads[1] = False
    ours = [f64(v, g) for v, g in zip(values + extra, grads)]
    theirs = [torch.tensor(v, requires_grad=g) for v, g in zip(values + extra, grads)]
    a = getattr(F, name)(*ours, reduction=reduction, **kwargs)
    b = getattr(torch.nn.functional, name)(*theirs, reduction=reduction, **kwargs)
    np.testing.assert_allclose(a.data, b.detach().numpy(), rtol=1e-10, atol=1e-12)
    a.sum().backward()
    b.sum().backward()
    for mine, ref in zip(ours, theirs):
        if ref.requires_grad:
            np.testing.assert_allclose(mine.grad.data, ref.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.torch
@pytest.mark.parametrize("ndim", [1, 2, 3, 4, 5])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_implicit_softmax_dim_matches_pytorch(name, ndim):
    torch = pytest.importorskip("torch")
    x = np.random.default_rng(ndim).standard_normal((2, 3, 2, 3, 2)[:ndim])
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        ours = getattr(F, name)(ag.tensor(x)).data
    with pytest.warns(UserWarning, match=f"Implicit dimension choice for {name}"):
        theirs = getattr(torch.nn.functional, name)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_threshold_and_the_shrinks_keep_nan():
    x = ag.tensor([float("nan"), 0.05, 0.3, -0.7])
    for out in (F.threshold(x, 0.1, 20.0), F.hardshrink(x), F.softshrink(x)):
        assert np.isnan(out.data[0]) and not np.isnan(out.data[1:]).any()
