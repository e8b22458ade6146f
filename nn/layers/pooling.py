"""Pooling layers: max, average and Lp (L2) pooling over windows; no parameters."""

from __future__ import annotations

from typing import Any

from autograd import Tensor

from .. import functional as F
from ..module import Module


class _Pool(Module):
    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool):
    """(N, C, L) -> (N, C, L_out): the largest value in each window (stride = kernel_size unless
    given)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding)


class MaxPool2d(_Pool):
    """(N, C, H, W) -> (N, C, H_out, W_out): the largest value in each window."""

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool1d(_Pool):
    """(N, C, L) -> (N, C, L_out): the mean of each window."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(x, self.kernel_size, self.stride, self.padding)


class AvgPool2d(_Pool):
    """(N, C, H, W) -> (N, C, H_out, W_out): the mean of each window."""

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(x, self.kernel_size, self.stride, self.padding)


class LPPool2d(Module):
    """(N, C, H, W) -> (N, C, H_out, W_out): (sum over each window of x^p)^(1/p);
    ``norm_type=2`` is L2 pooling."""

    def __init__(self, norm_type: float, kernel_size: Any, stride: Any = None) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}"
