"""Habits PyTorch users bring: an all-padding batch gives a NaN loss but a zero gradient;
load_state_dict between forward and backward is caught by the version counters; and Module's
forward pre-hooks, forward hooks and full backward hooks (values seen, replacements, removal)."""

import numpy as np
import pytest

import autograd as ag
import nn
import nn.functional as F

RNG = np.random.default_rng(11)


def f64(a, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


# --- every target ignored ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "loss, kwargs",
    [
        (F.cross_entropy, {}),
        (F.cross_entropy, {"label_smoothing": 0.1}),
        (F.cross_entropy, {"weight": np.array([0.2, 0.5, 0.1, 0.9])}),
        (F.nll_loss, {}),
        (F.nll_loss, {"weight": np.array([0.2, 0.5, 0.1, 0.9])}),
    ],
)
@pytest.mark.parametrize("shape", [(3, 4), (2, 4, 3), (4,)])
def test_all_targets_ignored_gives_a_nan_loss_and_a_zero_gradient(loss, kwargs, shape):
    x = f64(RNG.standard_normal(shape), True)
    target = np.full(shape[:1] + shape[2:] if len(shape) > 1 else (), -100)
    out = loss(x, target, **kwargs)
    assert np.isnan(out.item())  # 0/0, as in PyTorch
    out.backward()
    np.testing.assert_array_equal(x.grad.data, np.zeros(shape))


def test_the_other_zero_denominator_keeps_pytorchs_nan_gradient():
    # valid targets whose weights are all 0: PyTorch's gradient is -0/0 = nan at the targets
    x = f64(RNG.standard_normal((3, 4)), True)
    F.nll_loss(x, np.array([0, 0, 0]), weight=np.array([0.0, 1, 1, 1])).backward()
    assert np.isnan(x.grad.data[:, 0]).all() and (x.grad.data[:, 1:] == 0).all()


def test_one_ignored_target_among_others_is_unchanged():
    xs = RNG.standard_normal((3, 4))
    x, x2 = f64(xs, True), f64(xs[:2], True)
    F.cross_entropy(x, np.array([1, 2, -100])).backward()
    F.cross_entropy(x2, np.array([1, 2])).backward()
    np.testing.assert_allclose(x.grad.data[:2], x2.grad.data, rtol=1e-14)
    assert (x.grad.data[2] == 0).all()


@pytest.mark.torch
@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_all_ignored_matches_pytorch(name):
    torch = pytest.importorskip("torch")
    xs, t = RNG.standard_normal((3, 4)), np.full(3, 5)
    x, tx = f64(xs, True), torch.tensor(xs, requires_grad=True)
    out = getattr(F, name)(x, t, ignore_index=5)
    tout = getattr(torch.nn.functional, name)(tx, torch.tensor(t), ignore_index=5)
    out.backward()
    tout.backward()
    assert np.isnan(out.item()) and np.isnan(tout.item())
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())


# --- load_state_dict and the version counters --------------------------------------------------


def _mlp() -> nn.Module:
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))


@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_load_state_dict_between_forward_and_backward_is_refused(x_requires_grad):
    m = _mlp()
    sd = {k: v.data + 1.0 for k, v in m.state_dict().items()}
    out = m(ag.ones(2, 3, requires_grad=x_requires_grad)).sum()
    m.load_state_dict(sd)
    with pytest.raises(ag.ModifiedError):
        out.backward()


def test_load_state_dict_still_writes_in_place_and_keeps_dtypes():
    m = _mlp()
    w = m[0].weight
    m.load_state_dict({k: v.data.astype(np.float64) * 0 + 2 for k, v in m.state_dict().items()})
    assert m[0].weight is w and w.dtype == np.float32
    np.testing.assert_array_equal(w.data, np.full((4, 3), 2.0, np.float32))
    m(ag.ones(2, 3)).sum().backward()  # a forward after the load is fine
    assert w.grad is not None


# --- hooks -------------------------------------------------------------------------------------


def _linear() -> nn.Linear:
    m = nn.Linear(3, 2).double()
    m.load_state_dict({"weight": np.arange(6.0).reshape(2, 3) / 4, "bias": np.array([0.5, -1])})
    return m


def test_forward_pre_hook_sees_and_replaces_the_arguments():
    m, x = _linear(), f64(RNG.standard_normal((4, 3)))
    seen = []

    def pre(module, args):
        seen.append((module, args))
        return args[0] * 2.0  # a single value: becomes the 1-tuple of arguments

    handle = m.register_forward_pre_hook(pre)
    y = m(x)
    assert seen[0][0] is m and isinstance(seen[0][1], tuple) and seen[0][1][0] is x
    np.testing.assert_allclose(y.data, m.forward(x * 2.0).data)
    handle.remove()
    np.testing.assert_allclose(m(x).data, m.forward(x).data)
    assert len(seen) == 1


def test_forward_hook_sees_the_replaced_arguments_and_replaces_the_output():
    m, x = _linear(), f64(RNG.standard_normal((4, 3)))
    seen = []
    m.register_forward_pre_hook(lambda module, args: (args[0] + 1.0,))

    def hook(module, args, output):
        seen.append((args, output))
        return output * 0.0 - 3.0

    handle = m.register_forward_hook(hook)
    y = m(x)
    np.testing.assert_allclose(seen[0][0][0].data, x.data + 1.0)
    np.testing.assert_allclose(seen[0][1].data, m.forward(x + 1.0).data)
    np.testing.assert_array_equal(y.data, np.full((4, 2), -3.0))
    handle.remove()
    assert m(x).data[0, 0] != -3.0


def test_forward_hooks_run_under_no_grad():
    m, calls = _linear(), []
    m.register_forward_pre_hook(lambda module, args: calls.append("pre"))
    m.register_forward_hook(lambda module, args, out: calls.append("fwd"))
    with ag.no_grad():
        m(f64(np.ones((1, 3))))
    assert calls == ["pre", "fwd"]


def test_removing_one_registration_keeps_the_other_and_the_last_restores_the_fast_path():
    m, calls = _linear(), []

    def hook(module, args, out):
        calls.append(1)

    h1, h2 = m.register_forward_hook(hook), m.register_forward_hook(hook)
    m(f64(np.ones((1, 3))))
    h1.remove()
    m(f64(np.ones((1, 3))))
    assert len(calls) == 3
    h2.remove()
    assert m._hooks is None


def test_full_backward_hook_sees_grad_input_and_grad_output_and_can_replace_grad_input():
    m, xs = _linear(), RNG.standard_normal((4, 3))
    seen = []

    def hook(module, grad_input, grad_output):
        seen.append((grad_input, grad_output))
        return (grad_input[0] * 10.0,)

    handle = m.register_full_backward_hook(hook)
    x = f64(xs, True)
    y = m(x)
    (y * y).sum().backward()
    (grad_input,), (grad_output,) = seen[0]
    np.testing.assert_allclose(grad_output.data, 2 * y.data)  # dL/dy
    np.testing.assert_allclose(grad_input.data, grad_output.data @ m.weight.data)  # dL/dx
    np.testing.assert_allclose(x.grad.data, 10 * grad_input.data)  # replaced
    np.testing.assert_allclose(m.weight.grad.data, grad_output.data.T @ xs)  # not affected
    handle.remove()
    x = f64(xs, True)
    (m(x) ** 2).sum().backward()
    np.testing.assert_allclose(x.grad.data, grad_input.data)
    assert len(seen) == 1


def test_full_backward_hook_when_no_input_requires_grad():
    m, seen = _linear(), []
    m.register_full_backward_hook(lambda module, gi, go: seen.append((gi, go)))
    m(f64(np.ones((2, 3)))).sum().backward()
    assert seen[0][0] == (None,) and seen[0][1][0].shape == (2, 2)
    m.register_full_backward_hook(lambda module, gi, go: (ag.ones(2, 3),))
    with pytest.raises(RuntimeError, match="no input of this call requires grad"):
        m(f64(np.ones((2, 3)))).sum().backward()


class _TwoInTwoOut(nn.Module):
    def forward(self, x, y, k):
        return x * y * k, (x + y).tanh()


def test_full_backward_hook_several_arguments_and_outputs():
    m, seen = _TwoInTwoOut(), []
    m.register_full_backward_hook(lambda module, gi, go: seen.append((gi, go)))
    xs, ys = RNG.standard_normal((2, 3)), RNG.standard_normal((2, 3))
    x, y = f64(xs, True), f64(ys)
    a, b = m(x, y, 2.0)
    ((a * b).sum() + b.sum()).backward()
    (gx, gy, gk), (ga, gb) = seen[0]
    assert gk is None  # a non-tensor argument
    np.testing.assert_array_equal(gy.data, np.zeros((2, 3)))  # a tensor that needs none
    np.testing.assert_allclose(ga.data, b.data)
    np.testing.assert_allclose(gb.data, a.data + 1.0)
    np.testing.assert_allclose(gx.data, x.grad.data)
    with pytest.raises(RuntimeError, match="returned 1 grad_input entries"):
        m.register_full_backward_hook(lambda module, gi, go: (gi[0],))
        (m(f64(xs, True), y, 2.0)[0]).sum().backward()


def test_no_backward_hook_runs_for_a_call_under_no_grad():
    m, seen = _linear(), []
    m.register_full_backward_hook(lambda module, gi, go: seen.append(1))
    with ag.no_grad():
        m(f64(np.ones((2, 3)), True))
    assert not seen


@pytest.mark.torch
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_hooks_match_pytorch_on_a_small_model(x_requires_grad):
    torch = pytest.importorskip("torch")
    xs = RNG.standard_normal((5, 3))
    ours = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    theirs = theirs.double()
    theirs.load_state_dict({k: torch.tensor(v.data) for k, v in ours.state_dict().items()})

    def numpy(t):
        if t is None:
            return None
        return t.data.copy() if isinstance(t, ag.Tensor) else t.detach().numpy().copy()

    def run(net, x):
        log = []

        def pre(m, args):
            log.append(numpy(args[0]))
            return args[0] * 2

        def fwd(m, args, out):
            log.append(numpy(out))
            return out + 1

        def bwd(m, gi, go):
            log.extend([numpy(g) for g in gi + go])
            return None if gi[0] is None else (gi[0] * 3,)

        handles = [net[2].register_forward_pre_hook(pre), net[2].register_forward_hook(fwd)]
        handles += [
            net[1].register_full_backward_hook(bwd),
            net[0].register_full_backward_hook(bwd),
        ]
        y = net(x)
        (y * y).sum().backward()
        for h in handles:
            h.remove()
        log.append(numpy(net(x)))
        return log, [numpy(p.grad) for p in net.parameters()], numpy(x.grad)

    a = run(ours, f64(xs, x_requires_grad))
    b = run(theirs, torch.tensor(xs, requires_grad=x_requires_grad))
    for u, v in zip(a[0] + a[1] + [a[2]], b[0] + b[1] + [b[2]]):
        assert (u is None) == (v is None)
        if u is not None:
            np.testing.assert_allclose(u, v, rtol=1e-12, atol=1e-14)
