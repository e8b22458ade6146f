"""Conv1d, Conv2d (groups, padding modes, 'same'/'valid') and ConvTranspose1d/2d: layers over
the engine's conv gates."""

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

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


class _ConvNd(Module):
    _dims = 0
    _transposed = False

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        output_padding: int | tuple[int, ...] = 0,
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        n, name = self._dims, type(self).__name__
        self.in_channels = check_int(in_channels, "in_channels", name)
        self.out_channels = check_int(out_channels, "out_channels", name)
        self.groups = check_int(groups, "groups", name)
        for what, count in (("in_channels", self.in_channels), ("out_channels", self.out_channels)):
            if count % self.groups:
                raise ValueError(
                    f"{name}: groups {self.groups} does not divide {what} {count} (both "
                    "in_channels and out_channels must be divisible by groups)"
                )
        self.kernel_size = check_ints(kernel_size, n, "kernel_size", name)
        self.stride = check_ints(stride, n, "stride", name)
        self.dilation = check_ints(dilation, n, "dilation", name)
        self.padding: tuple[int, ...] | str
        if isinstance(padding, str):
            if padding not in ("same", "valid") or self._transposed:
                raise ValueError(
                    f"{name}: padding must be an int, a tuple of {n} ints"
                    + ("" if self._transposed else ", 'same' or 'valid'")
                    + f", got {padding!r}"
                )
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError(f"{name}: padding='same' needs stride 1, got {stride!r}")
            self.padding = padding
        else:
            self.padding = check_ints(padding, n, "padding", name, minimum=0)
        if padding_mode not in _PADDING_MODES or (self._transposed and padding_mode != "zeros"):
            allowed = ("zeros",) if self._transposed else _PADDING_MODES
            raise ValueError(
                f"{name}: padding_mode must be one of {', '.join(map(repr, allowed))}, "
                f"got {padding_mode!r}"
            )
        self.padding_mode = padding_mode
        self.output_padding = check_ints(output_padding, n, "output_padding", name, minimum=0)
        if self._transposed:  # (in, out / groups, *kernel)
            shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
        else:  # (out, in / groups, *kernel)
            shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
        self.weight = Parameter(np.empty(shape, dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_channels,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        """weight ~ kaiming_uniform(a=sqrt(5)) = U(-1/sqrt(fan_in), ...), bias ~ U(same bound);
        fan_in = weight.shape[1] * prod(kernel_size) (in_channels / groups, or for a transposed
        convolution out_channels / groups). PyTorch's scheme."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def _same(self) -> list[tuple[int, int]]:
        """padding='same': (before, after) per axis, the odd cell after (PyTorch's choice)."""
        total = [d * (k - 1) for d, k in zip(self.dilation, self.kernel_size)]
        return [(t // 2, t - t // 2) for t in total]

    def _conv_input(self, x: Tensor) -> tuple[Tensor, tuple[int, ...]]:
        """x padded by this layer's padding mode (when it cannot be the gate's own zero
        padding), and the padding left for the gate."""
        n = self._dims
        if self.padding == "valid":
            return x, (0,) * n
        pairs: list[tuple[int, int]]
        if isinstance(self.padding, str):  # "same"
            pairs = self._same()
        else:
            pairs = [(p, p) for p in self.padding]
        if self.padding_mode == "zeros" and all(b == a for b, a in pairs):
            return x, tuple(b for b, _ in pairs)
        mode = "constant" if self.padding_mode == "zeros" else self.padding_mode
        flat = [v for b, a in reversed(pairs) for v in (b, a)]  # PyTorch's order: last axis first
        return F.pad(x, flat, mode=mode), (0,) * n

    def extra_repr(self) -> str:
        s = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}"
        s += f", stride={self.stride}"
        if isinstance(self.padding, str):
            s += f", padding={self.padding!r}"
        elif any(self.padding):
            s += f", padding={self.padding}"
        if any(self.output_padding):
            s += f", output_padding={self.output_padding}"
        if any(d != 1 for d in self.dilation):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode!r}"
        return s


class Conv1d(_ConvNd):
    """x (N, C_in, L) -> (N, C_out, L_out), L_out = floor((L + 2p - d (k - 1) - 1) / s) + 1.
    weight (C_out, C_in / groups, k), bias (C_out,). ``padding``: an int, or ``"same"``
    (stride 1; output length L) or ``"valid"`` (none); ``padding_mode``: ``"zeros"``,
    ``"reflect"``, ``"replicate"`` or ``"circular"``; ``groups`` splits the channels into
    independent blocks (``groups = in_channels``: depthwise)."""

    _dims = 1

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, dtype=dtype, generator=generator,
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._conv_input(x)
        return F.conv1d(
            x, self.weight, self.bias, self.stride[0], padding[0], self.dilation[0], self.groups
        )


class Conv2d(_ConvNd):
    """x (N, C_in, H, W) -> (N, C_out, H_out, W_out), each output size
    floor((size + 2p - d (k - 1) - 1) / s) + 1. weight (C_out, C_in / groups, kH, kW), bias
    (C_out,). ``padding``, ``padding_mode`` and ``groups`` as in ``Conv1d``.

    >>> conv = Conv2d(3, 16, 3, padding=1)
    >>> conv(autograd.randn(8, 3, 32, 32)).shape
    (8, 16, 32, 32)
    """

    _dims = 2

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, dtype=dtype, generator=generator,
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        x, padding = self._conv_input(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    _transposed = True

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] = 0,
        output_padding: int | tuple[int, ...] = 0,
        groups: int = 1,
        bias: bool = True,
        dilation: int | tuple[int, ...] = 1,
        padding_mode: str = "zeros",
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__(
            in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias,
            padding_mode, output_padding, dtype=dtype, generator=generator,
        )  # fmt: skip

    def _output_padding(self, x: Tensor, output_size: Any) -> tuple[int, ...]:
        """The output_padding that gives ``output_size`` (its trailing spatial sizes), which
        must lie within [smallest, smallest + stride - 1] per axis (PyTorch's forward
        argument)."""
        if output_size is None:
            return self.output_padding
        n, name = self._dims, type(self).__name__
        size = tuple(int(v) for v in output_size)[-n:]
        spatial = x.shape[-n:]
        pads = self.padding
        assert not isinstance(pads, str)
        out = []
        for i in range(n):
            k, s, p, d = self.kernel_size[i], self.stride[i], pads[i], self.dilation[i]
            least = (spatial[i] - 1) * s - 2 * p + d * (k - 1) + 1
            if not least <= size[i] < least + s:
                raise ValueError(
                    f"{name}: requested output size {size} for input shape {x.shape}, but sizes "
                    f"along spatial axis {i} range from {least} to {least + s - 1}"
                )
            out.append(size[i] - least)
        return tuple(out)


class ConvTranspose1d(_ConvTransposeNd):
    """The adjoint of ``Conv1d`` (a "deconvolution"): x (N, C_in, L) -> (N, C_out, L_out),
    L_out = (L - 1) s - 2p + d (k - 1) + output_padding + 1. weight (C_in, C_out / groups, k),
    bias (C_out,). ``forward(x, output_size)`` picks output_padding to reach output_size."""

    _dims = 1

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        extra = self._output_padding(x, output_size)
        padding = self.padding
        assert not isinstance(padding, str)
        return F.conv_transpose1d(
            x, self.weight, self.bias, self.stride[0], padding[0], extra[0], self.groups,
            self.dilation[0],
        )  # fmt: skip


class ConvTranspose2d(_ConvTransposeNd):
    """The adjoint of ``Conv2d``: x (N, C_in, H, W) -> (N, C_out, H_out, W_out), each output
    size (size - 1) s - 2p + d (k - 1) + output_padding + 1 (kernel 4, stride 2, padding 1
    doubles H and W). weight (C_in, C_out / groups, kH, kW), bias (C_out,).

    >>> up = ConvTranspose2d(16, 8, 4, stride=2, padding=1)
    >>> up(autograd.randn(2, 16, 7, 7)).shape
    (2, 8, 14, 14)
    """

    _dims = 2

    def forward(self, x: Tensor, output_size: Any = None) -> Tensor:
        extra = self._output_padding(x, output_size)
        return F.conv_transpose2d(
            x, self.weight, self.bias, self.stride, self.padding, extra, self.groups,
            self.dilation,
        )  # fmt: skip
