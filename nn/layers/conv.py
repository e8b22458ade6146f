"""Conv1d and Conv2d: cross-correlation layers over the engine's conv gates."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor

from .. import functional as F
from .. import init
from .._checks import check_int, check_ints
from .._random import GeneratorLike
from ..module import Module, Parameter


class _ConvNd(Module):
    _dims = 0
    _fn: Any = None

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] = 0,
        dilation: int | tuple[int, ...] = 1,
        bias: bool = True,
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        n, name = self._dims, type(self).__name__
        self.in_channels = check_int(in_channels, "in_channels", name)
        self.out_channels = check_int(out_channels, "out_channels", name)
        self.kernel_size = check_ints(kernel_size, n, "kernel_size", name)
        self.stride = check_ints(stride, n, "stride", name)
        self.padding = check_ints(padding, n, "padding", name, minimum=0)
        self.dilation = check_ints(dilation, n, "dilation", name)
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """weight ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), ...), bias ~ U(same bound);
        fan_in = in_channels * prod(kernel_size). PyTorch's scheme."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def _args(self) -> tuple[Any, ...]:  # (stride, padding, dilation): ints in 1-D, pairs in 2-D
        one = self._dims == 1
        return tuple(v[0] if one else v for v in (self.stride, self.padding, self.dilation))

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if any(self.padding):
            s += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if self.bias is None:
            s += ", bias=False"
        return s


class Conv1d(_ConvNd):
    """x (N, C_in, L) -> (N, C_out, L_out), L_out = floor((L + 2p - d (k - 1) - 1) / s) + 1.
    weight (C_out, C_in, k), bias (C_out,)."""

    _dims = 1

    def forward(self, x: Tensor) -> Tensor:
        stride, padding, dilation = self._args()
        return F.conv1d(x, self.weight, self.bias, stride, padding, dilation)


class Conv2d(_ConvNd):
    """x (N, C_in, H, W) -> (N, C_out, H_out, W_out), each output size
    floor((size + 2p - d (k - 1) - 1) / s) + 1. weight (C_out, C_in, kH, kW), bias (C_out,).

    >>> conv = Conv2d(3, 16, 3, padding=1)
    >>> conv(autograd.randn(8, 3, 32, 32)).shape
    (8, 16, 32, 32)
    """

    _dims = 2

    def forward(self, x: Tensor) -> Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)
