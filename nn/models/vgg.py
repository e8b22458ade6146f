"""A configurable small VGG: stacks of 3x3 convs (+ BatchNorm) + ReLU, max-pool between stages."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Tensor

from .._random import GeneratorLike
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.flatten import Flatten
from ..layers.linear import Linear
from ..layers.normalization import BatchNorm2d
from ..layers.pooling import MaxPool2d
from ..module import Module, Sequential
from ._seed import shared_generator


class VGG(Module):
    """``VGG([16, "M", 32, 32, "M"], in_channels=1, num_classes=10, image_size=8)``:
    (N, in_channels, image_size, image_size) -> (N, num_classes).

    ``config`` lists the feature stack: a number is a 3x3 conv of that width (padding 1, so the
    size is kept; with ``batch_norm`` followed by BatchNorm2d and without a conv bias), then ReLU;
    "M" is a 2x2 max-pool that halves the size. The classifier is flatten -> Linear(``hidden``)
    -> ReLU -> Linear. VGG's point: stacked 3x3 convs see as far as one big kernel (two 3x3 =
    a 5x5 receptive field) with fewer weights and more non-linearities.
    """

    def __init__(
        self,
        config: Sequence[int | str],
        *,
        in_channels: int = 3,
        num_classes: int = 10,
        image_size: int = 32,
        batch_norm: bool = True,
        hidden: int = 128,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        generator = shared_generator(generator)
        layers: list[Module] = []
        channels, side = in_channels, image_size
        for item in config:
            if item == "M":
                if side < 2:
                    raise ValueError(f"VGG: too many pooling stages for image_size={image_size}")
                layers.append(MaxPool2d(2))
                side //= 2
                continue
            if isinstance(item, bool) or not isinstance(item, int) or item < 1:
                raise ValueError(f"VGG: config entries are positive ints or 'M', got {item!r}")
            layers.append(
                Conv2d(channels, item, 3, padding=1, bias=not batch_norm, generator=generator)
            )
            if batch_norm:
                layers.append(BatchNorm2d(item))
            layers.append(ReLU())
            channels = item
        self.features = Sequential(*layers)
        self.classifier = Sequential(
            Flatten(),
            Linear(channels * side * side, hidden, generator=generator),
            ReLU(),
            Linear(hidden, num_classes, generator=generator),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
