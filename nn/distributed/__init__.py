"""Data-parallel training over MPI (``mpi4py``), with PyTorch's names::

    import nn.distributed as dist

    dist.init_process_group(backend="mpi")    # a world of one when not started by mpiexec
    model = nn.parallel.DistributedDataParallel(model)
    sampler = nn.data.DistributedSampler(train_set)
    loader = nn.data.DataLoader(train_set, batch_size=32, sampler=sampler)

Run it with ``mpiexec -n 2 python train.py`` (MPI comes with the ``gategrad[mpi]`` extra).
"""

from .collectives import AVG, MAX, MIN, SUM, ReduceOp, all_gather, all_reduce, barrier, broadcast
from .fit_support import (
    all_reduce_metrics,
    is_data_parallel,
    is_main_process,
    save_on_main_process,
    set_sampler_epoch,
)
from .process_group import (
    DEFAULT_TIMEOUT,
    DistributedTimeoutError,
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
)

__all__ = [
    "AVG", "DEFAULT_TIMEOUT", "MAX", "MIN", "SUM", "DistributedTimeoutError", "ReduceOp",
    "all_gather", "all_reduce", "all_reduce_metrics", "barrier", "broadcast",
    "destroy_process_group", "get_rank", "get_world_size", "init_process_group", "is_available",
    "is_data_parallel", "is_initialized", "is_main_process", "save_on_main_process",
    "set_sampler_epoch",
]  # fmt: skip
