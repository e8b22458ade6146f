"""Dropout: inverted dropout in training, the identity in evaluation."""

from __future__ import annotations

import numpy as np

from autograd import Tensor

from .. import functional as F
from .._random import GeneratorLike, resolve_rng
from ..module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` while training and scale the rest by 1/(1 - p);
    the identity after ``eval()``. Any shape in, same shape out.

    ``generator`` (an ``autograd.Generator``, NumPy ``Generator`` or int seed) makes the masks
    reproducible; by default they come from ``autograd.default_generator``.
    """

    def __init__(self, p: float = 0.5, *, generator: GeneratorLike = None) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability must be between 0 and 1, got {p}")
        self.p = p
        # an int seed becomes this layer's own stream (not re-seeded on every call)
        self.generator = (
            resolve_rng(generator) if isinstance(generator, (int, np.integer)) else generator
        )

    def forward(self, x: Tensor) -> Tensor:
        return F.dropout(x, self.p, self.training, self.generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
