"""Imports of packages a plain ``pip install gategrad`` may not have, each made where it is first
needed, so that ``import nn`` works without them and a missing one fails with one message saying
what to install.

``pip install gategrad`` gives numpy, safetensors (checkpoints) and tqdm (``fit``'s bar); the
rest comes with an extra: ``gategrad[plot]``, ``gategrad[data]``, ... or ``gategrad[all]``.
"""

from __future__ import annotations

import importlib
from types import ModuleType

#: top-level import name -> (the name pip knows it by, the extra that installs it; None: the base
#: install already does, so it is missing only after ``pip install --no-deps`` or an uninstall)
PACKAGES: dict[str, tuple[str, str | None]] = {
    "safetensors": ("safetensors", None),
    "tqdm": ("tqdm", None),
    "matplotlib": ("matplotlib", "plot"),
    "sklearn": ("scikit-learn", "data"),
    "mnist1d": ("mnist1d", "data"),
}


def missing_message(top: str, needed_by: str) -> str:
    """The one message for a missing package ``top`` (an import name in :data:`PACKAGES`)."""
    pip_name, extra = PACKAGES[top]
    if extra is None:
        return (
            f"{needed_by} needs {pip_name}, which gategrad depends on but is not installed here "
            f"(was gategrad installed with --no-deps?): pip install {pip_name}"
        )
    return (
        f"{needed_by} needs {pip_name}, an optional dependency of gategrad: "
        f"pip install 'gategrad[{extra}]' (or just: pip install {pip_name})"
    )


def need(module: str, needed_by: str) -> ModuleType:
    """Import ``module`` (e.g. ``"matplotlib.pyplot"``) for ``needed_by`` (the feature, named
    as the user calls it, e.g. ``"nn.training.plot_history"``).

    Raises ``ModuleNotFoundError`` with :func:`missing_message` when the package itself is
    missing. When it is installed but one of *its* own imports fails, that error passes unchanged:
    it names the real culprit, and installing our extra again would not cure it.
    """
    top = module.partition(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if e.name is None or e.name.partition(".")[0] != top:
            raise
        raise ModuleNotFoundError(missing_message(top, needed_by), name=top) from None
