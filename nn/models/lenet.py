"""A LeNet-style CNN: two conv + ReLU + max-pool stages, then two linear layers."""

from __future__ import annotations

from autograd import Tensor

from .._random import GeneratorLike
from ..layers.activation import ReLU
from ..layers.conv import Conv2d
from ..layers.flatten import Flatten
from ..layers.linear import Linear
from ..layers.pooling import MaxPool2d
from ..module import Module, Sequential
from ._seed import shared_generator


class LeNet(Module):
    """(N, C, H, W) -> (N, num_classes), for square images whose side is a multiple of 4.

    ``features``: conv3x3 -> ReLU -> maxpool2, twice. The convs use 'same' padding (pad 1), so
    each pooling halves the side: an 8x8 digit becomes 4x4 then 2x2; a 28x28 image 14x14 then
    7x7. ``classifier``: flatten -> Linear -> ReLU -> Linear. (LeCun's LeNet-5 used 5x5 convs on
    32x32 inputs; 3x3 suits the 8x8 digits.)
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        *,
        image_size: int = 8,
        channels: tuple[int, int] = (16, 32),
        hidden: int = 64,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        if image_size < 4 or image_size % 4:
            raise ValueError(f"LeNet: image_size must be a multiple of 4, got {image_size}")
        generator = shared_generator(generator)
        c1, c2 = channels
        side = image_size // 4
        self.features = Sequential(
            Conv2d(in_channels, c1, 3, padding=1, generator=generator),
            ReLU(),
            MaxPool2d(2),
            Conv2d(c1, c2, 3, padding=1, generator=generator),
            ReLU(),
            MaxPool2d(2),
        )
        self.classifier = Sequential(
            Flatten(),
            Linear(c2 * side * side, hidden, generator=generator),
            ReLU(),
            Linear(hidden, num_classes, generator=generator),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.classifier(self.features(x))
