"""Modes are per thread (as in PyTorch), and backward passes in several threads share leaves
without losing a gradient."""

from __future__ import annotations

import threading

import numpy as np

import autograd as ag


def _run(*targets) -> list[BaseException]:
    errors: list[BaseException] = []

    def guard(fn):
        def run():
            try:
                fn()
            except BaseException as err:  # reported to the test, not lost in the thread
                errors.append(err)

        return run

    threads = [threading.Thread(target=guard(t)) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return errors


def test_a_new_thread_starts_with_grad_mode_on():
    seen = []
    with ag.no_grad():
        errors = _run(lambda: seen.append(ag.is_grad_enabled()))
        assert not ag.is_grad_enabled()
    assert not errors and seen == [True]
    assert ag.is_grad_enabled()


def test_evaluating_under_no_grad_does_not_stop_another_thread_training():
    w = ag.tensor(np.ones((8, 4)), requires_grad=True)
    x = ag.tensor(np.linspace(-1, 1, 32).reshape(4, 8))
    barrier = threading.Barrier(2)
    steps = 300

    def train():
        barrier.wait()
        for _ in range(steps):
            loss = (x @ w).tanh().sum()
            assert loss.requires_grad, "grad mode leaked from the other thread"
            g = ag.grad(loss, w)[0]
            assert g.shape == (8, 4)

    def evaluate():
        barrier.wait()
        for _ in range(steps):
            with ag.no_grad():
                out = (x @ w).tanh()
                assert not out.requires_grad and not ag.is_grad_enabled()

    assert _run(train, evaluate) == []
    assert ag.is_grad_enabled()


def test_overlapping_no_grad_blocks_restore_each_threads_mode():
    inside, results = threading.Barrier(2), []

    def first():
        with ag.no_grad():
            inside.wait()  # both threads are inside their blocks here
            inside.wait()  # the second thread has left its block
            results.append(("first", ag.is_grad_enabled()))
        results.append(("first after", ag.is_grad_enabled()))

    def second():
        with ag.no_grad():
            inside.wait()
        results.append(("second after", ag.is_grad_enabled()))
        inside.wait()

    assert _run(first, second) == []
    assert dict(results) == {"first": False, "first after": True, "second after": True}
    assert ag.is_grad_enabled()


def test_concurrent_backward_into_shared_parameters_loses_nothing():
    w = ag.tensor(np.zeros(1000), requires_grad=True)
    per_thread, threads = 200, 4
    start = threading.Barrier(threads)

    def work():
        start.wait()
        for _ in range(per_thread):
            (w * 1.0 + w * 1.0).sum().backward()  # adds 2 to every element

    assert _run(*[work] * threads) == []
    assert np.all(w.grad.data == 2.0 * per_thread * threads)


def test_anomaly_mode_and_scope_are_per_thread_too():
    seen = []
    with ag.detect_anomaly(), ag.scope("main"):
        errors = _run(lambda: seen.append((ag.is_anomaly_enabled(), ag.current_scope())))
        assert ag.is_anomaly_enabled() and ag.current_scope() == "main"
    assert not errors and seen == [(False, None)]
