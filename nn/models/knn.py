"""Vectorised k-nearest-neighbours classification (L1 or L2 distance, majority vote).

Not a Module: k-NN has no parameters to learn; "fitting" stores the training set. Distances are
computed in float64, a block of test rows at a time: L2 as one matrix product
(|a - b|^2 = |a|^2 + |b|^2 - 2 a.b), L1 by broadcasting, so prediction is fast and memory-bounded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

_METRICS = {"l1": "l1", "manhattan": "l1", "l2": "l2", "euclidean": "l2"}
# L1 tiles: a block of training rows small enough to stay in a core's L2 cache while a few test
# rows at a time are compared with it (both multiplied by the features: about 400 KB each)
_L1_TRAIN_ROWS_X_FEATURES = 2**16
_L1_TEST_ROWS = 8


def _l1_distances(x: np.ndarray, train: np.ndarray) -> np.ndarray:
    """(len(x), len(train)) sums of absolute differences, tile by tile.

    L1 has no matrix-product form, so every (test, train) pair costs a pass over the features.
    Broadcasting a whole block of test rows against the whole training set streams the training
    set from memory once per block and makes a temporary of rows x n_train x features; tiling
    instead keeps a block of training rows in the cache while every test row passes by, and
    writes into one small reused buffer: the work is then bound by arithmetic, not memory, and
    the extra memory is the buffer (a few MB) whatever the sizes.

    Pixel-like data (small integers, as CIFAR's bytes) takes a faster exact path: in float32,
    |a - b| = a + b - 2 min(a, b), so a tile costs one pass (the minimum) and its sum, and every
    sum is an integer below 2^24, exact; the result equals the float64 one.
    """
    n, d = train.shape
    out = np.empty((len(x), n), dtype=np.result_type(x, train))
    exact = _small_integers(x, d) and _small_integers(train, d)
    if exact:
        x, train = x.astype(np.float32), train.astype(np.float32)
        x_sums, train_sums = x.sum(axis=1), train.sum(axis=1)
    train_rows = max(1, _L1_TRAIN_ROWS_X_FEATURES // max(1, d))
    buf = np.empty((_L1_TEST_ROWS, train_rows, d), dtype=x.dtype)
    for s in range(0, n, train_rows):
        block = train[s : s + train_rows]
        for q in range(0, len(x), _L1_TEST_ROWS):
            rows = x[q : q + _L1_TEST_ROWS]
            tile = buf[: len(rows), : len(block)]
            dest = out[q : q + len(rows), s : s + len(block)]
            if exact:
                np.minimum(rows[:, None, :], block[None, :, :], out=tile)
                sums = np.add.reduce(tile, axis=2)
                dest[...] = x_sums[q : q + len(rows), None] + train_sums[None, s : s + len(block)]
                dest -= 2 * sums
            else:
                np.subtract(rows[:, None, :], block[None, :, :], out=tile)
                np.abs(tile, out=tile)
                np.add.reduce(tile, axis=2, out=dest)
    return out


def _small_integers(a: np.ndarray, d: int) -> bool:
    """Are all of ``a``'s values integers small enough that sums of ``2 d`` of them are exact in
    float32 (below 2^24)?"""
    if a.size == 0:
        return True
    bound = float(np.abs(a).max())
    return bound * 2 * d < 2**24 and bool(np.all(np.rint(a) == a))


def _array(x: Any) -> np.ndarray:
    return np.asarray(x.data if isinstance(x, Tensor) else x)


def _rows(x: Any) -> np.ndarray:
    x = _array(x)
    return x.reshape(len(x), -1).astype(np.float64)


class KNearestNeighbors:
    """``KNearestNeighbors(k=5, metric="l2").fit(X, y).predict(X_test)``.

    ``metric``: "l2" (alias "euclidean") or "l1" (alias "manhattan"). Inputs of any shape
    (N, ...) are flattened to rows. Labels can be any integers.

    Ties are broken deterministically: among equally distant training points the earlier one
    (lower index) counts as nearer, so it is the one kept at the k-th place; among classes with
    equal votes the smallest label wins. The vote rule is scikit-learn's; its choice among points
    tied at the k-th distance follows its heap's internal order instead (its documentation warns
    that the result then "depends on the ordering of the training data"), so the two can pick
    different neighbour sets there — the distances are the same.
    """

    def __init__(self, k: int = 5, metric: str = "l2", *, block_size: int = 512) -> None:
        if k < 1:
            raise ValueError(f"KNearestNeighbors: k must be >= 1, got {k}")
        if metric not in _METRICS:
            raise ValueError(
                f"KNearestNeighbors: metric must be one of {sorted(_METRICS)}, got {metric!r}"
            )
        self.k, self.metric, self.block_size = k, _METRICS[metric], block_size

    def fit(self, x: Any, y: Any) -> KNearestNeighbors:
        """Remember the training set: x (N, ...) and integer labels y (N,)."""
        x, y = _rows(x), _array(y)
        if y.ndim != 1 or x.shape[0] != y.shape[0]:
            raise ValueError(
                f"KNearestNeighbors.fit: {x.shape[0]} samples but labels of shape {y.shape}"
            )
        if self.k > x.shape[0]:
            raise ValueError(
                f"KNearestNeighbors.fit: k={self.k} exceeds the {x.shape[0]} training samples"
            )
        self.x_train = x
        # classes sorted ascending; y_index[i] is the position of y[i]'s class in it
        self.classes, self.y_index = np.unique(y.astype(np.int64), return_inverse=True)
        self.sq_norms = np.einsum("ij,ij->i", x, x)
        return self

    def distances(self, x: Any) -> np.ndarray:
        """(n_test, n_train) distances from every test row to every training row."""
        if not hasattr(self, "x_train"):
            raise RuntimeError("KNearestNeighbors: call fit() before predict()")
        x = _rows(x)
        if x.shape[1] != self.x_train.shape[1]:
            raise ValueError(
                f"KNearestNeighbors: test samples have {x.shape[1]} features, training samples "
                f"{self.x_train.shape[1]}"
            )
        if self.metric == "l2":  # |a - b|^2 = |a|^2 + |b|^2 - 2 a.b: one GEMM
            sq = np.einsum("ij,ij->i", x, x)[:, None] + self.sq_norms[None, :]
            sq -= 2.0 * (x @ self.x_train.T)
            return np.sqrt(np.maximum(sq, 0.0))  # rounding can leave tiny negatives
        return _l1_distances(x, self.x_train)

    def kneighbors(self, x: Any) -> np.ndarray:
        """(n_test, k) indices of the k nearest training points, nearest first; equally distant
        points in index order (a stable sort)."""
        x = _rows(x)
        out = [
            np.argsort(self.distances(x[i : i + self.block_size]), axis=1, kind="stable")[
                :, : self.k
            ]
            for i in range(0, len(x), self.block_size)
        ]
        return np.concatenate(out) if out else np.zeros((0, self.k), dtype=np.int64)

    def predict(self, x: Any) -> np.ndarray:
        """(n_test,) the majority label among each row's k nearest neighbours (ties: smallest
        label)."""
        nearest = self.kneighbors(x)
        votes_for = self.y_index[nearest]  # (n_test, k) class positions
        n, c = len(votes_for), len(self.classes)
        cells = np.arange(n)[:, None] * c + votes_for  # one vote per (row, class) cell
        votes = np.bincount(cells.ravel(), minlength=n * c).reshape(n, c)
        return self.classes[votes.argmax(axis=1)]  # argmax: first = smallest label on ties

    def score(self, x: Any, y: Any) -> float:
        """Accuracy of ``predict(x)`` against ``y``."""
        return float((self.predict(x) == _array(y)).mean())
