"""Normalisation layers: BatchNorm1d/2d (running statistics, train/eval) and LayerNorm."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor, no_grad

from .. import functional as F
from .._checks import check_float, check_int
from ..module import Module, Parameter


class _BatchNorm(Module):
    _ndims: tuple[int, ...] = ()
    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None  # buffers (None without track_running_stats)
    running_var: Tensor | None
    num_batches_tracked: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        *,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        num_features = check_int(num_features, "num_features", name)
        check_float(eps, "eps", name, 0.0, open_low=True)
        if momentum is not None:
            check_float(momentum, "momentum", name, 0.0, 1.0)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            self.bias = Parameter(np.zeros(num_features, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def _check_input(self, x: Tensor) -> None:
        if x.ndim not in self._ndims:
            dims = " or ".join(f"{d}-D" for d in self._ndims)
            raise ValueError(f"{type(self).__name__}: expected {dims} input, got shape {x.shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(
                f"{type(self).__name__}: expected {self.num_features} channels (axis 1), "
                f"got input of shape {x.shape}"
            )

    def forward(self, x: Tensor) -> Tensor:
        self._check_input(x)
        w, b, eps = self.weight, self.bias, self.eps
        if not self.training and self.running_mean is not None:
            return F.batch_norm(x, self.running_mean, self.running_var, w, b, False, 0.0, eps)
        if not self.training or self.running_mean is None:  # no running statistics kept
            return F.batch_norm(x, None, None, w, b, True, 0.0, eps)
        seen = int(self.num_batches_tracked.data)
        factor = 1.0 / (seen + 1) if self.momentum is None else self.momentum  # None: average
        out = F.batch_norm(x, self.running_mean, self.running_var, w, b, True, factor, eps)
        with no_grad():
            self.num_batches_tracked.add_(1)
        return out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Per-feature normalisation of (N, C) or (N, C, L) over the batch (and length) axes.

    Training normalises with the batch statistics and updates ``running_mean`` and
    ``running_var`` (unbiased) by ``momentum`` (None: a cumulative average); ``eval()`` uses the
    running statistics. A batch with one value per channel in training raises.
    """

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Per-channel normalisation of (N, C, H, W) over the batch and spatial axes (see
    ``BatchNorm1d``)."""

    _ndims = (4,)


class LayerNorm(Module):
    """Normalise each example over its trailing ``normalized_shape`` axes, then scale and shift
    elementwise (weight ones, bias zeros, both shaped normalized_shape)."""

    def __init__(
        self,
        normalized_shape: int | tuple[int, ...],
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        *,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        shape = (
            (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
        )
        shape = tuple(check_int(d, "normalized_shape", "LayerNorm") for d in shape)
        check_float(eps, "eps", "LayerNorm", 0.0, open_low=True)
        self.normalized_shape = shape
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
        )
