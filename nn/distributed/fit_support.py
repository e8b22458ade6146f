"""What ``nn.training.fit`` needs to run unchanged on a DistributedDataParallel model: only rank 0
shows progress and writes checkpoints (the others wait until the file is in place), epoch
metrics are summed over the ranks so every rank reports the same numbers, and a
DistributedSampler draws a new order each epoch.

Each helper does nothing for a model that is not data-parallel over more than one rank, so
``fit`` on a plain model (on any rank) never waits for other processes.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from .collectives import all_reduce, barrier
from .process_group import get_rank, get_world_size


def is_main_process() -> bool:
    """True on rank 0 (and in a world of one): the rank that prints, logs and saves."""
    return get_rank() == 0


def is_data_parallel(model: Any) -> bool:
    """Whether ``model`` is a DistributedDataParallel wrapper over more than one rank."""
    from ..parallel import DistributedDataParallel

    return isinstance(model, DistributedDataParallel) and get_world_size() > 1


def all_reduce_metrics(model: Any, *values: float) -> tuple[float, ...]:
    """The sums over the ranks of ``values`` (running totals such as loss sum, correct count,
    samples seen) when ``model`` is data-parallel; the values themselves otherwise. Ratios of
    the sums are then the same on every rank."""
    if not is_data_parallel(model):
        return values
    totals = np.array(values, dtype=np.float64)
    all_reduce(totals)
    return tuple(float(v) for v in totals)


def save_on_main_process(
    model: Any, save: Callable[[Any, Any], None], obj: Any, path: str | os.PathLike[str]
) -> None:
    """``save(obj, path)`` on rank 0 only; with a data-parallel ``model`` every rank then waits
    until the file is in place (the save itself is atomic: a crash leaves the previous file)."""
    if is_main_process():
        save(obj, path)
    if is_data_parallel(model):
        barrier()


def set_sampler_epoch(loader: Iterable[Any], epoch: int) -> None:
    """Tell the loader's sampler which epoch starts (a DistributedSampler reshuffles by it)."""
    set_epoch = getattr(getattr(loader, "sampler", None), "set_epoch", None)
    if set_epoch is not None:
        set_epoch(epoch)
