"""Activation layers: shells over ``nn.functional`` (PReLU holds its slope as a parameter).
Any shape in, same out. ``inplace`` is accepted for PyTorch's signatures and ignored: the
result is always a new tensor (an in-place activation saves memory in PyTorch, not here)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd import Tensor

from .. import functional as F
from .._checks import check_float, check_int
from ..module import Module, Parameter


class _Activation(Module):
    def __init__(self, inplace: bool = False) -> None:
        super().__init__()
        self.inplace = inplace


class ReLU(_Activation):
    """max(x, 0); relu'(0) = 0."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(x)


class ReLU6(_Activation):
    """min(max(x, 0), 6); the gradient is 0 at 0 and at 6."""

    def forward(self, x: Tensor) -> Tensor:
        return F.relu6(x)


class LeakyReLU(_Activation):
    """x where x > 0, negative_slope * x elsewhere."""

    def __init__(self, negative_slope: float = 0.01, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.negative_slope = check_float(negative_slope, "negative_slope", "LeakyReLU")

    def forward(self, x: Tensor) -> Tensor:
        return F.leaky_relu(x, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Sigmoid(Module):
    """1 / (1 + e^-x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.sigmoid(x)


class LogSigmoid(Module):
    """ln sigmoid(x) = -softplus(-x), finite for any x."""

    def forward(self, x: Tensor) -> Tensor:
        return F.logsigmoid(x)


class Tanh(Module):
    def forward(self, x: Tensor) -> Tensor:
        return F.tanh(x)


class Softsign(Module):
    """x / (1 + |x|)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softsign(x)


class Softplus(Module):
    """ln(1 + e^(beta x)) / beta, x itself where beta x > threshold."""

    def __init__(self, beta: float = 1.0, threshold: float = 20.0) -> None:
        super().__init__()
        self.beta = check_float(beta, "beta", "Softplus", 0.0, open_low=True)
        self.threshold = check_float(threshold, "threshold", "Softplus")

    def forward(self, x: Tensor) -> Tensor:
        return F.softplus(x, self.beta, self.threshold)

    def extra_repr(self) -> str:
        return f"beta={self.beta}, threshold={self.threshold}"


class GELU(Module):
    """x Phi(x), Phi the standard normal CDF: the exact erf form by default (PyTorch's), or
    ``approximate="tanh"`` (see ``nn.functional.gelu``)."""

    def __init__(self, approximate: str = "none") -> None:
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, x: Tensor) -> Tensor:
        return F.gelu(x, self.approximate)

    def extra_repr(self) -> str:
        return f"approximate={self.approximate!r}"


class SiLU(_Activation):
    """x * sigmoid(x) (swish)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.silu(x)


class Mish(_Activation):
    """x * tanh(softplus(x))."""

    def forward(self, x: Tensor) -> Tensor:
        return F.mish(x)


class ELU(_Activation):
    """x where x > 0, alpha (e^x - 1) elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = check_float(alpha, "alpha", "ELU")

    def forward(self, x: Tensor) -> Tensor:
        return F.elu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class CELU(_Activation):
    """x where x > 0, alpha (e^(x / alpha) - 1) elsewhere."""

    def __init__(self, alpha: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.alpha = check_float(alpha, "alpha", "CELU")
        if self.alpha == 0:
            raise ValueError("CELU: alpha must not be 0")

    def forward(self, x: Tensor) -> Tensor:
        return F.celu(x, self.alpha)

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}"


class SELU(_Activation):
    """scale * elu(x, alpha) with the self-normalising constants."""

    def forward(self, x: Tensor) -> Tensor:
        return F.selu(x)


class Hardtanh(_Activation):
    """x clipped to [min_val, max_val] (gradient 0 at and beyond the bounds)."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.min_val = check_float(min_val, "min_val", "Hardtanh")
        self.max_val = check_float(max_val, "max_val", "Hardtanh")
        if self.min_val > self.max_val:
            raise ValueError(
                f"Hardtanh: min_val {self.min_val} is greater than max_val {self.max_val}"
            )

    def forward(self, x: Tensor) -> Tensor:
        return F.hardtanh(x, self.min_val, self.max_val)

    def extra_repr(self) -> str:
        return f"min_val={self.min_val}, max_val={self.max_val}"


class Hardsigmoid(_Activation):
    """relu6(x + 3) / 6."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardsigmoid(x)


class Hardswish(_Activation):
    """x * relu6(x + 3) / 6."""

    def forward(self, x: Tensor) -> Tensor:
        return F.hardswish(x)


class PReLU(Module):
    """x where x > 0, a * x elsewhere, the slope a learned: one value shared by every channel
    (``num_parameters=1``) or one per channel (axis 1), initialised to ``init``. (Their count
    is ``weight.shape[0]``: ``num_parameters()`` is every Module's parameter count.)"""

    def __init__(self, num_parameters: int = 1, init: float = 0.25, *, dtype: Any = np.float32):
        super().__init__()
        count = check_int(num_parameters, "num_parameters", "PReLU")
        value = check_float(init, "init", "PReLU")
        self.weight = Parameter(np.full(count, value, dtype=dtype))

    def forward(self, x: Tensor) -> Tensor:
        return F.prelu(x, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.weight.shape[0]}"


_CALLER = 5  # the warning's stacklevel: the line that called the module (as PyTorch's)


class _SoftmaxFamily(Module):
    """Softmax, Softmin and LogSoftmax along ``dim``; without one, PyTorch's deprecated implicit
    choice at each call (dim 0 for 0-, 1- and 3-D input, else 1), with its warning."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        if dim is not None:
            dim = check_int(dim, "dim", type(self).__name__, minimum=-(2**63))
        self.dim = dim

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Softmax(_SoftmaxFamily):
    """e^x / sum(e^x) along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmax(x, self.dim, _stacklevel=_CALLER)


class Softmin(_SoftmaxFamily):
    """softmax(-x) along ``dim``: the smallest input gets the largest weight."""

    def forward(self, x: Tensor) -> Tensor:
        return F.softmin(x, self.dim, _stacklevel=_CALLER)


class LogSoftmax(_SoftmaxFamily):
    """x - logsumexp(x) along ``dim``."""

    def forward(self, x: Tensor) -> Tensor:
        return F.log_softmax(x, self.dim, _stacklevel=_CALLER)


class GLU(Module):
    """The gated linear unit a * sigmoid(b), a and b the halves of the input along ``dim``."""

    def __init__(self, dim: int = -1) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "GLU", minimum=-(2**63))

    def forward(self, x: Tensor) -> Tensor:
        return F.glu(x, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class Threshold(_Activation):
    """x where x > threshold, ``value`` elsewhere."""

    def __init__(self, threshold: float, value: float, inplace: bool = False) -> None:
        super().__init__(inplace)
        self.threshold = check_float(threshold, "threshold", "Threshold")
        self.value = check_float(value, "value", "Threshold")

    def forward(self, x: Tensor) -> Tensor:
        return F.threshold(x, self.threshold, self.value)

    def extra_repr(self) -> str:
        return f"threshold={self.threshold}, value={self.value}"


class Hardshrink(Module):
    """x where |x| > lambd, 0 elsewhere."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = check_float(lambd, "lambd", "Hardshrink")

    def forward(self, x: Tensor) -> Tensor:
        return F.hardshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Softshrink(Module):
    """x - lambd above lambd, x + lambd below -lambd, 0 between."""

    def __init__(self, lambd: float = 0.5) -> None:
        super().__init__()
        self.lambd = check_float(lambd, "lambd", "Softshrink", 0.0)

    def forward(self, x: Tensor) -> Tensor:
        return F.softshrink(x, self.lambd)

    def extra_repr(self) -> str:
        return f"{self.lambd}"


class Tanhshrink(Module):
    """x - tanh(x)."""

    def forward(self, x: Tensor) -> Tensor:
        return F.tanhshrink(x)
