"""Datasets: anything with ``__getitem__(i)`` and ``__len__``, PyTorch-shaped.

A dataset may also offer ``get_batch(indices)`` returning an already-collated batch; the
``DataLoader`` then fetches a whole batch with one fancy-indexing call instead of a Python loop
over samples (``TensorDataset`` and ``Subset`` of one do).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd import Generator, Tensor
from autograd.random import resolve_generator as _rng


class Dataset:
    """Base class: subclasses implement ``__getitem__(index)`` and ``__len__()``."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} does not implement __len__")


class TensorDataset(Dataset):
    """Rows of equally long arrays/Tensors: ``ds[i] == (x[i], y[i])`` as Tensors (views).

    >>> ds = TensorDataset(X, y); len(ds) == len(X)
    """

    def __init__(self, *tensors: Tensor | np.ndarray) -> None:
        if not tensors:
            raise ValueError("TensorDataset: give at least one tensor")
        self.arrays = [t.data if isinstance(t, Tensor) else np.asarray(t) for t in tensors]
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(
                    f"TensorDataset: tensor {i} is 0-d (a single value of dtype {a.dtype}); each "
                    "tensor needs a first dimension that indexes the samples"
                )
        n = {len(a) for a in self.arrays}
        if len(n) != 1:
            raise ValueError(
                "TensorDataset: all tensors need the same first dimension, got shapes "
                + ", ".join(str(a.shape) for a in self.arrays)
            )

    @property
    def tensors(self) -> tuple[Tensor, ...]:
        return tuple(Tensor(a) for a in self.arrays)

    def __getitem__(self, index: int) -> tuple[Tensor, ...]:
        return tuple(Tensor(np.asarray(a[index])) for a in self.arrays)

    def __len__(self) -> int:
        return len(self.arrays[0])

    def get_batch(self, indices: np.ndarray) -> tuple[Tensor, ...]:
        """The batch ``default_collate([self[i] for i in indices])`` in one indexing call."""
        return tuple(Tensor(a[indices]) for a in self.arrays)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order."""

    def __init__(self, dataset: Any, indices: Sequence[int] | np.ndarray) -> None:
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __getitem__(self, index: int) -> Any:
        return self.dataset[int(self.indices[index])]

    def __len__(self) -> int:
        return len(self.indices)

    def __getattr__(self, name: str) -> Any:
        if name == "get_batch" and hasattr(self.__dict__.get("dataset"), "get_batch"):
            return lambda indices: self.dataset.get_batch(self.indices[indices])
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def random_split(
    dataset: Any,
    lengths: Sequence[int | float],
    generator: Generator | np.random.Generator | None = None,
) -> list[Subset]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    ``lengths`` are counts summing to ``len(dataset)``, or fractions summing to 1 (each gets
    ``floor(fraction * n)``, and the remainder is dealt one by one from the first subset on, as
    in PyTorch). ``generator`` makes the split reproducible.
    """
    n = len(dataset)
    lengths = list(lengths)
    if (
        lengths
        and all(0.0 <= f <= 1.0 for f in lengths)
        and math.isclose(sum(lengths), 1.0)
        and sum(lengths) != n
    ):
        counts = [int(math.floor(n * f)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    else:
        counts = [int(c) for c in lengths]
    if sum(counts) != n or any(c < 0 for c in counts):
        raise ValueError(
            f"random_split: lengths {lengths} do not add up to the dataset's length {n} "
            "(give counts summing to it, or fractions summing to 1)"
        )
    perm = _rng(generator).permutation(n)
    out, start = [], 0
    for c in counts:
        out.append(Subset(dataset, perm[start : start + c]))
        start += c
    return out
