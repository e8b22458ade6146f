"""autograd.checkpoint gives every tensor its function uses its gradient: a module's parameters and
a closure's tensors (leaves or recorded), whether or not the arguments require grad, through
backward, backward(inputs=) and autograd.grad, exactly as calling the function directly does."""

import numpy as np
import pytest

import autograd as ag
import nn

RNG = np.random.default_rng(7)


def f64(a, requires_grad: bool = False) -> ag.Tensor:
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def _net() -> nn.Module:
    ag.manual_seed(1)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()


@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_a_checkpointed_module_gives_its_parameters_the_direct_gradients(x_requires_grad):
    net, xs = _net(), RNG.standard_normal((5, 3))
    got = []
    for use in (False, True):
        net.zero_grad()
        x = f64(xs, x_requires_grad)
        y = ag.checkpoint(net, x) if use else net(x)
        assert y.requires_grad
        (y * y).sum().backward()
        got.append(
            [p.grad.data for p in net.parameters()] + ([x.grad.data] if x.grad is not None else [])
        )
    assert len(got[1]) == len(got[0]) == 4 + x_requires_grad
    for a, b in zip(*got):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=1e-14)


def test_the_brief_reproducer_fills_the_weight_gradient():
    m = nn.Linear(3, 1)
    ag.checkpoint(m, ag.ones(2, 3, requires_grad=True)).sum().backward()
    np.testing.assert_allclose(m.weight.grad.data, [[2.0, 2.0, 2.0]])
    np.testing.assert_allclose(m.bias.grad.data, [2.0])
    m.zero_grad()
    ag.checkpoint(m, ag.ones(2, 3)).sum().backward()  # x needs no gradient: the weights do
    np.testing.assert_allclose(m.weight.grad.data, [[2.0, 2.0, 2.0]])


def _closing_over(h: ag.Tensor, b: ag.Tensor):
    def fn(x: ag.Tensor) -> ag.Tensor:
        return ((x @ h) + b).sin() * h.sum()

    return fn


def _returning(h: ag.Tensor):
    def fn(x: ag.Tensor) -> tuple[ag.Tensor, ag.Tensor]:
        return x @ h, h

    return fn


def test_closure_tensors_leaf_and_recorded_get_their_gradients():
    w = f64(RNG.standard_normal((3, 3)), True)
    b = f64(RNG.standard_normal(3), True)
    xs = RNG.standard_normal((4, 3))
    got = []
    for use in (False, True):
        w.grad = b.grad = None
        h = (w * 2.0).tanh()  # recorded before the segment: its gradient must reach w
        fn = _closing_over(h, b)
        x = f64(xs, True)
        y = ag.checkpoint(fn, x) if use else fn(x)
        (y**2).sum().backward()
        got.append([w.grad.data, b.grad.data, x.grad.data])
    for a, c in zip(*got):
        np.testing.assert_allclose(c, a, rtol=1e-13, atol=1e-14)


def test_several_outputs_and_an_outside_tensor_returned_as_is():
    w = f64(RNG.standard_normal((3, 3)), True)
    xs = RNG.standard_normal((2, 3))
    got = []
    for use in (False, True):
        w.grad = None
        h = w * 3.0
        fn = _returning(h)
        a, c = ag.checkpoint(fn, f64(xs)) if use else fn(f64(xs))
        (a.sum() + (c * c).sum()).backward()
        got.append(w.grad.data)
    np.testing.assert_allclose(got[1], got[0], rtol=1e-13)


def test_grad_and_backward_inputs_see_the_parameters_without_touching_other_grads():
    net, x = _net(), f64(RNG.standard_normal((5, 3)))
    params = list(net.parameters())
    direct = ag.grad(net(x).sum(), params)
    checkpointed = ag.grad(ag.checkpoint(net, x).sum(), params)
    for a, b in zip(direct, checkpointed):
        np.testing.assert_allclose(b.data, a.data, rtol=1e-13)
    assert all(p.grad is None for p in params)  # grad() returns, never accumulates
    ag.checkpoint(net, x).sum().backward(inputs=[params[0]])
    np.testing.assert_allclose(params[0].grad.data, direct[0].data, rtol=1e-13)
    assert all(p.grad is None for p in params[1:])


def test_a_parameter_changed_in_place_before_backward_is_refused():
    net, x = _net(), f64(RNG.standard_normal((5, 3)))
    y = ag.checkpoint(net, x)
    with ag.no_grad():
        net[0].weight.mul_(2.0)
    with pytest.raises(ag.ModifiedError):
        y.sum().backward()


def test_under_no_grad_checkpoint_is_a_plain_call():
    net, x = _net(), f64(RNG.standard_normal((5, 3)))
    with ag.no_grad():
        y = ag.checkpoint(net, x)
    assert not y.requires_grad
    np.testing.assert_allclose(y.data, net(x).data)


@pytest.mark.torch
@pytest.mark.parametrize("x_requires_grad", [True, False])
def test_module_gradients_match_pytorchs_non_reentrant_checkpoint(x_requires_grad):
    torch = pytest.importorskip("torch")
    from torch.utils.checkpoint import checkpoint as torch_checkpoint

    net, xs = _net(), RNG.standard_normal((5, 3))
    tnet = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 2))
    tnet = tnet.double()
    tnet.load_state_dict({k: torch.tensor(v.data) for k, v in net.state_dict().items()})
    x, tx = f64(xs, x_requires_grad), torch.tensor(xs, requires_grad=x_requires_grad)
    (ag.checkpoint(net, x) ** 2).sum().backward()
    (torch_checkpoint(tnet, tx, use_reentrant=False) ** 2).sum().backward()
    for p, tp in zip(net.parameters(), tnet.parameters()):
        np.testing.assert_allclose(p.grad.data, tp.grad.numpy(), rtol=1e-12)
    if x_requires_grad:
        np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-12)
