"""k-NN distance timings at CIFAR scale: 500 queries against 5,000 training rows of 3,072 values.

    python -m benchmarks.knn_l1            # L1 (tiled), L1 the broadcasting way, and L2 (a GEMM)

Pixel-like data (small integers) takes the k-NN's exact float32 path; the same data + 0.5 takes the
float64 one.

L1 has no matrix-product form, so it costs a subtract, an abs and a sum for every (query, row,
feature): 7.7e9 of each here. The broadcasting way (a block of queries against the whole training
set at once) is timed on a slice of the queries and scaled up, since it takes about a minute.
Times are CPU seconds of this process with one BLAS thread.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from nn.models import KNearestNeighbors  # noqa: E402


def _broadcast_l1(x: np.ndarray, train: np.ndarray, elements: int = 2**22) -> np.ndarray:
    """The former kernel: blocks of queries broadcast against every training row."""
    rows = max(1, elements // (train.shape[0] * train.shape[1]))
    return np.concatenate(
        [np.abs(x[i : i + rows, None, :] - train[None]).sum(axis=2) for i in range(0, len(x), rows)]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--queries", type=int, default=500)
    p.add_argument("--train", type=int, default=5000)
    p.add_argument("--features", type=int, default=3072)
    p.add_argument("--slice", type=int, default=25, help="queries timed for the broadcasting way")
    a = p.parse_args(argv)
    rng = np.random.default_rng(0)
    train = rng.integers(0, 256, (a.train, a.features)).astype(np.float64)  # CIFAR-like pixels
    test = rng.integers(0, 256, (a.queries, a.features)).astype(np.float64)
    timings = {}
    for metric in ("l1", "l2"):
        knn = KNearestNeighbors(1, metric).fit(train, np.zeros(a.train, dtype=np.int64))
        t0 = time.process_time()
        d = knn.distances(test)
        timings[metric] = time.process_time() - t0
        if metric == "l1":
            fractional = KNearestNeighbors(1, "l1").fit(train + 0.5, np.zeros(a.train, dtype=int))
            t0 = time.process_time()
            fractional.distances(test)  # not small integers: the float64 path
            timings["l1 float64"] = time.process_time() - t0
            t0 = time.process_time()
            old = _broadcast_l1(test[: a.slice], train)
            timings["old"] = (time.process_time() - t0) * a.queries / a.slice
            np.testing.assert_allclose(d[: a.slice], old, rtol=1e-12)
    ops = a.queries * a.train * a.features
    print(f"{a.queries} queries x {a.train} rows x {a.features} features ({ops:.2e} |a - b| terms)")
    print(f"L1 tiled:        {timings['l1']:6.2f} s  ({ops / timings['l1'] / 1e9:.2f} G terms/s; "
          "pixel values: the exact float32 path)")  # fmt: skip
    t64 = timings["l1 float64"]
    print(f"L1 tiled, float64: {t64:4.2f} s  ({ops / t64 / 1e9:.2f} G terms/s; values + 0.5)")
    print(f"L1 broadcasting: {timings['old']:6.2f} s  (from {a.slice} queries, scaled)")
    print(f"L2 (GEMM):       {timings['l2']:6.2f} s")
    print(f"tiled L1 is {timings['old'] / timings['l1']:.1f}x faster than broadcasting")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
