"""DataLoader: batches from a dataset, in order or shuffled by an explicit generator, with
an iteration state that can be saved mid-epoch and resumed exactly.

``state_dict()`` holds the loader's generator state, the current epoch's order and how many of
its batches were handed out; after ``load_state_dict`` the next ``iter(loader)`` yields the rest
of that epoch, and later epochs draw the same permutations as the uninterrupted run.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import (
    Callable,
    Iterator,
    Mapping,
    MutableMapping,
    MutableSequence,
    Sequence,
)
from typing import Any

import numpy as np

import autograd
from autograd import Generator, Tensor


def _is_namedtuple(x: Any) -> bool:
    return isinstance(x, tuple) and hasattr(x, "_fields")


def _same_type(first: Any, values: dict[Any, Any] | list[Any]) -> Any:
    """``values`` in the container type of ``first`` (PyTorch's rule: a copy of a mutable
    mapping or sequence updated in place, else its type called on them, else a plain dict or
    list when the type cannot be built so)."""
    if isinstance(values, dict):
        if isinstance(first, MutableMapping):
            clone = copy.copy(first)
            clone.update(values)
            return clone
    elif isinstance(first, MutableSequence):
        clone = copy.copy(first)
        clone[:] = values
        return clone
    try:
        return type(first)(values)
    except TypeError:
        return values


def _stack(arrays: list[Any]) -> Tensor:
    shapes = {np.shape(a) for a in arrays}
    if len(shapes) > 1:
        raise ValueError(
            f"default_collate: samples in a batch have different shapes {sorted(shapes)} "
            "(pad them, or pass a collate_fn)"
        )
    return Tensor(np.stack(arrays))


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursively by structure (PyTorch's rules).

    Tensors and arrays are stacked into a Tensor (dtype kept); Python ints become int64 (class
    labels), Python floats float32 (the default float: PyTorch gives float64 here), bools bool,
    NumPy scalars keep their dtype. Tuples/lists of fields are collated field by field (a tuple
    stays a tuple, where PyTorch returns a list; a namedtuple keeps its type, so ``batch.x``
    works); dicts key by key (the mapping type kept); strings and bytes are returned as a list.
    """
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack([b.data for b in batch])
    if isinstance(first, (str, bytes)):  # before NumPy: np.str_ is both
        return list(batch)
    if isinstance(first, (np.ndarray, np.generic)):
        if first.dtype.kind in "OUSV":
            raise TypeError(
                f"default_collate: cannot batch NumPy arrays of dtype {first.dtype} (only "
                "numbers and bools; pass a collate_fn)"
            )
        return _stack(list(batch))
    if isinstance(first, bool):
        return Tensor(np.array(batch, dtype=np.bool_))
    if isinstance(first, numbers.Integral):
        return Tensor(np.array(batch, dtype=np.int64))
    if isinstance(first, numbers.Real):
        return Tensor(np.array(batch, dtype=np.float32))
    if isinstance(first, Mapping):
        return _same_type(first, {k: default_collate([b[k] for b in batch]) for k in first})
    if isinstance(first, Sequence):
        if any(len(b) != len(first) for b in batch):
            raise ValueError("default_collate: samples in a batch have different numbers of fields")
        fields = [default_collate(list(f)) for f in zip(*batch)]
        if _is_namedtuple(first):
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else _same_type(first, fields)
    raise TypeError(
        f"default_collate: don't know how to batch {type(first).__name__} (pass a collate_fn)"
    )


def default_convert(sample: Any) -> Any:
    """One sample as the loader hands it out with ``batch_size=None`` (PyTorch's rules): NumPy
    arrays and scalars of numbers become Tensors (sharing memory), recursively inside dicts,
    namedtuples, tuples and lists; Tensors, Python numbers, strings and anything else pass
    through unchanged. (A tuple stays a tuple, where PyTorch returns a list.)"""
    if isinstance(sample, (Tensor, str, bytes)):
        return sample
    if isinstance(sample, (np.ndarray, np.generic)):
        return sample if sample.dtype.kind in "OUSV" else Tensor(np.asarray(sample))
    if isinstance(sample, Mapping):
        return _same_type(sample, {k: default_convert(v) for k, v in sample.items()})
    if _is_namedtuple(sample):
        return type(sample)(*(default_convert(v) for v in sample))
    if isinstance(sample, tuple):
        return tuple(default_convert(v) for v in sample)
    if isinstance(sample, Sequence):
        return _same_type(sample, [default_convert(v) for v in sample])
    return sample


class DataLoader:
    """Iterate over ``dataset`` in batches. PyTorch's signature.

    - ``batch_size``: samples per batch; ``None`` turns batching off: each sample is handed out
      on its own, through ``collate_fn`` if one is given, else ``default_convert`` (arrays
      become Tensors, no batch dimension is added).
    - ``shuffle``: a new permutation each epoch, drawn from ``generator`` (an
      ``autograd.Generator`` or an int seed). Without one, the loader makes its own generator,
      seeded from ``autograd.default_generator`` on first use (so ``autograd.manual_seed``
      fixes the order).
    - ``sampler``: an iterable of dataset indices with a length, giving each epoch's order
      (e.g. a ``DistributedSampler``); not together with ``shuffle``.
    - ``batch_sampler``: not supported (raises); pass ``sampler`` and ``batch_size``.
    - ``collate_fn``: turns a list of samples into a batch (default ``default_collate``).
    - ``drop_last``: drop the final short batch.
    - ``num_workers``: gategrad has no worker processes. ``0`` loads in the main process, as in
      PyTorch; ``> 0`` is accepted and also loads in the main process, in order: the batches
      are the same as with workers, only loading is not overlapped with compute. So
      ``worker_init_fn`` is never called (PyTorch calls it only inside worker processes), and
      ``timeout``, ``prefetch_factor``, ``persistent_workers``, ``multiprocessing_context`` and
      ``in_order`` are checked as PyTorch checks them and otherwise unused.
    - ``pin_memory``, ``pin_memory_device``: no-ops (there is no GPU, as PyTorch without CUDA).

    >>> loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True, generator=0)
    >>> for xb, yb in loader: ...
    """

    def __init__(
        self,
        dataset: Any,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        sampler: Any = None,
        batch_sampler: Any = None,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: Generator | int | None = None,
        *,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        if batch_size is None:
            if drop_last:
                raise ValueError(
                    "DataLoader: batch_size=None turns batching off and is mutually exclusive "
                    "with drop_last=True"
                )
        else:
            _check_batch_size(batch_size)
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive")
        if batch_sampler is not None:
            raise NotImplementedError(
                "DataLoader: batch_sampler is not supported; pass sampler= and batch_size="
            )
        _check_workers(num_workers, timeout, prefetch_factor, persistent_workers)
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError(
                "DataLoader: multiprocessing_context can only be used with num_workers > 0, "
                f"got num_workers={num_workers}"
            )
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = drop_last
        self.collate_fn = collate_fn
        # accepted for PyTorch's sake; loading is in-process (see the class docstring)
        self.num_workers = int(num_workers)
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None and num_workers else prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
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
        n, bs = self._num_samples(), self.batch_size
        if bs is None:  # no batching: one sample per step
            return n
        return n // bs if self.drop_last else -(-n // bs)

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
        if bs is None:
            convert = self.collate_fn or default_convert
            for i in range(start, len(order)):
                self._position = i + 1
                yield convert(self.dataset[int(order[i])])
            self._order, self._position = None, 0
            return
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
        the number of its batches already yielded. Plain data: checkpoint it with ``nn.save``.

        Taking it changes nothing: a generator not made yet (no shuffled epoch so far) is saved
        as None and will be seeded from the default generator on first use, as it would have."""
        return {
            "generator": (
                self._generator.get_state()
                if self.shuffle and self._generator is not None
                else None
            ),
            "order": None if self._order is None else self._order.copy(),
            "position": self._position,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Resume: the next ``iter(self)`` continues the saved epoch where it stopped. The state
        is checked first (the order must be a permutation of the dataset's indices, the
        position a batch count within the epoch); nothing changes if it is refused."""
        order = state.get("order")
        if order is not None:
            order = _checked_order(
                order, self._num_samples(), len(self.dataset), self.sampler is None
            )
        position = _checked_position(state.get("position", 0), order, len(self))
        if state.get("generator") is not None:
            self.generator.set_state(state["generator"])
        self._order = order
        self._position = position
        self._resume = order is not None


def _check_batch_size(batch_size: Any) -> None:
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
        raise TypeError(
            f"DataLoader: batch_size must be an int, got {batch_size!r} "
            f"({type(batch_size).__name__})"
        )
    if batch_size < 1:
        raise ValueError(f"DataLoader: batch_size must be >= 1, got {batch_size}")


def _check_workers(
    num_workers: Any, timeout: Any, prefetch_factor: Any, persistent_workers: bool
) -> None:
    """PyTorch's checks of the worker options (the workers themselves do not exist here)."""
    if isinstance(num_workers, bool) or not isinstance(num_workers, numbers.Integral):
        raise TypeError(
            f"DataLoader: num_workers must be an int, got {num_workers!r} "
            f"({type(num_workers).__name__})"
        )
    if num_workers < 0:
        raise ValueError(
            f"DataLoader: num_workers must be >= 0 (0 loads in the main process), got {num_workers}"
        )
    if timeout < 0:
        raise ValueError(f"DataLoader: timeout must be >= 0, got {timeout}")
    if prefetch_factor is not None:
        if num_workers == 0:
            raise ValueError(
                f"DataLoader: prefetch_factor={prefetch_factor} needs num_workers > 0 (leave it "
                "None without workers)"
            )
        if prefetch_factor < 0:
            raise ValueError(f"DataLoader: prefetch_factor must be >= 0, got {prefetch_factor}")
    if persistent_workers and num_workers == 0:
        raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0")


def _checked_order(order: Any, n: int, size: int, permutation: bool) -> np.ndarray:
    """A saved epoch order as int64: ``n`` indices into a dataset of ``size`` samples, and (the
    loader's own order, ``permutation``) each of them once: a repeated or missing index would
    silently train on some samples twice and others never. (A sampler's order may repeat:
    ``DistributedSampler`` pads with repeats so every rank gets as many.)"""
    where = "DataLoader.load_state_dict"
    arr = np.asarray(order.data if isinstance(order, Tensor) else order)
    if arr.ndim != 1 or (arr.size and arr.dtype.kind not in "iu"):
        raise ValueError(
            f"{where}: the saved order must be a 1-d array of sample indices, got dtype "
            f"{arr.dtype} with shape {arr.shape}"
        )
    arr = arr.astype(np.int64, copy=False)
    if len(arr) != n:
        raise ValueError(
            f"{where}: the saved epoch order covers {len(arr)} samples, the dataset (or "
            f"sampler) has {n}"
        )
    if not permutation:
        if n and (arr.min() < 0 or arr.max() >= size):
            raise ValueError(
                f"{where}: the saved order has indices outside 0..{size - 1} (the dataset's)"
            )
        return arr
    counts = np.bincount(arr[(arr >= 0) & (arr < n)], minlength=n)
    if n and (arr.min() < 0 or arr.max() >= n or counts.max() > 1):
        out_of_range = arr[(arr < 0) | (arr >= n)]
        raise ValueError(
            f"{where}: the saved order is not a permutation of the {n} sample indices "
            f"(repeated: {np.flatnonzero(counts > 1)[:5].tolist()}, out of range: "
            f"{out_of_range[:5].tolist()}, missing: {np.flatnonzero(counts == 0)[:5].tolist()})"
        )
    return arr


def _checked_position(position: Any, order: np.ndarray | None, batches: int) -> int:
    """The number of batches of the saved epoch already handed out: 0..len(loader), and 0
    between epochs."""
    where = "DataLoader.load_state_dict"
    if isinstance(position, bool) or not isinstance(position, numbers.Integral):
        raise ValueError(f"{where}: position must be an int, got {position!r}")
    limit = batches if order is not None else 0
    if not 0 <= position <= limit:
        raise ValueError(
            f"{where}: position {position} is outside 0..{limit} "
            + ("(batches in an epoch)" if order is not None else "(no epoch order was saved)")
        )
    return int(position)
