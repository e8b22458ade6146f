"""Everything ``fit`` checkpoints besides the model and optimizer, so that a resumed run repeats
the uninterrupted one bit for bit: the loaders' order and position, and the state of every
random generator the library owns.

The library's generators are: ``autograd.default_generator``; each DataLoader's (inside its
``state_dict``); a generator held by a module of the model (Dropout's, or the one a model built
from an int seed shares between its layers); and the generators of ``nn.data.transforms`` in a
loader's dataset. A generator that a user's own code keeps elsewhere is the user's to save.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

import autograd

from .module import Module

_Generator = autograd.Generator | np.random.Generator


def _is_generator(obj: Any) -> bool:
    return isinstance(obj, (autograd.Generator, np.random.Generator))


def transform_generators(dataset: Any, prefix: str) -> Iterator[tuple[str, _Generator]]:
    """The random generators of the transforms applied by ``dataset`` (its ``transform`` and
    ``target_transform``, through ``Compose`` pipelines and ``Subset`` wrappers).

    This is the one place that knows how ``nn.data.transforms`` keep their random state: a
    random transform holds its own ``generator`` (None means the default generator, saved
    separately)."""
    while hasattr(dataset, "dataset") and hasattr(dataset, "indices"):  # Subset
        dataset, prefix = dataset.dataset, f"{prefix}.dataset"
    for attr in ("transform", "target_transform"):
        yield from _pipeline_generators(getattr(dataset, attr, None), f"{prefix}.{attr}")


def _pipeline_generators(transform: Any, prefix: str) -> Iterator[tuple[str, _Generator]]:
    if transform is None:
        return
    if _is_generator(getattr(transform, "generator", None)):
        yield f"{prefix}.generator", transform.generator
    for i, inner in enumerate(getattr(transform, "transforms", None) or ()):
        yield from _pipeline_generators(inner, f"{prefix}.transforms.{i}")


def library_generators(model: Module, loaders: dict[str, Any]) -> dict[str, _Generator]:
    """Name -> generator for every generator the library owns apart from the loaders' own
    (which their ``state_dict`` holds), in a fixed order; ``"default"`` comes last, because
    putting the others back may draw from it (a loader creates its generator from it)."""
    found: dict[str, _Generator] = {}
    for name, module in model.named_modules():
        for attr, value in vars(module).items():
            if _is_generator(value):
                found[f"model.{name}.{attr}" if name else f"model.{attr}"] = value
    for loader_name, loader in loaders.items():
        for key, gen in transform_generators(getattr(loader, "dataset", None), loader_name):
            found[key] = gen
    found["default"] = autograd.default_generator
    return found


def _get_state(gen: _Generator) -> dict[str, Any]:
    if isinstance(gen, autograd.Generator):
        return gen.get_state()
    return dict(gen.bit_generator.state)


def _set_state(gen: _Generator, state: dict[str, Any]) -> None:
    if isinstance(gen, autograd.Generator):
        gen.set_state(state)
    else:
        gen.bit_generator.state = state


def capture(model: Module, loaders: dict[str, Any]) -> dict[str, Any]:
    """The loaders' iteration states and the generators' states, as plain data for ``nn.save``."""
    return {
        "loaders": {
            name: loader.state_dict() if hasattr(loader, "state_dict") else None
            for name, loader in loaders.items()
        },
        "generators": {
            name: _get_state(gen) for name, gen in library_generators(model, loaders).items()
        },
    }


def check(state: dict[str, Any], model: Module, loaders: dict[str, Any]) -> None:
    """Refuse a saved state whose generators are not the ones found now (another model or data
    pipeline), naming the difference."""
    generators, saved = library_generators(model, loaders), state["generators"]
    if set(saved) != set(generators):
        raise ValueError(
            "fit(resume_from=...): the checkpoint's random generators do not match this model "
            f"and data (only in the checkpoint: {sorted(set(saved) - set(generators))}; only "
            f"here: {sorted(set(generators) - set(saved))})"
        )


def restore(state: dict[str, Any], model: Module, loaders: dict[str, Any]) -> None:
    """Put back what ``capture`` saved (after ``check``)."""
    check(state, model, loaders)
    generators, saved = library_generators(model, loaders), state["generators"]
    for name, loader in loaders.items():
        loader_state = state["loaders"].get(name)
        if loader_state is not None and hasattr(loader, "load_state_dict"):
            loader.load_state_dict(loader_state)
    for name, gen in generators.items():  # "default" last
        _set_state(gen, saved[name])
