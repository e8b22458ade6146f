"""Testing helpers (public): hypothesis strategies for tensors and per-gate sample specs.

Importing this package registers the specs of every gate family: each ``specs_<family>.py`` module
here is imported (in name order), so a new family's specs need no edit to this file.
"""

import importlib as _importlib
import pkgutil as _pkgutil

try:  # every module here builds on hypothesis, an extra: say which one when it is missing
    import hypothesis as _hypothesis  # noqa: F401
except ImportError as _e:
    if _e.name != "hypothesis":
        raise  # hypothesis is there but broken: its own error names the culprit
    raise ModuleNotFoundError(
        "autograd.testing needs hypothesis, an optional dependency of gategrad: "
        "pip install 'gategrad[testing]' (or just: pip install hypothesis)",
        name="hypothesis",
    ) from None

from .registry import SPECS, GateSpec, register
from .strategies import (
    DOMAINS,
    away_from_zero,
    bounded,
    broadcastable_shapes,
    elements,
    index_arrays,
    kink_free,
    positives,
    reals,
    shapes,
    spec_inputs,
    tensors,
)

for _module in sorted(m.name for m in _pkgutil.iter_modules(__path__)):
    if _module.startswith("specs_"):
        _importlib.import_module(f"{__name__}.{_module}")

__all__ = [
    "DOMAINS", "SPECS", "GateSpec", "away_from_zero", "bounded", "broadcastable_shapes",
    "elements", "index_arrays", "kink_free", "positives", "reals", "register", "shapes",
    "spec_inputs", "tensors",
]  # fmt: skip
