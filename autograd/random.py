"""Random streams: ``Generator``, the default one, and the one resolver of ``generator=``
arguments that the engine and ``nn`` (init, dropout, data loading) share."""

from __future__ import annotations

from typing import Any

import numpy as np

GeneratorLike = Any  # autograd.Generator | numpy.random.Generator | int seed | None


class Generator:
    """A random stream (wraps ``numpy.random.Generator``). ``Generator(seed)`` or
    ``Generator().manual_seed(seed)``, as in PyTorch; ``get_state``/``set_state`` for resuming."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def manual_seed(self, seed: int) -> Generator:
        self.rng = np.random.default_rng(seed)
        return self

    def get_state(self) -> dict:
        return self.rng.bit_generator.state

    def set_state(self, state: dict) -> None:
        self.rng.bit_generator.state = state


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Reseed the default generator (used by rand/randn, nn.init, dropout and data loading
    unless they are given a generator)."""
    return default_generator.manual_seed(seed)


def resolve_generator(generator: GeneratorLike = None) -> np.random.Generator:
    """The NumPy stream behind a ``generator=`` argument: ``None`` -> the default generator's
    (reseeded by ``manual_seed``); an ``autograd.Generator`` or a NumPy ``Generator`` -> its
    stream; an ``int`` -> a fresh stream seeded with it."""
    if generator is None:
        return default_generator.rng
    if isinstance(generator, Generator):
        return generator.rng
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
        return np.random.default_rng(int(generator))
    raise TypeError(
        "generator: expected None, an autograd.Generator, a numpy.random.Generator or an int "
        f"seed, got {type(generator).__name__}"
    )
