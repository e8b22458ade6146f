"""Text for the drawing: tensor summaries, gradient-norm classes, and DOT/record escaping.

Everything here is pure formatting (arrays and strings in, strings out), so the same tensor always
gives the same text: the DOT output is byte-for-byte reproducible.
"""

from __future__ import annotations

import math
import re

import numpy as np

#: Tensors with at most this many elements show every value; larger ones show min/mean/max/norm.
TINY = 6

# --- numbers and tensor summaries --------------------------------------------------------------


def number(v: object) -> str:
    """Shortest text that reads back as the same value (``0.1`` for float32 0.1, not 0.100000001)."""
    return str(v)  # NumPy scalars print their shortest round-trip form


def _stat(v: float) -> str:
    return f"{v:.4g}"


def exact(arr: np.ndarray) -> str:
    """Every value, nested like the array: ``[[1.0, 2.0], [3.0, 4.0]]``; a scalar as itself."""
    items = [number(v) for v in arr.ravel()]
    for n in reversed(arr.shape):  # group the innermost axis first
        items = ["[" + ", ".join(items[i : i + n]) + "]" for i in range(0, len(items), n)]
    return items[0]


def summary(arr: np.ndarray) -> str:
    """Exact values for scalars and tiny arrays; ``min … mean … max …`` for the rest."""
    if arr.size == 0:
        return "empty"
    if arr.size <= TINY:
        return exact(arr)
    a = arr if arr.dtype.kind in "fiu" else arr.astype(np.float64)
    total = float(a.sum(dtype=np.float64))  # NaN or inf exactly when some element is
    if math.isfinite(total):  # the common case: three reductions
        return f"min {_stat(a.min())}  mean {_stat(total / a.size)}  max {_stat(a.max())}"
    finite = np.isfinite(a)
    nan = int(np.count_nonzero(np.isnan(a)))
    inf = a.size - int(np.count_nonzero(finite)) - nan
    note = ", ".join(p for p in (f"{nan} NaN" if nan else "", f"{inf} inf" if inf else "") if p)
    a = a[finite]
    if a.size == 0:
        return note
    return f"min {_stat(a.min())}  mean {_stat(a.mean(dtype=np.float64))}  max {_stat(a.max())} ({note})"


def norm(arr: np.ndarray) -> float:
    """L2 norm over all elements, in float64 (NaN if any element is NaN, inf if any is inf)."""
    v = arr.ravel().astype(np.float64, copy=False)
    return math.sqrt(float(v @ v)) if v.size else 0.0


def grad_summary(arr: np.ndarray, n: float | None = None) -> str:
    """A gradient: its exact values when tiny, else its norm ``n`` followed by min/mean/max."""
    if arr.size <= TINY:
        return summary(arr)
    return f"norm {_stat(norm(arr) if n is None else n)}  {summary(arr)}"


def shape_dtype(arr: np.ndarray) -> str:
    return f"{arr.shape} {arr.dtype.name}"


# --- gradient-flow classes ---------------------------------------------------------------------

#: class name -> (fill colour, legend text template). Colours are distinguishable in greyscale too.
GRAD_CLASSES = {
    "zero": ("#d9d9d9", "exactly 0"),
    "vanishing": ("#9ecae1", "vanishing < {lo:g}"),
    "healthy": ("#a1d99b", "healthy"),
    "exploding": ("#fd8d3c", "exploding > {hi:g}"),
    "nonfinite": ("#e31a1c", "NaN / inf"),
}


def grad_class(arr: np.ndarray, lo: float, hi: float, n: float | None = None) -> str:
    """Which of ``GRAD_CLASSES`` a gradient falls in, by its L2 norm ``n`` (NaN/inf first). An
    exactly zero gradient is a class of its own: often correct (the losing input of ``max``, a
    ReLU that is off for the whole batch), never "vanishing"."""
    if n is None:
        n = norm(arr)
    if not math.isfinite(n):
        if np.isnan(n) or not np.all(np.isfinite(arr)):
            return "nonfinite"
        return "exploding"  # every element finite, only the float64 sum of squares overflowed
    if n == 0:
        return "zero"
    if n < lo:
        return "vanishing"
    if n > hi:
        return "exploding"
    return "healthy"


# --- escaping ----------------------------------------------------------------------------------

# Characters that XML 1.0 forbids or that would end Graphviz's C string early (NUL), lone
# surrogates (no UTF-8 form), and the other control characters: shown as their Python escape.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def clean(text: str) -> str:
    """``text`` with every control character, lone surrogate and XML non-character replaced by
    its Python escape (``\\x00``, ``\\udc80``), so any name gives well-formed DOT and SVG.
    Tabs become spaces; newlines stay (they break the line)."""
    text = text.replace("\t", " ")
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def quoted(text: str) -> str:
    """A DOT double-quoted string holding ``text`` literally (plain labels, tooltips, ids).

    ``&`` becomes ``&amp;`` because Graphviz reads entities in labels (``&lt;`` would otherwise
    print as ``<``); it then writes valid XML itself.
    """
    text = clean(text).replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return '"' + text + '"'


_RECORD_SPECIAL = str.maketrans(
    {c: "\\" + c for c in "{}|<>"} | {"\\": "\\\\", '"': '\\"', "&": "&amp;", "\n": "\\n"}
)


def record_field(text: str) -> str:
    """One field of a record label, every record metacharacter (``{ } | < >``) escaped.

    The result goes inside a quoted DOT string, so quotes and backslashes are escaped too.
    """
    return clean(text.replace("\r", "")).translate(_RECORD_SPECIAL)


def record_label(fields: list[str], vertical: bool) -> str:
    """A quoted record label stacking ``fields``; ``vertical`` is true for a top-to-bottom graph,
    where a record's top-level fields would otherwise sit side by side."""
    body = "|".join(record_field(f) for f in fields)
    return '"{' + body + '}"' if vertical else '"' + body + '"'
