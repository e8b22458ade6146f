"""Per-gate sample specs: how to build valid inputs for each registered gate.

The gradient test suite runs every spec through ``gradcheck`` (and ``gradgradcheck`` when
``twice``) on hypothesis-generated float64 inputs; a coverage test fails when a registered gate
has no spec. Add a spec next to its family's others (``specs_<family>.py``) with ``register``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st


@dataclass(frozen=True)
class GateSpec:
    """How to exercise one gate.

    ``inputs`` is a hypothesis strategy producing a tuple ``(arrays, kwargs)``: float64 NumPy
    arrays for the differentiable inputs and keyword arguments for ``fn``. ``fn(*tensors, **kwargs)``
    must apply the gate named ``gate`` (possibly among others) and return a Tensor (or a tuple
    of Tensors). ``eps`` is the central-difference step; a spec changes it only where its values
    need it (e.g. float32-exact steps for a float32 round trip).
    """

    gate: str
    name: str  # unique label for the test id, e.g. "conv2d-stride"
    fn: Callable[..., Any]
    inputs: st.SearchStrategy
    twice: bool = True  # also run gradgradcheck (the rule is itself differentiable)
    atol: float = 1e-5
    rtol: float = 1e-3
    eps: float = 1e-6  # finite-difference step


SPECS: list[GateSpec] = []


def register(
    gate: str,
    fn: Callable[..., Any],
    inputs: st.SearchStrategy,
    *,
    name: str | None = None,
    twice: bool = True,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    eps: float = 1e-6,
) -> GateSpec:
    """Add a spec for ``gate`` to ``SPECS`` (``name`` defaults to the gate's; names are unique)."""
    spec = GateSpec(gate, name or gate, fn, inputs, twice, atol, rtol, eps)
    if any(s.name == spec.name for s in SPECS):
        raise ValueError(f"a spec named {spec.name!r} is registered twice")
    SPECS.append(spec)
    return spec
