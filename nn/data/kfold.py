"""K-fold cross-validation splits (scikit-learn's ``KFold``, on NumPy alone).

With little data, one validation split gives a noisy estimate of a hyperparameter's worth.
K-fold cross-validation cuts the training set into K folds and trains K times, each time holding
out a different fold for validation; the K scores give a mean and a spread (CS231n's k-NN
exercise: 5 folds, accuracy against k with error bars).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from .._random import GeneratorLike, resolve_rng


class KFold:
    """``for train_idx, val_idx in KFold(5).split(x): ...``

    ``split(x)`` (``x`` anything with a length, or the number of samples) yields ``n_splits``
    pairs of index arrays: fold k is the validation set once, the other folds the training set.
    Folds are contiguous runs of ``range(n)`` (after one permutation when ``shuffle=True``, drawn
    from ``generator``: an ``autograd.Generator``, a NumPy generator, an int seed, or None for
    the default generator); the first ``n % n_splits`` folds get one sample more, as in
    scikit-learn, whose splits these equal when ``shuffle=False``. Indices come out sorted.
    """

    def __init__(
        self, n_splits: int = 5, *, shuffle: bool = False, generator: GeneratorLike = None
    ) -> None:
        if not isinstance(n_splits, (int, np.integer)) or n_splits < 2:
            raise ValueError(f"KFold: n_splits must be an int of at least 2, got {n_splits!r}")
        if generator is not None and not shuffle:
            raise ValueError("KFold: a generator only matters with shuffle=True")
        self.n_splits, self.shuffle, self.generator = int(n_splits), shuffle, generator

    def get_n_splits(self) -> int:
        return self.n_splits

    def split(self, x: Any) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        n = int(x) if isinstance(x, (int, np.integer)) else len(x)
        if n < self.n_splits:
            raise ValueError(f"KFold: cannot make {self.n_splits} folds of {n} samples")
        order = resolve_rng(self.generator).permutation(n) if self.shuffle else np.arange(n)
        sizes = np.full(self.n_splits, n // self.n_splits)
        sizes[: n % self.n_splits] += 1
        stops = np.cumsum(sizes)
        for start, stop in zip(stops - sizes, stops):
            held_out = np.zeros(n, dtype=bool)
            held_out[order[start:stop]] = True
            yield np.flatnonzero(~held_out), np.flatnonzero(held_out)

    def __repr__(self) -> str:
        return f"KFold(n_splits={self.n_splits}, shuffle={self.shuffle})"
