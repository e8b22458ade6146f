"""benchmarks/ddp.py: its scaling model's arithmetic, and one tiny run of the real measurement
(1 and 2 ranks, batch 2, one step: it times nothing that is asserted)."""

from __future__ import annotations

import pytest

from benchmarks import ddp


def test_ring_allreduce_cost_is_the_alpha_beta_model():
    alpha, beta, n = 1e-5, 1e-9, 1e6
    assert ddp.ring_allreduce_seconds(1, n, alpha, beta) == 0.0
    assert ddp.ring_allreduce_seconds(2, n, alpha, beta) == pytest.approx(2 * alpha + n * beta)
    assert ddp.ring_allreduce_seconds(4, n, alpha, beta) == pytest.approx(
        6 * alpha + 1.5 * n * beta
    )
    # two measurements at p = 2 give back the alpha and beta that produced them
    t = lambda nbytes: ddp.ring_allreduce_seconds(2, nbytes, alpha, beta)  # noqa: E731
    assert ddp.fit_alpha_beta((8, t(8)), (n, t(n))) == pytest.approx((alpha, beta))


def test_scaling_table_efficiency_falls_as_communication_grows():
    rows = ddp.scaling_table(0.4, 1.1e6, 25e-6, 1 / 1.1e9)
    assert [r["ranks"] for r in rows] == [1, 2, 4, 8, 16, 32, 64]
    assert rows[0]["weak_efficiency"] == 1.0 and rows[0]["comm_ms"] == 0.0
    strong = [r["strong_efficiency"] for r in rows]
    assert strong == sorted(strong, reverse=True)
    assert rows[-1]["weak_images_per_s"] > rows[1]["weak_images_per_s"]


def test_strong_scaling_stops_where_communication_outweighs_computing():
    # 1 ms per image, 256 images: at p ranks compute is 256/p ms against 2 (p - 1) ms of latency
    assert ddp.stops_scaling(ddp.BATCH * 1e-3, 0, 1e-3, 0) == 16  # 16 ms < 30 ms; 8: 32 > 14
    assert ddp.stops_scaling(ddp.BATCH * 1e-3, 0, 0, 0) == ddp.GLOBAL_BATCH  # free network


def test_the_benchmark_runs_on_one_and_two_ranks(capsys):
    pytest.importorskip("mpi4py", reason="the gategrad[mpi] extra is not installed")
    assert ddp.main(["--rounds", "1", "--steps", "1", "--batch", "2"]) == 0
    out = capsys.readouterr().out
    assert "| 1 | " in out and "| 2 | " in out and "2 ranks / 1 rank:" in out
    assert "alpha = " in out and "| 64 | " in out
