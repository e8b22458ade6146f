"""Pooling layers: max, average and Lp (L2) pooling over windows; no parameters."""

from __future__ import annotations

from typing import Any

from autograd import Tensor

from .. import functional as F
from .._checks import check_float, check_ints
from ..module import Module


def _check_window(owner: Module, dims: int, kernel_size: Any, stride: Any, padding: Any) -> None:
    """Refuse a zero or negative window, stride or padding when the layer is built (the values
    are kept as given: the functional forms take ints or tuples alike)."""
    name = type(owner).__name__
    check_ints(kernel_size, dims, "kernel_size", name)
    if stride is not None:
        check_ints(stride, dims, "stride", name)
    check_ints(padding, dims, "padding", name, minimum=0)


class _Pool(Module):
    _dims = 2

    def __init__(self, kernel_size: Any, stride: Any = None, padding: Any = 0) -> None:
        super().__init__()
        _check_window(self, self._dims, kernel_size, stride, padding)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool1d(_Pool):
    """(N, C, L) -> (N, C, L_out): the largest value in each window (stride = kernel_size unless
    given)."""

    _dims = 1

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool1d(x, self.kernel_size, self.stride, self.padding)


class MaxPool2d(_Pool):
    """(N, C, H, W) -> (N, C, H_out, W_out): the largest value in each window."""

    def forward(self, x: Tensor) -> Tensor:
        return F.max_pool2d(x, self.kernel_size, self.stride, self.padding)


class AvgPool1d(_Pool):
    """(N, C, L) -> (N, C, L_out): the mean of each window."""

    _dims = 1

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
        check_float(norm_type, "norm_type", "LPPool2d", 0.0, open_low=True)
        _check_window(self, 2, kernel_size, stride, 0)
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}"
