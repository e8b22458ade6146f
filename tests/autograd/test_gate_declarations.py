"""What each gate declares about itself holds, on every registered spec:

- ``reads``: changing in place an input that some gate of the spec reads makes the next backward
  raise ``ModifiedError``; changing one that no gate reads leaves every gradient exactly as it
  was (so a rule that secretly reads a value it does not declare is caught: its gradient moves);
- views: an output whose array shares memory with an input is marked as a view of it (one version
  counter), else an in-place change through it would go unchecked.

Both the plain backward (array rules) and ``create_graph`` (Tensor rules) are checked.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd as ag
import autograd.testing  # noqa: F401  (registers every spec module)
from autograd.backward import topological_order
from autograd.graph import reads_input
from autograd.tensor import counter
from autograd.testing import SPECS, GateSpec


def _build(spec: GateSpec, arrays: tuple, kwargs: dict) -> tuple[list, list]:
    ag.manual_seed(0)  # specs that draw random numbers draw the same ones every time
    xs = [ag.Tensor(np.array(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = spec.fn(*xs, **kwargs)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    return xs, [o for o in outs if isinstance(o, ag.Tensor)]


def _read_by_some_gate(outs: list, x: ag.Tensor) -> bool:
    """Whether a gate recorded for ``outs`` reads (by its declaration) a tensor sharing x's
    storage: x itself or a view of it."""
    c = counter(x)
    for node in topological_order(outs):
        for i, t in enumerate(node.inputs):
            e = t._extra
            if (t is x or (e is not None and e.counter is c)) and reads_input(node, i):
                return True
    return False


def _grads(outs: list, xs: list, weights: list, create_graph: bool) -> list:
    gs = ag.grad(outs, xs, grad_outputs=weights, allow_unused=True, create_graph=create_graph)
    return [None if g is None else g.data.copy() for g in gs]


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
@settings(max_examples=5)
@given(data=st.data(), create_graph=st.booleans())
def test_reads_and_views_are_declared_truly(
    spec: GateSpec, data: st.DataObject, create_graph: bool
) -> None:
    arrays, kwargs = data.draw(spec.inputs, label="inputs")
    xs, outs = _build(spec, arrays, kwargs)
    for o in outs:
        for i, x in enumerate(xs):
            if o is not x and o.data.size and np.shares_memory(o.data, x.data):
                assert o._base is not None, f"an output shares input {i}'s memory, unmarked"
    outs = [o for o in outs if o.requires_grad]
    if not outs:
        return
    weights = [ag.tensor(np.linspace(-1.0, 1.5, o.numel()).reshape(o.shape)) for o in outs]
    before = _grads(outs, xs, weights, create_graph)
    for i in range(len(xs)):
        xs, outs = _build(spec, arrays, kwargs)
        outs = [o for o in outs if o.requires_grad]
        read = _read_by_some_gate(outs, xs[i])
        with ag.no_grad():
            xs[i].add_(0.5)  # a real change of value, counted as one
        try:
            after = _grads(outs, xs, weights, create_graph)
        except ag.ModifiedError:
            assert read, f"input {i} changed, backward refused, but no gate declares reading it"
            continue
        assert not read, f"a gate declares reading input {i}, which changed, yet ran"
        for k, (b, a) in enumerate(zip(before, after)):
            assert (b is None) == (a is None)
            if b is not None:
                np.testing.assert_array_equal(
                    a,
                    b,
                    err_msg=f"changing input {i}, which no gate reads, moved input {k}'s gradient",
                )
