"""einsum as one gate: NumPy's einsum forward, and each operand's gradient itself an einsum.

Any subscripts NumPy accepts: implicit or explicit output (``->``), ``...`` broadcasting, repeated
letters within an operand (diagonals, ``ii->i``), letters summed within one operand (``ij->i``),
size-1 dimensions broadcasting against a letter's size, and the sublist form
``einsum(a, [0, 1], b, [1, 2], [0, 2])``. The subscripts are first rewritten explicitly (``...``
replaced by letters of their own), then for operand k with letters s_k:

    grad_k = einsum(out, s_1, ..., (not s_k), ... -> s_k)(g, other operands)

with two corrections where ``s_k`` cannot be an einsum output as it stands: a letter that no other
operand and not the output has was summed within operand k alone, so its gradient is broadcast
back along it; and a repeated letter (a diagonal) takes the gradient on that diagonal, zeros
elsewhere (``index_add_into``); and where NumPy broadcast a size-1 dimension against another
operand's size, the gradient is repeated or summed to the operand's own size. Every step is a
gate, so gradients of any order work.
"""

from __future__ import annotations

import string
from collections import Counter
from typing import Any, NamedTuple

import numpy as np

from ..graph import OTHERS, Node, gate
from ..tensor import Tensor
from ._common import _t, record

_LETTERS = string.ascii_letters


class Subscripts(NamedTuple):
    """Explicit einsum subscripts: one string of letters per operand, and the output's."""

    inputs: tuple[str, ...]
    output: str

    def __str__(self) -> str:
        return ",".join(self.inputs) + "->" + self.output


def _from_sublists(args: tuple) -> tuple[str, tuple]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` -> ``("ab,bc->ac", (a, b))``."""

    def letters(sub: Any) -> str:
        out = []
        for s in sub:
            if s is Ellipsis:
                out.append("...")
            elif isinstance(s, (int, np.integer)) and 0 <= s < len(_LETTERS):
                out.append(_LETTERS[s])
            else:
                raise ValueError(f"einsum: sublist entries are ints in [0, 52) or ..., got {s!r}")
        return "".join(out)

    has_output = len(args) % 2 == 1  # an output sublist at the end
    pairs = args[:-1] if has_output else args
    text = ",".join(letters(s) for s in pairs[1::2])
    if has_output:
        text += "->" + letters(args[-1])
    return text, tuple(pairs[0::2])


def parse(subscripts: str, shapes: list[tuple[int, ...]]) -> Subscripts:
    """Check ``subscripts`` against the operands' shapes and write them out explicitly (as NumPy
    reads them: an implicit output is ``...`` then the letters used once, sorted)."""
    text = subscripts.replace(" ", "")
    where = f"einsum: subscripts {subscripts!r}"
    if text.count("->") > 1:
        raise ValueError(f"{where} have more than one '->'")
    lhs, arrow, out = text.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"{where} name {len(terms)} operands but {len(shapes)} were given")
    for term in (*terms, out):
        rest = term.replace("...", "", 1)
        bad = [c for c in rest if c not in _LETTERS]
        if bad:
            raise ValueError(f"{where}: {bad[0]!r} is not a letter (use a-z, A-Z and one '...')")
    free = [c for c in _LETTERS if c not in text]
    counts = []
    for i, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if "..." in term:
            if named > len(shape):
                raise ValueError(
                    f"{where}: operand {i} has shape {shape} but its subscripts {term!r} name "
                    f"at least {named} dimensions"
                )
            counts.append(len(shape) - named)
        elif named != len(shape):
            raise ValueError(
                f"{where}: operand {i} has shape {shape} ({len(shape)} dimensions) but its "
                f"subscripts {term!r} name {named}"
            )
        else:
            counts.append(0)
    ellipsis = "".join(free[: max(counts, default=0)])
    inputs = tuple(t.replace("...", ellipsis[len(ellipsis) - k :]) for t, k in zip(terms, counts))
    if not arrow:
        once = Counter("".join(t.replace("...", "") for t in terms))
        out = ellipsis + "".join(sorted(c for c, n in once.items() if n == 1))
    elif "..." in out:
        out = out.replace("...", ellipsis)
    elif ellipsis:
        raise ValueError(
            f"{where}: the operands have '...' dimensions but the output names no '...'"
        )
    for c in out:
        if out.count(c) > 1:
            raise ValueError(f"{where}: the output names {c!r} more than once")
        if not any(c in t for t in inputs):
            raise ValueError(f"{where}: the output letter {c!r} names no operand's dimension")
    sizes: dict[str, tuple[int, int]] = {}  # letter -> (size, the operand that set it)
    for i, (t, shape) in enumerate(zip(inputs, shapes)):
        for c, n in zip(t, shape):
            seen = sizes.get(c)
            if seen is not None and seen[1] == i and seen[0] != n:  # a diagonal of a non-square
                raise ValueError(
                    f"{where}: operand {i} (shape {shape}) repeats {c!r} over dimensions of "
                    f"sizes {seen[0]} and {n}"
                )
            if seen is None or seen[0] == 1:
                sizes[c] = (n, i)
            elif n not in (1, seen[0]):  # size 1 broadcasts, as in NumPy
                j = seen[1]
                raise ValueError(
                    f"{where}: {c!r} has size {seen[0]} in operand {j} (shape {shapes[j]}) but "
                    f"{n} in operand {i} (shape {shape})"
                )
    return Subscripts(inputs, out)


def einsum(subscripts: Any, *operands: Any) -> Tensor:
    """Einstein summation (NumPy's and PyTorch's ``einsum``): ``einsum("ij,jk->ik", a, b)`` is
    ``a @ b``, ``einsum("ii", a)`` the trace, ``einsum("bij,bjk->bik", a, b)`` a batched product.
    Operands may also come as one list (``einsum("ij,jk", [a, b])``) or in NumPy's sublist form.
    Each operand's gradient is an einsum of g with the others (see the module docstring)."""
    if not isinstance(subscripts, str):
        subscripts, operands = _from_sublists((subscripts, *operands))
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = tuple(_t(o) for o in operands)
    if not ts:
        raise ValueError("einsum: needs at least one operand")
    spec = parse(subscripts, [t.shape for t in ts])
    dtype = np.result_type(*(t.data.dtype for t in ts))  # NumPy's promotion (PyTorch refuses)
    arrays = [t.data if t.data.dtype == dtype else t.data.astype(dtype) for t in ts]
    out = np.asarray(np.einsum(str(spec), *arrays, optimize=len(ts) > 1))  # z = sum of products
    if out.base is not None and np.may_share_memory(out, arrays[0]):
        out = out.copy()  # one operand, only permuted or a diagonal taken: NumPy gave a view
    return record(EINSUM, out, ts, None, spec)


@gate(
    "einsum",
    "each operand receives an einsum of g with the other operands (see einsum.py)",
    reads=OTHERS,
)
def EINSUM(node: Node, g: Tensor) -> tuple:
    spec: Subscripts = node.attrs
    return tuple(
        _operand_grad(spec, node.inputs, k, g) if t.requires_grad else None
        for k, t in enumerate(node.inputs)
    )


def _operand_grad(spec: Subscripts, ops: tuple, k: int, g: Tensor) -> Tensor:
    from .reduce import reduce_to_shape
    from .shape import index_add_into

    mine, x = spec.inputs[k], ops[k]
    others = [j for j in range(len(ops)) if j != k]
    letters = "".join(dict.fromkeys(mine))  # each letter once, in order
    reached = set(spec.output).union(*(spec.inputs[j] for j in others))
    target = "".join(c for c in letters if c in reached)
    if others or target != spec.output:
        sub = ",".join([spec.output, *(spec.inputs[j] for j in others)]) + "->" + target
        g = einsum(sub, g, *(ops[j] for j in others))
    size = dict(zip(mine, x.shape))
    if len(target) < len(letters):  # letters summed within this operand: broadcast back
        lined = tuple(g.shape[target.index(c)] if c in target else 1 for c in letters)
        g = g.reshape(lined).broadcast_to(
            tuple(n if c in target else size[c] for c, n in zip(letters, lined))
        )
    # where NumPy broadcast a size-1 dimension against another operand's size, fit g to this
    # operand's sizes: repeat it along this operand's own sizes, sum it where they are 1
    want = tuple(size[c] for c in letters)
    if g.shape != want:
        g = reduce_to_shape(g.broadcast_to(np.broadcast_shapes(g.shape, want)), want)
    if len(letters) < len(mine):  # a repeated letter: the gradient lies on that diagonal
        axes = {c: i for i, c in enumerate(letters)}
        index = tuple(
            np.arange(size[c]).reshape(
                tuple(-1 if i == axes[c] else 1 for i in range(len(letters)))
            )
            for c in mine
        )
        g = index_add_into(g, index, x.shape)
    return g
