"""Padding layers, PyTorch's: zero, constant, reflection, replication and circular padding of
the last one or two axes; no parameters."""

from __future__ import annotations

from typing import Any

from autograd import Tensor

from .. import functional as F
from .._checks import check_ints
from ..module import Module


class _PadNd(Module):
    _dims = 1
    _mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        name = type(self).__name__
        minimum = -(2**63) if self._mode == "constant" else 0  # constant padding may crop
        self.padding = check_ints(padding, 2 * self._dims, "padding", name, minimum=minimum)
        self.value = float(value)

    def forward(self, x: Tensor) -> Tensor:
        if self._mode == "constant":
            return F.pad(x, self.padding, "constant", self.value)
        return F.pad(x, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}" + (f", value={self.value}" if self.value else "")


class ConstantPad1d(_PadNd):
    """Pad the last axis with ``value``: ``padding`` is an int or (left, right)."""

    def __init__(self, padding: Any, value: float) -> None:
        super().__init__(padding, value)


class ConstantPad2d(ConstantPad1d):
    """Pad the last two axes with ``value``: ``padding`` is an int or (left, right, top,
    bottom)."""

    _dims = 2


class ZeroPad1d(_PadNd):
    """Pad the last axis with zeros: ``padding`` is an int or (left, right)."""


class ZeroPad2d(_PadNd):
    """Pad the last two axes with zeros: ``padding`` is an int or (left, right, top, bottom)."""

    _dims = 2


class ReflectionPad1d(_PadNd):
    """Mirror the last axis about its edge elements (not repeated): (left, right) each smaller
    than the axis."""

    _mode = "reflect"


class ReflectionPad2d(ReflectionPad1d):
    """Mirror the last two axes: (left, right, top, bottom), each smaller than its axis."""

    _dims = 2


class ReplicationPad1d(_PadNd):
    """Repeat the edge elements of the last axis: (left, right)."""

    _mode = "replicate"


class ReplicationPad2d(ReplicationPad1d):
    """Repeat the edge elements of the last two axes: (left, right, top, bottom)."""

    _dims = 2


class CircularPad1d(_PadNd):
    """Wrap the last axis around (the other end's elements): (left, right), each at most the
    axis."""

    _mode = "circular"


class CircularPad2d(CircularPad1d):
    """Wrap the last two axes around: (left, right, top, bottom)."""

    _dims = 2
