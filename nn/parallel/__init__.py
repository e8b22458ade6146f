"""Data parallelism: ``DistributedDataParallel`` (over ``nn.distributed``'s MPI process group)."""

from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
