"""Flatten: merge a range of axes into one (by default everything but the batch axis)."""

from __future__ import annotations

from autograd import Tensor

from ..module import Module


class Flatten(Module):
    """(N, d1, d2, ...) -> (N, d1 * d2 * ...) with the defaults start_dim=1, end_dim=-1."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, x: Tensor) -> Tensor:
        return x.flatten(self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
