"""Linear: y = x W^T + b, initialised like PyTorch's."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd import Tensor

from .. import functional as F
from .. import init
from .._checks import check_int
from .._random import GeneratorLike
from ..module import Module, Parameter


class Linear(Module):
    """x (..., in_features) -> (..., out_features): x @ weight^T + bias.

    weight (out_features, in_features) ~ kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in));
    bias (out_features,) ~ U(-1/sqrt(in), 1/sqrt(in)). Exactly PyTorch's scheme.

    >>> fc = Linear(784, 10, generator=autograd.Generator(0))
    >>> fc(autograd.randn(32, 784)).shape
    (32, 10)
    """

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        *,
        dtype: Any = np.float32,
        generator: GeneratorLike = None,
    ) -> None:
        super().__init__()
        self.in_features = check_int(in_features, "in_features", "Linear")
        self.out_features = check_int(out_features, "out_features", "Linear")
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(np.empty((self.out_features,), dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator: GeneratorLike = None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0.0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
