"""Each optimizer against its paper's update equations, written out again here in NumPy.

The references below are deliberately naive (new arrays every line, float64) and follow the
papers' notation; the optimizers under test are in-place and reuse scratch buffers.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd as ag
from nn.optim import SGD, AdaBelief, Adagrad, Adam, AdamW, Optimizer, RMSprop

STEPS = 6


def _grads(seed: int, shape: tuple[int, ...], steps: int = STEPS) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for _ in range(steps)]


def _run(make_opt, w0: np.ndarray, grads: list[np.ndarray]) -> list[np.ndarray]:
    """Apply the optimizer to a parameter with the given gradient sequence; the gradients are
    fixed in advance (not computed from w) so the references stay one-line recurrences."""
    p = ag.tensor(w0.copy(), requires_grad=True)
    opt = make_opt([p])
    out = []
    for g in grads:
        p.grad = ag.tensor(g.copy())
        opt.step()
        np.testing.assert_array_equal(p.grad.data, g)  # the step never modifies the gradient
        out.append(p.data.copy())
    return out


def _check(make_opt, reference, seed: int = 0, shape=(3, 4)) -> None:
    rng = np.random.default_rng(seed + 100)
    w0 = rng.standard_normal(shape)
    grads = _grads(seed, shape)
    got = _run(make_opt, w0, grads)
    want = reference(w0.copy(), grads)
    assert len(want) == len(got) == STEPS
    for t, (a, b) in enumerate(zip(got, want), start=1):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {t}")


# --- SGD ----------------------------------------------------------------------------------------
def sgd_reference(lr, momentum=0.0, dampening=0.0, wd=0.0, nesterov=False, maximize=False):
    def ref(w, grads):
        b = None
        out = []
        for g in grads:
            g = -g if maximize else g
            g = g + wd * w
            if momentum:
                b = g if b is None else momentum * b + (1 - dampening) * g
                g = g + momentum * b if nesterov else b
            w = w - lr * g
            out.append(w)
        return out

    return ref


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(momentum=0.9),
        dict(momentum=0.9, dampening=0.3),
        dict(momentum=0.9, nesterov=True),
        dict(weight_decay=0.1),
        dict(momentum=0.8, weight_decay=0.05, nesterov=True),
        dict(momentum=0.5, weight_decay=0.05, maximize=True),
    ],
    ids=str,
)
def test_sgd_matches_equations(kw):
    ref = sgd_reference(
        0.1,
        kw.get("momentum", 0.0),
        kw.get("dampening", 0.0),
        kw.get("weight_decay", 0.0),
        kw.get("nesterov", False),
        kw.get("maximize", False),
    )
    _check(lambda ps: SGD(ps, lr=0.1, **kw), ref)


def test_sgd_nesterov_needs_momentum():
    p = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="Nesterov"):
        SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="learning rate"):
        SGD([p], lr=-1.0)


# --- Adam / AdamW (Kingma & Ba 2015, Algorithm 1; Reddi et al. 2018; Loshchilov & Hutter 2019) ---
def adam_reference(lr, b1, b2, eps, wd=0.0, amsgrad=False, decoupled=False):
    def ref(w, grads):
        m = np.zeros_like(w)
        v = np.zeros_like(w)
        vmax = np.zeros_like(w)
        out = []
        for t, g in enumerate(grads, start=1):
            if decoupled:
                w = w - lr * wd * w
            else:
                g = g + wd * w
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            m_hat = m / (1 - b1**t)
            if amsgrad:
                vmax = np.maximum(vmax, v)
                v_hat = vmax / (1 - b2**t)
            else:
                v_hat = v / (1 - b2**t)
            w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
            out.append(w)
        return out

    return ref


@pytest.mark.parametrize(
    "kw", [dict(), dict(amsgrad=True), dict(weight_decay=0.1), dict(weight_decay=0.1, amsgrad=True)]
)
def test_adam_matches_equations(kw):
    # eps is large enough here that the paper's eps placement (added to sqrt(v_hat)) matters
    ref = adam_reference(
        0.01, 0.9, 0.99, 1e-3, kw.get("weight_decay", 0.0), kw.get("amsgrad", False)
    )
    _check(lambda ps: Adam(ps, lr=0.01, betas=(0.9, 0.99), eps=1e-3, **kw), ref, seed=1)


@pytest.mark.parametrize("kw", [dict(weight_decay=0.1), dict(weight_decay=0.3, amsgrad=True)])
def test_adamw_matches_equations(kw):
    ref = adam_reference(
        0.01, 0.9, 0.99, 1e-8, kw["weight_decay"], kw.get("amsgrad", False), decoupled=True
    )
    _check(lambda ps: AdamW(ps, lr=0.01, betas=(0.9, 0.99), **kw), ref, seed=2)


def test_amsgrad_changes_the_trajectory():
    # guards the parametrized tests above against amsgrad being silently ignored
    w0 = np.ones((4,))
    grads = [np.full(4, 10.0), np.full(4, 0.1), np.full(4, 0.1)]
    plain = _run(lambda ps: Adam(ps, lr=0.1), w0, grads)[-1]
    ams = _run(lambda ps: Adam(ps, lr=0.1, amsgrad=True), w0, grads)[-1]
    assert not np.allclose(plain, ams)


# --- AdaBelief (Zhuang et al. 2020, Algorithm 2) -------------------------------------------------
def adabelief_reference(lr, b1, b2, eps, wd=0.0, decoupled=True, amsgrad=False):
    def ref(w, grads):
        m = np.zeros_like(w)
        s = np.zeros_like(w)
        smax = np.zeros_like(w)
        out = []
        for t, g in enumerate(grads, start=1):
            if decoupled:
                w = w * (1 - lr * wd)
            else:
                g = g + wd * w
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * (g - m) ** 2 + eps
            if amsgrad:
                smax = np.maximum(smax, s)
                s_use = smax
            else:
                s_use = s
            m_hat = m / (1 - b1**t)
            s_hat = s_use / (1 - b2**t)
            w = w - lr * m_hat / (np.sqrt(s_hat) + eps)
            out.append(w)
        return out

    return ref


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(weight_decay=0.1),
        dict(weight_decay=0.1, decoupled_weight_decay=False),
        dict(amsgrad=True),
    ],
    ids=str,
)
def test_adabelief_matches_equations(kw):
    eps = 1e-4  # large enough that both eps terms of Algorithm 2 show in the result
    ref = adabelief_reference(
        0.01,
        0.9,
        0.999,
        eps,
        kw.get("weight_decay", 0.0),
        kw.get("decoupled_weight_decay", True),
        kw.get("amsgrad", False),
    )
    _check(lambda ps: AdaBelief(ps, lr=0.01, eps=eps, **kw), ref, seed=3)


def test_adabelief_first_step_is_lr_over_point_nine():
    # m_1 = 0.1 g, s_1 = 0.001 (0.9 g)^2: m_hat / sqrt(s_hat) = g / (0.9 |g|) (eps -> 0)
    w = _run(lambda ps: AdaBelief(ps, lr=0.09, eps=0.0), np.zeros(3), [np.array([2.0, -3.0, 5.0])])
    np.testing.assert_allclose(w[0], [-0.1, 0.1, -0.1], rtol=1e-12)


# --- Adagrad (Duchi et al. 2011) ----------------------------------------------------------------
def adagrad_reference(lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10):
    def ref(w, grads):
        G = np.full_like(w, init)
        out = []
        for t, g in enumerate(grads, start=1):
            g = g + wd * w
            G = G + g * g
            w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(G) + eps)
            out.append(w)
        return out

    return ref


@pytest.mark.parametrize(
    "kw", [dict(), dict(lr_decay=0.1, weight_decay=0.05, initial_accumulator_value=0.5)], ids=str
)
def test_adagrad_matches_equations(kw):
    ref = adagrad_reference(
        0.1,
        kw.get("lr_decay", 0.0),
        kw.get("weight_decay", 0.0),
        kw.get("initial_accumulator_value", 0.0),
    )
    _check(lambda ps: Adagrad(ps, lr=0.1, **kw), ref, seed=4)


# --- RMSprop (Hinton, lecture 6e; Graves 2013 for the centered form) -----------------------------
def rmsprop_reference(lr, alpha, eps, wd=0.0, momentum=0.0, centered=False):
    def ref(w, grads):
        v = np.zeros_like(w)
        gm = np.zeros_like(w)
        buf = np.zeros_like(w)
        out = []
        for g in grads:
            g = g + wd * w
            v = alpha * v + (1 - alpha) * g**2
            if centered:
                gm = alpha * gm + (1 - alpha) * g
                den = np.sqrt(v - gm**2) + eps
            else:
                den = np.sqrt(v) + eps
            if momentum:
                buf = momentum * buf + g / den
                w = w - lr * buf
            else:
                w = w - lr * g / den
            out.append(w)
        return out

    return ref


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(momentum=0.9),
        dict(centered=True),
        dict(centered=True, momentum=0.5, weight_decay=0.1),
    ],
    ids=str,
)
def test_rmsprop_matches_equations(kw):
    ref = rmsprop_reference(
        0.01,
        0.9,
        1e-6,
        kw.get("weight_decay", 0.0),
        kw.get("momentum", 0.0),
        kw.get("centered", False),
    )
    _check(lambda ps: RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-6, **kw), ref, seed=5)


# --- shared behaviour ---------------------------------------------------------------------------
ALL = [
    lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    lambda ps: Adam(ps, lr=0.01, amsgrad=True, weight_decay=0.01),
    lambda ps: AdamW(ps, lr=0.01),
    lambda ps: Adagrad(ps, lr=0.1, weight_decay=0.01),
    lambda ps: RMSprop(ps, lr=0.01, momentum=0.9, centered=True),
    lambda ps: AdaBelief(ps, lr=0.01, weight_decay=0.01, amsgrad=True),
]
NAMES = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop", "AdaBelief"]


@pytest.mark.parametrize("make", ALL, ids=NAMES)
def test_float32_stays_float32_and_close_to_float64(make):
    w0 = np.random.default_rng(0).standard_normal((5, 7))
    grads = _grads(7, (5, 7))
    w32 = _run(make, w0.astype(np.float32), [g.astype(np.float32) for g in grads])
    w64 = _run(make, w0, grads)
    for a, b in zip(w32, w64):
        assert a.dtype == np.float32
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", ALL, ids=NAMES)
def test_state_dict_round_trip_continues_identically(make):
    rng = np.random.default_rng(3)
    shapes = [(4, 3), (3,)]
    w0 = [rng.standard_normal(s).astype(np.float32) for s in shapes]
    grads = [[rng.standard_normal(s).astype(np.float32) for s in shapes] for _ in range(8)]

    def fresh():
        ps = [ag.tensor(w.copy(), requires_grad=True) for w in w0]
        return ps, make(ps)

    def run(ps, opt, steps):
        for gs in steps:
            for p, g in zip(ps, gs):
                p.grad = ag.tensor(g)
            opt.step()

    ps_a, opt_a = fresh()
    run(ps_a, opt_a, grads)  # 8 uninterrupted steps

    ps_b, opt_b = fresh()
    run(ps_b, opt_b, grads[:3])
    sd = opt_b.state_dict()
    ps_c = [ag.tensor(p.data.copy(), requires_grad=True) for p in ps_b]
    opt_c = make(ps_c)
    opt_c.load_state_dict(sd)
    run(ps_b, opt_b, grads[3:4])  # the snapshot must not change when training continues
    run(ps_c, opt_c, grads[3:])
    for a, c in zip(ps_a, ps_c):
        np.testing.assert_array_equal(a.data, c.data)  # bit-identical continuation
    assert all(isinstance(k, int) for k in sd["state"])
    assert sd["param_groups"][0]["params"] == [0, 1]


def test_param_groups_with_different_lrs():
    a = ag.tensor([1.0, 1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    opt = SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.9)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.9  # taken from the defaults
    a.grad = ag.tensor([1.0, 2.0])
    b.grad = ag.tensor([1.0])
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, 0.8], rtol=1e-6)
    np.testing.assert_allclose(b.data, [0.5], rtol=1e-6)
    c = ag.tensor([0.0], requires_grad=True)
    opt.add_param_group({"params": c, "lr": 1.0})
    c.grad = ag.tensor([2.0])
    opt.step()
    np.testing.assert_allclose(c.data, [-2.0], rtol=1e-6)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_params_without_grad_are_skipped_and_zero_grad():
    a = ag.tensor([1.0], requires_grad=True)
    b = ag.tensor([1.0], requires_grad=True)
    opt = Adam([a, b], lr=0.1)
    a.grad = ag.tensor([1.0])
    opt.step()
    assert b.data[0] == 1.0 and b not in opt.state and opt.state[a]["step"] == 1
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(a.grad.data, [0.0])
    opt.zero_grad()
    assert a.grad is None


def test_step_with_real_backward_and_closure():
    w = ag.tensor([3.0, -2.0], requires_grad=True)
    opt = SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()  # gradient 2w: one step of lr 0.25 halves w
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert float(loss) == 13.0
    np.testing.assert_allclose(w.data, [1.5, -1.0])


def test_load_state_dict_checks_structure():
    a = ag.tensor(np.zeros(3), requires_grad=True)
    opt = SGD([a], lr=0.1, momentum=0.9)
    a.grad = ag.tensor(np.ones(3))
    opt.step()
    sd = opt.state_dict()
    other = SGD([ag.tensor(np.zeros(4), requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match=r"shape \(3,\).*shape \(4,\)"):
        other.load_state_dict(sd)
    two = SGD([ag.tensor(np.zeros(3), requires_grad=True)], lr=0.1)
    two.add_param_group({"params": [ag.tensor(np.zeros(1), requires_grad=True)]})
    with pytest.raises(ValueError, match="2 parameter groups|1 parameter groups"):
        two.load_state_dict(sd)


def test_optimizer_rejects_bad_params():
    with pytest.raises(TypeError, match="single Tensor"):
        SGD(ag.tensor([1.0], requires_grad=True), lr=0.1)
    with pytest.raises(ValueError, match="empty"):
        SGD([], lr=0.1)
    with pytest.raises(TypeError, match="can only optimize Tensors"):
        SGD([np.zeros(2)], lr=0.1)
    assert issubclass(SGD, Optimizer)
    assert "lr: 0.1" in repr(SGD([ag.tensor([1.0], requires_grad=True)], lr=0.1))


def test_adam_bias_correction_first_step_is_lr_sign():
    # with eps -> 0 the first Adam step is exactly lr * sign(g) (Kingma & Ba, section 3)
    w = _run(lambda ps: Adam(ps, lr=0.01, eps=0.0), np.zeros(3), [np.array([1e-3, -5.0, 7.0])])
    np.testing.assert_allclose(w[0], [-0.01, 0.01, -0.01], rtol=1e-12)
    assert math.isfinite(w[0].sum())
