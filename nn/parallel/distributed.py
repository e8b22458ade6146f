"""DistributedDataParallel: the same model on every rank, each rank a share of the batch, the
gradients averaged across ranks during ``backward()`` (PyTorch's DDP API).

At construction the ranks check that their models have the same parameter names, shapes and
dtypes, and take rank 0's parameters and buffers. Each forward takes rank 0's buffers first
(BatchNorm's running statistics follow rank 0) and checks that every parameter takes part in the
output; the backward then averages the gradients in buckets (``reducer.py``), so after
``optimizer.step()`` every rank holds the same parameters.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

import autograd
from autograd import Node, Tensor, no_grad

from ..distributed.collectives import all_gather_bytes, start_broadcast
from ..distributed.process_group import get_world_size, wait, world
from ..module import Module
from .reducer import Reducer


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training over the initialized process group.

    - ``broadcast_buffers``: take rank 0's buffers at every forward (default, as in PyTorch).
    - ``bucket_cap_mb``: gradients travel in buckets of about this size (the first one at most
      ``first_bucket_cap_mb``, so the first all-reduce starts early).

    ``model.module`` is the wrapped module; ``state_dict`` keys start with ``module.``, as in
    PyTorch. ``no_sync()`` skips the averaging (gradient accumulation).
    """

    def __init__(
        self,
        module: Module,
        *,
        broadcast_buffers: bool = True,
        bucket_cap_mb: float = 25.0,
        first_bucket_cap_mb: float = 1.0,
    ) -> None:
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: expected an nn.Module, got {type(module).__name__}"
            )
        world("DistributedDataParallel")  # (raises unless init_process_group ran)
        self.module = module
        self.broadcast_buffers = broadcast_buffers
        self.require_backward_grad_sync = True
        self._named_params = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        self.reducer: Reducer | None = None
        if get_world_size() > 1:
            _check_same_model(module)
            _broadcast_from_rank0([t for _, t in module.named_parameters()] + _buffers(module))
            names = [n for n, _ in self._named_params]
            params = [p for _, p in self._named_params]
            self.reducer = Reducer(
                params, names, get_world_size(), bucket_cap_mb, first_bucket_cap_mb
            )

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        reducer = self.reducer
        if reducer is None:  # a world of one: nothing to synchronise
            return self.module(*args, **kwargs)
        if self.broadcast_buffers:
            buffers = _buffers(self.module)
            if buffers:
                _broadcast_from_rank0(buffers)
        out = self.module(*args, **kwargs)
        if self.require_backward_grad_sync and autograd.is_grad_enabled():
            unused = _unused_parameters(out, self._named_params)
            if unused:
                raise RuntimeError(
                    "DistributedDataParallel: these parameters do not take part in the output, so "
                    f"no rank would send their gradients: {', '.join(unused)} (freeze them with "
                    "requires_grad_(False) before wrapping, or use them in forward)"
                )
            reducer.prepare_for_backward()
        return out

    @contextlib.contextmanager
    def no_sync(self) -> Iterator[None]:
        """Inside, forward/backward accumulate gradients locally (no communication); the first
        synced backward afterwards averages the accumulated sums."""
        previous = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous

    @property
    def comm_wait_seconds(self) -> float:
        """Seconds this rank has spent waiting for gradient all-reduces to complete."""
        return 0.0 if self.reducer is None else self.reducer.comm_wait_seconds


def _buffers(module: Module) -> list[Tensor]:
    return [b for _, b in module.named_buffers()]


def _broadcast_from_rank0(tensors: list[Tensor]) -> None:
    """Rank 0's values of ``tensors`` on every rank: their bytes packed into one broadcast."""
    packed = np.concatenate([t.data.reshape(-1).view(np.uint8) for t in tensors])
    wait([start_broadcast(packed, 0)], "DistributedDataParallel broadcast from rank 0")
    start = 0
    with no_grad():  # counted in place, as every parameter update
        for t in tensors:
            n = t.data.nbytes
            t.copy_(packed[start : start + n].view(t.data.dtype).reshape(t.data.shape))
            start += n


def _check_same_model(module: Module) -> None:
    """Every rank must hold the same parameter and buffer names, shapes and dtypes; the error
    names what differs from rank 0."""
    entries = [
        f"{kind} {name}: {t.data.dtype} {t.data.shape}"
        for kind, members in (
            ("parameter", module.named_parameters()),
            ("buffer", module.named_buffers()),
        )
        for name, t in members
    ]
    text = "\n".join(entries).encode()
    digests = all_gather_bytes(hashlib.sha256(text).digest(), "DistributedDataParallel")
    if len(set(digests)) == 1:
        return
    every = [set(t.decode().split("\n")) for t in all_gather_bytes(text, "DistributedDataParallel")]
    problems = []
    for rank, entries_r in enumerate(every[1:], start=1):
        only_here, only_rank0 = sorted(entries_r - every[0]), sorted(every[0] - entries_r)
        if only_here or only_rank0:
            problems.append(
                f"rank {rank} has [{'; '.join(only_here)}] where rank 0 has [{'; '.join(only_rank0)}]"
            )
    raise ValueError(
        "DistributedDataParallel: the ranks' models differ (every rank must build the same "
        "model): " + "; ".join(problems)
    )


def _unused_parameters(out: Any, named_params: Sequence[tuple[str, Tensor]]) -> list[str]:
    """Names of the parameters the recorded graph of ``out`` does not reach (following each
    node's edges, ``Node.next``: the nodes feeding it, or the leaves themselves)."""
    outputs = [t for t in _tensors(out) if t.requires_grad]
    reached = {id(t) for t in outputs if t.grad_fn is None}
    stack = [t.grad_fn for t in outputs if t.grad_fn is not None]
    seen = {id(n) for n in stack}
    while stack:
        for edge in stack.pop().next:
            if edge is None:
                continue
            if isinstance(edge, Node):
                if id(edge) not in seen:
                    seen.add(id(edge))
                    stack.append(edge)
            else:
                reached.add(id(edge))
    return [n for n, p in named_params if id(p) not in reached]


def _tensors(out: Any) -> Iterator[Tensor]:
    """The Tensors in a forward's output (a Tensor, or tuples, lists and dicts of them)."""
    if isinstance(out, Tensor):
        yield out
    elif isinstance(out, (tuple, list)):
        for o in out:
            yield from _tensors(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors(o)
