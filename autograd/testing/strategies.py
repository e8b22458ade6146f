"""Hypothesis strategies for testing gradients (public: use them for your own ops too).

Shapes, mutually broadcastable shapes, value *domains* and arrays/Tensors built from them::

    from hypothesis import given
    from autograd import tensor
    from autograd.gradcheck import gradcheck
    from autograd.testing import tensors

    @given(tensors(domain="positive"))
    def test_my_log(x):
        gradcheck(my_log, [tensor(x, requires_grad=True)])

A *domain* keeps inputs where a central difference ``(f(x + eps) - f(x - eps)) / (2 eps)`` is a
fair judge of the gradient:

- ``"real"``: any moderate value, for smooth gates (tanh, sigmoid, add...);
- ``"bounded"``: moderate values for gates that grow fast (exp, pow's exponent);
- ``"positive"``: strictly positive, away from 0 (log, sqrt, pow's base);
- ``"nonzero"``: away from 0 on either side (a divisor, ``x ** -1``);
- ``"kinkfree"``: a grid ``(k + 1/2) / 32`` that never contains 0, drawn without repeats, so no
  finite difference straddles a kink: relu/abs at 0, or a tie in max/min/maximum. Use
  :func:`kink_free` with another ``offset`` for a second operand that must never equal the first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

if TYPE_CHECKING:
    from ..tensor import Tensor

Shape = tuple[int, ...]

# --- element strategies (one value each) -------------------------------------------------------


def reals(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in ``[low, high]`` (0, -0.0 and tiny values included)."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


def bounded(bound: float = 4.0) -> st.SearchStrategy[float]:
    """Floats in ``[-bound, bound]``: for gates that grow fast (exp) and exponents."""
    return reals(-bound, bound)


def positives(low: float = 0.25, high: float = 4.0) -> st.SearchStrategy[float]:
    """Floats in ``[low, high]`` with ``low > 0``: for log, sqrt and bases of pow."""
    if not low > 0:
        raise ValueError(f"positives: low must be > 0, got {low}")
    return st.floats(low, high)


def away_from_zero(min_abs: float = 0.5, max_abs: float = 3.0) -> st.SearchStrategy[float]:
    """Floats with ``min_abs <= |x| <= max_abs``, either sign: for divisors."""
    if not 0 < min_abs <= max_abs:
        raise ValueError(f"away_from_zero: need 0 < min_abs <= max_abs, got {min_abs}, {max_abs}")
    magnitude = st.floats(min_abs, max_abs)
    return st.one_of(magnitude, magnitude.map(lambda v: -v))


def kink_free(
    step: float = 1 / 32, offset: float = 0.5, bound: float = 4.0
) -> st.SearchStrategy[float]:
    """Points ``(k + offset) * step`` of a grid within ``[-bound, bound]``.

    With ``0 < offset < 1`` the grid never contains 0 (so relu, abs and leaky_relu are smooth within
    ``step / 2`` of every point), and two operands drawn with different offsets never coincide
    (so ``maximum(a, b)`` has no tie). Drawn with ``unique=True`` an array has no ties either
    (max/min reductions). ``step`` is far larger than any finite-difference ``eps``.
    """
    if not 0 < offset < 1:
        raise ValueError(f"kink_free: offset must lie strictly between 0 and 1, got {offset}")
    n = int(bound / step)
    return st.integers(-n, n - 1).map(lambda k: (k + offset) * step)


#: Named element domains: ``elements("positive")`` and ``tensors(domain="positive")``.
DOMAINS: dict[str, Callable[[], st.SearchStrategy[float]]] = {
    "real": reals,
    "bounded": bounded,
    "positive": positives,
    "nonzero": away_from_zero,
    "kinkfree": kink_free,
}


def elements(domain: str = "real") -> st.SearchStrategy[float]:
    """The element strategy of a named domain (see the module docstring and ``DOMAINS``)."""
    return _domain(domain)


def _domain(domain: str) -> st.SearchStrategy[float]:
    try:
        return DOMAINS[domain]()
    except KeyError:
        raise ValueError(
            f"elements: unknown domain {domain!r}; choose one of {sorted(DOMAINS)}"
        ) from None


# --- shapes ------------------------------------------------------------------------------------


def shapes(
    min_dims: int = 0, max_dims: int = 4, min_side: int = 1, max_side: int = 5
) -> st.SearchStrategy[Shape]:
    """Array shapes with ``min_dims..max_dims`` axes of ``min_side..max_side`` each.

    The defaults include 0-d shapes ``()`` and size-1 axes (which shrinking favours).
    """
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def broadcastable_shapes(
    n: int = 2, *, min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4
) -> st.SearchStrategy[tuple[Shape, ...]]:
    """``n`` shapes that broadcast together (NumPy rules): ranks differ, sizes are 1 or shared.

    >>> # e.g. ((3, 1), (2, 1, 4), ()) — result shape (2, 3, 4)
    """
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    ).map(lambda b: tuple(b.input_shapes))


# --- arrays and tensors ------------------------------------------------------------------------


def tensors(
    shape: Shape | st.SearchStrategy[Shape] | None = None,
    *,
    dtype: Any = np.float64,
    elements: st.SearchStrategy[float] | None = None,
    domain: str = "real",
    unique: bool | None = None,
    as_tensor: bool = False,
    requires_grad: bool = False,
) -> st.SearchStrategy[Any]:
    """Arrays of ``shape`` (a shape, a shape strategy, or ``shapes(max_dims=3, max_side=4)``).

    Values come from ``elements`` if given, else from the named ``domain``. ``unique`` draws no
    value twice (the default for the ``"kinkfree"`` domain, whose grid has 256 values: keep such
    arrays smaller than that). Returns float64 NumPy arrays
    (0-d arrays included), or :class:`autograd.Tensor` with ``as_tensor=True``.
    """
    if shape is None:
        shape = shapes(max_dims=3, max_side=4)
    if elements is None:
        elements = _domain(domain)
        if unique is None:
            unique = domain == "kinkfree"
    arrays = hnp.arrays(np.dtype(dtype), shape, elements=elements, unique=bool(unique)).map(
        np.asarray
    )
    if not as_tensor:
        return arrays

    def wrap(a: np.ndarray) -> Tensor:
        from ..tensor import Tensor

        return Tensor(a, requires_grad=requires_grad)

    return arrays.map(wrap)


def index_arrays(n: int, *, max_len: int = 5, repeat: bool = True) -> st.SearchStrategy[np.ndarray]:
    """1-D int64 indices into an axis of size ``n`` (negative ones included); with ``repeat`` one
    index always occurs twice, so gradients must accumulate (``x[[i, j, i]]``)."""
    idx = st.lists(st.integers(-n, n - 1), min_size=1, max_size=max_len)
    if repeat:
        idx = st.tuples(idx, st.integers(0, max_len)).map(lambda p: p[0] + [p[0][p[1] % len(p[0])]])
    return idx.map(lambda v: np.asarray(v, dtype=np.int64))


def spec_inputs(
    *arrays: st.SearchStrategy[np.ndarray], **kwargs: Any
) -> st.SearchStrategy[tuple[tuple[np.ndarray, ...], dict[str, Any]]]:
    """The ``(arrays, kwargs)`` pair a :class:`~autograd.testing.GateSpec` draws: one strategy per
    differentiable input, and keyword arguments (strategies, or plain values taken as they are)."""
    kw = {k: v if isinstance(v, st.SearchStrategy) else st.just(v) for k, v in kwargs.items()}
    return st.tuples(st.tuples(*arrays), st.fixed_dictionaries(kw))
