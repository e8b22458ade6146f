"""One helper for the models' ``generator=`` argument."""

from __future__ import annotations

import numpy as np

import autograd as ag

from .._random import GeneratorLike


def shared_generator(generator: GeneratorLike) -> GeneratorLike:
    """Make an int seed into one ``autograd.Generator`` that every layer of a model draws from in
    turn. (Passed on as an int, each layer would start its own stream from the same seed, and two
    layers of the same shape would start with identical weights.) Other values pass through."""
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return ag.Generator(int(generator))
    return generator
