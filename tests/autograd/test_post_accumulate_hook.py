"""Tensor.register_post_accumulate_grad_hook (PyTorch's): called once per backward pass, after the
leaf's .grad holds that pass's gradient; removable; never by autograd.grad."""

from __future__ import annotations

import gc

import numpy as np
import pytest

import autograd as ag


def test_the_hook_sees_the_accumulated_grad_once_per_pass():
    w = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.data.copy()))
    (w * w + w * 3).sum().backward()  # three uses of w: one call, with their sum
    assert len(seen) == 1
    np.testing.assert_allclose(seen[0], [5.0, 7.0])
    (w * 2).sum().backward()  # the second pass accumulates: the hook sees the running total
    np.testing.assert_allclose(seen[1], [7.0, 9.0])


def test_handles_remove_their_hook_and_autograd_grad_calls_none():
    w = ag.tensor([1.0], requires_grad=True)
    calls = []
    handle = w.register_post_accumulate_grad_hook(lambda t: calls.append("a"))
    w.register_post_accumulate_grad_hook(lambda t: calls.append("b"))
    ag.grad((w * 2).sum(), w)
    assert calls == []
    (w * 2).sum().backward()
    assert calls == ["a", "b"]
    handle.remove()
    handle.remove()  # idempotent
    (w * 2).sum().backward()
    assert calls == ["a", "b", "b"]


def test_a_hook_does_not_outlive_its_leaf():
    import weakref

    w = ag.tensor([1.0], requires_grad=True)

    def hook(t: ag.Tensor) -> None:
        pytest.fail("a dead leaf's hook ran")

    w.register_post_accumulate_grad_hook(hook)
    ref = weakref.ref(hook)
    del w, hook
    gc.collect()
    assert ref() is None  # nothing but the leaf held it
    v = ag.tensor([1.0], requires_grad=True)
    (v * 2).sum().backward()


def test_the_hook_fires_during_the_pass_once_the_leaf_is_complete():
    """Layer 2's weight is complete as soon as its one consumer has run: its hook fires before
    the walk reaches layer 1 (what lets data-parallel training overlap communication)."""
    x = ag.tensor(np.ones((2, 3)))
    w1 = ag.tensor(np.full((3, 4), 0.5), requires_grad=True)
    w2 = ag.tensor(np.full((4, 1), 0.25), requires_grad=True)
    order = []
    w2.register_post_accumulate_grad_hook(lambda t: order.append(("w2", w1.grad is None)))
    w1.register_post_accumulate_grad_hook(lambda t: order.append(("w1", w2.grad is not None)))
    ((x @ w1).tanh() @ w2).sum().backward()
    assert order == [("w2", True), ("w1", True)]
    np.testing.assert_allclose(w2.grad.data, (np.tanh(x.data @ w1.data)).sum(0)[:, None])


def test_only_leaves_that_require_grad_take_the_hook():
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only leaf tensors"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
