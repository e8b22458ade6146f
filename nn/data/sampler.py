"""DistributedSampler: each rank's share of a dataset's indices for one epoch (PyTorch's).

Every rank draws the same permutation (from ``seed`` and the epoch set by ``set_epoch``), pads it
to a multiple of the number of ranks by repeating its start (or drops the tail with
``drop_last``), and takes every ``num_replicas``-th index from its ``rank`` on: the ranks' shares
are disjoint and together cover the dataset once (plus the padding).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sized

import numpy as np

from autograd import Generator


class DistributedSampler:
    """Indices of ``dataset`` for this rank; pass it as ``DataLoader(..., sampler=...)`` and
    call ``set_epoch(epoch)`` before each epoch so the order changes (``fit`` does).

    ``num_replicas`` and ``rank`` default to the process group's world size and rank.
    """

    def __init__(
        self,
        dataset: Sized,
        num_replicas: int | None = None,
        rank: int | None = None,
        shuffle: bool = True,
        seed: int = 0,
        drop_last: bool = False,
    ) -> None:
        from ..distributed import get_rank, get_world_size

        num_replicas = get_world_size() if num_replicas is None else num_replicas
        rank = get_rank() if rank is None else rank
        if num_replicas < 1:
            raise ValueError(f"DistributedSampler: num_replicas must be >= 1, got {num_replicas}")
        if not 0 <= rank < num_replicas:
            raise ValueError(
                f"DistributedSampler: rank {rank} is not in [0, {num_replicas - 1}] "
                f"(num_replicas={num_replicas} must be greater than the rank)"
            )
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0
        n = len(dataset)
        if drop_last and n % num_replicas:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas

    def __iter__(self) -> Iterator[int]:
        n = len(self.dataset)
        if self.shuffle:
            indices = Generator(self.seed + self.epoch).rng.permutation(n)
        else:
            indices = np.arange(n)
        if self.total_size > n:  # pad by repeating the start (as often as needed)
            indices = np.resize(indices, self.total_size)
        else:
            indices = indices[: self.total_size]
        return iter(indices[self.rank : self.total_size : self.num_replicas].tolist())

    def __len__(self) -> int:
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        """The epoch about to start: with ``shuffle``, each epoch draws its own permutation."""
        self.epoch = epoch
