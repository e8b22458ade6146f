"""ResNet with basic residual blocks, and the same network without shortcuts (PlainNet) for the
course's "deep plain net vs ResNet" comparison."""

from __future__ import annotations

from collections.abc import Sequence

import autograd as ag
from autograd import Tensor

from .._random import GeneratorLike
from ..layers.conv import Conv2d
from ..layers.linear import Linear
from ..layers.normalization import BatchNorm2d
from ..module import Module, Sequential
from ._seed import shared_generator


class BasicBlock(Module):
    """relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)): (N, in_ch, H, W) ->
    (N, out_ch, H / stride, W / stride).

    The shortcut is the identity when the shape is kept, else (``stride`` > 1 or a new width) a
    1x1 strided conv + BN projection (``self.shortcut``). ``residual=False`` drops the shortcut
    altogether: the same block in a plain net. The identity path is why a deep ResNet trains:
    the block only has to learn a correction to x, and the gradient reaches x undiminished.
    """

    def __init__(
        self,
        in_ch: int,
        out_ch: int,
        stride: int = 1,
        *,
        residual: bool = True,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        generator = shared_generator(generator)
        self.residual = residual
        self.conv1 = Conv2d(
            in_ch, out_ch, 3, stride=stride, padding=1, bias=False, generator=generator
        )
        self.bn1 = BatchNorm2d(out_ch)
        self.conv2 = Conv2d(out_ch, out_ch, 3, padding=1, bias=False, generator=generator)
        self.bn2 = BatchNorm2d(out_ch)
        self.shortcut: Module | None = None
        if residual and (stride != 1 or in_ch != out_ch):
            self.shortcut = Sequential(
                Conv2d(in_ch, out_ch, 1, stride=stride, bias=False, generator=generator),
                BatchNorm2d(out_ch),
            )

    def forward(self, x: Tensor) -> Tensor:
        out = ag.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + (x if self.shortcut is None else self.shortcut(x))
        return ag.relu(out)


class ResNet(Module):
    """``ResNet(blocks=(2, 2), widths=(16, 32))``: (N, in_channels, H, W) -> (N, num_classes).

    A 3x3 conv + BN + ReLU stem, then ``len(blocks)`` stages of ``blocks[i]`` basic blocks of width
    ``widths[i]`` (the first block of each later stage halves the spatial size, through a
    projection shortcut), global average pooling, a linear head.
    """

    residual = True

    def __init__(
        self,
        blocks: Sequence[int] = (2, 2),
        widths: Sequence[int] = (16, 32),
        *,
        in_channels: int = 1,
        num_classes: int = 10,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        generator = shared_generator(generator)
        if len(blocks) != len(widths):
            raise ValueError(
                f"{type(self).__name__}: blocks {blocks} and widths {widths} differ in length"
            )
        self.stem = Conv2d(in_channels, widths[0], 3, padding=1, bias=False, generator=generator)
        self.stem_bn = BatchNorm2d(widths[0])
        stages: list[Module] = []
        channels = widths[0]
        for i, (n, w) in enumerate(zip(blocks, widths)):
            for j in range(n):
                stride = 2 if (i > 0 and j == 0) else 1
                stages.append(
                    BasicBlock(channels, w, stride, residual=self.residual, generator=generator)
                )
                channels = w
        self.stages = Sequential(*stages)
        self.head = Linear(channels, num_classes, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        out = ag.relu(self.stem_bn(self.stem(x)))
        out = self.stages(out)
        return self.head(out.mean(axis=(2, 3)))  # global average pooling


class PlainNet(ResNet):
    """ResNet's exact layers without the shortcuts: the "deep plain net" of the course."""

    residual = False
