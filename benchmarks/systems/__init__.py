"""The systems under test, one module each, every one exposing ``BUILDERS`` (workload name ->
``build(data) -> Bench``) and ``requirement()`` (None, or why the system cannot run here)."""

from __future__ import annotations

import importlib
from types import ModuleType

#: system name -> module. Order is the column order of the results table.
SYSTEMS: dict[str, str] = {
    "numpy": "benchmarks.systems.numpy_impl",
    "gategrad": "benchmarks.systems.gategrad_nn_impl",
    "gategrad-ops": "benchmarks.systems.gategrad_impl",
    "torch": "benchmarks.systems.torch_impl",
    "micrograd": "benchmarks.systems.micrograd_impl",
}

LABELS: dict[str, str] = {
    "numpy": "hand-written NumPy",
    "gategrad": "gategrad (nn)",
    "gategrad-ops": "gategrad (engine ops)",
    "torch": "PyTorch CPU",
    "micrograd": "micrograd",
}


def load(name: str) -> ModuleType:
    """Import the module of system ``name``."""
    if name not in SYSTEMS:
        raise KeyError(f"unknown system {name!r}; known: {', '.join(SYSTEMS)}")
    return importlib.import_module(SYSTEMS[name])
