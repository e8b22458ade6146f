"""Testing helpers (public): hypothesis strategies for tensors and per-gate sample specs.

Importing this module registers the specs of every gate family.
"""

from .registry import SPECS, GateSpec, register

__all__ = ["SPECS", "GateSpec", "register"]
