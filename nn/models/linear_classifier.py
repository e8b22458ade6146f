"""The score function f(x) = W x + b: one linear layer, the course's first classifier."""

from __future__ import annotations

from autograd import Tensor

from .._random import GeneratorLike
from ..layers.linear import Linear
from ..module import Module


class LinearClassifier(Module):
    """Class scores ``W x + b`` for flattened inputs: (N, *) -> (N, num_classes).

    ``linear.weight`` is W (num_classes, in_features): row c is the template of class c. Train it
    with ``nn.functional.svm_loss`` (hinge) or ``cross_entropy`` (softmax), plus an L2 penalty.
    """

    def __init__(
        self, in_features: int, num_classes: int, *, generator: GeneratorLike = None
    ) -> None:
        super().__init__()
        self.linear = Linear(in_features, num_classes, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return self.linear(x.reshape(x.shape[0], -1))
