"""gategrad's autograd engine: tensors whose every operation is a recorded, readable gate.

The modules build on each other in one direction: ``graph`` (gates, nodes, modes, version
counters) -> ``tensor`` (the data type) -> ``gates`` (one family per file) -> ``backward`` (the
walk) and ``inplace`` -> ``ops`` (the one listing that gives Tensor its operators and methods).
``gradcheck``, ``testing`` and ``viz`` sit on top.

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

import numpy as _np  # noqa: E402

from . import _allocator  # noqa: E402
from . import ops as _ops  # noqa: E402,F401  (gives Tensor its operators and methods)
from .backward import backward_all as backward  # noqa: E402  (see below)
from .backward import backward_reference, grad  # noqa: E402
from .checkpoint import checkpoint  # noqa: E402
from .creation import (  # noqa: E402
    arange,
    as_tensor,
    bernoulli,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_dtype,
    linspace,
    logspace,
    multinomial,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)
from .function import Function, FunctionCtx  # noqa: E402
from .gates import *  # noqa: E402,F403
from .gates import __all__ as _gate_names  # noqa: E402
from .gates.reduce import ValuesIndices  # noqa: E402
from .gradcheck import GradcheckError, gradcheck, gradgradcheck  # noqa: E402
from .graph import (  # noqa: E402
    GATES,
    AnomalyError,
    Gate,
    ModifiedError,
    Node,
    RemovableHandle,
    current_scope,
    detect_anomaly,
    enable_grad,
    enter_scope,
    exit_scope,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    scope,
    set_grad_enabled,
)
from .ops import (  # noqa: E402
    broadcast_tensors,
    index_copy,
    index_fill,
    is_tensor,
    numel,
    ravel,
    select,
)
from .random import Generator, default_generator, manual_seed  # noqa: E402
from .tensor import Device, Tensor, device  # noqa: E402

# isort: split
# A student's own nn.py beside the notebook would shadow gategrad's nn: say so now (see _shadowing).
from ._shadowing import warn_if_nn_is_shadowed as _warn_if_nn_is_shadowed  # noqa: E402

_warn_if_nn_is_shadowed()
# Freed large arrays stay in the process for the next step's (see _allocator: page faults were a
# third of a CNN step); GATEGRAD_MALLOC=system leaves glibc's policy alone.
_allocator._at_import()

# dtypes, as PyTorch names them (NumPy dtype objects: ``x.dtype == autograd.float32``)
float16 = _np.dtype("float16")
float32 = _np.dtype("float32")
float64 = _np.dtype("float64")
uint8 = _np.dtype("uint8")
int8 = _np.dtype("int8")
int16 = _np.dtype("int16")
int32 = _np.dtype("int32")
int64 = _np.dtype("int64")
bool = bool_ = _np.dtype("bool")  # (``autograd.bool``, PyTorch's name; shadows the builtin here)
long, double, half, short = int64, float64, float16, int16


def __getattr__(name: str):  # lazy: these sit on top of the core and pull in extra imports
    if name in ("viz", "testing", "functional"):
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'autograd' has no attribute {name!r}")


# ``autograd.backward`` is torch.autograd.backward, the function: it replaces the submodule as the
# package's attribute (``from autograd.backward import ...`` still finds the module).

__all__ = [
    "GATES", "AnomalyError", "Device", "Function", "FunctionCtx", "Gate", "Generator", "GradcheckError", "ModifiedError",
    "Node", "RemovableHandle", "Tensor", "ValuesIndices", "arange", "as_tensor",
    "backward", "backward_reference", "checkpoint", "current_scope", "default_generator", "detect_anomaly", "device",
    "enable_grad", "enter_scope", "exit_scope", "eye", "from_numpy", "full", "grad",
    "gradcheck", "gradgradcheck", "inference_mode", "is_anomaly_enabled", "is_grad_enabled",
    "is_inference_mode_enabled", "linspace", "manual_seed", "no_grad", "ones", "ones_like",
    "rand", "randint", "randn", "scope", "set_grad_enabled", "tensor", "zeros", "zeros_like",
    "empty", "empty_like", "full_like", "logspace", "rand_like", "randint_like", "randn_like",
    "randperm",
    "bernoulli", "broadcast_tensors", "get_default_dtype", "index_copy", "index_fill",
    "is_tensor", "multinomial", "numel", "ravel", "select",
    *_gate_names,
]  # fmt: skip
