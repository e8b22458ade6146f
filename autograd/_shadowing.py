"""Warn when ``import nn`` would load something other than gategrad's ``nn``.

A student's own ``nn.py`` (or ``nn/`` package) beside their notebook comes first on ``sys.path``
and shadows the library; ``nn.Linear`` then fails with "module 'nn' has no attribute 'Linear'",
which does not say why. ``import autograd`` usually runs first, so it checks, without importing
anything, and says what happened.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import warnings


class NNShadowedWarning(UserWarning):
    """``import nn`` finds a module other than gategrad's ``nn``."""


def ours() -> str:
    """The folder of gategrad's ``nn``: it is installed beside ``autograd``."""
    return os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "nn")


def found_nn() -> str | None:
    """Where ``import nn`` loads (or would load) its code from; None if nowhere or unknown."""
    module = sys.modules.get("nn")
    if module is not None:
        return getattr(module, "__file__", None)
    try:
        spec = importlib.util.find_spec("nn")  # searches sys.path; imports nothing
    except (ImportError, ValueError):
        return None
    return None if spec is None else spec.origin


def warn_if_nn_is_shadowed() -> None:
    where = found_nn()
    if where is None or os.path.dirname(os.path.realpath(where)) == ours():
        return
    warnings.warn(
        f"`import nn` will load {where}, not gategrad's nn ({ours()}): a file or folder of your "
        "own named 'nn' comes first on the import path, and `nn.Linear` & co. will be missing. "
        "Rename it (e.g. to my_layers.py) and restart the kernel or interpreter.",
        NNShadowedWarning,
        stacklevel=3,
    )
