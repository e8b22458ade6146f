"""PyTorch's habits in nn.optim: optimizers refuse unknown keyword arguments, Adam's
``decoupled_weight_decay`` is AdamW, and lr schedulers chain (each step scales the current lr).

Expected lr sequences are hand-computed, or were generated once with ``torch.optim.lr_scheduler``
(PyTorch 2.13) and pasted; the ``torch``-marked tests redo the comparison live.
"""

from __future__ import annotations

import inspect
import math
import warnings

import numpy as np
import pytest

import autograd as ag
import nn
from nn.optim import SGD, AdaBelief, Adagrad, Adam, AdamW, RMSprop
from nn.optim import lr_scheduler as S

OPTIMIZERS = [SGD, Adagrad, RMSprop, Adam, AdamW, AdaBelief]


def _param(value=1.0):
    return ag.tensor(np.array([value]), requires_grad=True)


def _opt(lr=0.1):
    return SGD([_param()], lr=lr, momentum=0.9)


def _lrs(opt, sched, n):
    """The lr of group 0 after construction and after each of ``n - 1`` steps."""
    out = [opt.param_groups[0]["lr"]]
    for _ in range(n - 1):
        opt.step()
        sched.step()
        out.append(opt.param_groups[0]["lr"])
    return out


# --- optimizers: keyword arguments --------------------------------------------------------------
@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_unknown_keyword_is_a_type_error_naming_optimizer_and_argument(cls):
    with pytest.raises(TypeError, match=rf"{cls.__name__}\b.*'weight_decy'"):
        cls([_param()], lr=0.1, weight_decy=0.5)


# PyTorch 2.13's parameter names, in order, and which are keyword-only (after the "*")
PYTORCH_SIGNATURES = {
    SGD: "params lr momentum dampening weight_decay nesterov * maximize foreach differentiable "
    "fused",
    Adagrad: "params lr lr_decay weight_decay initial_accumulator_value eps foreach * maximize "
    "differentiable fused",
    RMSprop: "params lr alpha eps weight_decay momentum centered capturable foreach maximize "
    "differentiable",
    Adam: "params lr betas eps weight_decay amsgrad * foreach maximize capturable differentiable "
    "fused decoupled_weight_decay",
    AdamW: "params lr betas eps weight_decay amsgrad * maximize foreach capturable differentiable "
    "fused",
}


def _signature_words(fn) -> str:
    words = []
    for p in inspect.signature(fn).parameters.values():
        if p.kind is p.KEYWORD_ONLY and "*" not in words:
            words.append("*")
        words.append(p.name)
    return " ".join(words)


@pytest.mark.parametrize("cls", list(PYTORCH_SIGNATURES), ids=lambda c: c.__name__)
def test_optimizer_signature_follows_pytorch(cls):
    assert _signature_words(cls) == PYTORCH_SIGNATURES[cls]


@pytest.mark.parametrize("cls", OPTIMIZERS[:5], ids=lambda c: c.__name__)
def test_foreach_is_a_no_op_and_fused_or_differentiable_are_refused(cls):
    for foreach in (None, True, False):
        a, b = _param(), _param()
        plain, flagged = cls([a], lr=0.1), cls([b], lr=0.1, foreach=foreach)
        for g in (0.5, -1.0, 2.0):
            a.grad, b.grad = ag.tensor(np.array([g])), ag.tensor(np.array([g]))
            plain.step()
            flagged.step()
        np.testing.assert_array_equal(b.data, a.data)
        assert "foreach" not in flagged.param_groups[0]  # no setting to save: it does nothing
    with pytest.raises(NotImplementedError, match=rf"{cls.__name__}: differentiable=True"):
        cls([_param()], differentiable=True)
    if "fused" in inspect.signature(cls).parameters:
        with pytest.raises(NotImplementedError, match=rf"{cls.__name__}: fused=True"):
            cls([_param()], fused=True)
        cls([_param()], fused=False)
    if "capturable" in inspect.signature(cls).parameters:
        with pytest.raises(NotImplementedError, match=rf"{cls.__name__}: capturable=True"):
            cls([_param()], capturable=True)


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_maximize_steps_up_the_gradient(cls):
    """maximize with gradient g is the same step as minimizing with -g."""
    up, down = _param(), _param()
    up_opt = cls([up], lr=0.1, weight_decay=0.0, maximize=True)
    down_opt = cls([down], lr=0.1, weight_decay=0.0)
    for g in (0.5, -1.5, 2.0):
        up.grad, down.grad = ag.tensor(np.array([g])), ag.tensor(np.array([-g]))
        up_opt.step()
        down_opt.step()
        np.testing.assert_array_equal(up.data, down.data)
    assert up.data[0] != 1.0


# --- Adam(decoupled_weight_decay=True) is AdamW -------------------------------------------------
def test_adam_decoupled_weight_decay_first_step_by_hand():
    # p = 1, g = 2, lr = 0.1, wd = 0.5, eps = 0; Adam's first step is lr * g / |g| = 0.1:
    #   decoupled: p * (1 - lr * wd) - 0.1 = 0.95 - 0.1 = 0.85
    #   L2:        g + wd * p = 2.5 > 0, so p - 0.1 = 0.9
    for decoupled, want in ((True, 0.85), (False, 0.9)):
        p = _param()
        opt = Adam([p], lr=0.1, eps=0.0, weight_decay=0.5, decoupled_weight_decay=decoupled)
        p.grad = ag.tensor(np.array([2.0]))
        opt.step()
        assert p.data[0] == pytest.approx(want, rel=1e-15)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_decoupled_equals_adamw_step_for_step(amsgrad):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((3, 4))
    a, b = ag.tensor(w0.copy(), requires_grad=True), ag.tensor(w0.copy(), requires_grad=True)
    adam = Adam([a], lr=0.1, weight_decay=0.5, amsgrad=amsgrad, decoupled_weight_decay=True)
    adamw = AdamW([b], lr=0.1, weight_decay=0.5, amsgrad=amsgrad)
    for _ in range(8):
        g = rng.standard_normal((3, 4))
        a.grad, b.grad = ag.tensor(g.copy()), ag.tensor(g.copy())
        adam.step()
        adamw.step()
        np.testing.assert_array_equal(a.data, b.data)
    assert adam.param_groups[0]["decoupled_weight_decay"] is True
    assert adamw.param_groups[0]["decoupled_weight_decay"] is True


def test_adam_state_dict_without_the_decoupled_key_keeps_l2():
    """A checkpoint written before the option existed loads as plain (L2) Adam."""
    p = _param()
    opt = Adam([p], lr=0.1, weight_decay=0.5)
    sd = opt.state_dict()
    del sd["param_groups"][0]["decoupled_weight_decay"]
    opt.load_state_dict(sd)
    p.grad = ag.tensor(np.array([2.0]))
    opt.step()
    assert p.data[0] == pytest.approx(0.9, rel=1e-7)


# --- schedulers chain ---------------------------------------------------------------------------
def test_two_schedulers_on_one_optimizer_chain():
    # PyTorch's documented example: ExponentialLR(0.9) every step, MultiStepLR cuts 10x at 3
    opt = _opt()
    s1, s2 = S.ExponentialLR(opt, gamma=0.9), S.MultiStepLR(opt, milestones=[3], gamma=0.1)
    got = []
    for _ in range(4):
        opt.step()
        s1.step()
        s2.step()
        got.append(opt.param_groups[0]["lr"])
        assert s2.get_last_lr() == [got[-1]]
    want = [0.1 * 0.9, 0.1 * 0.9**2, 0.1 * 0.9**3 * 0.1, 0.1 * 0.9**4 * 0.1]
    np.testing.assert_allclose(got, [0.09, 0.081, 0.00729, 0.006561], rtol=1e-12)
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_chained_scheduler_steps_both():
    opt = _opt()
    s = S.ChainedScheduler([S.ExponentialLR(opt, gamma=0.9), S.MultiStepLR(opt, [3], 0.1)])
    np.testing.assert_allclose(_lrs(opt, s, 5)[1:], [0.09, 0.081, 0.00729, 0.006561], rtol=1e-12)
    assert s.get_last_lr() == [opt.param_groups[0]["lr"]]


@pytest.mark.parametrize(
    ("make", "after"),
    [
        # lr set to 1.0 by hand after the first step, then stepped twice more:
        (lambda o: S.StepLR(o, step_size=3, gamma=0.1), [1.0, 0.1]),  # cut at epoch 3
        (lambda o: S.MultiStepLR(o, milestones=[3], gamma=0.1), [1.0, 0.1]),
        (lambda o: S.ExponentialLR(o, gamma=0.5), [0.5, 0.25]),
        # T_max = 4: (1 + cos(pi e / 4)) / (1 + cos(pi (e - 1) / 4)) for e = 2, 3
        (
            lambda o: S.CosineAnnealingLR(o, T_max=4),
            [1 / (1 + math.sqrt(0.5)), (1 - math.sqrt(0.5)) / (1 + math.sqrt(0.5))],
        ),
        (lambda o: S.MultiplicativeLR(o, lambda e: 0.5), [0.5, 0.25]),
        (lambda o: S.PolynomialLR(o, total_iters=4), [2 / 3, 1 / 3]),  # (4-e)/(5-e)
    ],
    ids=["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "Multiplicative", "Poly"],
)
def test_a_manual_lr_change_survives_a_chainable_step(make, after):
    opt = _opt()
    s = make(opt)
    opt.step()
    s.step()
    opt.param_groups[0]["lr"] = 1.0  # by hand, e.g. a user's own warm restart
    got = _lrs(opt, s, 3)[1:]
    np.testing.assert_allclose(got, after, rtol=1e-12)


def test_reduce_lr_on_plateau_scales_the_current_lr():
    opt = _opt()
    s = S.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    s.step(1.0)
    opt.param_groups[0]["lr"] = 0.8
    s.step(2.0)  # worse: cut now
    assert opt.param_groups[0]["lr"] == pytest.approx(0.4)


# --- the new schedulers, against PyTorch 2.13 ---------------------------------------------------
# the lr at epochs 0..9 with initial lr 0.1 (printed by torch.optim.lr_scheduler, pasted)
PYTORCH_SEQUENCES = {
    "LinearLR": (
        lambda M, o: M.LinearLR(o, start_factor=0.25, total_iters=4),
        [0.025, 0.043750000000000004, 0.06250000000000001, 0.08125000000000002]
        + [0.10000000000000002] * 6,
    ),
    "LinearLR-decay": (
        lambda M, o: M.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=6),
        [0.1, 0.085, 0.07, 0.05500000000000001, 0.04000000000000001, 0.025000000000000005]
        + [0.010000000000000002] * 4,
    ),
    "ConstantLR": (
        lambda M, o: M.ConstantLR(o, factor=0.5, total_iters=4),
        [0.05] * 4 + [0.1] * 6,
    ),
    "PolynomialLR": (
        lambda M, o: M.PolynomialLR(o, total_iters=6, power=2.0),
        [0.1, 0.06944444444444446, 0.04444444444444447, 0.02500000000000001]
        + [0.011111111111111117, 0.0027777777777777775, 0.0, 0.0, 0.0, 0.0],
    ),
    "CosineAnnealingWarmRestarts": (
        lambda M, o: M.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.01),
        [0.1, 0.0775, 0.032500000000000015, 0.1, 0.09397114317029975, 0.0775]
        + [0.05500000000000001, 0.032500000000000015, 0.01602885682970026, 0.1],
    ),
    "MultiplicativeLR": (
        lambda M, o: M.MultiplicativeLR(o, lambda e: 0.5 if e % 2 else 0.9),
        [0.1, 0.05, 0.045000000000000005, 0.022500000000000003, 0.020250000000000004]
        + [0.010125000000000002, 0.009112500000000003, 0.004556250000000001]
        + [0.004100625000000001, 0.0020503125000000005],
    ),
    "SequentialLR": (
        lambda M, o: M.SequentialLR(
            o, [M.LinearLR(o, 0.1, total_iters=3), M.CosineAnnealingLR(o, T_max=5)], [3]
        ),
        [0.010000000000000002, 0.04, 0.07, 0.1, 0.09045084971874738, 0.06545084971874737]
        + [0.03454915028125263, 0.009549150281252633, 0.0, 0.009549150281252628],
    ),
    "ChainedScheduler": (
        lambda M, o: M.ChainedScheduler([M.ConstantLR(o, 0.5, 3), M.ExponentialLR(o, 0.9)]),
        [0.05, 0.045000000000000005, 0.04050000000000001, 0.07290000000000002]
        + [0.06561000000000002, 0.05904900000000002, 0.05314410000000002]
        + [0.04782969000000002, 0.043046721000000024, 0.03874204890000002],
    ),
    "CosineAnnealingLR": (  # the recursive form, through the trough and back up
        lambda M, o: M.CosineAnnealingLR(o, T_max=4, eta_min=0.02),
        [0.1, 0.08828427124746191, 0.06, 0.0317157287525381, 0.02, 0.0317157287525381]
        + [0.06000000000000001, 0.08828427124746194, 0.10000000000000005, 0.08828427124746195],
    ),
}


@pytest.mark.parametrize("name", list(PYTORCH_SEQUENCES))
def test_scheduler_matches_pytorch_sequence(name):
    make, want = PYTORCH_SEQUENCES[name]
    opt = _opt()
    got = _lrs(opt, make(S, opt), 10)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-18)


def test_cosine_warm_restarts_steps_per_batch_with_fractional_epochs():
    opt = _opt()
    s = S.CosineAnnealingWarmRestarts(opt, T_0=2)
    s.step(0.5)  # a quarter of the way through the first period
    assert s.get_last_lr() == [pytest.approx(0.05 * (1 + math.cos(math.pi / 4)))]
    s.step(2.5)  # restarted at 2: again a quarter through
    assert s.get_last_lr() == [pytest.approx(0.05 * (1 + math.cos(math.pi / 4)))]
    with pytest.raises(ValueError, match="CosineAnnealingWarmRestarts: epoch must be >= 0"):
        s.step(-1)


def test_combinators_check_their_schedulers():
    opt, other = _opt(), _opt()
    with pytest.raises(ValueError, match="SequentialLR: expected 1 milestones"):
        S.SequentialLR(opt, [S.StepLR(opt, 2), S.StepLR(opt, 3)], milestones=[])
    with pytest.raises(ValueError, match="ChainedScheduler: scheduler 1 .*different optimizer"):
        S.ChainedScheduler([S.StepLR(opt, 2), S.StepLR(other, 2)])
    with pytest.raises(ValueError, match="scheduler 0 is a ReduceLROnPlateau"):
        S.ChainedScheduler([S.ReduceLROnPlateau(opt)])


@pytest.mark.parametrize(
    "make",
    [
        lambda o: S.LinearLR(o, 0.2, total_iters=6),
        lambda o: S.ConstantLR(o, 0.5, 4),
        lambda o: S.PolynomialLR(o, 8, 2.0),
        lambda o: S.CosineAnnealingWarmRestarts(o, 3, 2),
        lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.1, total_iters=4), S.StepLR(o, 3)], [4]),
        lambda o: S.ChainedScheduler([S.ExponentialLR(o, 0.9), S.MultiStepLR(o, [2, 7])]),
    ],
    ids=["Linear", "Constant", "Polynomial", "WarmRestarts", "Sequential", "Chained"],
)
def test_new_scheduler_resumes_from_a_checkpoint(make):
    """Scheduler and optimizer state through nn.dumps/loads; the resumed run continues exactly."""
    opt_a = _opt()
    full = _lrs(opt_a, make(opt_a), 15)
    opt_b = _opt()
    b = make(opt_b)
    _lrs(opt_b, b, 6)
    saved = nn.serialization.loads(
        nn.serialization.dumps({"sched": b.state_dict(), "opt": opt_b.state_dict()})
    )
    opt_c = _opt()
    c = make(opt_c)
    opt_c.load_state_dict(saved["opt"])  # a chainable schedule scales the saved lr
    c.load_state_dict(saved["sched"])
    assert _lrs(opt_c, c, 10) == full[5:]


# --- live comparison with PyTorch ---------------------------------------------------------------
def _torch_lrs(torch, make, n):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    scheds = make(torch.optim.lr_scheduler, opt)
    out = [opt.param_groups[0]["lr"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PyTorch's step-order warnings
        for e in range(n - 1):
            opt.step()
            for s in scheds:
                s.step()
            if e == 4:
                opt.param_groups[0]["lr"] *= 0.5
            out.append(opt.param_groups[0]["lr"])
    return out


def _our_lrs(make, n):
    opt = _opt()
    scheds = make(S, opt)
    out = [opt.param_groups[0]["lr"]]
    for e in range(n - 1):
        opt.step()
        for s in scheds:
            s.step()
        if e == 4:
            opt.param_groups[0]["lr"] *= 0.5
        out.append(opt.param_groups[0]["lr"])
    return out


SINGLE = {
    "Step": lambda M, o: M.StepLR(o, 3, 0.5),
    "MultiStep": lambda M, o: M.MultiStepLR(o, [2, 5, 5, 9], 0.3),
    "Exponential": lambda M, o: M.ExponentialLR(o, 0.9),
    "Cosine": lambda M, o: M.CosineAnnealingLR(o, 7, 0.01),
    "Lambda": lambda M, o: M.LambdaLR(o, lambda e: 1 / (e + 1)),
    "Multiplicative": lambda M, o: M.MultiplicativeLR(o, lambda e: 0.95),
    "Constant": lambda M, o: M.ConstantLR(o, 0.5, 4),
    "Linear": lambda M, o: M.LinearLR(o, 0.25, 1.0, 4),
    "Polynomial": lambda M, o: M.PolynomialLR(o, 8, 2.0),
    "WarmRestarts": lambda M, o: M.CosineAnnealingWarmRestarts(o, 4, 2, 0.001),
}
PAIRS = [(a, b) for i, a in enumerate(SINGLE) for b in list(SINGLE)[i:]]


@pytest.mark.torch
@pytest.mark.parametrize(("a", "b"), PAIRS, ids=[f"{a}+{b}" for a, b in PAIRS])
def test_schedulers_alone_and_in_pairs_match_pytorch(a, b):
    """30 steps, with the lr halved by hand after step 5 (a == b: the schedule alone)."""
    torch = pytest.importorskip("torch")
    names = [a] if a == b else [a, b]

    def make(M, o):
        return [SINGLE[n](M, o) for n in names]

    np.testing.assert_allclose(_our_lrs(make, 30), _torch_lrs(torch, make, 30), rtol=1e-13)


@pytest.mark.torch
@pytest.mark.parametrize("cls", OPTIMIZERS[:5], ids=lambda c: c.__name__)
def test_optimizer_signature_matches_pytorch_live(cls):
    torch = pytest.importorskip("torch")
    assert _signature_words(cls) == _signature_words(getattr(torch.optim, cls.__name__))
