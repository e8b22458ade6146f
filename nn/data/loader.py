"""DataLoader: batches from a dataset, in order or shuffled by an explicit generator, with
an iteration state that can be saved mid-epoch and resumed exactly.

``state_dict()`` holds the loader's generator state, the current epoch's order and how many of
its batches were handed out; after ``load_state_dict`` the next ``iter(loader)`` yields the rest
of that epoch, and later epochs draw the same permutations as the uninterrupted run.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Generator, Tensor


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursively by structure.

    Tensors and arrays are stacked into a Tensor (dtype kept); Python ints become int64 (class
    labels), Python floats float32 (the default float), bools bool, NumPy scalars keep their
    dtype. Tuples/lists of fields are collated field by field; dicts key by key; strings are
    returned as a list.
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return Tensor(np.stack([b.data for b in batch]))
    if isinstance(first, (np.ndarray, np.generic)):
        return Tensor(np.stack(batch))
    if isinstance(first, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float32))
    if isinstance(first, str):
        return list(batch)
    if isinstance(first, Mapping):
        return {k: default_collate([b[k] for b in batch]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(b) != len(first) for b in batch):
            raise ValueError("default_collate: samples in a batch have different numbers of fields")
        fields = [default_collate(list(f)) for f in zip(*batch)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        f"default_collate: don't know how to batch {type(first).__name__} (pass a collate_fn)"
    )


class DataLoader:
    """Iterate over ``dataset`` in batches.

    - ``shuffle``: a new permutation each epoch, drawn from ``generator`` (an
      ``autograd.Generator`` or an int seed). Without one, the loader makes its own generator,
      seeded from ``autograd.default_generator`` on first use (so ``autograd.manual_seed``
      fixes the order).
    - ``drop_last``: drop the final short batch.
    - ``sampler``: an iterable of dataset indices with a length, giving each epoch's order
      (e.g. a ``DistributedSampler``); not together with ``shuffle``.
    - ``collate_fn``: turns a list of samples into a batch (default ``default_collate``).

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=0)
    >>> for xb, yb in loader: ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable[[list], Any] | None = None,
        generator: Generator | int | None = None,
        sampler: Any = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive")
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        if isinstance(generator, numbers.Integral):
            generator = Generator(int(generator))
        self._generator: Generator | None = generator
        self._order: np.ndarray | None = None  # the current epoch's sample order
        self._position = 0  # batches of the current epoch already handed out
        self._resume = False

    @property
    def generator(self) -> Generator:
        """The generator that shuffles (created on first use if none was given)."""
        if self._generator is None:
            seed = int(autograd.default_generator.rng.integers(2**63))
            self._generator = Generator(seed)
        return self._generator

    def _num_samples(self) -> int:
        return len(self.dataset) if self.sampler is None else len(self.sampler)

    def __len__(self) -> int:
        n = self._num_samples()
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self) -> Iterator[Any]:
        if self._resume:
            self._resume = False
            order, start = self._order, self._position
        else:
            if self.sampler is not None:
                order = np.fromiter(self.sampler, dtype=np.int64, count=len(self.sampler))
            else:
                n = len(self.dataset)
                order = self.generator.rng.permutation(n) if self.shuffle else np.arange(n)
            start = 0
        self._order, self._position = order, start
        return self._batches(order, start)

    def _batches(self, order: np.ndarray, start: int) -> Iterator[Any]:
        bs = self.batch_size
        fast = self.collate_fn is None and hasattr(self.dataset, "get_batch")
        collate = self.collate_fn or default_collate
        for b in range(start, len(self)):
            idx = order[b * bs : (b + 1) * bs]
            self._position = b + 1
            if fast:
                yield self.dataset.get_batch(idx)
            else:
                yield collate([self.dataset[int(i)] for i in idx])
        self._order, self._position = None, 0

    # --- resuming -------------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """The iteration state: generator state, current epoch order (None between epochs) and
        the number of its batches already yielded. Plain data: checkpoint it with ``nn.save``."""
        return {
            "generator": self.generator.get_state() if self.shuffle else None,
            "order": None if self._order is None else self._order.copy(),
            "position": self._position,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume: the next ``iter(self)`` continues the saved epoch where it stopped."""
        if state.get("generator") is not None:
            self.generator.set_state(state["generator"])
        order = state.get("order")
        if order is not None:
            order = np.asarray(order.data if isinstance(order, Tensor) else order, dtype=np.int64)
            if len(order) != self._num_samples():
                raise ValueError(
                    f"DataLoader.load_state_dict: the saved epoch order covers {len(order)} "
                    f"samples, the dataset (or sampler) has {self._num_samples()}"
                )
        self._order = order
        self._position = int(state.get("position", 0))
        self._resume = order is not None
