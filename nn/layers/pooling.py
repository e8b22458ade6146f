"""Pooling layers: max, average and Lp (L2) pooling over windows, and adaptive average and max
pooling to a fixed output size; no parameters."""

from __future__ import annotations

from typing import Any

from autograd import Tensor

from .. import functional as F
from .._checks import check_float, check_int, check_ints
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

    def __init__(
        self, kernel_size: Any, stride: Any = None, padding: Any = 0, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        _check_window(self, self._dims, kernel_size, stride, padding)
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.ceil_mode = bool(ceil_mode)

    def extra_repr(self) -> str:
        s = f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class _MaxPool(_Pool):
    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        dilation: Any = 1,
        return_indices: bool = False,
        ceil_mode: bool = False,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        check_ints(dilation, self._dims, "dilation", type(self).__name__)
        self.dilation = dilation
        self.return_indices = bool(return_indices)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        s += f", dilation={self.dilation}" if self.dilation != 1 else ""
        return s + (", return_indices=True" if self.return_indices else "")


class MaxPool1d(_MaxPool):
    """(N, C, L) -> (N, C, L_out): the largest value in each window (stride = kernel_size unless
    given; the gradient goes to the first maximum). ``return_indices=True`` returns
    (values, indices), each maximum's position along L."""

    _dims = 1

    def forward(self, x: Tensor) -> Any:
        return F.max_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip


class MaxPool2d(_MaxPool):
    """(N, C, H, W) -> (N, C, H_out, W_out): the largest value in each window; ``ceil_mode``
    keeps a last, partial window; ``return_indices=True`` returns (values, indices), each
    maximum's position in its flattened input plane."""

    def forward(self, x: Tensor) -> Any:
        return F.max_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.dilation, self.ceil_mode,
            self.return_indices,
        )  # fmt: skip


class _AvgPool(_Pool):
    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode)
        self.count_include_pad = bool(count_include_pad)

    def extra_repr(self) -> str:
        s = super().extra_repr()
        return s + ("" if self.count_include_pad else ", count_include_pad=False")


class AvgPool1d(_AvgPool):
    """(N, C, L) -> (N, C, L_out): the mean of each window (zero padding counted unless
    ``count_include_pad=False``)."""

    _dims = 1

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool1d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad
        )


class AvgPool2d(_AvgPool):
    """(N, C, H, W) -> (N, C, H_out, W_out): the mean of each window (zero padding counted
    unless ``count_include_pad=False``; ``divisor_override`` divides by that number instead)."""

    def __init__(
        self,
        kernel_size: Any,
        stride: Any = None,
        padding: Any = 0,
        ceil_mode: bool = False,
        count_include_pad: bool = True,
        divisor_override: int | None = None,
    ) -> None:
        super().__init__(kernel_size, stride, padding, ceil_mode, count_include_pad)
        if divisor_override is not None:
            check_int(divisor_override, "divisor_override", "AvgPool2d")
        self.divisor_override = divisor_override

    def forward(self, x: Tensor) -> Tensor:
        return F.avg_pool2d(
            x, self.kernel_size, self.stride, self.padding, self.ceil_mode,
            self.count_include_pad, self.divisor_override,
        )  # fmt: skip


class _LPPool(Module):
    _dims = 2

    def __init__(
        self, norm_type: float, kernel_size: Any, stride: Any = None, ceil_mode: bool = False
    ) -> None:
        super().__init__()
        name = type(self).__name__
        check_float(norm_type, "norm_type", name, 0.0, open_low=True)
        _check_window(self, self._dims, kernel_size, stride, 0)
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.ceil_mode = bool(ceil_mode)

    def extra_repr(self) -> str:
        s = f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}"
        return s + (", ceil_mode=True" if self.ceil_mode else "")


class LPPool1d(_LPPool):
    """(N, C, L) -> (N, C, L_out): (sum over each window of x^p)^(1/p)."""

    _dims = 1

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool1d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool2d(_LPPool):
    """(N, C, H, W) -> (N, C, H_out, W_out): (sum over each window of x^p)^(1/p);
    ``norm_type=2`` is L2 pooling."""

    def forward(self, x: Tensor) -> Tensor:
        return F.lp_pool2d(x, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


# --- adaptive ----------------------------------------------------------------------------------


class _Adaptive(Module):
    _dims = 2

    def __init__(self, output_size: Any) -> None:
        super().__init__()
        name, n = type(self).__name__, self._dims
        items = (output_size,) if output_size is None or isinstance(output_size, int) else None
        for v in items or tuple(output_size):
            if v is not None:
                check_int(v, "output_size", name)
        if items is None and len(tuple(output_size)) != n:
            raise ValueError(f"{name}: output_size must be an int or {n} ints, got {output_size!r}")
        self.output_size = output_size

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(_Adaptive):
    """(N, C, L) -> (N, C, output_size): the mean of each of ``output_size`` windows covering
    L as evenly as possible."""

    _dims = 1

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(x, self.output_size)


class AdaptiveAvgPool2d(_Adaptive):
    """(N, C, H, W) -> (N, C, Ho, Wo) for ``output_size`` Ho or (Ho, Wo) (None keeps that
    size): the mean of each window (PyTorch's windows); ``AdaptiveAvgPool2d(1)`` is global
    average pooling, whatever the input's size.

    >>> AdaptiveAvgPool2d((1, 1))(autograd.randn(8, 64, 7, 7)).shape
    (8, 64, 1, 1)
    """

    def forward(self, x: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(x, self.output_size)


class _AdaptiveMax(_Adaptive):
    def __init__(self, output_size: Any, return_indices: bool = False) -> None:
        super().__init__(output_size)
        self.return_indices = bool(return_indices)


class AdaptiveMaxPool1d(_AdaptiveMax):
    """(N, C, L) -> (N, C, output_size): the maximum of each adaptive window."""

    _dims = 1

    def forward(self, x: Tensor) -> Any:
        return F.adaptive_max_pool1d(x, self.output_size, self.return_indices)


class AdaptiveMaxPool2d(_AdaptiveMax):
    """(N, C, H, W) -> (N, C, Ho, Wo): the maximum of each adaptive window (the gradient goes
    to the first maximum); ``return_indices=True`` also returns their positions."""

    def forward(self, x: Tensor) -> Any:
        return F.adaptive_max_pool2d(x, self.output_size, self.return_indices)
