"""One place that turns the ``generator=`` argument of init functions and dropout into a NumPy
random generator."""

from __future__ import annotations

from typing import Any

import numpy as np

import autograd

GeneratorLike = Any  # autograd.Generator | numpy.random.Generator | int seed | None


def resolve_rng(generator: GeneratorLike = None) -> np.random.Generator:
    """``None`` -> ``autograd.default_generator`` (reseeded by ``autograd.manual_seed``);
    an ``autograd.Generator`` or a NumPy ``Generator`` -> its stream; an ``int`` -> a fresh
    stream seeded with it."""
    if generator is None:
        return autograd.default_generator.rng
    if isinstance(generator, autograd.Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        "generator: expected None, an autograd.Generator, a numpy.random.Generator or an int "
        f"seed, got {type(generator).__name__}"
    )
