"""The gradient reducer behind DistributedDataParallel: buckets, all-reduces, finalization.

Parameters are packed into buckets of about ``bucket_cap_mb`` (the first one smaller, so the
first all-reduce starts early), in reverse registration order: the last layers' gradients are
ready first. A post-accumulate-grad hook on each parameter copies its gradient into its bucket;
when a bucket is full, its non-blocking all-reduce (``Iallreduce``) starts, so it overlaps the
rest of the backward walk wherever the engine delivers gradients during the walk. Buckets start
in index order on every rank (MPI needs the same order of collectives everywhere). When the last
one has started, the reducer waits for all of them and writes the averages back into ``.grad``,
before ``backward()`` returns (PyTorch's reducer finalizes at the same point).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from autograd import Tensor

from ..distributed.collectives import start_all_reduce
from ..distributed.process_group import wait

_MB = 1024 * 1024


class _Bucket:
    __slots__ = ("buffer", "params", "views", "pending", "request")

    def __init__(self, params: list[Tensor], dtype: np.dtype) -> None:
        self.params = params
        self.buffer = np.zeros(sum(p.numel() for p in params), dtype=dtype)
        self.views, start = [], 0
        for p in params:
            self.views.append(self.buffer[start : start + p.numel()].reshape(p.shape))
            start += p.numel()
        self.pending = len(params)
        self.request = None


def _assign_buckets(
    params: Sequence[Tensor], cap_bytes: int, first_cap_bytes: int
) -> list[list[Tensor]]:
    """Group parameters (last registered first) into buckets of one dtype up to a byte cap."""
    buckets: list[list[Tensor]] = []
    open_bucket: dict[np.dtype, list[Tensor]] = {}
    filled: dict[np.dtype, int] = {}
    for p in reversed(params):
        dtype = p.data.dtype
        if dtype not in open_bucket:
            open_bucket[dtype], filled[dtype] = [], 0
            buckets.append(open_bucket[dtype])
        cap = first_cap_bytes if len(buckets) == 1 else cap_bytes
        if open_bucket[dtype] and filled[dtype] + p.data.nbytes > cap:
            open_bucket[dtype], filled[dtype] = [], 0
            buckets.append(open_bucket[dtype])
        open_bucket[dtype].append(p)
        filled[dtype] += p.data.nbytes
    return buckets


class Reducer:
    """Averages the gradients of ``params`` across ``world_size`` ranks during backward."""

    def __init__(
        self,
        params: Sequence[Tensor],
        names: Sequence[str],
        world_size: int,
        bucket_cap_mb: float,
        first_bucket_cap_mb: float,
    ) -> None:
        self.world_size = world_size
        self.names = {id(p): n for p, n in zip(params, names)}
        groups = _assign_buckets(params, int(bucket_cap_mb * _MB), int(first_bucket_cap_mb * _MB))
        self.buckets = [_Bucket(g, g[0].data.dtype) for g in groups]
        self._slot = {id(p): (b, i) for b in self.buckets for i, p in enumerate(b.params)}
        self._expecting = False  # a synced forward ran: its backward must reduce
        self._ready: set[int] = set()  # ids of the parameters whose gradient arrived
        self._next_to_start = 0
        self.comm_wait_seconds = 0.0  # time spent waiting for all-reduces to finish
        self.reductions = 0
        self._handles = [p.register_post_accumulate_grad_hook(self._grad_ready) for p in params]

    def remove_hooks(self) -> None:
        for h in self._handles:
            h.remove()

    # --- one iteration -------------------------------------------------------------------------
    def prepare_for_backward(self) -> None:
        """A synced forward ran: the next backward reduces (called by DistributedDataParallel)."""
        if self._expecting and self._ready:
            raise RuntimeError(self._unfinished_message())
        for b in self.buckets:
            b.pending = len(b.params)
        self._ready.clear()
        self._expecting = True
        self._next_to_start = 0

    def _grad_ready(self, p: Tensor) -> None:
        if not self._expecting:
            return  # a forward outside DistributedDataParallel's sync (no_sync, or the module)
        bucket, i = self._slot[id(p)]
        assert p.grad is not None  # (the hook runs once .grad holds this pass's gradient)
        bucket.views[i][...] = p.grad.data
        self._ready.add(id(p))
        bucket.pending -= 1
        while self._next_to_start < len(self.buckets):
            b = self.buckets[self._next_to_start]
            if b.pending:
                return
            b.request = start_all_reduce(b.buffer)
            self._next_to_start += 1
        self._finalize()

    def _finalize(self) -> None:
        start = time.perf_counter()
        wait([b.request for b in self.buckets], "DistributedDataParallel gradient all-reduce")
        self.comm_wait_seconds += time.perf_counter() - start
        self.reductions += 1
        for b in self.buckets:
            b.request = None
            b.buffer /= self.world_size
            for p, view in zip(b.params, b.views):
                assert p.grad is not None
                grad = p.grad.data
                if grad.flags.writeable and grad.flags.c_contiguous:
                    grad[...] = view
                else:
                    p.grad = Tensor(view.copy())
        self._expecting = False
        self._next_to_start = 0
        self._ready.clear()

    def _unfinished_message(self) -> str:
        missing = [n for key, n in self.names.items() if key not in self._ready]
        return (
            "DistributedDataParallel: the previous iteration's gradient reduction did not finish "
            f"(these parameters got no gradient: {', '.join(missing)}); every parameter must "
            "take part in computing the loss, and backward() must run once per forward"
        )
