"""gategrad's neural-network library: PyTorch-shaped modules, losses, optimizers, data and
checkpoints, composed purely of ``autograd`` gates (nn never writes a gradient rule of its own)."""

from __future__ import annotations

import importlib
from typing import Any

import autograd as _autograd

if not getattr(_autograd, "__gategrad__", False):
    raise ImportError(
        "`import autograd` found a different package (probably HIPS autograd, which shares the "
        f"import name; it is at {getattr(_autograd, '__file__', '?')}). Install gategrad into its "
        "own virtual environment: python -m venv .venv && .venv/bin/pip install gategrad"
    )

# The building blocks load eagerly; they need nothing beyond the engine.
from .layers import *  # noqa: E402,F403
from .layers import __all__ as _layers_all  # noqa: E402
from .losses import *  # noqa: E402,F403
from .losses import __all__ as _losses_all  # noqa: E402
from .module import (  # noqa: E402
    Identity,
    Module,
    ModuleDict,
    ModuleList,
    Parameter,
    ParameterDict,
    ParameterList,
    Sequential,
)

# Subpackages load on first use, so `import nn` stays light.
_LAZY_MODULES = {
    "functional",
    "init",
    "optim",
    "data",
    "utils",
    "models",
    "serialization",
    "training",
    "callbacks",
    "distributed",
    "parallel",
}
_LAZY_NAMES = {"save": "serialization", "load": "serialization", "CheckpointError": "serialization"}


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'nn' has no attribute {name!r}")


# `from nn import *` gives the building blocks; the lazy subpackages stay lazy.
__all__ = [
    "Identity", "Module", "ModuleDict", "ModuleList", "Parameter", "ParameterDict",
    "ParameterList", "Sequential",
    *_layers_all, *_losses_all,
]  # fmt: skip
