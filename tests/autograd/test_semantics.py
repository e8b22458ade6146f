"""PyTorch's semantics where users rely on them: dtype promotion, gradients that never alias,
memory released after backward, and the names (size(), max(dim), to(), hooks, modes)."""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

import autograd as ag

# --- dtypes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make, dtype",
    [
        (lambda: ag.tensor([1, 2, 3]) * 2.5, np.float32),  # a float scalar is weak: float32
        (lambda: ag.tensor([1, 2, 3]) / 2, np.float32),  # true division of ints
        (lambda: ag.tensor([1, 2]) / ag.tensor([3, 4]), np.float32),
        (lambda: ag.tensor([1, 2, 3]) * 2, np.int64),
        (lambda: ag.tensor([1, 2, 3], dtype="int32") + 1, np.int32),
        (lambda: ag.ones(2) + ag.tensor(np.ones(2)), np.float64),  # tensors: PyTorch promotes
        (lambda: ag.ones(2) + ag.tensor(np.float64(1.0)), np.float32),  # a 0-d tensor is weak
        (lambda: ag.tensor([1, 2], dtype="int32") + ag.tensor(np.float64(1.5)), np.float64),
        (lambda: ag.ones(2, dtype="float16") * 3.0, np.float16),
        (lambda: ag.tensor([1, 2]).exp(), np.float32),
        (lambda: ag.tensor([True, False]) + 1, np.int64),
        (lambda: ag.tensor([1, 2]).mean(), np.float32),
        (lambda: ag.tensor([1, 2]).sum(), np.int64),
    ],
)
def test_promotion_follows_pytorch(make, dtype):
    assert make().dtype == dtype


def test_a_gradient_arrives_in_its_leafs_dtype():
    w32 = ag.ones(2, requires_grad=True)
    y = (w32 * ag.tensor(np.array([3.0, 4.0]))).sum()  # float64 result
    assert y.dtype == np.float64
    y.backward()
    assert w32.grad.dtype == np.float32 and w32.grad.tolist() == [3.0, 4.0]


def test_integer_mean_is_exact():
    big = ag.tensor([16_777_217, 16_777_219])  # 2^24 + 1 and + 3: not float32 numbers
    assert big.mean().item() == 16_777_218.0


def test_grads_never_alias_anything():
    a = ag.tensor(np.ones(3), requires_grad=True)
    b = ag.tensor(np.ones(3), requires_grad=True)
    g = ag.tensor(np.full(3, 2.0))
    (a + b).backward(g, create_graph=True)
    assert a.grad is not b.grad and a.grad is not g and b.grad is not g
    with ag.no_grad():
        a.grad.zero_()
    assert b.grad.tolist() == [2.0] * 3 and g.tolist() == [2.0] * 3
    c = ag.tensor(np.ones(3), requires_grad=True)
    (c * 1.0).backward(g)
    c.grad.data[0] = 9.0
    assert g.tolist() == [2.0] * 3


# --- memory after backward ---------------------------------------------------------------------


def test_holding_losses_does_not_hold_the_activations():
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((1000, 1000)).astype(np.float32))
    w = ag.tensor(rng.standard_normal((1000, 1000)).astype(np.float32) / 30, requires_grad=True)
    step_bytes = 4 * 1000 * 1000 * 3  # three 1000x1000 float32 activations per step
    losses = []
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        for _ in range(5):
            h = (x @ w).tanh()
            loss = (h * h).mean()
            loss.backward()
            losses.append(loss)
            del h, loss
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    # w.grad (4 MB) stays; five steps of activations would be 60 MB
    assert held < step_bytes, f"holding 5 losses keeps {held / 1e6:.1f} MB"
    drawing = ag.viz.draw(losses[-1], params={"w": w})
    assert "tanh" in drawing.dot and "value released" in drawing.dot


def test_retain_graph_keeps_what_a_second_pass_needs():
    x = ag.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, 2 * (np.exp(x.data) * (x.data + 1)))
    with pytest.raises(RuntimeError, match="second time"):
        y.backward()


# --- the names PyTorch users reach for ---------------------------------------------------------


def test_size_is_a_method():
    t = ag.zeros(2, 3)
    assert t.size() == (2, 3) and t.size(0) == 2 and t.size(-1) == 3 and t.numel() == 6
    with pytest.raises(IndexError, match="size: dimension 2"):
        t.size(2)


def test_max_along_a_dim_returns_values_and_indices():
    out = ag.tensor([[0.1, 0.9], [0.8, 0.2]], requires_grad=True)
    _, pred = out.max(1)  # the classic accuracy line, with a batch of 2
    assert pred.tolist() == [1, 0] and pred.dtype == np.int64
    values, indices = ag.max(out, dim=0, keepdim=True)
    assert values.shape == (1, 2) and indices.tolist() == [[1, 0]]
    assert out.max(axis=1).values.tolist() == pytest.approx([0.9, 0.8])
    assert isinstance(out.max(), ag.Tensor) and out.max().item() == pytest.approx(0.9)
    r = out.min(dim=1)
    assert r.indices.tolist() == [0, 1]
    r.values.sum().backward()  # the gradient goes to the picked elements only
    assert out.grad.tolist() == [[1.0, 0.0], [0.0, 1.0]]


def test_max_propagates_nan_like_pytorch():
    x = ag.tensor([1.0, float("nan"), 3.0], requires_grad=True)
    assert np.isnan(x.max().item()) and x.max(0).indices.item() == 1
    assert np.isnan(x.amax().item())
    x.max().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]


def test_dim_and_keepdim_everywhere():
    a, b = ag.ones(2, 3), ag.zeros(2, 3)
    assert ag.cat([a, b], dim=1).shape == (2, 6)
    assert ag.stack([a, b], dim=2).shape == (2, 3, 2)
    assert ag.argmax(ag.tensor([[1, 5], [7, 2]]), dim=1, keepdim=True).tolist() == [[1], [0]]
    assert a.softmax(dim=0).shape == (2, 3) and ag.log_softmax(a, dim=1).shape == (2, 3)
    assert [c.shape for c in ag.split(a, 1, dim=1)] == [(2, 1)] * 3
    assert [c.shape for c in a.chunk(2, dim=0)] == [(1, 3)] * 2
    assert a.unsqueeze(dim=0).squeeze(dim=0).shape == (2, 3)
    assert a.flip(dim=1).shape == a.logsumexp(dim=1, keepdim=True).shape[:1] + (3,)
    assert a.var(dim=1, keepdim=True).shape == (2, 1)
    with pytest.raises(TypeError, match="axis= or dim="):
        ag.cat([a, b], axis=0, dim=1)


def test_var_and_std_use_pytorchs_correction():
    x = ag.tensor([1.0, 2.0, 3.0, 4.0])
    assert x.var().item() == pytest.approx(5 / 3)  # correction=1 by default
    assert x.var(correction=0).item() == x.var(ddof=0).item() == pytest.approx(1.25)
    assert x.std(unbiased=False).item() == pytest.approx(1.25**0.5)
    with pytest.raises(ValueError, match="no degrees of freedom"):
        ag.tensor([1.0]).var()


def test_to_cpu_and_device():
    x = ag.ones(2)
    assert x.device == ag.device("cpu") and str(x.device) == "cpu"
    assert x.to("cpu") is x and x.cpu() is x
    assert x.to(ag.float64).dtype == np.float64 and x.to("cpu", "float64").dtype == np.float64
    assert x.to(ag.tensor([1])).dtype == np.int64
    assert ag.tensor([1.0], device="cpu").device.type == "cpu"
    with pytest.raises(RuntimeError, match="CPU only; device 'cuda' is not available"):
        x.to("cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        ag.zeros(1).to(device="cuda:0")


def test_register_hook_returns_a_removable_handle():
    x = ag.tensor([1.0], requires_grad=True)
    seen = []
    handle = x.register_hook(lambda g: seen.append(g.item()))
    (x * 2).backward()
    handle.remove()
    handle.remove()  # a second remove does nothing
    (x * 3).backward()
    assert seen == [2.0]


def test_retain_grad_keeps_the_gradient_after_every_hook_whenever_it_was_called():
    # PyTorch runs retain_grad's hook last: y.grad is what the hooks made of the gradient
    for retain_first in (True, False):
        x = ag.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        if retain_first:
            y.retain_grad()
        y.register_hook(lambda g: g * 10)
        if not retain_first:
            y.retain_grad()
        y.sum().backward()
        assert y.grad.tolist() == [10.0, 10.0] and x.grad.tolist() == [20.0, 20.0]


def test_modes_decorate_generator_functions():
    @ag.no_grad()
    def predictions(xs):
        for x in xs:
            yield x * 2, ag.is_grad_enabled()

    w = ag.ones(1, requires_grad=True)
    outs = []
    for y, enabled in predictions([w, w]):
        assert ag.is_grad_enabled()  # the caller's code between steps runs in its own mode
        outs.append((y.requires_grad, enabled))
    assert outs == [(False, False), (False, False)]

    @ag.enable_grad()
    def recorded():
        yield (w * 2).requires_grad

    with ag.no_grad():
        assert list(recorded()) == [True]


def test_set_grad_enabled_as_a_call_a_block_and_a_decorator():
    ag.set_grad_enabled(False)
    assert not ag.is_grad_enabled()
    ag.set_grad_enabled(True)
    with ag.set_grad_enabled(False):
        assert not ag.is_grad_enabled()
    assert ag.is_grad_enabled()

    @ag.set_grad_enabled(False)
    def f():
        return ag.is_grad_enabled()

    assert f() is False and ag.is_grad_enabled()


def test_inference_mode():
    w = ag.ones(2, requires_grad=True)
    with ag.inference_mode():
        assert ag.is_inference_mode_enabled() and not ag.is_grad_enabled()
        assert not (w * 2).requires_grad
    with ag.inference_mode(False):
        assert ag.is_grad_enabled()
    assert not ag.is_inference_mode_enabled()


def test_inference_mode_false_turns_recording_back_on_inside_any_mode():
    w = ag.ones(2, requires_grad=True)
    for outer in (ag.no_grad, ag.inference_mode):
        with outer():
            with ag.inference_mode(False):
                assert (w * 2).requires_grad and not ag.is_inference_mode_enabled()
            assert not (w * 2).requires_grad


def test_modes_decorate_without_parentheses():
    w = ag.ones(2, requires_grad=True)

    @ag.no_grad
    def off() -> bool:
        return (w * 2).requires_grad

    @ag.inference_mode
    def inferred() -> bool:
        return (w * 2).requires_grad and ag.is_inference_mode_enabled()

    @ag.enable_grad
    def on() -> bool:
        return (w * 2).requires_grad

    @ag.no_grad
    def steps():
        yield (w * 2).requires_grad

    assert off.__name__ == "off" and off() is False and inferred() is False
    with ag.no_grad():
        assert on() is True
    assert list(steps()) == [False] and ag.is_grad_enabled()


def test_clamp_with_tensor_bounds_gives_the_bounds_their_gradient():
    x = ag.tensor([-2.0, 0.5, 3.0], requires_grad=True)
    lo = ag.tensor([-1.0, -1.0, -1.0], requires_grad=True)
    hi = ag.tensor(2.0, requires_grad=True)
    y = x.clamp(lo, hi)
    assert y.tolist() == [-1.0, 0.5, 2.0]
    y.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    assert lo.grad.tolist() == [1.0, 0.0, 0.0] and hi.grad.item() == 1.0


# --- errors that name the real cause -----------------------------------------------------------


def test_errors_name_the_cause():
    with pytest.raises(ValueError, match="pow: Integers to negative integer powers"):
        ag.tensor([2, 3]) ** -1
    with pytest.raises(ValueError, match="softmax: dimension 1 of shape \\(2, 0\\) is empty"):
        ag.zeros(2, 0).softmax(dim=1)
    x = ag.ones(3, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.sum())
    with pytest.raises(RuntimeError, match=r"returned a gradient of shape \(\); .* \(3,\)"):
        y.sum().backward()
    with pytest.raises(TypeError, match="cannot make a tensor of strings"):
        ag.tensor(["a", "b"])
    with pytest.raises(TypeError, match="complex numbers"):
        ag.tensor(np.array([1j]))
    with pytest.raises(TypeError, match="Python objects"):
        ag.Tensor(np.array([object()]))
