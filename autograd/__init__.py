"""gategrad's autograd engine: tensors whose every operation is a recorded, readable gate.

Note: ``autograd`` is also the import name of HIPS autograd. Install gategrad into its own virtual
environment; if the other package is found here instead, importing fails with a message saying so.
"""

from __future__ import annotations

import os as _os

if _os.path.isdir(_os.path.join(_os.path.dirname(__file__), "numpy")):
    raise ImportError(
        "The 'autograd' package here is mixed with HIPS autograd (it has autograd/numpy). "
        "gategrad and HIPS autograd share the import name 'autograd': install gategrad into its "
        "own virtual environment (python -m venv .venv && .venv/bin/pip install gategrad)."
    )

__gategrad__ = True  # lets `nn` and users tell this package from HIPS autograd

# Tensor first: the gate modules import it while it is being defined.
from .tensor import Tensor, grad  # noqa: E402

# isort: split
from . import gates  # noqa: E402
from .creation import (  # noqa: E402
    Generator,
    arange,
    as_tensor,
    default_generator,
    eye,
    from_numpy,
    full,
    linspace,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    tensor,
    zeros,
    zeros_like,
)
from .gates import *  # noqa: E402,F403
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from .graph import (  # noqa: E402
    GATES,
    AnomalyError,
    Gate,
    Node,
    detect_anomaly,
    enable_grad,
    is_grad_enabled,
    no_grad,
    scope,
    set_grad_enabled,
)

# isort: split
# A student's own nn.py beside the notebook would shadow gategrad's nn: say so now (see _shadowing).
from ._shadowing import warn_if_nn_is_shadowed as _warn_if_nn_is_shadowed  # noqa: E402

_warn_if_nn_is_shadowed()

float32 = "float32"
float64 = "float64"
int64 = "int64"
bool_ = "bool"


def __getattr__(name: str):  # lazy: these sit on top of the core and pull in extra imports
    if name in ("viz", "testing"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


__all__ = [
    "GATES", "AnomalyError", "Gate", "Generator", "GradcheckError", "gradcheck", "gradgradcheck", "Node", "Tensor", "arange", "as_tensor",
    "default_generator", "detect_anomaly", "enable_grad", "eye", "from_numpy", "full", "grad",
    "is_grad_enabled", "linspace", "manual_seed", "no_grad", "ones", "ones_like", "rand",
    "randint", "randn", "scope", "set_grad_enabled", "tensor", "zeros", "zeros_like",
    *gates.__all__,
]  # fmt: skip
