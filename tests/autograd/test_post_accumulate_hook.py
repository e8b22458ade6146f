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


def test_a_hook_does_not_outlive_its_leaf_nor_fire_for_another():
    from autograd import graph

    w = ag.tensor([1.0], requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: pytest.fail("a dead leaf's hook ran"))
    before = len(graph._post_accumulate_hooks)
    del w
    gc.collect()
    assert len(graph._post_accumulate_hooks) == before - 1
    v = ag.tensor([1.0], requires_grad=True)  # may reuse the id
    (v * 2).sum().backward()


def test_only_leaves_that_require_grad_take_the_hook():
    x = ag.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="only a leaf.*made by mul"):
        (x * 2).register_post_accumulate_grad_hook(lambda t: None)
    with pytest.raises(RuntimeError, match="doesn't require grad"):
        ag.tensor([1.0]).register_post_accumulate_grad_hook(lambda t: None)
