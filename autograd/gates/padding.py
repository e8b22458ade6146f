"""Padding with a mode: constant (the ``pad`` gate of ``shape.py``), reflect, replicate (NumPy's
"edge"), circular ("wrap") and symmetric.

A non-constant pad only copies input elements, so it is one ``getitem`` with an index array per
padded axis, built by ``np.pad`` itself from ``arange`` (NumPy does the reflecting and wrapping).
Its gradient is getitem's: each input element receives the sum of the gradients of every output
element that copied it (an edge element, replicated, receives its whole band's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from ._common import _t
from .shape import getitem, pad_widths
from .shape import pad as _constant_pad

# PyTorch's names and NumPy's, each to NumPy's
_MODES = {
    "constant": "constant",
    "reflect": "reflect",
    "replicate": "edge",
    "edge": "edge",
    "circular": "wrap",
    "wrap": "wrap",
    "symmetric": "symmetric",
}


def pad(x: Any, pad_width: Any, value: float = 0.0, *, mode: str = "constant") -> Tensor:
    """Pad with NumPy's ``pad_width`` convention, ((before, after), ...) per axis (or one pair
    for all), and a ``mode``: ``"constant"`` (``value``), ``"reflect"`` (mirrored about the edge
    element, which is not repeated: widths must be smaller than the axis), ``"replicate"`` /
    ``"edge"`` (the edge element repeated, any width), ``"circular"`` / ``"wrap"`` (the other
    end's elements: widths at most the axis) or ``"symmetric"`` (mirrored with the edge
    repeated; wider than the axis, it mirrors again, as NumPy does).
    ``nn.functional.pad`` takes PyTorch's flat convention and calls this."""
    x = _t(x)
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {', '.join(map(repr, _MODES))}, got {mode!r}")
    if _MODES[mode] == "constant":
        return _constant_pad(x, pad_width, value)
    widths = pad_widths(x, pad_width)
    axes = [a for a in range(x.ndim) if widths[a].any()]
    if not axes:
        return getitem(x, ...)  # (a view, as a pad of nothing is in PyTorch)
    # PyTorch's limits: a reflection must stay inside the axis, a wrap may go round it once
    limit = {"reflect": -1, "wrap": 0}.get(_MODES[mode])
    for a in axes:
        n, (before, after) = x.shape[a], widths[a]
        if n == 0 or (limit is not None and max(before, after) > n + limit):
            what = "smaller than" if limit == -1 else "at most"
            raise ValueError(
                f"pad: {mode} padding of ({before}, {after}) on dimension {a} must be {what} "
                f"its size {n} (input shape {x.shape})"
            )
    # one open-mesh index array per axis from the first padded axis to the last (adjacent
    # advanced indices keep their axes in place)
    first, last = axes[0], axes[-1]
    index: list[Any] = [slice(None)] * first
    span = last - first + 1
    for k, a in enumerate(range(first, last + 1)):
        idx = np.pad(np.arange(x.shape[a]), tuple(widths[a]), mode=_MODES[mode])  # type: ignore[call-overload]
        index.append(idx.reshape((1,) * k + (-1,) + (1,) * (span - k - 1)))
    return getitem(x, tuple(index))  # z = x at the mirrored / repeated / wrapped positions
