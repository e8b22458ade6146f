"""Multi-layer perceptron: Linear -> activation (-> Dropout) repeated, then a Linear head."""

from __future__ import annotations

from collections.abc import Sequence

from autograd import Tensor

from .._random import GeneratorLike
from ..layers.activation import LeakyReLU, ReLU, Sigmoid, Tanh
from ..layers.dropout import Dropout
from ..layers.linear import Linear
from ..module import Module, Sequential
from ._seed import shared_generator

_ACTIVATIONS = {"relu": ReLU, "sigmoid": Sigmoid, "tanh": Tanh, "leaky_relu": LeakyReLU}


class MLP(Module):
    """``MLP(64, [128, 64], 10)``: hidden layers of the given widths, then a linear output.

    (N, *) inputs are flattened to (N, in_features); the output is (N, out_features) scores.
    ``activation`` is one of relu, sigmoid, tanh, leaky_relu; ``dropout`` > 0 adds inverted
    dropout after every hidden activation. ``generator`` (seed or Generator) fixes the init and
    the dropout masks.

    >>> MLP(64, [32], 10)(autograd.randn(5, 64)).shape
    (5, 10)
    """

    def __init__(
        self,
        in_features: int,
        hidden: Sequence[int],
        out_features: int,
        *,
        activation: str = "relu",
        dropout: float = 0.0,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        if activation not in _ACTIVATIONS:
            raise ValueError(
                f"MLP: unknown activation {activation!r}; choose from {sorted(_ACTIVATIONS)}"
            )
        generator = shared_generator(generator)
        layers: list[Module] = []
        width = in_features
        for h in hidden:
            layers.append(Linear(width, h, generator=generator))
            layers.append(_ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, generator=generator))
            width = h
        layers.append(Linear(width, out_features, generator=generator))
        self.layers = Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x.reshape(x.shape[0], -1))
