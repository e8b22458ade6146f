"""The benchmark harness runs, and gategrad computes what the hand-written NumPy computes.

One step per workload, no timing assertions, no torch or micrograd needed.
"""

from __future__ import annotations

import contextlib
import json

import numpy as np
import pytest

from benchmarks import worker
from benchmarks.harness import Budget, NotAvailable, measure
from benchmarks.report import render
from benchmarks.spec import make_data
from benchmarks.systems import gategrad_impl, gategrad_nn_impl, numpy_impl


@pytest.fixture(autouse=True)
def _one_blas_thread():
    """Small GEMMs on a busy machine run several times slower with BLAS threads fighting over cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # optional: only a speed nicety
        limits = contextlib.nullcontext()
    else:
        limits = threadpool_limits(1)
    with limits:
        yield


def _first_value(builders: dict, workload: str) -> float:
    bench = builders[workload](make_data(workload))
    h = bench.forward()
    value = float(bench.value(h))
    bench.backward(h)  # the backward pass and update run too
    return value


CASES = [
    pytest.param(system, w, id=f"{system.__name__.rsplit('.', 1)[1]}-{w}")
    for system in (gategrad_impl, gategrad_nn_impl)
    for w in system.BUILDERS
]


@pytest.mark.parametrize(("system", "workload"), CASES)
def test_first_step_agrees_with_numpy(system, workload):
    try:
        got = _first_value(system.BUILDERS, workload)
    except NotAvailable as why:
        pytest.skip(str(why))
    want = _first_value(numpy_impl.BUILDERS, workload)
    assert got == pytest.approx(want, rel=1e-4)


def test_numpy_w1_gradient_matches_gategrad():
    import autograd as ag

    d = make_data("W1")
    x = ag.tensor(d["x"], requires_grad=True)
    a, b = ag.tensor(d["a"]), ag.tensor(d["b"])
    y = x
    for _ in range(50):
        y = ((y + a) * b).relu().tanh()
    y.sum().backward()
    bench = numpy_impl.w1(d)
    bench.backward(bench.forward())
    np.testing.assert_allclose(bench.state["grad"], x.grad.data, rtol=1e-5)


def test_measure_and_report_end_to_end(capsys):
    assert worker.main(["--system", "numpy", "--workload", "W2", "--seconds", "0.01",
                        "--warmup", "0", "--min-repeats", "1"]) == 0  # fmt: skip
    record = json.loads(capsys.readouterr().out)
    assert record["status"] == "ok" and record["repeats"] >= 1
    bench = numpy_impl.w6(make_data("W6"))
    rec = measure(bench, Budget(warmup=0, min_repeats=1, max_repeats=2, seconds=0.0))
    rec.update(system="numpy", workload="W6", status="ok")
    machine = {"date": "today", "cpu": "cpu", "cores": 2, "os": "os", "python": "3", "numpy": "2",
               "torch": "-", "micrograd": "-", "gategrad": "-", "load_before": 0.0}  # fmt: skip
    md = render([record, rec], [], machine, "settings")
    assert "| **W2** |" in md and "### W6" in md


def test_w7_training_steps_agree_with_numpy():
    """Three ResNet-20 steps: batch norm's and the convolutions' backward, the residual sums and
    the momentum update agree with the hand-written NumPy (the first step alone checks only the
    forward)."""

    def losses(builders: dict) -> list[float]:
        bench = builders["W7"](make_data("W7"))
        out = []
        for _ in range(3):
            h = bench.forward()
            out.append(float(bench.value(h)))
            bench.backward(h)
        return out

    assert losses(gategrad_nn_impl.BUILDERS) == pytest.approx(losses(numpy_impl.BUILDERS), rel=1e-4)


def test_gemm_accounting_and_epoch_run(capsys):
    """The two analysis tools run end to end on tiny sizes (nothing is timed or compared)."""
    from benchmarks import epoch, gemm

    report = gemm.account("W5", steps=1)
    assert "_lstm_states_arrays" in report and "the rest of the step" in report
    assert epoch.main(["--train", "10", "--test", "5", "--systems", "gategrad"]) == 0
    out = capsys.readouterr().out
    assert "gategrad  train" in out and "test accuracy" in out


def test_grouped_conv_benchmark_runs(capsys):
    """The grouped-convolution timing runs end to end on tiny sizes (nothing is asserted about
    the times)."""
    from benchmarks import grouped_conv

    assert grouped_conv.main(["--batch", "1", "--size", "4", "--rounds", "1", "--repeat", "1"]) == 0
    out = capsys.readouterr().out
    assert "depthwise (G=64)" in out and "grouped/per-group" in out
