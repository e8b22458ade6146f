"""Flatten: merge a range of axes into one (by default everything but the batch axis)."""

from __future__ import annotations

from autograd import Tensor

from .._checks import check_int
from ..module import Module

_ANY = -(2**63)  # dims may be negative (counted from the end)


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...) with the defaults start_dim=1, end_dim=-1.
    Both dims must exist in the input (negative ones count from the end) and start_dim must not
    come after end_dim, as in PyTorch."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = check_int(start_dim, "start_dim", "Flatten", minimum=_ANY)
        self.end_dim = check_int(end_dim, "end_dim", "Flatten", minimum=_ANY)

    def forward(self, x: Tensor) -> Tensor:
        if x.ndim:  # a 0-d input flattens to one element whatever the dims
            start, end = (self._axis(d, x) for d in (self.start_dim, self.end_dim))
            if start > end:
                raise ValueError(
                    f"Flatten: start_dim {self.start_dim} comes after end_dim {self.end_dim} "
                    f"for input of shape {x.shape}"
                )
        return x.flatten(self.start_dim, self.end_dim)

    @staticmethod
    def _axis(dim: int, x: Tensor) -> int:
        if not -x.ndim <= dim < x.ndim:
            raise IndexError(
                f"Flatten: dim {dim} is out of range for input of shape {x.shape} "
                f"(dims {-x.ndim}..{x.ndim - 1})"
            )
        return dim % x.ndim

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
