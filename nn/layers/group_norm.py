"""GroupNorm and InstanceNorm1d/2d: normalisation within each example (no batch statistics in
training), over the fused batch-norm gate (``nn.functional.group_norm``/``instance_norm``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

from .. import functional as F
from .._checks import check_float, check_int
from ..module import Module, Parameter


class GroupNorm(Module):
    """Normalise each example's groups of channels: the C channels of (N, C, *) split into
    ``num_groups`` groups, each normalised over its channels and positions, then scaled and
    shifted per channel (weight ones, bias zeros, both (C,), with ``affine``).
    ``GroupNorm(1, C)`` normalises each example as a whole; ``GroupNorm(C, C)`` each channel.

    >>> GroupNorm(4, 32)(autograd.randn(2, 32, 8, 8)).shape
    (2, 32, 8, 8)
    """

    def __init__(
        self,
        num_groups: int,
        num_channels: int,
        eps: float = 1e-5,
        affine: bool = True,
        *,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        name = "GroupNorm"
        self.num_groups = check_int(num_groups, "num_groups", name)
        self.num_channels = check_int(num_channels, "num_channels", name)
        if self.num_channels % self.num_groups:
            raise ValueError(
                f"{name}: num_groups {self.num_groups} does not divide num_channels "
                f"{self.num_channels}"
            )
        self.eps = check_float(eps, "eps", name, 0.0, open_low=True)
        self.affine = affine
        if affine:
            self.weight = Parameter(np.ones(self.num_channels, dtype=dtype))
            self.bias = Parameter(np.zeros(self.num_channels, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim < 2 or x.shape[1] != self.num_channels:
            raise ValueError(
                f"GroupNorm: expected input of shape (N, {self.num_channels}, ...), got {x.shape}"
            )
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    _spatial = 1
    weight: Parameter | None
    bias: Parameter | None
    running_mean: Tensor | None
    running_var: Tensor | None

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = False,
        track_running_stats: bool = False,
        *,
        dtype: Any = np.float32,
    ) -> None:
        super().__init__()
        name = type(self).__name__
        self.num_features = check_int(num_features, "num_features", name)
        self.eps = check_float(eps, "eps", name, 0.0, open_low=True)
        if momentum is not None:
            check_float(momentum, "momentum", name, 0.0, 1.0)
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        c = self.num_features
        if affine:
            self.weight = Parameter(np.ones(c, dtype=dtype))
            self.bias = Parameter(np.zeros(c, dtype=dtype))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(c, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(c, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)

    def forward(self, x: Tensor) -> Tensor:
        name, k = type(self).__name__, self._spatial
        if x.ndim not in (k + 1, k + 2):
            raise ValueError(
                f"{name}: expected a {k + 2}-D input (N, C, ...) or {k + 1}-D (C, ...), got shape "
                f"{x.shape}"
            )
        unbatched = x.ndim == k + 1
        if unbatched:
            x = x.reshape((1, *x.shape))
        if (self.affine or self.track_running_stats) and x.shape[1] != self.num_features:
            raise ValueError(
                f"{name}: expected {self.num_features} channels (axis 1), got input of shape "
                f"{x.shape}"
            )
        use_input_stats = self.training or not self.track_running_stats
        momentum = 0.0 if self.momentum is None else self.momentum
        # (num_batches_tracked stays 0, as in PyTorch, which keeps it only for its state dict)
        out = F.instance_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, use_input_stats,
            momentum, self.eps,
        )  # fmt: skip
        return out.reshape(out.shape[1:]) if unbatched else out

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
            f"affine={self.affine}, track_running_stats={self.track_running_stats}"
        )


class InstanceNorm1d(_InstanceNorm):
    """Normalise each example's each channel of (N, C, L) (or (C, L)) over L. ``affine=False``
    and ``track_running_stats=False`` by default (PyTorch's): the same in training and
    evaluation; with running statistics, evaluation uses them."""


class InstanceNorm2d(_InstanceNorm):
    """Normalise each example's each channel of (N, C, H, W) (or (C, H, W)) over H and W (the
    normalisation of style transfer); see ``InstanceNorm1d``."""

    _spatial = 2
