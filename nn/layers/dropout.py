"""Dropout: inverted dropout in training, the identity in evaluation."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from .. import functional as F
from .._checks import check_float
from .._random import GeneratorLike, resolve_rng
from ..module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` while training and scale the rest by 1/(1 - p);
    the identity after ``eval()``. Any shape in, same shape out.

    ``generator`` (an ``autograd.Generator``, NumPy ``Generator`` or int seed) makes the masks
    reproducible; by default they come from ``autograd.default_generator``. ``inplace`` is
    accepted for PyTorch's signature and computed out of place (as ``nn.ReLU(inplace=True)``).
    """

    def __init__(
        self, p: float = 0.5, inplace: bool = False, *, generator: GeneratorLike = None
    ) -> None:
        super().__init__()
        check_float(p, "p (the probability of zeroing)", "Dropout", 0.0, 1.0)
        self.p = p
        self.inplace = inplace
        # an int seed becomes this layer's own stream (not re-seeded on every call)
        self.generator = (
            resolve_rng(generator) if isinstance(generator, (int, np.integer)) else generator
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace=True" if self.inplace else f"p={self.p}"
