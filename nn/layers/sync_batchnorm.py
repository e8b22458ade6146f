"""SyncBatchNorm: batch normalisation whose batch statistics cover every rank's share of the
batch, so a data-parallel model normalises exactly as one process would on the whole batch.

It composes engine gates; only the statistics cross ranks. Each rank sums its share (per
channel), the sums are all-reduced, and the global sum enters the graph as ``local + (global -
local)`` with the second term a constant. The gradient reaching a global sum is then only this
rank's loss's share of it, so a gradient hook all-reduces it (SUM) before it flows on to the
local sum and the inputs: that is SyncBatchNorm's backward (the all-reduce of the per-channel
gradient sums), with no gradient rule of our own.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograd import Tensor, no_grad

from ..distributed.collectives import start_all_reduce
from ..distributed.process_group import get_world_size, is_initialized, wait
from ..module import Module
from .normalization import _BatchNorm


def _all_reduced(arr: np.ndarray, what: str) -> np.ndarray:
    out = np.ascontiguousarray(arr).copy()
    wait([start_all_reduce(out)], what)
    return out


def _sum_across_ranks(local: Tensor, what: str) -> Tensor:
    """The sum of ``local`` over the ranks, recorded so that backward sums its gradient over the
    ranks too (each rank's loss depends on every rank's share)."""
    total = _all_reduced(local.data, what)
    glob = (local - Tensor(local.data)) + Tensor(total)  # == total exactly; d/d(local) = 1
    glob.register_hook(_all_reduce_gradient(f"{what} (backward)"))
    return glob


def _all_reduce_gradient(what: str) -> Callable[[Tensor], Tensor]:
    def hook(g: Tensor) -> Tensor:
        return Tensor(_all_reduced(g.data, what))

    return hook


class SyncBatchNorm(_BatchNorm):
    """BatchNorm over (N, C, ...) inputs with the batch statistics of all ranks (PyTorch's
    ``nn.SyncBatchNorm``). Outside training, or in a world of one, it is ordinary BatchNorm.
    ``SyncBatchNorm.convert_sync_batchnorm(model)`` swaps a model's BatchNorm layers for it."""

    _ndims = (2, 3, 4, 5)

    def forward(self, x: Tensor) -> Tensor:
        if not (self.training and is_initialized() and get_world_size() > 1):
            return super().forward(x)
        self._check_input(x)
        c = x.shape[1]
        axes = (0, *range(2, x.ndim))
        bshape = (1, c) + (1,) * (x.ndim - 2)
        count = float(
            _all_reduced(np.array([x.numel() // c], dtype=np.float64), "SyncBatchNorm")[0]
        )
        if count <= 1:
            raise ValueError(
                "SyncBatchNorm: expected more than 1 value per channel across the ranks when "
                f"training, got input of shape {x.shape} on this rank"
            )
        mean = _sum_across_ranks(x.sum(axes), "SyncBatchNorm mean") / count
        xc = x - mean.reshape(bshape)
        var = _sum_across_ranks((xc * xc).sum(axes), "SyncBatchNorm variance") / count
        if self.running_mean is not None:
            self._update_running_stats(mean.data, var.data * (count / (count - 1)))
        out = xc * (var.reshape(bshape) + self.eps) ** -0.5
        if self.weight is not None:
            out = out * self.weight.reshape(bshape)
        if self.bias is not None:
            out = out + self.bias.reshape(bshape)
        return out

    def _update_running_stats(self, mean: np.ndarray, unbiased_var: np.ndarray) -> None:
        # state, not gradient path: in place, as BatchNorm's own update
        rm, rv, n = self.running_mean, self.running_var, self.num_batches_tracked
        assert rm is not None and rv is not None and n is not None  # (tracking statistics)
        seen = int(n.data)
        factor = 1.0 / (seen + 1) if self.momentum is None else self.momentum
        with no_grad():  # counted in place, as BatchNorm's own update
            rm.mul_(1.0 - factor).add_(mean, alpha=factor)
            rv.mul_(1.0 - factor).add_(unbiased_var, alpha=factor)
            n.add_(1)

    @classmethod
    def convert_sync_batchnorm(cls, module: Module) -> Module:
        """``module`` with every BatchNorm layer replaced by a SyncBatchNorm holding the same
        parameters and running statistics (the module itself if it is a BatchNorm)."""
        if isinstance(module, _BatchNorm) and not isinstance(module, cls):
            return cls._from_batchnorm(module)
        for name, child in list(module.named_children()):
            converted = cls.convert_sync_batchnorm(child)
            if converted is not child:
                setattr(module, name, converted)
        return module

    @classmethod
    def _from_batchnorm(cls, bn: _BatchNorm) -> SyncBatchNorm:
        sync = cls(bn.num_features, bn.eps, bn.momentum, bn.affine, bn.track_running_stats)
        for name in ("weight", "bias"):
            if getattr(bn, name) is not None:
                setattr(sync, name, getattr(bn, name))  # the same Parameter objects
        for name in ("running_mean", "running_var", "num_batches_tracked"):
            if getattr(bn, name) is not None:
                setattr(sync, name, getattr(bn, name))
        sync.train(bn.training)
        return sync
