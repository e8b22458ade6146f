"""Argument checks shared by the layers: each refuses a bad value with a message naming the
layer, the argument and the value, instead of a confusing error (or a silently wrong model)
later."""

from __future__ import annotations

import math
import numbers
from typing import Any


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_int(value: Any, name: str, owner: str, minimum: int = 1) -> int:
    """``value`` as a Python int; refused unless it is an int (not a bool) >= ``minimum``."""
    if not _is_int(value):
        raise TypeError(f"{owner}: {name} must be an int, got {value!r} ({type(value).__name__})")
    if value < minimum:
        what = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{owner}: {name} must be {what}, got {value}")
    return int(value)


def check_ints(value: Any, n: int, name: str, owner: str, minimum: int = 1) -> tuple[int, ...]:
    """An int or a sequence of ``n`` ints, each >= ``minimum``, as a tuple of ``n`` ints."""
    if _is_int(value):
        return (check_int(value, name, owner, minimum),) * n
    try:
        items = tuple(value)
    except TypeError:
        raise TypeError(
            f"{owner}: {name} must be an int or a tuple of {n} ints, got {value!r}"
        ) from None
    if len(items) != n or not all(_is_int(v) for v in items):
        raise TypeError(f"{owner}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if any(v < minimum for v in items):
        what = "positive" if minimum == 1 else f">= {minimum}"
        raise ValueError(f"{owner}: every {name} must be {what}, got {value!r}")
    return tuple(int(v) for v in items)


def check_float(
    value: Any,
    name: str,
    owner: str,
    low: float = -math.inf,
    high: float = math.inf,
    *,
    open_low: bool = False,
) -> float:
    """``value`` as a float; refused unless it is a real number in [low, high] (or (low, high]
    with ``open_low``). NaN is refused everywhere."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number, got {value!r} ({type(value).__name__})")
    v = float(value)
    inside = (low < v if open_low else low <= v) and v <= high
    if not inside:
        raise ValueError(f"{owner}: {name} must be {_range(low, high, open_low)}, got {value}")
    return v


def _range(low: float, high: float, open_low: bool) -> str:
    if math.isinf(high):
        return f"{'>' if open_low else '>='} {low:g}" if math.isfinite(low) else "a number"
    return f"in {'(' if open_low else '['}{low:g}, {high:g}]"
