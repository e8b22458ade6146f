"""``nn`` resolves ``generator=`` arguments with the engine's one resolver."""

from autograd.random import GeneratorLike
from autograd.random import resolve_generator as resolve_rng

__all__ = ["GeneratorLike", "resolve_rng"]
