"""Flatten: merge a range of axes into one (by default everything but the batch axis);
Unflatten: split one axis into several."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

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


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size`` (one entry may be -1: inferred):
    ``Unflatten(1, (16, 4, 4))`` turns (N, 256) into (N, 16, 4, 4), the inverse of
    ``Flatten``. A reshape (a view when NumPy can make one)."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        self.dim = check_int(dim, "dim", "Unflatten", minimum=_ANY)
        try:
            sizes = tuple(unflattened_size)
        except TypeError:
            raise TypeError(
                f"Unflatten: unflattened_size must be a sequence of ints, got {unflattened_size!r}"
            ) from None
        if not sizes:
            raise ValueError("Unflatten: unflattened_size must not be empty")
        self.unflattened_size = tuple(
            check_int(s, "unflattened_size", "Unflatten", -1) for s in sizes
        )
        if sum(s == -1 for s in self.unflattened_size) > 1 or 0 in self.unflattened_size:
            raise ValueError(
                f"Unflatten: unflattened_size may hold one -1 and no 0, got {self.unflattened_size}"
            )

    def forward(self, x: Tensor) -> Tensor:
        if not -x.ndim <= self.dim < x.ndim:
            raise IndexError(
                f"Unflatten: dim {self.dim} is out of range for input of shape {x.shape}"
            )
        d = self.dim % x.ndim
        sizes, n = self.unflattened_size, x.shape[d]
        known = int(np.prod([s for s in sizes if s != -1]))
        if n % known if -1 in sizes else n != known:
            raise ValueError(
                f"Unflatten: unflattened_size {sizes} does not fit dimension {self.dim} of size "
                f"{n} (input shape {x.shape})"
            )
        return x.reshape(x.shape[:d] + sizes + x.shape[d + 1 :])

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
