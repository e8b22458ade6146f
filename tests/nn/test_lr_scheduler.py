"""Learning-rate schedules against their closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from nn.optim import SGD, Adam
from nn.optim import lr_scheduler as S


def _opt(lr=0.1, momentum=0.9, groups=1):
    ps = [ag.tensor([1.0], requires_grad=True) for _ in range(groups)]
    return SGD(
        [{"params": [p], "lr": lr * (i + 1)} for i, p in enumerate(ps)], lr=lr, momentum=momentum
    )


def _lrs(sched, n):
    """lrs at epochs 0..n-1 (construction sets epoch 0)."""
    out = []
    for _ in range(n):
        out.append(sched.get_last_lr()[0])
        assert sched.optimizer.param_groups[0]["lr"] == out[-1]
        sched.optimizer.step()
        sched.step()
    return out


def test_step_lr():
    got = _lrs(S.StepLR(_opt(), step_size=3, gamma=0.5), 10)
    want = [0.1 * 0.5 ** (e // 3) for e in range(10)]
    np.testing.assert_allclose(got, want, rtol=1e-15)
    assert got[2] == 0.1 and got[3] == 0.05


def test_multistep_lr():
    got = _lrs(S.MultiStepLR(_opt(), milestones=[5, 2], gamma=0.1), 8)
    want = [0.1] * 2 + [0.01] * 3 + [0.001] * 3
    np.testing.assert_allclose(got, want, rtol=1e-12)


def test_exponential_lr():
    got = _lrs(S.ExponentialLR(_opt(), gamma=0.9), 6)
    np.testing.assert_allclose(got, [0.1 * 0.9**e for e in range(6)], rtol=1e-15)


def test_cosine_annealing_lr():
    got = _lrs(S.CosineAnnealingLR(_opt(), T_max=10, eta_min=0.01), 11)
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * e / 10)) / 2 for e in range(11)]
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert (
        got[0] == pytest.approx(0.1)
        and got[10] == pytest.approx(0.01)
        and got[5] == pytest.approx(0.055)
    )


def test_lambda_lr_per_group():
    opt = _opt(groups=2)
    s = S.LambdaLR(opt, [lambda e: 1.0 / (e + 1), lambda e: 0.5**e])
    for e in range(5):
        assert s.get_last_lr() == pytest.approx([0.1 / (e + 1), 0.2 * 0.5**e])
        s.step()
    with pytest.raises(ValueError, match="expected 2 lr_lambdas"):
        S.LambdaLR(_opt(groups=2), [lambda e: 1.0])


def _one_cycle_reference(step, total, max_lr, pct, div, final_div, three_phase):
    init = max_lr / div
    low = init / final_div
    cos = lambda a, b, f: b + (a - b) / 2 * (math.cos(math.pi * f) + 1)  # noqa: E731
    up_end = pct * total - 1
    if not three_phase:
        if step <= up_end:
            return cos(init, max_lr, step / up_end)
        return cos(max_lr, low, (step - up_end) / (total - 1 - up_end))
    down_end = 2 * pct * total - 2
    if step <= up_end:
        return cos(init, max_lr, step / up_end)
    if step <= down_end:
        return cos(max_lr, init, (step - up_end) / (down_end - up_end))
    return cos(init, low, (step - down_end) / (total - 1 - down_end))


@pytest.mark.parametrize("three_phase", [False, True])
def test_one_cycle_lr(three_phase):
    total = 100
    opt = _opt()
    s = S.OneCycleLR(opt, max_lr=1.0, total_steps=total, three_phase=three_phase)
    got = _lrs(s, total)
    want = [_one_cycle_reference(k, total, 1.0, 0.3, 25.0, 1e4, three_phase) for k in range(total)]
    np.testing.assert_allclose(got, want, rtol=1e-12)
    assert got[0] == pytest.approx(0.04)  # max_lr / div_factor
    assert max(got) == pytest.approx(1.0, abs=1e-3)
    assert got[-1] == pytest.approx(0.04 / 1e4)
    with pytest.raises(ValueError, match="more than total_steps"):
        s.step()
        s.step()


def test_one_cycle_cycles_momentum_and_adam_beta1():
    opt = _opt()
    s = S.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.95)
    for _ in range(2):  # the peak is at step 0.3 * 10 - 1 = 2
        s.step()
    assert opt.param_groups[0]["momentum"] == pytest.approx(0.85)
    adam = Adam([ag.tensor([1.0], requires_grad=True)], lr=0.1)
    S.OneCycleLR(adam, max_lr=0.1, epochs=2, steps_per_epoch=5)
    assert adam.param_groups[0]["betas"] == pytest.approx((0.95, 0.999))


def test_reduce_lr_on_plateau():
    opt = _opt()
    s = S.ReduceLROnPlateau(opt, factor=0.5, patience=2, cooldown=1, min_lr=0.02)
    metrics = [1.0] + [0.9] * 12  # epochs 1..13
    lrs = []
    for m in metrics:
        s.step(m)
        lrs.append(s.get_last_lr()[0])
    # best 0.9 at epoch 2; bad epochs 3,4,5 -> cut after the 3rd (patience 2) at epoch 5;
    # one cooldown epoch (6) ignored; bad 7,8,9 -> cut at 9; cooldown 10; bad 11,12,13 -> cut
    # at 13, floored at min_lr 0.02 (lrs[i] is the lr after epoch i + 1)
    assert lrs[:4] == [0.1] * 4
    assert lrs[4] == pytest.approx(0.05) and lrs[7] == pytest.approx(0.05)
    assert lrs[8] == pytest.approx(0.025) and lrs[11] == pytest.approx(0.025)
    assert lrs[12] == pytest.approx(0.02)
    s2 = S.ReduceLROnPlateau(_opt(), mode="max", threshold=0.1, threshold_mode="abs", patience=0)
    s2.step(1.0)
    s2.step(1.05)  # not better by 0.1 absolute: a bad epoch; patience 0 -> cut
    assert s2.get_last_lr() == [pytest.approx(0.01)]


@pytest.mark.parametrize(
    "make",
    [
        lambda o: S.StepLR(o, 2, 0.5),
        lambda o: S.CosineAnnealingLR(o, 7),
        lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=20),
        lambda o: S.MultiStepLR(o, [3, 5]),
    ],
    ids=["StepLR", "Cosine", "OneCycle", "MultiStep"],
)
def test_scheduler_state_dict_resumes(make):
    opt_a = _opt()
    a = make(opt_a)
    full = _lrs(a, 15)
    opt_b = _opt()
    b = make(opt_b)
    _lrs(b, 6)
    sd_sched, sd_opt = b.state_dict(), opt_b.state_dict()
    assert "optimizer" not in sd_sched
    opt_c = _opt()
    c = make(opt_c)
    opt_c.load_state_dict(sd_opt)
    c.load_state_dict(sd_sched)
    assert _lrs(c, 9) == full[6:]
    assert opt_c.param_groups[0]["momentum"] == opt_a.param_groups[0]["momentum"]


def test_plateau_state_dict_round_trip():
    s = S.ReduceLROnPlateau(_opt(), patience=1)
    for m in [3.0, 2.0, 2.5]:
        s.step(m)
    sd = s.state_dict()
    t = S.ReduceLROnPlateau(_opt(), patience=1)
    t.load_state_dict(sd)
    assert t.best == 2.0 and t.num_bad_epochs == 1 and t.last_epoch == 3


def test_resume_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        S.StepLR(_opt(), step_size=2, last_epoch=4)
